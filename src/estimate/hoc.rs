//! Higher-order constructs: the disjoint and embedded two-stage approaches and
//! repeated indicators (Becker, Klein & Wetzels 2012; Sarstedt, Hair, Cheah, Becker &
//! Ringle 2019; seminr `higher_composite`).
//!
//! A higher-order construct (HOC, e.g. perceived quality) is built from first-order
//! constructs, its *dimensions* (crew, cabin, catering, ...): model-file key
//! `dimensions`, lavaan `QUAL =~ CREW + CABIN`. In the checked [`Model`] the HOC has no
//! items of its own, and every dimension has a path to it. The estimation is chosen by
//! [`HocMethod`] (`hoc_method`; every HOC of a model uses the same method):
//!
//! * **two-stage** (default, disjoint): stage 1 is PLS on the first-order model in
//!   which the dimensions take the HOC's place in the structural model (a path
//!   `QUAL -> SAT` becomes `CREW -> SAT`, `CABIN -> SAT`, ...); stage 2 is PLS on the
//!   model in which the HOC is measured by its dimensions' stage-1 scores (the
//!   dimensions are no constructs of stage 2).
//! * **embedded**: stage 1 is the repeated-indicators model; stage 2 as above.
//! * **repeated**: one stage: the HOC is measured by all items of its dimensions
//!   (repeated), and the dimensions point to it.
//!
//! The stages are formed in moment space (a stage-1 score is a weighted sum of items,
//! so its covariances follow from the item covariances), so a bootstrap resample
//! re-runs the whole procedure ([`fit_resample`]) with each stage warm-started from and
//! sign-aligned to the full-sample stage.
//!
//! # The combined solution
//! The result is one [`PlsFit`] of the user's model: the items of a dimension carry
//! their stage-1 weights and loadings, the other constructs' items their stage-2
//! (two-stage) or only-stage (repeated) values. Every construct score is a weighted sum
//! of the items, the HOC's through its dimensions:
//! `HOC = sum_d v_d * score_d = sum_d sum_(k in d) v_d w_k x_k`, with `v_d` the stage-2
//! outer weight of dimension d (on standardized scores) and `w_k` the stage-1 weight of
//! item k. These *total weights* ([`PlsFit::block`]) give the construct correlations,
//! cross-loadings and the structural model by OLS on the scores, as for any
//! construct. In the two-stage approaches the HOC score is an exact weighted sum of
//! its dimensions' scores, so the path `dimension -> HOC` equals `v_d` (R² = 1; its OLS
//! standard error is undefined and reported as null); with repeated indicators it is
//! the regression of the HOC score on the dimension scores.
//!
//! # The 0-100 index of a HOC
//! The Fornell recipe applied to the HOC's total item weights: `u_k = v_d w_k / sd_k`
//! normalised to sum 1 over all items of all dimensions, applied to the item means
//! rescaled to 0-100. Equivalently, the dimensions' indices weighted by
//! `v_d S_d / sum_e v_e S_e`, where `S_d = sum_(k in d) w_k / sd_k` is the dimension's
//! sum of unstandardized weights: a dimension counts by its weight in the HOC and by
//! the scale of its items. The IPMA uses the same total weights (the importance of a
//! dimension is its total effect through the HOC).
//!
//! # Example
//! ```
//! use csi::spec::{ConstructSpec, Model, Scale};
//! use csi::simulate::{Measurement, Population};
//! let first = Model::from_parts("toy",
//!     vec![ConstructSpec::new("A", &["a1", "a2"]), ConstructSpec::new("B", &["b1", "b2"]),
//!          ConstructSpec::new("S", &["s1", "s2"])],
//!     &[("A", "S"), ("B", "S")])?;
//! let pop = Population::new(&first, &[("A", "S", 0.4), ("B", "S", 0.3)], Measurement::CommonFactor(0.8))?;
//! let z = pop.draw_continuous(&first, 500, 1)?;
//! let m = csi::moments::Moments::from_data(&z, None)?;
//! let hoc = Model::from_parts("toy",
//!     vec![ConstructSpec::new("A", &["a1", "a2"]), ConstructSpec::new("B", &["b1", "b2"]),
//!          ConstructSpec::higher("Q", &["A", "B"]), ConstructSpec::new("S", &["s1", "s2"])],
//!     &[("Q", "S")])?;
//! let fit = csi::estimate::pls::estimate(&hoc, &m, &Default::default())?;
//! assert!(fit.converged);
//! assert!(fit.path(2, 3).unwrap() > 0.3); // Q -> S
//! assert_eq!(fit.block(&hoc, 2).len(), 4); // Q's total weights: a1, a2, b1, b2
//! # Ok::<(), csi::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::estimate::pls::{self, PlsFit, PlsSettings};
use crate::estimate::{FitError, Resample, SignChange};
use crate::moments::Moments;
use crate::spec::{ConstructSpec, HocMethod, Model};
use nalgebra::DMatrix;

