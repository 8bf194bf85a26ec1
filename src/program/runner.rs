//! Running a programme: the company and wave columns, one estimation per
//! company-wave (in parallel), then the aggregates, changes and tests.

use super::movers::{changes_of, versus};
use super::rollup::aggregates;
use super::{
    estimate, CompanyWave, Design, IndexEstimate, Program, ProgramOptions, Status, SINGLE_WAVE,
};
use crate::adjust::adjust;
use crate::bootstrap::Hooks;
use crate::data::Survey;
use crate::error::{Error, Location, Result};
use crate::spec::Model;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The trimmed non-empty text of a column for every respondent.
fn labels(survey: &Survey, column: &str, what: &str) -> Result<Vec<String>> {
    let col = survey.extra.get(column).ok_or_else(|| {
        let known: Vec<&str> = survey.extra.keys().map(String::as_str).collect();
        let why = if survey.items.iter().any(|i| i == column) {
            format!("is an item of the model; the {what} column must be another column")
        } else {
            format!(
                "no such column in the data (the {what} column; other columns: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )
        };
        Error::data(Location::column(survey.file.clone(), column), why)
    })?;
    col.iter()
        .enumerate()
        .map(|(i, v)| match v.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => Ok(t.to_string()),
            other => Err(Error::data(
                Location {
                    file: survey.file.clone(),
                    row: survey.rows.get(i).copied(),
                    column: Some(column.into()),
                    value: Some(other.unwrap_or("").to_string()),
                },
                format!("empty {what} cell: every respondent needs a {what}"),
            )),
        })
        .collect()
}

