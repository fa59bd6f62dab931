//! End-to-end tests of the `emerge` binary: every test runs it in its own temporary
//! working directory and reads back what it wrote to `--out`. The modules after them check
//! what emerge produces as a whole: the committed figures (`figures`), Schaeffer et al.'s
//! mirage through the library (`mirage`), the notebooks (`notebooks`, with a Python
//! environment), report.html in headless Chromium (`report_browser`, skipped without a
//! browser unless `CI` is set) and the output of a 2,000-series corpus (`report_scale`).
//!
//! Fixtures live in `tests/data/` (bad inputs in `tests/data/bad/`, one file per case);
//! inputs whose exact bytes matter (BOM, CRLF, invalid UTF-8) are written by the test.
//! Reference values come from `tests/reference/spine_reference.txt` and
//! `tests/reference/emergence_reference.txt`.

mod artefact;
mod backtest;
mod bad_inputs;
mod formats;
mod metadata;
mod readme;
mod report;
mod stats;
mod util;

mod figures;
mod mirage;
mod notebooks;
mod report_browser;
mod report_scale;

use std::path::Path;

use approx::assert_relative_eq;
use serde_json::Value;

use util::{data, emergence_reference, reference, reference_in, seed, Workdir};

// ---------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------

/// The one series of `summary` with this kind and name (single-group inputs).
fn series<'a>(summary: &'a Value, kind: &str, name: &str) -> &'a Value {
    let found: Vec<&Value> =
        all_series(summary).iter().filter(|s| s["kind"] == kind && s["name"] == name).collect();
    assert_eq!(found.len(), 1, "expected one {kind} series {name:?} in {summary:#}");
    found[0]
}

fn all_series(summary: &Value) -> &Vec<Value> {
    summary["series"].as_array().expect("summary.series is an array")
}

fn f64_of(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("expected a number, got {v}"))
}

fn values(series: &Value) -> Vec<f64> {
    points(series).iter().map(|p| f64_of(&p["value"])).collect()
}

fn models(series: &Value) -> Vec<&str> {
    points(series).iter().map(|p| p["model"].as_str().expect("model is a string")).collect()
}

fn points(series: &Value) -> &Vec<Value> {
    series["points"].as_array().expect("series.points is an array")
}

fn assert_values(series: &Value, want: &[f64]) {
    let got = values(series);
    assert_eq!(got.len(), want.len(), "values of {}: {got:?}, want {want:?}", series["name"]);
    for (g, w) in got.iter().zip(want) {
        assert_relative_eq!(*g, *w, max_relative = 1e-12);
    }
}

fn warnings_with_code<'a>(summary: &'a Value, code: &str) -> Vec<&'a str> {
    summary["warnings"]
        .as_array()
        .expect("summary.warnings is an array")
        .iter()
        .filter(|w| w["code"] == code)
        .map(|w| w["message"].as_str().expect("warning message is a string"))
        .collect()
}

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

/// Runs `emerge analyze INPUT [ARGS]` and checks the contract every data error keeps:
/// exit code 1, nothing on stdout, a message on stderr that starts with `emerge: ` and
/// names the input, no panic, and no summary written. Returns stderr.
fn data_error(wd: &Workdir, input: &Path, args: &[&str]) -> String {
    let output = wd.analyze(input).args(args).assert().code(1).get_output().clone();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(stderr.starts_with("emerge: "), "stderr should start with \"emerge: \": {stderr}");
    assert!(
        stderr.contains(&input.display().to_string()),
        "stderr should name {}: {stderr}",
        input.display()
    );
    assert!(!stderr.contains("panicked"), "emerge panicked: {stderr}");
    assert!(output.stdout.is_empty(), "stdout should be empty: {}", stdout_of(&output));
    assert!(!wd.out().join("summary.json").exists(), "a failed run wrote summary.json");
    stderr
}

/// [`data_error`] on `tests/data/bad/<case>.csv`; returns the fixture's path and stderr.
fn bad_fixture(case: &str) -> (String, String) {
    let wd = Workdir::new();
    let path = data(&format!("bad/{case}.csv"));
    let stderr = data_error(&wd, &path, &[]);
    (path.display().to_string(), stderr)
}

fn assert_mentions(stderr: &str, wanted: &[&str]) {
    for w in wanted {
        assert!(stderr.contains(w), "stderr should contain {w:?}: {stderr}");
    }
}

/// `emerge analyze <seed> ARGS` must fail as a usage error (exit 2) before doing any work.
fn usage_error(args: &[&str]) -> String {
    let wd = Workdir::new();
    let output = wd.analyze(seed()).args(args).assert().code(2).get_output().clone();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "emerge panicked: {stderr}");
    assert!(output.stdout.is_empty(), "stdout should be empty: {}", stdout_of(&output));
    assert!(!wd.out().exists(), "a usage error created the output directory");
    stderr
}

