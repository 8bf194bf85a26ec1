//! Covariance-based SEM by maximum likelihood (LISREL-type common-factor model).
//!
//! Every construct is a common factor measured by reflective items; the structural
//! model is recursive. Constructs with Mode B (formative) are refused with an
//! [`Error::Fit`]: a formative block is not a common factor, so the CB-SEM
//! model would be a different model from the one declared (use PLS or PLSc for them).
//!
//! # Model
//! ```text
//! x = Λ η + ε,   η = B η + ζ,   Cov(ζ) = Ψ,   Cov(ε) = Θ
//! Σ(θ) = Λ (I - B)^-1 Ψ (I - B)^-T Λ' + Θ
//! ```
//! * Λ: loadings, one free loading per item (except the marker, see below);
//! * B: `B[to, from]`, the model's paths, free;
//! * Ψ: variances and covariances of the exogenous constructs free; disturbance
//!   variances of the endogenous constructs free, disturbances uncorrelated;
//! * Θ: item error variances free; a single-item construct is measured without error
//!   (its error variance is fixed to 0, as lavaan's `auto.fix.single`); off the
//!   diagonal, the residual covariances the model declares ([`Model::covariances`],
//!   lavaan `y1 ~~ y5`) are free, all others 0. A declared covariance that makes the
//!   model unidentified is refused with an error naming it (checked on the expected
//!   information at the starting point); its standardized value (`std.all`) is the
//!   residual correlation `θ_ab / sqrt(θ_aa θ_bb)`, as lavaan reports it.
//!
//! Identification ([`Identify`]):
//! * `Marker` (default, lavaan's default): the first loading of each construct is 1;
//! * `Variance`: all loadings free; the variance of each exogenous construct and the
//!   disturbance variance of each endogenous construct are fixed to 1 (lavaan's
//!   `std.lv = TRUE`). The standardized solution, the fit and R² are the same.
//!
//! # Estimation
//! ```text
//! F(θ)      = ln|Σ(θ)| + tr(S Σ(θ)^-1) - ln|S| - p          S: covariance with divisor N
//! dF/dθ_k   = tr(W ∂Σ/∂θ_k),  W = Σ^-1 (Σ - S) Σ^-1        (analytic, closed form per matrix)
//! H_kl      = tr(Σ^-1 ∂Σ/∂θ_k Σ^-1 ∂Σ/∂θ_l)                 (expected Hessian of F)
//! ```
//! F is minimised by L-BFGS (argmin, Moré-Thuente line search) with the analytic
//! gradient, from starting values derived from a PLS fit (standardized loadings,
//! construct correlations and paths, rescaled to the identification), in coordinates
//! preconditioned by the Cholesky factor of H at the round's starting point. Each
//! round of at most 300 L-BFGS iterations (stopping early when F changes by less than
//! 1e-10 relatively) is followed by Newton polishing (Hessian by central differences
//! of the analytic gradient, or H where that is not positive definite; step halving)
//! until `max |∇F| < tolerance / 100`; rounds repeat until that holds or `max_iter`
//! iterations (L-BFGS iterations and Newton steps together) are spent. On collinear
//! models L-BFGS crawls along the flat direction of the likelihood; Newton does not.
//! A polishing round gives up after 25 Newton steps that do not halve the largest
//! gradient component, and the estimation stops after three such rounds in a row: the
//! solution is then drifting (typically towards a Heywood case), and more work would
//! only make a bootstrap resample run for minutes. Points where Σ is not positive
//! definite get a large cost, so the line search backs off. `converged` is
//! `max |∇F| < tolerance` at the end; non-convergence is reported (and listed as a
//! [`DiagnosticKind::NotConverged`] diagnostic), not an error.
//!
//! # Standard errors
//! Expected information (lavaan `information = "expected"`, `se = "standard"`):
//! `Cov(θ̂) = ((N/2) H)^-1`, `z = est / se`, two-sided normal p. Standard errors of the
//! standardized estimates (`se_std`) are by the delta method on `std_all`.
//!
//! # Standardized estimates (lavaan `std.lv` / `std.all`)
//! ```text
//! Φ = (I-B)^-1 Ψ (I-B)^-T          latent covariance
//! loading   std.lv = λ sqrt(φ_jj)        std.all = λ sqrt(φ_jj) / sqrt(σ_ii)
//! path      std = b_{to,from} sqrt(φ_from / φ_to)
//! ψ_ab      std = ψ_ab / sqrt(φ_aa φ_bb)      (an endogenous construct's: 1 - R²)
//! θ_i       std.all = θ_i / σ_ii                (1 - item R²)
//! R²_j      = 1 - ψ_jj / φ_jj
//! ```
//! Global fit: see [`FitIndices`].
//!
//! # Example
//! ```
//! use csi::estimate::cbsem::{estimate, CbsemSettings};
//! use csi::moments::Moments;
//! use csi::spec::{ConstructSpec, Model};
//! use nalgebra::DMatrix;
//!
//! // population covariance of a two-factor model: loadings 0.8, 0.7, 0.6; path 0.5
//! let model = Model::from_parts(
//!     "toy",
//!     vec![
//!         ConstructSpec::new("QUAL", &["q1", "q2", "q3"]),
//!         ConstructSpec::new("SAT", &["s1", "s2", "s3"]),
//!     ],
//!     &[("QUAL", "SAT")],
//! )?;
//! let l = [0.8, 0.7, 0.6];
//! let sigma = DMatrix::from_fn(6, 6, |i, j| {
//!     let f = |k: usize| k / 3;
//!     let lv = if f(i) == f(j) { 1.0 } else { 0.5 };
//!     if i == j { 1.0 } else { l[i % 3] * l[j % 3] * lv }
//! });
//! let m = Moments::from_cov(vec![0.0; 6], sigma, 500)?;
//! let fit = estimate(&model, &m, &CbsemSettings::default())?;
//! assert!(fit.converged);
//! assert!(fit.fit.chisq < 1e-6); // the model reproduces its own covariance matrix
//! let path = fit.path(0, 1).unwrap();
//! assert!((path.std_all - 0.5).abs() < 1e-6);
//! // 21 moments, 13 free parameters (4 loadings, 1 path, 6 error variances, 2 variances)
//! assert_eq!(csi::report::estimators::cbsem_fit_json(&fit)["fit_indices"]["df"], 8.0);
//! assert!(fit.is_admissible());
//! # Ok::<(), csi::Error>(())
//! ```
//!
//! # References
//! * Jöreskog, K. G. (1973). A general method for estimating a linear structural equation system.
//! * Bollen, K. A. (1989). *Structural Equations with Latent Variables*. Wiley.
//! * Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *JSS* 48(2).

