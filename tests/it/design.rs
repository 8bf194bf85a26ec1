//! Survey design (issue 15): stratified and cluster bootstrap standard errors against
//! the spread across independently simulated surveys (simulation truth), determinism
//! of the design draws on 1 and N threads, sampling weights (scale, checks, minimum n),
//! EM against mean replacement, raking, speeders and straight-liners.

use csi::analysis::{analyze, FitOptions};
use csi::bootstrap::ResampleData;
use csi::data::{MissingPolicy, Survey};
use csi::design::{Design, ResampleScheme};
use csi::estimate::pls::{self, PlsSettings};
use csi::estimate::Estimator;
use csi::spec::{ConstructSpec, Model, Scale};
use nalgebra::DMatrix;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

const SCALE: Scale = Scale {
    min: 1.0,
    max: 10.0,
};

fn model() -> Model {
    Model::from_parts(
        "qs",
        vec![
            ConstructSpec::new("QUAL", &["q1", "q2", "q3"]),
            ConstructSpec::new("SAT", &["s1", "s2", "s3"]),
        ],
        &[("QUAL", "SAT")],
    )
    .unwrap()
    .with_scale(SCALE)
    .unwrap()
}

fn names(m: &Model) -> Vec<String> {
    m.items.iter().map(|i| i.name.clone()).collect()
}

/// A simulated survey: `strata` strata with latent shifts `shift[h]` (in sd units),
/// `clusters` clusters per stratum of `m` respondents, and a cluster effect with
/// intra-cluster correlation `icc` shared by every item of a respondent's cluster.
/// Items: QUAL -> SAT = 0.6, loadings 0.8 (the population of csi::simulate), answers
/// round(6 + 1.5 * z) on 1..10.
struct DesignSim {
    shift: Vec<f64>,
    clusters: usize,
    m: usize,
    icc: f64,
}

impl DesignSim {
    fn draw(&self, model: &Model, seed: u64) -> Survey {
        use csi::simulate::{Measurement, Population};
        let pop = Population::new(
            model,
            &[("QUAL", "SAT", 0.6)],
            Measurement::CommonFactor(0.8),
        )
        .unwrap();
        let h = self.shift.len();
        let n = h * self.clusters * self.m;
        let z = pop.draw_continuous(model, n, seed).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
        let u: Vec<f64> = (0..h * self.clusters)
            .map(|_| StandardNormal.sample(&mut rng))
            .collect();
        let (a, b) = ((1.0 - self.icc).sqrt(), self.icc.sqrt());
        let x = DMatrix::from_fn(n, model.n_items(), |i, k| {
            let c = i / self.m;
            let s = c / self.clusters;
            (6.0 + 1.5 * (a * z[(i, k)] + b * u[c] + self.shift[s]))
                .round()
                .clamp(1.0, 10.0)
        });
        let mut sv = Survey::from_matrix(names(model), x);
        sv.extra.insert(
            "region".into(),
            (0..n)
                .map(|i| Some(format!("r{}", i / (self.m * self.clusters))))
                .collect(),
        );
        // cluster labels restart in every stratum (nested, as field teams number them)
        sv.extra.insert(
            "branch".into(),
            (0..n)
                .map(|i| Some(format!("b{}", (i / self.m) % self.clusters)))
                .collect(),
        );
        sv
    }
}

/// The SAT index of a fit.
fn sat_index(model: &Model, fit: &pls::PlsFit) -> f64 {
    csi::index::indices(model, fit)[1].value.unwrap_or(f64::NAN)
}

/// Bootstrap replicates of the SAT index under a resampling scheme (PLS from the
/// replicate's moments, warm-started like the executor does).
fn replicates(
    model: &Model,
    a: &csi::analysis::Analysis,
    scheme: &dyn ResampleScheme,
    b: usize,
    seed: u64,
) -> Vec<f64> {
    let prep = ResampleData::new(&a.data);
    let settings = PlsSettings::default();
    (0..b)
        .into_par_iter()
        .map_init(
            || (prep.scratch(), vec![0u32; prep.n()]),
            |(scratch, counts), r| {
                scheme.draw(seed, r, counts);
                let m = prep.moments(counts, scratch);
                match settings.fit(model, &m, Some(&a.fit)) {
                    Ok(f) => sat_index(model, &f),
                    Err(_) => f64::NAN,
                }
            },
        )
        .collect()
}

