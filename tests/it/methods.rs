//! The evaluation methods: each with a tiny hand-computed case, the whole comparison on
//! a small survey with stated importance, expectations and loyalty items, and
//! `csi methods` on the bundled sample.

use crate::common::close;
use csi::analysis::{analyze, FitOptions};
use csi::data::Survey;
use csi::methods::{self, Band, LoyaltyClass, Outcome};
use csi::spec::{ConstructSpec, Model, Scale};
use csi::tol::EXACT;
use nalgebra::DMatrix;
use std::path::PathBuf;
use std::process::Command;

#[test]
fn simple_method_is_the_plain_mean() {
    // 0-100 item means 50, 75, 100: (50 + 75 + 100) / 3 = 75
    close(
        "simple",
        methods::simple_score(&[50.0, 75.0, 100.0]),
        75.0,
        EXACT,
    );
}

#[test]
fn dual_evaluation_weights_by_stated_importance() {
    // importance 8, 4, 4 (sum 16); satisfaction 90, 50, 70
    // (8*90 + 4*50 + 4*70) / 16 = (720 + 200 + 280) / 16 = 75
    close(
        "dual",
        methods::dual_evaluation(&[8.0, 4.0, 4.0], &[90.0, 50.0, 70.0]).expect("dual"),
        75.0,
        EXACT,
    );
    assert!(methods::dual_evaluation(&[0.0, 0.0], &[1.0, 2.0]).is_err());
    assert!(methods::dual_evaluation(&[1.0], &[1.0, 2.0]).is_err());
}

#[test]
fn regression_by_hand() {
    // x = 1, 2, 3; y = 2, 4, 5. mean x = 2, mean y = 11/3
    // Sxx = 2, Sxy = (-1)(-5/3) + 0 + (1)(4/3) = 3, Syy = 25/9 + 1/9 + 16/9 = 14/3
    // b = 3/2, intercept = 11/3 - 3 = 2/3, R2 = b Sxy / Syy = 4.5 / (14/3) = 27/28
    // beta = b sqrt(Sxx / Syy) = 1.5 sqrt(3/7)
    let x = DMatrix::from_column_slice(3, 1, &[1.0, 2.0, 3.0]);
    let r = methods::ols(&[2.0, 4.0, 5.0], &x, None).expect("ols");
    close("b", r.coef[0], 1.5, EXACT);
    close("intercept", r.intercept, 2.0 / 3.0, EXACT);
    close("r2", r.r2, 27.0 / 28.0, EXACT);
    close("beta", r.beta[0], 1.5 * (3.0f64 / 7.0).sqrt(), EXACT);
    assert_eq!(r.n, 3);
    // a weight of 2 on a row equals that row twice: x = 1,2,3,3; y = 2,4,5,5
    // mean x = 9/4, mean y = 4; Sxx = 25/16+1/16+9/16+9/16 = 44/16, Sxy = (-5/4)(-2)+(-1/4)(0)+2(3/4)(1) = 4
    // b = 4 / (44/16) = 16/11
    let w = methods::ols(&[2.0, 4.0, 5.0], &x, Some(&[1.0, 1.0, 2.0])).expect("weighted");
    close("weighted b", w.coef[0], 16.0 / 11.0, EXACT);
    // a missing overall answer drops the row: 2 rows are too few for 1 predictor
    assert!(methods::ols(&[2.0, f64::NAN, 5.0], &x, None).is_err());
}

#[test]
fn improved_dual_weights_drop_negative_coefficients() {
    // b = 0.3, -0.1, 0.1 -> positive parts 0.3, 0, 0.1 (sum 0.4) -> 0.75, 0, 0.25
    let w = methods::improved_weights(&[0.3, -0.1, 0.1]).expect("weights");
    close("w1", w[0], 0.75, EXACT);
    close("w2", w[1], 0.0, EXACT);
    close("w3", w[2], 0.25, EXACT);
    assert!(methods::improved_weights(&[-1.0, 0.0]).is_err());
}

