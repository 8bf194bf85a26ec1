//! Importance-performance map analysis (IPMA): which drivers of a target construct
//! matter most and perform worst, i.e. where improvement pays first (the 「四分图」
//! quadrant chart of Chinese CSI practice; Ringle & Sarstedt 2016).
//!
//! # Formulas
//! Every construct j gets a 0-100 score built like its index ([`crate::index`]):
//! ```text
//! x*_k      = (x_k - a_k) / (b_k - a_k) * 100          item k rescaled to 0..100
//! w~_k      normalised unstandardized weights (sum 1 per block), crate::index
//! xi*_j     = sum_k w~_k x*_k                           0-100 construct score
//! sd*_j     = sqrt(w~_j' Cov(x*) w~_j)                  its sd, from the moments
//! B_ij      standardized path i -> j (PLS)
//! B^u_ij    = B_ij * sd*_j / sd*_i * s_i * s_j          path between 0-100 scores
//! T^u       = (I - B^u)^-1 - I                          unstandardized total effects
//! ```
//! `s_j = sign(sum_k u*_k)` is +1 unless the PLS score of j runs against its 0-100
//! score (all weights negative); it keeps the conversion right in that case.
//!
//! * **Construct level**: importance of driver i for target t is `T^u_it` (one more
//!   point on i's 0-100 score moves the target's 0-100 score by `T^u_it` points);
//!   performance is i's 0-100 index.
//! * **Indicator level**: importance of item k of construct i is `w~_k * T^u_it`;
//!   performance is the item mean rescaled to 0-100, `mean(x*_k)`.
//!
//! Rows are the constructs with a directed path to the target (and their items).
//! A construct whose index is undefined (a normalised weight not positive) is left
//! out and listed in [`Ipma::excluded`]; an undefined target index is an error.
//!
//! # Quadrants
//! Split lines sit at the mean importance and mean performance of the rows of one
//! level ([`Split::Mean`], the SmartPLS practice), at the medians ([`Split::Median`],
//! as seminrExtras' cIPMA) or at given values ([`Split::Value`], the same values for
//! both levels). A value equal to a threshold counts as high.
//!
//! | importance | performance | quadrant | 中文 | action |
//! |---|---|---|---|---|
//! | high | low  | [`Quadrant::ConcentrateHere`] | 修补区 | raise first |
//! | high | high | [`Quadrant::KeepUp`] | 优势区 | keep up |
//! | low  | low  | [`Quadrant::LowPriority`] | 机会区 | low priority |
//! | low  | high | [`Quadrant::PossibleOverkill`] | 维持区 | possible overkill |
//!
//! The action list ranks rows by quadrant in that order, then by importance
//! (largest first). Names are Chinese when the model's labels contain CJK characters
//! ([`Lang::of_model`]).
//!
//! # Bootstrap
//! [`add_bootstrap`] runs the resampling engine of [`crate::bootstrap`] (the same
//! draws as `csi fit --bootstrap`: ChaCha8, stream = replicate number, identical on any
//! number of threads), re-estimates PLS on each resample (warm start from the
//! full-sample weights), recomputes the IPMA and gives percentile or BCa intervals and
//! standard errors for every importance and performance. IPMA figures do not depend on
//! the sign of a construct's scores (the rescaled score fixes the direction), so no
//! sign correction is needed. A resample whose estimation fails or does not converge
//! is counted as failed; a row undefined in a resample (a non-positive weight) is left
//! out of that row's interval.
//!
//! # Example
//! ```
//! use csi::analysis::{analyze, FitOptions};
//! use csi::ipma::{ipma, Split, Quadrant};
//! # use csi::data::Survey;
//! # use csi::simulate::{Measurement, Population};
//! # use csi::spec::{ConstructSpec, Model, Scale};
//! # let model = Model::from_parts("toy",
//! #     vec![ConstructSpec::new("CREW", &["c1", "c2"]), ConstructSpec::new("FOOD", &["f1", "f2"]),
//! #          ConstructSpec::new("SAT", &["s1", "s2"])],
//! #     &[("CREW", "SAT"), ("FOOD", "SAT")])?.with_scale(Scale { min: 1.0, max: 10.0 })?;
//! # let pop = Population::new(&model, &[("CREW", "SAT", 0.6), ("FOOD", "SAT", 0.2)], Measurement::CommonFactor(0.8))?;
//! # let z = pop.draw_continuous(&model, 400, 3)?;
//! # let x = csi::simulate::to_scale(&model, &z, Scale { min: 1.0, max: 10.0 }, 7.0, 1.5, &[], &[]);
//! # let survey = Survey::from_matrix(model.items.iter().map(|i| i.name.clone()).collect(), x);
//! let a = analyze(&model, &survey, &FitOptions::default())?;
//! let sat = model.construct_index("SAT").unwrap();
//! let map = ipma(&a, sat, Split::Mean)?;
//! assert_eq!(map.constructs.len(), 2); // CREW and FOOD drive SAT
//! let crew = &map.constructs[0];
//! // importance: points of SAT's 0-100 score per point of CREW's 0-100 score
//! assert!(crew.importance > map.constructs[1].importance);
//! assert!(crew.performance > 0.0 && crew.performance < 100.0);
//! // indicator importances of a construct add up to its importance (weights sum to 1)
//! let sum: f64 = map.indicators.iter().filter(|r| r.construct == crew.construct).map(|r| r.importance).sum();
//! assert!((sum - crew.importance).abs() < 1e-12);
//! # Ok::<(), csi::Error>(())
//! ```
//!
//! # References
//! * Ringle, C. M., Sarstedt, M. (2016). Gain more insight from your PLS-SEM results:
//!   the importance-performance map analysis. *Industrial Management & Data Systems*
//!   116(9), 1865-1886.
//! * Martilla, J. A., James, J. C. (1977). Importance-performance analysis. *Journal of
//!   Marketing* 41(1), 77-79 (the quadrant names).

