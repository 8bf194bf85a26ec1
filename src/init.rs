//! `csi init`: propose a model file from a data file, for the user to edit.
//!
//! 1. [`profile_data`] reads every column of a CSV/TSV, workbook, Parquet or SPSS file
//!    and summarises it: numbers and texts seen, their range, and (SPSS) the variable
//!    label, value labels and user-missing values.
//! 2. [`propose_model`] picks the item columns (numbered names such as `imag1`, `Q5_2`
//!    holding numbers on a rating scale), and either groups them by name stem
//!    (`imag1..imag5` -> construct `IMAG`) with guessed paths (drivers -> the
//!    satisfaction construct -> loyalty / complaints), or, with a [`Template`], maps
//!    them to the bundled model's constructs by item name, name stem and label and
//!    keeps the template's paths. It detects the answer scale (SPSS value labels, else
//!    the observed range snapped to a usual scale such as 1..5, 1..7, 1..10, 0..10) and
//!    the missing codes (SPSS user-missing values, value labels such as 「无法回答」 or
//!    "don't know", text cells in numeric columns, and codes such as 99 far above the
//!    scale). Everything it could not place is listed with the reason.
//! 3. [`proposal_to_toml`] writes the model as a commented TOML file that
//!    [`crate::spec::read_model`] reads back (the comments say where each guess came from).
//!
//! # Example
//! ```
//! use csi::init::{profile_columns, propose_model, proposal_to_toml, InitOptions};
//! use csi::spec::toml_file::parse_model_toml;
//! let mut header = vec!["id".to_string()];
//! let mut cols: Vec<Vec<Option<String>>> = vec![(1..=30).map(|i| Some(i.to_string())).collect()];
//! for stem in ["qual", "sat", "loy"] {
//!     for k in 1..=3 {
//!         header.push(format!("{stem}{k}"));
//!         cols.push((0..30).map(|i| Some(((i * 7 + k * 3) % 10 + 1).to_string())).collect());
//!     }
//! }
//! cols[4][0] = Some("无法回答".into());
//! let profile = profile_columns("survey.csv", &header, &cols);
//! let p = propose_model(&profile, &InitOptions::default())?;
//! let names: Vec<&str> = p.model.constructs.iter().map(|c| c.name.as_str()).collect();
//! assert_eq!(names, ["QUAL", "SAT", "LOY"]);
//! assert_eq!(p.model.path_names(), [("QUAL".to_string(), "SAT".to_string()), ("SAT".to_string(), "LOY".to_string())]);
//! assert_eq!(p.model.scale.map(|s| (s.min, s.max)), Some((1.0, 10.0)));
//! assert_eq!(p.model.missing_codes, ["无法回答"]);
//! assert_eq!(p.unplaced[0].column, "id");
//! let text = proposal_to_toml(&p);
//! assert_eq!(parse_model_toml(&text, "proposed.toml")?, p.model);
//! # Ok::<(), csi::Error>(())
//! ```

use crate::data::ingest::read_columns;
use crate::data::sav::{read_sav, SavKind, SavValues, UserMissing};
use crate::data::IngestOptions;
use crate::error::{Error, Location, Result};
use crate::spec::toml_file::parse_model_toml;
use crate::spec::{ConstructSpec, Model, Scale};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// At most this many distinct texts / numbers are kept per column.
const MAX_DISTINCT: usize = 60;

/// What one column holds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ColumnProfile {
    /// Column (variable) name.
    pub name: String,
    /// SPSS variable label.
    pub label: Option<String>,
    /// Cells holding a number (SPSS user-missing values excluded).
    pub n_numbers: usize,
    /// Empty cells (and SPSS system-missing values).
    pub n_empty: usize,
    /// Cells with SPSS user-missing values.
    pub n_user_missing: usize,
    /// Cells with text that is not a number.
    pub n_texts: usize,
    /// Distinct non-numeric texts with their counts (at most 60, most frequent first).
    pub texts: Vec<(String, usize)>,
    /// Distinct numbers with their counts, ascending (at most 60 kept; see `many_numbers`).
    pub numbers: Vec<(f64, usize)>,
    /// More than 60 distinct numbers were seen.
    pub many_numbers: bool,
    /// Smallest and largest number seen.
    pub range: Option<(f64, f64)>,
    /// Every number is a whole number.
    pub integers: bool,
    /// SPSS value labels of a numeric variable.
    pub value_labels: Vec<(f64, String)>,
    /// SPSS user-missing values.
    pub user_missing: Vec<UserMissing>,
    /// SPSS string or date variable (cannot be an item).
    pub spss_text: bool,
}

/// Every column of a data file, summarised.
#[derive(Debug, Clone, PartialEq)]
pub struct DataProfile {
    /// The file as given.
    pub file: String,
    /// Respondents (rows after the header, or SPSS cases).
    pub n_rows: usize,
    /// Columns in file order.
    pub columns: Vec<ColumnProfile>,
    /// The file is an SPSS file (labels were available).
    pub spss: bool,
}

#[derive(Default)]
struct Acc {
    numbers: BTreeMap<u64, (f64, usize)>,
    texts: BTreeMap<String, usize>,
    p: ColumnProfile,
}

