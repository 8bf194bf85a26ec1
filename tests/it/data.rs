//! Questionnaire ingest: formats, encodings, missing codes, problems, never a panic.

use csi::data::{inspect_survey, read_survey, IngestOptions, Severity, Survey, ValidationReport};
use csi::spec::{ConstructSpec, Mode, Model, Scale};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------
// Shared helpers (also used by `cli_validate`)

/// The test model: QUAL (q1..q3) -> SAT (s1, s2), scale 1..10, 「无法回答」 missing.
pub fn model() -> Model {
    let mut m = Model::from_parts(
        "t",
        vec![
            ConstructSpec::new("QUAL", &["q1", "q2", "q3"]),
            ConstructSpec::new("SAT", &["s1", "s2"]),
        ],
        &[("QUAL", "SAT")],
    )
    .and_then(|m| {
        m.with_scale(Scale {
            min: 1.0,
            max: 10.0,
        })
    })
    .unwrap_or_else(|e| panic!("test model: {e}"));
    m.missing_codes = vec!["无法回答".into()];
    m
}

/// The TOML form of [`model`].
pub const MODEL_TOML: &str = r#"name = "t"

[scale]
min = 1
max = 10
missing = ["无法回答"]

[[construct]]
name = "QUAL"
items = ["q1", "q2", "q3"]

[[construct]]
name = "SAT"
items = ["s1", "s2"]

[[path]]
from = "QUAL"
to = "SAT"
"#;

/// Header of the sample data.
pub const HEADER: [&str; 8] = ["id", "airline", "q1", "q2", "q3", "s1", "s2", "gender"];

/// The sample data as cells (header first). 40 respondents; row 5 (respondent 4) has
/// q2 = 「无法回答」, row 9 an empty s2, row 12 s1 = 7.5, airline names in Chinese.
pub fn table() -> Vec<Vec<String>> {
    let airlines = ["南方航空", "东方航空", "国航"];
    let mut t = vec![HEADER.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    for i in 0..40usize {
        let base = 1 + (i * 7) % 10;
        let c = |d: i64| (base as i64 + d).clamp(1, 10).to_string();
        let mut row = vec![
            (i + 1).to_string(),
            airlines[i % 3].to_string(),
            c((i % 3) as i64 - 1),
            c((i % 2) as i64),
            c(1 - (i % 4) as i64),
            c((i % 5) as i64 - 2),
            c(((i * 3) % 4) as i64 - 1),
            if i % 2 == 0 {
                "女".into()
            } else {
                "男".into()
            },
        ];
        if i == 3 {
            row[3] = "无法回答".into();
        }
        if i == 7 {
            row[6] = String::new();
        }
        if i == 10 {
            row[5] = "7.5".into();
        }
        t.push(row);
    }
    t
}

/// Cells joined with a delimiter (numbers with a decimal comma when `comma`).
pub fn to_text(t: &[Vec<String>], delim: &str, eol: &str, comma: bool, quote_all: bool) -> String {
    let mut s = String::new();
    for row in t {
        let cells: Vec<String> = row
            .iter()
            .map(|c| {
                let c = if comma {
                    c.replace('.', ",")
                } else {
                    c.clone()
                };
                if quote_all {
                    format!("\"{c}\"")
                } else {
                    c
                }
            })
            .collect();
        s.push_str(&cells.join(delim));
        s.push_str(eol);
    }
    s
}

/// Write a file in `dir`.
pub fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
    p
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A zip archive with stored (uncompressed) entries.
fn zip_stored(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let le16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
    let le32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    for (name, data) in entries {
        let offset = out.len() as u32;
        let crc = crc32(data);
        le32(&mut out, 0x0403_4b50);
        le16(&mut out, 20);
        le16(&mut out, 0);
        le16(&mut out, 0);
        le16(&mut out, 0);
        le16(&mut out, 0x21);
        le32(&mut out, crc);
        le32(&mut out, data.len() as u32);
        le32(&mut out, data.len() as u32);
        le16(&mut out, name.len() as u16);
        le16(&mut out, 0);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);

        le32(&mut central, 0x0201_4b50);
        le16(&mut central, 20);
        le16(&mut central, 20);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le16(&mut central, 0x21);
        le32(&mut central, crc);
        le32(&mut central, data.len() as u32);
        le32(&mut central, data.len() as u32);
        le16(&mut central, name.len() as u16);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le32(&mut central, 0);
        le32(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    let cd_size = central.len() as u32;
    out.extend_from_slice(&central);
    le32(&mut out, 0x0605_4b50);
    le16(&mut out, 0);
    le16(&mut out, 0);
    le16(&mut out, entries.len() as u16);
    le16(&mut out, entries.len() as u16);
    le32(&mut out, cd_size);
    le32(&mut out, cd_offset);
    le16(&mut out, 0);
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn col_letters(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// A minimal XLSX workbook (one sheet named `sheet`): numeric-looking cells are numbers,
/// the others inline strings, empty cells are left out.
pub fn xlsx(t: &[Vec<String>], sheet: &str) -> Vec<u8> {
    let mut rows = String::new();
    for (i, row) in t.iter().enumerate() {
        rows.push_str(&format!("<row r=\"{}\">", i + 1));
        for (j, c) in row.iter().enumerate() {
            if c.is_empty() {
                continue;
            }
            let r = format!("{}{}", col_letters(j), i + 1);
            if i > 0 && c.parse::<f64>().is_ok_and(|v| v.is_finite()) {
                rows.push_str(&format!("<c r=\"{r}\"><v>{c}</v></c>"));
            } else {
                rows.push_str(&format!(
                    "<c r=\"{r}\" t=\"inlineStr\"><is><t>{}</t></is></c>",
                    xml_escape(c)
                ));
            }
        }
        rows.push_str("</row>");
    }
    xlsx_sheet_data(&rows, sheet)
}

/// A minimal XLSX workbook whose one sheet holds `rows` (the XML inside `<sheetData>`).
pub fn xlsx_sheet_data(rows: &str, sheet: &str) -> Vec<u8> {
    let ns = "http://schemas.openxmlformats.org";
    let content_types = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Types xmlns=\"{ns}/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>\
</Types>"
    );
    let rels = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Relationships xmlns=\"{ns}/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"{ns}/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>\
</Relationships>"
    );
    let workbook = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<workbook xmlns=\"{ns}/spreadsheetml/2006/main\" xmlns:r=\"{ns}/officeDocument/2006/relationships\">\
<sheets><sheet name=\"{}\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
        xml_escape(sheet)
    );
    let wb_rels = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Relationships xmlns=\"{ns}/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"{ns}/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>\
</Relationships>"
    );
    let sheet_xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<worksheet xmlns=\"{ns}/spreadsheetml/2006/main\"><sheetData>{rows}</sheetData></worksheet>"
    );
    zip_stored(&[
        ("[Content_Types].xml", content_types.into_bytes()),
        ("_rels/.rels", rels.into_bytes()),
        ("xl/workbook.xml", workbook.into_bytes()),
        ("xl/_rels/workbook.xml.rels", wb_rels.into_bytes()),
        ("xl/worksheets/sheet1.xml", sheet_xml.into_bytes()),
    ])
}

