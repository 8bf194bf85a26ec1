//! Estimators behind one interface.
//!
//! | estimator | module | settings (the [`Estimator`]) | solution |
//! |---|---|---|---|
//! | PLS path modeling | [`pls`] | [`pls::PlsSettings`] | [`pls::PlsFit`] |
//! | consistent PLS | [`plsc`] | [`plsc::Plsc`] | [`plsc::PlscFit`] |
//! | covariance-based ML | [`cbsem`] | [`cbsem::CbsemSettings`] | [`cbsem::CbsemFit`] |
//!
//! Every estimator fits from [`Moments`] (optionally warm-started from an earlier
//! solution), and every solution offers the same [`Fitted`] view: paths, loadings,
//! weights, total effects, R² and one [`Convergence`]. [`EstimatorKind`] is the one
//! place the names `pls`, `plsc` and `cbsem` are spelled. Failures that a caller must
//! tell apart (a resample whose item has no variance, a singular block, no
//! convergence, an inadmissible solution) are a typed [`FitError`]; the bootstrap
//! counts failed resamples by it.
//!
//! # Example
//! ```
//! use csi::estimate::{Estimator, EstimatorKind, pls::PlsSettings};
//! # use csi::spec::{Model, ConstructSpec};
//! # use csi::moments::Moments;
//! # use nalgebra::DMatrix;
//! # let model = Model::from_parts("toy",
//! #     vec![ConstructSpec::new("A", &["a1", "a2"]), ConstructSpec::new("B", &["b1", "b2"])],
//! #     &[("A", "B")])?;
//! # let x = DMatrix::from_row_slice(5, 4, &[1.,2.,1.,2., 2.,2.,3.,2., 3.,4.,3.,5., 4.,3.,5.,4., 5.,5.,4.,4.]);
//! let m = Moments::from_data(&x, None)?;
//! let est = PlsSettings::default();
//! assert_eq!(est.kind(), EstimatorKind::Pls);
//! let fit = est.fit(&model, &m, None)?;
//! let view = est.view(&fit);
//! assert!(view.convergence.converged());
//! assert!((view.paths[(0, 1)] - view.total[(0, 1)]).abs() < 1e-12);
//! # Ok::<(), csi::Error>(())
//! ```
pub mod admissibility;
pub mod cbsem;
mod error;
pub mod hoc;
pub mod interaction;
pub mod mediation;
pub mod pls;
pub mod plsc;

pub use error::FitError;

use crate::estimate::admissibility::DiagnosticKind;
use crate::moments::Moments;
use crate::spec::Model;
use nalgebra::DMatrix;
use std::fmt;

/// The estimators: the only place their names are spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EstimatorKind {
    /// PLS path modeling.
    #[default]
    Pls,
    /// Consistent PLS.
    Plsc,
    /// Covariance-based SEM by maximum likelihood.
    Cbsem,
}

impl EstimatorKind {
    /// All estimators.
    pub const ALL: [EstimatorKind; 3] = [
        EstimatorKind::Pls,
        EstimatorKind::Plsc,
        EstimatorKind::Cbsem,
    ];

    /// Machine name: `pls`, `plsc` or `cbsem` (the JSON `settings.estimator`).
    pub fn as_str(&self) -> &'static str {
        match self {
            EstimatorKind::Pls => "pls",
            EstimatorKind::Plsc => "plsc",
            EstimatorKind::Cbsem => "cbsem",
        }
    }

    /// Display name: `PLS`, `PLSc` or `CB-SEM`.
    pub fn label(&self) -> &'static str {
        match self {
            EstimatorKind::Pls => "PLS",
            EstimatorKind::Plsc => "PLSc",
            EstimatorKind::Cbsem => "CB-SEM",
        }
    }
}

impl fmt::Display for EstimatorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EstimatorKind {
    type Err = crate::Error;
    /// ```
    /// use csi::estimate::EstimatorKind;
    /// assert_eq!("plsc".parse::<EstimatorKind>()?, EstimatorKind::Plsc);
    /// assert!("ols".parse::<EstimatorKind>().is_err());
    /// # Ok::<(), csi::Error>(())
    /// ```
    fn from_str(s: &str) -> crate::Result<Self> {
        EstimatorKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                crate::Error::setting(
                    "estimator",
                    format!("expected pls, plsc or cbsem, got '{s}'"),
                )
            })
    }
}

/// Why an iterative estimation stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StopReason {
    /// The convergence criterion was met.
    Converged,
    /// The iteration limit (`max_iter`) was reached first.
    IterationLimit,
    /// No step improved the solution any more before the criterion was met.
    Stalled,
}

