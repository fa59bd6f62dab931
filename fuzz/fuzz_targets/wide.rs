//! Fuzz target for wide tables, one row per model and one column per subtask
//! (`emerge::ingest::wide`), with both delimiters and a layout with every id column.
#![no_main]

use emerge::ingest::wide::{parse_wide, WideLayout};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let plain = WideLayout::default();
    let full = WideLayout {
        family: Some("family".into()),
        task: Some("task".into()),
        shots: Some("shots".into()),
        metric: Some("metric".into()),
        ..WideLayout::default()
    };
    for delimiter in [b',', b'\t'] {
        for layout in [&plain, &full] {
            let _ = parse_wide("fuzz.csv", data, delimiter, layout, "fuzz-task");
        }
    }
});
