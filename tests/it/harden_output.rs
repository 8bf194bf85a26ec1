//! Issue 10 (hardening), output side: output paths, control characters in what csi
//! writes, large models, warnings in JSON. Each test failed on the code before its fix.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn repo(p: &str) -> PathBuf {
    Path::new(ROOT).join(p)
}

fn csi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_csi"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run csi: {e}"))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scratch folder with copies of the sample data and model (inputs a test may
/// try to overwrite; the repository's files are never at risk).
fn scratch() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let data = dir.path().join("data.csv");
    let model = dir.path().join("model.toml");
    std::fs::copy(repo("data/ccsi_sample.csv"), &data).unwrap_or_else(|e| panic!("copy: {e}"));
    std::fs::copy(repo("models/ccsi.toml"), &model).unwrap_or_else(|e| panic!("copy: {e}"));
    (dir, data, model)
}

fn bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

/// Exit 2 naming the flag, no panic, nothing on stdout.
#[track_caller]
fn refused(o: &Output, needles: &[&str]) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "expected exit 2, stderr: {e}");
    assert!(!e.contains("panicked"), "{e}");
    assert!(
        o.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    for n in needles {
        assert!(e.contains(n), "{n:?} not in {e}");
    }
}

/// Item 4: `--json` (or a chart) naming the data or the model file overwrote it and
/// exited 0. Every spelling of an input is refused, and the input is unchanged.
#[test]
fn item4_an_output_that_is_an_input_is_refused() {
    let (dir, data, model) = scratch();
    let (d0, m0) = (bytes(&data), bytes(&model));
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap_or_else(|e| panic!("mkdir: {e}"));
    let dotted = sub.join("..").join("data.csv");
    // a chart must be named .svg or .png: a link with that name to an input
    let svg = dir.path().join("link.svg");
    let png = dir.path().join("link.png");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&data, &svg).unwrap_or_else(|e| panic!("link: {e}"));
        std::os::unix::fs::symlink(&model, &png).unwrap_or_else(|e| panic!("link: {e}"));
    }
    #[cfg(not(unix))]
    crate::common::skip(
        "item4_an_output_that_is_an_input_is_refused (charts)",
        "symbolic links are made on Unix only",
    );
    let (d, m) = (s(&data), s(&model));
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["fit", "-m", m, "-d", d, "--json", d], "--json"),
        (vec!["fit", "-m", m, "-d", d, "--json", m], "--json"),
        (
            vec!["fit", "-m", m, "-d", d, "--json", s(&dotted)],
            "--json",
        ),
        (vec!["validate", "-m", m, "-d", d, "--json", m], "--json"),
        (
            vec![
                "ipma",
                "-m",
                m,
                "-d",
                d,
                "--target",
                "SAT",
                "--chart",
                s(&svg),
            ],
            "--chart",
        ),
        (
            vec![
                "ipma",
                "-m",
                m,
                "-d",
                d,
                "--target",
                "SAT",
                "--path-chart",
                s(&png),
            ],
            "--path-chart",
        ),
        (
            vec![
                "ipma",
                "-m",
                m,
                "-d",
                d,
                "--target",
                "SAT",
                "--index-chart",
                s(&svg),
            ],
            "--index-chart",
        ),
        (
            vec![
                "compare",
                "-m",
                m,
                "-d",
                d,
                "--group",
                "gender",
                "--chart",
                s(&png),
            ],
            "--chart",
        ),
        (vec!["predict", "-m", m, "-d", d, "--json", d], "--json"),
        (vec!["methods", "-m", m, "-d", d, "--json", d], "--json"),
        (vec!["report", "-m", m, "-d", d, "--out", d], "--out"),
        (
            vec!["init", "-d", d, "--model-out", d, "--force"],
            "--model-out",
        ),
    ];
    for (args, flag) in cases {
        if !cfg!(unix)
            && args
                .iter()
                .any(|a| a.ends_with("link.svg") || a.ends_with("link.png"))
        {
            continue;
        }
        let o = csi(&args);
        refused(&o, &[flag, "input"]);
        assert_eq!(bytes(&data), d0, "{args:?} changed the data");
        assert_eq!(bytes(&model), m0, "{args:?} changed the model");
    }
}

