//! Bootstrap inference: one executor for every estimator and statistic; parallel,
//! deterministic, bounded in memory, and honest about failed resamples.
//!
//! * **One executor.** [`run_with`] resamples any [`Estimator`] (PLS, PLSc, CB-SEM)
//!   for any list of typed statistics ([`Stat`]); [`resample_with`] resamples any
//!   statistic computed from moments (the IPMA uses it). The resampling scheme
//!   ([`ResampleScheme`], default [`Iid`]) and the way a replicate's moments are formed
//!   ([`ReplicateMoments`], default [`ResampleData`]) are parameters.
//! * **Determinism.** Replicate `r` draws its resample from `ChaCha8Rng` seeded with
//!   the run's seed and switched to stream `r`: the draw depends only on
//!   `(seed, r)`. Replicates run in parallel (rayon) and are collected in replicate
//!   order, so the results are bit-identical on 1 and N threads.
//! * **Speed and memory.** A resample is a vector of counts; its moments are one
//!   weighted pass over the rows (no n x p copy), and the estimators then iterate on
//!   p x p matrices, warm started from the full-sample solution. Replicates are
//!   processed in chunks of [`CHUNK`]; only the result matrix (resamples x
//!   statistics) is kept for the whole run. At most [`MAX_RESAMPLES`] resamples.
//! * **Sign indeterminacy.** Construct-level sign correction against the full-sample
//!   solution by default (Tenenhaus et al. 2005): construct j of a resample is flipped
//!   when `|Σ(λ - λ*)| > |Σ(λ + λ*)|` over its loadings. Individual-level: each weight,
//!   loading and path takes the sign of its full-sample value. `none`: no correction.
//!   (PLS and PLSc; a CB-SEM solution's signs are fixed by its identification.)
//! * **Failures.** A resample whose estimation fails (zero-variance item, singular
//!   block), does not converge within the estimator's iteration limit, or is
//!   inadmissible (PLSc, CB-SEM) is counted in [`BootstrapResult::failed`] with its
//!   typed reason and left out of the statistics; it never aborts the run. When more
//!   than [`BootstrapOptions::max_failed_share`] of the resamples fail (default
//!   [`DEFAULT_MAX_FAILED_SHARE`], 10%), the intervals, t and p values are withheld
//!   (`NaN`, see [`BootstrapResult::withheld`]): inference from the surviving remnant
//!   would be biased towards the resamples that happen to be estimable.
//! * **Intervals.** Percentile (R quantile type 7), or BCa (Efron 1987); see
//!   [`interval`](crate::bootstrap::quantile) for the formulas.
//! * **Tests.** `se` is the standard deviation of the successful replicates,
//!   `t = estimate / se`, `p` two-sided from Student's t with n - 1 df (SmartPLS).
//!
//! The default seed is [`DEFAULT_SEED`]; it is written into every output.

mod compact;
mod engine;
mod interval;
mod moments;
mod scheme;
mod stats;

pub use crate::estimate::SignChange;
pub use compact::CompactRows;
pub(crate) use engine::{run_replicates, Tally};
pub use engine::{Failure, CHUNK};
pub use interval::{percentile_interval, quantile};
pub use moments::{ReplicateMoments, ResampleData, Scratch};
pub use scheme::{draw_counts, Iid, ResampleScheme};
pub use stats::{pls_stats, stats_for};

use crate::data::Complete;
use crate::error::{Error, Result};
use crate::estimate::pls::{PlsFit, PlsSettings};
use crate::estimate::{Estimator, FitError, Resample};
use crate::moments::Moments;
use crate::spec::Model;
use crate::stat::Stat;
use nalgebra::DMatrix;
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 42;

/// The most resamples (or permutations) one run may ask for. Larger counts are
/// refused with a setting error before any work: 100,000 replicates already pin a
/// percentile to about 0.001, and the result matrix (resamples x statistics, 8 bytes
/// each) stays below 100 MB for the CCSI model.
pub const MAX_RESAMPLES: usize = 100_000;

