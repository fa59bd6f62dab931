//! The statistics issue's end-to-end promises: intervals on every point, the composed
//! model's held-out check, forecasts, verdicts, and `emerge power`.

use approx::assert_relative_eq;
use serde_json::Value;

use super::util::{data, seed, Workdir};
use super::{all_series, f64_of, points, series};

fn verdicts(summary: &Value) -> &Vec<Value> {
    summary["verdicts"].as_array().expect("summary.verdicts is an array")
}

#[test]
fn seed_with_counts_has_intervals_on_every_point() {
    let wd = Workdir::new();
    wd.analyze(seed()).args(["--n", "1000", "--no-charts"]).assert().success();
    let summary = wd.summary();
    for s in all_series(&summary) {
        for p in points(s) {
            let (lo, hi, v) = (f64_of(&p["ci_low"]), f64_of(&p["ci_high"]), f64_of(&p["value"]));
            assert!(lo <= v && v <= hi, "{} {}: {lo} <= {v} <= {hi}", s["name"], p["model"]);
            assert!(hi > lo);
        }
        assert!(s["ci_method"].is_string(), "{}", s["name"]);
        assert!(s["emergence_score_ci"].is_array(), "{}: {}", s["name"], s["emergence_score_ci_note"]);
    }
    assert_eq!(series(&summary, "subtask", "subtask 1")["ci_method"], "wilson");
    let all = series(&summary, "compound", "all");
    assert_eq!(all["ci_method"], "jeffreys-posterior");
    // The smallest model's `all` is a product of five Beta(400.5, 600.5) draws, whose 2.5%
    // and 97.5% points are 0.0086037 and 0.0120850 (tests/reference/bootstrap_reference.py,
    // 4e6 numpy draws). The run's 2000 draws cannot match them bit for bit; their Monte
    // Carlo error is about 1% of the value, so allow 4%.
    let first = &points(all)[0];
    assert!((f64_of(&first["ci_low"]) / 0.0086036663363845689 - 1.0).abs() < 0.04, "{first}");
    assert!((f64_of(&first["ci_high"]) / 0.012085003464578586 - 1.0).abs() < 0.04, "{first}");
}

#[test]
fn issue_13_item_level_compounds_draw_items_whole() {
    // Subtasks scored on the same items with ρ = 0.3 are positively correlated, so the
    // product of their rates varies more than if they were independent: the interval of
    // `all` from the items must be wider than the one from the same counts as a tidy file.
    let wd = Workdir::new();
    wd.emerge()
        .args(["simulate", "--rho", "0.3", "--items", "400", "--steps", "4", "--rates", "0.3:0.8"])
        .args(["--out", "items.csv"])
        .assert()
        .success();
    wd.analyze("items.csv").args(["--bootstrap", "1000", "--no-charts", "-q"]).assert().success();
    let items = wd.summary();
    let mut tidy = String::from("model,params,subtask,n,correct\n");
    for s in all_series(&items).iter().filter(|s| s["kind"] == "subtask") {
        for p in points(s) {
            let correct = (f64_of(&p["value"]) * f64_of(&p["n"])).round();
            tidy.push_str(&format!(
                "{},{},{},{},{correct}\n",
                p["model"].as_str().unwrap(),
                p["params"],
                s["name"].as_str().unwrap(),
                p["n"]
            ));
        }
    }
    let tidy_dir = Workdir::new();
    tidy_dir.write("tidy.csv", &tidy);
    tidy_dir.analyze("tidy.csv").args(["--bootstrap", "1000", "--no-charts", "-q"]).assert().success();
    let cells = tidy_dir.summary();
    let (a, b) = (series(&items, "compound", "all"), series(&cells, "compound", "all"));
    assert_eq!(a["ci_method"], "item-bayesian-bootstrap");
    assert_eq!(b["ci_method"], "jeffreys-posterior");
    let log_width = |p: &Value| (f64_of(&p["ci_high"]) / f64_of(&p["ci_low"])).ln();
    for (p, q) in points(a).iter().zip(points(b)) {
        assert_eq!(p["value"], q["value"]);
        assert!(log_width(p) > 1.1 * log_width(q), "items {p}, cells {q}");
    }
}

