//! PLSpredict (Shmueli, Ray, Velasquez Estrada & Chatla 2016; Shmueli et al. 2019):
//! out-of-sample predictions of the indicators of every endogenous construct by K-fold
//! cross-validation, with the linear-model (LM) benchmark.
//!
//! # Procedure
//! For each repeat r and fold f (the rows are shuffled by a permutation drawn from
//! stream r of `ChaCha8Rng::seed_from_u64(seed)`, then cut into K consecutive folds of
//! sizes differing by at most one, as R's `cut(seq_len(n), K)`):
//!
//! 1. PLS is estimated on the other folds (the training rows);
//! 2. the test rows' construct scores are computed with the training weights, means
//!    and standard deviations: `η_j = Σ_k w_k (x_k - x̄_k) / s_k`;
//! 3. the scores of the endogenous constructs are predicted through the structural
//!    model (`B` the training path coefficients):
//!    * earliest antecedents (`earliest`, default; Shmueli et al. 2016, cSEM's
//!      `.approach_predict = "earliest"`): exogenous scores from the test rows'
//!      indicators, then every endogenous construct in causal order from the
//!      *predicted* scores of its predecessors, `η̂_j = Σ_i b_ij η̂_i`; only the
//!      exogenous constructs' indicators are used;
//!    * direct antecedents (`da`, seminr's default `predict_DA`): `η̂_j = Σ_i b_ij η_i`
//!      from the scores of the predecessors computed from their own indicators (for
//!      an endogenous predecessor this uses its indicators too);
//! 4. each indicator of an endogenous construct j is predicted as
//!    `x̂_k = x̄_k + s_k λ_k η̂_j` (λ the training loading);
//! 5. the LM benchmark regresses each such indicator by OLS with an intercept on all
//!    indicators of the exogenous constructs (training rows) and predicts the test
//!    rows;
//! 6. the naive benchmark predicts the training mean x̄_k.
//!
//! With R > 1 repeats each row's prediction is the mean of its R out-of-sample
//! predictions (as seminr's `predict_pls(reps = R)`); the naive and LM predictions
//! likewise. Then, over the n rows:
//! ```text
//! RMSE       = sqrt(mean (x - x̂)²)          MAE = mean |x - x̂|
//! Q²predict  = 1 - Σ (x - x̂)² / Σ (x - x̄_train)²
//! ```
//! Construct level: the "observed" score of an endogenous construct is its score from
//! its own indicators with the training weights, the prediction is η̂ of step 3 and
//! the naive prediction 0 (the training mean of the scores).
//!
//! `folds = n` is leave-one-out: every permutation gives the same folds, so the
//! result does not depend on the seed and repeats add nothing (one pass is made).
//! With sampling weights the training estimations are weighted; the metrics are
//! not. Predictive power as Shmueli et al. (2019) grade it, from the share of
//! indicators whose PLS RMSE is below the LM RMSE: all = high, a majority = medium,
//! a minority = low, none = no predictive power (when some Q²predict <= 0 they
//! advise against interpreting the comparison; `q2_positive` counts those above 0).
//!
//! # Example
//! ```
//! use csi::predict::{predict, PredictOptions};
//! # use csi::data::Survey;
//! # use csi::simulate::{Measurement, Population};
//! # use csi::spec::{ConstructSpec, Model, Scale};
//! # let model = Model::from_parts("toy",
//! #     vec![ConstructSpec::new("QUAL", &["q1", "q2", "q3"]), ConstructSpec::new("SAT", &["s1", "s2"])],
//! #     &[("QUAL", "SAT")])?;
//! # let pop = Population::new(&model, &[("QUAL", "SAT", 0.6)], Measurement::CommonFactor(0.8))?;
//! # let x = pop.draw_continuous(&model, 200, 1)?;
//! # let survey = Survey::from_matrix(model.items.iter().map(|i| i.name.clone()).collect(), x);
//! let (data, _) = survey.complete(Default::default())?;
//! let p = predict(&model, &data, &PredictOptions { folds: 10, repeats: 2, ..Default::default() })?;
//! // the two SAT items are predicted better than by their training means
//! assert!(p.indicators.iter().all(|i| i.q2_predict > 0.1));
//! # Ok::<(), csi::Error>(())
//! ```
//!
//! # References
//! * Shmueli, G., Ray, S., Velasquez Estrada, J. M., Chatla, S. B. (2016). The elephant
//!   in the room: predictive performance of PLS models. *J. Business Research* 69.
//! * Shmueli, G., Sarstedt, M., Hair, J. F., et al. (2019). Predictive model assessment
//!   in PLS-SEM: guidelines for using PLSpredict. *European J. Marketing* 53(11).

