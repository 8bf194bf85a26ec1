//! The `csi methods` report: the `csi-methods/v1` JSON document and the text tables.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use super::{construct_name, num, opt as onum};
use crate::ipma::{short_label, Lang};
use crate::methods::{
    explanation, method_name, Band, DriverRow, LoyaltyClass, MethodsReport, Outcome,
    RANKING_METHODS, SATISFIED_BAND,
};
use crate::report::text::Table;
use crate::spec::Model;
use serde_json::{json, Value};
use std::fmt::Write;

/// English or Chinese text by the report's language.
fn tr(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    if lang == Lang::Chinese {
        zh
    } else {
        en
    }
}

/// The explanation of a method in the report's language: Chinese when the model's
/// labels are Chinese (as the IPMA quadrant names are), English otherwise.
///
/// ```
/// use csi::ipma::Lang;
/// use csi::report::methods::explanation_in;
/// assert!(explanation_in("simple", Lang::Chinese).contains("等权"));
/// assert_eq!(explanation_in("simple", Lang::English), csi::methods::explanation("simple"));
/// ```
pub fn explanation_in(method: &str, lang: Lang) -> &'static str {
    if lang != Lang::Chinese {
        return explanation(method);
    }
    match method {
        "simple" => "目标构念各满意度题项的平均分，换算为 0-100，各题等权",
        "dual" => "按受访者自述的各属性重要性加权的属性满意度：sum I_k S_k / sum I_k",
        "improved_dual" => "按数据推导的重要性加权的驱动因素表现：总体满意度对驱动因素得分回归的正系数，归一化为和为 1",
        "regression" => "总体满意度对驱动因素得分回归的标准化系数（beta）：推导的重要性",
        "sem" => "PLS 路径模型：目标构念的 0-100 指数（按 PLS 权重合成题项）及各驱动因素对它的总效应（IPMA 重要性）",
        _ => "",
    }
}

/// The `methods` of the document: each method's score (or why it is not available)
/// with its name and explanation.
fn scores_json(rep: &MethodsReport) -> Vec<Value> {
    let lang = rep.lang;
    rep.scores()
        .into_iter()
        .map(|(m, o)| {
            let mut v = json!({
                "method": m,
                "name": method_name(m, lang),
                "explanation": explanation_in(m, lang),
                "explanation_en": explanation(m),
            });
            if let Some(obj) = v.as_object_mut() {
                match o {
                    Outcome::Done(s) => {
                        obj.insert("score".into(), num(s));
                    }
                    Outcome::NotAvailable(why) => {
                        obj.insert("score".into(), Value::Null);
                        obj.insert("note".into(), json!(why));
                    }
                }
            }
            v
        })
        .collect()
}

/// The `drivers` of the document: performance, and importance and rank by each
/// ranking method.
fn drivers_json(rep: &MethodsReport, model: &Model) -> Vec<Value> {
    rep.drivers
        .iter()
        .map(|d| {
            let mut imp = serde_json::Map::new();
            let mut rk = serde_json::Map::new();
            for ((name, i), r) in RANKING_METHODS.iter().zip(d.importance).zip(d.ranks) {
                imp.insert((*name).into(), onum(i));
                rk.insert((*name).into(), r.map(|r| json!(r)).unwrap_or(Value::Null));
            }
            json!({
                "name": construct_name(model, d.construct),
                "label": model.construct_label(d.construct),
                "performance_simple": num(d.simple_performance),
                "performance_sem": onum(d.sem_performance),
                "importance": imp,
                "ranks": rk,
                "agreement": if d.agree() { "agree" } else { "differ" },
            })
        })
        .collect()
}

/// The `regression` of the document: overall satisfaction on the driver scores.
fn regression_json(rep: &MethodsReport, model: &Model) -> Value {
    match &rep.regression {
        Outcome::Done(r) => json!({
            "available": true,
            "overall_item": r.overall,
            "n": r.ols.n,
            "r2": num(r.ols.r2),
            "intercept": num(r.ols.intercept),
            "coefficients": rep.drivers.iter().zip(&r.ols.coef).zip(&r.ols.beta)
                .map(|((d, b), be)| json!({"name": construct_name(model, d.construct), "b": num(*b), "beta": num(*be)}))
                .collect::<Vec<_>>(),
        }),
        Outcome::NotAvailable(e) => json!({"available": false, "note": e}),
    }
}

