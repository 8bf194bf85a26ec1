//! IPMA: construct- and indicator-level importance and performance on the mobi ECSI
//! data against a hand computation, quadrants and splits, bootstrap intervals, and
//! `csi ipma` with charts on the bundled airline sample.

use crate::common::{close, reference_dir, skip, Csv};
use csi::analysis::{analyze, Analysis, FitOptions};
use csi::bootstrap::BootstrapOptions;
use csi::data::Survey;
use csi::ipma::{add_bootstrap, ipma, Quadrant, Split};
use std::path::PathBuf;
use std::process::Command;

/// IPMA figures must match the hand computation this closely.
const IPMA_HAND: f64 = 1e-9;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The mobi data fitted with models/ecsi.toml, or None (skipped) without the reference folder.
fn mobi(test: &str) -> Option<(Analysis, nalgebra::DMatrix<f64>)> {
    let Some(dir) = reference_dir() else {
        skip(test, "../shared/reference is absent");
        return None;
    };
    let model = csi::spec::read_model(&root().join("models/ecsi.toml")).expect("ecsi model");
    let csv = Csv::read(&dir.join("data/mobi.csv"));
    let names: Vec<String> = model.items.iter().map(|i| i.name.clone()).collect();
    let x = csv.matrix(&names);
    let survey = Survey::from_matrix(names, x.clone());
    let a = analyze(&model, &survey, &FitOptions::default()).expect("fit");
    Some((a, x))
}

fn pop_sd(v: &[f64]) -> f64 {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64).sqrt()
}

#[test]
fn mobi_satisfaction_ipma_matches_hand_computation() {
    let Some((a, x)) = mobi("mobi_satisfaction_ipma_matches_hand_computation") else {
        return;
    };
    let m = &a.model;
    let t = m.construct_index("Satisfaction").expect("Satisfaction");
    let map = ipma(&a, t, Split::Mean).expect("ipma");
    let n = x.nrows();
    let q = m.n_constructs();
    // Hand computation, from the fit's outer weights, the item means and sds of the raw
    // data, and the standardized path coefficients; every item is on 1..10.
    //   u_k      = w_k / sd_k                (weights for the raw items)
    //   w~_k     = u_k / sum_block u         (normalised; the 100/9 rescaling cancels)
    //   perf_j   = sum_k w~_k (mean_k - 1) / 9 * 100
    //   xi*_ij   = sum_k w~_k (x_ik - 1) / 9 * 100, sd*_j its population sd
    //   T        = B + B^2 + ... (standardized total effects)
    //   imp_i    = T_it * sd*_t / sd*_i      (the sd ratios telescope along each path)
    let mut wn = vec![Vec::new(); q];
    let mut perf = vec![0.0; q];
    let mut sd_star = vec![0.0; q];
    for (j, c) in m.constructs.iter().enumerate() {
        let u: Vec<f64> = c
            .items
            .iter()
            .map(|&k| {
                let col: Vec<f64> = x.column(k).iter().copied().collect();
                a.fit.weights[k] / pop_sd(&col)
            })
            .collect();
        let total: f64 = u.iter().sum();
        wn[j] = u.iter().map(|v| v / total).collect();
        for (r, &k) in c.items.iter().enumerate() {
            let mean = x.column(k).mean();
            perf[j] += wn[j][r] * (mean - 1.0) / 9.0 * 100.0;
        }
        let scores: Vec<f64> = (0..n)
            .map(|i| {
                c.items
                    .iter()
                    .enumerate()
                    .map(|(r, &k)| wn[j][r] * (x[(i, k)] - 1.0) / 9.0 * 100.0)
                    .sum()
            })
            .collect();
        sd_star[j] = pop_sd(&scores);
    }
    let b = &a.fit.paths;
    let mut total = nalgebra::DMatrix::<f64>::zeros(q, q);
    let mut power = b.clone();
    for _ in 0..q {
        total += &power;
        power = &power * b;
    }
    let drivers = ["Image", "Expectation", "Quality", "Value"];
    assert_eq!(map.constructs.len(), drivers.len());
    for (row, name) in map.constructs.iter().zip(drivers) {
        let i = m.construct_index(name).expect("driver");
        assert_eq!(row.construct, i);
        let imp = total[(i, t)] * sd_star[t] / sd_star[i];
        close(
            &format!("importance of {name}"),
            row.importance,
            imp,
            IPMA_HAND,
        );
        close(
            &format!("performance of {name}"),
            row.performance,
            perf[i],
            IPMA_HAND,
        );
        for ir in map.indicators.iter().filter(|r| r.construct == i) {
            let pos = m.constructs[i]
                .items
                .iter()
                .position(|&k| k == ir.item)
                .expect("item");
            let mean = x.column(ir.item).mean();
            close(
                "indicator importance",
                ir.importance,
                wn[i][pos] * imp,
                IPMA_HAND,
            );
            close(
                "indicator performance",
                ir.performance,
                (mean - 1.0) / 9.0 * 100.0,
                IPMA_HAND,
            );
        }
    }
    close(
        "target performance",
        map.target_performance,
        perf[t],
        IPMA_HAND,
    );
    // Satisfaction's drivers: quality matters most
    let best = map
        .constructs
        .iter()
        .max_by(|a, b| a.importance.total_cmp(&b.importance))
        .expect("rows");
    assert_eq!(m.constructs[best.construct].name, "Quality");
    // mean split: thresholds are the means, quadrants follow them
    let th = map.construct_thresholds.expect("thresholds");
    let mi = map.constructs.iter().map(|r| r.importance).sum::<f64>() / 4.0;
    let mp = map.constructs.iter().map(|r| r.performance).sum::<f64>() / 4.0;
    close("mean importance", th.importance, mi, csi::tol::EXACT);
    close("mean performance", th.performance, mp, csi::tol::EXACT);
    for r in &map.constructs {
        assert_eq!(
            r.quadrant,
            Quadrant::classify(r.importance, r.performance, &th)
        );
    }
}

