//! User-supplied sequence classification models in Hugging Face layout, run by rust-bert.
//!
//! A folder holds `config.json` (its `model_type` picks the architecture: `bert`, `roberta` /
//! `xlm-roberta`, `deberta`, `deberta-v2`, `bart`; its `id2label` names the outputs),
//! `model.safetensors`, and `tokenizer.json` (or BERT's `vocab.txt`, or byte-level BPE
//! `vocab.json` + `merges.txt`). An optional `model.toml` ([`ModelToml`]) says which task the model
//! serves and how its labels map onto ours; without it the task is guessed from the label names.

use crate::error::{Error, Result};
use rust_bert::bart::{BartConfig, BartForSequenceClassification};
use rust_bert::bert::{BertConfig, BertForSequenceClassification};
use rust_bert::deberta::{DebertaConfig, DebertaForSequenceClassification};
use rust_bert::deberta_v2::{DebertaV2Config, DebertaV2ForSequenceClassification};
use rust_bert::roberta::RobertaForSequenceClassification;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use tch::{nn, Device, Tensor};
use tokenizers::Tokenizer;

/// The architectures a user model may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    /// BERT (and BERT-like checkpoints such as MiniLM).
    Bert,
    /// RoBERTa and XLM-RoBERTa.
    Roberta,
    /// DeBERTa v1.
    Deberta,
    /// DeBERTa v2 / v3.
    DebertaV2,
    /// BART.
    Bart,
}

impl Architecture {
    /// From `config.json`'s `model_type`.
    pub fn from_model_type(t: &str) -> Option<Self> {
        Some(match t {
            "bert" => Architecture::Bert,
            "roberta" | "xlm-roberta" => Architecture::Roberta,
            "deberta" => Architecture::Deberta,
            "deberta-v2" => Architecture::DebertaV2,
            "bart" => Architecture::Bart,
            _ => return None,
        })
    }
}

/// What `config.json` tells before the model is built.
#[derive(Debug, Clone)]
pub struct HfConfig {
    /// The architecture.
    pub architecture: Architecture,
    /// Output label names by index.
    pub labels: Vec<String>,
    /// The whole file, for the architecture's own config type.
    raw: String,
}

#[derive(Deserialize)]
struct ConfigHead {
    model_type: Option<String>,
    id2label: Option<BTreeMap<String, String>>,
}

impl HfConfig {
    /// Reads `DIR/config.json`.
    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join("config.json");
        let raw = std::fs::read_to_string(&path)
            .map_err(|e| Error::Model(format!("cannot read {}: {e}", path.display())))?;
        let head: ConfigHead = serde_json::from_str(&raw)
            .map_err(|e| Error::Model(format!("{}: {e}", path.display())))?;
        let model_type = head.model_type.unwrap_or_default();
        let architecture = Architecture::from_model_type(&model_type).ok_or_else(|| {
            Error::Model(format!(
                "{}: model_type {model_type:?} is not supported (bert, roberta, xlm-roberta, \
                 deberta, deberta-v2, bart)",
                path.display()
            ))
        })?;
        let id2label = head.id2label.ok_or_else(|| {
            Error::Model(format!(
                "{}: no id2label: not a sequence classification model",
                path.display()
            ))
        })?;
        let mut labels = vec![String::new(); id2label.len()];
        for (k, v) in id2label {
            let i: usize = k
                .parse()
                .ok()
                .filter(|&i| i < labels.len())
                .ok_or_else(|| Error::Model(format!("{}: bad id2label key {k}", path.display())))?;
            labels[i] = v;
        }
        Ok(HfConfig {
            architecture,
            labels,
            raw,
        })
    }

    fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_str(&self.raw)
            .map_err(|e| Error::Model(format!("config.json for {:?}: {e}", self.architecture)))
    }
}

/// A loaded user network.
pub enum HfNet {
    /// BERT.
    Bert(Box<BertForSequenceClassification>),
    /// RoBERTa.
    Roberta(Box<RobertaForSequenceClassification>),
    /// DeBERTa.
    Deberta(Box<DebertaForSequenceClassification>),
    /// DeBERTa v2.
    DebertaV2(Box<DebertaV2ForSequenceClassification>),
    /// BART.
    Bart(Box<BartForSequenceClassification>),
}

/// Builds the network `config` describes under `vars`, without weights.
pub fn build(vars: &nn::VarStore, config: &HfConfig) -> Result<HfNet> {
    let root = vars.root();
    let e = |e: rust_bert::RustBertError| Error::Model(format!("cannot build the model: {e}"));
    Ok(match config.architecture {
        Architecture::Bert => {
            let c: BertConfig = config.parse()?;
            HfNet::Bert(Box::new(
                BertForSequenceClassification::new(&root, &c).map_err(e)?,
            ))
        }
        Architecture::Roberta => {
            let c: BertConfig = config.parse()?;
            HfNet::Roberta(Box::new(
                RobertaForSequenceClassification::new(&root, &c).map_err(e)?,
            ))
        }
        Architecture::Deberta => {
            let c: DebertaConfig = config.parse()?;
            HfNet::Deberta(Box::new(
                DebertaForSequenceClassification::new(&root, &c).map_err(e)?,
            ))
        }
        Architecture::DebertaV2 => {
            let c: DebertaV2Config = config.parse()?;
            HfNet::DebertaV2(Box::new(
                DebertaV2ForSequenceClassification::new(&root, &c).map_err(e)?,
            ))
        }
        Architecture::Bart => {
            let c: BartConfig = config.parse()?;
            HfNet::Bart(Box::new(
                BartForSequenceClassification::new(&root, &c).map_err(e)?,
            ))
        }
    })
}

