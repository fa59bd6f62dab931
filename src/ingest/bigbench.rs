//! The BIG-bench reader: one `scores_<model>.json` results file → [`ScoreRecord`]s.
//!
//! The format is the one BIG-bench publishes under `bigbench/benchmark_tasks/*/results/`
//! (written by `bigbench/api/results.py`): a top-level `model` object (`model_family`,
//! `model_name`, `total_params`, …), a `scores` array of entries (`subtask_description`,
//! `number_of_shots`, `preferred_score`, `low_score`, `high_score`, `score_dict`) and an
//! optional `task` object. The field names were checked against a consumer of those
//! files, INK-USC/predicting-big-bench: `data_prep/big_bench.py` reads every `score_dict`
//! key of every entry, with `subtask_description` as `task` or `task:subtask`, and
//! `code/data/utils.py` lists each metric's range after BIG-bench's `json_task.py` (bleu,
//! rouge and `sequence_f1` on 0–100, log-likelihoods ≤ 0). BIG-bench's own sources were
//! not at hand; `tests/data/bigbench/` holds synthetic files of this shape.
//!
//! Decisions:
//! - One record per (entry, metric): every metric that is a rate in [0, 1] is kept, not
//!   only `preferred_score`, so users choose the metric later. Metrics that are not rates
//!   are skipped with the reason: by name when BIG-bench defines them on another scale
//!   (so a small model's BLEU of 0.8 is not mistaken for 80%), otherwise by value. A known
//!   rate (`multiple_choice_grade`, `exact_str_match`, …) outside [0, 1] is a problem.
//! - `model` is `"<model_family> <model_name>"`: BIG-bench reuses names such as `2m` across
//!   families (`BIG-G T=0`, `BIG-G sparse`) whose sizes differ.
//! - `params` is `total_params`; when it is absent, null or 0 (unknown), the model name is
//!   tried as a size (`2m`, `128b`).
//! - `task` and `subtask` come from `subtask_description`; the `task` object is not needed.
//! - Python writes `NaN` for a missing score, which is not JSON: such files are re-read
//!   with those tokens as `null`, and a null metric is skipped as "no score".
//! - An entry (or a whole file) whose model, description or shots cannot be read yields
//!   its problems and nothing else. Duplicate keys are problems: JSON keeps only the last.
//! - Lines and columns (1-based, columns in bytes as serde_json counts them, after any
//!   BOM) come from a scan of the raw text, since parsed JSON values carry no positions.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::json_text::{self, decode, describe, json_detail, parse_json, spreadsheet_number, Step};
use super::text::strip_bom;

use super::parse_params;
use super::record::{Parsed, Problem, RunKey, ScoreRecord, Skipped};

/// Metrics BIG-bench defines on a scale other than [0, 1], and what they are.
const NOT_RATES: &[(&str, &str)] = &[
    ("normalized_aggregate_score", "BIG-bench's aggregate on a 0-100 scale"),
    ("bleu", "on a 0-100 scale"),
    ("sequence_f1", "on a 0-100 scale"),
    ("rouge1", "on a 0-100 scale"),
    ("rouge2", "on a 0-100 scale"),
    ("rougeLsum", "on a 0-100 scale"),
    ("bleurt", "a learned similarity, not a proportion"),
    ("log_likelihood", "a log-likelihood"),
    ("log_likelihood_per_char", "a log-likelihood"),
    ("log_likelihood_per_word", "a log-likelihood"),
    ("weighted_log_probabilities", "a log-probability"),
];

/// Metrics that are fractions: a value outside [0, 1] is an error, not another scale.
const RATES: &[&str] = &[
    "multiple_choice_grade",
    "exact_str_match",
    "case_insensitive_str_match",
    "numeric_match_with_0_1_relative_error",
    "calibration_multiple_choice_brier_score",
    "expected_calibration_error",
    "macro_f1",
];

