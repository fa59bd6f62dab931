//! `emerge figures`: the committed figures/MANIFEST matches a fresh drawing, on a
//! machine whose font configuration is empty, and a mismatch is named and fails.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

use crate::util::repo;

fn emerge() -> Command {
    let mut cmd = Command::cargo_bin("emerge").expect("the emerge binary is built");
    cmd.current_dir(repo());
    cmd
}

/// Environment variables that would point a font library at the system's fonts, set to
/// an empty configuration: emerge must not need them (its fonts are compiled in).
fn without_fonts(cmd: &mut Command, empty: &Path) {
    std::fs::write(empty.join("fonts.conf"), "<?xml version=\"1.0\"?>\n<fontconfig></fontconfig>\n")
        .expect("write empty fonts.conf");
    cmd.env("FONTCONFIG_FILE", empty.join("fonts.conf"))
        .env("FONTCONFIG_PATH", empty)
        .env("XDG_DATA_HOME", empty)
        .env("XDG_DATA_DIRS", empty)
        .env("XDG_CONFIG_HOME", empty)
        .env("HOME", empty);
}

#[test]
fn committed_figures_match_a_fresh_drawing_without_system_fonts() {
    let empty = tempfile::tempdir().expect("temp dir");
    let mut cmd = emerge();
    cmd.args(["figures", "--check"]);
    without_fonts(&mut cmd, empty.path());
    let output = cmd.output().expect("run emerge figures --check");
    assert!(
        output.status.success(),
        "emerge figures --check failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("19 files match"), "{stdout}");
}

#[cfg(target_os = "linux")]
#[test]
fn the_binary_links_no_font_library() {
    let output =
        std::process::Command::new("ldd").arg(env!("CARGO_BIN_EXE_emerge")).output().expect("run ldd");
    let libs = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "ldd failed: {}", String::from_utf8_lossy(&output.stderr));
    for lib in ["fontconfig", "freetype"] {
        assert!(!libs.contains(lib), "emerge links {lib}:\n{libs}");
    }
}

#[test]
fn check_names_every_figure_that_differs_and_exits_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = std::fs::read_to_string(repo().join("figures/MANIFEST")).expect("figures/MANIFEST");
    // One hash changed, one line removed, one stale line added.
    let mut lines: Vec<String> = manifest.lines().map(String::from).collect();
    let changed = lines.iter().position(|l| l.ends_with("fig4_bbh_architectures.png")).expect("fig4 listed");
    lines[changed] = format!("{}  fig4_bbh_architectures.png", "0".repeat(64));
    lines.retain(|l| !l.ends_with("fig6_emergence_surface.svg"));
    lines.push(format!("{}  fig10_gone.png", "1".repeat(64)));
    std::fs::write(dir.path().join("MANIFEST"), lines.join("\n") + "\n").expect("write manifest");

    let out: PathBuf = dir.path().into();
    let output = emerge()
        .args(["figures", "--check", "--out"])
        .arg(&out)
        .output()
        .expect("run emerge figures --check");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for expected in [
        "3 of the figures differ",
        "fig4_bbh_architectures.png: differs",
        "fig6_emergence_surface.svg: not in the manifest",
        "fig10_gone.png: in the manifest but no longer drawn",
    ] {
        assert!(stderr.contains(expected), "missing {expected:?} in:\n{stderr}");
    }
    assert!(!stderr.contains("fig1_seed_example"), "an unchanged figure was named:\n{stderr}");
    // --check writes nothing.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_missing_datasets_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = emerge()
        .args(["figures", "--datasets"])
        .arg(dir.path().join("nowhere"))
        .arg("--out")
        .arg(dir.path().join("figs"))
        .output()
        .expect("run emerge figures");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is not a directory") && stderr.contains("--datasets"), "{stderr}");
}
