//! EM estimation of item means and covariances from incomplete answers
//! (`--missing em`).
//!
//! Under a multivariate normal model for the answers and missingness at random (MAR:
//! whether an answer is missing may depend on the other answers, not on the missing
//! value itself), the maximum-likelihood means and covariances are found by the EM
//! algorithm (Dempster, Laird & Rubin 1977; Little & Rubin 2002, *Statistical Analysis
//! with Missing Data*, 2nd ed., §11.2). PLS, PLSc and CB-SEM then estimate the model from
//! these moments, as they would from the moments of complete data; no answer is
//! altered or invented for the point estimates.
//!
//! # Algorithm
//! For respondent i with observed items `o` and missing items `m`, given the current
//! `μ, Σ`:
//! ```text
//! E-step:  x̂_m = μ_m + Σ_mo Σ_oo⁻¹ (x_o − μ_o),        x̂_o = x_o
//!          C_i[m, m] = Σ_mm − Σ_mo Σ_oo⁻¹ Σ_om,         C_i = 0 elsewhere
//! M-step:  W = Σ f_i,   μ' = Σ f_i x̂_i / W,
//!          Σ' = Σ f_i (x̂_i x̂_iᵀ + C_i) / W − μ' μ'ᵀ        (ML: divisor W)
//! ```
//! with `f_i` = the sampling weight times the number of times the respondent is drawn
//! (1 and 1 without weights and outside a bootstrap), so the same code serves weighted
//! data and bootstrap replicates ([`EmData::fit`] takes replicate counts). Respondents
//! are grouped by missingness pattern so that `Σ_oo⁻¹` (a Cholesky factor) is formed
//! once per pattern and iteration, and the complete respondents' cross-products once
//! per fit. The data are centred at the observed means first (numerical accuracy).
//!
//! * **Start:** observed-case (weighted) means and variances, covariances 0 (or a
//!   previous solution: warm start).
//! * **Stop:** when the largest change of a mean (in standard deviations) or of a
//!   covariance (in correlation units) is below [`EmOptions::tolerance`] (default
//!   1e-9), or after [`EmOptions::max_iter`] iterations (default 1000; not converging is
//!   reported in [`EmFit::converged`], never hidden).
//! * **Imputed data:** [`EmFit::impute`] fills missing answers with their conditional
//!   means `x̂_m`; those rows reproduce the EM means exactly but understate the
//!   variances (the `C_i` term is missing), so csi fits from [`EmFit::moments`], not
//!   from the imputed rows.
//!
//! # Example
//! ```
//! use csi::em::{estimate, EmOptions};
//! use nalgebra::DMatrix;
//! let nan = f64::NAN;
//! let x = DMatrix::from_row_slice(6, 2, &[
//!     1.0, 2.0,   2.0, 3.0,   3.0, 5.0,
//!     4.0, 4.0,   5.0, nan,   6.0, nan,
//! ]);
//! let fit = estimate(&x, None, &EmOptions::default())?;
//! assert!(fit.converged);
//! // the first item is complete: its EM mean is its sample mean
//! assert!((fit.means[0] - 3.5).abs() < 1e-9);
//! // the second is predicted from the first (regression on the complete rows)
//! assert!(fit.means[1] > 3.5);
//! # Ok::<(), csi::Error>(())
//! ```

use crate::error::Result;
use crate::estimate::FitError;
use crate::moments::Moments;
use nalgebra::DMatrix;
use std::collections::HashMap;

