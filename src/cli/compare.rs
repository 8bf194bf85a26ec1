//! `csi compare`: competitor benchmarking. One fit per group, league tables, the
//! significance of every pairwise difference, or of each group against a reference
//! (`--versus`), with bootstrap intervals and permutation tests adjusted for
//! multiplicity (`--adjust`), an omnibus test for more than two groups, and MICOM.
use super::{EstArgs, Inputs, JsonArg, Progress};
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `csi compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Column whose values form the groups (e.g. the airline flown).
    #[arg(long, value_name = "COLUMN")]
    pub group: String,
    /// Compare only these groups, in this order (comma-separated).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub groups: Option<Vec<String>>,
    /// Permutations per test (Chin & Dibbern; 0 = no permutation tests, no MICOM).
    #[arg(long, default_value_t = 1000)]
    pub permutations: usize,
    /// Compare each group with a reference instead of every pair: `pooled` (the pooled
    /// sample), `rest` (all other groups together) or the name of one group (a group
    /// named `pooled`, `rest`, `pairs` or `all` cannot be named here).
    #[arg(long, value_name = "pooled|rest|GROUP")]
    pub versus: Option<String>,
    /// Multiple-comparison adjustment of the differences, omnibus tests and MICOM
    /// verdicts: holm, bh (Benjamini-Hochberg) or none. Stars follow the adjusted p.
    #[arg(long, default_value = "holm")]
    pub adjust: csi::adjust::Adjust,
    /// Skip the omnibus test across all groups (more than two groups).
    #[arg(long = "no-omnibus")]
    pub no_omnibus: bool,
    /// Construct shown in the competitor chart (default: SAT, else the construct with
    /// the most predecessors).
    #[arg(long, value_name = "CONSTRUCT")]
    pub target: Option<String>,
    #[command(flatten)]
    pub est: EstArgs,
    #[command(flatten)]
    pub out: JsonArg,
    /// Competitor index chart: one bar per group with interval whiskers (.svg or .png).
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
    /// Side-by-side IPMA quadrant charts per group (.svg or .png).
    #[arg(long = "ipma-chart", value_name = "FILE")]
    pub ipma_chart: Option<PathBuf>,
}

/// The construct a chart shows: `--target`, else `SAT`, else the endogenous construct
/// with the most predecessors (the last one on ties).
fn chart_target(model: &csi::spec::Model, wanted: Option<&str>) -> csi::Result<usize> {
    if let Some(w) = wanted {
        return model.construct_index(w.trim()).ok_or_else(|| {
            let names: Vec<&str> = model.constructs.iter().map(|c| c.name.as_str()).collect();
            csi::Error::setting(
                "--target",
                format!(
                    "no construct '{w}' in the model (constructs: {})",
                    names.join(", ")
                ),
            )
        });
    }
    if let Some(j) = model
        .constructs
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case("SAT"))
    {
        return Ok(j);
    }
    let mut best = 0;
    let mut most = 0;
    for j in 0..model.n_constructs() {
        let k = model.predecessors(j).len();
        if k >= most {
            most = k;
            best = j;
        }
    }
    Ok(best)
}

/// Run `csi compare`.
pub fn run(a: CompareArgs) -> anyhow::Result<ExitCode> {
    let fit = a.est.fit_options()?;
    let boot = a.est.bootstrap_options()?;
    a.est.pls_only("compare yet")?;
    let options = csi::compare::CompareOptions {
        fit,
        bootstrap: boot,
        permutations: a.permutations,
        seed: a.est.seed,
        level: a.est.level,
        omnibus: !a.no_omnibus,
        max_failed_share: a.est.allow_failed_share,
        versus: a
            .versus
            .as_deref()
            .map(csi::compare::Versus::parse)
            .unwrap_or_default(),
        adjust: a.adjust,
    };
    options.check()?;
    for (flag, path) in [("--chart", &a.chart), ("--ipma-chart", &a.ipma_chart)] {
        if let Some(p) = path {
            csi::report::compare_chart::check_path(flag, p)?;
        }
    }
    let files: Vec<_> = a
        .out
        .output()
        .into_iter()
        .chain(
            [("--chart", &a.chart), ("--ipma-chart", &a.ipma_chart)]
                .into_iter()
                .filter_map(|(f, p)| p.as_deref().map(|p| (f, p))),
        )
        .collect();
    super::check_outputs(&a.inputs.files(), &files)?;
    if let Some(path) = &a.inputs.moments {
        // point estimates from a moments file written with --group
        let (model, c) = super::stream::compare(
            &a.inputs,
            &a.est,
            path,
            &a.group,
            a.groups.as_deref(),
            &options,
        )?;
        return finish(&a, &model, c, &[]);
    }
    let (model, survey, data_warnings) = a.inputs.load_warned()?;
    super::check_memory(&model, survey.x.nrows(), a.est.bootstrap)?;
    let design = a.inputs.data_args.design(&survey)?;
    let resampling = a.est.bootstrap > 0 || a.permutations > 0;
    super::design::refuse_design("compare", design.as_ref(), resampling)?;
    super::design::refuse_em_resampling("compare", a.est.missing, a.est.bootstrap > 0)?;
    chart_target(&model, a.target.as_deref())?;
    // the bar's length assumes every group is fitted (an upper bound)
    let grouping = csi::compare::group_rows(&survey, &a.group, a.groups.as_deref())?;
    let progress = Progress::new(
        csi::compare::planned_steps(grouping.labels.len(), &options) as u64,
        "compare",
    );
    let set = |done: usize, _total: usize| progress.set(done);
    let hooks = csi::compare::Hooks {
        progress: &set,
        cancel: progress.cancel,
    };
    let result = csi::compare::compare_with(
        &model,
        &survey,
        &a.group,
        a.groups.clone(),
        &options,
        Some(&hooks),
    );
    progress.finish();
    finish(&a, &model, result?, &data_warnings)
}

/// Warnings, charts, JSON and text of a comparison, and the exit code
/// (`data_warnings`: those printed while reading, listed in the JSON too).
fn finish(
    a: &CompareArgs,
    model: &csi::spec::Model,
    c: csi::compare::Comparison,
    data_warnings: &[String],
) -> anyhow::Result<ExitCode> {
    let target = chart_target(model, a.target.as_deref())?;
    for w in &c.warnings {
        eprintln_safe!("warning: {w}");
    }
    if let Some(p) = &a.chart {
        csi::report::compare_chart::competitor_chart(&c, target, p)?;
    }
    if let Some(p) = &a.ipma_chart {
        let maps = c
            .groups
            .iter()
            .map(|g| {
                csi::ipma::ipma(&g.analysis, target, csi::ipma::Split::Mean)
                    .with_context(|| format!("IPMA of group '{}'", g.name))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        csi::report::compare_chart::ipma_charts(&c, maps, p)?;
    }
    let mut doc = csi::report::compare::to_json(&c);
    // every warning printed is listed in the document too (issue 10)
    super::add_warnings(&mut doc, data_warnings);
    a.out.emit(&doc, &csi::report::compare::to_text(&c))?;
    let not_converged =
        c.groups.iter().any(|g| !g.analysis.fit.converged) || !c.pooled.analysis.fit.converged;
    let failures = c
        .groups
        .iter()
        .chain(std::iter::once(&c.pooled))
        .any(|g| g.bootstrap.as_ref().is_some_and(|b| b.failed > 0))
        || c.permutation_runs.iter().any(|r| r.failed > 0);
    Ok(if a.est.strict && (not_converged || failures) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
