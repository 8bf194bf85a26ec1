//! Competitor benchmarking: the same model estimated per group (company, region,
//! wave), each group's 0-100 indices with bootstrap intervals, league tables, the
//! significance of every pairwise difference of indices and path coefficients, an
//! omnibus test for more than two groups, and measurement invariance (MICOM).
//!
//! # What is computed
//! * **Groups.** Respondents are grouped by the trimmed text of one column of the data
//!   ([`crate::data::Survey::extra`]); empty cells are counted in
//!   [`Comparison::missing_group`] and left out. Each group is fitted on its own rows
//!   with [`crate::analysis::analyze`], so a group's figures equal a `csi fit` of that
//!   group's rows alone. Groups with fewer usable respondents than
//!   `max(required_respondents(model), 10)`, or whose estimation fails, are listed in
//!   [`Comparison::excluded`] with the reason, never fitted silently.
//! * **Intervals.** Each group is bootstrapped with [`crate::bootstrap::run`] and the
//!   same seed, so a group's intervals equal `csi fit --bootstrap N --seed S` on its
//!   rows. The interval of a difference `theta_A - theta_B` is the percentile interval
//!   of the replicate differences `theta*_A,r - theta*_B,r` (replicate r with r).
//! * **Permutation tests** (Chin & Dibbern 2010). For a pair (A, B) the group labels
//!   are permuted among the pooled respondents of A and B (group sizes kept, each
//!   respondent keeping its answers and its sampling weight), both groups are refitted
//!   and the difference recomputed:
//!   ```text
//!   p = (1 + #{ |d*_r| >= |d| }) / (N_ok + 1)
//!   ```
//!   where N_ok counts the permutations whose statistic is defined. Permutation r uses
//!   `ChaCha8Rng::seed_from_u64(seed ^ PERMUTATION_SALT)` switched to stream r, so it
//!   depends only on (seed, r); permutations run in parallel and are collected in
//!   order, which makes the results bit-identical on 1 and N threads. Failed
//!   permutations (zero-variance item, singular block, non-convergence) are counted
//!   with their reasons and left out.
//! * **Omnibus test** (more than two groups): labels are permuted among all compared
//!   respondents, and the statistic is the between-group dispersion of a construct
//!   index or path coefficient, `T = sum_g n_g (theta_g - theta_bar)^2 / sum_g n_g`
//!   with `theta_bar = sum_g n_g theta_g / sum_g n_g`; `p = (1 + #{T* >= T}) / (N_ok + 1)`.
//! * **Multiple comparisons.** Holm's step-down adjustment ([`crate::adjust::holm`]) across all
//!   pairwise differences reported (the contract's `p_adjusted`); the omnibus tests are
//!   a family of their own.
//! * **MICOM** (Henseler, Ringle & Sarstedt 2016), per pair and construct: step 1
//!   (configural invariance) holds by construction: the same model, items, scales,
//!   missing-data treatment and algorithm settings are used for every group. Step 2
//!   (compositional invariance): `c = cor(X w_A, X w_B)` on the pair's pooled treated
//!   data X with the two groups' outer weights; invariance holds when c is not below
//!   the 5% quantile of its permutation distribution (one-sided p reported). Step 3:
//!   composite scores from the pooled fit, standardized on the pooled data; the group
//!   difference of their means and of the logarithms of their variances must lie in
//!   the central permutation interval. The verdict ([`Invariance`]) says whether the
//!   indices may be compared.
//!
//! # References
//! * Chin, W. W., Dibbern, J. (2010). An introduction to a permutation based procedure
//!   for multi-group PLS analysis. In *Handbook of Partial Least Squares*, 171-193.
//! * Henseler, J., Ringle, C. M., Sarstedt, M. (2016). Testing measurement invariance
//!   of composites using partial least squares. *International Marketing Review* 33(3),
//!   405-431.
//! * Holm, S. (1979). A simple sequentially rejective multiple test procedure.
//!   *Scandinavian Journal of Statistics* 6, 65-70.
//!
//! # Example
//! ```
//! use csi::compare::{compare, CompareOptions};
//! use csi::data::Survey;
//! use csi::simulate::{to_scale, Measurement, Population};
//! use csi::spec::{ConstructSpec, Model, Scale};
//! use nalgebra::DMatrix;
//!
//! let scale = Scale { min: 1.0, max: 10.0 };
//! let model = Model::from_parts("toy",
//!     vec![ConstructSpec::new("QUAL", &["q1", "q2", "q3"]), ConstructSpec::new("SAT", &["s1", "s2", "s3"])],
//!     &[("QUAL", "SAT")])?.with_scale(scale)?;
//! let pop = Population::new(&model, &[("QUAL", "SAT", 0.6)], Measurement::CommonFactor(0.8))?;
//! // two companies of 150 respondents; the second one's satisfaction is lower
//! let za = pop.draw_continuous(&model, 150, 1)?;
//! let zb = pop.draw_continuous(&model, 150, 2)?;
//! let xa = to_scale(&model, &za, scale, 6.5, 1.5, &[], &[]);
//! let xb = to_scale(&model, &zb, scale, 6.5, 1.5, &[0.0, -0.8], &[]);
//! let x = DMatrix::from_fn(300, 6, |i, k| if i < 150 { xa[(i, k)] } else { xb[(i - 150, k)] });
//! let items = model.items.iter().map(|i| i.name.clone()).collect();
//! let mut survey = Survey::from_matrix(items, x);
//! let company = (0..300).map(|i| Some(if i < 150 { "A" } else { "B" }.to_string())).collect();
//! survey.extra.insert("company".into(), company);
//!
//! let options = CompareOptions { permutations: 99, ..Default::default() };
//! let c = compare(&model, &survey, "company", None, &options)?;
//! assert_eq!(c.groups.len(), 2);
//! let sat = c.differences.iter().find(|d| d.name == "SAT").unwrap();
//! assert!(sat.difference > 0.0); // A minus B
//! assert!(sat.p < 0.05);
//! # Ok::<(), csi::Error>(())
//! ```

