//! Reachability in the inner model: which constructs a directed path connects.

use super::Model;

/// Which constructs directed paths connect ([`Model::reach`]).
///
/// # Example
/// ```
/// use csi::spec::{ConstructSpec, Model};
/// // A -> B -> C and A -> C
/// let m = Model::from_parts("toy",
///     vec![ConstructSpec::new("A", &["a"]), ConstructSpec::new("B", &["b"]), ConstructSpec::new("C", &["c"])],
///     &[("A", "B"), ("B", "C"), ("A", "C")])?;
/// let r = m.reach();
/// assert!(r.total(0, 2) && r.indirect(0, 2)); // A -> C directly and through B
/// assert!(r.total(1, 2) && !r.indirect(1, 2));
/// assert!(!r.total(2, 0));
/// assert_eq!(r.upstream(2), vec![true, true, false]);
/// # Ok::<(), csi::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    /// `any[i][j]`: a path of one or more arrows leads from i to j.
    any: Vec<Vec<bool>>,
    /// `indirect[i][j]`: a path of two or more arrows leads from i to j.
    indirect: Vec<Vec<bool>>,
}

impl Reach {
    /// A directed path (one or more arrows) leads from `from` to `to`: the total
    /// effect `from -> to` exists.
    pub fn total(&self, from: usize, to: usize) -> bool {
        self.any
            .get(from)
            .and_then(|r| r.get(to))
            .copied()
            .unwrap_or(false)
    }

    /// A path of two or more arrows leads from `from` to `to`: the indirect effect
    /// exists.
    pub fn indirect(&self, from: usize, to: usize) -> bool {
        self.indirect
            .get(from)
            .and_then(|r| r.get(to))
            .copied()
            .unwrap_or(false)
    }

    /// `up[i]`: a directed path leads from construct i to `target`.
    pub fn upstream(&self, target: usize) -> Vec<bool> {
        (0..self.any.len()).map(|i| self.total(i, target)).collect()
    }
}

impl Model {
    /// Reachability of the inner model (computed in topological order: construct j
    /// is reached from each predecessor i and from everything that reaches i).
    // i, j and a are construct indices (< q, the size of both matrices): the model's
    // paths and topological order only hold indices of its constructs.
    #[allow(clippy::indexing_slicing)]
    pub fn reach(&self) -> Reach {
        let q = self.n_constructs();
        let mut any = vec![vec![false; q]; q];
        let mut indirect = vec![vec![false; q]; q];
        for &j in self.topological_order() {
            for &i in self.predecessors(j) {
                any[i][j] = true;
                for a in 0..q {
                    if any[a][i] {
                        any[a][j] = true;
                        indirect[a][j] = true;
                    }
                }
            }
        }
        Reach { any, indirect }
    }
}
