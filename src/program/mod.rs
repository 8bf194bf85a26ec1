//! A satisfaction-index programme: many companies, their industries and sectors, and
//! waves, in one run (`csi program`, contract `csi-program/v1`).
//!
//! 1. **Company-waves.** Every company is estimated on its own rows in each wave:
//!    [`estimate::fit_cell`], which is `csi fit` on those rows, plus bootstrap
//!    replicates of its construct indices. A company-wave with fewer than `min_n`
//!    usable respondents is [`Status::Insufficient`] (exactly `min_n` is enough); one
//!    whose fit fails is [`Status::Failed`] with the reason. Neither is dropped: both
//!    are listed with their `n` and message. Company-waves run in parallel (rayon),
//!    and each draws its resamples from a seed derived from the run's seed and the
//!    company's and wave's names ([`estimate::cell_seed`]), so the results are
//!    bit-identical on 1 and N threads and whatever the order of the companies in the
//!    file.
//! 2. **Aggregates** ([`aggregate`]): industries, sectors and the nation as weighted
//!    means of their companies, replicate by replicate, so that their intervals carry
//!    every company's sampling error; each says how many companies it holds.
//! 3. **Changes** ([`changes`]): every index's change between consecutive waves, for
//!    companies and aggregates, and each company against its industry in the same
//!    wave; difference, percentile interval, p value, and the p value adjusted across
//!    the programme ([`crate::adjust`]: Holm by default, or Benjamini-Hochberg).
//!    Change tests and company-versus-industry tests are two families.
//!
//! Without a hierarchy there are no aggregates and no company-versus-industry tests;
//! without a wave column the programme has one wave, named `all`.
//!
//! # Example
//! ```
//! use csi::program::{run, Design, ProgramOptions, hierarchy::Hierarchy};
//! # use csi::data::Survey;
//! # use csi::simulate::{Measurement, Population};
//! # use csi::spec::{ConstructSpec, Model, Scale};
//! # let model = Model::from_parts("toy",
//! #     vec![ConstructSpec::new("QUAL", &["q1", "q2", "q3"]), ConstructSpec::new("SAT", &["s1", "s2"])],
//! #     &[("QUAL", "SAT")])?.with_scale(Scale { min: 1.0, max: 10.0 })?;
//! # let pop = Population::new(&model, &[("QUAL", "SAT", 0.6)], Measurement::CommonFactor(0.8))?;
//! # let z = pop.draw_continuous(&model, 240, 1)?;
//! # let x = csi::simulate::to_scale(&model, &z, Scale { min: 1.0, max: 10.0 }, 7.0, 1.5, &[], &[]);
//! # let mut survey = Survey::from_matrix(model.items.iter().map(|i| i.name.clone()).collect(), x);
//! // 240 respondents: companies A, B, C (80 each) in waves W1, W2 (40 each)
//! survey.extra.insert("firm".into(), (0..240).map(|i| Some(["A", "B", "C"][i / 80].to_string())).collect());
//! survey.extra.insert("wave".into(), (0..240).map(|i| Some(format!("W{}", 1 + (i / 40) % 2))).collect());
//! let h = Hierarchy::parse("h.csv", "company,industry,sector,weight\nA,banks,finance,3\nB,banks,finance,1\nC,insurers,finance,2\n")?;
//! let design = Design { company: "firm".into(), wave: Some("wave".into()), hierarchy: Some(h), ..Default::default() };
//! let options = ProgramOptions { resamples: 100, ..Default::default() };
//! let p = run(&model, &survey, &design, &options, None)?;
//! assert_eq!(p.waves, vec!["W1", "W2"]);
//! assert_eq!(p.cells.len(), 6);
//! // the banks' SAT index is the 3:1 weighted mean of A and B
//! let sat = 1;
//! let a = p.cells[0].constructs[sat].index;
//! let b = p.cells[2].constructs[sat].index;
//! let banks = p.aggregates.iter().find(|g| g.name == "banks" && g.wave == 0).unwrap();
//! assert!((banks.constructs[sat].index - (3.0 * a + b) / 4.0).abs() < 1e-9);
//! assert_eq!(banks.n_companies, 2);
//! # Ok::<(), csi::Error>(())
//! ```

