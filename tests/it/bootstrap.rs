//! Bootstrap: determinism across thread counts, seeds, failure accounting, and
//! interval coverage on simulated data (truth = the `Population` paths).

use crate::recovery::{ccsi_model, CCSI_PATHS};
use csi::analysis::{analyze, FitOptions};
use csi::bootstrap::{run, BootstrapOptions, CiMethod, SignChange};
use csi::data::Survey;
use csi::simulate::{to_scale, Measurement, Population};
use csi::spec::Scale;
use std::process::Command;

const SCALE: Scale = Scale {
    min: 1.0,
    max: 10.0,
};

fn survey(n: usize, seed: u64) -> (csi::spec::Model, Survey) {
    let model = ccsi_model().with_scale(SCALE).unwrap();
    let pop = Population::new(&model, &CCSI_PATHS, Measurement::Composite(0.5)).unwrap();
    let z = pop.draw_continuous(&model, n, seed).unwrap();
    let x = to_scale(&model, &z, SCALE, 7.0, 1.5, &[], &[]);
    let names = model.items.iter().map(|i| i.name.clone()).collect();
    (model, Survey::from_matrix(names, x))
}

fn bits(b: &csi::bootstrap::BootstrapResult) -> Vec<u64> {
    b.replicates
        .iter()
        .map(|v| v.to_bits())
        .chain(
            b.stats
                .iter()
                .flat_map(|s| [s.se.to_bits(), s.ci_low.to_bits(), s.ci_high.to_bits()]),
        )
        .collect()
}

