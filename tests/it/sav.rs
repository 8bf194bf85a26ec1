//! SPSS input (issue 17): `.sav`/`.zsav` give the same `validate` figures as the CSV of
//! the same data (n, missing per item, means and sds to 1e-12), user-missing values
//! are missing, variable labels reach the model and the report; malformed files exit 2
//! naming the file (and the case or variable); no input makes the reader panic.
//!
//! Expected figures come from the CSV of the same data read by the CSV reader (the
//! same numbers written both ways), and from the sample's population file
//! (`cannot_answer_cells`, the count of 「无法回答」 cells the simulator wrote).
#![cfg(feature = "sav")]

use crate::common::skip;
use csi::data::sav::{
    read_sav, read_sav_bytes, write_sav, SavData, SavValues, SavVariable, UserMissing,
};
use csi::data::{inspect_survey, IngestOptions, ValidationReport};
use csi::spec::read_model;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

pub fn csi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_csi"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run csi: {e}"))
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Same respondents, same missing cells per item, means and sds equal to 1e-12.
#[track_caller]
fn same_figures(what: &str, a: &ValidationReport, b: &ValidationReport) {
    assert!(a.ok, "{what}: first report has errors: {a}");
    assert!(b.ok, "{what}: second report has errors: {b}");
    assert_eq!(a.n_rows, b.n_rows, "{what}: n");
    assert_eq!(a.n_usable, b.n_usable, "{what}: usable");
    assert_eq!(a.items.len(), b.items.len());
    for (x, y) in a.items.iter().zip(&b.items) {
        assert_eq!(x.name, y.name);
        assert_eq!(x.n, y.n, "{what}: n of {}", x.name);
        assert_eq!(x.missing, y.missing, "{what}: missing of {}", x.name);
        assert_eq!(x.out_of_range, y.out_of_range, "{what}: {}", x.name);
        let (m1, m2) = (x.mean.unwrap_or(f64::NAN), y.mean.unwrap_or(f64::NAN));
        assert!(
            (m1 - m2).abs() <= 1e-12,
            "{what}: mean of {}: {m1} vs {m2}",
            x.name
        );
        let (s1, s2) = (x.sd.unwrap_or(f64::NAN), y.sd.unwrap_or(f64::NAN));
        assert!(
            (s1 - s2).abs() <= 1e-12,
            "{what}: sd of {}: {s1} vs {s2}",
            x.name
        );
    }
}

fn population_missing_cells() -> usize {
    let t = std::fs::read_to_string(repo("data/airline_sample.population.toml"))
        .expect("population file");
    let v: toml::Value = toml::from_str(&t).expect("population toml");
    v["cannot_answer_cells"]
        .as_integer()
        .expect("cannot_answer_cells") as usize
}

#[test]
fn bundled_sav_gives_the_csv_figures() {
    let model = read_model(&repo("models/airline.toml")).expect("model");
    let o = IngestOptions::default();
    let (_, csv) = inspect_survey(&repo("data/airline_sample.csv"), &model, &o).expect("csv");
    // No declared missing code: the .sav's 99s are missing only because SPSS says so.
    let mut bare = model.clone();
    bare.missing_codes.clear();
    let (_, sav) = inspect_survey(&repo("data/airline_sample.sav"), &bare, &o).expect("sav");
    same_figures("airline csv vs sav", &csv, &sav);
    let missing: usize = sav.items.iter().map(|i| i.missing).sum();
    assert_eq!(missing, population_missing_cells(), "user-missing 99 cells");
    assert_eq!(sav.n_rows, 600);
    // the other columns come through as text, rows numbered from 2
    let (survey, _) =
        csi::data::read_survey(&repo("data/airline_sample.sav"), &bare, &o).expect("read");
    assert_eq!(survey.rows[0], 2);
    assert_eq!(survey.extra["airline"][0].as_deref(), Some("青云航空"));
    assert_eq!(survey.extra["id"][599].as_deref(), Some("600"));
}

