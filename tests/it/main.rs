//! One integration-test crate (one linked binary: the polars tree makes each test
//! binary large, see ../shared/stack-notes.md §3).
#![allow(clippy::needless_range_loop)]

mod common;

mod bootstrap;
mod cbsem;
mod cbsem_covariance;
mod charts;
mod cli_fit;
mod cli_validate;
mod compare;
mod data;
mod design;
mod executor;
mod harden;
mod harden_output;
mod hoc;
mod init;
mod ipma;
mod mediation;
mod methods;
mod model_fit;
mod moderation;
mod predict;
mod profile;
mod program;
mod recovery;
mod reference;
mod report;
mod sav;
mod spec;
mod stream;
mod tables;
mod versus;
mod warnings_json;
