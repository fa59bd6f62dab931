//! Reads an input by its [`Plan`]: each format's reader, then [`super::dataset`] for the
//! [`Dataset`].

use std::path::Path;

use super::dataset::{item_data_to_dataset, params_file, samples_dataset, scores_dataset, tidy_dataset};
use super::detect::{self, Input, Plan, Table};
use super::items::{self, ItemSource};
use super::record::{Parsed, Problem, ScoreRecord};
use super::table::{self, item_columns, resolve_roles};
use super::{bigbench, lmeval, tidy, wide};
use super::{Dataset, Format, IngestError, IngestOptions, Role};
use crate::warnings::Warning;

/// Reads one input, in the format `--format` names or the one its path and content show.
pub fn read(path: &str, options: &IngestOptions) -> Result<Dataset, IngestError> {
    let (mut input, plan) = detect::plan(path, options)?;
    let shown = input.shown.clone();
    let task = input.default_task.clone();
    match plan {
        Plan::Directory { samples: true } => {
            let found = lmeval::find_files(Path::new(path)).map_err(|p| IngestError::Problems(vec![p]))?;
            read_samples(path, &found, options)
        }
        Plan::Directory { samples: false } => read_directory(path, options),
        Plan::SamplesFile => read_samples_file(path, options),
        Plan::Json(format) => {
            let bytes = input.bytes()?;
            let parsed = match format {
                Format::Bigbench => bigbench::parse_scores(&shown, bytes),
                _ => lmeval::parse_results(&shown, bytes),
            };
            scores_dataset(&shown, format, parsed, options, &params_file(options)?)
        }
        Plan::Wide { delimiter } => read_wide(&shown, &task, input.bytes()?, delimiter, options),
        Plan::Items { table, headers } => read_items(&mut input, table, &headers, options),
        Plan::Tidy { table: Table::Csv { delimiter } } => {
            let table = tidy::read_tidy(&shown, input.bytes()?, delimiter, &options.columns)?;
            tidy_dataset(&shown, &task, table, options)
        }
        Plan::Tidy { table: Table::Parquet } => read_parquet_tidy(path, options),
    }
}

/// Item-level rows, from a CSV file, standard input (through a scratch file polars can
/// scan) or a Parquet file.
fn read_items(
    input: &mut Input,
    table: Table,
    headers: &[String],
    options: &IngestOptions,
) -> Result<Dataset, IngestError> {
    let (path, shown, task) = (input.path.clone(), input.shown.clone(), input.default_task.clone());
    let read = |source: ItemSource| -> Result<Dataset, IngestError> {
        let columns = item_columns(&shown, headers, options)?;
        let data =
            items::read_items(source, &columns, &task, options.on_error).map_err(IngestError::Problems)?;
        Ok(item_data_to_dataset(&shown, data))
    };
    match table {
        Table::Parquet => read(ItemSource::Parquet { path }),
        Table::Csv { delimiter } if input.is_stdin() => {
            let bytes = input.bytes()?;
            let scratch = ScratchFile::write(bytes)
                .map_err(|source| IngestError::Io { path: shown.clone(), source })?;
            let dataset = read(ItemSource::Csv { path: scratch.path_str(), delimiter });
            rename_file(dataset, &scratch.path_str(), &shown)
        }
        Table::Csv { delimiter } => read(ItemSource::Csv { path, delimiter }),
    }
}

fn read_wide(
    path: &str,
    default_task: &str,
    bytes: &[u8],
    delimiter: u8,
    options: &IngestOptions,
) -> Result<Dataset, IngestError> {
    let headers = table::csv_headers(bytes, delimiter);
    let fields = resolve_roles(path, &headers, &options.columns)?;
    let header = |role: Role| fields.get(&role).map(|&i| headers[i].clone());
    let layout = wide::WideLayout {
        model: header(Role::Model).unwrap_or_else(|| "model".into()),
        params: header(Role::Params).unwrap_or_else(|| "params".into()),
        family: header(Role::Family),
        task: header(Role::Task),
        shots: header(Role::Shots),
        metric: header(Role::Metric),
    };
    let parsed = wide::parse_wide(path, bytes, delimiter, &layout, default_task);
    scores_dataset(path, Format::Wide, parsed, options, &params_file(options)?)
}

/// A tidy table in Parquet: rendered as CSV and read by the tidy reader, so both
/// containers share one set of checks. Lines in its messages are the CSV's: the header
/// is line 1, so row r of the file is line r + 1.
fn read_parquet_tidy(path: &str, options: &IngestOptions) -> Result<Dataset, IngestError> {
    use polars::prelude::*;
    let fail = |e: PolarsError| table::parquet_error(path, e);
    let mut lazy = table::scan_parquet(path)?;
    lazy.collect_schema().map_err(fail)?;
    let mut df = lazy.collect().map_err(fail)?;
    let mut bytes = Vec::new();
    CsvWriter::new(&mut bytes).include_header(true).finish(&mut df).map_err(fail)?;
    let table = tidy::read_tidy(path, &bytes, b',', &options.columns)?;
    tidy_dataset(path, &super::default_task_name(path), table, options)
}

