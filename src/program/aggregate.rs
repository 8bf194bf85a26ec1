//! Weighted means up the hierarchy, for the estimates and replicate by replicate.
//!
//! # Formulas (contract `csi program`)
//! ```text
//! industry I, wave t, construct j:  x_I = Σ_c w_c x_c / Σ_c w_c
//!     over the companies c of I with a usable estimate of j in wave t; w_c from --hierarchy
//! sector S:    x_S = Σ_I W_I x_I / Σ_I W_I,   W_I = Σ_c w_c over the companies used in x_I
//! national:    x_N = Σ_S v_S x_S / Σ_S v_S,   v_S from --sector-weights, else W_S = Σ_I W_I
//! replicate r of an aggregate:  the same weighted mean of replicate r of its members
//! ```
//! So an aggregate's interval reflects the sampling error of every company in it.
//! Companies are sampled independently, so pairing their replicates by `r` is one
//! valid draw from the joint bootstrap distribution.
//!
//! A failed resample of a company (its replicate `r` is `NaN`) is replaced, in the
//! aggregates only, by the company's next successful replicate (`r + 1`, `r + 2`, ...
//! cyclically): a draw from the same company's bootstrap distribution, which keeps
//! every aggregate replicate a mean over the same companies. See [`filled`].

use nalgebra::DMatrix;

/// Column `j` of a replicate matrix with every `NaN` replaced by the next finite
/// value (cyclically), or by `estimate` when the column has none.
///
/// ```
/// use nalgebra::DMatrix;
/// let m = DMatrix::from_column_slice(4, 1, &[f64::NAN, 2.0, f64::NAN, 4.0]);
/// assert_eq!(csi::program::aggregate::filled(&m, 0, 9.0), vec![2.0, 2.0, 4.0, 4.0]);
/// let m = DMatrix::from_column_slice(3, 1, &[1.0, f64::NAN, f64::NAN]);
/// assert_eq!(csi::program::aggregate::filled(&m, 0, 9.0), vec![1.0, 1.0, 1.0]);
/// let m = DMatrix::from_element(2, 1, f64::NAN);
/// assert_eq!(csi::program::aggregate::filled(&m, 0, 9.0), vec![9.0, 9.0]);
/// ```
pub fn filled(reps: &DMatrix<f64>, j: usize, estimate: f64) -> Vec<f64> {
    let b = reps.nrows();
    let col = reps.column(j);
    (0..b)
        .map(|r| {
            (0..b)
                .map(|k| col[(r + k) % b])
                .find(|v| v.is_finite())
                .unwrap_or(estimate)
        })
        .collect()
}

/// One member of a weighted mean: its weight, estimate and (filled) replicates.
#[derive(Debug, Clone, Copy)]
pub struct Member<'a> {
    /// Weight (positive).
    pub weight: f64,
    /// Full-sample estimate.
    pub estimate: f64,
    /// Replicates (no `NaN`), when bootstrapped.
    pub replicates: Option<&'a [f64]>,
}

/// The weighted mean of members: `(estimate, weight sum, replicates)`. `None` when
/// there is no member.
///
/// ```
/// use csi::program::aggregate::{weighted_mean, Member};
/// let a = [1.0, 3.0];
/// let b = [5.0, 7.0];
/// let (x, w, reps) = weighted_mean(&[
///     Member { weight: 3.0, estimate: 2.0, replicates: Some(&a) },
///     Member { weight: 1.0, estimate: 6.0, replicates: Some(&b) },
/// ]).unwrap();
/// assert!((x - 3.0).abs() < 1e-12);          // (3*2 + 1*6) / 4
/// assert!((w - 4.0).abs() < 1e-12);
/// let reps = reps.unwrap();
/// assert!((reps[0] - 2.0).abs() < 1e-12);    // (3*1 + 5) / 4
/// assert!((reps[1] - 4.0).abs() < 1e-12);    // (3*3 + 7) / 4
/// ```
pub fn weighted_mean(members: &[Member<'_>]) -> Option<(f64, f64, Option<Vec<f64>>)> {
    if members.is_empty() {
        return None;
    }
    let wsum: f64 = members.iter().map(|m| m.weight).sum();
    let est = members.iter().map(|m| m.weight * m.estimate).sum::<f64>() / wsum;
    let b = members
        .iter()
        .map(|m| m.replicates.map(<[f64]>::len))
        .min()
        .flatten();
    let reps = b.map(|b| {
        let mut acc = vec![0.0; b];
        for m in members {
            if let Some(r) = m.replicates {
                for (a, v) in acc.iter_mut().zip(r) {
                    *a += m.weight * v;
                }
            }
        }
        acc.iter_mut().for_each(|a| *a /= wsum);
        acc
    });
    Some((est, wsum, reps))
}
