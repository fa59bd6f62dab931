//! Fuzz target for lm-evaluation-harness results files (`emerge::ingest::lmeval`):
//! detection, the score reader and the run information the sample logs use.
#![no_main]

use emerge::ingest::lmeval::{is_results, parse_results, run_info};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = is_results(data);
    let _ = parse_results("fuzz.json", data);
    let _ = run_info("fuzz.json", data);
});
