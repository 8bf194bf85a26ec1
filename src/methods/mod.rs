//! The source documents' satisfaction evaluation methods, side by side with the SEM
//! (PLS) index on the same data; the ratio C = b/a; Dick & Basu loyalty segments.
//!
//! The seed documents name five methods (「简单方法、双重评价法、双重评价改进法、
//! 线性回归统计分析法、结构方程模型」) without defining them; csi computes them as
//! follows. *Drivers* are the constructs with a directed path to the target construct
//! (e.g. the eight service dimensions that drive SAT); their items are the
//! *attributes*; every rating is first rescaled to 0-100 with its theoretical scale,
//! `x* = (x - min) / (max - min) * 100`.
//!
//! | method | 中文 | score | driver importance |
//! |---|---|---|---|
//! | simple | 简单方法 | mean of the target's own items (the satisfaction questions), equal weights | none (performance only) |
//! | dual evaluation | 双重评价法 | `sum_k I_k S_k / sum_k I_k`: attribute satisfaction `S_k` weighted by stated importance `I_k` | mean stated importance of the driver's items |
//! | improved dual evaluation | 双重评价改进法 | `sum_j w_j P_j`: driver performances weighted by regression weights | `w_j = max(b_j, 0) / sum max(b, 0)` |
//! | linear regression | 线性回归分析法 | none (R²) | standardized coefficients `beta_j = b_j sd_j / sd_y` |
//! | SEM (PLS) | 结构方程模型 | the target's 0-100 index | IPMA importance (unstandardized total effect) |
//!
//! * `I_k`, `S_k`: means over respondents of the stated importance (the column the
//!   model declares with `[item.X] importance = "COL"`) and of the rescaled rating;
//!   only attributes with a declared importance column enter dual evaluation.
//! * `b_j`: coefficients of the OLS regression (with intercept) of the overall-
//!   satisfaction item (`[methods] overall = "ITEM"`) on the driver scores, a driver's
//!   score being the plain mean of its rescaled items; `P_j` the mean driver score.
//!   A negative `b_j` (a suppressor in collinear data) gets weight 0 in the improved
//!   dual evaluation.
//!
//! The methods agree about a driver when its importance ranks (1 = most important) in
//! the methods that rank drivers differ by at most one place; Spearman's rank
//! correlation summarises each pair of methods.
//!
//! # C = b/a
//! For each perception item with a declared expectation column
//! (`[item.X] expectation = "COL"`): `C_k = mean(b_k) / mean(a_k)` (perceived over
//! expected, raw scale, respondents who answered both); overall
//! `C = sum_k mean(b_k) / sum_k mean(a_k)`; per respondent
//! `C_i = sum_k b_ik / sum_k a_ik` for the share in each band. Bands of the source
//! (004:791): `C < 1` dissatisfied (不满意), `C ≈ 1` fairly satisfied (比较满意/一般),
//! `C > 1` very satisfied (很满意); "≈ 1" is `|C - 1| <= 0.05` ([`SATISFIED_BAND`]).
//!
//! # Dick & Basu loyalty segments
//! A respondent's attitudinal score is the mean of the declared attitudinal items
//! rescaled to 0-100 (answered items only), likewise behavioural; *high* means above
//! the scale midpoint, i.e. above 50 on the 0-100 scale (on 1-10: 6 or more).
//! loyal = high attitude and high behaviour (Ⅰ 忠诚), latent = high attitude, low
//! behaviour (Ⅱ 潜在忠诚), spurious = low attitude, high behaviour (Ⅲ 虚假忠诚), no
//! loyalty = both low (Ⅳ 不忠诚). Shares use the sampling weights when the survey has
//! them; respondents with no answer on an axis are counted as unclassified.
//!
//! # Example
//! ```
//! use csi::methods::{dual_evaluation, Band};
//! // importance 9 and 3, satisfaction 80 and 40: (9*80 + 3*40) / 12 = 70
//! assert!((dual_evaluation(&[9.0, 3.0], &[80.0, 40.0]).unwrap() - 70.0).abs() < 1e-12);
//! assert_eq!(Band::classify(0.97), Band::Satisfied);
//! ```

