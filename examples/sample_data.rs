//! Writes the bundled sample surveys in `data/` from known population models:
//!
//! ```text
//! cargo run --example sample_data
//! ```
//!
//! * `data/ccsi_sample.csv`: 250 respondents for `models/ccsi.toml` (27 items, 1-10);
//! * `data/airline_sample.csv`: 600 respondents for `models/airline.toml`, 200 per
//!   airline; 长风航空 has a lower satisfaction and a stronger punctuality path;
//! * `data/*.population.toml`: the population parameters (the truth) of each file;
//! * `data/airline_sample.sav`: the airline sample as SPSS data (feature `sav`): the
//!   same answers, 「无法回答」 coded 99 and declared user-missing, variable labels
//!   and value labels as a fieldwork agency would deliver them.
//!
//! A few answers are 「无法回答」 ("cannot answer"), as in the seed questionnaire.
//! Everything is seeded: running it again writes the same bytes.
#![allow(clippy::type_complexity)]

use csi::simulate::{to_scale, Measurement, Population};
use csi::spec::{read_model, Model, Scale};
use nalgebra::DMatrix;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write;
use std::path::Path;

const SCALE: Scale = Scale {
    min: 1.0,
    max: 10.0,
};

use csi::simulate::CCSI_PATHS;

fn airline_paths(punct: f64) -> Vec<(&'static str, &'static str, f64)> {
    vec![
        ("IMAGE", "SAT", 0.15),
        ("CREW", "SAT", 0.25),
        ("CABIN", "SAT", 0.20),
        ("FOOD", "SAT", 0.08),
        ("ENTERTAIN", "SAT", 0.05),
        ("SAFETY", "SAT", 0.12),
        ("PUNCT", "SAT", punct),
        ("PRICE", "SAT", 0.15),
        ("SAT", "LOY", 0.60),
    ]
}

/// Latent mean shifts propagated along the paths (causes first).
fn propagate(model: &Model, pop: &Population, own: &[f64]) -> Vec<f64> {
    let mut s = own.to_vec();
    for &j in model.topological_order() {
        for &i in model.predecessors(j) {
            s[j] += pop.b[(i, j)] * s[i];
        }
    }
    s
}

fn loadings(model: &Model, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..model.n_items())
        .map(|_| rng.random_range(0.72..0.90))
        .collect()
}

struct Extra {
    name: &'static str,
    values: Vec<String>,
}

fn write_csv(
    path: &Path,
    model: &Model,
    x: &DMatrix<f64>,
    extra: &[Extra],
    missing_rate: f64,
    seed: u64,
) -> usize {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut s = String::from("id");
    for e in extra {
        s.push(',');
        s.push_str(e.name);
    }
    for it in &model.items {
        s.push(',');
        s.push_str(&it.name);
    }
    s.push('\n');
    let mut n_missing = 0;
    for i in 0..x.nrows() {
        let _ = write!(s, "{}", i + 1);
        for e in extra {
            s.push(',');
            s.push_str(&e.values[i]);
        }
        for k in 0..x.ncols() {
            s.push(',');
            if rng.random::<f64>() < missing_rate {
                s.push_str("无法回答");
                n_missing += 1;
            } else {
                let _ = write!(s, "{}", x[(i, k)] as i64);
            }
        }
        s.push('\n');
    }
    std::fs::write(path, s).expect("write sample csv");
    n_missing
}

fn demographics(n: usize, seed: u64) -> Vec<Extra> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut pick = |opts: &[&str]| -> String { opts[rng.random_range(0..opts.len())].to_string() };
    let mut age = Vec::new();
    let mut gender = Vec::new();
    let mut occupation = Vec::new();
    let mut education = Vec::new();
    let mut income = Vec::new();
    let mut flights = Vec::new();
    for _ in 0..n {
        age.push(pick(&["18-25", "26-35", "36-45", "46-55", "56+"]));
        gender.push(pick(&["男", "女"]));
        occupation.push(pick(&["企业职员", "公务员", "个体经营", "学生", "其他"]));
        education.push(pick(&["高中及以下", "大专", "本科", "研究生"]));
        income.push(pick(&["<5000", "5000-10000", "10000-20000", ">20000"]));
        flights.push(pick(&["1-2", "3-5", "6-10", ">10"]));
    }
    vec![
        Extra {
            name: "age",
            values: age,
        },
        Extra {
            name: "gender",
            values: gender,
        },
        Extra {
            name: "occupation",
            values: occupation,
        },
        Extra {
            name: "education",
            values: education,
        },
        Extra {
            name: "income",
            values: income,
        },
        Extra {
            name: "flights_per_year",
            values: flights,
        },
    ]
}