/// The `ratio` of the document: C = b/a per attribute, overall and per respondent.
fn ratio_json(rep: &MethodsReport) -> Value {
    match &rep.ratio {
        Outcome::Done(r) => json!({
            "available": true,
            "band": SATISFIED_BAND,
            "attributes": r.rows.iter().map(|x| json!({
                "perceived": x.perceived, "expected": x.expected, "b": num(x.b), "a": num(x.a),
                "c": num(x.c), "band": Band::classify(x.c).key(), "n": x.n,
            })).collect::<Vec<_>>(),
            "overall": {"c": num(r.overall), "band": Band::classify(r.overall).key()},
            "respondents": {"n": r.n, "dissatisfied": num(r.shares[0]), "satisfied": num(r.shares[1]), "very_satisfied": num(r.shares[2])},
        }),
        Outcome::NotAvailable(e) => json!({"available": false, "note": e}),
    }
}

/// The `loyalty` of the document: Dick & Basu segments with counts and shares.
fn loyalty_json(rep: &MethodsReport, model: &Model) -> Value {
    let lang = rep.lang;
    match &rep.loyalty {
        Outcome::Done(s) => json!({
            "available": true,
            "threshold": s.threshold,
            "attitudinal": model.extras.attitudinal,
            "behavioural": model.extras.behavioural,
            "classes": LoyaltyClass::ALL.iter().zip(s.counts).zip(s.shares).map(|((c, n), share)| json!({
                "class": c.key(), "label": c.name(lang), "n": n, "share": num(share),
            })).collect::<Vec<_>>(),
            "unclassified": s.unclassified,
        }),
        Outcome::NotAvailable(e) => json!({"available": false, "note": e}),
    }
}

/// The `csi-methods/v1` JSON document.
pub fn methods_json(rep: &MethodsReport, model: &Model) -> Value {
    json!({
        "schema": "csi-methods/v1",
        "model": model.name,
        "n": rep.n,
        "target": construct_name(model, rep.target),
        "language": rep.lang.code(),
        "methods": scores_json(rep),
        "drivers": drivers_json(rep, model),
        "rank_agreement": rep.spearman.iter().map(|(a, b, r)| json!({"a": a, "b": b, "spearman": num(*r)})).collect::<Vec<_>>(),
        "regression": regression_json(rep, model),
        "ratio": ratio_json(rep),
        "loyalty": loyalty_json(rep, model),
        "notes": rep.notes,
    })
}

/// Human-readable report.
pub fn methods_text(rep: &MethodsReport, model: &Model) -> String {
    let lang = rep.lang;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "csi methods: {} (n = {}), target {} {}",
        model.name,
        rep.n,
        construct_name(model, rep.target),
        model.construct_label(rep.target)
    );
    let _ = writeln!(s);
    let _ = writeln!(s, "{}", tr(lang, "Scores (0-100)", "得分 (0-100)"));
    let mut t = Table::new(
        &[tr(lang, "method", "方法"), "", tr(lang, "score", "得分")],
        2,
    );
    let mut legend = Vec::new();
    let sep = tr(lang, ": ", "：");
    for (m, o) in rep.scores() {
        let score = match o {
            Outcome::Done(v) => {
                legend.push(format!(
                    "- {}{sep}{}",
                    method_name(m, lang),
                    explanation_in(m, lang)
                ));
                format!("{v:.1}")
            }
            Outcome::NotAvailable(e) => {
                legend.push(format!(
                    "- {}{sep}{} ({e})",
                    method_name(m, lang),
                    explanation_in(m, lang)
                ));
                "-".to_string()
            }
        };
        t.row(vec![
            method_name(m, lang).into(),
            if lang == Lang::Chinese {
                method_name(m, Lang::English).into()
            } else {
                String::new()
            },
            score,
        ]);
    }
    s.push_str(&t.render());
    for l in legend {
        let _ = writeln!(s, "{l}");
    }
    let _ = writeln!(s);
    drivers_section(rep, model, &mut s);
    ratio_loyalty_section(rep, &mut s);
    for n in &rep.notes {
        let _ = writeln!(s, "{}{n}", tr(lang, "note: ", "注："));
    }
    s
}

