//! Data-quality report (`csi validate`): per-item statistics and every problem found,
//! errors (the data is refused, exit 2) and warnings (reported, exit 0), each with its
//! spreadsheet row and column.
//!
//! The report is filled by the ingester ([`super::ingest::inspect_survey`]) for cell-level
//! problems (text that is not a number, values outside the scale, ragged rows...) and by
//! [`validate_survey`] for checks on the assembled matrix (constant and all-missing items,
//! too few respondents, straight-lining, items with many missing answers, half-point
//! values on an integer scale).
//!
//! # Example
//! ```
//! use csi::data::{validate_survey, Survey, Severity};
//! use csi::spec::{ConstructSpec, Model, Scale};
//! use nalgebra::DMatrix;
//! let model = Model::from_parts(
//!     "toy",
//!     vec![ConstructSpec::new("A", &["a1", "a2"]), ConstructSpec::new("B", &["b1", "b2"])],
//!     &[("A", "B")],
//! )?
//! .with_scale(Scale { min: 1.0, max: 5.0 })?;
//! let x = DMatrix::from_fn(12, 4, |i, j| ((i * 7 + j * 3) % 5 + 1) as f64);
//! let survey = Survey::from_matrix(vec!["a1".into(), "a2".into(), "b1".into(), "b2".into()], x);
//! let report = validate_survey(&survey, &model);
//! assert!(report.ok);
//! assert_eq!(report.n_rows, 12);
//! assert!(report.problems.iter().all(|p| p.severity == Severity::Warning));
//! # Ok::<(), csi::Error>(())
//! ```
// No panics on any input (issue 10): unwrap, expect and panic are denied at the crate root;
// here indexing that can fail is denied too, outside tests.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use crate::data::Survey;
use crate::error::{Error, Location};
use crate::spec::{Mode, Model};
use crate::text_safety::{excerpt, shown_name, MAX_NAME_CHARS, MAX_SHOWN_CHARS};
use std::borrow::Cow;
use std::fmt;

/// At most this many problems are listed in a report; the rest are counted in
/// [`ValidationReport::problems_not_listed`].
pub const MAX_LISTED_PROBLEMS: usize = 1000;

/// At most this many straight-lining respondents are listed one by one.
pub const MAX_LISTED_STRAIGHT_LINERS: usize = 20;

/// Share of missing answers above which an item gets a warning.
pub const MISSING_WARNING_SHARE: f64 = 0.10;

/// Fewest usable respondents accepted, whatever the model.
pub const MIN_RESPONDENTS: usize = 10;

