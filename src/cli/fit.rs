//! `csi fit`: estimate the model, its quality and the 0-100 indices.
use super::{warn_failures, EstArgs, Inputs, JsonArg, Progress};
use clap::Args;
use csi::analysis::Analysis;
use csi::bootstrap::{BootstrapOptions, BootstrapResult, Hooks};
use csi::estimate::cbsem::{CbsemFit, CbsemSettings};
use csi::estimate::plsc::PlscFit;
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
    /// What the research outputs wrote (PLS), listed after the model fit.
    written: String,
}

/// What every estimator's branch reads.
struct Branch<'a> {
    analysis: &'a Analysis,
    model: &'a csi::spec::Model,
    options: &'a csi::analysis::FitOptions,
    boot_opts: Option<&'a BootstrapOptions>,
    outputs: &'a super::fit_extras::Outputs,
}

/// Run `csi fit`.
pub fn run(a: FitArgs) -> anyhow::Result<ExitCode> {
    let options = a.est.fit_options()?;
    let boot_opts = a.est.bootstrap_options()?;
    let cb_settings = a.est.cbsem_settings()?;
    super::check_json_output(&a.inputs, &a.out)?;
    let est = a.est.estimator;
    let outputs = a.research.check(est)?;
    let divisor = a.est.profile_settings().divisor;
    let mut d = super::analyse(&a.inputs, &a.est, &a.subset, &options, None)?;
    // warnings printed outside the analysis, listed in the JSON too
    let mut extra = std::mem::take(&mut d.data_warnings);
    check_estimator(&d.model, est, &mut extra)?;
    let moderation = moderate(&d.model, &mut d.analysis)?;
    d.add_design();
    for w in &d.analysis.warnings {
        eprintln_safe!("warning: {w}");
    }
    let branch = Branch {
        analysis: &d.analysis,
        model: &d.model,
        options: &options,
        boot_opts: boot_opts.as_ref(),
        outputs: &outputs,
    };
    let mut f = match est {
        EstimatorKind::Pls => fit_pls(&branch, moderation.as_ref(), divisor)?,
        EstimatorKind::Plsc => fit_plsc(&branch)?,
        EstimatorKind::Cbsem => fit_cbsem(&branch, &cb_settings)?,
    };
    if !f.admissible {
        let w = format!("the {est} solution is inadmissible; see the diagnostics");
        eprintln_safe!("warning: {w}");
        extra.push(w);
    }
    add_model_fit(&mut f, &outputs)?;
    f.text.push_str(&f.written);
    f.text.push_str(&outputs.summary());
    d.annotate_design(&mut f.doc, &a.inputs);
    super::design::annotate_cannot_answer(&mut f.doc, &d.ingest);
    super::fit_extras::annotate_profile(&mut f.doc, a.est.profile);
    if est == EstimatorKind::Pls {
        super::fit_extras::annotate_criteria(&mut f.doc, &d.analysis, divisor);
    }
    super::add_warnings(&mut f.doc, &extra);
    if let Some(n) = &d.note {
        n.annotate(&mut f.doc);
    }
    a.out.emit(&f.doc, &f.text)?;
    let failed_strict = a.est.strict && (!f.converged || !f.admissible || f.boot_failed > 0);
    Ok(if failed_strict {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Refuse an estimator other than PLS for interaction terms and higher-order
/// constructs; warn (into `extra` too) that only CB-SEM estimates residual
/// covariances.
fn check_estimator(
    model: &csi::spec::Model,
    est: EstimatorKind,
    extra: &mut Vec<String>,
) -> anyhow::Result<()> {
    if !model.interactions.is_empty() && est != EstimatorKind::Pls {
        return Err(csi::Error::setting(
            "estimator",
            format!("the model has interaction terms, which are estimated by PLS only (two-stage or product-indicator); use --estimator pls, not {est}"),
        )
        .into());
    }
    if model.has_higher_order() && est != EstimatorKind::Pls {
        return Err(csi::Error::setting(
            "estimator",
            format!("the model has higher-order constructs, which are estimated by PLS only (two-stage or repeated indicators); use --estimator pls, not {est}"),
        )
        .into());
    }
    if !model.covariances.is_empty() && est != EstimatorKind::Cbsem {
        let w = format!(
            "the model's {} residual covariance(s) are estimated by --estimator cbsem only; {est} ignores them (its model fit leaves those correlations free)",
            model.covariances.len()
        );
        eprintln_safe!("warning: {w}");
        extra.push(w);
    }
    Ok(())
}

/// The PLS branch: bootstrap (of the moderation analysis when the model has
/// interaction terms), research outputs, the fit document and text.
fn fit_pls(
    b: &Branch,
    moderation: Option<&csi::estimate::interaction::Moderation>,
    divisor: csi::profile::Divisor,
) -> anyhow::Result<Fitted> {
    let analysis = b.analysis;
    let boot = b
        .boot_opts
        .map(|o| match moderation {
            Some(mo) => moderation_bootstrap(mo, analysis, o),
            None => bootstrap(&analysis.options.pls, analysis, &analysis.fit, o),
        })
        .transpose()?;
    let written = b.outputs.write_pls(analysis, boot.as_ref(), divisor)?;
    let mut doc = csi::report::fit_json(analysis, boot.as_ref());
    let mut text = csi::report::text::fit_text_with(analysis, boot.as_ref(), divisor);
    if let (Some(mo), Some(obj)) = (moderation, doc.as_object_mut()) {
        use csi::report::moderation as rm;
        obj.insert(
            "interactions".into(),
            rm::interactions_json(mo, &analysis.fit, boot.as_ref()).into(),
        );
        text.push_str(&rm::interactions_text(mo, &analysis.fit, boot.as_ref()));
    }
    Ok(Fitted {
        doc,
        text,
        admissible: true,
        converged: analysis.fit.converged,
        boot_failed: boot.as_ref().map_or(0, |b| b.failed),
        model_fit: model_fit(
            analysis,
            csi::model_fit::pls(&analysis.model, &analysis.moments, &analysis.fit),
            csi::model_fit::Estimator::Pls(&b.options.pls, &analysis.fit),
            b.boot_opts,
        )?,
        written,
    })
}

/// The consistent-PLS branch: the correction of the PLS fit, then [`fit_reported`].
fn fit_plsc(b: &Branch) -> anyhow::Result<Fitted> {
    let plsc = csi::estimate::plsc::Plsc { pls: b.options.pls };
    let c = csi::estimate::plsc::correct(b.model, &b.analysis.moments, &b.analysis.fit)?;
    fit_reported(b, &plsc, &c)
}

/// The CB-SEM branch: the maximum-likelihood fit, then [`fit_reported`].
fn fit_cbsem(b: &Branch, cb: &CbsemSettings) -> anyhow::Result<Fitted> {
    let f = cb.fit(b.model, &b.analysis.moments, None)?;
    fit_reported(b, cb, &f)
}

/// The branch of an estimator with its own tables and document (PLSc, CB-SEM):
/// bootstrap of the full-sample fit `full`, tables, document, text, model fit.
fn fit_reported<E: Reported>(b: &Branch, est: &E, full: &E::Fit) -> anyhow::Result<Fitted> {
    let analysis = b.analysis;
    let boot = b
        .boot_opts
        .map(|o| bootstrap(est, analysis, full, o))
        .transpose()?;
    b.outputs
        .write_tables(&E::tables(analysis, full, boot.as_ref()))?;
    let (mf, mf_est) = est.model_fit(b, full);
    Ok(Fitted {
        doc: E::json(analysis, full, boot.as_ref()),
        text: E::text(analysis, full, boot.as_ref()),
        admissible: E::admissible(full),
        converged: E::converged(analysis, full),
        boot_failed: boot.as_ref().map_or(0, |b| b.failed),
        model_fit: model_fit(analysis, mf, mf_est, b.boot_opts)?,
        written: String::new(),
    })
}

type Boot<'a> = Option<&'a BootstrapResult>;

/// How `csi fit` reports an estimator whose fit has its own tables and document.
trait Reported: Estimator {
    /// The fit's tables (`--tables`).
    fn tables(a: &Analysis, fit: &Self::Fit, boot: Boot) -> Vec<csi::report::table::Table>;
    /// The JSON document.
    fn json(a: &Analysis, fit: &Self::Fit, boot: Boot) -> serde_json::Value;
    /// The text report.
    fn text(a: &Analysis, fit: &Self::Fit, boot: Boot) -> String;
    /// Whether the solution is admissible.
    fn admissible(fit: &Self::Fit) -> bool;
    /// Whether the estimation converged.
    fn converged(a: &Analysis, fit: &Self::Fit) -> bool;
    /// The overall model fit and what the exact-fit test re-estimates.
    fn model_fit<'a>(
        &'a self,
        b: &Branch<'a>,
        fit: &'a Self::Fit,
    ) -> (
        csi::Result<csi::model_fit::ModelFit>,
        csi::model_fit::Estimator<'a>,
    );
}

impl Reported for csi::estimate::plsc::Plsc {
    fn tables(a: &Analysis, c: &PlscFit, boot: Boot) -> Vec<csi::report::table::Table> {
        csi::report::tables_est::plsc_tables(a, c, boot)
    }
    fn json(a: &Analysis, c: &PlscFit, boot: Boot) -> serde_json::Value {
        estimators::plsc_json(a, c, boot)
    }
    fn text(a: &Analysis, c: &PlscFit, boot: Boot) -> String {
        estimators::plsc_text(a, c, boot)
    }
    fn admissible(c: &PlscFit) -> bool {
        c.is_admissible()
    }
    /// PLSc converges when the PLS fit it corrects does.
    fn converged(a: &Analysis, _: &PlscFit) -> bool {
        a.fit.converged
    }
    fn model_fit<'a>(
        &'a self,
        b: &Branch<'a>,
        c: &'a PlscFit,
    ) -> (
        csi::Result<csi::model_fit::ModelFit>,
        csi::model_fit::Estimator<'a>,
    ) {
        (
            csi::model_fit::plsc(b.model, &b.analysis.moments, c),
            csi::model_fit::Estimator::Plsc(&b.options.pls, &b.analysis.fit),
        )
    }
}

impl Reported for CbsemSettings {
    fn tables(a: &Analysis, f: &CbsemFit, boot: Boot) -> Vec<csi::report::table::Table> {
        csi::report::tables_est::cbsem_tables(a, f, boot)
    }
    fn json(a: &Analysis, f: &CbsemFit, boot: Boot) -> serde_json::Value {
        estimators::cbsem_json(a, f, boot)
    }
    fn text(a: &Analysis, f: &CbsemFit, boot: Boot) -> String {
        estimators::cbsem_text(a, f, boot)
    }
    fn admissible(f: &CbsemFit) -> bool {
        f.is_admissible()
    }
    fn converged(_: &Analysis, f: &CbsemFit) -> bool {
        f.converged
    }
    fn model_fit<'a>(
        &'a self,
        b: &Branch<'a>,
        f: &'a CbsemFit,
    ) -> (
        csi::Result<csi::model_fit::ModelFit>,
        csi::model_fit::Estimator<'a>,
    ) {
        (
            csi::model_fit::cbsem(b.model, &b.analysis.moments, f),
            csi::model_fit::Estimator::Cbsem(self, f),
        )
    }
}

