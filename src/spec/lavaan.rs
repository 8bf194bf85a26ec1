//! lavaan-syntax model files (`=~` Mode A, `<~` Mode B, `~` paths, `#` comments).
//!
//! The subset of lavaan's model syntax that describes a PLS path model, so that a
//! model written for lavaan, seminr or cSEM can be pasted as is:
//!
//! ```text
//! # measurement model
//! IMAG =~ imag1 + imag2 + imag3      # Mode A (reflective)
//! VAL  <~ val1 + val2                # Mode B (formative)
//! SAT  =~ sat1 + sat2 +
//!         sat3                       # a statement continues after a trailing '+'
//! # structural model
//! SAT ~ IMAG + VAL; LOY ~ SAT        # ';' separates statements
//! ```
//!
//! Statements for the same construct are merged (`F =~ a` then `F =~ b`). Residual
//! covariances of two items (`y1 ~~ y5`, `y2 ~~ y4 + y6`) are read into
//! [`Model::covariances`] (estimated by CB-SEM; `y1 ~~ y1`, an error variance, is
//! accepted and changes nothing); covariances naming a construct are refused.
//! Modifiers (`0.5*x`, `NA*x`, `label*x`), intercepts (`~ 1`), defined parameters
//! (`:=`) and constraints are refused with the line and column: the model has nothing
//! to fix or constrain. Scale, missing codes and labels are
//! not part of lavaan syntax; they come from command-line flags, so the model's
//! `scale` is `None`. The model is named after the file's stem.

use crate::error::{Error, Result};
use crate::spec::toml_file::{line_col, ConstructSpans, Spans};
use crate::spec::{ConstructSpec, Mode, Model, SpecIssue};
use crate::text_safety::{shown_name, terminal};
use std::ops::Range;

/// Parse a model in lavaan syntax; `file` names it in error messages (and its stem
/// names the model).
///
/// # Errors
/// [`Error::Model`] with the 1-based line and column of the problem.
///
/// # Example
/// ```
/// use csi::spec::lavaan::parse_lavaan;
/// use csi::spec::Mode;
/// let text = "
/// ## toy model (a comment)
/// QUAL =~ q1 + q2 +
///         q3
/// VAL <~ v1 + v2
/// SAT =~ s1 + s2
/// SAT ~ QUAL + VAL; VAL ~ QUAL
/// ";
/// let model = parse_lavaan(text, "toy.lav")?;
/// assert_eq!(model.name, "toy");
/// assert_eq!(model.n_items(), 7);
/// assert_eq!(model.constructs[1].mode, Mode::B);
/// assert_eq!(model.path_names()[0], ("QUAL".to_string(), "SAT".to_string()));
/// assert!(model.scale.is_none());
///
/// let err = parse_lavaan("SAT ~ 0.5*QUAL\n", "bad.lav").unwrap_err();
/// assert!(err.to_string().starts_with("bad.lav:1:7: lavaan modifier '0.5*'"), "{err}");
/// # Ok::<(), csi::Error>(())
/// ```
pub fn parse_lavaan(text: &str, file: &str) -> Result<Model> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let src = Src { text, file };
    let tokens = lex(text).map_err(|(span, msg)| src.err(&span, msg))?;
    let mut parsed = Parsed::default();
    for st in split_statements(&tokens) {
        parsed.statement(&src, &st)?;
    }
    parsed.mark_higher_order(&src)?;
    parsed.into_model(&src)
}

/// The text being parsed and its file name, for error positions.
struct Src<'a> {
    text: &'a str,
    file: &'a str,
}

impl Src<'_> {
    /// A model error at the start of `span`, with its 1-based line and column.
    fn err(&self, span: &Range<usize>, msg: impl Into<String>) -> Error {
        let (line, column) = line_col(self.text, span.start);
        Error::model(self.file, Some(line), Some(column), msg)
    }
}

/// What the statements have declared so far, with the spans to point errors at.
#[derive(Default)]
struct Parsed {
    specs: Vec<ConstructSpec>,
    /// construct name -> index in `specs`
    index: std::collections::HashMap<String, usize>,
    cspans: Vec<ConstructSpans>,
    paths: Vec<(String, String)>,
    pspans: Vec<(Range<usize>, Range<usize>)>,
    covs: Vec<(String, String)>,
    cov_spans: Vec<Range<usize>>,
}