/// Severity of a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Refused (exit 2).
    Error,
    /// Reported, exit 0.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem found in the data (or in the model against the data).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong (lowercase; the location is in the other fields).
    pub message: String,
    /// Spreadsheet row (header = 1), when the problem sits in one row.
    pub row: Option<usize>,
    /// Column name, when the problem sits in one column.
    pub column: Option<String>,
    /// The offending cell text, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl Problem {
    /// An error without location.
    pub fn error(message: impl Into<String>) -> Problem {
        Problem {
            severity: Severity::Error,
            message: message.into(),
            row: None,
            column: None,
            value: None,
        }
    }

    /// A warning without location.
    pub fn warning(message: impl Into<String>) -> Problem {
        Problem {
            severity: Severity::Warning,
            message: message.into(),
            row: None,
            column: None,
            value: None,
        }
    }

    /// Set the row.
    pub fn at_row(mut self, row: usize) -> Problem {
        self.row = Some(row);
        self
    }

    /// Set the column. A name longer than [`crate::text_safety::MAX_NAME_CHARS`]
    /// characters is kept cut, with its full length.
    pub fn in_column(mut self, column: impl Into<String>) -> Problem {
        let column = column.into();
        self.column = Some(match excerpt(&column, MAX_NAME_CHARS) {
            Cow::Borrowed(_) => column,
            Cow::Owned(cut) => cut,
        });
        self
    }

    /// Set the offending value: the cell text as written, cut to
    /// [`crate::text_safety::MAX_SHOWN_CHARS`] characters (with an ellipsis and the
    /// full length) so that neither messages nor the JSON report echo a whole cell.
    ///
    /// ```
    /// use csi::data::Problem;
    /// let p = Problem::error("not a number").with_value("x".repeat(100_000));
    /// assert_eq!(p.value.unwrap(), format!("{}… (100000 characters)", "x".repeat(60)));
    /// ```
    pub fn with_value(mut self, value: impl Into<String>) -> Problem {
        let value = value.into();
        self.value = Some(match excerpt(&value, MAX_SHOWN_CHARS) {
            Cow::Borrowed(_) => value,
            Cow::Owned(cut) => cut,
        });
        self
    }

    /// The location of this problem in `file`.
    pub fn location(&self, file: &str) -> Location {
        Location {
            file: file.to_string(),
            row: self.row,
            column: self.column.clone(),
            value: self.value.clone(),
        }
    }

    /// `row 5, column 'q1', value '7分'` (empty when the problem has no location).
    /// Control characters in the column name and value are shown as escapes
    /// ([`crate::text_safety::terminal`]).
    ///
    /// ```
    /// use csi::data::Problem;
    /// let p = Problem::error("not a number").at_row(3).in_column("q1").with_value("7\u{1b}[2J");
    /// assert_eq!(p.context(), "row 3, column 'q1', value '7\\u{1B}[2J'");
    /// ```
    pub fn context(&self) -> String {
        let mut parts = Vec::new();
        if let Some(r) = self.row {
            parts.push(format!("row {r}"));
        }
        if let Some(c) = &self.column {
            parts.push(format!("column '{}'", shown_name(c)));
        }
        if let Some(v) = &self.value {
            parts.push(format!("value '{}'", shown_name(v)));
        }
        parts.join(", ")
    }
}

/// Per-item statistics.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ItemReport {
    /// Item name.
    pub name: String,
    /// Item label (the model's `label`, or the SPSS variable label), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Observed (non-missing) answers.
    pub n: usize,
    /// Missing cells (empty, missing codes, and out-of-range values read as missing).
    pub missing: usize,
    /// Values outside the item's scale (errors, or missing with `--out-of-range missing`).
    pub out_of_range: usize,
    /// Mean of the observed values after reverse-coding.
    pub mean: Option<f64>,
    /// Standard deviation (divisor n-1) of the observed values after reverse-coding.
    pub sd: Option<f64>,
    /// Cells holding a declared missing code (e.g. 「无法回答」), as opposed to empty
    /// cells; counted in `missing` too (see [`super::cannot_answer`]).
    pub cannot_answer: usize,
}

impl ItemReport {
    /// An item with no statistics yet.
    pub fn empty(name: impl Into<String>) -> ItemReport {
        ItemReport {
            name: name.into(),
            label: None,
            n: 0,
            missing: 0,
            out_of_range: 0,
            mean: None,
            sd: None,
            cannot_answer: 0,
        }
    }
}

/// The validation report (`csi-validate/v1`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, Default)]
pub struct ValidationReport {
    /// True when the data (and model) are usable: no problem of severity error.
    pub ok: bool,
    /// The data file, as given (absent when only the model was checked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The model name.
    pub model: String,
    /// Respondent rows read (the header is not counted; blank lines are skipped).
    pub n_rows: usize,
    /// Respondents with at least one answered item.
    pub n_usable: usize,
    /// Items in model order.
    pub items: Vec<ItemReport>,
    /// Problems: errors first, then warnings (at most [`MAX_LISTED_PROBLEMS`]).
    pub problems: Vec<Problem>,
    /// Errors found (including those not listed).
    pub n_errors: usize,
    /// Warnings found (including those not listed).
    pub n_warnings: usize,
    /// Problems found but not listed in `problems` (the list is capped).
    pub problems_not_listed: usize,
    /// Respondents who gave the same answer to every item (straight-lining).
    pub straight_liners: usize,
    /// Share of declared missing codes ("cannot answer") per construct.
    pub constructs: Vec<super::cannot_answer::ConstructShare>,
}

impl ValidationReport {
    /// An empty report for a model (no data yet): `ok`, one zeroed entry per item.
    pub fn for_model(model: &Model) -> ValidationReport {
        ValidationReport {
            ok: true,
            model: model.name.clone(),
            items: model
                .items
                .iter()
                .map(|i| ItemReport {
                    label: i.label.clone(),
                    ..ItemReport::empty(i.name.clone())
                })
                .collect(),
            ..Default::default()
        }
    }