#[test]
fn seed_composed_model_passes_its_holdout_and_forecasts_fifty_percent() {
    let wd = Workdir::new();
    wd.analyze(seed()).args(["--n", "1000", "--no-charts"]).assert().success();
    let summary = wd.summary();
    let all = series(&summary, "compound", "all");
    let composed = &all["composed"];
    assert_eq!(composed["operator"], "all");
    assert_eq!(composed["holdout"]["inside"], true, "{composed:#}");
    let forecasts = all["forecasts"].as_array().expect("forecasts");
    let half = forecasts.iter().find(|f| f["threshold"] == 0.5).expect("a 50% forecast");
    assert_eq!(half["source"], "composed");
    assert_eq!(half["crossing"]["status"], "crosses", "{half:#}");
    // Each subtask must reach 0.5^(1/5) = 87.1%; on the seed's trend that is far past 1T.
    assert!(f64_of(&half["crossing"]["at"]["log10"]) > 12.0);
    // Issue 14: without a task-level row there is nothing to test the composition against,
    // and the subtasks themselves show no jump, with the power to see one: "no evidence
    // against composition", with that power.
    let verdict = &verdicts(&summary)[0];
    assert_eq!(verdict["outcome"], "no-evidence", "{verdict:#}");
    let text = verdict["verdict"].as_str().unwrap_or("");
    assert!(text.starts_with("no evidence against composition (power: "), "{text}");
    let composition = &verdict["composition"];
    assert_eq!(composition["outcome"], "insufficient", "{composition:#}");
    assert_eq!(composition["observation"], "composed-subtasks");
    assert!(composition["verdict"].as_str().unwrap_or("").contains("no task-level rows"));
    let jumps = &verdict["subtask_jumps"];
    assert_eq!(jumps["outcome"], "no-evidence", "{jumps:#}");
    assert!(f64_of(&jumps["power"]) > 0.5, "{jumps:#}");
    assert!(jumps["verdict"].as_str().unwrap_or("").starts_with("no evidence of a jump in any subtask"));
}

