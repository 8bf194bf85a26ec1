//! Argument definitions (clap derive) and dispatch. The CLI only parses flags, calls
//! the library and prints: tables to stdout, warnings and progress to stderr, JSON
//! where `--json` says.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub mod compare;
pub mod fit;
pub mod ipma;
pub mod methods;
pub mod validate;

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
}

/// Estimation flags shared by `fit`, `ipma` and `compare` (contract: same meaning
/// everywhere).
#[derive(Debug, Args, Clone)]
pub struct EstArgs {
    /// Inner weighting scheme: path, centroid or factorial.
    #[arg(long, default_value = "path")]
    pub scheme: String,
    /// Indicator treatment: standardized or centered.
    #[arg(long, default_value = "standardized")]
    pub indicators: String,
    /// Estimator: pls, plsc or cbsem.
    #[arg(long, default_value = "pls")]
    pub estimator: String,
    /// Missing answers: mean (replace by the item mean, counted), listwise, error.
    #[arg(long, default_value = "mean")]
    pub missing: String,
    /// Maximum PLS iterations.
    #[arg(long = "max-iter", default_value_t = 300)]
    pub max_iter: usize,
    /// PLS stopping tolerance on the squared change of the outer weights.
    #[arg(long, default_value_t = csi::tol::PLS_DEFAULT)]
    pub tol: f64,
    /// Bootstrap resamples (0 = no bootstrap).
    #[arg(long, default_value_t = 0)]
    pub bootstrap: usize,
    /// Seed of the bootstrap / permutation streams.
    #[arg(long, default_value_t = csi::bootstrap::DEFAULT_SEED)]
    pub seed: u64,
    /// Bootstrap interval: percentile or bca.
    #[arg(long, default_value = "percentile")]
    pub ci: String,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Bootstrap sign-change correction: construct, individual or none.
    #[arg(long = "sign-change", default_value = "construct")]
    pub sign_change: String,
    /// CB-SEM identification: marker (first loading 1) or variance (latent variances 1).
    #[arg(long, default_value = "marker")]
    pub identify: String,
    /// Exit with code 1 when the estimation does not converge, is inadmissible, or a
    /// resample fails.
    #[arg(long)]
    pub strict: bool,
}

impl EstArgs {
    /// The library options these flags ask for.
    pub fn fit_options(&self) -> csi::Result<csi::analysis::FitOptions> {
        let pls = csi::estimate::pls::PlsSettings {
            scheme: self.scheme.parse()?,
            indicators: self.indicators.parse()?,
            tolerance: self.tol,
            max_iter: self.max_iter,
        };
        pls.check()?;
        Ok(csi::analysis::FitOptions {
            pls,
            missing: self.missing.parse()?,
        })
    }

    /// Bootstrap options, when `--bootstrap N` asks for resamples.
    pub fn bootstrap_options(&self) -> csi::Result<Option<csi::bootstrap::BootstrapOptions>> {
        if self.bootstrap == 0 {
            return Ok(None);
        }
        let o = csi::bootstrap::BootstrapOptions {
            resamples: self.bootstrap,
            seed: self.seed,
            ci: self.ci.parse()?,
            level: self.level,
            sign_change: self.sign_change.parse()?,
        };
        o.check()?;
        Ok(Some(o))
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

/// Dispatch one subcommand.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Validate(a) => validate::run(a),
        Command::Fit(a) => fit::run(a),
        Command::Ipma(a) => ipma::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Methods(a) => methods::run(a),
    }
}

/// Write JSON to `--json FILE` or stdout (`-`).
pub fn write_json(target: &str, value: &serde_json::Value) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)? + "\n";
    if target == "-" {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
    } else {
        std::fs::write(target, text).map_err(|e| csi::Error::io(target, e))?;
    }
    Ok(())
}