/// Whether `bytes` look like a BIG-bench scores file: a JSON object with a `model` object
/// and a `scores` array. A file that is not valid JSON still counts when it starts with
/// `{` and mentions `"model"` and `"score_dict"`, so that its syntax error is reported by
/// this reader rather than by a guess at another format.
pub fn is_bigbench(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(strip_bom(bytes)) else {
        return false;
    };
    match parse_json::<Value>(text) {
        Ok(root) => {
            root.get("model").is_some_and(Value::is_object) && root.get("scores").is_some_and(Value::is_array)
        }
        Err(_) => {
            text.trim_start().starts_with('{')
                && text.contains("\"model\"")
                && text.contains("\"score_dict\"")
        }
    }
}

/// Reads one BIG-bench scores file. `file` is only used in messages.
pub fn parse_scores(file: &str, bytes: &[u8]) -> Parsed<ScoreRecord> {
    let mut out = Parsed::default();
    let problem =
        |line: u64, column: Option<usize>, message: String| Problem::new(file, line, column, message);
    let text = match decode(file, bytes) {
        Ok(text) => text,
        Err(p) => {
            out.problems.push(p);
            return out;
        }
    };
    if text.trim().is_empty() {
        let message =
            "the file is empty: expected a BIG-bench scores JSON object with \"model\" and \"scores\"";
        out.problems.push(problem(0, None, message.into()));
        return out;
    }
    let root = match parse_json::<Value>(text) {
        Ok(root) => root,
        Err(e) => {
            let detail = json_detail(&e);
            let advice = if e.is_eof() {
                "; the file ends early: is it truncated? re-export the scores file, or restore it"
            } else {
                "; fix the JSON here"
            };
            let column = Some(e.column()).filter(|&c| c > 0);
            out.problems.push(problem(e.line() as u64, column, format!("invalid JSON: {detail}{advice}")));
            return out;
        }
    };
    let (positions, duplicates) = scan(text);
    let mut reader = Reader { file, positions, out };
    for pointer in &duplicates {
        let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
        let key = key.replace("~1", "/").replace("~0", "~");
        let message =
            format!("key {key:?} appears twice in {}; JSON keeps only the last: remove one", place(parent));
        reader.fail(pointer, message);
    }
    reader.read(&root, &duplicates.into_iter().collect());
    reader.out
}

struct Reader<'a> {
    file: &'a str,
    positions: HashMap<String, Pos>,
    out: Parsed<ScoreRecord>,
}

/// The model a file is about, as records carry it.
struct Model {
    name: String,
    family: Option<String>,
    params: Option<f64>,
}

