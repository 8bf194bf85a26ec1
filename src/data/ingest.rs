//! Reading questionnaire files into a [`Survey`]: CSV/TSV (UTF-8 with or without BOM,
//! GBK/GB18030, UTF-16 with BOM; delimiter detection; decimal commas), XLSX/XLS/ODS
//! (calamine), Parquet (polars) and SPSS `.sav`/`.zsav` ([`super::sav`]).
//!
//! Every cell of an item column is checked: an empty cell or a declared missing code
//! (the model's `missing` list plus [`IngestOptions::missing_codes`], compared after
//! trimming; numeric codes such as `99` also match numeric cells) is missing; a number
//! is an answer; anything else (`NA`, `NaN`, `inf`, `7分`) is an error naming the
//! cell. Answers outside the item's scale are errors (or missing with
//! [`IngestOptions::out_of_range_missing`]); reverse-coded items are flipped
//! (`min + max - x`) after the checks. Rows are numbered as a spreadsheet shows them:
//! the header is row 1, the first respondent row 2.
//!
//! Polars types stay inside this module.
// No panics on any input (issue 10): unwrap, expect and panic are denied at the crate root;
// here indexing that can fail is denied too, outside tests.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::validate::{matrix_checks, Problem, Severity, ValidationReport};
use super::Survey;
use crate::error::{Error, Location, Result};
use crate::spec::{Model, Scale};
use crate::text_safety::shown_name;
use nalgebra::DMatrix;
use polars::prelude::{
    Column, CsvParseOptions, CsvReadOptions, DataFrame, DataType, Field, NullValues, ParquetReader,
    PlSmallStr, Schema, SerReader,
};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

pub mod stream;

/// Options of the ingester (the `DataArgs` flags of the command line).
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Text encoding of a CSV/TSV file (`utf-8`, `gbk`, `gb18030`, or any WHATWG label);
    /// `None` = detect (UTF-8 with or without BOM, UTF-16 with BOM, else GB18030).
    pub encoding: Option<String>,
    /// Worksheet of a workbook: a name, or a 1-based number; `None` = the first.
    pub sheet: Option<String>,
    /// Field delimiter of a text file; `None` = detect among `,` `;` tab `|` from the header.
    pub delimiter: Option<u8>,
    /// Cell texts read as missing, besides the model's `missing` list.
    pub missing_codes: Vec<String>,
    /// Read values outside an item's scale as missing (counted) instead of refusing them.
    pub out_of_range_missing: bool,
    /// Column of sampling weights (numeric, finite, >= 0).
    pub weight: Option<String>,
    /// The model file, named in messages where the model and the data disagree
    /// (default: the model's name).
    pub model_file: Option<String>,
}

/// At most this many cell errors are kept per column (all are counted).
const MAX_ERRORS_PER_COLUMN: usize = 100;
/// Rows handed to the polars CSV reader at a time (bounds the memory of text columns).
const CSV_CHUNK_ROWS: usize = 1 << 16;
/// A file with a record longer than this (bytes) is split by this module rather
/// than by polars.
const LONG_RECORD_BYTES: usize = 1 << 20;

/// Read a data file for a model: the item columns as a matrix in model order
/// (reverse-coded, `NaN` = missing), the other columns as text, and the validation
/// report (warnings only, since errors are refused).
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; [`Error::Data`] for an unreadable or
/// unsupported file, and for the first error of the validation report (its `more`
/// counts the other errors; [`inspect_survey`] returns them all).
///
/// # Example
/// ```
/// use csi::data::{read_survey, IngestOptions};
/// use csi::spec::{ConstructSpec, Model, Scale};
/// let mut model = Model::from_parts(
///     "toy",
///     vec![ConstructSpec::new("QUAL", &["q1", "q2"]), ConstructSpec::new("SAT", &["s1", "s2"])],
///     &[("QUAL", "SAT")],
/// )?
/// .with_scale(Scale { min: 1.0, max: 10.0 })?;
/// model.missing_codes = vec!["无法回答".into()];
/// let dir = tempfile::tempdir().map_err(|e| csi::Error::io("tempdir", e))?;
/// let path = dir.path().join("survey.csv");
/// let mut text = String::from("id,q1,q2,s1,s2,airline\n");
/// for i in 0..12 {
///     let a = 3 + i % 6;
///     text.push_str(&format!("{i},{a},{},{},{},A\n", a + 1, (a + i) % 10 + 1, 10 - a));
/// }
/// text.push_str("12,无法回答,5,6,7,B\n");
/// std::fs::write(&path, text).map_err(|e| csi::Error::io(&path, e))?;
///
/// let (survey, report) = read_survey(&path, &model, &IngestOptions::default())?;
/// assert_eq!(survey.n(), 13);
/// assert!(survey.x[(12, 0)].is_nan()); // 「无法回答」 is missing
/// assert_eq!(survey.rows[0], 2); // the header is row 1
/// assert_eq!(survey.extra["airline"][12].as_deref(), Some("B"));
/// assert_eq!(report.items[0].missing, 1);
/// assert!(report.ok);
/// # Ok::<(), csi::Error>(())
/// ```
pub fn read_survey(
    path: &Path,
    model: &Model,
    opts: &IngestOptions,
) -> Result<(Survey, ValidationReport)> {
    let (survey, report) = inspect_survey(path, model, opts)?;
    if let Some(e) = report.to_error() {
        return Err(e);
    }
    match survey {
        Some(s) => Ok((s, report)),
        None => Err(Error::data(
            Location {
                file: path.display().to_string(),
                ..Default::default()
            },
            "the data could not be assembled",
        )),
    }
}

/// Read and check a data file, collecting every problem (errors and warnings) in the
/// report instead of stopping at the first. The survey is returned only when the
/// report has no error.
///
/// # Errors
/// Only when the file cannot be read at all: [`Error::Io`] (missing file, permission),
/// [`Error::Data`] for an unsupported format (e.g. SPSS `.sav`), undecodable text, a
/// corrupt workbook or Parquet file, or an unknown `--sheet`.
pub fn inspect_survey(
    path: &Path,
    model: &Model,
    opts: &IngestOptions,
) -> Result<(Option<Survey>, ValidationReport)> {
    let file = path.display().to_string();
    // Only regular files (not /dev/zero, a directory or a FIFO), of a bounded size.
    let read = || {
        crate::input::read_capped(path, crate::input::MAX_DATA_BYTES)
            .map_err(|r| r.into_error(path, "data", |m| unreadable(&file, m)))
    };
    crate::input::open_regular(path, crate::input::MAX_DATA_BYTES)
        .map_err(|r| r.into_error(path, "data", |m| unreadable(&file, m)))?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    let mut asm = Assembler::new(file.clone(), model, opts);
    match ext.as_deref() {
        None | Some("csv") | Some("txt") | Some("dat") => read_text(&mut asm, read()?, false)?,
        Some("tsv") | Some("tab") => read_text(&mut asm, read()?, true)?,
        Some("xlsx") | Some("xlsm") | Some("xlsb") | Some("xls") | Some("ods") => {
            read_workbook(&mut asm, &read()?, ext.as_deref().unwrap_or(""))?
        }
        Some("parquet") | Some("pq") => read_parquet(&mut asm, path)?,
        Some("sav") | Some("zsav") => read_sav(&mut asm, path)?,
        Some("por") => {
            return Err(Error::data(
                Location { file, ..Default::default() },
                "SPSS portable .por files are not supported; save as .sav, CSV or XLSX",
            ))
        }
        Some(other) => {
            return Err(Error::data(
                Location { file, ..Default::default() },
                format!(
                    "unsupported data file type '.{other}'; use .csv, .tsv, .txt, .xlsx, .xls, .ods or .parquet"
                ),
            ))
        }
    }
    Ok(asm.finish())
}

/// [`inspect_survey`] on the contents of a file held in memory. `name` names the data
/// in messages, and its extension gives the format as for a path (`.csv`, `.tsv`,
/// `.xlsx`, `.xls`, `.ods`, `.parquet`; no extension: CSV).
///
/// # Errors
/// As [`inspect_survey`].
///
/// # Example
/// ```
/// use csi::data::inspect_survey_bytes;
/// use csi::data::IngestOptions;
/// use csi::spec::{ConstructSpec, Model};
/// let model = Model::from_parts(
///     "toy",
///     vec![ConstructSpec::new("A", &["a1", "a2"]), ConstructSpec::new("B", &["b1", "b2"])],
///     &[("A", "B")],
/// )?;
/// let text = b"a1,a2,b1,b2\n1,2,3,x\n".to_vec();
/// let (survey, report) = inspect_survey_bytes("upload.csv", text, &model, &IngestOptions::default())?;
/// assert!(survey.is_none());
/// let e = report.to_error().unwrap().to_string();
/// assert!(e.starts_with("upload.csv: row 2, column 'b2', value 'x': not a number"), "{e}");
/// # Ok::<(), csi::Error>(())
/// ```
pub fn inspect_survey_bytes(
    name: &str,
    bytes: Vec<u8>,
    model: &Model,
    opts: &IngestOptions,
) -> Result<(Option<Survey>, ValidationReport)> {
    let ext = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    let mut asm = Assembler::new(name.to_string(), model, opts);
    match ext.as_deref() {
        Some("tsv") | Some("tab") => read_text(&mut asm, bytes, true)?,
        Some(e @ ("xlsx" | "xlsm" | "xlsb" | "xls" | "ods")) => read_workbook(&mut asm, &bytes, e)?,
        Some("parquet") | Some("pq") => {
            let df = ParquetReader::new(std::io::Cursor::new(bytes))
                .finish()
                .map_err(|e| unreadable(name, format!("not a readable parquet file: {e}")))?;
            put_parquet(&mut asm, df)?
        }
        _ => read_text(&mut asm, bytes, false)?,
    }
    Ok(asm.finish())
}