/// Why EM produced no moments, by kind (carried by [`FitError::Em`]); the `Display`
/// text is the message users see.
///
/// ```
/// use csi::em::EmError;
/// assert_eq!(EmError::NotConverged { iterations: 7 }.to_string(), "EM did not converge in 7 iterations");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EmError {
    /// No respondents or no items.
    #[error("EM: no data")]
    NoData,
    /// The sampling weights do not match the respondents.
    #[error("EM: {weights} weights for {respondents} respondents")]
    WeightCount {
        /// Weights given.
        weights: usize,
        /// Respondents.
        respondents: usize,
    },
    /// A sampling weight is negative or not finite.
    #[error("EM: weights must be finite and >= 0")]
    BadWeight,
    /// The data hold an infinite value.
    #[error("EM: infinite value in the data")]
    Infinite,
    /// An item has no observed answer with a positive weight.
    #[error("EM: item {item} has no observed answer with a positive weight")]
    NoAnswer {
        /// 1-based item.
        item: usize,
    },
    /// Replicate counts of the wrong length.
    #[error("EM: counts do not match the respondents")]
    CountMismatch,
    /// The replicate's weights sum to zero.
    #[error("EM: no respondent with a positive weight")]
    NoPositiveWeight,
    /// The moments became infinite or NaN.
    #[error("EM: the iterations diverged (non-finite moments)")]
    Diverged,
    /// The observed items of a missingness pattern have a singular covariance matrix.
    #[error(
        "EM: the covariance matrix of the observed items is singular (collinear or constant items)"
    )]
    SingularObserved,
    /// A bootstrap replicate did not converge (a failed resample).
    #[error("EM did not converge in {iterations} iterations")]
    NotConverged {
        /// Iterations done.
        iterations: usize,
    },
}

impl From<EmError> for crate::error::Error {
    fn from(e: EmError) -> Self {
        crate::error::Error::Fit(FitError::Em(e))
    }
}

/// Settings of the EM iterations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmOptions {
    /// Largest number of iterations (default 1000).
    pub max_iter: usize,
    /// Stop when no mean moves by more than this many standard deviations and no
    /// covariance by more than this in correlation units (default 1e-9).
    pub tolerance: f64,
}

impl Default for EmOptions {
    fn default() -> Self {
        EmOptions {
            max_iter: 1000,
            tolerance: 1e-9,
        }
    }
}

/// The EM solution.
#[derive(Debug, Clone, PartialEq)]
pub struct EmFit {
    /// Item means.
    pub means: Vec<f64>,
    /// ML (population, divisor W) covariance matrix.
    pub cov: DMatrix<f64>,
    /// Iterations done.
    pub iterations: usize,
    /// Whether the tolerance was reached.
    pub converged: bool,
    /// Last change (see [`EmOptions::tolerance`]).
    pub delta: f64,
    /// Respondents (rows with a positive frequency).
    pub n: usize,
    /// Sum of the frequencies (weights times counts).
    pub weight_sum: f64,
}

impl EmFit {
    /// The moments the estimators fit from.
    pub fn moments(&self) -> Moments {
        Moments {
            n: self.n,
            weight_sum: self.weight_sum,
            means: self.means.clone(),
            cov: self.cov.clone(),
        }
    }

    /// `x` with each missing answer replaced by its conditional mean given the
    /// respondent's observed answers under this solution.
    ///
    /// # Errors
    /// [`crate::Error::Fit`] ([`EmError`]) when the covariance of a pattern's observed items is
    /// singular.
    pub fn impute(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        let data = EmData::new(x, None)?;
        let mut out = x.clone();
        let mu_c: Vec<f64> = (0..data.p).map(|j| self.means[j] - data.shift[j]).collect();
        for pat in &data.patterns {
            if pat.missing.is_empty() {
                continue;
            }
            let cond = Conditional::new(&pat.observed, &pat.missing, &self.cov)?;
            let mut xm = vec![0.0; pat.missing.len()];
            for &i in &pat.rows {
                let row = data.row(i);
                cond.predict(row, &mu_c, &pat.observed, &pat.missing, &mut xm);
                for (a, &j) in pat.missing.iter().enumerate() {
                    out[(i, j)] = xm[a] + data.shift[j];
                }
            }
        }
        Ok(out)
    }
}

/// The full-sample EM solution with what a bootstrap needs to redo EM in a resample
/// (kept in [`crate::data::Complete::em`]).
#[derive(Debug, Clone)]
pub struct EmSolution {
    /// The full-sample fit (its moments are the ones the model is fitted from).
    pub fit: EmFit,
    /// The incomplete data, prepared (shared, not copied, by clones).
    pub data: std::sync::Arc<EmData>,
    /// The settings used.
    pub options: EmOptions,
}

