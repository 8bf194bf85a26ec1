//! Overall model fit (Dijkstra & Henseler 2015): how far the indicator correlations
//! implied by the estimated model are from the observed ones, measured by SRMR, the
//! unweighted least-squares distance d_ULS and the geodesic distance d_G, for the
//! *saturated* model (constructs correlate freely) and the *estimated* model (the
//! construct correlations the structural model implies), with the bootstrap test of
//! exact fit (HI95 / HI99) under the Beran-Srivastava transformation.
//!
//! The definitions are those of ADANCO 2.2.1 and of cSEM (`fit()`, `calculateSRMR`,
//! `calculateDL`, `calculateDG`, `testOMF()`); on the satisfaction data with all
//! blocks in Mode B and the centroid scheme csi reproduces ADANCO's printed values
//! (see `tests/it/model_fit.rs`).
//!
//! # Model-implied indicator correlations
//! ```text
//! Λ        loadings (p x q): composite loadings cor(x_k, score_j) for PLS (Mode A and
//!          B); consistent loadings for the Mode A blocks of PLSc
//! V        construct correlations: saturated = the estimated construct correlations
//!          (composite correlations for PLS, disattenuated ones for PLSc);
//!          estimated = implied by the structural model, see below
//! Σ̂        = Λ V Λ' + Θ,   Θ = diag(1 - λ_k²)           (unit diagonal)
//! composite blocks (every PLS block, the Mode B blocks of PLSc): Σ̂_kl = s_kl for k, l in
//!          the same block (a composite model leaves the within-block correlations free)
//! ```
//! Structural-model implied construct correlations (recursive model, `B[to, from]` the
//! path coefficients, `A = (I - B)^-1`):
//! ```text
//! Ψ_ab     = v_ab for exogenous a, b;  Ψ_jj = 1 - Σ_i b_ji v_ij for endogenous j (1 - R²_j)
//! V_est    = A Ψ A', then its diagonal set to 1 (as cSEM and ADANCO 2.2.1 do)
//! ```
//! CB-SEM: the estimated model's Σ̂ is the ML-implied covariance matrix, the saturated
//! model's the ML fit of the same measurement model with a fully recursive
//! (just-identified) structural model; both are turned into correlations.
//!
//! # Distances (S the indicator correlation matrix, Σ̂ turned into a correlation matrix)
//! ```text
//! SRMR     = sqrt( mean over k <= l of (s_kl - σ̂_kl)² )
//! d_ULS    = 1/2 Σ_k Σ_l (s_kl - σ̂_kl)²
//! d_G      = 1/2 Σ_i (log10 ψ_i)²,      ψ_i the eigenvalues of S^-1 Σ̂
//! d_G,ln   = 1/2 Σ_i (ln ψ_i)²  = d_G (ln 10)²
//! ```
//! `d_G` uses base-10 logarithms: that is what ADANCO 2.2.1 prints and what cSEM's
//! `calculateDG` computes (`log(..., base = 10)`); Dijkstra & Henseler (2015) write the
//! natural logarithm, reported beside it as `d_g_ln`.
//!
//! The `srmr` key that `csi fit` reported before this module existed (and still
//! reports, [`crate::quality::Quality::srmr`]) is a different quantity: common-factor
//! implied correlations `λ_k λ_l v_ab` from the PLS composite loadings, also inside
//! blocks, with the saturated construct correlations.
//!
//! # Test of exact fit (HI95, HI99)
//! Under the null hypothesis that the model holds exactly, the data are transformed
//! (Beran & Srivastava 1985) so that their correlation matrix is Σ̂:
//! `x*_i = ((x_i - x̄) D^-1 S^-1/2 Σ̂^1/2) D + x̄` (D the standard deviations, symmetric
//! square roots); the transformed data are resampled, the model re-estimated on each
//! resample and the distance computed against that resample's own Σ̂. HI95 and HI99 are
//! the 95% and 99% quantiles (R type 7) of the bootstrap distances: a distance above
//! HI95 rejects exact fit at the 5% level. The saturated and the estimated model are
//! tested separately, each with its own Σ̂. Resamples whose estimation fails (or whose
//! PLSc / CB-SEM solution is inadmissible) are counted and left out, as cSEM's
//! `.handle_inadmissibles = "drop"`; HI95 needs [`MIN_OK_HI95`] and HI99
//! [`MIN_OK_HI99`] successful resamples (fewer: not reported, with a note). On the
//! satisfaction data (all Mode B, centroid) 2000 resamples give HI95 within 3% of
//! ADANCO 2.2.1's printed values (e.g. saturated SRMR 0.0407 vs 0.0407, estimated
//! d_ULS 0.834 vs 0.819); the draws differ, so the figures cannot agree exactly.
//!
//! # Example
//! ```
//! use csi::estimate::pls::{estimate, PlsSettings};
//! use csi::model_fit;
//! use csi::moments::Moments;
//! use csi::simulate::{Measurement, Population};
//! use csi::spec::{ConstructSpec, Model};
//!
//! let model = Model::from_parts("toy",
//!     vec![ConstructSpec::new("A", &["a1", "a2", "a3"]), ConstructSpec::new("B", &["b1", "b2", "b3"])],
//!     &[("A", "B")])?;
//! // population correlations of a composite model: the model fits exactly
//! let pop = Population::new(&model, &[("A", "B", 0.5)], Measurement::Composite(0.5))?;
//! let m = Moments::from_cov(vec![0.0; 6], pop.sigma.clone(), 500)?;
//! let fit = estimate(&model, &m, &PlsSettings::default())?;
//! let mf = model_fit::pls(&model, &m, &fit)?;
//! assert!(mf.saturated.srmr < 1e-6 && mf.estimated.d_uls < 1e-10);
//! # Ok::<(), csi::Error>(())
//! ```
//!
//! # References
//! * Dijkstra, T. K., Henseler, J. (2015). Consistent and asymptotically normal PLS
//!   estimators for linear structural equations. *CSDA* 81, 10-23.
//! * Dijkstra, T. K., Henseler, J. (2015). Consistent partial least squares path
//!   modeling. *MIS Quarterly* 39(2), 297-316.
//! * Beran, R., Srivastava, M. S. (1985). Bootstrap tests and confidence regions for
//!   functions of a covariance matrix. *Annals of Statistics* 13(1), 95-115.
//! * Henseler, J. (2017). *ADANCO 2.0.1 user manual*. Composite Modeling.

