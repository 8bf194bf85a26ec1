//! `csi validate`: check a model, and data against it, without fitting.
//!
//! Prints the data-quality report (per item: n, missing, out of range, mean, sd; then
//! the problems) to stdout, or JSON (`csi-validate/v1`) with `--json`. Exit 0 when the
//! data is usable, 2 when there is any error (with one summary line on stderr naming
//! the file and the first problem's row and column).
use super::{DataArgs, ModelArg};
use clap::Args;
use csi::data::{inspect_survey, parse_delimiter, IngestOptions, Problem, ValidationReport};
use csi::spec::{check_scale, Model, Scale};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `csi validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub model: ModelArg,
    /// Data file (CSV, TSV, XLSX, Parquet, SPSS .sav/.zsav).
    #[arg(long, short = 'd', value_name = "DATA")]
    pub data: Option<PathBuf>,
    #[command(flatten)]
    pub data_args: DataArgs,
    /// Write the report as JSON to FILE (the text tables still go to stdout), or to
    /// stdout with `-` (then only the JSON goes to stdout). Warnings and progress
    /// always go to stderr.
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,
}

impl DataArgs {
    /// The ingest options these flags ask for (`model_file` names the model in messages).
    pub fn ingest_options(&self, model_file: &Path) -> csi::Result<IngestOptions> {
        let delimiter = match &self.delimiter {
            Some(d) => Some(parse_delimiter(d)?),
            None => None,
        };
        let out_of_range_missing = match self.out_of_range.trim() {
            "error" => false,
            "missing" => true,
            other => {
                return Err(csi::Error::setting(
                    "--out-of-range",
                    format!("expected error or missing, got '{other}'"),
                ))
            }
        };
        Ok(IngestOptions {
            encoding: self.encoding.clone(),
            sheet: self.sheet.clone(),
            delimiter,
            missing_codes: self.missing_codes.clone(),
            out_of_range_missing,
            weight: self.weight.clone(),
            model_file: Some(model_file.display().to_string()),
        })
    }

    /// Apply `--scale MIN,MAX` (the default item scale, e.g. for a lavaan-syntax model)
    /// and `--missing-code` (added to the model's missing codes).
    pub fn apply_to_model(&self, model: &mut Model) -> csi::Result<()> {
        if let Some(s) = &self.scale {
            model.scale = Some(parse_scale(s)?);
        }
        for c in &self.missing_codes {
            let c = c.trim().to_string();
            if !model.missing_codes.contains(&c) {
                model.missing_codes.push(c);
            }
        }
        Ok(())
    }
}

/// Parse `MIN,MAX` (also `MIN..MAX`).
fn parse_scale(s: &str) -> csi::Result<Scale> {
    let bad = || {
        csi::Error::setting(
            "--scale",
            format!("expected MIN,MAX such as 1,10, got '{s}'"),
        )
    };
    let (a, b) = s
        .split_once(',')
        .or_else(|| s.split_once(".."))
        .ok_or_else(bad)?;
    let min: f64 = a.trim().parse().map_err(|_| bad())?;
    let max: f64 = b.trim().parse().map_err(|_| bad())?;
    let scale = Scale { min, max };
    check_scale("--scale", scale).map_err(|i| csi::Error::setting("--scale", i.to_string()))?;
    Ok(scale)
}

/// Model-level checks for a report without data.
fn model_report(model: &Model) -> ValidationReport {
    let mut r = ValidationReport::for_model(model);
    for (k, it) in model.items.iter().enumerate() {
        if model.item_scale(k).is_none() {
            if it.reverse {
                r.push(
                    Problem::error("the item is reverse-coded but has no scale; give [scale] in the model or --scale")
                        .in_column(it.name.clone()),
                );
            } else if model.scale.is_none() {
                r.push(
                    Problem::warning("no scale is known for this item: values are not range-checked and no 0-100 index can be computed (add [scale] or --scale)")
                        .in_column(it.name.clone()),
                );
            }
        }
    }
    r.sort();
    r
}

/// Run `csi validate`.
pub fn run(a: ValidateArgs) -> anyhow::Result<ExitCode> {
    let mut inputs = vec![("model", a.model.model.as_path())];
    inputs.extend(a.data.as_deref().map(|p| ("data", p)));
    let json: Vec<_> = a
        .json
        .as_deref()
        .filter(|j| *j != "-")
        .map(|j| ("--json", std::path::Path::new(j)))
        .into_iter()
        .collect();
    super::check_outputs(&inputs, &json)?;
    let mut model = csi::spec::read_model(&a.model.model)?;
    a.data_args.apply_to_model(&mut model)?;
    let opts = a.data_args.ingest_options(&a.model.model)?;
    let report = match &a.data {
        Some(path) => {
            csi::data::sav::adopt_labels_from_file(path, &mut model)?;
            let (survey, mut report) = inspect_survey(path, &model, &opts)?;
            // the design columns, as fit would check them (--strata, --cluster)
            if let Some(Err(e)) = survey.as_ref().map(|s| a.data_args.design(s)) {
                report.push(match e {
                    csi::Error::Data {
                        location, message, ..
                    } => {
                        let mut p = Problem::error(message);
                        if let Some(r) = location.row {
                            p = p.at_row(r);
                        }
                        if let Some(c) = location.column {
                            p = p.in_column(c);
                        }
                        p
                    }
                    other => Problem::error(other.to_string()),
                });
                report.sort();
            }
            report
        }
        None => model_report(&model),
    };
    let json_to_stdout = a.json.as_deref() == Some("-");
    if let Some(target) = &a.json {
        super::write_json(target, &csi::report::validate::validation_json(&report))?;
    }
    if !json_to_stdout {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let text = csi::report::validation_text::validation_text(&report);
        writeln!(out, "{}", csi::text_safety::terminal_multiline(&text))?;
        out.flush()?;
    }
    if let Some(err) = report.to_error() {
        let listed = if json_to_stdout {
            "in the json report"
        } else {
            "above"
        };
        let total = report.n_errors;
        let plural = if total == 1 { "" } else { "s" };
        let msg = match err {
            csi::Error::Data {
                location, message, ..
            } => {
                format!("{location}: {message} ({total} error{plural} in all, listed {listed})")
            }
            other => other.to_string(),
        };
        eprintln_safe!("csi: {msg}");
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}