use crate::adjust::{adjust, Adjust};
use crate::analysis::{analyze, Analysis, FitOptions};
use crate::bootstrap::{self, BootstrapOptions, BootstrapResult};
use crate::data::{MissingPolicy, Survey};
use crate::error::{Error, Result};
use crate::spec::Model;
use crate::stat::Stat;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

mod grouping;
mod perm;
pub mod sums;
mod types;
mod versus;

use grouping::{
    check_reference, check_two_groups, exclusion_warnings, reference_group, screen_groups,
};
pub use grouping::{group_rows, Grouping};
pub use perm::{permutation_rng, PERMUTATION_SALT};
pub use types::{
    Against, Comparison, Difference, Invariance, League, LeagueEntry, Micom, MicomConstruct,
    Omnibus, PermutationRun, CONFIGURAL_NOTE,
};
pub use versus::{micom_family, Blocks, Versus};

/// The smallest group that is fitted, whatever the model (contract: 10 respondents).
pub const MIN_GROUP: usize = 10;

/// Settings of a comparison.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Estimation settings, the same for every group.
    pub fit: FitOptions,
    /// Bootstrap of each group (and of the pooled fit); `None`: no intervals.
    pub bootstrap: Option<BootstrapOptions>,
    /// Permutations per test (0: no permutation tests, no MICOM steps 2-3).
    /// Defaults to 1000.
    pub permutations: usize,
    /// Seed of the permutation streams. Defaults to [`bootstrap::DEFAULT_SEED`].
    pub seed: u64,
    /// Level of the permutation intervals (MICOM step 3); `1 - level` is the
    /// significance level of every verdict. Defaults to 0.95.
    pub level: f64,
    /// Run the omnibus test when more than two groups are compared. Defaults to true.
    pub omnibus: bool,
    /// When a larger share of a run's permutations fails, its p values and MICOM
    /// intervals are withheld. Defaults to
    /// [`bootstrap::DEFAULT_MAX_FAILED_SHARE`].
    pub max_failed_share: f64,
    /// What each group is compared with: every other group (the default), the pooled
    /// sample, the rest, or one named group.
    pub versus: Versus,
    /// Multiple-comparison adjustment of the differences' p values (and of the omnibus
    /// and MICOM families). Defaults to Holm.
    pub adjust: Adjust,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            fit: FitOptions::default(),
            bootstrap: None,
            permutations: 1000,
            seed: bootstrap::DEFAULT_SEED,
            level: 0.95,
            omnibus: true,
            max_failed_share: bootstrap::DEFAULT_MAX_FAILED_SHARE,
            versus: Versus::Pairs,
            adjust: Adjust::Holm,
        }
    }
}

