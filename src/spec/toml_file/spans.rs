//! Byte spans of the parts of a model file, to point an error at its key.

use crate::spec::SpecIssue;
use std::ops::Range;

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut off = offset.min(text.len());
    while off > 0 && !text.is_char_boundary(off) {
        off -= 1;
    }
    let before = text.get(..off).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map(|p| p + 1).unwrap_or(0);
    let column = before.get(start..).map(|s| s.chars().count()).unwrap_or(0) + 1;
    (line, column)
}

/// Where the parts of a model were declared, to point an issue at its key.
#[derive(Debug, Default)]
pub(crate) struct Spans {
    /// One per construct, in declaration order.
    pub constructs: Vec<ConstructSpans>,
    /// One `(from, to)` pair of spans per expanded path.
    pub paths: Vec<(Range<usize>, Range<usize>)>,
    /// Fallback for model-level issues.
    pub model: Range<usize>,
}

/// Where one construct was declared.
#[derive(Debug, Default, Clone)]
pub(crate) struct ConstructSpans {
    /// The construct's name.
    pub name: Range<usize>,
    /// The whole item list.
    pub items: Range<usize>,
    /// Each item name with its span.
    pub item_list: Vec<(String, Range<usize>)>,
}

impl Spans {
    /// The span an issue from [`Model::build`] points at.
    pub(crate) fn issue_span(&self, issue: &SpecIssue, paths: &[(String, String)]) -> Range<usize> {
        let cons = |i: usize| self.constructs.get(i);
        let fallback = self.model.clone();
        match issue {
            SpecIssue::EmptyConstructName { index }
            | SpecIssue::DuplicateConstruct { index, .. } => {
                cons(*index).map(|c| c.name.clone()).unwrap_or(fallback)
            }
            SpecIssue::NoItems { index, .. } => {
                cons(*index).map(|c| c.items.clone()).unwrap_or(fallback)
            }
            SpecIssue::HigherOrder { index, .. } => {
                cons(*index).map(|c| c.name.clone()).unwrap_or(fallback)
            }
            SpecIssue::EmptyItemName { index } => cons(*index)
                .map(|c| {
                    c.item_list
                        .iter()
                        .find(|(n, _)| n.trim().is_empty())
                        .map(|(_, s)| s.clone())
                        .unwrap_or_else(|| c.items.clone())
                })
                .unwrap_or(fallback),
            SpecIssue::DuplicateItem { index, name, .. } => {
                let earlier = self
                    .constructs
                    .iter()
                    .take(*index)
                    .any(|c| c.item_list.iter().any(|(n, _)| n.trim() == name));
                let nth = if earlier { 0 } else { 1 };
                cons(*index)
                    .map(|c| {
                        c.item_list
                            .iter()
                            .filter(|(n, _)| n.trim() == name)
                            .nth(nth)
                            .map(|(_, s)| s.clone())
                            .unwrap_or_else(|| c.items.clone())
                    })
                    .unwrap_or(fallback)
            }
            SpecIssue::UnknownConstruct { path, name } => {
                let from_matches = paths.get(*path).map(|(a, _)| a == name).unwrap_or(false);
                self.paths
                    .get(*path)
                    .map(|(a, b)| if from_matches { a.clone() } else { b.clone() })
                    .unwrap_or(fallback)
            }
            SpecIssue::DimensionPath { path, name, .. } => {
                let from_matches = paths.get(*path).map(|(a, _)| a == name).unwrap_or(false);
                self.paths
                    .get(*path)
                    .map(|(a, b)| if from_matches { a.clone() } else { b.clone() })
                    .unwrap_or(fallback)
            }
            SpecIssue::SelfLoop { path, .. }
            | SpecIssue::DuplicatePath { path, .. }
            | SpecIssue::Cycle { path, .. } => self
                .paths
                .get(*path)
                .map(|(_, b)| b.clone())
                .unwrap_or(fallback),
            SpecIssue::NoEndogenous | SpecIssue::BadScale { .. } => fallback,
        }
    }
}
