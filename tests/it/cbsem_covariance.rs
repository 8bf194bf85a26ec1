//! CB-SEM residual covariances (`y1 ~~ y5`, TOML `[[covariance]]`).
//!
//! Expected values: lavaan 0.6-14 (Debian r-cran-lavaan) on its tutorial SEM of
//! Bollen's political democracy data with six residual covariances, printed with 15
//! significant digits by `tests/scripts/political_democracy.R` (data:
//! `../shared/reference/data/csem/PoliticalDemocracy.csv`, identical to
//! `lavaan::PoliticalDemocracy`). Tolerance: 1e-3 relative (issue 14,
//! `csi::tol::REFERENCE_LAVAAN`).

use crate::common::*;
use csi::estimate::cbsem::{estimate, CbsemSettings, ParamKind};
use csi::moments::Moments;
use csi::spec::lavaan::parse_lavaan;
use csi::spec::toml_file::{model_to_toml, parse_model_toml};
use csi::tol::REFERENCE_LAVAAN;

const MODEL: &str = "
  ind60 =~ x1 + x2 + x3
  dem60 =~ y1 + y2 + y3 + y4
  dem65 =~ y5 + y6 + y7 + y8
  dem60 ~ ind60
  dem65 ~ ind60 + dem60
  # residual correlations
  y1 ~~ y5
  y2 ~~ y4 + y6
  y3 ~~ y7
  y4 ~~ y8
  y6 ~~ y8
";

/// lavaan fitMeasures() (tests/scripts/political_democracy.R).
const FIT: [(&str, f64); 13] = [
    ("chisq", 38.1252182280585),
    ("df", 35.0),
    ("pvalue", 0.329180353225045),
    ("baseline.chisq", 730.654085392558),
    ("cfi", 0.995374529221942),
    ("tli", 0.992731403063052),
    ("logl", -1547.79094340271),
    ("aic", 3157.58188680541),
    ("bic", 3229.42401832504),
    ("rmsea", 0.0345044826794241),
    ("rmsea.ci.upper", 0.0922326756923514),
    ("srmr", 0.0444175458015629),
    ("gfi", 0.922670989503583),
];

/// lavaan parameterEstimates(standardized = TRUE): lhs, op, rhs, est, se, std.all.
const PARAMS: [(&str, &str, &str, f64, f64, f64); 9] = [
    (
        "dem60",
        "~",
        "ind60",
        1.48300054022542,
        0.399148608668019,
        0.44671298077784,
    ),
    (
        "dem65",
        "~",
        "ind60",
        0.57233619475932,
        0.221313792034602,
        0.182259326140542,
    ),
    (
        "dem65",
        "~",
        "dem60",
        0.837344811202947,
        0.0983509576681464,
        0.885228970878764,
    ),
    (
        "y1",
        "~~",
        "y5",
        0.623671074030225,
        0.35832022743272,
        0.295760952931383,
    ),
    (
        "y2",
        "~~",
        "y4",
        1.31311257673291,
        0.701983268421085,
        0.272566778371843,
    ),
    (
        "y2",
        "~~",
        "y6",
        2.15286126610351,
        0.733775932984817,
        0.356222388545155,
    ),
    (
        "y3",
        "~~",
        "y7",
        0.794960276374888,
        0.607698047456939,
        0.190640930938034,
    ),
    (
        "y4",
        "~~",
        "y8",
        0.348226039083801,
        0.442240063458797,
        0.108801780072635,
    ),
    (
        "y6",
        "~~",
        "y8",
        1.35616712069039,
        0.568286088953423,
        0.337770857202812,
    ),
];

fn rel(what: &str, got: f64, want: f64) {
    let d = (got - want).abs() / want.abs().max(1e-12);
    assert!(
        d <= REFERENCE_LAVAAN,
        "{what}: got {got:.10}, lavaan {want:.10}, relative difference {d:.2e}"
    );
}

