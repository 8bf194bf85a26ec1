//! Sufficient statistics folded in row batches: what a streaming reader, a moments
//! file (`csi moments`) or a warehouse query hands to the estimators.
//!
//! Every estimate of csi is a function of the indicator means and covariances. Under
//! the missing-data policies `mean` (item-mean replacement), `error` and `listwise`
//! those moments are exact functions of a few sums that can be accumulated over the
//! rows in any order, batch by batch, in memory that does not depend on the number of
//! rows ([`SufficientStats`]):
//!
//! ```text
//! o_ij = 1 when x_ij is observed, w_i = sampling weight (1 without), c_j = a centre
//! W_jk = Σ_i w_i o_ij o_ik                      (pair_weight)
//! S_jk = Σ_i w_i o_ij o_ik (x_ij - c_j)         (pair_sum: row j, column k)
//! P_jk = Σ_i w_i o_ij o_ik (x_ij - c_j)(x_ik - c_k)   (pair_cross)
//! and over the complete rows only: W_c, s_j, P^c_jk (the same sums, all o = 1)
//! ```
//!
//! Mean replacement fills x_ij by m_j = c_j + S_jj / W_jj; the completed column has
//! mean m_j, and with `d_j = m_j - c_j` its population covariance is
//!
//! ```text
//! C_jk = (P_jk - d_k S_jk - d_j S_kj + d_j d_k W_jk) / W      (W = Σ_i w_i, all rows)
//! ```
//!
//! since an imputed cell contributes zero to its centred cross-products. Listwise
//! deletion uses the complete-row sums: `mean_j = c_j + s_j / W_c`,
//! `C = (P^c - s s' / W_c) / W_c`. Both are the moments [`crate::moments::Moments::from_data`]
//! computes from the completed matrix, to rounding (the tests check 1e-12).
//!
//! The three p x p sums of a batch are matrix products (`Z' W Z`, `Z' W O`, `O' W O`
//! with Z the centred answers, zero where missing, and O the indicators), computed
//! by a blocked kernel ([`matrixmultiply`]); a batch without missing answers needs
//! only `Z' W Z` and column sums.
//!
//! The centre c only keeps the sums well conditioned (the first batch's observed
//! means); a moments file stores the sums with c = 0 ([`SufficientStats::recentered`])
//! so that a SQL query can produce the same numbers (see the README).
//!
//! # Example
//! ```
//! use csi::moments_stream::SufficientStats;
//! use csi::moments::Moments;
//! use csi::data::MissingPolicy;
//! use nalgebra::DMatrix;
//! // 4 respondents x 2 items (row-major), one missing answer
//! let rows = [1.0, 2.0, 2.0, f64::NAN, 3.0, 6.0, 4.0, 8.0];
//! let mut s = SufficientStats::new(vec!["a".into(), "b".into()], vec![2.5, 5.0], false);
//! s.fold(&rows[..4], None); // two batches
//! s.fold(&rows[4..], None);
//! let m = s.moments(MissingPolicy::Mean)?;
//! // the same as replacing the missing b by the mean of 2, 6, 8
//! let filled = DMatrix::from_row_slice(4, 2, &[1.0, 2.0, 2.0, 16.0 / 3.0, 3.0, 6.0, 4.0, 8.0]);
//! let direct = Moments::from_data(&filled, None)?;
//! assert!((m.cov[(0, 1)] - direct.cov[(0, 1)]).abs() < 1e-12);
//! assert!((m.means[1] - direct.means[1]).abs() < 1e-12);
//! # Ok::<(), csi::Error>(())
//! ```

use crate::data::MissingPolicy;
use crate::error::{Error, Location, Result};
use crate::estimate::FitError;
use crate::moments::Moments;
use nalgebra::DMatrix;

