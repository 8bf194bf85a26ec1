//! The replicate loop shared by every resampling method (bootstrap, jackknife,
//! permutation tests): replicates run in parallel in chunks, each one a function of its
//! number only, and land in replicate order in one result matrix.
//!
//! * **Determinism.** Replicate `r` computes from `r` alone (its draws come from
//!   stream `r` of the seed), and the results of a chunk are collected in order, so
//!   the result is bit-identical on 1 and N threads.
//! * **Memory.** Only the result matrix (replicates x statistics) is allocated for the
//!   whole run; replicates are computed [`CHUNK`] at a time, and per-thread scratch
//!   buffers are reused across chunks.
//! * **Failures.** A replicate that fails is counted by its reason and left as a row
//!   of `NaN`; it never stops the run.
//! * **Progress and interruption** through [`Hooks`].

use super::Hooks;
use crate::error::{Error, Result};
use nalgebra::DMatrix;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Replicates computed per chunk.
pub const CHUNK: usize = 4096;

/// Why a replicate failed: the reason text its failures are grouped by, and the
/// typed error of the first one (when it was an estimation failure).
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The reason, as reported (e.g. "an item has zero variance in the resample").
    pub reason: String,
    /// The typed estimation failure behind it, when there is one.
    pub error: Option<crate::estimate::FitError>,
}

impl Failure {
    /// A failure with a reason and no typed error.
    pub fn new(reason: impl Into<String>) -> Failure {
        Failure {
            reason: reason.into(),
            error: None,
        }
    }
}

/// Failures of a run, grouped by reason (sorted by reason text).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    map: BTreeMap<String, (Option<crate::estimate::FitError>, usize)>,
}

impl Tally {
    fn add(&mut self, f: Failure) {
        let e = self.map.entry(f.reason).or_insert((f.error, 0));
        e.1 += 1;
    }
    /// Failed replicates in all.
    pub fn total(&self) -> usize {
        self.map.values().map(|v| v.1).sum()
    }
    /// `(reason, count)` sorted by reason.
    pub fn reasons(&self) -> Vec<(String, usize)> {
        self.map.iter().map(|(k, v)| (k.clone(), v.1)).collect()
    }
    /// `(reason, first typed error, count)` sorted by reason.
    pub fn failures(&self) -> Vec<super::FailureCount> {
        self.map
            .iter()
            .map(|(k, v)| super::FailureCount {
                reason: k.clone(),
                error: v.0.clone(),
                count: v.1,
            })
            .collect()
    }
}

/// A scratch buffer borrowed from a pool and returned when dropped.
struct Pooled<'p, S> {
    item: Option<S>,
    pool: &'p Mutex<Vec<S>>,
}

impl<S> Drop for Pooled<'_, S> {
    fn drop(&mut self) {
        if let (Some(s), Ok(mut p)) = (self.item.take(), self.pool.lock()) {
            p.push(s);
        }
    }
}

/// Run `count` replicates of `width` statistics: `f(scratch, r)` gives replicate r's
/// values or why it failed. Returns the result matrix (row r = replicate r, `NaN` rows
/// for failures) and the failures.
///
/// # Errors
/// [`Error::Interrupted`] when cancelled through `hooks`.
pub(crate) fn run_replicates<S, I, F>(
    count: usize,
    width: usize,
    hooks: Option<&Hooks>,
    init: I,
    f: F,
) -> Result<(DMatrix<f64>, Tally)>
where
    S: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, usize) -> std::result::Result<Vec<f64>, Failure> + Sync,
{
    let mut values = DMatrix::from_element(count, width, f64::NAN);
    let mut tally = Tally::default();
    let done = AtomicUsize::new(0);
    let cancelled = AtomicBool::new(false);
    let pool: Mutex<Vec<S>> = Mutex::new(Vec::new());
    let is_cancelled = || hooks.is_some_and(|h| h.cancel.load(Ordering::Relaxed));
    let mut start = 0;
    while start < count {
        if is_cancelled() {
            return Err(Error::Interrupted);
        }
        let end = count.min(start.saturating_add(CHUNK));
        let chunk: Vec<Option<std::result::Result<Vec<f64>, Failure>>> = (start..end)
            .into_par_iter()
            .map_init(
                || {
                    let item = pool.lock().ok().and_then(|mut p| p.pop());
                    Pooled {
                        item: Some(item.unwrap_or_else(&init)),
                        pool: &pool,
                    }
                },
                |scratch, r| {
                    if is_cancelled() {
                        cancelled.store(true, Ordering::Relaxed);
                        return None;
                    }
                    let s = scratch.item.as_mut()?;
                    let out = f(s, r);
                    if let Some(h) = hooks {
                        let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                        (h.progress)(d);
                    }
                    Some(out)
                },
            )
            .collect();
        if cancelled.load(Ordering::Relaxed) {
            return Err(Error::Interrupted);
        }
        for (i, rep) in chunk.into_iter().enumerate() {
            match rep {
                Some(Ok(v)) => {
                    for (c, x) in v.into_iter().enumerate().take(width) {
                        values[(start + i, c)] = x;
                    }
                }
                Some(Err(why)) => tally.add(why),
                None => return Err(Error::Interrupted),
            }
        }
        start = end;
    }
    Ok((values, tally))
}
