//! The proposal as a commented TOML model file.

use super::item::fmt_num;
use super::Proposal;
use std::fmt::Write as _;

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
    let mut o = String::new();
    write_head(&mut o, p);
    write_constructs(&mut o, p);
    write_paths(&mut o, p);
    write_items(&mut o, p);
    write_remarks(&mut o, p);
    while o.ends_with("\n\n") {
        o.pop();
    }
    o
}

/// The header comment, name, description, scale, missing codes and overall item.
fn write_head(o: &mut String, p: &Proposal) {
    let m = &p.model;
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
}

/// One `[[construct]]` table per construct, with where it came from.
fn write_constructs(o: &mut String, p: &Proposal) {
    let m = &p.model;
    for (j, c) in m.constructs.iter().enumerate() {
        let _ = writeln!(o, "\n# {}", comment(&p.constructs[j].reason));
        let _ = writeln!(o, "[[construct]]\nname = {}", q(&c.name));
        if let Some(l) = &c.label {
            let _ = writeln!(o, "label = {}", q(l));
        }
        let items: Vec<String> = c.items.iter().map(|&k| m.items[k].name.clone()).collect();
        let _ = writeln!(o, "items = {}\nmode = \"A\"", list(&items));
    }
}

/// The `[[path]]` tables, one per predecessor.
fn write_paths(o: &mut String, p: &Proposal) {
    let m = &p.model;
    let _ = writeln!(o, "\n# Paths: {}", comment(&p.paths_reason));
    for (from, to) in crate::spec::toml_file::group_paths(&m.path_names()) {
        let _ = writeln!(o, "[[path]]\nfrom = {}", q(&from));
        if let [one] = to.as_slice() {
            let _ = writeln!(o, "to = {}\n", q(one));
        } else {
            let _ = writeln!(o, "to = {}\n", list(&to));
        }
    }
}

/// `[item.NAME]` tables of items with a label or their own scale.
fn write_items(o: &mut String, p: &Proposal) {
    let mut first = true;
    for it in &p.model.items {
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
}

/// The notes and the columns not in the model, as comments.
fn write_remarks(o: &mut String, p: &Proposal) {
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
}
