//! `csi-fit/v1` documents for `--estimator plsc` and `--estimator cbsem`.
//!
//! Both keep the contract's keys (`paths[from, to, estimate]`, `indicators`,
//! `constructs[name, r2, index]`, `effects`) and add what the estimator has:
//! PLSc: corrected paths, loadings, R² and effects, with the composite (PLS) values
//! beside them (`pls_estimate`, `pls_loading`); CB-SEM: `fit_indices`, standardized
//! path `estimate` with `estimate_unstd`, the lavaan-style parameter table. The 0-100
//! index always comes from the PLS composite weights (an index is a weighted mean of
//! items; the common-factor model has no weights of its own).
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::text::Table;
use super::{
    at, at_opt, cell, construct_name as cname, fit_json, inference_fields, num, path_object,
};
use crate::analysis::Analysis;
use crate::bootstrap::BootstrapResult;
use crate::estimate::cbsem::{CbsemFit, ParamKind};
use crate::estimate::plsc::PlscFit;
use crate::estimate::EstimatorKind;
use crate::spec::Model;
use crate::stat::Stat;
use serde_json::{json, Map, Value};
use std::fmt::Write;

/// A `paths` entry: `from`, `to` and `estimate`, and the bootstrap figures of the
/// path; the caller adds what its estimator has beside.
fn path_entry(
    m: &Model,
    (i, j): (usize, usize),
    estimate: f64,
    boot: Option<&BootstrapResult>,
) -> Map<String, Value> {
    let mut o = path_object(m, (i, j), estimate);
    inference_fields(&mut o, boot, Stat::Path { from: i, to: j });
    o
}

fn boot_block(boot: Option<&BootstrapResult>) -> Option<Value> {
    boot.map(super::bootstrap_json)
}

/// The `effects` of a common-factor document: every pair with a total effect, with
/// its bootstrap figures.
fn effects_json(
    m: &Model,
    paths: &nalgebra::DMatrix<f64>,
    total: &nalgebra::DMatrix<f64>,
    boot: Option<&BootstrapResult>,
) -> Vec<Value> {
    let q = m.n_constructs();
    let mut effects = Vec::new();
    for i in 0..q {
        for j in 0..q {
            if cell(total, i, j) != 0.0 {
                let mut o = Map::new();
                o.insert("from".into(), json!(cname(m, i)));
                o.insert("to".into(), json!(cname(m, j)));
                o.insert("direct".into(), num(cell(paths, i, j)));
                o.insert(
                    "indirect".into(),
                    num(cell(total, i, j) - cell(paths, i, j)),
                );
                o.insert("total".into(), num(cell(total, i, j)));
                inference_fields(&mut o, boot, Stat::Total { from: i, to: j });
                effects.push(Value::Object(o));
            }
        }
    }
    effects
}

/// The document of a PLSc fit (`a` is the underlying PLS analysis).
pub fn plsc_json(a: &Analysis, c: &PlscFit, boot: Option<&BootstrapResult>) -> Value {
    let m = &a.model;
    let mut doc = fit_json(a, None);
    let Some(obj) = doc.as_object_mut() else {
        return doc;
    };
    if let Some(s) = obj.get_mut("settings").and_then(|v| v.as_object_mut()) {
        s.insert("estimator".into(), json!(EstimatorKind::Plsc.as_str()));
    }
    // AIC/BIC of the composite (PLS) equations would be mistaken for PLSc's
    obj.remove("information_criteria");
    let paths: Vec<Value> = m
        .paths
        .iter()
        .map(|&(i, j)| {
            let mut o = path_entry(m, (i, j), cell(&c.paths, i, j), boot);
            o.insert("pls_estimate".into(), num(cell(&a.fit.paths, i, j)));
            Value::Object(o)
        })
        .collect();
    obj.insert("paths".into(), Value::Array(paths));
    if let Some(items) = obj.get_mut("indicators").and_then(|v| v.as_array_mut()) {
        for (k, it) in items.iter_mut().enumerate() {
            if let Some(o) = it.as_object_mut() {
                o.insert("pls_loading".into(), num(at(&a.fit.loadings, k)));
                o.insert("loading".into(), num(at(&c.loadings, k)));
            }
        }
    }
    if let Some(cons) = obj.get_mut("constructs").and_then(|v| v.as_array_mut()) {
        for (j, it) in cons.iter_mut().enumerate() {
            if let Some(o) = it.as_object_mut() {
                o.insert(
                    "r2".into(),
                    at_opt(&c.r2, j).map(num).unwrap_or(Value::Null),
                );
                o.insert(
                    "r2_adj".into(),
                    at_opt(&c.r2_adj, j).map(num).unwrap_or(Value::Null),
                );
                if m.constructs.get(j).map(|c| c.mode) == Some(crate::spec::Mode::B) {
                    o.insert("rho_a".into(), Value::Null);
                    o.insert("rho_a_note".into(), json!(crate::quality::RHO_A_MODE_B));
                } else {
                    o.insert("rho_a".into(), num(at(&c.rho_a, j)));
                }
            }
        }
    }
    let effects = effects_json(m, &c.paths, &c.total, boot);
    obj.insert("effects".into(), Value::Array(effects));
    obj.insert(
        "specific_indirect".into(),
        Value::Array(super::mediation::specific_indirect_json(m, &c.paths, boot)),
    );
    obj.insert("admissible".into(), json!(c.is_admissible()));
    obj.insert("diagnostics".into(), json!(c.diagnostics));
    if let Some(b) = boot_block(boot) {
        obj.insert("bootstrap".into(), b);
    }
    doc
}