    /// Add a problem (counted; listed while the list is below its cap).
    pub fn push(&mut self, p: Problem) {
        match p.severity {
            Severity::Error => {
                self.n_errors += 1;
                self.ok = false;
            }
            Severity::Warning => self.n_warnings += 1,
        }
        if self.problems.len() < MAX_LISTED_PROBLEMS {
            self.problems.push(p);
        } else {
            self.problems_not_listed += 1;
        }
    }

    /// Count problems that were found but not kept (e.g. beyond a per-column cap).
    pub fn count_unlisted(&mut self, severity: Severity, k: usize) {
        if k == 0 {
            return;
        }
        match severity {
            Severity::Error => {
                self.n_errors += k;
                self.ok = false;
            }
            Severity::Warning => self.n_warnings += k,
        }
        self.problems_not_listed += k;
    }

    /// Put errors before warnings, keeping the order within each severity.
    pub fn sort(&mut self) {
        self.problems.sort_by_key(|p| p.severity);
        self.ok = self.n_errors == 0;
    }

    /// True when there is at least one error.
    pub fn has_errors(&self) -> bool {
        self.n_errors > 0
    }

    /// The listed errors.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }

    /// The listed warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
    }

    /// The first error as an [`Error::Data`] (`more` = the number of other errors),
    /// or `None` when the report has no error.
    pub fn to_error(&self) -> Option<Error> {
        if self.n_errors == 0 {
            return None;
        }
        let file = self.file.clone().unwrap_or_else(|| self.model.clone());
        let more = self.n_errors.saturating_sub(1);
        Some(match self.errors().next() {
            Some(p) => Error::Data {
                location: p.location(&file),
                message: p.message.clone(),
                more,
            },
            None => Error::Data {
                location: Location {
                    file,
                    ..Default::default()
                },
                message: "the data has errors".into(),
                more,
            },
        })
    }
}