use crate::bootstrap::{BootstrapOptions, CiMethod, Failure, Hooks};
use crate::data::Complete;
use crate::error::Result;
use crate::estimate::cbsem::{self, CbsemFit, CbsemSettings};
use crate::estimate::pls::{self, PlsFit, PlsSettings};
use crate::estimate::plsc::{self, PlscFit};
use crate::estimate::FitError;
use crate::moments::Moments;
use crate::spec::{ConstructSpec, Mode, Model};
use crate::stat::{Distance, Stat};
use nalgebra::DMatrix;

/// Fewest successful resamples for a HI95 quantile (below: `NaN`, null in JSON).
pub const MIN_OK_HI95: usize = 20;
/// Fewest successful resamples for a HI99 quantile.
pub const MIN_OK_HI99: usize = 100;

/// SRMR, d_ULS and d_G of one model-implied correlation matrix.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Discrepancy {
    /// Standardized root mean square residual (lower triangle with the diagonal).
    pub srmr: f64,
    /// Unweighted least-squares distance `1/2 Σ (s - σ̂)²`.
    pub d_uls: f64,
    /// Geodesic distance with base-10 logarithms (ADANCO, cSEM).
    pub d_g: f64,
    /// Geodesic distance with natural logarithms (Dijkstra & Henseler 2015).
    pub d_g_ln: f64,
}

/// What kind of measurement model the implied correlations assume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImpliedModel {
    /// Every block a composite (PLS, Mode A and B).
    Composite,
    /// Mode A blocks common factors, Mode B blocks composites (PLSc).
    CommonFactor,
    /// The ML-implied covariance matrix of a common-factor model (CB-SEM).
    MaximumLikelihood,
}

impl ImpliedModel {
    /// Spelling in JSON and text.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Composite => "composite",
            Self::CommonFactor => "common_factor",
            Self::MaximumLikelihood => "maximum_likelihood",
        }
    }
}

/// The bootstrap quantiles of one distance under exact fit.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Quantiles {
    /// 95% quantile of the bootstrap distances.
    pub hi95: f64,
    /// 99% quantile.
    pub hi99: f64,
}

/// HI95 / HI99 of SRMR, d_ULS, d_G and d_G,ln for one model (saturated or estimated).
#[derive(Debug, Clone, PartialEq)]
pub struct ExactFitTest {
    /// Resamples drawn.
    pub resamples: usize,
    /// Resamples that failed (estimation error, non-convergence, inadmissible).
    pub failed: usize,
    /// Failure reasons with counts.
    pub failure_reasons: Vec<(String, usize)>,
    /// Quantiles of SRMR.
    pub srmr: Quantiles,
    /// Quantiles of d_ULS.
    pub d_uls: Quantiles,
    /// Quantiles of d_G (base 10).
    pub d_g: Quantiles,
    /// Quantiles of d_G (natural logarithms).
    pub d_g_ln: Quantiles,
}