/// The table as Parquet: `id` integer, items numeric (null = empty) except q2 (text,
/// holds 「无法回答」), the rest text.
pub fn parquet(t: &[Vec<String>], path: &Path) {
    use polars::prelude::*;
    let body = &t[1..];
    let mut cols: Vec<Column> = Vec::new();
    for (j, name) in t[0].iter().enumerate() {
        let cells: Vec<&str> = body.iter().map(|r| r[j].as_str()).collect();
        let col = match name.as_str() {
            "id" => Column::new(
                name.as_str().into(),
                cells
                    .iter()
                    .map(|c| c.parse::<i64>().ok())
                    .collect::<Vec<_>>(),
            ),
            "q1" | "q3" | "s1" | "s2" => Column::new(
                name.as_str().into(),
                cells
                    .iter()
                    .map(|c| c.parse::<f64>().ok())
                    .collect::<Vec<_>>(),
            ),
            _ => Column::new(
                name.as_str().into(),
                cells
                    .iter()
                    .map(|c| if c.is_empty() { None } else { Some(*c) })
                    .collect::<Vec<_>>(),
            ),
        };
        cols.push(col);
    }
    let mut df = DataFrame::new_infer_height(cols).unwrap_or_else(|e| panic!("dataframe: {e}"));
    let f = std::fs::File::create(path).unwrap_or_else(|e| panic!("create: {e}"));
    ParquetWriter::new(f)
        .finish(&mut df)
        .unwrap_or_else(|e| panic!("parquet: {e}"));
}

fn inspect(path: &Path, m: &Model, opts: &IngestOptions) -> (Option<Survey>, ValidationReport) {
    inspect_survey(path, m, opts).unwrap_or_else(|e| panic!("inspect {}: {e}", path.display()))
}