#[test]
fn bundled_sav_dictionary_has_labels_and_user_missing() {
    let d = read_sav(&repo("data/airline_sample.sav")).expect("read");
    assert_eq!(d.n_cases, 600);
    assert_eq!(
        d.dictionary.encoding.to_ascii_uppercase().replace('-', ""),
        "UTF8"
    );
    let v = d.dictionary.variable("image1").expect("image1");
    // the question wording of models/airline.toml
    assert_eq!(v.label.as_deref(), Some("知名度 (Awareness / renown)"));
    assert_eq!(v.missing, vec![UserMissing::Value(99.0)]);
    assert_eq!(v.value_label(99.0), Some("无法回答 (cannot answer)"));
    let g = d.dictionary.variable("gender").expect("gender");
    assert_eq!(g.kind, csi::data::sav::SavKind::Text);
}

/// A model without item labels: the items take the SPSS variable labels.
const CREW_MODEL: &str = r#"name = "crew"
[scale]
min = 1
max = 10
[[construct]]
name = "CREW"
items = ["crew1", "crew2", "crew3", "crew4"]
[[construct]]
name = "SAT"
items = ["sat1", "sat2", "sat3"]
[item.sat1]
label = "the model's own label wins"
[[path]]
from = "CREW"
to = "SAT"
"#;

