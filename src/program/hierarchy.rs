//! The programme's hierarchy (`--hierarchy`: company, industry, sector, weight) and
//! the sector weights (`--sector-weights`: sector, weight), read from small CSV files
//! and checked at the boundary: every later stage trusts them.
//!
//! Checks (each an [`Error::Data`] naming the file, the row as a spreadsheet shows it,
//! the column and the value): a missing column, an empty company/industry/sector cell,
//! a weight that is empty, not a number or not positive, a company listed twice, an
//! industry placed in two sectors, a sector listed twice in the sector weights, a
//! sector of the hierarchy without a sector weight, and a sector weight for a sector
//! that has no company. Against the data ([`Hierarchy::check_companies`]): a company
//! of the data missing from the hierarchy, and a company of the hierarchy without any
//! respondent.
//!
//! Text files in UTF-8 (with or without byte-order mark) or GBK/GB18030; delimiter
//! `,`, `;` or tab (detected from the header); quoted fields as in RFC 4180.
//!
//! # Example
//! ```
//! use csi::program::hierarchy::{Hierarchy, SectorWeights};
//! let h = Hierarchy::parse("h.csv", "company,industry,sector,weight\n\
//!     A,banks,finance,30\nB,banks,finance,10\nC,airlines,transport,5\n")?;
//! assert_eq!(h.entries.len(), 3);
//! assert_eq!(h.industries(), vec!["airlines", "banks"]);
//! let s = SectorWeights::parse("s.csv", "sector,weight\nfinance,0.7\ntransport,0.3\n")?;
//! s.check(&h)?;
//! // a sector without a weight is refused, naming the hierarchy's row and value
//! let s2 = SectorWeights::parse("s.csv", "sector,weight\nfinance,0.7\n")?;
//! let e = s2.check(&h).unwrap_err().to_string();
//! assert!(e.contains("h.csv: row 4, column 'sector', value 'transport'"), "{e}");
//! # Ok::<(), csi::Error>(())
//! ```

use crate::error::{Error, Location, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One company of the hierarchy.
#[derive(Debug, Clone, PartialEq)]
pub struct HierarchyEntry {
    /// Company name (trimmed).
    pub company: String,
    /// Industry name (trimmed).
    pub industry: String,
    /// Sector name (trimmed).
    pub sector: String,
    /// Size measure (revenue), positive and finite.
    pub weight: f64,
    /// Spreadsheet row of the entry (header = 1).
    pub row: usize,
}

/// The checked hierarchy file.
#[derive(Debug, Clone, PartialEq)]
pub struct Hierarchy {
    /// The file as given (for messages).
    pub file: String,
    /// Companies in file order.
    pub entries: Vec<HierarchyEntry>,
}

/// The checked sector-weights file.
#[derive(Debug, Clone, PartialEq)]
pub struct SectorWeights {
    /// The file as given.
    pub file: String,
    /// `(sector, weight, row)` in file order.
    pub entries: Vec<(String, f64, usize)>,
}

/// A parsed CSV table: header cells and records with their spreadsheet rows.
struct Table {
    file: String,
    header: Vec<String>,
    records: Vec<(usize, Vec<String>)>,
}

impl Table {
    fn parse(file: &str, text: &str) -> Result<Table> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let first = text.lines().next().unwrap_or("");
        let delim = [',', ';', '\t']
            .into_iter()
            .max_by_key(|d| (first.matches(*d).count(), matches!(d, ',')))
            .unwrap_or(',');
        let mut rows = split_records(text, delim).map_err(|row| {
            Error::data(
                Location {
                    file: file.to_string(),
                    row: Some(row),
                    ..Default::default()
                },
                "a quoted field is not closed",
            )
        })?;
        if rows.is_empty() {
            return Err(Error::data(
                Location {
                    file: file.to_string(),
                    ..Default::default()
                },
                "the file is empty (a header row is needed)",
            ));
        }
        let (_, header) = rows.remove(0);
        let header = header.into_iter().map(|h| h.trim().to_string()).collect();
        let records = rows
            .into_iter()
            .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
            .collect();
        Ok(Table {
            file: file.to_string(),
            header,
            records,
        })
    }

    fn loc(&self, row: usize, column: &str, value: &str) -> Location {
        Location {
            file: self.file.clone(),
            row: Some(row),
            column: Some(column.to_string()),
            value: Some(short(value)),
        }
    }

    /// Position of a required column (case-insensitive).
    fn column(&self, name: &str, what: &str) -> Result<usize> {
        self.header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                Error::data(
                    Location {
                        file: self.file.clone(),
                        row: Some(1),
                        column: Some(name.to_string()),
                        value: None,
                    },
                    format!(
                        "no such column; {what} needs the columns {} (found: {})",
                        match what {
                            "the hierarchy file" => "company, industry, sector, weight",
                            _ => "sector, weight",
                        },
                        self.header.join(", ")
                    ),
                )
            })
    }

    /// A non-empty text cell.
    fn text(&self, row: usize, rec: &[String], col: usize) -> Result<String> {
        let v = rec.get(col).map(|s| s.trim()).unwrap_or("");
        if v.is_empty() {
            return Err(Error::data(
                self.loc(row, &self.header[col], v),
                "empty cell",
            ));
        }
        Ok(v.to_string())
    }

    /// A positive finite weight.
    fn weight(&self, row: usize, rec: &[String], col: usize) -> Result<f64> {
        let raw = rec.get(col).map(|s| s.trim()).unwrap_or("");
        let name = &self.header[col];
        if raw.is_empty() {
            return Err(Error::data(
                self.loc(row, name, raw),
                "missing weight (every weight must be a positive number)",
            ));
        }
        match raw.parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
            Ok(_) => Err(Error::data(
                self.loc(row, name, raw),
                "the weight must be a positive number",
            )),
            Err(_) => Err(Error::data(
                self.loc(row, name, raw),
                "the weight is not a number",
            )),
        }
    }
}

