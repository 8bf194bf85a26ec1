//! Charts with plotters: the IPMA priority quadrant chart ([`QuadrantChart`]), the
//! path diagram of the inner model ([`PathDiagram`]) and the bar chart of construct
//! indices ([`IndexChart`]); SVG or PNG by file extension ([`Output`]).
//!
//! # Fonts: Chinese labels on any machine
//! plotters is built without its system-font feature (`ttf`/font-kit) and with the
//! pure-Rust `ab_glyph` renderer, which only knows fonts registered by name. csi
//! compiles one font into the library, a GB2312 + Big5 subset of WenQuanYi Micro Hei
//! (Apache-2.0, `assets/fonts/`), and [`register_fonts`] registers it under
//! [`FONT_FAMILY`] and under plotters' generic names (`sans-serif`, `serif`,
//! `monospace`, used by default tick labels). So:
//!
//! * **PNG** text is rasterised from the bundled font: simplified and traditional
//!   Chinese render identically everywhere, with no system package;
//! * **SVG** text is written as UTF-8 `<text>` with `font-family` = [`FONT_FAMILY`], a
//!   CSS list of common CJK fonts ending in `sans-serif`; the viewer draws it with
//!   the first font it has (every current browser and OS has a CJK fallback). Text
//!   widths are measured with the bundled font, so layout is right in both formats.
//!
//! Every chart is a [`Figure`]; [`render`] writes it to an [`Output`], and
//! [`render_svg`] / [`render_rgb`] give it in memory. Other chart modules reuse
//! [`register_fonts`], [`font`], [`Output`] and [`render`].
//!
//! # Example
//! ```
//! use csi::report::chart::{render_svg, Figure, font, DrawResult};
//! use plotters::prelude::*;
//! use plotters::coord::Shift;
//!
//! struct Hello;
//! impl Figure for Hello {
//!     fn size(&self) -> (u32, u32) { (300, 80) }
//!     fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
//!         root.fill(&WHITE)?;
//!         root.draw(&Text::new("顾客满意度", (20, 30), font(24.0)))?;
//!         Ok(())
//!     }
//! }
//! let svg = render_svg(&Hello)?;
//! assert!(svg.contains("顾客满意度"));
//! # Ok::<(), csi::Error>(())
//! ```

use crate::analysis::Analysis;
use crate::bootstrap::BootstrapResult;
use crate::error::{Error, Result};
use crate::estimate::pls::PlsFit;
use crate::index::ConstructIndex;
use crate::ipma::{fmt_imp, short_label, Ipma, Lang, Level, Quadrant};
use crate::spec::Model;
use crate::stat::Stat;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{BackendColor, BackendCoord, DrawingErrorKind};
use std::path::{Path, PathBuf};

/// The bundled font: WenQuanYi Micro Hei, GB2312 + Big5 subset (Apache-2.0; see
/// `assets/fonts/README.md`).
pub static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/wqy-microhei-gb2312-big5.ttf");

/// Font family of every chart text. In SVG it is written verbatim as a CSS
/// `font-family` list; for measuring and PNG it names the bundled font.
pub const FONT_FAMILY: &str =
    "WenQuanYi Micro Hei, Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif";

/// Register the bundled font with plotters under [`FONT_FAMILY`], `sans-serif`,
/// `serif` and `monospace` (once per process; later calls are free).
///
/// # Errors
/// [`Error::Chart`] if the bundled font cannot be parsed (a corrupt build).
pub fn register_fonts() -> Result<()> {
    static DONE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        [FONT_FAMILY, "sans-serif", "serif", "monospace"]
            .iter()
            .all(|f| plotters::style::register_font(f, FontStyle::Normal, FONT_BYTES).is_ok())
    });
    if ok {
        Ok(())
    } else {
        Err(Error::Chart {
            path: "<bundled font>".into(),
            message: "the bundled font could not be loaded".into(),
        })
    }
}

/// A text style in the chart font, black.
pub fn font(size: f64) -> TextStyle<'static> {
    TextStyle::from((FONT_FAMILY, size).into_font()).color(&BLACK)
}

/// Width and height in pixels of `text` at `size` in the chart font (an estimate
/// when the font is not registered yet).
pub fn text_size(text: &str, size: f64) -> (f64, f64) {
    match font(size).font.box_size(text) {
        Ok((w, h)) => (w as f64, h as f64),
        Err(_) => (
            text.chars()
                .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
                .sum::<f64>()
                * size,
            size,
        ),
    }
}

/// Where a chart goes: the format comes from the file extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Scalable vector graphics (`.svg`).
    Svg(PathBuf),
    /// Portable network graphics (`.png`).
    Png(PathBuf),
}

impl Output {
    /// The output for a file name by its extension (`.svg` or `.png`, any case).
    ///
    /// ```
    /// use csi::report::chart::Output;
    /// assert!(matches!(Output::from_path("ipma.SVG")?, Output::Svg(_)));
    /// assert!(matches!(Output::from_path("out/ipma.png")?, Output::Png(_)));
    /// assert!(Output::from_path("ipma.pdf").is_err());
    /// # Ok::<(), csi::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Chart`] for any other extension.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Output> {
        let p = path.as_ref();
        let ext = p
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("svg") => Ok(Output::Svg(p.to_path_buf())),
            Some("png") => Ok(Output::Png(p.to_path_buf())),
            _ => Err(Error::Chart {
                path: p.display().to_string(),
                message: "unknown chart format: name the file .svg or .png".into(),
            }),
        }
    }
    /// The file path.
    pub fn path(&self) -> &Path {
        match self {
            Output::Svg(p) | Output::Png(p) => p,
        }
    }
}

