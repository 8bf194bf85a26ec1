//! TOML model files (contract "Model file (TOML)").
//!
//! The file is parsed with span information (`toml::de::DeTable`), so every error
//! names the file, the 1-based line and column of the offending key or value, and
//! what is wrong, e.g. `models/x.toml:12:8: path names construct 'SATT', which is
//! not declared`. Unknown keys are errors, so a typo such as `itmes` cannot pass
//! silently.
//!
//! Keys (see the contract for the full description):
//!
//! * top level: `name` (required), `description`;
//! * `[scale]`: `min`, `max`, `missing`;
//! * `[[construct]]`: `name`, `label`, `items` (a list, or the shorthand
//!   `{ prefix = "imag", range = [1, 5] }`), `mode` (`"A"` or `"B"`);
//! * `[[path]]`: `from`, `to` (a name or a list of names; every `from -> to` pair);
//! * `[[covariance]]`: `between = ["y1", "y5"]`, a residual covariance of two items
//!   (CB-SEM; lavaan `y1 ~~ y5`);
//! * `[item.NAME]`: `label`, `scale = { min, max }`, `reverse`, and for the
//!   evaluation methods `importance = "COLUMN"` and `expectation = "COLUMN"`;
//! * `[methods]`: `overall = "ITEM"`;
//! * `[loyalty]`: `attitudinal = [...]`, `behavioural = [...]`.

use crate::error::{Error, Result};
use crate::spec::{check_scale, ConstructSpec, ItemOptions, Mode, Model, Scale, SpecIssue};
use crate::text_safety::shown_name;
use std::ops::Range;
use std::path::Path;
use toml::de::{DeArray, DeString, DeTable, DeValue};
use toml::Spanned;

/// The syntax of a model file, chosen from its extension.
///
/// ```
/// use csi::spec::ModelFile;
/// use std::path::Path;
/// assert_eq!(ModelFile::from_path(Path::new("models/ccsi.lav")), ModelFile::Lavaan);
/// assert_eq!(ModelFile::from_path(Path::new("models/ccsi.toml")), ModelFile::Toml);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelFile {
    /// TOML model file (the contract's format; every other extension).
    Toml,
    /// lavaan syntax (`.lav`, `.lavaan`, `.txt`).
    Lavaan,
}

impl ModelFile {
    /// The syntax implied by the file's extension: `.lav`, `.lavaan` and `.txt`
    /// are lavaan syntax, everything else is TOML.
    pub fn from_path(path: &Path) -> ModelFile {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "lav" | "lavaan" | "txt" => ModelFile::Lavaan,
            _ => ModelFile::Toml,
        }
    }

    /// Parse `text` in this syntax; `file` is used in error messages.
    ///
    /// # Errors
    /// [`Error::Model`] with the line and column of the problem.
    pub fn parse(self, text: &str, file: &str) -> Result<Model> {
        match self {
            ModelFile::Toml => parse_model_toml(text, file),
            ModelFile::Lavaan => crate::spec::lavaan::parse_lavaan(text, file),
        }
    }
}

/// Read a model file: `.lav`, `.lavaan` and `.txt` files are lavaan syntax, every
/// other file is TOML.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; [`Error::Model`] when the path is
/// not a regular file (a directory, device or pipe) or is larger than
/// [`crate::input::MAX_MODEL_BYTES`], and (with line and column) when it is not UTF-8
/// text or not a valid model.
pub fn read_model(path: &Path) -> Result<Model> {
    let file = path.display().to_string();
    let bytes = crate::input::read_capped(path, crate::input::MAX_MODEL_BYTES)
        .map_err(|r| r.into_error(path, "model", |m| Error::model(&file, None, None, m)))?;
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => {
            let good = bytes.get(..e.valid_up_to()).unwrap_or(&[]);
            let good = std::str::from_utf8(good).unwrap_or("");
            let (line, column) = line_col(good, good.len());
            return Err(Error::model(
                file,
                Some(line),
                Some(column),
                "the model file is not valid utf-8 text; save it as utf-8",
            ));
        }
    };
    ModelFile::from_path(path).parse(text, &file)
}

