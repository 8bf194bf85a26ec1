//! [`gather`]: every analysis of a report, section by section.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::sections::{competitors_section, trend_section};
use super::{
    cname, index_est, item_performance, priority_rows, quality_section, report_target,
    summary_sentences, waves_of, zh, Competitors, Department, DepartmentItem, Departments, Method,
    Priorities, PriorityRow, ReportData, ReportOptions, Summary, Trend,
};
use crate::analysis::{analyze, Analysis};
use crate::bootstrap::{self, BootstrapResult};
use crate::compare::{CompareOptions, Comparison};
use crate::data::subset::{subset_rows, RowFilter, SubsetReport};
use crate::data::Survey;
use crate::error::{Error, Location, Result};
use crate::ipma::{self, short_label, Ipma, Lang, Level, Quadrant};
use crate::report::chart::{self, quadrant_term, render_svg};
use crate::spec::Model;
use std::collections::BTreeMap;

/// What every section of a report needs.
pub(super) struct Ctx<'a> {
    pub(super) model: &'a Model,
    pub(super) opts: &'a ReportOptions,
    /// The target construct.
    pub(super) target: usize,
    pub(super) lang: Lang,
    /// Options of the competitor and wave comparisons.
    pub(super) cmp_opts: CompareOptions,
}

/// The rows a report is about: the segment, its latest wave, and the subject in it.
pub(super) struct Scope {
    /// The respondents the filters keep.
    pub(super) segment: Survey,
    seg_report: SubsetReport,
    /// The segment in the latest wave (or the segment).
    current: Survey,
    /// The latest wave.
    wave: Option<String>,
    /// Every wave, in text order.
    pub(super) waves: Vec<String>,
    /// The subject's rows of `current`.
    subject_rows: Survey,
    /// The subject's name.
    subject: String,
}

/// Run every analysis of a report (see the module documentation).
///
/// # Errors
/// Data errors (unknown columns, a focus company absent from the data, a filter that
/// keeps nobody), estimation errors of the subject's fit or IPMA, and bootstrap
/// errors. A company or wave that cannot be fitted is reported in its section, not an
/// error; so is a wave column with a single wave.
pub fn gather(model: &Model, survey: &Survey, opts: &ReportOptions) -> Result<ReportData> {
    let ctx = Ctx::new(model, opts)?;
    let (target, lang) = (ctx.target, ctx.lang);
    let scope = scope(survey, opts, lang)?;
    let mut warnings = Vec::new();
    let (a, boot, map) = subject_fit(&ctx, &scope.subject_rows, &mut warnings)?;
    let priorities = priorities_section(&ctx, &map)?;

    // competitors (current wave, all companies of the segment)
    let mut comparison: Option<Comparison> = None;
    let competitors = opts
        .company
        .as_deref()
        .map(|col| competitors_section(&ctx, &scope.current, col, &mut comparison, &mut warnings))
        .transpose()?;

    // trend (subject's rows in every wave)
    let mut wave_fits: Option<Comparison> = None;
    let trend = opts
        .wave
        .as_deref()
        .map(|col| trend_section(&ctx, &scope, col, &mut wave_fits, &mut warnings))
        .transpose()?;

    let departments = departments_section(
        &ctx,
        &map,
        &priorities.items,
        wave_fits.as_ref(),
        comparison.as_ref(),
    );
    let quality = quality_section(model, &scope.subject_rows, &a, lang);

    let tl = cname(model, target);
    let summary = summary_section(
        &ctx,
        &a,
        boot.as_ref(),
        &scope.subject,
        trend.as_ref(),
        competitors.as_ref(),
        &priorities.constructs,
    )?;
    let method = method_section(&ctx, &a, boot.as_ref(), &scope.seg_report)?;
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
        subject: scope.subject,
        wave: scope.wave,
        filters: scope.seg_report.conditions.clone(),
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

impl<'a> Ctx<'a> {
    /// The report's language and target construct; `--focus` needs `--company`.
    fn new(model: &'a Model, opts: &'a ReportOptions) -> Result<Ctx<'a>> {
        let lang = opts.lang.unwrap_or_else(|| Lang::of_model(model));
        let target = report_target(model, opts.target.as_deref())?;
        if opts.focus.is_some() && opts.company.is_none() {
            return Err(Error::setting(
                "--focus",
                "needs --company COLUMN (the column that names the company)",
            ));
        }
        Ok(Ctx {
            model,
            opts,
            target,
            lang,
            cmp_opts: compare_options(opts),
        })
    }
}

/// The comparison options of the competitor and wave sections.
fn compare_options(opts: &ReportOptions) -> CompareOptions {
    CompareOptions {
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
        versus: crate::compare::Versus::Pairs,
        adjust: crate::adjust::Adjust::Holm,
    }
}

/// Segment, then wave, then subject.
fn scope(survey: &Survey, opts: &ReportOptions, lang: Lang) -> Result<Scope> {
    let (segment, seg_report) = subset_rows(survey, &opts.filters)?;
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
    Ok(Scope {
        segment,
        seg_report,
        current,
        wave,
        waves,
        subject_rows,
        subject,
    })
}

