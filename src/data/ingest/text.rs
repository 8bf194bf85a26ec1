//! Text files (CSV, TSV): decoded, split into records, read in chunks by polars (item
//! columns as numbers where they all are) or, for rows polars cannot split, by this
//! module's own splitter, so that every cell is checked and located.

use super::assemble::{Assembler, Role};
use super::cells::{parse_plain_number, Cell};
use super::decode::decode;
use super::records::{
    detect_delimiter, first_line, header_column, scan_records, split_fields, split_fields_flagged,
    Rec, Unclosed,
};
use super::{CSV_CHUNK_ROWS, LONG_RECORD_BYTES, MAX_ERRORS_PER_COLUMN};
use crate::data::validate::{Problem, Severity};
use crate::error::{Error, Location, Result};
use crate::spec::Scale;
use polars::prelude::{
    CsvParseOptions, CsvReadOptions, DataFrame, DataType, Field, NullValues, PlSmallStr, Schema,
    SerReader,
};
use std::sync::Arc;

/// Read a CSV/TSV file into the assembler: decode, find the header and the delimiter,
/// split the records, refuse ragged rows, then read the respondent rows in chunks.
pub(super) fn read_text(asm: &mut Assembler<'_>, bytes: Vec<u8>, tsv: bool) -> Result<()> {
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
    let (header_line, _) = first_line(text, eol);
    let delim = match asm.opts.delimiter {
        Some(d) => d,
        None => detect_delimiter(header_line, tsv),
    };
    asm.rules.decimal_comma = delim != b',';

    let recs = match scan_records(text, delim, eol) {
        Ok(r) => r,
        Err(unclosed) => {
            asm.fatal(unclosed_quote(text, delim, &unclosed));
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
    if refuse_ragged(asm, &recs, &data, hrec.fields, header_row) || asm.fatal {
        return Ok(());
    }
    asm.alloc(data.iter().map(|&r| r + 1).collect());
    let (chunks, long_records) = chunks_of(&recs, &data);
    // The record list is dropped before reading.
    drop(recs);
    drop(data);
    let layout = TextLayout {
        text,
        delim,
        eol,
        width: hrec.fields,
        file: &file,
    };
    read_chunks(asm, &layout, chunks, long_records)
}

/// The problem of a quoted cell that is never closed, with its row and (when the
/// header was read before it) its column.
fn unclosed_quote(text: &[u8], delim: u8, unclosed: &Unclosed) -> Problem {
    let Unclosed { field, recs } = unclosed;
    // the column, when the header was read before the unclosed quote
    let column = recs
        .iter()
        .find(|r| !r.blank)
        .and_then(|h| text.get(h.start..h.end))
        .and_then(|line| header_column(line, delim, *field));
    let mut p = Problem::error(
        "a quoted cell opened here is never closed (unbalanced '\"'); the rest of the file would be read as this one cell",
    )
    .at_row(recs.len() + 1);
    if let Some(c) = column {
        p = p.in_column(c);
    }
    p
}

/// Report every respondent row whose field count differs from the header's (the
/// first [`MAX_ERRORS_PER_COLUMN`] listed); true when there is one (the file is then
/// not read further).
fn refuse_ragged(
    asm: &mut Assembler<'_>,
    recs: &[Rec],
    data: &[usize],
    width: usize,
    header_row: usize,
) -> bool {
    let mut ragged = 0usize;
    for &r in data {
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
    }
    ragged > 0
}

/// A run of consecutive respondent records read at once.
struct Chunk {
    /// First byte of the run in the text.
    from: usize,
    /// End byte of the run.
    to: usize,
    /// Index of its first respondent.
    first: usize,
    /// Respondents in the run.
    len: usize,
}

/// Chunks of consecutive records (at most [`CSV_CHUNK_ROWS`]) for the polars reader,
/// and whether some record is longer than [`LONG_RECORD_BYTES`]: polars' line
/// splitter slows down more than linearly on very long records (a 50 MB cell took
/// 36 s); such files are split here instead.
fn chunks_of(recs: &[Rec], data: &[usize]) -> (Vec<Chunk>, bool) {
    let long_records = data.iter().any(|&r| {
        recs.get(r)
            .is_some_and(|r| r.end.saturating_sub(r.start) > LONG_RECORD_BYTES)
    });
    let mut chunks: Vec<Chunk> = Vec::new();
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
        chunks.push(Chunk {
            from: a.start,
            to: b.end,
            first: i,
            len: j - i,
        });
        i = j;
    }
    (chunks, long_records)
}

/// The decoded text and how its records are laid out.
struct TextLayout<'t> {
    text: &'t [u8],
    delim: u8,
    eol: u8,
    /// Fields per record (the header's).
    width: usize,
    file: &'t str,
}

