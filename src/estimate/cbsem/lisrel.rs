//! The LISREL-type parameterisation, the implied covariance matrix, the ML discrepancy,
//! its analytic gradient and the expected information.

use super::Identify;
use crate::error::Result;
use crate::spec::{Mode, Model};
use nalgebra::{DMatrix, DVector};

/// One free parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Free {
    /// Loading of item `item` on construct `lv`.
    Lambda { item: usize, lv: usize },
    /// Structural path `from -> to` (`B[(to, from)]`).
    Beta { to: usize, from: usize },
    /// (Co)variance of exogenous constructs or disturbance variance (a <= b... a >= b).
    Psi { a: usize, b: usize },
    /// Error variance of an item.
    Theta { item: usize },
    /// Residual covariance of items `a < b` (`Θ[a, b]`).
    ThetaCov { a: usize, b: usize },
}

/// Fixed part and list of free parameters.
#[derive(Debug, Clone)]
pub(crate) struct Lisrel {
    pub p: usize,
    pub q: usize,
    pub lambda0: DMatrix<f64>,
    pub psi0: DMatrix<f64>,
    pub theta0: Vec<f64>,
    pub free: Vec<Free>,
    pub exogenous: Vec<bool>,
}

/// The model matrices at a parameter point.
#[derive(Debug, Clone)]
pub(crate) struct Matrices {
    pub lambda: DMatrix<f64>,
    /// `B[(to, from)]`.
    pub beta: DMatrix<f64>,
    pub psi: DMatrix<f64>,
    pub theta: Vec<f64>,
    /// Off-diagonal part of Θ (residual covariances), symmetric, zero diagonal.
    pub theta_cov: DMatrix<f64>,
}

/// Derived quantities.
#[derive(Debug, Clone)]
pub(crate) struct Implied {
    /// `(I - B)^-1`.
    pub a: DMatrix<f64>,
    /// Latent covariance `A Psi A'`.
    pub phi: DMatrix<f64>,
    /// `Lambda Phi Lambda' + Theta`.
    pub sigma: DMatrix<f64>,
}

/// Objective value with the pieces the gradient needs.
pub(crate) struct Eval {
    pub f: f64,
    pub m: Matrices,
    pub imp: Implied,
    pub sigma_inv: DMatrix<f64>,
}

impl Lisrel {
    pub fn new(model: &Model, identify: Identify) -> Result<Lisrel> {
        if let Some(c) = model.constructs.iter().find(|c| c.mode == Mode::B) {
            return Err(crate::estimate::FitError::ModeBInCbsem {
                construct: c.name.clone(),
            }
            .into());
        }
        let p = model.n_items();
        let q = model.n_constructs();
        let exogenous: Vec<bool> = (0..q).map(|j| !model.is_endogenous(j)).collect();
        let mut lambda0 = DMatrix::zeros(p, q);
        let mut psi0 = DMatrix::zeros(q, q);
        let theta0 = vec![0.0; p];
        let mut free = Vec::new();
        for (j, c) in model.constructs.iter().enumerate() {
            for (r, &k) in c.items.iter().enumerate() {
                if r == 0 && identify == Identify::Marker {
                    lambda0[(k, j)] = 1.0;
                } else {
                    free.push(Free::Lambda { item: k, lv: j });
                }
            }
        }
        for &(from, to) in &model.paths {
            free.push(Free::Beta { to, from });
        }
        for k in 0..p {
            // a single item measures its construct without error (lavaan auto.fix.single)
            let single = model.constructs[model.items[k].construct].items.len() == 1;
            if !single {
                free.push(Free::Theta { item: k });
            }
        }
        for &(a, b) in &model.covariances {
            free.push(Free::ThetaCov { a, b });
        }
        for j in 0..q {
            match identify {
                Identify::Marker => free.push(Free::Psi { a: j, b: j }),
                Identify::Variance => psi0[(j, j)] = 1.0,
            }
        }
        for a in 0..q {
            for b in 0..a {
                if exogenous[a] && exogenous[b] {
                    free.push(Free::Psi { a, b });
                }
            }
        }
        Ok(Lisrel {
            p,
            q,
            lambda0,
            psi0,
            theta0,
            free,
            exogenous,
        })
    }

