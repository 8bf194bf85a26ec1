//! The `csi ipma` report: the `csi-ipma/v1` JSON document and the text tables.

use super::num;
use crate::ipma::{fmt_imp, Interval, Ipma, Lang, Level, Quadrant, Subject, Thresholds};
use crate::report::text::Table;
use crate::spec::Model;
use serde_json::{json, Map, Value};
use std::fmt::Write;

/// The `csi-ipma/v1` JSON document.
pub fn ipma_json(map: &Ipma, model: &Model, level: Level, n: usize) -> Value {
    let cname = |j: usize| model.constructs[j].name.clone();
    let add_ci = |o: &mut Map<String, Value>, what: &str, ci: &Option<Interval>| {
        if let Some(c) = ci {
            o.insert(format!("{what}_se"), num(c.se));
            o.insert(format!("{what}_ci_low"), num(c.low));
            o.insert(format!("{what}_ci_high"), num(c.high));
        }
    };
    let constructs: Vec<Value> = if level.constructs() {
        map.constructs
            .iter()
            .map(|r| {
                let mut o = Map::new();
                o.insert("name".into(), json!(cname(r.construct)));
                o.insert("label".into(), json!(model.construct_label(r.construct)));
                o.insert("importance".into(), num(r.importance));
                o.insert("performance".into(), num(r.performance));
                o.insert("quadrant".into(), json!(r.quadrant.key()));
                o.insert("quadrant_label".into(), json!(r.quadrant.name(map.lang)));
                add_ci(&mut o, "importance", &r.importance_ci);
                add_ci(&mut o, "performance", &r.performance_ci);
                Value::Object(o)
            })
            .collect()
    } else {
        Vec::new()
    };
    let indicators: Vec<Value> = if level.indicators() {
        map.indicators
            .iter()
            .map(|r| {
                let mut o = Map::new();
                o.insert("name".into(), json!(model.items[r.item].name));
                o.insert("label".into(), json!(model.item_label(r.item)));
                o.insert("construct".into(), json!(cname(r.construct)));
                o.insert("normalized_weight".into(), num(r.normalized_weight));
                o.insert("importance".into(), num(r.importance));
                o.insert("performance".into(), num(r.performance));
                o.insert("quadrant".into(), json!(r.quadrant.key()));
                o.insert("quadrant_label".into(), json!(r.quadrant.name(map.lang)));
                add_ci(&mut o, "importance", &r.importance_ci);
                add_ci(&mut o, "performance", &r.performance_ci);
                Value::Object(o)
            })
            .collect()
    } else {
        Vec::new()
    };
    let th = |t: &Option<Thresholds>| match t {
        Some(t) => json!({"importance": num(t.importance), "performance": num(t.performance)}),
        None => Value::Null,
    };
    // `thresholds` of the contract: the construct level when reported, else the
    // indicator level; both levels are also given by name.
    let main = if level.constructs() {
        &map.construct_thresholds
    } else {
        &map.indicator_thresholds
    };
    let mut thresholds = match main {
        Some(t) => json!({"importance": num(t.importance), "performance": num(t.performance)}),
        None => json!({"importance": null, "performance": null}),
    };
    if let Some(o) = thresholds.as_object_mut() {
        o.insert("split".into(), json!(map.split.as_string()));
        if level.constructs() {
            o.insert("constructs".into(), th(&map.construct_thresholds));
        }
        if level.indicators() {
            o.insert("indicators".into(), th(&map.indicator_thresholds));
        }
    }
    let actions: Vec<Value> = map
        .actions(level)
        .iter()
        .map(|a| {
            let (kind, name) = match a.subject {
                Subject::Construct(j) => ("construct", cname(j)),
                Subject::Indicator(k) => ("indicator", model.items[k].name.clone()),
            };
            json!({
                "rank": a.rank,
                "level": kind,
                "name": name,
                "quadrant": a.quadrant.key(),
                "importance": num(a.importance),
                "performance": num(a.performance),
                "text": map.action_text(model, a),
            })
        })
        .collect();
    let mut doc = json!({
        "schema": "csi-ipma/v1",
        "model": model.name,
        "n": n,
        "target": cname(map.target),
        "target_label": model.construct_label(map.target),
        "target_performance": num(map.target_performance),
        "level": level.as_str(),
        "language": map.lang.code(),
        "importance": "unstandardized total effect on the target, 0-100 scores",
        "performance": "0-100 index (constructs) or item mean rescaled to 0-100 (indicators)",
        "constructs": constructs,
        "indicators": indicators,
        "thresholds": thresholds,
        "actions": actions,
        "excluded": map.excluded.iter().map(|(j, why)| json!({"name": cname(*j), "reason": why})).collect::<Vec<_>>(),
    });
    if let (Some(b), Some(o)) = (&map.bootstrap, doc.as_object_mut()) {
        let v = super::resampling_json(
            b.resamples,
            b.seed,
            b.ci,
            b.level,
            b.failed,
            &b.failure_reasons,
            b.withheld.as_ref(),
        );
        o.insert("bootstrap".into(), v);
    }
    doc
}