impl CompareOptions {
    /// Check the options.
    ///
    /// # Errors
    /// Invalid PLS or bootstrap settings, a level outside (0, 1), a single
    /// permutation (at least 2 are needed for an interval) or more than
    /// [`bootstrap::MAX_RESAMPLES`], or a failed share outside [0, 1].
    pub fn check(&self) -> Result<()> {
        self.fit.pls.check()?;
        if let Some(b) = &self.bootstrap {
            b.check()?;
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(Error::setting(
                "level",
                format!("must be between 0 and 1, got {}", self.level),
            ));
        }
        if self.permutations == 1 {
            return Err(Error::setting(
                "permutations",
                "needs 0 (no tests) or at least 2",
            ));
        }
        bootstrap::check_count("permutations", self.permutations)?;
        if !(0.0..=1.0).contains(&self.max_failed_share) {
            return Err(Error::setting(
                "max_failed_share",
                format!("must be between 0 and 1, got {}", self.max_failed_share),
            ));
        }
        Ok(())
    }

    /// Significance level `1 - level`.
    pub fn alpha(&self) -> f64 {
        1.0 - self.level
    }
}

/// Progress and cancellation (the library never prints).
pub struct Hooks<'a> {
    /// Called from worker threads with (finished steps, total steps); a step is one
    /// bootstrap resample or one permutation.
    pub progress: &'a (dyn Fn(usize, usize) + Sync),
    /// Set to stop; the run then returns [`Error::Interrupted`].
    pub cancel: &'a AtomicBool,
}

/// One fitted group.
#[derive(Debug, Clone)]
pub struct GroupFit {
    /// Group label.
    pub name: String,
    /// Respondents of the group in the file (before the missing-data policy).
    pub n_read: usize,
    /// Respondents (indices into the survey) of the group.
    pub rows: Vec<usize>,
    /// The group's own analysis (equal to `analyze` on its rows alone).
    pub analysis: Analysis,
    /// The group's bootstrap.
    pub bootstrap: Option<BootstrapResult>,
}

impl GroupFit {
    /// Respondents used.
    pub fn n(&self) -> usize {
        self.analysis.data.x.nrows()
    }
    /// 0-100 index of construct `j`.
    pub fn index(&self, j: usize) -> Option<f64> {
        self.analysis.indices.get(j).and_then(|i| i.value)
    }
    /// Bootstrap interval of a statistic (`NaN`s without bootstrap).
    pub fn interval(&self, key: impl bootstrap::StatQuery) -> (f64, f64) {
        self.bootstrap
            .as_ref()
            .and_then(|b| b.stat(key))
            .map(|s| (s.ci_low, s.ci_high))
            .unwrap_or((f64::NAN, f64::NAN))
    }
}

/// A group that was not fitted.
#[derive(Debug, Clone, PartialEq)]
pub struct Excluded {
    /// Group label.
    pub group: String,
    /// Respondents of the group in the file.
    pub n: usize,
    /// Why it was not fitted.
    pub reason: String,
}

/// What a difference or test is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The 0-100 index of a construct.
    Index(usize),
    /// The path coefficient `from -> to`.
    Path(usize, usize),
}

impl Target {
    /// `"index"` or `"path"` (the contract's `kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Index(_) => "index",
            Target::Path(..) => "path",
        }
    }
    /// Display name: the construct, or `FROM->TO`.
    pub fn name(&self, m: &Model) -> String {
        match *self {
            Target::Index(j) => m.constructs[j].name.clone(),
            Target::Path(a, b) => format!("{}->{}", m.constructs[a].name, m.constructs[b].name),
        }
    }
    /// The statistic resampled by the bootstrap.
    pub fn stat(&self) -> Stat {
        match *self {
            Target::Index(j) => Stat::Index(j),
            Target::Path(from, to) => Stat::Path { from, to },
        }
    }
    /// The statistic in a fitted group (`NaN` when undefined).
    pub fn value(&self, g: &GroupFit) -> f64 {
        match *self {
            Target::Index(j) => g.index(j).unwrap_or(f64::NAN),
            Target::Path(a, b) => g.analysis.fit.paths[(a, b)],
        }
    }
}

