//! Moderation: interaction terms between two constructs (model-file
//! `[[interaction]] between = ["QUAL", "PRICE"] to = "SAT"`).
//!
//! An interaction term `QUAL:PRICE` is a construct of the *augmented model*: the user's
//! model plus one construct per term, with a path from the term to `to` (the main
//! effects `QUAL -> SAT` and `PRICE -> SAT` are required). How the term is formed
//! ([`InteractionMethod`]):
//!
//! * **two-stage** (default; SmartPLS, seminr): stage 1 estimates the main-effects
//!   model; the term's single indicator is the product of the two constructs'
//!   standardized stage-1 scores, standardized again as an indicator ("standardized
//!   product term" as SmartPLS computes it); stage 2 estimates the augmented model.
//! * **product-indicator**: the term is measured (Mode A) by every product of a
//!   standardized item of the first construct and a standardized item of the second.
//!
//! Products are not linear in the items, so the term's moments cannot be formed from
//! the item moments: [`Moderation`] keeps the answers and forms the product columns of
//! each resample (the stage-1 fit of a resample warm-started from, and sign-aligned
//! to, the full-sample stage 1). It implements
//! [`ReplicateMoments`](crate::bootstrap::ReplicateMoments), so the bootstrap executor
//! re-runs the whole procedure per resample.
//!
//! # Simple slopes
//! With standardized scores, the effect of `a` on `to` when the moderator `b` is `z`
//! standard deviations from its mean is `beta_a + z * beta_ab` ([`simple_slopes`],
//! at z = -1, 0, +1; Aiken & West 1991; the slopes of SmartPLS's and seminr's simple
//! slope plots).

use crate::bootstrap::{quantile, BootstrapResult, ReplicateMoments};
use crate::data::Complete;
use crate::error::{Error, Result};
use crate::estimate::pls::{self, PlsFit, PlsSettings};
use crate::estimate::SignChange;
use crate::moments::Moments;
use crate::spec::{ConstructSpec, InteractionMethod, Model};
use crate::stat::Stat;
use nalgebra::DMatrix;

/// One interaction term of the augmented model.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// First construct (augmented-model index = user-model index).
    pub a: usize,
    /// Second construct (the moderator).
    pub b: usize,
    /// The construct the term acts on.
    pub to: usize,
    /// The term's construct in the augmented model.
    pub construct: usize,
    /// How it is formed.
    pub method: InteractionMethod,
}

/// A moderation analysis: the augmented model and the data to form its product
/// columns for any resample.
pub struct Moderation {
    /// The user's model (main effects; its `interactions` name the terms).
    pub base: Model,
    /// The augmented model: the user's constructs, then one construct per term.
    pub model: Model,
    /// The terms.
    pub terms: Vec<Term>,
    x: DMatrix<f64>,
    weights: Option<Vec<f64>>,
    settings: PlsSettings,
    stage1: Option<PlsFit>,
}

/// The name of a term's construct: `A:B` (lavaan's notation).
pub fn term_name(model: &Model, a: usize, b: usize) -> String {
    format!("{}:{}", model.constructs[a].name, model.constructs[b].name)
}

/// The declaration of construct `j` of a built model (its items and dimensions by
/// name), as [`Model::build`] takes it.
pub(crate) fn construct_spec(model: &Model, j: usize) -> ConstructSpec {
    let c = &model.constructs[j];
    ConstructSpec {
        name: c.name.clone(),
        label: c.label.clone(),
        items: c
            .items
            .iter()
            .map(|&k| model.items[k].name.clone())
            .collect(),
        mode: c.mode,
        dimensions: c
            .dimensions
            .iter()
            .map(|&d| model.constructs[d].name.clone())
            .collect(),
        hoc_method: c.hoc_method,
    }
}

/// The items of an interaction term's construct: the term's own score (two-stage) or
/// every product of an item of `a` with an item of `b` (product indicators).
fn term_items(base: &Model, t: &crate::spec::Interaction, name: String) -> Vec<String> {
    match t.method {
        InteractionMethod::TwoStage => vec![name],
        InteractionMethod::ProductIndicator => {
            let mut v = Vec::new();
            for &k in &base.constructs[t.a].items {
                for &l in &base.constructs[t.b].items {
                    v.push(format!("{}*{}", base.items[k].name, base.items[l].name));
                }
            }
            v
        }
    }
}