impl EmSolution {
    /// The moments of bootstrap replicate `counts` (respondent i drawn `counts[i]`
    /// times): EM redone on the replicate, warm-started from the full-sample solution.
    /// This is the seam for the bootstrap executor under `--missing em`.
    ///
    /// # Errors
    /// As [`EmData::replicate_moments`] (a failed resample, with its reason).
    pub fn replicate_moments(&self, counts: &[u32]) -> Result<Moments> {
        self.data
            .replicate_moments(counts, &self.fit, &self.options)
    }
}

/// What EM did, for reports (`"missing": {"em": {...}}` in the fit JSON).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EmInfo {
    /// Iterations done.
    pub iterations: usize,
    /// Whether the tolerance was reached.
    pub converged: bool,
    /// Last change (see [`EmOptions::tolerance`]).
    pub delta: f64,
    /// Distinct missingness patterns (the complete pattern included).
    pub patterns: usize,
}

/// One missingness pattern: the items observed and missing, and its respondents.
#[derive(Debug, Clone)]
struct Pattern {
    observed: Vec<usize>,
    missing: Vec<usize>,
    rows: Vec<usize>,
}

/// Incomplete data prepared for EM: centred rows grouped by missingness pattern.
/// Build once, then [`EmData::fit`] the full sample or any bootstrap replicate.
#[derive(Debug, Clone)]
pub struct EmData {
    n: usize,
    p: usize,
    /// (x - shift) row-major, NaN = missing.
    d: Vec<f64>,
    /// Sampling weights (1 without).
    w: Vec<f64>,
    /// Observed means (the centring).
    shift: Vec<f64>,
    patterns: Vec<Pattern>,
}

impl EmData {
    /// Prepare `x` (n x p, `NaN` = missing) with optional sampling weights.
    ///
    /// # Errors
    /// [`crate::Error::Fit`] ([`EmError`]) for no data, weights of the wrong length or not finite
    /// and >= 0, infinite values, or an item without any observed answer.
    pub fn new(x: &DMatrix<f64>, weights: Option<&[f64]>) -> Result<EmData> {
        let (n, p) = x.shape();
        if n == 0 || p == 0 {
            return Err(EmError::NoData.into());
        }
        let w: Vec<f64> = match weights {
            Some(w) if w.len() != n => {
                return Err(EmError::WeightCount {
                    weights: w.len(),
                    respondents: n,
                }
                .into())
            }
            Some(w) => {
                if w.iter().any(|v| !v.is_finite() || *v < 0.0) {
                    return Err(EmError::BadWeight.into());
                }
                crate::design::weights::normalized(w)
            }
            None => vec![1.0; n],
        };
        if x.iter().any(|v| v.is_infinite()) {
            return Err(EmError::Infinite.into());
        }
        let mut shift = vec![0.0; p];
        for (j, s) in shift.iter_mut().enumerate() {
            let (mut a, mut b) = (0.0, 0.0);
            for i in 0..n {
                let v = x[(i, j)];
                if !v.is_nan() {
                    a += w[i] * v;
                    b += w[i];
                }
            }
            if !(b > 0.0) {
                return Err(EmError::NoAnswer { item: j + 1 }.into());
            }
            *s = a / b;
        }
        let mut d = vec![0.0; n * p];
        let mut index: HashMap<Vec<bool>, usize> = HashMap::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut key = vec![false; p];
        for i in 0..n {
            for j in 0..p {
                let v = x[(i, j)];
                d[i * p + j] = v - shift[j];
                key[j] = v.is_nan();
            }
            let k = match index.get(&key) {
                Some(&k) => k,
                None => {
                    let k = patterns.len();
                    index.insert(key.clone(), k);
                    patterns.push(Pattern {
                        observed: (0..p).filter(|&j| !key[j]).collect(),
                        missing: (0..p).filter(|&j| key[j]).collect(),
                        rows: Vec::new(),
                    });
                    k
                }
            };
            patterns[k].rows.push(i);
        }
        Ok(EmData {
            n,
            p,
            d,
            w,
            shift,
            patterns,
        })
    }

