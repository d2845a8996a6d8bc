//! What a model folder says about its model: [`ModelManifest`] (`manifest.json`) for the models
//! we train, one type for every task with the task's own fields inside ([`TaskFields`]), and
//! [`ModelToml`] (`model.toml`) beside a user's Hugging Face model. Both are read here and
//! nowhere else; [`ModelManifest::write`] is how training leaves one.

use super::base::BaseModel;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// File name of a model folder's manifest.
pub const MANIFEST_FILE: &str = "manifest.json";

/// What one of our model folders says about its model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelManifest {
    /// Model name (`attribution-minilm`).
    pub name: String,
    /// Model version, bumped whenever the weights change.
    pub version: String,
    /// The task ([`super::Task::manifest_task`]: `attribution-tagger`, `stance-classifier`,
    /// `claim-classifier`).
    pub task: String,
    /// The base model the delta applies to.
    pub base_model: BaseModel,
    /// Encoder layers from this one up were trained (and are in the weights file).
    pub first_trained_layer: usize,
    /// What only this task's models have.
    #[serde(flatten)]
    pub fields: TaskFields,
    /// How it was trained (settings, data, timing, log file).
    pub training: serde_json::Value,
    /// Licence and terms of use of the weights (a model trained on non-commercial data says
    /// so here).
    pub license: String,
}

/// The fields of a [`ModelManifest`] that depend on the task.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TaskFields {
    /// The attribution tagger.
    Tagger {
        /// Tag names in the network's output order.
        tags: Vec<String>,
        /// Wordpieces per window, without `[CLS]` and `[SEP]`.
        window_pieces: usize,
        /// Figures on the development set.
        dev: serde_json::Value,
    },
    /// A stance or check-worthiness classifier.
    Classifier {
        /// Output labels in the order of the network's outputs.
        labels: Vec<String>,
        /// Longest input in wordpieces (longer inputs are cut, the statement first).
        max_pieces: usize,
        /// How statements were formed and mapped to labels, per training set.
        data: serde_json::Value,
        /// Held-out figures per set.
        figures: serde_json::Value,
        /// For a two-label model (check-worthiness): the probability of the second label
        /// (`yes`) at or above which the answer is that label, chosen on a mix of development
        /// sets (`newsquotes eval claims --pick-threshold`) so that it transfers across
        /// genres. Absent: 0.5.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        threshold: Option<f32>,
        /// Temperature that calibrates the network's probabilities (softmax of logits / T),
        /// fitted on development sets (`newsquotes eval stance --fit-temperature`) so that a
        /// score of 0.8 is right about 80 % of the time. Absent: 1.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        temperature: Option<f32>,
    },
}

impl ModelManifest {
    /// Reads `DIR/manifest.json`.
    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::Model(format!(
                "cannot read {}: {e} (is {} a newsquotes model folder?)",
                path.display(),
                dir.display()
            ))
        })?;
        serde_json::from_str(&text)
            .map_err(|e| Error::Model(format!("{}: not a model manifest: {e}", path.display())))
    }

    /// Writes `DIR/manifest.json` atomically.
    pub fn write(&self, dir: &Path) -> Result<()> {
        crate::atomic::write_json_atomically(&dir.join(MANIFEST_FILE), self)
    }

    /// Wordpieces per window of a tagger, or the longest input of a classifier.
    pub fn max_pieces(&self) -> usize {
        match &self.fields {
            TaskFields::Tagger { window_pieces, .. } => *window_pieces,
            TaskFields::Classifier { max_pieces, .. } => *max_pieces,
        }
    }

    /// The decision threshold of a two-label classifier (see `TaskFields::Classifier`'s
    /// `threshold`); 0.5 when the manifest sets none.
    pub fn threshold(&self) -> f32 {
        match &self.fields {
            TaskFields::Classifier {
                threshold: Some(t), ..
            } => *t,
            _ => 0.5,
        }
    }

    /// The calibration temperature of a classifier (see `TaskFields::Classifier`'s
    /// `temperature`); 1 when the manifest sets none.
    pub fn temperature(&self) -> f32 {
        match &self.fields {
            TaskFields::Classifier {
                temperature: Some(t),
                ..
            } => *t,
            _ => 1.0,
        }
    }

    /// The network's output names, in order: a tagger's tags or a classifier's labels.
    pub fn outputs(&self) -> &[String] {
        match &self.fields {
            TaskFields::Tagger { tags, .. } => tags,
            TaskFields::Classifier { labels, .. } => labels,
        }
    }
}

/// `model.toml` beside a user model.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelToml {
    /// `stance` or `claims`.
    pub task: Option<String>,
    /// `classifier` (the outputs are the task's labels) or `nli` (zero-shot through a
    /// hypothesis template).
    pub mode: Option<String>,
    /// For `classifier`: the model's label name (from `id2label`) to ours (`favor`, `against`,
    /// `neutral`; or `yes`, `no`).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// For `nli`: the hypothesis, with `{target}` for stance.
    pub template: Option<String>,
    /// For `nli`: the names of the entailment, neutral and contradiction labels.
    pub entailment: Option<String>,
    /// See `entailment`.
    pub neutral: Option<String>,
    /// See `entailment`.
    pub contradiction: Option<String>,
    /// Longest input in tokens (default 256).
    pub max_pieces: Option<usize>,
    /// Name for provenance (default: the folder name).
    pub name: Option<String>,
    /// Version for provenance.
    pub version: Option<String>,
}

impl ModelToml {
    /// Reads `DIR/model.toml`, or the defaults when there is none.
    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join("model.toml");
        if !path.exists() {
            return Ok(ModelToml::default());
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::Model(format!("cannot read {}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| Error::Model(format!("{}: {e}", path.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Task;

    #[test]
    fn every_shipped_manifest_reads_with_its_task_fields() {
        for task in [Task::Attribution, Task::Stance, Task::Claims] {
            let m = ModelManifest::read(&task.default_dir()).unwrap();
            assert_eq!(m.task, task.manifest_task());
            match (&m.fields, task) {
                (TaskFields::Tagger { tags, .. }, Task::Attribution) => assert_eq!(tags.len(), 7),
                (TaskFields::Classifier { labels, .. }, Task::Stance | Task::Claims) => {
                    assert_eq!(labels, task.labels())
                }
                (fields, _) => panic!("{task:?} read as {fields:?}"),
            }
        }
    }

    #[test]
    fn a_manifest_survives_a_write_and_a_read() {
        let dir = tempfile::tempdir().unwrap();
        let m = ModelManifest::read(&Task::Stance.default_dir()).unwrap();
        m.write(dir.path()).unwrap();
        let back = ModelManifest::read(dir.path()).unwrap();
        assert_eq!(back.max_pieces(), m.max_pieces());
        assert_eq!(back.outputs(), m.outputs());
    }
}