/// A number as a short text for messages: integers as integers (`7`, `-99`), other
/// values in Rust's shortest round-trip form (`10.000000001`), and very large or
/// very small magnitudes in scientific notation (`1e308`, `5e-324`) instead of
/// hundreds of digits.
pub(crate) fn number_text(v: f64) -> String {
    let a = v.abs();
    if v.is_finite() && v.fract() == 0.0 && a < 1e15 {
        format!("{v:.0}")
    } else if v.is_finite() && a != 0.0 && !(1e-5..1e15).contains(&a) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Smallest number of usable respondents the model needs: 10, and enough for its
/// largest regression (an endogenous construct with k predecessors needs k + 2; a
/// Mode B block of k items needs k + 1).
pub fn required_respondents(model: &Model) -> usize {
    let mut need = MIN_RESPONDENTS;
    for j in 0..model.n_constructs() {
        if model.is_endogenous(j) {
            need = need.max(model.predecessors(j).len() + 2);
        }
        if let Some(c) = model.constructs.get(j) {
            if c.mode == Mode::B {
                need = need.max(c.items.len() + 1);
            }
        }
    }
    need
}

/// Check an assembled survey against its model: per-item statistics, all-missing and
/// constant items, out-of-range values, fewer usable respondents than the model needs
/// (errors); straight-lining, items with more than 10% missing, half-point values on an
/// integer scale (warnings).
///
/// The survey's columns must be the model's items in model order (as
/// [`super::read_survey`] returns them); a mismatch is reported as an error.
pub fn validate_survey(survey: &Survey, model: &Model) -> ValidationReport {
    let mut report = ValidationReport::for_model(model);
    report.file = Some(survey.file.clone());
    let names: Vec<&str> = model.items.iter().map(|i| i.name.as_str()).collect();
    let got: Vec<&str> = survey.items.iter().map(String::as_str).collect();
    if names != got || survey.x.ncols() != names.len() {
        report.push(Problem::error(format!(
            "the survey's columns ({}) are not the model's items ({})",
            got.join(", "),
            names.join(", ")
        )));
        report.sort();
        return report;
    }
    let skip = vec![false; names.len()];
    matrix_checks(survey, model, &skip, &mut report);
    super::cannot_answer::assess(model, &mut report);
    report.sort();
    report
}

/// Statistics of one item column (observed values only).
struct ColStats {
    cnt: usize,
    mean: Option<f64>,
    sd: Option<f64>,
    first: Option<f64>,
    constant: bool,
    half: usize,
    first_half: Option<usize>,
    oor: usize,
    oor_first: Vec<usize>,
}

fn column_stats(col: &[f64], scale: Option<crate::spec::Scale>) -> ColStats {
    let integer_scale = integer_scale(scale);
    let (lo, hi) = match scale {
        Some(s) => (s.min, s.max),
        None => (f64::NEG_INFINITY, f64::INFINITY),
    };
    let mut st = ColStats {
        cnt: 0,
        mean: None,
        sd: None,
        first: None,
        constant: true,
        half: 0,
        first_half: None,
        oor: 0,
        oor_first: Vec::new(),
    };
    // Sums of deviations from the first observed value (a shift keeps the one-pass
    // variance accurate).
    let mut shift = f64::NAN;
    let mut s1 = 0.0;
    let mut s2 = 0.0;
    for (i, &v) in col.iter().enumerate() {
        if v.is_nan() {
            continue;
        }
        if st.cnt == 0 {
            shift = v;
            st.first = Some(v);
        } else if v != shift {
            st.constant = false;
        }
        st.cnt += 1;
        let d = v - shift;
        s1 += d;
        s2 += d * d;
        if v < lo || v > hi {
            st.oor += 1;
            if st.oor_first.len() < 100 {
                st.oor_first.push(i);
            }
        }
        if integer_scale && (v as i64) as f64 != v {
            st.half += 1;
            if st.first_half.is_none() {
                st.first_half = Some(i);
            }
        }
    }
    if st.cnt > 0 {
        let c = st.cnt as f64;
        st.mean = Some(shift + s1 / c);
        if st.cnt > 1 {
            let ss = (s2 - s1 * s1 / c).max(0.0);
            st.sd = Some((ss / (c - 1.0)).sqrt());
        }
    }
    st
}

/// The flip of each item for its raw answer (`min + max` for a reverse-coded item with
/// a scale: raw = flip - value), as the respondent gave it before reverse-coding.
pub(crate) fn raw_flips(model: &Model) -> Vec<Option<f64>> {
    (0..model.n_items())
        .map(|j| match (model.items.get(j), model.item_scale(j)) {
            (Some(it), Some(s)) if it.reverse => Some(s.min + s.max),
            _ => None,
        })
        .collect()
}

/// Answered items a straight-liner needs among `p`: half of them, at least 2.
pub(crate) fn straight_min_obs(p: usize) -> usize {
    2usize.max(p.div_ceil(2))
}

/// A scale whose ends are whole numbers: answers between its points are flagged.
pub(crate) fn integer_scale(scale: Option<crate::spec::Scale>) -> bool {
    scale.is_some_and(|s| s.min.fract() == 0.0 && s.max.fract() == 0.0)
}

/// The warnings on an item's answers (`n` rows): more than [`MISSING_WARNING_SHARE`]
/// missing, and `half` values between the points of an integer scale (`first_half`:
/// the row of the first).
pub(crate) fn item_answer_warnings(
    name: &str,
    n: usize,
    missing: usize,
    half: usize,
    first_half: Option<usize>,
) -> Vec<Problem> {
    let mut warnings = Vec::new();
    if missing as f64 > MISSING_WARNING_SHARE * n as f64 {
        warnings.push(
            Problem::warning(format!(
                "{:.1}% missing ({missing} of {n}); more than {}% of the answers",
                100.0 * missing as f64 / n as f64,
                MISSING_WARNING_SHARE * 100.0
            ))
            .in_column(name),
        );
    }
    if half > 0 {
        let mut pb = Problem::warning(format!(
            "{half} value(s) between the points of an integer scale (first in row {})",
            first_half.unwrap_or(0)
        ))
        .in_column(name);
        if let Some(r) = first_half {
            pb = pb.at_row(r);
        }
        warnings.push(pb);
    }
    warnings
}

/// The straight-lining warnings: one per listed respondent (row, the answer, answered
/// items; at most [`MAX_LISTED_STRAIGHT_LINERS`] are given), and the count of the
/// others when there are `total` > [`MAX_LISTED_STRAIGHT_LINERS`].
pub(crate) fn push_straight_lining(
    report: &mut ValidationReport,
    listed: impl IntoIterator<Item = (usize, f64, u32)>,
    total: usize,
) {
    for (row, v, obs) in listed {
        report.push(
            Problem::warning(format!(
                "straight-lining: the same answer {v} to all {obs} answered items"
            ))
            .at_row(row),
        );
    }
    if total > MAX_LISTED_STRAIGHT_LINERS {
        let rest = total - MAX_LISTED_STRAIGHT_LINERS;
        report.push(Problem::warning(format!(
            "straight-lining: {rest} more respondents answered every item identically ({total} in all)"
        )));
    }
}

/// The matrix under check, column-major.
struct MatrixView<'s> {
    survey: &'s Survey,
    model: &'s Model,
    data: &'s [f64],
    n: usize,
}

