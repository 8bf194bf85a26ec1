//! Estimators. PLS path modeling ([`pls`]) works from [`Moments`](crate::moments::Moments).
pub mod pls;
