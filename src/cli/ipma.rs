//! `csi ipma`: importance-performance map, priority quadrants, action list and charts.
use super::{warn_failures, EstArgs, Inputs, JsonArg};
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
    pub inputs: Inputs,
    /// Target construct (name, e.g. SAT): importance is the total effect on it.
    #[arg(long, value_name = "CONSTRUCT")]
    pub target: String,
    /// Rows to report: constructs, indicators or both.
    #[arg(long = "level", default_value = "both", value_name = "LEVEL")]
    pub ipma_level: csi::ipma::Level,
    /// Quadrant split: mean, median, or IMPORTANCE,PERFORMANCE (e.g. 0.1,70).
    #[arg(long, default_value = "mean", value_name = "SPLIT")]
    pub split: csi::ipma::Split,
    #[command(flatten)]
    pub subset: super::subset::SubsetArgs,
    #[command(flatten)]
    pub est: EstArgs,
    #[command(flatten)]
    pub out: JsonArg,
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
    a.est.pls_only("ipma")?;
    let (level, split) = (a.ipma_level, a.split);
    let outputs = chart_outputs(&a)?;
    let mut d = super::analyse(&a.inputs, &a.est, &a.subset, &options, Some(&a.target))?;
    let target = csi::ipma::target_index(&d.model, &a.target)?;
    d.add_design();
    let analysis = &d.analysis;
    let mut map = csi::ipma::ipma(analysis, target, split)?;
    let mut boot = None;
    if let Some(o) = &boot_opts {
        super::fit::with_progress(o, "ipma bootstrap", |h| {
            csi::ipma::add_bootstrap(&mut map, analysis, o, Some(h))
        })?;
        if a.path_chart.is_some() || a.index_chart.is_some() {
            // the fit's bootstrap for the charts' stars and whiskers (its failures are
            // those of the IPMA resamples above)
            boot = Some(super::fit::with_progress(o, "bootstrap", |h| {
                let a = analysis;
                csi::bootstrap::run(&a.model, &a.data, &a.options.pls, &a.fit, o, Some(h))
            })?);
        }
    }
    let warnings = warn_ipma(&d, &map);
    let charts = Charts {
        outputs: &outputs,
        target,
        level,
        boot: boot.as_ref(),
    };
    charts.render(&d, &map)?;
    let n = analysis.data.x.nrows();
    let mut text = csi::report::ipma::ipma_text(&map, &d.model, level, n);
    for (p, what) in [
        (&a.chart, "quadrant chart"),
        (&a.path_chart, "path diagram"),
        (&a.index_chart, "index chart"),
    ] {
        if let Some(p) = p {
            text.push_str(&format!("{what}: {}\n", p.display()));
        }
    }
    let mut doc = csi::report::ipma::ipma_json(&map, &d.model, level, n);
    d.annotate_design(&mut doc, &a.inputs);
    if let Some(n) = &d.note {
        n.annotate(&mut doc);
    }
    // every warning printed above is listed in the document too (issue 10)
    super::add_warnings(&mut doc, &warnings);
    a.out.emit(&doc, &text)?;
    let failed = map.bootstrap.as_ref().is_some_and(|b| b.failed > 0);
    let strict_fail = a.est.strict && (!analysis.fit.converged || failed);
    Ok(if strict_fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The chart outputs (`--chart`, `--path-chart`, `--index-chart`), checked before
/// the work: known formats, and no output overwrites an input.
fn chart_outputs(a: &IpmaArgs) -> anyhow::Result<Vec<Option<Output>>> {
    let outputs: Vec<Option<Output>> = [&a.chart, &a.path_chart, &a.index_chart]
        .iter()
        .map(|p| p.as_ref().map(Output::from_path).transpose())
        .collect::<csi::Result<_>>()?;
    let files: Vec<_> = a
        .out
        .output()
        .into_iter()
        .chain(
            [
                ("--chart", &a.chart),
                ("--path-chart", &a.path_chart),
                ("--index-chart", &a.index_chart),
            ]
            .into_iter()
            .filter_map(|(f, p)| p.as_deref().map(|p| (f, p))),
        )
        .collect();
    super::check_outputs(&a.inputs.files(), &files)?;
    Ok(outputs)
}

/// Warnings on stderr: the analysis's, the constructs left out of the map, and the
/// failed resamples of the IPMA bootstrap; returns every warning (the data's first)
/// for the JSON document.
fn warn_ipma(d: &super::Analysed, map: &csi::ipma::Ipma) -> Vec<String> {
    // data warnings (printed while reading), listed in the JSON too
    let mut warnings = d.data_warnings.clone();
    for w in &d.analysis.warnings {
        eprintln_safe!("warning: {w}");
    }
    warnings.extend(d.analysis.warnings.iter().cloned());
    for (j, why) in &map.excluded {
        let w = format!(
            "{} left out of the IPMA: {why}",
            d.model.constructs.get(*j).map_or("?", |c| c.name.as_str())
        );
        eprintln_safe!("warning: {w}");
        warnings.push(w);
    }
    if let Some(b) = &map.bootstrap {
        warn_failures(
            b.resamples,
            b.failed,
            &b.failure_reasons,
            b.withheld.as_ref(),
        );
    }
    warnings
}

struct Charts<'a> {
    /// Quadrant chart, path diagram, index chart (each when asked for).
    outputs: &'a [Option<Output>],
    target: usize,
    level: csi::ipma::Level,
    boot: Option<&'a csi::bootstrap::BootstrapResult>,
}

impl Charts<'_> {
    /// Draw the charts asked for: the quadrant chart shows constructs unless
    /// `--level indicators`.
    fn render(&self, d: &super::Analysed, map: &csi::ipma::Ipma) -> anyhow::Result<()> {
        let output = |i: usize| self.outputs.get(i).and_then(Option::as_ref);
        if let Some(out) = output(0) {
            let chart_level = if self.level == csi::ipma::Level::Indicators {
                self.level
            } else {
                csi::ipma::Level::Constructs
            };
            chart::render(&chart::QuadrantChart::new(&d.model, map, chart_level), out)?;
        }
        if let Some(out) = output(1) {
            chart::render(&chart::PathDiagram::new(&d.analysis, self.boot), out)?;
        }
        if let Some(out) = output(2) {
            chart::render(
                &chart::IndexChart::new(&d.analysis, self.boot, Some(self.target)),
                out,
            )?;
        }
        Ok(())
    }
}