    pub fn n_free(&self) -> usize {
        self.free.len()
    }

    pub fn matrices(&self, x: &[f64]) -> Matrices {
        let mut lambda = self.lambda0.clone();
        let mut beta = DMatrix::zeros(self.q, self.q);
        let mut psi = self.psi0.clone();
        let mut theta = self.theta0.clone();
        let mut theta_cov = DMatrix::zeros(self.p, self.p);
        for (f, &v) in self.free.iter().zip(x) {
            match *f {
                Free::Lambda { item, lv } => lambda[(item, lv)] = v,
                Free::Beta { to, from } => beta[(to, from)] = v,
                Free::Psi { a, b } => {
                    psi[(a, b)] = v;
                    psi[(b, a)] = v;
                }
                Free::Theta { item } => theta[item] = v,
                Free::ThetaCov { a, b } => {
                    theta_cov[(a, b)] = v;
                    theta_cov[(b, a)] = v;
                }
            }
        }
        Matrices {
            lambda,
            beta,
            psi,
            theta,
            theta_cov,
        }
    }

    /// Parameter vector from matrices (inverse of [`Lisrel::matrices`] on the free part).
    pub fn params(&self, m: &Matrices) -> Vec<f64> {
        self.free
            .iter()
            .map(|f| match *f {
                Free::Lambda { item, lv } => m.lambda[(item, lv)],
                Free::Beta { to, from } => m.beta[(to, from)],
                Free::Psi { a, b } => m.psi[(a, b)],
                Free::Theta { item } => m.theta[item],
                Free::ThetaCov { a, b } => m.theta_cov[(a, b)],
            })
            .collect()
    }

    pub fn implied(&self, m: &Matrices) -> Option<Implied> {
        let q = self.q;
        let ib = DMatrix::<f64>::identity(q, q) - &m.beta;
        let a = ib.try_inverse()?;
        let phi = &a * &m.psi * a.transpose();
        let mut sigma = &m.lambda * &phi * m.lambda.transpose() + &m.theta_cov;
        for k in 0..self.p {
            sigma[(k, k)] += m.theta[k];
        }
        // exact symmetry
        let sigma = (&sigma + sigma.transpose()) * 0.5;
        if sigma.iter().any(|v| !v.is_finite()) {
            return None;
        }
        Some(Implied { a, phi, sigma })
    }

    /// F = ln|Σ| + tr(S Σ^-1) - ln|S| - p, or None when Σ is not positive definite.
    pub fn eval(&self, s: &DMatrix<f64>, ln_det_s: f64, x: &[f64]) -> Option<Eval> {
        let m = self.matrices(x);
        let imp = self.implied(&m)?;
        let ch = imp.sigma.clone().cholesky()?;
        let l = ch.l();
        let mut ln_det = 0.0;
        for i in 0..self.p {
            let d = l[(i, i)];
            if d.is_nan() || d <= 0.0 {
                return None;
            }
            ln_det += 2.0 * d.ln();
        }
        let sigma_inv = ch.inverse();
        let tr = s.component_mul(&sigma_inv).sum();
        let f = ln_det + tr - ln_det_s - self.p as f64;
        if !f.is_finite() {
            return None;
        }
        Some(Eval {
            f,
            m,
            imp,
            sigma_inv,
        })
    }

    /// Analytic gradient dF/dθ = tr(W dΣ/dθ), W = Σ^-1 (Σ - S) Σ^-1, in closed form:
    /// λ_ij: 2 (W Λ Φ)_ij; θ_i: W_ii; θ_ab (a != b): 2 W_ab; Ψ_ab: (2 - δ_ab) (A'GA)_ab;
    /// B_kl: 2 (A'GΦ)_kl, with G = Λ'WΛ.
    pub fn gradient(&self, s: &DMatrix<f64>, e: &Eval) -> Vec<f64> {
        let si = &e.sigma_inv;
        let w = si * (&e.imp.sigma - s) * si;
        let wl = &w * &e.m.lambda;
        let wlphi = &wl * &e.imp.phi;
        let g = e.m.lambda.transpose() * &wl;
        let at = e.imp.a.transpose();
        let agaa = &at * &g * &e.imp.a;
        let agphi = &at * &g * &e.imp.phi;
        self.free
            .iter()
            .map(|f| match *f {
                Free::Lambda { item, lv } => 2.0 * wlphi[(item, lv)],
                Free::Theta { item } => w[(item, item)],
                Free::Psi { a, b } => {
                    if a == b {
                        agaa[(a, a)]
                    } else {
                        agaa[(a, b)] + agaa[(b, a)]
                    }
                }
                Free::Beta { to, from } => 2.0 * agphi[(to, from)],
                Free::ThetaCov { a, b } => 2.0 * w[(a, b)],
            })
            .collect()
    }

