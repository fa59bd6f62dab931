//! Which reader an input goes to, decided once: a [`Plan`] from the path, the first bytes
//! and the options.
//!
//! Detection, unless `--format` says: a directory is searched for lm-evaluation-harness
//! results and sample logs and BIG-bench score files; a Parquet file (by its magic
//! bytes) and a CSV/TSV file hold item-level rows when they have an `item` column and
//! a tidy table otherwise; a JSON file is told apart by its keys.

use std::path::Path;

use super::text::strip_bom;
use super::{bigbench, lmeval};
use super::{default_task_name, has_extension, Format, IngestError, IngestOptions, Role};

/// How much of a file is read to find its header when the rest goes to polars.
const PEEK_BYTES: usize = 1 << 16;

/// One input as given: standard input (read whole), a directory, or a file.
pub struct Input {
    /// The path as the user gave it (`-` for standard input).
    pub path: String,
    /// The name messages use (`<stdin>` for standard input).
    pub shown: String,
    /// The task name when the input has none.
    pub default_task: String,
    /// The whole content, once read (standard input, JSON files, wide tables).
    bytes: Option<Vec<u8>>,
    /// The first bytes of a file ([`PEEK_BYTES`]), or all of standard input.
    head: Vec<u8>,
    stdin: bool,
    directory: bool,
}

impl Input {
    /// Opens `path`: reads standard input whole, a file's first bytes, a directory nothing.
    fn open(path: &str) -> Result<Input, IngestError> {
        let default_task = default_task_name(path);
        if path == "-" {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
                .map_err(|source| IngestError::Io { path: "<stdin>".into(), source })?;
            let head = bytes.clone();
            let shown = "<stdin>".to_string();
            return Ok(Input {
                path: path.into(),
                shown,
                default_task,
                bytes: Some(bytes),
                head,
                stdin: true,
                directory: false,
            });
        }
        let directory = Path::new(path).is_dir();
        let head = if directory { Vec::new() } else { peek(path)? };
        Ok(Input {
            path: path.into(),
            shown: path.into(),
            default_task,
            bytes: None,
            head,
            stdin: false,
            directory,
        })
    }

    pub fn is_stdin(&self) -> bool {
        self.stdin
    }

    /// The whole content, read once.
    pub fn bytes(&mut self) -> Result<&[u8], IngestError> {
        if self.bytes.is_none() {
            let bytes = std::fs::read(&self.path)
                .map_err(|source| IngestError::Io { path: self.path.clone(), source })?;
            self.bytes = Some(bytes);
        }
        Ok(self.bytes.as_deref().unwrap_or_default())
    }
}

/// What an input is, and so which reader reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// A directory: lm-evaluation-harness results and BIG-bench score files, or with
    /// `--format items` the harness's per-sample logs.
    Directory { samples: bool },
    /// One per-sample log (`.jsonl`), read with the results file beside it.
    SamplesFile,
    /// One JSON file: lm-evaluation-harness results or BIG-bench scores.
    Json(Format),
    /// A wide table: one row per model, one column per subtask.
    Wide { delimiter: u8 },
    /// Item-level rows, with the table's header names.
    Items { table: Table, headers: Vec<String> },
    /// A tidy table.
    Tidy { table: Table },
}

/// The container of a table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Table {
    Csv { delimiter: u8 },
    Parquet,
}

/// Opens `path` and decides how it is read: `--format` where it says, else the path and
/// the content.
pub fn plan(path: &str, options: &IngestOptions) -> Result<(Input, Plan), IngestError> {
    let mut input = Input::open(path)?;
    let plan = decide(&mut input, options)?;
    Ok((input, plan))
}

