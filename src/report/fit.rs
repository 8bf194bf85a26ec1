//! The `csi-fit/v1` document of a PLS analysis (contract: `csi fit --json`): paths,
//! indicators, constructs, effects, HTMT, Fornell-Larcker, f², cross-loadings,
//! information criteria, the missing-data report and the bootstrap block.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::{
    at, at_opt, bootstrap_json, cell, construct_name, hoc, inference_fields, mediation, num, opt,
    path_object,
};
use crate::analysis::Analysis;
use crate::bootstrap::BootstrapResult;
use crate::stat::Stat;
use serde_json::{json, Map, Value};

/// Add the bootstrap figures of statistic `key` to a JSON object: its mean and
/// [`super::inference_fields`].
fn add_boot(obj: &mut Map<String, Value>, boot: Option<&BootstrapResult>, key: Stat) {
    if let Some(s) = boot.and_then(|b| b.stat(key)) {
        obj.insert("boot_mean".into(), num(s.mean));
    }
    inference_fields(obj, boot, key);
}

/// Add `{what}_se`, `{what}_ci_low` and `{what}_ci_high` of statistic `key`.
fn add_named_interval(
    obj: &mut Map<String, Value>,
    boot: Option<&BootstrapResult>,
    what: &str,
    key: Stat,
) {
    if let Some(s) = boot.and_then(|b| b.stat(key)) {
        obj.insert(format!("{what}_se"), num(s.se));
        obj.insert(format!("{what}_ci_low"), num(s.ci_low));
        obj.insert(format!("{what}_ci_high"), num(s.ci_high));
    }
}

/// The `csi-fit/v1` document of an analysis (contract: `csi fit --json`).
pub fn fit_json(a: &Analysis, boot: Option<&BootstrapResult>) -> Value {
    let m = &a.model;
    let f = &a.fit;
    let s = &a.options.pls;
    let mut settings =
        super::pls_settings_json(s, a.missing.policy.as_str(), a.data.weights.is_some());
    settings.insert("stop_rule".into(), json!(s.stop.as_str()));
    let mut doc = json!({
        "schema": "csi-fit/v1",
        "model": m.name,
        "n": a.data.x.nrows(),
        "settings": settings,
        "converged": f.converged,
        "iterations": f.iterations,
        "paths": paths_json(a, boot),
        "indicators": indicators_json(a, boot),
        "constructs": constructs_json(a, boot),
        "effects": effects_json(a, boot),
        "specific_indirect": mediation::specific_indirect_json(m, &f.paths, boot),
        "gof": num(a.quality.gof),
        "srmr": num(a.quality.srmr),
        "htmt": htmt_json(a, boot),
        "fornell_larcker": fornell_larcker_json(a),
        "inner_vif": a.quality.inner_vif.iter()
            .map(|p| json!({"from": construct_name(m, p.from), "to": construct_name(m, p.to), "vif": num(p.value)}))
            .collect::<Vec<_>>(),
        "f2": a.quality.f2.iter().zip(&a.quality.f2_reestimated)
            .map(|(p, r)| json!({"from": construct_name(m, p.from), "to": construct_name(m, p.to), "f2": num(p.value), "f2_reestimated": num(r.value)}))
            .collect::<Vec<_>>(),
        "f2_definition": "f2 = (R2_incl - R2_excl) / (1 - R2_incl), R2_excl from the same construct scores without the predictor (cSEM, ADANCO); f2_reestimated: R2_excl from PLS re-estimated without the path (seminr)",
        "cross_loadings": cross_loadings_json(a),
        "information_criteria": information_criteria_json(a, crate::profile::Divisor::default()),
        "missing": missing_json(a),
        "warnings": a.warnings,
    });
    if let Some(obj) = doc.as_object_mut() {
        if let Some(w) = a.data.weights.as_deref() {
            // contract (survey design): every document that uses weights gains Kish's n
            obj.insert(
                "n_effective".into(),
                num(crate::design::weights::n_effective(w)),
            );
        }
        if let Some(b) = boot {
            obj.insert("bootstrap".into(), bootstrap_json(b));
        }
        if m.has_higher_order() {
            obj.insert("higher_order".into(), json!(hoc::higher_order_json(m, f)));
        }
    }
    doc
}