impl Acc {
    fn new(name: &str) -> Acc {
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
    fn cell(&mut self, cell: Option<&str>) {
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
    fn finish(mut self) -> ColumnProfile {
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

/// A bundled model offered as a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// China Customer Satisfaction Index (models/ccsi.toml).
    Ccsi,
    /// American Customer Satisfaction Index (models/acsi.toml).
    Acsi,
    /// European Customer Satisfaction Index (models/ecsi.toml).
    Ecsi,
    /// The airline case (models/airline.toml).
    Airline,
    /// Swedish Customer Satisfaction Barometer (models/scsb.toml).
    Scsb,
}

impl Template {
    /// Every template.
    pub const ALL: [Template; 5] = [
        Template::Ccsi,
        Template::Acsi,
        Template::Ecsi,
        Template::Airline,
        Template::Scsb,
    ];

    /// The flag spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Template::Ccsi => "ccsi",
            Template::Acsi => "acsi",
            Template::Ecsi => "ecsi",
            Template::Airline => "airline",
            Template::Scsb => "scsb",
        }
    }

    fn text(&self) -> &'static str {
        match self {
            Template::Ccsi => include_str!("../models/ccsi.toml"),
            Template::Acsi => include_str!("../models/acsi.toml"),
            Template::Ecsi => include_str!("../models/ecsi.toml"),
            Template::Airline => include_str!("../models/airline.toml"),
            Template::Scsb => include_str!("../models/scsb.toml"),
        }
    }

    /// The bundled model.
    ///
    /// # Errors
    /// None in practice (the bundled files are tested); an [`Error::Model`] otherwise.
    pub fn model(&self) -> Result<Model> {
        parse_model_toml(self.text(), &format!("models/{}.toml", self.as_str()))
    }
}

impl std::str::FromStr for Template {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim().to_ascii_lowercase();
        Template::ALL
            .into_iter()
            .find(|x| x.as_str() == t)
            .ok_or_else(|| {
                Error::setting(
                    "--template",
                    format!("expected ccsi, acsi, ecsi, airline or scsb, got '{s}'"),
                )
            })
    }
}

/// Options of [`propose_model`].
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    /// Map the columns to this bundled model's constructs and keep its paths.
    pub template: Option<Template>,
    /// Model name (default: the data file's stem, or the template's name).
    pub name: Option<String>,
}

/// A construct of the proposal and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposedConstruct {
    /// Construct name.
    pub name: String,
    /// Item columns.
    pub items: Vec<String>,
    /// Where it came from (`name stem 'imag'`, `template CCSI: item names`...).
    pub reason: String,
}

/// A column that is not in the model, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Unplaced {
    /// Column name.
    pub column: String,
    /// Why it was left out.
    pub reason: String,
    /// It looks like an item (numbered rating column) that could not be mapped.
    pub looks_like_item: bool,
}

/// A proposed model and the reasons behind each guess.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// The data file.
    pub data_file: String,
    /// Respondents in the data file.
    pub n_rows: usize,
    /// The checked model (constructs, items, paths, scale, missing codes, labels).
    pub model: Model,
    /// The template used, if any.
    pub template: Option<Template>,
    /// One entry per construct of `model`, same order.
    pub constructs: Vec<ProposedConstruct>,
    /// Where the paths came from.
    pub paths_reason: String,
    /// Where the default scale came from.
    pub scale_reason: String,
    /// Each missing code and where it came from.
    pub missing_reasons: Vec<(String, String)>,
    /// Columns not in the model.
    pub unplaced: Vec<Unplaced>,
    /// Other remarks (template constructs without columns, items on another scale...).
    pub notes: Vec<String>,
}

/// Split `imag1` into (`imag`, 1), `Q5_2` into (`Q5`, 2); `None` without a number at
/// the end or without a letter before it.
pub fn name_stem(name: &str) -> Option<(String, u64)> {
    let t = name.trim();
    let digits = t.len() - t.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || digits > 6 {
        return None;
    }
    let (head, num) = t.split_at(t.len() - digits);
    let stem = head.trim_end_matches(['_', '.', '-', ' ']);
    if !stem.chars().any(char::is_alphabetic) {
        return None;
    }
    Some((stem.to_string(), num.parse().ok()?))
}

const MISSING_LABEL_WORDS: [&str; 16] = [
    "无法回答",
    "不知道",
    "不清楚",
    "不适用",
    "拒绝回答",
    "拒答",
    "说不清",
    "无法评价",
    "don't know",
    "dont know",
    "do not know",
    "not applicable",
    "n/a",
    "refused",
    "no answer",
    "cannot answer",
];

fn is_missing_label(l: &str) -> bool {
    let l = l.to_lowercase();
    MISSING_LABEL_WORDS.iter().any(|w| l.contains(w))
}

/// Numeric codes that usually mean "no answer" when they lie far above the scale.
const NUMERIC_CODES: [f64; 9] = [97.0, 98.0, 99.0, 999.0, 9999.0, -1.0, -9.0, -99.0, -999.0];

