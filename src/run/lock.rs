//! One writer per output: an exclusive advisory lock on a lock file beside the output.
//!
//! The run files of an output (`.OUT.partial`, `.OUT.docs.partial`, `.OUT.run.partial`) have
//! fixed names so that `--resume` can find them; two runs to the same `-o` would write into each
//! other's files. So a file run first takes an exclusive OS lock (`flock` on Unix, through std's
//! [`std::fs::File::try_lock`]) on `.OUT.lock` and holds it for its whole life. The operating
//! system releases the lock when the process ends, however it ends (SIGKILL included), so a
//! killed run never blocks the next one; a second run while the first is alive fails at once
//! with a message naming the running one (its pid, start time and command line, which the lock
//! file records).
//!
//! The lock file is removed when the run ends normally. A run that opened the file just before
//! it was removed finds, once it holds the lock, that the path no longer names the file it
//! locked, and starts over with a fresh file: the lock is never held by two runs at once.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The held lock on an output; released (and its file removed) when dropped.
#[derive(Debug)]
pub struct OutputLock {
    file: File,
    path: PathBuf,
}

/// The lock file of the output `target`: `.NAME.lock` in the same folder.
pub fn lock_path(target: &Path) -> PathBuf {
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    target.with_file_name(format!(".{name}.lock"))
}

/// Whether `file` is the file `path` names now (same device and inode).
#[cfg(unix)]
fn still_named(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn still_named(_file: &File, path: &Path) -> bool {
    path.exists()
}

impl OutputLock {
    /// Takes the lock of `target`'s output, or fails at once when another run holds it.
    /// `command` is recorded in the lock file for that other run's message.
    pub fn acquire(target: &Path, command: &[String]) -> Result<Self> {
        let path = lock_path(target);
        let io = |source| Error::Path {
            path: target.to_path_buf(),
            source,
        };
        loop {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    return Err(Error::Invalid(busy_message(target, &path, holder.trim())));
                }
                Err(std::fs::TryLockError::Error(source)) => return Err(io(source)),
            }
            if !still_named(&file, &path) {
                // The run that held it ended and removed the file after we opened it.
                continue;
            }
            let record = serde_json::json!({
                "pid": std::process::id(),
                "started": super::manifest::now_rfc3339(),
                "command": command.join(" "),
            });
            file.set_len(0).map_err(io)?;
            file.seek(SeekFrom::Start(0)).map_err(io)?;
            writeln!(file, "{record}").map_err(io)?;
            file.flush().map_err(io)?;
            return Ok(OutputLock { file, path });
        }
    }
}

fn busy_message(target: &Path, lock: &Path, holder: &str) -> String {
    let who = match serde_json::from_str::<serde_json::Value>(holder) {
        Ok(v) => format!(
            "process {} (started {}: {})",
            v["pid"],
            v["started"].as_str().unwrap_or("?"),
            v["command"].as_str().unwrap_or("?")
        ),
        Err(_) => "another process".to_string(),
    };
    format!(
        "{}: another run is writing this output: {who}; wait for it to end or choose another -o \
         (the lock is {}, released when that process ends)",
        target.display(),
        lock.display()
    )
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Removed while still locked, so that no run can lock this file after us (see the
        // module docs); the lock goes with the descriptor.
        if still_named(&self.file, &self.path) {
            let _ = std::fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_naming_the_first_and_free_after_drop() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("q.jsonl");
        let first = OutputLock::acquire(&target, &["newsquotes".into(), "extract".into()]).unwrap();
        let e = OutputLock::acquire(&target, &[]).unwrap_err().to_string();
        assert!(
            e.contains(&format!("process {}", std::process::id())),
            "{e}"
        );
        assert!(e.contains("newsquotes extract"), "{e}");
        assert!(lock_path(&target).exists());
        drop(first);
        assert!(!lock_path(&target).exists());
        let again = OutputLock::acquire(&target, &[]).unwrap();
        drop(again);
    }

    #[test]
    fn a_left_over_lock_file_does_not_block() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("q.jsonl");
        std::fs::write(lock_path(&target), "{\"pid\": 1}\n").unwrap();
        let lock = OutputLock::acquire(&target, &[]).unwrap();
        drop(lock);
    }
}
