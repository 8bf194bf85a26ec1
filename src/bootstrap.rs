//! Bootstrap inference: parallel, deterministic, and honest about failed resamples.
//!
//! * **Determinism.** Replicate `r` draws its resample from `ChaCha8Rng` seeded with
//!   the run's seed and switched to stream `r`: the draw depends only on
//!   `(seed, r)`. Replicates run in parallel (rayon) and are collected in replicate
//!   order, so the results are bit-identical on 1 and N threads.
//! * **Speed.** A resample is a vector of counts; its moments are one weighted pass
//!   over the rows (no n x p copy), and PLS then iterates on p x p matrices, warm
//!   started from the full-sample weights.
//! * **Sign indeterminacy.** Construct-level sign correction against the full-sample
//!   solution by default (Tenenhaus et al. 2005): construct j of a resample is flipped
//!   when `|Σ(λ - λ*)| > |Σ(λ + λ*)|` over its loadings. Individual-level: each weight,
//!   loading and path takes the sign of its full-sample value. `none`: no correction.
//! * **Failures.** A resample whose estimation fails (zero-variance item, singular
//!   block, non-convergence) is counted in [`BootstrapResult::failed`] with its reason
//!   and left out of the statistics; it never aborts the run.
//! * **Intervals.** Percentile (R quantile type 7), or BCa (Efron 1987): bias
//!   correction `z0 = Φ^-1(#{θ* < θ} / B)` and acceleration from a jackknife
//!   `a = Σ d³ / (6 (Σ d²)^1.5)`, `d = mean(θ_(.)) - θ_(i)`; the jackknife deletes one
//!   respondent for n <= 1000 and one of 1000 contiguous groups otherwise.
//! * **Tests.** `se` is the standard deviation of the successful replicates,
//!   `t = estimate / se`, `p` two-sided from Student's t with n - 1 df (SmartPLS).
//!
//! The default seed is [`DEFAULT_SEED`]; it is written into every output.

use crate::data::Complete;
use crate::error::{Error, Result};
use crate::estimate::pls::{self, PlsFit, PlsSettings};
use crate::moments::Moments;
use crate::spec::Model;
use nalgebra::DMatrix;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 42;

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
    /// Flag spelling.
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
                "--ci",
                format!("expected percentile or bca, got '{s}'"),
            )),
        }
    }
}

/// Sign-change correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignChange {
    /// Construct level (default).
    #[default]
    Construct,
    /// Individual level.
    Individual,
    /// No correction.
    None,
}

impl SignChange {
    /// Flag spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Construct => "construct",
            Self::Individual => "individual",
            Self::None => "none",
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
                "--sign-change",
                format!("expected construct, individual or none, got '{s}'"),
            )),
        }
    }
}

/// Bootstrap settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapOptions {
    /// Number of resamples (>= 2).
    pub resamples: usize,
    /// Seed. Defaults to [`DEFAULT_SEED`].
    pub seed: u64,
    /// Interval method. Defaults to percentile.
    pub ci: CiMethod,
    /// Confidence level in (0, 1). Defaults to 0.95.
    pub level: f64,
    /// Sign correction. Defaults to construct level.
    pub sign_change: SignChange,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions {
            resamples: 1000,
            seed: DEFAULT_SEED,
            ci: CiMethod::Percentile,
            level: 0.95,
            sign_change: SignChange::Construct,
        }
    }
}

impl BootstrapOptions {
    /// Check the options.
    ///
    /// # Errors
    /// Fewer than 2 resamples or a level outside (0, 1).
    pub fn check(&self) -> Result<()> {
        if self.resamples < 2 {
            return Err(Error::setting(
                "--bootstrap",
                format!("needs at least 2 resamples, got {}", self.resamples),
            ));
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(Error::setting(
                "--level",
                format!("must be between 0 and 1, got {}", self.level),
            ));
        }
        Ok(())
    }
}