/// Parse a TOML model file held in `text`; `file` names it in error messages.
///
/// # Errors
/// [`Error::Model`] with the 1-based line and column of the offending key or value.
///
/// # Example
/// ```
/// use csi::spec::toml_file::parse_model_toml;
/// let text = r#"
/// name = "toy"
/// [scale]
/// min = 1
/// max = 10
/// missing = ["无法回答"]
/// [[construct]]
/// name = "QUAL"
/// items = { prefix = "q", range = [1, 3] }
/// [[construct]]
/// name = "SAT"
/// items = ["s1", "s2"]
/// [[path]]
/// from = "QUAL"
/// to = "SAT"
/// "#;
/// let model = parse_model_toml(text, "toy.toml")?;
/// assert_eq!(model.n_items(), 5);
/// assert_eq!(model.items[2].name, "q3");
/// assert_eq!(model.missing_codes, vec!["无法回答".to_string()]);
///
/// let bad = text.replace("to = \"SAT\"", "to = \"SATT\"");
/// let err = parse_model_toml(&bad, "toy.toml").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "toy.toml:15:6: path names construct 'SATT', which is not declared"
/// );
/// # Ok::<(), csi::Error>(())
/// ```
pub fn parse_model_toml(text: &str, file: &str) -> Result<Model> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let cx = Cx { text, file };
    let doc = match DeTable::parse(text) {
        Ok(d) => d,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            return Err(cx.err(&span, format!("toml syntax error: {}", e.message())));
        }
    };
    let root = doc.get_ref();
    cx.check_keys(
        root,
        &[
            "name",
            "description",
            "scale",
            "construct",
            "path",
            "covariance",
            "interaction",
            "item",
            "methods",
            "loyalty",
        ],
        "the top level",
    )?;

    // name, description
    let (name, name_span) = match lookup(root, "name") {
        Some((_, v)) => (cx.string(v, "'name'")?, v.span()),
        None => {
            return Err(cx.err(
                &(0..0),
                "the model has no 'name'; add e.g. name = \"CCSI\" at the top",
            ));
        }
    };
    if name.trim().is_empty() {
        return Err(cx.err(&name_span, "'name' must not be empty"));
    }
    let description = match lookup(root, "description") {
        Some((_, v)) => Some(cx.string(v, "'description'")?),
        None => None,
    };

    // [scale]
    let mut scale = None;
    let mut missing_codes = Vec::new();
    if let Some((_, v)) = lookup(root, "scale") {
        let t = cx.table(v, "[scale]")?;
        cx.check_keys(t, &["min", "max", "missing"], "[scale]")?;
        scale = cx.scale(t, "[scale]")?;
        if let Some((_, mv)) = lookup(t, "missing") {
            for (code, span) in cx.string_or_list(mv, "'missing' in [scale]", true)? {
                if code.trim().is_empty() {
                    return Err(cx.err(
                        &span,
                        "[scale] missing: an empty code is not needed (empty cells are always missing)",
                    ));
                }
                missing_codes.push(code.trim().to_string());
            }
        }
    }

    // [[construct]]
    let mut specs: Vec<ConstructSpec> = Vec::new();
    let mut construct_owners = std::collections::BTreeMap::new();
    let mut cspans: Vec<ConstructSpans> = Vec::new();
    match lookup(root, "construct") {
        Some((_, v)) => {
            let arr = cx.array_of_tables(v, "construct")?;
            for (k, el) in arr.iter().enumerate() {
                let (spec, sp) = cx.construct(el, k)?;
                let t = cx.table(el, "[[construct]]")?;
                if let Some((_, ov)) = lookup(t, "owner") {
                    let what = format!("'owner' of construct '{}'", spec.name.trim());
                    construct_owners.insert(spec.name.trim().to_string(), cx.owner(ov, &what)?);
                }
                specs.push(spec);
                cspans.push(sp);
            }
        }
        None => {
            return Err(cx.err(
                &name_span,
                "the model declares no [[construct]]; add one per construct with 'name' and 'items'",
            ));
        }
    }

    // [[path]]
    let mut paths: Vec<(String, String)> = Vec::new();
    let mut pspans: Vec<(Range<usize>, Range<usize>)> = Vec::new();
    if let Some((_, v)) = lookup(root, "path") {
        let arr = cx.array_of_tables(v, "path")?;
        for (k, el) in arr.iter().enumerate() {
            let what = format!("[[path]] #{}", k + 1);
            let t = cx.table(el, &what)?;
            cx.check_keys(t, &["from", "to"], &what)?;
            let from = match lookup(t, "from") {
                Some((_, fv)) => cx.string_or_list(fv, &format!("'from' in {what}"), false)?,
                None => return Err(cx.err(&el.span(), format!("{what} has no 'from'"))),
            };
            let to = match lookup(t, "to") {
                Some((_, tv)) => cx.string_or_list(tv, &format!("'to' in {what}"), false)?,
                None => return Err(cx.err(&el.span(), format!("{what} has no 'to'"))),
            };
            for (a, asp) in &from {
                for (b, bsp) in &to {
                    if paths.len() >= MAX_PATHS {
                        return Err(cx.err(bsp, format!("more than {MAX_PATHS} paths")));
                    }
                    paths.push((a.clone(), b.clone()));
                    pspans.push((asp.clone(), bsp.clone()));
                }
            }
        }
    }

    let spans = Spans {
        constructs: cspans,
        paths: pspans,
        model: name_span.clone(),
    };
    let mut model = Model::build(&name, specs, &paths).map_err(|issue| {
        let span = spans.issue_span(&issue, &paths);
        cx.err(&span, issue.to_string())
    })?;
    model.extras.construct_owners = construct_owners;
    model.name = name.trim().to_string();
    model.description = description;

    // [[covariance]] between = ["y1", "y5"]
    if let Some((_, v)) = lookup(root, "covariance") {
        let arr = cx.array_of_tables(v, "covariance")?;
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut spans: Vec<Range<usize>> = Vec::new();
        for (k, el) in arr.iter().enumerate() {
            let what = format!("[[covariance]] #{}", k + 1);
            let t = cx.table(el, &what)?;
            cx.check_keys(t, &["between"], &what)?;
            let Some((_, bv)) = lookup(t, "between") else {
                return Err(cx.err(
                    &el.span(),
                    format!("{what} has no 'between'; write between = [\"item1\", \"item2\"]"),
                ));
            };
            let names = cx.string_or_list(bv, &format!("'between' in {what}"), false)?;
            let [(a, _), (b, _)] = names.as_slice() else {
                return Err(cx.err(
                    &bv.span(),
                    format!(
                        "'between' in {what} must list exactly two items, found {}",
                        names.len()
                    ),
                ));
            };
            pairs.push((a.clone(), b.clone()));
            spans.push(bv.span());
        }
        model.set_covariances(&pairs).map_err(|(k, msg)| {
            let span = spans.get(k).cloned().unwrap_or(0..0);
            cx.err(&span, msg)
        })?;
    }
    // [[interaction]] between = ["QUAL", "PRICE"] to = "SAT" method = "two-stage"
    if let Some((_, v)) = lookup(root, "interaction") {
        let arr = cx.array_of_tables(v, "interaction")?;
        let mut terms = Vec::new();
        let mut spans: Vec<Range<usize>> = Vec::new();
        for (k, el) in arr.iter().enumerate() {
            let what = format!("[[interaction]] #{}", k + 1);
            let t = cx.table(el, &what)?;
            cx.check_keys(t, &["between", "to", "method"], &what)?;
            let Some((_, bv)) = lookup(t, "between") else {
                return Err(cx.err(
                    &el.span(),
                    format!("{what} has no 'between'; write between = [\"QUAL\", \"PRICE\"]"),
                ));
            };
            let names = cx.names(bv, &format!("'between' in {what}"))?;
            let [a, b] = names.as_slice() else {
                return Err(cx.err(
                    &bv.span(),
                    format!(
                        "'between' in {what} must list exactly two constructs, found {}",
                        names.len()
                    ),
                ));
            };
            let Some((_, tv)) = lookup(t, "to") else {
                return Err(cx.err(&el.span(), format!("{what} has no 'to'")));
            };
            let to = cx.name(tv, &format!("'to' in {what}"))?;
            let method = match lookup(t, "method") {
                Some((_, mv)) => {
                    let s = cx.string(mv, &format!("'method' in {what}"))?;
                    crate::spec::InteractionMethod::parse(&s).ok_or_else(|| {
                        cx.err(
                            &mv.span(),
                            format!(
                                "'method' in {what} must be \"two-stage\" or \"product-indicator\", found \"{}\"",
                                s.trim()
                            ),
                        )
                    })?
                }
                None => crate::spec::InteractionMethod::default(),
            };
            terms.push((a.clone(), b.clone(), to, method));
            spans.push(bv.span());
        }
        model.set_interactions(&terms).map_err(|(k, msg)| {
            let span = spans.get(k).cloned().unwrap_or(0..0);
            cx.err(&span, msg)
        })?;
    }
    model.scale = scale;
    model.missing_codes = missing_codes;

    // [item.NAME]
    if let Some((_, v)) = lookup(root, "item") {
        let t = cx.table(v, "[item]")?;
        let mut entries: Vec<(&Spanned<DeString>, &Spanned<DeValue>)> = t.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        let mut pairs: Vec<(usize, String, String)> = Vec::new();
        // item name -> index (a file may hold thousands of [item.X] sections)
        let item_at: std::collections::HashMap<String, usize> = model
            .items
            .iter()
            .enumerate()
            .map(|(k, it)| (it.name.clone(), k))
            .collect();
        for (key, val) in entries {
            let iname = key.get_ref().to_string();
            let what = format!("[item.{}]", shown_name(&iname));
            let it = cx.table(val, &what)?;
            cx.check_keys(
                it,
                &[
                    "label",
                    "scale",
                    "reverse",
                    "importance",
                    "expectation",
                    "owner",
                ],
                &what,
            )?;
            let mut opts = ItemOptions::default();
            if let Some((_, lv)) = lookup(it, "label") {
                opts.label = Some(cx.string(lv, &format!("'label' in {what}"))?);
            }
            if let Some((_, sv)) = lookup(it, "scale") {
                let st = cx.table(sv, &format!("'scale' in {what}"))?;
                cx.check_keys(st, &["min", "max"], &format!("'scale' in {what}"))?;
                opts.scale = cx.scale(st, &format!("'scale' in {what}"))?;
                if opts.scale.is_none() {
                    return Err(cx.err(
                        &sv.span(),
                        format!("'scale' in {what} needs 'min' and 'max'"),
                    ));
                }
            }
            if let Some((_, rv)) = lookup(it, "reverse") {
                opts.reverse = match rv.get_ref() {
                    DeValue::Boolean(b) => *b,
                    other => {
                        return Err(cx.err(
                            &rv.span(),
                            format!(
                                "'reverse' in {what} must be true or false, found {}",
                                other.type_str()
                            ),
                        ))
                    }
                };
            }
            let k = item_at.get(iname.trim()).copied();
            model
                .set_item_options_at(k, iname.trim(), opts)
                .map_err(|m| cx.err(&key.span(), m))?;
            let k = k.unwrap_or(usize::MAX);
            if let Some((_, iv)) = lookup(it, "importance") {
                let col = cx.name(iv, &format!("'importance' in {what}"))?;
                model
                    .extras
                    .importance
                    .insert(iname.trim().to_string(), col);
            }
            if let Some((_, ov)) = lookup(it, "owner") {
                let owner = cx.owner(ov, &format!("'owner' in {what}"))?;
                model
                    .extras
                    .item_owners
                    .insert(iname.trim().to_string(), owner);
            }
            if let Some((_, ev)) = lookup(it, "expectation") {
                let col = cx.name(ev, &format!("'expectation' in {what}"))?;
                pairs.push((k, iname.trim().to_string(), col));
            }
        }
        pairs.sort_by_key(|p| p.0);
        model.extras.expectation_pairs = pairs.into_iter().map(|(_, a, b)| (a, b)).collect();
    }

    // [methods]
    if let Some((_, v)) = lookup(root, "methods") {
        let t = cx.table(v, "[methods]")?;
        cx.check_keys(t, &["overall"], "[methods]")?;
        if let Some((_, ov)) = lookup(t, "overall") {
            model.extras.overall = Some(cx.name(ov, "'overall' in [methods]")?);
        }
    }

    // [loyalty]
    if let Some((_, v)) = lookup(root, "loyalty") {
        let t = cx.table(v, "[loyalty]")?;
        cx.check_keys(t, &["attitudinal", "behavioural"], "[loyalty]")?;
        if let Some((_, av)) = lookup(t, "attitudinal") {
            model.extras.attitudinal = cx.names(av, "'attitudinal' in [loyalty]")?;
        }
        if let Some((_, bv)) = lookup(t, "behavioural") {
            model.extras.behavioural = cx.names(bv, "'behavioural' in [loyalty]")?;
        }
    }
    Ok(model)
}

