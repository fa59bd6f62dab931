//! The lm-evaluation-harness reader: results files (harness 0.3 and 0.4+) → [`ScoreRecord`]s,
//! and 0.4 per-sample logs (`samples_<task>_<date>.jsonl`, from `--log_samples`) →
//! [`ItemRecord`]s. Format as written by EleutherAI/lm-evaluation-harness
//! (`lm_eval/evaluator.py`, `lm_eval/loggers/evaluation_tracker.py`): `results[task]` maps
//! metric keys to numbers, flat in 0.3 (`"acc"`, `"acc_stderr"`), `"<metric>,<filter>"` in
//! 0.4 (`"acc,none"`) beside `alias`, `name`, `sample_len` and `sample_count`; 0.4 adds
//! `group_subtasks`, `n-shot`, `n-samples`, `higher_is_better` and `configs`.
//!
//! Decisions:
//! - Model: `pretrained=` of `config.model_args` (string or object form; `model=` for API
//!   models), else the top-level `model_name`, minus the organisation prefix and revision.
//!   Params: `config.model_num_parameters` when positive, else [`params_from_name`]. The
//!   harness writes -1 there when it cannot count (`get_model_info`), so -1 and null mean
//!   "not stated"; any other value that is not a positive number is one problem at its key
//!   (the name's size is used if it has one; otherwise the file's scores are skipped with
//!   that reason rather than each reported as having no size). For per-sample logs,
//!   [`run_info`] fails with that problem.
//! - Metric: filter `none` is dropped (`acc`), another is kept (`acc[strict-match]`).
//!   Stderr `"N/A"`, null, NaN or 0 → `None`.
//! - Only rates are kept. Metrics on other scales (perplexities, bits per byte, likelihood
//!   differences, MCC, BLEU/chrF/TER) are skipped by name, other metrics outside [0, 1] by
//!   value; but a known rate (`acc`, `exact_match`, …) outside [0, 1] is a problem: the
//!   file was edited or rescaled. A score that is not a number is a problem (`"N/A"`:
//!   skipped).
//! - 0.4 groups come from `group_subtasks`: a task in a group is a subtask of its outermost
//!   group (nested MMLU categories still give one task `mmlu`); a group's own row is a
//!   task-level record, the harness's size-weighted mean of its subtasks (`weight_by_size`).
//!   The `groups` section repeats those rows and is not read.
//! - 0.3 has no groups: only MMLU is split, by [`SUBTASK_PREFIXES`] (`hendrycksTest-anatomy`
//!   → task `hendrycksTest`, subtask `anatomy`); every other task is task-level.
//! - Shots: `n-shot[task]`, else `configs[task].num_fewshot`, else 0.3 `config.num_fewshot`
//!   (trusted over file names), else for a group what its members agree on. n:
//!   `n-samples[task]` (`effective`, else `original`), else `sample_len`.
//! - Direction: `higher_is_better[task][metric]` (0.4). Chance: 1/choices for `acc` and
//!   `acc_norm` of a `multiple_choice` task whose `configs[task].doc_to_choice` is a list;
//!   a template (`{{choices}}`) gives nothing, since the count may vary by document.
//! - Every metric key becomes a record, a [`Skipped`] or a [`Problem`]; stderr keys belong
//!   to their metric (an orphan is skipped); `alias`, `name`, `sample_len`, `sample_count`
//!   describe the task. Duplicate keys are problems (JSON keeps the last).
//! - Python writes bare `NaN`/`Infinity`, which is not JSON: such text is re-read with them
//!   as null, and messages name the token written there. A score written as a string the
//!   way a spreadsheet shows it (`"45%"`, `"0,7"`) gets the fraction to write.
//! - Positions: 1-based lines (`\n`, `\r\n`, lone `\r`) and byte columns after any BOM,
//!   of the key concerned (a metric's, a stderr's, `config.model_num_parameters`), from a
//!   scan of the raw text (values carry no positions).
//! - Samples: one record per line and metric, for one filter per file: `none` when present,
//!   else the file's first (other lines are skipped). A line's metrics are its `metrics`
//!   list, else `higher_is_better[task]` of the results file, else the known rates on it.
//!
//! Layout: `results.rs` reads results files, `samples.rs` per-sample logs, `run.rs` what a
//! run says about its model, sizes, shots and groups, `files.rs` walks a directory; the
//! judgement of one score ([`judge`]) is shared here.

mod files;
mod results;
mod run;
mod samples;

use serde_json::Value;

use super::json_text::{describe, spreadsheet_number};
use super::record::Problem;

pub use files::{find_files, Found};
pub use results::{is_results, parse_results};
pub use run::{family_from_name, params_from_name, run_info, RunInfo};
pub use samples::{is_samples_name, parse_samples, task_from_samples_name};

/// 0.3 task-name prefixes that make one task of many: (prefix, task). MMLU only; BLiMP,
/// CrowS-Pairs and the like stay separate tasks.
pub const SUBTASK_PREFIXES: [(&str, &str); 2] = [("hendrycksTest-", "hendrycksTest"), ("mmlu_", "mmlu")];
/// Metrics on a scale other than [0, 1], skipped whatever their value (also `*perplexity*`).
const NOT_RATES: &str = "ppl perplexity bits_per_byte likelihood_difference mcc bleu chrf ter";
/// Fractions: outside [0, 1] they are errors; also looked for on lines that list no metrics.
const RATES: &str = "acc acc_norm acc_mutual_info exact_match em f1 pct_stereotype";

