//! Human-readable tables (CJK-aware column alignment) and plain-language readings of
//! the quality figures.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use crate::analysis::Analysis;
use crate::bootstrap::BootstrapResult;
use crate::quality::ConstructQuality;
use crate::spec::Construct;
use std::fmt::Write;

/// Display width of a string: East Asian wide characters count 2 columns.
pub fn display_width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF |
        0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 |
        0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// A simple text table.
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Columns aligned left (others right).
    left: Vec<bool>,
}

impl Table {
    /// New table; the first `n_left` columns are left-aligned.
    pub fn new(header: &[&str], n_left: usize) -> Table {
        Table {
            header: header
                .iter()
                .map(|s| crate::text_safety::terminal(s).into_owned())
                .collect(),
            rows: Vec::new(),
            left: (0..header.len()).map(|i| i < n_left).collect(),
        }
    }
    /// Add a row. Control characters in a cell are made visible here
    /// ([`crate::text_safety::terminal`]), so that the columns line up on the escapes.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(
            cells
                .into_iter()
                .map(|c| match crate::text_safety::terminal(&c) {
                    std::borrow::Cow::Borrowed(_) => c,
                    std::borrow::Cow::Owned(safe) => safe,
                })
                .collect(),
        );
    }
    /// Render with two spaces between columns.
    pub fn render(&self) -> String {
        let ncol = self.header.len();
        let mut w = vec![0usize; ncol];
        for r in std::iter::once(&self.header).chain(self.rows.iter()) {
            for (wi, c) in w.iter_mut().zip(r) {
                *wi = (*wi).max(display_width(c));
            }
        }
        let mut out = String::new();
        let line = |r: &Vec<String>, out: &mut String| {
            let mut s = String::new();
            for (i, (wi, &left)) in w.iter().zip(&self.left).enumerate() {
                let c = r.get(i).map(|s| s.as_str()).unwrap_or("");
                let pad = wi.saturating_sub(display_width(c));
                if i > 0 {
                    s.push_str("  ");
                }
                if left {
                    s.push_str(c);
                    s.push_str(&" ".repeat(pad));
                } else {
                    s.push_str(&" ".repeat(pad));
                    s.push_str(c);
                }
            }
            out.push_str(s.trim_end());
            out.push('\n');
        };
        line(&self.header, &mut out);
        let total: usize = w.iter().sum::<usize>() + 2 * ncol.saturating_sub(1);
        out.push_str(&"-".repeat(total));
        out.push('\n');
        for r in &self.rows {
            line(r, &mut out);
        }
        out
    }
}

/// An interval as `[low, high]` with `digits` decimals, or `-` when it is not
/// available (withheld, or too few resamples).
///
/// ```
/// assert_eq!(csi::report::text::interval(0.1234, 0.5, 2), "[0.12, 0.50]");
/// assert_eq!(csi::report::text::interval(f64::NAN, 0.5, 2), "-");
/// ```
pub fn interval(low: f64, high: f64, digits: usize) -> String {
    if low.is_finite() && high.is_finite() {
        format!("[{low:.digits$}, {high:.digits$}]")
    } else {
        "-".into()
    }
}

/// A p value with four decimals, or `-` when not available.
///
/// ```
/// assert_eq!(csi::report::text::p_value(0.01234), "0.0123");
/// assert_eq!(csi::report::text::p_value(f64::NAN), "-");
/// ```
pub fn p_value(p: f64) -> String {
    if p.is_finite() {
        format!("{p:.4}")
    } else {
        "-".into()
    }
}

/// The bootstrap line of a text report: resamples, seed, interval method, failures
/// (with their share), and a second line when intervals and p values are withheld.
pub fn bootstrap_line(
    resamples: usize,
    seed: u64,
    ci: crate::bootstrap::CiMethod,
    level: f64,
    failed: usize,
    withheld: Option<&crate::bootstrap::Withheld>,
) -> String {
    let mut s = format!(
        "bootstrap: {} resamples, seed {}, {} {:.0}% intervals, {} failed",
        resamples,
        seed,
        ci.as_str(),
        level * 100.0,
        failed
    );
    if failed > 0 && resamples > 0 {
        let _ = write!(s, " ({:.1}%)", 100.0 * failed as f64 / resamples as f64);
    }
    s.push('\n');
    if let Some(w) = withheld {
        let _ = writeln!(s, "intervals and p values withheld: {w}");
    }
    s
}

/// [`bootstrap_line`] of a bootstrap result.
pub fn bootstrap_summary(b: &BootstrapResult) -> String {
    super::Resampling::from(b).line()
}

/// Significance stars of a p value: `***` < 0.001, `**` < 0.01, `*` < 0.05.
///
/// ```
/// assert_eq!(csi::report::text::stars(0.004), "**");
/// assert_eq!(csi::report::text::stars(f64::NAN), "");
/// ```
pub fn stars(p: f64) -> &'static str {
    if !p.is_finite() {
        ""
    } else if p < 0.001 {
        "***"
    } else if p < 0.01 {
        "**"
    } else if p < 0.05 {
        "*"
    } else {
        ""
    }
}

