//! Command-line definition (clap derive). Converted into validated configurations in
//! [`AnalyzeArgs::into_config`]; no stage sees a clap type.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::analyze::artefact::MetricPair;
use crate::analyze::{AnalyzeOptions, CiMethod, FdrFamily, XAxis, DEFAULT_SEED};
use crate::cmd::analyze::AnalyzeConfig;
use crate::compose::Operator;
use crate::ingest::{ColumnMapping, Format, IngestOptions, OnError};
use crate::render::{ChartSelection, ImageFormat};

/// Shown at the end of `emerge analyze --help`; the README carries the same lines.
const ANALYZE_EXAMPLES: &str = "\
Examples:

  emerge analyze datasets/seed_example.csv

  emerge analyze scores.csv --compose all --compose atleast:3 --compose mean --out results/

  emerge analyze harness.csv --col model=model_name --col family=model_family --percent

  emerge analyze corpus.csv --percent-metric bleu

  emerge analyze datasets/seed_example.csv --n 1000 --threshold 0.5 --seed 7

  emerge analyze datasets/pythia-lm-eval-0.3 --chance 0.25 --bootstrap 200 --out pythia/

  emerge analyze items.csv --out items-out/

  emerge analyze mirage.csv --pair exact_match=edit_distance --n 300

  emerge analyze datasets/mmlu_multifamily_by_size.csv --charts all --full --out mmlu/

  emerge analyze datasets/seed_example.csv --predict-at 10T --predict-at 100T --out seed-predict/";

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
    Backtest(Box<BacktestArgs>),
    Power(PowerArgs),
    Simulate(SimulateArgs),
    Figures(FiguresArgs),
}

/// Shown at the end of `emerge figures --help`.
const FIGURES_EXAMPLES: &str = "\
Examples:

  emerge figures

  emerge figures --check

  emerge figures --out figures-png --chart-format png";

/// Regenerate the numbered paper figures from datasets/, byte for byte.
///
/// Draws figures 1–9 (listed in figures/README.md, which it also writes) from the
/// files in --datasets only, as PNG and SVG, and writes their SHA-256 to
/// <OUT>/MANIFEST. With --check, draws them into memory instead and exits 1 naming
/// every file whose hash differs from the manifest.
#[derive(Debug, Args)]
#[command(after_long_help = FIGURES_EXAMPLES)]
pub struct FiguresArgs {
    /// Directory for the figures, README.md and MANIFEST; created if needed.
    #[arg(long, value_name = "DIR", default_value = "figures")]
    pub out: PathBuf,

    /// Compare with <OUT>/MANIFEST instead of writing; exit 1 naming any figure that differs.
    #[arg(long)]
    pub check: bool,

    /// The bundled datasets directory.
    #[arg(long, value_name = "DIR", default_value = "datasets")]
    pub datasets: PathBuf,

    /// Image formats, comma-separated.
    #[arg(long, value_name = "FORMATS", value_delimiter = ',', default_value = "png,svg")]
    pub chart_format: Vec<ImageFormat>,
}

impl FiguresArgs {
    pub fn into_config(self) -> crate::figures::FiguresConfig {
        crate::figures::FiguresConfig {
            datasets: self.datasets,
            out: self.out,
            check: self.check,
            formats: dedup(self.chart_format),
        }
    }
}