/// What drawing a figure returns.
pub type DrawResult<DB> =
    std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart that can be drawn on any plotters backend.
pub trait Figure {
    /// Canvas size in pixels.
    fn size(&self) -> (u32, u32);
    /// Draw on the whole canvas.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

fn chart_err(path: &str, e: impl std::fmt::Display) -> Error {
    Error::Chart {
        path: path.to_string(),
        message: e.to_string(),
    }
}

/// Draw a figure into its output file (SVG or PNG).
///
/// # Errors
/// [`Error::Chart`] when drawing or writing fails (e.g. the folder does not exist).
pub fn render<F: Figure>(fig: &F, out: &Output) -> Result<()> {
    register_fonts()?;
    let size = fig.size();
    let name = out.path().display().to_string();
    if let Some(dir) = out.path().parent() {
        if !dir.as_os_str().is_empty() && !dir.is_dir() {
            return Err(chart_err(&name, "the folder does not exist"));
        }
    }
    match out {
        Output::Svg(p) => {
            let svg = render_svg(fig)?;
            std::fs::write(p, svg).map_err(|e| Error::io(p, e))
        }
        Output::Png(p) => {
            let root = GlyphFix(BitMapBackend::new(p, size)).into_drawing_area();
            fig.draw(&root).map_err(|e| chart_err(&name, e))?;
            root.present().map_err(|e| chart_err(&name, e))
        }
    }
}

/// A bitmap backend whose text is drawn glyph by glyph at the font's advance widths.
///
/// plotters' own `ab_glyph` text drawing drops each glyph's left side bearing, which
/// spaces digits and CJK characters oddly in PNG charts ("0.1 31" for "0.131");
/// layout (text widths) was right all along. This wrapper delegates everything to the
/// inner backend except [`DrawingBackend::draw_text`], which it draws itself from the
/// bundled font at the same anchor, size, colour and rotation.
pub struct GlyphFix<B>(pub B);

fn glyph_font() -> Option<&'static ab_glyph::FontRef<'static>> {
    static FONT: std::sync::OnceLock<Option<ab_glyph::FontRef<'static>>> =
        std::sync::OnceLock::new();
    FONT.get_or_init(|| ab_glyph::FontRef::try_from_slice(FONT_BYTES).ok())
        .as_ref()
}

impl<B: DrawingBackend> DrawingBackend for GlyphFix<B> {
    type ErrorType = B::ErrorType;
    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }
    fn ensure_prepared(&mut self) -> std::result::Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.ensure_prepared()
    }
    fn present(&mut self) -> std::result::Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.present()
    }
    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> std::result::Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.draw_pixel(point, color)
    }
    fn draw_line<S: plotters_backend::BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> std::result::Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.draw_line(from, to, style)
    }
    fn draw_rect<S: plotters_backend::BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> std::result::Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> std::result::Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.draw_path(path, style)
    }
    fn draw_circle<S: plotters_backend::BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> std::result::Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.draw_circle(center, radius, style, fill)
    }
    fn fill_polygon<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> std::result::Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.fill_polygon(vert, style)
    }
    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> std::result::Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.blit_bitmap(pos, size, src)
    }
    fn draw_text<S: plotters_backend::BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> std::result::Result<(), DrawingErrorKind<B::ErrorType>> {
        use ab_glyph::{Font, ScaleFont};
        use plotters_backend::text_anchor::{HPos, VPos};
        let Some(font) = glyph_font() else {
            return self.0.draw_text(text, style, pos);
        };
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let ((min_x, min_y), (max_x, max_y)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let trans = style.transform();
        let (w, h) = self.get_size();
        let size = style.size() as f32;
        let scaled = font.as_scaled(size);
        let mut x_pos = 0f32;
        let mut prev = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                x_pos += scaled.kern(p, id);
            }
            prev = Some(id);
            let glyph = id.with_scale_and_position(size, ab_glyph::point(x_pos, 0.0));
            if let Some(q) = font.outline_glyph(glyph) {
                let r = q.px_bounds();
                // same baseline as plotters (size / 2 below the top), true bearings
                let (gx, gy) = (r.min.x as i32, (size / 2.0 + r.min.y) as i32);
                let mut px = Vec::new();
                q.draw(|x, y, cov| px.push((gx + x as i32, gy + y as i32, cov)));
                for (x, y, cov) in px {
                    let (x, y) = trans.transform(x + dx - min_x, y + dy - min_y);
                    let (x, y) = (pos.0 + x, pos.1 + y);
                    if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 && cov > 0.0 {
                        self.0.draw_pixel(
                            (x, y),
                            BackendColor {
                                alpha: color.alpha * cov.min(1.0) as f64,
                                rgb: color.rgb,
                            },
                        )?;
                    }
                }
            }
            x_pos += scaled.h_advance(id);
        }
        Ok(())
    }
}

/// The figure as an SVG document.
///
/// # Errors
/// [`Error::Chart`] when drawing fails.
pub fn render_svg<F: Figure>(fig: &F) -> Result<String> {
    register_fonts()?;
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, fig.size()).into_drawing_area();
        fig.draw(&root).map_err(|e| chart_err("<svg>", e))?;
        root.present().map_err(|e| chart_err("<svg>", e))?;
    }
    // plotters escapes `&` and `<` in text but passes control characters through,
    // which no XML parser accepts: make them visible (issue 10, item 7)
    Ok(match crate::text_safety::markup_document(&s) {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(safe) => safe,
    })
}

