//! The outcome of one `emerge analyze` run, as handed to the exporters and charts:
//! what was read, how it was composed, what was measured, and every warning.

use crate::analyze::Analysis;
use crate::compose::Operator;
use crate::ingest::{Dataset, DroppedRow};
use crate::warnings::Warning;

#[derive(Debug, Clone)]
pub struct InputSummary {
    pub path: String,
    pub format: crate::ingest::Format,
    pub rows_read: u64,
    pub rows_used: u64,
    pub rows_dropped: u64,
    pub dropped: Vec<DroppedRow>,
}

impl InputSummary {
    pub fn of(dataset: &Dataset) -> Self {
        InputSummary {
            path: dataset.path.clone(),
            format: dataset.format,
            rows_read: dataset.rows_read,
            rows_used: dataset.rows_used,
            rows_dropped: dataset.dropped.len() as u64,
            dropped: dataset.dropped.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    pub input: InputSummary,
    pub operators: Vec<Operator>,
    pub analysis: Analysis,
    /// Every warning of the run, in the order the stages raised them.
    pub warnings: Vec<Warning>,
}

impl Report {
    pub fn new(dataset: &Dataset, operators: &[Operator], analysis: Analysis) -> Self {
        let mut warnings = dataset.warnings.clone();
        warnings.extend(analysis.warnings.iter().cloned());
        Report { input: InputSummary::of(dataset), operators: operators.to_vec(), analysis, warnings }
    }
}
