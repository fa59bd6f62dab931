//! The bad-input battery: malformed inputs in every format, one fixture per case under
//! `tests/data/bad/<format>-<what>.<ext>` (the older `tests/data/bad/<what>.csv` cases are
//! tested in `main.rs`). Inputs too big or too strange to commit (a 100 MB line, a
//! symbolic-link loop) are made by the test in its working directory.
//!
//! Every bad input must exit 1 with nothing on stdout, no summary written and no panic,
//! and name the file with its line (and column where one exists), grep-style, in a
//! message that says what to do. With `--on-error skip` the same inputs run, and every
//! dropped row is listed in `summary.json` and counted: rows_read = rows_used +
//! rows_dropped. A few inputs are awkward but fine (a BOM, CRLF, a symlink loop): they
//! must succeed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use super::util::{data, Workdir};

/// No input in this battery may take longer than this (a loop that never ends fails).
const TIMEOUT: Duration = Duration::from_secs(120);

/// Words that tell the reader what to do; a located message must use one of them.
const ADVICE: [&str; 26] = [
    "give", "write", "re-save", "save", "remove", "rename", "pass", "use", "check", "add", "fix", "keep",
    "leave", "delete", "re-run", "restore", "map", "put", "quote", "close", "pick", "choose", "drop",
    "convert", "must", "replace",
];

/// A bad input and what emerge must say about it.
struct Case {
    /// Under `tests/data/bad/`.
    file: &'static str,
    args: &'static [&'static str],
    /// Where the problems are, appended to the fixture's path: `":3:4"` (line 3, column
    /// 4), `":3"` (line 3, with or without a column), `""` (the file as a whole), or for
    /// a directory `"/<file inside>:4:40"`.
    at: &'static [&'static str],
    /// Fragments stderr must contain, with the fixture's path written `<file>`.
    wanted: &'static [&'static str],
    /// Fragments stderr must not contain.
    unwanted: &'static [&'static str],
    /// When not empty, stderr must contain at least one of these.
    one_of: &'static [&'static str],
}

impl Case {
    const fn new(file: &'static str) -> Case {
        Case { file, args: &[], at: &[], wanted: &[], unwanted: &[], one_of: &[] }
    }
}

fn bad(name: &str) -> PathBuf {
    data(&format!("bad/{name}"))
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Whether `line` says what to do: an advice word, an example ("such as") or a flag.
fn advises(line: &str) -> bool {
    let lower = line.to_lowercase();
    if lower.contains("such as") || lower.contains(" --") || lower.contains("(--") {
        return true;
    }
    lower.split(|c: char| !(c.is_alphanumeric() || c == '-')).any(|word| ADVICE.contains(&word))
}

/// The messages located at `prefix` (`<path>:3: ` or `<path>:3:<column>: ` when `exact`
/// is false; exactly `<path>:3:4: ` otherwise), without their location.
fn located_messages<'a>(stderr: &'a str, prefix: &str, exact: bool) -> Vec<&'a str> {
    stderr
        .lines()
        .filter_map(|line| {
            let at = line.find(prefix)?;
            let rest = &line[at + prefix.len()..];
            if let Some(message) = rest.strip_prefix(": ") {
                return Some(message);
            }
            // `<path>:3` also matches `<path>:3:<column>: `.
            let r = rest.strip_prefix(':').filter(|_| !exact)?;
            let digits = r.chars().take_while(char::is_ascii_digit).count();
            r[digits..].strip_prefix(": ").filter(|_| digits > 0)
        })
        .collect()
}

/// Runs the case and checks the contract of every data error.
fn fails(case: Case) {
    let wd = Workdir::new();
    let path = bad(case.file);
    assert!(path.exists(), "missing fixture {}", path.display());
    let output =
        wd.analyze(&path).args(case.args).arg("--no-charts").timeout(TIMEOUT).output().expect("run emerge");
    let stderr = stderr_of(&output);
    assert!(!stderr.contains("panicked"), "emerge panicked: {stderr}");
    assert_eq!(output.status.code(), Some(1), "exit code 1 expected; stderr: {stderr}");
    assert!(stderr.starts_with("emerge: "), "stderr should start with \"emerge: \": {stderr}");
    assert!(output.stdout.is_empty(), "stdout should be empty: {}", String::from_utf8_lossy(&output.stdout));
    assert!(!wd.out().join("summary.json").exists(), "a failed run wrote summary.json");
    let shown = path.display().to_string();
    assert!(stderr.contains(&shown), "stderr should name {shown}: {stderr}");
    assert!(!case.at.is_empty(), "a case says where its problems are");
    for at in case.at {
        let prefix = format!("{shown}{at}");
        // A location with a column is exact; a line alone may be followed by a column.
        let exact = at.is_empty() || at.rsplit(':').nth(1).is_some_and(|l| l.parse::<u64>().is_ok());
        let messages = located_messages(&stderr, &prefix, exact);
        assert!(!messages.is_empty(), "stderr should locate a problem at {prefix:?}: {stderr}");
        for message in messages {
            assert!(advises(message), "the message at {prefix:?} should say what to do: {message}");
        }
    }
    // Fragments are looked for in the messages, not in the path (the fixtures' names say
    // what is wrong with them).
    let text = stderr.replace(&shown, "<file>");
    for w in case.wanted {
        assert!(text.contains(w), "stderr should contain {w:?}: {stderr}");
    }
    for u in case.unwanted {
        assert!(!text.contains(u), "stderr should not contain {u:?}: {stderr}");
    }
    if !case.one_of.is_empty() {
        let found = case.one_of.iter().any(|w| text.contains(w));
        assert!(found, "stderr should contain one of {:?}: {stderr}", case.one_of);
    }
}

