//! Questionnaire data: ingest ([`read_survey`]), missing codes, validation, and the
//! missing-data policies that turn a [`Survey`] into a complete numeric matrix.
//!
//! A [`Survey`] holds the model's item columns as an n x p matrix in the model's item
//! order, already reverse-coded, with `NaN` for missing answers (empty cells and the
//! model's missing codes such as 「无法回答」). Every other column of the file
//! (demographics, the airline flown, weights) is kept as text in [`Survey::extra`].
//!
//! # Example
//! ```
//! use csi::data::{Survey, MissingPolicy};
//! use nalgebra::DMatrix;
//! let x = DMatrix::from_row_slice(3, 2, &[1.0, 2.0, f64::NAN, 4.0, 3.0, 6.0]);
//! let s = Survey::from_matrix(vec!["a".into(), "b".into()], x);
//! let (complete, report) = s.complete(MissingPolicy::Mean)?;
//! assert!((complete.x[(1, 0)] - 2.0).abs() < 1e-12); // mean of 1 and 3
//! assert_eq!(report.imputed, vec![1, 0]);
//! # Ok::<(), csi::Error>(())
//! ```

use crate::error::{Error, Location, Result};
use nalgebra::DMatrix;
use std::collections::BTreeMap;

pub mod cannot_answer;
pub mod ingest;
pub mod prepare;
pub mod sav;
pub mod subset;
pub mod validate;

pub use ingest::{
    inspect_survey, inspect_survey_bytes, parse_delimiter, read_survey, IngestOptions,
};
pub use validate::{
    required_respondents, validate_survey, ItemReport, Problem, Severity, ValidationReport,
};

/// A survey matched to a model.
#[derive(Debug, Clone)]
pub struct Survey {
    /// The file the data came from (as given), for messages.
    pub file: String,
    /// Item names, in model item order (= matrix columns).
    pub items: Vec<String>,
    /// n x p answers, reverse-coded, `NaN` = missing.
    pub x: DMatrix<f64>,
    /// Spreadsheet row number of each respondent (header = row 1).
    pub rows: Vec<usize>,
    /// Non-item columns as text (`None` = empty cell), same length as `rows`.
    pub extra: BTreeMap<String, Vec<Option<String>>>,
    /// Sampling weights (from `--weight COLUMN`), same length as `rows`.
    pub weights: Option<Vec<f64>>,
}

/// What to do with missing answers before fitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MissingPolicy {
    /// Replace by the item mean (seminr / SmartPLS default); counted per item.
    #[default]
    Mean,
    /// Drop every respondent with any missing item; counted.
    Listwise,
    /// Refuse data with any missing item.
    Error,
    /// Means and covariances by EM under multivariate normality (missing at random),
    /// see [`crate::em`]; the model is fitted from those moments. Missing cells are
    /// counted per item as for `Mean`.
    Em,
}

impl std::str::FromStr for MissingPolicy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "mean" => Ok(Self::Mean),
            "listwise" => Ok(Self::Listwise),
            "error" => Ok(Self::Error),
            "em" | "EM" => Ok(Self::Em),
            _ => Err(Error::setting(
                "missing",
                format!("expected mean, listwise, em or error, got '{s}'"),
            )),
        }
    }
}

impl MissingPolicy {
    /// The flag spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Mean => "mean",
            Self::Listwise => "listwise",
            Self::Error => "error",
            Self::Em => "em",
        }
    }
}

/// Complete data, ready for moments.
#[derive(Debug, Clone)]
pub struct Complete {
    /// n x p without missing values.
    pub x: DMatrix<f64>,
    /// Spreadsheet rows kept.
    pub rows: Vec<usize>,
    /// Weights of the kept rows, rescaled to mean 1 (see [`crate::design::weights`]).
    pub weights: Option<Vec<f64>>,
    /// Index into the survey's respondents of each kept row.
    pub kept: Vec<usize>,
    /// The EM solution ([`MissingPolicy::Em`]): the moments to fit from; `x` then holds
    /// the answers with missing cells replaced by their conditional means.
    pub em: Option<crate::em::EmSolution>,
    /// The sampling design of the kept rows (`--strata`/`--cluster`): the bootstrap
    /// draws resamples by it ([`crate::bootstrap::resample`]). `None`: simple random
    /// resampling of respondents.
    pub design: Option<crate::design::Design>,
}

