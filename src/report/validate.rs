//! The `csi-validate/v1` document of a data-quality report.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use crate::data::ValidationReport;
use serde_json::Value;

/// The report as `csi-validate/v1` JSON: every field of [`ValidationReport`] and
/// `"schema"`.
///
/// ```
/// use csi::data::ValidationReport;
/// let v = csi::report::validate::validation_json(&ValidationReport::default());
/// assert_eq!(v["schema"], "csi-validate/v1");
/// ```
pub fn validation_json(report: &ValidationReport) -> Value {
    let mut v = serde_json::to_value(report).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.insert("schema".into(), Value::String("csi-validate/v1".into()));
    }
    v
}
