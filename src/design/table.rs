//! A delimited text file (or a worksheet) read as text cells, and written back with
//! one column added (`csi weights`). Every cell is kept exactly as written: the copy differs from the
//! original only by the added column (and is UTF-8: a GBK or UTF-16 file is
//! re-encoded, with a byte-order mark so that spreadsheet programs read it right).
//!
//! Rows are numbered as a spreadsheet shows them: the header is row 1. Blank lines are
//! kept in the copy and skipped otherwise.
//!
//! # Example
//! ```
//! use csi::design::table::Table;
//! let t = Table::parse("s.csv", "id,gender\n1,男\n2,\"女\"\n", None)?;
//! assert_eq!(t.header, vec!["id", "gender"]);
//! assert_eq!(t.cell(1, 1), "女");
//! assert_eq!(t.rows, vec![2, 3]);
//! assert_eq!(t.with_column("weight", &[0.5, 1.5])?, "id,gender,weight\n1,男,0.5\n2,\"女\",1.5\n");
//! # Ok::<(), csi::Error>(())
//! ```

use crate::error::{Error, Location, Result};
use std::path::Path;

/// A delimited text table.
#[derive(Debug, Clone)]
pub struct Table {
    /// The file, for messages.
    pub file: String,
    /// Header names (trimmed).
    pub header: Vec<String>,
    /// Spreadsheet row of each record (header = 1).
    pub rows: Vec<usize>,
    /// Cells of each record (unquoted; trimmed).
    cells: Vec<Vec<String>>,
    /// The header and every record as written (without the line end), blank lines
    /// included as `None` records.
    raw: Vec<Raw>,
    delimiter: u8,
    /// The line end of the file ("\n" or "\r\n").
    eol: &'static str,
    /// Whether to start the copy with a UTF-8 byte-order mark.
    bom: bool,
}

#[derive(Debug, Clone)]
enum Raw {
    /// A record (header or respondent) as written.
    Record(String),
    /// A blank line.
    Blank(String),
}