// Negated comparisons (`!(x > 0.0)`) are deliberate: NaN must fail them.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use crate::analysis::Analysis;
use crate::data::Survey;
use crate::error::{Error, Location, Result};
use crate::estimate::FitError;
use crate::ipma::Lang;
use crate::spec::Model;
use nalgebra::DMatrix;

/// Half-width of the "C about 1" band: `|C - 1| <= 0.05` reads as satisfied.
pub const SATISFIED_BAND: f64 = 0.05;

/// A result that a model or data set may not support, with the reason.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<T> {
    /// Computed.
    Done(T),
    /// Not computed, and why (e.g. "declare importance columns").
    NotAvailable(String),
}

impl<T> Outcome<T> {
    /// The value, if computed.
    pub fn done(&self) -> Option<&T> {
        match self {
            Outcome::Done(t) => Some(t),
            Outcome::NotAvailable(_) => None,
        }
    }
}

mod formulas;
mod importance;

#[cfg(test)]
use formulas::ranks;
pub use formulas::{
    dick_basu, dual_evaluation, improved_weights, ols, satisfaction_ratio, simple_score, spearman,
    Band, LoyaltyClass, Ols, RatioReport, RatioRow, Segments,
};

/// Importance ranks, 1 = largest; `None` stays `None`.
fn importance_ranks(v: &[Option<f64>]) -> Vec<Option<usize>> {
    v.iter()
        .map(|x| x.map(|x| 1 + v.iter().flatten().filter(|y| **y > x).count()))
        .collect()
}

/// The methods that rank drivers by importance, in table order.
pub const RANKING_METHODS: [&str; 4] = ["dual", "improved_dual", "regression", "sem"];

/// One driver in the comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct DriverRow {
    /// Construct index.
    pub construct: usize,
    /// Simple method: mean of the driver's rescaled item means.
    pub simple_performance: f64,
    /// SEM: the driver's 0-100 index.
    pub sem_performance: Option<f64>,
    /// Importance per method in [`RANKING_METHODS`] order (dual: mean stated importance;
    /// improved dual: weight; regression: beta; SEM: IPMA importance).
    pub importance: [Option<f64>; 4],
    /// Ranks (1 = most important) per method.
    pub ranks: [Option<usize>; 4],
}

impl DriverRow {
    /// True when the available ranks differ by at most one place.
    pub fn agree(&self) -> bool {
        let r: Vec<usize> = self.ranks.iter().flatten().copied().collect();
        match (r.iter().min(), r.iter().max()) {
            (Some(a), Some(b)) => b - a <= 1,
            _ => true,
        }
    }
}

/// Dual evaluation result.
#[derive(Debug, Clone, PartialEq)]
pub struct Dual {
    /// Score (0-100).
    pub score: f64,
    /// Attributes with a stated importance (item indices).
    pub items: Vec<usize>,
    /// Their mean stated importance.
    pub importance: Vec<f64>,
}

/// Regression-based results (improved dual evaluation and linear regression).
#[derive(Debug, Clone, PartialEq)]
pub struct RegressionResult {
    /// The overall-satisfaction item.
    pub overall: String,
    /// OLS of the overall item (raw scale) on the driver scores (0-100).
    pub ols: Ols,
    /// Improved dual weights (drivers order).
    pub weights: Outcome<Vec<f64>>,
    /// Improved dual score (0-100).
    pub improved_score: Outcome<f64>,
}

/// Everything `csi methods` reports.
#[derive(Debug, Clone)]
pub struct MethodsReport {
    /// Target construct.
    pub target: usize,
    /// Language of names.
    pub lang: Lang,
    /// Respondents.
    pub n: usize,
    /// Simple method score: mean of the target's rescaled items.
    pub simple: f64,
    /// Dual evaluation.
    pub dual: Outcome<Dual>,
    /// Improved dual evaluation and regression.
    pub regression: Outcome<RegressionResult>,
    /// SEM index of the target.
    pub sem: Option<f64>,
    /// Drivers.
    pub drivers: Vec<DriverRow>,
    /// Spearman correlations of the importance rankings: (method a, method b, rho).
    pub spearman: Vec<(&'static str, &'static str, f64)>,
    /// C = b/a.
    pub ratio: Outcome<RatioReport>,
    /// Dick & Basu segments.
    pub loyalty: Outcome<Segments>,
    /// Notes (e.g. how SEM importance was obtained).
    pub notes: Vec<String>,
}