/// P(X ≥ k) for X ~ Binomial(n, p), by direct summation.
fn binomial_tail(n: u32, p: f64, k: u32) -> f64 {
    let choose = |n: u32, j: u32| (0..j).fold(1.0, |c, i| c * f64::from(n - i) / f64::from(i + 1));
    (k..=n).map(|j| choose(n, j) * p.powi(j as i32) * (1.0 - p).powi((n - j) as i32)).sum()
}

// ---------------------------------------------------------------------------------
// A. End to end on the seed dataset
// ---------------------------------------------------------------------------------

#[test]
fn seed_end_to_end() {
    let wd = Workdir::new();
    let output = wd.analyze(seed()).assert().success().get_output().clone();
    assert!(stdout_of(&output).contains("30 rows read"), "stdout: {}", stdout_of(&output));

    let summary = wd.summary();
    let input = &summary["input"];
    assert_eq!(input["rows_read"], 30);
    assert_eq!(
        input["rows_used"].as_u64().unwrap() + input["rows_dropped"].as_u64().unwrap(),
        30,
        "every row read is used or dropped: {input}"
    );
    assert_eq!(summary["compose"], serde_json::json!(["all", "mean"]));

    let subtasks: Vec<&Value> = all_series(&summary).iter().filter(|s| s["kind"] == "subtask").collect();
    assert_eq!(subtasks.len(), 5);
    for s in subtasks {
        assert_eq!(points(s).len(), 6);
    }

    let all = series(&summary, "compound", "all");
    assert_eq!(all["subtasks_composed"], 5);
    assert_eq!(all["higher_is_better"], true);
    let v = values(all);
    assert_eq!(v.len(), 6);
    assert_relative_eq!(v[0], reference("all_seed_small"), max_relative = 1e-12);
    assert_relative_eq!(v[5], reference("all_seed_large"), max_relative = 1e-12);
    assert!(v.windows(2).all(|w| w[0] < w[1]), "all rises with size: {v:?}");
    let implied = |i: usize| f64_of(&points(all)[i]["implied_subtask_rate"]);
    assert_relative_eq!(implied(0), 0.4, max_relative = 1e-12);
    assert_relative_eq!(implied(5), 0.6, max_relative = 1e-12);
    assert_relative_eq!(f64_of(&all["emergence_score"]), reference("score_seed_all"), max_relative = 1e-9);

    let mean = series(&summary, "compound", "mean");
    assert_eq!(points(mean).len(), 6);
    assert!(points(mean).iter().all(|p| p["implied_subtask_rate"].is_null()));
    assert_relative_eq!(f64_of(&mean["emergence_score"]), 5.0, max_relative = 1e-9);
    // Six sizes, five steps: the score per step.
    assert_relative_eq!(
        f64_of(&all["emergence_score_normalized"]),
        emergence_reference("seed_all_normalized"),
        max_relative = 1e-9
    );
    assert_relative_eq!(f64_of(&mean["emergence_score_normalized"]), 1.0, max_relative = 1e-9);

    let csv = String::from_utf8(wd.read_out("series.csv")).expect("series.csv is UTF-8");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "task,family,metric,shots,kind,name,model,params,value,implied_subtask_rate,higher_is_better,\
             n,ci_low,ci_high,se,detection_floor,below_detection_floor"
        )
    );
    assert_eq!(lines.count(), 7 * 6, "one row per point of 5 subtask and 2 compound series");

    let parquet = wd.read_out("series.parquet");
    assert!(parquet.starts_with(b"PAR1") && parquet.ends_with(b"PAR1"), "series.parquet is not Parquet");

    for chart in ["seed_example_subtasks.png", "seed_example_compound.png", "seed_example_compound_log.png"] {
        let image = image::load_from_memory(&wd.read_out(chart))
            .unwrap_or_else(|e| panic!("{chart} does not decode: {e}"));
        assert_eq!((image.width(), image.height()), (1600, 1000), "{chart}");
    }
}

