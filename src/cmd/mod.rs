//! Subcommands, one module each: its clap arguments and examples, their conversion into
//! a validated configuration (with unit tests), and the run that wires pipeline stages
//! together; no mathematics lives here.

pub mod analyze;
pub mod backtest;
pub mod figures;
pub mod power;
pub mod shared;
pub mod simulate;
