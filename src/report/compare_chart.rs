//! Competitor charts of a [`Comparison`]: the competitor index chart (one bar per
//! group, best first, bootstrap whiskers, the pooled index as a dashed line, stars
//! for a significant gap to the leader) and side-by-side IPMA quadrant charts, one
//! panel per group. Drawing, fonts (Chinese labels) and the SVG/PNG choice come from
//! [`crate::report::chart`].
//!
//! # Example
//! ```
//! # use csi::compare::{compare, CompareOptions};
//! # use csi::data::Survey;
//! # use csi::simulate::{to_scale, Measurement, Population};
//! # use csi::spec::{ConstructSpec, Model, Scale};
//! # let scale = Scale { min: 1.0, max: 10.0 };
//! # let model = Model::from_parts("toy",
//! #     vec![ConstructSpec::new("QUAL", &["q1", "q2"]), ConstructSpec::new("SAT", &["s1", "s2"])],
//! #     &[("QUAL", "SAT")])?.with_scale(scale)?;
//! # let pop = Population::new(&model, &[("QUAL", "SAT", 0.6)], Measurement::CommonFactor(0.8))?;
//! # let x = to_scale(&model, &pop.draw_continuous(&model, 120, 3)?, scale, 6.5, 1.5, &[], &[]);
//! # let mut survey = Survey::from_matrix(model.items.iter().map(|i| i.name.clone()).collect(), x);
//! # survey.extra.insert("brand".into(), (0..120).map(|i| Some(["青云", "海鸥"][i % 2].to_string())).collect());
//! use csi::report::chart::render_svg;
//! use csi::report::compare_chart::CompetitorChart;
//! let c = compare(&model, &survey, "brand", None, &CompareOptions { permutations: 19, ..Default::default() })?;
//! let svg = render_svg(&CompetitorChart::new(&c, 1))?;
//! assert!(svg.contains("青云") && svg.contains("海鸥"));
//! # Ok::<(), csi::Error>(())
//! ```
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use crate::adjust::Adjust;
use crate::compare::{Against, Comparison, Target, Versus};
use crate::error::{Error, Result};
use crate::ipma::{has_cjk, short_label, Ipma, Lang};
use crate::report::chart::{
    checked_name, draw_bar_row, draw_footnotes, draw_rgb, font, register_fonts, render, render_rgb,
    render_svg, text_size, whisker_note, write_png, BarFrame, BarRow, DrawResult, Figure, Output,
    Plot, QuadrantChart, FONT_FAMILY,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Empty band above the bars (in bar rows) for the pooled line's label.
const TOP_BAND: f64 = 0.45;
const LEADER: RGBColor = RGBColor(31, 90, 160);
const OTHER: RGBColor = RGBColor(120, 160, 205);

/// Check that a chart path ends in `.svg` or `.png` (before any work is done).
///
/// # Errors
/// [`Error::Setting`] naming the flag otherwise.
pub fn check_path(flag: &str, path: &Path) -> Result<()> {
    Output::from_path(path).map(|_| ()).map_err(|_| {
        Error::setting(
            flag,
            format!("'{}': name the chart file .svg or .png", path.display()),
        )
    })
}

fn chinese(c: &Comparison) -> bool {
    Lang::of_model(&c.model) == Lang::Chinese || c.groups.iter().any(|g| has_cjk(&g.name))
}

use crate::report::text::stars;

/// The competitor index chart of one construct: horizontal bars, best first.
#[derive(Debug, Clone)]
pub struct CompetitorChart<'a> {
    /// The comparison.
    pub comparison: &'a Comparison,
    /// The construct shown.
    pub construct: usize,
    /// Language of titles and notes (`None`: Chinese when the model's labels or the
    /// group names are).
    pub lang: Option<Lang>,
}