/// The stages behind a combined higher-order solution ([`PlsFit::higher`]).
#[derive(Debug, Clone)]
pub struct HocDetail {
    /// The estimation method.
    pub method: HocMethod,
    /// Stage 1: the first-order model (two-stage) or the repeated-indicators model
    /// (embedded, repeated).
    pub stage1_model: Model,
    /// Stage-1 item `i` is a copy of item `source1[i]` of the user's model.
    pub source1: Vec<usize>,
    /// Stage-1 construct `i` is construct `cons1[i]` of the user's model.
    pub cons1: Vec<usize>,
    /// The stage-1 solution.
    pub stage1: PlsFit,
    /// Stage 2 (two-stage approaches): the model with the HOCs measured by their
    /// dimensions' scores.
    pub stage2_model: Option<Model>,
    /// Stage-2 construct `i` is construct `cons2[i]` of the user's model.
    pub cons2: Vec<usize>,
    /// The stage-2 solution.
    pub stage2: Option<PlsFit>,
    /// Total weights of every construct on the treated items of the user's model:
    /// `blocks[j] = [(item, weight)]`, the construct's score being the weighted sum.
    pub blocks: Vec<Vec<(usize, f64)>>,
}

/// The estimation method of a model's HOCs.
///
/// # Errors
/// A setting error when the HOCs of one model name different methods.
pub fn method_of(model: &Model) -> Result<HocMethod> {
    let mut it = model.constructs.iter().filter(|c| c.is_higher_order());
    let Some(first) = it.next() else {
        return Ok(HocMethod::TwoStage);
    };
    if let Some(other) = it.find(|c| c.hoc_method != first.hoc_method) {
        return Err(Error::setting(
            "hoc_method",
            format!(
                "higher-order constructs '{}' ({}) and '{}' ({}) use different methods; use one method for every higher-order construct of a model",
                first.name,
                first.hoc_method.as_str(),
                other.name,
                other.hoc_method.as_str()
            ),
        ));
    }
    Ok(first.hoc_method)
}

fn item_names(model: &Model, j: usize) -> Vec<String> {
    model.constructs[j]
        .items
        .iter()
        .map(|&k| model.items[k].name.clone())
        .collect()
}

fn declared_paths(model: &Model) -> Vec<(usize, usize)> {
    model
        .paths
        .iter()
        .copied()
        .filter(|&(a, b)| !model.constructs[b].dimensions.contains(&a))
        .collect()
}

fn build(name: &str, specs: Vec<ConstructSpec>, paths: Vec<(String, String)>) -> Result<Model> {
    Model::build(name, specs, &paths).map_err(|i| {
        Error::model(
            "<higher-order stage>",
            None,
            None,
            format!("the stage model cannot be built: {i}"),
        )
    })
}