fn sd(v: &[f64]) -> f64 {
    let v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// (truth, design bootstrap SE, simple bootstrap SE) averaged over `k` surveys.
fn se_study(sim: &DesignSim, strata: bool, clusters: bool) -> (f64, f64, f64) {
    let model = model();
    // truth: the spread of the index across 300 independent surveys of this design
    let truth: Vec<f64> = (0..300u64)
        .into_par_iter()
        .map(|s| {
            let sv = sim.draw(&model, 10_000 + s);
            let a = analyze(&model, &sv, &FitOptions::default()).unwrap();
            a.indices[1].value.unwrap()
        })
        .collect();
    let truth = sd(&truth);
    let k = 8;
    let (mut design_se, mut simple_se) = (0.0, 0.0);
    for s in 0..k {
        let sv = sim.draw(&model, 500 + s);
        let a = analyze(&model, &sv, &FitOptions::default()).unwrap();
        let d = Design::from_survey(
            &sv,
            strata.then_some("region"),
            clusters.then_some("branch"),
        )
        .unwrap()
        .select(&a.data.kept);
        design_se += sd(&replicates(&model, &a, &d, 300, 7)) / k as f64;
        simple_se += sd(&replicates(&model, &a, &Design::simple(sv.n()), 300, 7)) / k as f64;
    }
    (truth, design_se, simple_se)
}

#[test]
fn stratified_bootstrap_se_matches_the_spread_across_surveys() {
    // four strata of 150 respondents with strongly different satisfaction levels
    let sim = DesignSim {
        shift: vec![-1.0, -0.3, 0.3, 1.0],
        clusters: 150,
        m: 1,
        icc: 0.0,
    };
    let (truth, strat, simple) = se_study(&sim, true, false);
    eprintln!(
        "stratified design: sd across surveys {truth:.4}, stratified bootstrap se {strat:.4} (ratio {:.3}), simple bootstrap se {simple:.4} (ratio {:.3})",
        strat / truth,
        simple / truth
    );
    assert!(
        (strat / truth - 1.0).abs() < 0.2,
        "stratified bootstrap se / truth = {:.3}",
        strat / truth
    );
    // the simple bootstrap counts the (fixed) differences between strata as sampling
    // variance and overstates the se
    assert!(
        simple > strat * 1.1,
        "simple {simple:.4} vs stratified {strat:.4}"
    );
}

#[test]
fn cluster_bootstrap_se_matches_the_spread_and_simple_is_too_small() {
    // two strata x 20 branches x 12 respondents; intra-cluster correlation 0.3
    let sim = DesignSim {
        shift: vec![-0.2, 0.2],
        clusters: 20,
        m: 12,
        icc: 0.3,
    };
    let (truth, clus, simple) = se_study(&sim, true, true);
    eprintln!(
        "clustered design: sd across surveys {truth:.4}, strata+cluster bootstrap se {clus:.4} (ratio {:.3}), simple bootstrap se {simple:.4} (ratio {:.3})",
        clus / truth,
        simple / truth
    );
    assert!(
        (clus / truth - 1.0).abs() < 0.2,
        "cluster bootstrap se / truth = {:.3}",
        clus / truth
    );
    assert!(
        simple / truth < 0.7,
        "simple bootstrap se / truth = {:.3} should be clearly below 1",
        simple / truth
    );
}

#[test]
fn design_replicates_are_bit_identical_on_one_and_two_threads() {
    let model = model();
    let sim = DesignSim {
        shift: vec![-0.5, 0.0, 0.5],
        clusters: 10,
        m: 8,
        icc: 0.2,
    };
    let mut sv = sim.draw(&model, 3);
    sv.weights = Some((0..sv.n()).map(|i| 0.5 + (i % 5) as f64 * 0.3).collect());
    let a = analyze(&model, &sv, &FitOptions::default()).unwrap();
    let d = Design::from_survey(&sv, Some("region"), Some("branch")).unwrap();
    let run = |threads: usize| -> Vec<u64> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| replicates(&model, &a, &d, 200, 11))
            .iter()
            .map(|v| v.to_bits())
            .collect()
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(one, two);
    assert!(one.iter().all(|b| f64::from_bits(*b).is_finite()));
    // and a different seed draws differently
    let other: Vec<u64> = replicates(&model, &a, &d, 200, 12)
        .iter()
        .map(|v| v.to_bits())
        .collect();
    assert_ne!(one, other);
}

// ---------------------------------------------------------------------------------
// Sampling weights: scale, checks, minimum n (issue 10 items 5 and 6)

fn sim_survey(n: usize, seed: u64) -> (Model, Survey) {
    let model = model();
    let sim = DesignSim {
        shift: vec![0.0],
        clusters: n,
        m: 1,
        icc: 0.0,
    };
    let sv = sim.draw(&model, seed);
    (model, sv)
}

/// Paths, outer weights, loadings, R² and indices of an analysis.
fn figures(a: &csi::analysis::Analysis) -> Vec<f64> {
    let mut v = vec![a.fit.paths[(0, 1)]];
    v.extend(&a.fit.weights);
    v.extend(&a.fit.loadings);
    v.extend(a.fit.r2.iter().flatten());
    v.extend(a.indices.iter().filter_map(|i| i.value));
    v
}

#[test]
fn item6_weights_scale_does_not_change_the_estimates() {
    let (model, sv) = sim_survey(250, 21);
    let plain = analyze(&model, &sv, &FitOptions::default()).unwrap();
    // every weight equal: the unweighted estimates, whatever the scale (today 1e308
    // overflows into "zero variance" and 5e-324 changes the estimates)
    for w in [1.0, 1e308, 5e-324, 3.7e-200] {
        let mut s = sv.clone();
        s.weights = Some(vec![w; s.n()]);
        let a = analyze(&model, &s, &FitOptions::default())
            .unwrap_or_else(|e| panic!("weights {w}: {e}"));
        for (x, y) in figures(&a).iter().zip(figures(&plain)) {
            assert!((x - y).abs() < 1e-12, "weights {w}: {x} vs {y}");
        }
    }
    // unequal weights: the same estimates at any common scale
    let base: Vec<f64> = (0..sv.n()).map(|i| 0.5 + (i % 7) as f64 * 0.25).collect();
    let mut s1 = sv.clone();
    s1.weights = Some(base.clone());
    let a1 = analyze(&model, &s1, &FitOptions::default()).unwrap();
    assert!(
        (figures(&a1)[0] - figures(&plain)[0]).abs() > 1e-6,
        "weights must matter"
    );
    for f in [1e300, 1e-300] {
        let mut s2 = sv.clone();
        s2.weights = Some(base.iter().map(|w| w * f).collect());
        let a2 = analyze(&model, &s2, &FitOptions::default()).unwrap();
        for (x, y) in figures(&a2).iter().zip(figures(&a1)) {
            assert!((x - y).abs() < 1e-12, "scale {f}: {x} vs {y}");
        }
    }
}