/// Every statistic compared: the construct indices, then the paths in model order.
pub fn targets(m: &Model) -> Vec<Target> {
    (0..m.n_constructs())
        .map(Target::Index)
        .chain(m.paths.iter().map(|&(a, b)| Target::Path(a, b)))
        .collect()
}

/// Compare groups: see the module documentation.
///
/// # Errors
/// An unknown group column or group, invalid options, data errors of the missing-data
/// policy (`--missing error`), fewer than two groups that can be fitted, a failing
/// pooled fit, or [`Error::Interrupted`].
pub fn compare(
    model: &Model,
    survey: &Survey,
    group_column: &str,
    groups: Option<Vec<String>>,
    options: &CompareOptions,
) -> Result<Comparison> {
    compare_with(model, survey, group_column, groups, options, None)
}

/// Steps (bootstrap resamples and permutations) of a comparison of `k` groups, as
/// [`Hooks::progress`] counts them: `(k + 1) B + k (k - 1) / 2 N (+ N for the omnibus
/// test when k > 2)`. Against a reference (`--versus`) the pairs' `k (k - 1) / 2 N`
/// become `N` (pooled: one run serves every group), `k N` and `k B` more for the
/// rests' bootstraps (rest), or `(k - 1) N` (a named group).
///
/// ```
/// use csi::compare::{planned_steps, CompareOptions, Versus};
/// let o = CompareOptions { permutations: 100, ..Default::default() };
/// assert_eq!(planned_steps(3, &o), 3 * 100 + 100);
/// let o = CompareOptions { permutations: 100, versus: Versus::Pooled, ..Default::default() };
/// assert_eq!(planned_steps(30, &o), 100 + 100);
/// ```
pub fn planned_steps(k: usize, options: &CompareOptions) -> usize {
    let boot_b = options.bootstrap.map(|b| b.resamples).unwrap_or(0);
    let n_perm = options.permutations;
    let (runs, boots) = match options.versus {
        Versus::Pairs => (k * k.saturating_sub(1) / 2, k + 1),
        Versus::Pooled => (usize::from(k > 0), k + 1),
        Versus::Rest => (k, 2 * k + 1),
        Versus::Group(_) => (k.saturating_sub(1), k + 1),
    };
    let omnibus = if k > 2 && options.omnibus { n_perm } else { 0 };
    boots
        .saturating_mul(boot_b)
        .saturating_add(runs.saturating_mul(n_perm))
        .saturating_add(omnibus)
}

/// Progress accounting shared by the phases.
struct Ticker<'a> {
    hooks: Option<&'a Hooks<'a>>,
    done: AtomicUsize,
    total: AtomicUsize,
}

impl<'a> Ticker<'a> {
    /// No step done yet of `total`.
    fn new(hooks: Option<&'a Hooks<'a>>, total: usize) -> Self {
        Ticker {
            hooks,
            done: AtomicUsize::new(0),
            total: AtomicUsize::new(total),
        }
    }
    fn tick(&self) {
        let d = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(h) = self.hooks {
            (h.progress)(d, self.total.load(Ordering::Relaxed));
        }
    }
    fn cancelled(&self) -> bool {
        self.hooks.is_some_and(|h| h.cancel.load(Ordering::Relaxed))
    }
    /// [`Error::Interrupted`] once cancelled.
    fn check(&self) -> Result<()> {
        if self.cancelled() {
            return Err(Error::Interrupted);
        }
        Ok(())
    }
}