/// The largest share of failed resamples with which intervals and p values are still
/// reported (10%).
pub const DEFAULT_MAX_FAILED_SHARE: f64 = 0.10;

/// Interval method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CiMethod {
    /// Percentile interval.
    #[default]
    Percentile,
    /// Bias-corrected and accelerated.
    Bca,
}

impl CiMethod {
    /// Machine name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Percentile => "percentile",
            Self::Bca => "bca",
        }
    }
}

impl std::str::FromStr for CiMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "percentile" => Ok(Self::Percentile),
            "bca" | "BCa" => Ok(Self::Bca),
            _ => Err(Error::setting(
                "ci",
                format!("expected percentile or bca, got '{s}'"),
            )),
        }
    }
}

impl std::str::FromStr for SignChange {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "construct" => Ok(Self::Construct),
            "individual" => Ok(Self::Individual),
            "none" => Ok(Self::None),
            _ => Err(Error::setting(
                "sign_change",
                format!("expected construct, individual or none, got '{s}'"),
            )),
        }
    }
}

/// Bootstrap settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapOptions {
    /// Number of resamples (2 ..= [`MAX_RESAMPLES`]).
    pub resamples: usize,
    /// Seed. Defaults to [`DEFAULT_SEED`].
    pub seed: u64,
    /// Interval method. Defaults to percentile.
    pub ci: CiMethod,
    /// Confidence level in (0, 1). Defaults to 0.95.
    pub level: f64,
    /// Sign correction. Defaults to construct level.
    pub sign_change: SignChange,
    /// Intervals and p values are withheld when a larger share of the resamples fails.
    /// Defaults to [`DEFAULT_MAX_FAILED_SHARE`]; 1 never withholds.
    pub max_failed_share: f64,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions {
            resamples: 1000,
            seed: DEFAULT_SEED,
            ci: CiMethod::Percentile,
            level: 0.95,
            sign_change: SignChange::Construct,
            max_failed_share: DEFAULT_MAX_FAILED_SHARE,
        }
    }
}

/// Check a count of resamples or permutations against [`MAX_RESAMPLES`].
///
/// # Errors
/// [`Error::Setting`] (named `setting`) above the maximum.
pub fn check_count(setting: &str, count: usize) -> Result<()> {
    if count > MAX_RESAMPLES {
        return Err(Error::setting(
            setting,
            format!("{count} is more than the maximum of {MAX_RESAMPLES}"),
        ));
    }
    Ok(())
}

impl BootstrapOptions {
    /// Check the options.
    ///
    /// ```
    /// use csi::bootstrap::{BootstrapOptions, MAX_RESAMPLES};
    /// assert!(BootstrapOptions::default().check().is_ok());
    /// let too_many = BootstrapOptions { resamples: MAX_RESAMPLES + 1, ..Default::default() };
    /// assert!(too_many.check().is_err());
    /// ```
    ///
    /// # Errors
    /// Fewer than 2 or more than [`MAX_RESAMPLES`] resamples, a level outside (0, 1),
    /// or a failed share outside [0, 1].
    pub fn check(&self) -> Result<()> {
        if self.resamples < 2 {
            return Err(Error::setting(
                "resamples",
                format!("needs at least 2 resamples, got {}", self.resamples),
            ));
        }
        check_count("resamples", self.resamples)?;
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(Error::setting(
                "level",
                format!("must be between 0 and 1, got {}", self.level),
            ));
        }
        if !(0.0..=1.0).contains(&self.max_failed_share) {
            return Err(Error::setting(
                "max_failed_share",
                format!("must be between 0 and 1, got {}", self.max_failed_share),
            ));
        }
        Ok(())
    }
}

/// Summary of one resampled statistic.
#[derive(Debug, Clone, PartialEq)]
pub struct BootStat {
    /// The statistic.
    pub stat: Stat,
    /// Its key text, e.g. `path:IMAG->EXPE` ([`Stat::name`]).
    pub key: String,
    /// Full-sample estimate.
    pub estimate: f64,
    /// Mean of the successful replicates.
    pub mean: f64,
    /// Bootstrap standard error.
    pub se: f64,
    /// Lower interval bound (`NaN` when withheld).
    pub ci_low: f64,
    /// Upper interval bound (`NaN` when withheld).
    pub ci_high: f64,
    /// estimate / se (`NaN` when withheld).
    pub t: f64,
    /// Two-sided p value (`NaN` when withheld).
    pub p: f64,
    /// Replicates with a defined value.
    pub n_ok: usize,
}