/// The `fornell_larcker` of a fit document: the construct names and the matrix (AVE
/// square roots on the diagonal, construct correlations off it).
/// Above [`crate::limits::FULL_DISCRIMINANT_MAX_CONSTRUCTS`] constructs, the
/// multi-item constructs only, with `"restricted": true`.
fn fornell_larcker_json(a: &Analysis) -> Value {
    let m = &a.model;
    let shown = super::tables::discriminant_constructs(a);
    let fl: Vec<Value> = shown
        .iter()
        .map(|&i| {
            Value::Array(
                shown
                    .iter()
                    .map(|&j| num(cell(&a.quality.fornell_larcker, i, j)))
                    .collect(),
            )
        })
        .collect();
    let names: Vec<&str> = shown.iter().map(|&j| construct_name(m, j)).collect();
    let mut v = json!({"constructs": names, "matrix": fl});
    if let (true, Some(o)) = (super::tables::discriminant_restricted(a), v.as_object_mut()) {
        o.insert("restricted".into(), Value::Bool(true));
    }
    v
}

/// The `missing` report of a fit document: policy, respondents read, used and
/// removed, the items with missing cells, and the EM summary when EM was used.
fn missing_json(a: &Analysis) -> Value {
    let mr = &a.missing;
    let per_item: Vec<Value> = a
        .model
        .items
        .iter()
        .zip(mr.missing.iter().zip(&mr.imputed))
        .filter(|(_, (missing, _))| **missing > 0)
        .map(|(it, (missing, imputed))| json!({"name": it.name, "missing": missing, "imputed": imputed}))
        .collect();
    let mut v = json!({
        "policy": mr.policy.as_str(),
        "n_read": mr.n_read,
        "n_used": mr.n_used,
        "removed": mr.removed,
        "per_item": per_item,
    });
    if let (Some(em), Some(o)) = (&mr.em, v.as_object_mut()) {
        o.insert("em".into(), serde_json::to_value(em).unwrap_or(Value::Null));
    }
    v
}

/// The `cross_loadings` of a fit document: per item, its construct and its correlation
/// with every construct score (`{"item", "construct", "loadings": {CONSTRUCT: r}}`);
/// above [`crate::limits::FULL_DISCRIMINANT_MAX_CONSTRUCTS`] constructs, with its own
/// construct and the multi-item constructs only (`fornell_larcker.restricted` says so).
fn cross_loadings_json(a: &Analysis) -> Value {
    let m = &a.model;
    let mut shown = vec![false; m.n_constructs()];
    for j in super::tables::discriminant_constructs(a) {
        if let Some(s) = shown.get_mut(j) {
            *s = true;
        }
    }
    Value::Array(
        m.items
            .iter()
            .enumerate()
            .map(|(k, it)| {
                let l: Map<String, Value> = m
                    .constructs
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j == it.construct || shown.get(j).copied().unwrap_or(false))
                    .map(|(j, c)| (c.name.clone(), num(cell(&a.fit.cross_loadings, k, j))))
                    .collect();
                json!({"item": it.name, "construct": construct_name(m, it.construct), "loadings": l})
            })
            .collect(),
    )
}

/// The `information_criteria` of a fit document: AIC and BIC per endogenous construct
/// ([`crate::criteria`]), with the variance divisor used.
pub fn information_criteria_json(a: &Analysis, divisor: crate::profile::Divisor) -> Value {
    let rows: Vec<Value> = crate::criteria::information_criteria(&a.model, &a.fit, divisor)
        .iter()
        .map(|c| {
            json!({
                "construct": construct_name(&a.model, c.construct),
                "predictors": c.predictors,
                "sse": num(c.sse),
                "aic": num(c.aic),
                "bic": num(c.bic),
            })
        })
        .collect();
    json!({
        "divisor": divisor.as_str(),
        "definition": "per endogenous construct: SSE = (1 - R2) var(score) (n - 1) with scores of unit variance under the divisor; AIC = n ln(SSE/n) + 2(p+1), BIC = n ln(SSE/n) + (p+1) ln n (seminr summary()$it_criteria; Sharma et al. 2019)",
        "equations": rows,
    })
}

