//! The README's "As a library" snippet, compiled and run:
//! `cargo run --example library` (from the repository root).
use csi::{
    analysis::{analyze, FitOptions},
    bootstrap::{run, BootstrapOptions},
};

fn main() -> csi::Result<()> {
    let model = csi::spec::read_model("models/ccsi.toml".as_ref())?;
    let (survey, _report) =
        csi::data::read_survey("data/ccsi_sample.csv".as_ref(), &model, &Default::default())?;
    let a = analyze(&model, &survey, &FitOptions::default())?; // PLS, quality, 0-100 indices
    let sat = model.construct_index("SAT").unwrap_or(0);
    println!("SAT index {:.1}", a.indices[sat].value.unwrap_or(f64::NAN));
    let b = run(
        &model,
        &a.data,
        &a.options.pls,
        &a.fit,
        &BootstrapOptions::default(),
        None,
    )?;
    if let Some(ci) = b.stat(csi::stat::Stat::Index(sat)) {
        // or by its key text: b.stat("index:SAT")
        println!("95% CI [{:.1}, {:.1}]", ci.ci_low, ci.ci_high);
    }
    let json = csi::report::fit_json(&a, Some(&b)); // the csi-fit/v1 document
    println!("schema {}", json["schema"]);
    Ok(())
}
