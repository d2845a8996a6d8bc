//! Models as things on disk, at the ground level of the crate: who a model is ([`ModelInfo`]:
//! the id written into every record's provenance), which task it serves ([`Task`], with the
//! labels of that task defined once), what its folder says about it ([`ModelManifest`], one type
//! for every model we train), where the base encoder lives ([`base`]), and how a model folder is
//! found and opened ([`find`], [`ModelFolder`]).
//!
//! Nothing here runs a network: the attribution tagger and the classifiers build their networks
//! on top of what this module reads, so that identity, lookup and manifests are written once and
//! every stage reports its model in the same way. [`location`] says where the shipped models
//! and the base model are: beside the binary in a bundle, else in the checkout.

pub mod base;
pub mod identity;
pub mod location;
pub mod manifest;
pub mod task;

pub use base::BaseModel;
pub use identity::{ModelInfo, Precision};
pub use manifest::{ModelManifest, TaskFields, MANIFEST_FILE};
pub use task::{Task, CLAIM_LABELS, STANCE_LABELS};

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// The model folder for `task` under `--models DIR`: DIR itself when it serves the task, else
/// the first of its subfolders (by name) that does. Our folders serve a task by their
/// manifest; a user's Hugging Face folder by the `task` in its `model.toml`.
pub fn find(dir: &Path, task: Task) -> Option<PathBuf> {
    if task.served_by(dir) {
        return Some(dir.to_path_buf());
    }
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    subdirs.sort();
    subdirs.into_iter().find(|d| task.served_by(d))
}

/// One of our trained model folders, opened for `task`: its manifest and the hash of its
/// weights, which together make its [`ModelInfo`].
#[derive(Debug, Clone)]
pub struct ModelFolder {
    /// The folder.
    pub dir: PathBuf,
    /// Its `manifest.json`.
    pub manifest: ModelManifest,
    /// sha256 of its weights file.
    pub weights_sha256: String,
}

impl ModelFolder {
    /// Opens `dir` as a model for `task`; fails with a clear message when the folder is not
    /// ours, serves another task, or lacks its weights.
    pub fn open(dir: &Path, task: Task) -> Result<Self> {
        let manifest = ModelManifest::read(dir)?;
        if manifest.task != task.manifest_task() {
            return Err(Error::Model(format!(
                "{} is a {} model, not a {} model",
                dir.display(),
                manifest.task,
                task.manifest_task()
            )));
        }
        let weights = dir.join(task.weights_file());
        let weights_sha256 = crate::digest::sha256_file(&weights)
            .map_err(|e| Error::Model(format!("cannot read {}: {e}", weights.display())))?;
        Ok(ModelFolder {
            dir: dir.to_path_buf(),
            manifest,
            weights_sha256,
        })
    }

    /// The weights file.
    pub fn weights(&self) -> PathBuf {
        self.dir.join(
            Task::from_manifest_task(&self.manifest.task)
                .map(Task::weights_file)
                .unwrap_or_default(),
        )
    }

    /// Who the model is, when it runs at `precision`.
    pub fn info(&self, precision: Precision) -> ModelInfo {
        ModelInfo::of_weights(
            self.manifest.name.clone(),
            self.manifest.version.clone(),
            self.weights_sha256.clone(),
            Some(self.manifest.base_model.sha256.clone()),
            &self.dir,
        )
        .at_precision(precision)
    }
}