/// Summary of one resampled statistic.
#[derive(Debug, Clone, PartialEq)]
pub struct BootStat {
    /// Key, e.g. `path:IMAG->EXPE` (see the `key_*` functions).
    pub key: String,
    /// Full-sample estimate.
    pub estimate: f64,
    /// Mean of the successful replicates.
    pub mean: f64,
    /// Bootstrap standard error.
    pub se: f64,
    /// Lower interval bound.
    pub ci_low: f64,
    /// Upper interval bound.
    pub ci_high: f64,
    /// estimate / se.
    pub t: f64,
    /// Two-sided p value.
    pub p: f64,
    /// Replicates with a defined value.
    pub n_ok: usize,
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
    /// One summary per statistic, in [`stat_keys`] order.
    pub stats: Vec<BootStat>,
    /// Replicate values, resamples x statistics (`NaN` for failed / undefined).
    pub replicates: DMatrix<f64>,
    lookup: HashMap<String, usize>,
}

impl BootstrapResult {
    /// The summary of a statistic by key.
    pub fn stat(&self, key: &str) -> Option<&BootStat> {
        self.lookup.get(key).and_then(|&i| self.stats.get(i))
    }
    /// Column of a statistic in [`BootstrapResult::replicates`].
    pub fn column(&self, key: &str) -> Option<usize> {
        self.lookup.get(key).copied()
    }
}

/// Key of a path coefficient.
pub fn key_path(m: &Model, from: usize, to: usize) -> String {
    format!(
        "path:{}->{}",
        m.constructs[from].name, m.constructs[to].name
    )
}
/// Key of an outer weight.
pub fn key_weight(m: &Model, k: usize) -> String {
    format!("weight:{}", m.items[k].name)
}
/// Key of a loading.
pub fn key_loading(m: &Model, k: usize) -> String {
    format!("loading:{}", m.items[k].name)
}
/// Key of a total effect.
pub fn key_total(m: &Model, from: usize, to: usize) -> String {
    format!(
        "total:{}->{}",
        m.constructs[from].name, m.constructs[to].name
    )
}
/// Key of an indirect effect.
pub fn key_indirect(m: &Model, from: usize, to: usize) -> String {
    format!(
        "indirect:{}->{}",
        m.constructs[from].name, m.constructs[to].name
    )
}
/// Key of an R².
pub fn key_r2(m: &Model, j: usize) -> String {
    format!("r2:{}", m.constructs[j].name)
}
/// Key of a 0-100 index.
pub fn key_index(m: &Model, j: usize) -> String {
    format!("index:{}", m.constructs[j].name)
}
/// Key of an HTMT ratio (i < j).
pub fn key_htmt(m: &Model, i: usize, j: usize) -> String {
    format!("htmt:{}|{}", m.constructs[i].name, m.constructs[j].name)
}

/// Which statistic a key stands for.
#[derive(Debug, Clone, Copy)]
enum Stat {
    Path(usize, usize),
    Weight(usize),
    Loading(usize),
    Total(usize, usize),
    Indirect(usize, usize),
    R2(usize),
    Index(usize),
    Htmt(usize, usize),
}

/// Reachability: `reach[(i, j)]` when a directed path leads from i to j.
fn reach(model: &Model) -> (Vec<Vec<bool>>, Vec<Vec<bool>>) {
    let q = model.n_constructs();
    let mut r = vec![vec![false; q]; q];
    for &(a, b) in &model.paths {
        r[a][b] = true;
    }
    // indirect: a path of length >= 2
    let mut ind = vec![vec![false; q]; q];
    for _ in 0..q {
        for a in 0..q {
            for &(x, y) in &model.paths {
                if r[a][x] && !ind[a][y] {
                    ind[a][y] = true;
                }
                if r[a][x] {
                    r[a][y] = true;
                }
            }
        }
    }
    (r, ind)
}