impl MatrixView<'_> {
    /// Spreadsheet row of respondent `i`.
    fn row_of(&self, i: usize) -> usize {
        self.survey.rows.get(i).copied().unwrap_or(i + 2)
    }
}

/// Problems found on the items, pushed after the item statistics are in.
#[derive(Default)]
struct Findings {
    errors: Vec<Problem>,
    warnings: Vec<Problem>,
}

/// Checks on the matrix, appended to `report` (items flagged in `skip` are left out of
/// the item checks, e.g. absent columns already reported).
pub(crate) fn matrix_checks(
    survey: &Survey,
    model: &Model,
    skip: &[bool],
    report: &mut ValidationReport,
) {
    let n = survey.x.nrows();
    let p = survey.x.ncols();
    report.n_rows = n;
    if report.items.len() != p {
        report.items = survey
            .items
            .iter()
            .map(|s| ItemReport::empty(s.clone()))
            .collect();
    }
    let view = MatrixView {
        survey,
        model,
        data: survey.x.as_slice(),
        n,
    };
    let mut found = Findings::default();

    // Per-column statistics, in parallel over the columns of the column-major matrix.
    let stats: Vec<ColStats> = {
        use rayon::prelude::*;
        (0..p)
            .into_par_iter()
            .map(|j| {
                column_stats(
                    view.data.get(j * n..(j + 1) * n).unwrap_or(&[]),
                    model.item_scale(j),
                )
            })
            .collect()
    };
    for (j, st) in stats.into_iter().enumerate() {
        let skipped = skip.get(j).copied().unwrap_or(false);
        check_item(&view, j, st, skipped, report, &mut found);
    }

    // Respondents: usable ones, straight-liners (on the raw answers, before reverse-coding).
    let min_obs = straight_min_obs(p);
    let (obs, first, same) = answer_patterns(view.data, n, &raw_flips(model));
    let usable = obs.iter().filter(|&&o| o > 0).count();
    let straight: Vec<(usize, f64, u32)> = obs
        .iter()
        .zip(&first)
        .zip(&same)
        .enumerate()
        .filter(|&(_, ((&o, _), &sm))| p >= 2 && o as usize >= min_obs && sm)
        .map(|(i, ((&o, &f), _))| (i, f, o))
        .collect();
    report.n_usable = usable;
    report.straight_liners = straight.len();

    for pb in found.errors {
        report.push(pb);
    }
    let need = required_respondents(model);
    if n > 0 && usable < need {
        report.push(Problem::error(format!(
            "only {usable} usable respondents (rows with at least one answered item); the model needs at least {need}"
        )));
    }
    for pb in found.warnings {
        report.push(pb);
    }
    let listed = straight
        .iter()
        .take(MAX_LISTED_STRAIGHT_LINERS)
        .map(|&(i, v, obs)| (view.row_of(i), v, obs));
    push_straight_lining(report, listed, straight.len());
}

