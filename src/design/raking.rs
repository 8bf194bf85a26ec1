//! Raking: respondent weights adjusted to known population margins (`csi weights`).
//!
//! Iterative proportional fitting (Deming & Stephan 1940): starting from base weights
//! (1, or design weights), each margin in turn multiplies the weights of every
//! category `k` by `target_k / share_k`, where `share_k` is the category's current
//! weighted share; the cycle repeats until every weighted share is within
//! [`RakeOptions::tolerance`] of its target. The weights are reported with mean 1
//! (sum = n).
//!
//! * **Trimming** ([`RakeOptions::trim`] `= (lo, hi)`, multiples of the mean weight):
//!   after each cycle the weights are clamped to `[lo, hi]` and raking continues, so the
//!   result satisfies the bounds and the margins as closely as the bounds allow
//!   (Izrael, Hoaglin & Battaglia 2000; the "trimmed raking" of anesrake and of the
//!   ANES weighting reports). The largest remaining margin error is always reported.
//! * **Design effect** of the weights (Kish 1965): `deff = n Σw² / (Σw)² = 1 + cv²`,
//!   and the effective sample size `n / deff`.
//!
//! # Margins file
//! ```toml
//! [margin.gender]   # a column of the data
//! "男" = 0.51        # category (cell text) = population share
//! "女" = 0.49
//! ```
//! Every category in the data must have a share and every share a category in the
//! data; the shares of a column must sum to 1 (within 1e-6); otherwise the error names
//! the column and the category.
//!
//! # Example
//! ```
//! use csi::design::raking::{rake, Margins, RakeOptions};
//! use csi::design::table::Table;
//! let t = Table::parse("s.csv", "g,a\nm,y\nm,o\nm,o\nf,y\nf,o\n", None)?;
//! let m = Margins::parse("[margin.g]\nm = 0.5\nf = 0.5\n[margin.a]\ny = 0.5\no = 0.5\n", "m.toml")?;
//! let r = rake(&t, &m, None, &RakeOptions::default())?;
//! assert!(r.converged);
//! assert!(r.max_error < 1e-9);
//! // the two women carry half the weight
//! let women = r.weights[3] + r.weights[4];
//! assert!((women / r.weights.iter().sum::<f64>() - 0.5).abs() < 1e-9);
//! # Ok::<(), csi::Error>(())
//! ```

use super::table::Table;
use super::weights;
use crate::error::{Error, Location, Result};
use std::collections::HashMap;
use std::path::Path;

/// Shares of each category of one column must sum to 1 within this.
pub const SUM_TOLERANCE: f64 = 1e-6;

/// One column's population shares.
#[derive(Debug, Clone, PartialEq)]
pub struct Margin {
    /// The data column.
    pub column: String,
    /// Categories (cell text) and their shares (sorted by category).
    pub categories: Vec<(String, f64)>,
}

/// The population margins of a `MARGINS.toml` file.
#[derive(Debug, Clone, PartialEq)]
pub struct Margins {
    /// The file, for messages.
    pub file: String,
    /// One entry per `[margin.COLUMN]` table (sorted by column).
    pub margins: Vec<Margin>,
}

