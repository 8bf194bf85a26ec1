//! Compact respondent rows for resampling: answers on a questionnaire scale take one
//! byte per cell (or four), not eight, and give bit-identical replicate moments.
//!
//! [`super::ResampleData`] keeps the centred answers `d_ij = x_ij - mean_j` as f64, an
//! n x p copy beside the data. [`CompactRows`] keeps, per item, the table of its
//! distinct centred values and one `u8` code per cell (at most 256 distinct values per
//! item: a 1-10 scale plus the imputed mean needs 11), or, when an item has more, the
//! answers as `f32` when every one of them is exactly an `f32` (integers, halves). The
//! centred value of a cell is then the same f64 operation on the same operands as in
//! `ResampleData` (`x_ij - mean_j`, looked up or recomputed), and
//! [`CompactRows::moments`] repeats `ResampleData::moments` step by step, so every
//! replicate's moments, and hence every bootstrap result, are bit-identical.
//!
//! # Example
//! ```
//! use csi::bootstrap::{CompactRows, ReplicateMoments, ResampleData};
//! use csi::data::{MissingPolicy, Survey};
//! use nalgebra::DMatrix;
//! let x = DMatrix::from_fn(40, 3, |i, j| if (i + j) % 11 == 0 { f64::NAN } else { ((i * (j + 3)) % 10 + 1) as f64 });
//! let (data, _) = Survey::from_matrix(vec!["a".into(), "b".into(), "c".into()], x).complete(MissingPolicy::Mean)?;
//! let compact = CompactRows::new(&data).expect("a 1-10 scale fits in one byte");
//! assert_eq!(compact.bytes_per_cell(), 1);
//! let full = ResampleData::new(&data);
//! let counts: Vec<u32> = (0..40).map(|i| (i % 3) as u32).collect();
//! let a = ReplicateMoments::moments(&compact, &counts, &mut compact.scratch())?;
//! let b = ReplicateMoments::moments(&full, &counts, &mut ReplicateMoments::scratch(&full))?;
//! assert_eq!(a, b); // bit for bit
//! # Ok::<(), csi::Error>(())
//! ```

use super::moments::{ReplicateMoments, Scratch};
use crate::data::Complete;
use crate::error::Result;
use crate::moments::Moments;

/// How the cells are stored.
#[derive(Debug, Clone)]
enum Cells {
    /// One code per cell (row-major); `tables[j][code]` is the centred value.
    Codes {
        codes: Vec<u8>,
        tables: Vec<Vec<f64>>,
    },
    /// The answers as f32 (row-major), centred when read.
    Single(Vec<f32>),
}

/// Respondent rows for resampling in one or four bytes per cell.
#[derive(Debug, Clone)]
pub struct CompactRows {
    n: usize,
    p: usize,
    cells: Cells,
    w: Vec<f64>,
    means: Vec<f64>,
}

