//! The solution of a CB-SEM fit: the parameter table with standard errors (expected
//! information; delta method for the standardized values), the standardized
//! matrices, R², the fit indices and the admissibility diagnostics.

use super::fit_indices::{self, FitIndices};
use super::lisrel::{self, Eval, Free, Lisrel};
use super::{CbsemFit, CbsemSettings, MlObjective, ParamKind, Parameter};
use crate::error::Result;
use crate::estimate::admissibility::{
    self, correlation_checks, Diagnostic, DiagnosticKind, HUGE_STD_SE,
};
use crate::moments::Moments;
use crate::spec::Model;
use nalgebra::DMatrix;
use statrs::distribution::{ContinuousCDF, Normal};

/// Where a parameter-table row lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Loc {
    Lambda(usize, usize),
    Beta(usize, usize),
    Psi(usize, usize),
    Theta(usize),
    ThetaCov(usize, usize),
}

impl From<Free> for Loc {
    fn from(f: Free) -> Loc {
        match f {
            Free::Lambda { item, lv } => Loc::Lambda(item, lv),
            Free::Beta { to, from } => Loc::Beta(to, from),
            Free::Psi { a, b } => Loc::Psi(a, b),
            Free::Theta { item } => Loc::Theta(item),
            Free::ThetaCov { a, b } => Loc::ThetaCov(a, b),
        }
    }
}

pub(super) fn row_name(model: &Model, loc: &Loc) -> String {
    let c = |j: usize| model.constructs[j].name.as_str();
    let i = |k: usize| model.items[k].name.as_str();
    match *loc {
        Loc::Lambda(k, j) => format!("{} =~ {}", c(j), i(k)),
        Loc::Beta(to, from) => format!("{} ~ {}", c(to), c(from)),
        Loc::Psi(a, b) => format!("{} ~~ {}", c(b.min(a)), c(a.max(b))),
        Loc::Theta(k) => format!("{} ~~ {}", i(k), i(k)),
        Loc::ThetaCov(a, b) => format!("{} ~~ {}", i(a), i(b)),
    }
}

fn value_at(loc: &Loc, m: &lisrel::Matrices) -> f64 {
    match *loc {
        Loc::Lambda(k, j) => m.lambda[(k, j)],
        Loc::Beta(to, from) => m.beta[(to, from)],
        Loc::Psi(a, b) => m.psi[(a, b)],
        Loc::Theta(k) => m.theta[k],
        Loc::ThetaCov(a, b) => m.theta_cov[(a, b)],
    }
}

/// (std.lv, std.all) of a row.
fn standardized(loc: &Loc, m: &lisrel::Matrices, imp: &lisrel::Implied) -> (f64, f64) {
    let phi = &imp.phi;
    let sig = &imp.sigma;
    match *loc {
        Loc::Lambda(k, j) => {
            let v = m.lambda[(k, j)] * phi[(j, j)].sqrt();
            (v, v / sig[(k, k)].sqrt())
        }
        Loc::Beta(to, from) => {
            let v = m.beta[(to, from)] * (phi[(from, from)] / phi[(to, to)]).sqrt();
            (v, v)
        }
        Loc::Psi(a, b) => {
            let v = m.psi[(a, b)] / (phi[(a, a)] * phi[(b, b)]).sqrt();
            (v, v)
        }
        Loc::Theta(k) => (m.theta[k], m.theta[k] / sig[(k, k)]),
        // lavaan: a residual covariance is standardized by the residual variances
        // (a residual correlation), in std.all only
        Loc::ThetaCov(a, b) => {
            let v = m.theta_cov[(a, b)];
            (v, v / (m.theta[a] * m.theta[b]).sqrt())
        }
    }
}

