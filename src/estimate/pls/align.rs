//! Sign alignment of a resample solution with the full-sample solution.

use super::{inner_model_stats, PlsFit};
use crate::error::Result;
use crate::estimate::SignChange;
use crate::spec::Model;

/// Flip constructs of a resample solution so that it matches the full-sample signs
/// (see [`SignChange`]); the inner model is then re-estimated (without OLS p values).
pub(crate) fn align(model: &Model, full: &PlsFit, fit: &mut PlsFit, how: SignChange) -> Result<()> {
    match how {
        SignChange::None => Ok(()),
        SignChange::Construct => {
            let q = model.n_constructs();
            let mut flip = vec![false; q];
            for (j, c) in model.constructs.iter().enumerate() {
                let mut d = 0.0;
                let mut s = 0.0;
                for &k in &c.items {
                    d += full.loadings[k] - fit.loadings[k];
                    s += full.loadings[k] + fit.loadings[k];
                }
                flip[j] = d.abs() > s.abs();
            }
            if !flip.iter().any(|f| *f) {
                return Ok(());
            }
            for (j, c) in model.constructs.iter().enumerate() {
                if flip[j] {
                    for &k in &c.items {
                        fit.weights[k] = -fit.weights[k];
                        fit.loadings[k] = -fit.loadings[k];
                    }
                    for k in 0..model.n_items() {
                        fit.cross_loadings[(k, j)] = -fit.cross_loadings[(k, j)];
                    }
                }
            }
            for a in 0..q {
                for b in 0..q {
                    if a != b && flip[a] != flip[b] {
                        fit.lv_cor[(a, b)] = -fit.lv_cor[(a, b)];
                    }
                }
            }
            let inner = inner_model_stats(model, &fit.lv_cor, fit.n, false)?;
            fit.paths = inner.paths;
            fit.path_stats = inner.stats;
            fit.total = inner.total;
            Ok(())
        }
        SignChange::Individual => {
            let fix = |v: &mut f64, reference: f64| {
                if reference != 0.0 && v.signum() != reference.signum() {
                    *v = -*v;
                }
            };
            for k in 0..model.n_items() {
                fix(&mut fit.weights[k], full.weights[k]);
                fix(&mut fit.loadings[k], full.loadings[k]);
            }
            let q = model.n_constructs();
            for a in 0..q {
                for b in 0..q {
                    fix(&mut fit.paths[(a, b)], full.paths[(a, b)]);
                    fix(&mut fit.total[(a, b)], full.total[(a, b)]);
                }
            }
            Ok(())
        }
    }
}
