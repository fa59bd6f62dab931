//! emerge: tell real emergent abilities of language models from artefacts of strict
//! metrics (Schaeffer, Miranda & Koyejo 2023; Wei et al. 2022; Srivastava et al. 2022).
//!
//! The pipeline: [`ingest`] → [`compose`] → [`analyze`] → [`render`] / [`export`].
//! [`cmd`] holds one module per subcommand (its arguments, configuration and run);
//! [`cli`] is the top-level command line. ARCHITECTURE.md maps the whole tree.
//! [`files`] is the ground floor under every stage that writes to disk.

pub mod analyze;
pub mod cli;
pub mod cmd;
pub mod compose;
pub mod export;
pub mod figures;
pub mod files;
pub mod ingest;
pub mod render;
pub mod report;
pub mod simulate;
pub mod units;
pub mod warnings;

use std::io::Write;

/// Exit codes, as documented in the README.
pub mod exit {
    pub const SUCCESS: u8 = 0;
    /// Bad data or a failed analysis.
    pub const DATA_ERROR: u8 = 1;
    /// Bad command-line usage (clap's own code).
    pub const USAGE: u8 = 2;
}

/// Runs a parsed command line, writing human-readable output to `out`.
pub fn run(cli: cli::Cli, out: &mut dyn Write) -> anyhow::Result<()> {
    match cli.command {
        cli::Command::Analyze(args) => cmd::analyze::run(&(*args).into_config(), out).map(|_| ()),
        cli::Command::Backtest(args) => cmd::backtest::run(&(*args).into_config(), out),
        cli::Command::Power(args) => cmd::power::run(&args.into_query(), out),
        cli::Command::Figures(args) => cmd::figures::run(&args.into_config(), out),
        cli::Command::Simulate(args) => cmd::simulate::run(&args.into_config()?, out),
    }
}

/// Whether an error is a closed output pipe (`emerge ... | head`), which is not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
