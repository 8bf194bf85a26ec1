//! Typed estimation failures.

use super::EstimatorKind;
use crate::estimate::admissibility::DiagnosticKind;
use crate::text_safety::terminal;

/// Why an estimation produced no solution, by kind, so that callers (the bootstrap's
/// failure counts, the comparison's excluded groups) tell failures apart without
/// reading message text. The `Display` text is the message users see.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FitError {
    /// The moments and the model have different numbers of items.
    #[error("moments have {moments} items, the model {model}")]
    ItemCount {
        /// Items in the moments.
        moments: usize,
        /// Items in the model.
        model: usize,
    },
    /// An item has (numerically) zero variance.
    #[error("item '{item}' has zero variance")]
    ZeroVariance {
        /// The item.
        item: String,
    },
    /// A construct's proxy (composite) has zero variance.
    #[error("the proxy of construct '{construct}' has zero variance")]
    ProxyZeroVariance {
        /// The construct.
        construct: String,
    },
    /// A block's starting or final weights give a composite without variance.
    #[error("a block's weights give a proxy with zero variance")]
    BlockZeroVariance,
    /// The items of a Mode B block are perfectly collinear.
    #[error("the items of Mode B construct '{construct}' are perfectly collinear; regression weights cannot be computed")]
    CollinearItems {
        /// The construct.
        construct: String,
    },
    /// The predecessors of a construct are perfectly collinear.
    #[error("the predecessors of '{construct}' are perfectly collinear{}", if *.path_weighting { " (path weighting)" } else { "; its regression cannot be estimated" })]
    CollinearPredecessors {
        /// The construct whose regression is singular.
        construct: String,
        /// In the path-weighting scheme of the PLS iteration (else the final inner model).
        path_weighting: bool,
    },
    /// The PLS weights became infinite or NaN.
    #[error("the weights diverged (not finite)")]
    Diverged,
    /// A fit passed along does not belong to the model.
    #[error("the PLS fit does not belong to this model")]
    Mismatch,
    /// The estimator cannot estimate this model (e.g. a Mode B block in CB-SEM).
    #[error("CB-SEM models every construct as a common factor with reflective items, but construct '{construct}' is Mode B (formative); declare it Mode A or use the pls / plsc estimator")]
    ModeBInCbsem {
        /// The Mode B construct.
        construct: String,
    },
    /// The sample covariance matrix is not positive definite (maximum likelihood).
    #[error("the item covariance matrix is not positive definite (an item is constant or a linear combination of others); maximum likelihood needs a non-singular covariance matrix")]
    CovarianceNotPositiveDefinite,
    /// The sample covariance matrix is singular.
    #[error("the item covariance matrix is singular")]
    SingularCovariance,
    /// No starting point gives a positive definite implied covariance matrix.
    #[error("no starting values with a positive definite implied covariance matrix")]
    NoStart,
    /// The implied covariance matrix stopped being positive definite.
    #[error("the implied covariance matrix broke down")]
    ImpliedBrokeDown,
    /// The optimiser could not be set up.
    #[error("optimiser setup: {0}")]
    Optimiser(String),
    /// The iteration limit was reached before convergence (counted as a failure
    /// where a converged solution is required, e.g. a bootstrap resample).
    #[error("{} did not converge in {iterations} iterations", .estimator.label())]
    NotConverged {
        /// The estimator.
        estimator: EstimatorKind,
        /// Iterations done.
        iterations: usize,
    },
    /// The solution is inadmissible (where an admissible one is required).
    #[error("inadmissible {} solution ({kind:?})", .estimator.label())]
    Inadmissible {
        /// The estimator.
        estimator: EstimatorKind,
        /// The first inadmissible diagnostic.
        kind: DiagnosticKind,
    },
    /// An item has no scale, so no 0-100 score exists.
    #[error("item '{item}' has no scale: {needs} 0-100 scores; declare [scale] min/max in the model (or --scale MIN,MAX for a lavaan model)")]
    NoScale {
        /// The item.
        item: String,
        /// Who needs the scale, e.g. "the IPMA needs".
        needs: &'static str,
    },
    /// No rows or no columns to form moments from.
    #[error("no data to compute moments from")]
    NoData,
    /// The sampling weights do not match the rows.
    #[error("{weights} weights for {respondents} respondents")]
    WeightCount {
        /// Weights given.
        weights: usize,
        /// Respondents.
        respondents: usize,
    },
    /// A sampling weight is negative or not finite.
    #[error("weight of respondent {respondent} is {value}")]
    BadWeight {
        /// 1-based respondent.
        respondent: usize,
        /// The weight.
        value: f64,
    },
    /// The data hold missing or non-finite values.
    #[error("data contain missing or non-finite values")]
    NonFinite,
    /// The sampling weights sum to zero.
    #[error("weights sum to zero")]
    ZeroWeightSum,
    /// A supplied covariance matrix has the wrong shape (or n < 2).
    #[error("covariance matrix must be p x p with n >= 2")]
    CovarianceShape,
    /// A supplied covariance matrix is not symmetric.
    #[error("covariance matrix is not symmetric at ({row}, {column})")]
    NotSymmetric {
        /// 1-based row.
        row: usize,
        /// 1-based column.
        column: usize,
    },
    /// The IPMA target is not an endogenous construct.
    #[error("the IPMA target must be an endogenous construct")]
    IpmaTarget,
    /// A 0-100 index the computation needs is undefined.
    #[error("{0}")]
    IndexUndefined(String),
    /// Two 0-100 scores without variance make the IPMA undefined.
    #[error("the 0-100 score of '{a}' or '{b}' has no variance; the IPMA is undefined")]
    NoVariance100 {
        /// One construct.
        a: String,
        /// The other.
        b: String,
    },
    /// The LM benchmark's regression of PLSpredict is singular.
    #[error("the LM benchmark's regression on the exogenous indicators is singular (collinear indicators in the training rows)")]
    LmSingular,
    /// A PLSpredict fold's training estimation failed.
    #[error("plspredict, repeat {repeat} fold {fold}: {}", terminal(cause))]
    Fold {
        /// 1-based repeat.
        repeat: usize,
        /// 1-based fold.
        fold: usize,
        /// What failed, as the failure displays itself.
        cause: String,
    },
    /// A declared residual covariance makes the CB-SEM model unidentified.
    #[error(
        "residual covariance {} ~~ {} makes the model unidentified: {}; remove it from the model",
        terminal(a),
        terminal(b),
        terminal(why)
    )]
    UnidentifiedCovariance {
        /// One item.
        a: String,
        /// The other item.
        b: String,
        /// Why (which parameters it cannot be told apart from).
        why: String,
    },
    /// The target construct's 0-100 index is undefined.
    #[error("the index of the target '{}' is undefined", terminal(construct))]
    TargetIndexUndefined {
        /// The target construct.
        construct: String,
    },
    /// A pooled fit does not hold the respondents of its groups.
    #[error(
        "the {respondents} respondents of '{}' are not the {groups} respondents of its groups",
        terminal(name)
    )]
    GroupRespondents {
        /// Respondents of the pooled fit.
        respondents: usize,
        /// Its name.
        name: String,
        /// Respondents of its groups.
        groups: usize,
    },
    /// The saturated model (for the exact fit test) could not be built.
    #[error("saturated model: {}", terminal(.0))]
    SaturatedModel(String),
    /// EM (missing data) produced no moments.
    #[error("{0}")]
    Em(crate::em::EmError),
}

impl FitError {
    /// The reason a bootstrap resample failed, as the failure counts group it (every
    /// zero-variance case is one reason, every singular block another).
    ///
    /// ```
    /// use csi::estimate::FitError;
    /// let e = FitError::ZeroVariance { item: "sat1".into() };
    /// assert_eq!(e.to_string(), "item 'sat1' has zero variance");
    /// assert_eq!(e.resample_reason(), "an item has zero variance in the resample");
    /// ```
    pub fn resample_reason(&self) -> String {
        match self {
            FitError::ZeroVariance { .. }
            | FitError::ProxyZeroVariance { .. }
            | FitError::BlockZeroVariance => "an item has zero variance in the resample".into(),
            FitError::CollinearItems { .. } | FitError::CollinearPredecessors { .. } => {
                "singular matrix (perfectly collinear items or constructs)".into()
            }
            FitError::NotConverged {
                estimator: EstimatorKind::Cbsem,
                ..
            } => "CB-SEM did not converge".into(),
            FitError::NotConverged { iterations, .. } => {
                format!("not converged in {iterations} iterations")
            }
            FitError::Inadmissible { .. } => self.to_string(),
            // as the error displays itself (`csi::Error::Fit`)
            other => format!("estimation: {other}"),
        }
    }
}
