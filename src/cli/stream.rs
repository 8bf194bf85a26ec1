//! The streaming path of `fit` and `ipma` (sufficient statistics folded while the file
//! is read, no rows kept) and `--moments FILE` (sufficient statistics from a moments
//! file). Both give point estimates; everything that needs respondent rows
//! (`--bootstrap`, `--missing em`, survey design, screening, row subsets) takes the
//! in-memory path, or is refused with `--moments`.
use super::subset::SubsetArgs;
use super::{EstArgs, Inputs};
use csi::analysis::{Analysis, FitOptions};
use csi::data::ingest::stream::{stream_survey, StreamOptions};
use csi::data::{MissingPolicy, ValidationReport};
use csi::spec::Model;
use serde_json::{json, Value};

/// Estimation inputs that hold no rows.
pub struct Prepared {
    /// The model.
    pub model: Model,
    /// The analysis of the sums.
    pub analysis: Analysis,
    /// The ingest report (empty for a moments file).
    pub ingest: ValidationReport,
    /// What the JSON document gains.
    pub note: Note,
}

/// What a document from sums gains: Kish's n (the rows are not there to compute it
/// from), and where the sums came from.
pub struct Note {
    weighted: bool,
    n_effective: f64,
    source: Value,
}

impl Note {
    /// Set `n_effective` (from the sums) and add `"moments"` to a document.
    pub fn annotate(&self, doc: &mut Value) {
        let Some(obj) = doc.as_object_mut() else {
            return;
        };
        if self.weighted {
            obj.insert("n_effective".into(), json!(self.n_effective));
        }
        if !self.source.is_null() {
            obj.insert("moments".into(), self.source.clone());
        }
    }
}

/// Flags that need respondent rows, for the `--moments` refusal.
fn row_flags(
    inputs: &Inputs,
    est: &EstArgs,
    subset: &SubsetArgs,
    moments: bool,
) -> Vec<&'static str> {
    let mut v = Vec::new();
    if est.bootstrap > 0 {
        v.push("--bootstrap (intervals need the respondent rows)");
    }
    if est.missing == MissingPolicy::Em {
        v.push("--missing em");
    }
    if inputs.data_args.has_design() {
        v.push("--strata/--cluster");
    }
    if !inputs.data_args.screen_options().is_empty() {
        v.push("--min-duration/--exclude-straight-liners");
    }
    if subset.company.is_some() || subset.focus.is_some() || !subset.filters.is_empty() {
        v.push("--company/--focus/--filter");
    }
    if moments && inputs.data_args.weight.is_some() {
        v.push("--weight (the weights are in the sums)");
    }
    v
}

/// The analysis from sums when the command can use them: `--moments FILE`, or a CSV/TSV
/// file that the streaming reader takes and no flag that needs rows. `None`: read the
/// data in memory.
///
/// # Errors
/// With `--moments`: a flag that needs rows, an unreadable file, a model that does not
/// match it, too few respondents; estimation errors.
pub fn prepare(
    inputs: &Inputs,
    est: &EstArgs,
    subset: &SubsetArgs,
    options: &FitOptions,
) -> anyhow::Result<Option<Prepared>> {
    let mut model = csi::spec::read_model(&inputs.model.model)?;
    inputs.data_args.apply_to_model(&mut model)?;
    // interaction terms and higher-order constructs are estimated from the rows
    let model_needs_rows = !model.interactions.is_empty() || model.has_higher_order();
    if let Some(path) = &inputs.moments {
        let mut bad = row_flags(inputs, est, subset, true);
        if model_needs_rows {
            bad.push("a model with interaction terms or higher-order constructs");
        }
        if let Some(f) = bad.first() {
            return Err(csi::Error::setting(
                "--moments",
                format!("a moments file gives point estimates only; it cannot be used with {f}"),
            )
            .into());
        }
        let file = path.display().to_string();
        let m = csi::moments_file::MomentsFile::read(path)?;
        let (data, missing, moments) = m.prepare(&model, &file, options.missing)?;
        let analysis = csi::analysis::analyze_moments(&model, data, missing, moments, options)?;
        let s = &m.pooled;
        return Ok(Some(Prepared {
            model,
            analysis,
            ingest: ValidationReport::default(),
            note: Note {
                weighted: s.weighted,
                n_effective: s.n_effective(options.missing),
                source: json!({"file": file, "rows_read": s.n_rows}),
            },
        }));
    }
    let streamable = row_flags(inputs, est, subset, false).is_empty() && !model_needs_rows;
    if !streamable || std::env::var_os("CSI_NO_STREAM").is_some() {
        return Ok(None);
    }
    csi::data::sav::adopt_labels_from_file(&inputs.data, &mut model)?;
    let opts = inputs.data_args.ingest_options(&inputs.model.model)?;
    let Some(s) = stream_survey(&inputs.data, &model, &opts, &StreamOptions::default())? else {
        return Ok(None);
    };
    let file = inputs.data.display().to_string();
    if options.missing == MissingPolicy::Error && s.pooled.missing().iter().any(|&m| m > 0) {
        return Ok(None); // the in-memory reader names the first missing cell
    }
    let Ok((data, missing, moments)) =
        csi::moments_file::prepare_stats(&s.pooled, &model, &file, options.missing)
    else {
        return Ok(None); // the in-memory path gives the same refusal with its context
    };
    for w in super::ingest_warnings(&file, &s.report) {
        eprintln_safe!("warning: {w}");
    }
    let analysis = csi::analysis::analyze_moments(&model, data, missing, moments, options)?;
    Ok(Some(Prepared {
        model,
        analysis,
        ingest: s.report,
        note: Note {
            weighted: s.pooled.weighted,
            n_effective: s.pooled.n_effective(options.missing),
            source: Value::Null,
        },
    }))
}

/// `compare --moments FILE`: the groups of a moments file, point estimates only.
///
/// # Errors
/// A flag that needs rows (`--bootstrap`, ...), an unreadable file, a model or group
/// column that does not match it, fewer than two groups.
pub fn compare(
    inputs: &Inputs,
    est: &EstArgs,
    path: &std::path::Path,
    column: &str,
    groups: Option<&[String]>,
    options: &csi::compare::CompareOptions,
) -> anyhow::Result<(Model, csi::compare::Comparison)> {
    let bad = row_flags(inputs, est, &SubsetArgs::default(), true);
    if let Some(f) = bad.first() {
        return Err(csi::Error::setting(
            "--moments",
            format!("a moments file gives point estimates only; it cannot be used with {f}"),
        )
        .into());
    }
    let mut model = csi::spec::read_model(&inputs.model.model)?;
    inputs.data_args.apply_to_model(&mut model)?;
    let file = path.display().to_string();
    let m = csi::moments_file::MomentsFile::read(path)?;
    let c = csi::compare::sums::compare_sums(&model, &m, &file, column, groups, options)?;
    Ok((model, c))
}
