//! The `model_fit` object of the `csi-fit/v1` document and its text table
//! (see [`crate::model_fit`] for the definitions).
//!
//! ```json
//! "model_fit": {
//!   "implied": "composite",
//!   "saturated": {"srmr": 0.0525, "d_uls": 1.042, "d_g": 0.860, "d_g_ln": 4.56,
//!                 "hi95": {"srmr": 0.041, "d_uls": 0.63, "d_g": 0.42, "d_g_ln": 2.2},
//!                 "hi99": {...}},
//!   "estimated": {...},
//!   "exact_fit_test": {"resamples": 999, "seed": 42, "failed": {"saturated": 0, "estimated": 0}}
//! }
//! ```
//! `hi95`/`hi99` and `exact_fit_test` appear with `--bootstrap N`.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::num;
use crate::model_fit::{Discrepancy, ExactFitTest, ModelFit};
use serde_json::{json, Map, Value};

fn part(d: &Discrepancy, t: Option<&ExactFitTest>) -> Value {
    let mut o = Map::new();
    o.insert("srmr".into(), num(d.srmr));
    o.insert("d_uls".into(), num(d.d_uls));
    o.insert("d_g".into(), num(d.d_g));
    o.insert("d_g_ln".into(), num(d.d_g_ln));
    if let Some(t) = t {
        o.insert(
            "hi95".into(),
            json!({"srmr": num(t.srmr.hi95), "d_uls": num(t.d_uls.hi95),
                   "d_g": num(t.d_g.hi95), "d_g_ln": num(t.d_g_ln.hi95)}),
        );
        o.insert(
            "hi99".into(),
            json!({"srmr": num(t.srmr.hi99), "d_uls": num(t.d_uls.hi99),
                   "d_g": num(t.d_g.hi99), "d_g_ln": num(t.d_g_ln.hi99)}),
        );
    }
    Value::Object(o)
}

/// The `model_fit` JSON object.
pub fn model_fit_json(mf: &ModelFit) -> Value {
    let t = mf.test.as_ref();
    let mut o = Map::new();
    o.insert("implied".into(), json!(mf.implied.as_str()));
    o.insert(
        "saturated".into(),
        part(&mf.saturated, t.and_then(|t| t.saturated.as_ref())),
    );
    o.insert(
        "estimated".into(),
        part(&mf.estimated, t.and_then(|t| t.estimated.as_ref())),
    );
    o.insert(
        "d_g_log".into(),
        json!("base 10 (ADANCO, cSEM); d_g_ln: natural"),
    );
    if let Some(t) = t {
        let failed = |x: Option<&ExactFitTest>| x.map(|e| json!(e.failed)).unwrap_or(Value::Null);
        let reasons = |x: Option<&ExactFitTest>| -> Vec<Value> {
            x.map(|e| {
                e.failure_reasons
                    .iter()
                    .map(|(r, c)| json!({"reason": r, "count": c}))
                    .collect()
            })
            .unwrap_or_default()
        };
        let resamples = t
            .saturated
            .as_ref()
            .or(t.estimated.as_ref())
            .map(|e| e.resamples)
            .unwrap_or(0);
        o.insert(
            "exact_fit_test".into(),
            json!({
                "resamples": resamples,
                "seed": t.seed,
                "transformation": "beran-srivastava",
                "failed": {"saturated": failed(t.saturated.as_ref()), "estimated": failed(t.estimated.as_ref())},
                "failures": {"saturated": reasons(t.saturated.as_ref()), "estimated": reasons(t.estimated.as_ref())},
                "problems": t.problems,
            }),
        );
    }
    Value::Object(o)
}

/// A text table: one row per distance, saturated and estimated value (with HI95 and
/// HI99 when tested), and a line on how to read it (the `model_fit` table of
/// [`super::tables::model_fit`], rendered as text).
pub fn model_fit_text(mf: &ModelFit) -> String {
    let mut s = format!("\n{}", super::tables::model_fit(mf).to_text());
    // the table's trailing blank line: the fit report continues right below
    s.pop();
    s
}
