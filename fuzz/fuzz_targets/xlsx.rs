//! XLSX/ODS/XLS reader (calamine): arbitrary bytes as a workbook (the first byte
//! picks the options and the format).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&b, rest)) = data.split_first() else { return };
    let model = common::model();
    let name = match b & 3 {
        1 => "fuzz.ods",
        2 => "fuzz.xls",
        _ => "fuzz.xlsx",
    };
    let opts = common::options(b & !3);
    let out = csi::data::inspect_survey_bytes(name, rest.to_vec(), &model, &opts);
    common::check(&model, out);
});
