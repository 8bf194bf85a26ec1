//! Moderation in the fit document and the text report.
//!
//! JSON key `interactions`: `[{"name": "QUAL:PRICE", "between": ["QUAL", "PRICE"],
//! "to": "SAT", "method", "estimate", ("se", "ci_low", "ci_high", "t", "p" with
//! `--bootstrap`), "simple_slopes": [{"moderator_sd": -1 | 0 | 1, "slope",
//! "ci_low", "ci_high"}]}]`. `estimate` is the path of the term; a simple slope is
//! the effect of the first construct on `to` with the moderator (the second) at its
//! mean plus `moderator_sd` standard deviations
//! ([`crate::estimate::interaction::simple_slopes`]).
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::num;
use super::text::{interval, p_value, stars, Table};
use crate::bootstrap::BootstrapResult;
use crate::estimate::interaction::{simple_slopes, Moderation};
use crate::estimate::pls::PlsFit;
use crate::stat::Stat;
use serde_json::{json, Map, Value};
use std::fmt::Write as _;

/// The `interactions` entries.
pub fn interactions_json(
    mo: &Moderation,
    fit: &PlsFit,
    boot: Option<&BootstrapResult>,
) -> Vec<Value> {
    let m = &mo.model;
    let name = |j: usize| super::construct_name(m, j).to_string();
    mo.terms
        .iter()
        .map(|t| {
            let mut o = Map::new();
            o.insert("name".into(), json!(name(t.construct)));
            o.insert("between".into(), json!([name(t.a), name(t.b)]));
            o.insert("to".into(), json!(name(t.to)));
            o.insert("method".into(), json!(t.method.as_str()));
            o.insert(
                "estimate".into(),
                num(super::cell(&fit.paths, t.construct, t.to)),
            );
            let key = Stat::Path {
                from: t.construct,
                to: t.to,
            };
            super::inference_fields(&mut o, boot, key);
            let slopes: Vec<Value> = simple_slopes(&fit.paths, t, boot)
                .into_iter()
                .map(|s| {
                    let mut e = Map::new();
                    e.insert("moderator_sd".into(), num(s.z));
                    e.insert("slope".into(), num(s.slope));
                    if boot.is_some() {
                        e.insert("ci_low".into(), num(s.ci_low));
                        e.insert("ci_high".into(), num(s.ci_high));
                    }
                    Value::Object(e)
                })
                .collect();
            o.insert("simple_slopes".into(), Value::Array(slopes));
            Value::Object(o)
        })
        .collect()
}

/// The "Moderation" section of the text report.
pub fn interactions_text(mo: &Moderation, fit: &PlsFit, boot: Option<&BootstrapResult>) -> String {
    let m = &mo.model;
    let mut s = String::new();
    let _ = writeln!(s, "Moderation (interaction terms)");
    let mut t = Table::new(
        &[
            "term",
            "on",
            "method",
            "estimate",
            "CI",
            "p",
            "",
            "slope -1 SD",
            "slope mean",
            "slope +1 SD",
        ],
        3,
    );
    for term in &mo.terms {
        let st = boot.and_then(|b| {
            b.stat(Stat::Path {
                from: term.construct,
                to: term.to,
            })
        });
        let slopes = simple_slopes(&fit.paths, term, boot);
        let slope = |k: usize| {
            slopes
                .get(k)
                .map(|x| {
                    if x.ci_low.is_finite() {
                        format!("{:.3} {}", x.slope, interval(x.ci_low, x.ci_high, 3))
                    } else {
                        format!("{:.3}", x.slope)
                    }
                })
                .unwrap_or_default()
        };
        t.row(vec![
            super::construct_name(m, term.construct).to_string(),
            super::construct_name(m, term.to).to_string(),
            term.method.as_str().into(),
            format!("{:.3}", super::cell(&fit.paths, term.construct, term.to)),
            st.map(|x| interval(x.ci_low, x.ci_high, 3))
                .unwrap_or_default(),
            st.map(|x| p_value(x.p)).unwrap_or_default(),
            st.map(|x| stars(x.p).to_string()).unwrap_or_default(),
            slope(0),
            slope(1),
            slope(2),
        ]);
    }
    s.push_str(&t.render());
    let _ = writeln!(
        s,
        "slope: effect of the first construct on the target with the moderator (second) at its mean -1 SD, the mean, +1 SD"
    );
    let _ = writeln!(s);
    s
}