mod fit_indices;
mod lisrel;
mod solution;
mod start;

pub use fit_indices::FitIndices;

use crate::error::{Error, Result};
use crate::estimate::admissibility::{self, Diagnostic};
use crate::estimate::pls;
use crate::estimate::{
    Convergence, Estimator, EstimatorKind, FitError, Fitted, Resample, StopReason,
};
use crate::moments::Moments;
use crate::spec::Model;
use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use lisrel::{Eval, Free, Lisrel};
use nalgebra::DMatrix;
use solution::{finish, row_name, Loc};
use start::start_from;

/// Cost returned where Σ(θ) is not positive definite (the line search backs off).
const INFEASIBLE_COST: f64 = 1e10;
/// L-BFGS memory.
const LBFGS_MEMORY: usize = 10;
/// L-BFGS stops when the relative change of F in an iteration is below this; the
/// Newton polish then converges in a few steps (L-BFGS crawls along the flat
/// directions of collinear models).
const LBFGS_COST_TOL: f64 = 1e-10;
/// L-BFGS stops when the norm of the (scaled) gradient is below this; Newton takes over.
const LBFGS_GRAD_TOL: f64 = 1e-4;
/// L-BFGS iterations per round before Newton polishing is tried.
const LBFGS_ROUND: usize = 300;
/// Most Newton / Fisher-scoring steps per polishing round.
const MAX_SCORING_STEPS: usize = 200;
/// A polishing round gives up after this many Newton steps in a row that do not
/// halve the largest gradient component: near a minimum Newton converges in a few
/// steps, so such a run is drifting (towards a Heywood case, say), not converging.
const STALL_STEPS: usize = 25;
/// The estimation stops (not converged) after this many rounds in a row whose
/// polishing gave up.
const STALLED_ROUNDS: usize = 3;

/// How the scale of each construct is fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Identify {
    /// First loading of each construct fixed to 1 (lavaan's default).
    #[default]
    Marker,
    /// Exogenous construct variances and endogenous disturbance variances fixed to 1.
    Variance,
}

impl std::str::FromStr for Identify {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "marker" => Ok(Self::Marker),
            "variance" => Ok(Self::Variance),
            _ => Err(Error::setting(
                "identify",
                format!("expected marker or variance, got '{s}'"),
            )),
        }
    }
}

impl Identify {
    /// Flag spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Marker => "marker",
            Self::Variance => "variance",
        }
    }
}

/// Settings of the ML estimation.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CbsemSettings {
    /// Identification. Defaults to [`Identify::Marker`].
    pub identify: Identify,
    /// Most iterations: L-BFGS iterations and Newton polishing steps together.
    /// Defaults to 2000; must be >= 1.
    pub max_iter: usize,
    /// Convergence: `max |dF/dθ| < tolerance` at the solution. Defaults to
    /// [`crate::tol::CBSEM_GRADIENT`] (1e-6); must be > 0.
    pub tolerance: f64,
}

impl Default for CbsemSettings {
    fn default() -> Self {
        CbsemSettings {
            identify: Identify::Marker,
            max_iter: 2000,
            tolerance: crate::tol::CBSEM_GRADIENT,
        }
    }
}

impl CbsemSettings {
    /// Check the settings.
    ///
    /// # Errors
    /// [`Error::Setting`] for a non-positive tolerance or an iteration limit outside 1 to
    /// [`crate::estimate::MAX_ITERATIONS`] ([`crate::estimate::check_iteration`]).
    pub fn check(&self) -> Result<()> {
        crate::estimate::check_iteration(self.tolerance, self.max_iter)
    }
}

/// What a row of the parameter table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamKind {
    /// Loading `construct =~ item`.
    Loading,
    /// Structural path `to ~ from`.
    Path,
    /// Item error variance `item ~~ item`.
    ErrorVariance,
    /// Variance of an exogenous construct.
    LatentVariance,
    /// Disturbance (residual) variance of an endogenous construct.
    Disturbance,
    /// Covariance of two exogenous constructs.
    LatentCovariance,
    /// Residual covariance of two items `item ~~ item` (declared in the model).
    ErrorCovariance,
}

