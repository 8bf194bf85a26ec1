//! Speeders and straight-liners: respondents excluded from estimation on request
//! (`--min-duration SECONDS --duration COLUMN`, `--exclude-straight-liners`).
//!
//! Nothing is dropped silently and no file is changed: [`screen`] returns the survey
//! without the excluded respondents and an [`Exclusions`] record that lists them by
//! spreadsheet row, for the output.
//!
//! * **Speeder:** the interview took less than `min_duration` seconds (the duration
//!   column holds seconds; an empty or non-numeric cell is an error naming its row,
//!   since such a respondent can be neither kept nor excluded on evidence).
//! * **Straight-liner:** the same definition as `csi validate` uses for its warning:
//!   at least two items in the model, at least `max(2, ⌈p/2⌉)` items answered, and
//!   every answered item given the same raw answer (before reverse-coding).
//!
//! # Example
//! ```
//! use csi::data::Survey;
//! use csi::design::screen::{screen, ScreenOptions};
//! use csi::spec::{ConstructSpec, Model};
//! use nalgebra::DMatrix;
//! let model = Model::from_parts("toy",
//!     vec![ConstructSpec::new("A", &["a1", "a2"]), ConstructSpec::new("B", &["b1"])], &[("A", "B")])?;
//! let x = DMatrix::from_row_slice(3, 3, &[7.0, 7.0, 7.0,  5.0, 6.0, 7.0,  4.0, 8.0, 2.0]);
//! let mut s = Survey::from_matrix(vec!["a1".into(), "a2".into(), "b1".into()], x);
//! s.extra.insert("secs".into(), vec![Some("300".into()), Some("40".into()), Some("250".into())]);
//! let o = ScreenOptions { min_duration: Some(60.0), duration_column: Some("secs".into()), straight_liners: true };
//! let (kept, ex) = screen(&s, &model, &o)?;
//! assert_eq!(kept.rows, vec![4]);          // row 2 straight-lined, row 3 sped
//! assert_eq!(ex.straight_liners, vec![2]);
//! assert_eq!(ex.speeders, vec![3]);
//! assert_eq!(ex.n_excluded, 2);
//! # Ok::<(), csi::Error>(())
//! ```

use crate::data::Survey;
use crate::error::{Error, Location, Result};
use crate::spec::Model;

/// What to exclude.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScreenOptions {
    /// Exclude respondents faster than this many seconds (needs `duration_column`).
    pub min_duration: Option<f64>,
    /// The column holding each interview's duration in seconds.
    pub duration_column: Option<String>,
    /// Exclude straight-liners.
    pub straight_liners: bool,
}

impl ScreenOptions {
    /// True when nothing is to be excluded.
    pub fn is_empty(&self) -> bool {
        self.min_duration.is_none() && !self.straight_liners
    }

    /// Check the options.
    ///
    /// # Errors
    /// [`Error::Setting`] when a minimum duration is given without its column (or the
    /// reverse), or is not a finite number >= 0.
    pub fn check(&self) -> Result<()> {
        match (&self.min_duration, &self.duration_column) {
            (Some(_), None) => Err(Error::setting(
                "--min-duration",
                "needs --duration COLUMN (the column of interview durations in seconds)",
            )),
            (None, Some(_)) => Err(Error::setting("--duration", "needs --min-duration SECONDS")),
            (Some(m), Some(_)) if !(m.is_finite() && *m >= 0.0) => Err(Error::setting(
                "--min-duration",
                format!("must be a number of seconds >= 0, got {m}"),
            )),
            _ => Ok(()),
        }
    }
}

/// The respondents excluded, by spreadsheet row.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Exclusions {
    /// Respondents read.
    pub n_read: usize,
    /// Respondents excluded (a speeder who also straight-lined is counted once).
    pub n_excluded: usize,
    /// The minimum duration applied (seconds), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_duration: Option<f64>,
    /// The duration column, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_column: Option<String>,
    /// Rows of the speeders.
    pub speeders: Vec<usize>,
    /// Rows of the straight-liners (when their exclusion was asked for).
    pub straight_liners: Vec<usize>,
}

