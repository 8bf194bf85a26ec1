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
    refused(&o, &["--json", "is a folder"]);
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