/// One row of the parameter table (lavaan's `parameterEstimates(standardized = TRUE)`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Parameter {
    /// What the row is.
    pub kind: ParamKind,
    /// Left-hand side in lavaan syntax (construct for `=~` and `~`).
    pub lhs: String,
    /// lavaan operator: `=~`, `~` or `~~`.
    pub op: &'static str,
    /// Right-hand side.
    pub rhs: String,
    /// False for parameters fixed by the identification.
    pub free: bool,
    /// Unstandardized estimate.
    pub est: f64,
    /// Standard error (None for fixed parameters or when the information is singular).
    pub se: Option<f64>,
    /// z = est / se.
    pub z: Option<f64>,
    /// Two-sided p value of z.
    pub p: Option<f64>,
    /// Standardized on the constructs only (lavaan `std.lv`).
    pub std_lv: f64,
    /// Standardized on constructs and items (lavaan `std.all`).
    pub std_all: f64,
    /// Delta-method standard error of `std_all`.
    pub se_std: Option<f64>,
}

/// A fitted CB-SEM model.
#[derive(Debug, Clone)]
pub struct CbsemFit {
    /// Settings used.
    pub settings: CbsemSettings,
    /// Respondents (N in χ² = N F).
    pub n: usize,
    /// Construct names (model order).
    pub constructs: Vec<String>,
    /// Item names (model order).
    pub items: Vec<String>,
    /// `max |∇F| < tolerance` at the solution.
    pub converged: bool,
    /// L-BFGS iterations.
    pub iterations: usize,
    /// Newton / Fisher-scoring polishing steps after L-BFGS.
    pub scoring_steps: usize,
    /// Why L-BFGS stopped.
    pub termination: String,
    /// Largest absolute gradient component at the solution.
    pub max_gradient: f64,
    /// The free parameters θ̂ in [`MlObjective::names`] order (a warm start for
    /// [`estimate_from`]).
    pub params: Vec<f64>,
    /// The parameter table: loadings, paths, error variances, construct variances /
    /// disturbances, construct covariances.
    pub parameters: Vec<Parameter>,
    /// Loadings Λ, p x q.
    pub lambda: DMatrix<f64>,
    /// Unstandardized paths, `paths[(from, to)]` (= Bᵀ).
    pub paths: DMatrix<f64>,
    /// Ψ, q x q.
    pub psi: DMatrix<f64>,
    /// Item error variances (diagonal of Θ).
    pub theta: Vec<f64>,
    /// Residual covariances of items (off-diagonal part of Θ; zero except for the
    /// model's [`Model::covariances`]).
    pub theta_cov: DMatrix<f64>,
    /// Construct covariance matrix Φ.
    pub latent_cov: DMatrix<f64>,
    /// Construct correlation matrix.
    pub latent_cor: DMatrix<f64>,
    /// Model-implied item covariance matrix Σ(θ̂).
    pub implied: DMatrix<f64>,
    /// Standardized loadings (std.all) of each item on its construct.
    pub std_loadings: Vec<f64>,
    /// Standardized paths, `std_paths[(from, to)]`.
    pub std_paths: DMatrix<f64>,
    /// Standardized total effects, `std_total[(from, to)]`.
    pub std_total: DMatrix<f64>,
    /// R² per construct (None for exogenous).
    pub r2: Vec<Option<f64>>,
    /// R² of each item (1 - standardized error variance).
    pub item_r2: Vec<f64>,
    /// Global fit.
    pub fit: FitIndices,
    /// Covariance matrix of the free parameters (None when the information is singular).
    pub vcov: Option<DMatrix<f64>>,
    /// Admissibility diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

impl CbsemFit {
    /// The parameter row of the path `from -> to` (construct indices).
    pub fn path(&self, from: usize, to: usize) -> Option<&Parameter> {
        let (f, t) = (self.constructs.get(from)?, self.constructs.get(to)?);
        self.parameters
            .iter()
            .find(|r| r.kind == ParamKind::Path && &r.lhs == t && &r.rhs == f)
    }

    /// The parameter row of the loading of item `k`.
    pub fn loading(&self, k: usize) -> Option<&Parameter> {
        let it = self.items.get(k)?;
        self.parameters
            .iter()
            .find(|r| r.kind == ParamKind::Loading && &r.rhs == it)
    }

    /// True when no diagnostic makes the solution inadmissible.
    pub fn is_admissible(&self) -> bool {
        admissibility::is_admissible(&self.diagnostics)
    }
}

impl CbsemFit {
    /// How the optimisation ended: converged, stopped at the iteration limit, or
    /// stalled (no step improved the solution).
    pub fn convergence(&self) -> Convergence {
        let reason = if self.converged {
            StopReason::Converged
        } else if self.iterations + self.scoring_steps >= self.settings.max_iter {
            StopReason::IterationLimit
        } else {
            StopReason::Stalled
        };
        Convergence {
            reason,
            iterations: self.iterations,
            criterion: self.max_gradient,
        }
    }
}

impl Estimator for CbsemSettings {
    type Fit = CbsemFit;

    fn kind(&self) -> EstimatorKind {
        EstimatorKind::Cbsem
    }

    fn fit(&self, model: &Model, m: &Moments, start: Option<&CbsemFit>) -> Result<CbsemFit> {
        estimate_from(model, m, self, start.map(|f| f.params.as_slice()))
    }

    /// Warm-started from the full-sample parameters; a solution that did not converge
    /// or is inadmissible fails the resample (jackknife fits included).
    fn fit_resample(
        &self,
        model: &Model,
        m: &Moments,
        full: &CbsemFit,
        _how: Resample,
    ) -> Result<CbsemFit> {
        let f = estimate_from(model, m, self, Some(&full.params))?;
        if !f.converged {
            return Err(FitError::NotConverged {
                estimator: EstimatorKind::Cbsem,
                iterations: f.iterations,
            }
            .into());
        }
        if let Some(kind) = self.view(&f).inadmissible() {
            return Err(FitError::Inadmissible {
                estimator: EstimatorKind::Cbsem,
                kind,
            }
            .into());
        }
        Ok(f)
    }

