//! One loaded stance or check-worthiness classifier, whatever it is underneath: our trained
//! MiniLM ([`super::trained`]), a user's classifier whose labels map onto ours, or a user's NLI model
//! used zero-shot through a hypothesis template ([`super::hf`]).
//!
//! Inputs are scored in batches of similar length. Networks are not shareable between threads,
//! so each worker borrows one from a small pool (loading another when all are busy), and
//! libtorch runs single-threaded under the rayon workers, as for attribution.

use super::hf::{self, HfConfig, HfNet};
use super::net::CpuClassifierNet;
use super::trained::{batch_tensors, rows, Encoded, PairTokenizer, TrainedClassifier};
use crate::error::{Error, Result};
use crate::models::base::base_model_dir;
use crate::models::manifest::ModelToml;
use crate::models::{ModelFolder, ModelInfo, Precision, Task, MANIFEST_FILE};
use std::path::Path;
use std::sync::Mutex;
use tch::{nn, Device, Kind};

/// The default hypothesis of zero-shot stance.
pub const DEFAULT_STANCE_TEMPLATE: &str = "The speaker is in favor of {target}.";
/// The default hypothesis of zero-shot check-worthiness.
pub const DEFAULT_CLAIM_TEMPLATE: &str = "This is a factual claim worth checking.";

/// How the network's outputs become our labels.
#[derive(Debug, Clone)]
enum Reading {
    /// Output `i` is our label `map[i]` (`None`: ignored, its mass spread over the others).
    Labels(Vec<Option<usize>>),
    /// NLI over (statement, hypothesis): entailment -> favor / yes, contradiction -> against /
    /// no, neutral -> neutral.
    Nli {
        template: String,
        entailment: usize,
        contradiction: usize,
        neutral: Option<usize>,
    },
}

enum Network {
    /// Ours in padded batches (the GPU).
    Ours(Box<TrainedClassifier>),
    /// Ours on the CPU, one input at a time.
    Cpu(Box<CpuClassifierNet>),
    User(Box<(nn::VarStore, HfNet)>),
}

impl Network {
    fn probabilities(&self, items: &[&Encoded], pad_id: i64) -> Result<Vec<Vec<f32>>> {
        match self {
            Network::Ours(m) => m.probabilities(items, pad_id),
            Network::Cpu(net) => items
                .iter()
                .map(|e| {
                    let probs = net.logits(&e.ids, &e.type_ids)?.softmax(-1, Kind::Float);
                    Vec::<f32>::try_from(probs)
                        .map_err(|e| Error::Model(format!("reading scores: {e}")))
                })
                .collect(),
            Network::User(user) => {
                let (vars, net) = &**user;
                let (ids, mask, types) = batch_tensors(items, pad_id, vars.device());
                let logits = tch::no_grad(|| net.logits(&ids, &mask, &types))?;
                rows(&logits.softmax(-1, Kind::Float))
            }
        }
    }
}

type Loader = Box<dyn Fn() -> Result<Network> + Send + Sync>;

/// A classifier ready to score statements.
pub struct Classifier {
    task: Task,
    reading: Reading,
    encoder: PairTokenizer,
    loader: Loader,
    pool: Mutex<Vec<Network>>,
    info: ModelInfo,
    batch_size: usize,
    threshold: f32,
    temperature: f32,
}

impl Classifier {
    /// Loads the model in `dir` for `task`: ours when the folder has our manifest, else a
    /// Hugging Face folder. Fails with a clear message when the folder does not fit the task.
    /// `precision` applies to our models on the CPU (see [`crate::encoder::cpu`]); the GPU and
    /// user models run in f32.
    pub fn load(dir: &Path, task: Task, batch_size: usize, precision: Precision) -> Result<Self> {
        if task == Task::Attribution {
            return Err(Error::Model(
                "a classifier serves stance or claims, not attribution".into(),
            ));
        }
        let device = Device::cuda_if_available();
        if device == Device::Cpu {
            tch::set_num_threads(1);
        }
        let classifier = if dir.join(MANIFEST_FILE).exists() {
            Self::load_ours(dir, task, device, batch_size, precision)?
        } else if dir.join("config.json").exists() {
            Self::load_user(dir, task, device, batch_size)?
        } else {
            return Err(Error::Model(format!(
                "{}: no {} model there (ours: manifest.json + {}; Hugging Face: \
                 config.json + model.safetensors + tokenizer)",
                dir.display(),
                task.stage(),
                task.weights_file()
            )));
        };
        // Load one network now so that a broken model stops the run before any document.
        let first = (classifier.loader)()?;
        classifier.pool.lock().map_err(poisoned)?.push(first);
        Ok(classifier)
    }