pub mod aggregate;
pub mod changes;
pub mod estimate;
pub mod hierarchy;
pub mod simulate;

use crate::adjust::{adjust, Adjust};
use crate::analysis::FitOptions;
use crate::bootstrap::{Hooks, DEFAULT_SEED};
use crate::data::Survey;
use crate::error::{Error, Location, Result};
use crate::spec::Model;
use aggregate::{filled, weighted_mean, Member};
use changes::{difference, DiffStat};
use hierarchy::{Hierarchy, SectorWeights};
use nalgebra::DMatrix;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The wave name when the data has no wave column.
pub const SINGLE_WAVE: &str = "all";

/// Which columns and files describe the programme.
#[derive(Debug, Clone, Default)]
pub struct Design {
    /// Column naming the company of each respondent.
    pub company: String,
    /// Column naming the wave (none: one wave, [`SINGLE_WAVE`]).
    pub wave: Option<String>,
    /// The waves in order (none: text order of the wave names).
    pub wave_order: Option<Vec<String>>,
    /// Companies' industries, sectors and weights.
    pub hierarchy: Option<Hierarchy>,
    /// Sector weights of the national index (needs a hierarchy).
    pub sector_weights: Option<SectorWeights>,
}

/// Settings of a programme run.
#[derive(Debug, Clone)]
pub struct ProgramOptions {
    /// Estimation and missing-data settings of every company-wave.
    pub fit: FitOptions,
    /// Bootstrap resamples per company-wave (0 = no intervals or tests).
    pub resamples: usize,
    /// Seed of the resamples. Defaults to [`DEFAULT_SEED`].
    pub seed: u64,
    /// Confidence level of the intervals. Defaults to 0.95.
    pub level: f64,
    /// Fewest usable respondents of a company-wave (none: the model's minimum,
    /// [`crate::data::required_respondents`]).
    pub min_n: Option<usize>,
    /// Multiple-comparison adjustment. Defaults to Holm.
    pub adjust: Adjust,
}

impl Default for ProgramOptions {
    fn default() -> Self {
        ProgramOptions {
            fit: FitOptions::default(),
            resamples: 0,
            seed: DEFAULT_SEED,
            level: 0.95,
            min_n: None,
            adjust: Adjust::Holm,
        }
    }
}

impl ProgramOptions {
    /// Check the options against a model; returns the effective `min_n`.
    ///
    /// # Errors
    /// [`Error::Setting`] for 1 resample, a level outside (0, 1), a `min_n` below the
    /// model's minimum, or invalid PLS settings.
    pub fn check(&self, model: &Model) -> Result<usize> {
        self.fit.pls.check()?;
        if self.resamples == 1 {
            return Err(Error::setting(
                "--bootstrap",
                "needs at least 2 resamples (or 0 for none), got 1",
            ));
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(Error::setting(
                "--level",
                format!("must be between 0 and 1, got {}", self.level),
            ));
        }
        let need = crate::data::required_respondents(model);
        match self.min_n {
            Some(m) if m < need => Err(Error::setting(
                "--min-n",
                format!(
                    "the model {} needs at least {need} respondents per company-wave, got {m}",
                    model.name
                ),
            )),
            Some(m) => Ok(m),
            None => Ok(need),
        }
    }
}

/// What happened to a company-wave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Estimated.
    Ok,
    /// Fewer usable respondents than `min_n` (or none in this wave).
    Insufficient,
    /// The estimation failed; the message says why.
    Failed,
}

impl Status {
    /// The contract's spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Insufficient => "insufficient",
            Self::Failed => "failed",
        }
    }
}

/// Level of a unit of the programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// The whole programme.
    National,
    /// A sector.
    Sector,
    /// An industry.
    Industry,
    /// A company.
    Company,
}

impl Level {
    /// The contract's spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::National => "national",
            Self::Sector => "sector",
            Self::Industry => "industry",
            Self::Company => "company",
        }
    }
}

