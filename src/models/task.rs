//! The tasks our models serve, with their stage names, manifest names, default folders and
//! labels, each defined once.

use std::path::{Path, PathBuf};

/// Stance labels, in the output order of our stance models.
pub const STANCE_LABELS: [&str; 3] = ["favor", "against", "neutral"];
/// Check-worthiness labels, in the output order of our claims models.
pub const CLAIM_LABELS: [&str; 2] = ["no", "yes"];

/// What a model is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Task {
    /// Quotes, cues and source mentions: the attribution tagger.
    Attribution,
    /// Stance toward a target: favor / against / neutral.
    Stance,
    /// Check-worthiness: the probability of "yes".
    Claims,
}

impl Task {
    /// The stage name in provenance and manifests (`attribution`, `stance`, `claims`).
    pub fn stage(self) -> &'static str {
        match self {
            Task::Attribution => "attribution",
            Task::Stance => "stance",
            Task::Claims => "claims",
        }
    }

    /// The `task` a model folder's manifest names.
    pub fn manifest_task(self) -> &'static str {
        match self {
            Task::Attribution => "attribution-tagger",
            Task::Stance => "stance-classifier",
            Task::Claims => "claim-classifier",
        }
    }

    /// The task a manifest's `task` names.
    pub fn from_manifest_task(name: &str) -> Option<Self> {
        [Task::Attribution, Task::Stance, Task::Claims]
            .into_iter()
            .find(|t| t.manifest_task() == name)
    }

    /// The weights file in a model folder of this task (a delta over the base model).
    pub fn weights_file(self) -> &'static str {
        match self {
            Task::Attribution => "tagger.safetensors",
            Task::Stance | Task::Claims => "classifier.safetensors",
        }
    }

    /// Our labels for a classification task, in score order (empty for attribution, whose
    /// tags live with the tagger's decoding).
    pub fn labels(self) -> &'static [&'static str] {
        match self {
            Task::Attribution => &[],
            Task::Stance => &STANCE_LABELS,
            Task::Claims => &CLAIM_LABELS,
        }
    }

    /// The model shipped for the task: in the bundle beside the binary, else in this checkout
    /// ([`super::location`]).
    pub fn default_dir(self) -> PathBuf {
        let name = match self {
            Task::Attribution => "models/attribution-minilm",
            Task::Stance => "models/stance-minilm",
            Task::Claims => "models/claims-minilm",
        };
        super::location::shipped_model_dir(name)
    }

    /// True when `dir` holds a model for this task: our manifest naming it, or (for the
    /// classification tasks) a Hugging Face folder whose `model.toml` names the stage.
    pub fn served_by(self, dir: &Path) -> bool {
        if let Ok(m) = super::ModelManifest::read(dir) {
            return m.task == self.manifest_task();
        }
        self != Task::Attribution
            && dir.join("config.json").exists()
            && super::manifest::ModelToml::read(dir)
                .is_ok_and(|t| t.task.as_deref() == Some(self.stage()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_names_round_trip() {
        for t in [Task::Attribution, Task::Stance, Task::Claims] {
            assert_eq!(Task::from_manifest_task(t.manifest_task()), Some(t));
        }
        assert_eq!(Task::from_manifest_task("nope"), None);
    }

    #[test]
    fn shipped_models_serve_their_tasks() {
        for t in [Task::Attribution, Task::Stance, Task::Claims] {
            assert!(t.served_by(&t.default_dir()), "{t:?}");
        }
        assert!(!Task::Stance.served_by(&Task::Claims.default_dir()));
    }
}