/// What a missing-data policy did. Nothing is dropped silently.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MissingReport {
    /// Policy applied.
    pub policy: MissingPolicy,
    /// Missing cells per item (before the policy).
    pub missing: Vec<usize>,
    /// Cells replaced by the item mean, per item (mean policy).
    pub imputed: Vec<usize>,
    /// Respondents removed (listwise policy).
    pub removed: usize,
    /// Respondents in the file.
    pub n_read: usize,
    /// Respondents used.
    pub n_used: usize,
    /// What EM did ([`MissingPolicy::Em`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub em: Option<crate::em::EmInfo>,
}

impl Survey {
    /// Wrap a matrix (columns = items in model order). For tests and library users
    /// without a file; rows are numbered 2.. as if read from a file with a header.
    pub fn from_matrix(items: Vec<String>, x: DMatrix<f64>) -> Survey {
        let n = x.nrows();
        Survey {
            file: "<matrix>".into(),
            items,
            x,
            rows: (2..n + 2).collect(),
            extra: BTreeMap::new(),
            weights: None,
        }
    }

    /// Number of respondents.
    pub fn n(&self) -> usize {
        self.x.nrows()
    }

    /// Keep only respondents whose `column` equals `value` (trimmed text).
    ///
    /// # Errors
    /// [`Error::Data`] when the column does not exist.
    pub fn filter_group(&self, column: &str, value: &str) -> Result<Survey> {
        let col = self.extra.get(column).ok_or_else(|| {
            Error::data(
                Location::column(self.file.clone(), column),
                "no such column in the data",
            )
        })?;
        let idx: Vec<usize> = col
            .iter()
            .enumerate()
            .filter(|(_, v)| v.as_deref().map(str::trim) == Some(value))
            .map(|(i, _)| i)
            .collect();
        Ok(self.select_rows(&idx))
    }

    /// A survey with the given respondents (indices into this survey), in that order.
    pub fn select_rows(&self, idx: &[usize]) -> Survey {
        let p = self.x.ncols();
        let x = DMatrix::from_fn(idx.len(), p, |i, j| self.x[(idx[i], j)]);
        Survey {
            file: self.file.clone(),
            items: self.items.clone(),
            x,
            rows: idx.iter().map(|&i| self.rows[i]).collect(),
            extra: self
                .extra
                .iter()
                .map(|(k, v)| (k.clone(), idx.iter().map(|&i| v[i].clone()).collect()))
                .collect(),
            weights: self
                .weights
                .as_ref()
                .map(|w| idx.iter().map(|&i| w[i]).collect()),
        }
    }

    /// Apply a missing-data policy. Sampling weights are checked and rescaled to mean 1
    /// first ([`crate::design::weights::check`], [`crate::design::weights::normalized`]).
    /// [`Survey::prepare`] adds the minimum-n check and the moments.
    ///
    /// # Errors
    /// Weights that are not finite, negative, or all zero ([`Error::Data`] naming the
    /// row).
    /// With [`MissingPolicy::Error`], an [`Error::Data`] naming the first missing cell.
    /// With any policy, an error when an item has no observed value at all.
    pub fn complete(&self, policy: MissingPolicy) -> Result<(Complete, MissingReport)> {
        let n = self.x.nrows();
        let p = self.x.ncols();
        // weights: checked, then rescaled to mean 1 so that their scale never matters
        let weights: Option<Vec<f64>> = match &self.weights {
            Some(w) => {
                crate::design::weights::check(w, &self.file, &self.rows, None)?;
                Some(crate::design::weights::normalized(w))
            }
            None => None,
        };
        let missing = self.missing_counts()?;
        let report = MissingReport {
            policy,
            missing,
            imputed: vec![0; p],
            removed: 0,
            n_read: n,
            n_used: n,
            em: None,
        };
        match policy {
            MissingPolicy::Error => self.complete_or_refuse(weights, report),
            MissingPolicy::Em => self.complete_em(weights, report),
            MissingPolicy::Mean => Ok(self.complete_mean(weights, report)),
            MissingPolicy::Listwise => Ok(self.complete_listwise(report)),
        }
    }

    /// Missing answers per item.
    ///
    /// # Errors
    /// [`Error::Data`] naming the item when every answer of it is missing.
    fn missing_counts(&self) -> Result<Vec<usize>> {
        let n = self.x.nrows();
        let p = self.x.ncols();
        let mut missing = vec![0usize; p];
        for j in 0..p {
            missing[j] = self.x.column(j).iter().filter(|v| v.is_nan()).count();
            if n > 0 && missing[j] == n {
                return Err(Error::data(
                    Location {
                        file: self.file.clone(),
                        column: Some(self.items[j].clone()),
                        ..Default::default()
                    },
                    "every answer of this item is missing",
                ));
            }
        }
        Ok(missing)
    }

