//! One company-wave of a programme: the lean index-only resampling of
//! `csi::program::estimate::fit_cell` against the full `csi::bootstrap::run` (every
//! path, weight, loading, effect, R², index and HTMT), CCSI model, n = 250, 1,000
//! resamples, on 1 thread and on all threads. The whole-command programme benchmark
//! (400 companies x 4 waves) is `bash benches/program.sh`.
//! `cargo bench --bench program`
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use csi::analysis::{analyze, FitOptions};
use csi::bootstrap::{run, BootstrapOptions};
use csi::data::Survey;
use csi::program::estimate::fit_cell;

mod common;

fn cell(c: &mut Criterion) {
    let model = common::ccsi();
    let mut g = c.benchmark_group("program_company_wave");
    g.sample_size(10);
    let all = rayon::current_num_threads();
    let x = common::answers(&model, 250);
    let s = Survey::from_matrix(model.items.iter().map(|i| i.name.clone()).collect(), x);
    let options = FitOptions::default();
    for threads in [1usize, all] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        g.bench_function(
            BenchmarkId::new("fit_cell_n250_x1000", format!("{threads}threads")),
            |b| {
                b.iter(|| {
                    pool.install(|| fit_cell(&model, &s, &options, 1000, 42, None).expect("cell"))
                })
            },
        );
        g.bench_function(
            BenchmarkId::new(
                "analyze_and_bootstrap_run_n250_x1000",
                format!("{threads}threads"),
            ),
            |b| {
                b.iter(|| {
                    pool.install(|| {
                        let a = analyze(&model, &s, &options).expect("fit");
                        run(
                            &model,
                            &a.data,
                            &a.options.pls,
                            &a.fit,
                            &BootstrapOptions::default(),
                            None,
                        )
                        .expect("bootstrap")
                    })
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, cell);
criterion_main!(benches);
