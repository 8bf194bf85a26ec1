//! `csi validate` run as a program: malformed inputs give exit 2 and one message that
//! names the file and the row/column; usable data gives exit 0 and the report.

use crate::data::{parquet, table, to_text, write, xlsx, MODEL_TOML};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn csi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_csi"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run csi: {e}"))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

struct Env {
    dir: tempfile::TempDir,
    model: PathBuf,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let model = write(dir.path(), "model.toml", MODEL_TOML);
    Env { dir, model }
}

/// The sample data as cells with one cell replaced (row index 0 = header).
fn edited(edit: impl Fn(&mut Vec<Vec<String>>)) -> Vec<Vec<String>> {
    let mut t = table();
    edit(&mut t);
    t
}

fn csv_text(t: &[Vec<String>]) -> String {
    to_text(t, ",", "\n", false, false)
}

/// Assert exit 2, no panic, and a stderr message containing every needle.
#[track_caller]
fn refused(o: &Output, needles: &[&str]) {
    let e = stderr(o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "expected exit 2, stderr: {e}\nstdout: {}",
        stdout(o)
    );
    assert!(!e.contains("panicked"), "{e}");
    for n in needles {
        assert!(e.contains(n), "stderr lacks '{n}': {e}");
    }
    assert_eq!(e.trim_end().lines().count(), 1, "one message expected: {e}");
}

