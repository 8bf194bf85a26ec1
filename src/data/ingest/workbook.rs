//! Workbooks (XLSX, XLS, ODS), read with calamine.

use super::assemble::Assembler;
use super::cells::Cell;
use super::unreadable;
use crate::data::validate::Problem;
use crate::error::Result;
use crate::text_safety::shown_name;

/// Spreadsheet column letters: 0 -> A, 26 -> AA.
pub(super) fn column_letters(mut c: usize) -> String {
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

/// A workbook read from memory.
type Workbook<'b> = calamine::Sheets<std::io::Cursor<&'b [u8]>>;

/// Read the chosen worksheet (`--sheet`, default the first) into the assembler: the
/// first non-blank row is the header, the other non-blank rows are respondents, and
/// rows are numbered as the spreadsheet shows them.
pub(super) fn read_workbook(asm: &mut Assembler<'_>, bytes: &[u8], ext: &str) -> Result<()> {
    use calamine::Data;
    let file = asm.file.clone();
    let mut wb = open_workbook(bytes, ext, &file)?;
    let sheet = asm.opts.sheet.as_deref();
    check_xlsx_area(&mut wb, sheet, &file)?;
    let range = sheet_range(&mut wb, sheet, &file)?;
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
    put_sheet_rows(asm, &range, &data_rows, header.len());
    Ok(())
}

/// Open a workbook of the format its extension names (`xls`, `xlsb`, `ods`; else
/// XLSX).
fn open_workbook<'b>(bytes: &'b [u8], ext: &str, file: &str) -> Result<Workbook<'b>> {
    use calamine::{open_workbook_from_rs, Sheets};
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
    opened.map_err(|e| unreadable(file, format!("not a readable workbook: {e}")))
}

/// calamine holds a worksheet as a dense rectangle: one cell at XFD1048576 would ask
/// for 17 billion cells (an abort). Measure the used area of the chosen XLSX sheet
/// first, cell by cell, and refuse one that is too large.
fn check_xlsx_area(wb: &mut Workbook<'_>, sheet: Option<&str>, file: &str) -> Result<()> {
    use calamine::{Reader, Sheets};
    let names = wb.sheet_names();
    if let Sheets::Xlsx(x) = wb {
        let chosen = match sheet {
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
            xlsx_area_check(x, &name, file)?;
        }
    }
    Ok(())
}

/// The cells of the worksheet `--sheet` names (a name, or a 1-based number), or of
/// the first one.
fn sheet_range(
    wb: &mut Workbook<'_>,
    sheet: Option<&str>,
    file: &str,
) -> Result<calamine::Range<calamine::Data>> {
    use calamine::Reader;
    let names = wb.sheet_names();
    let range = match sheet {
        None => wb
            .worksheet_range_at(0)
            .ok_or_else(|| unreadable(file, "the workbook has no worksheet"))?
            .map_err(|e| unreadable(file, format!("the first worksheet cannot be read: {e}")))?,
        Some(s) => {
            if names.iter().any(|n| n == s) {
                wb.worksheet_range(s)
                    .map_err(|e| unreadable(file, format!("worksheet '{s}' cannot be read: {e}")))?
            } else if let Some(k) = s
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|&k| k >= 1 && k <= names.len())
            {
                wb.worksheet_range_at(k - 1)
                    .ok_or_else(|| unreadable(file, format!("no worksheet number {k}")))?
                    .map_err(|e| unreadable(file, format!("worksheet {k} cannot be read: {e}")))?
            } else {
                return Err(unreadable(
                    file,
                    format!(
                        "--sheet '{s}': no such worksheet (the workbook has: {})",
                        names.join(", ")
                    ),
                ));
            }
        }
    };
    Ok(range)
}

/// Store the cells of the respondent rows (`data_rows`, relative to the range) of the
/// first `width` columns; other values than numbers and text are read as their text.
fn put_sheet_rows(
    asm: &mut Assembler<'_>,
    range: &calamine::Range<calamine::Data>,
    data_rows: &[usize],
    width: usize,
) {
    use calamine::Data;
    let mut tmp = String::new();
    for (resp, &ri) in data_rows.iter().enumerate() {
        for c in 0..width {
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
}

/// Largest worksheet area read (rows x columns between the first and the last used
/// cell): 2^25 cells, about 1 GB in memory. Larger surveys: CSV or Parquet.
pub const MAX_WORKBOOK_CELLS: u64 = 1 << 25;

/// Refuse an XLSX worksheet whose used area exceeds [`MAX_WORKBOOK_CELLS`], found by
/// streaming its cells (nothing dense is allocated).
pub(super) fn xlsx_area_check<RS: std::io::Read + std::io::Seek>(
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
