//! The bar chart of construct indices ([`IndexChart`]).
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::frame::{draw_bar_row, draw_footnotes, whisker_note, BarFrame, BarRow};
use super::{text_size, DrawResult, Figure};
use crate::analysis::Analysis;
use crate::bootstrap::BootstrapResult;
use crate::index::ConstructIndex;
use crate::ipma::{short_label, Lang};
use crate::spec::Model;
use crate::stat::Stat;
use plotters::coord::Shift;
use plotters::prelude::*;

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
type IndexRow = (usize, String, f64, Option<(f64, f64)>);

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

    fn rows(&self) -> Vec<IndexRow> {
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
        let mut chart = BarFrame {
            title,
            rows: q,
            top_band: 0.0,
            label_w,
            margin_right: 20,
            margin_bottom: 40,
            zh,
        }
        .draw(root)?;
        for (r, (j, label, v, ci)) in rows.into_iter().enumerate() {
            let row = BarRow {
                yc: (q - 1 - r) as f64 + 0.5,
                value: v,
                ci,
                color: if Some(j) == self.highlight {
                    RGBColor(31, 90, 160)
                } else {
                    RGBColor(120, 160, 205)
                },
                value_text: format!("{v:.1}"),
                label,
                opaque: false,
            };
            draw_bar_row(root, &mut chart, row)?;
        }
        let note = whisker_note(self.boot.map(|b| (b.level, b.resamples)), zh);
        draw_footnotes(root, &[note], 28, 13.0)
    }
}
