//! Which reader an input goes to, and the conversion of each reader's output into a
//! [`Dataset`].
//!
//! Detection, unless `--format` says: a directory is searched for lm-evaluation-harness
//! results and sample logs and BIG-bench score files; a Parquet file (by its magic
//! bytes) and a CSV/TSV file hold item-level rows when they have an `item` column and
//! a tidy table otherwise; a JSON file is told apart by its keys.

use std::collections::BTreeMap;
use std::path::Path;

use super::items::{self, ItemColumns, ItemData, ItemSource};
use super::meta::Scales;
use super::record::{Parsed, Problem, ScoreRecord, Skipped};
use super::tidy::resolve_roles;
use super::{bigbench, lmeval, wide};
use super::{
    default_task_name, has_extension, read_tidy, Dataset, DroppedRow, Format, IngestError, IngestOptions,
    Observation, OnError, Role,
};
use crate::warnings::Warning;

/// How much of a file is read to find its header when the rest goes to polars.
const PEEK_BYTES: usize = 1 << 16;

pub fn read(path: &str, options: &IngestOptions) -> Result<Dataset, IngestError> {
    if path != "-" && Path::new(path).is_dir() {
        return read_directory(path, options);
    }
    if path == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
            .map_err(|source| IngestError::Io { path: "<stdin>".into(), source })?;
        return read_bytes("<stdin>", "stdin", &bytes, None, options);
    }
    let head = peek(path)?;
    if let Some(e) = super::utf16_error(path, &head) {
        return Err(e);
    }
    if is_parquet(&head) || (head.is_empty() && has_extension(path, "parquet")) {
        return read_parquet(path, options);
    }
    if is_json(path, &head, options) {
        let bytes = std::fs::read(path).map_err(|source| IngestError::Io { path: path.into(), source })?;
        return read_json(path, &bytes, options);
    }
    if has_extension(path, "jsonl") {
        return read_samples_file(path, options);
    }
    let delimiter = if has_extension(path, "tsv") { b'\t' } else { b',' };
    if options.format == Some(Format::Wide) {
        let bytes = std::fs::read(path).map_err(|source| IngestError::Io { path: path.into(), source })?;
        return read_wide(path, &default_task_name(path), &bytes, delimiter, options);
    }
    let wants_items = match options.format {
        Some(Format::Items) => true,
        Some(_) => false,
        None => csv_headers(&head, delimiter).iter().any(|h| is_item_header(h, options)),
    };
    if wants_items {
        let columns = item_columns(path, &csv_headers(&head, delimiter), options)?;
        let source = ItemSource::Csv { path: path.into(), delimiter };
        return items_dataset(path, source, &columns, &default_task_name(path), options.on_error);
    }
    let bytes = std::fs::read(path).map_err(|source| IngestError::Io { path: path.into(), source })?;
    read_bytes(path, &default_task_name(path), &bytes, Some(delimiter), options)
}

/// Reads an input held in memory (standard input, or a small file).
fn read_bytes(
    shown: &str,
    default_task: &str,
    bytes: &[u8],
    delimiter: Option<u8>,
    options: &IngestOptions,
) -> Result<Dataset, IngestError> {
    let delimiter = delimiter.unwrap_or(b',');
    match options.format {
        Some(Format::Items) => {
            let scratch =
                ScratchFile::write(bytes).map_err(|source| IngestError::Io { path: shown.into(), source })?;
            let columns = item_columns(shown, &csv_headers(bytes, delimiter), options)?;
            let source = ItemSource::Csv { path: scratch.path_str(), delimiter };
            let dataset = items_dataset(shown, source, &columns, default_task, options.on_error);
            rename_file(dataset, &scratch.path_str(), shown)
        }
        Some(Format::Wide) => read_wide(shown, default_task, bytes, delimiter, options),
        Some(Format::LmEval | Format::Bigbench) => read_json(shown, bytes, options),
        None if first_byte(bytes) == Some(b'{') => read_json(shown, bytes, options),
        None if csv_headers(bytes, delimiter).iter().any(|h| is_item_header(h, options)) => {
            let options = IngestOptions { format: Some(Format::Items), ..options.clone() };
            read_bytes(shown, default_task, bytes, Some(delimiter), &options)
        }
        _ => read_tidy(shown, default_task, bytes, delimiter, options),
    }
}

