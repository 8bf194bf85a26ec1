//! The records of a block and the respondent rows of a batch: every cell checked by
//! the in-memory reader's rules, the group of each row, and the item statistics and
//! straight-liners of the raw answers.

use crate::data::ingest::records::{is_blank, scan_with, ScanEnd};
use crate::data::ingest::{
    item_value, small_int, weight_value, Assembler, Cell, CellRules, ColState, IngestOptions, Role,
};
use crate::data::validate::{
    integer_scale, raw_flips, straight_min_obs, Problem, MAX_LISTED_STRAIGHT_LINERS,
};
use crate::error::{Error, Result};
use crate::spec::Model;
use std::borrow::Cow;
use std::collections::HashMap;

/// One record of the current text buffer: byte range, spreadsheet row, field count.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rec {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) row: usize,
    pub(super) fields: usize,
    pub(super) blank: bool,
}

/// Split `t` into records that end with `eol` outside quotes (the rule of
/// [`scan_with`], as the in-memory reader splits), the last one also without `eol`
/// when `eof`. Returns the bytes consumed; `Err(())` for a quoted field never closed
/// at the end of the file.
pub(super) fn scan(
    t: &[u8],
    delim: u8,
    eol: u8,
    eof: bool,
    first_row: usize,
    recs: &mut Vec<Rec>,
) -> std::result::Result<usize, ()> {
    let n = t.len();
    let mut row = first_row;
    let mut push = |start: usize, end: usize, fields: usize| {
        recs.push(Rec {
            start,
            end,
            row,
            fields,
            blank: is_blank(t, start, end, fields),
        });
        row += 1;
    };
    match scan_with(t, delim, eol, &mut push) {
        ScanEnd::Unclosed { start, .. } => {
            if eof {
                Err(())
            } else {
                Ok(start)
            }
        }
        ScanEnd::Open { start, fields } if start < n => {
            if eof {
                push(start, n, fields);
                Ok(n)
            } else {
                Ok(start)
            }
        }
        ScanEnd::Open { .. } => Ok(n),
    }
}

/// Call `f(column, text, quoted)` for each field of a record.
#[inline]
fn for_fields<'a>(rec: &'a [u8], delim: u8, mut f: impl FnMut(usize, &'a [u8], bool)) {
    let n = rec.len();
    let mut i = 0usize;
    let mut c = 0usize;
    loop {
        let begin = i;
        let quoted = rec.get(i) == Some(&b'"');
        if quoted {
            let mut in_q = true;
            i += 1;
            while let Some(&b) = rec.get(i) {
                if b == b'"' {
                    in_q = !in_q;
                } else if !in_q && b == delim {
                    break;
                }
                i += 1;
            }
        } else {
            while rec.get(i).is_some_and(|&b| b != delim) {
                i += 1;
            }
        }
        f(c, rec.get(begin..i).unwrap_or_default(), quoted);
        c += 1;
        if i >= n {
            break;
        }
        i += 1;
    }
}

/// The text of a field (quotes removed, `""` read as `"`).
fn field_text(raw: &[u8], quoted: bool) -> Option<Cow<'_, str>> {
    let s = std::str::from_utf8(raw).ok()?;
    if !quoted {
        return Some(Cow::Borrowed(s));
    }
    let inner = s.strip_prefix('"').unwrap_or(s);
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    if inner.contains("\"\"") {
        Some(Cow::Owned(inner.replace("\"\"", "\"")))
    } else {
        Some(Cow::Borrowed(inner))
    }
}

/// Per-item statistics of the observed answers (shifted sums).
#[derive(Debug, Clone, Default)]
pub(super) struct ItemAcc {
    pub(super) cnt: usize,
    pub(super) s1: f64,
    pub(super) s2: f64,
    pub(super) first: Option<(usize, f64)>,
    pub(super) varies: bool,
    pub(super) half: usize,
    pub(super) first_half: Option<usize>,
}

/// What one batch of rows yields.
pub(super) struct Batch {
    pub(super) x: Vec<f64>,
    pub(super) w: Option<Vec<f64>>,
    pub(super) keys: Vec<Option<u32>>,
    pub(super) key_names: Vec<Vec<String>>,
    pub(super) states: Vec<ColState>,
    pub(super) weight_state: ColState,
    pub(super) items: Vec<ItemAcc>,
    pub(super) usable: usize,
    pub(super) straight: usize,
    pub(super) straight_first: Vec<(usize, f64, u32)>,
}

/// The groups met in a batch: the key of each, numbered in order of appearance.
#[derive(Default)]
struct GroupKeys {
    index: HashMap<Vec<String>, u32>,
    names: Vec<Vec<String>>,
}