/// `series.parquet` holds the rows of `series.csv`, column by column, with typed columns
/// (a column shifted or mistyped in one file and not the other fails here).
#[test]
fn series_parquet_reads_back_as_series_csv() {
    use polars::prelude::*;
    let wd = Workdir::new();
    // Shots, intervals, floors and implied rates: every column has values somewhere.
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/gpt3_arithmetic.csv");
    wd.analyze(&input).args(["--n", "1000", "--no-charts", "-q"]).assert().success();

    let csv_bytes = wd.read_out("series.csv");
    let mut csv = csv::Reader::from_reader(csv_bytes.as_slice());
    let header: Vec<String> = csv.headers().unwrap().iter().map(str::to_string).collect();
    let records: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    let parquet = ParquetReader::new(std::fs::File::open(wd.out().join("series.parquet")).unwrap())
        .finish()
        .expect("series.parquet reads back");

    let names: Vec<String> = parquet.get_column_names().iter().map(|n| n.to_string()).collect();
    assert_eq!(names, header, "the same columns in the same order");
    assert_eq!(parquet.height(), records.len(), "the same rows");
    let dtypes: Vec<String> = parquet.dtypes().iter().map(|t| t.to_string()).collect();
    let expected = [
        "str", "str", "str", "str", "str", "str", "str", "f64", "f64", "f64", "bool", "u64", "f64", "f64",
        "f64", "f64", "bool",
    ];
    assert_eq!(dtypes, expected, "typed columns");
    for (c, name) in header.iter().enumerate() {
        let column = parquet.column(name).unwrap().as_materialized_series();
        assert!(records.iter().any(|r| !r[c].is_empty()), "{name} has values");
        for (r, record) in records.iter().enumerate() {
            // As series.csv writes it: shortest round-trip numbers, empty when missing.
            let text = match column.get(r).unwrap() {
                AnyValue::Null => String::new(),
                AnyValue::String(s) => s.to_string(),
                AnyValue::StringOwned(s) => s.to_string(),
                AnyValue::Float64(v) => v.to_string(),
                AnyValue::UInt64(v) => v.to_string(),
                AnyValue::Boolean(v) => v.to_string(),
                other => panic!("{name}: unexpected value {other:?}"),
            };
            assert_eq!(text, record[c], "{name}, row {r}");
        }
    }
}

// ---------------------------------------------------------------------------------
// B. Determinism
// ---------------------------------------------------------------------------------

#[test]
fn two_runs_write_identical_files() {
    let (first, second) = (Workdir::new(), Workdir::new());
    first.analyze(seed()).assert().success();
    second.analyze(seed()).assert().success();
    let files = first.out_files();
    assert_eq!(files, second.out_files());
    assert!(files.len() >= 6, "expected summary, CSV, Parquet and three charts: {files:?}");
    for name in &files {
        assert!(first.read_out(name) == second.read_out(name), "{name} differs between two identical runs");
    }
}

#[test]
fn the_number_of_threads_does_not_change_any_byte() {
    // Series are analysed and charts drawn in parallel (rayon), item files aggregated by
    // polars' streaming engine: one thread and four must write the same files, for
    // aggregated scores with the bootstrap and the verdict and for item-level rows.
    let items = Workdir::new();
    items
        .emerge()
        .args(["simulate", "--items", "300", "--steps", "5", "--seed", "3", "--out", "items.csv"])
        .assert()
        .success();
    let items_csv = items.path().join("items.csv");
    for (input, extra) in [(seed(), vec!["--n", "1000"]), (items_csv, vec!["--bootstrap", "300"])] {
        let runs: Vec<Workdir> = ["1", "4"]
            .into_iter()
            .map(|threads| {
                let wd = Workdir::new();
                wd.analyze(&input)
                    .args(&extra)
                    .arg("-q")
                    .env("RAYON_NUM_THREADS", threads)
                    .env("POLARS_MAX_THREADS", threads)
                    .assert()
                    .success();
                wd
            })
            .collect();
        let files = runs[0].out_files();
        assert_eq!(files, runs[1].out_files());
        assert!(files.iter().any(|f| f.ends_with(".png")), "charts included: {files:?}");
        for name in &files {
            assert!(
                runs[0].read_out(name) == runs[1].read_out(name),
                "{name} of {} differs between 1 and 4 threads",
                input.display()
            );
        }
    }
}

// ---------------------------------------------------------------------------------
// C. Compose operators
// ---------------------------------------------------------------------------------