/// Default target of the methods: the construct holding the overall item, else a
/// construct named SAT / Satisfaction (any case), else the construct whose label
/// contains 满意.
pub fn default_target(model: &Model) -> Option<usize> {
    if let Some(k) = model
        .extras
        .overall
        .as_deref()
        .and_then(|o| model.item_index(o))
    {
        let j = model.items[k].construct;
        if model.is_endogenous(j) {
            return Some(j);
        }
    }
    model
        .constructs
        .iter()
        .position(|c| {
            c.name.eq_ignore_ascii_case("sat") || c.name.eq_ignore_ascii_case("satisfaction")
        })
        .or_else(|| {
            model
                .constructs
                .iter()
                .position(|c| c.label.as_deref().is_some_and(|l| l.contains("满意")))
        })
        .filter(|&j| model.is_endogenous(j))
}

/// Values of a column for the analysed respondents: a model item from the complete
/// data, otherwise a text column of the survey parsed as numbers (`NaN` = missing).
fn column(
    model: &Model,
    survey: &Survey,
    a: &Analysis,
    name: &str,
    what: &str,
) -> Result<Vec<f64>> {
    if let Some(k) = model.item_index(name) {
        return Ok(a.data.x.column(k).iter().copied().collect());
    }
    let col = survey.extra.get(name).ok_or_else(|| {
        Error::data(
            Location {
                file: survey.file.clone(),
                column: Some(name.into()),
                ..Default::default()
            },
            format!("the model declares this column ({what}) but the data have no such column"),
        )
    })?;
    a.data
        .kept
        .iter()
        .map(|&i| {
            let cell = col.get(i).cloned().flatten();
            let t = cell.as_deref().map(str::trim).unwrap_or("");
            if t.is_empty() || model.missing_codes.iter().any(|m| m.trim() == t) {
                return Ok(f64::NAN);
            }
            match t.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(Error::data(
                    Location {
                        file: survey.file.clone(),
                        row: survey.rows.get(i).copied(),
                        column: Some(name.into()),
                        value: Some(t.to_string()),
                    },
                    format!("{what}: not a number (fix the cell or declare it in the model's missing list)"),
                )),
            }
        })
        .collect()
}

/// Observed (not imputed) values of model item `k` for the analysed respondents,
/// rescaled to 0-100.
fn observed_100(
    model: &Model,
    survey: &Survey,
    a: &Analysis,
    name: &str,
    what: &str,
) -> Result<Vec<f64>> {
    let scale = model
        .item_index(name)
        .and_then(|k| model.item_scale(k))
        .or(model.scale)
        .ok_or_else(|| FitError::NoScale {
            item: name.to_string(),
            needs: "the methods need",
        })?;
    let raw: Vec<f64> = match model.item_index(name) {
        Some(k) => a
            .data
            .kept
            .iter()
            .map(|&i| survey.x.get((i, k)).copied().unwrap_or(f64::NAN))
            .collect(),
        None => column(model, survey, a, name, what)?,
    };
    Ok(raw
        .iter()
        .map(|v| {
            if v.is_finite() {
                scale.to_100(*v)
            } else {
                f64::NAN
            }
        })
        .collect())
}

fn wmean(v: &[f64], w: Option<&[f64]>) -> f64 {
    let (mut s, mut t) = (0.0, 0.0);
    for (i, x) in v.iter().enumerate() {
        if x.is_finite() {
            let wi = w.map(|w| w[i]).unwrap_or(1.0);
            s += wi * x;
            t += wi;
        }
    }
    if t > 0.0 {
        s / t
    } else {
        f64::NAN
    }
}

