//! One validator builds the [`Dataset`] of every reader: tidy rows (`row.rs` checks
//! each row's cells), score records (lm-evaluation-harness results, BIG-bench scores,
//! wide tables), item records (harness sample logs) and aggregated item-level rows.
//! `--params-file` sizes (`params_file.rs`), score ranges, scales, contradictions and
//! `--on-error` are applied here, once.

mod params_file;
mod row;

use std::collections::BTreeMap;

use super::items::{self, ItemData, ItemSource};
use super::meta::{self, Scales};
use super::record::{ItemRecord, Parsed, Problem, RunKey, ScoreRecord, Skipped};
use super::rules::{OneRow, OneSize};
use super::tidy::TidyTable;
use super::{Dataset, DroppedRow, Format, IngestError, IngestOptions, Observation, OnError, Role};
use crate::warnings::Warning;

pub(super) use params_file::params_file;

/// A tidy table's rows → a dataset: each row checked, then the rows against one another;
/// every problem is listed, by line and column. With `--on-error skip` each row with a
/// problem is left out once, with all its problems.
pub(super) fn tidy_dataset(
    path: &str,
    default_task: &str,
    table: TidyTable,
    options: &IngestOptions,
) -> Result<Dataset, IngestError> {
    let TidyTable { columns, rows, problems: mut errors, rows_read } = table;
    let mut observations = Vec::with_capacity(rows.len());
    let mut scales = Scales::default();
    for row in rows {
        match row::row_observation(path, row, &columns, default_task, options, &mut scales) {
            Ok(o) => observations.push(o),
            Err(mut row_errors) => errors.append(&mut row_errors),
        }
    }
    if let Some(message) = meta::unknown_percent_metrics(&options.percent_metrics, &scales.names()) {
        return Err(IngestError::Header { path: path.into(), message });
    }
    let judged = scales.judge();
    row::explain_scales(path, &scales, &judged, columns.number(Role::Score), &mut errors);
    errors.extend(check_rows(path, &observations));
    errors.extend(
        meta::conflicts(&observations, |i| format!("line {}", observations[i].line)).into_iter().map(|c| {
            Problem {
                file: path.into(),
                line: observations[c.index].line,
                column: columns.number(c.role),
                message: format!("column {:?}: {}", columns.header(c.role), c.message),
            }
        }),
    );
    // Rows are read in order but checked in passes: list the problems by place.
    errors.sort_by_key(|e| (e.line, e.column));
    // Scores on another scale are never dropped row by row: the rest would be misread.
    if !errors.is_empty() && (options.on_error == OnError::Fail || judged.any()) {
        return Err(IngestError::Problems(errors));
    }
    let mut reasons: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for e in errors {
        let at = e.column.map_or(String::new(), |c| format!("column {c}: "));
        reasons.entry(e.line).or_default().push(format!("{at}{}", e.message));
    }
    observations.retain(|o| !reasons.contains_key(&o.line));
    let mut dataset = Dataset::of_rows(path, Format::Tidy, observations, rows_read);
    dataset.dropped = reasons
        .into_iter()
        .map(|(line, reasons)| DroppedRow {
            file: path.into(),
            line,
            column: None,
            reason: reasons.join("; "),
        })
        .collect();
    Ok(dataset)
}

