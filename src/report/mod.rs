//! Reports: the `csi-fit/v1` JSON document and human-readable tables.
//!
//! The library never prints: these functions return values and strings that the CLI
//! writes out.

pub mod chart;
pub mod compare;
pub mod compare_chart;
pub mod data;
pub mod estimators;
mod fit;
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

pub use fit::{fit_json, information_criteria_json};

use crate::bootstrap::BootstrapResult;
use serde_json::{json, Value};

/// Round-trip-exact number, or null when not finite.
pub(crate) fn num(x: f64) -> Value {
    if x.is_finite() {
        json!(x)
    } else {
        Value::Null
    }
}

/// The name of construct `j` (empty when out of range).
pub(crate) fn construct_name(m: &crate::spec::Model, j: usize) -> &str {
    m.constructs.get(j).map_or("", |c| c.name.as_str())
}

/// The name of item `k` (empty when out of range).
pub(crate) fn item_name(m: &crate::spec::Model, k: usize) -> &str {
    m.items.get(k).map_or("", |i| i.name.as_str())
}

/// Element `k` of a per-item or per-construct vector (NaN, i.e. JSON null, when out
/// of range).
pub(crate) fn at(v: &[f64], k: usize) -> f64 {
    v.get(k).copied().unwrap_or(f64::NAN)
}

/// Element `k` of a vector of optional figures (`None` when out of range).
pub(crate) fn at_opt(v: &[Option<f64>], k: usize) -> Option<f64> {
    v.get(k).copied().flatten()
}

/// Entry `(i, j)` of a matrix (NaN, i.e. JSON null, when out of range).
pub(crate) fn cell(x: &nalgebra::DMatrix<f64>, i: usize, j: usize) -> f64 {
    x.get((i, j)).copied().unwrap_or(f64::NAN)
}

/// The `settings` of a PLS document: estimator, scheme, indicators, tolerance,
/// iteration cap, missing-data policy and whether respondents are weighted.
pub(crate) fn pls_settings_json(
    s: &crate::estimate::pls::PlsSettings,
    missing: &str,
    weighted: bool,
) -> serde_json::Map<String, Value> {
    let mut o = serde_json::Map::new();
    o.insert(
        "estimator".into(),
        json!(crate::estimate::EstimatorKind::Pls.as_str()),
    );
    o.insert("scheme".into(), json!(s.scheme.as_str()));
    o.insert("indicators".into(), json!(s.indicators.as_str()));
    o.insert("tolerance".into(), json!(s.tolerance));
    o.insert("max_iter".into(), json!(s.max_iter));
    o.insert("missing".into(), json!(missing));
    o.insert("weighted".into(), json!(weighted));
    o
}

/// The start of a `paths` entry: `from`, `to` and `estimate`.
pub(crate) fn path_object(
    m: &crate::spec::Model,
    (i, j): (usize, usize),
    estimate: f64,
) -> serde_json::Map<String, Value> {
    let mut o = serde_json::Map::new();
    o.insert("from".into(), json!(construct_name(m, i)));
    o.insert("to".into(), json!(construct_name(m, j)));
    o.insert("estimate".into(), num(estimate));
    o
}

/// The bootstrap inference of statistic `key`: `se`, `ci_low`, `ci_high`, `t`, `p`
/// (nothing without a bootstrap or when the statistic was not resampled).
pub(crate) fn inference_fields(
    o: &mut serde_json::Map<String, Value>,
    boot: Option<&BootstrapResult>,
    key: crate::stat::Stat,
) {
    if let Some(s) = boot.and_then(|b| b.stat(key)) {
        o.insert("se".into(), num(s.se));
        o.insert("ci_low".into(), num(s.ci_low));
        o.insert("ci_high".into(), num(s.ci_high));
        o.insert("t".into(), num(s.t));
        o.insert("p".into(), num(s.p));
    }
}

/// [`num`] of an optional number (null when absent).
pub(crate) fn opt(x: Option<f64>) -> Value {
    x.map(num).unwrap_or(Value::Null)
}

/// What every document and text report states about a bootstrap run, of a fit
/// ([`BootstrapResult`]) or of an IPMA ([`crate::ipma::IpmaBootstrap`]).
pub(crate) struct Resampling<'a> {
    resamples: usize,
    seed: u64,
    ci: crate::bootstrap::CiMethod,
    level: f64,
    failed: usize,
    reasons: &'a [(String, usize)],
    withheld: Option<&'a crate::bootstrap::Withheld>,
}

/// `From` for each bootstrap result: both carry the summary under the same names.
macro_rules! resampling_from {
    ($t:ty) => {
        impl<'a> From<&'a $t> for Resampling<'a> {
            fn from(b: &'a $t) -> Self {
                Resampling {
                    resamples: b.resamples,
                    seed: b.seed,
                    ci: b.ci,
                    level: b.level,
                    failed: b.failed,
                    reasons: &b.failure_reasons,
                    withheld: b.withheld.as_ref(),
                }
            }
        }
    };
}
resampling_from!(BootstrapResult);
resampling_from!(crate::ipma::IpmaBootstrap);

impl Resampling<'_> {
    /// The bootstrap line of a text report ([`text::bootstrap_line`]).
    pub(crate) fn line(&self) -> String {
        text::bootstrap_line(
            self.resamples,
            self.seed,
            self.ci,
            self.level,
            self.failed,
            self.withheld,
        )
    }
}

/// The `bootstrap` block of a fit document: settings, failures and, when too many
/// resamples failed, why intervals and p values are withheld.
pub(crate) fn bootstrap_json(b: &BootstrapResult) -> Value {
    let mut v = resampling_json(&Resampling::from(b));
    if let Some(o) = v.as_object_mut() {
        o.insert("sign_change".into(), json!(b.sign_change.as_str()));
    }
    v
}

/// The bootstrap block of any document: resamples, seed, interval method, level,
/// failures by reason, and `withheld` when inference was withheld.
pub(crate) fn resampling_json(r: &Resampling) -> Value {
    let mut v = json!({
        "resamples": r.resamples,
        "seed": r.seed,
        "ci": r.ci.as_str(),
        "level": r.level,
        "failed": r.failed,
        "failures": r.reasons.iter().map(|(r, c)| json!({"reason": r, "count": c})).collect::<Vec<_>>(),
    });
    if let (Some(w), Some(o)) = (r.withheld, v.as_object_mut()) {
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
