//! "Cannot answer" as information: the share of declared missing codes per item and
//! per construct.
//!
//! A declared missing code (the model's `missing` list or `--missing-code`, e.g.
//! 「无法回答」 or 99) is a respondent saying they cannot judge, which is different from
//! an empty cell (a skipped question). Both are missing answers for the estimation, but
//! a question that many customers cannot answer is a questionnaire problem: the share
//! of codes is reported per item ([`super::ItemReport::cannot_answer`]) and per
//! construct ([`ConstructShare`]), with a warning above
//! [`CANNOT_ANSWER_WARNING_SHARE`].
//!
//! `share = coded cells / respondents` for an item, and
//! `coded cells of its items / (items x respondents)` for a construct.
//!
//! # Example
//! ```
//! use csi::data::{read_survey, IngestOptions};
//! use csi::spec::{ConstructSpec, Model, Scale};
//! let mut model = Model::from_parts("toy",
//!     vec![ConstructSpec::new("A", &["a1", "a2"]), ConstructSpec::new("B", &["b1"])], &[("A", "B")])?
//!     .with_scale(Scale { min: 1.0, max: 10.0 })?;
//! model.missing_codes = vec!["无法回答".into()];
//! let dir = tempfile::tempdir().map_err(|e| csi::Error::io("tempdir", e))?;
//! let path = dir.path().join("s.csv");
//! let mut text = String::from("a1,a2,b1\n");
//! for i in 0..20 {
//!     let a2 = if i < 4 { "无法回答".to_string() } else if i == 4 { String::new() } else { ((i % 9) + 1).to_string() };
//!     text.push_str(&format!("{},{a2},{}\n", (i % 7) + 2, (i % 5) + 3));
//! }
//! std::fs::write(&path, text).map_err(|e| csi::Error::io(&path, e))?;
//! let (_, report) = read_survey(&path, &model, &IngestOptions::default())?;
//! assert_eq!(report.items[1].missing, 5);        // 4 codes and 1 empty cell
//! assert_eq!(report.items[1].cannot_answer, 4);
//! assert!((report.constructs[0].share - 4.0 / 40.0).abs() < 1e-12);
//! // 20% of a2 cannot answer: above the 5% threshold
//! assert!(report.warnings().any(|p| p.column.as_deref() == Some("a2") && p.message.contains("cannot answer")));
//! # Ok::<(), csi::Error>(())
//! ```

use super::validate::{Problem, ValidationReport};
use crate::spec::Model;

/// Share of declared missing codes above which an item or a construct gets a warning.
pub const CANNOT_ANSWER_WARNING_SHARE: f64 = 0.05;

/// The "cannot answer" share of one construct.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ConstructShare {
    /// Construct name.
    pub name: String,
    /// Cells of its items holding a declared missing code.
    pub cannot_answer: usize,
    /// Cells of its items (items x respondents).
    pub cells: usize,
    /// `cannot_answer / cells` (0 without respondents).
    pub share: f64,
}

/// Fill [`ValidationReport::constructs`] from the per-item counts and add a warning for
/// every item and construct above [`CANNOT_ANSWER_WARNING_SHARE`].
pub fn assess(model: &Model, report: &mut ValidationReport) {
    let n = report.n_rows;
    let share = |k: usize, cells: usize| {
        if cells > 0 {
            k as f64 / cells as f64
        } else {
            0.0
        }
    };
    let mut warnings = Vec::new();
    for it in &report.items {
        let s = share(it.cannot_answer, n);
        if s > CANNOT_ANSWER_WARNING_SHARE {
            warnings.push(
                Problem::warning(format!(
                    "{:.1}% cannot answer ({} of {n} cells hold a declared missing code); a question many customers cannot answer is a questionnaire problem (more than {}%)",
                    100.0 * s,
                    it.cannot_answer,
                    CANNOT_ANSWER_WARNING_SHARE * 100.0
                ))
                .in_column(it.name.clone()),
            );
        }
    }
    report.constructs = model
        .constructs
        .iter()
        .map(|c| {
            let k: usize = c
                .items
                .iter()
                .filter_map(|&i| report.items.get(i))
                .map(|it| it.cannot_answer)
                .sum();
            let cells = c.items.len() * n;
            ConstructShare {
                name: c.name.clone(),
                cannot_answer: k,
                cells,
                share: share(k, cells),
            }
        })
        .collect();
    for c in &report.constructs {
        if c.share > CANNOT_ANSWER_WARNING_SHARE {
            warnings.push(Problem::warning(format!(
                "construct {}: {:.1}% of its answers are 'cannot answer' ({} of {} cells)",
                c.name,
                100.0 * c.share,
                c.cannot_answer,
                c.cells
            )));
        }
    }
    for w in warnings {
        report.push(w);
    }
}