/// Counts and sums from which the moments under `mean`, `error` and `listwise` follow
/// exactly. Matrices are p x p, row-major. Weights enter divided by `weight_scale`
/// (a power of two, 1 unless the weights are extreme), which the moments do not see.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SufficientStats {
    /// Item names (model order).
    pub items: Vec<String>,
    /// The centre c_j the sums are taken about.
    pub center: Vec<f64>,
    /// True when sampling weights were folded.
    pub weighted: bool,
    /// The weights were divided by this before summing.
    pub weight_scale: f64,
    /// Respondent rows folded.
    pub n_rows: u64,
    /// Observed answers per item.
    pub observed: Vec<u64>,
    /// Σ w over all rows.
    pub weight: f64,
    /// Σ w² over all rows (Kish's effective n).
    pub weight_sq: f64,
    /// Rows with a positive weight.
    pub positive: u64,
    /// W_jk = Σ w o_j o_k.
    pub pair_weight: Vec<f64>,
    /// S_jk = Σ w o_j o_k (x_j - c_j).
    pub pair_sum: Vec<f64>,
    /// P_jk = Σ w o_j o_k (x_j - c_j)(x_k - c_k).
    pub pair_cross: Vec<f64>,
    /// Rows without a missing answer.
    pub complete_rows: u64,
    /// Σ w over the complete rows.
    pub complete_weight: f64,
    /// Σ w² over the complete rows.
    pub complete_weight_sq: f64,
    /// Complete rows with a positive weight.
    pub complete_positive: u64,
    /// Σ w (x_j - c_j) over the complete rows.
    pub complete_sum: Vec<f64>,
    /// Σ w (x_j - c_j)(x_k - c_k) over the complete rows.
    pub complete_cross: Vec<f64>,
}

/// Scratch buffers of one folding thread.
#[derive(Debug, Default)]
struct Buffers {
    z: Vec<f64>,
    wz: Vec<f64>,
    o: Vec<f64>,
    wo: Vec<f64>,
}

impl SufficientStats {
    /// Empty sums about the centre `center` (one value per item).
    pub fn new(items: Vec<String>, center: Vec<f64>, weighted: bool) -> SufficientStats {
        let p = items.len();
        SufficientStats {
            items,
            center,
            weighted,
            weight_scale: 1.0,
            n_rows: 0,
            observed: vec![0; p],
            weight: 0.0,
            weight_sq: 0.0,
            positive: 0,
            pair_weight: vec![0.0; p * p],
            pair_sum: vec![0.0; p * p],
            pair_cross: vec![0.0; p * p],
            complete_rows: 0,
            complete_weight: 0.0,
            complete_weight_sq: 0.0,
            complete_positive: 0,
            complete_sum: vec![0.0; p],
            complete_cross: vec![0.0; p * p],
        }
    }

    /// Empty sums with the same items, centre and weight scale (for a parallel part).
    pub fn empty_like(&self) -> SufficientStats {
        let mut s = SufficientStats::new(self.items.clone(), self.center.clone(), self.weighted);
        s.weight_scale = self.weight_scale;
        s
    }

    /// Number of items.
    pub fn p(&self) -> usize {
        self.items.len()
    }

    /// A centre for the sums from a first batch (row-major, `NaN` = missing): the
    /// observed means (0 for an item without an answer yet).
    pub fn center_of(rows: &[f64], p: usize) -> Vec<f64> {
        let mut s = vec![0.0; p];
        let mut k = vec![0usize; p];
        for r in rows.chunks_exact(p.max(1)) {
            for (j, &v) in r.iter().enumerate() {
                if !v.is_nan() {
                    s[j] += v;
                    k[j] += 1;
                }
            }
        }
        s.iter()
            .zip(&k)
            .map(|(s, &k)| if k > 0 { s / k as f64 } else { 0.0 })
            .collect()
    }

