//! Atomic file output, the one way every file that newsquotes finishes (outputs, manifests,
//! reports, model weights and manifests) reaches its final name.
//!
//! Bytes go to a hidden temporary file in the destination's own folder (so the final rename
//! stays on one file system), which is flushed, synced to disk, given the ordinary `0644`
//! permissions (temporary files are created `0600`) and only then renamed over the final path.
//! A reader therefore sees the old file or the whole new one, never a part, and a killed process
//! leaves at most a hidden `.NAME.*.partial` file behind, never something that looks complete.
//! Errors always name the final path the user asked for, never the temporary name.

use crate::error::{Error, Result};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written under a temporary name, renamed to its target by
/// [`AtomicFile::commit`]; dropped without a commit, the temporary file is removed.
pub struct AtomicFile {
    temp: BufWriter<tempfile::NamedTempFile>,
    target: PathBuf,
}

impl std::fmt::Debug for AtomicFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AtomicFile")
            .field("target", &self.target)
            .finish()
    }
}

/// The folder a file at `target` lives in (`.` for a bare file name).
pub fn parent_dir(target: &Path) -> &Path {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

impl AtomicFile {
    /// Starts writing `target`. Fails at once when its folder is not writable, so that a bad
    /// output path stops a run before any work is done.
    pub fn create(target: &Path) -> Result<Self> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.is_empty() || target.is_dir() {
            let source = io::Error::new(io::ErrorKind::InvalidInput, "output path must be a file");
            return Err(path_error(target, source));
        }
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".partial")
            .tempfile_in(parent_dir(target))
            .map_err(|source| path_error(target, without_temp_name(source)))?;
        Ok(AtomicFile {
            temp: BufWriter::with_capacity(1 << 20, temp),
            target: target.to_path_buf(),
        })
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The temporary file's path, for writers that must write by path (safetensors); never
    /// shown to users.
    pub fn temp_path(&self) -> &Path {
        self.temp.get_ref().path()
    }

    /// Flushes, syncs, sets `0644` and renames the file into place.
    pub fn commit(self) -> Result<()> {
        let target = self.target;
        let fail = |source| path_error(&target, source);
        let temp = self.temp.into_inner().map_err(|e| fail(e.into_error()))?;
        temp.as_file().sync_all().map_err(fail)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            temp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))
                .map_err(fail)?;
        }
        temp.persist(&target)
            .map_err(|e| fail(without_temp_name(e.error)))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.temp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.temp.flush()
    }
}

/// `tempfile` adds the temporary file's name to its errors (`... at path ".q.jsonl.x1.partial"`);
/// users asked for `q.jsonl` and must see only that.
fn without_temp_name(e: io::Error) -> io::Error {
    if e.raw_os_error().is_some() {
        return e;
    }
    let message = e.to_string();
    match message.split_once(" at path ") {
        Some((cause, _)) => io::Error::new(e.kind(), cause.to_string()),
        None => e,
    }
}

fn path_error(path: &Path, source: io::Error) -> Error {
    Error::Path {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` to `path` atomically (see the module docs).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)
        .map_err(|source| path_error(path, source))?;
    file.commit()
}

/// Writes `value` as pretty JSON with a final newline to `path`, atomically: the form of every
/// manifest.
pub fn write_json_atomically<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    write_atomically(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_committed_file_is_complete_and_readable_by_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write_atomically(&path, b"hello").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"hello");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_uncommitted_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"half").unwrap();
        drop(f);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn errors_name_the_final_path() {
        let e = AtomicFile::create(Path::new("/nonexistent-dir/q.jsonl")).unwrap_err();
        let message = e.to_string();
        assert!(message.starts_with("/nonexistent-dir/q.jsonl"), "{message}");
        assert!(!message.contains(".partial"), "{message}");
    }
}
