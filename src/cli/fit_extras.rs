//! The research additions of `csi fit`: `--profile` in the document, paper tables
//! (`--tables DIR`) and the path chart (`--path-chart FILE`).

/// Record the profile (when given) in the document's `settings`.
pub fn annotate_profile(doc: &mut serde_json::Value, profile: Option<csi::profile::Profile>) {
    if let (Some(p), Some(s)) = (
        profile,
        doc.get_mut("settings").and_then(|s| s.as_object_mut()),
    ) {
        s.insert("profile".into(), serde_json::json!(p.as_str()));
    }
}