/// The model with the interaction terms as constructs, carrying the base model's
/// scales, missing codes, extras, description and item labels.
fn augmented_model(
    base: &Model,
    specs: Vec<ConstructSpec>,
    paths: &[(String, String)],
) -> Result<Model> {
    let mut aug = Model::build(&base.name, specs, paths).map_err(|i| {
        Error::model(
            "<moderation>",
            None,
            None,
            format!("the model with its interaction terms cannot be built: {i}"),
        )
    })?;
    aug.scale = base.scale;
    aug.missing_codes = base.missing_codes.clone();
    aug.extras = base.extras.clone();
    aug.description = base.description.clone();
    for (k, it) in base.items.iter().enumerate() {
        aug.items[k].label = it.label.clone();
        aug.items[k].scale = it.scale;
        aug.items[k].reverse = it.reverse;
    }
    Ok(aug)
}

impl Moderation {
    /// Prepare the moderation analysis of `model` (which declares interactions) on
    /// complete `data`, with the PLS `settings` of both stages.
    ///
    /// # Errors
    /// When the augmented model cannot be built (a term's name or item clashes with a
    /// declared one) or the full-sample stage 1 cannot be estimated.
    pub fn new(model: &Model, data: &Complete, settings: &PlsSettings) -> Result<Moderation> {
        let mut base = model.clone();
        let interactions = std::mem::take(&mut base.interactions);
        let mut specs: Vec<ConstructSpec> = (0..base.n_constructs())
            .map(|j| construct_spec(&base, j))
            .collect();
        let mut paths = base
            .paths
            .iter()
            .filter(|&&(a, b)| !base.constructs[b].dimensions.contains(&a))
            .map(|&(a, b)| {
                (
                    base.constructs[a].name.clone(),
                    base.constructs[b].name.clone(),
                )
            })
            .collect::<Vec<_>>();
        let mut terms = Vec::new();
        for t in &interactions {
            let name = term_name(&base, t.a, t.b);
            terms.push(Term {
                a: t.a,
                b: t.b,
                to: t.to,
                construct: specs.len(),
                method: t.method,
            });
            paths.push((name.clone(), base.constructs[t.to].name.clone()));
            let mut spec = ConstructSpec::new(&name, &[]).mode(crate::spec::Mode::A);
            spec.items = term_items(&base, t, name);
            specs.push(spec);
        }
        let aug = augmented_model(&base, specs, &paths)?;
        let mut mo = Moderation {
            base,
            model: aug,
            terms,
            x: data.x.clone(),
            weights: data.weights.clone(),
            settings: *settings,
            stage1: None,
        };
        if mo
            .terms
            .iter()
            .any(|t| t.method == InteractionMethod::TwoStage)
        {
            let m = Moments::from_data(&mo.x, mo.weights.as_deref())?;
            mo.stage1 = Some(pls::estimate(&mo.base, &m, settings)?);
        }
        Ok(mo)
    }

    /// The augmented complete data of the full sample (answers, then the product
    /// columns).
    ///
    /// # Errors
    /// As [`ReplicateMoments::moments`].
    pub fn complete(&self, data: &Complete) -> Result<Complete> {
        let ones = vec![1u32; self.x.nrows()];
        let (x, _) = self.augmented(&ones)?;
        Ok(Complete {
            x,
            rows: data.rows.clone(),
            weights: data.weights.clone(),
            kept: data.kept.clone(),
            em: None,
            design: data.design.clone(),
        })
    }