/// One bar: group label, index, interval, stars of the gap to the leader, leader?
type Bar = (String, f64, Option<(f64, f64)>, &'static str, bool);

impl<'a> CompetitorChart<'a> {
    /// The chart of construct `construct`.
    pub fn new(comparison: &'a Comparison, construct: usize) -> Self {
        CompetitorChart {
            comparison,
            construct,
            lang: None,
        }
    }

    fn bars(&self) -> Vec<Bar> {
        let c = self.comparison;
        let Some(league) = c.league.get(self.construct) else {
            return Vec::new();
        };
        let leader = league.entries.first().map(|e| e.group);
        league
            .entries
            .iter()
            .filter_map(|e| {
                let v = e.index?;
                let ci = (e.ci_low.is_finite() && e.ci_high.is_finite())
                    .then_some((e.ci_low, e.ci_high));
                let t = Target::Index(self.construct);
                let star = |d: Option<&crate::compare::Difference>| {
                    d.map(|d| stars(d.p_adjusted)).unwrap_or("")
                };
                let gap = match (&c.options.versus, leader) {
                    (Versus::Pairs, Some(l)) if l != e.group => {
                        star(c.difference(l.min(e.group), l.max(e.group), t))
                    }
                    (Versus::Pairs, _) => "",
                    (Versus::Pooled, _) => star(c.versus(e.group, Against::Pooled, t)),
                    (Versus::Rest, _) => star(c.versus(e.group, Against::Rest, t)),
                    (Versus::Group(_), _) => c
                        .differences
                        .iter()
                        .find(|d| d.a == e.group && d.target == t)
                        .map(|d| stars(d.p_adjusted))
                        .unwrap_or(""),
                };
                let name = c
                    .groups
                    .get(e.group)
                    .map(|g| format!("{} (n={})", g.name, e.n))
                    .unwrap_or_default();
                Some((name, v, ci, gap, Some(e.group) == leader))
            })
            .collect()
    }
}

impl CompetitorChart<'_> {
    /// Chinese titles and notes: as set, else when the model's labels or the group
    /// names are Chinese.
    fn zh(&self) -> bool {
        match self.lang {
            Some(l) => l == Lang::Chinese,
            None => chinese(self.comparison),
        }
    }

    /// The notes under the chart: the whiskers' note, and the stars' note on a line
    /// of its own (it names the reference and the adjustment, which does not fit
    /// beside the whiskers' note).
    fn notes(&self, zh: bool) -> Vec<String> {
        let c = self.comparison;
        let note = whisker_note(c.options.bootstrap.map(|b| (b.level, b.resamples)), zh);
        let mut lines = vec![note];
        if c.options.permutations > 0 {
            lines.push(star_note(c, zh).trim_start().to_string());
        }
        lines
    }
}

/// The pooled sample's index `pv` as a dashed line across the `k` bars, labelled in
/// the empty band above them.
fn draw_pooled_line<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut Plot<'_, DB>,
    pv: f64,
    k: usize,
    zh: bool,
) -> DrawResult<DB> {
    let dash = ShapeStyle {
        color: RGBColor(200, 80, 40).to_rgba(),
        filled: false,
        stroke_width: 2,
    };
    chart.draw_series(DashedLineSeries::new(
        vec![(pv, 0.0), (pv, k as f64)],
        8,
        5,
        dash,
    ))?;
    let (px, py) = chart.backend_coord(&(pv, k as f64 + 0.05));
    let t = if zh {
        format!("合并样本 {pv:.1}")
    } else {
        format!("pooled {pv:.1}")
    };
    root.draw(&Text::new(
        t,
        (px, py - 4),
        font(14.0)
            .color(&RGBColor(200, 80, 40))
            .pos(Pos::new(HPos::Center, VPos::Bottom)),
    ))?;
    Ok(())
}

impl Figure for CompetitorChart<'_> {
    fn size(&self) -> (u32, u32) {
        (960, 190 + 52 * self.bars().len().max(1) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let c = self.comparison;
        let zh = self.zh();
        let bars = self.bars();
        let label = short_label(c.model.construct_label(self.construct)).to_string();
        let title = if zh {
            format!("{label}指数：竞争对手比较 (0-100)")
        } else {
            format!("{label} index by {} (0-100)", c.group_column)
        };
        let k = bars.len().max(1);
        let label_w = bars
            .iter()
            .map(|b| text_size(&b.0, 16.0).0)
            .fold(60.0, f64::max)
            + 24.0;
        let mut chart = BarFrame {
            title,
            rows: k,
            top_band: TOP_BAND,
            label_w,
            margin_right: 60,
            margin_bottom: 56,
            zh,
        }
        .draw(root)?;
        if let Some(pv) = c.pooled.index(self.construct) {
            draw_pooled_line(root, &mut chart, pv, k, zh)?;
        }
        for (r, (name, v, ci, gap, lead)) in bars.into_iter().enumerate() {
            let value_text = format!(
                "{v:.1}{}",
                if gap.is_empty() {
                    String::new()
                } else {
                    format!(" {gap}")
                }
            );
            let row = BarRow {
                yc: (k - 1 - r) as f64 + 0.5,
                value: v,
                ci,
                color: if lead { LEADER } else { OTHER },
                value_text,
                label: name,
                // the value label sits on an opaque box, so the pooled line passes behind it
                opaque: true,
            };
            draw_bar_row(root, &mut chart, row)?;
        }
        draw_footnotes(root, &self.notes(zh), 22, 13.0)
    }
}

