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
    pub subset: super::subset::SubsetArgs,
    #[command(flatten)]
    pub est: EstArgs,
    #[command(flatten)]
    pub out: JsonArg,
    #[command(flatten)]
    pub research: super::fit_extras::ResearchArgs,
}

/// What one estimator's branch of `csi fit` produces.
struct Fitted {
    doc: serde_json::Value,
    text: String,
    admissible: bool,
    converged: bool,
    boot_failed: usize,
    model_fit: Option<csi::model_fit::ModelFit>,
}

/// Run `csi fit`.
pub fn run(a: FitArgs) -> anyhow::Result<ExitCode> {
    let options = a.est.fit_options()?;
    let boot_opts = a.est.bootstrap_options()?;
    let cb_settings = a.est.cbsem_settings()?;
    super::check_outputs(
        &a.inputs.files(),
        &a.out.output().into_iter().collect::<Vec<_>>(),
    )?;
    let loaded = a.inputs.load_screened()?;
    let (model, excluded, ingest) = (loaded.model, loaded.excluded, loaded.ingest);
    let survey = a.subset.apply(loaded.survey)?;
    super::check_memory(&model, survey.x.nrows(), a.est.bootstrap)?;
    let est = a.est.estimator;
    // warnings printed outside the analysis, listed in the JSON too
    let mut extra = super::ingest_warnings(&survey.file, &ingest);
    let outputs = a.research.check(est)?;
    let divisor = a.est.profile_settings().divisor;
    let mut written = String::new();
    if !model.covariances.is_empty() && est != EstimatorKind::Cbsem {
        let w = format!(
            "the model's {} residual covariance(s) are estimated by --estimator cbsem only; {est} ignores them (its model fit leaves those correlations free)",
            model.covariances.len()
        );
        eprintln_safe!("warning: {w}");
        extra.push(w);
    }
    let design = a.inputs.data_args.design(&survey)?;
    let mut analysis = csi::analysis::analyze(&model, &survey, &options)?;
    let design = design.map(|d| d.select(&analysis.data.kept));
    analysis
        .warnings
        .extend(super::design::design_warnings(design.as_ref()));
    analysis.data.design = design.clone();
    analysis.warnings.extend(excluded.summary());
    for w in &analysis.warnings {
        eprintln_safe!("warning: {w}");
    }
    let mut f = match est {
        EstimatorKind::Pls => {
            let boot = boot_opts
                .map(|o| bootstrap(&analysis.options.pls, &analysis, &analysis.fit, &o))
                .transpose()?;
            written.push_str(&outputs.write_pls(&analysis, boot.as_ref(), divisor)?);
            Fitted {
                doc: csi::report::fit_json(&analysis, boot.as_ref()),
                text: csi::report::text::fit_text_with(&analysis, boot.as_ref(), divisor),
                admissible: true,
                converged: analysis.fit.converged,
                boot_failed: boot.as_ref().map_or(0, |b| b.failed),
                model_fit: model_fit(
                    &analysis,
                    csi::model_fit::pls(&model, &analysis.moments, &analysis.fit),
                    csi::model_fit::Estimator::Pls(&options.pls, &analysis.fit),
                    boot_opts.as_ref(),
                )?,
            }
        }
        EstimatorKind::Plsc => {
            let plsc = csi::estimate::plsc::Plsc { pls: options.pls };
            let c = csi::estimate::plsc::correct(&model, &analysis.moments, &analysis.fit)?;
            let boot = boot_opts
                .map(|o| bootstrap(&plsc, &analysis, &c, &o))
                .transpose()?;
            outputs.write_tables(&csi::report::tables_est::plsc_tables(
                &analysis,
                &c,
                boot.as_ref(),
            ))?;
            Fitted {
                doc: estimators::plsc_json(&analysis, &c, boot.as_ref()),
                text: estimators::plsc_text(&analysis, &c, boot.as_ref()),
                admissible: c.is_admissible(),
                converged: analysis.fit.converged,
                boot_failed: boot.as_ref().map_or(0, |b| b.failed),
                model_fit: model_fit(
                    &analysis,
                    csi::model_fit::plsc(&model, &analysis.moments, &c),
                    csi::model_fit::Estimator::Plsc(&options.pls, &analysis.fit),
                    boot_opts.as_ref(),
                )?,
            }
        }
        EstimatorKind::Cbsem => {
            let f = cb_settings.fit(&model, &analysis.moments, None)?;
            let boot = boot_opts
                .map(|o| bootstrap(&cb_settings, &analysis, &f, &o))
                .transpose()?;
            outputs.write_tables(&csi::report::tables_est::cbsem_tables(
                &analysis,
                &f,
                boot.as_ref(),
            ))?;
            Fitted {
                doc: estimators::cbsem_json(&analysis, &f, boot.as_ref()),
                text: estimators::cbsem_text(&analysis, &f, boot.as_ref()),
                admissible: f.is_admissible(),
                converged: f.converged,
                boot_failed: boot.as_ref().map_or(0, |b| b.failed),
                model_fit: model_fit(
                    &analysis,
                    csi::model_fit::cbsem(&model, &analysis.moments, &f),
                    csi::model_fit::Estimator::Cbsem(&cb_settings, &f),
                    boot_opts.as_ref(),
                )?,
            }
        }
    };
    if !f.admissible {
        let w = format!("the {est} solution is inadmissible; see the diagnostics");
        eprintln_safe!("warning: {w}");
        extra.push(w);
    }
    if let Some(mf) = &f.model_fit {
        if let Some(obj) = f.doc.as_object_mut() {
            obj.insert(
                "model_fit".into(),
                csi::report::model_fit::model_fit_json(mf),
            );
        }
        f.text.push_str(&csi::report::model_fit::model_fit_text(mf));
        outputs.write_model_fit(mf)?;
    }
    f.text.push_str(&written);
    f.text.push_str(&outputs.summary());
    super::design::annotate(
        &mut f.doc,
        analysis.data.weights.as_deref(),
        design.as_ref(),
        (!a.inputs.data_args.screen_options().is_empty()).then_some(&excluded),
    );
    super::design::annotate_cannot_answer(&mut f.doc, &ingest);
    super::add_warnings(&mut f.doc, &extra);
    super::fit_extras::annotate_profile(&mut f.doc, a.est.profile);
    if est == EstimatorKind::Pls {
        super::fit_extras::annotate_criteria(&mut f.doc, &analysis, divisor);
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

/// Overall model fit (`model_fit`), with the bootstrap test of exact fit when
/// `--bootstrap` asks for resamples. A model fit that cannot be computed is a warning
/// (the key is then absent), not an error.
fn model_fit(
    a: &Analysis,
    mf: csi::Result<csi::model_fit::ModelFit>,
    est: csi::model_fit::Estimator,
    boot: Option<&BootstrapOptions>,
) -> anyhow::Result<Option<csi::model_fit::ModelFit>> {
    let mut mf = match mf {
        Ok(m) => m,
        Err(e) => {
            eprintln_safe!("warning: model fit (SRMR, d_ULS, d_G) not available: {e}");
            return Ok(None);
        }
    };
    if let Some(o) = boot {
        let t = with_progress(o, "exact-fit test", |h| {
            csi::model_fit::exact_fit_test(&a.model, &a.data, est, &mf, o, Some(h))
        })?;
        for (what, part) in [("saturated", &t.saturated), ("estimated", &t.estimated)] {
            if let Some(p) = part {
                if p.failed > 0 {
                    eprintln_safe!(
                        "warning: {} of {} resamples of the exact-fit test ({what} model) failed and were left out",
                        p.failed, p.resamples
                    );
                }
            }
        }
        for p in &t.problems {
            eprintln_safe!("warning: {p}");
        }
        mf.test = Some(t);
    }
    Ok(Some(mf))
}
