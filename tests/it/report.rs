//! `csi report` through the real binary, and the report opened in a real headless
//! Chromium (Debian's `chromium`; `.ci/run` installs it). Browser tests print
//! `SKIPPED` with the reason when no Chromium can be found.
//!
//! Expected values: the section ids, the absence of URLs and scripts, and the exit
//! codes come from the contract (`../shared/contract.md`, "csi report", exit codes);
//! the airline sample's priority ranking (pooled: on-time performance first; 海鸥航空
//! alone: price first) from issue 13; workbook numbers are compared with the
//! `csi fit` / `csi ipma` JSON documents of the same rows.

use crate::common::skip;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn csi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_csi"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("run csi")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn tmp() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"))
        .path()
}

/// The airline sample with a `wave` column: odd ids in 2023, even ids in 2024.
fn waves_csv() -> PathBuf {
    let p = tmp().join("airline_waves.csv");
    if !p.exists() {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("data/airline_sample.csv"),
        )
        .unwrap();
        let mut out = String::new();
        for (i, line) in text.lines().enumerate() {
            if i == 0 {
                out.push_str(&format!("{line},wave\n"));
            } else {
                let id: usize = line.split(',').next().unwrap().parse().unwrap();
                out.push_str(&format!(
                    "{line},{}\n",
                    if id % 2 == 1 { "2023" } else { "2024" }
                ));
            }
        }
        std::fs::write(&p, out).unwrap();
    }
    p
}

/// The full report of the airline sample (focus, competitors, waves, bootstrap),
/// written once: (html path, xlsx path).
fn airline_report() -> &'static (PathBuf, PathBuf) {
    static R: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    R.get_or_init(|| {
        let html = tmp().join("airline.html");
        let xlsx = tmp().join("airline.xlsx");
        let data = waves_csv();
        ok(&csi(&[
            "report",
            "--model",
            "models/airline.toml",
            "--data",
            data.to_str().unwrap(),
            "--company",
            "airline",
            "--focus",
            "海鸥航空",
            "--wave",
            "wave",
            "--bootstrap",
            "60",
            "--seed",
            "7",
            "--out",
            html.to_str().unwrap(),
            "--xlsx",
            xlsx.to_str().unwrap(),
        ]));
        (html, xlsx)
    })
}

const SECTIONS: [&str; 7] = [
    "summary",
    "priorities",
    "departments",
    "quality",
    "method",
    "competitors",
    "trend",
];

#[test]
fn report_has_every_section_and_no_url_or_script() {
    let (html, _) = airline_report();
    let text = std::fs::read_to_string(html).unwrap();
    for id in SECTIONS {
        assert!(
            text.contains(&format!("<section id=\"{id}\"")),
            "section {id} missing"
        );
    }
    // nothing to load: no URL of any kind, no script
    for bad in [
        "http://",
        "https://",
        "src=\"//",
        "href=\"//",
        "url(//",
        "<script",
        "@import",
    ] {
        assert!(!text.contains(bad), "the report contains '{bad}'");
    }
    assert!(text.contains("src:url(data:font/ttf;base64,"));
    // issue 13: under 3 MB for the airline sample
    let size = std::fs::metadata(html).unwrap().len();
    assert!(size < 3_000_000, "{size} bytes");
    // the department names of models/airline.toml appear
    for d in ["客舱服务部", "运行控制中心", "机务工程部"] {
        assert!(text.contains(d), "{d}");
    }
    // no respondent-level value: the sample's demographic answers never appear
    for v in ["研究生", "10000-20000", "3-5"] {
        assert!(
            !text.contains(v),
            "respondent-level value '{v}' in the report"
        );
    }
}

#[test]
fn focus_changes_the_priorities_as_issue_13_says() {
    let top = |extra: &[&str]| -> String {
        let mut args = vec![
            "ipma",
            "--model",
            "models/airline.toml",
            "--data",
            "data/airline_sample.csv",
            "--target",
            "SAT",
            "--json",
            "-",
        ];
        args.extend(extra);
        let v: serde_json::Value = serde_json::from_str(&ok(&csi(&args))).unwrap();
        v["actions"][0]["name"].as_str().unwrap().to_string()
    };
    assert_eq!(top(&[]), "PUNCT");
    assert_eq!(
        top(&["--company", "airline", "--focus", "海鸥航空"]),
        "PRICE"
    );
}

