//! PLS path modeling (Wold 1982; Lohmöller 1989), computed from moments.
//!
//! The algorithm is the one of R `plspm` (Sanchez, Trinchera and Russolillo; also
//! python `plspm`), step for step, so iteration counts and stopping agree with it.
//! Because every quantity is a function of the treated indicator covariance matrix
//! `C` (the correlation matrix for standardized indicators, the population covariance
//! for centred ones), each iteration costs O(p^2) whatever the number of respondents.
//!
//! # Algorithm
//! ```text
//! X      indicators, centred, and divided by their population sd when standardized
//! C      = X'X / n
//! start  w_k = 1 in every block, each block scaled so that var(X_j w_j) = 1
//! repeat
//!   s_j  = sqrt(w_j' C_jj w_j)                          sd of the block's proxy
//!   Y_j  = X_j w_j (n-1)/(n s_j)                        plspm's scale(Y) * sqrt((n-1)/n)
//!   E    inner weights, for construct k and a neighbour i:
//!          path:      i -> k: coefficient of i in the regression of Y_k on its predecessors
//!                     k -> i: cor(Y_k, Y_i)
//!          centroid:  sign(cor(Y_i, Y_k));  factorial: cor(Y_i, Y_k)
//!   Z_k  = sum_i E_ik Y_i
//!   w_k  = X_k' Z_k / n                  (Mode A)
//!   w_k  = (X_k' X_k)^-1 X_k' Z_k        (Mode B)
//! until  sum_k (|w_old,k| - |w_new,k|)^2 < tol  or  max_iter passes
//! final  w_j / s_j, so that the scores X_j w_j have population variance 1
//! ```
//! Loadings are `cor(x_k, score)`, paths the OLS (with intercept) of each endogenous
//! score on its predecessors, with the usual OLS standard errors (df = n - k - 1).
//!
//! # References
//! * Lohmöller, J.-B. (1989). *Latent Variable Path Modeling with Partial Least Squares*.
//! * Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M., Lauro, C. (2005). PLS path
//!   modeling. *Computational Statistics & Data Analysis* 48, 159-205.
//! * Sanchez, G. (2013). *PLS Path Modeling with R* (plspm).

use crate::error::{Error, Result};
use crate::estimate::{
    Convergence, Estimator, EstimatorKind, FitError, Fitted, Resample, SignChange, StopReason,
};
use crate::moments::Moments;
use crate::spec::{Mode, Model};
use nalgebra::{DMatrix, DVector};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Inner weighting scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// Path weighting (default in SmartPLS and seminr).
    #[default]
    Path,
    /// Centroid (signs of the construct correlations).
    Centroid,
    /// Factorial (construct correlations).
    Factorial,
}

/// How indicators are treated before estimation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Indicators {
    /// Centred and divided by their standard deviation (default).
    #[default]
    Standardized,
    /// Only centred (plspm `scaled = FALSE`).
    Centered,
}

impl std::str::FromStr for Scheme {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "path" => Ok(Self::Path),
            "centroid" => Ok(Self::Centroid),
            "factorial" => Ok(Self::Factorial),
            _ => Err(Error::setting(
                "scheme",
                format!("expected path, centroid or factorial, got '{s}'"),
            )),
        }
    }
}

impl std::str::FromStr for Indicators {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "standardized" | "standardised" => Ok(Self::Standardized),
            "centered" | "centred" => Ok(Self::Centered),
            _ => Err(Error::setting(
                "indicators",
                format!("expected standardized or centered, got '{s}'"),
            )),
        }
    }
}

