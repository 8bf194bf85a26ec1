//! Every table of `csi fit` (PLS), built once as [`Table`]s: the terminal report
//! renders them as text, `--tables DIR` writes them as CSV, Markdown and LaTeX.
//!
//! | id | table |
//! |---|---|
//! | `indices` | 0-100 indices with intervals, R², reliability (alpha, rho_C, rho_A), AVE |
//! | `paths` | path coefficients with OLS or bootstrap inference |
//! | `effects` | direct, indirect and total effects |
//! | `outer` | outer weights, loadings, indicator VIF, item means |
//! | `cross_loadings` | correlation of every item with every construct score |
//! | `htmt` | heterotrait-monotrait ratios (lower triangle) |
//! | `htmt_intervals` | HTMT with bootstrap intervals (with `--bootstrap`) |
//! | `fornell_larcker` | sqrt(AVE) on the diagonal, construct correlations below |
//! | `inner_vif` | VIF of the predictors of each structural equation |
//! | `f2` | Cohen's f², both definitions (see [`crate::quality::Quality::f2`]) |
//! | `information_criteria` | AIC and BIC per endogenous construct ([`crate::criteria`]) |
//! | `model_fit` | SRMR, d_ULS, d_G, saturated and estimated (when computed) |
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::table::{Cell, Table};
use super::{at, at_opt, cell};
use crate::analysis::Analysis;
use crate::bootstrap::BootstrapResult;
use crate::profile::Divisor;
use crate::stat::Stat;

/// Decimals of coefficients, loadings, reliabilities (three, as papers print them).
const D: usize = 3;

/// Every fit table in report order (`htmt_intervals` only with a bootstrap).
pub fn fit_tables(a: &Analysis, boot: Option<&BootstrapResult>, divisor: Divisor) -> Vec<Table> {
    let mut v = vec![
        indices(a, boot),
        paths(a, boot),
        effects(a),
        outer(a),
        htmt(a),
    ];
    if let Some(t) = boot.and_then(|b| htmt_intervals(a, b)) {
        v.push(t);
    }
    v.extend([
        fornell_larcker(a),
        cross_loadings(a),
        inner_vif(a),
        f2(a),
        information_criteria(a, divisor),
    ]);
    v
}

fn cname(a: &Analysis, j: usize) -> String {
    super::construct_name(&a.model, j).to_string()
}

fn arrow(a: &Analysis, i: usize, j: usize) -> String {
    format!("{} -> {}", cname(a, i), cname(a, j))
}

/// `indices`: the 0-100 index of each construct with its interval, and its quality.
pub fn indices(a: &Analysis, boot: Option<&BootstrapResult>) -> Table {
    let m = &a.model;
    let f = &a.fit;
    let mut t = Table::new(
        "indices",
        "Satisfaction indices (0-100)",
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
        let Some(q) = a.quality.constructs.get(j) else {
            continue;
        };
        let ci = boot
            .and_then(|b| b.stat(Stat::Index(j)))
            .map(|st| super::text::interval(st.ci_low, st.ci_high, 1))
            .unwrap_or_default();
        t.push(vec![
            Cell::text(&c.name),
            Cell::text(c.label.clone().unwrap_or_default()),
            Cell::opt(a.indices.get(j).and_then(|x| x.value), 1, "undefined"),
            Cell::text(ci),
            Cell::opt(at_opt(&f.r2, j), D, "-"),
            Cell::opt(at_opt(&f.r2_adj, j), D, "-"),
            Cell::opt(q.alpha, D, "n/a"),
            Cell::num(q.rho_c, D),
            Cell::opt(q.rho_a_reported(), D, "n/a"),
            Cell::num(q.ave, D),
        ]);
    }
    if a.quality
        .constructs
        .iter()
        .any(|q| q.rho_a_note.is_some() || q.alpha_note.is_some())
    {
        t.note("n/a: not applicable (rho_A of a Mode B block, alpha of a single item)");
    }
    t
}

