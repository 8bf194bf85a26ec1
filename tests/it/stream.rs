//! Streaming ingest (issue 16): the streamed sufficient statistics equal the moments of
//! the in-memory reader, and the streamed validation report equals its report, on
//! files larger than a batch and a read block, in every text variant the reader takes.
//! Expected numbers: the in-memory reader and `Survey::prepare` (the reference path).

use super::data::{table, to_text, write};
use csi::data::ingest::stream::{stream_survey, StreamOptions};
use csi::data::{inspect_survey, read_survey, IngestOptions, MissingPolicy};
use csi::spec::{ConstructSpec, Model, Scale};
use csi::tol::EXACT;
use std::path::Path;

/// QUAL (q1..q3, q3 reverse-coded) -> SAT (s1, s2), scale 1..10, two missing codes.
fn model() -> Model {
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
    .unwrap_or_else(|e| panic!("model: {e}"));
    m.missing_codes = vec!["无法回答".into(), "99".into()];
    m.items[2].reverse = true;
    m
}

/// `n` respondents: answers on 1..10 with missing cells (empty, 「无法回答」, 99),
/// half-points, straight-liners, a weight column and an airline column.
fn big_table(n: usize) -> Vec<Vec<String>> {
    let mut t = vec![["id", "airline", "q1", "q2", "q3", "s1", "s2", "w"]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()];
    let air = ["南方航空", "东方航空", "国航"];
    for i in 0..n {
        let base = 1 + (i * 7 + i / 13) % 10;
        let c = |d: i64| (base as i64 + d).clamp(1, 10).to_string();
        let mut row = vec![
            (i + 1).to_string(),
            air[i % 3].to_string(),
            c((i % 3) as i64 - 1),
            c((i % 2) as i64),
            c(1 - (i % 4) as i64),
            c((i % 5) as i64 - 2),
            c(((i * 3) % 4) as i64 - 1),
            format!("{}", 0.5 + ((i * 11) % 7) as f64 / 4.0),
        ];
        match i % 37 {
            3 => row[3] = "无法回答".into(),
            8 => row[6] = String::new(),
            14 => row[4] = "99".into(),
            20 => row[2] = " ".into(),
            _ => {}
        }
        if i % 101 == 5 {
            row[5] = "7.5".into();
        }
        if i % 211 == 7 {
            for k in 2..7 {
                row[k] = "6".into();
            }
        }
        t.push(row);
    }
    t
}

fn small() -> StreamOptions {
    // batches of 100 rows, blocks of 4 KiB: records cross block boundaries
    StreamOptions {
        batch_rows: 100,
        block_bytes: 4096,
        by: Vec::new(),
    }
}

/// Stream and read in memory; every policy's moments and the reports must agree.
fn check_same(path: &Path, model: &Model, opts: &IngestOptions) {
    let s = stream_survey(path, model, opts, &small())
        .unwrap_or_else(|e| panic!("stream {}: {e}", path.display()))
        .unwrap_or_else(|| panic!("{} was not streamed", path.display()));
    let (survey, report) =
        read_survey(path, model, opts).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    // every file here has warnings (straight-liners, half-points, cannot-answer shares)
    assert!(
        report.n_warnings > 0 && report.straight_liners > 0,
        "{}",
        path.display()
    );
    assert_eq!(s.report.problems, report.problems, "{}", path.display());
    assert_eq!(s.report.n_rows, report.n_rows);
    assert_eq!(s.report.n_usable, report.n_usable);
    assert_eq!(s.report.straight_liners, report.straight_liners);
    assert_eq!(s.report.constructs, report.constructs);
    for (a, b) in s.report.items.iter().zip(&report.items) {
        assert_eq!(
            (a.n, a.missing, a.out_of_range, a.cannot_answer),
            (b.n, b.missing, b.out_of_range, b.cannot_answer),
            "{}",
            a.name
        );
        // the report's mean and sd: the same sums in another order
        assert!((a.mean.unwrap_or(0.0) - b.mean.unwrap_or(0.0)).abs() < 1e-9);
        assert!((a.sd.unwrap_or(0.0) - b.sd.unwrap_or(0.0)).abs() < 1e-9);
    }
    for policy in [MissingPolicy::Mean, MissingPolicy::Listwise] {
        let (_, _, mem) = survey
            .prepare(model, policy)
            .unwrap_or_else(|e| panic!("prepare: {e}"));
        let st = s.pooled.moments(policy).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(st.n, mem.n, "{policy:?}");
        let p = mem.p();
        for j in 0..p {
            assert!(
                (st.means[j] - mem.means[j]).abs() < EXACT,
                "{policy:?} mean {j}"
            );
            for k in 0..p {
                assert!(
                    (st.cov[(j, k)] - mem.cov[(j, k)]).abs() < EXACT,
                    "{policy:?} cov {j},{k}: {} vs {}",
                    st.cov[(j, k)],
                    mem.cov[(j, k)]
                );
            }
        }
        assert!((st.weight_sum - mem.weight_sum).abs() < 1e-9 * mem.weight_sum);
    }
}

