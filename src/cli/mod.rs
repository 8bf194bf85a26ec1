//! Argument definitions (clap derive) and dispatch. The CLI only parses flags, calls
//! the library and prints: tables to stdout, warnings and progress to stderr, JSON
//! where `--json` says.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub mod fit;
pub mod validate;

/// Customer-satisfaction index studies: PLS path modeling, 0-100 indices, priorities.
#[derive(Debug, Parser)]
#[command(name = "csi", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a model (and data against it) without fitting: a data-quality report.
    Validate(validate::ValidateArgs),
    /// Estimate the model: paths, weights, loadings, quality, 0-100 indices.
    Fit(fit::FitArgs),
}

/// Flags shared by every command that reads data.
#[derive(Debug, Args, Clone, Default)]
pub struct DataArgs {
    /// Text encoding of a CSV/TSV file: utf-8, gbk, gb18030 (default: detected).
    #[arg(long)]
    pub encoding: Option<String>,
    /// Worksheet of an XLSX file (name or 1-based number; default: the first).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Field delimiter of a text file (default: detected among , ; tab |).
    #[arg(long)]
    pub delimiter: Option<String>,
    /// A cell text read as missing, besides the model's `missing` list (repeatable).
    #[arg(long = "missing-code", value_name = "CODE")]
    pub missing_codes: Vec<String>,
    /// What to do with values outside an item's scale: error (default) or missing.
    #[arg(long = "out-of-range", value_name = "POLICY", default_value = "error")]
    pub out_of_range: String,
    /// Item scale for a lavaan-syntax model: MIN,MAX (e.g. 1,10).
    #[arg(long, value_name = "MIN,MAX")]
    pub scale: Option<String>,
    /// Column of sampling weights (weighted moments).
    #[arg(long, value_name = "COLUMN")]
    pub weight: Option<String>,
}

/// Model file flag.
#[derive(Debug, Args, Clone)]
pub struct ModelArg {
    /// Model file: TOML (`.toml`) or lavaan syntax (`.lav`).
    #[arg(long, short = 'm', value_name = "MODEL")]
    pub model: PathBuf,
}

/// Dispatch one subcommand.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Validate(a) => validate::run(a),
        Command::Fit(a) => fit::run(a),
    }
}

/// Write JSON to `--json FILE` or stdout (`-`).
pub fn write_json(target: &str, value: &serde_json::Value) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)? + "\n";
    if target == "-" {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
    } else {
        std::fs::write(target, text).map_err(|e| csi::Error::io(target, e))?;
    }
    Ok(())
}