use crate::analysis::Analysis;
use crate::bootstrap::{failure, BootstrapOptions, Failure, Hooks};
use crate::error::{Error, Result};
use crate::estimate::pls::{self, PlsFit};
use crate::estimate::{Estimator, EstimatorKind, FitError};
use crate::moments::Moments;
use crate::spec::{Model, Scale};
use crate::stat::Stat;
use nalgebra::DMatrix;

mod quadrant;

pub use quadrant::{has_cjk, short_label, Lang, Level, Quadrant, Split, Thresholds};

/// A bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Standard deviation of the successful replicates.
    pub se: f64,
    /// Lower percentile bound.
    pub low: f64,
    /// Upper percentile bound.
    pub high: f64,
    /// Replicates with a defined value.
    pub n_ok: usize,
}

/// One construct of the map.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstructRow {
    /// Construct index in the model.
    pub construct: usize,
    /// Unstandardized total effect on the target (0-100 scores).
    pub importance: f64,
    /// The construct's 0-100 index.
    pub performance: f64,
    /// Quadrant at the construct-level thresholds.
    pub quadrant: Quadrant,
    /// Bootstrap interval of the importance.
    pub importance_ci: Option<Interval>,
    /// Bootstrap interval of the performance.
    pub performance_ci: Option<Interval>,
}

/// One indicator of the map.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRow {
    /// Item index in the model.
    pub item: usize,
    /// Its construct.
    pub construct: usize,
    /// Normalised weight `w~_k` on the 0-100 scale.
    pub normalized_weight: f64,
    /// `w~_k * T^u_(construct, target)`.
    pub importance: f64,
    /// Item mean rescaled to 0-100.
    pub performance: f64,
    /// Quadrant at the indicator-level thresholds.
    pub quadrant: Quadrant,
    /// Bootstrap interval of the importance.
    pub importance_ci: Option<Interval>,
    /// Bootstrap interval of the performance.
    pub performance_ci: Option<Interval>,
}

/// What a row of the action list refers to.
pub use crate::stat::Subject;

/// One entry of the ranked action list.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// 1-based rank.
    pub rank: usize,
    /// The construct or item.
    pub subject: Subject,
    /// Its quadrant.
    pub quadrant: Quadrant,
    /// Importance.
    pub importance: f64,
    /// Performance.
    pub performance: f64,
}