/// Builds the network in `dir` and loads `model.safetensors` into it. Every variable must be in
/// the file, except BART's embedding copies, which Hugging Face ties to `model.shared`.
pub fn load(dir: &Path, config: &HfConfig, device: Device) -> Result<(nn::VarStore, HfNet)> {
    let mut vars = nn::VarStore::new(device);
    let net = build(&vars, config)?;
    let weights = dir.join("model.safetensors");
    let missing = vars
        .load_partial(&weights)
        .map_err(|e| Error::Model(format!("cannot load {}: {e}", weights.display())))?;
    let shared = vars
        .variables()
        .get("model.shared.weight")
        .map(Tensor::shallow_clone);
    for name in &missing {
        let tied = name.ends_with("embed_tokens.weight") && shared.is_some();
        if !tied {
            return Err(Error::Model(format!(
                "{} lacks tensor {name} that the {:?} model needs",
                weights.display(),
                config.architecture
            )));
        }
        if let (Some(src), Some(dst)) = (&shared, vars.variables().get(name)) {
            let mut dst = dst.shallow_clone();
            tch::no_grad(|| dst.copy_(src));
        }
    }
    Ok((vars, net))
}

impl HfNet {
    /// Label scores (unnormalised), `[batch, labels]`.
    pub fn logits(&self, ids: &Tensor, mask: &Tensor, type_ids: &Tensor) -> Result<Tensor> {
        let e = |e: rust_bert::RustBertError| Error::Model(format!("forward pass: {e}"));
        Ok(match self {
            HfNet::Bert(m) => {
                m.forward_t(Some(ids), Some(mask), Some(type_ids), None, None, false)
                    .logits
            }
            // RoBERTa and BART have a single segment type.
            HfNet::Roberta(m) => {
                m.forward_t(Some(ids), Some(mask), None, None, None, false)
                    .logits
            }
            HfNet::Deberta(m) => {
                m.forward_t(Some(ids), Some(mask), Some(type_ids), None, None, false)
                    .map_err(e)?
                    .logits
            }
            HfNet::DebertaV2(m) => {
                m.forward_t(Some(ids), Some(mask), Some(type_ids), None, None, false)
                    .map_err(e)?
                    .logits
            }
            HfNet::Bart(m) => {
                m.forward_t(ids, Some(mask), None, None, None, false)
                    .decoder_output
            }
        })
    }
}

/// The folder's tokenizer: `tokenizer.json`, else one built from BERT's `vocab.txt` or from
/// byte-level BPE `vocab.json` + `merges.txt` with RoBERTa's special tokens.
pub fn tokenizer(dir: &Path) -> Result<Tokenizer> {
    use tokenizers::models::bpe::BPE;
    use tokenizers::models::wordpiece::WordPiece;
    use tokenizers::normalizers::BertNormalizer;
    use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
    use tokenizers::pre_tokenizers::byte_level::ByteLevel;
    use tokenizers::processors::bert::BertProcessing;
    use tokenizers::processors::roberta::RobertaProcessing;
    let bad = |e: String| Error::Model(format!("{}: {e}", dir.display()));
    let json = dir.join("tokenizer.json");
    if json.exists() {
        return Tokenizer::from_file(&json).map_err(|e| bad(e.to_string()));
    }
    let vocab_txt = dir.join("vocab.txt");
    if vocab_txt.exists() {
        let model = WordPiece::from_file(&vocab_txt.to_string_lossy())
            .build()
            .map_err(|e| bad(e.to_string()))?;
        let mut tok = Tokenizer::new(model);
        let (Some(cls), Some(sep)) = (tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")) else {
            return Err(bad("vocab.txt lacks [CLS] or [SEP]".into()));
        };
        tok.with_normalizer(Some(BertNormalizer::default()));
        tok.with_pre_tokenizer(Some(BertPreTokenizer));
        tok.with_post_processor(Some(BertProcessing::new(
            ("[SEP]".into(), sep),
            ("[CLS]".into(), cls),
        )));
        return Ok(tok);
    }
    let (vocab_json, merges) = (dir.join("vocab.json"), dir.join("merges.txt"));
    if vocab_json.exists() && merges.exists() {
        let model = BPE::from_file(&vocab_json.to_string_lossy(), &merges.to_string_lossy())
            .build()
            .map_err(|e| bad(e.to_string()))?;
        let mut tok = Tokenizer::new(model);
        let (Some(bos), Some(eos)) = (tok.token_to_id("<s>"), tok.token_to_id("</s>")) else {
            return Err(bad("vocab.json lacks <s> or </s>".into()));
        };
        tok.with_pre_tokenizer(Some(ByteLevel::default()));
        tok.with_decoder(Some(ByteLevel::default()));
        tok.with_post_processor(Some(RobertaProcessing::new(
            ("</s>".into(), eos),
            ("<s>".into(), bos),
        )));
        return Ok(tok);
    }
    Err(bad(
        "no tokenizer.json, BERT vocab.txt, or vocab.json + merges.txt".into(),
    ))
}
