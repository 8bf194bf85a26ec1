//! The programme's documents: the `csi-program/v1` JSON, the text a programme manager
//! reads, and the truth document of a simulated programme.
//!
//! The text has, in order: a summary (with the number of significant movers), the
//! national, sector and industry indices of the target construct in the last wave
//! with their change since the wave before, the national index of every construct
//! wave by wave, the companies ranked within each industry (with the company against
//! its industry and the change), then the significant movers, most significant first.
//! Stars follow the *adjusted* p value.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::text::{stars, Table};
use super::{construct_name, num};
use crate::program::simulate::SimProgramme;
use crate::program::{Change, IndexEstimate, Level, Program, Status, Versus};
use serde_json::{json, Map, Value};
use std::fmt::Write;

fn estimate_json(name: &str, e: &IndexEstimate) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("name".into(), json!(name));
    o.insert("index".into(), num(e.index));
    o.insert("se".into(), num(e.se));
    o.insert("ci_low".into(), num(e.ci_low));
    o.insert("ci_high".into(), num(e.ci_high));
    o
}

/// Every company-wave: counts, status and the construct indices.
fn companies_json(p: &Program) -> Vec<Value> {
    let m = &p.model;
    let cname = |j: usize| construct_name(m, j).to_string();
    let wave = |w: usize| p.waves.get(w).cloned().unwrap_or_default();
    p.cells
        .iter()
        .map(|c| {
            let mut o = Map::new();
            o.insert("company".into(), json!(c.company));
            o.insert("industry".into(), json!(c.industry));
            o.insert("sector".into(), json!(c.sector));
            o.insert("wave".into(), json!(wave(c.wave)));
            o.insert("n".into(), json!(c.n));
            o.insert("n_read".into(), json!(c.n_read));
            o.insert("status".into(), json!(c.status.as_str()));
            o.insert("message".into(), json!(c.message));
            if c.status == Status::Ok {
                o.insert("converged".into(), json!(c.converged));
                if p.options.resamples > 0 {
                    o.insert("resamples_failed".into(), json!(c.resamples_failed));
                }
                o.insert("warnings".into(), json!(c.warnings));
            }
            let cons: Vec<Value> = c
                .constructs
                .iter()
                .enumerate()
                .map(|(j, e)| {
                    let mut x = estimate_json(&cname(j), e);
                    if let Some(why) = c.index_problems.get(j).and_then(Option::as_ref) {
                        x.insert("problem".into(), json!(why));
                    }
                    Value::Object(x)
                })
                .collect();
            o.insert("constructs".into(), Value::Array(cons));
            Value::Object(o)
        })
        .collect()
}

/// Every aggregate (national, sector, industry) per wave.
fn aggregates_json(p: &Program) -> Vec<Value> {
    let m = &p.model;
    let cname = |j: usize| construct_name(m, j).to_string();
    let wave = |w: usize| p.waves.get(w).cloned().unwrap_or_default();
    p.aggregates
        .iter()
        .map(|a| {
            let mut o = Map::new();
            o.insert("level".into(), json!(a.level.as_str()));
            o.insert("name".into(), json!(a.name));
            if let Some(s) = &a.parent {
                o.insert("sector".into(), json!(s));
            }
            o.insert("wave".into(), json!(wave(a.wave)));
            o.insert("n_companies".into(), json!(a.n_companies));
            o.insert("n_listed".into(), json!(a.n_listed));
            let cons: Vec<Value> = a
                .constructs
                .iter()
                .enumerate()
                .map(|(j, e)| {
                    let mut x = estimate_json(&cname(j), e);
                    x.insert("n_companies".into(), json!(a.n_companies_construct.get(j)));
                    Value::Object(x)
                })
                .collect();
            o.insert("constructs".into(), Value::Array(cons));
            Value::Object(o)
        })
        .collect()
}

