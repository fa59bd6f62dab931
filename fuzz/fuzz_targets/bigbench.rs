//! Fuzz target for BIG-bench `scores_*.json` files (`emerge::ingest::bigbench`).
#![no_main]

use emerge::ingest::bigbench::{is_bigbench, parse_scores};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = is_bigbench(data);
    let _ = parse_scores("scores_fuzz.json", data);
});