#[test]
fn item6_bad_weights_are_refused_with_row() {
    let (model, sv) = sim_survey(40, 22);
    for (bad, shown) in [(f64::NAN, "NaN"), (-1.0, "-1"), (f64::INFINITY, "inf")] {
        let mut s = sv.clone();
        let mut w = vec![1.0; s.n()];
        w[6] = bad;
        s.weights = Some(w);
        let e = analyze(&model, &s, &FitOptions::default()).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("row 8") && msg.contains(&format!("value '{shown}'")),
            "{msg}"
        );
    }
    let mut s = sv.clone();
    s.weights = Some(vec![0.0; s.n()]);
    let e = analyze(&model, &s, &FitOptions::default()).unwrap_err();
    assert!(e.to_string().contains("every weight is zero"), "{e}");
}

#[test]
fn item5_minimum_n_after_listwise_and_positive_weights() {
    let (model, mut sv) = sim_survey(60, 23);
    // 51 respondents lose an answer: 9 complete rows are left
    for i in 0..51 {
        sv.x[(i, i % 6)] = f64::NAN;
    }
    let o = FitOptions {
        missing: MissingPolicy::Listwise,
        ..Default::default()
    };
    let e = analyze(&model, &sv, &o).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("only 9 respondents are left after listwise deletion")
            && msg.contains("needs at least 10"),
        "{msg}"
    );
    // 10 complete rows are enough
    sv.x[(0, 0)] = 5.0;
    assert!(analyze(&model, &sv, &o).is_ok());
    // 9 positive weights among 60 respondents
    let (model, mut sv) = sim_survey(60, 24);
    sv.weights = Some((0..60).map(|i| if i < 9 { 1.0 } else { 0.0 }).collect());
    let e = analyze(&model, &sv, &FitOptions::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains("only 9 of 60 respondents have a positive weight"),
        "{e}"
    );
}

#[test]
fn n_effective_is_kish() {
    // hand values and the library against the defining sum, at 1e-9
    let w: Vec<f64> = (0..97)
        .map(|i| 0.2 + ((i * 37) % 11) as f64 * 0.41)
        .collect();
    let s1: f64 = w.iter().sum();
    let s2: f64 = w.iter().map(|v| v * v).sum();
    let ne = csi::design::weights::n_effective(&w);
    assert!((ne - s1 * s1 / s2).abs() < 1e-9, "{ne}");
    assert!((csi::design::weights::n_effective(&[2.0; 10]) - 10.0).abs() < 1e-9);
}

// ---------------------------------------------------------------------------------
// EM (issue 15 item 3)

/// QUAL -> SAT -> LOY, QUAL -> LOY: continuous multivariate normal answers.
fn em_model() -> Model {
    Model::from_parts(
        "em",
        vec![
            ConstructSpec::new("QUAL", &["q1", "q2", "q3"]),
            ConstructSpec::new("SAT", &["s1", "s2", "s3"]),
            ConstructSpec::new("LOY", &["l1", "l2"]),
        ],
        &[("QUAL", "SAT"), ("SAT", "LOY"), ("QUAL", "LOY")],
    )
    .unwrap()
}

#[test]
fn em_paths_are_closer_to_the_complete_data_fit_than_mean_replacement() {
    use csi::simulate::{Measurement, Population};
    let model = em_model();
    let pop = Population::new(
        &model,
        &[
            ("QUAL", "SAT", 0.6),
            ("SAT", "LOY", 0.5),
            ("QUAL", "LOY", 0.2),
        ],
        Measurement::CommonFactor(0.8),
    )
    .unwrap();
    let (mut dev_em, mut dev_mean) = (0.0, 0.0);
    for seed in 0..4u64 {
        let n = 1500;
        let z = pop.draw_continuous(&model, n, 900 + seed).unwrap();
        let x = z.map(|v| 5.0 + 1.5 * v);
        let complete = Survey::from_matrix(
            model.items.iter().map(|i| i.name.clone()).collect(),
            x.clone(),
        );
        // missing at random: every item but q1 goes missing with a probability that
        // rises with q1 (observed), 15% of the cells in all
        let mut rng = ChaCha8Rng::seed_from_u64(77 + seed);
        let mut xm = x.clone();
        let mut cells = 0usize;
        for i in 0..n {
            let p_i = if z[(i, 0)] > 0.0 { 0.26 } else { 0.08 };
            for k in 1..model.n_items() {
                let u: f64 = rand::RngExt::random(&mut rng);
                if u < p_i {
                    xm[(i, k)] = f64::NAN;
                    cells += 1;
                }
            }
        }
        let share = cells as f64 / (n * model.n_items()) as f64;
        assert!((share - 0.15).abs() < 0.02, "missing share {share}");
        let mut incomplete = complete.clone();
        incomplete.x = xm;
        let full = analyze(&model, &complete, &FitOptions::default()).unwrap();
        let fit = |missing| {
            analyze(
                &model,
                &incomplete,
                &FitOptions {
                    missing,
                    ..Default::default()
                },
            )
            .unwrap()
        };
        let (em, mean) = (fit(MissingPolicy::Em), fit(MissingPolicy::Mean));
        assert!(em.missing.em.as_ref().unwrap().converged);
        assert_eq!(em.missing.missing.iter().sum::<usize>(), cells);
        let dev = |a: &csi::analysis::Analysis| -> f64 {
            model
                .paths
                .iter()
                .map(|&(i, j)| (a.fit.paths[(i, j)] - full.fit.paths[(i, j)]).abs())
                .sum::<f64>()
        };
        dev_em += dev(&em);
        dev_mean += dev(&mean);
    }
    eprintln!(
        "15% MAR missing, sum of |path - complete-data path| over 3 paths and 4 samples: EM {dev_em:.4}, mean replacement {dev_mean:.4}"
    );
    assert!(dev_em < dev_mean * 0.5, "EM {dev_em} vs mean {dev_mean}");
}