fn moments(model: &csi::spec::Model) -> Option<Moments> {
    let dir = reference_dir()?;
    let csv = Csv::read(&dir.join("data/csem/PoliticalDemocracy.csv"));
    let names: Vec<String> = model.items.iter().map(|i| i.name.clone()).collect();
    Some(Moments::from_data(&csv.matrix(&names), None).unwrap())
}

#[test]
fn political_democracy_reproduces_lavaan() {
    let model = parse_lavaan(MODEL, "poldem.lav").unwrap();
    assert_eq!(model.covariances.len(), 6);
    let Some(m) = moments(&model) else {
        return skip(
            "political_democracy_reproduces_lavaan",
            "../shared/reference absent",
        );
    };
    let f = estimate(&model, &m, &CbsemSettings::default()).unwrap();
    assert!(f.converged, "{}", f.termination);
    assert!(f.is_admissible(), "{:?}", f.diagnostics);
    let fi = &f.fit;
    assert_eq!(fi.npar, 31);
    for (k, want) in FIT {
        let got = match k {
            "chisq" => fi.chisq,
            "df" => fi.df,
            "pvalue" => fi.pvalue,
            "baseline.chisq" => fi.baseline_chisq,
            "cfi" => fi.cfi,
            "tli" => fi.tli,
            "logl" => fi.logl,
            "aic" => fi.aic,
            "bic" => fi.bic,
            "rmsea" => fi.rmsea,
            "rmsea.ci.upper" => fi.rmsea_ci_upper,
            "srmr" => fi.srmr,
            "gfi" => fi.gfi,
            _ => unreachable!(),
        };
        rel(k, got, want);
    }
    // the issue's printed figures
    assert!((fi.chisq - 38.125).abs() < 5e-4);
    assert_eq!(fi.df, 35.0);
    assert_eq!(fi.rmsea_ci_lower, 0.0);
    for (lhs, op, rhs, est, se, std) in PARAMS {
        let row = f
            .parameters
            .iter()
            .find(|r| r.lhs == lhs && r.op == op && r.rhs == rhs)
            .unwrap_or_else(|| panic!("{lhs} {op} {rhs} in the parameter table"));
        if op == "~~" {
            assert_eq!(row.kind, ParamKind::ErrorCovariance);
        }
        let what = format!("{lhs} {op} {rhs}");
        rel(&format!("{what} est"), row.est, est);
        rel(&format!("{what} se"), row.se.unwrap(), se);
        rel(&format!("{what} std.all"), row.std_all, std);
    }
    // model fit leaves the declared pairs free: the saturated ML model reproduces
    // the y1-y5 correlation exactly as the estimated one does
    let mf = csi::model_fit::cbsem(&model, &m, &f).unwrap();
    assert!(mf.saturated.srmr <= mf.estimated.srmr + 1e-12);
}

#[test]
fn toml_form_equals_lavaan_form() {
    let lav = parse_lavaan(MODEL, "poldem.lav").unwrap();
    let toml = r#"
name = "poldem"

[[construct]]
name = "ind60"
items = ["x1", "x2", "x3"]

[[construct]]
name = "dem60"
items = ["y1", "y2", "y3", "y4"]

[[construct]]
name = "dem65"
items = ["y5", "y6", "y7", "y8"]

[[path]]
from = "ind60"
to = ["dem60", "dem65"]

[[path]]
from = "dem60"
to = "dem65"

[[covariance]]
between = ["y1", "y5"]

[[covariance]]
between = ["y2", "y4"]

[[covariance]]
between = ["y2", "y6"]

[[covariance]]
between = ["y3", "y7"]

[[covariance]]
between = ["y4", "y8"]

[[covariance]]
between = ["y6", "y8"]
"#;
    let t = parse_model_toml(toml, "poldem.toml").unwrap();
    assert_eq!(t.covariances, lav.covariances);
    assert_eq!(
        t.covariance_names()[0],
        ("y1".to_string(), "y5".to_string())
    );
    // written back and read again
    let again = parse_model_toml(&model_to_toml(&t), "again.toml").unwrap();
    assert_eq!(again, t);
}

