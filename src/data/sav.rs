//! SPSS data files (`.sav`, and `.zsav` with zlib-compressed blocks): the variables'
//! dictionary (names, variable labels, value labels, user-missing values, formats) and
//! the cases, read with the pure-Rust [`ambers`](https://docs.rs/ambers) crate (cargo
//! feature `sav`, on by default). Without the feature every function here returns an
//! error saying that this build does not read SPSS files.
//!
//! The ingester ([`super::read_survey`]) reads a `.sav` like any other format: the
//! first case is row 2 (as if the variable names were a header row), system-missing
//! values and the variable's user-missing values (discrete values and ranges, e.g.
//! `99 = 无法回答`) are missing answers, counted like the model's missing codes, and a
//! string variable cannot be an item. Text (labels, string values) is decoded with
//! the code page the file records (UTF-8, and GBK for files written by a Chinese SPSS).
//!
//! Malformed files (wrong magic, truncated, a compressed block that does not
//! decompress) are an [`Error::Data`] naming the file and, where it applies, the case;
//! the reader runs behind [`std::panic::catch_unwind`] so that a defect of the crate on
//! a damaged file is an error, not a crash.
//!
//! # Example
//! ```
//! # #[cfg(feature = "sav")] {
//! use csi::data::sav::{read_sav, write_sav, SavData, SavValues, SavVariable, UserMissing};
//! let dir = tempfile::tempdir().map_err(|e| csi::Error::io("tempdir", e))?;
//! let path = dir.path().join("tiny.sav");
//! let mut q1 = SavVariable::numeric("q1");
//! q1.label = Some("总体满意度 (Overall satisfaction)".into());
//! q1.value_labels = vec![(1.0, "非常不满意".into()), (10.0, "非常满意".into()), (99.0, "无法回答".into())];
//! q1.missing = vec![UserMissing::Value(99.0)];
//! let data = SavData::new(
//!     vec![q1, SavVariable::text("city")],
//!     vec![
//!         SavValues::Numeric(vec![Some(7.0), Some(99.0), None]),
//!         SavValues::Text(vec![Some("上海".into()), Some("北京".into()), None]),
//!     ],
//! )?;
//! write_sav(&path, &data)?;
//!
//! let back = read_sav(&path)?;
//! assert_eq!(back.n_cases, 3);
//! let q1 = &back.dictionary.variables[0];
//! assert_eq!(q1.label.as_deref(), Some("总体满意度 (Overall satisfaction)"));
//! assert!(q1.is_user_missing(99.0));
//! assert_eq!(back.columns[0], SavValues::Numeric(vec![Some(7.0), Some(99.0), None]));
//! assert_eq!(back.columns[1], SavValues::Text(vec![Some("上海".into()), Some("北京".into()), None]));
//! # }
//! # Ok::<(), csi::Error>(())
//! ```

use crate::error::{Error, Location, Result};
use crate::spec::Model;
use std::path::Path;

/// One user-missing specification of an SPSS variable (SPSS allows up to three
/// discrete values, or a range plus one discrete value).
#[derive(Debug, Clone, PartialEq)]
pub enum UserMissing {
    /// A discrete numeric code, e.g. `99`.
    Value(f64),
    /// A closed range `low..=high` (`LO THRU -1`, `97 THRU HI`).
    Range {
        /// Lowest missing value (may be `-inf` for `LO`).
        low: f64,
        /// Highest missing value (may be `+inf` for `HI`).
        high: f64,
    },
    /// A discrete code of a string variable.
    Text(String),
}

impl UserMissing {
    /// True when the numeric value `v` is declared missing by this specification.
    pub fn matches(&self, v: f64) -> bool {
        match self {
            UserMissing::Value(m) => *m == v,
            UserMissing::Range { low, high } => *low <= v && v <= *high,
            UserMissing::Text(_) => false,
        }
    }
}

impl std::fmt::Display for UserMissing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UserMissing::Value(v) => write!(f, "{v}"),
            UserMissing::Range { low, high } => {
                let lo = if low.is_infinite() {
                    "lowest".to_string()
                } else {
                    format!("{low}")
                };
                let hi = if high.is_infinite() {
                    "highest".to_string()
                } else {
                    format!("{high}")
                };
                write!(f, "{lo} thru {hi}")
            }
            UserMissing::Text(t) => write!(f, "'{t}'"),
        }
    }
}

