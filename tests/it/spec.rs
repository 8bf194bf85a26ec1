//! Model files: the shipped models parse and round-trip, the lavaan form of CCSI
//! equals the TOML form, malformed files give positioned errors, and no input
//! makes a parser panic.

use csi::spec::lavaan::parse_lavaan;
use csi::spec::toml_file::{model_to_toml, parse_model_toml};
use csi::spec::{read_model, Extras, Mode, Model};
use csi::Error;
use proptest::prelude::*;
use std::path::PathBuf;

fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

fn model(name: &str) -> Model {
    let p = models_dir().join(name);
    read_model(&p).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn shipped() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(models_dir())
        .expect("models/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("toml" | "lav")))
        .collect();
    v.sort();
    v
}

#[test]
fn every_shipped_model_parses() {
    let files = shipped();
    assert!(
        files.len() >= 5,
        "expected at least ccsi/acsi/ecsi/airline .toml and ccsi.lav, got {files:?}"
    );
    for p in files {
        let m = read_model(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(m.n_constructs() >= 2, "{}", p.display());
        if p.extension().and_then(|e| e.to_str()) == Some("toml") {
            let s = m
                .scale
                .unwrap_or_else(|| panic!("{} has no [scale]", p.display()));
            assert_eq!((s.min, s.max), (1.0, 10.0), "{}", p.display());
            assert_eq!(m.missing_codes, vec!["无法回答", "99"], "{}", p.display());
            assert!(
                m.items.iter().all(|i| i.label.is_some()),
                "{}: every item has a label",
                p.display()
            );
            assert!(
                m.constructs.iter().all(|c| c.label.is_some()),
                "{}",
                p.display()
            );
        }
    }
}

#[test]
fn ccsi_has_the_six_constructs_and_the_standard_paths() {
    let m = model("ccsi.toml");
    let names: Vec<&str> = m.constructs.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["IMAG", "EXPE", "QUAL", "VAL", "SAT", "LOY"]);
    assert_eq!(m.n_items(), 27);
    let items: Vec<&str> = m.items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(&items[..5], ["imag1", "imag2", "imag3", "imag4", "imag5"]);
    assert_eq!(items.last(), Some(&"loy4"));
    let mut paths = m.path_names();
    paths.sort();
    let mut want: Vec<(String, String)> = [
        ("IMAG", "EXPE"),
        ("IMAG", "SAT"),
        ("IMAG", "LOY"),
        ("EXPE", "QUAL"),
        ("EXPE", "VAL"),
        ("EXPE", "SAT"),
        ("QUAL", "VAL"),
        ("QUAL", "SAT"),
        ("VAL", "SAT"),
        ("SAT", "LOY"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    want.sort();
    assert_eq!(paths, want);
    assert_eq!(m.extras.overall.as_deref(), Some("sat1"));
    assert!(m.construct_label(0).contains("形象"));
}

#[test]
fn acsi_ecsi_and_airline_have_the_documented_shape() {
    let a = model("acsi.toml");
    assert_eq!(a.n_items(), 14);
    assert_eq!(a.paths.len(), 9);
    let e = model("ecsi.toml");
    let names: Vec<&str> = e.constructs.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Image",
            "Expectation",
            "Quality",
            "Value",
            "Satisfaction",
            "Complaints",
            "Loyalty"
        ]
    );
    assert_eq!(e.n_items(), 24);
    assert_eq!(e.paths.len(), 12);
    let air = model("airline.toml");
    let sizes: Vec<usize> = air.constructs.iter().map(|c| c.items.len()).collect();
    assert_eq!(sizes, [3, 4, 8, 3, 5, 3, 3, 3, 3, 2]);
    assert_eq!(air.n_items(), 37);
    assert_eq!(air.paths.len(), 9);
    let sat = air.construct_index("SAT").expect("SAT");
    assert_eq!(air.predecessors(sat).len(), 8);
    assert_eq!(air.extras.attitudinal, vec!["loy1"]);
    assert_eq!(air.extras.behavioural, vec!["loy2"]);
    assert_eq!(air.extras.overall.as_deref(), Some("sat1"));
    let sat2 = air.item_index("sat2").expect("sat2");
    assert!(air.item_label(sat2).contains("竞争航空公司"));
}

#[test]
fn toml_round_trip() {
    for p in shipped()
        .into_iter()
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("toml"))
    {
        let m = read_model(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let text = model_to_toml(&m);
        let again =
            parse_model_toml(&text, "written.toml").unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(m, again, "{}", p.display());
        assert_eq!(
            model_to_toml(&again),
            text,
            "{}: writing is stable",
            p.display()
        );
    }
    // the lavaan model also round-trips through TOML
    let lav = model("ccsi.lav");
    let text = model_to_toml(&lav);
    assert_eq!(parse_model_toml(&text, "lav.toml").expect("parses"), lav);
}

#[test]
fn lavaan_ccsi_equals_toml_ccsi() {
    let mut toml = model("ccsi.toml");
    let lav = model("ccsi.lav");
    assert_eq!(lav.name, "ccsi");
    assert!(lav.scale.is_none());
    // constructs, items, modes and paths are identical, in the same order
    let shape = |m: &Model| -> Vec<(String, Vec<String>, Mode)> {
        m.constructs
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    c.items.iter().map(|&k| m.items[k].name.clone()).collect(),
                    c.mode,
                )
            })
            .collect()
    };
    assert_eq!(shape(&toml), shape(&lav));
    assert_eq!(toml.path_names(), lav.path_names());
    // and so is the whole checked model once labels, scale and extras are set aside
    toml.name = lav.name.clone();
    toml.description = None;
    toml.scale = None;
    toml.missing_codes.clear();
    toml.extras = Extras::default();
    toml.constructs.iter_mut().for_each(|c| c.label = None);
    toml.items.iter_mut().for_each(|i| i.label = None);
    assert_eq!(toml, lav);
}

