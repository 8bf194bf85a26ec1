//! Model specification: model files (TOML, lavaan syntax) into a checked [`Model`].
//!
//! A [`Model`] is the measurement model (which items form which construct, Mode A or
//! B) plus the structural model (directed paths between constructs). It is built only
//! through [`Model::from_parts`] (or the file readers that call it), which checks:
//!
//! * construct and item names are unique and non-empty, every construct has an item,
//!   every item belongs to exactly one construct;
//! * paths connect declared constructs, no self-loops, no duplicate paths;
//! * the inner model is acyclic and has at least one endogenous construct.
//!
//! Inner code trusts a `Model`: items are numbered block by block (construct 0's
//! items first), and that numbering is the column order of every data matrix.
//!
//! # Example
//! ```
//! use csi::spec::{Model, ConstructSpec, Mode};
//! let model = Model::from_parts(
//!     "toy",
//!     vec![
//!         ConstructSpec::new("QUAL", &["q1", "q2"]),
//!         ConstructSpec::new("SAT", &["s1", "s2"]),
//!     ],
//!     &[("QUAL", "SAT")],
//! )?;
//! assert_eq!(model.constructs.len(), 2);
//! assert_eq!(model.items[2].name, "s1");
//! assert!(model.is_endogenous(1));
//! # Ok::<(), csi::Error>(())
//! ```
// No panics on any input (issue 10): unwrap, expect and panic are denied at the crate root;
// here indexing that can fail is denied too, outside tests.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use crate::error::{Error, Result};
use std::collections::BTreeMap;

mod build;
mod graph;
pub mod lavaan;
mod reach;
pub mod toml_file;

pub use reach::Reach;
pub use toml_file::{read_model, ModelFile};

/// Outer estimation mode of a construct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
pub enum Mode {
    /// Mode A: correlation weights (reflective / composite with correlation weights).
    #[default]
    A,
    /// Mode B: regression weights (formative).
    B,
}

/// A theoretical response scale, e.g. 1..10.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scale {
    /// Lowest possible answer.
    pub min: f64,
    /// Highest possible answer.
    pub max: f64,
}

impl Scale {
    /// Rescale a value on this scale to 0..100.
    ///
    /// ```
    /// let s = csi::spec::Scale { min: 1.0, max: 10.0 };
    /// assert!((s.to_100(10.0) - 100.0).abs() < 1e-12);
    /// assert!((s.to_100(5.5) - 50.0).abs() < 1e-12);
    /// ```
    pub fn to_100(&self, x: f64) -> f64 {
        (x - self.min) / (self.max - self.min) * 100.0
    }

    /// Width of the scale, `max - min`.
    ///
    /// ```
    /// assert_eq!(csi::spec::Scale { min: 1.0, max: 10.0 }.range(), 9.0);
    /// ```
    pub fn range(&self) -> f64 {
        self.max - self.min
    }

    /// 0-100 points per point of the scale, `100 / (max - min)`: the slope of
    /// [`Scale::to_100`].
    ///
    /// ```
    /// let s = csi::spec::Scale { min: 0.0, max: 10.0 };
    /// assert!((s.per_point() - 10.0).abs() < 1e-12);
    /// ```
    pub fn per_point(&self) -> f64 {
        100.0 / (self.max - self.min)
    }
}

/// One observed item (questionnaire column).
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Column name in the data.
    pub name: String,
    /// Display label (any language).
    pub label: Option<String>,
    /// The item's own scale (overrides the model scale).
    pub scale: Option<Scale>,
    /// Reverse-coded: x -> min + max - x before anything else.
    pub reverse: bool,
    /// Index of the construct the item belongs to.
    pub construct: usize,
}

/// One construct (latent variable / composite).
#[derive(Debug, Clone, PartialEq)]
pub struct Construct {
    /// Unique name, e.g. `SAT`.
    pub name: String,
    /// Display label.
    pub label: Option<String>,
    /// Indices into [`Model::items`], consecutive. Empty for a higher-order construct,
    /// which is built from its [`Construct::dimensions`].
    pub items: Vec<usize>,
    /// Outer mode (of a higher-order construct: of its dimensions' scores in the
    /// second stage, or of its repeated indicators).
    pub mode: Mode,
    /// The first-order constructs a higher-order construct is built from (empty for a
    /// first-order construct); model-file key `dimensions`, lavaan `QUAL =~ CREW + ...`.
    /// [`Model::build`] adds a path from every dimension to the construct.
    pub dimensions: Vec<usize>,
    /// How a higher-order construct is estimated (see [`HocMethod`]).
    pub hoc_method: HocMethod,
}