/// Convert the flag spelling of a delimiter (`,` `;` `|` `tab` `\t`) to a byte.
///
/// # Errors
/// [`Error::Setting`] for anything that is not a single ASCII character.
pub fn parse_delimiter(s: &str) -> Result<u8> {
    match s {
        "tab" | "TAB" | "\\t" | "\t" => Ok(b'\t'),
        "comma" => Ok(b','),
        "semicolon" => Ok(b';'),
        "pipe" => Ok(b'|'),
        _ if s.len() == 1 && s.is_ascii() && s != "\"" && s != "\n" && s != "\r" => s
            .bytes()
            .next()
            .ok_or_else(|| Error::setting("--delimiter", "empty")),
        _ => Err(Error::setting(
            "--delimiter",
            format!("expected one character such as , ; | or 'tab', got '{s}'"),
        )),
    }
}

// ---------------------------------------------------------------------------------
// Cells

/// One cell as the readers see it.
#[derive(Debug, Clone, Copy)]
enum Cell<'a> {
    Empty,
    Num(f64),
    Text(&'a str),
}

impl Cell<'_> {
    fn shown(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Num(v) => super::validate::number_text(*v),
            Cell::Text(t) => t.to_string(),
        }
    }
}

/// Outcome of reading one item cell.
enum Parsed {
    Missing,
    Value(f64),
    NotNumber,
}

/// How cells become numbers (shared by all formats).
struct CellRules {
    text_codes: Vec<String>,
    num_codes: Vec<f64>,
    decimal_comma: bool,
    scales: Vec<Option<Scale>>,
    reverse: Vec<bool>,
    oor_missing: bool,
}

