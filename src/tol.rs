//! Numerical tolerances, named in one place (statrs `prec.rs` style).
//!
//! Tests and algorithms refer to these names, never to bare literals.

/// Algebraic identities (e.g. a recomputed quantity from the same inputs).
pub const EXACT: f64 = 1e-12;
/// Default PLS stopping tolerance (seminr/SmartPLS use 1e-7 on the weight change).
pub const PLS_DEFAULT: f64 = 1e-7;
/// Agreement with reference files computed at tol 1e-12 (issue 3: 1e-6).
pub const REFERENCE_FIXED_POINT: f64 = 1e-6;
/// Agreement with reference files computed at tol 1e-6 (issue 3: 1e-5).
pub const REFERENCE_TOL6: f64 = 1e-5;
/// A variance below this (relative to the squared mean scale) counts as zero.
pub const ZERO_VARIANCE: f64 = 1e-12;
/// Pivot / determinant threshold below which a matrix is treated as singular.
pub const SINGULAR: f64 = 1e-12;
/// CB-SEM convergence: largest absolute gradient component of the ML discrepancy F.
pub const CBSEM_GRADIENT: f64 = 1e-6;
/// Analytic gradient vs central finite differences (relative to 1 + |g|).
pub const GRADIENT_CHECK: f64 = 1e-5;
/// Agreement with lavaan's fit indices and well-determined paths (issue 7: 1e-3).
pub const REFERENCE_LAVAAN: f64 = 1e-3;
/// Recovery of simulated paths at n = 20,000 (issue 7: 0.02).
pub const RECOVERY_PATH: f64 = 0.02;
/// Moments from a moments file (or a warehouse query) against moments from the rows.
pub const MOMENTS_FILE: f64 = 1e-10;
/// A SQL engine's sums against csi's (different summation order over many rows).
pub const SQL_SUMS: f64 = 1e-9;
