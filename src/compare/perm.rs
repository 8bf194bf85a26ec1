//! Permutation machinery: pooled respondents, refits of permuted groups, the
//! pairwise (Chin & Dibbern) and omnibus tests, and MICOM steps 2-3.

use super::{targets, CompareOptions, GroupFit, Invariance, MicomConstruct, Target};
use crate::analysis::analyze;
use crate::bootstrap::{quantile, run_replicates, Failure, Hooks, Tally};
use crate::data::Survey;
use crate::error::{Error, Result};
use crate::estimate::pls::{self, PlsFit};
use crate::estimate::{EstimatorKind, FitError};
use crate::index;
use crate::spec::Model;
use nalgebra::DMatrix;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

/// Mixed into the seed of the permutation streams so that permutation r and bootstrap
/// resample r of the same seed draw from different streams ("permute!" in ASCII).
pub const PERMUTATION_SALT: u64 = 0x7065_726d_7574_6521;

/// Slack when counting permuted statistics at least as extreme as the observed one,
/// so that a permutation reproducing the observed split counts despite rounding.
const TIE: f64 = crate::tol::EXACT;

/// The random stream of permutation `r`: `ChaCha8Rng::seed_from_u64(seed ^
/// PERMUTATION_SALT)` switched to stream `r`. It depends only on (seed, r).
///
/// ```
/// use rand::RngExt;
/// let mut a = csi::compare::permutation_rng(42, 7);
/// let mut b = csi::compare::permutation_rng(42, 7);
/// let x: u64 = a.random();
/// assert_eq!(x, b.random::<u64>());
/// ```
pub fn permutation_rng(seed: u64, r: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ PERMUTATION_SALT);
    rng.set_stream(r as u64);
    rng
}

/// Fisher-Yates shuffle of `0..n` driven by `rng`.
fn shuffled(n: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
    v
}

/// What every permutation run needs.
pub(super) struct Context<'a> {
    pub model: &'a Model,
    pub survey: &'a Survey,
    pub options: &'a CompareOptions,
    pub tick: &'a (dyn Fn() + Sync),
    pub cancel: &'a AtomicBool,
}

/// The respondents of some groups, one after the other, without the text columns.
struct Pool {
    survey: Survey,
    /// Size of each group in the pool.
    sizes: Vec<usize>,
}

impl Pool {
    /// The rows each group's analysis used (listwise deletion drops the same
    /// respondents whatever the labels), group after group.
    fn new(survey: &Survey, groups: &[&GroupFit]) -> Pool {
        let mut idx = Vec::new();
        let mut sizes = Vec::new();
        for g in groups {
            sizes.push(g.analysis.data.kept.len());
            idx.extend(g.analysis.data.kept.iter().map(|&i| g.rows[i]));
        }
        let p = survey.x.ncols();
        let s = Survey {
            file: survey.file.clone(),
            items: survey.items.clone(),
            x: DMatrix::from_fn(idx.len(), p, |i, j| survey.x[(idx[i], j)]),
            rows: idx.iter().map(|&i| survey.rows[i]).collect(),
            extra: BTreeMap::new(),
            weights: survey
                .weights
                .as_ref()
                .map(|w| idx.iter().map(|&i| w[i]).collect()),
        };
        Pool { survey: s, sizes }
    }

    fn n(&self) -> usize {
        self.survey.n()
    }
}

/// A refit of a subset: the PLS solution and its indices (`NaN` undefined).
struct Refit {
    fit: PlsFit,
    index: Vec<f64>,
}

/// Refit the respondents `idx` (ascending) of a pool exactly as `analyze` would fit
/// them on their own.
fn refit(model: &Model, options: &CompareOptions, pool: &Survey, idx: &[usize]) -> Result<Refit> {
    let sub = pool.select_rows(idx);
    let (_, _, m) = sub.prepare(model, options.fit.missing)?;
    let fit = pls::estimate(model, &m, &options.fit.pls)?;
    if !fit.converged {
        return Err(FitError::NotConverged {
            estimator: EstimatorKind::Pls,
            iterations: fit.iterations,
        }
        .into());
    }
    let index = index::indices(model, &fit)
        .iter()
        .map(|i| i.value.unwrap_or(f64::NAN))
        .collect();
    Ok(Refit { fit, index })
}