/// Cut a cell for a message (never echo a whole cell).
fn short(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        s.chars().take(MAX).collect::<String>() + "…"
    }
}

/// Split text into records of fields; `Err(row)` for an unclosed quote. Rows are the
/// 1-based line where each record starts.
fn split_records(text: &str, delim: char) -> std::result::Result<Vec<(usize, Vec<String>)>, usize> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut rec: Vec<String> = Vec::new();
    let mut line = 1usize;
    let mut start = 1usize;
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() => {
                field.clear();
                quoted = true;
                any = true;
            }
            c if c == delim => {
                rec.push(std::mem::take(&mut field));
                any = true;
            }
            '\r' => {}
            '\n' => {
                rec.push(std::mem::take(&mut field));
                out.push((start, std::mem::take(&mut rec)));
                line += 1;
                start = line;
                any = false;
            }
            _ => {
                field.push(c);
                any = true;
            }
        }
    }
    if quoted {
        return Err(start);
    }
    if any || !field.is_empty() || !rec.is_empty() {
        rec.push(field);
        out.push((start, rec));
    }
    Ok(out)
}

/// Read a small text file: UTF-8 (BOM removed) or, when not valid UTF-8, GB18030.
fn read_text(path: &Path) -> Result<String> {
    let bytes = crate::input::read_file(path, crate::input::MAX_MODEL_BYTES, "table")?;
    let bytes = bytes
        .strip_prefix(&[0xEF, 0xBB, 0xBF][..])
        .unwrap_or(&bytes[..]);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(_) => {
            let (text, _, bad) = encoding_rs::GB18030.decode(bytes);
            if bad {
                return Err(Error::data(
                    Location {
                        file: path.display().to_string(),
                        ..Default::default()
                    },
                    "not valid utf-8 or gbk text",
                ));
            }
            Ok(text.into_owned())
        }
    }
}

impl Hierarchy {
    /// Read and check a hierarchy file.
    ///
    /// # Errors
    /// [`Error::Io`]; [`Error::Data`] as listed in the module documentation.
    pub fn read(path: &Path) -> Result<Hierarchy> {
        Self::parse(&path.display().to_string(), &read_text(path)?)
    }