// ---------------------------------------------------------------------------------
// Tidy CSV
// ---------------------------------------------------------------------------------

/// Lines 2-3 and 4-5 are rows with a quoted newline: the bad row starts on line 7.
#[test]
fn tidy_quoted_newline_bad_score() {
    fails(Case {
        at: &[":7:4"],
        wanted: &["score is empty"],
        ..Case::new("tidy-quoted-newline-bad-score.csv")
    });
}

#[test]
fn tidy_unquoted_comma() {
    fails(Case {
        at: &[":3"],
        wanted: &["5 fields but the header has 4"],
        ..Case::new("tidy-unquoted-comma.csv")
    });
}

/// Ways of saying that a quote is never closed.
const UNCLOSED: &[&str] = &["unterminated", "unclosed", "not closed", "never closed"];

/// The quote opened on line 3 is never closed: the csv reader takes the rest of the file
/// as one field. The message must say so, not only count fields.
#[test]
fn tidy_unterminated_quote() {
    fails(Case { at: &[":3"], one_of: UNCLOSED, ..Case::new("tidy-unterminated-quote.csv") });
}

#[test]
fn tidy_duplicate_header() {
    fails(Case {
        at: &[":1:5"],
        wanted: &["\"score\"", "more than once"],
        ..Case::new("tidy-duplicate-header.csv")
    });
}

#[test]
fn tidy_negative_params() {
    fails(Case { at: &[":3:2"], wanted: &["\"-7B\"", "positive"], ..Case::new("tidy-negative-params.csv") });
}

#[test]
fn tidy_empty_model() {
    fails(Case { at: &[":3:1"], wanted: &["model name is empty"], ..Case::new("tidy-empty-model.csv") });
}

#[test]
fn tidy_empty_score() {
    fails(Case {
        at: &[":3:4"],
        wanted: &["score is empty", "n and correct"],
        ..Case::new("tidy-empty-score.csv")
    });
}

#[test]
fn tidy_score_disagrees_with_counts() {
    fails(Case {
        at: &[":3:4"],
        wanted: &["0.9", "correct/n"],
        ..Case::new("tidy-score-disagrees-with-counts.csv")
    });
}

/// The score is empty because n and correct define it; the one problem is correct = 2.5.
#[test]
fn tidy_fractional_correct() {
    fails(Case {
        at: &[":3:6"],
        wanted: &["\"2.5\""],
        unwanted: &["score is empty"],
        ..Case::new("tidy-fractional-correct.csv")
    });
}

/// Lines 2-3 are fractions, lines 4-5 percentages. "pass --percent" alone is wrong advice:
/// with it lines 2-3 become 0.45% and 0.52%, a fake jump. The message must point at the
/// fractions too.
#[test]
fn tidy_mixed_percent_and_fraction() {
    fails(Case {
        at: &[":4:4", ":5:4"],
        wanted: &["line 2"],
        ..Case::new("tidy-mixed-percent-and-fraction.csv")
    });
}

#[test]
fn tidy_percent_sign() {
    fails(Case {
        at: &[":2:4", ":3:4"],
        wanted: &["\"45%\"", "--percent"],
        ..Case::new("tidy-percent-sign.csv")
    });
}

#[test]
fn tidy_negative_flops() {
    fails(Case { at: &[":3:5"], wanted: &["-1e21"], ..Case::new("tidy-negative-flops.csv") });
}

// Per-task metadata and the scale of each metric (issue 16)