/// The column heads of the drivers table.
fn drivers_header(lang: Lang) -> [&'static str; 9] {
    if lang == Lang::Chinese {
        [
            "驱动因素",
            "标签",
            "简单表现",
            "SEM 指数",
            "双重评价（自述）",
            "改进双重权重",
            "回归 beta",
            "SEM 重要性",
            "一致性",
        ]
    } else {
        [
            "driver",
            "label",
            "simple perf",
            "SEM index",
            "dual (stated)",
            "improved dual w",
            "regression beta",
            "SEM importance",
            "agreement",
        ]
    }
}

/// The drivers table of the methods report, its rank agreement and its notes.
fn drivers_section(rep: &MethodsReport, model: &Model, s: &mut String) {
    let lang = rep.lang;
    let _ = writeln!(
        s,
        "{}",
        tr(
            lang,
            "Drivers: performance and importance (rank) by method",
            "驱动因素：各方法的表现与重要性（排名）"
        )
    );
    let mut t = Table::new(&drivers_header(lang), 2);
    let cell = |v: Option<f64>, r: Option<usize>, d: usize| match (v, r) {
        (Some(v), Some(r)) => format!("{v:.d$} ({r})"),
        _ => "-".into(),
    };
    for d in &rep.drivers {
        let [i0, i1, i2, i3] = d.importance;
        let [r0, r1, r2, r3] = d.ranks;
        t.row(vec![
            construct_name(model, d.construct).to_string(),
            short_label(model.construct_label(d.construct)).to_string(),
            format!("{:.1}", d.simple_performance),
            d.sem_performance
                .map(|v| format!("{v:.1}"))
                .unwrap_or_else(|| "-".into()),
            cell(i0, r0, 2),
            cell(i1, r1, 3),
            cell(i2, r2, 3),
            cell(i3, r3, 3),
            if d.agree() {
                tr(lang, "agree", "一致").into()
            } else {
                tr(lang, "differ", "不一致").into()
            },
        ]);
    }
    s.push_str(&t.render());
    rank_agreement_lines(rep, s);
    agreement_lines(rep, model, s);
    regression_line(rep, s);
}

/// The Spearman correlations between the methods' importance rankings.
fn rank_agreement_lines(rep: &MethodsReport, s: &mut String) {
    let lang = rep.lang;
    if rep.spearman.is_empty() {
        return;
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "{}",
        tr(lang, "Rank agreement (Spearman)", "排名一致性 (Spearman)")
    );
    for (a, b, r) in &rep.spearman {
        let _ = writeln!(
            s,
            "  {} vs {}: {:.2}",
            method_name(a, lang),
            method_name(b, lang),
            r
        );
    }
}

/// The drivers on which the methods agree (ranks within one place) and differ.
fn agreement_lines(rep: &MethodsReport, model: &Model, s: &mut String) {
    let lang = rep.lang;
    let (agree, differ): (Vec<&DriverRow>, Vec<&DriverRow>) =
        rep.drivers.iter().partition(|d| d.agree());
    let names = |v: Vec<&DriverRow>| -> Vec<String> {
        v.into_iter()
            .map(|d| construct_name(model, d.construct).to_string())
            .collect()
    };
    let (agree, differ) = (names(agree), names(differ));
    if !agree.is_empty() {
        let _ = writeln!(
            s,
            "{}{}",
            tr(
                lang,
                "methods agree (ranks within one place) on: ",
                "各方法一致（排名相差不超过一位）："
            ),
            agree.join(", ")
        );
    }
    if !differ.is_empty() {
        let _ = writeln!(
            s,
            "{}{}",
            tr(lang, "methods differ on: ", "各方法不一致："),
            differ.join(", ")
        );
    }
}