#[test]
fn streamed_moments_equal_in_memory_moments() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let m = model();
    let t = big_table(3000);
    let csv = write(dir.path(), "big.csv", to_text(&t, ",", "\n", false, false));
    assert!(std::fs::metadata(&csv).map(|m| m.len()).unwrap_or(0) > 4 * 4096);
    // unweighted and weighted
    check_same(&csv, &m, &IngestOptions::default());
    let weighted = IngestOptions {
        weight: Some("w".into()),
        ..Default::default()
    };
    check_same(&csv, &m, &weighted);
    // the moments do not depend on the batch size or the number of threads
    let a = stream_survey(&csv, &m, &weighted, &small()).ok().flatten();
    let b = stream_survey(&csv, &m, &weighted, &StreamOptions::default())
        .ok()
        .flatten();
    let (a, b) = (a.map(|s| s.pooled), b.map(|s| s.pooled));
    let (Some(a), Some(b)) = (a, b) else {
        panic!("not streamed")
    };
    let (ma, mb) = (
        a.moments(MissingPolicy::Mean)
            .unwrap_or_else(|e| panic!("{e}")),
        b.moments(MissingPolicy::Mean)
            .unwrap_or_else(|e| panic!("{e}")),
    );
    for k in 0..25 {
        assert!((ma.cov[k] - mb.cov[k]).abs() < EXACT);
    }
}

#[test]
fn text_variants_stream_like_the_in_memory_reader() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let m = model();
    let t = big_table(700);
    let opts = IngestOptions::default();
    // CRLF, semicolons with decimal commas, quoted cells, TSV, a BOM, blank lines
    check_same(
        &write(
            dir.path(),
            "crlf.csv",
            to_text(&t, ",", "\r\n", false, false),
        ),
        &m,
        &opts,
    );
    check_same(
        &write(dir.path(), "semi.csv", to_text(&t, ";", "\n", true, false)),
        &m,
        &opts,
    );
    check_same(
        &write(
            dir.path(),
            "quoted.csv",
            to_text(&t, ",", "\n", false, true),
        ),
        &m,
        &opts,
    );
    check_same(
        &write(
            dir.path(),
            "tabs.tsv",
            to_text(&t, "\t", "\n", false, false),
        ),
        &m,
        &opts,
    );
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(to_text(&t, ",", "\n", false, false).as_bytes());
    check_same(&write(dir.path(), "bom.csv", bom), &m, &opts);
    let text = to_text(&t, ",", "\n", false, false).replace("\n5,", "\n\n\n5,");
    check_same(&write(dir.path(), "blank.csv", text), &m, &opts);
    // GBK: detected (not utf-8), and declared
    let utf8 = to_text(&t, ",", "\n", false, false);
    let (gbk, _, bad) = encoding_rs::GBK.encode(&utf8);
    assert!(!bad);
    let p = write(dir.path(), "gbk.csv", gbk.as_ref());
    check_same(&p, &m, &opts);
    check_same(
        &p,
        &m,
        &IngestOptions {
            encoding: Some("gbk".into()),
            ..Default::default()
        },
    );
    // the small sample of the data tests (warnings: cannot-answer share, half-point)
    let small_t = table();
    let mut m2 = model();
    m2.items[2].reverse = false;
    m2.missing_codes = vec!["无法回答".into()];
    check_same(
        &write(
            dir.path(),
            "sample.csv",
            to_text(&small_t, ",", "\n", false, false),
        ),
        &m2,
        &opts,
    );
}