/// Write a model as a TOML model file. Reading the result back with
/// [`parse_model_toml`] gives an equal [`Model`].
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
    for c in &model.constructs {
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
        if let Some(o) = ex.construct_owners.get(&c.name) {
            out.push_str(&format!("owner = {}\n", quote(o)));
        }
    }
    // consecutive paths from the same construct share one [[path]]; the paths from
    // the dimensions of a higher-order construct are implied by 'dimensions'
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
        out.push_str("\n[[path]]\n");
        out.push_str(&format!("from = {}\n", quote(from)));
        if let [one] = to.as_slice() {
            out.push_str(&format!("to = {}\n", quote(one)));
        } else {
            out.push_str(&format!("to = {}\n", list(&to)));
        }
    }
    for (a, b) in model.covariance_names() {
        out.push_str("\n[[covariance]]\n");
        out.push_str(&format!("between = {}\n", list(&[a, b])));
    }
    for it in &model.items {
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
            continue;
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
    out
}

/// Upper bound on the number of paths a file may expand to (`from` x `to` lists).
const MAX_PATHS: usize = 10_000;
/// Upper bound on the items an `{ prefix, range }` shorthand may generate.
const MAX_RANGE: i64 = 10_000;
/// Upper bound on the length of that shorthand's prefix (the items it generates
/// repeat it [`MAX_RANGE`] times at most).
const MAX_PREFIX_BYTES: usize = 1_000;

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut off = offset.min(text.len());
    while off > 0 && !text.is_char_boundary(off) {
        off -= 1;
    }
    let before = text.get(..off).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map(|p| p + 1).unwrap_or(0);
    let column = before.get(start..).map(|s| s.chars().count()).unwrap_or(0) + 1;
    (line, column)
}