use crate::data::Complete;
use crate::error::{Error, Result};
use crate::estimate::pls::{self, PlsFit, PlsSettings};
use crate::estimate::FitError;
use crate::moments::Moments;
use crate::spec::Model;
use nalgebra::{DMatrix, DVector};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// How the endogenous constructs' scores are predicted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Technique {
    /// From the exogenous constructs' indicators only, through the structural model.
    #[default]
    EarliestAntecedents,
    /// From the direct predecessors' scores (seminr's `predict_DA`).
    DirectAntecedents,
}

impl std::str::FromStr for Technique {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "earliest" | "ea" => Ok(Self::EarliestAntecedents),
            "da" | "direct" => Ok(Self::DirectAntecedents),
            _ => Err(Error::setting(
                "--technique",
                format!("expected earliest or da, got '{s}'"),
            )),
        }
    }
}

impl Technique {
    /// Flag spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::EarliestAntecedents => "earliest",
            Self::DirectAntecedents => "da",
        }
    }
}

/// Options of [`predict`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PredictOptions {
    /// Number of folds K (2..=n; n = leave-one-out). Defaults to 10.
    pub folds: usize,
    /// Repeats of the K-fold split. Defaults to 10.
    pub repeats: usize,
    /// Seed of the fold permutations. Defaults to [`crate::bootstrap::DEFAULT_SEED`].
    pub seed: u64,
    /// Prediction technique. Defaults to earliest antecedents.
    pub technique: Technique,
    /// PLS settings of the training estimations.
    pub pls: PlsSettings,
}

impl Default for PredictOptions {
    fn default() -> Self {
        PredictOptions {
            folds: 10,
            repeats: 10,
            seed: crate::bootstrap::DEFAULT_SEED,
            technique: Technique::EarliestAntecedents,
            pls: PlsSettings::default(),
        }
    }
}

/// Prediction metrics of one indicator.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IndicatorPrediction {
    /// Item index (model order).
    pub item: usize,
    /// Construct index.
    pub construct: usize,
    /// 1 - SSE(PLS) / SSE(training mean).
    pub q2_predict: f64,
    /// Root mean squared out-of-sample error of PLS.
    pub rmse: f64,
    /// Mean absolute out-of-sample error of PLS.
    pub mae: f64,
    /// RMSE of the LM benchmark.
    pub lm_rmse: f64,
    /// MAE of the LM benchmark.
    pub lm_mae: f64,
    /// Q²predict of the LM benchmark.
    pub lm_q2_predict: f64,
}

/// Prediction metrics of one endogenous construct's scores.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ConstructPrediction {
    /// Construct index.
    pub construct: usize,
    /// 1 - SSE / Σ η² (naive prediction 0).
    pub q2_predict: f64,
    /// RMSE of the predicted scores.
    pub rmse: f64,
    /// MAE of the predicted scores.
    pub mae: f64,
}

/// Shmueli et al. (2019)'s grading of predictive power.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PredictivePower {
    /// PLS beats LM (RMSE) on every indicator.
    High,
    /// On a majority.
    Medium,
    /// On a minority.
    Low,
    /// On none.
    None,
}

impl PredictivePower {
    /// Spelling in JSON and text.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
            Self::None => "none",
        }
    }
}