/// Failed resamples of one reason.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureCount {
    /// The reason as reported.
    pub reason: String,
    /// The typed failure (of the first such resample), when it was an estimation
    /// failure.
    pub error: Option<FitError>,
    /// Resamples.
    pub count: usize,
}

/// Why intervals and tests were withheld.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Withheld {
    /// Share of failed resamples.
    pub failed_share: f64,
    /// The largest share allowed ([`BootstrapOptions::max_failed_share`]).
    pub max_failed_share: f64,
}

impl std::fmt::Display for Withheld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.1}% of the resamples failed, more than the {:.1}% allowed: intervals and p values from the remaining resamples would be biased, so they are withheld",
            100.0 * self.failed_share,
            100.0 * self.max_failed_share
        )
    }
}

/// Result of a bootstrap run.
#[derive(Debug, Clone)]
pub struct BootstrapResult {
    /// Resamples requested.
    pub resamples: usize,
    /// Seed used.
    pub seed: u64,
    /// Interval method.
    pub ci: CiMethod,
    /// Level.
    pub level: f64,
    /// Sign correction.
    pub sign_change: SignChange,
    /// Failed resamples (left out of every statistic).
    pub failed: usize,
    /// Failure reasons with counts, sorted by reason.
    pub failure_reasons: Vec<(String, usize)>,
    /// The same failures with their typed errors.
    pub failures: Vec<FailureCount>,
    /// Set when too many resamples failed: intervals, t and p are then `NaN`.
    pub withheld: Option<Withheld>,
    /// One summary per statistic, in the order asked for.
    pub stats: Vec<BootStat>,
    /// Replicate values, resamples x statistics (`NaN` for failed / undefined).
    pub replicates: DMatrix<f64>,
    lookup: HashMap<Stat, usize>,
    by_name: HashMap<String, usize>,
}

/// Something that names a statistic of a [`BootstrapResult`]: a [`Stat`], or its key
/// text (`"path:IMAG->EXPE"`).
pub trait StatQuery {
    /// The column of the statistic, if the result has it.
    fn column_in(&self, r: &BootstrapResult) -> Option<usize>;
}

impl StatQuery for Stat {
    fn column_in(&self, r: &BootstrapResult) -> Option<usize> {
        r.lookup.get(self).copied()
    }
}

impl StatQuery for &Stat {
    fn column_in(&self, r: &BootstrapResult) -> Option<usize> {
        r.lookup.get(*self).copied()
    }
}

impl StatQuery for &str {
    fn column_in(&self, r: &BootstrapResult) -> Option<usize> {
        r.by_name.get(*self).copied()
    }
}

impl StatQuery for &String {
    fn column_in(&self, r: &BootstrapResult) -> Option<usize> {
        r.by_name.get(self.as_str()).copied()
    }
}

impl BootstrapResult {
    /// The summary of a statistic ([`Stat`] or key text).
    pub fn stat(&self, key: impl StatQuery) -> Option<&BootStat> {
        key.column_in(self).and_then(|i| self.stats.get(i))
    }
    /// Column of a statistic in [`BootstrapResult::replicates`].
    pub fn column(&self, key: impl StatQuery) -> Option<usize> {
        key.column_in(self)
    }
    /// Share of failed resamples.
    pub fn failed_share(&self) -> f64 {
        if self.resamples == 0 {
            0.0
        } else {
            self.failed as f64 / self.resamples as f64
        }
    }
}

/// Hooks for progress and cancellation (the library never prints).
pub struct Hooks<'a> {
    /// Called with the number of finished replicates (from worker threads).
    pub progress: &'a (dyn Fn(usize) + Sync),
    /// Set to stop the run; the run then returns [`Error::Interrupted`].
    pub cancel: &'a AtomicBool,
}

