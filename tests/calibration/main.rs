//! Simulation calibration of emerge's statistics: datasets drawn from a known truth, run
//! through the library, and the share of intervals that cover the truth or of tests that
//! reject counted. One module per question; each runs a quick version in `cargo test` and
//! a full one, with the tables of BENCHMARKS.md, under `--ignored`:
//!
//!     cargo test --release --test calibration -- --ignored --nocapture MODULE::
//!
//! (`MODULE::` one of `artefact::`, `breaks::`, `composed::`, `composition::`,
//! `compound_intervals::`, `dependence::`; each module's documentation names its settings
//! and environment variables.)

mod artefact;
mod breaks;
mod composed;
mod composition;
mod compound_intervals;
mod dependence;
mod sim;