/// How an iterative estimation ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Convergence {
    /// Why it stopped.
    pub reason: StopReason,
    /// Iterations done.
    pub iterations: usize,
    /// The last value of the estimator's convergence criterion (PLS: the squared
    /// weight change; CB-SEM: the largest gradient component).
    pub criterion: f64,
}

impl Convergence {
    /// True when the criterion was met.
    pub fn converged(&self) -> bool {
        self.reason == StopReason::Converged
    }
}

/// The common view of any solution: what the bootstrap and the reports read.
#[derive(Debug, Clone, Copy)]
pub struct Fitted<'a> {
    /// Which estimator produced it.
    pub kind: EstimatorKind,
    /// Path coefficients (standardized), `paths[(from, to)]`.
    pub paths: &'a DMatrix<f64>,
    /// Loadings (standardized) per item.
    pub loadings: &'a [f64],
    /// Outer weights per item (composite estimators only).
    pub weights: Option<&'a [f64]>,
    /// Total effects, `total[(from, to)]`.
    pub total: &'a DMatrix<f64>,
    /// R² per construct (None for exogenous).
    pub r2: &'a [Option<f64>],
    /// How the estimation ended.
    pub convergence: Convergence,
    /// Admissibility diagnostics (empty for PLS).
    pub diagnostics: &'a [admissibility::Diagnostic],
    /// The PLS composites behind the solution (PLS and PLSc), from which 0-100
    /// indices are computed.
    pub composite: Option<&'a pls::PlsFit>,
}

impl Fitted<'_> {
    /// True when no diagnostic makes the solution inadmissible.
    pub fn is_admissible(&self) -> bool {
        admissibility::is_admissible(self.diagnostics)
    }

    /// The first inadmissible diagnostic's kind, if any.
    pub fn inadmissible(&self) -> Option<DiagnosticKind> {
        self.diagnostics
            .iter()
            .find(|d| d.severity == admissibility::Severity::Inadmissible)
            .map(|d| d.kind)
    }
}

/// An estimator: fits a model to moments.
///
/// Implemented by [`pls::PlsSettings`], [`plsc::Plsc`] and [`cbsem::CbsemSettings`].
pub trait Estimator: Sync {
    /// The solution.
    type Fit: Send + Sync;

    /// Which estimator this is.
    fn kind(&self) -> EstimatorKind;

    /// Fit `model` to `m`, warm-started from `start` when given (e.g. the full-sample
    /// solution in a bootstrap).
    ///
    /// # Errors
    /// A setting error for invalid settings; [`crate::Error::Fit`] when no solution
    /// can be computed. Non-convergence and inadmissibility are not errors: see
    /// [`Fitted::convergence`] and [`Fitted::diagnostics`].
    fn fit(
        &self,
        model: &Model,
        m: &Moments,
        start: Option<&Self::Fit>,
    ) -> crate::Result<Self::Fit>;

    /// Fit one resample: warm-started from the full-sample solution `full` and with
    /// the signs of its constructs aligned to it (`how.sign`). Unless `how.jackknife`,
    /// a solution that did not converge (or, for PLSc and CB-SEM, is inadmissible) is
    /// an error ([`FitError::NotConverged`], [`FitError::Inadmissible`]): a bootstrap
    /// counts it as a failed resample. Figures a resample does not need (e.g. OLS p
    /// values) may be skipped.
    ///
    /// # Errors
    /// As [`Estimator::fit`], and the two above.
    fn fit_resample(
        &self,
        model: &Model,
        m: &Moments,
        full: &Self::Fit,
        how: Resample,
    ) -> crate::Result<Self::Fit>;

    /// The common view of a solution.
    fn view<'a>(&self, fit: &'a Self::Fit) -> Fitted<'a>;
}

/// How a resample is fitted ([`Estimator::fit_resample`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Resample {
    /// Sign correction against the full-sample solution.
    pub sign: SignChange,
    /// A jackknife fit (for BCa): construct-level sign correction, and PLS / PLSc
    /// solutions are kept even when not converged or inadmissible.
    pub jackknife: bool,
}

/// Sign-change correction of resample solutions against the full-sample solution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignChange {
    /// Construct level (default; Tenenhaus et al. 2005).
    #[default]
    Construct,
    /// Individual level: each weight, loading and path takes the sign of its
    /// full-sample value.
    Individual,
    /// No correction.
    None,
}

impl SignChange {
    /// Machine name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Construct => "construct",
            Self::Individual => "individual",
            Self::None => "none",
        }
    }
}