    fn view<'a>(&self, fit: &'a CbsemFit) -> Fitted<'a> {
        Fitted {
            kind: EstimatorKind::Cbsem,
            paths: &fit.std_paths,
            loadings: &fit.std_loadings,
            weights: None,
            total: &fit.std_total,
            r2: &fit.r2,
            convergence: fit.convergence(),
            diagnostics: &fit.diagnostics,
            composite: None,
        }
    }
}

/// The ML discrepancy of a model and a sample covariance matrix, as a function of the
/// free parameters: value, analytic gradient and implied covariance matrix. This is
/// the objective [`estimate`] minimises; it is public so that the gradient can be
/// checked and the objective reused (e.g. for profiling).
///
/// Parameter order: free loadings (block by block), paths (model order), item error
/// variances, construct variances / disturbances (marker identification only),
/// exogenous covariances; [`MlObjective::names`] lists them in lavaan syntax.
///
/// ```
/// # use csi::spec::{Model, ConstructSpec};
/// # use csi::moments::Moments;
/// # use nalgebra::DMatrix;
/// use csi::estimate::cbsem::{Identify, MlObjective};
/// # let model = Model::from_parts("toy",
/// #     vec![ConstructSpec::new("A", &["a1", "a2", "a3"]), ConstructSpec::new("B", &["b1", "b2", "b3"])],
/// #     &[("A", "B")])?;
/// # let s = DMatrix::from_fn(6, 6, |i, j| if i == j { 1.0 } else if i / 3 == j / 3 { 0.5 } else { 0.2 });
/// # let m = Moments::from_cov(vec![0.0; 6], s, 100)?;
/// let obj = MlObjective::new(&model, &m, Identify::Marker)?;
/// let x = obj.start();
/// let f = obj.value(&x).unwrap();
/// let g = obj.gradient(&x).unwrap();
/// // central difference of the first parameter
/// let h = 1e-6;
/// let (mut a, mut b) = (x.clone(), x.clone());
/// a[0] += h; b[0] -= h;
/// let fd = (obj.value(&a).unwrap() - obj.value(&b).unwrap()) / (2.0 * h);
/// assert!((fd - g[0]).abs() < 1e-6);
/// assert!(f >= 0.0);
/// # Ok::<(), csi::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MlObjective {
    lis: Lisrel,
    s: DMatrix<f64>,
    ln_det_s: f64,
    start: Vec<f64>,
    names: Vec<String>,
}

impl MlObjective {
    /// Set up the objective for `model` on the covariance matrix of `m`.
    ///
    /// # Errors
    /// [`Error::Fit`] when the moments do not match the model, a construct is
    /// Mode B, or the sample covariance matrix is not positive definite.
    pub fn new(model: &Model, m: &Moments, identify: Identify) -> Result<MlObjective> {
        if m.p() != model.n_items() {
            return Err(FitError::ItemCount {
                moments: m.p(),
                model: model.n_items(),
            }
            .into());
        }
        let lis = Lisrel::new(model, identify)?;
        let s = (&m.cov + m.cov.transpose()) * 0.5;
        let ch = s
            .clone()
            .cholesky()
            .ok_or(FitError::CovarianceNotPositiveDefinite)?;
        let l = ch.l();
        let ln_det_s: f64 = (0..s.nrows()).map(|i| 2.0 * l[(i, i)].ln()).sum();
        if !ln_det_s.is_finite() {
            return Err(FitError::SingularCovariance.into());
        }
        let names = lis
            .free
            .iter()
            .map(|f| row_name(model, &Loc::from(*f)))
            .collect();
        let start = start_values(model, m, &lis, identify, &s, ln_det_s);
        if !model.covariances.is_empty() {
            check_covariances(model, &lis, &s, ln_det_s, &start)?;
        }
        Ok(MlObjective {
            lis,
            s,
            ln_det_s,
            start,
            names,
        })
    }

    /// Number of free parameters.
    pub fn n_params(&self) -> usize {
        self.lis.n_free()
    }

    /// Names of the free parameters in lavaan syntax (`IMAG =~ imag2`, `SAT ~ IMAG`,
    /// `imag1 ~~ imag1`...).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Starting values (from a PLS fit, see the module docs).
    pub fn start(&self) -> Vec<f64> {
        self.start.clone()
    }

    /// F(θ), or None where Σ(θ) is not positive definite.
    pub fn value(&self, x: &[f64]) -> Option<f64> {
        self.eval(x).map(|e| e.f)
    }

    /// The analytic gradient ∇F(θ), or None where Σ(θ) is not positive definite.
    pub fn gradient(&self, x: &[f64]) -> Option<Vec<f64>> {
        self.eval(x).map(|e| self.lis.gradient(&self.s, &e))
    }

    /// The implied covariance matrix Σ(θ) (None when (I - B) is singular).
    pub fn implied(&self, x: &[f64]) -> Option<DMatrix<f64>> {
        if x.len() != self.lis.n_free() {
            return None;
        }
        let m = self.lis.matrices(x);
        self.lis.implied(&m).map(|i| i.sigma)
    }

