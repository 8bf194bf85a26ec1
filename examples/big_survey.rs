//! Writes a simulated CCSI survey (27 items of models/ccsi.toml, 1-10, no missing
//! answers) with N respondents, for benchmarks:
//!
//! ```text
//! cargo run --release --example big_survey -- 1000000 /tmp/ccsi_1m.csv
//! ```
use csi::simulate::{to_scale, Measurement, Population};
use csi::spec::{read_model, Scale};
use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().unwrap_or_else(|| "1000000".into()).parse()?;
    let out = args.next().unwrap_or_else(|| "/tmp/ccsi_big.csv".into());
    let model = read_model(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/ccsi.toml"
    )))?;
    let pop = Population::new(
        &model,
        &csi::simulate::CCSI_PATHS,
        Measurement::CommonFactor(0.8),
    )?;
    let mut w = std::io::BufWriter::new(std::fs::File::create(&out)?);
    let names: Vec<&str> = model.items.iter().map(|i| i.name.as_str()).collect();
    writeln!(w, "{}", names.join(","))?;
    // draw in chunks of 100,000 so memory stays small
    let chunk = 100_000;
    let mut done = 0;
    let mut seed = 1;
    while done < n {
        let m = chunk.min(n - done);
        let z = pop.draw_continuous(&model, m, seed)?;
        let x = to_scale(
            &model,
            &z,
            Scale {
                min: 1.0,
                max: 10.0,
            },
            7.0,
            1.6,
            &[],
            &[],
        );
        let mut line = String::new();
        for i in 0..m {
            line.clear();
            for k in 0..x.ncols() {
                if k > 0 {
                    line.push(',');
                }
                line.push_str(&(x[(i, k)] as i64).to_string());
            }
            writeln!(w, "{line}")?;
        }
        done += m;
        seed += 1;
    }
    w.flush()?;
    eprintln!("wrote {n} respondents to {out}");
    Ok(())
}
