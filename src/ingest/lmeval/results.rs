//! lm-evaluation-harness results files (0.3 and 0.4+) → [`ScoreRecord`]s; see the module
//! header of `lmeval` for the decisions.

use std::collections::HashMap;

use serde::de::IgnoredAny;
use serde_json::{Map, Value};

use super::super::json_text::{bare_token, decode, describe, json_detail, parse_json, scan, Step};
use super::super::record::{Parsed, Problem, RunKey, ScoreRecord, Skipped};
use super::super::text::strip_bom;
use super::run::{run_from, split_prefix, Groups};
use super::{judge, metric_name, problem, with_filter, Verdict};

/// Keys of a results entry that describe the task rather than score it.
const BOOKKEEPING: [&str; 4] = ["alias", "name", "sample_len", "sample_count"];

/// Whether the bytes look like a harness results file (0.3 or 0.4): a JSON object with a
/// `"results"` key and a `"config"` or `"versions"` key, whatever they hold, so that
/// [`parse_results`] reports an empty or malformed `"results"` where it is. Only the
/// top-level keys are kept (values are checked for syntax, not built). Invalid JSON still
/// counts when it starts with `{` and mentions `"results"` and a stderr key, so that a
/// truncated results file is reported rather than ignored.
pub fn is_results(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(strip_bom(bytes)) else { return false };
    match parse_json::<HashMap<String, IgnoredAny>>(text) {
        Ok(root) => {
            root.contains_key("results") && (root.contains_key("config") || root.contains_key("versions"))
        }
        Err(_) => {
            text.trim_start().starts_with('{') && text.contains("\"results\"") && text.contains("_stderr")
        }
    }
}

