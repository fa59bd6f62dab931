//! `series.csv`: every point of every series, one row each (tidy, for pandas/polars).

use std::io::Write;

use super::{encode_error, Exporter};
use crate::report::Report;

pub struct SeriesCsv;

/// Column order of `series.csv` and `series.parquet`.
pub const COLUMNS: [&str; 17] = [
    "task",
    "family",
    "metric",
    "shots",
    "kind",
    "name",
    "model",
    "params",
    "value",
    "implied_subtask_rate",
    "higher_is_better",
    "n",
    "ci_low",
    "ci_high",
    "se",
    "detection_floor",
    "below_detection_floor",
];

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

impl Exporter for SeriesCsv {
    fn file_name(&self) -> &'static str {
        "series.csv"
    }

    fn write(&self, report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
        let encode = |e: csv::Error| {
            if e.is_io_error() {
                std::io::Error::from(e)
            } else {
                encode_error("series.csv", e)
            }
        };
        let mut w = csv::Writer::from_writer(w);
        w.write_record(COLUMNS).map_err(encode)?;
        for s in &report.analysis.series {
            for p in &s.points {
                w.write_record([
                    s.key.task.as_str(),
                    &s.key.family,
                    &s.key.metric,
                    s.key.shots.as_deref().unwrap_or(""),
                    s.kind.as_str(),
                    &s.name,
                    &p.model,
                    &p.params.to_string(),
                    &p.value.to_string(),
                    &p.implied_subtask_rate.map(|r| r.to_string()).unwrap_or_default(),
                    if s.higher_is_better { "true" } else { "false" },
                    &opt(p.n),
                    &opt(p.ci.map(|c| c.0)),
                    &opt(p.ci.map(|c| c.1)),
                    &opt(p.se),
                    &opt(p.detection_floor),
                    &opt(p.below_floor()),
                ])
                .map_err(encode)?;
            }
        }
        w.flush()
    }
}