fn stat_list(model: &Model) -> Vec<(String, Stat)> {
    let q = model.n_constructs();
    let p = model.n_items();
    let mut v = Vec::new();
    for &(a, b) in &model.paths {
        v.push((key_path(model, a, b), Stat::Path(a, b)));
    }
    for k in 0..p {
        v.push((key_weight(model, k), Stat::Weight(k)));
    }
    for k in 0..p {
        v.push((key_loading(model, k), Stat::Loading(k)));
    }
    let (r, ind) = reach(model);
    for a in 0..q {
        for b in 0..q {
            if r[a][b] {
                v.push((key_total(model, a, b), Stat::Total(a, b)));
            }
        }
    }
    for a in 0..q {
        for b in 0..q {
            if ind[a][b] {
                v.push((key_indirect(model, a, b), Stat::Indirect(a, b)));
            }
        }
    }
    for j in 0..q {
        if model.is_endogenous(j) {
            v.push((key_r2(model, j), Stat::R2(j)));
        }
    }
    for j in 0..q {
        v.push((key_index(model, j), Stat::Index(j)));
    }
    for i in 0..q {
        for j in (i + 1)..q {
            v.push((key_htmt(model, i, j), Stat::Htmt(i, j)));
        }
    }
    v
}

/// The keys of every resampled statistic, in order.
pub fn stat_keys(model: &Model) -> Vec<String> {
    stat_list(model).into_iter().map(|(k, _)| k).collect()
}

/// The statistics of one solution, in [`stat_keys`] order.
fn statistics(
    model: &Model,
    list: &[(String, Stat)],
    fit: &PlsFit,
    cor: &DMatrix<f64>,
    out: &mut Vec<f64>,
) {
    out.clear();
    let mono = crate::quality::monotrait_means(model, cor);
    let idx_cache: Vec<Option<f64>> = crate::index::indices(model, fit)
        .into_iter()
        .map(|c| c.value)
        .collect();
    for (_, s) in list {
        let v = match *s {
            Stat::Path(a, b) => fit.paths[(a, b)],
            Stat::Weight(k) => fit.weights[k],
            Stat::Loading(k) => fit.loadings[k],
            Stat::Total(a, b) => fit.total[(a, b)],
            Stat::Indirect(a, b) => fit.total[(a, b)] - fit.paths[(a, b)],
            Stat::R2(j) => fit.r2[j].unwrap_or(f64::NAN),
            Stat::Index(j) => idx_cache[j].unwrap_or(f64::NAN),
            Stat::Htmt(i, j) => crate::quality::htmt_pair(model, cor, &mono, i, j),
        };
        out.push(v);
    }
}

/// Flip constructs of a resample solution so that it matches the full-sample signs.
fn sign_correct(model: &Model, full: &PlsFit, fit: &mut PlsFit, how: SignChange) -> Result<()> {
    match how {
        SignChange::None => Ok(()),
        SignChange::Construct => {
            let q = model.n_constructs();
            let mut flip = vec![false; q];
            for (j, c) in model.constructs.iter().enumerate() {
                let mut d = 0.0;
                let mut s = 0.0;
                for &k in &c.items {
                    d += full.loadings[k] - fit.loadings[k];
                    s += full.loadings[k] + fit.loadings[k];
                }
                flip[j] = d.abs() > s.abs();
            }
            if !flip.iter().any(|f| *f) {
                return Ok(());
            }
            for (j, c) in model.constructs.iter().enumerate() {
                if flip[j] {
                    for &k in &c.items {
                        fit.weights[k] = -fit.weights[k];
                        fit.loadings[k] = -fit.loadings[k];
                    }
                    for k in 0..model.n_items() {
                        fit.cross_loadings[(k, j)] = -fit.cross_loadings[(k, j)];
                    }
                }
            }
            for a in 0..q {
                for b in 0..q {
                    if a != b && flip[a] != flip[b] {
                        fit.lv_cor[(a, b)] = -fit.lv_cor[(a, b)];
                    }
                }
            }
            let inner = pls::inner_model(model, &fit.lv_cor, fit.n)?;
            fit.paths = inner.paths;
            fit.path_stats = inner.stats;
            fit.total = inner.total;
            Ok(())
        }
        SignChange::Individual => {
            let fix = |v: &mut f64, reference: f64| {
                if reference != 0.0 && v.signum() != reference.signum() {
                    *v = -*v;
                }
            };
            for k in 0..model.n_items() {
                fix(&mut fit.weights[k], full.weights[k]);
                fix(&mut fit.loadings[k], full.loadings[k]);
            }
            let q = model.n_constructs();
            for a in 0..q {
                for b in 0..q {
                    fix(&mut fit.paths[(a, b)], full.paths[(a, b)]);
                    fix(&mut fit.total[(a, b)], full.total[(a, b)]);
                }
            }
            Ok(())
        }
    }
}

