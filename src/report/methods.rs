//! The `csi methods` report: the `csi-methods/v1` JSON document and the text tables.

use super::{num, opt as onum};
use crate::ipma::{short_label, Lang};
use crate::methods::{
    explanation, method_name, Band, LoyaltyClass, MethodsReport, Outcome, RANKING_METHODS,
    SATISFIED_BAND,
};
use crate::report::text::Table;
use crate::spec::Model;
use serde_json::{json, Value};
use std::fmt::Write;

/// The `csi-methods/v1` JSON document.
pub fn methods_json(rep: &MethodsReport, model: &Model) -> Value {
    let lang = rep.lang;
    let methods: Vec<Value> = rep
        .scores()
        .into_iter()
        .map(|(m, o)| {
            let mut v = json!({
                "method": m,
                "name": method_name(m, lang),
                "explanation": explanation(m),
            });
            if let Some(obj) = v.as_object_mut() {
                match o {
                    Outcome::Done(s) => {
                        obj.insert("score".into(), num(s));
                    }
                    Outcome::NotAvailable(why) => {
                        obj.insert("score".into(), Value::Null);
                        obj.insert("note".into(), json!(why));
                    }
                }
            }
            v
        })
        .collect();
    let drivers: Vec<Value> = rep
        .drivers
        .iter()
        .map(|d| {
            let mut imp = serde_json::Map::new();
            let mut rk = serde_json::Map::new();
            for (m, name) in RANKING_METHODS.iter().enumerate() {
                imp.insert((*name).into(), onum(d.importance[m]));
                rk.insert(
                    (*name).into(),
                    d.ranks[m].map(|r| json!(r)).unwrap_or(Value::Null),
                );
            }
            json!({
                "name": model.constructs[d.construct].name,
                "label": model.construct_label(d.construct),
                "performance_simple": num(d.simple_performance),
                "performance_sem": onum(d.sem_performance),
                "importance": imp,
                "ranks": rk,
                "agreement": if d.agree() { "agree" } else { "differ" },
            })
        })
        .collect();
    let regression = match &rep.regression {
        Outcome::Done(r) => json!({
            "available": true,
            "overall_item": r.overall,
            "n": r.ols.n,
            "r2": num(r.ols.r2),
            "intercept": num(r.ols.intercept),
            "coefficients": rep.drivers.iter().zip(&r.ols.coef).zip(&r.ols.beta)
                .map(|((d, b), be)| json!({"name": model.constructs[d.construct].name, "b": num(*b), "beta": num(*be)}))
                .collect::<Vec<_>>(),
        }),
        Outcome::NotAvailable(e) => json!({"available": false, "note": e}),
    };
    let ratio = match &rep.ratio {
        Outcome::Done(r) => json!({
            "available": true,
            "band": SATISFIED_BAND,
            "attributes": r.rows.iter().map(|x| json!({
                "perceived": x.perceived, "expected": x.expected, "b": num(x.b), "a": num(x.a),
                "c": num(x.c), "band": Band::classify(x.c).key(), "n": x.n,
            })).collect::<Vec<_>>(),
            "overall": {"c": num(r.overall), "band": Band::classify(r.overall).key()},
            "respondents": {"n": r.n, "dissatisfied": num(r.shares[0]), "satisfied": num(r.shares[1]), "very_satisfied": num(r.shares[2])},
        }),
        Outcome::NotAvailable(e) => json!({"available": false, "note": e}),
    };
    let loyalty = match &rep.loyalty {
        Outcome::Done(s) => json!({
            "available": true,
            "threshold": s.threshold,
            "attitudinal": model.extras.attitudinal,
            "behavioural": model.extras.behavioural,
            "classes": LoyaltyClass::ALL.iter().enumerate().map(|(k, c)| json!({
                "class": c.key(), "label": c.name(lang), "n": s.counts[k], "share": num(s.shares[k]),
            })).collect::<Vec<_>>(),
            "unclassified": s.unclassified,
        }),
        Outcome::NotAvailable(e) => json!({"available": false, "note": e}),
    };
    json!({
        "schema": "csi-methods/v1",
        "model": model.name,
        "n": rep.n,
        "target": model.constructs[rep.target].name,
        "language": lang.code(),
        "methods": methods,
        "drivers": drivers,
        "rank_agreement": rep.spearman.iter().map(|(a, b, r)| json!({"a": a, "b": b, "spearman": num(*r)})).collect::<Vec<_>>(),
        "regression": regression,
        "ratio": ratio,
        "loyalty": loyalty,
        "notes": rep.notes,
    })
}

/// Human-readable report.
pub fn methods_text(rep: &MethodsReport, model: &Model) -> String {
    let lang = rep.lang;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "csi methods: {} (n = {}), target {} {}",
        model.name,
        rep.n,
        model.constructs[rep.target].name,
        model.construct_label(rep.target)
    );
    let _ = writeln!(s);
    let _ = writeln!(s, "Scores (0-100)");
    let mut t = Table::new(&["method", "", "score"], 2);
    let mut legend = Vec::new();
    for (m, o) in rep.scores() {
        let score = match o {
            Outcome::Done(v) => {
                legend.push(format!(
                    "- {}: {}",
                    method_name(m, Lang::English),
                    explanation(m)
                ));
                format!("{v:.1}")
            }
            Outcome::NotAvailable(e) => {
                legend.push(format!(
                    "- {}: {} ({e})",
                    method_name(m, Lang::English),
                    explanation(m)
                ));
                "-".to_string()
            }
        };
        t.row(vec![
            method_name(m, Lang::English).into(),
            if lang == Lang::Chinese {
                method_name(m, lang).into()
            } else {
                String::new()
            },
            score,
        ]);
    }
    s.push_str(&t.render());
    for l in legend {
        let _ = writeln!(s, "{l}");
    }
    let _ = writeln!(s);
    drivers_section(rep, model, &mut s);
    ratio_loyalty_section(rep, &mut s);
    for n in &rep.notes {
        let _ = writeln!(s, "note: {n}");
    }
    s
}

