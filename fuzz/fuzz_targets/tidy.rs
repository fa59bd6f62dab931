//! Fuzz target for the tidy CSV/TSV reader, `emerge::ingest::read_tidy`.
//!
//! Any input must give `Ok` or `Err`; a panic (or a sanitizer report) is a bug.
//! Every input is read with both delimiters and with several option sets.
#![no_main]

use emerge::ingest::{read_tidy, ColumnMapping, IngestOptions, OnError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Always start from `default()` so that new fields do not break this target.
    let plain = IngestOptions::default();
    let percent = IngestOptions { percent: true, ..IngestOptions::default() };
    // `--on-error skip` takes the drop-and-continue path instead of failing.
    let skip = IngestOptions { percent: true, on_error: OnError::Skip, ..IngestOptions::default() };
    // `--col` overrides, as for tests/data/mapped_percent.csv, to reach the mapping code.
    let mapped = IngestOptions {
        percent: true,
        on_error: OnError::Skip,
        columns: ["model=Model_Name", "params=Size", "subtask=Sub", "score=Acc"]
            .iter()
            .map(|s| s.parse::<ColumnMapping>().expect("valid mapping"))
            .collect(),
        ..IngestOptions::default()
    };
    for delimiter in [b',', b'\t'] {
        for options in [&plain, &percent, &skip, &mapped] {
            let _ = read_tidy("fuzz.csv", "fuzz-task", data, delimiter, options);
        }
    }
});
