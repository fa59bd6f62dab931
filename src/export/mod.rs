//! Export: the last pipeline stage for data. One [`Exporter`] per file format, each
//! turning a [`Report`] into bytes; [`write_atomically`] puts them on disk so that a
//! failed run never leaves a half-written file.

mod csv;
mod json;
mod parquet;
pub mod terminal;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use self::csv::SeriesCsv;
pub use self::json::{SummaryJson, SCHEMA_VERSION};
pub use self::parquet::SeriesParquet;

use crate::report::Report;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot encode {file}: {message}")]
    Encode { file: &'static str, message: String },
}

/// A file format for the analysed series.
pub trait Exporter {
    /// The file name inside the output directory.
    fn file_name(&self) -> &'static str;
    fn serialize(&self, report: &Report) -> Result<Vec<u8>, ExportError>;
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
            write_atomically(&path, &e.serialize(report)?)?;
            Ok(path)
        })
        .collect()
}

/// Writes to a temporary file beside `path`, then renames it into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    write_atomically_with(path, |w| w.write_all(bytes))
}

/// Streams `write` into a temporary file beside `path` and renames it into place, so an
/// interrupted or failed run never leaves a half-written file under the final name.
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), ExportError> {
    let io = |source| ExportError::Io { path: path.display().to_string(), source };
    let file_name = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut f)?;
        let f = f.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}
