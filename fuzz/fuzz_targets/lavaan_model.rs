//! lavaan-syntax model parser: any text is a model or an error with a position.
#![no_main]

use csi::spec::lavaan::parse_lavaan;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match parse_lavaan(text, "fuzz.lav") {
        Ok(m) => {
            assert!(m.n_items() > 0 && !m.paths.is_empty());
            assert_eq!(m.topological_order().len(), m.n_constructs());
        }
        Err(e) => {
            let m = e.to_string();
            assert!(!m.chars().any(|c| c.is_control()), "control character in {m:?}");
            assert!(matches!(e, csi::Error::Model { line: Some(_), .. }), "no line in {m}");
        }
    }
});
