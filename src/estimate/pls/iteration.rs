//! The PLS iteration: inner weights, outer weight updates and the stopping rule.

use super::{PlsSettings, Scheme, StopRule};
use crate::error::Result;
use crate::estimate::FitError;
use crate::spec::{Mode, Model};
use nalgebra::{DMatrix, DVector};

/// The outer weights after the iteration (each block's proxy scaled to variance 1).
pub(super) struct Iterated {
    /// Outer weights.
    pub(super) w: Vec<f64>,
    /// Whether the stopping rule was met.
    pub(super) converged: bool,
    /// Iterations done.
    pub(super) iterations: usize,
    /// The last change of the weights (as the stopping rule measures it).
    pub(super) delta: f64,
}

/// The PLS iteration (the module docs' `repeat ... until`) on the treated moments `c`
/// of `n` respondents, from `start` (else unit weights); the final weights scaled per
/// block.
pub(super) fn iterate(
    model: &Model,
    settings: &PlsSettings,
    c: &DMatrix<f64>,
    n: usize,
    start: Option<&[f64]>,
) -> Result<Iterated> {
    let p = model.n_items();
    let q = model.n_constructs();
    let nf = n as f64;
    let blocks: Vec<&[usize]> = model
        .constructs
        .iter()
        .map(|c| c.items.as_slice())
        .collect();

    // Mode B: inverse of each block's C_jj (checked once).
    let binv = mode_b_inverses(model, c, &blocks)?;

    // adjacency for the inner estimation
    let mut w: Vec<f64> = match start {
        Some(s) if s.len() == p => s.to_vec(),
        _ => vec![1.0; p],
    };
    // seminr compares its first update with the unscaled start
    let start_raw = w.clone();
    normalize_blocks(c, &blocks, &mut w)?;
    let mut w_old = match settings.stop {
        StopRule::AbsoluteSum => start_raw,
        _ => w.clone(),
    };
    let factor = (nf - 1.0) / nf;
    let mut iterations = 0;
    let mut converged = false;
    let mut delta = f64::INFINITY;
    let mut e = DMatrix::<f64>::zeros(q, q);
    let mut s = vec![0.0; q];
    while iterations < settings.max_iter {
        iterations += 1;
        let phi = proxy_correlations(model, c, &blocks, &w, &mut s)?;
        inner_weights(model, settings.scheme, &phi, &mut e)?;
        let mut w_new = update_weights(model, c, &blocks, &binv, &e, &s, factor, &w);
        delta = weight_change(settings.stop, c, &blocks, &w_old, &mut w_new)?;
        w = w_new;
        if !delta.is_finite() {
            return Err(FitError::Diverged.into());
        }
        if delta < settings.tolerance {
            converged = true;
            break;
        }
        w_old.clone_from(&w);
    }
    normalize_blocks(c, &blocks, &mut w)?;
    Ok(Iterated {
        w,
        converged,
        iterations,
        delta,
    })
}

/// The proxies' sds `s` (`s_j = sqrt(w_j' C_jj w_j)`) and their correlations.
fn proxy_correlations(
    model: &Model,
    c: &DMatrix<f64>,
    blocks: &[&[usize]],
    w: &[f64],
    s: &mut [f64],
) -> Result<DMatrix<f64>> {
    let q = model.n_constructs();
    for j in 0..q {
        s[j] = quad(c, blocks[j], w, blocks[j], w).max(0.0).sqrt();
        if !(s[j] > 0.0) {
            return Err(FitError::ProxyZeroVariance {
                construct: model.constructs[j].name.clone(),
            }
            .into());
        }
    }
    Ok(DMatrix::from_fn(q, q, |a, b| {
        if a == b {
            1.0
        } else {
            quad(c, blocks[a], w, blocks[b], w) / (s[a] * s[b])
        }
    }))
}

/// The change of the weights the stopping rule compares with the tolerance:
/// `sum (|w_old| - |w_new|)^2` (plspm), or, after scaling `w_new` per block, the sum
/// (seminr) or the largest of `|w_old - w_new|`.
fn weight_change(
    stop: StopRule,
    c: &DMatrix<f64>,
    blocks: &[&[usize]],
    w_old: &[f64],
    w_new: &mut [f64],
) -> Result<f64> {
    Ok(match stop {
        StopRule::SquaredAbs => w_old
            .iter()
            .zip(w_new.iter())
            .map(|(o, nw)| (o.abs() - nw.abs()).powi(2))
            .sum(),
        StopRule::AbsoluteSum | StopRule::MaxAbsolute => {
            normalize_blocks(c, blocks, w_new)?;
            let d = w_old.iter().zip(w_new.iter()).map(|(o, nw)| (o - nw).abs());
            if stop == StopRule::AbsoluteSum {
                d.sum()
            } else {
                d.fold(0.0, f64::max)
            }
        }
    })
}