/// The formats in the order given, each once.
fn dedup(formats: Vec<ImageFormat>) -> Vec<ImageFormat> {
    let mut out: Vec<ImageFormat> = Vec::new();
    for f in formats {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

/// Compose per-subtask scores into compound metrics and measure their emergence.
///
/// INPUT is a file or a directory of evaluation results (the format is detected;
/// --format overrides):
///   tidy CSV/TSV/Parquet, one row per (model, subtask): required columns model,
///     params, subtask, score; optional task, family, metric, n, correct, flops, shots,
///     higher_is_better (true/false per metric: lower-is-better series are fitted,
///     scored and forecast falling) and chance (the task's chance level, its floor);
///   wide CSV (--wide), one row per model and one column per subtask;
///   item-level CSV/TSV/Parquet, one row per (model, subtask, item): columns model,
///     params, subtask, item, correct (0/1 or a score in [0, 1]), optional task,
///     family, metric, shots; the joint outcome of each item gives the compound task's
///     own rate and the independence check;
///   lm-evaluation-harness results (0.3 or 0.4+), a file or a directory tree;
///   BIG-bench scores_*.json files.
/// Headers match case-insensitively. Rows with an empty subtask are task-level scores,
/// analysed as their own series. Scores are fractions in [0, 1] unless --percent.
///
/// Writes report.html (open it first: every group, sortable and searchable, with its
/// numbers and charts), summary.json, series.csv, series.parquet and charts (PNG; SVG
/// with --chart-format; which groups: --charts) to --out, and prints a digest (--full:
/// every series).
#[derive(Debug, Args)]
#[command(verbatim_doc_comment, after_long_help = ANALYZE_EXAMPLES)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Compound metric to compute (repeatable) [default: all, mean].
    ///
    /// all: every subtask correct, independent subtasks (the product).
    /// any: at least one subtask correct, 1 − ∏(1 − p).
    /// atleast:K: at least K of the k subtasks correct (Poisson-binomial, unequal p).
    /// mean, geomean, min: the subtasks' arithmetic mean, geometric mean, minimum.
    /// exact:L: scores are per-token probabilities p; exact match of an L-token answer, p^L.
    /// editdist:L: expected token edit distance L(1 − p) (lower is better).
    /// all:rho=R: all correct when subtasks are correlated as `emerge simulate --rho R`
    ///   draws them (R in [0, 1], the correlation of two equal-rate subtasks on an item):
    ///   R = 0 is `all`, R = 1 is `min`.
    #[arg(
        long = "compose",
        value_name = "OP",
        help = "Compound metric (repeatable) [default: all, mean]",
        verbatim_doc_comment
    )]
    pub compose: Vec<Operator>,

    /// Directory for report.html, summary.json, series.csv, series.parquet and charts;
    /// created if needed.
    #[arg(long, value_name = "DIR", default_value = "emerge-out")]
    pub out: PathBuf,

    /// Which groups get charts: all, flagged or none.
    ///
    /// flagged (default): the emergence-score chart and the groups worth a look: those
    ///   whose verdict is emergent, not-smooth, departs or metric-artefact, then the 10
    ///   groups with the highest normalised emergence score; the verdicts' findings first,
    ///   at most 20 groups and 100 charts per format, with the families chart of up to 5
    ///   of their tasks (of at most 12 families). report.html lists every group.
    /// all: every group's charts.
    /// none: no charts (same as --no-charts).
    #[arg(
        long,
        value_name = "WHICH",
        default_value = "flagged",
        hide_possible_values = true,
        verbatim_doc_comment
    )]
    pub charts: ChartSelection,

    /// Do not draw charts (same as --charts none).
    #[arg(long, conflicts_with_all = ["chart_format", "charts"])]
    pub no_charts: bool,

    /// Chart image formats, comma-separated: png, svg.
    #[arg(long, value_name = "FORMATS", value_delimiter = ',', default_value = "png")]
    pub chart_format: Vec<ImageFormat>,

    /// Do not print the digest or summary (files are still written).
    #[arg(long, short, conflicts_with = "full")]
    pub quiet: bool,

    /// Print every series, fit, forecast and verdict instead of the digest (counts by
    /// verdict, the 10 most abrupt series, near forecasts, warnings folded by code).
    #[arg(long)]
    pub full: bool,

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

    /// Draws for compound and emergence-score intervals (0: off) and --pair's bootstrap (at least 200).
    /// The verdict's break tests draw their own replicates (sequential, up to 999) whatever B.
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
    ///
    /// A `chance` column in the input sets it per task and metric instead; neither applies
    /// to a lower-is-better metric.
    #[arg(long, value_name = "P", value_parser = unit_interval, help_heading = "Statistics")]
    pub chance: Option<f64>,

    /// Compound rate whose crossing is forecast (repeatable) [default: 0.05, 0.5].
    #[arg(long = "threshold", value_name = "T", value_parser = open_unit, help_heading = "Statistics")]
    pub thresholds: Vec<f64>,

    /// Operator the verdict composes subtask trends with.
    #[arg(long, value_name = "OP", default_value = "all", help_heading = "Statistics")]
    pub verdict_op: Operator,

    /// Which verdict p-values are adjusted together by Benjamini–Hochberg:
    /// task: the tests of one task (its families, metrics, shots and subtasks), so a task's
    ///       outcome does not depend on the other tasks in the input;
    /// run: every test of the run; none: no adjustment.
    #[arg(
        long,
        value_name = "FAMILY",
        default_value = "task",
        help_heading = "Statistics",
        verbatim_doc_comment
    )]
    pub fdr_family: FdrFamily,

    /// Is the jump an artefact of the metric? (repeatable) [default: none]
    ///
    /// STRICT=CONTINUOUS names the same outputs scored two ways: two metrics of one task
    /// in the input (exact_match=edit_distance, accuracy=tc_brier), or two --compose
    /// operators (all=mean). Compares how abruptly each rises with model size (break test
    /// and normalised emergence score, bootstrap difference). Metric names with brier,
    /// distance, edit, loss, perplexity or error in them are taken as lower-is-better.
    #[arg(
        long = "pair",
        value_name = "STRICT=CONTINUOUS",
        help = "Is the jump an artefact of the metric? STRICT=CONTINUOUS, e.g. exact_match=edit_distance or all=mean (repeatable)",
        help_heading = "Statistics",
        verbatim_doc_comment
    )]
    pub pairs: Vec<MetricPair>,

    /// Forecast every series at this size (repeatable; 70B, 1.5e12; FLOPs with --x flops).
    ///
    /// Writes series[].predictions[] to summary.json: the expected score of a model of
    /// that size, with its interval at --confidence, from emerge's forecast (the series'
    /// recent trend, its slope pooled across its family, intervals calibrated on the
    /// input's own back-test; see `emerge backtest`) [default: none].
    #[arg(long = "predict-at", value_name = "SIZE", value_parser = positive_size, help_heading = "Statistics")]
    pub predict_at: Vec<f64>,
}