#[test]
fn seed_summary_prints_intervals_forecast_and_verdict() {
    let wd = Workdir::new();
    let out = wd
        .analyze(seed())
        .args(["--n", "1000", "--no-charts", "--full"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("1.02% (0."), "{stdout}");
    assert!(stdout.contains("held out 1T params"), "{stdout}");
    assert!(stdout.contains("reaches 50.0% at"), "{stdout}");
    assert!(stdout.contains("subtasks: no evidence of a jump in any subtask"), "{stdout}");
    assert!(!stdout.contains("explained"), "a non-rejection is never an explanation: {stdout}");
}

#[test]
fn a_task_level_jump_is_not_explained() {
    let wd = Workdir::new();
    wd.analyze(data("verdict_jump.csv")).arg("--no-charts").assert().success();
    let summary = wd.summary();
    let verdict = &verdicts(&summary)[0];
    assert_eq!(verdict["outcome"], "emergent", "{verdict:#}");
    let composition = &verdict["composition"];
    assert_eq!(composition["outcome"], "emergent", "{composition:#}");
    assert_eq!(composition["observation"], "task-level");
    // The subtasks stay at 40% → 60% (composed 1% → 7.8%), the task reaches 62% at toy-1T:
    // beyond independent subtasks and beyond any constant dependence between them.
    for test in ["independent", "beyond_dependence"] {
        let t = &composition[test];
        assert!(f64_of(&t["p_adjusted"]) < 0.05, "{t:#}");
        assert!(f64_of(&t["break"]["delta"]) > 0.0);
        assert_eq!(t["break"]["after_model"], "toy-1T");
    }
    let text = composition["verdict"].as_str().unwrap_or("");
    assert!(
        text.starts_with("emergent: the task-level score starts rising faster than its composed subtasks"),
        "{text}"
    );
    assert!(text.contains("62.0% at toy-1T"), "{text}");
}

#[test]
fn a_task_level_row_at_the_composition_is_no_evidence_with_its_power() {
    let wd = Workdir::new();
    wd.analyze(data("verdict_smooth.csv")).arg("--no-charts").assert().success();
    let summary = wd.summary();
    let verdict = &verdicts(&summary)[0];
    assert_eq!(verdict["outcome"], "no-evidence", "{verdict:#}");
    let composition = &verdict["composition"];
    let text = composition["verdict"].as_str().unwrap_or("");
    assert!(text.starts_with("no evidence against composition (adjusted p = "), "{text}");
    assert!(f64_of(&composition["independent"]["p_value"]) > 0.2);
    assert!((0.0..=1.0).contains(&f64_of(&composition["power"])));
}

#[test]
fn without_counts_there_are_no_intervals_and_the_json_says_why() {
    let wd = Workdir::new();
    wd.analyze(seed()).arg("--no-charts").assert().success();
    let summary = wd.summary();
    let all = series(&summary, "compound", "all");
    assert!(points(all).iter().all(|p| p["ci_low"].is_null() && p["ci_high"].is_null()));
    assert!(all["ci_note"].as_str().unwrap_or("").contains("--n"), "{all:#}");
    let sub = series(&summary, "subtask", "subtask 1");
    assert!(sub["ci_note"].as_str().unwrap_or("").contains("--n"));
    let verdict = &verdicts(&summary)[0];
    assert_eq!(verdict["outcome"], "insufficient");
    assert!(verdict["verdict"].as_str().unwrap_or("").starts_with("insufficient data: "));
    let composition = &verdict["composition"]["verdict"];
    assert!(composition.as_str().unwrap_or("").starts_with("insufficient data: no task-level rows"));
    let jumps = &verdict["subtask_jumps"]["verdict"];
    assert!(jumps.as_str().unwrap_or("").contains("no item counts"), "{jumps}");
    // Fits need no counts.
    assert!(all["fits"].as_array().is_some_and(|f| f.len() == 3));
}

#[test]
fn the_seed_makes_the_run_reproducible_and_changes_the_draws() {
    let (a, b, c) = (Workdir::new(), Workdir::new(), Workdir::new());
    for (wd, s) in [(&a, "11"), (&b, "11"), (&c, "12")] {
        wd.analyze(seed()).args(["--n", "1000", "--bootstrap", "300", "--seed", s]).assert().success();
    }
    assert_eq!(a.read_out("summary.json"), b.read_out("summary.json"));
    assert_eq!(a.read_out("seed_example_compound_log.png"), b.read_out("seed_example_compound_log.png"));
    assert_ne!(a.read_out("summary.json"), c.read_out("summary.json"));
}

#[test]
fn clopper_pearson_is_wider_than_wilson_here() {
    let (w, cp) = (Workdir::new(), Workdir::new());
    w.analyze(seed()).args(["--n", "50", "--no-charts", "--bootstrap", "0"]).assert().success();
    cp.analyze(seed())
        .args(["--n", "50", "--no-charts", "--bootstrap", "0", "--ci", "clopper-pearson"])
        .assert()
        .success();
    let width = |wd: &Workdir| {
        let summary = wd.summary();
        let p = &points(series(&summary, "subtask", "subtask 1"))[0];
        f64_of(&p["ci_high"]) - f64_of(&p["ci_low"])
    };
    assert!(width(&cp) > width(&w));
    assert_eq!(series(&cp.summary(), "subtask", "subtask 1")["ci_method"], "clopper-pearson");
}

#[test]
fn detection_floor_flags_zero_counts() {
    let wd = Workdir::new();
    let csv = "model,params,subtask,n,correct\n\
               a,1B,s1,100,0\na,1B,s2,100,3\nb,10B,s1,100,5\nb,10B,s2,100,9\n";
    let input = wd.write("zeros.csv", csv);
    wd.analyze(&input).arg("--no-charts").assert().success();
    let summary = wd.summary();
    let p = &points(series(&summary, "subtask", "s1"))[0];
    assert_eq!(p["value"], 0.0);
    assert_eq!(p["below_detection_floor"], true);
    // 1 − 2^(−1/100): tests/reference/resolution_reference.txt.
    assert!((f64_of(&p["detection_floor"]) - 0.006907504562964073).abs() < 1e-15);
    // A zero count is an upper bound, not a flat zero: Wilson's upper end for 0/100 is 3.70%.
    assert!(f64_of(&p["ci_high"]) > 0.03);
}

#[test]
fn power_prints_the_counts() {
    let wd = Workdir::new();
    let out = wd.emerge().args(["power", "--rate", "0.011"]).assert().success().get_output().clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    for needle in ["146", "271", "272"] {
        assert!(stdout.contains(needle), "{needle} in {stdout}");
    }
    wd.emerge().args(["power", "--rate", "1.5"]).assert().code(2);
}

#[test]
fn bad_statistics_flags_are_usage_errors() {
    let wd = Workdir::new();
    for args in [
        &["--confidence", "1.2"][..],
        &["--ci", "bayes"],
        &["--n", "0"],
        &["--x", "steps"],
        &["--chance", "-0.1"],
        &["--threshold", "0"],
        &["--verdict-op", "nope"],
    ] {
        wd.analyze(seed()).args(args).assert().code(2);
    }
}

#[test]
fn flops_axis_needs_flops() {
    let wd = Workdir::new();
    wd.analyze(seed()).args(["--x", "flops", "--no-charts"]).assert().success();
    let summary = wd.summary();
    let all = series(&summary, "compound", "all");
    assert!(all["fit_note"].as_str().unwrap_or("").contains("flops"), "{all:#}");
}

#[test]
fn verdicts_are_adjusted_together_across_the_run_with_fdr_family_run() {
    let wd = Workdir::new();
    let jump = std::fs::read_to_string(data("verdict_jump.csv")).expect("fixture");
    let smooth = std::fs::read_to_string(data("verdict_smooth.csv")).expect("fixture");
    let both = format!("{jump}{}", smooth.split_once('\n').expect("header").1);
    let input = wd.write("both.csv", both);
    wd.analyze(&input).args(["--no-charts", "--fdr-family", "run"]).assert().success();
    let summary = wd.summary();
    let verdicts = verdicts(&summary);
    assert_eq!(verdicts.len(), 2);
    let by_task = |task: &str| verdicts.iter().find(|v| v["task"] == task).expect("a verdict per task");
    let (j, s) = (by_task("jump"), by_task("smooth"));
    assert_eq!(j["outcome"], "emergent");
    assert_eq!(s["outcome"], "no-evidence");
    // Benjamini–Hochberg with m = 2: the smaller p is doubled, the larger kept
    // (statsmodels fdr_bh, tests/reference/multitest_reference.py for the method).
    let (j, s) = (&j["composition"]["independent"], &s["composition"]["independent"]);
    let (pj, ps) = (f64_of(&j["p_value"]), f64_of(&s["p_value"]));
    assert!(pj < ps);
    assert!((f64_of(&j["p_adjusted"]) - (2.0 * pj).min(ps)).abs() < 1e-15);
    assert!((f64_of(&s["p_adjusted"]) - ps).abs() < 1e-15);
}

/// Issue 14: with the default family (one task), a task's verdicts do not depend on the
/// other tasks of the input: 19 unrelated smooth tasks beside the jump leave its p-values,
/// adjusted p-values and outcomes as they are alone.
#[test]
fn issue_14_unrelated_tasks_do_not_change_a_tasks_outcome() {
    let wd = Workdir::new();
    let jump = std::fs::read_to_string(data("verdict_jump.csv")).expect("fixture");
    let smooth = std::fs::read_to_string(data("verdict_smooth.csv")).expect("fixture");
    let body = smooth.split_once('\n').expect("header").1;
    let mut crowd = jump.clone();
    for i in 0..19 {
        crowd.push_str(&body.replace("smooth,", &format!("other{i},")));
    }
    let alone = wd.write("alone.csv", jump);
    let crowded = wd.write("crowded.csv", crowd);
    let verdict_of = |input: &std::path::Path| {
        wd.analyze(input).arg("--no-charts").assert().success();
        let summary = wd.summary();
        let v = verdicts(&summary).iter().find(|v| v["task"] == "jump").expect("the jump's verdict").clone();
        v
    };
    let (a, c) = (verdict_of(&alone), verdict_of(&crowded));
    for key in ["outcome", "verdict", "composition"] {
        assert_eq!(a[key], c[key], "{key}");
    }
    assert_eq!(a["subtask_jumps"], c["subtask_jumps"]);
}

/// Issue 14's step CSV: four smooth subtasks and s2 stepping from 10% to 85% between m3 and m4
/// are reported as emergent at s2, between m3 and m4; the smooth ones are not flagged.
#[test]
fn issue_14_a_stepping_subtask_is_emergent_where_it_steps() {
    let wd = Workdir::new();
    let counts = [
        ("s0", [31, 68, 127, 190, 235, 259]),
        ("s1", [23, 53, 106, 170, 223, 253]),
        ("s2", [30, 30, 30, 30, 255, 255]),
        ("s3", [13, 31, 68, 127, 190, 235]),
        ("s4", [9, 23, 53, 106, 170, 223]),
    ];
    let params = [100000000u64, 398107171, 1584893192, 6309573445, 25118864315, 100000000000];
    let mut csv = String::from("task,model,params,subtask,n,correct\n");
    for (m, p) in params.iter().enumerate() {
        for (name, c) in &counts {
            csv.push_str(&format!("step,m{m},{p},{name},300,{}\n", c[m]));
        }
    }
    let input = wd.write("step.csv", csv);
    let out = wd.analyze(&input).arg("--no-charts").assert().success().get_output().clone();
    let summary = wd.summary();
    let jumps = &verdicts(&summary)[0]["subtask_jumps"];
    assert_eq!(jumps["outcome"], "emergent", "{jumps:#}");
    assert_eq!(jumps["strongest"], "s2");
    let series = jumps["series"].as_array().expect("series");
    for s in series {
        let flagged = f64_of(&s["p_adjusted"]) < 0.05;
        assert_eq!(flagged, s["subtask"] == "s2", "{s:#}");
    }
    let s2 = series.iter().find(|s| s["subtask"] == "s2").expect("s2");
    assert_eq!(s2["break"]["between_models"], serde_json::json!(["m3", "m4"]));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("emergent: subtask \"s2\" jumps up between m3 and m4"), "{stdout}");
}