    /// The answers with the product columns of the resample `counts`, and the
    /// resample's weights.
    fn augmented(&self, counts: &[u32]) -> Result<(DMatrix<f64>, Vec<f64>)> {
        let n = self.x.nrows();
        let p = self.x.ncols();
        let w: Vec<f64> = (0..n)
            .map(|i| counts[i] as f64 * self.weights.as_ref().map_or(1.0, |w| w[i]))
            .collect();
        let m = Moments::from_data(&self.x, Some(&w))?;
        let scores = match &self.stage1 {
            Some(full) => {
                let mut fit = pls::estimate_stage(
                    &self.base,
                    &m,
                    &self.settings,
                    Some(&full.weights),
                    false,
                )?;
                pls::align(&self.base, full, &mut fit, SignChange::Construct)?;
                Some(fit.scores(&self.base, &self.x))
            }
            None => None,
        };
        let sd = m.pop_sd();
        let z = |i: usize, k: usize| (self.x[(i, k)] - m.means[k]) / sd[k];
        let extra = self.model.n_items() - p;
        let mut out = DMatrix::zeros(n, p + extra);
        out.view_mut((0, 0), (n, p)).copy_from(&self.x);
        let mut col = p;
        for t in &self.terms {
            match (t.method, &scores) {
                (InteractionMethod::TwoStage, Some(s)) => {
                    for i in 0..n {
                        out[(i, col)] = s[(i, t.a)] * s[(i, t.b)];
                    }
                    col += 1;
                }
                _ => {
                    for &k in &self.base.constructs[t.a].items {
                        for &l in &self.base.constructs[t.b].items {
                            for i in 0..n {
                                out[(i, col)] = z(i, k) * z(i, l);
                            }
                            col += 1;
                        }
                    }
                }
            }
        }
        Ok((out, w))
    }
}

impl ReplicateMoments for Moderation {
    type Scratch = ();
    fn n(&self) -> usize {
        self.x.nrows()
    }
    fn scratch(&self) {}
    fn moments(&self, counts: &[u32], _: &mut ()) -> Result<Moments> {
        let (x, w) = self.augmented(counts)?;
        Moments::from_data(&x, Some(&w))
    }
}

/// The effect of `a` on `to` at the moderator's mean plus `z` standard deviations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimpleSlope {
    /// Standard deviations of the moderator from its mean.
    pub z: f64,
    /// `beta_a + z * beta_ab`.
    pub slope: f64,
    /// Percentile bootstrap interval (`NaN` without a bootstrap).
    pub ci_low: f64,
    /// Upper bound.
    pub ci_high: f64,
}

/// Simple slopes of a term at z = -1, 0, +1 from the path matrix of the augmented
/// model, with percentile intervals from the bootstrap replicates when given.
///
/// ```
/// use csi::estimate::interaction::{simple_slopes, Term};
/// use csi::spec::InteractionMethod;
/// let mut b = nalgebra::DMatrix::zeros(4, 4);
/// b[(0, 2)] = 0.4; b[(1, 2)] = 0.2; b[(3, 2)] = -0.1; // A, B, S, A:B
/// let t = Term { a: 0, b: 1, to: 2, construct: 3, method: InteractionMethod::TwoStage };
/// let s = simple_slopes(&b, &t, None);
/// assert!((s[0].slope - 0.5).abs() < 1e-12 && (s[2].slope - 0.3).abs() < 1e-12);
/// ```
pub fn simple_slopes(
    paths: &DMatrix<f64>,
    t: &Term,
    boot: Option<&BootstrapResult>,
) -> Vec<SimpleSlope> {
    let ba = paths[(t.a, t.to)];
    let bab = paths[(t.construct, t.to)];
    let cols = boot.and_then(|b| {
        Some((
            b,
            b.column(Stat::Path {
                from: t.a,
                to: t.to,
            })?,
            b.column(Stat::Path {
                from: t.construct,
                to: t.to,
            })?,
        ))
    });
    [-1.0, 0.0, 1.0]
        .into_iter()
        .map(|z| {
            let (mut lo, mut hi) = (f64::NAN, f64::NAN);
            if let Some((b, ca, cab)) = cols {
                if b.withheld.is_none() {
                    let mut v: Vec<f64> = (0..b.replicates.nrows())
                        .map(|r| b.replicates[(r, ca)] + z * b.replicates[(r, cab)])
                        .filter(|x| x.is_finite())
                        .collect();
                    v.sort_by(f64::total_cmp);
                    let alpha = (1.0 - b.level) / 2.0;
                    lo = quantile(&v, alpha);
                    hi = quantile(&v, 1.0 - alpha);
                }
            }
            SimpleSlope {
                z,
                slope: ba + z * bab,
                ci_low: lo,
                ci_high: hi,
            }
        })
        .collect()
}