/// The bootstrap test of exact fit of the saturated and the estimated model.
#[derive(Debug, Clone, PartialEq)]
pub struct FitTest {
    /// Seed of the resampling streams.
    pub seed: u64,
    /// Saturated model (None when its Σ̂ is not positive definite).
    pub saturated: Option<ExactFitTest>,
    /// Estimated model (None when its Σ̂ is not positive definite).
    pub estimated: Option<ExactFitTest>,
    /// Why a part is missing.
    pub problems: Vec<String>,
}

/// Overall model fit of one estimation.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFit {
    /// The implied-correlation model used.
    pub implied: ImpliedModel,
    /// Distances of the saturated model.
    pub saturated: Discrepancy,
    /// Distances of the estimated model.
    pub estimated: Discrepancy,
    /// Model-implied indicator correlation matrix of the saturated model.
    pub sigma_saturated: DMatrix<f64>,
    /// Model-implied indicator correlation matrix of the estimated model.
    pub sigma_estimated: DMatrix<f64>,
    /// Bootstrap test of exact fit (with `--bootstrap`).
    pub test: Option<FitTest>,
}

/// Turn a covariance matrix into a correlation matrix (unit diagonal).
pub fn cov2cor(c: &DMatrix<f64>) -> DMatrix<f64> {
    let p = c.nrows();
    let sd: Vec<f64> = (0..p).map(|i| c[(i, i)].max(0.0).sqrt()).collect();
    DMatrix::from_fn(p, p, |i, j| {
        if i == j {
            1.0
        } else {
            c[(i, j)] / (sd[i] * sd[j])
        }
    })
}

/// SRMR, d_ULS and d_G between an observed matrix `s` and an implied matrix `sigma`
/// (both turned into correlation matrices first). `d_g` is `NaN` when `s` is singular
/// or an eigenvalue of `S^-1 Σ̂` is not positive.
///
/// ```
/// use nalgebra::DMatrix;
/// let s = DMatrix::from_row_slice(2, 2, &[1.0, 0.5, 0.5, 1.0]);
/// let sigma = DMatrix::from_row_slice(2, 2, &[1.0, 0.3, 0.3, 1.0]);
/// let d = csi::model_fit::discrepancy(&s, &sigma);
/// // three elements in the lower triangle with the diagonal, one residual of 0.2
/// assert!((d.srmr - (0.04f64 / 3.0).sqrt()).abs() < 1e-12);
/// assert!((d.d_uls - 0.04).abs() < 1e-12); // 1/2 (0.2² + 0.2²)
/// ```
pub fn discrepancy(s: &DMatrix<f64>, sigma: &DMatrix<f64>) -> Discrepancy {
    let s = cov2cor(s);
    let sigma = cov2cor(sigma);
    let p = s.nrows();
    let mut low = 0.0;
    let mut all = 0.0;
    for i in 0..p {
        for j in 0..p {
            let d = s[(i, j)] - sigma[(i, j)];
            all += d * d;
            if j <= i {
                low += d * d;
            }
        }
    }
    let srmr = (low / (p * (p + 1) / 2) as f64).sqrt();
    let d_uls = 0.5 * all;
    let (d_g, d_g_ln) = geodesic(&s, &sigma);
    Discrepancy {
        srmr,
        d_uls,
        d_g,
        d_g_ln,
    }
}

/// (base-10, natural) geodesic distances. The eigenvalues of S^-1 Σ̂ are those of the
/// symmetric L^-1 Σ̂ L^-T (S = L L').
fn geodesic(s: &DMatrix<f64>, sigma: &DMatrix<f64>) -> (f64, f64) {
    let Some(ch) = s.clone().cholesky() else {
        return (f64::NAN, f64::NAN);
    };
    let l = ch.l();
    let Some(linv) = l.clone().try_inverse() else {
        return (f64::NAN, f64::NAN);
    };
    let m = &linv * sigma * linv.transpose();
    let m = (&m + m.transpose()) * 0.5;
    let ev = m.symmetric_eigenvalues();
    if ev.iter().any(|v| !(*v > 0.0)) {
        return (f64::NAN, f64::NAN);
    }
    let ln: f64 = ev.iter().map(|v| v.ln().powi(2)).sum::<f64>() * 0.5;
    let l10: f64 = ev.iter().map(|v| v.log10().powi(2)).sum::<f64>() * 0.5;
    (l10, ln)
}