/// BLEU on 0–100 beside accuracy as fractions: one error naming the metric and the flag,
/// at its first score above 1; its 0.58 on line 3 is not read as a fraction either.
#[test]
fn issue_16_tidy_percent_metric() {
    fails(Case {
        at: &[":5:5"],
        wanted: &["metric \"bleu\"", "0–100", "--percent-metric bleu", "\"acc\""],
        unwanted: &[":7:5", "pass --percent to", "pass --percent,"],
        ..Case::new("tidy-percent-metric.csv")
    });
}

/// With --on-error skip too: dropping the rows above 1 and reading the rest as fractions
/// is the silent truncation issue 16 reports.
#[test]
fn issue_16_tidy_percent_metric_is_not_skipped() {
    fails(Case {
        args: &["--on-error", "skip"],
        at: &[":5:5"],
        wanted: &["--percent-metric bleu"],
        ..Case::new("tidy-percent-metric.csv")
    });
}

/// A `--percent-metric` that names no metric of the input.
#[test]
fn issue_16_percent_metric_unknown() {
    fails(Case {
        args: &["--percent-metric", "blue"],
        at: &[""],
        wanted: &["--percent-metric \"blue\"", "metrics found: \"acc\", \"bleu\""],
        ..Case::new("tidy-percent-metric.csv")
    });
}

#[test]
fn issue_16_tidy_bad_direction() {
    fails(Case {
        at: &[":3:6"],
        wanted: &["\"higher_is_better\"", "\"lower\"", "true or false"],
        ..Case::new("tidy-bad-direction.csv")
    });
}

#[test]
fn issue_16_tidy_direction_conflict() {
    fails(Case {
        at: &[":4:6"],
        wanted: &["metric \"brier\"", "true here but false at line 2"],
        ..Case::new("tidy-direction-conflict.csv")
    });
}

#[test]
fn issue_16_tidy_chance_out_of_range() {
    fails(Case {
        at: &[":3:5"],
        wanted: &["\"chance\"", "outside [0, 1)", "0.25"],
        ..Case::new("tidy-chance-out-of-range.csv")
    });
}

#[test]
fn issue_16_tidy_chance_conflict() {
    fails(Case {
        at: &[":4:5"],
        wanted: &["chance is 0.5 here but 0.25 at line 2"],
        ..Case::new("tidy-chance-conflict.csv")
    });
}

/// The header's first name has a byte that is not UTF-8: that is the problem, not a
/// missing "model" column.
#[test]
fn tidy_non_utf8_header() {
    fails(Case {
        at: &[":1:1"],
        wanted: &["UTF-8"],
        unwanted: &["missing required column"],
        ..Case::new("tidy-non-utf8-header.csv")
    });
}

/// Excel's "Unicode text" export: UTF-16 with a BOM.
#[test]
fn tidy_utf16() {
    fails(Case {
        at: &[""],
        wanted: &["UTF-16", "UTF-8"],
        unwanted: &["missing required column"],
        ..Case::new("tidy-utf16.csv")
    });
}

// ---------------------------------------------------------------------------------
// TSV
// ---------------------------------------------------------------------------------

#[test]
fn tsv_comma_row() {
    fails(Case { at: &[":3"], wanted: &["but the header has 4"], ..Case::new("tsv-comma-row.tsv") });
}

/// A decimal comma: the message says how to write the number.
#[test]
fn tsv_decimal_comma() {
    fails(Case { at: &[":3:4"], wanted: &["\"0,7\"", "0.7"], ..Case::new("tsv-decimal-comma.tsv") });
}

// ---------------------------------------------------------------------------------
// Wide tables
// ---------------------------------------------------------------------------------

#[test]
fn wide_duplicate_subtask_header() {
    fails(Case {
        args: &["--wide"],
        at: &[":1:5"],
        wanted: &["\"alpha\"", "more than once"],
        ..Case::new("wide-duplicate-subtask-header.csv")
    });
}

#[test]
fn wide_nan_score() {
    fails(Case {
        args: &["--wide"],
        at: &[":3:3"],
        wanted: &["\"NaN\"", "finite"],
        ..Case::new("wide-nan-score.csv")
    });
}

#[test]
fn wide_ragged() {
    fails(Case {
        args: &["--wide"],
        at: &[":3"],
        wanted: &["3 fields but the header has 4"],
        ..Case::new("wide-ragged.csv")
    });
}

/// An empty subtask set: a wide table with only id columns.
#[test]
fn wide_no_subtask_columns() {
    fails(Case {
        args: &["--wide"],
        at: &[":1"],
        wanted: &["no subtask columns"],
        ..Case::new("wide-no-subtask-columns.csv")
    });
}

/// "small" is 1B on line 2 and 2B on line 4 (another task, so not a duplicate row).
#[test]
fn wide_params_disagree() {
    fails(Case {
        args: &["--wide"],
        at: &[":4"],
        wanted: &["\"small\"", "2B", "1B", "at <file>:2"],
        ..Case::new("wide-params-disagree.csv")
    });
}

