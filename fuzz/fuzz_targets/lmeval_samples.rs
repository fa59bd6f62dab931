//! Fuzz target for lm-evaluation-harness per-sample logs (`samples_<task>_*.jsonl`), read
//! with the run information of the real 0.4 results file in tests/data/lm-eval-0.4-toy/.
#![no_main]

use std::sync::OnceLock;

use emerge::ingest::lmeval::{parse_samples, run_info, RunInfo};
use libfuzzer_sys::fuzz_target;

static RESULTS: &[u8] = include_bytes!("../../tests/data/lm-eval-0.4-toy/results_2026-11-28T12-43-15.316013.json");

fn run() -> &'static RunInfo {
    static RUN: OnceLock<RunInfo> = OnceLock::new();
    RUN.get_or_init(|| run_info("results.json", RESULTS).expect("the toy results file reads"))
}

fuzz_target!(|data: &[u8]| {
    for join_on in [None, Some("doc.question"), Some("answer")] {
        let _ = parse_samples("samples_toy_add_mc_x.jsonl", data, "toy_add_mc", run(), join_on);
    }
});
