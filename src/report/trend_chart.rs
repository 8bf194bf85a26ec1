//! The trend chart of a report: one line per construct (the target bold, its drivers
//! thin) over the waves, with the target's bootstrap interval as a shaded band.
//! Drawn by plotters like every other chart ([`crate::report::chart`]).
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use crate::ipma::Lang;
use crate::report::chart::{
    draw_footnotes, draw_mesh, font, index_axis, DrawResult, Figure, Frame, Mesh, Plot,
};
use crate::report::data::{Trend, TrendSeries};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Index per wave, target and drivers.
#[derive(Debug, Clone)]
pub struct TrendChart<'a> {
    /// The trend section.
    pub trend: &'a Trend,
    /// Language of the titles.
    pub lang: Lang,
}

const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
];

impl TrendChart<'_> {
    /// The y axis: the series and their intervals with 3 points of room, at least
    /// 20 points of the 0-100 scale (so small changes do not look large), in whole
    /// points within 0-100; 0-100 when there are no values.
    fn y_range(&self) -> (f64, f64) {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for s in &self.trend.series {
            for p in s.points.iter().filter_map(|p| p.index) {
                lo = lo.min(p.low.unwrap_or(p.value)).min(p.value);
                hi = hi.max(p.high.unwrap_or(p.value)).max(p.value);
            }
        }
        if !lo.is_finite() {
            lo = 0.0;
            hi = 100.0;
        }
        // at least 20 points of the 0-100 scale, so small changes do not look large
        let mid = 0.5 * (lo + hi);
        let half = (0.5 * (hi - lo) + 3.0).max(10.0);
        let y0 = (mid - half).floor().max(0.0);
        let y1 = (mid + half).ceil().min(100.0);
        (y0, y1)
    }
}

/// One construct's line over the waves (x = wave number): the target bold over its
/// shaded bootstrap band, a driver thin; markers at each wave and the construct's
/// name and last value at the line's end.
fn draw_series_line<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut Plot<'_, DB>,
    s: &TrendSeries,
    color: RGBColor,
) -> DrawResult<DB> {
    let pts: Vec<(f64, f64)> = s
        .points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.index.map(|e| (i as f64, e.value)))
        .collect();
    if s.is_target {
        let band: Vec<(f64, f64, f64)> = s
            .points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let e = p.index?;
                Some((i as f64, e.low?, e.high?))
            })
            .collect();
        if band.len() >= 2 {
            let mut poly: Vec<(f64, f64)> = band.iter().map(|b| (b.0, b.2)).collect();
            poly.extend(band.iter().rev().map(|b| (b.0, b.1)));
            chart.draw_series(std::iter::once(Polygon::new(
                poly,
                color.mix(0.18).filled(),
            )))?;
        }
    }
    let width = if s.is_target { 4 } else { 2 };
    let style = if s.is_target {
        color.stroke_width(width)
    } else {
        color.mix(0.75).stroke_width(width)
    };
    chart.draw_series(LineSeries::new(pts.clone(), style))?;
    chart.draw_series(
        pts.iter()
            .map(|&p| Circle::new(p, if s.is_target { 6 } else { 4 }, color.filled())),
    )?;
    if let Some(&last) = pts.last() {
        let (px, py) = chart.backend_coord(&last);
        let label = format!("{} {:.1}", s.construct.label, last.1);
        root.draw(&Text::new(
            label,
            (px + 12, py),
            font(if s.is_target { 16.0 } else { 14.0 })
                .color(&color)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}

impl Figure for TrendChart<'_> {
    fn size(&self) -> (u32, u32) {
        (960, 560)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let zh = self.lang == Lang::Chinese;
        let t = self.trend;
        let k = t.waves.len().max(1);
        let (y0, y1) = self.y_range();
        let title = match t.series.first() {
            Some(s) if zh => format!("{}指数各期变化 (0-100)", s.construct.label),
            Some(s) => format!("{} index by wave (0-100)", s.construct.label),
            None => String::new(),
        };
        let mut chart = Frame {
            title,
            title_size: 24.0,
            margin_right: 210,
            margin_bottom: 40,
            x_label_area: 44,
            y_label_area: 56,
            x: -0.3f64..(k as f64 - 0.7),
            y: y0..y1,
        }
        .build(root)?;
        let waves = t.waves.clone();
        let xfmt = move |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 {
                waves.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let yfmt = |v: &f64| format!("{v:.0}");
        let mesh = Mesh {
            y_desc: Some(index_axis(zh)),
            y_fmt: Some(&yfmt),
            x_labels: Some(k),
            ..Mesh::new(&xfmt)
        };
        draw_mesh(&mut chart, mesh)?;
        for (s, &color) in t.series.iter().zip(PALETTE.iter().cycle()) {
            draw_series_line(root, &mut chart, s, color)?;
        }
        let note = if zh {
            "粗线：目标构念，阴影为其 bootstrap 区间；细线：驱动因素。纵轴至少覆盖 20 分。"
        } else {
            "Bold line: the target, shaded: its bootstrap interval; thin lines: its drivers. The axis spans at least 20 points."
        };
        draw_footnotes(root, &[note.to_string()], 26, 13.0)
    }
}
