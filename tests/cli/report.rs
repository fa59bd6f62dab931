//! report.html, `--charts` and the terminal digest (issue 16).

use std::fmt::Write as _;

use crate::util::{data, seed, Workdir};

/// Tidy rows for `tasks` tasks of 3 subtasks at 6 sizes with 500 items, each task rising
/// more steeply than the one before; task `t00` has a subtask that jumps before the
/// fifth size (a break needs two sizes on each side).
fn graded_tasks(tasks: usize) -> String {
    let mut csv = String::from("task,model,params,subtask,n,correct\n");
    let sizes = [1e8, 3e8, 1e9, 3e9, 1e10, 3e10];
    for t in 0..tasks {
        for (i, &params) in sizes.iter().enumerate() {
            for s in 0..3 {
                let x = f64::log10(params) - 9.5;
                let mut p = 1.0 / (1.0 + (-(0.5 + 0.3 * t as f64) * x).exp());
                if t == 0 && s == 0 {
                    p = if i >= 4 { 0.9 } else { 0.1 };
                }
                let correct = (p * 500.0).round();
                writeln!(csv, "t{t:02},m{i},{params},s{s},500,{correct}").unwrap();
            }
        }
    }
    csv
}

fn pngs(wd: &Workdir) -> Vec<String> {
    wd.out_files().into_iter().filter(|f| f.ends_with(".png")).collect()
}