#[test]
fn em_with_weights_equals_em_on_repeated_rows() {
    let model = em_model();
    use csi::simulate::{Measurement, Population};
    let pop = Population::new(
        &model,
        &[
            ("QUAL", "SAT", 0.5),
            ("SAT", "LOY", 0.5),
            ("QUAL", "LOY", 0.1),
        ],
        Measurement::CommonFactor(0.7),
    )
    .unwrap();
    let mut x = pop.draw_continuous(&model, 80, 5).unwrap();
    for i in (0..80).step_by(3) {
        x[(i, 1 + i % 7)] = f64::NAN;
    }
    let names: Vec<String> = model.items.iter().map(|i| i.name.clone()).collect();
    let mut weighted = Survey::from_matrix(names.clone(), x.clone());
    weighted.weights = Some((0..80).map(|i| (1 + i % 3) as f64).collect());
    let rows: Vec<usize> = (0..80)
        .flat_map(|i| std::iter::repeat_n(i, 1 + i % 3))
        .collect();
    let repeated = Survey::from_matrix(
        names,
        DMatrix::from_fn(rows.len(), x.ncols(), |r, k| x[(rows[r], k)]),
    );
    let o = FitOptions {
        missing: MissingPolicy::Em,
        ..Default::default()
    };
    let (a, b) = (
        analyze(&model, &weighted, &o).unwrap(),
        analyze(&model, &repeated, &o).unwrap(),
    );
    for k in 0..a.moments.cov.len() {
        assert!((a.moments.cov[k] - b.moments.cov[k]).abs() < 1e-8);
    }
    assert!((a.fit.paths[(0, 1)] - b.fit.paths[(0, 1)]).abs() < 1e-8);
}

// ---------------------------------------------------------------------------------
// Through the binary: csi weights, screening, --missing em, n_effective, design flags

use std::process::{Command, Output};

fn csi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_csi"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("run csi")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Weighted shares of `column` in a CSV written by `csi weights` (read with the
/// test's own reader, not the library's).
fn weighted_shares(path: &std::path::Path, column: &str, weight: &str) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let c = header.iter().position(|h| *h == column).unwrap();
    let w = header.iter().position(|h| *h == weight).unwrap();
    let mut tot: std::collections::BTreeMap<String, f64> = Default::default();
    let mut all = 0.0;
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        let v: f64 = f[w].parse().unwrap();
        *tot.entry(f[c].to_string()).or_default() += v;
        all += v;
    }
    tot.into_iter().map(|(k, v)| (k, v / all)).collect()
}

const MARGINS: &str = r#"
[margin.gender]
"男" = 0.51
"女" = 0.49

[margin.age]
"18-25" = 0.15
"26-35" = 0.22
"36-45" = 0.21
"46-55" = 0.22
"56+" = 0.20
"#;

#[test]
fn csi_weights_reproduces_the_margins_and_copies_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let margins = dir.path().join("margins.toml");
    std::fs::write(&margins, MARGINS).unwrap();
    let out = dir.path().join("weighted.csv");
    let before = std::fs::read("data/ccsi_sample.csv").unwrap();
    let o = csi(&[
        "weights",
        "--data",
        "data/ccsi_sample.csv",
        "--margins",
        margins.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
        "-",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["schema"], "csi-weights/v1");
    assert_eq!(doc["converged"], true);
    assert!(doc["max_error"].as_f64().unwrap() < 1e-6);
    assert!(doc["design_effect"].as_f64().unwrap() > 1.0);
    // the input is unchanged; the copy has every original line plus the weight
    assert_eq!(std::fs::read("data/ccsi_sample.csv").unwrap(), before);
    let copy = std::fs::read_to_string(&out).unwrap();
    let original = String::from_utf8(before).unwrap();
    for (a, b) in original
        .lines()
        .zip(copy.trim_start_matches('\u{feff}').lines())
    {
        assert!(
            b.starts_with(a) && b[a.len()..].starts_with(','),
            "{a} / {b}"
        );
    }
    // the margins, recomputed from the written file (targets from MARGINS above)
    for (col, targets) in [
        ("gender", vec![("女", 0.49), ("男", 0.51)]),
        (
            "age",
            vec![
                ("18-25", 0.15),
                ("26-35", 0.22),
                ("36-45", 0.21),
                ("46-55", 0.22),
                ("56+", 0.20),
            ],
        ),
    ] {
        let got = weighted_shares(&out, col, "weight");
        for ((name, share), (tname, t)) in got.iter().zip(&targets) {
            assert_eq!(name, tname);
            assert!((share - t).abs() < 1e-6, "{col} {name}: {share} vs {t}");
        }
    }
    // csi fit reads the weights back; n_effective is Kish's (Σw)²/Σw²
    let fit = csi(&[
        "fit",
        "-m",
        "models/ccsi.toml",
        "-d",
        out.to_str().unwrap(),
        "--weight",
        "weight",
        "--json",
        "-",
    ]);
    assert!(fit.status.success(), "{}", stderr(&fit));
    let v: serde_json::Value = serde_json::from_slice(&fit.stdout).unwrap();
    let ne = v["n_effective"].as_f64().unwrap();
    assert!(
        (ne - doc["n_effective"].as_f64().unwrap()).abs() < 1e-9,
        "{ne}"
    );
}

