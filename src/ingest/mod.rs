//! Ingest: the first pipeline stage. Reads evaluation results into [`Observation`]s
//! and accounts for every row read: rows_read = rows_used + rows_dropped, always.
//!
//! Formats (README section "Input"): the tidy table (`tidy.rs`), wide tables
//! (`wide.rs`), item-level rows (`items/`), lm-evaluation-harness output (`lmeval/`)
//! and BIG-bench score files (`bigbench.rs`).
//!
//! [`read`] goes in one line: `detect.rs` decides once how the input is read (a
//! `Plan`, from the path, its first bytes and `--format`); `read.rs` runs that plan's
//! reader; `dataset/` turns what every reader hands over (rows, score records, item
//! records) into the [`Dataset`], each rule and its message written once. Shared plumbing:
//! `text.rs` (byte-order mark, lines), `json_text.rs` (JSON), `hint.rs` (numbers
//! written as a spreadsheet shows them), `record.rs` (records and located problems).

pub mod bigbench;
mod dataset;
mod detect;
mod hint;
pub mod items;
mod json_text;
pub mod lmeval;
mod meta;
mod params;
mod read;
pub mod record;
mod rules;
mod table;
mod text;
mod tidy;
pub mod wide;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub(crate) use hint::number_hint;
pub use params::{parse_params, ParamsError};

use crate::warnings::Warning;

/// One validated input row.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// 1-based line of the row in its source file.
    pub line: u64,
    /// Who was evaluated on what: model, size, task, family, metric, shots.
    pub key: record::RunKey<f64>,
    /// `None` for a task-level score (an empty subtask cell).
    pub subtask: Option<String>,
    /// A fraction in [0, 1].
    pub score: f64,
    pub n: Option<u64>,
    pub correct: Option<u64>,
    pub flops: Option<f64>,
    /// Whether the metric's larger values are better, when the input says (the
    /// `higher_is_better` column; lm-evaluation-harness' own `higher_is_better`).
    pub higher_is_better: Option<bool>,
    /// The task's chance level for this metric, when the input says (the `chance` column;
    /// 1/choices for lm-evaluation-harness multiple choice): its logistic floor.
    pub chance: Option<f64>,
}

/// A row that was read but not used, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DroppedRow {
    /// The file it was read from (a directory input reads many).
    pub file: String,
    /// 1-based line (row number for Parquet); 0 when the whole file was dropped.
    pub line: u64,
    /// 1-based column (CSV field, JSON key column) where the problem is in one cell.
    pub column: Option<usize>,
    pub reason: String,
}

impl From<record::Problem> for DroppedRow {
    fn from(p: record::Problem) -> Self {
        DroppedRow { file: p.file, line: p.line, column: p.column, reason: p.message }
    }
}

/// Everything read from one input.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The path as the user gave it (`-` for standard input).
    pub path: String,
    /// The format it was read as.
    pub format: Format,
    pub observations: Vec<Observation>,
    /// Rows (or, for JSON formats, score entries) read.
    pub rows_read: u64,
    /// Rows that went into `observations` (item-level rows are aggregated, so this is
    /// not the number of observations).
    pub rows_used: u64,
    pub dropped: Vec<DroppedRow>,
    pub warnings: Vec<Warning>,
    /// Item-level inputs: the joint outcome per model, for the independence check.
    pub joint: Vec<items::JointCounts>,
}

impl Dataset {
    /// A dataset whose every row became one observation.
    pub fn of_rows(path: &str, format: Format, observations: Vec<Observation>, rows_read: u64) -> Dataset {
        Dataset {
            path: path.into(),
            format,
            rows_used: observations.len() as u64,
            observations,
            rows_read,
            dropped: Vec::new(),
            warnings: Vec::new(),
            joint: Vec::new(),
        }
    }
}

/// The input formats emerge reads (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// One row per (model, subtask[, metric]) with a score (CSV, TSV or Parquet).
    Tidy,
    /// One row per model, one column per subtask.
    Wide,
    /// One row per (model, subtask, item) with the item's outcome (CSV, TSV or Parquet).
    Items,
    /// lm-evaluation-harness results (0.3 and 0.4+) and per-sample logs.
    LmEval,
    /// BIG-bench `scores_*.json` files.
    Bigbench,
}

impl Format {
    pub const ALL: [Format; 5] =
        [Format::Tidy, Format::Wide, Format::Items, Format::LmEval, Format::Bigbench];