/// Every change between consecutive waves.
fn changes_json(p: &Program) -> Vec<Value> {
    let m = &p.model;
    let cname = |j: usize| construct_name(m, j).to_string();
    let wave = |w: usize| p.waves.get(w).cloned().unwrap_or_default();
    p.changes
        .iter()
        .map(|c| {
            let mut o = Map::new();
            o.insert("level".into(), json!(c.level.as_str()));
            o.insert("name".into(), json!(c.name));
            o.insert("from".into(), json!(wave(c.from)));
            o.insert("to".into(), json!(wave(c.to)));
            o.insert("construct".into(), json!(cname(c.construct)));
            o.insert("difference".into(), num(c.stat.difference));
            o.insert("se".into(), num(c.stat.se));
            o.insert("ci_low".into(), num(c.stat.ci_low));
            o.insert("ci_high".into(), num(c.stat.ci_high));
            o.insert("p".into(), num(c.stat.p));
            o.insert("p_adjusted".into(), num(c.p_adjusted));
            if let Some(s) = c.same_companies {
                o.insert("same_companies".into(), json!(s));
            }
            Value::Object(o)
        })
        .collect()
}

/// Every company against its industry.
fn versus_json(p: &Program) -> Vec<Value> {
    let m = &p.model;
    let cname = |j: usize| construct_name(m, j).to_string();
    let wave = |w: usize| p.waves.get(w).cloned().unwrap_or_default();
    p.versus
        .iter()
        .map(|v| {
            let mut o = Map::new();
            o.insert("company".into(), json!(v.company));
            o.insert("wave".into(), json!(wave(v.wave)));
            o.insert("construct".into(), json!(cname(v.construct)));
            o.insert("industry".into(), json!(v.industry));
            o.insert("difference".into(), num(v.stat.difference));
            o.insert("se".into(), num(v.stat.se));
            o.insert("ci_low".into(), num(v.stat.ci_low));
            o.insert("ci_high".into(), num(v.stat.ci_high));
            o.insert("p".into(), num(v.stat.p));
            o.insert("p_adjusted".into(), num(v.p_adjusted));
            if v.sole {
                o.insert("sole".into(), json!(true));
            }
            Value::Object(o)
        })
        .collect()
}

/// The `csi-program/v1` document (contract: `csi program --json`).
pub fn to_json(p: &Program) -> Value {
    let m = &p.model;
    let companies = companies_json(p);
    let aggregates = aggregates_json(p);
    let changes = changes_json(p);
    let versus = versus_json(p);
    let s = &p.options.fit;
    let bootstrap = if p.options.resamples > 0 {
        json!({
            "resamples": p.options.resamples,
            "seed": p.options.seed,
            "ci": "percentile",
            "level": p.options.level,
            "failed": p.resamples_failed(),
            "seeds": "per company-wave: cell_seed(seed, company, wave); replicate r on stream r",
        })
    } else {
        Value::Null
    };
    let finite = |v: &mut dyn Iterator<Item = f64>| v.filter(|x| x.is_finite()).count();
    json!({
        "schema": "csi-program/v1",
        "model": m.name,
        "data": p.file,
        "company_column": p.design.company,
        "wave_column": p.design.wave,
        "hierarchy": p.design.hierarchy.as_ref().map(|h| h.file.clone()),
        "sector_weights": p.design.sector_weights.as_ref().map(|h| h.file.clone()),
        "settings": {
            "estimator": "pls",
            "scheme": s.pls.scheme.as_str(),
            "indicators": s.pls.indicators.as_str(),
            "tolerance": s.pls.tolerance,
            "max_iter": s.pls.max_iter,
            "missing": s.missing.as_str(),
            "min_n": p.min_n,
        },
        "bootstrap": bootstrap,
        "tests": {
            "p": "two-sided, normal approximation with the bootstrap standard error of the difference",
            "adjust": p.options.adjust.as_str(),
            "changes_tested": finite(&mut p.changes.iter().map(|c| c.stat.p)),
            "versus_tested": finite(&mut p.versus.iter().map(|c| c.stat.p)),
        },
        "waves": p.waves,
        "companies": companies,
        "aggregates": aggregates,
        "changes": changes,
        "versus": versus,
        "warnings": p.warnings,
    })
}

/// Text safe for a terminal: control characters removed.
fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

fn f1(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1}")
    } else {
        "-".into()
    }
}

fn signed(x: f64) -> String {
    if x.is_finite() {
        format!("{x:+.1}")
    } else {
        "-".into()
    }
}

fn ci(lo: f64, hi: f64) -> String {
    if lo.is_finite() && hi.is_finite() {
        format!("[{lo:.1}, {hi:.1}]")
    } else {
        "-".into()
    }
}