#[test]
fn wide_percent_score() {
    fails(Case {
        args: &["--wide"],
        at: &[":3:3"],
        wanted: &["70.5", "--percent"],
        ..Case::new("wide-percent-score.csv")
    });
}

#[test]
fn wide_non_utf8() {
    fails(Case { args: &["--wide"], at: &[":3:4"], wanted: &["UTF-8"], ..Case::new("wide-non-utf8.csv") });
}

/// A wide table read as tidy: no subtask column, so suggest --wide.
#[test]
fn wide_without_flag() {
    fails(Case { at: &[""], wanted: &["\"subtask\"", "--wide"], ..Case::new("wide-without-flag.csv") });
}

// ---------------------------------------------------------------------------------
// Item-level CSV
// ---------------------------------------------------------------------------------

#[test]
fn items_correct_2() {
    fails(Case { at: &[":3:5"], wanted: &["outcome 2"], ..Case::new("items-correct-2.csv") });
}

#[test]
fn items_duplicate_item() {
    fails(Case { at: &[":5"], wanted: &["line 2"], ..Case::new("items-duplicate-item.csv") });
}

#[test]
fn items_empty_item() {
    fails(Case { at: &[":3:4"], wanted: &["item id is empty"], ..Case::new("items-empty-item.csv") });
}

/// Line 3 has 4 fields: that is the problem, not an empty outcome.
#[test]
fn items_ragged() {
    fails(Case {
        at: &[":3"],
        wanted: &["4 fields but the header has 5"],
        unwanted: &["outcome is empty"],
        ..Case::new("items-ragged.csv")
    });
}

#[test]
fn items_too_many_fields() {
    fails(Case {
        at: &[":3"],
        wanted: &["6 fields but the header has 5"],
        ..Case::new("items-too-many-fields.csv")
    });
}

#[test]
fn items_params_disagree() {
    fails(Case {
        at: &[":4"],
        wanted: &["\"small\"", "line 2", "one size"],
        ..Case::new("items-params-disagree.csv")
    });
}

#[test]
fn items_bad_params() {
    fails(Case { at: &[":3:2"], wanted: &["\"huge\""], ..Case::new("items-bad-params.csv") });
}

#[test]
fn items_zero_params() {
    fails(Case { at: &[":2:2"], wanted: &["\"0\"", "positive"], ..Case::new("items-zero-params.csv") });
}

#[test]
fn items_non_utf8() {
    fails(Case { at: &[":3:4"], wanted: &["UTF-8"], ..Case::new("items-non-utf8.csv") });
}

/// Rows with quoted newlines: the bad row starts on line 4.
#[test]
fn items_quoted_newline_bad_outcome() {
    fails(Case { at: &[":4:5"], wanted: &["\"yes\""], ..Case::new("items-quoted-newline-bad-outcome.csv") });
}

#[test]
fn items_nan_outcome() {
    fails(Case { at: &[":3:5"], wanted: &["\"nan\""], ..Case::new("items-nan-outcome.csv") });
}

// ---------------------------------------------------------------------------------
// lm-evaluation-harness 0.3 results
// ---------------------------------------------------------------------------------

#[test]
fn lmeval_03_truncated() {
    fails(Case { at: &[":8:15"], wanted: &["EOF", "ends early"], ..Case::new("lmeval-0.3-truncated.json") });
}

#[test]
fn lmeval_03_score_string() {
    fails(Case {
        at: &[":8:7"],
        wanted: &["\"0.6\"", "not a number"],
        ..Case::new("lmeval-0.3-score-string.json")
    });
}

/// Python's bare NaN, which is not JSON.
#[test]
fn lmeval_03_nan_score() {
    fails(Case { at: &[":8:7"], wanted: &["NaN"], ..Case::new("lmeval-0.3-nan-score.json") });
}

#[test]
fn lmeval_03_percent_score() {
    fails(Case { at: &[":8:7"], wanted: &["60.2", "percent"], ..Case::new("lmeval-0.3-percent-score.json") });
}

#[test]
fn lmeval_03_duplicate_key() {
    fails(Case {
        at: &[":10:7"],
        wanted: &["\"acc\" appears twice"],
        ..Case::new("lmeval-0.3-duplicate-key.json")
    });
}

#[test]
fn lmeval_03_non_utf8() {
    fails(Case { at: &[":17:22"], wanted: &["UTF-8"], ..Case::new("lmeval-0.3-non-utf8.json") });
}

#[test]
fn lmeval_03_no_model() {
    fails(Case { at: &[""], wanted: &["model_name"], ..Case::new("lmeval-0.3-no-model.json") });
}

