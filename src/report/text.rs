//! Human-readable tables (CJK-aware column alignment) and plain-language readings of
//! the quality figures.

use crate::analysis::Analysis;
use crate::bootstrap::BootstrapResult;
use crate::stat::Stat;
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
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
            left: (0..header.len()).map(|i| i < n_left).collect(),
        }
    }
    /// Add a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
    /// Render with two spaces between columns.
    pub fn render(&self) -> String {
        let ncol = self.header.len();
        let mut w = vec![0usize; ncol];
        for r in std::iter::once(&self.header).chain(self.rows.iter()) {
            for (i, c) in r.iter().enumerate().take(ncol) {
                w[i] = w[i].max(display_width(c));
            }
        }
        let mut out = String::new();
        let line = |r: &Vec<String>, out: &mut String| {
            let mut s = String::new();
            for i in 0..ncol {
                let c = r.get(i).map(|s| s.as_str()).unwrap_or("");
                let pad = w[i].saturating_sub(display_width(c));
                if i > 0 {
                    s.push_str("  ");
                }
                if self.left[i] {
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

fn f3(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "-".into()
    }
}

fn fo(x: Option<f64>) -> String {
    x.map(f3).unwrap_or_else(|| "-".into())
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
    bootstrap_line(
        b.resamples,
        b.seed,
        b.ci,
        b.level,
        b.failed,
        b.withheld.as_ref(),
    )
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
    for (j, c) in m.constructs.iter().enumerate() {
        let q = &a.quality.constructs[j];
        let lab = m.construct_label(j);
        if c.mode == crate::spec::Mode::A && c.items.len() > 1 {
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
        for &k in &c.items {
            let l = a.fit.loadings[k];
            if c.mode == crate::spec::Mode::A && c.items.len() > 1 && l < 0.40 {
                out.push(format!(
                    "loading of {} is {l:.2} < 0.40: consider dropping it from {lab}",
                    m.item_label(k)
                ));
            }
            if let Some(v) = a.quality.indicator_vif[k] {
                if c.mode == crate::spec::Mode::B && v > 3.3 {
                    out.push(format!(
                        "VIF of {} is {v:.1} > 3.3: collinear formative items in {lab}",
                        m.item_label(k)
                    ));
                }
            }
        }
    }
    let q = m.n_constructs();
    for i in 0..q {
        for j in (i + 1)..q {
            let h = a.quality.htmt[(i, j)];
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
    out
}

/// The whole human-readable fit report.
pub fn fit_text(a: &Analysis, boot: Option<&BootstrapResult>) -> String {
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
    if let Some(b) = boot {
        s.push_str(&bootstrap_summary(b));
    }
    let _ = writeln!(s);

    indices_section(a, boot, &mut s);
    paths_section(a, boot, &mut s);
    effects_section(a, &mut s);
    s.push_str(&super::mediation::specific_indirect_text(m, &f.paths, boot));
    outer_section(a, &mut s);
    htmt_section(a, &mut s);
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

/// The indices table of the fit report (with quality figures).
fn indices_section(a: &Analysis, boot: Option<&BootstrapResult>, s: &mut String) {
    let m = &a.model;
    let f = &a.fit;
    let _ = writeln!(s, "Satisfaction indices (0-100)");
    let mut t = Table::new(
        &[
            "construct",
            "label",
            "index",
            "CI",
            "R2",
            "R2 adj",
            "alpha",
            "rho_C",
            "rho_A",
            "AVE",
        ],
        2,
    );
    for (j, c) in m.constructs.iter().enumerate() {
        let q = &a.quality.constructs[j];
        let ix = a.indices[j].value;
        let ci = boot
            .and_then(|b| b.stat(Stat::Index(j)))
            .map(|st| interval(st.ci_low, st.ci_high, 1))
            .unwrap_or_default();
        t.row(vec![
            c.name.clone(),
            c.label.clone().unwrap_or_default(),
            ix.map(|v| format!("{v:.1}"))
                .unwrap_or_else(|| "undefined".into()),
            ci,
            fo(f.r2[j]),
            fo(f.r2_adj[j]),
            q.alpha.map(f3).unwrap_or_else(|| "n/a".into()),
            f3(q.rho_c),
            q.rho_a_reported().map(f3).unwrap_or_else(|| "n/a".into()),
            f3(q.ave),
        ]);
    }
    s.push_str(&t.render());
    if a.quality
        .constructs
        .iter()
        .any(|q| q.rho_a_note.is_some() || q.alpha_note.is_some())
    {
        let _ = writeln!(
            s,
            "n/a: not applicable (rho_A of a Mode B block, alpha of a single item)"
        );
    }
    let _ = writeln!(s);
}

/// The path table of the fit report.
fn paths_section(a: &Analysis, boot: Option<&BootstrapResult>, s: &mut String) {
    let m = &a.model;
    let f = &a.fit;
    let _ = writeln!(s, "Path coefficients");
    let mut t = if boot.is_some() {
        Table::new(&["path", "estimate", "boot se", "CI", "p", ""], 1)
    } else {
        Table::new(&["path", "estimate", "OLS se", "t", "p", ""], 1)
    };
    for ps in &f.path_stats {
        let name = format!(
            "{} -> {}",
            m.constructs[ps.from].name, m.constructs[ps.to].name
        );
        match boot.and_then(|b| {
            b.stat(Stat::Path {
                from: ps.from,
                to: ps.to,
            })
        }) {
            Some(st) => t.row(vec![
                name,
                f3(ps.estimate),
                f3(st.se),
                interval(st.ci_low, st.ci_high, 3),
                p_value(st.p),
                stars(st.p).into(),
            ]),
            None => t.row(vec![
                name,
                f3(ps.estimate),
                f3(ps.se),
                if ps.t.is_finite() {
                    format!("{:.2}", ps.t)
                } else {
                    "-".into()
                },
                p_value(ps.p),
                stars(ps.p).into(),
            ]),
        }
    }
    s.push_str(&t.render());
    let _ = writeln!(s);
}

/// The total-effects table of the fit report.
fn effects_section(a: &Analysis, s: &mut String) {
    let m = &a.model;
    let f = &a.fit;
    let _ = writeln!(s, "Total effects");
    let mut t = Table::new(&["effect", "direct", "indirect", "total"], 1);
    let q = m.n_constructs();
    for i in 0..q {
        for j in 0..q {
            if f.total[(i, j)] != 0.0 {
                t.row(vec![
                    format!("{} -> {}", m.constructs[i].name, m.constructs[j].name),
                    f3(f.paths[(i, j)]),
                    f3(f.total[(i, j)] - f.paths[(i, j)]),
                    f3(f.total[(i, j)]),
                ]);
            }
        }
    }
    s.push_str(&t.render());
    let _ = writeln!(s);
}

/// The outer-model table of the fit report.
fn outer_section(a: &Analysis, s: &mut String) {
    let m = &a.model;
    let f = &a.fit;
    let _ = writeln!(s, "Outer model");
    let mut t = Table::new(
        &[
            "item",
            "label",
            "construct",
            "weight",
            "loading",
            "VIF",
            "mean",
        ],
        3,
    );
    for (k, it) in m.items.iter().enumerate() {
        t.row(vec![
            it.name.clone(),
            it.label.clone().unwrap_or_default(),
            m.constructs[it.construct].name.clone(),
            f3(f.weights[k]),
            f3(f.loadings[k]),
            fo(a.quality.indicator_vif[k]),
            format!("{:.2}", f.means[k]),
        ]);
    }
    s.push_str(&t.render());
    let _ = writeln!(s);
}

/// The HTMT table of the fit report.
fn htmt_section(a: &Analysis, s: &mut String) {
    let m = &a.model;
    let q = m.n_constructs();
    let _ = writeln!(s, "Discriminant validity (HTMT)");
    let mut hdr: Vec<String> = vec![String::new()];
    hdr.extend(m.constructs.iter().map(|c| c.name.clone()));
    let hdr_ref: Vec<&str> = hdr.iter().map(|x| x.as_str()).collect();
    let mut t = Table::new(&hdr_ref, 1);
    for i in 0..q {
        let mut row = vec![m.constructs[i].name.clone()];
        for j in 0..q {
            row.push(if j < i {
                f3(a.quality.htmt[(i, j)])
            } else {
                String::new()
            });
        }
        t.row(row);
    }
    s.push_str(&t.render());
    let _ = writeln!(s);
}