impl GroupKeys {
    /// The number of the row's group (`None` when a `by` cell is empty); the cells are
    /// cleared for the next row.
    fn id(&mut self, key: &mut [Option<String>]) -> Option<u32> {
        let k = if key.iter().all(Option::is_some) {
            let kv: Vec<String> = key.iter().map(|k| k.clone().unwrap_or_default()).collect();
            let next = self.names.len() as u32;
            let names = &mut self.names;
            let id = *self.index.entry(kv.clone()).or_insert_with(|| {
                names.push(kv);
                next
            });
            Some(id)
        } else {
            None
        };
        key.iter_mut().for_each(|k| *k = None);
        k
    }
}

/// How the records of a block are laid out.
#[derive(Debug, Clone, Copy)]
pub(super) struct Shape {
    /// Fields per record (the header's).
    pub(super) width: usize,
    pub(super) delim: u8,
    /// Records end with "\r\n" or "\n" (else "\r").
    pub(super) strip_cr: bool,
}

/// How the rows of a file are read: the roles of its columns, the cell rules, the
/// group columns, and what the straight-lining and half-point checks need.
pub(super) struct Plan<'m> {
    pub(super) model: &'m Model,
    pub(super) rules: CellRules,
    roles: Vec<Role>,
    pub(super) shape: Shape,
    pub(super) weighted: bool,
    weight_name: String,
    /// Source column -> position in the group key.
    by_col: Vec<Option<usize>>,
    pub(super) n_by: usize,
    flips: Vec<Option<f64>>,
    integer_scale: Vec<bool>,
    min_obs: usize,
}