/// Item 4: the output folder is checked before any work: an unwritable `--json` was
/// reported only after the fit (and after a 10 s bootstrap). With data that cannot be
/// read as well, the output is named first, so the data were never read.
#[test]
fn item4_an_unwritable_output_is_reported_before_the_work() {
    let (dir, _data, model) = scratch();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "imag1\nnot a number\n").unwrap_or_else(|e| panic!("write: {e}"));
    let nowhere = dir.path().join("no such folder").join("out.json");
    let o = csi(&["fit", "-m", s(&model), "-d", s(&bad), "--json", s(&nowhere)]);
    refused(&o, &["--json", "does not exist"]);
    let o = csi(&[
        "fit",
        "-m",
        s(&model),
        "-d",
        s(&bad),
        "--json",
        s(dir.path()),
    ]);
    refused(&o, &["--json", "is a directory"]);
    let a = dir.path().join("a.svg");
    let o = csi(&[
        "ipma",
        "-m",
        s(&model),
        "-d",
        s(&bad),
        "--target",
        "SAT",
        "--chart",
        s(&a),
        "--path-chart",
        s(&a),
    ]);
    refused(&o, &["--path-chart", "also the file of --chart"]);
    assert!(!a.exists(), "the check left a file behind");
}

/// A character no terminal should receive raw: C0 controls other than line feed and
/// tab, DEL, C1 controls, bidirectional formatting characters, line separators.
fn raw_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

/// The sample model and data with hostile text: a construct name with ESC, a label
/// that clears the screen, sets the window title and reverses the text, an item
/// (column) name with BEL and markup, and group names with colour codes, U+202E and
/// NUL.
pub(crate) fn hostile(dir: &Path) -> (PathBuf, PathBuf) {
    let toml = std::fs::read_to_string(repo("models/ccsi.toml")).unwrap_or_else(|e| panic!("{e}"));
    let toml = toml
        .replace(
            "label = \"形象 (Image)\"",
            "label = \"形象\\u001b[2J\\u001b]0;pwned\\u0007\\u202eevil<&>\\\"'\"",
        )
        .replace("\"IMAG\"", "\"IM\\u001bAG\"")
        .replace("\"imag1\", \"imag2\"", "\"imag1\\u0007<x>\", \"imag2\"")
        .replace("[item.imag1]", "[item.\"imag1\\u0007<x>\"]");
    let model = dir.join("hostile.toml");
    std::fs::write(&model, toml).unwrap_or_else(|e| panic!("{e}"));
    let csv =
        std::fs::read_to_string(repo("data/ccsi_sample.csv")).unwrap_or_else(|e| panic!("{e}"));
    let mut out = String::new();
    for (i, line) in csv.lines().enumerate() {
        let cells: Vec<String> = line
            .split(',')
            .map(|c| match (i, c) {
                (0, "imag1") => "\"imag1\u{7}<x>\"".to_string(),
                (_, "男") => "\"男\u{1b}[31m<g&>\"".to_string(),
                (_, "女") => "\"女\u{202e}\u{0}\"".to_string(),
                (_, c) => c.to_string(),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    let data = dir.join("hostile.csv");
    std::fs::write(&data, out).unwrap_or_else(|e| panic!("{e}"));
    (model, data)
}

#[track_caller]
fn no_raw_control(what: &str, text: &str) {
    if let Some((i, line)) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.chars().any(raw_control))
    {
        panic!("{what}: raw control character on line {}: {line:?}", i + 1);
    }
}

#[track_caller]
fn well_formed_svg(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if let Err(e) = roxmltree::Document::parse(&text) {
        panic!("{} is not well-formed XML: {e}", path.display());
    }
    no_raw_control(&path.display().to_string(), &text);
}

/// Item 7: control characters from cells, column names, labels and group names
/// reached the terminal raw (ESC sequences set the window title and clear the
/// screen) and made every SVG chart malformed XML.
#[test]
fn item7_hostile_names_reach_no_terminal_and_no_chart_raw() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let (model, data) = hostile(dir.path());
    let (m, d) = (s(&model), s(&data));
    let out = |f: &str| dir.path().join(f);
    let (i, p, x, c, ci, h, j) = (
        out("i.svg"),
        out("p.svg"),
        out("x.svg"),
        out("c.svg"),
        out("ci.svg"),
        out("r.html"),
        out("fit.json"),
    );
    let runs: Vec<Vec<&str>> = vec![
        vec!["validate", "-m", m, "-d", d],
        vec![
            "fit",
            "-m",
            m,
            "-d",
            d,
            "--bootstrap",
            "5",
            "--seed",
            "1",
            "--json",
            s(&j),
        ],
        vec![
            "ipma",
            "-m",
            m,
            "-d",
            d,
            "--target",
            "SAT",
            "--chart",
            s(&i),
            "--path-chart",
            s(&p),
            "--index-chart",
            s(&x),
        ],
        vec![
            "compare",
            "-m",
            m,
            "-d",
            d,
            "--group",
            "gender",
            "--permutations",
            "9",
            "--chart",
            s(&c),
            "--ipma-chart",
            s(&ci),
        ],
        vec!["methods", "-m", m, "-d", d],
        vec![
            "program",
            "-m",
            m,
            "-d",
            d,
            "--company",
            "gender",
            "--min-n",
            "10",
        ],
        vec!["report", "-m", m, "-d", d, "--out", s(&h)],
    ];
    for args in runs {
        let o = csi(&args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        no_raw_control(
            &format!("{} stdout", args[0]),
            &String::from_utf8_lossy(&o.stdout),
        );
        no_raw_control(&format!("{} stderr", args[0]), &stderr(&o));
    }
    // the escapes are visible where the names are shown
    let o = csi(&["fit", "-m", m, "-d", d]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("IM\\u{1B}AG") && text.contains("\\u{202E}evil"),
        "{text}"
    );
    for svg in [&i, &p, &x, &c, &ci] {
        well_formed_svg(svg);
    }
    let html = std::fs::read_to_string(&h).unwrap_or_else(|e| panic!("{e}"));
    no_raw_control("report html", &html);
    // the JSON keeps the names as they are (escaped the JSON way)
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&j).unwrap_or_else(|e| panic!("{e}")))
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc["constructs"][0]["name"], "IM\u{1b}AG");
}