/// The result of [`predict`].
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Options used; `repeats` is 1 for leave-one-out (one pass is made).
    pub options: PredictOptions,
    /// Respondents.
    pub n: usize,
    /// True when folds = n (leave-one-out; one pass made).
    pub leave_one_out: bool,
    /// Training estimations that stopped at the iteration limit (their weights are
    /// those of the last iteration).
    pub not_converged: usize,
    /// Training estimations made.
    pub estimations: usize,
    /// One per indicator of an endogenous construct, model order.
    pub indicators: Vec<IndicatorPrediction>,
    /// One per endogenous construct, model order.
    pub constructs: Vec<ConstructPrediction>,
    /// Indicators whose PLS RMSE is below the LM RMSE.
    pub pls_better_rmse: usize,
    /// Indicators whose PLS MAE is below the LM MAE.
    pub pls_better_mae: usize,
    /// Indicators with Q²predict > 0.
    pub q2_positive: usize,
    /// Grading from `pls_better_rmse`.
    pub power: PredictivePower,
}

/// Row indices of each fold of repeat `r`: a permutation of 0..n from stream `r` of
/// `ChaCha8Rng::seed_from_u64(seed)` (Fisher-Yates), cut into `k` consecutive folds
/// (fold f holds positions `floor(f n / k) .. floor((f + 1) n / k)`).
///
/// ```
/// let f = csi::predict::folds(10, 3, 42, 0);
/// assert_eq!(f.iter().map(|x| x.len()).collect::<Vec<_>>(), vec![3, 3, 4]);
/// let mut all: Vec<usize> = f.concat();
/// all.sort();
/// assert_eq!(all, (0..10).collect::<Vec<_>>());
/// assert_eq!(f, csi::predict::folds(10, 3, 42, 0)); // deterministic
/// ```
pub fn folds(n: usize, k: usize, seed: u64, r: usize) -> Vec<Vec<usize>> {
    let mut perm: Vec<usize> = (0..n).collect();
    if k < n {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(r as u64);
        for i in (1..n).rev() {
            let j = rng.random_range(0..=i);
            perm.swap(i, j);
        }
    }
    let k = k.max(1);
    (0..k)
        .map(|f| perm[f * n / k..(f + 1) * n / k].to_vec())
        .collect()
}

/// Out-of-sample predictions of one fold: (test rows, PLS item predictions, LM,
/// naive, construct score predictions, observed construct scores, converged).
struct FoldOut {
    rows: Vec<usize>,
    pls: DMatrix<f64>,
    lm: DMatrix<f64>,
    naive: DMatrix<f64>,
    eta_hat: DMatrix<f64>,
    eta: DMatrix<f64>,
    converged: bool,
}

/// Run PLSpredict (see the module docs).
///
/// # Errors
/// [`Error::Setting`] for folds outside 2..=n or zero repeats; [`FitError::Fold`]
/// naming the repeat and fold when a training estimation fails (e.g. an item constant
/// in the training rows) or the LM benchmark's regression is singular.
pub fn predict(model: &Model, data: &Complete, opts: &PredictOptions) -> Result<Prediction> {
    opts.pls.check()?;
    let n = data.x.nrows();
    if opts.folds < 2 || opts.folds > n {
        return Err(Error::setting(
            "--folds",
            format!(
                "must be between 2 and the number of respondents ({n}), got {}",
                opts.folds
            ),
        ));
    }
    if opts.repeats == 0 {
        return Err(Error::setting("--repeats", "must be at least 1"));
    }
    let roles = Roles::of(model);
    if n - n.div_ceil(opts.folds) < roles.exo_items.len() + 2 {
        return Err(Error::setting(
            "--folds",
            format!(
                "training folds of {} respondents are too small for the LM benchmark, which regresses on {} indicators",
                n - n.div_ceil(opts.folds),
                roles.exo_items.len()
            ),
        ));
    }
    let loo = opts.folds == n;
    let passes = if loo { 1 } else { opts.repeats };
    let jobs: Vec<(usize, usize, Vec<usize>)> = (0..passes)
        .flat_map(|r| {
            folds(n, opts.folds, opts.seed, r)
                .into_iter()
                .enumerate()
                .map(move |(f, rows)| (r, f, rows))
        })
        .collect();
    let outs: Vec<Result<FoldOut>> = jobs
        .par_iter()
        .map(|(r, f, rows)| {
            one_fold(model, data, opts, rows, &roles).map_err(|e| {
                Error::Fit(FitError::Fold {
                    repeat: r + 1,
                    fold: f + 1,
                    cause: fold_cause(e),
                })
            })
        })
        .collect();
    let sums = Sums::of(outs, n, roles.targets.len(), roles.endo.len())?;
    let pf = passes as f64;
    let indicators = indicator_predictions(model, data, &roles, &sums, pf);
    let constructs = construct_predictions(&roles, &sums, pf, n);
    let t = roles.targets.len();
    let pls_better_rmse = indicators.iter().filter(|i| i.rmse < i.lm_rmse).count();
    let pls_better_mae = indicators.iter().filter(|i| i.mae < i.lm_mae).count();
    let q2_positive = indicators.iter().filter(|i| i.q2_predict > 0.0).count();
    Ok(Prediction {
        options: PredictOptions {
            repeats: passes,
            ..*opts
        },
        n,
        leave_one_out: loo,
        not_converged: sums.not_converged,
        estimations: jobs.len(),
        indicators,
        constructs,
        pls_better_rmse,
        pls_better_mae,
        q2_positive,
        power: power_of(pls_better_rmse, t),
    })
}

