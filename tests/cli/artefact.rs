//! `--pair STRICT=CONTINUOUS`: the verdict's question 3, is the jump an artefact of the metric?

use serde_json::Value;

use super::{data_error, f64_of};
use crate::util::{data, Workdir};

/// The question-3 answers of a single-task input: one verdict carries them (the STRICT
/// metric's group; every task-level series has a verdict of its own for question 1).
fn artefacts(summary: &Value) -> &Vec<Value> {
    let verdicts = summary["verdicts"].as_array().expect("verdicts");
    let with: Vec<&Value> = verdicts.iter().filter(|v| v["metric_artefact"].is_array()).collect();
    assert_eq!(with.len(), 1, "{summary:#}");
    with[0]["metric_artefact"].as_array().expect("metric_artefact")
}

/// tests/data/pair_mirage.csv: per-token accuracy logistic in log10 N (slope 1.4 per
/// decade, centre 10^9.8), 300 items of 5 tokens per size, drawn by numpy (seed 14):
/// exact match is p^5 with binomial counts, edit_distance the share of wrong tokens.
#[test]
fn exact_match_against_edit_distance_on_a_smooth_ability_is_a_metric_artefact() {
    let wd = Workdir::new();
    let out = wd
        .analyze(data("pair_mirage.csv"))
        .args(["--pair", "exact_match=edit_distance", "--no-charts", "--full"])
        .assert()
        .success()
        .get_output()
        .clone();
    let summary = wd.summary();
    let q = &artefacts(&summary)[0];
    assert_eq!(q["outcome"], "metric-artefact", "{q:#}");
    assert_eq!(q["series"], "task-level");
    assert!(q["draws"].as_str().unwrap_or("").starts_with("independent"), "{q:#}");
    assert_eq!(q["continuous_side"]["higher_is_better"], false, "edit distance is lower-is-better");
    assert_eq!(q["strict_side"]["counts"], "binomial");
    assert_eq!(q["continuous_side"]["counts"], "pseudo-binomial");
    let (d, lo) = (f64_of(&q["difference"]), f64_of(&q["difference_ci"][0]));
    assert!(d > 0.0 && lo > 0.0 && f64_of(&q["p_adjusted"]) < 0.05, "{q:#}");
    assert!(q["replicates"].as_u64().unwrap_or(0) >= 200);
    assert_eq!(summary["options"]["pairs"][0], "exact_match=edit_distance");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("exact_match vs edit_distance: metric artefact: abrupt under exact_match, smooth under edit_distance"),
        "{stdout}"
    );
}

#[test]
fn a_strict_compound_against_its_mean_uses_paired_draws() {
    let wd = Workdir::new();
    wd.analyze(data("verdict_jump.csv")).args(["--pair", "all=mean", "--no-charts"]).assert().success();
    let summary = wd.summary();
    let q = &artefacts(&summary)[0];
    assert_eq!(q["series"], "compound", "{q:#}");
    assert!(q["draws"].as_str().unwrap_or("").starts_with("paired"), "{q:#}");
    assert!(q["verdict"].is_string() && q["outcome"].is_string(), "{q:#}");
}

#[test]
fn a_pair_naming_a_metric_not_in_the_input_is_a_data_error() {
    let wd = Workdir::new();
    let stderr = data_error(&wd, &data("pair_mirage.csv"), &["--pair", "exact_match=tc_brier"]);
    assert!(stderr.contains("no metric \"tc_brier\""), "{stderr}");
    assert!(stderr.contains("edit_distance, exact_match"), "the message lists the input's metrics: {stderr}");
}

#[test]
fn a_pair_without_an_equals_sign_is_a_usage_error() {
    let wd = Workdir::new();
    wd.analyze(data("pair_mirage.csv")).args(["--pair", "exact_match"]).assert().code(2);
    wd.analyze(data("pair_mirage.csv")).args(["--pair", "acc=acc"]).assert().code(2);
}