impl Margins {
    /// Read a margins file.
    ///
    /// # Errors
    /// [`Error::Io`]; [`Error::Model`]-style errors of [`Margins::parse`].
    pub fn read(path: &Path) -> Result<Margins> {
        let bytes = crate::input::read_file(path, crate::input::MAX_MODEL_BYTES, "margins")?;
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::data(
                Location {
                    file: path.display().to_string(),
                    ..Default::default()
                },
                format!(
                    "the margins file is not UTF-8 text (byte {} is not valid)",
                    e.utf8_error().valid_up_to() + 1
                ),
            )
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parse the TOML text of a margins file.
    ///
    /// # Errors
    /// [`Error::Data`] naming the file, the column and the category for: a share that
    /// is not a number in (0, 1], shares that do not sum to 1, no `[margin.X]` table, or
    /// a key other than `margin`.
    pub fn parse(text: &str, file: &str) -> Result<Margins> {
        let err = |column: Option<&str>, category: Option<&str>, msg: String| {
            margin_error(file, column, category, msg)
        };
        let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let msg = e.message().to_string();
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            Error::model(file, line, None, msg)
        })?;
        for k in doc.keys() {
            if k != "margin" {
                return Err(err(
                    None,
                    None,
                    format!("unknown key '{k}'; a margins file has [margin.COLUMN] tables"),
                ));
            }
        }
        let Some(tables) = doc.get("margin").and_then(|m| m.as_table()) else {
            return Err(err(
                None,
                None,
                "no [margin.COLUMN] table; e.g. [margin.gender] with \"男\" = 0.51".into(),
            ));
        };
        let mut margins = Vec::new();
        for (col, v) in tables {
            let categories = parse_margin(file, col, v)?;
            margins.push(Margin {
                column: col.trim().to_string(),
                categories,
            });
        }
        Ok(Margins {
            file: file.to_string(),
            margins,
        })
    }
}

/// An error in a margins file, naming the column and the category.
fn margin_error(file: &str, column: Option<&str>, category: Option<&str>, msg: String) -> Error {
    Error::data(
        Location {
            file: file.to_string(),
            row: None,
            column: column.map(str::to_string),
            value: category.map(str::to_string),
        },
        msg,
    )
}

/// The categories and shares of one `[margin.COLUMN]` table (shares in (0, 1],
/// summing to 1).
fn parse_margin(file: &str, col: &str, v: &toml::Value) -> Result<Vec<(String, f64)>> {
    let err = |column: Option<&str>, category: Option<&str>, msg: String| {
        margin_error(file, column, category, msg)
    };
    let Some(cats) = v.as_table() else {
        return Err(err(
            Some(col),
            None,
            "expected a table of category = share".into(),
        ));
    };
    if cats.is_empty() {
        return Err(err(Some(col), None, "no categories".into()));
    }
    let mut categories = Vec::new();
    for (cat, share) in cats {
        let s = match share {
            toml::Value::Float(f) => *f,
            toml::Value::Integer(i) => *i as f64,
            _ => {
                return Err(err(
                    Some(col),
                    Some(cat),
                    "the share must be a number".into(),
                ))
            }
        };
        if !(s > 0.0 && s <= 1.0) {
            return Err(err(
                Some(col),
                Some(cat),
                format!("the share must be between 0 and 1 (above 0), got {s}"),
            ));
        }
        categories.push((cat.trim().to_string(), s));
    }
    let sum: f64 = categories.iter().map(|c| c.1).sum();
    if (sum - 1.0).abs() > SUM_TOLERANCE {
        return Err(err(
            Some(col),
            None,
            format!(
                "the shares of the {} categories sum to {sum}, not 1",
                categories.len()
            ),
        ));
    }
    Ok(categories)
}

/// Raking settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RakeOptions {
    /// Largest number of cycles over the margins (default 1000).
    pub max_iter: usize,
    /// Stop when every weighted share is within this of its target (default 1e-10).
    pub tolerance: f64,
    /// Bounds on the weights as multiples of the mean weight, e.g. `(0.3, 3.0)`.
    pub trim: Option<(f64, f64)>,
}

impl Default for RakeOptions {
    fn default() -> Self {
        RakeOptions {
            max_iter: 1000,
            tolerance: 1e-10,
            trim: None,
        }
    }
}

impl RakeOptions {
    /// Check the settings.
    ///
    /// # Errors
    /// [`Error::Setting`] for trim bounds that are not `0 <= lo <= 1 <= hi`, a
    /// tolerance that is not positive, or no iterations.
    pub fn check(&self) -> Result<()> {
        if let Some((lo, hi)) = self.trim {
            if !((0.0..=1.0).contains(&lo) && hi >= 1.0 && hi.is_finite()) {
                return Err(Error::setting(
                    "--trim",
                    format!("expected MIN,MAX with 0 <= MIN <= 1 <= MAX (multiples of the mean weight), got {lo},{hi}"),
                ));
            }
        }
        if !(self.tolerance > 0.0) {
            return Err(Error::setting("tolerance", "must be > 0"));
        }
        if self.max_iter == 0 {
            return Err(Error::setting("--max-iter", "must be at least 1"));
        }
        Ok(())
    }
}

