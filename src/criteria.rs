//! Information criteria (AIC, BIC) of a PLS model's structural equations, for model
//! comparison (Sharma, Sarstedt, Shmueli, Kim and Thiele 2019, "PLS-based model
//! selection", *Journal of the Association for Information Systems* 20(4)).
//!
//! Per endogenous construct j with p_j predictors, R²_j and n respondents, as seminr
//! computes them (`summary(model)$it_criteria`; `BIC_func` and `AIC_func` in
//! seminr's R/compute_metrics.R):
//! ```text
//! SSE_j = (1 - R²_j) var(score_j) (n - 1)
//! AIC_j = n ln(SSE_j / n) + 2 (p_j + 1)
//! BIC_j = n ln(SSE_j / n) + (p_j + 1) ln n
//! ```
//! seminr's (and SmartPLS's) scores have unit *sample* variance, so `SSE = (1 - R²)(n - 1)`;
//! with scores of unit population variance (plspm's standardization, [`Divisor::N`])
//! `SSE = (1 - R²) n`. Lower is better; only differences between models fitted to the
//! same respondents mean anything.
//!
//! ```
//! use csi::criteria::equation;
//! use csi::profile::Divisor;
//! // R² = 0.5, 2 predictors, n = 100: SSE = 0.5 * 99
//! let c = equation(0, 0.5, 2, 100, Divisor::NMinus1);
//! let core = 100.0 * (0.5f64 * 99.0 / 100.0).ln();
//! assert!((c.aic - (core + 6.0)).abs() < 1e-12);
//! assert!((c.bic - (core + 3.0 * 100f64.ln())).abs() < 1e-12);
//! ```

use crate::estimate::pls::PlsFit;
use crate::profile::Divisor;
use crate::spec::Model;

/// AIC and BIC of one structural equation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EquationCriteria {
    /// The endogenous construct.
    pub construct: usize,
    /// Number of predictors p_j.
    pub predictors: usize,
    /// Error sum of squares of the construct scores.
    pub sse: f64,
    /// Akaike information criterion.
    pub aic: f64,
    /// Bayesian (Schwarz) information criterion.
    pub bic: f64,
}

/// The criteria of one equation from its R², predictor count and n.
pub fn equation(
    construct: usize,
    r2: f64,
    predictors: usize,
    n: usize,
    divisor: Divisor,
) -> EquationCriteria {
    let nf = n as f64;
    let dof = match divisor {
        Divisor::NMinus1 => nf - 1.0,
        Divisor::N => nf,
    };
    let sse = (1.0 - r2) * dof;
    let core = nf * (sse / nf).ln();
    let k = predictors as f64 + 1.0;
    EquationCriteria {
        construct,
        predictors,
        sse,
        aic: core + 2.0 * k,
        bic: core + k * nf.ln(),
    }
}

/// AIC and BIC of every endogenous construct of a PLS fit, in construct order.
pub fn information_criteria(
    model: &Model,
    fit: &PlsFit,
    divisor: Divisor,
) -> Vec<EquationCriteria> {
    (0..model.n_constructs())
        .filter_map(|j| {
            let r2 = fit.r2[j]?;
            Some(equation(j, r2, model.predecessors(j).len(), fit.n, divisor))
        })
        .collect()
}