/// The stopping rule of the PLS iteration: which change of the outer weights between
/// two passes is compared with the tolerance.
///
/// * [`StopRule::SquaredAbs`] (default; R and python plspm): `sum_k (|w_old,k| - |w_new,k|)^2`
///   on the weights as the Mode A/B update leaves them (not rescaled inside the loop).
/// * [`StopRule::AbsoluteSum`] (seminr 2.3 `simplePLS`: `sum(abs(W_new - W_old)) < 10^-7`):
///   the weights are rescaled every pass so that each proxy has unit variance, then the
///   absolute differences are summed; the first pass compares with the unscaled start
///   (all ones), as seminr does.
/// * [`StopRule::MaxAbsolute`] (cSEM's default `diff_absolute`): `max_k |w_new,k - w_old,k|`
///   on weights rescaled every pass.
///
/// The fixed point is the same for every rule; only where the iteration stops (and so
/// the digits past the tolerance, and the iteration count) differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopRule {
    /// plspm: sum of squared changes of the absolute (unscaled) weights.
    #[default]
    SquaredAbs,
    /// seminr / SmartPLS: sum of absolute changes of the rescaled weights.
    AbsoluteSum,
    /// cSEM: largest absolute change of the rescaled weights.
    MaxAbsolute,
}

impl StopRule {
    /// Name used in JSON and on the command line.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::SquaredAbs => "squared_abs",
            Self::AbsoluteSum => "absolute_sum",
            Self::MaxAbsolute => "max_absolute",
        }
    }
}

impl std::str::FromStr for StopRule {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "squared_abs" | "squared-abs" | "plspm" => Ok(Self::SquaredAbs),
            "absolute_sum" | "absolute-sum" | "seminr" => Ok(Self::AbsoluteSum),
            "max_absolute" | "max-absolute" | "csem" => Ok(Self::MaxAbsolute),
            _ => Err(Error::setting(
                "stop_rule",
                format!("expected squared-abs, absolute-sum or max-absolute, got '{s}'"),
            )),
        }
    }
}

impl Scheme {
    /// Flag spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Centroid => "centroid",
            Self::Factorial => "factorial",
        }
    }
}

impl Indicators {
    /// Flag spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Standardized => "standardized",
            Self::Centered => "centered",
        }
    }
}

/// Settings of the PLS algorithm.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlsSettings {
    /// Inner weighting scheme. Defaults to [`Scheme::Path`].
    pub scheme: Scheme,
    /// Indicator treatment. Defaults to [`Indicators::Standardized`].
    pub indicators: Indicators,
    /// Stopping tolerance on `sum (|w_old| - |w_new|)^2`. Defaults to 1e-7; must be > 0.
    pub tolerance: f64,
    /// Maximum number of iterations. Defaults to 300; must be >= 1.
    pub max_iter: usize,
    /// Stopping rule. Defaults to [`StopRule::SquaredAbs`] (plspm's).
    #[serde(default)]
    pub stop: StopRule,
}

impl Default for PlsSettings {
    fn default() -> Self {
        PlsSettings {
            scheme: Scheme::Path,
            indicators: Indicators::Standardized,
            tolerance: crate::tol::PLS_DEFAULT,
            max_iter: 300,
            stop: StopRule::SquaredAbs,
        }
    }
}

impl PlsSettings {
    /// Check the settings.
    ///
    /// # Errors
    /// [`Error::Setting`] for a tolerance that is not a positive finite number or a zero
    /// iteration limit.
    pub fn check(&self) -> Result<()> {
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(Error::setting(
                "tolerance",
                format!("must be a positive number, got {}", self.tolerance),
            ));
        }
        if self.max_iter == 0 {
            return Err(Error::setting("max_iter", "must be at least 1"));
        }
        Ok(())
    }
}

/// OLS statistics of one path coefficient.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathStat {
    /// From construct.
    pub from: usize,
    /// To construct.
    pub to: usize,
    /// Standardized coefficient.
    pub estimate: f64,
    /// OLS standard error.
    pub se: f64,
    /// t value.
    pub t: f64,
    /// Two-sided p value (Student t, df = n - k - 1).
    pub p: f64,
}

