//! One company-wave: its own fit (exactly `csi fit` on its rows) and the bootstrap
//! replicates of its construct indices. This is the one place the programme calls the
//! estimator and the resampler.
//!
//! # The lean resample
//! Only the 0-100 indices are needed from a resample, so a resample is: counts drawn
//! with replacement, the moments of the counted rows (one pass,
//! [`crate::bootstrap::ResampleData`]), PLS warm-started from the full-sample weights,
//! and the indices from its weights and means. No HTMT, effects or sign correction:
//! an index does not change when a block's weights all flip sign (the normalised
//! weights `u_k / Σ u_m` are unchanged), so no sign correction is needed. A resample
//! whose PLS fails or does not converge is counted with its reason, as in
//! [`crate::bootstrap::run`], and its row of replicates is `NaN`.
//!
//! # Seeds
//! The resamples of a company-wave draw from `ChaCha8Rng` seeded with
//! [`cell_seed`]`(seed, company, wave)`, replicate `r` on stream `r`
//! ([`crate::bootstrap::draw_counts`]). So the draws depend only on the run's seed,
//! the company's and the wave's names and `r`: not on the thread count, nor on where
//! the company's rows sit in the file (only on their order among themselves).

use crate::analysis::{analyze, FitOptions};
use crate::bootstrap::{draw_counts, run_replicates, Failure, Hooks, ResampleData};
use crate::data::Survey;
use crate::error::Result;
use crate::estimate::pls;
use crate::index::ConstructIndex;
use crate::spec::Model;
use nalgebra::DMatrix;
use std::sync::atomic::AtomicBool;

/// What [`fit_cell`] returns for a company-wave that could be fitted.
#[derive(Debug, Clone)]
pub struct CellFit {
    /// Respondents used (after the missing-data policy).
    pub n: usize,
    /// The full-sample indices (as `csi fit` reports them).
    pub indices: Vec<ConstructIndex>,
    /// Whether the full-sample PLS converged.
    pub converged: bool,
    /// Warnings of the fit (non-convergence, imputed answers, undefined indices).
    pub warnings: Vec<String>,
    /// Replicates x constructs of the indices; `NaN` for a failed resample or an
    /// undefined index. `None` without bootstrap.
    pub replicates: Option<DMatrix<f64>>,
    /// Failed resamples.
    pub failed: usize,
    /// Failure reasons with counts, sorted by reason.
    pub failure_reasons: Vec<(String, usize)>,
}

/// The seed of a company-wave's resamples: SplitMix64 of the run's seed combined with
/// the FNV-1a hash of the company and wave names.
///
/// ```
/// use csi::program::estimate::cell_seed;
/// assert_eq!(cell_seed(42, "A", "2024Q1"), cell_seed(42, "A", "2024Q1"));
/// assert_ne!(cell_seed(42, "A", "2024Q1"), cell_seed(42, "A", "2024Q2"));
/// assert_ne!(cell_seed(42, "AB", "C"), cell_seed(42, "A", "BC"));
/// assert_ne!(cell_seed(42, "A", "W1"), cell_seed(43, "A", "W1"));
/// ```
pub fn cell_seed(seed: u64, company: &str, wave: &str) -> u64 {
    // FNV-1a over company, a separator byte that UTF-8 never contains, and wave
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in company
        .as_bytes()
        .iter()
        .chain(std::iter::once(&0xffu8))
        .chain(wave.as_bytes())
    {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    splitmix64(splitmix64(seed) ^ h)
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Fit one company-wave (`survey` holds its rows only) and, with `resamples > 0`,
/// resample its indices with `seed` (see [`cell_seed`]).
///
/// The fit is [`analyze`] on the rows, so the indices equal `csi fit` on a file of
/// those rows.
///
/// # Errors
/// The errors of [`analyze`] (e.g. an item without variance or without any answer in
/// this company-wave); [`crate::Error::Interrupted`] when `cancel` is set.
///
/// # Example
/// ```
/// use csi::analysis::{analyze, FitOptions};
/// use csi::program::estimate::fit_cell;
/// # use csi::data::Survey;
/// # use csi::simulate::{Measurement, Population};
/// # use csi::spec::{ConstructSpec, Model, Scale};
/// # let model = Model::from_parts("toy",
/// #     vec![ConstructSpec::new("QUAL", &["q1", "q2", "q3"]), ConstructSpec::new("SAT", &["s1", "s2"])],
/// #     &[("QUAL", "SAT")])?.with_scale(Scale { min: 1.0, max: 10.0 })?;
/// # let pop = Population::new(&model, &[("QUAL", "SAT", 0.6)], Measurement::CommonFactor(0.8))?;
/// # let z = pop.draw_continuous(&model, 200, 1)?;
/// # let x = csi::simulate::to_scale(&model, &z, Scale { min: 1.0, max: 10.0 }, 7.0, 1.5, &[], &[]);
/// # let survey = Survey::from_matrix(model.items.iter().map(|i| i.name.clone()).collect(), x);
/// let cell = fit_cell(&model, &survey, &FitOptions::default(), 200, 7, None)?;
/// let a = analyze(&model, &survey, &FitOptions::default())?;
/// assert_eq!(cell.indices[1].value, a.indices[1].value); // the same fit as csi fit
/// let reps = cell.replicates.unwrap();
/// assert_eq!(reps.shape(), (200, 2));
/// assert_eq!(cell.failed, 0);
/// # Ok::<(), csi::Error>(())
/// ```
pub fn fit_cell(
    model: &Model,
    survey: &Survey,
    options: &FitOptions,
    resamples: usize,
    seed: u64,
    cancel: Option<&AtomicBool>,
) -> Result<CellFit> {
    let a = analyze(model, survey, options)?;
    let q = model.n_constructs();
    let mut out = CellFit {
        n: a.data.x.nrows(),
        indices: a.indices.clone(),
        converged: a.fit.converged,
        warnings: a.warnings.clone(),
        replicates: None,
        failed: 0,
        failure_reasons: Vec::new(),
    };
    if resamples == 0 {
        return Ok(out);
    }
    let prep = ResampleData::new(&a.data);
    let settings = options.pls;
    let start = &a.fit.weights;
    let quiet = |_: usize| {};
    let never = AtomicBool::new(false);
    let hooks = Hooks {
        progress: &quiet,
        cancel: cancel.unwrap_or(&never),
    };
    let (m, tally) = run_replicates(
        resamples,
        q,
        Some(&hooks),
        || (prep.scratch(), vec![0u32; prep.n()]),
        |(scratch, counts), r| {
            draw_counts(seed, r, counts);
            let m = prep.moments(counts, scratch);
            match pls::estimate_resample(model, &m, &settings, Some(start)) {
                Ok(fit) if fit.converged => Ok(crate::index::indices(model, &fit)
                    .into_iter()
                    .map(|c| c.value.unwrap_or(f64::NAN))
                    .collect()),
                Ok(fit) => Err(Failure::new(format!(
                    "not converged in {} iterations",
                    fit.iterations
                ))),
                Err(e) => Err(crate::bootstrap::failure(e)),
            }
        },
    )?;
    out.failed = tally.total();
    out.failure_reasons = tally.reasons();
    out.replicates = Some(m);
    Ok(out)
}
