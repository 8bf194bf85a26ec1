//! The data-gathering layer of `csi report`: [`gather`] runs every analysis the
//! report needs (the subject's fit, bootstrap and IPMA; the competitor comparison;
//! one fit per wave) and returns a plain [`ReportData`] of numbers, words and SVG
//! charts. The HTML template ([`crate::report::html`]) and the workbook
//! ([`crate::report::xlsx`]) only render it; only this function calls the analysis
//! APIs.
//!
//! No respondent-level value enters a [`ReportData`]: every figure is an aggregate
//! (index, mean, rate, count) of at least one whole group.
//!
//! # Subject, wave, competitors
//! * The **subject** is the focus company's respondents (`focus`, with `company`),
//!   or all respondents; `filters` restrict both to a segment first.
//! * With `wave`, the subject and the competitors are taken in the **latest wave**
//!   (waves ordered by their text); the trend section fits the subject's rows of every
//!   wave and tests the change between consecutive waves.
//! * A driver is **uncertain** when its importance or performance interval (with
//!   bootstrap) contains the quadrant split: its quadrant could be the neighbouring one.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

mod collect;
mod quality;
mod sections;
mod summary;

pub use collect::gather;
use quality::quality_section;
use summary::summary_sentences;

use crate::analysis::{Analysis, FitOptions};
use crate::bootstrap::{BootstrapOptions, BootstrapResult};
use crate::data::subset::RowFilter;
use crate::data::Survey;
use crate::error::{Error, Location, Result};
use crate::ipma::{self, short_label, Interval, Ipma, Lang, Level, Split};
use crate::report::chart::quadrant_term;
use crate::spec::Model;
use serde::Serialize;

/// What to put in a report.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// Estimation options.
    pub fit: FitOptions,
    /// Bootstrap (intervals, uncertain priorities, significance).
    pub bootstrap: Option<BootstrapOptions>,
    /// Language; `None` = the model's labels decide ([`Lang::of_model`]).
    pub lang: Option<Lang>,
    /// Target construct (name or label); `None` = `SAT`, else the construct with the
    /// most predecessors.
    pub target: Option<String>,
    /// Company column (competitors section).
    pub company: Option<String>,
    /// The company the report is for (needs `company`).
    pub focus: Option<String>,
    /// Wave column (trend section).
    pub wave: Option<String>,
    /// Segment filters, applied to everything.
    pub filters: Vec<RowFilter>,
    /// Quadrant split.
    pub split: Split,
    /// Performance threshold for the departments' items (default: the item-level
    /// performance split).
    pub threshold: Option<f64>,
    /// Permutations per competitor / wave comparison (0 = none; significance then
    /// comes from the bootstrap intervals). With permutations, significance is the
    /// Holm-adjusted p below 0.05, as in `csi compare`.
    pub permutations: usize,
    /// Columns of the sampling design (`--strata`, `--cluster`): the subject's
    /// bootstrap resamples by them (competitors and waves resample respondents).
    pub strata: Option<String>,
    /// See [`ReportOptions::strata`].
    pub cluster: Option<String>,
    /// The data file name shown in the method section (a name, not a path).
    pub data_name: String,
    /// The command line that reproduces the report.
    pub command: String,
}

/// A name and its display label.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Named {
    /// Name in the model.
    pub name: String,
    /// Display label (the short part of a bilingual label).
    pub label: String,
}

/// An estimate with an optional interval.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Est {
    /// Point estimate.
    pub value: f64,
    /// Lower bound (bootstrap), when known.
    pub low: Option<f64>,
    /// Upper bound.
    pub high: Option<f64>,
}

impl Est {
    fn new(value: f64, ci: Option<(f64, f64)>) -> Est {
        let ci = ci.filter(|c| c.0.is_finite() && c.1.is_finite());
        Est {
            value,
            low: ci.map(|c| c.0),
            high: ci.map(|c| c.1),
        }
    }
    fn contains(&self, x: f64) -> bool {
        matches!((self.low, self.high), (Some(l), Some(h)) if l <= x && x <= h)
    }
}

/// A change between two waves.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Change {
    /// Earlier wave.
    pub from: String,
    /// Later wave.
    pub to: String,
    /// Later minus earlier.
    pub difference: f64,
    /// Bootstrap interval of the difference.
    pub low: Option<f64>,
    /// Upper bound.
    pub high: Option<f64>,
    /// Permutation p value.
    pub p: Option<f64>,
    /// Holm-adjusted permutation p < 0.05 when permutations ran, else the interval
    /// excludes 0; `None` = not tested.
    pub significant: Option<bool>,
}

