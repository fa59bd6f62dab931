//! Files: the ground floor every stage that writes to disk stands on. Output
//! directories are checked before any work ([`prepare_output_dir`]) or simply created
//! ([`create_dir`]); files are written atomically ([`write_atomically`],
//! [`write_atomically_with`]), so a failed or interrupted run never leaves a half-written
//! file under its final name. [`export`](crate::export), [`render`](crate::render),
//! [`figures`](crate::figures) and `emerge simulate` all write through here.

use std::io::Write;
use std::path::Path;

/// A file or directory that could not be created or written.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// A file could not be written (or renamed into place).
    #[error("cannot write {path}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A directory could not be created.
    #[error("cannot create {path}")]
    CreateDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The output directory could not be created.
    #[error("cannot create output directory {path}")]
    CreateOutputDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The output directory exists but a file cannot be written into it.
    #[error("cannot write to output directory {path}")]
    OutputDirNotWritable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The probe file written into the output directory could not be removed.
    #[error("cannot clean up {path}")]
    CleanUp {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Creates `dir` and its parents (nothing to do if it exists).
pub fn create_dir(dir: &Path) -> Result<(), FileError> {
    std::fs::create_dir_all(dir)
        .map_err(|source| FileError::CreateDir { path: dir.display().to_string(), source })
}

/// Fails before any work if the output directory cannot be created or written: creates
/// `dir`, then writes and removes an empty probe file in it.
pub fn prepare_output_dir(dir: &Path) -> Result<(), FileError> {
    let path = || dir.display().to_string();
    std::fs::create_dir_all(dir).map_err(|source| FileError::CreateOutputDir { path: path(), source })?;
    let probe = dir.join(format!(".emerge-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|source| FileError::OutputDirNotWritable { path: path(), source })?;
    std::fs::remove_file(&probe)
        .map_err(|source| FileError::CleanUp { path: probe.display().to_string(), source })?;
    Ok(())
}

/// Writes to a temporary file beside `path`, then renames it into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_atomically_with(path, |w| w.write_all(bytes))
}

/// Streams `write` into a temporary file beside `path` and renames it into place, so an
/// interrupted or failed run never leaves a half-written file under the final name.
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), FileError> {
    let io = |source| FileError::Write { path: path.display().to_string(), source };
    let file_name = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut f)?;
        let f = f.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_no_file_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("failing.txt");
        let result = write_atomically_with(&path, |w| {
            w.write_all(b"half a file")?;
            Err(std::io::Error::other("gave up"))
        });
        assert!(matches!(&result, Err(FileError::Write { path: p, .. }) if *p == path.display().to_string()));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no file, no temporary file");
    }

    #[test]
    fn an_output_directory_is_created_and_left_empty() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("a/b");
        prepare_output_dir(&out).unwrap();
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0, "the probe file is removed");
    }
}