/// Stage 1 of the disjoint approach: the first-order constructs, with the dimensions
/// in the HOCs' places. Its items are the user model's items in the same order.
fn disjoint_stage1(model: &Model) -> Result<(Model, Vec<usize>)> {
    let cons: Vec<usize> = (0..model.n_constructs())
        .filter(|&j| !model.constructs[j].is_higher_order())
        .collect();
    let specs = cons
        .iter()
        .map(|&j| {
            let c = &model.constructs[j];
            ConstructSpec {
                name: c.name.clone(),
                label: None,
                items: item_names(model, j),
                mode: c.mode,
                ..Default::default()
            }
        })
        .collect();
    let expand = |j: usize| -> Vec<usize> {
        let c = &model.constructs[j];
        if c.is_higher_order() {
            c.dimensions.clone()
        } else {
            vec![j]
        }
    };
    let mut paths: Vec<(String, String)> = Vec::new();
    for (a, b) in declared_paths(model) {
        for x in expand(a) {
            for y in expand(b) {
                let p = (
                    model.constructs[x].name.clone(),
                    model.constructs[y].name.clone(),
                );
                if !paths.contains(&p) {
                    paths.push(p);
                }
            }
        }
    }
    Ok((build(&model.name, specs, paths)?, cons))
}

/// The repeated-indicators model: every construct of the user's model, each HOC
/// measured by copies of its dimensions' items (named `item@HOC`).
fn repeated_model(model: &Model) -> Result<(Model, Vec<usize>, Vec<usize>)> {
    let mut source = Vec::new();
    let mut specs = Vec::new();
    for (j, c) in model.constructs.iter().enumerate() {
        let mut items = Vec::new();
        if c.is_higher_order() {
            for &d in &c.dimensions {
                for &k in &model.constructs[d].items {
                    items.push(format!("{}@{}", model.items[k].name, c.name));
                    source.push(k);
                }
            }
        } else {
            items = item_names(model, j);
            source.extend(c.items.iter().copied());
        }
        specs.push(ConstructSpec {
            name: c.name.clone(),
            label: None,
            items,
            mode: c.mode,
            ..Default::default()
        });
    }
    let paths = model.path_names();
    let cons = (0..model.n_constructs()).collect();
    Ok((build(&model.name, specs, paths)?, source, cons))
}

/// Stage 2: the constructs that are no dimension; each HOC measured by its
/// dimensions' scores (items named `score:DIM`).
fn stage2_model(model: &Model) -> Result<(Model, Vec<usize>)> {
    let cons: Vec<usize> = (0..model.n_constructs())
        .filter(|&j| model.higher_of(j).is_none())
        .collect();
    let specs = cons
        .iter()
        .map(|&j| {
            let c = &model.constructs[j];
            let items = if c.is_higher_order() {
                c.dimensions
                    .iter()
                    .map(|&d| format!("score:{}", model.constructs[d].name))
                    .collect()
            } else {
                item_names(model, j)
            };
            ConstructSpec {
                name: c.name.clone(),
                label: None,
                items,
                mode: c.mode,
                ..Default::default()
            }
        })
        .collect();
    let paths = declared_paths(model)
        .into_iter()
        .map(|(a, b)| {
            (
                model.constructs[a].name.clone(),
                model.constructs[b].name.clone(),
            )
        })
        .collect();
    Ok((build(&model.name, specs, paths)?, cons))
}

/// Moments of copies of items: variable `i` is item `source[i]`.
fn copy_moments(m: &Moments, source: &[usize]) -> Moments {
    let p = source.len();
    Moments {
        n: m.n,
        weight_sum: m.weight_sum,
        means: source.iter().map(|&k| m.means[k]).collect(),
        cov: DMatrix::from_fn(p, p, |a, b| m.cov[(source[a], source[b])]),
    }
}