#[test]
fn compose_operators_keep_their_spelling_and_values() {
    let ops = ["all", "atleast:3", "mean", "exact:2", "editdist:3", "all:rho=0.3"];
    let wd = Workdir::new();
    let mut cmd = wd.analyze(seed());
    for op in ops {
        cmd.args(["--compose", op]);
    }
    cmd.assert().success();

    let summary = wd.summary();
    assert_eq!(summary["compose"], serde_json::json!(ops));
    let compounds: Vec<&str> = all_series(&summary)
        .iter()
        .filter(|s| s["kind"] == "compound")
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(compounds, ops);

    for op in ops {
        let s = series(&summary, "compound", op);
        assert_eq!(s["higher_is_better"], op != "editdist:3", "{op}");
        assert_eq!(points(s).len(), 6, "{op}");
        let implied = points(s).iter().all(|p| !p["implied_subtask_rate"].is_null());
        assert_eq!(implied, op == "all", "only the strict product implies a subtask rate ({op})");
    }

    // binom.sf(2, 5, 0.4) = C(5,3)·.4³·.6² + C(5,4)·.4⁴·.6 + .4⁵ = .2304 + .0768 + .01024
    let at_least = values(series(&summary, "compound", "atleast:3"));
    assert_relative_eq!(at_least[0], 0.31744, max_relative = 1e-12);
    assert_relative_eq!(at_least[0], binomial_tail(5, 0.4, 3), max_relative = 1e-12);
    assert_relative_eq!(at_least[5], binomial_tail(5, 0.6, 3), max_relative = 1e-12);

    let exact = values(series(&summary, "compound", "exact:2"));
    assert_relative_eq!(exact[0], 0.16, max_relative = 1e-12);
    assert_relative_eq!(exact[5], 0.36, max_relative = 1e-12);

    let edit = values(series(&summary, "compound", "editdist:3"));
    assert_relative_eq!(edit[0], 1.8, max_relative = 1e-12);
    assert_relative_eq!(edit[5], 1.2, max_relative = 1e-12);
    let edit_score = f64_of(&series(&summary, "compound", "editdist:3")["emergence_score"]);
    assert!(
        edit_score > 0.0,
        "edit distance falls with size: lower is better, so it scores positive: {edit_score}"
    );

    // The seed's rates are 0.4 and 0.6000000000000001 for all 5 subtasks (spine_reference.py).
    let correlated = values(series(&summary, "compound", "all:rho=0.3"));
    let rho = |key| reference_in("rho_reference.txt", key);
    assert_relative_eq!(correlated[0], rho("rho:equal:p=0.4:k=5:R=0.3:quad"), max_relative = 1e-12);
    assert_relative_eq!(
        correlated[5],
        rho("rho:seed_top:p=0.6000000000000001:k=5:R=0.3:quad"),
        max_relative = 1e-12
    );

    let csv = String::from_utf8(wd.read_out("series.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + (5 + ops.len()) * 6);
    assert!(csv.contains(",compound,editdist:3,toy-10M,") && csv.contains(",false,,,,,,\n"));
}

// ---------------------------------------------------------------------------------
// D. Column mapping, percentages, parameter counts, header case
// ---------------------------------------------------------------------------------

#[test]
fn mapped_columns_and_percent_scores() {
    let wd = Workdir::new();
    wd.analyze(data("mapped_percent.csv"))
        .args(["--col", "model=Model_Name", "--col", "params=Size", "--col", "subtask=Sub"])
        .args(["--col", "score=Acc", "--percent"])
        .assert()
        .success();
    let summary = wd.summary();
    assert_eq!(summary["input"]["rows_read"], 8);

    let alpha = series(&summary, "subtask", "alpha");
    // Ordered by parameter count: 350M < 1e9 < 1.3b < 7B.
    assert_eq!(models(alpha), ["m-350m", "m-1e9", "m-1.3b", "m-7b"]);
    let params: Vec<f64> = points(alpha).iter().map(|p| f64_of(&p["params"])).collect();
    assert_eq!(params, [350e6, 1e9, 1_300_000_000.0, 7e9]);
    assert_values(alpha, &[0.40, 0.42, 0.455, 0.60]);
    assert_values(series(&summary, "subtask", "beta"), &[0.50, 1.0, 0.55, 0.70]);
    assert_values(series(&summary, "compound", "all"), &[0.2, 0.42, 0.455 * 0.55, 0.42]);
}

#[test]
fn headers_match_case_insensitively() {
    let wd = Workdir::new();
    wd.analyze(data("upper_headers.csv")).assert().success();
    let summary = wd.summary();
    assert_eq!(summary["input"]["rows_used"], 4);
    let alpha = series(&summary, "subtask", "alpha");
    assert_eq!(models(alpha), ["small", "large"]);
    assert_values(alpha, &[0.2, 0.6]);
    assert_values(series(&summary, "compound", "all"), &[0.06, 0.42]);
}

#[test]
fn col_naming_an_absent_header_is_a_data_error() {
    let wd = Workdir::new();
    let path = data("upper_headers.csv");
    let stderr = data_error(&wd, &path, &["--col", "score=Accuracy"]);
    assert_mentions(&stderr, &["--col score=Accuracy", "\"Accuracy\"", "columns found", "\"SCORE\""]);
}

// ---------------------------------------------------------------------------------
// E. Task-level rows, groups, missing cells
// ---------------------------------------------------------------------------------

#[test]
fn task_level_rows_are_their_own_series_and_not_composed() {
    let wd = Workdir::new();
    wd.analyze(data("task_level.csv")).assert().success();
    let summary = wd.summary();

    let task = series(&summary, "task", "task-level");
    assert_eq!(models(task), ["small", "large"]);
    assert_values(task, &[0.3, 0.55]);
    assert!(task["subtasks_composed"].is_null());

    let kinds: Vec<(&str, &str)> = all_series(&summary)
        .iter()
        .map(|s| (s["kind"].as_str().unwrap(), s["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("subtask", "alpha"),
            ("subtask", "beta"),
            ("task", "task-level"),
            ("compound", "all"),
            ("compound", "mean")
        ]
    );
    // The compounds use the two subtasks only, never the task-level score.
    let all = series(&summary, "compound", "all");
    assert_eq!(all["subtasks_composed"], 2);
    assert_values(all, &[0.5 * 0.4, 0.7 * 0.6]);
    assert_values(series(&summary, "compound", "mean"), &[0.45, 0.65]);
    assert_relative_eq!(f64_of(&points(all)[0]["implied_subtask_rate"]), 0.2f64.sqrt(), max_relative = 1e-12);
    assert!(summary["warnings"].as_array().unwrap().is_empty(), "{}", summary["warnings"]);
}

#[test]
fn task_family_and_metric_columns_make_separate_groups() {
    let wd = Workdir::new();
    wd.analyze(data("groups.csv")).assert().success();
    let summary = wd.summary();

    let mut groups: Vec<(&str, &str, &str)> = Vec::new();
    for s in all_series(&summary) {
        let key = (s["task"].as_str().unwrap(), s["family"].as_str().unwrap(), s["metric"].as_str().unwrap());
        if !groups.contains(&key) {
            groups.push(key);
        }
    }
    assert_eq!(
        groups,
        [
            ("arith", "alpha", "accuracy"),
            ("arith", "beta", "accuracy"),
            ("words", "alpha", "accuracy"),
            ("words", "alpha", "bleu")
        ]
    );
    assert_eq!(all_series(&summary).len(), 4 * 3, "s1, all and mean per group");

    let in_group = |task: &str, family: &str, metric: &str, name: &str| -> &Value {
        let found: Vec<&Value> = all_series(&summary)
            .iter()
            .filter(|s| {
                s["task"] == task && s["family"] == family && s["metric"] == metric && s["name"] == name
            })
            .collect();
        assert_eq!(found.len(), 1, "{task}/{family}/{metric}/{name}");
        found[0]
    };
    assert_values(in_group("arith", "alpha", "accuracy", "s1"), &[0.2, 0.5]);
    assert_values(in_group("arith", "beta", "accuracy", "s1"), &[0.3, 0.6]);
    assert_values(in_group("words", "alpha", "accuracy", "all"), &[0.1, 0.4]);
    assert_values(in_group("words", "alpha", "bleu", "all"), &[0.15, 0.35]);

    // Each group gets its own four charts (no emergence surface: one subtask is no
    // compound); the task with two families gets them side by side; one chart of
    // emergence scores covers every series.
    let pngs: Vec<String> = wd.out_files().into_iter().filter(|f| f.ends_with(".png")).collect();
    let mut expected: Vec<String> = ["arith_alpha", "arith_beta", "words_accuracy", "words_bleu"]
        .iter()
        .flat_map(|g| {
            ["subtasks", "compound", "compound_log", "compound_logit"].map(|c| format!("{g}_{c}.png"))
        })
        .chain(["arith_families.png".to_string(), "emergence_scores.png".to_string()])
        .collect();
    expected.sort();
    assert_eq!(pngs, expected);
}

#[test]
fn families_side_by_side_get_one_chart_per_metric() {
    let wd = Workdir::new();
    wd.analyze(data("families_two_metrics.csv")).args(["--chart-format", "png,svg"]).assert().success();
    let files = wd.out_files();
    for name in ["t_acc_families", "t_acc_norm_families", "emergence_scores", "t_alpha_acc_surface"] {
        for ext in ["png", "svg"] {
            assert!(files.contains(&format!("{name}.{ext}")), "{name}.{ext} missing from {files:?}");
        }
    }
    let svg = String::from_utf8(wd.read_out("t_acc_families.svg")).expect("UTF-8 SVG");
    assert!(svg.starts_with("<svg") && !svg.contains("<text"), "SVG text is outlined");
    let image = image::load_from_memory(&wd.read_out("t_acc_families.png")).expect("PNG decodes");
    assert!(image.width() >= 1600, "{}", image.width());
}

#[test]
fn chart_format_rejects_unknown_formats() {
    let wd = Workdir::new();
    let out = wd.analyze(seed()).args(["--chart-format", "png,jpeg"]).assert().code(2).get_output().clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("png or svg"));
}

#[test]
fn a_missing_subtask_score_warns_and_leaves_no_compound_point() {
    let wd = Workdir::new();
    let output = wd.analyze(data("missing_cell.csv")).arg("--full").assert().success().get_output().clone();
    let summary = wd.summary();

    let warnings = warnings_with_code(&summary, "missing-cells");
    assert_eq!(warnings.len(), 1, "{}", summary["warnings"]);
    assert_mentions(warnings[0], &["\"middle\"", "\"beta\""]);

    let stdout = stdout_of(&output);
    let printed =
        stdout.split_once("warnings:").map(|(_, w)| w).unwrap_or_else(|| panic!("stdout: {stdout}"));
    assert_mentions(printed, &["middle", "beta"]);

    assert_eq!(models(series(&summary, "subtask", "alpha")), ["small", "middle", "large"]);
    assert_eq!(models(series(&summary, "subtask", "beta")), ["small", "large"]);
    for compound in ["all", "mean"] {
        assert_eq!(models(series(&summary, "compound", compound)), ["small", "large"], "{compound}");
    }
    assert_values(series(&summary, "compound", "all"), &[0.2, 0.56]);
}

// ---------------------------------------------------------------------------------
// F. Bad input: data errors (exit 1)
// ---------------------------------------------------------------------------------

#[test]
fn missing_file() {
    let wd = Workdir::new();
    let stderr = data_error(&wd, Path::new("no_such_file.csv"), &[]);
    assert_mentions(&stderr, &["no_such_file.csv: cannot read"]);
}

#[test]
fn missing_file_names_the_os_error_once() {
    let wd = Workdir::new();
    let stderr = data_error(&wd, Path::new("no_such_file.csv"), &[]);
    let os_error = std::fs::read(wd.path().join("no_such_file.csv")).unwrap_err().to_string();
    assert_eq!(stderr.matches(&os_error).count(), 1, "stderr: {stderr}");
}

#[test]
fn empty_file() {
    let (_, stderr) = bad_fixture("empty");
    assert_mentions(&stderr, &["the file is empty", "model, params, subtask and score"]);
}

#[test]
fn file_with_only_a_bom_is_empty() {
    let wd = Workdir::new();
    let path = wd.write("bom_only.csv", b"\xEF\xBB\xBF");
    let stderr = data_error(&wd, &path, &[]);
    assert_mentions(&stderr, &["the file is empty"]);
}

#[test]
fn header_only() {
    let (_, stderr) = bad_fixture("header_only");
    assert_mentions(&stderr, &["has a header but no data rows"]);
}

#[test]
fn required_column_missing() {
    let (_, stderr) = bad_fixture("missing_score_column");
    assert_mentions(
        &stderr,
        &["missing required column \"score\"", "columns found", "\"model\"", "\"accuracy\"", "--col score="],
    );
}

#[test]
fn non_numeric_score() {
    let (path, stderr) = bad_fixture("non_numeric_score");
    assert_mentions(&stderr, &[&format!("{path}:3:4: "), "\"abc\""]);
}

#[test]
fn non_numeric_params() {
    let (path, stderr) = bad_fixture("non_numeric_params");
    assert_mentions(&stderr, &[&format!("{path}:3:2: "), "\"huge\"", "parameter count"]);
}

#[test]
fn percentage_score_without_percent_flag() {
    let (path, stderr) = bad_fixture("score_is_a_percentage");
    assert_mentions(&stderr, &[&format!("{path}:2:4: "), "57", "--percent"]);
}

#[test]
fn negative_score() {
    let (path, stderr) = bad_fixture("negative_score");
    assert_mentions(&stderr, &[&format!("{path}:3:4: "), "-0.1", "[0, 1]"]);
}

#[test]
fn nan_score() {
    let (path, stderr) = bad_fixture("nan_score");
    assert_mentions(&stderr, &[&format!("{path}:2:4: "), "\"nan\"", "finite"]);
}

#[test]
fn infinite_score() {
    let (path, stderr) = bad_fixture("inf_score");
    assert_mentions(&stderr, &[&format!("{path}:3:4: "), "\"inf\"", "finite"]);
}

#[test]
fn unknown_params_suffix() {
    let (path, stderr) = bad_fixture("unknown_params_suffix");
    assert_mentions(&stderr, &[&format!("{path}:3:2: "), "\"7X\"", "unknown suffix \"X\""]);
}

#[test]
fn zero_params() {
    let (path, stderr) = bad_fixture("zero_params");
    assert_mentions(&stderr, &[&format!("{path}:2:2: "), "\"0\"", "positive"]);
}

#[test]
fn duplicate_rows() {
    let (path, stderr) = bad_fixture("duplicate_rows");
    assert_mentions(&stderr, &[&format!("{path}:5: "), "duplicate of line 2", "\"small\"", "\"alpha\""]);
}

#[test]
fn params_disagree_between_rows_of_one_model() {
    let (path, stderr) = bad_fixture("params_disagree");
    assert_mentions(&stderr, &[&format!("{path}:4: "), "\"small\"", "2B", "1B", "line 2"]);
}

#[test]
fn ragged_row() {
    let (path, stderr) = bad_fixture("ragged_row");
    assert_mentions(&stderr, &[&format!("{path}:3: "), "3 fields", "header has 4"]);
}

#[test]
fn non_utf8_field() {
    let wd = Workdir::new();
    let path = wd
        .write("non_utf8.csv", b"model,params,subtask,score\nsmall,1B,alpha,0.5\nlar\xFFge,10B,alpha,0.7\n");
    let stderr = data_error(&wd, &path, &[]);
    assert_mentions(&stderr, &[&format!("{}:3:1: ", path.display()), "UTF-8"]);
}

#[test]
fn non_utf8_field_is_reported_once() {
    let wd = Workdir::new();
    let path = wd
        .write("non_utf8.csv", b"model,params,subtask,score\nsmall,1B,alpha,0.5\nlar\xFFge,10B,alpha,0.7\n");
    let stderr = data_error(&wd, &path, &[]);
    assert_eq!(stderr.lines().count(), 1, "one problem, one line: {stderr}");
    assert!(!stderr.contains("empty"), "the cell is not empty: {stderr}");
}

#[test]
fn zero_item_count() {
    let (path, stderr) = bad_fixture("zero_n");
    assert_mentions(&stderr, &[&format!("{path}:3:5: "), "item count is 0"]);
}

#[test]
fn more_correct_than_items() {
    let (path, stderr) = bad_fixture("correct_exceeds_n");
    assert_mentions(&stderr, &[&format!("{path}:2:6: "), "11 correct out of n = 10"]);
}

#[test]
fn every_bad_row_is_reported() {
    let (path, stderr) = bad_fixture("several_bad_rows");
    let locations = [format!("{path}:2:4: "), format!("{path}:4:2: "), format!("{path}:5:4: ")];
    let at: Vec<usize> = locations
        .iter()
        .map(|l| stderr.find(l.as_str()).unwrap_or_else(|| panic!("stderr should contain {l:?}: {stderr}")))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "problems in file order: {stderr}");
    assert_mentions(&stderr, &["\"x\"", "\"huge\"", "1.5"]);
}

#[test]
fn crlf_rows_are_located_on_their_own_line() {
    let wd = Workdir::new();
    let path =
        wd.write("crlf.csv", "model,params,subtask,score\r\nsmall,1B,alpha,0.5\r\nlarge,10B,alpha,abc\r\n");
    let stderr = data_error(&wd, &path, &[]);
    assert_mentions(&stderr, &[&format!("{}:3:4: ", path.display())]);
}

#[test]
fn rows_after_a_blank_line_are_located_on_their_own_line() {
    let wd = Workdir::new();
    let path =
        wd.write("blank.csv", "model,params,subtask,score\nsmall,1B,alpha,0.5\n\nlarge,10B,alpha,abc\n");
    let stderr = data_error(&wd, &path, &[]);
    assert_mentions(&stderr, &[&format!("{}:4:4: ", path.display())]);
}

// ---------------------------------------------------------------------------------
// F. Bad command lines: usage errors (exit 2)
// ---------------------------------------------------------------------------------

#[test]
fn unknown_compose_operator_is_a_usage_error() {
    let stderr = usage_error(&["--compose", "foo"]);
    assert_mentions(&stderr, &["\"foo\"", "atleast:K"]);
}

#[test]
fn atleast_zero_is_a_usage_error() {
    let stderr = usage_error(&["--compose", "atleast:0"]);
    assert_mentions(&stderr, &["atleast:0", "at least 1"]);
}

#[test]
fn unknown_column_role_is_a_usage_error() {
    let stderr = usage_error(&["--col", "size=Params"]);
    assert_mentions(&stderr, &["unknown column role \"size\"", "params"]);
}

// ---------------------------------------------------------------------------------
// G. One model size
// ---------------------------------------------------------------------------------

#[test]
fn a_task_with_one_model_size_has_no_emergence_score() {
    let wd = Workdir::new();
    wd.analyze(data("one_size.csv")).assert().success();
    let summary = wd.summary();

    let warnings = warnings_with_code(&summary, "one-model-size");
    assert_eq!(warnings.len(), 1, "{}", summary["warnings"]);
    assert_mentions(warnings[0], &["\"narrow\""]);

    for s in all_series(&summary) {
        if s["task"] == "narrow" {
            assert!(s["emergence_score"].is_null(), "{s}");
            let note = s["emergence_score_note"].as_str().unwrap_or_default();
            assert!(!note.is_empty(), "a missing score says why: {s}");
        } else {
            assert_eq!(s["task"], "wide");
            assert!(s["emergence_score"].is_f64(), "{s}");
            assert!(s["emergence_score_note"].is_null(), "{s}");
        }
    }
    assert_eq!(all_series(&summary).iter().filter(|s| s["task"] == "narrow").count(), 4);
}

#[test]
fn models_sharing_one_size_have_no_emergence_score() {
    let wd = Workdir::new();
    wd.analyze(data("same_size.csv")).assert().success();
    let summary = wd.summary();
    assert_eq!(warnings_with_code(&summary, "one-model-size").len(), 1, "{}", summary["warnings"]);
    for s in all_series(&summary) {
        assert!(s["emergence_score"].is_null(), "{s}");
        assert!(!s["emergence_score_note"].as_str().unwrap_or_default().is_empty(), "{s}");
    }
}

/// A base and a chat model of one size are one point of the trend, not a step of it.
#[test]
fn models_of_one_size_are_merged_before_scoring() {
    let wd = Workdir::new();
    wd.analyze(data("chat_model.csv")).assert().success();
    let summary = wd.summary();
    let qa = series(&summary, "subtask", "qa");
    assert_eq!(points(qa).len(), 6, "both 7B models keep their points: {qa}");
    // Unmerged the chat model's jump scores 10 (emergence_reference: chat_unmerged).
    assert_relative_eq!(
        f64_of(&qa["emergence_score"]),
        emergence_reference("chat_merged"),
        max_relative = 1e-12
    );
    assert_relative_eq!(
        f64_of(&qa["emergence_score_normalized"]),
        emergence_reference("chat_merged_normalized"),
        max_relative = 1e-12
    );
    assert_eq!(qa["emergence_score_note"], "2 models at 7B merged (mean)");
}

// ---------------------------------------------------------------------------------
// H. Standard input
// ---------------------------------------------------------------------------------

#[test]
fn reads_standard_input() {
    let wd = Workdir::new();
    let seed_bytes = std::fs::read(seed()).unwrap();
    let output = wd.analyze("-").write_stdin(seed_bytes).assert().success().get_output().clone();
    assert!(stdout_of(&output).starts_with("<stdin>: 30 rows read"), "stdout: {}", stdout_of(&output));

    let summary = wd.summary();
    assert_eq!(summary["input"]["path"], "<stdin>");
    assert_eq!(summary["input"]["rows_read"], 30);
    assert!(all_series(&summary).iter().all(|s| s["task"] == "stdin"));
    assert_relative_eq!(
        f64_of(&series(&summary, "compound", "all")["emergence_score"]),
        reference("score_seed_all"),
        max_relative = 1e-9
    );
    assert!(wd.out().join("stdin_compound.png").is_file(), "{:?}", wd.out_files());
}

// ---------------------------------------------------------------------------------
// I. Encodings and delimiters
// ---------------------------------------------------------------------------------

#[test]
fn a_byte_order_mark_before_the_header_is_ignored() {
    let rows = "small,1B,alpha,0.2\nlarge,10B,alpha,0.6\n";
    for (name, header) in
        [("bom.csv", "model,params,subtask,score"), ("bom_quoted.csv", "\"model\",params,subtask,score")]
    {
        let wd = Workdir::new();
        let bytes = [b"\xEF\xBB\xBF".as_slice(), header.as_bytes(), b"\n", rows.as_bytes()].concat();
        wd.analyze(wd.write(name, bytes)).assert().success();
        let summary = wd.summary();
        let alpha = series(&summary, "subtask", "alpha");
        assert_eq!(models(alpha), ["small", "large"], "{name}");
        assert_values(alpha, &[0.2, 0.6]);
    }
}

#[test]
fn crlf_line_endings_are_read() {
    let wd = Workdir::new();
    let path =
        wd.write("crlf.csv", "model,params,subtask,score\r\nsmall,1B,alpha,0.2\r\nlarge,10B,alpha,0.6\r\n");
    wd.analyze(path).assert().success();
    let summary = wd.summary();
    assert_values(series(&summary, "subtask", "alpha"), &[0.2, 0.6]);
}

#[test]
fn tsv_is_chosen_by_extension() {
    let wd = Workdir::new();
    wd.analyze(data("tabs.tsv")).assert().success();
    let summary = wd.summary();
    assert_eq!(summary["input"]["rows_read"], 4);
    assert!(all_series(&summary).iter().all(|s| s["task"] == "tabs"));
    // The subtask names contain commas: only a tab-delimited read keeps them whole.
    assert_values(series(&summary, "subtask", "add, 2 digits"), &[0.25, 0.75]);
    assert_values(series(&summary, "subtask", "add, 3 digits"), &[0.125, 0.5]);
    assert_values(series(&summary, "compound", "all"), &[0.03125, 0.375]);
}

// ---------------------------------------------------------------------------------
// J. Output switches
// ---------------------------------------------------------------------------------

#[test]
fn quiet_prints_nothing_but_still_writes_files() {
    let wd = Workdir::new();
    let output = wd.analyze(seed()).arg("--quiet").assert().success().get_output().clone();
    assert!(output.stdout.is_empty(), "stdout: {}", stdout_of(&output));
    assert!(output.stderr.is_empty(), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    let files = wd.out_files();
    for name in ["summary.json", "series.csv", "series.parquet", "seed_example_compound.png"] {
        assert!(files.iter().any(|f| f == name), "{name} missing from {files:?}");
    }
}

#[test]
fn no_charts_writes_no_png() {
    let wd = Workdir::new();
    let output = wd.analyze(seed()).arg("--no-charts").assert().success().get_output().clone();
    assert_eq!(wd.out_files(), ["report.html", "series.csv", "series.parquet", "summary.json"]);
    assert!(stdout_of(&output).contains("wrote 4 files"), "stdout: {}", stdout_of(&output));
}
