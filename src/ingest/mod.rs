//! Ingest: the first pipeline stage. Reads evaluation results into [`Observation`]s,
//! one per input row, and accounts for every row read.
//!
//! The tidy format has one row per (model, subtask[, metric]); see `tidy.rs` and the
//! README section "Input".

mod lines;
mod params;
pub mod record;
mod tidy;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use params::{parse_params, ParamsError};
pub use tidy::read_tidy;

use crate::warnings::Warning;

/// One validated input row.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// 1-based line of the row in its source file.
    pub line: u64,
    pub model: String,
    pub params: f64,
    pub task: String,
    /// `None` for a task-level score (an empty subtask cell).
    pub subtask: Option<String>,
    pub family: String,
    pub metric: String,
    pub shots: Option<String>,
    /// A fraction in [0, 1].
    pub score: f64,
    pub n: Option<u64>,
    pub correct: Option<u64>,
    pub flops: Option<f64>,
}

/// A row that was read but not used, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DroppedRow {
    pub line: u64,
    pub reason: String,
}

/// Everything read from one input.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The path as the user gave it (`-` for standard input).
    pub path: String,
    pub observations: Vec<Observation>,
    pub rows_read: u64,
    pub dropped: Vec<DroppedRow>,
    pub warnings: Vec<Warning>,
}

impl Dataset {
    pub fn rows_used(&self) -> u64 {
        self.observations.len() as u64
    }
}

/// The meaning of an input column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Model,
    Params,
    Subtask,
    Score,
    Task,
    Family,
    Metric,
    N,
    Correct,
    Flops,
    Shots,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::Model,
        Role::Params,
        Role::Subtask,
        Role::Score,
        Role::Task,
        Role::Family,
        Role::Metric,
        Role::N,
        Role::Correct,
        Role::Flops,
        Role::Shots,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Model => "model",
            Role::Params => "params",
            Role::Subtask => "subtask",
            Role::Score => "score",
            Role::Task => "task",
            Role::Family => "family",
            Role::Metric => "metric",
            Role::N => "n",
            Role::Correct => "correct",
            Role::Flops => "flops",
            Role::Shots => "shots",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        Role::ALL.into_iter().find(|r| r.name() == s).ok_or_else(|| {
            let names: Vec<_> = Role::ALL.iter().map(|r| r.name()).collect();
            format!("unknown column role {s:?}: expected one of {}", names.join(", "))
        })
    }
}

/// `--col ROLE=HEADER`: read the column named HEADER as ROLE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping {
    pub role: Role,
    pub header: String,
}

impl FromStr for ColumnMapping {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (role, header) = s
            .split_once('=')
            .ok_or_else(|| format!("expected ROLE=HEADER (for example model=model_name), got {s:?}"))?;
        if header.trim().is_empty() {
            return Err(format!("{s:?} names no header after '='"));
        }
        Ok(ColumnMapping { role: role.parse()?, header: header.trim().to_string() })
    }
}

/// Validated ingest options.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Scores are percentages: divide by 100.
    pub percent: bool,
    /// Header overrides from `--col`.
    pub columns: Vec<ColumnMapping>,
}

/// One located problem in an input file.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    pub line: u64,
    /// 1-based column (field) number, where the problem is in one field.
    pub column: Option<usize>,
    pub message: String,
}

/// At most this many located problems are listed in one error message.
const MAX_LISTED: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: cannot read")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: the file is empty: expected a header row naming at least the columns model, params, subtask and score")]
    Empty { path: String },
    #[error("{path}: the file has a header but no data rows")]
    NoRows { path: String },
    #[error("{path}: missing required column {role:?}; columns found: {found}; map another header with --col {role}=HEADER")]
    MissingColumn { path: String, role: String, found: String },
    #[error("{path}: --col {role}={header}: no column is named {header:?}; columns found: {found}")]
    MappedHeaderMissing { path: String, role: String, header: String, found: String },
    #[error("{path}: {message}")]
    Header { path: String, message: String },
    #[error("{}", format_row_errors(path, errors))]
    Rows { path: String, errors: Vec<RowError> },
}

fn format_row_errors(path: &str, errors: &[RowError]) -> String {
    let mut out = String::new();
    for (i, e) in errors.iter().take(MAX_LISTED).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match e.column {
            Some(c) => out.push_str(&format!("{path}:{}:{c}: {}", e.line, e.message)),
            None => out.push_str(&format!("{path}:{}: {}", e.line, e.message)),
        }
    }
    if errors.len() > MAX_LISTED {
        out.push_str(&format!("\n... and {} more problems", errors.len() - MAX_LISTED));
    }
    out
}

/// Reads one input, choosing the reader from the path (TSV by extension, CSV otherwise).
pub fn read(path: &str, options: &IngestOptions) -> Result<Dataset, IngestError> {
    let bytes = if path == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut buf)
            .map_err(|source| IngestError::Io { path: "<stdin>".into(), source })?;
        buf
    } else {
        std::fs::read(path).map_err(|source| IngestError::Io { path: path.into(), source })?
    };
    let shown = if path == "-" { "<stdin>" } else { path };
    let delimiter = if has_extension(path, "tsv") { b'\t' } else { b',' };
    read_tidy(shown, &default_task_name(path), &bytes, delimiter, options)
}

fn has_extension(path: &str, ext: &str) -> bool {
    Path::new(path).extension().is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// The task name used when the input has no `task` column: the file's stem.
pub fn default_task_name(path: &str) -> String {
    if path == "-" {
        return "stdin".into();
    }
    PathBuf::from(path).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "task".into())
}