/// The figure as RGB pixels (row-major, 3 bytes per pixel, `size()` wide and high).
///
/// # Errors
/// [`Error::Chart`] when drawing fails.
pub fn render_rgb<F: Figure>(fig: &F) -> Result<Vec<u8>> {
    register_fonts()?;
    let (w, h) = fig.size();
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    {
        let root = GlyphFix(BitMapBackend::with_buffer(&mut buf, (w, h))).into_drawing_area();
        fig.draw(&root).map_err(|e| chart_err("<bitmap>", e))?;
        root.present().map_err(|e| chart_err("<bitmap>", e))?;
    }
    Ok(buf)
}

/// Colour of a quadrant.
pub fn quadrant_color(q: Quadrant) -> RGBColor {
    match q {
        Quadrant::ConcentrateHere => RGBColor(214, 39, 40),
        Quadrant::KeepUp => RGBColor(44, 140, 44),
        Quadrant::LowPriority => RGBColor(120, 120, 120),
        Quadrant::PossibleOverkill => RGBColor(31, 119, 180),
    }
}

/// A quadrant in the words every output of the report uses (chart corners, tables,
/// action lists): `修补区 · 优先提升` in Chinese, `Concentrate here` in English.
///
/// ```
/// use csi::ipma::{Lang, Quadrant};
/// use csi::report::chart::quadrant_term;
/// assert_eq!(quadrant_term(Quadrant::ConcentrateHere, Lang::Chinese), "修补区 · 优先提升");
/// assert_eq!(quadrant_term(Quadrant::KeepUp, Lang::English), "Keep up");
/// ```
pub fn quadrant_term(q: Quadrant, lang: Lang) -> String {
    match lang {
        Lang::Chinese => format!("{} · {}", q.name(lang), q.advice(lang)),
        Lang::English => {
            let n = q.name(lang);
            let mut c = n.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
    }
}

const INK: RGBColor = RGBColor(40, 40, 40);
const MUTED: RGBColor = RGBColor(110, 110, 110);

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
        let th = if self.indicators {
            self.ipma.indicator_thresholds
        } else {
            self.ipma.construct_thresholds
        }?;
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

    fn points(&self) -> Vec<Point> {
        let ci = |c: &Option<crate::ipma::Interval>| {
            c.filter(|c| c.low.is_finite() && c.high.is_finite())
                .map(|c| (c.low, c.high))
        };
        if self.indicators {
            self.ipma
                .indicators
                .iter()
                .map(|r| Point {
                    label: short_label(self.model.item_label(r.item)).to_string(),
                    imp: r.importance,
                    perf: r.performance,
                    quadrant: r.quadrant,
                    imp_ci: ci(&r.importance_ci),
                    perf_ci: ci(&r.performance_ci),
                })
                .collect()
        } else {
            self.ipma
                .constructs
                .iter()
                .map(|r| Point {
                    label: short_label(self.model.construct_label(r.construct)).to_string(),
                    imp: r.importance,
                    perf: r.performance,
                    quadrant: r.quadrant,
                    imp_ci: ci(&r.importance_ci),
                    perf_ci: ci(&r.performance_ci),
                })
                .collect()
        }
    }
}