/// The operator of a statement when it is one csi reads (`=~`, `<~`, `~`, `~~`);
/// the other lavaan operators are refused with what they are.
fn supported_op(src: &Src, op_tok: &Tok) -> Result<&'static str> {
    let op = match op_tok.kind {
        Kind::Op(o) => o,
        _ => "",
    };
    match op {
        "=~" | "<~" | "~" | "~~" => Ok(op),
        ":=" => Err(src.err(&op_tok.span, "defined parameters (':=') are not supported")),
        "==" | "<" | ">" | "<=" | ">=" => Err(src.err(
            &op_tok.span,
            format!("constraints ('{op}') are not supported"),
        )),
        "|" | "~*~" => Err(src.err(
            &op_tok.span,
            format!("thresholds and scaling factors ('{op}') are not supported"),
        )),
        other => Err(src.err(&op_tok.span, format!("unexpected '{other}'"))),
    }
}

impl Parsed {
    /// One statement: `lhs OP rhs` with both sides non-empty term lists.
    fn statement(&mut self, src: &Src, st: &[Tok]) -> Result<()> {
        let text = src.text;
        let Some(op_pos) = st.iter().position(is_statement_op) else {
            // no operator: a lone name, or modifiers without an operator
            let first = st.first().map(|t| t.span.clone()).unwrap_or(0..0);
            let what = st.first().map(|t| t.text(text)).unwrap_or_default();
            return Err(src.err(
                &first,
                format!("expected a statement such as 'F =~ x1 + x2', 'F <~ x1 + x2' or 'Y ~ X', found '{}' without an operator", shown_name(&what)),
            ));
        };
        let (lhs_toks, rest) = st.split_at(op_pos);
        let Some((op_tok, rhs_toks)) = rest.split_first() else {
            return Ok(());
        };
        let op = supported_op(src, op_tok)?;
        let lhs = terms(src, lhs_toks, op_tok, "left")?;
        let rhs = terms(src, rhs_toks, op_tok, "right")?;
        if lhs.is_empty() {
            return Err(src.err(&op_tok.span, format!("'{op}' needs a name on its left")));
        }
        if rhs.is_empty() {
            let what = if op == "~" {
                "a predictor"
            } else {
                "an indicator"
            };
            return Err(src.err(&op_tok.span, format!("'{op}' needs {what} on its right")));
        }
        match op {
            "~~" => self.covariance(src, op_tok, &lhs, &rhs),
            "~" => self.regression(src, &lhs, &rhs),
            _ => self.measurement(src, op_tok, lhs, rhs),
        }
    }

    /// Residual covariances of items (CB-SEM): `y2 ~~ y4 + y6`.
    fn covariance(&mut self, src: &Src, op_tok: &Tok, lhs: &[Term], rhs: &[Term]) -> Result<()> {
        if let Some((_, second)) = lhs.get(1) {
            return Err(src.err(second, "'~~' takes one name on its left"));
        }
        for (a, _) in lhs {
            for (b, _) in rhs {
                if a == b {
                    // `y1 ~~ y1`: an error variance, free anyway
                    continue;
                }
                self.covs.push((a.clone(), b.clone()));
                self.cov_spans.push(op_tok.span.clone());
            }
        }
        Ok(())
    }

    /// `Y ~ X1 + X2`: a path from every predictor to every name on the left.
    fn regression(&mut self, src: &Src, lhs: &[Term], rhs: &[Term]) -> Result<()> {
        for (y, ysp) in lhs {
            for (x, xsp) in rhs {
                if self.paths.len() >= MAX_PATHS {
                    return Err(src.err(xsp, format!("more than {MAX_PATHS} paths")));
                }
                self.paths.push((x.clone(), y.clone()));
                self.pspans.push((xsp.clone(), ysp.clone()));
            }
        }
        Ok(())
    }

