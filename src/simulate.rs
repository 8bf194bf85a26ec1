//! Seeded simulation of survey data from a known population model.
//!
//! The project's sample data, the recovery tests and the coverage tests all come from
//! here, so every "true" value in a test is a population value of this module.
//!
//! # Population model
//! ```text
//! structural:  eta_j = sum_i b_ij eta_i + zeta_j     (standardized: var(eta_j) = 1)
//!              exogenous constructs correlate `exo_cor`
//! measurement (common factor):  z_k = l_k eta_j + e_k,  var(e_k) = 1 - l_k^2
//! measurement (composite):      block correlation matrix with equal correlations r_j,
//!              equal weights w_j; Sigma_ij = Sigma_ii w_i phi_ij w_j' Sigma_jj
//! answers:     x_k = clamp(round(mu_k + sd_k * (z_k + shift_j l_k)), min, max)
//! ```
//! With equal within-block correlations and equal weights the equal-weight vector is
//! an eigenvector of the block's correlation matrix, so Mode A PLS is consistent for
//! the composite population (Dijkstra 2010), which the recovery tests rely on.
//!
//! # Example
//! ```
//! use csi::spec::{Model, ConstructSpec};
//! use csi::simulate::{Population, Measurement};
//! let model = Model::from_parts("toy",
//!     vec![ConstructSpec::new("A", &["a1", "a2", "a3"]), ConstructSpec::new("B", &["b1", "b2"])],
//!     &[("A", "B")])?;
//! let pop = Population::new(&model, &[("A", "B", 0.6)], Measurement::CommonFactor(0.8))?;
//! let x = pop.draw_continuous(&model, 1000, 7)?;
//! assert_eq!(x.shape(), (1000, 5));
//! // the population construct correlation is the path
//! assert!((pop.phi[(0, 1)] - 0.6).abs() < 1e-12);
//! # Ok::<(), csi::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::spec::{Model, Scale};
use nalgebra::DMatrix;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// The population paths of the CCSI structure used by the bundled sample, the
/// benches and the recovery and coverage tests (standardized coefficients).
pub const CCSI_PATHS: [(&str, &str, f64); 10] = [
    ("IMAG", "EXPE", 0.50),
    ("IMAG", "SAT", 0.20),
    ("IMAG", "LOY", 0.25),
    ("EXPE", "QUAL", 0.60),
    ("EXPE", "VAL", 0.15),
    ("EXPE", "SAT", 0.10),
    ("QUAL", "VAL", 0.50),
    ("QUAL", "SAT", 0.35),
    ("VAL", "SAT", 0.25),
    ("SAT", "LOY", 0.50),
];

/// How items relate to their construct in the population.
#[derive(Debug, Clone, PartialEq)]
pub enum Measurement {
    /// Reflective: every item loads `l` on its construct.
    CommonFactor(f64),
    /// Reflective with a loading per item (model item order).
    Loadings(Vec<f64>),
    /// Composite: equal within-block correlations `r`, equal weights.
    Composite(f64),
}

/// A population: standardized paths, the implied construct correlations and the
/// indicator correlation matrix.
#[derive(Debug, Clone)]
pub struct Population {
    /// Path coefficients `b[(from, to)]`.
    pub b: DMatrix<f64>,
    /// Construct correlation matrix implied by the paths.
    pub phi: DMatrix<f64>,
    /// Indicator correlation matrix.
    pub sigma: DMatrix<f64>,
    /// Population loadings (common factor) or composite loadings `cor(x_k, eta_j)`.
    pub loadings: Vec<f64>,
    /// Population outer weights (composite) for standardized items; common factor: the
    /// weights of the best composite are not reported (empty).
    pub weights: Vec<f64>,
    /// Correlation among exogenous constructs.
    pub exo_cor: f64,
}

impl Population {
    /// Build from named paths `(from, to, coefficient)`; exogenous constructs
    /// uncorrelated (see [`Population::with_exo_cor`]).
    ///
    /// # Errors
    /// Unknown names, paths not in the model, loadings outside (-1, 1), or paths that
    /// imply a negative disturbance variance.
    pub fn new(
        model: &Model,
        paths: &[(&str, &str, f64)],
        meas: Measurement,
    ) -> Result<Population> {
        Self::build(model, paths, meas, 0.0)
    }

    /// Same with correlated exogenous constructs.
    pub fn with_exo_cor(
        model: &Model,
        paths: &[(&str, &str, f64)],
        meas: Measurement,
        exo_cor: f64,
    ) -> Result<Population> {
        Self::build(model, paths, meas, exo_cor)
    }