/// The drivers table of the methods report.
fn drivers_section(rep: &MethodsReport, model: &Model, s: &mut String) {
    let _ = writeln!(s, "Drivers: performance and importance (rank) by method");
    let mut t = Table::new(
        &[
            "driver",
            "label",
            "simple perf",
            "SEM index",
            "dual (stated)",
            "improved dual w",
            "regression beta",
            "SEM importance",
            "agreement",
        ],
        2,
    );
    let cell = |v: Option<f64>, r: Option<usize>, d: usize| match (v, r) {
        (Some(v), Some(r)) => format!("{v:.d$} ({r})"),
        _ => "-".into(),
    };
    for d in &rep.drivers {
        t.row(vec![
            model.constructs[d.construct].name.clone(),
            short_label(model.construct_label(d.construct)).to_string(),
            format!("{:.1}", d.simple_performance),
            d.sem_performance
                .map(|v| format!("{v:.1}"))
                .unwrap_or_else(|| "-".into()),
            cell(d.importance[0], d.ranks[0], 2),
            cell(d.importance[1], d.ranks[1], 3),
            cell(d.importance[2], d.ranks[2], 3),
            cell(d.importance[3], d.ranks[3], 3),
            if d.agree() {
                "agree".into()
            } else {
                "differ".into()
            },
        ]);
    }
    s.push_str(&t.render());
    if !rep.spearman.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(s, "Rank agreement (Spearman)");
        for (a, b, r) in &rep.spearman {
            let _ = writeln!(
                s,
                "  {} vs {}: {:.2}",
                method_name(a, Lang::English),
                method_name(b, Lang::English),
                r
            );
        }
    }
    let agree: Vec<String> = rep
        .drivers
        .iter()
        .filter(|d| d.agree())
        .map(|d| model.constructs[d.construct].name.clone())
        .collect();
    let differ: Vec<String> = rep
        .drivers
        .iter()
        .filter(|d| !d.agree())
        .map(|d| model.constructs[d.construct].name.clone())
        .collect();
    if !agree.is_empty() {
        let _ = writeln!(
            s,
            "methods agree (ranks within one place) on: {}",
            agree.join(", ")
        );
    }
    if !differ.is_empty() {
        let _ = writeln!(s, "methods differ on: {}", differ.join(", "));
    }
    if let Outcome::Done(r) = &rep.regression {
        let _ = writeln!(
            s,
            "regression of '{}' on the driver scores: R2 = {:.3}, n = {}",
            r.overall, r.ols.r2, r.ols.n
        );
    }
}

/// The C = b/a and loyalty sections of the methods report.
fn ratio_loyalty_section(rep: &MethodsReport, s: &mut String) {
    let lang = rep.lang;
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "C = b/a (perceived / expected; |C - 1| <= {SATISFIED_BAND} reads as satisfied)"
    );
    match &rep.ratio {
        Outcome::Done(r) => {
            let mut t = Table::new(&["perceived", "expected", "b", "a", "C", "reading"], 2);
            for x in &r.rows {
                t.row(vec![
                    x.perceived.clone(),
                    x.expected.clone(),
                    format!("{:.2}", x.b),
                    format!("{:.2}", x.a),
                    format!("{:.3}", x.c),
                    Band::classify(x.c).name(lang).into(),
                ]);
            }
            s.push_str(&t.render());
            let _ = writeln!(
                s,
                "overall C = {:.3}: {}",
                r.overall,
                Band::classify(r.overall).name(lang)
            );
            let _ = writeln!(
                s,
                "respondents (n = {}): dissatisfied {:.1}%, satisfied {:.1}%, very satisfied {:.1}%",
                r.n,
                100.0 * r.shares[0],
                100.0 * r.shares[1],
                100.0 * r.shares[2]
            );
        }
        Outcome::NotAvailable(e) => {
            let _ = writeln!(s, "not available: {e}");
        }
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Loyalty segments (Dick & Basu; high = above the scale midpoint)"
    );
    match &rep.loyalty {
        Outcome::Done(seg) => {
            let mut t = Table::new(&["class", "respondents", "share"], 1);
            for (k, c) in LoyaltyClass::ALL.iter().enumerate() {
                t.row(vec![
                    c.name(lang).into(),
                    seg.counts[k].to_string(),
                    format!("{:.1}%", 100.0 * seg.shares[k]),
                ]);
            }
            s.push_str(&t.render());
            if seg.unclassified > 0 {
                let _ = writeln!(
                    s,
                    "unclassified (no answer on an axis): {}",
                    seg.unclassified
                );
            }
        }
        Outcome::NotAvailable(e) => {
            let _ = writeln!(s, "not available: {e}");
        }
    }
}
