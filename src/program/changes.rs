//! The difference of two index estimates from their bootstrap replicates: a wave's
//! change (`to` minus `from`) and a company against its industry.
//!
//! # Interval and p value
//! Let `d = θ_a - θ_b` and `d*_r = θ*_a,r - θ*_b,r` over the replicates `r` where both
//! are defined.
//! * **Independent samples** (a company in two waves; an aggregate in two waves): the
//!   replicates of the two sides come from independent streams, so the pairs
//!   `(θ*_a,r, θ*_b,r)` are draws from the product of the two bootstrap distributions
//!   and `d*_r` is a draw from the bootstrap distribution of the difference.
//! * **Overlapping samples** (a company against its industry, which contains the
//!   company): replicate `r` of the industry is made from replicate `r` of the company,
//!   so `d*_r` keeps their dependence.
//!
//! The interval is the percentile interval of `d*` (R quantile type 7), like every
//! other interval of csi. The p value (two-sided, H0: no difference) is the
//! normal-theory test with the bootstrap standard error:
//! ```text
//! se = sd(d*_r),  z = d / se,  p = 2 (1 - Φ(|z|)) = erfc(|z| / √2)
//! ```
//! Why not the count of replicates on the other side of zero,
//! `p = min(1, 2 min(#{d* <= 0} + 1, #{d* >= 0} + 1) / (B + 1))`? It needs no
//! normality, but it cannot go below `2 / (B + 1)` (0.002 with 1,000 resamples), and a
//! programme tests thousands of differences: Holm multiplies the smallest p by the
//! number of tests (9,600 company-versus-industry tests for 400 companies, 4 waves and
//! 6 constructs), so with counted p values no difference could ever be significant
//! after adjustment. A 0-100 index is a weighted mean of item means, whose sampling
//! distribution is close to normal at the sample sizes of a programme (a few hundred
//! per company); the normal test then gives p values in the far tail that the
//! adjustment can use. The simulation tests check its calibration: about 5% of
//! companies without a change get `p < 0.05`, and planted changes are found.
//!
//! A difference whose replicates do not vary (`se = 0`, e.g. the only company of an
//! industry against that industry) has no p value (`NaN`, JSON `null`).

use statrs::function::erf::erfc;

/// A difference with its interval and test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiffStat {
    /// `θ_a - θ_b` from the full-sample estimates.
    pub difference: f64,
    /// Bootstrap standard error of the difference (`NaN` without replicates).
    pub se: f64,
    /// Lower percentile bound.
    pub ci_low: f64,
    /// Upper percentile bound.
    pub ci_high: f64,
    /// Two-sided p value of H0: no difference.
    pub p: f64,
    /// Replicate pairs used.
    pub n_ok: usize,
}

/// The difference `a - b` with its interval and p value at confidence `level`
/// (see the module documentation). `reps_a` and `reps_b` are paired by position;
/// pairs with a `NaN` are left out.
///
/// ```
/// use csi::program::changes::difference;
/// // replicates of a: 10 + 0.1 k; of b: 5 + 0.1 (19 - k), k = 0..20
/// let a: Vec<f64> = (0..20).map(|k| 10.0 + 0.1 * k as f64).collect();
/// let b: Vec<f64> = (0..20).map(|k| 5.0 + 0.1 * (19 - k) as f64).collect();
/// let d = difference(11.0, 6.0, Some((&a, &b)), 0.95);
/// assert!((d.difference - 5.0).abs() < 1e-12);
/// // d*_k = 5 - 1.9 + 0.2 k: from 3.1 to 6.9, sd 1.18322 (by hand), z = 4.22577,
/// // p = erfc(z / sqrt 2) = 2.38124e-5 (python math.erfc)
/// assert!(d.ci_low > 3.1 && d.ci_high < 6.9);
/// assert!((d.se - 1.1832159566199232).abs() < 1e-12);
/// assert!((d.p - 2.3812376847743405e-5).abs() < 1e-12);
/// // no replicates: the difference only
/// let d = difference(11.0, 6.0, None, 0.95);
/// assert!(d.se.is_nan() && d.p.is_nan());
/// ```
pub fn difference(a: f64, b: f64, reps: Option<(&[f64], &[f64])>, level: f64) -> DiffStat {
    let d = a - b;
    let mut out = DiffStat {
        difference: d,
        se: f64::NAN,
        ci_low: f64::NAN,
        ci_high: f64::NAN,
        p: f64::NAN,
        n_ok: 0,
    };
    let Some((ra, rb)) = reps else {
        return out;
    };
    let mut diffs: Vec<f64> = ra
        .iter()
        .zip(rb)
        .map(|(x, y)| x - y)
        .filter(|v| v.is_finite())
        .collect();
    out.n_ok = diffs.len();
    if diffs.len() < 2 || !d.is_finite() {
        return out;
    }
    let (se, lo, hi) = spread(&mut diffs, level);
    out.se = se;
    out.ci_low = lo;
    out.ci_high = hi;
    out.p = normal_p(d, se);
    out
}

/// Standard error and percentile interval of finite replicates (sorted in place).
pub(crate) fn spread(v: &mut [f64], level: f64) -> (f64, f64, f64) {
    let n = v.len();
    if n < 2 {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    let ss: f64 = v.iter().map(|x| (x - mean) * (x - mean)).sum();
    let se = (ss / (n as f64 - 1.0)).sqrt();
    v.sort_by(|a, b| a.total_cmp(b));
    let alpha = 1.0 - level;
    (
        se,
        crate::bootstrap::quantile(v, alpha / 2.0),
        crate::bootstrap::quantile(v, 1.0 - alpha / 2.0),
    )
}

/// Two-sided normal p value of `d` with standard error `se`; `NaN` when `se` is not
/// positive (e.g. `se = 0` when the replicates do not vary, possibly with rounding
/// noise below 1e-12 of the difference's scale).
///
/// ```
/// // z = 1.959964: p = 0.05 (standard normal table; statrs' erfc is accurate to
/// // about 1e-10 relative here)
/// let p = csi::program::changes::normal_p(1.959963984540054, 1.0);
/// assert!((p - 0.05).abs() < 1e-9);
/// assert!(csi::program::changes::normal_p(1.0, 0.0).is_nan());
/// ```
pub fn normal_p(d: f64, se: f64) -> f64 {
    let scale = 1.0 + d.abs();
    if !(se > crate::tol::EXACT * scale) || !d.is_finite() {
        return f64::NAN;
    }
    erfc((d / se).abs() / std::f64::consts::SQRT_2).min(1.0)
}