/// Construct correlations implied by a recursive structural model: `paths[(from, to)]`
/// the standardized coefficients, `v` the construct correlation matrix (its exogenous
/// block is kept, disturbance variances are `1 - Σ b v`); the diagonal is set to 1.
///
/// ```
/// use nalgebra::DMatrix;
/// # use csi::spec::{ConstructSpec, Model};
/// // A -> B -> C: the implied cor(A, C) is the product of the two paths
/// let model = Model::from_parts("chain",
///     vec![ConstructSpec::new("A", &["a"]), ConstructSpec::new("B", &["b"]), ConstructSpec::new("C", &["c"])],
///     &[("A", "B"), ("B", "C")])?;
/// let mut paths = DMatrix::zeros(3, 3);
/// paths[(0, 1)] = 0.5;
/// paths[(1, 2)] = 0.4;
/// let v = DMatrix::from_row_slice(3, 3, &[1.0, 0.5, 0.3, 0.5, 1.0, 0.4, 0.3, 0.4, 1.0]);
/// let imp = csi::model_fit::implied_construct_correlations(&model, &paths, &v);
/// assert!((imp[(0, 2)] - 0.2).abs() < 1e-12);
/// assert!((imp[(0, 1)] - 0.5).abs() < 1e-12);
/// # Ok::<(), csi::Error>(())
/// ```
pub fn implied_construct_correlations(
    model: &Model,
    paths: &DMatrix<f64>,
    v: &DMatrix<f64>,
) -> DMatrix<f64> {
    let q = model.n_constructs();
    let mut psi = DMatrix::zeros(q, q);
    for a in 0..q {
        if model.is_endogenous(a) {
            let explained: f64 = model
                .predecessors(a)
                .iter()
                .map(|&i| paths[(i, a)] * v[(i, a)])
                .sum();
            psi[(a, a)] = 1.0 - explained;
        } else {
            for b in 0..q {
                if !model.is_endogenous(b) {
                    psi[(a, b)] = v[(a, b)];
                }
            }
        }
    }
    // A = (I - B)^-1 with B[to, from] = paths[(from, to)]: A = I + total'
    let total = crate::estimate::total_effects(paths);
    let a = DMatrix::<f64>::identity(q, q) + total.transpose();
    let mut out = &a * psi * a.transpose();
    for i in 0..q {
        out[(i, i)] = 1.0;
        for j in 0..i {
            let m = 0.5 * (out[(i, j)] + out[(j, i)]);
            out[(i, j)] = m;
            out[(j, i)] = m;
        }
    }
    out
}

/// Indicator correlations implied by loadings `lambda` (one per item, on its own
/// construct), construct correlations `v`, error variances `1 - λ²`, with the
/// within-block correlations of the blocks marked in `composite`, and those of the
/// item pairs with a declared residual covariance ([`Model::covariances`]), taken
/// from `r` (as cSEM's `fit()` does for correlated measurement errors).
pub fn implied_indicator_correlations(
    model: &Model,
    r: &DMatrix<f64>,
    lambda: &[f64],
    v: &DMatrix<f64>,
    composite: &[bool],
) -> DMatrix<f64> {
    let p = model.n_items();
    DMatrix::from_fn(p, p, |k, l| {
        if k == l {
            return 1.0;
        }
        let (a, b) = (model.items[k].construct, model.items[l].construct);
        let free = model.covariances.contains(&(k.min(l), k.max(l)));
        if (a == b && composite[a]) || free {
            r[(k, l)]
        } else {
            lambda[k] * lambda[l] * v[(a, b)]
        }
    })
}

/// Model fit of a PLS solution: composite model for every block (Mode A and B).
///
/// # Errors
/// None today; the `Result` leaves room for checks of the inputs.
pub fn pls(model: &Model, m: &Moments, fit: &PlsFit) -> Result<ModelFit> {
    let composite = vec![true; model.n_constructs()];
    Ok(from_parts(
        model,
        &m.correlation(),
        &fit.loadings,
        &fit.lv_cor,
        &fit.paths,
        &composite,
        ImpliedModel::Composite,
    ))
}

/// Model fit of a PLSc solution: Mode A blocks with more than one item are common
/// factors (consistent loadings, disattenuated correlations), Mode B blocks composites.
///
/// # Errors
/// None today.
pub fn plsc(model: &Model, m: &Moments, c: &PlscFit) -> Result<ModelFit> {
    let composite: Vec<bool> = model
        .constructs
        .iter()
        .map(|k| k.mode == Mode::B || k.items.len() == 1)
        .collect();
    Ok(from_parts(
        model,
        &m.correlation(),
        &c.loadings,
        &c.lv_cor,
        &c.paths,
        &composite,
        ImpliedModel::CommonFactor,
    ))
}

