//! The paper tables of `csi fit --estimator plsc` and `--estimator cbsem` (the PLS ones
//! are in [`super::tables`]): the same [`Table`] model, written by `--tables DIR`.
//!
//! | estimator | ids |
//! |---|---|
//! | plsc | `plsc_paths` (PLSc beside PLS, bootstrap se/CI/p), `plsc_constructs` (rho_A, R²), `plsc_loadings` |
//! | cbsem | `cbsem_fit_indices`, `cbsem_paths` (standardized, unstandardized, ML se, z, p, bootstrap CI), `cbsem_loadings`, `cbsem_residual_covariances` (when the model has them), `cbsem_constructs` (R², index) |
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::table::{Cell, Table};
use super::{at, at_opt, cell, construct_name};
use crate::analysis::Analysis;
use crate::bootstrap::BootstrapResult;
use crate::estimate::cbsem::{CbsemFit, ParamKind};
use crate::estimate::plsc::PlscFit;
use crate::stat::Stat;

/// `FROM -> TO` of a path.
fn arrow(a: &Analysis, i: usize, j: usize) -> String {
    format!(
        "{} -> {}",
        construct_name(&a.model, i),
        construct_name(&a.model, j)
    )
}

/// The PLSc tables.
pub fn plsc_tables(a: &Analysis, c: &PlscFit, boot: Option<&BootstrapResult>) -> Vec<Table> {
    let m = &a.model;
    let mut paths = Table::new(
        "plsc_paths",
        "Path coefficients (consistent PLS)",
        &["path", "PLSc", "PLS", "boot se", "CI", "p"],
        1,
    );
    for &(i, j) in &m.paths {
        let st = boot.and_then(|b| b.stat(Stat::Path { from: i, to: j }));
        paths.push(vec![
            Cell::text(arrow(a, i, j)),
            Cell::num(cell(&c.paths, i, j), 3),
            Cell::num(cell(&a.fit.paths, i, j), 3),
            st.map_or(Cell::Empty, |x| Cell::num(x.se, 3)),
            st.map_or(Cell::Empty, |x| {
                Cell::text(super::text::interval(x.ci_low, x.ci_high, 3))
            }),
            st.map_or(Cell::Empty, |x| Cell::text(super::text::p_value(x.p))),
        ]);
    }
    let mut cons = Table::new(
        "plsc_constructs",
        "Constructs (consistent PLS)",
        &["construct", "rho_A", "R2", "R2 adj"],
        1,
    );
    for (j, con) in m.constructs.iter().enumerate() {
        cons.push(vec![
            Cell::text(&con.name),
            Cell::num(at(&c.rho_a, j), 3),
            Cell::opt(at_opt(&c.r2, j), 3, "-"),
            Cell::opt(at_opt(&c.r2_adj, j), 3, "-"),
        ]);
    }
    let mut load = Table::new(
        "plsc_loadings",
        "Consistent loadings",
        &["item", "construct", "PLSc loading", "PLS loading"],
        2,
    );
    for (k, it) in m.items.iter().enumerate() {
        load.push(vec![
            Cell::text(&it.name),
            Cell::text(construct_name(m, it.construct)),
            Cell::num(at(&c.loadings, k), 3),
            Cell::num(at(&a.fit.loadings, k), 3),
        ]);
    }
    vec![paths, cons, load]
}

/// `cbsem_fit_indices`: the ML fit indices.
fn fit_indices_table(f: &CbsemFit) -> Table {
    let fi = &f.fit;
    let mut ix = Table::new(
        "cbsem_fit_indices",
        "Fit indices (maximum likelihood)",
        &["index", "value"],
        1,
    );
    for (name, v, d) in [
        ("chi-square", fi.chisq, 3),
        ("df", fi.df, 0),
        ("p", fi.pvalue, 4),
        ("CFI", fi.cfi, 3),
        ("TLI", fi.tli, 3),
        ("RMSEA", fi.rmsea, 3),
        ("RMSEA 90% lower", fi.rmsea_ci_lower, 3),
        ("RMSEA 90% upper", fi.rmsea_ci_upper, 3),
        ("SRMR", fi.srmr, 3),
        ("AIC", fi.aic, 1),
        ("BIC", fi.bic, 1),
    ] {
        ix.push(vec![Cell::text(name), Cell::num(v, d)]);
    }
    ix
}