/// Target and achieved share of one category.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CategoryFit {
    /// Category (cell text).
    pub category: String,
    /// Respondents in it.
    pub n: usize,
    /// Unweighted share in the data.
    pub sample: f64,
    /// Population share (target).
    pub target: f64,
    /// Weighted share after raking.
    pub weighted: f64,
}

/// One margin after raking.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MarginFit {
    /// The column.
    pub column: String,
    /// Its categories.
    pub categories: Vec<CategoryFit>,
}

/// The raked weights and how well they fit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RakeResult {
    /// One weight per respondent (mean 1; close to 1 when trimmed).
    pub weights: Vec<f64>,
    /// Cycles over the margins.
    pub iterations: usize,
    /// Whether every margin was reached within the tolerance (and the trim bounds hold).
    pub converged: bool,
    /// Largest |weighted share - target| over every category.
    pub max_error: f64,
    /// Where the largest error is: column and category.
    pub max_error_at: (String, String),
    /// Smallest weight.
    pub min_weight: f64,
    /// Largest weight.
    pub max_weight: f64,
    /// Kish's design effect of the weights, `n Σw² / (Σw)²`.
    pub design_effect: f64,
    /// Kish's effective sample size, `(Σw)² / Σw²`.
    pub n_effective: f64,
    /// Weights clamped by the trim bounds at the end.
    pub trimmed: usize,
    /// The margins, target against achieved.
    pub margins: Vec<MarginFit>,
}

/// Rake the respondents of `table` to `margins`, starting from `base` weights (design
/// weights; default 1).
///
/// # Errors
/// [`Error::Data`] naming the file, row and column of an empty category cell; the
/// column and category of a category in the data without a share or a share without a
/// category in the data (naming the margins file); a margin column absent from the
/// data; base weights that are not finite, >= 0 and not all zero; invalid options.
pub fn rake(
    table: &Table,
    margins: &Margins,
    base: Option<&[f64]>,
    opts: &RakeOptions,
) -> Result<RakeResult> {
    opts.check()?;
    let n = table.n();
    if n == 0 {
        return Err(Error::data(
            Location {
                file: table.file.clone(),
                ..Default::default()
            },
            "no respondents to weight",
        ));
    }
    // category index of every respondent, per margin
    let mut codes: Vec<Vec<usize>> = Vec::with_capacity(margins.margins.len());
    let mut counts: Vec<Vec<usize>> = Vec::new();
    for m in &margins.margins {
        let (code, cnt) = code_margin(table, margins, m)?;
        codes.push(code);
        counts.push(cnt);
    }
    let coded = Coded {
        margins,
        codes,
        counts,
    };
    let mut w = start_weights(table, base)?;
    let (iterations, converged, mut trimmed) = iterate(&coded, &mut w, opts);
    if let Some((lo, hi)) = opts.trim {
        trimmed = w
            .iter()
            .filter(|&&v| (v - lo).abs() < 1e-12 || (v - hi).abs() < 1e-12)
            .count();
    }
    let (e, em, ek) = coded.max_err(&w);
    let margins_fit = coded.fit(&w);
    let n_eff = weights::n_effective(&w);
    Ok(RakeResult {
        iterations,
        converged,
        max_error: e,
        max_error_at: (
            margins.margins[em].column.clone(),
            margins.margins[em].categories[ek].0.clone(),
        ),
        min_weight: w.iter().copied().fold(f64::INFINITY, f64::min),
        max_weight: w.iter().copied().fold(0.0, f64::max),
        design_effect: n as f64 / n_eff,
        n_effective: n_eff,
        trimmed,
        margins: margins_fit,
        weights: w,
    })
}

/// The margins with every respondent's category per margin.
struct Coded<'a> {
    margins: &'a Margins,
    /// Category index of every respondent, per margin.
    codes: Vec<Vec<usize>>,
    /// Respondents per category, per margin.
    counts: Vec<Vec<usize>>,
}