/// What the item analysis of one column found.
#[derive(Debug, Clone)]
struct ItemView {
    scale: Scale,
    scale_reason: String,
    /// (code, what it is, cells)
    codes: Vec<(String, String, usize)>,
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Snap an observed range to a usual answer scale.
fn snap_scale(lo: f64, hi: f64) -> Scale {
    let min = if lo >= 1.0 {
        1.0
    } else if lo >= 0.0 {
        0.0
    } else {
        lo.floor()
    };
    let cands: &[f64] = if min == 0.0 {
        &[4.0, 5.0, 6.0, 10.0, 100.0]
    } else {
        &[5.0, 7.0, 10.0, 11.0, 100.0]
    };
    let mut max = cands
        .iter()
        .copied()
        .find(|&c| c >= hi)
        .unwrap_or(hi.ceil());
    if max <= min {
        max = min + 1.0;
    }
    Scale { min, max }
}

/// Is the column an item (a rating), and on which scale? `Err(reason)` when not.
fn item_view(c: &ColumnProfile) -> std::result::Result<ItemView, String> {
    if c.spss_text {
        return Err("SPSS string or date variable".into());
    }
    let lname = c.name.to_lowercase();
    if matches!(
        lname.as_str(),
        "id" | "caseid" | "case_id" | "respid" | "resp_id" | "respondent" | "编号" | "序号"
    ) {
        return Err("an identifier".into());
    }
    if c.n_numbers == 0 {
        return Err(if c.n_texts > 0 {
            format!("text ({} distinct values)", c.texts.len())
        } else {
            "empty".into()
        });
    }
    // Text cells in a numeric column: codes when they are few and rare.
    let mut codes: Vec<(String, String, usize)> = Vec::new();
    if c.n_texts > 0 {
        if c.texts.len() > 3 || c.n_texts * 2 > c.n_numbers {
            return Err(format!(
                "mostly text ({} text cells, {} numbers)",
                c.n_texts, c.n_numbers
            ));
        }
        for (t, n) in &c.texts {
            codes.push((t.clone(), format!("text cells '{t}'"), *n));
        }
    }
    for m in &c.user_missing {
        if let UserMissing::Value(v) = m {
            let lab = c
                .value_labels
                .iter()
                .find(|(x, _)| x == v)
                .map(|(_, l)| format!(" = {l}"))
                .unwrap_or_default();
            codes.push((
                fmt_num(*v),
                format!("SPSS user-missing value {}{lab}", fmt_num(*v)),
                if c.user_missing.len() == 1 {
                    c.n_user_missing
                } else {
                    0
                },
            ));
        }
    }
    // Value labels naming a non-answer.
    let mut label_codes: Vec<f64> = Vec::new();
    for (v, l) in &c.value_labels {
        if is_missing_label(l) || c.user_missing.iter().any(|m| m.matches(*v)) {
            label_codes.push(*v);
            if !c.user_missing.iter().any(|m| m.matches(*v)) {
                let n = c
                    .numbers
                    .iter()
                    .find(|x| x.0 == *v)
                    .map(|x| x.1)
                    .unwrap_or(0);
                codes.push((
                    fmt_num(*v),
                    format!("SPSS value label {} = {l}", fmt_num(*v)),
                    n,
                ));
            }
        }
    }
    // The answers proper.
    let answers: Vec<(f64, usize)> = c
        .numbers
        .iter()
        .copied()
        .filter(|(v, _)| !label_codes.contains(v))
        .collect();
    let (lo, hi) = match (answers.first(), answers.last()) {
        (Some(a), Some(b)) => (a.0, b.0),
        _ => return Err("no answer besides missing codes".into()),
    };
    // Numeric codes far above (or below) the rest.
    let core: Vec<(f64, usize)> = answers
        .iter()
        .copied()
        .filter(|(v, _)| !(NUMERIC_CODES.contains(v) && (*v > 11.0 || *v < 0.0)))
        .collect();
    let (lo, hi) = match (core.first(), core.last()) {
        (Some(a), Some(b)) if b.0 <= 11.0 && a.0 >= 0.0 && core.len() < answers.len() => {
            for (v, n) in answers.iter().filter(|x| !core.contains(*x)) {
                codes.push((
                    fmt_num(*v),
                    format!("code {} far outside the other answers", fmt_num(*v)),
                    *n,
                ));
            }
            (a.0, b.0)
        }
        _ => (lo, hi),
    };
    if c.many_numbers || !c.integers && hi - lo > 20.0 {
        return Err("many distinct values (not a rating scale)".into());
    }
    if hi - lo > 100.0 {
        return Err(format!(
            "values {}..{} (not a rating scale)",
            fmt_num(lo),
            fmt_num(hi)
        ));
    }
    if hi == lo {
        return Err(format!("every answer is {}", fmt_num(lo)));
    }
    let labelled: Vec<&(f64, String)> = c
        .value_labels
        .iter()
        .filter(|(v, _)| !label_codes.contains(v))
        .collect();
    let (scale, scale_reason) = if labelled.len() >= 2 {
        let first = labelled
            .iter()
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|x| (*x).clone())
            .unwrap_or_default();
        let last = labelled
            .iter()
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|x| (*x).clone())
            .unwrap_or_default();
        let min = first.0.min(lo);
        let max = last.0.max(hi);
        (
            Scale { min, max },
            format!(
                "SPSS value labels {} ({}) .. {} ({})",
                fmt_num(first.0),
                first.1,
                fmt_num(last.0),
                last.1
            ),
        )
    } else {
        let s = snap_scale(lo, hi);
        (
            s,
            format!(
                "observed answers {}..{}, read as the usual scale {}..{}",
                fmt_num(lo),
                fmt_num(hi),
                fmt_num(s.min),
                fmt_num(s.max)
            ),
        )
    };
    Ok(ItemView {
        scale,
        scale_reason,
        codes,
    })
}

