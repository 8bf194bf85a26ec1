//! The HTML report: a [`ReportData`] rendered through the template
//! `templates/report.html` with minijinja, which escapes every value by default
//! (autoescape for `.html`), so labels, company and department names from user files
//! appear as text and never as markup. The page is self-contained: inline CSS
//! (`templates/report.css`, A4 print rules with a page break before each section),
//! inline SVG charts, and the glyphs it uses embedded as a base64 web font
//! ([`crate::report::font`]). It has no script and loads nothing.
//!
//! # Why minijinja
//! minijinja (Armin Ronacher's Jinja2 engine) compiles templates at run time and
//! depends only on serde here: a few seconds of build and no procedural macro. askama
//! checks templates at compile time but adds a derive-macro crate and its parser to
//! every build; the report has one template, so run-time parsing (microseconds) costs
//! nothing, and the template is still compiled into the binary (`include_str!`).
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use crate::error::{Error, Result};
use crate::ipma::Lang;
use crate::report::data::ReportData;
use crate::report::font::font_face_css;
use minijinja::{context, Environment, Value};
use std::collections::BTreeMap;

const TEMPLATE: &str = include_str!("../../templates/report.html");
const CSS: &str = include_str!("../../templates/report.css");

fn tmpl_err(e: minijinja::Error) -> Error {
    Error::Chart {
        path: "<report template>".into(),
        message: format!("{e:#}"),
    }
}

/// An SVG document as an element to inline in HTML: without the XML prolog and
/// without namespace declarations (HTML puts `<svg>` in the SVG namespace itself),
/// so the page holds no URL at all.
///
/// ```
/// let svg = "<?xml version=\"1.0\"?>\n<svg width=\"10\" height=\"10\" viewBox=\"0 0 10 10\" xmlns=\"http://www.w3.org/2000/svg\"></svg>";
/// let el = csi::report::html::inline_svg(svg);
/// assert!(el.starts_with("<svg ") && !el.contains("http"));
/// ```
pub fn inline_svg(svg: &str) -> String {
    let body = match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => return String::new(),
    };
    body.replace(" xmlns=\"http://www.w3.org/2000/svg\"", "")
        .replace(" xmlns:xlink=\"http://www.w3.org/1999/xlink\"", "")
        .trim_end()
        .to_string()
}

fn opt_num(v: &Value, digits: usize) -> String {
    if v.is_none() || v.is_undefined() {
        return "–".into();
    }
    match f64::try_from(v.clone()) {
        Ok(x) if x.is_finite() => format!("{x:.digits$}"),
        _ => "–".into(),
    }
}