/// A fitted PLS path model.
#[derive(Debug, Clone)]
pub struct PlsFit {
    /// Settings used.
    pub settings: PlsSettings,
    /// Respondents.
    pub n: usize,
    /// True when the stopping rule was met before `max_iter`.
    pub converged: bool,
    /// Iterations done (the first pass is 1).
    pub iterations: usize,
    /// Last value of the stopping criterion.
    pub delta: f64,
    /// Outer weights per item on the treated scale (scores have variance 1).
    pub weights: Vec<f64>,
    /// Loadings `cor(x_k, own score)`.
    pub loadings: Vec<f64>,
    /// Cross-loadings, p x q: `cor(x_k, score_j)`.
    pub cross_loadings: DMatrix<f64>,
    /// Construct (score) correlation matrix, q x q.
    pub lv_cor: DMatrix<f64>,
    /// Path coefficients, q x q, `paths[(from, to)]`.
    pub paths: DMatrix<f64>,
    /// OLS statistics per path, in model path order.
    pub path_stats: Vec<PathStat>,
    /// R² per construct (None for exogenous).
    pub r2: Vec<Option<f64>>,
    /// Adjusted R² per construct.
    pub r2_adj: Vec<Option<f64>>,
    /// Total effects, q x q, `total[(from, to)]`.
    pub total: DMatrix<f64>,
    /// Item means (raw scale, after reverse coding).
    pub means: Vec<f64>,
    /// Population sd of each raw item.
    pub sds: Vec<f64>,
    /// The divisor that turned a centred raw item into the treated item (sd or 1).
    pub treat_scale: Vec<f64>,
    /// Constructs whose score sign was flipped so that most loadings are positive.
    pub flipped: Vec<usize>,
}

impl PlsFit {
    /// The coefficient of the path `from -> to`, if the model has it.
    pub fn path(&self, from: usize, to: usize) -> Option<f64> {
        self.path_stats
            .iter()
            .find(|s| s.from == from && s.to == to)
            .map(|s| s.estimate)
    }

    /// Weights that apply to the raw (centred) items: `w_k / treat_scale_k`.
    pub fn raw_weights(&self) -> Vec<f64> {
        self.weights
            .iter()
            .zip(&self.treat_scale)
            .map(|(w, s)| w / s)
            .collect()
    }

    /// Construct scores for complete data (rows = respondents), standardized as in the
    /// fit: `score_j = sum_k w_k (x_k - mean_k) / treat_scale_k`.
    pub fn scores(&self, model: &Model, x: &DMatrix<f64>) -> DMatrix<f64> {
        let n = x.nrows();
        let q = model.n_constructs();
        let mut s = DMatrix::zeros(n, q);
        for (j, c) in model.constructs.iter().enumerate() {
            for &k in &c.items {
                let w = self.weights[k] / self.treat_scale[k];
                let m = self.means[k];
                for i in 0..n {
                    s[(i, j)] += w * (x[(i, k)] - m);
                }
            }
        }
        s
    }
}

impl PlsFit {
    /// How the iteration ended: converged, or stopped at the iteration limit.
    pub fn convergence(&self) -> Convergence {
        Convergence {
            reason: if self.converged {
                StopReason::Converged
            } else {
                StopReason::IterationLimit
            },
            iterations: self.iterations,
            criterion: self.delta,
        }
    }
}

impl Estimator for PlsSettings {
    type Fit = PlsFit;

    fn kind(&self) -> EstimatorKind {
        EstimatorKind::Pls
    }

    fn fit(&self, model: &Model, m: &Moments, start: Option<&PlsFit>) -> Result<PlsFit> {
        estimate_from(model, m, self, start.map(|f| f.weights.as_slice()))
    }

    fn fit_resample(
        &self,
        model: &Model,
        m: &Moments,
        full: &PlsFit,
        how: Resample,
    ) -> Result<PlsFit> {
        let mut fit = estimate_resample(model, m, self, Some(&full.weights))?;
        if !fit.converged && !how.jackknife {
            return Err(FitError::NotConverged {
                estimator: EstimatorKind::Pls,
                iterations: fit.iterations,
            }
            .into());
        }
        let sign = if how.jackknife {
            SignChange::Construct
        } else {
            how.sign
        };
        align(model, full, &mut fit, sign)?;
        Ok(fit)
    }