    /// Number of respondents.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of distinct missingness patterns (the complete pattern included).
    pub fn n_patterns(&self) -> usize {
        self.patterns.len()
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.d[i * self.p..(i + 1) * self.p]
    }

    /// Run EM on the respondents counted by `counts` (`None` = every respondent once;
    /// `counts[i]` = times respondent i is in a bootstrap replicate), each with its
    /// sampling weight, optionally warm-started from a previous solution.
    ///
    /// # Errors
    /// [`crate::Error::Fit`] ([`EmError`]) when the replicate has no positive frequency or a
    /// pattern's observed covariance becomes singular.
    pub fn fit(
        &self,
        counts: Option<&[u32]>,
        start: Option<&EmFit>,
        opts: &EmOptions,
    ) -> Result<EmFit> {
        let (n, p) = (self.n, self.p);
        if counts.is_some_and(|c| c.len() != n) {
            return Err(EmError::CountMismatch.into());
        }
        let f = |i: usize| -> f64 {
            match counts {
                Some(c) => c[i] as f64 * self.w[i],
                None => self.w[i],
            }
        };
        let wsum: f64 = (0..n).map(f).sum();
        let n_pos = (0..n).filter(|&i| f(i) > 0.0).count();
        if !(wsum > 0.0) {
            return Err(EmError::NoPositiveWeight.into());
        }
        // complete rows: fixed sufficient statistics
        let (s1c, s2c) = self.complete_stats(&f);
        // start: observed moments (centred data: means ~0) or the warm start
        let (mut mu, mut sigma) = match start {
            Some(s) if s.means.len() == p && s.cov.shape() == (p, p) => (
                (0..p)
                    .map(|j| s.means[j] - self.shift[j])
                    .collect::<Vec<_>>(),
                s.cov.clone(),
            ),
            _ => self.observed_start(&f),
        };
        let mut iterations = 0;
        let mut converged = false;
        let mut delta = f64::INFINITY;
        while iterations < opts.max_iter {
            iterations += 1;
            let (t1, t2) = self.e_step(&f, &mu, &sigma, &s1c, &s2c)?;
            let (new_mu, new_sigma) = m_step(&t1, &t2, wsum);
            let dl = largest_change(&new_mu, &new_sigma, &mu, &sigma);
            mu = new_mu;
            sigma = new_sigma;
            delta = dl;
            if !dl.is_finite() {
                return Err(EmError::Diverged.into());
            }
            if dl < opts.tolerance {
                converged = true;
                break;
            }
        }
        Ok(EmFit {
            means: mu.iter().zip(&self.shift).map(|(m, s)| m + s).collect(),
            cov: sigma,
            iterations,
            converged,
            delta,
            n: n_pos,
            weight_sum: wsum,
        })
    }

    /// Moments of replicate `counts` by EM (the seam for a bootstrap that redoes EM in
    /// every resample), warm-started from the full-sample solution.
    ///
    /// # Errors
    /// As [`EmData::fit`]; a replicate that does not converge is an error (a failed
    /// resample), with its reason.
    pub fn replicate_moments(
        &self,
        counts: &[u32],
        full: &EmFit,
        opts: &EmOptions,
    ) -> Result<Moments> {
        let fit = self.fit(Some(counts), Some(full), opts)?;
        if !fit.converged {
            return Err(EmError::NotConverged {
                iterations: fit.iterations,
            }
            .into());
        }
        Ok(Moments {
            n: counts.iter().map(|&c| c as usize).sum(),
            ..fit.moments()
        })
    }

    /// Weighted sums of x and x x' over the complete rows (fixed across iterations).
    fn complete_stats(&self, f: &dyn Fn(usize) -> f64) -> (Vec<f64>, DMatrix<f64>) {
        let p = self.p;
        let mut s1c = vec![0.0; p];
        let mut s2c = DMatrix::<f64>::zeros(p, p);
        for pat in self.patterns.iter().filter(|q| q.missing.is_empty()) {
            for &i in &pat.rows {
                let fi = f(i);
                if fi == 0.0 {
                    continue;
                }
                let r = self.row(i);
                for a in 0..p {
                    s1c[a] += fi * r[a];
                    for b in 0..=a {
                        s2c[(a, b)] += fi * r[a] * r[b];
                    }
                }
            }
        }
        (s1c, s2c)
    }

