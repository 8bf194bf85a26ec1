//! # csi: customer-satisfaction index studies in one library
//!
//! A questionnaire goes in; out come the structural model's path coefficients, a
//! 0-100 satisfaction index per construct, and improvement priorities. The pipeline
//! flows one way, and each stage is a module:
//!
//! ```text
//! file --data--> Survey --moments--> Moments --estimate--> PlsFit --bootstrap--> intervals
//!                                                            |--index--> 0-100 CSI
//!                                                            |--ipma---> priorities
//!                                                            '--report-> tables, JSON, charts
//! ```
//!
//! * [`spec`]: model files (TOML, lavaan syntax) into a checked [`spec::Model`];
//! * [`data`]: questionnaire ingest (CSV/TSV in UTF-8 or GBK, XLSX, Parquet), missing
//!   codes such as 「无法回答」, validation, missing-data policies;
//! * [`moments`]: one pass over the data: means, standard deviations, covariances
//!   (optionally weighted);
//! * [`estimate`]: PLS path modeling from moments;
//! * [`quality`]: reliability and validity (alpha, rho_C, rho_A, AVE, HTMT, VIF, ...);
//! * [`index`]: the 0-100 CSI (Fornell/ACSI recipe);
//! * [`ipma`]: importance-performance map, quadrants and the ranked action list;
//! * [`methods`]: the source documents' evaluation methods (simple, dual evaluation,
//!   improved dual evaluation, regression) beside the SEM index, C = b/a, Dick & Basu
//!   loyalty segments;
//! * [`report`]: JSON documents, text tables and charts (SVG/PNG, Chinese labels);
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
// Numerical code: index loops mirror the formulas, and `!(x > 0.0)` deliberately
// catches NaN as well as non-positive values.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

pub mod analysis;
pub mod bootstrap;
pub mod compare;
pub mod data;
pub mod error;
pub mod estimate;
pub mod index;
pub mod input;
pub mod ipma;
pub mod methods;
pub mod moments;
pub mod quality;
pub mod report;
pub mod simulate;
pub mod spec;
pub mod text_safety;
pub mod tol;

pub use error::{Error, Result};