    /// Check hierarchy text (`file` names it in messages).
    ///
    /// # Errors
    /// [`Error::Data`] as listed in the module documentation.
    pub fn parse(file: &str, text: &str) -> Result<Hierarchy> {
        let t = Table::parse(file, text)?;
        let what = "the hierarchy file";
        let (cc, ci, cs, cw) = (
            t.column("company", what)?,
            t.column("industry", what)?,
            t.column("sector", what)?,
            t.column("weight", what)?,
        );
        let mut entries: Vec<HierarchyEntry> = Vec::with_capacity(t.records.len());
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut industry_sector: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for (row, rec) in &t.records {
            let company = t.text(*row, rec, cc)?;
            let industry = t.text(*row, rec, ci)?;
            let sector = t.text(*row, rec, cs)?;
            let weight = t.weight(*row, rec, cw)?;
            if let Some(first) = seen.get(&company) {
                return Err(Error::data(
                    t.loc(*row, &t.header[cc], &company),
                    format!("the company is listed twice (first in row {first})"),
                ));
            }
            seen.insert(company.clone(), *row);
            match industry_sector.get(&industry) {
                Some((s, first)) if *s != sector => {
                    return Err(Error::data(
                        t.loc(*row, &t.header[cs], &sector),
                        format!(
                            "industry '{}' is in sector '{}' in row {first}; an industry belongs to one sector",
                            short(&industry),
                            short(s)
                        ),
                    ))
                }
                Some(_) => {}
                None => {
                    industry_sector.insert(industry.clone(), (sector.clone(), *row));
                }
            }
            entries.push(HierarchyEntry {
                company,
                industry,
                sector,
                weight,
                row: *row,
            });
        }
        if entries.is_empty() {
            return Err(Error::data(
                Location {
                    file: file.to_string(),
                    ..Default::default()
                },
                "the hierarchy file lists no company",
            ));
        }
        Ok(Hierarchy {
            file: file.to_string(),
            entries,
        })
    }

    /// The entry of a company.
    pub fn get(&self, company: &str) -> Option<&HierarchyEntry> {
        self.entries.iter().find(|e| e.company == company)
    }

    /// Industry names in text order.
    pub fn industries(&self) -> Vec<&str> {
        let s: BTreeSet<&str> = self.entries.iter().map(|e| e.industry.as_str()).collect();
        s.into_iter().collect()
    }

    /// Sector names in text order.
    pub fn sectors(&self) -> Vec<&str> {
        let s: BTreeSet<&str> = self.entries.iter().map(|e| e.sector.as_str()).collect();
        s.into_iter().collect()
    }

    /// The sector of an industry.
    pub fn sector_of(&self, industry: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.industry == industry)
            .map(|e| e.sector.as_str())
    }

    /// Every company of the data must be in the hierarchy and every company of the
    /// hierarchy in the data. `data` lists each company of the data with the first row
    /// where it appears; `data_file` and `column` name them in messages.
    ///
    /// # Errors
    /// [`Error::Data`] naming the data file, row, column and company for a company
    /// missing from the hierarchy; naming the hierarchy file, row, column `company`
    /// and value for a company without respondents.
    pub fn check_companies(
        &self,
        data: &[(String, usize)],
        data_file: &str,
        column: &str,
    ) -> Result<()> {
        let known: BTreeSet<&str> = self.entries.iter().map(|e| e.company.as_str()).collect();
        if let Some((c, row)) = data.iter().find(|(c, _)| !known.contains(c.as_str())) {
            return Err(Error::data(
                Location {
                    file: data_file.to_string(),
                    row: Some(*row),
                    column: Some(column.to_string()),
                    value: Some(short(c)),
                },
                format!("the company is not in the hierarchy file {}", self.file),
            ));
        }
        let present: BTreeSet<&str> = data.iter().map(|(c, _)| c.as_str()).collect();
        if let Some(e) = self
            .entries
            .iter()
            .find(|e| !present.contains(e.company.as_str()))
        {
            return Err(Error::data(
                Location {
                    file: self.file.clone(),
                    row: Some(e.row),
                    column: Some("company".into()),
                    value: Some(short(&e.company)),
                },
                format!("the company has no respondent in {data_file} (column '{column}')"),
            ));
        }
        Ok(())
    }
}

impl SectorWeights {
    /// Read and check a sector-weights file.
    ///
    /// # Errors
    /// [`Error::Io`]; [`Error::Data`] as listed in the module documentation.
    pub fn read(path: &Path) -> Result<SectorWeights> {
        Self::parse(&path.display().to_string(), &read_text(path)?)
    }

