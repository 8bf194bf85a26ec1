//! Cells: how one cell of any format becomes an answer, a missing value or a located
//! error (missing codes, numbers, scales, reverse-coding, weights).

use super::{IngestOptions, MAX_ERRORS_PER_COLUMN};
use crate::data::validate::Problem;
use crate::spec::{Model, Scale};

/// One cell as the readers see it.
#[derive(Debug, Clone, Copy)]
pub(super) enum Cell<'a> {
    Empty,
    Num(f64),
    Text(&'a str),
}

impl Cell<'_> {
    pub(super) fn shown(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Num(v) => crate::data::validate::number_text(*v),
            Cell::Text(t) => t.to_string(),
        }
    }
}

/// Outcome of reading one item cell.
pub(super) enum Parsed {
    Missing,
    Value(f64),
    NotNumber,
}

/// How cells become numbers (shared by all formats).
pub(super) struct CellRules {
    pub(super) text_codes: Vec<String>,
    pub(super) num_codes: Vec<f64>,
    pub(super) decimal_comma: bool,
    pub(super) scales: Vec<Option<Scale>>,
    pub(super) reverse: Vec<bool>,
    pub(super) oor_missing: bool,
}

impl CellRules {
    pub(super) fn new(model: &Model, opts: &IngestOptions) -> CellRules {
        let mut text_codes: Vec<String> = Vec::new();
        for c in model.missing_codes.iter().chain(opts.missing_codes.iter()) {
            let t = c.trim().to_string();
            if !text_codes.contains(&t) {
                text_codes.push(t);
            }
        }
        let num_codes = text_codes
            .iter()
            .filter_map(|c| parse_plain_number(c, true))
            .collect();
        let scales: Vec<Option<Scale>> =
            (0..model.n_items()).map(|k| model.item_scale(k)).collect();
        let reverse = model
            .items
            .iter()
            .zip(&scales)
            .map(|(it, s)| it.reverse && s.is_some())
            .collect();
        CellRules {
            text_codes,
            num_codes,
            decimal_comma: false,
            scales,
            reverse,
            oor_missing: opts.out_of_range_missing,
        }
    }

    #[inline]
    pub(super) fn is_num_code(&self, v: f64) -> bool {
        self.num_codes.contains(&v)
    }

    #[inline]
    pub(super) fn classify(&self, cell: Cell<'_>) -> Parsed {
        match cell {
            Cell::Empty => Parsed::Missing,
            Cell::Num(v) => {
                if v.is_nan() {
                    Parsed::Missing // a numeric NaN (Parquet/pandas) is a missing value
                } else if !v.is_finite() {
                    Parsed::NotNumber
                } else if self.is_num_code(v) {
                    Parsed::Missing
                } else {
                    Parsed::Value(v)
                }
            }
            Cell::Text(t) => {
                // the usual answer ("7", "10") needs no trimming
                let s = match small_int(t.as_bytes()) {
                    Some(_) => t,
                    None => t.trim(),
                };
                if s.is_empty() {
                    return Parsed::Missing;
                }
                if let Some(v) = small_int(s.as_bytes()) {
                    return if self.is_num_code(v) {
                        Parsed::Missing
                    } else {
                        Parsed::Value(v)
                    };
                }
                if self.text_codes.iter().any(|c| c == s) {
                    return Parsed::Missing;
                }
                match parse_plain_number(s, self.decimal_comma) {
                    Some(v) if self.is_num_code(v) => Parsed::Missing,
                    Some(v) => Parsed::Value(v),
                    None => Parsed::NotNumber,
                }
            }
        }
    }
}

/// One or two ASCII digits (the usual questionnaire answer), without allocation.
#[inline]
pub(super) fn small_int(b: &[u8]) -> Option<f64> {
    match b {
        [a] if a.is_ascii_digit() => Some(f64::from(a - b'0')),
        [a, c] if a.is_ascii_digit() && c.is_ascii_digit() => {
            Some(f64::from((a - b'0') * 10 + (c - b'0')))
        }
        _ => None,
    }
}