impl Construct {
    /// True for a higher-order construct (one with dimensions).
    pub fn is_higher_order(&self) -> bool {
        !self.dimensions.is_empty()
    }
}

/// How a higher-order construct is estimated (model-file key `hoc_method`; Becker,
/// Klein & Wetzels 2012; Sarstedt et al. 2019).
///
/// * `two-stage` (default): the disjoint two-stage approach. Stage 1 estimates the
///   first-order model in which the dimensions take the higher-order construct's
///   place in the structural model; stage 2 replaces the dimensions by the
///   higher-order construct measured by the dimensions' stage-1 scores.
/// * `embedded`: the embedded two-stage approach. Stage 1 is the repeated-indicators
///   model; its dimension scores measure the higher-order construct in stage 2.
/// * `repeated`: the repeated-indicators approach (one stage): the higher-order
///   construct is measured by all items of its dimensions, and the dimensions point
///   to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HocMethod {
    /// Disjoint two-stage approach.
    #[default]
    TwoStage,
    /// Embedded two-stage approach.
    Embedded,
    /// Repeated indicators.
    Repeated,
}

impl HocMethod {
    /// Every method.
    pub const ALL: [HocMethod; 3] = [
        HocMethod::TwoStage,
        HocMethod::Embedded,
        HocMethod::Repeated,
    ];

    /// The model-file value: `two-stage`, `embedded` or `repeated`.
    pub fn as_str(&self) -> &'static str {
        match self {
            HocMethod::TwoStage => "two-stage",
            HocMethod::Embedded => "embedded",
            HocMethod::Repeated => "repeated",
        }
    }

    /// The method a model-file value names.
    ///
    /// ```
    /// use csi::spec::HocMethod;
    /// assert_eq!(HocMethod::parse("embedded"), Some(HocMethod::Embedded));
    /// assert_eq!(HocMethod::parse("three-stage"), None);
    /// ```
    pub fn parse(s: &str) -> Option<HocMethod> {
        HocMethod::ALL.into_iter().find(|m| m.as_str() == s.trim())
    }
}

/// Unchecked description of a construct, input to [`Model::from_parts`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConstructSpec {
    /// Name.
    pub name: String,
    /// Label.
    pub label: Option<String>,
    /// Item names (empty for a higher-order construct).
    pub items: Vec<String>,
    /// Mode.
    pub mode: Mode,
    /// Dimension (construct) names of a higher-order construct.
    pub dimensions: Vec<String>,
    /// Estimation of a higher-order construct.
    pub hoc_method: HocMethod,
}

impl ConstructSpec {
    /// A Mode A construct with the given items.
    pub fn new(name: &str, items: &[&str]) -> Self {
        ConstructSpec {
            name: name.to_string(),
            label: None,
            items: items.iter().map(|s| s.to_string()).collect(),
            mode: Mode::A,
            dimensions: Vec::new(),
            hoc_method: HocMethod::TwoStage,
        }
    }

    /// A higher-order construct built from the constructs `dimensions`.
    ///
    /// ```
    /// use csi::spec::{ConstructSpec, Model};
    /// let m = Model::from_parts("toy",
    ///     vec![ConstructSpec::new("CREW", &["c1", "c2"]), ConstructSpec::new("CABIN", &["k1", "k2"]),
    ///          ConstructSpec::higher("QUAL", &["CREW", "CABIN"]), ConstructSpec::new("SAT", &["s1"])],
    ///     &[("QUAL", "SAT")])?;
    /// assert!(m.constructs[2].is_higher_order());
    /// assert_eq!(m.predecessors(2), &[0, 1]); // the dimensions point to it
    /// # Ok::<(), csi::Error>(())
    /// ```
    pub fn higher(name: &str, dimensions: &[&str]) -> Self {
        ConstructSpec {
            name: name.to_string(),
            label: None,
            items: Vec::new(),
            mode: Mode::A,
            dimensions: dimensions.iter().map(|s| s.to_string()).collect(),
            hoc_method: HocMethod::TwoStage,
        }
    }