// ---------------------------------------------------------------------------------
// lm-evaluation-harness 0.4 results
// ---------------------------------------------------------------------------------

#[test]
fn lmeval_04_truncated() {
    fails(Case { at: &[":6:19"], wanted: &["EOF"], ..Case::new("lmeval-0.4-truncated.json") });
}

#[test]
fn lmeval_04_score_string() {
    fails(Case { at: &[":5:7"], wanted: &["\"high\""], ..Case::new("lmeval-0.4-score-string.json") });
}

/// The bad standard error is written on line 6, under its metric on line 5.
#[test]
fn lmeval_04_stderr_wrong_type() {
    fails(Case {
        at: &[":6:7"],
        wanted: &["\"acc_stderr,none\"", "array"],
        ..Case::new("lmeval-0.4-stderr-wrong-type.json")
    });
}

/// An empty subtask set: `"results": {}`. The file has "results" and "config", so it is
/// harness output; say that it holds no scores.
#[test]
fn lmeval_04_empty_results() {
    fails(Case {
        at: &[":2"],
        wanted: &["\"results\"", "empty"],
        unwanted: &["neither"],
        ..Case::new("lmeval-0.4-empty-results.json")
    });
}

/// `config.model_num_parameters` is negative (line 21): say so, not "no parameter count".
#[test]
fn lmeval_04_negative_params() {
    fails(Case {
        at: &[":21"],
        wanted: &["model_num_parameters", "-70000000"],
        ..Case::new("lmeval-0.4-negative-params.json")
    });
}

/// Python's bare Infinity is not NaN: say which it is.
#[test]
fn lmeval_04_inf_score() {
    fails(Case {
        at: &[":5:7"],
        wanted: &["Infinity"],
        unwanted: &["NaN"],
        ..Case::new("lmeval-0.4-inf-score.json")
    });
}

/// `results["toy_add"]` is a number, not an object of metrics.
#[test]
fn lmeval_04_task_not_object() {
    fails(Case {
        at: &[":3:5"],
        wanted: &["\"toy_add\"", "not an object"],
        unwanted: &["neither"],
        ..Case::new("lmeval-0.4-task-not-object.json")
    });
}

// ---------------------------------------------------------------------------------
// lm-evaluation-harness 0.4 per-sample logs (with their results file)
// ---------------------------------------------------------------------------------

const SAMPLES: &str = "/samples_toy_add_2024-05-01T12-00-00.000001.jsonl";

/// The last line is cut off. Its position is line 4 of the file, column 40; the message
/// must not contradict it with serde's "line 1" of the one-line document.
#[test]
fn lmeval_samples_truncated() {
    fails(Case {
        args: &["--format", "items"],
        at: &["/samples_toy_add_2024-05-01T12-00-00.000001.jsonl:4:40"],
        wanted: &["EOF"],
        unwanted: &["at line 1 column"],
        ..Case::new("lmeval-samples-truncated")
    });
}

#[test]
fn lmeval_samples_acc_string() {
    fails(Case {
        args: &["--format", "items"],
        at: &["/samples_toy_add_2024-05-01T12-00-00.000001.jsonl:2"],
        wanted: &["\"yes\""],
        ..Case::new("lmeval-samples-acc-string")
    });
}

/// The same log given directly, not its directory.
#[test]
fn lmeval_samples_jsonl_given_directly() {
    fails(Case {
        at: &[":2"],
        wanted: &["\"yes\""],
        ..Case::new("lmeval-samples-acc-string/samples_toy_add_2024-05-01T12-00-00.000001.jsonl")
    });
}

#[test]
fn lmeval_samples_not_object() {
    fails(Case {
        args: &["--format", "items"],
        at: &["/samples_toy_add_2024-05-01T12-00-00.000001.jsonl:3"],
        wanted: &["an array"],
        ..Case::new("lmeval-samples-not-object")
    });
}

#[test]
fn lmeval_samples_no_results() {
    fails(Case {
        args: &["--format", "items"],
        at: &["/samples_toy_add_2024-05-01T12-00-00.000001.jsonl"],
        wanted: &["results_"],
        ..Case::new("lmeval-samples-no-results")
    });
}

// ---------------------------------------------------------------------------------
// BIG-bench
// ---------------------------------------------------------------------------------

#[test]
fn bigbench_total_params_string() {
    fails(Case {
        at: &[":5:5"],
        wanted: &["\"total_params\"", "\"2M\""],
        ..Case::new("bigbench-total-params-string.json")
    });
}

#[test]
fn bigbench_negative_params() {
    fails(Case { at: &[":5:5"], wanted: &["-2000000"], ..Case::new("bigbench-negative-params.json") });
}

