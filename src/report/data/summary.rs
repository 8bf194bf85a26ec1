//! The summary section's sentences.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::{fmt1, zh, Change, Competitors, Est, PriorityRow};
use crate::ipma::{self, Lang, Quadrant};

/// The summary in three sentences: the index, its change and rank, and the first
/// priority.
#[allow(clippy::too_many_arguments)]
pub(super) fn summary_sentences(
    lang: Lang,
    subject: &str,
    target: &str,
    index: &Est,
    n: usize,
    change: Option<&Change>,
    rank: Option<(usize, usize)>,
    competitors: Option<&Competitors>,
    constructs: &[PriorityRow],
) -> Vec<String> {
    let z = zh(lang);
    let mut out = Vec::new();
    let interval = match (index.low, index.high) {
        (Some(l), Some(h)) => {
            if z {
                format!("（95% 区间 {}–{}）", fmt1(l), fmt1(h))
            } else {
                format!(" (95% interval {}-{})", fmt1(l), fmt1(h))
            }
        }
        _ => String::new(),
    };
    out.push(if z {
        format!(
            "{subject}的{target}指数为 {} 分（满分 100）{interval}，基于 {n} 位受访者。",
            fmt1(index.value)
        )
    } else {
        format!(
            "The {target} index of {subject} is {} out of 100{interval}, from {n} respondents.",
            fmt1(index.value)
        )
    });
    let mut second = Vec::new();
    if let Some(c) = change {
        second.push(change_sentence(c, z));
    }
    if let (Some((r, k)), Some(comp)) = (rank, competitors) {
        second.push(rank_sentence(comp, r, k, z));
    }
    if second.is_empty() {
        second.push(if z {
            "加 --company 列可与竞争对手比较，加 --wave 列可看各期变化。".to_string()
        } else {
            "Add --company to compare with competitors and --wave to follow the change between waves.".to_string()
        });
    }
    out.push(second.join(if z { "" } else { " " }));
    out.push(priority_sentence(constructs, target, z));
    out
}

/// The change of the index since the previous wave, and whether it is significant.
fn change_sentence(c: &Change, z: bool) -> String {
    let dir_zh = if c.difference >= 0.0 {
        "上升"
    } else {
        "下降"
    };
    let dir_en = if c.difference >= 0.0 { "up" } else { "down" };
    let sig = match (c.significant, z) {
        (Some(true), true) => "，变化超出抽样误差（显著）",
        (Some(false), true) => "，但变化在抽样误差之内（不显著）",
        (None, true) => "（未检验显著性，加 --bootstrap 可检验）",
        (Some(true), false) => ", more than sampling error explains (significant)",
        (Some(false), false) => ", within sampling error (not significant)",
        (None, false) => " (not tested: add --bootstrap)",
    };
    if z {
        format!(
            "与上一期（{}）相比{dir_zh} {} 分{sig}。",
            c.from,
            fmt1(c.difference.abs())
        )
    } else {
        format!(
            "Since the previous wave ({}) it is {dir_en} {} points{sig}.",
            c.from,
            fmt1(c.difference.abs())
        )
    }
}

/// The focus company's rank, and its gap to the leader.
fn rank_sentence(comp: &Competitors, r: usize, k: usize, z: bool) -> String {
    let leader = comp.league.first();
    let focus = comp.league.iter().find(|x| x.is_focus);
    let gap_txt = match (leader, focus) {
        (Some(l), Some(f)) if r > 1 => {
            let g = f.gap.unwrap_or(0.0).abs();
            let sig = match (f.significant, z) {
                (Some(true), true) => "，差距显著",
                (Some(false), true) => "，差距在抽样误差之内",
                (Some(true), false) => ", a significant gap",
                (Some(false), false) => ", within sampling error",
                _ => "",
            };
            if z {
                format!("，落后第一名{} {} 分{sig}", l.company, fmt1(g))
            } else {
                format!(", {} points behind the leader {}{sig}", fmt1(g), l.company)
            }
        }
        _ => String::new(),
    };
    if z {
        format!("在 {k} 家公司中排名第 {r}{gap_txt}。")
    } else {
        format!("It ranks {r} of {k} companies{gap_txt}.")
    }
}

/// The first driver to improve (important but weak), or that there is none.
fn priority_sentence(constructs: &[PriorityRow], target: &str, z: bool) -> String {
    let first = constructs
        .iter()
        .find(|r| r.quadrant == Quadrant::ConcentrateHere.key());
    match (first, z) {
        (Some(r), true) => format!(
            "最需要优先改进的是“{}”：它对{target}影响大（重要性 {}）而表现偏低（{} 分）{}。",
            r.label,
            ipma::fmt_imp(r.importance.value),
            fmt1(r.performance.value),
            if r.uncertain {
                "，但这一判断仍有不确定性"
            } else {
                ""
            }
        ),
        (Some(r), false) => format!(
            "Improve {} first: it weighs heavily on {target} (importance {}) and performs below the others ({}){}.",
            r.label,
            ipma::fmt_imp(r.importance.value),
            fmt1(r.performance.value),
            if r.uncertain { ", though this is not yet certain" } else { "" }
        ),
        (None, true) => "没有重要性高而表现低的驱动因素：保持现有优势。".to_string(),
        (None, false) => {
            "No driver is both important and weak: keep up the strengths.".to_string()
        }
    }
}