impl Reader<'_> {
    fn read(&mut self, root: &Value, duplicates: &HashSet<String>) {
        let Some(root) = root.as_object() else {
            let found = describe(root);
            self.fail("", format!("expected a JSON object with \"model\" and \"scores\", found {found}"));
            return;
        };
        let model = match root.get("model") {
            Some(Value::Object(m)) => self.model(m),
            Some(other) => {
                self.fail("/model", format!("\"model\" must be an object, found {}", describe(other)));
                None
            }
            None => {
                self.fail("", "no \"model\" object: a BIG-bench scores file names its model there".into());
                None
            }
        };
        let entries = match root.get("scores") {
            Some(Value::Array(entries)) if entries.is_empty() => {
                let message = "\"scores\" is empty: the file holds no results to read; re-export the \
                               scores file, or remove it from the input";
                self.fail("/scores", message.into());
                return;
            }
            Some(Value::Array(entries)) => entries,
            Some(other) => {
                self.fail("/scores", format!("\"scores\" must be an array, found {}", describe(other)));
                return;
            }
            None => {
                self.fail("", "no \"scores\" array: a BIG-bench scores file lists its results there".into());
                return;
            }
        };
        for (i, entry) in entries.iter().enumerate() {
            self.entry(i, entry, model.as_ref(), duplicates);
        }
    }

    /// Field `key` of `object` (at `at`, called `label` in messages): `Ok(None)` when it is
    /// absent or null, `Err(())` once reported when `read` does not accept it.
    fn field<'v, T>(
        &mut self,
        object: &'v Map<String, Value>,
        (at, label): (&str, &str),
        key: &str,
        expected: &str,
        read: impl Fn(&'v Value) -> Option<T>,
    ) -> Result<Option<T>, ()> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => read(value).map(Some).ok_or_else(|| {
                let found = describe(value);
                self.fail(
                    &format!("{at}/{}", escape(key)),
                    format!("{label} {key:?} must be {expected}, found {found}"),
                );
            }),
        }
    }

    fn model(&mut self, m: &Map<String, Value>) -> Option<Model> {
        let at = ("/model", "model");
        let family = self.field(m, at, "model_family", "a string", |v| v.as_str().map(str::trim));
        let name = self.field(m, at, "model_name", "a non-empty string", |v| {
            v.as_str().map(str::trim).filter(|s| !s.is_empty())
        });
        if let Ok(None) = name {
            self.fail("/model", "model has no \"model_name\": add the model's name".into());
        }
        let stated = self.field(m, at, "total_params", "a positive number such as 2097152", |v| {
            v.as_f64().filter(|p| *p >= 0.0)
        });
        let (Ok(family), Ok(Some(name)), Ok(stated)) = (family, name, stated) else {
            return None;
        };
        // 0 stands for "unknown" in some files; the name may still say (`2m`, `128b`).
        let params = stated.filter(|&p| p > 0.0).or_else(|| parse_params(name).ok());
        let family = family.filter(|f| !f.is_empty()).map(str::to_string);
        let name = match &family {
            Some(f) => format!("{f} {name}"),
            None => name.to_string(),
        };
        Some(Model { name, family, params })
    }

    fn entry(&mut self, i: usize, entry: &Value, model: Option<&Model>, duplicates: &HashSet<String>) {
        let at = format!("/scores/{i}");
        let Some(entry) = entry.as_object() else {
            self.fail(&at, format!("scores[{i}] must be an object, found {}", describe(entry)));
            return;
        };
        let label = format!("scores[{i}]");
        let place = (at.as_str(), label.as_str());
        let description = match self.field(entry, place, "subtask_description", "a string", Value::as_str) {
            Ok(Some(s)) => {
                let (task, subtask) = match s.split_once(':') {
                    Some((task, subtask)) => (task.trim(), Some(subtask.trim())),
                    None => (s.trim(), None),
                };
                if task.is_empty() || subtask == Some("") {
                    let message =
                        format!("{label} \"subtask_description\": {s:?} is not \"task\" or \"task:subtask\"");
                    self.fail(&format!("{at}/subtask_description"), message);
                    None
                } else {
                    Some((task.to_string(), subtask.map(str::to_string)))
                }
            }
            Ok(None) => {
                let message = format!(
                    "{label} has no \"subtask_description\": add \"task\" or \"task:subtask\" to say what was scored"
                );
                self.fail(&at, message);
                None
            }
            Err(()) => None,
        };
        let shots = self.field(entry, place, "number_of_shots", "a whole number 0 or more", |v| {
            let s = v.as_f64().filter(|s| *s >= 0.0 && s.fract() == 0.0 && *s < 1e15)?;
            Some(format!("{}", s as u64))
        });
        let scores =
            match self.field(entry, place, "score_dict", "an object of metric: score", Value::as_object) {
                Ok(Some(d)) if d.is_empty() => {
                    let message = format!(
                    "{label} \"score_dict\" is empty: no scores; add the entry's scores, or remove the entry"
                );
                    self.fail(&format!("{at}/score_dict"), message);
                    return;
                }
                Ok(Some(d)) => d,
                Ok(None) => {
                    self.fail(&at, format!("{label} has no \"score_dict\": the entry holds no scores"));
                    return;
                }
                Err(()) => return,
            };
        // An entry that cannot be attributed yields nothing beyond its problems.
        let target = match (model, description, shots) {
            (Some(model), Some(description), Ok(shots)) => Some((model, description, shots)),
            _ => None,
        };
        for (metric, value) in scores {
            let pointer = format!("{at}/score_dict/{}", escape(metric));
            let pos = self.pos(&pointer);
            if duplicates.contains(&pointer) {
                continue;
            }
            let score = match value {
                Value::Number(n) => n.as_f64(),
                Value::Null => None,
                other => {
                    let found = describe(other);
                    let fix = other.as_str().and_then(spreadsheet_number);
                    let fix = fix.as_deref().unwrap_or("write it unquoted");
                    let message =
                        format!("{label} metric {metric:?}: expected a number, found {found}; {fix}");
                    self.fail(&pointer, message);
                    continue;
                }
            };
            let Some((model, (task, subtask), shots)) = &target else {
                continue;
            };
            let skip = |reason: String| Skipped { file: self.file.to_string(), line: pos.line, reason };
            let Some(score) = score else {
                self.out.skipped.push(skip(format!("metric {metric:?} is null or NaN: no score")));
                continue;
            };
            if let Some((_, what)) = NOT_RATES.iter().find(|(name, _)| name == metric) {
                let reason = format!("metric {metric:?} = {score} is not a rate in [0, 1]: it is {what}");
                self.out.skipped.push(skip(reason));
                continue;
            }
            if !(0.0..=1.0).contains(&score) && RATES.contains(&metric.as_str()) {
                let message = format!(
                    "{label} metric {metric:?} is {score}, outside [0, 1]; it is a fraction: check the file was not \
                     edited or rescaled to percent"
                );
                self.fail(&pointer, message);
                continue;
            }
            if !(0.0..=1.0).contains(&score) {
                let reason = format!("metric {metric:?} = {score} is not a rate in [0, 1]");
                self.out.skipped.push(skip(reason));
                continue;
            }
            self.out.records.push(ScoreRecord {
                file: self.file.to_string(),
                line: pos.line,
                column: Some(pos.column).filter(|&c| c > 0),
                key: RunKey {
                    model: model.name.clone(),
                    params: model.params,
                    task: task.clone(),
                    family: model.family.clone(),
                    metric: metric.clone(),
                    shots: shots.clone(),
                },
                subtask: subtask.clone(),
                score,
                stderr: None,
                n: None,
                higher_is_better: None,
                chance: None,
            });
        }
    }

    /// Where the value at `pointer` (or the nearest enclosing one the scan saw) is written.
    fn pos(&self, pointer: &str) -> Pos {
        let mut p = pointer;
        loop {
            if let Some(&pos) = self.positions.get(p) {
                return pos;
            }
            match p.rfind('/') {
                Some(i) => p = p.get(..i).unwrap_or(""),
                None => return Pos { line: 0, column: 0 },
            }
        }
    }

    fn fail(&mut self, pointer: &str, message: String) {
        let pos = self.pos(pointer);
        self.out.problems.push(Problem {
            file: self.file.to_string(),
            line: pos.line,
            column: Some(pos.column).filter(|&c| c > 0),
            message,
        });
    }
}