/// The subject's fit (with its survey design), bootstrap and IPMA; their warnings go
/// to `warnings`.
fn subject_fit(
    ctx: &Ctx,
    subject_rows: &Survey,
    warnings: &mut Vec<String>,
) -> Result<(Analysis, Option<BootstrapResult>, Ipma)> {
    let (model, opts) = (ctx.model, ctx.opts);
    let mut a = analyze(model, subject_rows, &opts.fit)?;
    if opts.strata.is_some() || opts.cluster.is_some() {
        let d = crate::design::Design::from_survey(
            subject_rows,
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
    let mut map = ipma::ipma(&a, ctx.target, opts.split)?;
    map.lang = ctx.lang;
    if let Some(o) = &opts.bootstrap {
        ipma::add_bootstrap(&mut map, &a, o, None)?;
    }
    for (j, why) in &map.excluded {
        warnings.push(format!(
            "{} left out of the priorities: {why}",
            crate::report::construct_name(model, *j)
        ));
    }
    Ok((a, boot, map))
}

/// The priorities: construct and item rows, splits and the two quadrant charts.
fn priorities_section(ctx: &Ctx, map: &Ipma) -> Result<Priorities> {
    let (model, lang) = (ctx.model, ctx.lang);
    let crow = priority_rows(model, map, Level::Constructs, lang);
    let irow = priority_rows(model, map, Level::Indicators, lang);
    let chart_c = chart::QuadrantChart::new(model, map, Level::Constructs);
    let chart_i = chart::QuadrantChart::new(model, map, Level::Indicators);
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
    Ok(Priorities {
        constructs: crow,
        items: irow,
        construct_split: map
            .construct_thresholds
            .map(|t| (t.importance, t.performance)),
        item_split: map
            .indicator_thresholds
            .map(|t| (t.importance, t.performance)),
        split: ctx.opts.split.as_string(),
        chart_constructs: render_svg(&chart_c)?,
        chart_items: render_svg(&chart_i)?,
        legend,
    })
}

/// The departments: each item under its owner (or construct) with its change since
/// the previous wave and its best competitor; departments by weighted performance.
fn departments_section(
    ctx: &Ctx,
    map: &Ipma,
    irow: &[PriorityRow],
    wave_fits: Option<&Comparison>,
    comparison: Option<&Comparison>,
) -> Departments {
    let (model, opts, lang) = (ctx.model, ctx.opts, ctx.lang);
    let threshold = opts
        .threshold
        .or(map.indicator_thresholds.map(|t| t.performance))
        .unwrap_or(f64::NAN);
    let prev_perf: Option<Vec<Option<f64>>> = wave_fits.and_then(|c| {
        let previous = c.groups.len().checked_sub(2)?;
        c.groups
            .get(previous)
            .map(|g| item_performance(&g.analysis))
    });
    let comp_perf: Vec<(String, Vec<Option<f64>>)> = comparison
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
    for r in irow {
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
            let construct = model
                .items
                .get(k)
                .map_or("", |i| model.construct_label(i.construct));
            short_label(construct).to_string()
        };
        let change = prev_perf
            .as_ref()
            .and_then(|p| p.get(k).copied().flatten())
            .map(|p| r.performance.value - p);
        let best = comp_perf
            .iter()
            .filter_map(|(n, p)| p.get(k).copied().flatten().map(|v| (n.clone(), v)))
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
    let mut list: Vec<Department> = by_dept.into_iter().map(department).collect();
    list.sort_by(|a, b| a.performance.total_cmp(&b.performance));
    Departments {
        has_owners,
        threshold,
        list,
    }
}

/// One department: its items (below the threshold first, then by importance) and its
/// importance-weighted performance.
fn department((name, mut items): (String, Vec<DepartmentItem>)) -> Department {
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
        items.iter().map(|i| i.row.performance.value).sum::<f64>() / items.len().max(1) as f64
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
}

/// The summary: the target's index, its change since the previous wave, the focus
/// company's rank, and the sentences.
fn summary_section(
    ctx: &Ctx,
    a: &Analysis,
    boot: Option<&BootstrapResult>,
    subject: &str,
    trend: Option<&Trend>,
    competitors: Option<&Competitors>,
    constructs: &[PriorityRow],
) -> Result<Summary> {
    let (model, target, lang) = (ctx.model, ctx.target, ctx.lang);
    let index = index_est(a, boot, target).ok_or_else(|| {
        Error::Fit(crate::estimate::FitError::TargetIndexUndefined {
            construct: crate::report::construct_name(model, target).to_string(),
        })
    })?;
    let change = trend.and_then(|t| {
        t.series
            .iter()
            .find(|s| s.is_target)
            .and_then(|s| s.changes.last().cloned())
    });
    let rank = competitors.and_then(|c| {
        let k = c.league.iter().filter(|r| r.rank.is_some()).count();
        c.league
            .iter()
            .find(|r| r.is_focus)
            .and_then(|r| r.rank)
            .map(|r| (r, k))
    });
    let sentences = summary_sentences(
        lang,
        subject,
        &cname(model, target).label,
        &index,
        a.data.x.nrows(),
        change.as_ref(),
        rank,
        competitors,
        constructs,
    );
    Ok(Summary {
        index,
        change,
        rank,
        sentences,
    })
}

/// The method: settings, the path diagram, the command and the version.
fn method_section(
    ctx: &Ctx,
    a: &Analysis,
    boot: Option<&BootstrapResult>,
    seg_report: &SubsetReport,
) -> Result<Method> {
    let opts = ctx.opts;
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
    Ok(Method {
        path_diagram: render_svg(&chart::PathDiagram {
            lang: Some(ctx.lang),
            ..chart::PathDiagram::new(a, boot)
        })?,
        settings,
        command: opts.command.clone(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    })
}
