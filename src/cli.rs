//! Command-line definition (clap derive): the top-level [`Cli`] and [`Command`]. The
//! pieces the subcommands share ([`InputArgs`], value parsers) are in `cmd/shared.rs`, so
//! that `cli` imports `cmd` and never the other way round. Each subcommand's
//! arguments, examples and conversion into a validated configuration live in its own
//! module under [`crate::cmd`]; no stage sees a clap type.

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, Subcommand};

use crate::cmd::analyze::AnalyzeArgs;
use crate::cmd::backtest::BacktestArgs;
use crate::cmd::figures::FiguresArgs;
use crate::cmd::power::PowerArgs;
use crate::cmd::simulate::SimulateArgs;

pub use crate::cmd::shared::InputArgs;

/// emerge: tell real emergent abilities of language models from artefacts of strict metrics.
///
/// Reads per-subtask scores across model sizes, composes them into compound metrics
/// (all subtasks correct, at least K of k, exact match of L tokens, ...), measures how
/// abruptly each series rises, and writes JSON, CSV, Parquet and charts.
///
/// Exit codes: 0 success, 1 data or analysis error, 2 usage error.
#[derive(Debug, Parser)]
#[command(name = "emerge", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses the command line, then checks what clap's attributes cannot say (one
    /// option that needs another to have a given value); a usage error exits 2, as clap's own.
    pub fn parse_checked() -> Cli {
        let cli = Cli::parse();
        if let Err(message) = cli.check() {
            Cli::command().error(ErrorKind::ArgumentConflict, message).exit();
        }
        cli
    }

    /// The checks across arguments, as a usage error's message.
    pub fn check(&self) -> Result<(), String> {
        match &self.command {
            Command::Backtest(args) => args.check(),
            _ => Ok(()),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Analyze(Box<AnalyzeArgs>),
    Backtest(Box<BacktestArgs>),
    Power(PowerArgs),
    Simulate(SimulateArgs),
    Figures(FiguresArgs),
}
