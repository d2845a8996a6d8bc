//! The transformer encoder: all-MiniLM-L6-v2 run through rust-bert's BERT on libtorch.
//!
//! [`Encoder::load`] builds the model from the three files `scripts/setup` unpacks
//! (`config.json`, `model.safetensors`, `tokenizer.json`). It offers two views of a text:
//! - [`Encoder::embed`]: one sentence embedding per text, the sentence-transformers recipe
//!   (mean of the last hidden states over real tokens, then L2-normalised);
//! - [`Encoder::encode_batch`]: the token-level hidden states with each wordpiece's byte offsets
//!   into its input, for taggers that label spans of text.
//!
//! The model runs in inference mode (no dropout, no autograd graph).

pub mod cpu;

use crate::error::{Error, Result};
use crate::models::base::{base_model_dir, BASE_MODEL_ENV};
use rust_bert::bert::{BertConfig, BertEmbeddings, BertModel};
use std::ops::Range;
use std::path::{Path, PathBuf};
use tch::{nn, Device, Kind, Tensor};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// Reads a BERT `config.json`. Parsed here rather than through rust-bert's
/// `Config::from_file`, which panics on a bad file.
pub fn read_bert_config(path: &Path) -> Result<BertConfig> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Model(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| Error::Model(format!("bad {}: {e}", path.display())))
}

/// How to run the encoder.
#[derive(Debug, Clone)]
pub struct EncoderOptions {
    /// libtorch intra-op threads. This is process-wide in libtorch. Callers that already run
    /// documents in parallel on rayon should pass 1: with N rayon workers each spawning N torch
    /// threads, 2 cores would run N*N busy threads that preempt each other (oversubscription
    /// makes such runs several times slower). Only a single-document caller should raise it.
    pub torch_threads: usize,
    /// Where the model runs.
    pub device: Device,
    /// Longest input in wordpieces, special tokens included (sentence-transformers uses 256 for
    /// this model); longer inputs are truncated and flagged.
    pub max_len: usize,
    /// Texts per forward pass in [`Encoder::embed`]; bounds memory on large inputs.
    pub batch_size: usize,
}

impl Default for EncoderOptions {
    fn default() -> Self {
        EncoderOptions {
            torch_threads: 1,
            device: Device::Cpu,
            max_len: 256,
            batch_size: 32,
        }
    }
}

/// One wordpiece of an encoded text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordPiece {
    /// The vocabulary entry (`"ry"`, `"##ab"`, `"[CLS]"`).
    pub token: String,
    /// Byte range into the input text; empty for special tokens.
    pub offsets: Range<usize>,
    /// Whether this is a special token (`[CLS]`, `[SEP]`) rather than a piece of the text.
    pub special: bool,
}

/// The wordpieces of one input text, in order, without padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedText {
    /// Wordpieces; position `i` matches row `i` of this text's hidden states.
    pub pieces: Vec<WordPiece>,
    /// True when the text was longer than `max_len` wordpieces and its tail was dropped.
    pub truncated: bool,
}

/// Token-level output of [`Encoder::encode_batch`].
#[derive(Debug)]
pub struct EncodedBatch {
    /// Last-layer hidden states, `[batch, seq_len, hidden]`, f32, on the encoder's device.
    /// Rows past a text's `pieces.len()` are padding.
    pub hidden: Tensor,
    /// Attention mask, `[batch, seq_len]`, i64: 1 for real wordpieces, 0 for padding.
    pub mask: Tensor,
    /// Per input text, its wordpieces.
    pub texts: Vec<EncodedText>,
}

impl EncodedBatch {
    /// The hidden states of text `index` as plain vectors, one per wordpiece (padding dropped).
    pub fn hidden_for(&self, index: usize) -> Result<Vec<Vec<f32>>> {
        let len = self
            .texts
            .get(index)
            .ok_or_else(|| Error::Model(format!("no text {index} in batch")))?
            .pieces
            .len() as i64;
        let rows = self
            .hidden
            .get(index as i64)
            .narrow(0, 0, len)
            .to_device(Device::Cpu);
        tensor_to_rows(&rows)
    }
}

/// all-MiniLM-L6-v2 loaded for inference. Not `Sync` (libtorch tensors are `Send` only): give
/// each thread its own encoder or put it behind a mutex.
pub struct Encoder {
    // Owns the weights that `model` uses; dropped with it.
    _vars: nn::VarStore,
    model: BertModel<BertEmbeddings>,
    tokenizer: Tokenizer,
    device: Device,
    batch_size: usize,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("device", &self.device)
            .field("batch_size", &self.batch_size)
            .finish_non_exhaustive()
    }
}

impl Encoder {
    /// Loads the base model from [`base_model_dir`].
    pub fn load_base(options: &EncoderOptions) -> Result<Self> {
        Self::load(&base_model_dir(), options)
    }

