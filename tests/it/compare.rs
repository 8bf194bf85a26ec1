//! `csi compare`: per-group fits, differences with bootstrap intervals and permutation
//! p values, the omnibus test, MICOM, sampling weights, determinism, and the CLI on
//! the bundled airline sample.
//!
//! Truth = the `csi::simulate` populations below: companies A and B share one
//! population; company C has a lower satisfaction (latent mean -0.8 sd) and a stronger
//! PRICE -> SAT path (0.55 instead of 0.25).

use csi::analysis::{analyze, FitOptions};
use csi::bootstrap::{self, BootstrapOptions};
use csi::compare::{compare, CompareOptions, Invariance, Target};
use csi::data::Survey;
use csi::report::compare as report;
use csi::simulate::{to_scale, Measurement, Population};
use csi::spec::{ConstructSpec, Model, Scale};
use csi::tol::EXACT;
use nalgebra::DMatrix;
use std::path::PathBuf;
use std::process::Command;

const SCALE: Scale = Scale {
    min: 1.0,
    max: 10.0,
};
const NAMES: [&str; 3] = ["青云航空", "海鸥航空", "长风航空"];
const SHARED: [(&str, &str, f64); 2] = [("QUAL", "SAT", 0.5), ("PRICE", "SAT", 0.25)];
const DIFFERENT: [(&str, &str, f64); 2] = [("QUAL", "SAT", 0.3), ("PRICE", "SAT", 0.55)];

fn model() -> Model {
    Model::from_parts(
        "bench",
        vec![
            ConstructSpec::new("QUAL", &["q1", "q2", "q3"]),
            ConstructSpec::new("PRICE", &["p1", "p2", "p3"]),
            ConstructSpec::new("SAT", &["s1", "s2", "s3"]),
        ],
        &[("QUAL", "SAT"), ("PRICE", "SAT")],
    )
    .unwrap()
    .with_scale(SCALE)
    .unwrap()
}

/// One company's answers on the 1-10 scale (also the companies of `versus.rs`).
pub(crate) fn company(
    m: &Model,
    paths: &[(&str, &str, f64)],
    sat_shift: f64,
    n: usize,
    seed: u64,
) -> DMatrix<f64> {
    let pop = Population::with_exo_cor(m, paths, Measurement::CommonFactor(0.8), 0.3).unwrap();
    let z = pop.draw_continuous(m, n, seed).unwrap();
    to_scale(
        m,
        &z,
        SCALE,
        6.5,
        1.5,
        &[0.0, 0.0, sat_shift],
        &pop.loadings,
    )
}

/// Stack companies into one survey with a `company` column.
fn survey(m: &Model, parts: &[(&str, DMatrix<f64>)]) -> Survey {
    let n: usize = parts.iter().map(|(_, x)| x.nrows()).sum();
    let p = m.n_items();
    let mut x = DMatrix::zeros(n, p);
    let mut col = Vec::with_capacity(n);
    let mut r = 0;
    for (name, xs) in parts {
        for i in 0..xs.nrows() {
            for k in 0..p {
                x[(r, k)] = xs[(i, k)];
            }
            col.push(Some(name.to_string()));
            r += 1;
        }
    }
    let mut s = Survey::from_matrix(m.items.iter().map(|i| i.name.clone()).collect(), x);
    s.extra.insert("company".into(), col);
    s
}

/// Three companies of `n`: the first two share a population, the third differs.
fn three(m: &Model, n: usize, seed: u64) -> Survey {
    survey(
        m,
        &[
            (NAMES[0], company(m, &SHARED, 0.0, n, seed)),
            (NAMES[1], company(m, &SHARED, 0.0, n, seed + 1)),
            (NAMES[2], company(m, &DIFFERENT, -0.8, n, seed + 2)),
        ],
    )
}

fn sat_index(m: &Model) -> Target {
    Target::Index(m.construct_index("SAT").unwrap())
}

