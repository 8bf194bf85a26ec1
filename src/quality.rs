//! Measurement quality: reliability, convergent and discriminant validity,
//! collinearity, effect sizes and fit of a PLS solution.
//!
//! # Formulas (block j with k items, correlation matrix R_j, PLS loadings λ)
//! ```text
//! alpha (standardized) = k r̄ / (1 + (k-1) r̄),    r̄ = mean off-diagonal correlation
//! rho_C  = (Σλ)² / ((Σλ)² + Σ(1-λ²))                           (composite reliability)
//! rho_A  = (w'w)² w'(R_j - diag R_j)w / w'(ww' - diag ww')w,   w'R_j w = 1   (Dijkstra-Henseler)
//! AVE    = mean λ²
//! HTMT_ij = mean heterotrait correlation / sqrt(mean monotrait_i * mean monotrait_j)
//! VIF    = diag of the inverse predictor correlation matrix
//! f²     = (R²_incl - R²_excl) / (1 - R²_incl)   R²_excl: same scores without the predictor
//!          (cSEM, ADANCO; the printed `f2`); `f2_reestimated`: R²_excl from PLS
//!          re-estimated without the path (seminr)
//! GoF    = sqrt(mean communality (blocks with > 1 item) * mean R²)
//! SRMR   = sqrt(mean over i <= j of (r_ij - r̂_ij)²), r̂ from loadings and construct
//!          correlations: r̂_ij = λ_i λ_j φ_ab (i in block a, j in block b, i != j)
//! ```
//! Thresholds printed by the CLI: alpha, rho_C, rho_A >= 0.70; AVE >= 0.50; HTMT < 0.90
//! (0.85 strict); VIF < 5 (3.3 for Mode B); SRMR < 0.08.
//!
//! # References
//! * Dijkstra, T. K., Henseler, J. (2015). Consistent partial least squares path modeling. *MIS Quarterly* 39(2).
//! * Henseler, J., Ringle, C. M., Sarstedt, M. (2015). A new criterion for assessing discriminant validity. *JAMS* 43.
//! * Fornell, C., Larcker, D. F. (1981). Evaluating structural equation models with unobservable variables.

use crate::estimate::pls::PlsFit;
use crate::moments::Moments;
use crate::spec::{Construct, Model};
use nalgebra::DMatrix;

/// Quality figures of one construct.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstructQuality {
    /// Standardized Cronbach's alpha (None for single items).
    pub alpha: Option<f64>,
    /// Covariance-based alpha (None for single items).
    pub alpha_raw: Option<f64>,
    /// Composite reliability from the PLS loadings.
    pub rho_c: f64,
    /// Dijkstra-Henseler rho_A (1 for single items). Computed for every block, but
    /// not applicable to a Mode B block (see `rho_a_note`).
    pub rho_a: f64,
    /// Average variance extracted.
    pub ave: f64,
    /// Why rho_A is not reported (Mode B: internal consistency is not defined for a
    /// formative block; JSON null, text "n/a"). seminr prints 1 there.
    pub rho_a_note: Option<String>,
    /// Why alpha is not reported (a single item; JSON null, text "n/a"). seminr
    /// prints 1 there.
    pub alpha_note: Option<String>,
}

impl ConstructQuality {
    /// rho_A as reported: None when not applicable.
    pub fn rho_a_reported(&self) -> Option<f64> {
        self.rho_a_note.is_none().then_some(self.rho_a)
    }
}

/// Why rho_A is not reported for a Mode B block.
pub const RHO_A_MODE_B: &str =
    "not applicable: internal consistency (rho_A) is not defined for a Mode B (formative) block";
/// Why alpha is not reported for a single item.
pub const ALPHA_SINGLE_ITEM: &str =
    "not applicable: a single item has no internal consistency (Cronbach's alpha)";

/// A collinearity / effect-size figure of one path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathFigure {
    /// From construct.
    pub from: usize,
    /// To construct.
    pub to: usize,
    /// The figure (VIF or f²).
    pub value: f64,
}