    /// A weight scale for weights like these: 1, or the power of two nearest their
    /// largest value when it is beyond 2^±64 (so that sums of squares cannot overflow).
    pub fn scale_for(weights: &[f64]) -> f64 {
        let m = weights
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max);
        if m > 0.0 && !(2f64.powi(-64)..=2f64.powi(64)).contains(&m) {
            2f64.powi(m.log2().floor() as i32)
        } else {
            1.0
        }
    }

    /// Fold a batch of rows: `rows` is row-major (b x p) with `NaN` for a missing
    /// answer, `weights` (length b, finite and >= 0) the sampling weights.
    pub fn fold(&mut self, rows: &[f64], weights: Option<&[f64]>) {
        let mut buf = Buffers::default();
        self.fold_with(rows, weights, &mut buf);
    }

    fn fold_with(&mut self, rows: &[f64], weights: Option<&[f64]>, buf: &mut Buffers) {
        let p = self.p();
        if p == 0 {
            return;
        }
        let b = rows.len() / p;
        if b == 0 {
            return;
        }
        let w = RowWeights {
            weights,
            scale: self.weight_scale,
        };
        let Buffers { z, wz, o, wo } = buf;
        let c = self.center_rows(rows, w, z, wz);
        self.n_rows += b as u64;
        self.weight += c.ws;
        self.weight_sq += c.ws2;
        let mut g = vec![0.0; p * p];
        at_b(b, p, z, wz, &mut g);
        add(&mut self.pair_cross, &g);
        if !c.any_missing {
            for j in 0..p {
                for k in 0..p {
                    self.pair_sum[j * p + k] += c.colsum[j];
                    self.pair_weight[j * p + k] += c.ws;
                }
            }
            self.complete_rows += b as u64;
            self.complete_weight += c.ws;
            self.complete_weight_sq += c.ws2;
            self.complete_positive += (0..b).filter(|&i| w.of(i) > 0.0).count() as u64;
            add(&mut self.complete_sum, &c.colsum);
            add(&mut self.complete_cross, &g);
            return;
        }
        self.add_pairwise(rows, w, z, o, wo);
        self.add_complete_rows(z, &c.complete, w);
    }

    /// Centre a batch of rows: `z` the deviations from the centre (0 for a missing
    /// answer), `wz` the same times the row weight; counts the observed answers and
    /// the rows of positive weight.
    fn center_rows(
        &mut self,
        rows: &[f64],
        w: RowWeights<'_>,
        z: &mut Vec<f64>,
        wz: &mut Vec<f64>,
    ) -> Centred {
        let p = self.p();
        let b = rows.len() / p;
        z.clear();
        wz.clear();
        z.reserve(b * p);
        wz.reserve(b * p);
        let mut c = Centred {
            any_missing: false,
            complete: vec![true; b],
            colsum: vec![0.0; p],
            ws: 0.0,
            ws2: 0.0,
        };
        for i in 0..b {
            let wi = w.of(i);
            c.ws += wi;
            c.ws2 += wi * wi;
            if wi > 0.0 {
                self.positive += 1;
            }
            let r = &rows[i * p..(i + 1) * p];
            for (j, &v) in r.iter().enumerate() {
                if v.is_nan() {
                    c.any_missing = true;
                    c.complete[i] = false;
                    z.push(0.0);
                    wz.push(0.0);
                } else {
                    self.observed[j] += 1;
                    let d = v - self.center[j];
                    z.push(d);
                    wz.push(wi * d);
                    c.colsum[j] += wi * d;
                }
            }
        }
        c
    }

    /// The pairwise sums of a batch with missing answers: `pair_sum` = Z' (W O) and
    /// `pair_weight` = O' (W O), with O the indicators of observed answers.
    fn add_pairwise(
        &mut self,
        rows: &[f64],
        w: RowWeights<'_>,
        z: &[f64],
        o: &mut Vec<f64>,
        wo: &mut Vec<f64>,
    ) {
        let p = self.p();
        let b = rows.len() / p;
        // indicators of observed answers, and the same times the weight
        o.clear();
        wo.clear();
        o.reserve(b * p);
        wo.reserve(b * p);
        for i in 0..b {
            let wi = w.of(i);
            for &v in &rows[i * p..(i + 1) * p] {
                let ob = if v.is_nan() { 0.0 } else { 1.0 };
                o.push(ob);
                wo.push(wi * ob);
            }
        }
        at_b(b, p, z, wo, &mut self.pair_sum);
        at_b(b, p, o, wo, &mut self.pair_weight);
    }

    /// The listwise sums of the complete rows of a batch (`z`: the centred rows).
    fn add_complete_rows(&mut self, z: &[f64], complete: &[bool], w: RowWeights<'_>) {
        let p = self.p();
        // the complete rows, stacked
        let keep: Vec<usize> = (0..complete.len()).filter(|&i| complete[i]).collect();
        if keep.is_empty() {
            return;
        }
        let mut zc = Vec::with_capacity(keep.len() * p);
        let mut wzc = Vec::with_capacity(keep.len() * p);
        for &i in &keep {
            let wi = w.of(i);
            self.complete_weight += wi;
            self.complete_weight_sq += wi * wi;
            if wi > 0.0 {
                self.complete_positive += 1;
            }
            for j in 0..p {
                let d = z[i * p + j];
                zc.push(d);
                wzc.push(wi * d);
                self.complete_sum[j] += wi * d;
            }
        }
        self.complete_rows += keep.len() as u64;
        at_b(keep.len(), p, &zc, &wzc, &mut self.complete_cross);
    }

    /// Add the sums of another part (same items and centre) to these.
    ///
    /// # Errors
    /// [`Error::Setting`] when the items, centres or weight scales differ.
    pub fn merge(&mut self, other: &SufficientStats) -> Result<()> {
        if self.items != other.items
            || self.center != other.center
            || self.weight_scale != other.weight_scale
        {
            return Err(Error::setting(
                "moments",
                "sums with different items, centres or weight scales cannot be added",
            ));
        }
        self.weighted |= other.weighted;
        self.n_rows += other.n_rows;
        for (a, b) in self.observed.iter_mut().zip(&other.observed) {
            *a += b;
        }
        self.weight += other.weight;
        self.weight_sq += other.weight_sq;
        self.positive += other.positive;
        add(&mut self.pair_weight, &other.pair_weight);
        add(&mut self.pair_sum, &other.pair_sum);
        add(&mut self.pair_cross, &other.pair_cross);
        self.complete_rows += other.complete_rows;
        self.complete_weight += other.complete_weight;
        self.complete_weight_sq += other.complete_weight_sq;
        self.complete_positive += other.complete_positive;
        add(&mut self.complete_sum, &other.complete_sum);
        add(&mut self.complete_cross, &other.complete_cross);
        Ok(())
    }

    /// The same sums about another centre (e.g. `vec![0.0; p]`: raw sums, as a SQL
    /// query computes them).
    pub fn recentered(&self, center: &[f64]) -> SufficientStats {
        let p = self.p();
        let mut s = self.clone();
        // x - c' = (x - c) + e with e = c - c'
        let e: Vec<f64> = (0..p).map(|j| self.center[j] - center[j]).collect();
        for j in 0..p {
            for k in 0..p {
                let jk = j * p + k;
                let kj = k * p + j;
                s.pair_sum[jk] = self.pair_sum[jk] + e[j] * self.pair_weight[jk];
                s.pair_cross[jk] = self.pair_cross[jk]
                    + e[k] * self.pair_sum[jk]
                    + e[j] * self.pair_sum[kj]
                    + e[j] * e[k] * self.pair_weight[jk];
                s.complete_cross[jk] = self.complete_cross[jk]
                    + e[k] * self.complete_sum[j]
                    + e[j] * self.complete_sum[k]
                    + e[j] * e[k] * self.complete_weight;
            }
        }
        for j in 0..p {
            s.complete_sum[j] = self.complete_sum[j] + e[j] * self.complete_weight;
        }
        s.center = center.to_vec();
        s
    }

    /// Missing answers per item.
    pub fn missing(&self) -> Vec<usize> {
        self.observed
            .iter()
            .map(|&o| (self.n_rows - o.min(self.n_rows)) as usize)
            .collect()
    }

    /// Respondents used by a policy (all rows, or the complete rows for listwise).
    pub fn n_used(&self, policy: MissingPolicy) -> usize {
        match policy {
            MissingPolicy::Listwise => self.complete_rows as usize,
            _ => self.n_rows as usize,
        }
    }

    /// Kish's effective n of the rows a policy uses (`(Σw)² / Σw²`).
    pub fn n_effective(&self, policy: MissingPolicy) -> f64 {
        let (s1, s2) = match policy {
            MissingPolicy::Listwise => (self.complete_weight, self.complete_weight_sq),
            _ => (self.weight, self.weight_sq),
        };
        if s2 > 0.0 {
            s1 * s1 / s2
        } else {
            0.0
        }
    }

    /// Rows with a positive weight among those a policy uses.
    pub fn positive_used(&self, policy: MissingPolicy) -> usize {
        match policy {
            MissingPolicy::Listwise => self.complete_positive as usize,
            _ => self.positive as usize,
        }
    }

    /// The moments under a missing-data policy (`mean`, `error` or `listwise`): the
    /// numbers [`Moments::from_data`] gives for the completed (or listwise-reduced)
    /// rows, with `weight_sum` on the weights rescaled to mean 1 (= n).
    ///
    /// # Errors
    /// [`FitError::NoData`] without rows (or complete rows for listwise), an item
    /// without an observed answer, missing answers under `error`, a zero weight sum;
    /// [`Error::Setting`] for `em` (EM needs the rows).
    pub fn moments(&self, policy: MissingPolicy) -> Result<Moments> {
        let p = self.p();
        let c = &self.center;
        match policy {
            MissingPolicy::Em => Err(Error::setting(
                "missing",
                "em needs the respondent rows; sufficient statistics give mean, listwise or error",
            )),
            MissingPolicy::Listwise => {
                let n = self.complete_rows as usize;
                let wc = self.complete_weight;
                if n == 0 || p == 0 {
                    return Err(FitError::NoData.into());
                }
                if !(wc > 0.0) {
                    return Err(FitError::ZeroWeightSum.into());
                }
                let s: Vec<f64> = self.complete_sum.iter().map(|v| v / wc).collect();
                let means = (0..p).map(|j| c[j] + s[j]).collect();
                let cov = DMatrix::from_fn(p, p, |j, k| {
                    (self.complete_cross[j * p + k] - wc * s[j] * s[k]) / wc
                });
                Ok(Moments {
                    n,
                    weight_sum: n as f64,
                    means,
                    cov: symmetrize(cov),
                })
            }
            MissingPolicy::Mean | MissingPolicy::Error => {
                let n = self.n_rows as usize;
                if n == 0 || p == 0 {
                    return Err(FitError::NoData.into());
                }
                if policy == MissingPolicy::Error && self.observed.iter().any(|&o| o < self.n_rows)
                {
                    return Err(Error::data(
                        Location::default(),
                        "missing answers and --missing error was given (use --missing mean or listwise)",
                    ));
                }
                let w = self.weight;
                if !(w > 0.0) {
                    return Err(FitError::ZeroWeightSum.into());
                }
                let mut d = vec![0.0; p];
                for j in 0..p {
                    let wj = self.pair_weight[j * p + j];
                    if !(wj > 0.0) {
                        return Err(Error::data(
                            Location {
                                column: Some(self.items[j].clone()),
                                ..Default::default()
                            },
                            "every answer of this item is missing",
                        ));
                    }
                    d[j] = self.pair_sum[j * p + j] / wj;
                }
                let means = (0..p).map(|j| c[j] + d[j]).collect();
                let cov = DMatrix::from_fn(p, p, |j, k| {
                    let jk = j * p + k;
                    (self.pair_cross[jk]
                        - d[k] * self.pair_sum[jk]
                        - d[j] * self.pair_sum[k * p + j]
                        + d[j] * d[k] * self.pair_weight[jk])
                        / w
                });
                Ok(Moments {
                    n,
                    weight_sum: n as f64,
                    means,
                    cov: symmetrize(cov),
                })
            }
        }
    }

    /// The sums of an in-memory matrix (n x p, `NaN` = missing), e.g. a survey read
    /// from a workbook; the centre is the observed means of the first rows.
    pub fn from_matrix(
        items: Vec<String>,
        x: &DMatrix<f64>,
        weights: Option<&[f64]>,
    ) -> SufficientStats {
        let (n, p) = x.shape();
        const ROWS: usize = 4096;
        let block = |start: usize, end: usize| {
            let mut v = Vec::with_capacity((end - start) * p);
            for i in start..end {
                for j in 0..p {
                    v.push(x[(i, j)]);
                }
            }
            v
        };
        let first = block(0, n.min(ROWS));
        let mut s = SufficientStats::new(
            items,
            SufficientStats::center_of(&first, p),
            weights.is_some(),
        );
        if let Some(w) = weights {
            s.weight_scale = SufficientStats::scale_for(w);
        }
        let mut start = 0;
        while start < n {
            let end = (start + ROWS).min(n);
            s.fold(&block(start, end), weights.map(|w| &w[start..end]));
            start = end;
        }
        s
    }

    /// Fold many row-major batches in parallel (rayon), each part into its own sums,
    /// then add the parts in batch order: the result does not depend on the number of
    /// threads.
    pub fn fold_parallel(&mut self, batches: &[(&[f64], Option<&[f64]>)]) -> Result<()> {
        use rayon::prelude::*;
        let parts: Vec<SufficientStats> = batches
            .par_iter()
            .map(|(rows, w)| {
                let mut s = self.empty_like();
                s.fold(rows, *w);
                s
            })
            .collect();
        for s in &parts {
            self.merge(s)?;
        }
        Ok(())
    }
}