impl CellRules {
    fn new(model: &Model, opts: &IngestOptions) -> CellRules {
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
    fn is_num_code(&self, v: f64) -> bool {
        self.num_codes.contains(&v)
    }

    #[inline]
    fn classify(&self, cell: Cell<'_>) -> Parsed {
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
fn small_int(b: &[u8]) -> Option<f64> {
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
fn parse_plain_number(s: &str, decimal_comma: bool) -> Option<f64> {
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
struct ColState {
    out_of_range: usize,
    /// Cells holding a declared missing code (not empty).
    coded: usize,
    errors: Vec<(usize, Problem)>,
    n_errors: usize,
}

impl ColState {
    fn error(&mut self, row: usize, p: Problem) {
        self.n_errors += 1;
        if self.errors.len() < MAX_ERRORS_PER_COLUMN {
            self.errors.push((row, p));
        }
    }
}

/// Read one item cell: checks, out-of-range policy, reverse-coding. `NaN` = missing
/// (or refused; the error is recorded in `st`).
#[inline]
fn item_value(
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

// ---------------------------------------------------------------------------------
// Assembly of the survey, shared by every format

#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Item(usize),
    Weight,
    Extra(usize),
    Ignored,
}

struct Assembler<'a> {
    file: String,
    model: &'a Model,
    opts: &'a IngestOptions,
    rules: CellRules,
    report: ValidationReport,
    roles: Vec<Role>,
    item_src: Vec<Option<usize>>,
    extra_names: Vec<String>,
    /// Items left out of the matrix checks (absent, duplicated, or with cell errors).
    skip: Vec<bool>,
    /// The cells cannot be read (ragged, empty, unclosed quote...).
    fatal: bool,
    /// The columns do not match the model (absent or duplicated items, weight column):
    /// cells are still checked, but no survey is assembled.
    columns_bad: bool,
    planned: bool,
    n: usize,
    data: Vec<f64>,
    rows: Vec<usize>,
    extra: Vec<Vec<Option<String>>>,
    weights: Option<Vec<f64>>,
    item_state: Vec<ColState>,
    weight_state: ColState,
}

impl<'a> Assembler<'a> {
    fn new(file: String, model: &'a Model, opts: &'a IngestOptions) -> Assembler<'a> {
        let mut report = ValidationReport::for_model(model);
        report.file = Some(file.clone());
        let p = model.n_items();
        let mut asm = Assembler {
            file,
            model,
            opts,
            rules: CellRules::new(model, opts),
            report,
            roles: Vec::new(),
            item_src: vec![None; p],
            extra_names: Vec::new(),
            skip: vec![false; p],
            fatal: false,
            columns_bad: false,
            planned: false,
            n: 0,
            data: Vec::new(),
            rows: Vec::new(),
            extra: Vec::new(),
            weights: None,
            item_state: (0..p).map(|_| ColState::default()).collect(),
            weight_state: ColState::default(),
        };
        for (k, it) in model.items.iter().enumerate() {
            if it.reverse && model.item_scale(k).is_none() {
                asm.report.push(
                    Problem::error("the item is reverse-coded but has no scale; give [scale] in the model or --scale")
                        .in_column(it.name.clone()),
                );
            }
        }
        asm
    }

    fn model_file(&self) -> String {
        self.opts
            .model_file
            .clone()
            .unwrap_or_else(|| format!("model '{}'", self.model.name))
    }

    /// The name of source column `c` in messages.
    fn column_name(&self, c: usize) -> String {
        match self.roles.get(c) {
            Some(Role::Item(k)) => self
                .model
                .items
                .get(*k)
                .map(|i| i.name.clone())
                .unwrap_or_default(),
            Some(Role::Extra(e)) => self.extra_names.get(*e).cloned().unwrap_or_default(),
            Some(Role::Weight) => self.opts.weight.clone().unwrap_or_default(),
            _ => format!("column {}", c + 1),
        }
    }

    /// A problem that stops assembly (the report says why).
    fn fatal(&mut self, p: Problem) {
        self.fatal = true;
        self.report.push(p);
    }

    /// Match the header to the model's items. `label(c)` names an unnamed column.
    fn plan(&mut self, header: &[String], header_row: usize, label: impl Fn(usize) -> String) {
        self.planned = true;
        let index: HashMap<&str, usize> = self
            .model
            .items
            .iter()
            .enumerate()
            .map(|(k, it)| (it.name.as_str(), k))
            .collect();
        let weight = self.opts.weight.as_deref().map(str::trim);
        let mut weight_src: Option<usize> = None;
        let mut used_names: HashMap<String, usize> = HashMap::new();
        self.roles = Vec::with_capacity(header.len());
        for (c, h) in header.iter().enumerate() {
            let name = h.trim();
            if let Some(&k) = index.get(name) {
                if let Some(first) = self.item_src.get(k).copied().flatten() {
                    self.report.push(
                        Problem::error(format!(
                            "item column appears twice in the header ({} and {}); keep one",
                            label(first),
                            label(c)
                        ))
                        .at_row(header_row)
                        .in_column(name),
                    );
                    if let Some(sk) = self.skip.get_mut(k) {
                        *sk = true;
                    }
                    self.columns_bad = true;
                    self.roles.push(Role::Ignored);
                } else {
                    if let Some(src) = self.item_src.get_mut(k) {
                        *src = Some(c);
                    }
                    self.roles.push(Role::Item(k));
                }
                if weight == Some(name) {
                    self.report.push(
                        Problem::error("the --weight column is an item of the model")
                            .at_row(header_row)
                            .in_column(name),
                    );
                    self.columns_bad = true;
                }
            } else if weight == Some(name) {
                if weight_src.is_some() {
                    self.report.push(
                        Problem::error("the --weight column appears twice in the header")
                            .at_row(header_row)
                            .in_column(name),
                    );
                    self.columns_bad = true;
                    self.roles.push(Role::Ignored);
                } else {
                    weight_src = Some(c);
                    self.roles.push(Role::Weight);
                }
            } else {
                let base = if name.is_empty() {
                    label(c)
                } else {
                    name.to_string()
                };
                let count = used_names.entry(base.clone()).or_insert(0);
                *count += 1;
                let key = if *count == 1 {
                    base
                } else {
                    format!("{base} ({count})")
                };
                self.roles.push(Role::Extra(self.extra_names.len()));
                self.extra_names.push(key);
            }
        }
        let present: Vec<&str> = header.iter().map(|h| h.trim()).collect();
        for (k, it) in self.model.items.iter().enumerate() {
            if self.item_src.get(k).copied().flatten().is_some() {
                continue;
            }
            let cons = self
                .model
                .constructs
                .get(it.construct)
                .map(|c| c.name.as_str())
                .unwrap_or("?");
            let mut msg = format!(
                "item column absent from the data; {} lists it in construct '{}'",
                shown_name(&self.model_file()),
                shown_name(cons)
            );
            if let Some(near) = present.iter().find(|h| same_ignoring_case(h, &it.name)) {
                msg.push_str(&format!(
                    " (the data has '{}': names are case-sensitive)",
                    shown_name(near)
                ));
            } else {
                let shown: Vec<String> = present
                    .iter()
                    .take(12)
                    .map(|h| crate::text_safety::shown(h).into_owned())
                    .collect();
                msg.push_str(&format!(
                    "; columns in the data: {}{}",
                    shown.join(", "),
                    if present.len() > 12 { ", ..." } else { "" }
                ));
            }
            self.report.push(
                Problem::error(msg)
                    .at_row(header_row)
                    .in_column(it.name.clone()),
            );
            if let Some(sk) = self.skip.get_mut(k) {
                *sk = true;
            }
            self.columns_bad = true;
        }
        if let (Some(w), None) = (weight, weight_src) {
            if !index.contains_key(w) {
                self.report.push(
                    Problem::error("the --weight column is not in the data")
                        .at_row(header_row)
                        .in_column(w),
                );
                self.columns_bad = true;
            }
        }
    }

    /// Allocate storage for `rows.len()` respondents.
    fn alloc(&mut self, rows: Vec<usize>) {
        let n = rows.len();
        self.n = n;
        self.rows = rows;
        self.data = vec![f64::NAN; n * self.model.n_items()];
        self.extra = self
            .extra_names
            .iter()
            .map(|_| Vec::with_capacity(n))
            .collect();
        if self.roles.contains(&Role::Weight) {
            self.weights = Some(vec![f64::NAN; n]);
        }
        self.report.n_rows = n;
    }

    /// Store the cells of source column `c` for respondents `start..` (in order).
    fn put_column<'c>(&mut self, c: usize, start: usize, cells: impl Iterator<Item = Cell<'c>>) {
        let Some(&role) = self.roles.get(c) else {
            return;
        };
        match role {
            Role::Item(k) => {
                let n = self.n;
                let name = self.model.items.get(k).map_or("", |i| i.name.as_str());
                let (Some(st), Some(col)) = (
                    self.item_state.get_mut(k),
                    self.data.get_mut(k * n..(k + 1) * n),
                ) else {
                    return;
                };
                let out = col.get_mut(start..).unwrap_or_default();
                let rows = self.rows.get(start..).unwrap_or_default();
                for ((o, &row), cell) in out.iter_mut().zip(rows).zip(cells) {
                    *o = item_value(&self.rules, k, name, row, cell, st);
                }
            }
            Role::Weight => {
                let name = self.opts.weight.as_deref().unwrap_or("weight").trim();
                if let Some(w) = self.weights.as_mut() {
                    let out = w.get_mut(start..).unwrap_or_default();
                    let rows = self.rows.get(start..).unwrap_or_default();
                    for ((o, &row), cell) in out.iter_mut().zip(rows).zip(cells) {
                        *o = weight_value(name, row, cell, &mut self.weight_state);
                    }
                }
            }
            Role::Extra(e) => {
                if let Some(v) = self.extra.get_mut(e) {
                    for cell in cells {
                        v.push(match cell {
                            Cell::Empty => None,
                            Cell::Num(x) => Some(super::validate::number_text(x)),
                            Cell::Text(t) => {
                                let t = t.trim();
                                if t.is_empty() {
                                    None
                                } else {
                                    Some(t.to_string())
                                }
                            }
                        });
                    }
                }
            }
            Role::Ignored => {}
        }
    }

    /// Store polars columns (source columns `0..`) for respondents `start..`. Item
    /// columns are converted in parallel, one column per task; each column is dropped
    /// once converted.
    fn put_polars_columns(&mut self, start: usize, cols: Vec<Column>) -> Result<()> {
        use rayon::prelude::*;
        let mut norm: Vec<Option<Column>> = Vec::with_capacity(cols.len());
        for (c, col) in cols.into_iter().enumerate() {
            if matches!(self.roles.get(c), Some(Role::Ignored) | None) {
                norm.push(None);
                continue;
            }
            let dtype = col.dtype().clone();
            let col = if dtype == DataType::String || dtype == DataType::Float64 {
                col
            } else {
                let to = if dtype.is_primitive_numeric() {
                    DataType::Float64
                } else {
                    DataType::String
                };
                col.cast(&to).map_err(|e| {
                    unreadable(
                        &self.file,
                        format!("column {} of type {dtype} cannot be read: {e}", c + 1),
                    )
                })?
            };
            norm.push(Some(col));
        }
        let n = self.n;
        if n == 0 || start >= n {
            return Ok(());
        }
        {
            let rules = &self.rules;
            let rows = self.rows.get(start..).unwrap_or_default();
            let model = self.model;
            let mut jobs = Vec::new();
            for ((k, out), st) in self
                .data
                .chunks_mut(n)
                .enumerate()
                .zip(self.item_state.iter_mut())
            {
                let Some(c) = self.item_src.get(k).copied().flatten() else {
                    continue;
                };
                if let (Some(col), Some(out)) =
                    (norm.get_mut(c).and_then(Option::take), out.get_mut(start..))
                {
                    jobs.push((k, out, st, col));
                }
            }
            jobs.into_par_iter().for_each(|(k, out, st, col)| {
                let name = model.items.get(k).map(|i| i.name.as_str()).unwrap_or("");
                if let Ok(ca) = col.f64() {
                    for ((o, v), &r) in out.iter_mut().zip(ca.iter()).zip(rows) {
                        *o = item_value(
                            rules,
                            k,
                            name,
                            r,
                            v.map(Cell::Num).unwrap_or(Cell::Empty),
                            st,
                        );
                    }
                } else if let Ok(ca) = col.str() {
                    for ((o, v), &r) in out.iter_mut().zip(ca.iter()).zip(rows) {
                        *o = item_value(
                            rules,
                            k,
                            name,
                            r,
                            v.map(Cell::Text).unwrap_or(Cell::Empty),
                            st,
                        );
                    }
                }
            });
        }
        for (c, slot) in norm.into_iter().enumerate() {
            let Some(col) = slot else { continue };
            if let Ok(ca) = col.f64() {
                self.put_column(
                    c,
                    start,
                    ca.iter().map(|v| v.map(Cell::Num).unwrap_or(Cell::Empty)),
                );
            } else if let Ok(ca) = col.str() {
                self.put_column(
                    c,
                    start,
                    ca.iter().map(|v| v.map(Cell::Text).unwrap_or(Cell::Empty)),
                );
            }
        }
        Ok(())
    }

    /// Store one cell (row-wise readers); respondents must come in order.
    fn put_cell(&mut self, c: usize, i: usize, cell: Cell<'_>) {
        self.put_column(c, i, std::iter::once(cell));
    }

    fn finish(mut self) -> (Option<Survey>, ValidationReport) {
        if !self.planned || self.fatal || self.report.has_errors() && self.n == 0 {
            self.report.sort();
            return (None, self.report);
        }
        // Cell errors, in row order then column order.
        let mut cell_errors: Vec<(usize, usize, Problem)> = Vec::new();
        for (k, st) in self.item_state.iter_mut().enumerate() {
            if st.n_errors > 0 {
                if let Some(sk) = self.skip.get_mut(k) {
                    *sk = true;
                }
            }
            let src = self
                .item_src
                .get(k)
                .copied()
                .flatten()
                .unwrap_or(usize::MAX);
            for (row, p) in st.errors.drain(..) {
                cell_errors.push((row, src, p));
            }
        }
        let wsrc = self
            .roles
            .iter()
            .position(|r| *r == Role::Weight)
            .unwrap_or(usize::MAX);
        for (row, p) in self.weight_state.errors.drain(..) {
            cell_errors.push((row, wsrc, p));
        }
        cell_errors.sort_by_key(|(row, src, _)| (*row, *src));
        for (_, _, p) in cell_errors {
            self.report.push(p);
        }
        let unlisted: usize = self
            .item_state
            .iter()
            .map(|s| s.n_errors.saturating_sub(MAX_ERRORS_PER_COLUMN))
            .sum::<usize>()
            + self
                .weight_state
                .n_errors
                .saturating_sub(MAX_ERRORS_PER_COLUMN);
        self.report.count_unlisted(Severity::Error, unlisted);
        if let Some(w) = &self.weights {
            if self.weight_state.n_errors == 0 && self.n > 0 && w.iter().sum::<f64>() <= 0.0 {
                let name = self.opts.weight.clone().unwrap_or_default();
                self.report
                    .push(Problem::error("every weight is zero").in_column(name));
            }
        }

        let p = self.model.n_items();
        let x = DMatrix::from_vec(self.n, p, std::mem::take(&mut self.data));
        let mut extra = BTreeMap::new();
        for (name, vals) in self.extra_names.drain(..).zip(self.extra.drain(..)) {
            extra.insert(name, vals);
        }
        let survey = Survey {
            file: self.file.clone(),
            items: self.model.items.iter().map(|i| i.name.clone()).collect(),
            x,
            rows: std::mem::take(&mut self.rows),
            extra,
            weights: self.weights.take(),
        };
        matrix_checks(&survey, self.model, &self.skip, &mut self.report);
        for (k, st) in self.item_state.iter().enumerate() {
            if let Some(it) = self.report.items.get_mut(k) {
                it.out_of_range += st.out_of_range;
                it.cannot_answer = st.coded;
                // refused cells are errors, not missing answers
                it.missing = it.missing.saturating_sub(st.n_errors);
            }
            if self.rules.oor_missing && st.out_of_range > 0 {
                let s = self.rules.scales.get(k).copied().flatten();
                let scale = s
                    .map(|s| format!(" {}..{}", s.min, s.max))
                    .unwrap_or_default();
                self.report.push(
                    Problem::warning(format!(
                        "{} value(s) outside the scale{scale} read as missing (--out-of-range missing)",
                        st.out_of_range
                    ))
                    .in_column(self.model.items.get(k).map(|i| i.name.clone()).unwrap_or_default()),
                );
            }
        }
        super::cannot_answer::assess(self.model, &mut self.report);
        self.report.sort();
        if self.report.has_errors() {
            (None, self.report)
        } else {
            (Some(survey), self.report)
        }
    }
}

/// Equal up to case, without allocating (a header name may be megabytes long).
fn same_ignoring_case(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

fn weight_value(name: &str, row: usize, cell: Cell<'_>, st: &mut ColState) -> f64 {
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

fn unreadable(file: &str, message: impl Into<String>) -> Error {
    Error::data(
        Location {
            file: file.to_string(),
            ..Default::default()
        },
        message,
    )
}

// ---------------------------------------------------------------------------------
// Text files (CSV, TSV)

/// Decode the file to UTF-8. Returns the bytes and the offset where the text starts
/// (after a UTF-8 BOM). Bytes that are not text in the encoding are an error naming
/// the row and column of the first one (`delim`, `tsv`: as for the reader, to find
/// the column).
fn decode(
    bytes: Vec<u8>,
    encoding: Option<&str>,
    file: &str,
    delim: Option<u8>,
    tsv: bool,
) -> Result<(Vec<u8>, usize)> {
    let bad_at = |bytes: &[u8], pos: usize, message: String| {
        let (row, column) = locate_raw(bytes, pos, delim, tsv);
        let what = match bytes.get(pos) {
            Some(b) => format!("byte 0x{b:02X}: "),
            None => String::new(),
        };
        Error::data(
            Location {
                file: file.to_string(),
                row: Some(row),
                column,
                value: None,
            },
            format!("{what}{message}"),
        )
    };
    if let Some(label) = encoding {
        let l = label.trim().to_ascii_lowercase();
        let enc = match l.as_str() {
            "utf-8" | "utf8" => encoding_rs::UTF_8,
            "gbk" | "gb2312" | "gb18030" | "cp936" | "936" => encoding_rs::GB18030,
            _ => encoding_rs::Encoding::for_label(l.as_bytes()).ok_or_else(|| {
                Error::setting(
                    "--encoding",
                    format!(
                        "unknown encoding '{}'; try utf-8, gbk or gb18030",
                        crate::text_safety::shown(label)
                    ),
                )
            })?,
        };
        if enc == encoding_rs::UTF_8 {
            let off = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
                3
            } else {
                0
            };
            return match std::str::from_utf8(bytes.get(off..).unwrap_or(&[])) {
                Ok(_) => Ok((bytes, off)),
                Err(e) => Err(bad_at(
                    &bytes,
                    off + e.valid_up_to(),
                    "not valid utf-8 text (--encoding utf-8 was given); try --encoding gbk".into(),
                )),
            };
        }
        let (text, bad) = enc.decode_with_bom_removal(&bytes);
        if bad {
            let name = enc.name().to_lowercase();
            let message = format!(
                "not valid {name} text (--encoding {})",
                crate::text_safety::shown(label)
            );
            return Err(match first_malformed_in(enc, &bytes) {
                Some(pos) if enc.is_ascii_compatible() => bad_at(&bytes, pos, message),
                _ => unreadable(file, message),
            });
        }
        return Ok((text.into_owned().into_bytes(), 0));
    }
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(&bytes) {
        if enc == encoding_rs::UTF_8 {
            return match std::str::from_utf8(bytes.get(bom..).unwrap_or(&[])) {
                Ok(_) => Ok((bytes, bom)),
                Err(e) => Err(bad_at(
                    &bytes,
                    bom + e.valid_up_to(),
                    "the file starts with a utf-8 byte-order mark but is not valid utf-8".into(),
                )),
            };
        }
        let (text, bad) = enc.decode_with_bom_removal(&bytes);
        if bad {
            return Err(unreadable(
                file,
                format!("not valid {} text", enc.name().to_lowercase()),
            ));
        }
        return Ok((text.into_owned().into_bytes(), 0));
    }
    if std::str::from_utf8(&bytes).is_ok() {
        return Ok((bytes, 0));
    }
    let (text, bad) = encoding_rs::GB18030.decode_without_bom_handling(&bytes);
    if bad {
        // The encoding that reads further is the file's likely one: name the first
        // byte it cannot read.
        let utf8_at = std::str::from_utf8(&bytes)
            .err()
            .map_or(0, |e| e.valid_up_to());
        let gbk_at = first_malformed_in(encoding_rs::GB18030, &bytes).unwrap_or(0);
        let (pos, name) = if utf8_at >= gbk_at {
            (utf8_at, "utf-8")
        } else {
            (gbk_at, "gbk/gb18030")
        };
        return Err(bad_at(
            &bytes,
            pos,
            format!("the text is neither utf-8 nor gbk/gb18030: it reads as {name} up to this byte; give its encoding with --encoding (e.g. windows-1252)"),
        ));
    }
    Ok((text.into_owned().into_bytes(), 0))
}

/// Offset of the first byte that is not text in `enc` (no BOM handling).
fn first_malformed_in(enc: &'static encoding_rs::Encoding, bytes: &[u8]) -> Option<usize> {
    use encoding_rs::DecoderResult;
    let mut dec = enc.new_decoder_without_bom_handling();
    let mut out = vec![0u8; 1 << 16];
    let mut pos = 0usize;
    loop {
        let rest = bytes.get(pos..)?;
        let (res, read, _) = dec.decode_to_utf8_without_replacement(rest, &mut out, true);
        match res {
            DecoderResult::InputEmpty => return None,
            DecoderResult::OutputFull => {
                if read == 0 {
                    return None;
                }
                pos += read;
            }
            DecoderResult::Malformed(bad, after) => {
                return Some((pos + read).saturating_sub(usize::from(bad) + usize::from(after)))
            }
        }
    }
}

/// Spreadsheet row and column name of byte `pos` of a raw (not yet decoded) text
/// file in an ASCII-compatible encoding. The header is the first non-blank record.
fn locate_raw(bytes: &[u8], pos: usize, delim: Option<u8>, tsv: bool) -> (usize, Option<String>) {
    let eol = if bytes.contains(&b'\n') { b'\n' } else { b'\r' };
    let pos = pos.min(bytes.len());
    let line_end = bytes
        .get(pos..)
        .and_then(|r| r.iter().position(|&c| c == eol))
        .map_or(bytes.len(), |k| pos + k);
    let head = bytes.get(..line_end).unwrap_or(bytes);
    let by_lines = || head.iter().take(pos).filter(|&&c| c == eol).count() + 1;
    let Ok(recs) = scan_records(head, delim.unwrap_or(b','), eol) else {
        return (by_lines(), None);
    };
    let delim = match delim {
        Some(d) => d,
        None => {
            let first = recs
                .iter()
                .find(|r| !r.blank)
                .and_then(|r| head.get(r.start..r.end))
                .unwrap_or(&[]);
            detect_delimiter(first, tsv)
        }
    };
    let Ok(recs) = scan_records(head, delim, eol) else {
        return (by_lines(), None);
    };
    let Some(r) = recs.iter().position(|r| r.start <= pos && pos <= r.end) else {
        return (by_lines(), None);
    };
    let Some(h) = recs.iter().position(|r| !r.blank) else {
        return (r + 1, None);
    };
    if r <= h {
        return (r + 1, None);
    }
    // field index of `pos` within its record
    let rec = recs.get(r).copied();
    let field = rec
        .and_then(|rec| head.get(rec.start..pos))
        .map(|before| {
            let mut in_q = false;
            let mut k = 0usize;
            for &c in before {
                if c == b'"' {
                    in_q = !in_q;
                } else if c == delim && !in_q {
                    k += 1;
                }
            }
            k
        })
        .unwrap_or(0);
    let column = recs
        .get(h)
        .and_then(|hr| head.get(hr.start..hr.end))
        .map(|line| split_fields(line, delim))
        .and_then(|names| names.into_iter().nth(field))
        .map(|name| {
            if name.is_empty() {
                format!("column {}", field + 1)
            } else {
                name
            }
        });
    (r + 1, column)
}

/// One record (line, or several lines when a quoted field holds a line break).
#[derive(Debug, Clone, Copy)]
struct Rec {
    start: usize,
    end: usize,
    fields: usize,
    blank: bool,
}

/// A quoted field that is never closed: in the record after `recs` (so its row is
/// `recs.len() + 1`), field `field` (0-based).
#[derive(Debug, Default)]
struct Unclosed {
    field: usize,
    recs: Vec<Rec>,
}

/// Split the text into records, counting fields. Quotes follow polars' CSV reader: a
/// field that starts with `"` runs to the next delimiter or end of line outside
/// quotes, every `"` toggling. `Err` = a quoted field never closed (see
/// [`Unclosed`]).
fn scan_records(t: &[u8], delim: u8, eol: u8) -> std::result::Result<Vec<Rec>, Unclosed> {
    let n = t.len();
    let mut recs = Vec::with_capacity(n / 32 + 1);
    let mut start = 0usize;
    let mut fields = 1usize;
    let mut i = 0usize;
    let rec = |start: usize, end: usize, fields: usize| Rec {
        start,
        end,
        fields,
        blank: fields == 1
            && t.get(start..end)
                .unwrap_or_default()
                .iter()
                .all(|c| c.is_ascii_whitespace()),
    };
    // Each pass of the loop reads one field, starting at `i`.
    while let Some(&first) = t.get(i) {
        if first == b'"' {
            let mut in_q = true;
            i += 1;
            while let Some(&c) = t.get(i) {
                if c == b'"' {
                    in_q = !in_q;
                } else if !in_q && (c == delim || c == eol) {
                    break;
                }
                i += 1;
            }
            if in_q {
                return Err(Unclosed {
                    field: fields - 1,
                    recs,
                });
            }
        } else {
            while t.get(i).is_some_and(|&c| c != delim && c != eol) {
                i += 1;
            }
        }
        let Some(&c) = t.get(i) else {
            break;
        };
        if c == delim {
            fields += 1;
            i += 1;
            continue;
        }
        recs.push(rec(start, i, fields));
        i += 1;
        start = i;
        fields = 1;
    }
    if start < n {
        recs.push(rec(start, n, fields));
    }
    Ok(recs)
}

/// Split one record into unquoted field texts (used for the header).
fn split_fields(line: &[u8], delim: u8) -> Vec<String> {
    split_fields_flagged(line, delim)
        .into_iter()
        .map(|(t, _)| t)
        .collect()
}

/// Split one record into unquoted, trimmed field texts, each flagged when its quotes
/// are malformed: a `"` inside a cell that does not start with one, or text after
/// the closing quote of a quoted cell (`"7"x`). Such quotes are kept as text.
fn split_fields_flagged(line: &[u8], delim: u8) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut i = 0usize;
    let n = line.len();
    loop {
        let begin = i;
        let mut quoted = false;
        let mut in_q = false;
        if line.get(i) == Some(&b'"') {
            quoted = true;
            in_q = true;
            i += 1;
        }
        while let Some(&c) = line.get(i) {
            if quoted && (in_q || c == b'"') {
                if c == b'"' {
                    in_q = !in_q;
                }
                i += 1;
                continue;
            }
            if c == delim {
                break;
            }
            i += 1;
        }
        let raw = line.get(begin..i).unwrap_or(&[]);
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let (text, bad) = if quoted {
            let inner = raw.strip_prefix(b"\"").unwrap_or(raw);
            let closed = inner.strip_suffix(b"\"");
            let body = closed.unwrap_or(inner);
            // inside a well-formed quoted cell, quotes come in pairs
            let mut k = 0usize;
            let mut pairs_ok = true;
            while k < body.len() {
                if body.get(k) == Some(&b'"') {
                    if body.get(k + 1) != Some(&b'"') {
                        pairs_ok = false;
                        break;
                    }
                    k += 2;
                } else {
                    k += 1;
                }
            }
            (
                String::from_utf8_lossy(body).replace("\"\"", "\""),
                closed.is_none() || !pairs_ok,
            )
        } else {
            (
                String::from_utf8_lossy(raw).into_owned(),
                raw.contains(&b'"'),
            )
        };
        out.push((text.trim().to_string(), bad));
        if i >= n {
            break;
        }
        i += 1; // the delimiter
    }
    out
}

/// Pick the delimiter among `,` `;` tab `|` that occurs most often outside quotes in
/// the header line (ties: the order above, tab first for `.tsv`).
fn detect_delimiter(header: &[u8], tsv: bool) -> u8 {
    let cands: [u8; 4] = if tsv {
        [b'\t', b',', b';', b'|']
    } else {
        [b',', b';', b'\t', b'|']
    };
    let mut counts = cands.map(|d| (d, 0usize));
    let mut in_q = false;
    for &c in header {
        if c == b'"' {
            in_q = !in_q;
        } else if !in_q {
            if let Some((_, n)) = counts.iter_mut().find(|(d, _)| *d == c) {
                *n += 1;
            }
        }
    }
    // the first of the most frequent (a tie keeps the earlier candidate)
    let (best, n) = counts.iter().fold(
        (cands[0], 0usize),
        |acc, &(d, n)| if n > acc.1 { (d, n) } else { acc },
    );
    if n == 0 {
        return cands[0];
    }
    best
}

fn read_text(asm: &mut Assembler<'_>, bytes: Vec<u8>, tsv: bool) -> Result<()> {
    let file = asm.file.clone();
    let (buf, off) = decode(
        bytes,
        asm.opts.encoding.as_deref(),
        &file,
        asm.opts.delimiter,
        tsv,
    )?;
    let text = buf.get(off..).unwrap_or(&[]);
    if text.iter().all(|c| c.is_ascii_whitespace()) {
        asm.fatal(Problem::error("the file is empty"));
        return Ok(());
    }
    let eol = if text.contains(&b'\n') { b'\n' } else { b'\r' };
    // The header line (first non-blank line), for the delimiter.
    let header_line = {
        let mut in_q = false;
        let mut s = 0usize;
        let mut line: &[u8] = text;
        for (i, &c) in text.iter().enumerate() {
            if c == b'"' {
                in_q = !in_q;
            } else if c == eol && !in_q {
                let l = text.get(s..i).unwrap_or_default();
                if !l.iter().all(|c| c.is_ascii_whitespace()) {
                    line = l;
                    break;
                }
                s = i + 1;
            }
            if i + 1 == text.len() {
                line = text.get(s..).unwrap_or_default();
            }
        }
        line
    };
    let delim = match asm.opts.delimiter {
        Some(d) => d,
        None => detect_delimiter(header_line, tsv),
    };
    asm.rules.decimal_comma = delim != b',';

    let recs = match scan_records(text, delim, eol) {
        Ok(r) => r,
        Err(Unclosed { field, recs }) => {
            // the column, when the header was read before the unclosed quote
            let column = recs
                .iter()
                .find(|r| !r.blank)
                .and_then(|h| text.get(h.start..h.end))
                .map(|line| split_fields(line, delim))
                .and_then(|names| names.into_iter().nth(field))
                .map(|n| {
                    if n.is_empty() {
                        format!("column {}", field + 1)
                    } else {
                        n
                    }
                });
            let mut p = Problem::error(
                "a quoted cell opened here is never closed (unbalanced '\"'); the rest of the file would be read as this one cell",
            )
            .at_row(recs.len() + 1);
            if let Some(c) = column {
                p = p.in_column(c);
            }
            asm.fatal(p);
            return Ok(());
        }
    };
    // Spreadsheet row of record r is r + 1.
    let Some(h) = recs.iter().position(|r| !r.blank) else {
        asm.fatal(Problem::error("the file is empty"));
        return Ok(());
    };
    let Some(&hrec) = recs.get(h) else {
        return Ok(());
    };
    let header = split_fields(text.get(hrec.start..hrec.end).unwrap_or_default(), delim);
    let width = hrec.fields;
    let header_row = h + 1;
    asm.plan(&header, header_row, |c| format!("column {}", c + 1));

    let data: Vec<usize> = (h + 1..recs.len())
        .filter(|&r| recs.get(r).is_some_and(|r| !r.blank))
        .collect();
    asm.report.n_rows = data.len();
    if data.is_empty() {
        asm.fatal(
            Problem::error("the file has a header but no respondent rows").at_row(header_row),
        );
        return Ok(());
    }
    let mut ragged = 0usize;
    for &r in &data {
        let fields = recs.get(r).map_or(width, |r| r.fields);
        if fields != width {
            ragged += 1;
            if ragged <= MAX_ERRORS_PER_COLUMN {
                asm.report.push(
                    Problem::error(format!(
                        "ragged row: {fields} fields, but the header (row {header_row}) has {width}"
                    ))
                    .at_row(r + 1),
                );
            }
        }
    }
    if ragged > 0 {
        asm.fatal = true;
        asm.report.count_unlisted(
            Severity::Error,
            ragged.saturating_sub(MAX_ERRORS_PER_COLUMN),
        );
        return Ok(());
    }
    if asm.fatal {
        return Ok(());
    }
    asm.alloc(data.iter().map(|&r| r + 1).collect());

    // Chunks of consecutive records for the polars reader: (first byte, end byte,
    // first respondent, respondents). The record list is dropped before reading.
    // polars' line splitter slows down more than linearly on very long records (a
    // 50 MB cell took 36 s); such files are split here instead.
    let long_records = data.iter().any(|&r| {
        recs.get(r)
            .is_some_and(|r| r.end.saturating_sub(r.start) > LONG_RECORD_BYTES)
    });
    let mut chunks: Vec<(usize, usize, usize, usize)> = Vec::new();
    let mut i = 0usize;
    while i < data.len() {
        let mut j = i + 1;
        while j - i < CSV_CHUNK_ROWS
            && data
                .get(j)
                .zip(data.get(j - 1))
                .is_some_and(|(&r, &prev)| r == prev + 1)
        {
            j += 1;
        }
        let (Some(a), Some(b)) = (
            data.get(i).and_then(|&r| recs.get(r)),
            data.get(j - 1).and_then(|&r| recs.get(r)),
        ) else {
            break;
        };
        chunks.push((a.start, b.end, i, j - i));
        i = j;
    }
    drop(recs);
    drop(data);
    // Two ways to read a chunk: the fast one parses item columns as numbers (with the
    // one text missing code, if any, as polars' null value); when that fails (text in an
    // item cell, blanks around numbers, decimal commas, `NaN`...) the chunk is read as
    // text and every cell is checked and located.
    let name = |c: usize| -> PlSmallStr { format!("c{c}").into() };
    let text_schema: Schema = (0..width)
        .map(|c| Field::new(name(c), DataType::String))
        .collect();
    let text_schema = Arc::new(text_schema);
    let is_item = |c: usize| matches!(asm.roles.get(c), Some(Role::Item(_)));
    let num_schema: Schema = (0..width)
        .map(|c| {
            let t = if is_item(c) {
                DataType::Float64
            } else {
                DataType::String
            };
            Field::new(name(c), t)
        })
        .collect();
    let num_schema = Arc::new(num_schema);
    let word_codes: Vec<&String> = asm
        .rules
        .text_codes
        .iter()
        .filter(|c| parse_plain_number(c, false).is_none())
        .collect();
    let num_nulls = match word_codes.as_slice() {
        [] => None,
        [code] => Some(NullValues::Named(
            (0..width)
                .filter(|&c| is_item(c))
                .map(|c| (name(c), code.as_str().into()))
                .collect(),
        )),
        _ => None,
    };
    // Item columns whose every value is a number inside the item's scale (or a
    // numeric missing code): only then is the fast reading kept. Otherwise the chunk is
    // read as text, so that a refused value is quoted as written (`1e308`, not a
    // 309-digit number).
    let col_scales: Vec<Option<Scale>> = (0..width)
        .map(|c| match asm.roles.get(c) {
            Some(Role::Item(k)) => asm.rules.scales.get(*k).copied().flatten(),
            _ => None,
        })
        .collect();
    let num_codes = asm.rules.num_codes.clone();
    let in_scale = |df: &DataFrame| -> bool {
        df.columns().iter().enumerate().all(|(c, col)| {
            let Ok(ca) = col.f64() else { return true };
            let scale = col_scales.get(c).copied().flatten();
            ca.iter().all(|v| match v {
                None => true,
                Some(v) if !v.is_finite() => false,
                Some(v) => match scale {
                    None => true,
                    Some(s) => (s.min <= v && v <= s.max) || num_codes.contains(&v),
                },
            })
        })
    };
    let word_code: Option<String> = match word_codes.as_slice() {
        [code] => Some(code.trim().to_string()),
        _ => None,
    };
    let mut fast_failures = 0usize;
    for (from, to, first, len) in chunks {
        let slice = text.get(from..to).unwrap_or(&[]);
        if long_records {
            put_split_records(asm, slice, delim, eol, first, len, &file)?;
            continue;
        }
        let mut fast = None;
        if fast_failures < 2 {
            match read_csv_chunk(slice, delim, eol, num_schema.clone(), num_nulls.clone()) {
                Ok(df) if df.height() == len && df.width() == width && in_scale(&df) => {
                    fast = Some(df)
                }
                _ => fast_failures += 1,
            }
        }
        if let (Some(df), Some(code)) = (&fast, &word_code) {
            count_word_codes(asm, slice, delim, eol, df, code);
        }
        let df = match fast {
            Some(df) => Some(df),
            None => read_csv_chunk(slice, delim, eol, text_schema.clone(), None)
                .ok()
                .filter(|df| df.height() == len && df.width() == width),
        };
        match df {
            Some(df) => asm.put_polars_columns(first, df.into_columns())?,
            // polars could not read these rows (a stray quote, text after a closing
            // quote): split them here, so that every cell is checked and located
            None => put_split_records(asm, slice, delim, eol, first, len, &file)?,
        }
    }
    Ok(())
}

/// Store rows `first..first + len` from `slice` (whole records, no blank ones),
/// split with this module's own field splitter (the rule of [`scan_records`]: a `"`
/// opens a quoted field only at the start of the field; elsewhere it is text).
fn put_split_records(
    asm: &mut Assembler<'_>,
    slice: &[u8],
    delim: u8,
    eol: u8,
    first: usize,
    len: usize,
    file: &str,
) -> Result<()> {
    let recs = scan_records(slice, delim, eol).unwrap_or_default();
    let recs: Vec<&Rec> = recs.iter().filter(|r| !r.blank).collect();
    if recs.len() != len {
        return Err(Error::data(
            Location {
                file: file.to_string(),
                row: asm.rows.get(first).copied(),
                ..Default::default()
            },
            format!(
                "the rows from here on could not be split consistently ({len} rows expected, {} found); check the quotes",
                recs.len()
            ),
        ));
    }
    let width = asm.roles.len();
    let mut stray = 0usize;
    for (i, r) in recs.into_iter().enumerate() {
        let fields = split_fields_flagged(slice.get(r.start..r.end).unwrap_or(&[]), delim);
        for c in 0..width {
            let cell = match fields.get(c) {
                Some((f, bad)) => {
                    if *bad && !matches!(asm.roles.get(c), Some(Role::Item(_))) {
                        // an item cell is refused as text anyway; elsewhere, say
                        // that the quote was read as text
                        stray += 1;
                        if stray <= MAX_ERRORS_PER_COLUMN {
                            let row = asm.rows.get(first + i).copied().unwrap_or(0);
                            let p = Problem::warning(
                                "a stray '\"' in this cell is read as part of its text; quote the whole cell and double the quotes inside it",
                            )
                            .at_row(row)
                            .in_column(asm.column_name(c))
                            .with_value(f.as_str());
                            asm.report.push(p);
                        }
                    }
                    Cell::Text(f)
                }
                None => Cell::Empty,
            };
            asm.put_cell(c, first + i, cell);
        }
    }
    asm.report.count_unlisted(
        Severity::Warning,
        stray.saturating_sub(MAX_ERRORS_PER_COLUMN),
    );
    Ok(())
}

/// The fast reader maps the one text missing code to null, like an empty cell: count
/// the code's cells per item ("cannot answer" shares), re-splitting only the records
/// with a null in an item column.
fn count_word_codes(
    asm: &mut Assembler<'_>,
    slice: &[u8],
    delim: u8,
    eol: u8,
    df: &DataFrame,
    code: &str,
) {
    let cols = df.columns();
    let items: Vec<(usize, usize)> = (0..cols.len())
        .filter_map(|c| match asm.roles.get(c) {
            Some(Role::Item(k)) if cols.get(c).is_some_and(|col| col.null_count() > 0) => {
                Some((c, *k))
            }
            _ => None,
        })
        .collect();
    if items.is_empty() {
        return;
    }
    let Ok(recs) = scan_records(slice, delim, eol) else {
        return;
    };
    // the polars frame has one row per non-blank record
    let recs: Vec<&Rec> = recs.iter().filter(|r| !r.blank).collect();
    for (c, k) in items {
        let Some(Ok(ca)) = cols.get(c).map(|col| col.f64()) else {
            continue;
        };
        let mut coded = 0usize;
        for (r, v) in ca.iter().enumerate() {
            if v.is_some() {
                continue;
            }
            if let Some(rec) = recs.get(r) {
                let fields = split_fields(slice.get(rec.start..rec.end).unwrap_or(&[]), delim);
                if fields.get(c).map(|f| f.trim()) == Some(code) {
                    coded += 1;
                }
            }
        }
        if let Some(st) = asm.item_state.get_mut(k) {
            st.coded += coded;
        }
    }
}

fn read_csv_chunk(
    slice: &[u8],
    delim: u8,
    eol: u8,
    schema: Arc<Schema>,
    null_values: Option<NullValues>,
) -> polars::prelude::PolarsResult<DataFrame> {
    let parse = CsvParseOptions::default()
        .with_separator(delim)
        .with_quote_char(Some(b'"'))
        .with_eol_char(eol)
        .with_missing_is_null(true)
        .with_null_values(null_values);
    CsvReadOptions::default()
        .with_has_header(false)
        .with_schema(Some(schema))
        .with_parse_options(parse)
        .with_raise_if_empty(false)
        .into_reader_with_file_handle(std::io::Cursor::new(slice))
        .finish()
}

// ---------------------------------------------------------------------------------
// Workbooks (XLSX, XLS, ODS)

/// Spreadsheet column letters: 0 -> A, 26 -> AA.
fn column_letters(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8_lossy(&s).into_owned()
}

fn read_workbook(asm: &mut Assembler<'_>, bytes: &[u8], ext: &str) -> Result<()> {
    use calamine::{open_workbook_from_rs, Data, Reader, Sheets};
    let file = asm.file.clone();
    let rs = std::io::Cursor::new(bytes);
    let opened = match ext {
        "xls" => open_workbook_from_rs(rs)
            .map(Sheets::Xls)
            .map_err(|e| e.to_string()),
        "xlsb" => open_workbook_from_rs(rs)
            .map(Sheets::Xlsb)
            .map_err(|e| e.to_string()),
        "ods" => open_workbook_from_rs(rs)
            .map(Sheets::Ods)
            .map_err(|e| e.to_string()),
        _ => open_workbook_from_rs(rs)
            .map(Sheets::Xlsx)
            .map_err(|e| e.to_string()),
    };
    let mut wb = opened.map_err(|e| unreadable(&file, format!("not a readable workbook: {e}")))?;
    let names = wb.sheet_names();
    // calamine holds a worksheet as a dense rectangle: one cell at XFD1048576 would
    // ask for 17 billion cells (an abort). Measure the used area of an XLSX sheet
    // first, cell by cell, and refuse one that is too large.
    if let Sheets::Xlsx(x) = &mut wb {
        let chosen = match asm.opts.sheet.as_deref() {
            None => names.first().cloned(),
            Some(s) if names.iter().any(|n| n == s) => Some(s.to_string()),
            Some(s) => s
                .trim()
                .parse::<usize>()
                .ok()
                .and_then(|k| k.checked_sub(1))
                .and_then(|k| names.get(k).cloned()),
        };
        if let Some(name) = chosen {
            xlsx_area_check(x, &name, &file)?;
        }
    }
    let range = match asm.opts.sheet.as_deref() {
        None => wb
            .worksheet_range_at(0)
            .ok_or_else(|| unreadable(&file, "the workbook has no worksheet"))?
            .map_err(|e| unreadable(&file, format!("the first worksheet cannot be read: {e}")))?,
        Some(s) => {
            if names.iter().any(|n| n == s) {
                wb.worksheet_range(s).map_err(|e| {
                    unreadable(&file, format!("worksheet '{s}' cannot be read: {e}"))
                })?
            } else if let Some(k) = s
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|&k| k >= 1 && k <= names.len())
            {
                wb.worksheet_range_at(k - 1)
                    .ok_or_else(|| unreadable(&file, format!("no worksheet number {k}")))?
                    .map_err(|e| unreadable(&file, format!("worksheet {k} cannot be read: {e}")))?
            } else {
                return Err(unreadable(
                    &file,
                    format!(
                        "--sheet '{s}': no such worksheet (the workbook has: {})",
                        names.join(", ")
                    ),
                ));
            }
        }
    };
    let Some((r0, c0)) = range.start() else {
        asm.fatal(Problem::error("the worksheet is empty"));
        return Ok(());
    };
    let (r0, c0) = (r0 as usize, c0 as usize);
    let is_blank = |row: &[Data]| {
        row.iter().all(|d| match d {
            Data::Empty => true,
            Data::String(s) => s.trim().is_empty(),
            _ => false,
        })
    };
    let mut rows_iter = range.rows().enumerate().filter(|(_, r)| !is_blank(r));
    let Some((hi, hrow)) = rows_iter.next() else {
        asm.fatal(Problem::error("the worksheet is empty"));
        return Ok(());
    };
    let header: Vec<String> = hrow
        .iter()
        .map(|d| match d {
            Data::Empty => String::new(),
            Data::String(s) => s.trim().to_string(),
            other => other.to_string(),
        })
        .collect();
    let header_row = r0 + hi + 1;
    asm.plan(&header, header_row, |c| {
        format!("column {}", column_letters(c0 + c))
    });
    let data_rows: Vec<usize> = rows_iter.map(|(i, _)| i).collect();
    asm.report.n_rows = data_rows.len();
    if data_rows.is_empty() {
        asm.fatal(
            Problem::error("the worksheet has a header but no respondent rows").at_row(header_row),
        );
        return Ok(());
    }
    if asm.fatal {
        return Ok(());
    }
    asm.alloc(data_rows.iter().map(|&i| r0 + i + 1).collect());
    let mut tmp = String::new();
    for (resp, &ri) in data_rows.iter().enumerate() {
        for c in 0..header.len() {
            let d = range.get((ri, c)).unwrap_or(&Data::Empty);
            let cell = match d {
                Data::Empty => Cell::Empty,
                Data::Int(v) => Cell::Num(*v as f64),
                Data::Float(v) => Cell::Num(*v),
                Data::String(s) => Cell::Text(s.as_str()),
                other => {
                    tmp.clear();
                    tmp.push_str(&other.to_string());
                    Cell::Text(tmp.as_str())
                }
            };
            asm.put_cell(c, resp, cell);
        }
    }
    Ok(())
}

/// Largest worksheet area read (rows x columns between the first and the last used
/// cell): 2^25 cells, about 1 GB in memory. Larger surveys: CSV or Parquet.
pub const MAX_WORKBOOK_CELLS: u64 = 1 << 25;

/// Refuse an XLSX worksheet whose used area exceeds [`MAX_WORKBOOK_CELLS`], found by
/// streaming its cells (nothing dense is allocated).
fn xlsx_area_check<RS: std::io::Read + std::io::Seek>(
    x: &mut calamine::Xlsx<RS>,
    name: &str,
    file: &str,
) -> Result<()> {
    let mut cells = x.worksheet_cells_reader(name).map_err(|e| {
        unreadable(
            file,
            format!("worksheet '{}' cannot be read: {e}", shown_name(name)),
        )
    })?;
    let (mut r0, mut r1, mut c0, mut c1) = (u32::MAX, 0u32, u32::MAX, 0u32);
    loop {
        match cells.next_cell() {
            Ok(Some(cell)) => {
                if matches!(cell.get_value(), calamine::DataRef::Empty) {
                    continue;
                }
                let (r, c) = cell.get_position();
                r0 = r0.min(r);
                r1 = r1.max(r);
                c0 = c0.min(c);
                c1 = c1.max(c);
            }
            Ok(None) => break,
            Err(e) => {
                return Err(unreadable(
                    file,
                    format!("worksheet '{}' cannot be read: {e}", shown_name(name)),
                ))
            }
        }
    }
    if r0 > r1 || c0 > c1 {
        return Ok(());
    }
    let rows = u64::from(r1 - r0) + 1;
    let cols = u64::from(c1 - c0) + 1;
    if rows.saturating_mul(cols) > MAX_WORKBOOK_CELLS {
        return Err(unreadable(
            file,
            format!(
                "worksheet '{}' spans {rows} rows x {cols} columns (to cell {}{}); at most {MAX_WORKBOOK_CELLS} cells are read: delete the stray cells, or save the data as CSV",
                shown_name(name),
                column_letters(c1 as usize),
                u64::from(r1) + 1
            ),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// Parquet

fn read_parquet(asm: &mut Assembler<'_>, path: &Path) -> Result<()> {
    let file = asm.file.clone();
    let (f, _) = crate::input::open_regular(path, crate::input::MAX_DATA_BYTES)
        .map_err(|r| r.into_error(path, "data", |m| unreadable(&file, m)))?;
    let df = ParquetReader::new(f)
        .finish()
        .map_err(|e| unreadable(&file, format!("not a readable parquet file: {e}")))?;
    put_parquet(asm, df)
}

fn put_parquet(asm: &mut Assembler<'_>, df: DataFrame) -> Result<()> {
    if df.width() == 0 {
        asm.fatal(Problem::error("the file is empty (no columns)"));
        return Ok(());
    }
    let header: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    asm.plan(&header, 1, |c| format!("column {}", c + 1));
    let n = df.height();
    asm.report.n_rows = n;
    if n == 0 {
        asm.fatal(Problem::error("the file has columns but no respondent rows").at_row(1));
        return Ok(());
    }
    if asm.fatal {
        return Ok(());
    }
    asm.alloc((2..n + 2).collect());
    asm.put_polars_columns(0, df.into_columns())?;
    Ok(())
}

// ---------------------------------------------------------------------------------
// Every column as text (for `csi init`, which has no model yet)

/// Columns of cells as text, one vector per column (`None` = empty cell).
pub type TextColumns = Vec<Vec<Option<String>>>;

/// Every column of a CSV/TSV, workbook or Parquet file as text: the header names (made
/// unique: a second `q1` is `q1 (2)`, an unnamed column `column 3`) and, per column,
/// one cell per respondent row (`None` = empty; numbers of workbooks and Parquet files
/// as `7` or `7.5`). SPSS files are read with [`super::sav::read_sav`] instead.
///
/// # Errors
/// As [`inspect_survey`] for a file that cannot be read, plus the first fatal problem
/// (an empty file, ragged rows, an unclosed quote) as an [`Error::Data`].
pub fn read_columns(path: &Path, opts: &IngestOptions) -> Result<(Vec<String>, TextColumns)> {
    use crate::spec::ConstructSpec;
    // A model whose two items match no header: every column is an extra column.
    let model = Model::from_parts(
        "columns",
        vec![
            ConstructSpec::new("\u{1}A", &["\u{1}a"]),
            ConstructSpec::new("\u{1}B", &["\u{1}b"]),
        ],
        &[("\u{1}A", "\u{1}B")],
    )?;
    let opts = IngestOptions {
        weight: None,
        ..opts.clone()
    };
    let file = path.display().to_string();
    // Only regular files (not /dev/zero, a directory or a FIFO), of a bounded size.
    let read = || {
        crate::input::read_capped(path, crate::input::MAX_DATA_BYTES)
            .map_err(|r| r.into_error(path, "data", |m| unreadable(&file, m)))
    };
    crate::input::open_regular(path, crate::input::MAX_DATA_BYTES)
        .map_err(|r| r.into_error(path, "data", |m| unreadable(&file, m)))?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    let mut asm = Assembler::new(file.clone(), &model, &opts);
    match ext.as_deref() {
        Some("tsv") | Some("tab") => read_text(&mut asm, read()?, true)?,
        Some("xlsx") | Some("xlsm") | Some("xlsb") | Some("xls") | Some("ods") => {
            read_workbook(&mut asm, &read()?, ext.as_deref().unwrap_or(""))?
        }
        Some("parquet") | Some("pq") => read_parquet(&mut asm, path)?,
        _ => read_text(&mut asm, read()?, false)?,
    }
    if asm.fatal {
        let p = asm
            .report
            .errors()
            .find(|p| !p.column.as_deref().is_some_and(|c| c.starts_with('\u{1}')))
            .cloned()
            .unwrap_or_else(|| Problem::error("the file cannot be read"));
        return Err(Error::data(p.location(&file), p.message));
    }
    Ok((asm.extra_names, asm.extra))
}

// ---------------------------------------------------------------------------------
// SPSS (.sav, .zsav): the reader lives in `super::sav`

/// Feed an SPSS file to the assembler: variable names are the header (row 1), case k
/// is row k + 1; system-missing and the variable's user-missing values are empty
/// cells (missing answers); a string or date variable cannot be an item.
fn read_sav(asm: &mut Assembler<'_>, path: &Path) -> Result<()> {
    use super::sav::{SavKind, SavValues};
    let data = super::sav::read_sav(path)?;
    for w in &data.warnings {
        asm.report.push(Problem::warning(w.clone()));
    }
    let vars = &data.dictionary.variables;
    if vars.is_empty() {
        asm.fatal(Problem::error("the file has no variables"));
        return Ok(());
    }
    let header: Vec<String> = vars.iter().map(|v| v.name.clone()).collect();
    asm.plan(&header, 1, |c| format!("variable {}", c + 1));
    for (c, v) in vars.iter().enumerate() {
        if let Some(Role::Item(k)) = asm.roles.get(c).copied() {
            if v.kind != SavKind::Numeric {
                let what = if v.kind == SavKind::Text {
                    "a string"
                } else {
                    "a date"
                };
                asm.report.push(
                    Problem::error(format!(
                        "SPSS variable is {what} variable (format {}); an item must be a numeric variable",
                        v.format
                    ))
                    .at_row(1)
                    .in_column(v.name.clone()),
                );
                if let Some(r) = asm.roles.get_mut(c) {
                    *r = Role::Ignored;
                }
                if let Some(s) = asm.skip.get_mut(k) {
                    *s = true;
                }
                asm.columns_bad = true;
            }
        }
    }
    asm.report.n_rows = data.n_cases;
    if data.n_cases == 0 {
        asm.fatal(Problem::error("the file has variables but no cases").at_row(1));
        return Ok(());
    }
    if asm.fatal {
        return Ok(());
    }
    asm.alloc((2..data.n_cases + 2).collect());
    for (c, (v, col)) in vars.iter().zip(&data.columns).enumerate() {
        match col {
            SavValues::Numeric(x) => asm.put_column(
                c,
                0,
                x.iter().map(|x| match x {
                    Some(x) if !v.is_user_missing(*x) => Cell::Num(*x),
                    _ => Cell::Empty,
                }),
            ),
            SavValues::Text(x) => asm.put_column(
                c,
                0,
                x.iter().map(|t| match t.as_deref() {
                    Some(t)
                        if !v
                            .missing
                            .iter()
                            .any(|m| matches!(m, super::sav::UserMissing::Text(s) if s == t)) =>
                    {
                        Cell::Text(t)
                    }
                    _ => Cell::Empty,
                }),
            ),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_plain_number("7", false), Some(7.0));
        assert_eq!(parse_plain_number("-1.5", false), Some(-1.5));
        assert_eq!(parse_plain_number("7,5", true), Some(7.5));
        assert_eq!(parse_plain_number("7,5", false), None);
        assert_eq!(parse_plain_number("NaN", false), None);
        assert_eq!(parse_plain_number("inf", false), None);
        assert_eq!(parse_plain_number("1e999", false), None);
        assert_eq!(parse_plain_number("7分", false), None);
        assert_eq!(parse_plain_number(",5", true), None);
        assert_eq!(small_int(b"10"), Some(10.0));
        assert_eq!(small_int(b"1a"), None);
    }

    #[test]
    fn records_and_fields() {
        let t = b"a,b,\"c,d\"\r\n1,\"x\"\"y\",3\n\n4,5,\"multi\nline\"\n";
        let recs = scan_records(t, b',', b'\n').unwrap_or_default();
        assert_eq!(recs.len(), 4);
        assert_eq!(
            recs.iter().map(|r| r.fields).collect::<Vec<_>>(),
            vec![3, 3, 1, 3]
        );
        assert!(recs[2].blank);
        let h = split_fields(&t[recs[0].start..recs[0].end], b',');
        assert_eq!(h, vec!["a", "b", "c,d"]);
        let r = split_fields(&t[recs[1].start..recs[1].end], b',');
        assert_eq!(r, vec!["1", "x\"y", "3"]);
        assert!(scan_records(b"a,\"b\n", b',', b'\n').is_err());
    }

    /// Issue 10 item 9: malformed quotes are flagged (and kept as text), well-formed
    /// ones are not.
    #[test]
    fn item9_malformed_quotes_are_flagged() {
        let f = split_fields_flagged(b"1,\"a,b\",\"x\"\"y\",\"7\"x,5\",\"open", b',');
        let got: Vec<(&str, bool)> = f.iter().map(|(t, b)| (t.as_str(), *b)).collect();
        assert_eq!(
            got,
            vec![
                ("1", false),
                ("a,b", false),
                ("x\"y", false),
                ("7\"x", true),
                ("5\"", true),
                ("open", true),
            ]
        );
    }

    /// Issue 10 item 9: the first byte that is not text is located by row and column,
    /// counting records (a quoted line break does not start a row).
    #[test]
    fn item9_bad_bytes_are_located() {
        let t = b"id,name,q1\n1,\"two\nlines\",5\n2,x,6\xff\n";
        let pos = t.iter().position(|&b| b == 0xff).unwrap_or(0);
        assert_eq!(locate_raw(t, pos, None, false), (3, Some("q1".to_string())));
        // in the header: no column
        assert_eq!(locate_raw(b"id,\xffq\n1,2\n", 3, None, false), (1, None));
        let gbk_then_bad = [b"a,b\n1,".as_slice(), &[0xC4, 0xE3, 0x80, 0xFF], b"\n"].concat();
        // 0x80 alone is the euro sign in gb18030 (WHATWG); 0xFF is never text
        assert_eq!(
            first_malformed_in(encoding_rs::GB18030, &gbk_then_bad),
            Some(9)
        );
    }

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter(b"a;b;c", false), b';');
        assert_eq!(detect_delimiter(b"a\tb\tc", false), b'\t');
        assert_eq!(detect_delimiter(b"\"a,b\";c", false), b';');
        assert_eq!(detect_delimiter(b"a", true), b'\t');
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(27), "AB");
    }
}
