//! Reports: the `csi-fit/v1` JSON document and human-readable tables.
//!
//! The library never prints: these functions return values and strings that the CLI
//! writes out.

pub mod chart;
pub mod compare;
pub mod compare_chart;
pub mod data;
pub mod estimators;
pub mod font;
pub mod hoc;
pub mod html;
pub mod ipma;
pub mod mediation;
pub mod methods;
pub mod model_fit;
pub mod moderation;
pub mod predict;
pub mod program;
pub mod table;
pub mod tables;
pub mod tables_est;
pub mod text;
pub mod trend_chart;
pub mod validate;
pub mod validation_text;
pub mod xlsx;

use crate::analysis::Analysis;
use crate::bootstrap::BootstrapResult;
use crate::stat::Stat;
use serde_json::{json, Map, Value};

/// Round-trip-exact number, or null when not finite.
pub(crate) fn num(x: f64) -> Value {
    if x.is_finite() {
        json!(x)
    } else {
        Value::Null
    }
}

/// [`num`] of an optional number (null when absent).
pub(crate) fn opt(x: Option<f64>) -> Value {
    x.map(num).unwrap_or(Value::Null)
}

/// The `bootstrap` block of a fit document: settings, failures and, when too many
/// resamples failed, why intervals and p values are withheld.
pub(crate) fn bootstrap_json(b: &BootstrapResult) -> Value {
    let mut v = resampling_json(
        b.resamples,
        b.seed,
        b.ci,
        b.level,
        b.failed,
        &b.failure_reasons,
        b.withheld.as_ref(),
    );
    if let Some(o) = v.as_object_mut() {
        o.insert("sign_change".into(), json!(b.sign_change.as_str()));
    }
    v
}

/// The bootstrap block of any document: resamples, seed, interval method, level,
/// failures by reason, and `withheld` when inference was withheld.
pub(crate) fn resampling_json(
    resamples: usize,
    seed: u64,
    ci: crate::bootstrap::CiMethod,
    level: f64,
    failed: usize,
    reasons: &[(String, usize)],
    withheld: Option<&crate::bootstrap::Withheld>,
) -> Value {
    let mut v = json!({
        "resamples": resamples,
        "seed": seed,
        "ci": ci.as_str(),
        "level": level,
        "failed": failed,
        "failures": reasons.iter().map(|(r, c)| json!({"reason": r, "count": c})).collect::<Vec<_>>(),
    });
    if let (Some(w), Some(o)) = (withheld, v.as_object_mut()) {
        o.insert("withheld".into(), withheld_json(w));
    }
    v
}

/// `{"reason", "failed_share", "max_failed_share"}` of withheld inference.
pub(crate) fn withheld_json(w: &crate::bootstrap::Withheld) -> Value {
    json!({
        "reason": w.to_string(),
        "failed_share": num(w.failed_share),
        "max_failed_share": num(w.max_failed_share),
    })
}

/// Add the bootstrap figures of statistic `key` to a JSON object.
fn add_boot(obj: &mut Map<String, Value>, boot: Option<&BootstrapResult>, key: Stat, with_t: bool) {
    let Some(b) = boot else { return };
    let Some(s) = b.stat(key) else { return };
    obj.insert("boot_mean".into(), num(s.mean));
    obj.insert("se".into(), num(s.se));
    obj.insert("ci_low".into(), num(s.ci_low));
    obj.insert("ci_high".into(), num(s.ci_high));
    if with_t {
        obj.insert("t".into(), num(s.t));
        obj.insert("p".into(), num(s.p));
    }
}

