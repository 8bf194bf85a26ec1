//! Sampling weights: checks, scale normalisation and Kish's effective sample size.
//!
//! Estimates from weighted moments do not depend on the scale of the weights
//! (multiplying every weight by a constant changes nothing), but floating point does:
//! weights of `1e308` overflow their sum and weights of `5e-324` (the smallest
//! subnormal) lose every digit when squared. csi therefore rescales weights to mean 1
//! before accumulating anything ([`normalized`]), dividing by the largest weight first
//! so that neither step can overflow or underflow.
//!
//! # Effective sample size
//! Kish (1965, §11.7): `n_eff = (Σ w_i)² / Σ w_i²`, the size of a simple random sample
//! with the same precision for a mean as the weighted sample. It equals n for equal
//! weights and falls as the weights become unequal; `n / n_eff` is Kish's design
//! effect of weighting, `deff_w = 1 + cv²(w)` (population cv).
//!
//! # Example
//! ```
//! use csi::design::weights::{n_effective, normalized};
//! let w = [1.0, 2.0, 3.0, 2.0];
//! // (1+2+3+2)² / (1+4+9+4) = 64 / 18
//! assert!((n_effective(&w) - 64.0 / 18.0).abs() < 1e-12);
//! // the scale does not matter
//! let big: Vec<f64> = w.iter().map(|v| v * 1e300).collect();
//! assert!((n_effective(&big) - 64.0 / 18.0).abs() < 1e-12);
//! let u = normalized(&big);
//! assert!((u.iter().sum::<f64>() - 4.0).abs() < 1e-12);
//! assert!((u[2] - 1.5).abs() < 1e-12);
//! ```

use crate::error::{Error, Location, Result};

/// Kish's effective sample size `(Σw)² / Σw²` (0 for no or all-zero weights).
/// Computed on `w / max(w)`, so any finite scale gives the same value.
pub fn n_effective(w: &[f64]) -> f64 {
    let m = w.iter().copied().fold(0.0f64, f64::max);
    if !(m > 0.0) || !m.is_finite() {
        return 0.0;
    }
    let (s1, s2) = w.iter().fold((0.0, 0.0), |(a, b), &v| {
        let u = v / m;
        (a + u, b + u * u)
    });
    if s2 > 0.0 {
        s1 * s1 / s2
    } else {
        0.0
    }
}

/// Kish's design effect of weighting, `n / n_eff` (1 for equal weights).
pub fn design_effect(w: &[f64]) -> f64 {
    let ne = n_effective(w);
    if ne > 0.0 {
        w.len() as f64 / ne
    } else {
        f64::NAN
    }
}

/// The weights rescaled to mean 1 (sum = n): `w_i / max(w) * n / Σ(w_j / max(w))`.
/// Weights all equal give exactly 1. Non-finite, negative or all-zero weights are
/// returned unchanged (check them with [`check`] first).
pub fn normalized(w: &[f64]) -> Vec<f64> {
    let m = w.iter().copied().fold(0.0f64, f64::max);
    if !(m > 0.0) || !m.is_finite() || w.iter().any(|v| !v.is_finite() || *v < 0.0) {
        return w.to_vec();
    }
    let u: Vec<f64> = w.iter().map(|v| v / m).collect();
    let s: f64 = u.iter().sum();
    let f = w.len() as f64 / s;
    if f == 1.0 {
        u
    } else {
        u.into_iter().map(|v| v * f).collect()
    }
}

/// Number of positive weights (the respondents who count).
pub fn positive(w: &[f64]) -> usize {
    w.iter().filter(|v| **v > 0.0).count()
}

/// Refuse weights that are not finite, negative, or all zero, naming the file, the
/// row (spreadsheet numbering: `rows[i]` is respondent i's row) and the column
/// (`column`, when known).
///
/// # Errors
/// [`Error::Data`] at the first bad weight (`more` counts the others), or for all-zero
/// weights.
///
/// # Example
/// ```
/// use csi::design::weights::check;
/// let e = check(&[1.0, f64::NAN, -2.0], "s.csv", &[2, 3, 4], Some("w")).unwrap_err();
/// assert_eq!(e.to_string(),
///     "s.csv: row 3, column 'w', value 'NaN': a weight must be a finite number >= 0 (and 1 more problem; run `csi validate` for the full list)");
/// assert!(check(&[0.0, 0.0], "s.csv", &[2, 3], Some("w")).unwrap_err().to_string().contains("every weight is zero"));
/// ```
pub fn check(w: &[f64], file: &str, rows: &[usize], column: Option<&str>) -> Result<()> {
    let bad = |v: &f64| !v.is_finite() || *v < 0.0;
    if let Some(i) = w.iter().position(bad) {
        let more = w.iter().filter(|v| bad(v)).count() - 1;
        return Err(Error::Data {
            location: Location {
                file: file.to_string(),
                row: Some(rows.get(i).copied().unwrap_or(i + 2)),
                column: Some(column.unwrap_or("weight").to_string()),
                value: Some(format!("{}", w[i])),
            },
            message: "a weight must be a finite number >= 0".into(),
            more,
        });
    }
    if !w.is_empty() && positive(w) == 0 {
        return Err(Error::data(
            Location {
                file: file.to_string(),
                column: Some(column.unwrap_or("weight").to_string()),
                ..Default::default()
            },
            "every weight is zero",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tol::EXACT;

    #[test]
    fn n_effective_is_kish_and_scale_free() {
        // hand computation: w = 1,1,4: (6)^2 / (1+1+16) = 2
        assert!((n_effective(&[1.0, 1.0, 4.0]) - 2.0).abs() < EXACT);
        assert!((n_effective(&[1e308, 1e308, 1e308]) - 3.0).abs() < EXACT);
        assert!((n_effective(&[5e-324; 7]) - 7.0).abs() < EXACT);
        assert_eq!(n_effective(&[0.0, 0.0]), 0.0);
        assert!((design_effect(&[1.0, 1.0, 4.0]) - 1.5).abs() < EXACT);
    }

    #[test]
    fn normalisation_is_exact_for_equal_weights() {
        assert_eq!(normalized(&[5e-324; 3]), vec![1.0; 3]);
        assert_eq!(normalized(&[1e308; 3]), vec![1.0; 3]);
        let u = normalized(&[1e308, 0.0, 1e307]);
        assert!((u[0] - 3.0 / 1.1).abs() < EXACT && u[1] == 0.0);
    }
}
