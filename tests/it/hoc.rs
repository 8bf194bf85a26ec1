//! Higher-order constructs (issue 14 item 3): recovery of a second-order composite
//! population, the three estimation methods, the airline HOC model, bootstrap and IPMA.

use csi::estimate::pls::{estimate, PlsSettings};
use csi::moments::Moments;
use csi::spec::{ConstructSpec, HocMethod, Mode, Model};
use nalgebra::DMatrix;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use std::process::Command;

/// The population (simulation truth, chosen here):
/// * first-order composites A, B, C (the dimensions), X and Y, 3 items each; within a
///   block the items correlate 0.5 and the composite weights are (0.5, 0.3, 0.4)
///   rescaled to unit composite variance;
/// * the dimensions correlate 0.5; Q = v_A A + v_B B + v_C C with v proportional to
///   (0.5, 0.3, 0.4) and var(Q) = 1 (a second-order composite);
/// * X relates to the dimensions only through Q: cor(X, Q) = 0.3;
/// * Y = 0.5 Q + 0.3 X + error (standardized).
///
/// So the population values of the higher-order paths are Q -> Y = 0.5, X -> Y = 0.3
/// and the dimension weights v (printed by the test, about 0.476, 0.286, 0.381).
struct Truth {
    sigma: DMatrix<f64>,
    v: [f64; 3],
    beta_q: f64,
    beta_x: f64,
}

fn truth() -> Truth {
    let k = 3;
    let within = DMatrix::from_fn(k, k, |a, b| if a == b { 1.0 } else { 0.5 });
    let raw_w = nalgebra::DVector::<f64>::from_vec(vec![0.5, 0.3, 0.4]);
    let w = &raw_w / (raw_w.transpose() * &within * &raw_w)[(0, 0)].sqrt();
    // composite correlations: A, B, C, X, Y
    let rdd = DMatrix::from_fn(3, 3, |a, b| if a == b { 1.0 } else { 0.4 });
    let raw_v = nalgebra::DVector::<f64>::from_vec(vec![0.5, 0.3, 0.4]);
    let v = &raw_v / (raw_v.transpose() * &rdd * &raw_v)[(0, 0)].sqrt();
    let rq = &rdd * &v; // cor(dim, Q)
    let (phi, bq, bx) = (0.3, 0.7, 0.2);
    let mut r = DMatrix::identity(5, 5);
    for a in 0..3 {
        for b in 0..3 {
            r[(a, b)] = rdd[(a, b)];
        }
        r[(a, 3)] = phi * rq[a];
        r[(3, a)] = r[(a, 3)];
        r[(a, 4)] = (bq + bx * phi) * rq[a];
        r[(4, a)] = r[(a, 4)];
    }
    r[(3, 4)] = bq * phi + bx;
    r[(4, 3)] = r[(3, 4)];
    // item correlations of a composite model: S_ij = S_ii w r_ij w' S_jj
    let sw = &within * &w;
    let p = 15;
    let sigma = DMatrix::from_fn(p, p, |i, j| {
        let (bi, bj) = (i / k, j / k);
        if bi == bj {
            within[(i % k, j % k)]
        } else {
            sw[i % k] * r[(bi, bj)] * sw[j % k]
        }
    });
    Truth {
        sigma,
        v: [v[0], v[1], v[2]],
        beta_q: bq,
        beta_x: bx,
    }
}

fn items(p: &str) -> Vec<String> {
    (1..=3).map(|i| format!("{p}{i}")).collect()
}

fn hoc_model(method: HocMethod) -> Model {
    let c = |n: &str, p: &str| {
        let it = items(p);
        let r: Vec<&str> = it.iter().map(|s| s.as_str()).collect();
        ConstructSpec::new(n, &r).mode(Mode::B)
    };
    Model::from_parts(
        "second-order",
        vec![
            c("A", "a"),
            c("B", "b"),
            c("C", "c"),
            ConstructSpec::higher("Q", &["A", "B", "C"])
                .mode(Mode::B)
                .hoc_method(method),
            c("X", "x"),
            c("Y", "y"),
        ],
        &[("Q", "Y"), ("X", "Y")],
    )
    .unwrap()
}

fn draw(sigma: &DMatrix<f64>, n: usize, seed: u64) -> DMatrix<f64> {
    let l = sigma
        .clone()
        .cholesky()
        .expect("population is positive definite")
        .l();
    let p = sigma.nrows();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut x = DMatrix::zeros(n, p);
    let mut z = vec![0.0; p];
    for i in 0..n {
        for v in z.iter_mut() {
            *v = StandardNormal.sample(&mut rng);
        }
        for a in 0..p {
            x[(i, a)] = (0..=a).map(|c| l[(a, c)] * z[c]).sum();
        }
    }
    x
}

