//! `csi program` and `csi simulate`: the same numbers as `csi fit`, the contract's
//! weighted means, the tests' calibration on simulated programmes (the truth comes
//! from `csi::program::simulate`), determinism, and bad input.

use csi::analysis::FitOptions;
use csi::program::hierarchy::Hierarchy;
use csi::program::simulate::{SimProgramme, SimSpec};
use csi::program::{run, Design, Level, ProgramOptions, Status};
use csi::spec::Model;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// |a - b| for "equal numbers computed along two routes" (the issue: 1e-9).
const SAME: f64 = 1e-9;

fn ccsi() -> Model {
    csi::spec::read_model(&repo("models/ccsi.toml")).expect("models/ccsi.toml")
}

fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn csi_in(dir: &Path, args: &[&str], threads: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_csi"));
    c.current_dir(dir).args(args);
    if let Some(t) = threads {
        c.env("RAYON_NUM_THREADS", t);
    }
    c.output().expect("run csi")
}

fn ok_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is only JSON")
}

/// `csi simulate` into `dir` (5 companies, 3 industries, 2 sectors, 2 waves).
fn simulate_small(dir: &Path, n: &str) {
    let model = repo("models/ccsi.toml");
    let out = csi_in(
        dir,
        &[
            "simulate",
            "--model",
            model.to_str().unwrap(),
            "--out",
            ".",
            "--companies",
            "5",
            "--industries",
            "3",
            "--sectors",
            "2",
            "--waves",
            "2",
            "--n",
            n,
            "--change-share",
            "0.4",
            "--seed",
            "11",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn program_args<'a>(model: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "program",
        "--model",
        model,
        "--data",
        "data.csv",
        "--company",
        "company",
        "--wave",
        "wave",
        "--hierarchy",
        "hierarchy.csv",
    ];
    v.extend_from_slice(extra);
    v
}

fn by_name<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

/// Text lines of data.csv: header and rows.
fn read_lines(p: &Path) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(p).unwrap();
    let mut lines = text.lines().map(str::to_string);
    let header = lines.next().unwrap();
    (header, lines.collect())
}

/// `hierarchy.csv` as company -> (industry, sector, weight).
fn hierarchy(p: &Path) -> BTreeMap<String, (String, String, f64)> {
    let (_, rows) = read_lines(p);
    rows.iter()
        .map(|r| {
            let f: Vec<&str> = r.split(',').collect();
            (
                f[0].to_string(),
                (f[1].to_string(), f[2].to_string(), f[3].parse().unwrap()),
            )
        })
        .collect()
}

#[test]
fn company_indices_equal_csi_fit_on_their_rows() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    simulate_small(d, "80");
    let model = repo("models/ccsi.toml");
    let m = model.to_str().unwrap();
    let prog = ok_json(&csi_in(
        d,
        &program_args(m, &["--bootstrap", "30", "--json", "-"]),
        None,
    ));
    assert_eq!(prog["schema"], "csi-program/v1");
    let (header, rows) = read_lines(&d.join("data.csv"));
    let mut checked = 0;
    for (company, wave) in [("C01", "W1"), ("C04", "W2"), ("C05", "W1")] {
        // the company-wave's rows alone, as a file for csi fit
        let mine: Vec<&String> = rows
            .iter()
            .filter(|r| {
                let f: Vec<&str> = r.splitn(4, ',').collect();
                f[1] == wave && f[2] == company
            })
            .collect();
        let path = d.join(format!("{company}_{wave}.csv"));
        let text = std::iter::once(&header)
            .chain(mine.iter().copied())
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
            + "\n";
        std::fs::write(&path, text).unwrap();
        let fit = ok_json(&csi_in(
            d,
            &[
                "fit",
                "--model",
                m,
                "--data",
                path.to_str().unwrap(),
                "--json",
                "-",
            ],
            None,
        ));
        let cell = prog["companies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["company"] == company && c["wave"] == wave)
            .unwrap();
        assert_eq!(cell["status"], "ok");
        assert_eq!(cell["n"], fit["n"]);
        for con in fit["constructs"].as_array().unwrap() {
            let name = con["name"].as_str().unwrap();
            let want = con["index"].as_f64().unwrap();
            let got = by_name(&cell["constructs"], name)["index"]
                .as_f64()
                .unwrap();
            assert!(
                (got - want).abs() < SAME,
                "{company} {wave} {name}: program {got}, csi fit {want}"
            );
            let c = by_name(&cell["constructs"], name);
            assert!(c["ci_low"].as_f64().unwrap() < got && got < c["ci_high"].as_f64().unwrap());
            checked += 1;
        }
    }
    assert_eq!(checked, 18);
}

