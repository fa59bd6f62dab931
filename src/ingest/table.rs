//! Tables (CSV, TSV, Parquet): header rows and where each role's column is.

use std::collections::HashMap;

use super::items::ItemColumns;
use super::record::Problem;
use super::text::strip_bom;
use super::{clip, ColumnMapping, IngestError, IngestOptions, Role};

/// The header row of a CSV, from the first bytes of the file.
pub(super) fn csv_headers(head: &[u8], delimiter: u8) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(strip_bom(head));
    match reader.byte_headers() {
        Ok(h) => h.iter().map(|h| String::from_utf8_lossy(h).trim().to_string()).collect(),
        Err(_) => Vec::new(),
    }
}

/// A Parquet file's column names, from its schema.
pub(super) fn parquet_headers(path: &str) -> Result<Vec<String>, IngestError> {
    let mut lazy = scan_parquet(path)?;
    let schema = lazy.collect_schema().map_err(|e| parquet_error(path, e))?;
    Ok(schema.iter_names().map(|n| n.to_string()).collect())
}

/// A lazy scan of a Parquet file.
pub(super) fn scan_parquet(path: &str) -> Result<polars::prelude::LazyFrame, IngestError> {
    use polars::prelude::*;
    LazyFrame::scan_parquet(PlRefPath::new(path), Default::default()).map_err(|e| parquet_error(path, e))
}

pub(super) fn parquet_error(path: &str, e: polars::prelude::PolarsError) -> IngestError {
    IngestError::Header { path: path.into(), message: format!("cannot read the Parquet file: {e}") }
}

/// Where each role's column is (0-based), from the headers and the `--col` mappings.
/// A header that appears twice, or a mapping naming no header, is an error.
pub(super) fn resolve_roles(
    path: &str,
    headers: &[String],
    mappings: &[ColumnMapping],
) -> Result<HashMap<Role, usize>, IngestError> {
    let found = super::found_headers(headers);
    let position = |name: &str| -> Result<Option<usize>, IngestError> {
        let hits: Vec<usize> =
            (0..headers.len()).filter(|&i| headers[i].trim().eq_ignore_ascii_case(name.trim())).collect();
        match hits.as_slice() {
            [] => Ok(None),
            [i] => Ok(Some(*i)),
            [a, b, ..] => Err(IngestError::Problems(vec![Problem {
                file: path.into(),
                line: 1,
                column: Some(b + 1),
                message: format!(
                    "column {:?} appears more than once (columns {} and {}); rename one, or pick one with --col",
                    clip(name),
                    a + 1,
                    b + 1
                ),
            }])),
        }
    };
    let mut fields = HashMap::new();
    for role in Role::ALL {
        let mapped = mappings.iter().rev().find(|m| m.role == role);
        let index = match mapped {
            Some(m) => Some(position(&m.header)?.ok_or_else(|| IngestError::MappedHeaderMissing {
                path: path.into(),
                role: role.to_string(),
                header: m.header.clone(),
                found: found.clone(),
            })?),
            None => position(role.name())?,
        };
        if let Some(i) = index {
            fields.insert(role, i);
        }
    }
    Ok(fields)
}

/// The item-level roles' headers; model, params, subtask, item and correct are required.
pub(super) fn item_columns(
    path: &str,
    headers: &[String],
    options: &IngestOptions,
) -> Result<ItemColumns, IngestError> {
    // `--join-on COLUMN` names the item column of a table, as `--col item=COLUMN` does.
    let mut mappings = options.columns.clone();
    if let Some(join_on) = &options.join_on {
        mappings.push(super::ColumnMapping { role: Role::Item, header: join_on.clone() });
    }
    let fields = resolve_roles(path, headers, &mappings)?;
    let found = super::found_headers(headers);
    let header = |role: Role| fields.get(&role).map(|&i| headers[i].clone());
    let required = |role: Role| {
        header(role).ok_or_else(|| IngestError::MissingColumn {
            path: path.into(),
            role: role.to_string(),
            found: found.clone(),
        })
    };
    Ok(ItemColumns {
        model: required(Role::Model)?,
        params: required(Role::Params)?,
        subtask: required(Role::Subtask)?,
        item: required(Role::Item)?,
        correct: required(Role::Correct)?,
        task: header(Role::Task),
        family: header(Role::Family),
        metric: header(Role::Metric),
        shots: header(Role::Shots),
    })
}
