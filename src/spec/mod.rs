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

use crate::error::{Error, Result};
use std::collections::{BTreeMap, HashMap};

pub mod lavaan;
pub mod toml_file;

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
    /// Indices into [`Model::items`], consecutive.
    pub items: Vec<usize>,
    /// Outer mode.
    pub mode: Mode,
}

/// Unchecked description of a construct, input to [`Model::from_parts`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConstructSpec {
    /// Name.
    pub name: String,
    /// Label.
    pub label: Option<String>,
    /// Item names.
    pub items: Vec<String>,
    /// Mode.
    pub mode: Mode,
}

impl ConstructSpec {
    /// A Mode A construct with the given items.
    pub fn new(name: &str, items: &[&str]) -> Self {
        ConstructSpec {
            name: name.to_string(),
            label: None,
            items: items.iter().map(|s| s.to_string()).collect(),
            mode: Mode::A,
        }
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
}

impl Model {
    /// Build and check a model from construct specs and `(from, to)` paths by name.
    ///
    /// # Errors
    /// [`Error::Model`] (without a file position) naming the first [`SpecIssue`].
    pub fn from_parts(
        name: &str,
        constructs: Vec<ConstructSpec>,
        paths: &[(&str, &str)],
    ) -> Result<Model> {
        let owned: Vec<(String, String)> = paths
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        Self::build(name, constructs, &owned)
            .map_err(|i| Error::model("<model>", None, None, i.to_string()))
    }

    /// Build and check, returning the structured issue (used by the file readers).
    pub fn build(
        name: &str,
        constructs: Vec<ConstructSpec>,
        paths: &[(String, String)],
    ) -> std::result::Result<Model, SpecIssue> {
        let mut cons: Vec<Construct> = Vec::with_capacity(constructs.len());
        let mut items: Vec<Item> = Vec::new();
        let mut cidx: HashMap<String, usize> = HashMap::new();
        let mut iidx: HashMap<String, usize> = HashMap::new();
        for (k, c) in constructs.into_iter().enumerate() {
            let cname = c.name.trim().to_string();
            if cname.is_empty() {
                return Err(SpecIssue::EmptyConstructName { index: k });
            }
            if cidx.contains_key(&cname) {
                return Err(SpecIssue::DuplicateConstruct {
                    index: k,
                    name: cname,
                });
            }
            if c.items.is_empty() {
                return Err(SpecIssue::NoItems {
                    index: k,
                    name: cname,
                });
            }
            let mut its = Vec::with_capacity(c.items.len());
            for it in &c.items {
                let iname = it.trim().to_string();
                if iname.is_empty() {
                    return Err(SpecIssue::EmptyItemName { index: k });
                }
                if let Some(&prev) = iidx.get(&iname) {
                    let first = items
                        .get(prev)
                        .and_then(|i: &Item| cons.get(i.construct).map(|c| c.name.clone()))
                        .unwrap_or_else(|| cname.clone());
                    return Err(SpecIssue::DuplicateItem {
                        index: k,
                        name: iname,
                        first,
                    });
                }
                iidx.insert(iname.clone(), items.len());
                its.push(items.len());
                items.push(Item {
                    name: iname,
                    label: None,
                    scale: None,
                    reverse: false,
                    construct: k,
                });
            }
            cidx.insert(cname.clone(), k);
            cons.push(Construct {
                name: cname,
                label: c.label,
                items: its,
                mode: c.mode,
            });
        }
        let q = cons.len();
        let mut pth: Vec<(usize, usize)> = Vec::new();
        for (k, (a, b)) in paths.iter().enumerate() {
            let from = *cidx
                .get(a.trim())
                .ok_or_else(|| SpecIssue::UnknownConstruct {
                    path: k,
                    name: a.clone(),
                })?;
            let to = *cidx
                .get(b.trim())
                .ok_or_else(|| SpecIssue::UnknownConstruct {
                    path: k,
                    name: b.clone(),
                })?;
            if from == to {
                return Err(SpecIssue::SelfLoop {
                    path: k,
                    name: a.clone(),
                });
            }
            if pth.contains(&(from, to)) {
                return Err(SpecIssue::DuplicatePath {
                    path: k,
                    from: a.clone(),
                    to: b.clone(),
                });
            }
            pth.push((from, to));
            if let Some(cycle) = find_cycle(q, &pth) {
                return Err(SpecIssue::Cycle {
                    path: k,
                    names: cycle.iter().map(|&i| cons[i].name.clone()).collect(),
                });
            }
        }
        if pth.is_empty() {
            return Err(SpecIssue::NoEndogenous);
        }
        let mut predecessors = vec![Vec::new(); q];
        let mut successors = vec![Vec::new(); q];
        for &(a, b) in &pth {
            predecessors[b].push(a);
            successors[a].push(b);
        }
        for v in predecessors.iter_mut().chain(successors.iter_mut()) {
            v.sort_unstable();
        }
        let topo = topo_order(q, &predecessors);
        Ok(Model {
            name: name.to_string(),
            description: None,
            scale: None,
            missing_codes: Vec::new(),
            constructs: cons,
            items,
            paths: pth,
            extras: Extras::default(),
            topo,
            predecessors,
            successors,
        })
    }

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
        let k = self
            .item_index(name)
            .ok_or_else(|| {
                format!(
                    "[item.{}] names an item that no construct lists",
                    crate::text_safety::shown_name(name)
                )
            })?;
        if let Some(s) = opts.scale {
            check_scale(
                &format!("item '{}'", crate::text_safety::shown_name(name)),
                s,
            )
            .map_err(|i| i.to_string())?;
        }
        let it = &mut self.items[k];
        if opts.label.is_some() {
            it.label = opts.label;
        }
        if opts.scale.is_some() {
            it.scale = opts.scale;
        }
        it.reverse = opts.reverse;
        Ok(())
    }