/// Average the two triangles (the sums are symmetric up to rounding).
fn symmetrize(mut c: DMatrix<f64>) -> DMatrix<f64> {
    let p = c.nrows();
    for j in 0..p {
        for k in 0..j {
            let v = 0.5 * (c[(j, k)] + c[(k, j)]);
            c[(j, k)] = v;
            c[(k, j)] = v;
        }
    }
    c
}

/// The weights of a batch's rows on the sums' scale (1 each when unweighted).
#[derive(Clone, Copy)]
struct RowWeights<'w> {
    weights: Option<&'w [f64]>,
    scale: f64,
}

impl RowWeights<'_> {
    /// The weight of row `i`.
    fn of(&self, i: usize) -> f64 {
        self.weights.map_or(1.0, |w| w[i] / self.scale)
    }
}

/// What centring a batch found.
struct Centred {
    /// Some answer of the batch is missing.
    any_missing: bool,
    /// Per row: every answer observed.
    complete: Vec<bool>,
    /// Weighted column sums of the deviations.
    colsum: Vec<f64>,
    /// Sum of the weights, and of their squares.
    ws: f64,
    ws2: f64,
}

fn add(a: &mut [f64], b: &[f64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// `out += a' b` for row-major b_rows x p matrices `a` and `b` (`out` row-major p x p),
/// by matrixmultiply's blocked kernel.
fn at_b(b_rows: usize, p: usize, a: &[f64], b: &[f64], out: &mut [f64]) {
    if b_rows == 0 || p == 0 {
        return;
    }
    assert!(a.len() >= b_rows * p && b.len() >= b_rows * p && out.len() >= p * p);
    // SAFETY: a and b hold b_rows*p initialised f64 (checked above), out p*p; every
    // index the strides address lies inside them, and out does not overlap a or b
    // (a distinct &mut borrow).
    unsafe {
        matrixmultiply::dgemm(
            p,
            b_rows,
            p,
            1.0,
            a.as_ptr(),
            1,
            p as isize,
            b.as_ptr(),
            p as isize,
            1,
            1.0,
            out.as_mut_ptr(),
            p as isize,
            1,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Survey;
    use crate::tol::EXACT;

    fn data(n: usize, p: usize) -> (Vec<f64>, Vec<f64>) {
        let mut x = Vec::with_capacity(n * p);
        let mut w = Vec::with_capacity(n);
        for i in 0..n {
            for j in 0..p {
                let v = ((i * 7 + j * 13 + i / 3) % 10 + 1) as f64;
                x.push(if (i * 31 + j * 17) % 23 == 0 {
                    f64::NAN
                } else {
                    v
                });
            }
            w.push(0.5 + ((i * 11) % 7) as f64 / 3.0);
        }
        (x, w)
    }

    fn in_memory(x: &[f64], w: Option<&[f64]>, p: usize, policy: MissingPolicy) -> Moments {
        let n = x.len() / p;
        let m = DMatrix::from_row_slice(n, p, x);
        let mut s = Survey::from_matrix((0..p).map(|j| format!("i{j}")).collect(), m);
        s.weights = w.map(<[f64]>::to_vec);
        let (c, _) = s.complete(policy).unwrap();
        Moments::from_data(&c.x, c.weights.as_deref()).unwrap()
    }

    #[test]
    fn batches_equal_the_completed_matrix() {
        // hand-built data with missing cells; the in-memory path is the reference
        let p = 5;
        let (x, w) = data(3001, p);
        for policy in [MissingPolicy::Mean, MissingPolicy::Listwise] {
            for weights in [None, Some(&w[..])] {
                let items = (0..p).map(|j| format!("i{j}")).collect();
                let mut s = SufficientStats::new(
                    items,
                    SufficientStats::center_of(&x[..100 * p], p),
                    weights.is_some(),
                );
                let mut start = 0;
                for b in [7usize, 1000, 994, 1000] {
                    s.fold(
                        &x[start * p..(start + b) * p],
                        weights.map(|w| &w[start..start + b]),
                    );
                    start += b;
                }
                assert_eq!(start, 3001);
                let a = s.moments(policy).unwrap();
                let r = in_memory(&x, weights, p, policy);
                assert_eq!(a.n, r.n);
                for j in 0..p {
                    assert!((a.means[j] - r.means[j]).abs() < EXACT);
                    for k in 0..p {
                        assert!(
                            (a.cov[(j, k)] - r.cov[(j, k)]).abs() < EXACT,
                            "{policy:?} {j},{k}: {} vs {}",
                            a.cov[(j, k)],
                            r.cov[(j, k)]
                        );
                    }
                }
                // raw sums (centre 0) give the same moments
                let z = s.recentered(&vec![0.0; p]).moments(policy).unwrap();
                for k in 0..p * p {
                    assert!((z.cov[k] - a.cov[k]).abs() < 1e-10);
                }
            }
        }
    }
}
