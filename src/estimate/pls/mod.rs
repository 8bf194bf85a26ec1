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
use crate::spec::Model;
use nalgebra::DMatrix;

mod align;
mod inner;
mod iteration;

pub(crate) use align::align;
pub(crate) use inner::inner_model_stats;
pub use inner::{inner_model, InnerModel};
use iteration::{quad, Iterated};

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
    /// [`Error::Setting`] for a tolerance that is not a positive finite number or an
    /// iteration limit outside 1 to [`crate::estimate::MAX_ITERATIONS`] ([`crate::estimate::check_iteration`]).
    pub fn check(&self) -> Result<()> {
        crate::estimate::check_iteration(self.tolerance, self.max_iter)
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
    /// The stages behind the solution of a model with higher-order constructs
    /// ([`super::hoc`]); `None` for a first-order model.
    pub higher: Option<Box<super::hoc::HocDetail>>,
}

impl PlsFit {
    /// The coefficient of the path `from -> to`, if the model has it.
    pub fn path(&self, from: usize, to: usize) -> Option<f64> {
        self.path_stats
            .iter()
            .find(|s| s.from == from && s.to == to)
            .map(|s| s.estimate)
    }

    /// The weights that form construct `j`'s score from the treated items, as
    /// `(item, weight)`: the construct's own items and outer weights, or for a
    /// higher-order construct the total weights of its dimensions' items
    /// ([`super::hoc`]).
    pub fn block(&self, model: &Model, j: usize) -> Vec<(usize, f64)> {
        if let Some(b) = self
            .higher
            .as_ref()
            .filter(|_| model.constructs.get(j).is_some_and(|c| c.is_higher_order()))
            .and_then(|h| h.blocks.get(j))
        {
            return b.clone();
        }
        model
            .constructs
            .get(j)
            .map(|c| c.items.iter().map(|&k| (k, self.weights[k])).collect())
            .unwrap_or_default()
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
        for j in 0..q {
            for (k, w) in self.block(model, j) {
                let w = w / self.treat_scale[k];
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
        if model.has_higher_order() {
            return super::hoc::fit_resample(model, m, self, full, how);
        }
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
    if model.has_higher_order() {
        settings.check()?;
        return super::hoc::estimate(model, m, settings, pvalues);
    }
    estimate_stage(model, m, settings, start, pvalues)
}

/// PLS of a first-order model (one stage of a higher-order estimation).
pub(crate) fn estimate_stage(
    model: &Model,
    m: &Moments,
    settings: &PlsSettings,
    start: Option<&[f64]>,
    pvalues: bool,
) -> Result<PlsFit> {
    settings.check()?;
    let treated = Treated::of(model, m, settings)?;
    let iterated = iteration::iterate(model, settings, &treated.c, m.n, start)?;
    finish(model, m, settings, treated, iterated, pvalues)
}

/// The treated indicator moments the iteration works on.
struct Treated {
    /// `C = X'X / n` of the treated indicators.
    c: DMatrix<f64>,
    /// Population sds of the items.
    sds: Vec<f64>,
    /// What each item is divided by (its sd when standardized, else 1).
    treat_scale: Vec<f64>,
}

impl Treated {
    /// `C` from the moments, after checking that they belong to the model and that no
    /// item is constant.
    fn of(model: &Model, m: &Moments, settings: &PlsSettings) -> Result<Treated> {
        let p = model.n_items();
        if m.p() != p {
            return Err(FitError::ItemCount {
                moments: m.p(),
                model: p,
            }
            .into());
        }
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
        let (c, sds, treat_scale) = treated_moments(m, settings.indicators, p);
        Ok(Treated {
            c,
            sds,
            treat_scale,
        })
    }
}

/// The treated moment matrix `C = X'X / n` of the `p` items (correlations when
/// standardized, population covariances when centred), the items' population sds and
/// what each item is divided by.
pub(crate) fn treated_moments(
    m: &Moments,
    indicators: Indicators,
    p: usize,
) -> (DMatrix<f64>, Vec<f64>, Vec<f64>) {
    let sds = m.pop_sd();
    let treat_scale: Vec<f64> = match indicators {
        Indicators::Standardized => sds.clone(),
        Indicators::Centered => vec![1.0; p],
    };
    // treated moment matrix C = X'X/n
    let c = DMatrix::from_fn(p, p, |i, j| {
        m.cov[(i, j)] / (treat_scale[i] * treat_scale[j])
    });
    (c, sds, treat_scale)
}

/// Cross-loadings `cor(x_k, score_j) = (C_{k,j} w_j) / sqrt(C_kk)` (p x q).
fn cross_loadings(c: &DMatrix<f64>, blocks: &[&[usize]], w: &[f64]) -> DMatrix<f64> {
    let (p, q) = (c.nrows(), blocks.len());
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
    cross
}

/// Sign: make most loadings of each block positive (python plspm's rule), flipping
/// its weights and cross-loadings; returns the flipped constructs.
fn orient_blocks(blocks: &[&[usize]], w: &mut [f64], cross: &mut DMatrix<f64>) -> Vec<usize> {
    let p = cross.nrows();
    let mut flipped = Vec::new();
    for (j, block) in blocks.iter().enumerate() {
        let neg = block.iter().filter(|&&k| cross[(k, j)] < 0.0).count();
        if 2 * neg > block.len() {
            flipped.push(j);
            for &k in block.iter() {
                w[k] = -w[k];
            }
            for k in 0..p {
                cross[(k, j)] = -cross[(k, j)];
            }
        }
    }
    flipped
}

/// The solution from the final weights: signs (most loadings of a block positive),
/// loadings and cross-loadings, construct correlations and the inner model.
fn finish(
    model: &Model,
    m: &Moments,
    settings: &PlsSettings,
    treated: Treated,
    iterated: Iterated,
    pvalues: bool,
) -> Result<PlsFit> {
    let Treated {
        c,
        sds,
        treat_scale,
    } = treated;
    let Iterated {
        mut w,
        converged,
        iterations,
        delta,
    } = iterated;
    let p = model.n_items();
    let q = model.n_constructs();
    let n = m.n;
    let blocks: Vec<&[usize]> = model
        .constructs
        .iter()
        .map(|c| c.items.as_slice())
        .collect();
    let mut cross = cross_loadings(&c, &blocks, &w);
    let flipped = orient_blocks(&blocks, &mut w, &mut cross);
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
    let inner = inner_model_stats(model, &lv_cor, n, pvalues)?;
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
        higher: None,
    })
}
