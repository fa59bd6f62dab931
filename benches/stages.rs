//! One criterion benchmark per pipeline stage, on fixed inputs (issue "Performance"):
//!
//! - ingest: `ingest::read` of a tidy CSV with counts, 200 groups × 20 subtasks × 8 sizes
//!   (32,000 rows, shaped like benches/compare's corpus (a));
//! - compose: `compose::compose` of that dataset with `all` and `mean`;
//! - fits: one series of 8 sizes, each curve model (`analyze::fit::fit`);
//! - bootstrap: `analyze()` of 20 of those groups with 2,000 replicates against the same
//!   without (the difference is the bootstrap and the verdict's resampling);
//! - charts: figure 1 encoded as PNG and as SVG (with text outlining).
//!
//!     cargo bench --bench stages
//!
//! Results and the machine are recorded in BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, Criterion};
use emerge::analyze::fit::{fit, FitSpec, ModelKind};
use emerge::analyze::{analyze, AnalyzeOptions};
use emerge::compose::{compose, Operator};
use emerge::figures::{Datasets, CATALOG};
use emerge::ingest::{read, IngestOptions};
use emerge::render::{encode, ImageFormat};

/// Subtask s of group g follows 0.25 + 0.7·σ(slope·(x − mid)) over 8 sizes, observed on
/// 1,000 items; mid and slope vary by group and subtask (as benches/make_corpus.py).
fn corpus(groups: usize, subtasks: usize) -> String {
    let mut csv = String::from("family,task,model,params,subtask,n,correct\n");
    for g in 0..groups {
        for m in 0..8 {
            let x = 8.0 + 0.5 * m as f64;
            for s in 0..subtasks {
                let mid = 9.0 + ((g * 7 + s * 3) % 10) as f64 * 0.25;
                let slope = 1.0 + ((g + s) % 4) as f64 * 0.25;
                let p = 0.25 + 0.7 / (1.0 + (-slope * (x - mid)).exp());
                let correct = (p * 1000.0).round() as u64;
                csv.push_str(&format!("f{},t{g},m{m},{},s{s},1000,{correct}\n", g % 40, 10f64.powf(x)));
            }
        }
    }
    csv
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("corpus.csv");
    std::fs::write(&path, corpus(200, 20)).expect("write corpus");
    let path = path.to_str().expect("utf-8 path").to_string();
    let operators: Vec<Operator> = ["all", "mean"].iter().map(|o| o.parse().expect("valid")).collect();

    let mut group = c.benchmark_group("stages");
    group.sample_size(10);
    group.bench_function("ingest: read 32,000 tidy rows", |b| {
        b.iter(|| read(&path, &IngestOptions::default()).expect("corpus reads"))
    });
    let dataset = read(&path, &IngestOptions::default()).expect("corpus reads");
    group.bench_function("compose: 200 groups × 20 subtasks, all + mean", |b| {
        b.iter(|| compose(&dataset, &operators))
    });

    let x: Vec<f64> = (0..8).map(|m| 8.0 + 0.5 * m as f64).collect();
    let y: Vec<f64> = x.iter().map(|x| 0.25 + 0.7 / (1.0 + (-1.5 * (x - 9.5)).exp())).collect();
    for kind in ModelKind::ALL {
        let spec = FitSpec { kind, floor: 0.0, higher_is_better: true, is_rate: true };
        group.bench_function(format!("fits: one {} fit, 8 sizes", kind.name()), |b| {
            b.iter(|| fit(&spec, &x, &y).expect("fits"))
        });
    }

    let small_path = format!("{path}.small.csv");
    std::fs::write(&small_path, corpus(20, 20)).expect("write corpus");
    let small = read(&small_path, &IngestOptions::default()).expect("corpus reads");
    let with = AnalyzeOptions::default();
    let without = AnalyzeOptions { bootstrap: 0, ..with.clone() };
    group.bench_function("bootstrap: analyze 20 groups, bootstrap 2,000", |b| {
        b.iter(|| analyze(compose(&small, &operators), &[], &with))
    });
    group.bench_function("bootstrap: analyze 20 groups, bootstrap 0", |b| {
        b.iter(|| analyze(compose(&small, &operators), &[], &without))
    });

    let figure = (CATALOG[0].build)(&Datasets::new(concat!(env!("CARGO_MANIFEST_DIR"), "/datasets")))
        .expect("figure 1");
    group.bench_function("charts: figure 1 as PNG", |b| {
        b.iter(|| encode(&figure, ImageFormat::Png).expect("png"))
    });
    group.bench_function("charts: figure 1 as SVG", |b| {
        b.iter(|| encode(&figure, ImageFormat::Svg).expect("svg"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