/// A 1-based line and byte column.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pos {
    line: u64,
    column: usize,
}

/// Only the first levels are indexed: `/scores/7/score_dict/exact_str_match` is the deepest
/// position messages need, and nested details (e.g. `decoding_params`) can be large.
const MAX_DEPTH: usize = 4;

/// Positions by JSON Pointer (RFC 6901): for object members the position of the key, for
/// array elements where the element starts.
/// Also returns the pointers of keys that appear twice in one object.
fn scan(text: &str) -> (HashMap<String, Pos>, Vec<String>) {
    let mut at: HashMap<String, Pos> = HashMap::new();
    let mut duplicates = Vec::new();
    json_text::scan(text, |spot| {
        if spot.path.len() > MAX_DEPTH {
            return;
        }
        let pointer: String = spot
            .path
            .iter()
            .map(|step| match step {
                Step::Key(key) => format!("/{}", escape(key)),
                Step::Index(index) => format!("/{index}"),
            })
            .collect();
        let pos = Pos { line: spot.line, column: spot.column };
        if !spot.key {
            at.entry(pointer).or_insert(pos);
        } else if at.insert(pointer.clone(), pos).is_some() {
            duplicates.push(pointer);
        }
    });
    (at, duplicates)
}

/// A JSON Pointer as messages show it: `/scores/3/score_dict` → `scores[3].score_dict`.
fn place(pointer: &str) -> String {
    let mut out = String::new();
    for part in pointer.split('/').skip(1) {
        if part.parse::<usize>().is_ok() {
            out.push_str(&format!("[{part}]"));
        } else {
            let part = part.replace("~1", "/").replace("~0", "~");
            out.push_str(&format!("{}{part}", if out.is_empty() { "" } else { "." }));
        }
    }
    if out.is_empty() {
        "the top-level object".into()
    } else {
        out
    }
}