/// High when PLS beats the LM benchmark's RMSE on every indicator, medium on most,
/// low on some, none on none.
fn power_of(pls_better_rmse: usize, t: usize) -> PredictivePower {
    if pls_better_rmse == t {
        PredictivePower::High
    } else if 2 * pls_better_rmse > t {
        PredictivePower::Medium
    } else if pls_better_rmse > 0 {
        PredictivePower::Low
    } else {
        PredictivePower::None
    }
}

/// Which constructs and items are predicted, and from which.
struct Roles {
    /// Endogenous constructs.
    endo: Vec<usize>,
    /// Items of endogenous constructs (predicted).
    targets: Vec<usize>,
    /// Items of exogenous constructs (the LM benchmark's regressors).
    exo_items: Vec<usize>,
}

impl Roles {
    fn of(model: &Model) -> Roles {
        let q = model.n_constructs();
        Roles {
            endo: (0..q).filter(|&j| model.is_endogenous(j)).collect(),
            targets: (0..model.n_items())
                .filter(|&k| model.is_endogenous(model.items[k].construct))
                .collect(),
            exo_items: (0..model.n_items())
                .filter(|&k| !model.is_endogenous(model.items[k].construct))
                .collect(),
        }
    }
}

/// Out-of-fold predictions summed over the repeats, per respondent.
struct Sums {
    pls: DMatrix<f64>,
    lm: DMatrix<f64>,
    naive: DMatrix<f64>,
    eta_hat: DMatrix<f64>,
    eta: DMatrix<f64>,
    /// Training estimations that did not converge.
    not_converged: usize,
}

impl Sums {
    /// Add up the folds' predictions (in fold order); the first failed fold is the error.
    fn of(outs: Vec<Result<FoldOut>>, n: usize, t: usize, n_endo: usize) -> Result<Sums> {
        let mut s = Sums {
            pls: DMatrix::<f64>::zeros(n, t),
            lm: DMatrix::<f64>::zeros(n, t),
            naive: DMatrix::<f64>::zeros(n, t),
            eta_hat: DMatrix::<f64>::zeros(n, n_endo),
            eta: DMatrix::<f64>::zeros(n, n_endo),
            not_converged: 0,
        };
        for o in outs {
            let o = o?;
            if !o.converged {
                s.not_converged += 1;
            }
            for (i, &row) in o.rows.iter().enumerate() {
                for c in 0..t {
                    s.pls[(row, c)] += o.pls[(i, c)];
                    s.lm[(row, c)] += o.lm[(i, c)];
                    s.naive[(row, c)] += o.naive[(i, c)];
                }
                for c in 0..n_endo {
                    s.eta_hat[(row, c)] += o.eta_hat[(i, c)];
                    s.eta[(row, c)] += o.eta[(i, c)];
                }
            }
        }
        Ok(s)
    }
}