fn decide(input: &mut Input, options: &IngestOptions) -> Result<Plan, IngestError> {
    if input.directory {
        return Ok(Plan::Directory { samples: options.format == Some(Format::Items) });
    }
    let path = input.path.as_str();
    if !input.stdin {
        if let Some(e) = super::utf16_error(path, &input.head) {
            return Err(e);
        }
        if is_parquet(&input.head) || (input.head.is_empty() && has_extension(path, "parquet")) {
            let headers = super::table::parquet_headers(path)?;
            return Ok(match wants_items(&headers, options) {
                true => Plan::Items { table: Table::Parquet, headers },
                false => Plan::Tidy { table: Table::Parquet },
            });
        }
    }
    if is_json(path, &input.head, options) {
        let shown = input.shown.clone();
        return Ok(Plan::Json(json_format(&shown, input.bytes()?, options)?));
    }
    if has_extension(path, "jsonl") {
        return Ok(Plan::SamplesFile);
    }
    let delimiter = if has_extension(path, "tsv") { b'\t' } else { b',' };
    if options.format == Some(Format::Wide) {
        return Ok(Plan::Wide { delimiter });
    }
    let headers = super::table::csv_headers(&input.head, delimiter);
    Ok(match wants_items(&headers, options) {
        true => Plan::Items { table: Table::Csv { delimiter }, headers },
        false => Plan::Tidy { table: Table::Csv { delimiter } },
    })
}

/// Whether a table holds item-level rows: `--format items`, or an item column when no
/// format is given.
fn wants_items(headers: &[String], options: &IngestOptions) -> bool {
    match options.format {
        Some(Format::Items) => true,
        Some(_) => false,
        None => headers.iter().any(|h| h.eq_ignore_ascii_case(item_header(options))),
    }
}

/// The header that identifies items: `--join-on`, else `--col item=...`, else `item`.
fn item_header(options: &IngestOptions) -> &str {
    options.join_on.as_deref().unwrap_or_else(|| {
        options.columns.iter().rev().find(|m| m.role == Role::Item).map_or("item", |m| m.header.as_str())
    })
}

/// The first byte that is not a BOM or white space.
fn first_byte(bytes: &[u8]) -> Option<u8> {
    strip_bom(bytes).iter().copied().find(|b| !b.is_ascii_whitespace())
}

fn is_json(path: &str, head: &[u8], options: &IngestOptions) -> bool {
    match options.format {
        Some(Format::LmEval | Format::Bigbench) => !has_extension(path, "jsonl"),
        Some(_) => false,
        None => {
            has_extension(path, "json") || (!has_extension(path, "jsonl") && first_byte(head) == Some(b'{'))
        }
    }
}

/// lm-evaluation-harness results or BIG-bench scores, told apart by their keys unless
/// `--format` says.
fn json_format(path: &str, bytes: &[u8], options: &IngestOptions) -> Result<Format, IngestError> {
    Ok(match options.format {
        Some(f @ (Format::LmEval | Format::Bigbench)) => f,
        _ if lmeval::is_results(bytes) => Format::LmEval,
        _ if bigbench::is_bigbench(bytes) => Format::Bigbench,
        _ => match serde_json::from_slice::<serde_json::Value>(strip_bom(bytes)) {
            // Not valid JSON: the reader reports where it breaks.
            Err(_) if String::from_utf8_lossy(bytes).contains("\"score_dict\"") => Format::Bigbench,
            Err(_) => Format::LmEval,
            Ok(value) => {
                let keys = match value.as_object() {
                    Some(o) => o.keys().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(", "),
                    None => "none (not an object)".into(),
                };
                return Err(IngestError::Header {
                    path: path.into(),
                    message: format!(
                        "is JSON but neither lm-evaluation-harness results (keys \"results\" and \"config\") \
                         nor BIG-bench scores (keys \"model\" and \"scores\"); its keys: {keys}"
                    ),
                });
            }
        },
    })
}

fn peek(path: &str) -> Result<Vec<u8>, IngestError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|source| IngestError::Io { path: path.into(), source })?;
    let mut head = Vec::with_capacity(PEEK_BYTES);
    file.take(PEEK_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|source| IngestError::Io { path: path.into(), source })?;
    Ok(head)
}

fn is_parquet(head: &[u8]) -> bool {
    head.starts_with(b"PAR1")
}
