//! `csi predict`: PLSpredict (out-of-sample predictions by K-fold cross-validation
//! against the linear-model benchmark).
use super::{DataArgs, EstArgs, ModelArg};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `csi predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    #[command(flatten)]
    pub model: ModelArg,
    /// Data file (CSV, TSV, XLSX, Parquet).
    #[arg(long, short = 'd', value_name = "DATA")]
    pub data: PathBuf,
    /// Number of folds K; the number of respondents (or `n`) is leave-one-out.
    #[arg(long, default_value = "10", value_name = "K")]
    pub folds: String,
    /// Repeats of the K-fold split (each row's predictions are averaged).
    #[arg(long, default_value_t = 10, value_name = "R")]
    pub repeats: usize,
    /// How endogenous scores are predicted: earliest (from the exogenous constructs'
    /// indicators through the structural model) or da (from the direct antecedents'
    /// scores, seminr's predict_DA).
    #[arg(long, default_value = "earliest")]
    pub technique: String,
    #[command(flatten)]
    pub data_args: DataArgs,
    #[command(flatten)]
    pub est: EstArgs,
    /// Write the results as JSON (csi-predict/v1) to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,
}

/// Run `csi predict`.
pub fn run(a: PredictArgs) -> anyhow::Result<ExitCode> {
    let options = a.est.fit_options()?;
    if a.est.estimator != "pls" {
        return Err(csi::Error::setting(
            "--estimator",
            format!(
                "'{}' is not available for predict; use pls",
                a.est.estimator
            ),
        )
        .into());
    }
    if a.est.bootstrap > 0 {
        return Err(csi::Error::setting(
            "--bootstrap",
            "predict cross-validates and does not resample; drop --bootstrap",
        )
        .into());
    }
    let technique: csi::predict::Technique = a.technique.parse()?;
    let (model, survey) = super::fit::load(&a.model, &a.data, &a.data_args)?;
    let analysis = csi::analysis::analyze(&model, &survey, &options)?;
    for w in &analysis.warnings {
        eprintln!("warning: {w}");
    }
    let n = analysis.data.x.nrows();
    let folds = match a.folds.trim() {
        "n" | "N" | "loo" => n,
        f => f.parse::<usize>().map_err(|_| {
            csi::Error::setting(
                "--folds",
                format!("expected a number of folds or n, got '{f}'"),
            )
        })?,
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
        eprintln!(
            "warning: {} of {} training estimations did not converge in {} iterations",
            p.not_converged, p.estimations, opts.pls.max_iter
        );
    }
    let json_stdout = a.json.as_deref() == Some("-");
    if let Some(target) = &a.json {
        super::write_json(target, &csi::report::predict::predict_json(&model, &p))?;
    }
    if !json_stdout {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(csi::report::predict::predict_text(&model, &p).as_bytes())?;
        out.flush()?;
    }
    Ok(if a.est.strict && p.not_converged > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
