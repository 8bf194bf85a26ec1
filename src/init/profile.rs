//! Reading a data file into a [`DataProfile`]: per column the numbers and texts seen,
//! their range, and (SPSS) labels and user-missing values.

use super::{ColumnProfile, DataProfile};
use crate::data::ingest::read_columns;
use crate::data::sav::{read_sav, SavKind, SavValues};
use crate::data::IngestOptions;
use crate::error::Result;
use std::collections::BTreeMap;
use std::path::Path;

/// At most this many distinct texts / numbers are kept per column.
const MAX_DISTINCT: usize = 60;

#[derive(Default)]
pub(super) struct Acc {
    numbers: BTreeMap<u64, (f64, usize)>,
    texts: BTreeMap<String, usize>,
    p: ColumnProfile,
}

impl Acc {
    pub(super) fn new(name: &str) -> Acc {
        Acc {
            p: ColumnProfile {
                name: name.to_string(),
                integers: true,
                ..Default::default()
            },
            ..Default::default()
        }
    }
    fn number(&mut self, v: f64) {
        self.p.n_numbers += 1;
        if v.fract() != 0.0 {
            self.p.integers = false;
        }
        self.p.range = Some(match self.p.range {
            None => (v, v),
            Some((a, b)) => (a.min(v), b.max(v)),
        });
        let key = (v + 0.0).to_bits();
        if let Some(e) = self.numbers.get_mut(&key) {
            e.1 += 1;
        } else if self.numbers.len() < MAX_DISTINCT {
            self.numbers.insert(key, (v, 1));
        } else {
            self.p.many_numbers = true;
        }
    }
    fn text(&mut self, t: &str) {
        self.p.n_texts += 1;
        if let Some(c) = self.texts.get_mut(t) {
            *c += 1;
        } else if self.texts.len() < MAX_DISTINCT {
            self.texts.insert(t.to_string(), 1);
        }
    }
    pub(super) fn cell(&mut self, cell: Option<&str>) {
        let t = cell.map(str::trim).unwrap_or("");
        if t.is_empty() {
            self.p.n_empty += 1;
            return;
        }
        match plain_number(t) {
            Some(v) => self.number(v),
            None => self.text(t),
        }
    }
    pub(super) fn finish(mut self) -> ColumnProfile {
        let mut nums: Vec<(f64, usize)> = self.numbers.into_values().collect();
        nums.sort_by(|a, b| a.0.total_cmp(&b.0));
        self.p.numbers = nums;
        let mut texts: Vec<(String, usize)> = self.texts.into_iter().collect();
        texts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        self.p.texts = texts;
        self.p
    }
}

/// A finite decimal number (`7`, `-1.5`, `1e2`); `inf`, `NaN` and words are not.
fn plain_number(s: &str) -> Option<f64> {
    if !s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
    {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Summarise columns given as text (header and one vector of cells per column).
pub fn profile_columns(
    file: &str,
    header: &[String],
    columns: &[Vec<Option<String>>],
) -> DataProfile {
    let n_rows = columns.first().map(Vec::len).unwrap_or(0);
    let cols = header
        .iter()
        .zip(columns)
        .map(|(h, cells)| {
            let mut a = Acc::new(h);
            for c in cells {
                a.cell(c.as_deref());
            }
            a.finish()
        })
        .collect();
    DataProfile {
        file: file.to_string(),
        n_rows,
        columns: cols,
        spss: false,
    }
}

/// Read and summarise every column of a data file (any format the ingester reads;
/// SPSS files with their labels and user-missing values).
///
/// # Errors
/// [`Error::Io`] / [`Error::Data`] when the file cannot be read (as for `csi validate`).
pub fn profile_data(path: &Path, opts: &IngestOptions) -> Result<DataProfile> {
    let file = path.display().to_string();
    if crate::data::sav::is_sav_path(path) {
        let data = read_sav(path)?;
        let columns = data
            .dictionary
            .variables
            .iter()
            .zip(&data.columns)
            .map(|(v, col)| {
                let mut a = Acc::new(&v.name);
                match col {
                    SavValues::Numeric(x) => {
                        for x in x {
                            match x {
                                None => a.p.n_empty += 1,
                                Some(x) if v.is_user_missing(*x) => a.p.n_user_missing += 1,
                                Some(x) => a.number(*x),
                            }
                        }
                    }
                    SavValues::Text(x) => {
                        for t in x {
                            a.cell(t.as_deref());
                        }
                    }
                }
                a.p.label = v.label.clone();
                a.p.value_labels = v.value_labels.clone();
                a.p.user_missing = v.missing.clone();
                a.p.spss_text = v.kind != SavKind::Numeric;
                a.finish()
            })
            .collect();
        return Ok(DataProfile {
            file,
            n_rows: data.n_cases,
            columns,
            spss: true,
        });
    }
    let (header, cols) = read_columns(path, opts)?;
    Ok(profile_columns(&file, &header, &cols))
}
