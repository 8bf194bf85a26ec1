//! The research additions of `csi fit`: `--profile` in the document, paper tables
//! (`--tables DIR`, `--table-format`) and the path chart (`--path-chart FILE`).
use clap::Args;
use csi::analysis::Analysis;
use csi::bootstrap::BootstrapResult;
use csi::estimate::EstimatorKind;
use csi::profile::Divisor;
use csi::report::chart::{self, Output};
use csi::report::table::{Table, TableFormat};
use std::path::PathBuf;

/// Paper tables and the path diagram of `csi fit`.
#[derive(Debug, Args, Clone, Default)]
pub struct ResearchArgs {
    /// Write every table of the fit, ready to paste into a paper, into DIR: one file per
    /// table (indices, paths, effects, outer, cross_loadings, htmt, htmt_intervals,
    /// fornell_larcker, inner_vif, f2, information_criteria, model_fit; plsc_* and
    /// cbsem_* tables with those estimators), each as ID.csv, ID.md (pipe table) and
    /// ID.tex (booktabs); see --table-format.
    #[arg(long, value_name = "DIR")]
    pub tables: Option<PathBuf>,
    /// Which files --tables writes: all (default), csv, markdown or latex.
    #[arg(long = "table-format", value_name = "FORMAT", default_value = "all")]
    pub table_format: TableFormat,
    /// Path diagram of the inner model: FILE.svg or FILE.png (with --bootstrap, stars
    /// from the bootstrap p values).
    #[arg(long = "path-chart", value_name = "FILE")]
    pub path_chart: Option<PathBuf>,
}

/// Checked outputs: the tables folder exists, the chart name has a known extension.
#[derive(Debug, Default)]
pub struct Outputs {
    tables: Option<(PathBuf, TableFormat)>,
    path_chart: Option<(PathBuf, Output)>,
    files: std::cell::Cell<usize>,
}

impl ResearchArgs {
    /// Check the outputs before any work: a path chart only for PLS, a chart name with a known
    /// extension, a tables folder that exists or can be made.
    pub fn check(&self, est: EstimatorKind) -> anyhow::Result<Outputs> {
        if est != EstimatorKind::Pls && self.path_chart.is_some() {
            return Err(csi::Error::setting(
                "--path-chart",
                format!("is available with --estimator pls only, not {est}"),
            )
            .into());
        }
        let path_chart = self
            .path_chart
            .as_ref()
            .map(|p| Output::from_path(p).map(|o| (p.clone(), o)))
            .transpose()?;
        let tables = match &self.tables {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| csi::Error::io(dir.display().to_string(), e))?;
                Some((dir.clone(), self.table_format))
            }
            None => None,
        };
        Ok(Outputs {
            tables,
            path_chart,
            files: Default::default(),
        })
    }
}

impl Outputs {
    /// Write the PLS tables and the path chart; returns the lines the text report
    /// gains (what was written where).
    pub fn write_pls(
        &self,
        a: &Analysis,
        boot: Option<&BootstrapResult>,
        divisor: Divisor,
    ) -> anyhow::Result<String> {
        let mut text = String::new();
        if let Some((path, out)) = &self.path_chart {
            chart::render(&chart::PathDiagram::new(a, boot), out)?;
            text.push_str(&format!("path diagram: {}\n", path.display()));
        }
        if self.tables.is_some() {
            let tables = csi::report::tables::fit_tables(a, boot, divisor);
            self.write_tables(&tables)?;
        }
        Ok(text)
    }

    /// Write the model-fit table (when `--tables` is given).
    pub fn write_model_fit(&self, mf: &csi::model_fit::ModelFit) -> anyhow::Result<()> {
        self.write_tables(&[csi::report::tables::model_fit(mf)])
    }

    /// The line of the text report on the tables written (empty without `--tables`).
    pub fn summary(&self) -> String {
        match &self.tables {
            Some((dir, _)) => format!("tables: {} files in {}\n", self.files.get(), dir.display()),
            None => String::new(),
        }
    }

    /// Write tables into the `--tables` folder (nothing without it).
    pub fn write_tables(&self, tables: &[Table]) -> anyhow::Result<()> {
        let Some((dir, format)) = &self.tables else {
            return Ok(());
        };
        let mut n = self.files.get();
        for t in tables {
            for (ext, render) in format.renderings() {
                let path = dir.join(format!("{}.{ext}", t.id));
                std::fs::write(&path, render(t))
                    .map_err(|e| csi::Error::io(path.display().to_string(), e))?;
                n += 1;
            }
        }
        self.files.set(n);
        Ok(())
    }
}

/// Record the profile (when given) in the document's `settings`.
pub fn annotate_profile(doc: &mut serde_json::Value, profile: Option<csi::profile::Profile>) {
    if let (Some(p), Some(s)) = (
        profile,
        doc.get_mut("settings").and_then(|s| s.as_object_mut()),
    ) {
        s.insert("profile".into(), serde_json::json!(p.as_str()));
    }
}

/// Replace the document's `information_criteria` with those of the profile's variance
/// divisor (the document is built with csi's default, n - 1).
pub fn annotate_criteria(doc: &mut serde_json::Value, a: &Analysis, divisor: Divisor) {
    if divisor == Divisor::default() {
        return;
    }
    if let Some(o) = doc.as_object_mut() {
        o.insert(
            "information_criteria".into(),
            csi::report::information_criteria_json(a, divisor),
        );
    }
}