#[test]
fn usable_data_exits_0_with_report() {
    let env = env();
    let d = write(env.dir.path(), "d.csv", csv_text(&table()));
    let o = csi(&["validate", "--model", s(&env.model), "--data", s(&d)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    for needle in [
        "q1",
        "s2",
        "missing",
        "out of range",
        "mean",
        "sd",
        "straight-liners",
        "usable",
    ] {
        assert!(out.contains(needle), "{needle}: {out}");
    }
}

#[test]
fn json_to_stdout_is_only_json() {
    let env = env();
    let d = write(env.dir.path(), "d.csv", csv_text(&table()));
    let o = csi(&[
        "validate",
        "--model",
        s(&env.model),
        "--data",
        s(&d),
        "--json",
        "-",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("json: {e}"));
    assert_eq!(v["schema"], "csi-validate/v1");
    assert_eq!(v["ok"], true);
    assert_eq!(v["n_rows"], 40);
    assert_eq!(v["items"].as_array().map(|a| a.len()), Some(5));
    assert_eq!(v["items"][1]["name"], "q2");
    assert_eq!(v["items"][1]["missing"], 1);
    for key in ["out_of_range", "mean", "sd"] {
        assert!(v["items"][0].get(key).is_some(), "{key}");
    }
    let p = &v["problems"][0];
    for key in ["severity", "message", "row", "column"] {
        assert!(p.get(key).is_some(), "{key}: {p}");
    }
}

#[test]
fn json_file_and_errors_in_json() {
    let env = env();
    let d = write(
        env.dir.path(),
        "d.csv",
        csv_text(&edited(|t| t[5][2] = "7分".into())),
    );
    let j = env.dir.path().join("r.json");
    let o = csi(&[
        "validate",
        "--model",
        s(&env.model),
        "--data",
        s(&d),
        "--json",
        s(&j),
    ]);
    refused(&o, &["d.csv: row 6, column 'q1', value '7分'"]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&j).unwrap_or_default())
            .unwrap_or_else(|e| panic!("json: {e}"));
    assert_eq!(v["ok"], false);
    assert_eq!(v["problems"][0]["severity"], "error");
    assert_eq!(v["problems"][0]["row"], 6);
    assert_eq!(v["problems"][0]["column"], "q1");
}

#[test]
fn the_same_data_in_every_format_gives_the_same_report() {
    let env = env();
    let t = table();
    let utf8 = csv_text(&t);
    let (gbk, _, _) = encoding_rs::GBK.encode(&utf8);
    let files = [
        write(env.dir.path(), "a.csv", &utf8),
        write(env.dir.path(), "b.csv", &gbk[..]),
        write(
            env.dir.path(),
            "c.csv",
            to_text(&t, ";", "\r\n", true, false),
        ),
        write(
            env.dir.path(),
            "d.tsv",
            to_text(&t, "\t", "\n", false, false),
        ),
        write(env.dir.path(), "e.xlsx", xlsx(&t, "Sheet1")),
    ];
    let pq = env.dir.path().join("f.parquet");
    parquet(&t, &pq);
    let mut reports = Vec::new();
    for f in files.iter().chain(std::iter::once(&pq)) {
        let o = csi(&[
            "validate",
            "--model",
            s(&env.model),
            "--data",
            s(f),
            "--json",
            "-",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}: {}", f.display(), stderr(&o));
        let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
        if let Some(m) = v.as_object_mut() {
            m.remove("file");
        }
        reports.push(v);
    }
    for r in &reports[1..] {
        assert_eq!(r, &reports[0]);
    }
}

#[test]
fn model_only() {
    let env = env();
    let o = csi(&["validate", "--model", s(&env.model)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("q1"));
}

#[test]
fn out_of_range_missing_flag_and_missing_code_flag() {
    let env = env();
    let d = write(
        env.dir.path(),
        "d.csv",
        csv_text(&edited(|t| {
            t[3][4] = "11".into();
            t[4][5] = "-".into();
        })),
    );
    let o = csi(&["validate", "--model", s(&env.model), "--data", s(&d)]);
    refused(&o, &["d.csv: row 4, column 'q3', value '11'"]);
    let o = csi(&[
        "validate",
        "--model",
        s(&env.model),
        "--data",
        s(&d),
        "--out-of-range",
        "missing",
        "--missing-code",
        "-",
        "--json",
        "-",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
    assert_eq!(v["items"][2]["out_of_range"], 1);
    assert_eq!(v["items"][3]["missing"], 1);
}

#[test]
fn weight_and_delimiter_flags() {
    let env = env();
    let t = edited(|t| {
        for (i, r) in t.iter_mut().enumerate() {
            r.push(if i == 0 { "w".into() } else { "1.5".into() });
        }
    });
    let d = write(
        env.dir.path(),
        "d.txt",
        to_text(&t, "|", "\n", false, false),
    );
    let o = csi(&[
        "validate",
        "--model",
        s(&env.model),
        "--data",
        s(&d),
        "--weight",
        "w",
        "--delimiter",
        "|",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = csi(&[
        "validate",
        "--model",
        s(&env.model),
        "--data",
        s(&d),
        "--delimiter",
        "ab",
    ]);
    refused(&o, &["--delimiter"]);
}

/// Malformed data files: (name, file name, contents, extra flags, needles in stderr).
#[test]
fn malformed_data_files_exit_2_with_location() {
    let env = env();
    let dir = env.dir.path();
    let bad = |r: usize, c: usize, v: &str| csv_text(&edited(|t| t[r][c] = v.into())).into_bytes();
    let mut gbk_bad = edited(|t| t[8][6] = "很好".into());
    gbk_bad[1][1] = "国航".into();
    let gbk_text = csv_text(&gbk_bad);
    let gbk = encoding_rs::GBK.encode(&gbk_text).0.into_owned();
    let header_only = b"id,q1,q2,q3,s1,s2\n".to_vec();
    let few = b"q1,q2,q3,s1,s2\n1,2,3,4,5\n2,3,4,5,6\n3,4,5,6,7\n5,4,3,2,1\n".to_vec();
    let mut ragged = csv_text(&table());
    ragged = ragged.replacen("\n10,", "\n10,extra,", 1);
    let short = csv_text(&edited(|t| {
        t[20].pop();
    }));
    let unclosed = csv_text(&edited(|t| t[15][7] = "\"女".into()));
    let constant = csv_text(&edited(|t| {
        t.iter_mut().skip(1).for_each(|r| r[5] = "7".into())
    }));
    let all_missing = csv_text(&edited(|t| {
        t.iter_mut().skip(1).for_each(|r| r[6] = "无法回答".into())
    }));
    let absent = csv_text(&table()).replacen("s2", "sat2", 1);
    let duplicate = csv_text(&table()).replacen("gender", "q3", 1);
    let weight_neg = csv_text(&edited(|t| {
        for (i, r) in t.iter_mut().enumerate() {
            r.push(match i {
                0 => "w".into(),
                13 => "-2".into(),
                _ => "1".into(),
            });
        }
    }));
    let euro_oor = to_text(
        &edited(|t| t[17][5] = "10.5".into()),
        ";",
        "\n",
        true,
        false,
    );
    let mut xl = table();
    xl[22][3] = "NA".into();
    let mut invalid_utf8 = csv_text(&table()).into_bytes();
    invalid_utf8.extend_from_slice(b"41,\xff\xfe,1,2,3,4,5,x\n");

    struct Case {
        name: &'static str,
        file: &'static str,
        bytes: Vec<u8>,
        flags: Vec<&'static str>,
        needles: Vec<&'static str>,
    }
    let c =
        |name, file, bytes: Vec<u8>, flags: Vec<&'static str>, needles: Vec<&'static str>| Case {
            name,
            file,
            bytes,
            flags,
            needles,
        };
    let cases = vec![
        c(
            "text 7分",
            "t1.csv",
            bad(3, 2, "7分"),
            vec![],
            vec!["t1.csv: row 4, column 'q1', value '7分'", "not a number"],
        ),
        c(
            "NA",
            "t2.csv",
            bad(10, 3, "NA"),
            vec![],
            vec!["t2.csv: row 11, column 'q2', value 'NA'"],
        ),
        c(
            "NaN",
            "t3.csv",
            bad(11, 4, "NaN"),
            vec![],
            vec!["t3.csv: row 12, column 'q3', value 'NaN'"],
        ),
        c(
            "inf",
            "t4.csv",
            bad(12, 5, "inf"),
            vec![],
            vec!["t4.csv: row 13, column 's1', value 'inf'"],
        ),
        c(
            "out of range 11",
            "t5.csv",
            bad(2, 6, "11"),
            vec![],
            vec![
                "t5.csv: row 3, column 's2', value '11'",
                "outside the scale 1..10",
            ],
        ),
        c(
            "out of range 0",
            "t6.csv",
            bad(30, 2, "0"),
            vec![],
            vec!["t6.csv: row 31, column 'q1', value '0'"],
        ),
        c(
            "decimal comma out of range",
            "t7.csv",
            euro_oor.into_bytes(),
            vec![],
            vec!["t7.csv: row 18, column 's1', value '10,5'"],
        ),
        c(
            "absent item column",
            "t8.csv",
            absent.into_bytes(),
            vec![],
            vec!["t8.csv", "column 's2'", "model.toml"],
        ),
        c(
            "duplicate item column",
            "t9.csv",
            duplicate.into_bytes(),
            vec![],
            vec!["t9.csv: row 1, column 'q3'", "twice"],
        ),
        c(
            "ragged row (long)",
            "t10.csv",
            ragged.into_bytes(),
            vec![],
            vec!["t10.csv: row 11", "ragged"],
        ),
        c(
            "ragged row (short)",
            "t11.csv",
            short.into_bytes(),
            vec![],
            vec!["t11.csv: row 21", "ragged"],
        ),
        c(
            "unclosed quote",
            "t12.csv",
            unclosed.into_bytes(),
            vec![],
            vec!["t12.csv: row 16"],
        ),
        c(
            "empty file",
            "t13.csv",
            Vec::new(),
            vec![],
            vec!["t13.csv", "empty"],
        ),
        c(
            "header only",
            "t14.csv",
            header_only,
            vec![],
            vec!["t14.csv: row 1", "no respondent rows"],
        ),
        c(
            "constant item",
            "t15.csv",
            constant.into_bytes(),
            vec![],
            vec!["t15.csv", "column 's1'", "constant"],
        ),
        c(
            "all-missing item",
            "t16.csv",
            all_missing.into_bytes(),
            vec![],
            vec!["t16.csv", "column 's2'", "missing"],
        ),
        c(
            "too few rows",
            "t17.csv",
            few,
            vec![],
            vec!["t17.csv", "4 usable respondents", "at least 10"],
        ),
        c(
            "gbk bad cell",
            "t18.csv",
            gbk,
            vec![],
            vec!["t18.csv: row 9, column 's2', value '很好'"],
        ),
        c(
            "xlsx bad cell",
            "t19.xlsx",
            xlsx(&xl, "Sheet1"),
            vec![],
            vec!["t19.xlsx: row 23, column 'q2', value 'NA'"],
        ),
        c(
            "negative weight",
            "t20.csv",
            weight_neg.into_bytes(),
            vec!["--weight", "w"],
            vec!["t20.csv: row 14, column 'w', value '-2'"],
        ),
        c(
            "weight column absent",
            "t21.csv",
            csv_text(&table()).into_bytes(),
            vec!["--weight", "wt"],
            vec!["t21.csv", "column 'wt'"],
        ),
        c(
            "sav",
            "t22.sav",
            b"$FL2".to_vec(),
            vec![],
            // issue 17: with the `sav` feature the file is read, and this one is truncated
            if cfg!(feature = "sav") {
                vec!["t22.sav", "truncated"]
            } else {
                vec!["t22.sav", "SPSS .sav is not supported"]
            },
        ),
        c(
            "unknown sheet",
            "t23.xlsx",
            xlsx(&table(), "Sheet1"),
            vec!["--sheet", "Data"],
            vec!["t23.xlsx", "Data"],
        ),
        c(
            "not a workbook",
            "t24.xlsx",
            b"hello".to_vec(),
            vec![],
            vec!["t24.xlsx"],
        ),
        c(
            "invalid utf-8 when forced",
            "t25.csv",
            invalid_utf8,
            vec!["--encoding", "utf-8"],
            vec!["t25.csv: row 42"],
        ),
        c(
            "bad --out-of-range",
            "t26.csv",
            csv_text(&table()).into_bytes(),
            vec!["--out-of-range", "drop"],
            vec!["--out-of-range"],
        ),
    ];
    assert!(cases.len() >= 20);
    for case in cases {
        let p = write(dir, case.file, &case.bytes);
        let mut args = vec!["validate", "--model", s(&env.model), "--data", s(&p)];
        args.extend(case.flags.iter().copied());
        let o = csi(&args);
        let e = stderr(&o);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{}: exit {:?}, stderr {e}",
            case.name,
            o.status.code()
        );
        assert!(!e.contains("panicked"), "{}: {e}", case.name);
        for n in &case.needles {
            assert!(e.contains(n), "{}: stderr lacks '{n}': {e}", case.name);
        }
    }
}

#[test]
fn missing_data_file_is_named() {
    let env = env();
    let p = env.dir.path().join("nope.csv");
    let o = csi(&["validate", "--model", s(&env.model), "--data", s(&p)]);
    refused(&o, &["nope.csv"]);
}

/// Malformed model files: exit 2 and the model file named (with a line where one applies).
#[test]
fn malformed_model_files_exit_2() {
    let env = env();
    let dir = env.dir.path();
    let d = write(dir, "d.csv", csv_text(&table()));
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "syntax",
            MODEL_TOML.replace("name = \"QUAL\"", "name = QUAL"),
            "m1.toml:",
        ),
        (
            "unknown construct",
            MODEL_TOML.replace("to = \"SAT\"", "to = \"SATT\""),
            "m2.toml:",
        ),
        (
            "self loop",
            MODEL_TOML.replace("to = \"SAT\"", "to = \"QUAL\""),
            "m3.toml:",
        ),
        (
            "no items",
            MODEL_TOML.replace("items = [\"s1\", \"s2\"]", "items = []"),
            "m4.toml:",
        ),
        (
            "item twice",
            MODEL_TOML.replace("[\"s1\", \"s2\"]", "[\"s1\", \"q1\"]"),
            "m5.toml:",
        ),
        (
            "bad scale",
            MODEL_TOML.replace("max = 10", "max = 0"),
            "m6.toml:",
        ),
        (
            "no name",
            MODEL_TOML.replacen("name = \"t\"", "", 1),
            "m7.toml",
        ),
    ];
    for (i, (what, text, needle)) in cases.into_iter().enumerate() {
        let m = write(dir, &format!("m{}.toml", i + 1), text);
        let o = csi(&["validate", "--model", s(&m), "--data", s(&d)]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{what}: {e}");
        assert!(!e.contains("panicked"), "{what}: {e}");
        assert!(e.contains(needle), "{what}: {e}");
    }
    let o = csi(&["validate", "--model", s(&dir.join("absent.toml"))]);
    refused(&o, &["absent.toml"]);
}

#[test]
fn lavaan_model_with_scale_flag() {
    let env = env();
    let dir = env.dir.path();
    let lav = write(
        dir,
        "m.lav",
        "# test\nQUAL =~ q1 + q2 + q3\nSAT =~ s1 + s2\nSAT ~ QUAL\n",
    );
    let d = write(dir, "d.csv", csv_text(&edited(|t| t[3][3] = "11".into())));
    let o = csi(&[
        "validate",
        "--model",
        s(&lav),
        "--data",
        s(&d),
        "--scale",
        "1,10",
        "--missing-code",
        "无法回答",
    ]);
    refused(&o, &["d.csv: row 4, column 'q2', value '11'"]);
    let o = csi(&[
        "validate",
        "--model",
        s(&lav),
        "--data",
        s(&d),
        "--scale",
        "1,12",
        "--missing-code",
        "无法回答",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = csi(&["validate", "--model", s(&lav), "--scale", "10,1"]);
    refused(&o, &["--scale"]);
}