/// The schemas and checks of polars' fast reading: item columns parsed as numbers
/// (with the one text missing code, if any, as polars' null value).
struct FastRead {
    text_schema: Arc<Schema>,
    num_schema: Arc<Schema>,
    num_nulls: Option<NullValues>,
    /// The item's scale per source column (`None` for other columns).
    col_scales: Vec<Option<Scale>>,
    num_codes: Vec<f64>,
    /// The one missing code that is not a number, when there is exactly one.
    word_code: Option<String>,
}

impl FastRead {
    /// The schemas for `width` columns, by the roles the header gave them.
    fn new(asm: &Assembler<'_>, width: usize) -> FastRead {
        let name = |c: usize| -> PlSmallStr { format!("c{c}").into() };
        let text_schema: Schema = (0..width)
            .map(|c| Field::new(name(c), DataType::String))
            .collect();
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
        let col_scales: Vec<Option<Scale>> = (0..width)
            .map(|c| match asm.roles.get(c) {
                Some(Role::Item(k)) => asm.rules.scales.get(*k).copied().flatten(),
                _ => None,
            })
            .collect();
        let word_code: Option<String> = match word_codes.as_slice() {
            [code] => Some(code.trim().to_string()),
            _ => None,
        };
        FastRead {
            text_schema: Arc::new(text_schema),
            num_schema: Arc::new(num_schema),
            num_nulls,
            col_scales,
            num_codes: asm.rules.num_codes.clone(),
            word_code,
        }
    }

    /// Item columns whose every value is a number inside the item's scale (or a
    /// numeric missing code): only then is the fast reading kept. Otherwise the chunk
    /// is read as text, so that a refused value is quoted as written (`1e308`, not a
    /// 309-digit number).
    fn in_scale(&self, df: &DataFrame) -> bool {
        df.columns().iter().enumerate().all(|(c, col)| {
            let Ok(ca) = col.f64() else { return true };
            let scale = self.col_scales.get(c).copied().flatten();
            ca.iter().all(|v| match v {
                None => true,
                Some(v) if !v.is_finite() => false,
                Some(v) => match scale {
                    None => true,
                    Some(s) => (s.min <= v && v <= s.max) || self.num_codes.contains(&v),
                },
            })
        })
    }
}

/// Read the chunks into the assembler. Two ways to read a chunk: the fast one parses
/// item columns as numbers (with the one text missing code, if any, as polars' null
/// value); when that fails (text in an item cell, blanks around numbers, decimal
/// commas, `NaN`...) the chunk is read as text and every cell is checked and located.
fn read_chunks(
    asm: &mut Assembler<'_>,
    layout: &TextLayout<'_>,
    chunks: Vec<Chunk>,
    long_records: bool,
) -> Result<()> {
    let TextLayout {
        text,
        delim,
        eol,
        width,
        file,
    } = *layout;
    let fast_read = FastRead::new(asm, width);
    let mut fast_failures = 0usize;
    for Chunk {
        from,
        to,
        first,
        len,
    } in chunks
    {
        let slice = text.get(from..to).unwrap_or(&[]);
        if long_records {
            put_split_records(asm, slice, delim, eol, first, len, file)?;
            continue;
        }
        let mut fast = None;
        if fast_failures < 2 {
            match read_csv_chunk(
                slice,
                delim,
                eol,
                fast_read.num_schema.clone(),
                fast_read.num_nulls.clone(),
            ) {
                Ok(df) if df.height() == len && df.width() == width && fast_read.in_scale(&df) => {
                    fast = Some(df)
                }
                _ => fast_failures += 1,
            }
        }
        if let (Some(df), Some(code)) = (&fast, &fast_read.word_code) {
            count_word_codes(asm, slice, delim, eol, df, code);
        }
        let df = match fast {
            Some(df) => Some(df),
            None => read_csv_chunk(slice, delim, eol, fast_read.text_schema.clone(), None)
                .ok()
                .filter(|df| df.height() == len && df.width() == width),
        };
        match df {
            Some(df) => asm.put_polars_columns(first, df.into_columns())?,
            // polars could not read these rows (a stray quote, text after a closing
            // quote): split them here, so that every cell is checked and located
            None => put_split_records(asm, slice, delim, eol, first, len, file)?,
        }
    }
    Ok(())
}

/// Store rows `first..first + len` from `slice` (whole records, no blank ones),
/// split with this module's own field splitter (the rule of [`scan_records`]: a `"`
/// opens a quoted field only at the start of the field; elsewhere it is text).
pub(super) fn put_split_records(
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
pub(super) fn count_word_codes(
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

pub(super) fn read_csv_chunk(
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
