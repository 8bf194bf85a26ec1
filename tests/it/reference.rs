//! csi against the reference results of R plspm 0.4.9, python plspm 0.5.7 and
//! seminr 2.3.1 in `../shared/reference/` (see its README for how each file was
//! computed). Skipped with a printed reason when that folder is absent.
//!
//! Tolerances (issue 3): 1e-6 against the `*_tol1e-12.json` fixed points, 1e-5
//! against the tol 1e-6 files. csi runs plspm's own algorithm and stopping rule, so
//! it is run here with the reference file's tolerance and max_iter and also checked
//! for the same iteration count.

use crate::common::*;
use csi::estimate::pls::{estimate, Indicators, PlsSettings, Scheme};
use csi::moments::Moments;
use csi::spec::{ConstructSpec, Mode, Model};
use serde_json::Value;
use std::path::Path;

pub(crate) struct Case {
    pub(crate) model: Model,
    pub(crate) moments: Moments,
    pub(crate) reference: Value,
}

/// A pls-reference/v1 file: its model, the moments of its dataset, the file itself.
pub(crate) fn load(dir: &Path, file: &str) -> Case {
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap();
    let spec = &reference["specification"];
    let constructs: Vec<ConstructSpec> = spec["constructs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            // R's jsonlite writes a single-item block as a bare string
            let items: Vec<&str> = match &c["indicators"] {
                Value::String(s) => vec![s.as_str()],
                v => v
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect(),
            };
            let mode = if c["mode"] == "B" { Mode::B } else { Mode::A };
            ConstructSpec::new(c["name"].as_str().unwrap(), &items).mode(mode)
        })
        .collect();
    let paths: Vec<(&str, &str)> = spec["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["from"].as_str().unwrap(), p["to"].as_str().unwrap()))
        .collect();
    let model = Model::from_parts("ref", constructs, &paths).unwrap();
    let data_file = reference["dataset"]["file"].as_str().unwrap();
    let csv = Csv::read(&dir.join(data_file));
    let names: Vec<String> = model.items.iter().map(|i| i.name.clone()).collect();
    let x = csv.matrix(&names);
    let moments = Moments::from_data(&x, None).unwrap();
    Case {
        model,
        moments,
        reference,
    }
}

fn settings_of(r: &Value) -> PlsSettings {
    let s = &r["settings"];
    PlsSettings {
        scheme: s["scheme"].as_str().unwrap().parse::<Scheme>().unwrap(),
        indicators: if s["indicator_treatment"] == "centered" {
            Indicators::Centered
        } else {
            Indicators::Standardized
        },
        tolerance: s["tolerance"].as_f64().unwrap(),
        max_iter: s["max_iter"].as_u64().unwrap() as usize,
        ..Default::default()
    }
}

