//! lm-evaluation-harness 0.4 per-sample logs (`samples_<task>_<date>.jsonl`) →
//! [`ItemRecord`]s; see the module header of `lmeval` for the decisions.

use serde_json::{Map, Value};

use super::super::json_text::{bare_token, describe, json_detail, parse_json};
use super::super::record::{ItemRecord, Parsed, RunKey, Skipped};
use super::super::text::strip_bom;
use super::run::{render, RunInfo};
use super::{judge, metric_name, problem, Verdict, RATES};

/// Whether a file name is a 0.4 per-sample log: `samples_<task>_<date>.jsonl`.
pub fn is_samples_name(file_name: &str) -> bool {
    task_from_samples_name(file_name).is_some()
}

/// The task in a per-sample log's name (`samples_toy_add_mc_2024-05-01T12-00-00.1.jsonl`
/// → `toy_add_mc`): task names may hold `_`, the date (starting with a digit) does not.
pub fn task_from_samples_name(file_name: &str) -> Option<&str> {
    let stem = file_name.strip_prefix("samples_")?.strip_suffix(".jsonl")?;
    let (task, date) = stem.rsplit_once('_')?;
    (date.starts_with(|c: char| c.is_ascii_digit()) && !task.is_empty()).then_some(task)
}

/// Parses one `samples_<task>_*.jsonl` into item records, one per line and metric (filters
/// and metrics as in the module header). Items are keyed by `doc_id`, or with `join_on`
/// (`"doc.question"` or `"question"`; dots reach nested fields) by that field of `doc`:
/// strings as written, numbers canonically (`3.0` → `3`). Blank lines are ignored.
pub fn parse_samples(
    file: &str,
    bytes: &[u8],
    task: &str,
    run: &RunInfo,
    join_on: Option<&str>,
) -> Parsed<ItemRecord> {
    let mut out = Parsed::default();
    let mut lines: Vec<(u64, Map<String, Value>, &str)> = Vec::new();
    for (i, raw) in strip_bom(bytes).split(|&b| b == b'\n').enumerate() {
        let line = i as u64 + 1;
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let (column, message) = match std::str::from_utf8(raw).map(|t| (t, parse_json::<Value>(t))) {
            Ok((text, Ok(Value::Object(m)))) => {
                lines.push((line, m, text));
                continue;
            }
            Ok((_, Ok(v))) => (
                None,
                format!(
                    "expected one JSON object per line, found {}; remove the line, or re-run the \
                     evaluation to rewrite the log",
                    describe(&v)
                ),
            ),
            // The line is a document of its own: serde's "line 1" would contradict ours.
            Ok((_, Err(e))) if e.is_eof() => (
                Some(e.column()).filter(|&c| c > 0),
                format!(
                    "invalid JSON ({}): the line ends early, is the file truncated? re-run the \
                     evaluation, or remove the damaged line",
                    json_detail(&e)
                ),
            ),
            Ok((_, Err(e))) => (
                Some(e.column()).filter(|&c| c > 0),
                format!("invalid JSON ({}); fix the line or remove it", json_detail(&e)),
            ),
            Err(e) => {
                (Some(e.valid_up_to() + 1), "the line is not valid UTF-8; re-save the file as UTF-8".into())
            }
        };
        out.problems.push(problem(file, line, column, message));
    }
    let chosen = match lines.iter().any(|(_, m, _)| filter_of(m) == Some("none")) {
        true => "none",
        false => lines.iter().find_map(|(_, m, _)| filter_of(m)).unwrap_or("none"),
    };
    let group = run.group_of.get(task).map_or(task, String::as_str);
    for &(line, ref m, text) in &lines {
        let skip = |reason: String| Skipped { file: file.to_string(), line, reason };
        let item = match filter_of(m) {
            None => Err("\"filter\" is not a string; the harness writes the filter's name there".to_string()),
            Some(f) if f != chosen => {
                out.skipped.push(skip(format!(
                    "filter {f:?} not read: one per task, \"none\" or the first ({chosen:?})"
                )));
                continue;
            }
            Some(_) => item_key(m, join_on),
        };
        let item = match item {
            Ok(item) => item,
            Err(message) => {
                out.problems.push(problem(file, line, None, message));
                continue;
            }
        };
        let names: Vec<String> = match (m.get("metrics").and_then(Value::as_array), run.metrics.get(task)) {
            (Some(list), _) => list.iter().filter_map(Value::as_str).map(String::from).collect(),
            (None, Some(list)) if !list.is_empty() => list.clone(),
            _ => RATES
                .split(' ')
                .filter(|r| m.get(*r).is_some_and(Value::is_number))
                .map(String::from)
                .collect(),
        };
        if names.is_empty() {
            let message = format!(
                "no score on this line: no \"metrics\" list, none for {task:?} in the results file, \
                 and none of {RATES}"
            );
            out.problems.push(problem(file, line, None, message));
        }
        for name in names {
            let metric = metric_name(&name, Some(chosen));
            let verdict = match m.get(&name) {
                None => Verdict::Bad(format!("no score for metric {metric:?}")),
                Some(v) => {
                    judge(&metric, &name, v, key_in_line(text, &name).and_then(|i| bare_token(text, i)))
                }
            };
            match verdict {
                Verdict::Rate(correct) => out.records.push(ItemRecord {
                    file: file.to_string(),
                    line,
                    key: RunKey {
                        model: run.model.clone(),
                        params: run.params,
                        task: group.to_string(),
                        family: run.family.clone(),
                        metric,
                        shots: run.shots.get(task).cloned(),
                    },
                    subtask: task.to_string(),
                    item: item.clone(),
                    correct,
                }),
                Verdict::Skip(reason) => out.skipped.push(skip(reason)),
                Verdict::Bad(message) => out.problems.push(problem(file, line, None, message)),
            }
        }
    }
    out
}

/// The item key of a sample line: `doc_id`, or the `join_on` field of `doc`.
fn item_key(m: &Map<String, Value>, join_on: Option<&str>) -> Result<String, String> {
    let (value, what) = match join_on.filter(|j| *j != "doc_id") {
        None => (m.get("doc_id"), "\"doc_id\"".to_string()),
        Some(path) => {
            let path = path.strip_prefix("doc.").unwrap_or(path);
            (
                path.split('.').try_fold(m.get("doc"), |v, part| Some(v?.get(part))).flatten(),
                format!("doc.{path}"),
            )
        }
    };
    let Some(value) = value else { return Err(format!("no {what} on this line to identify the item by")) };
    let why =
        || format!("{what} is {}: items are joined on a string or number (see --join-on)", describe(value));
    render(value).ok_or_else(why)
}

/// A sample line's filter: `none` when it names none, `None` when it is not a string.
fn filter_of(m: &Map<String, Value>) -> Option<&str> {
    m.get("filter").map_or(Some("none"), Value::as_str)
}

/// Where the first key `key` of a one-line object ends (the first occurrence of the
/// quoted key followed by `:`).
fn key_in_line(text: &str, key: &str) -> Option<usize> {
    let quoted = serde_json::to_string(key).ok()?;
    text.match_indices(&quoted)
        .map(|(i, _)| i + quoted.len())
        .find(|&end| text.get(end..).is_some_and(|r| r.trim_start().starts_with(':')))
}
