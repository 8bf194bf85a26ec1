//! One integration-test crate (one linked binary: the polars tree makes each test
//! binary large, see ../shared/stack-notes.md §3).
#![allow(clippy::needless_range_loop)]

mod common;

mod bootstrap;
mod cbsem;
mod charts;
mod cli_fit;
mod cli_validate;
mod compare;
mod data;
mod harden;
mod ipma;
mod methods;
mod recovery;
mod reference;
mod spec;