/// total_params 0 means unknown, and the name "big" carries no size.
#[test]
fn bigbench_zero_params_no_size_in_name() {
    fails(Case {
        at: &[":11:9"],
        wanted: &["--params-file"],
        ..Case::new("bigbench-zero-params-no-size-in-name.json")
    });
}

/// An empty subtask set: `"scores": []`.
#[test]
fn bigbench_empty_scores() {
    fails(Case {
        at: &[":7:3"],
        wanted: &["\"scores\" is empty"],
        ..Case::new("bigbench-empty-scores.json")
    });
}

#[test]
fn bigbench_empty_score_dict() {
    fails(Case {
        at: &[":8:28"],
        wanted: &["\"score_dict\" is empty"],
        ..Case::new("bigbench-empty-score-dict.json")
    });
}

#[test]
fn bigbench_score_string() {
    fails(Case {
        at: &[":11:9"],
        wanted: &["\"0.25\"", "unquoted"],
        ..Case::new("bigbench-score-string.json")
    });
}

#[test]
fn bigbench_percent_score() {
    fails(Case { at: &[":11:9"], wanted: &["27.5", "percent"], ..Case::new("bigbench-percent-score.json") });
}

#[test]
fn bigbench_truncated() {
    fails(Case { at: &[":11:36"], wanted: &["EOF"], ..Case::new("bigbench-truncated.json") });
}

// ---------------------------------------------------------------------------------
// Directories
// ---------------------------------------------------------------------------------

#[test]
fn dir_no_results() {
    fails(Case { at: &[""], wanted: &["no lm-evaluation-harness results"], ..Case::new("dir-no-results") });
}

/// Two runs of one model in one directory, with different model_num_parameters.
#[test]
fn dir_lmeval_params_disagree() {
    fails(Case {
        at: &["/results_2024-05-02T12-00-00.000001.json:3:37"],
        wanted: &["160M", "70M", "results_2024-05-01T12-00-00.000001.json:3"],
        ..Case::new("dir-lmeval-params-disagree")
    });
}

// ---------------------------------------------------------------------------------
// Generated: a 100 MB line
// ---------------------------------------------------------------------------------

/// Runs `emerge analyze INPUT --no-charts` with at most 2 GiB of address space (a 100 MB
/// input must not need 20 times its size), and returns (exit code, stderr).
fn run_limited(wd: &Workdir, input: &Path) -> (Option<i32>, String) {
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2097152 && exec \"$0\" analyze \"$1\" --out \"$2\" --no-charts")
        .arg(env!("CARGO_BIN_EXE_emerge"))
        .arg(input)
        .arg(wd.out())
        .current_dir(wd.path())
        // glibc reserves 64 MB of address space per malloc arena; keep that from scaling
        // with the number of cores.
        .env("MALLOC_ARENA_MAX", "2")
        .output()
        .expect("run emerge under sh");
    assert!(output.stdout.is_empty(), "stdout should be empty");
    (output.status.code(), stderr_of(&output))
}

const HUNDRED_MB: usize = 100 << 20;

/// A score cell of 100 MB on line 3, without a final newline. The message locates it and
/// does not echo 100 MB back.
#[test]
fn hundred_mb_cell() {
    let wd = Workdir::new();
    let mut bytes = b"model,params,subtask,score\nsmall,1B,alpha,0.5\nlarge,10B,alpha,".to_vec();
    bytes.resize(bytes.len() + HUNDRED_MB, b'x');
    let path = wd.write("huge_cell.csv", bytes);
    let (code, stderr) = run_limited(&wd, &path);
    let head: String = stderr.chars().take(2000).collect();
    assert!(!stderr.contains("panicked"), "emerge panicked: {head}");
    assert_eq!(code, Some(1), "stderr: {head}");
    assert!(stderr.contains(&format!("{}:3:4: ", path.display())), "stderr: {head}");
    assert!(stderr.len() < 64 << 10, "a {} byte message is not readable: {head}", stderr.len());
}

/// One 100 MB line and no newline: a header with no usable column.
#[test]
fn hundred_mb_line_without_newline() {
    let wd = Workdir::new();
    let path = wd.write("huge_line.csv", vec![b'm'; HUNDRED_MB]);
    let (code, stderr) = run_limited(&wd, &path);
    let head: String = stderr.chars().take(2000).collect();
    assert!(!stderr.contains("panicked"), "emerge panicked: {head}");
    assert_eq!(code, Some(1), "stderr: {head}");
    assert!(stderr.contains(&path.display().to_string()), "stderr: {head}");
    assert!(stderr.len() < 64 << 10, "a {} byte message is not readable: {head}", stderr.len());
}

// ---------------------------------------------------------------------------------
// Generated: a symbolic-link loop
// ---------------------------------------------------------------------------------

