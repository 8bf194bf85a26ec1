//! The `higher_order` block of a fit document: how each higher-order construct was
//! estimated and what its dimensions weigh in it.
//!
//! `"higher_order": [{"name", "method", "mode", "dimensions": [{"name", "weight",
//! "loading"}], "stages": [{"stage", "converged", "iterations"}]}]`: `weight` is the
//! dimension's path to the HOC (two-stage: the stage-2 outer weight of its score;
//! repeated indicators: the regression coefficient), `loading` the correlation of the
//! dimension's score with the HOC's. With `--bootstrap` the weight's interval is that
//! of the path (`paths` entries `DIM -> HOC`).
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::num;
use crate::estimate::pls::PlsFit;
use crate::spec::Model;
use serde_json::{json, Value};

/// The `higher_order` entries (empty for a first-order model).
pub fn higher_order_json(model: &Model, fit: &PlsFit) -> Vec<Value> {
    let Some(d) = fit.higher.as_deref() else {
        return Vec::new();
    };
    let mut stages = vec![
        json!({"stage": 1, "converged": d.stage1.converged, "iterations": d.stage1.iterations}),
    ];
    if let Some(f2) = &d.stage2 {
        stages.push(json!({"stage": 2, "converged": f2.converged, "iterations": f2.iterations}));
    }
    model
        .constructs
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is_higher_order())
        .map(|(h, c)| {
            let dims: Vec<Value> = c
                .dimensions
                .iter()
                .map(|&j| {
                    json!({
                        "name": super::construct_name(model, j),
                        "weight": num(super::cell(&fit.paths, j, h)),
                        "loading": num(super::cell(&fit.lv_cor, j, h)),
                    })
                })
                .collect();
            json!({
                "name": c.name,
                "method": d.method.as_str(),
                "mode": match c.mode { crate::spec::Mode::A => "A", crate::spec::Mode::B => "B" },
                "dimensions": dims,
                "stages": stages,
            })
        })
        .collect()
}