/// The `csi-fit/v1` document of an analysis (contract: `csi fit --json`).
pub fn fit_json(a: &Analysis, boot: Option<&BootstrapResult>) -> Value {
    let m = &a.model;
    let f = &a.fit;
    let cname = |j: usize| m.constructs[j].name.clone();
    let paths = paths_json(a, boot);
    let indicators = indicators_json(a, boot);
    let constructs = constructs_json(a, boot);
    let q = m.n_constructs();
    let effects = effects_json(a, boot);
    let htmt = htmt_json(a, boot);
    let fl: Vec<Value> = (0..q)
        .map(|i| {
            Value::Array(
                (0..q)
                    .map(|j| num(a.quality.fornell_larcker[(i, j)]))
                    .collect(),
            )
        })
        .collect();
    let figs = |v: &[crate::quality::PathFigure], key: &str| -> Vec<Value> {
        v.iter()
            .map(|p| json!({"from": cname(p.from), "to": cname(p.to), key: num(p.value)}))
            .collect()
    };
    let s = &a.options.pls;
    let mut doc = json!({
        "schema": "csi-fit/v1",
        "model": m.name,
        "n": a.data.x.nrows(),
        "settings": {
            "estimator": crate::estimate::EstimatorKind::Pls.as_str(),
            "scheme": s.scheme.as_str(),
            "indicators": s.indicators.as_str(),
            "tolerance": s.tolerance,
            "max_iter": s.max_iter,
            "stop_rule": s.stop.as_str(),
            "missing": a.missing.policy.as_str(),
            "weighted": a.data.weights.is_some(),
        },
        "converged": f.converged,
        "iterations": f.iterations,
        "paths": paths,
        "indicators": indicators,
        "constructs": constructs,
        "effects": effects,
        "specific_indirect": mediation::specific_indirect_json(m, &f.paths, boot),
        "gof": num(a.quality.gof),
        "srmr": num(a.quality.srmr),
        "htmt": htmt,
        "fornell_larcker": {"constructs": (0..q).map(cname).collect::<Vec<_>>(), "matrix": fl},
        "inner_vif": figs(&a.quality.inner_vif, "vif"),
        "f2": a.quality.f2.iter().zip(&a.quality.f2_reestimated)
            .map(|(p, r)| json!({"from": cname(p.from), "to": cname(p.to), "f2": num(p.value), "f2_reestimated": num(r.value)}))
            .collect::<Vec<_>>(),
        "f2_definition": "f2 = (R2_incl - R2_excl) / (1 - R2_incl), R2_excl from the same construct scores without the predictor (cSEM, ADANCO); f2_reestimated: R2_excl from PLS re-estimated without the path (seminr)",
        "cross_loadings": cross_loadings_json(a),
        "information_criteria": information_criteria_json(a, crate::profile::Divisor::default()),
        "missing": {
            "policy": a.missing.policy.as_str(),
            "n_read": a.missing.n_read,
            "n_used": a.missing.n_used,
            "removed": a.missing.removed,
            "per_item": m.items.iter().enumerate().filter(|(k, _)| a.missing.missing[*k] > 0)
                .map(|(k, it)| json!({"name": it.name, "missing": a.missing.missing[k], "imputed": a.missing.imputed[k]}))
                .collect::<Vec<_>>(),
        },
        "warnings": a.warnings,
    });
    if let (Some(em), Some(m)) = (
        &a.missing.em,
        doc.get_mut("missing").and_then(|m| m.as_object_mut()),
    ) {
        m.insert("em".into(), serde_json::to_value(em).unwrap_or(Value::Null));
    }
    if let (Some(w), Some(obj)) = (a.data.weights.as_deref(), doc.as_object_mut()) {
        // contract (survey design): every document that uses weights gains Kish's n
        obj.insert(
            "n_effective".into(),
            num(crate::design::weights::n_effective(w)),
        );
    }
    if let (Some(b), Some(obj)) = (boot, doc.as_object_mut()) {
        obj.insert("bootstrap".into(), bootstrap_json(b));
    }
    if let (true, Some(obj)) = (m.has_higher_order(), doc.as_object_mut()) {
        obj.insert("higher_order".into(), json!(hoc::higher_order_json(m, f)));
    }
    doc
}