/// The data of a resampling run: row-major centred answers and sampling weights, so
/// that the moments of any reweighting of the rows cost one pass and no copy.
pub struct ResampleData {
    n: usize,
    p: usize,
    /// (x_i - mean_full) row-major.
    d: Vec<f64>,
    /// sampling weights (1 without).
    w: Vec<f64>,
    means: Vec<f64>,
}

/// Scratch buffers of one worker thread.
pub struct Scratch {
    /// Counts of the current resample.
    pub counts: Vec<u32>,
    /// Stacked scaled rows, row-major (n x p, the first rows used).
    b: Vec<f64>,
    shift: Vec<f64>,
}

impl ResampleData {
    /// Prepare complete data for resampling.
    pub fn new(data: &Complete) -> ResampleData {
        let (n, p) = data.x.shape();
        let w: Vec<f64> = data.weights.clone().unwrap_or_else(|| vec![1.0; n]);
        let ws: f64 = w.iter().sum();
        let means: Vec<f64> = (0..p)
            .map(|j| (0..n).map(|i| w[i] * data.x[(i, j)]).sum::<f64>() / ws)
            .collect();
        let mut d = vec![0.0; n * p];
        for i in 0..n {
            for j in 0..p {
                d[i * p + j] = data.x[(i, j)] - means[j];
            }
        }
        ResampleData { n, p, d, w, means }
    }

    /// Number of respondents.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Fresh scratch buffers.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            counts: vec![0; self.n],
            b: vec![0.0; self.n * self.p],
            shift: vec![0.0; self.p],
        }
    }

    /// Moments of the resample in `scratch.counts` (respondent i counted `counts[i]`
    /// times, with its sampling weight).
    ///
    /// # Formula
    /// ```text
    /// d_i = x_i - mean_full;  W = Σ c_i w_i;  s = Σ c_i w_i d_i / W
    /// mean = mean_full + s;   C = B'B / W - s s',  B = rows sqrt(c_i w_i) d_i (c_i > 0)
    /// ```
    /// (B'B by a blocked matrix product; the rows drawn zero times are skipped.)
    pub fn moments(&self, scratch: &mut Scratch) -> Moments {
        let (n, p) = (self.n, self.p);
        let Scratch { counts, b, shift } = scratch;
        shift.iter_mut().for_each(|v| *v = 0.0);
        // rows with a positive count, scaled by sqrt(count * weight), stacked
        // row-major in b (m x p)
        let mut wsum = 0.0;
        let mut rows = 0usize;
        let mut m = 0usize;
        for i in 0..n {
            let c = counts[i];
            if c == 0 {
                continue;
            }
            rows += c as usize;
            let cw = c as f64 * self.w[i];
            wsum += cw;
            let sw = cw.sqrt();
            let row = &self.d[i * p..(i + 1) * p];
            let dst = &mut b[m * p..(m + 1) * p];
            for a in 0..p {
                shift[a] += cw * row[a];
                dst[a] = sw * row[a];
            }
            m += 1;
        }
        if wsum > 0.0 {
            for v in shift.iter_mut() {
                *v /= wsum;
            }
        }
        let mut cov = DMatrix::<f64>::zeros(p, p);
        let used = &b[..m * p];
        // C = B'B / W. The same row-major buffer is read as B' (p x m: row stride 1,
        // column stride p) and as B (m x p: row stride p, column stride 1); C is
        // nalgebra's column-major p x p (row stride 1, column stride p).
        // SAFETY: `used` holds m*p initialised f64, `cov` p*p; every index the
        // strides address lies inside them, and the two buffers do not overlap.
        unsafe {
            matrixmultiply::dgemm(
                p,
                m,
                p,
                1.0 / wsum,
                used.as_ptr(),
                1,
                p as isize,
                used.as_ptr(),
                p as isize,
                1,
                0.0,
                cov.as_mut_slice().as_mut_ptr(),
                1,
                p as isize,
            );
        }
        for a in 0..p {
            for c in 0..p {
                cov[(a, c)] -= shift[a] * shift[c];
            }
        }
        let means = self
            .means
            .iter()
            .zip(shift.iter())
            .map(|(m, s)| m + s)
            .collect();
        Moments {
            n: rows,
            weight_sum: wsum,
            means,
            cov,
        }
    }
}