/// `paths`: coefficients with bootstrap se, interval and p (or OLS se, t, p).
pub fn paths(a: &Analysis, boot: Option<&BootstrapResult>) -> Table {
    let f = &a.fit;
    let mut t = if boot.is_some() {
        Table::new(
            "paths",
            "Path coefficients",
            &["path", "estimate", "boot se", "CI", "p", ""],
            1,
        )
    } else {
        Table::new(
            "paths",
            "Path coefficients",
            &["path", "estimate", "OLS se", "t", "p", ""],
            1,
        )
    };
    for ps in &f.path_stats {
        let name = Cell::text(arrow(a, ps.from, ps.to));
        let st = boot.and_then(|b| {
            b.stat(Stat::Path {
                from: ps.from,
                to: ps.to,
            })
        });
        t.push(match st {
            Some(st) => vec![
                name,
                Cell::num(ps.estimate, D),
                Cell::num(st.se, D),
                Cell::text(super::text::interval(st.ci_low, st.ci_high, D)),
                Cell::text(super::text::p_value(st.p)),
                Cell::text(super::text::stars(st.p)),
            ],
            None => vec![
                name,
                Cell::num(ps.estimate, D),
                Cell::num(ps.se, D),
                Cell::num(ps.t, 2),
                Cell::num(ps.p, 4),
                Cell::text(super::text::stars(ps.p)),
            ],
        });
    }
    t
}

/// `effects`: direct, indirect and total effect of every pair with a total effect.
pub fn effects(a: &Analysis) -> Table {
    let f = &a.fit;
    let q = a.model.n_constructs();
    let mut t = Table::new(
        "effects",
        "Total effects",
        &["effect", "direct", "indirect", "total"],
        1,
    );
    for i in 0..q {
        for j in 0..q {
            if cell(&f.total, i, j) != 0.0 {
                t.push(vec![
                    Cell::text(arrow(a, i, j)),
                    Cell::num(cell(&f.paths, i, j), D),
                    Cell::num(cell(&f.total, i, j) - cell(&f.paths, i, j), D),
                    Cell::num(cell(&f.total, i, j), D),
                ]);
            }
        }
    }
    t
}

/// `outer`: weights, loadings, indicator VIF and item means.
pub fn outer(a: &Analysis) -> Table {
    let m = &a.model;
    let f = &a.fit;
    let mut t = Table::new(
        "outer",
        "Outer model",
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
        t.push(vec![
            Cell::text(&it.name),
            Cell::text(it.label.clone().unwrap_or_default()),
            Cell::text(cname(a, it.construct)),
            Cell::num(at(&f.weights, k), D),
            Cell::num(at(&f.loadings, k), D),
            Cell::opt(at_opt(&a.quality.indicator_vif, k), D, "-"),
            Cell::num(at(&f.means, k), 2),
        ]);
    }
    t
}

/// A lower-triangular construct matrix (`diag` decides whether the diagonal is shown).
fn construct_matrix(
    a: &Analysis,
    id: &str,
    title: &str,
    diag: bool,
    which: &[usize],
    value: impl Fn(usize, usize) -> f64,
) -> Table {
    let mut head: Vec<String> = vec![String::new()];
    head.extend(which.iter().map(|&j| cname(a, j)));
    let head: Vec<&str> = head.iter().map(|s| s.as_str()).collect();
    let mut t = Table::new(id, title, &head, 1);
    for &i in which {
        let mut row = vec![Cell::text(cname(a, i))];
        for &j in which {
            row.push(if j < i || (diag && j == i) {
                Cell::num(value(i, j), D)
            } else {
                Cell::Empty
            });
        }
        t.push(row);
    }
    t
}

/// The constructs of the discriminant-validity tables (Fornell-Larcker, the columns
/// of the cross-loadings): every construct up to
/// [`crate::limits::FULL_DISCRIMINANT_MAX_CONSTRUCTS`], the multi-item ones above it.
pub(crate) fn discriminant_constructs(a: &Analysis) -> Vec<usize> {
    if discriminant_restricted(a) {
        multi_item(a)
    } else {
        (0..a.model.n_constructs()).collect()
    }
}

/// True when the model is too large for the full discriminant-validity tables.
pub(crate) fn discriminant_restricted(a: &Analysis) -> bool {
    a.model.n_constructs() > crate::limits::FULL_DISCRIMINANT_MAX_CONSTRUCTS
}

/// The note of a table kept to the multi-item constructs.
fn restricted_note(a: &Analysis) -> String {
    format!(
        "The model has {} constructs (more than {}): only the {} constructs with two or more items are shown.",
        a.model.n_constructs(),
        crate::limits::FULL_DISCRIMINANT_MAX_CONSTRUCTS,
        multi_item(a).len()
    )
}

/// Constructs with two or more items (the blocks HTMT is defined for).
fn multi_item(a: &Analysis) -> Vec<usize> {
    (0..a.model.n_constructs())
        .filter(|&j| {
            a.model
                .constructs
                .get(j)
                .is_some_and(|c| c.items.len() >= 2)
        })
        .collect()
}