    /// dΣ/dθ_k for every free parameter (p x p each).
    pub fn dsigma(&self, m: &Matrices, imp: &Implied) -> Vec<DMatrix<f64>> {
        let p = self.p;
        let lphi = &m.lambda * &imp.phi; // p x q
        let la = &m.lambda * &imp.a; // p x q
        self.free
            .iter()
            .map(|f| {
                let mut d = DMatrix::zeros(p, p);
                match *f {
                    Free::Lambda { item, lv } => {
                        for r in 0..p {
                            d[(item, r)] += lphi[(r, lv)];
                            d[(r, item)] += lphi[(r, lv)];
                        }
                    }
                    Free::Theta { item } => d[(item, item)] = 1.0,
                    Free::ThetaCov { a, b } => {
                        d[(a, b)] = 1.0;
                        d[(b, a)] = 1.0;
                    }
                    Free::Psi { a, b } => {
                        for r in 0..p {
                            for c in 0..p {
                                d[(r, c)] = if a == b {
                                    la[(r, a)] * la[(c, a)]
                                } else {
                                    la[(r, a)] * la[(c, b)] + la[(r, b)] * la[(c, a)]
                                };
                            }
                        }
                    }
                    Free::Beta { to, from } => {
                        for r in 0..p {
                            for c in 0..p {
                                d[(r, c)] =
                                    la[(r, to)] * lphi[(c, from)] + lphi[(r, from)] * la[(c, to)];
                            }
                        }
                    }
                }
                d
            })
            .collect()
    }

    /// Expected second derivative of F: H_ab = tr(Σ^-1 dΣ_a Σ^-1 dΣ_b). The expected
    /// (Fisher) information of the n observations is (n/2) H.
    pub fn expected_hessian(&self, e: &Eval) -> DMatrix<f64> {
        let ds = self.dsigma(&e.m, &e.imp);
        let v: Vec<DMatrix<f64>> = ds.iter().map(|d| &e.sigma_inv * d).collect();
        let k = v.len();
        let vt: Vec<DMatrix<f64>> = v.iter().map(|x| x.transpose()).collect();
        let mut h = DMatrix::zeros(k, k);
        for a in 0..k {
            for b in 0..=a {
                let t = v[a].dot(&vt[b]);
                h[(a, b)] = t;
                h[(b, a)] = t;
            }
        }
        h
    }
}

/// Solve `h x = g` when h is positive definite (None otherwise).
pub(crate) fn solve_pd(h: &DMatrix<f64>, g: &[f64]) -> Option<Vec<f64>> {
    let ch = h.clone().cholesky()?;
    let x = ch.solve(&DVector::from_column_slice(g));
    x.iter()
        .all(|v| v.is_finite())
        .then(|| x.as_slice().to_vec())
}

/// Solve `h x = g` for a symmetric h, with a growing ridge if h is not positive definite.
pub(crate) fn solve_ridge(h: &DMatrix<f64>, g: &[f64]) -> Option<Vec<f64>> {
    let k = h.nrows();
    let gv = DVector::from_column_slice(g);
    let scale = (0..k)
        .map(|i| h[(i, i)].abs())
        .fold(0.0, f64::max)
        .max(1e-300);
    let mut ridge = 0.0;
    for _ in 0..20 {
        let mut hr = h.clone();
        for i in 0..k {
            hr[(i, i)] += ridge;
        }
        if let Some(ch) = hr.cholesky() {
            let x = ch.solve(&gv);
            if x.iter().all(|v| v.is_finite()) {
                return Some(x.as_slice().to_vec());
            }
        }
        ridge = if ridge == 0.0 {
            scale * 1e-10
        } else {
            ridge * 10.0
        };
    }
    None
}
