//! Moments files (`csi moments`, `--moments FILE`): the sufficient statistics of a
//! survey, pooled and per group (e.g. company and wave), as JSON or Parquet, and the
//! estimation inputs they give.
//!
//! A moments file is the interface for data that stay where they are (a warehouse, a
//! distributed engine): the same sums can be computed there by SQL (the README shows
//! the DuckDB query) and fitted here with `csi fit --moments FILE`. The sums are raw
//! (about 0, [`SufficientStats::recentered`]), matrices row-major p x p in the order of
//! `items`; answers are after the model's missing codes and reverse-coding.
//!
//! JSON: `{"schema": "csi-moments/v1", "model", "items", "reverse", "weight_column",
//! "by", "pooled": {sums}, "groups": [{"key": {column: value}, "sums": {sums}}],
//! "ungrouped"}`, the sums named as the fields of [`SufficientStats`].
//!
//! Parquet: one row per group and item pair (`j`, `k`), the group columns first (empty
//! for the pooled rows, flagged by `pooled`), then every sum: the p x p sums at
//! `(j, k)`, the per-item sums of item `j`, and the scalars repeated.
//!
//! # Example
//! ```
//! use csi::moments_file::MomentsFile;
//! use csi::moments_stream::SufficientStats;
//! use csi::data::MissingPolicy;
//! use csi::spec::{ConstructSpec, Model};
//! let model = Model::from_parts("toy",
//!     vec![ConstructSpec::new("A", &["a"]), ConstructSpec::new("B", &["b"])], &[("A", "B")])?;
//! let mut s = SufficientStats::new(vec!["a".into(), "b".into()], vec![0.0, 0.0], false);
//! let rows: Vec<f64> = (0..24).map(|i| ((i * 7) % 5) as f64 + (i % 2) as f64).collect();
//! s.fold(&rows, None);
//! let f = MomentsFile::new(&model, s, None);
//! let dir = tempfile::tempdir().map_err(|e| csi::Error::io("tempdir", e))?;
//! let path = dir.path().join("m.json");
//! f.write(&path)?;
//! let back = MomentsFile::read(&path)?;
//! let (_, report, m) = back.prepare(&model, &path.display().to_string(), MissingPolicy::Mean)?;
//! assert_eq!(m.n, 12);
//! assert_eq!(report.n_read, 12);
//! # Ok::<(), csi::Error>(())
//! ```

use crate::data::{Complete, MissingPolicy, MissingReport};
use crate::error::{Error, Location, Result};
use crate::moments::Moments;
use crate::moments_stream::SufficientStats;
use crate::spec::Model;
use nalgebra::DMatrix;
use std::collections::BTreeMap;
use std::path::Path;

/// The JSON schema name.
pub const SCHEMA: &str = "csi-moments/v1";

/// The sums of one group.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GroupSums {
    /// The group's value in each `by` column.
    pub key: BTreeMap<String, String>,
    /// Its sums.
    pub sums: SufficientStats,
}

/// A moments file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MomentsFile {
    /// `csi-moments/v1`.
    pub schema: String,
    /// The model's name.
    pub model: String,
    /// Item names (the order of every vector and matrix).
    pub items: Vec<String>,
    /// Reverse-coded items (already flipped in the sums).
    pub reverse: Vec<String>,
    /// The column of sampling weights, when the sums are weighted.
    pub weight_column: Option<String>,
    /// Group columns (empty: pooled sums only).
    pub by: Vec<String>,
    /// The sums over every row.
    pub pooled: SufficientStats,
    /// The sums per group.
    pub groups: Vec<GroupSums>,
    /// Rows with an empty group cell (in no group).
    pub ungrouped: usize,
}

impl MomentsFile {
    /// A file of pooled sums (stored about 0).
    pub fn new(
        model: &Model,
        pooled: SufficientStats,
        weight_column: Option<String>,
    ) -> MomentsFile {
        let p = pooled.p();
        MomentsFile {
            schema: SCHEMA.into(),
            model: model.name.clone(),
            items: pooled.items.clone(),
            reverse: model
                .items
                .iter()
                .filter(|i| i.reverse)
                .map(|i| i.name.clone())
                .collect(),
            weight_column,
            by: Vec::new(),
            pooled: pooled.recentered(&vec![0.0; p]),
            groups: Vec::new(),
            ungrouped: 0,
        }
    }