/// Storage kind of an SPSS variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SavKind {
    /// A number (the only kind an item may have).
    Numeric,
    /// A string (format `A`).
    Text,
    /// A date, time or date-time (numeric in the file, read as text).
    Date,
}

/// One variable of the dictionary.
#[derive(Debug, Clone, PartialEq)]
pub struct SavVariable {
    /// Variable name (the long name when the file has one).
    pub name: String,
    /// Variable label (the question wording), control characters removed.
    pub label: Option<String>,
    /// Numeric, string or date.
    pub kind: SavKind,
    /// SPSS print format, e.g. `F8.2`, `A20`, `DATE11` (empty when unknown).
    pub format: String,
    /// Value labels of a numeric variable, in file order: `(1, "非常不满意")`.
    pub value_labels: Vec<(f64, String)>,
    /// User-missing values.
    pub missing: Vec<UserMissing>,
    /// Measurement level: `nominal`, `ordinal`, `scale`, or `None` when unknown.
    pub measure: Option<&'static str>,
}

impl SavVariable {
    /// A numeric variable without labels (format `F8.0`).
    pub fn numeric(name: &str) -> SavVariable {
        SavVariable {
            name: name.to_string(),
            label: None,
            kind: SavKind::Numeric,
            format: "F8.0".into(),
            value_labels: Vec::new(),
            missing: Vec::new(),
            measure: None,
        }
    }

    /// A string variable without labels.
    pub fn text(name: &str) -> SavVariable {
        SavVariable {
            kind: SavKind::Text,
            format: String::new(),
            ..SavVariable::numeric(name)
        }
    }

    /// True when `v` is one of the variable's user-missing values.
    pub fn is_user_missing(&self, v: f64) -> bool {
        self.missing.iter().any(|m| m.matches(v))
    }

    /// The value label of `v`, if any.
    pub fn value_label(&self, v: f64) -> Option<&str> {
        self.value_labels
            .iter()
            .find(|(x, _)| *x == v)
            .map(|(_, l)| l.as_str())
    }
}

/// The dictionary of an SPSS file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SavDictionary {
    /// Variables in file order.
    pub variables: Vec<SavVariable>,
    /// Text encoding the file records (e.g. `UTF-8`, `GBK`).
    pub encoding: String,
    /// Cases the header declares (`None` when the writer did not say).
    pub declared_cases: Option<usize>,
    /// File label, when there is one.
    pub file_label: Option<String>,
    /// Creation date and time as `YYYY-MM-DD HH:MM:SS` (when writing: `None` = now).
    pub created: Option<String>,
}

impl SavDictionary {
    /// A variable by name.
    pub fn variable(&self, name: &str) -> Option<&SavVariable> {
        self.variables.iter().find(|v| v.name == name)
    }
}

/// The values of one variable, one entry per case (`None` = system-missing or an
/// empty string). User-missing values are kept as stored.
#[derive(Debug, Clone, PartialEq)]
pub enum SavValues {
    /// A numeric (or date, as text) variable's values.
    Numeric(Vec<Option<f64>>),
    /// A string or date variable's values as text.
    Text(Vec<Option<String>>),
}

impl SavValues {
    /// Number of cases.
    pub fn len(&self) -> usize {
        match self {
            SavValues::Numeric(v) => v.len(),
            SavValues::Text(v) => v.len(),
        }
    }