/// How the IPMA intervals were obtained.
#[derive(Debug, Clone, PartialEq)]
pub struct IpmaBootstrap {
    /// Resamples drawn.
    pub resamples: usize,
    /// Seed.
    pub seed: u64,
    /// Interval method.
    pub ci: crate::bootstrap::CiMethod,
    /// Confidence level.
    pub level: f64,
    /// Resamples whose estimation failed or did not converge.
    pub failed: usize,
    /// Failure reasons with counts, sorted by reason.
    pub failure_reasons: Vec<(String, usize)>,
    /// Set when too many resamples failed: the intervals are then withheld (`NaN`).
    pub withheld: Option<crate::bootstrap::Withheld>,
}

/// An importance-performance map.
#[derive(Debug, Clone)]
pub struct Ipma {
    /// Target construct.
    pub target: usize,
    /// How the thresholds were chosen.
    pub split: Split,
    /// Language of names.
    pub lang: Lang,
    /// Construct rows (model order).
    pub constructs: Vec<ConstructRow>,
    /// Indicator rows (model item order).
    pub indicators: Vec<IndicatorRow>,
    /// Construct-level split (None without rows).
    pub construct_thresholds: Option<Thresholds>,
    /// Indicator-level split (None without rows).
    pub indicator_thresholds: Option<Thresholds>,
    /// sd of each construct's 0-100 score (`NaN` where no 0-100 score exists).
    pub rescaled_sd: Vec<f64>,
    /// Paths between 0-100 scores, `B^u[(from, to)]`.
    pub unstd_paths: DMatrix<f64>,
    /// Unstandardized total effects `T^u[(from, to)]`.
    pub unstd_total: DMatrix<f64>,
    /// Target's 0-100 index.
    pub target_performance: f64,
    /// Constructs upstream of the target that were left out, with the reason.
    pub excluded: Vec<(usize, String)>,
    /// Bootstrap summary, after [`add_bootstrap`].
    pub bootstrap: Option<IpmaBootstrap>,
}

/// Resolve a target construct by name, by label, or by either part of a bilingual
/// label (`满意度` or `satisfaction` for `满意度 (Satisfaction)`), with a helpful error.
///
/// # Errors
/// [`Error::Setting`] (`--target`) naming the constructs that exist, or saying that
/// the construct has no incoming path.
pub fn target_index(model: &Model, name: &str) -> Result<usize> {
    let name = name.trim();
    let j = model
        .construct_index(name)
        .or_else(|| {
            model
                .constructs
                .iter()
                .position(|c| c.label.as_deref() == Some(name) || c.name.eq_ignore_ascii_case(name))
        })
        .or_else(|| label_part_match(model, name))
        .ok_or_else(|| {
            let names: Vec<&str> = model.constructs.iter().map(|c| c.name.as_str()).collect();
            Error::setting(
                "target",
                format!(
                    "no construct '{name}' in model {} (constructs: {})",
                    model.name,
                    names.join(", ")
                ),
            )
        })?;
    if !model.is_endogenous(j) {
        return Err(Error::setting(
            "target",
            format!(
                "'{}' has no incoming path, so nothing drives it; choose an endogenous construct",
                model.constructs[j].name
            ),
        ));
    }
    Ok(j)
}

/// The one construct whose bilingual label `中文 (English)` has `name` as one of its
/// two parts (the English part compared without case): `--target 满意度` for the label
/// `满意度 (Satisfaction)`, as the tables show it. `None` when no construct or more
/// than one matches.
fn label_part_match(model: &Model, name: &str) -> Option<usize> {
    if name.is_empty() {
        return None;
    }
    let parts = |label: &str| -> (String, String) {
        let label = label.trim();
        match label.strip_suffix(')').and_then(|l| l.rsplit_once('(')) {
            Some((head, inner)) => (head.trim().to_string(), inner.trim().to_string()),
            None => (label.to_string(), String::new()),
        }
    };
    let mut hits = model.constructs.iter().enumerate().filter(|(_, c)| {
        c.label.as_deref().is_some_and(|l| {
            let (head, inner) = parts(l);
            head == name || (!inner.is_empty() && inner.to_lowercase() == name.to_lowercase())
        })
    });
    let first = hits.next()?.0;
    hits.next().is_none().then_some(first)
}