    /// Set the estimation of a higher-order construct.
    pub fn hoc_method(mut self, method: HocMethod) -> Self {
        self.hoc_method = method;
        self
    }
    /// Set the mode.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }
    /// Set the label.
    pub fn label(mut self, label: &str) -> Self {
        self.label = Some(label.to_string());
        self
    }
}

/// Per-item options, input to [`Model::from_parts`] via [`Model::set_item_options`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ItemOptions {
    /// Label.
    pub label: Option<String>,
    /// Scale override.
    pub scale: Option<Scale>,
    /// Reverse-coded.
    pub reverse: bool,
}

#[allow(missing_docs)]
/// What is wrong with a model, with the index of the offending part so that file
/// readers can point at the line of the key.
#[derive(Debug, Clone, PartialEq)]
pub enum SpecIssue {
    /// Construct `index` has an empty name.
    EmptyConstructName { index: usize },
    /// Construct `index` repeats the name of an earlier construct.
    DuplicateConstruct { index: usize, name: String },
    /// Construct `index` has no items.
    NoItems { index: usize, name: String },
    /// Item `item` of construct `index` is empty.
    EmptyItemName { index: usize },
    /// Item is listed twice (in construct `index`, first seen in `first`).
    DuplicateItem {
        index: usize,
        name: String,
        first: String,
    },
    /// Path `index` names an unknown construct.
    UnknownConstruct { path: usize, name: String },
    /// Path `index` goes from a construct to itself.
    SelfLoop { path: usize, name: String },
    /// Path `index` repeats an earlier path.
    DuplicatePath {
        path: usize,
        from: String,
        to: String,
    },
    /// The inner model has a cycle through these constructs.
    Cycle { path: usize, names: Vec<String> },
    /// No construct has an incoming path.
    NoEndogenous,
    /// A scale with min >= max or non-finite bounds.
    BadScale { what: String, min: f64, max: f64 },
    /// Construct `index` declares dimensions that cannot build a higher-order construct.
    HigherOrder { index: usize, message: String },
    /// Path `index` connects a dimension of a higher-order construct.
    DimensionPath {
        path: usize,
        name: String,
        higher: String,
    },
}

impl std::fmt::Display for SpecIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // names are quoted short and with control characters made visible
        let q = |s: &str| crate::text_safety::shown_name(s).into_owned();
        match self {
            SpecIssue::EmptyConstructName { index } => {
                write!(f, "construct #{} has an empty name", index + 1)
            }
            SpecIssue::DuplicateConstruct { name, .. } => {
                write!(f, "construct '{}' is declared twice", q(name))
            }
            SpecIssue::NoItems { name, .. } => write!(f, "construct '{}' has no items", q(name)),
            SpecIssue::EmptyItemName { index } => {
                write!(f, "construct #{} lists an empty item name", index + 1)
            }
            SpecIssue::DuplicateItem { name, first, .. } => write!(
                f,
                "item '{}' is listed twice (already in construct '{}'); every item belongs to exactly one construct",
                q(name),
                q(first)
            ),
            SpecIssue::UnknownConstruct { name, .. } => {
                write!(f, "path names construct '{}', which is not declared", q(name))
            }
            SpecIssue::SelfLoop { name, .. } => write!(f, "path from '{}' to itself", q(name)),
            SpecIssue::DuplicatePath { from, to, .. } => {
                write!(f, "path {} -> {} is declared twice", q(from), q(to))
            }
            SpecIssue::Cycle { names, .. } => {
                const SHOWN: usize = 12;
                let mut shown: Vec<String> = names.iter().take(SHOWN).map(|n| q(n)).collect();
                if names.len() > SHOWN {
                    shown.push(format!("... ({} constructs)", names.len()));
                }
                write!(
                    f,
                    "the inner model has a cycle ({}); PLS path models must be recursive",
                    shown.join(" -> ")
                )
            }
            SpecIssue::NoEndogenous => write!(
                f,
                "the model has no paths, so no endogenous construct; add at least one [[path]]"
            ),
            SpecIssue::BadScale { what, min, max } => {
                write!(f, "{what}: scale min {min} must be below max {max}")
            }
            SpecIssue::HigherOrder { message, .. } => f.write_str(message),
            SpecIssue::DimensionPath { name, higher, .. } => write!(
                f,
                "path names '{name}', a dimension of higher-order construct '{higher}': its effects run through '{higher}', so give the path to or from '{higher}'"
            ),
        }
    }
}