#[test]
fn files_with_errors_are_left_to_the_in_memory_reader() {
    // every refusal of the in-memory reader makes the streaming reader step aside, so
    // the messages (file, row, column, value) are those of the in-memory reader
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let m = model();
    let t = big_table(500);
    let base = to_text(&t, ",", "\n", false, false);
    let cases: Vec<(&str, String)> = vec![
        ("text.csv", base.replacen("\n300,国航,", "\n300,国航,NA", 1)),
        ("range.csv", base.replacen("\n450,", "\n450,x,11", 1)),
        ("ragged.csv", base.replacen("\n200,", "\n200,extra,", 1)),
        ("quote.csv", format!("{base}501,\"open,1,2,3,4,5,1\n")),
        ("absent.csv", base.replacen("q3", "q9", 1)),
        ("header.csv", "id,q1,q2,q3,s1,s2\n".into()),
        ("empty.csv", "\n\n".into()),
    ];
    for (name, text) in cases {
        let p = write(dir.path(), name, text);
        let s = stream_survey(&p, &m, &IngestOptions::default(), &small())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(s.is_none(), "{name} was streamed");
        let (survey, report) = inspect_survey(&p, &m, &IngestOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(survey.is_none() && report.has_errors(), "{name}");
    }
    // a weight that is not a number
    let p = write(dir.path(), "w.csv", base.replacen(",0.5\n", ",heavy\n", 1));
    let w = IngestOptions {
        weight: Some("w".into()),
        ..Default::default()
    };
    assert!(stream_survey(&p, &m, &w, &small()).ok().flatten().is_none());
    assert!(read_survey(&p, &m, &w).is_err());
}

#[test]
fn groups_are_summed_separately() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let m = model();
    let t = big_table(900);
    let p = write(dir.path(), "g.csv", to_text(&t, ",", "\n", false, false));
    let o = StreamOptions {
        by: vec!["airline".into()],
        ..small()
    };
    let s = stream_survey(&p, &m, &IngestOptions::default(), &o)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("not streamed"));
    assert_eq!(s.groups.len(), 3);
    let (survey, _) =
        read_survey(&p, &m, &IngestOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    for (key, st) in &s.groups {
        let g = survey
            .filter_group("airline", &key[0])
            .unwrap_or_else(|e| panic!("{e}"));
        let (_, _, mem) = g
            .prepare(&m, MissingPolicy::Mean)
            .unwrap_or_else(|e| panic!("{e}"));
        let got = st
            .moments(MissingPolicy::Mean)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.n, mem.n);
        for k in 0..25 {
            assert!((got.cov[k] - mem.cov[k]).abs() < EXACT, "{key:?}");
        }
    }
}

// ---------------------------------------------------------------------------------
// The command line: streamed fits, moments files, the DuckDB query of the README

const MODEL_TOML: &str = r#"name = "t"

[scale]
min = 1
max = 10
missing = ["无法回答", "99"]

[[construct]]
name = "QUAL"
items = ["q1", "q2", "q3"]

[[construct]]
name = "SAT"
items = ["s1", "s2"]

[[path]]
from = "QUAL"
to = "SAT"

[item.q3]
reverse = true
"#;

fn csi(args: &[&str], in_memory: bool) -> std::process::Output {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_csi"));
    c.args(args);
    if in_memory {
        c.env("CSI_NO_STREAM", "1");
    } else {
        c.env_remove("CSI_NO_STREAM");
    }
    c.output().unwrap_or_else(|e| panic!("run csi: {e}"))
}

fn json(path: &Path) -> serde_json::Value {
    let t = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&t).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every number within `tol` (relative to 1 + |b|), every other value equal, the same
/// keys except `skip`.
fn same_json(a: &serde_json::Value, b: &serde_json::Value, tol: f64, skip: &[&str], at: &str) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                if skip.contains(&k.as_str()) {
                    continue;
                }
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => same_json(u, v, tol, skip, &format!("{at}/{k}")),
                    _ => panic!("{at}/{k}: present in one document only"),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}: lengths");
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                same_json(u, v, tol, skip, &format!("{at}[{i}]"));
            }
        }
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            assert!((x - y).abs() <= tol * (1.0 + y.abs()), "{at}: {x} vs {y}");
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

