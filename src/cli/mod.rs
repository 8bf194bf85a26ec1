//! Argument definitions (clap derive) and dispatch. The CLI only parses flags, calls
//! the library and prints: tables to stdout, warnings and progress to stderr, JSON
//! where `--json` says.

// No panics on any input (issue 10): indexing that can fail is refused outside tests.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use clap::{Args, Parser, Subcommand};
use csi::bootstrap::{CiMethod, SignChange};
use csi::data::MissingPolicy;
use csi::estimate::cbsem::{CbsemSettings, Identify};
use csi::estimate::pls::{Indicators, PlsSettings, Scheme};
use csi::estimate::EstimatorKind;
use std::path::PathBuf;
use std::process::ExitCode;

pub mod compare;
pub mod design;
pub mod fit;
pub mod fit_extras;
pub mod init;
pub mod ipma;
pub mod methods;
pub mod moments;
pub mod outputs;
pub mod predict;
pub mod program;
pub mod report;
pub mod simulate;
pub mod stream;
pub mod subset;
pub mod validate;
pub mod weights;

pub use outputs::check_outputs;

/// Customer-satisfaction index studies: PLS path modeling, 0-100 indices, priorities.
#[derive(Debug, Parser)]
#[command(name = "csi", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a model (and data against it) without fitting: a data-quality report.
    Validate(validate::ValidateArgs),
    /// Estimate the model: paths, weights, loadings, quality, 0-100 indices.
    Fit(fit::FitArgs),
    /// Improvement priorities: importance-performance map (IPMA) and quadrant chart.
    Ipma(ipma::IpmaArgs),
    /// Competitor benchmarking: per-group indices, differences, MICOM.
    Compare(compare::CompareArgs),
    /// The source documents' evaluation methods side by side with the SEM index.
    Methods(methods::MethodsArgs),
    /// Out-of-sample prediction (PLSpredict) against the linear-model benchmark.
    Predict(predict::PredictArgs),
    /// Rake respondent weights to population margins; writes a copy of the data with a
    /// weight column.
    Weights(weights::WeightsArgs),
    /// The management report: one self-contained HTML file (and an Excel workbook).
    Report(report::ReportArgs),
    /// Propose a model file from a data file (constructs by name stem or template).
    Init(init::InitArgs),
    /// A satisfaction-index programme: companies, industries, sectors and waves in one run.
    Program(program::ProgramArgs),
    /// Write a simulated programme (data, hierarchy, sector weights) and its truth.
    Simulate(simulate::SimulateArgs),
    /// Write the sufficient statistics of a data file (pooled, per group and wave) to a
    /// JSON or Parquet moments file, for `fit --moments`.
    Moments(moments::MomentsArgs),
}

/// Flags shared by every command that reads data.
#[derive(Debug, Args, Clone, Default)]
pub struct DataArgs {
    /// Text encoding of a CSV/TSV file: utf-8, gbk, gb18030 (default: detected).
    #[arg(long)]
    pub encoding: Option<String>,
    /// Worksheet of an XLSX file (name or 1-based number; default: the first).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Field delimiter of a text file (default: detected among , ; tab |).
    #[arg(long)]
    pub delimiter: Option<String>,
    /// A cell text read as missing, besides the model's `missing` list (repeatable;
    /// negative codes such as -99 work as written).
    #[arg(
        long = "missing-code",
        value_name = "CODE",
        allow_negative_numbers = true
    )]
    pub missing_codes: Vec<String>,
    /// What to do with values outside an item's scale: error (default) or missing.
    #[arg(long = "out-of-range", value_name = "POLICY", default_value = "error")]
    pub out_of_range: String,
    /// Item scale for a lavaan-syntax model: MIN,MAX (e.g. 1,10).
    #[arg(long, value_name = "MIN,MAX")]
    pub scale: Option<String>,
    /// Column of sampling weights (weighted moments).
    #[arg(long, value_name = "COLUMN")]
    pub weight: Option<String>,
    /// Column of strata: the bootstrap resamples within each stratum.
    #[arg(long, value_name = "COLUMN")]
    pub strata: Option<String>,
    /// Column of clusters (interviewer, branch, flight): the bootstrap resamples whole
    /// clusters (within strata when --strata is given).
    #[arg(long, value_name = "COLUMN")]
    pub cluster: Option<String>,
    /// Exclude respondents whose interview took fewer seconds (needs --duration).
    #[arg(long = "min-duration", value_name = "SECONDS")]
    pub min_duration: Option<f64>,
    /// Column of interview durations in seconds (for --min-duration).
    #[arg(long, value_name = "COLUMN")]
    pub duration: Option<String>,
    /// Exclude straight-liners (the same answer to every item) from estimation; they
    /// are counted and listed by row.
    #[arg(long = "exclude-straight-liners")]
    pub exclude_straight_liners: bool,
}

