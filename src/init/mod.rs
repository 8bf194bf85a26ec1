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

mod item;
mod profile;
mod propose;
mod toml_out;

pub use profile::{profile_columns, profile_data};
pub use propose::propose_model;
pub use toml_out::proposal_to_toml;

use crate::data::sav::UserMissing;
use crate::error::{Error, Result};
use crate::spec::toml_file::parse_model_toml;
use crate::spec::Model;

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
            Template::Ccsi => include_str!("../../models/ccsi.toml"),
            Template::Acsi => include_str!("../../models/acsi.toml"),
            Template::Ecsi => include_str!("../../models/ecsi.toml"),
            Template::Airline => include_str!("../../models/airline.toml"),
            Template::Scsb => include_str!("../../models/scsb.toml"),
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

#[cfg(test)]
mod tests {
    use super::item::{item_view, snap_scale};
    use super::profile::Acc;
    use super::propose::common_label;
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
