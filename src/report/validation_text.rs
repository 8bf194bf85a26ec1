//! The text report of `csi validate` (and of `--check` runs): the data and model, the
//! per-item table, every problem with its location, straight-liners, "cannot answer"
//! shares and the verdict. User text (file, model, item names, messages) passes
//! through [`crate::text_safety::terminal`].

use crate::data::ValidationReport;
use crate::text_safety::terminal;
use std::borrow::Cow;
use std::fmt;

/// The report as text, as `csi validate` prints it (no final newline).
///
/// ```
/// use csi::data::{Problem, ValidationReport};
/// let mut report = ValidationReport::default();
/// report.file = Some("survey.csv".into());
/// report.push(Problem::error("not a number").at_row(3).in_column("q1").with_value("x"));
/// let text = csi::report::validation_text::validation_text(&report);
/// assert!(text.starts_with("data: survey.csv"), "{text}");
/// assert!(text.contains("error    row 3, column 'q1', value 'x': not a number"), "{text}");
/// assert!(text.ends_with("result: not usable (1 errors)"), "{text}");
/// ```
pub fn validation_text(report: &ValidationReport) -> String {
    report.to_string()
}

/// A statistic with `decimals` decimals, `-` when there is none.
fn fmt_num(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.decimals$}"),
        _ => "-".into(),
    }
}

/// Terminal cells of a text: East Asian characters take two.
fn text_width(s: &str) -> usize {
    // East Asian characters take two terminal cells.
    s.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

/// `s` padded with spaces to `w` terminal cells.
fn pad_right(s: &str, w: usize) -> String {
    let tw = text_width(s);
    let mut out = s.to_string();
    for _ in tw..w {
        out.push(' ');
    }
    out
}

/// The per-item table (names padded to `w` terminal cells).
fn fmt_table(report: &ValidationReport, f: &mut fmt::Formatter<'_>, w: usize) -> fmt::Result {
    let labels = report.items.iter().any(|i| i.label.is_some());
    writeln!(
        f,
        "{}  {:>8}  {:>8}  {:>12}  {:>8}  {:>8}{}",
        pad_right("item", w),
        "n",
        "missing",
        "out of range",
        "mean",
        "sd",
        if labels { "  label" } else { "" }
    )?;
    for it in &report.items {
        let label = match (&it.label, labels) {
            (Some(l), true) => format!(
                "  {}",
                l.chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect::<String>()
            ),
            _ => String::new(),
        };
        writeln!(
            f,
            "{}  {:>8}  {:>8}  {:>12}  {:>8}  {:>8}{label}",
            pad_right(&terminal(&it.name), w),
            it.n,
            it.missing,
            it.out_of_range,
            fmt_num(it.mean, 3),
            fmt_num(it.sd, 3)
        )?;
    }
    Ok(())
}

/// The text of [`validation_text`] (`{report}` in a message shows the whole report).
impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = self;
        match &report.file {
            Some(file) => writeln!(
                f,
                "data: {} (model {})",
                terminal(file),
                terminal(&report.model)
            )?,
            None => writeln!(
                f,
                "model: {} (no data given: only the model was checked)",
                terminal(&report.model)
            )?,
        }
        if report.file.is_some() {
            writeln!(
                f,
                "respondents: {} read, {} usable",
                report.n_rows, report.n_usable
            )?;
        }
        writeln!(f)?;
        if report.file.is_none() {
            let names: Vec<Cow<str>> = report.items.iter().map(|i| terminal(&i.name)).collect();
            writeln!(f, "items ({}): {}", names.len(), names.join(", "))?;
        }
        let w = report
            .items
            .iter()
            .map(|i| text_width(&terminal(&i.name)))
            .max()
            .unwrap_or(4)
            .max(4);
        if report.file.is_some() {
            fmt_table(report, f, w)?;
        }
        writeln!(f)?;
        if report.problems.is_empty() {
            writeln!(f, "problems: none")?;
        } else {
            writeln!(
                f,
                "problems ({} errors, {} warnings):",
                report.n_errors, report.n_warnings
            )?;
            for p in &report.problems {
                let ctx = p.context();
                let message = terminal(&p.message);
                if ctx.is_empty() {
                    writeln!(f, "  {:<7}  {message}", p.severity)?;
                } else {
                    writeln!(f, "  {:<7}  {ctx}: {message}", p.severity)?;
                }
            }
            if report.problems_not_listed > 0 {
                writeln!(
                    f,
                    "  ... and {} more problems not listed",
                    report.problems_not_listed
                )?;
            }
        }
        if report.file.is_some() {
            writeln!(f, "straight-liners: {}", report.straight_liners)?;
            fmt_shares(report, f)?;
        }
        if report.ok {
            write!(f, "result: usable")?;
        } else {
            write!(f, "result: not usable ({} errors)", report.n_errors)?;
        }
        Ok(())
    }
}

/// The "cannot answer" lines of the text report (nothing when no code was found).
fn fmt_shares(report: &ValidationReport, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if report.items.iter().all(|it| it.cannot_answer == 0) {
        return Ok(());
    }
    let n = report.n_rows.max(1) as f64;
    let items: Vec<String> = report
        .items
        .iter()
        .filter(|it| it.cannot_answer > 0)
        .map(|it| {
            format!(
                "{} {} ({:.1}%)",
                it.name,
                it.cannot_answer,
                100.0 * it.cannot_answer as f64 / n
            )
        })
        .collect();
    writeln!(
        f,
        "cannot answer (declared missing codes): {}",
        items.join(", ")
    )?;
    let cons: Vec<String> = report
        .constructs
        .iter()
        .filter(|c| c.cannot_answer > 0)
        .map(|c| format!("{} {:.1}%", c.name, 100.0 * c.share))
        .collect();
    if !cons.is_empty() {
        writeln!(f, "cannot answer by construct: {}", cons.join(", "))?;
    }
    Ok(())
}