    /// E step: the complete-row sums plus, per missing-data pattern, the expected x and
    /// x x' of its rows given the observed items (with the residual covariance).
    fn e_step(
        &self,
        f: &dyn Fn(usize) -> f64,
        mu: &[f64],
        sigma: &DMatrix<f64>,
        s1c: &[f64],
        s2c: &DMatrix<f64>,
    ) -> Result<(Vec<f64>, DMatrix<f64>)> {
        let p = self.p;
        let mut xm: Vec<f64> = Vec::with_capacity(p);
        let mut xh = vec![0.0; p];
        let mut t1 = s1c.to_vec();
        let mut t2 = s2c.clone();
        for pat in self.patterns.iter().filter(|q| !q.missing.is_empty()) {
            let fsum: f64 = pat.rows.iter().map(|&i| f(i)).sum();
            if fsum == 0.0 {
                continue;
            }
            let cond = Conditional::new(&pat.observed, &pat.missing, sigma)?;
            xm.resize(pat.missing.len(), 0.0);
            for &i in &pat.rows {
                let fi = f(i);
                if fi == 0.0 {
                    continue;
                }
                let r = self.row(i);
                cond.predict(r, mu, &pat.observed, &pat.missing, &mut xm);
                for &j in &pat.observed {
                    xh[j] = r[j];
                }
                for (a, &j) in pat.missing.iter().enumerate() {
                    xh[j] = xm[a];
                }
                for a in 0..p {
                    t1[a] += fi * xh[a];
                    for b in 0..=a {
                        t2[(a, b)] += fi * xh[a] * xh[b];
                    }
                }
            }
            // residual covariance of the missing items, once per pattern
            for (a, &ja) in pat.missing.iter().enumerate() {
                for (b, &jb) in pat.missing.iter().enumerate() {
                    if jb <= ja {
                        t2[(ja, jb)] += fsum * cond.resid[(a, b)];
                    }
                }
            }
        }
        Ok((t1, t2))
    }

    fn observed_start(&self, f: &dyn Fn(usize) -> f64) -> (Vec<f64>, DMatrix<f64>) {
        let p = self.p;
        let mut mu = vec![0.0; p];
        let mut var = vec![0.0; p];
        for j in 0..p {
            let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
            for i in 0..self.n {
                let v = self.d[i * p + j];
                if v.is_nan() {
                    continue;
                }
                let fi = f(i);
                s0 += fi;
                s1 += fi * v;
                s2 += fi * v * v;
            }
            if s0 > 0.0 {
                mu[j] = s1 / s0;
                var[j] = (s2 / s0 - mu[j] * mu[j]).max(0.0);
            }
            if !(var[j] > 0.0) {
                var[j] = 1.0;
            }
        }
        (
            mu,
            DMatrix::from_diagonal(&nalgebra::DVector::from_vec(var)),
        )
    }
}

/// Regression of the missing items on the observed ones under `Σ`.
struct Conditional {
    /// B = Σ_mo Σ_oo⁻¹ (|m| x |o|).
    b: DMatrix<f64>,
    /// Σ_mm - B Σ_om.
    resid: DMatrix<f64>,
}

impl Conditional {
    fn new(obs: &[usize], mis: &[usize], sigma: &DMatrix<f64>) -> Result<Conditional> {
        let (no, nm) = (obs.len(), mis.len());
        let smm = DMatrix::from_fn(nm, nm, |a, b| sigma[(mis[a], mis[b])]);
        if no == 0 {
            return Ok(Conditional {
                b: DMatrix::zeros(nm, 0),
                resid: smm,
            });
        }
        let soo = DMatrix::from_fn(no, no, |a, b| sigma[(obs[a], obs[b])]);
        let som = DMatrix::from_fn(no, nm, |a, b| sigma[(obs[a], mis[b])]);
        let chol = soo.cholesky().ok_or(EmError::SingularObserved)?;
        // B' = Σ_oo⁻¹ Σ_om
        let bt = chol.solve(&som);
        let resid = &smm - som.transpose() * &bt;
        Ok(Conditional {
            b: bt.transpose(),
            resid,
        })
    }