/// The waves in order, checked against `--wave-order`.
fn order_waves(
    survey: &Survey,
    column: &str,
    wave_of: &[String],
    wanted: Option<&[String]>,
) -> Result<Vec<String>> {
    let present: BTreeSet<&str> = wave_of.iter().map(String::as_str).collect();
    let Some(wanted) = wanted else {
        return Ok(present.into_iter().map(str::to_string).collect());
    };
    let mut out: Vec<String> = Vec::new();
    for w in wanted {
        let w = w.trim();
        if out.iter().any(|x| x == w) {
            return Err(Error::setting(
                "--wave-order",
                format!("wave '{w}' is named twice"),
            ));
        }
        if !present.contains(w) {
            return Err(Error::setting(
                "--wave-order",
                format!(
                    "no respondent has '{w}' in column '{column}' of {} (waves: {})",
                    survey.file,
                    present.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        out.push(w.to_string());
    }
    if let Some(i) = wave_of.iter().position(|w| !out.contains(w)) {
        return Err(Error::data(
            Location {
                file: survey.file.clone(),
                row: survey.rows.get(i).copied(),
                column: Some(column.into()),
                value: Some(wave_of[i].clone()),
            },
            "the wave is not listed in --wave-order",
        ));
    }
    Ok(out)
}

/// Run a programme: see the module documentation.
///
/// `hooks.progress` is called with the number of finished company-waves.
///
/// # Errors
/// Invalid options; a company or wave column that is absent or has an empty cell; a
/// company of the data missing from the hierarchy or the reverse; a sector without a
/// sector weight; `--sector-weights` without `--hierarchy`; [`Error::Interrupted`].
/// A company-wave that cannot be estimated is not an error (it is reported).
pub fn run(
    model: &Model,
    survey: &Survey,
    design: &Design,
    options: &ProgramOptions,
    hooks: Option<&Hooks>,
) -> Result<Program> {
    let min_n = options.check(model)?;
    if design.sector_weights.is_some() && design.hierarchy.is_none() {
        return Err(Error::setting(
            "--sector-weights",
            "needs --hierarchy (the sectors of the companies)",
        ));
    }
    let company_of = labels(survey, &design.company, "company")?;
    let wave_of: Vec<String> = match &design.wave {
        Some(w) => labels(survey, w, "wave")?,
        None => vec![SINGLE_WAVE.to_string(); survey.n()],
    };
    let waves = waves_of(survey, design, &wave_of)?;
    let companies = companies_of(survey, design, &company_of)?;
    let rows = cell_rows(&company_of, &wave_of, &companies, &waves);
    drop(company_of);
    drop(wave_of);
    let runner = Runner {
        model,
        survey,
        design,
        options,
        min_n,
        waves: &waves,
        hooks,
    };
    let nw = waves.len();
    let done = AtomicUsize::new(0);
    let cells: Vec<Result<CompanyWave>> = rows
        .par_iter()
        .enumerate()
        .map(|(k, idx)| {
            let r = runner.company_wave(&companies[k / nw], k % nw, idx);
            if let Some(h) = hooks {
                (h.progress)(done.fetch_add(1, Ordering::Relaxed) + 1);
            }
            r
        })
        .collect();
    if hooks.is_some_and(|h| h.cancel.load(Ordering::Relaxed)) {
        return Err(Error::Interrupted);
    }
    let cells: Vec<CompanyWave> = cells.into_iter().collect::<Result<_>>()?;
    let mut p = Program {
        model: model.clone(),
        options: options.clone(),
        min_n,
        design: design.clone(),
        file: survey.file.clone(),
        waves,
        companies,
        cells,
        aggregates: Vec::new(),
        changes: Vec::new(),
        versus: Vec::new(),
        warnings: Vec::new(),
    };
    if let Some(h) = &design.hierarchy {
        p.aggregates = aggregates(&p, h, design.sector_weights.as_ref());
        p.versus = versus(&p);
    }
    p.changes = changes_of(&p);
    adjust_p_values(&mut p);
    p.warnings = warnings(&p);
    Ok(p)
}

/// The waves in order (one wave without `--wave`).
fn waves_of(survey: &Survey, design: &Design, wave_of: &[String]) -> Result<Vec<String>> {
    Ok(match &design.wave {
        Some(col) => order_waves(survey, col, wave_of, design.wave_order.as_deref())?,
        None => {
            if design.wave_order.is_some() {
                return Err(Error::setting("--wave-order", "needs --wave COLUMN"));
            }
            vec![SINGLE_WAVE.to_string()]
        }
    })
}

/// The companies in text order (checked against the hierarchy and its sector weights).
fn companies_of(survey: &Survey, design: &Design, company_of: &[String]) -> Result<Vec<String>> {
    // companies in text order, with the first row of each
    let mut first_row: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, c) in company_of.iter().enumerate() {
        first_row
            .entry(c.as_str())
            .or_insert_with(|| survey.rows.get(i).copied().unwrap_or(i + 2));
    }
    let companies: Vec<String> = first_row.keys().map(|c| c.to_string()).collect();
    if let Some(h) = &design.hierarchy {
        let listed: Vec<(String, usize)> =
            first_row.iter().map(|(c, r)| (c.to_string(), *r)).collect();
        h.check_companies(&listed, &survey.file, &design.company)?;
        if let Some(sw) = &design.sector_weights {
            sw.check(h)?;
        }
    }
    Ok(companies)
}

/// The rows of each company-wave (company-major).
fn cell_rows(
    company_of: &[String],
    wave_of: &[String],
    companies: &[String],
    waves: &[String],
) -> Vec<Vec<usize>> {
    let wave_pos: BTreeMap<&str, usize> = waves
        .iter()
        .enumerate()
        .map(|(i, w)| (w.as_str(), i))
        .collect();
    let company_pos: BTreeMap<&str, usize> = companies
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let nw = waves.len();
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); companies.len() * nw];
    for i in 0..company_of.len() {
        let c = company_pos[company_of[i].as_str()];
        let w = wave_pos[wave_of[i].as_str()];
        rows[c * nw + w].push(i);
    }
    rows
}

/// Adjusted p values: the changes as one family, the company-versus-industry tests as
/// another.
fn adjust_p_values(p: &mut Program) {
    let adj = adjust(
        &p.changes.iter().map(|c| c.stat.p).collect::<Vec<_>>(),
        p.options.adjust,
    );
    for (c, a) in p.changes.iter_mut().zip(adj) {
        c.p_adjusted = a;
    }
    let adj = adjust(
        &p.versus.iter().map(|c| c.stat.p).collect::<Vec<_>>(),
        p.options.adjust,
    );
    for (c, a) in p.versus.iter_mut().zip(adj) {
        c.p_adjusted = a;
    }
}

/// What every company-wave's estimation needs.
struct Runner<'a> {
    model: &'a Model,
    survey: &'a Survey,
    design: &'a Design,
    options: &'a ProgramOptions,
    min_n: usize,
    waves: &'a [String],
    hooks: Option<&'a Hooks<'a>>,
}