/// Recompute every aggregate of a csi-program/v1 document from its companies with
/// the contract's formulas.
fn check_aggregates(
    prog: &Value,
    h: &BTreeMap<String, (String, String, f64)>,
    sw: Option<&BTreeMap<String, f64>>,
) -> usize {
    let mut checked = 0;
    let companies = prog["companies"].as_array().unwrap();
    for wave in prog["waves"].as_array().unwrap() {
        for con in ["IMAG", "EXPE", "QUAL", "VAL", "SAT", "LOY"] {
            // industry: company-weighted; W_I = sum of weights
            let mut ind: BTreeMap<String, (f64, f64)> = BTreeMap::new();
            for c in companies
                .iter()
                .filter(|c| c["wave"] == *wave && c["status"] == "ok")
            {
                let (i, _, w) = &h[c["company"].as_str().unwrap()];
                let x = by_name(&c["constructs"], con)["index"].as_f64().unwrap();
                let e = ind.entry(i.clone()).or_default();
                e.0 += w * x;
                e.1 += w;
            }
            let mut sec: BTreeMap<String, (f64, f64)> = BTreeMap::new();
            for (i, (sx, sw_)) in &ind {
                let want = sx / sw_;
                let agg = prog["aggregates"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|a| {
                        a["level"] == "industry" && a["name"] == i.as_str() && a["wave"] == *wave
                    })
                    .unwrap();
                let got = by_name(&agg["constructs"], con)["index"].as_f64().unwrap();
                assert!(
                    (got - want).abs() < SAME,
                    "industry {i} {con}: {got} vs {want}"
                );
                let s = h.values().find(|v| v.0 == *i).unwrap().1.clone();
                let e = sec.entry(s).or_default();
                e.0 += sw_ * want;
                e.1 += sw_;
                checked += 1;
            }
            let mut nat = (0.0, 0.0);
            for (s, (sx, sws)) in &sec {
                let want = sx / sws;
                let agg = prog["aggregates"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|a| {
                        a["level"] == "sector" && a["name"] == s.as_str() && a["wave"] == *wave
                    })
                    .unwrap();
                let got = by_name(&agg["constructs"], con)["index"].as_f64().unwrap();
                assert!(
                    (got - want).abs() < SAME,
                    "sector {s} {con}: {got} vs {want}"
                );
                let v = sw.map(|m| m[s]).unwrap_or(*sws);
                nat.0 += v * want;
                nat.1 += v;
                checked += 1;
            }
            let agg = prog["aggregates"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["level"] == "national" && a["name"] == "national" && a["wave"] == *wave)
                .unwrap();
            let got = by_name(&agg["constructs"], con)["index"].as_f64().unwrap();
            assert!((got - nat.0 / nat.1).abs() < SAME, "national {con}");
            assert_eq!(
                agg["n_companies"],
                companies
                    .iter()
                    .filter(|c| c["wave"] == *wave && c["status"] == "ok")
                    .count()
            );
            checked += 1;
        }
    }
    checked
}

