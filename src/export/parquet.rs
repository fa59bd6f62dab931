//! `series.parquet`: the rows of `series.csv` with typed columns, written by polars.

use polars::prelude::*;

use super::csv::COLUMNS;
use std::io::Write;

use super::{encode_error, Exporter};
use crate::report::Report;

pub struct SeriesParquet;

impl Exporter for SeriesParquet {
    fn file_name(&self) -> &'static str {
        "series.parquet"
    }

    fn write(&self, report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
        let encode = |e: PolarsError| encode_error("series.parquet", e);
        let rows: Vec<_> =
            report.analysis.series.iter().flat_map(|s| s.points.iter().map(move |p| (s, p))).collect();
        let text = |f: &dyn Fn(usize) -> String| -> Vec<String> { (0..rows.len()).map(f).collect() };
        let columns = vec![
            Column::new(COLUMNS[0].into(), text(&|i| rows[i].0.key.task.clone())),
            Column::new(COLUMNS[1].into(), text(&|i| rows[i].0.key.family.clone())),
            Column::new(COLUMNS[2].into(), text(&|i| rows[i].0.key.metric.clone())),
            Column::new(COLUMNS[3].into(), rows.iter().map(|(s, _)| s.key.shots.clone()).collect::<Vec<_>>()),
            Column::new(COLUMNS[4].into(), text(&|i| rows[i].0.kind.as_str().to_string())),
            Column::new(COLUMNS[5].into(), text(&|i| rows[i].0.name.clone())),
            Column::new(COLUMNS[6].into(), text(&|i| rows[i].1.model.clone())),
            Column::new(COLUMNS[7].into(), rows.iter().map(|(_, p)| p.params).collect::<Vec<f64>>()),
            Column::new(COLUMNS[8].into(), rows.iter().map(|(_, p)| p.value).collect::<Vec<f64>>()),
            Column::new(
                COLUMNS[9].into(),
                rows.iter().map(|(_, p)| p.implied_subtask_rate).collect::<Vec<Option<f64>>>(),
            ),
            Column::new(
                COLUMNS[10].into(),
                rows.iter().map(|(s, _)| s.higher_is_better).collect::<Vec<bool>>(),
            ),
            Column::new(COLUMNS[11].into(), rows.iter().map(|(_, p)| p.n).collect::<Vec<Option<u64>>>()),
            Column::new(
                COLUMNS[12].into(),
                rows.iter().map(|(_, p)| p.ci.map(|c| c.0)).collect::<Vec<Option<f64>>>(),
            ),
            Column::new(
                COLUMNS[13].into(),
                rows.iter().map(|(_, p)| p.ci.map(|c| c.1)).collect::<Vec<Option<f64>>>(),
            ),
            Column::new(COLUMNS[14].into(), rows.iter().map(|(_, p)| p.se).collect::<Vec<Option<f64>>>()),
            Column::new(
                COLUMNS[15].into(),
                rows.iter().map(|(_, p)| p.detection_floor).collect::<Vec<Option<f64>>>(),
            ),
            Column::new(
                COLUMNS[16].into(),
                rows.iter().map(|(_, p)| p.below_floor()).collect::<Vec<Option<bool>>>(),
            ),
        ];
        let mut df = DataFrame::new(rows.len(), columns).map_err(encode)?;
        ParquetWriter::new(w)
            .with_compression(ParquetCompression::Uncompressed)
            .finish(&mut df)
            .map_err(encode)?;
        Ok(())
    }
}