/// The report's words: (key, Chinese, English).
const STRINGS: &[(&str, &str, &str)] = &[
    ("title", "顾客满意度报告", "Customer-satisfaction report"),
    ("kicker", "顾客满意度测评报告", "Customer-satisfaction report"),
    ("wave", "调查期", "wave"),
    ("segment", "细分", "segment"),
    ("summary", "摘要", "Summary"),
    ("priorities", "改进优先级", "Priorities"),
    ("departments", "部门", "Departments"),
    ("competitors", "竞争对手", "Competitors"),
    ("trend", "趋势", "Trend"),
    ("quality", "数据与测量质量", "Quality"),
    ("method", "方法", "Method"),
    ("index_0_100", "指数 (0-100)", "index (0-100)"),
    ("index", "指数", "Index"),
    ("interval", "95% 区间", "95% interval"),
    ("change_since", "较上一期", "change since"),
    ("change", "变化", "Change"),
    ("significant", "显著", "significant"),
    ("not_significant", "不显著", "not significant"),
    ("rank", "排名", "rank"),
    ("warnings", "提示", "Warnings"),
    (
        "priorities_lead",
        "横轴是重要性（驱动因素提高 1 分，目标指数提高多少分），纵轴是表现（0-100 分）。右下角“修补区”的因素重要而表现差，应最先改进。",
        "Across: importance (points the target gains per point on the driver); up: performance (0-100). Drivers bottom right (concentrate here) matter most and perform worst: improve them first.",
    ),
    ("action_list", "行动清单", "Action list"),
    ("constructs", "构念", "constructs"),
    ("items", "题目", "items"),
    ("item", "题目", "Item"),
    ("name", "名称", "Name"),
    ("construct", "构念", "Construct"),
    ("importance", "重要性", "Importance"),
    ("performance", "表现", "Performance"),
    ("quadrant", "区域", "Quadrant"),
    ("owner", "负责部门", "Owner"),
    ("uncertain", "不确定", "uncertain"),
    (
        "uncertain_note",
        "“不确定”：重要性或表现的 bootstrap 区间跨过了分界线，该因素也可能属于相邻区域。方括号内为 95% bootstrap 区间。",
        "\"Uncertain\": the bootstrap interval of the importance or performance crosses the split line, so the driver may belong to the neighbouring quadrant. Brackets: 95% bootstrap intervals.",
    ),
    (
        "departments_lead",
        "每个部门负责的题目：低于门槛的题目排在前面，请各部门据此制定整改计划。",
        "The items each department is responsible for; items below the threshold come first, for the department's rectification plan.",
    ),
    (
        "no_owners",
        "模型文件未指定负责部门（在构念或题目上加 owner = \"部门名\"），以下按构念分组。",
        "The model names no departments (add owner = \"...\" to constructs or items); items are grouped by construct.",
    ),
    ("threshold", "门槛（表现）", "Threshold (performance)"),
    ("department_league", "部门排名（表现最低者在前）", "Department league table (lowest first)"),
    ("department", "部门", "Department"),
    ("weighted_performance", "加权表现", "Weighted performance"),
    ("n_concentrate", "修补区题目", "Concentrate-here items"),
    ("n_below", "低于门槛", "Below threshold"),
    ("below", "低于门槛", "below"),
    ("gap_best", "与最佳竞争者之差", "Gap to best competitor"),
    (
        "competitors_lead",
        "各公司分别估计模型，指数附 95% bootstrap 区间。",
        "Each company's own model estimate, with 95% bootstrap intervals.",
    ),
    ("league", "排名表", "League table"),
    ("company", "公司", "Company"),
    ("gap_leader", "与第一名之差", "Gap to leader"),
    (
        "gap_note",
        "* 差距超出抽样误差（做了置换检验时：Holm 校正后的 p < 0.05；否则差值的 bootstrap 区间不含 0）。",
        "* The gap exceeds sampling error (with permutation tests: Holm-adjusted p < 0.05; otherwise the bootstrap interval of the difference excludes 0).",
    ),
    ("benchmark", "各构念指数", "Index of every construct"),
    (
        "trend_note",
        "* 与上一期相比的变化超出抽样误差。各期分别估计模型。",
        "* The change since the previous wave exceeds sampling error. Each wave is estimated on its own.",
    ),
    ("sample", "样本", "Respondents"),
    ("used", "用于估计", "used"),
    ("missing_policy", "缺失值处理", "missing answers"),
    ("weights", "加权", "weights"),
    ("yes", "是", "yes"),
    ("no", "否", "no"),
    ("verdict", "结论", "Verdict"),
    ("passes", "合格", "passes"),
    ("low_reliability", "信度偏低", "low reliability"),
    ("item_quality", "各题缺失与“无法回答”比例", "Missing and \"cannot answer\" per item"),
    ("missing_rate", "缺失率", "Missing"),
    ("mean", "均值", "Mean"),
    (
        "reproduce",
        "以下命令可重现本报告（相同数据、相同随机种子得到相同结果）：",
        "This command reproduces the report (same data and seed, same numbers):",
    ),
    (
        "confidential",
        "本报告只含汇总结果，不含任何受访者个人的答卷。",
        "This report holds aggregates only: no respondent's answers appear in it.",
    ),
];

/// The words of the report in one language.
pub fn strings(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    let zh = lang == Lang::Chinese;
    STRINGS
        .iter()
        .map(|(k, z, e)| (*k, if zh { *z } else { *e }))
        .collect()
}

fn environment() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    env.add_filter("f1", |v: Value| opt_num(&v, 1));
    env.add_filter("f2", |v: Value| opt_num(&v, 2));
    env.add_filter("f3", |v: Value| opt_num(&v, 3));
    env.add_filter("imp", |v: Value| match f64::try_from(v.clone()) {
        Ok(x) if x.is_finite() => crate::ipma::fmt_imp(x),
        _ => "–".into(),
    });
    env.add_filter("signed1", |v: Value| match f64::try_from(v.clone()) {
        Ok(x) if x.is_finite() => format!("{x:+.1}"),
        _ => "–".into(),
    });
    env.add_filter("pct", |v: Value| match f64::try_from(v.clone()) {
        Ok(x) if x.is_finite() => format!("{:.1}%", 100.0 * x),
        _ => "–".into(),
    });
    // charts: SVG from csi's own chart code (text escaped there), inlined
    env.add_filter("svg", |v: String| Value::from_safe_string(inline_svg(&v)));
    env.add_template("report.html", TEMPLATE)
        .map_err(tmpl_err)?;
    Ok(env)
}

/// The report as one HTML document.
///
/// # Errors
/// [`Error::Chart`] when the template fails (a defect) or the font cannot be subset.
pub fn render_html(d: &ReportData) -> Result<String> {
    let lang = if d.lang == "zh" {
        Lang::Chinese
    } else {
        Lang::English
    };
    let env = environment()?;
    let tmpl = env.get_template("report.html").map_err(tmpl_err)?;
    let t = strings(lang);
    let data = Value::from(minijinja::value::Serde(d));
    // first pass without the font, to learn which characters the page uses
    let page = tmpl
        .render(context! { d => data.clone(), t => t.clone(), css => CSS, font_css => "" })
        .map_err(tmpl_err)?;
    let font_css = font_face_css(&page)?;
    let html = tmpl
        .render(context! { d => data, t => t, css => CSS, font_css => font_css })
        .map_err(tmpl_err)?;
    // control characters in user text (inline SVG charts included) made visible
    Ok(crate::text_safety::markup_document(&html).into_owned())
}