/// Estimation flags shared by `fit`, `ipma`, `compare` and `methods` (contract: same
/// meaning everywhere). Each flag is parsed straight into the library's type, so a bad
/// value is refused before any work.
#[derive(Debug, Args, Clone)]
pub struct EstArgs {
    /// Reproduce another tool's conventions: smartpls, seminr, plspm or adanco (scheme,
    /// indicator scaling, stopping rule, tolerance, iteration limit, variance divisor,
    /// bootstrap sign changes; README "Reproducing another tool"). Explicit flags override it.
    #[arg(long, value_name = "TOOL")]
    pub profile: Option<csi::profile::Profile>,
    /// Inner weighting scheme: path, centroid or factorial [default: path, or the
    /// profile's].
    #[arg(long)]
    pub scheme: Option<Scheme>,
    /// Indicator treatment: standardized or centered [default: standardized].
    #[arg(long)]
    pub indicators: Option<Indicators>,
    /// PLS stopping rule: squared-abs (plspm), absolute-sum (seminr, SmartPLS) or
    /// max-absolute (cSEM) [default: squared-abs, or the profile's].
    #[arg(long = "stop-rule", value_name = "RULE")]
    pub stop_rule: Option<csi::estimate::pls::StopRule>,
    /// Estimator: pls, plsc or cbsem.
    #[arg(long, default_value_t = EstimatorKind::Pls)]
    pub estimator: EstimatorKind,
    /// Missing answers: mean (replace by the item mean, counted), listwise, em (EM
    /// moments under multivariate normality), error.
    #[arg(long, default_value = "mean")]
    pub missing: MissingPolicy,
    /// Maximum iterations of the estimator (default: 300 for pls and plsc, 2000
    /// L-BFGS and Newton steps for cbsem; at most 100000); also bounds every bootstrap
    /// resample.
    #[arg(long = "max-iter", value_name = "N")]
    pub max_iter: Option<usize>,
    /// PLS stopping tolerance on the change of the outer weights (see --stop-rule)
    /// [default: 1e-7, or the profile's].
    #[arg(long)]
    pub tol: Option<f64>,
    /// Bootstrap resamples (0 = no bootstrap; at most 100000).
    #[arg(long, default_value_t = 0)]
    pub bootstrap: usize,
    /// Seed of the bootstrap / permutation streams.
    #[arg(long, default_value_t = csi::bootstrap::DEFAULT_SEED)]
    pub seed: u64,
    /// Bootstrap interval: percentile or bca.
    #[arg(long, default_value = "percentile")]
    pub ci: CiMethod,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Largest share of failed bootstrap resamples (or permutations) with which
    /// intervals and p values are still reported; above it they are withheld.
    #[arg(long = "allow-failed-share", value_name = "SHARE", default_value_t = csi::bootstrap::DEFAULT_MAX_FAILED_SHARE)]
    pub allow_failed_share: f64,
    /// Bootstrap sign-change correction: construct, individual or none [default:
    /// construct, or the profile's].
    #[arg(long = "sign-change")]
    pub sign_change: Option<SignChange>,
    /// CB-SEM identification: marker (first loading 1) or variance (latent variances 1).
    #[arg(long, default_value = "marker")]
    pub identify: Identify,
    /// Exit with code 1 when the estimation does not converge, is inadmissible, or a
    /// resample fails.
    #[arg(long)]
    pub strict: bool,
}

impl EstArgs {
    /// The library options these flags ask for.
    pub fn fit_options(&self) -> csi::Result<csi::analysis::FitOptions> {
        let base = self.profile_settings().pls;
        let pls = PlsSettings {
            scheme: self.scheme.unwrap_or(base.scheme),
            indicators: self.indicators.unwrap_or(base.indicators),
            tolerance: self.tol.unwrap_or(base.tolerance),
            max_iter: self.max_iter.unwrap_or(base.max_iter),
            stop: self.stop_rule.unwrap_or(base.stop),
        };
        pls.check()?;
        Ok(csi::analysis::FitOptions {
            pls,
            missing: self.missing,
        })
    }