impl<'m> Plan<'m> {
    /// The plan of a file whose header the assembler has matched to the model (the
    /// cell rules are taken from it).
    ///
    /// # Errors
    /// [`Error::Data`] for a `by` column that is not an extra column of the file.
    pub(super) fn new(
        asm: &mut Assembler<'_>,
        model: &'m Model,
        opts: &IngestOptions,
        by: &[String],
        shape: Shape,
    ) -> Result<Plan<'m>> {
        let by_col = group_columns(asm, by)?;
        let p = model.n_items();
        Ok(Plan {
            model,
            rules: std::mem::replace(&mut asm.rules, CellRules::new(model, opts)),
            roles: asm.roles.clone(),
            shape,
            weighted: asm.roles.contains(&Role::Weight),
            weight_name: opts
                .weight
                .as_deref()
                .unwrap_or("weight")
                .trim()
                .to_string(),
            by_col,
            n_by: by.len(),
            flips: raw_flips(model),
            integer_scale: (0..p).map(|j| integer_scale(model.item_scale(j))).collect(),
            min_obs: straight_min_obs(p),
        })
    }

    /// Read the records of one batch and take the statistics of its rows (`shift`: the
    /// centre of the item sums).
    pub(super) fn parse(&self, text: &[u8], recs: &[Rec], shift: Option<&[f64]>) -> Batch {
        let mut batch = self.read_cells(text, recs);
        self.row_statistics(&mut batch, recs, shift);
        batch
    }

    /// The cells of the records: item answers (n x p, row-major), weights, and the
    /// group of each row; refused cells are counted in the column states.
    fn read_cells(&self, text: &[u8], recs: &[Rec]) -> Batch {
        let p = self.model.n_items();
        let b = recs.len();
        let mut x = vec![f64::NAN; b * p];
        let mut w = self.weighted.then(|| vec![f64::NAN; b]);
        let mut keys: Vec<Option<u32>> = Vec::with_capacity(if self.n_by > 0 { b } else { 0 });
        let mut groups = GroupKeys::default();
        let mut states: Vec<ColState> = (0..p).map(|_| ColState::default()).collect();
        let mut weight_state = ColState::default();
        let mut key: Vec<Option<String>> = vec![None; self.n_by];
        for (r, rec) in recs.iter().enumerate() {
            let mut line = text.get(rec.start..rec.end).unwrap_or_default();
            if self.shape.strip_cr {
                line = line.strip_suffix(b"\r").unwrap_or(line);
            }
            let row = rec.row;
            let xr = x.get_mut(r * p..(r + 1) * p).unwrap_or_default();
            let mut wr = w.as_mut().and_then(|w| w.get_mut(r));
            for_fields(line, self.shape.delim, |c, raw, quoted| {
                match self.roles.get(c) {
                    Some(&Role::Item(k)) => {
                        if let (Some(st), Some(v)) = (states.get_mut(k), xr.get_mut(k)) {
                            *v = self.item_cell(k, row, raw, quoted, st);
                        }
                    }
                    Some(Role::Weight) => {
                        if let Some(v) = wr.as_deref_mut() {
                            *v = self.weight_cell(row, raw, quoted, &mut weight_state);
                        }
                    }
                    Some(Role::Extra(_)) => {
                        let slot = self.by_col.get(c).copied().flatten();
                        if let Some(slot) = slot.and_then(|pos| key.get_mut(pos)) {
                            *slot = field_text(raw, quoted)
                                .map(|t| t.trim().to_string())
                                .filter(|t| !t.is_empty());
                        }
                    }
                    Some(Role::Ignored) | None => {}
                }
            });
            if self.n_by > 0 {
                keys.push(groups.id(&mut key));
            }
        }
        Batch {
            x,
            w,
            keys,
            key_names: groups.names,
            states,
            weight_state,
            items: vec![ItemAcc::default(); p],
            usable: 0,
            straight: 0,
            straight_first: Vec::new(),
        }
    }

    /// The answer of item `k` in a field (small integers read without allocation).
    fn item_cell(&self, k: usize, row: usize, raw: &[u8], quoted: bool, st: &mut ColState) -> f64 {
        let rules = &self.rules;
        let name = self.model.items.get(k).map_or("", |i| i.name.as_str());
        if raw.is_empty() {
            item_value(rules, k, name, row, Cell::Empty, st)
        } else if let (false, Some(v)) = (quoted, small_int(raw)) {
            item_value(rules, k, name, row, Cell::Num(v), st)
        } else {
            match field_text(raw, quoted) {
                Some(t) => item_value(rules, k, name, row, Cell::Text(&t), st),
                None => {
                    st.error(row, Problem::error("not valid text"));
                    f64::NAN
                }
            }
        }
    }

    /// The weight in a field.
    fn weight_cell(&self, row: usize, raw: &[u8], quoted: bool, st: &mut ColState) -> f64 {
        let name = &self.weight_name;
        match field_text(raw, quoted) {
            Some(t) if t.trim().is_empty() => weight_value(name, row, Cell::Empty, st),
            Some(t) => weight_value(name, row, Cell::Text(&t), st),
            None => {
                st.error(row, Problem::error("not valid text"));
                f64::NAN
            }
        }
    }

    /// Item statistics (sums shifted by `shift`, first value, half points), usable
    /// rows and straight-liners (on the raw answers, before reverse-coding).
    fn row_statistics(&self, batch: &mut Batch, recs: &[Rec], shift: Option<&[f64]>) {
        let p = self.model.n_items();
        for (r, rec) in recs.iter().enumerate() {
            let xr = batch.x.get(r * p..(r + 1) * p).unwrap_or_default();
            let mut obs = 0u32;
            let mut first = f64::NAN;
            let mut same = true;
            for (j, (&v, it)) in xr.iter().zip(batch.items.iter_mut()).enumerate() {
                if v.is_nan() {
                    continue;
                }
                let c = shift.and_then(|s| s.get(j)).copied().unwrap_or(0.0);
                let d = v - c;
                it.s1 += d;
                it.s2 += d * d;
                match it.first {
                    None => it.first = Some((rec.row, v)),
                    Some((_, f)) if f != v => it.varies = true,
                    _ => {}
                }
                it.cnt += 1;
                if self.integer_scale.get(j).copied().unwrap_or(false) && (v as i64) as f64 != v {
                    it.half += 1;
                    if it.first_half.is_none() {
                        it.first_half = Some(rec.row);
                    }
                }
                let raw = match self.flips.get(j).copied().flatten() {
                    Some(t) => t - v,
                    None => v,
                };
                if obs == 0 {
                    first = raw;
                } else if (raw - first).abs() > 1e-9 {
                    same = false;
                }
                obs += 1;
            }
            if obs > 0 {
                batch.usable += 1;
            }
            if p >= 2 && obs as usize >= self.min_obs && same {
                batch.straight += 1;
                if batch.straight_first.len() < MAX_LISTED_STRAIGHT_LINERS {
                    batch.straight_first.push((rec.row, first, obs));
                }
            }
        }
    }
}

/// The source column of each `by` column (the group key's position for each source
/// column): the `by` columns must be extra columns of the file.
fn group_columns(asm: &Assembler<'_>, by: &[String]) -> Result<Vec<Option<usize>>> {
    let mut by_col = vec![None; asm.roles.len()];
    for (pos, name) in by.iter().enumerate() {
        let name = name.trim();
        let Some(e) = asm.extra_names.iter().position(|n| n == name) else {
            return Err(Error::data(
                crate::error::Location {
                    file: asm.file.clone(),
                    column: Some(name.to_string()),
                    ..Default::default()
                },
                "no such column in the data (or it is an item or the weight column)",
            ));
        };
        if let Some(c) = asm.roles.iter().position(|r| *r == Role::Extra(e)) {
            if let Some(slot) = by_col.get_mut(c) {
                *slot = Some(pos);
            }
        }
    }
    Ok(by_col)
}