    /// Hessian of F by central differences of the analytic gradient (symmetrized).
    fn hessian_fd(&self, x: &[f64]) -> Option<DMatrix<f64>> {
        let k = x.len();
        let mut h = DMatrix::zeros(k, k);
        for c in 0..k {
            let step = 1e-5 * (1.0 + x[c].abs());
            let (mut a, mut b) = (x.to_vec(), x.to_vec());
            a[c] += step;
            b[c] -= step;
            let (ga, gb) = (self.gradient(&a)?, self.gradient(&b)?);
            for r in 0..k {
                h[(r, c)] = (ga[r] - gb[r]) / (2.0 * step);
            }
        }
        Some((&h + h.transpose()) * 0.5)
    }

    fn eval(&self, x: &[f64]) -> Option<Eval> {
        if x.len() != self.lis.n_free() {
            return None;
        }
        self.lis.eval(&self.s, self.ln_det_s, x)
    }
}

/// Refuse a residual covariance that makes the model unidentified: at the starting
/// point (a generic, data-derived point) the expected information of the parameters
/// without residual covariances must be non-singular, and adding the declared
/// covariances one by one (in declaration order) must keep it so; the first one that
/// makes it singular is named. (When the model without them is already singular the
/// check is left to the information-matrix diagnostic of the fit.)
fn check_covariances(
    model: &Model,
    lis: &Lisrel,
    s: &DMatrix<f64>,
    ln_det_s: f64,
    x: &[f64],
) -> Result<()> {
    let Some(e) = lis.eval(s, ln_det_s, x) else {
        return Ok(());
    };
    let h = lis.expected_hessian(&e);
    let k = lis.n_free();
    let is_cov = |i: usize| matches!(lis.free[i], Free::ThetaCov { .. });
    let mut set: Vec<usize> = (0..k).filter(|&i| !is_cov(i)).collect();
    if !full_rank(&h, &set) {
        return Ok(());
    }
    let moments = lis.p * (lis.p + 1) / 2;
    for i in (0..k).filter(|&i| is_cov(i)) {
        set.push(i);
        if !full_rank(&h, &set) {
            let Free::ThetaCov { a, b } = lis.free[i] else {
                continue;
            };
            let (ia, ib) = (&model.items[a], &model.items[b]);
            let why = if set.len() > moments {
                format!(
                    "the model then has {} free parameters for {moments} item variances and covariances",
                    set.len()
                )
            } else if ia.construct == ib.construct {
                format!(
                    "within construct '{}' the residual covariance cannot be told apart from the construct's variance (too few items, or no other items to separate them)",
                    model.constructs[ia.construct].name
                )
            } else {
                "the information matrix becomes singular (the covariance duplicates what the loadings and paths already explain)".to_string()
            };
            return Err(FitError::UnidentifiedCovariance {
                a: ia.name.clone(),
                b: ib.name.clone(),
                why,
            }
            .into());
        }
    }
    Ok(())
}

/// True when the principal submatrix of `h` on `set`, scaled to a unit diagonal, has
/// no eigenvalue below 1e-10.
fn full_rank(h: &DMatrix<f64>, set: &[usize]) -> bool {
    let m = set.len();
    let d: Vec<f64> = set.iter().map(|&i| h[(i, i)]).collect();
    if d.iter().any(|v| !(*v > 0.0) || !v.is_finite()) {
        return false;
    }
    let r = DMatrix::from_fn(m, m, |a, b| h[(set[a], set[b])] / (d[a] * d[b]).sqrt());
    r.symmetric_eigenvalues().iter().all(|v| *v > 1e-10)
}

/// argmin problem in preconditioned coordinates θ = x0 + T u, with T = L^-T where
/// H_0 = L L' is the expected Hessian at the start (so F is nearly isotropic in u);
/// T = diag(1/sqrt(H_0,kk)) when H_0 is not positive definite.
struct Problem<'a> {
    obj: &'a MlObjective,
    x0: &'a [f64],
    t: &'a DMatrix<f64>,
}

impl Problem<'_> {
    fn theta(&self, u: &[f64]) -> Vec<f64> {
        let tu = self.t * nalgebra::DVector::from_column_slice(u);
        self.x0.iter().zip(tu.iter()).map(|(a, b)| a + b).collect()
    }
}

impl CostFunction for Problem<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, u: &Vec<f64>) -> std::result::Result<f64, argmin::core::Error> {
        Ok(self.obj.value(&self.theta(u)).unwrap_or(INFEASIBLE_COST))
    }
}

impl Gradient for Problem<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, u: &Vec<f64>) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        Ok(match self.obj.gradient(&self.theta(u)) {
            Some(g) => {
                let gu = self.t.tr_mul(&nalgebra::DVector::from_vec(g));
                gu.as_slice().to_vec()
            }
            None => vec![0.0; u.len()],
        })
    }
}

/// The preconditioner T of [`Problem`].
fn preconditioner(obj: &MlObjective, x0: &[f64]) -> DMatrix<f64> {
    let k = x0.len();
    let Some(e0) = obj.eval(x0) else {
        return DMatrix::identity(k, k);
    };
    let h0 = obj.lis.expected_hessian(&e0);
    if let Some(ch) = h0.clone().cholesky() {
        let lt = ch.l().transpose();
        if let Some(t) = lt.try_inverse() {
            if t.iter().all(|v| v.is_finite()) {
                return t;
            }
        }
    }
    DMatrix::from_fn(k, k, |i, j| {
        let v = h0[(i, i)];
        if i != j {
            0.0
        } else if v.is_finite() && v > 0.0 {
            1.0 / v.sqrt()
        } else {
            1.0
        }
    })
}

