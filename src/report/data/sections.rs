//! The competitor and trend sections: the analyses that compare groups.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::collect::{Ctx, Scope};
use super::{
    cname, index_est, sig_of, zh, Change, Competitors, Est, LeagueRow, Named, Trend, TrendPoint,
    TrendSeries,
};
use crate::compare::{self, Comparison, Target};
use crate::data::subset::{present_values, subset_rows, RowFilter};
use crate::data::Survey;
use crate::error::{Error, Location, Result};
use crate::report::chart::render_svg;
use crate::spec::Model;

/// The competitors: every company of the current wave compared, the league table of
/// the target and its chart (or a note why there is none). The comparison goes to `out`.
pub(super) fn competitors_section(
    ctx: &Ctx,
    current: &Survey,
    col: &str,
    out: &mut Option<Comparison>,
    warnings: &mut Vec<String>,
) -> Result<Competitors> {
    let (model, target, lang) = (ctx.model, ctx.target, ctx.lang);
    let cmp_opts = &ctx.cmp_opts;
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
    let rows = league_rows(ctx, &c);
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

/// The league table of the target: rank, index, gap to the leader and whether it is
/// significant, every construct's index.
fn league_rows(ctx: &Ctx, c: &Comparison) -> Vec<LeagueRow> {
    let (model, target, focus) = (ctx.model, ctx.target, ctx.opts.focus.as_deref());
    let Some(league) = c.league.get(target) else {
        return Vec::new();
    };
    let leader = league.entries.first().map(|e| e.group);
    let lead_val = leader.and_then(|l| c.groups.get(l)?.index(target));
    league
        .entries
        .iter()
        .filter_map(|e| {
            let g = c.groups.get(e.group)?;
            let (significant, gap) = match (leader, lead_val, e.index) {
                (Some(l), Some(lv), Some(v)) if l != e.group => {
                    let (a, b) = (l.min(e.group), l.max(e.group));
                    let s = c
                        .difference(a, b, Target::Index(target))
                        .and_then(|d| sig_of(d.ci_low, d.ci_high, d.p_adjusted));
                    (s, Some(v - lv))
                }
                _ => (None, None),
            };
            Some(LeagueRow {
                rank: e.rank,
                company: g.name.clone(),
                n: e.n,
                index: e.index.map(|v| Est::new(v, Some((e.ci_low, e.ci_high)))),
                gap,
                significant,
                is_focus: focus.map(str::trim) == Some(g.name.as_str()),
                constructs: (0..model.n_constructs()).map(|j| g.index(j)).collect(),
            })
        })
        .collect()
}

/// The trend: the subject's rows fitted wave by wave, the index of the target and its
/// drivers per wave with the changes between waves, and the chart (or a note). The
/// wave fits go to `out`.
pub(super) fn trend_section(
    ctx: &Ctx,
    scope: &Scope,
    col: &str,
    out: &mut Option<Comparison>,
    warnings: &mut Vec<String>,
) -> Result<Trend> {
    let (model, opts, target, lang) = (ctx.model, ctx.opts, ctx.target, ctx.lang);
    let (segment, waves) = (&scope.segment, scope.waves.as_slice());
    let cmp_opts = &ctx.cmp_opts;
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
        trend.series.push(trend_series(model, &c, j, j == target));
    }
    trend.chart = render_svg(&crate::report::trend_chart::TrendChart {
        trend: &trend,
        lang,
    })?;
    *out = Some(c);
    Ok(trend)
}

/// One construct's index per wave and its changes between consecutive waves.
fn trend_series(model: &Model, c: &Comparison, j: usize, is_target: bool) -> TrendSeries {
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
                from: c.groups.get(w - 1)?.name.clone(),
                to: c.groups.get(w)?.name.clone(),
                difference: -d.difference,
                low: f(d.ci_high),
                high: f(d.ci_low),
                p: d.p.is_finite().then_some(d.p),
                significant: sig_of(d.ci_low, d.ci_high, d.p_adjusted),
            })
        })
        .collect();
    TrendSeries {
        construct: cname(model, j),
        is_target,
        points,
        changes,
    }
}