/// An index with its bootstrap standard error and percentile interval (`NaN` when
/// undefined or not bootstrapped).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexEstimate {
    /// 0-100 index.
    pub index: f64,
    /// Bootstrap standard error.
    pub se: f64,
    /// Lower bound.
    pub ci_low: f64,
    /// Upper bound.
    pub ci_high: f64,
}

impl IndexEstimate {
    const NONE: IndexEstimate = IndexEstimate {
        index: f64::NAN,
        se: f64::NAN,
        ci_low: f64::NAN,
        ci_high: f64::NAN,
    };

    fn from_replicates(index: f64, reps: Option<Vec<f64>>, level: f64) -> IndexEstimate {
        let mut out = IndexEstimate {
            index,
            ..Self::NONE
        };
        if let (Some(r), true) = (reps, index.is_finite()) {
            let mut v: Vec<f64> = r.into_iter().filter(|x| x.is_finite()).collect();
            let (se, lo, hi) = changes::spread(&mut v, level);
            out.se = se;
            out.ci_low = lo;
            out.ci_high = hi;
        }
        out
    }
}

/// One company in one wave.
#[derive(Debug, Clone)]
pub struct CompanyWave {
    /// Company name.
    pub company: String,
    /// Industry (with a hierarchy).
    pub industry: Option<String>,
    /// Sector (with a hierarchy).
    pub sector: Option<String>,
    /// Position of the wave in [`Program::waves`].
    pub wave: usize,
    /// Respondents in the file.
    pub n_read: usize,
    /// Usable respondents (after the missing-data policy).
    pub n: usize,
    /// Status.
    pub status: Status,
    /// Why the company-wave is insufficient or failed.
    pub message: Option<String>,
    /// Indices per construct (model order).
    pub constructs: Vec<IndexEstimate>,
    /// Why an index is undefined, per construct.
    pub index_problems: Vec<Option<String>>,
    /// Whether the PLS fit converged.
    pub converged: bool,
    /// Warnings of the fit.
    pub warnings: Vec<String>,
    /// Failed resamples.
    pub resamples_failed: usize,
    /// Failure reasons with counts.
    pub failure_reasons: Vec<(String, usize)>,
    /// Replicates x constructs (with bootstrap, status ok).
    pub replicates: Option<DMatrix<f64>>,
}

/// An industry, sector or the nation in one wave.
#[derive(Debug, Clone)]
pub struct Aggregate {
    /// Level (industry, sector, national).
    pub level: Level,
    /// Name (`national` for the nation).
    pub name: String,
    /// The sector of an industry.
    pub parent: Option<String>,
    /// Position of the wave.
    pub wave: usize,
    /// Companies with a usable estimate in this wave.
    pub n_companies: usize,
    /// Companies of the hierarchy under this aggregate.
    pub n_listed: usize,
    /// The company-waves used ([`Program::cells`] positions).
    pub cells: Vec<usize>,
    /// Indices per construct.
    pub constructs: Vec<IndexEstimate>,
    /// Companies used per construct (a company whose index of that construct is
    /// undefined is left out of that construct only).
    pub n_companies_construct: Vec<usize>,
    /// Weight this aggregate carries into the next level, per construct.
    pub weight: Vec<f64>,
    /// Replicates x constructs.
    pub replicates: Option<DMatrix<f64>>,
}

/// A change between consecutive waves.
#[derive(Debug, Clone)]
pub struct Change {
    /// Level.
    pub level: Level,
    /// Company or aggregate name.
    pub name: String,
    /// Earlier wave (position).
    pub from: usize,
    /// Later wave (position).
    pub to: usize,
    /// Construct (model order).
    pub construct: usize,
    /// `to` minus `from`, with interval and p.
    pub stat: DiffStat,
    /// p adjusted across every change of the programme.
    pub p_adjusted: f64,
    /// Aggregates: whether both waves hold the same companies.
    pub same_companies: Option<bool>,
}

/// A company against its industry in one wave.
#[derive(Debug, Clone)]
pub struct Versus {
    /// Company.
    pub company: String,
    /// Position of the company-wave in [`Program::cells`].
    pub cell: usize,
    /// Wave (position).
    pub wave: usize,
    /// Construct.
    pub construct: usize,
    /// The company's industry.
    pub industry: String,
    /// Company minus industry.
    pub stat: DiffStat,
    /// p adjusted across every company-versus-industry test of the programme.
    pub p_adjusted: f64,
    /// The company is the only one of its industry in this wave (no test).
    pub sole: bool,
}

