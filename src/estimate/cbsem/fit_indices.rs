//! Global fit indices of an ML solution, as lavaan's `fitMeasures` computes them
//! (likelihood "normal": the sample covariance has divisor N and χ² = N F_min).

use statrs::distribution::{ChiSquared, ContinuousCDF};
use statrs::function::gamma::{checked_gamma_lr, checked_gamma_ur, ln_gamma};

/// Global fit of a CB-SEM solution (names follow lavaan's `fitMeasures`).
///
/// ```text
/// chisq     = N F_min                      (F = ln|Σ| + tr(SΣ^-1) - ln|S| - p, S with divisor N)
/// df        = p(p+1)/2 - npar
/// baseline  independence model Σ_0 = diag(S):  chisq_0 = N (Σ ln s_ii - ln|S|),  df_0 = p(p-1)/2
/// CFI       = 1 - max(chisq - df, 0) / max(chisq - df, chisq_0 - df_0, 0)
/// TLI       = (chisq_0/df_0 - chisq/df) / (chisq_0/df_0 - 1)
/// NFI       = (chisq_0 - chisq) / chisq_0
/// RMSEA     = sqrt(max(chisq - df, 0) / (N df))
/// RMSEA CI  sqrt(λ/(N df)) with P(χ²_df(λ) <= chisq) = 0.95 (lower), 0.05 (upper), noncentral χ²
/// p(close)  = P(χ²_df(N df 0.05²) >= chisq)
/// SRMR      = sqrt(mean over i <= j of ((s_ij - σ_ij) / sqrt(s_ii s_jj))²)   (Bentler; lavaan "srmr")
/// GFI       = 1 - tr((Σ^-1 S - I)²) / tr((Σ^-1 S)²)
/// logl      = -N/2 (p ln 2π + ln|Σ| + tr(SΣ^-1));  AIC = -2 logl + 2 npar;  BIC = -2 logl + npar ln N
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FitIndices {
    /// Number of free parameters.
    pub npar: usize,
    /// Minimum of the discrepancy F.
    pub fmin: f64,
    /// Likelihood-ratio χ² against the saturated model.
    pub chisq: f64,
    /// Degrees of freedom.
    pub df: f64,
    /// p value of χ².
    pub pvalue: f64,
    /// Comparative fit index.
    pub cfi: f64,
    /// Tucker-Lewis index.
    pub tli: f64,
    /// Normed fit index.
    pub nfi: f64,
    /// Root mean square error of approximation.
    pub rmsea: f64,
    /// Lower end of RMSEA's 90% interval.
    pub rmsea_ci_lower: f64,
    /// Upper end of RMSEA's 90% interval.
    pub rmsea_ci_upper: f64,
    /// p value of the test of close fit (RMSEA <= 0.05).
    pub rmsea_pvalue: f64,
    /// Standardized root mean square residual (Bentler).
    pub srmr: f64,
    /// Jöreskog's goodness-of-fit index.
    pub gfi: f64,
    /// Log-likelihood of the model.
    pub logl: f64,
    /// Akaike information criterion.
    pub aic: f64,
    /// Bayesian information criterion.
    pub bic: f64,
    /// χ² of the baseline (independence) model.
    pub baseline_chisq: f64,
    /// Degrees of freedom of the baseline model.
    pub baseline_df: f64,
}

/// Inputs needed by [`compute`].
pub(crate) struct FitInput<'a> {
    pub s: &'a nalgebra::DMatrix<f64>,
    pub sigma: &'a nalgebra::DMatrix<f64>,
    pub sigma_inv: &'a nalgebra::DMatrix<f64>,
    pub ln_det_s: f64,
    pub fmin: f64,
    pub n: f64,
    pub npar: usize,
}