impl Table {
    /// Read a CSV/TSV file. `encoding` as a WHATWG label (`utf-8`, `gbk`, ...;
    /// default: UTF-8 with or without BOM, UTF-16 with BOM, else GB18030);
    /// `delimiter` default: detected from the header among `,` `;` tab `|`.
    ///
    /// # Errors
    /// [`Error::Io`] when unreadable; [`Error::Data`] for a workbook or Parquet file
    /// (not supported here), an unknown encoding, an empty file, an unclosed quote or
    /// a row with more or fewer fields than the header (naming the row).
    pub fn read(path: &Path, encoding: Option<&str>, delimiter: Option<u8>) -> Result<Table> {
        let file = path.display().to_string();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase());
        if let Some(e) = ext.as_deref() {
            if matches!(e, "xlsx" | "xlsm" | "xlsb" | "xls" | "ods") {
                return Self::read_workbook(path, None);
            }
            if !matches!(e, "csv" | "txt" | "dat" | "tsv" | "tab") {
                return Err(Error::data(
                    loc(&file),
                    format!("this command reads CSV, TSV or workbook files, not '.{e}'; save the data as CSV"),
                ));
            }
        }
        let bytes = crate::input::read_file(path, crate::input::MAX_DATA_BYTES, "data")?;
        let (text, was_utf8, had_bom) = decode(&bytes, encoding, &file)?;
        let tsv = matches!(ext.as_deref(), Some("tsv") | Some("tab"));
        let delimiter = delimiter.or(if tsv { Some(b'\t') } else { None });
        let mut t = Self::parse(&file, &text, delimiter)?;
        t.bom = had_bom || !was_utf8;
        Ok(t)
    }

    /// Read a worksheet of a workbook (XLSX, XLS, ODS): `sheet` by name or 1-based
    /// number (default: the first). Cells become text as a spreadsheet shows them
    /// (`7`, `2.5`, text as written); the copy is written as CSV (UTF-8 with BOM).
    ///
    /// # Errors
    /// [`Error::Io`]; [`Error::Data`] for an unreadable workbook, an unknown sheet or an
    /// empty worksheet.
    pub fn read_workbook(path: &Path, sheet: Option<&str>) -> Result<Table> {
        use calamine::{open_workbook_auto, Data, Reader};
        let file = path.display().to_string();
        std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let mut wb = open_workbook_auto(path)
            .map_err(|e| Error::data(loc(&file), format!("not a readable workbook: {e}")))?;
        let names = wb.sheet_names();
        let index = match sheet {
            None => Some(0),
            Some(s) => names.iter().position(|n| n == s).or_else(|| {
                s.trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|&k| k >= 1 && k <= names.len())
                    .map(|k| k - 1)
            }),
        };
        let Some(index) = index else {
            return Err(Error::data(
                loc(&file),
                format!(
                    "no worksheet '{}' (the workbook has: {})",
                    sheet.unwrap_or(""),
                    names.join(", ")
                ),
            ));
        };
        let range = wb
            .worksheet_range_at(index)
            .ok_or_else(|| Error::data(loc(&file), "the workbook has no worksheet"))?
            .map_err(|e| Error::data(loc(&file), format!("the worksheet cannot be read: {e}")))?;
        let (r0, _) = range
            .start()
            .ok_or_else(|| Error::data(loc(&file), "the worksheet is empty"))?;
        let text = |d: &Data| -> String {
            match d {
                Data::Empty => String::new(),
                Data::Int(v) => v.to_string(),
                Data::Float(v) => format!("{v}"),
                Data::String(s) => s.clone(),
                other => other.to_string(),
            }
        };
        // rows above the used range become blank lines, so that the row numbers of
        // the text are the spreadsheet's
        let mut out = "\n".repeat(r0 as usize);
        for row in range.rows() {
            let line: Vec<String> = row.iter().map(|d| quote(&text(d), b',')).collect();
            out.push_str(&line.join(","));
            out.push('\n');
        }
        let mut t = Self::parse(&file, &out, Some(b','))?;
        t.bom = true;
        Ok(t)
    }

    /// Parse text (see [`Table::read`]).
    ///
    /// # Errors
    /// As [`Table::read`].
    pub fn parse(file: &str, text: &str, delimiter: Option<u8>) -> Result<Table> {
        let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let records = split_records(text).map_err(|row| {
            Error::data(
                Location {
                    file: file.to_string(),
                    row: Some(row),
                    ..Default::default()
                },
                "a quoted field is not closed (a stray '\"')",
            )
        })?;
        let Some(first) = records.iter().position(|(r, _)| !r.trim().is_empty()) else {
            return Err(Error::data(loc(file), "the file is empty"));
        };
        let head = records[first].0;
        let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(head));
        let header: Vec<String> = split_fields(head, delimiter)
            .into_iter()
            .map(|s| s.trim().to_string())
            .collect();
        let mut raw = Vec::with_capacity(records.len());
        let mut rows = Vec::new();
        let mut cells = Vec::new();
        for (k, (rec, line)) in records.iter().enumerate() {
            if rec.trim().is_empty() {
                raw.push(Raw::Blank(rec.to_string()));
                continue;
            }
            raw.push(Raw::Record(rec.to_string()));
            if k == first {
                continue;
            }
            let f: Vec<String> = split_fields(rec, delimiter)
                .into_iter()
                .map(|s| s.trim().to_string())
                .collect();
            if f.len() != header.len() {
                return Err(Error::data(
                    Location {
                        file: file.to_string(),
                        row: Some(*line),
                        ..Default::default()
                    },
                    format!("{} fields where the header has {}", f.len(), header.len()),
                ));
            }
            rows.push(*line);
            cells.push(f);
        }
        Ok(Table {
            file: file.to_string(),
            header,
            rows,
            cells,
            raw,
            delimiter,
            eol,
            bom: false,
        })
    }

    /// Number of records (respondents).
    pub fn n(&self) -> usize {
        self.cells.len()
    }

    /// Column index of a header name (trimmed).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name.trim())
    }

    /// Cell of record `i`, column `c` (unquoted, trimmed; "" when absent).
    pub fn cell(&self, i: usize, c: usize) -> &str {
        self.cells
            .get(i)
            .and_then(|r| r.get(c))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The cells of column `c`.
    pub fn column_cells(&self, c: usize) -> Vec<&str> {
        (0..self.n()).map(|i| self.cell(i, c)).collect()
    }

    /// The file as text with a column `name` of `values` (one per record) appended.
    ///
    /// # Errors
    /// [`Error::Setting`] when the values do not match the records.
    pub fn with_column(&self, name: &str, values: &[f64]) -> Result<String> {
        if values.len() != self.n() {
            return Err(Error::setting(
                "column",
                format!("{} values for {} rows", values.len(), self.n()),
            ));
        }
        let d = self.delimiter as char;
        let mut out = String::new();
        if self.bom {
            out.push('\u{feff}');
        }
        let mut header_done = false;
        let mut i = 0;
        for r in &self.raw {
            match r {
                Raw::Blank(s) => out.push_str(s),
                Raw::Record(s) => {
                    out.push_str(s);
                    out.push(d);
                    if !header_done {
                        out.push_str(&quote(name, self.delimiter));
                        header_done = true;
                    } else {
                        out.push_str(&format!("{}", values[i]));
                        i += 1;
                    }
                }
            }
            out.push_str(self.eol);
        }
        Ok(out)
    }
}