/// The chart's note on its stars: what each bar is tested against, and the
/// adjustment of the p value the stars follow.
fn star_note(c: &Comparison, zh: bool) -> String {
    let adj = match (c.options.adjust, zh) {
        (Adjust::Holm, true) => "Holm 校正",
        (Adjust::Bh, true) => "BH 校正",
        (Adjust::None, true) => "未校正",
        (Adjust::Holm, false) => "Holm-adjusted",
        (Adjust::Bh, false) => "Benjamini-Hochberg-adjusted",
        (Adjust::None, false) => "unadjusted",
    };
    let what = match (&c.options.versus, zh) {
        (Versus::Pairs, true) => "与第一名之差".to_string(),
        (Versus::Pooled, true) => "与合并样本之差".to_string(),
        (Versus::Rest, true) => "与其余各组之差".to_string(),
        (Versus::Group(g), true) => format!("与 {g} 之差"),
        (Versus::Pairs, false) => "the gap to the leader".to_string(),
        (Versus::Pooled, false) => "the difference from the pooled sample".to_string(),
        (Versus::Rest, false) => "the difference from all other groups".to_string(),
        (Versus::Group(g), false) => format!("the difference from {g}"),
    };
    if zh {
        format!(" 星号：{what}的置换检验 ({adj} p：* <0.05，** <0.01，*** <0.001)。")
    } else {
        format!(" Stars: permutation test of {what} ({adj} p: * <0.05, ** <0.01, *** <0.001).")
    }
}

/// IPMA quadrant charts of every group side by side (two per row, large enough to
/// read), each panel headed by the group's name and n, all on one common scale
/// ([`IpmaPanels::common_axes`]).
#[derive(Debug, Clone)]
pub struct IpmaPanels<'a> {
    /// The comparison.
    pub comparison: &'a Comparison,
    /// One map per group (same order as the comparison's groups).
    pub maps: Vec<Ipma>,
}

impl<'a> IpmaPanels<'a> {
    /// Panels of computed maps, one per group of the comparison in its order (e.g.
    /// [`crate::ipma::ipma`] of each group's analysis at the construct level).
    pub fn new(comparison: &'a Comparison, maps: Vec<Ipma>) -> Self {
        IpmaPanels { comparison, maps }
    }

    fn grid(&self) -> (usize, usize) {
        let k = self.maps.len().max(1);
        let cols = k.min(2);
        (k.div_ceil(cols), cols)
    }

    /// One scale for every panel: the union of the ranges each panel would choose,
    /// so a point's position means the same in every panel.
    pub fn common_axes(&self) -> Option<((f64, f64), (f64, f64))> {
        let mut out: Option<((f64, f64), (f64, f64))> = None;
        for map in &self.maps {
            let chart =
                QuadrantChart::new(&self.comparison.model, map, crate::ipma::Level::Constructs);
            if let Some(((a, b), (c, d))) = chart.fitted_axes() {
                out = Some(match out {
                    None => ((a, b), (c, d)),
                    Some(((a0, b0), (c0, d0))) => ((a0.min(a), b0.max(b)), (c0.min(c), d0.max(d))),
                });
            }
        }
        out
    }
}