fn json_without_file(r: &ValidationReport) -> serde_json::Value {
    let mut v = csi::report::validate::validation_json(r);
    if let Some(o) = v.as_object_mut() {
        o.remove("file");
    }
    v
}

fn same_matrix(a: &Survey, b: &Survey) -> bool {
    a.x.shape() == b.x.shape()
        && a.x
            .iter()
            .zip(b.x.iter())
            .all(|(x, y)| (x.is_nan() && y.is_nan()) || (x - y).abs() < 1e-12)
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

fn errors(r: &ValidationReport) -> Vec<String> {
    r.problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| format!("{}: {}", p.context(), p.message))
        .collect()
}

// ---------------------------------------------------------------------------------
// The same data in every format

#[test]
fn every_format_gives_the_same_survey_and_report() {
    let dir = tmp();
    let t = table();
    let m = model();
    let opts = IngestOptions::default();
    let utf8 = to_text(&t, ",", "\n", false, false);
    let (gbk, _, bad) = encoding_rs::GBK.encode(&utf8);
    assert!(!bad);
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(to_text(&t, ",", "\r\n", false, false).as_bytes());
    let files = vec![
        write(dir.path(), "utf8.csv", &utf8),
        write(dir.path(), "gbk.csv", &gbk[..]),
        write(
            dir.path(),
            "euro.csv",
            to_text(&t, ";", "\r\n", true, false),
        ),
        write(
            dir.path(),
            "tabs.tsv",
            to_text(&t, "\t", "\n", false, false),
        ),
        write(
            dir.path(),
            "tabs.txt",
            to_text(&t, "\t", "\n", false, false),
        ),
        write(
            dir.path(),
            "pipes.csv",
            to_text(&t, "|", "\n", false, false),
        ),
        write(dir.path(), "bom.csv", &bom),
        write(dir.path(), "cr.csv", to_text(&t, ",", "\r", false, false)),
        write(dir.path(), "utf16.csv", {
            let mut b = vec![0xFF, 0xFE];
            b.extend(utf8.encode_utf16().flat_map(|u| u.to_le_bytes()));
            b
        }),
        write(
            dir.path(),
            "quoted.csv",
            to_text(&t, ",", "\r\n", false, true),
        ),
        write(dir.path(), "book.xlsx", xlsx(&t, "数据")),
    ];
    let pq = dir.path().join("data.parquet");
    parquet(&t, &pq);
    let mut all = files.clone();
    all.push(pq);

    let (s0, r0) = inspect(&files[0], &m, &opts);
    let s0 = s0.unwrap_or_else(|| panic!("reference not usable: {:?}", errors(&r0)));
    assert!(r0.ok);
    assert_eq!(s0.n(), 40);
    assert_eq!(s0.rows[0], 2);
    assert!(s0.x[(3, 1)].is_nan(), "「无法回答」 is missing");
    assert!(s0.x[(7, 4)].is_nan(), "empty is missing");
    assert!((s0.x[(10, 3)] - 7.5).abs() < 1e-12);
    assert_eq!(r0.items[1].missing, 1);
    assert_eq!(s0.extra["airline"][0].as_deref(), Some("南方航空"));
    assert_eq!(s0.extra["gender"][1].as_deref(), Some("男"));
    // the half point 7.5 on the integer scale 1..10 is a warning with its row
    assert!(r0.problems.iter().any(|p| p.severity == Severity::Warning
        && p.row == Some(12)
        && p.column.as_deref() == Some("s1")));
    let j0 = json_without_file(&r0);
    for f in &all[1..] {
        let (s, r) = inspect(f, &m, &opts);
        let s = s.unwrap_or_else(|| panic!("{} not usable: {:?}", f.display(), errors(&r)));
        assert!(same_matrix(&s0, &s), "{}: matrix differs", f.display());
        assert_eq!(s.rows, s0.rows, "{}", f.display());
        assert_eq!(s.extra, s0.extra, "{}: extra columns differ", f.display());
        assert_eq!(json_without_file(&r), j0, "{}: report differs", f.display());
    }
}

#[test]
fn gbk_can_be_forced_and_utf8_forcing_fails_with_row() {
    let dir = tmp();
    let t = table();
    let utf8 = to_text(&t, ",", "\n", false, false);
    let (gbk, _, _) = encoding_rs::GBK.encode(&utf8);
    let p = write(dir.path(), "gbk.csv", &gbk[..]);
    let opts = IngestOptions {
        encoding: Some("gbk".into()),
        ..Default::default()
    };
    let (s, _) = inspect(&p, &model(), &opts);
    assert_eq!(s.map(|s| s.n()), Some(40));
    let opts = IngestOptions {
        encoding: Some("utf-8".into()),
        ..Default::default()
    };
    let e = inspect_survey(&p, &model(), &opts)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("gbk.csv: row 2") && e.contains("utf-8"), "{e}");
}

