//! Recovery: PLS on data simulated from a known composite population gives the
//! population paths (issue 3: n = 20,000, within 0.02). Truth = the `Population`
//! paths below; Mode A is consistent for this population (equal weights, equal
//! within-block correlations: see `csi::simulate`).

use csi::estimate::pls::{estimate, PlsSettings, Scheme};
use csi::moments::Moments;
use csi::simulate::{Measurement, Population};
use csi::spec::{ConstructSpec, Mode, Model};

/// The CCSI structure with 27 items (5,5,5,4,4,4).
pub fn ccsi_model() -> Model {
    let items = |p: &str, k: usize| -> Vec<String> { (1..=k).map(|i| format!("{p}{i}")).collect() };
    let c = |n: &str, p: &str, k: usize| {
        let v = items(p, k);
        let r: Vec<&str> = v.iter().map(|s| s.as_str()).collect();
        ConstructSpec::new(n, &r)
    };
    Model::from_parts(
        "ccsi",
        vec![
            c("IMAG", "imag", 5),
            c("EXPE", "expe", 5),
            c("QUAL", "qual", 5),
            c("VAL", "val", 4),
            c("SAT", "sat", 4),
            c("LOY", "loy", 4),
        ],
        &CCSI_PATHS
            .iter()
            .map(|(a, b, _)| (*a, *b))
            .collect::<Vec<_>>(),
    )
    .unwrap()
}

/// Population paths of the recovery tests (truth).
pub use csi::simulate::CCSI_PATHS;

#[test]
fn pls_recovers_composite_population_paths() {
    let model = ccsi_model();
    let pop = Population::new(&model, &CCSI_PATHS, Measurement::Composite(0.5)).unwrap();
    let x = pop.draw_continuous(&model, 20_000, 20261122).unwrap();
    let m = Moments::from_data(&x, None).unwrap();
    for scheme in [Scheme::Path, Scheme::Centroid, Scheme::Factorial] {
        let fit = estimate(
            &model,
            &m,
            &PlsSettings {
                scheme,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(fit.converged);
        for (a, b, truth) in CCSI_PATHS {
            let (i, j) = (
                model.construct_index(a).unwrap(),
                model.construct_index(b).unwrap(),
            );
            let est = fit.paths[(i, j)];
            assert!(
                (est - truth).abs() < 0.02,
                "{scheme:?} {a}->{b}: estimate {est:.4}, truth {truth}"
            );
        }
        // weights: population weights of the composite
        for k in 0..model.n_items() {
            assert!((fit.weights[k] - pop.weights[k]).abs() < 0.02, "weight {k}");
        }
    }
}

#[test]
fn mode_b_recovers_composite_population() {
    // Mode B is consistent for any composite population; use it on two blocks.
    let mut model = ccsi_model();
    let specs: Vec<ConstructSpec> = model
        .constructs
        .iter()
        .map(|c| {
            let items: Vec<&str> = c
                .items
                .iter()
                .map(|&k| model.items[k].name.as_str())
                .collect();
            let mode = if c.name == "QUAL" || c.name == "IMAG" {
                Mode::B
            } else {
                Mode::A
            };
            ConstructSpec::new(&c.name, &items).mode(mode)
        })
        .collect();
    let paths: Vec<(&str, &str)> = CCSI_PATHS.iter().map(|(a, b, _)| (*a, *b)).collect();
    model = Model::from_parts("ccsi-b", specs, &paths).unwrap();
    let pop = Population::new(&model, &CCSI_PATHS, Measurement::Composite(0.4)).unwrap();
    let x = pop.draw_continuous(&model, 20_000, 7).unwrap();
    let m = Moments::from_data(&x, None).unwrap();
    let fit = estimate(&model, &m, &PlsSettings::default()).unwrap();
    for (a, b, truth) in CCSI_PATHS {
        let (i, j) = (
            model.construct_index(a).unwrap(),
            model.construct_index(b).unwrap(),
        );
        assert!(
            (fit.paths[(i, j)] - truth).abs() < 0.02,
            "{a}->{b}: {} vs {truth}",
            fit.paths[(i, j)]
        );
    }
}

#[test]
fn single_item_block_has_weight_one_and_loading_one() {
    // a single standardized item is its own score: weight 1, loading 1 (hand result)
    let model = Model::from_parts(
        "t",
        vec![
            ConstructSpec::new("A", &["a1", "a2", "a3"]),
            ConstructSpec::new("B", &["b1"]),
        ],
        &[("A", "B")],
    )
    .unwrap();
    let pop = Population::new(&model, &[("A", "B", 0.5)], Measurement::CommonFactor(0.8)).unwrap();
    let x = pop.draw_continuous(&model, 500, 1).unwrap();
    let m = Moments::from_data(&x, None).unwrap();
    let fit = estimate(&model, &m, &PlsSettings::default()).unwrap();
    assert!((fit.weights[3] - 1.0).abs() < csi::tol::EXACT);
    assert!((fit.loadings[3] - 1.0).abs() < csi::tol::EXACT);
    let q = csi::quality::assess(&model, &m, &fit);
    assert!(q.constructs[1].alpha.is_none());
    assert!((q.constructs[1].rho_a - 1.0).abs() < csi::tol::EXACT);
}

#[test]
fn negative_normalised_weight_makes_index_undefined() {
    // item a3 is reverse-worded but not declared `reverse`: it correlates negatively
    // with its block, its normalised weight is negative, and the index is refused.
    let model = Model::from_parts(
        "t",
        vec![
            ConstructSpec::new("A", &["a1", "a2", "a3"]),
            ConstructSpec::new("B", &["b1", "b2"]),
        ],
        &[("A", "B")],
    )
    .unwrap()
    .with_scale(csi::spec::Scale {
        min: 1.0,
        max: 10.0,
    })
    .unwrap();
    let pop = Population::new(
        &model,
        &[("A", "B", 0.5)],
        Measurement::Loadings(vec![0.8, 0.8, -0.7, 0.8, 0.8]),
    )
    .unwrap();
    let z = pop.draw_continuous(&model, 400, 5).unwrap();
    let x = csi::simulate::to_scale(
        &model,
        &z,
        csi::spec::Scale {
            min: 1.0,
            max: 10.0,
        },
        6.0,
        1.8,
        &[],
        &[],
    );
    let m = Moments::from_data(&x, None).unwrap();
    let fit = estimate(&model, &m, &PlsSettings::default()).unwrap();
    let idx = csi::index::indices(&model, &fit);
    assert!(idx[0].value.is_none());
    let why = idx[0].problem.as_deref().unwrap();
    assert!(
        why.contains("'a3'") && why.contains("not positive"),
        "{why}"
    );
    assert!(idx[1].value.is_some());
}
