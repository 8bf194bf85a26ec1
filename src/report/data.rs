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

use crate::analysis::{analyze, Analysis, FitOptions};
use crate::bootstrap::{self, BootstrapOptions, BootstrapResult};
use crate::compare::{self, CompareOptions, Comparison, Target};
use crate::data::subset::{present_values, subset_rows, RowFilter};
use crate::data::{validate_survey, Survey};
use crate::error::{Error, Location, Result};
use crate::ipma::{self, short_label, Interval, Ipma, Lang, Level, Quadrant, Split};
use crate::report::chart::{self, quadrant_term, render_svg};
use crate::spec::Model;
use serde::Serialize;
use std::collections::BTreeMap;

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
    /// comes from the bootstrap intervals).
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
    /// Interval excludes 0 (or p < 0.05 without interval); `None` = not tested.
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
    /// Gap significant (interval of the difference excludes 0, or p < 0.05).
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
        name: m.constructs[j].name.clone(),
        label: short_label(m.construct_label(j)).to_string(),
    }
}

fn iname(m: &Model, k: usize) -> Named {
    Named {
        name: m.items[k].name.clone(),
        label: short_label(m.item_label(k)).to_string(),
    }
}

fn ci(c: &Option<Interval>) -> Option<(f64, f64)> {
    c.map(|c| (c.low, c.high))
}

fn sig_of(low: f64, high: f64, p: f64) -> Option<bool> {
    if low.is_finite() && high.is_finite() {
        Some(low > 0.0 || high < 0.0)
    } else if p.is_finite() {
        Some(p < 0.05)
    } else {
        None
    }
}

