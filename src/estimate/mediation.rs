//! Mediation: specific indirect effects.
//!
//! A *specific indirect effect* is the effect of construct A on construct B through one
//! chain of mediators: the product of the path coefficients along one directed path of
//! two or more arrows, e.g. `IMAG -> EXPE -> SAT` is `b(IMAG,EXPE) * b(EXPE,SAT)`
//! (Hayes 2018; Nitzl, Roldán & Cepeda 2016; seminr `specific_effect_significance`,
//! SmartPLS "specific indirect effects"). In a recursive model the specific indirect
//! effects of a pair sum to its total indirect effect (total minus direct): every term
//! of `B² + B³ + ...` is one chain.
//!
//! The chains are enumerated once per model ([`chains`]) in a fixed order (by the first
//! construct, then the last, then the constructs in between in model order), and a
//! chain is named in statistics and documents by its index in that list
//! ([`crate::stat::Stat::SpecificIndirect`]). Models with more than [`MAX_CHAINS`]
//! chains list the first [`MAX_CHAINS`] only ([`chains`] says when it stopped).
//!
//! # Example
//! ```
//! use csi::estimate::mediation::{chains, effect};
//! use csi::spec::{ConstructSpec, Model};
//! use nalgebra::DMatrix;
//! // A -> B -> C, A -> C: one chain of two arrows
//! let m = Model::from_parts("toy",
//!     vec![ConstructSpec::new("A", &["a"]), ConstructSpec::new("B", &["b"]), ConstructSpec::new("C", &["c"])],
//!     &[("A", "B"), ("B", "C"), ("A", "C")])?;
//! let c = chains(&m);
//! assert_eq!(c.list, vec![vec![0, 1, 2]]);
//! let mut b = DMatrix::zeros(3, 3);
//! b[(0, 1)] = 0.5; b[(1, 2)] = 0.4; b[(0, 2)] = 0.1;
//! assert!((effect(&b, &c.list[0]) - 0.2).abs() < 1e-12);
//! # Ok::<(), csi::Error>(())
//! ```

use crate::spec::Model;
use nalgebra::DMatrix;

/// The most chains listed for one model (the count grows exponentially with the
/// number of paths; the CSI models have a few dozen at most).
pub const MAX_CHAINS: usize = 5_000;

/// The chains (directed paths of two or more arrows) of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chains {
    /// Each chain as construct indices, first the cause, last the effect.
    pub list: Vec<Vec<usize>>,
    /// True when the model has more than [`MAX_CHAINS`] chains and the list stops there.
    pub truncated: bool,
}

/// Every directed path of two or more arrows of the inner model, ordered by first
/// construct, last construct, then lexicographically by the constructs in between.
pub fn chains(model: &Model) -> Chains {
    let q = model.n_constructs();
    let mut all: Vec<Vec<usize>> = Vec::new();
    let mut truncated = false;
    let mut stack: Vec<usize> = Vec::new();
    fn walk(
        model: &Model,
        stack: &mut Vec<usize>,
        all: &mut Vec<Vec<usize>>,
        truncated: &mut bool,
    ) {
        let Some(&last) = stack.last() else { return };
        for &next in model.successors(last) {
            if all.len() >= MAX_CHAINS {
                *truncated = true;
                return;
            }
            stack.push(next);
            if stack.len() >= 3 {
                all.push(stack.clone());
            }
            walk(model, stack, all, truncated);
            stack.pop();
        }
    }
    for a in 0..q {
        stack.clear();
        stack.push(a);
        walk(model, &mut stack, &mut all, &mut truncated);
    }
    all.sort_by(|x, y| {
        (x[0], x[x.len() - 1], &x[1..x.len() - 1]).cmp(&(y[0], y[y.len() - 1], &y[1..y.len() - 1]))
    });
    Chains {
        list: all,
        truncated,
    }
}

/// The specific indirect effect of `chain`: the product of `paths[(a, b)]` along it.
pub fn effect(paths: &DMatrix<f64>, chain: &[usize]) -> f64 {
    chain.windows(2).map(|w| paths[(w[0], w[1])]).product()
}

/// A chain as text, `IMAG -> EXPE -> SAT`.
pub fn chain_text(model: &Model, chain: &[usize]) -> String {
    chain
        .iter()
        .map(|&j| model.constructs[j].name.as_str())
        .collect::<Vec<_>>()
        .join(" -> ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::ConstructSpec;

    #[test]
    fn chains_of_the_ccsi_shape_sum_to_the_indirect_effect() {
        let c = |n: &str| ConstructSpec::new(n, &[&n.to_lowercase()]);
        let m = Model::from_parts(
            "m",
            vec![
                c("IMAG"),
                c("EXPE"),
                c("QUAL"),
                c("VAL"),
                c("SAT"),
                c("LOY"),
            ],
            &[
                ("IMAG", "EXPE"),
                ("IMAG", "SAT"),
                ("IMAG", "LOY"),
                ("EXPE", "QUAL"),
                ("EXPE", "VAL"),
                ("EXPE", "SAT"),
                ("QUAL", "VAL"),
                ("QUAL", "SAT"),
                ("VAL", "SAT"),
                ("SAT", "LOY"),
            ],
        )
        .unwrap();
        let ch = chains(&m);
        assert!(!ch.truncated);
        // hand count: IMAG -> SAT through EXPE: EXPE-SAT, EXPE-QUAL-SAT, EXPE-VAL-SAT,
        // EXPE-QUAL-VAL-SAT (4 chains)
        let imag_sat: Vec<_> = ch
            .list
            .iter()
            .filter(|c| c[0] == 0 && *c.last().unwrap() == 4)
            .collect();
        assert_eq!(imag_sat.len(), 4);
        let mut b = DMatrix::zeros(6, 6);
        for (k, &(i, j)) in m.paths.iter().enumerate() {
            b[(i, j)] = 0.1 + 0.07 * k as f64;
        }
        let t = crate::estimate::total_effects(&b);
        for i in 0..6 {
            for j in 0..6 {
                let s: f64 = ch
                    .list
                    .iter()
                    .filter(|c| c[0] == i && *c.last().unwrap() == j)
                    .map(|c| effect(&b, c))
                    .sum();
                assert!((s - (t[(i, j)] - b[(i, j)])).abs() < 1e-12, "{i} -> {j}");
            }
        }
    }
}