/// Parses one results file. `file` is only used in messages.
pub fn parse_results(file: &str, bytes: &[u8]) -> Parsed<ScoreRecord> {
    let mut out = Parsed::default();
    let (text, root, (run, bad_count)) =
        match load(file, bytes).and_then(|(t, root)| Ok((t, run_from(file, &root)?, root))) {
            Ok((text, run, root)) => (text, root, run),
            Err(p) => {
                out.problems.push(p);
                return out;
            }
        };
    let at = locate(text);
    // A bad stated size is reported once; without a size from the name, the scores are
    // skipped with that reason rather than each reported as having no size.
    let no_size = match bad_count {
        Some(message) => {
            let p = count_problem(file, &at, message);
            let reason = format!(
                "not read: config.model_num_parameters (line {}) is not a parameter count and the \
                 model name {:?} carries no size",
                p.line, run.model
            );
            out.problems.push(p);
            run.params.is_none().then_some(reason)
        }
        None => None,
    };
    out.problems.extend(at.duplicates.iter().map(|(l, c, m)| problem(file, *l, Some(*c), m.clone())));
    let empty = Map::new();
    let results = root.get("results").and_then(Value::as_object).unwrap_or(&empty);
    if results.is_empty() {
        let (line, column) = at.top.get("results").copied().unwrap_or((0, 0));
        let message = "\"results\" is empty: the run saved no scores; re-run the evaluation, or remove \
                       this file from the input";
        out.problems.push(problem(file, line, Some(column).filter(|&c| c > 0), message));
    }
    let groups = Groups::of(&root);
    let samples = root.get("n-samples").and_then(Value::as_object).unwrap_or(&empty);
    for (task, entry) in results {
        let (task_line, task_column) = at.tasks.get(task).copied().unwrap_or((0, 0));
        let Some(entry) = entry.as_object() else {
            let message = format!(
                "task {task:?} is {}, not an object of metric → score: write it as \
                 {{\"<metric>\": <score>}}, or remove the task",
                describe(entry)
            );
            out.problems.push(problem(file, task_line, Some(task_column).filter(|&c| c > 0), message));
            continue;
        };
        let (record_task, subtask) = match (groups.top.get(task), split_prefix(task)) {
            (Some(_), Some((group, subject))) if !groups.v04 => {
                (group.to_string(), Some(subject.to_string()))
            }
            (Some(group), _) if !groups.members.contains_key(task) => (group.clone(), Some(task.clone())),
            _ => (task.clone(), None),
        };
        let n_of = |m: &Value| m.get("effective").or_else(|| m.get("original")).and_then(Value::as_u64);
        let n = samples.get(task).and_then(n_of).or_else(|| entry.get("sample_len").and_then(Value::as_u64));
        for (key, value) in entry.iter().filter(|(k, _)| !BOOKKEEPING.contains(&k.as_str())) {
            let (line, column) =
                at.keys.get(&(task.clone(), key.clone())).copied().unwrap_or((task_line, task_column));
            let column = Some(column).filter(|&c| c > 0);
            let (base, filter) = key.split_once(',').map_or((key.as_str(), None), |(b, f)| (b, Some(f)));
            let metric = metric_name(base, filter);
            let stderr_key = with_filter(&format!("{base}_stderr"), filter);
            let written = at.after.get(&(task.clone(), key.clone())).and_then(|&i| bare_token(text, i));
            let verdict = match base.strip_suffix("_stderr") {
                Some(of) if entry.contains_key(&with_filter(of, filter)) => continue,
                Some(of) => Verdict::Skip(format!("{key:?} is a standard error without its metric {of:?}")),
                None => judge(&metric, base, value, written),
            };
            let score = match verdict {
                Verdict::Rate(score) => score,
                Verdict::Skip(reason) => {
                    out.skipped.push(Skipped { file: file.to_string(), line, reason });
                    continue;
                }
                Verdict::Bad(message) => {
                    out.problems.push(problem(file, line, column, message));
                    continue;
                }
            };
            let stderr = match entry.get(&stderr_key) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if s == "N/A" => None,
                Some(Value::Number(n)) if n.as_f64().is_some_and(|s| s >= 0.0) => {
                    n.as_f64().filter(|&s| s > 0.0)
                }
                Some(v) => {
                    let message =
                        format!("{stderr_key:?} is {}: write a standard error ≥ 0 or \"N/A\"", describe(v));
                    // The stderr's own key, not its metric's: it may be on another line.
                    let (line, column) = at
                        .keys
                        .get(&(task.clone(), stderr_key.clone()))
                        .map_or((line, column), |&(l, c)| (l, Some(c).filter(|&c| c > 0)));
                    out.problems.push(problem(file, line, column, message));
                    continue;
                }
            };
            if let Some(reason) = &no_size {
                out.skipped.push(Skipped { file: file.to_string(), line, reason: reason.clone() });
                continue;
            }
            out.records.push(ScoreRecord {
                file: file.to_string(),
                line,
                column,
                key: RunKey {
                    model: run.model.clone(),
                    params: run.params,
                    task: record_task.clone(),
                    family: run.family.clone(),
                    metric,
                    shots: run.shots.get(task).cloned(),
                },
                subtask: subtask.clone(),
                score,
                stderr,
                n,
                higher_is_better: direction_of(&root, task, base),
                chance: chance_of(&root, task, base),
            });
        }
    }
    out
}

/// `higher_is_better[task][metric]` (0.4), when the file gives it as a boolean.
fn direction_of(root: &Map<String, Value>, task: &str, base: &str) -> Option<bool> {
    root.get("higher_is_better")?.get(task)?.get(base)?.as_bool()
}

/// Metrics whose chance level is 1/choices: the share of items on which a uniform guess
/// among the choices is right.
const CHOICE_RATES: [&str; 2] = ["acc", "acc_norm"];

/// The chance level of `acc` and `acc_norm` of a multiple-choice task whose config lists
/// its choices (`configs[task].doc_to_choice` a list, as in `["no", "yes"]`): 1/choices.
/// Choices written as a template (`{{choices}}`) vary by document and say nothing here.
fn chance_of(root: &Map<String, Value>, task: &str, base: &str) -> Option<f64> {
    if !CHOICE_RATES.contains(&base) || direction_of(root, task, base) == Some(false) {
        return None;
    }
    let config = root.get("configs")?.get(task)?;
    if config.get("output_type")?.as_str()? != "multiple_choice" {
        return None;
    }
    let choices = config.get("doc_to_choice")?.as_array()?.len();
    (choices >= 2).then(|| 1.0 / choices as f64)
}