fn table_rows(model: &Model, lis: &Lisrel) -> Vec<(ParamKind, Loc)> {
    let mut rows = Vec::new();
    for (j, c) in model.constructs.iter().enumerate() {
        for &k in &c.items {
            rows.push((ParamKind::Loading, Loc::Lambda(k, j)));
        }
    }
    for &(from, to) in &model.paths {
        rows.push((ParamKind::Path, Loc::Beta(to, from)));
    }
    for k in 0..lis.p {
        rows.push((ParamKind::ErrorVariance, Loc::Theta(k)));
    }
    for &(a, b) in &model.covariances {
        rows.push((ParamKind::ErrorCovariance, Loc::ThetaCov(a, b)));
    }
    for j in 0..lis.q {
        let kind = if lis.exogenous[j] {
            ParamKind::LatentVariance
        } else {
            ParamKind::Disturbance
        };
        rows.push((kind, Loc::Psi(j, j)));
    }
    for a in 0..lis.q {
        for b in 0..a {
            if lis.exogenous[a] && lis.exogenous[b] {
                rows.push((ParamKind::LatentCovariance, Loc::Psi(a, b)));
            }
        }
    }
    rows
}

#[allow(clippy::too_many_arguments)]
pub(super) fn finish(
    model: &Model,
    m: &Moments,
    settings: &CbsemSettings,
    obj: &MlObjective,
    x: &[f64],
    e: Eval,
    converged: bool,
    iterations: usize,
    scoring_steps: usize,
    termination: String,
    max_gradient: f64,
) -> Result<CbsemFit> {
    let lis = &obj.lis;
    let (p, q) = (lis.p, lis.q);
    let n = m.n as f64;
    let mut diagnostics = Vec::new();
    let cname = |j: usize| model.constructs[j].name.clone();
    let iname = |i: usize| model.items[i].name.clone();
    if !converged {
        diagnostics.push(not_converged(
            max_gradient,
            iterations,
            scoring_steps,
            &termination,
        ));
    }
    let vcov = estimate_covariance(lis, &e, n, &mut diagnostics);
    let parameters = parameters_of(model, lis, &e, x, &vcov);
    // matrices and derived quantities
    let phi = &e.imp.phi;
    let sigma = &e.imp.sigma;
    let st = standardized_solution(model, lis, &e);
    let fit = fit_of(obj, &e, n);
    heywood_checks(
        model,
        lis,
        &e,
        &st.std_loadings,
        &st.std_paths,
        &mut diagnostics,
    );
    let names: Vec<String> = (0..q).map(cname).collect();
    if (0..q).all(|j| phi[(j, j)] > 0.0) {
        diagnostics.extend(correlation_checks(&names, &st.latent_cor));
    }
    huge_se_checks(&parameters, &mut diagnostics);
    Ok(CbsemFit {
        settings: *settings,
        n: m.n,
        constructs: names,
        items: (0..p).map(iname).collect(),
        converged,
        iterations,
        scoring_steps,
        termination,
        max_gradient,
        params: x.to_vec(),
        parameters,
        lambda: e.m.lambda.clone(),
        paths: e.m.beta.transpose(),
        psi: e.m.psi.clone(),
        theta: e.m.theta.clone(),
        theta_cov: e.m.theta_cov.clone(),
        latent_cov: phi.clone(),
        latent_cor: st.latent_cor,
        implied: sigma.clone(),
        std_loadings: st.std_loadings,
        std_paths: st.std_paths,
        std_total: st.std_total,
        r2: st.r2,
        item_r2: st.item_r2,
        fit,
        vcov,
        diagnostics,
    })
}

/// The parameter table: estimates, standard errors, standardized values.
fn parameters_of(
    model: &Model,
    lis: &Lisrel,
    e: &Eval,
    x: &[f64],
    vcov: &Option<DMatrix<f64>>,
) -> Vec<Parameter> {
    let rows = table_rows(model, lis);
    let locs: Vec<Loc> = lis.free.iter().map(|f| Loc::from(*f)).collect();
    let se_std = std_all_errors(lis, &rows, x, vcov);
    parameter_table(model, e, &rows, &locs, vcov, &se_std)
}

