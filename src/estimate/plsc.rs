//! Consistent PLS (PLSc; Dijkstra and Henseler 2015).
//!
//! PLS composites of reflective (Mode A) blocks contain measurement error, so their
//! correlations understate the correlations of the common factors and PLS loadings
//! overstate the factor loadings. PLSc corrects both from the PLS weights, using the
//! reliability rho_A of each composite; Mode B blocks and single items are left as
//! composites (rho_A = 1).
//!
//! # Formulas (block j, R_j the correlation matrix of its items)
//! ```text
//! w_j      PLS weights for standardized items, scaled so that w_j' R_j w_j = 1
//! c_j²     = w_j'(R_j - diag R_j) w_j / w_j'(w_j w_j' - diag(w_j w_j')) w_j
//! rho_A,j  = (w_j'w_j)² c_j²                               (1 for Mode B and single items)
//! λ*_j     = c_j w_j = w_j sqrt(rho_A,j) / (w_j'w_j)       consistent loadings (Mode A)
//! φ*_ij    = φ_ij / sqrt(rho_A,i rho_A,j)                   consistent construct correlations
//! paths    OLS of each endogenous construct on its predecessors, from φ*:
//!          b_j = Φ*_pp^-1 φ*_pj,  R²_j = b_j' φ*_pj,  total effects = Σ_k B^k
//! ```
//! With collinear constructs the corrected correlations can exceed 1 and the corrected
//! matrix need not be positive definite; the results are then returned with
//! [`Diagnostic`]s (see [`admissibility`](super::admissibility)) rather than refused.
//!
//! # Example
//! ```
//! use csi::estimate::{pls::PlsSettings, plsc};
//! use csi::moments::Moments;
//! use csi::spec::{ConstructSpec, Model};
//! use nalgebra::DMatrix;
//!
//! // population correlations of two factors (r = 0.5), loadings 0.8, 0.7, 0.6 each
//! let model = Model::from_parts("toy",
//!     vec![ConstructSpec::new("A", &["a1", "a2", "a3"]), ConstructSpec::new("B", &["b1", "b2", "b3"])],
//!     &[("A", "B")])?;
//! let l = [0.8, 0.7, 0.6];
//! let r = DMatrix::from_fn(6, 6, |i, j| {
//!     if i == j { 1.0 } else { l[i % 3] * l[j % 3] * if i / 3 == j / 3 { 1.0 } else { 0.5 } }
//! });
//! let m = Moments::from_cov(vec![0.0; 6], r, 1000)?;
//! let fit = plsc::estimate(&model, &m, &PlsSettings::default())?;
//! // PLSc recovers the factor correlation and loadings exactly from population moments
//! assert!((fit.paths[(0, 1)] - 0.5).abs() < 1e-6);
//! assert!((fit.loadings[0] - 0.8).abs() < 1e-6);
//! assert!(fit.is_admissible());
//! # Ok::<(), csi::Error>(())
//! ```
//!
//! # References
//! * Dijkstra, T. K., Henseler, J. (2015). Consistent partial least squares path
//!   modeling. *MIS Quarterly* 39(2), 297-316.
//! * Dijkstra, T. K., Henseler, J. (2015). Consistent and asymptotically normal PLS
//!   estimators for linear structural equations. *CSDA* 81, 10-23.

use crate::error::Result;
use crate::estimate::admissibility::{self, correlation_checks, Diagnostic, DiagnosticKind};
use crate::estimate::pls::{self, PlsFit, PlsSettings};
use crate::estimate::{Convergence, Estimator, EstimatorKind, FitError, Fitted, Resample};
use crate::moments::Moments;
use crate::spec::{Mode, Model};
use nalgebra::{DMatrix, DVector};

/// A consistent-PLS solution (all quantities on the standardized scale).
#[derive(Debug, Clone)]
pub struct PlscFit {
    /// Respondents.
    pub n: usize,
    /// Construct names (model order).
    pub constructs: Vec<String>,
    /// Item names (model order).
    pub items: Vec<String>,
    /// Did the underlying PLS iteration converge.
    pub pls_converged: bool,
    /// PLS iterations.
    pub pls_iterations: usize,
    /// rho_A per construct (1 for Mode B and single items).
    pub rho_a: Vec<f64>,
    /// PLS weights for standardized items, scaled so that each composite has variance 1.
    pub weights: Vec<f64>,
    /// Consistent loadings (Mode A blocks); PLS loadings for Mode B blocks.
    pub loadings: Vec<f64>,
    /// Consistent construct correlations φ*.
    pub lv_cor: DMatrix<f64>,
    /// Path coefficients, `paths[(from, to)]`.
    pub paths: DMatrix<f64>,
    /// R² per construct (None for exogenous).
    pub r2: Vec<Option<f64>>,
    /// Adjusted R².
    pub r2_adj: Vec<Option<f64>>,
    /// Total effects, `total[(from, to)]`.
    pub total: DMatrix<f64>,
    /// Admissibility diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// The PLS solution that was corrected.
    pub pls: PlsFit,
}