// ---------------------------------------------------------------------------------
// Cells and rules

fn csv(dir: &Path, body: &str) -> PathBuf {
    write(dir, "d.csv", body)
}

/// 12 varied respondents, with `edit(row_index, cells)` applied.
fn small(edit: impl Fn(usize, &mut Vec<String>)) -> String {
    let mut s = String::from("q1,q2,q3,s1,s2,age\n");
    for i in 0..12usize {
        let mut cells: Vec<String> = [
            (i % 10) + 1,
            (i * 3) % 10 + 1,
            (i * 7) % 10 + 1,
            (i * 5 + 2) % 10 + 1,
            (i + 4) % 10 + 1,
            20 + i,
        ]
        .iter()
        .map(|v| v.to_string())
        .collect();
        edit(i, &mut cells);
        s.push_str(&cells.join(","));
        s.push('\n');
    }
    s
}

#[test]
fn cell_errors_name_row_column_and_value() {
    let dir = tmp();
    for (bad, msg) in [
        ("7分", "not a number"),
        ("NA", "not a number"),
        ("NaN", "not a number"),
        ("inf", "not a number"),
        ("11", "outside the scale 1..10"),
        ("0", "outside the scale"),
    ] {
        let p = csv(
            dir.path(),
            &small(|i, c| {
                if i == 2 {
                    c[1] = bad.into()
                }
            }),
        );
        let e = read_survey(&p, &model(), &IngestOptions::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("d.csv: row 4, column 'q2'"), "{bad}: {e}");
        assert!(
            e.contains(&format!("value '{bad}'")) && e.contains(msg),
            "{bad}: {e}"
        );
    }
}

#[test]
fn all_problems_are_collected_and_counted() {
    let dir = tmp();
    let p = csv(
        dir.path(),
        &small(|i, c| {
            if i == 1 {
                c[0] = "NA".into();
            }
            if i == 5 {
                c[4] = "12".into();
                c[2] = "x".into();
            }
        }),
    );
    let (s, r) = inspect(&p, &model(), &IngestOptions::default());
    assert!(s.is_none());
    assert!(!r.ok);
    assert_eq!(r.n_errors, 3, "{:?}", errors(&r));
    let e = errors(&r);
    assert!(e[0].starts_with("row 3, column 'q1'"), "{e:?}");
    assert!(e[1].starts_with("row 7, column 'q3'"), "{e:?}");
    assert!(e[2].starts_with("row 7, column 's2'"), "{e:?}");
    assert_eq!(r.items[4].out_of_range, 1);
    let err = read_survey(&p, &model(), &IngestOptions::default())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("row 3, column 'q1'") && err.contains("2 more problems"),
        "{err}"
    );
}

#[test]
fn out_of_range_can_be_read_as_missing() {
    let dir = tmp();
    let p = csv(
        dir.path(),
        &small(|i, c| {
            if i == 2 {
                c[1] = "11".into()
            }
        }),
    );
    let opts = IngestOptions {
        out_of_range_missing: true,
        ..Default::default()
    };
    let (s, r) = read_survey(&p, &model(), &opts).unwrap_or_else(|e| panic!("{e}"));
    assert!(s.x[(2, 1)].is_nan());
    assert_eq!(r.items[1].out_of_range, 1);
    assert_eq!(r.items[1].missing, 1);
    assert!(r
        .problems
        .iter()
        .any(|p| p.severity == Severity::Warning && p.column.as_deref() == Some("q2")));
}

#[test]
fn missing_codes_text_and_numeric() {
    let dir = tmp();
    let p = csv(
        dir.path(),
        &small(|i, c| {
            if i == 0 {
                c[0] = " 无法回答 ".into();
            }
            if i == 1 {
                c[0] = "99".into();
            }
            if i == 2 {
                c[0] = "N/A".into();
            }
        }),
    );
    let opts = IngestOptions {
        missing_codes: vec!["99".into(), "N/A".into()],
        ..Default::default()
    };
    let (s, r) = read_survey(&p, &model(), &opts).unwrap_or_else(|e| panic!("{e}"));
    assert!(s.x[(0, 0)].is_nan() && s.x[(1, 0)].is_nan() && s.x[(2, 0)].is_nan());
    assert_eq!(r.items[0].missing, 3);
    // numeric code in a workbook
    let mut t = vec![vec!["q1", "q2", "q3", "s1", "s2"]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()];
    for i in 0..12usize {
        t.push(
            (0..5)
                .map(|j| ((i * (j + 2)) % 10 + 1).to_string())
                .collect(),
        );
    }
    t[3][2] = "99".into();
    let x = write(dir.path(), "b.xlsx", xlsx(&t, "Sheet1"));
    let (s, _) = read_survey(&x, &model(), &opts).unwrap_or_else(|e| panic!("{e}"));
    assert!(s.x[(2, 2)].is_nan());
}

