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

use super::validate::{Problem, ValidationReport};
use super::Survey;
use crate::error::{Error, Location, Result};
use crate::spec::Model;
use polars::prelude::{ParquetReader, SerReader};
use std::path::Path;

mod assemble;
mod cells;
mod decode;
mod parquet;
mod records;
mod spss;
pub mod stream;
mod text;
mod workbook;

use assemble::{Assembler, Role};
use cells::{item_value, small_int, weight_value, Cell, CellRules, ColState};
use parquet::{put_parquet, read_parquet};
use records::{detect_delimiter, split_fields};
use spss::read_sav;
use text::read_text;
use workbook::read_workbook;
pub use workbook::MAX_WORKBOOK_CELLS;

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
pub(super) const MAX_ERRORS_PER_COLUMN: usize = 100;
/// Rows handed to the polars CSV reader at a time (bounds the memory of text columns).
pub(super) const CSV_CHUNK_ROWS: usize = 1 << 16;
/// A file with a record longer than this (bytes) is split by this module rather
/// than by polars.
pub(super) const LONG_RECORD_BYTES: usize = 1 << 20;

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
    let mut asm = Assembler::new(file.clone(), model, opts);
    if !read_into(&mut asm, path, false)? {
        return Err(match extension(path).as_deref() {
            Some("por") => Error::data(
                Location { file, ..Default::default() },
                "SPSS portable .por files are not supported; save as .sav, CSV or XLSX",
            ),
            other => Error::data(
                Location { file, ..Default::default() },
                format!(
                    "unsupported data file type '.{}'; use .csv, .tsv, .txt, .xlsx, .xls, .ods or .parquet",
                    other.unwrap_or_default()
                ),
            ),
        });
    }
    Ok(asm.finish())
}

/// The lowercase extension of a file name.
fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
}

/// Check that `path` is a regular file of a bounded size (not /dev/zero, a directory
/// or a FIFO), then read it into `asm` by its extension: text (`csv`, `txt`, `dat`,
/// none; `tsv`, `tab`), a workbook, Parquet, SPSS. With `columns_only` (`csi init`)
/// SPSS files are not read here and any other extension is read as text; otherwise
/// `Ok(false)` for an extension this reader does not take (nothing read).
fn read_into(asm: &mut Assembler<'_>, path: &Path, columns_only: bool) -> Result<bool> {
    let file = asm.file.clone();
    let read = || {
        crate::input::read_capped(path, crate::input::MAX_DATA_BYTES)
            .map_err(|r| r.into_error(path, "data", |m| unreadable(&file, m)))
    };
    crate::input::open_regular(path, crate::input::MAX_DATA_BYTES)
        .map_err(|r| r.into_error(path, "data", |m| unreadable(&file, m)))?;
    let ext = extension(path);
    match ext.as_deref() {
        None | Some("csv") | Some("txt") | Some("dat") => read_text(asm, read()?, false)?,
        Some("tsv") | Some("tab") => read_text(asm, read()?, true)?,
        Some(e @ ("xlsx" | "xlsm" | "xlsb" | "xls" | "ods")) => read_workbook(asm, &read()?, e)?,
        Some("parquet") | Some("pq") => read_parquet(asm, path)?,
        Some("sav") | Some("zsav") if !columns_only => read_sav(asm, path)?,
        _ if columns_only => read_text(asm, read()?, false)?,
        _ => return Ok(false),
    }
    Ok(true)
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

pub(super) fn unreadable(file: &str, message: impl Into<String>) -> Error {
    Error::data(
        Location {
            file: file.to_string(),
            ..Default::default()
        },
        message,
    )
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
    let mut asm = Assembler::new(file.clone(), &model, &opts);
    read_into(&mut asm, path, true)?;
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

#[cfg(test)]
mod tests {
    use super::cells::parse_plain_number;
    use super::decode::{first_malformed_in, locate_raw};
    use super::records::{scan_records, split_fields_flagged};
    use super::workbook::column_letters;
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
