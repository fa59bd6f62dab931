//! `emerge analyze`: ingest → compose → analyze → render/export.
//!
//! Its command-line arguments ([`AnalyzeArgs`]), their conversion into a validated
//! [`AnalyzeConfig`], and the run that wires the stages together.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::shared::{dedup, open_unit, positive_size, unit_interval, InputArgs};
use crate::analyze::artefact::MetricPair;
use crate::analyze::{AnalyzeOptions, CiMethod, FdrFamily, XAxis, DEFAULT_SEED};
use crate::compose::Operator;
use crate::ingest::IngestOptions;
use crate::render::{ChartSelection, ImageFormat};
use crate::report::Report;
use crate::{analyze, compose, export, ingest, render};

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
    #[arg(
        long = "x",
        value_name = "AXIS",
        default_value = "params",
        value_enum,
        help_heading = "Statistics"
    )]
    pub x_axis: XAxis,

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
    /// recent trend, its slope pooled across its family and, where the input's own
    /// back-test favours it, with the same task in other families; intervals calibrated on
    /// the input's own back-test; see `emerge backtest`) [default: none].
    #[arg(long = "predict-at", value_name = "SIZE", value_parser = positive_size, help_heading = "Statistics")]
    pub predict_at: Vec<f64>,
}

/// A validated `emerge analyze` configuration.
#[derive(Debug, Clone)]
pub struct AnalyzeConfig {
    pub input: String,
    pub operators: Vec<Operator>,
    pub ingest: IngestOptions,
    pub out_dir: PathBuf,
    /// Image formats to draw charts in.
    pub chart_formats: Vec<ImageFormat>,
    /// Which groups get charts.
    pub charts: ChartSelection,
    pub quiet: bool,
    /// Print every series rather than the digest.
    pub full: bool,
    pub stats: AnalyzeOptions,
}

/// Runs the analysis, writing files to the output directory and the summary to `out`.
pub fn run(config: &AnalyzeConfig, out: &mut dyn Write) -> anyhow::Result<Report> {
    crate::files::prepare_output_dir(&config.out_dir)?;

    let dataset = ingest::read(&config.input, &config.ingest)?;
    let composition = compose::compose(&dataset, &config.operators);
    analyze::artefact::check_pairs(&composition.groups, &config.stats.pairs)
        .map_err(|e| anyhow::anyhow!("{}: {e}", config.input))?;
    let analysis = analyze::analyze(composition, &dataset.joint, &config.stats);
    let report = Report::new(&dataset, &config.operators, analysis);

    let mut written = export::export_all(&report, &config.out_dir)?;
    let charts = render::render_report(&report, &config.out_dir, &config.chart_formats, config.charts)?;
    written.extend(charts.paths.iter().cloned());
    // Last, so that it links only charts that exist.
    written.push(export::html::write_report(&report, &charts, &config.out_dir)?);
    if !config.quiet {
        if config.full {
            export::terminal::write_summary(out, &report)?;
        } else {
            export::terminal::write_digest(out, &report)?;
        }
        writeln!(out, "\nwrote {} files to {}", written.len(), config.out_dir.display())?;
    }
    Ok(report)
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
            x_axis: self.x_axis,
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

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};
    use crate::ingest::Format;

    fn config(args: &[&str]) -> AnalyzeConfig {
        let argv = ["emerge", "analyze", "scores.csv"].iter().chain(args);
        match Cli::try_parse_from(argv).expect("valid command line").command {
            Command::Analyze(args) => args.into_config(),
            other => panic!("parsed as {other:?}"),
        }
    }

    fn names(operators: &[Operator]) -> Vec<String> {
        operators.iter().map(|o| o.name().to_string()).collect()
    }

    #[test]
    fn defaults() {
        let c = config(&[]);
        assert_eq!(c.input, "scores.csv");
        assert_eq!(names(&c.operators), ["all", "mean"]);
        assert_eq!(c.stats.thresholds, [0.05, 0.5]);
        assert_eq!(c.stats.x_axis, XAxis::Params);
        assert_eq!(c.stats.confidence, 0.95);
        assert_eq!(c.stats.bootstrap, 2000);
        assert_eq!(c.stats.seed, DEFAULT_SEED);
        assert_eq!(c.stats.verdict_op.name(), "all");
        assert!(c.stats.progress && !c.quiet && !c.full);
        assert!(c.stats.pairs.is_empty() && c.stats.predict_at.is_empty());
        assert_eq!(c.out_dir, PathBuf::from("emerge-out"));
        assert_eq!(c.chart_formats, [ImageFormat::Png]);
        assert_eq!(c.charts, ChartSelection::Flagged);
        assert_eq!(c.ingest.format, None);
    }

    #[test]
    fn operators_keep_their_order_each_once() {
        let c =
            config(&["--compose", "mean", "--compose", "atleast:3", "--compose", "mean", "--compose", "all"]);
        assert_eq!(names(&c.operators), ["mean", "atleast:3", "all"]);
    }

    #[test]
    fn thresholds_are_sorted_and_deduplicated() {
        let c =
            config(&["--threshold", "0.5", "--threshold", "0.1", "--threshold", "0.5", "--threshold", "0.3"]);
        assert_eq!(c.stats.thresholds, [0.1, 0.3, 0.5]);
    }

    #[test]
    fn chart_formats_keep_their_order_each_once() {
        let c = config(&["--chart-format", "svg,png,svg"]);
        assert_eq!(c.chart_formats, [ImageFormat::Svg, ImageFormat::Png]);
    }

    #[test]
    fn no_charts_selects_no_group() {
        assert_eq!(config(&["--no-charts"]).charts, ChartSelection::None);
        assert_eq!(config(&["--charts", "all"]).charts, ChartSelection::All);
    }

    #[test]
    fn wide_is_the_wide_format() {
        assert_eq!(config(&["--wide"]).ingest.format, Some(Format::Wide));
    }

    #[test]
    fn x_flops_is_the_flops_axis() {
        assert_eq!(config(&["--x", "flops"]).stats.x_axis, XAxis::Flops);
        assert_eq!(config(&["--x", "params"]).stats.x_axis, XAxis::Params);
        let argv = ["emerge", "analyze", "scores.csv", "--x", "tokens"];
        let err = Cli::try_parse_from(argv).expect_err("not an axis");
        assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
    }

    #[test]
    fn quiet_turns_progress_off() {
        let c = config(&["--quiet"]);
        assert!(c.quiet && !c.stats.progress);
    }
}