fn observed(g: &GroupFit) -> Refit {
    Refit {
        fit: g.analysis.fit.clone(),
        index: g
            .analysis
            .indices
            .iter()
            .map(|i| i.value.unwrap_or(f64::NAN))
            .collect(),
    }
}

fn target_value(t: &Target, r: &Refit) -> f64 {
    match *t {
        Target::Index(j) => r.index[j],
        Target::Path(a, b) => r.fit.paths[(a, b)],
    }
}

/// Why a permutation's refit failed, as the failure counts group it.
fn classify(e: &Error) -> Failure {
    let error = match e {
        Error::Fit(f) => Some(f.clone()),
        _ => None,
    };
    let reason = match e {
        Error::Fit(
            FitError::ZeroVariance { .. }
            | FitError::ProxyZeroVariance { .. }
            | FitError::BlockZeroVariance,
        ) => "an item has zero variance in a permuted group".into(),
        Error::Fit(FitError::NotConverged { .. }) => "PLS did not converge".into(),
        Error::Fit(FitError::CollinearItems { .. } | FitError::CollinearPredecessors { .. }) => {
            "singular matrix (perfectly collinear items or constructs)".into()
        }
        other => other.to_string(),
    };
    Failure { reason, error }
}

/// The pooled solution of a pair: treated indicator moments and standardized scores.
struct PairPooled {
    /// Treated indicator covariance of the pooled data (correlations when standardized).
    r: DMatrix<f64>,
    /// Pooled composite scores (n x q), weighted mean 0 and variance 1.
    scores: DMatrix<f64>,
    /// Sampling weights (1 without).
    w: Vec<f64>,
}

impl PairPooled {
    fn new(model: &Model, options: &CompareOptions, pool: &Pool) -> Result<PairPooled> {
        let a = analyze(model, &pool.survey, &options.fit)?;
        let t = &a.fit.treat_scale;
        let p = model.n_items();
        let r = DMatrix::from_fn(p, p, |i, j| a.moments.cov[(i, j)] / (t[i] * t[j]));
        let n = a.data.x.nrows();
        let q = model.n_constructs();
        let mut scores = DMatrix::zeros(n, q);
        for (j, c) in model.constructs.iter().enumerate() {
            for i in 0..n {
                scores[(i, j)] = c
                    .items
                    .iter()
                    .map(|&k| a.fit.weights[k] * (a.data.x[(i, k)] - a.moments.means[k]) / t[k])
                    .sum();
            }
        }
        let w = a.data.weights.clone().unwrap_or_else(|| vec![1.0; n]);
        Ok(PairPooled { r, scores, w })
    }

    /// MICOM step 2: `c = w_a' R w_b / sqrt(w_a' R w_a  w_b' R w_b)` over construct j's block.
    fn c(&self, model: &Model, j: usize, wa: &[f64], wb: &[f64]) -> f64 {
        let items = &model.constructs[j].items;
        let quad = |u: &[f64], v: &[f64]| -> f64 {
            items
                .iter()
                .map(|&i| {
                    items
                        .iter()
                        .map(|&k| u[i] * self.r[(i, k)] * v[k])
                        .sum::<f64>()
                })
                .sum()
        };
        quad(wa, wb) / (quad(wa, wa) * quad(wb, wb)).sqrt()
    }

