//! `series.csv`: every point of every series, one row each (tidy, for pandas/polars),
//! in the columns of [`super::rows::COLUMNS`].

use std::io::Write;

use super::rows::{rows, COLUMNS};
use super::{encode_error, Exporter};
use crate::report::Report;

pub struct SeriesCsv;

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
        w.write_record(COLUMNS.iter().map(|c| c.name)).map_err(encode)?;
        let mut record = csv::StringRecord::with_capacity(256, COLUMNS.len());
        for row in rows(report) {
            record.clear();
            for c in &COLUMNS {
                record.push_field(&c.text(&row));
            }
            w.write_record(&record).map_err(encode)?;
        }
        w.flush()
    }
}
