//! The path diagram of the inner model ([`PathDiagram`]): its layout (columns, arcs)
//! and its drawing (arrows, coefficient labels, construct boxes).
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::frame::draw_footnotes;
use super::{font, text_size, DrawResult, Figure, INK, MUTED};
use crate::analysis::Analysis;
use crate::bootstrap::BootstrapResult;
use crate::estimate::pls::PlsFit;
use crate::index::ConstructIndex;
use crate::ipma::{short_label, Lang};
use crate::report::text::stars;
use crate::spec::{Construct, Model};
use crate::stat::Stat;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

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

/// The value at `i`, 0 when out of range.
fn at(v: &[usize], i: usize) -> usize {
    v.get(i).copied().unwrap_or(0)
}

/// Points of the quadratic Bézier curve from `p0` to `p2` with control point `p1`,
/// at `samples + 1` evenly spaced parameters: B(t) = (1-t)² p0 + 2(1-t)t p1 + t² p2.
fn bezier(p0: (f64, f64), p1: (f64, f64), p2: (f64, f64), samples: usize) -> Vec<(f64, f64)> {
    (0..=samples)
        .map(|i| {
            let t = i as f64 / samples as f64;
            let u = 1.0 - t;
            (
                u * u * p0.0 + 2.0 * u * t * p1.0 + t * t * p2.0,
                u * u * p0.1 + 2.0 * u * t * p1.1 + t * t * p2.1,
            )
        })
        .collect()
}

/// The column of each construct and whether the layout is stacked. A construct's
/// column is its longest path from an exogenous construct; more than 4 columns (a
/// 7-construct ECSI is one chain of 7) would make one long row, so then a construct
/// is stacked under its only predecessor (at most 3 to a column), as CSI diagrams
/// draw image -> expectation -> quality.
fn columns_of(m: &Model) -> (Vec<usize>, bool) {
    let q = m.n_constructs();
    let mut layer = vec![0usize; q];
    for &j in m.topological_order() {
        let l = m
            .predecessors(j)
            .iter()
            .map(|&i| at(&layer, i) + 1)
            .max()
            .unwrap_or(0);
        if let Some(slot) = layer.get_mut(j) {
            *slot = l;
        }
    }
    let stacked = layer.iter().copied().max().unwrap_or(0) + 1 > 4;
    if stacked {
        let mut col = vec![0usize; q];
        let mut count: Vec<usize> = vec![0; q];
        for &j in m.topological_order() {
            let preds = m.predecessors(j);
            let c = match preds {
                [] => 0,
                [p] if at(&count, at(&col, *p)) < 3 => at(&col, *p),
                _ => preds.iter().map(|&i| at(&col, i) + 1).max().unwrap_or(0),
            };
            if let Some(slot) = col.get_mut(j) {
                *slot = c;
            }
            if let Some(n) = count.get_mut(c) {
                *n += 1;
            }
        }
        layer = col;
    }
    (layer, stacked)
}

/// The constructs of each column in drawing order (top to bottom): topological, or
/// by model order when not stacked.
fn column_members(m: &Model, layer: &[usize], stacked: bool) -> Vec<Vec<usize>> {
    let n_layers = layer.iter().copied().max().unwrap_or(0) + 1;
    let mut cols: Vec<Vec<usize>> = vec![Vec::new(); n_layers];
    for &j in m.topological_order() {
        if let Some(c) = cols.get_mut(at(layer, j)) {
            c.push(j);
        }
    }
    if !stacked {
        for c in cols.iter_mut() {
            c.sort_unstable();
        }
    }
    cols
}

/// Columns an edge skips forward (1 = adjacent columns).
fn span(layer: &[usize], e: &Edge) -> usize {
    at(layer, e.to).saturating_sub(at(layer, e.from))
}

