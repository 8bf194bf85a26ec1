//! `csi init`: propose a commented model file from a data file.
//!
//! Reads the header (and the SPSS labels of a `.sav`), proposes constructs by name stem
//! or from a bundled template, detects the scale and the missing codes, and writes the
//! TOML model to `--model-out` (or stdout). What it guessed and what it could not place
//! goes to stdout (to stderr when the model itself goes to stdout).
use super::DataArgs;
use clap::Args;
use csi::init::{profile_data, proposal_to_toml, propose_model, InitOptions, Proposal};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `csi init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Data file (CSV, TSV, XLSX, Parquet, SPSS .sav/.zsav).
    #[arg(long, short = 'd', value_name = "DATA")]
    pub data: PathBuf,
    /// Write the proposed model here (default: to stdout).
    #[arg(long = "model-out", short = 'o', value_name = "FILE.toml")]
    pub model_out: Option<PathBuf>,
    /// Map the columns to a bundled model: ccsi, acsi, ecsi, airline or scsb.
    #[arg(long, value_name = "NAME")]
    pub template: Option<String>,
    /// Model name (default: the data file's name, or the template's).
    #[arg(long)]
    pub name: Option<String>,
    /// Overwrite an existing --model-out file.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub data_args: DataArgs,
}

/// Run `csi init`.
pub fn run(a: InitArgs) -> anyhow::Result<ExitCode> {
    let template = match &a.template {
        Some(t) => Some(t.parse()?),
        None => None,
    };
    if let Some(out) = &a.model_out {
        if out.exists() && !a.force {
            return Err(csi::Error::setting(
                "--model-out",
                format!("{} exists; give --force to overwrite it", out.display()),
            )
            .into());
        }
    }
    if let Some(out) = &a.model_out {
        super::check_outputs(
            &[("data", a.data.as_path())],
            &[("--model-out", out.as_path())],
        )?;
    }
    let opts = a.data_args.ingest_options(Path::new("(csi init)"))?;
    let profile = profile_data(&a.data, &opts)?;
    let mut p = propose_model(
        &profile,
        &InitOptions {
            template,
            name: a.name.clone(),
        },
    )?;
    // --scale and --missing-code override what was detected
    a.data_args.apply_to_model(&mut p.model)?;
    if a.data_args.scale.is_some() {
        p.scale_reason = "given with --scale".into();
    }
    for c in &a.data_args.missing_codes {
        let c = c.trim().to_string();
        if !p.missing_reasons.iter().any(|m| m.0 == c) {
            p.missing_reasons
                .push((c, "given with --missing-code".into()));
        }
    }
    let text = proposal_to_toml(&p);
    let summary = summary(&p, a.model_out.as_deref());
    let summary = csi::text_safety::terminal_multiline(&summary);
    match &a.model_out {
        Some(out) => {
            std::fs::write(out, &text).map_err(|e| csi::Error::io(out, e))?;
            let mut o = std::io::stdout().lock();
            o.write_all(summary.as_bytes())?;
            o.flush()?;
        }
        None => {
            let mut o = std::io::stdout().lock();
            o.write_all(text.as_bytes())?;
            o.flush()?;
            eprint!("{summary}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Control characters out of text taken from the data (labels, column names).
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The proposed constructs, one line each with its items and where it came from.
fn constructs_lines(s: &mut String, p: &Proposal) {
    use std::fmt::Write as _;
    let m = &p.model;
    let _ = writeln!(s, "\nconstructs ({}):", m.constructs.len());
    for (c, why) in m.constructs.iter().zip(&p.constructs) {
        let items: Vec<&str> = c
            .items
            .iter()
            .filter_map(|&k| m.items.get(k).map(|it| it.name.as_str()))
            .collect();
        let label = c
            .label
            .as_deref()
            .map(|l| format!(" {}", clean(l)))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  {}{label}: {} ({})",
            c.name,
            clean(&items.join(", ")),
            clean(&why.reason)
        );
    }
}

fn summary(p: &Proposal, out: Option<&Path>) -> String {
    use std::fmt::Write as _;
    let m = &p.model;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "data: {} ({} respondents, {} columns read)",
        clean(&p.data_file),
        p.n_rows,
        p.constructs.iter().map(|c| c.items.len()).sum::<usize>() + p.unplaced.len()
    );
    if let Some(t) = p.template {
        let _ = writeln!(s, "template: {}", t.as_str());
    }
    constructs_lines(&mut s, p);
    let _ = writeln!(s, "paths: {}", clean(&p.paths_reason));
    for (a, b) in m.path_names() {
        let _ = writeln!(s, "  {a} -> {b}");
    }
    if let Some(sc) = m.scale {
        let _ = writeln!(
            s,
            "scale: {}..{} ({})",
            sc.min,
            sc.max,
            clean(&p.scale_reason)
        );
    }
    if m.missing_codes.is_empty() {
        let _ = writeln!(s, "missing codes: none found");
    } else {
        let _ = writeln!(s, "missing codes:");
        for (c, why) in &p.missing_reasons {
            let _ = writeln!(s, "  {}: {}", clean(c), clean(why));
        }
    }
    for n in &p.notes {
        let _ = writeln!(s, "note: {}", clean(n));
    }
    if p.unplaced.is_empty() {
        let _ = writeln!(s, "not placed: none");
    } else {
        let _ = writeln!(s, "not placed ({}):", p.unplaced.len());
        for u in &p.unplaced {
            let _ = writeln!(s, "  {}: {}", clean(&u.column), clean(&u.reason));
        }
    }
    match out {
        Some(o) => {
            let _ = writeln!(
                s,
                "\nwrote {}; edit it, then run: csi validate --model {} --data {}",
                o.display(),
                o.display(),
                clean(&p.data_file)
            );
        }
        None => {
            let _ = writeln!(
                s,
                "\n(model written to stdout; use --model-out FILE.toml to save it)"
            );
        }
    }
    s
}
