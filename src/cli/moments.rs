//! `csi moments`: the sufficient statistics of a data file (pooled, and per group and
//! wave) as a JSON or Parquet moments file, for `fit`/`ipma --moments FILE` and for
//! comparison with a warehouse's own query (README).
use super::Inputs;
use clap::Args;
use csi::data::ingest::stream::{stream_survey, StreamOptions};
use csi::moments_file::MomentsFile;
use csi::moments_stream::SufficientStats;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `csi moments`.
#[derive(Debug, Args)]
pub struct MomentsArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Column of groups (company, airline, branch): sums per group as well.
    #[arg(long, value_name = "COLUMN")]
    pub group: Option<String>,
    /// Column of waves: sums per wave (per group and wave with --group).
    #[arg(long, value_name = "COLUMN")]
    pub wave: Option<String>,
    /// The moments file to write: FILE.json or FILE.parquet.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// Run `csi moments`.
pub fn run(a: MomentsArgs) -> anyhow::Result<ExitCode> {
    if a.inputs.moments.is_some() {
        return Err(csi::Error::setting("--moments", "csi moments reads --data").into());
    }
    let by: Vec<String> = [&a.group, &a.wave].into_iter().flatten().cloned().collect();
    let mut model = csi::spec::read_model(&a.inputs.model.model)?;
    a.inputs.data_args.apply_to_model(&mut model)?;
    let opts = a.inputs.data_args.ingest_options(&a.inputs.model.model)?;
    let streamed = if a.inputs.data_args.screen_options().is_empty() {
        stream_survey(
            &a.inputs.data,
            &model,
            &opts,
            &StreamOptions {
                by: by.clone(),
                ..Default::default()
            },
        )?
    } else {
        None
    };
    let file = match streamed {
        Some(s) => {
            for p in s.report.warnings() {
                eprintln_safe!("warning: {}: {}", a.inputs.data.display(), with_context(p));
            }
            MomentsFile::new(&model, s.pooled, opts.weight.clone()).with_groups(
                by.clone(),
                &s.groups,
                s.ungrouped,
            )
        }
        None => {
            // workbooks, SPSS, screening, and every file with a problem (reported here)
            let loaded = a.inputs.load_screened()?;
            if let Some(s) = loaded.excluded.summary() {
                eprintln_safe!("warning: {s}");
            }
            let survey = loaded.survey;
            let pooled = SufficientStats::from_matrix(
                survey.items.clone(),
                &survey.x,
                survey.weights.as_deref(),
            );
            let (sums, ungrouped) = group_sums(&survey, &by)?;
            MomentsFile::new(&model, pooled, opts.weight.clone()).with_groups(
                by.clone(),
                &sums,
                ungrouped,
            )
        }
    };
    file.write(&a.out)?;
    println_safe!(
        "csi moments: {} rows, {} items{} -> {}",
        file.pooled.n_rows,
        file.items.len(),
        if by.is_empty() {
            String::new()
        } else {
            format!(", {} groups by {}", file.groups.len(), by.join(" x "))
        },
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The sums of each group of rows (the values of the `by` columns, trimmed), and
/// the number of rows left out of every group because a `by` cell is empty.
fn group_sums(
    survey: &csi::data::Survey,
    by: &[String],
) -> csi::Result<(BTreeMap<Vec<String>, SufficientStats>, usize)> {
    let mut groups: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
    let mut ungrouped = 0usize;
    if !by.is_empty() {
        let cols = by
            .iter()
            .map(|c| {
                survey.extra.get(c.as_str()).ok_or_else(|| {
                    csi::Error::data(
                        csi::error::Location {
                            file: survey.file.clone(),
                            column: Some(c.clone()),
                            ..Default::default()
                        },
                        "no such column in the data (or it is an item or the weight column)",
                    )
                })
            })
            .collect::<csi::Result<Vec<_>>>()?;
        for i in 0..survey.n() {
            let key: Option<Vec<String>> = cols
                .iter()
                .map(|c| {
                    c.get(i)
                        .and_then(|v| v.as_deref())
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(String::from)
                })
                .collect();
            match key {
                Some(k) => groups.entry(k).or_default().push(i),
                None => ungrouped += 1,
            }
        }
    }
    let sums = groups
        .into_iter()
        .map(|(k, idx)| {
            let g = survey.select_rows(&idx);
            (
                k,
                SufficientStats::from_matrix(survey.items.clone(), &g.x, g.weights.as_deref()),
            )
        })
        .collect();
    Ok((sums, ungrouped))
}

fn with_context(p: &csi::data::Problem) -> String {
    let ctx = p.context();
    if ctx.is_empty() {
        p.message.clone()
    } else {
        format!("{ctx}: {}", p.message)
    }
}
