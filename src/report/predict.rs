//! The `csi-predict/v1` document and text table of [`crate::predict`].
//!
//! ```json
//! {"schema": "csi-predict/v1", "model": "CCSI", "n": 250, "folds": 10, "repeats": 10,
//!  "seed": 42, "technique": "earliest",
//!  "indicators": [{"name": "sat1", "construct": "SAT", "q2_predict": 0.41, "rmse": 1.2,
//!                  "mae": 0.9, "lm_rmse": 1.3, "lm_mae": 1.0, "lm_q2_predict": 0.35}],
//!  "constructs": [{"name": "SAT", "q2_predict": 0.52, "rmse": 0.69, "mae": 0.52}],
//!  "summary": {"indicators": 22, "pls_better_rmse": 15, "pls_better_mae": 14,
//!              "q2_positive": 22, "predictive_power": "medium"}}
//! ```
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::{construct_name, item_name, num};
use crate::predict::Prediction;
use crate::spec::Model;
use serde_json::{json, Value};

/// The `csi-predict/v1` document.
pub fn predict_json(model: &Model, p: &Prediction) -> Value {
    let cname = |j: usize| construct_name(model, j);
    let indicators: Vec<Value> = p
        .indicators
        .iter()
        .map(|i| {
            json!({
                "name": item_name(model, i.item), "construct": cname(i.construct),
                "q2_predict": num(i.q2_predict), "rmse": num(i.rmse), "mae": num(i.mae),
                "lm_rmse": num(i.lm_rmse), "lm_mae": num(i.lm_mae),
                "lm_q2_predict": num(i.lm_q2_predict),
            })
        })
        .collect();
    let constructs: Vec<Value> = p
        .constructs
        .iter()
        .map(|c| {
            json!({"name": cname(c.construct), "q2_predict": num(c.q2_predict),
                   "rmse": num(c.rmse), "mae": num(c.mae)})
        })
        .collect();
    let s = &p.options.pls;
    json!({
        "schema": "csi-predict/v1",
        "model": model.name,
        "n": p.n,
        "folds": p.options.folds,
        "repeats": p.options.repeats,
        "leave_one_out": p.leave_one_out,
        "seed": p.options.seed,
        "technique": p.options.technique.as_str(),
        "settings": {"estimator": "pls", "scheme": s.scheme.as_str(), "indicators": s.indicators.as_str(),
                     "tolerance": s.tolerance, "max_iter": s.max_iter},
        "estimations": p.estimations,
        "not_converged": p.not_converged,
        "indicators": indicators,
        "constructs": constructs,
        "summary": {
            "indicators": p.indicators.len(),
            "pls_better_rmse": p.pls_better_rmse,
            "pls_better_mae": p.pls_better_mae,
            "q2_positive": p.q2_positive,
            "predictive_power": p.power.as_str(),
        },
    })
}

/// Human-readable PLSpredict report.
pub fn predict_text(model: &Model, p: &Prediction) -> String {
    use super::text::Table;
    use std::fmt::Write;
    let mut s = String::new();
    let how = if p.leave_one_out {
        "leave-one-out".to_string()
    } else {
        format!(
            "{}-fold cross-validation, {} repeats, seed {}",
            p.options.folds, p.options.repeats, p.options.seed
        )
    };
    let _ = writeln!(
        s,
        "PLSpredict: {} (n = {}), {how}, {} antecedents\n",
        model.name,
        p.n,
        match p.options.technique {
            crate::predict::Technique::EarliestAntecedents => "earliest",
            crate::predict::Technique::DirectAntecedents => "direct",
        }
    );
    let t = indicator_table(model, p);
    s.push_str(&t.render());
    let mut t = Table::new(&["construct", "Q2predict", "RMSE", "MAE"], 1);
    for c in &p.constructs {
        t.row(vec![
            clean(construct_name(model, c.construct)),
            format!("{:.3}", c.q2_predict),
            format!("{:.3}", c.rmse),
            format!("{:.3}", c.mae),
        ]);
    }
    s.push('\n');
    s.push_str(&t.render());
    let k = p.indicators.len();
    let _ = writeln!(
        s,
        "\nPLS predicts {} of {k} indicators with a lower RMSE than the linear model (MAE: {}); {} of {k} have Q2predict > 0.",
        p.pls_better_rmse, p.pls_better_mae, p.q2_positive
    );
    let _ = writeln!(
        s,
        "Predictive power (Shmueli et al. 2019): {}.",
        p.power.as_str()
    );
    if p.q2_positive < k {
        let _ = writeln!(
            s,
            "Indicators with Q2predict <= 0 are predicted no better than by their training mean; the PLS-LM comparison is not meaningful for them."
        );
    }
    if p.not_converged > 0 {
        let _ = writeln!(
            s,
            "warning: {} of {} training estimations did not converge",
            p.not_converged, p.estimations
        );
    }
    s
}

/// Every predicted indicator: Q²predict, RMSE and MAE of PLS and of the LM benchmark.
fn indicator_table(model: &Model, p: &Prediction) -> super::text::Table {
    use super::text::Table;
    let mut t = Table::new(
        &[
            "indicator",
            "construct",
            "Q2predict",
            "RMSE",
            "MAE",
            "LM RMSE",
            "LM MAE",
            "PLS<LM",
        ],
        2,
    );
    for i in &p.indicators {
        t.row(vec![
            clean(item_name(model, i.item)),
            clean(construct_name(model, i.construct)),
            format!("{:.3}", i.q2_predict),
            format!("{:.3}", i.rmse),
            format!("{:.3}", i.mae),
            format!("{:.3}", i.lm_rmse),
            format!("{:.3}", i.lm_mae),
            if i.rmse < i.lm_rmse { "yes" } else { "no" }.into(),
        ]);
    }
    t
}

/// User text for the terminal: control characters removed.
fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}