/// (RMSE, MAE, Q²predict) of the predictions `yhat` of `y` against the `naive` ones.
fn metric(
    n: usize,
    y: &dyn Fn(usize) -> f64,
    yhat: &dyn Fn(usize) -> f64,
    naive: &dyn Fn(usize) -> f64,
) -> (f64, f64, f64) {
    let (mut sse, mut sae, mut ss0) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let e = y(i) - yhat(i);
        sse += e * e;
        sae += e.abs();
        let e0 = y(i) - naive(i);
        ss0 += e0 * e0;
    }
    let nf = n as f64;
    ((sse / nf).sqrt(), sae / nf, 1.0 - sse / ss0)
}

/// Every predicted indicator: PLS against the LM benchmark.
fn indicator_predictions(
    model: &Model,
    data: &Complete,
    roles: &Roles,
    sums: &Sums,
    pf: f64,
) -> Vec<IndicatorPrediction> {
    let n = data.x.nrows();
    let mut indicators = Vec::with_capacity(roles.targets.len());
    for (c, &k) in roles.targets.iter().enumerate() {
        let y = |i: usize| data.x[(i, k)];
        let naive = |i: usize| sums.naive[(i, c)] / pf;
        let (rmse, mae, q2) = metric(n, &y, &|i| sums.pls[(i, c)] / pf, &naive);
        let (lm_rmse, lm_mae, lm_q2) = metric(n, &y, &|i| sums.lm[(i, c)] / pf, &naive);
        indicators.push(IndicatorPrediction {
            item: k,
            construct: model.items[k].construct,
            q2_predict: q2,
            rmse,
            mae,
            lm_rmse,
            lm_mae,
            lm_q2_predict: lm_q2,
        });
    }
    indicators
}

/// Every endogenous construct's scores predicted from its antecedents.
fn construct_predictions(
    roles: &Roles,
    sums: &Sums,
    pf: f64,
    n: usize,
) -> Vec<ConstructPrediction> {
    roles
        .endo
        .iter()
        .enumerate()
        .map(|(c, &j)| {
            let (rmse, mae, q2) = metric(
                n,
                &|i| sums.eta[(i, c)] / pf,
                &|i| sums.eta_hat[(i, c)] / pf,
                &|_| 0.0,
            );
            ConstructPrediction {
                construct: j,
                q2_predict: q2,
                rmse,
                mae,
            }
        })
        .collect()
}

/// Train on every row but `test`, predict the `test` rows (PLS, LM, naive).
fn one_fold(
    model: &Model,
    data: &Complete,
    opts: &PredictOptions,
    test: &[usize],
    roles: &Roles,
) -> Result<FoldOut> {
    let (targets, exo_items, endo) = (&roles.targets, &roles.exo_items, &roles.endo);
    let (n, p) = data.x.shape();
    let mut is_test = vec![false; n];
    for &i in test {
        is_test[i] = true;
    }
    let train: Vec<usize> = (0..n).filter(|&i| !is_test[i]).collect();
    let xtr = DMatrix::from_fn(train.len(), p, |i, j| data.x[(train[i], j)]);
    let wtr: Option<Vec<f64>> = data
        .weights
        .as_ref()
        .map(|w| train.iter().map(|&i| w[i]).collect());
    let m = Moments::from_data(&xtr, wtr.as_deref())?;
    let fit = pls::estimate(model, &m, &opts.pls)?;
    let xte = DMatrix::from_fn(test.len(), p, |i, j| data.x[(test[i], j)]);
    let eta = fit.scores(model, &xte);
    let hat = antecedent_scores(model, &fit, &eta, opts.technique);
    let t = targets.len();
    let nt = test.len();
    let mut pls_pred = DMatrix::zeros(nt, t);
    let mut naive = DMatrix::zeros(nt, t);
    for (c, &k) in targets.iter().enumerate() {
        let j = model.items[k].construct;
        let scale = fit.sds[k] * fit.loadings[k];
        for i in 0..nt {
            pls_pred[(i, c)] = fit.means[k] + scale * hat[(i, j)];
            naive[(i, c)] = fit.means[k];
        }
    }
    let lm = lm_benchmark(&m, exo_items, targets, &xte)?;
    let eta_hat = DMatrix::from_fn(nt, endo.len(), |i, c| hat[(i, endo[c])]);
    let eta_obs = DMatrix::from_fn(nt, endo.len(), |i, c| eta[(i, endo[c])]);
    Ok(FoldOut {
        rows: test.to_vec(),
        pls: pls_pred,
        lm,
        naive,
        eta_hat,
        eta: eta_obs,
        converged: fit.converged,
    })
}

