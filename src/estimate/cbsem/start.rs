//! Start values of the CB-SEM estimation from standardised loadings and latent
//! correlations (PLS's, or 0.7 and identity).

use super::lisrel::{self, Lisrel};
use super::Identify;
use crate::estimate::pls;
use crate::moments::Moments;
use crate::spec::Model;
use nalgebra::DMatrix;

/// The free parameters of a start: loadings, paths, latent (co)variances and error
/// variances scaled to the identification.
pub(super) fn start_from(
    model: &Model,
    m: &Moments,
    lis: &Lisrel,
    identify: Identify,
    loads: &[f64],
    rlv: &DMatrix<f64>,
) -> Vec<f64> {
    let p = lis.p;
    let q = lis.q;
    let sd = m.pop_sd();
    let l = standardized_loadings(model, loads);
    let (bstd, r2) = match pls::inner_model(model, rlv, m.n.max(3)) {
        Ok(inner) => (inner.paths, inner.r2),
        Err(_) => (DMatrix::zeros(q, q), vec![None; q]),
    };
    let resid: Vec<f64> = (0..q)
        .map(|j| (1.0 - r2[j].unwrap_or(0.0)).clamp(0.05, 1.0))
        .collect();
    let d = latent_scales(model, lis, identify, &l, &sd, &resid);
    let mut lambda = DMatrix::zeros(p, q);
    let mut theta = vec![0.0; p];
    for (j, c) in model.constructs.iter().enumerate() {
        for &k in &c.items {
            lambda[(k, j)] = l[k] * sd[k] / d[j];
            if c.items.len() > 1 {
                theta[k] = (1.0 - l[k] * l[k]).max(0.1) * sd[k] * sd[k];
            }
        }
    }
    let mut beta = DMatrix::zeros(q, q);
    for &(from, to) in &model.paths {
        beta[(to, from)] = bstd[(from, to)] * d[to] / d[from];
    }
    let mut psi = DMatrix::zeros(q, q);
    for a in 0..q {
        if lis.exogenous[a] {
            for b in 0..q {
                if lis.exogenous[b] {
                    let r = if a == b { 1.0 } else { rlv[(a, b)] };
                    psi[(a, b)] = r * d[a] * d[b];
                }
            }
        } else {
            psi[(a, a)] = resid[a] * d[a] * d[a];
        }
    }
    lis.params(&lisrel::Matrices {
        lambda,
        beta,
        psi,
        theta,
        theta_cov: DMatrix::zeros(p, p),
    })
}

/// Standardised start loadings: 1 for single items, else |l| in [0.2, 0.95] with the
/// sign kept.
fn standardized_loadings(model: &Model, loads: &[f64]) -> Vec<f64> {
    let mut l: Vec<f64> = loads.to_vec();
    for (j, c) in model.constructs.iter().enumerate() {
        for &k in &c.items {
            l[k] = if c.items.len() == 1 {
                1.0
            } else {
                let v = l[k];
                let a = v.abs().clamp(0.2, 0.95);
                if v < 0.0 {
                    -a
                } else {
                    a
                }
            };
        }
        let _ = j;
    }
    l
}

/// The latent scale of every construct: the marker item's loading in raw units, or
/// (variance identification) 1 for exogenous constructs and 1/sqrt(residual share).
fn latent_scales(
    model: &Model,
    lis: &Lisrel,
    identify: Identify,
    l: &[f64],
    sd: &[f64],
    resid: &[f64],
) -> Vec<f64> {
    let q = lis.q;
    (0..q)
        .map(|j| match identify {
            Identify::Marker => {
                let mk = model.constructs[j].items[0];
                (l[mk] * sd[mk]).abs().max(1e-8)
            }
            Identify::Variance => {
                if lis.exogenous[j] {
                    1.0
                } else {
                    1.0 / resid[j].sqrt()
                }
            }
        })
        .collect()
}
