//! One pass over the file: the header, then block after block of records folded batch
//! by batch in parallel, and at the end the validation report of a usable file.

use super::batch::{scan, Batch, ItemAcc, Plan, Rec, Shape};
use super::source::Reader;
use super::{Enc, Pass, StreamOptions, Streamed, MAX_RECORD_BYTES};
use crate::data::ingest::cells::out_of_range_read_as_missing;
use crate::data::ingest::records::first_line;
use crate::data::ingest::{detect_delimiter, split_fields, Assembler, IngestOptions};
use crate::data::validate::{
    item_answer_warnings, push_straight_lining, required_respondents, Problem, ValidationReport,
    MAX_LISTED_STRAIGHT_LINERS,
};
use crate::error::Result;
use crate::moments_stream::SufficientStats;
use crate::spec::Model;
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::Path;

/// The sums of one batch: pooled, and per group key.
type Part = (SufficientStats, Vec<(Vec<String>, SufficientStats)>);

/// One pass over the file in `encoding`.
pub(super) fn pass(
    path: &Path,
    model: &Model,
    opts: &IngestOptions,
    sopts: &StreamOptions,
    encoding: Enc,
    tsv: bool,
) -> Result<Pass> {
    let file = path.display().to_string();
    let mut reader = Reader::open(path, encoding, sopts.block_bytes)?;
    if let Some(p) = reader.read()? {
        return Ok(p);
    }
    if reader.text.iter().all(|c| c.is_ascii_whitespace()) {
        return Ok(Pass::Refused);
    }
    let Some(mut records) = Records::for_text(&reader, opts, tsv) else {
        return Ok(Pass::Refused);
    };
    let mut asm = Assembler::new(file, model, opts);
    asm.rules.decimal_comma = records.delim != b',';
    let (hrec, header) = match read_header(&mut reader, &mut records)? {
        ControlFlow::Continue(h) => h,
        ControlFlow::Break(p) => return Ok(p),
    };
    asm.plan(&header, hrec.row, |c| format!("column {}", c + 1));
    if asm.fatal || asm.columns_bad || asm.report.has_errors() {
        return Ok(Pass::Refused);
    }
    let shape = Shape {
        width: hrec.fields,
        delim: records.delim,
        strip_cr: records.eol == b'\n',
    };
    let plan = Plan::new(&mut asm, model, opts, &sopts.by, shape)?;
    let mut totals = Totals::new(model);
    let batch_rows = sopts.batch_rows.max(1);
    loop {
        if !totals.fold_block(&plan, &reader.text, &records.recs, batch_rows)? {
            return Ok(Pass::Refused);
        }
        if reader.eof() {
            break;
        }
        reader.consume(records.consumed);
        if reader.text.len() > MAX_RECORD_BYTES {
            return Ok(Pass::Refused);
        }
        if let Some(p) = reader.read()? {
            return Ok(p);
        }
        if !records.scan(&reader.text, reader.eof()) {
            return Ok(Pass::Refused);
        }
    }
    Ok(match totals.streamed(asm.report, &plan) {
        Some(s) => Pass::Done(Box::new(s)),
        None => Pass::Refused,
    })
}

/// The records of the current text, and where the next block's records start.
struct Records {
    recs: Vec<Rec>,
    /// Spreadsheet row of the next record.
    next_row: usize,
    /// Bytes of the text that the records cover.
    consumed: usize,
    delim: u8,
    eol: u8,
}

impl Records {
    /// The end of line ('\n' when the first block shows one, else '\r' for a file of
    /// one block) and the delimiter (`--delimiter`, else detected from the header
    /// line); `None` when the first block cannot tell.
    fn for_text(reader: &Reader<'_>, opts: &IngestOptions, tsv: bool) -> Option<Records> {
        let text = &reader.text;
        let eol = if text.contains(&b'\n') {
            b'\n'
        } else if reader.eof() {
            b'\r'
        } else {
            return None;
        };
        // the header line (first non-blank line), for the delimiter
        let (header_line, ended) = first_line(text, eol);
        if !ended && !reader.eof() {
            return None;
        }
        let delim = opts
            .delimiter
            .unwrap_or_else(|| detect_delimiter(header_line, tsv));
        Some(Records {
            recs: Vec::new(),
            next_row: 1,
            consumed: 0,
            delim,
            eol,
        })
    }

    /// Split the text into records (numbered on from the previous block's); false
    /// for a quoted cell never closed.
    fn scan(&mut self, text: &[u8], eof: bool) -> bool {
        self.recs.clear();
        match scan(
            text,
            self.delim,
            self.eol,
            eof,
            self.next_row,
            &mut self.recs,
        ) {
            Ok(c) => self.consumed = c,
            Err(()) => return false,
        }
        self.next_row = self.recs.last().map_or(self.next_row, |r| r.row + 1);
        true
    }
}

