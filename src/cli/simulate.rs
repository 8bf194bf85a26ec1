//! `csi simulate`: write a simulated programme (data, hierarchy, sector weights) and
//! its truth, for planning sample sizes and checking the programme's tests.
use super::ModelArg;
use clap::Args;
use csi::program::simulate::{SimProgramme, SimSpec};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `csi simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub model: ModelArg,
    /// Folder to write data.csv, hierarchy.csv, sector_weights.csv and truth.json into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Companies.
    #[arg(long, default_value_t = 40)]
    pub companies: usize,
    /// Industries (companies are dealt to them in turn).
    #[arg(long, default_value_t = 8)]
    pub industries: usize,
    /// Sectors (industries are dealt to them in turn).
    #[arg(long, default_value_t = 3)]
    pub sectors: usize,
    /// Waves.
    #[arg(long, default_value_t = 2)]
    pub waves: usize,
    /// Respondents per company and wave.
    #[arg(long, default_value_t = 250)]
    pub n: usize,
    /// Seed.
    #[arg(long, default_value_t = csi::bootstrap::DEFAULT_SEED)]
    pub seed: u64,
    /// Loading of every item on its construct.
    #[arg(long, default_value_t = 0.8)]
    pub loading: f64,
    /// Mean answer before shifts (default: two thirds up the scale, 7 on 1-10).
    #[arg(long)]
    pub mean: Option<f64>,
    /// Answer standard deviation (default: a sixth of the scale's range, 1.5 on 1-10).
    #[arg(long)]
    pub sd: Option<f64>,
    /// Sd of the industries' latent mean shifts.
    #[arg(long = "industry-sd", default_value_t = 0.25)]
    pub industry_sd: f64,
    /// Sd of the companies' latent mean shifts.
    #[arg(long = "company-sd", default_value_t = 0.25)]
    pub company_sd: f64,
    /// Sd of each company's construct-specific shifts.
    #[arg(long = "construct-sd", default_value_t = 0.1)]
    pub construct_sd: f64,
    /// Share of companies with a planted change.
    #[arg(long = "change-share", default_value_t = 0.25)]
    pub change_share: f64,
    /// Size of a planted change in true index points (the sign is drawn).
    #[arg(long, default_value_t = 4.0)]
    pub change: f64,
    /// Construct that changes (repeatable; default SAT).
    #[arg(long = "change-construct", value_name = "CONSTRUCT")]
    pub change_constructs: Vec<String>,
}

/// Run `csi simulate`.
pub fn run(a: SimulateArgs) -> anyhow::Result<ExitCode> {
    super::outputs::check_output_dir("--out", &a.out)?;
    if a.out.is_dir() {
        let files: Vec<std::path::PathBuf> = [
            "data.csv",
            "hierarchy.csv",
            "sector_weights.csv",
            "truth.json",
        ]
        .iter()
        .map(|f| a.out.join(f))
        .collect();
        let outputs: Vec<_> = files.iter().map(|p| ("--out", p.as_path())).collect();
        super::check_outputs(&[("model", a.model.model.as_path())], &outputs)?;
    }
    let model = csi::spec::read_model(&a.model.model)?;
    let spec = SimSpec {
        companies: a.companies,
        industries: a.industries,
        sectors: a.sectors,
        waves: a.waves,
        n: a.n,
        seed: a.seed,
        loading: a.loading,
        mean: a.mean,
        sd: a.sd,
        industry_sd: a.industry_sd,
        company_sd: a.company_sd,
        construct_sd: a.construct_sd,
        change_share: a.change_share,
        change: a.change,
        change_constructs: a.change_constructs.clone(),
    };
    let sim = SimProgramme::generate(&model, &spec)?;
    sim.write(&model, &a.out)?;
    let truth = a.out.join("truth.json");
    super::write_json(
        &truth.display().to_string(),
        &csi::report::program::truth_json(&sim, &model),
    )?;
    let d = a.out.display();
    println_safe!(
        "wrote {d}/data.csv ({} respondents: {} companies x {} waves x {}), {d}/hierarchy.csv ({} industries, {} sectors), {d}/sector_weights.csv, {d}/truth.json ({} planted changes of {} points)",
        sim.companies.len() * sim.waves.len() * spec.n,
        sim.companies.len(),
        sim.waves.len(),
        spec.n,
        spec.industries,
        spec.sectors,
        sim.planted.len(),
        spec.change
    );
    println_safe!(
        "run: csi program --model {} --data {d}/data.csv --company company --wave wave --hierarchy {d}/hierarchy.csv --sector-weights {d}/sector_weights.csv --bootstrap 1000",
        a.model.model.display()
    );
    Ok(ExitCode::SUCCESS)
}
