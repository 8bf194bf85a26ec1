//! Moments: one pass over the data gives everything PLS needs.
//!
//! Every PLS estimate on standardized (or centred) indicators is a function of the
//! indicator covariance matrix, the means and the number of respondents. csi reads
//! the data once, forms [`Moments`], and the estimators iterate on p x p matrices
//! only, whatever n is. Moments can also be supplied from elsewhere
//! ([`Moments::from_cov`]).
//!
//! # Formula
//! ```text
//! W      = sum_i w_i                       (w_i = 1 without sampling weights)
//! mean_j = sum_i w_i x_ij / W
//! C_jk   = sum_i w_i (x_ij - mean_j)(x_ik - mean_k) / W      (population divisor)
//! ```
//! The sample covariance (divisor W - 1) is `C * W / (W - 1)`.
//!
//! # Example
//! ```
//! use csi::moments::Moments;
//! use nalgebra::DMatrix;
//! let x = DMatrix::from_row_slice(4, 2, &[1.0, 2.0, 2.0, 4.0, 3.0, 6.0, 4.0, 8.0]);
//! let m = Moments::from_data(&x, None)?;
//! assert!((m.means[0] - 2.5).abs() < 1e-12);
//! // population variance of 1,2,3,4 is 1.25
//! assert!((m.cov[(0, 0)] - 1.25).abs() < 1e-12);
//! assert!((m.correlation()[(0, 1)] - 1.0).abs() < 1e-12);
//! # Ok::<(), csi::Error>(())
//! ```

use crate::error::Result;
use crate::estimate::FitError;
use nalgebra::DMatrix;

/// Means and population covariance of the indicators.
#[derive(Debug, Clone, PartialEq)]
pub struct Moments {
    /// Number of respondents (rows).
    pub n: usize,
    /// Sum of weights (= n without weights).
    pub weight_sum: f64,
    /// Item means.
    pub means: Vec<f64>,
    /// Population covariance matrix (divisor = sum of weights).
    pub cov: DMatrix<f64>,
}

/// Rows per block when accumulating cross-products.
const BLOCK: usize = 2048;

impl Moments {
    /// Moments of a complete n x p matrix, optionally with sampling weights.
    ///
    /// # Errors
    /// [`crate::Error::Fit`] when the data are empty, contain non-finite values, or
    /// weights are negative / not finite / sum to zero.
    pub fn from_data(x: &DMatrix<f64>, weights: Option<&[f64]>) -> Result<Moments> {
        let (n, p) = x.shape();
        if n == 0 || p == 0 {
            return Err(FitError::NoData.into());
        }
        if let Some(w) = weights {
            if w.len() != n {
                return Err(FitError::WeightCount {
                    weights: w.len(),
                    respondents: n,
                }
                .into());
            }
            if let Some(i) = w.iter().position(|v| !v.is_finite() || *v < 0.0) {
                return Err(FitError::BadWeight {
                    respondent: i + 1,
                    value: w[i],
                }
                .into());
            }
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(FitError::NonFinite.into());
        }
        // rescaled to mean 1 (dividing by the largest first): the scale of the weights
        // can neither overflow nor underflow the sums (1e308 or 5e-324 weights)
        let scaled = weights.map(crate::design::weights::normalized);
        let weights = scaled.as_deref();
        let wsum: f64 = weights.map(|w| w.iter().sum()).unwrap_or(n as f64);
        if wsum <= 0.0 {
            return Err(FitError::ZeroWeightSum.into());
        }
        let mut means = vec![0.0; p];
        for (j, m) in means.iter_mut().enumerate() {
            let col = x.column(j);
            let s: f64 = match weights {
                Some(w) => col.iter().zip(w).map(|(a, b)| a * b).sum(),
                None => col.iter().sum(),
            };
            *m = s / wsum;
        }
        // Centred (and sqrt-weighted) blocks, accumulated as B'B.
        let mut cov = DMatrix::<f64>::zeros(p, p);
        let mut start = 0;
        while start < n {
            let rows = BLOCK.min(n - start);
            let mut b = DMatrix::<f64>::zeros(rows, p);
            for j in 0..p {
                let m = means[j];
                for r in 0..rows {
                    let i = start + r;
                    let sw = weights.map(|w| w[i].sqrt()).unwrap_or(1.0);
                    b[(r, j)] = (x[(i, j)] - m) * sw;
                }
            }
            cov.gemm_tr(1.0, &b, &b, 1.0);
            start += rows;
        }
        cov /= wsum;
        Ok(Moments {
            n,
            weight_sum: wsum,
            means,
            cov,
        })
    }