#[test]
fn aggregates_are_the_contract_weighted_means_and_a_one_company_industry_is_its_company() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    simulate_small(d, "60");
    let model = repo("models/ccsi.toml");
    let m = model.to_str().unwrap();
    let h = hierarchy(&d.join("hierarchy.csv"));
    let sw: BTreeMap<String, f64> = read_lines(&d.join("sector_weights.csv"))
        .1
        .iter()
        .map(|r| {
            let (s, w) = r.split_once(',').unwrap();
            (s.to_string(), w.parse().unwrap())
        })
        .collect();
    // with the sector weights, and without (sectors weighted by their companies)
    let with = ok_json(&csi_in(
        d,
        &program_args(
            m,
            &[
                "--sector-weights",
                "sector_weights.csv",
                "--bootstrap",
                "20",
                "--json",
                "-",
            ],
        ),
        None,
    ));
    let without = ok_json(&csi_in(
        d,
        &program_args(m, &["--bootstrap", "20", "--json", "-"]),
        None,
    ));
    // 2 waves x 6 constructs x (3 industries + 2 sectors + national)
    assert_eq!(check_aggregates(&with, &h, Some(&sw)), 72);
    assert_eq!(check_aggregates(&without, &h, None), 72);
    // 5 companies dealt to 3 industries: I03 holds C03 alone
    assert_eq!(h.values().filter(|v| v.0 == "I03").count(), 1);
    for wave in ["W1", "W2"] {
        let agg = with["aggregates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "I03" && a["wave"] == wave)
            .unwrap();
        let c3 = with["companies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["company"] == "C03" && c["wave"] == wave)
            .unwrap();
        assert_eq!(agg["n_companies"], 1);
        for k in ["index", "se", "ci_low", "ci_high"] {
            let a = by_name(&agg["constructs"], "SAT")[k].as_f64().unwrap();
            let c = by_name(&c3["constructs"], "SAT")[k].as_f64().unwrap();
            assert!(
                (a - c).abs() < SAME,
                "{wave} {k}: industry {a}, company {c}"
            );
        }
        // and its company-versus-industry test has no p value
        let v = with["versus"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["company"] == "C03" && v["wave"] == wave && v["construct"] == "SAT")
            .unwrap();
        assert!(v["difference"].as_f64().unwrap().abs() < SAME);
        assert!(v["p"].is_null() && v["p_adjusted"].is_null());
        assert_eq!(v["sole"], true);
    }
}

#[test]
fn aggregate_replicates_are_weighted_means_of_company_replicates() {
    // library route: replicate r of an industry = Σ w_c rep_c[r] / Σ w_c
    let model = ccsi();
    let spec = SimSpec {
        companies: 6,
        industries: 2,
        sectors: 1,
        waves: 1,
        n: 60,
        seed: 3,
        ..Default::default()
    };
    let sim = SimProgramme::generate(&model, &spec).unwrap();
    let survey = sim.survey(&model).unwrap();
    let h = Hierarchy::parse("h.csv", &sim.hierarchy_csv()).unwrap();
    let design = Design {
        company: "company".into(),
        wave: Some("wave".into()),
        hierarchy: Some(h.clone()),
        ..Default::default()
    };
    let p = run(
        &model,
        &survey,
        &design,
        &ProgramOptions {
            resamples: 40,
            ..Default::default()
        },
        None,
    )
    .unwrap();
    let mut checked = 0;
    for ind in ["I01", "I02"] {
        let agg = p.aggregate(Level::Industry, ind, 0).unwrap();
        let reps = agg.replicates.as_ref().unwrap();
        for j in 0..model.n_constructs() {
            for r in 0..40 {
                let (mut s, mut w) = (0.0, 0.0);
                for &k in &agg.cells {
                    let c = &p.cells[k];
                    let wc = h.get(&c.company).unwrap().weight;
                    let col = csi::program::aggregate::filled(
                        c.replicates.as_ref().unwrap(),
                        j,
                        c.constructs[j].index,
                    );
                    s += wc * col[r];
                    w += wc;
                }
                assert!((reps[(r, j)] - s / w).abs() < SAME);
                checked += 1;
            }
        }
        assert_eq!(agg.n_companies, 3);
    }
    assert_eq!(checked, 2 * 6 * 40);
}

#[test]
fn json_is_byte_identical_on_one_and_many_threads_and_in_any_company_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    simulate_small(d, "50");
    let model = repo("models/ccsi.toml");
    let m = model.to_str().unwrap();
    let args = program_args(m, &["--bootstrap", "60", "--json", "-"]);
    let one = csi_in(d, &args, Some("1"));
    let many = csi_in(d, &args, Some("4"));
    let _ = ok_json(&one);
    assert!(
        one.stdout == many.stdout,
        "JSON differs between 1 and 4 threads"
    );
    // the same respondents with the companies in reverse order (each company's rows in
    // their own order), in a file of the same name elsewhere
    let d2 = tempfile::tempdir().unwrap();
    let (header, rows) = read_lines(&d.join("data.csv"));
    let mut by_company: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows {
        let c = r.split(',').nth(2).unwrap().to_string();
        by_company.entry(c).or_default().push(r);
    }
    let mut text = header + "\n";
    for rows in by_company.values().rev() {
        for r in rows {
            text.push_str(r);
            text.push('\n');
        }
    }
    std::fs::write(d2.path().join("data.csv"), text).unwrap();
    std::fs::copy(d.join("hierarchy.csv"), d2.path().join("hierarchy.csv")).unwrap();
    let shuffled = csi_in(d2.path(), &args, Some("2"));
    assert!(
        one.stdout == shuffled.stdout,
        "JSON depends on the order of the companies in the file"
    );
    // BH never adjusts above Holm, and never below p
    let holm = ok_json(&one);
    let bh = ok_json(&csi_in(
        d,
        &program_args(m, &["--bootstrap", "60", "--adjust", "bh", "--json", "-"]),
        None,
    ));
    let (hv, bv) = (
        holm["versus"].as_array().unwrap(),
        bh["versus"].as_array().unwrap(),
    );
    assert_eq!(hv.len(), bv.len());
    let mut tested = 0;
    for (a, b) in hv.iter().zip(bv) {
        if let (Some(pa), Some(pb), Some(p)) = (
            a["p_adjusted"].as_f64(),
            b["p_adjusted"].as_f64(),
            a["p"].as_f64(),
        ) {
            assert!(pb <= pa + 1e-15 && pb >= p - 1e-15);
            tested += 1;
        }
    }
    assert!(tested > 40, "{tested} tests");
    assert_eq!(bh["tests"]["adjust"], "bh");
}

