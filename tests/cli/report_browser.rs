//! report.html in a real browser: headless Chromium (Debian's `chromium` package) loads
//! the page from disk with `#selftest:TERM`, whose script sorts the overview, filters it
//! with the search box and opens a group, writing what the DOM then holds into
//! `<pre id="selftest">`; `--dump-dom` hands that back. A screenshot of the page's top is
//! written too (`EMERGE_UPDATE_SCREENSHOT=1` copies it to docs/report.png, the README's).
//!
//! Without Chromium the test says so and passes, except under CI (`CI` set), where a
//! missing browser is a failure: `.ci/run` installs it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::repo;

/// `EMERGE_CHROMIUM`, else the first of chromium, chromium-browser on PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("EMERGE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
        .find(|p| p.is_file())
}

fn browser_or_skip() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set and no chromium was found: .ci/run installs Debian's chromium package \
             (or set EMERGE_CHROMIUM to a Chromium binary)"
        );
        eprintln!(
            "SKIPPED report_browser: no chromium on PATH (apt-get install chromium, or set \
             EMERGE_CHROMIUM); under CI this fails instead"
        );
    }
    found
}

/// Runs headless Chromium on `url` with `args`, a fresh profile each time.
fn headless(browser: &Path, profile: &Path, args: &[&str], url: &str) -> std::process::Output {
    Command::new(browser)
        .args(["--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--hide-scrollbars"])
        .args(["--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .expect("chromium runs")
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Console messages from the page itself (the page logs none when it works).
fn console_messages(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains("CONSOLE") && l.contains("report.html")).collect()
}

#[test]
fn report_sorts_filters_and_opens_groups_in_headless_chromium() {
    let Some(browser) = browser_or_skip() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_emerge"))
        .current_dir(repo())
        // BIG-Bench Hard subtasks have about 250 items each; --n gives the verdicts counts.
        .args([
            "analyze",
            "datasets/flan_bbh_subtasks_by_size.csv",
            "--n",
            "250",
            "--bootstrap",
            "200",
            "-q",
            "--out",
        ])
        .arg(&out)
        .status()
        .expect("emerge runs");
    assert!(status.success());

    // The groups, from summary.json: one row each.
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).expect("summary.json");
    let groups: BTreeSet<String> = summary["series"]
        .as_array()
        .expect("series")
        .iter()
        .map(|s| format!("{}|{}|{}|{}", s["task"], s["family"], s["metric"], s["shots"]))
        .collect();
    assert!(groups.len() >= 10, "a dataset with many groups: {}", groups.len());
    let outcomes: BTreeSet<&str> = summary["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .filter_map(|v| v["outcome"].as_str())
        .collect();
    assert!(outcomes.len() >= 2, "verdicts that differ: {outcomes:?}");
    let term = "Flan-T5";
    let expected_hits = groups.iter().filter(|g| g.contains(&format!("\"{term}\""))).count();
    assert!(expected_hits > 0 && expected_hits < groups.len());

    let page = out.join("report.html");
    let url = format!("file://{}", page.display());
    let profile = dir.path().join("profile");
    let dom = headless(&browser, &profile, &["--dump-dom"], &format!("{url}#selftest:{term}"));
    let stdout = String::from_utf8_lossy(&dom.stdout);
    let stderr = String::from_utf8_lossy(&dom.stderr);
    assert!(dom.status.success(), "chromium failed: {stderr}");
    assert_eq!(console_messages(&stderr), Vec::<&str>::new(), "console messages from the page");
    let probe =
        stdout.split("<pre id=\"selftest\">").nth(1).and_then(|s| s.split("</pre>").next()).unwrap_or_else(
            || panic!("the self-test wrote nothing; DOM starts: {}", &stdout[..stdout.len().min(2000)]),
        );
    let r: serde_json::Value = serde_json::from_str(&unescape(probe)).expect("self-test JSON");
    assert_eq!(r["errors"], serde_json::json!([]), "script errors: {r}");
    assert_eq!(r["rows"].as_u64(), Some(groups.len() as u64), "one overview row per group");
    assert_eq!(r["groups"].as_u64(), Some(groups.len() as u64), "one data entry per group");

    // Sorting: numbers descending on the first click, ascending on the second, blanks last.
    let numbers = |name: &str| -> (Vec<f64>, usize) {
        let v = r[name].as_array().unwrap_or_else(|| panic!("{name} in {r}"));
        assert_eq!(v.len(), groups.len());
        let blanks_at = v.iter().position(|x| x.is_null()).unwrap_or(v.len());
        assert!(v[blanks_at..].iter().all(|x| x.is_null()), "{name}: blanks last: {v:?}");
        (v[..blanks_at].iter().map(|x| x.as_f64().unwrap()).collect(), blanks_at)
    };
    let (desc, scored) = numbers("step_first");
    assert!(scored >= 2, "scores to sort: {desc:?}");
    assert!(desc.windows(2).all(|w| w[0] >= w[1]), "descending: {desc:?}");
    let (asc, _) = numbers("step_second");
    assert!(asc.windows(2).all(|w| w[0] <= w[1]), "ascending: {asc:?}");
    assert!(desc.first() > desc.last(), "the scores differ, so the order is a real test");
    let tasks: Vec<&str> = r["task_first"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert!(tasks.windows(2).all(|w| w[0] <= w[1]), "tasks ascending: {tasks:?}");
    assert!(tasks.first() < tasks.last());

    // The search box: exactly the groups of the family typed.
    assert_eq!(r["term"], term);
    assert_eq!(r["visible"].as_u64(), Some(expected_hits as u64), "{r}");
    assert_eq!(r["shown"], format!("{expected_hits} of {} groups", groups.len()));

    // A group section is built when opened: its tables, and its charts when drawn.
    let detail = &r["detail"];
    assert!(detail["tables"].as_u64() >= Some(2), "{detail}");
    assert!(detail["charts"].as_u64() > Some(0), "a drawn group: {detail}");
    assert_eq!(detail["images"], detail["charts"], "every chart shown: {detail}");
    assert!(
        detail["text"].as_str().unwrap().contains("Verdict")
            || detail["text"].as_str().unwrap().contains("No verdict")
    );

    // The screenshot.
    let png = dir.path().join("report.png");
    let shot = headless(
        &browser,
        &profile,
        &[&format!("--screenshot={}", png.display()), "--window-size=1280,1500"],
        &url,
    );
    assert!(shot.status.success(), "{}", String::from_utf8_lossy(&shot.stderr));
    assert_eq!(console_messages(&String::from_utf8_lossy(&shot.stderr)), Vec::<&str>::new());
    let bytes = std::fs::read(&png).expect("a screenshot");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let (w, h) = (
        u32::from_be_bytes(bytes[16..20].try_into().unwrap()),
        u32::from_be_bytes(bytes[20..24].try_into().unwrap()),
    );
    assert_eq!((w, h), (1280, 1500));
    if std::env::var_os("EMERGE_UPDATE_SCREENSHOT").is_some() {
        std::fs::copy(&png, repo().join("docs/report.png")).expect("copy to docs/report.png");
    }
}

/// `--predict-at` in the page: the group section, built by the script when opened, shows a
/// table of the predictions (the seed example's subtask 1 at 10T: 62.0%, see
/// tests/cli/backtest.rs); a run without the flag shows none.
#[test]
fn report_shows_predict_at_in_the_group_section() {
    let Some(browser) = browser_or_skip() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let probe = |args: &[&str], name: &str| -> serde_json::Value {
        let out = dir.path().join(name);
        let status = Command::new(env!("CARGO_BIN_EXE_emerge"))
            .current_dir(repo())
            .args(["analyze", "datasets/seed_example.csv", "-q", "--charts", "none", "--out"])
            .arg(&out)
            .args(args)
            .status()
            .expect("emerge runs");
        assert!(status.success());
        let url = format!("file://{}#selftest", out.join("report.html").display());
        let dom = headless(&browser, &dir.path().join(format!("profile-{name}")), &["--dump-dom"], &url);
        let stdout = String::from_utf8_lossy(&dom.stdout);
        let probe = stdout.split("<pre id=\"selftest\">").nth(1).and_then(|s| s.split("</pre>").next());
        let r: serde_json::Value =
            serde_json::from_str(&unescape(probe.expect("the self-test wrote"))).expect("self-test JSON");
        assert_eq!(r["errors"], serde_json::json!([]), "script errors: {r}");
        r
    };
    let r = probe(&["--predict-at", "10T", "--predict-at", "1e15"], "with");
    let rows: Vec<&str> = r["detail"]["predictions"]
        .as_array()
        .expect("predictions")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    // Every series of the group (subtasks, task level, compounds) at both sizes.
    assert!(rows.len() >= 4 && rows.len() % 2 == 0, "{rows:?}");
    assert!(
        rows.iter().any(|t| t.starts_with("subtask 110T params62.0%") && t.contains("emerge+1.0")),
        "{rows:?}"
    );
    assert!(rows.iter().any(|t| t.contains("1e15 params")), "{rows:?}");
    let r = probe(&[], "without");
    assert_eq!(r["detail"]["predictions"], serde_json::json!([]), "{r}");
}