    /// x̂_m = μ_m + B (x_o − μ_o) for one centred row.
    fn predict(&self, row: &[f64], mu: &[f64], obs: &[usize], mis: &[usize], out: &mut [f64]) {
        for (a, &jm) in mis.iter().enumerate() {
            let mut s = mu[jm];
            for (c, &jo) in obs.iter().enumerate() {
                s += self.b[(a, c)] * (row[jo] - mu[jo]);
            }
            out[a] = s;
        }
    }
}

/// EM means and covariance of `x` (`NaN` = missing), optionally weighted.
///
/// # Errors
/// As [`EmData::new`] and [`EmData::fit`].
pub fn estimate(x: &DMatrix<f64>, weights: Option<&[f64]>, opts: &EmOptions) -> Result<EmFit> {
    EmData::new(x, weights)?.fit(None, None, opts)
}

/// M step: the means and covariance from the sums `t1`, `t2` of weight `wsum`.
fn m_step(t1: &[f64], t2: &DMatrix<f64>, wsum: f64) -> (Vec<f64>, DMatrix<f64>) {
    let p = t1.len();
    let new_mu: Vec<f64> = t1.iter().map(|v| v / wsum).collect();
    let mut new_sigma = DMatrix::<f64>::zeros(p, p);
    for a in 0..p {
        for b in 0..=a {
            let v = t2[(a, b)] / wsum - new_mu[a] * new_mu[b];
            new_sigma[(a, b)] = v;
            new_sigma[(b, a)] = v;
        }
    }
    (new_mu, new_sigma)
}

