//! SPSS (.sav, .zsav): the reader lives in [`crate::data::sav`]; this feeds its
//! variables to the assembler.

use super::assemble::{Assembler, Role};
use super::cells::Cell;
use crate::data::validate::Problem;
use crate::error::Result;
use std::path::Path;

/// Feed an SPSS file to the assembler: variable names are the header (row 1), case k
/// is row k + 1; system-missing and the variable's user-missing values are empty
/// cells (missing answers); a string or date variable cannot be an item.
pub(super) fn read_sav(asm: &mut Assembler<'_>, path: &Path) -> Result<()> {
    use crate::data::sav::{SavKind, SavValues};
    let data = crate::data::sav::read_sav(path)?;
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
                        if !v.missing.iter().any(
                            |m| matches!(m, crate::data::sav::UserMissing::Text(s) if s == t),
                        ) =>
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