impl Runner<'_> {
    /// Estimate one company-wave (status, indices, replicates).
    fn company_wave(&self, company: &str, wave: usize, idx: &[usize]) -> Result<CompanyWave> {
        let (model, options, hooks) = (self.model, self.options, self.hooks);
        let q = model.n_constructs();
        let entry = self.design.hierarchy.as_ref().and_then(|h| h.get(company));
        let mut cw = CompanyWave {
            company: company.to_string(),
            industry: entry.map(|e| e.industry.clone()),
            sector: entry.map(|e| e.sector.clone()),
            wave,
            n_read: idx.len(),
            n: 0,
            status: Status::Insufficient,
            message: None,
            constructs: vec![IndexEstimate::NONE; q],
            index_problems: vec![None; q],
            converged: false,
            warnings: Vec::new(),
            resamples_failed: 0,
            failure_reasons: Vec::new(),
            replicates: None,
        };
        if hooks.is_some_and(|h| h.cancel.load(Ordering::Relaxed)) {
            return Err(Error::Interrupted);
        }
        if idx.is_empty() {
            cw.message = Some("no respondent in this wave".into());
            return Ok(cw);
        }
        let sub = self.survey.select_rows(idx);
        match sub.complete(options.fit.missing) {
            Err(e) => {
                cw.status = Status::Failed;
                cw.message = Some(e.to_string());
                return Ok(cw);
            }
            Ok((data, _)) => cw.n = data.x.nrows(),
        }
        let min_n = self.min_n;
        if cw.n < min_n {
            cw.message = Some(format!(
                "{} usable respondents, fewer than the minimum {min_n}",
                cw.n
            ));
            return Ok(cw);
        }
        self.fit(&mut cw, &sub)?;
        Ok(cw)
    }

    /// Fit the company-wave's rows `sub` with its bootstrap into `cw`; a failure is
    /// its status, not an error (except an interruption).
    fn fit(&self, cw: &mut CompanyWave, sub: &Survey) -> Result<()> {
        let (model, options, hooks) = (self.model, self.options, self.hooks);
        let q = model.n_constructs();
        let seed = estimate::cell_seed(options.seed, &cw.company, &self.waves[cw.wave]);
        match estimate::fit_cell(
            model,
            sub,
            &options.fit,
            options.resamples,
            seed,
            hooks.map(|h| h.cancel),
        ) {
            Ok(f) => {
                cw.status = Status::Ok;
                cw.n = f.n;
                cw.converged = f.converged;
                cw.warnings = f.warnings;
                cw.resamples_failed = f.failed;
                cw.failure_reasons = f.failure_reasons;
                for (j, ix) in f.indices.iter().enumerate().take(q) {
                    let v = ix.value.unwrap_or(f64::NAN);
                    let reps = f
                        .replicates
                        .as_ref()
                        .map(|m| m.column(j).iter().copied().collect::<Vec<_>>());
                    cw.constructs[j] = IndexEstimate::from_replicates(v, reps, options.level);
                    cw.index_problems[j] = ix.problem.clone();
                }
                cw.replicates = f.replicates;
            }
            Err(Error::Interrupted) => return Err(Error::Interrupted),
            Err(e) => {
                cw.status = Status::Failed;
                cw.message = Some(e.to_string());
            }
        }
        Ok(())
    }
}

/// Warnings for the user: company-waves not estimated, failed resamples, undefined
/// indices.
fn warnings(p: &Program) -> Vec<String> {
    let mut w = Vec::new();
    let count = |s: Status| p.cells.iter().filter(|c| c.status == s).count();
    let (ins, fail) = (count(Status::Insufficient), count(Status::Failed));
    if ins > 0 {
        w.push(format!(
            "{ins} of {} company-waves have fewer than {} usable respondents and are not estimated (status insufficient)",
            p.cells.len(),
            p.min_n
        ));
    }
    if fail > 0 {
        w.push(format!(
            "{fail} of {} company-waves could not be estimated (status failed; see their message)",
            p.cells.len()
        ));
    }
    let nc = p
        .cells
        .iter()
        .filter(|c| c.status == Status::Ok && !c.converged)
        .count();
    if nc > 0 {
        w.push(format!(
            "{nc} company-waves did not converge; their results are from the last iteration"
        ));
    }
    let rf = p.resamples_failed();
    if rf > 0 {
        let cells = p.cells.iter().filter(|c| c.resamples_failed > 0).count();
        w.push(format!(
            "{rf} bootstrap resamples failed in {cells} company-waves and were left out of their intervals (replaced by the company's next resample in the aggregates)"
        ));
    }
    let undefined = p
        .cells
        .iter()
        .filter(|c| c.status == Status::Ok)
        .map(|c| c.index_problems.iter().filter(|x| x.is_some()).count())
        .sum::<usize>();
    if undefined > 0 {
        w.push(format!(
            "{undefined} company-wave indices are undefined (a normalised weight is not positive) and are left out of the aggregates of their construct"
        ));
    }
    w
}