/// Plain-language readings of quality figures that miss the usual thresholds.
pub fn readings(a: &Analysis) -> Vec<String> {
    let m = &a.model;
    let mut out = Vec::new();
    for (j, (c, q)) in m.constructs.iter().zip(&a.quality.constructs).enumerate() {
        let lab = m.construct_label(j);
        if c.mode == crate::spec::Mode::A && c.items.len() > 1 {
            reliability_readings(q, lab, &mut out);
        }
        item_readings(a, c, lab, &mut out);
    }
    structural_readings(a, &mut out);
    out
}

/// Readings of a reflective block of two or more items: alpha and rho_C < 0.70,
/// rho_A > 1 (inadmissible as a common factor), AVE < 0.50.
fn reliability_readings(q: &ConstructQuality, lab: &str, out: &mut Vec<String>) {
    if let Some(al) = q.alpha {
        if al < 0.70 {
            out.push(format!(
                "alpha {al:.2} < 0.70: {lab} items are not consistent"
            ));
        }
    }
    if q.rho_c < 0.70 {
        out.push(format!(
            "rho_C {:.2} < 0.70: {lab} composite reliability is low",
            q.rho_c
        ));
    }
    if q.rho_a > 1.0 {
        out.push(format!(
            "rho_A {:.2} > 1: {lab} is inadmissible as a common factor",
            q.rho_a
        ));
    }
    if q.ave < 0.50 {
        out.push(format!(
            "AVE {:.2} < 0.50: {lab} explains less than half of its items' variance",
            q.ave
        ));
    }
}

/// Readings of a construct's items: loadings < 0.40 in a reflective block of two or
/// more items, VIF > 3.3 of formative items.
fn item_readings(a: &Analysis, c: &Construct, lab: &str, out: &mut Vec<String>) {
    let m = &a.model;
    for &k in &c.items {
        let l = a.fit.loadings.get(k).copied().unwrap_or(f64::NAN);
        if c.mode == crate::spec::Mode::A && c.items.len() > 1 && l < 0.40 {
            out.push(format!(
                "loading of {} is {l:.2} < 0.40: consider dropping it from {lab}",
                m.item_label(k)
            ));
        }
        if let Some(v) = a.quality.indicator_vif.get(k).copied().flatten() {
            if c.mode == crate::spec::Mode::B && v > 3.3 {
                out.push(format!(
                    "VIF of {} is {v:.1} > 3.3: collinear formative items in {lab}",
                    m.item_label(k)
                ));
            }
        }
    }
}

/// Readings of discriminant validity and the structural model: HTMT > 0.90,
/// inner VIF > 5, SRMR > 0.08.
fn structural_readings(a: &Analysis, out: &mut Vec<String>) {
    let m = &a.model;
    let q = m.n_constructs();
    for i in 0..q {
        for j in (i + 1)..q {
            let h = a.quality.htmt.get((i, j)).copied().unwrap_or(f64::NAN);
            if h > 0.90 {
                out.push(format!(
                    "HTMT {h:.2} > 0.90: {} and {} are not empirically distinct",
                    m.construct_label(i),
                    m.construct_label(j)
                ));
            }
        }
    }
    for v in &a.quality.inner_vif {
        if v.value > 5.0 {
            out.push(format!(
                "inner VIF {:.1} > 5 for {} -> {}: collinear predictors",
                v.value,
                m.construct_label(v.from),
                m.construct_label(v.to)
            ));
        }
    }
    if a.quality.srmr > 0.08 {
        out.push(format!(
            "SRMR {:.3} > 0.08: the measurement model fits the correlations poorly",
            a.quality.srmr
        ));
    }
}

/// The whole human-readable fit report (AIC/BIC with csi's default variance divisor).
pub fn fit_text(a: &Analysis, boot: Option<&BootstrapResult>) -> String {
    fit_text_with(a, boot, crate::profile::Divisor::default())
}

/// The whole human-readable fit report: a header, every table of
/// [`super::tables::fit_tables`], GoF and SRMR, and the readings.
pub fn fit_text_with(
    a: &Analysis,
    boot: Option<&BootstrapResult>,
    divisor: crate::profile::Divisor,
) -> String {
    let m = &a.model;
    let f = &a.fit;
    let mut s = String::new();
    let s_ = &a.options.pls;
    let _ = writeln!(s, "csi fit: {} (n = {})", m.name, a.data.x.nrows());
    let _ = writeln!(
        s,
        "PLS-PM, {} scheme, {} indicators; {} after {} iterations{}",
        s_.scheme.as_str(),
        s_.indicators.as_str(),
        if f.converged {
            "converged"
        } else {
            "NOT converged"
        },
        f.iterations,
        if a.data.weights.is_some() {
            "; weighted"
        } else {
            ""
        }
    );
    if s_.stop != crate::estimate::pls::StopRule::default() {
        let _ = writeln!(
            s,
            "stopping rule {} < {:e} (max {} iterations)",
            s_.stop.as_str(),
            s_.tolerance,
            s_.max_iter
        );
    }
    if let Some(b) = boot {
        s.push_str(&bootstrap_summary(b));
    }
    let _ = writeln!(s);

    for t in super::tables::fit_tables(a, boot, divisor) {
        s.push_str(&t.to_text());
        if t.id == "effects" {
            s.push_str(&super::mediation::specific_indirect_text(m, &f.paths, boot));
        }
    }
    let _ = writeln!(s, "GoF {:.3}   SRMR {:.3}", a.quality.gof, a.quality.srmr);
    let r = readings(a);
    if !r.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(s, "Readings");
        for line in r {
            let _ = writeln!(s, "- {line}");
        }
    }
    s
}