impl Coded<'_> {
    /// The weighted shares of margin `m`'s categories.
    fn shares(&self, w: &[f64], m: usize) -> Vec<f64> {
        let k = self.margins.margins[m].categories.len();
        let mut t = vec![0.0; k];
        for (i, &c) in self.codes[m].iter().enumerate() {
            t[c] += w[i];
        }
        let s: f64 = t.iter().sum();
        t.iter_mut().for_each(|v| *v /= s);
        t
    }

    /// The largest |weighted share - target| and where it is (margin, category).
    fn max_err(&self, w: &[f64]) -> (f64, usize, usize) {
        let mut best = (0.0, 0, 0);
        for m in 0..self.margins.margins.len() {
            for (k, s) in self.shares(w, m).iter().enumerate() {
                let e = (s - self.margins.margins[m].categories[k].1).abs();
                if !(e <= best.0) {
                    best = (e, m, k);
                }
            }
        }
        best
    }

    /// Every margin, target against achieved.
    fn fit(&self, w: &[f64]) -> Vec<MarginFit> {
        let n = w.len();
        let counts = &self.counts;
        self.margins
            .margins
            .iter()
            .enumerate()
            .map(|(m, margin)| {
                let sh = self.shares(w, m);
                MarginFit {
                    column: margin.column.clone(),
                    categories: margin
                        .categories
                        .iter()
                        .enumerate()
                        .map(|(k, (name, t))| CategoryFit {
                            category: name.clone(),
                            n: counts[m][k],
                            sample: counts[m][k] as f64 / n as f64,
                            target: *t,
                            weighted: sh[k],
                        })
                        .collect(),
                }
            })
            .collect()
    }
}

/// The category of every respondent in margin `m` and the respondents per category.
fn code_margin(table: &Table, margins: &Margins, m: &Margin) -> Result<(Vec<usize>, Vec<usize>)> {
    let n = table.n();
    let c = table.column(&m.column).ok_or_else(|| {
        Error::data(
            Location {
                file: table.file.clone(),
                column: Some(m.column.clone()),
                ..Default::default()
            },
            format!(
                "the column of [margin.{}] in {} is not in the data",
                m.column, margins.file
            ),
        )
    })?;
    let index: HashMap<&str, usize> = m
        .categories
        .iter()
        .enumerate()
        .map(|(k, (name, _))| (name.as_str(), k))
        .collect();
    let mut code = Vec::with_capacity(n);
    let mut cnt = vec![0usize; m.categories.len()];
    for i in 0..n {
        let cell = table.cell(i, c);
        if cell.is_empty() {
            return Err(Error::data(
                Location {
                    file: table.file.clone(),
                    row: Some(table.rows[i]),
                    column: Some(m.column.clone()),
                    value: None,
                },
                "empty cell: every respondent needs a category to be weighted",
            ));
        }
        match index.get(cell) {
            Some(&k) => {
                code.push(k);
                cnt[k] += 1;
            }
            None => {
                return Err(Error::data(
                    Location {
                        file: table.file.clone(),
                        row: Some(table.rows[i]),
                        column: Some(m.column.clone()),
                        value: Some(cell.to_string()),
                    },
                    format!(
                        "the category is in the data but has no share in {} [margin.{}]",
                        margins.file, m.column
                    ),
                ))
            }
        }
    }
    if let Some(k) = cnt.iter().position(|&c| c == 0) {
        return Err(Error::data(
            Location {
                file: margins.file.clone(),
                column: Some(m.column.clone()),
                value: Some(m.categories[k].0.clone()),
                ..Default::default()
            },
            format!(
                "the category has a share but no respondent in {}",
                table.file
            ),
        ));
    }
    Ok((code, cnt))
}

/// The starting weights: the base weights (checked, normalised) or 1.
fn start_weights(table: &Table, base: Option<&[f64]>) -> Result<Vec<f64>> {
    let n = table.n();
    Ok(match base {
        Some(b) => {
            if b.len() != n {
                return Err(Error::setting(
                    "base weights",
                    format!("{} weights for {n} respondents", b.len()),
                ));
            }
            weights::check(b, &table.file, &table.rows, Some("base weight"))?;
            weights::normalized(b)
        }
        None => vec![1.0; n],
    })
}

