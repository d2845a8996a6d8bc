//! Resuming a killed run with the input as it is now: which journalled documents are kept, and
//! how the kept documents' lines are put back in order around the ones processed again.
//!
//! The document index ([`super::journal`]) holds each done document's id and sha256. A resumed
//! run reads the input again and compares, document by document:
//!
//! - the ids must be the same, in the same order (otherwise the input changed shape and the run
//!   must start again);
//! - a document whose sha256 (id, text, metadata) is unchanged is kept: its lines are copied from
//!   the interrupted run's output, not computed again;
//! - a document whose content changed is processed again (and counted in
//!   [`super::summary::Summary::recomputed`]), so that the output, the index and the manifest
//!   always describe the input the resumed run read.
//!
//! The leading unchanged documents stay where they are in the spool. From the first changed
//! document on, the rest of the interrupted run's output is set aside in a side file, the spool
//! and index are cut back, and the run goes on through the pipeline: [`KeepCheck`] (on the
//! reader's side) decides for each journalled document whether it is kept or processed again and
//! passes only the latter on; [`Merge`] (on the writer's side) follows the same decisions and
//! copies each kept document's lines back from the side file just before the next processed
//! document is written. The output is byte for byte what one uninterrupted run over the current
//! input writes. A kill during this leaves a consistent spool and index (the side file is
//! removed as stale by the next run), so a further resume simply has more to redo.

use super::journal::DocEntry;
use crate::digest::document_sha256;
use crate::error::{Error, Result};
use crate::reader::DocResult;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender};

/// The journalled document `entry` found again in the input as `item`, or why the input no
/// longer matches the interrupted run (another id at this place, or the end of the input).
pub fn expect_document(
    entry: &DocEntry,
    item: Option<DocResult>,
) -> std::result::Result<DocResult, String> {
    let found = item.as_ref().map(|d| match d {
        Ok(doc) => &doc.id,
        Err(e) => &e.doc_id,
    });
    if found == Some(&entry.doc_id) {
        return Ok(item.expect("found"));
    }
    Err(format!(
        "--resume: the inputs changed since the interrupted run (expected document {}, found \
         {}); run without --resume to start again",
        entry.doc_id,
        found.map_or_else(|| "the end of the input".to_string(), |d| d.0.clone())
    ))
}

/// Whether the interrupted run's lines for `entry` are still right for `item` as read now: the
/// same content hash, or for a document that could not be read, the same kind of error.
pub fn unchanged(entry: &DocEntry, item: &DocResult) -> bool {
    match item {
        Ok(doc) => entry.sha256.as_deref() == Some(document_sha256(doc).as_str()),
        Err(e) => entry.sha256.is_none() && entry.error.as_deref() == Some(e.kind.as_str()),
    }
}

/// What became of one journalled document, from [`KeepCheck`] to [`Merge`].
#[derive(Debug)]
pub enum Decision {
    /// Unchanged: its earlier lines are copied.
    Keep,
    /// Changed: it goes through the pipeline again.
    Redo,
    /// The input no longer matches (the message says how): the run stops.
    Abort(String),
}

/// Wraps the input from the first changed journalled document on: sends a [`Decision`] for each
/// journalled document and passes on only those to process again (and, after the journalled
/// ones, every new document).
pub struct KeepCheck<I> {
    inner: I,
    expected: std::vec::IntoIter<DocEntry>,
    decisions: Sender<Decision>,
    stopped: bool,
}

impl<I> KeepCheck<I> {
    /// Checks `inner` against `expected`, the journalled entries it starts at.
    pub fn new(inner: I, expected: Vec<DocEntry>, decisions: Sender<Decision>) -> Self {
        KeepCheck {
            inner,
            expected: expected.into_iter(),
            decisions,
            stopped: false,
        }
    }
}

impl<I: Iterator<Item = DocResult>> Iterator for KeepCheck<I> {
    type Item = DocResult;

    fn next(&mut self) -> Option<DocResult> {
        while !self.stopped {
            let item = self.inner.next();
            let Some(entry) = self.expected.next() else {
                return item;
            };
            let decision = match expect_document(&entry, item) {
                Err(message) => {
                    self.stopped = true;
                    let _ = self.decisions.send(Decision::Abort(message));
                    return None;
                }
                Ok(item) if unchanged(&entry, &item) => (Decision::Keep, None),
                Ok(item) => (Decision::Redo, Some(item)),
            };
            // The writer follows the decisions; if it stopped, nothing more is needed.
            if self.decisions.send(decision.0).is_err() {
                self.stopped = true;
                return None;
            }
            if let Some(item) = decision.1 {
                return Some(item);
            }
        }
        None
    }
}

/// The writer's side of a resume with changed documents: the interrupted run's lines from the
/// first changed document on, and the decisions that say which of them are kept.
pub struct Merge {
    side: BufReader<File>,
    side_path: PathBuf,
    /// Offset in the interrupted run's output at which the side file starts.
    base: u64,
    side_pos: u64,
    tail: Vec<DocEntry>,
    next: usize,
    decisions: Receiver<Decision>,
    /// Journalled documents processed again.
    pub recomputed: u64,
}