#[test]
fn cli_validate_and_fit_read_the_sav_and_show_its_labels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = dir.path().join("crew.toml");
    std::fs::write(&model, CREW_MODEL).expect("model");
    let o = csi(&[
        "validate",
        "--model",
        s(&model),
        "--data",
        s(&repo("data/airline_sample.sav")),
        "--json",
        "-",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let j: serde_json::Value = serde_json::from_str(&out(&o)).expect("json");
    assert_eq!(j["n_rows"], 600);
    assert_eq!(j["items"][1]["name"], "crew2");
    assert_eq!(
        j["items"][1]["label"],
        "精神面貌 (Crew appearance and morale)"
    );
    assert_eq!(j["items"][4]["label"], "the model's own label wins");
    let o = csi(&[
        "validate",
        "--model",
        s(&model),
        "--data",
        s(&repo("data/airline_sample.sav")),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        out(&o).contains("精神面貌 (Crew appearance and morale)"),
        "{}",
        out(&o)
    );

    // fit: the same estimates from the .sav as from the .csv
    let fit = |data: &str| -> serde_json::Value {
        let o = csi(&[
            "fit",
            "--model",
            s(&repo("models/airline.toml")),
            "--data",
            s(&repo(data)),
            "--json",
            "-",
        ]);
        assert_eq!(o.status.code(), Some(0), "{data}: {}", err(&o));
        serde_json::from_str(&out(&o)).expect("json")
    };
    let a = fit("data/airline_sample.csv");
    let b = fit("data/airline_sample.sav");
    assert_eq!(a["n"], b["n"]);
    let pa = a["paths"].as_array().expect("paths");
    let pb = b["paths"].as_array().expect("paths");
    assert_eq!(pa.len(), pb.len());
    for (x, y) in pa.iter().zip(pb) {
        let (u, v) = (
            x["estimate"].as_f64().unwrap_or(f64::NAN),
            y["estimate"].as_f64().unwrap_or(f64::NAN),
        );
        assert!((u - v).abs() <= 1e-12, "path {}: {u} vs {v}", x["to"]);
    }
}

/// The test survey: id, a Chinese text column, five items with 99 (and one 98) codes
/// and empty cells; returned as CSV text.
fn survey_csv() -> String {
    let mut t = String::from("id,city,q1,q2,q3,s1,s2\n");
    for i in 0..40usize {
        let city = ["上海", "北京", "广州"][i % 3];
        let mut row = vec![format!("{}", i + 1), city.to_string()];
        for k in 0..5usize {
            let v = (i * 7 + k * 3 + i / 5) % 10 + 1;
            let cell = if (i + k) % 13 == 0 {
                "99".to_string()
            } else if (i * 3 + k) % 17 == 0 {
                String::new()
            } else if k == 4 && i == 7 {
                "98".to_string()
            } else {
                v.to_string()
            };
            row.push(cell);
        }
        t.push_str(&row.join(","));
        t.push('\n');
    }
    t
}

const SURVEY_MODEL: &str = r#"name = "t"
[scale]
min = 1
max = 10
missing = MISSING
[[construct]]
name = "Q"
items = ["q1", "q2", "q3"]
[[construct]]
name = "S"
items = ["s1", "s2"]
[[path]]
from = "Q"
to = "S"
"#;

const PYREADSTAT_SCRIPT: &str = r#"
import sys
import pandas as pd
import pyreadstat
src, out_sav, out_zsav = sys.argv[1:4]
df = pd.read_csv(src)
items = ["q1", "q2", "q3", "s1", "s2"]
labels = ["编号", "城市", "服务态度 (staff attitude)", "等候时间 (waiting time)",
          "环境 (environment)", "总体满意度 (overall satisfaction)", "推荐意愿 (recommend)"]
vl = {c: {1.0: "非常不满意", 10.0: "非常满意", 98.0: "拒绝回答", 99.0: "无法回答"} for c in items}
miss = {c: [99.0] for c in items[:-1]}
miss["s2"] = [{"lo": 98.0, "hi": 99.0}]
kw = dict(column_labels=labels, variable_value_labels=vl, missing_ranges=miss)
pyreadstat.write_sav(df, out_sav, row_compress=True, **kw)
pyreadstat.write_sav(df, out_zsav, compress=True, **kw)
"#;

#[test]
fn sav_written_by_pyreadstat_gives_the_csv_figures() {
    let test = "sav::sav_written_by_pyreadstat_gives_the_csv_figures";
    let probe = Command::new("python3")
        .args(["-c", "import pyreadstat, pandas"])
        .output();
    if !probe.map(|o| o.status.success()).unwrap_or(false) {
        skip(
            test,
            "python3 with pyreadstat and pandas is not installed (pip install pyreadstat pandas)",
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("survey.csv");
    std::fs::write(&csv, survey_csv()).expect("write csv");
    let script = dir.path().join("w.py");
    std::fs::write(&script, PYREADSTAT_SCRIPT).expect("script");
    let sav = dir.path().join("survey.sav");
    let zsav = dir.path().join("survey.zsav");
    let o = Command::new("python3")
        .args([s(&script), s(&csv), s(&sav), s(&zsav)])
        .output()
        .expect("python3");
    assert!(o.status.success(), "pyreadstat failed: {}", err(&o));

    let model_csv = dir.path().join("csv.toml");
    std::fs::write(
        &model_csv,
        SURVEY_MODEL.replace("MISSING", r#"["98", "99"]"#),
    )
    .expect("m");
    let model_sav = dir.path().join("sav.toml");
    // 98 is user-missing only in s2 (a range); in the CSV model it is a code of every
    // item, which is the same here because 98 occurs only in s2.
    std::fs::write(&model_sav, SURVEY_MODEL.replace("MISSING", "[]")).expect("m");
    let mc = read_model(&model_csv).expect("model");
    let ms = read_model(&model_sav).expect("model");
    let o = IngestOptions::default();
    let (_, rc) = inspect_survey(&csv, &mc, &o).expect("csv");
    for f in [&sav, &zsav] {
        let (_, rs) = inspect_survey(f, &ms, &o).unwrap_or_else(|e| panic!("{e}"));
        same_figures(s(f), &rc, &rs);
        assert_eq!(rs.n_rows, 40);
        assert!(rs.items.iter().map(|i| i.missing).sum::<usize>() > 5);
        let d = read_sav(f).expect("read");
        assert_eq!(
            d.dictionary
                .variable("q1")
                .and_then(|v| v.label.clone())
                .as_deref(),
            Some("服务态度 (staff attitude)")
        );
        assert_eq!(
            d.dictionary.variable("s2").map(|v| v.missing.clone()),
            Some(vec![UserMissing::Range {
                low: 98.0,
                high: 99.0
            }])
        );
        let (survey, _) = csi::data::read_survey(f, &ms, &o).expect("read");
        assert_eq!(survey.extra["city"][1].as_deref(), Some("北京"));
        // the CLI shows the variable labels
        let c = csi(&["validate", "--model", s(&model_sav), "--data", s(f)]);
        assert_eq!(c.status.code(), Some(0), "{}", err(&c));
        assert!(out(&c).contains("等候时间 (waiting time)"), "{}", out(&c));
    }
}

/// A .sav of `n` cases written by our own writer: `q1` can be made a string variable.
fn small_sav(dir: &Path, name: &str, n: usize, q1_text: bool) -> PathBuf {
    let mut vars = Vec::new();
    let mut cols = Vec::new();
    for (k, item) in ["q1", "q2", "q3", "s1", "s2"].iter().enumerate() {
        let vals: Vec<Option<f64>> = (0..n)
            .map(|i| Some(((i * 7 + k * 3 + i * i / 7) % 10 + 1) as f64))
            .collect();
        if k == 0 && q1_text {
            vars.push(SavVariable::text(item));
            cols.push(SavValues::Text(
                vals.iter().map(|v| v.map(|x| format!("{x}"))).collect(),
            ));
        } else {
            let mut v = SavVariable::numeric(item);
            v.missing = vec![UserMissing::Value(99.0)];
            vars.push(v);
            cols.push(SavValues::Numeric(vals));
        }
    }
    let data = SavData::new(vars, cols).expect("data");
    let p = dir.join(name);
    write_sav(&p, &data).expect("write");
    p
}

#[test]
fn malformed_sav_files_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let model = d.join("m.toml");
    std::fs::write(&model, SURVEY_MODEL.replace("MISSING", "[]")).expect("m");
    let good = std::fs::read(repo("data/airline_sample.sav")).expect("bundled sav");
    let airline = s(&repo("models/airline.toml")).to_string();

    let mut magic = good.clone();
    magic[..4].copy_from_slice(b"XXXX");
    let header_cut = good[..300].to_vec();
    let data_cut = good[..good.len() * 3 / 4].to_vec();
    let zsav = std::fs::read(small_sav(d, "z.zsav", 5000, false)).expect("zsav");
    let mut zbad = zsav.clone();
    // the zlib header record follows the dictionary: its first field is its own offset,
    // and the first compressed block starts right after its 24 bytes
    let zheader = (176..zsav.len() - 8)
        .find(|&p| zsav[p..p + 8] == (p as i64).to_le_bytes())
        .expect("zlib header record");
    let start = zheader + 24 + 8;
    for b in &mut zbad[start..start + 16] {
        *b ^= 0x5a;
    }
    let cases: Vec<(&str, Vec<u8>, &str, Vec<&str>)> = vec![
        (
            "magic.sav",
            magic,
            &airline,
            vec!["magic.sav", "not an SPSS data file"],
        ),
        (
            "header.sav",
            header_cut,
            &airline,
            vec!["header.sav", "truncated"],
        ),
        (
            "data.sav",
            data_cut,
            &airline,
            vec!["data.sav", "truncated", "case"],
        ),
        ("block.zsav", zbad, s(&model), vec!["block.zsav", "case"]),
        ("empty.sav", Vec::new(), &airline, vec!["empty.sav"]),
    ];
    for (name, bytes, m, needles) in cases {
        let p = d.join(name);
        std::fs::write(&p, bytes).expect("write");
        for cmd in ["validate", "fit"] {
            let o = csi(&[cmd, "--model", m, "--data", s(&p)]);
            let e = err(&o);
            assert_eq!(o.status.code(), Some(2), "{cmd} {name}: {e}");
            assert!(!e.contains("panicked"), "{name}: {e}");
            for n in &needles {
                assert!(e.contains(n), "{cmd} {name}: stderr lacks '{n}': {e}");
            }
        }
    }
    // a string variable named as an item
    let p = small_sav(d, "text.sav", 30, true);
    let o = csi(&["validate", "--model", s(&model), "--data", s(&p)]);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.contains("text.sav") && e.contains("column 'q1'") && e.contains("string"),
        "{e}"
    );
    // the good small file is fine
    let p = small_sav(d, "ok.sav", 30, false);
    let o = csi(&["validate", "--model", s(&model), "--data", s(&p)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

/// Truncated and mutated copies of a bytecode .sav and a .zsav: the reader returns a
/// result or an error naming the file, and never lets a panic out.
#[test]
fn truncated_and_mutated_sav_files_never_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = [
        std::fs::read(repo("data/airline_sample.sav")).expect("sav"),
        std::fs::read(small_sav(dir.path(), "f.zsav", 200, false)).expect("zsav"),
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        // xorshift64*: a fixed stream of positions and bytes
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let mut tried = 0usize;
    let mut refused = 0usize;
    let mut caught = 0usize;
    for bytes in &files {
        let n = bytes.len();
        let mut cuts: Vec<usize> = (0..400.min(n)).step_by(7).collect();
        cuts.extend((0..60).map(|k| n * k / 60));
        for cut in cuts {
            tried += 1;
            if let Err(e) = read_sav_bytes(&bytes[..cut], "fuzz.sav") {
                refused += 1;
                let m = e.to_string();
                assert!(m.contains("fuzz.sav"), "{m}");
                caught += usize::from(m.contains("reader failed"));
            }
        }
        for _ in 0..300 {
            let mut b = bytes.clone();
            let k = 1 + next() as usize % 4;
            for _ in 0..k {
                let pos = next() as usize % n;
                b[pos] = (next() & 0xff) as u8;
            }
            tried += 1;
            if let Err(e) = read_sav_bytes(&b, "fuzz.sav") {
                refused += 1;
                let m = e.to_string();
                assert!(m.contains("fuzz.sav"), "{m}");
                caught += usize::from(m.contains("reader failed"));
            }
        }
    }
    assert!(
        refused > 100,
        "only {refused} of {tried} damaged files refused"
    );
    // printed for the record: panics inside the crate that catch_unwind turned into errors
    eprintln!("sav fuzz: {tried} damaged copies, {refused} refused, {caught} crate panics caught");
}

/// A minimal uncompressed system file as an old Chinese SPSS writes it: text in the
/// GBK code page (character code 936 in the machine-integer record, no encoding
/// record), two numeric variables with labels, value labels and one user-missing value.
/// Written byte by byte here (a test fixture, after the PSPP system-file description),
/// because no writer at hand writes GBK.
fn gbk_sav(cases: &[[f64; 2]]) -> Vec<u8> {
    fn i32le(b: &mut Vec<u8>, v: i32) {
        b.extend_from_slice(&v.to_le_bytes());
    }
    fn f64le(b: &mut Vec<u8>, v: f64) {
        b.extend_from_slice(&v.to_le_bytes());
    }
    fn fixed(b: &mut Vec<u8>, s: &[u8], n: usize) {
        let mut v = s.to_vec();
        v.resize(n, b' ');
        b.extend_from_slice(&v);
    }
    let gbk = |s: &str| encoding_rs::GBK.encode(s).0.into_owned();
    let mut b = Vec::new();
    b.extend_from_slice(b"$FL2");
    fixed(&mut b, b"@(#) SPSS DATA FILE csi test fixture", 60);
    i32le(&mut b, 2); // layout code
    i32le(&mut b, 2); // slots per case
    i32le(&mut b, 0); // uncompressed
    i32le(&mut b, 0); // no weight
    i32le(&mut b, cases.len() as i32);
    f64le(&mut b, 100.0); // bias
    fixed(&mut b, b"01 Jan 26", 9);
    fixed(&mut b, b"00:00:00", 8);
    fixed(&mut b, &gbk("满意度调查"), 64);
    b.extend_from_slice(&[0, 0, 0]);
    assert_eq!(b.len(), 176);
    let format = (5 << 16) | (2 << 8); // F2.0
                                       // short names in capitals, as SPSS writes them when there is no long-name record
    for (name, label, miss) in [("Q1", "服务态度", Some(99.0)), ("S1", "总体满意度", None)]
    {
        i32le(&mut b, 2);
        i32le(&mut b, 0); // numeric
        i32le(&mut b, 1); // has a label
        i32le(&mut b, i32::from(miss.is_some()));
        i32le(&mut b, format);
        i32le(&mut b, format);
        fixed(&mut b, name.as_bytes(), 8);
        let l = gbk(label);
        i32le(&mut b, l.len() as i32);
        let mut padded = l.clone();
        padded.resize(l.len().div_ceil(4) * 4, b' ');
        b.extend_from_slice(&padded);
        if let Some(m) = miss {
            f64le(&mut b, m);
        }
    }
    // value labels of both variables
    let vl = [(1.0, "非常不满意"), (10.0, "非常满意"), (99.0, "无法回答")];
    i32le(&mut b, 3);
    i32le(&mut b, vl.len() as i32);
    for (v, l) in vl {
        f64le(&mut b, v);
        let l = gbk(l);
        let mut rec = vec![l.len() as u8];
        rec.extend_from_slice(&l);
        rec.resize(rec.len().div_ceil(8) * 8, b' ');
        b.extend_from_slice(&rec);
    }
    i32le(&mut b, 4);
    i32le(&mut b, 2);
    i32le(&mut b, 1);
    i32le(&mut b, 2);
    // machine integer info: little-endian, IEEE, character code 936 (GBK)
    i32le(&mut b, 7);
    i32le(&mut b, 3);
    i32le(&mut b, 4);
    i32le(&mut b, 8);
    for v in [21, 0, 0, -1, 1, 1, 2, 936] {
        i32le(&mut b, v);
    }
    i32le(&mut b, 999);
    i32le(&mut b, 0);
    for c in cases {
        for v in c {
            f64le(&mut b, *v);
        }
    }
    b
}

#[test]
fn gbk_code_page_labels_are_decoded() {
    let sysmis = -f64::MAX;
    let cases: Vec<[f64; 2]> = (0..12)
        .map(|i| {
            let q = match i {
                3 => 99.0,
                5 => sysmis,
                _ => (i % 5 + 4) as f64,
            };
            [q, ((i * 3) % 7 + 3) as f64]
        })
        .collect();
    let bytes = gbk_sav(&cases);
    let d = read_sav_bytes(&bytes, "gbk.sav").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d.n_cases, 12);
    let q1 = d.dictionary.variable("Q1").expect("Q1");
    assert_eq!(q1.label.as_deref(), Some("服务态度"));
    assert_eq!(q1.value_label(99.0), Some("无法回答"));
    assert_eq!(q1.missing, vec![UserMissing::Value(99.0)]);
    assert_eq!(d.dictionary.file_label.as_deref(), Some("满意度调查"));
    // through the ingester: 99 and system-missing are the two missing answers of q1
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("gbk.sav");
    std::fs::write(&p, &bytes).expect("write");
    let model = dir.path().join("m.toml");
    std::fs::write(
        &model,
        "name = \"t\"\n[scale]\nmin = 1\nmax = 10\n[[construct]]\nname = \"Q\"\nitems = [\"Q1\"]\n[[construct]]\nname = \"S\"\nitems = [\"S1\"]\n[[path]]\nfrom = \"Q\"\nto = \"S\"\n",
    )
    .expect("model");
    let m = read_model(&model).expect("model");
    let (_, r) = inspect_survey(&p, &m, &IngestOptions::default()).expect("read");
    assert!(r.ok, "{r}");
    assert_eq!(r.items[0].missing, 2);
    // hand computation: q1 over the ten answered cases i = 0,1,2,4,6..11 of i % 5 + 4
    let answered: Vec<f64> = (0..12)
        .filter(|&i| i != 3 && i != 5)
        .map(|i| (i % 5 + 4) as f64)
        .collect();
    let mean = answered.iter().sum::<f64>() / answered.len() as f64;
    let got = r.items[0].mean.unwrap_or(f64::NAN);
    assert!((got - mean).abs() <= 1e-12, "{got} vs {mean}");
    let c = csi(&["validate", "--model", s(&model), "--data", s(&p)]);
    assert_eq!(c.status.code(), Some(0), "{}", err(&c));
    assert!(out(&c).contains("服务态度"), "{}", out(&c));
}
