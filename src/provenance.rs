//! What produced a run: the run manifest written beside every file output, and the model
//! descriptions that feed both it and each record's `provenance`.
//!
//! The manifest is the dataset's birth certificate. Someone holding `quotes.jsonl` and
//! `quotes.jsonl.manifest.json` can tell which code (version and git commit), which command
//! line, which models (by content hash) and which input files (by content hash) made it, and
//! what came out (counts, output hashes). `rerun` also reads it back to find out which stages a
//! new model or configuration makes stale.

use crate::error::{Error, Result};
use crate::summary::Summary;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The git commit the binary was built from, when it was built from a git checkout.
pub const GIT_COMMIT: Option<&str> = option_env!("NEWSQUOTES_GIT_COMMIT");

/// Manifest format version, bumped when fields change meaning.
pub const MANIFEST_VERSION: u32 = 1;

/// A model that a stage used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The short id written into records (`name@version#sha256-prefix`, the version with
    /// `+int8` when it ran with int8 weights, or `rules@version`).
    pub id: String,
    /// Model name from its manifest (`rules` for the rule extractor).
    pub name: String,
    /// Model version.
    pub version: String,
    /// sha256 of the weights file (absent for rules).
    pub sha256: Option<String>,
    /// sha256 of the base model the weights are a delta over, when there is one.
    pub base_sha256: Option<String>,
    /// Folder the model was loaded from.
    pub path: Option<PathBuf>,
    /// How its linear layers computed (`int8` or `f32`), for a network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<String>,
}

impl ModelInfo {
    /// A trained model identified by its weights file: the id is `name@version#` and the first
    /// 12 hex digits of the weights' sha256.
    pub fn of_weights(
        name: String,
        version: String,
        sha256: String,
        base_sha256: Option<String>,
        path: &std::path::Path,
    ) -> Self {
        ModelInfo {
            id: weights_id(&name, &version, &sha256),
            name,
            version,
            sha256: Some(sha256),
            base_sha256,
            path: Some(path.to_path_buf()),
            precision: None,
        }
    }

    /// The same model run at `precision`. int8 changes the scores a little, so it changes the
    /// id too (reruns then never mix records of the two precisions), as semver build metadata
    /// on the version, which keeps the contract's `name@version#sha256-prefix` shape:
    /// `name@1.1.0+int8#686440d13de2`.
    pub fn at_precision(mut self, precision: crate::encoder::cpu::Precision) -> Self {
        if precision == crate::encoder::cpu::Precision::Int8 {
            let version = format!("{}+{}", self.version, precision.name());
            self.id = weights_id(
                &self.name,
                &version,
                self.sha256.as_deref().unwrap_or_default(),
            );
        }
        self.precision = Some(precision.name().to_string());
        self
    }
}

/// `name@version#` and the first 12 hex digits of the weights' sha256.
fn weights_id(name: &str, version: &str, sha256: &str) -> String {
    format!("{name}@{version}#{}", &sha256[..sha256.len().min(12)])
}

/// One input file as read by the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// Path as found (`-` for stdin).
    pub path: PathBuf,
    /// Size in bytes (for stdin: bytes read).
    pub bytes: u64,
    /// sha256 of the file's bytes, hashed while the run goes on; `None` when it could not be
    /// read.
    pub sha256: Option<String>,
}

/// One output file of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputFile {
    /// Path of the file.
    pub path: PathBuf,
    /// Size in bytes.
    pub bytes: u64,
    /// sha256 of its bytes.
    pub sha256: String,
    /// Records it holds (error lines not counted).
    pub records: u64,
    /// Documents whose lines or rows it holds.
    pub documents: u64,
    /// Offset of its first byte in the run's JSONL stream (JSONL outputs only), which is what
    /// the document index's `end` offsets count in.
    pub stream_offset: Option<u64>,
}

/// Settings that decide what a run writes. Two runs with equal configs, models and inputs
/// write identical output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunConfig {
    /// `jsonl`, `csv` or `parquet`.
    pub format: String,
    /// `--extractor` choice.
    pub extractor: String,
    /// `--models`, as given.
    pub models_dir: Option<PathBuf>,
    /// `--targets`, as given.
    pub targets: Option<PathBuf>,
    /// sha256 of the targets as the classifier sees them.
    #[serde(default)]
    pub targets_sha256: Option<String>,
    /// Whether targets a document never names get "neutral" without the stance model
    /// (`--no-target-gate` turns it off; runs from before the gate have it off).
    #[serde(default)]
    pub target_gate: bool,
    /// `--stance-model`, as given.
    #[serde(default)]
    pub stance_model: Option<PathBuf>,
    /// `--claims-model`, as given.
    #[serde(default)]
    pub claims_model: Option<PathBuf>,
    /// Whether check-worthiness is scored (`--no-claims` turns it off).
    #[serde(default)]
    pub claims: bool,
    /// `--batch-size`.
    pub batch_size: usize,
    /// `--precision`: how our networks compute on the CPU.
    #[serde(default)]
    pub precision: crate::encoder::cpu::Precision,
    /// `--max-doc-bytes`.
    pub max_doc_bytes: u64,
    /// `--split-records`.
    pub split_records: Option<u64>,
    /// The input paths as given on the command line.
    pub inputs: Vec<PathBuf>,
}

/// The manifest written beside a run's output as `OUTPUT.manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunManifest {
    /// [`MANIFEST_VERSION`].
    pub manifest_version: u32,
    /// Pipeline version.
    pub pipeline: String,
    /// Git commit of the build, when known.
    pub git_commit: Option<String>,
    /// The command line, argument by argument.
    pub command_line: Vec<String>,
    /// What decides the output.
    pub config: RunConfig,
    /// Stage name (`attribution`, ...) to the model it used.
    pub models: BTreeMap<String, ModelInfo>,
    /// Every input file read, in reading order.
    pub inputs: Vec<InputFile>,
    /// The output files, in order (several with `--split-records`).
    pub outputs: Vec<OutputFile>,
    /// The run's document index (`OUTPUT.docs`), one JSON line per input document.
    pub document_index: Option<PathBuf>,
    /// What came out.
    pub counts: Summary,
    /// Worker threads.
    pub threads: usize,
    /// When the run started (RFC 3339, UTC); for a resumed run, when it first started.
    pub started: String,
    /// When it finished.
    pub finished: String,
    /// Times at which an interrupted run was resumed.
    #[serde(default)]
    pub resumed: Vec<String>,
    /// For `rerun`: the output it started from.
    #[serde(default)]
    pub previous_output: Option<PathBuf>,
}

/// The current time as RFC 3339 UTC, to the second.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// `PATH` with `suffix` appended to its file name (`out.jsonl` -> `out.jsonl.manifest.json`).
pub fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Where the manifest of the output `path` lives.
pub fn manifest_path(path: &Path) -> PathBuf {
    sidecar(path, ".manifest.json")
}

impl RunManifest {
    /// Reads a manifest.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Path {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text)
            .map_err(|e| Error::Invalid(format!("{}: not a run manifest: {e}", path.display())))
    }

    /// Writes the manifest atomically (temporary file renamed into place).
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        crate::writer::write_atomically(path, &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecars_append_to_the_file_name() {
        assert_eq!(
            manifest_path(Path::new("out/q.jsonl")),
            PathBuf::from("out/q.jsonl.manifest.json")
        );
        assert_eq!(
            sidecar(Path::new("q.parquet"), ".docs"),
            PathBuf::from("q.parquet.docs")
        );
    }

    #[test]
    fn timestamps_are_utc_seconds() {
        let t = now_rfc3339();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.ends_with('Z'));
    }
}
