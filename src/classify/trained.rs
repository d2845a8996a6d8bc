//! Our trained classifiers on disk and in memory: the model folder's manifest, the tokenizer
//! that turns a (target, statement) pair or a single statement into wordpiece ids, and the
//! network loaded as base model plus delta.

use super::net::{ClassifierNet, CpuClassifierNet, HEAD};
use crate::error::{Error, Result};
use crate::models::{Precision, Task};
use rust_bert::bert::BertConfig;
use std::path::Path;
use tch::{nn, Device, Kind, Tensor};
use tokenizers::{Tokenizer, TruncationParams, TruncationStrategy};

/// Wordpiece ids of one input, with its segment (token type) ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// Input ids, special tokens included.
    pub ids: Vec<i64>,
    /// 0 for the first segment, 1 for the second.
    pub type_ids: Vec<i64>,
}

/// A tokenizer set up for classification inputs: no padding, cut at `max_pieces`.
pub struct PairTokenizer {
    tokenizer: Tokenizer,
    /// Id used for padding.
    pub pad_id: i64,
}

impl PairTokenizer {
    /// Reads `tokenizer.json`; inputs longer than `max_pieces` are cut, longest segment first.
    pub fn load(path: &Path, max_pieces: usize) -> Result<Self> {
        let tokenizer = Tokenizer::from_file(path)
            .map_err(|e| Error::Model(format!("bad {}: {e}", path.display())))?;
        Self::new(tokenizer, max_pieces)
    }

    /// Sets `tokenizer` up for classification inputs.
    pub fn new(mut tokenizer: Tokenizer, max_pieces: usize) -> Result<Self> {
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_pieces,
                strategy: TruncationStrategy::LongestFirst,
                ..TruncationParams::default()
            }))
            .map_err(|e| Error::Model(format!("cannot set truncation: {e}")))?;
        let pad_id = ["[PAD]", "<pad>"]
            .iter()
            .find_map(|t| tokenizer.token_to_id(t))
            .map_or(0, i64::from);
        Ok(PairTokenizer { tokenizer, pad_id })
    }

    /// Encodes one statement, or a pair (first = target or premise, second = statement).
    pub fn encode(&self, first: &str, second: Option<&str>) -> Result<Encoded> {
        let enc = match second {
            Some(second) => self.tokenizer.encode((first, second), true),
            None => self.tokenizer.encode(first, true),
        }
        .map_err(|e| Error::Model(format!("tokenizer: {e}")))?;
        Ok(Encoded {
            ids: enc.get_ids().iter().map(|&i| i64::from(i)).collect(),
            type_ids: enc.get_type_ids().iter().map(|&i| i64::from(i)).collect(),
        })
    }
}

/// Pads inputs into one batch: ids, attention mask and type ids, `[n, longest]`.
pub fn batch_tensors(items: &[&Encoded], pad_id: i64, device: Device) -> (Tensor, Tensor, Tensor) {
    let len = items.iter().map(|e| e.ids.len()).max().unwrap_or(0);
    let n = items.len();
    let (mut ids, mut mask, mut types) = (
        Vec::with_capacity(n * len),
        Vec::with_capacity(n * len),
        Vec::with_capacity(n * len),
    );
    for e in items {
        let pad = len - e.ids.len();
        ids.extend_from_slice(&e.ids);
        ids.extend(std::iter::repeat_n(pad_id, pad));
        mask.extend(std::iter::repeat_n(1i64, e.ids.len()));
        mask.extend(std::iter::repeat_n(0i64, pad));
        types.extend_from_slice(&e.type_ids);
        types.extend(std::iter::repeat_n(0i64, pad));
    }
    let shape = [n as i64, len as i64];
    let t = |v: Vec<i64>| Tensor::from_slice(&v).view(shape).to_device(device);
    (t(ids), t(mask), t(types))
}

/// Our network with its variables.
pub struct TrainedClassifier {
    config: BertConfig,
    vars: nn::VarStore,
    net: ClassifierNet,
}

impl TrainedClassifier {
    /// The base model with a fresh classification layer over `labels` outputs.
    pub fn from_base(base_dir: &Path, labels: usize, device: Device) -> Result<Self> {
        let config = crate::encoder::read_bert_config(&base_dir.join("config.json"))?;
        let mut vars = nn::VarStore::new(device);
        let net = ClassifierNet::new(&vars.root(), &config, labels);
        crate::weights::load_base(&mut vars, &base_dir.join("model.safetensors"), HEAD)?;
        Ok(TrainedClassifier { config, vars, net })
    }

    /// A trained classifier: the base model with a model folder's delta over it.
    pub fn load(model_dir: &Path, base_dir: &Path, labels: usize, device: Device) -> Result<Self> {
        let model = Self::from_base(base_dir, labels, device)?;
        crate::weights::load_delta(
            &model.vars,
            &model_dir.join(Task::Stance.weights_file()),
            HEAD,
        )?;
        Ok(model)
    }

    /// The variables, for training.
    pub fn vars(&self) -> &nn::VarStore {
        &self.vars
    }

    /// Label scores of a batch (unnormalised), `[n, labels]`.
    pub fn logits(&self, items: &[&Encoded], pad_id: i64, train: bool) -> Result<Tensor> {
        let (ids, mask, types) = batch_tensors(items, pad_id, self.vars.device());
        self.net.forward_t(&ids, &mask, &types, train)
    }

    /// The network for inference on the CPU at `precision` (the variables must be on the CPU).
    pub fn for_cpu(&self, precision: Precision) -> Result<CpuClassifierNet> {
        CpuClassifierNet::new(&self.vars, &self.config, precision)
    }

    /// Label probabilities of a batch, one row per input.
    pub fn probabilities(&self, items: &[&Encoded], pad_id: i64) -> Result<Vec<Vec<f32>>> {
        let logits = tch::no_grad(|| self.logits(items, pad_id, false))?;
        rows(&logits.softmax(-1, Kind::Float))
    }
}

/// A `[n, k]` float tensor as rows.
pub fn rows(t: &Tensor) -> Result<Vec<Vec<f32>>> {
    let k = t.size().last().copied().unwrap_or(0).max(1) as usize;
    let flat = Vec::<f32>::try_from(t.to_device(Device::Cpu).to_kind(Kind::Float).flatten(0, -1))
        .map_err(|e| Error::Model(format!("reading scores: {e}")))?;
    Ok(flat.chunks(k).map(<[f32]>::to_vec).collect())
}