/// The IPMA of an analysis for construct `target`.
///
/// # Errors
/// See [`ipma_fit`].
pub fn ipma(a: &Analysis, target: usize, split: Split) -> Result<Ipma> {
    ipma_fit(&a.model, &a.fit, &a.moments, target, split)
}

/// The IPMA from a PLS solution and the moments it was estimated from.
///
/// # Errors
/// [`Error::Fit`] when the target is not an endogenous construct, the model
/// has no item scales, the moments do not match the model, or the target's 0-100
/// index is undefined.
pub fn ipma_fit(
    model: &Model,
    fit: &PlsFit,
    moments: &Moments,
    target: usize,
    split: Split,
) -> Result<Ipma> {
    let q = model.n_constructs();
    let p = model.n_items();
    if target >= q || !model.is_endogenous(target) {
        return Err(FitError::IpmaTarget.into());
    }
    if moments.p() != p || fit.weights.len() != p {
        return Err(FitError::ItemCount {
            moments: moments.p(),
            model: p,
        }
        .into());
    }
    let scales = item_scales(model)?;
    // normalised weights, validity, direction and sd of each 0-100 score
    let (wn, problem) = normalised_weights(model, fit)?;
    if let Some(msg) = &problem[target] {
        return Err(FitError::IndexUndefined(format!(
            "the IPMA needs the target's 0-100 score: {msg}"
        ))
        .into());
    }
    let (sd, dir) = score_sd_and_direction(model, fit, moments, &scales, &wn);
    let bu = unstandardized_paths(model, fit, &sd, &dir)?;
    let total = crate::estimate::total_effects(&bu);
    let scores = Scores {
        model,
        fit,
        scales: &scales,
        wn: &wn,
    };
    let mut rows = scores.rows(&problem, &total, target);
    let construct_thresholds = place_in_quadrants(split, &mut rows.constructs);
    let indicator_thresholds = place_in_quadrants(split, &mut rows.indicators);
    Ok(Ipma {
        target,
        split,
        lang: Lang::of_model(model),
        constructs: rows.constructs,
        indicators: rows.indicators,
        construct_thresholds,
        indicator_thresholds,
        rescaled_sd: sd,
        unstd_paths: bu,
        unstd_total: total,
        target_performance: scores.index(target),
        excluded: rows.excluded,
        bootstrap: None,
    })
}

/// The paths of the 0-100 scores: `b_ij sd_j / sd_i`, signed by the scores'
/// directions.
///
/// # Errors
/// [`FitError::NoVariance100`] when a score of a path has no variance.
fn unstandardized_paths(
    model: &Model,
    fit: &PlsFit,
    sd: &[f64],
    dir: &[f64],
) -> Result<DMatrix<f64>> {
    let q = model.n_constructs();
    let mut bu = DMatrix::zeros(q, q);
    for &(i, j) in &model.paths {
        let b = fit.paths[(i, j)];
        let ratio = sd[j] / sd[i];
        if !(ratio.is_finite() && ratio > 0.0) {
            return Err(FitError::NoVariance100 {
                a: model.constructs[i].name.clone(),
                b: model.constructs[j].name.clone(),
            }
            .into());
        }
        bu[(i, j)] = b * ratio * dir[i] * dir[j];
    }
    Ok(bu)
}

/// The 0-100 scores of a solution: item scales and normalised weights.
struct Scores<'a> {
    model: &'a Model,
    fit: &'a PlsFit,
    scales: &'a [Scale],
    /// Normalised weights of each block, in block order.
    wn: &'a [Vec<f64>],
}

/// The rows of the map before their quadrants are known.
struct MapRows {
    constructs: Vec<ConstructRow>,
    indicators: Vec<IndicatorRow>,
    /// Constructs left out, with the reason.
    excluded: Vec<(usize, String)>,
}