/// Check the higher-order paths of a fit against the truth within `tol`.
fn check(fit: &csi::estimate::pls::PlsFit, t: &Truth, tol: f64, what: &str) {
    let (q, x, y) = (3, 4, 5);
    let near = |name: &str, got: f64, want: f64| {
        assert!(
            (got - want).abs() <= tol,
            "{what}: {name} = {got:.4}, population {want:.4}, tolerance {tol}"
        );
    };
    near("Q -> Y", fit.paths[(q, y)], t.beta_q);
    near("X -> Y", fit.paths[(x, y)], t.beta_x);
    for d in 0..3 {
        near(&format!("dimension {d} -> Q"), fit.paths[(d, q)], t.v[d]);
    }
}

#[test]
fn second_order_composite_population_is_recovered_exactly() {
    // the population moments themselves: two-stage PLS with Mode B is consistent for a
    // composite population, so the estimates equal the truth up to rounding
    let t = truth();
    let m = Moments::from_cov(vec![0.0; 15], t.sigma.clone(), 1_000_000).unwrap();
    for method in [HocMethod::TwoStage, HocMethod::Embedded] {
        let fit = estimate(&hoc_model(method), &m, &PlsSettings::default()).unwrap();
        assert!(fit.converged);
        check(&fit, &t, 1e-4, method.as_str());
    }
}