    /// Add per-group sums (keys in the order of `by`).
    pub fn with_groups(
        mut self,
        by: Vec<String>,
        groups: &BTreeMap<Vec<String>, SufficientStats>,
        ungrouped: usize,
    ) -> MomentsFile {
        let p = self.items.len();
        self.groups = groups
            .iter()
            .map(|(k, s)| GroupSums {
                key: by.iter().cloned().zip(k.iter().cloned()).collect(),
                sums: s.recentered(&vec![0.0; p]),
            })
            .collect();
        self.by = by;
        self.ungrouped = ungrouped;
        self
    }

    /// Write as JSON (`.json`) or Parquet (`.parquet`, `.pq`).
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written; [`Error::Setting`] for another
    /// extension.
    pub fn write(&self, path: &Path) -> Result<()> {
        match ext(path).as_deref() {
            Some("json") => {
                let text = serde_json::to_string_pretty(self)
                    .map_err(|e| Error::setting("moments", format!("cannot serialise: {e}")))?;
                std::fs::write(path, text + "\n").map_err(|e| Error::io(path, e))
            }
            Some("parquet") | Some("pq") => self.write_parquet(path),
            _ => Err(Error::setting(
                "--out",
                format!("'{}': a moments file is .json or .parquet", path.display()),
            )),
        }
    }

    /// Read a JSON or Parquet moments file.
    ///
    /// # Errors
    /// [`Error::Io`] / [`Error::Data`] naming the file when it cannot be read or is not
    /// a moments file.
    pub fn read(path: &Path) -> Result<MomentsFile> {
        let bad = |m: String| {
            Error::data(
                Location {
                    file: path.display().to_string(),
                    ..Default::default()
                },
                m,
            )
        };
        let f: MomentsFile = match ext(path).as_deref() {
            Some("parquet") | Some("pq") => read_parquet(path).map_err(bad)?,
            _ => {
                let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
                serde_json::from_str(&text)
                    .map_err(|e| bad(format!("not a csi moments file ({SCHEMA}): {e}")))?
            }
        };
        if f.schema != SCHEMA {
            return Err(bad(format!("schema '{}' is not {SCHEMA}", f.schema)));
        }
        let p = f.items.len();
        for s in std::iter::once(&f.pooled).chain(f.groups.iter().map(|g| &g.sums)) {
            if s.items != f.items
                || s.center.len() != p
                || s.observed.len() != p
                || s.complete_sum.len() != p
                || [
                    &s.pair_weight,
                    &s.pair_sum,
                    &s.pair_cross,
                    &s.complete_cross,
                ]
                .iter()
                .any(|m| m.len() != p * p)
            {
                return Err(bad(format!(
                    "the sums do not have the shape of its {p} items"
                )));
            }
        }
        Ok(f)
    }

    /// The sums of one group, by its values in the `by` columns (in that order).
    pub fn group(&self, values: &[String]) -> Option<&SufficientStats> {
        self.groups
            .iter()
            .find(|g| {
                self.by
                    .iter()
                    .zip(values)
                    .all(|(c, v)| g.key.get(c) == Some(v))
            })
            .map(|g| &g.sums)
    }