pub(crate) fn compute(x: &FitInput<'_>) -> FitIndices {
    let p = x.s.nrows();
    let pf = p as f64;
    let n = x.n;
    let chisq = n * x.fmin;
    let df = pf * (pf + 1.0) / 2.0 - x.npar as f64;
    let pvalue = chisq_sf(chisq, df);
    let ln_diag: f64 = (0..p).map(|i| x.s[(i, i)].ln()).sum();
    let baseline_chisq = n * (ln_diag - x.ln_det_s);
    let baseline_df = pf * (pf - 1.0) / 2.0;
    let t1 = (chisq - df).max(0.0);
    let t2 = (chisq - df).max(baseline_chisq - baseline_df).max(0.0);
    let cfi = if t1 == 0.0 && t2 == 0.0 {
        1.0
    } else {
        1.0 - t1 / t2
    };
    let tli = if df > 0.0 {
        let a = baseline_chisq / baseline_df - chisq / df;
        let b = baseline_chisq / baseline_df - 1.0;
        if a < 0.0 && b < 0.0 {
            1.0
        } else {
            a / b
        }
    } else {
        1.0
    };
    let nfi = (baseline_chisq - chisq) / baseline_chisq;
    let (rmsea, lo, hi, pclose) = rmsea_with_ci(chisq, df, n, t1);
    let srmr = srmr(x.s, x.sigma);
    let ws = x.sigma_inv * x.s;
    let mut num = ws.clone();
    for i in 0..p {
        num[(i, i)] -= 1.0;
    }
    let gfi = 1.0 - (&num * &num).trace() / (&ws * &ws).trace();
    let ln_det_sigma = x.fmin + x.ln_det_s + pf - ws.trace();
    let logl = -n / 2.0 * (pf * (2.0 * std::f64::consts::PI).ln() + ln_det_sigma + ws.trace());
    let aic = -2.0 * logl + 2.0 * x.npar as f64;
    let bic = -2.0 * logl + x.npar as f64 * n.ln();
    FitIndices {
        npar: x.npar,
        fmin: x.fmin,
        chisq,
        df,
        pvalue,
        cfi,
        tli,
        nfi,
        rmsea,
        rmsea_ci_lower: lo,
        rmsea_ci_upper: hi,
        rmsea_pvalue: pclose,
        srmr,
        gfi,
        logl,
        aic,
        bic,
        baseline_chisq,
        baseline_df,
    }
}

/// RMSEA `sqrt(max(χ² - df, 0) / (n df))` (`t1` = the numerator), its 90% interval
/// from the noncentral χ² and the p value of close fit (RMSEA <= 0.05); zeros (p NaN)
/// without degrees of freedom.
fn rmsea_with_ci(chisq: f64, df: f64, n: f64, t1: f64) -> (f64, f64, f64, f64) {
    if df > 0.0 {
        let rmsea = (t1 / (n * df)).sqrt();
        let lo = if ncx2_cdf(chisq, df, 0.0) < 0.95 {
            0.0
        } else {
            let l = root_in_ncp(chisq, df, 0.95, chisq.max(1.0));
            (l / (n * df)).sqrt()
        };
        let top = n.max(4.0 * chisq);
        let hi = if ncx2_cdf(chisq, df, top) > 0.05 || ncx2_cdf(chisq, df, 0.0) < 0.05 {
            0.0
        } else {
            let l = root_in_ncp(chisq, df, 0.05, top);
            (l / (n * df)).sqrt()
        };
        let pclose = ncx2_sf(chisq, df, n * df * 0.05 * 0.05);
        (rmsea, lo, hi, pclose)
    } else {
        (0.0, 0.0, 0.0, f64::NAN)
    }
}

/// SRMR (Bentler): the root mean square of the residuals `(s_ij - σ_ij) / sqrt(s_ii s_jj)`
/// over the lower triangle with the diagonal.
fn srmr(s: &nalgebra::DMatrix<f64>, sigma: &nalgebra::DMatrix<f64>) -> f64 {
    let p = s.nrows();
    let pf = p as f64;
    let mut ss = 0.0;
    for i in 0..p {
        for j in 0..=i {
            let r = (s[(i, j)] - sigma[(i, j)]) / (s[(i, i)] * s[(j, j)]).sqrt();
            ss += r * r;
        }
    }
    (ss / (pf * (pf + 1.0) / 2.0)).sqrt()
}

