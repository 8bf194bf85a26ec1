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

mod cx;
mod read;
mod spans;
mod write;

use crate::error::{Error, Result};
use crate::spec::Model;
use cx::{lookup, Cx};
pub(crate) use spans::{line_col, ConstructSpans, Spans};
use std::path::Path;
use toml::de::DeTable;
pub(crate) use write::group_paths;
pub use write::model_to_toml;

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
    let (name, name_span) = cx.model_name(root)?;
    let description = match lookup(root, "description") {
        Some((_, v)) => Some(cx.string(v, "'description'")?),
        None => None,
    };
    let (scale, missing_codes) = cx.scale_section(root)?;
    let constructs = cx.constructs(root, &name_span)?;
    let paths = cx.paths(root)?;

    let spans = Spans {
        constructs: constructs.spans,
        paths: paths.spans,
        model: name_span.clone(),
    };
    let mut model = Model::build(&name, constructs.specs, &paths.pairs).map_err(|issue| {
        let span = spans.issue_span(&issue, &paths.pairs);
        cx.err(&span, issue.to_string())
    })?;
    model.extras.construct_owners = constructs.owners;
    model.name = name.trim().to_string();
    model.description = description;
    cx.covariances(root, &mut model)?;
    cx.interactions(root, &mut model)?;
    model.scale = scale;
    model.missing_codes = missing_codes;
    cx.item_sections(root, &mut model)?;
    cx.methods_and_loyalty(root, &mut model)?;
    Ok(model)
}

/// Upper bound on the number of paths a file may expand to (`from` x `to` lists).
pub(super) const MAX_PATHS: usize = 10_000;
/// Upper bound on the items an `{ prefix, range }` shorthand may generate.
pub(super) const MAX_RANGE: i64 = 10_000;
/// Upper bound on the length of that shorthand's prefix (the items it generates
/// repeat it [`MAX_RANGE`] times at most).
pub(super) const MAX_PREFIX_BYTES: usize = 1_000;

#[cfg(test)]
mod tests {
    use super::cx::edit_distance;
    use super::write::{key, number, quote};
    use super::*;
    use crate::spec::{Mode, Scale};

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
        crate::spec::error_position(parse_model_toml(text, "m.toml"))
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