/// A key as a JSON Pointer reference token (RFC 6901 §4).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &[u8] = include_bytes!("../../tests/data/bigbench/scores_Fixture-LM_T=0_2m.json");
    const MEDIUM: &[u8] = include_bytes!("../../tests/data/bigbench/scores_Fixture-LM_T=0_125m.json");
    const LARGE: &[u8] = include_bytes!("../../tests/data/bigbench/scores_Fixture-LM_T=0_8b.json");

    /// A minimal file around one entry, for the malformed cases.
    fn doc(model: &str, entry: &str) -> String {
        format!("{{\n  \"model\": {{{model}}},\n  \"scores\": [\n    {{{entry}}}\n  ]\n}}\n")
    }
    const MODEL: &str = r#""model_family": "F", "model_name": "2m", "total_params": 2000000"#;
    const ENTRY: &str = r#""number_of_shots": 0, "subtask_description": "t:s", "score_dict": {"acc": 0.5}"#;

    fn problems(bytes: &[u8]) -> Vec<(u64, Option<usize>, String)> {
        parse_scores("f.json", bytes).problems.into_iter().map(|p| (p.line, p.column, p.message)).collect()
    }

    #[test]
    fn reads_the_fixture() {
        let parsed = parse_scores("s.json", SMALL);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        // 2 task-level entries × 1 rate + 4 subtask entries × 3 rates; the skipped are one
        // normalized_aggregate_score per task-level entry and one log_likelihood per subtask entry.
        assert_eq!((parsed.records.len(), parsed.skipped.len()), (14, 6));
        let first = &parsed.records[0];
        let expected = ScoreRecord {
            file: "s.json".into(),
            line: 21,
            column: Some(9),
            key: RunKey {
                model: "Fixture-LM T=0 2m".into(),
                params: Some(2e6),
                task: "synthetic_format_fixture".into(),
                family: Some("Fixture-LM T=0".into()),
                metric: "multiple_choice_grade".into(),
                shots: Some("0".into()),
            },
            subtask: None,
            score: 0.275,
            stderr: None,
            n: None,
            higher_is_better: None,
            chance: None,
        };
        assert_eq!(first, &expected);
        let two_digit = &parsed.records[3];
        assert_eq!((two_digit.line, two_digit.column), (35, Some(9)));
        assert_eq!(two_digit.subtask.as_deref(), Some("two_digit"));
        assert_eq!((two_digit.key.metric.as_str(), two_digit.score), ("multiple_choice_grade", 0.25));
        let skipped = &parsed.skipped[1];
        assert_eq!(skipped.line, 34);
        assert_eq!(
            skipped.reason,
            "metric \"log_likelihood\" = -3.5 is not a rate in [0, 1]: it is a log-likelihood"
        );
        assert!(parsed.skipped[0].reason.starts_with("metric \"normalized_aggregate_score\" = 3.333"));
    }

    #[test]
    fn all_sizes_and_shots() {
        let mut models = Vec::new();
        for bytes in [SMALL, MEDIUM, LARGE] {
            assert!(is_bigbench(bytes));
            let parsed = parse_scores("s.json", bytes);
            assert!(parsed.problems.is_empty());
            assert_eq!(parsed.records.len(), 14);
            let shots: Vec<_> = parsed.records.iter().filter_map(|r| r.key.shots.clone()).collect();
            assert!(shots.contains(&"0".to_string()) && shots.contains(&"1".to_string()));
            models.push((parsed.records[0].key.model.clone(), parsed.records[0].key.params));
        }
        let expected =
            [("Fixture-LM T=0 2m", 2e6), ("Fixture-LM T=0 125m", 125e6), ("Fixture-LM T=0 8b", 8e9)];
        assert_eq!(models, expected.map(|(m, p)| (m.to_string(), Some(p))));
    }

    #[test]
    fn detects_the_format() {
        assert!(is_bigbench(doc(MODEL, ENTRY).as_bytes()));
        assert!(!is_bigbench(b"model,params,subtask,score\na,1B,x,0.5\n"));
        assert!(!is_bigbench(br#"{"results": {"arc": {"acc": 0.5}}, "config": {"model": "hf"}}"#));
        assert!(!is_bigbench(br#"{"model": "x", "scores": []}"#));
        assert!(!is_bigbench(b"\xff\xfe"));
        // Broken JSON in this shape still goes to this reader, to be reported.
        assert!(is_bigbench(&SMALL[..SMALL.len() / 2]));
    }

    #[test]
    fn syntax_errors_are_located() {
        let truncated = &SMALL[..SMALL.len() / 2];
        let found = problems(truncated);
        assert_eq!(found.len(), 1);
        assert!(found[0].2.starts_with("invalid JSON: EOF"), "{}", found[0].2);
        assert!(found[0].2.ends_with("is it truncated? re-export the scores file, or restore it"));
        let found = problems(b"{\n  \"model\": {\"model_name\": \"a\",},\n}");
        assert_eq!((found[0].0, found[0].1), (2, Some(31)));
        assert_eq!(found[0].2, "invalid JSON: trailing comma; fix the JSON here");
    }

    #[test]
    fn bom_and_crlf() {
        let mut with_bom = b"\xef\xbb\xbf".to_vec();
        with_bom.extend_from_slice(SMALL);
        assert_eq!(parse_scores("s.json", &with_bom), parse_scores("s.json", SMALL));
        let crlf = String::from_utf8(SMALL.to_vec()).unwrap().replace('\n', "\r\n");
        let parsed = parse_scores("s.json", crlf.as_bytes());
        assert_eq!((parsed.records[3].line, parsed.records[3].column), (35, Some(9)));
    }

    #[test]
    fn rejects_non_utf8_and_empty() {
        let mut bytes = doc(MODEL, ENTRY).into_bytes();
        let at = bytes.iter().position(|&b| b == b'F').unwrap();
        bytes[at] = 0xff;
        let found = problems(&bytes);
        assert_eq!(found, [(2, Some(30), "the file is not valid UTF-8; re-save it as UTF-8".to_string())]);
        assert_eq!(problems(b" \n")[0].0, 0);
        assert!(problems(b"[1, 2]")[0].2.contains("found an array"));
    }

    #[test]
    fn wrong_types_in_the_model() {
        let model = r#""model_family": "F", "model_name": "2m", "total_params": "2m""#;
        let parsed = parse_scores("f.json", doc(model, ENTRY).as_bytes());
        assert!(parsed.records.is_empty() && parsed.skipped.is_empty());
        let p = &parsed.problems[0];
        assert_eq!((p.line, p.column), (2, Some(54)));
        assert_eq!(
            p.message,
            "model \"total_params\" must be a positive number such as 2097152, found the string \"2m\""
        );
        let found = problems(doc(r#""total_params": -5"#, ENTRY).as_bytes());
        assert_eq!(found.len(), 2);
        assert_eq!(found[0], (2, Some(3), "model has no \"model_name\": add the model's name".to_string()));
        assert!(found[1].2.ends_with("found the number -5"));
        let found = problems(doc(r#""model_name": 7"#, ENTRY).as_bytes());
        assert_eq!((found[0].0, found[0].1), (2, Some(13)));
        assert!(problems(b"{\"scores\": [{}]}")[0].2.starts_with("no \"model\" object"));
    }

    #[test]
    fn params_from_the_name_and_no_family() {
        for model in [r#""model_name": "125m""#, r#""model_name": "125m", "total_params": 0"#] {
            let parsed = parse_scores("f.json", doc(model, ENTRY).as_bytes());
            let r = &parsed.records[0];
            assert_eq!(
                (r.key.model.as_str(), r.key.params, r.key.family.as_deref()),
                ("125m", Some(125e6), None)
            );
        }
        let parsed = parse_scores("f.json", doc(r#""model_name": "GPT-3 Small""#, ENTRY).as_bytes());
        assert_eq!(parsed.records[0].key.params, None);
    }

    #[test]
    fn wrong_types_in_an_entry() {
        let entry = r#""number_of_shots": -1, "subtask_description": "t:s", "score_dict": {"acc": 0.5}"#;
        let parsed = parse_scores("f.json", doc(MODEL, entry).as_bytes());
        assert!(parsed.records.is_empty());
        let p = &parsed.problems[0];
        assert_eq!((p.line, p.column), (4, Some(6)));
        assert_eq!(
            p.message,
            "scores[0] \"number_of_shots\" must be a whole number 0 or more, found the number -1"
        );

        let entry = r#""subtask_description": "t", "score_dict": {"acc": "0.5", "mc": 0.25}"#;
        let parsed = parse_scores("f.json", doc(MODEL, entry).as_bytes());
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(
            (parsed.records[0].subtask.as_deref(), parsed.records[0].key.shots.as_deref()),
            (None, None)
        );
        let p = &parsed.problems[0];
        assert_eq!((p.line, p.column), (4, Some(49)));
        assert_eq!(
            p.message,
            "scores[0] metric \"acc\": expected a number, found the string \"0.5\"; write it unquoted"
        );

        let found = problems(doc(MODEL, r#""score_dict": {"acc": 0.5}"#).as_bytes());
        assert_eq!((found[0].0, found[0].1), (4, Some(5)));
        assert!(found[0].2.starts_with("scores[0] has no \"subtask_description\""));
        let found = problems(doc(MODEL, r#""subtask_description": "t:", "score_dict": {"a": 1}"#).as_bytes());
        assert!(found[0].2.ends_with("\"t:\" is not \"task\" or \"task:subtask\""));
        let found = problems(doc(MODEL, r#""subtask_description": "t", "score_dict": {}"#).as_bytes());
        assert_eq!(
            (found[0].0, found[0].1, found[0].2.as_str()),
            (
                4,
                Some(34),
                "scores[0] \"score_dict\" is empty: no scores; add the entry's scores, or remove the entry"
            )
        );
        let found = problems(b"{\"model\": {\"model_name\": \"a\"},\n \"scores\": [3]}");
        assert_eq!(found, [(2, Some(13), "scores[0] must be an object, found the number 3".to_string())]);
    }

    #[test]
    fn empty_or_missing_scores() {
        let found = problems(b"{\"model\": {\"model_name\": \"a\"},\n \"scores\": []}");
        assert_eq!(
            found,
            [(
                2,
                Some(2),
                "\"scores\" is empty: the file holds no results to read; re-export the scores file, or \
                 remove it from the input"
                    .to_string()
            )]
        );
        assert!(problems(b"{\"model\": {\"model_name\": \"a\"}}")[0].2.starts_with("no \"scores\" array"));
    }

    /// A score written as a spreadsheet shows it says what to write instead.
    #[test]
    fn spreadsheet_strings_say_what_to_write() {
        let entry = concat!(
            r#""subtask_description": "t", "#,
            r#""score_dict": {"a": "45%", "b": "0,7", "c": "7.1%", "d": "1,2,3"}"#
        );
        let found = problems(doc(MODEL, entry).as_bytes());
        let fixes: Vec<&str> = found.iter().map(|p| p.2.split_once("; ").map_or("", |(_, f)| f)).collect();
        assert!(found[0]
            .2
            .starts_with("scores[0] metric \"a\": expected a number, found the string \"45%\"; "));
        assert_eq!(
            fixes,
            [
                "write the fraction 0.45, unquoted",
                "use a decimal point, unquoted: 0.7",
                "write the fraction 0.071, unquoted",
                "write it unquoted",
            ]
        );
    }

    /// The battery's empty "scores", empty "score_dict" and truncated files: located, and
    /// each says what to do.
    #[test]
    fn battery_empty_and_truncated_files_say_what_to_do() {
        const EMPTY: &[u8] = include_bytes!("../../tests/data/bad/bigbench-empty-scores.json");
        const NO_SCORES: &[u8] = include_bytes!("../../tests/data/bad/bigbench-empty-score-dict.json");
        const TRUNCATED: &[u8] = include_bytes!("../../tests/data/bad/bigbench-truncated.json");
        let cases = [
            (EMPTY, 7, 3, "re-export"),
            (NO_SCORES, 8, 28, "remove the entry"),
            (TRUNCATED, 11, 36, "re-export"),
        ];
        for (bytes, line, column, advice) in cases {
            let found = problems(bytes);
            assert_eq!(found.len(), 1, "{found:?}");
            assert_eq!((found[0].0, found[0].1), (line, Some(column)));
            assert!(found[0].2.contains(advice), "{}", found[0].2);
        }
    }

    #[test]
    fn non_rates_are_skipped_with_a_reason() {
        let entry = r#""subtask_description": "t", "score_dict": {"macro_f1": 0.4, "custom": 42, "bleu": 0.8, "x": NaN}"#;
        let parsed = parse_scores("f.json", doc(MODEL, entry).as_bytes());
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.records.len(), 1);
        let reasons: Vec<_> = parsed.skipped.iter().map(|s| (s.line, s.reason.as_str())).collect();
        assert_eq!(
            reasons,
            [
                (4, "metric \"custom\" = 42 is not a rate in [0, 1]"),
                (4, "metric \"bleu\" = 0.8 is not a rate in [0, 1]: it is on a 0-100 scale"),
                (4, "metric \"x\" is null or NaN: no score"),
            ]
        );
    }

    #[test]
    fn duplicate_keys_and_impossible_rates() {
        let entry = r#""subtask_description": "t", "score_dict": {"a": 0.5, "b": 0.1, "a": 0.6, "exact_str_match": 1.5}"#;
        let parsed = parse_scores("f.json", doc(MODEL, entry).as_bytes());
        assert_eq!(parsed.records.len(), 1);
        let found: Vec<_> = parsed.problems.iter().map(|p| (p.line, p.column, p.message.as_str())).collect();
        assert_eq!(
            found,
            [
                (
                    4,
                    Some(69),
                    "key \"a\" appears twice in scores[0].score_dict; JSON keeps only the last: remove one"
                ),
                (
                    4,
                    Some(79),
                    "scores[0] metric \"exact_str_match\" is 1.5, outside [0, 1]; it is a fraction: check the \
                     file was not edited or rescaled to percent"
                ),
            ]
        );
        assert_eq!(place("/model/a~1b"), "model.a/b");
    }

    #[test]
    fn scan_indexes_keys_and_elements() {
        let (at, duplicates) = scan(
            "{\"a/b\": [1, {\"c\": \"x,]\\\"\"}, [2]],\r\n \"d\": {\"e\": {\"f\": {\"g\": {\"h\": 1}}}}}",
        );
        let pos = |p: &str| at.get(p).map(|p| (p.line, p.column));
        assert_eq!(pos("/a~1b"), Some((1, 2)));
        assert_eq!(pos("/a~1b/0"), Some((1, 10)));
        assert_eq!(pos("/a~1b/1"), Some((1, 13)));
        assert_eq!(pos("/a~1b/1/c"), Some((1, 14)));
        assert_eq!(pos("/a~1b/2"), Some((1, 29)));
        assert_eq!(pos("/d/e/f"), Some((2, 14)));
        assert_eq!(pos("/d/e/f/g"), Some((2, 20)));
        assert_eq!(pos("/d/e/f/g/h"), None);
        assert!(duplicates.is_empty());
    }

    #[test]
    fn never_panics_on_damaged_input() {
        let text = doc(MODEL, ENTRY);
        for end in 0..text.len() {
            let _ = parse_scores("f.json", &text.as_bytes()[..end]);
            let _ = is_bigbench(&text.as_bytes()[..end]);
        }
        for (i, b) in text.bytes().enumerate() {
            for replacement in [b'"', b'{', b']', b'\\', 0xc3, b'N', b'-'] {
                let mut damaged = text.clone().into_bytes();
                damaged[i] = replacement;
                let _ = parse_scores("f.json", &damaged);
                let _ = b;
            }
        }
    }
}
