//! The sections of a TOML model file, read in file-independent order by
//! [`super::parse_model_toml`]: each reader checks its keys and names the line and
//! column of the first problem.

use super::cx::{lookup, Cx};
use super::spans::ConstructSpans;
use super::MAX_PATHS;
use crate::error::Result;
use crate::spec::{ConstructSpec, InteractionMethod, ItemOptions, Model, Scale};
use crate::text_safety::shown_name;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use toml::de::{DeString, DeTable, DeValue};
use toml::Spanned;

/// The `[[construct]]` tables: the specs, their spans and the `owner` of each
/// construct that names one.
pub(super) struct Constructs {
    pub(super) specs: Vec<ConstructSpec>,
    pub(super) spans: Vec<ConstructSpans>,
    pub(super) owners: BTreeMap<String, String>,
}

/// The `[[path]]` tables expanded into every `from -> to` pair, with the spans of
/// both names.
pub(super) struct Paths {
    pub(super) pairs: Vec<(String, String)>,
    pub(super) spans: Vec<(Range<usize>, Range<usize>)>,
}

/// One `[[interaction]]` term: the two constructs, the target, the method.
type Interaction = (String, String, String, InteractionMethod);

impl Cx<'_> {
    /// The required, non-empty top-level `name`, with its span.
    pub(super) fn model_name(&self, root: &DeTable) -> Result<(String, Range<usize>)> {
        let (name, name_span) = match lookup(root, "name") {
            Some((_, v)) => (self.string(v, "'name'")?, v.span()),
            None => {
                return Err(self.err(
                    &(0..0),
                    "the model has no 'name'; add e.g. name = \"CCSI\" at the top",
                ));
            }
        };
        if name.trim().is_empty() {
            return Err(self.err(&name_span, "'name' must not be empty"));
        }
        Ok((name, name_span))
    }

    /// `[scale]`: the default scale of every item and the cell values read as
    /// missing (trimmed; an empty code is refused, empty cells are always missing).
    pub(super) fn scale_section(&self, root: &DeTable) -> Result<(Option<Scale>, Vec<String>)> {
        let mut scale = None;
        let mut missing_codes = Vec::new();
        if let Some((_, v)) = lookup(root, "scale") {
            let t = self.table(v, "[scale]")?;
            self.check_keys(t, &["min", "max", "missing"], "[scale]")?;
            scale = self.scale(t, "[scale]")?;
            if let Some((_, mv)) = lookup(t, "missing") {
                for (code, span) in self.string_or_list(mv, "'missing' in [scale]", true)? {
                    if code.trim().is_empty() {
                        return Err(self.err(
                            &span,
                            "[scale] missing: an empty code is not needed (empty cells are always missing)",
                        ));
                    }
                    missing_codes.push(code.trim().to_string());
                }
            }
        }
        Ok((scale, missing_codes))
    }

    /// The `[[construct]]` tables (at least one is required).
    pub(super) fn constructs(
        &self,
        root: &DeTable,
        name_span: &Range<usize>,
    ) -> Result<Constructs> {
        let mut out = Constructs {
            specs: Vec::new(),
            spans: Vec::new(),
            owners: BTreeMap::new(),
        };
        let Some((_, v)) = lookup(root, "construct") else {
            return Err(self.err(
                name_span,
                "the model declares no [[construct]]; add one per construct with 'name' and 'items'",
            ));
        };
        let arr = self.array_of_tables(v, "construct")?;
        for (k, el) in arr.iter().enumerate() {
            let (spec, sp) = self.construct(el, k)?;
            let t = self.table(el, "[[construct]]")?;
            if let Some((_, ov)) = lookup(t, "owner") {
                let what = format!("'owner' of construct '{}'", spec.name.trim());
                out.owners
                    .insert(spec.name.trim().to_string(), self.owner(ov, &what)?);
            }
            out.specs.push(spec);
            out.spans.push(sp);
        }
        Ok(out)
    }

    /// The `[[path]]` tables: `from` and `to` are a name or a list of names, and
    /// every `from -> to` pair is a path (at most [`MAX_PATHS`]).
    pub(super) fn paths(&self, root: &DeTable) -> Result<Paths> {
        let mut out = Paths {
            pairs: Vec::new(),
            spans: Vec::new(),
        };
        let Some((_, v)) = lookup(root, "path") else {
            return Ok(out);
        };
        let arr = self.array_of_tables(v, "path")?;
        for (k, el) in arr.iter().enumerate() {
            let what = format!("[[path]] #{}", k + 1);
            let t = self.table(el, &what)?;
            self.check_keys(t, &["from", "to"], &what)?;
            let from = match lookup(t, "from") {
                Some((_, fv)) => self.string_or_list(fv, &format!("'from' in {what}"), false)?,
                None => return Err(self.err(&el.span(), format!("{what} has no 'from'"))),
            };
            let to = match lookup(t, "to") {
                Some((_, tv)) => self.string_or_list(tv, &format!("'to' in {what}"), false)?,
                None => return Err(self.err(&el.span(), format!("{what} has no 'to'"))),
            };
            for (a, asp) in &from {
                for (b, bsp) in &to {
                    if out.pairs.len() >= MAX_PATHS {
                        return Err(self.err(bsp, format!("more than {MAX_PATHS} paths")));
                    }
                    out.pairs.push((a.clone(), b.clone()));
                    out.spans.push((asp.clone(), bsp.clone()));
                }
            }
        }
        Ok(out)
    }

    /// `[[covariance]] between = ["y1", "y5"]`: residual covariances of two items,
    /// set on `model` (which checks that both are items).
    pub(super) fn covariances(&self, root: &DeTable, model: &mut Model) -> Result<()> {
        let Some((_, v)) = lookup(root, "covariance") else {
            return Ok(());
        };
        let arr = self.array_of_tables(v, "covariance")?;
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut spans: Vec<Range<usize>> = Vec::new();
        for (k, el) in arr.iter().enumerate() {
            let what = format!("[[covariance]] #{}", k + 1);
            let t = self.table(el, &what)?;
            self.check_keys(t, &["between"], &what)?;
            let Some((_, bv)) = lookup(t, "between") else {
                return Err(self.err(
                    &el.span(),
                    format!("{what} has no 'between'; write between = [\"item1\", \"item2\"]"),
                ));
            };
            let names = self.string_or_list(bv, &format!("'between' in {what}"), false)?;
            let [(a, _), (b, _)] = names.as_slice() else {
                return Err(self.err(
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
            self.err(&span, msg)
        })
    }

    /// `[[interaction]] between = ["QUAL", "PRICE"] to = "SAT" method = "two-stage"`,
    /// set on `model` (which checks the names).
    pub(super) fn interactions(&self, root: &DeTable, model: &mut Model) -> Result<()> {
        let Some((_, v)) = lookup(root, "interaction") else {
            return Ok(());
        };
        let arr = self.array_of_tables(v, "interaction")?;
        let mut terms = Vec::new();
        let mut spans: Vec<Range<usize>> = Vec::new();
        for (k, el) in arr.iter().enumerate() {
            let (term, span) = self.interaction(el, k)?;
            terms.push(term);
            spans.push(span);
        }
        model.set_interactions(&terms).map_err(|(k, msg)| {
            let span = spans.get(k).cloned().unwrap_or(0..0);
            self.err(&span, msg)
        })
    }

    /// The `k`-th `[[interaction]]` table, with the span of its `between`.
    fn interaction(&self, el: &Spanned<DeValue>, k: usize) -> Result<(Interaction, Range<usize>)> {
        let what = format!("[[interaction]] #{}", k + 1);
        let t = self.table(el, &what)?;
        self.check_keys(t, &["between", "to", "method"], &what)?;
        let Some((_, bv)) = lookup(t, "between") else {
            return Err(self.err(
                &el.span(),
                format!("{what} has no 'between'; write between = [\"QUAL\", \"PRICE\"]"),
            ));
        };
        let names = self.names(bv, &format!("'between' in {what}"))?;
        let [a, b] = names.as_slice() else {
            return Err(self.err(
                &bv.span(),
                format!(
                    "'between' in {what} must list exactly two constructs, found {}",
                    names.len()
                ),
            ));
        };
        let Some((_, tv)) = lookup(t, "to") else {
            return Err(self.err(&el.span(), format!("{what} has no 'to'")));
        };
        let to = self.name(tv, &format!("'to' in {what}"))?;
        let method = match lookup(t, "method") {
            Some((_, mv)) => {
                let s = self.string(mv, &format!("'method' in {what}"))?;
                InteractionMethod::parse(&s).ok_or_else(|| {
                    self.err(
                        &mv.span(),
                        format!(
                            "'method' in {what} must be \"two-stage\" or \"product-indicator\", found \"{}\"",
                            s.trim()
                        ),
                    )
                })?
            }
            None => InteractionMethod::default(),
        };
        Ok(((a.clone(), b.clone(), to, method), bv.span()))
    }

    /// The `[item.NAME]` sections in file order: options on `model`'s items, and
    /// `importance`, `owner` and `expectation` in its extras (expectation pairs in
    /// item order).
    pub(super) fn item_sections(&self, root: &DeTable, model: &mut Model) -> Result<()> {
        let Some((_, v)) = lookup(root, "item") else {
            return Ok(());
        };
        let t = self.table(v, "[item]")?;
        let mut entries: Vec<(&Spanned<DeString>, &Spanned<DeValue>)> = t.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        let mut pairs: Vec<(usize, String, String)> = Vec::new();
        // item name -> index (a file may hold thousands of [item.X] sections)
        let item_at: HashMap<String, usize> = model
            .items
            .iter()
            .enumerate()
            .map(|(k, it)| (it.name.clone(), k))
            .collect();
        for (key, val) in entries {
            let iname = key.get_ref().to_string();
            let what = format!("[item.{}]", shown_name(&iname));
            let it = self.table(val, &what)?;
            self.check_keys(
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
            let opts = self.item_options(it, &what)?;
            let k = item_at.get(iname.trim()).copied();
            model
                .set_item_options_at(k, iname.trim(), opts)
                .map_err(|m| self.err(&key.span(), m))?;
            let k = k.unwrap_or(usize::MAX);
            if let Some(col) = self.item_extras(it, &what, iname.trim(), model)? {
                pairs.push((k, iname.trim().to_string(), col));
            }
        }
        pairs.sort_by_key(|p| p.0);
        model.extras.expectation_pairs = pairs.into_iter().map(|(_, a, b)| (a, b)).collect();
        Ok(())
    }

    /// `label`, `scale = { min, max }` and `reverse` of one `[item.NAME]` section.
    fn item_options(&self, it: &DeTable, what: &str) -> Result<ItemOptions> {
        let mut opts = ItemOptions::default();
        if let Some((_, lv)) = lookup(it, "label") {
            opts.label = Some(self.string(lv, &format!("'label' in {what}"))?);
        }
        if let Some((_, sv)) = lookup(it, "scale") {
            let st = self.table(sv, &format!("'scale' in {what}"))?;
            self.check_keys(st, &["min", "max"], &format!("'scale' in {what}"))?;
            opts.scale = self.scale(st, &format!("'scale' in {what}"))?;
            if opts.scale.is_none() {
                return Err(self.err(
                    &sv.span(),
                    format!("'scale' in {what} needs 'min' and 'max'"),
                ));
            }
        }
        if let Some((_, rv)) = lookup(it, "reverse") {
            opts.reverse = match rv.get_ref() {
                DeValue::Boolean(b) => *b,
                other => {
                    return Err(self.err(
                        &rv.span(),
                        format!(
                            "'reverse' in {what} must be true or false, found {}",
                            other.type_str()
                        ),
                    ))
                }
            };
        }
        Ok(opts)
    }

    /// `importance` and `owner` of one `[item.NAME]` section, stored in `model`'s
    /// extras; its `expectation` column is returned for the caller to order.
    fn item_extras(
        &self,
        it: &DeTable,
        what: &str,
        iname: &str,
        model: &mut Model,
    ) -> Result<Option<String>> {
        if let Some((_, iv)) = lookup(it, "importance") {
            let col = self.name(iv, &format!("'importance' in {what}"))?;
            model.extras.importance.insert(iname.to_string(), col);
        }
        if let Some((_, ov)) = lookup(it, "owner") {
            let owner = self.owner(ov, &format!("'owner' in {what}"))?;
            model.extras.item_owners.insert(iname.to_string(), owner);
        }
        match lookup(it, "expectation") {
            Some((_, ev)) => Ok(Some(self.name(ev, &format!("'expectation' in {what}"))?)),
            None => Ok(None),
        }
    }

    /// `[methods] overall = "ITEM"` and `[loyalty] attitudinal/behavioural`, stored
    /// in `model`'s extras.
    pub(super) fn methods_and_loyalty(&self, root: &DeTable, model: &mut Model) -> Result<()> {
        if let Some((_, v)) = lookup(root, "methods") {
            let t = self.table(v, "[methods]")?;
            self.check_keys(t, &["overall"], "[methods]")?;
            if let Some((_, ov)) = lookup(t, "overall") {
                model.extras.overall = Some(self.name(ov, "'overall' in [methods]")?);
            }
        }
        if let Some((_, v)) = lookup(root, "loyalty") {
            let t = self.table(v, "[loyalty]")?;
            self.check_keys(t, &["attitudinal", "behavioural"], "[loyalty]")?;
            if let Some((_, av)) = lookup(t, "attitudinal") {
                model.extras.attitudinal = self.names(av, "'attitudinal' in [loyalty]")?;
            }
            if let Some((_, bv)) = lookup(t, "behavioural") {
                model.extras.behavioural = self.names(bv, "'behavioural' in [loyalty]")?;
            }
        }
        Ok(())
    }
}
