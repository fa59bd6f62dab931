//! Item-level data at scale: emerge's reader (`emerge::ingest::read`: validation, the
//! per-subtask and per-item aggregations, the joint outcome) against bare polars lazy
//! scans + group-bys of the same file, in the same process, alternating, several runs:
//! by model and subtask on polars' default and streaming engines, and by item.
//!
//!     cargo bench --bench items_scale              # 10,000,000 rows
//!     cargo bench --bench items_scale -- 1000000   # another size
//!
//! The input is written once by `emerge simulate`'s generator (5 subtasks × 20 sizes ×
//! rows/100 items, ρ = 0.3, seed 1) under the target directory and reused. Results
//! and the machine are recorded in BENCHMARKS.md; peak memory is measured on the whole
//! process with `/usr/bin/time -v` (see there), not here.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use emerge::ingest::{read, IngestOptions};
use emerge::simulate::Simulation;
use polars::prelude::*;

const RUNS: usize = 5;

/// A baseline's description and the query it times.
type Baseline = (&'static str, fn(&str));

fn main() {
    let rows: u64 = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(|a| a.parse().expect("the row count is a whole number"))
        .unwrap_or(10_000_000);
    let path = input(rows);
    let shown = path.display().to_string();
    println!("input: {shown} ({rows} rows, {:.0} MB)", std::fs::metadata(&path).unwrap().len() as f64 / 1e6);

    // One untimed pass each warms the page cache and polars's thread pool.
    let baselines: [Baseline; 3] = [
        ("bare scan + group-by by model and subtask, collect()", bare_default),
        ("the same on polars' streaming engine", bare_streaming),
        ("bare scan + group-by by item (emerge's key), streaming", bare_items),
    ];
    for (_, run) in &baselines {
        run(&shown);
    }
    let used = read(&shown, &IngestOptions::default()).expect("emerge reads the simulated file").rows_used;
    assert_eq!(used, rows, "every row is used");

    let mut times = vec![Vec::new(); baselines.len()];
    let mut emerge_times = Vec::new();
    for _ in 0..RUNS {
        for ((_, run), t) in baselines.iter().zip(&mut times) {
            t.push(timed(|| run(&shown)));
        }
        emerge_times.push(timed(|| {
            read(&shown, &IngestOptions::default()).expect("emerge reads the simulated file");
        }));
    }
    let e = median(&mut emerge_times);
    println!("emerge item-level reader: median {e:.3} s over {RUNS} runs {:?}", secs(&emerge_times));
    for ((name, _), t) in baselines.iter().zip(&mut times) {
        let b = median(t);
        println!("{name}: median {b:.3} s {:?}; emerge / this: {:.2}", secs(t), e / b);
    }
    println!("target: emerge within 1.5x of a bare polars scan + group-by");
}

/// The baseline a polars user would write: scan, group by model and subtask, rate and
/// count, `collect()` (polars' default engine).
fn bare_default(path: &str) {
    let df = per_subtask(path).collect().expect("group-by");
    assert!(df.height() > 0);
}

/// The same query on polars' streaming engine, which emerge's reader uses.
fn bare_streaming(path: &str) {
    let df = per_subtask(path).collect_with_engine(Engine::Streaming).expect("group-by").unwrap_single();
    assert!(df.height() > 0);
}

fn per_subtask(path: &str) -> LazyFrame {
    LazyCsvReader::new(PlRefPath::new(path))
        .with_has_header(true)
        .finish()
        .expect("scan")
        .group_by([col("model"), col("subtask")])
        .agg([col("correct").mean().alias("rate"), len().alias("n")])
}

/// The least a per-item analysis must do: group the rows by emerge's item key (model,
/// params, family, task, item, every column read as text as emerge reads them) with a
/// count and a sum, then count items per model. No validation, no per-subtask counts.
fn bare_items(path: &str) {
    let keys = ["model", "params", "family", "task", "item"].map(col);
    let df = LazyCsvReader::new(PlRefPath::new(path))
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .finish()
        .expect("scan")
        .with_column(col("correct").cast(DataType::Float64))
        .group_by(keys)
        .agg([col("correct").sum().alias("sum"), len().alias("k")])
        .group_by([col("model")])
        .agg([len().alias("items")])
        .collect_with_engine(Engine::Streaming)
        .expect("group-by")
        .unwrap_single();
    assert!(df.height() > 0);
}

fn input(rows: u64) -> PathBuf {
    let dir = PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()));
    let path = dir.join(format!("items_scale_{rows}.csv"));
    if !path.exists() {
        let items = (rows / 100).max(1);
        let simulation = Simulation {
            rates: vec![(0.4, 0.6); 5],
            sizes: (1e8, 1e11),
            steps: 20,
            items,
            rho: 0.3,
            seed: 1,
            task: "simulated".into(),
            family: "sim".into(),
        };
        assert_eq!(simulation.rows(), rows, "rows must be a multiple of 100");
        std::fs::create_dir_all(&dir).expect("target directory");
        emerge::files::write_atomically_with(&path, |w| simulation.write_csv(w)).expect("write the input");
    }
    path
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn median(times: &mut [Duration]) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64()
}

fn secs(times: &[Duration]) -> Vec<String> {
    times.iter().map(|t| format!("{:.3}", t.as_secs_f64())).collect()
}
