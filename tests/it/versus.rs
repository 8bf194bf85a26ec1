//! `csi compare --versus pooled|rest|GROUP` and `--adjust holm|bh|none`: one
//! comparison per group and statistic instead of every pair, family-wise error control
//! on groups from one population, detection of a planted difference, stars that
//! follow the adjusted p, MICOM verdicts with multiplicity control, determinism, and
//! the CLI.
//!
//! Truth = the `csi::simulate` populations below: every "shared" company is drawn from
//! one population; company "C" has a lower satisfaction (latent mean -0.8 sd) and a
//! stronger PRICE -> SAT path (0.55 instead of 0.25).

use csi::adjust::Adjust;
use csi::bootstrap::BootstrapOptions;
use csi::compare::{compare, permutations_for, Against, CompareOptions, Target, Versus};
use csi::data::Survey;
use csi::report::chart::render_svg;
use csi::report::compare as report;
use csi::report::compare_chart::CompetitorChart;
use csi::spec::{ConstructSpec, Model, Scale};
use csi::tol::EXACT;
use nalgebra::DMatrix;
use std::path::PathBuf;
use std::process::Command;

use crate::compare::company;

const SCALE: Scale = Scale {
    min: 1.0,
    max: 10.0,
};
const SHARED: [(&str, &str, f64); 2] = [("QUAL", "SAT", 0.5), ("PRICE", "SAT", 0.25)];
const DIFFERENT: [(&str, &str, f64); 2] = [("QUAL", "SAT", 0.3), ("PRICE", "SAT", 0.55)];

