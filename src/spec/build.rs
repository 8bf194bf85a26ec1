//! Building a checked [`Model`] from construct specs and named paths.

use super::graph::{first_cycle, topo_order};
use super::{Construct, ConstructSpec, Extras, Item, Model, SpecIssue};
use crate::error::{Error, Result};
use std::collections::{HashMap, HashSet};

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
        let mut blocks = Blocks::default();
        for (k, c) in constructs.into_iter().enumerate() {
            blocks.add(k, c)?;
        }
        let Blocks {
            mut cons,
            items,
            cidx,
            dims,
            ..
        } = blocks;
        resolve_dimensions(&mut cons, &cidx, dims)?;
        let q = cons.len();
        let mut pth = structural_paths(&cons, &cidx, paths)?;
        // every dimension points to its higher-order construct (after the declared
        // paths, so that path numbers keep pointing at the model file)
        for (h, c) in cons.iter().enumerate() {
            for &d in &c.dimensions {
                pth.push((d, h));
            }
        }
        let (predecessors, successors) = adjacency(q, &pth);
        let topo = topo_order(&predecessors, &successors);
        Ok(Model {
            name: name.to_string(),
            description: None,
            scale: None,
            missing_codes: Vec::new(),
            constructs: cons,
            items,
            paths: pth,
            covariances: Vec::new(),
            interactions: Vec::new(),
            extras: Extras::default(),
            topo,
            predecessors,
            successors,
        })
    }
}

/// The measurement model as it is read: constructs and their items numbered block
/// by block, the name indexes, and each construct's dimension names (resolved
/// once every construct is known).
#[derive(Default)]
struct Blocks {
    cons: Vec<Construct>,
    items: Vec<Item>,
    cidx: HashMap<String, usize>,
    iidx: HashMap<String, usize>,
    dims: Vec<Vec<String>>,
}

impl Blocks {
    /// Add the `k`-th construct: a unique non-empty name, and either items or
    /// dimensions (not both).
    fn add(&mut self, k: usize, c: ConstructSpec) -> std::result::Result<(), SpecIssue> {
        let cname = c.name.trim().to_string();
        if cname.is_empty() {
            return Err(SpecIssue::EmptyConstructName { index: k });
        }
        if self.cidx.contains_key(&cname) {
            return Err(SpecIssue::DuplicateConstruct {
                index: k,
                name: cname,
            });
        }
        if !c.dimensions.is_empty() && !c.items.is_empty() {
            return Err(SpecIssue::HigherOrder {
                index: k,
                message: format!("construct '{cname}' has both 'items' and 'dimensions'; a higher-order construct is built from its dimensions only"),
            });
        }
        if c.items.is_empty() && c.dimensions.is_empty() {
            return Err(SpecIssue::NoItems {
                index: k,
                name: cname,
            });
        }
        let its = self.add_items(k, &cname, &c.items)?;
        self.cidx.insert(cname.clone(), k);
        self.cons.push(Construct {
            name: cname,
            label: c.label,
            items: its,
            mode: c.mode,
            dimensions: Vec::new(),
            hoc_method: c.hoc_method,
        });
        self.dims.push(c.dimensions);
        Ok(())
    }

    /// Number the items of construct `k` (named `cname`) after the items so far;
    /// every item name is non-empty and belongs to one construct only.
    fn add_items(
        &mut self,
        k: usize,
        cname: &str,
        names: &[String],
    ) -> std::result::Result<Vec<usize>, SpecIssue> {
        let mut its = Vec::with_capacity(names.len());
        for it in names {
            let iname = it.trim().to_string();
            if iname.is_empty() {
                return Err(SpecIssue::EmptyItemName { index: k });
            }
            if let Some(&prev) = self.iidx.get(&iname) {
                let first = self
                    .items
                    .get(prev)
                    .and_then(|i: &Item| self.cons.get(i.construct).map(|c| c.name.clone()))
                    .unwrap_or_else(|| cname.to_string());
                return Err(SpecIssue::DuplicateItem {
                    index: k,
                    name: iname,
                    first,
                });
            }
            self.iidx.insert(iname.clone(), self.items.len());
            its.push(self.items.len());
            self.items.push(Item {
                name: iname,
                label: None,
                scale: None,
                reverse: false,
                construct: k,
            });
        }
        Ok(its)
    }
}

