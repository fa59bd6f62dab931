//! `emerge analyze`: ingest → compose → analyze → render/export.

use std::io::Write;
use std::path::PathBuf;

use crate::analyze::AnalyzeOptions;
use crate::compose::Operator;
use crate::ingest::IngestOptions;
use crate::render::{ChartSelection, ImageFormat};
use crate::report::Report;
use crate::{analyze, compose, export, ingest, render};

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
