//! `summary.json`: the documented, stable contract (README, section "Output").

use serde::Serialize;

use super::{ExportError, Exporter};
use crate::analyze::{Point, Series, SeriesKind};
use crate::ingest::DroppedRow;
use crate::report::Report;
use crate::warnings::Warning;

/// Bumped only when a field changes meaning or disappears; new fields may appear.
pub const SCHEMA_VERSION: u32 = 1;

pub struct SummaryJson;

#[derive(Serialize)]
struct Summary<'a> {
    emerge_version: &'static str,
    schema_version: u32,
    input: Input<'a>,
    compose: Vec<&'a str>,
    warnings: &'a [Warning],
    series: Vec<SeriesOut<'a>>,
}

#[derive(Serialize)]
struct Input<'a> {
    path: &'a str,
    rows_read: u64,
    rows_used: u64,
    rows_dropped: u64,
    dropped: &'a [DroppedRow],
}

#[derive(Serialize)]
struct SeriesOut<'a> {
    task: &'a str,
    family: &'a str,
    metric: &'a str,
    shots: Option<&'a str>,
    kind: SeriesKind,
    name: &'a str,
    subtasks_composed: Option<usize>,
    higher_is_better: bool,
    points: Vec<PointOut<'a>>,
    emergence_score: Option<f64>,
    emergence_score_note: Option<&'a str>,
    gain_abs: Option<f64>,
    gain_rel: Option<f64>,
}

#[derive(Serialize)]
struct PointOut<'a> {
    model: &'a str,
    params: f64,
    value: f64,
    implied_subtask_rate: Option<f64>,
}

impl<'a> From<&'a Point> for PointOut<'a> {
    fn from(p: &'a Point) -> Self {
        PointOut {
            model: &p.model,
            params: p.params,
            value: p.value,
            implied_subtask_rate: p.implied_subtask_rate,
        }
    }
}

impl<'a> From<&'a Series> for SeriesOut<'a> {
    fn from(s: &'a Series) -> Self {
        SeriesOut {
            task: &s.key.task,
            family: &s.key.family,
            metric: &s.key.metric,
            shots: s.key.shots.as_deref(),
            kind: s.kind,
            name: &s.name,
            subtasks_composed: s.subtasks_composed,
            higher_is_better: s.higher_is_better,
            points: s.points.iter().map(PointOut::from).collect(),
            emergence_score: s.emergence_score,
            emergence_score_note: s.emergence_score_note.as_deref(),
            gain_abs: s.gain_abs,
            gain_rel: s.gain_rel,
        }
    }
}

impl Exporter for SummaryJson {
    fn file_name(&self) -> &'static str {
        "summary.json"
    }

    fn serialize(&self, report: &Report) -> Result<Vec<u8>, ExportError> {
        let summary = Summary {
            emerge_version: env!("CARGO_PKG_VERSION"),
            schema_version: SCHEMA_VERSION,
            input: Input {
                path: &report.input.path,
                rows_read: report.input.rows_read,
                rows_used: report.input.rows_used,
                rows_dropped: report.input.rows_dropped,
                dropped: &report.input.dropped,
            },
            compose: report.operators.iter().map(|o| o.name()).collect(),
            warnings: &report.warnings,
            series: report.analysis.series.iter().map(SeriesOut::from).collect(),
        };
        let mut bytes = serde_json::to_vec_pretty(&summary)
            .map_err(|e| ExportError::Encode { file: "summary.json", message: e.to_string() })?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}