/// Where the parts of a model were declared, to point an issue at its key.
#[derive(Debug, Default)]
pub(crate) struct Spans {
    /// One per construct, in declaration order.
    pub constructs: Vec<ConstructSpans>,
    /// One `(from, to)` pair of spans per expanded path.
    pub paths: Vec<(Range<usize>, Range<usize>)>,
    /// Fallback for model-level issues.
    pub model: Range<usize>,
}

/// Where one construct was declared.
#[derive(Debug, Default, Clone)]
pub(crate) struct ConstructSpans {
    /// The construct's name.
    pub name: Range<usize>,
    /// The whole item list.
    pub items: Range<usize>,
    /// Each item name with its span.
    pub item_list: Vec<(String, Range<usize>)>,
}

impl Spans {
    /// The span an issue from [`Model::build`] points at.
    pub(crate) fn issue_span(&self, issue: &SpecIssue, paths: &[(String, String)]) -> Range<usize> {
        let cons = |i: usize| self.constructs.get(i);
        let fallback = self.model.clone();
        match issue {
            SpecIssue::EmptyConstructName { index }
            | SpecIssue::DuplicateConstruct { index, .. } => {
                cons(*index).map(|c| c.name.clone()).unwrap_or(fallback)
            }
            SpecIssue::NoItems { index, .. } => {
                cons(*index).map(|c| c.items.clone()).unwrap_or(fallback)
            }
            SpecIssue::HigherOrder { index, .. } => {
                cons(*index).map(|c| c.name.clone()).unwrap_or(fallback)
            }
            SpecIssue::EmptyItemName { index } => cons(*index)
                .map(|c| {
                    c.item_list
                        .iter()
                        .find(|(n, _)| n.trim().is_empty())
                        .map(|(_, s)| s.clone())
                        .unwrap_or_else(|| c.items.clone())
                })
                .unwrap_or(fallback),
            SpecIssue::DuplicateItem { index, name, .. } => {
                let earlier = self
                    .constructs
                    .iter()
                    .take(*index)
                    .any(|c| c.item_list.iter().any(|(n, _)| n.trim() == name));
                let nth = if earlier { 0 } else { 1 };
                cons(*index)
                    .map(|c| {
                        c.item_list
                            .iter()
                            .filter(|(n, _)| n.trim() == name)
                            .nth(nth)
                            .map(|(_, s)| s.clone())
                            .unwrap_or_else(|| c.items.clone())
                    })
                    .unwrap_or(fallback)
            }
            SpecIssue::UnknownConstruct { path, name } => {
                let from_matches = paths.get(*path).map(|(a, _)| a == name).unwrap_or(false);
                self.paths
                    .get(*path)
                    .map(|(a, b)| if from_matches { a.clone() } else { b.clone() })
                    .unwrap_or(fallback)
            }
            SpecIssue::DimensionPath { path, name, .. } => {
                let from_matches = paths.get(*path).map(|(a, _)| a == name).unwrap_or(false);
                self.paths
                    .get(*path)
                    .map(|(a, b)| if from_matches { a.clone() } else { b.clone() })
                    .unwrap_or(fallback)
            }
            SpecIssue::SelfLoop { path, .. }
            | SpecIssue::DuplicatePath { path, .. }
            | SpecIssue::Cycle { path, .. } => self
                .paths
                .get(*path)
                .map(|(_, b)| b.clone())
                .unwrap_or(fallback),
            SpecIssue::NoEndogenous | SpecIssue::BadScale { .. } => fallback,
        }
    }
}

