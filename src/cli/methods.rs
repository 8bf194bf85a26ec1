//! `csi methods`: the source documents' evaluation methods beside the SEM index,
//! C = b/a and Dick & Basu loyalty segments.
use super::{DataArgs, EstArgs, ModelArg};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `csi methods`.
#[derive(Debug, Args)]
pub struct MethodsArgs {
    #[command(flatten)]
    pub model: ModelArg,
    /// Data file (CSV, TSV, XLSX, Parquet).
    #[arg(long, short = 'd', value_name = "DATA")]
    pub data: PathBuf,
    /// Target construct (default: the construct holding the [methods] overall item,
    /// else SAT / Satisfaction).
    #[arg(long, value_name = "CONSTRUCT")]
    pub target: Option<String>,
    #[command(flatten)]
    pub data_args: DataArgs,
    #[command(flatten)]
    pub est: EstArgs,
    /// Write the comparison as JSON (csi-methods/v1) to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,
}

/// Run `csi methods`.
pub fn run(a: MethodsArgs) -> anyhow::Result<ExitCode> {
    let options = a.est.fit_options()?;
    if a.est.estimator != "pls" {
        return Err(csi::Error::setting(
            "--estimator",
            format!(
                "'{}' is not available for methods; use pls",
                a.est.estimator
            ),
        )
        .into());
    }
    let (model, survey) = super::fit::load(&a.model, &a.data, &a.data_args)?;
    let target = match &a.target {
        Some(t) => csi::ipma::target_index(&model, t)?,
        None => csi::methods::default_target(&model).ok_or_else(|| {
            csi::Error::setting(
                "--target",
                "no satisfaction construct found: name one with --target CONSTRUCT",
            )
        })?,
    };
    let analysis = csi::analysis::analyze(&model, &survey, &options)?;
    if a.est.bootstrap > 0 {
        eprintln!("warning: --bootstrap is not used by csi methods");
    }
    for w in &analysis.warnings {
        eprintln!("warning: {w}");
    }
    let report = csi::methods::evaluate(&analysis, &survey, target)?;
    let json_stdout = a.json.as_deref() == Some("-");
    if let Some(t) = &a.json {
        super::write_json(t, &csi::report::methods::methods_json(&report, &model))?;
    }
    if !json_stdout {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(csi::report::methods::methods_text(&report, &model).as_bytes())?;
        out.flush()?;
    }
    let strict_fail = a.est.strict && !analysis.fit.converged;
    Ok(if strict_fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
