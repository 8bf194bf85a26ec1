//! Summaries of replicate values: standard errors, percentile and BCa intervals,
//! Student-t p values.
//!
//! # Formulas
//! ```text
//! se        = standard deviation of the successful replicates (divisor B - 1)
//! t         = estimate / se,   p = 2 P(T_{n-1} > |t|)              (SmartPLS)
//! percentile  [q(α/2), q(1 - α/2)], q = R quantile type 7
//! BCa       z0 = Φ^-1(#{θ* < θ} / B)  (ties count half),
//!           a  = Σ d³ / (6 (Σ d²)^1.5),  d = mean(θ_(.)) - θ_(i)   (jackknife)
//!           bounds q(Φ(z0 + (z0 + z) / (1 - a (z0 + z)))), z = Φ^-1(α/2), Φ^-1(1 - α/2)
//! ```
//! (Efron 1987; the jackknife deletes one respondent for n <= 1000 and one of 1000
//! contiguous groups otherwise.)

use super::{BootStat, CiMethod};
use crate::stat::Stat;
use nalgebra::DMatrix;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Mean and standard deviation (divisor n - 1) of values.
pub(crate) fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let m = v.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (m, f64::NAN);
    }
    let ss: f64 = v.iter().map(|x| (x - m) * (x - m)).sum();
    (m, (ss / (n as f64 - 1.0)).sqrt())
}

/// R's quantile type 7 of sorted values.
///
/// ```
/// // R: quantile(c(1, 2, 3, 4), 0.25) = 1.75
/// assert!((csi::bootstrap::quantile(&[1.0, 2.0, 3.0, 4.0], 0.25) - 1.75).abs() < 1e-12);
/// assert!(csi::bootstrap::quantile(&[], 0.5).is_nan());
/// ```
pub fn quantile(sorted: &[f64], prob: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n as f64 - 1.0) * prob.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Percentile interval `[q(α/2), q(1 - α/2)]` of sorted values.
///
/// ```
/// let v: Vec<f64> = (0..=100).map(f64::from).collect();
/// let (lo, hi) = csi::bootstrap::percentile_interval(&v, 0.05);
/// assert!((lo - 2.5).abs() < 1e-12 && (hi - 97.5).abs() < 1e-12);
/// ```
pub fn percentile_interval(sorted: &[f64], alpha: f64) -> (f64, f64) {
    (
        quantile(sorted, alpha / 2.0),
        quantile(sorted, 1.0 - alpha / 2.0),
    )
}

/// BCa interval from sorted replicates, the estimate and jackknife values.
pub(crate) fn bca(sorted: &[f64], theta: f64, jack: &[f64], alpha: f64) -> (f64, f64) {
    let Ok(norm) = Normal::new(0.0, 1.0) else {
        return (f64::NAN, f64::NAN);
    };
    let b = sorted.len() as f64;
    let below = sorted.iter().filter(|v| **v < theta).count() as f64;
    let equal = sorted.iter().filter(|v| **v == theta).count() as f64;
    let prop = ((below + 0.5 * equal) / b).clamp(0.5 / b, 1.0 - 0.5 / b);
    let z0 = norm.inverse_cdf(prop);
    let jv: Vec<f64> = jack.iter().copied().filter(|v| v.is_finite()).collect();
    let a = if jv.len() > 2 {
        let jm = jv.iter().sum::<f64>() / jv.len() as f64;
        let num: f64 = jv.iter().map(|x| (jm - x).powi(3)).sum();
        let den: f64 = jv.iter().map(|x| (jm - x).powi(2)).sum();
        if den > 0.0 {
            num / (6.0 * den.powf(1.5))
        } else {
            0.0
        }
    } else {
        0.0
    };
    let adj = |z: f64| {
        let zz = z0 + z;
        norm.cdf(z0 + zz / (1.0 - a * zz))
    };
    let lo = adj(norm.inverse_cdf(alpha / 2.0));
    let hi = adj(norm.inverse_cdf(1.0 - alpha / 2.0));
    (quantile(sorted, lo), quantile(sorted, hi))
}

/// What [`summarize`] needs besides the replicates.
pub(crate) struct Summary<'a> {
    pub stats: &'a [Stat],
    pub names: &'a [String],
    pub estimates: &'a [f64],
    pub ci: CiMethod,
    pub level: f64,
    /// Degrees of freedom of the t distribution (n - 1, or the design's df).
    pub df: usize,
    /// Jackknife values (rows = deleted units), for BCa.
    pub jackknife: Option<&'a DMatrix<f64>>,
    /// Withhold intervals and tests (too many failed replicates).
    pub withhold: bool,
}

/// One [`BootStat`] per column of `replicates`.
pub(crate) fn summarize(replicates: &DMatrix<f64>, s: &Summary) -> Vec<BootStat> {
    let tdist = StudentsT::new(0.0, 1.0, s.df.max(1) as f64).ok();
    let alpha = 1.0 - s.level;
    let mut out = Vec::with_capacity(s.stats.len());
    for (c, stat) in s.stats.iter().enumerate() {
        let mut vals: Vec<f64> = replicates
            .column(c)
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        let theta = s.estimates.get(c).copied().unwrap_or(f64::NAN);
        let n_ok = vals.len();
        let (mean, se) = mean_sd(&vals);
        vals.sort_by(|a, b| a.total_cmp(b));
        let (lo, hi) = if n_ok < 2 || !theta.is_finite() || s.withhold {
            (f64::NAN, f64::NAN)
        } else {
            match (s.jackknife, s.ci) {
                (Some(j), CiMethod::Bca) => bca(
                    &vals,
                    theta,
                    &j.column(c).iter().copied().collect::<Vec<_>>(),
                    alpha,
                ),
                _ => percentile_interval(&vals, alpha),
            }
        };
        let t = if s.withhold { f64::NAN } else { theta / se };
        let pv = match (&tdist, t.is_finite()) {
            (Some(d), true) => 2.0 * d.sf(t.abs()),
            _ => f64::NAN,
        };
        out.push(BootStat {
            stat: *stat,
            key: s.names.get(c).cloned().unwrap_or_default(),
            estimate: theta,
            mean,
            se,
            ci_low: lo,
            ci_high: hi,
            t,
            p: pv,
            n_ok,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_type7_matches_hand_values() {
        // R: quantile(c(1,2,3,4), c(0.25, 0.5, 0.9)) = 1.75, 2.5, 3.7
        let v = [1.0, 2.0, 3.0, 4.0];
        assert!((quantile(&v, 0.25) - 1.75).abs() < crate::tol::EXACT);
        assert!((quantile(&v, 0.5) - 2.5).abs() < crate::tol::EXACT);
        assert!((quantile(&v, 0.9) - 3.7).abs() < crate::tol::EXACT);
    }
}
