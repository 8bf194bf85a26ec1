//! One integration-test crate (one linked binary: the polars tree makes each test
//! binary large, see ../shared/stack-notes.md §3).

mod common;

mod bootstrap;
mod cli_validate;
mod data;
mod recovery;
mod reference;
mod spec;
mod cbsem;