/// [`compare`] with progress and cancellation hooks.
///
/// # Errors
/// As [`compare`].
pub fn compare_with(
    model: &Model,
    survey: &Survey,
    group_column: &str,
    groups: Option<Vec<String>>,
    options: &CompareOptions,
    hooks: Option<&Hooks>,
) -> Result<Comparison> {
    options.check()?;
    let grouping = group_rows(survey, group_column, groups.as_deref())?;
    check_reference(survey, group_column, &grouping, &options.versus)?;
    let (candidates, mut excluded) = screen_groups(model, survey, &grouping, options);
    let plan = |k: usize| planned_steps(k, options);
    let ticker = Ticker::new(hooks, plan(candidates.len()));
    let tick = || ticker.tick();
    let boot_hooks_cancel = AtomicBool::new(false);
    let cancel_flag: &AtomicBool = hooks.map(|h| h.cancel).unwrap_or(&boot_hooks_cancel);
    let bhooks = bootstrap::Hooks {
        progress: &|_| tick(),
        cancel: cancel_flag,
    };

    // one fit (and bootstrap) per group, in parallel
    let fitted = fit_groups(model, survey, &candidates, options, &bhooks, &mut excluded)?;
    ticker.check()?;
    ticker.total.store(plan(fitted.len()), Ordering::Relaxed);
    let mut warnings = exclusion_warnings(survey, group_column, &grouping, &excluded);
    check_two_groups(survey, group_column, &fitted, &excluded)?;
    group_warnings(&fitted, &mut warnings);

    let pooled = pooled_fit(model, survey, &fitted, options, &bhooks)?;
    ticker.check()?;
    let reference = match &options.versus {
        Versus::Group(name) => Some(reference_group(group_column, &fitted, &excluded, name)?),
        _ => None,
    };

    let tg = targets(model);
    // permutation tests and MICOM
    let perm_ctx = perm::Context {
        model,
        survey,
        options,
        tick: &tick,
        cancel: cancel_flag,
    };
    let against = Reference {
        pooled: &pooled,
        reference,
        ticker: &ticker,
        hooks: &bhooks,
    };
    let (mut differences, mut micom, mut runs) =
        differences_and_micom(&perm_ctx, &fitted, &tg, &against)?;
    ticker.check()?;
    let omnibus = omnibus_test(&perm_ctx, &fitted, &tg, &mut runs)?;
    ticker.check()?;
    adjust_differences(&mut differences, options.adjust);
    versus::adjust_micom(&mut micom, options.adjust, options.alpha());
    permutation_warnings(options, &fitted, &runs, &differences, &mut warnings);
    let league = league_tables(model, &fitted);
    Ok(Comparison {
        model: model.clone(),
        group_column: group_column.to_string(),
        options: options.clone(),
        missing_group: grouping.missing,
        not_requested: grouping.not_requested,
        excluded,
        groups: fitted,
        pooled,
        league,
        differences,
        omnibus,
        micom,
        permutation_runs: runs,
        warnings,
    })
}

/// The pooled fit of every compared respondent (against the pooled sample:
/// bootstrapped within groups, see the `versus` module).
fn pooled_fit(
    model: &Model,
    survey: &Survey,
    fitted: &[GroupFit],
    options: &CompareOptions,
    hooks: &bootstrap::Hooks,
) -> Result<GroupFit> {
    match options.versus {
        Versus::Pooled => versus::stratified_pooled(model, survey, fitted, options, Some(hooks)),
        _ => {
            let all_rows: Vec<usize> = fitted.iter().flat_map(|g| g.rows.iter().copied()).collect();
            fit_group(model, survey, "pooled", &all_rows, options, Some(hooks))
        }
    }
}

/// What the groups are compared against, with the run's progress and hooks.
struct Reference<'a> {
    /// The pooled fit.
    pooled: &'a GroupFit,
    /// The `--versus GROUP` group among the fitted ones.
    reference: Option<usize>,
    ticker: &'a Ticker<'a>,
    hooks: &'a bootstrap::Hooks<'a>,
}

/// The differences (with bootstrap intervals and permutation p values), MICOM and the
/// permutation runs of the `--versus` design: all pairs, each group against the
/// pooled sample, or against the rest / a reference group.
fn differences_and_micom(
    perm_ctx: &perm::Context,
    fitted: &[GroupFit],
    tg: &[Target],
    against: &Reference,
) -> Result<(Vec<Difference>, Vec<Micom>, Vec<PermutationRun>)> {
    Ok(match perm_ctx.options.versus {
        Versus::Pairs => {
            let alpha = perm_ctx.options.alpha();
            let mut differences = pair_differences(perm_ctx.model, fitted, tg, alpha);
            let (micom, runs) =
                permutation_tests(perm_ctx, fitted, tg, &mut differences, against.ticker)?;
            (differences, micom, runs)
        }
        Versus::Pooled => {
            let r = versus::versus_pooled(perm_ctx, fitted, against.pooled, tg)?;
            (r.differences, r.micom, r.runs)
        }
        Versus::Rest | Versus::Group(_) => {
            let r = versus::versus_rest_or_group(
                perm_ctx,
                fitted,
                against.reference,
                tg,
                Some(against.hooks),
            )?;
            (r.differences, r.micom, r.runs)
        }
    })
}

