//! What a run's results file says about the run: the model, its size and family, shots
//! per task and the task → group structure.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::super::json_text::describe;
use super::super::parse_params;
use super::super::record::Problem;
use super::results::{count_problem, load, locate};
use super::{problem, SUBTASK_PREFIXES};

/// Precision tokens in model names, not part of the family (`pythia-1b-bf16`).
const DTYPES: &str = "bf16 fp16 fp32 bfloat16 float16 float32";

/// Everything the per-sample logs need from their run's results file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunInfo {
    pub model: String,
    pub params: Option<f64>,
    pub family: Option<String>,
    /// Task → shots (`"0"`, `"5"`).
    pub shots: HashMap<String, String>,
    /// Subtask → its outermost group task.
    pub group_of: HashMap<String, String>,
    /// Task → metric names from `higher_is_better`, for lines that do not list theirs.
    pub metrics: HashMap<String, Vec<String>>,
}

/// Reads what the per-sample logs of a run need from its results file. A stated
/// `model_num_parameters` that is not a count is an error here: a `Result` cannot carry
/// the problem beside the run.
pub fn run_info(file: &str, bytes: &[u8]) -> Result<RunInfo, Problem> {
    let (text, root) = load(file, bytes)?;
    match run_from(file, &root)? {
        (run, None) => Ok(run),
        (_, Some(message)) => Err(count_problem(file, &locate(text), message)),
    }
}

/// The size in a model name: the first `-`/`_`-separated token that is a number with an
/// M, B or T suffix (not K: `32k` in names is a context length), ignoring the organisation.
/// `"EleutherAI/pythia-v1.1-160m"` → 1.6e8; `"gpt2"` → `None`.
pub fn params_from_name(name: &str) -> Option<f64> {
    tokens(name).into_iter().find(|(_, t)| is_size(t)).and_then(|(_, t)| parse_params(t).ok())
}

/// The family of a model name: without the organisation, the size token and precision
/// tokens (`bf16`, …). `"meta-llama/Llama-2-7b-hf"` → `"Llama-2-hf"`; empty if nothing is left.
pub fn family_from_name(name: &str) -> String {
    let (mut size_seen, mut out) = (false, String::new());
    for (sep, token) in tokens(name) {
        if !size_seen && is_size(token) {
            size_seen = true;
        } else if !DTYPES.split(' ').any(|d| d.eq_ignore_ascii_case(token)) {
            out.push_str(if out.is_empty() { "" } else { sep });
            out.push_str(token);
        }
    }
    out
}

/// A model name without its organisation (or directory) prefix.
fn strip_org(name: &str) -> &str {
    let name = name.trim().trim_end_matches('/');
    name.rsplit('/').next().unwrap_or(name)
}

/// `(separator before, token)` pairs of a name without its organisation prefix.
fn tokens(name: &str) -> Vec<(&str, &str)> {
    let name = strip_org(name);
    let (mut out, mut start, mut sep) = (Vec::new(), 0, "");
    for (i, c) in name.char_indices().filter(|&(_, c)| c == '-' || c == '_') {
        out.push((sep, name.get(start..i).unwrap_or("")));
        (sep, start) = (if c == '-' { "-" } else { "_" }, i + 1);
    }
    out.push((sep, name.get(start..).unwrap_or("")));
    out.retain(|(_, t)| !t.is_empty());
    out
}

/// `70m`, `1.4b`, `7B`, `1T`: digits with at most one point, and an M/B/T suffix.
fn is_size(token: &str) -> bool {
    let Some(number) = token.strip_suffix(['m', 'M', 'b', 'B', 't', 'T']) else { return false };
    number.starts_with(|c: char| c.is_ascii_digit())
        && number.chars().all(|c| c.is_ascii_digit() || c == '.')
        && number.matches('.').count() <= 1
}