fn from_parts(
    model: &Model,
    r: &DMatrix<f64>,
    lambda: &[f64],
    v_sat: &DMatrix<f64>,
    paths: &DMatrix<f64>,
    composite: &[bool],
    implied: ImpliedModel,
) -> ModelFit {
    let sigma_saturated = implied_indicator_correlations(model, r, lambda, v_sat, composite);
    let v_est = implied_construct_correlations(model, paths, v_sat);
    let sigma_estimated = implied_indicator_correlations(model, r, lambda, &v_est, composite);
    ModelFit {
        implied,
        saturated: discrepancy(r, &sigma_saturated),
        estimated: discrepancy(r, &sigma_estimated),
        sigma_saturated,
        sigma_estimated,
        test: None,
    }
}

/// The same measurement model with a fully recursive structural model (every
/// construct regressed on all constructs before it in the topological order): its
/// latent correlations are unrestricted, so it is the saturated model of CB-SEM.
///
/// # Errors
/// When the model cannot be rebuilt (not expected for a checked model).
///
/// ```
/// # use csi::spec::{ConstructSpec, Model};
/// let chain = Model::from_parts("chain",
///     vec![ConstructSpec::new("A", &["a1", "a2"]), ConstructSpec::new("B", &["b1", "b2"]),
///          ConstructSpec::new("C", &["c1", "c2"])],
///     &[("A", "B"), ("B", "C")])?;
/// let sat = csi::model_fit::saturated_structure(&chain)?;
/// assert_eq!(sat.paths.len(), 3); // A -> B, A -> C, B -> C
/// # Ok::<(), csi::Error>(())
/// ```
pub fn saturated_structure(model: &Model) -> Result<Model> {
    // first-order constructs only (no dimensions, the default HOC method)
    let specs: Vec<ConstructSpec> = (0..model.n_constructs())
        .map(|j| ConstructSpec {
            dimensions: Vec::new(),
            hoc_method: Default::default(),
            ..crate::estimate::interaction::construct_spec(model, j)
        })
        .collect();
    let order = model.topological_order();
    let mut paths: Vec<(String, String)> = Vec::new();
    for (t, &to) in order.iter().enumerate() {
        for &from in &order[..t] {
            paths.push((
                model.constructs[from].name.clone(),
                model.constructs[to].name.clone(),
            ));
        }
    }
    let mut sat = Model::build(&model.name, specs, &paths)
        .map_err(|i| FitError::SaturatedModel(i.to_string()))?;
    sat.items = model.items.clone();
    sat.covariances = model.covariances.clone();
    Ok(sat)
}

/// Model fit of a CB-SEM (ML) solution: the estimated model's Σ̂ is `f.implied`; the
/// saturated model is fitted by ML with [`saturated_structure`].
///
/// # Errors
/// When the saturated model cannot be estimated.
pub fn cbsem(model: &Model, m: &Moments, f: &CbsemFit) -> Result<ModelFit> {
    let r = m.correlation();
    let sat_model = saturated_structure(model)?;
    let sat = cbsem::estimate(&sat_model, m, &f.settings)?;
    let sigma_saturated = cov2cor(&sat.implied);
    let sigma_estimated = cov2cor(&f.implied);
    Ok(ModelFit {
        implied: ImpliedModel::MaximumLikelihood,
        saturated: discrepancy(&r, &sigma_saturated),
        estimated: discrepancy(&r, &sigma_estimated),
        sigma_saturated,
        sigma_estimated,
        test: None,
    })
}

/// The estimator whose fit is tested, with the full-sample solution (a warm start).
#[derive(Debug, Clone, Copy)]
pub enum Estimator<'a> {
    /// PLS with these settings.
    Pls(&'a PlsSettings, &'a PlsFit),
    /// PLSc on a PLS fit with these settings.
    Plsc(&'a PlsSettings, &'a PlsFit),
    /// CB-SEM with these settings.
    Cbsem(&'a CbsemSettings, &'a CbsemFit),
}

/// Re-estimate on moments `m` and compute the distances of the saturated or the
/// estimated model (one bootstrap replicate). CB-SEM fits only the model needed.
fn refit(
    model: &Model,
    m: &Moments,
    est: Estimator,
    saturated: bool,
) -> std::result::Result<Discrepancy, String> {
    if let Estimator::Cbsem(s, full) = est {
        let (which, start) = if saturated {
            (saturated_structure(model).map_err(|e| e.to_string())?, None)
        } else {
            (model.clone(), Some(full.params.as_slice()))
        };
        let f = cbsem::estimate_from(&which, m, s, start).map_err(|e| e.to_string())?;
        if !f.converged {
            return Err("CB-SEM did not converge".into());
        }
        if !f.is_admissible() {
            return Err("inadmissible CB-SEM solution".into());
        }
        return Ok(discrepancy(&m.correlation(), &cov2cor(&f.implied)));
    }
    let mf = refit_composite(model, m, est)?;
    Ok(if saturated {
        mf.saturated
    } else {
        mf.estimated
    })
}

