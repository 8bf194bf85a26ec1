//! `csi::predict` (PLSpredict) and `csi predict`.
//!
//! Leave-one-out on the satisfaction data against an independent computation:
//! `tests/scripts/plspredict_loo.py` (numpy 2.4.6, python 3.11.7; written from the
//! formulas of Shmueli et al. 2016/2019 with its own PLS loop, not from csi's code),
//! run as `python3 tests/scripts/plspredict_loo.py ../shared/reference/data/satisfaction.csv`.
//! Its output is embedded below. Both sides iterate PLS to a squared weight change
//! below 1e-24; agreement is required to 1e-6 (issue 14).

use crate::common::*;
use csi::estimate::pls::PlsSettings;
use csi::predict::{predict, PredictOptions, PredictivePower, Technique};
use csi::spec::{ConstructSpec, Model};

/// Output of tests/scripts/plspredict_loo.py:
/// item, q2 (ea), rmse (ea), mae (ea), q2 (da), rmse (da), mae (da), lm_rmse, lm_mae.
const LOO: [(&str, [f64; 8]); 22] = [
    (
        "expe1",
        [
            0.13015108196278058,
            1.8293614915939274,
            1.3847111351930113,
            0.13015108196278058,
            1.8293614915939274,
            1.3847111351930113,
            1.7979630685280008,
            1.3594014924307083,
        ],
    ),
    (
        "expe2",
        [
            0.22831502384897673,
            1.900012078067429,
            1.381595388475562,
            0.22831502384897673,
            1.900012078067429,
            1.381595388475562,
            1.8771324837277894,
            1.3825175874327165,
        ],
    ),
    (
        "expe3",
        [
            0.13946606698184616,
            2.107991556345271,
            1.6231764886762485,
            0.13946606698184616,
            2.107991556345271,
            1.6231764886762485,
            2.0878302827460993,
            1.6169729767778485,
        ],
    ),
    (
        "expe4",
        [
            0.21442471849720313,
            1.4884519774734355,
            1.149772639345622,
            0.21442471849720313,
            1.4884519774734355,
            1.149772639345622,
            1.4976248525712332,
            1.1607953818111532,
        ],
    ),
    (
        "expe5",
        [
            0.20838869212889266,
            2.0316242098634767,
            1.5906558826779944,
            0.20838869212889266,
            2.0316242098634767,
            1.5906558826779944,
            2.049393714645502,
            1.5929069776858984,
        ],
    ),
    (
        "qual1",
        [
            0.1811574686898324,
            1.8555302239783527,
            1.419324300999905,
            0.4809555331175487,
            1.4773048362387267,
            1.1733346626086296,
            1.8683882458618968,
            1.3727472218713828,
        ],
    ),
    (
        "qual2",
        [
            0.26202462507771873,
            1.9807590983458474,
            1.5145731212850566,
            0.5411838419925654,
            1.561816750287321,
            1.216340937499954,
            1.9510594553534917,
            1.480721960863856,
        ],
    ),
    (
        "qual3",
        [
            0.16368825909680695,
            2.166266901718891,
            1.6717112138015695,
            0.4139672271753011,
            1.8133799902424401,
            1.3906069100894412,
            2.1152903492071453,
            1.6291031347154292,
        ],
    ),
    (
        "qual4",
        [
            0.318109218395793,
            1.5056478103313078,
            1.1581002774517046,
            0.4180394243218042,
            1.3909540060380314,
            1.1194078781878696,
            1.4490908336424118,
            1.0941836812483512,
        ],
    ),
    (
        "qual5",
        [
            0.22706776898441605,
            1.8980526745973108,
            1.4598181169439457,
            0.48184685318738685,
            1.554055848048425,
            1.1807230003009932,
            1.8234112347622076,
            1.4150181791537428,
        ],
    ),
    (
        "val1",
        [
            0.280556931183612,
            1.8315072558823529,
            1.403506620820611,
            0.505375703606786,
            1.5186166244591763,
            1.1422083011681776,
            1.6739899927283455,
            1.3021749769340385,
        ],
    ),
    (
        "val2",
        [
            0.22291332399968433,
            1.5983056997350837,
            1.1827836903869502,
            0.2901254031725232,
            1.5276221062576292,
            1.1146012756729047,
            1.5823645085151177,
            1.1506985070526032,
        ],
    ),
    (
        "val3",
        [
            0.20092275956568595,
            1.9061167774385455,
            1.4245983337692818,
            0.2524362009055173,
            1.843653298093668,
            1.3435063402379366,
            1.8503158775084718,
            1.3324066999743365,
        ],
    ),
    (
        "val4",
        [
            0.28574875576005054,
            1.8884229778242259,
            1.477171016726519,
            0.4434918641379818,
            1.666899945185843,
            1.274884082004397,
            1.7442274871352355,
            1.371807211016795,
        ],
    ),
    (
        "sat1",
        [
            0.35641910269063803,
            1.6244687206941455,
            1.210062533991961,
            0.6397633947224189,
            1.2153565379250135,
            0.8818209688411902,
            1.5481022590645217,
            1.19300500062278,
        ],
    ),
    (
        "sat2",
        [
            0.34427777817912353,
            1.5982089463978228,
            1.1744586597912998,
            0.6433090863876361,
            1.1787443651131033,
            0.8766779156392538,
            1.5314982053008566,
            1.1442862487555021,
        ],
    ),
    (
        "sat3",
        [
            0.2347315487277164,
            1.6467644440883684,
            1.2984522819983257,
            0.3837468360363089,
            1.4777608531488935,
            1.132448210445723,
            1.6289174316184025,
            1.2719276284390024,
        ],
    ),
    (
        "sat4",
        [
            0.2880768759078829,
            1.655169256858864,
            1.3081096090139082,
            0.38358433838647976,
            1.5401488419391984,
            1.1651319775524225,
            1.5954518874818797,
            1.25529876486409,
        ],
    ),
    (
        "loy1",
        [
            0.29463575108465256,
            2.192933962327972,
            1.6496824768803122,
            0.44617968753224546,
            1.9431363307083935,
            1.4051547746305322,
            2.1898285119296346,
            1.6376461936995694,
        ],
    ),
    (
        "loy2",
        [
            0.17060044872509805,
            1.868717135246798,
            1.4317464637723758,
            0.1817867468801393,
            1.8560724510884252,
            1.349529286701662,
            1.9030714014038232,
            1.446192203034341,
        ],
    ),
    (
        "loy3",
        [
            0.2912975121352954,
            2.2477280549364127,
            1.6705765194386135,
            0.43935811049757023,
            1.9991922497494892,
            1.4354105765854304,
            2.2175272701590463,
            1.6386912556605293,
        ],
    ),
    (
        "loy4",
        [
            0.14107080374211156,
            2.11206495950568,
            1.6239400275948859,
            0.1231137336748761,
            2.1340285380641943,
            1.5786242221879736,
            2.1309792542893784,
            1.612642204082417,
        ],
    ),
];

