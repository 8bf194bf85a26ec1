//! The 0-100 customer-satisfaction index of each construct (Fornell/ACSI recipe).
//!
//! # Formula
//! ```text
//! a_k, b_k   theoretical min and max of item k (the model's [scale] or the item's own)
//! x*_k       = (x_k - a_k) / (b_k - a_k) * 100          item rescaled to 0..100
//! u_k        = w_k / sd_k                                 unstandardized outer weight
//! u*_k       = u_k * (b_k - a_k) / 100                    the weight that applies to x*_k
//! w~_k       = u*_k / sum_m u*_m                          normalised to sum 1
//! index_j    = sum_k w~_k * mean(x*_k)
//! ```
//! With a common scale [a, b] for the block this is the contract's
//! `index = (sum_k w~_k mean(x_k) - a) / (b - a) * 100`. A normalised weight that is not
//! positive makes the index undefined (a construct cannot be a mean of its items then):
//! the index is `None` and [`ConstructIndex::problem`] names the item; nothing is clamped.
//!
//! A higher-order construct's index applies the recipe to its total item weights (the
//! stage-2 weight of each dimension times the stage-1 weights of its items), see
//! [`crate::estimate::hoc`].
//!
//! # References
//! * Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., Bryant, B. E. (1996). The
//!   American Customer Satisfaction Index. *Journal of Marketing* 60(4), 7-18.
//! * Ringle, C. M., Sarstedt, M. (2016). Gain more insight from your PLS-SEM results:
//!   the importance-performance map analysis. *Industrial Management & Data Systems*.

use crate::estimate::pls::PlsFit;
use crate::spec::Model;
use nalgebra::DMatrix;

/// The index of one construct.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstructIndex {
    /// Construct index in the model.
    pub construct: usize,
    /// 0-100 index, `None` when undefined.
    pub value: Option<f64>,
    /// Normalised weights `w~_k` of the construct's items (in block order; for a
    /// higher-order construct, of its dimensions' items, [`PlsFit::block`]).
    pub normalized_weights: Vec<f64>,
    /// Why the index is undefined.
    pub problem: Option<String>,
}

/// Indices of every construct of a fitted model.
///
/// # Example
/// ```
/// # use csi::spec::{Model, ConstructSpec, Scale};
/// # use csi::moments::Moments;
/// # use csi::estimate::pls::{estimate, PlsSettings};
/// # use nalgebra::DMatrix;
/// # let model = Model::from_parts("toy",
/// #     vec![ConstructSpec::new("A", &["a1", "a2"]), ConstructSpec::new("B", &["b1", "b2"])],
/// #     &[("A", "B")])?.with_scale(Scale { min: 1.0, max: 10.0 })?;
/// # let x = DMatrix::from_row_slice(4, 4, &[1.,2.,1.,2., 2.,2.,3.,2., 3.,4.,3.,5., 4.,3.,5.,4.]);
/// # let m = Moments::from_data(&x, None)?;
/// let fit = estimate(&model, &m, &PlsSettings::default())?;
/// let idx = csi::index::indices(&model, &fit);
/// let a = idx[0].value.unwrap();
/// assert!(a > 0.0 && a < 100.0);
/// // the normalised weights sum to one
/// assert!((idx[0].normalized_weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
/// # Ok::<(), csi::Error>(())
/// ```
pub fn indices(model: &Model, fit: &PlsFit) -> Vec<ConstructIndex> {
    (0..model.n_constructs())
        .map(|j| construct_index(model, fit, j))
        .collect()
}

/// Normalised weights of construct `j` on the 0-100 item scale; `Err` names the
/// problem (no scale, or a non-positive normalised weight).
pub fn normalized_weights(
    model: &Model,
    fit: &PlsFit,
    j: usize,
) -> Result<Vec<f64>, (Vec<f64>, String)> {
    let Some(con) = model.constructs.get(j) else {
        return Err((Vec::new(), "no such construct".into()));
    };
    let block = fit.block(model, j);
    let mut u = Vec::with_capacity(block.len());
    for &(k, w) in &block {
        let Some(s) = model.item_scale(k) else {
            return Err((
                Vec::new(),
                format!(
                    "item '{}' has no scale: declare [scale] min/max in the model or give --scale MIN,MAX",
                    model.items[k].name
                ),
            ));
        };
        u.push(w / fit.treat_scale[k] * s.range() / 100.0);
    }
    let total: f64 = u.iter().sum();
    let wn: Vec<f64> = u.iter().map(|v| v / total).collect();
    if let Some(pos) = wn.iter().position(|v| !(*v > 0.0)) {
        let k = block[pos].0;
        let msg = format!(
            "normalised weight of item '{}' is {:.4} (not positive): the {} index is undefined; check the item's coding (reverse?) or drop it",
            model.items[k].name, wn[pos], con.name
        );
        return Err((wn, msg));
    }
    Ok(wn)
}

fn construct_index(model: &Model, fit: &PlsFit, j: usize) -> ConstructIndex {
    match normalized_weights(model, fit, j) {
        Ok(wn) => {
            let mut v = 0.0;
            for (r, (k, _)) in fit.block(model, j).into_iter().enumerate() {
                // unwrap-free: normalized_weights checked the scale exists
                if let Some(s) = model.item_scale(k) {
                    v += wn[r] * s.to_100(fit.means[k]);
                }
            }
            ConstructIndex {
                construct: j,
                value: Some(v),
                normalized_weights: wn,
                problem: None,
            }
        }
        Err((wn, msg)) => ConstructIndex {
            construct: j,
            value: None,
            normalized_weights: wn,
            problem: Some(msg),
        },
    }
}

/// Per-respondent 0-100 scores (n x q) for complete data `x`; columns of constructs
/// whose index is undefined are `NaN`.
pub fn respondent_scores(model: &Model, fit: &PlsFit, x: &DMatrix<f64>) -> DMatrix<f64> {
    let n = x.nrows();
    let q = model.n_constructs();
    let mut out = DMatrix::from_element(n, q, f64::NAN);
    for j in 0..q {
        if let Ok(wn) = normalized_weights(model, fit, j) {
            let block = fit.block(model, j);
            for i in 0..n {
                let mut v = 0.0;
                for (r, &(k, _)) in block.iter().enumerate() {
                    if let Some(s) = model.item_scale(k) {
                        v += wn[r] * s.to_100(x[(i, k)]);
                    }
                }
                out[(i, j)] = v;
            }
        }
    }
    out
}