    /// `F =~ x1 + x2` (mode A) or `F <~ x1 + x2` (mode B); statements for the same
    /// construct are merged and must agree on the mode.
    fn measurement(
        &mut self,
        src: &Src,
        op_tok: &Tok,
        lhs: Vec<Term>,
        rhs: Vec<Term>,
    ) -> Result<()> {
        let op = match op_tok.kind {
            Kind::Op(o) => o,
            _ => "",
        };
        let mode = if op == "=~" { Mode::A } else { Mode::B };
        if let Some((_, second)) = lhs.get(1) {
            return Err(src.err(second, format!("'{op}' defines one construct at a time")));
        }
        let Some((name, nsp)) = lhs.into_iter().next() else {
            return Ok(());
        };
        let k = match self.index.get(&name).copied() {
            Some(k) => {
                if self.specs.get(k).map(|c| c.mode) != Some(mode) {
                    return Err(src.err(
                        &op_tok.span,
                        format!(
                            "construct '{}' is declared with both '=~' (mode a) and '<~' (mode b)",
                            shown_name(&name)
                        ),
                    ));
                }
                k
            }
            None => self.new_construct(name, nsp, mode, op_tok),
        };
        for (item, isp) in rhs {
            if let Some(c) = self.specs.get_mut(k) {
                c.items.push(item.clone());
            }
            if let Some(c) = self.cspans.get_mut(k) {
                c.item_list.push((item, isp));
            }
        }
        Ok(())
    }

    /// Declare a construct (no items yet); its index.
    fn new_construct(
        &mut self,
        name: String,
        nsp: Range<usize>,
        mode: Mode,
        op_tok: &Tok,
    ) -> usize {
        self.index.insert(name.clone(), self.specs.len());
        self.specs.push(ConstructSpec {
            name,
            label: None,
            items: Vec::new(),
            mode,
            ..Default::default()
        });
        self.cspans.push(ConstructSpans {
            name: nsp,
            items: op_tok.span.clone(),
            item_list: Vec::new(),
        });
        self.specs.len() - 1
    }

    /// Indicators that are constructs: a higher-order construct (`QUAL =~ CREW +
    /// CABIN`) lists constructs only, which become its dimensions; a mix of
    /// constructs and items is refused.
    fn mark_higher_order(&mut self, src: &Src) -> Result<()> {
        let is_construct = |n: &str| self.index.contains_key(n);
        let mut higher: Vec<usize> = Vec::new();
        for (k, c) in self.cspans.iter().enumerate() {
            let n_cons = c.item_list.iter().filter(|(i, _)| is_construct(i)).count();
            if n_cons == 0 {
                continue;
            }
            if n_cons < c.item_list.len() {
                if let Some((item, isp)) = c.item_list.iter().find(|(i, _)| is_construct(i)) {
                    let of = self.specs.get(k).map(|s| s.name.as_str()).unwrap_or("");
                    return Err(src.err(
                        isp,
                        format!(
                            "construct '{}' is used as an indicator of '{}' beside items; a higher-order construct lists constructs only ('{} =~ A + B')",
                            shown_name(item),
                            shown_name(of),
                            shown_name(of)
                        ),
                    ));
                }
            }
            higher.push(k);
        }
        for k in higher {
            if let Some(c) = self.specs.get_mut(k) {
                c.dimensions = std::mem::take(&mut c.items);
            }
        }
        Ok(())
    }

