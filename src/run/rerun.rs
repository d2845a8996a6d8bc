//! `newsquotes rerun`: a new run that reuses what a previous run already computed.
//!
//! The previous run's manifest says which settings and models made it, and its document index
//! holds each document's hash and where its lines are. A document's records are taken over when
//! its hash (id, text and metadata) is the same and extraction would run with the same model and
//! settings: same pipeline version, attribution model, and document size limit. Otherwise it is
//! extracted again. When only the stance or claims model or the targets changed, the taken-over
//! records keep their quotes and speakers and only their stance and claims are classified again,
//! which costs a small part of a full run.
//!
//! The reused lines are read from the previous JSONL output (parts included) by offset, from
//! every worker at once; the output of a rerun is identical to a full run with the new settings.

use crate::error::{Error, Result};
use crate::pipeline::Reuse;
use crate::record::{OutputLine, Record};
use crate::run::journal;
use crate::run::manifest::{self, RunManifest};
use crate::span::DocId;
use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Where one reusable document's lines are in the previous output.
struct Location {
    sha256: String,
    /// Range in the previous run's JSONL stream.
    start: u64,
    end: u64,
}

/// One file of the previous output and the stream offset of its first byte.
struct OutputPart {
    file: File,
    path: PathBuf,
    stream_offset: u64,
}

/// The previous output, as a source of records to reuse.
pub struct PreviousOutput {
    docs: HashMap<DocId, Location>,
    parts: Vec<OutputPart>,
}

/// A previous run, read from its output path.
pub struct PreviousRun {
    /// Its output path as given.
    pub output: PathBuf,
    /// Its manifest.
    pub manifest: RunManifest,
}

impl PreviousRun {
    /// Reads the manifest beside `output`.
    pub fn open(output: &Path) -> Result<Self> {
        let path = manifest::manifest_path(output);
        if !path.exists() {
            return Err(Error::Invalid(format!(
                "{}: no run manifest beside it ({}); rerun needs an output written with -o \
                 by a completed run",
                output.display(),
                path.display()
            )));
        }
        Ok(PreviousRun {
            output: output.to_path_buf(),
            manifest: RunManifest::read(&path)?,
        })
    }

    /// Why the previous records cannot be reused with these models and settings, or `None` when
    /// unchanged documents can be taken over.
    pub fn stale_because(&self, attribution_id: &str, max_doc_bytes: u64) -> Option<String> {
        let m = &self.manifest;
        let previous_id = m.models.get("attribution").map(|i| i.id.as_str());
        if m.pipeline != crate::VERSION {
            Some(format!(
                "pipeline version changed ({} -> {})",
                m.pipeline,
                crate::VERSION
            ))
        } else if previous_id != Some(attribution_id) {
            Some(format!(
                "attribution model changed ({} -> {attribution_id})",
                previous_id.unwrap_or("none")
            ))
        } else if m.config.max_doc_bytes != max_doc_bytes {
            Some("--max-doc-bytes changed".to_string())
        } else if m.config.format != "jsonl" {
            Some(format!(
                "the previous output is {}; records are reused from JSONL outputs only",
                m.config.format
            ))
        } else {
            None
        }
    }

    /// Whether the stance or claims stage would give other results now: another model, or other
    /// targets.
    pub fn classification_changed(
        &self,
        models: &std::collections::BTreeMap<String, crate::models::ModelInfo>,
        config: &crate::run::manifest::RunConfig,
    ) -> bool {
        let id = |m: &std::collections::BTreeMap<String, crate::models::ModelInfo>, k: &str| {
            m.get(k).map(|i| i.id.clone())
        };
        ["stance", "claims"]
            .iter()
            .any(|k| id(&self.manifest.models, k) != id(models, k))
            || self.manifest.config.targets_sha256 != config.targets_sha256
            || (config.targets.is_some() && self.manifest.config.target_gate != config.target_gate)
    }

    /// Opens the previous output's files and reads its document index.
    pub fn records(&self) -> Result<PreviousOutput> {
        let m = &self.manifest;
        let index = m.document_index.as_ref().ok_or_else(|| {
            Error::Invalid(format!(
                "{}: the manifest names no document index",
                self.output.display()
            ))
        })?;
        let journal = journal::read(&resolve(&self.output, index))?;
        let mut docs = HashMap::with_capacity(journal.entries.len());
        let mut start = 0;
        for e in journal.entries {
            if let (None, Some(sha256)) = (&e.error, e.sha256) {
                docs.entry(e.doc_id).or_insert(Location {
                    sha256,
                    start,
                    end: e.end,
                });
            }
            start = e.end;
        }
        let mut parts = Vec::new();
        for out in &m.outputs {
            let path = resolve(&self.output, &out.path);
            let file = File::open(&path).map_err(|source| Error::Path {
                path: path.clone(),
                source,
            })?;
            parts.push(OutputPart {
                file,
                path,
                stream_offset: out.stream_offset.unwrap_or(0),
            });
        }
        Ok(PreviousOutput { docs, parts })
    }
}

/// A path from the previous manifest: as written when it exists, else taken as relative to
/// the folder of the previous output (the run folder may have moved).
fn resolve(output: &Path, recorded: &Path) -> PathBuf {
    if recorded.exists() {
        return recorded.to_path_buf();
    }
    match (output.parent(), recorded.file_name()) {
        (Some(dir), Some(name)) => dir.join(name),
        _ => recorded.to_path_buf(),
    }
}

impl PreviousOutput {
    /// Documents whose records may be reused.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// True when nothing can be reused.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    fn read_range(&self, start: u64, end: u64) -> Option<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let part = self.parts.iter().rev().find(|p| p.stream_offset <= start)?;
        let mut buf = vec![0; usize::try_from(end - start).ok()?];
        match part
            .file
            .read_exact_at(&mut buf, start - part.stream_offset)
        {
            Ok(()) => Some(buf),
            Err(e) => {
                eprintln!(
                    "newsquotes: cannot read {}: {e}; processing the document again",
                    part.path.display()
                );
                None
            }
        }
    }
}

impl Reuse for PreviousOutput {
    fn lookup(
        &self,
        doc_id: &DocId,
        sha256: &str,
    ) -> Option<std::result::Result<Vec<Record>, crate::error::DocError>> {
        let loc = self.docs.get(doc_id).filter(|l| l.sha256 == sha256)?;
        let bytes = self.read_range(loc.start, loc.end)?;
        let text = std::str::from_utf8(&bytes).ok()?;
        let mut records = Vec::new();
        for line in text.lines() {
            match OutputLine::parse(line).ok()? {
                OutputLine::Record(r) if &r.doc_id == doc_id => records.push(*r),
                // Anything else means the index and the output disagree: process it again.
                _ => return None,
            }
        }
        Some(Ok(records))
    }
}