    /// Weighted mean and population variance of construct j's scores over `idx`.
    fn mean_var(&self, j: usize, idx: &[usize]) -> (f64, f64) {
        let ws: f64 = idx.iter().map(|&i| self.w[i]).sum();
        let m = idx
            .iter()
            .map(|&i| self.w[i] * self.scores[(i, j)])
            .sum::<f64>()
            / ws;
        let v = idx
            .iter()
            .map(|&i| self.w[i] * (self.scores[(i, j)] - m).powi(2))
            .sum::<f64>()
            / ws;
        (m, v)
    }
}

/// The statistics of a split of a pair's pool: target differences, then per construct
/// c, mean difference and log variance ratio.
fn pair_vector(
    model: &Model,
    tg: &[Target],
    pp: &PairPooled,
    fa: &Refit,
    fb: &Refit,
    ia: &[usize],
    ib: &[usize],
) -> Vec<f64> {
    let q = model.n_constructs();
    let mut v = Vec::with_capacity(tg.len() + 3 * q);
    v.extend(tg.iter().map(|t| target_value(t, fa) - target_value(t, fb)));
    for j in 0..q {
        v.push(pp.c(model, j, &fa.fit.weights, &fb.fit.weights));
    }
    let mv: Vec<((f64, f64), (f64, f64))> = (0..q)
        .map(|j| (pp.mean_var(j, ia), pp.mean_var(j, ib)))
        .collect();
    v.extend(mv.iter().map(|(a, b)| a.0 - b.0));
    v.extend(mv.iter().map(|(a, b)| a.1.ln() - b.1.ln()));
    v
}

type Rep = std::result::Result<Vec<f64>, Failure>;

/// What a permutation run gives: the statistics of every permutation (rows; `NaN`
/// rows for failed ones) and the failures.
struct Runs {
    values: DMatrix<f64>,
    tally: Tally,
    /// Too many permutations failed: tests and intervals are withheld.
    withheld: bool,
}

impl Runs {
    /// Values of statistic `c` over the successful permutations (finite only).
    fn column(&self, c: usize) -> Vec<f64> {
        if c >= self.values.ncols() {
            return Vec::new();
        }
        self.values
            .column(c)
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .collect()
    }
}

/// Run the permutations of the pool labels with the replicate executor (in parallel,
/// collected in order): permutation r shuffles the `n` pooled respondents with
/// [`permutation_rng`]`(seed, r)`, and `f` computes `width` statistics from it.
fn run(
    ctx: &Context,
    n: usize,
    width: usize,
    f: &(dyn Fn(&[usize]) -> Rep + Sync),
) -> Result<Runs> {
    let tick = |_: usize| (ctx.tick)();
    let hooks = Hooks {
        progress: &tick,
        cancel: ctx.cancel,
    };
    let count = ctx.options.permutations;
    let (values, tally) = run_replicates(
        count,
        width,
        Some(&hooks),
        || (),
        |_, r| {
            let mut rng = permutation_rng(ctx.options.seed, r);
            let perm = shuffled(n, &mut rng);
            f(&perm)
        },
    )?;
    let withheld = count > 0 && tally.total() as f64 / count as f64 > ctx.options.max_failed_share;
    Ok(Runs {
        values,
        tally,
        withheld,
    })
}

/// Two-sided permutation p: `(1 + #{|d*| >= |d|}) / (N_ok + 1)`.
fn p_two_sided(d: f64, vals: &[f64]) -> (f64, usize) {
    if !d.is_finite() || vals.is_empty() {
        return (f64::NAN, vals.len());
    }
    let ad = d.abs();
    let k = vals
        .iter()
        .filter(|v| v.abs() >= ad - TIE * (1.0 + ad))
        .count();
    ((1.0 + k as f64) / (vals.len() as f64 + 1.0), vals.len())
}

/// What a pair's permutation run gives.
pub(super) struct PairOut {
    /// (p, permutations ok) per target.
    pub p: Vec<(f64, usize)>,
    pub micom: Vec<MicomConstruct>,
    pub failed: usize,
    pub reasons: Vec<(String, usize)>,
    pub withheld: bool,
}