/// The `cross_loadings` of a fit document: per item, its construct and its correlation
/// with every construct score (`{"item", "construct", "loadings": {CONSTRUCT: r}}`).
fn cross_loadings_json(a: &Analysis) -> Value {
    let m = &a.model;
    Value::Array(
        m.items
            .iter()
            .enumerate()
            .map(|(k, it)| {
                let l: Map<String, Value> = m
                    .constructs
                    .iter()
                    .enumerate()
                    .map(|(j, c)| (c.name.clone(), num(a.fit.cross_loadings[(k, j)])))
                    .collect();
                json!({"item": it.name, "construct": m.constructs[it.construct].name, "loadings": l})
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
                "construct": a.model.constructs[c.construct].name,
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
    let f = &a.fit;
    let cname = |j: usize| m.constructs[j].name.clone();
    let paths: Vec<Value> = f
        .path_stats
        .iter()
        .map(|s| {
            let mut o = Map::new();
            o.insert("from".into(), json!(cname(s.from)));
            o.insert("to".into(), json!(cname(s.to)));
            o.insert("estimate".into(), num(s.estimate));
            o.insert("ols_se".into(), num(s.se));
            o.insert("ols_t".into(), num(s.t));
            o.insert("ols_p".into(), num(s.p));
            add_boot(
                &mut o,
                boot,
                Stat::Path {
                    from: s.from,
                    to: s.to,
                },
                true,
            );
            Value::Object(o)
        })
        .collect();
    paths
}

/// The `indicators` of a fit document.
fn indicators_json(a: &Analysis, boot: Option<&BootstrapResult>) -> Vec<Value> {
    let m = &a.model;
    let f = &a.fit;
    let cname = |j: usize| m.constructs[j].name.clone();
    let indicators: Vec<Value> = m
        .items
        .iter()
        .enumerate()
        .map(|(k, it)| {
            let j = it.construct;
            let pos = m.constructs[j]
                .items
                .iter()
                .position(|&x| x == k)
                .unwrap_or(0);
            let nw = a.indices[j].normalized_weights.get(pos).copied();
            let mut o = Map::new();
            o.insert("name".into(), json!(it.name));
            o.insert("construct".into(), json!(cname(j)));
            if let Some(l) = &it.label {
                o.insert("label".into(), json!(l));
            }
            o.insert("weight".into(), num(f.weights[k]));
            o.insert("loading".into(), num(f.loadings[k]));
            o.insert("normalized_weight".into(), opt(nw));
            o.insert("vif".into(), opt(a.quality.indicator_vif[k]));
            o.insert("mean".into(), num(f.means[k]));
            if let Some(b) = boot {
                // contract: the indicator gains se/ci_low/ci_high (those of its outer
                // weight); weight_* and loading_* name each statistic explicitly
                if let Some(st) = b.stat(Stat::Weight(k)) {
                    o.insert("se".into(), num(st.se));
                    o.insert("ci_low".into(), num(st.ci_low));
                    o.insert("ci_high".into(), num(st.ci_high));
                }
                for (what, key) in [("weight", Stat::Weight(k)), ("loading", Stat::Loading(k))] {
                    if let Some(s) = b.stat(key) {
                        o.insert(format!("{what}_se"), num(s.se));
                        o.insert(format!("{what}_ci_low"), num(s.ci_low));
                        o.insert(format!("{what}_ci_high"), num(s.ci_high));
                    }
                }
            }
            Value::Object(o)
        })
        .collect();
    indicators
}

/// The `constructs` of a fit document.
fn constructs_json(a: &Analysis, boot: Option<&BootstrapResult>) -> Vec<Value> {
    let m = &a.model;
    let f = &a.fit;
    let constructs: Vec<Value> = m
        .constructs
        .iter()
        .enumerate()
        .map(|(j, c)| {
            let qj = &a.quality.constructs[j];
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
            o.insert("r2".into(), opt(f.r2[j]));
            o.insert("r2_adj".into(), opt(f.r2_adj[j]));
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
            o.insert("index".into(), opt(a.indices[j].value));
            if let Some(p) = &a.indices[j].problem {
                o.insert("index_problem".into(), json!(p));
            }
            if let Some(b) = boot {
                if let Some(s) = b.stat(Stat::Index(j)) {
                    // contract: the construct index gains se/ci_low/ci_high
                    o.insert("se".into(), num(s.se));
                    o.insert("ci_low".into(), num(s.ci_low));
                    o.insert("ci_high".into(), num(s.ci_high));
                    o.insert("index_se".into(), num(s.se));
                    o.insert("index_ci_low".into(), num(s.ci_low));
                    o.insert("index_ci_high".into(), num(s.ci_high));
                }
                if let Some(s) = b.stat(Stat::R2(j)) {
                    o.insert("r2_se".into(), num(s.se));
                    o.insert("r2_ci_low".into(), num(s.ci_low));
                    o.insert("r2_ci_high".into(), num(s.ci_high));
                }
            }
            Value::Object(o)
        })
        .collect();
    constructs
}

/// The `effects` of a fit document: every pair with a path or a total effect.
fn effects_json(a: &Analysis, boot: Option<&BootstrapResult>) -> Vec<Value> {
    let m = &a.model;
    let f = &a.fit;
    let cname = |j: usize| m.constructs[j].name.clone();
    let q = m.n_constructs();
    let mut effects = Vec::new();
    for i in 0..q {
        for j in 0..q {
            let total = f.total[(i, j)];
            if total == 0.0 && f.paths[(i, j)] == 0.0 {
                continue;
            }
            let mut o = Map::new();
            o.insert("from".into(), json!(cname(i)));
            o.insert("to".into(), json!(cname(j)));
            o.insert("direct".into(), num(f.paths[(i, j)]));
            o.insert("indirect".into(), num(total - f.paths[(i, j)]));
            o.insert("total".into(), num(total));
            add_boot(&mut o, boot, Stat::Total { from: i, to: j }, true);
            if let Some(b) = boot {
                if let Some(s) = b.stat(Stat::Indirect { from: i, to: j }) {
                    o.insert("indirect_se".into(), num(s.se));
                    o.insert("indirect_ci_low".into(), num(s.ci_low));
                    o.insert("indirect_ci_high".into(), num(s.ci_high));
                    o.insert("indirect_p".into(), num(s.p));
                }
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
    let cname = |j: usize| m.constructs[j].name.clone();
    let q = m.n_constructs();
    let mut htmt = Vec::new();
    for i in 0..q {
        for j in (i + 1)..q {
            // HTMT needs two multi-item blocks (a model of single items has none)
            if !crate::quality::htmt_defined(m, i, j) {
                continue;
            }
            let mut o = Map::new();
            o.insert("a".into(), json!(cname(i)));
            o.insert("b".into(), json!(cname(j)));
            o.insert("htmt".into(), num(a.quality.htmt[(i, j)]));
            if let Some(b) = boot {
                if let Some(s) = b.stat(Stat::Htmt { a: i, b: j }) {
                    o.insert("ci_low".into(), num(s.ci_low));
                    o.insert("ci_high".into(), num(s.ci_high));
                }
            }
            htmt.push(Value::Object(o));
        }
    }
    htmt
}