/// Role keywords of the usual CSI constructs (lowercase; matched against stems, names
/// and labels).
const ROLES: [(&str, &[&str]); 8] = [
    ("imag", &["imag", "image", "形象", "brand", "品牌"]),
    ("expe", &["expe", "expect", "cuex", "预期", "期望"]),
    ("qual", &["qual", "perq", "质量", "quality"]),
    ("val", &["val", "value", "perv", "perf", "价值", "绩效"]),
    ("sat", &["sat", "cusa", "csi", "满意", "satisf"]),
    (
        "comp",
        &["comp", "voice", "cusco", "抱怨", "投诉", "complain"],
    ),
    ("loy", &["loy", "cusl", "忠诚", "loyal", "recommend", "nps"]),
    ("other", &[]),
];

fn role_of(text: &str) -> Option<&'static str> {
    let t = text.to_lowercase();
    for (role, keys) in ROLES {
        for k in keys {
            let hit = if k.is_ascii() && k.len() <= 4 {
                // short ascii keys must start the text ("sat1", "SAT", "loyalty")
                t.starts_with(k)
            } else {
                t.contains(k)
            };
            if hit {
                return Some(role);
            }
        }
    }
    None
}

/// A construct name from a stem: upper case, letters/digits/underscore kept.
fn construct_name(stem: &str) -> String {
    let s: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect::<String>()
        .to_uppercase();
    if s.is_empty() {
        "C".into()
    } else {
        s
    }
}

/// The common beginning of the labels (at least 2 characters, up to a separator).
fn common_label(labels: &[&str]) -> Option<String> {
    if labels.len() < 2 {
        return None;
    }
    let first: Vec<char> = labels[0].chars().collect();
    let mut n = first.len();
    for l in &labels[1..] {
        let m = l.chars().zip(&first).take_while(|(a, b)| a == *b).count();
        n = n.min(m);
    }
    // a prefix that stops inside a word is cut back to the last separator, unless the
    // labels go on with their numbers ("形象1", "形象2")
    let continues = labels.iter().any(|l| l.chars().count() > n);
    let before_digits = labels
        .iter()
        .all(|l| l.chars().nth(n).is_none_or(|c| c.is_ascii_digit()));
    if continues && !before_digits {
        const SEP: [char; 11] = [' ', ':', '：', '-', '—', '_', '/', '|', ')', '）', ','];
        n = first[..n]
            .iter()
            .rposition(|c| SEP.contains(c))
            .map(|i| {
                if matches!(first[i], ')' | '）') {
                    i + 1
                } else {
                    i
                }
            })
            .unwrap_or(0);
    }
    let prefix: String = first[..n].iter().collect();
    let cut = prefix
        .trim_end_matches(|c: char| c.is_ascii_digit())
        .trim_end_matches([' ', ':', '：', '-', '—', '_', '.', '(', '（', '/', '|'])
        .trim();
    if cut.chars().count() >= 2 {
        Some(cut.to_string())
    } else {
        None
    }
}

struct Group {
    stem: String,
    columns: Vec<usize>,
}