#[test]
fn the_third_company_differs_and_the_report_says_so() {
    let m = model();
    let s = three(&m, 150, 11);
    let o = CompareOptions {
        permutations: 299,
        ..Default::default()
    };
    let c = compare(&m, &s, "company", None, &o).unwrap();
    assert_eq!(c.groups.len(), 3);
    assert!(c.excluded.is_empty() && c.missing_group.is_empty());
    let (a, b, cc) = (
        c.group(NAMES[0]).unwrap(),
        c.group(NAMES[1]).unwrap(),
        c.group(NAMES[2]).unwrap(),
    );
    let sat = sat_index(&m);
    for g in [a, b] {
        let d = c.difference(g, cc, sat).unwrap();
        assert!(
            d.difference > 5.0,
            "SAT {} - {}: {}",
            c.groups[g].name,
            c.groups[cc].name,
            d.difference
        );
        assert!(d.p < 0.01, "SAT difference p = {}", d.p);
        assert_eq!(d.permutations_ok, 299);
    }
    // the different path is found too
    let (qi, si) = (
        m.construct_index("PRICE").unwrap(),
        m.construct_index("SAT").unwrap(),
    );
    let d = c.difference(a, cc, Target::Path(qi, si)).unwrap();
    assert!(
        d.difference < 0.0 && d.p < 0.05,
        "PRICE->SAT difference {} p {}",
        d.difference,
        d.p
    );
    // omnibus: SAT differs across the three
    let om = c.omnibus.iter().find(|t| t.target == sat).unwrap();
    assert!(om.p < 0.01, "omnibus p {}", om.p);
    // Holm: adjusted >= unadjusted, and every difference has both
    assert_eq!(c.differences.len(), 3 * (3 + 2));
    for d in &c.differences {
        assert!(d.p_adjusted >= d.p - EXACT && d.p_adjusted <= 1.0);
    }
    // league: the third company is last on SAT
    let league = &c.league[si];
    assert_eq!(league.entries.last().unwrap().group, cc);
    assert_eq!(league.entries[0].rank, Some(1));
    // MICOM: the measurement is the same in every population, so SAT is compositionally
    // invariant; its mean differs between A and C (partial invariance)
    let mi = c.micom.iter().find(|x| x.a == a && x.b == cc).unwrap();
    let satm = &mi.constructs[si];
    assert_eq!(satm.compositional, Some(true));
    assert_eq!(satm.equal_means, Some(false));
    assert_eq!(satm.invariance, Invariance::Partial);
    assert!(mi.configural);
    // the report
    let text = report::to_text(&c);
    assert!(text.contains("League tables") && text.contains("长风航空") && text.contains("MICOM"));
    let doc = report::to_json(&c);
    assert_eq!(doc["schema"], "csi-compare/v1");
    assert_eq!(doc["differences"].as_array().unwrap().len(), 15);
    assert!(doc["differences"][0]["p_adjusted"].is_number());
}

/// False-positive rate of the SAT index test for two companies sharing a population.
/// 200 replications; about 1.5 s in the debug test profile, so it runs with the rest.
#[test]
fn shared_population_is_flagged_at_about_the_nominal_rate() {
    let m = model();
    let reps = 200;
    let o = CompareOptions {
        permutations: 199,
        ..Default::default()
    };
    let sat = sat_index(&m);
    let mut flagged = 0;
    let mut not_invariant = 0;
    let si = m.construct_index("SAT").unwrap();
    for r in 0..reps {
        let seed = 5000 + 2 * r as u64;
        let s = survey(
            &m,
            &[
                ("A", company(&m, &SHARED, 0.0, 100, seed)),
                ("B", company(&m, &SHARED, 0.0, 100, seed + 1)),
            ],
        );
        let c = compare(
            &m,
            &s,
            "company",
            None,
            &CompareOptions {
                seed: r as u64,
                ..o.clone()
            },
        )
        .unwrap();
        if c.difference(0, 1, sat).unwrap().p < 0.05 {
            flagged += 1;
        }
        if c.micom[0].constructs[si].compositional == Some(false) {
            not_invariant += 1;
        }
    }
    let rate = flagged as f64 / reps as f64;
    let micom_rate = not_invariant as f64 / reps as f64;
    eprintln!("false-positive rate of the SAT index test: {rate:.3} ({flagged}/{reps}); MICOM step 2: {micom_rate:.3}");
    assert!(rate <= 0.12, "false-positive rate {rate}");
    assert!(
        micom_rate <= 0.12,
        "MICOM step 2 false-positive rate {micom_rate}"
    );
}