/// The PLS solution of a resample, warm-started from the full-sample weights; not
/// converging is a failure of the resample.
fn converged_pls(
    model: &Model,
    m: &Moments,
    s: &PlsSettings,
    full: &PlsFit,
) -> std::result::Result<PlsFit, String> {
    let fit =
        pls::estimate_resample(model, m, s, Some(&full.weights)).map_err(|e| e.to_string())?;
    if !fit.converged {
        return Err(format!(
            "PLS not converged in {} iterations",
            fit.iterations
        ));
    }
    Ok(fit)
}

fn refit_composite(
    model: &Model,
    m: &Moments,
    est: Estimator,
) -> std::result::Result<ModelFit, String> {
    match est {
        Estimator::Pls(s, full) => {
            let fit = converged_pls(model, m, s, full)?;
            pls(model, m, &fit).map_err(|e| e.to_string())
        }
        Estimator::Plsc(s, full) => {
            let fit = converged_pls(model, m, s, full)?;
            let c = plsc::correct(model, m, &fit).map_err(|e| e.to_string())?;
            if !c.is_admissible() {
                return Err("inadmissible PLSc solution".into());
            }
            plsc(model, m, &c).map_err(|e| e.to_string())
        }
        Estimator::Cbsem(..) => Err("internal: CB-SEM is refitted in refit".into()),
    }
}

/// Symmetric square root (and inverse square root) of a symmetric positive definite
/// matrix, None when it is not positive definite.
fn sqrt_pd(a: &DMatrix<f64>, inverse: bool) -> Option<DMatrix<f64>> {
    let sym = (a + a.transpose()) * 0.5;
    let eig = sym.symmetric_eigen();
    if eig.eigenvalues.iter().any(|v| !(*v > 0.0)) {
        return None;
    }
    let d = DMatrix::from_diagonal(&eig.eigenvalues.map(|v| {
        if inverse {
            1.0 / v.sqrt()
        } else {
            v.sqrt()
        }
    }));
    Some(&eig.eigenvectors * d * eig.eigenvectors.transpose())
}

/// The Beran-Srivastava transformation of complete data: the returned data have the
/// same means and standard deviations (with the data's sampling weights) and the
/// correlation matrix `sigma` exactly. None when the data's correlation matrix or
/// `sigma` is not positive definite.
///
/// ```
/// use nalgebra::DMatrix;
/// # use csi::data::Complete;
/// let x = DMatrix::from_row_slice(5, 2, &[1.0, 2.0, 2.0, 1.0, 3.0, 5.0, 4.0, 3.0, 5.0, 4.0]);
/// let data = Complete { x, rows: (2..7).collect(), weights: None, kept: (0..5).collect(), em: None, design: None };
/// let target = DMatrix::from_row_slice(2, 2, &[1.0, 0.2, 0.2, 1.0]);
/// let t = csi::model_fit::beran_srivastava(&data, &target).unwrap();
/// let m = csi::moments::Moments::from_data(&t.x, None)?;
/// assert!((m.correlation()[(0, 1)] - 0.2).abs() < 1e-12);
/// # Ok::<(), csi::Error>(())
/// ```
pub fn beran_srivastava(data: &Complete, sigma: &DMatrix<f64>) -> Option<Complete> {
    let m = Moments::from_data(&data.x, data.weights.as_deref()).ok()?;
    let r = m.correlation();
    let sd = m.pop_sd();
    if sd.iter().any(|v| !(*v > 0.0)) {
        return None;
    }
    let t = sqrt_pd(&r, true)? * sqrt_pd(&cov2cor(sigma), false)?;
    let (n, p) = data.x.shape();
    let z = DMatrix::from_fn(n, p, |i, j| (data.x[(i, j)] - m.means[j]) / sd[j]);
    let zt = z * t;
    let x = DMatrix::from_fn(n, p, |i, j| zt[(i, j)] * sd[j] + m.means[j]);
    Some(Complete {
        x,
        rows: data.rows.clone(),
        weights: data.weights.clone(),
        kept: data.kept.clone(),
        // the transformed data are complete: resamples take their moments directly
        em: None,
        design: data.design.clone(),
    })
}