/// Permutation tests and MICOM of one pair.
pub(super) fn pair(ctx: &Context, ga: &GroupFit, gb: &GroupFit) -> Result<PairOut> {
    let model = ctx.model;
    let tg = targets(model);
    let q = model.n_constructs();
    let nt = tg.len();
    let pool = Pool::new(ctx.survey, &[ga, gb]);
    let n = pool.n();
    let na = pool.sizes[0];
    let pp = PairPooled::new(model, ctx.options, &pool)?;
    let ia: Vec<usize> = (0..na).collect();
    let ib: Vec<usize> = (na..n).collect();
    let obs = pair_vector(model, &tg, &pp, &observed(ga), &observed(gb), &ia, &ib);
    let split = |perm: &[usize]| -> Rep {
        let mut in_a = vec![false; n];
        for &i in &perm[..na] {
            in_a[i] = true;
        }
        let ia: Vec<usize> = (0..n).filter(|&i| in_a[i]).collect();
        let ib: Vec<usize> = (0..n).filter(|&i| !in_a[i]).collect();
        let fa = refit(model, ctx.options, &pool.survey, &ia).map_err(|e| classify(&e))?;
        let fb = refit(model, ctx.options, &pool.survey, &ib).map_err(|e| classify(&e))?;
        Ok(pair_vector(model, &tg, &pp, &fa, &fb, &ia, &ib))
    };
    let runs = run(ctx, n, nt + 3 * q, &split)?;
    let tested = ctx.options.permutations > 0 && !runs.withheld;
    let (p, micom) = summarize(ctx, &obs, &|c| runs.column(c), tested);
    Ok(PairOut {
        p,
        micom,
        failed: runs.tally.total(),
        reasons: runs.tally.reasons(),
        withheld: runs.withheld,
    })
}

/// The p values of the targets and the MICOM steps 2-3 of one comparison, from the
/// observed statistics `obs` (targets, then c, mean difference and log variance ratio
/// per construct, as [`pair_vector`] lays them out) and the permutation values of
/// column `c` (`column(c)`, finite only).
fn summarize(
    ctx: &Context,
    obs: &[f64],
    column: &dyn Fn(usize) -> Vec<f64>,
    tested: bool,
) -> (Vec<(f64, usize)>, Vec<MicomConstruct>) {
    let q = ctx.model.n_constructs();
    let nt = obs.len() - 3 * q;
    let p = (0..nt)
        .map(|c| {
            if tested {
                p_two_sided(obs[c], &column(c))
            } else {
                (f64::NAN, 0)
            }
        })
        .collect();
    let alpha = ctx.options.alpha();
    let micom = (0..q)
        .map(|j| {
            let c = obs[nt + j];
            let md = obs[nt + q + j];
            let lv = obs[nt + 2 * q + j];
            let mut m = MicomConstruct {
                construct: j,
                c,
                c_quantile: f64::NAN,
                c_p: f64::NAN,
                c_p_adjusted: f64::NAN,
                compositional: None,
                mean_diff: md,
                mean_ci: (f64::NAN, f64::NAN),
                mean_p: f64::NAN,
                mean_p_adjusted: f64::NAN,
                equal_means: None,
                log_var_ratio: lv,
                var_ci: (f64::NAN, f64::NAN),
                var_p: f64::NAN,
                var_p_adjusted: f64::NAN,
                equal_variances: None,
                invariance: Invariance::NotTested,
            };
            if !tested {
                return m;
            }
            let mut cs = column(nt + j);
            cs.sort_by(|x, y| x.total_cmp(y));
            if !cs.is_empty() && c.is_finite() {
                m.c_quantile = quantile(&cs, alpha);
                let k = cs.iter().filter(|v| **v <= c + TIE).count();
                m.c_p = (1.0 + k as f64) / (cs.len() as f64 + 1.0);
                m.compositional = Some(c >= m.c_quantile - TIE);
            }
            let interval = |col: usize, obs: f64| -> ((f64, f64), f64, Option<bool>) {
                let mut v = column(col);
                if v.is_empty() || !obs.is_finite() {
                    return ((f64::NAN, f64::NAN), f64::NAN, None);
                }
                let (pv, _) = p_two_sided(obs, &v);
                v.sort_by(|x, y| x.total_cmp(y));
                let ci = (quantile(&v, alpha / 2.0), quantile(&v, 1.0 - alpha / 2.0));
                (ci, pv, Some(obs >= ci.0 - TIE && obs <= ci.1 + TIE))
            };
            (m.mean_ci, m.mean_p, m.equal_means) = interval(nt + q + j, md);
            (m.var_ci, m.var_p, m.equal_variances) = interval(nt + 2 * q + j, lv);
            m.invariance = Invariance::of(m.compositional, m.equal_means, m.equal_variances);
            m
        })
        .collect();
    (p, micom)
}

