//! The `csi ipma` report: the `csi-ipma/v1` JSON document and the text tables.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::{construct_name, item_name, num};
use crate::ipma::{
    fmt_imp, ConstructRow, IndicatorRow, Interval, Ipma, Lang, Level, Quadrant, Subject, Thresholds,
};
use crate::report::text::Table;
use crate::spec::Model;
use serde_json::{json, Map, Value};
use std::fmt::Write;

/// The fields every IPMA point has: importance, performance, quadrant (key and
/// label) and, with a bootstrap, the intervals of importance and performance.
fn placement_fields(o: &mut Map<String, Value>, lang: Lang, p: Placement) {
    o.insert("importance".into(), num(p.importance));
    o.insert("performance".into(), num(p.performance));
    o.insert("quadrant".into(), json!(p.quadrant.key()));
    o.insert("quadrant_label".into(), json!(p.quadrant.name(lang)));
    for (what, ci) in [
        ("importance", p.importance_ci),
        ("performance", p.performance_ci),
    ] {
        if let Some(c) = ci {
            o.insert(format!("{what}_se"), num(c.se));
            o.insert(format!("{what}_ci_low"), num(c.low));
            o.insert(format!("{what}_ci_high"), num(c.high));
        }
    }
}

/// Where a construct or an indicator sits on the map, with its intervals.
struct Placement<'a> {
    importance: f64,
    importance_ci: &'a Option<Interval>,
    performance: f64,
    performance_ci: &'a Option<Interval>,
    quadrant: Quadrant,
}

/// `From` for a construct row and an indicator row: both carry the placement under
/// the same names.
macro_rules! placement_from {
    ($t:ty) => {
        impl<'a> From<&'a $t> for Placement<'a> {
            fn from(r: &'a $t) -> Self {
                Placement {
                    importance: r.importance,
                    importance_ci: &r.importance_ci,
                    performance: r.performance,
                    performance_ci: &r.performance_ci,
                    quadrant: r.quadrant,
                }
            }
        }
    };
}
placement_from!(ConstructRow);
placement_from!(IndicatorRow);

/// The `constructs` of the document (empty unless the level reports constructs).
fn constructs_json(map: &Ipma, model: &Model, level: Level) -> Vec<Value> {
    if !level.constructs() {
        return Vec::new();
    }
    map.constructs
        .iter()
        .map(|r| {
            let mut o = Map::new();
            o.insert("name".into(), json!(construct_name(model, r.construct)));
            o.insert("label".into(), json!(model.construct_label(r.construct)));
            placement_fields(&mut o, map.lang, Placement::from(r));
            Value::Object(o)
        })
        .collect()
}

/// The `indicators` of the document (empty unless the level reports indicators).
fn indicators_json(map: &Ipma, model: &Model, level: Level) -> Vec<Value> {
    if !level.indicators() {
        return Vec::new();
    }
    map.indicators
        .iter()
        .map(|r| {
            let mut o = Map::new();
            o.insert("name".into(), json!(item_name(model, r.item)));
            o.insert("label".into(), json!(model.item_label(r.item)));
            o.insert(
                "construct".into(),
                json!(construct_name(model, r.construct)),
            );
            o.insert("normalized_weight".into(), num(r.normalized_weight));
            placement_fields(&mut o, map.lang, Placement::from(r));
            Value::Object(o)
        })
        .collect()
}

/// `{"importance", "performance"}` of a split, null values when there is none.
fn split_json(t: &Option<Thresholds>) -> Value {
    match t {
        Some(t) => json!({"importance": num(t.importance), "performance": num(t.performance)}),
        None => json!({"importance": null, "performance": null}),
    }
}

/// The `thresholds` of the document.
fn thresholds_json(map: &Ipma, level: Level) -> Value {
    let th = |t: &Option<Thresholds>| match t {
        Some(_) => split_json(t),
        None => Value::Null,
    };
    // `thresholds` of the contract: the construct level when reported, else the
    // indicator level; both levels are also given by name.
    let main = if level.constructs() {
        &map.construct_thresholds
    } else {
        &map.indicator_thresholds
    };
    let mut thresholds = split_json(main);
    if let Some(o) = thresholds.as_object_mut() {
        o.insert("split".into(), json!(map.split.as_string()));
        if level.constructs() {
            o.insert("constructs".into(), th(&map.construct_thresholds));
        }
        if level.indicators() {
            o.insert("indicators".into(), th(&map.indicator_thresholds));
        }
    }
    thresholds
}

/// The `actions` of the document: the ranked improvement list.
fn actions_json(map: &Ipma, model: &Model, level: Level) -> Vec<Value> {
    map.actions(level)
        .iter()
        .map(|a| {
            let (kind, name) = match a.subject {
                Subject::Construct(j) => ("construct", construct_name(model, j)),
                Subject::Indicator(k) => ("indicator", item_name(model, k)),
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
        .collect()
}

/// The `csi-ipma/v1` JSON document.
pub fn ipma_json(map: &Ipma, model: &Model, level: Level, n: usize) -> Value {
    let mut doc = json!({
        "schema": "csi-ipma/v1",
        "model": model.name,
        "n": n,
        "target": construct_name(model, map.target),
        "target_label": model.construct_label(map.target),
        "target_performance": num(map.target_performance),
        "level": level.as_str(),
        "language": map.lang.code(),
        "importance": "unstandardized total effect on the target, 0-100 scores",
        "performance": "0-100 index (constructs) or item mean rescaled to 0-100 (indicators)",
        "constructs": constructs_json(map, model, level),
        "indicators": indicators_json(map, model, level),
        "thresholds": thresholds_json(map, level),
        "actions": actions_json(map, model, level),
        "excluded": map.excluded.iter().map(|(j, why)| json!({"name": construct_name(model, *j), "reason": why})).collect::<Vec<_>>(),
    });
    if let (Some(b), Some(o)) = (&map.bootstrap, doc.as_object_mut()) {
        o.insert(
            "bootstrap".into(),
            super::resampling_json(&super::Resampling::from(b)),
        );
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
        construct_name(model, map.target),
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
        s.push_str(&super::Resampling::from(b).line());
    }
    if level.constructs() {
        constructs_section(map, model, &mut s);
    }
    if level.indicators() {
        indicators_section(map, model, &mut s);
    }
    for (j, why) in &map.excluded {
        let _ = writeln!(s, "left out: {}: {why}", construct_name(model, *j));
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
    at: Placement<'a>,
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
        let p = r.at;
        row.push(fmt_imp(p.importance));
        if boot {
            row.push(ci(p.importance_ci, 3));
        }
        row.push(format!("{:.1}", p.performance));
        if boot {
            row.push(ci(p.performance_ci, 1));
        }
        row.push(p.quadrant.name(map.lang).to_string());
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
                construct_name(model, r.construct).to_string(),
                model.construct_label(r.construct).to_string(),
            ],
            at: Placement::from(r),
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
                item_name(model, r.item).to_string(),
                model.item_label(r.item).to_string(),
                construct_name(model, r.construct).to_string(),
                format!("{:.3}", r.normalized_weight),
            ],
            at: Placement::from(r),
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