const BLOCKS: [(&str, &[&str]); 6] = [
    ("IMAG", &["imag1", "imag2", "imag3", "imag4", "imag5"]),
    ("EXPE", &["expe1", "expe2", "expe3", "expe4", "expe5"]),
    ("QUAL", &["qual1", "qual2", "qual3", "qual4", "qual5"]),
    ("VAL", &["val1", "val2", "val3", "val4"]),
    ("SAT", &["sat1", "sat2", "sat3", "sat4"]),
    ("LOY", &["loy1", "loy2", "loy3", "loy4"]),
];
const PATHS: [(&str, &str); 10] = [
    ("IMAG", "EXPE"),
    ("EXPE", "QUAL"),
    ("EXPE", "VAL"),
    ("QUAL", "VAL"),
    ("IMAG", "SAT"),
    ("EXPE", "SAT"),
    ("QUAL", "SAT"),
    ("VAL", "SAT"),
    ("IMAG", "LOY"),
    ("SAT", "LOY"),
];

fn satisfaction() -> Option<(Model, csi::data::Complete)> {
    let dir = reference_dir()?;
    let specs = BLOCKS
        .iter()
        .map(|(n, it)| ConstructSpec::new(n, it))
        .collect();
    let model = Model::from_parts("ccsi", specs, &PATHS).unwrap();
    let csv = Csv::read(&dir.join("data/satisfaction.csv"));
    let names: Vec<String> = model.items.iter().map(|i| i.name.clone()).collect();
    let x = csv.matrix(&names);
    let n = x.nrows();
    Some((
        model,
        csi::data::Complete {
            em: None,
            design: None,
            x,
            rows: (2..n + 2).collect(),
            weights: None,
            kept: (0..n).collect(),
        },
    ))
}

