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
    // check chart names before the work
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
    // sums instead of rows (--moments FILE, or a streamed CSV without row flags)
    let sums = super::stream::prepare(&a.inputs, &a.est, &a.subset, &options)?;
    // data warnings (printed while reading), listed in the JSON too
    let (model, excluded, design, mut analysis, note, mut warnings) = match sums {
        Some(s) => {
            csi::ipma::target_index(&s.model, &a.target)?;
            let file = s.ingest.file.clone().unwrap_or_default();
            let data_warnings = super::ingest_warnings(&file, &s.ingest);
            let note = Some(s.note);
            (
                s.model,
                Default::default(),
                None,
                s.analysis,
                note,
                data_warnings,
            )
        }
        None => {
            let loaded = a.inputs.load_screened()?;
            let data_warnings = super::ingest_warnings(&loaded.survey.file, &loaded.ingest);
            let (model, excluded) = (loaded.model, loaded.excluded);
            let survey = a.subset.apply(loaded.survey)?;
            super::check_memory(&model, survey.x.nrows(), a.est.bootstrap)?;
            let design = a.inputs.data_args.design(&survey)?;
            csi::ipma::target_index(&model, &a.target)?;
            let analysis = csi::analysis::analyze(&model, &survey, &options)?;
            let design = design.map(|d| d.select(&analysis.data.kept));
            (model, excluded, design, analysis, None, data_warnings)
        }
    };
    let target = csi::ipma::target_index(&model, &a.target)?;
    analysis
        .warnings
        .extend(super::design::design_warnings(design.as_ref()));
    analysis.data.design = design.clone();
    analysis.warnings.extend(excluded.summary());
    let mut map = csi::ipma::ipma(&analysis, target, split)?;
    let mut boot = None;
    if let Some(o) = &boot_opts {
        super::fit::with_progress(o, "ipma bootstrap", |h| {
            csi::ipma::add_bootstrap(&mut map, &analysis, o, Some(h))
        })?;
        if a.path_chart.is_some() || a.index_chart.is_some() {
            // the fit's bootstrap for the charts' stars and whiskers (its failures are
            // those of the IPMA resamples above)
            boot = Some(super::fit::with_progress(o, "bootstrap", |h| {
                let a = &analysis;
                csi::bootstrap::run(&a.model, &a.data, &a.options.pls, &a.fit, o, Some(h))
            })?);
        }
    }
    for w in &analysis.warnings {
        eprintln_safe!("warning: {w}");
    }
    warnings.extend(analysis.warnings.iter().cloned());
    for (j, why) in &map.excluded {
        let w = format!(
            "{} left out of the IPMA: {why}",
            model.constructs.get(*j).map_or("?", |c| c.name.as_str())
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
    let n = analysis.data.x.nrows();
    let output = |i: usize| outputs.get(i).and_then(Option::as_ref);
    if let Some(out) = output(0) {
        let chart_level = if level == csi::ipma::Level::Indicators {
            level
        } else {
            csi::ipma::Level::Constructs
        };
        chart::render(&chart::QuadrantChart::new(&model, &map, chart_level), out)?;
    }
    if let Some(out) = output(1) {
        chart::render(&chart::PathDiagram::new(&analysis, boot.as_ref()), out)?;
    }
    if let Some(out) = output(2) {
        chart::render(
            &chart::IndexChart::new(&analysis, boot.as_ref(), Some(target)),
            out,
        )?;
    }
    let mut text = csi::report::ipma::ipma_text(&map, &model, level, n);
    for (p, what) in [
        (&a.chart, "quadrant chart"),
        (&a.path_chart, "path diagram"),
        (&a.index_chart, "index chart"),
    ] {
        if let Some(p) = p {
            text.push_str(&format!("{what}: {}\n", p.display()));
        }
    }
    let mut doc = csi::report::ipma::ipma_json(&map, &model, level, n);
    super::design::annotate(
        &mut doc,
        analysis.data.weights.as_deref(),
        design.as_ref(),
        (!a.inputs.data_args.screen_options().is_empty()).then_some(&excluded),
    );
    if let Some(n) = &note {
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
