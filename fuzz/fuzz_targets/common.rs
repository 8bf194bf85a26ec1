//! Shared by the data-reader targets: the model the data is read against, and the
//! checks every outcome must pass.

use csi::data::{IngestOptions, Survey, ValidationReport};
use csi::spec::{ConstructSpec, Model, Scale};

/// QUAL (q1, q2) -> SAT (s1, s2), scale 1..10, 「无法回答」 and 99 missing, s2
/// reverse-coded.
pub fn model() -> Model {
    let mut m = Model::from_parts(
        "fuzz",
        vec![
            ConstructSpec::new("QUAL", &["q1", "q2"]),
            ConstructSpec::new("SAT", &["s1", "s2"]),
        ],
        &[("QUAL", "SAT")],
    )
    .and_then(|m| m.with_scale(Scale { min: 1.0, max: 10.0 }))
    .expect("the fuzz model is valid");
    m.missing_codes = vec!["无法回答".into(), "99".into()];
    if let Some(it) = m.items.get_mut(3) {
        it.reverse = true;
    }
    m
}

/// Options chosen by one byte of the input.
pub fn options(b: u8) -> IngestOptions {
    IngestOptions {
        encoding: match b & 3 {
            1 => Some("gbk".into()),
            2 => Some("utf-8".into()),
            _ => None,
        },
        delimiter: match (b >> 2) & 3 {
            1 => Some(b';'),
            2 => Some(b'\t'),
            _ => None,
        },
        missing_codes: if b & 16 != 0 { vec!["-9".into(), "NA".into()] } else { Vec::new() },
        out_of_range_missing: b & 32 != 0,
        weight: if b & 64 != 0 { Some("w".into()) } else { None },
        sheet: if b & 128 != 0 { Some("2".into()) } else { None },
        model_file: None,
    }
}

/// What must hold for any input: messages are short and free of control
/// characters, a survey has consistent shapes and only values inside the scale.
pub fn check(model: &Model, out: csi::Result<(Option<Survey>, ValidationReport)>) {
    let (survey, report) = match out {
        Ok(r) => r,
        Err(e) => {
            let m = e.to_string();
            assert!(!m.chars().any(|c| c.is_control()), "control character in {m:?}");
            return;
        }
    };
    if let Some(e) = report.to_error() {
        let m = e.to_string();
        assert!(!m.chars().any(|c| c.is_control()), "control character in {m:?}");
        assert!(m.len() < 4_000, "message of {} bytes", m.len());
    }
    let text = report.to_string();
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "control character in the report"
    );
    for p in &report.problems {
        if let Some(v) = &p.value {
            assert!(v.chars().count() <= 100, "value of {} characters", v.chars().count());
        }
    }
    if let Some(s) = survey {
        let n = s.n();
        assert_eq!(s.rows.len(), n);
        assert_eq!(s.x.ncols(), model.n_items());
        for col in s.extra.values() {
            assert_eq!(col.len(), n, "extra column length");
        }
        if let Some(w) = &s.weights {
            assert_eq!(w.len(), n);
            assert!(w.iter().all(|v| v.is_finite() && *v >= 0.0));
        }
        for v in s.x.iter() {
            assert!(v.is_nan() || (1.0..=10.0).contains(v), "value {v} outside the scale");
        }
        assert!(s.rows.windows(2).all(|w| w[0] < w[1]), "rows not increasing");
    }
}
