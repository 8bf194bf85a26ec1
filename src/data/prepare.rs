//! From a survey to what the estimators fit: the missing-data policy, the minimum
//! number of usable respondents, and the moments.
//!
//! One function, [`Survey::prepare`], so that every fit (a `csi fit`, one group of a
//! comparison, a permutation refit) treats the data the same way:
//!
//! 1. sampling weights are checked (finite, >= 0, not all zero, naming the row) and
//!    rescaled to mean 1, so that results do not depend on their scale
//!    ([`crate::design::weights`]);
//! 2. the missing-data policy is applied ([`Survey::complete`]);
//! 3. the contract's minimum of usable respondents
//!    ([`super::required_respondents`]: 10, or more for the largest regression) is
//!    checked *after* listwise deletion and on the number of respondents with a
//!    positive weight;
//! 4. the moments: EM's under [`MissingPolicy::Em`], otherwise those of the complete
//!    data (weighted when the survey has weights).

use super::{required_respondents, Complete, MissingPolicy, MissingReport, Survey};
use crate::error::{Error, Location, Result};
use crate::moments::Moments;
use crate::spec::Model;

impl Survey {
    /// Apply `policy`, check the number of usable respondents, and compute the moments.
    ///
    /// # Errors
    /// The errors of [`Survey::complete`]; [`Error::Data`] naming the file when fewer
    /// respondents than the model needs remain after listwise deletion or have a
    /// positive weight; moment errors.
    ///
    /// # Example
    /// ```
    /// use csi::data::{MissingPolicy, Survey};
    /// use csi::spec::{ConstructSpec, Model};
    /// use nalgebra::DMatrix;
    /// let model = Model::from_parts("toy",
    ///     vec![ConstructSpec::new("A", &["a"]), ConstructSpec::new("B", &["b"])], &[("A", "B")])?;
    /// // 12 respondents, 3 of them with a missing answer
    /// let x = DMatrix::from_fn(12, 2, |i, j| if j == 1 && i < 3 { f64::NAN } else { (i * (j + 2) % 7) as f64 });
    /// let s = Survey::from_matrix(vec!["a".into(), "b".into()], x);
    /// assert!(s.prepare(&model, MissingPolicy::Mean).is_ok());
    /// // listwise deletion leaves 9: fewer than the contract's minimum of 10
    /// let e = s.prepare(&model, MissingPolicy::Listwise).unwrap_err();
    /// assert!(e.to_string().contains("only 9 respondents are left after listwise deletion"));
    /// # Ok::<(), csi::Error>(())
    /// ```
    pub fn prepare(
        &self,
        model: &Model,
        policy: MissingPolicy,
    ) -> Result<(Complete, MissingReport, Moments)> {
        let (data, missing) = self.complete(policy)?;
        check_usable(model, &self.file, &data, &missing)?;
        let moments = match &data.em {
            Some(em) => em.fit.moments(),
            None => Moments::from_data(&data.x, data.weights.as_deref())?,
        };
        Ok((data, missing, moments))
    }
}

/// The contract's minimum of usable respondents, after the missing-data policy and
/// counting only respondents with a positive weight.
///
/// # Errors
/// [`Error::Data`] naming the file, the count and the minimum.
pub fn check_usable(
    model: &Model,
    file: &str,
    data: &Complete,
    missing: &MissingReport,
) -> Result<()> {
    let need = required_respondents(model);
    let here = || Location {
        file: file.to_string(),
        ..Default::default()
    };
    let n = data.x.nrows();
    if n < need {
        let how = if missing.removed > 0 {
            format!(
                "only {n} respondents are left after listwise deletion ({} of {} removed for a missing answer)",
                missing.removed, missing.n_read
            )
        } else {
            format!("only {n} respondents")
        };
        return Err(Error::data(
            here(),
            format!("{how}; the model needs at least {need}"),
        ));
    }
    if let Some(w) = &data.weights {
        let pos = crate::design::weights::positive(w);
        if pos < need {
            return Err(Error::data(
                here(),
                format!(
                    "only {pos} of {n} respondents have a positive weight; the model needs at least {need}"
                ),
            ));
        }
    }
    Ok(())
}