    /// Loads a BERT-architecture sentence encoder from `dir` (`config.json`, `model.safetensors`,
    /// `tokenizer.json`), and sets libtorch's thread count from `options`.
    pub fn load(dir: &Path, options: &EncoderOptions) -> Result<Self> {
        let file = |name: &str| -> Result<PathBuf> {
            let path = dir.join(name);
            if path.is_file() {
                Ok(path)
            } else {
                Err(Error::Model(format!(
                    "{} not found: run scripts/setup to install the base model, \
                     or point ${BASE_MODEL_ENV} at a folder that has it",
                    path.display()
                )))
            }
        };
        let config_path = file("config.json")?;
        let weights_path = file("model.safetensors")?;
        let tokenizer_path = file("tokenizer.json")?;
        if options.max_len < 3 || options.batch_size == 0 || options.torch_threads == 0 {
            return Err(Error::Model(format!(
                "invalid encoder options: {options:?} (max_len >= 3, batch_size and torch_threads >= 1)"
            )));
        }

        tch::set_num_threads(i32::try_from(options.torch_threads).unwrap_or(i32::MAX));

        let config = read_bert_config(&config_path)?;

        let mut vars = nn::VarStore::new(options.device);
        let model = BertModel::<BertEmbeddings>::new(vars.root(), &config);
        vars.load(&weights_path)
            .map_err(|e| Error::Model(format!("cannot load {}: {e}", weights_path.display())))?;
        vars.freeze();

        let mut tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|e| Error::Model(format!("bad {}: {e}", tokenizer_path.display())))?;
        // tokenizer.json ships fixed 128-token padding; pad to the batch's longest text instead,
        // and truncate at the model's configured length.
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..PaddingParams::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: options.max_len,
                ..TruncationParams::default()
            }))
            .map_err(|e| Error::Model(format!("cannot set truncation: {e}")))?;

        Ok(Encoder {
            _vars: vars,
            model,
            tokenizer,
            device: options.device,
            batch_size: options.batch_size,
        })
    }

    /// The device the model runs on.
    pub fn device(&self) -> Device {
        self.device
    }

    /// One L2-normalised sentence embedding (384 floats) per text, mean-pooled over real
    /// wordpieces so that padding never changes a text's embedding.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(self.batch_size) {
            let batch = self.encode_batch(chunk)?;
            let mask = batch.mask.unsqueeze(-1).to_kind(Kind::Float);
            let summed = (&batch.hidden * &mask).sum_dim_intlist(1, false, Kind::Float);
            let counts = mask.sum_dim_intlist(1, false, Kind::Float).clamp_min(1e-9);
            let mean = summed / counts;
            let norm = mean.norm_scalaropt_dim(2, 1, true).clamp_min(1e-12);
            let pooled = (mean / norm).to_device(Device::Cpu);
            out.extend(tensor_to_rows(&pooled)?);
        }
        Ok(out)
    }

    /// Runs the model once over `texts` (one padded batch) and returns the last hidden states
    /// with each text's wordpieces and their byte offsets into that text.
    pub fn encode_batch(&self, texts: &[&str]) -> Result<EncodedBatch> {
        if texts.is_empty() {
            return Err(Error::Model("encode_batch needs at least one text".into()));
        }
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| Error::Model(format!("tokenizer: {e}")))?;

        let seq_len = encodings[0].len();
        let mut ids = Vec::with_capacity(texts.len() * seq_len);
        let mut mask = Vec::with_capacity(texts.len() * seq_len);
        let mut encoded = Vec::with_capacity(texts.len());
        for enc in &encodings {
            ids.extend(enc.get_ids().iter().map(|&id| i64::from(id)));
            mask.extend(enc.get_attention_mask().iter().map(|&m| i64::from(m)));
            let real = enc.get_attention_mask().iter().filter(|&&m| m == 1).count();
            let pieces = enc
                .get_tokens()
                .iter()
                .zip(enc.get_offsets())
                .zip(enc.get_special_tokens_mask())
                .take(real)
                .map(|((token, &(start, end)), &special)| WordPiece {
                    token: token.clone(),
                    offsets: start..end,
                    special: special == 1,
                })
                .collect();
            encoded.push(EncodedText {
                pieces,
                truncated: !enc.get_overflowing().is_empty(),
            });
        }

        let shape = [texts.len() as i64, seq_len as i64];
        let ids = Tensor::from_slice(&ids).view(shape).to_device(self.device);
        let mask = Tensor::from_slice(&mask).view(shape).to_device(self.device);
        let output = tch::no_grad(|| {
            self.model
                .forward_t(Some(&ids), Some(&mask), None, None, None, None, None, false)
        })
        .map_err(|e| Error::Model(format!("forward pass: {e}")))?;

        Ok(EncodedBatch {
            hidden: output.hidden_state,
            mask,
            texts: encoded,
        })
    }
}

/// Copies a 2-D float tensor (on the CPU) into one `Vec<f32>` per row.
fn tensor_to_rows(t: &Tensor) -> Result<Vec<Vec<f32>>> {
    let t = t.to_kind(Kind::Float).contiguous();
    let (rows, cols) = t
        .size2()
        .map_err(|e| Error::Model(format!("expected a 2-D tensor: {e}")))?;
    let flat: Vec<f32> = Vec::<f32>::try_from(t.view([-1]))
        .map_err(|e| Error::Model(format!("tensor copy: {e}")))?;
    debug_assert_eq!(flat.len() as i64, rows * cols);
    Ok(flat
        .chunks(cols.max(1) as usize)
        .map(<[f32]>::to_vec)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_model_names_setup() {
        let dir = tempfile::tempdir().unwrap();
        let err = Encoder::load(dir.path(), &EncoderOptions::default()).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::Model(_)));
        assert!(msg.contains("scripts/setup"), "{msg}");
        assert!(msg.contains("config.json"), "{msg}");
    }

    #[test]
    fn rows_are_split_by_column_count() {
        let t = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).view([2, 3]);
        assert_eq!(
            tensor_to_rows(&t).unwrap(),
            vec![vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]]
        );
    }
}