/// Raking cycles until every margin is within the tolerance (and the weights within
/// the trim bounds) or `max_iter`: (iterations, converged, trimmed).
fn iterate(coded: &Coded, w: &mut Vec<f64>, opts: &RakeOptions) -> (usize, bool, usize) {
    let margins = coded.margins;
    let mut iterations = 0;
    let mut converged = false;
    let mut trimmed = 0;
    while iterations < opts.max_iter {
        iterations += 1;
        for (m, margin) in margins.margins.iter().enumerate() {
            let sh = coded.shares(w, m);
            let f: Vec<f64> = margin
                .categories
                .iter()
                .zip(&sh)
                .map(|((_, t), s)| if *s > 0.0 { t / s } else { 1.0 })
                .collect();
            for (i, &c) in coded.codes[m].iter().enumerate() {
                w[i] *= f[c];
            }
        }
        *w = weights::normalized(w);
        if let Some((lo, hi)) = opts.trim {
            trimmed = 0;
            for v in w.iter_mut() {
                if *v < lo || *v > hi {
                    *v = v.clamp(lo, hi);
                    trimmed += 1;
                }
            }
            // after a renormalisation the bounds may be off by a little; the margins
            // decide convergence, the bounds are re-applied every cycle
        }
        let (e, _, _) = coded.max_err(w);
        let in_bounds = match opts.trim {
            Some((lo, hi)) => {
                let tol = 1e-9;
                w.iter().all(|&v| v >= lo - tol && v <= hi + tol)
            }
            None => true,
        };
        if e < opts.tolerance && in_bounds {
            converged = true;
            break;
        }
        if !e.is_finite() {
            break;
        }
    }
    (iterations, converged, trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        let mut s = String::from("g,a\n");
        for i in 0..40 {
            let g = if i % 3 == 0 { "f" } else { "m" };
            let a = ["y", "m", "o"][i % 5 % 3];
            s.push_str(&format!("{g},{a}\n"));
        }
        Table::parse("t.csv", &s, None).unwrap()
    }

    #[test]
    fn margins_errors_name_column_and_category() {
        let e = Margins::parse("[margin.g]\nm = 0.5\nf = 0.4\n", "m.toml").unwrap_err();
        assert!(
            e.to_string().contains("column 'g'") && e.to_string().contains("sum to 0.9"),
            "{e}"
        );
        let m = Margins::parse("[margin.g]\nm = 0.5\nx = 0.5\n", "m.toml").unwrap();
        let e = rake(&table(), &m, None, &RakeOptions::default()).unwrap_err();
        // 'f' is in the data, not in the margins (its first row is row 2)
        assert!(
            e.to_string().contains("row 2, column 'g', value 'f'"),
            "{e}"
        );
        let m = Margins::parse("[margin.g]\nm = 0.3\nf = 0.3\nx = 0.4\n", "m.toml").unwrap();
        let e = rake(&table(), &m, None, &RakeOptions::default()).unwrap_err();
        assert!(
            e.to_string().starts_with("m.toml, column 'g', value 'x'"),
            "{e}"
        );
    }

    #[test]
    fn trimming_bounds_the_weights() {
        let m = Margins::parse(
            "[margin.g]\nm = 0.2\nf = 0.8\n[margin.a]\ny = 0.6\nm = 0.2\no = 0.2\n",
            "m.toml",
        )
        .unwrap();
        let free = rake(&table(), &m, None, &RakeOptions::default()).unwrap();
        assert!(free.converged && free.max_weight > 2.0);
        let o = RakeOptions {
            trim: Some((0.5, 2.0)),
            ..Default::default()
        };
        let t = rake(&table(), &m, None, &o).unwrap();
        assert!(t.max_weight <= 2.0 + 1e-9 && t.min_weight >= 0.5 - 1e-9);
        assert!(t.design_effect < free.design_effect);
        assert!(t.trimmed > 0);
    }
}
