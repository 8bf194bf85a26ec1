//! The moments of one replicate: the seam between a resample's counts and the
//! estimators.
//!
//! The executor obtains every replicate's [`Moments`] through [`ReplicateMoments`].
//! The default, [`ResampleData`], forms the counts-weighted moments of the complete
//! rows in one pass without copying them; a missing-data method that must be redone
//! in every resample (e.g. EM) is another implementation.

use crate::data::Complete;
use crate::error::Result;
use crate::moments::Moments;
use nalgebra::DMatrix;

/// How the executor gets the moments of a replicate from its counts.
pub trait ReplicateMoments: Sync {
    /// Per-thread scratch buffers.
    type Scratch: Send;
    /// Number of respondents (the length of the counts).
    fn n(&self) -> usize;
    /// Fresh scratch buffers.
    fn scratch(&self) -> Self::Scratch;
    /// Moments of the resample in which respondent i is counted `counts[i]` times.
    ///
    /// # Errors
    /// When the moments cannot be formed (the default never fails).
    fn moments(&self, counts: &[u32], scratch: &mut Self::Scratch) -> Result<Moments>;
    /// Moments of the full sample (every respondent once).
    ///
    /// # Errors
    /// As [`ReplicateMoments::moments`].
    fn full(&self) -> Result<Moments> {
        let counts = vec![1u32; self.n()];
        self.moments(&counts, &mut self.scratch())
    }
}

/// Under `--missing em` every replicate redoes EM on its counts, warm-started from the
/// full-sample solution (Little & Rubin 2002); the full-sample moments are the EM
/// moments the model was fitted from.
impl ReplicateMoments for crate::em::EmSolution {
    type Scratch = ();
    fn n(&self) -> usize {
        self.data.n()
    }
    fn scratch(&self) {}
    fn moments(&self, counts: &[u32], _scratch: &mut ()) -> Result<Moments> {
        self.replicate_moments(counts)
    }
    fn full(&self) -> Result<Moments> {
        Ok(self.fit.moments())
    }
}

impl ReplicateMoments for ResampleData {
    type Scratch = Scratch;
    fn n(&self) -> usize {
        self.n
    }
    fn scratch(&self) -> Scratch {
        ResampleData::scratch(self)
    }
    fn moments(&self, counts: &[u32], scratch: &mut Scratch) -> Result<Moments> {
        Ok(ResampleData::moments(self, counts, scratch))
    }
}

/// The data of a resampling run: row-major centred answers and sampling weights, so
/// that the moments of any reweighting of the rows cost one pass and no copy.
pub struct ResampleData {
    n: usize,
    p: usize,
    /// (x_i - mean_full) row-major.
    d: Vec<f64>,
    /// sampling weights (1 without).
    w: Vec<f64>,
    means: Vec<f64>,
}

/// Scratch buffers of one worker thread.
pub struct Scratch {
    /// Stacked scaled rows, row-major (n x p, the first rows used).
    b: Vec<f64>,
    shift: Vec<f64>,
}

impl Scratch {
    /// Buffers for n rows of p items.
    pub(crate) fn new(n: usize, p: usize) -> Scratch {
        Scratch {
            b: vec![0.0; n * p],
            shift: vec![0.0; p],
        }
    }
}

impl ResampleData {
    /// Prepare complete data for resampling.
    pub fn new(data: &Complete) -> ResampleData {
        let (n, p) = data.x.shape();
        let w: Vec<f64> = data.weights.clone().unwrap_or_else(|| vec![1.0; n]);
        let ws: f64 = w.iter().sum();
        let means: Vec<f64> = (0..p)
            .map(|j| (0..n).map(|i| w[i] * data.x[(i, j)]).sum::<f64>() / ws)
            .collect();
        let mut d = vec![0.0; n * p];
        for i in 0..n {
            for j in 0..p {
                d[i * p + j] = data.x[(i, j)] - means[j];
            }
        }
        ResampleData { n, p, d, w, means }
    }

    /// Number of respondents.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Fresh scratch buffers.
    pub fn scratch(&self) -> Scratch {
        Scratch::new(self.n, self.p)
    }

    /// Moments of the resample `counts` (respondent i counted `counts[i]` times, with
    /// its sampling weight).
    ///
    /// # Formula
    /// ```text
    /// d_i = x_i - mean_full;  W = Σ c_i w_i;  s = Σ c_i w_i d_i / W
    /// mean = mean_full + s;   C = B'B / W - s s',  B = rows sqrt(c_i w_i) d_i (c_i > 0)
    /// ```
    /// (B'B by a blocked matrix product; the rows drawn zero times are skipped.)
    pub fn moments(&self, counts: &[u32], scratch: &mut Scratch) -> Moments {
        let p = self.p;
        counted_moments(counts, &self.w, &self.means, scratch, |i, a| {
            self.d[i * p + a]
        })
    }
}

/// The moments of the resample `counts` from centred cells `d(i, a)` = x_ia - mean_a
/// (the formula of [`ResampleData::moments`]), shared by every row store of the
/// executor ([`ResampleData`], [`super::CompactRows`]) so their replicates are
/// bit-identical.
pub(crate) fn counted_moments(
    counts: &[u32],
    w: &[f64],
    full_means: &[f64],
    scratch: &mut Scratch,
    d: impl Fn(usize, usize) -> f64,
) -> Moments {
    let (n, p) = (counts.len(), full_means.len());
    let Scratch { b, shift } = scratch;
    shift.iter_mut().for_each(|v| *v = 0.0);
    // rows with a positive count, scaled by sqrt(count * weight), stacked
    // row-major in b (m x p)
    let mut wsum = 0.0;
    let mut rows = 0usize;
    let mut m = 0usize;
    for i in 0..n {
        let c = counts[i];
        if c == 0 {
            continue;
        }
        rows += c as usize;
        let cw = c as f64 * w[i];
        wsum += cw;
        let sw = cw.sqrt();
        let dst = &mut b[m * p..(m + 1) * p];
        for a in 0..p {
            let x = d(i, a);
            shift[a] += cw * x;
            dst[a] = sw * x;
        }
        m += 1;
    }
    if wsum > 0.0 {
        for v in shift.iter_mut() {
            *v /= wsum;
        }
    }
    let mut cov = DMatrix::<f64>::zeros(p, p);
    let used = &b[..m * p];
    // C = B'B / W. The same row-major buffer is read as B' (p x m: row stride 1,
    // column stride p) and as B (m x p: row stride p, column stride 1); C is
    // nalgebra's column-major p x p (row stride 1, column stride p).
    // SAFETY: `used` holds m*p initialised f64, `cov` p*p; every index the
    // strides address lies inside them, and the two buffers do not overlap.
    unsafe {
        matrixmultiply::dgemm(
            p,
            m,
            p,
            1.0 / wsum,
            used.as_ptr(),
            1,
            p as isize,
            used.as_ptr(),
            p as isize,
            1,
            0.0,
            cov.as_mut_slice().as_mut_ptr(),
            1,
            p as isize,
        );
    }
    for a in 0..p {
        for c in 0..p {
            cov[(a, c)] -= shift[a] * shift[c];
        }
    }
    let means = full_means
        .iter()
        .zip(shift.iter())
        .map(|(m, s)| m + s)
        .collect();
    Moments {
        n: rows,
        weight_sum: wsum,
        means,
        cov,
    }
}