/// A directory: lm-evaluation-harness results and BIG-bench score files, anywhere below it.
fn read_directory(path: &str, options: &IngestOptions) -> Result<Dataset, IngestError> {
    let found = lmeval::find_files(Path::new(path)).map_err(|p| IngestError::Problems(vec![p]))?;
    let mut parsed: Parsed<ScoreRecord> = Parsed::default();
    let mut ignored = Vec::new();
    let mut format = Format::LmEval;
    let mut merge = |p: Parsed<ScoreRecord>| {
        parsed.records.extend(p.records);
        parsed.skipped.extend(p.skipped);
        parsed.problems.extend(p.problems);
    };
    for file in &found.results {
        let bytes = std::fs::read(file).map_err(|source| IngestError::Io { path: shown(file), source })?;
        merge(lmeval::parse_results(&shown(file), &bytes));
    }
    for file in &found.other_json {
        let bytes = std::fs::read(file).map_err(|source| IngestError::Io { path: shown(file), source })?;
        if bigbench::is_bigbench(&bytes) {
            if found.results.is_empty() {
                format = Format::Bigbench;
            }
            merge(bigbench::parse_scores(&shown(file), &bytes));
        } else {
            ignored.push(shown(file));
        }
    }
    if parsed.records.is_empty() && parsed.skipped.is_empty() && parsed.problems.is_empty() {
        return Err(IngestError::Header {
            path: path.into(),
            message: if found.samples.is_empty() {
                "holds no lm-evaluation-harness results or BIG-bench scores files".into()
            } else {
                "holds only per-sample logs; read them with --format items (their run's results_*.json must be beside them)"
                    .into()
            },
        });
    }
    let mut dataset = scores_dataset(path, format, parsed, options, &params_file(options)?)?;
    if !ignored.is_empty() {
        dataset.warnings.push(Warning::new(
            "ignored-files",
            format!(
                "{} JSON files are neither lm-evaluation-harness results nor BIG-bench scores and were not read: {}",
                ignored.len(),
                ignored.join(", ")
            ),
        ));
    }
    if !found.samples.is_empty() {
        dataset.warnings.push(Warning::new(
            "samples-not-read",
            format!(
                "{} per-sample logs were found; --format items reads them instead of the results, for the joint outcome and the independence check",
                found.samples.len()
            ),
        ));
    }
    Ok(dataset)
}

/// One per-sample log, read with the results file beside it.
fn read_samples_file(path: &str, options: &IngestOptions) -> Result<Dataset, IngestError> {
    let dir = Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut found = lmeval::find_files(dir).map_err(|p| IngestError::Problems(vec![p]))?;
    found.samples.retain(|s| s == Path::new(path) || s.file_name() == Path::new(path).file_name());
    read_samples(path, &found, options)
}

/// Per-sample logs → item-level rows, each log with the run information of the results
/// file in its directory that shares its date stamp (or the only one there).
fn read_samples(path: &str, found: &lmeval::Found, options: &IngestOptions) -> Result<Dataset, IngestError> {
    let mut parsed = Parsed::default();
    for sample in &found.samples {
        let name = sample.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let Some(task) = lmeval::task_from_samples_name(&name) else { continue };
        let stamp = name.rsplit('_').next().unwrap_or("").trim_end_matches(".jsonl").to_string();
        let beside: Vec<&std::path::PathBuf> =
            found.results.iter().filter(|r| r.parent() == sample.parent()).collect();
        let results = beside
            .iter()
            .find(|r| r.file_name().is_some_and(|n| n.to_string_lossy().contains(&stamp)))
            .or(if beside.len() == 1 { beside.first() } else { None });
        let Some(results) = results else {
            parsed.problems.push(Problem {
                file: shown(sample),
                line: 0,
                column: None,
                message: "no results_<date>.json of the same run beside this log; it names the model, its size and the shots: \
                          put the run's results_<date>.json in this directory"
                    .into(),
            });
            continue;
        };
        let bytes =
            std::fs::read(results).map_err(|source| IngestError::Io { path: shown(results), source })?;
        let run = match lmeval::run_info(&shown(results), &bytes) {
            Ok(run) => run,
            Err(p) => {
                parsed.problems.push(p);
                continue;
            }
        };
        let bytes =
            std::fs::read(sample).map_err(|source| IngestError::Io { path: shown(sample), source })?;
        let one = lmeval::parse_samples(&shown(sample), &bytes, task, &run, options.join_on.as_deref());
        parsed.records.extend(one.records);
        parsed.skipped.extend(one.skipped);
        parsed.problems.extend(one.problems);
    }
    samples_dataset(path, parsed, options)
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// A file holding standard input for polars, removed when dropped.
struct ScratchFile(std::path::PathBuf);

impl ScratchFile {
    fn write(bytes: &[u8]) -> std::io::Result<ScratchFile> {
        let path = std::env::temp_dir().join(format!("emerge-stdin-{}.csv", std::process::id()));
        std::fs::write(&path, bytes)?;
        Ok(ScratchFile(path))
    }

    fn path_str(&self) -> String {
        self.0.to_string_lossy().into_owned()
    }
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Messages about a scratch file name the input the user gave.
fn rename_file(result: Result<Dataset, IngestError>, from: &str, to: &str) -> Result<Dataset, IngestError> {
    let fix = |s: String| if s == from { to.to_string() } else { s };
    match result {
        Ok(mut d) => {
            for row in &mut d.dropped {
                row.file = fix(std::mem::take(&mut row.file));
            }
            Ok(d)
        }
        Err(IngestError::Problems(mut problems)) => {
            for p in &mut problems {
                p.file = fix(std::mem::take(&mut p.file));
            }
            Err(IngestError::Problems(problems))
        }
        Err(e) => Err(e),
    }
}
