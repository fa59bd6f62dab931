//! Issue 16, part 3: per-task metadata from the data. A `higher_is_better` column turns a
//! series' direction (fits, emergence score, forecasts), a `chance` column sets a task's
//! logistic floor as `--chance` would, and `--percent-metric` reads one metric on 0–100.

use serde_json::Value;

use super::util::{data, Workdir};
use super::{all_series, f64_of, points, values};

/// The series of `metric` with this kind and name.
fn series_of<'a>(summary: &'a Value, metric: &str, kind: &str, name: &str) -> &'a Value {
    let found: Vec<&Value> = all_series(summary)
        .iter()
        .filter(|s| s["metric"] == metric && s["kind"] == kind && s["name"] == name)
        .collect();
    assert_eq!(found.len(), 1, "one {metric} {kind} series {name:?}");
    found[0]
}

fn fit<'a>(series: &'a Value, model: &str) -> &'a Value {
    series["fits"].as_array().expect("fits").iter().find(|f| f["model"] == model).expect("the fit")
}

fn parameter(fit: &Value, name: &str) -> f64 {
    let p = fit["parameters"].as_array().expect("parameters").iter().find(|p| p["name"] == name);
    f64_of(&p.unwrap_or_else(|| panic!("no {name} in {fit}"))["value"])
}

/// The Brier series of tests/data/lower_is_better.csv fall from 40% to 11%: with the
/// column they are lower-is-better, score positive, are fitted falling (a negative
/// logistic slope toward a floor of 0), and their mean is forecast where it falls under
/// a threshold; `all` is refused with a warning. Accuracy in the same file is unchanged.
#[test]
fn issue_16_lower_is_better_series_go_their_own_way() {
    let wd = Workdir::new();
    let input = data("lower_is_better.csv");
    wd.analyze(&input).args(["--no-charts", "--bootstrap", "0", "--threshold", "0.2"]).assert().success();
    let summary = wd.summary();
    for s in ["s1", "s2"] {
        let brier = series_of(&summary, "brier", "subtask", s);
        assert_eq!(brier["higher_is_better"], false, "{s}");
        assert!(f64_of(&brier["emergence_score"]) > 0.0, "a falling Brier score improves: {brier}");
        let logistic = fit(brier, "logistic");
        assert_eq!(logistic["converged"], true, "{logistic}");
        assert!(parameter(logistic, "slope") < 0.0, "{logistic}");
        let acc = series_of(&summary, "acc", "subtask", s);
        assert_eq!(acc["higher_is_better"], true);
        assert!(f64_of(&acc["emergence_score"]) > 0.0);
        assert!(parameter(fit(acc, "logistic"), "slope") > 0.0);
    }
    // The mean Brier score is 23.5% at 3B and 16.5% at 10B: it falls through 20% between.
    let mean = series_of(&summary, "brier", "compound", "mean");
    assert_eq!(mean["higher_is_better"], false);
    let forecast = &mean["forecasts"].as_array().expect("forecasts")[0];
    assert_eq!(forecast["crossing"]["status"], "crosses", "{forecast}");
    let at = f64_of(&forecast["crossing"]["at"]["log10"]);
    assert!((3e9f64.log10()..10f64).contains(&at), "{forecast}");
    let all = series_of(&summary, "brier", "compound", "all");
    assert!(points(all).is_empty(), "no product of Brier scores: {all}");
    let warnings = summary["warnings"].as_array().expect("warnings");
    assert!(
        warnings.iter().any(|w| w["code"] == "operator-not-applicable"
            && w["message"]
                .as_str()
                .is_some_and(|m| m.contains("metric brier") && m.contains("lower-is-better"))),
        "{warnings:?}"
    );
    // Without the column both metrics rise as far as emerge knows: the Brier score's
    // emergence score turns negative. The column is what changes the analysis.
    let csv = std::fs::read_to_string(&input).expect("fixture");
    let without: String =
        csv.lines().map(|l| l.rsplit_once(',').expect("a last column").0.to_string() + "\n").collect();
    let plain = wd.write("plain.csv", without);
    wd.analyze(&plain).args(["--no-charts", "--bootstrap", "0"]).assert().success();
    let summary = wd.summary();
    let brier = series_of(&summary, "brier", "subtask", "s1");
    assert_eq!(brier["higher_is_better"], true);
    assert!(f64_of(&brier["emergence_score"]) < 0.0);
}

/// The series of one task, without what only the run's options decide.
fn task_series(summary: &Value, task: &str) -> Vec<Value> {
    all_series(summary).iter().filter(|s| s["task"] == task).cloned().collect()
}

/// Each task of tests/data/chance_column.csv (4-way with chance 0.25, 2-way with 0.5) is
/// analysed exactly as a run of that task alone with `--chance` at its level, and not as
/// a run without a floor.
#[test]
fn issue_16_chance_column_is_each_tasks_floor() {
    let wd = Workdir::new();
    let input = data("chance_column.csv");
    let args = ["--no-charts", "--bootstrap", "0", "--quiet"];
    wd.analyze(&input).args(args).assert().success();
    let both = wd.summary();
    let csv = std::fs::read_to_string(&input).expect("fixture");
    for (task, chance) in [("mc4", "0.25"), ("mc2", "0.5")] {
        let rows: String = csv
            .lines()
            .filter(|l| l.starts_with("model,") || l.contains(&format!(",{task},")))
            .map(|l| l.rsplit_once(',').expect("a chance column").0.to_string() + "\n")
            .collect();
        let alone = wd.write(&format!("{task}.csv"), rows);
        wd.analyze(&alone).args(args).args(["--chance", chance]).assert().success();
        let flagged = task_series(&wd.summary(), task);
        assert_eq!(task_series(&both, task), flagged, "task {task}");
        wd.analyze(&alone).args(args).assert().success();
        let floorless = task_series(&wd.summary(), task);
        let a = fit(&flagged[0], "logistic");
        let b = fit(&floorless[0], "logistic");
        assert_ne!(a["parameters"], b["parameters"], "the floor moves the fit of {task}");
    }
    assert_eq!(both["options"]["chance"], Value::Null, "the flag itself was not given");
}

/// `--percent-metric bleu` divides BLEU's scores by 100 and leaves accuracy alone.
#[test]
fn issue_16_percent_metric_divides_one_metric() {
    let wd = Workdir::new();
    let input = data("bad/tidy-percent-metric.csv");
    wd.analyze(&input)
        .args(["--no-charts", "--bootstrap", "0", "--percent-metric", "bleu"])
        .assert()
        .success();
    let summary = wd.summary();
    let close = |got: Vec<f64>, want: [f64; 3]| {
        assert!(got.iter().zip(want).all(|(g, w)| (g - w).abs() < 1e-15), "{got:?}, want {want:?}");
    };
    close(values(series_of(&summary, "bleu", "subtask", "alpha")), [0.0058, 0.57, 0.63]);
    close(values(series_of(&summary, "acc", "subtask", "alpha")), [0.45, 0.52, 0.61]);
    assert_eq!(summary["input"]["rows_dropped"], 0);
}

/// `--percent` already reads every metric as percentages.
#[test]
fn issue_16_percent_metric_conflicts_with_percent() {
    let wd = Workdir::new();
    let out = wd
        .analyze(data("bad/tidy-percent-metric.csv"))
        .args(["--percent", "--percent-metric", "bleu"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}
