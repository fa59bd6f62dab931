//! The statistics stage at scale: 1,000 groups of 5 subtasks × 8 model sizes with item
//! counts, one `all` compound each (1,000 compound series), bootstrap 2,000, every fit,
//! composed model, forecast and verdict. Target (issue "Statistics you can trust"):
//! under 2 s on the 2-core machine. Results in BENCHMARKS.md.
//!
//!     cargo bench --bench analyze

use criterion::{criterion_group, criterion_main, Criterion};
use emerge::analyze::{analyze, AnalyzeOptions};
use emerge::compose::{compose, Operator};
use emerge::ingest::{read, IngestOptions};

/// Deterministic corpus: subtask s of group g follows a logistic in log10(params) with
/// a midpoint and slope that vary by group and subtask, observed on 1,000 items.
fn corpus(groups: usize) -> String {
    let mut csv = String::from("task,model,params,subtask,n,correct\n");
    for g in 0..groups {
        for m in 0..8 {
            let x = 8.0 + 0.5 * m as f64;
            for s in 0..5 {
                let mid = 9.0 + ((g * 7 + s * 3) % 10) as f64 * 0.25;
                let slope = 1.0 + ((g + s) % 4) as f64 * 0.25;
                let p = 0.25 + 0.7 / (1.0 + (-slope * (x - mid)).exp());
                let correct = (p * 1000.0).round() as u64;
                csv.push_str(&format!("task{g},m{m},{},s{s},1000,{correct}\n", 10f64.powf(x)));
            }
        }
    }
    csv
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("corpus.csv");
    std::fs::write(&path, corpus(1000)).expect("write corpus");
    let dataset = read(path.to_str().expect("utf-8 path"), &IngestOptions::default()).expect("corpus reads");
    let operators: Vec<Operator> = vec!["all".parse().expect("valid")];
    let options = AnalyzeOptions::default();
    let mut group = c.benchmark_group("statistics");
    group.sample_size(10);
    group.bench_function("analyze 1000 compounds x 8 sizes x 5 subtasks, bootstrap 2000", |b| {
        b.iter(|| analyze(compose(&dataset, &operators), &[], &options))
    });
    // The same without the bootstrap (intervals, emergence-score intervals, verdict
    // p-values): what the fits, composed models and forecasts cost on their own.
    let no_bootstrap = AnalyzeOptions { bootstrap: 0, ..options.clone() };
    group.bench_function("analyze 1000 compounds x 8 sizes x 5 subtasks, bootstrap 0", |b| {
        b.iter(|| analyze(compose(&dataset, &operators), &[], &no_bootstrap))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
