//! Paper tables (`csi fit --tables DIR`), the new fit tables (cross-loadings, AIC/BIC)
//! and `fit --path-chart`.

use crate::common::*;
use serde_json::Value;
use std::process::{Command, Output};

fn csi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_csi"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("run csi")
}

const SAMPLE: [&str; 5] = [
    "fit",
    "--model",
    "models/ccsi.toml",
    "--data",
    "data/ccsi_sample.csv",
];

const IDS: [&str; 11] = [
    "indices",
    "paths",
    "effects",
    "outer",
    "htmt",
    "fornell_larcker",
    "cross_loadings",
    "inner_vif",
    "f2",
    "information_criteria",
    "model_fit",
];

fn run_ok(args: &[&str]) -> Output {
    let out = csi(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Every table in every format; the paths table carries the JSON's estimates rounded
/// to three decimals (the JSON of the same run is the expected value).
#[test]
fn tables_dir_has_every_table_in_three_formats() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("tables");
    let d_s = d.to_str().unwrap();
    let mut args = SAMPLE.to_vec();
    args.extend(["--tables", d_s, "--json", "-"]);
    let out = run_ok(&args);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for id in IDS {
        for ext in ["csv", "md", "tex"] {
            let p = d.join(format!("{id}.{ext}"));
            assert!(p.exists(), "{} missing", p.display());
        }
    }
    // no bootstrap: no interval table
    assert!(!d.join("htmt_intervals.csv").exists());
    let csv = std::fs::read_to_string(d.join("paths.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next().unwrap(), "path,estimate,OLS se,t,p,");
    for p in v["paths"].as_array().unwrap() {
        let name = format!(
            "{} -> {}",
            p["from"].as_str().unwrap(),
            p["to"].as_str().unwrap()
        );
        let line = csv
            .lines()
            .find(|l| l.starts_with(&format!("{name},")))
            .unwrap_or_else(|| panic!("{name} not in paths.csv"));
        let est: f64 = line.split(',').nth(1).unwrap().parse().unwrap();
        assert!(
            (est - p["estimate"].as_f64().unwrap()).abs() <= 0.0005 + EXACT,
            "{line}"
        );
    }
    let tex = std::fs::read_to_string(d.join("fornell_larcker.tex")).unwrap();
    for s in [
        "\\toprule",
        "\\midrule",
        "\\bottomrule",
        "\\label{tab:fornell\\_larcker}",
    ] {
        assert!(tex.contains(s), "{s} not in\n{tex}");
    }
    let md = std::fs::read_to_string(d.join("outer.md")).unwrap();
    assert!(md.contains("| :--- | :--- | :--- | ---: |"), "{md}");
    // Chinese labels arrive unchanged in every format
    assert!(md.contains("总体满意度"), "{md}");
    assert!(std::fs::read_to_string(d.join("outer.csv"))
        .unwrap()
        .contains("总体满意度"));
}

#[test]
fn table_format_csv_writes_csv_only_and_text_names_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let mut args = SAMPLE.to_vec();
    args.extend(["--tables", d, "--table-format", "csv"]);
    let out = run_ok(&args);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("tables: {} files in {d}", IDS.len())),
        "{text}"
    );
    assert!(dir.path().join("f2.csv").exists());
    assert!(!dir.path().join("f2.md").exists());
    assert!(!dir.path().join("f2.tex").exists());
}

/// With a bootstrap the HTMT intervals are in the text report and in their own table.
#[test]
fn htmt_intervals_with_bootstrap() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let mut args = SAMPLE.to_vec();
    args.extend([
        "--bootstrap",
        "60",
        "--seed",
        "3",
        "--tables",
        d,
        "--table-format",
        "markdown",
    ]);
    let out = run_ok(&args);
    let text = String::from_utf8_lossy(&out.stdout);
    for s in [
        "HTMT with 95% bootstrap intervals",
        "Cross-loadings",
        "Fornell-Larcker criterion",
        "inner VIF",
        "Effect sizes (f²)",
        "Model selection criteria",
    ] {
        assert!(text.contains(s), "{s} not in the text report");
    }
    let md = std::fs::read_to_string(dir.path().join("htmt_intervals.md")).unwrap();
    assert!(md.contains("| IMAG / EXPE |"), "{md}");
}

#[test]
fn path_chart_needs_pls() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("x.svg");
    let mut args = SAMPLE.to_vec();
    args.extend([
        "--estimator",
        "cbsem",
        "--path-chart",
        target.to_str().unwrap(),
    ]);
    let out = csi(&args);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--path-chart"));
}