/// Run every method on an analysis of `survey` (the survey supplies the columns the
/// model declares outside its items: stated importance, expectations).
///
/// # Errors
/// [`Error::Fit`] when the model has no item scales; [`Error::Data`] when a
/// declared column is absent or holds text that is not a number or a missing code.
pub fn evaluate(a: &Analysis, survey: &Survey, target: usize) -> Result<MethodsReport> {
    let model = &a.model;
    let lang = Lang::of_model(model);
    let x = &a.data.x;
    let w = a.data.weights.as_deref();
    let n = x.nrows();
    let scales = method_scales(model)?;
    let item_mean_100: Vec<f64> = (0..model.n_items())
        .map(|k| scales[k].to_100(wmean(&x.column(k).iter().copied().collect::<Vec<_>>(), w)))
        .collect();
    let simple = simple_score(
        &model.constructs[target]
            .items
            .iter()
            .map(|&k| item_mean_100[k])
            .collect::<Vec<_>>(),
    );
    let up = model.reach().upstream(target);
    let drivers: Vec<usize> = (0..model.n_constructs()).filter(|&j| up[j]).collect();
    let mut notes = Vec::new();

    let dual = dual_of(a, survey, &drivers, &item_mean_100)?;

    // driver scores and the regression of the overall item
    let dscore = DMatrix::from_fn(n, drivers.len(), |i, d| {
        let items = &model.constructs[drivers[d]].items;
        items
            .iter()
            .map(|&k| scales[k].to_100(x[(i, k)]))
            .sum::<f64>()
            / items.len() as f64
    });
    let perf: Vec<f64> = (0..drivers.len())
        .map(|d| wmean(&dscore.column(d).iter().copied().collect::<Vec<_>>(), w))
        .collect();
    let regression = regression_of(a, survey, &drivers, &dscore, &perf, &mut notes)?;

    // SEM
    let sem = a.indices.get(target).and_then(|ix| ix.value);
    let sem_imp = importance::sem(a, target, &drivers, &mut notes);

    // importance per method and ranks
    let (impr_imp, beta_imp) = importance::regression(&regression, drivers.len());
    let cols = [
        importance::dual(model, &dual, &drivers),
        impr_imp,
        beta_imp,
        sem_imp,
    ];
    let rows = importance::driver_rows(a, &drivers, &perf, &cols);
    let sp = importance::rank_agreement(&cols, drivers.len());

    let ratio = ratio_of(a, survey)?;

    let loyalty = loyalty_of(a, survey)?;

    Ok(MethodsReport {
        target,
        lang,
        n,
        simple,
        dual,
        regression,
        sem,
        drivers: rows,
        spearman: sp,
        ratio,
        loyalty,
        notes,
    })
}

/// Every item's scale (the methods score answers on 0-100).
fn method_scales(model: &Model) -> Result<Vec<crate::spec::Scale>> {
    (0..model.n_items())
        .map(|k| {
            model.item_scale(k).ok_or_else(|| {
                FitError::NoScale {
                    item: model.items[k].name.clone(),
                    needs: "the methods need",
                }
                .into()
            })
        })
        .collect::<Result<_>>()
}

/// Dual evaluation of the drivers' attributes with a declared stated importance.
fn dual_of(
    a: &Analysis,
    survey: &Survey,
    drivers: &[usize],
    item_mean_100: &[f64],
) -> Result<Outcome<Dual>> {
    let model = &a.model;
    let w = a.data.weights.as_deref();
    // dual evaluation
    let dual = {
        let mut items = Vec::new();
        let mut imp = Vec::new();
        for &j in drivers {
            for &k in &model.constructs[j].items {
                if let Some(col) = model.extras.importance.get(&model.items[k].name) {
                    let v = column(
                        model,
                        survey,
                        a,
                        col,
                        &format!("importance of '{}'", model.items[k].name),
                    )?;
                    items.push(k);
                    imp.push(wmean(&v, w));
                }
            }
        }
        if items.is_empty() {
            Outcome::NotAvailable(
                "no stated importance: declare a column per attribute with [item.X] importance = \"COLUMN\"".into(),
            )
        } else {
            let sat: Vec<f64> = items.iter().map(|&k| item_mean_100[k]).collect();
            match dual_evaluation(&imp, &sat) {
                Ok(score) => Outcome::Done(Dual {
                    score,
                    items,
                    importance: imp,
                }),
                Err(e) => Outcome::NotAvailable(e),
            }
        }
    };

    Ok(dual)
}