/// All quality figures of a fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Quality {
    /// Per construct.
    pub constructs: Vec<ConstructQuality>,
    /// Fornell-Larcker matrix: sqrt(AVE) on the diagonal, construct correlations off it.
    pub fornell_larcker: DMatrix<f64>,
    /// HTMT matrix (q x q, 0 on the diagonal).
    pub htmt: DMatrix<f64>,
    /// VIF of each item within its block (None for single items).
    pub indicator_vif: Vec<Option<f64>>,
    /// VIF of each predecessor in each structural regression.
    pub inner_vif: Vec<PathFigure>,
    /// Cohen's f² of each path, `(R²_incl - R²_excl) / (1 - R²_incl)` with `R²_excl`
    /// the R² of the regression on the same construct scores without the predictor
    /// (cSEM's `calculatef2`, ADANCO). This is the `f2` that reports print.
    pub f2: Vec<PathFigure>,
    /// Cohen's f² with `R²_excl` from re-estimating the whole PLS model without the
    /// path (seminr's `fSquared`); same order as `f2`. `NaN` when the reduced model
    /// cannot be estimated.
    pub f2_reestimated: Vec<PathFigure>,
    /// SRMR with common-factor implied correlations built from the PLS composite
    /// loadings and composite correlations, saturated structural model:
    /// `r̂_kl = λ_k λ_l φ_ab` for every k != l, *also within a block* (the JSON key
    /// `srmr`, kept for compatibility). This is neither ADANCO's nor cSEM's SRMR; those
    /// (composite model for PLS, saturated and estimated) are in
    /// [`crate::model_fit`] (JSON `model_fit`).
    pub srmr: f64,
    /// Goodness of fit (Tenenhaus et al. 2004).
    pub gof: f64,
}

/// Compute every quality figure of a PLS fit.
///
/// # Example
/// ```
/// # use csi::spec::{Model, ConstructSpec};
/// # use csi::moments::Moments;
/// # use csi::estimate::pls::{estimate, PlsSettings};
/// # use nalgebra::DMatrix;
/// # let model = Model::from_parts("toy",
/// #     vec![ConstructSpec::new("A", &["a1", "a2"]), ConstructSpec::new("B", &["b1", "b2"])],
/// #     &[("A", "B")])?;
/// # let x = DMatrix::from_row_slice(5, 4, &[1.,2.,1.,2., 2.,2.,3.,2., 3.,4.,3.,5., 4.,3.,5.,4., 5.,5.,4.,4.]);
/// # let m = Moments::from_data(&x, None)?;
/// let fit = estimate(&model, &m, &PlsSettings::default())?;
/// let q = csi::quality::assess(&model, &m, &fit);
/// // AVE is the mean squared loading
/// let ave = (fit.loadings[0].powi(2) + fit.loadings[1].powi(2)) / 2.0;
/// assert!((q.constructs[0].ave - ave).abs() < 1e-12);
/// # Ok::<(), csi::Error>(())
/// ```
pub fn assess(model: &Model, m: &Moments, fit: &PlsFit) -> Quality {
    let r = m.correlation();
    let q = model.n_constructs();
    let unit_w = unit_variance_weights(model, &r, m, fit);
    let constructs: Vec<ConstructQuality> = model
        .constructs
        .iter()
        .map(|c| construct_quality(c, m, &r, fit, &unit_w))
        .collect();
    let fornell_larcker = DMatrix::from_fn(q, q, |a, b| {
        if a == b {
            constructs[a].ave.sqrt()
        } else {
            fit.lv_cor[(a, b)]
        }
    });
    let htmt = htmt_matrix(model, &r);
    let indicator_vif = indicator_vifs(model, &r);
    let (inner_vif, f2) = inner_vif_f2(model, fit);
    let srmr = common_factor_srmr(model, &r, fit);
    let gof = goodness_of_fit(model, fit);
    let f2_reestimated = f2
        .iter()
        .map(|pf| PathFigure {
            value: r2_without_path(model, m, fit, pf.from, pf.to)
                .map(|excl| {
                    let full = fit.r2[pf.to].unwrap_or(0.0);
                    (full - excl) / (1.0 - full)
                })
                .unwrap_or(f64::NAN),
            ..*pf
        })
        .collect();
    Quality {
        constructs,
        fornell_larcker,
        htmt,
        indicator_vif,
        inner_vif,
        f2,
        f2_reestimated,
        srmr,
        gof,
    }
}