fn population_toml(
    title: &str,
    groups: &[(&str, usize, &[(&str, &str, f64)], &[f64])],
    model: &Model,
    load: &[f64],
    mean: f64,
    sd: f64,
    missing: usize,
) -> String {
    let mut s = format!("# {title}\n# Written by `cargo run --example sample_data`; the truth behind the sample file.\n");
    let _ = writeln!(s, "measurement = \"common factor\"\nanswer = \"round({mean} + {sd} * (z + shift * loading)), clamped to 1..10\"");
    let _ = writeln!(s, "cannot_answer_cells = {missing}\n");
    s.push_str("[loadings]\n");
    for (k, it) in model.items.iter().enumerate() {
        let _ = writeln!(s, "{} = {:.4}", it.name, load[k]);
    }
    for (g, n, paths, shift) in groups {
        let _ = writeln!(s, "\n[[group]]\nname = \"{g}\"\nn = {n}");
        s.push_str("latent_mean_shift = { ");
        let parts: Vec<String> = model
            .constructs
            .iter()
            .enumerate()
            .map(|(j, c)| format!("{} = {:.4}", c.name, shift[j]))
            .collect();
        s.push_str(&parts.join(", "));
        s.push_str(" }\npaths = [\n");
        for (a, b, v) in paths.iter() {
            let _ = writeln!(s, "  {{ from = \"{a}\", to = \"{b}\", value = {v} }},");
        }
        s.push_str("]\n");
    }
    s
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // CCSI sample
    let model = read_model(&root.join("models/ccsi.toml")).expect("models/ccsi.toml");
    let load = loadings(&model, 11);
    let pop = Population::new(&model, &CCSI_PATHS, Measurement::Loadings(load.clone()))
        .expect("population");
    let z = pop.draw_continuous(&model, 250, 2026).expect("draw");
    let x = to_scale(&model, &z, SCALE, 7.0, 1.6, &[], &load);
    let miss = write_csv(
        &root.join("data/ccsi_sample.csv"),
        &model,
        &x,
        &demographics(250, 5)[..2],
        0.004,
        17,
    );
    let zero = vec![0.0; model.n_constructs()];
    std::fs::write(
        root.join("data/ccsi_sample.population.toml"),
        population_toml(
            "CCSI sample (data/ccsi_sample.csv), models/ccsi.toml",
            &[("all", 250, &CCSI_PATHS, &zero)],
            &model,
            &load,
            7.0,
            1.6,
            miss,
        ),
    )
    .expect("write");

    // Airline sample: three airlines
    let model = read_model(&root.join("models/airline.toml")).expect("models/airline.toml");
    let load = loadings(&model, 23);
    let names = ["青云航空", "海鸥航空", "长风航空"];
    let common = airline_paths(0.10);
    let third = airline_paths(0.30);
    let sat = model.construct_index("SAT").expect("SAT");
    let punct = model.construct_index("PUNCT").expect("PUNCT");
    let mut all = DMatrix::<f64>::zeros(0, model.n_items());
    let mut airline_col = Vec::new();
    let mut groups_doc: Vec<(String, Vec<(&str, &str, f64)>, Vec<f64>)> = Vec::new();
    for (g, name) in names.iter().enumerate() {
        let paths = if g == 2 { &third } else { &common };
        let pop = Population::with_exo_cor(&model, paths, Measurement::Loadings(load.clone()), 0.3)
            .expect("population");
        let mut own = vec![0.0; model.n_constructs()];
        if g == 2 {
            own[sat] = -0.6; // lower satisfaction beyond what the drivers explain
            own[punct] = -0.4; // and worse punctuality
        }
        let shift = propagate(&model, &pop, &own);
        let z = pop
            .draw_continuous(&model, 200, 100 + g as u64)
            .expect("draw");
        let x = to_scale(&model, &z, SCALE, 6.8, 1.7, &shift, &load);
        let start = all.nrows();
        all = all.insert_rows(start, 200, 0.0);
        for i in 0..200 {
            for k in 0..model.n_items() {
                all[(start + i, k)] = x[(i, k)];
            }
            airline_col.push(name.to_string());
        }
        groups_doc.push((name.to_string(), paths.clone(), shift));
    }
    let mut extra = vec![Extra {
        name: "airline",
        values: airline_col,
    }];
    extra.extend(demographics(600, 9));
    let miss = write_csv(
        &root.join("data/airline_sample.csv"),
        &model,
        &all,
        &extra,
        0.006,
        29,
    );
    let g: Vec<(&str, usize, &[(&str, &str, f64)], &[f64])> = groups_doc
        .iter()
        .map(|(n, p, s)| (n.as_str(), 200usize, p.as_slice(), s.as_slice()))
        .collect();
    std::fs::write(
        root.join("data/airline_sample.population.toml"),
        population_toml("Airline sample (data/airline_sample.csv), models/airline.toml; exogenous drivers correlate 0.3", &g, &model, &load, 6.8, 1.7, miss),
    )
    .expect("write");
    #[cfg(feature = "sav")]
    write_sav_copy(
        &root.join("data/airline_sample.csv"),
        &model,
        &root.join("data/airline_sample.sav"),
    );
    println!("wrote data/ccsi_sample.csv, data/airline_sample.csv and their population files");
}

