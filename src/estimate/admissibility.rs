//! Admissibility diagnostics shared by the common-factor estimators
//! ([`cbsem`](super::cbsem) and [`plsc`](super::plsc)).
//!
//! Customer-satisfaction data are notoriously collinear: in the bank satisfaction data
//! expectation and quality correlate at 0.99 as common factors. Estimators then return
//! numbers that are impossible (a variance below zero, a standardized coefficient of
//! 2.6) or merely meaningless (a path with a standard error of 5). Instead of hiding
//! them, each result carries a list of [`Diagnostic`]s, each naming the constructs or
//! items involved and saying in plain language what is wrong and the likely cause.
//!
//! # Checks
//! ```text
//! NegativeVariance            an estimated variance (item error, disturbance, latent) < 0   (Heywood case)
//! LoadingAboveOne             |standardized loading| > 1
//! PathAboveOne                |standardized path| > 1
//! CorrelationAboveOne         |construct correlation| > 1
//! NotPositiveDefinite         smallest eigenvalue of the construct correlation matrix <= 0
//! RhoAAboveOne                rho_A > 1 (PLSc)
//! RhoANotPositive             rho_A <= 0 (PLSc)
//! NearCollinear               |construct correlation| > COLLINEAR_CORRELATION (0.95)
//! HugeStandardError           SE of a standardized coefficient > HUGE_STD_SE (1.0)
//! NotConverged / NotIdentified
//! ```
//! The first seven make a solution *inadmissible* ([`Severity::Inadmissible`]); the others
//! are warnings: the solution is admissible but some of its numbers are not determined
//! by the data. [`is_admissible`] is what a bootstrap uses to count inadmissible
//! resamples.
//!
//! # Example
//! ```
//! use csi::estimate::admissibility::{correlation_checks, DiagnosticKind};
//! use nalgebra::DMatrix;
//! let names = vec!["EXPE".to_string(), "QUAL".to_string()];
//! let r = DMatrix::from_row_slice(2, 2, &[1.0, 0.99, 0.99, 1.0]);
//! let d = correlation_checks(&names, &r);
//! assert_eq!(d.len(), 1);
//! assert_eq!(d[0].kind, DiagnosticKind::NearCollinear);
//! assert!(d[0].message.starts_with("EXPE and QUAL correlate 0.99"));
//! ```

use nalgebra::DMatrix;

/// Construct correlations above this (in absolute value) are reported as
/// [`DiagnosticKind::NearCollinear`]: the model cannot separate the two constructs.
pub const COLLINEAR_CORRELATION: f64 = 0.95;
/// A standard error of a *standardized* coefficient above this is "huge": the 95%
/// interval then spans more than ±2 on a scale where |coefficient| <= 1 is expected.
pub const HUGE_STD_SE: f64 = 1.0;
/// Eigenvalues of a correlation matrix at or below this count as non-positive.
pub const MIN_EIGENVALUE: f64 = 1e-10;

/// What a diagnostic is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticKind {
    /// A variance estimate below zero (Heywood case).
    NegativeVariance,
    /// A standardized loading beyond ±1.
    LoadingAboveOne,
    /// A standardized path coefficient beyond ±1.
    PathAboveOne,
    /// A construct correlation beyond ±1.
    CorrelationAboveOne,
    /// The construct correlation matrix is not positive definite.
    NotPositiveDefinite,
    /// A reliability rho_A above 1 (PLSc).
    RhoAAboveOne,
    /// A reliability rho_A at or below 0 (PLSc): the correction is undefined.
    RhoANotPositive,
    /// Two constructs correlate so highly that the model cannot separate them.
    NearCollinear,
    /// A standardized coefficient with a huge standard error (not determined by the data).
    HugeStandardError,
    /// The optimiser stopped before convergence.
    NotConverged,
    /// The information matrix is singular: some parameters are not identified.
    NotIdentified,
}

/// Inadmissible (impossible values) or a warning (possible but ill-determined).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The solution contains impossible values.
    Inadmissible,
    /// The solution is possible but some numbers are not to be trusted.
    Warning,
}

impl DiagnosticKind {
    /// The severity of this kind.
    pub fn severity(&self) -> Severity {
        match self {
            DiagnosticKind::NegativeVariance
            | DiagnosticKind::LoadingAboveOne
            | DiagnosticKind::PathAboveOne
            | DiagnosticKind::CorrelationAboveOne
            | DiagnosticKind::NotPositiveDefinite
            | DiagnosticKind::RhoAAboveOne
            | DiagnosticKind::RhoANotPositive => Severity::Inadmissible,
            _ => Severity::Warning,
        }
    }
}

/// One admissibility finding.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Diagnostic {
    /// What it is about.
    pub kind: DiagnosticKind,
    /// Inadmissible or warning (follows from `kind`).
    pub severity: Severity,
    /// The constructs / items involved (for a path: from, to).
    pub names: Vec<String>,
    /// The offending number (correlation, variance, coefficient, SE, eigenvalue...).
    pub value: f64,
    /// Plain-language message with the likely cause.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic of `kind` (its severity follows from the kind).
    pub fn new(kind: DiagnosticKind, names: Vec<String>, value: f64, message: String) -> Self {
        Diagnostic {
            kind,
            severity: kind.severity(),
            names,
            value,
            message,
        }
    }

    /// True when `name` is among the names involved.
    pub fn involves(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }
}