fn with_filter(base: &str, filter: Option<&str>) -> String {
    filter.map_or(base.to_string(), |f| format!("{base},{f}"))
}

/// `acc` for filter `none` (or 0.3's no filter), `acc[strict-match]` for another filter.
fn metric_name(base: &str, filter: Option<&str>) -> String {
    match filter {
        None | Some("none") => base.to_string(),
        Some(f) => format!("{base}[{f}]"),
    }
}

/// What becomes of one score read.
enum Verdict {
    Rate(f64),
    Skip(String),
    Bad(String),
}

/// Judges the value of metric `base` (shown as `metric`), in a results entry or a sample line.
/// `written` is the bare token in the text where the value is, when one is (`NaN`,
/// `Infinity`, `-Infinity` or `null`): the value of all of them is null here.
fn judge(metric: &str, base: &str, value: &Value, written: Option<&str>) -> Verdict {
    const NOT_COMPUTED: &str = "the harness could not compute it; re-run the task or remove the entry";
    let score = match value {
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) if s == "N/A" => {
            return Verdict::Skip(format!("metric {metric:?} is \"N/A\": no score"))
        }
        Value::Array(_) | Value::Object(_) => {
            let found = describe(value);
            return Verdict::Skip(format!(
                "metric {metric:?} holds {found}, not a score (a whole-set metric?)"
            ));
        }
        Value::Null => {
            let what = match written {
                Some(t @ ("Infinity" | "-Infinity")) => format!("{t} (not a finite score)"),
                Some(t) => t.to_string(),
                None => "null or NaN".to_string(),
            };
            return Verdict::Bad(format!("metric {metric:?} is {what}: {NOT_COMPUTED}"));
        }
        Value::String(s) if s.trim().parse::<f64>().is_ok_and(|f| !f.is_finite()) => {
            return Verdict::Bad(format!("metric {metric:?} is {s:?}: {NOT_COMPUTED}"));
        }
        Value::String(s) if spreadsheet_number(s).is_some() => {
            let fix = spreadsheet_number(s).unwrap_or_default();
            return Verdict::Bad(format!("metric {metric:?} is the string {s:?}, not a number: {fix}"));
        }
        _ => {
            let found = describe(value);
            return Verdict::Bad(format!(
                "metric {metric:?} is {found}, not a number: write a number in [0, 1]"
            ));
        }
    };
    if NOT_RATES.split(' ').any(|n| n == base) || base.contains("perplexity") {
        Verdict::Skip(format!("metric {metric:?} is not a rate in [0, 1]; emerge analyses rates"))
    } else if (0.0..=1.0).contains(&score) {
        Verdict::Rate(score)
    } else if RATES.split(' ').any(|r| r == base) {
        let advice = "check the file was not edited or rescaled to percent";
        Verdict::Bad(format!("metric {metric:?} is {score}, outside [0, 1]: {advice}"))
    } else {
        Verdict::Skip(format!("metric {metric:?} is {score}, not a rate in [0, 1]; emerge analyses rates"))
    }
}