/// Replicate `r`'s resample: n draws with replacement from stream `r` of
/// `ChaCha8Rng::seed_from_u64(seed)`, as counts per respondent.
pub fn draw_counts(seed: u64, r: usize, counts: &mut [u32]) {
    let n = counts.len();
    counts.iter_mut().for_each(|c| *c = 0);
    if n == 0 {
        return;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(r as u64);
    for _ in 0..n {
        let i = rng.random_range(0..n);
        counts[i] += 1;
    }
}

/// Why a resample failed.
fn classify(e: &Error) -> String {
    let s = e.to_string();
    if s.contains("zero variance") {
        "an item has zero variance in the resample".into()
    } else if s.contains("collinear") {
        "singular matrix (perfectly collinear items or constructs)".into()
    } else {
        s
    }
}

/// Hooks for progress and cancellation (the library never prints).
pub struct Hooks<'a> {
    /// Called with the number of finished replicates (from worker threads).
    pub progress: &'a (dyn Fn(usize) + Sync),
    /// Set to stop the run; the run then returns [`Error::Interrupted`].
    pub cancel: &'a AtomicBool,
}

/// Run the bootstrap of a PLS analysis.
///
/// `full` is the full-sample solution (the reference for sign correction and the
/// estimate the intervals are about).
///
/// # Errors
/// Invalid options; [`Error::Interrupted`] when cancelled. Failed resamples are not
/// errors.
///
/// # Example
/// ```
/// use csi::analysis::{analyze, FitOptions};
/// use csi::bootstrap::{run, BootstrapOptions};
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
/// let path = b.stat("path:QUAL->SAT").unwrap();
/// assert!(path.ci_low < path.estimate && path.estimate < path.ci_high);
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
    opts.check()?;
    let list = stat_list(model);
    // the resampling copy of the data also gives the full-sample moments (every
    // respondent counted once), so the data are not passed over a second time
    let prep = ResampleData::new(data);
    let mut all = prep.scratch();
    all.counts.iter_mut().for_each(|c| *c = 1);
    let full_mom = prep.moments(&mut all);
    drop(all);
    let mut est = Vec::new();
    statistics(model, &list, full, &full_mom.correlation(), &mut est);
    let keys: Vec<String> = list.iter().map(|(k, _)| k.clone()).collect();
    let sign = opts.sign_change;
    let stat = |m: &Moments, jackknife: bool| -> std::result::Result<Vec<f64>, String> {
        match pls::estimate_resample(model, m, settings, Some(&full.weights)) {
            Ok(mut fit) if fit.converged || jackknife => {
                let how = if jackknife {
                    SignChange::Construct
                } else {
                    sign
                };
                sign_correct(model, full, &mut fit, how).map_err(|e| classify(&e))?;
                let mut out = Vec::with_capacity(list.len());
                statistics(model, &list, &fit, &m.correlation(), &mut out);
                Ok(out)
            }
            Ok(fit) => Err(format!("not converged in {} iterations", fit.iterations)),
            Err(e) => Err(classify(&e)),
        }
    };
    resample_prepared(&prep, opts, keys, est, hooks, &stat)
}

/// Keys of the statistics resampled for PLSc and CB-SEM: paths, loadings, total
/// effects (reachable pairs) and R².
fn structural_keys(model: &Model) -> (Vec<String>, Vec<Stat>) {
    let list: Vec<(String, Stat)> = stat_list(model)
        .into_iter()
        .filter(|(_, s)| {
            matches!(
                s,
                Stat::Path(..) | Stat::Loading(_) | Stat::Total(..) | Stat::R2(_)
            )
        })
        .collect();
    list.into_iter().unzip()
}