/// Why a replicate's estimation failed.
pub(crate) fn failure(e: Error) -> Failure {
    match e {
        Error::Fit(f) => Failure {
            reason: f.resample_reason(),
            error: Some(f),
        },
        other => Failure::new(other.to_string()),
    }
}

/// Run the bootstrap of a PLS analysis.
///
/// `full` is the full-sample solution (the reference for sign correction and the
/// estimate the intervals are about). Equivalent to [`run_estimator`] with `settings`.
///
/// # Errors
/// Invalid options; [`Error::Interrupted`] when cancelled. Failed resamples are not
/// errors.
///
/// # Example
/// ```
/// use csi::analysis::{analyze, FitOptions};
/// use csi::bootstrap::{run, BootstrapOptions};
/// use csi::stat::Stat;
/// # use csi::data::Survey;
/// # use csi::simulate::{Measurement, Population};
/// # use csi::spec::{ConstructSpec, Model, Scale};
/// # let model = Model::from_parts("toy",
/// #     vec![ConstructSpec::new("QUAL", &["q1", "q2", "q3"]), ConstructSpec::new("SAT", &["s1", "s2"])],
/// #     &[("QUAL", "SAT")])?.with_scale(Scale { min: 1.0, max: 10.0 })?;
/// # let pop = Population::new(&model, &[("QUAL", "SAT", 0.6)], Measurement::CommonFactor(0.8))?;
/// # let z = pop.draw_continuous(&model, 300, 1)?;
/// # let x = csi::simulate::to_scale(&model, &z, Scale { min: 1.0, max: 10.0 }, 7.0, 1.5, &[], &[]);
/// # let survey = Survey::from_matrix(model.items.iter().map(|i| i.name.clone()).collect(), x);
/// let a = analyze(&model, &survey, &FitOptions::default())?;
/// let b = run(&model, &a.data, &a.options.pls, &a.fit, &BootstrapOptions { resamples: 200, ..Default::default() }, None)?;
/// let path = b.stat(Stat::Path { from: 0, to: 1 }).unwrap();
/// assert!(path.ci_low < path.estimate && path.estimate < path.ci_high);
/// assert_eq!(b.stat("path:QUAL->SAT"), Some(path)); // the key text finds it too
/// assert_eq!(b.failed, 0);
/// # Ok::<(), csi::Error>(())
/// ```
pub fn run(
    model: &Model,
    data: &Complete,
    settings: &PlsSettings,
    full: &PlsFit,
    opts: &BootstrapOptions,
    hooks: Option<&Hooks>,
) -> Result<BootstrapResult> {
    run_estimator(settings, model, data, full, opts, hooks)
}

/// Bootstrap any estimator on complete data, for the statistics [`stats_for`] its
/// kind: resamples drawn by the data's sampling design ([`Complete::design`]; simple
/// random resampling, [`Iid`], without one) and their moments from the rows
/// ([`ResampleData`]) or, under `--missing em`, by EM redone on each resample
/// ([`Complete::em`]).
///
/// # Errors
/// Invalid options; [`Error::Interrupted`] when cancelled.
pub fn run_estimator<E: Estimator>(
    est: &E,
    model: &Model,
    data: &Complete,
    full: &E::Fit,
    opts: &BootstrapOptions,
    hooks: Option<&Hooks>,
) -> Result<BootstrapResult> {
    opts.check()?;
    let stats = stats_for(est.kind(), model);
    let scheme = scheme_of(data);
    if let Some(em) = &data.em {
        return run_with(est, model, em, scheme, full, stats, opts, hooks);
    }
    // compact rows (one byte per answer) when the answers allow: the same replicates
    match CompactRows::new(data) {
        Some(rows) => run_with(est, model, &rows, scheme, full, stats, opts, hooks),
        None => run_with(
            est,
            model,
            &ResampleData::new(data),
            scheme,
            full,
            stats,
            opts,
            hooks,
        ),
    }
}