/// Read blocks until the first non-blank record, the header: its record and names
/// (the records after it stay in `records`).
fn read_header(
    reader: &mut Reader<'_>,
    records: &mut Records,
) -> Result<ControlFlow<Pass, (Rec, Vec<String>)>> {
    loop {
        if !records.scan(&reader.text, reader.eof()) {
            return Ok(ControlFlow::Break(Pass::Refused));
        }
        if let Some(h) = records.recs.iter().position(|r| !r.blank) {
            let Some(&hrec) = records.recs.get(h) else {
                return Ok(ControlFlow::Break(Pass::Refused));
            };
            let line = reader.text.get(hrec.start..hrec.end).unwrap_or_default();
            let header = split_fields(line, records.delim);
            records.recs.drain(..=h);
            return Ok(ControlFlow::Continue((hrec, header)));
        }
        if reader.eof() {
            return Ok(ControlFlow::Break(Pass::Refused));
        }
        reader.consume(records.consumed);
        if let Some(p) = reader.read()? {
            return Ok(ControlFlow::Break(p));
        }
    }
}

/// What the blocks read so far add up to.
struct Totals {
    items: Vec<String>,
    pooled: Option<SufficientStats>,
    groups: BTreeMap<Vec<String>, SufficientStats>,
    ungrouped: usize,
    n: usize,
    usable: usize,
    straight: usize,
    straight_first: Vec<(usize, f64, u32)>,
    item_acc: Vec<ItemAcc>,
    coded: Vec<usize>,
    oor: Vec<usize>,
    weight_total: f64,
}

impl Totals {
    fn new(model: &Model) -> Totals {
        let p = model.n_items();
        Totals {
            items: model.items.iter().map(|i| i.name.clone()).collect(),
            pooled: None,
            groups: BTreeMap::new(),
            ungrouped: 0,
            n: 0,
            usable: 0,
            straight: 0,
            straight_first: Vec::new(),
            item_acc: vec![ItemAcc::default(); p],
            coded: vec![0usize; p],
            oor: vec![0usize; p],
            weight_total: 0.0,
        }
    }

    /// Fold the respondent records of one block; false when one is ragged or has a
    /// refused cell (the in-memory reader then reads the file).
    fn fold_block(
        &mut self,
        plan: &Plan<'_>,
        text: &[u8],
        recs: &[Rec],
        batch_rows: usize,
    ) -> Result<bool> {
        use rayon::prelude::*;
        let p = self.items.len();
        // the data records of this block
        let data: Vec<Rec> = recs.iter().copied().filter(|r| !r.blank).collect();
        if data.iter().any(|r| r.fields != plan.shape.width) {
            return Ok(false);
        }
        if data.is_empty() {
            return Ok(true);
        }
        let shift = self.pooled.as_ref().map(|s| s.center.clone());
        let mut batches: Vec<Batch> = data
            .par_chunks(batch_rows)
            .map(|chunk| plan.parse(text, chunk, shift.as_deref()))
            .collect();
        if batches
            .iter()
            .any(|b| b.weight_state.n_errors > 0 || b.states.iter().any(|s| s.n_errors > 0))
        {
            return Ok(false);
        }
        if self.pooled.is_none() {
            // the centre of the sums: the first batch's observed means; the item
            // statistics of that batch are re-taken about it
            let Some(first) = batches.first() else {
                return Ok(false);
            };
            let center = SufficientStats::center_of(&first.x, p);
            let mut s = SufficientStats::new(self.items.clone(), center.clone(), plan.weighted);
            if let Some(w) = &first.w {
                s.weight_scale = SufficientStats::scale_for(w);
            }
            self.pooled = Some(s);
            batches = data
                .par_chunks(batch_rows)
                .map(|chunk| plan.parse(text, chunk, Some(&center)))
                .collect();
        }
        let Some(template) = self.pooled.as_ref().map(SufficientStats::empty_like) else {
            return Ok(false);
        };
        // fold every batch (and its groups) in parallel, then add in batch order
        let parts = fold_batches(plan, &template, &batches);
        for (part, b) in parts.iter().zip(&batches) {
            self.add(part, b)?;
        }
        Ok(true)
    }

    /// Add one batch's sums and counts (in batch order, so the sums do not depend on
    /// the number of threads).
    fn add(&mut self, (s, g): &Part, b: &Batch) -> Result<()> {
        let p = self.items.len();
        if let Some(pool) = self.pooled.as_mut() {
            pool.merge(s)?;
        }
        for (name, gs) in g {
            match self.groups.get_mut(name) {
                Some(t) => t.merge(gs)?,
                None => {
                    self.groups.insert(name.clone(), gs.clone());
                }
            }
        }
        self.ungrouped += b.keys.iter().filter(|k| k.is_none()).count();
        self.n += b.x.len() / p.max(1);
        self.usable += b.usable;
        self.straight += b.straight;
        for s in &b.straight_first {
            if self.straight_first.len() < MAX_LISTED_STRAIGHT_LINERS {
                self.straight_first.push(*s);
            }
        }
        if let Some(w) = &b.w {
            self.weight_total += w.iter().sum::<f64>();
        }
        let per_item = self
            .item_acc
            .iter_mut()
            .zip(self.coded.iter_mut())
            .zip(self.oor.iter_mut());
        for (((a, coded), oor), (t, st)) in per_item.zip(b.items.iter().zip(&b.states)) {
            a.cnt += t.cnt;
            a.s1 += t.s1;
            a.s2 += t.s2;
            a.half += t.half;
            if a.first_half.is_none() {
                a.first_half = t.first_half;
            }
            match (a.first, t.first) {
                (None, f) => a.first = f,
                (Some((_, x)), Some((_, y))) if x != y => a.varies = true,
                _ => {}
            }
            a.varies |= t.varies;
            *coded += st.coded;
            *oor += st.out_of_range;
        }
        Ok(())
    }