fn pick(
    stats: &[Stat],
    paths: &DMatrix<f64>,
    loadings: &[f64],
    total: &DMatrix<f64>,
    r2: &[Option<f64>],
) -> Vec<f64> {
    stats
        .iter()
        .map(|s| match *s {
            Stat::Path(a, b) => paths[(a, b)],
            Stat::Loading(k) => loadings[k],
            Stat::Total(a, b) => total[(a, b)],
            Stat::R2(j) => r2[j].unwrap_or(f64::NAN),
            _ => f64::NAN,
        })
        .collect()
}

/// Bootstrap of consistent PLS: each resample is estimated by PLS (warm start,
/// sign-corrected against the full sample), then corrected. A resample whose PLSc
/// solution is inadmissible (see [`crate::estimate::admissibility`]) is counted as
/// failed with the reason, as are estimation failures.
///
/// # Errors
/// Invalid options; [`Error::Interrupted`].
pub fn run_plsc(
    model: &Model,
    data: &Complete,
    settings: &PlsSettings,
    full: &PlsFit,
    full_plsc: &crate::estimate::plsc::PlscFit,
    opts: &BootstrapOptions,
    hooks: Option<&Hooks>,
) -> Result<BootstrapResult> {
    let (keys, stats) = structural_keys(model);
    let est = pick(
        &stats,
        &full_plsc.paths,
        &full_plsc.loadings,
        &full_plsc.total,
        &full_plsc.r2,
    );
    let sign = opts.sign_change;
    let stat = |m: &Moments, jackknife: bool| -> std::result::Result<Vec<f64>, String> {
        let mut fit = pls::estimate_resample(model, m, settings, Some(&full.weights))
            .map_err(|e| classify(&e))?;
        if !fit.converged && !jackknife {
            return Err(format!("not converged in {} iterations", fit.iterations));
        }
        sign_correct(
            model,
            full,
            &mut fit,
            if jackknife {
                SignChange::Construct
            } else {
                sign
            },
        )
        .map_err(|e| classify(&e))?;
        let c = crate::estimate::plsc::correct(model, m, &fit).map_err(|e| classify(&e))?;
        if !c.is_admissible() && !jackknife {
            let why = c
                .diagnostics
                .iter()
                .find(|d| d.severity == crate::estimate::admissibility::Severity::Inadmissible)
                .map(|d| format!("{:?}", d.kind))
                .unwrap_or_default();
            return Err(format!("inadmissible PLSc solution ({why})"));
        }
        Ok(pick(&stats, &c.paths, &c.loadings, &c.total, &c.r2))
    };
    resample(data, opts, keys, est, hooks, &stat)
}

/// Bootstrap of CB-SEM (ML): each resample is fitted warm-started from the
/// full-sample parameters; standardized paths, loadings, total effects and R² are
/// resampled. Non-converged and inadmissible resamples are counted as failed.
///
/// # Errors
/// Invalid options; [`Error::Interrupted`].
pub fn run_cbsem(
    model: &Model,
    data: &Complete,
    settings: &crate::estimate::cbsem::CbsemSettings,
    full: &crate::estimate::cbsem::CbsemFit,
    opts: &BootstrapOptions,
    hooks: Option<&Hooks>,
) -> Result<BootstrapResult> {
    let (keys, stats) = structural_keys(model);
    let est = pick(
        &stats,
        &full.std_paths,
        &full.std_loadings,
        &full.std_total,
        &full.r2,
    );
    let stat = |m: &Moments, _jackknife: bool| -> std::result::Result<Vec<f64>, String> {
        let f = crate::estimate::cbsem::estimate_from(model, m, settings, Some(&full.params))
            .map_err(|e| classify(&e))?;
        if !f.converged {
            return Err("CB-SEM did not converge".into());
        }
        if !f.is_admissible() {
            let why = f
                .diagnostics
                .iter()
                .find(|d| d.severity == crate::estimate::admissibility::Severity::Inadmissible)
                .map(|d| format!("{:?}", d.kind))
                .unwrap_or_default();
            return Err(format!("inadmissible CB-SEM solution ({why})"));
        }
        Ok(pick(
            &stats,
            &f.std_paths,
            &f.std_loadings,
            &f.std_total,
            &f.r2,
        ))
    };
    resample(data, opts, keys, est, hooks, &stat)
}