/// `htmt`: the HTMT matrix, lower triangle.
pub fn htmt(a: &Analysis) -> Table {
    // HTMT needs two multi-item blocks: single-item constructs have no row or column
    let multi = multi_item(a);
    let mut t = construct_matrix(
        a,
        "htmt",
        "Discriminant validity (HTMT)",
        false,
        &multi,
        |i, j| cell(&a.quality.htmt, i, j),
    );
    if multi.len() < 2 {
        t.note("HTMT needs two constructs with two or more items each.");
    }
    t.note("HTMT below 0.90 (0.85 for conceptually distinct constructs) supports discriminant validity (Henseler, Ringle and Sarstedt 2015).");
    t
}

/// `htmt_intervals`: every pair's HTMT with its bootstrap interval; `None` when the
/// bootstrap holds no HTMT statistics.
pub fn htmt_intervals(a: &Analysis, b: &BootstrapResult) -> Option<Table> {
    let mut t = Table::new(
        "htmt_intervals",
        &format!(
            "HTMT with {:.0}% bootstrap intervals ({})",
            b.level * 100.0,
            b.ci.as_str()
        ),
        &["pair", "HTMT", "CI", "upper < 0.90"],
        1,
    );
    let multi = multi_item(a);
    for (x, &i) in multi.iter().enumerate() {
        for &j in multi.iter().skip(x + 1) {
            let st = b.stat(Stat::Htmt { a: i, b: j })?;
            let below = if st.ci_high.is_finite() {
                if st.ci_high < 0.90 {
                    "yes"
                } else {
                    "no"
                }
            } else {
                "-"
            };
            t.push(vec![
                Cell::text(format!("{} / {}", cname(a, i), cname(a, j))),
                Cell::num(cell(&a.quality.htmt, i, j), D),
                Cell::text(super::text::interval(st.ci_low, st.ci_high, D)),
                Cell::text(below),
            ]);
        }
    }
    t.note("An upper bound below 0.90 shows the two constructs are distinct (HTMT inference).");
    Some(t)
}

/// `fornell_larcker`: sqrt(AVE) on the diagonal, construct correlations below it.
pub fn fornell_larcker(a: &Analysis) -> Table {
    let mut t = construct_matrix(
        a,
        "fornell_larcker",
        "Fornell-Larcker criterion",
        true,
        &discriminant_constructs(a),
        |i, j| cell(&a.quality.fornell_larcker, i, j),
    );
    if discriminant_restricted(a) {
        t.note(restricted_note(a));
    }
    t.note("Diagonal: square root of the AVE; below it: construct correlations. Discriminant validity: each diagonal value exceeds the correlations in its row and column (Fornell and Larcker 1981).");
    t
}

/// `cross_loadings`: the correlation of each item with each construct score.
pub fn cross_loadings(a: &Analysis) -> Table {
    let m = &a.model;
    let shown = discriminant_constructs(a);
    let mut head: Vec<String> = vec!["item".into(), "construct".into()];
    head.extend(shown.iter().map(|&j| cname(a, j)));
    let head: Vec<&str> = head.iter().map(|s| s.as_str()).collect();
    let mut t = Table::new("cross_loadings", "Cross-loadings", &head, 2);
    for (k, it) in m.items.iter().enumerate() {
        let mut row = vec![Cell::text(&it.name), Cell::text(cname(a, it.construct))];
        row.extend(
            shown
                .iter()
                .map(|&j| Cell::num(cell(&a.fit.cross_loadings, k, j), D)),
        );
        t.push(row);
    }
    if discriminant_restricted(a) {
        t.note(restricted_note(a));
    }
    t.note("Each item should load highest on its own construct.");
    t
}

/// `inner_vif`: VIF of each predictor in each structural equation.
pub fn inner_vif(a: &Analysis) -> Table {
    let mut t = Table::new(
        "inner_vif",
        "Collinearity of the structural model (inner VIF)",
        &["path", "VIF"],
        1,
    );
    for v in &a.quality.inner_vif {
        t.push(vec![
            Cell::text(arrow(a, v.from, v.to)),
            Cell::num(v.value, D),
        ]);
    }
    t.note("VIF above 5 (strictly, 3) signals collinear predictors.");
    t
}

/// Cohen's label of an f² (0.02 small, 0.15 medium, 0.35 large).
fn effect_size(f2: f64) -> &'static str {
    if !f2.is_finite() {
        "-"
    } else if f2 >= 0.35 {
        "large"
    } else if f2 >= 0.15 {
        "medium"
    } else if f2 >= 0.02 {
        "small"
    } else {
        "none"
    }
}