/// What the run of every group against the pooled sample gives.
pub(super) struct PooledOut {
    /// Per group: (p, permutations ok) per target, and MICOM per construct.
    #[allow(clippy::type_complexity)] // a pair of per-group vectors, read in one place
    pub groups: Vec<(Vec<(f64, usize)>, Vec<MicomConstruct>)>,
    pub failed: usize,
    pub reasons: Vec<(String, usize)>,
    pub withheld: bool,
}

/// Permutation tests and MICOM of every group against the pooled sample.
///
/// The pooled sample holds every compared respondent whatever the labels, so its
/// statistics are the same in every permutation; under the null hypothesis that group
/// g's respondents are exchangeable with the others, g's statistic is distributed as
/// that of a random subset of n_g pooled respondents. Permutation r draws one
/// shuffle of the pool ([`permutation_rng`]`(seed, r)`); the permuted group g is its
/// first n_g respondents, refitted on their own, and
/// `d*_g = theta(g*) - theta(pooled)`. MICOM uses the same subsets: step 2
/// `c = cor(X w_g, X w_pooled)`, step 3 the mean and log variance of the
/// pooled-standardized scores in g minus those of the whole pool (0 and 0).
pub(super) fn versus_pooled(
    ctx: &Context,
    groups: &[GroupFit],
    pooled: &GroupFit,
) -> Result<PooledOut> {
    let model = ctx.model;
    let tg = targets(model);
    let q = model.n_constructs();
    let width = tg.len() + 3 * q;
    let refs: Vec<&GroupFit> = groups.iter().collect();
    let pool = Pool::new(ctx.survey, &refs);
    let n = pool.n();
    let pp = PairPooled::new(model, ctx.options, &pool)?;
    let all: Vec<usize> = (0..n).collect();
    let reference = observed(pooled);
    let mut start = 0;
    let mut obs = Vec::with_capacity(groups.len());
    for (g, &size) in groups.iter().zip(&pool.sizes) {
        let ig: Vec<usize> = (start..start + size).collect();
        obs.push(pair_vector(
            model,
            &tg,
            &pp,
            &observed(g),
            &reference,
            &ig,
            &all,
        ));
        start += size;
    }
    // one refit per distinct group size and permutation
    let mut sizes: Vec<usize> = pool.sizes.clone();
    sizes.sort_unstable();
    sizes.dedup();
    let split = |perm: &[usize]| -> Rep {
        let mut per_size = Vec::with_capacity(sizes.len());
        for &s in &sizes {
            let mut ig: Vec<usize> = perm[..s].to_vec();
            ig.sort_unstable();
            let f = refit(model, ctx.options, &pool.survey, &ig).map_err(|e| classify(&e))?;
            per_size.push(pair_vector(model, &tg, &pp, &f, &reference, &ig, &all));
        }
        let mut out = Vec::with_capacity(width * pool.sizes.len());
        for s in &pool.sizes {
            let i = sizes.binary_search(s).unwrap_or(0);
            out.extend_from_slice(&per_size[i]);
        }
        Ok(out)
    };
    let runs = run(ctx, n, width * groups.len(), &split)?;
    let tested = ctx.options.permutations > 0 && !runs.withheld;
    let groups = obs
        .iter()
        .enumerate()
        .map(|(g, o)| summarize(ctx, o, &|c| runs.column(g * width + c), tested))
        .collect();
    Ok(PooledOut {
        groups,
        failed: runs.tally.total(),
        reasons: runs.tally.reasons(),
        withheld: runs.withheld,
    })
}

