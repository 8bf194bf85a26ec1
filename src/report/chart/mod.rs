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
//! # Files
//! * `mod.rs`: fonts, [`Output`], [`Figure`], [`render`] / [`render_svg`] /
//!   [`render_rgb`], quadrant colours and names;
//! * `frame.rs`: the drawing steps every cartesian chart shares (frame, grid, bars
//!   with whiskers and their labels, notes under the chart), used here and by the
//!   competitor and trend charts;
//! * `quadrant.rs` ([`QuadrantChart`]) and `labels.rs` (label placement);
//! * `path.rs` ([`PathDiagram`]: layout and drawing); `index.rs` ([`IndexChart`]);
//! * `glyph.rs` ([`GlyphFix`], the PNG text renderer).
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

#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

mod frame;
mod glyph;
mod index;
mod labels;
mod path;
mod quadrant;

pub use frame::bar_with_whisker;
pub(crate) use frame::{
    draw_bar_row, draw_footnotes, draw_mesh, index_axis, whisker_note, BarFrame, BarRow, Frame,
    Mesh, Plot,
};
pub use glyph::GlyphFix;
pub use index::IndexChart;
pub use path::PathDiagram;
pub use quadrant::{QuadrantChart, MIN_PERFORMANCE_SPAN};

use crate::error::{Error, Result};
use crate::ipma::{Lang, Quadrant};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// The bundled font: WenQuanYi Micro Hei, GB2312 + Big5 subset (Apache-2.0; see
/// `assets/fonts/README.md`).
pub static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/wqy-microhei-gb2312-big5.ttf");

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

pub(crate) fn chart_err(path: &str, e: impl std::fmt::Display) -> Error {
    Error::Chart {
        path: path.to_string(),
        message: e.to_string(),
    }
}

/// The output's path as text for messages, after checking that its folder exists.
///
/// # Errors
/// [`Error::Chart`] when the folder does not exist.
pub(crate) fn checked_name(out: &Output) -> Result<String> {
    let name = out.path().display().to_string();
    if let Some(dir) = out.path().parent() {
        if !dir.as_os_str().is_empty() && !dir.is_dir() {
            return Err(chart_err(&name, "the folder does not exist"));
        }
    }
    Ok(name)
}

/// The drawing area of a PNG backend (text through [`GlyphFix`]).
pub(crate) type PngArea<'a> = DrawingArea<GlyphFix<BitMapBackend<'a>>, Shift>;

/// Draw with `draw` on a PNG file `p` of `size` pixels and write it; a failure to
/// write is reported under `name`.
///
/// # Errors
/// What `draw` returns; [`Error::Chart`] when the file cannot be written.
pub(crate) fn write_png(
    p: &Path,
    size: (u32, u32),
    name: &str,
    draw: impl FnOnce(&PngArea<'_>) -> Result<()>,
) -> Result<()> {
    let root = GlyphFix(BitMapBackend::new(p, size)).into_drawing_area();
    draw(&root)?;
    root.present().map_err(|e| chart_err(name, e))
}

/// Draw with `draw` on white RGB pixels of `size` (row-major, 3 bytes per pixel).
///
/// # Errors
/// What `draw` returns; [`Error::Chart`] when the bitmap cannot be finished.
pub(crate) fn draw_rgb(
    (w, h): (u32, u32),
    draw: impl FnOnce(&PngArea<'_>) -> Result<()>,
) -> Result<Vec<u8>> {
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    {
        let root = GlyphFix(BitMapBackend::with_buffer(&mut buf, (w, h))).into_drawing_area();
        draw(&root)?;
        root.present().map_err(|e| chart_err("<bitmap>", e))?;
    }
    Ok(buf)
}

/// Draw a figure into its output file (SVG or PNG).
///
/// # Errors
/// [`Error::Chart`] when drawing or writing fails (e.g. the folder does not exist).
pub fn render<F: Figure>(fig: &F, out: &Output) -> Result<()> {
    register_fonts()?;
    let name = checked_name(out)?;
    match out {
        Output::Svg(p) => {
            let svg = render_svg(fig)?;
            std::fs::write(p, svg).map_err(|e| Error::io(p, e))
        }
        Output::Png(p) => write_png(p, fig.size(), &name, |root| {
            fig.draw(root).map_err(|e| chart_err(&name, e))
        }),
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
    draw_rgb(fig.size(), |root| {
        fig.draw(root).map_err(|e| chart_err("<bitmap>", e))
    })
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

pub(crate) const INK: RGBColor = RGBColor(40, 40, 40);
pub(crate) const MUTED: RGBColor = RGBColor(110, 110, 110);