/// Reliability and convergent validity of one construct: Cronbach's alpha
/// (standardised and raw), rho_C, rho_A, AVE.
fn construct_quality(
    c: &Construct,
    m: &Moments,
    r: &DMatrix<f64>,
    fit: &PlsFit,
    unit_w: &[f64],
) -> ConstructQuality {
    let it = &c.items;
    let k = it.len();
    let lam: Vec<f64> = it.iter().map(|&i| fit.loadings[i]).collect();
    let ave = lam.iter().map(|l| l * l).sum::<f64>() / k as f64;
    let sl: f64 = lam.iter().sum();
    let rho_c = sl * sl / (sl * sl + lam.iter().map(|l| 1.0 - l * l).sum::<f64>());
    let (alpha, alpha_raw) = if k > 1 {
        let mut s = 0.0;
        for a in 0..k {
            for b in 0..k {
                if a != b {
                    s += r[(it[a], it[b])];
                }
            }
        }
        let rbar = s / (k * (k - 1)) as f64;
        let alpha = k as f64 * rbar / (1.0 + (k as f64 - 1.0) * rbar);
        let mut tot = 0.0;
        let mut diag = 0.0;
        for a in 0..k {
            diag += m.cov[(it[a], it[a])];
            for b in 0..k {
                tot += m.cov[(it[a], it[b])];
            }
        }
        let kf = k as f64;
        (Some(alpha), Some(kf / (kf - 1.0) * (1.0 - diag / tot)))
    } else {
        (None, None)
    };
    let rho_a = rho_a_block(r, it, unit_w);
    ConstructQuality {
        alpha,
        alpha_raw,
        rho_c,
        rho_a,
        ave,
        rho_a_note: (c.mode == crate::spec::Mode::B).then(|| RHO_A_MODE_B.to_string()),
        alpha_note: (k == 1).then(|| ALPHA_SINGLE_ITEM.to_string()),
    }
}

/// Indicator VIF within blocks (None for single items and singular blocks).
fn indicator_vifs(model: &Model, r: &DMatrix<f64>) -> Vec<Option<f64>> {
    let p = model.n_items();
    let mut indicator_vif = vec![None; p];
    for c in &model.constructs {
        let k = c.items.len();
        if k < 2 {
            continue;
        }
        let rj = DMatrix::from_fn(k, k, |a, b| r[(c.items[a], c.items[b])]);
        if let Some(inv) = rj.try_inverse() {
            for (a, &i) in c.items.iter().enumerate() {
                indicator_vif[i] = Some(inv[(a, a)]);
            }
        }
    }
    indicator_vif
}

/// Inner VIF and f² of every path.
fn inner_vif_f2(model: &Model, fit: &PlsFit) -> (Vec<PathFigure>, Vec<PathFigure>) {
    let q = model.n_constructs();
    let mut inner_vif = Vec::new();
    let mut f2 = Vec::new();
    for j in 0..q {
        let pred = model.predecessors(j);
        if pred.is_empty() {
            continue;
        }
        let k = pred.len();
        let spp = DMatrix::from_fn(k, k, |a, b| fit.lv_cor[(pred[a], pred[b])]);
        let inv = spp.clone().try_inverse();
        let r2_full = fit.r2[j].unwrap_or(0.0);
        for (a, &i) in pred.iter().enumerate() {
            let vif = inv.as_ref().map(|v| v[(a, a)]).unwrap_or(f64::INFINITY);
            inner_vif.push(PathFigure {
                from: i,
                to: j,
                value: vif,
            });
            let others: Vec<usize> = pred.iter().copied().filter(|&x| x != i).collect();
            let r2_excl = r2_of(&fit.lv_cor, &others, j);
            f2.push(PathFigure {
                from: i,
                to: j,
                value: (r2_full - r2_excl) / (1.0 - r2_full),
            });
        }
    }
    (inner_vif, f2)
}

