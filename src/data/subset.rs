//! Row subsets of a survey: one company's own respondents (`--company COLUMN --focus
//! NAME`) and segments (`--filter COLUMN=VALUE`, repeatable). Every subset says how
//! many respondents it kept, so nothing is dropped silently.
//!
//! Cells are compared as trimmed text; an empty cell matches no value. Several
//! filters on the same column are alternatives (`--filter region=north --filter
//! region=south` keeps both regions); filters on different columns must all hold.
//!
//! # Example
//! ```
//! use csi::data::Survey;
//! use csi::data::subset::{subset_rows, RowFilter};
//! use nalgebra::DMatrix;
//! let mut s = Survey::from_matrix(vec!["q1".into()], DMatrix::from_column_slice(4, 1, &[1.0, 2.0, 3.0, 4.0]));
//! s.extra.insert("airline".into(), ["海鸥航空", "青云航空", "海鸥航空", ""].iter()
//!     .map(|v| (!v.is_empty()).then(|| v.to_string())).collect());
//! let f: RowFilter = "airline=海鸥航空".parse()?;
//! let (sub, report) = subset_rows(&s, &[f])?;
//! assert_eq!(sub.n(), 2);
//! assert_eq!((report.n_before, report.n_kept), (4, 2));
//! assert_eq!(sub.rows, vec![2, 4]); // spreadsheet rows of the kept respondents
//! # Ok::<(), csi::Error>(())
//! ```

use super::Survey;
use crate::error::{Error, Location, Result};
use std::collections::BTreeMap;

/// One `COLUMN=VALUE` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowFilter {
    /// Column of the data file (not an item).
    pub column: String,
    /// Value the trimmed cell must equal.
    pub value: String,
    /// The flag that asked for it (`--filter` or `--focus`), for messages.
    pub flag: String,
}

impl RowFilter {
    /// A filter `column = value` asked for by `flag`.
    pub fn new(column: &str, value: &str, flag: &str) -> RowFilter {
        RowFilter {
            column: column.trim().to_string(),
            value: value.trim().to_string(),
            flag: flag.to_string(),
        }
    }
}

impl std::str::FromStr for RowFilter {
    type Err = Error;
    /// `COLUMN=VALUE` (the first `=` splits; the value may contain `=`).
    ///
    /// ```
    /// use csi::data::subset::RowFilter;
    /// let f: RowFilter = "mode = online".parse()?;
    /// assert_eq!((f.column.as_str(), f.value.as_str()), ("mode", "online"));
    /// assert!("mode".parse::<RowFilter>().is_err());
    /// # Ok::<(), csi::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        match s.split_once('=') {
            Some((c, v)) if !c.trim().is_empty() && !v.trim().is_empty() => {
                Ok(RowFilter::new(c, v, "--filter"))
            }
            _ => Err(Error::setting(
                "--filter",
                format!("expected COLUMN=VALUE (e.g. region=north), got '{s}'"),
            )),
        }
    }
}

/// What a subset kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SubsetReport {
    /// Respondents before.
    pub n_before: usize,
    /// Respondents kept.
    pub n_kept: usize,
    /// The conditions, as `COLUMN=VALUE`.
    pub conditions: Vec<String>,
}

/// Up to `k` distinct non-empty values of a column, by frequency (most frequent first),
/// with the number of distinct values.
pub fn present_values(col: &[Option<String>], k: usize) -> (Vec<String>, usize) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for v in col.iter().flatten() {
        let t = v.trim();
        if !t.is_empty() {
            *counts.entry(t).or_default() += 1;
        }
    }
    let distinct = counts.len();
    let mut v: Vec<(&str, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    (
        v.into_iter().take(k).map(|(s, _)| s.to_string()).collect(),
        distinct,
    )
}

fn column<'a>(survey: &'a Survey, f: &RowFilter) -> Result<&'a [Option<String>]> {
    survey
        .extra
        .get(&f.column)
        .map(|v| v.as_slice())
        .ok_or_else(|| {
            let cols: Vec<&str> = survey.extra.keys().map(String::as_str).take(12).collect();
            let is_item = survey.items.iter().any(|i| i == &f.column);
            Error::data(
                Location {
                    file: survey.file.clone(),
                    column: Some(f.column.clone()),
                    ..Default::default()
                },
                if is_item {
                    format!(
                        "{}: '{}' is a questionnaire item; filter on a non-item column ({})",
                        f.flag,
                        f.column,
                        cols.join(", ")
                    )
                } else {
                    format!(
                        "{}: no such column in the data (non-item columns: {})",
                        f.flag,
                        if cols.is_empty() {
                            "none".to_string()
                        } else {
                            cols.join(", ")
                        }
                    )
                },
            )
        })
}

