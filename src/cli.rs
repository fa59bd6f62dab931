//! Command-line definition (clap derive). Converted into validated configurations in
//! [`AnalyzeArgs::into_config`]; no stage sees a clap type.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::analyze::{AnalyzeOptions, CiMethod, XAxis, DEFAULT_SEED};
use crate::cmd::analyze::AnalyzeConfig;
use crate::compose::Operator;
use crate::ingest::{ColumnMapping, IngestOptions};

/// Shown at the end of `emerge analyze --help`; the README carries the same lines.
const ANALYZE_EXAMPLES: &str = "\
Examples:

  emerge analyze datasets/seed_example.csv

  emerge analyze scores.csv --compose all --compose atleast:3 --compose mean --out results/

  emerge analyze harness.csv --col model=model_name --col family=model_family --percent

  emerge analyze datasets/seed_example.csv --n 1000 --threshold 0.5 --seed 7";

/// Shown at the end of `emerge power --help`.
const POWER_EXAMPLES: &str = "\
Examples:

  emerge power --rate 0.011

  emerge power --rate 0.001 --confidence 0.99 --power 0.9";

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
    Analyze(Box<AnalyzeArgs>),
    Power(PowerArgs),
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

    /// Level of every interval and of the verdicts' test (1 − significance level).
    #[arg(long, value_name = "LEVEL", default_value_t = 0.95, value_parser = open_unit, help_heading = "Statistics")]
    pub confidence: f64,

    /// Interval for points with item counts.
    ///
    /// wilson: the Wilson score interval (default; good coverage at small n).
    /// clopper-pearson: the exact interval from Beta quantiles (conservative).
    #[arg(
        long,
        value_name = "METHOD",
        default_value = "wilson",
        help_heading = "Statistics",
        verbatim_doc_comment
    )]
    pub ci: CiMethod,

    /// Parametric bootstrap replicates for compound intervals and emergence-score intervals (0: off).
    #[arg(long, value_name = "B", default_value_t = 2000, help_heading = "Statistics")]
    pub bootstrap: usize,

    /// Seed of every random draw; the same seed gives byte-identical outputs.
    #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED, help_heading = "Statistics")]
    pub seed: u64,

    /// Items behind every score for rows without an `n` column.
    #[arg(long = "n", value_name = "N", value_parser = clap::value_parser!(u64).range(1..), help_heading = "Statistics")]
    pub n_items: Option<u64>,

    /// Scale curves are fitted against: log10 of params, or of FLOPs (the `flops` column).
    #[arg(long = "x", value_name = "AXIS", default_value = "params", value_parser = ["params", "flops"], help_heading = "Statistics")]
    pub x_axis: String,

    /// Chance level of the task (e.g. 0.25 for 4-way multiple choice): the logistic fits' floor.
    #[arg(long, value_name = "P", value_parser = unit_interval, help_heading = "Statistics")]
    pub chance: Option<f64>,

    /// Compound rate whose crossing is forecast (repeatable) [default: 0.05, 0.5].
    #[arg(long = "threshold", value_name = "T", value_parser = open_unit, help_heading = "Statistics")]
    pub thresholds: Vec<f64>,

    /// Operator the verdict composes subtask trends with.
    #[arg(long, value_name = "OP", default_value = "all", help_heading = "Statistics")]
    pub verdict_op: Operator,
}

/// How many items an evaluation needs to see a small success rate.
///
/// Prints, with the exact binomial reasoning: the items needed to see at least
/// one success, to rule the rate out after seeing none, and to tell the rate from
/// zero with a one-sided exact test.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment, after_long_help = POWER_EXAMPLES)]
pub struct PowerArgs {
    /// The true success rate to detect, in (0, 1).
    #[arg(long, value_name = "P", value_parser = open_unit)]
    pub rate: f64,

    /// Confidence level (1 − significance level of the test).
    #[arg(long, value_name = "LEVEL", default_value_t = 0.95, value_parser = open_unit)]
    pub confidence: f64,

    /// Probability of seeing the success / rejecting zero when the rate is true.
    #[arg(long, value_name = "POWER", default_value_t = 0.8, value_parser = open_unit)]
    pub power: f64,
}

fn parse_f64(s: &str) -> Result<f64, String> {
    s.trim().parse::<f64>().map_err(|_| format!("{s:?} is not a number"))
}

/// A number strictly between 0 and 1.
fn open_unit(s: &str) -> Result<f64, String> {
    let v = parse_f64(s)?;
    if v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err(format!("{s} is not strictly between 0 and 1"))
    }
}

/// A number in [0, 1].
fn unit_interval(s: &str) -> Result<f64, String> {
    let v = parse_f64(s)?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{s} is not between 0 and 1"))
    }
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
        let mut thresholds = if self.thresholds.is_empty() { vec![0.05, 0.5] } else { self.thresholds };
        thresholds.sort_by(f64::total_cmp);
        thresholds.dedup();
        let stats = AnalyzeOptions {
            confidence: self.confidence,
            ci: self.ci,
            bootstrap: self.bootstrap,
            seed: self.seed,
            n_items: self.n_items,
            x_axis: if self.x_axis == "flops" { XAxis::Flops } else { XAxis::Params },
            chance: self.chance,
            thresholds,
            verdict_op: self.verdict_op,
            progress: !self.quiet,
        };
        AnalyzeConfig {
            input: self.input,
            operators,
            ingest: IngestOptions { percent: self.percent, columns: self.columns },
            out_dir: self.out,
            charts: !self.no_charts,
            quiet: self.quiet,
            stats,
        }
    }
}

impl PowerArgs {
    pub fn into_query(self) -> crate::analyze::resolution::PowerQuery {
        crate::analyze::resolution::PowerQuery {
            rate: self.rate,
            confidence: self.confidence,
            power: self.power,
        }
    }
}
