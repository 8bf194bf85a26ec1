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

mod movers;
mod rollup;
mod runner;

pub use runner::run;

use crate::adjust::Adjust;
use crate::analysis::FitOptions;
use crate::bootstrap::DEFAULT_SEED;
use crate::error::{Error, Result};
use crate::spec::Model;
use changes::DiffStat;
use hierarchy::{Hierarchy, SectorWeights};
use nalgebra::DMatrix;

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
