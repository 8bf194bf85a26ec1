//! `csi compare` (being written).
use clap::Args;
use std::process::ExitCode;

/// Arguments of `csi compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {}

/// Run `csi compare`.
pub fn run(_a: CompareArgs) -> anyhow::Result<ExitCode> {
    Err(anyhow::anyhow!("csi compare is not implemented yet"))
}