/// A checked model. Build with [`Model::from_parts`] or [`read_model`].
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Model name.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Default item scale (needed for indices).
    pub scale: Option<Scale>,
    /// Cell texts read as missing (compared after trimming).
    pub missing_codes: Vec<String>,
    /// Constructs in declaration order.
    pub constructs: Vec<Construct>,
    /// Items, block by block; this is the column order of data matrices.
    pub items: Vec<Item>,
    /// Directed paths `(from, to)` as construct indices, in declaration order.
    pub paths: Vec<(usize, usize)>,
    /// Residual covariances of two items (`y1 ~~ y5`, TOML `[[covariance]]`), as item
    /// indices `(a, b)` with `a < b`, in declaration order. Only CB-SEM estimates them
    /// (and the model fit of every estimator leaves those correlations free); see
    /// [`Model::set_covariances`].
    pub covariances: Vec<(usize, usize)>,
    /// Interaction terms (moderation): `[[interaction]] between = ["QUAL", "PRICE"]
    /// to = "SAT"`; see [`Model::set_interactions`] and [`crate::estimate::interaction`].
    pub interactions: Vec<Interaction>,
    /// Extra sections of the model file this crate understands (methods, loyalty...).
    pub extras: Extras,
    /// Constructs in a topological order of the inner model.
    topo: Vec<usize>,
    /// predecessors[j] = constructs with a path into j (ascending).
    predecessors: Vec<Vec<usize>>,
    /// successors[j] = constructs j points to (ascending).
    successors: Vec<Vec<usize>>,
}

/// Optional model-file sections used by the evaluation methods (issue 5).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Extras {
    /// Stated-importance item for an attribute: attribute item -> importance column.
    pub importance: BTreeMap<String, String>,
    /// Paired perception / expectation items for C = b/a: (perceived, expected).
    pub expectation_pairs: Vec<(String, String)>,
    /// Attitudinal loyalty items (Dick & Basu).
    pub attitudinal: Vec<String>,
    /// Behavioural loyalty items (Dick & Basu).
    pub behavioural: Vec<String>,
    /// Overall-satisfaction item for the regression methods.
    pub overall: Option<String>,
    /// Department responsible for a construct (`owner` in `[[construct]]`): name -> owner.
    pub construct_owners: BTreeMap<String, String>,
    /// Department responsible for an item (`owner` in `[item.X]`): name -> owner.
    pub item_owners: BTreeMap<String, String>,
}

impl Model {
    /// Set the default scale (checked).
    pub fn with_scale(mut self, scale: Scale) -> Result<Self> {
        check_scale("[scale]", scale)
            .map_err(|i| Error::model("<model>", None, None, i.to_string()))?;
        self.scale = Some(scale);
        Ok(self)
    }

    /// Number of items (columns).
    pub fn n_items(&self) -> usize {
        self.items.len()
    }

    /// Number of constructs.
    pub fn n_constructs(&self) -> usize {
        self.constructs.len()
    }

    /// True when the model has a higher-order construct.
    pub fn has_higher_order(&self) -> bool {
        self.constructs.iter().any(Construct::is_higher_order)
    }

    /// The higher-order construct that construct `j` is a dimension of, if any.
    pub fn higher_of(&self, j: usize) -> Option<usize> {
        self.constructs
            .iter()
            .position(|c| c.dimensions.contains(&j))
    }

    /// Constructs with a path into `j`, ascending.
    pub fn predecessors(&self, j: usize) -> &[usize] {
        self.predecessors
            .get(j)
            .map(|v| v.as_slice())
            .unwrap_or(&[])
    }

    /// Constructs `j` points to, ascending.
    pub fn successors(&self, j: usize) -> &[usize] {
        self.successors.get(j).map(|v| v.as_slice()).unwrap_or(&[])
    }