    /// The checked model, named after the file's stem, with its covariances.
    fn into_model(self, src: &Src) -> Result<Model> {
        let end = src.text.trim_end().len();
        if self.specs.is_empty() {
            return Err(src.err(
                &(end..end),
                "the model declares no construct; add measurement statements such as 'SAT =~ sat1 + sat2'",
            ));
        }
        let name = std::path::Path::new(src.file)
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|s| !s.is_empty())
            .unwrap_or("model")
            .to_string();
        let spans = Spans {
            constructs: self.cspans,
            paths: self.pspans,
            model: end..end,
        };
        // a covariance naming a construct is refused before the model is checked, so
        // that its message (not, e.g., a missing regression) comes first
        for (k, (a, b)) in self.covs.iter().enumerate() {
            if let Some(c) = [a, b]
                .into_iter()
                .find(|x| self.specs.iter().any(|s| &s.name == *x))
            {
                let span = self.cov_spans.get(k).cloned().unwrap_or(0..0);
                return Err(src.err(&span, crate::spec::construct_in_covariance(a, b, c)));
            }
        }
        let paths = self.paths;
        let mut model = Model::build(&name, self.specs, &paths).map_err(|issue| {
            let span = spans.issue_span(&issue, &paths);
            let msg = match issue {
                SpecIssue::NoEndogenous => {
                    "the model has no regressions, so no endogenous construct; add a statement such as 'SAT ~ QUAL'"
                        .to_string()
                }
                other => other.to_string(),
            };
            src.err(&span, msg)
        })?;
        model.set_covariances(&self.covs).map_err(|(k, msg)| {
            let span = self.cov_spans.get(k).cloned().unwrap_or(0..0);
            src.err(&span, msg)
        })?;
        Ok(model)
    }
}

/// A name on one side of a statement, with its span.
type Term = (String, Range<usize>);

/// Upper bound on the number of paths a file may declare.
const MAX_PATHS: usize = 10_000;

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Name,
    Number,
    Str,
    Op(&'static str),
    Newline,
}

#[derive(Debug, Clone)]
struct Tok {
    kind: Kind,
    span: Range<usize>,
}

impl Tok {
    fn text(&self, src: &str) -> String {
        src.get(self.span.clone()).unwrap_or("").to_string()
    }
}

/// Operators that make a statement (as opposed to `+`, `*` inside a term list).
fn is_statement_op(t: &Tok) -> bool {
    matches!(
        t.kind,
        Kind::Op("=~" | "<~" | "~" | "~~" | "~*~" | ":=" | "==" | "<" | ">" | "<=" | ">=" | "|")
    )
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.'
}

/// A lexing error: the span and the message.
type LexError = (Range<usize>, String);

/// The operators and punctuation of lavaan syntax, longest first where one is a
/// prefix of another.
const OPS: &[&str] = &[
    "~*~", "=~", "<~", "~~", ":=", "==", "<=", ">=", "~", "+", "*", ";", "<", ">", "|", "(", ")",
    ",", "-", "/", "^", "=",
];

/// Split the text into tokens; comments (`#`, `!`) are dropped.
fn lex(text: &str) -> std::result::Result<Vec<Tok>, LexError> {
    let mut lx = Lexer {
        text,
        it: text.char_indices().peekable(),
        out: Vec::new(),
    };
    while let Some(&(i, c)) = lx.it.peek() {
        if c == '\n' {
            lx.out.push(Tok {
                kind: Kind::Newline,
                span: i..i + 1,
            });
            lx.it.next();
        } else if c.is_whitespace() {
            lx.it.next();
        } else if c == '#' || c == '!' {
            lx.skip_comment();
        } else if c == '"' || c == '\'' {
            lx.quoted(i, c)?;
        } else if is_name_char(c) {
            lx.word(i);
        } else {
            lx.symbol(i, c)?;
        }
    }
    Ok(lx.out)
}

/// The lexer's position in the text and the tokens so far.
struct Lexer<'a> {
    text: &'a str,
    it: std::iter::Peekable<std::str::CharIndices<'a>>,
    out: Vec<Tok>,
}