impl PlscFit {
    /// The coefficient of the path `from -> to`, if the model has it.
    pub fn path(&self, model: &Model, from: usize, to: usize) -> Option<f64> {
        model
            .paths
            .contains(&(from, to))
            .then(|| self.paths[(from, to)])
    }

    /// True when no diagnostic makes the solution inadmissible.
    pub fn is_admissible(&self) -> bool {
        admissibility::is_admissible(&self.diagnostics)
    }
}

/// Consistent PLS as an [`Estimator`]: the PLS settings of the underlying fit.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Plsc {
    /// Settings of the PLS fit that is corrected.
    pub pls: PlsSettings,
}

impl PlscFit {
    /// How the underlying PLS iteration ended.
    pub fn convergence(&self) -> Convergence {
        self.pls.convergence()
    }
}

impl Estimator for Plsc {
    type Fit = PlscFit;

    fn kind(&self) -> EstimatorKind {
        EstimatorKind::Plsc
    }

    fn fit(&self, model: &Model, m: &Moments, start: Option<&PlscFit>) -> Result<PlscFit> {
        let fit = self.pls.fit(model, m, start.map(|s| &s.pls))?;
        correct(model, m, &fit)
    }

    /// PLS on the resample (warm start and sign alignment as for PLS), then the
    /// correction; an inadmissible corrected solution fails the resample.
    fn fit_resample(
        &self,
        model: &Model,
        m: &Moments,
        full: &PlscFit,
        how: Resample,
    ) -> Result<PlscFit> {
        let fit = self.pls.fit_resample(model, m, &full.pls, how)?;
        let c = correct(model, m, &fit)?;
        if !how.jackknife {
            if let Some(kind) = self.view(&c).inadmissible() {
                return Err(FitError::Inadmissible {
                    estimator: EstimatorKind::Plsc,
                    kind,
                }
                .into());
            }
        }
        Ok(c)
    }

    fn view<'a>(&self, fit: &'a PlscFit) -> Fitted<'a> {
        Fitted {
            kind: EstimatorKind::Plsc,
            paths: &fit.paths,
            loadings: &fit.loadings,
            weights: Some(&fit.weights),
            total: &fit.total,
            r2: &fit.r2,
            convergence: fit.convergence(),
            diagnostics: &fit.diagnostics,
            composite: Some(&fit.pls),
        }
    }
}

/// Fit PLS with `settings`, then apply the consistency correction ([`correct`]).
///
/// # Errors
/// Those of [`pls::estimate`] and [`correct`].
pub fn estimate(model: &Model, m: &Moments, settings: &PlsSettings) -> Result<PlscFit> {
    let fit = pls::estimate(model, m, settings)?;
    correct(model, m, &fit)
}

/// rho_A of each construct from a PLS fit (1 for Mode B and single items), with the
/// standardized, unit-variance weights it uses: `(rho_a per construct, weights per
/// item)`. See [`correct`] for an example.
pub fn rho_a(model: &Model, m: &Moments, fit: &PlsFit) -> (Vec<f64>, Vec<f64>) {
    let r = m.correlation();
    let w = crate::quality::unit_variance_weights(model, &r, m, fit);
    let rho = model
        .constructs
        .iter()
        .map(|c| {
            if c.mode == Mode::B {
                1.0
            } else {
                crate::quality::rho_a_block(&r, &c.items, &w)
            }
        })
        .collect();
    (rho, w)
}