impl Merge {
    /// Copies the spool's bytes `start..end` (the documents `tail`, whose `end`s are offsets in
    /// the spool) to `side_path`, before the spool is cut back to `start`.
    pub fn set_aside(
        spool: &Path,
        side_path: &Path,
        start: u64,
        end: u64,
        tail: Vec<DocEntry>,
        decisions: Receiver<Decision>,
    ) -> Result<Self> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Path {
                path: path.clone(),
                source,
            }
        };
        let mut from = File::open(spool).map_err(io(spool))?;
        from.seek(SeekFrom::Start(start)).map_err(io(spool))?;
        let mut side = File::create(side_path).map_err(io(side_path))?;
        let copied =
            std::io::copy(&mut (&mut from).take(end - start), &mut side).map_err(io(side_path))?;
        if copied != end - start {
            return Err(Error::Path {
                path: spool.to_path_buf(),
                source: std::io::Error::other(
                    "the partial output is shorter than its index says; start again without \
                     --resume",
                ),
            });
        }
        side.flush().map_err(io(side_path))?;
        drop(side);
        let side = File::open(side_path).map_err(io(side_path))?;
        Ok(Merge {
            side: BufReader::with_capacity(1 << 20, side),
            side_path: side_path.to_path_buf(),
            base: start,
            side_pos: 0,
            tail,
            next: 0,
            decisions,
            recomputed: 0,
        })
    }

    /// Follows the decisions up to the next document processed again (whose outcome is about to
    /// be written), copying every kept document before it through `keep`. At the end of the
    /// run (`at_end`), copies the kept documents that remain.
    pub fn advance(
        &mut self,
        at_end: bool,
        keep: &mut dyn FnMut(&[u8], &DocEntry) -> Result<()>,
    ) -> Result<()> {
        while self.next < self.tail.len() {
            match self.decisions.recv() {
                Ok(Decision::Keep) => {
                    let bytes = self.lines_of(self.next)?;
                    keep(&bytes, &self.tail[self.next])?;
                    self.next += 1;
                }
                Ok(Decision::Redo) if !at_end => {
                    self.recomputed += 1;
                    self.next += 1;
                    return Ok(());
                }
                Ok(Decision::Redo) => {
                    return Err(Error::Invalid(format!(
                        "--resume: document {} was to be processed again but never came out",
                        self.tail[self.next].doc_id
                    )))
                }
                Ok(Decision::Abort(message)) => return Err(Error::Invalid(message)),
                Err(_) => {
                    return Err(Error::Invalid(
                        "--resume: the input stopped before every journalled document was read"
                            .to_string(),
                    ))
                }
            }
        }
        Ok(())
    }

    /// The interrupted run's lines of tail document `i`.
    fn lines_of(&mut self, i: usize) -> Result<Vec<u8>> {
        let start = if i == 0 {
            self.base
        } else {
            self.tail[i - 1].end
        } - self.base;
        let end = self.tail[i].end - self.base;
        let io = |source| Error::Path {
            path: self.side_path.clone(),
            source,
        };
        if start != self.side_pos {
            self.side.seek(SeekFrom::Start(start)).map_err(io)?;
        }
        let mut bytes = vec![0; (end - start) as usize];
        self.side.read_exact(&mut bytes).map_err(io)?;
        self.side_pos = end;
        Ok(bytes)
    }

    /// Removes the side file.
    pub fn close(self) {
        let _ = std::fs::remove_file(&self.side_path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;

    fn entry(doc: &Document, end: u64) -> DocEntry {
        DocEntry {
            doc_id: doc.id.clone(),
            sha256: Some(document_sha256(doc)),
            words: 1,
            records: 1,
            error: None,
            reused: false,
            end,
        }
    }

    #[test]
    fn kept_lines_are_put_back_around_the_documents_processed_again() {
        let dir = tempfile::tempdir().unwrap();
        let spool = dir.path().join("spool");
        // Three journalled documents after a first one that stays in the spool.
        std::fs::write(&spool, "a\nb1\nb2\nc\nd\n").unwrap();
        let docs: Vec<Document> = ["a", "b", "c", "d"]
            .iter()
            .map(|id| Document::new(*id, format!("text of {id}")))
            .collect();
        let ends = [2, 8, 10, 12];
        let tail: Vec<DocEntry> = (1..4).map(|i| entry(&docs[i], ends[i])).collect();
        // Now c is edited, and a new document e follows.
        let mut input: Vec<DocResult> = docs[1..].iter().cloned().map(Ok).collect();
        input[1] = Ok(Document::new("c", "edited"));
        input.push(Ok(Document::new("e", "new")));
        let (tx, rx) = std::sync::mpsc::channel();
        let mut merge =
            Merge::set_aside(&spool, &dir.path().join("side"), 2, 12, tail.clone(), rx).unwrap();
        let passed: Vec<String> = KeepCheck::new(input.into_iter(), tail, tx)
            .map(|d| d.unwrap().id.0)
            .collect();
        assert_eq!(passed, ["c", "e"]);

        let mut out = Vec::new();
        let mut keep = |bytes: &[u8], e: &DocEntry| -> Result<()> {
            out.push(format!("{}={}", e.doc_id, String::from_utf8_lossy(bytes)));
            Ok(())
        };
        merge.advance(false, &mut keep).unwrap(); // before c's new lines
        keep(&b"C\n"[..], &entry(&docs[2], 0)).unwrap();
        merge.advance(false, &mut keep).unwrap(); // before e
        merge.advance(true, &mut keep).unwrap();
        assert_eq!(out, ["b=b1\nb2\n", "c=C\n", "d=d\n"]);
        assert_eq!(merge.recomputed, 1);
        merge.close();
    }

    #[test]
    fn another_id_or_an_early_end_stops_the_resume() {
        let doc = Document::new("a", "x");
        let e = entry(&doc, 1);
        assert!(expect_document(&e, Some(Ok(Document::new("b", "x")))).is_err());
        assert!(expect_document(&e, None)
            .unwrap_err()
            .contains("the end of the input"));
        assert!(unchanged(&e, &Ok(doc.clone())));
        assert!(!unchanged(&e, &Ok(Document::new("a", "y"))));
    }
}