/// Estimate a CB-SEM model by maximum likelihood.
///
/// # Errors
/// [`Error::Setting`] for invalid settings; [`Error::Fit`] when a construct is
/// Mode B, the moments do not fit the model, the sample covariance matrix is singular
/// or no starting point gives a positive definite Σ. Non-convergence and inadmissible
/// estimates are not errors: see [`CbsemFit::converged`] and [`CbsemFit::diagnostics`].
pub fn estimate(model: &Model, m: &Moments, settings: &CbsemSettings) -> Result<CbsemFit> {
    estimate_from(model, m, settings, None)
}

/// Like [`estimate`], starting from given free parameters (e.g. the full-sample
/// [`CbsemFit::params`] in a bootstrap); a start of the wrong length or with a
/// non-positive-definite Σ is replaced by the usual PLS-based start.
///
/// ```
/// # use csi::spec::{Model, ConstructSpec};
/// # use csi::moments::Moments;
/// # use nalgebra::DMatrix;
/// use csi::estimate::cbsem::{estimate, estimate_from, CbsemSettings};
/// # let model = Model::from_parts("toy",
/// #     vec![ConstructSpec::new("A", &["a1", "a2", "a3"]), ConstructSpec::new("B", &["b1", "b2", "b3"])],
/// #     &[("A", "B")])?;
/// # let s = DMatrix::from_fn(6, 6, |i, j| if i == j { 1.0 } else if i / 3 == j / 3 { 0.5 } else { 0.2 });
/// # let m = Moments::from_cov(vec![0.0; 6], s, 100)?;
/// let full = estimate(&model, &m, &CbsemSettings::default())?;
/// let again = estimate_from(&model, &m, &CbsemSettings::default(), Some(&full.params))?;
/// assert!((again.fit.chisq - full.fit.chisq).abs() < 1e-8);
/// # Ok::<(), csi::Error>(())
/// ```
///
/// # Errors
/// As [`estimate`].
pub fn estimate_from(
    model: &Model,
    m: &Moments,
    settings: &CbsemSettings,
    start: Option<&[f64]>,
) -> Result<CbsemFit> {
    settings.check()?;
    let obj = MlObjective::new(model, m, settings.identify)?;
    let x0 = match start {
        Some(s) if s.len() == obj.n_params() && obj.value(s).is_some() => s.to_vec(),
        _ => obj.start(),
    };
    if obj.value(&x0).is_none() {
        return Err(FitError::NoStart.into());
    }
    // Rounds of (1) L-BFGS for at most LBFGS_ROUND iterations in preconditioned
    // coordinates and (2) Newton polishing, until converged, max_iter iterations are
    // spent, or the polishing stalls STALLED_ROUNDS times in a row.
    let mut x = x0.clone();
    let mut iterations = 0usize;
    let mut scoring_steps = 0usize;
    let mut termination = String::new();
    let target = settings.tolerance * 1e-2;
    // L-BFGS iterations and Newton steps both count towards max_iter.
    let mut stalled_rounds = 0;
    let (e, g) = loop {
        let before = iterations;
        let left = |spent: usize| settings.max_iter.saturating_sub(spent);
        let budget = LBFGS_ROUND.min(left(iterations + scoring_steps));
        if budget > 0 {
            let (xn, it, why) = lbfgs_round(&obj, &x, budget)?;
            x = xn;
            iterations += it;
            termination = why;
        }
        let polish = MAX_SCORING_STEPS.min(left(iterations + scoring_steps));
        let Polish {
            e,
            g,
            steps,
            stalled,
        } = newton_polish(&obj, &x, target, polish)?;
        scoring_steps += steps;
        x = lisrel_params(&obj, &e);
        stalled_rounds = if stalled { stalled_rounds + 1 } else { 0 };
        let stuck = iterations == before && steps == 0;
        if max_abs(&g) <= target
            || iterations + scoring_steps >= settings.max_iter
            || stuck
            || stalled_rounds >= STALLED_ROUNDS
        {
            break (e, g);
        }
    };
    let max_gradient = max_abs(&g);
    let converged = max_gradient < settings.tolerance;
    finish(
        model,
        m,
        settings,
        &obj,
        &x,
        e,
        converged,
        iterations,
        scoring_steps,
        termination,
        max_gradient,
    )
}

/// The free parameters of an evaluation point.
fn lisrel_params(obj: &MlObjective, e: &Eval) -> Vec<f64> {
    obj.lis.params(&e.m)
}

/// One round of L-BFGS from `x` for at most `budget` iterations: (best θ, iterations,
/// termination reason).
fn lbfgs_round(obj: &MlObjective, x: &[f64], budget: usize) -> Result<(Vec<f64>, usize, String)> {
    let tmat = preconditioner(obj, x);
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), LBFGS_MEMORY)
        .with_tolerance_grad(LBFGS_GRAD_TOL)
        .and_then(|s| s.with_tolerance_cost(LBFGS_COST_TOL))
        .map_err(|e| FitError::Optimiser(e.to_string()))?;
    let problem = Problem {
        obj,
        x0: x,
        t: &tmat,
    };
    let run = Executor::new(problem, solver)
        .configure(|st| st.param(vec![0.0; x.len()]).max_iters(budget as u64))
        .run();
    let out = match run {
        Ok(res) => {
            let st = res.state();
            let reason = st
                .get_termination_reason()
                .map(|r| r.to_string())
                .unwrap_or_default();
            let xn = match st.get_best_param() {
                Some(u) => Problem {
                    obj,
                    x0: x,
                    t: &tmat,
                }
                .theta(u),
                None => x.to_vec(),
            };
            (xn, st.get_iter() as usize, reason)
        }
        Err(e) => (x.to_vec(), 0, format!("L-BFGS failed: {e}")),
    };
    if obj.value(&out.0).is_none() {
        return Ok((x.to_vec(), out.1, out.2));
    }
    Ok(out)
}