/// Each dimension's score as raw weights on the user model's items: `(d, [(k, w)])`
/// with `score_d = sum w (x_k - mean_k)`.
fn dimension_scores(
    model: &Model,
    stage1_model: &Model,
    source1: &[usize],
    cons1: &[usize],
    fit1: &PlsFit,
) -> Vec<(usize, Vec<(usize, f64)>)> {
    let mut out = Vec::new();
    for (i, &j) in cons1.iter().enumerate() {
        if model.higher_of(j).is_none() {
            continue;
        }
        let w = stage1_model.constructs[i]
            .items
            .iter()
            .map(|&r| (source1[r], fit1.weights[r] / fit1.treat_scale[r]))
            .collect();
        out.push((j, w));
    }
    out
}

/// Moments of the stage-2 variables: the real items of the stage-2 model and the
/// dimension scores (mean 0).
fn stage2_moments(
    model: &Model,
    m2_model: &Model,
    scores: &[(usize, Vec<(usize, f64)>)],
    m: &Moments,
) -> Moments {
    let p = model.n_items();
    let p2 = m2_model.n_items();
    let mut t = DMatrix::zeros(p, p2);
    let mut means = vec![0.0; p2];
    for (r, it) in m2_model.items.iter().enumerate() {
        if let Some(d) = it
            .name
            .strip_prefix("score:")
            .and_then(|n| scores.iter().find(|(d, _)| model.constructs[*d].name == n))
        {
            for &(k, w) in &d.1 {
                t[(k, r)] = w;
            }
        } else if let Some(k) = model.item_index(&it.name) {
            t[(k, r)] = 1.0;
            means[r] = m.means[k];
        }
    }
    let cov = t.transpose() * &m.cov * &t;
    Moments {
        n: m.n,
        weight_sum: m.weight_sum,
        means,
        cov,
    }
}

/// The stages of one estimation.
struct Stages {
    stage1_model: Model,
    source1: Vec<usize>,
    cons1: Vec<usize>,
    stage2_model: Option<Model>,
    cons2: Vec<usize>,
}

fn stages(model: &Model, method: HocMethod) -> Result<Stages> {
    let (stage1_model, source1, cons1) = match method {
        HocMethod::TwoStage => {
            let (m1, cons) = disjoint_stage1(model)?;
            let src = (0..model.n_items()).collect();
            (m1, src, cons)
        }
        HocMethod::Embedded | HocMethod::Repeated => repeated_model(model)?,
    };
    let (stage2_model, cons2) = match method {
        HocMethod::Repeated => (None, Vec::new()),
        _ => {
            let (m2, c2) = stage2_model(model)?;
            (Some(m2), c2)
        }
    };
    Ok(Stages {
        stage1_model,
        source1,
        cons1,
        stage2_model,
        cons2,
    })
}

/// Estimate a model with higher-order constructs (called by [`pls::estimate`] for
/// such models).
///
/// # Errors
/// As [`pls::estimate`], for either stage; mixed methods ([`method_of`]).
pub(crate) fn estimate(
    model: &Model,
    m: &Moments,
    settings: &PlsSettings,
    pvalues: bool,
) -> Result<PlsFit> {
    let method = method_of(model)?;
    let st = stages(model, method)?;
    let m1 = copy_moments(m, &st.source1);
    let fit1 = pls::estimate_stage(&st.stage1_model, &m1, settings, None, pvalues)?;
    let fit2 = match &st.stage2_model {
        Some(m2_model) => {
            let scores = dimension_scores(model, &st.stage1_model, &st.source1, &st.cons1, &fit1);
            let m2 = stage2_moments(model, m2_model, &scores, m);
            Some(pls::estimate_stage(m2_model, &m2, settings, None, pvalues)?)
        }
        None => None,
    };
    combine(model, m, settings, method, st, fit1, fit2, pvalues)
}