/// The result of a programme run.
#[derive(Debug, Clone)]
pub struct Program {
    /// The model.
    pub model: Model,
    /// Options used.
    pub options: ProgramOptions,
    /// Effective minimum of usable respondents.
    pub min_n: usize,
    /// Design (columns, hierarchy).
    pub design: Design,
    /// Data file.
    pub file: String,
    /// Waves in order.
    pub waves: Vec<String>,
    /// Companies in text order.
    pub companies: Vec<String>,
    /// Company-waves, company by company, waves in order.
    pub cells: Vec<CompanyWave>,
    /// National, then sectors, then industries (text order), each wave by wave.
    pub aggregates: Vec<Aggregate>,
    /// Changes: national, sectors, industries, companies.
    pub changes: Vec<Change>,
    /// Company against industry.
    pub versus: Vec<Versus>,
    /// Warnings for the user.
    pub warnings: Vec<String>,
}

impl Program {
    /// The company-wave of a company and wave.
    pub fn cell(&self, company: &str, wave: usize) -> Option<&CompanyWave> {
        let c = self.companies.iter().position(|x| x == company)?;
        self.cells.get(c * self.waves.len() + wave)
    }
    /// The aggregate of a level, name and wave.
    pub fn aggregate(&self, level: Level, name: &str, wave: usize) -> Option<&Aggregate> {
        self.aggregates
            .iter()
            .find(|a| a.level == level && a.name == name && a.wave == wave)
    }
    /// Resamples failed over all company-waves.
    pub fn resamples_failed(&self) -> usize {
        self.cells.iter().map(|c| c.resamples_failed).sum()
    }
}

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
        Error::data(
            Location {
                file: survey.file.clone(),
                column: Some(column.into()),
                ..Default::default()
            },
            why,
        )
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
    let waves = match &design.wave {
        Some(col) => order_waves(survey, col, &wave_of, design.wave_order.as_deref())?,
        None => {
            if design.wave_order.is_some() {
                return Err(Error::setting("--wave-order", "needs --wave COLUMN"));
            }
            vec![SINGLE_WAVE.to_string()]
        }
    };
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
    // rows of each company-wave
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
    for i in 0..survey.n() {
        let c = company_pos[company_of[i].as_str()];
        let w = wave_pos[wave_of[i].as_str()];
        rows[c * nw + w].push(i);
    }
    drop(company_of);
    drop(wave_of);
    let done = AtomicUsize::new(0);
    let cells: Vec<Result<CompanyWave>> = rows
        .par_iter()
        .enumerate()
        .map(|(k, idx)| {
            let company = &companies[k / nw];
            let wave = k % nw;
            let r = company_wave(
                model, survey, design, options, min_n, company, &waves, wave, idx, hooks,
            );
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
    let adj = adjust(
        &p.changes.iter().map(|c| c.stat.p).collect::<Vec<_>>(),
        options.adjust,
    );
    for (c, a) in p.changes.iter_mut().zip(adj) {
        c.p_adjusted = a;
    }
    let adj = adjust(
        &p.versus.iter().map(|c| c.stat.p).collect::<Vec<_>>(),
        options.adjust,
    );
    for (c, a) in p.versus.iter_mut().zip(adj) {
        c.p_adjusted = a;
    }
    p.warnings = warnings(&p);
    Ok(p)
}

/// Estimate one company-wave (status, indices, replicates).
#[allow(clippy::too_many_arguments)]
fn company_wave(
    model: &Model,
    survey: &Survey,
    design: &Design,
    options: &ProgramOptions,
    min_n: usize,
    company: &str,
    waves: &[String],
    wave: usize,
    idx: &[usize],
    hooks: Option<&Hooks>,
) -> Result<CompanyWave> {
    let q = model.n_constructs();
    let entry = design.hierarchy.as_ref().and_then(|h| h.get(company));
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
    let sub = survey.select_rows(idx);
    match sub.complete(options.fit.missing) {
        Err(e) => {
            cw.status = Status::Failed;
            cw.message = Some(e.to_string());
            return Ok(cw);
        }
        Ok((data, _)) => cw.n = data.x.nrows(),
    }
    if cw.n < min_n {
        cw.message = Some(format!(
            "{} usable respondents, fewer than the minimum {min_n}",
            cw.n
        ));
        return Ok(cw);
    }
    let seed = estimate::cell_seed(options.seed, company, &waves[wave]);
    match estimate::fit_cell(
        model,
        &sub,
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
    Ok(cw)
}

/// Industries, sectors and the nation, wave by wave (see [`aggregate`]).
fn aggregates(p: &Program, h: &Hierarchy, sw: Option<&SectorWeights>) -> Vec<Aggregate> {
    let q = p.model.n_constructs();
    let nw = p.waves.len();
    let level = p.options.level;
    let industries: Vec<&str> = h.industries();
    let sectors: Vec<&str> = h.sectors();
    let mut out_ind: Vec<Aggregate> = Vec::new();
    let mut out_sec: Vec<Aggregate> = Vec::new();
    let mut out_nat: Vec<Aggregate> = Vec::new();
    for w in 0..nw {
        // companies' filled replicates per construct, computed once per wave
        let filled_reps: BTreeMap<usize, Vec<Vec<f64>>> = p
            .cells
            .iter()
            .enumerate()
            .filter(|(_, c)| c.wave == w && c.status == Status::Ok)
            .filter_map(|(k, c)| {
                c.replicates.as_ref().map(|m| {
                    (
                        k,
                        (0..q)
                            .map(|j| filled(m, j, c.constructs[j].index))
                            .collect(),
                    )
                })
            })
            .collect();
        let mut ind_w: Vec<Aggregate> = Vec::new();
        for ind in &industries {
            let listed: Vec<&hierarchy::HierarchyEntry> =
                h.entries.iter().filter(|e| e.industry == *ind).collect();
            let cells: Vec<usize> = listed
                .iter()
                .filter_map(|e| {
                    let c = p.companies.iter().position(|x| *x == e.company)?;
                    let k = c * nw + w;
                    (p.cells[k].status == Status::Ok).then_some(k)
                })
                .collect();
            let members_of = |j: usize| -> Vec<Member<'_>> {
                cells
                    .iter()
                    .filter(|&&k| p.cells[k].constructs[j].index.is_finite())
                    .map(|&k| Member {
                        weight: h.get(&p.cells[k].company).map(|e| e.weight).unwrap_or(0.0),
                        estimate: p.cells[k].constructs[j].index,
                        replicates: filled_reps.get(&k).map(|v| v[j].as_slice()),
                    })
                    .collect()
            };
            let mut agg = build(Level::Industry, ind, w, q, level, members_of);
            agg.parent = h.sector_of(ind).map(str::to_string);
            agg.n_companies = cells.len();
            agg.n_listed = listed.len();
            agg.cells = cells;
            ind_w.push(agg);
        }
        let mut sec_w: Vec<Aggregate> = Vec::new();
        for sec in &sectors {
            let members: Vec<&Aggregate> = ind_w
                .iter()
                .filter(|a| a.parent.as_deref() == Some(*sec))
                .collect();
            let cols: Vec<Option<Vec<Vec<f64>>>> = members.iter().map(|a| columns(a, q)).collect();
            let members_of = |j: usize| -> Vec<Member<'_>> {
                members
                    .iter()
                    .zip(&cols)
                    .filter(|(a, _)| a.constructs[j].index.is_finite())
                    .map(|(a, c)| Member {
                        weight: a.weight[j],
                        estimate: a.constructs[j].index,
                        replicates: c.as_ref().map(|c| c[j].as_slice()),
                    })
                    .collect()
            };
            let mut agg = build(Level::Sector, sec, w, q, level, members_of);
            agg.cells = members.iter().flat_map(|a| a.cells.clone()).collect();
            agg.n_companies = agg.cells.len();
            agg.n_listed = members.iter().map(|a| a.n_listed).sum();
            for j in 0..q {
                agg.n_companies_construct[j] = members
                    .iter()
                    .filter(|a| a.constructs[j].index.is_finite())
                    .map(|a| a.n_companies_construct[j])
                    .sum();
            }
            sec_w.push(agg);
        }
        let cols: Vec<Option<Vec<Vec<f64>>>> = sec_w.iter().map(|a| columns(a, q)).collect();
        let members_of = |j: usize| -> Vec<Member<'_>> {
            sec_w
                .iter()
                .zip(&cols)
                .filter(|(a, _)| a.constructs[j].index.is_finite())
                .map(|(a, c)| Member {
                    weight: match sw {
                        Some(sw) => sw.get(&a.name).unwrap_or(0.0),
                        None => a.weight[j],
                    },
                    estimate: a.constructs[j].index,
                    replicates: c.as_ref().map(|c| c[j].as_slice()),
                })
                .collect()
        };
        let mut nat = build(Level::National, "national", w, q, level, members_of);
        nat.cells = sec_w.iter().flat_map(|a| a.cells.clone()).collect();
        nat.n_companies = nat.cells.len();
        nat.n_listed = h.entries.len();
        for j in 0..q {
            nat.n_companies_construct[j] = sec_w
                .iter()
                .filter(|a| a.constructs[j].index.is_finite())
                .map(|a| a.n_companies_construct[j])
                .sum();
        }
        out_nat.push(nat);
        out_sec.extend(sec_w);
        out_ind.extend(ind_w);
    }
    // national, sectors, industries; each by name then wave
    out_sec.sort_by(|a, b| a.name.cmp(&b.name).then(a.wave.cmp(&b.wave)));
    out_ind.sort_by(|a, b| a.name.cmp(&b.name).then(a.wave.cmp(&b.wave)));
    out_nat.into_iter().chain(out_sec).chain(out_ind).collect()
}