    fn view<'a>(&self, fit: &'a PlsFit) -> Fitted<'a> {
        Fitted {
            kind: EstimatorKind::Pls,
            paths: &fit.paths,
            loadings: &fit.loadings,
            weights: Some(&fit.weights),
            total: &fit.total,
            r2: &fit.r2,
            convergence: fit.convergence(),
            diagnostics: &[],
            composite: Some(fit),
        }
    }
}

/// Estimate a PLS path model from moments.
///
/// # Errors
/// [`Error::Setting`] for invalid settings; [`Error::Fit`] when the moments do
/// not match the model, an item has zero variance, or a Mode B block or an inner
/// regression is singular. Non-convergence is not an error: see [`PlsFit::converged`].
///
/// # Example
/// ```
/// # use csi::spec::{Model, ConstructSpec};
/// # use csi::moments::Moments;
/// # use nalgebra::DMatrix;
/// use csi::estimate::pls::{estimate, PlsSettings, Scheme};
/// # let model = Model::from_parts("toy",
/// #     vec![ConstructSpec::new("A", &["a1", "a2"]), ConstructSpec::new("B", &["b1", "b2"])],
/// #     &[("A", "B")])?;
/// # let x = DMatrix::from_row_slice(4, 4, &[1.,2.,1.,2., 2.,2.,3.,2., 3.,4.,3.,5., 4.,3.,5.,4.]);
/// let m = Moments::from_data(&x, None)?;
/// let fit = estimate(&model, &m, &PlsSettings { scheme: Scheme::Centroid, ..Default::default() })?;
/// // a single predecessor: the path equals the construct correlation
/// assert!((fit.path(0, 1).unwrap() - fit.lv_cor[(0, 1)]).abs() < 1e-12);
/// # Ok::<(), csi::Error>(())
/// ```
pub fn estimate(model: &Model, m: &Moments, settings: &PlsSettings) -> Result<PlsFit> {
    estimate_from(model, m, settings, None)
}

/// Like [`estimate`], starting the iteration from given weights (warm start, e.g. the
/// full-sample weights in a bootstrap). The starting weights are rescaled per block.
pub fn estimate_from(
    model: &Model,
    m: &Moments,
    settings: &PlsSettings,
    start: Option<&[f64]>,
) -> Result<PlsFit> {
    estimate_impl(model, m, settings, start, true)
}

/// Like [`estimate_from`] but without the OLS p values of the paths (`NaN`): a
/// bootstrap resample needs the coefficients only, and the Student t tail costs more
/// than the rest of the inner model.
pub(crate) fn estimate_resample(
    model: &Model,
    m: &Moments,
    settings: &PlsSettings,
    start: Option<&[f64]>,
) -> Result<PlsFit> {
    estimate_impl(model, m, settings, start, false)
}

