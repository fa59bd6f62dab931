//! What the subcommands share: the input arguments of `analyze` and `backtest`, `--x`'s
//! values, and the value parsers of numbers and sizes.

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, ValueEnum};

use crate::analyze::XAxis;
use crate::ingest::{ColumnMapping, Format, IngestOptions, OnError};

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

/// `--x`: the scale curves are fitted and forecasts made against.
impl ValueEnum for XAxis {
    fn value_variants<'a>() -> &'a [Self] {
        &[XAxis::Params, XAxis::Flops]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

/// The values in the order given, each once (`--chart-format png,svg,png`).
pub(crate) fn dedup<T: PartialEq>(values: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// A positive size: a number with an optional K/M/B/T suffix.
pub(crate) fn positive_size(s: &str) -> Result<f64, String> {
    let v = crate::ingest::parse_params(s).map_err(|e| format!("{s:?}: {e}"))?;
    if v > 0.0 && v.is_finite() {
        Ok(v)
    } else {
        Err(format!("{s} is not a positive size"))
    }
}

/// A positive, finite number of FLOPs (`1e22`, `8.4e22`).
pub(crate) fn positive_flops(s: &str) -> Result<f64, String> {
    let v = parse_f64(s)?;
    if v > 0.0 && v.is_finite() {
        Ok(v)
    } else {
        Err(format!("{s} is not a positive, finite number of FLOPs (write it like 1e22)"))
    }
}

fn parse_f64(s: &str) -> Result<f64, String> {
    s.trim().parse::<f64>().map_err(|_| format!("{s:?} is not a number"))
}

/// A number strictly between 0 and 1.
pub(crate) fn open_unit(s: &str) -> Result<f64, String> {
    let v = parse_f64(s)?;
    if v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err(format!("{s} is not strictly between 0 and 1"))
    }
}

/// A number in [0, 1].
pub(crate) fn unit_interval(s: &str) -> Result<f64, String> {
    let v = parse_f64(s)?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{s} is not between 0 and 1"))
    }
}