/// The replicate columns of an aggregate.
fn columns(a: &Aggregate, q: usize) -> Option<Vec<Vec<f64>>> {
    a.replicates.as_ref().map(|m| {
        (0..q)
            .map(|j| m.column(j).iter().copied().collect())
            .collect()
    })
}

/// An aggregate from its members, construct by construct.
fn build<'a>(
    lvl: Level,
    name: &str,
    wave: usize,
    q: usize,
    level: f64,
    members_of: impl Fn(usize) -> Vec<Member<'a>>,
) -> Aggregate {
    let mut agg = Aggregate {
        level: lvl,
        name: name.to_string(),
        parent: None,
        wave,
        n_companies: 0,
        n_listed: 0,
        cells: Vec::new(),
        constructs: vec![IndexEstimate::NONE; q],
        n_companies_construct: vec![0; q],
        weight: vec![0.0; q],
        replicates: None,
    };
    let mut reps: Option<DMatrix<f64>> = None;
    for j in 0..q {
        let members = members_of(j);
        agg.n_companies_construct[j] = members.len();
        let Some((est, wsum, r)) = weighted_mean(&members) else {
            continue;
        };
        agg.weight[j] = wsum;
        if let Some(r) = &r {
            let m = reps.get_or_insert_with(|| DMatrix::from_element(r.len(), q, f64::NAN));
            for (i, v) in r.iter().enumerate().take(m.nrows()) {
                m[(i, j)] = *v;
            }
        }
        agg.constructs[j] = IndexEstimate::from_replicates(est, r, level);
    }
    agg.replicates = reps;
    agg
}