/// Propose a model for a data profile.
///
/// # Errors
/// [`Error::Data`] naming the file when fewer than two constructs can be formed (a
/// model needs a path), e.g. when every item column shares one name stem (`q1..q37`:
/// use a template or rename the columns).
pub fn propose_model(profile: &DataProfile, opts: &InitOptions) -> Result<Proposal> {
    let file = profile.file.clone();
    let fail = |m: String| {
        Error::data(
            Location {
                file: file.clone(),
                ..Default::default()
            },
            m,
        )
    };
    let mut unplaced: Vec<Unplaced> = Vec::new();
    let mut views: BTreeMap<usize, ItemView> = BTreeMap::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut ungrouped_items: Vec<usize> = Vec::new();
    for (c, col) in profile.columns.iter().enumerate() {
        let view = item_view(col);
        let stem = name_stem(&col.name);
        match (view, stem) {
            (Ok(v), Some((stem, _))) => {
                views.insert(c, v);
                let key = stem.to_lowercase();
                match groups.iter_mut().find(|g| g.stem.to_lowercase() == key) {
                    Some(g) => g.columns.push(c),
                    None => groups.push(Group {
                        stem,
                        columns: vec![c],
                    }),
                }
            }
            (Ok(v), None) => {
                views.insert(c, v);
                ungrouped_items.push(c);
            }
            (Err(why), _) => unplaced.push(Unplaced {
                column: col.name.clone(),
                reason: why,
                looks_like_item: false,
            }),
        }
    }

    let template = match opts.template {
        Some(t) => Some(t.model()?),
        None => None,
    };
    let mut constructs: Vec<(ProposedConstruct, Option<String>)> = Vec::new(); // (.., label)
    let mut item_labels: BTreeMap<String, String> = BTreeMap::new();
    let mut notes: Vec<String> = Vec::new();
    let paths: Vec<(String, String)>;
    let paths_reason: String;
    let col_label = |c: usize| profile.columns[c].label.clone();

    if let Some(tm) = &template {
        let tname = tm.name.clone();
        // construct index of the template for each candidate item column
        let mut assign: BTreeMap<usize, (usize, &'static str)> = BTreeMap::new();
        let lower_items: BTreeMap<String, usize> = tm
            .items
            .iter()
            .enumerate()
            .map(|(k, it)| (it.name.to_lowercase(), k))
            .collect();
        let candidates: Vec<usize> = views.keys().copied().collect();
        for &c in &candidates {
            if let Some(&k) = lower_items.get(&profile.columns[c].name.to_lowercase()) {
                assign.insert(c, (tm.items[k].construct, "item name"));
                if let Some(l) = &tm.items[k].label {
                    item_labels.insert(profile.columns[c].name.clone(), l.clone());
                }
            }
        }
        // name stems against construct names and the template's item stems
        let keys: Vec<Vec<String>> = tm
            .constructs
            .iter()
            .map(|con| {
                let mut k: Vec<String> = vec![con.name.to_lowercase()];
                for &i in &con.items {
                    if let Some((s, _)) = name_stem(&tm.items[i].name) {
                        k.push(s.to_lowercase());
                    }
                }
                k.sort();
                k.dedup();
                k
            })
            .collect();
        let stem_match = |stem: &str| -> Option<usize> {
            let s = stem.to_lowercase();
            let exact = keys.iter().position(|k| k.contains(&s));
            if exact.is_some() {
                return exact;
            }
            if s.chars().count() >= 3 {
                let pre = keys.iter().position(|k| {
                    k.iter().any(|x| {
                        x.chars().count() >= 3 && (x.starts_with(&s) || s.starts_with(x.as_str()))
                    })
                });
                if pre.is_some() {
                    return pre;
                }
            }
            let role = role_of(stem)?;
            tm.constructs.iter().position(|con| {
                role_of(&con.name) == Some(role)
                    || con.label.as_deref().and_then(role_of) == Some(role)
            })
        };
        for g in &groups {
            if let Some(j) = stem_match(&g.stem) {
                for &c in &g.columns {
                    assign.entry(c).or_insert((j, "name stem"));
                }
            }
        }
        // labels: the template construct's label words in the column's SPSS label
        let label_words: Vec<Vec<String>> = tm
            .constructs
            .iter()
            .map(|con| {
                let mut w = Vec::new();
                if let Some(l) = &con.label {
                    let (zh, en) = match l.split_once('(') {
                        Some((a, b)) => (a.trim(), b.trim_end_matches(')').trim()),
                        None => (l.as_str(), ""),
                    };
                    for part in zh.split(['/', '、']) {
                        if part.trim().chars().count() >= 2 {
                            w.push(part.trim().to_lowercase());
                        }
                    }
                    let en = en.split(',').next().unwrap_or("").trim();
                    if en.len() >= 4 {
                        w.push(en.to_lowercase());
                    }
                }
                w
            })
            .collect();
        for &c in &candidates {
            if assign.contains_key(&c) {
                continue;
            }
            let Some(l) = col_label(c) else { continue };
            let l = l.to_lowercase();
            if let Some(j) = label_words
                .iter()
                .position(|ws| ws.iter().any(|w| l.contains(w.as_str())))
            {
                assign.insert(c, (j, "variable label"));
            }
        }
        for (j, con) in tm.constructs.iter().enumerate() {
            let cols: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|c| assign.get(c).map(|a| a.0) == Some(j))
                .collect();
            if cols.is_empty() {
                notes.push(format!(
                    "template construct {} has no column in the data; left out",
                    con.name
                ));
                continue;
            }
            let mut how: Vec<&str> = cols.iter().map(|c| assign[c].1).collect();
            how.sort();
            how.dedup();
            constructs.push((
                ProposedConstruct {
                    name: con.name.clone(),
                    items: cols
                        .iter()
                        .map(|&c| profile.columns[c].name.clone())
                        .collect(),
                    reason: format!("template {tname}, matched by {}", how.join(" and ")),
                },
                con.label.clone(),
            ));
        }
        for &c in &candidates {
            if !assign.contains_key(&c) {
                unplaced.push(Unplaced {
                    column: profile.columns[c].name.clone(),
                    reason: format!(
                        "looks like an item but matches no construct of {tname} by name or label"
                    ),
                    looks_like_item: true,
                });
            }
        }
        // template paths between the constructs kept; a left-out construct is bridged
        let kept: BTreeSet<String> = constructs.iter().map(|(p, _)| p.name.clone()).collect();
        let mut all: Vec<(String, String)> = tm.path_names();
        while let Some(gone) = tm
            .constructs
            .iter()
            .map(|c| c.name.clone())
            .find(|n| !kept.contains(n) && all.iter().any(|(a, b)| a == n || b == n))
        {
            let ins: Vec<String> = all
                .iter()
                .filter(|(_, b)| *b == gone)
                .map(|(a, _)| a.clone())
                .collect();
            let outs: Vec<String> = all
                .iter()
                .filter(|(a, _)| *a == gone)
                .map(|(_, b)| b.clone())
                .collect();
            all.retain(|(a, b)| *a != gone && *b != gone);
            for a in &ins {
                for b in &outs {
                    if !all.contains(&(a.clone(), b.clone())) {
                        all.push((a.clone(), b.clone()));
                    }
                }
            }
        }
        paths = all;
        paths_reason = format!("the paths of {tname} between the constructs found");
    } else {
        for g in &groups {
            let name = construct_name(&g.stem);
            let labels: Vec<String> = g.columns.iter().filter_map(|&c| col_label(c)).collect();
            let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
            let label = if labels.len() == g.columns.len() {
                common_label(&refs)
            } else {
                None
            };
            constructs.push((
                ProposedConstruct {
                    name,
                    items: g
                        .columns
                        .iter()
                        .map(|&c| profile.columns[c].name.clone())
                        .collect(),
                    reason: format!(
                        "name stem '{}', {} column{}",
                        g.stem,
                        g.columns.len(),
                        if g.columns.len() == 1 { "" } else { "s" }
                    ),
                },
                label,
            ));
        }
        // unique names
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (p, _) in constructs.iter_mut() {
            let n = seen.entry(p.name.clone()).or_insert(0);
            *n += 1;
            if *n > 1 {
                p.name = format!("{}_{}", p.name, n);
            }
        }
        let (p, why) = guess_paths(&constructs);
        paths = p;
        paths_reason = why;
        // a hint when the constructs are those of a bundled model
        let names: BTreeSet<String> = constructs.iter().map(|(p, _)| p.name.clone()).collect();
        for t in Template::ALL {
            if let Ok(m) = t.model() {
                let tn: BTreeSet<String> =
                    m.constructs.iter().map(|c| c.name.to_uppercase()).collect();
                if tn == names {
                    notes.push(format!(
                        "the constructs are those of {}: `--template {}` gives its paths and labels",
                        m.name,
                        t.as_str()
                    ));
                }
            }
        }
    }
    for &c in &ungrouped_items {
        if constructs
            .iter()
            .any(|(p, _)| p.items.contains(&profile.columns[c].name))
        {
            continue;
        }
        if unplaced.iter().any(|u| u.column == profile.columns[c].name) {
            continue;
        }
        unplaced.push(Unplaced {
            column: profile.columns[c].name.clone(),
            reason: "numbers on a rating scale, but the name has no number to group it by".into(),
            looks_like_item: true,
        });
    }
    // keep the file's column order in the unplaced list
    let order: BTreeMap<&str, usize> = profile
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.as_str(), i))
        .collect();
    unplaced.sort_by_key(|u| order.get(u.column.as_str()).copied().unwrap_or(usize::MAX));

    if constructs.len() < 2 || paths.is_empty() {
        let found: Vec<String> = constructs
            .iter()
            .map(|(p, _)| format!("{} ({} items)", p.name, p.items.len()))
            .collect();
        return Err(fail(format!(
            "cannot propose a model: it needs at least two constructs joined by a path, found {}; {}",
            if found.is_empty() {
                "none".to_string()
            } else {
                found.join(", ")
            },
            if opts.template.is_some() {
                "check that the column names or SPSS labels resemble the template's"
            } else {
                "item columns are grouped by name stem (imag1, imag2 -> IMAG): rename them or use --template"
            }
        )));
    }

    // scale: the most common item scale; items on another scale get their own
    let item_cols: Vec<usize> = constructs
        .iter()
        .flat_map(|(p, _)| p.items.iter())
        .filter_map(|n| profile.columns.iter().position(|c| c.name == *n))
        .collect();
    let mut tally: Vec<((f64, f64), usize, String)> = Vec::new();
    for &c in &item_cols {
        let v = &views[&c];
        let key = (v.scale.min, v.scale.max);
        match tally.iter_mut().find(|t| t.0 == key) {
            Some(t) => t.1 += 1,
            None => tally.push((key, 1, v.scale_reason.clone())),
        }
    }
    tally.sort_by_key(|t| std::cmp::Reverse(t.1));
    let ((smin, smax), _, sreason) = tally[0].clone();
    let scale = Scale {
        min: smin,
        max: smax,
    };
    let scale_reason = if tally.len() == 1 {
        format!("{sreason} (all {} items)", item_cols.len())
    } else {
        format!(
            "{sreason} ({} of {} items; the others have their own scale below)",
            tally[0].1,
            item_cols.len()
        )
    };
    // missing codes of the item columns
    // (code, what, cells, columns)
    let mut found: Vec<(String, String, usize, usize)> = Vec::new();
    for &c in &item_cols {
        for (code, why, n) in &views[&c].codes {
            match found.iter_mut().find(|m| m.0 == *code) {
                Some(m) => {
                    m.2 += n;
                    m.3 += 1;
                }
                None => found.push((code.clone(), why.clone(), *n, 1)),
            }
        }
    }
    let missing_reasons: Vec<(String, String)> = found
        .into_iter()
        .map(|(code, why, cells, cols)| {
            let cols = if cols == 1 {
                "1 item column".to_string()
            } else {
                format!("{cols} item columns")
            };
            let what = if cells > 0 {
                let s = if cells == 1 { "" } else { "s" };
                format!("{why} ({cells} cell{s} in {cols})")
            } else {
                format!("{why} (declared in {cols})")
            };
            (code, what)
        })
        .collect();

    let specs: Vec<ConstructSpec> = constructs
        .iter()
        .map(|(p, label)| {
            let items: Vec<&str> = p.items.iter().map(String::as_str).collect();
            let mut s = ConstructSpec::new(&p.name, &items);
            s.label = label.clone();
            s
        })
        .collect();
    let owned: Vec<(&str, &str)> = paths
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let name = opts.name.clone().unwrap_or_else(|| match &template {
        Some(t) => t.name.clone(),
        None => Path::new(&profile.file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".into()),
    });
    let mut model = Model::from_parts(&name, specs, &owned)?.with_scale(scale)?;
    model.description = Some(match &template {
        Some(t) => format!(
            "proposed by csi init from {} with the {} template",
            profile.file, t.name
        ),
        None => format!("proposed by csi init from {}", profile.file),
    });
    model.missing_codes = missing_reasons.iter().map(|m| m.0.clone()).collect();
    if let Some(t) = &template {
        model.extras.overall = t
            .extras
            .overall
            .clone()
            .filter(|o| model.item_index(o).is_some());
    }
    for k in 0..model.n_items() {
        let iname = model.items[k].name.clone();
        let Some(c) = profile.columns.iter().position(|c| c.name == iname) else {
            continue;
        };
        let label = item_labels
            .get(&iname)
            .cloned()
            .or_else(|| profile.columns[c].label.clone());
        let s = views[&c].scale;
        let own = if (s.min, s.max) != (scale.min, scale.max) {
            notes.push(format!(
                "item {iname} is on its own scale: {}",
                views[&c].scale_reason
            ));
            Some(s)
        } else {
            None
        };
        let it = &mut model.items[k];
        it.label = label;
        it.scale = own;
    }
    Ok(Proposal {
        data_file: profile.file.clone(),
        n_rows: profile.n_rows,
        template: opts.template,
        constructs: constructs.into_iter().map(|(p, _)| p).collect(),
        paths_reason,
        scale_reason,
        missing_reasons,
        unplaced,
        notes,
        model,
    })
}