fn model() -> Model {
    Model::from_parts(
        "versus",
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

/// Statistics compared per group: 3 indices and 2 paths.
const TARGETS: usize = 5;

/// `k` shared companies (S1, S2, ...) and, with `planted`, company C.
fn companies(m: &Model, k: usize, planted: bool, n: usize, seed: u64) -> Survey {
    let mut parts: Vec<(String, DMatrix<f64>)> = (0..k)
        .map(|g| {
            (
                format!("S{}", g + 1),
                company(m, &SHARED, 0.0, n, seed + g as u64),
            )
        })
        .collect();
    if planted {
        parts.push(("C".into(), company(m, &DIFFERENT, -0.8, n, seed + 1000)));
    }
    let rows: usize = parts.iter().map(|(_, x)| x.nrows()).sum();
    let p = m.n_items();
    let mut x = DMatrix::zeros(rows, p);
    let mut col = Vec::with_capacity(rows);
    let mut r = 0;
    for (name, xs) in &parts {
        for i in 0..xs.nrows() {
            for k in 0..p {
                x[(r, k)] = xs[(i, k)];
            }
            col.push(Some(name.clone()));
            r += 1;
        }
    }
    let mut s = Survey::from_matrix(m.items.iter().map(|i| i.name.clone()).collect(), x);
    s.extra.insert("company".into(), col);
    s
}

fn sat(m: &Model) -> Target {
    Target::Index(m.construct_index("SAT").unwrap())
}

fn boot(resamples: usize) -> Option<BootstrapOptions> {
    Some(BootstrapOptions {
        resamples,
        seed: 3,
        ..Default::default()
    })
}

#[test]
fn versus_gives_one_comparison_per_group_not_per_pair() {
    let m = model();
    let s = companies(&m, 4, true, 60, 100); // 5 groups
    let base = CompareOptions {
        permutations: 19,
        bootstrap: boot(20),
        omnibus: false,
        ..Default::default()
    };
    let run = |versus: Versus| {
        compare(
            &m,
            &s,
            "company",
            None,
            &CompareOptions {
                versus,
                ..base.clone()
            },
        )
        .unwrap()
    };
    // all pairs: k (k - 1) / 2 = 10 per statistic
    assert_eq!(run(Versus::Pairs).differences.len(), 10 * TARGETS);
    for (versus, b, k) in [
        (Versus::Pooled, "(pooled)", 5),
        (Versus::Rest, "(rest)", 5),
        (Versus::Group("S2".into()), "S2", 4),
    ] {
        let c = run(versus.clone());
        assert_eq!(
            c.differences.len(),
            k * TARGETS,
            "{versus:?}: one difference per group and statistic"
        );
        assert_eq!(c.micom.len(), k, "{versus:?}: one MICOM per comparison");
        let doc = report::to_json(&c);
        assert_eq!(doc["versus"], versus.as_str());
        for d in doc["differences"].as_array().unwrap() {
            assert_eq!(d["b"], b, "{versus:?}");
            assert!(d["p"].is_number() && d["p_adjusted"].is_number());
            // the contract's keys stay
            for key in ["a", "kind", "name", "difference", "ci_low", "ci_high"] {
                assert!(d.get(key).is_some(), "{key}");
            }
        }
        assert!(doc["micom"].as_array().unwrap().iter().all(|x| x["b"] == b));
        // each group appears once as `a` per statistic, the reference never
        for g in 0..c.groups.len() {
            let n = c
                .differences
                .iter()
                .filter(|d| d.a == g && d.target == sat(&m))
                .count();
            let want = usize::from(!matches!(&versus, Versus::Group(r) if *r == c.groups[g].name));
            assert_eq!(n, want, "{versus:?} group {}", c.groups[g].name);
        }
        // the difference is the group's statistic minus the reference's
        let d = &c.differences[0];
        let reference = match d.b {
            Against::Pooled => c.pooled.index(0).unwrap(),
            Against::Group(r) => c.groups[r].index(0).unwrap(),
            Against::Rest => {
                let rest: Vec<String> = c
                    .groups
                    .iter()
                    .filter(|g| g.name != c.groups[d.a].name)
                    .map(|g| g.name.clone())
                    .collect();
                let sub = compare(
                    &m,
                    &s,
                    "company",
                    Some(rest),
                    &CompareOptions {
                        permutations: 0,
                        bootstrap: None,
                        ..Default::default()
                    },
                )
                .unwrap();
                sub.pooled.index(0).unwrap()
            }
        };
        assert!(
            (d.difference - (c.groups[d.a].index(0).unwrap() - reference)).abs() < EXACT,
            "{versus:?}"
        );
        assert!(d.ci_low <= d.difference && d.difference <= d.ci_high);
    }
}

#[test]
fn a_planted_difference_is_detected_against_every_reference() {
    let m = model();
    let s = companies(&m, 2, true, 150, 11);
    let si = m.construct_index("SAT").unwrap();
    let pi = m.construct_index("PRICE").unwrap();
    for versus in [Versus::Pooled, Versus::Rest, Versus::Group("S1".into())] {
        let o = CompareOptions {
            // 3 comparisons x 5 statistics = 15 tests: Holm's floor 15 / 400 < 0.05
            permutations: 399,
            bootstrap: boot(100),
            versus: versus.clone(),
            omnibus: false,
            ..Default::default()
        };
        assert!(o.permutations >= permutations_for(15, 0.05));
        let c = compare(&m, &s, "company", None, &o).unwrap();
        let planted = c.group("C").unwrap();
        let d = c
            .differences
            .iter()
            .find(|d| d.a == planted && d.target == sat(&m))
            .unwrap();
        // truth: C's SAT latent mean is 0.8 sd lower
        assert!(d.difference < -3.0, "{versus:?}: SAT {}", d.difference);
        assert!(
            d.p_adjusted < 0.05,
            "{versus:?}: p_adjusted {}",
            d.p_adjusted
        );
        assert!(
            d.ci_high < 0.0,
            "{versus:?}: interval [{}, {}]",
            d.ci_low,
            d.ci_high
        );
        // the stronger PRICE -> SAT path too
        let path = c
            .differences
            .iter()
            .find(|d| d.a == planted && d.target == Target::Path(pi, si))
            .unwrap();
        assert!(
            path.difference > 0.0 && path.p < 0.05,
            "{versus:?}: {path:?}"
        );
        // a shared company's SAT does not differ from S1 (truth: same population)
        if let Versus::Group(_) = versus {
            let s2 = c.group("S2").unwrap();
            let d = c.versus(s2, Against::Group(0), sat(&m)).unwrap();
            assert!(d.p_adjusted >= 0.05, "S2 - S1 p_adjusted {}", d.p_adjusted);
        }
    }
}

/// Family-wise error rate of `--versus pooled` with Holm on groups from one
/// population: 60 replications of 4 companies x 5 statistics = 20 tests each (1,200
/// tests). Holm keeps the share of replications with any p_adjusted < 0.05 at or
/// below 5% (allowed: 7/60, P(X > 7) = 0.05 for X ~ Bin(60, 0.05)); unadjusted, about
/// 5% of the single tests are below 0.05 and most replications have one.
#[test]
fn holm_keeps_the_family_wise_rate_on_one_population() {
    let m = model();
    let reps = 60;
    let mut any_adjusted = 0;
    let mut any_raw = 0;
    let mut raw = 0;
    let mut tests = 0;
    for r in 0..reps {
        let s = companies(&m, 4, false, 60, 20_000 + 10 * r as u64);
        let o = CompareOptions {
            permutations: 499, // Holm's floor 20 / 500 = 0.04
            seed: r as u64,
            versus: Versus::Pooled,
            omnibus: false,
            ..Default::default()
        };
        let c = compare(&m, &s, "company", None, &o).unwrap();
        assert_eq!(c.differences.len(), 4 * TARGETS);
        tests += c.differences.len();
        raw += c.differences.iter().filter(|d| d.p < 0.05).count();
        any_raw += usize::from(c.differences.iter().any(|d| d.p < 0.05));
        any_adjusted += usize::from(c.differences.iter().any(|d| d.p_adjusted < 0.05));
    }
    let fwer = any_adjusted as f64 / reps as f64;
    let per_test = raw as f64 / tests as f64;
    eprintln!(
        "versus pooled, one population: Holm family-wise {any_adjusted}/{reps} = {fwer:.3}; unadjusted: {raw}/{tests} = {per_test:.3} of tests, {any_raw}/{reps} replications with one"
    );
    assert!(any_adjusted <= 7, "Holm family-wise {any_adjusted}/{reps}");
    assert!(
        (0.02..=0.09).contains(&per_test),
        "unadjusted per-test rate {per_test}"
    );
    assert!(any_raw > any_adjusted, "the adjustment must matter");
}

/// Bar value labels with stars (`61.3 **`) in a competitor chart's SVG.
fn starred_bars(svg: &str) -> usize {
    svg.lines()
        .map(str::trim)
        .filter(|l| {
            l.split_once(' ').is_some_and(|(v, st)| {
                v.parse::<f64>().is_ok() && !st.is_empty() && st.chars().all(|c| c == '*')
            })
        })
        .count()
}

#[test]
fn stars_follow_the_adjusted_p() {
    let m = model();
    let s = companies(&m, 2, true, 150, 11);
    // 99 permutations: C's SAT differences have p = 0.01 < 0.05, but Holm across the
    // 15 pair differences gives 0.15
    let o = CompareOptions {
        permutations: 99,
        omnibus: false,
        ..Default::default()
    };
    let c = compare(&m, &s, "company", None, &o).unwrap();
    let text = report::to_text(&c);
    let rows: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("Index differences"))
        .skip(3)
        .take_while(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(rows.len(), 3 * 3, "{text}");
    let mut unstarred = 0;
    for d in c.differences.iter().filter(|d| d.target.kind() == "index") {
        let row = rows
            .iter()
            .find(|r| {
                let f: Vec<&str> = r.split_whitespace().collect();
                f[0] == c.groups[d.a].name && f[1] == c.against_name(d.b) && f[2] == d.name
            })
            .unwrap();
        let last = row.split_whitespace().last().unwrap();
        let starred = last.starts_with('*');
        assert_eq!(starred, d.p_adjusted < 0.05, "{row}");
        if d.p < 0.05 && d.p_adjusted >= 0.05 {
            unstarred += 1;
        }
    }
    assert!(
        unstarred > 0,
        "a row with p < 0.05 and p_adjusted >= 0.05 must exist\n{text}"
    );
    // the chart: no gap to the leader is significant after adjustment
    let svg = render_svg(&CompetitorChart::new(&c, 2)).unwrap();
    assert_eq!(starred_bars(&svg), 0, "unadjusted stars in the chart");
    assert!(svg.contains("Holm-adjusted"));

    // against the pooled sample with enough permutations C's SAT is starred, in the
    // text and in the chart
    let c = compare(
        &m,
        &s,
        "company",
        None,
        &CompareOptions {
            permutations: 999,
            versus: Versus::Pooled,
            ..o
        },
    )
    .unwrap();
    let planted = c.group("C").unwrap();
    let d = c.versus(planted, Against::Pooled, sat(&m)).unwrap();
    // 999 permutations: p = 0.001, Holm across 3 x 5 = 15 tests: 0.015
    assert!(d.p_adjusted < 0.05, "{d:?}");
    let text = report::to_text(&c);
    assert!(
        text.lines()
            .any(|l| l.starts_with("C ") && l.contains(" SAT ") && l.trim_end().ends_with('*')),
        "{text}"
    );
    let svg = render_svg(&CompetitorChart::new(&c, 2)).unwrap();
    assert!(svg.contains("pooled sample"));
    let want = (0..c.groups.len())
        .filter(|&g| c.versus(g, Against::Pooled, sat(&m)).unwrap().p_adjusted < 0.05)
        .count();
    assert!(want >= 1);
    assert_eq!(starred_bars(&svg), want);

    // Benjamini-Hochberg: never above Holm, and named in the document
    let bh = compare(
        &m,
        &s,
        "company",
        None,
        &CompareOptions {
            permutations: 99,
            adjust: Adjust::Bh,
            ..Default::default()
        },
    )
    .unwrap();
    let holm = compare(
        &m,
        &s,
        "company",
        None,
        &CompareOptions {
            permutations: 99,
            ..Default::default()
        },
    )
    .unwrap();
    for (x, y) in bh.differences.iter().zip(&holm.differences) {
        assert_eq!(x.p.to_bits(), y.p.to_bits());
        assert!(x.p_adjusted <= y.p_adjusted + EXACT);
    }
    assert_eq!(report::to_json(&bh)["adjustment"], "bh");
}

#[test]
fn the_holm_warning_is_capped_and_recommends_a_reachable_count() {
    let m = model();
    let s = companies(&m, 4, false, 40, 7);
    let c = compare(
        &m,
        &s,
        "company",
        None,
        &CompareOptions {
            permutations: 19,
            omnibus: false,
            ..Default::default()
        },
    )
    .unwrap();
    // 6 pairs x 5 statistics = 30 tests, 19 permutations: 30 / 20 = 1.5, capped at 1
    let w = c
        .warnings
        .iter()
        .find(|w| w.contains("Holm-adjusted"))
        .expect("a Holm warning");
    assert!(w.contains("is 1.000"), "{w}");
    // by hand: 30 / 0.05 = 600 permutations give 30 / 601 < 0.05
    assert_eq!(permutations_for(30, 0.05), 600);
    assert!(w.contains("--permutations 600 "), "{w}");
    assert!(w.contains("--versus"), "{w}");
    // more than the maximum: the advice changes
    assert!(permutations_for(10_000, 0.05) > csi::bootstrap::MAX_RESAMPLES);
}

#[test]
fn versus_is_bit_identical_on_one_and_two_threads() {
    let m = model();
    let s = companies(&m, 3, true, 50, 31);
    for versus in [Versus::Pooled, Versus::Rest] {
        let o = CompareOptions {
            permutations: 40,
            seed: 7,
            bootstrap: boot(30),
            versus,
            ..Default::default()
        };
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| compare(&m, &s, "company", None, &o).unwrap())
        };
        let ja = serde_json::to_string(&report::to_json(&run(1))).unwrap();
        let jb = serde_json::to_string(&report::to_json(&run(2))).unwrap();
        assert_eq!(ja, jb, "JSON differs between 1 and 2 threads");
    }
}

