//! `emerge backtest`: ingest → compose → forecast each series from its smaller models →
//! score against what was observed → export.
//!
//! Its command-line arguments ([`BacktestArgs`]), their conversion into a validated
//! [`BacktestConfig`], and the run that wires the stages together.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::shared::{dedup, open_unit, positive_flops, unit_interval, InputArgs};
use crate::analyze::forecast::backtest::{self, Cutoff};
use crate::analyze::forecast::TrendSettings;
use crate::analyze::{AnalyzeOptions, XAxis, DEFAULT_SEED};
use crate::ingest::IngestOptions;
use crate::render::ImageFormat;
use crate::{analyze, compose, export, ingest};

/// Shown at the end of `emerge backtest --help`; the README carries the same lines.
const BACKTEST_EXAMPLES: &str = "\
Examples:

  emerge backtest datasets/obsscaling/obsscaling_base_llm.csv

  emerge backtest datasets/pythia-lm-eval-0.3 --chance 0.25 --out pythia-backtest/

  emerge backtest datasets/obsscaling/obsscaling_base_llm.csv --x flops

  emerge backtest datasets/obsscaling/obsscaling_base_llm.csv --x flops --flops-cutoff 8.4e22";

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
/// sign-flip interval over (family, task) clusters, and how often it is closer),
/// and interval coverage and width. Series too short, constant or with two models at the
/// largest size are listed with the reason.
///
/// With --x flops, a third horizon holds out by training compute, as Ruan, Maddison &
/// Hashimoto (2024) do: every model above a FLOPs cutoff (--flops-cutoff, else the one with
/// a third of the input's models above it) is predicted from the series' models at or
/// below it (at least 3 sizes). Each held-out model is one prediction.
///
/// Writes backtest.json, backtest_series.csv (one row per series, horizon, held-out model and method)
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

    /// Seed of the comparisons' random sign patterns (beyond 12 clusters); the same seed gives byte-identical outputs.
    #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED, help_heading = "Statistics")]
    pub seed: u64,

    /// Items behind every score for rows without an `n` column.
    #[arg(long = "n", value_name = "N", value_parser = clap::value_parser!(u64).range(1..), help_heading = "Statistics")]
    pub n_items: Option<u64>,

    /// Scale forecasts are made on: log10 of params, or of FLOPs (the `flops` column).
    #[arg(
        long = "x",
        value_name = "AXIS",
        default_value = "params",
        value_enum,
        help_heading = "Statistics"
    )]
    pub x_axis: XAxis,

    /// Chance level of the task: the logistic baseline's floor (a `chance` column overrides it).
    #[arg(long, value_name = "P", value_parser = unit_interval, help_heading = "Statistics")]
    pub chance: Option<f64>,

    /// Training FLOPs (`1e22`, `8.4e22`): with --x flops, hold out every model above it and
    /// predict it from the series' models at or below it (Ruan et al. 2024). Default: the
    /// cutoff with a third of the input's models (those with FLOPs) above it. Needs --x flops.
    #[arg(long, value_name = "FLOPS", value_parser = positive_flops, help_heading = "Statistics")]
    pub flops_cutoff: Option<f64>,
}

/// A validated `emerge backtest` configuration.
#[derive(Debug, Clone)]
pub struct BacktestConfig {
    pub input: String,
    pub ingest: IngestOptions,
    pub out_dir: PathBuf,
    pub chart_formats: Vec<ImageFormat>,
    pub quiet: bool,
    /// The x axis, chance level, item counts, confidence and seed, as `analyze` takes them.
    pub stats: AnalyzeOptions,
    /// `--flops-cutoff` (only with `--x flops`).
    pub flops_cutoff: Option<f64>,
}

/// Runs the back-test, writing files to the output directory and the table to `out`.
pub fn run(config: &BacktestConfig, out: &mut dyn Write) -> anyhow::Result<()> {
    crate::files::prepare_output_dir(&config.out_dir)?;

    let dataset = ingest::read(&config.input, &config.ingest)?;
    let composition = compose::compose(&dataset, &[]);
    let analysis = analyze::measure_for_forecasting(composition, &config.stats);
    let candidates = backtest::candidates(&analysis);
    let cutoff = match config.stats.x_axis {
        XAxis::Flops => Cutoff::choose(config.flops_cutoff, &backtest::model_flops(&analysis)),
        XAxis::Params => None,
    };
    let result = backtest::backtest(
        candidates,
        TrendSettings::default(),
        config.stats.confidence,
        config.stats.seed,
        cutoff,
    );

    let context =
        export::backtest::Context { input: &config.input, dataset: &dataset, options: &config.stats };
    let mut written = export::backtest::write_all(&result, &context, &config.out_dir)?;
    written.extend(crate::render::backtest::draw(&result, &config.out_dir, &config.chart_formats)?);
    if !config.quiet {
        export::backtest::write_table(out, &result, &context)?;
        writeln!(out, "\nwrote {} files to {}", written.len(), config.out_dir.display())?;
    }
    Ok(())
}

