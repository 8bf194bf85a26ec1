//! The inner (structural) model: OLS of each endogenous construct on its
//! predecessors, from the construct correlations.

use super::PathStat;
use crate::error::Result;
use crate::estimate::FitError;
use crate::spec::Model;
use nalgebra::{DMatrix, DVector};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// The structural model estimated by OLS from a construct correlation matrix.
#[derive(Debug, Clone)]
pub struct InnerModel {
    /// Coefficients `paths[(from, to)]`.
    pub paths: DMatrix<f64>,
    /// Per-path OLS statistics in model order.
    pub stats: Vec<PathStat>,
    /// R² per construct.
    pub r2: Vec<Option<f64>>,
    /// Adjusted R².
    pub r2_adj: Vec<Option<f64>>,
    /// Total effects.
    pub total: DMatrix<f64>,
}

/// OLS of each endogenous construct on its predecessors, from the construct
/// correlation matrix `phi` and `n` respondents; total effects by
/// [`total_effects`](super::super::total_effects).
///
/// # Errors
/// When a predecessor correlation matrix is singular.
pub fn inner_model(model: &Model, phi: &DMatrix<f64>, n: usize) -> Result<InnerModel> {
    inner_model_stats(model, phi, n, true)
}

/// [`inner_model`], with or without the OLS p values (a bootstrap resample needs the
/// coefficients only).
pub(crate) fn inner_model_stats(
    model: &Model,
    phi: &DMatrix<f64>,
    n: usize,
    pvalues: bool,
) -> Result<InnerModel> {
    let q = model.n_constructs();
    let mut paths = DMatrix::zeros(q, q);
    let mut r2 = vec![None; q];
    let mut r2_adj = vec![None; q];
    let mut se_of: DMatrix<f64> = DMatrix::zeros(q, q);
    let nf = n as f64;
    for j in 0..q {
        let pred = model.predecessors(j);
        if pred.is_empty() {
            continue;
        }
        let k = pred.len();
        let spp = DMatrix::from_fn(k, k, |a, b| phi[(pred[a], pred[b])]);
        let spj = DVector::from_fn(k, |a, _| phi[(pred[a], j)]);
        let inv = invert_spd(&spp).ok_or_else(|| FitError::CollinearPredecessors {
            construct: model.constructs[j].name.clone(),
            path_weighting: false,
        })?;
        let b = &inv * &spj;
        let rsq = b.dot(&spj);
        r2[j] = Some(rsq);
        let df = nf - k as f64 - 1.0;
        r2_adj[j] = Some(1.0 - (1.0 - rsq) * (nf - 1.0) / df);
        for (a, &i) in pred.iter().enumerate() {
            paths[(i, j)] = b[a];
            let var = ((1.0 - rsq) / df * inv[(a, a)]).max(0.0);
            se_of[(i, j)] = var.sqrt();
        }
    }
    let stats = model
        .paths
        .iter()
        .map(|&(i, j)| {
            let k = model.predecessors(j).len() as f64;
            let df = nf - k - 1.0;
            let est = paths[(i, j)];
            let se = se_of[(i, j)];
            let t = est / se;
            let pval = if pvalues && df >= 1.0 && t.is_finite() {
                StudentsT::new(0.0, 1.0, df)
                    .map(|d| 2.0 * d.sf(t.abs()))
                    .unwrap_or(f64::NAN)
            } else {
                f64::NAN
            };
            PathStat {
                from: i,
                to: j,
                estimate: est,
                se,
                t,
                p: pval,
            }
        })
        .collect();
    let total = super::super::total_effects(&paths);
    Ok(InnerModel {
        paths,
        stats,
        r2,
        r2_adj,
        total,
    })
}

/// The inverse of a symmetric positive definite matrix, `None` when it is (numerically)
/// singular.
fn invert_spd(a: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    let ch = a.clone().cholesky()?;
    // reject numerically singular matrices
    let l = ch.l();
    let k = a.nrows();
    for i in 0..k {
        if l[(i, i)] < crate::tol::SINGULAR.sqrt() {
            return None;
        }
    }
    Some(ch.inverse())
}