/// PLSc and CB-SEM write their own tables; their numbers are the JSON's (same run).
#[test]
fn plsc_and_cbsem_tables() {
    for (est, ids) in [
        (
            "plsc",
            vec![
                "plsc_paths",
                "plsc_constructs",
                "plsc_loadings",
                "model_fit",
            ],
        ),
        (
            "cbsem",
            vec![
                "cbsem_fit_indices",
                "cbsem_paths",
                "cbsem_loadings",
                "cbsem_constructs",
                "model_fit",
            ],
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let mut args = SAMPLE.to_vec();
        args.extend(["--estimator", est, "--tables", d, "--json", "-"]);
        let out = run_ok(&args);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        for id in &ids {
            for ext in ["csv", "md", "tex"] {
                assert!(
                    dir.path().join(format!("{id}.{ext}")).exists(),
                    "{est}: {id}.{ext}"
                );
            }
        }
        assert!(
            !dir.path().join("paths.csv").exists(),
            "{est}: PLS tables written"
        );
        let csv = std::fs::read_to_string(dir.path().join(format!("{est}_paths.csv"))).unwrap();
        for p in v["paths"].as_array().unwrap() {
            let name = format!(
                "{} -> {},",
                p["from"].as_str().unwrap(),
                p["to"].as_str().unwrap()
            );
            let line = csv.lines().find(|l| l.starts_with(&name)).unwrap();
            let shown: f64 = line.split(',').nth(1).unwrap().parse().unwrap();
            // the JSON estimate: PLSc's corrected path, CB-SEM's standardized path
            assert!(
                (shown - p["estimate"].as_f64().unwrap()).abs() <= 0.0005 + EXACT,
                "{est}: {line}"
            );
        }
    }
}

#[test]
fn fit_path_chart_writes_svg() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("paths.svg");
    let mut args = SAMPLE.to_vec();
    args.extend(["--path-chart", p.to_str().unwrap()]);
    let out = run_ok(&args);
    let svg = std::fs::read_to_string(&p).unwrap();
    assert!(svg.contains("<svg"), "not an SVG");
    assert!(svg.contains("SAT"), "construct names missing");
    assert!(String::from_utf8_lossy(&out.stdout).contains("path diagram: "));
}

/// `cross_loadings` in the JSON equal plspm's (the reference file's `cross_loadings`)
/// with the plspm profile on plspm's satisfaction data.
#[test]
fn cross_loadings_json_matches_plspm() {
    let Some(dir) = reference_dir() else {
        skip(
            "cross_loadings_json_matches_plspm",
            "../shared/reference is absent",
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("ccsi.toml");
    let toml = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/models/ccsi.toml"))
        .unwrap()
        .replacen("min = 1", "min = 0", 1);
    std::fs::write(&model, toml).unwrap();
    let data = dir.join("data/satisfaction.csv");
    let out = run_ok(&[
        "fit",
        "--model",
        model.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--profile",
        "plspm",
        "--json",
        "-",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("satisfaction_ccsi_centroid.json")).unwrap(),
    )
    .unwrap();
    let rows = v["cross_loadings"].as_array().unwrap();
    assert_eq!(rows.len(), 27);
    for row in rows {
        let item = row["item"].as_str().unwrap();
        for (con, want) in r["cross_loadings"][item].as_object().unwrap() {
            close(
                &format!("cross-loading {item}/{con}"),
                row["loadings"][con].as_f64().unwrap(),
                want.as_f64().unwrap(),
                1e-10,
            );
        }
        // the own construct's entry is the loading
        let own = row["construct"].as_str().unwrap();
        let ind = v["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == item)
            .unwrap();
        close(
            item,
            row["loadings"][own].as_f64().unwrap(),
            ind["loading"].as_f64().unwrap(),
            EXACT,
        );
    }
    // plspm standardizes with the population sd: its profile's AIC/BIC use SSE = (1-R²) n
    assert_eq!(v["information_criteria"]["divisor"], "n");
}

/// AIC and BIC against a hand computation: the scores of the mobi ECSI fit are rescaled
/// to unit sample variance (seminr's scores), each endogenous score is regressed (OLS
/// with intercept, normal equations here) on its predecessors' scores, and the residual
/// sum of squares goes into seminr's formulas (R/compute_metrics.R `AIC_func`,
/// `BIC_func`): AIC = n ln(SSE/n) + 2(p+1), BIC = n ln(SSE/n) + (p+1) ln n.
#[test]
fn information_criteria_match_a_hand_computation() {
    let Some(dir) = reference_dir() else {
        skip(
            "information_criteria_match_a_hand_computation",
            "../shared/reference is absent",
        );
        return;
    };
    let case = crate::reference::load(&dir, "mobi_ecsi_path_tol1e-12.json");
    let model = &case.model;
    let names: Vec<String> = model.items.iter().map(|i| i.name.clone()).collect();
    let x = Csv::read(&dir.join("data/mobi.csv")).matrix(&names);
    let fit = csi::estimate::pls::estimate(model, &case.moments, &Default::default()).unwrap();
    let scores = fit.scores(model, &x);
    let n = x.nrows();
    let nf = n as f64;
    let ic = csi::criteria::information_criteria(model, &fit, csi::profile::Divisor::NMinus1);
    assert_eq!(ic.len(), 6, "six endogenous constructs in ECSI");
    for c in &ic {
        let j = c.construct;
        let pred = model.predecessors(j);
        let sd = |col: usize| {
            let m = scores.column(col).mean();
            (scores
                .column(col)
                .iter()
                .map(|v| (v - m).powi(2))
                .sum::<f64>()
                / (nf - 1.0))
                .sqrt()
        };
        let mut design = nalgebra::DMatrix::from_element(n, pred.len() + 1, 1.0);
        for (a, &i) in pred.iter().enumerate() {
            let s = sd(i);
            for r in 0..n {
                design[(r, a + 1)] = scores[(r, i)] / s;
            }
        }
        let sj = sd(j);
        let y = nalgebra::DVector::from_fn(n, |r, _| scores[(r, j)] / sj);
        let beta = (design.transpose() * &design)
            .lu()
            .solve(&(design.transpose() * &y))
            .unwrap();
        let sse = (&y - &design * beta).norm_squared();
        let k = pred.len() as f64 + 1.0;
        let aic = nf * (sse / nf).ln() + 2.0 * k;
        let bic = nf * (sse / nf).ln() + k * nf.ln();
        let what = &model.constructs[j].name;
        close(&format!("{what} SSE"), c.sse, sse, 1e-8);
        close(&format!("{what} AIC"), c.aic, aic, 1e-8);
        close(&format!("{what} BIC"), c.bic, bic, 1e-8);
    }
}