/// Compare everything issue 3 lists: weights, loadings, paths, R², adjusted R²,
/// effects, AVE, alpha, rho_C, rho_A and GoF.
fn compare(file: &str, tol: f64) {
    let Some(dir) = reference_dir() else {
        skip(
            file,
            "../shared/reference is absent (a clone outside the project)",
        );
        return;
    };
    let case = load(&dir, file);
    let r = &case.reference;
    let settings = settings_of(r);
    let fit = estimate(&case.model, &case.moments, &settings).unwrap();
    let model = &case.model;
    assert!(fit.converged, "{file}: not converged");
    assert_eq!(
        fit.iterations as u64,
        r["iterations"].as_u64().unwrap(),
        "{file}: iteration count"
    );

    for o in r["outer_model"].as_array().unwrap() {
        let k = model.item_index(o["indicator"].as_str().unwrap()).unwrap();
        let name = &model.items[k].name;
        close(
            &format!("{file} weight {name}"),
            fit.weights[k],
            o["weight"].as_f64().unwrap(),
            tol,
        );
        close(
            &format!("{file} loading {name}"),
            fit.loadings[k],
            o["loading"].as_f64().unwrap(),
            tol,
        );
    }
    for (item, row) in r["cross_loadings"].as_object().unwrap() {
        let k = model.item_index(item).unwrap();
        for (con, v) in row.as_object().unwrap() {
            let j = model.construct_index(con).unwrap();
            close(
                &format!("{file} cross-loading {item}/{con}"),
                fit.cross_loadings[(k, j)],
                v.as_f64().unwrap(),
                tol,
            );
        }
    }
    for pc in r["path_coefficients"].as_array().unwrap() {
        let a = model.construct_index(pc["from"].as_str().unwrap()).unwrap();
        let b = model.construct_index(pc["to"].as_str().unwrap()).unwrap();
        let st = fit
            .path_stats
            .iter()
            .find(|s| s.from == a && s.to == b)
            .unwrap();
        let what = format!("{file} path {}->{}", pc["from"], pc["to"]);
        close(&what, st.estimate, pc["estimate"].as_f64().unwrap(), tol);
        close(
            &format!("{what} se"),
            st.se,
            pc["std_error"].as_f64().unwrap(),
            tol,
        );
        // t values are ~10-30: compare relatively
        let t = pc["t_value"].as_f64().unwrap();
        close(&format!("{what} t"), st.t / t, 1.0, tol);
    }
    for (con, c) in r["constructs"].as_object().unwrap() {
        let j = model.construct_index(con).unwrap();
        if let Some(v) = c["r_squared"].as_f64() {
            close(&format!("{file} R2 {con}"), fit.r2[j].unwrap(), v, tol);
            close(
                &format!("{file} adj R2 {con}"),
                fit.r2_adj[j].unwrap(),
                c["r_squared_adj"].as_f64().unwrap(),
                tol,
            );
        } else {
            assert!(fit.r2[j].is_none());
        }
    }
    for e in r["effects"].as_array().unwrap() {
        let a = model.construct_index(e["from"].as_str().unwrap()).unwrap();
        let b = model.construct_index(e["to"].as_str().unwrap()).unwrap();
        let what = format!("{file} effect {}->{}", e["from"], e["to"]);
        close(
            &format!("{what} total"),
            fit.total[(a, b)],
            e["total"].as_f64().unwrap(),
            tol,
        );
        close(
            &format!("{what} direct"),
            fit.paths[(a, b)],
            e["direct"].as_f64().unwrap(),
            tol,
        );
        close(
            &format!("{what} indirect"),
            fit.total[(a, b)] - fit.paths[(a, b)],
            e["indirect"].as_f64().unwrap(),
            tol,
        );
    }
    let q = csi::quality::assess(model, &case.moments, &fit);
    for (con, c) in r["constructs"].as_object().unwrap() {
        let j = model.construct_index(con).unwrap();
        close(
            &format!("{file} AVE {con}"),
            q.constructs[j].ave,
            c["ave"].as_f64().unwrap(),
            tol,
        );
        match (q.constructs[j].alpha, c["cronbach_alpha"].as_f64()) {
            (Some(a), Some(b)) => close(&format!("{file} alpha {con}"), a, b, tol),
            // single item: python plspm null, R plspm 1; csi reports none
            (None, _) => assert_eq!(model.constructs[j].items.len(), 1),
            (Some(a), None) => panic!("{file} alpha {con}: csi {a}, reference null"),
        }
    }
    let d = &r["derived"];
    for (con, v) in d["rho_c"].as_object().unwrap() {
        let j = model.construct_index(con).unwrap();
        close(
            &format!("{file} rho_c {con}"),
            q.constructs[j].rho_c,
            v.as_f64().unwrap(),
            tol,
        );
    }
    for (con, v) in d["rho_a"].as_object().unwrap() {
        let j = model.construct_index(con).unwrap();
        close(
            &format!("{file} rho_a {con}"),
            q.constructs[j].rho_a,
            v.as_f64().unwrap(),
            tol,
        );
    }
    if let Some(v) = d["cronbach_alpha_raw"].as_object() {
        for (con, v) in v {
            let j = model.construct_index(con).unwrap();
            if let (Some(a), Some(b)) = (q.constructs[j].alpha_raw, v.as_f64()) {
                close(&format!("{file} raw alpha {con}"), a, b, tol);
            }
        }
    }
    close(
        &format!("{file} GoF"),
        q.gof,
        r["gof"].as_f64().unwrap(),
        tol,
    );
}