#[test]
fn reverse_coding_flips_after_checks() {
    let dir = tmp();
    let mut m = model();
    if let Some(it) = m.items.iter_mut().find(|i| i.name == "q3") {
        it.reverse = true;
    }
    let p = csv(dir.path(), &small(|_, _| {}));
    let (s, r) = read_survey(&p, &m, &IngestOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let raw: Vec<f64> = (0..12).map(|i| ((i * 7) % 10 + 1) as f64).collect();
    for (i, v) in raw.iter().enumerate() {
        assert!((s.x[(i, 2)] - (11.0 - v)).abs() < 1e-12);
    }
    let mean = raw.iter().map(|v| 11.0 - v).sum::<f64>() / 12.0;
    assert!((r.items[2].mean.unwrap_or(f64::NAN) - mean).abs() < 1e-12);
    // 11 is refused before flipping (it would become 0)
    let p = csv(
        dir.path(),
        &small(|i, c| {
            if i == 0 {
                c[2] = "11".into()
            }
        }),
    );
    assert!(read_survey(&p, &m, &IngestOptions::default()).is_err());
}

#[test]
fn stats_use_n_minus_one() {
    let dir = tmp();
    let p = csv(dir.path(), &small(|_, _| {}));
    let (_, r) =
        read_survey(&p, &model(), &IngestOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let v: Vec<f64> = (0..12).map(|i| ((i % 10) + 1) as f64).collect();
    let mean = v.iter().sum::<f64>() / 12.0;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 11.0).sqrt();
    assert!((r.items[0].mean.unwrap_or(0.0) - mean).abs() < 1e-12);
    assert!((r.items[0].sd.unwrap_or(0.0) - sd).abs() < 1e-12);
    assert_eq!(r.items[0].n, 12);
}

#[test]
fn structural_problems() {
    let dir = tmp();
    let m = model();
    let o = IngestOptions {
        model_file: Some("models/t.toml".into()),
        ..Default::default()
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "absent",
            small(|_, _| {}).replace("s2", "s9"),
            "column 's2'",
        ),
        (
            "duplicate",
            small(|_, _| {}).replace("age", "q1"),
            "column 'q1'",
        ),
        ("empty", String::new(), "empty"),
        ("blank", " \n\r\n ".into(), "empty"),
        ("header only", "q1,q2,q3,s1,s2\n".into(), "row 1"),
        (
            "ragged",
            small(|i, c| {
                if i == 4 {
                    c.push("x".into())
                }
            }),
            "row 6",
        ),
        (
            "short",
            small(|i, c| {
                if i == 9 {
                    c.pop();
                }
            }),
            "row 11",
        ),
        (
            "unclosed quote",
            small(|i, c| {
                if i == 3 {
                    c[5] = "\"20".into()
                }
            }),
            "row 5",
        ),
        ("constant", small(|_, c| c[2] = "5".into()), "column 'q3'"),
        (
            "all missing",
            small(|_, c| c[3] = "无法回答".into()),
            "column 's1'",
        ),
        (
            "too few",
            "q1,q2,q3,s1,s2\n1,2,3,4,5\n2,3,4,5,6\n3,3,3,3,1\n".into(),
            "usable respondents",
        ),
    ];
    for (what, body, needle) in cases {
        let p = csv(dir.path(), &body);
        let e = read_survey(&p, &m, &o)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.starts_with(&format!("{}", p.display())), "{what}: {e}");
        assert!(e.contains(needle), "{what}: {e}");
        if what == "absent" {
            assert!(e.contains("models/t.toml"), "{e}");
        }
    }
}

#[test]
fn absent_column_does_not_hide_cell_errors() {
    let dir = tmp();
    let body = small(|i, c| {
        if i == 6 {
            c[0] = "7分".into();
        }
    })
    .replacen("s2", "sat2", 1);
    let p = csv(dir.path(), &body);
    let (s, r) = inspect(&p, &model(), &IngestOptions::default());
    assert!(s.is_none());
    let e = errors(&r);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e[0].contains("column 's2'") && e[0].contains("absent"),
        "{e:?}"
    );
    assert!(e[1].starts_with("row 8, column 'q1', value '7分'"), "{e:?}");
}