#[test]
fn ratio_c_b_over_a_and_bands() {
    // attribute 1: b = 6, 8 (mean 7), a = 8, 8 (mean 8): C = 0.875, dissatisfied
    // attribute 2: b = 9, 9 (mean 9), a = 9, 8 (mean 8.5): C = 1.0588, very satisfied
    // overall (7 + 9) / (8 + 8.5) = 16/16.5 = 0.9697, satisfied (|C - 1| <= 0.05)
    // respondent 1: (6 + 9) / (8 + 9) = 0.882 dissatisfied; 2: (8 + 9) / (8 + 8) = 1.0625 very satisfied
    let r = methods::satisfaction_ratio(
        &[
            ("p1", "e1", vec![6.0, 8.0], vec![8.0, 8.0]),
            ("p2", "e2", vec![9.0, 9.0], vec![9.0, 8.0]),
        ],
        None,
    )
    .expect("ratio");
    close("C1", r.rows[0].c, 0.875, EXACT);
    close("C2", r.rows[1].c, 9.0 / 8.5, EXACT);
    close("overall", r.overall, 16.0 / 16.5, EXACT);
    assert_eq!(Band::classify(r.rows[0].c), Band::Dissatisfied);
    assert_eq!(Band::classify(r.rows[1].c), Band::VerySatisfied);
    assert_eq!(Band::classify(r.overall), Band::Satisfied);
    assert_eq!(r.shares, [0.5, 0.0, 0.5]);
    // the band edges: 0.95 and 1.05 are still "satisfied"
    assert_eq!(Band::classify(0.95), Band::Satisfied);
    assert_eq!(Band::classify(1.05), Band::Satisfied);
    assert_eq!(Band::classify(0.949), Band::Dissatisfied);
    // no pair answered: not computable
    assert!(methods::satisfaction_ratio(&[("p", "e", vec![f64::NAN], vec![5.0])], None).is_err());
}

#[test]
fn dick_basu_segments_by_hand() {
    // 0-100 scores, high = above 50:
    // (90, 90) loyal, (60, 80) loyal, (70, 10) latent, (20, 55) spurious, (50, 50) no loyalty
    // weights 1, 1, 2, 1, 1 (total 6): loyal 2/6, latent 2/6, spurious 1/6, none 1/6
    let s = methods::dick_basu(
        &[90.0, 60.0, 70.0, 20.0, 50.0],
        &[90.0, 80.0, 10.0, 55.0, 50.0],
        50.0,
        Some(&[1.0, 1.0, 2.0, 1.0, 1.0]),
    );
    assert_eq!(s.counts, [2, 1, 1, 1]);
    close("loyal", s.shares[0], 2.0 / 6.0, EXACT);
    close("latent", s.shares[1], 2.0 / 6.0, EXACT);
    close("spurious", s.shares[2], 1.0 / 6.0, EXACT);
    close("none", s.shares[3], 1.0 / 6.0, EXACT);
    assert_eq!(LoyaltyClass::of(false, true), LoyaltyClass::Spurious);
}

#[test]
fn spearman_by_hand() {
    // ranks (1,2,3,4) vs (2,1,4,3): d^2 = 1+1+1+1 = 4, rho = 1 - 6*4/(4*15) = 0.6
    close(
        "rho",
        methods::spearman(&[1.0, 2.0, 3.0, 4.0], &[20.0, 10.0, 40.0, 30.0]),
        0.6,
        EXACT,
    );
    close(
        "perfect",
        methods::spearman(&[1.0, 2.0, 3.0], &[5.0, 6.0, 9.0]),
        1.0,
        EXACT,
    );
}

