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
pub fn load(
    model: &ModelArg,
    data: &std::path::Path,
    da: &DataArgs,
) -> anyhow::Result<(csi::spec::Model, csi::data::Survey)> {
    let mut m = csi::spec::read_model(&model.model)?;
    da.apply_to_model(&mut m)?;
    let opts = da.ingest_options(&model.model)?;
    let (survey, report) = csi::data::read_survey(data, &m, &opts)?;
    for p in report
        .problems
        .iter()
        .filter(|p| p.severity == csi::data::Severity::Warning)
    {
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

/// Run the PLS bootstrap with a progress bar.
pub fn bootstrap(
    a: &csi::analysis::Analysis,
    opts: &csi::bootstrap::BootstrapOptions,
) -> anyhow::Result<csi::bootstrap::BootstrapResult> {
    with_progress(opts, |h| {
        csi::bootstrap::run(&a.model, &a.data, &a.options.pls, &a.fit, opts, Some(h))
    })
}

/// Run `csi fit`.
pub fn run(a: FitArgs) -> anyhow::Result<ExitCode> {
    let options = a.est.fit_options()?;
    let boot_opts = a.est.bootstrap_options()?;
    let estimator = a.est.estimator.as_str();
    if !matches!(estimator, "pls" | "plsc" | "cbsem") {
        return Err(csi::Error::setting(
            "--estimator",
            format!("expected pls, plsc or cbsem, got '{estimator}'"),
        )
        .into());
    }
    let cb_default = csi::estimate::cbsem::CbsemSettings::default();
    let cb_settings = csi::estimate::cbsem::CbsemSettings {
        identify: a.est.identify.parse()?,
        max_iter: a.est.max_iter.unwrap_or(cb_default.max_iter),
        ..cb_default
    };
    cb_settings.check()?;
    let (model, survey) = load(&a.model, &a.data, &a.data_args)?;
    let analysis = csi::analysis::analyze(&model, &survey, &options)?;
    for w in &analysis.warnings {
        eprintln!("warning: {w}");
    }
    let (doc, text, admissible, converged, boot_failed) = match estimator {
        "plsc" => {
            let c = csi::estimate::plsc::correct(&model, &analysis.moments, &analysis.fit)?;
            let boot = match &boot_opts {
                Some(o) => Some(with_progress(o, |h| {
                    csi::bootstrap::run_estimator(
                        &csi::estimate::plsc::Plsc { pls: options.pls },
                        &model,
                        &analysis.data,
                        &c,
                        o,
                        Some(h),
                    )
                })?),
                None => None,
            };
            warn_failures(boot.as_ref());
            (
                csi::report::estimators::plsc_json(&analysis, &c, boot.as_ref()),
                csi::report::estimators::plsc_text(&analysis, &c, boot.as_ref()),
                c.is_admissible(),
                analysis.fit.converged,
                boot.as_ref().map(|b| b.failed).unwrap_or(0),
            )
        }
        "cbsem" => {
            let f = csi::estimate::cbsem::estimate(&model, &analysis.moments, &cb_settings)?;
            let boot = match &boot_opts {
                Some(o) => Some(with_progress(o, |h| {
                    csi::bootstrap::run_estimator(
                        &cb_settings,
                        &model,
                        &analysis.data,
                        &f,
                        o,
                        Some(h),
                    )
                })?),
                None => None,
            };
            warn_failures(boot.as_ref());
            (
                csi::report::estimators::cbsem_json(&analysis, &f, boot.as_ref()),
                csi::report::estimators::cbsem_text(&analysis, &f, boot.as_ref()),
                f.is_admissible(),
                f.converged,
                boot.as_ref().map(|b| b.failed).unwrap_or(0),
            )
        }
        _ => {
            let boot = match &boot_opts {
                Some(o) => Some(bootstrap(&analysis, o)?),
                None => None,
            };
            warn_failures(boot.as_ref());
            (
                csi::report::fit_json(&analysis, boot.as_ref()),
                csi::report::text::fit_text(&analysis, boot.as_ref()),
                true,
                analysis.fit.converged,
                boot.as_ref().map(|b| b.failed).unwrap_or(0),
            )
        }
    };
    if !admissible {
        eprintln!("warning: the {estimator} solution is inadmissible; see the diagnostics");
    }
    let json_stdout = a.json.as_deref() == Some("-");
    if let Some(target) = &a.json {
        super::write_json(target, &doc)?;
    }
    if !json_stdout {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
    }
    let failed_strict = a.est.strict && (!converged || !admissible || boot_failed > 0);
    Ok(if failed_strict {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Run a resampling job with a progress bar and Ctrl-C handling.
fn with_progress<T>(
    o: &csi::bootstrap::BootstrapOptions,
    job: impl FnOnce(&csi::bootstrap::Hooks) -> csi::Result<T>,
) -> anyhow::Result<T> {
    let progress = Progress::new(o.resamples as u64, "bootstrap");
    let set = |d: usize| progress.set(d);
    let hooks = csi::bootstrap::Hooks {
        progress: &set,
        cancel: progress.cancel,
    };
    let r = job(&hooks);
    progress.finish();
    Ok(r?)
}

fn warn_failures(b: Option<&csi::bootstrap::BootstrapResult>) {
    if let Some(b) = b {
        if b.failed > 0 {
            eprintln!(
                "warning: {} of {} bootstrap resamples failed and were left out:",
                b.failed, b.resamples
            );
            for (why, n) in &b.failure_reasons {
                eprintln!("  {n} x {why}");
            }
        }
    }
}