/// The fit indices of the solution.
fn fit_of(obj: &MlObjective, e: &Eval, n: f64) -> FitIndices {
    fit_indices::compute(&fit_indices::FitInput {
        s: &obj.s,
        sigma: &e.imp.sigma,
        sigma_inv: &e.sigma_inv,
        ln_det_s: obj.ln_det_s,
        fmin: e.f,
        n,
        npar: obj.lis.n_free(),
    })
}

/// The diagnostic of an estimation that did not converge.
fn not_converged(
    max_gradient: f64,
    iterations: usize,
    scoring_steps: usize,
    termination: &str,
) -> Diagnostic {
    Diagnostic::new(
        DiagnosticKind::NotConverged,
        Vec::new(),
        max_gradient,
        format!(
            "the ML estimation did not converge (largest gradient {max_gradient:.2e} after {iterations} L-BFGS iterations and {scoring_steps} scoring steps; {termination}): the estimates are not a maximum of the likelihood"
        ),
    )
}

/// The standardized solution: latent correlations, standardized paths, total effects
/// and loadings, R² of constructs and items.
struct Standardized {
    latent_cor: DMatrix<f64>,
    std_paths: DMatrix<f64>,
    std_total: DMatrix<f64>,
    std_loadings: Vec<f64>,
    r2: Vec<Option<f64>>,
    item_r2: Vec<f64>,
}

fn standardized_solution(model: &Model, lis: &Lisrel, e: &Eval) -> Standardized {
    let (p, q) = (lis.p, lis.q);
    let phi = &e.imp.phi;
    let sigma = &e.imp.sigma;
    let latent_cor = DMatrix::from_fn(q, q, |a, b| {
        if a == b {
            1.0
        } else {
            phi[(a, b)] / (phi[(a, a)] * phi[(b, b)]).sqrt()
        }
    });
    let std_paths = DMatrix::from_fn(q, q, |from, to| {
        let b = e.m.beta[(to, from)];
        if b == 0.0 {
            0.0
        } else {
            b * (phi[(from, from)] / phi[(to, to)]).sqrt()
        }
    });
    let std_total = crate::estimate::total_effects(&std_paths);
    let std_loadings: Vec<f64> = (0..p)
        .map(|i| {
            let j = model.items[i].construct;
            e.m.lambda[(i, j)] * (phi[(j, j)] / sigma[(i, i)]).sqrt()
        })
        .collect();
    let r2: Vec<Option<f64>> = (0..q)
        .map(|j| (!lis.exogenous[j]).then(|| 1.0 - e.m.psi[(j, j)] / phi[(j, j)]))
        .collect();
    let item_r2: Vec<f64> = (0..p).map(|i| 1.0 - e.m.theta[i] / sigma[(i, i)]).collect();
    Standardized {
        latent_cor,
        std_paths,
        std_total,
        std_loadings,
        r2,
        item_r2,
    }
}