impl Scores<'_> {
    /// Construct `j`'s 0-100 index: `sum_k w~_k 100 (x̄_k - min_k) / (max_k - min_k)`.
    fn index(&self, j: usize) -> f64 {
        let block = self.fit.block(self.model, j);
        block
            .iter()
            .enumerate()
            .map(|(r, &(k, _))| self.wn[j][r] * self.scales[k].to_100(self.fit.means[k]))
            .sum()
    }

    /// A row for every construct upstream of `target` (importance = its total effect
    /// on the target) and for each of its items (importance = normalised weight times
    /// that); a construct without a valid 0-100 score is excluded with the reason.
    fn rows(&self, problem: &[Option<String>], total: &DMatrix<f64>, target: usize) -> MapRows {
        let up = self.model.reach().upstream(target);
        let mut rows = MapRows {
            constructs: Vec::new(),
            indicators: Vec::new(),
            excluded: Vec::new(),
        };
        for (j, c) in self.model.constructs.iter().enumerate() {
            if !up[j] {
                continue;
            }
            if let Some(msg) = &problem[j] {
                rows.excluded.push((j, msg.clone()));
                continue;
            }
            let imp = total[(j, target)];
            rows.constructs.push(ConstructRow {
                construct: j,
                importance: imp,
                performance: self.index(j),
                quadrant: Quadrant::KeepUp,
                importance_ci: None,
                performance_ci: None,
            });
            for (r, &k) in c.items.iter().enumerate() {
                rows.indicators.push(IndicatorRow {
                    item: k,
                    construct: j,
                    normalized_weight: self.wn[j][r],
                    importance: self.wn[j][r] * imp,
                    performance: self.scales[k].to_100(self.fit.means[k]),
                    quadrant: Quadrant::KeepUp,
                    importance_ci: None,
                    performance_ci: None,
                });
            }
        }
        rows
    }
}

/// A row of the map: a point (importance, performance) with a quadrant.
trait MapPoint {
    /// (importance, performance).
    fn point(&self) -> (f64, f64);
    /// Set the quadrant.
    fn place(&mut self, q: Quadrant);
}

impl MapPoint for ConstructRow {
    fn point(&self) -> (f64, f64) {
        (self.importance, self.performance)
    }
    fn place(&mut self, q: Quadrant) {
        self.quadrant = q;
    }
}

impl MapPoint for IndicatorRow {
    fn point(&self) -> (f64, f64) {
        (self.importance, self.performance)
    }
    fn place(&mut self, q: Quadrant) {
        self.quadrant = q;
    }
}

/// The thresholds of `split` over the rows (none without rows) and each row's quadrant
/// at them.
fn place_in_quadrants<R: MapPoint>(split: Split, rows: &mut [R]) -> Option<Thresholds> {
    let t = thresholds(
        split,
        &rows.iter().map(|r| r.point().0).collect::<Vec<_>>(),
        &rows.iter().map(|r| r.point().1).collect::<Vec<_>>(),
    );
    if let Some(t) = &t {
        for r in rows.iter_mut() {
            let (imp, perf) = r.point();
            r.place(Quadrant::classify(imp, perf, t));
        }
    }
    t
}

fn item_scales(model: &Model) -> Result<Vec<Scale>> {
    (0..model.n_items())
        .map(|k| {
            model.item_scale(k).ok_or_else(|| {
                FitError::NoScale {
                    item: model.items[k].name.clone(),
                    needs: "the IPMA needs",
                }
                .into()
            })
        })
        .collect()
}

/// The normalised weights of every construct, and why a construct's 0-100 score is
/// undefined (a non-positive weight).
#[allow(clippy::type_complexity)]
fn normalised_weights(model: &Model, fit: &PlsFit) -> Result<(Vec<Vec<f64>>, Vec<Option<String>>)> {
    let q = model.n_constructs();
    // normalised weights, validity, direction and sd of each 0-100 score
    let mut wn: Vec<Vec<f64>> = Vec::with_capacity(q);
    let mut problem: Vec<Option<String>> = Vec::with_capacity(q);
    for j in 0..q {
        match crate::index::normalized_weights(model, fit, j) {
            Ok(w) => {
                wn.push(w);
                problem.push(None);
            }
            Err((w, msg)) => {
                if w.len() != fit.block(model, j).len() {
                    return Err(FitError::IndexUndefined(msg).into());
                }
                wn.push(w);
                problem.push(Some(msg));
            }
        }
    }
    Ok((wn, problem))
}

