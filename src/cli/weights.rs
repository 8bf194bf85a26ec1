//! `csi weights`: rake respondent weights to population margins and write a copy of
//! the data with a weight column added (the data file itself is never changed).
//!
//! stdout: the margins (sample share, target, weighted share per category) and a
//! summary (iterations, largest remaining margin error, weight range, design effect,
//! effective n); with `--json FILE|-` the `csi-weights/v1` document.
use clap::Args;
use csi::design::raking::{rake, Margins, RakeOptions, RakeResult};
use csi::design::table::Table;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `csi weights`.
#[derive(Debug, Args)]
pub struct WeightsArgs {
    /// Data file (CSV, TSV, or XLSX/XLS/ODS; the copy is CSV).
    #[arg(long, short = 'd', value_name = "DATA")]
    pub data: PathBuf,
    /// Population margins (TOML: [margin.COLUMN] tables of "category" = share).
    #[arg(long, value_name = "MARGINS.toml")]
    pub margins: PathBuf,
    /// Bounds on the weights as multiples of the mean weight, e.g. 0.3,3.
    #[arg(long, value_name = "MIN,MAX")]
    pub trim: Option<String>,
    /// Output CSV: the data with the weight column added (never the data file itself).
    #[arg(long, value_name = "FILE.csv")]
    pub out: PathBuf,
    /// Name of the added column.
    #[arg(long = "weight-column", value_name = "NAME", default_value = "weight")]
    pub weight_column: String,
    /// Column of base (design) weights to start raking from (default: 1 for everyone).
    #[arg(long = "base-weight", value_name = "COLUMN")]
    pub base_weight: Option<String>,
    /// Largest number of raking cycles.
    #[arg(long = "max-iter", default_value_t = 1000)]
    pub max_iter: usize,
    /// Text encoding of the data file: utf-8, gbk, gb18030 (default: detected).
    #[arg(long)]
    pub encoding: Option<String>,
    /// Field delimiter (default: detected among , ; tab |).
    #[arg(long)]
    pub delimiter: Option<String>,
    /// Worksheet of a workbook (name or 1-based number; default: the first).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Write the report as JSON to FILE (the text tables still go to stdout), or to
    /// stdout with `-` (then only the JSON goes to stdout). Warnings and progress
    /// always go to stderr.
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,
    /// Exit with code 1 when raking does not reach every margin.
    #[arg(long)]
    pub strict: bool,
}

fn parse_trim(s: &str) -> csi::Result<(f64, f64)> {
    let bad = || {
        csi::Error::setting(
            "--trim",
            format!("expected MIN,MAX such as 0.3,3 (multiples of the mean weight), got '{s}'"),
        )
    };
    let (a, b) = s.split_once(',').ok_or_else(bad)?;
    let lo: f64 = a.trim().parse().map_err(|_| bad())?;
    let hi: f64 = b.trim().parse().map_err(|_| bad())?;
    Ok((lo, hi))
}