    /// True when construct `j` has at least one incoming path.
    pub fn is_endogenous(&self, j: usize) -> bool {
        !self.predecessors(j).is_empty()
    }

    /// Constructs in topological order (causes before effects).
    pub fn topological_order(&self) -> &[usize] {
        &self.topo
    }

    /// Index of a construct by name.
    pub fn construct_index(&self, name: &str) -> Option<usize> {
        self.constructs.iter().position(|c| c.name == name)
    }

    /// Index of an item by name.
    pub fn item_index(&self, name: &str) -> Option<usize> {
        self.items.iter().position(|i| i.name == name)
    }

    /// The effective scale of item `k` (its own, else the model's).
    pub fn item_scale(&self, k: usize) -> Option<Scale> {
        self.items.get(k).and_then(|i| i.scale).or(self.scale)
    }

    /// Display label of a construct (label, else name).
    pub fn construct_label(&self, j: usize) -> &str {
        match self.constructs.get(j) {
            Some(c) => c.label.as_deref().unwrap_or(&c.name),
            None => "",
        }
    }

    /// Display label of an item (label, else name).
    pub fn item_label(&self, k: usize) -> &str {
        match self.items.get(k) {
            Some(i) => i.label.as_deref().unwrap_or(&i.name),
            None => "",
        }
    }

    /// Apply per-item options by item name. Unknown names are returned as an issue.
    pub fn set_item_options(
        &mut self,
        name: &str,
        opts: ItemOptions,
    ) -> std::result::Result<(), String> {
        let k = self.item_index(name);
        self.set_item_options_at(k, name, opts)
    }

    /// [`Model::set_item_options`] for item `k` (found by the caller), `name` for
    /// messages; `None` = no such item.
    pub(crate) fn set_item_options_at(
        &mut self,
        k: Option<usize>,
        name: &str,
        opts: ItemOptions,
    ) -> std::result::Result<(), String> {
        let missing = || {
            format!(
                "[item.{}] names an item that no construct lists",
                crate::text_safety::shown_name(name)
            )
        };
        let k = k.ok_or_else(missing)?;
        if let Some(s) = opts.scale {
            check_scale(
                &format!("item '{}'", crate::text_safety::shown_name(name)),
                s,
            )
            .map_err(|i| i.to_string())?;
        }
        let it = self.items.get_mut(k).ok_or_else(missing)?;
        if opts.label.is_some() {
            it.label = opts.label;
        }
        if opts.scale.is_some() {
            it.scale = opts.scale;
        }
        it.reverse = opts.reverse;
        Ok(())
    }

    /// Declare residual covariances between pairs of items, by item name. Both names
    /// must be items of the model (not constructs), different, and not already paired.
    /// A single item of a single-item construct is measured without error (its error
    /// variance is fixed to 0 in CB-SEM), so it cannot have a residual covariance.
    ///
    /// # Errors
    /// A message naming the offending pair and the index of the pair in `pairs`.
    ///
    /// ```
    /// # use csi::spec::{ConstructSpec, Model};
    /// let mut m = Model::from_parts("dem",
    ///     vec![ConstructSpec::new("D60", &["y1", "y2", "y3"]), ConstructSpec::new("D65", &["y5", "y6", "y7"])],
    ///     &[("D60", "D65")])?;
    /// m.set_covariances(&[("y1".into(), "y5".into())]).unwrap();
    /// assert_eq!(m.covariances, vec![(0, 3)]);
    /// let (i, e) = m.set_covariances(&[("y1".into(), "D65".into())]).unwrap_err();
    /// assert_eq!(i, 0);
    /// assert!(e.contains("'D65' is a construct"), "{e}");
    /// # Ok::<(), csi::Error>(())
    /// ```
    pub fn set_covariances(
        &mut self,
        pairs: &[(String, String)],
    ) -> std::result::Result<(), (usize, String)> {
        let mut out: Vec<(usize, usize)> = Vec::with_capacity(pairs.len());
        for (k, (a, b)) in pairs.iter().enumerate() {
            let (a, b) = (a.trim(), b.trim());
            let find = |name: &str| -> std::result::Result<usize, String> {
                if let Some(i) = self.item_index(name) {
                    return Ok(i);
                }
                if self.construct_index(name).is_some() {
                    return Err(construct_in_covariance(a, b, name));
                }
                Err(format!(
                    "residual covariance {a} ~~ {b}: '{name}' is not an item of any construct"
                ))
            };
            let ia = find(a).map_err(|e| (k, e))?;
            let ib = find(b).map_err(|e| (k, e))?;
            if ia == ib {
                return Err((
                    k,
                    format!("residual covariance {a} ~~ {b}: an item's error variance is always free; name two different items"),
                ));
            }
            for i in [ia, ib] {
                let Some(item) = self.items.get(i) else {
                    continue;
                };
                let Some(c) = self.constructs.get(item.construct) else {
                    continue;
                };
                if c.items.len() == 1 {
                    return Err((
                        k,
                        format!(
                            "residual covariance {a} ~~ {b}: '{}' is the only item of construct '{}', which is measured without error; residual covariances need items with an error term",
                            item.name, c.name
                        ),
                    ));
                }
            }
            let pair = (ia.min(ib), ia.max(ib));
            if out.contains(&pair) {
                return Err((
                    k,
                    format!("residual covariance {a} ~~ {b} is declared twice"),
                ));
            }
            out.push(pair);
        }
        self.covariances = out;
        Ok(())
    }