/// Human-readable tables: the map of each level and the action list.
pub fn ipma_text(map: &Ipma, model: &Model, level: Level, n: usize) -> String {
    let mut s = String::new();
    let zh = map.lang == Lang::Chinese;
    let _ = writeln!(
        s,
        "csi ipma: {} (n = {}), target {} {} (index {:.1})",
        model.name,
        n,
        model.constructs[map.target].name,
        model.construct_label(map.target),
        map.target_performance
    );
    let _ = writeln!(
        s,
        "importance = points gained on the target's 0-100 score per point on the driver's 0-100 score (unstandardized total effect)"
    );
    let _ = writeln!(
        s,
        "performance = 0-100 index (constructs), item mean rescaled to 0-100 (indicators)"
    );
    if let Some(b) = &map.bootstrap {
        s.push_str(&crate::report::text::bootstrap_line(
            b.resamples,
            b.seed,
            b.ci,
            b.level,
            b.failed,
            b.withheld.as_ref(),
        ));
    }
    if level.constructs() {
        constructs_section(map, model, &mut s);
    }
    if level.indicators() {
        indicators_section(map, model, &mut s);
    }
    for (j, why) in &map.excluded {
        let _ = writeln!(s, "left out: {}: {why}", model.constructs[*j].name);
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "{}",
        if zh {
            "Actions 改进优先顺序 (high importance, low performance first)"
        } else {
            "Actions (high importance, low performance first)"
        }
    );
    let mut kind = None;
    for a in map.actions(level) {
        let k = matches!(a.subject, Subject::Construct(_));
        if level == Level::Both && kind != Some(k) {
            let _ = writeln!(s, "{}", if k { "constructs:" } else { "indicators:" });
            kind = Some(k);
        }
        let _ = writeln!(s, "{:>3}. {}", a.rank, map.action_text(model, &a));
    }
    s
}

/// One row of an IPMA table: the leading cells, then importance, performance and
/// their intervals, and the quadrant.
struct Row<'a> {
    lead: Vec<String>,
    importance: f64,
    importance_ci: &'a Option<Interval>,
    performance: f64,
    performance_ci: &'a Option<Interval>,
    quadrant: Quadrant,
}

/// One level's table of the IPMA report (`head`: the leading columns, the first
/// `n_left` left-aligned), with its split line.
fn level_section(
    map: &Ipma,
    title: &str,
    head: &[&str],
    n_left: usize,
    rows: Vec<Row>,
    th: &Option<Thresholds>,
    s: &mut String,
) {
    let boot = map.bootstrap.is_some();
    let withheld = map.bootstrap.as_ref().is_some_and(|b| b.withheld.is_some());
    let ci = |c: &Option<Interval>, digits: usize| match c {
        Some(c) if c.low.is_finite() => {
            format!("[{:.*}, {:.*}]", digits, c.low, digits, c.high)
        }
        _ if withheld => "-".to_string(),
        _ => String::new(),
    };
    let _ = writeln!(s);
    let _ = writeln!(s, "{title}");
    let mut hdr = head.to_vec();
    hdr.push("importance");
    if boot {
        hdr.push("CI");
    }
    hdr.push("performance");
    if boot {
        hdr.push("CI");
    }
    hdr.push("quadrant");
    let mut t = Table::new(&hdr, n_left);
    for r in rows {
        let mut row = r.lead;
        row.push(fmt_imp(r.importance));
        if boot {
            row.push(ci(r.importance_ci, 3));
        }
        row.push(format!("{:.1}", r.performance));
        if boot {
            row.push(ci(r.performance_ci, 1));
        }
        row.push(r.quadrant.name(map.lang).to_string());
        t.row(row);
    }
    s.push_str(&t.render());
    if let Some(th) = th {
        let _ = writeln!(
            s,
            "split ({}): importance {}, performance {:.1}",
            map.split.as_string(),
            fmt_imp(th.importance),
            th.performance
        );
    }
}

/// The construct rows of the IPMA report.
fn constructs_section(map: &Ipma, model: &Model, s: &mut String) {
    let zh = map.lang == Lang::Chinese;
    let rows = map
        .constructs
        .iter()
        .map(|r| Row {
            lead: vec![
                model.constructs[r.construct].name.clone(),
                model.construct_label(r.construct).to_string(),
            ],
            importance: r.importance,
            importance_ci: &r.importance_ci,
            performance: r.performance,
            performance_ci: &r.performance_ci,
            quadrant: r.quadrant,
        })
        .collect();
    let title = if zh {
        "Constructs 构念"
    } else {
        "Constructs"
    };
    let head = ["construct", "label"];
    level_section(map, title, &head, 2, rows, &map.construct_thresholds, s);
}

/// The indicator rows of the IPMA report.
fn indicators_section(map: &Ipma, model: &Model, s: &mut String) {
    let zh = map.lang == Lang::Chinese;
    let rows = map
        .indicators
        .iter()
        .map(|r| Row {
            lead: vec![
                model.items[r.item].name.clone(),
                model.item_label(r.item).to_string(),
                model.constructs[r.construct].name.clone(),
                format!("{:.3}", r.normalized_weight),
            ],
            importance: r.importance,
            importance_ci: &r.importance_ci,
            performance: r.performance,
            performance_ci: &r.performance_ci,
            quadrant: r.quadrant,
        })
        .collect();
    let title = if zh {
        "Indicators 指标"
    } else {
        "Indicators"
    };
    let head = ["item", "label", "construct", "weight"];
    level_section(map, title, &head, 3, rows, &map.indicator_thresholds, s);
}