#[test]
fn workbook_numbers_equal_the_json_documents() {
    use calamine::{open_workbook_auto, Data, Reader};
    let (_, xlsx) = airline_report();
    let mut wb = open_workbook_auto(xlsx).expect("a valid workbook");
    let names = wb.sheet_names().to_vec();
    for s in [
        "summary",
        "priorities_constructs",
        "priorities_items",
        "departments",
        "department_items",
        "competitors",
        "trend",
        "quality_constructs",
        "quality_items",
        "method",
    ] {
        assert!(names.iter().any(|n| n == s), "sheet {s} missing: {names:?}");
    }
    for d in ["客舱服务部", "运行控制中心", "机务工程部", "配餐部"] {
        let want = format!("plan {d}");
        assert!(names.contains(&want), "{want} missing: {names:?}");
    }
    // the same rows through csi ipma / csi fit (latest wave, 海鸥航空)
    let data = waves_csv();
    let common = [
        "--model",
        "models/airline.toml",
        "--data",
        data.to_str().unwrap(),
        "--company",
        "airline",
        "--focus",
        "海鸥航空",
        "--filter",
        "wave=2024",
    ];
    let mut args = vec!["ipma", "--target", "SAT", "--json", "-"];
    args.extend(common);
    let ipma: serde_json::Value = serde_json::from_str(&ok(&csi(&args))).unwrap();
    let mut args = vec!["fit", "--json", "-"];
    args.extend(common);
    let fit: serde_json::Value = serde_json::from_str(&ok(&csi(&args))).unwrap();

    let sheet = wb.worksheet_range("priorities_constructs").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let head: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    let col = |h: &str| head.iter().position(|x| x == h).unwrap();
    let mut seen = 0;
    for r in &rows[1..] {
        let name = r[col("name")].to_string();
        let j = ipma["constructs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name.as_str())
            .unwrap();
        let num = |c: &Data| match c {
            Data::Float(f) => *f,
            other => panic!("not a number: {other:?}"),
        };
        assert!((num(&r[col("importance")]) - j["importance"].as_f64().unwrap()).abs() < 1e-12);
        assert!((num(&r[col("performance")]) - j["performance"].as_f64().unwrap()).abs() < 1e-12);
        assert_eq!(
            r[col("quadrant")].to_string(),
            j["quadrant"].as_str().unwrap()
        );
        seen += 1;
    }
    assert_eq!(seen, ipma["constructs"].as_array().unwrap().len());
    let summary = wb.worksheet_range("summary").unwrap();
    let index = summary
        .rows()
        .find(|r| r[0] == "指数")
        .map(|r| match r[1] {
            Data::Float(f) => f,
            _ => panic!("index is not a number"),
        })
        .unwrap();
    let sat = fit["constructs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "SAT")
        .unwrap();
    assert!((index - sat["index"].as_f64().unwrap()).abs() < 1e-12);
}

fn write_model(name: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("models/ccsi.toml"))
            .unwrap();
    let p = tmp().join(name);
    std::fs::write(&p, edit(text)).unwrap();
    p
}

fn hostile_report() -> &'static PathBuf {
    static R: OnceLock<PathBuf> = OnceLock::new();
    R.get_or_init(|| {
        let model = write_model("hostile.toml", |t| {
            t.replace(
                "label = \"形象 (Image)\"",
                "label = \"<script>alert(1)</script>\"\nowner = \"<b>R&D</b>\"",
            )
        });
        let out = tmp().join("hostile.html");
        ok(&csi(&[
            "report",
            "--model",
            model.to_str().unwrap(),
            "--data",
            "data/ccsi_sample.csv",
            "--out",
            out.to_str().unwrap(),
        ]));
        out
    })
}

#[test]
fn labels_from_model_files_are_text() {
    let text = std::fs::read_to_string(hostile_report()).unwrap();
    assert!(!text.contains("<script"), "a label became markup");
    assert!(!text.contains("<b>R&D"), "an owner became markup");
    // (minijinja also escapes '/' as &#x2f;)
    assert!(text.contains("&lt;script&gt;alert(1)&lt;"));
    assert!(text.contains("&lt;b&gt;R&amp;D&lt;"));
}