/// Paths for constructs grouped by stem: every driver -> the satisfaction construct
/// -> complaints / loyalty (complaints -> loyalty); without a recognisable
/// satisfaction construct, every construct -> the last one.
fn guess_paths(
    constructs: &[(ProposedConstruct, Option<String>)],
) -> (Vec<(String, String)>, String) {
    let role = |p: &ProposedConstruct, l: &Option<String>| {
        role_of(&p.name).or_else(|| l.as_deref().and_then(role_of))
    };
    let roles: Vec<Option<&str>> = constructs.iter().map(|(p, l)| role(p, l)).collect();
    let names: Vec<String> = constructs.iter().map(|(p, _)| p.name.clone()).collect();
    let sat = roles.iter().position(|r| *r == Some("sat"));
    let mut paths = Vec::new();
    match sat {
        Some(s) => {
            let outcomes: Vec<usize> = (0..names.len())
                .filter(|&j| matches!(roles[j], Some("comp") | Some("loy")))
                .collect();
            for j in 0..names.len() {
                if j != s && !outcomes.contains(&j) {
                    paths.push((names[j].clone(), names[s].clone()));
                }
            }
            for &o in &outcomes {
                paths.push((names[s].clone(), names[o].clone()));
            }
            for &a in &outcomes {
                for &b in &outcomes {
                    if roles[a] == Some("comp") && roles[b] == Some("loy") {
                        paths.push((names[a].clone(), names[b].clone()));
                    }
                }
            }
            (
                paths,
                format!(
                    "guessed: every other construct -> {} (satisfaction){}; edit them to your theory",
                    names[s],
                    if outcomes.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " -> {}",
                            outcomes.iter().map(|&o| names[o].as_str()).collect::<Vec<_>>().join(", ")
                        )
                    }
                ),
            )
        }
        None => {
            let last = names.len().saturating_sub(1);
            for j in 0..last {
                paths.push((names[j].clone(), names[last].clone()));
            }
            (
                paths,
                format!(
                    "guessed: no satisfaction construct recognised, so every construct -> {} (the last one); edit them to your theory",
                    names.get(last).cloned().unwrap_or_default()
                ),
            )
        }
    }
}

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(v: &[String]) -> String {
    let parts: Vec<String> = v.iter().map(|s| q(s)).collect();
    format!("[{}]", parts.join(", "))
}