    fn load_ours(
        dir: &Path,
        task: Task,
        device: Device,
        batch_size: usize,
        precision: Precision,
    ) -> Result<Self> {
        let folder = ModelFolder::open(dir, task)?;
        let labels: Vec<&str> = folder
            .manifest
            .outputs()
            .iter()
            .map(String::as_str)
            .collect();
        let map = label_map(&labels, task, |l| Some(l.to_string()))?;
        let base = base_model_dir();
        let encoder =
            PairTokenizer::load(&base.join("tokenizer.json"), folder.manifest.max_pieces())?;
        let on_cpu = device == Device::Cpu;
        let info = folder.info(if on_cpu { precision } else { Precision::F32 });
        let (dir, n) = (dir.to_path_buf(), labels.len());
        Ok(Classifier {
            task,
            reading: Reading::Labels(map),
            encoder,
            loader: Box::new(move || {
                let model = TrainedClassifier::load(&dir, &base, n, device)?;
                Ok(if on_cpu {
                    Network::Cpu(Box::new(model.for_cpu(precision)?))
                } else {
                    Network::Ours(Box::new(model))
                })
            }),
            pool: Mutex::new(Vec::new()),
            info,
            batch_size,
            threshold: folder.manifest.threshold(),
            temperature: folder.manifest.temperature(),
        })
    }

    fn load_user(dir: &Path, task: Task, device: Device, batch_size: usize) -> Result<Self> {
        let config = HfConfig::read(dir)?;
        let toml = ModelToml::read(dir)?;
        if let Some(t) = &toml.task {
            if t != task.stage() {
                return Err(Error::Model(format!(
                    "{}: model.toml says task = {t:?}, not {:?}",
                    dir.display(),
                    task.stage()
                )));
            }
        }
        let lower: Vec<String> = config.labels.iter().map(|l| l.to_lowercase()).collect();
        let nli = match toml.mode.as_deref() {
            Some("nli") => true,
            Some("classifier") => false,
            Some(other) => {
                return Err(Error::Model(format!(
                    "{}: model.toml mode {other:?} (classifier or nli)",
                    dir.display()
                )))
            }
            None => lower.iter().any(|l| l.starts_with("entail")),
        };
        let reading = if nli {
            let find = |name: &Option<String>, prefix: &str| -> Option<usize> {
                match name {
                    Some(n) => config.labels.iter().position(|l| l == n),
                    None => lower.iter().position(|l| l.starts_with(prefix)),
                }
            };
            let entailment = find(&toml.entailment, "entail");
            let contradiction = find(&toml.contradiction, "contradict");
            let (Some(entailment), Some(contradiction)) = (entailment, contradiction) else {
                return Err(Error::Model(format!(
                    "{}: an NLI model needs entailment and contradiction labels (id2label: {:?})",
                    dir.display(),
                    config.labels
                )));
            };
            let template = toml.template.clone().unwrap_or_else(|| {
                match task {
                    Task::Stance => DEFAULT_STANCE_TEMPLATE,
                    _ => DEFAULT_CLAIM_TEMPLATE,
                }
                .to_string()
            });
            if task == Task::Stance && !template.contains("{target}") {
                return Err(Error::Model(format!(
                    "{}: the stance template must contain {{target}}",
                    dir.display()
                )));
            }
            Reading::Nli {
                template,
                entailment,
                contradiction,
                neutral: find(&toml.neutral, "neutral"),
            }
        } else {
            let labels: Vec<&str> = config.labels.iter().map(String::as_str).collect();
            Reading::Labels(label_map(&labels, task, |l| {
                toml.labels
                    .get(l)
                    .cloned()
                    .or_else(|| guess_label(l, task).map(str::to_string))
            })?)
        };
        let encoder = PairTokenizer::new(hf::tokenizer(dir)?, toml.max_pieces.unwrap_or(256))?;
        let weights = dir.join("model.safetensors");
        let sha256 = crate::digest::sha256_file(&weights)
            .map_err(|e| Error::Model(format!("cannot read {}: {e}", weights.display())))?;
        let name = toml.name.clone().unwrap_or_else(|| {
            dir.file_name()
                .map_or("user-model".into(), |n| n.to_string_lossy().into_owned())
        });
        let version = toml.version.clone().unwrap_or_else(|| "0".into());
        let info = ModelInfo::of_weights(name, version, sha256, None, dir);
        let dir = dir.to_path_buf();
        Ok(Classifier {
            task,
            reading,
            encoder,
            loader: Box::new(move || Ok(Network::User(Box::new(hf::load(&dir, &config, device)?)))),
            pool: Mutex::new(Vec::new()),
            info,
            batch_size,
            threshold: 0.5,
            temperature: 1.0,
        })
    }

    /// The model, as provenance and the run manifest describe it.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// For a two-label task (check-worthiness): the probability of `yes` at or above which the
    /// answer is `yes` (our manifest's threshold; 0.5 for a user's model).
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// The calibration temperature applied to every answer (our manifest's; 1 for a user's
    /// model).
    pub fn temperature(&self) -> f32 {
        self.temperature
    }

    /// The task it serves.
    pub fn task(&self) -> Task {
        self.task
    }