/// The largest change of a mean or covariance, in sds of the new moments.
fn largest_change(
    new_mu: &[f64],
    new_sigma: &DMatrix<f64>,
    mu: &[f64],
    sigma: &DMatrix<f64>,
) -> f64 {
    let p = mu.len();
    let sd: Vec<f64> = (0..p)
        .map(|j| new_sigma[(j, j)].max(f64::MIN_POSITIVE).sqrt())
        .collect();
    let mut dl = 0.0f64;
    for a in 0..p {
        dl = dl.max((new_mu[a] - mu[a]).abs() / sd[a]);
        for b in 0..=a {
            dl = dl.max((new_sigma[(a, b)] - sigma[(a, b)]).abs() / (sd[a] * sd[b]));
        }
    }
    dl
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tol::EXACT;

    #[test]
    fn complete_data_give_the_sample_moments_in_one_step() {
        let x = DMatrix::from_row_slice(4, 2, &[1.0, 2.0, 2.0, 4.0, 3.0, 5.0, 4.0, 9.0]);
        let fit = estimate(&x, None, &EmOptions::default()).unwrap();
        let m = Moments::from_data(&x, None).unwrap();
        assert!(fit.converged && fit.iterations <= 2);
        for k in 0..4 {
            assert!((fit.cov[k] - m.cov[k]).abs() < EXACT);
        }
        assert!((fit.means[1] - m.means[1]).abs() < EXACT);
    }

    #[test]
    fn monotone_bivariate_pattern_matches_the_closed_form() {
        // Little & Rubin (2002) §7.2: y1 complete, y2 missing for some rows. The ML
        // estimates are mu2 = ybar2_cc + b (mu1 - ybar1_cc), with b the complete-case
        // regression slope of y2 on y1, mu1 the all-case mean of y1, and
        // s22 = s22_cc + b^2 (s11 - s11_cc) (ML divisors).
        let nan = f64::NAN;
        let y = [
            (1.0, 2.0),
            (2.0, 2.5),
            (3.0, 4.5),
            (4.0, 4.0),
            (5.0, 6.5),
            (6.0, nan),
            (7.0, nan),
            (3.5, nan),
        ];
        let x = DMatrix::from_fn(8, 2, |i, j| if j == 0 { y[i].0 } else { y[i].1 });
        let fit = estimate(
            &x,
            None,
            &EmOptions {
                tolerance: 1e-13,
                ..Default::default()
            },
        )
        .unwrap();
        let cc: Vec<(f64, f64)> = y[..5].to_vec();
        let m1c = cc.iter().map(|v| v.0).sum::<f64>() / 5.0;
        let m2c = cc.iter().map(|v| v.1).sum::<f64>() / 5.0;
        let s11c = cc.iter().map(|v| (v.0 - m1c).powi(2)).sum::<f64>() / 5.0;
        let s12c = cc.iter().map(|v| (v.0 - m1c) * (v.1 - m2c)).sum::<f64>() / 5.0;
        let s22c = cc.iter().map(|v| (v.1 - m2c).powi(2)).sum::<f64>() / 5.0;
        let b = s12c / s11c;
        let mu1 = y.iter().map(|v| v.0).sum::<f64>() / 8.0;
        let s11 = y.iter().map(|v| (v.0 - mu1).powi(2)).sum::<f64>() / 8.0;
        let mu2 = m2c + b * (mu1 - m1c);
        let s22 = s22c + b * b * (s11 - s11c);
        let s12 = b * s11;
        assert!(fit.converged);
        assert!((fit.means[0] - mu1).abs() < 1e-9);
        assert!(
            (fit.means[1] - mu2).abs() < 1e-9,
            "{} vs {mu2}",
            fit.means[1]
        );
        assert!((fit.cov[(1, 1)] - s22).abs() < 1e-9);
        assert!((fit.cov[(0, 1)] - s12).abs() < 1e-9);
    }

    #[test]
    fn counts_equal_repeated_rows_and_weights() {
        let nan = f64::NAN;
        let x = DMatrix::from_row_slice(
            6,
            3,
            &[
                1.0, 2.0, 3.0, 2.0, nan, 1.0, 3.0, 3.0, nan, 4.0, 5.0, 4.0, 5.0, 4.0, 6.0, 2.0,
                1.0, 2.0,
            ],
        );
        let data = EmData::new(&x, None).unwrap();
        let counts = [2u32, 0, 1, 1, 3, 1];
        let opts = EmOptions {
            tolerance: 1e-13,
            ..Default::default()
        };
        let a = data.fit(Some(&counts), None, &opts).unwrap();
        let rows: Vec<usize> = counts
            .iter()
            .enumerate()
            .flat_map(|(i, &c)| std::iter::repeat_n(i, c as usize))
            .collect();
        let xr = DMatrix::from_fn(rows.len(), 3, |r, j| x[(rows[r], j)]);
        let b = estimate(&xr, None, &opts).unwrap();
        let w: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
        let c = estimate(&x, Some(&w), &opts).unwrap();
        for k in 0..9 {
            assert!((a.cov[k] - b.cov[k]).abs() < 1e-9, "counts vs rows {k}");
            assert!((c.cov[k] - b.cov[k]).abs() < 1e-9, "weights vs rows {k}");
        }
        // the bootstrap seam: every respondent once = the full sample
        let full = data.fit(None, None, &opts).unwrap();
        let sol = EmSolution {
            fit: full.clone(),
            data: std::sync::Arc::new(data.clone()),
            options: opts,
        };
        let once = sol.replicate_moments(&[1; 6]).unwrap();
        for k in 0..9 {
            assert!((once.cov[k] - full.cov[k]).abs() < 1e-9);
        }
        assert_eq!(once.n, 6);
        let rep = sol.replicate_moments(&counts).unwrap();
        assert!((rep.cov[4] - a.cov[4]).abs() < 1e-9);
        let imputed = a.impute(&x).unwrap();
        assert!(imputed.iter().all(|v| v.is_finite()));
        assert_eq!(imputed[(0, 0)], 1.0);
    }
}