/// Run `csi weights`.
pub fn run(a: WeightsArgs) -> anyhow::Result<ExitCode> {
    let trim = a.trim.as_deref().map(parse_trim).transpose()?;
    let opts = RakeOptions {
        max_iter: a.max_iter,
        trim,
        ..Default::default()
    };
    opts.check()?;
    let name = a.weight_column.trim().to_string();
    if name.is_empty() {
        return Err(csi::Error::setting("--weight-column", "the name is empty").into());
    }
    let mut outputs = vec![("--out", a.out.as_path())];
    outputs.extend(
        a.json
            .as_deref()
            .filter(|j| *j != "-")
            .map(|j| ("--json", Path::new(j))),
    );
    super::check_outputs(
        &[("data", a.data.as_path()), ("margins", a.margins.as_path())],
        &outputs,
    )?;
    let delimiter = a
        .delimiter
        .as_deref()
        .map(csi::data::parse_delimiter)
        .transpose()?;
    let margins = Margins::read(&a.margins)?;
    let table = read_table(&a, delimiter)?;
    if table.column(&name).is_some() {
        return Err(csi::Error::data(
            csi::error::Location {
                file: table.file.clone(),
                row: Some(1),
                column: Some(name.clone()),
                value: None,
            },
            "the data already has a column of this name; give another with --weight-column NAME",
        )
        .into());
    }
    let base = match &a.base_weight {
        Some(col) => Some(base_weights(&table, col)?),
        None => None,
    };
    let r = rake(&table, &margins, base.as_deref(), &opts)?;
    let text = table.with_column(&name, &r.weights)?;
    std::fs::write(&a.out, text).map_err(|e| csi::Error::io(&a.out, e))?;
    if !r.converged {
        eprintln_safe!(
            "warning: raking did not reach every margin in {} cycles: the largest error is {:.3e} ({}, '{}'){}",
            r.iterations,
            r.max_error,
            r.max_error_at.0,
            r.max_error_at.1,
            if trim.is_some() {
                "; the trim bounds may be too tight for these margins"
            } else {
                ""
            }
        );
    }
    let json_stdout = a.json.as_deref() == Some("-");
    if let Some(t) = &a.json {
        super::write_json(t, &document(&a, &table, &r))?;
    }
    if !json_stdout {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let text = report_text(&a, &table, &r);
        out.write_all(csi::text_safety::terminal_multiline(&text).as_bytes())?;
        out.flush()?;
    }
    Ok(if a.strict && !r.converged {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The data as a table of cell texts (a workbook sheet or a text file).
fn read_table(a: &WeightsArgs, delimiter: Option<u8>) -> anyhow::Result<Table> {
    let is_workbook = a
        .data
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| {
            matches!(
                e.to_ascii_lowercase().as_str(),
                "xlsx" | "xlsm" | "xlsb" | "xls" | "ods"
            )
        });
    Ok(if is_workbook {
        Table::read_workbook(&a.data, a.sheet.as_deref())?
    } else {
        Table::read(&a.data, a.encoding.as_deref(), delimiter)?
    })
}

/// The base weights of column `col`, one number per respondent.
fn base_weights(table: &Table, col: &str) -> anyhow::Result<Vec<f64>> {
    let c = table.column(col).ok_or_else(|| {
        csi::Error::data(
            csi::error::Location {
                file: table.file.clone(),
                row: Some(1),
                column: Some(col.trim().to_string()),
                value: None,
            },
            "the --base-weight column is not in the data",
        )
    })?;
    let mut w = Vec::with_capacity(table.n());
    for i in 0..table.n() {
        let cell = table.cell(i, c);
        let v: f64 = cell.parse().map_err(|_| {
            csi::Error::data(
                csi::error::Location {
                    file: table.file.clone(),
                    row: table.rows.get(i).copied(),
                    column: Some(col.trim().to_string()),
                    value: Some(cell.chars().take(60).collect()),
                },
                "the base weight is not a number",
            )
        })?;
        w.push(v);
    }
    Ok(w)
}

fn document(a: &WeightsArgs, table: &Table, r: &RakeResult) -> serde_json::Value {
    json!({
        "schema": "csi-weights/v1",
        "data": table.file,
        "margins_file": a.margins.display().to_string(),
        "out": a.out.display().to_string(),
        "weight_column": a.weight_column.trim(),
        "n": table.n(),
        "trim": a.trim.as_deref().and_then(|t| parse_trim(t).ok()).map(|(lo, hi)| json!([lo, hi])),
        "base_weight": a.base_weight,
        "iterations": r.iterations,
        "converged": r.converged,
        "max_error": r.max_error,
        "max_error_at": {"column": r.max_error_at.0, "category": r.max_error_at.1},
        "weight_min": r.min_weight,
        "weight_max": r.max_weight,
        "design_effect": r.design_effect,
        "n_effective": r.n_effective,
        "trimmed": r.trimmed,
        "margins": r.margins,
    })
}

fn report_text(a: &WeightsArgs, table: &Table, r: &RakeResult) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "csi weights: {} respondents of {} raked to {}\n\n",
        table.n(),
        table.file,
        a.margins.display()
    ));
    s.push_str(&format!(
        "{:<16} {:<16} {:>6} {:>9} {:>9} {:>9}\n",
        "column", "category", "n", "sample", "target", "weighted"
    ));
    for m in &r.margins {
        for c in &m.categories {
            s.push_str(&format!(
                "{} {} {:>6} {:>9.4} {:>9.4} {:>9.4}\n",
                pad(&m.column, 16),
                pad(&c.category, 16),
                c.n,
                c.sample,
                c.target,
                c.weighted
            ));
        }
    }
    s.push('\n');
    s.push_str(&format!(
        "iterations: {} ({})\n",
        r.iterations,
        if r.converged {
            "converged"
        } else {
            "NOT converged"
        }
    ));
    s.push_str(&format!(
        "largest margin error: {:.2e} ({}, {})\n",
        r.max_error, r.max_error_at.0, r.max_error_at.1
    ));
    s.push_str(&format!(
        "weights: {:.4} to {:.4} (mean {:.4}){}\n",
        r.min_weight,
        r.max_weight,
        r.weights.iter().sum::<f64>() / r.weights.len().max(1) as f64,
        if r.trimmed > 0 {
            format!(", {} at a trim bound", r.trimmed)
        } else {
            String::new()
        }
    ));
    s.push_str(&format!(
        "design effect (Kish): {:.4}; effective n: {:.1}\n",
        r.design_effect, r.n_effective
    ));
    s.push_str(&format!(
        "written: {} (column '{}')\n",
        a.out.display(),
        a.weight_column.trim()
    ));
    s
}

/// Pad to `w` terminal cells (East Asian characters take two), without control
/// characters.
fn pad(text: &str, w: usize) -> String {
    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
    let width: usize = clean
        .chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum();
    format!("{clean}{}", " ".repeat(w.saturating_sub(width)))
}