    /// CB-SEM settings (its own default iteration limit unless `--max-iter` is given).
    pub fn cbsem_settings(&self) -> csi::Result<CbsemSettings> {
        let d = CbsemSettings::default();
        let s = CbsemSettings {
            identify: self.identify,
            max_iter: self.max_iter.unwrap_or(d.max_iter),
            ..d
        };
        s.check()?;
        Ok(s)
    }

    /// Bootstrap options, when `--bootstrap N` asks for resamples.
    pub fn bootstrap_options(&self) -> csi::Result<Option<csi::bootstrap::BootstrapOptions>> {
        if self.bootstrap == 0 {
            return Ok(None);
        }
        let o = csi::bootstrap::BootstrapOptions {
            resamples: self.bootstrap,
            seed: self.seed,
            ci: self.ci,
            level: self.level,
            sign_change: self
                .sign_change
                .unwrap_or(self.profile_settings().sign_change),
            max_failed_share: self.allow_failed_share,
        };
        o.check()?;
        Ok(Some(o))
    }

    /// What `--profile` sets (csi's own defaults without it); explicit flags are
    /// applied on top by [`EstArgs::fit_options`] and [`EstArgs::bootstrap_options`].
    pub fn profile_settings(&self) -> csi::profile::ProfileSettings {
        self.profile.map(|p| p.settings()).unwrap_or_default()
    }

    /// Refuse an estimator other than PLS for a command that has only PLS.
    pub fn pls_only(&self, command: &str) -> csi::Result<()> {
        if self.estimator == EstimatorKind::Pls {
            return Ok(());
        }
        Err(csi::Error::setting(
            "estimator",
            format!(
                "'{}' is not available for {command}; use pls",
                self.estimator
            ),
        ))
    }
}

/// The model, the data and the data flags: what every command that fits reads.
#[derive(Debug, Args, Clone)]
pub struct Inputs {
    #[command(flatten)]
    pub model: ModelArg,
    /// Data file (CSV, TSV, XLSX, Parquet, SPSS .sav/.zsav).
    #[arg(
        long,
        short = 'd',
        value_name = "DATA",
        required_unless_present = "moments",
        default_value = "-",
        hide_default_value = true
    )]
    pub data: PathBuf,
    /// Sufficient statistics written by `csi moments` (JSON or Parquet) instead of
    /// --data: point estimates without the rows (fit, ipma and compare).
    #[arg(long, value_name = "FILE", conflicts_with = "data")]
    pub moments: Option<PathBuf>,
    #[command(flatten)]
    pub data_args: DataArgs,
}

/// What [`Inputs::load_screened`] reads.
pub struct Loaded {
    /// The model (SPSS variable labels adopted as item labels).
    pub model: csi::spec::Model,
    /// The respondents left after screening.
    pub survey: csi::data::Survey,
    /// Respondents excluded by screening (speeders, straight-liners).
    pub excluded: csi::design::screen::Exclusions,
    /// The ingest report (per-item counts, declared missing codes).
    pub ingest: csi::data::ValidationReport,
}