/// The resampling engine behind [`run`], for any statistic computed from moments:
/// `stat(moments, jackknife)` returns the statistics of one resample (in `keys`
/// order) or the reason it failed. `estimates` are the full-sample values.
///
/// # Errors
/// Invalid options; [`Error::Interrupted`] when cancelled.
pub fn resample<F>(
    data: &Complete,
    opts: &BootstrapOptions,
    keys: Vec<String>,
    estimates: Vec<f64>,
    hooks: Option<&Hooks>,
    stat: &F,
) -> Result<BootstrapResult>
where
    F: Fn(&Moments, bool) -> std::result::Result<Vec<f64>, String> + Sync,
{
    opts.check()?;
    resample_prepared(&ResampleData::new(data), opts, keys, estimates, hooks, stat)
}

fn resample_prepared<F>(
    prep: &ResampleData,
    opts: &BootstrapOptions,
    keys: Vec<String>,
    estimates: Vec<f64>,
    hooks: Option<&Hooks>,
    stat: &F,
) -> Result<BootstrapResult>
where
    F: Fn(&Moments, bool) -> std::result::Result<Vec<f64>, String> + Sync,
{
    let n = prep.n;
    let done = AtomicUsize::new(0);
    let cancelled = AtomicBool::new(false);
    type Rep = std::result::Result<Vec<f64>, String>;
    let reps: Vec<Rep> = (0..opts.resamples)
        .into_par_iter()
        .map_init(
            || prep.scratch(),
            |scratch, r| -> Rep {
                if let Some(h) = hooks {
                    if h.cancel.load(Ordering::Relaxed) {
                        cancelled.store(true, Ordering::Relaxed);
                        return Err("cancelled".into());
                    }
                }
                draw_counts(opts.seed, r, &mut scratch.counts);
                let m = prep.moments(scratch);
                let out = stat(&m, false);
                if let Some(h) = hooks {
                    let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                    (h.progress)(d);
                }
                out
            },
        )
        .collect();
    if cancelled.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    let s = keys.len();
    let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
    let mut replicates = DMatrix::from_element(opts.resamples, s, f64::NAN);
    for (r, rep) in reps.iter().enumerate() {
        match rep {
            Ok(v) => {
                for (c, x) in v.iter().enumerate().take(s) {
                    replicates[(r, c)] = *x;
                }
            }
            Err(why) => *reasons.entry(why.clone()).or_default() += 1,
        }
    }
    let failed = reasons.values().sum();
    let jack = if opts.ci == CiMethod::Bca {
        Some(jackknife(prep, s, stat))
    } else {
        None
    };
    let tdist = StudentsT::new(0.0, 1.0, (n.max(2) - 1) as f64).ok();
    let mut stats = Vec::with_capacity(s);
    for (c, key) in keys.iter().enumerate() {
        let mut vals: Vec<f64> = replicates
            .column(c)
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        let theta = estimates.get(c).copied().unwrap_or(f64::NAN);
        let n_ok = vals.len();
        let (mean, se) = mean_sd(&vals);
        vals.sort_by(|a, b| a.total_cmp(b));
        let alpha = 1.0 - opts.level;
        let (lo, hi) = if n_ok < 2 || !theta.is_finite() {
            (f64::NAN, f64::NAN)
        } else {
            match (&jack, opts.ci) {
                (Some(j), CiMethod::Bca) => bca(
                    &vals,
                    theta,
                    &j.column(c).iter().copied().collect::<Vec<_>>(),
                    alpha,
                ),
                _ => (
                    quantile(&vals, alpha / 2.0),
                    quantile(&vals, 1.0 - alpha / 2.0),
                ),
            }
        };
        let t = theta / se;
        let pv = match (&tdist, t.is_finite()) {
            (Some(d), true) => 2.0 * d.sf(t.abs()),
            _ => f64::NAN,
        };
        stats.push(BootStat {
            key: key.clone(),
            estimate: theta,
            mean,
            se,
            ci_low: lo,
            ci_high: hi,
            t,
            p: pv,
            n_ok,
        });
    }
    let lookup = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.clone(), i))
        .collect();
    Ok(BootstrapResult {
        resamples: opts.resamples,
        seed: opts.seed,
        ci: opts.ci,
        level: opts.level,
        sign_change: opts.sign_change,
        failed,
        failure_reasons: reasons.into_iter().collect(),
        stats,
        replicates,
        lookup,
    })
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let m = v.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (m, f64::NAN);
    }
    let ss: f64 = v.iter().map(|x| (x - m) * (x - m)).sum();
    (m, (ss / (n as f64 - 1.0)).sqrt())
}

