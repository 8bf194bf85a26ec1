//! Which respondents form the compared groups: the groups of a column, the ones
//! `--groups` keeps, the ones large enough to fit, and the `--versus` reference.

use super::{CompareOptions, Excluded, GroupFit, Versus, MIN_GROUP};
use crate::data::{required_respondents, MissingPolicy, Survey};
use crate::error::{Error, Location, Result};
use crate::spec::Model;

/// The respondents of each value of a grouping column.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouping {
    /// Group labels (trimmed cell text), in order of first appearance or as requested.
    pub labels: Vec<String>,
    /// Respondents (indices into the survey) of each label.
    pub rows: Vec<Vec<usize>>,
    /// Respondents whose group cell is empty.
    pub missing: Vec<usize>,
    /// Respondents in groups that `--groups` left out.
    pub not_requested: usize,
}

/// Group the respondents of `survey` by the trimmed text of `column`.
///
/// With `wanted`, only those groups are kept, in that order.
///
/// # Errors
/// [`Error::Data`] when the column is not in the data; [`Error::Setting`] when a
/// wanted group has no respondent or is named twice.
///
/// # Example
/// ```
/// use csi::compare::group_rows;
/// use csi::data::Survey;
/// use nalgebra::DMatrix;
/// let mut s = Survey::from_matrix(vec!["a".into()], DMatrix::from_element(4, 1, 5.0));
/// s.extra.insert("airline".into(),
///     vec![Some(" 海鸥航空".into()), Some("青云航空".into()), None, Some("海鸥航空 ".into())]);
/// let g = group_rows(&s, "airline", None)?;
/// assert_eq!(g.labels, vec!["海鸥航空", "青云航空"]);
/// assert_eq!(g.rows[0], vec![0, 3]);
/// assert_eq!(g.missing, vec![2]);
/// let g = group_rows(&s, "airline", Some(&["青云航空".to_string()]))?;
/// assert_eq!(g.labels, vec!["青云航空"]);
/// assert_eq!(g.not_requested, 2);
/// # Ok::<(), csi::Error>(())
/// ```
pub fn group_rows(survey: &Survey, column: &str, wanted: Option<&[String]>) -> Result<Grouping> {
    let col = survey
        .extra
        .get(column)
        .ok_or_else(|| unknown_column(survey, column))?;
    let all = group_by_text(col);
    match wanted {
        None => Ok(all),
        Some(wanted) => keep_wanted(survey, column, all, wanted),
    }
}

/// The error for a group column that is not in the data (or is an item).
fn unknown_column(survey: &Survey, column: &str) -> Error {
    let known: Vec<&str> = survey.extra.keys().map(String::as_str).collect();
    let why = if survey.items.iter().any(|i| i == column) {
        "is an item of the model; the group column must be another column".to_string()
    } else if known.is_empty() {
        "no such column in the data (it has no columns besides the items)".to_string()
    } else {
        format!(
            "no such column in the data (other columns: {})",
            known.join(", ")
        )
    };
    Error::data(Location::column(survey.file.clone(), column), why)
}

/// Every group of the column's trimmed text, in order of first appearance; empty cells
/// are missing.
fn group_by_text(col: &[Option<String>]) -> Grouping {
    let mut labels: Vec<String> = Vec::new();
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut missing = Vec::new();
    for (i, v) in col.iter().enumerate() {
        match v.as_deref().map(str::trim) {
            None | Some("") => missing.push(i),
            Some(t) => match labels.iter().position(|l| l == t) {
                Some(g) => rows[g].push(i),
                None => {
                    labels.push(t.to_string());
                    rows.push(vec![i]);
                }
            },
        }
    }
    Grouping {
        labels,
        rows,
        missing,
        not_requested: 0,
    }
}

/// Only the `wanted` groups, in that order; the respondents of the others are counted
/// as not requested.
fn keep_wanted(
    survey: &Survey,
    column: &str,
    all: Grouping,
    wanted: &[String],
) -> Result<Grouping> {
    let Grouping {
        labels,
        rows,
        missing,
        ..
    } = all;
    let mut out_labels = Vec::new();
    let mut out_rows = Vec::new();
    for w in wanted {
        let w = w.trim();
        if out_labels.iter().any(|l: &String| l == w) {
            return Err(Error::setting(
                "groups",
                format!("group '{w}' is named twice"),
            ));
        }
        match labels.iter().position(|l| l == w) {
            Some(g) => {
                out_labels.push(labels[g].clone());
                out_rows.push(rows[g].clone());
            }
            None => {
                return Err(Error::setting(
                    "groups",
                    format!(
                        "no respondent has '{w}' in column '{column}' of {} (values: {})",
                        survey.file,
                        labels.join(", ")
                    ),
                ))
            }
        }
    }
    let kept: usize = out_rows.iter().map(Vec::len).sum();
    let all: usize = rows.iter().map(Vec::len).sum();
    Ok(Grouping {
        labels: out_labels,
        rows: out_rows,
        missing,
        not_requested: all - kept,
    })
}

