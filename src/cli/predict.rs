//! `csi predict`: PLSpredict (out-of-sample predictions by K-fold cross-validation
//! against the linear-model benchmark).
use super::{EstArgs, Inputs, JsonArg};
use clap::Args;
use std::process::ExitCode;

/// Arguments of `csi predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Number of folds K; the number of respondents (or `n`) is leave-one-out.
    #[arg(long, default_value = "10", value_name = "K", value_parser = parse_folds)]
    pub folds: Folds,
    /// Repeats of the K-fold split (each row's predictions are averaged).
    #[arg(long, default_value_t = 10, value_name = "R")]
    pub repeats: usize,
    /// How endogenous scores are predicted: earliest (from the exogenous constructs'
    /// indicators through the structural model) or da (from the direct antecedents'
    /// scores, seminr's predict_DA).
    #[arg(long, default_value = "earliest")]
    pub technique: csi::predict::Technique,
    #[command(flatten)]
    pub est: EstArgs,
    #[command(flatten)]
    pub out: JsonArg,
}

/// `--folds`: a number of folds, or leave-one-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folds {
    /// K folds.
    K(usize),
    /// As many folds as respondents (`n`, `loo`).
    LeaveOneOut,
}

fn parse_folds(s: &str) -> Result<Folds, String> {
    match s.trim() {
        "n" | "N" | "loo" => Ok(Folds::LeaveOneOut),
        f => f
            .parse::<usize>()
            .map(Folds::K)
            .map_err(|_| format!("expected a number of folds or n, got '{f}'")),
    }
}

/// Run `csi predict`.
pub fn run(a: PredictArgs) -> anyhow::Result<ExitCode> {
    let options = a.est.fit_options()?;
    a.est.pls_only("predict")?;
    if a.est.bootstrap > 0 {
        return Err(csi::Error::setting(
            "--bootstrap",
            "predict cross-validates and does not resample; drop --bootstrap",
        )
        .into());
    }
    let technique = a.technique;
    let (model, survey, mut warnings) = super::load_checked(&a.inputs, &a.out, a.est.bootstrap)?;
    let analysis = csi::analysis::analyze(&model, &survey, &options)?;
    for w in &analysis.warnings {
        eprintln_safe!("warning: {w}");
    }
    warnings.extend(analysis.warnings.iter().cloned());
    let n = analysis.data.x.nrows();
    let folds = match a.folds {
        Folds::LeaveOneOut => n,
        Folds::K(k) => k,
    };
    let opts = csi::predict::PredictOptions {
        folds,
        repeats: a.repeats,
        seed: a.est.seed,
        technique,
        pls: options.pls,
    };
    let p = csi::predict::predict(&model, &analysis.data, &opts)?;
    if p.not_converged > 0 {
        let w = format!(
            "{} of {} training estimations did not converge in {} iterations",
            p.not_converged, p.estimations, opts.pls.max_iter
        );
        eprintln_safe!("warning: {w}");
        warnings.push(w);
    }
    let mut doc = csi::report::predict::predict_json(&model, &p);
    // every warning printed above is listed in the document too (issue 10)
    super::add_warnings(&mut doc, &warnings);
    a.out
        .emit(&doc, &csi::report::predict::predict_text(&model, &p))?;
    Ok(if a.est.strict && p.not_converged > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