/// The differences' p values adjusted for multiple testing (`--adjust`), over all of
/// them.
fn adjust_differences(differences: &mut [Difference], how: Adjust) {
    let adj = adjust(&differences.iter().map(|d| d.p).collect::<Vec<_>>(), how);
    for (d, p) in differences.iter_mut().zip(adj) {
        d.p_adjusted = p;
    }
}

/// Every pairwise difference of the targets, with its bootstrap interval (the p values
/// come from the permutation tests).
fn pair_differences(
    model: &Model,
    fitted: &[GroupFit],
    tg: &[Target],
    alpha: f64,
) -> Vec<Difference> {
    let k = fitted.len();
    // differences with bootstrap intervals
    let mut differences = Vec::new();
    for a in 0..k {
        for b in (a + 1)..k {
            differences.extend(versus::differences_against(
                model,
                a,
                &fitted[a],
                Against::Group(b),
                &fitted[b],
                tg,
                alpha,
            ));
        }
    }
    differences
}

/// The pairwise permutation tests with MICOM: sets the differences' p values; returns
/// the MICOM results and the runs.
fn permutation_tests(
    perm_ctx: &perm::Context,
    fitted: &[GroupFit],
    tg: &[Target],
    differences: &mut [Difference],
    ticker: &Ticker,
) -> Result<(Vec<Micom>, Vec<PermutationRun>)> {
    let n_perm = perm_ctx.options.permutations;
    let k = fitted.len();
    let mut micom = Vec::new();
    let mut runs = Vec::new();
    for a in 0..k {
        for b in (a + 1)..k {
            let out = perm::pair(perm_ctx, &fitted[a], &fitted[b])?;
            if ticker.cancelled() {
                return Err(Error::Interrupted);
            }
            for (t, (p, ok)) in tg.iter().zip(out.p.iter()) {
                if let Some(d) = differences
                    .iter_mut()
                    .find(|d| d.a == a && d.b == Against::Group(b) && d.target == *t)
                {
                    d.p = *p;
                    d.permutations_ok = *ok;
                }
            }
            micom.push(Micom {
                a,
                b: Against::Group(b),
                configural: true,
                constructs: out.micom,
            });
            if n_perm > 0 {
                runs.push(PermutationRun {
                    groups: vec![a, b],
                    against: None,
                    requested: n_perm,
                    failed: out.failed,
                    reasons: out.reasons,
                    withheld: out.withheld,
                });
            }
        }
    }
    Ok((micom, runs))
}

/// The omnibus test across all groups (more than two, unless `--no-omnibus`), its
/// p values adjusted among themselves; its run is appended to `runs`.
fn omnibus_test(
    perm_ctx: &perm::Context,
    fitted: &[GroupFit],
    tg: &[Target],
    runs: &mut Vec<PermutationRun>,
) -> Result<Vec<Omnibus>> {
    let (model, options) = (perm_ctx.model, perm_ctx.options);
    let k = fitted.len();
    let n_perm = options.permutations;
    let mut omnibus = Vec::new();
    if k > 2 && options.omnibus && n_perm > 0 {
        let out = perm::omnibus(perm_ctx, fitted)?;
        let adj = adjust(
            &out.p.iter().map(|x| x.0).collect::<Vec<_>>(),
            options.adjust,
        );
        for (i, t) in tg.iter().enumerate() {
            omnibus.push(Omnibus {
                target: *t,
                name: t.name(model),
                statistic: out.statistic[i],
                p: out.p[i].0,
                p_adjusted: adj[i],
                permutations_ok: out.p[i].1,
            });
        }
        runs.push(PermutationRun {
            groups: (0..k).collect(),
            against: None,
            requested: n_perm,
            failed: out.failed,
            reasons: out.reasons,
            withheld: out.withheld,
        });
    }
    Ok(omnibus)
}