/// The file being parsed, for error positions.
struct Cx<'a> {
    text: &'a str,
    file: &'a str,
}

type Entry<'t, 'i> = (&'t Spanned<DeString<'i>>, &'t Spanned<DeValue<'i>>);

fn lookup<'t, 'i>(t: &'t DeTable<'i>, key: &str) -> Option<Entry<'t, 'i>> {
    t.iter().find(|(k, _)| k.get_ref().as_ref() == key)
}

impl Cx<'_> {
    fn err(&self, span: &Range<usize>, message: impl Into<String>) -> Error {
        let (line, column) = line_col(self.text, span.start);
        Error::model(self.file, Some(line), Some(column), message)
    }

    /// Refuse keys not in `allowed` (the first one in file order).
    fn check_keys(&self, t: &DeTable, allowed: &[&str], what: &str) -> Result<()> {
        let bad = t
            .iter()
            .filter(|(k, _)| !allowed.contains(&k.get_ref().as_ref()))
            .min_by_key(|(k, _)| k.span().start);
        if let Some((k, _)) = bad {
            let key = k.get_ref().as_ref();
            let key_shown = shown_name(key);
            let hint = allowed
                .iter()
                .map(|a| (edit_distance(key, a), *a))
                .filter(|(d, a)| *d <= 2 && *d < a.len())
                .min_by_key(|(d, _)| *d)
                .map(|(_, a)| format!("; did you mean '{a}'?"))
                .unwrap_or_default();
            return Err(self.err(
                &k.span(),
                format!(
                    "unknown key '{key_shown}' in {what} (expected one of: {}){hint}",
                    allowed.join(", ")
                ),
            ));
        }
        Ok(())
    }

    fn string(&self, v: &Spanned<DeValue>, what: &str) -> Result<String> {
        match v.get_ref() {
            DeValue::String(s) => Ok(s.to_string()),
            other => Err(self.err(
                &v.span(),
                format!("{what} must be a string, found {}", other.type_str()),
            )),
        }
    }

    /// A department name (`owner`): a non-empty string, trimmed.
    fn owner(&self, v: &Spanned<DeValue>, what: &str) -> Result<String> {
        match v.get_ref() {
            DeValue::String(_) => self.name(v, what),
            other => Err(self.err(
                &v.span(),
                format!(
                    "{what} must be a string naming the responsible department (e.g. owner = \"客舱服务部\"), found {}",
                    other.type_str()
                ),
            )),
        }
    }

    /// A non-empty name (string), trimmed.
    fn name(&self, v: &Spanned<DeValue>, what: &str) -> Result<String> {
        let s = self.string(v, what)?;
        if s.trim().is_empty() {
            return Err(self.err(&v.span(), format!("{what} must not be empty")));
        }
        Ok(s.trim().to_string())
    }

    /// A list of non-empty names (or one name).
    fn names(&self, v: &Spanned<DeValue>, what: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for (s, span) in self.string_or_list(v, what, false)? {
            if s.trim().is_empty() {
                return Err(self.err(&span, format!("{what} lists an empty name")));
            }
            out.push(s.trim().to_string());
        }
        Ok(out)
    }

    fn table<'t, 'i>(&self, v: &'t Spanned<DeValue<'i>>, what: &str) -> Result<&'t DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Ok(t),
            other => Err(self.err(
                &v.span(),
                format!("{what} must be a table, found {}", other.type_str()),
            )),
        }
    }

    fn array_of_tables<'t, 'i>(
        &self,
        v: &'t Spanned<DeValue<'i>>,
        key: &str,
    ) -> Result<&'t DeArray<'i>> {
        match v.get_ref() {
            DeValue::Array(a) => Ok(a),
            other => Err(self.err(
                &v.span(),
                format!(
                    "'{key}' must be an array of tables written [[{key}]], found {}",
                    other.type_str()
                ),
            )),
        }
    }

    /// A string or a (non-empty, unless `allow_empty`) list of strings. Numbers are
    /// accepted when `numbers_ok` (for missing codes such as 99).
    fn string_or_list(
        &self,
        v: &Spanned<DeValue>,
        what: &str,
        numbers_ok: bool,
    ) -> Result<Vec<(String, Range<usize>)>> {
        let one = |e: &Spanned<DeValue>| -> Result<(String, Range<usize>)> {
            match e.get_ref() {
                DeValue::String(s) => Ok((s.to_string(), e.span())),
                DeValue::Integer(i) if numbers_ok && i.radix() == 10 => {
                    Ok((i.as_str().to_string(), e.span()))
                }
                DeValue::Float(f) if numbers_ok => Ok((f.as_str().to_string(), e.span())),
                other => Err(self.err(
                    &e.span(),
                    format!(
                        "{what} must be a string or a list of strings, found {}",
                        other.type_str()
                    ),
                )),
            }
        };
        match v.get_ref() {
            DeValue::Array(a) => {
                if a.is_empty() && !numbers_ok {
                    return Err(self.err(&v.span(), format!("{what} is an empty list")));
                }
                a.iter().map(one).collect()
            }
            _ => Ok(vec![one(v)?]),
        }
    }

    fn number(&self, v: &Spanned<DeValue>, what: &str) -> Result<f64> {
        let x = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|x| x as f64),
            DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
            other => {
                return Err(self.err(
                    &v.span(),
                    format!("{what} must be a number, found {}", other.type_str()),
                ))
            }
        };
        match x {
            Some(x) if x.is_finite() => Ok(x),
            _ => Err(self.err(&v.span(), format!("{what} must be a finite number"))),
        }
    }

    /// `min` and `max` of a scale table (both or neither), checked min < max.
    fn scale(&self, t: &DeTable, what: &str) -> Result<Option<Scale>> {
        let min = lookup(t, "min");
        let max = lookup(t, "max");
        match (min, max) {
            (None, None) => Ok(None),
            (Some((k, _)), None) => {
                Err(self.err(&k.span(), format!("{what} has 'min' but no 'max'")))
            }
            (None, Some((k, _))) => {
                Err(self.err(&k.span(), format!("{what} has 'max' but no 'min'")))
            }
            (Some((mink, minv)), Some((_, maxv))) => {
                let s = Scale {
                    min: self.number(minv, &format!("'min' in {what}"))?,
                    max: self.number(maxv, &format!("'max' in {what}"))?,
                };
                check_scale(what, s).map_err(|i| self.err(&mink.span(), i.to_string()))?;
                Ok(Some(s))
            }
        }
    }

    /// One `[[construct]]` table.
    fn construct(
        &self,
        el: &Spanned<DeValue>,
        k: usize,
    ) -> Result<(ConstructSpec, ConstructSpans)> {
        let what = format!("[[construct]] #{}", k + 1);
        let t = self.table(el, &what)?;
        self.check_keys(
            t,
            &[
                "name",
                "label",
                "items",
                "mode",
                "owner",
                "dimensions",
                "hoc_method",
            ],
            &what,
        )?;
        let (name, name_span) = match lookup(t, "name") {
            Some((_, v)) => (self.string(v, &format!("'name' in {what}"))?, v.span()),
            None => return Err(self.err(&el.span(), format!("{what} has no 'name'"))),
        };
        let sname = shown_name(&name).into_owned();
        let label = match lookup(t, "label") {
            Some((_, v)) => Some(self.string(v, &format!("'label' of construct '{sname}'"))?),
            None => None,
        };
        let mode = match lookup(t, "mode") {
            Some((_, v)) => match self.string(v, &format!("'mode' of construct '{sname}'"))?.trim() {
                "A" | "a" => Mode::A,
                "B" | "b" => Mode::B,
                other => {
                    return Err(self.err(
                        &v.span(),
                        format!(
                            "construct '{sname}': mode must be \"A\" (reflective) or \"B\" (formative), found \"{}\"",
                            shown_name(other)
                        ),
                    ))
                }
            },
            None => Mode::A,
        };
        let dimensions = match lookup(t, "dimensions") {
            Some((_, v)) => self.names(v, &format!("'dimensions' of construct '{name}'"))?,
            None => Vec::new(),
        };
        let hoc_method = match lookup(t, "hoc_method") {
            Some((_, v)) => {
                let s = self.string(v, &format!("'hoc_method' of construct '{name}'"))?;
                if dimensions.is_empty() {
                    return Err(self.err(
                        &v.span(),
                        format!("construct '{name}': 'hoc_method' applies to a higher-order construct; add 'dimensions'"),
                    ));
                }
                crate::spec::HocMethod::parse(&s).ok_or_else(|| {
                    self.err(
                        &v.span(),
                        format!(
                            "construct '{name}': hoc_method must be \"two-stage\", \"embedded\" or \"repeated\", found \"{}\"",
                            s.trim()
                        ),
                    )
                })?
            }
            None => crate::spec::HocMethod::default(),
        };
        let (items_span, item_list) = match lookup(t, "items") {
            Some((_, v)) => (v.span(), self.items(v, &name)?),
            None if !dimensions.is_empty() => (name_span.clone(), Vec::new()),
            None => {
                return Err(self.err(
                    &name_span,
                    format!("construct '{sname}' has no 'items' (or 'dimensions' for a higher-order construct)"),
                ));
            }
        };
        let spec = ConstructSpec {
            name,
            label,
            items: item_list.iter().map(|(n, _)| n.clone()).collect(),
            mode,
            dimensions,
            hoc_method,
        };
        Ok((
            spec,
            ConstructSpans {
                name: name_span,
                items: items_span,
                item_list,
            },
        ))
    }

    /// `items = [...]` or `items = { prefix = "imag", range = [1, 5] }`.
    fn items(&self, v: &Spanned<DeValue>, cname: &str) -> Result<Vec<(String, Range<usize>)>> {
        let what = format!("'items' of construct '{}'", shown_name(cname));
        match v.get_ref() {
            DeValue::Array(a) => a
                .iter()
                .map(|e| match e.get_ref() {
                    DeValue::String(s) => Ok((s.to_string(), e.span())),
                    other => Err(self.err(
                        &e.span(),
                        format!("{what} must list strings, found {}", other.type_str()),
                    )),
                })
                .collect(),
            DeValue::Table(t) => {
                self.check_keys(t, &["prefix", "range"], &what)?;
                let prefix = match lookup(t, "prefix") {
                    Some((_, p)) => self.string(p, &format!("'prefix' in {what}"))?,
                    None => {
                        return Err(
                            self.err(&v.span(), format!("{what}: the shorthand needs 'prefix'"))
                        )
                    }
                };
                let (rv, range) = match lookup(t, "range") {
                    Some((_, r)) => match r.get_ref() {
                        DeValue::Array(a) if a.len() == 2 => (r, a),
                        _ => {
                            return Err(self.err(
                                &r.span(),
                                format!("'range' in {what} must be two integers [first, last]"),
                            ))
                        }
                    },
                    None => {
                        return Err(
                            self.err(&v.span(), format!("{what}: the shorthand needs 'range'"))
                        )
                    }
                };
                let int = |e: Option<&Spanned<DeValue>>| -> Option<i64> {
                    match e.map(|e| e.get_ref()) {
                        Some(DeValue::Integer(i)) => {
                            i64::from_str_radix(i.as_str(), i.radix()).ok()
                        }
                        _ => None,
                    }
                };
                let (Some(first), Some(last)) = (int(range.first()), int(range.get(1))) else {
                    return Err(self.err(
                        &rv.span(),
                        format!("'range' in {what} must be two integers [first, last]"),
                    ));
                };
                if first > last || last.saturating_sub(first) >= MAX_RANGE {
                    return Err(self.err(
                        &rv.span(),
                        format!("'range' in {what}: [{first}, {last}] must have first <= last and fewer than {MAX_RANGE} items"),
                    ));
                }
                if prefix.len() > MAX_PREFIX_BYTES {
                    return Err(self.err(
                        &v.span(),
                        format!("'prefix' in {what} is longer than {MAX_PREFIX_BYTES} bytes"),
                    ));
                }
                Ok((first..=last)
                    .map(|i| (format!("{prefix}{i}"), v.span()))
                    .collect())
            }
            other => Err(self.err(
                &v.span(),
                format!(
                    "{what} must be a list of strings, found {}",
                    other.type_str()
                ),
            )),
        }
    }
}