#[test]
fn bad_input_is_exit_2_with_a_clear_message() {
    let out = tmp().join("bad.html");
    let o = out.to_str().unwrap();
    // owner not a string
    let model = write_model("owner_int.toml", |t| {
        t.replace("label = \"形象 (Image)\"", "label = \"形象\"\nowner = 42")
    });
    let r = csi(&[
        "report",
        "-m",
        model.to_str().unwrap(),
        "-d",
        "data/ccsi_sample.csv",
        "--out",
        o,
    ]);
    assert_eq!(r.status.code(), Some(2));
    let e = String::from_utf8_lossy(&r.stderr);
    assert!(
        e.contains("owner_int.toml:") && e.contains("'owner' of construct 'IMAG' must be a string"),
        "{e}"
    );
    // --focus naming a company absent from the data
    let r = csi(&[
        "report",
        "-m",
        "models/airline.toml",
        "-d",
        "data/airline_sample.csv",
        "--company",
        "airline",
        "--focus",
        "白云航空",
        "--out",
        o,
    ]);
    assert_eq!(r.status.code(), Some(2));
    let e = String::from_utf8_lossy(&r.stderr);
    assert!(
        e.contains("column 'airline'") && e.contains("白云航空") && e.contains("海鸥航空"),
        "{e}"
    );
    assert!(!out.exists(), "no report file is left behind on an error");
    // unwritable --out
    let r = csi(&[
        "report",
        "-m",
        "models/ccsi.toml",
        "-d",
        "data/ccsi_sample.csv",
        "--out",
        "/nonexistent-folder/r.html",
    ]);
    assert_eq!(r.status.code(), Some(2));
    let e = String::from_utf8_lossy(&r.stderr);
    assert!(
        e.contains("--out") && e.contains("/nonexistent-folder/r.html"),
        "{e}"
    );
    // a wave column with one wave: the trend section says so
    let r = csi(&[
        "report",
        "-m",
        "models/airline.toml",
        "-d",
        "data/airline_sample.csv",
        "--wave",
        "gender",
        "--filter",
        "gender=男",
        "--out",
        o,
    ]);
    ok(&r);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("<section id=\"trend\"") && text.contains("只有一期数据"),
        "trend note missing"
    );
    // --focus without --company
    let r = csi(&[
        "report",
        "-m",
        "models/airline.toml",
        "-d",
        "data/airline_sample.csv",
        "--focus",
        "x",
        "--out",
        o,
    ]);
    assert_eq!(r.status.code(), Some(2));
}

// ---------------------------------------------------------------- Chromium

fn chromium() -> Option<PathBuf> {
    for c in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(o) = Command::new("which").arg(c).output() {
            if o.status.success() {
                let p = String::from_utf8_lossy(&o.stdout).trim().to_string();
                if !p.is_empty() {
                    return Some(PathBuf::from(p));
                }
            }
        }
    }
    None
}

/// Run headless Chromium on `page` with extra flags; returns (stdout, stderr).
fn run_chromium(bin: &Path, page: &Path, extra: &[String]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

macro_rules! need_chromium {
    ($test:expr) => {
        match chromium() {
            Some(b) => b,
            None => {
                skip(
                    $test,
                    "no chromium on PATH (.ci/run installs Debian's chromium)",
                );
                return;
            }
        }
    };
}

#[test]
fn chromium_dom_has_the_sections_no_script_and_no_console_message() {
    let bin = need_chromium!("chromium_dom_has_the_sections_no_script_and_no_console_message");
    let (html, _) = airline_report();
    let (dom, log) = run_chromium(
        &bin,
        html,
        &[
            "--dump-dom".into(),
            "--enable-logging=stderr".into(),
            "--v=0".into(),
        ],
    );
    for id in SECTIONS {
        assert!(
            dom.contains(&format!("id=\"{id}\"")),
            "DOM lacks section {id}"
        );
    }
    assert!(!dom.contains("<script"));
    // console messages are logged as INFO:CONSOLE lines; a script-free page that
    // loads nothing has none (failed loads would show up here too)
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    // the hostile labels: text in the DOM, no element
    let (dom, _) = run_chromium(&bin, hostile_report(), &["--dump-dom".into()]);
    assert!(!dom.contains("<script"), "a label created a script element");
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        !dom.contains("<b>R&amp;D</b>"),
        "an owner created an element"
    );
}

#[test]
fn chromium_makes_no_network_request() {
    let bin = need_chromium!("chromium_makes_no_network_request");
    let (html, _) = airline_report();
    let net = tmp().join("netlog.json");
    let _ = run_chromium(
        &bin,
        html,
        &[
            "--dump-dom".into(),
            format!("--log-net-log={}", net.display()),
        ],
    );
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&net).expect("net log written")).unwrap();
    // requests the page made carry the file:// page in their isolation key (the
    // browser's own background requests do not)
    let mut page_requests = Vec::new();
    for e in log["events"].as_array().unwrap() {
        let p = &e["params"];
        let (Some(url), Some(key)) = (p["url"].as_str(), p["network_isolation_key"].as_str())
        else {
            continue;
        };
        if key.contains("file://") && !url.starts_with("file:") && !url.starts_with("data:") {
            page_requests.push(url.to_string());
        }
    }
    assert!(
        page_requests.is_empty(),
        "the page requested {page_requests:?}"
    );
}