    /// Every respondent kept, with the answers `x` (no EM solution, no design).
    fn keep_all(&self, x: DMatrix<f64>, weights: Option<Vec<f64>>) -> Complete {
        Complete {
            x,
            rows: self.rows.clone(),
            weights,
            kept: (0..self.x.nrows()).collect(),
            em: None,
            design: None,
        }
    }

    /// `--missing error`: the survey as it is, or an error naming the first missing
    /// cell (column by column) and counting the others.
    fn complete_or_refuse(
        &self,
        weights: Option<Vec<f64>>,
        report: MissingReport,
    ) -> Result<(Complete, MissingReport)> {
        for j in 0..self.x.ncols() {
            if let Some(i) = self.x.column(j).iter().position(|v| v.is_nan()) {
                let total: usize = report.missing.iter().sum();
                return Err(Error::Data {
                    location: Location {
                        file: self.file.clone(),
                        row: Some(self.rows[i]),
                        column: Some(self.items[j].clone()),
                        value: None,
                    },
                    message: "missing answer and --missing error was given (use --missing mean or listwise)".into(),
                    more: total.saturating_sub(1),
                });
            }
        }
        Ok((self.keep_all(self.x.clone(), weights), report))
    }

    /// `--missing em`: the EM estimate of the mean and covariance under MAR, and the
    /// answers imputed by their conditional means ([`crate::em`]).
    fn complete_em(
        &self,
        weights: Option<Vec<f64>>,
        mut report: MissingReport,
    ) -> Result<(Complete, MissingReport)> {
        let opts = crate::em::EmOptions::default();
        let data = crate::em::EmData::new(&self.x, weights.as_deref())?;
        let fit = data.fit(None, None, &opts)?;
        let data = std::sync::Arc::new(data);
        let x = if report.missing.iter().any(|&m| m > 0) {
            fit.impute(&self.x)?
        } else {
            self.x.clone()
        };
        report.imputed = report.missing.clone();
        report.em = Some(crate::em::EmInfo {
            iterations: fit.iterations,
            converged: fit.converged,
            delta: fit.delta,
            patterns: data.n_patterns(),
        });
        let mut complete = self.keep_all(x, weights);
        complete.em = Some(crate::em::EmSolution {
            fit,
            data,
            options: opts,
        });
        Ok((complete, report))
    }

    /// `--missing mean`: every missing answer replaced by its item's (weighted) mean
    /// of the observed answers.
    fn complete_mean(
        &self,
        weights: Option<Vec<f64>>,
        mut report: MissingReport,
    ) -> (Complete, MissingReport) {
        let mut x = self.x.clone();
        for j in 0..self.x.ncols() {
            if report.missing[j] == 0 {
                continue;
            }
            let (s, w) = col_mean_observed(x.column(j).iter().copied(), weights.as_deref());
            let mean = s / w;
            for v in x.column_mut(j).iter_mut() {
                if v.is_nan() {
                    *v = mean;
                }
            }
            report.imputed[j] = report.missing[j];
        }
        (self.keep_all(x, weights), report)
    }

    /// `--missing listwise`: the respondents who answered every item (their weights
    /// rescaled to mean 1 again).
    fn complete_listwise(&self, mut report: MissingReport) -> (Complete, MissingReport) {
        let (n, p) = self.x.shape();
        let kept: Vec<usize> = (0..n)
            .filter(|&i| (0..p).all(|j| !self.x[(i, j)].is_nan()))
            .collect();
        report.removed = n - kept.len();
        report.n_used = kept.len();
        let sub = self.select_rows(&kept);
        let weights = match sub.weights {
            Some(w) if crate::design::weights::positive(&w) > 0 => {
                Some(crate::design::weights::normalized(&w))
            }
            other => other,
        };
        let complete = Complete {
            x: sub.x,
            rows: sub.rows,
            weights,
            kept,
            em: None,
            design: None,
        };
        (complete, report)
    }
}

fn col_mean_observed(col: impl Iterator<Item = f64>, w: Option<&[f64]>) -> (f64, f64) {
    let mut s = 0.0;
    let mut ws = 0.0;
    for (i, v) in col.enumerate() {
        if v.is_nan() {
            continue;
        }
        let wi = w.map(|w| w[i]).unwrap_or(1.0);
        s += wi * v;
        ws += wi;
    }
    (s, ws)
}