/// Files larger than one reading chunk: the numeric fast path, the text fallback and
/// the row numbers agree across chunks.
#[test]
fn large_files_keep_rows_across_chunks() {
    let dir = tmp();
    let n = 150_000usize;
    let build = |with_errors: bool| {
        let mut s = String::with_capacity(n * 16);
        s.push_str("q1,q2,q3,s1,s2\n");
        for i in 0..n {
            let mut c: Vec<String> = (1..=5)
                .map(|k| ((i * k + i / 7) % 10 + 1).to_string())
                .collect();
            match i {
                1_000 => c[1] = "无法回答".into(),
                100_000 => c[4] = " 8 ".into(),
                120_000 => c[0] = "99".into(),
                70_000 if with_errors => c[2] = "NaN".into(),
                140_000 if with_errors => c[3] = "7分".into(),
                _ => {}
            }
            s.push_str(&c.join(","));
            s.push('\n');
        }
        s
    };
    let o = IngestOptions {
        missing_codes: vec!["99".into()],
        ..Default::default()
    };
    let p = csv(dir.path(), &build(true));
    let (sv, r) = inspect(&p, &model(), &o);
    assert!(sv.is_none());
    assert_eq!(errors(&r), vec![
        "row 70002, column 'q3', value 'NaN': not a number; if it means 'no answer', declare it in the model's missing list or with --missing-code".to_string(),
        "row 140002, column 's1', value '7分': not a number; if it means 'no answer', declare it in the model's missing list or with --missing-code".to_string(),
    ]);
    let p = csv(dir.path(), &build(false));
    let (sv, r) = read_survey(&p, &model(), &o).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sv.n(), n);
    assert_eq!(sv.rows[n - 1], n + 1);
    assert!(sv.x[(1_000, 1)].is_nan());
    assert!(sv.x[(120_000, 0)].is_nan());
    assert!((sv.x[(100_000, 4)] - 8.0).abs() < 1e-12);
    let i = 123_456usize;
    assert!((sv.x[(i, 2)] - ((i * 3 + i / 7) % 10 + 1) as f64).abs() < 1e-12);
    assert_eq!(r.items[1].missing, 1);
    assert_eq!(r.items[0].missing, 1);
}

#[test]
fn weights() {
    let dir = tmp();
    let with_w =
        |w: &dyn Fn(usize) -> String| small(|i, c| c.push(w(i))).replacen("age\n", "age,w\n", 1);
    let o = IngestOptions {
        weight: Some("w".into()),
        ..Default::default()
    };
    let p = csv(
        dir.path(),
        &with_w(&|i| format!("{}", 1.0 + i as f64 / 10.0)),
    );
    let (s, _) = read_survey(&p, &model(), &o).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.weights.as_ref().map(|w| w.len()), Some(12));
    assert!(!s.extra.contains_key("w"));
    for (bad, needle) in [
        ("-1", "value '-1'"),
        ("abc", "value 'abc'"),
        ("", "missing"),
        ("inf", "value 'inf'"),
    ] {
        let p = csv(
            dir.path(),
            &with_w(&|i| if i == 6 { bad.to_string() } else { "1".into() }),
        );
        let e = read_survey(&p, &model(), &o)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("row 8, column 'w'") && e.contains(needle),
            "{bad}: {e}"
        );
    }
    let p = csv(dir.path(), &small(|_, _| {}));
    let e = read_survey(&p, &model(), &o)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        e.contains("column 'w'") && e.contains("not in the data"),
        "{e}"
    );
}

#[test]
fn warnings_do_not_refuse() {
    let dir = tmp();
    let p = csv(
        dir.path(),
        &small(|i, c| {
            if i == 3 {
                for v in c.iter_mut().take(5) {
                    *v = "6".into();
                }
            }
            if i < 2 {
                c[4] = String::new();
            }
        }),
    );
    let (s, r) =
        read_survey(&p, &model(), &IngestOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.n(), 12);
    assert_eq!(r.straight_liners, 1);
    assert!(
        r.problems
            .iter()
            .any(|p| p.row == Some(5) && p.message.contains("straight-lining")),
        "{:?}",
        r.problems
    );
    assert!(r
        .problems
        .iter()
        .any(|p| p.column.as_deref() == Some("s2") && p.message.contains("missing")));
    assert!(r.problems.iter().all(|p| p.severity == Severity::Warning));
    let j = csi::report::validate::validation_json(&r);
    assert_eq!(j["schema"], "csi-validate/v1");
    assert_eq!(j["ok"], true);
    assert_eq!(j["n_rows"], 12);
    assert!(j["items"][0]["sd"].is_number());
    assert!(j["problems"][0]["severity"] == "warning");
}