    /// Path matrix as `from -> to` name pairs.
    pub fn path_names(&self) -> Vec<(String, String)> {
        self.paths
            .iter()
            .map(|&(a, b)| {
                (
                    self.constructs[a].name.clone(),
                    self.constructs[b].name.clone(),
                )
            })
            .collect()
    }
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

/// Returns a cycle (as construct indices, first repeated at the end) if the graph has one.
fn find_cycle(q: usize, paths: &[(usize, usize)]) -> Option<Vec<usize>> {
    let mut succ = vec![Vec::new(); q];
    for &(a, b) in paths {
        succ[a].push(b);
    }
    // 0 = unvisited, 1 = on stack, 2 = done
    let mut state = vec![0u8; q];
    let mut stack: Vec<usize> = Vec::new();
    fn dfs(
        v: usize,
        succ: &[Vec<usize>],
        state: &mut [u8],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[v] = 1;
        stack.push(v);
        for &w in &succ[v] {
            if state[w] == 1 {
                let start = stack.iter().position(|&x| x == w).unwrap_or(0);
                let mut cyc = stack[start..].to_vec();
                cyc.push(w);
                return Some(cyc);
            }
            if state[w] == 0 {
                if let Some(c) = dfs(w, succ, state, stack) {
                    return Some(c);
                }
            }
        }
        stack.pop();
        state[v] = 2;
        None
    }
    for v in 0..q {
        if state[v] == 0 {
            if let Some(c) = dfs(v, &succ, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

fn topo_order(q: usize, pred: &[Vec<usize>]) -> Vec<usize> {
    let mut done = vec![false; q];
    let mut order = Vec::with_capacity(q);
    while order.len() < q {
        let mut progressed = false;
        for j in 0..q {
            if !done[j] && pred[j].iter().all(|&p| done[p]) {
                done[j] = true;
                order.push(j);
                progressed = true;
            }
        }
        if !progressed {
            break; // unreachable for an acyclic model
        }
    }
    order
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn no_paths_is_refused() {
        let e = Model::from_parts("m", vec![c("A", &["a"])], &[]).unwrap_err();
        assert!(e.to_string().contains("no endogenous"), "{e}");
    }
}