/// The bootstrap test of exact fit (see the module docs) of the saturated and the
/// estimated model, with `opts.resamples` resamples from `opts.seed` (the interval
/// settings of `opts` are not used). `full` is the full-sample [`ModelFit`] of `est`.
///
/// # Errors
/// Invalid options; [`Error::Interrupted`](crate::Error::Interrupted) when cancelled. A model whose Σ̂ is not
/// positive definite is not an error: its part is None with a reason in `problems`.
///
/// # Example
/// ```
/// use csi::bootstrap::BootstrapOptions;
/// use csi::estimate::pls::{estimate, PlsSettings};
/// use csi::model_fit::{self, Estimator};
/// use csi::moments::Moments;
/// # use csi::simulate::{Measurement, Population};
/// # use csi::spec::{ConstructSpec, Model};
/// # let model = Model::from_parts("toy",
/// #     vec![ConstructSpec::new("A", &["a1", "a2", "a3"]), ConstructSpec::new("B", &["b1", "b2", "b3"])],
/// #     &[("A", "B")])?;
/// # let pop = Population::new(&model, &[("A", "B", 0.5)], Measurement::Composite(0.5))?;
/// # let x = pop.draw_continuous(&model, 200, 1)?;
/// # let data = csi::data::Complete { x, rows: (2..202).collect(), weights: None, kept: (0..200).collect(), em: None, design: None };
/// let m = Moments::from_data(&data.x, None)?;
/// let settings = PlsSettings::default();
/// let fit = estimate(&model, &m, &settings)?;
/// let mf = model_fit::pls(&model, &m, &fit)?;
/// let opts = BootstrapOptions { resamples: 100, ..Default::default() };
/// let t = model_fit::exact_fit_test(&model, &data, Estimator::Pls(&settings, &fit), &mf, &opts, None)?;
/// let sat = t.saturated.unwrap();
/// assert!(sat.srmr.hi95 <= sat.srmr.hi99);
/// # Ok::<(), csi::Error>(())
/// ```
pub fn exact_fit_test(
    model: &Model,
    data: &Complete,
    est: Estimator,
    full: &ModelFit,
    opts: &BootstrapOptions,
    hooks: Option<&Hooks>,
) -> Result<FitTest> {
    let o = BootstrapOptions {
        ci: CiMethod::Percentile,
        ..*opts
    };
    o.check()?;
    let mut problems = Vec::new();
    let run = FitTestRun {
        model,
        data,
        est,
        full,
        opts: &o,
        hooks,
    };
    let saturated = run.test(true, &mut problems)?;
    let estimated = run.test(false, &mut problems)?;
    Ok(FitTest {
        seed: opts.seed,
        saturated,
        estimated,
        problems,
    })
}

/// The inputs of an exact-fit test.
struct FitTestRun<'a> {
    model: &'a Model,
    data: &'a Complete,
    est: Estimator<'a>,
    full: &'a ModelFit,
    /// The bootstrap options (percentile).
    opts: &'a BootstrapOptions,
    hooks: Option<&'a Hooks<'a>>,
}

impl FitTestRun<'_> {
    /// The test of the saturated or the estimated model: the discrepancies of the
    /// Beran-Srivastava transformed data's resamples and their quantiles (`None`, with
    /// a problem noted, when the implied matrix is not positive definite).
    fn test(&self, saturated: bool, problems: &mut Vec<String>) -> Result<Option<ExactFitTest>> {
        let (model, est, full) = (self.model, self.est, self.full);
        let (sigma, what) = if saturated {
            (&full.sigma_saturated, "saturated")
        } else {
            (&full.sigma_estimated, "estimated")
        };
        let Some(tdata) = beran_srivastava(self.data, sigma) else {
            problems.push(format!(
                "the {what} model's implied correlation matrix is not positive definite; its exact-fit test is not available"
            ));
            return Ok(None);
        };
        let keys: Vec<Stat> = Distance::ALL
            .iter()
            .map(|&measure| Stat::Discrepancy {
                estimated: !saturated,
                measure,
            })
            .collect();
        let d = if saturated {
            full.saturated
        } else {
            full.estimated
        };
        let estimates = vec![d.srmr, d.d_uls, d.d_g, d.d_g_ln];
        let stat = |m: &Moments, _jack: bool| -> std::result::Result<Vec<f64>, Failure> {
            let d = refit(model, m, est, saturated).map_err(Failure::new)?;
            Ok(vec![d.srmr, d.d_uls, d.d_g, d.d_g_ln])
        };
        let b = crate::bootstrap::resample(
            model, &tdata, keys, estimates, self.opts, self.hooks, &stat,
        )?;
        let ok = b.resamples - b.failed;
        if ok < MIN_OK_HI99 {
            problems.push(format!(
                "{ok} of {} resamples of the {what} model's exact-fit test succeeded; HI95 needs {MIN_OK_HI95} and HI99 {MIN_OK_HI99} (reported as null below that)",
                b.resamples
            ));
        }
        Ok(Some(ExactFitTest {
            resamples: b.resamples,
            failed: b.failed,
            failure_reasons: b.failure_reasons.clone(),
            srmr: upper_quantiles(&b.replicates, 0),
            d_uls: upper_quantiles(&b.replicates, 1),
            d_g: upper_quantiles(&b.replicates, 2),
            d_g_ln: upper_quantiles(&b.replicates, 3),
        }))
    }
}