    /// Check sector-weights text.
    ///
    /// # Errors
    /// [`Error::Data`] as listed in the module documentation.
    pub fn parse(file: &str, text: &str) -> Result<SectorWeights> {
        let t = Table::parse(file, text)?;
        let what = "the sector-weights file";
        let (cs, cw) = (t.column("sector", what)?, t.column("weight", what)?);
        let mut entries: Vec<(String, f64, usize)> = Vec::new();
        for (row, rec) in &t.records {
            let sector = t.text(*row, rec, cs)?;
            let weight = t.weight(*row, rec, cw)?;
            if let Some((_, _, first)) = entries.iter().find(|(s, _, _)| *s == sector) {
                return Err(Error::data(
                    t.loc(*row, &t.header[cs], &sector),
                    format!("the sector is listed twice (first in row {first})"),
                ));
            }
            entries.push((sector, weight, *row));
        }
        Ok(SectorWeights {
            file: file.to_string(),
            entries,
        })
    }

    /// The weight of a sector.
    pub fn get(&self, sector: &str) -> Option<f64> {
        self.entries
            .iter()
            .find(|(s, _, _)| s == sector)
            .map(|(_, w, _)| *w)
    }

    /// Every sector of the hierarchy needs a weight, and every weighted sector a
    /// company.
    ///
    /// # Errors
    /// [`Error::Data`] naming the hierarchy's first row of a sector without a weight
    /// (column `sector`), or the sector-weights row of a sector without a company.
    pub fn check(&self, h: &Hierarchy) -> Result<()> {
        for e in &h.entries {
            if self.get(&e.sector).is_none() {
                return Err(Error::data(
                    Location {
                        file: h.file.clone(),
                        row: Some(e.row),
                        column: Some("sector".into()),
                        value: Some(short(&e.sector)),
                    },
                    format!("the sector has no weight in {}", self.file),
                ));
            }
        }
        for (s, _, row) in &self.entries {
            if !h.entries.iter().any(|e| e.sector == *s) {
                return Err(Error::data(
                    Location {
                        file: self.file.clone(),
                        row: Some(*row),
                        column: Some("sector".into()),
                        value: Some(short(s)),
                    },
                    format!("no company of {} is in this sector", h.file),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_bom_semicolons_and_rows() {
        let h = Hierarchy::parse(
            "h.csv",
            "\u{feff}Company;Industry;Sector;Weight\r\n\"海鸥, 航空\";航空;交通;1.5\r\n\r\n\"B \"\"x\"\"\";航空;交通;2\r\n",
        )
        .unwrap();
        assert_eq!(h.entries[0].company, "海鸥, 航空");
        assert_eq!(h.entries[1].company, "B \"x\"");
        // the blank line still counts as a spreadsheet row
        assert_eq!(h.entries[1].row, 4);
    }

    #[test]
    fn bad_weights_and_duplicates_name_the_cell() {
        let head = "company,industry,sector,weight\n";
        for (body, want) in [
            ("A,i,s,0\n", "h.csv: row 2, column 'weight', value '0'"),
            ("A,i,s,-3\n", "h.csv: row 2, column 'weight', value '-3'"),
            ("A,i,s,\n", "h.csv: row 2, column 'weight', value ''"),
            ("A,i,s,abc\n", "h.csv: row 2, column 'weight', value 'abc'"),
            (
                "A,i,s,1\nA,i,s,1\n",
                "h.csv: row 3, column 'company', value 'A'",
            ),
            (
                "A,i,s,1\nB,i,t,1\n",
                "h.csv: row 3, column 'sector', value 't'",
            ),
            ("A,,s,1\n", "h.csv: row 2, column 'industry', value ''"),
        ] {
            let e = Hierarchy::parse("h.csv", &format!("{head}{body}"))
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{e} should contain {want}");
        }
        let e = Hierarchy::parse("h.csv", "company,industry,weight\nA,i,1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("column 'sector'"), "{e}");
    }

    #[test]
    fn companies_must_match_both_ways() {
        let h = Hierarchy::parse(
            "h.csv",
            "company,industry,sector,weight\nA,i,s,1\nB,i,s,2\n",
        )
        .unwrap();
        let e = h
            .check_companies(&[("A".into(), 2), ("C".into(), 7)], "d.csv", "firm")
            .unwrap_err()
            .to_string();
        assert!(e.contains("d.csv: row 7, column 'firm', value 'C'"), "{e}");
        let e = h
            .check_companies(&[("A".into(), 2)], "d.csv", "firm")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("h.csv: row 3, column 'company', value 'B'"),
            "{e}"
        );
        assert!(h
            .check_companies(&[("B".into(), 2), ("A".into(), 3)], "d.csv", "firm")
            .is_ok());
    }
}