/// Levenshtein distance (for "did you mean" hints on short keys).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            if let Some(c) = cur.get_mut(j + 1) {
                *c = sub.min(del).min(ins);
            }
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// A TOML basic string.
fn quote(s: &str) -> String {
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
fn key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        s.to_string()
    } else {
        quote(s)
    }
}

fn list(v: &[String]) -> String {
    let parts: Vec<String> = v.iter().map(|s| quote(s)).collect();
    format!("[{}]", parts.join(", "))
}

/// A number that reads back as the same f64.
fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOY: &str = r#"name = "toy"
description = "a toy"

[scale]
min = 1
max = 10
missing = ["无法回答", 99]

[methods]
overall = "s1"

[loyalty]
attitudinal = "l1"
behavioural = ["l2"]

[[construct]]
name = "QUAL"
label = "感知质量 (Quality)"
items = { prefix = "q", range = [1, 3] }

[[construct]]
name = "SAT"
items = ["s1", "s2"]
mode = "B"

[[construct]]
name = "LOY"
items = ["l1", "l2"]

[[path]]
from = ["QUAL", "SAT"]
to = "LOY"

[[path]]
from = "QUAL"
to = "SAT"

[item.q2]
label = "可靠 (reliable)"
reverse = true
scale = { min = 0, max = 5.5 }
importance = "imp_q2"
expectation = "e_q2"

