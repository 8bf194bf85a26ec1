//! CSV/TSV reader: arbitrary bytes as a data file (the first byte picks the options
//! and the extension).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&b, rest)) = data.split_first() else { return };
    let model = common::model();
    let name = if b & 128 != 0 { "fuzz.tsv" } else { "fuzz.csv" };
    let out = csi::data::inspect_survey_bytes(name, rest.to_vec(), &model, &common::options(b));
    common::check(&model, out);
});
