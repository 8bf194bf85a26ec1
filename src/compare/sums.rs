//! Comparisons from sufficient statistics (a moments file written with `--group`):
//! one fit per group from its sums, the league tables and every pairwise difference,
//! as [`super::compare`] gives them without resampling. Intervals, permutation tests
//! and MICOM need the respondent rows; they are absent (`NaN`), and the permutation
//! count of the options is not used.

use super::{group_warnings, league_tables, pair_differences, targets, Comparison};
use super::{CompareOptions, Excluded, GroupFit, MIN_GROUP};
use crate::analysis::analyze_moments;
use crate::data::required_respondents;
use crate::error::{Error, Result};
use crate::moments_file::{prepare_stats, MomentsFile};
use crate::moments_stream::SufficientStats;
use crate::spec::Model;

/// Compare the groups of `column` in a moments file (groups in the order of
/// `groups`, else in the file's order, i.e. sorted by value). The sums of a group over
/// the file's other `by` columns (e.g. waves) are added.
///
/// # Errors
/// A model that does not match the file, a column the file is not grouped by, an
/// unknown requested group, fewer than two groups that can be fitted, estimation
/// errors.
pub fn compare_sums(
    model: &Model,
    file: &MomentsFile,
    file_name: &str,
    column: &str,
    groups: Option<&[String]>,
    options: &CompareOptions,
) -> Result<Comparison> {
    file.check_model(model, file_name)?;
    let Some(pos) = file.by.iter().position(|c| c == column.trim()) else {
        return Err(Error::setting(
            "group",
            format!(
                "the moments file {file_name} is not grouped by '{column}' (its groups: {}); write it with csi moments --group {column}",
                if file.by.is_empty() { "none".to_string() } else { file.by.join(", ") }
            ),
        ));
    };
    let mut labels: Vec<String> = Vec::new();
    let mut sums: Vec<SufficientStats> = Vec::new();
    for g in &file.groups {
        let v = g.key.get(&file.by[pos]).cloned().unwrap_or_default();
        match labels.iter().position(|l| *l == v) {
            Some(i) => sums[i].merge(&g.sums)?,
            None => {
                labels.push(v);
                sums.push(g.sums.clone());
            }
        }
    }
    let order: Vec<usize> = match groups {
        None => (0..labels.len()).collect(),
        Some(want) => want
            .iter()
            .map(|w| {
                labels.iter().position(|l| l == w.trim()).ok_or_else(|| {
                    Error::setting(
                        "groups",
                        format!(
                            "no group '{w}' in column '{column}' of {file_name} (groups: {})",
                            labels.join(", ")
                        ),
                    )
                })
            })
            .collect::<Result<_>>()?,
    };
    let need = required_respondents(model).max(MIN_GROUP);
    let mut excluded = Vec::new();
    let mut fitted = Vec::new();
    for &i in &order {
        let s = &sums[i];
        let n = s.n_used(options.fit.missing);
        if n < need {
            excluded.push(Excluded {
                group: labels[i].clone(),
                n: s.n_rows as usize,
                reason: format!("{n} usable respondents; the model needs at least {need}"),
            });
            continue;
        }
        fitted.push(fit_sums(model, file_name, &labels[i], s, options)?);
    }
    let mut warnings: Vec<String> = excluded
        .iter()
        .map(|e| {
            format!(
                "group '{}' (n = {}) not compared: {}",
                e.group, e.n, e.reason
            )
        })
        .collect();
    if file.ungrouped > 0 {
        warnings.push(format!(
            "{} respondent(s) had no value in a group column of the moments file and are left out",
            file.ungrouped
        ));
    }
    if fitted.len() < 2 {
        return Err(Error::setting(
            "group",
            format!(
                "column '{column}' of {file_name} gives {} group(s) that can be fitted; at least two are needed",
                fitted.len()
            ),
        ));
    }
    group_warnings(&fitted, &mut warnings);
    let mut pooled_sums = sums[order[0]].empty_like();
    for g in &fitted {
        if let Some(i) = labels.iter().position(|l| *l == g.name) {
            pooled_sums.merge(&sums[i])?;
        }
    }
    let pooled = fit_sums(model, file_name, "pooled", &pooled_sums, options)?;
    let tg = targets(model);
    let mut differences = pair_differences(model, &fitted, &tg, options.alpha());
    let adj = crate::adjust::adjust(
        &differences.iter().map(|d| d.p).collect::<Vec<_>>(),
        options.adjust,
    );
    for (d, p) in differences.iter_mut().zip(adj) {
        d.p_adjusted = p;
    }
    warnings.push(
        "from a moments file: point estimates only (intervals, permutation tests and MICOM need the respondent rows)".into(),
    );
    let league = league_tables(model, &fitted);
    Ok(Comparison {
        model: model.clone(),
        group_column: column.to_string(),
        options: CompareOptions {
            bootstrap: None,
            permutations: 0,
            ..options.clone()
        },
        missing_group: Vec::new(),
        not_requested: 0,
        excluded,
        groups: fitted,
        pooled,
        league,
        differences,
        omnibus: Vec::new(),
        micom: Vec::new(),
        permutation_runs: Vec::new(),
        warnings,
    })
}

fn fit_sums(
    model: &Model,
    file_name: &str,
    name: &str,
    s: &SufficientStats,
    options: &CompareOptions,
) -> Result<GroupFit> {
    let (mut data, missing, moments) = prepare_stats(s, model, file_name, options.fit.missing)?;
    // the comparison documents compute Kish's n from per-row weights, which sums do
    // not keep: no n_effective rather than a wrong one
    data.weights = None;
    let analysis = analyze_moments(model, data, missing, moments, &options.fit)?;
    Ok(GroupFit {
        name: name.to_string(),
        n_read: s.n_rows as usize,
        rows: Vec::new(),
        analysis,
        bootstrap: None,
    })
}
