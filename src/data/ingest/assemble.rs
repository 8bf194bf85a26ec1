//! Assembly of the survey, shared by every format: the header is matched to the
//! model's items ([`Assembler::plan`]), the cells are stored column by column and
//! checked, and [`Assembler::finish`] builds the [`Survey`] and its report.

use super::cells::{
    item_value, out_of_range_read_as_missing, weight_value, Cell, CellRules, ColState,
};
use super::{unreadable, IngestOptions, MAX_ERRORS_PER_COLUMN};
use crate::data::validate::{matrix_checks, Problem, Severity, ValidationReport};
use crate::data::Survey;
use crate::error::Result;
use crate::spec::Model;
use crate::text_safety::shown_name;
use nalgebra::DMatrix;
use polars::prelude::{Column, DataType};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Role {
    Item(usize),
    Weight,
    Extra(usize),
    Ignored,
}

pub(super) struct Assembler<'a> {
    pub(super) file: String,
    pub(super) model: &'a Model,
    pub(super) opts: &'a IngestOptions,
    pub(super) rules: CellRules,
    pub(super) report: ValidationReport,
    pub(super) roles: Vec<Role>,
    pub(super) item_src: Vec<Option<usize>>,
    pub(super) extra_names: Vec<String>,
    /// Items left out of the matrix checks (absent, duplicated, or with cell errors).
    pub(super) skip: Vec<bool>,
    /// The cells cannot be read (ragged, empty, unclosed quote...).
    pub(super) fatal: bool,
    /// The columns do not match the model (absent or duplicated items, weight column):
    /// cells are still checked, but no survey is assembled.
    pub(super) columns_bad: bool,
    pub(super) planned: bool,
    pub(super) n: usize,
    pub(super) data: Vec<f64>,
    pub(super) rows: Vec<usize>,
    pub(super) extra: Vec<Vec<Option<String>>>,
    pub(super) weights: Option<Vec<f64>>,
    pub(super) item_state: Vec<ColState>,
    pub(super) weight_state: ColState,
}

