//! One table model rendered four ways: the terminal text of `csi fit`, and the
//! paper-ready CSV, Markdown (pipe table) and LaTeX (booktabs) files of `--tables DIR`.
//!
//! A table is built once (by [`crate::report::tables`]) as rows of [`Cell`]s; numbers
//! carry the digits they are shown with, so every rendering prints the same figures.
//! User text (construct and item labels) is text everywhere: control characters are
//! removed, CSV quotes fields, Markdown escapes `|`, LaTeX escapes its special
//! characters.
//!
//! ```
//! use csi::report::table::{Cell, Table};
//! let mut t = Table::new("paths", "Path coefficients", &["path", "estimate"], 1);
//! t.push(vec![Cell::text("A -> B"), Cell::num(0.51234, 3)]);
//! assert!(t.to_csv().contains("A -> B,0.512"));
//! assert!(t.to_markdown().contains("| A -> B | 0.512 |"));
//! assert!(t.to_latex().contains("\\toprule"));
//! assert!(t.to_text().contains("0.512"));
//! ```
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use std::fmt::Write;

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text (labels, names, preformatted intervals).
    Text(String),
    /// A number shown with a fixed number of decimals; not finite shows `-`.
    Num {
        /// The value.
        value: f64,
        /// Decimals shown.
        digits: usize,
    },
    /// Nothing (e.g. the upper triangle of a correlation matrix).
    Empty,
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
    /// A number with `digits` decimals.
    pub fn num(value: f64, digits: usize) -> Cell {
        Cell::Num { value, digits }
    }
    /// A number, or `missing` (e.g. "n/a") when there is none.
    pub fn opt(value: Option<f64>, digits: usize, missing: &str) -> Cell {
        match value {
            Some(v) => Cell::num(v, digits),
            None => Cell::text(missing),
        }
    }
    /// The cell as shown.
    pub fn show(&self) -> String {
        match self {
            Cell::Text(s) => clean(s),
            Cell::Num { value, digits } => {
                if value.is_finite() {
                    format!("{value:.digits$}")
                } else {
                    "-".into()
                }
            }
            Cell::Empty => String::new(),
        }
    }
}

/// Remove control characters (convention 10) from user text.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A table: an id (its file name under `--tables`), a title, columns and rows, and notes
/// printed below it.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// File stem under `--tables DIR` (`paths` -> `paths.csv`, `paths.md`, `paths.tex`).
    pub id: String,
    /// Title (caption).
    pub title: String,
    /// Column headers.
    pub header: Vec<String>,
    /// The first `n_left` columns are left-aligned, the others right-aligned.
    pub n_left: usize,
    /// Rows.
    pub rows: Vec<Vec<Cell>>,
    /// Notes below the table (definitions, thresholds).
    pub notes: Vec<String>,
}