/// Item `j`: its statistics into the report, and its problems (values outside the
/// scale; unless `skipped`: no answer at all, a constant item, many missing answers,
/// half points on an integer scale).
fn check_item(
    view: &MatrixView<'_>,
    j: usize,
    st: ColStats,
    skipped: bool,
    report: &mut ValidationReport,
    found: &mut Findings,
) {
    let n = view.n;
    let name = view.survey.items.get(j).cloned().unwrap_or_default();
    if let Some(s) = view.model.item_scale(j) {
        for &i in &st.oor_first {
            let v = view.data.get(j * n + i).copied().unwrap_or(f64::NAN);
            found.errors.push(
                Problem::error(format!("outside the scale {}..{}", s.min, s.max))
                    .at_row(view.row_of(i))
                    .in_column(name.clone())
                    .with_value(number_text(v)),
            );
        }
    }
    let oor = st.oor;
    if oor > st.oor_first.len() {
        report.count_unlisted(Severity::Error, oor - st.oor_first.len());
    }
    let cnt = st.cnt;
    let missing = n - cnt;
    if let Some(it) = report.items.get_mut(j) {
        it.n = cnt;
        it.missing = missing;
        it.out_of_range += oor;
        it.mean = st.mean;
        it.sd = st.sd;
    }
    if skipped || n == 0 {
        return;
    }
    if cnt == 0 {
        found.errors.push(
            Problem::error(format!("every answer of this item is missing ({n} rows)"))
                .in_column(name.clone()),
        );
        return;
    }
    if st.constant {
        let v = number_text(st.first.unwrap_or(f64::NAN));
        found.errors.push(
            Problem::error(format!(
                "constant item: every answered value is {v} ({cnt} answers); it carries no information"
            ))
            .in_column(name.clone()),
        );
    }
    let first_half = st.first_half.map(|i| view.row_of(i));
    found
        .warnings
        .extend(item_answer_warnings(&name, n, missing, st.half, first_half));
}

/// Per respondent of the column-major `data` (n rows): the number of answered items,
/// the first raw answer, and whether all raw answers are equal (raw: before
/// reverse-coding, by `flips`). Column by column, in blocks of rows (so the
/// per-respondent arrays stay in cache), the blocks in parallel.
fn answer_patterns(
    data: &[f64],
    n: usize,
    flips: &[Option<f64>],
) -> (Vec<u32>, Vec<f64>, Vec<bool>) {
    use rayon::prelude::*;
    const BLOCK: usize = 4096;
    let mut obs = vec![0u32; n];
    let mut first = vec![f64::NAN; n];
    let mut same = vec![true; n];
    obs.par_chunks_mut(BLOCK)
        .zip(first.par_chunks_mut(BLOCK))
        .zip(same.par_chunks_mut(BLOCK))
        .enumerate()
        .for_each(|(b, ((obs, first), same))| {
            let r0 = b * BLOCK;
            for (j, flip) in flips.iter().enumerate() {
                let col = data.get(j * n + r0..j * n + r0 + obs.len()).unwrap_or(&[]);
                for (((&v, o), f), sm) in col
                    .iter()
                    .zip(obs.iter_mut())
                    .zip(first.iter_mut())
                    .zip(same.iter_mut())
                {
                    if v.is_nan() {
                        continue;
                    }
                    let raw = match flip {
                        Some(t) => t - v,
                        None => v,
                    };
                    if *o == 0 {
                        *f = raw;
                    } else if (raw - *f).abs() > 1e-9 {
                        *sm = false;
                    }
                    *o += 1;
                }
            }
        });
    (obs, first, same)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 10 item 8: numbers in messages are short (1e308 was printed with 309
    /// digits).
    #[test]
    fn item8_numbers_in_messages_are_short() {
        assert_eq!(number_text(7.0), "7");
        assert_eq!(number_text(-99.0), "-99");
        assert_eq!(number_text(7.5), "7.5");
        assert_eq!(number_text(10.000000001), "10.000000001");
        assert_eq!(number_text(1e308), "1e308");
        assert_eq!(number_text(-1e-9), "-1e-9");
        assert_eq!(number_text(5e-324), "5e-324");
        assert_eq!(number_text(0.0), "0");
        assert_eq!(number_text(f64::NAN), "NaN");
    }
}