/// The declared paths as `(from, to)` indices, checked: known names, no path into
/// or out of a dimension, no self-loop or repeat, and no cycle. The first path with
/// an issue of its own is reported unless the paths before it already close a
/// cycle, which comes first.
fn structural_paths(
    cons: &[Construct],
    cidx: &HashMap<String, usize>,
    paths: &[(String, String)],
) -> std::result::Result<Vec<(usize, usize)>, SpecIssue> {
    let mut pth: Vec<(usize, usize)> = Vec::new();
    let mut declared: HashSet<(usize, usize)> = Default::default();
    let mut path_issue: Option<SpecIssue> = None;
    for (k, (a, b)) in paths.iter().enumerate() {
        match check_path(cons, cidx, k, (a, b)) {
            Ok((from, to)) if !declared.insert((from, to)) => {
                path_issue = Some(SpecIssue::DuplicatePath {
                    path: k,
                    from: a.clone(),
                    to: b.clone(),
                });
                break;
            }
            Ok(p) => pth.push(p),
            Err(issue) => {
                path_issue = Some(issue);
                break;
            }
        }
    }
    if let Some((k, cycle)) = first_cycle(cons.len(), &pth) {
        return Err(SpecIssue::Cycle {
            path: k,
            names: cycle
                .iter()
                .filter_map(|&i| cons.get(i).map(|c| c.name.clone()))
                .collect(),
        });
    }
    if let Some(issue) = path_issue {
        return Err(issue);
    }
    if pth.is_empty() {
        return Err(SpecIssue::NoEndogenous);
    }
    Ok(pth)
}

/// The `k`-th path `a -> b` as indices: both names declared, neither a dimension
/// of a higher-order construct, and not a self-loop.
fn check_path(
    cons: &[Construct],
    cidx: &HashMap<String, usize>,
    k: usize,
    (a, b): (&String, &String),
) -> std::result::Result<(usize, usize), SpecIssue> {
    let (Some(&from), Some(&to)) = (cidx.get(a.trim()), cidx.get(b.trim())) else {
        let name = if cidx.contains_key(a.trim()) { b } else { a };
        return Err(SpecIssue::UnknownConstruct {
            path: k,
            name: name.clone(),
        });
    };
    let in_dimension = [from, to].into_iter().find_map(|x| {
        let h = cons.iter().find(|h| h.dimensions.contains(&x))?;
        Some((cons.get(x)?.name.clone(), h.name.clone()))
    });
    if let Some((name, higher)) = in_dimension {
        return Err(SpecIssue::DimensionPath {
            path: k,
            name,
            higher,
        });
    }
    if from == to {
        return Err(SpecIssue::SelfLoop {
            path: k,
            name: a.clone(),
        });
    }
    Ok((from, to))
}

/// Predecessor and successor lists of every construct, each sorted.
fn adjacency(q: usize, pth: &[(usize, usize)]) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let mut predecessors: Vec<Vec<usize>> = vec![Vec::new(); q];
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); q];
    for &(a, b) in pth {
        if let Some(v) = predecessors.get_mut(b) {
            v.push(a);
        }
        if let Some(v) = successors.get_mut(a) {
            v.push(b);
        }
    }
    for v in predecessors.iter_mut().chain(successors.iter_mut()) {
        v.sort_unstable();
    }
    (predecessors, successors)
}

/// Resolve the dimension names of higher-order constructs: each must be a declared
/// first-order construct, other than the construct itself, and the dimension of one
/// higher-order construct only; a higher-order construct needs two dimensions.
fn resolve_dimensions(
    cons: &mut [Construct],
    cidx: &HashMap<String, usize>,
    dims: Vec<Vec<String>>,
) -> std::result::Result<(), SpecIssue> {
    let mut owner: HashMap<usize, usize> = HashMap::new();
    for (h, names) in dims.iter().enumerate() {
        if names.is_empty() {
            continue;
        }
        let hname = cons.get(h).map(|c| c.name.clone()).unwrap_or_default();
        let issue = |message: String| SpecIssue::HigherOrder { index: h, message };
        let mut out = Vec::with_capacity(names.len());
        for n in names {
            let n = n.trim();
            let Some(&d) = cidx.get(n) else {
                return Err(issue(format!(
                    "dimension '{n}' of higher-order construct '{hname}' is not a declared construct"
                )));
            };
            if d == h {
                return Err(issue(format!(
                    "higher-order construct '{hname}' lists itself as a dimension"
                )));
            }
            if dims.get(d).is_some_and(|x| !x.is_empty()) {
                return Err(issue(format!(
                    "dimension '{n}' of '{hname}' is itself a higher-order construct; only second-order constructs (built from first-order constructs) are supported"
                )));
            }
            if out.contains(&d) {
                return Err(issue(format!(
                    "dimension '{n}' is listed twice in '{hname}'"
                )));
            }
            if let Some(&other) = owner.get(&d) {
                return Err(issue(format!(
                    "construct '{n}' is a dimension of both '{}' and '{hname}'; a dimension belongs to one higher-order construct",
                    cons.get(other).map(|c| c.name.as_str()).unwrap_or("")
                )));
            }
            owner.insert(d, h);
            out.push(d);
        }
        if out.len() < 2 {
            return Err(issue(format!(
                "higher-order construct '{hname}' needs at least two dimensions, found {}",
                out.len()
            )));
        }
        if let Some(c) = cons.get_mut(h) {
            c.dimensions = out;
        }
    }
    Ok(())
}