/// Issue 13's `aicc6.csv`: with AICc's standard parameter count the line beats the logistic
/// (reference: tests/reference/binomial_fit_reference.txt keys `ls_aicc6.*`).
#[test]
fn issue_13_aicc6_prefers_the_line() {
    let wd = Workdir::new();
    let csv = "task,model,params,subtask,score\naicc,m0,100000000,s,0.05\naicc,m1,300000000,s,0.07\n\
               aicc,m2,1000000000,s,0.12\naicc,m3,3000000000,s,0.25\naicc,m4,10000000000,s,0.42\n\
               aicc,m5,30000000000,s,0.52\n";
    let input = wd.write("aicc6.csv", csv);
    let out = wd
        .analyze(&input)
        .args(["--compose", "mean", "--no-charts", "--full"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("best fit: linear (AICc -19.3)"), "{stdout}");
    let summary = wd.summary();
    let fits = series(&summary, "compound", "mean")["fits"].as_array().expect("fits").clone();
    let aicc = |m: &str| f64_of(&fits.iter().find(|f| f["model"] == m).expect("fit")["aicc"]);
    assert!((aicc("linear") - -19.259566151650347).abs() < 1e-6);
    assert!((aicc("logistic") - -3.7180377573070444).abs() < 1e-6);
    assert!(fits.iter().all(|f| f["model"] == "broken-power-law" || f["objective"] == "least-squares"));
}

/// Issue 13's `floor.csv` with `--chance 0.25`: the logistic is not converged, and says why.
#[test]
fn issue_13_data_under_the_floor_is_reported_with_its_reason() {
    let wd = Workdir::new();
    let csv = "task,model,params,subtask,score\nfit,f0,100000000,s,0.02\nfit,f1,250000000,s,0.05\n\
               fit,f2,600000000,s,0.04\nfit,f3,1500000000,s,0.11\nfit,f4,4000000000,s,0.19\n\
               fit,f5,10000000000,s,0.33\nfit,f6,27000000000,s,0.41\n";
    let input = wd.write("floor.csv", csv);
    let out = wd
        .analyze(&input)
        .args(["--chance", "0.25", "--no-charts", "--full"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("logistic: not converged (data under the floor: 5 of 7 scores"), "{stdout}");
    let summary = wd.summary();
    let logistic = series(&summary, "subtask", "s")["fits"]
        .as_array()
        .expect("fits")
        .iter()
        .find(|f| f["model"] == "logistic")
        .expect("logistic")
        .clone();
    assert_eq!(logistic["converged"], false);
    assert!(logistic["convergence_note"].as_str().unwrap_or("").starts_with("data under the floor"));
    assert!(series(&summary, "compound", "all")["composed"].is_null(), "a non-converged fit is never used");
}

/// Issue 13: the seed example without counts reads right — the broken power law is "not fitted"
/// for want of sizes, and the composed held-out check cannot be judged rather than failing.
#[test]
fn issue_13_seed_without_counts_reads_right() {
    let wd = Workdir::new();
    let out = wd.analyze(seed()).args(["--no-charts", "--full"]).assert().success().get_output().clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("broken-power-law: not fitted (needs at least 7 model sizes"), "{stdout}");
    assert!(!stdout.contains("FAILS"), "{stdout}");
    assert!(stdout.contains("cannot be judged: without item counts"), "{stdout}");
}

#[test]
fn a_lower_is_better_score_and_its_interval_are_turned_together() {
    let wd = Workdir::new();
    wd.analyze(seed()).args(["--n", "1000", "--no-charts", "--compose", "editdist:3"]).assert().success();
    let summary = wd.summary();
    let edit = series(&summary, "compound", "editdist:3");
    assert_eq!(edit["higher_is_better"], false);
    let score = f64_of(&edit["emergence_score"]);
    let ci = edit["emergence_score_ci"].as_array().unwrap_or_else(|| panic!("an interval: {edit}"));
    let (lo, hi) = (f64_of(&ci[0]), f64_of(&ci[1]));
    assert!(
        0.0 < lo && lo <= score && score <= hi,
        "a falling edit distance improves: {lo} <= {score} <= {hi}"
    );
    // Six sizes: per step is the score and its interval over 5 (to an ulp: serde_json's
    // default number parser is not correctly rounded).
    let per_step = edit["emergence_score_normalized_ci"].as_array().expect("a per-step interval");
    assert_relative_eq!(f64_of(&per_step[0]), lo / 5.0, max_relative = 1e-15);
    assert_relative_eq!(f64_of(&per_step[1]), hi / 5.0, max_relative = 1e-15);
    assert_relative_eq!(f64_of(&edit["emergence_score_normalized"]), score / 5.0, max_relative = 1e-15);
}

/// Issue 13: a base and a chat model at 7B are merged for the score (the mean, 0.48) and in
/// every bootstrap replicate too, so the score has an interval of the same statistic: around
/// the merged score 2.683 (6/√5), not the unmerged 10, and per step over the 4 steps of the 5
/// distinct sizes.
#[test]
fn merged_sizes_have_a_bootstrap_interval_of_the_merged_score() {
    let wd = Workdir::new();
    wd.analyze(data("chat_model.csv")).args(["--n", "100", "--no-charts"]).assert().success();
    let summary = wd.summary();
    let qa = series(&summary, "subtask", "qa");
    let score = f64_of(&qa["emergence_score"]);
    assert_relative_eq!(score, 2.6832815729997477, max_relative = 1e-12);
    assert!(qa["emergence_score_ci_note"].is_null(), "{qa}");
    let ci = qa["emergence_score_ci"].as_array().expect("an interval");
    let (lo, hi) = (f64_of(&ci[0]), f64_of(&ci[1]));
    assert!(lo < score && score < hi && hi < 10.0, "{lo} {score} {hi}");
    let per_step = qa["emergence_score_normalized_ci"].as_array().expect("a per-step interval");
    assert_relative_eq!(f64_of(&per_step[0]), lo / 4.0, max_relative = 1e-15);
    assert_relative_eq!(f64_of(&per_step[1]), hi / 4.0, max_relative = 1e-15);
}