impl Lexer<'_> {
    /// Skip a comment up to (not including) the end of its line.
    fn skip_comment(&mut self) {
        while let Some(&(_, d)) = self.it.peek() {
            if d == '\n' {
                break;
            }
            self.it.next();
        }
    }

    /// A string quoted with `quote` that starts at byte `i` and ends on its line.
    fn quoted(&mut self, i: usize, quote: char) -> std::result::Result<(), LexError> {
        self.it.next();
        let mut end = None;
        for (j, d) in self.it.by_ref() {
            if d == quote {
                end = Some(j + 1);
                break;
            }
            if d == '\n' {
                break;
            }
        }
        match end {
            Some(e) => {
                self.out.push(Tok {
                    kind: Kind::Str,
                    span: i..e,
                });
                Ok(())
            }
            None => Err((i..i + 1, "unterminated quoted string".to_string())),
        }
    }

    /// A name or a number (`1e-3` keeps its exponent sign) starting at byte `i`.
    fn word(&mut self, i: usize) {
        let text = self.text;
        let mut end = i;
        while let Some(&(j, d)) = self.it.peek() {
            // a sign right after an exponent: 1e-3
            let exp_sign = (d == '-' || d == '+')
                && text.get(i..j).map(|w| {
                    w.starts_with(|x: char| x.is_ascii_digit()) && w.ends_with(['e', 'E'])
                }) == Some(true);
            if !is_name_char(d) && !exp_sign {
                break;
            }
            end = j + d.len_utf8();
            self.it.next();
        }
        let word = text.get(i..end).unwrap_or("");
        let numeric = word.starts_with(|x: char| x.is_ascii_digit() || x == '.')
            && word.parse::<f64>().is_ok();
        self.out.push(Tok {
            kind: if numeric { Kind::Number } else { Kind::Name },
            span: i..end,
        });
    }

    /// An operator starting with character `c` at byte `i`; an interaction term
    /// (`A:B`) and characters of no operator are refused.
    fn symbol(&mut self, i: usize, c: char) -> std::result::Result<(), LexError> {
        let text = self.text;
        let rest = text.get(i..).unwrap_or("");
        if c == ':' && !rest.starts_with(":=") {
            // `A:B`: an interaction (product) term
            let start = match self.out.last() {
                Some(t) if t.kind == Kind::Name => t.span.start,
                _ => i,
            };
            let end = rest
                .char_indices()
                .skip(1)
                .find(|&(_, d)| !(is_name_char(d) || d == ':'))
                .map_or(text.len(), |(k, _)| i + k);
            let term = text.get(start..end).unwrap_or(":");
            return Err((
                start..end,
                format!(
                    "interaction term '{}' is not supported (yet): csi estimates models without moderation; remove the term, or compute the product of the scores outside csi",
                    shown_name(term)
                ),
            ));
        }
        match OPS.iter().find(|o| rest.starts_with(**o)) {
            Some(op) => {
                self.out.push(Tok {
                    kind: Kind::Op(op),
                    span: i..i + op.len(),
                });
                for _ in 0..op.chars().count() {
                    self.it.next();
                }
                Ok(())
            }
            None => Err((
                i..i + c.len_utf8(),
                format!("unexpected character '{}'", terminal(&c.to_string())),
            )),
        }
    }
}