/// Newton steps from `x` (Hessian by central differences of the analytic gradient,
/// the expected Hessian where that is not positive definite; step halving) until
/// `max |∇F| <= target`, no step helps, or MAX_SCORING_STEPS.
fn newton_polish(obj: &MlObjective, x: &[f64], target: f64, max_steps: usize) -> Result<Polish> {
    let mut x = x.to_vec();
    let mut e = obj.eval(&x).ok_or(FitError::ImpliedBrokeDown)?;
    let mut g = obj.lis.gradient(&obj.s, &e);
    let mut steps = 0;
    // the step at which the largest gradient component was last halved, and its value
    let (mut mark, mut mark_g) = (0, max_abs(&g));
    let mut stalled = false;
    while steps < max_steps && max_abs(&g) > target {
        if steps - mark >= STALL_STEPS {
            stalled = true;
            break;
        }
        let d = obj
            .hessian_fd(&x)
            .and_then(|h| lisrel::solve_pd(&h, &g))
            .or_else(|| lisrel::solve_ridge(&obj.lis.expected_hessian(&e), &g));
        let Some(d) = d else { break };
        let slope: f64 = g.iter().zip(&d).map(|(a, b)| a * b).sum();
        let gmax = max_abs(&g);
        let mut t = 1.0;
        let mut accepted = None;
        for _ in 0..40 {
            let xn: Vec<f64> = x.iter().zip(&d).map(|(a, b)| a - t * b).collect();
            if let Some(en) = obj.eval(&xn) {
                let decrease = en.f <= e.f - 1e-4 * t * slope.max(0.0);
                // at the minimum F stops changing in double precision: accept steps
                // that keep F within rounding and shrink the gradient
                let flat = en.f <= e.f + 1e-13 * (1.0 + e.f.abs());
                if decrease || flat {
                    let gn = obj.lis.gradient(&obj.s, &en);
                    if decrease || max_abs(&gn) < gmax {
                        accepted = Some((xn, en, gn));
                        break;
                    }
                }
            }
            t *= 0.5;
        }
        let Some((xn, en, gn)) = accepted else { break };
        steps += 1;
        x = xn;
        e = en;
        g = gn;
        if max_abs(&g) <= 0.5 * mark_g {
            (mark, mark_g) = (steps, max_abs(&g));
        }
    }
    Ok(Polish {
        e,
        g,
        steps,
        stalled,
    })
}

/// The end of a polishing round.
struct Polish {
    e: Eval,
    g: Vec<f64>,
    steps: usize,
    /// Gave up: [`STALL_STEPS`] steps without progress.
    stalled: bool,
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |a, b| a.max(b.abs()))
}

