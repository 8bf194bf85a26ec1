//! `csi methods`: the source documents' evaluation methods beside the SEM index,
//! C = b/a and Dick & Basu loyalty segments.
use super::{EstArgs, Inputs, JsonArg};
use clap::Args;
use std::process::ExitCode;

/// Arguments of `csi methods`.
#[derive(Debug, Args)]
pub struct MethodsArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Target construct (default: the construct holding the [methods] overall item,
    /// else SAT / Satisfaction).
    #[arg(long, value_name = "CONSTRUCT")]
    pub target: Option<String>,
    #[command(flatten)]
    pub est: EstArgs,
    #[command(flatten)]
    pub out: JsonArg,
}

/// Run `csi methods`.
pub fn run(a: MethodsArgs) -> anyhow::Result<ExitCode> {
    let options = a.est.fit_options()?;
    a.est.pls_only("methods")?;
    let (model, survey, mut warnings) = super::load_checked(&a.inputs, &a.out, a.est.bootstrap)?;
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
        let w = "--bootstrap is not used by csi methods";
        eprintln_safe!("warning: {w}");
        warnings.push(w.into());
    }
    for w in &analysis.warnings {
        eprintln_safe!("warning: {w}");
    }
    warnings.extend(analysis.warnings.iter().cloned());
    let report = csi::methods::evaluate(&analysis, &survey, target)?;
    let mut doc = csi::report::methods::methods_json(&report, &model);
    // every warning printed above is listed in the document too (issue 10)
    super::add_warnings(&mut doc, &warnings);
    a.out
        .emit(&doc, &csi::report::methods::methods_text(&report, &model))?;
    let strict_fail = a.est.strict && !analysis.fit.converged;
    Ok(if strict_fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