impl Table {
    /// An empty table.
    pub fn new(id: &str, title: &str, header: &[&str], n_left: usize) -> Table {
        Table {
            id: id.to_string(),
            title: title.to_string(),
            header: header.iter().map(|s| s.to_string()).collect(),
            n_left,
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Add a row.
    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    /// Add a note.
    pub fn note(&mut self, s: impl Into<String>) {
        self.notes.push(s.into());
    }

    fn shown(&self) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .map(|r| {
                (0..self.header.len())
                    .map(|i| r.get(i).map(Cell::show).unwrap_or_default())
                    .collect()
            })
            .collect()
    }

    /// Terminal text: the title, the aligned table (CJK-aware), the notes, a blank line.
    pub fn to_text(&self) -> String {
        let head: Vec<&str> = self.header.iter().map(|s| s.as_str()).collect();
        let mut t = super::text::Table::new(&head, self.n_left);
        for r in self.shown() {
            t.row(r);
        }
        let mut s = format!("{}\n", clean(&self.title));
        s.push_str(&t.render());
        for n in &self.notes {
            let _ = writeln!(s, "{}", clean(n));
        }
        s.push('\n');
        s
    }

    /// CSV (RFC 4180: comma, fields with a comma, quote or line break quoted): the
    /// header and the rows as shown; title and notes are not part of a CSV table.
    pub fn to_csv(&self) -> String {
        let field = |s: &str| {
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let mut s = String::new();
        let line = |cells: &[String], s: &mut String| {
            let v: Vec<String> = cells.iter().map(|c| field(&clean(c))).collect();
            s.push_str(&v.join(","));
            s.push('\n');
        };
        line(&self.header, &mut s);
        for r in self.shown() {
            line(&r, &mut s);
        }
        s
    }

    /// A Markdown pipe table with a bold title above and the notes below.
    pub fn to_markdown(&self) -> String {
        let esc = |s: &str| clean(s).replace('\\', "\\\\").replace('|', "\\|");
        let mut s = format!("**{}**\n\n", esc(&self.title));
        let row = |cells: &[String], s: &mut String| {
            s.push('|');
            for c in cells {
                let _ = write!(s, " {} |", esc(c));
            }
            s.push('\n');
        };
        row(&self.header, &mut s);
        s.push('|');
        for i in 0..self.header.len() {
            s.push_str(if i < self.n_left {
                " :--- |"
            } else {
                " ---: |"
            });
        }
        s.push('\n');
        for r in self.shown() {
            row(&r, &mut s);
        }
        if !self.notes.is_empty() {
            s.push('\n');
            for n in &self.notes {
                let _ = writeln!(s, "{}  ", esc(n));
            }
        }
        s
    }

    /// A LaTeX `table` with a booktabs `tabular` (needs `\usepackage{booktabs}`; Chinese
    /// labels need a CJK-capable engine, e.g. XeLaTeX with xeCJK), caption and label
    /// `tab:ID`, notes in small type below.
    pub fn to_latex(&self) -> String {
        let cols: String = (0..self.header.len())
            .map(|i| if i < self.n_left { 'l' } else { 'r' })
            .collect();
        let mut s = String::new();
        let _ = writeln!(s, "% csi: {}", latex_escape(&self.title));
        s.push_str("\\begin{table}[htbp]\n\\centering\n");
        let _ = writeln!(s, "\\caption{{{}}}", latex_escape(&self.title));
        let _ = writeln!(s, "\\label{{tab:{}}}", latex_escape(&self.id));
        let _ = writeln!(s, "\\begin{{tabular}}{{{cols}}}");
        s.push_str("\\toprule\n");
        let line = |cells: &[String], s: &mut String| {
            let v: Vec<String> = cells.iter().map(|c| latex_escape(c)).collect();
            let _ = writeln!(s, "{} \\\\", v.join(" & "));
        };
        line(&self.header, &mut s);
        s.push_str("\\midrule\n");
        for r in self.shown() {
            line(&r, &mut s);
        }
        s.push_str("\\bottomrule\n\\end{tabular}\n");
        for n in &self.notes {
            let _ = writeln!(s, "\\par\\smallskip{{\\footnotesize {}}}", latex_escape(n));
        }
        s.push_str("\\end{table}\n");
        s
    }
}

/// Escape LaTeX's special characters (`\ & % $ # _ { } ~ ^`), map `->` to an arrow and
/// `²` to a superscript, drop control characters.
pub fn latex_escape(s: &str) -> String {
    let s = clean(s);
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '²' => out.push_str("\\textsuperscript{2}"),
            '-' if chars.peek() == Some(&'>') => {
                chars.next();
                out.push_str("$\\rightarrow$");
            }
            '<' => out.push_str("\\textless{}"),
            '>' => out.push_str("\\textgreater{}"),
            _ => out.push(c),
        }
    }
    out
}

/// Which renderings `--tables DIR` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TableFormat {
    /// CSV, Markdown and LaTeX (default).
    #[default]
    All,
    /// CSV only.
    Csv,
    /// Markdown only.
    Markdown,
    /// LaTeX only.
    Latex,
}

impl std::str::FromStr for TableFormat {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "all" => Ok(Self::All),
            "csv" => Ok(Self::Csv),
            "markdown" | "md" => Ok(Self::Markdown),
            "latex" | "tex" => Ok(Self::Latex),
            _ => Err(crate::Error::setting(
                "table_format",
                format!("expected csv, markdown, latex or all, got '{s}'"),
            )),
        }
    }
}

/// A file extension and the rendering written under it.
pub type Rendering = (&'static str, fn(&Table) -> String);

impl TableFormat {
    /// The (extension, rendering) pairs of this choice.
    pub fn renderings(&self) -> Vec<Rendering> {
        let all: [Rendering; 3] = [
            ("csv", Table::to_csv),
            ("md", Table::to_markdown),
            ("tex", Table::to_latex),
        ];
        match self {
            Self::All => all.to_vec(),
            Self::Csv => vec![all[0]],
            Self::Markdown => vec![all[1]],
            Self::Latex => vec![all[2]],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new("x", "A & B_1: R²", &["name", "value"], 1);
        t.push(vec![Cell::text("a,\"b\"|c\u{7}"), Cell::num(1.23456, 2)]);
        t.push(vec![Cell::text("满意度"), Cell::num(f64::NAN, 2)]);
        t.note("50% of n");
        t
    }

    #[test]
    fn csv_quotes_and_cleans() {
        let c = sample().to_csv();
        assert_eq!(c, "name,value\n\"a,\"\"b\"\"|c \",1.23\n满意度,-\n");
    }

    #[test]
    fn markdown_escapes_pipes() {
        let m = sample().to_markdown();
        assert!(m.contains("| a,\"b\"\\|c  | 1.23 |"), "{m}");
        assert!(m.contains("| :--- | ---: |"), "{m}");
    }

    #[test]
    fn latex_escapes_specials() {
        let l = sample().to_latex();
        assert!(
            l.contains("\\caption{A \\& B\\_1: R\\textsuperscript{2}}"),
            "{l}"
        );
        assert!(l.contains("50\\% of n"), "{l}");
        assert!(l.contains("\\begin{tabular}{lr}"), "{l}");
        assert_eq!(latex_escape("A -> B"), "A $\\rightarrow$ B");
    }
}