#[test]
fn splits_median_and_values_move_the_quadrants() {
    let Some((a, _)) = mobi("splits_median_and_values_move_the_quadrants") else {
        return;
    };
    let t = a
        .model
        .construct_index("Satisfaction")
        .expect("Satisfaction");
    let med = ipma(&a, t, Split::Median).expect("ipma");
    let mut imp: Vec<f64> = med.constructs.iter().map(|r| r.importance).collect();
    imp.sort_by(|a, b| a.total_cmp(b));
    let th = med.construct_thresholds.expect("thresholds");
    close(
        "median importance",
        th.importance,
        0.5 * (imp[1] + imp[2]),
        csi::tol::EXACT,
    );
    // with the split above every importance and below every performance, every
    // driver is low importance, high performance
    let fixed = ipma(
        &a,
        t,
        Split::Value {
            importance: 10.0,
            performance: 0.0,
        },
    )
    .expect("ipma");
    assert!(fixed
        .constructs
        .iter()
        .all(|r| r.quadrant == Quadrant::PossibleOverkill));
    assert!(fixed
        .indicators
        .iter()
        .all(|r| r.quadrant == Quadrant::PossibleOverkill));
    // the action list puts concentrate-here rows first
    let fixed = ipma(
        &a,
        t,
        Split::Value {
            importance: 0.0,
            performance: 100.0,
        },
    )
    .expect("ipma");
    let acts = fixed.actions(csi::ipma::Level::Constructs);
    assert!(acts.iter().all(|x| x.quadrant == Quadrant::ConcentrateHere));
    assert!(acts.windows(2).all(|w| w[0].importance >= w[1].importance));
    let text = fixed.action_text(&a.model, &acts[0]);
    assert!(
        text.starts_with("优先提升：感知质量，重要性 0.64"),
        "{text}"
    );
}

#[test]
fn json_document_follows_the_contract() {
    let Some((a, _)) = mobi("json_document_follows_the_contract") else {
        return;
    };
    let t = a
        .model
        .construct_index("Satisfaction")
        .expect("Satisfaction");
    let map = ipma(&a, t, Split::Mean).expect("ipma");
    let doc = csi::report::ipma::ipma_json(&map, &a.model, csi::ipma::Level::Both, 250);
    assert_eq!(doc["schema"], "csi-ipma/v1");
    assert_eq!(doc["target"], "Satisfaction");
    let c = &doc["constructs"][0];
    for key in ["name", "label", "importance", "performance", "quadrant"] {
        assert!(!c[key].is_null(), "constructs[0].{key}");
    }
    let i = &doc["indicators"][0];
    for key in ["name", "construct", "importance", "performance", "quadrant"] {
        assert!(!i[key].is_null(), "indicators[0].{key}");
    }
    assert!(doc["thresholds"]["importance"].is_number());
    assert!(doc["thresholds"]["performance"].is_number());
    assert_eq!(doc["actions"].as_array().map(|v| v.len()), Some(4 + 17));
}