/// The regression of the overall item on the driver scores, and the improved dual
/// evaluation from it.
fn regression_of(
    a: &Analysis,
    survey: &Survey,
    drivers: &[usize],
    dscore: &DMatrix<f64>,
    perf: &[f64],
    notes: &mut Vec<String>,
) -> Result<Outcome<RegressionResult>> {
    let model = &a.model;
    let w = a.data.weights.as_deref();
    let regression = match model.extras.overall.as_deref() {
        None => Outcome::NotAvailable(
            "no overall-satisfaction item: declare [methods] overall = \"ITEM\"".into(),
        ),
        Some(_) if drivers.is_empty() => Outcome::NotAvailable("the target has no drivers".into()),
        Some(o) => {
            let y = column(model, survey, a, o, "overall-satisfaction item")?;
            match ols(&y, dscore, w) {
                Ok(fit) => {
                    let weights = match improved_weights(&fit.coef) {
                        Ok(v) => Outcome::Done(v),
                        Err(e) => Outcome::NotAvailable(e),
                    };
                    let improved_score = match &weights {
                        Outcome::Done(v) => {
                            Outcome::Done(v.iter().zip(perf).map(|(a, b)| a * b).sum())
                        }
                        Outcome::NotAvailable(e) => Outcome::NotAvailable(e.clone()),
                    };
                    if fit.coef.iter().any(|b| *b < 0.0) {
                        notes.push("a driver has a negative regression coefficient (collinear drivers); it gets weight 0 in the improved dual evaluation".into());
                    }
                    Outcome::Done(RegressionResult {
                        overall: o.to_string(),
                        ols: fit,
                        weights,
                        improved_score,
                    })
                }
                Err(e) => Outcome::NotAvailable(e),
            }
        }
    };

    Ok(regression)
}

/// C = b/a of the declared perception / expectation pairs.
fn ratio_of(a: &Analysis, survey: &Survey) -> Result<Outcome<RatioReport>> {
    let model = &a.model;
    let w = a.data.weights.as_deref();
    // C = b/a
    let ratio = if model.extras.expectation_pairs.is_empty() {
        Outcome::NotAvailable(
            "no expectation items: declare [item.X] expectation = \"COLUMN\" for paired perception/expectation questions".into(),
        )
    } else {
        let mut pairs = Vec::new();
        for (p, e) in &model.extras.expectation_pairs {
            let b = match model.item_index(p) {
                Some(k) => a
                    .data
                    .kept
                    .iter()
                    .map(|&i| survey.x.get((i, k)).copied().unwrap_or(f64::NAN))
                    .collect(),
                None => column(model, survey, a, p, "perception item")?,
            };
            let av = column(model, survey, a, e, &format!("expectation of '{p}'"))?;
            if let Some(s) = model.item_index(p).and_then(|k| model.item_scale(k)) {
                if let Some(pos) = av
                    .iter()
                    .position(|v| v.is_finite() && (*v < s.min || *v > s.max))
                {
                    let i = a.data.kept.get(pos).copied().unwrap_or(pos);
                    return Err(Error::data(
                        Location {
                            file: survey.file.clone(),
                            row: survey.rows.get(i).copied(),
                            column: Some(e.clone()),
                            value: Some(format!("{}", av[pos])),
                        },
                        format!(
                            "expectation outside the scale {}..{} of '{p}'",
                            s.min, s.max
                        ),
                    ));
                }
            }
            pairs.push((p.as_str(), e.as_str(), b, av));
        }
        match satisfaction_ratio(&pairs, w) {
            Ok(r) => Outcome::Done(r),
            Err(e) => Outcome::NotAvailable(e),
        }
    };

    Ok(ratio)
}