#[test]
fn satisfaction_path_standardized_tol6() {
    compare("satisfaction_ccsi_path.json", REFERENCE_TOL6);
}
#[test]
fn satisfaction_path_fixed_point() {
    compare(
        "satisfaction_ccsi_path_tol1e-12.json",
        REFERENCE_FIXED_POINT,
    );
}
#[test]
fn satisfaction_centroid_standardized() {
    compare("satisfaction_ccsi_centroid.json", REFERENCE_TOL6);
}
#[test]
fn satisfaction_factorial_standardized() {
    compare("satisfaction_ccsi_factorial.json", REFERENCE_TOL6);
}
#[test]
fn satisfaction_path_centered() {
    compare("satisfaction_ccsi_path_unscaled.json", REFERENCE_TOL6);
}
#[test]
fn satisfaction_centroid_centered() {
    compare("satisfaction_ccsi_centroid_unscaled.json", REFERENCE_TOL6);
}
#[test]
fn satisfaction_factorial_centered() {
    compare("satisfaction_ccsi_factorial_unscaled.json", REFERENCE_TOL6);
}
#[test]
fn mobi_ecsi_path_tol6() {
    compare("mobi_ecsi_path.json", REFERENCE_TOL6);
}
#[test]
fn mobi_ecsi_path_fixed_point() {
    compare("mobi_ecsi_path_tol1e-12.json", REFERENCE_FIXED_POINT);
}
#[test]
fn r_plspm_files() {
    for f in [
        "r_plspm/satisfaction_ccsi_path.json",
        "r_plspm/satisfaction_ccsi_path_tol1e-12.json",
        "r_plspm/satisfaction_ccsi_centroid.json",
        "r_plspm/satisfaction_ccsi_factorial.json",
        "r_plspm/satisfaction_ccsi_path_unscaled.json",
        "r_plspm/satisfaction_ccsi_centroid_unscaled.json",
        "r_plspm/satisfaction_ccsi_factorial_unscaled.json",
        "r_plspm/mobi_ecsi_path.json",
        "r_plspm/mobi_ecsi_path_tol1e-12.json",
    ] {
        compare(f, REFERENCE_TOL6);
    }
}

/// seminr 2.3.1 `estimate_pls()` on mobi (its own stopping rule `sum|W_new - W_old| < 1e-7`;
/// the README says it agrees with the tol-1e-12 fixed point to 1e-9). csi runs with its
/// default tolerance (1e-7 on plspm's criterion) and must agree to 1e-6.
#[test]
fn mobi_ecsi_seminr() {
    let Some(dir) = reference_dir() else {
        skip("mobi_ecsi_seminr", "../shared/reference is absent");
        return;
    };
    // the specification is the same as the plspm mobi file's
    let case = load(&dir, "mobi_ecsi_path_tol1e-12.json");
    let model = &case.model;
    let r: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("seminr/mobi_ecsi_path_seminr.json")).unwrap(),
    )
    .unwrap();
    let fit = estimate(model, &case.moments, &PlsSettings::default()).unwrap();
    let tol = REFERENCE_FIXED_POINT;
    for pc in r["path_coefficients"].as_array().unwrap() {
        let a = model.construct_index(pc["from"].as_str().unwrap()).unwrap();
        let b = model.construct_index(pc["to"].as_str().unwrap()).unwrap();
        close(
            &format!("seminr path {a}->{b}"),
            fit.paths[(a, b)],
            pc["estimate"].as_f64().unwrap(),
            tol,
        );
    }
    for (con, v) in r["r_squared"].as_object().unwrap() {
        let j = model.construct_index(con).unwrap();
        close(
            &format!("seminr R2 {con}"),
            fit.r2[j].unwrap(),
            v.as_f64().unwrap(),
            tol,
        );
    }
    for (con, v) in r["r_squared_adj"].as_object().unwrap() {
        let j = model.construct_index(con).unwrap();
        close(
            &format!("seminr adj R2 {con}"),
            fit.r2_adj[j].unwrap(),
            v.as_f64().unwrap(),
            tol,
        );
    }
    for o in r["outer"].as_array().unwrap() {
        let k = model.item_index(o["indicator"].as_str().unwrap()).unwrap();
        close(
            &format!("seminr weight {k}"),
            fit.weights[k],
            o["weight"].as_f64().unwrap(),
            tol,
        );
        close(
            &format!("seminr loading {k}"),
            fit.loadings[k],
            o["loading"].as_f64().unwrap(),
            tol,
        );
    }
    let q = csi::quality::assess(model, &case.moments, &fit);
    // reliability is keyed measure -> construct
    let rel = &r["reliability"];
    for (con, _) in rel["AVE"].as_object().unwrap() {
        let j = model.construct_index(con).unwrap();
        let c = &q.constructs[j];
        close(
            &format!("seminr rhoC {con}"),
            c.rho_c,
            rel["rhoC"][con].as_f64().unwrap(),
            tol,
        );
        close(
            &format!("seminr AVE {con}"),
            c.ave,
            rel["AVE"][con].as_f64().unwrap(),
            tol,
        );
        close(
            &format!("seminr rhoA {con}"),
            c.rho_a,
            rel["rhoA"][con].as_f64().unwrap(),
            tol,
        );
        // seminr's alpha is the covariance version on standardized data = standardized alpha;
        // single items: seminr 1, csi none
        if let Some(a) = c.alpha {
            close(
                &format!("seminr alpha {con}"),
                a,
                rel["alpha"][con].as_f64().unwrap(),
                tol,
            );
        }
    }
}