impl CompactRows {
    /// Compact rows of complete data, or `None` when an item has more than 256
    /// distinct values and some answer is not exactly an f32 (then use
    /// [`super::ResampleData`]).
    pub fn new(data: &Complete) -> Option<CompactRows> {
        let (n, p) = data.x.shape();
        // the weights and means exactly as ResampleData forms them
        let w: Vec<f64> = data.weights.clone().unwrap_or_else(|| vec![1.0; n]);
        let ws: f64 = w.iter().sum();
        let means: Vec<f64> = (0..p)
            .map(|j| (0..n).map(|i| w[i] * data.x[(i, j)]).sum::<f64>() / ws)
            .collect();
        // codes: distinct values per item (by bit pattern), at most 256
        let mut tables: Vec<Vec<f64>> = Vec::with_capacity(p);
        let mut values: Vec<Vec<u64>> = Vec::with_capacity(p);
        let mut fits = true;
        'items: for j in 0..p {
            let mut seen: Vec<u64> = Vec::new();
            for i in 0..n {
                let bits = data.x[(i, j)].to_bits();
                if !seen.contains(&bits) {
                    if seen.len() == 256 {
                        fits = false;
                        break 'items;
                    }
                    seen.push(bits);
                }
            }
            tables.push(seen.iter().map(|&b| f64::from_bits(b) - means[j]).collect());
            values.push(seen);
        }
        let cells = if fits {
            let mut codes = vec![0u8; n * p];
            for j in 0..p {
                let vals = &values[j];
                for i in 0..n {
                    let bits = data.x[(i, j)].to_bits();
                    let c = vals.iter().position(|&b| b == bits).unwrap_or(0);
                    codes[i * p + j] = c as u8;
                }
            }
            Cells::Codes { codes, tables }
        } else {
            let mut v = Vec::with_capacity(n * p);
            for i in 0..n {
                for j in 0..p {
                    let x = data.x[(i, j)];
                    let s = x as f32;
                    if f64::from(s).to_bits() != x.to_bits() {
                        return None;
                    }
                    v.push(s);
                }
            }
            Cells::Single(v)
        };
        Some(CompactRows {
            n,
            p,
            cells,
            w,
            means,
        })
    }

    /// Bytes per stored cell: 1 (codes) or 4 (f32).
    pub fn bytes_per_cell(&self) -> usize {
        match self.cells {
            Cells::Codes { .. } => 1,
            Cells::Single(_) => 4,
        }
    }

    /// Fresh scratch buffers (as [`super::ResampleData::scratch`]).
    pub fn scratch(&self) -> Scratch {
        Scratch::new(self.n, self.p)
    }

    /// The centred value of cell (i, a).
    #[inline]
    fn d(&self, i: usize, a: usize) -> f64 {
        match &self.cells {
            Cells::Codes { codes, tables } => tables[a][codes[i * self.p + a] as usize],
            Cells::Single(v) => f64::from(v[i * self.p + a]) - self.means[a],
        }
    }

    /// Moments of the resample `counts`: the arithmetic of
    /// [`super::ResampleData::moments`], step by step.
    pub fn moments(&self, counts: &[u32], scratch: &mut Scratch) -> Moments {
        super::moments::counted_moments(counts, &self.w, &self.means, scratch, |i, a| self.d(i, a))
    }
}

impl ReplicateMoments for CompactRows {
    type Scratch = Scratch;
    fn n(&self) -> usize {
        self.n
    }
    fn scratch(&self) -> Scratch {
        CompactRows::scratch(self)
    }
    fn moments(&self, counts: &[u32], scratch: &mut Scratch) -> Result<Moments> {
        Ok(CompactRows::moments(self, counts, scratch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bootstrap::ResampleData;
    use crate::data::{MissingPolicy, Survey};
    use nalgebra::DMatrix;

    fn complete(x: DMatrix<f64>, w: Option<Vec<f64>>) -> Complete {
        let p = x.ncols();
        let mut s = Survey::from_matrix((0..p).map(|j| format!("i{j}")).collect(), x);
        s.weights = w;
        s.complete(MissingPolicy::Mean).map(|c| c.0).unwrap()
    }

    #[test]
    fn replicates_are_bit_identical() {
        // expected: ResampleData's moments of the same counts, bit for bit
        let n = 300;
        let x = DMatrix::from_fn(n, 6, |i, j| {
            if (i * 7 + j) % 19 == 0 {
                f64::NAN
            } else {
                ((i * (j + 5) + i / 7) % 10 + 1) as f64
            }
        });
        let w: Vec<f64> = (0..n).map(|i| 0.3 + (i % 9) as f64 * 0.37).collect();
        // many distinct halves: the f32 form
        let y = DMatrix::from_fn(n, 3, |i, j| ((i * 31 + j * 7) % 400) as f64 * 0.5);
        for (data, bytes) in [
            (complete(x.clone(), None), 1),
            (complete(x, Some(w)), 1),
            (complete(y, None), 4),
        ] {
            let c = CompactRows::new(&data).unwrap();
            assert_eq!(c.bytes_per_cell(), bytes);
            let r = ResampleData::new(&data);
            let (mut s1, mut s2) = (c.scratch(), r.scratch());
            for rep in 0..20u32 {
                let counts: Vec<u32> = (0..n as u32).map(|i| (i * 7 + rep * 13) % 4).collect();
                assert_eq!(c.moments(&counts, &mut s1), r.moments(&counts, &mut s2));
            }
        }
        // an item with more than 256 values that are not f32: no compact form
        let z = DMatrix::from_fn(n, 2, |i, j| (i as f64 + j as f64) / 3.0);
        assert!(CompactRows::new(&complete(z, None)).is_none());
    }
}