/// One driver or item on the importance-performance map.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PriorityRow {
    /// 1-based rank in the action list.
    pub rank: usize,
    /// Construct or item.
    pub name: String,
    /// Display label.
    pub label: String,
    /// The construct (for items).
    pub construct: String,
    /// Importance (unstandardized total effect on the target, 0-100 scores).
    pub importance: Est,
    /// Performance (0-100).
    pub performance: Est,
    /// Quadrant key (`concentrate_here`, ...).
    pub quadrant: String,
    /// Quadrant in the report's words (as in the chart).
    pub quadrant_label: String,
    /// An interval contains the split: the quadrant is uncertain.
    pub uncertain: bool,
    /// Department responsible (items).
    pub owner: Option<String>,
}

/// The summary section.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    /// The target's index.
    pub index: Est,
    /// Change since the previous wave.
    pub change: Option<Change>,
    /// Rank among the competitors (1 = best) and their number.
    pub rank: Option<(usize, usize)>,
    /// Three plain sentences.
    pub sentences: Vec<String>,
}

/// The priorities section.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Priorities {
    /// Construct level, in action order.
    pub constructs: Vec<PriorityRow>,
    /// Item level, in action order.
    pub items: Vec<PriorityRow>,
    /// Construct-level split (importance, performance).
    pub construct_split: Option<(f64, f64)>,
    /// Item-level split.
    pub item_split: Option<(f64, f64)>,
    /// How the split was chosen (`mean`, `median`, values).
    pub split: String,
    /// Quadrant chart of the constructs (SVG).
    pub chart_constructs: String,
    /// Quadrant chart of the items (SVG).
    pub chart_items: String,
    /// Quadrant names and what to do, in the report's words.
    pub legend: Vec<(String, String, String)>,
}

/// One item of a department.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DepartmentItem {
    /// The item's priority figures.
    pub row: PriorityRow,
    /// Change of its performance since the previous wave.
    pub change: Option<f64>,
    /// Best competitor's performance on the item, and its name.
    pub best_competitor: Option<(String, f64)>,
    /// Own performance minus the best competitor's.
    pub gap: Option<f64>,
    /// Performance below the threshold.
    pub below: bool,
}

/// One department.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Department {
    /// Its name (`owner`), or a construct label when the model names no owners.
    pub name: String,
    /// Its items: below the threshold first, then by importance.
    pub items: Vec<DepartmentItem>,
    /// Importance-weighted mean performance of its items.
    pub performance: f64,
    /// Items in the concentrate-here quadrant.
    pub n_concentrate: usize,
    /// Items below the threshold.
    pub n_below: usize,
}

/// The departments section.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Departments {
    /// The model names owners (else departments are the constructs).
    pub has_owners: bool,
    /// Performance threshold.
    pub threshold: f64,
    /// League table order: lowest performance first.
    pub list: Vec<Department>,
}

/// One construct's reliability and validity.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QualityRow {
    /// The construct.
    pub construct: Named,
    /// Cronbach's alpha.
    pub alpha: Option<f64>,
    /// Composite reliability.
    pub rho_c: f64,
    /// Dijkstra-Henseler rho_A.
    pub rho_a: f64,
    /// Average variance extracted.
    pub ave: f64,
    /// rho_C >= 0.7.
    pub reliable: bool,
    /// AVE >= 0.5.
    pub convergent: bool,
    /// Largest HTMT with another construct.
    pub htmt_max: Option<f64>,
    /// Largest HTMT < 0.9.
    pub discriminant: bool,
    /// R² (endogenous constructs).
    pub r2: Option<f64>,
}

/// Per-item data quality.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ItemQuality {
    /// The item.
    pub item: Named,
    /// Missing or "cannot answer" answers.
    pub missing: usize,
    /// Their share of the respondents.
    pub missing_rate: f64,
    /// Mean of the observed answers (after reverse-coding).
    pub mean: Option<f64>,
    /// Standard deviation (n-1).
    pub sd: Option<f64>,
}