    /// Moments supplied from elsewhere: means, a **sample** covariance matrix (divisor
    /// n - 1, as R's `cov()` gives) and n.
    ///
    /// # Errors
    /// When the shapes disagree, n < 2 or the matrix is not symmetric.
    pub fn from_cov(means: Vec<f64>, sample_cov: DMatrix<f64>, n: usize) -> Result<Moments> {
        let p = means.len();
        if sample_cov.shape() != (p, p) || n < 2 {
            return Err(FitError::CovarianceShape.into());
        }
        for i in 0..p {
            for j in 0..i {
                if (sample_cov[(i, j)] - sample_cov[(j, i)]).abs()
                    > 1e-9 * (1.0 + sample_cov[(i, j)].abs())
                {
                    return Err(FitError::NotSymmetric {
                        row: i + 1,
                        column: j + 1,
                    }
                    .into());
                }
            }
        }
        let cov = sample_cov * ((n as f64 - 1.0) / n as f64);
        Ok(Moments {
            n,
            weight_sum: n as f64,
            means,
            cov,
        })
    }

    /// Number of items.
    pub fn p(&self) -> usize {
        self.means.len()
    }

    /// Population standard deviations (divisor = sum of weights).
    pub fn pop_sd(&self) -> Vec<f64> {
        (0..self.p())
            .map(|j| self.cov[(j, j)].max(0.0).sqrt())
            .collect()
    }

    /// Sample standard deviations (divisor n - 1; with weights, W - 1 on the weight scale
    /// normalised to n).
    pub fn sample_sd(&self) -> Vec<f64> {
        let n = self.n as f64;
        let f = if n > 1.0 { n / (n - 1.0) } else { 1.0 };
        (0..self.p())
            .map(|j| (self.cov[(j, j)].max(0.0) * f).sqrt())
            .collect()
    }

    /// Correlation matrix.
    pub fn correlation(&self) -> DMatrix<f64> {
        let sd = self.pop_sd();
        let p = self.p();
        DMatrix::from_fn(p, p, |i, j| {
            if i == j {
                1.0
            } else {
                self.cov[(i, j)] / (sd[i] * sd[j])
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tol::EXACT;

    #[test]
    fn blocks_agree_with_naive_computation() {
        // 5000 rows span three blocks; compare with the textbook two-pass formula.
        let n = 5000;
        let x = DMatrix::from_fn(n, 3, |i, j| ((i * 7 + j * 13) % 11) as f64 + 0.5 * j as f64);
        let m = Moments::from_data(&x, None).unwrap();
        for a in 0..3 {
            for b in 0..3 {
                let ma = x.column(a).mean();
                let mb = x.column(b).mean();
                let naive: f64 = (0..n)
                    .map(|i| (x[(i, a)] - ma) * (x[(i, b)] - mb))
                    .sum::<f64>()
                    / n as f64;
                assert!((m.cov[(a, b)] - naive).abs() < EXACT, "{a},{b}");
            }
        }
    }

    #[test]
    fn integer_weights_equal_repeated_rows() {
        // weight 2 on a row = that row twice (frequency-weight reading)
        let x = DMatrix::from_row_slice(3, 2, &[1.0, 3.0, 2.0, 1.0, 5.0, 4.0]);
        let w = [1.0, 2.0, 1.0];
        let mw = Moments::from_data(&x, Some(&w)).unwrap();
        let xr = DMatrix::from_row_slice(4, 2, &[1.0, 3.0, 2.0, 1.0, 2.0, 1.0, 5.0, 4.0]);
        let mr = Moments::from_data(&xr, None).unwrap();
        for k in 0..4 {
            assert!((mw.cov[k] - mr.cov[k]).abs() < EXACT);
        }
        assert!((mw.means[1] - mr.means[1]).abs() < EXACT);
    }
}
