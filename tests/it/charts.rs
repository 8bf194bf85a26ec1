//! Charts: Chinese labels render in SVG and PNG with the bundled font (no system font
//! needed), output format by extension, and the three csi charts draw.

use csi::analysis::{analyze, FitOptions};
use csi::data::Survey;
use csi::ipma::{ipma, Level, Split};
use csi::report::chart::{self, font, render, render_rgb, render_svg, DrawResult, Figure, Output};
use csi::simulate::{Measurement, Population};
use csi::spec::{ConstructSpec, Model, Scale};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One line of text at a known place on a white canvas.
struct Label(&'static str);

const W: u32 = 400;
const H: u32 = 100;

impl Figure for Label {
    fn size(&self) -> (u32, u32) {
        (W, H)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        root.draw(&Text::new(self.0, (20, 30), font(40.0)))?;
        Ok(())
    }
}

fn dark(px: &[u8]) -> bool {
    px.iter().all(|c| *c < 128)
}

#[test]
fn chinese_label_renders_to_svg_text_and_png_pixels() {
    let svg = render_svg(&Label("顾客满意度")).expect("svg");
    assert!(svg.contains("<text") && svg.contains("顾客满意度"), "{svg}");
    assert!(svg.contains(chart::FONT_FAMILY));

    let dir = tempfile::tempdir().expect("tempdir");
    let png = dir.path().join("label.png");
    render(&Label("顾客满意度"), &Output::from_path(&png).expect("png")).expect("render");
    let bytes = std::fs::read(&png).expect("written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let img = image::load_from_memory(&bytes).expect("decodes").to_rgb8();
    assert_eq!(img.dimensions(), (W, H));
    // five glyphs of 40 px from x = 20: the label box is about 200 x 40 px
    let inside = img
        .enumerate_pixels()
        .filter(|(x, y, p)| (20..230).contains(x) && (10..80).contains(y) && dark(&p.0))
        .count();
    let outside = img
        .enumerate_pixels()
        .filter(|(x, y, p)| !((10..240).contains(x) && (0..95).contains(y)) && dark(&p.0))
        .count();
    assert!(inside > 800, "label area has {inside} dark pixels");
    assert_eq!(outside, 0, "ink outside the label area");
}

#[test]
fn glyphs_are_real_not_missing_glyph_boxes() {
    // Different characters must give different pixels; a font without CJK glyphs
    // draws the same box (or nothing) for every one of them.
    let a = render_rgb(&Label("乘务员")).expect("rgb");
    let b = render_rgb(&Label("满意度")).expect("rgb");
    let c = render_rgb(&Label("與臺灣")).expect("rgb"); // traditional characters (Big5)
    let ink = |v: &[u8]| v.chunks(3).filter(|p| dark(p)).count();
    assert!(ink(&a) > 400 && ink(&b) > 400 && ink(&c) > 400);
    assert_ne!(a, b);
    assert_ne!(a, c);
    // the same text renders the same (deterministic)
    assert_eq!(a, render_rgb(&Label("乘务员")).expect("rgb"));
}

#[test]
fn output_format_comes_from_the_extension() {
    assert!(matches!(Output::from_path("a/b.SVG"), Ok(Output::Svg(_))));
    assert!(matches!(Output::from_path("b.png"), Ok(Output::Png(_))));
    let e = Output::from_path("b.jpg").expect_err("jpg");
    assert!(e.to_string().contains(".svg or .png"), "{e}");
    let e = render(
        &Label("x"),
        &Output::from_path("/no/such/folder/x.png").expect("png"),
    )
    .expect_err("folder");
    assert!(matches!(e, csi::Error::Chart { .. }), "{e}");
}

fn chinese_analysis() -> (Model, csi::analysis::Analysis) {
    let model = Model::from_parts(
        "航空",
        vec![
            ConstructSpec::new("CREW", &["c1", "c2", "c3"]).label("乘务员服务 (Cabin crew)"),
            ConstructSpec::new("FOOD", &["f1", "f2"]).label("餐饮服务"),
            ConstructSpec::new("SAT", &["s1", "s2"]).label("满意度"),
            ConstructSpec::new("LOY", &["l1", "l2"]).label("忠诚度"),
        ],
        &[
            ("CREW", "SAT"),
            ("FOOD", "SAT"),
            ("SAT", "LOY"),
            ("CREW", "LOY"),
        ],
    )
    .and_then(|m| {
        m.with_scale(Scale {
            min: 1.0,
            max: 10.0,
        })
    })
    .expect("model");
    let pop = Population::new(
        &model,
        &[
            ("CREW", "SAT", 0.5),
            ("FOOD", "SAT", 0.3),
            ("SAT", "LOY", 0.5),
            ("CREW", "LOY", 0.2),
        ],
        Measurement::CommonFactor(0.8),
    )
    .expect("population");
    let z = pop.draw_continuous(&model, 300, 11).expect("draw");
    let x = csi::simulate::to_scale(
        &model,
        &z,
        Scale {
            min: 1.0,
            max: 10.0,
        },
        7.0,
        1.5,
        &[],
        &[],
    );
    let survey = Survey::from_matrix(model.items.iter().map(|i| i.name.clone()).collect(), x);
    let a = analyze(&model, &survey, &FitOptions::default()).expect("fit");
    (model, a)
}

#[test]
fn quadrant_path_and_index_charts_draw_with_chinese_labels() {
    let (model, a) = chinese_analysis();
    let map = ipma(&a, 2, Split::Mean).expect("ipma");
    let q = chart::QuadrantChart::new(&model, &map, Level::Constructs);
    let svg = render_svg(&q).expect("quadrant svg");
    for s in [
        "乘务员服务",
        "餐饮服务",
        "修补区",
        "优势区",
        "机会区",
        "维持区",
        "重要性-绩效四分图：满意度",
    ] {
        assert!(svg.contains(s), "quadrant chart lacks '{s}'");
    }
    assert!(
        !svg.contains("Cabin crew"),
        "charts show the short (Chinese) part of bilingual labels"
    );
    let qi = chart::QuadrantChart::new(&model, &map, Level::Indicators);
    assert!(render_svg(&qi).expect("indicator svg").contains("c1"));
    let p = chart::PathDiagram::new(&a, None);
    let svg = render_svg(&p).expect("path svg");
    for s in ["乘务员服务", "忠诚度", "R² =", "指数"] {
        assert!(svg.contains(s), "path diagram lacks '{s}'");
    }
    let coef = format!("{:.3}", a.fit.paths[(0, 2)]);
    assert!(
        svg.contains(&coef),
        "path diagram lacks the CREW -> SAT coefficient {coef}"
    );
    let i = chart::IndexChart::new(&a, None, Some(2));
    let svg = render_svg(&i).expect("index svg");
    let sat = format!("{:.1}", a.indices[2].value.expect("index"));
    assert!(svg.contains("满意度") && svg.contains(&sat));
    // PNG versions decode
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, ok) in [
        (
            "q.png",
            render(
                &q,
                &Output::from_path(dir.path().join("q.png")).expect("out"),
            ),
        ),
        (
            "p.png",
            render(
                &p,
                &Output::from_path(dir.path().join("p.png")).expect("out"),
            ),
        ),
        (
            "i.png",
            render(
                &i,
                &Output::from_path(dir.path().join("i.png")).expect("out"),
            ),
        ),
    ] {
        ok.expect(name);
        let img = image::open(dir.path().join(name))
            .expect("valid png")
            .to_rgb8();
        assert!(
            img.pixels().filter(|p| dark(&p.0)).count() > 1000,
            "{name} is nearly empty"
        );
    }
}

#[test]
fn stars_appear_in_the_path_diagram_with_a_bootstrap() {
    let (_, a) = chinese_analysis();
    let b = csi::bootstrap::run(
        &a.model,
        &a.data,
        &a.options.pls,
        &a.fit,
        &csi::bootstrap::BootstrapOptions {
            resamples: 50,
            ..Default::default()
        },
        None,
    )
    .expect("bootstrap");
    let svg = render_svg(&chart::PathDiagram::new(&a, Some(&b))).expect("svg");
    assert!(svg.contains("***"), "a strong path is significant");
    assert!(svg.contains("bootstrap 50"));
}