    fn build(
        model: &Model,
        paths: &[(&str, &str, f64)],
        meas: Measurement,
        exo_cor: f64,
    ) -> Result<Population> {
        let p = model.n_items();
        let b = path_matrix(model, paths)?;
        let phi = construct_correlations(model, &b, exo_cor)?;
        let mut sigma = DMatrix::<f64>::identity(p, p);
        let mut loadings = vec![0.0; p];
        let mut weights = Vec::new();
        match &meas {
            Measurement::CommonFactor(_) | Measurement::Loadings(_) => {
                common_factor_sigma(model, &meas, &phi, &mut sigma, &mut loadings)?;
            }
            Measurement::Composite(r) => {
                weights = composite_sigma(model, *r, &phi, &mut sigma, &mut loadings)?;
            }
        }
        if sigma.clone().cholesky().is_none() {
            return Err(bad(
                "the implied indicator correlation matrix is not positive definite".into(),
            ));
        }
        Ok(Population {
            b,
            phi,
            sigma,
            loadings,
            weights,
            exo_cor,
        })
    }

    /// Draw `n` respondents of standardized continuous indicators (rows = respondents).
    ///
    /// # Errors
    /// Never for a population built by [`Population::new`]; kept for a non-PD sigma.
    pub fn draw_continuous(&self, model: &Model, n: usize, seed: u64) -> Result<DMatrix<f64>> {
        let p = model.n_items();
        let l = self
            .sigma
            .clone()
            .cholesky()
            .ok_or_else(|| {
                Error::setting(
                    "population",
                    "indicator correlation matrix not positive definite",
                )
            })?
            .l();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut z = vec![0.0; p];
        let mut x = DMatrix::zeros(n, p);
        for i in 0..n {
            for v in z.iter_mut() {
                *v = StandardNormal.sample(&mut rng);
            }
            for a in 0..p {
                let mut s = 0.0;
                for c in 0..=a {
                    s += l[(a, c)] * z[c];
                }
                x[(i, a)] = s;
            }
        }
        Ok(x)
    }
}

/// Turn standardized continuous answers into integer answers on a scale:
/// `round(mean + sd * (z + shift[construct] * loading))`, clamped to the scale.
/// `shift` moves a construct's latent mean (in latent sd units), e.g. for a company
/// whose satisfaction is lower.
pub fn to_scale(
    model: &Model,
    z: &DMatrix<f64>,
    scale: Scale,
    mean: f64,
    sd: f64,
    shift: &[f64],
    loadings: &[f64],
) -> DMatrix<f64> {
    let (n, p) = z.shape();
    DMatrix::from_fn(n, p, |i, k| {
        let j = model.items[k].construct;
        let s = shift.get(j).copied().unwrap_or(0.0) * loadings.get(k).copied().unwrap_or(1.0);
        (mean + sd * (z[(i, k)] + s))
            .round()
            .clamp(scale.min, scale.max)
    })
}

fn bad(m: String) -> Error {
    Error::setting("population", m)
}

/// The path coefficients of `paths` as a q x q matrix (from, to).
fn path_matrix(model: &Model, paths: &[(&str, &str, f64)]) -> Result<DMatrix<f64>> {
    let q = model.n_constructs();
    let mut b = DMatrix::zeros(q, q);
    for (a, c, v) in paths {
        let i = model
            .construct_index(a)
            .ok_or_else(|| bad(format!("unknown construct '{a}'")))?;
        let j = model
            .construct_index(c)
            .ok_or_else(|| bad(format!("unknown construct '{c}'")))?;
        if !model.paths.contains(&(i, j)) {
            return Err(bad(format!("the model has no path {a} -> {c}")));
        }
        b[(i, j)] = *v;
    }
    Ok(b)
}

/// The implied construct correlations, causes first; an error when the paths into a
/// construct explain all of its variance.
fn construct_correlations(model: &Model, b: &DMatrix<f64>, exo_cor: f64) -> Result<DMatrix<f64>> {
    let q = model.n_constructs();
    let mut phi = DMatrix::<f64>::identity(q, q);
    let order = model.topological_order().to_vec();
    let exo: Vec<usize> = (0..q).filter(|&j| !model.is_endogenous(j)).collect();
    for &a in &exo {
        for &c in &exo {
            if a != c {
                phi[(a, c)] = exo_cor;
            }
        }
    }
    for (pos, &j) in order.iter().enumerate() {
        if !model.is_endogenous(j) {
            continue;
        }
        let pred = model.predecessors(j);
        for &k in &order[..pos] {
            let v: f64 = pred.iter().map(|&i| b[(i, j)] * phi[(i, k)]).sum();
            phi[(j, k)] = v;
            phi[(k, j)] = v;
        }
        let explained: f64 = pred
            .iter()
            .map(|&i| {
                pred.iter()
                    .map(|&l| b[(i, j)] * b[(l, j)] * phi[(i, l)])
                    .sum::<f64>()
            })
            .sum();
        if explained >= 1.0 {
            return Err(bad(format!(
                "paths into '{}' explain {:.3} >= 1 of its variance",
                model.constructs[j].name, explained
            )));
        }
    }
    Ok(phi)
}