/// The consistency correction of a PLS fit (see the module docs for the formulas).
///
/// ```
/// # use csi::spec::{Model, ConstructSpec};
/// # use csi::moments::Moments;
/// # use nalgebra::DMatrix;
/// use csi::estimate::{pls, plsc};
/// # let model = Model::from_parts("toy",
/// #     vec![ConstructSpec::new("A", &["a1", "a2", "a3"]), ConstructSpec::new("B", &["b1", "b2"])],
/// #     &[("A", "B")])?;
/// # let x = DMatrix::from_row_slice(6, 5, &[
/// #     1., 2., 1., 2., 1.,  2., 2., 3., 2., 3.,  3., 4., 3., 5., 4.,
/// #     4., 3., 5., 4., 4.,  5., 5., 4., 4., 5.,  2., 1., 2., 1., 2.]);
/// let m = Moments::from_data(&x, None)?;
/// let pls_fit = pls::estimate(&model, &m, &pls::PlsSettings::default())?;
/// let fit = plsc::correct(&model, &m, &pls_fit)?;
/// // the corrected correlation is the PLS one divided by sqrt(rho_A,A rho_A,B)
/// let want = pls_fit.lv_cor[(0, 1)] / (fit.rho_a[0] * fit.rho_a[1]).sqrt();
/// assert!((fit.lv_cor[(0, 1)] - want).abs() < 1e-12);
/// // rho_A is the quality module's
/// let q = csi::quality::assess(&model, &m, &pls_fit);
/// assert!((fit.rho_a[0] - q.constructs[0].rho_a).abs() < 1e-12);
/// # Ok::<(), csi::Error>(())
/// ```
///
/// The fit's composites are used whatever its indicator treatment; PLSc as published
/// uses standardized indicators ([`pls::Indicators::Standardized`], the default).
///
/// # Errors
/// [`Error::Fit`] when the fit does not belong to the model. Inadmissible
/// results are not errors: see [`PlscFit::diagnostics`].
pub fn correct(model: &Model, m: &Moments, fit: &PlsFit) -> Result<PlscFit> {
    let p = model.n_items();
    let q = model.n_constructs();
    if fit.weights.len() != p || fit.lv_cor.nrows() != q || m.p() != p {
        return Err(crate::estimate::FitError::Mismatch.into());
    }
    let cname = |j: usize| model.constructs[j].name.clone();
    let (rho, w) = rho_a(model, m, fit);
    let mut diagnostics = rho_a_diagnostics(model, &rho);
    let loadings = consistent_loadings(model, fit, &rho, &w);
    // consistent construct correlations
    let lv_cor = DMatrix::from_fn(q, q, |a, b| {
        if a == b {
            1.0
        } else {
            fit.lv_cor[(a, b)] / (rho[a] * rho[b]).sqrt()
        }
    });
    let (paths, r2, r2_adj, total) = structural(model, &lv_cor, m.n);
    let names: Vec<String> = (0..q).map(cname).collect();
    diagnostics.extend(admissibility_diagnostics(
        model, &loadings, &lv_cor, &paths, &r2, &names,
    ));
    Ok(PlscFit {
        n: m.n,
        constructs: names,
        items: model.items.iter().map(|i| i.name.clone()).collect(),
        pls_converged: fit.converged,
        pls_iterations: fit.iterations,
        rho_a: rho,
        weights: w,
        loadings,
        lv_cor,
        paths,
        r2,
        r2_adj,
        total,
        diagnostics,
        pls: fit.clone(),
    })
}

/// rho_A above 1, or not positive (the correction is undefined).
fn rho_a_diagnostics(model: &Model, rho: &[f64]) -> Vec<Diagnostic> {
    let cname = |j: usize| model.constructs[j].name.clone();
    let mut diagnostics = Vec::new();
    for (j, r) in rho.iter().enumerate() {
        if *r > 1.0 {
            diagnostics.push(Diagnostic::new(
                DiagnosticKind::RhoAAboveOne,
                vec![cname(j)],
                *r,
                format!(
                    "rho_A of {} is {r:.3}, above 1: its items do not behave as measures of one common factor (check for a reversed or unrelated item)",
                    cname(j)
                ),
            ));
        } else if r.is_nan() || *r <= 0.0 {
            diagnostics.push(Diagnostic::new(
                DiagnosticKind::RhoANotPositive,
                vec![cname(j)],
                *r,
                format!(
                    "rho_A of {} is {r:.3}: its items are not positively correlated, so the consistency correction is undefined for it",
                    cname(j)
                ),
            ));
        }
    }
    diagnostics
}

/// Consistent loadings of multi-item mode A blocks: sqrt(rho_A) w / (w'w).
fn consistent_loadings(model: &Model, fit: &PlsFit, rho: &[f64], w: &[f64]) -> Vec<f64> {
    let mut loadings = fit.loadings.clone();
    for (j, c) in model.constructs.iter().enumerate() {
        if c.mode == Mode::A && c.items.len() > 1 {
            let ww: f64 = c.items.iter().map(|&a| w[a] * w[a]).sum();
            let cj = rho[j].sqrt() / ww;
            for &a in &c.items {
                loadings[a] = cj * w[a];
            }
        }
    }
    loadings
}