/// Starting values from a PLS fit (standardized loadings l, construct correlations R,
/// OLS paths and R²), rescaled: latent sd d_j (marker: |l_m| sd_m; variance: 1 for
/// exogenous, 1/sqrt(1-R²) for endogenous), λ_k = l_k sd_k / d_j,
/// θ_k = max(1 - l_k², 0.1) s_kk, b_{to,from} = b*_{from,to} d_to / d_from,
/// ψ_ab = R_ab d_a d_b (exogenous), ψ_jj = (1 - R²_j) d_j² (endogenous).
fn start_values(
    model: &Model,
    m: &Moments,
    lis: &Lisrel,
    identify: Identify,
    s: &DMatrix<f64>,
    ln_det_s: f64,
) -> Vec<f64> {
    let p = lis.p;
    let q = lis.q;
    let from_pls = pls::estimate(model, m, &pls::PlsSettings::default())
        .ok()
        .map(|f| (f.loadings, f.lv_cor));
    let candidates = [from_pls, Some((vec![0.7; p], DMatrix::identity(q, q)))];
    let mut last = Vec::new();
    for (loads, rlv) in candidates.into_iter().flatten() {
        let x = start_from(model, m, lis, identify, &loads, &rlv);
        if lis.eval(s, ln_det_s, &x).is_some() {
            return x;
        }
        last = x;
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::admissibility::DiagnosticKind;
    use crate::spec::ConstructSpec;

    fn toy() -> (Model, Moments) {
        let model = Model::from_parts(
            "toy",
            vec![
                ConstructSpec::new("A", &["a1", "a2", "a3"]),
                ConstructSpec::new("B", &["b1", "b2", "b3"]),
                ConstructSpec::new("C", &["c1", "c2", "c3"]),
            ],
            &[("A", "B"), ("A", "C"), ("B", "C")],
        )
        .unwrap();
        // a population covariance from known parameters (not standardized)
        let lis = Lisrel::new(&model, Identify::Marker).unwrap();
        let mut mm = lisrel::Matrices {
            lambda: DMatrix::zeros(9, 3),
            beta: DMatrix::zeros(3, 3),
            psi: DMatrix::zeros(3, 3),
            theta: vec![0.5, 0.6, 0.7, 0.4, 0.5, 0.6, 0.3, 0.4, 0.5],
            theta_cov: DMatrix::zeros(9, 9),
        };
        let lam = [1.0, 0.9, 1.2, 1.0, 1.1, 0.8, 1.0, 0.7, 1.3];
        for (k, l) in lam.iter().enumerate() {
            mm.lambda[(k, k / 3)] = *l;
        }
        mm.beta[(1, 0)] = 0.6;
        mm.beta[(2, 0)] = 0.3;
        mm.beta[(2, 1)] = 0.4;
        mm.psi[(0, 0)] = 1.5;
        mm.psi[(1, 1)] = 0.8;
        mm.psi[(2, 2)] = 0.6;
        let imp = lis.implied(&mm).unwrap();
        let m = Moments::from_cov(vec![0.0; 9], imp.sigma * (200.0 / 199.0), 200).unwrap();
        (model, m)
    }

    #[test]
    fn recovers_population_parameters() {
        let (model, m) = toy();
        let fit = estimate(&model, &m, &CbsemSettings::default()).unwrap();
        assert!(fit.converged, "{}", fit.termination);
        assert!(fit.fit.chisq.abs() < 1e-8, "{}", fit.fit.chisq);
        assert!((fit.paths[(0, 1)] - 0.6).abs() < 1e-6);
        assert!((fit.paths[(1, 2)] - 0.4).abs() < 1e-6);
        assert!((fit.psi[(0, 0)] - 1.5).abs() < 1e-6);
        assert!(fit.is_admissible(), "{:?}", fit.diagnostics);
        assert_eq!(fit.fit.df, 45.0 - 21.0);
        assert!((fit.fit.cfi - 1.0).abs() < 1e-12);
    }

    #[test]
    fn variance_identification_gives_the_same_standardized_solution() {
        let (model, m) = toy();
        let a = estimate(&model, &m, &CbsemSettings::default()).unwrap();
        let b = estimate(
            &model,
            &m,
            &CbsemSettings {
                identify: Identify::Variance,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(b.converged);
        assert!((a.fit.chisq - b.fit.chisq).abs() < 1e-8);
        for (x, y) in a.std_paths.iter().zip(b.std_paths.iter()) {
            assert!((x - y).abs() < 1e-6);
        }
        for (x, y) in a.std_loadings.iter().zip(&b.std_loadings) {
            assert!((x - y).abs() < 1e-6);
        }
        // disturbance fixed to 1
        assert!((b.psi[(1, 1)] - 1.0).abs() < 1e-15);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let (model, m) = toy();
        let obj = MlObjective::new(&model, &m, Identify::Marker).unwrap();
        let x: Vec<f64> = obj
            .start()
            .iter()
            .enumerate()
            .map(|(i, v)| v * (1.0 + 0.05 * ((i * 7 % 5) as f64 - 2.0)))
            .collect();
        let g = obj.gradient(&x).unwrap();
        for c in 0..x.len() {
            let h = 1e-6;
            let (mut a, mut b) = (x.clone(), x.clone());
            a[c] += h;
            b[c] -= h;
            let fd = (obj.value(&a).unwrap() - obj.value(&b).unwrap()) / (2.0 * h);
            assert!((fd - g[c]).abs() < 1e-6 * (1.0 + g[c].abs()), "{c}");
        }
    }

    #[test]
    fn heywood_case_is_reported() {
        // a1 correlates 0.85 with a2 and a3 but a2-a3 only 0.6: λ1² = 0.85²/0.6 > 1
        let model = Model::from_parts(
            "heywood",
            vec![
                ConstructSpec::new("A", &["a1", "a2", "a3"]),
                ConstructSpec::new("B", &["b1", "b2", "b3"]),
            ],
            &[("A", "B")],
        )
        .unwrap();
        let mut r = DMatrix::from_fn(6, 6, |i, j| {
            if i == j {
                1.0
            } else if i / 3 == j / 3 {
                if i / 3 == 0 {
                    0.6
                } else {
                    0.5
                }
            } else {
                0.3
            }
        });
        for k in [1, 2] {
            r[(0, k)] = 0.85;
            r[(k, 0)] = 0.85;
        }
        let m = Moments::from_cov(vec![0.0; 6], r, 300).unwrap();
        let fit = estimate(&model, &m, &CbsemSettings::default()).unwrap();
        assert!(fit.theta[0] < 0.0, "{:?}", fit.theta);
        assert!(fit
            .diagnostics
            .iter()
            .any(|d| d.kind == DiagnosticKind::NegativeVariance && d.involves("a1")));
        assert!(fit
            .diagnostics
            .iter()
            .any(|d| d.kind == DiagnosticKind::LoadingAboveOne && d.involves("a1")));
        assert!(!fit.is_admissible());
    }

    #[test]
    fn non_convergence_is_reported_not_an_error() {
        let (model, m) = toy();
        let fit = estimate(
            &model,
            &m,
            &CbsemSettings {
                max_iter: 1,
                tolerance: 1e-300,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(!fit.converged);
        assert!(fit
            .diagnostics
            .iter()
            .any(|d| d.kind == DiagnosticKind::NotConverged));
    }

    #[test]
    fn mode_b_is_refused() {
        let model = Model::from_parts(
            "toy",
            vec![
                ConstructSpec::new("A", &["a1", "a2"]).mode(crate::spec::Mode::B),
                ConstructSpec::new("B", &["b1", "b2"]),
            ],
            &[("A", "B")],
        )
        .unwrap();
        let m = Moments::from_cov(vec![0.0; 4], DMatrix::identity(4, 4), 50).unwrap();
        let e = estimate(&model, &m, &CbsemSettings::default()).unwrap_err();
        assert!(e.to_string().contains("Mode B"));
    }
}