impl<'a> Assembler<'a> {
    pub(super) fn new(file: String, model: &'a Model, opts: &'a IngestOptions) -> Assembler<'a> {
        let mut report = ValidationReport::for_model(model);
        report.file = Some(file.clone());
        let p = model.n_items();
        let mut asm = Assembler {
            file,
            model,
            opts,
            rules: CellRules::new(model, opts),
            report,
            roles: Vec::new(),
            item_src: vec![None; p],
            extra_names: Vec::new(),
            skip: vec![false; p],
            fatal: false,
            columns_bad: false,
            planned: false,
            n: 0,
            data: Vec::new(),
            rows: Vec::new(),
            extra: Vec::new(),
            weights: None,
            item_state: (0..p).map(|_| ColState::default()).collect(),
            weight_state: ColState::default(),
        };
        for (k, it) in model.items.iter().enumerate() {
            if it.reverse && model.item_scale(k).is_none() {
                asm.report.push(
                    Problem::error("the item is reverse-coded but has no scale; give [scale] in the model or --scale")
                        .in_column(it.name.clone()),
                );
            }
        }
        asm
    }

    pub(super) fn model_file(&self) -> String {
        self.opts
            .model_file
            .clone()
            .unwrap_or_else(|| format!("model '{}'", self.model.name))
    }

    /// The name of source column `c` in messages.
    pub(super) fn column_name(&self, c: usize) -> String {
        match self.roles.get(c) {
            Some(Role::Item(k)) => self
                .model
                .items
                .get(*k)
                .map(|i| i.name.clone())
                .unwrap_or_default(),
            Some(Role::Extra(e)) => self.extra_names.get(*e).cloned().unwrap_or_default(),
            Some(Role::Weight) => self.opts.weight.clone().unwrap_or_default(),
            _ => format!("column {}", c + 1),
        }
    }

    /// A problem that stops assembly (the report says why).
    pub(super) fn fatal(&mut self, p: Problem) {
        self.fatal = true;
        self.report.push(p);
    }

    /// Match the header to the model's items. `label(c)` names an unnamed column.
    pub(super) fn plan(
        &mut self,
        header: &[String],
        header_row: usize,
        label: impl Fn(usize) -> String,
    ) {
        self.planned = true;
        let weight_src = self.assign_roles(header, header_row, &label);
        self.report_absent_items(header, header_row);
        let weight = self.opts.weight.as_deref().map(str::trim);
        if let (Some(w), None) = (weight, weight_src) {
            if !self.model.items.iter().any(|it| it.name == w) {
                self.report.push(
                    Problem::error("the --weight column is not in the data")
                        .at_row(header_row)
                        .in_column(w),
                );
                self.columns_bad = true;
            }
        }
    }

    /// Give every source column its role: an item of the model, the weight column, or
    /// an extra column (named uniquely: a second `q1` is `q1 (2)`, an unnamed column
    /// by `label`). An item or weight column that appears twice, and a weight column
    /// that is an item, are errors. Returns the weight column.
    fn assign_roles(
        &mut self,
        header: &[String],
        header_row: usize,
        label: &impl Fn(usize) -> String,
    ) -> Option<usize> {
        let model = self.model;
        let index: HashMap<&str, usize> = model
            .items
            .iter()
            .enumerate()
            .map(|(k, it)| (it.name.as_str(), k))
            .collect();
        let weight = self.opts.weight.as_deref().map(str::trim);
        let mut weight_src: Option<usize> = None;
        let mut used_names: HashMap<String, usize> = HashMap::new();
        self.roles = Vec::with_capacity(header.len());
        for (c, h) in header.iter().enumerate() {
            let name = h.trim();
            if let Some(&k) = index.get(name) {
                let role = self.item_role(k, c, name, header_row, label);
                self.roles.push(role);
                if weight == Some(name) {
                    self.report.push(
                        Problem::error("the --weight column is an item of the model")
                            .at_row(header_row)
                            .in_column(name),
                    );
                    self.columns_bad = true;
                }
            } else if weight == Some(name) {
                if weight_src.is_some() {
                    self.report.push(
                        Problem::error("the --weight column appears twice in the header")
                            .at_row(header_row)
                            .in_column(name),
                    );
                    self.columns_bad = true;
                    self.roles.push(Role::Ignored);
                } else {
                    weight_src = Some(c);
                    self.roles.push(Role::Weight);
                }
            } else {
                let base = if name.is_empty() {
                    label(c)
                } else {
                    name.to_string()
                };
                let count = used_names.entry(base.clone()).or_insert(0);
                *count += 1;
                let key = if *count == 1 {
                    base
                } else {
                    format!("{base} ({count})")
                };
                self.roles.push(Role::Extra(self.extra_names.len()));
                self.extra_names.push(key);
            }
        }
        weight_src
    }

    /// The role of source column `c`, which holds item `k`: the item, or ignored (an
    /// error) when an earlier column already holds it.
    fn item_role(
        &mut self,
        k: usize,
        c: usize,
        name: &str,
        header_row: usize,
        label: &impl Fn(usize) -> String,
    ) -> Role {
        if let Some(first) = self.item_src.get(k).copied().flatten() {
            self.report.push(
                Problem::error(format!(
                    "item column appears twice in the header ({} and {}); keep one",
                    label(first),
                    label(c)
                ))
                .at_row(header_row)
                .in_column(name),
            );
            if let Some(sk) = self.skip.get_mut(k) {
                *sk = true;
            }
            self.columns_bad = true;
            Role::Ignored
        } else {
            if let Some(src) = self.item_src.get_mut(k) {
                *src = Some(c);
            }
            Role::Item(k)
        }
    }

    /// An error for every item of the model that no column holds, naming the model
    /// file and the construct, and a column that differs only in case (or the first
    /// columns of the data).
    fn report_absent_items(&mut self, header: &[String], header_row: usize) {
        let present: Vec<&str> = header.iter().map(|h| h.trim()).collect();
        for (k, it) in self.model.items.iter().enumerate() {
            if self.item_src.get(k).copied().flatten().is_some() {
                continue;
            }
            let cons = self
                .model
                .constructs
                .get(it.construct)
                .map(|c| c.name.as_str())
                .unwrap_or("?");
            let mut msg = format!(
                "item column absent from the data; {} lists it in construct '{}'",
                shown_name(&self.model_file()),
                shown_name(cons)
            );
            if let Some(near) = present.iter().find(|h| same_ignoring_case(h, &it.name)) {
                msg.push_str(&format!(
                    " (the data has '{}': names are case-sensitive)",
                    shown_name(near)
                ));
            } else {
                let shown: Vec<String> = present
                    .iter()
                    .take(12)
                    .map(|h| crate::text_safety::shown(h).into_owned())
                    .collect();
                msg.push_str(&format!(
                    "; columns in the data: {}{}",
                    shown.join(", "),
                    if present.len() > 12 { ", ..." } else { "" }
                ));
            }
            self.report.push(
                Problem::error(msg)
                    .at_row(header_row)
                    .in_column(it.name.clone()),
            );
            if let Some(sk) = self.skip.get_mut(k) {
                *sk = true;
            }
            self.columns_bad = true;
        }
    }

    /// Allocate storage for `rows.len()` respondents.
    pub(super) fn alloc(&mut self, rows: Vec<usize>) {
        let n = rows.len();
        self.n = n;
        self.rows = rows;
        self.data = vec![f64::NAN; n * self.model.n_items()];
        self.extra = self
            .extra_names
            .iter()
            .map(|_| Vec::with_capacity(n))
            .collect();
        if self.roles.contains(&Role::Weight) {
            self.weights = Some(vec![f64::NAN; n]);
        }
        self.report.n_rows = n;
    }

    /// Store the cells of source column `c` for respondents `start..` (in order).
    pub(super) fn put_column<'c>(
        &mut self,
        c: usize,
        start: usize,
        cells: impl Iterator<Item = Cell<'c>>,
    ) {
        let Some(&role) = self.roles.get(c) else {
            return;
        };
        match role {
            Role::Item(k) => {
                let n = self.n;
                let name = self.model.items.get(k).map_or("", |i| i.name.as_str());
                let (Some(st), Some(col)) = (
                    self.item_state.get_mut(k),
                    self.data.get_mut(k * n..(k + 1) * n),
                ) else {
                    return;
                };
                let out = col.get_mut(start..).unwrap_or_default();
                let rows = self.rows.get(start..).unwrap_or_default();
                for ((o, &row), cell) in out.iter_mut().zip(rows).zip(cells) {
                    *o = item_value(&self.rules, k, name, row, cell, st);
                }
            }
            Role::Weight => {
                let name = self.opts.weight.as_deref().unwrap_or("weight").trim();
                if let Some(w) = self.weights.as_mut() {
                    let out = w.get_mut(start..).unwrap_or_default();
                    let rows = self.rows.get(start..).unwrap_or_default();
                    for ((o, &row), cell) in out.iter_mut().zip(rows).zip(cells) {
                        *o = weight_value(name, row, cell, &mut self.weight_state);
                    }
                }
            }
            Role::Extra(e) => {
                if let Some(v) = self.extra.get_mut(e) {
                    for cell in cells {
                        v.push(match cell {
                            Cell::Empty => None,
                            Cell::Num(x) => Some(crate::data::validate::number_text(x)),
                            Cell::Text(t) => {
                                let t = t.trim();
                                if t.is_empty() {
                                    None
                                } else {
                                    Some(t.to_string())
                                }
                            }
                        });
                    }
                }
            }
            Role::Ignored => {}
        }
    }

    /// Store polars columns (source columns `0..`) for respondents `start..`. Item
    /// columns are converted in parallel, one column per task; each column is dropped
    /// once converted.
    pub(super) fn put_polars_columns(&mut self, start: usize, cols: Vec<Column>) -> Result<()> {
        let mut norm = self.normalized_columns(cols)?;
        let n = self.n;
        if n == 0 || start >= n {
            return Ok(());
        }
        self.put_item_columns(start, &mut norm);
        for (c, slot) in norm.into_iter().enumerate() {
            let Some(col) = slot else { continue };
            if let Ok(ca) = col.f64() {
                self.put_column(
                    c,
                    start,
                    ca.iter().map(|v| v.map(Cell::Num).unwrap_or(Cell::Empty)),
                );
            } else if let Ok(ca) = col.str() {
                self.put_column(
                    c,
                    start,
                    ca.iter().map(|v| v.map(Cell::Text).unwrap_or(Cell::Empty)),
                );
            }
        }
        Ok(())
    }

    /// Every used column as Float64 (numeric types) or String (the others); `None`
    /// for the ignored columns.
    fn normalized_columns(&self, cols: Vec<Column>) -> Result<Vec<Option<Column>>> {
        let mut norm: Vec<Option<Column>> = Vec::with_capacity(cols.len());
        for (c, col) in cols.into_iter().enumerate() {
            if matches!(self.roles.get(c), Some(Role::Ignored) | None) {
                norm.push(None);
                continue;
            }
            let dtype = col.dtype().clone();
            let col = if dtype == DataType::String || dtype == DataType::Float64 {
                col
            } else {
                let to = if dtype.is_primitive_numeric() {
                    DataType::Float64
                } else {
                    DataType::String
                };
                col.cast(&to).map_err(|e| {
                    unreadable(
                        &self.file,
                        format!("column {} of type {dtype} cannot be read: {e}", c + 1),
                    )
                })?
            };
            norm.push(Some(col));
        }
        Ok(norm)
    }

    /// Read the item columns of `norm` (taken out of it) into the matrix for
    /// respondents `start..`, one column per parallel task.
    fn put_item_columns(&mut self, start: usize, norm: &mut [Option<Column>]) {
        use rayon::prelude::*;
        let n = self.n;
        let rules = &self.rules;
        let rows = self.rows.get(start..).unwrap_or_default();
        let model = self.model;
        let mut jobs = Vec::new();
        for ((k, out), st) in self
            .data
            .chunks_mut(n)
            .enumerate()
            .zip(self.item_state.iter_mut())
        {
            let Some(c) = self.item_src.get(k).copied().flatten() else {
                continue;
            };
            if let (Some(col), Some(out)) =
                (norm.get_mut(c).and_then(Option::take), out.get_mut(start..))
            {
                jobs.push((k, out, st, col));
            }
        }
        jobs.into_par_iter().for_each(|(k, out, st, col)| {
            let name = model.items.get(k).map(|i| i.name.as_str()).unwrap_or("");
            if let Ok(ca) = col.f64() {
                for ((o, v), &r) in out.iter_mut().zip(ca.iter()).zip(rows) {
                    *o = item_value(
                        rules,
                        k,
                        name,
                        r,
                        v.map(Cell::Num).unwrap_or(Cell::Empty),
                        st,
                    );
                }
            } else if let Ok(ca) = col.str() {
                for ((o, v), &r) in out.iter_mut().zip(ca.iter()).zip(rows) {
                    *o = item_value(
                        rules,
                        k,
                        name,
                        r,
                        v.map(Cell::Text).unwrap_or(Cell::Empty),
                        st,
                    );
                }
            }
        });
    }

    /// Store one cell (row-wise readers); respondents must come in order.
    pub(super) fn put_cell(&mut self, c: usize, i: usize, cell: Cell<'_>) {
        self.put_column(c, i, std::iter::once(cell));
    }

    /// The survey and its report: cell errors and the matrix checks are added to the
    /// report; the survey is returned only when the report has no error.
    pub(super) fn finish(mut self) -> (Option<Survey>, ValidationReport) {
        if !self.planned || self.fatal || self.report.has_errors() && self.n == 0 {
            self.report.sort();
            return (None, self.report);
        }
        self.report_cell_errors();
        let survey = self.take_survey();
        matrix_checks(&survey, self.model, &self.skip, &mut self.report);
        for (k, st) in self.item_state.iter().enumerate() {
            if let Some(it) = self.report.items.get_mut(k) {
                it.out_of_range += st.out_of_range;
                it.cannot_answer = st.coded;
                // refused cells are errors, not missing answers
                it.missing = it.missing.saturating_sub(st.n_errors);
            }
            if self.rules.oor_missing && st.out_of_range > 0 {
                let name = self.model.items.get(k).map(|i| i.name.clone());
                self.report.push(out_of_range_read_as_missing(
                    &self.rules,
                    k,
                    st.out_of_range,
                    name.unwrap_or_default(),
                ));
            }
        }
        crate::data::cannot_answer::assess(self.model, &mut self.report);
        self.report.sort();
        if self.report.has_errors() {
            (None, self.report)
        } else {
            (Some(survey), self.report)
        }
    }

    /// Move the kept cell errors into the report, in row order then column order
    /// (items with an error leave the matrix checks), count the unlisted ones, and
    /// refuse weights that are all zero.
    fn report_cell_errors(&mut self) {
        let mut cell_errors: Vec<(usize, usize, Problem)> = Vec::new();
        for (k, st) in self.item_state.iter_mut().enumerate() {
            if st.n_errors > 0 {
                if let Some(sk) = self.skip.get_mut(k) {
                    *sk = true;
                }
            }
            let src = self
                .item_src
                .get(k)
                .copied()
                .flatten()
                .unwrap_or(usize::MAX);
            for (row, p) in st.errors.drain(..) {
                cell_errors.push((row, src, p));
            }
        }
        let wsrc = self
            .roles
            .iter()
            .position(|r| *r == Role::Weight)
            .unwrap_or(usize::MAX);
        for (row, p) in self.weight_state.errors.drain(..) {
            cell_errors.push((row, wsrc, p));
        }
        cell_errors.sort_by_key(|(row, src, _)| (*row, *src));
        for (_, _, p) in cell_errors {
            self.report.push(p);
        }
        let unlisted: usize = self
            .item_state
            .iter()
            .map(|s| s.n_errors.saturating_sub(MAX_ERRORS_PER_COLUMN))
            .sum::<usize>()
            + self
                .weight_state
                .n_errors
                .saturating_sub(MAX_ERRORS_PER_COLUMN);
        self.report.count_unlisted(Severity::Error, unlisted);
        if let Some(w) = &self.weights {
            if self.weight_state.n_errors == 0 && self.n > 0 && w.iter().sum::<f64>() <= 0.0 {
                let name = self.opts.weight.clone().unwrap_or_default();
                self.report
                    .push(Problem::error("every weight is zero").in_column(name));
            }
        }
    }

    /// The survey of the stored cells (moved out of the assembler).
    fn take_survey(&mut self) -> Survey {
        let p = self.model.n_items();
        let x = DMatrix::from_vec(self.n, p, std::mem::take(&mut self.data));
        let mut extra = BTreeMap::new();
        for (name, vals) in self.extra_names.drain(..).zip(self.extra.drain(..)) {
            extra.insert(name, vals);
        }
        Survey {
            file: self.file.clone(),
            items: self.model.items.iter().map(|i| i.name.clone()).collect(),
            x,
            rows: std::mem::take(&mut self.rows),
            extra,
            weights: self.weights.take(),
        }
    }
}

/// Equal up to case, without allocating (a header name may be megabytes long).
pub(super) fn same_ignoring_case(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}
