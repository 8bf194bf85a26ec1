//! Estimators. PLS path modeling ([`pls`]) works from [`Moments`](crate::moments::Moments).
pub mod admissibility;
pub mod cbsem;
pub mod pls;
pub mod plsc;
