//! Memory a fit will need, estimated before the work starts (issue 10, item 11).
//!
//! A model of 2,000 single-item constructs in a chain has 1,999,000 total effects;
//! with a bootstrap every one of them is resampled and kept for every resample (the
//! percentile intervals need them), so `--bootstrap 1000` would need tens of
//! gigabytes and end in an allocation failure (an abort, not an error). [`estimate`]
//! gives the order of magnitude from the model's shape (items p, constructs q, the
//! pairs a directed path connects, the HTMT pairs), the respondents n and the
//! resample count, and [`check`] refuses a fit whose estimate is larger than the
//! memory the system has available, with a user error (exit 2) that says what to
//! reduce.
//!
//! The estimate is calibrated on measured peaks (csi fit --json on chains of 1,000
//! and 2,000 single-item constructs, n = 60: 1.45 GB and 5.68 GB; about 2 KB per
//! reported effect once the JSON document and the text tables are built, plus the
//! Fornell-Larcker and cross-loading matrices).
//!
//! # Example
//! ```
//! use csi::spec::{ConstructSpec, Model};
//! let m = Model::from_parts("toy",
//!     vec![ConstructSpec::new("A", &["a1", "a2"]), ConstructSpec::new("B", &["b1", "b2"])],
//!     &[("A", "B")])?;
//! let e = csi::limits::estimate(&m, 250, 0);
//! assert!(e.bytes < 100 << 20); // a small model needs little more than the program
//! assert!(csi::limits::estimate(&m, 250, 5000).bytes > e.bytes);
//! # Ok::<(), csi::Error>(())
//! ```
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use crate::error::{Error, Result};
use crate::spec::Model;

/// Above this many constructs the discriminant-validity tables (Fornell-Larcker and
/// the construct columns of the cross-loadings, in the text, the JSON and `--tables`)
/// keep the constructs with two or more items only, as HTMT always does: for a single
/// item the AVE is 1 by definition and its cross-loadings repeat the construct
/// correlations, and a model of 2,000 single items wrote 4 million of them (580 MB of
/// JSON). Up to this size every construct is shown, as seminr and SmartPLS do.
pub const FULL_DISCRIMINANT_MAX_CONSTRUCTS: usize = 64;

/// Bytes per reported effect (the effect's JSON object, its text, its row of the
/// text table and the matrices behind it), from the measurements above.
const BYTES_PER_EFFECT: u64 = 2_200;
/// Bytes per HTMT pair and per entry of the Fornell-Larcker matrix in the documents.
const BYTES_PER_PAIR: u64 = 400;
/// Bytes per cell of a q x q or p x q matrix in the documents and text tables
/// (Fornell-Larcker, cross-loadings).
const BYTES_PER_MATRIX_CELL: u64 = 160;
/// Fixed part: the program, fonts, the chart library, thread stacks.
const BASE_BYTES: u64 = 64 << 20;

/// The memory estimate of one fit and what it is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    /// Total bytes.
    pub bytes: u64,
    /// Pairs of constructs connected by a directed path (reported effects).
    pub effects: u64,
    /// Statistics resampled per bootstrap resample.
    pub stats: u64,
}

/// Estimate the peak memory of fitting `model` to `n` respondents with `resamples`
/// bootstrap resamples (0 without a bootstrap) and writing its reports.
pub fn estimate(model: &Model, n: usize, resamples: usize) -> Estimate {
    let p = model.n_items() as u64;
    let q = model.n_constructs() as u64;
    let n = n as u64;
    let reach = model.reach();
    let qs = model.n_constructs();
    let mut effects = 0u64;
    let mut indirect = 0u64;
    for i in 0..qs {
        for j in 0..qs {
            effects += u64::from(reach.total(i, j));
            indirect += u64::from(reach.indirect(i, j));
        }
    }
    let multi = model
        .constructs
        .iter()
        .filter(|c| c.items.len() >= 2)
        .count() as u64;
    let htmt = multi * multi.saturating_sub(1) / 2;
    let paths = model.paths.len() as u64;
    // data and its copies (raw, treated, scores), item correlations, q x q matrices
    let data = 8 * (4 * n * p + n * q + 4 * p * p + 12 * q * q);
    let reports = BYTES_PER_EFFECT * (effects + paths)
        + BYTES_PER_PAIR * (htmt + p)
        + BYTES_PER_MATRIX_CELL * (q * q + p * q);
    // the executor keeps every statistic of every resample, plus one working copy
    // of the data per thread
    let stats = paths + 2 * p + effects + indirect + 2 * q + htmt;
    let boot = if resamples > 0 {
        8 * stats * resamples as u64 * 2 + 4 * 8 * n * p
    } else {
        0
    };
    Estimate {
        bytes: BASE_BYTES
            .saturating_add(data)
            .saturating_add(reports)
            .saturating_add(boot),
        effects,
        stats,
    }
}

/// Memory available to this process: the system's available memory
/// (`MemAvailable` of `/proc/meminfo`), or the cgroup's limit when that is lower.
/// `None` where neither can be read (then nothing is refused).
pub fn available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok().and_then(|t| {
        t.lines()
            .find(|l| l.starts_with("MemAvailable:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb.saturating_mul(1024))
    });
    let cgroup = [
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ]
    .iter()
    .find_map(|f| std::fs::read_to_string(f).ok())
    .and_then(|t| t.trim().parse::<u64>().ok());
    match (meminfo, cgroup) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn gb(b: u64) -> String {
    format!("{:.1} GB", b as f64 / 1e9)
}

/// Refuse a fit whose [`estimate`] exceeds `available` bytes (see [`available`]).
///
/// ```
/// use csi::spec::{ConstructSpec, Model};
/// let m = Model::from_parts("toy",
///     vec![ConstructSpec::new("A", &["a1", "a2"]), ConstructSpec::new("B", &["b1", "b2"])],
///     &[("A", "B")])?;
/// assert!(csi::limits::check(&m, 250, 1000, Some(8 << 30)).is_ok());
/// let e = csi::limits::check(&m, 250, 1000, Some(1 << 20)).unwrap_err();
/// assert!(e.to_string().contains("too large for the memory"));
/// # Ok::<(), csi::Error>(())
/// ```
///
/// # Errors
/// [`Error::Setting`] (`model`) naming the estimate, what it is made of and what to
/// reduce.
pub fn check(model: &Model, n: usize, resamples: usize, available: Option<u64>) -> Result<()> {
    let Some(avail) = available else {
        return Ok(());
    };
    let e = estimate(model, n, resamples);
    if e.bytes <= avail {
        return Ok(());
    }
    let without = estimate(model, n, 0);
    let advice = if resamples > 0 && without.bytes <= avail {
        let fits = (avail.saturating_sub(without.bytes)) / (16 * e.stats.max(1));
        format!(
            "; the fit alone needs {}: use fewer resamples (about {fits} at most)",
            gb(without.bytes)
        )
    } else {
        "; split the model, or run it on a machine with more memory".to_string()
    };
    Err(Error::setting(
        "model",
        format!(
            "the model is too large for the memory: about {} needed ({} constructs, {} items, {} respondents, {} effects, {} resamples), {} available{advice}",
            gb(e.bytes),
            model.n_constructs(),
            model.n_items(),
            n,
            e.effects,
            resamples,
            gb(avail),
        ),
    ))
}