/// A small survey: two drivers of SAT, stated importance for three attributes, two
/// expectation columns, loyalty items.
fn small() -> (Model, Survey) {
    let mut model = Model::from_parts(
        "small",
        vec![
            ConstructSpec::new("CREW", &["c1", "c2"]).label("乘务员"),
            ConstructSpec::new("FOOD", &["f1", "f2"]),
            ConstructSpec::new("SAT", &["s1", "s2"]),
            ConstructSpec::new("LOY", &["l1", "l2"]),
        ],
        &[("CREW", "SAT"), ("FOOD", "SAT"), ("SAT", "LOY")],
    )
    .and_then(|m| {
        m.with_scale(Scale {
            min: 1.0,
            max: 10.0,
        })
    })
    .expect("model");
    model.missing_codes = vec!["无法回答".into()];
    model.extras.importance.insert("c1".into(), "imp_c1".into());
    model.extras.importance.insert("c2".into(), "imp_c2".into());
    model.extras.importance.insert("f1".into(), "imp_f1".into());
    model.extras.expectation_pairs = vec![
        ("c1".into(), "exp_c1".into()),
        ("f1".into(), "exp_f1".into()),
    ];
    model.extras.overall = Some("s1".into());
    model.extras.attitudinal = vec!["l1".into()];
    model.extras.behavioural = vec!["l2".into()];
    let rows: [[f64; 8]; 12] = [
        [8., 7., 6., 5., 7., 8., 9., 8.],
        [6., 6., 5., 6., 6., 6., 7., 3.],
        [9., 9., 7., 7., 9., 8., 9., 9.],
        [4., 5., 4., 3., 4., 5., 3., 7.],
        [7., 8., 6., 6., 7., 7., 8., 8.],
        [5., 4., 5., 5., 5., 4., 4., 2.],
        [10., 9., 8., 9., 10., 9., 10., 10.],
        [3., 4., 3., 4., 3., 3., 2., 6.],
        [7., 6., 8., 7., 7., 7., 6., 5.],
        [6., 7., 5., 4., 6., 6., 5., 5.],
        [8., 8., 9., 8., 8., 9., 9., 9.],
        [5., 6., 4., 5., 5., 5., 6., 4.],
    ];
    let x = DMatrix::from_fn(12, 8, |i, j| rows[i][j]);
    let mut s = Survey::from_matrix(model.items.iter().map(|i| i.name.clone()).collect(), x);
    let col = |v: &[&str]| {
        v.iter()
            .map(|t| {
                if t.is_empty() {
                    None
                } else {
                    Some(t.to_string())
                }
            })
            .collect::<Vec<_>>()
    };
    s.extra.insert(
        "imp_c1".into(),
        col(&["9", "8", "9", "7", "8", "9", "9", "8", "7", "9", "8", "9"]),
    );
    s.extra.insert(
        "imp_c2".into(),
        col(&["5", "6", "4", "5", "6", "5", "4", "6", "5", "4", "6", "4"]),
    );
    s.extra.insert(
        "imp_f1".into(),
        col(&[
            "7",
            "7",
            "7",
            "7",
            "7",
            "7",
            "7",
            "7",
            "7",
            "7",
            "7",
            "无法回答",
        ]),
    );
    s.extra.insert(
        "exp_c1".into(),
        col(&["8", "8", "8", "8", "8", "8", "8", "8", "8", "8", "8", ""]),
    );
    s.extra.insert(
        "exp_f1".into(),
        col(&["6", "6", "6", "6", "6", "6", "6", "6", "6", "6", "6", "6"]),
    );
    (model, s)
}

#[test]
fn comparison_on_a_small_survey_matches_hand_figures() {
    let (model, survey) = small();
    let a = analyze(&model, &survey, &FitOptions::default()).expect("fit");
    let r = methods::evaluate(&a, &survey, 2).expect("methods");
    let x = &survey.x;
    let col_mean = |k: usize| x.column(k).mean();
    let to100 = |v: f64| (v - 1.0) / 9.0 * 100.0;
    // simple: mean of SAT's items s1 (col 4), s2 (col 5)
    close(
        "simple",
        r.simple,
        (to100(col_mean(4)) + to100(col_mean(5))) / 2.0,
        1e-12,
    );
    // dual: importance means c1 = 100/12, c2 = 60/12 = 5, f1 = 7 (one 无法回答 skipped)
    let ic1 = 100.0 / 12.0;
    let (ic2, if1) = (5.0, 7.0);
    let want = (ic1 * to100(col_mean(0)) + ic2 * to100(col_mean(1)) + if1 * to100(col_mean(2)))
        / (ic1 + ic2 + if1);
    let Outcome::Done(d) = &r.dual else {
        panic!("dual not available")
    };
    close("dual", d.score, want, 1e-12);
    // ratio: c1 perceived over expected on the 11 rows with an expectation (row 12 blank)
    let b1: f64 = (0..11).map(|i| x[(i, 0)]).sum::<f64>() / 11.0;
    let Outcome::Done(ratio) = &r.ratio else {
        panic!("ratio not available")
    };
    close("C c1", ratio.rows[0].c, b1 / 8.0, 1e-12);
    close("C f1", ratio.rows[1].c, col_mean(2) / 6.0, 1e-12);
    // Dick & Basu: l1 (attitude), l2 (behaviour) > 5.5 on 1..10
    let mut counts = [0usize; 4];
    for i in 0..12 {
        let k = match (x[(i, 6)] > 5.5, x[(i, 7)] > 5.5) {
            (true, true) => 0,
            (true, false) => 1,
            (false, true) => 2,
            (false, false) => 3,
        };
        counts[k] += 1;
    }
    let Outcome::Done(seg) = &r.loyalty else {
        panic!("loyalty not available")
    };
    assert_eq!(seg.counts, counts);
    // regression and SEM rank both drivers; the table agrees on two drivers trivially
    assert_eq!(r.drivers.len(), 2);
    assert!(r
        .drivers
        .iter()
        .all(|d| d.ranks.iter().all(|x| x.is_some())));
    let doc = csi::report::methods::methods_json(&r, &model);
    assert_eq!(doc["schema"], "csi-methods/v1");
    assert_eq!(doc["methods"].as_array().map(|v| v.len()), Some(5));
    assert!(csi::report::methods::methods_text(&r, &model).contains("双重评价法"));
}