/// The run, and a message when `config.model_num_parameters` is stated but not a count.
pub(super) fn run_from(file: &str, root: &Map<String, Value>) -> Result<(RunInfo, Option<String>), Problem> {
    let object = |key: &str| root.get(key).and_then(Value::as_object);
    let config = object("config");
    let model = config
        .and_then(|c| c.get("model_args"))
        .and_then(model_from_args)
        .or_else(|| root.get("model_name").and_then(Value::as_str))
        .map(strip_org)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| {
            let message = "cannot tell which model was evaluated: config.model_args has no \
                           pretrained=… and there is no top-level \"model_name\"; add \
                           \"model_name\": \"<model>\" to the file";
            problem(file, 0, None, message)
        })?
        .to_string();
    let from_name = params_from_name(&model);
    let (stated, bad_count) = match config.and_then(|c| c.get("model_num_parameters")) {
        None | Some(Value::Null) => (None, None),
        // The harness's "could not count" (`get_model_num_params`).
        Some(Value::Number(n)) if n.as_f64() == Some(-1.0) => (None, None),
        Some(Value::Number(n)) if n.as_f64().is_some_and(|p| p.is_finite() && p > 0.0) => (n.as_f64(), None),
        Some(v) => {
            let found = match v {
                Value::Number(n) => n.to_string(),
                other => describe(other),
            };
            let instead = match from_name {
                Some(_) => "remove it to use the size in the model name",
                None => "remove it and pass --params-file (CSV: model,params)",
            };
            (None, Some(format!("model_num_parameters is {found}; give a positive count, or {instead}")))
        }
    };
    let params = stated.or(from_name);
    let family = Some(family_from_name(&model)).filter(|f| !f.is_empty());
    let groups = Groups::of(root);
    let default = config.and_then(|c| c.get("num_fewshot")).and_then(render);
    let mut shots = HashMap::new();
    for task in object("results").into_iter().chain(object("n-shot")).flat_map(|m| m.keys()) {
        let in_config = || object("configs")?.get(task)?.get("num_fewshot").and_then(render);
        let own = object("n-shot").and_then(|m| m.get(task)).and_then(render).or_else(in_config);
        if let Some(s) = own.or_else(|| default.clone()) {
            shots.insert(task.clone(), s);
        }
    }
    // A group without shots takes those its members agree on; nested groups take passes.
    for _ in 0..groups.members.len() {
        let newly: Vec<(String, String)> = (groups.members.iter())
            .filter(|(group, _)| !shots.contains_key(*group))
            .filter_map(|(group, members)| {
                let first = shots.get(members.first()?)?;
                members.iter().all(|m| shots.get(m) == Some(first)).then(|| (group.clone(), first.clone()))
            })
            .collect();
        if newly.is_empty() {
            break;
        }
        shots.extend(newly);
    }
    let metrics = (object("higher_is_better").into_iter().flatten())
        .filter_map(|(t, m)| Some((t.clone(), m.as_object()?.keys().cloned().collect())))
        .collect();
    Ok((RunInfo { model, params, family, shots, group_of: groups.top, metrics }, bad_count))
}

/// The model in `config.model_args`: `pretrained=` (else `model=`) of the string form
/// `pretrained=EleutherAI/pythia-70m,revision=step143000`, or of the object form.
fn model_from_args(args: &Value) -> Option<&str> {
    let pick = |key: &str| match args {
        Value::String(s) => s.split(',').find_map(|kv| kv.split_once('=').filter(|(k, _)| k.trim() == key)),
        Value::Object(m) => m.get(key).and_then(Value::as_str).map(|v| ("", v)),
        _ => None,
    };
    pick("pretrained").or_else(|| pick("model")).map(|(_, v)| v.trim()).filter(|m| !m.is_empty())
}

/// Task → subtask structure of a run.
pub(super) struct Groups {
    /// Group → its direct members (0.4 `group_subtasks` entries with members).
    pub(super) members: HashMap<String, Vec<String>>,
    /// Member → its outermost group.
    pub(super) top: HashMap<String, String>,
    /// Whether the groups come from 0.4 `group_subtasks` (else from 0.3 name prefixes).
    pub(super) v04: bool,
}

impl Groups {
    pub(super) fn of(root: &Map<String, Value>) -> Groups {
        let (mut members, mut parent) = (HashMap::new(), HashMap::new());
        let group_subtasks = root.get("group_subtasks").and_then(Value::as_object);
        for (group, subs) in group_subtasks.into_iter().flatten() {
            let subs: Vec<String> = (subs.as_array().into_iter().flatten())
                .filter_map(Value::as_str)
                .filter(|s| s != group)
                .map(String::from)
                .collect();
            for sub in &subs {
                parent.entry(sub.clone()).or_insert_with(|| group.clone());
            }
            if !subs.is_empty() {
                members.insert(group.clone(), subs);
            }
        }
        if group_subtasks.is_none() {
            for task in root.get("results").and_then(Value::as_object).into_iter().flat_map(|r| r.keys()) {
                if let Some((group, _)) = split_prefix(task) {
                    parent.insert(task.clone(), group.to_string());
                }
            }
        }
        let mut top = HashMap::new();
        for (member, first) in &parent {
            let mut group = first;
            // Bounded: a cycle in a hand-edited file must not loop forever.
            for _ in 0..parent.len() {
                match parent.get(group) {
                    Some(up) if up != member => group = up,
                    _ => break,
                }
            }
            top.insert(member.clone(), group.clone());
        }
        Groups { members, top, v04: group_subtasks.is_some() }
    }
}

/// A 0.3 task named with one of [`SUBTASK_PREFIXES`] as (task, subtask).
pub(super) fn split_prefix(task: &str) -> Option<(&'static str, &str)> {
    SUBTASK_PREFIXES
        .iter()
        .find_map(|(prefix, group)| Some((*group, task.strip_prefix(prefix).filter(|s| !s.is_empty())?)))
}

/// A string as written, a number canonically (`0`, `3`, `0.5`), a boolean as `true`/`false`.
pub(super) fn render(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9e15 => Some(format!("{}", f as i64)),
            _ => Some(n.to_string()),
        },
        _ => None,
    }
}