/// The covariance of the estimates from the expected information (`None`, with a
/// diagnostic, when it is singular).
fn estimate_covariance(
    lis: &Lisrel,
    e: &Eval,
    n: f64,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<DMatrix<f64>> {
    let h = lis.expected_hessian(e);
    let info = &h * (n / 2.0);
    let vcov = invert_information(&info);
    if vcov.is_none() {
        diagnostics.push(Diagnostic::new(
            DiagnosticKind::NotIdentified,
            Vec::new(),
            f64::NAN,
            "the information matrix is singular: some parameters are not identified (too few items per construct, or a construct unrelated to the rest of the model); standard errors are not available".into(),
        ));
    }
    vcov
}

/// Delta-method standard errors of the standardized (std.all) value of each row of
/// the parameter table: `J V J'` with the Jacobian `J` by central differences.
fn std_all_errors(
    lis: &Lisrel,
    rows: &[(ParamKind, Loc)],
    x: &[f64],
    vcov: &Option<DMatrix<f64>>,
) -> Vec<Option<f64>> {
    let k = lis.n_free();
    let std_at = |xx: &[f64]| -> Option<Vec<f64>> {
        let mm = lis.matrices(xx);
        let imp = lis.implied(&mm)?;
        Some(
            rows.iter()
                .map(|(_, l)| standardized(l, &mm, &imp).1)
                .collect(),
        )
    };
    // delta method for std.all: J (rows x k) by central differences
    let se_std: Vec<Option<f64>> = match &vcov {
        Some(v) => {
            let mut jac = DMatrix::<f64>::zeros(rows.len(), k);
            let mut ok = true;
            for c in 0..k {
                let hstep = 1e-6 * (1.0 + x[c].abs());
                let (mut a, mut b) = (x.to_vec(), x.to_vec());
                a[c] += hstep;
                b[c] -= hstep;
                match (std_at(&a), std_at(&b)) {
                    (Some(fa), Some(fb)) => {
                        for r in 0..rows.len() {
                            jac[(r, c)] = (fa[r] - fb[r]) / (2.0 * hstep);
                        }
                    }
                    _ => ok = false,
                }
            }
            if ok {
                let jv = &jac * v;
                (0..rows.len())
                    .map(|r| {
                        let var = jv.row(r).dot(&jac.row(r));
                        (var.is_finite() && var >= 0.0).then(|| var.sqrt())
                    })
                    .collect()
            } else {
                vec![None; rows.len()]
            }
        }
        None => vec![None; rows.len()],
    };
    se_std
}

/// The parameter table: estimates, standard errors, z and p, standardized values.
fn parameter_table(
    model: &Model,
    e: &Eval,
    rows: &[(ParamKind, Loc)],
    locs: &[Loc],
    vcov: &Option<DMatrix<f64>>,
    se_std: &[Option<f64>],
) -> Vec<Parameter> {
    let cname = |j: usize| model.constructs[j].name.clone();
    let iname = |i: usize| model.items[i].name.clone();
    let normal = Normal::standard();
    let parameters: Vec<Parameter> = rows
        .iter()
        .zip(se_std)
        .map(|((kind, loc), sstd)| {
            let free_idx = locs.iter().position(|l| l == loc);
            let est = value_at(loc, &e.m);
            let (std_lv, std_all) = standardized(loc, &e.m, &e.imp);
            let se = match (&vcov, free_idx) {
                (Some(v), Some(i)) => {
                    let var = v[(i, i)];
                    (var.is_finite() && var >= 0.0).then(|| var.sqrt())
                }
                _ => None,
            };
            let z = se.map(|s| est / s);
            let pv = z.map(|z| 2.0 * normal.sf(z.abs()));
            let (lhs, op, rhs) = match *loc {
                Loc::Lambda(i, j) => (cname(j), "=~", iname(i)),
                Loc::Beta(to, from) => (cname(to), "~", cname(from)),
                Loc::Psi(a, b) => (cname(b.min(a)), "~~", cname(a.max(b))),
                Loc::Theta(i) => (iname(i), "~~", iname(i)),
                Loc::ThetaCov(a, b) => (iname(a), "~~", iname(b)),
            };
            Parameter {
                kind: *kind,
                lhs,
                op,
                rhs,
                free: free_idx.is_some(),
                est,
                se,
                z,
                p: pv,
                std_lv,
                std_all,
                se_std: if free_idx.is_some() || *kind == ParamKind::Loading {
                    *sstd
                } else {
                    None
                },
            }
        })
        .collect();
    parameters
}

/// Heywood cases: negative variances, residual correlations beyond ±1, standardized
/// loadings and paths beyond ±1.
fn heywood_checks(
    model: &Model,
    lis: &Lisrel,
    e: &Eval,
    std_loadings: &[f64],
    std_paths: &DMatrix<f64>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let q = lis.q;
    let cname = |j: usize| model.constructs[j].name.clone();
    let iname = |i: usize| model.items[i].name.clone();
    // admissibility
    for (i, t) in e.m.theta.iter().enumerate() {
        if *t < 0.0 {
            diagnostics.push(Diagnostic::new(
                DiagnosticKind::NegativeVariance,
                vec![cname(model.items[i].construct), iname(i)],
                *t,
                format!(
                    "the error variance of item {} is negative ({t:.4}), a Heywood case: the item is almost a copy of its construct, or the block has too few or too weak items",
                    iname(i)
                ),
            ));
        }
    }
    for &(a, b) in &model.covariances {
        let v = e.m.theta_cov[(a, b)];
        let r = v / (e.m.theta[a] * e.m.theta[b]).sqrt();
        if !(r.abs() <= 1.0) {
            diagnostics.push(Diagnostic::new(
                DiagnosticKind::CorrelationAboveOne,
                vec![iname(a), iname(b)],
                r,
                format!(
                    "the residual correlation of items {} and {} is {r:.3}, beyond ±1 (or their error variances are not positive): the error covariance matrix is impossible",
                    iname(a),
                    iname(b)
                ),
            ));
        }
    }
    for j in 0..q {
        let v = e.m.psi[(j, j)];
        if v < 0.0 {
            let what = if lis.exogenous[j] {
                "variance"
            } else {
                "disturbance variance"
            };
            diagnostics.push(Diagnostic::new(
                DiagnosticKind::NegativeVariance,
                vec![cname(j)],
                v,
                format!(
                    "the {what} of {} is negative ({v:.4}), a Heywood case: its predecessors explain more than all of it, usually because they are nearly collinear",
                    cname(j)
                ),
            ));
        }
    }
    for (i, l) in std_loadings.iter().enumerate() {
        if l.abs() > 1.0 {
            diagnostics.push(admissibility::loading_above_one(
                &cname(model.items[i].construct),
                &iname(i),
                *l,
            ));
        }
    }
    for &(from, to) in &model.paths {
        let v = std_paths[(from, to)];
        if v.abs() > 1.0 {
            diagnostics.push(admissibility::path_above_one(&cname(from), &cname(to), v));
        }
    }
}

/// Standardized paths and loadings with a huge standard error.
fn huge_se_checks(parameters: &[Parameter], diagnostics: &mut Vec<Diagnostic>) {
    for r in parameters {
        if matches!(r.kind, ParamKind::Path | ParamKind::Loading) {
            if let Some(s) = r.se_std {
                if s > HUGE_STD_SE {
                    let what = if r.kind == ParamKind::Path {
                        format!("path {} -> {}", r.rhs, r.lhs)
                    } else {
                        format!("loading of {} on {}", r.rhs, r.lhs)
                    };
                    let (a, b) = if r.kind == ParamKind::Path {
                        (r.rhs.clone(), r.lhs.clone())
                    } else {
                        (r.lhs.clone(), r.rhs.clone())
                    };
                    diagnostics.push(Diagnostic::new(
                        DiagnosticKind::HugeStandardError,
                        vec![a, b],
                        s,
                        format!(
                            "the standardized {what} ({:.3}) has a standard error of {s:.2}: the data do not determine it (the likelihood is flat in that direction, typically because the predecessors are nearly collinear)",
                            r.std_all
                        ),
                    ));
                }
            }
        }
    }
}

/// Inverse of a symmetric positive definite information matrix, None when singular.
fn invert_information(info: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    let k = info.nrows();
    // scale to unit diagonal for a meaningful singularity test
    let d: Vec<f64> = (0..k).map(|i| info[(i, i)]).collect();
    if d.iter().any(|v| !v.is_finite() || *v <= 0.0) {
        return None;
    }
    let sd: Vec<f64> = d.iter().map(|v| v.sqrt()).collect();
    let r = DMatrix::from_fn(k, k, |a, b| info[(a, b)] / (sd[a] * sd[b]));
    let ch = r.cholesky()?;
    let l = ch.l();
    if (0..k).any(|i| l[(i, i)] < crate::tol::SINGULAR.sqrt()) {
        return None;
    }
    let rinv = ch.inverse();
    Some(DMatrix::from_fn(k, k, |a, b| {
        rinv[(a, b)] / (sd[a] * sd[b])
    }))
}