#[test]
fn each_group_equals_a_fit_of_its_rows_alone() {
    let m = model();
    let mut s = three(&m, 60, 21);
    // some missing answers: mean replacement happens within each group
    for (i, k) in [(3, 0), (70, 4), (71, 4), (150, 8)] {
        s.x[(i, k)] = f64::NAN;
    }
    let boot = BootstrapOptions {
        resamples: 40,
        seed: 9,
        ..Default::default()
    };
    let o = CompareOptions {
        permutations: 0,
        bootstrap: Some(boot),
        ..Default::default()
    };
    let c = compare(&m, &s, "company", None, &o).unwrap();
    for g in &c.groups {
        let alone = analyze(
            &m,
            &s.filter_group("company", &g.name).unwrap(),
            &FitOptions::default(),
        )
        .unwrap();
        for j in 0..m.n_constructs() {
            let (x, y) = (g.index(j).unwrap(), alone.indices[j].value.unwrap());
            assert!((x - y).abs() < EXACT, "{} index {j}: {x} vs {y}", g.name);
        }
        for &(a, b) in &m.paths {
            assert!((g.analysis.fit.paths[(a, b)] - alone.fit.paths[(a, b)]).abs() < EXACT);
        }
        // the group's intervals are `csi fit --bootstrap` on its rows with the same seed
        let br =
            bootstrap::run(&m, &alone.data, &alone.options.pls, &alone.fit, &boot, None).unwrap();
        let key = csi::stat::Stat::Index(2);
        let (lo, hi) = g.interval(key);
        let st = br.stat(key).unwrap();
        assert!((lo - st.ci_low).abs() < EXACT && (hi - st.ci_high).abs() < EXACT);
    }
    // the difference interval pairs replicate r with r
    let d = c.difference(0, 2, sat_index(&m)).unwrap();
    assert!(d.ci_low < d.difference && d.difference < d.ci_high);
    assert!(
        d.p.is_nan() && d.p_adjusted.is_nan(),
        "no permutations asked for"
    );
}

#[test]
fn permutations_are_bit_identical_on_one_and_two_threads() {
    let m = model();
    let s = three(&m, 50, 31);
    let o = CompareOptions {
        permutations: 60,
        seed: 7,
        bootstrap: Some(BootstrapOptions {
            resamples: 30,
            seed: 7,
            ..Default::default()
        }),
        ..Default::default()
    };
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| compare(&m, &s, "company", None, &o).unwrap())
    };
    let (one, two) = (run(1), run(2));
    let ja = serde_json::to_string(&report::to_json(&one)).unwrap();
    let jb = serde_json::to_string(&report::to_json(&two)).unwrap();
    assert_eq!(ja, jb, "JSON differs between 1 and 2 threads");
    for (x, y) in one.differences.iter().zip(&two.differences) {
        assert_eq!(x.p.to_bits(), y.p.to_bits());
        assert_eq!(x.ci_low.to_bits(), y.ci_low.to_bits());
    }
    // another seed gives other permutations
    let other = compare(
        &m,
        &s,
        "company",
        None,
        &CompareOptions {
            seed: 8,
            ..o.clone()
        },
    )
    .unwrap();
    assert!(one
        .differences
        .iter()
        .zip(&other.differences)
        .any(|(x, y)| x.p != y.p));
}

