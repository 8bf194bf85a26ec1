//! One PLS fit of the CCSI model (27 items) at n = 250, 10,000 and 1,000,000:
//! moments (one pass over the data) + PLS iterations + quality + indices.
//! `cargo bench --bench fit`
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use csi::analysis::{analyze, FitOptions};
use csi::data::Survey;

mod common;

fn fit(c: &mut Criterion) {
    let model = common::ccsi();
    let mut g = c.benchmark_group("fit_ccsi");
    g.sample_size(10);
    for n in [250usize, 10_000, 1_000_000] {
        let x = common::answers(&model, n);
        let s = Survey::from_matrix(model.items.iter().map(|i| i.name.clone()).collect(), x);
        g.bench_with_input(BenchmarkId::from_parameter(n), &s, |b, s| {
            b.iter(|| analyze(&model, s, &FitOptions::default()).expect("fit"))
        });
    }
    g.finish();
}

criterion_group!(benches, fit);
criterion_main!(benches);