/// HI95 and HI99 of column `c` of the replicates (the 95% and 99% quantiles of the
/// finite values; `NaN` with fewer than [`MIN_OK_HI95`] / [`MIN_OK_HI99`] of them).
fn upper_quantiles(replicates: &DMatrix<f64>, c: usize) -> Quantiles {
    let mut v: Vec<f64> = replicates
        .column(c)
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    v.sort_by(|a, b| a.total_cmp(b));
    let at = |prob: f64, min: usize| {
        if v.len() >= min {
            crate::bootstrap::quantile(&v, prob)
        } else {
            f64::NAN
        }
    };
    Quantiles {
        hi95: at(0.95, MIN_OK_HI95),
        hi99: at(0.99, MIN_OK_HI99),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{Measurement, Population};

    fn chain() -> Model {
        Model::from_parts(
            "chain",
            vec![
                ConstructSpec::new("A", &["a1", "a2", "a3"]),
                ConstructSpec::new("B", &["b1", "b2", "b3"]),
                ConstructSpec::new("C", &["c1", "c2", "c3"]),
            ],
            &[("A", "B"), ("B", "C")],
        )
        .unwrap()
    }

    #[test]
    fn composite_population_fits_exactly() {
        // population correlations of the composite model the paths describe: both
        // the saturated and the estimated model reproduce them
        let model = chain();
        let pop = Population::new(
            &model,
            &[("A", "B", 0.5), ("B", "C", 0.4)],
            Measurement::Composite(0.5),
        )
        .unwrap();
        let m = Moments::from_cov(vec![0.0; 9], pop.sigma.clone(), 1000).unwrap();
        let fit = pls::estimate(
            &model,
            &m,
            &PlsSettings {
                tolerance: 1e-14,
                ..Default::default()
            },
        )
        .unwrap();
        let mf = pls(&model, &m, &fit).unwrap();
        assert!(mf.saturated.srmr < 1e-7, "{:?}", mf.saturated);
        assert!(mf.estimated.srmr < 1e-7, "{:?}", mf.estimated);
        assert!(mf.estimated.d_g < 1e-12);
    }

    #[test]
    fn omitted_path_shows_in_the_estimated_model_only() {
        // the population has A -> C (0.3) that the model leaves out
        let model = chain();
        let full = Model::from_parts(
            "full",
            vec![
                ConstructSpec::new("A", &["a1", "a2", "a3"]),
                ConstructSpec::new("B", &["b1", "b2", "b3"]),
                ConstructSpec::new("C", &["c1", "c2", "c3"]),
            ],
            &[("A", "B"), ("B", "C"), ("A", "C")],
        )
        .unwrap();
        let pop = Population::new(
            &full,
            &[("A", "B", 0.5), ("B", "C", 0.2), ("A", "C", 0.4)],
            Measurement::CommonFactor(0.8),
        )
        .unwrap();
        let m = Moments::from_cov(vec![0.0; 9], pop.sigma.clone(), 1000).unwrap();
        let c = plsc::estimate(&model, &m, &PlsSettings::default()).unwrap();
        let mf = plsc(&model, &m, &c).unwrap();
        assert!(mf.saturated.srmr < 1e-6, "{:?}", mf.saturated);
        assert!(mf.estimated.srmr > 0.02, "{:?}", mf.estimated);
        // d_G with natural logs is (ln 10)² times the base-10 one
        let f = std::f64::consts::LN_10.powi(2);
        assert!((mf.estimated.d_g_ln - f * mf.estimated.d_g).abs() < 1e-12);
    }

    #[test]
    fn saturated_structure_is_fully_recursive() {
        let model = chain();
        let sat = saturated_structure(&model).unwrap();
        assert_eq!(sat.paths.len(), 3);
        assert_eq!(sat.items, model.items);
    }
}
