//! Row indices turned into the places messages show, and malformed CSV records.

use std::collections::{BTreeSet, HashMap};

use super::*;

/// Turns row indices into lines (CSV: the csv crate's byte positions through a
/// [`LineIndex`]) or 1-based row numbers (Parquet, parsed records).
pub(super) struct Placer {
    pub(super) lines: HashMap<u32, u64>,
    /// Field count of each wanted CSV record.
    pub(super) widths: HashMap<u32, usize>,
    pub(super) headers: Vec<String>,
    pub(super) kind: PlaceKind,
}

pub(super) enum PlaceKind {
    CsvLines,
    Rows,
    RecordLines(HashMap<u32, u64>),
}

impl Placer {
    pub(super) fn new(source: &ItemSource, wanted: &BTreeSet<u32>) -> Placer {
        match source {
            ItemSource::Csv { path, delimiter } => {
                let mut lines = HashMap::new();
                let mut widths = HashMap::new();
                let mut headers = Vec::new();
                if !wanted.is_empty() {
                    if let Ok(bytes) = std::fs::read(path) {
                        let index = LineIndex::new(&bytes);
                        let mut reader = csv::ReaderBuilder::new()
                            .delimiter(*delimiter)
                            .flexible(true)
                            .has_headers(true)
                            .from_reader(bytes.as_slice());
                        if let Ok(h) = reader.headers() {
                            headers = h
                                .iter()
                                .map(|s| s.trim_start_matches('\u{feff}').trim().to_string())
                                .collect();
                        }
                        let last = wanted.iter().next_back().copied().unwrap_or(0);
                        let mut record = csv::ByteRecord::new();
                        let mut i: u32 = 0;
                        while i <= last && matches!(reader.read_byte_record(&mut record), Ok(true)) {
                            if wanted.contains(&i) {
                                let line = record.position().map_or(0, |p| index.line_of(p.byte()));
                                lines.insert(i, line);
                                widths.insert(i, record.len());
                            }
                            i += 1;
                        }
                    }
                }
                Placer { lines, widths, headers, kind: PlaceKind::CsvLines }
            }
            ItemSource::Parquet { .. } => Placer {
                lines: HashMap::new(),
                widths: HashMap::new(),
                headers: Vec::new(),
                kind: PlaceKind::Rows,
            },
            ItemSource::Records(records) => {
                let lines = records.iter().enumerate().map(|(i, r)| (i as u32, r.line)).collect();
                Placer {
                    lines: HashMap::new(),
                    widths: HashMap::new(),
                    headers: Vec::new(),
                    kind: PlaceKind::RecordLines(lines),
                }
            }
        }
    }

    /// (fields, header width) when a CSV record's field count differs from the header's.
    pub(super) fn width_mismatch(&self, row: u32) -> Option<(usize, usize)> {
        let fields = *self.widths.get(&row)?;
        (fields != self.headers.len()).then_some((fields, self.headers.len()))
    }

    pub(super) fn unit(&self) -> &'static str {
        match self.kind {
            PlaceKind::Rows => "row",
            _ => "line",
        }
    }

    /// (line or row, column) of a row index and, optionally, a header.
    pub(super) fn at(&self, row: u32, header: Option<&str>) -> (u64, Option<usize>) {
        match &self.kind {
            PlaceKind::CsvLines => {
                let column = header.and_then(|h| self.headers.iter().position(|x| x.eq_ignore_ascii_case(h)));
                (self.lines.get(&row).copied().unwrap_or(0), column.map(|c| c + 1))
            }
            PlaceKind::Rows => (row as u64 + 1, None),
            PlaceKind::RecordLines(lines) => (lines.get(&row).copied().unwrap_or(0), None),
        }
    }
}

/// Every record the csv crate cannot read as a row of the header's width, with its
/// record index (as polars counts rows) and a located problem: polars's own errors
/// carry no position.
pub(super) fn find_malformed_csv(path: &str, delimiter: u8) -> Vec<(u32, Problem)> {
    let Ok(bytes) = std::fs::read(path) else { return Vec::new() };
    let index = LineIndex::new(&bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes.as_slice());
    let Ok(width) = reader.byte_headers().map(|h| h.len()) else { return Vec::new() };
    let mut out = Vec::new();
    let mut record = csv::ByteRecord::new();
    let problem = |line: u64, column: Option<usize>, message: String| Problem {
        file: path.into(),
        line,
        column,
        message,
    };
    for row in 0u32.. {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| index.line_of(p.byte()));
                if record.len() > width {
                    let message = format!(
                        "row has {} fields but the header has {width}; check for an unquoted delimiter",
                        record.len()
                    );
                    out.push((row, problem(line, None, message)));
                } else if let Some(field) = record.iter().position(|f| std::str::from_utf8(f).is_err()) {
                    let message = "the value is not valid UTF-8; re-save the file as UTF-8".to_string();
                    out.push((row, problem(line, Some(field + 1), message)));
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| index.line_of(p.byte()));
                out.push((row, problem(line, None, format!("malformed CSV: {e}"))));
                break;
            }
        }
    }
    out
}
