//! The staged pipeline shared by the CLI and library users:
//! survey -> missing-data policy -> moments -> estimate -> quality -> indices.
//!
//! # Example
//! ```
//! use csi::analysis::{analyze, FitOptions};
//! use csi::data::Survey;
//! use csi::simulate::{Measurement, Population};
//! use csi::spec::{ConstructSpec, Model, Scale};
//! let model = Model::from_parts("toy",
//!     vec![ConstructSpec::new("QUAL", &["q1", "q2", "q3"]), ConstructSpec::new("SAT", &["s1", "s2"])],
//!     &[("QUAL", "SAT")])?.with_scale(Scale { min: 1.0, max: 10.0 })?;
//! let pop = Population::new(&model, &[("QUAL", "SAT", 0.6)], Measurement::CommonFactor(0.8))?;
//! let z = pop.draw_continuous(&model, 300, 1)?;
//! let x = csi::simulate::to_scale(&model, &z, Scale { min: 1.0, max: 10.0 }, 7.0, 1.5, &[], &[]);
//! let survey = Survey::from_matrix(vec!["q1".into(), "q2".into(), "q3".into(), "s1".into(), "s2".into()], x);
//! let a = analyze(&model, &survey, &FitOptions::default())?;
//! let sat = a.indices[1].value.unwrap();
//! assert!(sat > 55.0 && sat < 80.0); // latent mean 7 on 1..10 is about 67
//! # Ok::<(), csi::Error>(())
//! ```

use crate::data::{Complete, MissingPolicy, MissingReport, Survey};
use crate::error::Result;
use crate::estimate::pls::{self, PlsFit, PlsSettings};
use crate::index::{self, ConstructIndex};
use crate::moments::Moments;
use crate::quality::{self, Quality};
use crate::spec::Model;

/// Options of one analysis.
#[derive(Debug, Clone, Default)]
pub struct FitOptions {
    /// PLS settings.
    pub pls: PlsSettings,
    /// Missing-data policy (default: mean replacement, counted).
    pub missing: MissingPolicy,
}

/// Everything one fit produces.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The model.
    pub model: Model,
    /// Options used.
    pub options: FitOptions,
    /// The complete data that was fitted.
    pub data: Complete,
    /// What the missing-data policy did.
    pub missing: MissingReport,
    /// Moments of the complete data (weighted when the survey has weights).
    pub moments: Moments,
    /// The PLS solution.
    pub fit: PlsFit,
    /// Measurement quality.
    pub quality: Quality,
    /// 0-100 indices.
    pub indices: Vec<ConstructIndex>,
    /// Human-readable warnings (non-convergence, undefined indices, ...).
    pub warnings: Vec<String>,
}

/// Run the pipeline on a survey.
///
/// # Errors
/// Missing-data policy errors, and estimation errors of the full sample (zero
/// variance, singular Mode B block). Non-convergence is a warning, not an error.
pub fn analyze(model: &Model, survey: &Survey, options: &FitOptions) -> Result<Analysis> {
    let (data, missing, moments) = survey.prepare(model, options.missing)?;
    analyze_moments(model, data, missing, moments, options)
}

/// The pipeline from already computed moments.
pub fn analyze_moments(
    model: &Model,
    data: Complete,
    missing: MissingReport,
    moments: Moments,
    options: &FitOptions,
) -> Result<Analysis> {
    let fit = pls::estimate(model, &moments, &options.pls)?;
    let mut quality = quality::assess(model, &moments, &fit);
    // a higher-order construct's reliability comes from its dimensions' scores
    for (h, q) in crate::estimate::hoc::quality(model, &fit) {
        quality.constructs[h] = q;
    }
    let indices = index::indices(model, &fit);
    let mut warnings = Vec::new();
    if !fit.converged {
        warnings.push(format!(
            "PLS did not converge in {} iterations (last change {:.3e} >= tolerance {:.0e}); results are from the last iteration",
            fit.iterations, fit.delta, options.pls.tolerance
        ));
    }
    let imputed: Vec<String> = missing
        .imputed
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{} {}", model.items[k].name, n))
        .collect();
    if !imputed.is_empty() {
        let cells: usize = missing.imputed.iter().sum();
        let how = match &missing.em {
            Some(_) => "estimated by EM (moments under multivariate normality)",
            None => "replaced by the item mean",
        };
        warnings.push(format!(
            "{cells} missing answer(s) in {} item(s) {how}: {}",
            imputed.len(),
            imputed.join(", ")
        ));
    }
    if let Some(em) = missing.em.as_ref().filter(|e| !e.converged) {
        warnings.push(format!(
            "EM did not converge in {} iterations (last change {:.3e}); the moments are from the last iteration",
            em.iterations, em.delta
        ));
    }
    if missing.removed > 0 {
        warnings.push(format!(
            "{} of {} respondents removed by --missing listwise",
            missing.removed, missing.n_read
        ));
    }
    for ix in &indices {
        if let Some(p) = &ix.problem {
            warnings.push(format!(
                "index of {}: {}",
                model.constructs[ix.construct].name, p
            ));
        }
    }
    Ok(Analysis {
        model: model.clone(),
        options: options.clone(),
        data,
        missing,
        moments,
        fit,
        quality,
        indices,
        warnings,
    })
}