/// Loadings and paths above 1, latent correlations out of range, negative disturbance
/// variances.
fn admissibility_diagnostics(
    model: &Model,
    loadings: &[f64],
    lv_cor: &DMatrix<f64>,
    paths: &DMatrix<f64>,
    r2: &[Option<f64>],
    names: &[String],
) -> Vec<Diagnostic> {
    let cname = |j: usize| model.constructs[j].name.clone();
    let mut diagnostics = Vec::new();
    for (k, l) in loadings.iter().enumerate() {
        if l.abs() > 1.0 {
            diagnostics.push(admissibility::loading_above_one(
                &cname(model.items[k].construct),
                &model.items[k].name,
                *l,
            ));
        }
    }
    diagnostics.extend(correlation_checks(names, lv_cor));
    for &(from, to) in &model.paths {
        let v = paths[(from, to)];
        if v.abs() > 1.0 || !v.is_finite() {
            diagnostics.push(admissibility::path_above_one(&cname(from), &cname(to), v));
        }
    }
    for (j, r) in r2.iter().enumerate() {
        if let Some(v) = *r {
            if !(0.0..=1.0).contains(&v) {
                let mut involved = vec![cname(j)];
                involved.extend(model.predecessors(j).iter().map(|&i| cname(i)));
                diagnostics.push(Diagnostic::new(
                    DiagnosticKind::NegativeVariance,
                    involved,
                    1.0 - v,
                    format!(
                        "R² of {} is {v:.3}: its disturbance would have a negative variance ({:.3}), because its predecessors' corrected correlations are impossible",
                        cname(j),
                        1.0 - v
                    ),
                ));
            }
        }
    }
    diagnostics
}

type Structural = (
    DMatrix<f64>,
    Vec<Option<f64>>,
    Vec<Option<f64>>,
    DMatrix<f64>,
);

/// OLS on the corrected correlations: [`pls::inner_model`] when every predecessor
/// matrix is positive definite, else an LU solve (the same normal equations) so that
/// impossible correlations still give numbers to diagnose.
fn structural(model: &Model, phi: &DMatrix<f64>, n: usize) -> Structural {
    if phi.iter().all(|v| v.is_finite()) {
        if let Ok(inner) = pls::inner_model(model, phi, n) {
            return (inner.paths, inner.r2, inner.r2_adj, inner.total);
        }
    }
    let q = model.n_constructs();
    let nf = n as f64;
    let mut paths = DMatrix::zeros(q, q);
    let mut r2 = vec![None; q];
    let mut r2_adj = vec![None; q];
    for j in 0..q {
        let pred = model.predecessors(j);
        if pred.is_empty() {
            continue;
        }
        let k = pred.len();
        let spp = DMatrix::from_fn(k, k, |a, b| phi[(pred[a], pred[b])]);
        let spj = DVector::from_fn(k, |a, _| phi[(pred[a], j)]);
        let b = spp
            .lu()
            .solve(&spj)
            .unwrap_or_else(|| DVector::from_element(k, f64::NAN));
        let rsq = b.dot(&spj);
        r2[j] = Some(rsq);
        r2_adj[j] = Some(1.0 - (1.0 - rsq) * (nf - 1.0) / (nf - k as f64 - 1.0));
        for (a, &i) in pred.iter().enumerate() {
            paths[(i, j)] = b[a];
        }
    }
    let total = crate::estimate::total_effects(&paths);
    (paths, r2, r2_adj, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::ConstructSpec;

    #[test]
    fn collinear_factors_are_flagged() {
        // A and B correlate 0.99 as factors; C depends on both
        let model = Model::from_parts(
            "toy",
            vec![
                ConstructSpec::new("A", &["a1", "a2", "a3"]),
                ConstructSpec::new("B", &["b1", "b2", "b3"]),
                ConstructSpec::new("C", &["c1", "c2", "c3"]),
            ],
            &[("A", "C"), ("B", "C")],
        )
        .unwrap();
        let fc = DMatrix::from_row_slice(3, 3, &[1.0, 0.99, 0.7, 0.99, 1.0, 0.6, 0.7, 0.6, 1.0]);
        let l = 0.7;
        let r = DMatrix::from_fn(9, 9, |i, j| {
            if i == j {
                1.0
            } else {
                l * l * fc[(i / 3, j / 3)]
            }
        });
        let m = Moments::from_cov(vec![0.0; 9], r, 500).unwrap();
        let fit = estimate(&model, &m, &PlsSettings::default()).unwrap();
        assert!((fit.lv_cor[(0, 1)] - 0.99).abs() < 1e-6);
        assert!(fit
            .diagnostics
            .iter()
            .any(|d| d.kind == DiagnosticKind::NearCollinear
                && d.involves("A")
                && d.involves("B")));
        // 0.7 - 0.99*0.6 ... paths are far beyond 1
        assert!(fit.paths[(0, 2)].abs() > 1.0);
        assert!(!fit.is_admissible());
    }
}