/// Where the scores come from and how to read them: shared by `analyze` and `backtest`.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Results file or directory; `-` reads standard input.
    #[arg(value_name = "INPUT")]
    pub input: String,

    /// Read the column named HEADER as ROLE (repeatable).
    ///
    /// Roles: model, params, subtask, score, task, family, metric, n, correct, flops,
    /// shots, item, higher_is_better, chance.
    /// Example: --col model=model_name --col family=model_family
    #[arg(long = "col", value_name = "ROLE=HEADER")]
    pub columns: Vec<ColumnMapping>,

    /// Scores are percentages in [0, 100]; divide them by 100.
    #[arg(long)]
    pub percent: bool,

    /// Scores of metric NAME are percentages in [0, 100]; divide them by 100 (repeatable).
    ///
    /// For a file whose metrics are on different scales (BLEU on 0–100 beside accuracy
    /// as a fraction). A metric with scores above 1 among metrics of fractions is an
    /// error that names it, with --on-error skip too [default: none].
    #[arg(long = "percent-metric", value_name = "NAME", conflicts_with = "percent")]
    pub percent_metrics: Vec<String>,

    /// Input format [default: detected from the path and content].
    ///
    /// tidy: one row per (model, subtask) with a score (CSV, TSV or Parquet).
    /// wide: one row per model, one column per subtask (same as --wide).
    /// items: one row per (model, subtask, item) with the item's 0/1 outcome or score;
    ///   on an lm-evaluation-harness directory, its samples_<task>_*.jsonl logs.
    /// lm-eval: lm-evaluation-harness results (0.3 or 0.4+), a file or a directory tree.
    /// bigbench: BIG-bench scores_*.json files.
    #[arg(long, value_name = "FORMAT", verbatim_doc_comment)]
    pub format: Option<Format>,

    /// The input is a wide table: one row per model, one column per subtask.
    #[arg(long, conflicts_with = "format")]
    pub wide: bool,

    /// What to do with a row that cannot be used: fail (default), or skip it and list it
    /// in summary.json under input.dropped.
    #[arg(long, value_name = "ACTION", default_value = "fail")]
    pub on_error: OnError,

    /// CSV with columns model,params for models whose size no input file states.
    #[arg(long, value_name = "FILE")]
    pub params_file: Option<PathBuf>,

    /// What identifies an item across subtasks: a column of item-level tables (default
    /// `item`), or a field of an lm-evaluation-harness sample's `doc` (default doc_id).
    #[arg(long, value_name = "FIELD")]
    pub join_on: Option<String>,
}

impl InputArgs {
    /// The input path and how to read it.
    pub fn into_ingest(self) -> (String, IngestOptions) {
        let options = IngestOptions {
            percent: self.percent,
            percent_metrics: self.percent_metrics,
            columns: self.columns,
            format: if self.wide { Some(Format::Wide) } else { self.format },
            on_error: self.on_error,
            params_file: self.params_file,
            join_on: self.join_on,
        };
        (self.input, options)
    }
}