/// SRMR with common-factor implied correlations (see [`Quality::srmr`]).
fn common_factor_srmr(model: &Model, r: &DMatrix<f64>, fit: &PlsFit) -> f64 {
    let p = model.n_items();
    let mut ss = 0.0;
    let mut cnt = 0usize;
    for a in 0..p {
        for b in 0..=a {
            let implied = if a == b {
                1.0
            } else {
                let ca = model.items[a].construct;
                let cb = model.items[b].construct;
                fit.loadings[a] * fit.loadings[b] * fit.lv_cor[(ca, cb)]
            };
            ss += (r[(a, b)] - implied).powi(2);
            cnt += 1;
        }
    }
    (ss / cnt as f64).sqrt()
}

/// Goodness of fit: sqrt(mean communality of multi-item blocks x mean R²).
fn goodness_of_fit(model: &Model, fit: &PlsFit) -> f64 {
    let mut com = 0.0;
    let mut ncom = 0usize;
    for c in &model.constructs {
        if c.items.len() > 1 {
            for &i in &c.items {
                com += fit.loadings[i].powi(2);
                ncom += 1;
            }
        }
    }
    let r2s: Vec<f64> = fit.r2.iter().flatten().copied().collect();
    if ncom > 0 && !r2s.is_empty() {
        (com / ncom as f64 * r2s.iter().sum::<f64>() / r2s.len() as f64).sqrt()
    } else {
        f64::NAN
    }
}

/// R² of construct `to` when PLS is re-estimated (same settings) without the path
/// `from -> to` (seminr's `fSquared`): 0 when `to` has no other predecessor;
/// constructs left without any path are dropped from the re-estimation (they no
/// longer influence the others). None when the reduced model cannot be estimated.
pub fn r2_without_path(
    model: &Model,
    m: &Moments,
    fit: &PlsFit,
    from: usize,
    to: usize,
) -> Option<f64> {
    let paths: Vec<(usize, usize)> = model
        .paths
        .iter()
        .copied()
        .filter(|&p| p != (from, to))
        .collect();
    if !paths.iter().any(|&(_, b)| b == to) {
        return Some(0.0);
    }
    let keep: Vec<usize> = (0..model.n_constructs())
        .filter(|&j| paths.iter().any(|&(a, b)| a == j || b == j))
        .collect();
    let specs: Vec<crate::spec::ConstructSpec> = keep
        .iter()
        .map(|&j| crate::spec::ConstructSpec {
            label: None,
            ..crate::estimate::interaction::construct_spec(model, j)
        })
        .collect();
    let names: Vec<(&str, &str)> = paths
        .iter()
        .map(|&(a, b)| {
            (
                model.constructs[a].name.as_str(),
                model.constructs[b].name.as_str(),
            )
        })
        .collect();
    let reduced = Model::from_parts(&model.name, specs, &names).ok()?;
    let items: Vec<usize> = keep
        .iter()
        .flat_map(|&j| model.constructs[j].items.iter().copied())
        .collect();
    let sub = Moments {
        n: m.n,
        weight_sum: m.weight_sum,
        means: items.iter().map(|&k| m.means[k]).collect(),
        cov: DMatrix::from_fn(items.len(), items.len(), |a, b| m.cov[(items[a], items[b])]),
    };
    let f = crate::estimate::pls::estimate(&reduced, &sub, &fit.settings).ok()?;
    let j = keep.iter().position(|&j| j == to)?;
    f.r2[j]
}

/// R² of the regression of construct `j` on `pred` (0 for no predictors).
fn r2_of(phi: &DMatrix<f64>, pred: &[usize], j: usize) -> f64 {
    if pred.is_empty() {
        return 0.0;
    }
    let k = pred.len();
    let spp = DMatrix::from_fn(k, k, |a, b| phi[(pred[a], pred[b])]);
    let spj = nalgebra::DVector::from_fn(k, |a, _| phi[(pred[a], j)]);
    match spp.cholesky() {
        Some(ch) => ch.solve(&spj).dot(&spj),
        None => f64::NAN,
    }
}

