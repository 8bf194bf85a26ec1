//! Drawing steps every cartesian chart of csi shares: the frame (title, margins, label
//! areas, axes), the grid, horizontal bars with whiskers and their labels, and the
//! notes under a chart. The quadrant, index, competitor and trend charts all draw
//! through these, so they look alike.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::{font, DrawResult, INK, MUTED};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::ops::Range;

/// A plotting area with `f64` axes on both sides.
pub(crate) type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// What a drawing step that returns a value fails with.
pub(crate) type DrawError<DB> = DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>;

/// The frame of a chart: a caption in the chart font, 20 px margins (the right and
/// bottom ones set per chart: room for end labels and notes), the label areas and
/// the axis ranges.
pub(crate) struct Frame {
    /// The caption.
    pub title: String,
    /// The caption's font size.
    pub title_size: f64,
    /// Right margin in pixels.
    pub margin_right: u32,
    /// Bottom margin in pixels (the notes go there).
    pub margin_bottom: u32,
    /// Height of the x tick-label area.
    pub x_label_area: u32,
    /// Width of the y tick-label area.
    pub y_label_area: u32,
    /// The x range.
    pub x: Range<f64>,
    /// The y range.
    pub y: Range<f64>,
}

impl Frame {
    /// The cartesian plotting area of this frame on `root`.
    pub(crate) fn build<DB: DrawingBackend>(
        self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<Plot<'_, DB>, DrawError<DB>> {
        ChartBuilder::on(root)
            .caption(self.title, font(self.title_size))
            .margin(20)
            .margin_right(self.margin_right)
            .margin_bottom(self.margin_bottom)
            .x_label_area_size(self.x_label_area)
            .y_label_area_size(self.y_label_area)
            .build_cartesian_2d(self.x, self.y)
    }
}

/// The grid and axis texts of a chart.
pub(crate) struct Mesh<'f> {
    /// Description of the x axis.
    pub x_desc: Option<String>,
    /// Description of the y axis.
    pub y_desc: Option<String>,
    /// Font size of the axis descriptions.
    pub desc_size: f64,
    /// The x tick labels.
    pub x_fmt: &'f dyn Fn(&f64) -> String,
    /// The y tick labels (`None`: plotters' default).
    pub y_fmt: Option<&'f dyn Fn(&f64) -> String>,
    /// Number of x ticks (`None`: plotters' default).
    pub x_labels: Option<usize>,
    /// A bar chart: no horizontal grid lines and no y ticks (the bars are labelled).
    pub rows: bool,
}

impl<'f> Mesh<'f> {
    /// Tick labels on x by `x_fmt`; no axis descriptions; 16 px descriptions when set;
    /// plotters' defaults for the rest.
    pub(crate) fn new(x_fmt: &'f dyn Fn(&f64) -> String) -> Self {
        Mesh {
            x_desc: None,
            y_desc: None,
            desc_size: 16.0,
            x_fmt,
            y_fmt: None,
            x_labels: None,
            rows: false,
        }
    }
}

/// The description of an index axis, in Chinese or English.
pub(crate) fn index_axis(zh: bool) -> String {
    if zh {
        "指数 (0-100)"
    } else {
        "Index (0-100)"
    }
    .to_string()
}

/// Draw the grid of every chart: light grey lines, 15 px tick labels, the axis
/// descriptions and formatters of `mesh`.
pub(crate) fn draw_mesh<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    mesh: Mesh,
) -> DrawResult<DB> {
    let mut style = chart.configure_mesh();
    style
        .light_line_style(RGBColor(246, 246, 246))
        .bold_line_style(RGBColor(228, 228, 228))
        .label_style(font(15.0))
        .axis_desc_style(font(mesh.desc_size))
        .x_label_formatter(mesh.x_fmt);
    if mesh.rows {
        style.disable_y_mesh().y_labels(0);
    }
    if let Some(n) = mesh.x_labels {
        style.x_labels(n);
    }
    if let Some(d) = mesh.x_desc {
        style.x_desc(d);
    }
    if let Some(d) = mesh.y_desc {
        style.y_desc(d);
    }
    if let Some(f) = mesh.y_fmt {
        style.y_label_formatter(f);
    }
    style.draw()
}

/// Notes under a chart in grey, one per line (18 px apart), the last one `bottom` px
/// above the bottom edge.
pub(crate) fn draw_footnotes<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    lines: &[String],
    bottom: i32,
    size: f64,
) -> DrawResult<DB> {
    let (_, h) = root.dim_in_pixel();
    let top = h as i32 - bottom - 18 * (lines.len() as i32 - 1);
    for (i, line) in lines.iter().enumerate() {
        root.draw(&Text::new(
            line.clone(),
            (20, top + 18 * i as i32),
            font(size).color(&MUTED),
        ))?;
    }
    Ok(())
}

