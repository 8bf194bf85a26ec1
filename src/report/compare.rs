//! The `csi-compare/v1` JSON document and the human-readable comparison report.
//!
//! # Example
//! ```
//! # use csi::compare::{compare, CompareOptions};
//! # use csi::data::Survey;
//! # use csi::simulate::{to_scale, Measurement, Population};
//! # use csi::spec::{ConstructSpec, Model, Scale};
//! # let scale = Scale { min: 1.0, max: 10.0 };
//! # let model = Model::from_parts("toy",
//! #     vec![ConstructSpec::new("QUAL", &["q1", "q2"]), ConstructSpec::new("SAT", &["s1", "s2"])],
//! #     &[("QUAL", "SAT")])?.with_scale(scale)?;
//! # let pop = Population::new(&model, &[("QUAL", "SAT", 0.6)], Measurement::CommonFactor(0.8))?;
//! # let x = to_scale(&model, &pop.draw_continuous(&model, 120, 3)?, scale, 6.5, 1.5, &[], &[]);
//! # let mut survey = Survey::from_matrix(model.items.iter().map(|i| i.name.clone()).collect(), x);
//! # survey.extra.insert("brand".into(), (0..120).map(|i| Some(["X", "Y"][i % 2].to_string())).collect());
//! let c = compare(&model, &survey, "brand", None, &CompareOptions { permutations: 19, ..Default::default() })?;
//! let doc = csi::report::compare::to_json(&c);
//! assert_eq!(doc["schema"], "csi-compare/v1");
//! assert_eq!(doc["groups"].as_array().map(|g| g.len()), Some(2));
//! assert!(csi::report::compare::to_text(&c).contains("League"));
//! # Ok::<(), csi::Error>(())
//! ```
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::{construct_name, num, opt};
use crate::adjust::Adjust;
use crate::compare::{
    micom_family, Comparison, GroupFit, Invariance, Target, Versus, CONFIGURAL_NOTE,
};
use crate::report::text::Table;
use crate::stat::Stat;
use serde_json::{json, Map, Value};
use std::fmt::Write;

fn group_json(c: &Comparison, g: &GroupFit, label: Option<&str>) -> Value {
    let m = &c.model;
    let a = &g.analysis;
    let constructs: Vec<Value> = m
        .constructs
        .iter()
        .enumerate()
        .map(|(j, con)| {
            let mut o = Map::new();
            o.insert("name".into(), json!(con.name));
            o.insert("index".into(), opt(g.index(j)));
            let key = Stat::Index(j);
            let (lo, hi) = g.interval(key);
            o.insert("ci_low".into(), num(lo));
            o.insert("ci_high".into(), num(hi));
            if let Some(s) = g.bootstrap.as_ref().and_then(|b| b.stat(key)) {
                o.insert("se".into(), num(s.se));
            }
            o.insert("r2".into(), opt(a.fit.r2.get(j).copied().flatten()));
            if let Some(p) = a.indices.get(j).and_then(|x| x.problem.as_ref()) {
                o.insert("index_problem".into(), json!(p));
            }
            Value::Object(o)
        })
        .collect();
    let paths: Vec<Value> = a
        .fit
        .path_stats
        .iter()
        .map(|s| {
            let mut o = super::path_object(m, (s.from, s.to), s.estimate);
            let key = Stat::Path {
                from: s.from,
                to: s.to,
            };
            let (lo, hi) = g.interval(key);
            o.insert("ci_low".into(), num(lo));
            o.insert("ci_high".into(), num(hi));
            if let Some(st) = g.bootstrap.as_ref().and_then(|b| b.stat(key)) {
                o.insert("se".into(), num(st.se));
                o.insert("p".into(), num(st.p));
            }
            Value::Object(o)
        })
        .collect();
    let mut o = Map::new();
    if let Some(l) = label {
        o.insert("group".into(), json!(l));
    }
    o.insert("n".into(), json!(g.n()));
    o.insert("n_read".into(), json!(g.n_read));
    if let Some(w) = a.data.weights.as_deref() {
        o.insert(
            "n_effective".into(),
            num(crate::design::weights::n_effective(w)),
        );
    }
    o.insert("converged".into(), json!(a.fit.converged));
    o.insert("iterations".into(), json!(a.fit.iterations));
    o.insert("constructs".into(), Value::Array(constructs));
    o.insert("paths".into(), Value::Array(paths));
    if let Some(b) = &g.bootstrap {
        o.insert("bootstrap_failed".into(), json!(b.failed));
        if let Some(w) = &b.withheld {
            o.insert("bootstrap_withheld".into(), crate::report::withheld_json(w));
        }
    }
    o.insert("warnings".into(), json!(a.warnings));
    Value::Object(o)
}