fn pythia_70m() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("datasets/pythia-lm-eval-0.3/pythia-70m/zero-shot/70m_step143000.json")
}

/// A directory holding one results file, a link to itself and a link to its parent
/// through itself. Each directory is visited once, so the run succeeds and reads the file
/// exactly once: the same counts as the file alone in a directory.
#[test]
fn symlink_loop_reads_each_file_once() {
    let alone = Workdir::new();
    let dir = alone.path().join("runs");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(pythia_70m(), dir.join("70m.json")).unwrap();
    alone.analyze(&dir).arg("--no-charts").timeout(TIMEOUT).assert().success();
    let want = alone.summary()["input"].clone();

    let wd = Workdir::new();
    let dir = wd.path().join("runs");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(pythia_70m(), dir.join("70m.json")).unwrap();
    std::os::unix::fs::symlink(".", dir.join("self")).unwrap();
    std::os::unix::fs::symlink("../runs", dir.join("up")).unwrap();
    let output = wd.analyze(&dir).arg("--no-charts").timeout(TIMEOUT).output().unwrap();
    let stderr = stderr_of(&output);
    assert!(!stderr.contains("panicked"), "emerge panicked: {stderr}");
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    let input = &wd.summary()["input"];
    for key in ["rows_read", "rows_used", "rows_dropped"] {
        assert_eq!(input[key], want[key], "{key}: {input} vs {want}");
    }
    assert!(want["rows_used"].as_u64().unwrap() > 0, "{want}");
}

// ---------------------------------------------------------------------------------
// Good but awkward: these must succeed
// ---------------------------------------------------------------------------------

/// Runs a fixture that must succeed and returns summary.json.
fn succeeds(file: &str, args: &[&str]) -> Value {
    let wd = Workdir::new();
    let output =
        wd.analyze(bad(file)).args(args).arg("--no-charts").timeout(TIMEOUT).output().expect("run emerge");
    let stderr = stderr_of(&output);
    assert!(!stderr.contains("panicked"), "emerge panicked: {stderr}");
    assert_eq!(output.status.code(), Some(0), "{file} should be read; stderr: {stderr}");
    let summary = wd.summary();
    assert_accounts(&summary["input"]);
    summary
}

