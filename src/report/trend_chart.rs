//! The trend chart of a report: one line per construct (the target bold, its drivers
//! thin) over the waves, with the target's bootstrap interval as a shaded band.
//! Drawn by plotters like every other chart ([`crate::report::chart`]).

use crate::ipma::Lang;
use crate::report::chart::{font, DrawResult, Figure};
use crate::report::data::Trend;
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

impl Figure for TrendChart<'_> {
    fn size(&self) -> (u32, u32) {
        (960, 560)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let zh = self.lang == Lang::Chinese;
        let t = self.trend;
        let k = t.waves.len().max(1);
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for s in &t.series {
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
        let title = match t.series.first() {
            Some(s) if zh => format!("{}指数各期变化 (0-100)", s.construct.label),
            Some(s) => format!("{} index by wave (0-100)", s.construct.label),
            None => String::new(),
        };
        let mut chart = ChartBuilder::on(root)
            .caption(title, font(24.0))
            .margin(20)
            .margin_right(210)
            .margin_bottom(40)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.3f64..(k as f64 - 0.7), y0..y1)?;
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
        chart
            .configure_mesh()
            .x_labels(k)
            .light_line_style(RGBColor(246, 246, 246))
            .bold_line_style(RGBColor(228, 228, 228))
            .y_desc(if zh {
                "指数 (0-100)"
            } else {
                "Index (0-100)"
            })
            .label_style(font(15.0))
            .axis_desc_style(font(16.0))
            .x_label_formatter(&xfmt)
            .y_label_formatter(&yfmt)
            .draw()?;
        for (r, s) in t.series.iter().enumerate() {
            let color = PALETTE[r % PALETTE.len()];
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
        }
        let note = if zh {
            "粗线：目标构念，阴影为其 bootstrap 区间；细线：驱动因素。纵轴至少覆盖 20 分。"
        } else {
            "Bold line: the target, shaded: its bootstrap interval; thin lines: its drivers. The axis spans at least 20 points."
        };
        let (_, h) = root.dim_in_pixel();
        root.draw(&Text::new(
            note,
            (20, h as i32 - 26),
            font(13.0).color(&RGBColor(110, 110, 110)),
        ))?;
        Ok(())
    }
}