fn overlap(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> f64 {
    let w = (a.2.min(b.2) - a.0.max(b.0)).max(0.0);
    let h = (a.3.min(b.3) - a.1.max(b.1)).max(0.0);
    w * h
}

/// Place labels next to points without overlapping each other or the points: the
/// top-left corner of each label box, and whether it sits away from its point (then a
/// leader line is drawn). Crowded points are placed first; each tries 12 positions
/// around its point, then the 8 main directions pushed 25 to 170 px further out (the
/// farther, the costlier), and takes the position overlapping least.
fn place_labels(
    pts: &[(f64, f64)],
    sizes: &[(f64, f64)],
    area: (f64, f64, f64, f64),
) -> Vec<((f64, f64), bool)> {
    let n = pts.len();
    let boxes: Vec<(f64, f64, f64, f64)> = pts
        .iter()
        .map(|&(x, y)| (x - 8.0, y - 8.0, x + 8.0, y + 8.0))
        .collect();
    let crowd = |i: usize| {
        pts.iter()
            .filter(|p| (p.0 - pts[i].0).abs() < 60.0 && (p.1 - pts[i].1).abs() < 30.0)
            .count()
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(crowd(i)));
    let mut out = vec![((0.0, 0.0), false); n];
    let mut labels: Vec<Option<(f64, f64, f64, f64)>> = vec![None; n];
    // greedy placement, crowded points first, then two passes that move each label
    // to its best place given all the others
    for pass in 0..3 {
        let mut moved = false;
        for &i in &order {
            let place = |labels: &[Option<(f64, f64, f64, f64)>]| {
                let (x, y) = pts[i];
                let (w, h) = sizes[i];
                let mut cands: Vec<(f64, f64, f64)> = [
                    (10.0, -h / 2.0),
                    (-10.0 - w, -h / 2.0),
                    (6.0, -h - 6.0),
                    (6.0, 6.0),
                    (-w / 2.0, -h - 10.0),
                    (-w / 2.0, 10.0),
                    (-6.0 - w, -h - 6.0),
                    (-6.0 - w, 6.0),
                    (10.0, -1.5 * h - 4.0),
                    (10.0, 0.5 * h + 4.0),
                    (-10.0 - w, -1.5 * h - 4.0),
                    (-10.0 - w, 0.5 * h + 4.0),
                ]
                .iter()
                .map(|&(dx, dy)| (dx, dy, 0.0))
                .collect();
                for push in [25.0, 50.0, 85.0, 125.0, 170.0] {
                    for (ux, uy) in [
                        (1.0, 0.0),
                        (-1.0, 0.0),
                        (0.0, -1.0),
                        (0.0, 1.0),
                        (1.0, -1.0),
                        (1.0, 1.0),
                        (-1.0, -1.0),
                        (-1.0, 1.0),
                    ] {
                        let dx = if ux > 0.0 {
                            10.0 + push
                        } else if ux < 0.0 {
                            -10.0 - w - push
                        } else {
                            -w / 2.0
                        };
                        let dy = if uy > 0.0 {
                            8.0 + push * 0.6
                        } else if uy < 0.0 {
                            -h - 8.0 - push * 0.6
                        } else {
                            -h / 2.0
                        };
                        cands.push((dx, dy, push));
                    }
                }
                let mut best = (f64::INFINITY, cands[0]);
                for (c, &(dx, dy, push)) in cands.iter().enumerate() {
                    let b = (x + dx, y + dy, x + dx + w, y + dy + h);
                    let outside = (area.0 - b.0).max(0.0)
                        + (b.2 - area.2).max(0.0)
                        + (area.1 - b.1).max(0.0)
                        + (b.3 - area.3).max(0.0);
                    // near positions first; a pushed label costs more the farther it goes
                    let far_cost = if push > 0.0 { 30.0 + 0.5 * push } else { 0.0 };
                    let mut cost = outside * 1000.0 + c as f64 * 0.01 + far_cost;
                    for o in boxes.iter().chain(
                        labels
                            .iter()
                            .enumerate()
                            .filter(|(k, _)| *k != i)
                            .filter_map(|(_, l)| l.as_ref()),
                    ) {
                        cost += 5.0 * overlap(b, *o);
                    }
                    if cost < best.0 {
                        best = (cost, (dx, dy, push));
                    }
                }

                let (dx, dy, push) = best.1;
                let (x, y) = pts[i];
                let (w, h) = sizes[i];
                ((x + dx, y + dy, x + dx + w, y + dy + h), push > 0.0)
            };
            let (b, far) = place(&labels);
            if labels[i] != Some(b) {
                moved = true;
            }
            labels[i] = Some(b);
            out[i] = ((b.0, b.1), far);
        }
        if pass > 0 && !moved {
            break;
        }
    }
    out
}

fn nice_floor(v: f64, step: f64) -> f64 {
    (v / step).floor() * step
}

fn nice_ceil(v: f64, step: f64) -> f64 {
    (v / step).ceil() * step
}

impl Figure for QuadrantChart<'_> {
    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let lang = self.ipma.lang;
        let zh = lang == Lang::Chinese;
        let pts = self.points();
        let th = if self.indicators {
            self.ipma.indicator_thresholds
        } else {
            self.ipma.construct_thresholds
        };
        let target = short_label(self.model.construct_label(self.ipma.target)).to_string();
        let title = if zh {
            format!("重要性-绩效四分图：{target}")
        } else {
            format!("Importance-performance map: {target}")
        };
        let Some(th) = th.filter(|_| !pts.is_empty()) else {
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
        let zoomed = y0 > 0.0 || y1 < 100.0;
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
        let mut chart = ChartBuilder::on(root)
            .caption(title, font(26.0))
            .margin(20)
            .margin_bottom(46)
            .x_label_area_size(58)
            .y_label_area_size(68)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        let xdec = if x1 - x0 >= 0.5 {
            1
        } else if x1 - x0 >= 0.05 {
            2
        } else {
            3
        };
        let xfmt = move |v: &f64| format!("{v:.xdec$}");
        let yfmt = |v: &f64| format!("{v:.0}");
        chart
            .configure_mesh()
            .light_line_style(RGBColor(246, 246, 246))
            .bold_line_style(RGBColor(228, 228, 228))
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style(font(15.0))
            .axis_desc_style(font(17.0))
            .x_label_formatter(&xfmt)
            .y_label_formatter(&yfmt)
            .draw()?;
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
        // quadrant names in the corners
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let corner = |q: Quadrant| quadrant_term(q, lang);
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
            root.draw(&Text::new(corner(q), (x, y), style))?;
        }
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
        for p in &pts {
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
        // labels
        let label_size = if pts.len() > 15 { 13.0 } else { 16.0 };
        let px: Vec<(f64, f64)> = pts
            .iter()
            .map(|p| {
                let (x, y) = chart.backend_coord(&(p.imp, p.perf));
                (x as f64, y as f64)
            })
            .collect();
        let mut sizes = Vec::with_capacity(pts.len());
        for p in &pts {
            let (w, h) = root.estimate_text_size(&p.label, &font(label_size))?;
            sizes.push((w as f64, h as f64));
        }
        let area = (
            xr.start as f64,
            yr.start as f64 + 30.0,
            xr.end as f64,
            yr.end as f64 - 24.0,
        );
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
        // footnote
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
        if zoomed {
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
        let (w, h) = root.dim_in_pixel();
        let _ = w;
        root.draw(&Text::new(
            note,
            (20, h as i32 - 30),
            font(14.0).color(&MUTED),
        ))?;
        Ok(())
    }
}

use crate::report::text::stars;

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

/// The path diagram of the inner model: constructs as boxes (label, name, R², index),
/// arrows with standardized coefficients (line width grows with |coefficient|),
/// significance stars from the bootstrap when given.
///
/// Layout: constructs in columns by their longest path from an exogenous construct;
/// arrows that skip columns are drawn as arcs above or below.
#[derive(Debug, Clone)]
pub struct PathDiagram<'a> {
    /// The model.
    pub model: &'a Model,
    /// The PLS solution.
    pub fit: &'a PlsFit,
    /// 0-100 indices shown in the boxes.
    pub indices: Option<&'a [ConstructIndex]>,
    /// Bootstrap results (stars).
    pub boot: Option<&'a BootstrapResult>,
    /// Language of titles and notes (`None`: the model's labels decide).
    pub lang: Option<Lang>,
}

