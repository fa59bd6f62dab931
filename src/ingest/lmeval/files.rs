//! Finding lm-evaluation-harness output under a directory.

use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::super::record::Problem;
use super::super::text::strip_bom;
use super::problem;
use super::results::is_results;
use super::samples::is_samples_name;

/// Larger files are not read as results candidates (real ones are well under 10 MB).
const MAX_RESULTS_BYTES: u64 = 64 << 20;

/// Results and per-sample files found under a directory, each list sorted by path.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    pub results: Vec<PathBuf>,
    pub samples: Vec<PathBuf>,
    /// Other `.json` files (BIG-bench score files, for instance), for the caller to try.
    pub other_json: Vec<PathBuf>,
}

/// Walks `dir`: results files by content ([`is_results`]; only files under 64 MiB whose
/// first byte is `{` are read), per-sample logs by name ([`is_samples_name`]). Follows
/// symbolic links but visits each directory once (by canonical path); skips hidden
/// directories. An unreadable directory is a problem, as is finding nothing.
pub fn find_files(dir: &Path) -> Result<Found, Problem> {
    let fail = |path: &Path, message: String| problem(&path.display().to_string(), 0, None, message);
    let io = |path: &Path, e: std::io::Error| {
        fail(path, format!("cannot read: {e}; check the path and permissions"))
    };
    if !dir.is_dir() {
        return Err(fail(dir, "not a directory; give the directory that holds the harness output".into()));
    }
    let (mut found, mut visited, mut pending) = (Found::default(), HashSet::new(), vec![dir.to_path_buf()]);
    while let Some(d) = pending.pop() {
        if !visited.insert(fs::canonicalize(&d).map_err(|e| io(&d, e))?) {
            continue;
        }
        for entry in fs::read_dir(&d).map_err(|e| io(&d, e))? {
            let path = entry.map_err(|e| io(&d, e))?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            // Follows links; a dangling link is neither a file nor a directory.
            let Ok(meta) = fs::metadata(&path) else { continue };
            if meta.is_dir() && !name.starts_with('.') {
                pending.push(path);
            } else if meta.is_file() && is_samples_name(&name) {
                found.samples.push(path);
            } else if meta.is_file()
                && meta.len() <= MAX_RESULTS_BYTES
                && starts_like_object(&path).map_err(|e| io(&path, e))?
                && is_results(&fs::read(&path).map_err(|e| io(&path, e))?)
            {
                found.results.push(path);
            } else if meta.is_file() && name.to_ascii_lowercase().ends_with(".json") {
                found.other_json.push(path);
            }
        }
    }
    if found.results.is_empty() && found.samples.is_empty() && found.other_json.is_empty() {
        let message = "no lm-evaluation-harness results, samples_<task>_<date>.jsonl or BIG-bench \
                       scores_*.json files here; check the directory";
        return Err(fail(dir, message.into()));
    }
    found.results.sort();
    found.samples.sort();
    found.other_json.sort();
    Ok(found)
}

/// Whether a file's first non-blank byte (after any BOM) is `{`.
fn starts_like_object(path: &Path) -> std::io::Result<bool> {
    let mut head = [0u8; 256];
    let n = fs::File::open(path)?.read(&mut head)?;
    Ok(strip_bom(head.get(..n).unwrap_or(&[])).iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'))
}