fn key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        s.to_string()
    } else {
        q(s)
    }
}

/// One-line comment text (no line breaks).
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The proposal as a commented TOML model file (read back by
/// [`crate::spec::read_model`] to the proposal's model).
pub fn proposal_to_toml(p: &Proposal) -> String {
    let m = &p.model;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Model proposed by `csi init` from {} ({} respondents).",
        comment(&p.data_file),
        p.n_rows
    );
    let _ = writeln!(
        o,
        "# Every guess below says where it came from: check the constructs, the paths and"
    );
    let _ = writeln!(
        o,
        "# the scale, then run `csi validate --model THIS_FILE --data {}`.",
        comment(&p.data_file)
    );
    let _ = writeln!(o, "name = {}", q(&m.name));
    if let Some(d) = &m.description {
        let _ = writeln!(o, "description = {}", q(d));
    }
    if let Some(s) = m.scale {
        let _ = writeln!(o, "\n[scale]\n# {}", comment(&p.scale_reason));
        let _ = writeln!(o, "min = {}\nmax = {}", fmt_num(s.min), fmt_num(s.max));
    }
    if !m.missing_codes.is_empty() {
        for (code, why) in &p.missing_reasons {
            let _ = writeln!(o, "# missing {}: {}", comment(code), comment(why));
        }
        let _ = writeln!(o, "missing = {}", list(&m.missing_codes));
    } else {
        let _ = writeln!(o, "# no missing codes found; list cell texts such as \"无法回答\" or codes such as \"99\" here");
        let _ = writeln!(o, "missing = []");
    }
    if let Some(ov) = &m.extras.overall {
        let _ = writeln!(o, "\n[methods]\noverall = {}", q(ov));
    }
    for (j, c) in m.constructs.iter().enumerate() {
        let _ = writeln!(o, "\n# {}", comment(&p.constructs[j].reason));
        let _ = writeln!(o, "[[construct]]\nname = {}", q(&c.name));
        if let Some(l) = &c.label {
            let _ = writeln!(o, "label = {}", q(l));
        }
        let items: Vec<String> = c.items.iter().map(|&k| m.items[k].name.clone()).collect();
        let _ = writeln!(o, "items = {}\nmode = \"A\"", list(&items));
    }
    let _ = writeln!(o, "\n# Paths: {}", comment(&p.paths_reason));
    let names = m.path_names();
    let mut k = 0;
    while let Some((from, _)) = names.get(k) {
        let mut to = Vec::new();
        while let Some((f, t)) = names.get(k) {
            if f != from {
                break;
            }
            to.push(t.clone());
            k += 1;
        }
        let _ = writeln!(o, "[[path]]\nfrom = {}", q(from));
        if let [one] = to.as_slice() {
            let _ = writeln!(o, "to = {}\n", q(one));
        } else {
            let _ = writeln!(o, "to = {}\n", list(&to));
        }
    }
    let mut first = true;
    for it in &m.items {
        if it.label.is_none() && it.scale.is_none() {
            continue;
        }
        if first {
            let _ = writeln!(
                o,
                "# Item labels (question wording) and scales of single items"
            );
            first = false;
        }
        let _ = writeln!(o, "[item.{}]", key(&it.name));
        if let Some(l) = &it.label {
            let _ = writeln!(o, "label = {}", q(l));
        }
        if let Some(s) = it.scale {
            let _ = writeln!(
                o,
                "scale = {{ min = {}, max = {} }}",
                fmt_num(s.min),
                fmt_num(s.max)
            );
        }
        o.push('\n');
    }
    if !p.notes.is_empty() {
        let _ = writeln!(o, "# Notes:");
        for n in &p.notes {
            let _ = writeln!(o, "#   {}", comment(n));
        }
    }
    if !p.unplaced.is_empty() {
        let _ = writeln!(
            o,
            "# Columns not in the model (add an item column to a construct's items by hand):"
        );
        for u in &p.unplaced {
            let _ = writeln!(o, "#   {}: {}", comment(&u.column), comment(&u.reason));
        }
    }
    while o.ends_with("\n\n") {
        o.pop();
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems() {
        assert_eq!(name_stem("imag1"), Some(("imag".into(), 1)));
        assert_eq!(name_stem("Q5_12"), Some(("Q5".into(), 12)));
        assert_eq!(name_stem("形象3"), Some(("形象".into(), 3)));
        assert_eq!(name_stem("sat"), None);
        assert_eq!(name_stem("2024"), None);
        assert_eq!(name_stem("x_1"), Some(("x".into(), 1)));
    }

    #[test]
    fn scales_snap_to_the_usual_ones() {
        let s = |lo, hi| {
            let s = snap_scale(lo, hi);
            (s.min, s.max)
        };
        assert_eq!(s(1.0, 5.0), (1.0, 5.0));
        assert_eq!(s(2.0, 6.0), (1.0, 7.0));
        assert_eq!(s(1.0, 9.0), (1.0, 10.0));
        assert_eq!(s(0.0, 9.0), (0.0, 10.0));
        assert_eq!(s(1.0, 60.0), (1.0, 100.0));
    }

    #[test]
    fn item_columns_and_their_codes() {
        let col = |cells: &[&str]| {
            let mut a = Acc::new("q1");
            for c in cells {
                a.cell(Some(c));
            }
            a.finish()
        };
        // a text code and a far numeric code are missing codes; the scale is 1..10
        let v = item_view(&col(&["1", "5", "9", "无法回答", "99", "7", "8", "2"])).expect("item");
        assert_eq!((v.scale.min, v.scale.max), (1.0, 10.0));
        let codes: Vec<&str> = v.codes.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(codes, ["无法回答", "99"]);
        // words are not items, nor are ids or constant columns
        assert!(item_view(&col(&["男", "女", "男"])).is_err());
        assert!(item_view(&col(&["3", "3", "3"])).is_err());
        let mut id = col(&["1", "2"]);
        id.name = "ID".into();
        assert!(item_view(&id).is_err());
        // SPSS value labels give the scale, and a labelled non-answer is a code
        let mut c = col(&["2", "3", "4", "98"]);
        c.value_labels = vec![
            (1.0, "很差".into()),
            (5.0, "很好".into()),
            (98.0, "不知道".into()),
        ];
        let v = item_view(&c).expect("item");
        assert_eq!((v.scale.min, v.scale.max), (1.0, 5.0));
        assert_eq!(v.codes[0].0, "98");
    }

    #[test]
    fn common_label_cuts_at_a_separator() {
        assert_eq!(
            common_label(&["形象: 值得信赖", "形象: 有创新"]),
            Some("形象".into())
        );
        assert_eq!(common_label(&["形象1", "形象2"]), Some("形象".into()));
        assert_eq!(common_label(&["服务态度", "等候时间"]), None);
        assert_eq!(
            common_label(&["Crew (service) item 1", "Crew (service) item 2"]),
            Some("Crew (service) item".into())
        );
    }

    #[test]
    fn templates_parse() {
        for t in Template::ALL {
            let m = t.model().unwrap_or_else(|e| panic!("{}: {e}", t.as_str()));
            assert!(m.n_constructs() >= 5);
            assert_eq!(t.as_str().parse::<Template>().ok(), Some(t));
        }
    }
}
