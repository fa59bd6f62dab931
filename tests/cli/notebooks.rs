//! Every notebook in notebooks/ runs without error against this build of emerge.
//!
//! The Python side comes from `EMERGE_NOTEBOOK_PYTHON` when set (`.ci/run` sets it after
//! creating a virtual environment with notebooks/venv.sh); otherwise this test creates
//! that environment itself under the target directory, from PyPI, the first time.

use std::path::{Path, PathBuf};
use std::process::Command;

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("EMERGE_NOTEBOOK_PYTHON") {
        return p.into();
    }
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("notebook-venv");
    let status = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks/venv.sh"))
        .arg(&venv)
        .status()
        .expect("run notebooks/venv.sh");
    assert!(status.success(), "notebooks/venv.sh {} failed (it needs python3 and PyPI)", venv.display());
    venv.join("bin/python")
}

#[test]
fn every_notebook_runs() {
    let notebooks = Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks");
    let output = Command::new(python())
        .arg(notebooks.join("execute.py"))
        .env("EMERGE_BIN", env!("CARGO_BIN_EXE_emerge"))
        .output()
        .expect("run notebooks/execute.py");
    let report =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "notebooks failed:\n{report}");
    let count = std::fs::read_dir(&notebooks)
        .expect("read notebooks/")
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "ipynb")))
        .count();
    assert!(count >= 5, "expected at least five notebooks, found {count}");
    assert_eq!(report.matches("PASS").count(), count, "one PASS line per notebook expected:\n{report}");
}
