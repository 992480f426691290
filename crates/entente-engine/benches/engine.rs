//! `cargo bench -p entente-engine`: the whole estimate on the embedded default dataset (keeping every column, as
//! `explain` does, and only the figures, as `assess` does), and the sampler alone.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use entente_engine::{estimate, estimate_keeping, Keep, PlanOptions};

fn default_model(c: &mut Criterion) {
    let ds = entente_data::load_embedded().expect("the embedded dataset is valid");
    let mut g = c.benchmark_group("estimate/default-dataset");
    g.sample_size(10);
    for n in [100_000usize, 1_000_000] {
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("keep-all", n), &n, |b, &n| {
            b.iter(|| estimate(&ds, &PlanOptions::default(), n, 1, &[], &|_| {}).unwrap())
        });
        // what `entente assess` runs
        g.bench_with_input(BenchmarkId::new("keep-figures", n), &n, |b, &n| {
            b.iter(|| estimate_keeping(&ds, &PlanOptions::default(), n, 1, &[], &|_| {}, Keep::Figures).unwrap())
        });
    }
    g.finish();
}

fn sampler(c: &mut Criterion) {
    use entente_core::{Distribution, Truncation};
    use entente_engine::sample::{rng, Sampler};
    let mut g = c.benchmark_group("sampler");
    let n = 1 << 16;
    g.throughput(Throughput::Elements(n as u64));
    for (name, d) in [
        ("pert", Distribution::Pert { low: 1.0, mode: 2.0, high: 5.0 }),
        ("lognormal", Distribution::lognormal_90(1.0, 5.0).unwrap()),
        ("uniform", Distribution::Uniform { low: 1.0, high: 5.0 }),
    ] {
        let s = Sampler::new(&d).unwrap();
        let mut out = vec![0.0; n];
        g.bench_function(name, |b| b.iter(|| s.fill(&mut rng(1, 2, 3), &Truncation::default(), &mut out)));
    }
    g.finish();
}

criterion_group!(benches, default_model, sampler);
criterion_main!(benches);
