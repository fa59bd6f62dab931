//! A scratch working directory per test, and the paths of the committed fixtures.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// A test's own temporary working directory; `emerge` runs inside it and writes to
/// `<dir>/out`. Removed when dropped.
pub struct Workdir {
    dir: TempDir,
}

impl Workdir {
    pub fn new() -> Self {
        Workdir { dir: tempfile::Builder::new().prefix("emerge-test-").tempdir().expect("create temp dir") }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The `--out` directory of [`Workdir::analyze`].
    pub fn out(&self) -> PathBuf {
        self.path().join("out")
    }

    /// Writes `bytes` to `name` inside the working directory and returns its path.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    /// `emerge` with the working directory as its current directory.
    pub fn emerge(&self) -> Command {
        let mut cmd = Command::cargo_bin("emerge").expect("the emerge binary is built");
        cmd.current_dir(self.path());
        cmd
    }

    /// `emerge analyze INPUT --out <dir>/out`; add further arguments with `.args(...)`.
    pub fn analyze(&self, input: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = self.emerge();
        cmd.arg("analyze").arg(input).arg("--out").arg(self.out());
        cmd
    }

    /// The bytes of an output file.
    pub fn read_out(&self, name: &str) -> Vec<u8> {
        let path = self.out().join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    /// `summary.json` of the last run, parsed.
    pub fn summary(&self) -> serde_json::Value {
        serde_json::from_slice(&self.read_out("summary.json")).expect("summary.json is valid JSON")
    }

    /// The names of the files in the output directory, sorted.
    pub fn out_files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.out())
            .expect("the output directory exists")
            .map(|e| e.expect("directory entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// The repository's root (the crate's manifest directory).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The example dataset shipped in `datasets/`.
pub fn seed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets").join("seed_example.csv")
}

/// A fixture under `tests/data/`, e.g. `data("bad/empty.csv")`.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("data").join(name)
}

/// A value from `tests/reference/spine_reference.txt` (numpy/scipy oracles).
pub fn reference(key: &str) -> f64 {
    reference_in("spine_reference.txt", key)
}

/// A value from `tests/reference/emergence_reference.txt` (numpy oracles).
pub fn emergence_reference(key: &str) -> f64 {
    reference_in("emergence_reference.txt", key)
}

/// The value of `key` in `tests/reference/<file>` (one `key value` per line).
pub fn reference_in(file: &str, key: &str) -> f64 {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    text.lines()
        .find_map(|line| {
            let (k, v) = line.split_once(' ')?;
            (k == key).then(|| v.trim().parse().expect("reference values are numbers"))
        })
        .unwrap_or_else(|| panic!("no reference value {key:?}"))
}
