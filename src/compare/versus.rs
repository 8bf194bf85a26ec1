//! `--versus`: each group against a reference (the pooled sample, all other groups,
//! or one named group) instead of every pair, and the multiplicity control of the
//! MICOM verdicts.
//!
//! # Against the pooled sample (`--versus pooled`)
//! Group g is part of the pool, so `theta_g` and `theta_pooled` are not independent:
//! * **Interval.** The pool is resampled *within groups* (each group keeps its size,
//!   as in a programme that interviews a fixed number of respondents per company):
//!   replicate r of the pool is the union of every group's own resample r, drawn with
//!   the group's stream ([`crate::bootstrap::draw_counts`]`(seed, r)` over its rows),
//!   so group g's replicate r is exactly the replicate r of its own bootstrap. The
//!   interval of `theta_g - theta_pooled` is the percentile interval of
//!   `theta*_g,r - theta*_pooled,r` over the replicates: both are recomputed on the
//!   same draw, which carries the overlap into the interval. The pooled sample's own
//!   intervals then come from this stratified bootstrap too.
//! * **Test.** The pool is the same set of respondents under every permutation of the
//!   labels, so its statistic is fixed; under the null hypothesis (g's respondents are
//!   exchangeable with the rest) g's statistic is that of a random n_g-subset of the
//!   pool. Permutation r takes the first n_g respondents of one shuffle of the pool,
//!   refits them alone, and `p = (1 + #{|d*| >= |d|}) / (N_ok + 1)` with
//!   `d* = theta(g*) - theta_pooled`. One shuffle serves every group (groups of the
//!   same size share the refit), so the cost is about one small fit per group size and
//!   permutation.
//! * **MICOM.** Step 2: `c = cor(X w_g, X w_pooled)` on the pool; step 3: mean and log
//!   variance of the pooled-standardized composite scores in g against the pool's
//!   (0 and 0); both with the permutation distribution of the random subsets.
//!
//! # Against the rest (`--versus rest`)
//! Group g and the union of all other groups are disjoint samples, so this is the
//! two-group comparison of g with "the rest": the interval resamples g and each other
//! group within itself (the rest's replicate r is the union of the other groups' own
//! resamples r), and the permutation test is the two-group permutation of g against
//! the rest (Chin & Dibbern), refitting both sides; MICOM likewise.
//!
//! # Against a named group (`--versus GROUP`)
//! Every other group against that one, exactly as the pair (g, GROUP) of the all-pairs
//! comparison, with `theta_g - theta_GROUP`.
//!
//! # Multiplicity of MICOM
//! Step-2 p values (`c_p`; a failure says "do not compare the indices") are adjusted
//! across every construct and comparison, so that groups from one population are
//! told not to compare some index in about `1 - level` of comparisons as a whole
//! rather than in each construct; step-3 p values (means and variances; full against
//! partial invariance) across the constructs and both moments of each comparison
//! ([`CompareOptions::adjust`]). A step fails only when its unadjusted permutation
//! rule fails *and* its adjusted p is below `1 - level`; with `--adjust none` the
//! unadjusted rules stand alone.

use super::{
    diff_interval, fit_group, perm, Against, CompareOptions, Difference, GroupFit, Invariance,
    Micom, PermutationRun, Target,
};
use crate::adjust::{adjust, Adjust};
use crate::bootstrap::{self, draw_counts, BootstrapResult, ResampleData, ResampleScheme};
use crate::data::Survey;
use crate::error::{Error, Result};
use crate::estimate::{EstimatorKind, FitError};
use crate::spec::Model;

/// What each group is compared with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Versus {
    /// Every pair of groups (the default).
    #[default]
    Pairs,
    /// Each group against the pooled sample of all compared groups.
    Pooled,
    /// Each group against all other groups together.
    Rest,
    /// Each other group against this one.
    Group(String),
}

impl Versus {
    /// The flag's value: `pooled`, `rest`, `pairs` (or `all`), otherwise a group name.
    ///
    /// ```
    /// use csi::compare::Versus;
    /// assert_eq!(Versus::parse("pooled"), Versus::Pooled);
    /// assert_eq!(Versus::parse(" 海鸥航空 "), Versus::Group("海鸥航空".into()));
    /// ```
    pub fn parse(s: &str) -> Versus {
        match s.trim() {
            "pooled" => Versus::Pooled,
            "rest" => Versus::Rest,
            "pairs" | "all" => Versus::Pairs,
            g => Versus::Group(g.to_string()),
        }
    }
    /// `pairs`, `pooled`, `rest` or the group's name.
    pub fn as_str(&self) -> &str {
        match self {
            Versus::Pairs => "pairs",
            Versus::Pooled => "pooled",
            Versus::Rest => "rest",
            Versus::Group(g) => g,
        }
    }
}