fn pv(p: f64) -> String {
    if !p.is_finite() {
        "-".into()
    } else if p < 0.0001 {
        "<0.0001".into()
    } else {
        format!("{p:.4}")
    }
}

/// The construct the text is about: `wanted`, else `SAT`, else the construct with the
/// most predecessors.
fn target(p: &Program, wanted: Option<usize>) -> usize {
    let m = &p.model;
    wanted
        .filter(|&j| j < m.n_constructs())
        .or_else(|| {
            m.constructs
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case("SAT"))
        })
        .unwrap_or_else(|| {
            (0..m.n_constructs())
                .max_by_key(|&j| (m.predecessors(j).len(), j))
                .unwrap_or(0)
        })
}

fn change_of<'a>(
    p: &'a Program,
    level: Level,
    name: &str,
    to: usize,
    j: usize,
) -> Option<&'a Change> {
    p.changes
        .iter()
        .find(|c| c.level == level && c.name == name && c.to == to && c.construct == j)
}

fn versus_of(p: &Program, cell: usize, j: usize) -> Option<&Versus> {
    p.versus.iter().find(|v| v.cell == cell && v.construct == j)
}

/// What every section of the programme text needs.
struct TextReport<'a> {
    p: &'a Program,
    /// The target construct.
    j: usize,
    /// 1 - the confidence level, for display.
    alpha_txt: String,
    last: usize,
    boot: bool,
    has_change: bool,
    /// Changes with adjusted p < alpha, by level, p and size.
    movers: Vec<&'a Change>,
}

/// The human-readable programme report. `wanted` is the construct of the overview
/// and the rankings (`None`: SAT, else the construct with the most predecessors).
pub fn to_text(p: &Program, wanted: Option<usize>) -> String {
    let mut out = String::new();
    let alpha = 1.0 - p.options.level;
    let last = p.waves.len() - 1;
    let r = TextReport {
        p,
        j: target(p, wanted),
        // for display: 1 - 0.95 is 0.050000000000000044 in binary
        alpha_txt: format!("{}", (alpha * 1e9).round() / 1e9),
        last,
        boot: p.options.resamples > 0,
        has_change: last > 0,
        movers: movers(p, alpha),
    };
    r.summary(&mut out);
    if p.design.hierarchy.is_some() {
        r.overview(&mut out);
        r.national_by_wave(&mut out);
    } else {
        let _ = writeln!(
            out,
            "no --hierarchy: no industry, sector or national indices\n"
        );
    }
    r.rankings(&mut out);
    r.not_estimated(&mut out);
    if p.waves.len() > 1 {
        r.movers_section(&mut out);
    }
    if !p.warnings.is_empty() {
        out.push('\n');
        for w in &p.warnings {
            let _ = writeln!(out, "note: {}", clean(w));
        }
    }
    out
}

/// The changes with adjusted p < `alpha`: by level, then p, then size.
fn movers(p: &Program, alpha: f64) -> Vec<&Change> {
    let mut v: Vec<&Change> = p.changes.iter().filter(|c| c.p_adjusted < alpha).collect();
    v.sort_by(|a, b| {
        a.level
            .cmp(&b.level)
            .then(a.p_adjusted.total_cmp(&b.p_adjusted))
            .then(b.stat.difference.abs().total_cmp(&a.stat.difference.abs()))
    });
    v
}