/// `f2`: both f² definitions side by side.
pub fn f2(a: &Analysis) -> Table {
    let mut t = Table::new(
        "f2",
        "Effect sizes (f²)",
        &["path", "f²", "size", "f² re-estimated"],
        1,
    );
    for (p, r) in a.quality.f2.iter().zip(&a.quality.f2_reestimated) {
        t.push(vec![
            Cell::text(arrow(a, p.from, p.to)),
            Cell::num(p.value, D),
            Cell::text(effect_size(p.value)),
            Cell::num(r.value, D),
        ]);
    }
    t.note("f² = (R²_incl - R²_excl) / (1 - R²_incl). f²: R²_excl from the same scores without the predictor (cSEM, ADANCO, SmartPLS); re-estimated: the PLS model estimated again without the path (seminr). 0.02 small, 0.15 medium, 0.35 large (Cohen 1988).");
    t
}

/// `information_criteria`: AIC and BIC per endogenous construct.
pub fn information_criteria(a: &Analysis, divisor: Divisor) -> Table {
    let mut t = Table::new(
        "information_criteria",
        "Model selection criteria",
        &["construct", "predictors", "R2", "AIC", "BIC"],
        1,
    );
    for c in crate::criteria::information_criteria(&a.model, &a.fit, divisor) {
        t.push(vec![
            Cell::text(cname(a, c.construct)),
            Cell::text(c.predictors.to_string()),
            Cell::opt(at_opt(&a.fit.r2, c.construct), D, "-"),
            Cell::num(c.aic, 2),
            Cell::num(c.bic, 2),
        ]);
    }
    t.note(format!(
        "AIC = n ln(SSE/n) + 2(p+1), BIC = n ln(SSE/n) + (p+1) ln n, SSE = (1 - R²) {} (seminr; Sharma et al. 2019). Lower is better; compare models on the same respondents only.",
        match divisor {
            Divisor::NMinus1 => "(n - 1)",
            Divisor::N => "n",
        }
    ));
    t
}

/// `model_fit`: the distances of [`crate::model_fit`], saturated and estimated, with
/// HI95/HI99 when the exact-fit test ran.
pub fn model_fit(mf: &crate::model_fit::ModelFit) -> Table {
    use crate::model_fit::Discrepancy;
    let t = mf.test.as_ref();
    let (ts, te) = (
        t.and_then(|t| t.saturated.as_ref()),
        t.and_then(|t| t.estimated.as_ref()),
    );
    let tested = ts.is_some() || te.is_some();
    let mut head = vec!["measure", "saturated"];
    if tested {
        head.extend(["HI95", "HI99"]);
    }
    head.push("estimated");
    if tested {
        head.extend(["HI95", "HI99"]);
    }
    let mut tab = Table::new(
        "model_fit",
        &format!(
            "Model fit ({} model-implied correlations; d_G with base-10 logarithms)",
            mf.implied.as_str().replace('_', "-")
        ),
        &head,
        1,
    );
    type Pick = fn(&Discrepancy) -> f64;
    type PickQ = fn(&crate::model_fit::ExactFitTest) -> crate::model_fit::Quantiles;
    let rows: [(&str, Pick, PickQ); 3] = [
        ("SRMR", |d| d.srmr, |e| e.srmr),
        ("d_ULS", |d| d.d_uls, |e| e.d_uls),
        ("d_G", |d| d.d_g, |e| e.d_g),
    ];
    // a distance or quantile that is not available reads "n/a"
    let f = |v: f64| Cell::opt(v.is_finite().then_some(v), 4, "n/a");
    for (name, pick, pq) in rows {
        let mut r = vec![Cell::text(name), f(pick(&mf.saturated))];
        if tested {
            r.push(ts.map_or(Cell::text("n/a"), |e| f(pq(e).hi95)));
            r.push(ts.map_or(Cell::text("n/a"), |e| f(pq(e).hi99)));
        }
        r.push(f(pick(&mf.estimated)));
        if tested {
            r.push(te.map_or(Cell::text("n/a"), |e| f(pq(e).hi95)));
            r.push(te.map_or(Cell::text("n/a"), |e| f(pq(e).hi99)));
        }
        tab.push(r);
    }
    if tested {
        tab.note("A distance above HI95 (HI99) rejects exact fit at the 5% (1%) level (bootstrap under the Beran-Srivastava transformation).");
        for p in t.iter().flat_map(|t| &t.problems) {
            tab.note(format!("note: {p}"));
        }
    } else {
        tab.note("SRMR below 0.08 is the usual rule of thumb; --bootstrap N adds the test of exact fit (HI95, HI99).");
    }
    tab
}
