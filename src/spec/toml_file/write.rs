//! Writing a [`Model`] back as a TOML model file.

use crate::spec::{Construct, Item, Mode, Model};

/// Write a model as a TOML model file. Reading the result back with
/// [`parse_model_toml`](super::parse_model_toml) gives an equal [`Model`].
///
/// ```
/// use csi::spec::toml_file::{model_to_toml, parse_model_toml};
/// use csi::spec::{ConstructSpec, Model, Scale};
/// let m = Model::from_parts(
///     "toy",
///     vec![ConstructSpec::new("QUAL", &["q1", "q2"]).label("感知质量 (Quality)"),
///          ConstructSpec::new("SAT", &["s1"])],
///     &[("QUAL", "SAT")],
/// )?
/// .with_scale(Scale { min: 1.0, max: 10.0 })?;
/// let text = model_to_toml(&m);
/// assert_eq!(parse_model_toml(&text, "toy.toml")?, m);
/// # Ok::<(), csi::Error>(())
/// ```
pub fn model_to_toml(model: &Model) -> String {
    let mut out = String::new();
    write_header(&mut out, model);
    write_extras(&mut out, model);
    for c in &model.constructs {
        write_construct(&mut out, model, c);
    }
    write_paths(&mut out, model);
    for (a, b) in model.covariance_names() {
        out.push_str("\n[[covariance]]\n");
        out.push_str(&format!("between = {}\n", list(&[a, b])));
    }
    for it in &model.items {
        write_item(&mut out, model, it);
    }
    out
}

/// `name`, `description` and the `[scale]` table (default scale, missing codes).
fn write_header(out: &mut String, model: &Model) {
    out.push_str(&format!("name = {}\n", quote(&model.name)));
    if let Some(d) = &model.description {
        out.push_str(&format!("description = {}\n", quote(d)));
    }
    if model.scale.is_some() || !model.missing_codes.is_empty() {
        out.push_str("\n[scale]\n");
        if let Some(s) = model.scale {
            out.push_str(&format!(
                "min = {}\nmax = {}\n",
                number(s.min),
                number(s.max)
            ));
        }
        if !model.missing_codes.is_empty() {
            out.push_str(&format!("missing = {}\n", list(&model.missing_codes)));
        }
    }
}

/// The `[methods]` and `[loyalty]` tables of the evaluation methods.
fn write_extras(out: &mut String, model: &Model) {
    if let Some(o) = &model.extras.overall {
        out.push_str(&format!("\n[methods]\noverall = {}\n", quote(o)));
    }
    let ex = &model.extras;
    if !ex.attitudinal.is_empty() || !ex.behavioural.is_empty() {
        out.push_str("\n[loyalty]\n");
        if !ex.attitudinal.is_empty() {
            out.push_str(&format!("attitudinal = {}\n", list(&ex.attitudinal)));
        }
        if !ex.behavioural.is_empty() {
            out.push_str(&format!("behavioural = {}\n", list(&ex.behavioural)));
        }
    }
}

/// One `[[construct]]` table: items, or `dimensions` and `hoc_method` for a
/// higher-order construct.
fn write_construct(out: &mut String, model: &Model, c: &Construct) {
    out.push_str("\n[[construct]]\n");
    out.push_str(&format!("name = {}\n", quote(&c.name)));
    if let Some(l) = &c.label {
        out.push_str(&format!("label = {}\n", quote(l)));
    }
    let items: Vec<String> = c
        .items
        .iter()
        .filter_map(|&k| model.items.get(k))
        .map(|i| i.name.clone())
        .collect();
    if c.is_higher_order() {
        let dims: Vec<String> = c
            .dimensions
            .iter()
            .filter_map(|&d| model.constructs.get(d).map(|x| x.name.clone()))
            .collect();
        out.push_str(&format!("dimensions = {}\n", list(&dims)));
        out.push_str(&format!("hoc_method = \"{}\"\n", c.hoc_method.as_str()));
    } else {
        out.push_str(&format!("items = {}\n", list(&items)));
    }
    let mode = match c.mode {
        Mode::A => "A",
        Mode::B => "B",
    };
    out.push_str(&format!("mode = \"{mode}\"\n"));
    if let Some(o) = model.extras.construct_owners.get(&c.name) {
        out.push_str(&format!("owner = {}\n", quote(o)));
    }
}

/// The `[[path]]` tables. The paths from the dimensions of a higher-order
/// construct are implied by its `dimensions`, so they are not written.
fn write_paths(out: &mut String, model: &Model) {
    let names: Vec<(String, String)> = model
        .paths
        .iter()
        .zip(model.path_names())
        .filter(|((a, b), _)| {
            !model
                .constructs
                .get(*b)
                .is_some_and(|c| c.dimensions.contains(a))
        })
        .map(|(_, n)| n)
        .collect();
    for (from, to) in group_paths(&names) {
        out.push_str("\n[[path]]\n");
        out.push_str(&format!("from = {}\n", quote(&from)));
        out.push_str(&format!("to = {}\n", one_or_list(&to)));
    }
}

/// Consecutive paths from the same construct grouped into one `(from, [to, ...])`,
/// so that they share one `[[path]]` table.
pub(crate) fn group_paths(names: &[(String, String)]) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
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
        out.push((from.clone(), to));
    }
    out
}

/// A `to` value: one name as a string, several as a list.
pub(crate) fn one_or_list(names: &[String]) -> String {
    if let [one] = names {
        quote(one)
    } else {
        list(names)
    }
}

/// One `[item.NAME]` table, for an item with a label, its own scale, reverse
/// coding, an importance or expectation column or an owner (others are skipped).
fn write_item(out: &mut String, model: &Model, it: &Item) {
    let ex = &model.extras;
    let importance = ex.importance.get(&it.name);
    let expectations: Vec<&String> = ex
        .expectation_pairs
        .iter()
        .filter(|(a, _)| *a == it.name)
        .map(|(_, b)| b)
        .collect();
    if it.label.is_none()
        && it.scale.is_none()
        && !it.reverse
        && importance.is_none()
        && expectations.is_empty()
        && !ex.item_owners.contains_key(&it.name)
    {
        return;
    }
    out.push_str(&format!("\n[item.{}]\n", key(&it.name)));
    if let Some(l) = &it.label {
        out.push_str(&format!("label = {}\n", quote(l)));
    }
    if let Some(s) = it.scale {
        out.push_str(&format!(
            "scale = {{ min = {}, max = {} }}\n",
            number(s.min),
            number(s.max)
        ));
    }
    if it.reverse {
        out.push_str("reverse = true\n");
    }
    if let Some(c) = importance {
        out.push_str(&format!("importance = {}\n", quote(c)));
    }
    if let Some(c) = expectations.first() {
        out.push_str(&format!("expectation = {}\n", quote(c)));
    }
    if let Some(o) = ex.item_owners.get(&it.name) {
        out.push_str(&format!("owner = {}\n", quote(o)));
    }
}

/// A TOML basic string.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A key: bare when possible, quoted otherwise.
pub(crate) fn key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        s.to_string()
    } else {
        quote(s)
    }
}

pub(crate) fn list(v: &[String]) -> String {
    let parts: Vec<String> = v.iter().map(|s| quote(s)).collect();
    format!("[{}]", parts.join(", "))
}

/// A number that reads back as the same f64.
pub(crate) fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:?}")
    }
}
