//! `csi fit`: estimate the model, its quality and the 0-100 indices.
use super::{warn_failures, EstArgs, Inputs, JsonArg, Progress};
use clap::Args;
use csi::analysis::Analysis;
use csi::bootstrap::{BootstrapOptions, BootstrapResult, Hooks};
use csi::estimate::{Estimator, EstimatorKind};
use csi::report::estimators;
use std::process::ExitCode;

/// Arguments of `csi fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    #[command(flatten)]
    pub est: EstArgs,
    #[command(flatten)]
    pub out: JsonArg,
}

/// What one estimator's branch of `csi fit` produces.
struct Fitted {
    doc: serde_json::Value,
    text: String,
    admissible: bool,
    converged: bool,
    boot_failed: usize,
}

/// Run `csi fit`.
pub fn run(a: FitArgs) -> anyhow::Result<ExitCode> {
    let options = a.est.fit_options()?;
    let boot_opts = a.est.bootstrap_options()?;
    let cb_settings = a.est.cbsem_settings()?;
    let (model, survey) = a.inputs.load()?;
    let analysis = csi::analysis::analyze(&model, &survey, &options)?;
    for w in &analysis.warnings {
        eprintln!("warning: {w}");
    }
    let est = a.est.estimator;
    let f = match est {
        EstimatorKind::Pls => {
            let boot = boot_opts
                .map(|o| bootstrap(&analysis.options.pls, &analysis, &analysis.fit, &o))
                .transpose()?;
            Fitted {
                doc: csi::report::fit_json(&analysis, boot.as_ref()),
                text: csi::report::text::fit_text(&analysis, boot.as_ref()),
                admissible: true,
                converged: analysis.fit.converged,
                boot_failed: boot.as_ref().map_or(0, |b| b.failed),
            }
        }
        EstimatorKind::Plsc => {
            let plsc = csi::estimate::plsc::Plsc { pls: options.pls };
            let c = csi::estimate::plsc::correct(&model, &analysis.moments, &analysis.fit)?;
            let boot = boot_opts
                .map(|o| bootstrap(&plsc, &analysis, &c, &o))
                .transpose()?;
            Fitted {
                doc: estimators::plsc_json(&analysis, &c, boot.as_ref()),
                text: estimators::plsc_text(&analysis, &c, boot.as_ref()),
                admissible: c.is_admissible(),
                converged: analysis.fit.converged,
                boot_failed: boot.as_ref().map_or(0, |b| b.failed),
            }
        }
        EstimatorKind::Cbsem => {
            let f = cb_settings.fit(&model, &analysis.moments, None)?;
            let boot = boot_opts
                .map(|o| bootstrap(&cb_settings, &analysis, &f, &o))
                .transpose()?;
            Fitted {
                doc: estimators::cbsem_json(&analysis, &f, boot.as_ref()),
                text: estimators::cbsem_text(&analysis, &f, boot.as_ref()),
                admissible: f.is_admissible(),
                converged: f.converged,
                boot_failed: boot.as_ref().map_or(0, |b| b.failed),
            }
        }
    };
    if !f.admissible {
        eprintln!("warning: the {est} solution is inadmissible; see the diagnostics");
    }
    a.out.emit(&f.doc, &f.text)?;
    let failed_strict = a.est.strict && (!f.converged || !f.admissible || f.boot_failed > 0);
    Ok(if failed_strict {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Bootstrap any estimator on the analysed data with a progress bar and Ctrl-C
/// handling; failures (and withheld inference) are reported on stderr.
pub fn bootstrap<E: Estimator>(
    est: &E,
    a: &Analysis,
    full: &E::Fit,
    o: &BootstrapOptions,
) -> anyhow::Result<BootstrapResult> {
    let b = with_progress(o, "bootstrap", |h| {
        csi::bootstrap::run_estimator(est, &a.model, &a.data, full, o, Some(h))
    })?;
    warn_failures(
        b.resamples,
        b.failed,
        &b.failure_reasons,
        b.withheld.as_ref(),
    );
    Ok(b)
}

/// Run a resampling job with a progress bar and Ctrl-C handling.
pub fn with_progress<T>(
    o: &BootstrapOptions,
    what: &str,
    job: impl FnOnce(&Hooks) -> csi::Result<T>,
) -> anyhow::Result<T> {
    let progress = Progress::new(o.resamples as u64, what);
    let set = |d: usize| progress.set(d);
    let hooks = Hooks {
        progress: &set,
        cancel: progress.cancel,
    };
    let r = job(&hooks);
    progress.finish();
    Ok(r?)
}