/// Run the programme on `dir` and return (exit code, stderr).
fn fails(dir: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let model = repo("models/ccsi.toml");
    let mut args = program_args(model.to_str().unwrap(), &[]);
    if extra.contains(&"--hierarchy") {
        // the extra flags name another hierarchy file
        args.truncate(args.len() - 2);
    }
    args.extend_from_slice(extra);
    let out = csi_in(dir, &args, None);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn bad_hierarchy_weights_and_waves_exit_2_naming_file_row_column_value() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    simulate_small(d, "20");
    let hier = std::fs::read_to_string(d.join("hierarchy.csv")).unwrap();
    let lines: Vec<&str> = hier.lines().collect();
    let expect = |what: &str, extra: &[&str], want: &str| {
        let (code, err) = fails(d, extra);
        assert_eq!(code, Some(2), "{what}: {err}");
        assert!(err.contains(want), "{what}: '{err}' should name '{want}'");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{what}: one message: {err}"
        );
    };
    // a company of the data missing from the hierarchy (C05 is first seen in data row 2 + 4 x 20)
    std::fs::write(d.join("h1.csv"), lines[..5].join("\n") + "\n").unwrap();
    expect(
        "company missing",
        &["--hierarchy", "h1.csv"],
        "data.csv: row 82, column 'company', value 'C05'",
    );
    // the reverse: a company of the hierarchy without respondents
    std::fs::write(d.join("h2.csv"), format!("{hier}C09,I01,S01,5\n")).unwrap();
    expect(
        "company without data",
        &["--hierarchy", "h2.csv"],
        "h2.csv: row 7, column 'company', value 'C09'",
    );
    // non-positive and missing weights
    for (bad, shown) in [("0", "0"), ("-2.5", "-2.5"), ("", ""), ("abc", "abc")] {
        let mut l: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        let f: Vec<&str> = lines[3].split(',').collect();
        l[3] = format!("{},{},{},{bad}", f[0], f[1], f[2]);
        std::fs::write(d.join("h3.csv"), l.join("\n") + "\n").unwrap();
        expect(
            "weight",
            &["--hierarchy", "h3.csv"],
            &format!("h3.csv: row 4, column 'weight', value '{shown}'"),
        );
    }
    // a sector without a sector weight (S02 first appears in hierarchy row 3: C02 in I02)
    std::fs::write(d.join("sw.csv"), "sector,weight\nS01,0.6\n").unwrap();
    expect(
        "sector weight",
        &["--sector-weights", "sw.csv"],
        "hierarchy.csv: row 3, column 'sector', value 'S02'",
    );
    // a wave column with an empty cell (data row 5)
    let data = std::fs::read_to_string(d.join("data.csv")).unwrap();
    let mut dl: Vec<String> = data.lines().map(str::to_string).collect();
    dl[4] = dl[4].replacen(",W1,", ",,", 1);
    let d2 = tempfile::tempdir().unwrap();
    std::fs::write(d2.path().join("data.csv"), dl.join("\n") + "\n").unwrap();
    std::fs::copy(d.join("hierarchy.csv"), d2.path().join("hierarchy.csv")).unwrap();
    let (code, err) = fails(d2.path(), &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("data.csv: row 5, column 'wave', value ''"),
        "{err}"
    );
    // --wave-order naming a wave the data does not have
    expect("wave order", &["--wave-order", "W1,W3"], "--wave-order");
}