/// One update of the outer weights from the inner weights `e` (Mode A: `X_k' Z_k / n`;
/// Mode B: the regression of `Z_k` on the block, `binv` its inverse `C_kk`).
#[allow(clippy::too_many_arguments)]
fn update_weights(
    model: &Model,
    c: &DMatrix<f64>,
    blocks: &[&[usize]],
    binv: &[Option<DMatrix<f64>>],
    e: &DMatrix<f64>,
    s: &[f64],
    factor: f64,
    w: &[f64],
) -> Vec<f64> {
    let (p, q) = (model.n_items(), model.n_constructs());
    // new weights
    let mut w_new = vec![0.0; p];
    for k in 0..q {
        // t = X_k' Z_k / n = sum_i E_ik factor/s_i C_{k,i} w_i
        let bk = blocks[k];
        let mut t = vec![0.0; bk.len()];
        for i in 0..q {
            let eik = e[(i, k)];
            if eik == 0.0 {
                continue;
            }
            let f = eik * factor / s[i];
            for (r, &a) in bk.iter().enumerate() {
                let mut acc = 0.0;
                for &b in blocks[i] {
                    acc += c[(a, b)] * w[b];
                }
                t[r] += f * acc;
            }
        }
        match (&binv[k], model.constructs[k].mode) {
            (Some(inv), Mode::B) => {
                for (r, &a) in bk.iter().enumerate() {
                    w_new[a] = (0..bk.len()).map(|cidx| inv[(r, cidx)] * t[cidx]).sum();
                }
            }
            (None, Mode::B) => {
                // single item: regression of Z on x = t / C_aa
                let a = bk[0];
                w_new[a] = t[0] / c[(a, a)];
            }
            _ => {
                for (r, &a) in bk.iter().enumerate() {
                    w_new[a] = t[r];
                }
            }
        }
    }
    w_new
}

/// The inverse of each Mode B block's `C_jj` (None for Mode A and single items).
fn mode_b_inverses(
    model: &Model,
    c: &DMatrix<f64>,
    blocks: &[&[usize]],
) -> Result<Vec<Option<DMatrix<f64>>>> {
    let q = model.n_constructs();
    // Mode B: inverse of each block's C_jj (checked once).
    let mut binv: Vec<Option<DMatrix<f64>>> = vec![None; q];
    for (j, con) in model.constructs.iter().enumerate() {
        if con.mode == Mode::B && blocks[j].len() > 1 {
            let cj = sub(c, blocks[j], blocks[j]);
            let inv = cj
                .clone()
                .cholesky()
                .map(|ch| ch.inverse())
                .ok_or_else(|| FitError::CollinearItems {
                    construct: con.name.clone(),
                })?;
            binv[j] = Some(inv);
        }
    }

    Ok(binv)
}

/// Inner weights `e[(i, k)]`: the weight of construct i in construct k's inner proxy.
fn inner_weights(
    model: &Model,
    scheme: Scheme,
    phi: &DMatrix<f64>,
    e: &mut DMatrix<f64>,
) -> Result<()> {
    e.fill(0.0);
    let q = model.n_constructs();
    match scheme {
        Scheme::Centroid | Scheme::Factorial => {
            for &(a, b) in &model.paths {
                let v = match scheme {
                    Scheme::Centroid => sign(phi[(a, b)]),
                    _ => phi[(a, b)],
                };
                e[(a, b)] = v;
                e[(b, a)] = v;
            }
        }
        Scheme::Path => {
            for k in 0..q {
                let pred = model.predecessors(k);
                if !pred.is_empty() {
                    let m = pred.len();
                    let spp = DMatrix::from_fn(m, m, |a, b| phi[(pred[a], pred[b])]);
                    let spk = DVector::from_fn(m, |a, _| phi[(pred[a], k)]);
                    let coef =
                        spp.clone()
                            .cholesky()
                            .map(|ch| ch.solve(&spk))
                            .ok_or_else(|| FitError::CollinearPredecessors {
                                construct: model.constructs[k].name.clone(),
                                path_weighting: true,
                            })?;
                    for (a, &i) in pred.iter().enumerate() {
                        e[(i, k)] = coef[a];
                    }
                }
                for &i in model.successors(k) {
                    e[(i, k)] = phi[(k, i)];
                }
            }
        }
    }
    Ok(())
}

/// The sign of `x` (0 for 0), as the centroid scheme uses it.
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// `w_a' C[a, b] w_b` for index sets a, b.
pub(super) fn quad(c: &DMatrix<f64>, a: &[usize], wa: &[f64], b: &[usize], wb: &[f64]) -> f64 {
    let mut acc = 0.0;
    for &i in a {
        let mut r = 0.0;
        for &j in b {
            r += c[(i, j)] * wb[j];
        }
        acc += wa[i] * r;
    }
    acc
}

/// The submatrix `C[a, b]`.
fn sub(c: &DMatrix<f64>, a: &[usize], b: &[usize]) -> DMatrix<f64> {
    DMatrix::from_fn(a.len(), b.len(), |i, j| c[(a[i], b[j])])
}

/// Scale each block's weights so that its proxy has variance 1.
fn normalize_blocks(c: &DMatrix<f64>, blocks: &[&[usize]], w: &mut [f64]) -> Result<()> {
    for bl in blocks {
        let v = quad(c, bl, w, bl, w);
        if !(v > 0.0) || !v.is_finite() {
            return Err(FitError::BlockZeroVariance.into());
        }
        let s = v.sqrt();
        for &k in bl.iter() {
            w[k] /= s;
        }
    }
    Ok(())
}