impl Inputs {
    /// The input files, for [`check_outputs`].
    pub fn files(&self) -> Vec<outputs::Input<'_>> {
        vec![
            ("model", self.model.model.as_path()),
            ("data", self.data.as_path()),
        ]
    }

    /// Read the model and the data, with speeders and straight-liners excluded when
    /// the flags ask; data warnings and the exclusions go to stderr.
    pub fn load(&self) -> anyhow::Result<(csi::spec::Model, csi::data::Survey)> {
        self.load_warned().map(|(model, survey, _)| (model, survey))
    }

    /// As [`Inputs::load`], also returning every warning it printed (data warnings,
    /// exclusions) for the `warnings` of the command's JSON document.
    pub fn load_warned(
        &self,
    ) -> anyhow::Result<(csi::spec::Model, csi::data::Survey, Vec<String>)> {
        let l = self.load_screened()?;
        let mut warnings = ingest_warnings(&l.survey.file, &l.ingest);
        if let Some(s) = l.excluded.summary() {
            eprintln_safe!("warning: {s}");
            warnings.push(s);
        }
        Ok((l.model, l.survey, warnings))
    }

    /// As [`Inputs::load`], also returning the respondents excluded by screening (not
    /// printed: the caller reports them) and the ingest report. The labels of an SPSS
    /// file become the items' labels where the model has none.
    pub fn load_screened(&self) -> anyhow::Result<Loaded> {
        if let Some(m) = &self.moments {
            return Err(csi::Error::setting(
                "--moments",
                format!(
                    "'{}': this command needs the respondent rows (--data); moments files are read by fit, ipma and compare",
                    m.display()
                ),
            )
            .into());
        }
        let screening = self.data_args.screen_options();
        screening.check()?;
        let mut model = csi::spec::read_model(&self.model.model)?;
        self.data_args.apply_to_model(&mut model)?;
        csi::data::sav::adopt_labels_from_file(&self.data, &mut model)?;
        let opts = self.data_args.ingest_options(&self.model.model)?;
        let (survey, ingest) = csi::data::read_survey(&self.data, &model, &opts)?;
        for w in ingest_warnings(&survey.file, &ingest) {
            eprintln_safe!("warning: {w}");
        }
        let (survey, excluded) = csi::design::screen::screen(&survey, &model, &screening)?;
        Ok(Loaded {
            model,
            survey,
            excluded,
            ingest,
        })
    }
}

/// The analysis of `fit` and `ipma` and what it was made from: the sums (`--moments
/// FILE`, or a streamed CSV without row flags) or the respondent rows.
pub struct Analysed {
    /// The model as read (before any moderation terms are added).
    pub model: csi::spec::Model,
    /// Respondents excluded by screening (none from sums).
    pub excluded: csi::design::screen::Exclusions,
    /// The ingest report.
    pub ingest: csi::data::ValidationReport,
    /// The survey design (strata, clusters) of the rows kept; none from sums.
    pub design: Option<csi::design::Design>,
    /// The analysis.
    pub analysis: csi::analysis::Analysis,
    /// What a document from sums gains.
    pub note: Option<stream::Note>,
    /// The data warnings of the ingest report, for the JSON document's `warnings`.
    pub data_warnings: Vec<String>,
}

/// Read and analyse the data of `fit` and `ipma`, from sums where
/// [`stream::prepare`] gives them, else from the screened rows (subset, memory
/// check, design). A `target` construct is checked before the analysis.
pub fn analyse(
    inputs: &Inputs,
    est: &EstArgs,
    subset: &subset::SubsetArgs,
    options: &csi::analysis::FitOptions,
    target: Option<&str>,
) -> anyhow::Result<Analysed> {
    let check_target = |model: &csi::spec::Model| match target {
        Some(t) => csi::ipma::target_index(model, t).map(|_| ()),
        None => Ok(()),
    };
    if let Some(s) = stream::prepare(inputs, est, subset, options)? {
        check_target(&s.model)?;
        let file = s.ingest.file.clone().unwrap_or_default();
        let data_warnings = ingest_warnings(&file, &s.ingest);
        return Ok(Analysed {
            model: s.model,
            excluded: Default::default(),
            ingest: s.ingest,
            design: None,
            analysis: s.analysis,
            note: Some(s.note),
            data_warnings,
        });
    }
    let loaded = inputs.load_screened()?;
    let (model, excluded, ingest) = (loaded.model, loaded.excluded, loaded.ingest);
    let survey = subset.apply(loaded.survey)?;
    check_memory(&model, survey.x.nrows(), est.bootstrap)?;
    let data_warnings = ingest_warnings(&survey.file, &ingest);
    let design = inputs.data_args.design(&survey)?;
    check_target(&model)?;
    let analysis = csi::analysis::analyze(&model, &survey, options)?;
    let design = design.map(|d| d.select(&analysis.data.kept));
    Ok(Analysed {
        model,
        excluded,
        ingest,
        design,
        analysis,
        note: None,
        data_warnings,
    })
}

impl Analysed {
    /// Add the design's warnings and the screening summary to the analysis's
    /// warnings, and the design to its data.
    pub fn add_design(&mut self) {
        let analysis = &mut self.analysis;
        analysis
            .warnings
            .extend(design::design_warnings(self.design.as_ref()));
        analysis.data.design = self.design.clone();
        analysis.warnings.extend(self.excluded.summary());
    }