#[test]
fn blank_lines_keep_spreadsheet_rows_and_quotes_hold_delimiters() {
    let dir = tmp();
    let mut body = small(|i, c| {
        if i == 0 {
            c[5] = "\"a, \"\"b\"\"\nc\"".into()
        }
    });
    body = body.replacen('\n', "\n\n", 1); // a blank row 2
    let p = csv(dir.path(), &body);
    let (s, _) =
        read_survey(&p, &model(), &IngestOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.n(), 12);
    assert_eq!(s.rows[0], 3);
    assert_eq!(s.rows[1], 4);
    assert_eq!(s.extra["age"][0].as_deref(), Some("a, \"b\"\nc"));
    let p = csv(dir.path(), &body.replacen("21", "7分", 1));
    let e = read_survey(&p, &model(), &IngestOptions::default())
        .err()
        .map(|e| e.to_string());
    // 21 is in the age column: not an item, so no error
    assert!(e.is_none(), "{e:?}");
}

#[test]
fn unsupported_and_unreadable_files_are_clean_errors() {
    let dir = tmp();
    let m = model();
    let o = IngestOptions::default();
    let sav = write(dir.path(), "d.sav", b"$FL2@(#) SPSS DATA FILE");
    let e = inspect_survey(&sav, &m, &o)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    // issue 17: with the `sav` feature the file is read, and this one is truncated
    let want = if cfg!(feature = "sav") {
        "truncated"
    } else {
        "SPSS .sav is not supported in this build"
    };
    assert!(e.contains("d.sav") && e.contains(want), "{e}");
    let bad = write(dir.path(), "d.xlsx", b"not a zip");
    let e = inspect_survey(&bad, &m, &o)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("d.xlsx"), "{e}");
    let bad = write(dir.path(), "d.parquet", b"PAR1 nope");
    let e = inspect_survey(&bad, &m, &o)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("d.parquet"), "{e}");
    let e = inspect_survey(&dir.path().join("none.csv"), &m, &o)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("none.csv"), "{e}");
    let x = write(dir.path(), "b.xlsx", xlsx(&table(), "数据"));
    let o2 = IngestOptions {
        sheet: Some("Sheet9".into()),
        ..Default::default()
    };
    let e = inspect_survey(&x, &m, &o2)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("Sheet9") && e.contains("数据"), "{e}");
    let o3 = IngestOptions {
        sheet: Some("1".into()),
        ..Default::default()
    };
    assert!(read_survey(&x, &m, &o3).is_ok());
}

#[test]
fn workbook_and_parquet_cells_are_located() {
    let dir = tmp();
    let mut t = table();
    t[6][4] = "很好".into(); // row 7, q3 (column E)
    let x = write(dir.path(), "b.xlsx", xlsx(&t, "Sheet1"));
    let e = read_survey(&x, &model(), &IngestOptions::default())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        e.contains("b.xlsx: row 7, column 'q3', value '很好'"),
        "{e}"
    );
    let mut t = table();
    t[9][3] = "NA".into(); // row 10, q2 (a text column in the parquet file)
    let pq = dir.path().join("d.parquet");
    parquet(&t, &pq);
    let e = read_survey(&pq, &model(), &IngestOptions::default())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        e.contains("d.parquet: row 10, column 'q2', value 'NA'"),
        "{e}"
    );
}