/// The first byte that is not a BOM or white space.
fn first_byte(bytes: &[u8]) -> Option<u8> {
    let content = super::text::strip_bom(bytes);
    content.iter().copied().find(|b| !b.is_ascii_whitespace())
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

/// One JSON file: lm-evaluation-harness results or BIG-bench scores, told apart by
/// their keys unless `--format` says.
fn read_json(path: &str, bytes: &[u8], options: &IngestOptions) -> Result<Dataset, IngestError> {
    let format = match options.format {
        Some(f @ (Format::LmEval | Format::Bigbench)) => f,
        _ if lmeval::is_results(bytes) => Format::LmEval,
        _ if bigbench::is_bigbench(bytes) => Format::Bigbench,
        _ => match serde_json::from_slice::<serde_json::Value>(super::text::strip_bom(bytes)) {
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
    };
    let parsed = match format {
        Format::Bigbench => bigbench::parse_scores(path, bytes),
        _ => lmeval::parse_results(path, bytes),
    };
    let params = params_file(options)?;
    scores_dataset(path, format, parsed, options, &params)
}

fn read_wide(
    path: &str,
    default_task: &str,
    bytes: &[u8],
    delimiter: u8,
    options: &IngestOptions,
) -> Result<Dataset, IngestError> {
    let headers = csv_headers(bytes, delimiter);
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

/// A directory: lm-evaluation-harness results (or, with `--format items`, their
/// per-sample logs) and BIG-bench score files, anywhere below it.
fn read_directory(path: &str, options: &IngestOptions) -> Result<Dataset, IngestError> {
    let found = lmeval::find_files(Path::new(path)).map_err(|p| IngestError::Problems(vec![p]))?;
    if options.format == Some(Format::Items) {
        return read_samples(path, &found, options);
    }
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
    let mut records = Vec::new();
    let mut skipped = Vec::new();
    let mut problems = Vec::new();
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
            problems.push(Problem {
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
                problems.push(p);
                continue;
            }
        };
        let bytes =
            std::fs::read(sample).map_err(|source| IngestError::Io { path: shown(sample), source })?;
        let parsed = lmeval::parse_samples(&shown(sample), &bytes, task, &run, options.join_on.as_deref());
        records.extend(parsed.records);
        skipped.extend(parsed.skipped);
        problems.extend(parsed.problems);
    }
    if !problems.is_empty() && options.on_error == OnError::Fail {
        return Err(IngestError::Problems(problems));
    }
    let params = params_file(options)?;
    for r in &mut records {
        if let Some(p) = params.get(&r.model) {
            r.params = Some(*p);
        }
    }
    if let Some(r) = records.iter().find(|r| r.params.is_none()) {
        return Err(IngestError::Problems(vec![Problem {
            file: r.file.clone(),
            line: r.line,
            column: None,
            message: format!(
                "model {:?}: no parameter count in the results file or the model name; give one with --params-file (CSV: model,params)",
                r.model
            ),
        }]));
    }
    let extra = (skipped.len() + problems.len()) as u64;
    let source = ItemSource::Records(records);
    let data = items::read_items(source, &items::record_columns(), "lm-eval", options.on_error)
        .map_err(IngestError::Problems)?;
    let mut dataset = item_data_to_dataset(path, data);
    dataset.format = Format::LmEval;
    dataset.rows_read += extra;
    dataset.dropped.extend(skipped.into_iter().map(skipped_row));
    dataset.dropped.extend(problems.into_iter().map(DroppedRow::from));
    Ok(dataset)
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// `--params-file`: CSV with columns model and params (K/M/B/T suffixes allowed).
fn params_file(options: &IngestOptions) -> Result<BTreeMap<String, f64>, IngestError> {
    let Some(file) = &options.params_file else { return Ok(BTreeMap::new()) };
    let shown = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|source| IngestError::Io { path: shown.clone(), source })?;
    read_params_csv(&shown, &bytes)
}

fn read_params_csv(shown: &str, bytes: &[u8]) -> Result<BTreeMap<String, f64>, IngestError> {
    let content = super::text::strip_bom(bytes);
    let index = super::text::LineIndex::new(bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(content);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_ascii_lowercase()).collect(),
        Err(e) => {
            return Err(IngestError::Header {
                path: shown.into(),
                message: format!("cannot read the header row: {e}"),
            })
        }
    };
    let (Some(m), Some(p)) =
        (headers.iter().position(|h| h == "model"), headers.iter().position(|h| h == "params"))
    else {
        return Err(IngestError::Header {
            path: shown.into(),
            message: format!("a params file needs columns model and params; found {}", headers.join(", ")),
        });
    };
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        let problem = |line: u64, column: Option<usize>, message: String| Problem {
            file: shown.into(),
            line,
            column,
            message,
        };
        match record {
            Ok(r) => {
                let line = r.position().map_or(0, |pos| index.line_of(pos.byte()));
                let (Some(model), Some(params)) = (r.get(m), r.get(p)) else {
                    problems.push(problem(line, None, "the row has no model or params field".into()));
                    continue;
                };
                match super::parse_params(params) {
                    Ok(v) => {
                        if out.insert(model.trim().to_string(), v).is_some_and(|old| old != v) {
                            problems.push(problem(
                                line,
                                Some(p + 1),
                                format!("model {model:?} is given two sizes"),
                            ));
                        }
                    }
                    Err(e) => problems.push(problem(
                        line,
                        Some(p + 1),
                        format!("cannot parse params {params:?}: {e}"),
                    )),
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |pos| index.line_of(pos.byte()));
                problems.push(problem(line, None, format!("malformed CSV: {e}")));
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(IngestError::Problems(problems))
    }
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

/// The header row of a CSV, from the first bytes of the file.
fn csv_headers(head: &[u8], delimiter: u8) -> Vec<String> {
    let content = super::text::strip_bom(head);
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).has_headers(true).flexible(true).from_reader(content);
    match reader.byte_headers() {
        Ok(h) => h.iter().map(|h| String::from_utf8_lossy(h).trim().to_string()).collect(),
        Err(_) => Vec::new(),
    }
}

/// The header that identifies items: `--join-on`, else `--col item=...`, else `item`.
fn item_header(options: &IngestOptions) -> &str {
    options.join_on.as_deref().unwrap_or_else(|| {
        options.columns.iter().rev().find(|m| m.role == Role::Item).map_or("item", |m| m.header.as_str())
    })
}

fn is_item_header(header: &str, options: &IngestOptions) -> bool {
    header.eq_ignore_ascii_case(item_header(options))
}

/// The item-level roles' headers; model, params, subtask, item and correct are required.
fn item_columns(path: &str, headers: &[String], options: &IngestOptions) -> Result<ItemColumns, IngestError> {
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

fn read_parquet(path: &str, options: &IngestOptions) -> Result<Dataset, IngestError> {
    use polars::prelude::*;
    let fail = |e: PolarsError| IngestError::Header {
        path: path.into(),
        message: format!("cannot read the Parquet file: {e}"),
    };
    let mut lazy = LazyFrame::scan_parquet(PlRefPath::new(path), Default::default()).map_err(fail)?;
    let schema = lazy.collect_schema().map_err(fail)?;
    let headers: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    let items = match options.format {
        Some(Format::Items) => true,
        Some(_) => false,
        None => headers.iter().any(|h| is_item_header(h, options)),
    };
    if items {
        let columns = item_columns(path, &headers, options)?;
        let source = ItemSource::Parquet { path: path.into() };
        return items_dataset(path, source, &columns, &default_task_name(path), options.on_error);
    }
    // A tidy table in Parquet: rendered as CSV and read by the tidy reader, so both
    // containers share one set of checks. Lines in its messages are the CSV's: the
    // header is line 1, so row r of the file is line r + 1.
    let mut df = lazy.collect().map_err(fail)?;
    let mut bytes = Vec::new();
    CsvWriter::new(&mut bytes).include_header(true).finish(&mut df).map_err(fail)?;
    read_tidy(path, &default_task_name(path), &bytes, b',', options)
}

/// Item-level rows → a dataset: one observation per (model, subtask) with its counts,
/// and one task-level observation per model with the joint outcome.
fn items_dataset(
    path: &str,
    source: ItemSource,
    columns: &ItemColumns,
    default_task: &str,
    on_error: OnError,
) -> Result<Dataset, IngestError> {
    let data = items::read_items(source, columns, default_task, on_error).map_err(IngestError::Problems)?;
    Ok(item_data_to_dataset(path, data))
}

pub(super) fn item_data_to_dataset(path: &str, data: ItemData) -> Dataset {
    let ItemData { rates, joint, rows_read, rows_used, problems } = data;
    let mut observations = Vec::with_capacity(rates.len() + joint.len());
    for r in &rates {
        observations.push(Observation {
            line: 0,
            model: r.model.clone(),
            params: r.params,
            task: r.task.clone(),
            subtask: Some(r.subtask.clone()),
            family: r.family.clone(),
            metric: r.metric.clone(),
            shots: r.shots.clone(),
            score: r.sum / r.n as f64,
            n: Some(r.n),
            correct: r.binary.then(|| r.sum.round() as u64),
            flops: None,
            higher_is_better: None,
            chance: None,
        });
    }
    let mut warnings = Vec::new();
    for j in &joint {
        if j.complete == 0 {
            warnings.push(Warning::new(
                "no-complete-items",
                format!(
                    "model {:?}, task {:?}: no item has all {} subtasks, so the joint outcome is unknown; \
                     check that items share ids across subtasks (--join-on)",
                    j.model,
                    j.task,
                    j.subtasks.len()
                ),
            ));
            continue;
        }
        if j.complete < j.items {
            warnings.push(Warning::new(
                "incomplete-items",
                format!(
                    "model {:?}, task {:?}: {} of {} items lack one of the {} subtasks; the joint outcome uses the {} complete ones",
                    j.model,
                    j.task,
                    j.items - j.complete,
                    j.items,
                    j.subtasks.len(),
                    j.complete
                ),
            ));
        }
        observations.push(Observation {
            line: 0,
            model: j.model.clone(),
            params: j.params,
            task: j.task.clone(),
            subtask: None,
            family: j.family.clone(),
            metric: j.metric.clone(),
            shots: j.shots.clone(),
            score: j.joint_sum / j.complete as f64,
            n: Some(j.complete),
            correct: j.binary.then(|| j.joint_sum.round() as u64),
            flops: None,
            higher_is_better: None,
            chance: None,
        });
    }
    let dropped: Vec<DroppedRow> = problems.into_iter().map(DroppedRow::from).collect();
    let mut dataset = Dataset::of_rows(path, Format::Items, observations, rows_read);
    dataset.rows_used = rows_used;
    dataset.dropped = dropped;
    dataset.warnings = warnings;
    dataset.joint = joint;
    dataset
}

/// Score records from a JSON reader → a dataset, with `--on-error` applied to the
/// problems and every skipped record listed.
pub(super) fn scores_dataset(
    path: &str,
    format: Format,
    parsed: Parsed<ScoreRecord>,
    options: &IngestOptions,
    params: &BTreeMap<String, f64>,
) -> Result<Dataset, IngestError> {
    let Parsed { records, skipped, mut problems } = parsed;
    let rows_read = (records.len() + skipped.len() + problems.len()) as u64;
    let mut observations = Vec::with_capacity(records.len());
    let mut dropped: Vec<DroppedRow> = skipped.into_iter().map(skipped_row).collect();
    let mut locations = Vec::with_capacity(records.len());
    let mut scales = Scales::default();
    for r in records {
        let at = (r.file.clone(), r.column);
        match score_observation(r, options, params, &mut scales) {
            Ok(o) => {
                observations.push(o);
                locations.push(at);
            }
            Err(p) => problems.push(p),
        }
    }
    if let Some(message) = super::meta::unknown_percent_metrics(&options.percent_metrics, &scales.names()) {
        return Err(IngestError::Header { path: path.into(), message });
    }
    let (observations, locations) = super::meta::drop_conflicts(observations, locations, &mut problems);
    let (observations, conflicts) = check_scores(observations, &locations);
    problems.extend(conflicts);
    // Scores on another scale are never dropped one by one: the rest would be misread.
    let judged = scales.judge();
    if !problems.is_empty() && (options.on_error == OnError::Fail || judged.any()) {
        judged.fold_into(&mut problems);
        return Err(IngestError::Problems(problems));
    }
    dropped.extend(problems.into_iter().map(DroppedRow::from));
    let mut dataset = Dataset::of_rows(path, format, observations, rows_read);
    dataset.dropped = dropped;
    Ok(dataset)
}

/// Scores that are each valid but contradict one another: the same (model, task,
/// subtask, metric, shots) twice, or one model with two sizes. The later one is the
/// problem; the first is kept.
fn check_scores(
    observations: Vec<Observation>,
    locations: &[(String, Option<usize>)],
) -> (Vec<Observation>, Vec<Problem>) {
    type Key = (String, String, Option<String>, String, Option<String>);
    let mut seen: BTreeMap<Key, (String, u64)> = BTreeMap::new();
    let mut sizes: BTreeMap<String, (f64, String, u64)> = BTreeMap::new();
    let mut kept = Vec::with_capacity(observations.len());
    let mut problems = Vec::new();
    for (o, (file, column)) in observations.into_iter().zip(locations) {
        let key = (o.model.clone(), o.task.clone(), o.subtask.clone(), o.metric.clone(), o.shots.clone());
        let problem =
            |message: String| Problem { file: file.clone(), line: o.line, column: *column, message };
        if let Some((f, l)) = seen.get(&key) {
            problems.push(problem(format!(
                "model {:?}, task {:?}, subtask {:?}, metric {:?}, shots {:?} was already read at {f}:{l}; keep one",
                o.model,
                o.task,
                o.subtask.as_deref().unwrap_or(""),
                o.metric,
                o.shots.as_deref().unwrap_or("")
            )));
            continue;
        }
        if let Some((p, f, l)) = sizes.get(&o.model) {
            if *p != o.params {
                problems.push(problem(format!(
                    "model {:?} has {} parameters here (subtask {:?}) but {} at {f}:{l}; one model has one size: \
                     fix the params, or set it with --params-file",
                    o.model,
                    crate::units::fmt_params(o.params),
                    o.subtask.as_deref().unwrap_or(""),
                    crate::units::fmt_params(*p)
                )));
                continue;
            }
        } else {
            sizes.insert(o.model.clone(), (o.params, file.clone(), o.line));
        }
        seen.insert(key, (file.clone(), o.line));
        kept.push(o);
    }
    (kept, problems)
}

fn skipped_row(s: Skipped) -> DroppedRow {
    DroppedRow { file: s.file, line: s.line, column: None, reason: s.reason }
}

fn score_observation(
    r: ScoreRecord,
    options: &IngestOptions,
    params: &BTreeMap<String, f64>,
    scales: &mut Scales,
) -> Result<Observation, Problem> {
    let problem = |message: String| Problem { file: r.file.clone(), line: r.line, column: r.column, message };
    let size = params.get(&r.model).copied().or(r.params);
    let Some(size) = size.filter(|p| p.is_finite() && *p > 0.0) else {
        return Err(problem(format!(
            "model {:?}: no parameter count in the file or the model name; give one with --params-file (CSV: model,params)",
            r.model
        )));
    };
    let percent = options.percent || options.percent_metrics.contains(&r.metric);
    scales.seen(&r.metric);
    if !percent && r.score.is_finite() {
        scales.note(&r.metric, r.line, r.score);
    }
    let scale = if percent { 100.0 } else { 1.0 };
    if !r.score.is_finite() || r.score < 0.0 || r.score > scale {
        let hint = if options.percent {
            "with --percent scores lie in [0, 100]".to_string()
        } else if percent {
            format!("with --percent-metric {} its scores lie in [0, 100]", r.metric)
        } else if r.score > 1.0 && r.score <= 100.0 {
            "scores are fractions in [0, 1]; if they are percentages, pass --percent".to_string()
        } else {
            "scores are fractions in [0, 1]".to_string()
        };
        return Err(problem(format!(
            "metric {:?}: score {} is outside the range; {hint}",
            r.metric, r.score
        )));
    }
    Ok(Observation {
        line: r.line,
        model: r.model,
        params: size,
        task: r.task,
        subtask: r.subtask,
        family: r.family.unwrap_or_else(|| "all".into()),
        metric: r.metric,
        shots: r.shots,
        score: r.score / scale,
        n: r.n,
        correct: None,
        flops: None,
        higher_is_better: r.higher_is_better,
        chance: r.chance,
    })
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
