//! The IPMA priority quadrant chart ([`QuadrantChart`]).
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::frame::{draw_footnotes, draw_mesh, DrawError, Frame, Mesh, Plot};
use super::labels::place_labels;
use super::{font, quadrant_color, quadrant_term, DrawResult, Figure, INK};
use crate::ipma::{fmt_imp, short_label, Interval, Ipma, Lang, Level, Quadrant, Thresholds};
use crate::spec::Model;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::ops::Range;

/// A point of the quadrant chart.
#[derive(Debug, Clone)]
struct Point {
    label: String,
    imp: f64,
    perf: f64,
    quadrant: Quadrant,
    imp_ci: Option<(f64, f64)>,
    perf_ci: Option<(f64, f64)>,
}

/// A [`Point`] from a construct row or an indicator row of the map (the two row
/// types share these fields) and its label.
macro_rules! point_from_row {
    ($label:expr, $r:expr) => {
        Point {
            label: short_label($label).to_string(),
            imp: $r.importance,
            perf: $r.performance,
            quadrant: $r.quadrant,
            imp_ci: finite_interval($r.importance_ci),
            perf_ci: finite_interval($r.performance_ci),
        }
    };
}

/// The IPMA priority quadrant chart: importance on x, performance on y, split lines,
/// labelled points, quadrant names in the labels' language, bootstrap whiskers when
/// the map has intervals.
#[derive(Debug, Clone)]
pub struct QuadrantChart<'a> {
    /// The model (labels).
    pub model: &'a Model,
    /// The map.
    pub ipma: &'a Ipma,
    /// Plot indicators instead of constructs.
    pub indicators: bool,
    /// Canvas width.
    pub width: u32,
    /// Canvas height.
    pub height: u32,
    /// Fixed axis ranges `((x0, x1), (y0, y1))`, e.g. one scale for side-by-side
    /// panels; `None` = fitted to this chart's points.
    pub axes: Option<((f64, f64), (f64, f64))>,
}

/// Smallest span of the performance axis (points of the 0-100 scale): a narrower
/// span would make 0.1-point differences look large.
pub const MIN_PERFORMANCE_SPAN: f64 = 20.0;

impl<'a> QuadrantChart<'a> {
    /// The chart of one level ([`Level::Indicators`] plots items; otherwise constructs).
    pub fn new(model: &'a Model, ipma: &'a Ipma, level: Level) -> Self {
        QuadrantChart {
            model,
            ipma,
            indicators: level == Level::Indicators,
            width: 1100,
            height: if level == Level::Indicators { 900 } else { 780 },
            axes: None,
        }
    }

    /// The axis ranges this chart would choose for its own points:
    /// `((x0, x1), (y0, y1))`. Importance starts at 0 (or below the smallest negative
    /// value); performance spans at least [`MIN_PERFORMANCE_SPAN`] points.
    pub fn fitted_axes(&self) -> Option<((f64, f64), (f64, f64))> {
        let pts = self.points();
        let th = self.thresholds()?;
        if pts.is_empty() {
            return None;
        }
        let mut xs: Vec<f64> = pts.iter().map(|p| p.imp).collect();
        xs.push(th.importance);
        xs.extend(
            pts.iter()
                .filter_map(|p| p.imp_ci)
                .flat_map(|(a, b)| [a, b]),
        );
        let mut ys: Vec<f64> = pts.iter().map(|p| p.perf).collect();
        ys.push(th.performance);
        ys.extend(
            pts.iter()
                .filter_map(|p| p.perf_ci)
                .flat_map(|(a, b)| [a, b]),
        );
        let xmin = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let xmax = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let span = (xmax - xmin.min(0.0)).max(1e-3);
        let x0 = if xmin >= 0.0 { 0.0 } else { xmin - 0.08 * span };
        let x1 = xmax + 0.18 * span;
        let ymin = ys.iter().copied().fold(f64::INFINITY, f64::min);
        let ymax = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let ypad = (0.12 * (ymax - ymin)).max(1.5);
        let mut y0 = nice_floor(ymin - ypad, 5.0).max(0.0);
        let mut y1 = nice_ceil(ymax + ypad, 5.0).min(100.0);
        if y1 - y0 < MIN_PERFORMANCE_SPAN {
            let mid = 0.5 * (ymin + ymax);
            y0 = nice_floor(mid - MIN_PERFORMANCE_SPAN / 2.0, 1.0).max(0.0);
            y1 = (y0 + MIN_PERFORMANCE_SPAN).min(100.0);
            y0 = (y1 - MIN_PERFORMANCE_SPAN).max(0.0);
        }
        Some(((x0, x1), (y0, y1)))
    }

    /// The split values of the plotted level.
    fn thresholds(&self) -> Option<Thresholds> {
        if self.indicators {
            self.ipma.indicator_thresholds
        } else {
            self.ipma.construct_thresholds
        }
    }

