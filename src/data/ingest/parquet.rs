//! Parquet files, read with polars.

use super::assemble::Assembler;
use super::unreadable;
use crate::data::validate::Problem;
use crate::error::Result;
use polars::prelude::{DataFrame, ParquetReader, SerReader};
use std::path::Path;

pub(super) fn read_parquet(asm: &mut Assembler<'_>, path: &Path) -> Result<()> {
    let file = asm.file.clone();
    let (f, _) = crate::input::open_regular(path, crate::input::MAX_DATA_BYTES)
        .map_err(|r| r.into_error(path, "data", |m| unreadable(&file, m)))?;
    let df = ParquetReader::new(f)
        .finish()
        .map_err(|e| unreadable(&file, format!("not a readable parquet file: {e}")))?;
    put_parquet(asm, df)
}

pub(super) fn put_parquet(asm: &mut Assembler<'_>, df: DataFrame) -> Result<()> {
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
