//! `csi fit` through the real binary: contract keys, estimators, exit codes.

use std::process::{Command, Output};

fn csi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_csi"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("run csi")
}

const SAMPLE: [&str; 4] = [
    "--model",
    "models/ccsi.toml",
    "--data",
    "data/ccsi_sample.csv",
];

fn fit_json(extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["fit"];
    args.extend(SAMPLE);
    args.extend(extra);
    args.extend(["--json", "-"]);
    let out = csi(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is only JSON")
}

#[test]
fn pls_json_has_the_contract_keys() {
    let v = fit_json(&[]);
    assert_eq!(v["schema"], "csi-fit/v1");
    assert_eq!(v["model"], "CCSI");
    assert_eq!(v["n"], 250);
    for k in [
        "estimator",
        "scheme",
        "indicators",
        "tolerance",
        "max_iter",
        "missing",
    ] {
        assert!(!v["settings"][k].is_null(), "settings.{k}");
    }
    assert_eq!(v["converged"], true);
    assert_eq!(v["paths"].as_array().unwrap().len(), 10);
    assert_eq!(v["indicators"].as_array().unwrap().len(), 27);
    let sat = v["constructs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "SAT")
        .unwrap();
    for k in ["r2", "r2_adj", "ave", "alpha", "rho_c", "rho_a", "index"] {
        assert!(sat[k].is_number(), "SAT.{k}");
    }
    let imag = v["constructs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "IMAG")
        .unwrap();
    assert!(imag["r2"].is_null(), "exogenous r2 is null");
    // the sample's population has item means near 7 on 1..10: index near (7-1)/9*100 = 67
    let idx = sat["index"].as_f64().unwrap();
    assert!((60.0..75.0).contains(&idx), "SAT index {idx}");
    assert!(v["gof"].is_number());
    assert_eq!(v["missing"]["policy"], "mean");
}

#[test]
fn cbsem_json_has_fit_indices_and_standardized_paths() {
    let v = fit_json(&["--estimator", "cbsem"]);
    assert_eq!(v["settings"]["estimator"], "cbsem");
    for k in ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr"] {
        assert!(v["fit_indices"][k].is_number(), "fit_indices.{k}");
    }
    let p = &v["paths"][0];
    assert!(p["estimate"].is_number() && p["estimate_unstd"].is_number());
}

#[test]
fn plsc_json_reports_admissibility() {
    let v = fit_json(&["--estimator", "plsc"]);
    assert_eq!(v["settings"]["estimator"], "plsc");
    assert!(v["admissible"].is_boolean());
    assert!(v["paths"][0]["pls_estimate"].is_number());
}

#[test]
fn strict_non_convergence_exits_1_and_otherwise_0() {
    let mut args = vec!["fit"];
    args.extend(SAMPLE);
    args.extend(["--max-iter", "1", "--json", "-"]);
    let out = csi(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "non-convergence is reported, not an error"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["converged"], false);
    assert!(String::from_utf8_lossy(&out.stderr).contains("did not converge"));
    args.push("--strict");
    assert_eq!(csi(&args).status.code(), Some(1));
}

#[test]
fn bad_flags_exit_2_with_a_message() {
    for (flag, value, needle) in [
        ("--estimator", "lisrel", "--estimator"),
        ("--scheme", "magic", "--scheme"),
        ("--tol", "0", "--tol"),
        ("--missing", "drop", "--missing"),
        ("--ci", "normal", "--ci"),
    ] {
        let mut args = vec!["fit"];
        args.extend(SAMPLE);
        args.extend([flag, value]);
        if flag == "--ci" {
            args.extend(["--bootstrap", "10"]);
        }
        let out = csi(&args);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{flag}: {err}");
    }
}

#[test]
fn model_fit_key_for_every_estimator() {
    for est in ["pls", "plsc", "cbsem"] {
        let v = fit_json(&["--estimator", est]);
        let mf = &v["model_fit"];
        let implied = match est {
            "pls" => "composite",
            "plsc" => "common_factor",
            _ => "maximum_likelihood",
        };
        assert_eq!(mf["implied"], implied, "{est}");
        for part in ["saturated", "estimated"] {
            for k in ["srmr", "d_uls", "d_g", "d_g_ln"] {
                let x = mf[part][k].as_f64().unwrap_or(f64::NAN);
                assert!(x.is_finite() && x >= 0.0, "{est} {part}.{k}");
            }
            assert!(mf[part]["hi95"].is_null(), "no test without --bootstrap");
        }
        // the top-level srmr stays for PLS
        if est == "pls" {
            assert!(v["srmr"].is_number());
        }
    }
    let v = fit_json(&["--bootstrap", "120", "--seed", "3"]);
    let mf = &v["model_fit"];
    assert_eq!(mf["exact_fit_test"]["resamples"], 120);
    assert!(mf["estimated"]["hi99"]["srmr"].is_number());
}

#[test]
fn not_applicable_reliabilities_are_null_with_a_reason() {
    // a Mode B block and a single-item block in lavaan syntax
    let dir = std::env::temp_dir().join(format!("csi-na-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let lav = dir.join("m.lav");
    std::fs::write(
        &lav,
        "IMAG <~ imag1 + imag2 + imag3\nEXPE =~ expe1\nSAT =~ sat1 + sat2 + sat3\nSAT ~ IMAG + EXPE\n",
    )
    .unwrap();
    let args = [
        "fit",
        "--model",
        lav.to_str().unwrap(),
        "--data",
        "data/ccsi_sample.csv",
        "--scale",
        "1,10",
        "--missing-code",
        "无法回答",
    ];
    let mut j = args.to_vec();
    j.extend(["--json", "-"]);
    let out = csi(&j);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = |n: &str| {
        v["constructs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == n)
            .unwrap()
            .clone()
    };
    assert!(c("IMAG")["rho_a"].is_null());
    assert!(c("IMAG")["rho_a_note"].as_str().unwrap().contains("Mode B"));
    assert!(c("EXPE")["alpha"].is_null());
    assert!(c("EXPE")["alpha_note"]
        .as_str()
        .unwrap()
        .contains("single item"));
    assert!(c("SAT")["rho_a"].is_number() && c("SAT").get("rho_a_note").is_none());
    for f in v["f2"].as_array().unwrap() {
        assert!(
            f["f2"].is_number() && f["f2_reestimated"].is_number(),
            "{f}"
        );
    }
    assert!(v["f2_definition"].as_str().unwrap().contains("seminr"));
    let text = String::from_utf8_lossy(&csi(&args).stdout).to_string();
    assert!(text.contains("n/a: not applicable"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