/// The edges of the inner model and the indices of those that skip columns ("long",
/// shortest skip first). In the column layout the long edges become arcs, alternating
/// above and below: the control point offset c = (h/2 + 22) / (2t(1-t)) + 18 r at
/// t = 1 / skip clears the tallest box (height h) at the first column passed, the
/// r-th arc 18 px further. Returns also how far the arcs reach up and down.
fn edges_and_arcs(
    m: &Model,
    layer: &[usize],
    stacked: bool,
    max_node_h: f64,
) -> (Vec<Edge>, Vec<usize>, (f64, f64)) {
    let mut edges: Vec<Edge> = m
        .paths
        .iter()
        .map(|&(a, b)| Edge {
            from: a,
            to: b,
            bulge: 0.0,
            vertical: at(layer, a) == at(layer, b),
        })
        .collect();
    let mut long: Vec<usize> = edges
        .iter()
        .enumerate()
        .filter(|(_, e)| span(layer, e) > 1)
        .map(|(k, _)| k)
        .collect();
    long.sort_by_key(|&k| edges.get(k).map(|e| (span(layer, e), e.from)));
    let (mut up, mut down) = (0.0f64, 0.0f64);
    for (r, &k) in long.iter().enumerate().filter(|_| !stacked) {
        let Some(e) = edges.get_mut(k) else { continue };
        let s = span(layer, e) as f64;
        let t = 1.0 / s;
        let c = (max_node_h / 2.0 + 22.0) / (2.0 * t * (1.0 - t)) + 18.0 * r as f64;
        if r % 2 == 0 {
            e.bulge = -c;
            up = up.max(c / 2.0);
        } else {
            e.bulge = c;
            down = down.max(c / 2.0);
        }
    }
    (edges, long, (up, down))
}

/// Put the boxes in place: columns 150 px apart from a 40 px margin, each column
/// centred vertically in the tallest column's height, below a 70 px band for the
/// title and room for the arcs reaching `up`; returns the canvas (width, height).
fn place_columns(
    nodes: &mut [Node],
    cols: &[Vec<usize>],
    gap_y: f64,
    (up, down): (f64, f64),
) -> (f64, f64) {
    let gap_x = 150.0;
    let margin = 40.0;
    let node = |j: usize| nodes.get(j).map_or((0.0, 0.0), |n| (n.w, n.h));
    let col_w: Vec<f64> = cols
        .iter()
        .map(|c| c.iter().map(|&j| node(j).0).fold(0.0, f64::max))
        .collect();
    let col_h: Vec<f64> = cols
        .iter()
        .map(|c| {
            c.iter().map(|&j| node(j).1).sum::<f64>() + gap_y * (c.len().saturating_sub(1)) as f64
        })
        .collect();
    let content_h = col_h.iter().copied().fold(0.0, f64::max);
    let up_extra = (up - content_h / 2.0 + 30.0).max(0.0);
    let down_extra = (down - content_h / 2.0 + 30.0).max(0.0);
    let top = 70.0 + up_extra;
    let mut x = margin;
    for ((col, &w), &h) in cols.iter().zip(&col_w).zip(&col_h) {
        let cx = x + w / 2.0;
        let mut y = top + (content_h - h) / 2.0;
        for &j in col {
            if let Some(n) = nodes.get_mut(j) {
                n.cx = cx;
                n.cy = y + n.h / 2.0;
                y += n.h + gap_y;
            }
        }
        x += w + gap_x;
    }
    (x - gap_x + margin, top + content_h + down_extra + 70.0)
}