/// A chain of `q` single-item constructs C0 -> C1 -> ... (lavaan syntax) and `n`
/// respondents of a random walk on a 1-7 scale (neighbouring items correlate).
fn chain(dir: &Path, q: usize, n: usize, multi: bool) -> (PathBuf, PathBuf) {
    let mut lav = String::new();
    let mut header = Vec::new();
    for i in 0..q {
        if multi && i < 2 {
            lav.push_str(&format!("C{i} =~ x{i} + y{i}\n"));
            header.push(format!("x{i}"));
            header.push(format!("y{i}"));
        } else {
            lav.push_str(&format!("C{i} =~ x{i}\n"));
            header.push(format!("x{i}"));
        }
    }
    for i in 1..q {
        lav.push_str(&format!("C{i} ~ C{}\n", i - 1));
    }
    let mut csv = header.join(",") + "\n";
    let mut state = 12345u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % 4
    };
    for _ in 0..n {
        let mut v = 4i64;
        let mut row = Vec::new();
        for _ in &header {
            let step = next();
            v = (v + [-1, 0, 0, 1][step as usize]).clamp(1, 7);
            row.push(v.to_string());
        }
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    let model = dir.join(format!("chain{q}.lav"));
    let data = dir.join(format!("chain{q}.csv"));
    std::fs::write(&model, lav).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&data, csv).unwrap_or_else(|e| panic!("{e}"));
    (model, data)
}