    /// Annotate a JSON document with the weights, the design and (when screening
    /// was asked for) the exclusions.
    pub fn annotate_design(&self, doc: &mut serde_json::Value, inputs: &Inputs) {
        design::annotate(
            doc,
            self.analysis.data.weights.as_deref(),
            self.design.as_ref(),
            (!inputs.data_args.screen_options().is_empty()).then_some(&self.excluded),
        );
    }
}

/// Check that the inputs are not overwritten by `--json FILE`, then read the model
/// and the screened data and check that the resamples fit in memory.
pub fn load_checked(
    inputs: &Inputs,
    out: &JsonArg,
    resamples: usize,
) -> anyhow::Result<(csi::spec::Model, csi::data::Survey, Vec<String>)> {
    check_json_output(inputs, out)?;
    let (model, survey, warnings) = inputs.load_warned()?;
    check_memory(&model, survey.x.nrows(), resamples)?;
    Ok((model, survey, warnings))
}

/// Check that `--json FILE` overwrites none of the inputs.
pub fn check_json_output(inputs: &Inputs, out: &JsonArg) -> csi::Result<()> {
    check_outputs(
        &inputs.files(),
        &out.output().into_iter().collect::<Vec<_>>(),
    )
}

/// The data warnings of an ingest report as printed on stderr (after `warning: `)
/// and listed in a JSON document's `warnings`: file, row and column, message.
pub fn ingest_warnings(file: &str, ingest: &csi::data::ValidationReport) -> Vec<String> {
    ingest
        .problems
        .iter()
        .filter(|p| p.severity == csi::data::Severity::Warning)
        .map(|p| {
            let mut loc = file.to_string();
            if let Some(r) = p.row {
                loc.push_str(&format!(": row {r}"));
            }
            if let Some(c) = &p.column {
                loc.push_str(&format!(", column '{c}'"));
            }
            format!("{loc}: {}", p.message)
        })
        .collect()
}

/// Add warnings printed on stderr outside the analysis (data warnings, estimator
/// notes) to the `warnings` of a JSON document, after those already listed, so that
/// the document carries every warning of the run (issue 10, item 12).
pub fn add_warnings(doc: &mut serde_json::Value, extra: &[String]) {
    let Some(obj) = doc.as_object_mut() else {
        return;
    };
    let list = obj
        .entry("warnings")
        .or_insert_with(|| serde_json::Value::Array(Vec::new()));
    if let Some(list) = list.as_array_mut() {
        for w in extra {
            if !list.iter().any(|v| v.as_str() == Some(w.as_str())) {
                list.push(serde_json::Value::String(w.clone()));
            }
        }
    }
}

/// `--json FILE|-`.
#[derive(Debug, Args, Clone, Default)]
pub struct JsonArg {
    /// Write the results as JSON to FILE (the text tables still go to stdout), or to
    /// stdout with `-` (then only the JSON goes to stdout). Warnings and progress
    /// always go to stderr.
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,
}

impl JsonArg {
    /// `--json FILE` as an output for [`check_outputs`] (none for stdout).
    pub fn output(&self) -> Option<outputs::Output<'_>> {
        self.json
            .as_deref()
            .filter(|j| *j != "-")
            .map(|j| ("--json", std::path::Path::new(j)))
    }

    /// Write the JSON document where `--json` says, and the text report to stdout
    /// unless the JSON goes there.
    pub fn emit(&self, doc: &serde_json::Value, text: &str) -> anyhow::Result<()> {
        if let Some(target) = &self.json {
            write_json(target, doc)?;
        }
        if self.json.as_deref() != Some("-") {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(csi::text_safety::terminal_multiline(text).as_bytes())?;
            out.flush()?;
        }
        Ok(())
    }
}

/// Warn (stderr) about failed resamples, grouped by reason, and about withheld
/// inference with the flag that overrides it.
pub fn warn_failures(
    resamples: usize,
    failed: usize,
    reasons: &[(String, usize)],
    withheld: Option<&csi::bootstrap::Withheld>,
) {
    if failed > 0 {
        eprintln_safe!(
            "warning: {failed} of {resamples} bootstrap resamples failed and were left out:"
        );
        for (why, n) in reasons {
            eprintln_safe!("  {n} x {why}");
        }
    }
    if let Some(w) = withheld {
        eprintln_safe!(
            "warning: {w} (use --allow-failed-share {:.2} to show them anyway)",
            (w.failed_share + 0.005).min(1.0)
        );
    }
}