#[test]
fn leave_one_out_matches_an_independent_computation() {
    let Some((model, data)) = satisfaction() else {
        return skip(
            "leave_one_out_matches_an_independent_computation",
            "../shared/reference absent",
        );
    };
    let n = data.x.nrows();
    for (t, technique) in [
        (0, Technique::EarliestAntecedents),
        (3, Technique::DirectAntecedents),
    ] {
        let p = predict(
            &model,
            &data,
            &PredictOptions {
                folds: n,
                repeats: 3,
                technique,
                pls: PlsSettings {
                    tolerance: 1e-24,
                    max_iter: 2000,
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .unwrap();
        assert!(p.leave_one_out);
        assert_eq!(p.estimations, n, "leave-one-out makes one pass");
        assert_eq!(p.not_converged, 0);
        assert_eq!(p.indicators.len(), 22);
        for (got, (name, want)) in p.indicators.iter().zip(LOO.iter()) {
            assert_eq!(&model.items[got.item].name, name);
            let tol = 1e-6;
            close(&format!("{name} q2"), got.q2_predict, want[t], tol);
            close(&format!("{name} rmse"), got.rmse, want[t + 1], tol);
            close(&format!("{name} mae"), got.mae, want[t + 2], tol);
            close(&format!("{name} lm_rmse"), got.lm_rmse, want[6], tol);
            close(&format!("{name} lm_mae"), got.lm_mae, want[7], tol);
        }
    }
}

/// A chain QUAL -> VAL -> SAT with an exogenous IMAG -> SAT.
fn chain() -> Model {
    Model::from_parts(
        "sim",
        vec![
            ConstructSpec::new("QUAL", &["q1", "q2", "q3"]),
            ConstructSpec::new("IMAG", &["i1", "i2", "i3"]),
            ConstructSpec::new("VAL", &["v1", "v2", "v3"]),
            ConstructSpec::new("SAT", &["s1", "s2", "s3"]),
        ],
        &[("QUAL", "VAL"), ("VAL", "SAT"), ("IMAG", "SAT")],
    )
    .unwrap()
}

fn simulated(n: usize, seed: u64) -> (Model, csi::data::Complete) {
    use csi::simulate::{Measurement, Population};
    let model = chain();
    // simulation truth: strong paths, loadings 0.85 (well-predicted SAT and VAL items)
    let pop = Population::new(
        &model,
        &[
            ("QUAL", "VAL", 0.7),
            ("VAL", "SAT", 0.5),
            ("IMAG", "SAT", 0.4),
        ],
        Measurement::CommonFactor(0.85),
    )
    .unwrap();
    let x = pop.draw_continuous(&model, n, seed).unwrap();
    let data = csi::data::Complete {
        em: None,
        design: None,
        x,
        rows: (2..n + 2).collect(),
        weights: None,
        kept: (0..n).collect(),
    };
    (model, data)
}

#[test]
fn well_predicted_indicators_have_positive_q2_and_pls_is_close_to_lm() {
    let (model, data) = simulated(400, 21);
    let p = predict(&model, &data, &PredictOptions::default()).unwrap();
    assert_eq!(p.estimations, 100); // 10 folds x 10 repeats
    assert_eq!(p.indicators.len(), 6); // VAL and SAT items
    for i in &p.indicators {
        // population R² of an item given the exogenous factors: VAL items
        // 0.85² 0.7² = 0.35, SAT items 0.85² (0.35² + 0.4²) = 0.20; predicting from
        // composites of error-laden items loses some of it
        assert!(i.q2_predict > 0.1, "{i:?}");
        // the LM benchmark regresses on the 6 QUAL/IMAG items; with a true
        // common-factor model and n = 400 both predictors come close
        assert!(i.lm_q2_predict > 0.1, "{i:?}");
        assert!((i.rmse - i.lm_rmse).abs() < 0.05 * i.lm_rmse, "{i:?}");
    }
    for c in &p.constructs {
        // construct scores: VAL 0.49, SAT 0.28 of the factor variance is predictable
        assert!(c.q2_predict > 0.15, "{c:?}");
    }
    // deterministic from (seed, repeat)
    let again = predict(&model, &data, &PredictOptions::default()).unwrap();
    assert_eq!(p, again);
    // another seed gives other folds
    let other = predict(
        &model,
        &data,
        &PredictOptions {
            seed: 7,
            ..Default::default()
        },
    )
    .unwrap();
    assert_ne!(p.indicators[0].rmse, other.indicators[0].rmse);
}

#[test]
fn lm_benchmark_wins_when_the_structural_model_omits_a_path() {
    // Simulation truth has QUAL -> SAT (0.5) that the model lacks: under earliest
    // antecedents PLS can reach QUAL only through VAL, while the LM benchmark uses
    // the QUAL items directly, so LM predicts the SAT items better.
    use csi::simulate::{Measurement, Population};
    let truth = Model::from_parts(
        "truth",
        vec![
            ConstructSpec::new("QUAL", &["q1", "q2", "q3"]),
            ConstructSpec::new("IMAG", &["i1", "i2", "i3"]),
            ConstructSpec::new("VAL", &["v1", "v2", "v3"]),
            ConstructSpec::new("SAT", &["s1", "s2", "s3"]),
        ],
        &[
            ("QUAL", "VAL"),
            ("VAL", "SAT"),
            ("IMAG", "SAT"),
            ("QUAL", "SAT"),
        ],
    )
    .unwrap();
    let pop = Population::new(
        &truth,
        &[
            ("QUAL", "VAL", 0.3),
            ("VAL", "SAT", 0.1),
            ("IMAG", "SAT", 0.2),
            ("QUAL", "SAT", 0.5),
        ],
        Measurement::CommonFactor(0.85),
    )
    .unwrap();
    let n = 500;
    let x = pop.draw_continuous(&truth, n, 5).unwrap();
    let data = csi::data::Complete {
        em: None,
        design: None,
        x,
        rows: (2..n + 2).collect(),
        weights: None,
        kept: (0..n).collect(),
    };
    let model = chain();
    let p = predict(&model, &data, &PredictOptions::default()).unwrap();
    let sat: Vec<_> = p
        .indicators
        .iter()
        .filter(|i| model.constructs[i.construct].name == "SAT")
        .collect();
    assert_eq!(sat.len(), 3);
    for i in &sat {
        assert!(i.lm_rmse < i.rmse, "{i:?}");
        assert!(i.lm_q2_predict > i.q2_predict + 0.05, "{i:?}");
    }
    assert_ne!(p.power, PredictivePower::High);
}

#[test]
fn bad_folds_are_refused() {
    let (model, data) = simulated(50, 1);
    for folds in [0, 1, 51] {
        let e = predict(
            &model,
            &data,
            &PredictOptions {
                folds,
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("--folds"), "{e}");
    }
}

#[test]
fn cli_predict_json() {
    use std::process::Command;
    let out = Command::new(env!("CARGO_BIN_EXE_csi"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "predict",
            "--model",
            "models/ccsi.toml",
            "--data",
            "data/ccsi_sample.csv",
            "--folds",
            "5",
            "--repeats",
            "2",
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
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema"], "csi-predict/v1");
    assert_eq!(v["folds"], 5);
    assert_eq!(v["repeats"], 2);
    let ind = v["indicators"].as_array().unwrap();
    assert!(!ind.is_empty());
    for i in ind {
        for k in [
            "name",
            "construct",
            "q2_predict",
            "rmse",
            "mae",
            "lm_rmse",
            "lm_mae",
        ] {
            assert!(!i[k].is_null(), "{k}");
        }
    }
    for c in v["constructs"].as_array().unwrap() {
        assert!(c["name"].is_string() && c["q2_predict"].is_number());
    }
    // the estimators other than PLS and --bootstrap are refused with exit 2
    let bad = Command::new(env!("CARGO_BIN_EXE_csi"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "predict",
            "--model",
            "models/ccsi.toml",
            "--data",
            "data/ccsi_sample.csv",
            "--estimator",
            "cbsem",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