/// `cbsem_paths`: standardized and unstandardized paths, ML se, z, p and the
/// bootstrap interval.
fn cbsem_paths_table(a: &Analysis, f: &CbsemFit, boot: Option<&BootstrapResult>) -> Table {
    let mut paths = Table::new(
        "cbsem_paths",
        "Path coefficients (CB-SEM)",
        &["path", "std", "unstd", "ML se", "z", "p", "boot CI"],
        1,
    );
    for &(i, j) in &a.model.paths {
        let p = f.path(i, j);
        let st = boot.and_then(|b| b.stat(Stat::Path { from: i, to: j }));
        paths.push(vec![
            Cell::text(arrow(a, i, j)),
            Cell::num(cell(&f.std_paths, i, j), 3),
            Cell::num(cell(&f.paths, i, j), 3),
            Cell::opt(p.and_then(|p| p.se), 3, "-"),
            Cell::opt(p.and_then(|p| p.z), 2, "-"),
            Cell::opt(p.and_then(|p| p.p), 4, "-"),
            st.map_or(Cell::Empty, |x| {
                Cell::text(super::text::interval(x.ci_low, x.ci_high, 3))
            }),
        ]);
    }
    paths
}

/// `cbsem_loadings`: standardized loadings and item R².
fn cbsem_loadings_table(a: &Analysis, f: &CbsemFit) -> Table {
    let m = &a.model;
    let mut load = Table::new(
        "cbsem_loadings",
        "Standardized loadings (CB-SEM)",
        &["item", "construct", "loading", "item R2"],
        2,
    );
    for (it, (l, r2)) in m.items.iter().zip(f.std_loadings.iter().zip(&f.item_r2)) {
        load.push(vec![
            Cell::text(&it.name),
            Cell::text(construct_name(&a.model, it.construct)),
            Cell::num(*l, 3),
            Cell::num(*r2, 3),
        ]);
    }
    load
}

/// `cbsem_residual_covariances`, or `None` when the model has none.
fn residual_covariances_table(f: &CbsemFit) -> Option<Table> {
    let covs: Vec<_> = f
        .parameters
        .iter()
        .filter(|r| r.kind == ParamKind::ErrorCovariance)
        .collect();
    if covs.is_empty() {
        return None;
    }
    let mut t = Table::new(
        "cbsem_residual_covariances",
        "Residual covariances (CB-SEM)",
        &[
            "residual covariance",
            "estimate",
            "correlation",
            "ML se",
            "p",
        ],
        1,
    );
    for r in covs {
        t.push(vec![
            Cell::text(format!("{} ~~ {}", r.lhs, r.rhs)),
            Cell::num(r.est, 3),
            Cell::num(r.std_all, 3),
            Cell::opt(r.se, 3, "-"),
            Cell::opt(r.p, 4, "-"),
        ]);
    }
    Some(t)
}

/// `cbsem_constructs`: R² and the 0-100 index (PLS weights).
fn cbsem_constructs_table(a: &Analysis, f: &CbsemFit) -> Table {
    let mut cons = Table::new(
        "cbsem_constructs",
        "Constructs (CB-SEM)",
        &["construct", "R2", "index (PLS weights)"],
        1,
    );
    for (con, (r2, ix)) in a.model.constructs.iter().zip(f.r2.iter().zip(&a.indices)) {
        cons.push(vec![
            Cell::text(&con.name),
            Cell::opt(*r2, 3, "-"),
            Cell::opt(ix.value, 1, "-"),
        ]);
    }
    cons
}

/// The CB-SEM tables.
pub fn cbsem_tables(a: &Analysis, f: &CbsemFit, boot: Option<&BootstrapResult>) -> Vec<Table> {
    let mut out = vec![
        fit_indices_table(f),
        cbsem_paths_table(a, f, boot),
        cbsem_loadings_table(a, f),
    ];
    out.extend(residual_covariances_table(f));
    out.push(cbsem_constructs_table(a, f));
    out
}
