//! Bootstrap of the CCSI model (27 items): 1,000 resamples at n = 250 and 10,000,
//! 10 resamples at n = 1,000,000, on 1 thread and on all threads.
//! `cargo bench --bench bootstrap`
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use csi::analysis::{analyze, FitOptions};
use csi::bootstrap::{run, BootstrapOptions};
use csi::data::Survey;

mod common;

fn boot(c: &mut Criterion) {
    let model = common::ccsi();
    let mut g = c.benchmark_group("bootstrap_ccsi");
    g.sample_size(10);
    let all = rayon::current_num_threads();
    for (n, resamples) in [(250usize, 1000usize), (10_000, 1000), (1_000_000, 10)] {
        let x = common::answers(&model, n);
        let s = Survey::from_matrix(model.items.iter().map(|i| i.name.clone()).collect(), x);
        let a = analyze(&model, &s, &FitOptions::default()).expect("fit");
        let opts = BootstrapOptions {
            resamples,
            ..Default::default()
        };
        for threads in [1usize, all] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            let id = BenchmarkId::new(format!("n{n}_x{resamples}"), format!("{threads}threads"));
            g.bench_function(id, |b| {
                b.iter(|| {
                    pool.install(|| {
                        run(&model, &a.data, &a.options.pls, &a.fit, &opts, None)
                            .expect("bootstrap")
                    })
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, boot);
criterion_main!(benches);