/// Against the pooled sample the replicates pair: group g's replicate r is part of
/// the pool's replicate r, so `theta*_g - theta*_pooled` moves less than `theta*_g`
/// alone (two equal groups: sd(theta_g - theta_pooled) is about 0.71 sd(theta_g); an
/// unpaired pooled resample would give about 1.22 sd(theta_g)).
#[test]
fn the_pooled_bootstrap_resamples_within_groups_and_pairs_replicates() {
    let m = model();
    let s = companies(&m, 2, false, 150, 5);
    let c = compare(
        &m,
        &s,
        "company",
        None,
        &CompareOptions {
            permutations: 0,
            bootstrap: boot(200),
            versus: Versus::Pooled,
            ..Default::default()
        },
    )
    .unwrap();
    let doc = report::to_json(&c);
    assert_eq!(doc["bootstrap"]["pooled_resampling"], "within groups");
    for g in 0..2 {
        let d = c.versus(g, Against::Pooled, sat(&m)).unwrap();
        let (glo, ghi) = c.groups[g].interval(sat(&m).stat());
        assert!(
            d.ci_high - d.ci_low < ghi - glo,
            "difference interval [{}, {}] vs the group's [{glo}, {ghi}]",
            d.ci_low,
            d.ci_high
        );
        assert_eq!(d.boot_ok, 200);
    }
}

fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// The bundled airline sample: 青云航空 and 海鸥航空 are drawn from one population
/// (data/airline_sample.population.toml: the same paths, no latent shifts).
/// Unadjusted, MICOM step 2 told them not to compare FOOD and ENTERTAIN (issue 12);
/// adjusted across constructs and pairs, every index may be compared.
#[test]
fn cli_micom_says_the_same_population_airlines_are_comparable() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("c.json");
    let out = Command::new(env!("CARGO_BIN_EXE_csi"))
        .args(["compare", "--model"])
        .arg(repo("models/airline.toml"))
        .arg("--data")
        .arg(repo("data/airline_sample.csv"))
        .args(["--group", "airline", "--no-omnibus", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(doc["adjustment"], "holm");
    let pair = doc["micom"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["a"] == "青云航空" && x["b"] == "海鸥航空")
        .unwrap();
    let cs = pair["constructs"].as_array().unwrap();
    assert!(cs.iter().all(|x| x["compositional"] == true), "{pair:#}");
    // unadjusted, some construct's step-2 p is below 0.05 (the old false alarm)
    assert!(
        cs.iter().any(|x| x["c_p"].as_f64().unwrap() < 0.05),
        "the sample no longer shows the unadjusted false alarm"
    );
    for x in cs {
        assert!(x["c_p_adjusted"].as_f64().unwrap() >= x["c_p"].as_f64().unwrap() - EXACT);
        assert_ne!(x["invariance"], "none");
    }
    assert!(doc["micom_adjustment"]["note"]
        .as_str()
        .unwrap()
        .contains("Holm"));

    // the text verdict
    let out = Command::new(env!("CARGO_BIN_EXE_csi"))
        .args(["compare", "--model"])
        .arg(repo("models/airline.toml"))
        .arg("--data")
        .arg(repo("data/airline_sample.csv"))
        .args([
            "--group",
            "airline",
            "--no-omnibus",
            "--permutations",
            "200",
            "--versus",
            "海鸥航空",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("- 青云航空 vs 海鸥航空: 10 full, 0 partial, 0 no invariance: every index may be compared"),
        "{text}"
    );
    assert!(text.contains("MICOM verdicts adjusted (Holm)"), "{text}");
}

#[test]
fn cli_unknown_reference_group_is_exit_2_naming_column_and_value() {
    let out = Command::new(env!("CARGO_BIN_EXE_csi"))
        .args(["compare", "--model"])
        .arg(repo("models/airline.toml"))
        .arg("--data")
        .arg(repo("data/airline_sample.csv"))
        .args([
            "--group",
            "airline",
            "--versus",
            "白云航空",
            "--permutations",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("白云航空") && err.contains("'airline'") && err.contains("airline_sample.csv"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