/// Bootstrap standard errors of the satisfaction CCSI paths agree in size (within
/// 15%) with python plspm 0.5.7's. Reference numbers: python plspm 0.5.7,
/// `Plspm(X, Config(path, scaled=False), Scheme.PATH, 100, 1e-6, bootstrap=True,
/// bootstrap_iterations=1000, processes=1)` with X = population z-scores of
/// satisfaction.csv, `np.random.seed(12345)`, run on 2026-11-22 (column `std.error`
/// of `bootstrap().paths()`; 639 s on a loaded 2-core machine). Different random
/// streams, so only the size can agree; with 1000 resamples the reference SEs carry
/// about 2-3% sampling error. (`processes=2` is not used: its two forked workers
/// inherit one numpy RNG state and draw the same resamples, so 300 "resamples" were
/// 150 distinct ones, and EXPE->QUAL came out 0.0167.)
///
/// python plspm is run on globally z-scored data with `scaled=False`, so inside a
/// resample its indicators are only centred; csi is run the same way here
/// (z-scored data, `Indicators::Centered`) so that both bootstrap the same estimator.
#[test]
fn bootstrap_se_close_to_python_plspm() {
    let Some(dir) = reference_dir() else {
        skip(
            "bootstrap_se_close_to_python_plspm",
            "../shared/reference is absent",
        );
        return;
    };
    let python_se = [
        ("IMAG", "EXPE", 0.051983),
        ("IMAG", "SAT", 0.053274),
        ("IMAG", "LOY", 0.073152),
        ("EXPE", "QUAL", 0.019612),
        ("EXPE", "VAL", 0.071601),
        ("EXPE", "SAT", 0.068890),
        ("QUAL", "VAL", 0.075675),
        ("QUAL", "SAT", 0.089175),
        ("VAL", "SAT", 0.082890),
        ("SAT", "LOY", 0.075087),
    ];
    let case = load(&dir, "satisfaction_ccsi_path.json");
    let model = &case.model;
    let names: Vec<String> = model.items.iter().map(|i| i.name.clone()).collect();
    let mut x = Csv::read(&dir.join("data/satisfaction.csv")).matrix(&names);
    let (mean, sd) = (case.moments.means.clone(), case.moments.pop_sd());
    for j in 0..x.ncols() {
        for i in 0..x.nrows() {
            x[(i, j)] = (x[(i, j)] - mean[j]) / sd[j];
        }
    }
    let survey = csi::data::Survey::from_matrix(names, x);
    let options = csi::analysis::FitOptions {
        pls: PlsSettings {
            indicators: Indicators::Centered,
            tolerance: 1e-6,
            max_iter: 100,
            ..Default::default()
        },
        ..Default::default()
    };
    let a = csi::analysis::analyze(model, &survey, &options).unwrap();
    let opts = csi::bootstrap::BootstrapOptions {
        resamples: 2000,
        seed: 1,
        ..Default::default()
    };
    let b = csi::bootstrap::run(model, &a.data, &a.options.pls, &a.fit, &opts, None).unwrap();
    assert_eq!(b.failed, 0);
    for (from, to, se) in python_se {
        let st = b.stat(&format!("path:{from}->{to}")).unwrap();
        let ratio = st.se / se;
        eprintln!(
            "{from}->{to}: csi se {:.4}, python plspm {se:.4} (ratio {ratio:.3})",
            st.se
        );
        assert!(
            (0.85..=1.15).contains(&ratio),
            "{from}->{to}: csi se {:.4}, python plspm {se:.4} (ratio {ratio:.3})",
            st.se
        );
    }
}