/// The sd of each construct's 0-100 score (from the moments) and its direction
/// (`-1` when the PLS score runs against the 0-100 score).
fn score_sd_and_direction(
    model: &Model,
    fit: &PlsFit,
    moments: &Moments,
    scales: &[Scale],
    wn: &[Vec<f64>],
) -> (Vec<f64>, Vec<f64>) {
    let q = model.n_constructs();
    let mut sd = vec![f64::NAN; q];
    let mut dir = vec![1.0; q];
    for j in 0..q {
        let block = fit.block(model, j);
        let mut v = 0.0;
        for (r, &(k, _)) in block.iter().enumerate() {
            for (s, &(l, _)) in block.iter().enumerate() {
                let ck = scales[k].per_point();
                let cl = scales[l].per_point();
                v += wn[j][r] * wn[j][s] * moments.cov[(k, l)] * ck * cl;
            }
        }
        sd[j] = v.max(0.0).sqrt();
        let u: f64 = block
            .iter()
            .map(|&(k, w)| w / fit.treat_scale[k] * scales[k].range())
            .sum();
        dir[j] = if u < 0.0 { -1.0 } else { 1.0 };
    }
    (sd, dir)
}

/// Mean (Split::Mean) or median of values; `None` for no values.
fn center(split: Split, v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    match split {
        Split::Median => {
            let mut s = v.to_vec();
            s.sort_by(|a, b| a.total_cmp(b));
            let n = s.len();
            Some(if n % 2 == 1 {
                s[n / 2]
            } else {
                0.5 * (s[n / 2 - 1] + s[n / 2])
            })
        }
        _ => Some(v.iter().sum::<f64>() / v.len() as f64),
    }
}

fn thresholds(split: Split, imp: &[f64], perf: &[f64]) -> Option<Thresholds> {
    if imp.is_empty() {
        return None;
    }
    match split {
        Split::Value {
            importance,
            performance,
        } => Some(Thresholds {
            importance,
            performance,
        }),
        _ => Some(Thresholds {
            importance: center(split, imp)?,
            performance: center(split, perf)?,
        }),
    }
}

impl Ipma {
    /// The ranked action list of one level ([`Level::Both`] lists constructs first,
    /// then indicators, each ranked on its own): quadrant order concentrate here,
    /// keep up, low priority, possible overkill; within a quadrant, largest importance
    /// first.
    pub fn actions(&self, level: Level) -> Vec<Action> {
        let mut out = Vec::new();
        if level.constructs() {
            let mut v: Vec<Action> = self
                .constructs
                .iter()
                .map(|r| Action {
                    rank: 0,
                    subject: Subject::Construct(r.construct),
                    quadrant: r.quadrant,
                    importance: r.importance,
                    performance: r.performance,
                })
                .collect();
            rank(&mut v);
            out.extend(v);
        }
        if level.indicators() {
            let mut v: Vec<Action> = self
                .indicators
                .iter()
                .map(|r| Action {
                    rank: 0,
                    subject: Subject::Indicator(r.item),
                    quadrant: r.quadrant,
                    importance: r.importance,
                    performance: r.performance,
                })
                .collect();
            rank(&mut v);
            out.extend(v);
        }
        out
    }

    /// One action as a sentence, e.g. `raise first: cabin crew, importance 0.31,
    /// performance 58` (Chinese: `优先提升：乘务员服务，重要性 0.31，绩效 58`).
    pub fn action_text(&self, model: &Model, a: &Action) -> String {
        let name = subject_label(model, a.subject);
        match self.lang {
            Lang::Chinese => format!(
                "{}：{}，重要性 {}，绩效 {:.0}",
                a.quadrant.advice(self.lang),
                name,
                fmt_imp(a.importance),
                a.performance
            ),
            Lang::English => format!(
                "{}: {}, importance {}, performance {:.0}",
                a.quadrant.advice(self.lang),
                name,
                fmt_imp(a.importance),
                a.performance
            ),
        }
    }
}