#[test]
fn text_in_an_importance_column_names_the_cell() {
    let (model, mut survey) = small();
    if let Some(c) = survey.extra.get_mut("imp_c2") {
        c[3] = Some("很重要".into());
    }
    let a = analyze(&model, &survey, &FitOptions::default()).expect("fit");
    let e = methods::evaluate(&a, &survey, 2).expect_err("text");
    let msg = e.to_string();
    assert!(
        msg.contains("row 5") && msg.contains("imp_c2") && msg.contains("很重要"),
        "{msg}"
    );
}

#[test]
fn cli_methods_runs_on_the_sample() {
    let out = Command::new(env!("CARGO_BIN_EXE_csi"))
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .args([
            "methods",
            "--model",
            "models/airline.toml",
            "--data",
            "data/airline_sample.csv",
            "--json",
            "-",
        ])
        .output()
        .expect("run csi");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["target"], "SAT");
    assert_eq!(doc["drivers"].as_array().map(|v| v.len()), Some(8));
    assert_eq!(doc["ratio"]["available"], false);
    assert_eq!(doc["loyalty"]["available"], true);
    let shares: f64 = doc["loyalty"]["classes"]
        .as_array()
        .map(|v| v.iter().filter_map(|c| c["share"].as_f64()).sum())
        .unwrap_or(0.0);
    close("shares sum to 1", shares, 1.0, 1e-12);
    let sem = doc["methods"][4]["score"].as_f64().expect("sem score");
    assert!(sem > 0.0 && sem < 100.0);
}

/// The explanations come in the model's language (issue 13 item 8): a model with
/// Chinese labels gets Chinese headings and explanations (JSON `explanation`, with the
/// English one beside it as `explanation_en`); the same model without labels gets
/// English throughout.
#[test]
fn methods_explanations_follow_the_model_language() {
    let (model, survey) = small();
    let a = analyze(&model, &survey, &FitOptions::default()).expect("fit");
    let r = methods::evaluate(&a, &survey, 2).expect("methods");
    assert_eq!(r.lang, csi::ipma::Lang::Chinese);
    let text = csi::report::methods::methods_text(&r, &model);
    for s in [
        "得分 (0-100)",
        "简单方法：目标构念各满意度题项的平均分",
        "驱动因素：",
        "忠诚度细分",
    ] {
        assert!(text.contains(s), "{s} not in\n{text}");
    }
    let doc = csi::report::methods::methods_json(&r, &model);
    let simple = &doc["methods"][0];
    assert_eq!(simple["method"], "simple");
    assert!(simple["explanation"].as_str().unwrap().contains("等权"));
    assert_eq!(simple["explanation_en"], methods::explanation("simple"));

    let mut plain = model.clone();
    for c in &mut plain.constructs {
        c.label = None;
    }
    for it in &mut plain.items {
        it.label = None;
    }
    let a = analyze(&plain, &survey, &FitOptions::default()).expect("fit");
    let r = methods::evaluate(&a, &survey, 2).expect("methods");
    assert_eq!(r.lang, csi::ipma::Lang::English);
    let text = csi::report::methods::methods_text(&r, &plain);
    assert!(text.contains("Scores (0-100)"), "{text}");
    assert!(text.contains(methods::explanation("simple")), "{text}");
    assert!(!text.contains("简单方法"), "{text}");
}