/// The airline CSV as an SPSS file: items numeric 1-10 with 99 = 「无法回答」 declared
/// user-missing, the question wording as variable labels, the scale ends as value labels.
#[cfg(feature = "sav")]
fn write_sav_copy(csv: &Path, model: &Model, out: &Path) {
    use csi::data::sav::{write_sav, SavData, SavValues, SavVariable, UserMissing};
    let text = std::fs::read_to_string(csv).expect("read the sample csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let demo_labels = [
        ("id", "受访者编号 (Respondent id)"),
        ("airline", "航空公司 (Airline)"),
        ("age", "年龄 (Age)"),
        ("gender", "性别 (Gender)"),
        ("occupation", "职业 (Occupation)"),
        ("education", "学历 (Education)"),
        ("income", "月收入 (Monthly income, yuan)"),
        ("flights_per_year", "每年乘机次数 (Flights per year)"),
    ];
    let mut vars = Vec::new();
    let mut cols = Vec::new();
    for (c, name) in header.iter().enumerate() {
        let cells = rows.iter().map(|r| r[c]);
        if let Some(k) = model.item_index(name) {
            let it = &model.items[k];
            let cons = model.construct_label(it.construct);
            let pos = model.constructs[it.construct]
                .items
                .iter()
                .position(|&i| i == k)
                .unwrap_or(0);
            let mut v = SavVariable::numeric(name);
            v.format = "F2.0".into();
            // the question wording: the model's item label, else the construct's
            v.label = Some(
                it.label
                    .clone()
                    .unwrap_or_else(|| format!("{cons} 第{}题 (question {})", pos + 1, pos + 1)),
            );
            v.value_labels = vec![
                (1.0, "非常不满意 (very dissatisfied)".into()),
                (10.0, "非常满意 (very satisfied)".into()),
                (99.0, "无法回答 (cannot answer)".into()),
            ];
            v.missing = vec![UserMissing::Value(99.0)];
            v.measure = Some("ordinal");
            vars.push(v);
            cols.push(SavValues::Numeric(
                cells
                    .map(|t| {
                        Some(if t == "无法回答" {
                            99.0
                        } else {
                            t.parse().expect("answer")
                        })
                    })
                    .collect(),
            ));
        } else if *name == "id" {
            let mut v = SavVariable::numeric(name);
            v.label = demo_labels
                .iter()
                .find(|d| d.0 == *name)
                .map(|d| d.1.to_string());
            v.measure = Some("nominal");
            vars.push(v);
            cols.push(SavValues::Numeric(cells.map(|t| t.parse().ok()).collect()));
        } else {
            let mut v = SavVariable::text(name);
            v.label = demo_labels
                .iter()
                .find(|d| d.0 == *name)
                .map(|d| d.1.to_string());
            v.measure = Some("nominal");
            vars.push(v);
            cols.push(SavValues::Text(
                cells.map(|t| Some(t.to_string())).collect(),
            ));
        }
    }
    let mut data = SavData::new(vars, cols).expect("sav data");
    data.dictionary.file_label = Some("航空公司顾客满意度样本 (airline sample)".into());
    // a fixed date keeps the file byte-identical from run to run
    data.dictionary.created = Some("2026-01-01 00:00:00".into());
    write_sav(out, &data).expect("write data/airline_sample.sav");
}
