//! `csi report`: the management report, one self-contained HTML file (`--out`) and,
//! with `--xlsx`, the same tables and an action plan per department as a workbook.
use super::{EstArgs, Inputs};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `csi report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// The HTML report to write.
    #[arg(long, value_name = "FILE.html")]
    pub out: PathBuf,
    /// Also write the report's tables and the departments' action plans as a workbook.
    #[arg(long, value_name = "FILE.xlsx")]
    pub xlsx: Option<PathBuf>,
    /// Language of the report: zh or en (default: Chinese when the model's labels are).
    #[arg(long, value_name = "zh|en")]
    pub lang: Option<csi::ipma::Lang>,
    /// Target construct (default: SAT, else the construct with the most drivers).
    #[arg(long, value_name = "CONSTRUCT")]
    pub target: Option<String>,
    #[command(flatten)]
    pub subset: super::subset::SubsetArgs,
    /// Column that names the survey wave (trend section; the report is about the latest).
    #[arg(long, value_name = "COLUMN")]
    pub wave: Option<String>,
    /// Quadrant split: mean, median, or IMPORTANCE,PERFORMANCE.
    #[arg(long, default_value = "mean", value_name = "SPLIT")]
    pub split: csi::ipma::Split,
    /// Performance threshold of the departments' items (default: the item-level split).
    #[arg(long, value_name = "PERFORMANCE")]
    pub threshold: Option<f64>,
    /// Permutation tests per competitor / wave comparison (0 = none).
    #[arg(long, default_value_t = 0)]
    pub permutations: usize,
    #[command(flatten)]
    pub est: EstArgs,
}

/// Open `path` for writing before any work is done, so an unwritable `--out` fails
/// at once; returns whether the file existed before.
fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || "-_./=:,@%+".contains(c) || !c.is_ascii())
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Run `csi report`.
pub fn run(a: ReportArgs) -> anyhow::Result<ExitCode> {
    let fit = a.est.fit_options()?;
    let bootstrap = a.est.bootstrap_options()?;
    a.est.pls_only("report")?;
    let (lang, split) = (a.lang, a.split);
    let outputs: Vec<_> = [("--out", Some(&a.out)), ("--xlsx", a.xlsx.as_ref())]
        .into_iter()
        .filter_map(|(f, p)| p.map(|p| (f, p.as_path())))
        .collect();
    super::check_outputs(&a.inputs.files(), &outputs)?;
    build(&a, fit, bootstrap, lang, split)
}

fn build(
    a: &ReportArgs,
    fit: csi::analysis::FitOptions,
    bootstrap: Option<csi::bootstrap::BootstrapOptions>,
    lang: Option<csi::ipma::Lang>,
    split: csi::ipma::Split,
) -> anyhow::Result<ExitCode> {
    let (model, survey) = a.inputs.load()?;
    super::check_memory(&model, survey.x.nrows(), a.est.bootstrap)?;
    let opts = csi::report::data::ReportOptions {
        fit,
        bootstrap,
        lang,
        target: a.target.clone(),
        company: a.subset.company.clone(),
        focus: a.subset.focus.clone(),
        wave: a.wave.clone(),
        filters: a.subset.conditions(false)?,
        split,
        threshold: a.threshold,
        permutations: a.permutations,
        strata: a.inputs.data_args.strata.clone(),
        cluster: a.inputs.data_args.cluster.clone(),
        data_name: a
            .inputs
            .data
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        command: std::iter::once("csi".to_string())
            .chain(std::env::args().skip(1))
            .map(|s| shell_quote(&s))
            .collect::<Vec<_>>()
            .join(" "),
    };
    if bootstrap.is_some() {
        eprintln_safe!("note: resampling (bootstrap) for the intervals; this can take a while");
    }
    let d = csi::report::data::gather(&model, &survey, &opts)?;
    for w in &d.warnings {
        eprintln_safe!("warning: {w}");
    }
    let html = csi::report::html::render_html(&d)?;
    std::fs::write(&a.out, html).map_err(|e| csi::Error::io(&a.out, e))?;
    println_safe!("report: {}", a.out.display());
    if let Some(x) = &a.xlsx {
        csi::report::xlsx::write_xlsx(&d, x)?;
        println_safe!("workbook: {}", x.display());
    }
    let strict_fail = a.est.strict && d.warnings.iter().any(|w| w.contains("did not converge"));
    Ok(if strict_fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
