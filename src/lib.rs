//! # csi: customer-satisfaction index studies in one library
//!
//! A questionnaire goes in; out come the structural model's path coefficients, a
//! 0-100 satisfaction index per construct, and improvement priorities. The pipeline
//! flows one way, and each stage is a module:
//!
//! ```text
//! file --data--> Survey --moments--> Moments --estimate--> fit (PLS | PLSc | CB-SEM)
//!                                       |                   |--index----> 0-100 CSI
//!                                       |                   |--quality--> reliability, validity
//!                                       '--bootstrap (resamples of the moments, any estimator)
//!                                                           |--ipma / methods / compare
//!                                                           '--report--> tables, JSON, charts
//! ```
//!
//! * [`spec`]: model files (TOML, lavaan syntax) into a checked [`spec::Model`]; which
//!   paths connect which constructs ([`spec::Model::reach`]);
//! * [`data`]: questionnaire ingest (CSV/TSV in UTF-8 or GBK, XLSX, Parquet), missing
//!   codes such as 「无法回答」, validation, missing-data policies;
//! * [`moments`]: one pass over the data: means, standard deviations, covariances
//!   (optionally weighted);
//! * [`estimate`]: one [`estimate::Estimator`] interface for PLS path modeling, consistent
//!   PLS and covariance-based ML, with a common [`estimate::Fitted`] view, one
//!   [`estimate::Convergence`], typed failures ([`estimate::FitError`]) and the one
//!   total-effects function;
//! * [`stat`]: typed statistic keys ([`stat::Stat`]) and their JSON key text;
//! * [`analysis`]: the staged pipeline (missing-data policy, moments, PLS, quality,
//!   indices) shared by the CLI and library users;
//! * [`quality`]: reliability and validity (alpha, rho_C, rho_A, AVE, HTMT, VIF, ...);
//! * [`index`]: the 0-100 CSI (Fornell/ACSI recipe);
//! * [`bootstrap`]: one resampling executor for every estimator and statistic
//!   (percentile and BCa intervals, pluggable resampling scheme, limits, failure
//!   accounting);
//! * [`ipma`]: importance-performance map, quadrants and the ranked action list;
//! * [`methods`]: the source documents' evaluation methods (simple, dual evaluation,
//!   improved dual evaluation, regression) beside the SEM index, C = b/a, Dick & Basu
//!   loyalty segments;
//! * [`compare`]: competitor benchmarking: per-group fits, differences with bootstrap
//!   intervals, permutation tests, MICOM;
//! * [`program`]: a national index programme: companies, industries, sectors and
//!   waves in one run, with aggregation, changes and multiplicity ([`adjust`]);
//! * [`adjust`]: multiple-comparison adjustment (Holm, Benjamini-Hochberg);
//! * [`model_fit`]: model fit beyond SRMR: the bootstrap exact-fit test (d_ULS, d_G)
//!   and the fit indices;
//! * [`predict`]: out-of-sample prediction (PLSpredict) against the linear benchmark;
//! * [`design`]: survey design: strata and clusters in the bootstrap, sampling weights
//!   (checks, Kish's effective n, raking), speeders and straight-liners;
//! * [`em`]: EM means and covariances from incomplete answers (`--missing em`);
//! * [`init`]: a proposed model file from a data file's columns;
//! * [`report`]: every rendering: JSON documents, text tables and charts (SVG/PNG,
//!   Chinese labels), the management report (HTML, XLSX);
//! * [`simulate`]: populations with known paths for tests, benches and sample data;
//! * [`error`]: the one error type, located messages;
//! * [`tol`]: numerical tolerances, named in one place.
//!
//! # Example: fit a model to simulated data
//! ```
//! use csi::spec::{Model, ConstructSpec};
//! use csi::moments::Moments;
//! use csi::estimate::pls::{PlsSettings, estimate};
//! use nalgebra::DMatrix;
//!
//! let model = Model::from_parts(
//!     "toy",
//!     vec![ConstructSpec::new("QUAL", &["q1", "q2"]), ConstructSpec::new("SAT", &["s1", "s2"])],
//!     &[("QUAL", "SAT")],
//! )?;
//! // four respondents, four items
//! let x = DMatrix::from_row_slice(5, 4, &[
//!     7.0, 8.0, 6.0, 7.0,
//!     5.0, 5.0, 5.0, 4.0,
//!     9.0, 8.0, 9.0, 9.0,
//!     3.0, 4.0, 4.0, 3.0,
//!     6.0, 7.0, 7.0, 6.0,
//! ]);
//! let m = Moments::from_data(&x, None)?;
//! let fit = estimate(&model, &m, &PlsSettings::default())?;
//! assert!(fit.converged);
//! assert!(fit.path(0, 1).unwrap() > 0.9);
//! # Ok::<(), csi::Error>(())
//! ```
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
// Numerical code: index loops mirror the formulas, and `!(x > 0.0)` deliberately
// catches NaN as well as non-positive values.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

pub mod adjust;
pub mod analysis;
pub mod bootstrap;
pub mod compare;
pub mod criteria;
pub mod data;
pub mod design;
pub mod em;
pub mod error;
pub mod estimate;
pub mod index;
pub mod init;
pub mod input;
pub mod ipma;
pub mod limits;
pub mod methods;
pub mod model_fit;
pub mod moments;
pub mod predict;
pub mod profile;
pub mod program;
pub mod quality;
pub mod report;
pub mod simulate;
pub mod spec;
pub mod stat;
pub mod text_safety;
pub mod tol;

pub use error::{Error, Result};