/// Indicator correlations of common factors: l_a l_c phi off the diagonal.
fn common_factor_sigma(
    model: &Model,
    meas: &Measurement,
    phi: &DMatrix<f64>,
    sigma: &mut DMatrix<f64>,
    loadings: &mut [f64],
) -> Result<()> {
    let p = model.n_items();
    for k in 0..p {
        let l = match &meas {
            Measurement::CommonFactor(l) => *l,
            Measurement::Loadings(v) => *v
                .get(k)
                .ok_or_else(|| bad(format!("{} loadings for {} items", v.len(), p)))?,
            Measurement::Composite(_) => 0.0,
        };
        if !(l.abs() < 1.0) {
            return Err(bad(format!("loading {l} must be inside (-1, 1)")));
        }
        loadings[k] = l;
    }
    for a in 0..p {
        for c in 0..p {
            if a != c {
                let (ja, jc) = (model.items[a].construct, model.items[c].construct);
                sigma[(a, c)] = loadings[a] * loadings[c] * phi[(ja, jc)];
            }
        }
    }
    Ok(())
}

/// Indicator correlations of composites with equal weights and within-block
/// correlation `r`; returns the weights.
fn composite_sigma(
    model: &Model,
    r: f64,
    phi: &DMatrix<f64>,
    sigma: &mut DMatrix<f64>,
    loadings: &mut [f64],
) -> Result<Vec<f64>> {
    let p = model.n_items();
    if !(r > 0.0 && r < 1.0) {
        return Err(bad(format!(
            "within-block correlation {r} must be inside (0, 1)"
        )));
    }
    let mut weights = vec![0.0; p];
    for con in &model.constructs {
        let kk = con.items.len() as f64;
        // equal weights w with w' R w = 1: w = 1/sqrt(k + k(k-1) r)
        let w = 1.0 / (kk + kk * (kk - 1.0) * r).sqrt();
        for &a in &con.items {
            weights[a] = w;
            // cor(x_a, eta) = sum_c R_ac w = w (1 + (k-1) r)
            loadings[a] = w * (1.0 + (kk - 1.0) * r);
        }
        for &a in &con.items {
            for &c in &con.items {
                if a != c {
                    sigma[(a, c)] = r;
                }
            }
        }
    }
    for a in 0..p {
        for c in 0..p {
            let (ja, jc) = (model.items[a].construct, model.items[c].construct);
            if ja != jc {
                // Sigma_ij = Sigma_ii w_i phi w_j' Sigma_jj: cor = l_a l_c phi
                sigma[(a, c)] = loadings[a] * loadings[c] * phi[(ja, jc)];
            }
        }
    }
    Ok(weights)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::ConstructSpec;

    #[test]
    fn implied_phi_follows_the_paths() {
        // A -> B (0.5), B -> C (0.4), A -> C (0.3): phi_AC = 0.3 + 0.5 * 0.4 = 0.5
        let m = Model::from_parts(
            "t",
            vec![
                ConstructSpec::new("A", &["a"]),
                ConstructSpec::new("B", &["b"]),
                ConstructSpec::new("C", &["c"]),
            ],
            &[("A", "B"), ("B", "C"), ("A", "C")],
        )
        .unwrap();
        let pop = Population::new(
            &m,
            &[("A", "B", 0.5), ("B", "C", 0.4), ("A", "C", 0.3)],
            Measurement::CommonFactor(0.9),
        )
        .unwrap();
        assert!((pop.phi[(0, 2)] - 0.5).abs() < crate::tol::EXACT);
        assert!((pop.phi[(1, 2)] - (0.4 + 0.3 * 0.5)).abs() < crate::tol::EXACT);
    }

    #[test]
    fn same_seed_same_data() {
        let m = Model::from_parts(
            "t",
            vec![
                ConstructSpec::new("A", &["a1", "a2"]),
                ConstructSpec::new("B", &["b"]),
            ],
            &[("A", "B")],
        )
        .unwrap();
        let pop = Population::new(&m, &[("A", "B", 0.5)], Measurement::Composite(0.5)).unwrap();
        let x1 = pop.draw_continuous(&m, 50, 3).unwrap();
        let x2 = pop.draw_continuous(&m, 50, 3).unwrap();
        assert!(x1
            .iter()
            .zip(x2.iter())
            .all(|(a, b)| a.to_bits() == b.to_bits()));
    }
}
