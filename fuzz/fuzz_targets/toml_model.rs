//! TOML model parser: any text is a model or an error with a position; a model
//! written back by `model_to_toml` reads back equal.
#![no_main]

use csi::spec::toml_file::{model_to_toml, parse_model_toml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match parse_model_toml(text, "fuzz.toml") {
        Ok(m) => {
            let again = model_to_toml(&m);
            match parse_model_toml(&again, "again.toml") {
                Ok(m2) => assert_eq!(m, m2, "round trip changed the model:\n{again}"),
                Err(e) => panic!("model_to_toml wrote an unreadable file: {e}\n{again}"),
            }
        }
        Err(e) => {
            let m = e.to_string();
            assert!(!m.chars().any(|c| c.is_control()), "control character in {m:?}");
            assert!(matches!(e, csi::Error::Model { line: Some(_), .. }), "no line in {m}");
        }
    }
});