/// Fit one bootstrap resample of a higher-order model: each stage warm-started from
/// and sign-aligned to the full-sample stage (`full.higher`).
///
/// # Errors
/// As [`crate::estimate::Estimator::fit_resample`].
pub(crate) fn fit_resample(
    model: &Model,
    m: &Moments,
    settings: &PlsSettings,
    full: &PlsFit,
    how: Resample,
) -> Result<PlsFit> {
    let Some(d) = full.higher.as_deref() else {
        return estimate(model, m, settings, false);
    };
    let sign = if how.jackknife {
        SignChange::Construct
    } else {
        how.sign
    };
    let stage_sign = match sign {
        SignChange::Individual => SignChange::Construct,
        s => s,
    };
    let one = |sm: &Model, mm: &Moments, f: &PlsFit| -> Result<PlsFit> {
        let mut fit = pls::estimate_stage(sm, mm, settings, Some(&f.weights), false)?;
        if !fit.converged && !how.jackknife {
            return Err(FitError::NotConverged {
                estimator: crate::estimate::EstimatorKind::Pls,
                iterations: fit.iterations,
            }
            .into());
        }
        pls::align(sm, f, &mut fit, stage_sign)?;
        Ok(fit)
    };
    let m1 = copy_moments(m, &d.source1);
    let fit1 = one(&d.stage1_model, &m1, &d.stage1)?;
    let fit2 = match (&d.stage2_model, &d.stage2) {
        (Some(m2_model), Some(f2)) => {
            let scores = dimension_scores(model, &d.stage1_model, &d.source1, &d.cons1, &fit1);
            let m2 = stage2_moments(model, m2_model, &scores, m);
            Some(one(m2_model, &m2, f2)?)
        }
        _ => None,
    };
    let st = Stages {
        stage1_model: d.stage1_model.clone(),
        source1: d.source1.clone(),
        cons1: d.cons1.clone(),
        stage2_model: d.stage2_model.clone(),
        cons2: d.cons2.clone(),
    };
    let mut fit = combine(model, m, settings, d.method, st, fit1, fit2, false)?;
    if sign == SignChange::Individual {
        pls::align(model, full, &mut fit, SignChange::Individual)?;
    }
    Ok(fit)
}

/// The combined solution of the user's model from the stages.
#[allow(clippy::too_many_arguments)]
fn combine(
    model: &Model,
    m: &Moments,
    settings: &PlsSettings,
    method: HocMethod,
    st: Stages,
    fit1: PlsFit,
    fit2: Option<PlsFit>,
    pvalues: bool,
) -> Result<PlsFit> {
    let blocks = combined_blocks(model, &st, &fit1, fit2.as_ref());
    let (c, sds, treat_scale) = pls::treated_moments(m, settings.indicators, model.n_items());
    let outer = Outer::of(model, &c, &blocks);
    let inner = pls::inner_model_stats(model, &outer.lv_cor, m.n, pvalues)?;
    let mut path_stats = inner.stats;
    if method != HocMethod::Repeated {
        identity_paths_without_se(model, &mut path_stats);
    }
    let runs = StageRuns::of(&st, &fit1, fit2.as_ref());
    Ok(PlsFit {
        settings: *settings,
        n: m.n,
        converged: runs.converged,
        iterations: runs.iterations,
        delta: runs.delta,
        weights: outer.weights,
        loadings: outer.loadings,
        cross_loadings: outer.cross,
        lv_cor: outer.lv_cor,
        paths: inner.paths,
        path_stats,
        r2: inner.r2,
        r2_adj: inner.r2_adj,
        total: inner.total,
        means: m.means.clone(),
        sds,
        treat_scale,
        flipped: runs.flipped,
        higher: Some(Box::new(HocDetail {
            method,
            stage1_model: st.stage1_model,
            source1: st.source1,
            cons1: st.cons1,
            stage1: fit1,
            stage2_model: st.stage2_model,
            cons2: st.cons2,
            stage2: fit2,
            blocks,
        })),
    })
}