/// Resampling within contiguous blocks (groups): block b's counts are
/// [`draw_counts`]`(seed, r)` over its own rows, so a block's replicate r equals the
/// replicate r of that group's own bootstrap.
///
/// ```
/// use csi::bootstrap::{draw_counts, ResampleScheme};
/// use csi::compare::Blocks;
/// let mut all = vec![0u32; 30];
/// Blocks::new(vec![10, 20]).draw(5, 2, &mut all);
/// let mut b = vec![0u32; 20];
/// draw_counts(5, 2, &mut b);
/// assert_eq!(&all[10..], &b[..]);
/// assert_eq!(all[..10].iter().sum::<u32>(), 10); // each block keeps its size
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocks {
    sizes: Vec<usize>,
}

impl Blocks {
    /// Blocks of these sizes, one after the other.
    pub fn new(sizes: Vec<usize>) -> Blocks {
        Blocks { sizes }
    }
}

impl ResampleScheme for Blocks {
    fn draw(&self, seed: u64, r: usize, counts: &mut [u32]) {
        let mut start = 0;
        for &n in &self.sizes {
            let end = (start + n).min(counts.len());
            draw_counts(seed, r, &mut counts[start..end]);
            start = end;
        }
    }
}

/// Bootstrap a fit whose rows are the groups `sizes` one after the other, within
/// groups ([`Blocks`]).
fn stratified_bootstrap(
    model: &Model,
    fit: &GroupFit,
    sizes: &[usize],
    options: &CompareOptions,
    hooks: Option<&bootstrap::Hooks>,
) -> Result<Option<BootstrapResult>> {
    let Some(o) = &options.bootstrap else {
        return Ok(None);
    };
    let data = &fit.analysis.data;
    if sizes.iter().sum::<usize>() != data.x.nrows() {
        return Err(FitError::GroupRespondents {
            respondents: data.x.nrows(),
            name: fit.name.clone(),
            groups: sizes.iter().sum::<usize>(),
        }
        .into());
    }
    bootstrap::run_with(
        &options.fit.pls,
        model,
        &ResampleData::new(data),
        &Blocks::new(sizes.to_vec()),
        &fit.analysis.fit,
        bootstrap::stats_for(EstimatorKind::Pls, model),
        o,
        hooks,
    )
    .map(Some)
}

/// The pooled fit of every compared group, bootstrapped within groups.
pub(super) fn stratified_pooled(
    model: &Model,
    survey: &Survey,
    groups: &[GroupFit],
    options: &CompareOptions,
    hooks: Option<&bootstrap::Hooks>,
) -> Result<GroupFit> {
    let rows: Vec<usize> = groups.iter().flat_map(|g| g.rows.iter().copied()).collect();
    let no_boot = CompareOptions {
        bootstrap: None,
        ..options.clone()
    };
    let mut pooled = fit_group(model, survey, "pooled", &rows, &no_boot, None)?;
    let sizes: Vec<usize> = groups.iter().map(GroupFit::n).collect();
    pooled.bootstrap = stratified_bootstrap(model, &pooled, &sizes, options, hooks)?;
    Ok(pooled)
}

/// The differences of group `a` against a reference fit, with the bootstrap interval
/// of the paired replicate differences (p values come from the permutation tests).
pub(super) fn differences_against(
    model: &Model,
    a: usize,
    ga: &GroupFit,
    b: Against,
    gb: &GroupFit,
    tg: &[Target],
    alpha: f64,
) -> Vec<Difference> {
    tg.iter()
        .map(|t| {
            let (lo, hi, ok) = diff_interval(ga, gb, t, alpha);
            Difference {
                a,
                b,
                target: *t,
                name: t.name(model),
                difference: t.value(ga) - t.value(gb),
                ci_low: lo,
                ci_high: hi,
                boot_ok: ok,
                p: f64::NAN,
                p_adjusted: f64::NAN,
                permutations_ok: 0,
            }
        })
        .collect()
}

/// What the comparisons against a reference give.
pub(super) struct Referenced {
    pub differences: Vec<Difference>,
    pub micom: Vec<Micom>,
    pub runs: Vec<PermutationRun>,
}

fn set_p(d: &mut [Difference], p: &[(f64, usize)]) {
    for (d, (p, ok)) in d.iter_mut().zip(p) {
        d.p = *p;
        d.permutations_ok = *ok;
    }
}

/// Every group against the pooled sample (`pooled` bootstrapped within groups).
pub(super) fn versus_pooled(
    ctx: &perm::Context,
    fitted: &[GroupFit],
    pooled: &GroupFit,
    tg: &[Target],
) -> Result<Referenced> {
    let (model, options) = (ctx.model, ctx.options);
    let alpha = options.alpha();
    let mut differences = Vec::new();
    let mut micom = Vec::new();
    let mut runs = Vec::new();
    let out = perm::versus_pooled(ctx, fitted, pooled)?;
    for (a, (g, (p, mc))) in fitted.iter().zip(out.groups).enumerate() {
        let mut d = differences_against(model, a, g, Against::Pooled, pooled, tg, alpha);
        set_p(&mut d, &p);
        differences.extend(d);
        micom.push(Micom {
            a,
            b: Against::Pooled,
            configural: true,
            constructs: mc,
        });
    }
    if options.permutations > 0 {
        runs.push(PermutationRun {
            groups: (0..fitted.len()).collect(),
            against: Some(Against::Pooled),
            requested: options.permutations,
            failed: out.failed,
            reasons: out.reasons,
            withheld: out.withheld,
        });
    }
    Ok(Referenced {
        differences,
        micom,
        runs,
    })
}