#[test]
fn cli_fit_streams_like_the_in_memory_reader() {
    // expected: the same command on the in-memory path (CSI_NO_STREAM=1)
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let model = write(dir.path(), "t.toml", MODEL_TOML);
    let data = write(
        dir.path(),
        "big.csv",
        to_text(&big_table(3000), ",", "\n", false, false),
    );
    let (m, d) = (model.to_str().unwrap_or(""), data.to_str().unwrap_or(""));
    for extra in [
        vec![],
        vec!["--weight", "w"],
        vec!["--missing", "listwise", "--weight", "w"],
        vec!["--estimator", "plsc"],
    ] {
        let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
        let mut args = vec!["fit", "--model", m, "--data", d, "--json"];
        let run = |out: &Path, mem: bool| {
            let mut v = args.clone();
            v.push(out.to_str().unwrap_or(""));
            v.extend(extra.iter().copied());
            csi(&v, mem)
        };
        let (oa, ob) = (run(&a, false), run(&b, true));
        assert!(
            oa.status.success(),
            "{}",
            String::from_utf8_lossy(&oa.stderr)
        );
        assert_eq!(oa.stderr, ob.stderr, "{extra:?}: the same warnings");
        assert_eq!(oa.stdout, ob.stdout, "{extra:?}: the same table");
        same_json(&json(&a), &json(&b), 1e-10, &[], "");
        args.clear();
    }
    // ipma too
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    for (out, mem) in [(&a, false), (&b, true)] {
        let o = csi(
            &[
                "ipma",
                "--model",
                m,
                "--data",
                d,
                "--target",
                "SAT",
                "--weight",
                "w",
                "--json",
                out.to_str().unwrap_or(""),
            ],
            mem,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    same_json(&json(&a), &json(&b), 1e-10, &[], "");
}

#[test]
fn moments_files_fit_like_the_rows() {
    // expected: the fit from the rows (in-memory path)
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let model = write(dir.path(), "t.toml", MODEL_TOML);
    let data = write(
        dir.path(),
        "big.csv",
        to_text(&big_table(2000), ",", "\n", false, false),
    );
    let (m, d) = (model.to_str().unwrap_or(""), data.to_str().unwrap_or(""));
    let rows = dir.path().join("rows.json");
    let o = csi(
        &[
            "fit",
            "--model",
            m,
            "--data",
            d,
            "--weight",
            "w",
            "--json",
            rows.to_str().unwrap_or(""),
        ],
        true,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for name in ["m.json", "m.parquet"] {
        let mf = dir.path().join(name);
        let mfs = mf.to_str().unwrap_or("");
        for mem in [false, true] {
            // streamed, and from the in-memory survey (the same file either way)
            let o = csi(
                &[
                    "moments", "--model", m, "--data", d, "--weight", "w", "--group", "airline",
                    "--out", mfs,
                ],
                mem,
            );
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let fitted = dir.path().join("f.json");
            let o = csi(
                &[
                    "fit",
                    "--model",
                    m,
                    "--moments",
                    mfs,
                    "--json",
                    fitted.to_str().unwrap_or(""),
                ],
                false,
            );
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            // the moments file carries no cannot-answer counts and none of the data
            // warnings of the rows (row-level details); its own warnings are the rows'
            same_json(
                &json(&fitted),
                &json(&rows),
                csi::tol::MOMENTS_FILE,
                &["moments", "cannot_answer", "warnings"],
                name,
            );
            let (fw, rw) = (
                json(&fitted)["warnings"].clone(),
                json(&rows)["warnings"].clone(),
            );
            for w in fw.as_array().into_iter().flatten() {
                assert!(
                    rw.as_array().is_some_and(|r| r.contains(w)),
                    "{name}: warning {w} not among the rows' warnings"
                );
            }
            assert_eq!(json(&fitted)["moments"]["rows_read"], 2000);
        }
    }
    // intervals need rows; other commands need rows
    let mf = dir.path().join("m.json");
    let o = csi(
        &[
            "fit",
            "--model",
            m,
            "--moments",
            mf.to_str().unwrap_or(""),
            "--bootstrap",
            "100",
        ],
        false,
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--moments") && err.contains("--bootstrap"),
        "{err}"
    );
    // compare from the group sums: the group fits of the rows' comparison
    let cm = dir.path().join("cm.json");
    let cr = dir.path().join("cr.json");
    let o = csi(
        &[
            "compare",
            "--model",
            m,
            "--moments",
            mf.to_str().unwrap_or(""),
            "--group",
            "airline",
            "--json",
            cm.to_str().unwrap_or(""),
        ],
        false,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = csi(
        &[
            "compare",
            "--model",
            m,
            "--data",
            d,
            "--weight",
            "w",
            "--group",
            "airline",
            "--permutations",
            "0",
            "--json",
            cr.to_str().unwrap_or(""),
        ],
        true,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (cm, cr) = (json(&cm), json(&cr));
    let groups = |doc: &serde_json::Value| -> Vec<serde_json::Value> {
        let mut g = doc["groups"].as_array().cloned().unwrap_or_default();
        g.sort_by_key(|x| x["group"].as_str().unwrap_or("").to_string());
        g
    };
    let (gm, gr) = (groups(&cm), groups(&cr));
    assert_eq!(gm.len(), 3);
    for (a, b) in gm.iter().zip(&gr) {
        // Kish's n of a group needs its rows' weights: absent from sums
        same_json(a, b, csi::tol::MOMENTS_FILE, &["n_effective"], "group");
    }
    let o = csi(
        &[
            "compare",
            "--model",
            m,
            "--moments",
            mf.to_str().unwrap_or(""),
            "--group",
            "airline",
            "--bootstrap",
            "50",
        ],
        false,
    );
    assert_eq!(o.status.code(), Some(2));
    let o = csi(
        &[
            "predict",
            "--model",
            m,
            "--moments",
            mf.to_str().unwrap_or(""),
        ],
        false,
    );
    assert_eq!(o.status.code(), Some(2));
    // a model with other items is refused naming the moments file
    let other = write(
        dir.path(),
        "o.toml",
        MODEL_TOML.replace("\"s2\"]", "\"s3\"]"),
    );
    let o = csi(
        &[
            "fit",
            "--model",
            other.to_str().unwrap_or(""),
            "--moments",
            mf.to_str().unwrap_or(""),
        ],
        false,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("m.json"));
}

/// The SQL block of the README.
fn readme_sql() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .unwrap_or_else(|e| panic!("README: {e}"));
    let start = readme
        .find("<!-- moments-sql:start -->")
        .unwrap_or_else(|| panic!("no SQL in the README"));
    let end = readme
        .find("<!-- moments-sql:end -->")
        .unwrap_or_else(|| panic!("no SQL end"));
    let block = &readme[start..end];
    let a = block
        .find("```sql")
        .unwrap_or_else(|| panic!("no sql fence"))
        + 6;
    let b = block.rfind("```").unwrap_or_else(|| panic!("no fence end"));
    block[a..b].to_string()
}

#[test]
fn readme_duckdb_query_reproduces_the_moments_file() {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import duckdb"])
        .output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        super::common::skip(
            "readme_duckdb_query_reproduces_the_moments_file",
            "python3 with the duckdb package is not available (pip install duckdb)",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // numeric answers (empty = missing, 99 = the model's missing code), weights, groups
    let mut text = String::from("id,airline,q1,q2,q3,s1,s2,w\n");
    for i in 0..3000usize {
        let v = |k: usize| (1 + (i * (7 + 2 * k) + i / (3 + k) + k) % 10).to_string();
        let mut c: Vec<String> = (0..5).map(v).collect();
        if i % 13 == 0 {
            c[1] = "99".into();
        }
        if i % 17 == 3 {
            c[3] = String::new();
        }
        if i % 29 == 5 {
            c[0] = String::new();
        }
        let air = ["A", "B", "C"][i % 3];
        text.push_str(&format!(
            "{i},{air},{},{}\n",
            c.join(","),
            0.25 + (i % 5) as f64 * 0.5
        ));
    }
    let data = write(dir.path(), "s.csv", text);
    let model = write(dir.path(), "t.toml", MODEL_TOML);
    let sql = write(dir.path(), "m.sql", readme_sql());
    let out = dir.path().join("m.json");
    let o = csi(
        &[
            "moments",
            "--model",
            model.to_str().unwrap_or(""),
            "--data",
            data.to_str().unwrap_or(""),
            "--weight",
            "w",
            "--group",
            "airline",
            "--out",
            out.to_str().unwrap_or(""),
        ],
        false,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let script = r#"
import duckdb, json, sys
con = duckdb.connect()
con.execute("CREATE TABLE survey AS SELECT * FROM read_csv(?, header=true)", [sys.argv[1]])
con.execute(open(sys.argv[2]).read())
out = {}
for t in ["scalars", "items", "pairs"]:
    cur = con.execute(f"SELECT * FROM {t}")
    cols = [d[0] for d in cur.description]
    out[t] = [dict(zip(cols, r)) for r in cur.fetchall()]
print(json.dumps(out))
"#;
    let o = std::process::Command::new("python3")
        .args([
            "-c",
            script,
            data.to_str().unwrap_or(""),
            sql.to_str().unwrap_or(""),
        ])
        .output()
        .unwrap_or_else(|e| panic!("python3: {e}"));
    assert!(
        o.status.success(),
        "duckdb: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let q: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}"));
    let f = json(&out);
    let items: Vec<String> = f["items"]
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .map(|v| v.as_str().unwrap_or("").to_string())
        .collect();
    let p = items.len();
    assert_eq!(p, 5);
    let close = |a: f64, b: f64, what: &str| {
        assert!(
            (a - b).abs() <= csi::tol::SQL_SUMS * (1.0 + b.abs()),
            "{what}: sql {a} vs csi {b}"
        );
    };
    let sums_of = |g: &serde_json::Value| -> serde_json::Value {
        if g.is_null() {
            return f["pooled"].clone();
        }
        f["groups"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["key"]["airline"] == *g))
            .map(|x| x["sums"].clone())
            .unwrap_or_else(|| panic!("group {g} not in the moments file"))
    };
    let num = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
    let mut checked = 0;
    for r in q["scalars"].as_array().unwrap_or(&vec![]) {
        let s = sums_of(&r["g"]);
        for k in [
            "n_rows",
            "weight",
            "weight_sq",
            "positive",
            "complete_rows",
            "complete_weight",
            "complete_weight_sq",
            "complete_positive",
        ] {
            close(num(&r[k]), num(&s[k]), &format!("{} {k}", r["g"]));
            checked += 1;
        }
    }
    for r in q["items"].as_array().unwrap_or(&vec![]) {
        let s = sums_of(&r["g"]);
        let j = items
            .iter()
            .position(|x| r["j"] == x.as_str())
            .unwrap_or_else(|| panic!("item {}", r["j"]));
        close(num(&r["observed"]), num(&s["observed"][j]), "observed");
        close(
            num(&r["complete_sum"]),
            num(&s["complete_sum"][j]),
            "complete_sum",
        );
        checked += 2;
    }
    for r in q["pairs"].as_array().unwrap_or(&vec![]) {
        let s = sums_of(&r["g"]);
        let j = items
            .iter()
            .position(|x| r["j"] == x.as_str())
            .unwrap_or(usize::MAX);
        let k = items
            .iter()
            .position(|x| r["k"] == x.as_str())
            .unwrap_or(usize::MAX);
        for key in ["pair_weight", "pair_sum", "pair_cross", "complete_cross"] {
            close(
                num(&r[key]),
                num(&s[key][j * p + k]),
                &format!("{} {key} {j},{k}", r["g"]),
            );
            checked += 1;
        }
    }
    // 4 groups (3 airlines and pooled) x (8 scalars + 5 x 2 item sums + 25 x 4 pair sums)
    assert_eq!(checked, 4 * (8 + 10 + 100));
}

#[test]
fn compact_rows_give_bit_identical_bootstraps() {
    // expected: the executor on the f64 rows (ResampleData), replicate by replicate
    use csi::bootstrap::{run_estimator, run_with, stats_for, BootstrapOptions, Iid, ResampleData};
    use csi::estimate::EstimatorKind;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model =
        csi::spec::read_model(&root.join("models/ccsi.toml")).unwrap_or_else(|e| panic!("{e}"));
    let (survey, _) = read_survey(
        &root.join("data/ccsi_sample.csv"),
        &model,
        &IngestOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let a = csi::analysis::analyze(&model, &survey, &Default::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        a.missing.imputed.iter().sum::<usize>() > 0,
        "the sample has imputed answers"
    );
    let compact = csi::bootstrap::CompactRows::new(&a.data)
        .unwrap_or_else(|| panic!("1-10 answers fit in a byte"));
    assert_eq!(compact.bytes_per_cell(), 1);
    let o = BootstrapOptions {
        resamples: 200,
        ..Default::default()
    };
    let s = &a.options.pls;
    let new = run_estimator(s, &model, &a.data, &a.fit, &o, None).unwrap_or_else(|e| panic!("{e}"));
    let old = run_with(
        s,
        &model,
        &ResampleData::new(&a.data),
        &Iid,
        &a.fit,
        stats_for(EstimatorKind::Pls, &model),
        &o,
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(new.replicates.shape(), old.replicates.shape());
    assert!(new
        .replicates
        .iter()
        .zip(old.replicates.iter())
        .all(|(x, y)| x.to_bits() == y.to_bits()));
    assert_eq!(new.failed, old.failed);
}