/// True when no diagnostic is [`Severity::Inadmissible`].
pub fn is_admissible(diagnostics: &[Diagnostic]) -> bool {
    diagnostics
        .iter()
        .all(|d| d.severity != Severity::Inadmissible)
}

/// Checks of a construct correlation matrix: |r| > 1, |r| > [`COLLINEAR_CORRELATION`]
/// (each pair once, reported as [`DiagnosticKind::CorrelationAboveOne`] or
/// [`DiagnosticKind::NearCollinear`]) and positive definiteness (smallest eigenvalue
/// > [`MIN_EIGENVALUE`]).
pub fn correlation_checks(names: &[String], r: &DMatrix<f64>) -> Vec<Diagnostic> {
    let q = r.nrows();
    let mut out = Vec::new();
    for a in 0..q {
        for b in (a + 1)..q {
            let v = r[(a, b)];
            let pair = vec![names[a].clone(), names[b].clone()];
            if !v.is_finite() {
                out.push(Diagnostic::new(
                    DiagnosticKind::CorrelationAboveOne,
                    pair,
                    v,
                    format!(
                        "the correlation of {} and {} is not a number: the estimation broke down for these constructs",
                        names[a], names[b]
                    ),
                ));
            } else if v.abs() > 1.0 {
                out.push(Diagnostic::new(
                    DiagnosticKind::CorrelationAboveOne,
                    pair,
                    v,
                    format!(
                        "{} and {} correlate {:.3}, beyond ±1: after correcting for measurement error the model cannot separate them (they measure the same thing, or their items are unreliable)",
                        names[a], names[b], v
                    ),
                ));
            } else if v.abs() > COLLINEAR_CORRELATION {
                out.push(Diagnostic::new(
                    DiagnosticKind::NearCollinear,
                    pair,
                    v,
                    format!(
                        "{} and {} correlate {:.2}: the model cannot separate them, so paths from or into both are not determined by the data (consider merging them or dropping one)",
                        names[a], names[b], v
                    ),
                ));
            }
        }
    }
    if r.iter().all(|v| v.is_finite()) && q > 0 {
        let sym = (r + r.transpose()) * 0.5;
        let eig = sym.symmetric_eigenvalues();
        let min = eig.iter().copied().fold(f64::INFINITY, f64::min);
        if min <= MIN_EIGENVALUE {
            out.push(Diagnostic::new(
                DiagnosticKind::NotPositiveDefinite,
                names.to_vec(),
                min,
                format!(
                    "the construct correlation matrix is not positive definite (smallest eigenvalue {min:.3e}): no set of constructs can have these correlations; usually two constructs correlate (nearly) perfectly"
                ),
            ));
        }
    }
    out
}

/// Message for a standardized coefficient beyond ±1.
pub(crate) fn path_above_one(from: &str, to: &str, v: f64) -> Diagnostic {
    Diagnostic::new(
        DiagnosticKind::PathAboveOne,
        vec![from.to_string(), to.to_string()],
        v,
        format!(
            "the standardized path {from} -> {to} is {v:.3}, beyond ±1: its predecessors are so collinear that their separate effects cannot be estimated"
        ),
    )
}

/// Message for a standardized loading beyond ±1.
pub(crate) fn loading_above_one(construct: &str, item: &str, v: f64) -> Diagnostic {
    Diagnostic::new(
        DiagnosticKind::LoadingAboveOne,
        vec![construct.to_string(), item.to_string()],
        v,
        format!(
            "the standardized loading of {item} on {construct} is {v:.3}, beyond ±1 (a Heywood case: the item's error variance is negative or the block has too few / too weak items)"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_positive_definite_is_caught() {
        let names: Vec<String> = ["A", "B", "C"].iter().map(|s| s.to_string()).collect();
        // a valid-looking set of pairwise correlations that no three variables can have
        let r = DMatrix::from_row_slice(3, 3, &[1.0, 0.9, -0.9, 0.9, 1.0, 0.9, -0.9, 0.9, 1.0]);
        let d = correlation_checks(&names, &r);
        assert!(d
            .iter()
            .any(|x| x.kind == DiagnosticKind::NotPositiveDefinite));
        assert!(!is_admissible(&d));
    }

    #[test]
    fn identity_is_clean() {
        let names: Vec<String> = ["A", "B"].iter().map(|s| s.to_string()).collect();
        assert!(correlation_checks(&names, &DMatrix::identity(2, 2)).is_empty());
    }

    #[test]
    fn above_one_is_inadmissible() {
        let names: Vec<String> = ["A", "B"].iter().map(|s| s.to_string()).collect();
        let r = DMatrix::from_row_slice(2, 2, &[1.0, 1.02, 1.02, 1.0]);
        let d = correlation_checks(&names, &r);
        assert!(d
            .iter()
            .any(|x| x.kind == DiagnosticKind::CorrelationAboveOne));
        assert!(d.iter().all(|x| x.severity == Severity::Inadmissible));
    }
}