#[test]
fn bad_covariances_are_refused_with_their_position() {
    let base = "A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3\nC =~ c1\nB ~ A + C\n";
    let cases = [
        ("A ~~ B\n", (5, 3), "'A' is a construct"),
        ("a1 ~~ zz\n", (5, 4), "'zz' is not an item"),
        ("a1 ~~ c1\n", (5, 4), "only item of construct 'C'"),
        ("a1 ~~ b1\nb1 ~~ a1\n", (6, 4), "declared twice"),
    ];
    for (extra, (line, col), msg) in cases {
        let text = format!("{base}{extra}");
        let e = parse_lavaan(&text, "m.lav").unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("m.lav:{line}:{col}: ")),
            "{extra}: {e}"
        );
        assert!(e.contains(msg), "{extra}: {e}");
    }
    // an error variance `a1 ~~ a1` is accepted and changes nothing
    let m = parse_lavaan(&format!("{base}a1 ~~ a1\n"), "m.lav").unwrap();
    assert!(m.covariances.is_empty());
    // TOML: exactly two items
    let toml = "name = \"m\"\n[[construct]]\nname = \"A\"\nitems = [\"a1\", \"a2\"]\n[[construct]]\nname = \"B\"\nitems = [\"b1\", \"b2\"]\n[[path]]\nfrom = \"A\"\nto = \"B\"\n[[covariance]]\nbetween = [\"a1\", \"b1\", \"b2\"]\n";
    let e = parse_model_toml(toml, "m.toml").unwrap_err().to_string();
    assert!(e.starts_with("m.toml:12:11: "), "{e}");
    assert!(e.contains("exactly two items"), "{e}");
}

#[test]
fn unidentified_covariance_is_refused_naming_it() {
    // Two-item construct A with a residual covariance of its two items: its variance
    // and that covariance enter only through cov(a1, a2), so the model is not
    // identified. The data are the population covariances of a three-construct model
    // (simulation truth, loadings 0.8, paths 0.4), so the rest of the model is fine.
    use csi::simulate::{Measurement, Population};
    let plain = "A =~ a1 + a2\nB =~ b1 + b2 + b3\nC =~ c1 + c2 + c3\nB ~ A\nC ~ B\n";
    let model = parse_lavaan(plain, "m.lav").unwrap();
    let pop = Population::new(
        &model,
        &[("A", "B", 0.4), ("B", "C", 0.4)],
        Measurement::CommonFactor(0.8),
    )
    .unwrap();
    let m = Moments::from_cov(vec![0.0; 8], pop.sigma.clone(), 300).unwrap();
    // without the covariance the model is identified
    let ok = estimate(&model, &m, &CbsemSettings::default()).unwrap();
    assert!(ok.vcov.is_some());
    let bad = parse_lavaan(&format!("{plain}a1 ~~ a2\n"), "m.lav").unwrap();
    let e = estimate(&bad, &m, &CbsemSettings::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("residual covariance a1 ~~ a2 makes the model unidentified"),
        "{e}"
    );
    assert!(e.contains("construct 'A'"), "{e}");
    // a residual covariance across constructs is identified here
    let across = parse_lavaan(&format!("{plain}a1 ~~ b1\n"), "m.lav").unwrap();
    let f = estimate(&across, &m, &CbsemSettings::default()).unwrap();
    assert!(f.converged);
    assert!(f.vcov.is_some());
    assert_eq!(f.fit.df, ok.fit.df - 1.0);
    // population data without such a covariance: its estimate is about 0
    let row = f
        .parameters
        .iter()
        .find(|r| r.kind == ParamKind::ErrorCovariance)
        .unwrap();
    assert!(row.est.abs() < 1e-6, "{row:?}");
}