/// The quality section.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QualitySection {
    /// Respondents in the subject (after filters).
    pub n_read: usize,
    /// Respondents used.
    pub n_used: usize,
    /// Missing-data policy.
    pub missing_policy: String,
    /// Straight-lining respondents.
    pub straight_liners: usize,
    /// Weighted moments.
    pub weighted: bool,
    /// Kish effective sample size (weighted).
    pub n_effective: Option<f64>,
    /// Constructs.
    pub constructs: Vec<QualityRow>,
    /// Items.
    pub items: Vec<ItemQuality>,
    /// Plain-language findings.
    pub findings: Vec<String>,
    /// SRMR (PLS composite-model residuals).
    pub srmr: f64,
}

/// The method section.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Method {
    /// Path diagram (SVG).
    pub path_diagram: String,
    /// Settings as (name, value) pairs.
    pub settings: Vec<(String, String)>,
    /// The command line.
    pub command: String,
    /// csi version.
    pub version: String,
}

/// One company in the league table.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LeagueRow {
    /// Rank (1 = best).
    pub rank: Option<usize>,
    /// Company.
    pub company: String,
    /// Respondents.
    pub n: usize,
    /// The target's index.
    pub index: Option<Est>,
    /// Index minus the leader's.
    pub gap: Option<f64>,
    /// Gap significant: the permutation test's Holm-adjusted p below 0.05 (with
    /// `--permutations`, as the competitor chart's stars), else the bootstrap interval
    /// of the difference excludes 0.
    pub significant: Option<bool>,
    /// The focus company.
    pub is_focus: bool,
    /// Every construct's index, model order.
    pub constructs: Vec<Option<f64>>,
}

/// The competitors section.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Competitors {
    /// Company column.
    pub column: String,
    /// Constructs (columns of the benchmark table).
    pub constructs: Vec<Named>,
    /// League table of the target.
    pub league: Vec<LeagueRow>,
    /// Competitor chart (SVG).
    pub chart: String,
    /// Companies not fitted, with reasons.
    pub excluded: Vec<String>,
    /// Why there is no comparison (fewer than two companies).
    pub note: Option<String>,
}

/// One point of a trend line.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrendPoint {
    /// Wave.
    pub wave: String,
    /// Respondents.
    pub n: usize,
    /// Index.
    pub index: Option<Est>,
}

/// One construct over the waves.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrendSeries {
    /// Construct.
    pub construct: Named,
    /// Target (else a driver).
    pub is_target: bool,
    /// One point per wave.
    pub points: Vec<TrendPoint>,
    /// Changes between consecutive waves.
    pub changes: Vec<Change>,
}

/// The trend section.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Trend {
    /// Wave column.
    pub column: String,
    /// Waves in order.
    pub waves: Vec<String>,
    /// Target first, then its drivers.
    pub series: Vec<TrendSeries>,
    /// Trend chart (SVG), when there are two waves or more.
    pub chart: String,
    /// Why there is no trend (one wave only).
    pub note: Option<String>,
}

/// Everything a report shows.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReportData {
    /// `zh` or `en`.
    pub lang: String,
    /// Model name.
    pub model: String,
    /// Who the report is about (the focus company, or all respondents).
    pub subject: String,
    /// The wave reported (latest), with `--wave`.
    pub wave: Option<String>,
    /// Segment filters, as `COLUMN=VALUE`.
    pub filters: Vec<String>,
    /// The target construct.
    pub target: Named,
    /// Respondents analysed.
    pub n: usize,
    /// Summary.
    pub summary: Summary,
    /// Priorities.
    pub priorities: Priorities,
    /// Departments.
    pub departments: Departments,
    /// Quality.
    pub quality: QualitySection,
    /// Method.
    pub method: Method,
    /// Competitors (with `company`).
    pub competitors: Option<Competitors>,
    /// Trend (with `wave`).
    pub trend: Option<Trend>,
    /// Construct index chart (SVG).
    pub index_chart: String,
    /// Warnings of the analyses.
    pub warnings: Vec<String>,
}

/// The construct a report is about: `wanted` (name or label), else `SAT`, else the
/// endogenous construct with the most predecessors (the last on ties).
///
/// # Errors
/// [`Error::Setting`] (`--target`) as [`ipma::target_index`].
pub fn report_target(model: &Model, wanted: Option<&str>) -> Result<usize> {
    if let Some(w) = wanted {
        return ipma::target_index(model, w.trim());
    }
    if let Some(j) = model
        .constructs
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case("SAT"))
        .filter(|&j| model.is_endogenous(j))
    {
        return Ok(j);
    }
    let mut best = None;
    let mut most = 0;
    for j in 0..model.n_constructs() {
        let k = model.predecessors(j).len();
        if k > 0 && k >= most {
            most = k;
            best = Some(j);
        }
    }
    best.ok_or_else(|| Error::setting("--target", "the model has no endogenous construct"))
}

