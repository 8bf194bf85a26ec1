//! Multiple-comparison adjustment of p values: Holm (family-wise error rate) and
//! Benjamini-Hochberg (false discovery rate).
//!
//! A programme of 400 companies in 4 waves and 6 constructs makes thousands of tests;
//! an unadjusted `p < 0.05` then flags about 5% of the true null comparisons. Holm
//! keeps the chance of *any* false flag at or below alpha; Benjamini-Hochberg keeps the
//! expected *share* of false flags among the flagged at or below alpha, and keeps far
//! more power when many effects are real.
//!
//! `NaN` entries (a test that could not be made) are left out of the family and stay
//! `NaN`, so the family size `m` is the number of finite p values.
//!
//! # Formulas
//! ```text
//! sorted p_(1) <= ... <= p_(m)
//! Holm:  adj_(i) = max_{k <= i} min(1, (m - k + 1) p_(k))
//! BH:    adj_(i) = min_{k >= i} min(1, m p_(k) / k)
//! ```
//!
//! # References
//! * Holm, S. (1979). A simple sequentially rejective multiple test procedure.
//!   *Scandinavian Journal of Statistics* 6(2), 65-70.
//! * Benjamini, Y., Hochberg, Y. (1995). Controlling the false discovery rate: a
//!   practical and powerful approach to multiple testing. *JRSS B* 57(1), 289-300.
//!   (R: `p.adjust(p, "holm")`, `p.adjust(p, "BH")`.)
//!
//! # Example
//! ```
//! use csi::adjust::{adjust, Adjust};
//! let p = [0.01, 0.04, 0.03, 0.005];
//! // by hand: sorted 0.005, 0.01, 0.03, 0.04 -> 4p/k = 0.02, 0.02, 0.04, 0.04
//! let bh = adjust(&p, Adjust::Bh);
//! for (got, want) in bh.iter().zip([0.02, 0.04, 0.04, 0.02]) {
//!     assert!((got - want).abs() < 1e-12);
//! }
//! // by hand: (m - k + 1) p = 0.02, 0.03, 0.06, 0.04 -> running max 0.02, 0.03, 0.06, 0.06
//! let holm = adjust(&p, Adjust::Holm);
//! for (got, want) in holm.iter().zip([0.03, 0.06, 0.06, 0.02]) {
//!     assert!((got - want).abs() < 1e-12);
//! }
//! ```

use crate::error::{Error, Result};

/// A multiple-comparison adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Adjust {
    /// Holm's step-down procedure (family-wise error rate). The default.
    #[default]
    Holm,
    /// Benjamini-Hochberg step-up procedure (false discovery rate).
    Bh,
    /// No adjustment: the adjusted p is the p value.
    None,
}

impl Adjust {
    /// The flag spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Holm => "holm",
            Self::Bh => "bh",
            Self::None => "none",
        }
    }
}

impl std::str::FromStr for Adjust {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "holm" => Ok(Self::Holm),
            "bh" | "fdr" | "benjamini-hochberg" => Ok(Self::Bh),
            "none" => Ok(Self::None),
            _ => Err(Error::setting(
                "--adjust",
                format!("expected holm, bh or none, got '{s}'"),
            )),
        }
    }
}

/// Adjust a family of p values (see the module documentation). The output has the
/// input's order; `NaN` stays `NaN` and does not count in the family.
pub fn adjust(p: &[f64], how: Adjust) -> Vec<f64> {
    match how {
        Adjust::Holm => holm(p),
        Adjust::Bh => benjamini_hochberg(p),
        Adjust::None => p
            .iter()
            .map(|&v| if v.is_finite() { v } else { f64::NAN })
            .collect(),
    }
}

/// Finite entries in increasing order of p (ties by position).
fn order(p: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_finite()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    idx
}

/// Holm's step-down adjustment.
///
/// ```
/// let adj = csi::adjust::holm(&[0.01, 0.04, f64::NAN, 0.03]);
/// assert!((adj[0] - 0.03).abs() < 1e-12); // 3 x 0.01
/// assert!((adj[3] - 0.06).abs() < 1e-12); // 2 x 0.03
/// assert!((adj[1] - 0.06).abs() < 1e-12); // max(0.06, 1 x 0.04)
/// assert!(adj[2].is_nan());
/// ```
pub fn holm(p: &[f64]) -> Vec<f64> {
    let idx = order(p);
    let m = idx.len();
    let mut out = vec![f64::NAN; p.len()];
    let mut running: f64 = 0.0;
    for (k, &i) in idx.iter().enumerate() {
        let v = ((m - k) as f64 * p[i]).min(1.0);
        running = running.max(v);
        out[i] = running;
    }
    out
}

/// Benjamini-Hochberg step-up adjustment (R's `p.adjust(p, "BH")`).
///
/// ```
/// // by hand: 8 p_(k) / k = 0.008, 0.032, 0.104, 0.082, 0.0672, 0.08, 0.0846, 0.205,
/// // then the running minimum from the largest p down
/// let adj = csi::adjust::benjamini_hochberg(&[0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205]);
/// let want = [0.008, 0.032, 0.0672, 0.0672, 0.0672, 0.08, 0.074 * 8.0 / 7.0, 0.205];
/// for (g, w) in adj.iter().zip(want) { assert!((g - w).abs() < 1e-12); }
/// ```
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let idx = order(p);
    let m = idx.len();
    let mut out = vec![f64::NAN; p.len()];
    let mut running: f64 = 1.0;
    for (k, &i) in idx.iter().enumerate().rev() {
        let v = (m as f64 * p[i] / (k + 1) as f64).min(1.0);
        running = running.min(v);
        out[i] = running;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bh_is_monotone_in_p_and_never_above_holm() {
        let p = [0.5, 0.001, 0.2, 0.9, 0.03, 0.03, f64::NAN, 0.04];
        let bh = benjamini_hochberg(&p);
        let hm = holm(&p);
        let mut idx: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_finite()).collect();
        idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
        for w in idx.windows(2) {
            assert!(bh[w[0]] <= bh[w[1]] + crate::tol::EXACT);
        }
        for &i in &idx {
            assert!(bh[i] >= p[i] - crate::tol::EXACT);
            assert!(bh[i] <= hm[i] + crate::tol::EXACT);
            assert!(bh[i] <= 1.0);
        }
        assert!(bh[6].is_nan() && hm[6].is_nan());
        // tied p values get the same adjusted value
        assert_eq!(bh[4].to_bits(), bh[5].to_bits());
    }

    #[test]
    fn holm_is_monotone_and_capped() {
        // (moved from compare, which now uses this module)
        let adj = holm(&[0.5, 0.001, 0.2, 0.9]);
        // sorted: 0.001*4 = 0.004, 0.2*3 = 0.6, 0.5*2 = 1.0, 0.9*1 -> max(1.0, 0.9) = 1
        assert!((adj[1] - 0.004).abs() < crate::tol::EXACT);
        assert!((adj[2] - 0.6).abs() < crate::tol::EXACT);
        assert!((adj[0] - 1.0).abs() < crate::tol::EXACT);
        assert!((adj[3] - 1.0).abs() < crate::tol::EXACT);
    }

    #[test]
    fn none_keeps_p_and_parses_flags() {
        assert_eq!(adjust(&[0.2, 0.01], Adjust::None), vec![0.2, 0.01]);
        assert_eq!("BH".parse::<Adjust>().ok(), Some(Adjust::Bh));
        assert_eq!("holm".parse::<Adjust>().ok(), Some(Adjust::Holm));
        assert!("bonferroni".parse::<Adjust>().is_err());
    }
}
