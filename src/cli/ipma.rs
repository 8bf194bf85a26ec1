//! `csi ipma`: importance-performance map, priority quadrants, action list and charts.
use super::{DataArgs, EstArgs, ModelArg, Progress};
use clap::Args;
use csi::report::chart::{self, Output};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `csi ipma`. The contract gives `--level` to the rows reported, so the
/// confidence level of the bootstrap intervals is `--confidence` here.
#[derive(Debug, Args)]
#[command(mut_arg("level", |a| a.long("confidence").help("Confidence level of the bootstrap intervals")))]
pub struct IpmaArgs {
    #[command(flatten)]
    pub model: ModelArg,
    /// Data file (CSV, TSV, XLSX, Parquet).
    #[arg(long, short = 'd', value_name = "DATA")]
    pub data: PathBuf,
    /// Target construct (name, e.g. SAT): importance is the total effect on it.
    #[arg(long, value_name = "CONSTRUCT")]
    pub target: String,
    /// Rows to report: constructs, indicators or both.
    #[arg(long = "level", default_value = "both", value_name = "LEVEL")]
    pub ipma_level: String,
    /// Quadrant split: mean, median, or IMPORTANCE,PERFORMANCE (e.g. 0.1,70).
    #[arg(long, default_value = "mean", value_name = "SPLIT")]
    pub split: String,
    #[command(flatten)]
    pub data_args: DataArgs,
    #[command(flatten)]
    pub est: EstArgs,
    /// Write the map as JSON (csi-ipma/v1) to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,
    /// Priority quadrant chart: FILE.svg or FILE.png (indicators with --level indicators).
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
    /// Path diagram of the inner model: FILE.svg or FILE.png.
    #[arg(long = "path-chart", value_name = "FILE")]
    pub path_chart: Option<PathBuf>,
    /// Bar chart of the construct indices: FILE.svg or FILE.png.
    #[arg(long = "index-chart", value_name = "FILE")]
    pub index_chart: Option<PathBuf>,
}

/// Run `csi ipma`.
pub fn run(a: IpmaArgs) -> anyhow::Result<ExitCode> {
    let options = a.est.fit_options()?;
    let boot_opts = a.est.bootstrap_options()?;
    if a.est.estimator != "pls" {
        return Err(csi::Error::setting(
            "--estimator",
            format!("'{}' is not available for ipma; use pls", a.est.estimator),
        )
        .into());
    }
    let level: csi::ipma::Level = a.ipma_level.parse()?;
    let split: csi::ipma::Split = a.split.parse()?;
    // check chart names before the work
    let outputs: Vec<Option<Output>> = [&a.chart, &a.path_chart, &a.index_chart]
        .iter()
        .map(|p| p.as_ref().map(Output::from_path).transpose())
        .collect::<csi::Result<_>>()?;
    let (model, survey) = super::fit::load(&a.model, &a.data, &a.data_args)?;
    let target = csi::ipma::target_index(&model, &a.target)?;
    let analysis = csi::analysis::analyze(&model, &survey, &options)?;
    let mut map = csi::ipma::ipma(&analysis, target, split)?;
    let mut boot = None;
    if let Some(o) = &boot_opts {
        let progress = Progress::new(o.resamples as u64, "ipma bootstrap");
        let set = |d: usize| progress.set(d);
        let hooks = csi::bootstrap::Hooks {
            progress: &set,
            cancel: progress.cancel,
        };
        let r = csi::ipma::add_bootstrap(&mut map, &analysis, o, Some(&hooks));
        progress.finish();
        r?;
        if a.path_chart.is_some() || a.index_chart.is_some() {
            boot = Some(super::fit::bootstrap(&analysis, o)?);
        }
    }
    for w in &analysis.warnings {
        eprintln!("warning: {w}");
    }
    for (j, why) in &map.excluded {
        eprintln!(
            "warning: {} left out of the IPMA: {why}",
            model.constructs[*j].name
        );
    }
    if let Some(b) = &map.bootstrap {
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
    let n = analysis.data.x.nrows();
    if let Some(out) = &outputs[0] {
        let chart_level = if level == csi::ipma::Level::Indicators {
            level
        } else {
            csi::ipma::Level::Constructs
        };
        chart::render(&chart::QuadrantChart::new(&model, &map, chart_level), out)?;
    }
    if let Some(out) = &outputs[1] {
        chart::render(&chart::PathDiagram::new(&analysis, boot.as_ref()), out)?;
    }
    if let Some(out) = &outputs[2] {
        chart::render(
            &chart::IndexChart::new(&analysis, boot.as_ref(), Some(target)),
            out,
        )?;
    }
    let json_stdout = a.json.as_deref() == Some("-");
    if let Some(t) = &a.json {
        super::write_json(t, &csi::report::ipma::ipma_json(&map, &model, level, n))?;
    }
    if !json_stdout {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(csi::report::ipma::ipma_text(&map, &model, level, n).as_bytes())?;
        for (p, what) in [
            (&a.chart, "quadrant chart"),
            (&a.path_chart, "path diagram"),
            (&a.index_chart, "index chart"),
        ] {
            if let Some(p) = p {
                writeln!(out, "{what}: {}", p.display())?;
            }
        }
        out.flush()?;
    }
    let failed = map.bootstrap.as_ref().is_some_and(|b| b.failed > 0);
    let strict_fail = a.est.strict && (!analysis.fit.converged || failed);
    Ok(if strict_fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