/// The name of group `g` (empty when out of range).
fn group_name(c: &Comparison, g: usize) -> String {
    c.groups.get(g).map(|x| x.name.clone()).unwrap_or_default()
}

/// The `league` of the document: per construct, the groups ranked by their index.
fn league_json(c: &Comparison) -> Vec<Value> {
    let m = &c.model;
    c.league
        .iter()
        .map(|l| {
            json!({
                "construct": construct_name(m, l.construct),
                "label": m.construct_label(l.construct),
                "entries": l.entries.iter().map(|e| json!({
                    "rank": e.rank,
                    "group": group_name(c, e.group),
                    "index": opt(e.index),
                    "ci_low": num(e.ci_low),
                    "ci_high": num(e.ci_high),
                    "n": e.n,
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// The `differences` of the document: each pairwise index or path difference with
/// its interval, permutation p and adjusted p.
fn differences_json(c: &Comparison) -> Vec<Value> {
    let m = &c.model;
    c.differences
        .iter()
        .map(|d| {
            let mut o = Map::new();
            o.insert("a".into(), json!(group_name(c, d.a)));
            o.insert("b".into(), json!(c.against_name(d.b)));
            o.insert("kind".into(), json!(d.target.kind()));
            o.insert("name".into(), json!(d.name));
            if let Target::Path(x, y) = d.target {
                o.insert("from".into(), json!(construct_name(m, x)));
                o.insert("to".into(), json!(construct_name(m, y)));
            }
            o.insert("difference".into(), num(d.difference));
            o.insert("ci_low".into(), num(d.ci_low));
            o.insert("ci_high".into(), num(d.ci_high));
            o.insert("p".into(), num(d.p));
            o.insert("p_adjusted".into(), num(d.p_adjusted));
            o.insert("permutations_ok".into(), json!(d.permutations_ok));
            Value::Object(o)
        })
        .collect()
}

/// The `omnibus` tests of the document (between-group dispersion across all groups).
fn omnibus_json(c: &Comparison) -> Vec<Value> {
    c.omnibus
        .iter()
        .map(|t| {
            json!({
                "kind": t.target.kind(),
                "name": t.name,
                "statistic": num(t.statistic),
                "p": num(t.p),
                "p_adjusted": num(t.p_adjusted),
                "permutations_ok": t.permutations_ok,
            })
        })
        .collect()
}

/// The `micom` entries of the document: MICOM steps 2 and 3 per comparison and
/// construct, with the invariance verdict.
fn micom_json(c: &Comparison) -> Vec<Value> {
    let m = &c.model;
    c.micom
        .iter()
        .map(|mc| {
            json!({
                "a": group_name(c, mc.a),
                "b": c.against_name(mc.b),
                "configural": mc.configural,
                "constructs": mc.constructs.iter().map(|x| json!({
                    "name": construct_name(m, x.construct),
                    "c": num(x.c),
                    "c_quantile": num(x.c_quantile),
                    "c_p": num(x.c_p),
                    "c_p_adjusted": num(x.c_p_adjusted),
                    "compositional": x.compositional,
                    "mean_diff": num(x.mean_diff),
                    "mean_ci_low": num(x.mean_ci.0),
                    "mean_ci_high": num(x.mean_ci.1),
                    "mean_p": num(x.mean_p),
                    "mean_p_adjusted": num(x.mean_p_adjusted),
                    "equal_means": x.equal_means,
                    "log_var_ratio": num(x.log_var_ratio),
                    "var_ci_low": num(x.var_ci.0),
                    "var_ci_high": num(x.var_ci.1),
                    "var_p": num(x.var_p),
                    "var_p_adjusted": num(x.var_p_adjusted),
                    "equal_variances": x.equal_variances,
                    "invariance": x.invariance.as_str(),
                    "verdict": x.invariance.verdict(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// The `bootstrap` settings of the document, or null without a bootstrap.
fn bootstrap_settings_json(c: &Comparison) -> Value {
    match &c.options.bootstrap {
        Some(b) => json!({
            "resamples": b.resamples,
            "seed": b.seed,
            "ci": b.ci.as_str(),
            "level": b.level,
            "sign_change": b.sign_change.as_str(),
            "difference_ci": "percentile of paired replicate differences",
            "pooled_resampling": if c.options.versus == Versus::Pooled { "within groups" } else { "respondents" },
        }),
        None => Value::Null,
    }
}

/// The `permutation_failures` of the document: per permutation run, the groups
/// compared, how many permutations failed and why.
fn permutation_failures_json(c: &Comparison) -> Vec<Value> {
    c.permutation_runs.iter().map(|r| {
        let mut names: Vec<String> = r.groups.iter().map(|&g| group_name(c, g)).collect();
        if let Some(b) = r.against {
            names.push(c.against_name(b));
        }
        let mut v = json!({
            "groups": names,
            "requested": r.requested,
            "failed": r.failed,
            "reasons": r.reasons.iter().map(|(w, k)| json!({"reason": w, "count": k})).collect::<Vec<_>>(),
        });
        if let (true, Some(o)) = (r.withheld, v.as_object_mut()) {
            o.insert("withheld".into(), json!(true));
        }
        v
    }).collect()
}

/// The `csi-compare/v1` document (contract: `csi compare --json`).
pub fn to_json(c: &Comparison) -> Value {
    let m = &c.model;
    let groups: Vec<Value> = c
        .groups
        .iter()
        .map(|g| group_json(c, g, Some(&g.name)))
        .collect();
    json!({
        "schema": "csi-compare/v1",
        "model": m.name,
        "group_column": c.group_column,
        "settings": super::pls_settings_json(
            &c.options.fit.pls,
            c.options.fit.missing.as_str(),
            c.pooled.analysis.data.weights.is_some(),
        ),
        "seed": c.options.seed,
        "permutations": c.options.permutations,
        "level": c.options.level,
        "adjustment": c.options.adjust.as_str(),
        "versus": c.options.versus.as_str(),
        "bootstrap": bootstrap_settings_json(c),
        "n_missing_group": c.missing_group.len(),
        "n_not_requested": c.not_requested,
        "excluded_groups": c.excluded.iter().map(|e| json!({"group": e.group, "n": e.n, "reason": e.reason})).collect::<Vec<_>>(),
        "groups": groups,
        "pooled": group_json(c, &c.pooled, None),
        "league": league_json(c),
        "differences": differences_json(c),
        "omnibus": omnibus_json(c),
        "micom": micom_json(c),
        "micom_note": CONFIGURAL_NOTE,
        "micom_adjustment": {
            "method": c.options.adjust.as_str(),
            "step2_tests": micom_family(&c.micom).0,
            "step3_tests": micom_family(&c.micom).1,
            "note": micom_adjust_note(c),
        },
        "permutation_failures": permutation_failures_json(c),
        "warnings": c.warnings,
    })
}

fn f1(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1}")
    } else {
        "-".into()
    }
}

fn f3(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "-".into()
    }
}

fn pv(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.4}")
    } else {
        "-".into()
    }
}

/// `[lo, hi]`; `-` when the interval was asked for but is not available (e.g.
/// withheld), empty when it was not asked for.
fn ci(asked: bool, lo: f64, hi: f64, f: fn(f64) -> String) -> String {
    if lo.is_finite() && hi.is_finite() {
        format!("[{}, {}]", f(lo), f(hi))
    } else if asked {
        "-".into()
    } else {
        String::new()
    }
}

use crate::report::text::stars;

/// The human-readable report: league tables, differences, omnibus tests, MICOM.
pub fn to_text(c: &Comparison) -> String {
    let mut s = String::new();
    header_section(c, &mut s);
    league_section(c, &mut s);
    differences_section(c, &mut s);
    omnibus_section(c, &mut s);
    micom_section(c, &mut s);
    verdicts_section(c, &mut s);
    s
}

/// The head of the comparison report: groups, estimation settings, bootstrap and
/// permutation settings, and the groups or respondents left out.
fn header_section(c: &Comparison, s: &mut String) {
    let m = &c.model;
    let o = &c.options;
    let total: usize = c.groups.iter().map(|g| g.n()).sum();
    let _ = writeln!(
        s,
        "csi compare: {} by '{}' ({} groups, n = {})",
        m.name,
        c.group_column,
        c.groups.len(),
        total
    );
    let _ = writeln!(
        s,
        "PLS-PM, {} scheme, {} indicators, missing: {}{}",
        o.fit.pls.scheme.as_str(),
        o.fit.pls.indicators.as_str(),
        o.fit.missing.as_str(),
        if c.pooled.analysis.data.weights.is_some() {
            "; weighted"
        } else {
            ""
        }
    );
    match &o.bootstrap {
        Some(b) => {
            let _ = writeln!(
                s,
                "bootstrap: {} resamples per group, seed {}, {} {:.0}% intervals",
                b.resamples,
                b.seed,
                b.ci.as_str(),
                b.level * 100.0
            );
        }
        None => {
            let _ = writeln!(s, "no bootstrap intervals (add --bootstrap 1000)");
        }
    }
    if o.permutations > 0 {
        let _ = writeln!(
            s,
            "permutation tests: {} permutations, seed {}",
            o.permutations, o.seed
        );
    } else {
        let _ = writeln!(s, "no permutation tests (--permutations 0)");
    }
    for e in &c.excluded {
        let _ = writeln!(s, "not compared: '{}' (n = {}): {}", e.group, e.n, e.reason);
    }
    if !c.missing_group.is_empty() {
        let _ = writeln!(
            s,
            "{} respondent(s) without a value in '{}' left out",
            c.missing_group.len(),
            c.group_column
        );
    }
    let _ = writeln!(s);
}

/// The omnibus tests of the comparison report (nothing when there are none).
fn omnibus_section(c: &Comparison, s: &mut String) {
    if c.omnibus.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "Omnibus tests across all {} groups (between-group dispersion)",
        c.groups.len()
    );
    let p_head = adjusted_head(c);
    let mut t = Table::new(&["kind", "name", "statistic", "p", &p_head, ""], 2);
    for x in &c.omnibus {
        t.row(vec![
            x.target.kind().into(),
            x.name.clone(),
            format!("{:.4}", x.statistic),
            pv(x.p),
            pv(x.p_adjusted),
            stars(x.p_adjusted).into(),
        ]);
    }
    s.push_str(&t.render());
    let _ = writeln!(
        s,
        "stars on the {} p across the {} omnibus tests",
        adjusted_name(c.options.adjust),
        c.omnibus.iter().filter(|x| x.p.is_finite()).count()
    );
    let _ = writeln!(s);
}

/// The league tables of the comparison report.
fn league_section(c: &Comparison, s: &mut String) {
    let m = &c.model;
    let o = &c.options;
    let boot = o.bootstrap.is_some();
    let level = o.bootstrap.map(|b| b.level).unwrap_or(o.level);
    let ci_head = format!("{:.0}% CI", level * 100.0);
    let _ = writeln!(s, "League tables (0-100 index, best first)");
    let mut t = Table::new(&["construct", "rank", "group", "index", &ci_head, "n"], 3);
    for l in &c.league {
        for (pos, e) in l.entries.iter().enumerate() {
            t.row(vec![
                if pos == 0 {
                    construct_name(m, l.construct).to_string()
                } else {
                    String::new()
                },
                e.rank.map(|r| r.to_string()).unwrap_or_else(|| "-".into()),
                group_name(c, e.group),
                e.index.map(f1).unwrap_or_else(|| "undefined".into()),
                ci(boot, e.ci_low, e.ci_high, f1),
                e.n.to_string(),
            ]);
        }
        let pooled_key = Stat::Index(l.construct);
        let (lo, hi) = c.pooled.interval(pooled_key);
        t.row(vec![
            String::new(),
            String::new(),
            "(pooled)".into(),
            c.pooled
                .index(l.construct)
                .map(f1)
                .unwrap_or_else(|| "undefined".into()),
            ci(boot, lo, hi, f1),
            c.pooled.n().to_string(),
        ]);
    }
    s.push_str(&t.render());
    let _ = writeln!(s);
}

/// The differences of the comparison report.
fn differences_section(c: &Comparison, s: &mut String) {
    let o = &c.options;
    let boot = o.bootstrap.is_some();
    let level = o.bootstrap.map(|b| b.level).unwrap_or(o.level);
    let ci_head = format!("{:.0}% CI", level * 100.0);
    let p_head = adjusted_head(c);
    for (title, kind, fmt) in [
        (
            "Index differences (a - b)",
            "index",
            f1 as fn(f64) -> String,
        ),
        (
            "Path coefficient differences (a - b)",
            "path",
            f3 as fn(f64) -> String,
        ),
    ] {
        let _ = writeln!(s, "{title}");
        let mut t = Table::new(
            &["a", "b", "name", "difference", &ci_head, "p", &p_head, ""],
            3,
        );
        for d in c.differences.iter().filter(|d| d.target.kind() == kind) {
            t.row(vec![
                group_name(c, d.a),
                c.against_name(d.b),
                d.name.clone(),
                fmt(d.difference),
                ci(boot, d.ci_low, d.ci_high, fmt),
                pv(d.p),
                pv(d.p_adjusted),
                stars(d.p_adjusted).into(),
            ]);
        }
        s.push_str(&t.render());
        let _ = writeln!(s);
    }
    let m_tests = c.differences.iter().filter(|d| d.p.is_finite()).count();
    let p_head = adjusted_head(c);
    let _ = writeln!(
        s,
        "p: permutation test (Chin & Dibbern){}; {p_head}: {}; * < 0.05, ** < 0.01, *** < 0.001 on {p_head}",
        versus_note(c),
        match c.options.adjust {
            Adjust::None => format!("no adjustment across the {m_tests} differences"),
            a => format!("{} across all {m_tests} differences", adjust_long(a)),
        }
    );
    let _ = writeln!(s);
}

/// The MICOM table of the comparison report.
fn micom_section(c: &Comparison, s: &mut String) {
    let m = &c.model;
    let o = &c.options;
    let perm = o.permutations > 0;
    let _ = writeln!(s, "Measurement invariance (MICOM)");
    let _ = writeln!(s, "step 1: {CONFIGURAL_NOTE}");
    let q_head = format!("c {:.0}% quantile", (1.0 - o.level) * 100.0);
    let mut t = Table::new(
        &[
            "a",
            "b",
            "construct",
            "c",
            &q_head,
            "mean diff",
            "interval",
            "log var ratio",
            "interval",
            "invariance",
        ],
        3,
    );
    for mc in &c.micom {
        for x in &mc.constructs {
            t.row(vec![
                group_name(c, mc.a),
                c.against_name(mc.b),
                construct_name(m, x.construct).to_string(),
                format!("{:.4}", x.c),
                if x.c_quantile.is_finite() {
                    format!("{:.4}", x.c_quantile)
                } else {
                    "-".into()
                },
                f3(x.mean_diff),
                ci(perm, x.mean_ci.0, x.mean_ci.1, f3),
                f3(x.log_var_ratio),
                ci(perm, x.var_ci.0, x.var_ci.1, f3),
                x.invariance.as_str().into(),
            ]);
        }
    }
    s.push_str(&t.render());
    let _ = writeln!(s);
}

/// The MICOM verdicts of the comparison report.
fn verdicts_section(c: &Comparison, s: &mut String) {
    let m = &c.model;
    let _ = writeln!(s, "Verdicts");
    for mc in &c.micom {
        let count = |k: Invariance| mc.constructs.iter().filter(|x| x.invariance == k).count();
        let none: Vec<&str> = mc
            .constructs
            .iter()
            .filter(|x| x.invariance == Invariance::None)
            .map(|x| construct_name(m, x.construct))
            .collect();
        let head = format!("{} vs {}", group_name(c, mc.a), c.against_name(mc.b));
        if count(Invariance::NotTested) == mc.constructs.len() {
            let _ = writeln!(s, "- {head}: {}", Invariance::NotTested.verdict());
            continue;
        }
        let _ = writeln!(
            s,
            "- {head}: {} full, {} partial, {} no invariance{}",
            count(Invariance::Full),
            count(Invariance::Partial),
            count(Invariance::None),
            if none.is_empty() {
                ": every index may be compared".to_string()
            } else {
                format!(": do not compare the indices of {}", none.join(", "))
            }
        );
    }
    if let Some(note) = micom_adjust_note(c) {
        let _ = writeln!(s, "  {note}");
    }
    let _ = writeln!(s, "  full: {}", Invariance::Full.verdict());
    let _ = writeln!(s, "  partial: {}", Invariance::Partial.verdict());
    let _ = writeln!(s, "  none: {}", Invariance::None.verdict());
}

/// `holm`, `Benjamini-Hochberg` or `unadjusted`: what the adjusted p is.
fn adjusted_name(a: Adjust) -> &'static str {
    match a {
        Adjust::Holm => "Holm-adjusted",
        Adjust::Bh => "Benjamini-Hochberg-adjusted",
        Adjust::None => "unadjusted",
    }
}

fn adjust_long(a: Adjust) -> &'static str {
    match a {
        Adjust::Holm => "Holm (family-wise error rate)",
        Adjust::Bh => "Benjamini-Hochberg (false discovery rate)",
        Adjust::None => "none",
    }
}

/// The header of the adjusted-p column.
fn adjusted_head(c: &Comparison) -> String {
    match c.options.adjust {
        Adjust::Holm => "p (Holm)".into(),
        Adjust::Bh => "p (BH)".into(),
        Adjust::None => "p (unadj.)".into(),
    }
}

/// How the differences were formed with `--versus`.
fn versus_note(c: &Comparison) -> String {
    match &c.options.versus {
        Versus::Pairs => String::new(),
        Versus::Pooled => ": each group against the pooled sample, whose statistic is the same in every permutation; intervals resample within groups".into(),
        Versus::Rest => ": each group against all other groups together".into(),
        Versus::Group(g) => format!(": each group against '{g}'"),
    }
}

/// What the MICOM verdicts adjusted, or `None` without tests.
fn micom_adjust_note(c: &Comparison) -> Option<String> {
    let (s2, s3) = micom_family(&c.micom);
    if s2 + s3 == 0 {
        return None;
    }
    let comparisons = c.micom.len();
    let q = c.model.n_constructs();
    Some(match c.options.adjust {
        Adjust::None => format!(
            "MICOM p values are not adjusted: {s2} step-2 and {s3} step-3 tests at {:.0}% each",
            c.options.alpha() * 100.0
        ),
        a => format!(
            "MICOM verdicts adjusted ({}): step 2 across {q} construct(s) x {comparisons} comparison(s) ({s2} tests), step 3 across the constructs' means and variances within each comparison ({s3} tests in all); a step fails only when its adjusted p is below {:.2}",
            adjusted_name(a).trim_end_matches("-adjusted"),
            c.options.alpha()
        ),
    })
}