impl TextReport<'_> {
    fn cname(&self, j: usize) -> String {
        clean(construct_name(&self.p.model, j))
    }

    fn wname(&self, w: usize) -> String {
        clean(self.p.waves.get(w).map_or("", String::as_str))
    }

    /// Counts, bootstrap and adjustment settings, and the number of movers.
    fn summary(&self, out: &mut String) {
        let (p, m, h) = (self.p, &self.p.model, self.p.design.hierarchy.as_ref());
        let (boot, alpha_txt, movers) = (self.boot, &self.alpha_txt, &self.movers);
        let _ = write!(
            out,
            "Programme {}: {} companies",
            clean(&m.name),
            p.companies.len()
        );
        if let Some(h) = h {
            let _ = write!(
                out,
                " in {} industries and {} sectors",
                h.industries().len(),
                h.sectors().len()
            );
        }
        let _ = writeln!(
            out,
            ", {} wave(s): {} (data {})",
            p.waves.len(),
            p.waves
                .iter()
                .map(|w| clean(w))
                .collect::<Vec<_>>()
                .join(", "),
            clean(&p.file)
        );
        let count = |s: Status| p.cells.iter().filter(|c| c.status == s).count();
        let _ = writeln!(
            out,
            "company-waves: {} estimated, {} insufficient (< {} usable respondents), {} failed",
            count(Status::Ok),
            count(Status::Insufficient),
            p.min_n,
            count(Status::Failed)
        );
        self.bootstrap_summary(out);
        if p.waves.len() > 1 && boot {
            let comp: std::collections::BTreeSet<&str> = movers
                .iter()
                .filter(|c| c.level == Level::Company)
                .map(|c| c.name.as_str())
                .collect();
            let _ = writeln!(
                out,
                "significant movers (adjusted p < {alpha_txt}): {} changes of {} companies and {} aggregate changes; listed at the end",
                movers.iter().filter(|c| c.level == Level::Company).count(),
                comp.len(),
                movers.iter().filter(|c| c.level != Level::Company).count()
            );
        }
        out.push('\n');
    }

    /// The bootstrap and the multiple-comparison adjustment (or that there is none).
    fn bootstrap_summary(&self, out: &mut String) {
        let (p, boot, alpha_txt) = (self.p, self.boot, &self.alpha_txt);
        if boot {
            let _ = write!(
                out,
                "{} bootstrap resamples per company-wave (seed {}), {:.0}% percentile intervals, {} failed",
                p.options.resamples,
                p.options.seed,
                p.options.level * 100.0,
                p.resamples_failed(),
            );
            let (n_changes, n_versus) = (
                p.changes.iter().filter(|c| c.stat.p.is_finite()).count(),
                p.versus.iter().filter(|c| c.stat.p.is_finite()).count(),
            );
            if n_changes + n_versus > 0 {
                let _ = write!(
                    out,
                    "; p values adjusted by {} across {n_changes} changes and, separately, {n_versus} company-versus-industry tests",
                    match p.options.adjust {
                        crate::adjust::Adjust::Holm => "Holm",
                        crate::adjust::Adjust::Bh => "Benjamini-Hochberg",
                        crate::adjust::Adjust::None => "nothing (unadjusted)",
                    },
                );
            }
            out.push('\n');
            let family = p.changes.len().max(p.versus.len());
            if p.options.adjust == crate::adjust::Adjust::Holm && family > 200 {
                let _ = writeln!(
                    out,
                    "(Holm keeps the chance of any false flag below {alpha_txt} across {family} tests and misses many real changes; --adjust bh controls the share of false flags instead)"
                );
            }
        } else {
            let _ = writeln!(
                out,
                "no bootstrap (--bootstrap N): indices and differences without intervals or tests"
            );
        }
    }

    /// The target construct's national, sector and industry indices in the last wave,
    /// with their change since the wave before.
    fn overview(&self, out: &mut String) {
        let (m, h) = (&self.p.model, self.p.design.hierarchy.as_ref());
        let (j, last, has_change) = (self.j, self.last, self.has_change);
        let cname = |j: usize| self.cname(j);
        let wname = |w: usize| self.wname(w);
        let label = m.construct_label(j);
        let _ = writeln!(
            out,
            "{} {} in {}{}",
            cname(j),
            if label != construct_name(m, j) {
                format!("({})", clean(label))
            } else {
                String::new()
            },
            wname(last),
            if has_change {
                format!(", change since {}", wname(last - 1))
            } else {
                String::new()
            }
        );
        let mut t = Table::new(
            &[
                "",
                "companies",
                "index",
                "95% CI",
                "change",
                "95% CI",
                "adj. p",
                "",
            ],
            1,
        );
        self.aggregate_row(&mut t, Level::National, "national", "");
        if let Some(h) = h {
            for s in h.sectors() {
                self.aggregate_row(&mut t, Level::Sector, s, "  ");
                for i in h.industries() {
                    if h.sector_of(i) == Some(s) {
                        self.aggregate_row(&mut t, Level::Industry, i, "    ");
                    }
                }
            }
        }
        out.push_str(&t.render());
        out.push('\n');
    }

    /// One aggregate's row of the overview: companies, index, change, adjusted p.
    fn aggregate_row(&self, t: &mut Table, lvl: Level, name: &str, indent: &str) {
        let (p, j, last, has_change) = (self.p, self.j, self.last, self.has_change);
        let Some(a) = p.aggregate(lvl, name, last) else {
            return;
        };
        let Some(e) = a.constructs.get(j) else {
            return;
        };
        let ch = if has_change {
            change_of(p, lvl, name, last, j)
        } else {
            None
        };
        let note = match ch.and_then(|c| c.same_companies) {
            Some(false) => " (other companies)",
            _ => "",
        };
        t.row(vec![
            format!("{indent}{}", clean(name)),
            if a.n_companies == a.n_listed {
                a.n_companies.to_string()
            } else {
                format!("{} of {}", a.n_companies, a.n_listed)
            },
            f1(e.index),
            ci(e.ci_low, e.ci_high),
            ch.map(|c| signed(c.stat.difference))
                .unwrap_or_else(|| "-".into()),
            ch.map(|c| ci(c.stat.ci_low, c.stat.ci_high))
                .unwrap_or_else(|| "-".into()),
            ch.map(|c| pv(c.p_adjusted)).unwrap_or_else(|| "-".into()),
            ch.map(|c| format!("{}{note}", stars(c.p_adjusted)))
                .unwrap_or_default(),
        ]);
    }

    /// The national index of every construct, wave by wave.
    fn national_by_wave(&self, out: &mut String) {
        let (p, m) = (self.p, &self.p.model);
        let cname = |j: usize| self.cname(j);
        let wname = |w: usize| self.wname(w);
        let mut head: Vec<String> = vec!["national".into()];
        head.extend((0..p.waves.len()).map(wname));
        let head_ref: Vec<&str> = head.iter().map(String::as_str).collect();
        let mut t = Table::new(&head_ref, 1);
        for jj in 0..m.n_constructs() {
            let mut row = vec![cname(jj)];
            for w in 0..p.waves.len() {
                let v = p
                    .aggregate(Level::National, "national", w)
                    .and_then(|a| a.constructs.get(jj))
                    .map(|e| e.index)
                    .unwrap_or(f64::NAN);
                let st = if w > 0 {
                    change_of(p, Level::National, "national", w, jj)
                        .map(|c| stars(c.p_adjusted))
                        .unwrap_or("")
                } else {
                    ""
                };
                row.push(format!("{}{st}", f1(v)));
            }
            t.row(row);
        }
        out.push_str(&t.render());
        out.push_str("(stars: change since the previous wave, adjusted p)\n\n");
    }

    /// The companies ranked by the target construct within their industry (or all).
    fn rankings(&self, out: &mut String) {
        let (p, h) = (self.p, self.p.design.hierarchy.as_ref());
        let (j, last) = (self.j, self.last);
        let cname = |j: usize| self.cname(j);
        let wname = |w: usize| self.wname(w);
        let groups: Vec<(Option<String>, Vec<usize>)> = match h {
            Some(h) => h
                .industries()
                .into_iter()
                .map(|i| {
                    let cells = (0..p.companies.len())
                        .map(|c| c * p.waves.len() + last)
                        .filter(|&k| {
                            p.cells
                                .get(k)
                                .is_some_and(|c| c.industry.as_deref() == Some(i))
                        })
                        .collect();
                    (Some(i.to_string()), cells)
                })
                .collect(),
            None => vec![(
                None,
                (0..p.companies.len())
                    .map(|c| c * p.waves.len() + last)
                    .collect(),
            )],
        };
        let _ = writeln!(
            out,
            "Companies ranked by {} in {}{}",
            cname(j),
            wname(last),
            if h.is_some() {
                " within their industry"
            } else {
                ""
            }
        );
        let index_of = |k: usize| {
            p.cells
                .get(k)
                .and_then(|c| c.constructs.get(j))
                .map_or(f64::NAN, |e| e.index)
        };
        let company_of = |k: usize| p.cells.get(k).map(|c| c.company.as_str());
        for (ind, mut cells) in groups {
            cells.sort_by(|&a, &b| {
                let (x, y) = (index_of(a), index_of(b));
                match (x.is_finite(), y.is_finite()) {
                    (true, true) => y.total_cmp(&x),
                    (true, false) => std::cmp::Ordering::Less,
                    (false, true) => std::cmp::Ordering::Greater,
                    _ => company_of(a).cmp(&company_of(b)),
                }
            });
            if let Some(i) = &ind {
                let agg = p.aggregate(Level::Industry, i, last);
                let sector = h.and_then(|h| h.sector_of(i)).unwrap_or("");
                let _ = writeln!(
                    out,
                    "\n{} ({}): industry index {} {}",
                    clean(i),
                    clean(sector),
                    agg.and_then(|a| a.constructs.get(j))
                        .map(|e| f1(e.index))
                        .unwrap_or_else(|| "-".into()),
                    agg.and_then(|a| a.constructs.get(j))
                        .map(|e| ci(e.ci_low, e.ci_high))
                        .unwrap_or_default(),
                );
            }
            self.ranking_table(out, ind.is_some(), &cells);
        }
    }

    /// One ranking table: rank, company, n, index, and (with an industry) the company
    /// against its industry and (several waves) the change.
    fn ranking_table(&self, out: &mut String, in_industry: bool, cells: &[usize]) {
        let (p, j, last, has_change) = (self.p, self.j, self.last, self.has_change);
        let mut head = vec!["rank", "company", "n", "index", "95% CI"];
        if in_industry {
            head.extend(["vs industry", "adj. p", ""]);
        }
        if has_change {
            head.extend(["change", "adj. p", ""]);
        }
        let mut t = Table::new(&head, 2);
        let mut rank = 0;
        for &k in cells {
            let Some(c) = p.cells.get(k) else {
                continue;
            };
            let Some(e) = c.constructs.get(j) else {
                continue;
            };
            let ok = c.status == Status::Ok && e.index.is_finite();
            if ok {
                rank += 1;
            }
            let mut row = vec![
                if ok { rank.to_string() } else { String::new() },
                clean(&c.company),
                c.n.to_string(),
            ];
            if ok {
                row.push(f1(e.index));
                row.push(ci(e.ci_low, e.ci_high));
            } else {
                let why = match c.status {
                    Status::Ok => "index undefined".to_string(),
                    s => s.as_str().to_string(),
                };
                row.push(why);
                row.push(String::new());
            }
            if in_industry {
                match versus_of(p, k, j) {
                    Some(v) if v.sole => {
                        row.extend(["sole company".into(), String::new(), String::new()])
                    }
                    Some(v) => row.extend([
                        signed(v.stat.difference),
                        pv(v.p_adjusted),
                        stars(v.p_adjusted).into(),
                    ]),
                    None => row.extend(["-".into(), String::new(), String::new()]),
                }
            }
            if has_change {
                match change_of(p, Level::Company, &c.company, last, j) {
                    Some(ch) => row.extend([
                        signed(ch.stat.difference),
                        pv(ch.p_adjusted),
                        stars(ch.p_adjusted).into(),
                    ]),
                    None => row.extend(["-".into(), String::new(), String::new()]),
                }
            }
            t.row(row);
        }
        out.push_str(&t.render());
    }

    /// The company-waves not estimated, with reasons.
    fn not_estimated(&self, out: &mut String) {
        let p = self.p;
        let wname = |w: usize| self.wname(w);
        let not_ok: Vec<_> = p.cells.iter().filter(|c| c.status != Status::Ok).collect();
        if !not_ok.is_empty() {
            let _ = writeln!(out, "\nNot estimated ({} company-waves)", not_ok.len());
            let mut t = Table::new(&["company", "wave", "n", "status", "why"], 5);
            for c in not_ok {
                t.row(vec![
                    clean(&c.company),
                    wname(c.wave),
                    c.n.to_string(),
                    c.status.as_str().into(),
                    clean(c.message.as_deref().unwrap_or("")),
                ]);
            }
            out.push_str(&t.render());
        }
    }

    /// The significant changes between consecutive waves, every construct.
    fn movers_section(&self, out: &mut String) {
        let (p, boot, alpha_txt, movers) = (self.p, self.boot, &self.alpha_txt, &self.movers);
        let cname = |j: usize| self.cname(j);
        let wname = |w: usize| self.wname(w);
        let _ = writeln!(
            out,
            "\nSignificant movers: changes between consecutive waves with adjusted p < {alpha_txt}, every construct"
        );
        if movers.is_empty() {
            let _ = writeln!(
                out,
                "{}",
                if boot {
                    "none"
                } else {
                    "no tests without --bootstrap"
                }
            );
        } else {
            let mut t = Table::new(
                &[
                    "level",
                    "name",
                    "construct",
                    "waves",
                    "change",
                    "95% CI",
                    "p",
                    "adj. p",
                    "",
                ],
                4,
            );
            for c in movers.iter() {
                t.row(vec![
                    c.level.as_str().into(),
                    clean(&c.name),
                    cname(c.construct),
                    format!("{} -> {}", wname(c.from), wname(c.to)),
                    signed(c.stat.difference),
                    ci(c.stat.ci_low, c.stat.ci_high),
                    pv(c.stat.p),
                    pv(c.p_adjusted),
                    stars(c.p_adjusted).into(),
                ]);
            }
            out.push_str(&t.render());
        }
        let rest = p.changes.len() - movers.len();
        if rest > 0 {
            let _ = writeln!(
                out,
                "{rest} other changes are not significant after adjustment (all changes are in the JSON)"
            );
        }
    }
}