    /// Residual covariances as `(item, item)` name pairs.
    pub fn covariance_names(&self) -> Vec<(String, String)> {
        self.covariances
            .iter()
            .filter_map(|&(a, b)| {
                Some((
                    self.items.get(a)?.name.clone(),
                    self.items.get(b)?.name.clone(),
                ))
            })
            .collect()
    }

    /// The department responsible for item `k`: its own `owner`, else its construct's
    /// (model-file key `owner`), else `None`.
    ///
    /// ```
    /// let m = csi::spec::toml_file::parse_model_toml(r#"
    /// name = "m"
    /// [[construct]]
    /// name = "CREW"
    /// items = ["c1", "c2"]
    /// owner = "客舱服务部"
    /// [[construct]]
    /// name = "SAT"
    /// items = ["s1"]
    /// [[path]]
    /// from = "CREW"
    /// to = "SAT"
    /// [item.c2]
    /// owner = "培训部"
    /// "#, "m.toml")?;
    /// assert_eq!(m.item_owner(0), Some("客舱服务部"));
    /// assert_eq!(m.item_owner(1), Some("培训部"));
    /// assert_eq!(m.item_owner(2), None);
    /// # Ok::<(), csi::Error>(())
    /// ```
    pub fn item_owner(&self, k: usize) -> Option<&str> {
        let it = self.items.get(k)?;
        self.extras
            .item_owners
            .get(&it.name)
            .or_else(|| {
                self.extras
                    .construct_owners
                    .get(&self.constructs.get(it.construct)?.name)
            })
            .map(String::as_str)
    }

    /// Path matrix as `from -> to` name pairs.
    pub fn path_names(&self) -> Vec<(String, String)> {
        self.paths
            .iter()
            .map(|&(a, b)| {
                let name = |j: usize| {
                    self.constructs
                        .get(j)
                        .map(|c| c.name.clone())
                        .unwrap_or_default()
                };
                (name(a), name(b))
            })
            .collect()
    }
}

/// An interaction term: construct `a` times construct `b` acting on construct `to`
/// (moderation; `b` is read as the moderator of `a -> to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interaction {
    /// First construct (the predictor).
    pub a: usize,
    /// Second construct (the moderator).
    pub b: usize,
    /// The construct the term acts on.
    pub to: usize,
    /// How the term is formed.
    pub method: InteractionMethod,
}

/// How an interaction term is formed (model-file key `method` in `[[interaction]]`).
///
/// * `two-stage` (default, as SmartPLS and seminr): the main-effects model is
///   estimated first; the term is the standardized product of the two constructs'
///   scores, a single-item construct in the second stage.
/// * `product-indicator`: the term is measured (Mode A) by every product of a
///   standardized item of the first construct and one of the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InteractionMethod {
    /// Two-stage approach.
    #[default]
    TwoStage,
    /// Product-indicator approach.
    ProductIndicator,
}