const BASE: &str = r#"name = "T"
[scale]
min = 1
max = 10
[[construct]]
name = "A"
items = ["a1", "a2"]
[[construct]]
name = "B"
items = ["b1", "b2"]
[[construct]]
name = "C"
items = ["c1"]
[[path]]
from = "A"
to = ["B", "C"]
[[path]]
from = "B"
to = "C"
"#;

/// Replace line `n` (1-based) of BASE.
fn with_line(n: usize, new: &str) -> String {
    let mut lines: Vec<String> = BASE.lines().map(String::from).collect();
    lines[n - 1] = new.to_string();
    lines.join("\n") + "\n"
}

struct Case {
    file: &'static str,
    text: String,
    line: usize,
    column: Option<usize>,
    message: &'static str,
}

fn cases() -> Vec<Case> {
    let c = |file, text: String, line, column, message| Case {
        file,
        text,
        line,
        column,
        message,
    };
    vec![
        c("base_ok_check.toml", BASE.to_string(), 0, None, ""),
        c(
            "unknown_construct.toml",
            with_line(19, r#"to = "SATT""#),
            19,
            Some(6),
            "path names construct 'SATT', which is not declared",
        ),
        c(
            "unknown_from.toml",
            with_line(15, r#"from = "X""#),
            15,
            Some(8),
            "path names construct 'X', which is not declared",
        ),
        c(
            "duplicate_construct.toml",
            with_line(12, r#"name = "A""#),
            12,
            Some(8),
            "construct 'A' is declared twice",
        ),
        c(
            "duplicate_item.toml",
            with_line(13, r#"items = ["c1", "a2"]"#),
            13,
            Some(16),
            "item 'a2' is listed twice (already in construct 'A')",
        ),
        c(
            "self_loop.toml",
            with_line(19, r#"to = "B""#),
            19,
            Some(6),
            "path from 'B' to itself",
        ),
        c(
            "cycle.toml",
            format!("{BASE}[[path]]\nfrom = \"C\"\nto = \"A\"\n"),
            22,
            Some(6),
            "the inner model has a cycle (A -> B -> C -> A)",
        ),
        c(
            "no_paths.toml",
            BASE.lines().take(13).collect::<Vec<_>>().join("\n"),
            1,
            Some(8),
            "the model has no paths, so no endogenous construct",
        ),
        c(
            "empty_items.toml",
            with_line(13, "items = []"),
            13,
            Some(9),
            "construct 'C' has no items",
        ),
        c(
            "bad_mode.toml",
            with_line(13, "items = [\"c1\"]\nmode = \"C\""),
            14,
            Some(8),
            "construct 'C': mode must be \"A\" (reflective) or \"B\" (formative), found \"C\"",
        ),
        c(
            "bad_scale.toml",
            with_line(3, "min = 10"),
            3,
            Some(1),
            "[scale]: scale min 10 must be below max 10",
        ),
        c(
            "typo.toml",
            with_line(13, r#"itmes = ["c1"]"#),
            13,
            Some(1),
            "unknown key 'itmes' in [[construct]] #3",
        ),
        c(
            "key_in_wrong_table.toml",
            format!("{BASE}descripton = \"x\"\n"),
            20,
            Some(1),
            "unknown key 'descripton' in [[path]] #2",
        ),
        c(
            "syntax.toml",
            with_line(16, r#"to = ["B" "C"]"#),
            16,
            None,
            "toml syntax error",
        ),
        c(
            "unclosed_string.toml",
            with_line(19, "to = \"C"),
            19,
            None,
            "toml syntax error",
        ),
        c(
            "duplicate_key.toml",
            with_line(2, "name = \"U\""),
            2,
            Some(1),
            "toml syntax error: duplicate key",
        ),
        c(
            "unknown_item.toml",
            format!("{BASE}[item.zz]\nlabel = \"x\"\n"),
            20,
            Some(7),
            "[item.zz] names an item that no construct lists",
        ),
        c(
            "reverse_type.toml",
            format!("{BASE}[item.a1]\nreverse = \"yes\"\n"),
            21,
            Some(11),
            "'reverse' in [item.a1] must be true or false, found string",
        ),
        c(
            "item_scale.toml",
            format!("{BASE}[item.a1]\nscale = {{ min = 5, max = 5 }}\n"),
            21,
            Some(11),
            "scale min 5 must be below max 5",
        ),
        c(
            "no_name.toml",
            BASE.replacen("name = \"T\"", "#", 1),
            1,
            Some(1),
            "the model has no 'name'",
        ),
        c(
            "path_type.toml",
            with_line(15, "from = 3"),
            15,
            Some(8),
            "'from' in [[path]] #1 must be a string",
        ),
        // lavaan
        c(
            "lav_syntax.lav",
            "A =~ a1 + a2\nB =~ b1 b2\nB ~ A\n".to_string(),
            2,
            Some(9),
            "expected '+' before 'b2'",
        ),
        c(
            "lav_modifier.lav",
            "A =~ a1 + a2\nB =~ b1 + 0.5*b2\nB ~ A\n".to_string(),
            2,
            Some(11),
            "lavaan modifier '0.5*' is not supported",
        ),
        c(
            "lav_na_modifier.lav",
            "A =~ NA*a1 + a2\nB =~ b1\nB ~ A\n".to_string(),
            1,
            Some(6),
            "lavaan modifier 'NA*'",
        ),
        c(
            "lav_unknown.lav",
            "# model\nA =~ a1 + a2\nB =~ b1\n\nB ~ A + C\n".to_string(),
            5,
            Some(9),
            "path names construct 'C', which is not declared",
        ),
        c(
            "lav_cycle.lav",
            "A =~ a1\nB =~ b1\nB ~ A\nA ~ B\n".to_string(),
            4,
            Some(1),
            "cycle",
        ),
        c(
            "lav_covariance.lav",
            "A =~ a1\nB =~ b1\nB ~ A\na1 ~~ b1\n".to_string(),
            4,
            Some(4),
            "covariances",
        ),
        c(
            "lav_no_paths.lav",
            "A =~ a1\nB =~ b1\n".to_string(),
            2,
            None,
            "no regressions",
        ),
        c(
            "lav_bad_char.lav",
            "A =~ a1\nB =~ b1\nB ~ A $\n".to_string(),
            3,
            Some(7),
            "unexpected character '$'",
        ),
    ]
}

#[test]
fn malformed_model_files_give_positioned_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let all = cases();
    assert!(all.len() > 20);
    for case in all {
        let path = dir.path().join(case.file);
        std::fs::write(&path, &case.text).expect("write");
        let got = read_model(&path);
        if case.message.is_empty() {
            assert!(got.is_ok(), "{}: {:?}", case.file, got.err());
            continue;
        }
        match got {
            Err(Error::Model {
                file,
                line,
                column,
                message,
            }) => {
                assert_eq!(file, path.display().to_string(), "{}", case.file);
                assert_eq!(
                    line,
                    Some(case.line),
                    "{}: line of '{message}'\n{}",
                    case.file,
                    case.text
                );
                assert!(column.is_some(), "{}: no column", case.file);
                if let Some(c) = case.column {
                    assert_eq!(column, Some(c), "{}: column of '{message}'", case.file);
                }
                assert!(
                    message.contains(case.message),
                    "{}: '{message}' lacks '{}'",
                    case.file,
                    case.message
                );
                let first = message.chars().next().unwrap_or('x');
                assert!(
                    !first.is_uppercase(),
                    "{}: message starts lowercase: {message}",
                    case.file
                );
                let shown = Error::Model {
                    file: file.clone(),
                    line,
                    column,
                    message: message.clone(),
                }
                .to_string();
                assert!(
                    shown.starts_with(&format!("{}:{}:", file, case.line)),
                    "{shown}"
                );
            }
            other => panic!("{}: expected a model error, got {other:?}", case.file),
        }
    }
}

#[test]
fn a_typo_suggests_the_key() {
    let err = parse_model_toml(&with_line(13, r#"itmes = ["c1"]"#), "m.toml").expect_err("typo");
    assert!(err.to_string().ends_with("did you mean 'items'?"), "{err}");
}

#[test]
fn unreadable_and_non_utf8_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nope.toml");
    assert!(matches!(read_model(&missing), Err(Error::Io { .. })));
    let gbk = dir.path().join("gbk.toml");
    // "name = \"形象\"" in GBK
    std::fs::write(&gbk, b"name = \"\xd0\xce\xcf\xf3\"\n").expect("write");
    match read_model(&gbk) {
        Err(Error::Model {
            line: Some(1),
            column: Some(9),
            message,
            ..
        }) => assert!(message.contains("utf-8"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn shorthand_items_and_extension_keys() {
    let text = r#"
name = "X"
[[construct]]
name = "IMAG"
items = { prefix = "imag", range = [1, 5] }
[[construct]]
name = "SAT"
items = ["sat1"]
mode = "B"
[[path]]
from = "IMAG"
to = "SAT"
[item.imag2]
importance = "imp_imag2"
expectation = "exp_imag2"
reverse = true
[methods]
overall = "sat1"
[loyalty]
attitudinal = ["sat1"]
behavioural = "imag1"
"#;
    let m = parse_model_toml(text, "x.toml").expect("parses");
    assert_eq!(m.n_items(), 6);
    assert_eq!(m.items[4].name, "imag5");
    assert_eq!(m.constructs[1].mode, Mode::B);
    assert!(m.items[1].reverse);
    assert_eq!(
        m.extras.importance.get("imag2").map(String::as_str),
        Some("imp_imag2")
    );
    assert_eq!(
        m.extras.expectation_pairs,
        vec![("imag2".to_string(), "exp_imag2".to_string())]
    );
    assert_eq!(m.extras.behavioural, vec!["imag1"]);
    assert_eq!(
        parse_model_toml(&model_to_toml(&m), "y.toml").expect("round trip"),
        m
    );
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("name = \"M\"".to_string()),
        Just("[scale]\nmin = 1\nmax = 10".to_string()),
        Just("[[construct]]\nname = \"A\"\nitems = [\"a1\"]".to_string()),
        Just("[[construct]]\nname = \"B\"\nitems = { prefix = \"b\", range = [1, 3] }".to_string()),
        Just("[[path]]\nfrom = \"A\"\nto = [\"B\"]".to_string()),
        Just("[[path]]\nfrom = [\"B\", \"A\"]\nto = \"A\"".to_string()),
        Just("[item.a1]\nreverse = true".to_string()),
        Just("[item.b2]\nscale = { min = 0, max = 1e400 }".to_string()),
        Just("[methods]\noverall = \"\"".to_string()),
        Just("A =~ a1 + a2".to_string()),
        Just("B <~ b1 +".to_string()),
        Just("B ~ A; A ~ 2*B".to_string()),
        "[ -~]{0,20}".prop_map(|s| s),
        "\\PC{0,12}".prop_map(|s| s),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_model_toml(&text, "fuzz.toml");
        let _ = parse_lavaan(&text, "fuzz.lav");
    }

    #[test]
    fn arbitrary_strings_never_panic(text in "\\PC{0,300}") {
        let _ = parse_model_toml(&text, "fuzz.toml");
        let _ = parse_lavaan(&text, "fuzz.lav");
    }

    #[test]
    fn model_like_text_never_panics(parts in proptest::collection::vec(fragment(), 0..12)) {
        let text = parts.join("\n");
        for r in [parse_model_toml(&text, "f.toml"), parse_lavaan(&text, "f.lav")] {
            match r {
                Ok(m) => {
                    let again = parse_model_toml(&model_to_toml(&m), "again.toml");
                    prop_assert!(again.is_ok(), "{:?}", again.err());
                }
                Err(Error::Model { line, column, .. }) => {
                    prop_assert!(line.is_some() && column.is_some());
                }
                Err(e) => prop_assert!(false, "unexpected error kind: {e}"),
            }
        }
    }
}