/// Dick & Basu segments of the declared loyalty items.
fn loyalty_of(a: &Analysis, survey: &Survey) -> Result<Outcome<Segments>> {
    let model = &a.model;
    let w = a.data.weights.as_deref();
    let n = a.data.x.nrows();
    // Dick & Basu
    let ex = &model.extras;
    let loyalty = if ex.attitudinal.is_empty() || ex.behavioural.is_empty() {
        Outcome::NotAvailable(
            "declare [loyalty] attitudinal = [...] and behavioural = [...] items".into(),
        )
    } else {
        let axis = |names: &[String], what: &str| -> Result<Vec<f64>> {
            let cols: Vec<Vec<f64>> = names
                .iter()
                .map(|nm| observed_100(model, survey, a, nm, what))
                .collect::<Result<_>>()?;
            Ok((0..n)
                .map(|i| {
                    let v: Vec<f64> = cols
                        .iter()
                        .map(|c| c[i])
                        .filter(|x| x.is_finite())
                        .collect();
                    if v.is_empty() {
                        f64::NAN
                    } else {
                        v.iter().sum::<f64>() / v.len() as f64
                    }
                })
                .collect())
        };
        let att = axis(&ex.attitudinal, "attitudinal loyalty item")?;
        let beh = axis(&ex.behavioural, "behavioural loyalty item")?;
        Outcome::Done(dick_basu(&att, &beh, 50.0, w))
    };

    Ok(loyalty)
}

/// One-line explanation of each method (also in the text report).
pub fn explanation(method: &str) -> &'static str {
    match method {
        "simple" => "mean of the satisfaction questions (the target's items) rescaled to 0-100, every question weighted equally",
        "dual" => "attribute satisfaction weighted by the importance respondents stated for each attribute: sum I_k S_k / sum I_k",
        "improved_dual" => "driver performances weighted by data-derived importance: the positive coefficients of a regression of overall satisfaction on the driver scores, normalised to sum 1",
        "regression" => "standardized coefficients (beta) of the regression of overall satisfaction on the driver scores: derived importance",
        "sem" => "PLS path model: the target's 0-100 index (PLS-weighted items) and each driver's total effect on it (IPMA importance)",
        _ => "",
    }
}

/// Display name of a method.
pub fn method_name(method: &str, lang: Lang) -> &'static str {
    match (method, lang) {
        ("simple", Lang::Chinese) => "简单方法",
        ("dual", Lang::Chinese) => "双重评价法",
        ("improved_dual", Lang::Chinese) => "双重评价改进法",
        ("regression", Lang::Chinese) => "线性回归分析法",
        ("sem", Lang::Chinese) => "结构方程模型",
        ("simple", _) => "simple method",
        ("dual", _) => "dual evaluation",
        ("improved_dual", _) => "improved dual evaluation",
        ("regression", _) => "linear regression",
        ("sem", _) => "SEM (PLS)",
        _ => "",
    }
}

impl MethodsReport {
    /// The score of each method in table order (`regression` gives importance, not a
    /// score).
    pub fn scores(&self) -> Vec<(&'static str, Outcome<f64>)> {
        vec![
            ("simple", Outcome::Done(self.simple)),
            (
                "dual",
                match &self.dual {
                    Outcome::Done(d) => Outcome::Done(d.score),
                    Outcome::NotAvailable(e) => Outcome::NotAvailable(e.clone()),
                },
            ),
            (
                "improved_dual",
                match &self.regression {
                    Outcome::Done(r) => r.improved_score.clone(),
                    Outcome::NotAvailable(e) => Outcome::NotAvailable(e.clone()),
                },
            ),
            (
                "regression",
                match &self.regression {
                    Outcome::Done(_) => {
                        Outcome::NotAvailable("gives importance (beta), not a score".into())
                    }
                    Outcome::NotAvailable(e) => Outcome::NotAvailable(e.clone()),
                },
            ),
            (
                "sem",
                match self.sem {
                    Some(v) => Outcome::Done(v),
                    None => Outcome::NotAvailable("the target's index is undefined".into()),
                },
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
        assert_eq!(
            importance_ranks(&[Some(0.2), None, Some(0.5), Some(0.2)]),
            vec![Some(2), None, Some(1), Some(2)]
        );
    }
}