/// The respondents meeting every condition (see the module documentation), in file
/// order, with a report of how many were kept.
///
/// # Errors
/// [`Error::Data`] naming the file, the column and the value when a column does not
/// exist or when no respondent has the value (the message lists values present).
/// No rows kept is an error, never an empty survey.
pub fn subset_rows(survey: &Survey, filters: &[RowFilter]) -> Result<(Survey, SubsetReport)> {
    let n = survey.n();
    if filters.is_empty() {
        return Ok((
            survey.clone(),
            SubsetReport {
                n_before: n,
                n_kept: n,
                conditions: Vec::new(),
            },
        ));
    }
    // group the conditions by column (alternatives within a column)
    let mut by_col: BTreeMap<&str, Vec<&RowFilter>> = BTreeMap::new();
    for f in filters {
        by_col.entry(f.column.as_str()).or_default().push(f);
    }
    let mut keep = vec![true; n];
    for fs in by_col.values() {
        let col = column(survey, fs[0])?;
        for f in fs {
            if !col.iter().flatten().any(|v| v.trim() == f.value) {
                let (vals, distinct) = present_values(col, 8);
                let more = if distinct > vals.len() {
                    format!(", ... {} values in all", distinct)
                } else {
                    String::new()
                };
                return Err(Error::Data {
                    location: Location {
                        file: survey.file.clone(),
                        row: None,
                        column: Some(f.column.clone()),
                        value: Some(f.value.clone()),
                    },
                    message: format!(
                        "{}: no respondent has this value (values present: {}{more})",
                        f.flag,
                        vals.join(", ")
                    ),
                    more: 0,
                });
            }
        }
        for (i, k) in keep.iter_mut().enumerate() {
            let cell = col[i].as_deref().map(str::trim);
            *k = *k && fs.iter().any(|f| cell == Some(f.value.as_str()));
        }
    }
    let idx: Vec<usize> = (0..n).filter(|&i| keep[i]).collect();
    let conditions: Vec<String> = filters
        .iter()
        .map(|f| format!("{}={}", f.column, f.value))
        .collect();
    if idx.is_empty() {
        return Err(Error::data(
            Location {
                file: survey.file.clone(),
                ..Default::default()
            },
            format!(
                "no respondent meets all of {} together",
                conditions.join(" and ")
            ),
        ));
    }
    Ok((
        survey.select_rows(&idx),
        SubsetReport {
            n_before: n,
            n_kept: idx.len(),
            conditions,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::DMatrix;

    fn survey() -> Survey {
        let mut s = Survey::from_matrix(
            vec!["q1".into()],
            DMatrix::from_column_slice(5, 1, &[1.0, 2.0, 3.0, 4.0, 5.0]),
        );
        let col = |v: &[&str]| -> Vec<Option<String>> {
            v.iter()
                .map(|x| (!x.is_empty()).then(|| x.to_string()))
                .collect()
        };
        s.extra
            .insert("co".into(), col(&["A", "B", "A ", "C", "A"]));
        s.extra
            .insert("region".into(), col(&["n", "n", "s", "s", ""]));
        s
    }

    #[test]
    fn same_column_is_or_other_columns_and() {
        let s = survey();
        let f = |t: &str| t.parse::<RowFilter>().unwrap();
        let (sub, r) = subset_rows(&s, &[f("co=A"), f("co=C")]).unwrap();
        assert_eq!(sub.rows, vec![2, 4, 5, 6]);
        assert_eq!(r.n_kept, 4);
        let (sub, _) = subset_rows(&s, &[f("co=A"), f("region=s")]).unwrap();
        assert_eq!(sub.rows, vec![4]);
        assert_eq!(sub.x[(0, 0)], 3.0);
    }

    #[test]
    fn absent_value_lists_present_values() {
        let s = survey();
        let e = subset_rows(&s, &[RowFilter::new("co", "Z", "--focus")]).unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("--focus") && m.contains("'co'") && m.contains("Z"),
            "{m}"
        );
        assert!(m.contains("A, B, C"), "{m}");
        let e = subset_rows(&s, &[RowFilter::new("nope", "x", "--filter")]).unwrap_err();
        assert!(e.to_string().contains("co, region"), "{e}");
        let e = subset_rows(&s, &[RowFilter::new("q1", "1", "--filter")]).unwrap_err();
        assert!(e.to_string().contains("questionnaire item"), "{e}");
    }

    #[test]
    fn empty_intersection_is_an_error() {
        let s = survey();
        let f = |t: &str| t.parse::<RowFilter>().unwrap();
        assert!(subset_rows(&s, &[f("co=B"), f("region=s")]).is_err());
    }
}