impl<'a> PathDiagram<'a> {
    /// The diagram of an analysis.
    pub fn new(a: &'a Analysis, boot: Option<&'a BootstrapResult>) -> Self {
        PathDiagram {
            model: &a.model,
            fit: &a.fit,
            indices: Some(&a.indices),
            boot,
            lang: None,
        }
    }
}

struct Node {
    cx: f64,
    cy: f64,
    w: f64,
    h: f64,
    lines: Vec<(String, f64, RGBColor)>,
}

struct Edge {
    from: usize,
    to: usize,
    /// control-point offset (0 = straight)
    bulge: f64,
    /// both ends in one column (stacked layout): drawn top to bottom
    vertical: bool,
}

struct Layout {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    size: (u32, u32),
}

const LINE_GAP: f64 = 1.3;

impl PathDiagram<'_> {
    fn lang(&self) -> Lang {
        self.lang.unwrap_or_else(|| Lang::of_model(self.model))
    }

    fn layout(&self) -> Layout {
        let m = self.model;
        let q = m.n_constructs();
        let zh = self.lang() == Lang::Chinese;
        let mut layer = vec![0usize; q];
        for &j in m.topological_order() {
            layer[j] = m
                .predecessors(j)
                .iter()
                .map(|&i| layer[i] + 1)
                .max()
                .unwrap_or(0);
        }
        let mut n_layers = layer.iter().copied().max().unwrap_or(0) + 1;
        // More than 4 layers (a 7-construct ECSI is one chain of 7) would make one
        // long row: stack a construct under its only predecessor (at most 3 to a
        // column), as CSI diagrams draw image -> expectation -> quality.
        let stacked = n_layers > 4;
        if stacked {
            let mut col = vec![0usize; q];
            let mut count: Vec<usize> = vec![0; q];
            for &j in m.topological_order() {
                let preds = m.predecessors(j);
                col[j] = match preds {
                    [] => 0,
                    [p] if count[col[*p]] < 3 => col[*p],
                    _ => preds.iter().map(|&i| col[i] + 1).max().unwrap_or(0),
                };
                count[col[j]] += 1;
            }
            layer = col;
            n_layers = layer.iter().copied().max().unwrap_or(0) + 1;
        }
        let mut cols: Vec<Vec<usize>> = vec![Vec::new(); n_layers];
        for &j in m.topological_order() {
            cols[layer[j]].push(j);
        }
        if !stacked {
            for c in cols.iter_mut() {
                c.sort_unstable();
            }
        }
        // node contents
        let mut nodes: Vec<Node> = (0..q)
            .map(|j| {
                let c = &m.constructs[j];
                let label = short_label(m.construct_label(j)).to_string();
                let mut lines = vec![(label.clone(), 17.0, INK)];
                if label != c.name {
                    lines.push((c.name.clone(), 12.0, MUTED));
                }
                if let Some(r2) = self.fit.r2.get(j).copied().flatten() {
                    lines.push((format!("R² = {r2:.3}"), 14.0, INK));
                }
                if let Some(v) = self
                    .indices
                    .and_then(|ix| ix.get(j))
                    .and_then(|ix| ix.value)
                {
                    lines.push((
                        if zh {
                            format!("指数 {v:.1}")
                        } else {
                            format!("index {v:.1}")
                        },
                        14.0,
                        RGBColor(31, 119, 180),
                    ));
                }
                let w = lines
                    .iter()
                    .map(|(t, s, _)| text_size(t, *s).0)
                    .fold(0.0, f64::max)
                    + 28.0;
                let h = lines.iter().map(|(_, s, _)| s * LINE_GAP).sum::<f64>() + 14.0;
                let ports = m.predecessors(j).len().max(m.successors(j).len()) as f64;
                Node {
                    cx: 0.0,
                    cy: 0.0,
                    w: w.max(110.0),
                    h: h.max(16.0 * ports + 8.0),
                    lines,
                }
            })
            .collect();
        let gap_x = 150.0;
        let gap_y = if stacked { 64.0 } else { 26.0 };
        let margin = 40.0;
        let col_w: Vec<f64> = cols
            .iter()
            .map(|c| c.iter().map(|&j| nodes[j].w).fold(0.0, f64::max))
            .collect();
        let col_h: Vec<f64> = cols
            .iter()
            .map(|c| {
                c.iter().map(|&j| nodes[j].h).sum::<f64>()
                    + gap_y * (c.len().saturating_sub(1)) as f64
            })
            .collect();
        let content_h = col_h.iter().copied().fold(0.0, f64::max);
        let max_node_h = nodes.iter().map(|n| n.h).fold(0.0, f64::max);
        // edges: arcs for paths that skip columns, alternating above / below
        let mut edges: Vec<Edge> = m
            .paths
            .iter()
            .map(|&(a, b)| Edge {
                from: a,
                to: b,
                bulge: 0.0,
                vertical: layer[a] == layer[b],
            })
            .collect();
        let mut long: Vec<usize> = (0..edges.len())
            .filter(|&e| layer[edges[e].to] - layer[edges[e].from] > 1)
            .collect();
        long.sort_by_key(|&e| (layer[edges[e].to] - layer[edges[e].from], edges[e].from));
        let (mut up, mut down) = (0.0f64, 0.0f64);
        for (r, &e) in long.iter().enumerate().filter(|_| !stacked) {
            let s = (layer[edges[e].to] - layer[edges[e].from]) as f64;
            let t = 1.0 / s;
            let c = (max_node_h / 2.0 + 22.0) / (2.0 * t * (1.0 - t)) + 18.0 * r as f64;
            if r % 2 == 0 {
                edges[e].bulge = -c;
                up = up.max(c / 2.0);
            } else {
                edges[e].bulge = c;
                down = down.max(c / 2.0);
            }
        }
        let up_extra = (up - content_h / 2.0 + 30.0).max(0.0);
        let down_extra = (down - content_h / 2.0 + 30.0).max(0.0);
        let top = 70.0 + up_extra;
        let mut x = margin;
        for (c, col) in cols.iter().enumerate() {
            let cx = x + col_w[c] / 2.0;
            let mut y = top + (content_h - col_h[c]) / 2.0;
            for &j in col {
                nodes[j].cx = cx;
                nodes[j].cy = y + nodes[j].h / 2.0;
                y += nodes[j].h + gap_y;
            }
            x += col_w[c] + gap_x;
        }
        let width = x - gap_x + margin;
        let mut height = top + content_h + down_extra + 70.0;
        if stacked {
            // each arc bends up or down as far as it must to pass no other box
            let curve = |a: &Node, b: &Node, c: f64| -> Vec<(f64, f64)> {
                let p1 = (0.5 * (a.cx + b.cx), 0.5 * (a.cy + b.cy) + c);
                (0..=48)
                    .map(|i| {
                        let t = i as f64 / 48.0;
                        let u = 1.0 - t;
                        (
                            u * u * a.cx + 2.0 * u * t * p1.0 + t * t * b.cx,
                            u * u * a.cy + 2.0 * u * t * p1.1 + t * t * b.cy,
                        )
                    })
                    .collect()
            };
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for &e in &long {
                let (f, t) = (edges[e].from, edges[e].to);
                let mut best = (f64::INFINITY, -60.0);
                for k in 1..=8 {
                    for sign in [-1.0, 1.0] {
                        let c = sign * 45.0 * k as f64;
                        let pts = curve(&nodes[f], &nodes[t], c);
                        let hits = pts
                            .iter()
                            .filter(|&&p| {
                                nodes
                                    .iter()
                                    .enumerate()
                                    .any(|(j, n)| j != f && j != t && inside(n, p, 8.0))
                            })
                            .count();
                        let cost = hits as f64 * 1000.0 + c.abs();
                        if cost < best.0 {
                            best = (cost, c);
                        }
                    }
                }
                edges[e].bulge = best.1;
                for p in curve(&nodes[f], &nodes[t], best.1) {
                    lo = lo.min(p.1);
                    hi = hi.max(p.1);
                }
            }
            let shift = (70.0 - lo + 20.0).max(0.0);
            if shift > 0.0 && lo.is_finite() {
                for n in nodes.iter_mut() {
                    n.cy += shift;
                }
                height += shift;
            }
            if hi.is_finite() {
                height = height.max(hi + shift + 80.0);
            }
        }
        Layout {
            nodes,
            edges,
            size: (
                width.max(500.0).ceil() as u32,
                height.max(300.0).ceil() as u32,
            ),
        }
    }
}