/// The truth document of a simulated programme (`csi-simulate-truth/v1`): the
/// population, every company's true index per wave and construct, the true
/// aggregates (contract weighted means, national with the sector weights) and the
/// planted changes. Its keys mirror `csi-program/v1`.
pub fn truth_json(sim: &SimProgramme, model: &crate::spec::Model) -> Value {
    let cname = |j: usize| construct_name(model, j).to_string();
    let constructs = |v: &[f64]| -> Value {
        Value::Array(
            v.iter()
                .enumerate()
                .map(|(j, x)| json!({"name": cname(j), "index": num(*x)}))
                .collect(),
        )
    };
    let mut companies = Vec::new();
    for ((co, shifts), truth) in sim.companies.iter().zip(&sim.shifts).zip(&sim.truth) {
        for ((w, shift), tr) in sim.waves.iter().zip(shifts).zip(truth) {
            companies.push(json!({
                "company": co.name, "industry": co.industry, "sector": co.sector, "wave": w,
                "weight": co.weight, "n": sim.spec.n,
                "latent_shift": shift.iter().map(|v| num(*v)).collect::<Vec<_>>(),
                "constructs": constructs(tr),
            }));
        }
    }
    let aggregates: Vec<Value> = sim
        .true_aggregates()
        .into_iter()
        .map(|(lvl, name, t, v)| {
            json!({"level": lvl.as_str(), "name": name, "wave": sim.waves.get(t), "constructs": constructs(&v)})
        })
        .collect();
    let planted: Vec<Value> = sim
        .planted
        .iter()
        .map(|p| {
            json!({"level": "company", "name": p.company, "from": sim.waves.get(p.from), "to": sim.waves.get(p.to),
                   "construct": cname(p.construct), "difference": num(p.size)})
        })
        .collect();
    let s = &sim.spec;
    json!({
        "schema": "csi-simulate-truth/v1",
        "model": model.name,
        "population": {
            "measurement": "common factor",
            "loading": s.loading,
            "answer": format!("clamp(round({} + {} * (z + shift * loading)), {}, {})", sim.mean, sim.sd, sim.scale.min, sim.scale.max),
            "paths": sim.paths.iter().map(|(a, b, v)| json!({"from": a, "to": b, "value": v})).collect::<Vec<_>>(),
            "shift": "industry + company + company-construct (+ planted change), latent sd units",
            "industry_sd": s.industry_sd,
            "company_sd": s.company_sd,
            "construct_sd": s.construct_sd,
            "true_index": "expected answer of the construct's items (exact normal integral), rescaled to 0-100; the items of a construct are exchangeable, so the population weights are equal",
        },
        "seed": s.seed,
        "n_per_company_wave": s.n,
        "waves": sim.waves,
        "sectors": sim.sectors.iter().map(|(n, w)| json!({"sector": n, "weight": w})).collect::<Vec<_>>(),
        "companies": companies,
        "aggregates": aggregates,
        "changes": planted,
    })
}