    /// The sums and the validation report of the file, as the in-memory reader writes
    /// it for a usable file; `None` when the file has an error after all (no
    /// respondent row, every weight zero, an empty or constant item, too few usable
    /// respondents).
    fn streamed(self, mut report: ValidationReport, plan: &Plan<'_>) -> Option<Streamed> {
        let pooled = self.pooled.as_ref()?;
        if plan.weighted && !(self.weight_total > 0.0) {
            return None;
        }
        report.n_rows = self.n;
        let item_warnings = self.item_reports(&mut report, &pooled.center)?;
        report.n_usable = self.usable;
        report.straight_liners = self.straight;
        if self.usable < required_respondents(plan.model) {
            return None;
        }
        for pb in item_warnings {
            report.push(pb);
        }
        push_straight_lining(
            &mut report,
            self.straight_first.iter().copied(),
            self.straight,
        );
        if plan.rules.oor_missing {
            for (j, (&count, name)) in self.oor.iter().zip(&self.items).enumerate() {
                if count > 0 {
                    report.push(out_of_range_read_as_missing(
                        &plan.rules,
                        j,
                        count,
                        name.clone(),
                    ));
                }
            }
        }
        crate::data::cannot_answer::assess(plan.model, &mut report);
        report.sort();
        if report.has_errors() {
            return None;
        }
        Some(Streamed {
            pooled: self.pooled?,
            groups: self.groups,
            ungrouped: self.ungrouped,
            report,
        })
    }

    /// Fill the item rows of the report from the item sums (`center`: their shift) and
    /// return the items' warnings; `None` when an item is empty or constant (an
    /// error).
    fn item_reports(&self, report: &mut ValidationReport, center: &[f64]) -> Option<Vec<Problem>> {
        let n = self.n;
        let mut item_warnings = Vec::new();
        for (j, a) in self.item_acc.iter().enumerate() {
            let cnt = a.cnt;
            let missing = n - cnt;
            if cnt == 0 || !a.varies {
                return None; // empty or constant item: an error
            }
            if let Some(it) = report.items.get_mut(j) {
                let c = cnt as f64;
                it.n = cnt;
                it.missing = missing;
                it.out_of_range = self.oor.get(j).copied().unwrap_or(0);
                it.mean = center.get(j).map(|m| m + a.s1 / c);
                it.sd = (cnt > 1).then(|| ((a.s2 - a.s1 * a.s1 / c).max(0.0) / (c - 1.0)).sqrt());
                it.cannot_answer = self.coded.get(j).copied().unwrap_or(0);
            }
            let name = self.items.get(j).map_or("", String::as_str);
            item_warnings.extend(item_answer_warnings(name, n, missing, a.half, a.first_half));
        }
        Some(item_warnings)
    }
}

/// The sums of every batch, pooled and per group, folded in parallel (`template`:
/// empty sums about the centre).
fn fold_batches(plan: &Plan<'_>, template: &SufficientStats, batches: &[Batch]) -> Vec<Part> {
    use rayon::prelude::*;
    let p = plan.model.n_items();
    batches
        .par_iter()
        .map(|b| {
            let mut s = template.empty_like();
            s.fold(&b.x, b.w.as_deref());
            let g = if plan.n_by > 0 {
                group_sums(template, b, p)
            } else {
                Vec::new()
            };
            (s, g)
        })
        .collect()
}

/// The sums of each group of a batch's rows.
fn group_sums(
    template: &SufficientStats,
    b: &Batch,
    p: usize,
) -> Vec<(Vec<String>, SufficientStats)> {
    let mut buckets: Vec<Vec<usize>> = vec![Vec::new(); b.key_names.len()];
    for (i, k) in b.keys.iter().enumerate() {
        if let Some(bucket) = k.and_then(|k| buckets.get_mut(k as usize)) {
            bucket.push(i);
        }
    }
    b.key_names
        .iter()
        .zip(&buckets)
        .map(|(name, rows)| {
            let mut xs = Vec::with_capacity(rows.len() * p);
            for &i in rows {
                xs.extend_from_slice(b.x.get(i * p..(i + 1) * p).unwrap_or_default());
            }
            let ws: Option<Vec<f64>> = b.w.as_ref().map(|w| {
                rows.iter()
                    .map(|&i| w.get(i).copied().unwrap_or(f64::NAN))
                    .collect()
            });
            let mut gs = template.empty_like();
            gs.fold(&xs, ws.as_deref());
            (name.clone(), gs)
        })
        .collect()
}