/// Warnings about failed permutations and too few permutations for Holm.
fn permutation_warnings(
    options: &CompareOptions,
    fitted: &[GroupFit],
    runs: &[PermutationRun],
    differences: &[Difference],
    warnings: &mut Vec<String>,
) {
    let n_perm = options.permutations;
    let alpha = options.alpha();
    for r in runs {
        if r.failed > 0 {
            let names: Vec<&str> = r.groups.iter().map(|&g| fitted[g].name.as_str()).collect();
            warnings.push(format!(
                "{} of {} permutations of {} failed and were left out",
                r.failed,
                r.requested,
                names.join(" / ")
            ));
            if r.withheld {
                warnings.push(format!(
                    "{:.1}% of the permutations of {} failed, more than the {:.1}% allowed: their p values and MICOM intervals are withheld",
                    100.0 * r.failed as f64 / r.requested as f64,
                    names.join(" / "),
                    100.0 * options.max_failed_share
                ));
            }
        }
    }
    let m_tests = differences.iter().filter(|d| d.p.is_finite()).count();
    let pairs = options.versus == Versus::Pairs;
    if let Some(w) = holm_floor_warning(n_perm, m_tests, alpha, options.adjust, pairs) {
        warnings.push(w);
    }
}

/// The permutations that let the smallest Holm-adjusted p of `m` tests fall below
/// `alpha`: the smallest permutation p is `1 / (N + 1)`, so Holm's smallest adjusted p
/// is `min(1, m / (N + 1))`, below alpha once `N >= floor(m / alpha)`.
///
/// ```
/// // 10 tests at 5%: 10 / 200 = 0.05 is not below 0.05; 10 / 201 is
/// assert_eq!(csi::compare::permutations_for(10, 0.05), 200);
/// ```
pub fn permutations_for(m: usize, alpha: f64) -> usize {
    // 1 - 0.95 is 0.05 + 4e-17: the margin keeps `m / (N + 1) = 0.05` out
    let alpha = alpha - 1e-12;
    let mut n = (m as f64 / alpha).floor() as usize;
    while m as f64 / (n as f64 + 1.0) >= alpha {
        n += 1;
    }
    n
}

/// The warning when too few permutations make Holm-adjusted significance impossible:
/// the attainable floor (capped at 1) and a count that reaches it (within the
/// permutations allowed), or what to do instead.
fn holm_floor_warning(
    n_perm: usize,
    m_tests: usize,
    alpha: f64,
    how: Adjust,
    pairs: bool,
) -> Option<String> {
    if n_perm == 0 || m_tests == 0 || how != Adjust::Holm {
        return None;
    }
    let floor = (m_tests as f64 / (n_perm as f64 + 1.0)).min(1.0);
    if floor < alpha {
        return None;
    }
    let need = permutations_for(m_tests, alpha);
    let fewer = if pairs {
        "fewer comparisons (--versus pooled, rest or GROUP instead of all pairs)"
    } else {
        "fewer groups (--groups)"
    };
    let advice = if need <= bootstrap::MAX_RESAMPLES {
        format!("use --permutations {need} or more for adjusted significance, or {fewer}")
    } else {
        format!(
            "that would need {need} permutations, more than the {} allowed: use {fewer} or --adjust bh",
            bootstrap::MAX_RESAMPLES
        )
    };
    Some(format!(
        "with {n_perm} permutations and {m_tests} comparisons the smallest attainable Holm-adjusted p is {floor:.3}, not below {alpha:.2}: {advice}"
    ))
}

/// Fit (and bootstrap) every candidate group in parallel; a group whose estimation
/// fails (or, unless `--missing error`, whose data fail the missing-data policy) is
/// excluded with the reason.
fn fit_groups(
    model: &Model,
    survey: &Survey,
    candidates: &[(String, Vec<usize>)],
    options: &CompareOptions,
    hooks: &bootstrap::Hooks,
    excluded: &mut Vec<Excluded>,
) -> Result<Vec<GroupFit>> {
    let policy = options.fit.missing;
    let fits: Vec<Result<GroupFit>> = candidates
        .par_iter()
        .map(|(label, rows)| fit_group(model, survey, label, rows, options, Some(hooks)))
        .collect();
    let mut fitted = Vec::new();
    for ((label, rows), r) in candidates.iter().zip(fits) {
        match r {
            Ok(g) => fitted.push(g),
            Err(Error::Fit(e)) => excluded.push(Excluded {
                group: label.clone(),
                n: rows.len(),
                reason: format!("estimation failed: {e}"),
            }),
            Err(e @ Error::Data { .. }) if policy != MissingPolicy::Error => {
                excluded.push(Excluded {
                    group: label.clone(),
                    n: rows.len(),
                    reason: e.to_string(),
                })
            }
            Err(e) => return Err(e),
        }
    }
    Ok(fitted)
}

