//! Export: the last pipeline stage for data. One [`Exporter`] per file format, each
//! streaming a [`Report`] into a writer; [`files::write_atomically_with`] puts the stream
//! on disk so that a failed run never leaves a half-written file.

pub mod backtest;
mod csv;
pub mod digest;
pub mod html;
mod json;
mod parquet;
mod rows;
pub mod terminal;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use self::csv::SeriesCsv;
pub use self::json::{SummaryJson, SCHEMA_VERSION};
pub use self::parquet::SeriesParquet;

use crate::files::{self, FileError};
use crate::report::Report;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Write(#[from] FileError),
    #[error("cannot encode {file}: {message}")]
    Encode { file: &'static str, message: String },
}

/// A file format for the analysed series.
pub trait Exporter {
    /// The file name inside the output directory.
    fn file_name(&self) -> &'static str;

    /// Streams the file's content into `w`. Encoding failures come back as an
    /// `io::Error` wrapping an [`ExportError::Encode`] (see [`encode_error`]).
    fn write(&self, report: &Report, w: &mut dyn Write) -> std::io::Result<()>;
}

/// An encoding failure, carried through `io::Result` to [`export_all`].
pub(crate) fn encode_error(file: &'static str, message: impl ToString) -> std::io::Error {
    std::io::Error::other(ExportError::Encode { file, message: message.to_string() })
}

/// The [`ExportError::Encode`] inside `e`, or `e` as an I/O error on `path`.
fn unwrap_encode(e: std::io::Error, path: &str) -> ExportError {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<ExportError>()) {
        Some(ExportError::Encode { file, message }) => ExportError::Encode { file, message: message.clone() },
        _ => ExportError::Write(FileError::Write { path: path.to_string(), source: e }),
    }
}

/// The exporters `emerge analyze` runs, in order.
pub fn exporters() -> Vec<Box<dyn Exporter>> {
    vec![Box::new(SummaryJson), Box::new(SeriesCsv), Box::new(SeriesParquet)]
}

/// Writes every exporter's output into `dir`, returning the paths written.
pub fn export_all(report: &Report, dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
    exporters()
        .iter()
        .map(|e| {
            let path = dir.join(e.file_name());
            // Streamed: a large report's files are never held in memory whole.
            files::write_atomically_with(&path, |w| e.write(report, w)).map_err(|err| match err {
                FileError::Write { path, source } => unwrap_encode(source, &path),
                other => ExportError::Write(other),
            })?;
            Ok(path)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_failures_keep_their_kind_and_io_failures_get_the_path() {
        let encode = unwrap_encode(encode_error("summary.json", "NaN is not JSON"), "out/summary.json");
        assert_eq!(encode.to_string(), "cannot encode summary.json: NaN is not JSON");
        let io = unwrap_encode(std::io::Error::other("disk full"), "out/summary.json");
        assert!(
            matches!(&io, ExportError::Write(FileError::Write { path, .. }) if path == "out/summary.json"),
            "{io:?}"
        );
    }

    #[test]
    fn a_failed_export_leaves_no_file_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("failing.txt");
        let result = files::write_atomically_with(&path, |w| {
            w.write_all(b"half a file")?;
            Err(encode_error("failing.txt", "gave up"))
        });
        let err = match result {
            Err(FileError::Write { path, source }) => unwrap_encode(source, &path),
            other => panic!("expected a failure, got {other:?}"),
        };
        assert_eq!(err.to_string(), "cannot encode failing.txt: gave up");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no file, no temporary file");
    }
}
