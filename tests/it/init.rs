//! `csi init` (issue 17): on the bundled samples (CSV, and the SPSS file when the `sav`
//! feature is on) it proposes the constructs of the name stems, or the template's
//! constructs and paths, and `csi validate` accepts what it writes.
//!
//! Expected constructs are the name stems of the sample files' columns (written by
//! `examples/sample_data.rs` from models/ccsi.toml and models/airline.toml), and the
//! templates' own constructs and paths (read from models/*.toml).

use csi::spec::read_model;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn csi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_csi"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run csi: {e}"))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Run `csi init`, then `csi validate` on the model it wrote; returns the model and
/// what init printed.
fn init_and_validate(data: &Path, extra: &[&str]) -> (csi::spec::Model, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("proposed.toml");
    let mut args = vec!["init", "--data", s(data), "--model-out", s(&out)];
    args.extend_from_slice(extra);
    let o = csi(&args);
    assert_eq!(o.status.code(), Some(0), "init: {}", text(&o.stderr));
    let printed = text(&o.stdout);
    let v = csi(&["validate", "--model", s(&out), "--data", s(data)]);
    assert_eq!(
        v.status.code(),
        Some(0),
        "validate on what init wrote: {}\n{}\nmodel:\n{}",
        text(&v.stderr),
        text(&v.stdout),
        std::fs::read_to_string(&out).unwrap_or_default()
    );
    let m = read_model(&out).expect("proposed model reads back");
    (m, printed)
}

fn names(m: &csi::spec::Model) -> Vec<String> {
    m.constructs.iter().map(|c| c.name.clone()).collect()
}

fn items_of(m: &csi::spec::Model, c: &str) -> Vec<String> {
    let j = m
        .construct_index(c)
        .unwrap_or_else(|| panic!("no construct {c}"));
    m.constructs[j]
        .items
        .iter()
        .map(|&k| m.items[k].name.clone())
        .collect()
}

fn sorted_paths(m: &csi::spec::Model) -> Vec<(String, String)> {
    let mut p = m.path_names();
    p.sort();
    p
}

#[test]
fn init_on_the_ccsi_sample_groups_by_name_stem() {
    let (m, printed) = init_and_validate(&repo("data/ccsi_sample.csv"), &[]);
    assert_eq!(names(&m), ["IMAG", "EXPE", "QUAL", "VAL", "SAT", "LOY"]);
    assert_eq!(items_of(&m, "VAL"), ["val1", "val2", "val3", "val4"]);
    assert_eq!(m.n_items(), 27);
    let sc = m.scale.expect("scale");
    assert_eq!((sc.min, sc.max), (1.0, 10.0));
    assert_eq!(m.missing_codes, ["无法回答"]);
    // guessed paths: every driver -> SAT -> LOY
    assert!(m.path_names().contains(&("IMAG".into(), "SAT".into())));
    assert!(m.path_names().contains(&("SAT".into(), "LOY".into())));
    assert!(printed.contains("id: "), "{printed}");
    assert!(printed.contains("gender: "), "{printed}");
    assert!(printed.contains("--template ccsi"), "{printed}");
}

#[test]
fn init_with_the_ccsi_template_keeps_its_paths_and_labels() {
    let (m, printed) = init_and_validate(&repo("data/ccsi_sample.csv"), &["--template", "ccsi"]);
    let t = read_model(&repo("models/ccsi.toml")).expect("ccsi");
    assert_eq!(names(&m), names(&t));
    assert_eq!(sorted_paths(&m), sorted_paths(&t));
    assert_eq!(m.constructs[0].label, t.constructs[0].label);
    assert!(printed.contains("template: ccsi"), "{printed}");
}

#[test]
fn init_on_the_airline_sample_groups_by_name_stem() {
    let (m, _) = init_and_validate(&repo("data/airline_sample.csv"), &[]);
    assert_eq!(
        names(&m),
        ["IMAGE", "CREW", "CABIN", "FOOD", "ENT", "SAFETY", "PUNCT", "PRICE", "SAT", "LOY"]
    );
    assert_eq!(items_of(&m, "CABIN").len(), 8);
    let mut want: Vec<(String, String)> = [
        "IMAGE", "CREW", "CABIN", "FOOD", "ENT", "SAFETY", "PUNCT", "PRICE",
    ]
    .iter()
    .map(|c| (c.to_string(), "SAT".to_string()))
    .collect();
    want.push(("SAT".into(), "LOY".into()));
    want.sort();
    assert_eq!(sorted_paths(&m), want);
}

