//! `csi methods` (being written).
use clap::Args;
use std::process::ExitCode;

/// Arguments of `csi methods`.
#[derive(Debug, Args)]
pub struct MethodsArgs {}

/// Run `csi methods`.
pub fn run(_a: MethodsArgs) -> anyhow::Result<ExitCode> {
    Err(anyhow::anyhow!("csi methods is not implemented yet"))
}