const PANEL: (u32, u32) = (1000, 760);
const HEAD: u32 = 56;

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl IpmaPanels<'_> {
    /// Canvas size in pixels.
    pub fn size(&self) -> (u32, u32) {
        let (rows, cols) = self.grid();
        (PANEL.0 * cols as u32, (PANEL.1 + HEAD) * rows as u32)
    }

    fn panels(&self) -> impl Iterator<Item = (String, QuadrantChart<'_>, (i32, i32))> {
        let (_, cols) = self.grid();
        let axes = self.common_axes();
        self.maps
            .iter()
            .zip(&self.comparison.groups)
            .enumerate()
            .map(move |(i, (map, g))| {
                let (r, c) = (i / cols, i % cols);
                let at = (
                    (c as u32 * PANEL.0) as i32,
                    (r as u32 * (PANEL.1 + HEAD)) as i32,
                );
                let chart = QuadrantChart {
                    model: &self.comparison.model,
                    ipma: map,
                    indicators: false,
                    width: PANEL.0,
                    height: PANEL.1,
                    axes,
                };
                (format!("{} (n={})", g.name, g.n()), chart, at)
            })
    }

    /// The panels as one SVG document: each group's quadrant chart (drawn by
    /// [`QuadrantChart`]) nested at its place under a heading.
    ///
    /// # Errors
    /// [`Error::Chart`] when a panel cannot be drawn.
    pub fn to_svg(&self) -> Result<String> {
        let (w, h) = self.size();
        let mut out = format!(
            "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#FFFFFF\"/>\n"
        );
        for (head, chart, (x, y)) in self.panels() {
            out.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" dominant-baseline=\"middle\" text-anchor=\"middle\" font-family=\"{}\" font-size=\"30\" fill=\"#1F5AA0\">{}</text>\n",
                x + PANEL.0 as i32 / 2,
                y + HEAD as i32 / 2 + 4,
                xml_escape(FONT_FAMILY),
                xml_escape(&head)
            ));
            let svg = render_svg(&chart)?;
            let body = svg.trim_start_matches(|c: char| c != '<');
            let body = match body.strip_prefix("<?xml") {
                Some(rest) => rest
                    .split_once("?>")
                    .map(|(_, b)| b.trim_start())
                    .unwrap_or(body),
                None => body,
            };
            match body.strip_prefix("<svg") {
                Some(rest) => {
                    out.push_str(&format!("<svg x=\"{x}\" y=\"{}\"{rest}", y + HEAD as i32))
                }
                None => {
                    return Err(Error::Chart {
                        path: "<svg>".into(),
                        message: "unexpected SVG from a panel".into(),
                    })
                }
            }
            out.push('\n');
        }
        out.push_str("</svg>\n");
        // control characters in group names made visible (well-formed XML)
        Ok(crate::text_safety::markup_document(&out).into_owned())
    }

    /// The panels as RGB pixels (row-major, 3 bytes per pixel, [`IpmaPanels::size`]).
    ///
    /// # Errors
    /// [`Error::Chart`] when a panel cannot be drawn.
    pub fn to_rgb(&self) -> Result<Vec<u8>> {
        draw_rgb(self.size(), |root| self.draw_bitmap(root))
    }

    fn draw_bitmap<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), Error> {
        let err = |e: &dyn std::fmt::Display| Error::Chart {
            path: "<bitmap>".into(),
            message: e.to_string(),
        };
        root.fill(&WHITE).map_err(|e| err(&e))?;
        for (head, chart, (x, y)) in self.panels() {
            let px = render_rgb(&chart)?;
            let style = font(30.0)
                .color(&LEADER)
                .pos(Pos::new(HPos::Center, VPos::Center));
            root.draw(&Text::new(
                head,
                (x + PANEL.0 as i32 / 2, y + HEAD as i32 / 2),
                style,
            ))
            .map_err(|e| err(&e))?;
            let el = BitMapElement::with_owned_buffer((x, y + HEAD as i32), PANEL, px)
                .ok_or_else(|| err(&"a panel's pixel buffer has the wrong size"))?;
            root.draw(&el).map_err(|e| err(&e))?;
        }
        Ok(())
    }

    /// Write the panels to an SVG or PNG file.
    ///
    /// # Errors
    /// [`Error::Chart`] when drawing or writing fails (e.g. the folder does not exist).
    pub fn write(&self, out: &Output) -> Result<()> {
        register_fonts()?;
        let name = checked_name(out)?;
        match out {
            Output::Svg(p) => std::fs::write(p, self.to_svg()?).map_err(|e| Error::io(p, e)),
            Output::Png(p) => write_png(p, self.size(), &name, |root| {
                self.draw_bitmap(root).map_err(|e| match e {
                    Error::Chart { message, .. } => Error::Chart {
                        path: name.clone(),
                        message,
                    },
                    other => other,
                })
            }),
        }
    }
}

/// Write the competitor index chart of construct `construct` (SVG or PNG by extension).
///
/// # Errors
/// [`Error::Chart`] for an unknown extension or when writing fails.
pub fn competitor_chart(c: &Comparison, construct: usize, path: &Path) -> Result<()> {
    render(
        &CompetitorChart::new(c, construct),
        &Output::from_path(path)?,
    )
}

/// Write the side-by-side IPMA quadrant charts of computed maps (one per group).
///
/// # Errors
/// [`Error::Chart`] for an unknown extension or when writing fails.
pub fn ipma_charts(c: &Comparison, maps: Vec<Ipma>, path: &Path) -> Result<()> {
    let out = Output::from_path(path)?;
    IpmaPanels::new(c, maps).write(&out)
}
