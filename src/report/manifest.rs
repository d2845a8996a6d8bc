//! The run manifest `extract` may leave beside its output (`OUT.manifest.json`). The report
//! needs only two things from it: the inputs (to read source context back) and the number of
//! documents (documents without records leave no line in the output). It is read leniently:
//! unknown fields are ignored, and a missing manifest is normal.

use crate::error::{Error, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// What the report uses of a run manifest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunManifest {
    /// The inputs as given to `extract` (files, directories or `-`).
    pub inputs: Vec<PathBuf>,
    /// `counts.documents`, when present.
    pub documents: Option<u64>,
}

/// Reads the manifest beside `output`: `Ok(None)` when there is none, an error when it exists
/// but cannot be read or is not a JSON object.
pub fn read_for(output: &Path) -> Result<Option<RunManifest>> {
    let path = crate::provenance::manifest_path(output);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(Error::Path { path, source }),
    };
    parse(&text)
        .map(Some)
        .map_err(|m| Error::Invalid(format!("{}: {m}", path.display())))
}

/// Parses a manifest's text. Inputs may be objects with a `path` or plain strings.
pub fn parse(text: &str) -> std::result::Result<RunManifest, String> {
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
    Ok(RunManifest {
        inputs,
        documents: v["counts"]["documents"].as_u64(),
    })
}

impl RunManifest {
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
    fn parses_leniently() {
        let m = parse(r#"{"inputs": [{"path": "corpus", "kind": "dir"}, "b.jsonl"], "counts": {"documents": 7}, "x": 1}"#)
            .unwrap();
        assert_eq!(
            m.inputs,
            [PathBuf::from("corpus"), PathBuf::from("b.jsonl")]
        );
        assert_eq!(m.documents, Some(7));
        assert_eq!(parse("{}").unwrap(), RunManifest::default());
        assert!(parse("[1]").is_err());
        assert!(parse("nope").is_err());
    }

    #[test]
    fn missing_manifest_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_for(&dir.path().join("out.jsonl")).unwrap(), None);
    }
}