[item.q1]
expectation = "e_q1"
"#;

    fn err_of(text: &str) -> (usize, usize, String) {
        match parse_model_toml(text, "m.toml") {
            Err(Error::Model {
                line,
                column,
                message,
                ..
            }) => (line.unwrap_or(0), column.unwrap_or(0), message),
            other => panic!("expected a model error, got {other:?}"),
        }
    }

    #[test]
    fn toy_parses() {
        let m = parse_model_toml(TOY, "toy.toml").unwrap();
        assert_eq!(m.name, "toy");
        assert_eq!(m.description.as_deref(), Some("a toy"));
        assert_eq!(
            m.scale,
            Some(Scale {
                min: 1.0,
                max: 10.0
            })
        );
        assert_eq!(m.missing_codes, vec!["无法回答", "99"]);
        assert_eq!(m.n_items(), 7);
        assert_eq!(m.constructs[1].mode, Mode::B);
        assert_eq!(m.path_names().len(), 3);
        assert_eq!(m.path_names()[1], ("SAT".to_string(), "LOY".to_string()));
        let q2 = &m.items[1];
        assert!(q2.reverse);
        assert_eq!(q2.scale, Some(Scale { min: 0.0, max: 5.5 }));
        assert_eq!(
            m.extras.importance.get("q2").map(|s| s.as_str()),
            Some("imp_q2")
        );
        assert_eq!(
            m.extras.expectation_pairs,
            vec![
                ("q1".to_string(), "e_q1".to_string()),
                ("q2".to_string(), "e_q2".to_string())
            ]
        );
        assert_eq!(m.extras.overall.as_deref(), Some("s1"));
        assert_eq!(m.extras.attitudinal, vec!["l1"]);
        assert_eq!(m.extras.behavioural, vec!["l2"]);
    }

    #[test]
    fn round_trip() {
        let m = parse_model_toml(TOY, "toy.toml").unwrap();
        let text = model_to_toml(&m);
        let m2 = parse_model_toml(&text, "again.toml").unwrap();
        assert_eq!(m, m2, "{text}");
        assert_eq!(model_to_toml(&m2), text);
    }

    #[test]
    fn typo_gets_a_hint() {
        let (l, c, m) = err_of(&TOY.replace("items = [\"s1\"", "itmes = [\"s1\""));
        assert_eq!((l, c), (23, 1));
        assert!(
            m.contains("unknown key 'itmes' in [[construct]] #2")
                && m.contains("did you mean 'items'?"),
            "{m}"
        );
    }

    #[test]
    fn unknown_construct_points_at_the_name() {
        let (l, c, m) =
            err_of(&TOY.replace("from = [\"QUAL\", \"SAT\"]", "from = [\"QUAL\", \"SATT\"]"));
        assert_eq!((l, c), (31, 17));
        assert_eq!(m, "path names construct 'SATT', which is not declared");
    }

    #[test]
    fn duplicate_item_points_at_the_second() {
        let (l, _, m) =
            err_of(&TOY.replace("items = [\"l1\", \"l2\"]", "items = [\"l1\", \"s2\"]"));
        assert_eq!(l, 28);
        assert!(m.contains("item 's2' is listed twice"), "{m}");
    }

    #[test]
    fn columns_count_characters() {
        let text = "name = \"形象\"\n[scale]\nmin = 3\nmax = 1\n";
        let (l, c, m) = err_of(text);
        assert_eq!((l, c), (3, 1));
        assert!(m.contains("scale min 3 must be below max 1"), "{m}");
        let text = "name = \"形象\"\nscale = { missing = [\"形象\"], mn = 1 }\n";
        let (l, c, m) = err_of(text);
        assert_eq!((l, c), (2, 29));
        assert!(m.starts_with("unknown key 'mn' in [scale]"), "{m}");
    }

    #[test]
    fn bad_values() {
        let (_, _, m) = err_of(&TOY.replace("mode = \"B\"", "mode = \"C\""));
        assert!(
            m.contains("mode must be \"A\" (reflective) or \"B\" (formative), found \"C\""),
            "{m}"
        );
        let (l, _, m) = err_of(&TOY.replace("reverse = true", "reverse = \"yes\""));
        assert_eq!(l, 40);
        assert!(
            m.contains("'reverse' in [item.q2] must be true or false"),
            "{m}"
        );
        let (l, _, m) = err_of(&TOY.replace("[item.q1]", "[item.q9]"));
        assert_eq!(l, 45);
        assert!(
            m.contains("[item.q9] names an item that no construct lists"),
            "{m}"
        );
        let (_, _, m) = err_of(&TOY.replace("range = [1, 3]", "range = [3, 1]"));
        assert!(m.contains("first <= last"), "{m}");
        let (_, _, m) = err_of("description = \"x\"\n");
        assert!(m.contains("no 'name'"), "{m}");
    }

    #[test]
    fn helpers() {
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("ab", 99), (1, 3));
        assert_eq!(edit_distance("itmes", "items"), 2);
        assert_eq!(number(1.0), "1");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(1e20), "1e20");
        assert_eq!(key("a b"), "\"a b\"");
        assert_eq!(quote("a\"\\"), "\"a\\\"\\\\\"");
        assert_eq!(ModelFile::from_path(Path::new("x.LAV")), ModelFile::Lavaan);
    }
}