/// The `paths` of a CB-SEM document: standardized `estimate`, `estimate_unstd`,
/// the ML standard error, z and p, and the bootstrap figures.
fn cbsem_paths_json(m: &Model, f: &CbsemFit, boot: Option<&BootstrapResult>) -> Vec<Value> {
    m.paths
        .iter()
        .map(|&(i, j)| {
            let mut o = path_entry(m, (i, j), cell(&f.std_paths, i, j), boot);
            o.insert("estimate_unstd".into(), num(cell(&f.paths, i, j)));
            if let Some(p) = f.path(i, j) {
                o.insert("ml_se".into(), super::opt(p.se));
                o.insert("z".into(), super::opt(p.z));
                o.insert("ml_p".into(), super::opt(p.p));
            }
            Value::Object(o)
        })
        .collect()
}

/// The `indicators` of a CB-SEM document: standardized and unstandardized loading,
/// its ML standard error, and the item's R².
fn cbsem_indicators_json(m: &Model, f: &CbsemFit) -> Vec<Value> {
    m.items
        .iter()
        .zip(f.std_loadings.iter().zip(&f.item_r2))
        .enumerate()
        .map(|(k, (it, (l, r2)))| {
            let mut o = Map::new();
            o.insert("name".into(), json!(it.name));
            o.insert("construct".into(), json!(cname(m, it.construct)));
            o.insert("loading".into(), num(*l));
            if let Some(p) = f.loading(k) {
                o.insert("loading_unstd".into(), num(p.est));
                o.insert("ml_se".into(), super::opt(p.se));
            }
            o.insert("r2".into(), num(*r2));
            Value::Object(o)
        })
        .collect()
}

/// The `constructs` of a CB-SEM document: R² and the 0-100 index (PLS weights).
fn cbsem_constructs_json(a: &Analysis, f: &CbsemFit) -> Vec<Value> {
    a.model
        .constructs
        .iter()
        .zip(f.r2.iter().zip(&a.indices))
        .map(|(c, (r2, ix))| {
            json!({"name": c.name, "label": c.label, "r2": r2.map(num).unwrap_or(Value::Null),
                   "index": ix.value.map(num).unwrap_or(Value::Null)})
        })
        .collect()
}