#[test]
fn required_respondents_follows_the_model() {
    let m = Model::from_parts(
        "b",
        vec![
            ConstructSpec::new(
                "A",
                &[
                    "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10", "a11", "a12",
                ],
            )
            .mode(Mode::B),
            ConstructSpec::new("B", &["b1"]),
        ],
        &[("A", "B")],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(csi::data::required_respondents(&m), 13);
    assert_eq!(csi::data::required_respondents(&model()), 10);
}

#[test]
fn report_display_lists_items_and_problems() {
    let dir = tmp();
    let p = csv(
        dir.path(),
        &small(|i, c| {
            if i == 2 {
                c[1] = "7分".into()
            }
        }),
    );
    let (_, r) = inspect(&p, &model(), &IngestOptions::default());
    let text = r.to_string();
    assert!(
        text.contains("q1") && text.contains("out of range") && text.contains("straight-liners"),
        "{text}"
    );
    assert!(text.contains("row 4, column 'q2', value '7分'"), "{text}");
    assert!(text.contains("not usable"), "{text}");
}

// ---------------------------------------------------------------------------------
// Never a panic

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let dir = tmp();
        let p = write(dir.path(), "x.csv", &bytes);
        let _ = inspect_survey(&p, &model(), &IngestOptions::default());
        let _ = read_survey(&p, &model(), &IngestOptions::default());
    }

    #[test]
    fn csv_like_text_never_panics(
        body in proptest::collection::vec(
            proptest::sample::select(vec!["1", "5", "10", "11", ",", ";", "\t", "\n", "\r\n", "\"", " ", "无法回答", "NA", "7,5", "x", ""]),
            0..300,
        ),
        header in proptest::sample::select(vec!["q1,q2,q3,s1,s2\n", "q1;q2;q3;s1;s2\n", "q1\tq2\tq3\ts1\ts2\tw\n", "\"q1\",q2,q3,s1,s2,q1\n", ""]),
    ) {
        let dir = tmp();
        let text = format!("{header}{}", body.concat());
        let p = write(dir.path(), "x.csv", text.as_bytes());
        let _ = inspect_survey(&p, &model(), &IngestOptions::default());
        let o = IngestOptions { weight: Some("w".into()), out_of_range_missing: true, ..Default::default() };
        let _ = read_survey(&p, &model(), &o);
    }
}

// ---------------------------------------------------------------------------------
// Speed (run with `cargo test --release -- --ignored read_speed --nocapture`)

#[test]
#[ignore]
fn read_speed_one_million_rows() {
    let items: Vec<String> = (1..=27).map(|k| format!("x{k}")).collect();
    let cons: Vec<ConstructSpec> = (0..9)
        .map(|c| {
            let its: Vec<&str> = items[c * 3..c * 3 + 3].iter().map(String::as_str).collect();
            ConstructSpec::new(&format!("C{c}"), &its)
        })
        .collect();
    let paths: Vec<(String, String)> = (0..8)
        .map(|c| (format!("C{c}"), "C8".to_string()))
        .collect();
    let pr: Vec<(&str, &str)> = paths
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let mut m = Model::from_parts("big", cons, &pr)
        .and_then(|m| {
            m.with_scale(Scale {
                min: 1.0,
                max: 10.0,
            })
        })
        .unwrap_or_else(|e| panic!("{e}"));
    m.missing_codes = vec!["无法回答".into()];
    let dir = tmp();
    let p = dir.path().join("big.csv");
    let n = 1_000_000usize;
    // CSI_SPEED_EXTRA=1 adds three text columns (id, airline, gender) kept in `extra`.
    let extra = std::env::var("CSI_SPEED_EXTRA").is_ok();
    let mut s = String::with_capacity(n * 80);
    if extra {
        s.push_str("id,airline,gender,");
    }
    s.push_str(&items.join(","));
    s.push('\n');
    let mut state = 12345u64;
    for i in 0..n {
        if extra {
            s.push_str(&format!(
                "{i},{},{},",
                ["南方航空", "东方航空", "国航"][i % 3],
                ["男", "女"][i % 2]
            ));
        }
        for k in 0..27 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let v = (state >> 33) % 10 + 1;
            if k > 0 {
                s.push(',');
            }
            s.push_str(&v.to_string());
        }
        s.push('\n');
    }
    std::fs::write(&p, &s).unwrap_or_else(|e| panic!("{e}"));
    drop(s);
    // CPU seconds of this process (user + system), Linux only; the machine may be busy.
    let cpu = || -> f64 {
        std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| {
                let rest = s.rsplit_once(')')?.1.split_whitespace().collect::<Vec<_>>();
                let u: f64 = rest.get(11)?.parse().ok()?;
                let k: f64 = rest.get(12)?.parse().ok()?;
                Some((u + k) / 100.0)
            })
            .unwrap_or(f64::NAN)
    };
    let c0 = cpu();
    let t = std::time::Instant::now();
    let (survey, _) =
        read_survey(&p, &m, &IngestOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let el = t.elapsed();
    eprintln!(
        "read {} x {} in {:.3} s wall, {:.2} s cpu",
        survey.n(),
        survey.x.ncols(),
        el.as_secs_f64(),
        cpu() - c0
    );
    assert_eq!(survey.n(), n);
}