    /// True when there is no case.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A whole SPSS file: dictionary and cases.
#[derive(Debug, Clone, PartialEq)]
pub struct SavData {
    /// The variables.
    pub dictionary: SavDictionary,
    /// One column per variable, in dictionary order.
    pub columns: Vec<SavValues>,
    /// Cases read.
    pub n_cases: usize,
    /// Findings about a damaged but readable file (e.g. more cases than declared).
    pub warnings: Vec<String>,
}

impl SavData {
    /// Put variables and their columns together (UTF-8, for [`write_sav`]).
    ///
    /// # Errors
    /// [`Error::Setting`] when the counts disagree, columns differ in length, or a
    /// variable's kind does not match its column.
    pub fn new(variables: Vec<SavVariable>, columns: Vec<SavValues>) -> Result<SavData> {
        let bad = |m: String| Error::setting("sav data", m);
        if variables.len() != columns.len() {
            return Err(bad(format!(
                "{} variables but {} columns",
                variables.len(),
                columns.len()
            )));
        }
        let n = columns.first().map(SavValues::len).unwrap_or(0);
        for (v, c) in variables.iter().zip(&columns) {
            if c.len() != n {
                return Err(bad(format!(
                    "column '{}' has {} values, the first column {n}",
                    v.name,
                    c.len()
                )));
            }
            let ok = matches!(
                (v.kind, c),
                (SavKind::Numeric, SavValues::Numeric(_))
                    | (SavKind::Text | SavKind::Date, SavValues::Text(_))
            );
            if !ok {
                return Err(bad(format!(
                    "variable '{}' is {:?} but its column is not",
                    v.name, v.kind
                )));
            }
        }
        Ok(SavData {
            dictionary: SavDictionary {
                variables,
                encoding: "UTF-8".into(),
                declared_cases: Some(n),
                file_label: None,
                created: None,
            },
            columns,
            n_cases: n,
            warnings: Vec::new(),
        })
    }
}

/// True for the file extensions read as SPSS data (`.sav`, `.zsav`, any case).
pub fn is_sav_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.eq_ignore_ascii_case("sav") || e.eq_ignore_ascii_case("zsav"))
        .unwrap_or(false)
}

/// Give every item of `model` that has no `label` the SPSS variable label of its
/// column. Returns how many items took a label.
///
/// # Example
/// ```
/// use csi::data::sav::{adopt_variable_labels, SavDictionary, SavVariable};
/// use csi::spec::{ConstructSpec, Model};
/// let mut model = Model::from_parts(
///     "toy",
///     vec![ConstructSpec::new("Q", &["q1", "q2"]), ConstructSpec::new("S", &["s1"])],
///     &[("Q", "S")],
/// )?;
/// let mut q1 = SavVariable::numeric("q1");
/// q1.label = Some("服务态度 (Staff attitude)".into());
/// let dict = SavDictionary { variables: vec![q1, SavVariable::numeric("q2")], ..Default::default() };
/// assert_eq!(adopt_variable_labels(&mut model, &dict), 1);
/// assert_eq!(model.item_label(0), "服务态度 (Staff attitude)");
/// assert_eq!(model.item_label(1), "q2");
/// # Ok::<(), csi::Error>(())
/// ```
pub fn adopt_variable_labels(model: &mut Model, dict: &SavDictionary) -> usize {
    let mut n = 0;
    for it in model.items.iter_mut() {
        if it.label.is_some() {
            continue;
        }
        if let Some(l) = dict.variable(&it.name).and_then(|v| v.label.clone()) {
            it.label = Some(l);
            n += 1;
        }
    }
    n
}

/// For an SPSS data file, give the model's unlabelled items the file's variable labels
/// ([`adopt_variable_labels`]); other formats have no labels and are left alone.
/// Returns how many items took a label.
///
/// # Errors
/// Those of [`read_sav_dictionary`] for a `.sav`/`.zsav` that cannot be read (a build
/// without the `sav` feature returns `Ok(0)` and leaves the refusal to the ingester).
pub fn adopt_labels_from_file(path: &Path, model: &mut Model) -> Result<usize> {
    if !is_sav_path(path) || !cfg!(feature = "sav") {
        return Ok(0);
    }
    let dict = read_sav_dictionary(path)?;
    Ok(adopt_variable_labels(model, &dict))
}

fn at_file(path: &Path, message: impl Into<String>) -> Error {
    Error::data(
        Location {
            file: path.display().to_string(),
            ..Default::default()
        },
        message,
    )
}

/// Remove control characters (labels are shown on terminals, in SVG and HTML).
#[cfg_attr(not(feature = "sav"), allow(dead_code))]
fn clean_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(not(feature = "sav"))]
fn unsupported(path: &Path) -> Error {
    at_file(
        path,
        "SPSS .sav is not supported in this build (built without the 'sav' feature); save as CSV or XLSX",
    )
}