/// The fit document of a chain of `q` constructs (C0 and C1 with two items) and 60
/// respondents.
fn fit_chain(dir: &Path, q: usize) -> serde_json::Value {
    let (m, d) = chain(dir, q, 60, true);
    let o = csi(&[
        "fit",
        "-m",
        s(&m),
        "-d",
        s(&d),
        "--scale",
        "1,7",
        "--json",
        "-",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("json: {e}"))
}

/// Item 11: HTMT is reported only for pairs of multi-item blocks (a chain of 1,000
/// single items gave 499,500 meaningless HTMT entries); effects only where a
/// directed path connects two constructs.
#[test]
fn item11_htmt_only_for_two_multi_item_blocks() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let doc = fit_chain(dir.path(), 30);
    let htmt = doc["htmt"].as_array().cloned().unwrap_or_default();
    assert_eq!(htmt.len(), 1, "one pair of two-item blocks: {htmt:?}");
    assert_eq!(
        (htmt[0]["a"].as_str(), htmt[0]["b"].as_str()),
        (Some("C0"), Some("C1"))
    );
    // a chain of 30: every construct reaches every later one, 30 * 29 / 2 effects
    let effects = doc["effects"].as_array().map(Vec::len);
    assert_eq!(effects, Some(435));
}

/// Item 11: above `FULL_DISCRIMINANT_MAX_CONSTRUCTS` (64) constructs, Fornell-Larcker
/// and the cross-loadings keep the multi-item constructs (a chain of 2,000 single items
/// wrote 4 million of them); at 30 constructs every construct is shown. Expected
/// counts from the chain's shape: 70 constructs, C0 and C1 with two items each.
#[test]
fn item11_discriminant_tables_of_a_large_model_keep_multi_item_constructs() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let fit = |q: usize| fit_chain(dir.path(), q);
    const _: () = assert!(70 > csi::limits::FULL_DISCRIMINANT_MAX_CONSTRUCTS);
    let big = fit(70);
    let fl = &big["fornell_larcker"];
    assert_eq!(fl["constructs"], serde_json::json!(["C0", "C1"]));
    assert_eq!(fl["matrix"].as_array().map(Vec::len), Some(2));
    assert_eq!(fl["restricted"], serde_json::json!(true));
    let cl = big["cross_loadings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(cl.len(), 72, "every item keeps its row");
    let x5 = cl
        .iter()
        .find(|r| r["item"] == "x5")
        .cloned()
        .unwrap_or_default();
    let mut keys: Vec<String> = x5["loadings"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    assert_eq!(
        keys,
        ["C0", "C1", "C5"],
        "its own construct and the multi-item ones"
    );
    let small = fit(30);
    assert_eq!(
        small["fornell_larcker"]["constructs"]
            .as_array()
            .map(Vec::len),
        Some(30)
    );
    assert!(small["fornell_larcker"].get("restricted").is_none());
    let row = &small["cross_loadings"][0]["loadings"];
    assert_eq!(row.as_object().map(|o| o.len()), Some(30));
}

/// Item 11: a model too large for the memory is refused up front (exit 2) instead of
/// ending in an allocation failure: 2,000 single-item constructs in a chain with
/// 1,000 resamples keep about 4 million statistics per resample (64 GB).
#[test]
fn item11_a_model_too_large_for_the_memory_is_refused_up_front() {
    let Some(avail) = csi::limits::available() else {
        crate::common::skip(
            "item11_a_model_too_large_for_the_memory_is_refused_up_front",
            "the available memory cannot be read on this system",
        );
        return;
    };
    if avail > 60 << 30 {
        crate::common::skip(
            "item11_a_model_too_large_for_the_memory_is_refused_up_front",
            "this machine has more than 60 GB available",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let (m, d) = chain(dir.path(), 2000, 60, false);
    let o = csi(&[
        "fit",
        "-m",
        s(&m),
        "-d",
        s(&d),
        "--scale",
        "1,7",
        "--bootstrap",
        "1000",
        "--json",
        s(&dir.path().join("out.json")),
    ]);
    refused(
        &o,
        &[
            "--model",
            "too large for the memory",
            "2000 constructs",
            "1000 resamples",
        ],
    );
}

/// Item 11: total effects of a large model are summed in topological order (the
/// series of matrix powers took minutes for a chain of 1,000); they equal
/// `(I - B)^-1 - I` (an independent computation by matrix inversion).
#[test]
fn item11_total_effects_of_a_large_model_equal_the_inverse() {
    let q = 120;
    let mut b = nalgebra::DMatrix::<f64>::zeros(q, q);
    let mut state = 7u64;
    for i in 0..q {
        for j in (i + 1)..q.min(i + 4) {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            b[(i, j)] = ((state >> 40) as f64 / (1u64 << 24) as f64) * 0.8 - 0.3;
        }
    }
    assert!(q > csi::estimate::TOTAL_EFFECTS_SERIES_MAX);
    let t = csi::estimate::total_effects(&b);
    let eye = nalgebra::DMatrix::<f64>::identity(q, q);
    let inv = (&eye - &b)
        .try_inverse()
        .unwrap_or_else(|| panic!("I - B is singular"));
    let want = inv - eye;
    let err = (&t - &want).abs().max();
    assert!(err < 1e-10, "largest difference {err}");
}

/// Item 12: `--target` refused a construct's label (`满意度`) that the output itself
/// shows; either part of a bilingual label `满意度 (Satisfaction)` names it.
#[test]
fn item12_target_accepts_a_part_of_the_label() {
    let (m, d) = (repo("models/airline.toml"), repo("data/airline_sample.csv"));
    for t in ["满意度", "satisfaction", "SAT"] {
        let o = csi(&[
            "ipma",
            "-m",
            s(&m),
            "-d",
            s(&d),
            "--target",
            t,
            "--json",
            "-",
        ]);
        assert_eq!(o.status.code(), Some(0), "{t}: {}", stderr(&o));
        let doc: serde_json::Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("json: {e}"));
        assert_eq!(doc["target"], "SAT", "{t}");
    }
    let o = csi(&["ipma", "-m", s(&m), "-d", s(&d), "--target", "满意"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// Item 12: the JSON `warnings` was empty while stderr carried the straight-lining
/// warning: every warning printed by `csi fit` is listed in the document too.
#[test]
fn item12_fit_json_warnings_carry_every_stderr_warning() {
    let (dir, data, model) = scratch();
    let text = std::fs::read_to_string(&data).unwrap_or_else(|e| panic!("{e}"));
    // rows 2-4 answer 5 to every item (columns 4 on are items)
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if (1..=3).contains(&i) {
            let cells: Vec<&str> = line.split(',').collect();
            let mut row: Vec<String> = cells.iter().take(3).map(|c| c.to_string()).collect();
            row.extend(std::iter::repeat_n("5".to_string(), cells.len() - 3));
            out.push_str(&row.join(","));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    let sl = dir.path().join("straight.csv");
    std::fs::write(&sl, out).unwrap_or_else(|e| panic!("{e}"));
    let o = csi(&["fit", "-m", s(&model), "-d", s(&sl), "--json", "-"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("json: {e}"));
    let listed: Vec<&str> = doc["warnings"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let printed: Vec<String> = stderr(&o)
        .lines()
        .filter_map(|l| l.strip_prefix("warning: ").map(str::to_string))
        .collect();
    assert!(
        printed.iter().any(|w| w.contains("straight-lining")),
        "{printed:?}"
    );
    for w in &printed {
        assert!(
            listed.contains(&w.as_str()),
            "{w:?} printed but not in {listed:?}"
        );
    }
    for w in &listed {
        assert!(
            printed.iter().any(|p| p == w),
            "{w:?} listed but not printed"
        );
    }
}

mod property {
    //! Done-when of issue 10: arbitrary flag values and names with control characters
    //! through fit, ipma and compare (the binary): never a panic or an abort, never a
    //! raw control character on the terminal, every SVG well-formed XML.
    use super::*;
    use proptest::prelude::*;

    fn name_strategy() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just('\u{1b}'),
                Just('\u{7}'),
                Just('\u{0}'),
                Just('\u{9b}'),
                Just('\u{202e}'),
                Just('\u{2066}'),
                Just('<'),
                Just('&'),
                Just('"'),
                Just('满'),
                proptest::char::range('a', 'z'),
            ],
            1..12,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    fn count_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            8 => (0u64..6).prop_map(|v| v.to_string()),
            1 => Just(u64::MAX.to_string()),
            1 => Just("4294967296".to_string()),
            1 => Just("-1".to_string()),
            1 => Just("1e3".to_string()),
        ]
    }

    fn float_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            8 => (1e-9f64..0.99).prop_map(|v| format!("{v}")),
            2 => (-1.0f64..2.0).prop_map(|v| format!("{v}")),
            1 => Just("NaN".to_string()),
            1 => Just("inf".to_string()),
            1 => Just("1e-300".to_string()),
            1 => Just("0".to_string()),
        ]
    }

    /// The sample's first 80 respondents, the IMAG construct renamed and relabelled,
    /// the gender column holding two hostile group names.
    fn inputs(dir: &Path, name: &str, label: &str, group: &str) -> (PathBuf, PathBuf) {
        let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let toml = std::fs::read_to_string(repo("models/ccsi.toml"))
            .unwrap_or_else(|e| panic!("{e}"))
            .replace("label = \"形象 (Image)\"", &format!("label = {}", q(label)))
            .replace("\"IMAG\"", &q(name));
        let model = dir.join("m.toml");
        std::fs::write(&model, toml).unwrap_or_else(|e| panic!("{e}"));
        let csv =
            std::fs::read_to_string(repo("data/ccsi_sample.csv")).unwrap_or_else(|e| panic!("{e}"));
        let quoted = format!("\"{}\"", group.replace('"', "\"\""));
        let mut out = String::new();
        for line in csv.lines().take(81) {
            out.push_str(&line.replace(",男,", &format!(",{quoted},")));
            out.push('\n');
        }
        let data = dir.join("d.csv");
        std::fs::write(&data, out).unwrap_or_else(|e| panic!("{e}"));
        (model, data)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn arbitrary_flags_and_hostile_names_never_panic_or_leak_controls(
            name in name_strategy(),
            label in name_strategy(),
            group in name_strategy(),
            boot in count_strategy(),
            seed in any::<u64>(),
            tol in float_strategy(),
            max_iter in count_strategy(),
            level in float_strategy(),
            perms in count_strategy(),
        ) {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
            let (m, d) = inputs(dir.path(), &name, &label, &group);
            let (m, d) = (s(&m).to_string(), s(&d).to_string());
            let svg = |f: &str| dir.path().join(f).display().to_string();
            let seed = seed.to_string();
            let common = |cmd: &str| -> Vec<String> {
                [cmd, "-m", &m, "-d", &d, "--bootstrap", &boot, "--seed", &seed, "--tol", &tol,
                 "--max-iter", &max_iter]
                    .iter().map(|x| x.to_string()).collect()
            };
            let mut runs: Vec<Vec<String>> = Vec::new();
            runs.push(common("fit"));
            let mut ipma = common("ipma");
            ipma.extend(["--target", "SAT", "--confidence", &level, "--chart", &svg("i.svg"),
                "--path-chart", &svg("p.svg")].iter().map(|x| x.to_string()));
            runs.push(ipma);
            let mut cmp = common("compare");
            cmp.extend(["--group", "gender", "--permutations", &perms, "--chart", &svg("c.svg")]
                .iter().map(|x| x.to_string()));
            runs.push(cmp);
            for args in runs {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let o = csi(&args);
                let e = stderr(&o);
                prop_assert!(matches!(o.status.code(), Some(0..=2)), "{args:?}: {:?} {e}", o.status);
                prop_assert!(!e.contains("panicked"), "{args:?}: {e}");
                if std::env::var_os("CSI_PROPERTY_TRACE").is_some() {
                    eprintln!("{} exit {:?}: {}", args[0], o.status.code(), e.lines().last().unwrap_or(""));
                }
                no_raw_control("stdout", &String::from_utf8_lossy(&o.stdout));
                no_raw_control("stderr", &e);
            }
            for f in ["i.svg", "p.svg", "c.svg"] {
                let p = dir.path().join(f);
                if p.exists() {
                    well_formed_svg(&p);
                }
            }
        }
    }
}
