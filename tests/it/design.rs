//! Survey design (issue 15): stratified and cluster bootstrap standard errors against
//! the spread across independently simulated surveys (simulation truth), determinism
//! of the design draws on 1 and N threads, sampling weights (scale, checks, minimum n),
//! EM against mean replacement, raking, speeders and straight-liners.

use csi::analysis::{analyze, FitOptions};
use csi::bootstrap::ResampleData;
use csi::data::{MissingPolicy, Survey};
use csi::design::{Design, ResampleScheme};
use csi::estimate::pls::{self, PlsSettings};
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
        let pop = Population::new(model, &[("QUAL", "SAT", 0.6)], Measurement::CommonFactor(0.8))
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
            || prep.scratch(),
            |scratch, r| {
                scheme.draw(seed, r, &mut scratch.counts);
                let m = prep.moments(scratch);
                match pls::estimate_resample(model, &m, &settings, Some(&a.fit.weights)) {
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
    assert!(simple > strat * 1.1, "simple {simple:.4} vs stratified {strat:.4}");
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
    assert!((figures(&a1)[0] - figures(&plain)[0]).abs() > 1e-6, "weights must matter");
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
    let w: Vec<f64> = (0..97).map(|i| 0.2 + ((i * 37) % 11) as f64 * 0.41).collect();
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
        &[("QUAL", "SAT", 0.6), ("SAT", "LOY", 0.5), ("QUAL", "LOY", 0.2)],
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
        &[("QUAL", "SAT", 0.5), ("SAT", "LOY", 0.5), ("QUAL", "LOY", 0.1)],
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
    let rows: Vec<usize> = (0..80).flat_map(|i| std::iter::repeat_n(i, 1 + i % 3)).collect();
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