impl InteractionMethod {
    /// The model-file value.
    pub fn as_str(&self) -> &'static str {
        match self {
            InteractionMethod::TwoStage => "two-stage",
            InteractionMethod::ProductIndicator => "product-indicator",
        }
    }

    /// The method a model-file value names.
    pub fn parse(s: &str) -> Option<InteractionMethod> {
        [
            InteractionMethod::TwoStage,
            InteractionMethod::ProductIndicator,
        ]
        .into_iter()
        .find(|m| m.as_str() == s.trim())
    }
}

impl Model {
    /// Declare interaction terms `(a, b, to, method)` by construct name. Both
    /// constructs must be first-order constructs with main effects on `to` (paths
    /// `a -> to` and `b -> to`), and each term is declared once.
    ///
    /// # Errors
    /// A message naming the term, and the index of the term in `terms`.
    ///
    /// ```
    /// use csi::spec::{ConstructSpec, InteractionMethod, Model};
    /// let mut m = Model::from_parts("toy",
    ///     vec![ConstructSpec::new("Q", &["q1"]), ConstructSpec::new("P", &["p1"]), ConstructSpec::new("S", &["s1"])],
    ///     &[("Q", "S"), ("P", "S")])?;
    /// m.set_interactions(&[("Q".into(), "P".into(), "S".into(), InteractionMethod::TwoStage)]).unwrap();
    /// assert_eq!(m.interactions[0].b, 1);
    /// let (_, e) = m.set_interactions(&[("Q".into(), "S".into(), "P".into(), InteractionMethod::TwoStage)]).unwrap_err();
    /// assert!(e.contains("main effect"), "{e}");
    /// # Ok::<(), csi::Error>(())
    /// ```
    pub fn set_interactions(
        &mut self,
        terms: &[(String, String, String, InteractionMethod)],
    ) -> std::result::Result<(), (usize, String)> {
        let mut out: Vec<Interaction> = Vec::with_capacity(terms.len());
        for (k, (a, b, to, method)) in terms.iter().enumerate() {
            let (a, b, to) = (a.trim(), b.trim(), to.trim());
            let what = format!("interaction {a} x {b} -> {to}");
            let find = |n: &str| -> std::result::Result<usize, (usize, String)> {
                let j = self
                    .construct_index(n)
                    .ok_or_else(|| (k, format!("{what}: '{n}' is not a declared construct")))?;
                if self.constructs.get(j).is_some_and(|c| c.is_higher_order())
                    || self.higher_of(j).is_some()
                {
                    return Err((
                        k,
                        format!("{what}: '{n}' is part of a higher-order construct; interaction terms with higher-order constructs are not supported"),
                    ));
                }
                Ok(j)
            };
            let (ia, ib, it) = (find(a)?, find(b)?, find(to)?);
            if ia == ib || ia == it || ib == it {
                return Err((k, format!("{what}: name three different constructs")));
            }
            for x in [ia, ib] {
                if !self.paths.contains(&(x, it)) {
                    return Err((
                        k,
                        format!(
                            "{what}: the main effect {} -> {to} is missing; a moderation model keeps both main effects, add the path",
                            self.constructs.get(x).map(|c| c.name.as_str()).unwrap_or("")
                        ),
                    ));
                }
            }
            if out
                .iter()
                .any(|t| t.to == it && ((t.a, t.b) == (ia, ib) || (t.a, t.b) == (ib, ia)))
            {
                return Err((k, format!("{what} is declared twice")));
            }
            out.push(Interaction {
                a: ia,
                b: ib,
                to: it,
                method: *method,
            });
        }
        self.interactions = out;
        Ok(())
    }
}

/// The message refusing a covariance `a ~~ b` that names construct `name`.
pub(crate) fn construct_in_covariance(a: &str, b: &str, name: &str) -> String {
    format!(
        "residual covariance {a} ~~ {b}: '{name}' is a construct; only residual covariances of two items are supported (exogenous constructs already covary freely)"
    )
}

/// Check a scale has finite bounds with min < max.
pub fn check_scale(what: &str, s: Scale) -> std::result::Result<(), SpecIssue> {
    if !(s.min.is_finite() && s.max.is_finite() && s.min < s.max) {
        return Err(SpecIssue::BadScale {
            what: what.to_string(),
            min: s.min,
            max: s.max,
        });
    }
    Ok(())
}