#[cfg(feature = "sav")]
#[test]
fn init_on_the_airline_sav_uses_its_labels_and_user_missing() {
    let sav = repo("data/airline_sample.sav");
    let (m, printed) = init_and_validate(&sav, &[]);
    assert_eq!(
        names(&m),
        ["IMAGE", "CREW", "CABIN", "FOOD", "ENT", "SAFETY", "PUNCT", "PRICE", "SAT", "LOY"]
    );
    assert_eq!(m.missing_codes, ["99"]);
    assert!(printed.contains("SPSS user-missing value 99"), "{printed}");
    assert!(
        printed.contains("SPSS value labels 1 (非常不满意"),
        "{printed}"
    );
    // the variable labels (question wording) become the items' labels
    let k = m.item_index("crew2").expect("crew2");
    assert_eq!(m.item_label(k), "精神面貌 (Crew appearance and morale)");
    // with the airline template the stem 'ent' maps to ENTERTAIN, and the paths are its own
    let (m, _) = init_and_validate(&sav, &["--template", "airline"]);
    let t = read_model(&repo("models/airline.toml")).expect("airline");
    assert_eq!(names(&m), names(&t));
    assert_eq!(
        items_of(&m, "ENTERTAIN"),
        ["ent1", "ent2", "ent3", "ent4", "ent5"]
    );
    assert_eq!(sorted_paths(&m), sorted_paths(&t));
}

/// Simulated answers for models/scsb.toml under other column names (`expect`, `perv`,
/// `complain`),
/// written as CSV: the template maps them by name stem and keeps Fornell's paths.
#[test]
fn init_with_the_scsb_template_maps_stems_to_its_constructs() {
    use csi::simulate::{to_scale, Measurement, Population};
    let t = read_model(&repo("models/scsb.toml")).expect("scsb");
    let paths = [
        ("EXPE", "PERF", 0.5),
        ("EXPE", "SAT", 0.3),
        ("PERF", "SAT", 0.5),
        ("SAT", "VOICE", -0.4),
        ("SAT", "LOY", 0.5),
        ("VOICE", "LOY", -0.2),
    ];
    let pop = Population::new(&t, &paths, Measurement::CommonFactor(0.8)).expect("population");
    let z = pop.draw_continuous(&t, 120, 7).expect("draw");
    let scale = t.scale.expect("scale");
    let x = to_scale(&t, &z, scale, 7.0, 1.6, &[], &vec![0.8; t.n_items()]);
    let rename = |n: &str| {
        n.replace("perf", "perv")
            .replace("voice", "complain")
            .replace("expe", "expect")
    };
    let mut csv: Vec<String> = t.items.iter().map(|i| rename(&i.name)).collect();
    csv.insert(0, "id".into());
    let mut body = csv.join(",") + "\n";
    for i in 0..x.nrows() {
        let mut row = vec![format!("{}", i + 1)];
        row.extend((0..x.ncols()).map(|k| format!("{}", x[(i, k)])));
        body.push_str(&row.join(","));
        body.push('\n');
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("scsb.csv");
    std::fs::write(&data, body).expect("write");
    let (m, printed) = init_and_validate(&data, &["--template", "scsb", "--scale", "1,10"]);
    assert_eq!(names(&m), names(&t), "{printed}");
    assert_eq!(items_of(&m, "VOICE"), ["complain1", "complain2"]);
    assert_eq!(items_of(&m, "PERF"), ["perv1", "perv2"]);
    assert_eq!(sorted_paths(&m), sorted_paths(&t));
}

#[test]
fn init_refuses_what_it_cannot_turn_into_a_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    // every item shares one stem: one construct, no path
    let mut body = String::from("q1,q2,q3,q4\n");
    for i in 0..20 {
        body.push_str(&format!(
            "{},{},{},{}\n",
            i % 5 + 1,
            (i + 1) % 5 + 1,
            (i + 2) % 5 + 1,
            (i + 3) % 5 + 1
        ));
    }
    let data = dir.path().join("one.csv");
    std::fs::write(&data, body).expect("write");
    let o = csi(&["init", "--data", s(&data)]);
    let e = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(e.contains("one.csv") && e.contains("Q (4 items)"), "{e}");
    // an unknown template, and an existing output without --force
    let o = csi(&[
        "init",
        "--data",
        s(&repo("data/ccsi_sample.csv")),
        "--template",
        "nope",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("--template"),
        "{}",
        text(&o.stderr)
    );
    let o = csi(&[
        "init",
        "--data",
        s(&repo("data/ccsi_sample.csv")),
        "--model-out",
        s(&data),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--force"), "{}", text(&o.stderr));
    // without --model-out the model goes to stdout and parses
    let o = csi(&["init", "--data", s(&repo("data/ccsi_sample.csv"))]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let m = csi::spec::toml_file::parse_model_toml(&text(&o.stdout), "stdout").expect("toml");
    assert_eq!(m.n_constructs(), 6);
}