impl BacktestArgs {
    /// What the attributes cannot say: a FLOPs cutoff needs the FLOPs axis.
    pub fn check(&self) -> Result<(), String> {
        if self.flops_cutoff.is_some() && self.x_axis != XAxis::Flops {
            return Err("--flops-cutoff holds models out by training FLOPs and forecasts on log10 FLOPs: \
                        add --x flops (the input needs a `flops` column)"
                .to_string());
        }
        Ok(())
    }

    /// The one place where `emerge backtest`'s arguments become a configuration.
    pub fn into_config(self) -> BacktestConfig {
        let (input, ingest) = self.input.into_ingest();
        BacktestConfig {
            input,
            ingest,
            out_dir: self.out,
            chart_formats: if self.no_charts { Vec::new() } else { dedup(self.chart_format) },
            quiet: self.quiet,
            stats: AnalyzeOptions {
                confidence: self.confidence,
                seed: self.seed,
                n_items: self.n_items,
                x_axis: self.x_axis,
                chance: self.chance,
                bootstrap: 0,
                progress: false,
                ..AnalyzeOptions::default()
            },
            flops_cutoff: self.flops_cutoff,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};
    use crate::ingest::Format;

    fn config(args: &[&str]) -> BacktestConfig {
        let argv = ["emerge", "backtest", "scores.csv"].iter().chain(args);
        match Cli::try_parse_from(argv).expect("valid command line").command {
            Command::Backtest(args) => args.into_config(),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let c = config(&[]);
        assert_eq!(c.input, "scores.csv");
        assert_eq!(c.out_dir, PathBuf::from("emerge-backtest"));
        assert_eq!(c.chart_formats, [ImageFormat::Png]);
        assert!(!c.quiet);
        assert_eq!(c.stats.x_axis, XAxis::Params);
        assert_eq!(c.stats.confidence, 0.95);
        assert_eq!(c.stats.seed, DEFAULT_SEED);
        assert_eq!((c.stats.bootstrap, c.stats.progress), (0, false));
        assert_eq!(c.stats.chance, None);
    }

    #[test]
    fn chart_formats_keep_their_order_each_once() {
        assert_eq!(
            config(&["--chart-format", "svg,png,svg"]).chart_formats,
            [ImageFormat::Svg, ImageFormat::Png]
        );
    }

    #[test]
    fn no_charts_draws_no_format() {
        assert!(config(&["--no-charts"]).chart_formats.is_empty());
    }

    #[test]
    fn wide_is_the_wide_format() {
        assert_eq!(config(&["--wide"]).ingest.format, Some(Format::Wide));
    }

    #[test]
    fn x_flops_is_the_flops_axis() {
        assert_eq!(config(&["--x", "flops"]).stats.x_axis, XAxis::Flops);
    }

    #[test]
    fn flops_cutoff_needs_the_flops_axis() {
        let parse = |args: &[&str]| {
            let argv = ["emerge", "backtest", "scores.csv"].iter().chain(args);
            Cli::try_parse_from(argv)
        };
        let c = config(&["--x", "flops", "--flops-cutoff", "8.4e22"]);
        assert_eq!(c.flops_cutoff, Some(8.4e22));
        assert_eq!(config(&["--x", "flops"]).flops_cutoff, None);
        let without_axis = parse(&["--flops-cutoff", "1e22"]).expect("clap accepts it");
        assert!(without_axis.check().is_err_and(|m| m.contains("--x flops")));
        let params = parse(&["--x", "params", "--flops-cutoff", "1e22"]).expect("clap accepts it");
        assert!(params.check().is_err());
        for bad in ["0", "-1e22", "abc", "inf"] {
            assert!(parse(&["--x", "flops", "--flops-cutoff", bad]).is_err(), "{bad}");
        }
        // One cutoff per run, as Ruan et al. use.
        assert!(parse(&["--x", "flops", "--flops-cutoff", "1e22", "--flops-cutoff", "1e23"]).is_err());
    }
}
