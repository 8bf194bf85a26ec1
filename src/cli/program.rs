//! `csi program`: a satisfaction-index programme over companies, industries, sectors
//! and waves (contract `csi-program/v1`).
use super::{EstArgs, Inputs, JsonArg, Progress};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `csi program`.
#[derive(Debug, Args)]
pub struct ProgramArgs {
    /// The model and the data file: every respondent of every company and wave.
    #[command(flatten)]
    pub inputs: Inputs,
    /// Column naming each respondent's company.
    #[arg(long, value_name = "COLUMN")]
    pub company: String,
    /// Column naming each respondent's wave (none: one wave).
    #[arg(long, value_name = "COLUMN")]
    pub wave: Option<String>,
    /// The waves in order (default: text order of their names).
    #[arg(long = "wave-order", value_name = "A,B,C", value_delimiter = ',')]
    pub wave_order: Option<Vec<String>>,
    /// CSV with columns company, industry, sector, weight (revenue or another size).
    #[arg(long, value_name = "FILE.csv")]
    pub hierarchy: Option<PathBuf>,
    /// CSV with columns sector, weight (e.g. share of GDP) for the national index
    /// (default: the sum of the sector's company weights).
    #[arg(long = "sector-weights", value_name = "FILE.csv")]
    pub sector_weights: Option<PathBuf>,
    /// Fewest usable respondents of a company-wave (default: the model's minimum).
    #[arg(long = "min-n", value_name = "N")]
    pub min_n: Option<usize>,
    /// Multiple-comparison adjustment across the programme: holm, bh or none.
    #[arg(long, default_value = "holm")]
    pub adjust: csi::adjust::Adjust,
    /// Construct of the text overview and rankings (default: SAT).
    #[arg(long, value_name = "CONSTRUCT")]
    pub target: Option<String>,
    #[command(flatten)]
    pub est: EstArgs,
    #[command(flatten)]
    pub out: JsonArg,
}

/// Run `csi program`.
pub fn run(a: ProgramArgs) -> anyhow::Result<ExitCode> {
    let fit = a.est.fit_options()?;
    a.est.pls_only("program")?;
    if a.est.ci != csi::bootstrap::CiMethod::Percentile {
        return Err(csi::Error::setting(
            "--ci",
            "program intervals are percentile intervals (aggregates are built replicate by replicate), got 'bca'",
        )
        .into());
    }
    let options = csi::program::ProgramOptions {
        fit,
        resamples: a.est.bootstrap,
        seed: a.est.seed,
        level: a.est.level,
        min_n: a.min_n,
        adjust: a.adjust,
    };
    let mut inputs = a.inputs.files();
    inputs.extend(a.hierarchy.as_deref().map(|p| ("hierarchy", p)));
    inputs.extend(a.sector_weights.as_deref().map(|p| ("sector weights", p)));
    super::check_outputs(&inputs, &a.out.output().into_iter().collect::<Vec<_>>())?;
    let hierarchy = match &a.hierarchy {
        Some(p) => Some(csi::program::hierarchy::Hierarchy::read(p)?),
        None => None,
    };
    let sector_weights = match &a.sector_weights {
        Some(p) => Some(csi::program::hierarchy::SectorWeights::read(p)?),
        None => None,
    };
    let (model, survey, mut warnings) = a.inputs.load_warned()?;
    let sampling = a.inputs.data_args.design(&survey)?;
    super::design::refuse_design("program", sampling.as_ref(), a.est.bootstrap > 0)?;
    super::design::refuse_em_resampling("program", a.est.missing, a.est.bootstrap > 0)?;
    options.check(&model)?;
    let target = target_of(&model, a.target.as_deref())?;
    let design = csi::program::Design {
        company: a.company.clone(),
        wave: a.wave.clone(),
        wave_order: a.wave_order.clone(),
        hierarchy,
        sector_weights,
    };
    let cells = company_waves(&survey, &a);
    let progress = Progress::new(cells as u64, "program");
    let set = |d: usize| progress.set(d);
    let hooks = csi::bootstrap::Hooks {
        progress: &set,
        cancel: progress.cancel,
    };
    let result = csi::program::run(&model, &survey, &design, &options, Some(&hooks));
    progress.finish();
    let p = result?;
    if options.resamples == 0 {
        let w = "without --bootstrap N there are no intervals and no p values";
        eprintln_safe!("warning: {w}");
        warnings.push(w.into());
    }
    for w in &p.warnings {
        eprintln_safe!("warning: {w}");
    }
    let mut doc = csi::report::program::to_json(&p);
    // every warning printed is listed in the document too (issue 10), after the
    // programme's own
    super::add_warnings(&mut doc, &warnings);
    a.out
        .emit(&doc, &csi::report::program::to_text(&p, target))?;
    let trouble = p.cells.iter().any(|c| {
        c.status == csi::program::Status::Failed
            || (c.status == csi::program::Status::Ok && !c.converged)
    }) || p.resamples_failed() > 0;
    Ok(if a.est.strict && trouble {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The construct of the text overview (`--target`), checked against the model.
fn target_of(model: &csi::spec::Model, wanted: Option<&str>) -> anyhow::Result<Option<usize>> {
    Ok(match wanted {
        Some(t) => Some(model.construct_index(t.trim()).ok_or_else(|| {
            let names: Vec<&str> = model.constructs.iter().map(|c| c.name.as_str()).collect();
            csi::Error::setting(
                "--target",
                format!(
                    "no construct '{t}' in the model (constructs: {})",
                    names.join(", ")
                ),
            )
        })?),
        None => None,
    })
}

/// The number of company-waves, for the progress bar: its length is known once the
/// data is grouped, so it is an estimate from the distinct values of the two columns.
fn company_waves(survey: &csi::data::Survey, a: &ProgramArgs) -> usize {
    let distinct = |col: &str| {
        survey
            .extra
            .get(col)
            .map(|v| {
                v.iter()
                    .flatten()
                    .map(|s| s.trim())
                    .collect::<std::collections::BTreeSet<_>>()
                    .len()
            })
            .unwrap_or(1)
    };
    distinct(&a.company) * a.wave.as_deref().map(distinct).unwrap_or(1)
}