/// The problem of a bad `config.model_num_parameters`, at its key.
pub(super) fn count_problem(file: &str, at: &Locations, message: String) -> Problem {
    let (line, column) = at.config.get("model_num_parameters").copied().unwrap_or((0, 0));
    problem(file, line, Some(column).filter(|&c| c > 0), message)
}

/// Decodes and parses a results file, checking the shape every caller relies on.
pub(super) fn load<'a>(file: &str, bytes: &'a [u8]) -> Result<(&'a str, Map<String, Value>), Problem> {
    let text = decode(file, bytes)?;
    if text.trim().is_empty() {
        return Err(problem(file, 0, None, "the file is empty: expected a harness results JSON object"));
    }
    let root = parse_json::<Value>(text).map_err(|e| {
        let detail = json_detail(&e);
        let advice = if e.is_eof() {
            "the file ends early: re-run the evaluation or restore it"
        } else {
            "fix the file"
        };
        let message = format!("not valid JSON ({detail}); {advice}");
        problem(file, e.line() as u64, Some(e.column()).filter(|&c| c > 0), message)
    })?;
    let found = match root {
        Value::Object(root) => match root.get("results") {
            Some(Value::Object(_)) => return Ok((text, root)),
            Some(other) => format!("\"results\" is {}", describe(other)),
            None => "no \"results\"".to_string(),
        },
        other => describe(&other),
    };
    let (line, column) = locate(text).top.get("results").copied().unwrap_or((0, 0));
    let message = format!(
        "expected a JSON object with a \"results\" object of task → metrics, found {found}; check \
         that this is lm-evaluation-harness output"
    );
    Err(problem(file, line, Some(column).filter(|&c| c > 0), message))
}

/// Positions (line, byte column) of the keys messages point at.
#[derive(Default)]
pub(super) struct Locations {
    /// Top-level keys.
    pub(super) top: HashMap<String, (u64, usize)>,
    /// Keys of `config`.
    pub(super) config: HashMap<String, (u64, usize)>,
    pub(super) tasks: HashMap<String, (u64, usize)>,
    pub(super) keys: HashMap<(String, String), (u64, usize)>,
    /// Byte offset just after each key of `keys` (where its value follows).
    pub(super) after: HashMap<(String, String), usize>,
    pub(super) duplicates: Vec<(u64, usize, String)>,
}

/// Scans valid JSON text for the top-level keys, the keys of `config`, of `results` and
/// of each `results[task]`.
pub(super) fn locate(text: &str) -> Locations {
    let mut at = Locations::default();
    scan(text, |spot| {
        let (Some(Step::Key(key)), true) = (spot.path.last(), spot.key) else { return };
        let name = |step: Option<&Step>| match step {
            Some(Step::Key(key)) => key.clone(),
            _ => String::new(),
        };
        let (under, task, pos) = (name(spot.path.first()), name(spot.path.get(1)), (spot.line, spot.column));
        let duplicate = match (spot.path.len(), under.as_str()) {
            (1, _) => {
                at.top.entry(key.clone()).or_insert(pos);
                None
            }
            (2, "config") => {
                at.config.insert(key.clone(), pos);
                None
            }
            (2, "results") if at.tasks.insert(key.clone(), pos).is_some() => {
                at.keys.retain(|(t, _), _| t != key);
                at.after.retain(|(t, _), _| t != key);
                Some(format!("task {key:?} appears twice in \"results\""))
            }
            (3, "results") => {
                at.after.insert((task.clone(), key.clone()), spot.after);
                at.keys
                    .insert((task.clone(), key.clone()), pos)
                    .map(|_| format!("key {key:?} appears twice in results[{task:?}]"))
            }
            _ => None,
        };
        if let Some(d) = duplicate {
            at.duplicates.push((pos.0, pos.1, d + "; JSON keeps only the last: remove one"));
        }
    });
    at
}