fn estimate_impl(
    model: &Model,
    m: &Moments,
    settings: &PlsSettings,
    start: Option<&[f64]>,
    pvalues: bool,
) -> Result<PlsFit> {
    settings.check()?;
    let p = model.n_items();
    let q = model.n_constructs();
    if m.p() != p {
        return Err(FitError::ItemCount {
            moments: m.p(),
            model: p,
        }
        .into());
    }
    let n = m.n;
    let nf = n as f64;
    let sds = m.pop_sd();
    // a variance that is zero up to rounding (e.g. a resample of a top-box item whose
    // answers are all 10) counts as zero
    let zero_var = |k: usize| {
        let v = m.cov[(k, k)];
        !(v > crate::tol::ZERO_VARIANCE * (1.0 + m.means[k] * m.means[k])) || !v.is_finite()
    };
    if let Some(k) = (0..p).find(|&k| zero_var(k)) {
        return Err(FitError::ZeroVariance {
            item: model.items[k].name.clone(),
        }
        .into());
    }
    let treat_scale: Vec<f64> = match settings.indicators {
        Indicators::Standardized => sds.clone(),
        Indicators::Centered => vec![1.0; p],
    };
    // treated moment matrix C = X'X/n
    let c = DMatrix::from_fn(p, p, |i, j| {
        m.cov[(i, j)] / (treat_scale[i] * treat_scale[j])
    });
    let blocks: Vec<&[usize]> = model
        .constructs
        .iter()
        .map(|c| c.items.as_slice())
        .collect();

    // Mode B: inverse of each block's C_jj (checked once).
    let binv = mode_b_inverses(model, &c, &blocks)?;

    // adjacency for the inner estimation
    let mut w: Vec<f64> = match start {
        Some(s) if s.len() == p => s.to_vec(),
        _ => vec![1.0; p],
    };
    // seminr compares its first update with the unscaled start
    let start_raw = w.clone();
    normalize_blocks(&c, &blocks, &mut w)?;
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
        // proxies' sds and correlations
        for j in 0..q {
            s[j] = quad(&c, blocks[j], &w, blocks[j], &w).max(0.0).sqrt();
            if !(s[j] > 0.0) {
                return Err(FitError::ProxyZeroVariance {
                    construct: model.constructs[j].name.clone(),
                }
                .into());
            }
        }
        let phi = DMatrix::from_fn(q, q, |a, b| {
            if a == b {
                1.0
            } else {
                quad(&c, blocks[a], &w, blocks[b], &w) / (s[a] * s[b])
            }
        });
        inner_weights(model, settings.scheme, &phi, &mut e)?;
        let mut w_new = update_weights(model, &c, &blocks, &binv, &e, &s, factor, &w);
        delta = match settings.stop {
            StopRule::SquaredAbs => w_old
                .iter()
                .zip(&w_new)
                .map(|(o, nw)| (o.abs() - nw.abs()).powi(2))
                .sum(),
            StopRule::AbsoluteSum | StopRule::MaxAbsolute => {
                normalize_blocks(&c, &blocks, &mut w_new)?;
                let d = w_old.iter().zip(&w_new).map(|(o, nw)| (o - nw).abs());
                if settings.stop == StopRule::AbsoluteSum {
                    d.sum()
                } else {
                    d.fold(0.0, f64::max)
                }
            }
        };
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
    normalize_blocks(&c, &blocks, &mut w)?;
    finish(
        model,
        m,
        settings,
        c,
        w,
        sds,
        treat_scale,
        converged,
        iterations,
        delta,
        pvalues,
    )
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

#[allow(clippy::too_many_arguments)]
fn finish(
    model: &Model,
    m: &Moments,
    settings: &PlsSettings,
    c: DMatrix<f64>,
    mut w: Vec<f64>,
    sds: Vec<f64>,
    treat_scale: Vec<f64>,
    converged: bool,
    iterations: usize,
    delta: f64,
    pvalues: bool,
) -> Result<PlsFit> {
    let p = model.n_items();
    let q = model.n_constructs();
    let n = m.n;
    let blocks: Vec<&[usize]> = model
        .constructs
        .iter()
        .map(|c| c.items.as_slice())
        .collect();
    // cross-loadings: cor(x_k, score_j) = (C_{k,j} w_j) / sqrt(C_kk)
    let mut cross = DMatrix::zeros(p, q);
    for k in 0..p {
        let sk = c[(k, k)].sqrt();
        for j in 0..q {
            let mut acc = 0.0;
            for &b in blocks[j] {
                acc += c[(k, b)] * w[b];
            }
            cross[(k, j)] = acc / sk;
        }
    }
    // sign: make most loadings of each block positive (python plspm's rule)
    let mut flipped = Vec::new();
    for j in 0..q {
        let neg = blocks[j].iter().filter(|&&k| cross[(k, j)] < 0.0).count();
        if 2 * neg > blocks[j].len() {
            flipped.push(j);
            for &k in blocks[j] {
                w[k] = -w[k];
            }
            for k in 0..p {
                cross[(k, j)] = -cross[(k, j)];
            }
        }
    }
    let loadings: Vec<f64> = (0..p)
        .map(|k| cross[(k, model.items[k].construct)])
        .collect();
    let lv_cor = DMatrix::from_fn(q, q, |a, b| {
        if a == b {
            1.0
        } else {
            quad(&c, blocks[a], &w, blocks[b], &w)
        }
    });
    let inner = inner_model_impl(model, &lv_cor, n, pvalues)?;
    Ok(PlsFit {
        settings: *settings,
        n,
        converged,
        iterations,
        delta,
        weights: w,
        loadings,
        cross_loadings: cross,
        lv_cor,
        paths: inner.paths,
        path_stats: inner.stats,
        r2: inner.r2,
        r2_adj: inner.r2_adj,
        total: inner.total,
        means: m.means.clone(),
        sds,
        treat_scale,
        flipped,
    })
}

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
/// [`total_effects`](super::total_effects).
///
/// # Errors
/// When a predecessor correlation matrix is singular.
pub fn inner_model(model: &Model, phi: &DMatrix<f64>, n: usize) -> Result<InnerModel> {
    inner_model_impl(model, phi, n, true)
}

fn inner_model_impl(
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
    let total = super::total_effects(&paths);
    Ok(InnerModel {
        paths,
        stats,
        r2,
        r2_adj,
        total,
    })
}

/// Flip constructs of a resample solution so that it matches the full-sample signs
/// (see [`SignChange`]); the inner model is then re-estimated (without OLS p values).
pub(crate) fn align(model: &Model, full: &PlsFit, fit: &mut PlsFit, how: SignChange) -> Result<()> {
    match how {
        SignChange::None => Ok(()),
        SignChange::Construct => {
            let q = model.n_constructs();
            let mut flip = vec![false; q];
            for (j, c) in model.constructs.iter().enumerate() {
                let mut d = 0.0;
                let mut s = 0.0;
                for &k in &c.items {
                    d += full.loadings[k] - fit.loadings[k];
                    s += full.loadings[k] + fit.loadings[k];
                }
                flip[j] = d.abs() > s.abs();
            }
            if !flip.iter().any(|f| *f) {
                return Ok(());
            }
            for (j, c) in model.constructs.iter().enumerate() {
                if flip[j] {
                    for &k in &c.items {
                        fit.weights[k] = -fit.weights[k];
                        fit.loadings[k] = -fit.loadings[k];
                    }
                    for k in 0..model.n_items() {
                        fit.cross_loadings[(k, j)] = -fit.cross_loadings[(k, j)];
                    }
                }
            }
            for a in 0..q {
                for b in 0..q {
                    if a != b && flip[a] != flip[b] {
                        fit.lv_cor[(a, b)] = -fit.lv_cor[(a, b)];
                    }
                }
            }
            let inner = inner_model_impl(model, &fit.lv_cor, fit.n, false)?;
            fit.paths = inner.paths;
            fit.path_stats = inner.stats;
            fit.total = inner.total;
            Ok(())
        }
        SignChange::Individual => {
            let fix = |v: &mut f64, reference: f64| {
                if reference != 0.0 && v.signum() != reference.signum() {
                    *v = -*v;
                }
            };
            for k in 0..model.n_items() {
                fix(&mut fit.weights[k], full.weights[k]);
                fix(&mut fit.loadings[k], full.loadings[k]);
            }
            let q = model.n_constructs();
            for a in 0..q {
                for b in 0..q {
                    fix(&mut fit.paths[(a, b)], full.paths[(a, b)]);
                    fix(&mut fit.total[(a, b)], full.total[(a, b)]);
                }
            }
            Ok(())
        }
    }
}

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
fn quad(c: &DMatrix<f64>, a: &[usize], wa: &[f64], b: &[usize], wb: &[f64]) -> f64 {
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