    fn points(&self) -> Vec<Point> {
        let m = self.model;
        if self.indicators {
            let rows = self.ipma.indicators.iter();
            rows.map(|r| point_from_row!(m.item_label(r.item), r))
                .collect()
        } else {
            let rows = self.ipma.constructs.iter();
            rows.map(|r| point_from_row!(m.construct_label(r.construct), r))
                .collect()
        }
    }
}

/// An interval kept only when both ends are finite.
fn finite_interval(c: Option<Interval>) -> Option<(f64, f64)> {
    c.filter(|c| c.low.is_finite() && c.high.is_finite())
        .map(|c| (c.low, c.high))
}

fn nice_floor(v: f64, step: f64) -> f64 {
    (v / step).floor() * step
}

/// Decimals of the importance axis's tick labels: the fewest (from one) that tell
/// plotters' ticks on `x` apart. The ticks are the mesh's own (`key_points` with
/// [`X_TICKS`] labels at most); one decimal for steps of 0.05 showed "0.1, 0.1, 0.2,
/// 0.2" on the airline sample's map with whiskers.
fn importance_decimals(x: &Range<f64>) -> usize {
    use plotters::coord::ranged1d::Ranged;
    let ticks = plotters::coord::types::RangedCoordf64::from(x.clone()).key_points(X_TICKS);
    (1..=6)
        .find(|&d| {
            ticks
                .iter()
                .zip(ticks.iter().skip(1))
                .all(|(a, b)| format!("{a:.d$}") != format!("{b:.d$}"))
        })
        .unwrap_or(6)
}

/// The most tick labels plotters puts on an axis (its mesh default, which the quadrant
/// chart keeps).
const X_TICKS: usize = 11;

fn nice_ceil(v: f64, step: f64) -> f64 {
    (v / step).ceil() * step
}

impl QuadrantChart<'_> {
    /// The plotting frame: importance on x (1 to 3 decimals by the span of the axis),
    /// performance on y in whole points.
    fn axes_frame<'r, DB: DrawingBackend>(
        &self,
        root: &'r DrawingArea<DB, Shift>,
        title: String,
        target: &str,
        (x, y): (Range<f64>, Range<f64>),
    ) -> Result<Plot<'r, DB>, DrawError<DB>> {
        let zh = self.ipma.lang == Lang::Chinese;
        let x_desc = if zh {
            format!("重要性 (对{target}的总效应, 0-100 分制)")
        } else {
            format!("Importance (total effect on {target}, 0-100 scores)")
        };
        let y_desc = if zh {
            "绩效 (0-100)"
        } else {
            "Performance (0-100)"
        };
        let xdec = importance_decimals(&x);
        let mut chart = Frame {
            title,
            title_size: 26.0,
            margin_right: 20,
            margin_bottom: 46,
            x_label_area: 58,
            y_label_area: 68,
            x,
            y,
        }
        .build(root)?;
        let xfmt = move |v: &f64| format!("{v:.xdec$}");
        let yfmt = |v: &f64| format!("{v:.0}");
        let mesh = Mesh {
            x_desc: Some(x_desc),
            y_desc: Some(y_desc.to_string()),
            desc_size: 17.0,
            y_fmt: Some(&yfmt),
            ..Mesh::new(&xfmt)
        };
        draw_mesh(&mut chart, mesh)?;
        Ok(chart)
    }

    /// Bootstrap whiskers, then the points in their quadrant's colour: filled, or
    /// hollow when an interval crosses a split line (the quadrant is uncertain).
    fn draw_markers<DB: DrawingBackend>(
        &self,
        chart: &mut Plot<'_, DB>,
        pts: &[Point],
        th: Thresholds,
    ) -> DrawResult<DB> {
        // whiskers (at item level only for a few points: dozens of crossing whiskers
        // hide the points; the hollow markers still flag uncertain quadrants), then points
        let whiskers = !self.indicators || pts.len() <= 12;
        for p in pts.iter().filter(|_| whiskers) {
            let c = quadrant_color(p.quadrant);
            if let Some((lo, hi)) = p.imp_ci {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(lo, p.perf), (hi, p.perf)],
                    c.mix(0.45).stroke_width(2),
                )))?;
            }
            if let Some((lo, hi)) = p.perf_ci {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(p.imp, lo), (p.imp, hi)],
                    c.mix(0.45).stroke_width(2),
                )))?;
            }
        }
        for p in pts {
            let c = quadrant_color(p.quadrant);
            let uncertain = p
                .imp_ci
                .is_some_and(|(a, b)| a <= th.importance && th.importance <= b)
                || p.perf_ci
                    .is_some_and(|(a, b)| a <= th.performance && th.performance <= b);
            if uncertain {
                // hollow: the interval crosses a split line, the quadrant is uncertain
                chart.draw_series(std::iter::once(Circle::new(
                    (p.imp, p.perf),
                    7,
                    WHITE.filled(),
                )))?;
                chart.draw_series(std::iter::once(Circle::new(
                    (p.imp, p.perf),
                    7,
                    c.stroke_width(3),
                )))?;
            } else {
                chart.draw_series(std::iter::once(Circle::new((p.imp, p.perf), 7, c.filled())))?;
                chart.draw_series(std::iter::once(Circle::new(
                    (p.imp, p.perf),
                    7,
                    WHITE.stroke_width(1),
                )))?;
            }
        }
        Ok(())
    }

    /// The note under the chart: where the split lines are and why, the zoom of the
    /// performance axis, and what the whiskers and hollow points mean.
    fn footnote(&self, th: Thresholds, y: &Range<f64>) -> String {
        let zh = self.ipma.lang == Lang::Chinese;
        let how = match (self.ipma.split, zh) {
            (crate::ipma::Split::Mean, true) => "均值",
            (crate::ipma::Split::Median, true) => "中位数",
            (crate::ipma::Split::Value { .. }, true) => "设定值",
            (crate::ipma::Split::Mean, false) => "mean",
            (crate::ipma::Split::Median, false) => "median",
            (crate::ipma::Split::Value { .. }, false) => "set values",
        };
        let mut note = if zh {
            format!(
                "虚线 ({how})：重要性 {}，绩效 {:.1}。右下角的修补区重要性高而绩效低，应优先改进。",
                fmt_imp(th.importance),
                th.performance
            )
        } else {
            format!(
                "Dashed lines ({how}): importance {}, performance {:.1}. Bottom right: important but weak, raise first.",
                fmt_imp(th.importance),
                th.performance
            )
        };
        let (y0, y1) = (y.start, y.end);
        if y0 > 0.0 || y1 < 100.0 {
            note.push_str(&if zh {
                format!(" 纵轴只显示 {y0:.0}-{y1:.0} 分 (放大)。")
            } else {
                format!(" Performance axis zoomed to {y0:.0}-{y1:.0}.")
            });
        }
        if let Some(b) = &self.ipma.bootstrap {
            if zh {
                note.push_str(&format!(
                    " 误差线：{:.0}% bootstrap 区间 ({} 次)，空心点：区间跨过分界线，象限不确定。",
                    b.level * 100.0,
                    b.resamples
                ));
            } else {
                note.push_str(&format!(
                    " Whiskers: {:.0}% bootstrap intervals ({} resamples); hollow: the interval crosses a split line (quadrant uncertain).",
                    b.level * 100.0,
                    b.resamples
                ));
            }
        }
        note
    }
}