/// The `paths` of a fit document.
fn paths_json(a: &Analysis, boot: Option<&BootstrapResult>) -> Vec<Value> {
    let m = &a.model;
    a.fit
        .path_stats
        .iter()
        .map(|s| {
            let mut o = path_object(m, (s.from, s.to), s.estimate);
            o.insert("ols_se".into(), num(s.se));
            o.insert("ols_t".into(), num(s.t));
            o.insert("ols_p".into(), num(s.p));
            let key = Stat::Path {
                from: s.from,
                to: s.to,
            };
            add_boot(&mut o, boot, key);
            Value::Object(o)
        })
        .collect()
}

/// The normalised weight `w~_k` of item `k` within its construct's index.
fn normalized_weight(a: &Analysis, k: usize) -> Option<f64> {
    let j = a.model.items.get(k)?.construct;
    let pos = a
        .model
        .constructs
        .get(j)?
        .items
        .iter()
        .position(|&x| x == k)
        .unwrap_or(0);
    a.indices.get(j)?.normalized_weights.get(pos).copied()
}

/// The `indicators` of a fit document.
fn indicators_json(a: &Analysis, boot: Option<&BootstrapResult>) -> Vec<Value> {
    let m = &a.model;
    let f = &a.fit;
    m.items
        .iter()
        .enumerate()
        .map(|(k, it)| {
            let mut o = Map::new();
            o.insert("name".into(), json!(it.name));
            o.insert("construct".into(), json!(construct_name(m, it.construct)));
            if let Some(l) = &it.label {
                o.insert("label".into(), json!(l));
            }
            o.insert("weight".into(), num(at(&f.weights, k)));
            o.insert("loading".into(), num(at(&f.loadings, k)));
            o.insert("normalized_weight".into(), opt(normalized_weight(a, k)));
            o.insert("vif".into(), opt(at_opt(&a.quality.indicator_vif, k)));
            o.insert("mean".into(), num(at(&f.means, k)));
            // contract: the indicator gains se/ci_low/ci_high (those of its outer
            // weight); weight_* and loading_* name each statistic explicitly
            if let Some(st) = boot.and_then(|b| b.stat(Stat::Weight(k))) {
                o.insert("se".into(), num(st.se));
                o.insert("ci_low".into(), num(st.ci_low));
                o.insert("ci_high".into(), num(st.ci_high));
            }
            add_named_interval(&mut o, boot, "weight", Stat::Weight(k));
            add_named_interval(&mut o, boot, "loading", Stat::Loading(k));
            Value::Object(o)
        })
        .collect()
}

/// The reliability figures of construct `j`: AVE, alpha, rho_C, rho_A and the notes
/// on alpha and rho_A.
fn reliability_fields(o: &mut Map<String, Value>, a: &Analysis, j: usize) {
    let Some(qj) = a.quality.constructs.get(j) else {
        return;
    };
    o.insert("ave".into(), num(qj.ave));
    o.insert("alpha".into(), opt(qj.alpha));
    o.insert("rho_c".into(), num(qj.rho_c));
    o.insert("rho_a".into(), opt(qj.rho_a_reported()));
    for (k, note) in [
        ("rho_a_note", &qj.rho_a_note),
        ("alpha_note", &qj.alpha_note),
    ] {
        if let Some(n) = note {
            o.insert(k.into(), json!(n));
        }
    }
}