/// The model fit's document key, text and table (when one was computed).
fn add_model_fit(f: &mut Fitted, outputs: &super::fit_extras::Outputs) -> anyhow::Result<()> {
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
    Ok(())
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

/// The moderation analysis of a model with interaction terms: `analysis` becomes
/// the analysis of the augmented model (the terms as constructs), fitted on the
/// answers with the product columns ([`csi::estimate::interaction`]).
fn moderate(
    model: &csi::spec::Model,
    analysis: &mut Analysis,
) -> anyhow::Result<Option<csi::estimate::interaction::Moderation>> {
    if model.interactions.is_empty() {
        return Ok(None);
    }
    use csi::bootstrap::ReplicateMoments;
    let mo =
        csi::estimate::interaction::Moderation::new(model, &analysis.data, &analysis.options.pls)?;
    let data = mo.complete(&analysis.data)?;
    let moments = mo.full()?;
    let mut missing = analysis.missing.clone();
    missing.missing.resize(mo.model.n_items(), 0);
    missing.imputed.resize(mo.model.n_items(), 0);
    let mut aug =
        csi::analysis::analyze_moments(&mo.model, data, missing, moments, &analysis.options)?;
    // the base analysis said what there is to say about the data; the terms have no
    // 0-100 index (a product has no response scale)
    let mut warnings = analysis.warnings.clone();
    warnings.extend(
        aug.warnings
            .iter()
            .filter(|w| w.starts_with("PLS did not converge"))
            .cloned(),
    );
    aug.warnings = warnings;
    *analysis = aug;
    Ok(Some(mo))
}

/// The bootstrap of a moderation analysis: each resample re-forms the product terms
/// (stage 1 included).
fn moderation_bootstrap(
    mo: &csi::estimate::interaction::Moderation,
    a: &Analysis,
    o: &BootstrapOptions,
) -> anyhow::Result<BootstrapResult> {
    let b = with_progress(o, "bootstrap", |h| {
        csi::bootstrap::run_with(
            &a.options.pls,
            &a.model,
            mo,
            &csi::bootstrap::Iid,
            &a.fit,
            csi::bootstrap::stats_for(EstimatorKind::Pls, &a.model),
            o,
            Some(h),
        )
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