/// The bend of the arc from box `f` to box `t` in the stacked layout: the control
/// offset ±45 k (k = 1..8) whose curve passes fewest other boxes, the smallest such.
fn least_crossing_bulge(nodes: &[Node], f: usize, t: usize) -> f64 {
    let (Some(a), Some(b)) = (nodes.get(f), nodes.get(t)) else {
        return -60.0;
    };
    let mut best = (f64::INFINITY, -60.0);
    for k in 1..=8 {
        for sign in [-1.0, 1.0] {
            let c = sign * 45.0 * k as f64;
            let hits = arc(a, b, c)
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
    best.1
}

/// The centre-to-centre arc from `a` to `b` bent by `c` px (48 segments).
fn arc(a: &Node, b: &Node, c: f64) -> Vec<(f64, f64)> {
    let p1 = (0.5 * (a.cx + b.cx), 0.5 * (a.cy + b.cy) + c);
    bezier((a.cx, a.cy), p1, (b.cx, b.cy), 48)
}

/// In the stacked layout each arc bends up or down as far as it must to pass no
/// other box; then the boxes move down until the highest arc clears the title.
/// Returns the new canvas height.
fn route_stacked_arcs(nodes: &mut [Node], edges: &mut [Edge], long: &[usize], height: f64) -> f64 {
    let mut height = height;
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &k in long {
        let Some(e) = edges.get_mut(k) else { continue };
        e.bulge = least_crossing_bulge(nodes, e.from, e.to);
        if let (Some(a), Some(b)) = (nodes.get(e.from), nodes.get(e.to)) {
            for p in arc(a, b, e.bulge) {
                lo = lo.min(p.1);
                hi = hi.max(p.1);
            }
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
    height
}

impl PathDiagram<'_> {
    fn lang(&self) -> Lang {
        self.lang.unwrap_or_else(|| Lang::of_model(self.model))
    }

    /// The box of construct `j`: its label, its name when different, R² and the
    /// index; wide enough for the longest line, tall enough for its arrow ports.
    fn node(&self, j: usize, c: &Construct, zh: bool) -> Node {
        let m = self.model;
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
    }

    /// Boxes in columns, edges straight between adjacent columns and arcs otherwise,
    /// and the canvas size.
    fn layout(&self) -> Layout {
        let m = self.model;
        let zh = self.lang() == Lang::Chinese;
        let (layer, stacked) = columns_of(m);
        let cols = column_members(m, &layer, stacked);
        let mut nodes: Vec<Node> = m
            .constructs
            .iter()
            .enumerate()
            .map(|(j, c)| self.node(j, c, zh))
            .collect();
        let gap_y = if stacked { 64.0 } else { 26.0 };
        let max_node_h = nodes.iter().map(|n| n.h).fold(0.0, f64::max);
        let (mut edges, long, reach) = edges_and_arcs(m, &layer, stacked, max_node_h);
        let (width, mut height) = place_columns(&mut nodes, &cols, gap_y, reach);
        if stacked {
            height = route_stacked_arcs(&mut nodes, &mut edges, &long, height);
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
    let cy = |k: usize| lay.nodes.get(k).map_or(0.0, |n| n.cy);
    v.sort_by(|&x, &y| cy(x).total_cmp(&cy(y)));
    v
}

/// Whether point `p` lies in box `n` grown by `pad` px on every side.
fn inside(n: &Node, p: (f64, f64), pad: f64) -> bool {
    (p.0 - n.cx).abs() <= n.w / 2.0 + pad && (p.1 - n.cy).abs() <= n.h / 2.0 + pad
}

/// Samples of every edge curve.
const SAMPLES: usize = 64;

/// The sampled curve of an edge and the part of it drawn (`first..=last`).
struct Curve {
    pts: Vec<(f64, f64)>,
    first: usize,
    last: usize,
}

/// The curve of edge `e`: a straight edge runs from the right side of the source to
/// the left side of the target, its ports spread along the sides in the order of the
/// other ends; an arc or a vertical edge runs centre to centre (a vertical edge that
/// passes other boxes of its column bends left) and is cut where it leaves the
/// source box and enters the target box. `None` when nothing is left to draw.
fn edge_curve(lay: &Layout, e: &Edge) -> Option<Curve> {
    let (a, b) = (lay.nodes.get(e.from)?, lay.nodes.get(e.to)?);
    let straight = e.bulge == 0.0 && !e.vertical;
    let (p0, p2) = if straight {
        let port = |n: &Node, k: usize, r: usize| {
            if k < 2 {
                0.0
            } else {
                let sp = ((n.h - 16.0) / (k - 1) as f64).min(16.0);
                (r as f64 - (k - 1) as f64 / 2.0) * sp
            }
        };
        let outs = straight_ends(lay, e.from, true);
        let ins = straight_ends(lay, e.to, false);
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
    let pts = bezier(p0, p1, p2, SAMPLES);
    let (first, last) = if straight {
        (0, SAMPLES)
    } else {
        let first = pts.iter().position(|&p| !inside(a, p, 3.0))?;
        let last = pts.iter().rposition(|&p| !inside(b, p, 3.0))?;
        (first, last)
    };
    (last > first).then_some(Curve { pts, first, last })
}

/// How an edge is drawn: its coefficient, bootstrap p value, colour (grey when not
/// significant at 5%, red when negative) and line width 1 + 6|coefficient| (1 to 6).
struct EdgeStyle {
    coef: f64,
    p: Option<f64>,
    significant: bool,
    color: RGBColor,
    width: u32,
}

/// An arrow along `seg` (at least two points) ending in a filled head whose size
/// grows with the line width.
fn draw_arrow<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    seg: &[(f64, f64)],
    color: RGBColor,
    width: u32,
) -> DrawResult<DB> {
    let n = seg.len();
    let (Some(&end), Some(&prev)) = (
        seg.last(),
        seg.get(n.saturating_sub(3).min(n.saturating_sub(2))),
    ) else {
        return Ok(());
    };
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
    Ok(())
}

/// The coefficient labels, centred on their points on a nearly opaque white box.
fn draw_coefficient_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: &[(String, (f64, f64), RGBColor)],
) -> DrawResult<DB> {
    for (text, at, color) in labels {
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
    Ok(())
}

/// The construct boxes (endogenous ones tinted blue) with their lines of text.
fn draw_nodes<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    m: &Model,
    nodes: &[Node],
) -> DrawResult<DB> {
    for (j, n) in nodes.iter().enumerate() {
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
    Ok(())
}

impl PathDiagram<'_> {
    /// The colour and width of edge `e` from its coefficient and bootstrap p value.
    fn edge_style(&self, e: &Edge) -> EdgeStyle {
        let coef = self.fit.paths.get((e.from, e.to)).copied().unwrap_or(0.0);
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
        EdgeStyle {
            coef,
            p,
            significant,
            color,
            width,
        }
    }

    /// The note under the diagram: what the numbers, stars and line widths mean.
    fn note(&self, zh: bool) -> String {
        match (self.boot, zh) {
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
        }
    }
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
        // arrows first, boxes on top
        let mut labels: Vec<(String, (f64, f64), RGBColor)> = Vec::new();
        for e in &lay.edges {
            let Some(curve) = edge_curve(&lay, e) else {
                continue;
            };
            let Some(seg) = curve.pts.get(curve.first..=curve.last) else {
                continue;
            };
            let style = self.edge_style(e);
            draw_arrow(root, seg, style.color, style.width)?;
            // the label at the middle of the curve, nearer the source where many
            // arrows meet at the target
            let t = if e.bulge != 0.0 || e.vertical {
                0.5
            } else if m.predecessors(e.to).len() > 2 {
                0.35
            } else {
                0.5
            };
            let k = ((t * SAMPLES as f64).round() as usize).clamp(curve.first, curve.last);
            let Some(&at) = curve.pts.get(k) else {
                continue;
            };
            let text = format!("{:.3}{}", style.coef, style.p.map(stars).unwrap_or(""));
            labels.push((text, at, if style.significant { INK } else { MUTED }));
        }
        draw_coefficient_labels(root, &labels)?;
        draw_nodes(root, m, &lay.nodes)?;
        draw_footnotes(root, &[self.note(zh)], 32, 13.0)
    }
}
