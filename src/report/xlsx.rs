//! The report's tables as an Excel workbook (`csi report --xlsx FILE`), written with
//! rust_xlsxwriter: one worksheet per table of the HTML report, numbers as numbers with
//! number formats, and one **action-plan sheet per department** (item, current
//! performance, importance, target, responsible person, deadline, measures, status)
//! for the department's rectification plan.
//!
//! Table sheets have fixed English names (`summary`, `priorities_constructs`,
//! `priorities_items`, `departments`, `department_items`, `competitors`, `trend`,
//! `quality_constructs`, `quality_items`, `method`) so scripts can find them; headers
//! are in the report's language. Action-plan sheets are named `plan <department>`
//! (shortened to Excel's 31 characters, characters Excel refuses replaced).
//!
//! The workbook writer is the default cargo feature `xlsx`; without it
//! [`write_xlsx`] returns an error naming the flag.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use crate::error::{Error, Result};
use crate::report::data::ReportData;
use std::path::Path;

/// Sheet names of the tables (without action plans), in workbook order, for a report.
pub fn table_sheets(d: &ReportData) -> Vec<&'static str> {
    let mut v = vec![
        "summary",
        "priorities_constructs",
        "priorities_items",
        "departments",
        "department_items",
    ];
    if d.competitors.as_ref().is_some_and(|c| c.note.is_none()) {
        v.push("competitors");
    }
    if d.trend.as_ref().is_some_and(|t| t.note.is_none()) {
        v.push("trend");
    }
    v.extend(["quality_constructs", "quality_items", "method"]);
    v
}