/// A progress bar on stderr when it is a terminal (hidden otherwise), plus a Ctrl-C
/// flag that stops resampling cleanly.
pub struct Progress {
    bar: indicatif::ProgressBar,
    /// Set by Ctrl-C.
    pub cancel: &'static std::sync::atomic::AtomicBool,
}

static CANCEL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

impl Progress {
    /// A bar of `len` steps with a message.
    pub fn new(len: u64, msg: &str) -> Progress {
        use std::io::IsTerminal;
        let bar = if std::io::stderr().is_terminal() {
            let b = indicatif::ProgressBar::new(len);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
            {
                b.set_style(style.progress_chars("=> "));
            }
            b.set_message(msg.to_string());
            b
        } else {
            indicatif::ProgressBar::hidden()
        };
        // installing the handler twice fails harmlessly
        let _ = ctrlc::set_handler(|| CANCEL.store(true, std::sync::atomic::Ordering::SeqCst));
        Progress {
            bar,
            cancel: &CANCEL,
        }
    }
    /// Report `done` finished steps.
    pub fn set(&self, done: usize) {
        self.bar.set_position(done as u64);
    }
    /// Remove the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Model file flag.
#[derive(Debug, Args, Clone)]
pub struct ModelArg {
    /// Model file: TOML (`.toml`) or lavaan syntax (`.lav`).
    #[arg(long, short = 'm', value_name = "MODEL")]
    pub model: PathBuf,
}

/// Refuse up front a fit that would not fit in memory ([`csi::limits`]): `resamples`
/// is the bootstrap count (0 without).
pub fn check_memory(model: &csi::spec::Model, n: usize, resamples: usize) -> csi::Result<()> {
    csi::limits::check(model, n, resamples, csi::limits::available())
}

/// Dispatch one subcommand. A library setting error is reported with the flag that
/// gives the setting (the library names settings, only the CLI knows flags).
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ipma = matches!(cli.command, Command::Ipma(_));
    let result = match cli.command {
        Command::Validate(a) => validate::run(a),
        Command::Fit(a) => fit::run(a),
        Command::Ipma(a) => ipma::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Methods(a) => methods::run(a),
        Command::Predict(a) => predict::run(a),
        Command::Weights(a) => weights::run(a),
        Command::Report(a) => report::run(a),
        Command::Init(a) => init::run(a),
        Command::Program(a) => program::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Moments(a) => moments::run(a),
    };
    result.map_err(|e| name_flag(e, ipma))
}

/// The flag of a library setting name (`tolerance` is `--tol`, ...). In `csi ipma`
/// the bootstrap `level` is `--confidence` and the rows reported are `--level`.
pub fn flag_of(setting: &str, ipma: bool) -> String {
    let flag = match (setting, ipma) {
        ("level", true) => "confidence",
        ("ipma_level", _) => "level",
        ("tolerance", _) => "tol",
        ("resamples", _) => "bootstrap",
        ("max_failed_share", _) => "allow-failed-share",
        (s, _) if s.starts_with("--") => return s.to_string(),
        (s, _) => return format!("--{}", s.replace('_', "-")),
    };
    format!("--{flag}")
}

fn name_flag(e: anyhow::Error, ipma: bool) -> anyhow::Error {
    match e.downcast::<csi::Error>() {
        Ok(csi::Error::Setting { name, message }) => csi::Error::Setting {
            name: flag_of(&name, ipma),
            message,
        }
        .into(),
        Ok(other) => other.into(),
        Err(e) => e,
    }
}

/// Write JSON to `--json FILE` or stdout (`-`).
pub fn write_json(target: &str, value: &serde_json::Value) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)? + "\n";
    // C1 controls and bidirectional overrides as \u escapes (the same document)
    let text = csi::text_safety::json_document(&text);
    if target == "-" {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
    } else {
        std::fs::write(target, text.as_bytes()).map_err(|e| csi::Error::io(target, e))?;
    }
    Ok(())
}
