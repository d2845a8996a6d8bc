//! The document index: one JSON line per input document, appended as each document's output
//! reaches the output file.
//!
//! It serves three purposes. It accounts for every input document (records, none, or an
//! error), it is the checkpoint a killed run resumes from (`end` is the output offset after the
//! document, written only once those bytes are out of the process), and its `sha256` lets
//! `rerun` see which documents are unchanged since the run.

use crate::error::{Error, Result};
use crate::pipeline::DocOutcome;
use crate::span::DocId;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// One input document's line in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocEntry {
    /// The document id.
    pub doc_id: DocId,
    /// [`crate::digest::document_sha256`] of the document as read; `None` when it could not be
    /// read.
    pub sha256: Option<String>,
    /// Words in its text.
    pub words: u64,
    /// Records written for it.
    pub records: u64,
    /// Error kind, when it became an error line.
    pub error: Option<String>,
    /// Whether `rerun` took its records over from the previous output.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reused: bool,
    /// Offset in the run's output stream just after this document's lines.
    pub end: u64,
}

impl DocEntry {
    /// The entry for an outcome whose lines end at `end`.
    pub fn new(outcome: &DocOutcome, end: u64) -> Self {
        let (records, error) = match &outcome.result {
            Ok(records) => (records.len() as u64, None),
            Err(e) => (0, Some(e.kind.as_str().to_string())),
        };
        DocEntry {
            doc_id: outcome.doc_id.clone(),
            sha256: outcome.doc_sha256.clone(),
            words: outcome.words,
            records,
            error,
            reused: outcome.reused,
            end,
        }
    }
}

/// Appends entries to an index file.
pub struct JournalWriter {
    file: File,
    path: PathBuf,
    line: Vec<u8>,
}

impl JournalWriter {
    /// Starts a new, empty index at `path`.
    pub fn create(path: &Path) -> Result<Self> {
        let file = File::create(path).map_err(|source| Error::Path {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(JournalWriter {
            file,
            path: path.to_path_buf(),
            line: Vec::new(),
        })
    }

    /// Reopens an index to continue it after its first `valid_bytes` bytes (dropping a line
    /// that a kill cut short).
    pub fn resume(path: &Path, valid_bytes: u64) -> Result<Self> {
        let io = |source| Error::Path {
            path: path.to_path_buf(),
            source,
        };
        let mut file = OpenOptions::new().write(true).open(path).map_err(io)?;
        file.set_len(valid_bytes).map_err(io)?;
        file.seek(SeekFrom::End(0)).map_err(io)?;
        Ok(JournalWriter {
            file,
            path: path.to_path_buf(),
            line: Vec::new(),
        })
    }

    /// Appends one entry with a single write, so that a kill leaves whole lines or a cut last
    /// line, never a line mixed from two entries.
    pub fn append(&mut self, entry: &DocEntry) -> Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, entry)?;
        self.line.push(b'\n');
        self.file
            .write_all(&self.line)
            .map_err(|source| Error::Path {
                path: self.path.clone(),
                source,
            })
    }

    /// Flushes the index to disk.
    pub fn sync(&mut self) -> Result<()> {
        Ok(self.file.sync_all()?)
    }
}

/// Writes a finished run's index (`OUT.docs`) atomically from its entries.
pub fn write_final(path: &Path, entries: &[DocEntry]) -> Result<()> {
    let mut bytes = Vec::new();
    for e in entries {
        serde_json::to_writer(&mut bytes, e)?;
        bytes.push(b'\n');
    }
    crate::atomic::write_atomically(path, &bytes)
}

/// The readable part of an index.
#[derive(Debug, Default)]
pub struct Journal {
    /// The entries, in input order.
    pub entries: Vec<DocEntry>,
    /// Length in bytes of the whole lines they came from.
    pub valid_bytes: u64,
    /// For each entry, the offset in the index file just after its line.
    pub line_ends: Vec<u64>,
}

impl Journal {
    /// Output offset after the last entry (0 when there is none).
    pub fn end(&self) -> u64 {
        self.entries.last().map_or(0, |e| e.end)
    }

    /// Index bytes taken by the first `n` entries.
    pub fn bytes_of_first(&self, n: usize) -> u64 {
        match n {
            0 => 0,
            n => self.line_ends[n - 1],
        }
    }
}

/// Reads an index, stopping at the first line that is cut short or unreadable: everything after
/// it belongs to a run that was killed mid-write.
pub fn read(path: &Path) -> Result<Journal> {
    let file = File::open(path).map_err(|source| Error::Path {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = BufReader::new(file);
    let mut journal = Journal::default();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 || line.last() != Some(&b'\n') {
            break;
        }
        match serde_json::from_slice::<DocEntry>(&line) {
            Ok(entry) if entry.end >= journal.end() => {
                journal.entries.push(entry);
                journal.valid_bytes += n as u64;
                journal.line_ends.push(journal.valid_bytes);
            }
            _ => break,
        }
    }
    Ok(journal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, end: u64) -> DocEntry {
        DocEntry {
            doc_id: DocId(id.into()),
            sha256: Some("ab".into()),
            words: 3,
            records: 1,
            error: None,
            reused: false,
            end,
        }
    }

    #[test]
    fn a_cut_last_line_is_dropped_and_overwritten_on_resume() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.docs");
        let mut w = JournalWriter::create(&path).unwrap();
        w.append(&entry("a", 10)).unwrap();
        w.append(&entry("b", 25)).unwrap();
        drop(w);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(br#"{"doc_id":"c","sha2"#);
        std::fs::write(&path, &bytes).unwrap();

        let j = read(&path).unwrap();
        assert_eq!(j.entries.len(), 2);
        assert_eq!(j.end(), 25);
        assert_eq!(j.bytes_of_first(2), j.valid_bytes);
        assert!(j.bytes_of_first(1) < j.valid_bytes && j.bytes_of_first(0) == 0);
        let mut w = JournalWriter::resume(&path, j.valid_bytes).unwrap();
        w.append(&entry("c", 40)).unwrap();
        drop(w);
        let j = read(&path).unwrap();
        let ids: Vec<_> = j.entries.iter().map(|e| e.doc_id.0.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
    }
}