/// The split lines (dashed) at the thresholds, clamped into the axes, over a tint of
/// the two high-importance quadrants.
fn draw_split_lines<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    th: Thresholds,
    (x, y): (&Range<f64>, &Range<f64>),
) -> DrawResult<DB> {
    let (x0, x1, y0, y1) = (x.start, x.end, y.start, y.end);
    let ti = th.importance.clamp(x0, x1);
    let tp = th.performance.clamp(y0, y1);
    // tint the two high-importance quadrants
    chart.draw_series(std::iter::once(Rectangle::new(
        [(ti, y0), (x1, tp)],
        quadrant_color(Quadrant::ConcentrateHere).mix(0.07).filled(),
    )))?;
    chart.draw_series(std::iter::once(Rectangle::new(
        [(ti, tp), (x1, y1)],
        quadrant_color(Quadrant::KeepUp).mix(0.05).filled(),
    )))?;
    let dash = ShapeStyle {
        color: RGBColor(90, 90, 90).to_rgba(),
        filled: false,
        stroke_width: 2,
    };
    chart.draw_series(DashedLineSeries::new(vec![(ti, y0), (ti, y1)], 10, 6, dash))?;
    chart.draw_series(DashedLineSeries::new(vec![(x0, tp), (x1, tp)], 10, 6, dash))?;
    Ok(())
}

/// The quadrant names (in the chart's language) in the corners of the plotting area
/// `xr` x `yr` (pixels).
fn draw_corner_names<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (xr, yr): (&Range<i32>, &Range<i32>),
    lang: Lang,
) -> DrawResult<DB> {
    let pad = 10;
    let corners = [
        (
            Quadrant::PossibleOverkill,
            xr.start + pad,
            yr.start + pad,
            HPos::Left,
            VPos::Top,
        ),
        (
            Quadrant::KeepUp,
            xr.end - pad,
            yr.start + pad,
            HPos::Right,
            VPos::Top,
        ),
        (
            Quadrant::LowPriority,
            xr.start + pad,
            yr.end - pad,
            HPos::Left,
            VPos::Bottom,
        ),
        (
            Quadrant::ConcentrateHere,
            xr.end - pad,
            yr.end - pad,
            HPos::Right,
            VPos::Bottom,
        ),
    ];
    for (q, x, y, h, v) in corners {
        let qc = quadrant_color(q);
        let style = font(19.0).color(&qc).pos(Pos::new(h, v));
        root.draw(&Text::new(quadrant_term(q, lang), (x, y), style))?;
    }
    Ok(())
}

