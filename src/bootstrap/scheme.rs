//! How a replicate draws its resample: the pluggable resampling scheme.
//!
//! The executor ([`crate::bootstrap::run_with`]) asks the scheme for the counts of
//! replicate `r` (how often each respondent is drawn) and never looks inside; a
//! stratified or cluster bootstrap is another [`ResampleScheme`].

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// How replicate r draws its resample: fills `counts[i]` = times respondent i is drawn.
///
/// The counts must depend only on `(seed, r)` (never on the thread or the order in
/// which replicates run): that is what makes results bit-identical on 1 and N threads.
pub trait ResampleScheme: Sync {
    /// Fill `counts` (one entry per respondent) for replicate `r` of a run with `seed`.
    fn draw(&self, seed: u64, r: usize, counts: &mut [u32]);

    /// Degrees of freedom of the t tests of `n` respondents: `n - 1` for simple
    /// random resampling; a complex design has fewer (PSUs minus strata).
    fn df(&self, n: usize) -> usize {
        n.saturating_sub(1)
    }

    /// The resampled unit of each respondent when it is not the respondent itself
    /// (the cluster index under a cluster design): a BCa jackknife then deletes one
    /// unit at a time. `None` (the default): respondents are the units.
    fn units(&self) -> Option<&[u32]> {
        None
    }
}

/// Simple random resampling of respondents with replacement: n draws from stream `r`
/// of `ChaCha8Rng::seed_from_u64(seed)` ([`draw_counts`]).
///
/// ```
/// use csi::bootstrap::{Iid, ResampleScheme};
/// let mut a = vec![0u32; 50];
/// let mut b = vec![0u32; 50];
/// Iid.draw(42, 3, &mut a);
/// Iid.draw(42, 3, &mut b);
/// assert_eq!(a, b); // a replicate depends only on (seed, r)
/// assert_eq!(a.iter().sum::<u32>(), 50); // n draws
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Iid;

impl ResampleScheme for Iid {
    fn draw(&self, seed: u64, r: usize, counts: &mut [u32]) {
        draw_counts(seed, r, counts);
    }
}

/// Replicate `r`'s resample: n draws with replacement from stream `r` of
/// `ChaCha8Rng::seed_from_u64(seed)`, as counts per respondent.
///
/// ```
/// let mut c = vec![0u32; 10];
/// csi::bootstrap::draw_counts(7, 0, &mut c);
/// assert_eq!(c.iter().sum::<u32>(), 10);
/// ```
pub fn draw_counts(seed: u64, r: usize, counts: &mut [u32]) {
    let n = counts.len();
    counts.iter_mut().for_each(|c| *c = 0);
    if n == 0 {
        return;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(r as u64);
    for _ in 0..n {
        let i = rng.random_range(0..n);
        counts[i] += 1;
    }
}
