//! The quality section: reliability, validity and item data quality, with findings.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::{cname, iname, zh, ItemQuality, QualityRow, QualitySection};
use crate::analysis::Analysis;
use crate::data::{validate_survey, Survey};
use crate::ipma::Lang;
use crate::spec::Model;

/// Reliability and validity of every construct, data quality of every item, and the
/// findings in words.
pub(super) fn quality_section(
    model: &Model,
    survey: &Survey,
    a: &Analysis,
    lang: Lang,
) -> QualitySection {
    let v = validate_survey(survey, model);
    let n = survey.n().max(1);
    let constructs = construct_rows(model, a);
    let items: Vec<ItemQuality> = (0..model.n_items())
        .map(|k| {
            let ir = v.items.get(k);
            let missing = a.missing.missing.get(k).copied().unwrap_or(0);
            ItemQuality {
                item: iname(model, k),
                missing,
                missing_rate: missing as f64 / n as f64,
                mean: ir.and_then(|r| r.mean),
                sd: ir.and_then(|r| r.sd),
            }
        })
        .collect();
    let weights = survey.weights.as_ref();
    let n_effective = weights.map(|w| {
        let s: f64 = w.iter().sum();
        let s2: f64 = w.iter().map(|x| x * x).sum();
        s * s / s2
    });
    let findings = findings(lang, &constructs, &items, v.straight_liners);
    QualitySection {
        n_read: survey.n(),
        n_used: a.data.x.nrows(),
        missing_policy: a.missing.policy.as_str().to_string(),
        straight_liners: v.straight_liners,
        weighted: weights.is_some(),
        n_effective,
        constructs,
        items,
        findings,
        srmr: a.quality.srmr,
    }
}

/// Reliability and validity of every construct.
fn construct_rows(model: &Model, a: &Analysis) -> Vec<QualityRow> {
    let q = model.n_constructs();
    (0..q)
        .filter_map(|j| {
            let cq = a.quality.constructs.get(j)?;
            let htmt_max = (0..q)
                .filter(|&i| i != j)
                .map(|i| crate::report::cell(&a.quality.htmt, i.min(j), i.max(j)))
                .filter(|x| x.is_finite())
                .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
            Some(QualityRow {
                construct: cname(model, j),
                alpha: cq.alpha,
                rho_c: cq.rho_c,
                rho_a: cq.rho_a,
                ave: cq.ave,
                reliable: cq.rho_c >= 0.7,
                convergent: cq.ave >= 0.5,
                discriminant: htmt_max.is_none_or(|h| h < 0.9),
                htmt_max,
                r2: crate::report::at_opt(&a.fit.r2, j),
            })
        })
        .collect()
}

/// The quality findings in words: reliability, convergent and discriminant validity,
/// missing answers, straight-lining.
fn findings(
    lang: Lang,
    constructs: &[QualityRow],
    items: &[ItemQuality],
    straight_liners: usize,
) -> Vec<String> {
    let q = constructs.len();
    let n_rel = constructs.iter().filter(|c| c.reliable).count();
    let n_conv = constructs.iter().filter(|c| c.convergent).count();
    let n_disc = constructs.iter().filter(|c| c.discriminant).count();
    let many_missing: Vec<&ItemQuality> = items.iter().filter(|i| i.missing_rate > 0.10).collect();
    let mut findings = Vec::new();
    if zh(lang) {
        findings.push(format!(
            "信度：{n_rel}/{q} 个构念的组合信度 ρC ≥ 0.70（测量可靠）。"
        ));
        findings.push(format!(
            "聚合效度：{n_conv}/{q} 个构念的平均方差抽取量 AVE ≥ 0.50（题目测的是同一件事）。"
        ));
        findings.push(format!(
            "区分效度：{n_disc}/{q} 个构念与其他构念的 HTMT < 0.90（各构念彼此可区分）。"
        ));
        findings.push(if many_missing.is_empty() {
            "没有题目的缺失或“无法回答”比例超过 10%。".to_string()
        } else {
            format!(
                "{} 道题的缺失或“无法回答”比例超过 10%：{}。",
                many_missing.len(),
                many_missing
                    .iter()
                    .map(|i| i.item.label.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            )
        });
        findings.push(format!(
            "{} 位受访者对所有题目给出相同答案（直线作答）。",
            straight_liners
        ));
    } else {
        findings.push(format!(
            "Reliability: {n_rel} of {q} constructs have composite reliability rho_C >= 0.70."
        ));
        findings.push(format!(
            "Convergent validity: {n_conv} of {q} constructs have AVE >= 0.50 (their items measure one thing)."
        ));
        findings.push(format!(
            "Discriminant validity: {n_disc} of {q} constructs have HTMT < 0.90 with every other construct."
        ));
        findings.push(if many_missing.is_empty() {
            "No item has more than 10% missing or \"cannot answer\" answers.".to_string()
        } else {
            format!(
                "{} item(s) have more than 10% missing or \"cannot answer\" answers: {}.",
                many_missing.len(),
                many_missing
                    .iter()
                    .map(|i| i.item.label.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
        findings.push(format!(
            "{} respondent(s) gave the same answer to every item (straight-lining).",
            straight_liners
        ));
    }
    findings
}