/// The fit of the regression of overall satisfaction on the driver scores.
fn regression_line(rep: &MethodsReport, s: &mut String) {
    if let Outcome::Done(r) = &rep.regression {
        if rep.lang == Lang::Chinese {
            let _ = writeln!(
                s,
                "“{}”对驱动因素得分的回归：R2 = {:.3}，n = {}",
                r.overall, r.ols.r2, r.ols.n
            );
        } else {
            let _ = writeln!(
                s,
                "regression of '{}' on the driver scores: R2 = {:.3}, n = {}",
                r.overall, r.ols.r2, r.ols.n
            );
        }
    }
}

/// The C = b/a and loyalty sections of the methods report.
fn ratio_loyalty_section(rep: &MethodsReport, s: &mut String) {
    ratio_section(rep, s);
    let _ = writeln!(s);
    loyalty_section(rep, s);
}

/// The C = b/a section: per attribute, overall, and the respondents' shares.
fn ratio_section(rep: &MethodsReport, s: &mut String) {
    let lang = rep.lang;
    let _ = writeln!(s);
    if lang == Lang::Chinese {
        let _ = writeln!(
            s,
            "C = b/a（感知/期望；|C - 1| <= {SATISFIED_BAND} 视为满意）"
        );
    } else {
        let _ = writeln!(
            s,
            "C = b/a (perceived / expected; |C - 1| <= {SATISFIED_BAND} reads as satisfied)"
        );
    }
    let r = match &rep.ratio {
        Outcome::Done(r) => r,
        Outcome::NotAvailable(e) => {
            let _ = writeln!(s, "{}{e}", tr(lang, "not available: ", "不可用："));
            return;
        }
    };
    let mut t = Table::new(
        &[
            tr(lang, "perceived", "感知"),
            tr(lang, "expected", "期望"),
            "b",
            "a",
            "C",
            tr(lang, "reading", "解读"),
        ],
        2,
    );
    for x in &r.rows {
        t.row(vec![
            x.perceived.clone(),
            x.expected.clone(),
            format!("{:.2}", x.b),
            format!("{:.2}", x.a),
            format!("{:.3}", x.c),
            Band::classify(x.c).name(lang).into(),
        ]);
    }
    s.push_str(&t.render());
    let _ = writeln!(
        s,
        "{} C = {:.3}{}{}",
        tr(lang, "overall", "总体"),
        r.overall,
        tr(lang, ": ", "："),
        Band::classify(r.overall).name(lang)
    );
    let shares: Vec<String> = [
        tr(lang, "dissatisfied", "不满意"),
        tr(lang, "satisfied", "满意"),
        tr(lang, "very satisfied", "非常满意"),
    ]
    .iter()
    .zip(r.shares)
    .map(|(what, x)| format!("{what} {:.1}%", 100.0 * x))
    .collect();
    let _ = writeln!(
        s,
        "{}{}{}{}",
        tr(lang, "respondents (n = ", "受访者（n = "),
        r.n,
        tr(lang, "): ", "）："),
        shares.join(tr(lang, ", ", "，"))
    );
}

/// The loyalty segments (Dick & Basu) section.
fn loyalty_section(rep: &MethodsReport, s: &mut String) {
    let lang = rep.lang;
    let _ = writeln!(
        s,
        "{}",
        tr(
            lang,
            "Loyalty segments (Dick & Basu; high = above the scale midpoint)",
            "忠诚度细分（Dick & Basu；高 = 高于量表中点）"
        )
    );
    let seg = match &rep.loyalty {
        Outcome::Done(seg) => seg,
        Outcome::NotAvailable(e) => {
            let _ = writeln!(s, "{}{e}", tr(lang, "not available: ", "不可用："));
            return;
        }
    };
    let mut t = Table::new(
        &[
            tr(lang, "class", "类别"),
            tr(lang, "respondents", "受访者"),
            tr(lang, "share", "占比"),
        ],
        1,
    );
    for ((c, n), share) in LoyaltyClass::ALL.iter().zip(seg.counts).zip(seg.shares) {
        t.row(vec![
            c.name(lang).into(),
            n.to_string(),
            format!("{:.1}%", 100.0 * share),
        ]);
    }
    s.push_str(&t.render());
    if seg.unclassified > 0 {
        let _ = writeln!(
            s,
            "{}{}",
            tr(
                lang,
                "unclassified (no answer on an axis): ",
                "未分类（某一维度无回答）："
            ),
            seg.unclassified
        );
    }
}
