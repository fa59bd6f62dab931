//! The README is a test: its quick start, its examples and its pictures must match what
//! emerge does.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).expect("README.md is readable")
}

/// Lines of fenced `sh` blocks and `$ `-prompted lines of `text` blocks.
fn commands(readme: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    for line in readme.lines() {
        if let Some(lang) = line.strip_prefix("```") {
            fence = if fence.is_some() { None } else { Some(lang.trim().to_string()) };
            continue;
        }
        match fence.as_deref() {
            Some("sh") if !line.trim_start().starts_with('#') && !line.trim().is_empty() => {
                out.push(line.split("  #").next().unwrap_or(line).trim().to_string())
            }
            Some("text") => {
                if let Some(cmd) = line.strip_prefix("$ ") {
                    out.push(cmd.trim().to_string())
                }
            }
            _ => {}
        }
    }
    out
}

fn emerge(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_emerge")).args(args).current_dir(dir).output().expect("emerge runs")
}

/// A scratch directory holding the README's example inputs under their README names.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    copy_tree(&root().join("datasets"), &dir.path().join("datasets"));
    std::fs::create_dir_all(dir.path().join("figures")).expect("mkdir figures");
    std::fs::copy(root().join("figures/MANIFEST"), dir.path().join("figures/MANIFEST"))
        .expect("copy MANIFEST");
    for f in ["scores.csv", "harness.csv", "bad.csv", "mirage.csv", "corpus.csv"] {
        std::fs::copy(root().join("tests/data/readme").join(f), dir.path().join(f)).expect("copy fixture");
    }
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("readable directory") {
        let path = entry.expect("directory entry").path();
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

#[test]
fn quick_start_has_exactly_the_two_commands() {
    let text = readme();
    let quick = text.split("## Quick start").nth(1).expect("a Quick start section");
    let quick = quick.split("\n## ").next().unwrap_or(quick);
    assert_eq!(
        commands(quick),
        vec!["cargo run --release -- analyze datasets/seed_example.csv", "cargo test"]
    );
    let ci = std::fs::read_to_string(root().join(".ci/run")).expect(".ci/run exists");
    assert!(ci.lines().any(|l| l.trim().starts_with("cargo test")), ".ci/run runs the README's test command");
}

#[test]
fn every_emerge_analyze_example_runs() {
    let dir = workdir();
    let examples: Vec<String> = commands(&readme())
        .into_iter()
        .filter(|c| {
            ["emerge analyze ", "emerge backtest ", "emerge power ", "emerge simulate ", "emerge figures"]
                .iter()
                .any(|p| c.starts_with(p))
                && !c.contains("bad.csv")
        })
        .collect();
    assert!(examples.len() >= 3, "README has usage examples: {examples:?}");
    for example in examples {
        let args: Vec<&str> = example.split_whitespace().skip(1).collect();
        let out = emerge(dir.path(), &args);
        assert!(out.status.success(), "{example}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn help_examples_appear_in_the_readme() {
    for command in ["analyze", "backtest", "power", "simulate", "figures"] {
        help_examples_of(command);
    }
}

fn help_examples_of(command: &str) {
    let out = emerge(&root(), &[command, "--help"]);
    let help = String::from_utf8(out.stdout).expect("utf-8 help");
    let text = readme();
    let examples: Vec<&str> = help
        .split("Examples:")
        .nth(1)
        .expect("analyze --help ends with Examples:")
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("emerge "))
        .collect();
    assert!(!examples.is_empty());
    for e in examples {
        assert!(text.contains(e), "--help example missing from README: {e}");
    }
}

#[test]
fn bad_input_transcript_is_what_emerge_prints() {
    let text = readme();
    let block = text.split("$ emerge analyze bad.csv\n").nth(1).expect("bad-input transcript");
    let expected = block.split("```").next().expect("closing fence");
    let dir = workdir();
    let out = emerge(dir.path(), &["analyze", "bad.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), expected);
}

#[test]
fn readme_images_are_committed_figures() {
    // `emerge figures --check` (tests/cli/figures.rs) keeps every file in figures/MANIFEST
    // identical to what emerge draws; the README shows only such files.
    let text = readme();
    let manifest = std::fs::read_to_string(root().join("figures/MANIFEST")).expect("figures/MANIFEST");
    let images: Vec<&str> = text
        .split("](")
        .skip(1)
        .filter_map(|s| s.split(')').next())
        .filter(|p| p.ends_with(".png"))
        .collect();
    assert!(images.contains(&"figures/fig1_seed_example.png"), "{images:?}");
    assert!(images.contains(&"figures/fig4_bbh_architectures.png"), "{images:?}");
    for image in images {
        // The report's screenshot is a browser's picture, taken by tests/cli/report_browser.rs.
        if image == "docs/report.png" {
            assert!(root().join(image).is_file(), "{image} is committed");
            continue;
        }
        let name = image.strip_prefix("figures/").unwrap_or_else(|| panic!("{image} is not under figures/"));
        assert!(
            manifest.lines().any(|l| l.ends_with(&format!("  {name}"))),
            "{image} is not in figures/MANIFEST"
        );
    }
}
