//! What produced a run: the run manifest written beside every file output.
//!
//! The manifest is the dataset's birth certificate. Someone holding `quotes.jsonl` and
//! `quotes.jsonl.manifest.json` can tell which code (version and git commit), which command
//! line, which models (by content hash) and which input files (by content hash) made it, and
//! what came out (counts, output hashes). `rerun` also reads it back to find out which stages a
//! new model or configuration makes stale.

use super::summary::Summary;
use crate::error::{Error, Result};
use crate::models::{ModelInfo, Precision};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The git commit the binary was built from, when it was built from a git checkout.
pub const GIT_COMMIT: Option<&str> = option_env!("NEWSQUOTES_GIT_COMMIT");

/// Manifest format version, bumped when fields change meaning.
pub const MANIFEST_VERSION: u32 = 1;

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
    pub precision: Precision,
    /// `--max-doc-bytes`.
    pub max_doc_bytes: u64,
    /// `--split-records`.
    pub split_records: Option<u64>,
    /// `--id-field` when not `id` (absent from manifests of runs that read `id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_field: Option<String>,
    /// `--text-field` when not `text` (absent from manifests of runs that read `text`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_field: Option<String>,
    /// The input paths as given on the command line.
    pub inputs: Vec<PathBuf>,
    /// `--min-confidence`: records whose `speaker.confidence` is below it are left out
    /// (`None`: every record is kept).
    #[serde(default)]
    pub min_confidence: Option<MinConfidence>,
    /// `--gender-names`: the user's list of given names with a gender, as given.
    #[serde(default)]
    pub gender_names: Option<PathBuf>,
}

/// A `--min-confidence` threshold in 0..=1 (never NaN, so it compares as equal or not).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MinConfidence(f32);

impl Eq for MinConfidence {}

impl MinConfidence {
    /// A threshold, when `value` lies in 0..=1.
    pub fn new(value: f32) -> Option<Self> {
        (0.0..=1.0).contains(&value).then_some(MinConfidence(value))
    }

    /// Whether a record with this speaker confidence is kept.
    pub fn keeps(self, confidence: f32) -> bool {
        confidence >= self.0
    }
}

impl RunConfig {
    /// How the run reads its inputs: the size limit and the id and text fields.
    pub fn read_options(&self) -> Result<crate::reader::ReadOptions> {
        let field = |given: &Option<String>, default: crate::reader::FieldPath| match given {
            None => Ok(default),
            Some(path) => path.parse().map_err(Error::Invalid),
        };
        Ok(crate::reader::ReadOptions {
            max_doc_bytes: self.max_doc_bytes,
            id_field: field(&self.id_field, crate::reader::FieldPath::id())?,
            text_field: field(&self.text_field, crate::reader::FieldPath::text())?,
        })
    }
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
    /// The speakers table(s) beside the output (`OUT.speakers.jsonl`, and `.parquet` for a
    /// Parquet run), written by the corpus pass over speakers.
    #[serde(default)]
    pub speakers: Vec<PathBuf>,
    /// The long stance table beside the output (runs with targets only; see
    /// `writer::stance_table`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stance_table: Option<PathBuf>,
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
        crate::atomic::write_json_atomically(path, self)
    }
}

/// What `report` and `stats` need of a run manifest, read leniently so that manifests of any
/// version (and hand-edited ones) still serve: unknown fields are ignored, and a missing
/// manifest is normal.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ManifestFacts {
    /// The inputs as given to `extract` (files, directories or `-`).
    pub inputs: Vec<PathBuf>,
    /// `counts.documents`, when present.
    pub documents: Option<u64>,
    /// `config.id_field`, when the run read the id from another field than `id`.
    pub id_field: Option<String>,
    /// `config.text_field`, when the run read the text from another field than `text`.
    pub text_field: Option<String>,
}

/// Reads the manifest beside `output`: `Ok(None)` when there is none, an error when it exists
/// but cannot be read or is not a JSON object.
pub fn read_facts(output: &Path) -> Result<Option<ManifestFacts>> {
    let path = manifest_path(output);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(Error::Path { path, source }),
    };
    parse_facts(&text)
        .map(Some)
        .map_err(|m| Error::Invalid(format!("{}: {m}", path.display())))
}

/// Parses a manifest's text. Inputs may be objects with a `path` or plain strings.
pub fn parse_facts(text: &str) -> std::result::Result<ManifestFacts, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    if !v.is_object() {
        return Err("not a JSON object".to_string());
    }
    let inputs = v["inputs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i.get("path").unwrap_or(i).as_str())
                .map(PathBuf::from)
                .collect()
        })
        .unwrap_or_default();
    let field = |name: &str| v["config"][name].as_str().map(str::to_string);
    Ok(ManifestFacts {
        inputs,
        documents: v["counts"]["documents"].as_u64(),
        id_field: field("id_field"),
        text_field: field("text_field"),
    })
}

impl ManifestFacts {
    /// How the run read its inputs (its id and text fields), for reading them again; fields
    /// that do not parse fall back to the defaults.
    pub fn read_options(&self) -> crate::reader::ReadOptions {
        let mut opts = crate::reader::ReadOptions::default();
        if let Some(Ok(f)) = self.id_field.as_deref().map(str::parse) {
            opts.id_field = f;
        }
        if let Some(Ok(f)) = self.text_field.as_deref().map(str::parse) {
            opts.text_field = f;
        }
        opts
    }

    /// The inputs, usable from here: a relative input that does not exist as given (the report
    /// runs from another directory than `extract` did) is tried relative to the output's folder.
    pub fn resolved_inputs(&self, output: &Path) -> Vec<PathBuf> {
        let base = output.parent().unwrap_or(Path::new(""));
        self.inputs
            .iter()
            .map(|p| {
                if p.is_relative() && p.as_os_str() != "-" && !p.exists() {
                    let alt = base.join(p);
                    if alt.exists() {
                        return alt;
                    }
                }
                p.clone()
            })
            .collect()
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

    #[test]
    fn parses_leniently() {
        let m = parse_facts(r#"{"inputs": [{"path": "corpus", "kind": "dir"}, "b.jsonl"], "counts": {"documents": 7}, "x": 1}"#)
            .unwrap();
        assert_eq!(
            m.inputs,
            [PathBuf::from("corpus"), PathBuf::from("b.jsonl")]
        );
        assert_eq!(m.documents, Some(7));
        assert_eq!(parse_facts("{}").unwrap(), ManifestFacts::default());
        assert!(parse_facts("[1]").is_err());
        assert!(parse_facts("nope").is_err());
    }

    #[test]
    fn missing_manifest_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_facts(&dir.path().join("out.jsonl")).unwrap(), None);
    }
}
