//! Shared bench data: the CCSI model (27 items) and seeded simulated answers.
use csi::simulate::{to_scale, Measurement, Population};
use csi::spec::{read_model, Model, Scale};
use nalgebra::DMatrix;

pub use csi::simulate::CCSI_PATHS;

pub fn ccsi() -> Model {
    read_model(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/ccsi.toml"
    )))
    .expect("models/ccsi.toml")
}

/// n respondents on the 1-10 scale (seeded).
pub fn answers(model: &Model, n: usize) -> DMatrix<f64> {
    let pop =
        Population::new(model, &CCSI_PATHS, Measurement::CommonFactor(0.8)).expect("population");
    let z = pop.draw_continuous(model, n, 42).expect("draw");
    let s = Scale {
        min: 1.0,
        max: 10.0,
    };
    to_scale(model, &z, s, 7.0, 1.6, &[], &[])
}