/// The document of a CB-SEM fit (`a` is the PLS analysis of the same data, used for
/// the 0-100 indices and the missing-data report).
pub fn cbsem_json(a: &Analysis, f: &CbsemFit, boot: Option<&BootstrapResult>) -> Value {
    let m = &a.model;
    let effects = effects_json(m, &f.std_paths, &f.std_total, boot);
    let own = cbsem_fit_json(f);
    let own_key = |k: &str| own.get(k).cloned().unwrap_or(Value::Null);
    let mut doc = json!({
        "schema": "csi-fit/v1",
        "model": m.name,
        "n": a.data.x.nrows(),
        "settings": {
            "estimator": EstimatorKind::Cbsem.as_str(),
            "identify": f.settings.identify.as_str(),
            "tolerance": f.settings.tolerance,
            "max_iter": f.settings.max_iter,
            "missing": a.missing.policy.as_str(),
        },
        "converged": f.converged,
        "iterations": f.iterations,
        "paths": cbsem_paths_json(m, f, boot),
        "indicators": cbsem_indicators_json(m, f),
        "constructs": cbsem_constructs_json(a, f),
        "effects": effects,
        "specific_indirect": super::mediation::specific_indirect_json(m, &f.std_paths, boot),
        "fit_indices": own_key("fit_indices"),
        "parameters": own_key("parameters"),
        "latent_correlations": own_key("latent_correlations"),
        "admissible": f.is_admissible(),
        "diagnostics": own_key("diagnostics"),
        "index_note": "0-100 indices are computed from the PLS composite weights",
        "warnings": a.warnings,
    });
    if let (Some(w), Some(obj)) = (a.data.weights.as_deref(), doc.as_object_mut()) {
        obj.insert(
            "n_effective".into(),
            num(crate::design::weights::n_effective(w)),
        );
    }
    if let (Some(b), Some(obj)) = (boot_block(boot), doc.as_object_mut()) {
        obj.insert("bootstrap".into(), b);
    }
    doc
}

fn diag_lines(d: &[crate::estimate::admissibility::Diagnostic], s: &mut String) {
    if d.is_empty() {
        let _ = writeln!(s, "\nAdmissibility: no problem found");
        return;
    }
    let _ = writeln!(s, "\nAdmissibility");
    for x in d {
        let _ = writeln!(s, "- [{:?}] {}", x.severity, x.message);
    }
}