/// The point labels on translucent boxes, placed by [`place_labels`] inside `area`
/// (pixels), with a leader line from the point when a label had to move away.
fn draw_point_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Plot<'_, DB>,
    pts: &[Point],
    area: (f64, f64, f64, f64),
) -> DrawResult<DB> {
    let label_size = if pts.len() > 15 { 13.0 } else { 16.0 };
    let px: Vec<(f64, f64)> = pts
        .iter()
        .map(|p| {
            let (x, y) = chart.backend_coord(&(p.imp, p.perf));
            (x as f64, y as f64)
        })
        .collect();
    let mut sizes = Vec::with_capacity(pts.len());
    for p in pts {
        let (w, h) = root.estimate_text_size(&p.label, &font(label_size))?;
        sizes.push((w as f64, h as f64));
    }
    let places = place_labels(&px, &sizes, area);
    for ((&((x, y), far), &(w, h)), &(cx, cy)) in places.iter().zip(&sizes).zip(&px) {
        if far {
            // leader line from the point to the nearest point of the label box
            let (lx, ly) = (cx.clamp(x, x + w), cy.clamp(y, y + h));
            root.draw(&PathElement::new(
                vec![
                    (cx.round() as i32, cy.round() as i32),
                    (lx.round() as i32, ly.round() as i32),
                ],
                RGBColor(150, 150, 150).stroke_width(1),
            ))?;
        }
    }
    for ((p, &((x, y), _)), &(w, h)) in pts.iter().zip(&places).zip(&sizes) {
        root.draw(&Rectangle::new(
            [
                ((x - 2.0).round() as i32, (y - 1.0).round() as i32),
                ((x + w + 2.0).round() as i32, (y + h + 1.0).round() as i32),
            ],
            WHITE.mix(0.75).filled(),
        ))?;
        let style = font(label_size).color(&INK);
        root.draw(&Text::new(
            p.label.clone(),
            (x.round() as i32, y.round() as i32),
            style,
        ))?;
    }
    Ok(())
}

impl Figure for QuadrantChart<'_> {
    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let pts = self.points();
        let target = short_label(self.model.construct_label(self.ipma.target)).to_string();
        let title = if self.ipma.lang == Lang::Chinese {
            format!("重要性-绩效四分图：{target}")
        } else {
            format!("Importance-performance map: {target}")
        };
        let Some(th) = self.thresholds().filter(|_| !pts.is_empty()) else {
            root.draw(&Text::new(
                format!("{title}: no drivers"),
                (20, 20),
                font(22.0),
            ))?;
            return Ok(());
        };
        let Some(((x0, x1), (y0, y1))) = self.axes.or_else(|| self.fitted_axes()) else {
            return Ok(());
        };
        let (x, y) = (x0..x1, y0..y1);
        let mut chart = self.axes_frame(root, title, &target, (x.clone(), y.clone()))?;
        draw_split_lines(&mut chart, th, (&x, &y))?;
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        draw_corner_names(root, (&xr, &yr), self.ipma.lang)?;
        self.draw_markers(&mut chart, &pts, th)?;
        let area = (
            xr.start as f64,
            yr.start as f64 + 30.0,
            xr.end as f64,
            yr.end as f64 - 24.0,
        );
        draw_point_labels(root, &chart, &pts, area)?;
        draw_footnotes(root, &[self.footnote(th, &y)], 30, 14.0)
    }
}

#[cfg(test)]
mod tests {
    use super::importance_decimals;

    /// The decimals follow plotters' tick steps (hand-checked against its key points):
    /// the airline map's axis, -0.05 to 0.45 with ticks every 0.05, needs two decimals
    /// (one gave "0.1, 0.1, 0.2, 0.2"); 0 to 1 ticks every 0.1 needs one; 0 to 0.06
    /// ticks every 0.01 needs two; 0 to 0.02 ticks every 0.002 needs three.
    #[test]
    fn tick_labels_of_the_importance_axis_are_distinct() {
        assert_eq!(importance_decimals(&(-0.05..0.45)), 2);
        assert_eq!(importance_decimals(&(-0.052..0.47)), 2);
        assert_eq!(importance_decimals(&(0.0..1.0)), 1);
        assert_eq!(importance_decimals(&(0.0..0.06)), 2);
        assert_eq!(importance_decimals(&(0.0..0.02)), 3);
    }
}