fn png_pixels(path: &Path) -> image::RgbImage {
    image::open(path).expect("a PNG").to_rgb8()
}

#[test]
fn chromium_screenshot_is_not_blank_and_chinese_is_not_tofu() {
    let bin = need_chromium!("chromium_screenshot_is_not_blank_and_chinese_is_not_tofu");
    let (html, _) = airline_report();
    let shot = tmp().join("shot.png");
    let _ = run_chromium(
        &bin,
        html,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1200,1600".into(),
        ],
    );
    let img = png_pixels(&shot);
    let dark = img
        .pixels()
        .filter(|p| p.0.iter().all(|&c| c < 128))
        .count();
    let frac = dark as f64 / (img.width() * img.height()) as f64;
    assert!(frac > 0.005, "screenshot nearly blank: {frac}");
    // Tofu test: render the report's own web font (its @font-face, no fallback) for
    // characters of its labels, one per cell. Missing glyphs would all be the same
    // box; real glyphs differ from one another and are not empty.
    let text = std::fs::read_to_string(html).unwrap();
    let start = text.find("@font-face").unwrap();
    let end = start + text[start..].find('}').unwrap() + 1;
    let face = &text[start..end];
    let chars: Vec<char> = "海鸥满意度价格客舱".chars().collect();
    for c in &chars {
        assert!(text.contains(*c), "{c} is not in the report");
    }
    let cells: String = chars
        .iter()
        .enumerate()
        .map(|(k, c)| format!("<div class=\"c\" style=\"left:{}px\">{c}</div>", 100 * k))
        .collect();
    let probe = tmp().join("probe.html");
    std::fs::write(
        &probe,
        format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>{face}\
             body{{margin:0;background:#fff}}.c{{position:absolute;top:0;width:100px;height:100px;\
             font:80px/100px \"csi-embedded\";text-align:center;color:#000}}</style></head>\
             <body>{cells}</body></html>"
        ),
    )
    .unwrap();
    let pshot = tmp().join("probe.png");
    let _ = run_chromium(
        &bin,
        &probe,
        &[
            format!("--screenshot={}", pshot.display()),
            format!("--window-size={},300", 100 * chars.len()),
        ],
    );
    let img = png_pixels(&pshot);
    let cell = |k: u32| -> Vec<u8> {
        (0..100)
            .flat_map(|y| (0..100).map(move |x| (x, y)))
            .map(|(x, y)| (img.get_pixel(100 * k + x, y).0[0] < 128) as u8)
            .collect()
    };
    let glyphs: Vec<Vec<u8>> = (0..chars.len() as u32).map(cell).collect();
    for (i, g) in glyphs.iter().enumerate() {
        let ink: usize = g.iter().map(|&b| b as usize).sum();
        assert!(ink > 200, "{} drew nothing ({ink} dark pixels)", chars[i]);
        for (j, h) in glyphs.iter().enumerate().skip(i + 1) {
            let diff: usize = g.iter().zip(h).filter(|(a, b)| a != b).count();
            assert!(
                diff > 300,
                "{} and {} look alike (tofu?)",
                chars[i],
                chars[j]
            );
        }
    }
}

#[test]
fn chromium_prints_at_least_one_page_per_section() {
    let bin = need_chromium!("chromium_prints_at_least_one_page_per_section");
    let (html, _) = airline_report();
    let pdf = tmp().join("report.pdf");
    let _ = run_chromium(
        &bin,
        html,
        &[
            format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer".into(),
        ],
    );
    let bytes = std::fs::read(&pdf).expect("a PDF");
    assert!(bytes.starts_with(b"%PDF"));
    // page objects: "/Type /Page" not followed by "s" (that is the page tree)
    let text = String::from_utf8_lossy(&bytes);
    let pages = text
        .match_indices("/Type /Page")
        .filter(|(i, _)| !text[i + 11..].starts_with('s'))
        .count();
    // every section starts a page (the summary shares the first with the cover)
    assert!(
        pages >= SECTIONS.len(),
        "{pages} pages for {} sections",
        SECTIONS.len()
    );
}

// ---------------------------------------------------------------- chart polish