/// The note on bootstrap whiskers of a bar chart: the level (a fraction) and number
/// of resamples, or how to get intervals.
pub(crate) fn whisker_note(boot: Option<(f64, usize)>, zh: bool) -> String {
    match (boot, zh) {
        (Some((level, resamples)), true) => format!(
            "误差线：{:.0}% bootstrap 区间 ({} 次)。",
            level * 100.0,
            resamples
        ),
        (Some((level, resamples)), false) => format!(
            "Whiskers: {:.0}% bootstrap intervals ({} resamples).",
            level * 100.0,
            resamples
        ),
        (None, true) => "加 --bootstrap N 可显示区间。".to_string(),
        (None, false) => "Add --bootstrap N for intervals.".to_string(),
    }
}

/// The frame and grid of a horizontal bar chart of 0-100 indices: `rows` bars
/// (plus `top_band` rows of empty space above them), group labels in a left area
/// `label_w` px wide, the x axis "Index (0-100)".
pub(crate) struct BarFrame {
    /// The caption.
    pub title: String,
    /// Number of bars.
    pub rows: usize,
    /// Empty rows above the bars.
    pub top_band: f64,
    /// Width of the label area, pixels.
    pub label_w: f64,
    /// Right margin, pixels.
    pub margin_right: u32,
    /// Bottom margin, pixels.
    pub margin_bottom: u32,
    /// Chinese axis text.
    pub zh: bool,
}

impl BarFrame {
    /// The plotting area with its grid drawn.
    pub(crate) fn draw<DB: DrawingBackend>(
        self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<Plot<'_, DB>, DrawError<DB>> {
        let mut chart = Frame {
            title: self.title,
            title_size: 24.0,
            margin_right: self.margin_right,
            margin_bottom: self.margin_bottom,
            x_label_area: 50,
            y_label_area: self.label_w.ceil() as u32,
            x: 0f64..100f64,
            y: 0f64..self.rows as f64 + self.top_band,
        }
        .build(root)?;
        let xfmt = |v: &f64| format!("{v:.0}");
        let mesh = Mesh {
            x_desc: Some(index_axis(self.zh)),
            rows: true,
            ..Mesh::new(&xfmt)
        };
        draw_mesh(&mut chart, mesh)?;
        Ok(chart)
    }
}

/// One horizontal bar from 0 to `v` centred on `yc`, with an interval whisker
/// `(lo, hi)` when given; returns the right end of what was drawn (for a value label).
/// Shared by the index chart and the competitor chart.
pub fn bar_with_whisker<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    yc: f64,
    v: f64,
    ci: Option<(f64, f64)>,
    color: RGBColor,
) -> std::result::Result<f64, DrawingAreaErrorKind<DB::ErrorType>> {
    chart.draw_series(std::iter::once(Rectangle::new(
        [(0.0, yc - 0.32), (v, yc + 0.32)],
        color.filled(),
    )))?;
    let Some((lo, hi)) = ci else { return Ok(v) };
    let s = INK.stroke_width(2);
    for seg in [
        vec![(lo, yc), (hi, yc)],
        vec![(lo, yc - 0.15), (lo, yc + 0.15)],
        vec![(hi, yc - 0.15), (hi, yc + 0.15)],
    ] {
        chart.draw_series(std::iter::once(PathElement::new(seg, s)))?;
    }
    Ok(v.max(hi))
}

/// One labelled bar of a bar chart.
pub(crate) struct BarRow {
    /// Centre of the bar on the y axis.
    pub yc: f64,
    /// The value (bar length).
    pub value: f64,
    /// Its interval (whisker).
    pub ci: Option<(f64, f64)>,
    /// Bar colour.
    pub color: RGBColor,
    /// Text right of the bar (value, stars).
    pub value_text: String,
    /// Text left of the bar (the row's name).
    pub label: String,
    /// The value text sits on an opaque box (a line passing behind it stays readable).
    pub opaque: bool,
}

/// Draw a bar with its whisker ([`bar_with_whisker`]), its value right of it and its
/// name in the label area left of the axis.
pub(crate) fn draw_bar_row<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut Plot<'_, DB>,
    row: BarRow,
) -> DrawResult<DB> {
    let end = bar_with_whisker(chart, row.yc, row.value, row.ci, row.color)?;
    let (px, py) = chart.backend_coord(&(end, row.yc));
    if row.opaque {
        let (tw, th) = super::text_size(&row.value_text, 15.0);
        root.draw(&Rectangle::new(
            [
                (px + 4, py - (th / 2.0).ceil() as i32 - 3),
                (
                    px + 12 + tw.ceil() as i32,
                    py + (th / 2.0).ceil() as i32 + 3,
                ),
            ],
            WHITE.filled(),
        ))?;
    }
    root.draw(&Text::new(
        row.value_text,
        (px + 8, py),
        font(15.0)
            .color(&INK)
            .pos(Pos::new(HPos::Left, VPos::Center)),
    ))?;
    let (lx, ly) = chart.backend_coord(&(0.0, row.yc));
    root.draw(&Text::new(
        row.label,
        (lx - 10, ly),
        font(16.0)
            .color(&INK)
            .pos(Pos::new(HPos::Right, VPos::Center)),
    ))?;
    Ok(())
}