/// Distinct non-empty values of a column, sorted by their text.
fn waves_of(survey: &Survey, column: &str) -> Result<Vec<String>> {
    let col = survey.extra.get(column).ok_or_else(|| {
        Error::data(
            Location {
                file: survey.file.clone(),
                column: Some(column.into()),
                ..Default::default()
            },
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
                        model.constructs[j].name.clone(),
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
                        model.constructs[model.items[k].construct].name.clone(),
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
                .map(|s| (a.fit.means[k] - s.min) / (s.max - s.min) * 100.0)
        })
        .collect()
}

fn fmt1(x: f64) -> String {
    format!("{x:.1}")
}

/// Run every analysis of a report (see the module documentation).
///
/// # Errors
/// Data errors (unknown columns, a focus company absent from the data, a filter that
/// keeps nobody), estimation errors of the subject's fit or IPMA, and bootstrap
/// errors. A company or wave that cannot be fitted is reported in its section, not an
/// error; so is a wave column with a single wave.
pub fn gather(model: &Model, survey: &Survey, opts: &ReportOptions) -> Result<ReportData> {
    let lang = opts.lang.unwrap_or_else(|| Lang::of_model(model));
    let target = report_target(model, opts.target.as_deref())?;
    if opts.focus.is_some() && opts.company.is_none() {
        return Err(Error::setting(
            "--focus",
            "needs --company COLUMN (the column that names the company)",
        ));
    }
    // segment, then wave, then subject
    let (segment, seg_report) = subset_rows(survey, &opts.filters)?;
    let mut warnings = Vec::new();
    let (current, wave, waves) = match &opts.wave {
        Some(col) => {
            let waves = waves_of(&segment, col)?;
            let Some(last) = waves.last().cloned() else {
                return Err(Error::data(
                    Location {
                        file: survey.file.clone(),
                        column: Some(col.clone()),
                        ..Default::default()
                    },
                    "--wave: the column is empty in every row",
                ));
            };
            let (cur, _) = subset_rows(&segment, &[RowFilter::new(col, &last, "--wave")])?;
            (cur, Some(last), waves)
        }
        None => (segment.clone(), None, Vec::new()),
    };
    let (subject_rows, subject) = match (&opts.company, &opts.focus) {
        (Some(col), Some(f)) => {
            let (s, _) = subset_rows(&current, &[RowFilter::new(col, f, "--focus")])?;
            (s, f.trim().to_string())
        }
        _ => (
            current.clone(),
            if zh(lang) {
                "全部受访者".to_string()
            } else {
                "all respondents".to_string()
            },
        ),
    };
    let mut a = analyze(model, &subject_rows, &opts.fit)?;
    if opts.strata.is_some() || opts.cluster.is_some() {
        let d = crate::design::Design::from_survey(
            &subject_rows,
            opts.strata.as_deref(),
            opts.cluster.as_deref(),
        )?
        .select(&a.data.kept);
        a.warnings.extend(d.warnings());
        a.data.design = Some(d);
    }
    warnings.extend(a.warnings.iter().cloned());
    let boot = match &opts.bootstrap {
        Some(o) => Some(bootstrap::run(
            model,
            &a.data,
            &opts.fit.pls,
            &a.fit,
            o,
            None,
        )?),
        None => None,
    };
    let mut map = ipma::ipma(&a, target, opts.split)?;
    map.lang = lang;
    if let Some(o) = &opts.bootstrap {
        ipma::add_bootstrap(&mut map, &a, o, None)?;
    }
    for (j, why) in &map.excluded {
        warnings.push(format!(
            "{} left out of the priorities: {why}",
            model.constructs[*j].name
        ));
    }

    // priorities
    let crow = priority_rows(model, &map, Level::Constructs, lang);
    let irow = priority_rows(model, &map, Level::Indicators, lang);
    let chart_c = chart::QuadrantChart::new(model, &map, Level::Constructs);
    let chart_i = chart::QuadrantChart::new(model, &map, Level::Indicators);
    let legend = Quadrant::ALL
        .iter()
        .map(|q| {
            (
                q.key().to_string(),
                quadrant_term(*q, lang),
                q.advice(lang).to_string(),
            )
        })
        .collect();
    let priorities = Priorities {
        constructs: crow.clone(),
        items: irow.clone(),
        construct_split: map
            .construct_thresholds
            .map(|t| (t.importance, t.performance)),
        item_split: map
            .indicator_thresholds
            .map(|t| (t.importance, t.performance)),
        split: opts.split.as_string(),
        chart_constructs: render_svg(&chart_c)?,
        chart_items: render_svg(&chart_i)?,
        legend,
    };

    // competitors (current wave, all companies of the segment)
    let cmp_opts = CompareOptions {
        fit: opts.fit.clone(),
        bootstrap: opts.bootstrap,
        permutations: opts.permutations,
        seed: opts
            .bootstrap
            .map(|b| b.seed)
            .unwrap_or(bootstrap::DEFAULT_SEED),
        level: opts.bootstrap.map(|b| b.level).unwrap_or(0.95),
        omnibus: false,
        max_failed_share: opts
            .bootstrap
            .map(|b| b.max_failed_share)
            .unwrap_or(bootstrap::DEFAULT_MAX_FAILED_SHARE),
        versus: compare::Versus::Pairs,
        adjust: crate::adjust::Adjust::Holm,
    };
    let mut comparison: Option<Comparison> = None;
    let competitors = match &opts.company {
        Some(col) => Some(competitors_section(
            model,
            &current,
            col,
            opts.focus.as_deref(),
            target,
            &cmp_opts,
            lang,
            &mut comparison,
            &mut warnings,
        )?),
        None => None,
    };

    // trend (subject's rows in every wave)
    let mut wave_fits: Option<Comparison> = None;
    let trend = match &opts.wave {
        Some(col) => Some(trend_section(
            model,
            &segment,
            col,
            &waves,
            opts,
            target,
            &cmp_opts,
            lang,
            &mut wave_fits,
            &mut warnings,
        )?),
        None => None,
    };

    // departments
    let threshold = opts
        .threshold
        .or(map.indicator_thresholds.map(|t| t.performance))
        .unwrap_or(f64::NAN);
    let prev_perf: Option<Vec<Option<f64>>> = wave_fits.as_ref().and_then(|c| {
        let k = c.groups.len();
        (k >= 2).then(|| item_performance(&c.groups[k - 2].analysis))
    });
    let comp_perf: Vec<(String, Vec<Option<f64>>)> = comparison
        .as_ref()
        .map(|c| {
            c.groups
                .iter()
                .filter(|g| Some(g.name.as_str()) != opts.focus.as_deref().map(str::trim))
                .map(|g| (g.name.clone(), item_performance(&g.analysis)))
                .collect()
        })
        .unwrap_or_default();
    let has_owners = (0..model.n_items()).any(|k| model.item_owner(k).is_some());
    let mut by_dept: BTreeMap<String, Vec<DepartmentItem>> = BTreeMap::new();
    for r in &irow {
        let Some(k) = model.item_index(&r.name) else {
            continue;
        };
        let dept = if has_owners {
            model.item_owner(k).map(str::to_string).unwrap_or_else(|| {
                if zh(lang) {
                    "未指定部门".into()
                } else {
                    "(no owner)".into()
                }
            })
        } else {
            short_label(model.construct_label(model.items[k].construct)).to_string()
        };
        let change = prev_perf
            .as_ref()
            .and_then(|p| p[k])
            .map(|p| r.performance.value - p);
        let best = comp_perf
            .iter()
            .filter_map(|(n, p)| p[k].map(|v| (n.clone(), v)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let gap = best.as_ref().map(|b| r.performance.value - b.1);
        by_dept.entry(dept).or_default().push(DepartmentItem {
            row: r.clone(),
            change,
            best_competitor: best,
            gap,
            below: r.performance.value < threshold,
        });
    }
    let mut list: Vec<Department> = by_dept
        .into_iter()
        .map(|(name, mut items)| {
            items.sort_by(|a, b| {
                b.below
                    .cmp(&a.below)
                    .then(b.row.importance.value.total_cmp(&a.row.importance.value))
            });
            let wsum: f64 = items.iter().map(|i| i.row.importance.value.max(0.0)).sum();
            let performance = if wsum > 0.0 {
                items
                    .iter()
                    .map(|i| i.row.importance.value.max(0.0) * i.row.performance.value)
                    .sum::<f64>()
                    / wsum
            } else {
                items.iter().map(|i| i.row.performance.value).sum::<f64>()
                    / items.len().max(1) as f64
            };
            Department {
                n_concentrate: items
                    .iter()
                    .filter(|i| i.row.quadrant == Quadrant::ConcentrateHere.key())
                    .count(),
                n_below: items.iter().filter(|i| i.below).count(),
                name,
                items,
                performance,
            }
        })
        .collect();
    list.sort_by(|a, b| a.performance.total_cmp(&b.performance));
    let departments = Departments {
        has_owners,
        threshold,
        list,
    };

    // quality
    let quality = quality_section(model, &subject_rows, &a, lang);

    // summary
    let index = index_est(&a, boot.as_ref(), target).ok_or_else(|| {
        Error::Estimation(format!(
            "the index of the target '{}' is undefined",
            model.constructs[target].name
        ))
    })?;
    let change = trend.as_ref().and_then(|t| {
        t.series
            .iter()
            .find(|s| s.is_target)
            .and_then(|s| s.changes.last().cloned())
    });
    let rank = competitors.as_ref().and_then(|c| {
        let k = c.league.iter().filter(|r| r.rank.is_some()).count();
        c.league
            .iter()
            .find(|r| r.is_focus)
            .and_then(|r| r.rank)
            .map(|r| (r, k))
    });
    let tl = cname(model, target);
    let sentences = summary_sentences(
        lang,
        &subject,
        &tl.label,
        &index,
        a.data.x.nrows(),
        change.as_ref(),
        rank,
        competitors.as_ref(),
        &crow,
    );
    let summary = Summary {
        index,
        change,
        rank,
        sentences,
    };

    // method
    let s = &opts.fit.pls;
    let mut settings = vec![
        (
            "estimator".to_string(),
            "PLS-SEM (PLS path modeling)".to_string(),
        ),
        ("scheme".into(), s.scheme.as_str().into()),
        ("indicators".into(), s.indicators.as_str().into()),
        ("missing".into(), a.missing.policy.as_str().into()),
        ("tolerance".into(), format!("{:e}", s.tolerance)),
        ("max_iter".into(), s.max_iter.to_string()),
        (
            "converged".into(),
            format!("{} ({} iterations)", a.fit.converged, a.fit.iterations),
        ),
        ("split".into(), opts.split.as_string()),
        ("data".into(), opts.data_name.clone()),
    ];
    match &opts.bootstrap {
        Some(b) => {
            settings.push((
                "bootstrap".into(),
                format!(
                    "{} resamples, {} {:.0}% intervals",
                    b.resamples,
                    b.ci.as_str(),
                    b.level * 100.0
                ),
            ));
            settings.push(("seed".into(), b.seed.to_string()));
        }
        None => settings.push(("bootstrap".into(), "none".into())),
    }
    if opts.permutations > 0 {
        settings.push(("permutations".into(), opts.permutations.to_string()));
    }
    if !seg_report.conditions.is_empty() {
        settings.push(("filter".into(), seg_report.conditions.join(", ")));
    }
    let method = Method {
        path_diagram: render_svg(&chart::PathDiagram {
            lang: Some(lang),
            ..chart::PathDiagram::new(&a, boot.as_ref())
        })?,
        settings,
        command: opts.command.clone(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let index_chart = render_svg(&chart::IndexChart {
        lang: Some(lang),
        ..chart::IndexChart::new(&a, boot.as_ref(), Some(target))
    })?;
    if let Some(b) = &boot {
        if b.failed > 0 {
            warnings.push(format!(
                "{} of {} bootstrap resamples failed and were left out",
                b.failed, b.resamples
            ));
        }
    }
    Ok(ReportData {
        lang: lang.code().to_string(),
        model: model.name.clone(),
        subject,
        wave,
        filters: seg_report.conditions.clone(),
        target: tl,
        n: a.data.x.nrows(),
        summary,
        priorities,
        departments,
        quality,
        method,
        competitors,
        trend,
        index_chart,
        warnings,
    })
}

#[allow(clippy::too_many_arguments)]
fn competitors_section(
    model: &Model,
    current: &Survey,
    col: &str,
    focus: Option<&str>,
    target: usize,
    cmp_opts: &CompareOptions,
    lang: Lang,
    out: &mut Option<Comparison>,
    warnings: &mut Vec<String>,
) -> Result<Competitors> {
    let constructs: Vec<Named> = (0..model.n_constructs()).map(|j| cname(model, j)).collect();
    let col_values = current.extra.get(col).ok_or_else(|| {
        Error::data(
            Location {
                file: current.file.clone(),
                column: Some(col.into()),
                ..Default::default()
            },
            "--company: no such column in the data",
        )
    })?;
    let (_, distinct) = present_values(col_values, 1);
    let empty = |note: String| Competitors {
        column: col.to_string(),
        constructs: constructs.clone(),
        league: Vec::new(),
        chart: String::new(),
        excluded: Vec::new(),
        note: Some(note),
    };
    if distinct < 2 {
        return Ok(empty(if zh(lang) {
            format!("“{col}”列只有 {distinct} 家公司，无法比较竞争对手。")
        } else {
            format!("The column '{col}' names {distinct} company only: there is no competitor to compare with.")
        }));
    }
    let c = match compare::compare(model, current, col, None, cmp_opts) {
        Ok(c) => c,
        Err(e) => {
            warnings.push(format!("competitor comparison: {e}"));
            return Ok(empty(if zh(lang) {
                format!("无法比较竞争对手：{e}")
            } else {
                format!("No competitor comparison: {e}")
            }));
        }
    };
    warnings.extend(c.warnings.iter().map(|w| format!("competitors: {w}")));
    let league = &c.league[target];
    let leader = league.entries.first().map(|e| e.group);
    let lead_val = leader.and_then(|l| c.groups[l].index(target));
    let rows: Vec<LeagueRow> = league
        .entries
        .iter()
        .map(|e| {
            let g = &c.groups[e.group];
            let (significant, gap) = match (leader, lead_val, e.index) {
                (Some(l), Some(lv), Some(v)) if l != e.group => {
                    let (a, b) = (l.min(e.group), l.max(e.group));
                    let s = c
                        .difference(a, b, Target::Index(target))
                        .and_then(|d| sig_of(d.ci_low, d.ci_high, d.p));
                    (s, Some(v - lv))
                }
                _ => (None, None),
            };
            LeagueRow {
                rank: e.rank,
                company: g.name.clone(),
                n: e.n,
                index: e.index.map(|v| Est::new(v, Some((e.ci_low, e.ci_high)))),
                gap,
                significant,
                is_focus: focus.map(str::trim) == Some(g.name.as_str()),
                constructs: (0..model.n_constructs()).map(|j| g.index(j)).collect(),
            }
        })
        .collect();
    let chart = render_svg(&crate::report::compare_chart::CompetitorChart {
        lang: Some(lang),
        ..crate::report::compare_chart::CompetitorChart::new(&c, target)
    })?;
    let excluded = c
        .excluded
        .iter()
        .map(|x| format!("{} (n={}): {}", x.group, x.n, x.reason))
        .collect();
    *out = Some(c);
    Ok(Competitors {
        column: col.to_string(),
        constructs,
        league: rows,
        chart,
        excluded,
        note: None,
    })
}

#[allow(clippy::too_many_arguments)]
fn trend_section(
    model: &Model,
    segment: &Survey,
    col: &str,
    waves: &[String],
    opts: &ReportOptions,
    target: usize,
    cmp_opts: &CompareOptions,
    lang: Lang,
    out: &mut Option<Comparison>,
    warnings: &mut Vec<String>,
) -> Result<Trend> {
    let subject = match (&opts.company, &opts.focus) {
        (Some(c), Some(f)) => subset_rows(segment, &[RowFilter::new(c, f, "--focus")])?.0,
        _ => segment.clone(),
    };
    let mut drivers: Vec<usize> = vec![target];
    drivers.extend(model.predecessors(target).iter().copied());
    let mut trend = Trend {
        column: col.to_string(),
        waves: waves.to_vec(),
        series: Vec::new(),
        chart: String::new(),
        note: None,
    };
    if waves.len() < 2 {
        trend.note = Some(if zh(lang) {
            format!(
                "“{col}”列只有一期数据（{}），暂无趋势；下一期调查后即可比较。",
                waves.join(", ")
            )
        } else {
            format!(
                "The column '{col}' holds one wave only ({}): no trend yet; the next wave will be compared with it.",
                waves.join(", ")
            )
        });
        return Ok(trend);
    }
    let c = match compare::compare(model, &subject, col, Some(waves.to_vec()), cmp_opts) {
        Ok(c) => c,
        Err(e) => {
            warnings.push(format!("trend: {e}"));
            trend.note = Some(if zh(lang) {
                format!("无法按期拟合：{e}")
            } else {
                format!("The waves could not be fitted one by one: {e}")
            });
            return Ok(trend);
        }
    };
    warnings.extend(c.warnings.iter().map(|w| format!("trend: {w}")));
    for &j in &drivers {
        let points: Vec<TrendPoint> = c
            .groups
            .iter()
            .map(|g| TrendPoint {
                wave: g.name.clone(),
                n: g.n(),
                index: index_est(&g.analysis, g.bootstrap.as_ref(), j),
            })
            .collect();
        let changes = (1..c.groups.len())
            .filter_map(|w| {
                let d = c.difference(w - 1, w, Target::Index(j))?;
                if !d.difference.is_finite() {
                    return None;
                }
                // difference = earlier - later; the change is later - earlier
                let f = |x: f64| (x.is_finite()).then_some(-x);
                Some(Change {
                    from: c.groups[w - 1].name.clone(),
                    to: c.groups[w].name.clone(),
                    difference: -d.difference,
                    low: f(d.ci_high),
                    high: f(d.ci_low),
                    p: d.p.is_finite().then_some(d.p),
                    significant: sig_of(d.ci_low, d.ci_high, d.p),
                })
            })
            .collect();
        trend.series.push(TrendSeries {
            construct: cname(model, j),
            is_target: j == target,
            points,
            changes,
        });
    }
    trend.chart = render_svg(&crate::report::trend_chart::TrendChart {
        trend: &trend,
        lang,
    })?;
    *out = Some(c);
    Ok(trend)
}

fn quality_section(model: &Model, survey: &Survey, a: &Analysis, lang: Lang) -> QualitySection {
    let q = model.n_constructs();
    let v = validate_survey(survey, model);
    let n = survey.n().max(1);
    let constructs: Vec<QualityRow> = (0..q)
        .map(|j| {
            let cq = &a.quality.constructs[j];
            let htmt_max = (0..q)
                .filter(|&i| i != j)
                .map(|i| a.quality.htmt[(i.min(j), i.max(j))])
                .filter(|x| x.is_finite())
                .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
            QualityRow {
                construct: cname(model, j),
                alpha: cq.alpha,
                rho_c: cq.rho_c,
                rho_a: cq.rho_a,
                ave: cq.ave,
                reliable: cq.rho_c >= 0.7,
                convergent: cq.ave >= 0.5,
                discriminant: htmt_max.is_none_or(|h| h < 0.9),
                htmt_max,
                r2: a.fit.r2[j],
            }
        })
        .collect();
    let items: Vec<ItemQuality> = (0..model.n_items())
        .map(|k| {
            let ir = v.items.get(k);
            let missing = a.missing.missing.get(k).copied().unwrap_or(0);
            ItemQuality {
                item: iname(model, k),
                missing,
                missing_rate: missing as f64 / n as f64,
                mean: ir.and_then(|r| r.mean),
                sd: ir.and_then(|r| r.sd),
            }
        })
        .collect();
    let n_rel = constructs.iter().filter(|c| c.reliable).count();
    let n_conv = constructs.iter().filter(|c| c.convergent).count();
    let n_disc = constructs.iter().filter(|c| c.discriminant).count();
    let many_missing: Vec<&ItemQuality> = items.iter().filter(|i| i.missing_rate > 0.10).collect();
    let weights = survey.weights.as_ref();
    let n_effective = weights.map(|w| {
        let s: f64 = w.iter().sum();
        let s2: f64 = w.iter().map(|x| x * x).sum();
        s * s / s2
    });
    let mut findings = Vec::new();
    if zh(lang) {
        findings.push(format!(
            "信度：{n_rel}/{q} 个构念的组合信度 ρC ≥ 0.70（测量可靠）。"
        ));
        findings.push(format!(
            "聚合效度：{n_conv}/{q} 个构念的平均方差抽取量 AVE ≥ 0.50（题目测的是同一件事）。"
        ));
        findings.push(format!(
            "区分效度：{n_disc}/{q} 个构念与其他构念的 HTMT < 0.90（各构念彼此可区分）。"
        ));
        findings.push(if many_missing.is_empty() {
            "没有题目的缺失或“无法回答”比例超过 10%。".to_string()
        } else {
            format!(
                "{} 道题的缺失或“无法回答”比例超过 10%：{}。",
                many_missing.len(),
                many_missing
                    .iter()
                    .map(|i| i.item.label.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            )
        });
        findings.push(format!(
            "{} 位受访者对所有题目给出相同答案（直线作答）。",
            v.straight_liners
        ));
    } else {
        findings.push(format!(
            "Reliability: {n_rel} of {q} constructs have composite reliability rho_C >= 0.70."
        ));
        findings.push(format!(
            "Convergent validity: {n_conv} of {q} constructs have AVE >= 0.50 (their items measure one thing)."
        ));
        findings.push(format!(
            "Discriminant validity: {n_disc} of {q} constructs have HTMT < 0.90 with every other construct."
        ));
        findings.push(if many_missing.is_empty() {
            "No item has more than 10% missing or \"cannot answer\" answers.".to_string()
        } else {
            format!(
                "{} item(s) have more than 10% missing or \"cannot answer\" answers: {}.",
                many_missing.len(),
                many_missing
                    .iter()
                    .map(|i| i.item.label.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
        findings.push(format!(
            "{} respondent(s) gave the same answer to every item (straight-lining).",
            v.straight_liners
        ));
    }
    QualitySection {
        n_read: survey.n(),
        n_used: a.data.x.nrows(),
        missing_policy: a.missing.policy.as_str().to_string(),
        straight_liners: v.straight_liners,
        weighted: weights.is_some(),
        n_effective,
        constructs,
        items,
        findings,
        srmr: a.quality.srmr,
    }
}

#[allow(clippy::too_many_arguments)]
fn summary_sentences(
    lang: Lang,
    subject: &str,
    target: &str,
    index: &Est,
    n: usize,
    change: Option<&Change>,
    rank: Option<(usize, usize)>,
    competitors: Option<&Competitors>,
    constructs: &[PriorityRow],
) -> Vec<String> {
    let z = zh(lang);
    let mut out = Vec::new();
    let interval = match (index.low, index.high) {
        (Some(l), Some(h)) => {
            if z {
                format!("（95% 区间 {}–{}）", fmt1(l), fmt1(h))
            } else {
                format!(" (95% interval {}-{})", fmt1(l), fmt1(h))
            }
        }
        _ => String::new(),
    };
    out.push(if z {
        format!(
            "{subject}的{target}指数为 {} 分（满分 100）{interval}，基于 {n} 位受访者。",
            fmt1(index.value)
        )
    } else {
        format!(
            "The {target} index of {subject} is {} out of 100{interval}, from {n} respondents.",
            fmt1(index.value)
        )
    });
    let mut second = Vec::new();
    if let Some(c) = change {
        let dir_zh = if c.difference >= 0.0 {
            "上升"
        } else {
            "下降"
        };
        let dir_en = if c.difference >= 0.0 { "up" } else { "down" };
        let sig = match (c.significant, z) {
            (Some(true), true) => "，变化超出抽样误差（显著）",
            (Some(false), true) => "，但变化在抽样误差之内（不显著）",
            (None, true) => "（未检验显著性，加 --bootstrap 可检验）",
            (Some(true), false) => ", more than sampling error explains (significant)",
            (Some(false), false) => ", within sampling error (not significant)",
            (None, false) => " (not tested: add --bootstrap)",
        };
        second.push(if z {
            format!(
                "与上一期（{}）相比{dir_zh} {} 分{sig}。",
                c.from,
                fmt1(c.difference.abs())
            )
        } else {
            format!(
                "Since the previous wave ({}) it is {dir_en} {} points{sig}.",
                c.from,
                fmt1(c.difference.abs())
            )
        });
    }
    if let (Some((r, k)), Some(comp)) = (rank, competitors) {
        let leader = comp.league.first();
        let focus = comp.league.iter().find(|x| x.is_focus);
        let gap_txt = match (leader, focus) {
            (Some(l), Some(f)) if r > 1 => {
                let g = f.gap.unwrap_or(0.0).abs();
                let sig = match (f.significant, z) {
                    (Some(true), true) => "，差距显著",
                    (Some(false), true) => "，差距在抽样误差之内",
                    (Some(true), false) => ", a significant gap",
                    (Some(false), false) => ", within sampling error",
                    _ => "",
                };
                if z {
                    format!("，落后第一名{} {} 分{sig}", l.company, fmt1(g))
                } else {
                    format!(", {} points behind the leader {}{sig}", fmt1(g), l.company)
                }
            }
            _ => String::new(),
        };
        second.push(if z {
            format!("在 {k} 家公司中排名第 {r}{gap_txt}。")
        } else {
            format!("It ranks {r} of {k} companies{gap_txt}.")
        });
    }
    if second.is_empty() {
        second.push(if z {
            "加 --company 列可与竞争对手比较，加 --wave 列可看各期变化。".to_string()
        } else {
            "Add --company to compare with competitors and --wave to follow the change between waves.".to_string()
        });
    }
    out.push(second.join(if z { "" } else { " " }));
    let first = constructs
        .iter()
        .find(|r| r.quadrant == Quadrant::ConcentrateHere.key());
    out.push(match (first, z) {
        (Some(r), true) => format!(
            "最需要优先改进的是“{}”：它对{target}影响大（重要性 {}）而表现偏低（{} 分）{}。",
            r.label,
            ipma::fmt_imp(r.importance.value),
            fmt1(r.performance.value),
            if r.uncertain {
                "，但这一判断仍有不确定性"
            } else {
                ""
            }
        ),
        (Some(r), false) => format!(
            "Improve {} first: it weighs heavily on {target} (importance {}) and performs below the others ({}){}.",
            r.label,
            ipma::fmt_imp(r.importance.value),
            fmt1(r.performance.value),
            if r.uncertain { ", though this is not yet certain" } else { "" }
        ),
        (None, true) => "没有重要性高而表现低的驱动因素：保持现有优势。".to_string(),
        (None, false) => {
            "No driver is both important and weak: keep up the strengths.".to_string()
        }
    });
    out
}
