//! Comparisons from sufficient statistics (a moments file written with `--group`):
//! one fit per group from its sums, the league tables and every pairwise difference,
//! as [`super::compare`] gives them without resampling. Intervals, permutation tests
//! and MICOM need the respondent rows; they are absent (`NaN`), and the permutation
//! count of the options is not used.

use super::{
    adjust_differences, group_warnings, league_tables, pair_differences, targets, Comparison,
};
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
    let (labels, sums) = sums_by_group(file, file_name, column)?;
    let order = requested_order(&labels, groups, column, file_name)?;
    let groups = Grouped {
        labels: &labels,
        sums: &sums,
        order: &order,
    };
    let (fitted, excluded) = fit_groups_from_sums(model, file_name, &groups, options)?;
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
    adjust_differences(&mut differences, options.adjust);
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

/// The sums of each value of the `column` the file is grouped by (in the file's
/// order), each added over the file's other `by` columns.
fn sums_by_group(
    file: &MomentsFile,
    file_name: &str,
    column: &str,
) -> Result<(Vec<String>, Vec<SufficientStats>)> {
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
    Ok((labels, sums))
}

/// The positions of the requested `groups` among `labels` (every label without them).
fn requested_order(
    labels: &[String],
    groups: Option<&[String]>,
    column: &str,
    file_name: &str,
) -> Result<Vec<usize>> {
    match groups {
        None => Ok((0..labels.len()).collect()),
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
            .collect::<Result<_>>(),
    }
}

/// The groups of a moments file: labels, sums and the requested order.
struct Grouped<'a> {
    labels: &'a [String],
    sums: &'a [SufficientStats],
    order: &'a [usize],
}

/// Fit every requested group with enough usable respondents (in the requested
/// order); the others are excluded with the reason.
fn fit_groups_from_sums(
    model: &Model,
    file_name: &str,
    groups: &Grouped,
    options: &CompareOptions,
) -> Result<(Vec<GroupFit>, Vec<Excluded>)> {
    let need = required_respondents(model).max(MIN_GROUP);
    let mut excluded = Vec::new();
    let mut fitted = Vec::new();
    for &i in groups.order {
        let s = &groups.sums[i];
        let n = s.n_used(options.fit.missing);
        if n < need {
            excluded.push(Excluded {
                group: groups.labels[i].clone(),
                n: s.n_rows as usize,
                reason: format!("{n} usable respondents; the model needs at least {need}"),
            });
            continue;
        }
        fitted.push(fit_sums(model, file_name, &groups.labels[i], s, options)?);
    }
    Ok((fitted, excluded))
}

/// One group's fit from its sums (no respondent rows, no bootstrap).
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