/// Group tokens into statements: `;` and newlines end a statement, except a newline
/// after an operator or before a line that starts with `+`.
fn split_statements(tokens: &[Tok]) -> Vec<Vec<Tok>> {
    let mut out = Vec::new();
    let mut cur: Vec<Tok> = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        match &t.kind {
            Kind::Op(";") => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            Kind::Newline => {
                let after_op =
                    matches!(cur.last().map(|t| &t.kind), Some(Kind::Op(o)) if *o != ")");
                let next = tokens
                    .get(k + 1..)
                    .and_then(|r| r.iter().find(|t| t.kind != Kind::Newline));
                let before_plus = matches!(next.map(|t| &t.kind), Some(Kind::Op("+")));
                // `A =~` alone on its line, before a line that is a statement of its
                // own: the right-hand side is empty (not a continuation)
                let empty_rhs = cur.last().is_some_and(is_statement_op)
                    && tokens
                        .get(k + 1..)
                        .unwrap_or(&[])
                        .iter()
                        .skip_while(|t| t.kind == Kind::Newline)
                        .take_while(|t| t.kind != Kind::Newline)
                        .any(is_statement_op);
                if !cur.is_empty() && (empty_rhs || (!after_op && !before_plus)) {
                    out.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(t.clone()),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `a + b + c` into names with spans; modifiers and anything else are refused.
fn terms(src: &Src, toks: &[Tok], op: &Tok, side: &str) -> Result<Vec<Term>> {
    let text = src.text;
    if let Some(second) = toks.iter().find(|t| is_statement_op(t)) {
        return Err(src.err(
            &second.span,
            format!(
                "a second operator '{}' in one statement; a line ending in '+' or an operator continues on the next line",
                second.text(text)
            ),
        ));
    }
    if toks.is_empty() {
        // the caller says which side is empty
        return Ok(Vec::new());
    }
    check_plus_signs(src, toks, op, side)?;
    let mut out = Vec::new();
    for term in toks.split(|t| t.kind == Kind::Op("+")) {
        out.push(one_term(src, term, op, side)?);
    }
    Ok(out)
}

/// Every `+` has a name on both sides (not first, last or doubled).
fn check_plus_signs(src: &Src, toks: &[Tok], op: &Tok, side: &str) -> Result<()> {
    let last = toks.len().saturating_sub(1);
    for (k, t) in toks.iter().enumerate() {
        if t.kind != Kind::Op("+") {
            continue;
        }
        let prev_plus = k > 0 && toks.get(k - 1).map(|p| p.kind == Kind::Op("+")) == Some(true);
        if k == 0 || prev_plus || k == last {
            let where_ = if k == last { "after" } else { "before" };
            return Err(src.err(
                &t.span,
                format!(
                    "a '+' with no name {where_} it on the {side} of '{}'",
                    op.text(src.text)
                ),
            ));
        }
    }
    Ok(())
}

/// One term between `+` signs: a single name; a modifier (`0.5*x`), an intercept
/// (`1`) or two names in a row are refused.
fn one_term(src: &Src, term: &[Tok], op: &Tok, side: &str) -> Result<Term> {
    let text = src.text;
    let Some(first) = term.first() else {
        return Err(src.err(
            &op.span,
            format!("a '+' with no name on the {side} of '{}'", op.text(text)),
        ));
    };
    if let Some(star) = term.iter().position(|t| t.kind == Kind::Op("*")) {
        let upto = term.get(star).map(|t| t.span.end).unwrap_or(first.span.end);
        let modifier = text.get(first.span.start..upto).unwrap_or("");
        return Err(src.err(
            &first.span,
            format!(
                "lavaan modifier '{}' is not supported: a pls path model has no fixed values, labels or start values; write the name alone",
                shown_name(modifier)
            ),
        ));
    }
    match (term, &first.kind) {
        ([one], Kind::Name) => Ok((one.text(text), one.span.clone())),
        ([one], Kind::Number) if one.text(text) == "1" || one.text(text) == "0" => {
            Err(src.err(&one.span, "intercepts ('~ 1') are not supported"))
        }
        ([_, second, ..], Kind::Name) => Err(src.err(
            &second.span,
            format!("expected '+' before '{}'", shown_name(&second.text(text))),
        )),
        _ => Err(src.err(
            &first.span,
            format!(
                "expected a name on the {side} of '{}', found '{}'",
                op.text(text),
                shown_name(&first.text(text))
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_of(text: &str) -> (usize, usize, String) {
        crate::spec::error_position(parse_lavaan(text, "m.lav"))
    }

    #[test]
    fn parses_a_model() {
        let m = parse_lavaan(
            "# c\nA =~ a1 + a2 # trailing\n  + a3\nB <~ b1;B <~ b2\nC =~ c1\nC ~ A + B\nB ~ A\n",
            "x/toy.lav",
        )
        .unwrap();
        assert_eq!(m.name, "toy");
        assert_eq!(m.n_items(), 6);
        assert_eq!(m.constructs[1].items.len(), 2);
        assert_eq!(m.constructs[1].mode, Mode::B);
        assert_eq!(m.path_names().len(), 3);
    }

    #[test]
    fn errors_have_positions() {
        let (l, c, m) = err_of("A =~ a1\nB =~ b1\nB ~ NA*A\n");
        assert_eq!((l, c), (3, 5));
        assert!(m.starts_with("lavaan modifier 'NA*'"), "{m}");
        let (l, c, m) = err_of("A =~ a1\nB =~ b1\nB ~~ A\n");
        assert_eq!((l, c), (3, 3));
        assert!(m.contains("covariances"), "{m}");
        let (l, c, m) = err_of("A =~ a1\nB =~ b1\nB ~ C\n");
        assert_eq!((l, c), (3, 5));
        assert_eq!(m, "path names construct 'C', which is not declared");
        let (l, _, m) = err_of("A =~ a1\nB =~ b1\nB ~ A\nA ~ B\n");
        assert_eq!(l, 4);
        assert!(m.contains("cycle"), "{m}");
        let (l, c, m) = err_of("A =~ a1 +\n\nB =~ b1\n");
        assert_eq!((l, c), (3, 3));
        assert!(m.contains("a second operator '=~'"), "{m}");
        let (l, _, m) = err_of("A =~ a1\nB =~ a1\nB ~ A\n");
        assert_eq!(l, 2);
        assert!(m.contains("item 'a1' is listed twice"), "{m}");
        let (_, _, m) = err_of("A =~ a1\nB =~ b1\n");
        assert!(m.contains("no regressions"), "{m}");
        let (l, c, m) = err_of("A =~ a1\nB =~ b1 + A\nB ~ A\n");
        assert_eq!((l, c), (2, 11));
        assert!(m.contains("higher-order"), "{m}");
        let (_, _, m) = err_of("");
        assert!(m.contains("no construct"), "{m}");
        let (l, c, m) = err_of("A =~ a1\nB =~ b1 @ x\n");
        assert_eq!((l, c), (2, 9));
        assert!(m.contains("unexpected character '@'"), "{m}");
        let (_, _, m) = err_of("A =~ a1\nB =~ b1\nB ~ 1\n");
        assert!(m.contains("intercepts"), "{m}");
        let (l, c, m) = err_of("A =~ a1 a2\n");
        assert_eq!((l, c), (1, 9));
        assert_eq!(m, "expected '+' before 'a2'");
        let (l, c, m) = err_of("A =~ a1\nB =~ b1\nB ~ A +\n");
        assert_eq!((l, c), (3, 7));
        assert!(m.contains("a '+' with no name after it"), "{m}");
        let (_, _, m) = err_of("A =~ a1\nA <~ a2\n");
        assert!(m.contains("both"), "{m}");
    }

    /// Issue 10 item 12: an empty right-hand side is named as such, not as "a second
    /// operator in one statement".
    #[test]
    fn item12_empty_right_hand_side() {
        let (l, c, m) = err_of("A =~\nB =~ b1\nB ~ A\n");
        assert_eq!((l, c), (1, 3));
        assert_eq!(m, "'=~' needs an indicator on its right");
        let (l, c, m) = err_of("A =~ a1\nB =~ b1\nB ~\nA =~ a2\n");
        assert_eq!((l, c), (3, 3));
        assert_eq!(m, "'~' needs a predictor on its right");
        // an operator at the end of a line still continues on the next one
        let m = parse_lavaan("A =~\n  a1 + a2\nB =~ b1\nB ~\n A\n", "m.lav").unwrap();
        assert_eq!(m.n_items(), 3);
    }

    /// Issue 10 item 12: `A:B` says that interaction terms are not supported.
    #[test]
    fn item12_interaction_terms() {
        let (l, c, m) = err_of("A =~ a1\nB =~ b1\nC =~ c1\nC ~ A + B + A:B\n");
        assert_eq!((l, c), (4, 13));
        assert!(
            m.starts_with("interaction term 'A:B' is not supported (yet)"),
            "{m}"
        );
        let (_, _, m) = err_of("C ~ A:B:D\n");
        assert!(m.starts_with("interaction term 'A:B:D'"), "{m}");
        // ':=' is still a defined parameter
        let (_, _, m) = err_of("A =~ a1\nB =~ b1\nB ~ A\nd := 2\n");
        assert!(m.contains("defined parameters"), "{m}");
    }

    /// Issue 10 item 7: control characters from the file never reach a message raw.
    #[test]
    fn item7_control_characters_in_messages_are_escaped() {
        let (_, _, m) = err_of("A =~ a1\u{1b}[2J\n");
        assert!(!m.chars().any(char::is_control), "{m:?}");
        assert!(m.contains("\\u{1B}"), "{m}");
        let (_, _, m) = err_of("A =~ a1\nB =~ b1\nB ~ A\u{7}X\n");
        assert!(!m.chars().any(char::is_control), "{m:?}");
    }
}
