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
    assert!(o.stdout.is_empty(), "stdout: {}", String::from_utf8_lossy(&o.stdout));
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
        (vec!["fit", "-m", m, "-d", d, "--json", s(&dotted)], "--json"),
        (vec!["validate", "-m", m, "-d", d, "--json", m], "--json"),
        (
            vec!["ipma", "-m", m, "-d", d, "--target", "SAT", "--chart", s(&svg)],
            "--chart",
        ),
        (
            vec!["ipma", "-m", m, "-d", d, "--target", "SAT", "--path-chart", s(&png)],
            "--path-chart",
        ),
        (
            vec!["ipma", "-m", m, "-d", d, "--target", "SAT", "--index-chart", s(&svg)],
            "--index-chart",
        ),
        (
            vec!["compare", "-m", m, "-d", d, "--group", "gender", "--chart", s(&png)],
            "--chart",
        ),
        (vec!["predict", "-m", m, "-d", d, "--json", d], "--json"),
        (vec!["methods", "-m", m, "-d", d, "--json", d], "--json"),
        (vec!["report", "-m", m, "-d", d, "--out", d], "--out"),
        (vec!["init", "-d", d, "--model-out", d, "--force"], "--model-out"),
    ];
    for (args, flag) in cases {
        if !cfg!(unix) && args.iter().any(|a| a.ends_with("link.svg") || a.ends_with("link.png")) {
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
    let o = csi(&["fit", "-m", s(&model), "-d", s(&bad), "--json", s(dir.path())]);
    refused(&o, &["--json", "is a folder"]);
    let a = dir.path().join("a.svg");
    let o = csi(&[
        "ipma", "-m", s(&model), "-d", s(&bad), "--target", "SAT", "--chart", s(&a),
        "--path-chart", s(&a),
    ]);
    refused(&o, &["--path-chart", "also the file of --chart"]);
    assert!(!a.exists(), "the check left a file behind");
}
