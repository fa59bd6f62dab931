//! The tidy CSV/TSV reader: one row per (model, subtask[, metric]).
//!
//! It reads: the header (which column holds each role), then each row's cells as text,
//! located by line. What cannot be read as a row (a malformed record, a wrong number of
//! fields, an unclosed quote, a cell that is not UTF-8) is a problem here; what the
//! cells say is checked by `dataset/`, with every other format's records.

use super::record::{Columns, Problem, TableRow};
use super::table::resolve_roles;
use super::text::LineIndex;
use super::{ColumnMapping, IngestError, Role};

/// A tidy table as read: its columns, its rows' cells, and the rows that could not be read.
#[derive(Debug)]
pub struct TidyTable {
    pub columns: Columns,
    pub rows: Vec<TableRow>,
    pub problems: Vec<Problem>,
    /// Records read, including those that could not be read as rows.
    pub rows_read: u64,
}

/// The columns of a tidy table, checked for the roles it needs.
fn resolve(path: &str, headers: &[String], mappings: &[ColumnMapping]) -> Result<Columns, IngestError> {
    let fields = resolve_roles(path, headers, mappings)?;
    let found = super::found_headers(headers);
    let counts_given = fields.contains_key(&Role::N) && fields.contains_key(&Role::Correct);
    for role in [Role::Model, Role::Params, Role::Subtask, Role::Score] {
        if role == Role::Score && counts_given {
            continue;
        }
        if !fields.contains_key(&role) {
            if role == Role::Subtask && !fields.contains_key(&Role::Score) && headers.len() > 2 {
                return Err(IngestError::Header {
                    path: path.into(),
                    message: format!(
                        "missing required column \"subtask\"; columns found: {found}; if the table has one row \
                         per model and one column per subtask, pass --wide"
                    ),
                });
            }
            return Err(IngestError::MissingColumn { path: path.into(), role: role.to_string(), found });
        }
    }
    Ok(Columns { fields, headers: headers.to_vec() })
}

/// Reads a tidy table from memory. `path` is only used in messages.
pub fn read_tidy(
    path: &str,
    bytes: &[u8],
    delimiter: u8,
    mappings: &[ColumnMapping],
) -> Result<TidyTable, IngestError> {
    if let Some(e) = super::utf16_error(path, bytes) {
        return Err(e);
    }
    let content = super::text::strip_bom(bytes);
    if content.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(IngestError::Empty { path: path.into() });
    }
    let lines = LineIndex::new(bytes);
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(true).from_reader(bytes);
    let header_record = reader.byte_headers().map_err(|e| IngestError::Header {
        path: path.into(),
        message: format!("cannot read the header row: {e}"),
    })?;
    if let Some(i) = header_record.iter().position(|h| std::str::from_utf8(h).is_err()) {
        return Err(IngestError::Problems(vec![Problem {
            file: path.into(),
            line: 1,
            column: Some(i + 1),
            message: "the header is not valid UTF-8; re-save the file as UTF-8".into(),
        }]));
    }
    let headers: Vec<String> = header_record
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = String::from_utf8_lossy(h);
            let h = if i == 0 { h.trim_start_matches('\u{feff}') } else { &h };
            h.trim().to_string()
        })
        .collect();
    let columns = resolve(path, &headers, mappings)?;

    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut rows_read = 0u64;
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                rows_read += 1;
                let line = record.position().map_or(0, |p| lines.line_of(p.byte()));
                if record.len() != headers.len() && reader.position().byte() as usize >= bytes.len() {
                    if let Some(e) = unclosed_quote(path, bytes, &record, line, &lines) {
                        problems.push(e);
                        continue;
                    }
                }
                match cells(path, &record, line, &columns) {
                    Ok(row) => rows.push(row),
                    Err(mut row_problems) => problems.append(&mut row_problems),
                }
            }
            Err(e) => {
                rows_read += 1;
                let line = e.position().map_or(0, |p| lines.line_of(p.byte()));
                problems.push(Problem {
                    file: path.into(),
                    line,
                    column: None,
                    message: format!("malformed CSV: {e}"),
                });
                if !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    if rows_read == 0 {
        return Err(IngestError::NoRows { path: path.into() });
    }
    Ok(TidyTable { columns, rows, problems, rows_read })
}

/// A record's cells by role, or why it cannot be read as a row.
fn cells(
    path: &str,
    record: &csv::ByteRecord,
    line: u64,
    columns: &Columns,
) -> Result<TableRow, Vec<Problem>> {
    let width = columns.headers.len();
    if record.len() != width {
        return Err(vec![Problem {
            file: path.into(),
            line,
            column: None,
            message: format!(
                "row has {} fields but the header has {width}; check for an unquoted delimiter or a missing value",
                record.len(),
            ),
        }]);
    }
    let mut row = TableRow::new(line);
    let mut problems = Vec::new();
    // Every role but the item's (a tidy row has none), in the order problems are listed.
    for role in Role::ALL.into_iter().filter(|&role| role != Role::Item) {
        let Some(&i) = columns.fields.get(&role) else { continue };
        match std::str::from_utf8(&record[i]) {
            Ok(s) => row.set(role, s.trim().to_string()),
            Err(_) => problems.push(Problem {
                file: path.into(),
                line,
                column: Some(i + 1),
                message: format!(
                    "column {:?}: the value is not valid UTF-8; re-save the file as UTF-8",
                    columns.headers[i]
                ),
            }),
        }
    }
    // Undecodable cells are reported once; checks on their (absent) values would only
    // repeat the problem in other words.
    if problems.is_empty() {
        Ok(row)
    } else {
        Err(problems)
    }
}

/// A record that runs to the end of the file because a quote opened in it is never
/// closed: the csv reader then takes every later line as part of one field.
fn unclosed_quote(
    path: &str,
    bytes: &[u8],
    record: &csv::ByteRecord,
    line: u64,
    lines: &LineIndex,
) -> Option<Problem> {
    let start = record.position()?.byte() as usize;
    let rest = bytes.get(start..)?;
    if rest.iter().filter(|&&b| b == b'"').count() % 2 == 0 {
        return None;
    }
    let last = lines.line_of(bytes.len().saturating_sub(1) as u64);
    let span = if last > line { format!("lines {line} to {last} were") } else { format!("line {line} was") };
    Some(Problem {
        file: path.into(),
        line,
        column: None,
        message: format!(
            "a quote opened on this line is never closed, so {span} read as one row; close the quote, or remove it"
        ),
    })
}
