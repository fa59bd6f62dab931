//! Subcommands: each wires pipeline stages together; no mathematics lives here.

pub mod analyze;
pub mod backtest;
pub mod power;
pub mod simulate;