    /// Check that the file was written for this model (same items in the same order,
    /// the same reverse-coded items).
    ///
    /// # Errors
    /// [`Error::Data`] naming the file and the first disagreement.
    pub fn check_model(&self, model: &Model, file: &str) -> Result<()> {
        let at = |column: Option<String>, m: String| {
            Error::data(
                Location {
                    file: file.to_string(),
                    column,
                    ..Default::default()
                },
                m,
            )
        };
        let names: Vec<&str> = model.items.iter().map(|i| i.name.as_str()).collect();
        if names.len() != self.items.len() || names.iter().zip(&self.items).any(|(a, b)| a != b) {
            let first = names
                .iter()
                .zip(
                    self.items
                        .iter()
                        .map(String::as_str)
                        .chain(std::iter::repeat("")),
                )
                .find(|(a, b)| **a != *b)
                .map(|(a, _)| a.to_string());
            return Err(at(
                first,
                format!(
                    "the moments file's items ({}) are not the model's items ({}) in the model's order; write it again with this model",
                    self.items.join(", "),
                    names.join(", ")
                ),
            ));
        }
        for it in &model.items {
            if it.reverse != self.reverse.contains(&it.name) {
                return Err(at(
                    Some(it.name.clone()),
                    format!(
                        "the item is {}reverse-coded in the model but {}in the moments file",
                        if it.reverse { "" } else { "not " },
                        if it.reverse { "not " } else { "" }
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The pooled sums as estimation inputs, see [`prepare_stats`].
    ///
    /// # Errors
    /// As [`MomentsFile::check_model`] and [`prepare_stats`].
    pub fn prepare(
        &self,
        model: &Model,
        file: &str,
        policy: MissingPolicy,
    ) -> Result<(Complete, MissingReport, Moments)> {
        self.check_model(model, file)?;
        prepare_stats(&self.pooled, model, file, policy)
    }

    fn write_parquet(&self, path: &Path) -> Result<()> {
        use polars::prelude::{DataFrame, ParquetWriter};
        let p = self.items.len();
        let rows = (1 + self.groups.len()) * p * p;
        let mut cols = self.pair_columns();
        cols.extend(self.header_columns(rows));
        let err = |e: polars::prelude::PolarsError| {
            Error::setting("--out", format!("cannot write parquet: {e}"))
        };
        let mut df = DataFrame::new(rows, cols).map_err(err)?;
        let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
        ParquetWriter::new(file).finish(&mut df).map_err(err)?;
        Ok(())
    }

    /// The long form's sums: one row per part (the pooled sums, then each group) and
    /// item pair (j, k), with the group's key, `pooled`, `j`, `k`, the counts (u64)
    /// and the sums (f64; per-item and per-part figures repeated on each row).
    fn pair_columns(&self) -> Vec<polars::prelude::Column> {
        use polars::prelude::Column;
        let p = self.items.len();
        let parts: Vec<(Option<&GroupSums>, &SufficientStats)> =
            std::iter::once((None, &self.pooled))
                .chain(self.groups.iter().map(|g| (Some(g), &g.sums)))
                .collect();
        let rows = parts.len() * p * p;
        let mut key_cols: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(rows); self.by.len()];
        let mut pooled = Vec::with_capacity(rows);
        let mut jn = Vec::with_capacity(rows);
        let mut kn = Vec::with_capacity(rows);
        let mut f: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        let mut u: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        for (g, s) in &parts {
            for j in 0..p {
                for k in 0..p {
                    for (c, col) in self.by.iter().zip(key_cols.iter_mut()) {
                        col.push(g.and_then(|g| g.key.get(c).cloned()));
                    }
                    pooled.push(g.is_none());
                    jn.push(self.items[j].clone());
                    kn.push(self.items[k].clone());
                    for (name, v) in f64_fields(s, j, j * p + k) {
                        f.entry(name).or_default().push(v);
                    }
                    for (name, v) in u64_fields(s, j) {
                        u.entry(name).or_default().push(v);
                    }
                }
            }
        }
        let mut cols: Vec<Column> = Vec::new();
        for (c, v) in self.by.iter().zip(key_cols) {
            cols.push(Column::new(c.as_str().into(), v));
        }
        cols.push(Column::new("pooled".into(), pooled));
        cols.push(Column::new("j".into(), jn));
        cols.push(Column::new("k".into(), kn));
        for (name, v) in u {
            cols.push(Column::new(name.into(), v));
        }
        for (name, v) in f {
            cols.push(Column::new(name.into(), v));
        }
        cols
    }

    /// The header fields, repeated on every one of the `rows` rows.
    fn header_columns(&self, rows: usize) -> Vec<polars::prelude::Column> {
        use polars::prelude::Column;
        let p = self.items.len();
        let rev: Vec<bool> = (0..rows)
            .map(|r| self.reverse.contains(&self.items[(r / p) % p]))
            .collect();
        vec![
            Column::new("reverse".into(), rev),
            Column::new("model".into(), vec![self.model.clone(); rows]),
            Column::new(
                "weight_column".into(),
                vec![self.weight_column.clone(); rows],
            ),
            Column::new("weighted".into(), vec![self.pooled.weighted; rows]),
            Column::new("ungrouped".into(), vec![self.ungrouped as u64; rows]),
        ]
    }
}

/// The f64 sums of item pair (j, k) of `s` (`jk` = j p + k), by column name.
fn f64_fields(s: &SufficientStats, j: usize, jk: usize) -> [(&'static str, f64); 11] {
    [
        ("pair_weight", s.pair_weight[jk]),
        ("pair_sum", s.pair_sum[jk]),
        ("pair_cross", s.pair_cross[jk]),
        ("complete_cross", s.complete_cross[jk]),
        ("complete_sum", s.complete_sum[j]),
        ("weight", s.weight),
        ("weight_sq", s.weight_sq),
        ("complete_weight", s.complete_weight),
        ("complete_weight_sq", s.complete_weight_sq),
        ("weight_scale", s.weight_scale),
        ("center", s.center[j]),
    ]
}

/// The counts of item j of `s`, by column name.
fn u64_fields(s: &SufficientStats, j: usize) -> [(&'static str, u64); 5] {
    [
        ("n_rows", s.n_rows),
        ("observed", s.observed[j]),
        ("positive", s.positive),
        ("complete_rows", s.complete_rows),
        ("complete_positive", s.complete_positive),
    ]
}

fn ext(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
}

/// The f64 sums of the long form, by column name.
const F64_COLUMNS: [&str; 11] = [
    "pair_weight",
    "pair_sum",
    "pair_cross",
    "complete_cross",
    "complete_sum",
    "weight",
    "weight_sq",
    "complete_weight",
    "complete_weight_sq",
    "weight_scale",
    "center",
];

/// The counts of the long form, by column name.
const U64_COLUMNS: [&str; 5] = [
    "n_rows",
    "observed",
    "positive",
    "complete_rows",
    "complete_positive",
];

/// The columns of a long-form frame, read by type (a missing value as NaN, 0, none or
/// false).
struct Frame<'d>(&'d polars::prelude::DataFrame);

impl Frame<'_> {
    fn col(&self, n: &str) -> std::result::Result<&polars::prelude::Column, String> {
        self.0.column(n).map_err(|e| format!("column '{n}': {e}"))
    }

    fn f64s(&self, n: &str) -> std::result::Result<Vec<f64>, String> {
        let ca = self
            .col(n)?
            .f64()
            .map_err(|e| format!("column '{n}': {e}"))?;
        Ok(ca.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
    }

    fn u64s(&self, n: &str) -> std::result::Result<Vec<u64>, String> {
        let ca = self
            .col(n)?
            .u64()
            .map_err(|e| format!("column '{n}': {e}"))?;
        Ok(ca.iter().map(|v| v.unwrap_or(0)).collect())
    }

    fn strs(&self, n: &str) -> std::result::Result<Vec<Option<String>>, String> {
        let ca = self
            .col(n)?
            .str()
            .map_err(|e| format!("column '{n}': {e}"))?;
        Ok(ca.iter().map(|v| v.map(str::to_string)).collect())
    }

    fn bools(&self, n: &str) -> std::result::Result<Vec<bool>, String> {
        let ca = self
            .col(n)?
            .bool()
            .map_err(|e| format!("column '{n}': {e}"))?;
        Ok(ca.iter().map(|v| v.unwrap_or(false)).collect())
    }
}

/// The per-row columns of the long form.
struct LongColumns {
    pooled_flag: Vec<bool>,
    jn: Vec<Option<String>>,
    kn: Vec<Option<String>>,
    fv: BTreeMap<&'static str, Vec<f64>>,
    uv: BTreeMap<&'static str, Vec<u64>>,
}

impl LongColumns {
    /// The sums' columns of `frame`, with the pooled flags and item names read before.
    fn read(
        frame: &Frame<'_>,
        pooled_flag: Vec<bool>,
        jn: Vec<Option<String>>,
        kn: Vec<Option<String>>,
    ) -> std::result::Result<LongColumns, String> {
        Ok(LongColumns {
            pooled_flag,
            jn,
            kn,
            fv: F64_COLUMNS
                .into_iter()
                .map(|n| frame.f64s(n).map(|v| (n, v)))
                .collect::<std::result::Result<_, _>>()?,
            uv: U64_COLUMNS
                .into_iter()
                .map(|n| frame.u64s(n).map(|v| (n, v)))
                .collect::<std::result::Result<_, _>>()?,
        })
    }

    /// The items: the j column of the pooled rows, in order.
    fn items(&self) -> Vec<String> {
        let mut items: Vec<String> = Vec::new();
        for (flag, j) in self.pooled_flag.iter().zip(&self.jn) {
            if !flag {
                continue;
            }
            let j = j.clone().unwrap_or_default();
            if !items.contains(&j) {
                items.push(j);
            }
        }
        items
    }

    /// The sums of the block of p x p rows that starts at row `r0`.
    fn block_sums(
        &self,
        r0: usize,
        items: &[String],
        weighted: bool,
    ) -> std::result::Result<SufficientStats, String> {
        let (fv, uv) = (&self.fv, &self.uv);
        let p = items.len();
        let mut s = SufficientStats::new(items.to_vec(), vec![0.0; p], weighted);
        s.weight_scale = fv["weight_scale"][r0];
        s.n_rows = uv["n_rows"][r0];
        s.positive = uv["positive"][r0];
        s.complete_rows = uv["complete_rows"][r0];
        s.complete_positive = uv["complete_positive"][r0];
        s.weight = fv["weight"][r0];
        s.weight_sq = fv["weight_sq"][r0];
        s.complete_weight = fv["complete_weight"][r0];
        s.complete_weight_sq = fv["complete_weight_sq"][r0];
        for j in 0..p {
            let rj = r0 + j * p;
            if self.jn[rj].as_deref() != Some(items[j].as_str()) {
                return Err(format!(
                    "row {}: item '{}' expected in column j",
                    rj + 2,
                    items[j]
                ));
            }
            s.observed[j] = uv["observed"][rj];
            s.complete_sum[j] = fv["complete_sum"][rj];
            s.center[j] = fv["center"][rj];
            for k in 0..p {
                let r = rj + k;
                if self.kn[r].as_deref() != Some(items[k].as_str()) {
                    return Err(format!(
                        "row {}: item '{}' expected in column k",
                        r + 2,
                        items[k]
                    ));
                }
                let jk = j * p + k;
                s.pair_weight[jk] = fv["pair_weight"][r];
                s.pair_sum[jk] = fv["pair_sum"][r];
                s.pair_cross[jk] = fv["pair_cross"][r];
                s.complete_cross[jk] = fv["complete_cross"][r];
            }
        }
        Ok(s)
    }
}

/// Read the long form written by [`MomentsFile::write`].
fn read_parquet(path: &Path) -> std::result::Result<MomentsFile, String> {
    use polars::prelude::{ParquetReader, SerReader};
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let df = ParquetReader::new(file)
        .finish()
        .map_err(|e| format!("not a readable parquet file: {e}"))?;
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let at = names
        .iter()
        .position(|n| n == "pooled")
        .ok_or("not a csi moments file (no 'pooled' column)")?;
    let by: Vec<String> = names[..at].to_vec();
    let frame = Frame(&df);
    let pooled_flag = frame.bools("pooled")?;
    let (jn, kn) = (frame.strs("j")?, frame.strs("k")?);
    let keys: Vec<Vec<Option<String>>> = by
        .iter()
        .map(|c| frame.strs(c))
        .collect::<std::result::Result<_, _>>()?;
    let reverse_flag = frame.bools("reverse")?;
    let model = frame
        .strs("model")?
        .first()
        .cloned()
        .flatten()
        .unwrap_or_default();
    let weight_column = frame.strs("weight_column")?.first().cloned().flatten();
    let weighted = frame.bools("weighted")?.first().copied().unwrap_or(false);
    let ungrouped = frame.u64s("ungrouped")?.first().copied().unwrap_or(0) as usize;
    let long = LongColumns::read(&frame, pooled_flag, jn, kn)?;
    let items = long.items();
    let p = items.len();
    if p == 0 || df.height() % (p * p) != 0 {
        return Err("the rows are not whole p x p blocks of item pairs".into());
    }
    let reverse: Vec<String> = (0..p)
        .filter(|&j| reverse_flag.get(j * p).copied().unwrap_or(false))
        .map(|j| items[j].clone())
        .collect();
    let mut pooled: Option<SufficientStats> = None;
    let mut groups = Vec::new();
    for b in 0..df.height() / (p * p) {
        let r0 = b * p * p;
        let s = long.block_sums(r0, &items, weighted)?;
        if long.pooled_flag[r0] {
            pooled = Some(s);
        } else {
            let key = by
                .iter()
                .zip(&keys)
                .map(|(c, v)| (c.clone(), v[r0].clone().unwrap_or_default()))
                .collect();
            groups.push(GroupSums { key, sums: s });
        }
    }
    Ok(MomentsFile {
        schema: SCHEMA.into(),
        model,
        items,
        reverse,
        weight_column,
        by,
        pooled: pooled.ok_or("no pooled rows")?,
        groups,
        ungrouped,
    })
}

/// Estimation inputs from sums: the moments under `policy`, the missing-data report
/// (as [`crate::data::Survey::complete`] writes it) and a [`Complete`] that holds no
/// rows (`x` has the number of respondents used as rows and no columns, `weights` is
/// an empty vector when the sums are weighted: commands that need rows refuse sums).
///
/// # Errors
/// [`Error::Data`] naming `file`: fewer usable respondents than the model needs (the
/// message of [`crate::data::prepare::check_usable`]), missing answers under `error`,
/// an item without an answer; moment errors.
pub fn prepare_stats(
    s: &SufficientStats,
    model: &Model,
    file: &str,
    policy: MissingPolicy,
) -> Result<(Complete, MissingReport, Moments)> {
    let missing = s.missing();
    let n_read = s.n_rows as usize;
    let n_used = s.n_used(policy);
    let locate = |e: Error| match e {
        Error::Data {
            mut location,
            message,
            more,
        } => {
            location.file = file.to_string();
            Error::Data {
                location,
                message,
                more,
            }
        }
        other => other,
    };
    let moments = s.moments(policy).map_err(locate)?;
    let report = MissingReport {
        policy,
        missing: missing.clone(),
        imputed: if policy == MissingPolicy::Mean {
            missing
        } else {
            vec![0; s.p()]
        },
        removed: if policy == MissingPolicy::Listwise {
            n_read - n_used
        } else {
            0
        },
        n_read,
        n_used,
        em: None,
    };
    let data = Complete {
        x: DMatrix::zeros(n_used, 0),
        rows: Vec::new(),
        // weighted sums: an empty weight vector says so (the per-row weights are not
        // kept; Kish's n comes from the sums, `SufficientStats::n_effective`)
        weights: s.weighted.then(Vec::new),
        kept: Vec::new(),
        em: None,
        design: None,
    };
    let unweighted = Complete {
        x: DMatrix::zeros(n_used, 0),
        rows: Vec::new(),
        weights: None,
        kept: Vec::new(),
        em: None,
        design: None,
    };
    crate::data::prepare::check_usable(model, file, &unweighted, &report)?;
    if s.weighted {
        let pos = s.positive_used(policy);
        let need = crate::data::required_respondents(model);
        if pos < need {
            return Err(Error::data(
                Location {
                    file: file.to_string(),
                    ..Default::default()
                },
                format!(
                    "only {pos} of {n_used} respondents have a positive weight; the model needs at least {need}"
                ),
            ));
        }
    }
    Ok((data, report, moments))
}