/// The resampling scheme of complete data: its design, else simple resampling.
fn scheme_of(data: &Complete) -> &dyn ResampleScheme {
    match &data.design {
        Some(d) => d,
        None => &Iid,
    }
}

/// The executor: bootstrap `est` for `stats`, with replicate moments from `data` and
/// resamples drawn by `scheme`. Each resample is fitted warm-started from `full` and
/// sign-aligned to it ([`Estimator::fit_resample`]).
///
/// # Errors
/// Invalid options; [`Error::Interrupted`] when cancelled; an error of the full-sample
/// moments.
#[allow(clippy::too_many_arguments)]
pub fn run_with<E, M, S>(
    est: &E,
    model: &Model,
    data: &M,
    scheme: &S,
    full: &E::Fit,
    stats: Vec<Stat>,
    opts: &BootstrapOptions,
    hooks: Option<&Hooks>,
) -> Result<BootstrapResult>
where
    E: Estimator,
    M: ReplicateMoments,
    S: ResampleScheme + ?Sized,
{
    opts.check()?;
    let mut estimates = Vec::with_capacity(stats.len());
    stats::values(
        model,
        &est.view(full),
        &data.full()?,
        &stats,
        &mut estimates,
    );
    let sign = opts.sign_change;
    let list = stats.clone();
    let replicate = |m: &Moments, jackknife: bool| -> std::result::Result<Vec<f64>, Failure> {
        let fit = est
            .fit_resample(model, m, full, Resample { sign, jackknife })
            .map_err(failure)?;
        let mut out = Vec::with_capacity(list.len());
        stats::values(model, &est.view(&fit), m, &list, &mut out);
        Ok(out)
    };
    resample_with(
        model, data, scheme, stats, estimates, opts, hooks, &replicate,
    )
}

/// Resample any statistic computed from moments, on complete data with the default
/// resampling and moments (see [`resample_with`]).
///
/// # Errors
/// Invalid options; [`Error::Interrupted`] when cancelled.
pub fn resample<F>(
    model: &Model,
    data: &Complete,
    stats: Vec<Stat>,
    estimates: Vec<f64>,
    opts: &BootstrapOptions,
    hooks: Option<&Hooks>,
    stat: &F,
) -> Result<BootstrapResult>
where
    F: Fn(&Moments, bool) -> std::result::Result<Vec<f64>, Failure> + Sync,
{
    opts.check()?;
    let scheme = scheme_of(data);
    if let Some(em) = &data.em {
        return resample_with(model, em, scheme, stats, estimates, opts, hooks, stat);
    }
    match CompactRows::new(data) {
        Some(rows) => resample_with(model, &rows, scheme, stats, estimates, opts, hooks, stat),
        None => resample_with(
            model,
            &ResampleData::new(data),
            scheme,
            stats,
            estimates,
            opts,
            hooks,
            stat,
        ),
    }
}