fn stdout(wd: &Workdir, args: &[&str]) -> String {
    let out = wd.analyze(seed()).args(args).output().expect("emerge runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn the_terminal_prints_a_digest_unless_full() {
    let wd = Workdir::new();
    let digest = stdout(&wd, &["--n", "1000", "--bootstrap", "200"]);
    assert!(digest.starts_with(&format!("{}: 30 rows read", seed().display())), "{digest}");
    assert!(digest.contains("1 group and 7 series"), "{digest}");
    assert!(digest.contains("verdicts by outcome: 1 no-evidence"), "{digest}");
    assert!(digest.contains("most abrupt series"), "{digest}");
    assert!(digest.contains("every group, its numbers and charts: report.html"), "{digest}");
    assert!(!digest.contains("curve fits"), "the digest leaves fits to --full: {digest}");
    let full = stdout(&wd, &["--n", "1000", "--bootstrap", "200", "--full"]);
    for needle in ["curve fits", "emergence scores (Srivastava", "verdicts (p adjusted", "subtask mean"] {
        assert!(full.contains(needle), "{needle} in {full}");
    }
    assert!(!full.contains("verdicts by outcome"), "{full}");
}

#[test]
fn warnings_are_folded_by_code_in_the_digest() {
    let wd = Workdir::new();
    let out = wd.analyze(data("missing_cell.csv")).output().expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let folded: Vec<&str> = text.lines().filter(|l| l.starts_with("  - ") && l.contains(" ×")).collect();
    assert!(!folded.is_empty(), "{text}");
    let codes: Vec<&str> = folded.iter().map(|l| l[4..].split(' ').next().unwrap()).collect();
    let mut unique = codes.clone();
    unique.dedup();
    assert_eq!(codes, unique, "one line per code: {text}");
}

#[test]
fn quiet_and_full_do_not_go_together() {
    let out = Workdir::new().analyze(seed()).args(["-q", "--full"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn charts_all_flagged_none_and_no_charts() {
    let wd = Workdir::new();
    wd.write("graded.csv", graded_tasks(14));
    let run = |args: &[&str]| {
        wd.analyze("graded.csv").args(["--bootstrap", "100", "-q"]).args(args).assert().success();
        let files = pngs(&wd);
        std::fs::remove_dir_all(wd.out()).unwrap();
        files
    };
    let subtasks_charts = |files: &[String]| files.iter().filter(|f| f.ends_with("_subtasks.png")).count();
    let all = run(&["--charts", "all"]);
    assert_eq!(subtasks_charts(&all), 14, "{all:?}");
    assert!(all.contains(&"emergence_scores.png".to_string()));

    wd.analyze("graded.csv").args(["--bootstrap", "100", "-q"]).assert().success();
    let flagged = pngs(&wd);
    let summary = wd.summary();
    let html = String::from_utf8(wd.read_out("report.html")).unwrap();
    std::fs::remove_dir_all(wd.out()).unwrap();
    // t00 jumps (its verdict flags it), and the 10 most abrupt of the others: the steepest.
    let emergent: Vec<&str> = summary["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["outcome"] == "emergent")
        .map(|v| v["task"].as_str().unwrap())
        .collect();
    assert_eq!(emergent, ["t00"]);
    // The expected groups: the verdict's finding, and the 10 highest normalised emergence
    // scores (each group's highest over its series), by summary.json.
    let mut best: Vec<(f64, String)> = Vec::new();
    for s in summary["series"].as_array().unwrap() {
        let (Some(v), Some(task)) = (s["emergence_score_normalized"].as_f64(), s["task"].as_str()) else {
            continue;
        };
        match best.iter_mut().find(|b| b.1 == task) {
            Some(b) => b.0 = b.0.max(v),
            None => best.push((v, task.to_string())),
        }
    }
    best.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut expected: Vec<&str> =
        best.iter().take(10).map(|b| b.1.as_str()).chain(emergent.iter().copied()).collect();
    expected.sort();
    expected.dedup();
    let drawn: Vec<&str> = flagged.iter().filter_map(|f| f.strip_suffix("_subtasks.png")).collect();
    assert_eq!(drawn, expected);
    assert!(drawn.len() < 14, "some groups are not drawn: {drawn:?}");
    assert!(!drawn.contains(&"t01"), "the least abrupt is not drawn: {drawn:?}");
    assert!(flagged.contains(&"emergence_scores.png".to_string()));
    assert_eq!(html.matches("<tr id=\"r").count(), 14, "report.html lists every group");
    assert_eq!(html.matches("<td>drawn</td>").count(), drawn.len());
    let header = format!("--charts flagged ({} of 14 groups drawn)", drawn.len());
    assert!(html.contains(&header), "the header says what was drawn: {header}");

    assert_eq!(run(&["--charts", "none"]), Vec::<String>::new());
    assert_eq!(run(&["--no-charts"]), Vec::<String>::new());
    let out = wd.analyze("graded.csv").args(["--no-charts", "--charts", "all"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "--no-charts is --charts none: they conflict");
}

#[test]
fn report_html_escapes_the_data_and_names_do_not_collide() {
    let wd = Workdir::new();
    let mut csv = String::from("task,family,model,params,subtask,score\n");
    for (task, family) in [("<script>alert(1)</script>", "\"fam\" & 'co'"), ("Task", "a"), ("task", "a")] {
        for (i, params) in ["1B", "10B", "100B", "1T"].iter().enumerate() {
            for s in 0..2 {
                let score = 0.2 + 0.15 * i as f64 + 0.01 * s as f64;
                writeln!(
                    csv,
                    "\"{}\",\"{}\",m{i},{params},s{s},{score}",
                    task.replace('"', "\"\""),
                    family.replace('"', "\"\"")
                )
                .unwrap();
            }
        }
    }
    wd.write("hostile.csv", csv);
    wd.analyze("hostile.csv").args(["--charts", "all", "-q"]).assert().success();
    let html = String::from_utf8(wd.read_out("report.html")).unwrap();
    assert!(!html.contains("<script>alert"), "markup from the data reaches the page");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&quot;fam&quot; &amp; &#39;co&#39;"));
    assert_eq!(html.matches("<script").count(), 2, "the page's data and its script, nothing else");
    // "Task" and "task" would share a file on macOS: the second is numbered.
    let files = pngs(&wd);
    assert!(files.contains(&"Task_subtasks.png".to_string()), "{files:?}");
    assert!(files.contains(&"task_2_subtasks.png".to_string()), "{files:?}");
    assert!(html.contains("task_2_subtasks.png") && html.contains("Task_subtasks.png"));
    let lower: std::collections::BTreeSet<String> = files.iter().map(|f| f.to_lowercase()).collect();
    assert_eq!(lower.len(), files.len(), "no two files differ only in case: {files:?}");
}