/// Shown at the end of `emerge backtest --help`; the README carries the same lines.
const BACKTEST_EXAMPLES: &str = "\
Examples:

  emerge backtest datasets/obsscaling/obsscaling_base_llm.csv

  emerge backtest datasets/pythia-lm-eval-0.3 --chance 0.25 --out pythia-backtest/

  emerge backtest datasets/obsscaling/obsscaling_base_llm.csv --x flops";

/// Would emerge's forecasts have been right on your own data? Predict each series'
/// largest model from its smaller ones and compare.
///
/// For every series (subtask or task-level) with at least 4 sizes, hides the largest
/// size (horizon 1, "one size out") and the two largest (horizon 2, "two sizes out"),
/// predicts the largest from what is left with each method, and compares with what was
/// observed. Methods: emerge (the forecast of --predict-at), persistence (the largest
/// remaining model's score), linear (a straight line in log size), logistic (rising from
/// the task's chance level). Reports per method and horizon the mean and median absolute
/// error in points, each method against each baseline (difference in MAE with a 95%
/// cluster-bootstrap interval over (family, task) clusters, and how often it is closer),
/// and interval coverage and width. Series too short, constant or with two models at the
/// largest size are listed with the reason.
///
/// Writes backtest.json, backtest_series.csv (one row per series, horizon and method)
/// and backtest_errors.png to --out, and prints the table.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment, after_long_help = BACKTEST_EXAMPLES)]
pub struct BacktestArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Directory for backtest.json, backtest_series.csv and the chart; created if needed.
    #[arg(long, value_name = "DIR", default_value = "emerge-backtest")]
    pub out: PathBuf,

    /// Chart image formats, comma-separated: png, svg.
    #[arg(long, value_name = "FORMATS", value_delimiter = ',', default_value = "png")]
    pub chart_format: Vec<ImageFormat>,

    /// Do not draw the chart.
    #[arg(long, conflicts_with = "chart_format")]
    pub no_charts: bool,

    /// Do not print the table (files are still written).
    #[arg(long, short)]
    pub quiet: bool,

    /// Level of the intervals and of the comparisons' intervals.
    #[arg(long, value_name = "LEVEL", default_value_t = 0.95, value_parser = open_unit, help_heading = "Statistics")]
    pub confidence: f64,

    /// Seed of the cluster bootstrap; the same seed gives byte-identical outputs.
    #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED, help_heading = "Statistics")]
    pub seed: u64,

    /// Items behind every score for rows without an `n` column.
    #[arg(long = "n", value_name = "N", value_parser = clap::value_parser!(u64).range(1..), help_heading = "Statistics")]
    pub n_items: Option<u64>,

    /// Scale forecasts are made on: log10 of params, or of FLOPs (the `flops` column).
    #[arg(long = "x", value_name = "AXIS", default_value = "params", value_parser = ["params", "flops"], help_heading = "Statistics")]
    pub x_axis: String,

    /// Chance level of the task: the logistic baseline's floor (a `chance` column overrides it).
    #[arg(long, value_name = "P", value_parser = unit_interval, help_heading = "Statistics")]
    pub chance: Option<f64>,
}

impl BacktestArgs {
    /// The one place where `emerge backtest`'s arguments become a configuration.
    pub fn into_config(self) -> crate::cmd::backtest::BacktestConfig {
        let (input, ingest) = self.input.into_ingest();
        crate::cmd::backtest::BacktestConfig {
            input,
            ingest,
            out_dir: self.out,
            chart_formats: if self.no_charts { Vec::new() } else { dedup(self.chart_format) },
            quiet: self.quiet,
            stats: AnalyzeOptions {
                confidence: self.confidence,
                seed: self.seed,
                n_items: self.n_items,
                x_axis: x_axis(&self.x_axis),
                chance: self.chance,
                bootstrap: 0,
                progress: false,
                ..AnalyzeOptions::default()
            },
        }
    }
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

/// Shown at the end of `emerge simulate --help`.
const SIMULATE_EXAMPLES: &str = "\
Examples:

  emerge simulate --rho 0.3 --items 500 --out items.csv

