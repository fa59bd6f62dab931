//! `emerge backtest` and `--predict-at`. The persistence and linear predictions are checked
//! against `tests/reference/backtest_reference.py`, an independent standard-library
//! implementation of the protocol (its outputs are `tests/reference/backtest_reference_*.csv`).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::util::{data, seed, Workdir};

/// (reference file stem, input path relative to the repository, options).
const REFERENCE_INPUTS: [(&str, &str, &[&str]); 12] = [
    ("backtest_cases", "tests/data/backtest_cases.csv", &[]),
    ("seed_example", "datasets/seed_example.csv", &[]),
    ("mirage_toy_model", "datasets/mirage_toy_model.csv", &[]),
    ("gpt3_arithmetic", "datasets/gpt3_arithmetic.csv", &[]),
    ("flan_bbh_subtasks_by_size", "datasets/flan_bbh_subtasks_by_size.csv", &[]),
    ("mmlu_multifamily_by_size", "datasets/mmlu_multifamily_by_size.csv", &[]),
    (
        "wei2022_cot_arithmetic_reasoning_by_size",
        "datasets/wei2022_cot_arithmetic_reasoning_by_size.csv",
        &[],
    ),
    ("obsscaling_base_llm", "datasets/obsscaling/obsscaling_base_llm.csv", &[]),
    ("obsscaling_leaderboard_v2", "datasets/obsscaling/obsscaling_leaderboard_v2.csv", &[]),
    // The FLOPs axis and the cutoff horizon: the default cutoff, and Ruan et al.'s 8.4e22.
    ("obsscaling_base_llm_flops", "datasets/obsscaling/obsscaling_base_llm.csv", &["--x", "flops"]),
    (
        "obsscaling_leaderboard_v2_flops",
        "datasets/obsscaling/obsscaling_leaderboard_v2.csv",
        &["--x", "flops"],
    ),
    (
        "obsscaling_base_llm_flops_8.4e22",
        "datasets/obsscaling/obsscaling_base_llm.csv",
        &["--x", "flops", "--flops-cutoff", "8.4e22"],
    ),
];

type Key = [String; 8];