/// The other ends of the straight (adjacent-column) edges leaving (`out`) or entering
/// node `j`, ordered top to bottom.
fn straight_ends(lay: &Layout, j: usize, out: bool) -> Vec<usize> {
    let mut v: Vec<usize> = lay
        .edges
        .iter()
        .filter(|e| e.bulge == 0.0 && !e.vertical && if out { e.from == j } else { e.to == j })
        .map(|e| if out { e.to } else { e.from })
        .collect();
    v.sort_by(|&x, &y| lay.nodes[x].cy.total_cmp(&lay.nodes[y].cy));
    v
}

fn inside(n: &Node, p: (f64, f64), pad: f64) -> bool {
    (p.0 - n.cx).abs() <= n.w / 2.0 + pad && (p.1 - n.cy).abs() <= n.h / 2.0 + pad
}

impl Figure for PathDiagram<'_> {
    fn size(&self) -> (u32, u32) {
        self.layout().size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let m = self.model;
        let zh = self.lang() == Lang::Chinese;
        let lay = self.layout();
        let title = if zh {
            format!("结构模型路径图：{}", m.name)
        } else {
            format!("Inner model: {}", m.name)
        };
        root.draw(&Text::new(
            title,
            (lay.size.0 as i32 / 2, 22),
            font(24.0).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        let fan_in: Vec<usize> = (0..m.n_constructs())
            .map(|j| m.predecessors(j).len())
            .collect();
        // arrows first, boxes on top
        let mut labels: Vec<(String, (f64, f64), RGBColor)> = Vec::new();
        for e in &lay.edges {
            let (a, b) = (&lay.nodes[e.from], &lay.nodes[e.to]);
            let straight = e.bulge == 0.0 && !e.vertical;
            let (p0, p2) = if straight {
                // from the right side of the source to the left side of the target, the
                // ports spread along the sides in the order of the other ends
                let port = |n: &Node, k: usize, r: usize| {
                    if k < 2 {
                        0.0
                    } else {
                        let sp = ((n.h - 16.0) / (k - 1) as f64).min(16.0);
                        (r as f64 - (k - 1) as f64 / 2.0) * sp
                    }
                };
                let outs = straight_ends(&lay, e.from, true);
                let ins = straight_ends(&lay, e.to, false);
                let ro = outs.iter().position(|&t| t == e.to).unwrap_or(0);
                let ri = ins.iter().position(|&f| f == e.from).unwrap_or(0);
                (
                    (a.cx + a.w / 2.0, a.cy + port(a, outs.len(), ro)),
                    (b.cx - b.w / 2.0, b.cy + port(b, ins.len(), ri)),
                )
            } else {
                ((a.cx, a.cy), (b.cx, b.cy))
            };
            let p1 = if e.vertical {
                // a vertical edge that passes other boxes of its column bends left
                let skips = (b.cy - a.cy).abs() > a.h / 2.0 + b.h / 2.0 + 80.0;
                let dx = if skips {
                    -(a.w.max(b.w) / 2.0 + 60.0)
                } else {
                    0.0
                };
                (0.5 * (p0.0 + p2.0) + dx, 0.5 * (p0.1 + p2.1))
            } else {
                (0.5 * (p0.0 + p2.0), 0.5 * (p0.1 + p2.1) + e.bulge)
            };
            let samples = 64;
            let pts: Vec<(f64, f64)> = (0..=samples)
                .map(|i| {
                    let t = i as f64 / samples as f64;
                    let u = 1.0 - t;
                    (
                        u * u * p0.0 + 2.0 * u * t * p1.0 + t * t * p2.0,
                        u * u * p0.1 + 2.0 * u * t * p1.1 + t * t * p2.1,
                    )
                })
                .collect();
            let (first, last) = if straight {
                (0, samples)
            } else {
                let Some(first) = pts.iter().position(|&p| !inside(a, p, 3.0)) else {
                    continue;
                };
                let Some(last) = pts.iter().rposition(|&p| !inside(b, p, 3.0)) else {
                    continue;
                };
                (first, last)
            };
            if last <= first {
                continue;
            }
            let seg = &pts[first..=last];
            let coef = self.fit.paths[(e.from, e.to)];
            let p = self
                .boot
                .and_then(|bt| {
                    bt.stat(Stat::Path {
                        from: e.from,
                        to: e.to,
                    })
                })
                .map(|s| s.p);
            let significant = p.is_none_or(|p| p < 0.05);
            let color = if !significant {
                RGBColor(170, 170, 170)
            } else if coef < 0.0 {
                RGBColor(200, 60, 60)
            } else {
                RGBColor(60, 80, 115)
            };
            let width = (1.0 + 6.0 * coef.abs()).clamp(1.0, 6.0).round() as u32;
            // arrowhead
            let end = seg[seg.len() - 1];
            let prev = seg[seg.len().saturating_sub(3).min(seg.len() - 2)];
            let (dx, dy) = (end.0 - prev.0, end.1 - prev.1);
            let len = (dx * dx + dy * dy).sqrt().max(1e-9);
            let (ux, uy) = (dx / len, dy / len);
            let head = 13.0 + width as f64;
            let half = 5.0 + width as f64 * 0.8;
            let base = (end.0 - ux * head, end.1 - uy * head);
            let mut line: Vec<(i32, i32)> = seg
                .iter()
                .take_while(|p| (p.0 - end.0) * ux + (p.1 - end.1) * uy < -head)
                .map(|p| (p.0.round() as i32, p.1.round() as i32))
                .collect();
            line.push((base.0.round() as i32, base.1.round() as i32));
            root.draw(&PathElement::new(line, color.stroke_width(width)))?;
            let tri = vec![
                (end.0.round() as i32, end.1.round() as i32),
                (
                    (base.0 - uy * half).round() as i32,
                    (base.1 + ux * half).round() as i32,
                ),
                (
                    (base.0 + uy * half).round() as i32,
                    (base.1 - ux * half).round() as i32,
                ),
            ];
            root.draw(&Polygon::new(tri, color.filled()))?;
            let t = if e.bulge != 0.0 || e.vertical {
                0.5
            } else if fan_in[e.to] > 2 {
                0.35
            } else {
                0.5
            };
            let at = pts[((t * samples as f64).round() as usize).clamp(first, last)];
            let text = format!("{coef:.3}{}", p.map(stars).unwrap_or(""));
            labels.push((text, at, if significant { INK } else { MUTED }));
        }
        for (text, at, color) in &labels {
            let (w, h) = text_size(text, 14.0);
            let (x0, y0) = (at.0 - w / 2.0 - 4.0, at.1 - h / 2.0 - 3.0);
            root.draw(&Rectangle::new(
                [
                    (x0.round() as i32, y0.round() as i32),
                    ((x0 + w + 8.0).round() as i32, (y0 + h + 6.0).round() as i32),
                ],
                WHITE.mix(0.92).filled(),
            ))?;
            root.draw(&Text::new(
                text.clone(),
                (at.0.round() as i32, at.1.round() as i32),
                font(14.0)
                    .color(color)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            ))?;
        }
        for (j, n) in lay.nodes.iter().enumerate() {
            let x0 = (n.cx - n.w / 2.0).round() as i32;
            let y0 = (n.cy - n.h / 2.0).round() as i32;
            let x1 = (n.cx + n.w / 2.0).round() as i32;
            let y1 = (n.cy + n.h / 2.0).round() as i32;
            let endo = m.is_endogenous(j);
            let fill = if endo {
                RGBColor(234, 242, 251)
            } else {
                RGBColor(246, 246, 240)
            };
            root.draw(&Rectangle::new([(x0, y0), (x1, y1)], fill.filled()))?;
            root.draw(&Rectangle::new(
                [(x0, y0), (x1, y1)],
                RGBColor(74, 111, 165).stroke_width(2),
            ))?;
            let total: f64 = n.lines.iter().map(|(_, s, _)| s * LINE_GAP).sum();
            let mut y = n.cy - total / 2.0;
            for (text, size, color) in &n.lines {
                let mid = y + size * LINE_GAP / 2.0;
                root.draw(&Text::new(
                    text.clone(),
                    (n.cx.round() as i32, mid.round() as i32),
                    font(*size)
                        .color(color)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                ))?;
                y += size * LINE_GAP;
            }
        }
        let note = match (self.boot, zh) {
            (Some(b), true) => format!(
                "标准化路径系数；*** p<0.001，** p<0.01，* p<0.05 (bootstrap {} 次)；灰色：不显著。线宽与系数大小成正比。",
                b.resamples
            ),
            (Some(b), false) => format!(
                "Standardized path coefficients; *** p<0.001, ** p<0.01, * p<0.05 (bootstrap, {} resamples); grey: not significant. Line width grows with the coefficient.",
                b.resamples
            ),
            (None, true) => "标准化路径系数，线宽与系数大小成正比；加 --bootstrap N 可显示显著性星号。".to_string(),
            (None, false) => {
                "Standardized path coefficients; line width grows with the coefficient. Add --bootstrap N for significance stars.".to_string()
            }
        };
        root.draw(&Text::new(
            note,
            (20, lay.size.1 as i32 - 32),
            font(13.0).color(&MUTED),
        ))?;
        Ok(())
    }
}

/// Horizontal bars of the construct indices (0-100) with bootstrap interval whiskers.
#[derive(Debug, Clone)]
pub struct IndexChart<'a> {
    /// The model.
    pub model: &'a Model,
    /// The indices (model order).
    pub indices: &'a [ConstructIndex],
    /// Bootstrap results (index intervals).
    pub boot: Option<&'a BootstrapResult>,
    /// A construct drawn in a stronger colour (e.g. the satisfaction construct).
    pub highlight: Option<usize>,
    /// Language of titles and notes (`None`: the model's labels decide).
    pub lang: Option<Lang>,
}

