//! From a [`DataProfile`] to a [`Proposal`]: constructs by template or name stem,
//! paths, the scale and the missing codes.

use super::item::{item_view, ItemView};
use super::{name_stem, DataProfile, InitOptions, Proposal, ProposedConstruct, Template, Unplaced};
use crate::error::{Error, Location, Result};
use crate::spec::{ConstructSpec, Model, Scale};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

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
pub(super) fn common_label(labels: &[&str]) -> Option<String> {
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

/// The item analysis of every column: item columns grouped by name stem.
struct Columns {
    views: BTreeMap<usize, ItemView>,
    groups: Vec<Group>,
    ungrouped: Vec<usize>,
    unplaced: Vec<Unplaced>,
}

/// Constructs, paths and remarks of a proposal in the making.
#[derive(Default)]
struct Draft {
    /// (construct, label)
    constructs: Vec<(ProposedConstruct, Option<String>)>,
    item_labels: BTreeMap<String, String>,
    notes: Vec<String>,
    paths: Vec<(String, String)>,
    paths_reason: String,
}

/// Propose a model for a data profile.
///
/// # Errors
/// [`Error::Data`] naming the file when fewer than two constructs can be formed (a
/// model needs a path), e.g. when every item column shares one name stem (`q1..q37`:
/// use a template or rename the columns).
pub fn propose_model(profile: &DataProfile, opts: &InitOptions) -> Result<Proposal> {
    let mut cols = classify_columns(profile);
    let template = match opts.template {
        Some(t) => Some(t.model()?),
        None => None,
    };
    let mut draft = match &template {
        Some(tm) => from_template(profile, tm, &mut cols),
        None => from_stems(profile, &cols),
    };
    place_ungrouped(profile, &draft, &mut cols);
    if draft.constructs.len() < 2 || draft.paths.is_empty() {
        return Err(too_few_constructs(profile, opts, &draft));
    }
    let item_cols: Vec<usize> = draft
        .constructs
        .iter()
        .flat_map(|(p, _)| p.items.iter())
        .filter_map(|n| profile.columns.iter().position(|c| c.name == *n))
        .collect();
    let (scale, scale_reason) = main_scale(&cols.views, &item_cols);
    let missing_reasons = missing_codes(&cols.views, &item_cols);
    let mut model = model_of(
        profile,
        opts,
        template.as_ref(),
        &draft,
        scale,
        &missing_reasons,
    )?;
    label_items(&mut model, profile, &cols.views, &mut draft, scale);
    Ok(Proposal {
        data_file: profile.file.clone(),
        n_rows: profile.n_rows,
        template: opts.template,
        constructs: draft.constructs.into_iter().map(|(p, _)| p).collect(),
        paths_reason: draft.paths_reason,
        scale_reason,
        missing_reasons,
        unplaced: cols.unplaced,
        notes: draft.notes,
        model,
    })
}

/// Every column's item analysis; items grouped by name stem, the others unplaced.
fn classify_columns(profile: &DataProfile) -> Columns {
    let mut cols = Columns {
        views: BTreeMap::new(),
        groups: Vec::new(),
        ungrouped: Vec::new(),
        unplaced: Vec::new(),
    };
    for (c, col) in profile.columns.iter().enumerate() {
        let view = item_view(col);
        let stem = name_stem(&col.name);
        match (view, stem) {
            (Ok(v), Some((stem, _))) => {
                cols.views.insert(c, v);
                let key = stem.to_lowercase();
                match cols
                    .groups
                    .iter_mut()
                    .find(|g| g.stem.to_lowercase() == key)
                {
                    Some(g) => g.columns.push(c),
                    None => cols.groups.push(Group {
                        stem,
                        columns: vec![c],
                    }),
                }
            }
            (Ok(v), None) => {
                cols.views.insert(c, v);
                cols.ungrouped.push(c);
            }
            (Err(why), _) => cols.unplaced.push(Unplaced {
                column: col.name.clone(),
                reason: why,
                looks_like_item: false,
            }),
        }
    }
    cols
}

/// Per template construct: its name and its items' name stems (lowercase).
fn stem_keys(tm: &Model) -> Vec<Vec<String>> {
    tm.constructs
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
        .collect()
}

/// The template construct a name stem belongs to: exact, by prefix, else by role.
fn stem_match(tm: &Model, keys: &[Vec<String>], stem: &str) -> Option<usize> {
    let s = stem.to_lowercase();
    let exact = keys.iter().position(|k| k.contains(&s));
    if exact.is_some() {
        return exact;
    }
    if s.chars().count() >= 3 {
        let pre = keys.iter().position(|k| {
            k.iter()
                .any(|x| x.chars().count() >= 3 && (x.starts_with(&s) || s.starts_with(x.as_str())))
        });
        if pre.is_some() {
            return pre;
        }
    }
    let role = role_of(stem)?;
    tm.constructs.iter().position(|con| {
        role_of(&con.name) == Some(role) || con.label.as_deref().and_then(role_of) == Some(role)
    })
}

/// Per template construct: the words of its label to look for in a column's label.
fn label_words(tm: &Model) -> Vec<Vec<String>> {
    tm.constructs
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
        .collect()
}

/// The template construct of each candidate item column and how it was matched: by
/// item name, name stem, or variable label (item labels of name matches go to `draft`).
fn assign_to_template(
    profile: &DataProfile,
    tm: &Model,
    cols: &Columns,
    draft: &mut Draft,
) -> BTreeMap<usize, (usize, &'static str)> {
    let col_label = |c: usize| profile.columns[c].label.clone();
    // construct index of the template for each candidate item column
    let mut assign: BTreeMap<usize, (usize, &'static str)> = BTreeMap::new();
    let lower_items: BTreeMap<String, usize> = tm
        .items
        .iter()
        .enumerate()
        .map(|(k, it)| (it.name.to_lowercase(), k))
        .collect();
    for &c in cols.views.keys() {
        if let Some(&k) = lower_items.get(&profile.columns[c].name.to_lowercase()) {
            assign.insert(c, (tm.items[k].construct, "item name"));
            if let Some(l) = &tm.items[k].label {
                draft
                    .item_labels
                    .insert(profile.columns[c].name.clone(), l.clone());
            }
        }
    }
    // name stems against construct names and the template's item stems
    let keys = stem_keys(tm);
    for g in &cols.groups {
        if let Some(j) = stem_match(tm, &keys, &g.stem) {
            for &c in &g.columns {
                assign.entry(c).or_insert((j, "name stem"));
            }
        }
    }
    // labels: the template construct's label words in the column's SPSS label
    let label_words = label_words(tm);
    for &c in cols.views.keys() {
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
    assign
}

/// Constructs and paths of a template, for the columns matched to it.
fn from_template(profile: &DataProfile, tm: &Model, cols: &mut Columns) -> Draft {
    let tname = tm.name.clone();
    let mut draft = Draft::default();
    let assign = assign_to_template(profile, tm, cols, &mut draft);
    let candidates: Vec<usize> = cols.views.keys().copied().collect();
    for (j, con) in tm.constructs.iter().enumerate() {
        let found: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|c| assign.get(c).map(|a| a.0) == Some(j))
            .collect();
        if found.is_empty() {
            draft.notes.push(format!(
                "template construct {} has no column in the data; left out",
                con.name
            ));
            continue;
        }
        let mut how: Vec<&str> = found.iter().map(|c| assign[c].1).collect();
        how.sort();
        how.dedup();
        draft.constructs.push((
            ProposedConstruct {
                name: con.name.clone(),
                items: found
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
            cols.unplaced.push(Unplaced {
                column: profile.columns[c].name.clone(),
                reason: format!(
                    "looks like an item but matches no construct of {tname} by name or label"
                ),
                looks_like_item: true,
            });
        }
    }
    let kept: BTreeSet<String> = draft
        .constructs
        .iter()
        .map(|(p, _)| p.name.clone())
        .collect();
    draft.paths = template_paths(tm, &kept);
    draft.paths_reason = format!("the paths of {tname} between the constructs found");
    draft
}

/// The template's paths between the constructs kept; a left-out construct is bridged
/// (its predecessors -> its successors).
fn template_paths(tm: &Model, kept: &BTreeSet<String>) -> Vec<(String, String)> {
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
    all
}

/// One construct per name stem, with guessed paths (and a hint when the constructs are
/// those of a bundled model).
fn from_stems(profile: &DataProfile, cols: &Columns) -> Draft {
    let col_label = |c: usize| profile.columns[c].label.clone();
    let mut draft = Draft::default();
    for g in &cols.groups {
        let name = construct_name(&g.stem);
        let labels: Vec<String> = g.columns.iter().filter_map(|&c| col_label(c)).collect();
        let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
        let label = if labels.len() == g.columns.len() {
            common_label(&refs)
        } else {
            None
        };
        draft.constructs.push((
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
    for (p, _) in draft.constructs.iter_mut() {
        let n = seen.entry(p.name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            p.name = format!("{}_{}", p.name, n);
        }
    }
    let (p, why) = guess_paths(&draft.constructs);
    draft.paths = p;
    draft.paths_reason = why;
    // a hint when the constructs are those of a bundled model
    let names: BTreeSet<String> = draft
        .constructs
        .iter()
        .map(|(p, _)| p.name.clone())
        .collect();
    for t in Template::ALL {
        if let Ok(m) = t.model() {
            let tn: BTreeSet<String> = m.constructs.iter().map(|c| c.name.to_uppercase()).collect();
            if tn == names {
                draft.notes.push(format!(
                    "the constructs are those of {}: `--template {}` gives its paths and labels",
                    m.name,
                    t.as_str()
                ));
            }
        }
    }
    draft
}

/// Item columns without a stem (and in no construct) are listed as unplaced; the list
/// keeps the file's column order.
fn place_ungrouped(profile: &DataProfile, draft: &Draft, cols: &mut Columns) {
    for &c in &cols.ungrouped {
        if draft
            .constructs
            .iter()
            .any(|(p, _)| p.items.contains(&profile.columns[c].name))
        {
            continue;
        }
        if cols
            .unplaced
            .iter()
            .any(|u| u.column == profile.columns[c].name)
        {
            continue;
        }
        cols.unplaced.push(Unplaced {
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
    cols.unplaced
        .sort_by_key(|u| order.get(u.column.as_str()).copied().unwrap_or(usize::MAX));
}

/// The error when fewer than two constructs joined by a path were found.
fn too_few_constructs(profile: &DataProfile, opts: &InitOptions, draft: &Draft) -> Error {
    let found: Vec<String> = draft
        .constructs
        .iter()
        .map(|(p, _)| format!("{} ({} items)", p.name, p.items.len()))
        .collect();
    Error::data(
        Location {
            file: profile.file.clone(),
            ..Default::default()
        },
        format!(
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
        ),
    )
}

/// The most common item scale and where it came from (items on another scale get
/// their own).
fn main_scale(views: &BTreeMap<usize, ItemView>, item_cols: &[usize]) -> (Scale, String) {
    let mut tally: Vec<((f64, f64), usize, String)> = Vec::new();
    for &c in item_cols {
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
    (scale, scale_reason)
}

/// The missing codes of the item columns, each with where it came from.
fn missing_codes(views: &BTreeMap<usize, ItemView>, item_cols: &[usize]) -> Vec<(String, String)> {
    // (code, what, cells, columns)
    let mut found: Vec<(String, String, usize, usize)> = Vec::new();
    for &c in item_cols {
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
    found
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
        .collect()
}

/// The checked model of the draft: constructs, paths, scale, description, missing codes
/// and (template) the overall item.
fn model_of(
    profile: &DataProfile,
    opts: &InitOptions,
    template: Option<&Model>,
    draft: &Draft,
    scale: Scale,
    missing_reasons: &[(String, String)],
) -> Result<Model> {
    let specs: Vec<ConstructSpec> = draft
        .constructs
        .iter()
        .map(|(p, label)| {
            let items: Vec<&str> = p.items.iter().map(String::as_str).collect();
            let mut s = ConstructSpec::new(&p.name, &items);
            s.label = label.clone();
            s
        })
        .collect();
    let owned: Vec<(&str, &str)> = draft
        .paths
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let name = opts.name.clone().unwrap_or_else(|| match template {
        Some(t) => t.name.clone(),
        None => Path::new(&profile.file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".into()),
    });
    let mut model = Model::from_parts(&name, specs, &owned)?.with_scale(scale)?;
    model.description = Some(match template {
        Some(t) => format!(
            "proposed by csi init from {} with the {} template",
            profile.file, t.name
        ),
        None => format!("proposed by csi init from {}", profile.file),
    });
    model.missing_codes = missing_reasons.iter().map(|m| m.0.clone()).collect();
    if let Some(t) = template {
        model.extras.overall = t
            .extras
            .overall
            .clone()
            .filter(|o| model.item_index(o).is_some());
    }
    Ok(model)
}

/// Item labels (template, else SPSS) and the own scale of items off the main scale
/// (with a note).
fn label_items(
    model: &mut Model,
    profile: &DataProfile,
    views: &BTreeMap<usize, ItemView>,
    draft: &mut Draft,
    scale: Scale,
) {
    for k in 0..model.n_items() {
        let iname = model.items[k].name.clone();
        let Some(c) = profile.columns.iter().position(|c| c.name == iname) else {
            continue;
        };
        let label = draft
            .item_labels
            .get(&iname)
            .cloned()
            .or_else(|| profile.columns[c].label.clone());
        let s = views[&c].scale;
        let own = if (s.min, s.max) != (scale.min, scale.max) {
            draft.notes.push(format!(
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