fn loc(file: &str) -> Location {
    Location {
        file: file.to_string(),
        ..Default::default()
    }
}

fn quote(s: &str, delimiter: u8) -> String {
    if s.bytes()
        .any(|b| b == delimiter || b == b'"' || b == b'\n' || b == b'\r')
    {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Decode bytes: (text, was UTF-8, had a BOM).
fn decode(bytes: &[u8], encoding: Option<&str>, file: &str) -> Result<(String, bool, bool)> {
    if let Some(label) = encoding {
        let enc = encoding_rs::Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
            Error::setting("--encoding", format!("unknown encoding '{}'", label.trim()))
        })?;
        let (text, used, bad) = enc.decode(bytes);
        if bad {
            return Err(Error::data(
                loc(file),
                format!("the file is not valid {}", used.name()),
            ));
        }
        let bom = bytes.starts_with(b"\xEF\xBB\xBF");
        return Ok((text.into_owned(), used == encoding_rs::UTF_8, bom));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(s) => Ok((s.to_string(), true, true)),
            Err(e) => Err(Error::data(
                loc(file),
                format!(
                    "the file starts with a UTF-8 byte-order mark but byte {} is not UTF-8",
                    e.valid_up_to() + 4
                ),
            )),
        };
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (text, _, bad) = encoding_rs::UTF_16LE.decode(bytes);
        if bad {
            return Err(Error::data(loc(file), "the file is not valid UTF-16"));
        }
        return Ok((text.into_owned(), false, true));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.to_string(), true, false)),
        Err(_) => {
            let (text, _, bad) = encoding_rs::GB18030.decode(bytes);
            if bad {
                return Err(Error::data(
                    loc(file),
                    "the file is neither UTF-8 nor GBK/GB18030 text; give --encoding",
                ));
            }
            Ok((text.into_owned(), false, false))
        }
    }
}

/// Records (without their line end) and their 1-based line numbers; quoted fields
/// may span lines. Err(line) for an unclosed quote.
fn split_records(text: &str) -> std::result::Result<Vec<(&str, usize)>, usize> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut start = 0;
    let mut line = 1;
    let mut rec_line = 1;
    let mut in_q = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => in_q = !in_q,
            b'\n' => {
                if !in_q {
                    let mut end = i;
                    if end > start && b[end - 1] == b'\r' {
                        end -= 1;
                    }
                    out.push((&text[start..end], rec_line));
                    start = i + 1;
                    rec_line = line + 1;
                }
                line += 1;
            }
            _ => {}
        }
        i += 1;
    }
    if in_q {
        return Err(rec_line);
    }
    if start < b.len() {
        let mut end = b.len();
        if b[end - 1] == b'\r' {
            end -= 1;
        }
        out.push((&text[start..end], rec_line));
    }
    Ok(out)
}

/// Fields of one record, unquoted.
fn split_fields(rec: &str, d: u8) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_q = false;
    let mut chars = rec.chars().peekable();
    while let Some(c) = chars.next() {
        if in_q {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    in_q = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' {
            in_q = true;
        } else if c.is_ascii() && c as u8 == d {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out
}

fn detect_delimiter(header: &str) -> u8 {
    let mut best = (0usize, b',');
    for d in [b',', b';', b'\t', b'|'] {
        let k = split_fields(header, d).len() - 1;
        if k > best.0 {
            best = (k, d);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_newlines_and_blank_lines_keep_row_numbers() {
        let t = Table::parse("t.csv", "a;b\r\n1;\"x\r\ny\"\r\n\r\n2;z\r\n", None).unwrap();
        assert_eq!(t.rows, vec![2, 5]);
        assert_eq!(t.cell(0, 1), "x\r\ny");
        let out = t.with_column("w", &[1.0, 2.0]).unwrap();
        assert_eq!(out, "a;b;w\r\n1;\"x\r\ny\";1\r\n\r\n2;z;2\r\n");
    }

    #[test]
    fn ragged_rows_and_open_quotes_are_located() {
        let e = Table::parse("t.csv", "a,b\n1,2\n3\n", None).unwrap_err();
        assert!(e.to_string().contains("row 3"), "{e}");
        let e = Table::parse("t.csv", "a,b\n1,2\n\"3,4\n", None).unwrap_err();
        assert!(e.to_string().contains("row 3"), "{e}");
    }
}