/// A finite decimal number (`7`, `-1.5`, `+3`, `1e2`; `7,5` with `decimal_comma`).
/// `inf`, `NaN` and anything with other characters are refused.
pub(super) fn parse_plain_number(s: &str, decimal_comma: bool) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    // Rust accepts "inf", "infinity" and "nan": only digits, signs, '.', 'e' may pass.
    if !s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E' | b','))
    {
        return None;
    }
    if s.contains(',') {
        if !decimal_comma || s.matches(',').count() != 1 || s.contains('.') {
            return None;
        }
        let t = s.replacen(',', ".", 1);
        let (a, b) = t.split_once('.')?;
        if !a.bytes().any(|c| c.is_ascii_digit()) || !b.bytes().any(|c| c.is_ascii_digit()) {
            return None;
        }
        return t.parse::<f64>().ok().filter(|v| v.is_finite());
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Per-column counters and the first errors.
#[derive(Debug, Default)]
pub(super) struct ColState {
    pub(super) out_of_range: usize,
    /// Cells holding a declared missing code (not empty).
    pub(super) coded: usize,
    pub(super) errors: Vec<(usize, Problem)>,
    pub(super) n_errors: usize,
}

impl ColState {
    pub(super) fn error(&mut self, row: usize, p: Problem) {
        self.n_errors += 1;
        if self.errors.len() < MAX_ERRORS_PER_COLUMN {
            self.errors.push((row, p));
        }
    }
}

/// Read one item cell: checks, out-of-range policy, reverse-coding. `NaN` = missing
/// (or refused; the error is recorded in `st`).
#[inline]
pub(super) fn item_value(
    rules: &CellRules,
    k: usize,
    name: &str,
    row: usize,
    cell: Cell<'_>,
    st: &mut ColState,
) -> f64 {
    match rules.classify(cell) {
        Parsed::Missing => {
            // a declared missing code ("cannot answer"), not an empty cell
            if match cell {
                Cell::Empty => false,
                Cell::Num(v) => !v.is_nan(),
                Cell::Text(t) => !t.trim().is_empty(),
            } {
                st.coded += 1;
            }
            f64::NAN
        }
        Parsed::NotNumber => {
            st.error(
                row,
                Problem::error(
                    "not a number; if it means 'no answer', declare it in the model's missing list or with --missing-code",
                )
                .at_row(row)
                .in_column(name)
                .with_value(cell.shown()),
            );
            f64::NAN
        }
        Parsed::Value(v) => match rules.scales.get(k).copied().flatten() {
            None => v,
            Some(s) => {
                // exactly the declared scale: 10.000000001 on 0..10 is outside it
                if v < s.min || v > s.max {
                    st.out_of_range += 1;
                    if !rules.oor_missing {
                        st.error(
                            row,
                            Problem::error(format!(
                                "outside the scale {}..{} (use --out-of-range missing to read such values as missing)",
                                s.min, s.max
                            ))
                            .at_row(row)
                            .in_column(name)
                            .with_value(cell.shown()),
                        );
                    }
                    f64::NAN
                } else if rules.reverse.get(k).copied().unwrap_or(false) {
                    s.min + s.max - v
                } else {
                    v
                }
            }
        },
    }
}

pub(super) fn weight_value(name: &str, row: usize, cell: Cell<'_>, st: &mut ColState) -> f64 {
    let v = match cell {
        Cell::Empty => None,
        Cell::Num(v) => Some(v),
        Cell::Text(t) => {
            let t = t.trim();
            if t.is_empty() {
                None
            } else {
                match parse_plain_number(t, false) {
                    Some(v) => Some(v),
                    None => {
                        st.error(
                            row,
                            Problem::error("the weight is not a number")
                                .at_row(row)
                                .in_column(name)
                                .with_value(t),
                        );
                        return f64::NAN;
                    }
                }
            }
        }
    };
    match v {
        None => {
            st.error(
                row,
                Problem::error("the weight is missing")
                    .at_row(row)
                    .in_column(name),
            );
            f64::NAN
        }
        Some(v) if !v.is_finite() || v < 0.0 => {
            st.error(
                row,
                Problem::error("a weight must be a finite number >= 0")
                    .at_row(row)
                    .in_column(name)
                    .with_value(cell.shown()),
            );
            f64::NAN
        }
        Some(v) => v,
    }
}

/// The warning for `count` values of item `k` (named `name`) outside its scale that
/// were read as missing (`--out-of-range missing`).
pub(super) fn out_of_range_read_as_missing(
    rules: &CellRules,
    k: usize,
    count: usize,
    name: String,
) -> Problem {
    let s = rules.scales.get(k).copied().flatten();
    let scale = s
        .map(|s| format!(" {}..{}", s.min, s.max))
        .unwrap_or_default();
    Problem::warning(format!(
        "{count} value(s) outside the scale{scale} read as missing (--out-of-range missing)"
    ))
    .in_column(name)
}