fn rank(v: &mut [Action]) {
    v.sort_by(|a, b| {
        a.quadrant
            .order()
            .cmp(&b.quadrant.order())
            .then(b.importance.total_cmp(&a.importance))
    });
    for (i, a) in v.iter_mut().enumerate() {
        a.rank = i + 1;
    }
}

/// Display label of an action's subject (short form of bilingual labels).
pub fn subject_label(model: &Model, s: Subject) -> String {
    match s {
        Subject::Construct(j) => short_label(model.construct_label(j)).to_string(),
        Subject::Indicator(k) => short_label(model.item_label(k)).to_string(),
    }
}

/// Importance with enough digits: 3 significant decimals below 1.
pub fn fmt_imp(x: f64) -> String {
    if !x.is_finite() {
        "-".into()
    } else if x.abs() >= 0.1 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

/// Add bootstrap intervals (at `opts.level`, percentile or BCa as `opts.ci` says) to
/// every row of `map`: the model is re-estimated on the resamples of
/// [`crate::bootstrap::resample`] (the draws of [`crate::bootstrap::run`]) and the
/// IPMA recomputed on each.
///
/// # Errors
/// Invalid options; [`Error::Interrupted`] when cancelled through `hooks`.
///
/// # Example
/// ```
/// # use csi::analysis::{analyze, FitOptions};
/// # use csi::data::Survey;
/// # use csi::simulate::{Measurement, Population};
/// # use csi::spec::{ConstructSpec, Model, Scale};
/// use csi::ipma::{ipma, add_bootstrap, Split};
/// use csi::bootstrap::BootstrapOptions;
/// # let model = Model::from_parts("toy",
/// #     vec![ConstructSpec::new("QUAL", &["q1", "q2"]), ConstructSpec::new("SAT", &["s1", "s2"])],
/// #     &[("QUAL", "SAT")])?.with_scale(Scale { min: 1.0, max: 10.0 })?;
/// # let pop = Population::new(&model, &[("QUAL", "SAT", 0.6)], Measurement::CommonFactor(0.8))?;
/// # let z = pop.draw_continuous(&model, 300, 1)?;
/// # let x = csi::simulate::to_scale(&model, &z, Scale { min: 1.0, max: 10.0 }, 7.0, 1.5, &[], &[]);
/// # let survey = Survey::from_matrix(model.items.iter().map(|i| i.name.clone()).collect(), x);
/// let a = analyze(&model, &survey, &FitOptions::default())?;
/// let mut map = ipma(&a, 1, Split::Mean)?;
/// add_bootstrap(&mut map, &a, &BootstrapOptions { resamples: 100, ..Default::default() }, None)?;
/// let row = &map.constructs[0];
/// let ci = row.importance_ci.unwrap();
/// assert!(ci.low < row.importance && row.importance < ci.high);
/// # Ok::<(), csi::Error>(())
/// ```
pub fn add_bootstrap(
    map: &mut Ipma,
    a: &Analysis,
    opts: &BootstrapOptions,
    hooks: Option<&Hooks>,
) -> Result<()> {
    let model = &a.model;
    let crow: Vec<usize> = map.constructs.iter().map(|r| r.construct).collect();
    let irow: Vec<usize> = map.indicators.iter().map(|r| r.item).collect();
    let (nc, ni) = (crow.len(), irow.len());
    // construct importances, construct performances, indicator importances,
    // indicator performances
    let rows: Vec<(Subject, f64, f64)> = map
        .constructs
        .iter()
        .map(|r| (Subject::Construct(r.construct), r.importance, r.performance))
        .collect();
    let items: Vec<(Subject, f64, f64)> = map
        .indicators
        .iter()
        .map(|r| (Subject::Indicator(r.item), r.importance, r.performance))
        .collect();
    let mut stats = Vec::with_capacity(2 * (nc + ni));
    let mut est = Vec::with_capacity(2 * (nc + ni));
    for level in [&rows, &items] {
        stats.extend(level.iter().map(|r| Stat::Importance(r.0)));
        est.extend(level.iter().map(|r| r.1));
        stats.extend(level.iter().map(|r| Stat::Performance(r.0)));
        est.extend(level.iter().map(|r| r.2));
    }
    let (target, split) = (map.target, map.split);
    let stat = |m: &Moments, _jackknife: bool| -> std::result::Result<Vec<f64>, Failure> {
        replicate(
            model,
            m,
            &a.options.pls,
            &a.fit,
            target,
            split,
            &crow,
            &irow,
        )
    };
    let res = crate::bootstrap::resample(model, &a.data, stats, est, opts, hooks, &stat)?;
    let interval = |c: usize| -> Option<Interval> {
        let s = res.stats.get(c)?;
        (s.n_ok >= 2).then_some(Interval {
            se: s.se,
            low: s.ci_low,
            high: s.ci_high,
            n_ok: s.n_ok,
        })
    };
    for (r, row) in map.constructs.iter_mut().enumerate() {
        row.importance_ci = interval(r);
        row.performance_ci = interval(nc + r);
    }
    for (r, row) in map.indicators.iter_mut().enumerate() {
        row.importance_ci = interval(2 * nc + r);
        row.performance_ci = interval(2 * nc + ni + r);
    }
    map.bootstrap = Some(IpmaBootstrap {
        resamples: res.resamples,
        seed: res.seed,
        ci: res.ci,
        level: res.level,
        failed: res.failed,
        failure_reasons: res.failure_reasons,
        withheld: res.withheld,
    });
    Ok(())
}

/// One resample: `[construct importances, construct performances, indicator
/// importances, indicator performances]` in the rows' order (`NaN` where a row is
/// undefined in this resample).
#[allow(clippy::too_many_arguments)]
fn replicate(
    model: &Model,
    m: &Moments,
    settings: &pls::PlsSettings,
    full: &PlsFit,
    target: usize,
    split: Split,
    crow: &[usize],
    irow: &[usize],
) -> std::result::Result<Vec<f64>, Failure> {
    let fit = settings.fit(model, m, Some(full)).map_err(failure)?;
    if !fit.converged {
        return Err(failure(
            FitError::NotConverged {
                estimator: EstimatorKind::Pls,
                iterations: fit.iterations,
            }
            .into(),
        ));
    }
    let map = ipma_fit(model, &fit, m, target, split).map_err(failure)?;
    let (nc, ni) = (crow.len(), irow.len());
    let mut out = vec![f64::NAN; 2 * (nc + ni)];
    for r in &map.constructs {
        if let Some(pos) = crow.iter().position(|&j| j == r.construct) {
            out[pos] = r.importance;
            out[nc + pos] = r.performance;
        }
    }
    for r in &map.indicators {
        if let Some(pos) = irow.iter().position(|&k| k == r.item) {
            out[2 * nc + pos] = r.importance;
            out[2 * nc + ni + pos] = r.performance;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_even_count_is_mean_of_middle_two() {
        assert_eq!(center(Split::Median, &[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(center(Split::Mean, &[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(center(Split::Median, &[5.0, 1.0, 3.0]), Some(3.0));
    }

    #[test]
    fn actions_rank_concentrate_first_then_by_importance() {
        let mut v = vec![
            Action {
                rank: 0,
                subject: Subject::Construct(0),
                quadrant: Quadrant::KeepUp,
                importance: 0.5,
                performance: 80.0,
            },
            Action {
                rank: 0,
                subject: Subject::Construct(1),
                quadrant: Quadrant::ConcentrateHere,
                importance: 0.2,
                performance: 50.0,
            },
            Action {
                rank: 0,
                subject: Subject::Construct(2),
                quadrant: Quadrant::ConcentrateHere,
                importance: 0.3,
                performance: 60.0,
            },
        ];
        rank(&mut v);
        let order: Vec<Subject> = v.iter().map(|a| a.subject).collect();
        assert_eq!(
            order,
            vec![
                Subject::Construct(2),
                Subject::Construct(1),
                Subject::Construct(0)
            ]
        );
        assert_eq!(v[2].rank, 3);
    }
}