/// Line, column and message of the model error `r` must be (tests of the file
/// readers; 0 for a position the error does not give).
#[cfg(test)]
pub(crate) fn error_position(r: Result<Model>) -> (usize, usize, String) {
    match r {
        Err(Error::Model {
            line,
            column,
            message,
            ..
        }) => (line.unwrap_or(0), column.unwrap_or(0), message),
        other => panic!("expected a model error, got {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::graph::topo_order;
    use super::*;

    fn c(n: &str, items: &[&str]) -> ConstructSpec {
        ConstructSpec::new(n, items)
    }

    #[test]
    fn cycle_is_refused() {
        let e = Model::from_parts(
            "m",
            vec![c("A", &["a"]), c("B", &["b"]), c("C", &["c"])],
            &[("A", "B"), ("B", "C"), ("C", "A")],
        )
        .unwrap_err();
        assert!(e.to_string().contains("cycle (A -> B -> C -> A)"), "{e}");
    }

    #[test]
    fn duplicate_item_is_refused() {
        let e = Model::from_parts("m", vec![c("A", &["a"]), c("B", &["a"])], &[("A", "B")])
            .unwrap_err();
        assert!(e.to_string().contains("item 'a' is listed twice"), "{e}");
    }

    #[test]
    fn topo_order_puts_causes_first() {
        let m = Model::from_parts(
            "m",
            vec![c("SAT", &["s"]), c("IMAG", &["i"]), c("LOY", &["l"])],
            &[("IMAG", "SAT"), ("SAT", "LOY"), ("IMAG", "LOY")],
        )
        .unwrap();
        assert_eq!(m.topological_order(), &[1, 0, 2]);
        assert_eq!(m.predecessors(2), &[0, 1]);
    }

    /// Issue 10 (no hang on any input): a chain of many constructs given in reverse
    /// order is checked and ordered quickly (the cycle check and the topological
    /// order were quadratic, the cycle search recursive).
    #[test]
    fn long_chains_are_fast_and_do_not_recurse() {
        let q = 20_000;
        let names: Vec<String> = (0..q).map(|i| format!("C{i}")).collect();
        let items: Vec<String> = (0..q).map(|i| format!("c{i}")).collect();
        let specs: Vec<ConstructSpec> = (0..q)
            .map(|i| ConstructSpec::new(&names[i], &[items[i].as_str()]))
            .collect();
        // C(i+1) -> C(i): the causes come last
        let paths: Vec<(String, String)> = (0..q - 1)
            .map(|i| (names[i + 1].clone(), names[i].clone()))
            .collect();
        let start = std::time::Instant::now();
        let m = Model::build("chain", specs.clone(), &paths).unwrap();
        assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
        let topo = m.topological_order();
        assert_eq!(topo.first(), Some(&(q - 1)));
        assert_eq!(topo.last(), Some(&0));
        // closing the chain into a cycle is found, and named from its lowest construct
        let mut cyc = paths.clone();
        cyc.push((names[0].clone(), names[q - 1].clone()));
        match Model::build("chain", specs, &cyc) {
            Err(SpecIssue::Cycle { path, names: ns }) => {
                assert_eq!(path, q - 1);
                assert_eq!(ns.len(), q + 1);
                assert_eq!(ns.first().map(String::as_str), Some("C0"));
                assert_eq!(ns.get(1).map(String::as_str), Some(names[q - 1].as_str()));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn topo_order_is_the_passes_order() {
        // the order of the former pass-based algorithm, on a graph where a pass
        // takes constructs made ready earlier in the same pass
        let pred = vec![vec![3], vec![], vec![1], vec![1], vec![0, 2]];
        let mut succ = vec![Vec::new(); 5];
        for (b, ps) in pred.iter().enumerate() {
            for &a in ps {
                succ[a].push(b);
            }
        }
        // pass 1: 1, then 2 (its predecessor 1 is done), 3; pass 2: 0, then 4
        assert_eq!(topo_order(&pred, &succ), vec![1, 2, 3, 0, 4]);
    }

    #[test]
    fn no_paths_is_refused() {
        let e = Model::from_parts("m", vec![c("A", &["a"])], &[]).unwrap_err();
        assert!(e.to_string().contains("no endogenous"), "{e}");
    }
}