/// Every construct's weights on the real items: stage 1's (the HOC's repeated items
/// too), then stage 2's; a HOC's are its dimensions' weights times the stage-2 weight
/// of each dimension.
fn combined_blocks(
    model: &Model,
    st: &Stages,
    fit1: &PlsFit,
    fit2: Option<&PlsFit>,
) -> Vec<Vec<(usize, f64)>> {
    let q = model.n_constructs();
    let mut blocks: Vec<Vec<(usize, f64)>> = vec![Vec::new(); q];
    // stage 1: every construct's weights on the real items (the HOC's repeated ones too)
    for (i, &j) in st.cons1.iter().enumerate() {
        blocks[j] = st.stage1_model.constructs[i]
            .items
            .iter()
            .map(|&r| (st.source1[r], fit1.weights[r]))
            .collect();
    }
    if let (Some(m2_model), Some(f2)) = (&st.stage2_model, fit2) {
        for (i, &j) in st.cons2.iter().enumerate() {
            let c = &model.constructs[j];
            let items = &m2_model.constructs[i].items;
            if c.is_higher_order() {
                // HOC = sum_d (v_d / sd_d) score_d, score_d = sum_k w_k x~_k
                let mut b = Vec::new();
                for (&r, &d) in items.iter().zip(&c.dimensions) {
                    let v = f2.weights[r] / f2.treat_scale[r];
                    b.extend(blocks[d].iter().map(|&(k, w)| (k, v * w)));
                }
                blocks[j] = b;
            } else {
                // the items of the user's model keep their order in stage 2
                blocks[j] = items
                    .iter()
                    .zip(&c.items)
                    .map(|(&r, &k)| (k, f2.weights[r]))
                    .collect();
            }
        }
    }
    blocks
}

/// The outer model of the combined solution, from the treated moments `C` and the
/// blocks' weights.
struct Outer {
    /// Weights of each construct's own items.
    weights: Vec<f64>,
    /// `cor(x_k, score_j) = (sum_l C_kl w_l) / sqrt(C_kk)`.
    cross: DMatrix<f64>,
    /// Each item's cross-loading on its own construct.
    loadings: Vec<f64>,
    /// Score correlations `w_a' C w_b`.
    lv_cor: DMatrix<f64>,
}

impl Outer {
    fn of(model: &Model, c: &DMatrix<f64>, blocks: &[Vec<(usize, f64)>]) -> Outer {
        let p = model.n_items();
        let q = model.n_constructs();
        let mut weights = vec![0.0; p];
        for (j, con) in model.constructs.iter().enumerate() {
            for &k in &con.items {
                if let Some(&(_, w)) = blocks[j].iter().find(|(i, _)| *i == k) {
                    weights[k] = w;
                }
            }
        }
        let mut cross = DMatrix::zeros(p, q);
        for k in 0..p {
            let sk = c[(k, k)].sqrt();
            for j in 0..q {
                cross[(k, j)] = blocks[j].iter().map(|&(l, w)| c[(k, l)] * w).sum::<f64>() / sk;
            }
        }
        let loadings = (0..p)
            .map(|k| cross[(k, model.items[k].construct)])
            .collect();
        let lv_cor = DMatrix::from_fn(q, q, |a, b| {
            if a == b {
                1.0
            } else {
                let mut acc = 0.0;
                for &(k, wk) in &blocks[a] {
                    for &(l, wl) in &blocks[b] {
                        acc += wk * c[(k, l)] * wl;
                    }
                }
                acc
            }
        });
        Outer {
            weights,
            cross,
            loadings,
            lv_cor,
        }
    }
}

/// Dimension -> HOC is the stage-2 weight, an identity (R² = 1), not a regression
/// with an error term: no OLS standard error, t or p.
fn identity_paths_without_se(model: &Model, path_stats: &mut [pls::PathStat]) {
    for s in path_stats {
        if model.constructs[s.to].dimensions.contains(&s.from) {
            s.se = f64::NAN;
            s.t = f64::NAN;
            s.p = f64::NAN;
        }
    }
}