/// construct, label, index, interval
type BarRow = (usize, String, f64, Option<(f64, f64)>);

impl<'a> IndexChart<'a> {
    /// The index chart of an analysis.
    pub fn new(
        a: &'a Analysis,
        boot: Option<&'a BootstrapResult>,
        highlight: Option<usize>,
    ) -> Self {
        IndexChart {
            model: &a.model,
            indices: &a.indices,
            boot,
            highlight,
            lang: None,
        }
    }

    fn rows(&self) -> Vec<BarRow> {
        self.indices
            .iter()
            .filter_map(|ix| {
                let v = ix.value?;
                let ci = self
                    .boot
                    .and_then(|b| b.stat(Stat::Index(ix.construct)))
                    .filter(|s| s.ci_low.is_finite() && s.ci_high.is_finite())
                    .map(|s| (s.ci_low, s.ci_high));
                Some((
                    ix.construct,
                    short_label(self.model.construct_label(ix.construct)).to_string(),
                    v,
                    ci,
                ))
            })
            .collect()
    }
}

impl Figure for IndexChart<'_> {
    fn size(&self) -> (u32, u32) {
        (960, 150 + 44 * self.rows().len().max(1) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let zh = self.lang.unwrap_or_else(|| Lang::of_model(self.model)) == Lang::Chinese;
        let rows = self.rows();
        let title = if zh {
            format!("顾客满意度指数 (0-100)：{}", self.model.name)
        } else {
            format!("Satisfaction indices (0-100): {}", self.model.name)
        };
        let q = rows.len().max(1);
        let label_w = rows
            .iter()
            .map(|r| text_size(&r.1, 16.0).0)
            .fold(60.0, f64::max)
            + 24.0;
        let mut chart = ChartBuilder::on(root)
            .caption(title, font(24.0))
            .margin(20)
            .margin_bottom(40)
            .x_label_area_size(50)
            .y_label_area_size(label_w.ceil() as u32)
            .build_cartesian_2d(0f64..100f64, 0f64..q as f64)?;
        let xfmt = |v: &f64| format!("{v:.0}");
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .light_line_style(RGBColor(246, 246, 246))
            .bold_line_style(RGBColor(228, 228, 228))
            .x_desc(if zh {
                "指数 (0-100)"
            } else {
                "Index (0-100)"
            })
            .label_style(font(15.0))
            .axis_desc_style(font(16.0))
            .x_label_formatter(&xfmt)
            .draw()?;
        for (r, (j, label, v, ci)) in rows.iter().enumerate() {
            let yc = (q - 1 - r) as f64 + 0.5;
            let color = if Some(*j) == self.highlight {
                RGBColor(31, 90, 160)
            } else {
                RGBColor(120, 160, 205)
            };
            let end = bar_with_whisker(&mut chart, yc, *v, *ci, color)?;
            let (px, py) = chart.backend_coord(&(end, yc));
            root.draw(&Text::new(
                format!("{v:.1}"),
                (px + 8, py),
                font(15.0)
                    .color(&INK)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            let (lx, ly) = chart.backend_coord(&(0.0, yc));
            root.draw(&Text::new(
                label.clone(),
                (lx - 10, ly),
                font(16.0)
                    .color(&INK)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
        let note = match (self.boot, zh) {
            (Some(b), true) => format!(
                "误差线：{:.0}% bootstrap 区间 ({} 次)。",
                b.level * 100.0,
                b.resamples
            ),
            (Some(b), false) => format!(
                "Whiskers: {:.0}% bootstrap intervals ({} resamples).",
                b.level * 100.0,
                b.resamples
            ),
            (None, true) => "加 --bootstrap N 可显示区间。".to_string(),
            (None, false) => "Add --bootstrap N for intervals.".to_string(),
        };
        let (_, h) = root.dim_in_pixel();
        root.draw(&Text::new(
            note,
            (20, h as i32 - 28),
            font(13.0).color(&MUTED),
        ))?;
        Ok(())
    }
}
