//! Command-line definition (clap derive). Converted into validated configurations in
//! [`AnalyzeArgs::into_config`]; no stage sees a clap type.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::cmd::analyze::AnalyzeConfig;
use crate::compose::Operator;
use crate::ingest::{ColumnMapping, IngestOptions};

/// Shown at the end of `emerge analyze --help`; the README carries the same lines.
const ANALYZE_EXAMPLES: &str = "\
Examples:

  emerge analyze datasets/seed_example.csv

  emerge analyze scores.csv --compose all --compose atleast:3 --compose mean --out results/

  emerge analyze harness.csv --col model=model_name --col family=model_family --percent";

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

#[derive(Debug, Subcommand)]
pub enum Command {
    Analyze(AnalyzeArgs),
}

/// Compose per-subtask scores into compound metrics and measure their emergence.
///
/// INPUT is a tidy CSV (or TSV, by extension) with one row per (model, subtask):
/// required columns model, params, subtask, score; optional task, family, metric,
/// n, correct, flops, shots. Headers match case-insensitively. Rows with an empty
/// subtask are task-level scores, analysed as their own series. Scores are fractions
/// in [0, 1] unless --percent is given.
///
/// Writes summary.json, series.csv, series.parquet and PNG charts to --out and
/// prints a summary.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment, after_long_help = ANALYZE_EXAMPLES)]
pub struct AnalyzeArgs {
    /// Tidy CSV/TSV of scores; `-` reads standard input.
    #[arg(value_name = "INPUT")]
    pub input: String,

    /// Compound metric to compute (repeatable) [default: all, mean].
    ///
    /// all: every subtask correct, independent subtasks (the product).
    /// any: at least one subtask correct, 1 − ∏(1 − p).
    /// atleast:K: at least K of the k subtasks correct (Poisson-binomial, unequal p).
    /// mean, geomean, min: the subtasks' arithmetic mean, geometric mean, minimum.
    /// exact:L: scores are per-token probabilities p; exact match of an L-token answer, p^L.
    /// editdist:L: expected token edit distance L(1 − p) (lower is better).
    /// all:rho=R: all correct with exchangeable correlation R in [0, 1] (beta-binomial).
    #[arg(
        long = "compose",
        value_name = "OP",
        help = "Compound metric (repeatable) [default: all, mean]",
        verbatim_doc_comment
    )]
    pub compose: Vec<Operator>,

    /// Read the column named HEADER as ROLE (repeatable).
    ///
    /// Roles: model, params, subtask, score, task, family, metric, n, correct, flops,
    /// shots. Example: --col model=model_name --col family=model_family
    #[arg(long = "col", value_name = "ROLE=HEADER")]
    pub columns: Vec<ColumnMapping>,

    /// Scores are percentages in [0, 100]; divide them by 100.
    #[arg(long)]
    pub percent: bool,

    /// Directory for summary.json, series.csv, series.parquet and charts; created if needed.
    #[arg(long, value_name = "DIR", default_value = "emerge-out")]
    pub out: PathBuf,

    /// Do not draw charts.
    #[arg(long)]
    pub no_charts: bool,

    /// Do not print the summary (files are still written).
    #[arg(long, short)]
    pub quiet: bool,
}

impl AnalyzeArgs {
    /// The one place where command-line arguments become a validated configuration.
    pub fn into_config(self) -> AnalyzeConfig {
        let mut operators: Vec<Operator> = Vec::new();
        let requested = if self.compose.is_empty() {
            vec!["all".parse().expect("valid"), "mean".parse().expect("valid")]
        } else {
            self.compose
        };
        for op in requested {
            if !operators.iter().any(|o| o.name() == op.name()) {
                operators.push(op);
            }
        }
        AnalyzeConfig {
            input: self.input,
            operators,
            ingest: IngestOptions { percent: self.percent, columns: self.columns },
            out_dir: self.out,
            charts: !self.no_charts,
            quiet: self.quiet,
        }
    }
}
