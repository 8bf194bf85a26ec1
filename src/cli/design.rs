//! Survey-design flags shared by the commands that read data: `--strata`, `--cluster`,
//! `--min-duration`/`--duration`, `--exclude-straight-liners`; and the keys they add to
//! the JSON documents (`n_effective`, `design`, `excluded_respondents`).
use super::DataArgs;
use csi::design::screen::{Exclusions, ScreenOptions};
use csi::design::Design;
use serde_json::{json, Value};

impl DataArgs {
    /// The screening these flags ask for.
    pub fn screen_options(&self) -> ScreenOptions {
        ScreenOptions {
            min_duration: self.min_duration,
            duration_column: self.duration.clone(),
            straight_liners: self.exclude_straight_liners,
        }
    }

    /// True when `--strata` or `--cluster` is given.
    pub fn has_design(&self) -> bool {
        self.strata.is_some() || self.cluster.is_some()
    }

    /// The sampling design of `survey` (checked: the columns exist and no cell is
    /// empty), or `None` without `--strata`/`--cluster`.
    pub fn design(&self, survey: &csi::data::Survey) -> csi::Result<Option<Design>> {
        if !self.has_design() {
            return Ok(None);
        }
        Design::from_survey(survey, self.strata.as_deref(), self.cluster.as_deref()).map(Some)
    }
}

/// Refuse `--strata`/`--cluster` with resampling in a command whose resampling does
/// not follow the design yet (`compare`: its permutation tests exchange respondents
/// between groups, which a design-respecting test would have to do within strata
/// and by whole clusters; `program`: the cells' designs are not built yet). A design
/// bootstrap that silently drew simple resamples would understate clustered standard
/// errors.
pub fn refuse_design(command: &str, design: Option<&Design>, resampling: bool) -> csi::Result<()> {
    if design.is_some() && resampling {
        return Err(csi::Error::setting(
            "--strata/--cluster",
            format!("{command} does not resample by a survey design yet; run it without --strata/--cluster (fit, ipma and report resample by the design)"),
        ));
    }
    Ok(())
}

/// Refuse `--missing em` with resampling in a command that cannot redo EM in every
/// resample (`compare`, `program`; fit, ipma and report can).
pub fn refuse_em_resampling(
    command: &str,
    missing: csi::data::MissingPolicy,
    resampling: bool,
) -> csi::Result<()> {
    if missing == csi::data::MissingPolicy::Em && resampling {
        return Err(csi::Error::setting(
            "--missing em",
            format!("{command} cannot redo EM in each resample yet; use --missing mean or listwise with resampling (fit, ipma and report redo EM)"),
        ));
    }
    Ok(())
}

/// Add the survey-design keys to a JSON document: `n_effective` (Kish, when weights are
/// used and the builder did not add it), `design` (when `--strata`/`--cluster` are
/// given) and `excluded_respondents` (when speeders or straight-liners were screened).
pub fn annotate(
    doc: &mut Value,
    weights: Option<&[f64]>,
    design: Option<&Design>,
    excluded: Option<&Exclusions>,
) {
    let Some(obj) = doc.as_object_mut() else {
        return;
    };
    if let Some(w) = weights {
        if !obj.contains_key("n_effective") {
            obj.insert(
                "n_effective".into(),
                json!(csi::design::weights::n_effective(w)),
            );
        }
    }
    if let Some(d) = design {
        let echo = serde_json::to_value(d.echo()).unwrap_or(Value::Null);
        if let Some(b) = obj.get_mut("bootstrap").and_then(|b| b.as_object_mut()) {
            b.insert("design".into(), echo.clone());
        }
        obj.insert("design".into(), echo);
    }
    if let Some(ex) = excluded {
        obj.insert(
            "excluded_respondents".into(),
            serde_json::to_value(ex).unwrap_or(Value::Null),
        );
    }
}

/// Warnings of a design, for stderr and the document's `warnings`.
pub fn design_warnings(design: Option<&Design>) -> Vec<String> {
    design.map(|d| d.warnings()).unwrap_or_default()
}

/// Add `"cannot_answer"` (declared missing codes per item and construct, from the
/// ingest report) to a fit document when any code was found.
pub fn annotate_cannot_answer(doc: &mut Value, report: &csi::data::ValidationReport) {
    if report.items.iter().all(|it| it.cannot_answer == 0) {
        return;
    }
    let n = report.n_rows.max(1) as f64;
    if let Some(obj) = doc.as_object_mut() {
        obj.insert(
            "cannot_answer".into(),
            json!({
                "threshold": csi::data::cannot_answer::CANNOT_ANSWER_WARNING_SHARE,
                "items": report.items.iter().map(|it| json!({
                    "name": it.name,
                    "cannot_answer": it.cannot_answer,
                    "share": it.cannot_answer as f64 / n,
                })).collect::<Vec<_>>(),
                "constructs": report.constructs,
            }),
        );
    }
}