fn zh(lang: Lang) -> bool {
    lang == Lang::Chinese
}

fn cname(m: &Model, j: usize) -> Named {
    Named {
        name: crate::report::construct_name(m, j).to_string(),
        label: short_label(m.construct_label(j)).to_string(),
    }
}

fn iname(m: &Model, k: usize) -> Named {
    Named {
        name: crate::report::item_name(m, k).to_string(),
        label: short_label(m.item_label(k)).to_string(),
    }
}

fn ci(c: &Option<Interval>) -> Option<(f64, f64)> {
    c.map(|c| (c.low, c.high))
}

fn sig_of(low: f64, high: f64, p_adjusted: f64) -> Option<bool> {
    // the permutation test's multiplicity-adjusted p when there is one (as the
    // competitor chart's stars), else whether the bootstrap interval excludes 0
    if p_adjusted.is_finite() {
        Some(p_adjusted < 0.05)
    } else if low.is_finite() && high.is_finite() {
        Some(low > 0.0 || high < 0.0)
    } else {
        None
    }
}

/// Distinct non-empty values of a column, sorted by their text.
fn waves_of(survey: &Survey, column: &str) -> Result<Vec<String>> {
    let col = survey.extra.get(column).ok_or_else(|| {
        Error::data(
            Location::column(survey.file.clone(), column),
            "--wave: no such column in the data",
        )
    })?;
    let mut v: Vec<String> = col
        .iter()
        .flatten()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    v.sort();
    v.dedup();
    Ok(v)
}

fn index_est(a: &Analysis, boot: Option<&BootstrapResult>, j: usize) -> Option<Est> {
    let v = a.indices.get(j)?.value?;
    let c = boot
        .and_then(|b| b.stat(crate::stat::Stat::Index(j)))
        .map(|s| (s.ci_low, s.ci_high));
    Some(Est::new(v, c))
}

fn priority_rows(model: &Model, map: &Ipma, level: Level, lang: Lang) -> Vec<PriorityRow> {
    let th = if level == Level::Constructs {
        map.construct_thresholds
    } else {
        map.indicator_thresholds
    };
    let actions = map.actions(level);
    actions
        .iter()
        .map(|a| {
            let (name, label, construct, imp_ci, perf_ci, owner) = match a.subject {
                ipma::Subject::Construct(j) => {
                    let r = map.constructs.iter().find(|r| r.construct == j);
                    let n = cname(model, j);
                    (
                        n.name,
                        n.label,
                        crate::report::construct_name(model, j).to_string(),
                        r.and_then(|r| ci(&r.importance_ci)),
                        r.and_then(|r| ci(&r.performance_ci)),
                        None,
                    )
                }
                ipma::Subject::Indicator(k) => {
                    let r = map.indicators.iter().find(|r| r.item == k);
                    let n = iname(model, k);
                    (
                        n.name,
                        n.label,
                        model
                            .items
                            .get(k)
                            .map(|i| crate::report::construct_name(model, i.construct))
                            .unwrap_or_default()
                            .to_string(),
                        r.and_then(|r| ci(&r.importance_ci)),
                        r.and_then(|r| ci(&r.performance_ci)),
                        model.item_owner(k).map(str::to_string),
                    )
                }
            };
            let importance = Est::new(a.importance, imp_ci);
            let performance = Est::new(a.performance, perf_ci);
            let uncertain = th.is_some_and(|t| {
                importance.contains(t.importance) || performance.contains(t.performance)
            });
            PriorityRow {
                rank: a.rank,
                name,
                label,
                construct,
                importance,
                performance,
                quadrant: a.quadrant.key().to_string(),
                quadrant_label: quadrant_term(a.quadrant, lang),
                uncertain,
                owner,
            }
        })
        .collect()
}

/// Item performance (0-100) of every item in an analysis.
fn item_performance(a: &Analysis) -> Vec<Option<f64>> {
    (0..a.model.n_items())
        .map(|k| {
            a.model
                .item_scale(k)
                .map(|s| (crate::report::at(&a.fit.means, k) - s.min) / (s.max - s.min) * 100.0)
        })
        .collect()
}

fn fmt1(x: f64) -> String {
    format!("{x:.1}")
}
