//! `series.parquet`: the rows of `series.csv` with typed columns, written by polars.

use std::io::Write;

use polars::prelude::*;

use super::rows::{self, SeriesRow, Value, COLUMNS};
use super::{encode_error, Exporter};
use crate::report::Report;

pub struct SeriesParquet;

/// The polars column of `column` over `rows`, typed as [`Value`] says.
fn column(column: &rows::Column, rows: &[SeriesRow]) -> Column {
    let name = column.name.into();
    match column.value {
        Value::Text(f) => Column::new(name, rows.iter().map(f).collect::<Vec<&str>>()),
        Value::OptText(f) => Column::new(name, rows.iter().map(f).collect::<Vec<Option<&str>>>()),
        Value::Float(f) => Column::new(name, rows.iter().map(f).collect::<Vec<f64>>()),
        Value::OptFloat(f) => Column::new(name, rows.iter().map(f).collect::<Vec<Option<f64>>>()),
        Value::Bool(f) => Column::new(name, rows.iter().map(f).collect::<Vec<bool>>()),
        Value::OptBool(f) => Column::new(name, rows.iter().map(f).collect::<Vec<Option<bool>>>()),
        Value::OptCount(f) => Column::new(name, rows.iter().map(f).collect::<Vec<Option<u64>>>()),
    }
}

impl Exporter for SeriesParquet {
    fn file_name(&self) -> &'static str {
        "series.parquet"
    }

    fn write(&self, report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
        let encode = |e: PolarsError| encode_error("series.parquet", e);
        let rows: Vec<SeriesRow> = rows::rows(report).collect();
        let columns = COLUMNS.iter().map(|c| column(c, &rows)).collect();
        let mut df = DataFrame::new(rows.len(), columns).map_err(encode)?;
        ParquetWriter::new(w)
            .with_compression(ParquetCompression::Uncompressed)
            .finish(&mut df)
            .map_err(encode)?;
        Ok(())
    }
}