#[test]
fn insufficient_and_failed_company_waves_are_listed_and_left_out_of_aggregates() {
    let model = ccsi();
    let spec = SimSpec {
        companies: 4,
        industries: 1,
        sectors: 1,
        waves: 2,
        n: 60,
        seed: 5,
        change_share: 0.0,
        ..Default::default()
    };
    let sim = SimProgramme::generate(&model, &spec).unwrap();
    let full = sim.survey(&model).unwrap();
    // rows are wave by wave, company by company (60 each): W2 of C01 starts at 240
    let keep: Vec<usize> = (0..full.n())
        .filter(|&i| {
            let (w, c, r) = (i / 240, (i / 60) % 4, i % 60);
            let cut = match c {
                0 => 30,
                1 => 29,
                _ => 60,
            };
            !(w == 1 && r >= cut)
        })
        .collect();
    let mut survey = full.select_rows(&keep);
    // C03 in W2: item sat2 constant -> its fit fails
    let sat2 = model.item_index("sat2").unwrap();
    for i in 0..survey.n() {
        if survey.extra["company"][i].as_deref() == Some("C03")
            && survey.extra["wave"][i].as_deref() == Some("W2")
        {
            survey.x[(i, sat2)] = 5.0;
        }
    }
    let h = Hierarchy::parse("h.csv", &sim.hierarchy_csv()).unwrap();
    let design = Design {
        company: "company".into(),
        wave: Some("wave".into()),
        hierarchy: Some(h),
        ..Default::default()
    };
    let opts = ProgramOptions {
        resamples: 20,
        min_n: Some(30),
        fit: FitOptions::default(),
        ..Default::default()
    };
    let p = run(&model, &survey, &design, &opts, None).unwrap();
    let c1 = p.cell("C01", 1).unwrap();
    assert_eq!(
        (c1.status, c1.n),
        (Status::Ok, 30),
        "exactly --min-n is enough"
    );
    let c2 = p.cell("C02", 1).unwrap();
    assert_eq!((c2.status, c2.n), (Status::Insufficient, 29));
    assert!(c2
        .message
        .as_deref()
        .unwrap()
        .contains("29 usable respondents"));
    let c3 = p.cell("C03", 1).unwrap();
    assert_eq!(c3.status, Status::Failed);
    assert!(
        c3.message.as_deref().unwrap().contains("sat2"),
        "{:?}",
        c3.message
    );
    assert!(c3.constructs.iter().all(|e| e.index.is_nan()));
    let ind = p.aggregate(Level::Industry, "I01", 1).unwrap();
    assert_eq!((ind.n_companies, ind.n_listed), (2, 4));
    assert_eq!(
        p.aggregate(Level::National, "national", 0)
            .unwrap()
            .n_companies,
        4
    );
    // no change is reported for C02 or C03, every other company has one per construct
    assert!(!p
        .changes
        .iter()
        .any(|c| c.level == Level::Company && (c.name == "C02" || c.name == "C03")));
    assert_eq!(
        p.changes
            .iter()
            .filter(|c| c.level == Level::Company)
            .count(),
        2 * 6
    );
    assert_eq!(
        p.aggregate(Level::Industry, "I01", 0).unwrap().n_companies,
        4
    );
    let json = csi::report::program::to_json(&p);
    let listed: Vec<&Value> = json["companies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["wave"] == "W2")
        .collect();
    assert_eq!(listed.len(), 4);
    assert_eq!(listed[1]["status"], "insufficient");
    assert_eq!(listed[1]["n"], 29);
    assert_eq!(listed[2]["status"], "failed");
    let text = csi::report::program::to_text(&p, None);
    assert!(text.contains("Not estimated (2 company-waves)"), "{text}");
    assert!(p.warnings.iter().any(|w| w.contains("insufficient")));
}

/// A simulated programme with planted SAT changes, run through the library.
fn planted_run(seed: u64) -> (SimProgramme, csi::program::Program) {
    let model = ccsi();
    // n = 400 per company-wave: the SAT index's bootstrap se is about 0.70, so a
    // 4-point change has z about 4.0 and power about 0.93 at p < 0.01 (at n = 250 it
    // would be about 0.74: the simulator is for exactly this kind of planning)
    let spec = SimSpec {
        companies: 250,
        industries: 25,
        sectors: 5,
        waves: 2,
        n: 400,
        change_share: 0.2,
        change: 4.0,
        seed,
        ..Default::default()
    };
    let sim = SimProgramme::generate(&model, &spec).unwrap();
    let survey = sim.survey(&model).unwrap();
    let h = Hierarchy::parse("h.csv", &sim.hierarchy_csv()).unwrap();
    let design = Design {
        company: "company".into(),
        wave: Some("wave".into()),
        hierarchy: Some(h),
        ..Default::default()
    };
    let p = run(
        &model,
        &survey,
        &design,
        &ProgramOptions {
            resamples: 200,
            seed,
            ..Default::default()
        },
        None,
    )
    .unwrap();
    (sim, p)
}

#[test]
fn planted_changes_are_found_and_null_changes_flag_at_the_nominal_rate() {
    let (sim, p) = planted_run(2024);
    let sat = p.model.construct_index("SAT").unwrap();
    let planted: std::collections::BTreeSet<&str> =
        sim.planted.iter().map(|x| x.company.as_str()).collect();
    assert_eq!(planted.len(), 50);
    let company_changes: Vec<&csi::program::Change> = p
        .changes
        .iter()
        .filter(|c| c.level == Level::Company)
        .collect();
    assert_eq!(company_changes.len(), 250 * 6);
    let (mut found, mut null_sat, mut null_sat_flag, mut null_all, mut null_all_flag) =
        (0, 0, 0, 0, 0);
    for c in &company_changes {
        let has = planted.contains(c.name.as_str()) && c.construct == sat;
        if has {
            // the sign of the planted change
            let size = sim
                .planted
                .iter()
                .find(|x| x.company == c.name)
                .unwrap()
                .size;
            if c.stat.p < 0.01 && c.stat.difference.signum() == size.signum() {
                found += 1;
            }
        } else {
            null_all += 1;
            null_all_flag += usize::from(c.stat.p < 0.05);
            if c.construct == sat {
                null_sat += 1;
                null_sat_flag += usize::from(c.stat.p < 0.05);
            }
        }
    }
    eprintln!(
        "planted 4-point SAT changes found at p < 0.01: {found} of 50; SAT changes without a true change with p < 0.05: {null_sat_flag} of {null_sat}; all constructs: {null_all_flag} of {null_all}"
    );
    assert!(found >= 40, "found {found} of 50 (>= 80% required)");
    assert_eq!(null_sat, 200);
    // binomial(200, 0.05): P(X <= 3) = 0.010, P(X >= 18) = 0.005
    assert!(
        (4..=17).contains(&null_sat_flag),
        "{null_sat_flag} of 200 false positives"
    );
    // 1,450 null tests (correlated within a company): 3% to 7.5%
    let share = null_all_flag as f64 / null_all as f64;
    assert!(
        (0.03..=0.075).contains(&share),
        "false-positive share {share}"
    );
    // the text lists significant movers first among the changes, planted ones among them
    let text = csi::report::program::to_text(&p, None);
    let movers = text
        .split("Significant movers:")
        .nth(1)
        .expect("movers section");
    let listed = sim
        .planted
        .iter()
        .filter(|x| movers.contains(&format!(" {} ", x.company)))
        .count();
    assert!(
        listed >= 10,
        "{listed} planted companies among the listed movers"
    );
}

/// Coverage of the national SAT index's 95% interval over `reps` simulated
/// programmes (10 companies, 4 industries, 2 sectors, n = 200, 200 resamples).
fn national_coverage(reps: u64) -> (usize, usize) {
    let model = ccsi();
    let sat = model.construct_index("SAT").unwrap();
    let mut covered = 0;
    for rep in 0..reps {
        let spec = SimSpec {
            companies: 10,
            industries: 4,
            sectors: 2,
            waves: 1,
            n: 200,
            seed: 1000 + rep,
            ..Default::default()
        };
        let sim = SimProgramme::generate(&model, &spec).unwrap();
        let survey = sim.survey(&model).unwrap();
        let h = Hierarchy::parse("h.csv", &sim.hierarchy_csv()).unwrap();
        let sw = csi::program::hierarchy::SectorWeights::parse("s.csv", &sim.sector_weights_csv())
            .unwrap();
        let design = Design {
            company: "company".into(),
            wave: Some("wave".into()),
            hierarchy: Some(h),
            sector_weights: Some(sw),
            ..Default::default()
        };
        let p = run(
            &model,
            &survey,
            &design,
            &ProgramOptions {
                resamples: 200,
                seed: rep,
                ..Default::default()
            },
            None,
        )
        .unwrap();
        let est = &p
            .aggregate(Level::National, "national", 0)
            .unwrap()
            .constructs[sat];
        let truth = sim
            .true_aggregates()
            .into_iter()
            .find(|a| a.0 == Level::National)
            .unwrap()
            .3[sat];
        if est.ci_low <= truth && truth <= est.ci_high {
            covered += 1;
        }
    }
    (covered, reps as usize)
}

#[test]
fn national_intervals_cover_the_truth_about_95_percent() {
    let (covered, reps) = national_coverage(100);
    eprintln!("national SAT 95% interval covered the truth in {covered} of {reps} programmes");
    // binomial(100, 0.95): P(X <= 88) = 0.012, P(X = 100) = 0.006
    assert!((89..=99).contains(&covered), "{covered} of {reps}");
}

#[test]
#[ignore = "long: 1,000 simulated programmes (cargo test --test it national_coverage_long -- --ignored)"]
fn national_coverage_long() {
    let (covered, reps) = national_coverage(1000);
    eprintln!("national SAT 95% interval covered the truth in {covered} of {reps} programmes");
    // binomial(1000, 0.95): sd 6.9; 930..970 is about +-2.9 sd (measured: 935; the
    // percentile interval of a bootstrap at n = 200 is a little short)
    assert!((930..=970).contains(&covered), "{covered} of {reps}");
}

#[test]
fn simulate_truth_has_the_planted_changes_and_the_contract_aggregates() {
    let dir = tempfile::tempdir().unwrap();
    simulate_small(dir.path(), "20");
    let t: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("truth.json")).unwrap())
            .unwrap();
    assert_eq!(t["schema"], "csi-simulate-truth/v1");
    let changes = t["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2); // 40% of 5 companies
    for c in changes {
        let name = c["name"].as_str().unwrap();
        let at = |w: &Value| {
            let cw = t["companies"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["company"] == name && x["wave"] == *w)
                .unwrap();
            by_name(&cw["constructs"], "SAT")["index"].as_f64().unwrap()
        };
        let d = at(&c["to"]) - at(&c["from"]);
        assert!((d - c["difference"].as_f64().unwrap()).abs() < SAME);
        assert!((d.abs() - 4.0).abs() < SAME, "planted change {d}");
    }
    // the data file has what the truth says
    let (header, rows) = read_lines(&dir.path().join("data.csv"));
    assert!(header.starts_with("id,wave,company,imag1"));
    assert_eq!(rows.len(), 5 * 2 * 20);
}