  emerge simulate --subtasks 3 --rates 0.2:0.9 --sizes 100M:10B --steps 5 --out -";

/// Write item-level data with known subtask rates and correlation (seeded).
///
/// One row per (model, subtask, item) with the item's 0/1 outcome: columns model,
/// params, family, task, subtask, item, correct, which `emerge analyze` reads as
/// item-level data. Subtask rates rise linearly in log10(params) from the smallest to
/// the largest size. --rho sets the correlation between two subtasks' outcomes on the
/// same item (0: independent subtasks, so the all-correct rate is the product of the
/// subtask rates; larger values make the product underestimate it).
#[derive(Debug, Args)]
#[command(verbatim_doc_comment, after_long_help = SIMULATE_EXAMPLES)]
pub struct SimulateArgs {
    /// Output CSV; `-` writes to standard output.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,

    /// Number of subtasks.
    #[arg(long, value_name = "K", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub subtasks: u32,

    /// Subtask rate at the smallest and largest size, LOW:HIGH; once for every subtask,
    /// or once per subtask [default: 0.4:0.6].
    #[arg(long = "rates", value_name = "LOW:HIGH", value_parser = rate_pair)]
    pub rates: Vec<(f64, f64)>,

    /// Smallest and largest parameter count, MIN:MAX (suffixes K/M/B/T allowed).
    #[arg(long, value_name = "MIN:MAX", default_value = "100M:100B", value_parser = size_pair)]
    pub sizes: (f64, f64),

    /// Number of model sizes, log-spaced between MIN and MAX.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub steps: u32,

    /// Items per subtask and model.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub items: u64,

    /// Correlation between two subtasks' outcomes on one item, in [0, 1].
    #[arg(long, value_name = "RHO", default_value_t = 0.0, value_parser = unit_interval)]
    pub rho: f64,

    /// Seed of the random draws; the same settings and seed give the same bytes.
    #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED)]
    pub seed: u64,

    /// Task name written in every row.
    #[arg(long, value_name = "NAME", default_value = "simulated")]
    pub task: String,

    /// Family name written in every row.
    #[arg(long, value_name = "NAME", default_value = "sim")]
    pub family: String,
}

fn rate_pair(s: &str) -> Result<(f64, f64), String> {
    let (a, b) = s.split_once(':').ok_or_else(|| format!("expected LOW:HIGH such as 0.4:0.6, got {s:?}"))?;
    Ok((unit_interval(a)?, unit_interval(b)?))
}

fn size_pair(s: &str) -> Result<(f64, f64), String> {
    let (a, b) = s.split_once(':').ok_or_else(|| format!("expected MIN:MAX such as 100M:100B, got {s:?}"))?;
    let parse = |t: &str| crate::ingest::parse_params(t).map_err(|e| format!("{t:?}: {e}"));
    let (a, b) = (parse(a)?, parse(b)?);
    if a > b {
        return Err(format!("{s}: MIN is larger than MAX"));
    }
    Ok((a, b))
}

impl SimulateArgs {
    pub fn into_simulation(self) -> anyhow::Result<crate::simulate::Simulation> {
        let k = self.subtasks as usize;
        let rates = match self.rates.len() {
            0 => vec![(0.4, 0.6); k],
            1 => vec![self.rates[0]; k],
            n if n == k => self.rates,
            n => anyhow::bail!(
                "--rates was given {n} times for {k} subtasks: give it once, or once per subtask"
            ),
        };
        Ok(crate::simulate::Simulation {
            rates,
            sizes: self.sizes,
            steps: self.steps as usize,
            items: self.items,
            rho: self.rho,
            seed: self.seed,
            task: self.task,
            family: self.family,
        })
    }
}

/// A positive size: a number with an optional K/M/B/T suffix.
fn positive_size(s: &str) -> Result<f64, String> {
    let v = crate::ingest::parse_params(s).map_err(|e| format!("{s:?}: {e}"))?;
    if v > 0.0 && v.is_finite() {
        Ok(v)
    } else {
        Err(format!("{s} is not a positive size"))
    }
}

/// The x axis named by `--x`.
fn x_axis(name: &str) -> XAxis {
    if name == "flops" {
        XAxis::Flops
    } else {
        XAxis::Params
    }
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
            x_axis: x_axis(&self.x_axis),
            chance: self.chance,
            thresholds,
            verdict_op: self.verdict_op,
            progress: !self.quiet,
            fdr_family: self.fdr_family,
            pairs: self.pairs,
            predict_at: self.predict_at,
        };
        let (input, ingest) = self.input.into_ingest();
        AnalyzeConfig {
            input,
            operators,
            ingest,
            out_dir: self.out,
            chart_formats: dedup(self.chart_format),
            charts: if self.no_charts { ChartSelection::None } else { self.charts },
            quiet: self.quiet,
            full: self.full,
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