/// The action-plan sheet name of a department: `plan NAME`, at most 31 characters,
/// without the characters Excel refuses (`[]:*?/\`), unique among `taken`.
///
/// ```
/// use csi::report::xlsx::plan_sheet_name;
/// assert_eq!(plan_sheet_name("客舱服务部", &[]), "plan 客舱服务部");
/// assert_eq!(plan_sheet_name("a/b:c", &[]), "plan a_b_c");
/// assert_eq!(plan_sheet_name("x", &["plan x".to_string()]), "plan x (2)");
/// ```
pub fn plan_sheet_name(dept: &str, taken: &[String]) -> String {
    let clean: String = dept
        .chars()
        .map(|c| {
            if "[]:*?/\\".contains(c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let clean = clean.trim_matches('\'').to_string();
    let base: String = format!("plan {clean}").chars().take(31).collect();
    let mut name = base.clone();
    let mut k = 2;
    while taken
        .iter()
        .any(|t| t.to_lowercase() == name.to_lowercase())
    {
        let suffix = format!(" ({k})");
        name = base
            .chars()
            .take(31 - suffix.chars().count())
            .collect::<String>()
            + &suffix;
        k += 1;
    }
    name
}

/// Write the workbook.
///
/// # Errors
/// [`Error::Io`] naming the file when it cannot be written; [`Error::Setting`]
/// (`--xlsx`) when csi was built without the `xlsx` feature.
#[cfg(feature = "xlsx")]
pub fn write_xlsx(d: &ReportData, path: &Path) -> Result<()> {
    imp::write(d, path)
}

/// Write the workbook (this build has no workbook writer).
///
/// # Errors
/// Always [`Error::Setting`] (`--xlsx`).
#[cfg(not(feature = "xlsx"))]
pub fn write_xlsx(_d: &ReportData, _path: &Path) -> Result<()> {
    Err(Error::setting(
        "--xlsx",
        "this csi was built without the 'xlsx' feature (cargo build --features xlsx)",
    ))
}

#[cfg(feature = "xlsx")]
mod imp {
    use super::*;
    use crate::report::data::{Est, PriorityRow};
    use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};

    fn xerr(path: &Path, e: XlsxError) -> Error {
        match e {
            XlsxError::IoError(io) => Error::io(path, io),
            other => Error::io(
                path,
                std::io::Error::other(format!("cannot write the workbook: {other}")),
            ),
        }
    }

    type Res = std::result::Result<(), XlsxError>;

    struct Fmt {
        head: Format,
        f1: Format,
        f3: Format,
        pct: Format,
        int: Format,
        input: Format,
        date: Format,
    }

    fn fmts() -> Fmt {
        Fmt {
            head: Format::new()
                .set_bold()
                .set_background_color(0xDDE7F3)
                .set_align(FormatAlign::Center),
            f1: Format::new().set_num_format("0.0"),
            f3: Format::new().set_num_format("0.000"),
            pct: Format::new().set_num_format("0.0%"),
            int: Format::new().set_num_format("0"),
            input: Format::new().set_background_color(0xFFF7D6).set_unlocked(),
            date: Format::new()
                .set_num_format("yyyy-mm-dd")
                .set_background_color(0xFFF7D6)
                .set_unlocked(),
        }
    }

    /// A cell value.
    enum C<'a> {
        S(&'a str),
        O(String),
        N(f64, &'a Format),
        Blank,
    }

    fn opt<'a>(x: Option<f64>, f: &'a Format) -> C<'a> {
        match x {
            Some(v) if v.is_finite() => C::N(v, f),
            _ => C::Blank,
        }
    }

    fn put(ws: &mut Worksheet, r: u32, c: u16, v: &C) -> std::result::Result<(), XlsxError> {
        match v {
            C::S(s) => ws.write_string(r, c, *s).map(|_| ()),
            C::O(s) => ws.write_string(r, c, s).map(|_| ()),
            C::N(x, f) => ws.write_number_with_format(r, c, *x, f).map(|_| ()),
            C::Blank => Ok(()),
        }
    }

    fn table(
        wb: &mut Workbook,
        name: &str,
        head: &[&str],
        rows: Vec<Vec<C>>,
        f: &Fmt,
    ) -> std::result::Result<(), XlsxError> {
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        for (c, h) in head.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &f.head)?;
            ws.set_column_width(c as u16, if c < 3 { 22 } else { 13 })?;
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                put(ws, r as u32 + 1, c as u16, v)?;
            }
        }
        ws.set_freeze_panes(1, 0)?;
        Ok(())
    }

    fn est<'a>(e: &Est, f: &'a Format) -> [C<'a>; 3] {
        [C::N(e.value, f), opt(e.low, f), opt(e.high, f)]
    }

    fn priority_rows<'a>(rows: &'a [PriorityRow], f: &'a Fmt, items: bool) -> Vec<Vec<C<'a>>> {
        rows.iter()
            .map(|r| {
                let mut v = vec![C::N(r.rank as f64, &f.int), C::S(&r.name), C::S(&r.label)];
                if items {
                    v.push(C::S(&r.construct));
                }
                v.extend(est(&r.importance, &f.f3));
                v.extend(est(&r.performance, &f.f1));
                v.push(C::S(&r.quadrant));
                v.push(C::S(&r.quadrant_label));
                v.push(C::S(if r.uncertain { "yes" } else { "no" }));
                if items {
                    v.push(r.owner.as_deref().map(C::S).unwrap_or(C::Blank));
                }
                v
            })
            .collect()
    }

    pub(super) fn write(d: &ReportData, path: &Path) -> Result<()> {
        build(d, path).map_err(|e| xerr(path, e))
    }

    /// The summary: model, subject, index, change, rank and the key points.
    fn summary_sheet(wb: &mut Workbook, d: &ReportData, f: &Fmt) -> Res {
        let zh = d.lang == "zh";
        let tr = |z: &'static str, e: &'static str| if zh { z } else { e };
        let s = &d.summary;
        let mut rows = vec![
            vec![C::S(tr("模型", "model")), C::S(&d.model)],
            vec![C::S(tr("对象", "subject")), C::S(&d.subject)],
            vec![C::S(tr("目标构念", "target")), C::S(&d.target.name)],
            vec![C::S(tr("受访者", "respondents")), C::N(d.n as f64, &f.int)],
            vec![C::S(tr("指数", "index")), C::N(s.index.value, &f.f1)],
            vec![
                C::S(tr("区间下限", "index_ci_low")),
                opt(s.index.low, &f.f1),
            ],
            vec![
                C::S(tr("区间上限", "index_ci_high")),
                opt(s.index.high, &f.f1),
            ],
        ];
        if let Some(w) = &d.wave {
            rows.push(vec![C::S(tr("调查期", "wave")), C::S(w)]);
        }
        if let Some(c) = &s.change {
            rows.push(vec![
                C::S(tr("较上一期变化", "change_since_previous_wave")),
                C::N(c.difference, &f.f1),
            ]);
        }
        if let Some((r, k)) = s.rank {
            rows.push(vec![
                C::S(tr("排名", "rank")),
                C::N(r as f64, &f.int),
                C::N(k as f64, &f.int),
            ]);
        }
        for (i, t) in s.sentences.iter().enumerate() {
            rows.push(vec![
                C::O(format!("{} {}", tr("要点", "point"), i + 1)),
                C::S(t),
            ]);
        }
        table(
            wb,
            "summary",
            &[tr("项目", "what"), tr("值", "value")],
            rows,
            f,
        )?;
        Ok(())
    }

    /// The columns of a priorities sheet; the item sheet also names each item's
    /// construct and owner.
    fn priority_head(items: bool) -> Vec<&'static str> {
        let mut h = vec!["rank", "name", "label"];
        if items {
            h.push("construct");
        }
        h.extend([
            "importance",
            "importance_ci_low",
            "importance_ci_high",
            "performance",
            "performance_ci_low",
            "performance_ci_high",
            "quadrant",
            "quadrant_label",
            "uncertain",
        ]);
        if items {
            h.push("owner");
        }
        h
    }

    /// The construct and item priorities (IPMA).
    fn priority_sheets(wb: &mut Workbook, d: &ReportData, f: &Fmt) -> Res {
        table(
            wb,
            "priorities_constructs",
            &priority_head(false),
            priority_rows(&d.priorities.constructs, f, false),
            f,
        )?;
        table(
            wb,
            "priorities_items",
            &priority_head(true),
            priority_rows(&d.priorities.items, f, true),
            f,
        )?;
        Ok(())
    }

    /// The departments and their items.
    fn department_sheets(wb: &mut Workbook, d: &ReportData, f: &Fmt) -> Res {
        let zh = d.lang == "zh";
        let tr = |z: &'static str, e: &'static str| if zh { z } else { e };
        let rows = d
            .departments
            .list
            .iter()
            .enumerate()
            .map(|(i, dep)| {
                vec![
                    C::N((i + 1) as f64, &f.int),
                    C::S(&dep.name),
                    C::N(dep.items.len() as f64, &f.int),
                    C::N(dep.performance, &f.f1),
                    C::N(dep.n_concentrate as f64, &f.int),
                    C::N(dep.n_below as f64, &f.int),
                ]
            })
            .collect();
        table(
            wb,
            "departments",
            &[
                "rank",
                tr("部门", "department"),
                tr("题目数", "items"),
                tr("加权表现", "weighted_performance"),
                tr("修补区题目", "concentrate_here_items"),
                tr("低于门槛", "below_threshold"),
            ],
            rows,
            f,
        )?;
        let mut rows = Vec::new();
        for dep in &d.departments.list {
            for it in &dep.items {
                rows.push(vec![
                    C::S(&dep.name),
                    C::S(&it.row.name),
                    C::S(&it.row.label),
                    C::N(it.row.performance.value, &f.f1),
                    C::N(it.row.importance.value, &f.f3),
                    C::S(&it.row.quadrant_label),
                    C::S(if it.row.uncertain { "yes" } else { "no" }),
                    opt(it.change, &f.f1),
                    it.best_competitor
                        .as_ref()
                        .map(|b| C::S(&b.0))
                        .unwrap_or(C::Blank),
                    opt(it.best_competitor.as_ref().map(|b| b.1), &f.f1),
                    opt(it.gap, &f.f1),
                    C::S(if it.below { "yes" } else { "no" }),
                ]);
            }
        }
        table(
            wb,
            "department_items",
            &[
                "department",
                "item",
                "label",
                "performance",
                "importance",
                "quadrant",
                "uncertain",
                "change",
                "best_competitor",
                "best_competitor_performance",
                "gap",
                "below_threshold",
            ],
            rows,
            f,
        )?;
        Ok(())
    }

    /// The competitors' league table (when there is one).
    fn competitors_sheet(wb: &mut Workbook, d: &ReportData, f: &Fmt) -> Res {
        if let Some(c) = d.competitors.as_ref().filter(|c| c.note.is_none()) {
            let mut head: Vec<String> = [
                "rank",
                "company",
                "n",
                "index",
                "index_ci_low",
                "index_ci_high",
                "gap_to_leader",
                "significant",
                "focus",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            head.extend(c.constructs.iter().map(|n| n.name.clone()));
            let rows = c
                .league
                .iter()
                .map(|r| {
                    let mut v = vec![
                        opt(r.rank.map(|x| x as f64), &f.int),
                        C::S(&r.company),
                        C::N(r.n as f64, &f.int),
                    ];
                    match &r.index {
                        Some(e) => v.extend(est(e, &f.f1)),
                        None => v.extend([C::Blank, C::Blank, C::Blank]),
                    }
                    v.push(opt(r.gap, &f.f1));
                    v.push(match r.significant {
                        Some(true) => C::S("yes"),
                        Some(false) => C::S("no"),
                        None => C::Blank,
                    });
                    v.push(C::S(if r.is_focus { "yes" } else { "no" }));
                    v.extend(r.constructs.iter().map(|x| opt(*x, &f.f1)));
                    v
                })
                .collect();
            let h: Vec<&str> = head.iter().map(String::as_str).collect();
            table(wb, "competitors", &h, rows, f)?;
        }
        Ok(())
    }

    /// The index of every construct wave by wave (when there are waves).
    fn trend_sheet(wb: &mut Workbook, d: &ReportData, f: &Fmt) -> Res {
        if let Some(t) = d.trend.as_ref().filter(|t| t.note.is_none()) {
            let mut rows = Vec::new();
            for s in &t.series {
                for p in &s.points {
                    let mut v = vec![
                        C::S(&s.construct.name),
                        C::S(&s.construct.label),
                        C::S(&p.wave),
                        C::N(p.n as f64, &f.int),
                    ];
                    match &p.index {
                        Some(e) => v.extend(est(e, &f.f1)),
                        None => v.extend([C::Blank, C::Blank, C::Blank]),
                    }
                    rows.push(v);
                }
            }
            table(
                wb,
                "trend",
                &[
                    "construct",
                    "label",
                    "wave",
                    "n",
                    "index",
                    "index_ci_low",
                    "index_ci_high",
                ],
                rows,
                f,
            )?;
        }
        Ok(())
    }

    /// Construct and item quality.
    fn quality_sheets(wb: &mut Workbook, d: &ReportData, f: &Fmt) -> Res {
        let rows = d
            .quality
            .constructs
            .iter()
            .map(|c| {
                vec![
                    C::S(&c.construct.name),
                    C::S(&c.construct.label),
                    opt(c.alpha, &f.f3),
                    C::N(c.rho_c, &f.f3),
                    C::N(c.rho_a, &f.f3),
                    C::N(c.ave, &f.f3),
                    opt(c.htmt_max, &f.f3),
                    opt(c.r2, &f.f3),
                ]
            })
            .collect();
        table(
            wb,
            "quality_constructs",
            &[
                "construct",
                "label",
                "alpha",
                "rho_c",
                "rho_a",
                "ave",
                "htmt_max",
                "r2",
            ],
            rows,
            f,
        )?;
        let rows = d
            .quality
            .items
            .iter()
            .map(|i| {
                vec![
                    C::S(&i.item.name),
                    C::S(&i.item.label),
                    C::N(i.missing as f64, &f.int),
                    C::N(i.missing_rate, &f.pct),
                    opt(i.mean, &f.f3),
                    opt(i.sd, &f.f3),
                ]
            })
            .collect();
        table(
            wb,
            "quality_items",
            &["item", "label", "missing", "missing_rate", "mean", "sd"],
            rows,
            f,
        )?;
        Ok(())
    }

    /// The method: settings, version and command.
    fn method_sheet(wb: &mut Workbook, d: &ReportData, f: &Fmt) -> Res {
        let mut rows: Vec<Vec<C>> = d
            .method
            .settings
            .iter()
            .map(|(k, v)| vec![C::S(k), C::S(v)])
            .collect();
        rows.push(vec![C::S("csi"), C::S(&d.method.version)]);
        rows.push(vec![C::S("command"), C::S(&d.method.command)]);
        table(wb, "method", &["setting", "value"], rows, f)?;
        Ok(())
    }

    /// One action-plan sheet per department, with input cells.
    fn plan_sheets(wb: &mut Workbook, d: &ReportData, f: &Fmt) -> Res {
        let zh = d.lang == "zh";
        let tr = |z: &'static str, e: &'static str| if zh { z } else { e };
        let mut taken: Vec<String> = table_sheets(d).iter().map(|s| s.to_string()).collect();
        for dep in &d.departments.list {
            let name = plan_sheet_name(&dep.name, &taken);
            taken.push(name.clone());
            let ws = wb.add_worksheet();
            ws.set_name(&name)?;
            ws.write_string_with_format(
                0,
                0,
                format!("{}: {}", tr("整改行动计划", "Action plan"), dep.name),
                &Format::new().set_bold().set_font_size(14),
            )?;
            ws.write_string(
                1,
                0,
                tr(
                    "请填写黄色单元格：目标、责任人、完成期限、措施与进展。目标列预填了建议值（门槛或最佳竞争者的表现，取较高者）。",
                    "Fill in the yellow cells: target, responsible person, deadline, measures and status. The target column holds a suggestion (the threshold or the best competitor, whichever is higher).",
                ),
            )?;
            let head = [
                tr("题目", "item"),
                tr("题目说明", "label"),
                tr("当前表现", "current performance"),
                tr("重要性", "importance"),
                tr("区域", "quadrant"),
                tr("目标", "target"),
                tr("责任人", "responsible person"),
                tr("完成期限", "deadline"),
                tr("整改措施", "measures"),
                tr("进展", "status"),
            ];
            for (c, h) in head.iter().enumerate() {
                ws.write_string_with_format(3, c as u16, *h, &f.head)?;
                ws.set_column_width(c as u16, if c == 1 || c == 8 { 30 } else { 14 })?;
            }
            for (r, it) in dep.items.iter().enumerate() {
                let row = 4 + r as u32;
                ws.write_string(row, 0, &it.row.name)?;
                ws.write_string(row, 1, &it.row.label)?;
                ws.write_number_with_format(row, 2, it.row.performance.value, &f.f1)?;
                ws.write_number_with_format(row, 3, it.row.importance.value, &f.f3)?;
                ws.write_string(row, 4, &it.row.quadrant_label)?;
                let mut target = d.departments.threshold;
                if let Some((_, b)) = &it.best_competitor {
                    target = target.max(*b);
                }
                if !target.is_finite() || target < it.row.performance.value {
                    target = it.row.performance.value;
                }
                let input_f1 = f.input.clone().set_num_format("0.0");
                ws.write_number_with_format(row, 5, (target * 10.0).ceil() / 10.0, &input_f1)?;
                ws.write_blank(row, 6, &f.input)?;
                ws.write_blank(row, 7, &f.date)?;
                ws.write_blank(row, 8, &f.input)?;
                ws.write_blank(row, 9, &f.input)?;
            }
            ws.set_freeze_panes(4, 0)?;
        }
        Ok(())
    }

    fn build(d: &ReportData, path: &Path) -> Res {
        let f = fmts();
        let mut wb = Workbook::new();
        summary_sheet(&mut wb, d, &f)?;
        priority_sheets(&mut wb, d, &f)?;
        department_sheets(&mut wb, d, &f)?;
        competitors_sheet(&mut wb, d, &f)?;
        trend_sheet(&mut wb, d, &f)?;
        quality_sheets(&mut wb, d, &f)?;
        method_sheet(&mut wb, d, &f)?;
        plan_sheets(&mut wb, d, &f)?;
        wb.save(path)
    }
}