/// What the two stages' runs give the combined solution.
struct StageRuns {
    /// Constructs whose signs a stage flipped.
    flipped: Vec<usize>,
    /// Both stages converged.
    converged: bool,
    /// Iterations of both stages.
    iterations: usize,
    /// The larger last change.
    delta: f64,
}

impl StageRuns {
    fn of(st: &Stages, fit1: &PlsFit, fit2: Option<&PlsFit>) -> StageRuns {
        let mut flipped: Vec<usize> = fit1.flipped.iter().map(|&i| st.cons1[i]).collect();
        if let Some(f2) = fit2 {
            flipped.extend(f2.flipped.iter().map(|&i| st.cons2[i]));
        }
        flipped.sort_unstable();
        flipped.dedup();
        StageRuns {
            flipped,
            converged: fit1.converged && fit2.is_none_or(|f| f.converged),
            iterations: fit1.iterations + fit2.map_or(0, |f| f.iterations),
            delta: fit2.map_or(fit1.delta, |f| f.delta.max(fit1.delta)),
        }
    }
}

/// Measurement quality of each higher-order construct, from its dimensions' scores as
/// its indicators (the stage-2 view; Sarstedt et al. 2019): loadings
/// `l_d = cor(score_d, HOC)`, `AVE = mean l_d²`,
/// `rho_C = (sum l)² / ((sum l)² + sum (1 - l²))`, standardized alpha from the mean
/// correlation of the dimension scores, and Dijkstra-Henseler's rho_A from the
/// dimension weights (not applicable to a Mode B HOC). `(construct, quality)` pairs.
pub fn quality(model: &Model, fit: &PlsFit) -> Vec<(usize, crate::quality::ConstructQuality)> {
    let mut out = Vec::new();
    for (h, c) in model.constructs.iter().enumerate() {
        if !c.is_higher_order() {
            continue;
        }
        let dims = &c.dimensions;
        let k = dims.len();
        let l: Vec<f64> = dims.iter().map(|&d| fit.lv_cor[(d, h)]).collect();
        let sum: f64 = l.iter().sum();
        let err: f64 = l.iter().map(|x| 1.0 - x * x).sum();
        let rho_c = sum * sum / (sum * sum + err);
        let ave = l.iter().map(|x| x * x).sum::<f64>() / k as f64;
        let mut rbar = 0.0;
        for a in 0..k {
            for b in (a + 1)..k {
                rbar += fit.lv_cor[(dims[a], dims[b])];
            }
        }
        rbar /= (k * (k - 1) / 2) as f64;
        let alpha = k as f64 * rbar / (1.0 + (k as f64 - 1.0) * rbar);
        // rho_A with the dimension weights w (HOC = sum w_d score_d, unit variance):
        // (w'w)² w'(S - diag S)w / w'(ww' - diag ww')w
        let w: Vec<f64> = dims.iter().map(|&d| fit.paths[(d, h)]).collect();
        let ww: f64 = w.iter().map(|x| x * x).sum();
        let mut num = 0.0;
        let mut den = 0.0;
        for a in 0..k {
            for b in 0..k {
                if a != b {
                    num += w[a] * fit.lv_cor[(dims[a], dims[b])] * w[b];
                    den += w[a] * w[a] * w[b] * w[b];
                }
            }
        }
        let rho_a = ww * ww * num / den;
        let mode_b = c.mode == crate::spec::Mode::B;
        out.push((
            h,
            crate::quality::ConstructQuality {
                alpha: Some(alpha),
                alpha_raw: Some(alpha),
                rho_c,
                rho_a,
                ave,
                rho_a_note: mode_b.then(|| crate::quality::RHO_A_MODE_B.to_string()),
                alpha_note: None,
            },
        ));
    }
    out
}