/// Read the dictionary of an SPSS file (variables, labels, missing values) without
/// keeping the cases.
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened; [`Error::Data`] naming the file when
/// it is not a readable SPSS file.
pub fn read_sav_dictionary(path: &Path) -> Result<SavDictionary> {
    #[cfg(feature = "sav")]
    {
        imp::read(path, false).map(|d| d.dictionary)
    }
    #[cfg(not(feature = "sav"))]
    {
        Err(unsupported(path))
    }
}

/// Read an SPSS file: dictionary and every case.
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened; [`Error::Data`] naming the file (and
/// the case, where it applies) for a wrong magic number, a truncated file, a data block
/// that does not decompress, or any other damage the reader detects.
pub fn read_sav(path: &Path) -> Result<SavData> {
    #[cfg(feature = "sav")]
    {
        imp::read(path, true)
    }
    #[cfg(not(feature = "sav"))]
    {
        Err(unsupported(path))
    }
}

/// Read an SPSS file held in memory (`name` is used in messages). For tests and
/// callers that fetched the bytes themselves.
///
/// # Errors
/// As [`read_sav`].
pub fn read_sav_bytes(bytes: &[u8], name: &str) -> Result<SavData> {
    #[cfg(feature = "sav")]
    {
        imp::read_bytes(bytes, name)
    }
    #[cfg(not(feature = "sav"))]
    {
        let _ = bytes;
        Err(unsupported(Path::new(name)))
    }
}

/// Write an SPSS file: bytecode-compressed `.sav`, or zlib-compressed when the path
/// ends in `.zsav`; text is UTF-8. Variable labels, value labels, user-missing
/// values and formats are written as given.
///
/// # Errors
/// [`Error::Io`] when the file cannot be created; [`Error::Data`] when the writer
/// refuses the data (e.g. a name SPSS cannot hold).
pub fn write_sav(path: &Path, data: &SavData) -> Result<()> {
    #[cfg(feature = "sav")]
    {
        imp::write(path, data)
    }
    #[cfg(not(feature = "sav"))]
    {
        let _ = data;
        Err(unsupported(path))
    }
}

#[cfg(feature = "sav")]
mod imp {
    use super::*;
    use ambers::error::SpssError;
    use ambers::{MissingSpec, SpssMetadata, Value};
    use arrow::array::{Array, ArrayRef, AsArray, Float64Array, RecordBatch, StringArray};
    use arrow::datatypes::{DataType, Field, Float64Type, Schema};
    use std::io::{BufReader, Cursor, Read, Seek};
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::Arc;

    /// Cases per batch while reading (bounds the memory of one arrow batch).
    const BATCH: usize = 1 << 14;

    pub(super) fn read(path: &Path, with_data: bool) -> Result<SavData> {
        let name = path.display().to_string();
        // only a regular file (not /dev/zero or a FIFO), of a bounded size
        let (f, _) =
            crate::input::open_regular(path, crate::input::MAX_DATA_BYTES).map_err(|r| {
                r.into_error(path, "data", |m| {
                    Error::data(
                        Location {
                            file: name.clone(),
                            ..Default::default()
                        },
                        m,
                    )
                })
            })?;
        guarded(&name, || {
            scan(BufReader::new(f), &name, with_data, || {
                std::fs::File::open(path).map(BufReader::new)
            })
        })
    }

    pub(super) fn read_bytes(bytes: &[u8], name: &str) -> Result<SavData> {
        guarded(name, || {
            scan(Cursor::new(bytes), name, true, || Ok(Cursor::new(bytes)))
        })
    }

    /// Run the reader so that a panic inside the crate becomes an error.
    fn guarded(name: &str, f: impl FnOnce() -> Result<SavData>) -> Result<SavData> {
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(r) => r,
            Err(payload) => {
                let why = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                let why: String = why.chars().take(120).collect();
                Err(at_file(
                    Path::new(name),
                    format!(
                        "the SPSS reader failed on this file, which is probably damaged ({why})"
                    ),
                ))
            }
        }
    }

    /// What went wrong, in the project's words.
    fn describe(e: &SpssError, in_data: bool) -> String {
        match e {
            SpssError::Io(io) if in_data && io.kind() == std::io::ErrorKind::UnexpectedEof => {
                "the file is truncated: the data ends inside this case".into()
            }
            SpssError::InvalidMagic { .. } => {
                "not an SPSS data file (it does not start with $FL2 or $FL3)".into()
            }
            SpssError::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
                "the file is truncated: it ends inside its header or dictionary".into()
            }
            SpssError::TruncatedFile { expected, actual } => {
                format!("the file is truncated ({actual} bytes where {expected} were needed)")
            }
            SpssError::Zlib(m) => format!("a compressed data block does not decompress ({m})"),
            SpssError::UnsupportedCompression(c) => {
                format!("unknown compression code {c} in the header; not a readable SPSS file")
            }
            other => format!("not a readable SPSS file: {other}"),
        }
    }

    fn scan<R: Read + Seek>(
        reader: R,
        name: &str,
        with_data: bool,
        reopen: impl Fn() -> std::io::Result<R>,
    ) -> Result<SavData> {
        let file = Path::new(name);
        let mut scanner = ambers::scan_sav_from_reader(reader, BATCH).map_err(|e| match e {
            // a .zsav's first block (which starts with case 1) is inflated on opening
            SpssError::Zlib(_) => Error::data(
                Location {
                    file: name.to_string(),
                    row: Some(2),
                    ..Default::default()
                },
                format!("case 1 cannot be read: {}", describe(&e, true)),
            ),
            e => at_file(file, describe(&e, false)),
        })?;
        let schema = scanner.schema();
        let meta = scanner.metadata().clone();
        let dictionary = dictionary(&meta, &schema);
        let p = dictionary.variables.len();
        let mut columns = empty_columns(&dictionary);
        if !with_data {
            return Ok(SavData {
                n_cases: 0,
                dictionary,
                columns,
                warnings: meta.warnings.clone(),
            });
        }
        let mut n = 0usize;
        loop {
            let batch = match scanner.next_batch() {
                Ok(Some(b)) => b,
                Ok(None) => break,
                Err(e) => {
                    let case = locate_failure(&reopen, n).unwrap_or(n + 1);
                    return Err(Error::data(
                        Location {
                            file: name.to_string(),
                            row: Some(case + 1),
                            ..Default::default()
                        },
                        format!("case {case} cannot be read: {}", describe(&e, true)),
                    ));
                }
            };
            if batch.num_columns() != p {
                return Err(at_file(
                    file,
                    format!(
                        "the reader returned {} columns for {p} variables",
                        batch.num_columns()
                    ),
                ));
            }
            for (c, col) in columns.iter_mut().enumerate() {
                append(col, batch.column(c)).map_err(|m| {
                    at_file(
                        file,
                        format!(
                            "variable '{}' cannot be read: {m}",
                            dictionary.variables[c].name
                        ),
                    )
                })?;
            }
            n += batch.num_rows();
        }
        let warnings = read_warnings(&scanner.metadata().warnings, &dictionary, n, name)?;
        Ok(SavData {
            dictionary,
            columns,
            n_cases: n,
            warnings,
        })
    }

    /// One empty column per variable: numbers for numeric variables, else texts.
    fn empty_columns(dictionary: &SavDictionary) -> Vec<SavValues> {
        dictionary
            .variables
            .iter()
            .map(|v| match v.kind {
                SavKind::Numeric => SavValues::Numeric(Vec::new()),
                _ => SavValues::Text(Vec::new()),
            })
            .collect()
    }

    /// The reader's warnings (but its case count, checked here in the project's words):
    /// fewer cases than the header declares is an error, more a warning.
    fn read_warnings(
        reader_warnings: &[String],
        dictionary: &SavDictionary,
        n: usize,
        name: &str,
    ) -> Result<Vec<String>> {
        let mut warnings = Vec::new();
        for w in reader_warnings {
            if w.starts_with("header declares") {
                continue; // checked below, in the project's words
            }
            warnings.push(w.clone());
        }
        if let Some(declared) = dictionary.declared_cases {
            if n < declared {
                return Err(Error::data(
                    Location {
                        file: name.to_string(),
                        row: Some(n + 2),
                        ..Default::default()
                    },
                    format!(
                        "the file is truncated: its header declares {declared} cases but the data ends after case {n} (case {} is missing)",
                        n + 1
                    ),
                ));
            }
            if n > declared {
                warnings.push(format!(
                    "the header declares {declared} cases but {n} were read; the file may be damaged"
                ));
            }
        }
        Ok(warnings)
    }

    /// After a failed batch that started after `done` cases, read again case by case
    /// to name the first case that cannot be read.
    fn locate_failure<R: Read + Seek>(
        reopen: &impl Fn() -> std::io::Result<R>,
        done: usize,
    ) -> Option<usize> {
        let r = reopen().ok()?;
        let mut s = ambers::scan_sav_from_reader(r, 1).ok()?;
        let mut k = 0usize;
        loop {
            match s.next_batch() {
                Ok(Some(b)) => {
                    k += b.num_rows();
                    if k > done + BATCH {
                        return None;
                    }
                }
                Ok(None) => return None,
                Err(_) => return Some(k + 1),
            }
        }
    }

    fn append(col: &mut SavValues, arr: &ArrayRef) -> std::result::Result<(), String> {
        match col {
            SavValues::Numeric(v) => {
                let a = arr
                    .as_primitive_opt::<Float64Type>()
                    .ok_or_else(|| format!("unexpected type {}", arr.data_type()))?;
                v.extend(a.iter());
            }
            SavValues::Text(v) => {
                let text = |s: &str| {
                    let t = s.trim_end();
                    if t.trim().is_empty() {
                        None
                    } else {
                        Some(t.to_string())
                    }
                };
                match arr.data_type() {
                    DataType::Utf8View => {
                        v.extend(arr.as_string_view().iter().map(|s| s.and_then(text)))
                    }
                    DataType::Utf8 => {
                        v.extend(arr.as_string::<i32>().iter().map(|s| s.and_then(text)))
                    }
                    DataType::LargeUtf8 => {
                        v.extend(arr.as_string::<i64>().iter().map(|s| s.and_then(text)))
                    }
                    _ => {
                        let s = arrow::compute::cast(arr, &DataType::Utf8)
                            .map_err(|e| format!("cannot be shown as text: {e}"))?;
                        v.extend(s.as_string::<i32>().iter().map(|s| s.and_then(text)));
                    }
                }
            }
        }
        Ok(())
    }

    fn dictionary(meta: &SpssMetadata, schema: &Schema) -> SavDictionary {
        let variables = schema
            .fields()
            .iter()
            .map(|f| {
                let name = f.name().clone();
                let kind = match f.data_type() {
                    DataType::Float64 => SavKind::Numeric,
                    DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => SavKind::Text,
                    _ => SavKind::Date,
                };
                let label = meta.label(&name).map(clean_text).filter(|l| !l.is_empty());
                let value_labels = meta
                    .value_labels(&name)
                    .map(|m| {
                        m.iter()
                            .filter_map(|(k, l)| match k {
                                Value::Numeric(x) => Some((*x, clean_text(l))),
                                Value::String(_) => None,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let missing = meta
                    .variable_missing_values
                    .get(&name)
                    .map(|specs| {
                        specs
                            .iter()
                            .map(|s| match s {
                                MissingSpec::Value(v) => UserMissing::Value(*v),
                                MissingSpec::Range { lo, hi } => UserMissing::Range {
                                    low: *lo,
                                    high: *hi,
                                },
                                MissingSpec::StringValue(t) => {
                                    UserMissing::Text(t.trim_end().to_string())
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let measure = match meta.measure(&name) {
                    Some(ambers::Measure::Nominal) => Some("nominal"),
                    Some(ambers::Measure::Ordinal) => Some("ordinal"),
                    Some(ambers::Measure::Scale) => Some("scale"),
                    _ => None,
                };
                SavVariable {
                    format: meta.format(&name).unwrap_or("").to_string(),
                    name,
                    label,
                    kind,
                    value_labels,
                    missing,
                    measure,
                }
            })
            .collect();
        SavDictionary {
            variables,
            encoding: meta.file_encoding.clone(),
            declared_cases: meta.number_rows.and_then(|r| usize::try_from(r).ok()),
            file_label: Some(clean_text(&meta.file_label)).filter(|l| !l.is_empty()),
            created: Some(meta.creation_time.clone()).filter(|t| !t.trim().is_empty()),
        }
    }

    /// A variable's label, value labels, user-missing values and measure into `meta`.
    fn variable_meta(meta: &mut SpssMetadata, v: &SavVariable) {
        if let Some(l) = &v.label {
            meta.variable_labels.insert(v.name.clone(), l.clone());
        }
        if !v.value_labels.is_empty() {
            meta.variable_value_labels.insert(
                v.name.clone(),
                v.value_labels
                    .iter()
                    .map(|(x, l)| (Value::Numeric(*x), l.clone()))
                    .collect(),
            );
        }
        if !v.missing.is_empty() {
            meta.variable_missing_values.insert(
                v.name.clone(),
                v.missing
                    .iter()
                    .map(|m| match m {
                        UserMissing::Value(x) => MissingSpec::Value(*x),
                        UserMissing::Range { low, high } => MissingSpec::Range {
                            lo: *low,
                            hi: *high,
                        },
                        UserMissing::Text(t) => MissingSpec::StringValue(t.clone()),
                    })
                    .collect(),
            );
        }
        let measure = match v.measure {
            Some("nominal") => Some(ambers::Measure::Nominal),
            Some("ordinal") => Some(ambers::Measure::Ordinal),
            Some("scale") => Some(ambers::Measure::Scale),
            _ => None,
        };
        if let Some(m) = measure {
            meta.variable_measures.insert(v.name.clone(), m);
        }
    }

    pub(super) fn write(path: &Path, data: &SavData) -> Result<()> {
        let name = path.display().to_string();
        let vars = &data.dictionary.variables;
        let mut fields = Vec::with_capacity(vars.len());
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(vars.len());
        let mut meta = SpssMetadata::default();
        for (v, col) in vars.iter().zip(&data.columns) {
            match col {
                SavValues::Numeric(x) => {
                    fields.push(Field::new(&v.name, DataType::Float64, true));
                    arrays.push(Arc::new(Float64Array::from(x.clone())));
                    let fmt = if v.format.is_empty() {
                        "F8.2"
                    } else {
                        &v.format
                    };
                    meta.variable_formats
                        .insert(v.name.clone(), fmt.to_string());
                }
                SavValues::Text(x) => {
                    fields.push(Field::new(&v.name, DataType::Utf8, true));
                    let width = x
                        .iter()
                        .flatten()
                        .map(|s| s.len())
                        .max()
                        .unwrap_or(1)
                        .clamp(1, 32767);
                    arrays.push(Arc::new(StringArray::from(x.clone())));
                    meta.variable_formats
                        .insert(v.name.clone(), format!("A{width}"));
                }
            }
            variable_meta(&mut meta, v);
        }
        let schema = Arc::new(Schema::new(fields));
        let batch = RecordBatch::try_new(schema.clone(), arrays)
            .map_err(|e| at_file(path, format!("cannot assemble the data: {e}")))?;
        meta.variable_names = vars.iter().map(|v| v.name.clone()).collect();
        meta.number_columns = vars.len();
        meta.number_rows = Some(data.n_cases as i64);
        if let Some(l) = &data.dictionary.file_label {
            meta.file_label = l.clone();
        }
        if let Some(t) = &data.dictionary.created {
            meta.creation_time = t.clone();
        }
        let compression = if name.to_ascii_lowercase().ends_with(".zsav") {
            meta.file_format = "zsav".into();
            ambers::Compression::Zlib
        } else {
            ambers::Compression::Bytecode
        };
        meta.compression = compression;
        let r = catch_unwind(AssertUnwindSafe(|| {
            ambers::write_sav(path, &batch, &meta, compression, None)
        }));
        match r {
            Ok(Ok(())) => Ok(()),
            Ok(Err(SpssError::Io(e))) => Err(Error::io(path, e)),
            Ok(Err(e)) => Err(at_file(path, format!("cannot write the SPSS file: {e}"))),
            Err(_) => Err(at_file(path, "the SPSS writer failed")),
        }
    }
}