/// The warnings of the fitted groups (their own, failed and withheld resamples).
fn group_warnings(fitted: &[GroupFit], warnings: &mut Vec<String>) {
    for g in fitted {
        for w in &g.analysis.warnings {
            warnings.push(format!("group '{}': {w}", g.name));
        }
        if let Some(b) = &g.bootstrap {
            if b.failed > 0 {
                warnings.push(format!(
                    "group '{}': {} of {} bootstrap resamples failed and were left out",
                    g.name, b.failed, b.resamples
                ));
            }
            if let Some(w) = &b.withheld {
                warnings.push(format!("group '{}': {w}", g.name));
            }
        }
    }
}

/// Fit one group's rows (and bootstrap them).
fn fit_group(
    model: &Model,
    survey: &Survey,
    name: &str,
    rows: &[usize],
    options: &CompareOptions,
    hooks: Option<&bootstrap::Hooks>,
) -> Result<GroupFit> {
    let sub = survey.select_rows(rows);
    let analysis = analyze(model, &sub, &options.fit)?;
    let boot = match &options.bootstrap {
        Some(o) => Some(bootstrap::run(
            model,
            &analysis.data,
            &options.fit.pls,
            &analysis.fit,
            o,
            hooks,
        )?),
        None => None,
    };
    Ok(GroupFit {
        name: name.to_string(),
        n_read: rows.len(),
        rows: rows.to_vec(),
        analysis,
        bootstrap: boot,
    })
}

/// Percentile interval of the paired replicate differences.
fn diff_interval(a: &GroupFit, b: &GroupFit, t: &Target, alpha: f64) -> (f64, f64, usize) {
    let (Some(ba), Some(bb)) = (&a.bootstrap, &b.bootstrap) else {
        return (f64::NAN, f64::NAN, 0);
    };
    let key = t.stat();
    let (Some(ca), Some(cb)) = (ba.column(key), bb.column(key)) else {
        return (f64::NAN, f64::NAN, 0);
    };
    let r = ba.replicates.nrows().min(bb.replicates.nrows());
    let mut d: Vec<f64> = (0..r)
        .map(|i| ba.replicates[(i, ca)] - bb.replicates[(i, cb)])
        .filter(|v| v.is_finite())
        .collect();
    if d.len() < 2 {
        return (f64::NAN, f64::NAN, d.len());
    }
    if ba.withheld.is_some() || bb.withheld.is_some() {
        return (f64::NAN, f64::NAN, d.len());
    }
    d.sort_by(|x, y| x.total_cmp(y));
    let (lo, hi) = bootstrap::percentile_interval(&d, alpha);
    (lo, hi, d.len())
}

/// League tables: groups ranked by each construct's index, best first.
fn league_tables(model: &Model, groups: &[GroupFit]) -> Vec<League> {
    (0..model.n_constructs())
        .map(|j| {
            let key = Stat::Index(j);
            let mut order: Vec<usize> = (0..groups.len()).collect();
            order.sort_by(|&x, &y| match (groups[x].index(j), groups[y].index(j)) {
                (Some(a), Some(b)) => b.total_cmp(&a).then(x.cmp(&y)),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => x.cmp(&y),
            });
            let mut entries: Vec<LeagueEntry> = Vec::with_capacity(order.len());
            for (pos, &g) in order.iter().enumerate() {
                let index = groups[g].index(j);
                let rank = index.map(|v| match entries.last() {
                    Some(prev) if prev.index == Some(v) => prev.rank.unwrap_or(pos + 1),
                    _ => pos + 1,
                });
                let (lo, hi) = groups[g].interval(key);
                entries.push(LeagueEntry {
                    rank,
                    group: g,
                    index,
                    ci_low: lo,
                    ci_high: hi,
                    n: groups[g].n(),
                });
            }
            League {
                construct: j,
                entries,
            }
        })
        .collect()
}
