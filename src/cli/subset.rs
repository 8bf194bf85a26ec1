//! `--company COLUMN --focus NAME` and `--filter COLUMN=VALUE` (repeatable): the rows a
//! command analyses (a company's own respondents, a segment). Shared by fit, ipma and
//! report.
use clap::Args;
use csi::data::subset::{subset_rows, RowFilter};

/// Row-subset flags.
#[derive(Debug, Args, Clone, Default)]
pub struct SubsetArgs {
    /// Column that names the company (the airline flown, the bank, ...).
    #[arg(long, value_name = "COLUMN")]
    pub company: Option<String>,
    /// Analyse this company's own respondents (needs --company).
    #[arg(long, value_name = "NAME", requires = "company")]
    pub focus: Option<String>,
    /// Keep only respondents whose COLUMN equals VALUE (repeatable; several values of
    /// one column are alternatives, different columns must all hold).
    #[arg(long = "filter", value_name = "COLUMN=VALUE")]
    pub filters: Vec<String>,
}

impl SubsetArgs {
    /// The conditions: the filters, then the focus company.
    pub fn conditions(&self, with_focus: bool) -> csi::Result<Vec<RowFilter>> {
        let mut v: Vec<RowFilter> = self
            .filters
            .iter()
            .map(|f| f.parse())
            .collect::<csi::Result<_>>()?;
        if with_focus {
            if let (Some(c), Some(f)) = (&self.company, &self.focus) {
                v.push(RowFilter::new(c, f, "--focus"));
            }
        }
        Ok(v)
    }

    /// Keep the rows these flags ask for; says on stderr how many were kept.
    pub fn apply(&self, survey: csi::data::Survey) -> anyhow::Result<csi::data::Survey> {
        let conds = self.conditions(true)?;
        if conds.is_empty() {
            return Ok(survey);
        }
        let (sub, r) = subset_rows(&survey, &conds)?;
        eprintln_safe!(
            "note: {} of {} respondents kept ({})",
            r.n_kept,
            r.n_before,
            r.conditions.join(", ")
        );
        Ok(sub)
    }
}