#[test]
fn bootstrap_intervals_are_deterministic_and_use_the_bootstrap_draws() {
    let Some((a, _)) = mobi("bootstrap_intervals_are_deterministic_and_use_the_bootstrap_draws")
    else {
        return;
    };
    let t = a
        .model
        .construct_index("Satisfaction")
        .expect("Satisfaction");
    let opts = BootstrapOptions {
        resamples: 40,
        seed: 7,
        ..Default::default()
    };
    let mut m1 = ipma(&a, t, Split::Mean).expect("ipma");
    let mut m2 = m1.clone();
    add_bootstrap(&mut m1, &a, &opts, None).expect("bootstrap");
    add_bootstrap(&mut m2, &a, &opts, None).expect("bootstrap");
    for (r1, r2) in m1.constructs.iter().zip(&m2.constructs) {
        assert_eq!(r1.importance_ci, r2.importance_ci);
        assert_eq!(r1.performance_ci, r2.performance_ci);
        let ci = r1.importance_ci.expect("interval");
        assert!(ci.low <= r1.importance && r1.importance <= ci.high);
    }
    assert_eq!(m1.bootstrap.as_ref().map(|b| b.failed), Some(0));
    // the performance of a construct is its index: the same resamples as
    // csi::bootstrap::run give the same interval as the fit's index interval
    let b = csi::bootstrap::run(&a.model, &a.data, &a.options.pls, &a.fit, &opts, None)
        .expect("bootstrap");
    for r in &m1.constructs {
        let s = b
            .stat(csi::stat::Stat::Index(r.construct))
            .expect("index stat");
        let ci = r.performance_ci.expect("interval");
        close("performance ci low vs index ci", ci.low, s.ci_low, 1e-8);
        close("performance ci high vs index ci", ci.high, s.ci_high, 1e-8);
    }
}

#[test]
fn unknown_or_exogenous_target_is_a_setting_error() {
    let model = csi::spec::read_model(&root().join("models/airline.toml")).expect("model");
    let e = csi::ipma::target_index(&model, "SATT").expect_err("unknown");
    assert!(
        e.to_string().contains("no construct 'SATT'") && e.to_string().contains("SAT"),
        "{e}"
    );
    let e = csi::ipma::target_index(&model, "CREW").expect_err("exogenous");
    assert!(e.to_string().contains("no incoming path"), "{e}");
}

fn csi_ipma(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_csi"))
        .current_dir(root())
        .args([
            "ipma",
            "--model",
            "models/airline.toml",
            "--data",
            "data/airline_sample.csv",
            "--target",
            "SAT",
        ])
        .args(args)
        .output()
        .expect("run csi")
}

#[test]
fn cli_ipma_writes_svg_and_png_charts_with_chinese_labels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svg = dir.path().join("out.svg");
    let png = dir.path().join("out.png");
    let json = dir.path().join("ipma.json");
    let out = csi_ipma(&[
        "--chart",
        svg.to_str().unwrap_or_default(),
        "--json",
        json.to_str().unwrap_or_default(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("修补区") || text.contains("优势区"), "{text}");
    assert!(text.contains("Actions"), "{text}");
    let s = std::fs::read_to_string(&svg).expect("svg written");
    assert!(s.starts_with("<svg") && s.trim_end().ends_with("</svg>"));
    for label in [
        "乘务员服务",
        "客舱环境",
        "飞行正点",
        "修补区",
        "优势区",
        "机会区",
        "维持区",
        "重要性",
    ] {
        assert!(s.contains(label), "SVG lacks '{label}'");
    }
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("valid json");
    assert_eq!(doc["schema"], "csi-ipma/v1");
    assert_eq!(doc["constructs"].as_array().map(|v| v.len()), Some(8));

    let out = csi_ipma(&[
        "--chart",
        png.to_str().unwrap_or_default(),
        "--level",
        "constructs",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let img = image::open(&png).expect("a valid PNG").to_rgb8();
    assert_eq!(img.dimensions(), (1100, 780));
    // the title (Chinese, centred at the top) leaves dark pixels
    let dark = (350..750)
        .flat_map(|x| (10..55).map(move |y| (x, y)))
        .filter(|&(x, y)| img.get_pixel(x, y).0.iter().all(|c| *c < 100))
        .count();
    assert!(dark > 300, "only {dark} dark pixels in the title area");
}

#[test]
fn cli_ipma_refuses_an_unknown_chart_format_and_json_to_stdout_is_pure() {
    let out = csi_ipma(&["--chart", "x.pdf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(".svg or .png"));
    let out = csi_ipma(&["--json", "-", "--level", "indicators", "--split", "median"]);
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is only JSON");
    assert_eq!(doc["constructs"].as_array().map(|v| v.len()), Some(0));
    assert_eq!(doc["indicators"].as_array().map(|v| v.len()), Some(32));
    assert_eq!(doc["thresholds"]["split"], "median");
}