fn ccsi_analysis() -> csi::analysis::Analysis {
    let m = csi::spec::read_model(&Path::new(env!("CARGO_MANIFEST_DIR")).join("models/ccsi.toml"))
        .unwrap();
    let (s, _) = csi::data::read_survey(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ccsi_sample.csv"),
        &m,
        &Default::default(),
    )
    .unwrap();
    csi::analysis::analyze(&m, &s, &Default::default()).unwrap()
}

#[test]
fn path_diagram_of_a_six_layer_chain_is_laid_out_in_layers() {
    use csi::report::chart::{Figure, PathDiagram};
    let a = ccsi_analysis();
    // CCSI: image -> expectation -> quality -> value -> satisfaction -> loyalty is a
    // chain of 6 layers; one row per layer was about 1500 px wide and 490 high
    let (w, h) = PathDiagram::new(&a, None).size();
    assert!(w < 1100 && h < 700, "{w}x{h}");
    let svg = csi::report::chart::render_svg(&PathDiagram::new(&a, None)).unwrap();
    for c in ["IMAG", "EXPE", "QUAL", "VAL", "SAT", "LOY"] {
        assert!(svg.contains(c), "{c}");
    }
}

#[test]
fn png_text_keeps_each_glyphs_side_bearing() {
    use csi::report::chart::{font, render_rgb, DrawResult, Figure, FONT_BYTES};
    use plotters::coord::Shift;
    use plotters::prelude::*;
    struct T;
    impl Figure for T {
        fn size(&self) -> (u32, u32) {
            (800, 160)
        }
        fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
            root.fill(&WHITE)?;
            root.draw(&Text::new("10101", (20, 10), font(120.0)))
        }
    }
    let px = render_rgb(&T).unwrap();
    // left edge of each ink run along the columns
    let ink = |x: usize| (0..160).any(|y| px[(y * 800 + x) * 3] < 140);
    let mut starts = Vec::new();
    let mut prev = false;
    for x in 0..800 {
        let i = ink(x);
        if i && !prev {
            starts.push(x as f64);
        }
        prev = i;
    }
    assert_eq!(starts.len(), 5, "{starts:?}");
    // expected from the font's metrics: pen advance plus each glyph's left bearing
    let face = ttf_parser::Face::parse(FONT_BYTES, 0).unwrap();
    // ab_glyph's pixel scale is the font's height (ascender - descender), not its em
    let scale = 120.0 / (face.ascender() as f64 - face.descender() as f64);
    let g = |c: char| face.glyph_index(c).unwrap();
    let adv = |c: char| face.glyph_hor_advance(g(c)).unwrap() as f64 * scale;
    let lsb = |c: char| face.glyph_bounding_box(g(c)).unwrap().x_min as f64 * scale;
    // the bearings differ enough that dropping them (plotters' own drawing) shows
    assert!((lsb('1') - lsb('0')).abs() > 3.0);
    // '1' -> '0' and '0' -> '1' distances
    let d10 = adv('1') + lsb('0') - lsb('1');
    let d01 = adv('0') + lsb('1') - lsb('0');
    for k in 0..4 {
        let want = if k % 2 == 0 { d10 } else { d01 };
        let got = starts[k + 1] - starts[k];
        assert!(
            (got - want).abs() <= 1.5,
            "gap {k}: {got} px, font metrics {want:.1} px"
        );
    }
}

#[test]
fn side_by_side_ipma_panels_share_one_scale() {
    let m =
        csi::spec::read_model(&Path::new(env!("CARGO_MANIFEST_DIR")).join("models/airline.toml"))
            .unwrap();
    let (s, _) = csi::data::read_survey(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("data/airline_sample.csv"),
        &m,
        &Default::default(),
    )
    .unwrap();
    let opts = csi::compare::CompareOptions {
        permutations: 0,
        ..Default::default()
    };
    let c = csi::compare::compare(&m, &s, "airline", None, &opts).unwrap();
    let sat = m.construct_index("SAT").unwrap();
    let maps = c
        .groups
        .iter()
        .map(|g| csi::ipma::ipma(&g.analysis, sat, csi::ipma::Split::Mean).unwrap())
        .collect();
    let panels = csi::report::compare_chart::IpmaPanels::new(&c, maps);
    let ((x0, x1), (y0, y1)) = panels.common_axes().unwrap();
    // the common scale holds every group's points
    for map in &panels.maps {
        for r in &map.constructs {
            assert!(x0 <= r.importance && r.importance <= x1);
            assert!(y0 <= r.performance && r.performance <= y1);
        }
    }
    // at most two panels a row, each 1000 px wide
    assert_eq!(panels.size().0, 2000);
    let svg = panels.to_svg().unwrap();
    assert!(svg.contains("长风航空"));
}
