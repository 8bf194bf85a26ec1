//! `csi fit`.
use super::{DataArgs, ModelArg};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `csi fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    #[command(flatten)]
    pub model: ModelArg,
    /// Data file (CSV, TSV, XLSX, Parquet).
    #[arg(long, short = 'd', value_name = "DATA")]
    pub data: PathBuf,
    #[command(flatten)]
    pub data_args: DataArgs,
    /// Write the results as JSON to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,
}

pub fn run(a: FitArgs) -> anyhow::Result<ExitCode> {
    let _model = csi::spec::read_model(&a.model.model)?;
    Ok(ExitCode::SUCCESS)
}
