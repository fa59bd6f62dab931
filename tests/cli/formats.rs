//! Every input format end to end: real lm-evaluation-harness output, BIG-bench score
//! files, wide tables, item-level CSV/Parquet/stdin and `emerge simulate`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use predicates::prelude::*;
use serde_json::Value;

use crate::util::{data, Workdir};

fn datasets(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets").join(name)
}

fn accounts(summary: &Value) {
    let input = &summary["input"];
    let (read, used, dropped) = (
        input["rows_read"].as_u64().unwrap(),
        input["rows_used"].as_u64().unwrap(),
        input["rows_dropped"].as_u64().unwrap(),
    );
    assert_eq!(read, used + dropped, "{input}");
    assert_eq!(input["dropped"].as_array().unwrap().len() as u64, dropped);
}

fn strings(summary: &Value, path: impl Fn(&Value) -> &Value) -> BTreeSet<String> {
    summary["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| path(s).as_str().map(str::to_string))
        .collect()
}

/// The Pythia directory as EleutherAI published it, in one command: all 16 runs, both
/// shot settings, MMLU's 57 subjects as one task.
#[test]
fn pythia_results_directory_analyses_in_one_command() {
    let wd = Workdir::new();
    wd.analyze(datasets("pythia-lm-eval-0.3"))
        .args(["--bootstrap", "0", "--no-charts", "-q"])
        .assert()
        .success();
    let summary = wd.summary();
    accounts(&summary);
    assert_eq!(summary["input"]["format"], "lm-eval");
    let models: BTreeSet<String> = summary["series"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            s["points"].as_array().unwrap().iter().map(|p| p["model"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(models.len(), 16, "{models:?}");
    assert_eq!(strings(&summary, |s| &s["shots"]), BTreeSet::from(["0".to_string(), "5".to_string()]));
    assert_eq!(
        strings(&summary, |s| &s["family"]),
        BTreeSet::from(["pythia-v1.1".to_string(), "pythia-v1.1-deduped".to_string()])
    );
    let mmlu: BTreeSet<String> = summary["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["task"] == "hendrycksTest" && s["kind"] == "subtask")
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(mmlu.len(), 57);
    // Perplexities are read, listed and left out, never analysed as rates.
    let dropped = summary["input"]["dropped"].as_array().unwrap();
    assert!(dropped.iter().any(|d| d["reason"].as_str().unwrap().contains("\"ppl\"")));
    assert!(!strings(&summary, |s| &s["metric"]).contains("ppl"));
}

#[test]
fn lm_eval_04_results_and_sample_logs() {
    let toy = data("lm-eval-0.4-toy");
    let wd = Workdir::new();
    // The harness's dummy model has no size anywhere: the run says so, then a params file
    // gives one.
    let out = wd.analyze(&toy).args(["--no-charts", "-q"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--params-file"));
    let sizes = wd.write("sizes.csv", "model,params\n6jf4z2qc,1M\n");
    wd.analyze(&toy)
        .arg("--params-file")
        .arg(&sizes)
        .args(["--bootstrap", "0", "--no-charts", "-q"])
        .assert()
        .success();
    let results = wd.summary();
    accounts(&results);
    assert!(results["warnings"].as_array().unwrap().iter().any(|w| w["code"] == "samples-not-read"));

    let wd = Workdir::new();
    let sizes = wd.write("sizes.csv", "model,params\n6jf4z2qc,1M\n");
    wd.analyze(&toy)
        .arg("--params-file")
        .arg(&sizes)
        .args(["--format", "items", "--bootstrap", "0", "--no-charts", "-q"])
        .assert()
        .success();
    let items = wd.summary();
    accounts(&items);
    assert_eq!(items["input"]["format"], "lm-eval");
    // The toy tasks share their documents, so items join on doc_id across subtasks.
    let checks = items["independence"].as_array().unwrap();
    assert!(!checks.is_empty(), "{items}");
    assert!(checks.iter().all(|c| c["complete_items"].as_u64().unwrap() > 0));
}

#[test]
fn bigbench_score_files() {
    let wd = Workdir::new();
    wd.analyze(data("bigbench")).args(["--bootstrap", "0", "--no-charts", "-q"]).assert().success();
    let summary = wd.summary();
    accounts(&summary);
    assert_eq!(summary["input"]["format"], "bigbench");
    assert_eq!(strings(&summary, |s| &s["task"]), BTreeSet::from(["synthetic_format_fixture".to_string()]));
    // One file on its own reads too.
    let wd = Workdir::new();
    wd.analyze(data("bigbench/scores_Fixture-LM_T=0_8b.json")).args(["--no-charts", "-q"]).assert().success();
}

#[test]
fn wide_table_matches_the_same_scores_in_tidy_form() {
    let wd = Workdir::new();
    let wide = wd.write(
        "scores.csv",
        "model,params,alpha,beta\nsmall,1B,0.5,0.4\nmid,10B,0.6,0.5\nlarge,100B,0.7,0.6\n",
    );
    let tidy = wd.write(
        "tidy.csv",
        "model,params,subtask,score,task\nsmall,1B,alpha,0.5,scores\nsmall,1B,beta,0.4,scores\nmid,10B,alpha,0.6,scores\n\
         mid,10B,beta,0.5,scores\nlarge,100B,alpha,0.7,scores\nlarge,100B,beta,0.6,scores\n",
    );
    wd.analyze(&wide).args(["--wide", "--no-charts", "-q"]).assert().success();
    let a = wd.summary();
    wd.analyze(&tidy).args(["--no-charts", "-q"]).assert().success();
    let b = wd.summary();
    assert_eq!(a["input"]["rows_read"], 6);
    assert_eq!(a["series"], b["series"]);
    assert_eq!(a["verdicts"], b["verdicts"]);
}

/// Simulated item-level data: the subtask rates, the joint rate and the intra-class
/// correlation come back out.
#[test]
fn simulated_items_show_the_independence_check() {
    let wd = Workdir::new();
    wd.emerge()
        .args(["simulate", "--rho", "0.3", "--items", "2000", "--steps", "3", "--out", "items.csv"])
        .assert()
        .success();
    wd.analyze("items.csv").args(["--bootstrap", "0", "--no-charts", "--full"]).assert().success().stdout(
        predicates::str::contains("independence (item-level)")
            .and(predicates::str::contains("product outside")),
    );
    let summary = wd.summary();
    accounts(&summary);
    assert_eq!(summary["input"]["format"], "items");
    assert_eq!(summary["input"]["rows_read"], 3 * 5 * 2000);
    let checks = summary["independence"].as_array().unwrap();
    assert_eq!(checks.len(), 3);
    for c in checks {
        assert_eq!(c["complete_items"], 2000);
        let (icc, lo, hi) =
            (c["icc"].as_f64().unwrap(), c["icc_ci"][0].as_f64().unwrap(), c["icc_ci"][1].as_f64().unwrap());
        assert!(lo < icc && icc < hi);
        // ρ = 0.3 in the generator; 2000 items × 5 subtasks pin it to about ±0.03.
        assert!((icc - 0.3).abs() < 0.06, "{c}");
        assert!(c["joint_rate"].as_f64().unwrap() > c["independence_prediction"].as_f64().unwrap());
    }
    // The joint outcome is the task-level series the verdict tests composition against.
    assert!(summary["series"].as_array().unwrap().iter().any(|s| s["kind"] == "task"));
    let composition = &summary["verdicts"][0]["composition"];
    assert_eq!(composition["observation"], "task-level");
    // The items' dependence lifts the joint rate above the product at every size; it does
    // not change with scale, so it is not emergence (issue 14).
    assert_ne!(summary["verdicts"][0]["outcome"], "emergent", "{composition:#}");
}

#[test]
fn independent_simulated_subtasks_match_the_product() {
    let wd = Workdir::new();
    wd.emerge()
        .args([
            "simulate",
            "--rho",
            "0",
            "--items",
            "3000",
            "--steps",
            "2",
            "--seed",
            "11",
            "--out",
            "items.csv",
        ])
        .assert()
        .success();
    wd.analyze("items.csv").args(["--bootstrap", "0", "--no-charts", "-q"]).assert().success();
    for c in wd.summary()["independence"].as_array().unwrap() {
        assert_eq!(c["prediction_in_ci"], true, "{c}");
        assert!(
            c["icc_ci"][0].as_f64().unwrap() < 0.0 + 0.05 && c["icc"].as_f64().unwrap().abs() < 0.05,
            "{c}"
        );
    }
}

/// `all:rho=R` is the model `emerge simulate --rho R` draws from (issue 13): the share
/// of simulated items with every subtask correct is `all:rho=R` of the true rates, to
/// within Monte Carlo error, at every size, and the product is not.
#[test]
fn simulated_joint_rate_is_all_rho_of_the_true_rates() {
    let rates = [(0.2, 0.5), (0.5, 0.9), (0.3, 0.99), (0.7, 0.8)];
    let (steps, items) = (3, 20_000u64);
    for (rho, seed) in [(0.3, 13), (0.6, 17)] {
        let wd = Workdir::new();
        let mut cmd = wd.emerge();
        cmd.args(["simulate", "--subtasks", "4", "--steps", "3", "--items", "20000", "--out", "items.csv"])
            .args(["--rho", &rho.to_string(), "--seed", &seed.to_string()]);
        for (lo, hi) in rates {
            cmd.args(["--rates", &format!("{lo}:{hi}")]);
        }
        cmd.assert().success();
        // The same settings as the library's simulation, for its true rates per size.
        let sim = emerge::simulate::Simulation {
            rates: rates.to_vec(),
            sizes: (1e8, 1e11),
            steps,
            items,
            rho,
            seed,
            task: "simulated".into(),
            family: "sim".into(),
        };

        // Subtasks correct per (params, item).
        let text = std::fs::read_to_string(wd.path().join("items.csv")).unwrap();
        let mut correct: std::collections::HashMap<(u64, u64), usize> = Default::default();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let key = (f[1].parse().unwrap(), f[5].parse().unwrap());
            *correct.entry(key).or_default() += usize::from(f[6] == "1");
        }
        assert_eq!(correct.len() as u64, steps as u64 * items);

        for (s, params) in sim.sizes().into_iter().enumerate() {
            let truth: Vec<f64> = (0..rates.len()).map(|j| sim.rate(j, s)).collect();
            let all = (0..items).filter(|&i| correct[&(params as u64, i)] == rates.len()).count();
            let joint = all as f64 / items as f64;
            let want = emerge::compose::all_correlated(&truth, rho);
            let se = (want * (1.0 - want) / items as f64).sqrt();
            assert!(
                (joint - want).abs() <= 4.0 * se,
                "R = {rho}, {params} params, rates {truth:?}: {joint} of items all correct, \
                 all:rho says {want} ± {se}"
            );
            let product = emerge::compose::all_of(&truth);
            assert!((joint - product).abs() > 4.0 * se, "the test tells R = {rho} from independence");
        }
    }
}

#[test]
fn simulate_is_deterministic_and_seeded() {
    let wd = Workdir::new();
    let run = |seed: &str| {
        wd.emerge()
            .args(["simulate", "--items", "50", "--seed", seed, "--out", "-"])
            .output()
            .expect("runs")
            .stdout
    };
    assert_eq!(run("3"), run("3"));
    assert_ne!(run("3"), run("4"));
}

#[test]
fn items_from_parquet_and_stdin_match_csv() {
    use polars::prelude::*;
    let wd = Workdir::new();
    wd.emerge().args(["simulate", "--items", "200", "--steps", "4", "--out", "items.csv"]).assert().success();
    wd.analyze("items.csv").args(["--no-charts", "-q"]).assert().success();
    let from_csv = wd.summary();

    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(wd.path().join("items.csv")))
        .unwrap()
        .finish()
        .unwrap();
    let file = std::fs::File::create(wd.path().join("items.parquet")).unwrap();
    ParquetWriter::new(file).finish(&mut df).unwrap();
    wd.analyze("items.parquet").args(["--no-charts", "-q"]).assert().success();
    let from_parquet = wd.summary();
    assert_eq!(from_csv["series"], from_parquet["series"]);
    assert_eq!(from_csv["independence"], from_parquet["independence"]);

    let csv = std::fs::read(wd.path().join("items.csv")).unwrap();
    wd.analyze("-").args(["--no-charts", "-q"]).write_stdin(csv).assert().success();
    let from_stdin = wd.summary();
    assert_eq!(from_csv["series"], from_stdin["series"]);
    assert_eq!(from_stdin["input"]["path"], "<stdin>");
}

#[test]
fn params_file_supplies_sizes_the_results_do_not_state() {
    let wd = Workdir::new();
    let results = r#"{"results": {"arith": {"acc": 0.5, "acc_stderr": 0.05}},
                      "config": {"model": "hf", "model_args": "pretrained=acme/mystery", "num_fewshot": 0}}"#;
    std::fs::create_dir(wd.path().join("runs")).unwrap();
    wd.write("runs/a.json", results);
    wd.write("runs/b.json", results.replace("mystery", "enigma").replace("0.5", "0.7"));
    let out = wd.analyze("runs").args(["--no-charts", "-q"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--params-file"));
    wd.write("sizes.csv", "model,params\nmystery,1B\nenigma,10B\n");
    wd.analyze("runs").args(["--params-file", "sizes.csv", "--no-charts", "-q"]).assert().success();
    // Each name is its own family (no size in the name to strip); each has its size.
    let summary = wd.summary();
    let sizes: BTreeSet<(String, u64)> = summary["series"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["points"].as_array().unwrap().iter())
        .map(|p| (p["model"].as_str().unwrap().to_string(), p["params"].as_f64().unwrap() as u64))
        .collect();
    assert_eq!(
        sizes,
        BTreeSet::from([("enigma".to_string(), 10_000_000_000), ("mystery".to_string(), 1_000_000_000)])
    );
}

/// Issue 14: the README's item-level example (ρ = 0.3 at every size) is not called emergent
/// by the dependence question, which reports its excess per size, its p-value and its power.
#[test]
fn issue_14_readme_rho_example_dependence_is_not_emergent() {
    let wd = Workdir::new();
    wd.emerge().args(["simulate", "--rho", "0.3", "--items", "500", "--out", "items.csv"]).assert().success();
    wd.analyze("items.csv").args(["--bootstrap", "0", "--no-charts", "--full"]).assert().success().stdout(
        predicates::str::contains(
            "2. dependence between subtasks: no evidence that dependence changes with scale",
        ),
    );
    let summary = wd.summary();
    assert_ne!(summary["verdicts"][0]["outcome"], "emergent", "{:#}", summary["verdicts"][0]);
    let d = &summary["verdicts"][0]["dependence"];
    assert_eq!(d["outcome"], "no-evidence", "{d}");
    assert!(d["p_value"].as_f64().unwrap() > 0.05, "{d}");
    assert!(d["power"].as_f64().unwrap() > 0.8, "{d}");
    assert_eq!(d["sizes"].as_array().unwrap().len(), 8);
    assert!((d["rho"].as_f64().unwrap() - 0.3).abs() < 0.1, "{d}");
}

/// Issue 14: item-level data whose dependence rises from ρ = 0 to ρ = 0.8 at the two largest
/// of 6 sizes (5 logistic subtasks, 500 items, `emerge simulate`'s model) is emergent by the
/// dependence question, between the 4th and 5th size.
#[test]
fn issue_14_rising_item_dependence_is_emergent_where_it_rises() {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(14);
    let mut csv = String::from("model,params,task,subtask,item,correct\n");
    for s in 0..6 {
        let x = 8.0 + 0.6 * s as f64;
        let share: f64 = if s >= 4 { 0.8f64.sqrt() } else { 0.0 };
        for item in 0..500 {
            let shared: f64 = rng.random();
            for (j, mid) in [8.5, 8.9, 9.3, 9.7, 10.1].iter().enumerate() {
                let p = 1.0 / (1.0 + (-2.2 * (x - mid)).exp());
                let u: f64 = if rng.random::<f64>() < share { shared } else { rng.random() };
                let params = 10f64.powf(x).round();
                csv.push_str(&format!("m{s},{params},dep,s{j},{item},{}\n", u8::from(u < p)));
            }
        }
    }
    let wd = Workdir::new();
    wd.write("rising.csv", csv);
    wd.analyze("rising.csv").args(["--bootstrap", "0", "--no-charts", "--full"]).assert().success().stdout(
        predicates::str::contains(
            "2. dependence between subtasks: emergent: the subtasks' joint success rises beyond their \
             dependence at smaller sizes, between m3 and m4",
        ),
    );
    let summary = wd.summary();
    assert_eq!(summary["verdicts"][0]["outcome"], "emergent", "{:#}", summary["verdicts"][0]);
    let d = &summary["verdicts"][0]["dependence"];
    assert_eq!(d["outcome"], "rises", "{d}");
    assert_eq!(d["rise"]["between_models"], serde_json::json!(["m3", "m4"]), "{d}");
    assert!(d["p_adjusted"].as_f64().unwrap() < 0.05, "{d}");
}