/// The bootstrap figures of construct `j`: those of its index (also under the
/// contract's plain `se`/`ci_low`/`ci_high`) and of its R².
fn construct_boot_fields(o: &mut Map<String, Value>, boot: Option<&BootstrapResult>, j: usize) {
    if let Some(s) = boot.and_then(|b| b.stat(Stat::Index(j))) {
        // contract: the construct index gains se/ci_low/ci_high
        o.insert("se".into(), num(s.se));
        o.insert("ci_low".into(), num(s.ci_low));
        o.insert("ci_high".into(), num(s.ci_high));
    }
    add_named_interval(o, boot, "index", Stat::Index(j));
    add_named_interval(o, boot, "r2", Stat::R2(j));
}

/// The `constructs` of a fit document.
fn constructs_json(a: &Analysis, boot: Option<&BootstrapResult>) -> Vec<Value> {
    let m = &a.model;
    let f = &a.fit;
    m.constructs
        .iter()
        .enumerate()
        .map(|(j, c)| {
            let mut o = Map::new();
            o.insert("name".into(), json!(c.name));
            if let Some(l) = &c.label {
                o.insert("label".into(), json!(l));
            }
            o.insert(
                "mode".into(),
                json!(match c.mode {
                    crate::spec::Mode::A => "A",
                    crate::spec::Mode::B => "B",
                }),
            );
            o.insert("r2".into(), opt(at_opt(&f.r2, j)));
            o.insert("r2_adj".into(), opt(at_opt(&f.r2_adj, j)));
            reliability_fields(&mut o, a, j);
            let ix = a.indices.get(j);
            o.insert("index".into(), opt(ix.and_then(|x| x.value)));
            if let Some(p) = ix.and_then(|x| x.problem.as_ref()) {
                o.insert("index_problem".into(), json!(p));
            }
            construct_boot_fields(&mut o, boot, j);
            Value::Object(o)
        })
        .collect()
}

/// The `effects` of a fit document: every pair with a path or a total effect.
fn effects_json(a: &Analysis, boot: Option<&BootstrapResult>) -> Vec<Value> {
    let m = &a.model;
    let f = &a.fit;
    let q = m.n_constructs();
    let mut effects = Vec::new();
    for i in 0..q {
        for j in 0..q {
            let total = cell(&f.total, i, j);
            let direct = cell(&f.paths, i, j);
            if total == 0.0 && direct == 0.0 {
                continue;
            }
            let mut o = Map::new();
            o.insert("from".into(), json!(construct_name(m, i)));
            o.insert("to".into(), json!(construct_name(m, j)));
            o.insert("direct".into(), num(direct));
            o.insert("indirect".into(), num(total - direct));
            o.insert("total".into(), num(total));
            add_boot(&mut o, boot, Stat::Total { from: i, to: j });
            if let Some(s) = boot.and_then(|b| b.stat(Stat::Indirect { from: i, to: j })) {
                o.insert("indirect_se".into(), num(s.se));
                o.insert("indirect_ci_low".into(), num(s.ci_low));
                o.insert("indirect_ci_high".into(), num(s.ci_high));
                o.insert("indirect_p".into(), num(s.p));
            }
            effects.push(Value::Object(o));
        }
    }
    effects
}

/// The `htmt` pairs of a fit document: pairs of constructs with two or more items
/// each (HTMT is not defined for a single-item block).
fn htmt_json(a: &Analysis, boot: Option<&BootstrapResult>) -> Vec<Value> {
    let m = &a.model;
    let q = m.n_constructs();
    let mut htmt = Vec::new();
    for i in 0..q {
        for j in (i + 1)..q {
            // HTMT needs two multi-item blocks (a model of single items has none)
            if !crate::quality::htmt_defined(m, i, j) {
                continue;
            }
            let mut o = Map::new();
            o.insert("a".into(), json!(construct_name(m, i)));
            o.insert("b".into(), json!(construct_name(m, j)));
            o.insert("htmt".into(), num(cell(&a.quality.htmt, i, j)));
            if let Some(s) = boot.and_then(|b| b.stat(Stat::Htmt { a: i, b: j })) {
                o.insert("ci_low".into(), num(s.ci_low));
                o.insert("ci_high".into(), num(s.ci_high));
            }
            htmt.push(Value::Object(o));
        }
    }
    htmt
}