/// Upper tail of the central χ².
fn chisq_sf(x: f64, df: f64) -> f64 {
    if df <= 0.0 {
        return f64::NAN;
    }
    ChiSquared::new(df).map(|d| d.sf(x)).unwrap_or(f64::NAN)
}

/// Poisson-mixture terms of the noncentral χ²: returns (cdf, sf) at x.
///
/// P(X <= x) = Σ_j e^{-λ/2} (λ/2)^j / j! · P(χ²_{df+2j} <= x), summed outwards from the
/// Poisson mode until the weights are negligible.
fn ncx2(x: f64, df: f64, ncp: f64) -> (f64, f64) {
    if x.is_nan() || x <= 0.0 {
        return (0.0, 1.0);
    }
    let h = ncp / 2.0;
    let term = |j: f64| -> (f64, f64, f64) {
        let lw = if h > 0.0 {
            -h + j * h.ln() - ln_gamma(j + 1.0)
        } else if j == 0.0 {
            0.0
        } else {
            f64::NEG_INFINITY
        };
        let w = lw.exp();
        let a = (df + 2.0 * j) / 2.0;
        let lo = checked_gamma_lr(a, x / 2.0).unwrap_or(f64::NAN);
        let up = checked_gamma_ur(a, x / 2.0).unwrap_or(f64::NAN);
        (w, w * lo, w * up)
    };
    let mode = h.floor();
    let (mut cdf, mut sf) = (0.0, 0.0);
    let mut j = mode;
    loop {
        let (w, a, b) = term(j);
        cdf += a;
        sf += b;
        if (w < 1e-18 && j < mode - 5.0) || j <= 0.0 {
            break;
        }
        j -= 1.0;
    }
    let mut j = mode + 1.0;
    loop {
        let (w, a, b) = term(j);
        cdf += a;
        sf += b;
        if (w < 1e-18 && j > mode + 5.0) || j > mode + 1e7 {
            break;
        }
        j += 1.0;
    }
    (cdf, sf)
}

/// Noncentral χ² distribution function.
pub(crate) fn ncx2_cdf(x: f64, df: f64, ncp: f64) -> f64 {
    ncx2(x, df, ncp).0
}

/// Noncentral χ² upper tail.
pub(crate) fn ncx2_sf(x: f64, df: f64, ncp: f64) -> f64 {
    ncx2(x, df, ncp).1
}

/// The noncentrality λ in [0, top] with P(χ²_df(λ) <= x) = prob (the cdf decreases in λ).
fn root_in_ncp(x: f64, df: f64, prob: f64, top: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, top);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if ncx2_cdf(x, df, mid) > prob {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-12 * (1.0 + hi) {
            break;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noncentral_reduces_to_central() {
        let c = ChiSquared::new(7.0).unwrap();
        for x in [0.5, 3.0, 7.0, 15.0] {
            assert!((ncx2_cdf(x, 7.0, 0.0) - c.cdf(x)).abs() < 1e-12);
        }
    }

    #[test]
    fn noncentral_one_df_is_a_shifted_normal() {
        // X = (Z + sqrt(λ))²  =>  P(X <= x) = Φ(√x - √λ) - Φ(-√x - √λ)
        use statrs::distribution::Normal;
        let z = Normal::standard();
        for (x, l) in [(0.3, 0.5), (2.0, 3.0), (10.0, 4.0), (30.0, 20.0)] {
            let want = z.cdf(f64::sqrt(x) - f64::sqrt(l)) - z.cdf(-f64::sqrt(x) - f64::sqrt(l));
            let got = ncx2_cdf(x, 1.0, l);
            assert!((got - want).abs() < 1e-10, "{x} {l}: {got} vs {want}");
        }
        let (a, b) = ncx2(1165.7, 314.0, 800.0);
        assert!((a + b - 1.0).abs() < 1e-10);
    }
}