/// Item records from the harness's sample logs → a dataset: `--params-file` sizes first,
/// then the item aggregation; what the logs skipped or could not read is listed.
pub(super) fn samples_dataset(
    path: &str,
    parsed: Parsed<ItemRecord>,
    options: &IngestOptions,
) -> Result<Dataset, IngestError> {
    let Parsed { mut records, skipped, problems } = parsed;
    if !problems.is_empty() && options.on_error == OnError::Fail {
        return Err(IngestError::Problems(problems));
    }
    let params = params_file(options)?;
    for r in &mut records {
        if let Some(p) = params.get(&r.key.model) {
            r.key.params = Some(*p);
        }
    }
    if let Some(r) = records.iter().find(|r| r.key.params.is_none()) {
        return Err(IngestError::Problems(vec![Problem {
            file: r.file.clone(),
            line: r.line,
            column: None,
            message: format!(
                "model {:?}: no parameter count in the results file or the model name; give one with --params-file (CSV: model,params)",
                r.key.model
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

/// Item-level rows → a dataset: one observation per (model, subtask) with its counts,
/// and one task-level observation per model with the joint outcome.
pub(super) fn item_data_to_dataset(path: &str, data: ItemData) -> Dataset {
    let ItemData { rates, joint, rows_read, rows_used, problems } = data;
    let mut observations = Vec::with_capacity(rates.len() + joint.len());
    for r in &rates {
        observations.push(aggregate(&r.key, Some(r.subtask.clone()), r.sum, r.n, r.binary));
    }
    let mut warnings = Vec::new();
    for j in &joint {
        if j.complete == 0 {
            warnings.push(Warning::new(
                "no-complete-items",
                format!(
                    "model {:?}, task {:?}: no item has all {} subtasks, so the joint outcome is unknown; \
                     check that items share ids across subtasks (--join-on)",
                    j.key.model,
                    j.key.task,
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
                    j.key.model,
                    j.key.task,
                    j.items - j.complete,
                    j.items,
                    j.subtasks.len(),
                    j.complete
                ),
            ));
        }
        observations.push(aggregate(&j.key, None, j.joint_sum, j.complete, j.binary));
    }
    let dropped: Vec<DroppedRow> = problems.into_iter().map(DroppedRow::from).collect();
    let mut dataset = Dataset::of_rows(path, Format::Items, observations, rows_read);
    dataset.rows_used = rows_used;
    dataset.dropped = dropped;
    dataset.warnings = warnings;
    dataset.joint = joint;
    dataset
}

/// The observation of an aggregate of item-level rows (line 0: it has many): a subtask's
/// rate, or with no subtask the joint outcome.
fn aggregate(key: &RunKey<f64>, subtask: Option<String>, sum: f64, n: u64, binary: bool) -> Observation {
    Observation {
        n: Some(n),
        correct: binary.then(|| sum.round() as u64),
        ..observation(0, key.clone(), subtask, sum / n as f64)
    }
}

/// The observation of a score of `key` read at `line`, with nothing else known.
fn observation(line: u64, key: RunKey<f64>, subtask: Option<String>, score: f64) -> Observation {
    Observation {
        line,
        key,
        subtask,
        score,
        n: None,
        correct: None,
        flops: None,
        higher_is_better: None,
        chance: None,
    }
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
    if let Some(message) = meta::unknown_percent_metrics(&options.percent_metrics, &scales.names()) {
        return Err(IngestError::Header { path: path.into(), message });
    }
    let (observations, locations) = meta::drop_conflicts(observations, locations, &mut problems);
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
    let (mut rows, mut sizes) = (OneRow::new(), OneSize::new());
    let mut keep = Vec::with_capacity(observations.len());
    let mut problems = Vec::new();
    for (o, (file, column)) in observations.iter().zip(locations) {
        let problem =
            |message: String| Problem { file: file.clone(), line: o.line, column: *column, message };
        if let Some((f, l)) = rows.first(o) {
            problems.push(problem(format!(
                "model {:?}, task {:?}, subtask {:?}, metric {:?}, shots {:?} was already read at {f}:{l}; keep one",
                o.key.model,
                o.key.task,
                o.subtask.as_deref().unwrap_or(""),
                o.key.metric,
                o.key.shots.as_deref().unwrap_or("")
            )));
            keep.push(false);
            continue;
        }
        if let Some((p, (f, l))) = sizes.other(&o.key.model, o.key.params, (file.as_str(), o.line)) {
            problems.push(problem(format!(
                "model {:?} has {} parameters here (subtask {:?}) but {} at {f}:{l}; one model has one size: \
                 fix the params, or set it with --params-file",
                o.key.model,
                crate::units::fmt_params(o.key.params),
                o.subtask.as_deref().unwrap_or(""),
                crate::units::fmt_params(*p)
            )));
            keep.push(false);
            continue;
        }
        rows.note(o, (file.as_str(), o.line));
        keep.push(true);
    }
    let kept = observations.into_iter().zip(keep).filter_map(|(o, keep)| keep.then_some(o)).collect();
    (kept, problems)
}

/// Tidy rows that are each valid but contradict one another: the same (model, task,
/// subtask, metric, shots) twice, or one model with two sizes. Every row is checked
/// for both.
fn check_rows(path: &str, observations: &[Observation]) -> Vec<Problem> {
    let mut errors = Vec::new();
    let (mut rows, mut sizes) = (OneRow::new(), OneSize::new());
    for o in observations {
        if let Some(first) = rows.first(o) {
            errors.push(Problem {
                file: path.into(),
                line: o.line,
                column: None,
                message: format!(
                    "duplicate of line {first}: model {:?}, task {:?}, subtask {:?}, metric {:?} appear twice; keep one row",
                    o.key.model,
                    o.key.task,
                    o.subtask.as_deref().unwrap_or(""),
                    o.key.metric
                ),
            });
        }
        rows.note(o, o.line);
        if let Some(&(p, first)) = sizes.other(&o.key.model, o.key.params, o.line) {
            errors.push(Problem {
                file: path.into(),
                line: o.line,
                column: None,
                message: format!(
                    "model {:?} has params {} here but {} on line {first}; one model has one size",
                    o.key.model,
                    crate::units::fmt_params(o.key.params),
                    crate::units::fmt_params(p)
                ),
            });
        }
    }
    errors
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
    let metric = &r.key.metric;
    let size = params.get(&r.key.model).copied().or(r.key.params);
    let Some(size) = size.filter(|p| p.is_finite() && *p > 0.0) else {
        return Err(problem(format!(
            "model {:?}: no parameter count in the file or the model name; give one with --params-file (CSV: model,params)",
            r.key.model
        )));
    };
    let percent = options.percent || options.percent_metrics.contains(metric);
    scales.seen(metric);
    if !percent && r.score.is_finite() {
        scales.note(metric, r.line, r.score);
    }
    let scale = if percent { 100.0 } else { 1.0 };
    if !r.score.is_finite() || r.score < 0.0 || r.score > scale {
        let hint = if options.percent {
            "with --percent scores lie in [0, 100]".to_string()
        } else if percent {
            format!("with --percent-metric {metric} its scores lie in [0, 100]")
        } else if r.score > 1.0 && r.score <= 100.0 {
            "scores are fractions in [0, 1]; if they are percentages, pass --percent".to_string()
        } else {
            "scores are fractions in [0, 1]".to_string()
        };
        return Err(problem(format!("metric {metric:?}: score {} is outside the range; {hint}", r.score)));
    }
    let RunKey { model, task, family, metric, shots, .. } = r.key;
    let key =
        RunKey { model, params: size, task, family: family.unwrap_or_else(|| "all".into()), metric, shots };
    Ok(Observation {
        n: r.n,
        higher_is_better: r.higher_is_better,
        chance: r.chance,
        ..observation(r.line, key, r.subtask, r.score / scale)
    })
}