/// The scores of the endogenous constructs predicted from their antecedents: along
/// the structural model from the exogenous scores (earliest antecedents), or from the
/// direct predecessors' own scores.
fn antecedent_scores(
    model: &Model,
    fit: &PlsFit,
    eta: &DMatrix<f64>,
    technique: Technique,
) -> DMatrix<f64> {
    let nt = eta.nrows();
    let mut hat = eta.clone();
    // earliest antecedents read the predicted scores (filled in topological order),
    // direct antecedents the estimated ones
    let from_predicted = matches!(technique, Technique::EarliestAntecedents);
    for &j in model.topological_order() {
        if !model.is_endogenous(j) {
            continue;
        }
        for i in 0..nt {
            hat[(i, j)] = model
                .predecessors(j)
                .iter()
                .map(|&a| {
                    let source = if from_predicted {
                        hat[(i, a)]
                    } else {
                        eta[(i, a)]
                    };
                    fit.paths[(a, j)] * source
                })
                .sum();
        }
    }
    hat
}

/// The text a failed fold's estimation adds after "plspredict, repeat r fold f: ":
/// the LM benchmark's own message, any other error as it displays itself.
fn fold_cause(e: Error) -> String {
    match e {
        Error::Fit(FitError::LmSingular) => FitError::LmSingular.to_string(),
        other => other.to_string(),
    }
}

/// The LM benchmark from the training moments: b = C_xx^-1 C_xy, a = ȳ - b'x̄, for
/// every target item of the test rows `xte`.
fn lm_benchmark(
    m: &Moments,
    exo_items: &[usize],
    targets: &[usize],
    xte: &DMatrix<f64>,
) -> Result<DMatrix<f64>> {
    let (nt, t) = (xte.nrows(), targets.len());
    let e = exo_items.len();
    let cxx = DMatrix::from_fn(e, e, |a, b| m.cov[(exo_items[a], exo_items[b])]);
    let ch = cxx.cholesky().ok_or(FitError::LmSingular)?;
    let mut lm = DMatrix::zeros(nt, t);
    for (c, &k) in targets.iter().enumerate() {
        let cxy = DVector::from_fn(e, |a, _| m.cov[(exo_items[a], k)]);
        let b = ch.solve(&cxy);
        for i in 0..nt {
            let mut v = m.means[k];
            for (a, &x) in exo_items.iter().enumerate() {
                v += b[a] * (xte[(i, x)] - m.means[x]);
            }
            lm[(i, c)] = v;
        }
    }
    Ok(lm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_partition_the_rows() {
        for (n, k) in [(10, 10), (250, 10), (7, 3)] {
            let f = folds(n, k, 7, 3);
            assert_eq!(f.len(), k);
            let mut all = f.concat();
            all.sort_unstable();
            assert_eq!(all, (0..n).collect::<Vec<_>>());
            let (lo, hi) = (
                f.iter().map(|x| x.len()).min().unwrap(),
                f.iter().map(|x| x.len()).max().unwrap(),
            );
            assert!(hi - lo <= 1);
        }
        // different repeats shuffle differently
        assert_ne!(folds(50, 5, 7, 0), folds(50, 5, 7, 1));
    }

    #[test]
    fn technique_parses() {
        assert_eq!(
            "da".parse::<Technique>().unwrap(),
            Technique::DirectAntecedents
        );
        assert!("xx".parse::<Technique>().is_err());
    }
}