/// R's quantile type 7 of sorted values.
pub fn quantile(sorted: &[f64], prob: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n as f64 - 1.0) * prob.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// BCa interval from sorted replicates, the estimate and jackknife values.
fn bca(sorted: &[f64], theta: f64, jack: &[f64], alpha: f64) -> (f64, f64) {
    let Ok(norm) = Normal::new(0.0, 1.0) else {
        return (f64::NAN, f64::NAN);
    };
    let b = sorted.len() as f64;
    let below = sorted.iter().filter(|v| **v < theta).count() as f64;
    let equal = sorted.iter().filter(|v| **v == theta).count() as f64;
    let prop = ((below + 0.5 * equal) / b).clamp(0.5 / b, 1.0 - 0.5 / b);
    let z0 = norm.inverse_cdf(prop);
    let jv: Vec<f64> = jack.iter().copied().filter(|v| v.is_finite()).collect();
    let a = if jv.len() > 2 {
        let jm = jv.iter().sum::<f64>() / jv.len() as f64;
        let num: f64 = jv.iter().map(|x| (jm - x).powi(3)).sum();
        let den: f64 = jv.iter().map(|x| (jm - x).powi(2)).sum();
        if den > 0.0 {
            num / (6.0 * den.powf(1.5))
        } else {
            0.0
        }
    } else {
        0.0
    };
    let adj = |z: f64| {
        let zz = z0 + z;
        norm.cdf(z0 + zz / (1.0 - a * zz))
    };
    let lo = adj(norm.inverse_cdf(alpha / 2.0));
    let hi = adj(norm.inverse_cdf(1.0 - alpha / 2.0));
    (quantile(sorted, lo), quantile(sorted, hi))
}

/// Jackknife values (rows = deleted units) of every statistic: one respondent deleted
/// for n <= 1000, otherwise one of 1000 contiguous groups.
fn jackknife<F>(prep: &ResampleData, width: usize, stat: &F) -> DMatrix<f64>
where
    F: Fn(&Moments, bool) -> std::result::Result<Vec<f64>, String> + Sync,
{
    let n = prep.n;
    let groups = if n <= 1000 { n } else { 1000 };
    let rows: Vec<Vec<f64>> = (0..groups)
        .into_par_iter()
        .map_init(
            || prep.scratch(),
            |scratch, g| {
                scratch.counts.iter_mut().for_each(|c| *c = 1);
                let lo = g * n / groups;
                let hi = (g + 1) * n / groups;
                for c in &mut scratch.counts[lo..hi] {
                    *c = 0;
                }
                let m = prep.moments(scratch);
                stat(&m, true).unwrap_or_else(|_| vec![f64::NAN; width])
            },
        )
        .collect();
    DMatrix::from_fn(groups, width, |r, c| {
        rows[r].get(c).copied().unwrap_or(f64::NAN)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_type7_matches_hand_values() {
        // R: quantile(c(1,2,3,4), c(0.25, 0.5, 0.9)) = 1.75, 2.5, 3.7
        let v = [1.0, 2.0, 3.0, 4.0];
        assert!((quantile(&v, 0.25) - 1.75).abs() < crate::tol::EXACT);
        assert!((quantile(&v, 0.5) - 2.5).abs() < crate::tol::EXACT);
        assert!((quantile(&v, 0.9) - 3.7).abs() < crate::tol::EXACT);
    }
}