#[test]
fn same_seed_same_bits_on_one_and_two_threads() {
    let (model, s) = survey(250, 1);
    let a = analyze(&model, &s, &FitOptions::default()).unwrap();
    let opts = BootstrapOptions {
        resamples: 300,
        seed: 7,
        ci: CiMethod::Bca,
        ..Default::default()
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let b1 = one.install(|| run(&model, &a.data, &a.options.pls, &a.fit, &opts, None).unwrap());
    let b2 = two.install(|| run(&model, &a.data, &a.options.pls, &a.fit, &opts, None).unwrap());
    assert_eq!(bits(&b1), bits(&b2));
    let b3 = run(
        &model,
        &a.data,
        &a.options.pls,
        &a.fit,
        &BootstrapOptions { seed: 8, ..opts },
        None,
    )
    .unwrap();
    assert_ne!(
        bits(&b1),
        bits(&b3),
        "different seeds must give different resamples"
    );
    let k = "path:QUAL->SAT";
    assert_ne!(
        b1.stat(k).unwrap().ci_low.to_bits(),
        b3.stat(k).unwrap().ci_low.to_bits()
    );
}

#[test]
fn cli_json_is_byte_identical_on_one_and_two_threads() {
    let exe = env!("CARGO_BIN_EXE_csi");
    let root = env!("CARGO_MANIFEST_DIR");
    let run_with = |threads: &str, seed: &str| {
        let out = Command::new(exe)
            .current_dir(root)
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "fit",
                "--model",
                "models/ccsi.toml",
                "--data",
                "data/ccsi_sample.csv",
                "--bootstrap",
                "200",
                "--seed",
                seed,
                "--json",
                "-",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let a = run_with("1", "5");
    let b = run_with("2", "5");
    assert_eq!(a, b, "JSON differs between 1 and 2 threads");
    let v: serde_json::Value = serde_json::from_slice(&a).unwrap();
    assert_eq!(v["schema"], "csi-fit/v1");
    assert_eq!(v["bootstrap"]["seed"], 5);
    assert_eq!(v["bootstrap"]["resamples"], 200);
    assert!(
        v["paths"][0]["ci_low"].as_f64().unwrap() < v["paths"][0]["estimate"].as_f64().unwrap()
    );
    // contract: paths, indicators, effects and construct indices gain se/ci_low/ci_high
    for (list, key) in [
        ("paths", "estimate"),
        ("indicators", "weight"),
        ("effects", "total"),
        ("constructs", "index"),
    ] {
        let first = &v[list][0];
        let lo = first["ci_low"].as_f64().unwrap();
        let hi = first["ci_high"].as_f64().unwrap();
        let est = first[key].as_f64().unwrap();
        assert!(first["se"].as_f64().unwrap() > 0.0, "{list}");
        assert!(lo <= est && est <= hi, "{list}: {lo} <= {est} <= {hi}");
    }
    assert!(v["paths"][0]["p"].is_number() && v["effects"][0]["t"].is_number());
    let c = run_with("2", "6");
    assert_ne!(a, c);
}

#[test]
fn failed_resamples_are_counted_not_dropped_silently() {
    // A top-box item: 97% answer 10, so some resamples contain only 10s (zero
    // variance). Those resamples fail, are counted, and the run goes on.
    let (model, s) = survey(60, 3);
    let mut x = s.x.clone();
    for i in 0..x.nrows() {
        x[(i, 0)] = if i < 2 { 9.0 } else { 10.0 };
    }
    let s = Survey::from_matrix(s.items.clone(), x);
    let a = analyze(&model, &s, &FitOptions::default()).unwrap();
    let b = run(
        &model,
        &a.data,
        &a.options.pls,
        &a.fit,
        &BootstrapOptions {
            resamples: 200,
            ..Default::default()
        },
        None,
    )
    .unwrap();
    // P(no 9 in a resample of 60 from 2/60) = (58/60)^60 ≈ 0.13: expect ~26 failures
    assert!(b.failed > 5 && b.failed < 60, "failed {}", b.failed);
    assert_eq!(
        b.failure_reasons.iter().map(|(_, c)| c).sum::<usize>(),
        b.failed
    );
    assert!(b.failure_reasons[0].0.contains("zero variance"));
    let st = b.stat("path:SAT->LOY").unwrap();
    assert_eq!(st.n_ok, 200 - b.failed);
}

#[test]
fn sign_options_all_run() {
    let (model, s) = survey(200, 4);
    let a = analyze(&model, &s, &FitOptions::default()).unwrap();
    for sc in [
        SignChange::Construct,
        SignChange::Individual,
        SignChange::None,
    ] {
        let b = run(
            &model,
            &a.data,
            &a.options.pls,
            &a.fit,
            &BootstrapOptions {
                resamples: 50,
                sign_change: sc,
                ..Default::default()
            },
            None,
        )
        .unwrap();
        assert_eq!(b.failed, 0);
        assert!(b.stat("index:SAT").unwrap().se > 0.0);
    }
}

/// Coverage (issue 4): 95% percentile intervals of the paths cover the truth in
/// 90-99% of 200 simulated samples. The population is a composite model, for which
/// PLS Mode A is consistent (see csi::simulate), n = 500, 300 resamples each.
/// About 11 s in the debug test profile (60,000 PLS fits), so it runs with the rest.
#[test]
fn percentile_intervals_cover_the_truth() {
    let model = ccsi_model();
    let pop = Population::new(&model, &CCSI_PATHS, Measurement::Composite(0.5)).unwrap();
    let mut covered = 0usize;
    let mut total = 0usize;
    for rep in 0..200u64 {
        let x = pop.draw_continuous(&model, 500, 1000 + rep).unwrap();
        let names = model.items.iter().map(|i| i.name.clone()).collect();
        let s = Survey::from_matrix(names, x);
        let a = analyze(&model, &s, &FitOptions::default()).unwrap();
        let b = run(
            &model,
            &a.data,
            &a.options.pls,
            &a.fit,
            &BootstrapOptions {
                resamples: 300,
                seed: rep,
                ..Default::default()
            },
            None,
        )
        .unwrap();
        for (from, to, truth) in CCSI_PATHS {
            let st = b.stat(&format!("path:{from}->{to}")).unwrap();
            total += 1;
            if st.ci_low <= truth && truth <= st.ci_high {
                covered += 1;
            }
        }
    }
    let rate = covered as f64 / total as f64;
    eprintln!("coverage {covered}/{total} = {rate:.3}");
    assert!((0.90..=0.99).contains(&rate), "coverage {rate}");
}

/// The counts-based resample moments equal the moments of the explicitly resampled
/// rows: replicate r recomputed from a materialised n x p resample (naive path)
/// gives the same path coefficients to 1e-10.
#[test]
fn counts_engine_equals_materialised_resamples() {
    let (model, s) = survey(150, 9);
    let a = analyze(&model, &s, &FitOptions::default()).unwrap();
    let opts = BootstrapOptions {
        resamples: 20,
        seed: 3,
        sign_change: SignChange::None,
        ..Default::default()
    };
    let b = run(&model, &a.data, &a.options.pls, &a.fit, &opts, None).unwrap();
    let n = a.data.x.nrows();
    let col = b.column("path:QUAL->SAT").unwrap();
    for r in 0..20 {
        let mut counts = vec![0u32; n];
        csi::bootstrap::draw_counts(3, r, &mut counts);
        let rows: Vec<usize> = (0..n)
            .flat_map(|i| std::iter::repeat_n(i, counts[i] as usize))
            .collect();
        let x =
            nalgebra::DMatrix::from_fn(rows.len(), a.data.x.ncols(), |i, j| a.data.x[(rows[i], j)]);
        let m = csi::moments::Moments::from_data(&x, None).unwrap();
        let fit =
            csi::estimate::pls::estimate_from(&model, &m, &a.options.pls, Some(&a.fit.weights))
                .unwrap();
        let (q, s_) = (
            model.construct_index("QUAL").unwrap(),
            model.construct_index("SAT").unwrap(),
        );
        let got = b.replicates[(r, col)];
        assert!(
            (got - fit.paths[(q, s_)]).abs() < 1e-10,
            "replicate {r}: engine {got}, naive {}",
            fit.paths[(q, s_)]
        );
    }
}