#[test]
fn second_order_paths_within_002_at_n_20000() {
    let t = truth();
    eprintln!(
        "population: Q -> Y {}, X -> Y {}, v = {:?}",
        t.beta_q, t.beta_x, t.v
    );
    let seed: u64 = std::env::var("CSI_HOC_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2024);
    let x = draw(&t.sigma, 20_000, seed);
    let m = Moments::from_data(&x, None).unwrap();
    for method in [HocMethod::TwoStage, HocMethod::Embedded] {
        let fit = estimate(&hoc_model(method), &m, &PlsSettings::default()).unwrap();
        assert!(fit.converged);
        check(&fit, &t, 0.02, method.as_str());
    }
    // repeated indicators estimate a different quantity for Q (a composite of all
    // items rather than of the dimension composites); its structural path stays close
    let fit = estimate(&hoc_model(HocMethod::Repeated), &m, &PlsSettings::default()).unwrap();
    assert!(fit.converged);
    assert!(
        (fit.paths[(3, 5)] - t.beta_q).abs() < 0.05,
        "{}",
        fit.paths[(3, 5)]
    );
}

#[test]
fn model_file_keys_and_lavaan_syntax() {
    let toml = r#"
name = "m"
[[construct]]
name = "A"
items = ["a1", "a2"]
[[construct]]
name = "B"
items = ["b1", "b2"]
[[construct]]
name = "Q"
dimensions = ["A", "B"]
hoc_method = "embedded"
[[construct]]
name = "Y"
items = ["y1"]
[[path]]
from = "Q"
to = "Y"
"#;
    let m = csi::spec::toml_file::parse_model_toml(toml, "m.toml").unwrap();
    assert_eq!(m.constructs[2].dimensions, vec![0, 1]);
    assert_eq!(m.constructs[2].hoc_method, HocMethod::Embedded);
    assert!(m.paths.contains(&(0, 2)) && m.paths.contains(&(1, 2)));
    // round trip through the writer
    let back = csi::spec::toml_file::parse_model_toml(
        &csi::spec::toml_file::model_to_toml(&m),
        "back.toml",
    )
    .unwrap();
    assert_eq!(back.paths, m.paths);
    assert_eq!(back.constructs[2].dimensions, vec![0, 1]);
    let lav = csi::spec::lavaan::parse_lavaan(
        "A =~ a1 + a2\nB =~ b1 + b2\nQ =~ A + B\nY =~ y1\nY ~ Q\n",
        "m.lav",
    )
    .unwrap();
    assert_eq!(lav.constructs[2].dimensions, vec![0, 1]);
    assert_eq!(lav.constructs[2].hoc_method, HocMethod::TwoStage);
    // refusals name the problem and point at the file
    for (bad, want) in [
        (
            toml.replace("hoc_method = \"embedded\"", "hoc_method = \"three\""),
            "hoc_method must be",
        ),
        (
            toml.replace("dimensions = [\"A\", \"B\"]", "dimensions = [\"A\", \"Z\"]"),
            "dimension 'Z'",
        ),
        (
            toml.replace("dimensions = [\"A\", \"B\"]", "dimensions = [\"A\"]"),
            "at least two dimensions",
        ),
        (
            toml.replace("from = \"Q\"", "from = \"A\""),
            "dimension of higher-order construct 'Q'",
        ),
    ] {
        let e = csi::spec::toml_file::parse_model_toml(&bad, "m.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains(want) && e.starts_with("m.toml:"), "{e}");
    }
}

fn csi(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_csi"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("run csi")
}

#[test]
fn airline_hoc_model_fits_the_sample_with_bootstrap_and_ipma() {
    let out = csi(&[
        "fit",
        "--model",
        "models/airline_hoc.toml",
        "--data",
        "data/airline_sample.csv",
        "--bootstrap",
        "100",
        "--json",
        "-",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["converged"], true);
    assert_eq!(v["bootstrap"]["failed"], 0);
    let hoc = &v["higher_order"][0];
    assert_eq!(hoc["name"], "QUAL");
    assert_eq!(hoc["method"], "two-stage");
    assert_eq!(hoc["dimensions"].as_array().unwrap().len(), 6);
    let path = |from: &str, to: &str| -> serde_json::Value {
        v["paths"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["from"] == from && p["to"] == to)
            .cloned()
            .unwrap_or_else(|| panic!("path {from} -> {to}"))
    };
    // data/airline_sample.population.toml: the six quality dimensions drive
    // satisfaction (0.25, 0.2, 0.08, 0.05, 0.12, 0.1 in the first-order truth), so
    // their composite has a strong positive path with an interval above 0
    let qs = path("QUAL", "SAT");
    assert!(qs["estimate"].as_f64().unwrap() > 0.3, "{qs}");
    assert!(qs["ci_low"].as_f64().unwrap() > 0.0, "{qs}");
    for d in ["CREW", "CABIN", "FOOD", "ENTERTAIN", "SAFETY", "PUNCT"] {
        let p = path(d, "QUAL");
        assert!(p["estimate"].as_f64().unwrap() > 0.0, "{p}");
        assert!(p["ci_low"].as_f64().unwrap() <= p["ci_high"].as_f64().unwrap());
    }
    // the HOC index lies within its dimensions' indices (a weighted mean of them) and
    // has a bootstrap interval
    let cons = v["constructs"].as_array().unwrap();
    let index = |n: &str| {
        cons.iter().find(|c| c["name"] == n).unwrap()["index"]
            .as_f64()
            .unwrap()
    };
    let dims: Vec<f64> = ["CREW", "CABIN", "FOOD", "ENTERTAIN", "SAFETY", "PUNCT"]
        .iter()
        .map(|d| index(d))
        .collect();
    let q = index("QUAL");
    let lo = dims.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = dims.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    assert!(lo <= q && q <= hi, "QUAL {q} outside [{lo}, {hi}]");
    let qual = cons.iter().find(|c| c["name"] == "QUAL").unwrap();
    assert!(qual["ci_low"].as_f64().unwrap() < q && q < qual["ci_high"].as_f64().unwrap());
    assert!(qual["rho_c"].as_f64().unwrap() > 0.7, "{qual}");

    // IPMA through the dimensions: the dimensions' importances (total effects through
    // QUAL) add up to QUAL's, since QUAL's 0-100 score is a weighted sum of theirs
    let out = csi(&[
        "ipma",
        "--model",
        "models/airline_hoc.toml",
        "--data",
        "data/airline_sample.csv",
        "--target",
        "SAT",
        "--level",
        "both",
        "--json",
        "-",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ip: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = ip["constructs"].as_array().unwrap();
    let imp = |n: &str| {
        rows.iter().find(|r| r["name"] == n).unwrap()["importance"]
            .as_f64()
            .unwrap()
    };
    let sum: f64 = ["CREW", "CABIN", "FOOD", "ENTERTAIN", "SAFETY", "PUNCT"]
        .iter()
        .map(|d| imp(d))
        .sum();
    assert!((sum - imp("QUAL")).abs() < 1e-9, "{sum} vs {}", imp("QUAL"));
    let items = ip["indicators"].as_array().unwrap();
    assert!(items.iter().any(|r| r["name"] == "crew1"));

    // other estimators are refused with a clear message
    let out = csi(&[
        "fit",
        "--model",
        "models/airline_hoc.toml",
        "--data",
        "data/airline_sample.csv",
        "--estimator",
        "plsc",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("higher-order"));
}