    pub fn name(self) -> &'static str {
        match self {
            Format::Tidy => "tidy",
            Format::Wide => "wide",
            Format::Items => "items",
            Format::LmEval => "lm-eval",
            Format::Bigbench => "bigbench",
        }
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        Format::ALL.into_iter().find(|f| f.name() == s).ok_or_else(|| {
            let names: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
            format!("unknown format {s:?}: expected one of {}", names.join(", "))
        })
    }
}

/// What to do with a row that cannot be used (`--on-error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// Stop, listing every problem with its file and line.
    #[default]
    Fail,
    /// Leave the row out, list it in summary.json's `input.dropped`, and go on.
    Skip,
}

impl FromStr for OnError {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fail" => Ok(OnError::Fail),
            "skip" => Ok(OnError::Skip),
            other => Err(format!("unknown --on-error {other:?}: expected fail or skip")),
        }
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
    Item,
    HigherIsBetter,
    Chance,
}

impl Role {
    pub const ALL: [Role; 14] = [
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
        Role::Item,
        Role::HigherIsBetter,
        Role::Chance,
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
            Role::Item => "item",
            Role::HigherIsBetter => "higher_is_better",
            Role::Chance => "chance",
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
    /// `--percent-metric`: these metrics' scores are percentages (divided by 100).
    pub percent_metrics: Vec<String>,
    /// Header overrides from `--col`.
    pub columns: Vec<ColumnMapping>,
    /// `--format`: `None` detects the format from the path and content.
    pub format: Option<Format>,
    pub on_error: OnError,
    /// `--params-file`: a CSV of model,params for models whose size no file states.
    pub params_file: Option<PathBuf>,
    /// `--join-on`: the field items are joined on across subtasks (default `doc_id`).
    pub join_on: Option<String>,
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
    #[error("{}", format_problems(.0))]
    Problems(Vec<record::Problem>),
}

fn format_problems(problems: &[record::Problem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().take(MAX_LISTED).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&located(&p.file, p.line, p.column));
        out.push_str(&p.message);
    }
    if problems.len() > MAX_LISTED {
        out.push_str(&format!("\n... and {} more problems", problems.len() - MAX_LISTED));
    }
    out
}

/// `file:line:column: `, leaving out what is unknown (line 0: the whole file).
fn located(file: &str, line: u64, column: Option<usize>) -> String {
    match (line, column) {
        (0, _) => format!("{file}: "),
        (l, Some(c)) => format!("{file}:{l}:{c}: "),
        (l, None) => format!("{file}:{l}: "),
    }
}

/// UTF-16 text (Excel's "Unicode text" export) is recognised by its byte-order mark and
/// refused with advice, instead of being read as garbled UTF-8.
pub(crate) fn utf16_error(path: &str, bytes: &[u8]) -> Option<IngestError> {
    (bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff")).then(|| IngestError::Header {
        path: path.into(),
        message: "the file is UTF-16 text (Excel's \"Unicode text\" export writes it); re-save it as UTF-8 \
                  (in Excel: \"CSV UTF-8\")"
            .into(),
    })
}

/// A value as shown in a message: at most 60 characters, so that a 100 MB cell does not
/// come back as a 100 MB message.
pub(crate) fn clip(value: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 60;
    match value.char_indices().nth(MAX) {
        None => std::borrow::Cow::Borrowed(value),
        Some((at, _)) => std::borrow::Cow::Owned(format!("{}… ({} bytes)", &value[..at], value.len())),
    }
}

/// The header names for a message: quoted, clipped, at most 30 of them.
pub(crate) fn found_headers(headers: &[String]) -> String {
    let mut shown: Vec<String> = headers.iter().take(30).map(|h| format!("{:?}", clip(h))).collect();
    if headers.len() > 30 {
        shown.push(format!("and {} more", headers.len() - 30));
    }
    shown.join(", ")
}

/// Reads one input, in the format `--format` names or the one its path and content show.
pub fn read(path: &str, options: &IngestOptions) -> Result<Dataset, IngestError> {
    read::read(path, options)
}

pub(crate) fn has_extension(path: &str, ext: &str) -> bool {
    Path::new(path).extension().is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// The task name used when the input has no `task` column: the file's stem.
pub fn default_task_name(path: &str) -> String {
    if path == "-" {
        return "stdin".into();
    }
    PathBuf::from(path).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "task".into())
}