    /// The encoded input of one statement (and target, for stance).
    pub fn encode(&self, target: Option<&str>, statement: &str) -> Result<Encoded> {
        match (&self.reading, target) {
            (Reading::Nli { template, .. }, target) => {
                let hypothesis = template.replace("{target}", target.unwrap_or_default());
                self.encoder.encode(statement, Some(&hypothesis))
            }
            (Reading::Labels(_), Some(target)) => self.encoder.encode(target, Some(statement)),
            (Reading::Labels(_), None) => self.encoder.encode(statement, None),
        }
    }

    /// Probabilities over the task's labels ([`Task::labels`] order) for each input, scored in
    /// batches of similar length.
    pub fn score(&self, inputs: &[&Encoded]) -> Result<Vec<Vec<f32>>> {
        let mut order: Vec<usize> = (0..inputs.len()).collect();
        order.sort_by_key(|&i| inputs[i].ids.len());
        let mut out = vec![Vec::new(); inputs.len()];
        let net = self.borrow()?;
        let result = (|| {
            for chunk in order.chunks(self.batch_size.max(1)) {
                let batch: Vec<&Encoded> = chunk.iter().map(|&i| inputs[i]).collect();
                for (probs, &i) in net
                    .probabilities(&batch, self.encoder.pad_id)?
                    .into_iter()
                    .zip(chunk)
                {
                    out[i] =
                        super::calibration::with_temperature(&self.read(&probs), self.temperature);
                }
            }
            Ok(())
        })();
        if let Ok(mut pool) = self.pool.lock() {
            pool.push(net);
        }
        result.map(|()| out)
    }

    fn borrow(&self) -> Result<Network> {
        let spare = self.pool.lock().map_err(poisoned)?.pop();
        match spare {
            Some(net) => Ok(net),
            None => (self.loader)(),
        }
    }

    /// Network probabilities to ours.
    fn read(&self, probs: &[f32]) -> Vec<f32> {
        let n = self.task.labels().len();
        let mut out = vec![0.0f32; n];
        match &self.reading {
            Reading::Labels(map) => {
                for (p, target) in probs.iter().zip(map) {
                    if let Some(t) = target {
                        out[*t] += p;
                    }
                }
            }
            Reading::Nli {
                entailment,
                contradiction,
                neutral,
                ..
            } => {
                let at = |i: usize| probs.get(i).copied().unwrap_or(0.0);
                match self.task {
                    Task::Stance => {
                        out[0] = at(*entailment);
                        out[1] = at(*contradiction);
                        out[2] = neutral.map_or(0.0, at);
                    }
                    _ => {
                        out[1] = at(*entailment);
                        out[0] = at(*contradiction) + neutral.map_or(0.0, at);
                    }
                }
            }
        }
        let total: f32 = out.iter().sum();
        if total > 0.0 {
            out.iter_mut().for_each(|p| *p /= total);
        }
        out
    }
}

fn poisoned<T>(_: T) -> Error {
    Error::Model("a classifier thread panicked".into())
}

/// Our label for a user model's label name, when the name says it plainly.
fn guess_label(name: &str, task: Task) -> Option<&'static str> {
    let l = name.to_lowercase();
    match task {
        Task::Stance => match l.as_str() {
            "favor" | "favour" | "pro" | "for" | "agree" | "support" | "positive" => Some("favor"),
            "against" | "con" | "disagree" | "oppose" | "negative" => Some("against"),
            "neutral" | "none" | "neither" | "discuss" | "observing" | "unrelated" => {
                Some("neutral")
            }
            _ => None,
        },
        _ => match l.as_str() {
            "yes" | "checkworthy" | "check-worthy" | "cfs" | "1" | "label_1" => Some("yes"),
            "no" | "not_checkworthy" | "ncs" | "ufs" | "0" | "label_0" => Some("no"),
            _ => None,
        },
    }
}

/// Maps each output label onto the task's labels; every task label must be reachable.
fn label_map(
    labels: &[&str],
    task: Task,
    ours: impl Fn(&str) -> Option<String>,
) -> Result<Vec<Option<usize>>> {
    let wanted = task.labels();
    let map: Vec<Option<usize>> = labels
        .iter()
        .map(|l| ours(l).and_then(|o| wanted.iter().position(|w| *w == o)))
        .collect();
    let reached = |i: usize| map.contains(&Some(i));
    let required: &[usize] = match task {
        Task::Stance => &[0, 1],
        _ => &[1],
    };
    if let Some(&i) = required.iter().find(|&&i| !reached(i)) {
        return Err(Error::Model(format!(
            "no model label maps to {:?} (labels {labels:?}); say which in model.toml [labels]",
            wanted[i]
        )));
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_labels_map_by_name_and_must_cover_favor_and_against() {
        let map = label_map(&["AGAINST", "FAVOR", "NONE"], Task::Stance, |l| {
            guess_label(l, Task::Stance).map(str::to_string)
        })
        .unwrap();
        assert_eq!(map, [Some(1), Some(0), Some(2)]);
        let err = label_map(&["LABEL_0", "LABEL_1"], Task::Stance, |_| None).unwrap_err();
        assert!(err.to_string().contains("model.toml"), "{err}");
    }
}
