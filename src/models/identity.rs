//! Who a model is: the id written into every record's provenance and the fuller description
//! the run manifest keeps. A run's reruns compare these ids to find which stages a new model
//! makes stale, so every stage builds its id here, in one way.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How the linear layers compute on the CPU.
#[derive(
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Integer weights (7 bits, a scale per output row) and dynamically quantised 8-bit
    /// activations (FBGEMM): about twice as fast.
    #[default]
    Int8,
    /// Full single precision, as trained.
    F32,
}

impl Precision {
    /// The name used in model ids and manifests.
    pub fn name(self) -> &'static str {
        match self {
            Precision::Int8 => "int8",
            Precision::F32 => "f32",
        }
    }
}

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
    pub fn at_precision(mut self, precision: Precision) -> Self {
        if precision == Precision::Int8 {
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

impl ModelInfo {
    /// A model without weights (the rule extractor), from its `name@version` id.
    pub fn without_weights(id: &str) -> Self {
        let (name, version) = id.split_once('@').unwrap_or((id, ""));
        ModelInfo {
            id: id.to_string(),
            name: name.to_string(),
            version: version.to_string(),
            sha256: None,
            base_sha256: None,
            path: None,
            precision: None,
        }
    }
}