/// The groups with enough usable respondents to be fitted (listwise: complete rows;
/// otherwise every row) and, excluded with the reason, the others.
pub(super) fn screen_groups(
    model: &Model,
    survey: &Survey,
    grouping: &Grouping,
    options: &CompareOptions,
) -> (Vec<(String, Vec<usize>)>, Vec<Excluded>) {
    let need = required_respondents(model).max(MIN_GROUP);
    let policy = options.fit.missing;
    let usable = |rows: &[usize]| -> usize {
        match policy {
            MissingPolicy::Listwise => rows
                .iter()
                .filter(|&&i| survey.x.row(i).iter().all(|v| !v.is_nan()))
                .count(),
            _ => rows.len(),
        }
    };
    let mut excluded = Vec::new();
    let mut candidates: Vec<(String, Vec<usize>)> = Vec::new();
    for (label, rows) in grouping.labels.iter().zip(&grouping.rows) {
        let u = usable(rows);
        if u < need {
            excluded.push(Excluded {
                group: label.clone(),
                n: rows.len(),
                reason: format!("{u} usable respondents; the model needs at least {need}"),
            });
        } else {
            candidates.push((label.clone(), rows.clone()));
        }
    }
    (candidates, excluded)
}

/// The warnings of the groups left out: excluded groups and respondents without a
/// group value (the first five rows named).
pub(super) fn exclusion_warnings(
    survey: &Survey,
    group_column: &str,
    grouping: &Grouping,
    excluded: &[Excluded],
) -> Vec<String> {
    let mut warnings = Vec::new();
    for e in excluded {
        warnings.push(format!(
            "group '{}' (n = {}) not compared: {}",
            e.group, e.n, e.reason
        ));
    }
    if !grouping.missing.is_empty() {
        let first: Vec<String> = grouping
            .missing
            .iter()
            .take(5)
            .map(|&i| survey.rows[i].to_string())
            .collect();
        warnings.push(format!(
            "{} respondent(s) have no value in column '{group_column}' and are left out (rows {}{})",
            grouping.missing.len(),
            first.join(", "),
            if grouping.missing.len() > 5 { ", ..." } else { "" }
        ));
    }
    warnings
}

/// A comparison needs two fitted groups: else the error names every excluded group
/// with its reason.
pub(super) fn check_two_groups(
    survey: &Survey,
    group_column: &str,
    fitted: &[GroupFit],
    excluded: &[Excluded],
) -> Result<()> {
    if fitted.len() >= 2 {
        return Ok(());
    }
    let mut msg = format!(
        "column '{group_column}' of {} gives {} group(s) that can be fitted; at least two are needed",
        survey.file,
        fitted.len()
    );
    for e in excluded {
        msg.push_str(&format!("; '{}': {}", e.group, e.reason));
    }
    Err(Error::setting("group", msg))
}

/// `--versus GROUP`: the group must be a value of the column (and among `--groups`).
pub(super) fn check_reference(
    survey: &Survey,
    column: &str,
    grouping: &Grouping,
    versus: &Versus,
) -> Result<()> {
    let Versus::Group(name) = versus else {
        return Ok(());
    };
    if grouping.labels.iter().any(|l| l == name.trim()) {
        return Ok(());
    }
    let mut values: Vec<&str> = grouping.labels.iter().map(String::as_str).collect();
    let shown = values.len().min(20);
    let more = if values.len() > shown { ", ..." } else { "" };
    values.truncate(shown);
    Err(Error::setting(
        "--versus",
        format!(
            "no compared respondent has '{}' in column '{column}' of {} (values: {}{more}; or use pooled or rest)",
            name.trim(),
            survey.file,
            values.join(", ")
        ),
    ))
}

/// The position of the `--versus` group among the fitted groups.
pub(super) fn reference_group(
    column: &str,
    fitted: &[GroupFit],
    excluded: &[Excluded],
    name: &str,
) -> Result<usize> {
    let name = name.trim();
    if let Some(g) = fitted.iter().position(|g| g.name == name) {
        return Ok(g);
    }
    let why = excluded
        .iter()
        .find(|e| e.group == name)
        .map(|e| e.reason.clone())
        .unwrap_or_else(|| "it was not fitted".into());
    Err(Error::setting(
        "--versus",
        format!("group '{name}' of column '{column}' cannot be the reference: {why}"),
    ))
}
