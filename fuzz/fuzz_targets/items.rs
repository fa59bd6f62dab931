//! Fuzz target for item-level CSV (`emerge::ingest::items`, through `emerge::ingest::read`
//! and its format detection): the polars lazy scan, the located checks and the
//! `--on-error skip` path. polars reads files, so each input is written to a scratch
//! file of this process first.
#![no_main]

use std::sync::OnceLock;

use emerge::ingest::{read, Format, IngestOptions, OnError};
use libfuzzer_sys::fuzz_target;

fn scratch() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        std::env::temp_dir().join(format!("emerge-fuzz-items-{}.csv", std::process::id())).display().to_string()
    })
}

fuzz_target!(|data: &[u8]| {
    let path = scratch();
    if std::fs::write(path, data).is_err() {
        return;
    }
    for on_error in [OnError::Fail, OnError::Skip] {
        let options = IngestOptions { format: Some(Format::Items), on_error, ..IngestOptions::default() };
        let _ = read(path, &options);
    }
    // Detection as well: the same bytes without --format.
    let _ = read(path, &IngestOptions::default());
});