fn problem(file: &str, line: u64, column: Option<usize>, message: impl Into<String>) -> Problem {
    Problem::new(file, line, column, message)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};
    use std::fs;
    use std::path::Path;

    use super::super::record::{Parsed, ScoreRecord};
    use super::*;

    const PYTHIA_70M: &str = "lm-eval-0.3-pythia/pythia-70m/zero-shot/70m_step143000.json";

    /// The real files, as the repository keeps them: the Pythia results in datasets/ and
    /// the 0.4 format sample in tests/data/ (both copied unchanged from ../shared/formats).
    fn formats(rel: &str) -> std::path::PathBuf {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        match rel.split_once('/') {
            Some(("lm-eval-0.3-pythia", rest)) => root.join("datasets/pythia-lm-eval-0.3").join(rest),
            None if rel == "lm-eval-0.3-pythia" => root.join("datasets/pythia-lm-eval-0.3"),
            _ => root.join("tests/data").join(rel),
        }
    }

    /// The real files must be there: a missing fixture fails the test, it does not skip it.
    fn read(rel: &str) -> Vec<u8> {
        let path = formats(rel);
        fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    /// The 0.4 sample file whose name starts with `prefix`, and its bytes.
    fn toy(prefix: &str) -> (String, Vec<u8>) {
        let dir = fs::read_dir(formats("lm-eval-0.4-toy")).expect("lm-eval-0.4-toy");
        let mut names: Vec<String> = dir.map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        names.sort();
        let name = names.into_iter().find(|n| n.starts_with(prefix)).expect("toy file");
        let bytes = read(&format!("lm-eval-0.4-toy/{name}"));
        (name, bytes)
    }

    fn results(json: &str) -> Parsed<ScoreRecord> {
        parse_results("t.json", json.as_bytes())
    }

    /// A results file for `org/m-1b` with one task `t` holding `metrics`.
    fn one_task(metrics: &str) -> String {
        let config = "\"config\": {\"model_args\": \"pretrained=org/m-1b\"}";
        format!("{{\"results\": {{\"t\": {{{metrics}}}}},\n{config}}}")
    }

    /// Issue 16: the direction comes from `higher_is_better[task][metric]`, and the chance
    /// level of acc and acc_norm from a multiple-choice config that lists its choices; a
    /// template (`{{choices}}`) or a generation task says nothing, and nothing is guessed.
    #[test]
    fn issue_16_direction_and_chance_from_the_results() {
        let json = r#"{"results": {
    "boolq": {"acc,none": 0.6, "brier_score,none": 0.2},
    "arc": {"acc,none": 0.4, "acc_norm,none": 0.45},
    "gen": {"exact_match,none": 0.1}},
  "higher_is_better": {"boolq": {"acc": true, "brier_score": false}, "arc": {"acc": true}},
  "configs": {"boolq": {"output_type": "multiple_choice", "doc_to_choice": ["no", "yes"]},
              "arc": {"output_type": "multiple_choice", "doc_to_choice": "{{choices.text}}"},
              "gen": {"output_type": "generate_until", "doc_to_choice": ["a", "b", "c"]}},
  "config": {"model_args": "pretrained=org/m-1b"}}"#;
        let p = results(json);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let rows: Vec<_> = (p.records.iter())
            .map(|r| (r.key.task.as_str(), r.key.metric.as_str(), r.higher_is_better, r.chance))
            .collect();
        assert_eq!(
            rows,
            [
                ("boolq", "acc", Some(true), Some(0.5)),
                ("boolq", "brier_score", Some(false), None),
                ("arc", "acc", Some(true), None),
                ("arc", "acc_norm", None, None),
                ("gen", "exact_match", None, None),
            ]
        );
    }

    #[test]
    fn pythia_70m_zero_shot() {
        let bytes = read(PYTHIA_70M);
        let p = parse_results("70m.json", &bytes);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        for r in &p.records {
            assert_eq!(
                (r.key.model.as_str(), r.key.params, r.key.family.as_deref()),
                ("pythia-v1.1-70m", Some(7e7), Some("pythia-v1.1"))
            );
            assert_eq!((r.key.shots.as_deref(), r.n), (Some("0"), None));
        }
        let mmlu: Vec<&ScoreRecord> = p.records.iter().filter(|r| r.key.task == "hendrycksTest").collect();
        let subjects: BTreeSet<&str> = mmlu.iter().filter_map(|r| r.subtask.as_deref()).collect();
        assert_eq!((subjects.len(), mmlu.len()), (57, 114));
        assert!(subjects.contains("abstract_algebra") && subjects.contains("world_religions"));
        assert_eq!(
            mmlu.iter().map(|r| r.key.metric.as_str()).collect::<BTreeSet<_>>(),
            BTreeSet::from(["acc", "acc_norm"])
        );
        let piqa = p.records.iter().find(|r| r.key.task == "piqa" && r.key.metric == "acc").unwrap();
        assert!(piqa.subtask.is_none() && piqa.stderr.is_some_and(|s| s > 0.0));
        // LAMBADA keeps acc and skips ppl (line 236 of the file); CrowS-Pairs skips likelihood_difference.
        assert!(p.records.iter().any(|r| r.key.task == "lambada_openai" && r.key.metric == "acc"));
        let ppl = p.skipped.iter().find(|s| s.reason.contains("\"ppl\"")).unwrap();
        assert!(ppl.line == 236 && ppl.reason.contains("not a rate in [0, 1]"));
        assert!(p.skipped.iter().any(|s| s.reason.contains("likelihood_difference")));
        // Every key that is not a stderr is accounted for.
        let root: Value = serde_json::from_slice(&bytes).unwrap();
        let entries = root["results"].as_object().unwrap().values();
        let keys: usize =
            entries.map(|e| e.as_object().unwrap().keys().filter(|k| !k.ends_with("_stderr")).count()).sum();
        assert_eq!(p.records.len() + p.skipped.len(), keys);
        // Each record points at its own key.
        let text = std::str::from_utf8(&bytes).unwrap();
        for r in &p.records {
            let line = text.lines().nth(r.line as usize - 1).unwrap();
            assert!(line[r.column.unwrap() - 1..].starts_with(&format!("\"{}\":", r.key.metric)), "{r:?}");
        }
    }

    #[test]
    fn all_pythia_files() {
        let found = find_files(&formats("lm-eval-0.3-pythia")).unwrap();
        assert_eq!((found.results.len(), found.samples.len()), (32, 0));
        let (mut models, mut shots, mut families) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for path in &found.results {
            let p = parse_results(&path.display().to_string(), &fs::read(path).unwrap());
            assert!(p.problems.is_empty(), "{}: {:?}", path.display(), p.problems);
            let five = path.components().any(|c| c.as_os_str() == "five-shot");
            for r in p.records {
                assert_eq!(r.key.shots.as_deref(), Some(if five { "5" } else { "0" }), "{}", path.display());
                assert!(r.key.params.is_some());
                models.insert(r.key.model);
                shots.insert(r.key.shots);
                families.insert(r.key.family);
            }
        }
        assert_eq!((models.len(), shots.len()), (16, 2));
        assert!(models.contains("pythia-v1.1-1b-bf16") && models.contains("pythia-v1.1-12b-deduped"));
        assert_eq!(
            families.into_iter().flatten().collect::<Vec<_>>(),
            ["pythia-v1.1", "pythia-v1.1-deduped"]
        );
    }

    #[test]
    fn toy_04_results_and_samples() {
        let (name, bytes) = toy("results_");
        let p = parse_results(&name, &bytes);
        assert!(p.problems.is_empty() && p.skipped.is_empty(), "{:?} {:?}", p.problems, p.skipped);
        let rows: Vec<_> = (p.records.iter())
            .map(|r| {
                (r.key.task.as_str(), r.subtask.as_deref(), r.key.metric.as_str(), r.n, r.stderr, r.line)
            })
            .collect();
        // Subtasks under their group; the group's own row task-level with n = 4 + 4 (sample_len);
        // exact_match_stderr 0.0 → None.
        assert_eq!(rows[0], ("toy_arith", Some("toy_add_mc"), "acc", Some(4), Some(0.25), 7));
        assert_eq!(rows[3], ("toy_arith", Some("toy_add_mc_b"), "acc_norm", Some(4), Some(0.25), 18));
        assert_eq!(rows[4], ("toy_add_gen", None, "exact_match", Some(4), None, 25));
        assert_eq!(rows[5], ("toy_arith", None, "acc", Some(8), Some(0.1767766952966369), 32));
        assert_eq!(
            (p.records[0].key.model.as_str(), p.records[0].key.params, p.records[0].key.shots.as_deref()),
            ("6jf4z2qc", None, Some("0"))
        );
        let run = run_info(&name, &bytes).unwrap();
        let group_of: BTreeSet<(&str, &str)> =
            run.group_of.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(group_of, BTreeSet::from([("toy_add_mc", "toy_arith"), ("toy_add_mc_b", "toy_arith")]));
        assert_eq!(run.metrics["toy_add_mc"], ["acc", "acc_norm"]);

        let (name, bytes) = toy("samples_toy_add_mc_2");
        let task = task_from_samples_name(&name).unwrap();
        let p = parse_samples(&name, &bytes, task, &run, None);
        assert!(p.problems.is_empty() && p.skipped.is_empty(), "{:?} {:?}", p.problems, p.skipped);
        let rows: Vec<_> =
            p.records.iter().map(|r| (r.line, r.item.as_str(), r.key.metric.as_str())).collect();
        assert_eq!(rows.len(), 8);
        assert_eq!(
            (rows[0], rows[1], rows[7]),
            ((1, "0", "acc"), (1, "0", "acc_norm"), (4, "3", "acc_norm"))
        );
        let r = &p.records[0];
        assert_eq!(
            (r.key.task.as_str(), r.subtask.as_str(), r.correct, r.key.shots.as_deref()),
            ("toy_arith", "toy_add_mc", 0.0, Some("0"))
        );

        let (name, bytes) = toy("samples_toy_add_gen");
        let samples = |join_on| parse_samples(&name, &bytes, "toy_add_gen", &run, join_on);
        let p = samples(Some("doc.question"));
        let r = &p.records[0];
        assert_eq!(
            (r.key.task.as_str(), r.subtask.as_str(), r.key.metric.as_str()),
            ("toy_add_gen", "toy_add_gen", "exact_match")
        );
        assert_eq!((p.records.len(), r.item.as_str()), (4, "What is 2+2?"));
        assert_eq!(samples(Some("question")).records, p.records);
        assert_eq!(samples(Some("doc.answer")).records[0].item, "1");
        let bad = samples(Some("doc.choices"));
        assert!(
            bad.records.is_empty()
                && bad.problems.len() == 4
                && bad.problems[0].message.contains("--join-on")
        );
    }

    #[test]
    fn finds_files_once_through_symlink_loops() {
        let (pythia, toy) = (
            find_files(&formats("lm-eval-0.3-pythia")).unwrap(),
            find_files(&formats("lm-eval-0.4-toy")).unwrap(),
        );
        assert_eq!((pythia.results.len() + toy.results.len(), toy.samples.len()), (33, 3));
        let all = toy;
        assert!(all.samples.windows(2).all(|w| w[0] < w[1]) && all.results.windows(2).all(|w| w[0] < w[1]));
        let dir = std::env::temp_dir().join(format!("emerge-lmeval-{}", std::process::id()));
        fs::create_dir_all(dir.join("a/.hidden")).unwrap();
        fs::create_dir_all(dir.join("empty")).unwrap();
        fs::write(dir.join("a/run.txt"), read(PYTHIA_70M)).unwrap();
        fs::write(dir.join("a/.hidden/run.json"), read(PYTHIA_70M)).unwrap();
        fs::write(dir.join("a/notes.json"), "{\"results\": 1}").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&dir, dir.join("a/loop")).unwrap();
        let (found, empty) = (find_files(&dir), find_files(&dir.join("empty")));
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(found.unwrap().results, [dir.join("a/run.txt")]);
        assert!(empty.unwrap_err().message.contains("no lm-evaluation-harness results"));
        assert!(find_files(&dir).unwrap_err().message.contains("not a directory"));
    }

    #[test]
    fn whole_file_problems() {
        let p = results("{\n  \"results\": {\"a\": {\"acc\": 0.5,");
        assert_eq!((p.problems.len(), p.problems[0].line, p.problems[0].column), (1, 2, Some(31)));
        assert!(
            p.problems[0].message.contains("not valid JSON") && p.problems[0].message.contains("ends early")
        );
        let p = parse_results("t.json", b"{\"results\": {\"a\xff\": {}}}");
        assert_eq!((p.problems[0].line, p.problems[0].column), (1, Some(16)));
        for (text, expected) in [
            ("", "empty"),
            (" \n", "empty"),
            ("[1]", "found an array"),
            ("{}", "found no \"results\""),
            ("{\"results\": 3}", "\"results\" is the number 3"),
            ("{\"results\": {\"a\": {\"acc\": 0.5}}, \"versions\": {}}", "add \"model_name\""),
        ] {
            let p = results(text);
            assert!(p.records.is_empty() && p.problems.len() == 1, "{text}: {p:?}");
            assert!(p.problems[0].message.contains(expected), "{text}: {}", p.problems[0].message);
        }
        // A UTF-8 BOM is accepted; columns count from after it.
        let p = parse_results("t.json", format!("\u{feff}{}", one_task("\"acc\": 0.5")).as_bytes());
        assert_eq!((p.records.len(), p.records[0].line, p.records[0].column), (1, 1, Some(20)));
    }

    #[test]
    fn scores_that_are_not_rates() {
        let p = results(&one_task(
            "\"acc\": 1.5, \"ppl\": 0.5, \"bleu\": 0.2, \"rouge1_max\": 23.5, \"acc_norm\": \"NaN\",\n\
             \"f1\": NaN, \"em\": \"high\", \"mcc,none\": \"N/A\", \"sample_count\": {}, \"x\": [1]",
        ));
        assert!(p.records.is_empty(), "{:?}", p.records);
        let reasons: Vec<&str> = p.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(reasons.len(), 5, "{reasons:?}");
        assert!(reasons[0].contains("\"ppl\" is not a rate") && reasons[1].contains("\"bleu\" is not"));
        assert!(
            reasons[2].contains("23.5") && reasons[3].contains("\"N/A\"") && reasons[4].contains("array")
        );
        let problems: Vec<_> = p.problems.iter().map(|p| (p.line, p.column, p.message.as_str())).collect();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0] == (1, Some(20), problems[0].2) && problems[0].2.contains("1.5, outside [0, 1]"));
        assert!(problems[1].2.contains("\"NaN\": the harness could not compute it"));
        assert!(problems[2].0 == 2 && problems[2].2.contains("\"f1\" is NaN: the harness"));
        assert!(problems[3].2.contains("the string \"high\", not a number"));
    }

    #[test]
    fn filters_stderrs_groups_and_shots() {
        let p = results(&one_task(
            "\"alias\": \"t\", \"sample_len\": 9, \"acc,none\": 0.5, \"acc_stderr,none\": \"N/A\",\n\
             \"exact_match,strict-match\": 0.25, \"exact_match_stderr,strict-match\": 0.1,\n\
             \"f1\": 0.5, \"f1_stderr\": NaN, \"orphan_stderr\": 0.2, \"em\": 0.5, \"em_stderr\": -1",
        ));
        let rows: Vec<_> =
            p.records.iter().map(|r| (r.key.metric.as_str(), r.stderr, r.n, r.key.params)).collect();
        let expected =
            [("acc", None, Some(9), Some(1e9)), ("exact_match[strict-match]", Some(0.1), Some(9), Some(1e9))];
        assert_eq!(rows, [expected[0], expected[1], ("f1", None, Some(9), Some(1e9))]);
        assert!(p.skipped.len() == 1 && p.skipped[0].reason.contains("\"orphan_stderr\""));
        assert!(p.problems.len() == 1 && p.problems[0].message.contains("\"em_stderr\" is the number -1"));

        let json = r#"{"results": {
    "mmlu": {"acc,none": 0.3},
    "mmlu_stem": {"acc,none": 0.25, "alias": " - stem"},
    "mmlu_anatomy": {"acc,none": 0.2},
    "gsm8k": {"exact_match,strict-match": 0.1},
    "bad": [1],
    "gsm8k": {"exact_match,flexible-extract": 0.2}},
  "group_subtasks": {"mmlu": ["mmlu_stem"], "mmlu_stem": ["mmlu_anatomy"], "gsm8k": []},
  "n-shot": {"mmlu_anatomy": 5, "gsm8k": "8"}, "n-samples": {"mmlu_anatomy": {"original": 135}},
  "config": {"model_args": {"pretrained": "meta-llama/Llama-2-7b-hf"}, "model_num_parameters": 6738415616}}"#;
        let p = results(json);
        let rows: Vec<_> = (p.records.iter())
            .map(|r| {
                (
                    r.key.task.as_str(),
                    r.subtask.as_deref(),
                    r.key.shots.as_deref(),
                    r.n,
                    r.key.metric.as_str(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("mmlu", None, Some("5"), None, "acc"),
                ("mmlu_stem", None, Some("5"), None, "acc"),
                ("mmlu", Some("mmlu_anatomy"), Some("5"), Some(135), "acc"),
                ("gsm8k", None, Some("8"), None, "exact_match[flexible-extract]"),
            ]
        );
        let r = &p.records[0];
        assert_eq!(
            (r.key.model.as_str(), r.key.params, r.key.family.as_deref()),
            ("Llama-2-7b-hf", Some(6738415616.0), Some("Llama-2-hf"))
        );
        let problems: Vec<_> = p.problems.iter().map(|p| (p.line, p.column, p.message.as_str())).collect();
        assert!(problems[0].0 == 7 && problems[0].2.contains("task \"gsm8k\" appears twice"), "{problems:?}");
        assert!(
            problems[1] == (6, Some(5), problems[1].2) && problems[1].2.contains("is an array"),
            "{problems:?}"
        );
        assert_eq!(run_info("t.json", json.as_bytes()).unwrap().group_of["mmlu_anatomy"], "mmlu");
    }

    #[test]
    fn sample_lines() {
        let run = RunInfo {
            model: "m".into(),
            shots: HashMap::from([("t".into(), "5".into())]),
            metrics: HashMap::from([("t".into(), vec!["exact_match".into()])]),
            ..RunInfo::default()
        };
        let text = "{\"doc_id\": 0, \"filter\": \"strict-match\", \"exact_match\": 1.0}\n\
            {\"doc_id\": 0, \"filter\": \"flexible-extract\", \"exact_match\": 1.0}\n\n\
            {\"doc_id\": 1, \"filter\": \"strict-match\", \"exact_match\": 1.5}\n\
            {\"doc_id\": 2, \"filter\": \"strict-match\", \"exact_match\": \"yes\"}\n\
            {\"doc\": {}, \"filter\": \"strict-match\", \"exact_match\": 0}\n\
            {\"doc_id\": 3, \"filter\": \"strict-match\"\n[1]\n\
            {\"doc_id\": 4.0, \"filter\": \"strict-match\", \"exact_match\": [1], \
             \"metrics\": [\"exact_match\"]}\r\n\
            {\"doc_id\": 5, \"filter\": \"strict-match\", \"f1\": 0.5, \"exact_match\": 0}\n";
        let p = parse_samples("s.jsonl", text.as_bytes(), "t", &run, None);
        let rows: Vec<_> = p.records.iter().map(|r| (r.line, r.item.as_str(), r.correct)).collect();
        assert_eq!(rows, [(1, "0", 1.0), (10, "5", 0.0)]);
        let r = &p.records[0];
        assert_eq!(
            (r.key.task.as_str(), r.subtask.as_str(), r.key.metric.as_str()),
            ("t", "t", "exact_match[strict-match]")
        );
        assert_eq!(r.key.shots.as_deref(), Some("5"));
        assert_eq!(p.skipped.iter().map(|s| s.line).collect::<Vec<_>>(), [2, 9]);
        assert!(p.skipped[0].reason.contains("\"flexible-extract\" not read"));
        let problems: Vec<_> = p.problems.iter().map(|p| (p.line, p.message.as_str())).collect();
        assert_eq!(problems.iter().map(|p| p.0).collect::<Vec<_>>(), [7, 8, 4, 5, 6], "{problems:?}");
        assert!(problems[0].1.contains("invalid JSON") && problems[2].1.contains("1.5, outside [0, 1]"));
        assert!(problems[4].1.contains("no \"doc_id\""));
    }

    #[test]
    #[rustfmt::skip]
    fn names() {
        let names = ["pythia-1.4b-deduped", "Llama-2-7b-hf", "pythia-70m", "gpt2",
            "EleutherAI/pythia-v1.1-160m", "pythia-v1.1-1b-bf16", "mpt-7b-8k", "Yi-34B-200K",
            "Qwen2.5-0.5B-Instruct", "opt_350m", "Mixtral-8x7B", "/"];
        assert_eq!(names.map(params_from_name), [Some(1.4e9), Some(7e9), Some(7e7), None, Some(1.6e8),
            Some(1e9), Some(7e9), Some(34e9), Some(0.5e9), Some(350e6), None, None]);
        let names = ["EleutherAI/pythia-v1.1-1.4b-deduped", "meta-llama/Llama-2-7b-hf", "pythia-v1.1-1b-bf16",
            "gpt2", "7b", "opt_350m", "7b-chat_v2"];
        assert_eq!(names.map(family_from_name), ["pythia-v1.1-deduped", "Llama-2-hf", "pythia-v1.1",
            "gpt2", "", "opt", "chat_v2"]);
    }

    #[test]
    fn detection() {
        assert!(is_results(&read(PYTHIA_70M)) && is_results(&toy("results_").1));
        assert!(is_results(b"{\"results\": {\"a\": {\"acc\": 0.5, \"acc_stderr\": 0.1"), "truncated");
        // Any "results" beside "config" or "versions", so that parse_results says what is
        // wrong with it (issue: `"results": {}` was "neither lm-eval nor BIG-bench").
        for yes in [
            &b"{\"results\": {}, \"config\": {}}"[..],
            b"{\"results\": {\"toy_add\": 0.25}, \"versions\": {}}",
            b"{\"results\": 3, \"config\": {\"x\": NaN}, \"config\": 1}",
        ] {
            assert!(is_results(yes), "{}", String::from_utf8_lossy(yes));
        }
        for not in
            [&b"{\"results\": {\"a\": {\"acc\": 0.5}}}"[..], b"[{\"results\": {}, \"config\": {}}]", b"\xff{"]
        {
            assert!(!is_results(not), "{}", String::from_utf8_lossy(not));
        }
        assert!(!is_results(&toy("samples_toy_add_gen").1));
        assert_eq!(
            task_from_samples_name("samples_toy_add_mc_b_2026-11-28T12-43.jsonl"),
            Some("toy_add_mc_b")
        );
        for name in
            ["samples_.jsonl", "samples__2026.jsonl", "samples_toy.jsonl", "samples_toy_x.jsonl", "r_1.json"]
        {
            assert!(!is_samples_name(name), "{name}");
        }
    }

    /// The battery's fixtures (`tests/data/bad/`), as bytes.
    const BAD_STDERR: &[u8] = include_bytes!("../../../tests/data/bad/lmeval-0.4-stderr-wrong-type.json");
    const BAD_PARAMS: &[u8] = include_bytes!("../../../tests/data/bad/lmeval-0.4-negative-params.json");
    const BAD_INF: &[u8] = include_bytes!("../../../tests/data/bad/lmeval-0.4-inf-score.json");
    const BAD_EMPTY: &[u8] = include_bytes!("../../../tests/data/bad/lmeval-0.4-empty-results.json");
    const BAD_TASK: &[u8] = include_bytes!("../../../tests/data/bad/lmeval-0.4-task-not-object.json");
    const BAD_LINE: &[u8] = include_bytes!(
        "../../../tests/data/bad/lmeval-samples-truncated/samples_toy_add_2024-05-01T12-00-00.000001.jsonl"
    );

    fn located(p: &Parsed<ScoreRecord>) -> Vec<(u64, Option<usize>, &str)> {
        p.problems.iter().map(|p| (p.line, p.column, p.message.as_str())).collect()
    }

    /// A bad standard error is located at its own key (line 6), not its metric's (line 5).
    #[test]
    fn bad_stderr_at_its_own_key() {
        let p = parse_results("f.json", BAD_STDERR);
        let found = located(&p);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].0, found[0].1), (6, Some(7)));
        assert!(found[0].2.starts_with("\"acc_stderr,none\" is an array: write"), "{}", found[0].2);
    }

    /// A stated size that is not a count is one problem at its key; without a size in the
    /// name the scores are skipped with that reason, not each left without a size.
    #[test]
    fn bad_model_num_parameters() {
        let p = parse_results("f.json", BAD_PARAMS);
        let found = located(&p);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].0, found[0].1), (21, Some(5)));
        assert_eq!(
            found[0].2,
            "model_num_parameters is -70000000; give a positive count, or remove it and pass \
             --params-file (CSV: model,params)"
        );
        assert!(p.records.is_empty());
        assert_eq!(p.skipped.iter().map(|s| s.line).collect::<Vec<_>>(), [5, 10]);
        assert!(p.skipped[0].reason.contains("(line 21)") && p.skipped[0].reason.contains("\"toy-model\""));
        let err = run_info("f.json", BAD_PARAMS).unwrap_err();
        assert_eq!((err.line, err.column, err.message.as_str()), (21, Some(5), found[0].2));

        // With a size in the name (org/m-1b), the name's is used; -1 is the harness's "unknown".
        let json = "{\"results\": {\"t\": {\"acc\": 0.5}},\n\
                    \"config\": {\"model_args\": \"pretrained=org/m-1b\",\n \
                    \"model_num_parameters\": COUNT}}";
        let with = |count: &str| results(&json.replace("COUNT", count));
        for (count, problem) in
            [("0", Some("0")), ("\"7B\"", Some("the string \"7B\"")), ("-1", None), ("null", None)]
        {
            let p = with(count);
            assert_eq!((p.records.len(), p.records[0].key.params), (1, Some(1e9)), "{count}");
            match problem {
                Some(found) => {
                    assert_eq!((p.problems.len(), p.problems[0].line, p.problems[0].column), (1, 3, Some(2)));
                    let expected = format!(
                        "model_num_parameters is {found}; give a positive count, or remove it to use the \
                         size in the model name"
                    );
                    assert_eq!(p.problems[0].message, expected);
                }
                None => assert!(p.problems.is_empty(), "{count}: {:?}", p.problems),
            }
        }
        assert_eq!(with("2e9").records[0].key.params, Some(2e9));
    }

    /// `"results": {}` is harness output with no scores, located at the key; a task that is
    /// not an object says how to write it.
    #[test]
    fn empty_results_and_task_not_an_object() {
        assert!(is_results(BAD_EMPTY) && is_results(BAD_TASK));
        let p = parse_results("f.json", BAD_EMPTY);
        let found = located(&p);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0, found[0].1), (2, Some(3)));
        assert!(found[0].2.starts_with("\"results\" is empty") && found[0].2.contains("re-run"));
        let p = parse_results("f.json", BAD_TASK);
        let found = located(&p);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0, found[0].1), (3, Some(5)));
        assert_eq!(
            found[0].2,
            "task \"toy_add\" is the number 0.25, not an object of metric → score: write it as \
             {\"<metric>\": <score>}, or remove the task"
        );
        let p = results("{\"config\": {},\n \"results\": 3}");
        assert_eq!((p.problems[0].line, p.problems[0].column), (2, Some(2)));
        assert!(p.problems[0].message.ends_with("check that this is lm-evaluation-harness output"));
    }

    /// Bare Infinity is named as written, not called NaN; so are NaN and null.
    #[test]
    fn non_finite_scores_named_as_written() {
        let p = parse_results("f.json", BAD_INF);
        let found = located(&p);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0, found[0].1), (5, Some(7)));
        assert!(found[0].2.starts_with("metric \"acc\" is Infinity (not a finite score): the harness"));
        assert!(!found[0].2.contains("NaN"));
        let p = results(&one_task("\"acc\": -Infinity, \"f1\": null, \"em\": NaN, \"acc_norm\": Infinity"));
        let messages: Vec<&str> = p.problems.iter().map(|p| p.message.as_str()).collect();
        assert!(messages[0].starts_with("metric \"acc\" is -Infinity (not a finite score)"), "{messages:?}");
        assert!(
            messages[1].starts_with("metric \"f1\" is null:")
                && messages[2].starts_with("metric \"em\" is NaN:")
        );
        assert!(messages[3].starts_with("metric \"acc_norm\" is Infinity"));
        // In a sample line too, found by the metric's key (not the "acc" in "metrics").
        let line = "{\"doc_id\": 0, \"metrics\": [\"acc\"], \"acc\": Infinity}\n";
        let p = parse_samples("s.jsonl", line.as_bytes(), "t", &RunInfo::default(), None);
        assert!(p.problems[0].message.starts_with("metric \"acc\" is Infinity (not a finite score)"));
    }

    /// "45%" and "0,7" say what to write instead.
    #[test]
    fn spreadsheet_strings_say_what_to_write() {
        let p = results(&one_task(
            "\"acc\": \"45%\", \"f1\": \"0,7\", \"em\": \"7.1 %\", \"acc_norm\": \"1,2,3\"",
        ));
        let messages: Vec<&str> = p.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "metric \"acc\" is the string \"45%\", not a number: write the fraction 0.45, unquoted",
                "metric \"f1\" is the string \"0,7\", not a number: use a decimal point, unquoted: 0.7",
                "metric \"em\" is the string \"7.1 %\", not a number: write the fraction 0.071, unquoted",
                "metric \"acc_norm\" is the string \"1,2,3\", not a number: write a number in [0, 1]",
            ]
        );
    }

    /// A cut-off sample line is located by the file's line and the line's column, without
    /// serde's "line 1" of the one-line document, and says what to do; so does a line that
    /// is not an object.
    #[test]
    fn damaged_sample_lines() {
        let p = parse_samples("s.jsonl", BAD_LINE, "toy_add", &RunInfo::default(), None);
        let found: Vec<_> = p.problems.iter().map(|p| (p.line, p.column, p.message.as_str())).collect();
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0, found[0].1), (4, Some(40)));
        assert_eq!(
            found[0].2,
            "invalid JSON (EOF while parsing a value): the line ends early, is the file truncated? \
             re-run the evaluation, or remove the damaged line"
        );
        let p = parse_samples(
            "s.jsonl",
            b"{\"doc_id\": 0,, \"acc\": 1}\n[1, 0]\n",
            "t",
            &RunInfo::default(),
            None,
        );
        let found: Vec<_> = p.problems.iter().map(|p| (p.line, p.column, p.message.as_str())).collect();
        assert_eq!(found[0], (1, Some(14), "invalid JSON (key must be a string); fix the line or remove it"));
        assert_eq!(
            found[1],
            (
                2,
                None,
                "expected one JSON object per line, found an array; remove the line, or re-run the \
                       evaluation to rewrite the log"
            )
        );
    }

    /// A cheap stand-in for the fuzzer: truncated and damaged real files never panic.
    #[test]
    fn never_panics_on_damaged_files() {
        let run = RunInfo::default();
        for bytes in [read(PYTHIA_70M), toy("results_").1, toy("samples_toy_add_mc_2").1] {
            for cut in (0..bytes.len()).step_by(211) {
                let mut damaged = bytes.clone();
                damaged[cut] = [b'"', b'\\', b'{', 0xff, b'N', b','][cut % 6];
                for b in [&bytes[..cut], &damaged[..]] {
                    let _ = (is_results(b), parse_results("f", b), run_info("f", b));
                    let _ = parse_samples("f", b, "t", &run, Some("doc.x.y"));
                }
            }
        }
        assert!(!results(&"[".repeat(100_000)).problems.is_empty());
    }
}