/// Total effects `B + B² + B³ + ...` of a recursive path matrix `b[(from, to)]` (the
/// series ends: `B^q = 0` for q constructs). The one total-effects function: PLS,
/// PLSc, CB-SEM (standardized) and the IPMA (paths between 0-100 scores) use it; it
/// equals `(I - B)^-1 - I`.
///
/// ```
/// use nalgebra::DMatrix;
/// // A -> B (0.5), B -> C (0.4), A -> C (0.1): total A -> C = 0.1 + 0.5 * 0.4
/// let mut b = DMatrix::zeros(3, 3);
/// b[(0, 1)] = 0.5; b[(1, 2)] = 0.4; b[(0, 2)] = 0.1;
/// let t = csi::estimate::total_effects(&b);
/// assert!((t[(0, 2)] - 0.3).abs() < 1e-12);
/// ```
///
/// Models of more than [`TOTAL_EFFECTS_SERIES_MAX`] constructs are summed path by path
/// in topological order instead (column `j` of the total is `B[.., j]` plus, for each
/// predecessor `k` of `j`, `B[k, j]` times column `k`): time proportional to the
/// constructs times the paths, where the series takes up to q matrix products (a chain
/// of 1,000 constructs took minutes). Small models keep the series, so their numbers
/// stay the same to the last bit.
pub fn total_effects(b: &DMatrix<f64>) -> DMatrix<f64> {
    let q = b.nrows();
    if q > TOTAL_EFFECTS_SERIES_MAX && b.ncols() == q {
        if let Some(t) = total_effects_by_order(b) {
            return t;
        }
    }
    let mut total = DMatrix::zeros(q, q);
    let mut power = b.clone();
    for _ in 0..q {
        if power.iter().all(|v| *v == 0.0) {
            break;
        }
        total += &power;
        power = &power * b;
    }
    total
}

/// The largest iteration limit an estimator accepts (`--max-iter`): PLS converges in
/// tens of iterations and CB-SEM in hundreds, so a larger limit only turns a
/// non-converging fit (say at `--tol 1e-300`) into a run that never ends; a limit of
/// 2^32 did, in every bootstrap resample.
pub const MAX_ITERATIONS: usize = 100_000;

/// The checks every estimator's settings share: a positive finite stopping tolerance
/// and an iteration limit from 1 to [`MAX_ITERATIONS`].
///
/// # Errors
/// [`Error::Setting`](crate::Error::Setting) naming `tolerance` or `max_iter`.
///
/// ```
/// use csi::estimate::check_iteration;
/// assert!(check_iteration(1e-7, 300).is_ok());
/// assert!(check_iteration(0.0, 300).is_err());
/// assert!(check_iteration(1e-7, 1 << 32).is_err());
/// ```
pub fn check_iteration(tolerance: f64, max_iter: usize) -> crate::Result<()> {
    if !(tolerance.is_finite() && tolerance > 0.0) {
        return Err(crate::Error::setting(
            "tolerance",
            format!("must be a positive number, got {tolerance}"),
        ));
    }
    if max_iter == 0 {
        return Err(crate::Error::setting("max_iter", "must be at least 1"));
    }
    if max_iter > MAX_ITERATIONS {
        return Err(crate::Error::setting(
            "max_iter",
            format!("must be at most {MAX_ITERATIONS}, got {max_iter}"),
        ));
    }
    Ok(())
}

/// Largest number of constructs whose total effects are summed as the series
/// `B + B² + ...` ([`total_effects`]).
pub const TOTAL_EFFECTS_SERIES_MAX: usize = 64;

/// Total effects in topological order of the paths' graph; `None` when the paths
/// form a cycle (then the series is used).
fn total_effects_by_order(b: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    let q = b.nrows();
    // predecessors of each construct and Kahn's order
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); q];
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); q];
    for j in 0..q {
        for i in 0..q {
            if b.get((i, j)).is_some_and(|v| *v != 0.0) {
                preds.get_mut(j)?.push(i);
                succs.get_mut(i)?.push(j);
            }
        }
    }
    let mut indeg: Vec<usize> = preds.iter().map(Vec::len).collect();
    let mut ready: Vec<usize> = (0..q).filter(|&j| indeg.get(j) == Some(&0)).collect();
    let mut order = Vec::with_capacity(q);
    while let Some(k) = ready.pop() {
        order.push(k);
        for &j in succs.get(k)? {
            let d = indeg.get_mut(j)?;
            *d -= 1;
            if *d == 0 {
                ready.push(j);
            }
        }
    }
    if order.len() != q {
        return None;
    }
    let mut total = DMatrix::zeros(q, q);
    for &j in &order {
        let mut col = b.column(j).into_owned();
        for &k in preds.get(j)? {
            let w = *b.get((k, j))?;
            col.axpy(w, &total.column(k), 1.0);
        }
        total.set_column(j, &col);
    }
    Some(total)
}
