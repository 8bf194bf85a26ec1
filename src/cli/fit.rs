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
    /// Data file (CSV, TSV, XLSX, Parquet, SPSS .sav/.zsav).
    #[arg(long, short = 'd', value_name = "DATA")]
    pub data: PathBuf,
    #[command(flatten)]
    pub data_args: DataArgs,
    #[command(flatten)]
    pub subset: super::subset::SubsetArgs,
    #[command(flatten)]
    pub est: EstArgs,
    /// Write the results as JSON to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,
}

/// Read the model and the data the flags name (shared by fit, ipma, compare), with
/// speeders and straight-liners excluded when the flags ask (a warning lists them).
pub fn load(
    model: &ModelArg,
    data: &std::path::Path,
    da: &DataArgs,
) -> anyhow::Result<(csi::spec::Model, csi::data::Survey)> {
    let (m, s, excluded, _) = load_screened(model, data, da)?;
    if let Some(s) = excluded.summary() {
        eprintln!("warning: {s}");
    }
    Ok((m, s))
}

/// As [`load`], also returning the respondents excluded by screening (not printed:
/// the caller reports them) and the ingest report (per-item counts).
pub fn load_screened(
    model: &ModelArg,
    data: &std::path::Path,
    da: &DataArgs,
) -> anyhow::Result<(
    csi::spec::Model,
    csi::data::Survey,
    csi::design::screen::Exclusions,
    csi::data::ValidationReport,
)> {
    let screening = da.screen_options();
    screening.check()?;
    let mut m = csi::spec::read_model(&model.model)?;
    da.apply_to_model(&mut m)?;
    csi::data::sav::adopt_labels_from_file(data, &mut m)?;
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
    let (survey, excluded) = csi::design::screen::screen(&survey, &m, &screening)?;
    Ok((m, survey, excluded, report))
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
    let cb_settings = csi::estimate::cbsem::CbsemSettings {
        identify: a.est.identify.parse()?,
        ..Default::default()
    };
    let (model, survey, excluded, ingest) = load_screened(&a.model, &a.data, &a.data_args)?;
    let survey = a.subset.apply(survey)?;
    if !model.covariances.is_empty() && estimator != "cbsem" {
        eprintln!(
            "warning: the model's {} residual covariance(s) are estimated by --estimator cbsem only; {estimator} ignores them (its model fit leaves those correlations free)",
            model.covariances.len()
        );
    }
    let design = a.data_args.design(&survey)?;
    super::design::refuse_unconnected(design.as_ref(), a.est.bootstrap)?;
    super::design::refuse_em_bootstrap(a.est.missing.parse()?, a.est.bootstrap)?;
    let mut analysis = csi::analysis::analyze(&model, &survey, &options)?;
    let design = design.map(|d| d.select(&analysis.data.kept));
    analysis
        .warnings
        .extend(super::design::design_warnings(design.as_ref()));
    analysis.warnings.extend(excluded.summary());
    for w in &analysis.warnings {
        eprintln!("warning: {w}");
    }
    let (mut doc, mut text, admissible, converged, boot_failed, mf) = match estimator {
        "plsc" => {
            let c = csi::estimate::plsc::correct(&model, &analysis.moments, &analysis.fit)?;
            let boot = match &boot_opts {
                Some(o) => Some(with_progress(o, |h| {
                    csi::bootstrap::run_plsc(
                        &model,
                        &analysis.data,
                        &options.pls,
                        &analysis.fit,
                        &c,
                        o,
                        Some(h),
                    )
                })?),
                None => None,
            };
            warn_failures(boot.as_ref());
            let mf = model_fit(
                &analysis,
                csi::model_fit::plsc(&model, &analysis.moments, &c),
                csi::model_fit::Estimator::Plsc(&options.pls, &analysis.fit),
                boot_opts.as_ref(),
            )?;
            (
                csi::report::estimators::plsc_json(&analysis, &c, boot.as_ref()),
                csi::report::estimators::plsc_text(&analysis, &c, boot.as_ref()),
                c.is_admissible(),
                analysis.fit.converged,
                boot.as_ref().map(|b| b.failed).unwrap_or(0),
                mf,
            )
        }
        "cbsem" => {
            let f = csi::estimate::cbsem::estimate(&model, &analysis.moments, &cb_settings)?;
            let boot = match &boot_opts {
                Some(o) => Some(with_progress(o, |h| {
                    csi::bootstrap::run_cbsem(&model, &analysis.data, &cb_settings, &f, o, Some(h))
                })?),
                None => None,
            };
            warn_failures(boot.as_ref());
            let mf = model_fit(
                &analysis,
                csi::model_fit::cbsem(&model, &analysis.moments, &f),
                csi::model_fit::Estimator::Cbsem(&cb_settings, &f),
                boot_opts.as_ref(),
            )?;
            (
                csi::report::estimators::cbsem_json(&analysis, &f, boot.as_ref()),
                csi::report::estimators::cbsem_text(&analysis, &f, boot.as_ref()),
                f.is_admissible(),
                f.converged,
                boot.as_ref().map(|b| b.failed).unwrap_or(0),
                mf,
            )
        }
        _ => {
            let boot = match &boot_opts {
                Some(o) => Some(bootstrap(&analysis, o)?),
                None => None,
            };
            warn_failures(boot.as_ref());
            let mf = model_fit(
                &analysis,
                csi::model_fit::pls(&model, &analysis.moments, &analysis.fit),
                csi::model_fit::Estimator::Pls(&options.pls, &analysis.fit),
                boot_opts.as_ref(),
            )?;
            (
                csi::report::fit_json(&analysis, boot.as_ref()),
                csi::report::text::fit_text(&analysis, boot.as_ref()),
                true,
                analysis.fit.converged,
                boot.as_ref().map(|b| b.failed).unwrap_or(0),
                mf,
            )
        }
    };
    if !admissible {
        eprintln!("warning: the {estimator} solution is inadmissible; see the diagnostics");
    }
    if let Some(mf) = &mf {
        if let Some(obj) = doc.as_object_mut() {
            obj.insert(
                "model_fit".into(),
                csi::report::model_fit::model_fit_json(mf),
            );
        }
        text.push_str(&csi::report::model_fit::model_fit_text(mf));
    }
    super::design::annotate(
        &mut doc,
        analysis.data.weights.as_deref(),
        design.as_ref(),
        (!a.data_args.screen_options().is_empty()).then_some(&excluded),
    );
    super::design::annotate_cannot_answer(&mut doc, &ingest);
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

/// Overall model fit (`model_fit`), with the bootstrap test of exact fit when
/// `--bootstrap` asks for resamples. A model fit that cannot be computed is a warning
/// (the key is then absent), not an error.
fn model_fit(
    a: &csi::analysis::Analysis,
    mf: csi::Result<csi::model_fit::ModelFit>,
    est: csi::model_fit::Estimator,
    boot: Option<&csi::bootstrap::BootstrapOptions>,
) -> anyhow::Result<Option<csi::model_fit::ModelFit>> {
    let mut mf = match mf {
        Ok(m) => m,
        Err(e) => {
            eprintln!("warning: model fit (SRMR, d_ULS, d_G) not available: {e}");
            return Ok(None);
        }
    };
    if let Some(o) = boot {
        let t = with_progress(o, |h| {
            csi::model_fit::exact_fit_test(&a.model, &a.data, est, &mf, o, Some(h))
        })?;
        for (what, part) in [("saturated", &t.saturated), ("estimated", &t.estimated)] {
            if let Some(p) = part {
                if p.failed > 0 {
                    eprintln!(
                        "warning: {} of {} resamples of the exact-fit test ({what} model) failed and were left out",
                        p.failed, p.resamples
                    );
                }
            }
        }
        for p in &t.problems {
            eprintln!("warning: {p}");
        }
        mf.test = Some(t);
    }
    Ok(Some(mf))
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