/// The resampling engine for any statistic computed from moments:
/// `stat(moments, jackknife)` returns the values of one resample (in `stats` order)
/// or why it failed; `estimates` are the full-sample values. `jackknife` is true for
/// the delete-one (or delete-group) fits of a BCa interval.
///
/// # Errors
/// Invalid options; [`Error::Interrupted`] when cancelled.
#[allow(clippy::too_many_arguments)]
pub fn resample_with<M, S, F>(
    model: &Model,
    data: &M,
    scheme: &S,
    stats: Vec<Stat>,
    estimates: Vec<f64>,
    opts: &BootstrapOptions,
    hooks: Option<&Hooks>,
    stat: &F,
) -> Result<BootstrapResult>
where
    M: ReplicateMoments,
    S: ResampleScheme + ?Sized,
    F: Fn(&Moments, bool) -> std::result::Result<Vec<f64>, Failure> + Sync,
{
    opts.check()?;
    let n = data.n();
    let width = stats.len();
    let (replicates, tally) = run_replicates(
        opts.resamples,
        width,
        hooks,
        || (vec![0u32; n], data.scratch()),
        |(counts, scratch), r| {
            scheme.draw(opts.seed, r, counts);
            let m = data.moments(counts, scratch).map_err(failure)?;
            stat(&m, false)
        },
    )?;
    let failed = tally.total();
    let share = failed as f64 / opts.resamples as f64;
    let withheld = (share > opts.max_failed_share).then_some(Withheld {
        failed_share: share,
        max_failed_share: opts.max_failed_share,
    });
    let jack = if opts.ci == CiMethod::Bca && withheld.is_none() {
        Some(jackknife(data, scheme.units(), width, hooks, stat)?)
    } else {
        None
    };
    let names: Vec<String> = stats.iter().map(|s| s.name(model).to_string()).collect();
    let summary = interval::summarize(
        &replicates,
        &interval::Summary {
            stats: &stats,
            names: &names,
            estimates: &estimates,
            ci: opts.ci,
            level: opts.level,
            df: scheme.df(n),
            jackknife: jack.as_ref(),
            withhold: withheld.is_some(),
        },
    );
    Ok(BootstrapResult {
        resamples: opts.resamples,
        seed: opts.seed,
        ci: opts.ci,
        level: opts.level,
        sign_change: opts.sign_change,
        failed,
        failure_reasons: tally.reasons(),
        failures: tally.failures(),
        withheld,
        stats: summary,
        replicates,
        lookup: stats.iter().enumerate().map(|(i, s)| (*s, i)).collect(),
        by_name: names.into_iter().enumerate().map(|(i, s)| (s, i)).collect(),
    })
}

/// Jackknife values (rows = deleted units) of every statistic: one unit deleted for
/// up to 1000 units, otherwise one of 1000 contiguous groups of units. The units are
/// the respondents, or the clusters when `units` gives each respondent's cluster
/// (delete-one-cluster jackknife). A unit whose fit fails gives a row of `NaN`.
fn jackknife<M, F>(
    data: &M,
    units: Option<&[u32]>,
    width: usize,
    hooks: Option<&Hooks>,
    stat: &F,
) -> Result<DMatrix<f64>>
where
    M: ReplicateMoments,
    F: Fn(&Moments, bool) -> std::result::Result<Vec<f64>, Failure> + Sync,
{
    let n = data.n();
    if let Some(u) = units.filter(|u| u.len() == n) {
        return cluster_jackknife(data, u, width, hooks, stat);
    }
    // the delete-d jackknife of respondents: each respondent is its own cluster (group g
    // deletes respondents [g n / G, (g + 1) n / G), G = min(n, 1000))
    let own: Vec<u32> = (0..n).map(|i| i as u32).collect();
    cluster_jackknife(data, &own, width, hooks, stat)
}

/// The delete-one-cluster jackknife: group g deletes the clusters with index in
/// `[g P / G, (g + 1) P / G)` of the P clusters (G = min(P, 1000) groups).
fn cluster_jackknife<M, F>(
    data: &M,
    unit_of: &[u32],
    width: usize,
    hooks: Option<&Hooks>,
    stat: &F,
) -> Result<DMatrix<f64>>
where
    M: ReplicateMoments,
    F: Fn(&Moments, bool) -> std::result::Result<Vec<f64>, Failure> + Sync,
{
    let n = data.n();
    let units = unit_of.iter().map(|&u| u as usize + 1).max().unwrap_or(0);
    let groups = units.min(1000);
    let quiet = |_: usize| {};
    let cancel_only = hooks.map(|h| Hooks {
        progress: &quiet,
        cancel: h.cancel,
    });
    let (rows, _) = run_replicates(
        groups,
        width,
        cancel_only.as_ref(),
        || (vec![1u32; n], data.scratch()),
        |(counts, scratch), g| {
            let (lo, hi) = (g * units / groups, (g + 1) * units / groups);
            for (c, &u) in counts.iter_mut().zip(unit_of) {
                *c = u32::from(!(lo..hi).contains(&(u as usize)));
            }
            let m = data.moments(counts, scratch).map_err(failure)?;
            stat(&m, true)
        },
    )?;
    Ok(rows)
}
