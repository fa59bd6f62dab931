//! `emerge backtest`: ingest → compose → forecast each series from its smaller models →
//! score against what was observed → export.

use std::io::Write;
use std::path::PathBuf;

use crate::analyze::forecast::{backtest, TrendSettings};
use crate::analyze::AnalyzeOptions;
use crate::ingest::IngestOptions;
use crate::render::ImageFormat;
use crate::{analyze, compose, export, ingest};

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
}

/// Runs the back-test, writing files to the output directory and the table to `out`.
pub fn run(config: &BacktestConfig, out: &mut dyn Write) -> anyhow::Result<()> {
    crate::files::prepare_output_dir(&config.out_dir)?;

    let dataset = ingest::read(&config.input, &config.ingest)?;
    let composition = compose::compose(&dataset, &[]);
    let analysis = analyze::measure_for_forecasting(composition, &config.stats);
    let candidates = backtest::candidates(&analysis);
    let result =
        backtest::backtest(candidates, TrendSettings::default(), config.stats.confidence, config.stats.seed);

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
