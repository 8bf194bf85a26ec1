//! The value readers of the TOML model file: each checks one value's type and
//! range and, when it is wrong, names the line and column.

use super::{MAX_PREFIX_BYTES, MAX_RANGE};
use crate::error::{Error, Result};
use crate::spec::toml_file::spans::{line_col, ConstructSpans};
use crate::spec::{check_scale, ConstructSpec, Mode, Scale};
use crate::text_safety::shown_name;
use std::ops::Range;
use toml::de::{DeArray, DeString, DeTable, DeValue};
use toml::Spanned;

/// The file being parsed, for error positions.
pub(super) struct Cx<'a> {
    pub(super) text: &'a str,
    pub(super) file: &'a str,
}

pub(super) type Entry<'t, 'i> = (&'t Spanned<DeString<'i>>, &'t Spanned<DeValue<'i>>);

pub(super) fn lookup<'t, 'i>(t: &'t DeTable<'i>, key: &str) -> Option<Entry<'t, 'i>> {
    t.iter().find(|(k, _)| k.get_ref().as_ref() == key)
}

impl Cx<'_> {
    pub(super) fn err(&self, span: &Range<usize>, message: impl Into<String>) -> Error {
        let (line, column) = line_col(self.text, span.start);
        Error::model(self.file, Some(line), Some(column), message)
    }

    /// Refuse keys not in `allowed` (the first one in file order).
    pub(super) fn check_keys(&self, t: &DeTable, allowed: &[&str], what: &str) -> Result<()> {
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

    pub(super) fn string(&self, v: &Spanned<DeValue>, what: &str) -> Result<String> {
        match v.get_ref() {
            DeValue::String(s) => Ok(s.to_string()),
            other => Err(self.err(
                &v.span(),
                format!("{what} must be a string, found {}", other.type_str()),
            )),
        }
    }

    /// A department name (`owner`): a non-empty string, trimmed.
    pub(super) fn owner(&self, v: &Spanned<DeValue>, what: &str) -> Result<String> {
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
    pub(super) fn name(&self, v: &Spanned<DeValue>, what: &str) -> Result<String> {
        let s = self.string(v, what)?;
        if s.trim().is_empty() {
            return Err(self.err(&v.span(), format!("{what} must not be empty")));
        }
        Ok(s.trim().to_string())
    }

    /// A list of non-empty names (or one name).
    pub(super) fn names(&self, v: &Spanned<DeValue>, what: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for (s, span) in self.string_or_list(v, what, false)? {
            if s.trim().is_empty() {
                return Err(self.err(&span, format!("{what} lists an empty name")));
            }
            out.push(s.trim().to_string());
        }
        Ok(out)
    }

    pub(super) fn table<'t, 'i>(
        &self,
        v: &'t Spanned<DeValue<'i>>,
        what: &str,
    ) -> Result<&'t DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Ok(t),
            other => Err(self.err(
                &v.span(),
                format!("{what} must be a table, found {}", other.type_str()),
            )),
        }
    }

    pub(super) fn array_of_tables<'t, 'i>(
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
    pub(super) fn string_or_list(
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

    pub(super) fn number(&self, v: &Spanned<DeValue>, what: &str) -> Result<f64> {
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
    pub(super) fn scale(&self, t: &DeTable, what: &str) -> Result<Option<Scale>> {
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
    pub(super) fn construct(
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
        let mode = self.construct_mode(t, &sname)?;
        let dimensions = match lookup(t, "dimensions") {
            Some((_, v)) => self.names(v, &format!("'dimensions' of construct '{name}'"))?,
            None => Vec::new(),
        };
        let hoc_method = self.hoc_method(t, &name, &dimensions)?;
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

    /// A construct's `mode`: "A" (reflective, the default) or "B" (formative),
    /// either case.
    fn construct_mode(&self, t: &DeTable, sname: &str) -> Result<Mode> {
        Ok(match lookup(t, "mode") {
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
        })
    }

    /// A construct's `hoc_method`, which only a higher-order construct (one with
    /// `dimensions`) may give; the default otherwise.
    fn hoc_method(
        &self,
        t: &DeTable,
        name: &str,
        dimensions: &[String],
    ) -> Result<crate::spec::HocMethod> {
        Ok(match lookup(t, "hoc_method") {
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
        })
    }

    /// `items = [...]` or `items = { prefix = "imag", range = [1, 5] }`.
    pub(super) fn items(
        &self,
        v: &Spanned<DeValue>,
        cname: &str,
    ) -> Result<Vec<(String, Range<usize>)>> {
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
            DeValue::Table(t) => self.item_range(v, t, &what),
            other => Err(self.err(
                &v.span(),
                format!(
                    "{what} must be a list of strings, found {}",
                    other.type_str()
                ),
            )),
        }
    }

    /// The shorthand `items = { prefix = "imag", range = [1, 5] }`: items `imag1` to
    /// `imag5`, all pointing at the shorthand's span.
    fn item_range(
        &self,
        v: &Spanned<DeValue>,
        t: &DeTable,
        what: &str,
    ) -> Result<Vec<(String, Range<usize>)>> {
        self.check_keys(t, &["prefix", "range"], what)?;
        let prefix = match lookup(t, "prefix") {
            Some((_, p)) => self.string(p, &format!("'prefix' in {what}"))?,
            None => {
                return Err(self.err(&v.span(), format!("{what}: the shorthand needs 'prefix'")))
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
            None => return Err(self.err(&v.span(), format!("{what}: the shorthand needs 'range'"))),
        };
        let int = |e: Option<&Spanned<DeValue>>| -> Option<i64> {
            match e.map(|e| e.get_ref()) {
                Some(DeValue::Integer(i)) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
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
}

/// Levenshtein distance (for "did you mean" hints on short keys).
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
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