#[test]
fn csi_weights_refuses_bad_margins_and_unsafe_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.csv");
    std::fs::copy("data/ccsi_sample.csv", &data).unwrap();
    let run = |margins: &str, out: &std::path::Path, extra: &[&str]| -> Output {
        let m = dir.path().join("m.toml");
        std::fs::write(&m, margins).unwrap();
        let mut args = vec![
            "weights",
            "--data",
            data.to_str().unwrap(),
            "--margins",
            m.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(extra);
        csi(&args)
    };
    let out = dir.path().join("w.csv");
    // a category in the data without a share
    let o = run("[margin.gender]\n\"男\" = 1.0\n", &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("column 'gender'") && e.contains("value '女'"),
        "{e}"
    );
    // a share without a category in the data
    let o = run(
        "[margin.gender]\n\"男\" = 0.5\n\"女\" = 0.4\n\"其他\" = 0.1\n",
        &out,
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("column 'gender'") && e.contains("value '其他'"),
        "{e}"
    );
    // shares that do not sum to 1
    let o = run("[margin.gender]\n\"男\" = 0.5\n\"女\" = 0.45\n", &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("column 'gender'") && stderr(&o).contains("sum to 0.95"));
    // --out naming the data file
    let ok = "[margin.gender]\n\"男\" = 0.5\n\"女\" = 0.5\n";
    let before = std::fs::read(&data).unwrap();
    let o = run(ok, &data, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--out"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&data).unwrap(), before);
    // a data file with a weight column already: refused unless another name is given
    let o = run(ok, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let again = dir.path().join("w2.csv");
    let o = Command::new(env!("CARGO_BIN_EXE_csi"))
        .args([
            "weights",
            "--data",
            out.to_str().unwrap(),
            "--margins",
            dir.path().join("m.toml").to_str().unwrap(),
            "--out",
            again.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("column 'weight'"), "{}", stderr(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_csi"))
        .args([
            "weights",
            "--data",
            out.to_str().unwrap(),
            "--margins",
            dir.path().join("m.toml").to_str().unwrap(),
            "--out",
            again.to_str().unwrap(),
            "--weight-column",
            "w2",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

/// The bundled sample with a duration column and two straight-liners.
fn screened_sample(dir: &std::path::Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string("data/ccsi_sample.csv").unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            out.push_str(&format!("{line},secs\n"));
            continue;
        }
        let row = i + 1; // spreadsheet row
        let mut f: Vec<String> = line.split(',').map(str::to_string).collect();
        if row == 7 || row == 30 {
            for c in f.iter_mut().skip(3) {
                *c = "8".into();
            }
        }
        let secs = if row == 5 || row == 12 || row == 100 {
            45
        } else {
            300 + i
        };
        out.push_str(&format!("{},{secs}\n", f.join(",")));
    }
    let p = dir.join("screen.csv");
    std::fs::write(&p, out).unwrap();
    p
}

#[test]
fn speeders_and_straight_liners_are_excluded_counted_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let data = screened_sample(dir.path());
    let before = std::fs::read(&data).unwrap();
    let o = csi(&[
        "fit",
        "-m",
        "models/ccsi.toml",
        "-d",
        data.to_str().unwrap(),
        "--min-duration",
        "60",
        "--duration",
        "secs",
        "--exclude-straight-liners",
        "--json",
        "-",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ex = &v["excluded_respondents"];
    assert_eq!(ex["speeders"], serde_json::json!([5, 12, 100]));
    assert_eq!(ex["straight_liners"], serde_json::json!([7, 30]));
    assert_eq!(ex["n_excluded"], 5);
    assert_eq!(v["n"], 245);
    assert!(
        stderr(&o).contains("5 of 250 respondents excluded"),
        "{}",
        stderr(&o)
    );
    assert!(v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("rows 5, 12, 100")));
    assert_eq!(std::fs::read(&data).unwrap(), before);
    // --min-duration without --duration is a flag error
    let o = csi(&[
        "fit",
        "-m",
        "models/ccsi.toml",
        "-d",
        data.to_str().unwrap(),
        "--min-duration",
        "60",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--duration"), "{}", stderr(&o));
}

#[test]
fn missing_em_through_the_binary() {
    let o = csi(&[
        "fit",
        "-m",
        "models/ccsi.toml",
        "-d",
        "data/ccsi_sample.csv",
        "--missing",
        "em",
        "--json",
        "-",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["settings"]["missing"], "em");
    assert_eq!(v["missing"]["policy"], "em");
    // the sample's missing cells are counted as for mean (same per-item counts)
    let m = csi(&[
        "fit",
        "-m",
        "models/ccsi.toml",
        "-d",
        "data/ccsi_sample.csv",
        "--json",
        "-",
    ]);
    let vm: serde_json::Value = serde_json::from_slice(&m.stdout).unwrap();
    assert_eq!(v["missing"]["per_item"], vm["missing"]["per_item"]);
    assert_eq!(v["n"], vm["n"]);
}

#[test]
fn strata_and_cluster_flags_are_checked() {
    // an absent column is an error naming it
    let o = csi(&[
        "fit",
        "-m",
        "models/ccsi.toml",
        "-d",
        "data/ccsi_sample.csv",
        "--strata",
        "region",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("column 'region'"), "{}", stderr(&o));
    // a stratum column is echoed
    let o = csi(&[
        "fit",
        "-m",
        "models/ccsi.toml",
        "-d",
        "data/ccsi_sample.csv",
        "--strata",
        "gender",
        "--cluster",
        "age",
        "--json",
        "-",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["design"]["strata"]["column"], "gender");
    assert_eq!(v["design"]["strata"]["count"], 2);
    // 5 age groups nested in each gender
    assert_eq!(v["design"]["clusters"]["count"], 10);
    assert_eq!(v["design"]["df"], 8);
}

#[test]
fn validate_reports_cannot_answer_shares() {
    // the sample declares 无法回答 and 99 as missing codes; make qual3 hard to answer
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("data/ccsi_sample.csv").unwrap();
    let mut out = String::new();
    let col = text
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|h| h == "qual3")
        .unwrap();
    let mut coded = 0;
    for (i, line) in text.lines().enumerate() {
        let mut f: Vec<String> = line.split(',').map(str::to_string).collect();
        if i > 0 && i % 8 == 0 {
            f[col] = "无法回答".into();
        }
        if i > 0 && (f[col] == "无法回答" || f[col] == "99") {
            coded += 1;
        }
        out.push_str(&f.join(","));
        out.push('\n');
    }
    let data = dir.path().join("ca.csv");
    std::fs::write(&data, out).unwrap();
    let o = csi(&[
        "validate",
        "-m",
        "models/ccsi.toml",
        "-d",
        data.to_str().unwrap(),
        "--json",
        "-",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let item = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|it| it["name"] == "qual3")
        .unwrap();
    assert_eq!(item["cannot_answer"], coded);
    assert!(v["problems"].as_array().unwrap().iter().any(|p| {
        p["column"] == "qual3" && p["message"].as_str().unwrap().contains("cannot answer")
    }));
    let qual = v["constructs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "QUAL")
        .unwrap();
    assert!(qual["cannot_answer"].as_u64().unwrap() >= coded as u64);
    // and fit carries the shares
    let o = csi(&[
        "fit",
        "-m",
        "models/ccsi.toml",
        "-d",
        data.to_str().unwrap(),
        "--json",
        "-",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["cannot_answer"]["items"].as_array().unwrap().len() == 27);
}

#[test]
fn item5_listwise_leaving_nine_exits_2_through_the_binary() {
    // the sample with an empty cell in every row but the first nine (some of which have
    // a missing answer of their own: fewer than 10 complete rows; today: exit 0)
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("data/ccsi_sample.csv").unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let mut f: Vec<String> = line.split(',').map(str::to_string).collect();
        if i > 9 {
            f[3 + i % 27] = String::new();
        }
        out.push_str(&f.join(","));
        out.push('\n');
    }
    let data = dir.path().join("holes.csv");
    std::fs::write(&data, out).unwrap();
    let o = csi(&[
        "fit",
        "-m",
        "models/ccsi.toml",
        "-d",
        data.to_str().unwrap(),
        "--missing",
        "listwise",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("holes.csv")
            && e.contains("respondents are left after listwise deletion")
            && e.contains("needs at least 10"),
        "{e}"
    );
}

#[test]
fn an_empty_stratum_cell_is_located_by_validate_and_fit() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("data/ccsi_sample.csv").unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let mut f: Vec<String> = line.split(',').map(str::to_string).collect();
        if i == 3 {
            f[2] = String::new(); // gender of spreadsheet row 4
        }
        out.push_str(&f.join(","));
        out.push('\n');
    }
    let data = dir.path().join("strata.csv");
    std::fs::write(&data, out).unwrap();
    for cmd in ["validate", "fit"] {
        let o = csi(&[
            cmd,
            "-m",
            "models/ccsi.toml",
            "-d",
            data.to_str().unwrap(),
            "--strata",
            "gender",
        ]);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        let e = stderr(&o);
        assert!(
            e.contains("row 4") && e.contains("column 'gender'") && e.contains("empty stratum"),
            "{cmd}: {e}"
        );
    }
}

#[test]
fn em_bootstrap_through_the_seam_matches_the_spread_across_samples() {
    // The seam the executor will call under --missing em (EmSolution::replicate_moments):
    // EM redone on each resample. Its bootstrap se of QUAL -> SAT should match the
    // spread of the EM estimate across independent samples with 15% MAR missing
    // (simulation truth), within 20%.
    use csi::simulate::{Measurement, Population};
    let model = em_model();
    let pop = Population::new(
        &model,
        &[
            ("QUAL", "SAT", 0.5),
            ("SAT", "LOY", 0.4),
            ("QUAL", "LOY", 0.2),
        ],
        Measurement::CommonFactor(0.75),
    )
    .unwrap();
    let names: Vec<String> = model.items.iter().map(|i| i.name.clone()).collect();
    let sample = |seed: u64| -> Survey {
        let n = 300;
        let z = pop.draw_continuous(&model, n, 4000 + seed).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let x = DMatrix::from_fn(n, model.n_items(), |i, k| {
            let p = if z[(i, 0)] > 0.0 { 0.26 } else { 0.08 };
            let u: f64 = rand::RngExt::random(&mut rng);
            if k > 0 && u < p {
                f64::NAN
            } else {
                5.0 + 1.5 * z[(i, k)]
            }
        });
        Survey::from_matrix(names.clone(), x)
    };
    let o = FitOptions {
        missing: MissingPolicy::Em,
        ..Default::default()
    };
    let truth: Vec<f64> = (0..200u64)
        .into_par_iter()
        .map(|s| analyze(&model, &sample(s), &o).unwrap().fit.paths[(0, 1)])
        .collect();
    let truth = sd(&truth);
    let k = 6;
    let mut se = 0.0;
    for s in 0..k {
        let a = analyze(&model, &sample(1000 + s), &o).unwrap();
        let em = a.data.em.as_ref().unwrap();
        let d = Design::simple(a.data.x.nrows());
        let reps: Vec<f64> = (0..200usize)
            .into_par_iter()
            .map(|r| {
                let mut counts = vec![0u32; d.n()];
                d.draw(5, r, &mut counts);
                let m = em.replicate_moments(&counts).unwrap();
                PlsSettings::default()
                    .fit(&model, &m, Some(&a.fit))
                    .map(|f| f.paths[(0, 1)])
                    .unwrap_or(f64::NAN)
            })
            .collect();
        se += sd(&reps) / k as f64;
    }
    eprintln!(
        "EM bootstrap (EM redone per resample): se {se:.4}, sd across 200 samples {truth:.4}, ratio {:.3}",
        se / truth
    );
    assert!((se / truth - 1.0).abs() < 0.2, "ratio {:.3}", se / truth);
}

#[test]
fn csi_weights_reads_a_workbook_and_writes_csv() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("data/ccsi_sample.csv").unwrap();
    let t: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let book = crate::data::write(dir.path(), "s.xlsx", crate::data::xlsx(&t, "Sheet1"));
    let margins = dir.path().join("m.toml");
    std::fs::write(&margins, MARGINS).unwrap();
    let out = dir.path().join("w.csv");
    let o = csi(&[
        "weights",
        "--data",
        book.to_str().unwrap(),
        "--margins",
        margins.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // the copy has the workbook's cells as the CSV has them, plus the weight
    let copy = std::fs::read_to_string(&out).unwrap();
    for (a, b) in text
        .lines()
        .zip(copy.trim_start_matches('\u{feff}').lines())
    {
        assert!(b.starts_with(a), "{a} / {b}");
    }
    for (name, share) in weighted_shares(&out, "gender", "weight") {
        let t = if name == "男" { 0.51 } else { 0.49 };
        assert!((share - t).abs() < 1e-6, "{name}: {share}");
    }
}

// ---------------------------------------------------------------------------------
// The design and EM connected to the bootstrap executor

#[test]
fn the_executor_resamples_by_the_design_of_the_data() {
    use csi::bootstrap::{run, BootstrapOptions, BootstrapResult};
    use csi::stat::Stat;
    // two strata x 20 branches x 12 respondents, intra-cluster correlation 0.3
    let model = model();
    let sim = DesignSim {
        shift: vec![-0.2, 0.2],
        clusters: 20,
        m: 12,
        icc: 0.3,
    };
    let sv = sim.draw(&model, 77);
    let mut a = analyze(&model, &sv, &FitOptions::default()).unwrap();
    let opts = BootstrapOptions {
        resamples: 200,
        seed: 7,
        ..Default::default()
    };
    let boot = |a: &csi::analysis::Analysis| {
        run(&model, &a.data, &a.options.pls, &a.fit, &opts, None).unwrap()
    };
    let plain = boot(&a);
    // the simple design draws exactly the executor's default resamples
    a.data.design = Some(Design::simple(a.data.x.nrows()));
    let simple = boot(&a);
    let bits =
        |b: &BootstrapResult| -> Vec<u64> { b.replicates.iter().map(|v| v.to_bits()).collect() };
    assert_eq!(bits(&plain), bits(&simple));
    // clusters: whole branches are drawn, so the index's se grows (design effect of a
    // mean 1 + (12 - 1) * 0.3 = 4.3 on the variance, about 2 on the se)
    let d = Design::from_survey(&sv, Some("region"), Some("branch"))
        .unwrap()
        .select(&a.data.kept);
    assert_eq!(d.df(), 38); // 40 branches - 2 strata
    a.data.design = Some(d);
    let clustered = boot(&a);
    let se = |b: &BootstrapResult| b.stat(Stat::Index(1)).unwrap().se;
    eprintln!(
        "SAT index se: simple bootstrap {:.4}, cluster bootstrap {:.4}",
        se(&plain),
        se(&clustered)
    );
    assert!(
        se(&clustered) > 1.3 * se(&plain),
        "cluster {:.4} vs simple {:.4}",
        se(&clustered),
        se(&plain)
    );
    // BCa under clusters: the jackknife deletes one branch at a time (40 rows)
    let bca = run(
        &model,
        &a.data,
        &a.options.pls,
        &a.fit,
        &BootstrapOptions {
            ci: csi::bootstrap::CiMethod::Bca,
            ..opts
        },
        None,
    )
    .unwrap();
    let s = bca.stat(Stat::Index(1)).unwrap();
    assert!(s.ci_low < s.estimate && s.estimate < s.ci_high, "{s:?}");
}

fn csi_threads(args: &[&str], threads: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_csi"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RAYON_NUM_THREADS", threads)
        .args(args)
        .output()
        .expect("run csi")
}

#[test]
fn fit_ipma_and_report_resample_by_the_design_identically_on_1_and_2_threads() {
    let design = [
        "--strata",
        "gender",
        "--cluster",
        "age",
        "--bootstrap",
        "60",
    ];
    let fit: Vec<&str> = [
        "fit",
        "-m",
        "models/ccsi.toml",
        "-d",
        "data/ccsi_sample.csv",
        "--json",
        "-",
    ]
    .into_iter()
    .chain(design)
    .collect();
    let ipma: Vec<&str> = [
        "ipma",
        "-m",
        "models/ccsi.toml",
        "-d",
        "data/ccsi_sample.csv",
        "--target",
        "SAT",
        "--json",
        "-",
    ]
    .into_iter()
    .chain(design)
    .collect();
    for args in [&fit, &ipma] {
        let one = csi_threads(args, "1");
        let two = csi_threads(args, "2");
        assert!(one.status.success(), "{}", stderr(&one));
        assert_eq!(
            one.stdout, two.stdout,
            "{} differs on 1 and 2 threads",
            args[0]
        );
        let v: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
        // the design is echoed (contract: Survey design), 5 age groups in each gender
        assert_eq!(v["design"]["clusters"]["count"], 10, "{}", args[0]);
    }
    let v: serde_json::Value = serde_json::from_slice(&csi_threads(&fit, "2").stdout).unwrap();
    assert_eq!(v["bootstrap"]["design"]["clusters"]["column"], "age");
    // the design changes the intervals: 10 clusters are not 250 respondents (the
    // bootstrap block differs by the echo alone, so compare the paths' se)
    let plain = csi(&[
        "fit",
        "-m",
        "models/ccsi.toml",
        "-d",
        "data/ccsi_sample.csv",
        "--json",
        "-",
        "--bootstrap",
        "60",
    ]);
    let p: serde_json::Value = serde_json::from_slice(&plain.stdout).unwrap();
    let se = |d: &serde_json::Value| -> Vec<f64> {
        d["paths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["se"].as_f64().unwrap())
            .collect()
    };
    assert_eq!(se(&p).len(), se(&v).len());
    assert_ne!(
        se(&p),
        se(&v),
        "the design bootstrap gave the simple bootstrap's se"
    );
    // the report accepts the design with a bootstrap
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html");
    let o = csi(&[
        "report",
        "-m",
        "models/ccsi.toml",
        "-d",
        "data/ccsi_sample.csv",
        "--out",
        out.to_str().unwrap(),
        "--strata",
        "gender",
        "--bootstrap",
        "30",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // compare's permutations do not follow a design: refused, naming the command
    let o = csi(&[
        "compare",
        "-m",
        "models/ccsi.toml",
        "-d",
        "data/ccsi_sample.csv",
        "--group",
        "gender",
        "--strata",
        "age",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("compare does not resample by a survey design"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn fit_redoes_em_in_every_bootstrap_resample() {
    let base = [
        "fit",
        "-m",
        "models/ccsi.toml",
        "-d",
        "data/ccsi_sample.csv",
        "--bootstrap",
        "100",
        "--json",
        "-",
    ];
    let run = |missing: &str| -> serde_json::Value {
        let mut args = base.to_vec();
        args.extend(["--missing", missing]);
        let o = csi(&args);
        assert!(o.status.success(), "{missing}: {}", stderr(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let em = run("em");
    let mean = run("mean");
    let paths = |v: &serde_json::Value| -> Vec<(f64, f64)> {
        v["paths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["estimate"].as_f64().unwrap(), p["se"].as_f64().unwrap()))
            .collect()
    };
    let (e, m) = (paths(&em), paths(&mean));
    assert_eq!(e.len(), m.len());
    let mut differ = false;
    for ((be, se_e), (_, se_m)) in e.iter().zip(&m) {
        assert!(be.is_finite() && se_e.is_finite() && *se_e > 0.0);
        // the same data with a few missing answers: the EM bootstrap se is of the
        // size of the mean-replacement one (a factor 2 either way would be a bug)
        assert!(
            (0.5..2.0).contains(&(se_e / se_m)),
            "se em {se_e} vs mean {se_m}"
        );
        differ |= (se_e - se_m).abs() > 1e-12;
    }
    assert!(
        differ,
        "the EM bootstrap gave the mean-replacement se exactly"
    );
    assert_eq!(em["bootstrap"]["failed"], 0);
}