/// Outer weights for standardized indicators, scaled block by block so that each
/// composite has unit variance (`w_j' R_jj w_j = 1`): the weights rho_A and PLSc use.
pub(crate) fn unit_variance_weights(
    model: &Model,
    r: &DMatrix<f64>,
    m: &Moments,
    fit: &PlsFit,
) -> Vec<f64> {
    let sd = m.pop_sd();
    let mut w: Vec<f64> = (0..model.n_items())
        .map(|k| fit.weights[k] / fit.treat_scale[k] * sd[k])
        .collect();
    for c in &model.constructs {
        let mut v = 0.0;
        for &a in &c.items {
            for &b in &c.items {
                v += w[a] * w[b] * r[(a, b)];
            }
        }
        let s = v.sqrt();
        for &a in &c.items {
            w[a] /= s;
        }
    }
    w
}

/// Dijkstra-Henseler rho_A of the block `it` with unit-variance weights `w` (indexed
/// by item): `(w'w)² w'(R - diag R)w / w'(ww' - diag ww')w`; 1 for a single item.
pub(crate) fn rho_a_block(r: &DMatrix<f64>, it: &[usize], w: &[f64]) -> f64 {
    if it.len() < 2 {
        return 1.0;
    }
    let ww: f64 = it.iter().map(|&a| w[a] * w[a]).sum();
    let (mut num, mut den) = (0.0, 0.0);
    for &a in it {
        for &b in it {
            if a != b {
                let p = w[a] * w[b];
                num += p * r[(a, b)];
                den += p * p;
            }
        }
    }
    ww * ww * num / den
}

/// Mean within-block correlation of each construct (1 for single items): the
/// "monotrait" part of HTMT.
pub(crate) fn monotrait_means(model: &Model, r: &DMatrix<f64>) -> Vec<f64> {
    model
        .constructs
        .iter()
        .map(|c| {
            let k = c.items.len();
            if k < 2 {
                return 1.0;
            }
            let mut s = 0.0;
            for a in 0..k {
                for b in (a + 1)..k {
                    s += r[(c.items[a], c.items[b])];
                }
            }
            s / (k * (k - 1) / 2) as f64
        })
        .collect()
}

/// HTMT of constructs i and j from the indicator correlation matrix `r` and the
/// monotrait means ([`monotrait_means`]).
pub fn htmt_pair(model: &Model, r: &DMatrix<f64>, mono: &[f64], i: usize, j: usize) -> f64 {
    let ia = &model.constructs[i].items;
    let ib = &model.constructs[j].items;
    let mut s = 0.0;
    for &x in ia {
        for &y in ib {
            s += r[(x, y)];
        }
    }
    s / (ia.len() * ib.len()) as f64 / (mono[i] * mono[j]).sqrt()
}

/// The HTMT matrix (0 on the diagonal; NaN for a pair with a single-item block, where
/// HTMT is not defined: it needs the correlations within each block, as in cSEM).
pub fn htmt_matrix(model: &Model, r: &DMatrix<f64>) -> DMatrix<f64> {
    let q = model.n_constructs();
    let mono = monotrait_means(model, r);
    DMatrix::from_fn(q, q, |a, b| {
        if a == b {
            0.0
        } else if !htmt_defined(model, a, b) {
            f64::NAN
        } else {
            htmt_pair(model, r, &mono, a, b)
        }
    })
}

/// HTMT is defined for constructs `a` and `b`: both blocks have two or more items.
///
/// ```
/// use csi::spec::{ConstructSpec, Model};
/// let m = Model::from_parts("toy",
///     vec![ConstructSpec::new("A", &["a1", "a2"]), ConstructSpec::new("B", &["b1"]),
///          ConstructSpec::new("C", &["c1", "c2"])],
///     &[("A", "B"), ("B", "C")])?;
/// assert!(csi::quality::htmt_defined(&m, 0, 2));
/// assert!(!csi::quality::htmt_defined(&m, 0, 1));
/// # Ok::<(), csi::Error>(())
/// ```
pub fn htmt_defined(model: &Model, a: usize, b: usize) -> bool {
    let multi = |j: usize| model.constructs.get(j).is_some_and(|c| c.items.len() >= 2);
    multi(a) && multi(b)
}
