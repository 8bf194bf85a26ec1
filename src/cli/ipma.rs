//! `csi ipma` (being written).
use clap::Args;
use std::process::ExitCode;

/// Arguments of `csi ipma`.
#[derive(Debug, Args)]
pub struct IpmaArgs {}

/// Run `csi ipma`.
pub fn run(_a: IpmaArgs) -> anyhow::Result<ExitCode> {
    Err(anyhow::anyhow!("csi ipma is not implemented yet"))
}