/// What the omnibus run gives.
pub(super) struct OmnibusOut {
    /// Observed statistic per target.
    pub statistic: Vec<f64>,
    /// (p, permutations ok) per target.
    pub p: Vec<(f64, usize)>,
    pub failed: usize,
    pub reasons: Vec<(String, usize)>,
    pub withheld: bool,
}

/// `T = sum_g n_g (theta_g - theta_bar)^2 / sum_g n_g`, `theta_bar` the n-weighted mean.
fn dispersion(theta: &[f64], n: &[usize]) -> f64 {
    let nt: f64 = n.iter().map(|&v| v as f64).sum();
    let mean = theta.iter().zip(n).map(|(t, &k)| t * k as f64).sum::<f64>() / nt;
    theta
        .iter()
        .zip(n)
        .map(|(t, &k)| k as f64 * (t - mean).powi(2))
        .sum::<f64>()
        / nt
}

/// The omnibus permutation test across all groups.
pub(super) fn omnibus(ctx: &Context, groups: &[GroupFit]) -> Result<OmnibusOut> {
    let model = ctx.model;
    let tg = targets(model);
    let refs: Vec<&GroupFit> = groups.iter().collect();
    let pool = Pool::new(ctx.survey, &refs);
    let n = pool.n();
    let sizes = pool.sizes.clone();
    let statistic: Vec<f64> = tg
        .iter()
        .map(|t| {
            dispersion(
                &groups.iter().map(|g| t.value(g)).collect::<Vec<_>>(),
                &sizes,
            )
        })
        .collect();
    let split = |perm: &[usize]| -> Rep {
        let mut label = vec![0usize; n];
        let mut start = 0;
        for (g, &s) in sizes.iter().enumerate() {
            for &i in &perm[start..start + s] {
                label[i] = g;
            }
            start += s;
        }
        let mut fits = Vec::with_capacity(sizes.len());
        for g in 0..sizes.len() {
            let idx: Vec<usize> = (0..n).filter(|&i| label[i] == g).collect();
            fits.push(refit(model, ctx.options, &pool.survey, &idx).map_err(|e| classify(&e))?);
        }
        Ok(tg
            .iter()
            .map(|t| {
                dispersion(
                    &fits.iter().map(|f| target_value(t, f)).collect::<Vec<_>>(),
                    &sizes,
                )
            })
            .collect())
    };
    let runs = run(ctx, n, tg.len(), &split)?;
    let p = statistic
        .iter()
        .enumerate()
        .map(|(c, &t)| {
            if runs.withheld {
                return (f64::NAN, 0);
            }
            let vals = runs.column(c);
            if !t.is_finite() || vals.is_empty() {
                return (f64::NAN, vals.len());
            }
            let k = vals.iter().filter(|v| **v >= t - TIE * (1.0 + t)).count();
            ((1.0 + k as f64) / (vals.len() as f64 + 1.0), vals.len())
        })
        .collect();
    Ok(OmnibusOut {
        statistic,
        p,
        failed: runs.tally.total(),
        reasons: runs.tally.reasons(),
        withheld: runs.withheld,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffle_is_a_permutation_and_seeded() {
        let mut r1 = permutation_rng(5, 3);
        let mut r2 = permutation_rng(5, 3);
        let a = shuffled(50, &mut r1);
        let b = shuffled(50, &mut r2);
        assert_eq!(a, b);
        let mut s = a.clone();
        s.sort_unstable();
        assert_eq!(s, (0..50).collect::<Vec<_>>());
        let c = shuffled(50, &mut permutation_rng(5, 4));
        assert_ne!(a, c);
    }

    #[test]
    fn two_sided_p_counts_ties_and_the_observed_split() {
        let (p, ok) = p_two_sided(2.0, &[0.5, -2.0, 3.0, 1.0]);
        assert_eq!(ok, 4);
        assert!((p - 3.0 / 5.0).abs() < crate::tol::EXACT);
    }

    #[test]
    fn dispersion_of_equal_values_is_zero() {
        assert!(dispersion(&[3.0, 3.0, 3.0], &[10, 20, 30]).abs() < crate::tol::EXACT);
        // two groups of 10 at 0 and 2: mean 1, T = (10 + 10) / 20 = 1
        assert!((dispersion(&[0.0, 2.0], &[10, 10]) - 1.0).abs() < crate::tol::EXACT);
    }
}

#[cfg(test)]
mod identity {
    use super::*;
    use crate::compare::{compare, CompareOptions};
    use crate::simulate::{to_scale, Measurement, Population};
    use crate::spec::{ConstructSpec, Scale};

    /// The refit of the observed split is the group's own analysis, bit for bit, with
    /// missing answers (mean replacement within the group) and sampling weights: the
    /// permutation distribution and the observed statistic come from one procedure.
    #[test]
    fn refit_of_the_observed_split_is_the_group_fit() {
        let scale = Scale {
            min: 1.0,
            max: 10.0,
        };
        let model = Model::from_parts(
            "t",
            vec![
                ConstructSpec::new("A", &["a1", "a2", "a3"]),
                ConstructSpec::new("B", &["b1", "b2"]),
            ],
            &[("A", "B")],
        )
        .and_then(|m| m.with_scale(scale))
        .unwrap();
        let pop =
            Population::new(&model, &[("A", "B", 0.5)], Measurement::CommonFactor(0.8)).unwrap();
        let x = to_scale(
            &model,
            &pop.draw_continuous(&model, 90, 4).unwrap(),
            scale,
            6.0,
            1.6,
            &[],
            &[],
        );
        let mut s = Survey::from_matrix(model.items.iter().map(|i| i.name.clone()).collect(), x);
        s.x[(5, 1)] = f64::NAN;
        s.x[(50, 3)] = f64::NAN;
        s.weights = Some((0..90).map(|i| 0.5 + (i % 4) as f64 * 0.25).collect());
        s.extra.insert(
            "g".into(),
            (0..90)
                .map(|i| Some(["x", "y"][i % 2].to_string()))
                .collect(),
        );
        for missing in [
            crate::data::MissingPolicy::Mean,
            crate::data::MissingPolicy::Listwise,
        ] {
            let mut o = CompareOptions {
                permutations: 0,
                ..Default::default()
            };
            o.fit.missing = missing;
            let c = compare(&model, &s, "g", None, &o).unwrap();
            let pool = Pool::new(&s, &[&c.groups[0], &c.groups[1]]);
            let na = pool.sizes[0];
            let ia: Vec<usize> = (0..na).collect();
            let ib: Vec<usize> = (na..pool.n()).collect();
            for (g, idx) in [(&c.groups[0], ia), (&c.groups[1], ib)] {
                let r = refit(&model, &o, &pool.survey, &idx).unwrap();
                let obs = observed(g);
                assert!(r
                    .fit
                    .weights
                    .iter()
                    .zip(&obs.fit.weights)
                    .all(|(a, b)| a.to_bits() == b.to_bits()));
                assert!(r
                    .index
                    .iter()
                    .zip(&obs.index)
                    .all(|(a, b)| a.to_bits() == b.to_bits()));
                assert_eq!(
                    r.fit.paths[(0, 1)].to_bits(),
                    obs.fit.paths[(0, 1)].to_bits()
                );
            }
        }
    }
}
