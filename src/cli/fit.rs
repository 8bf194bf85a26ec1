//! `csi fit`: estimate the model, its quality and the 0-100 indices.
use super::{DataArgs, EstArgs, ModelArg, Progress};
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
    #[command(flatten)]
    pub est: EstArgs,
    /// Write the results as JSON to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,
}

/// Read the model and the data the flags name (shared by fit, ipma, compare).
pub fn load(model: &ModelArg, data: &std::path::Path, da: &DataArgs) -> anyhow::Result<(csi::spec::Model, csi::data::Survey)> {
    let mut m = csi::spec::read_model(&model.model)?;
    da.apply_to_model(&mut m)?;
    let opts = da.ingest_options(&model.model)?;
    let (survey, report) = csi::data::read_survey(data, &m, &opts)?;
    for p in report.problems.iter().filter(|p| p.severity == csi::data::Severity::Warning) {
        let mut loc = survey.file.clone();
        if let Some(r) = p.row {
            loc.push_str(&format!(": row {r}"));
        }
        if let Some(c) = &p.column {
            loc.push_str(&format!(", column '{c}'"));
        }
        eprintln!("warning: {loc}: {}", p.message);
    }
    Ok((m, survey))
}

/// Run the bootstrap with a progress bar.
pub fn bootstrap(
    a: &csi::analysis::Analysis,
    opts: &csi::bootstrap::BootstrapOptions,
) -> anyhow::Result<csi::bootstrap::BootstrapResult> {
    let progress = Progress::new(opts.resamples as u64, "bootstrap");
    let set = |d: usize| progress.set(d);
    let hooks = csi::bootstrap::Hooks { progress: &set, cancel: progress.cancel };
    let r = csi::bootstrap::run(&a.model, &a.data, &a.options.pls, &a.fit, opts, Some(&hooks));
    progress.finish();
    Ok(r?)
}

/// Run `csi fit`.
pub fn run(a: FitArgs) -> anyhow::Result<ExitCode> {
    let options = a.est.fit_options()?;
    let boot_opts = a.est.bootstrap_options()?;
    if a.est.estimator != "pls" {
        return Err(csi::Error::setting("--estimator", format!("'{}' is not available yet; use pls", a.est.estimator)).into());
    }
    let (model, survey) = load(&a.model, &a.data, &a.data_args)?;
    let analysis = csi::analysis::analyze(&model, &survey, &options)?;
    let boot = match &boot_opts {
        Some(o) => Some(bootstrap(&analysis, o)?),
        None => None,
    };
    for w in &analysis.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(b) = &boot {
        if b.failed > 0 {
            eprintln!("warning: {} of {} bootstrap resamples failed and were left out:", b.failed, b.resamples);
            for (why, n) in &b.failure_reasons {
                eprintln!("  {n} x {why}");
            }
        }
    }
    let json_stdout = a.json.as_deref() == Some("-");
    if let Some(target) = &a.json {
        super::write_json(target, &csi::report::fit_json(&analysis, boot.as_ref()))?;
    }
    if !json_stdout {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(csi::report::text::fit_text(&analysis, boot.as_ref()).as_bytes())?;
        out.flush()?;
    }
    let failed_strict = a.est.strict && (!analysis.fit.converged || boot.as_ref().is_some_and(|b| b.failed > 0));
    Ok(if failed_strict { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