/// (predicted, observed) by (task, family, metric, shots, series, horizon, method,
/// target_model), for the persistence and linear rows of a CSV with those columns. At the
/// cutoff horizon a series has one row per held-out model: the model tells them apart.
fn baseline_rows(csv_text: &[u8]) -> BTreeMap<Key, (f64, f64)> {
    let mut reader = csv::Reader::from_reader(csv_text);
    let headers = reader.headers().expect("a header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("column {name}"));
    let cols = ["task", "family", "metric", "shots", "series", "horizon", "method", "target_model"].map(col);
    let (predicted, observed) = (col("predicted"), col("observed"));
    let mut out = BTreeMap::new();
    for record in reader.records() {
        let r = record.expect("a CSV record");
        if !matches!(&r[cols[6]], "persistence" | "linear") {
            continue;
        }
        let key = cols.map(|c| r[c].to_string());
        let num = |i: usize| r[i].parse::<f64>().unwrap_or_else(|_| panic!("a number in {r:?}"));
        assert!(out.insert(key, (num(predicted), num(observed))).is_none(), "duplicate row {r:?}");
    }
    out
}

fn backtest(w: &Workdir, input: impl AsRef<std::ffi::OsStr>) -> Value {
    backtest_with(w, input, &[])
}

fn backtest_with(w: &Workdir, input: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Value {
    w.emerge().arg("backtest").arg(input).args(args).arg("--out").arg(w.out()).arg("-q").assert().success();
    serde_json::from_slice(&w.read_out("backtest.json")).expect("backtest.json is JSON")
}

/// Every persistence and linear prediction equals the reference script's, on every input it
/// was run on, and no series is evaluated by one and not the other: at the FLOPs cutoff, every
/// held-out model of every series.
#[test]
fn baselines_match_the_independent_reference() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (stem, input, args) in REFERENCE_INPUTS {
        let w = Workdir::new();
        backtest_with(&w, root.join(input), args);
        let ours = baseline_rows(&w.read_out("backtest_series.csv"));
        let reference_path = root.join(format!("tests/reference/backtest_reference_{stem}.csv"));
        let theirs = baseline_rows(&std::fs::read(&reference_path).expect("reference CSV"));
        assert_eq!(
            ours.keys().collect::<Vec<_>>(),
            theirs.keys().collect::<Vec<_>>(),
            "{input} {args:?}: the series, horizons and held-out models back-tested differ from the reference"
        );
        for (key, (p, o)) in &theirs {
            let (q, v) = ours[key];
            assert!((p - q).abs() <= 1e-12, "{input} {key:?}: predicted {q}, reference {p}");
            assert_eq!(*o, v, "{input} {key:?}: observed");
        }
    }
}

/// The constructed cases: each exclusion reason once, in the reference's order of checks,
/// and the MAE of persistence (22.5 and 55 points) as the reference prints it.
#[test]
fn exclusions_and_summary_match_the_reference() {
    let w = Workdir::new();
    let b = backtest(&w, data("backtest_cases.csv"));
    let mut reasons: Vec<(String, String)> = b["excluded"]
        .as_array()
        .expect("excluded")
        .iter()
        .map(|e| {
            (e["family"].as_str().unwrap_or("").to_string(), e["reason"].as_str().unwrap_or("").to_string())
        })
        .collect();
    reasons.sort();
    assert_eq!(
        reasons,
        [("g", "constant"), ("h", "two models at the largest size"), ("s", "too short")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let mae = |h: usize, method: &str| -> f64 {
        let horizon =
            b["horizons"].as_array().expect("horizons").iter().find(|x| x["horizon"] == h).expect("horizon");
        let m = horizon["methods"]
            .as_array()
            .expect("methods")
            .iter()
            .find(|m| m["method"] == method)
            .expect("method");
        m["mae"].as_f64().expect("mae")
    };
    assert!((mae(1, "persistence") - 22.5).abs() < 1e-9);
    assert!((mae(2, "persistence") - 55.0).abs() < 1e-9);
    assert!((mae(1, "linear") - 16.25).abs() < 1e-9);
}

/// The FLOPs cutoff as the reference chooses it: with a third of the 123 models with FLOPs
/// of obsscaling_base_llm.csv above it, 1.0584e23 (Qwen1.5-7B's FLOPs, 1.68e23, is above;
/// see tests/reference/backtest_reference.txt), or as given; its rows are clustered by
/// (family, task) as the other horizons' are, and its exclusions are listed with the horizon.
#[test]
fn flops_cutoff_horizon() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/obsscaling/obsscaling_base_llm.csv");
    let w = Workdir::new();
    let b = backtest_with(&w, &input, &["--x", "flops"]);
    let horizons = b["horizons"].as_array().expect("horizons");
    let labels: Vec<&Value> = horizons.iter().map(|h| &h["horizon"]).collect();
    assert_eq!(labels, [&Value::from(1), &Value::from(2), &Value::from("cutoff")]);
    let cutoff = &horizons[2];
    assert_eq!(cutoff["flops_cutoff"], 1.0584e23);
    assert_eq!(cutoff["label"], "beyond 1.0584e23 FLOPs");
    assert_eq!(
        (cutoff["models_at_or_below"].as_u64(), cutoff["models_above"].as_u64()),
        (Some(82), Some(41))
    );
    assert_eq!(b["options"]["flops_cutoff"], 1.0584e23);
    // Reference: persistence 48 predictions, MAE 10.023523217114903 points.
    let persistence = cutoff["methods"]
        .as_array()
        .expect("methods")
        .iter()
        .find(|m| m["method"] == "persistence")
        .expect("row");
    assert_eq!(persistence["predicted"], 48);
    assert!((persistence["mae"].as_f64().expect("mae") - 10.023523217114903).abs() < 1e-9);
    // One (family, task) cluster per family and task: BLOOM and H2O-Danube predict one model
    // each on 8 tasks, Qwen1.5 four (its 110B model, without FLOPs, left out): 48 predictions
    // in 24 clusters.
    let c = cutoff["comparisons"]
        .as_array()
        .expect("comparisons")
        .iter()
        .find(|c| c["method"] == "emerge" && c["baseline"] == "persistence");
    assert_eq!(c.map(|c| (&c["pairs"], &c["clusters"])), Some((&Value::from(48), &Value::from(24))));
    let excluded = b["excluded"].as_array().expect("excluded");
    assert!(excluded.iter().any(|e| e["family"] == "Qwen1.5"
        && e["horizon"] == "sizes"
        && e["reason"] == "a model has no value on the x axis"));
    let beyond: Vec<&Value> = excluded.iter().filter(|e| e["horizon"] == "cutoff").collect();
    assert!(beyond.iter().any(|e| e["reason"] == "no model above the cutoff"));
    assert!(beyond.iter().any(|e| e["reason"] == "fewer than 3 sizes at or below the cutoff"));
    // FLOPs in the CSV are floats in exponent form (Rust's plain form of 5.4768e23 is 24
    // digits, which pandas and polars read as an integer too large for 64 bits).
    let csv = String::from_utf8(w.read_out("backtest_series.csv")).expect("UTF-8");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).expect("column");
    for line in lines.take(50) {
        let cells: Vec<&str> = line.split(',').collect();
        for column in ["train_largest", "target"] {
            let v = cells[at(column)];
            assert!(v.contains('e') && v.parse::<f64>().is_ok_and(|f| f > 1e18), "{column} {v}");
        }
    }

    let given = Workdir::new();
    let b = backtest_with(&given, &input, &["--x", "flops", "--flops-cutoff", "8.4e22"]);
    assert_eq!(b["horizons"][2]["label"], "beyond 8.4e22 FLOPs");
    assert_eq!(b["horizons"][2]["chosen_by"], "--flops-cutoff");
    assert_eq!(b["horizons"][2]["predictions"], 56);
    // Without --x flops there is no cutoff horizon.
    let params = Workdir::new();
    let b = backtest(&params, &input);
    assert_eq!(b["horizons"].as_array().map(Vec::len), Some(2));
}

/// A cutoff without the FLOPs axis, or not a positive number, is a usage error (exit 2) that
/// says what to do.
#[test]
fn flops_cutoff_rejects_bad_use() {
    let w = Workdir::new();
    let input = data("backtest_cases.csv");
    let out = w.emerge().arg("backtest").arg(&input).args(["--flops-cutoff", "1e22"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--flops-cutoff") && stderr.contains("add --x flops"), "{stderr}");
    for bad in ["0", "-1e22", "1e22x", "inf"] {
        let out = w
            .emerge()
            .arg("backtest")
            .arg(&input)
            .args(["--x", "flops", &format!("--flops-cutoff={bad}")])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--flops-cutoff"), "{bad}");
    }
}

/// Same input and seed: the same bytes in every file.
#[test]
fn backtest_is_deterministic() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/obsscaling/obsscaling_base_llm.csv");
    let (a, b) = (Workdir::new(), Workdir::new());
    backtest(&a, &input);
    backtest(&b, &input);
    for f in ["backtest.json", "backtest_series.csv", "backtest_errors.png"] {
        assert_eq!(a.read_out(f), b.read_out(f), "{f} differs between runs");
    }
}

/// The seed example's subtasks rise 4 points per decade, exactly, from 10M to 1T: the
/// trend's level at 1T is 0.60 and every slope is 0.04, so there is nothing to pool; too few
/// series to choose settings from the data, so the default damping 0.5 applies: at 10T,
/// 0.60 + 0.5 · 0.04 · 1 = 0.62, inside its interval and inside [0, 1].
#[test]
fn predict_at_extends_the_seed_example() {
    let w = Workdir::new();
    w.analyze(seed())
        .args(["--predict-at", "10T", "--predict-at", "1e15", "-q", "--charts", "none"])
        .assert()
        .success();
    let summary = w.summary();
    let s = summary["series"]
        .as_array()
        .expect("series")
        .iter()
        .find(|s| s["name"] == "subtask 1")
        .expect("subtask 1");
    let p = s["predictions"].as_array().expect("predictions");
    assert_eq!(p.len(), 2);
    assert_eq!(p[0]["params"], 1e13);
    assert_eq!(p[0]["method"], "emerge");
    assert!((p[0]["value"].as_f64().expect("value") - 0.62).abs() < 1e-9, "{p:?}");
    assert!((p[0]["decades_beyond"].as_f64().expect("decades") - 1.0).abs() < 1e-9);
    for q in p {
        let v = q["value"].as_f64().expect("value");
        let lo = q["interval"][0].as_f64().expect("low");
        let hi = q["interval"][1].as_f64().expect("high");
        assert!((0.0..=1.0).contains(&lo) && lo <= v && v <= hi && hi <= 1.0, "{q}");
    }
    assert_eq!(summary["options"]["predict_at"], serde_json::json!([1e13, 1e15]));
    assert!(summary["predictions"]["interval"].is_string());
    // Without the flag, no predictions anywhere.
    let w = Workdir::new();
    w.analyze(seed()).args(["-q", "--charts", "none"]).assert().success();
    assert!(w.summary()["series"][0].get("predictions").is_none());
}

#[test]
fn predict_at_rejects_a_size_that_is_not_positive() {
    let w = Workdir::new();
    for bad in ["0", "-5B", "abc"] {
        w.analyze(seed()).args(["--predict-at", bad]).assert().code(2);
    }
}

/// A back-test leaves out a series with two models at its largest size; `--predict-at`
/// forecasts it from their mean.
#[test]
fn predict_at_forecasts_a_series_with_two_models_at_the_largest_size() {
    let w = Workdir::new();
    w.analyze(data("backtest_cases.csv"))
        .args(["--predict-at", "100B", "-q", "--charts", "none"])
        .assert()
        .success();
    let summary = w.summary();
    let h = summary["series"]
        .as_array()
        .expect("series")
        .iter()
        .find(|s| s["family"] == "h" && s["kind"] == "task")
        .expect("family h's task-level series");
    let p = &h["predictions"][0];
    assert_eq!(p["method"], "emerge", "{h}");
    assert!(p["value"].as_f64().is_some_and(|v| (0.0..=1.0).contains(&v)), "{p}");
}

/// A comparison's interval and the reason when there is none: GPT-3 arithmetic is one
/// (family, task) cluster, so no sign-flip test is possible and `ci` is null with a reason;
/// LLaMA's MMLU one size out has 13 clusters, an interval that contains the difference, and
/// no reason.
#[test]
fn comparisons_say_why_they_have_no_interval() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let comparisons = |b: &Value, h: u64| -> Vec<Value> {
        let horizon =
            b["horizons"].as_array().expect("horizons").iter().find(|x| x["horizon"] == h).expect("horizon");
        horizon["comparisons"].as_array().expect("comparisons").clone()
    };
    let w = Workdir::new();
    let b = backtest(&w, root.join("datasets/gpt3_arithmetic.csv"));
    for c in comparisons(&b, 1) {
        assert_eq!(c["clusters"], 1, "{c}");
        assert!(c["ci"].is_null(), "{c}");
        assert!(c["ci_reason"].as_str().is_some_and(|r| r.contains("too few")), "{c}");
    }
    let w = Workdir::new();
    let b = backtest(&w, root.join("datasets/mmlu_multifamily_by_size.csv"));
    let all = comparisons(&b, 1);
    let c =
        all.iter().find(|c| c["method"] == "emerge" && c["baseline"] == "persistence").expect("comparison");
    assert_eq!(c["clusters"], 13, "{c}");
    assert!(c["ci_reason"].is_null(), "{c}");
    let (lo, hi) = (c["ci"][0].as_f64().expect("low"), c["ci"][1].as_f64().expect("high"));
    let d = c["mae_difference"].as_f64().expect("difference");
    assert!(lo < d && d < hi, "{c}");
}