/// Replicate column `j` of a company-wave as the aggregates used it (filled).
fn cell_filled(c: &CompanyWave, j: usize) -> Option<Vec<f64>> {
    c.replicates
        .as_ref()
        .map(|m| filled(m, j, c.constructs[j].index))
}

/// Changes between consecutive waves: aggregates (national, sectors, industries),
/// then companies.
fn changes_of(p: &Program) -> Vec<Change> {
    let q = p.model.n_constructs();
    let nw = p.waves.len();
    let level = p.options.level;
    let mut out = Vec::new();
    if nw < 2 {
        return out;
    }
    let mut units: Vec<(Level, &str)> = Vec::new();
    for a in &p.aggregates {
        if a.wave == 0 {
            units.push((a.level, a.name.as_str()));
        }
    }
    for (lvl, name) in units {
        for w in 1..nw {
            let (Some(a), Some(b)) = (p.aggregate(lvl, name, w - 1), p.aggregate(lvl, name, w))
            else {
                continue;
            };
            let same = {
                let ca: BTreeSet<&str> = a
                    .cells
                    .iter()
                    .map(|&k| p.cells[k].company.as_str())
                    .collect();
                let cb: BTreeSet<&str> = b
                    .cells
                    .iter()
                    .map(|&k| p.cells[k].company.as_str())
                    .collect();
                ca == cb
            };
            for j in 0..q {
                let (xa, xb) = (a.constructs[j].index, b.constructs[j].index);
                if !(xa.is_finite() && xb.is_finite()) {
                    continue;
                }
                let ra = a
                    .replicates
                    .as_ref()
                    .map(|m| m.column(j).iter().copied().collect::<Vec<_>>());
                let rb = b
                    .replicates
                    .as_ref()
                    .map(|m| m.column(j).iter().copied().collect::<Vec<_>>());
                let reps = match (&rb, &ra) {
                    (Some(x), Some(y)) => Some((x.as_slice(), y.as_slice())),
                    _ => None,
                };
                out.push(Change {
                    level: lvl,
                    name: name.to_string(),
                    from: w - 1,
                    to: w,
                    construct: j,
                    stat: difference(xb, xa, reps, level),
                    p_adjusted: f64::NAN,
                    same_companies: Some(same),
                });
            }
        }
    }
    for (c, company) in p.companies.iter().enumerate() {
        for w in 1..nw {
            let a = &p.cells[c * nw + w - 1];
            let b = &p.cells[c * nw + w];
            if a.status != Status::Ok || b.status != Status::Ok {
                continue;
            }
            for j in 0..q {
                let (xa, xb) = (a.constructs[j].index, b.constructs[j].index);
                if !(xa.is_finite() && xb.is_finite()) {
                    continue;
                }
                let ra = a
                    .replicates
                    .as_ref()
                    .map(|m| m.column(j).iter().copied().collect::<Vec<_>>());
                let rb = b
                    .replicates
                    .as_ref()
                    .map(|m| m.column(j).iter().copied().collect::<Vec<_>>());
                let reps = match (&rb, &ra) {
                    (Some(x), Some(y)) => Some((x.as_slice(), y.as_slice())),
                    _ => None,
                };
                out.push(Change {
                    level: Level::Company,
                    name: company.clone(),
                    from: w - 1,
                    to: w,
                    construct: j,
                    stat: difference(xb, xa, reps, level),
                    p_adjusted: f64::NAN,
                    same_companies: None,
                });
            }
        }
    }
    out
}

