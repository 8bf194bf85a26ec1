//! Issue 10 ("every warning belongs in both stderr and the JSON"): `csi ipma`,
//! `csi methods`, `csi predict`, `csi compare` and `csi program` list in their
//! document's `warnings` every warning they print, as `csi fit` does
//! (harden_output.rs, item 12).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn csi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_csi"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run csi: {e}"))
}

/// The sample data with rows 2-4 answering 5 to every item (a data warning,
/// straight-lining, printed while reading) and its missing cells (a warning of the
/// analysis, mean replacement).
fn straight_lined(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(repo("data/ccsi_sample.csv"))
        .unwrap_or_else(|e| panic!("read sample: {e}"));
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if (1..=3).contains(&i) {
            // columns 4 on are items
            let cells: Vec<&str> = line.split(',').collect();
            let mut row: Vec<String> = cells.iter().take(3).map(|c| c.to_string()).collect();
            row.extend(std::iter::repeat_n("5".to_string(), cells.len() - 3));
            out.push_str(&row.join(","));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    let p = dir.join("straight.csv");
    std::fs::write(&p, out).unwrap_or_else(|e| panic!("write: {e}"));
    p
}

/// The warnings the straight-lined sample gives: straight-lining (data) and mean
/// replacement (analysis).
const SAMPLE_WARNINGS: [&str; 2] = ["straight-lining", "replaced by the item mean"];

/// Runs a command with `--json -` and checks that the printed warnings (after
/// `warning: `) and the document's `warnings` are the same set, and that the
/// printed ones contain each of `needles`.
#[track_caller]
fn printed_equals_listed(args: &[&str], needles: &[&str]) {
    let o = csi(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
    let doc: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("json: {e}"));
    let listed: Vec<&str> = doc["warnings"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let printed: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix("warning: "))
        .collect();
    for needle in needles {
        assert!(
            printed.iter().any(|w| w.contains(needle)),
            "{args:?}: no {needle:?} in {printed:?}"
        );
    }
    for w in &printed {
        assert!(
            listed.contains(w),
            "{args:?}: {w:?} printed but not in {listed:?}"
        );
    }
    for w in &listed {
        assert!(
            printed.contains(w),
            "{args:?}: {w:?} listed but not printed"
        );
    }
}

#[test]
fn ipma_methods_predict_compare_json_list_every_printed_warning() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let data = straight_lined(dir.path());
    let model = repo("models/ccsi.toml");
    let (m, d) = (
        model.to_str().unwrap_or_default(),
        data.to_str().unwrap_or_default(),
    );
    let w = &SAMPLE_WARNINGS;
    printed_equals_listed(
        &["ipma", "-m", m, "-d", d, "--target", "SAT", "--json", "-"],
        w,
    );
    printed_equals_listed(&["methods", "-m", m, "-d", d, "--json", "-"], w);
    printed_equals_listed(
        &["predict", "-m", m, "-d", d, "--folds", "5", "--json", "-"],
        w,
    );
    printed_equals_listed(
        &[
            "compare", "-m", m, "-d", d, "--group", "gender", "--json", "-",
        ],
        w,
    );
}

#[test]
fn program_json_lists_every_printed_warning() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let sim = dir.path().join("sim");
    let model = repo("models/ccsi.toml");
    let m = model.to_str().unwrap_or_default();
    let o = csi(&[
        "simulate",
        "--model",
        m,
        "--out",
        sim.to_str().unwrap_or_default(),
        "--companies",
        "4",
        "--industries",
        "2",
        "--sectors",
        "1",
        "--waves",
        "2",
        "--n",
        "60",
        "--seed",
        "3",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let data = sim.join("data.csv");
    // without --bootstrap the programme warns that it has no intervals
    printed_equals_listed(
        &[
            "program",
            "--model",
            m,
            "--data",
            data.to_str().unwrap_or_default(),
            "--company",
            "company",
            "--wave",
            "wave",
            "--json",
            "-",
        ],
        &["without --bootstrap"],
    );
}