impl Exclusions {
    /// A one-line summary for warnings (`None` when nothing was excluded).
    pub fn summary(&self) -> Option<String> {
        if self.n_excluded == 0 {
            return None;
        }
        let list = |v: &[usize]| -> String {
            let shown: Vec<String> = v.iter().take(20).map(|r| r.to_string()).collect();
            format!(
                "{}{}",
                shown.join(", "),
                if v.len() > 20 {
                    format!(", ... ({} in all)", v.len())
                } else {
                    String::new()
                }
            )
        };
        let mut parts = Vec::new();
        if !self.speeders.is_empty() {
            parts.push(format!(
                "{} speeder(s) under {} s in rows {}",
                self.speeders.len(),
                self.min_duration.unwrap_or(0.0),
                list(&self.speeders)
            ));
        }
        if !self.straight_liners.is_empty() {
            parts.push(format!(
                "{} straight-liner(s) in rows {}",
                self.straight_liners.len(),
                list(&self.straight_liners)
            ));
        }
        Some(format!(
            "{} of {} respondents excluded from estimation: {}",
            self.n_excluded,
            self.n_read,
            parts.join("; ")
        ))
    }
}

/// Indices of the straight-liners of a survey (the definition of `csi validate`).
pub fn straight_liners(survey: &Survey, model: &Model) -> Vec<usize> {
    let (n, p) = survey.x.shape();
    if p < 2 {
        return Vec::new();
    }
    let min_obs = crate::data::validate::straight_min_obs(p);
    // one flip per column of the survey (a column beyond the model's items: none)
    let mut flips = crate::data::validate::raw_flips(model);
    flips.resize(p, None);
    (0..n)
        .filter(|&i| {
            let mut first = f64::NAN;
            let mut obs = 0usize;
            for (j, flip) in flips.iter().enumerate() {
                let v = survey.x[(i, j)];
                if v.is_nan() {
                    continue;
                }
                let raw = match flip {
                    Some(t) => t - v,
                    None => v,
                };
                if obs == 0 {
                    first = raw;
                } else if (raw - first).abs() > 1e-9 {
                    return false;
                }
                obs += 1;
            }
            obs >= min_obs
        })
        .collect()
}

/// Exclude speeders and (optionally) straight-liners.
///
/// # Errors
/// Invalid options; [`Error::Data`] naming the file, row and column of a duration cell
/// that is empty, not a number or negative, or the column when it is not in the data.
pub fn screen(
    survey: &Survey,
    model: &Model,
    opts: &ScreenOptions,
) -> Result<(Survey, Exclusions)> {
    opts.check()?;
    let n = survey.n();
    let mut ex = Exclusions {
        n_read: n,
        min_duration: opts.min_duration,
        duration_column: opts.duration_column.clone(),
        ..Default::default()
    };
    if opts.is_empty() {
        return Ok((survey.clone(), ex));
    }
    let mut drop = vec![false; n];
    if let (Some(min), Some(col)) = (opts.min_duration, opts.duration_column.as_deref()) {
        let col = col.trim();
        let cells = survey.extra.get(col).ok_or_else(|| {
            Error::data(
                Location {
                    file: survey.file.clone(),
                    column: Some(col.to_string()),
                    ..Default::default()
                },
                "the duration column is not in the data (or is an item or the weight)",
            )
        })?;
        for (i, c) in cells.iter().enumerate() {
            let at = |value: Option<String>| Location {
                file: survey.file.clone(),
                row: survey.rows.get(i).copied(),
                column: Some(col.to_string()),
                value,
            };
            let text = c.as_deref().map(str::trim).unwrap_or("");
            if text.is_empty() {
                return Err(Error::data(
                    at(None),
                    "the duration is missing; every respondent needs one to be screened",
                ));
            }
            let v: f64 = match text.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => v,
                _ => {
                    return Err(Error::data(
                        at(Some(text.chars().take(60).collect())),
                        "the duration must be a number of seconds >= 0",
                    ))
                }
            };
            if v < min {
                drop[i] = true;
                ex.speeders
                    .push(survey.rows.get(i).copied().unwrap_or(i + 2));
            }
        }
    }
    if opts.straight_liners {
        for i in straight_liners(survey, model) {
            drop[i] = true;
            ex.straight_liners
                .push(survey.rows.get(i).copied().unwrap_or(i + 2));
        }
    }
    let keep: Vec<usize> = (0..n).filter(|&i| !drop[i]).collect();
    ex.n_excluded = n - keep.len();
    if ex.n_excluded == 0 {
        return Ok((survey.clone(), ex));
    }
    Ok((survey.select_rows(&keep), ex))
}