/// Each company against its industry in the same wave.
fn versus(p: &Program) -> Vec<Versus> {
    let q = p.model.n_constructs();
    let level = p.options.level;
    let mut out = Vec::new();
    for (k, c) in p.cells.iter().enumerate() {
        if c.status != Status::Ok {
            continue;
        }
        let Some(ind) = &c.industry else { continue };
        let Some(agg) = p.aggregate(Level::Industry, ind, c.wave) else {
            continue;
        };
        for j in 0..q {
            let (x, xi) = (c.constructs[j].index, agg.constructs[j].index);
            if !(x.is_finite() && xi.is_finite()) {
                continue;
            }
            let rc = cell_filled(c, j);
            let ri = agg
                .replicates
                .as_ref()
                .map(|m| m.column(j).iter().copied().collect::<Vec<_>>());
            let reps = match (&rc, &ri) {
                (Some(a), Some(b)) => Some((a.as_slice(), b.as_slice())),
                _ => None,
            };
            out.push(Versus {
                company: c.company.clone(),
                cell: k,
                wave: c.wave,
                construct: j,
                industry: ind.clone(),
                stat: difference(x, xi, reps, level),
                p_adjusted: f64::NAN,
                sole: agg.n_companies_construct[j] == 1,
            });
        }
    }
    out
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