fn names(summary: &Value, kind: &str) -> Vec<String> {
    summary["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == kind)
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn good_tidy_bom_and_crlf() {
    let summary = succeeds("tidy-bom-and-crlf.csv", &[]);
    assert_eq!(summary["input"]["rows_read"], 4);
    assert_eq!(summary["input"]["rows_used"], 4);
    assert_eq!(names(&summary, "subtask"), ["alpha", "beta"]);
}

/// Every subtask cell empty: task-level scores only, analysed as their own series.
#[test]
fn good_tidy_task_level_only() {
    let summary = succeeds("tidy-task-level-only.csv", &[]);
    assert_eq!(summary["input"]["rows_used"], 3);
    assert_eq!(names(&summary, "task"), ["task-level"]);
    assert!(names(&summary, "compound").is_empty());
}

#[test]
fn good_lmeval_03_bom_and_crlf() {
    let summary = succeeds("lmeval-0.3-bom-crlf.json", &[]);
    assert_eq!(summary["input"]["rows_used"], 2);
}

/// `"acc_stderr,none": "N/A"` is the harness's way of saying there is none.
#[test]
fn good_lmeval_04_stderr_na() {
    let summary = succeeds("lmeval-0.4-stderr-na.json", &[]);
    assert_eq!(summary["input"]["rows_used"], 2);
    assert_eq!(names(&summary, "subtask"), ["toy_add", "toy_sub"]);
}

/// Without --format items the directory's results file is read and the (truncated)
/// sample log is only mentioned.
#[test]
fn good_samples_directory_without_format_items_reads_the_results() {
    let summary = succeeds("lmeval-samples-truncated", &[]);
    assert_eq!(summary["input"]["rows_used"], 1);
    let codes: Vec<&str> =
        summary["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"samples-not-read"), "{codes:?}");
}

// ---------------------------------------------------------------------------------
// --on-error skip: every dropped row listed and counted
// ---------------------------------------------------------------------------------

/// rows_read = rows_used + rows_dropped, and every dropped row is listed.
fn assert_accounts(input: &Value) {
    let n = |k: &str| input[k].as_u64().unwrap_or_else(|| panic!("input.{k} is a count: {input}"));
    assert_eq!(n("rows_read"), n("rows_used") + n("rows_dropped"), "{input}");
    let dropped = input["dropped"].as_array().expect("input.dropped is an array");
    assert_eq!(dropped.len() as u64, n("rows_dropped"), "every dropped row is listed: {input}");
}

/// Runs a fixture with `--on-error skip`; it must succeed and drop exactly the rows at
/// `lines` (of `file_suffix`, the fixture or a file inside it), each with a reason
/// containing `reason`. Returns the summary's `input`.
fn skips(file: &str, args: &[&str], rows_read: u64, dropped: &[(&str, u64)], reason: &str) -> Value {
    let wd = Workdir::new();
    let path = bad(file);
    let output = wd
        .analyze(&path)
        .args(args)
        .args(["--on-error", "skip", "--no-charts"])
        .timeout(TIMEOUT)
        .output()
        .expect("run emerge");
    let stderr = stderr_of(&output);
    assert!(!stderr.contains("panicked"), "emerge panicked: {stderr}");
    assert_eq!(output.status.code(), Some(0), "--on-error skip should succeed; stderr: {stderr}");
    let input = wd.summary()["input"].clone();
    assert_accounts(&input);
    assert_eq!(input["rows_read"], rows_read, "{input}");
    let listed: Vec<(String, u64)> = input["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["file"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap()))
        .collect();
    let want: Vec<(String, u64)> =
        dropped.iter().map(|(inside, line)| (format!("{}{inside}", path.display()), *line)).collect();
    assert_eq!(listed, want, "{input}");
    for d in input["dropped"].as_array().unwrap() {
        let r = d["reason"].as_str().unwrap();
        assert!(r.contains(reason), "reason should contain {reason:?}: {r}");
    }
    input
}

#[test]
fn skip_tidy_quoted_newline() {
    skips("tidy-quoted-newline-bad-score.csv", &[], 4, &[("", 7)], "score is empty");
}

/// Issue 16: percentages among fractions are never dropped row by row, with --on-error
/// skip either: the rows left would be read on the wrong scale.
#[test]
fn issue_16_skip_does_not_drop_mixed_percent_and_fraction() {
    fails(Case {
        args: &["--on-error", "skip"],
        at: &[":4:4", ":5:4"],
        wanted: &["line 2"],
        ..Case::new("tidy-mixed-percent-and-fraction.csv")
    });
}

#[test]
fn skip_tidy_unquoted_comma() {
    skips("tidy-unquoted-comma.csv", &[], 2, &[("", 3)], "5 fields");
}

/// The unclosed quote swallows line 4's row into line 3's: the reason must say so, or
/// that row is lost without a word.
#[test]
fn skip_tidy_unterminated_quote() {
    let input = skips("tidy-unterminated-quote.csv", &[], 2, &[("", 3)], "");
    let reason = input["dropped"][0]["reason"].as_str().unwrap();
    assert!(UNCLOSED.iter().any(|w| reason.contains(w)), "the reason should name the open quote: {reason}");
}

#[test]
fn skip_wide_nan_score() {
    skips("wide-nan-score.csv", &["--wide"], 4, &[("", 3)], "\"NaN\"");
}

/// Two cells of line 4 are dropped: each entry must be told apart from the other.
#[test]
fn skip_wide_params_disagree_lists_each_cell_once() {
    let input = skips("wide-params-disagree.csv", &["--wide"], 6, &[("", 4), ("", 4)], "one size");
    let dropped = input["dropped"].as_array().unwrap();
    assert_ne!(dropped[0], dropped[1], "two dropped cells, two different entries: {input}");
}

#[test]
fn skip_items_correct_2() {
    skips("items-correct-2.csv", &[], 8, &[("", 3)], "outcome 2");
}

#[test]
fn skip_items_quoted_newline() {
    skips("items-quoted-newline-bad-outcome.csv", &[], 3, &[("", 4)], "\"yes\"");
}

#[test]
fn skip_items_duplicate_item() {
    skips("items-duplicate-item.csv", &[], 5, &[("", 5)], "line 2");
}

#[test]
fn skip_items_too_many_fields() {
    skips("items-too-many-fields.csv", &[], 3, &[("", 3)], "6 fields");
}

#[test]
fn skip_items_non_utf8() {
    skips("items-non-utf8.csv", &[], 3, &[("", 3)], "UTF-8");
}

#[test]
fn skip_lmeval_03_score_string() {
    skips("lmeval-0.3-score-string.json", &[], 2, &[("", 8)], "\"0.6\"");
}

#[test]
fn skip_lmeval_04_score_string() {
    skips("lmeval-0.4-score-string.json", &[], 2, &[("", 5)], "\"high\"");
}

#[test]
fn skip_lmeval_samples_truncated() {
    skips("lmeval-samples-truncated", &["--format", "items"], 4, &[(SAMPLES, 4)], "EOF");
}

#[test]
fn skip_bigbench_score_string() {
    skips("bigbench-score-string.json", &[], 2, &[("", 11)], "\"0.25\"");
}