#[test]
fn integer_weights_equal_duplicated_rows() {
    let m = model();
    let s = three(&m, 40, 41);
    let w: Vec<f64> = (0..s.n()).map(|i| (1 + i % 3) as f64).collect();
    let mut weighted = s.clone();
    weighted.weights = Some(w.clone());
    let idx: Vec<usize> = (0..s.n())
        .flat_map(|i| std::iter::repeat_n(i, w[i] as usize))
        .collect();
    let repeated = s.select_rows(&idx);
    let o = CompareOptions {
        permutations: 0,
        ..Default::default()
    };
    let cw = compare(&m, &weighted, "company", None, &o).unwrap();
    let cr = compare(&m, &repeated, "company", None, &o).unwrap();
    for (gw, gr) in cw.groups.iter().zip(&cr.groups) {
        assert_eq!(gw.name, gr.name);
        for j in 0..m.n_constructs() {
            let (a, b) = (gw.index(j).unwrap(), gr.index(j).unwrap());
            assert!(
                (a - b).abs() < EXACT,
                "{} index {j}: weighted {a}, repeated {b}",
                gw.name
            );
        }
    }
    // weights change the result (they are not ignored)
    let cu = compare(&m, &s, "company", None, &o).unwrap();
    assert!((cu.groups[0].index(2).unwrap() - cw.groups[0].index(2).unwrap()).abs() > 1e-6);
    // permutations carry each respondent's weight: constant weights change nothing
    let mut twice = s.clone();
    twice.weights = Some(vec![2.0; s.n()]);
    let o = CompareOptions {
        permutations: 40,
        ..Default::default()
    };
    let (c1, c2) = (
        compare(&m, &s, "company", None, &o).unwrap(),
        compare(&m, &twice, "company", None, &o).unwrap(),
    );
    for (x, y) in c1.differences.iter().zip(&c2.differences) {
        assert_eq!(x.p, y.p, "{}", x.name);
    }
}

#[test]
fn small_and_unlabelled_groups_are_reported_not_fitted() {
    let m = model();
    let mut s = survey(
        &m,
        &[
            ("A", company(&m, &SHARED, 0.0, 60, 1)),
            ("B", company(&m, &SHARED, 0.0, 60, 2)),
            ("tiny", company(&m, &SHARED, 0.0, 6, 3)),
        ],
    );
    if let Some(col) = s.extra.get_mut("company") {
        col[0] = None;
        col[1] = Some("   ".into());
        col[2] = Some(" A ".into()); // trimmed
    }
    let o = CompareOptions {
        permutations: 0,
        ..Default::default()
    };
    let c = compare(&m, &s, "company", None, &o).unwrap();
    assert_eq!(
        c.groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(),
        vec!["A", "B"]
    );
    assert_eq!(c.groups[0].n(), 58);
    assert_eq!(c.missing_group, vec![0, 1]);
    assert_eq!(c.excluded.len(), 1);
    assert_eq!(c.excluded[0].group, "tiny");
    assert!(
        c.excluded[0].reason.contains("needs at least 10"),
        "{}",
        c.excluded[0].reason
    );
    assert!(c.warnings.iter().any(|w| w.contains("'tiny'")));
    assert!(c
        .warnings
        .iter()
        .any(|w| w.contains("2 respondent(s) have no value")));
    // --groups restricts and orders
    let c = compare(&m, &s, "company", Some(vec!["B".into(), "A".into()]), &o).unwrap();
    assert_eq!(c.groups[0].name, "B");
    assert_eq!(c.differences[0].a, 0);
    // errors: unknown group, unknown column, a single group
    let e = compare(&m, &s, "company", Some(vec!["C".into()]), &o)
        .unwrap_err()
        .to_string();
    assert!(e.contains("invalid groups") && e.contains("'C'"), "{e}");
    let e = compare(&m, &s, "airline", None, &o)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("column 'airline'") && e.contains("company"),
        "{e}"
    );
    let e = compare(&m, &s, "company", Some(vec!["A".into(), "tiny".into()]), &o)
        .unwrap_err()
        .to_string();
    assert!(e.contains("at least two"), "{e}");
}

fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

#[test]
fn cli_on_the_airline_sample_gives_league_differences_and_a_chart() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("compare.json");
    let chart = dir.path().join("compare.svg");
    let ipma = dir.path().join("ipma.png");
    let out = Command::new(env!("CARGO_BIN_EXE_csi"))
        .args(["compare", "--model"])
        .arg(repo("models/airline.toml"))
        .arg("--data")
        .arg(repo("data/airline_sample.csv"))
        .args([
            "--group",
            "airline",
            "--bootstrap",
            "100",
            "--permutations",
            "100",
            "--json",
        ])
        .arg(&json)
        .arg("--chart")
        .arg(&chart)
        .arg("--ipma-chart")
        .arg(&ipma)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}\n{stderr}", out.status);
    assert!(
        stdout.contains("League tables")
            && stdout.contains("Index differences")
            && stdout.contains("MICOM"),
        "{stdout}"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(doc["schema"], "csi-compare/v1");
    assert_eq!(doc["group_column"], "airline");
    let groups: Vec<&str> = doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(groups.len(), 3);
    for n in NAMES {
        assert!(groups.contains(&n));
    }
    // 3 pairs x (10 indices + 9 paths)
    assert_eq!(doc["differences"].as_array().unwrap().len(), 57);
    assert_eq!(doc["league"].as_array().unwrap().len(), 10);
    assert_eq!(doc["micom"].as_array().unwrap().len(), 3);
    // 长风航空 is the weakest on satisfaction in the population behind the sample
    let sat = doc["league"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["construct"] == "SAT")
        .unwrap();
    assert_eq!(sat["entries"][2]["group"], "长风航空");
    assert!(sat["entries"][0]["ci_low"].is_number());
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.contains("<svg") && svg.contains("长风航空"));
    let png = std::fs::read(&ipma).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "IPMA panels are a PNG");
}

#[test]
fn cli_reports_a_missing_group_column_with_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_csi"))
        .args(["compare", "--model"])
        .arg(repo("models/airline.toml"))
        .arg("--data")
        .arg(repo("data/airline_sample.csv"))
        .args(["--group", "carrier", "--permutations", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("airline_sample.csv") && e.contains("column 'carrier'"),
        "{e}"
    );
}

#[test]
fn cli_weight_column_applies_to_every_group() {
    let text = std::fs::read_to_string(repo("data/airline_sample.csv")).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let w = if i == 0 {
            "w".to_string()
        } else {
            (1 + i % 3).to_string()
        };
        out.push_str(&format!("{line},{w}\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("weighted.csv");
    std::fs::write(&data, out).unwrap();
    let run = |weight: bool| -> serde_json::Value {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_csi"));
        cmd.args(["compare", "--model"])
            .arg(repo("models/airline.toml"))
            .arg("--data")
            .arg(&data);
        cmd.args(["--group", "airline", "--permutations", "0", "--json", "-"]);
        if weight {
            cmd.args(["--weight", "w"]);
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let (plain, weighted) = (run(false), run(true));
    assert_eq!(plain["settings"]["weighted"], false);
    assert_eq!(weighted["settings"]["weighted"], true);
    for g in 0..3 {
        let a = plain["groups"][g]["constructs"][8]["index"]
            .as_f64()
            .unwrap();
        let b = weighted["groups"][g]["constructs"][8]["index"]
            .as_f64()
            .unwrap();
        assert!(
            (a - b).abs() > 1e-6,
            "group {g}: weights ignored ({a} vs {b})"
        );
    }
}