/// Human-readable PLSc report: corrected paths beside the PLS composite paths, rho_A,
/// diagnostics; then the PLS report (indices, quality).
pub fn plsc_text(a: &Analysis, c: &PlscFit, boot: Option<&BootstrapResult>) -> String {
    let m = &a.model;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "consistent PLS (PLSc, Dijkstra & Henseler 2015): {} (n = {})\n",
        m.name,
        a.data.x.nrows()
    );
    if let Some(b) = boot {
        s.push_str(&super::text::bootstrap_summary(b));
        s.push('\n');
    }
    let mut t = Table::new(&["path", "PLSc", "PLS", "boot se", "CI", "p"], 1);
    for &(i, j) in &m.paths {
        let st = boot.and_then(|b| b.stat(Stat::Path { from: i, to: j }));
        t.row(vec![
            format!("{} -> {}", cname(m, i), cname(m, j)),
            format!("{:.3}", cell(&c.paths, i, j)),
            format!("{:.3}", cell(&a.fit.paths, i, j)),
            st.map(|x| format!("{:.3}", x.se)).unwrap_or_default(),
            st.map(|x| super::text::interval(x.ci_low, x.ci_high, 3))
                .unwrap_or_default(),
            st.map(|x| super::text::p_value(x.p)).unwrap_or_default(),
        ]);
    }
    s.push_str(&t.render());
    let mut t = Table::new(&["construct", "rho_A", "R2 (PLSc)"], 1);
    for (j, con) in m.constructs.iter().enumerate() {
        t.row(vec![
            con.name.clone(),
            if con.mode == crate::spec::Mode::B {
                "n/a".into()
            } else {
                format!("{:.3}", at(&c.rho_a, j))
            },
            at_opt(&c.r2, j)
                .map(|v| format!("{v:.3}"))
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    s.push('\n');
    s.push_str(&t.render());
    s.push('\n');
    s.push_str(&super::mediation::specific_indirect_text(m, &c.paths, boot));
    diag_lines(&c.diagnostics, &mut s);
    s.push_str("\n--- composite (PLS) results ---\n");
    s.push_str(&super::text::fit_text(a, None));
    s
}

/// `x` with `d` decimals, or `-` when absent.
fn fixed_or_dash(v: Option<f64>, d: usize) -> String {
    v.map(|x| format!("{x:.d$}")).unwrap_or_else(|| "-".into())
}

/// The head of the CB-SEM report: identification, convergence and the fit indices.
fn cbsem_head(a: &Analysis, f: &CbsemFit, s: &mut String) {
    let _ = writeln!(
        s,
        "CB-SEM (maximum likelihood, {} identification): {} (n = {}); {} after {} iterations\n",
        f.settings.identify.as_str(),
        a.model.name,
        f.n,
        if f.converged {
            "converged"
        } else {
            "NOT converged"
        },
        f.iterations
    );
    let fi = &f.fit;
    let _ = writeln!(
        s,
        "chi-square {:.3}, df {}, p {:.4}; CFI {:.3}; TLI {:.3}; RMSEA {:.3} [{:.3}, {:.3}]; SRMR {:.3}; AIC {:.1}; BIC {:.1}\n",
        fi.chisq, fi.df, fi.pvalue, fi.cfi, fi.tli, fi.rmsea, fi.rmsea_ci_lower, fi.rmsea_ci_upper, fi.srmr, fi.aic, fi.bic
    );
}

/// The CB-SEM path table: standardized and unstandardized paths, ML se, z, p and
/// the bootstrap interval.
fn cbsem_paths_text(m: &Model, f: &CbsemFit, boot: Option<&BootstrapResult>) -> String {
    let mut t = Table::new(&["path", "std", "unstd", "ML se", "z", "p", "boot CI"], 1);
    for &(i, j) in &m.paths {
        let p = f.path(i, j);
        let st = boot.and_then(|b| b.stat(Stat::Path { from: i, to: j }));
        t.row(vec![
            format!("{} -> {}", cname(m, i), cname(m, j)),
            format!("{:.3}", cell(&f.std_paths, i, j)),
            format!("{:.3}", cell(&f.paths, i, j)),
            fixed_or_dash(p.and_then(|p| p.se), 3),
            fixed_or_dash(p.and_then(|p| p.z), 2),
            fixed_or_dash(p.and_then(|p| p.p), 4),
            st.map(|x| super::text::interval(x.ci_low, x.ci_high, 3))
                .unwrap_or_default(),
        ]);
    }
    t.render()
}

/// The residual covariances of a CB-SEM fit, with a blank line before (nothing when
/// the model has none).
fn cbsem_covariances_text(f: &CbsemFit, s: &mut String) {
    let covs: Vec<_> = f
        .parameters
        .iter()
        .filter(|r| r.kind == ParamKind::ErrorCovariance)
        .collect();
    if covs.is_empty() {
        return;
    }
    let mut t = Table::new(
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
        t.row(vec![
            format!("{} ~~ {}", r.lhs, r.rhs),
            format!("{:.3}", r.est),
            format!("{:.3}", r.std_all),
            fixed_or_dash(r.se, 3),
            fixed_or_dash(r.p, 4),
        ]);
    }
    s.push('\n');
    s.push_str(&t.render());
}

/// The CB-SEM construct table: R² and the 0-100 index (PLS weights).
fn cbsem_constructs_text(a: &Analysis, f: &CbsemFit) -> String {
    let mut t = Table::new(&["construct", "R2", "index (PLS weights)"], 1);
    for (con, (r2, ix)) in a.model.constructs.iter().zip(f.r2.iter().zip(&a.indices)) {
        t.row(vec![
            con.name.clone(),
            r2.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into()),
            ix.value
                .map(|v| format!("{v:.1}"))
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    t.render()
}

/// Human-readable CB-SEM report: fit indices, standardized and unstandardized paths
/// with ML standard errors, R², diagnostics.
pub fn cbsem_text(a: &Analysis, f: &CbsemFit, boot: Option<&BootstrapResult>) -> String {
    let m = &a.model;
    let mut s = String::new();
    cbsem_head(a, f, &mut s);
    if let Some(b) = boot {
        s.push_str(&super::text::bootstrap_summary(b));
        s.push('\n');
    }
    s.push_str(&cbsem_paths_text(m, f, boot));
    cbsem_covariances_text(f, &mut s);
    s.push('\n');
    s.push_str(&cbsem_constructs_text(a, f));
    s.push('\n');
    s.push_str(&super::mediation::specific_indirect_text(
        m,
        &f.std_paths,
        boot,
    ));
    diag_lines(&f.diagnostics, &mut s);
    s
}

/// A JSON object: rho_A, consistent loadings, construct correlations, paths, R²,
/// effects and diagnostics.
pub fn plsc_fit_json(fit: &PlscFit, model: &Model) -> Value {
    let q = fit.constructs.len();
    let paths: Vec<Value> = model
        .paths
        .iter()
        .map(|&(a, b)| {
            json!({"from": fit.constructs.get(a), "to": fit.constructs.get(b), "estimate": cell(&fit.paths, a, b)})
        })
        .collect();
    let loadings: Vec<Value> = model
        .items
        .iter()
        .enumerate()
        .map(|(k, it)| {
            json!({"indicator": it.name, "construct": fit.constructs.get(it.construct),
                   "weight": at(&fit.weights, k), "loading": at(&fit.loadings, k)})
        })
        .collect();
    let mut effects = Vec::new();
    for a in 0..q {
        for b in 0..q {
            if cell(&fit.total, a, b) != 0.0 {
                effects.push(json!({"from": fit.constructs.get(a), "to": fit.constructs.get(b),
                    "direct": cell(&fit.paths, a, b), "indirect": cell(&fit.total, a, b) - cell(&fit.paths, a, b),
                    "total": cell(&fit.total, a, b)}));
            }
        }
    }
    let constructs: Vec<Value> = (0..q)
        .map(|j| {
            json!({"name": fit.constructs.get(j), "rho_a": at(&fit.rho_a, j),
                   "r_squared": at_opt(&fit.r2, j), "r_squared_adj": at_opt(&fit.r2_adj, j)})
        })
        .collect();
    let cor: Vec<Vec<f64>> = (0..q)
        .map(|a| (0..q).map(|b| cell(&fit.lv_cor, a, b)).collect())
        .collect();
    json!({
        "estimator": EstimatorKind::Plsc.as_str(),
        "n": fit.n,
        "pls_converged": fit.pls_converged,
        "pls_iterations": fit.pls_iterations,
        "constructs": constructs,
        "paths": paths,
        "outer_model": loadings,
        "effects": effects,
        "latent_correlations": cor,
        "admissible": fit.is_admissible(),
        "diagnostics": fit.diagnostics,
    })
}

/// A JSON object with everything a report needs: settings, convergence, fit
/// indices, paths (standardized `estimate`, `estimate_unstd` beside it), loadings,
/// the full parameter table, R², construct correlations and diagnostics.
pub fn cbsem_fit_json(fit: &CbsemFit) -> Value {
    let paths: Vec<Value> = fit
        .parameters
        .iter()
        .filter(|r| r.kind == ParamKind::Path)
        .map(|r| {
            json!({"from": r.rhs, "to": r.lhs, "estimate": r.std_all, "estimate_unstd": r.est,
                   "se": r.se, "z": r.z, "p": r.p, "se_std": r.se_std})
        })
        .collect();
    let loadings: Vec<Value> = fit
        .parameters
        .iter()
        .filter(|r| r.kind == ParamKind::Loading)
        .map(|r| {
            json!({"construct": r.lhs, "indicator": r.rhs, "loading": r.std_all,
                   "loading_unstd": r.est, "se": r.se, "free": r.free})
        })
        .collect();
    let r2: Map<String, Value> = fit
        .constructs
        .iter()
        .zip(&fit.r2)
        .filter_map(|(n, r)| r.map(|v| (n.clone(), json!(v))))
        .collect();
    let q = fit.constructs.len();
    let cor: Map<String, Value> = (0..q)
        .map(|a| {
            let row: Map<String, Value> = (0..q)
                .map(|b| {
                    (
                        fit.constructs.get(b).cloned().unwrap_or_default(),
                        json!(cell(&fit.latent_cor, a, b)),
                    )
                })
                .collect();
            (
                fit.constructs.get(a).cloned().unwrap_or_default(),
                Value::Object(row),
            )
        })
        .collect();
    json!({
        "estimator": EstimatorKind::Cbsem.as_str(),
        "identify": fit.settings.identify.as_str(),
        "n": fit.n,
        "converged": fit.converged,
        "iterations": fit.iterations,
        "scoring_steps": fit.scoring_steps,
        "fit_indices": fit.fit,
        "paths": paths,
        "loadings": loadings,
        "parameters": fit.parameters,
        "r_squared": r2,
        "latent_correlations": cor,
        "admissible": fit.is_admissible(),
        "diagnostics": fit.diagnostics,
    })
}