/// Every group against the rest, or every other group against group `reference`.
pub(super) fn versus_rest_or_group(
    ctx: &perm::Context,
    fitted: &[GroupFit],
    reference: Option<usize>,
    tg: &[Target],
    hooks: Option<&bootstrap::Hooks>,
) -> Result<Referenced> {
    let (model, options) = (ctx.model, ctx.options);
    let alpha = options.alpha();
    let mut differences = Vec::new();
    let mut micom = Vec::new();
    let mut runs = Vec::new();
    for (a, g) in fitted.iter().enumerate() {
        if reference == Some(a) {
            continue;
        }
        let rest;
        let (b, gb) = match reference {
            Some(r) => (Against::Group(r), &fitted[r]),
            None => {
                let others: Vec<&GroupFit> = fitted
                    .iter()
                    .enumerate()
                    .filter(|&(h, _)| h != a)
                    .map(|(_, h)| h)
                    .collect();
                let rows: Vec<usize> = others.iter().flat_map(|h| h.rows.iter().copied()).collect();
                let no_boot = CompareOptions {
                    bootstrap: None,
                    ..options.clone()
                };
                let mut fit = fit_group(model, ctx.survey, "(rest)", &rows, &no_boot, None)?;
                let sizes: Vec<usize> = others.iter().map(|h| h.n()).collect();
                fit.bootstrap = stratified_bootstrap(model, &fit, &sizes, options, hooks)?;
                rest = fit;
                (Against::Rest, &rest)
            }
        };
        let mut d = differences_against(model, a, g, b, gb, tg, alpha);
        let out = perm::pair(ctx, g, gb)?;
        if ctx.cancel.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(Error::Interrupted);
        }
        set_p(&mut d, &out.p);
        differences.extend(d);
        micom.push(Micom {
            a,
            b,
            configural: true,
            constructs: out.micom,
        });
        if options.permutations > 0 {
            runs.push(PermutationRun {
                groups: vec![a],
                against: Some(b),
                requested: options.permutations,
                failed: out.failed,
                reasons: out.reasons,
                withheld: out.withheld,
            });
        }
    }
    Ok(Referenced {
        differences,
        micom,
        runs,
    })
}

/// Adjust the MICOM p values and redo the verdicts. Step 2 (a failure tells the
/// reader not to compare a construct's indices) is adjusted across every construct
/// and comparison; step 3 (full against partial invariance) across the constructs,
/// means and variances of each comparison. A step fails only when its unadjusted rule
/// fails and its adjusted p is below `alpha`.
pub(super) fn adjust_micom(micom: &mut [Micom], how: Adjust, alpha: f64) {
    let c_p: Vec<f64> = micom
        .iter()
        .flat_map(|m| m.constructs.iter().map(|x| x.c_p))
        .collect();
    let c_adj = adjust(&c_p, how);
    let holds = |rule: Option<bool>, p_adj: f64| {
        if how == Adjust::None {
            rule
        } else {
            rule.map(|ok| ok || p_adj.is_nan() || p_adj >= alpha)
        }
    };
    let mut i = 0;
    for m in micom.iter_mut() {
        let step3: Vec<f64> = m
            .constructs
            .iter()
            .flat_map(|x| [x.mean_p, x.var_p])
            .collect();
        let s3_adj = adjust(&step3, how);
        for (j, x) in m.constructs.iter_mut().enumerate() {
            x.c_p_adjusted = c_adj[i];
            x.mean_p_adjusted = s3_adj[2 * j];
            x.var_p_adjusted = s3_adj[2 * j + 1];
            i += 1;
            x.compositional = holds(x.compositional, x.c_p_adjusted);
            x.equal_means = holds(x.equal_means, x.mean_p_adjusted);
            x.equal_variances = holds(x.equal_variances, x.var_p_adjusted);
            x.invariance = Invariance::of(x.compositional, x.equal_means, x.equal_variances);
        }
    }
}

/// The MICOM tests counted by [`adjust_micom`]: (step 2, step 3) with a p value.
pub fn micom_family(micom: &[Micom]) -> (usize, usize) {
    let s2 = micom
        .iter()
        .flat_map(|m| &m.constructs)
        .filter(|x| x.c_p.is_finite())
        .count();
    let s3 = micom
        .iter()
        .flat_map(|m| &m.constructs)
        .map(|x| usize::from(x.mean_p.is_finite()) + usize::from(x.var_p.is_finite()))
        .sum();
    (s2, s3)
}
