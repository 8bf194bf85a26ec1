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
