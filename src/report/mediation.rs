//! Specific indirect effects (mediation) in the fit documents and the text report.
//!
//! JSON key `specific_indirect`: one entry per chain of mediators
//! ([`crate::estimate::mediation::chains`]), `{"from", "to", "path": [names...],
//! "estimate"}`, and with `--bootstrap` `"se", "ci_low", "ci_high", "t", "p"` of the
//! product of the resampled paths along the chain.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::num;
use super::text::{interval, p_value, stars, Table};
use crate::bootstrap::BootstrapResult;
use crate::estimate::mediation::{chain_text, chains, effect};
use crate::spec::Model;
use crate::stat::Stat;
use nalgebra::DMatrix;
use serde_json::{json, Map, Value};
use std::fmt::Write as _;

/// The `specific_indirect` entries of a document for path matrix `paths`.
///
/// ```
/// use csi::spec::{ConstructSpec, Model};
/// let m = Model::from_parts("toy",
///     vec![ConstructSpec::new("A", &["a"]), ConstructSpec::new("B", &["b"]), ConstructSpec::new("C", &["c"])],
///     &[("A", "B"), ("B", "C")])?;
/// let mut b = nalgebra::DMatrix::zeros(3, 3);
/// b[(0, 1)] = 0.5; b[(1, 2)] = 0.4;
/// let v = csi::report::mediation::specific_indirect_json(&m, &b, None);
/// assert_eq!(v[0]["path"], serde_json::json!(["A", "B", "C"]));
/// assert!((v[0]["estimate"].as_f64().unwrap() - 0.2).abs() < 1e-12);
/// # Ok::<(), csi::Error>(())
/// ```
pub fn specific_indirect_json(
    model: &Model,
    paths: &DMatrix<f64>,
    boot: Option<&BootstrapResult>,
) -> Vec<Value> {
    let name = |j: usize| super::construct_name(model, j).to_string();
    chains(model)
        .list
        .iter()
        .enumerate()
        .map(|(k, ch)| {
            let mut o = Map::new();
            o.insert(
                "from".into(),
                json!(ch.first().map(|&j| name(j)).unwrap_or_default()),
            );
            o.insert(
                "to".into(),
                json!(ch.last().map(|&j| name(j)).unwrap_or_default()),
            );
            o.insert(
                "path".into(),
                Value::Array(ch.iter().map(|&j| json!(name(j))).collect()),
            );
            o.insert("estimate".into(), num(effect(paths, ch)));
            if let Some(s) = boot.and_then(|b| b.stat(Stat::SpecificIndirect(k))) {
                o.insert("se".into(), num(s.se));
                o.insert("ci_low".into(), num(s.ci_low));
                o.insert("ci_high".into(), num(s.ci_high));
                o.insert("t".into(), num(s.t));
                o.insert("p".into(), num(s.p));
            }
            Value::Object(o)
        })
        .collect()
}

/// The "Specific indirect effects" table of the text report (empty when the model has
/// no chain of two or more arrows).
pub fn specific_indirect_text(
    model: &Model,
    paths: &DMatrix<f64>,
    boot: Option<&BootstrapResult>,
) -> String {
    let ch = chains(model);
    if ch.list.is_empty() {
        return String::new();
    }
    let mut s = String::new();
    let _ = writeln!(s, "Specific indirect effects (mediation)");
    let mut t = match boot {
        Some(_) => Table::new(&["chain", "estimate", "boot se", "CI", "p", ""], 1),
        None => Table::new(&["chain", "estimate"], 1),
    };
    for (k, c) in ch.list.iter().enumerate() {
        let mut row = vec![chain_text(model, c), format!("{:.3}", effect(paths, c))];
        if let Some(b) = boot {
            match b.stat(Stat::SpecificIndirect(k)) {
                Some(st) => row.extend([
                    format!("{:.3}", st.se),
                    interval(st.ci_low, st.ci_high, 3),
                    p_value(st.p),
                    stars(st.p).into(),
                ]),
                None => row.extend([String::new(), String::new(), String::new(), String::new()]),
            }
        }
        t.row(row);
    }
    s.push_str(&t.render());
    if ch.truncated {
        let _ = writeln!(
            s,
            "(the first {} chains only)",
            crate::estimate::mediation::MAX_CHAINS
        );
    }
    let _ = writeln!(s);
    s
}
