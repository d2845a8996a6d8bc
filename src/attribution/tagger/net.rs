//! The tagger network: all-MiniLM-L6-v2 (rust-bert's BERT) with a linear layer that scores the
//! BIO tags of every wordpiece ([`TaggerNet`]), and [`Tagger`], the network with the weights it
//! owns, loaded as the base model plus a model folder's delta ([`crate::weights`]).

use super::labels::NUM_TAGS;
use crate::error::{Error, Result};
use crate::models::Task;
use rust_bert::bert::{BertConfig, BertEmbeddings, BertModel};
use std::path::Path;
use tch::Device;
use tch::{nn, nn::Module, Tensor};

/// Prefix of the classifier's variables.
pub const HEAD: &str = "tagger";

/// BERT plus a per-wordpiece tag classifier.
pub struct TaggerNet {
    bert: BertModel<BertEmbeddings>,
    classifier: nn::Linear,
    dropout: f64,
}

impl std::fmt::Debug for TaggerNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaggerNet").finish_non_exhaustive()
    }
}

impl TaggerNet {
    /// Creates the network's variables under `root` (BERT at the root, as in the base model's
    /// weight file, the classifier under `tagger.`).
    pub fn new(root: &nn::Path, config: &BertConfig) -> Self {
        let bert = BertModel::<BertEmbeddings>::new(root, config);
        let classifier = nn::linear(
            root / HEAD / "classifier",
            config.hidden_size,
            NUM_TAGS as i64,
            Default::default(),
        );
        TaggerNet {
            bert,
            classifier,
            dropout: config.hidden_dropout_prob,
        }
    }

    /// Tag scores (unnormalised), `[batch, seq_len, NUM_TAGS]`. `train` turns dropout on.
    pub fn forward_t(&self, ids: &Tensor, mask: &Tensor, train: bool) -> Result<Tensor> {
        let out = self
            .bert
            .forward_t(Some(ids), Some(mask), None, None, None, None, None, train)
            .map_err(|e| Error::Model(format!("forward pass: {e}")))?;
        let hidden = out.hidden_state.dropout(self.dropout, train);
        Ok(self.classifier.forward(&hidden))
    }
}

/// One loaded network with the weights it owns.
pub struct Tagger {
    config: BertConfig,
    // Owns the tensors `net` uses.
    vars: nn::VarStore,
    net: TaggerNet,
}

impl Tagger {
    /// A tagger with the base model's encoder and a fresh classifier (the start of training).
    pub fn from_base(base_dir: &Path, device: Device) -> Result<Self> {
        let config = crate::encoder::read_bert_config(&base_dir.join("config.json"))?;
        let mut vars = nn::VarStore::new(device);
        let net = TaggerNet::new(&vars.root(), &config);
        crate::weights::load_base(&mut vars, &base_dir.join("model.safetensors"), HEAD)?;
        Ok(Tagger { config, vars, net })
    }

    /// A trained tagger: the base model with a model folder's delta over it.
    pub fn load(model_dir: &Path, base_dir: &Path, device: Device) -> Result<Self> {
        let tagger = Self::from_base(base_dir, device)?;
        crate::weights::load_delta(
            &tagger.vars,
            &model_dir.join(Task::Attribution.weights_file()),
            HEAD,
        )?;
        Ok(tagger)
    }

    /// The BERT configuration of the network.
    pub fn config(&self) -> &BertConfig {
        &self.config
    }

    /// The variables, for training.
    pub fn vars(&self) -> &nn::VarStore {
        &self.vars
    }

    /// The network, for training.
    pub fn net(&self) -> &TaggerNet {
        &self.net
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weights::{load_delta, save_delta, trained_names};
    use std::collections::HashSet;
    use tch::{Device, Kind};

    fn tiny_config() -> BertConfig {
        serde_json::from_str(
            r#"{"hidden_act": "gelu", "attention_probs_dropout_prob": 0.1,
                "hidden_dropout_prob": 0.1, "hidden_size": 8, "initializer_range": 0.02,
                "intermediate_size": 16, "max_position_embeddings": 32,
                "num_attention_heads": 2, "num_hidden_layers": 2, "type_vocab_size": 2,
                "vocab_size": 30}"#,
        )
        .unwrap()
    }

    fn tiny() -> (nn::VarStore, TaggerNet) {
        let vars = nn::VarStore::new(Device::Cpu);
        let net = TaggerNet::new(&vars.root(), &tiny_config());
        (vars, net)
    }

    fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
        (a - b).abs().max().double_value(&[])
    }

    #[test]
    fn a_delta_restores_the_trained_layers_only() {
        tch::manual_seed(1);
        let (trained_vars, _) = tiny();
        tch::manual_seed(2);
        let (fresh_vars, net) = tiny();
        let names = trained_names(&trained_vars, 1, HEAD);
        assert!(names.contains("tagger.classifier.weight"));
        assert!(names.contains("encoder.layer.1.attention.self.query.weight"));
        assert!(!names
            .iter()
            .any(|n| n.starts_with("encoder.layer.0.") || n.starts_with("embeddings.")));

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("delta.safetensors");
        save_delta(&trained_vars, &names, &path).unwrap();
        let before: std::collections::HashMap<String, Tensor> = fresh_vars
            .variables()
            .into_iter()
            .map(|(n, t)| (n, t.copy()))
            .collect();
        load_delta(&fresh_vars, &path, HEAD).unwrap();
        let (a, b) = (trained_vars.variables(), fresh_vars.variables());
        for (name, t) in &a {
            let d = max_diff(t, &b[name]);
            if names.contains(name) {
                assert!(d < 1e-2, "{name} not restored (half precision): {d}");
            } else {
                assert_eq!(
                    max_diff(&b[name], &before[name]),
                    0.0,
                    "{name} was overwritten"
                );
            }
        }
        // The restored network runs and scores every tag.
        let ids = Tensor::from_slice(&[1i64, 5, 7, 2]).view([1, 4]);
        let mask = Tensor::ones([1, 4], (Kind::Int64, Device::Cpu));
        let logits = net.forward_t(&ids, &mask, false).unwrap();
        assert_eq!(logits.size(), vec![1, 4, NUM_TAGS as i64]);
    }

    #[test]
    fn a_delta_of_another_model_is_refused() {
        let (vars, _) = tiny();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.safetensors");
        let odd = Tensor::zeros([3], (Kind::Float, Device::Cpu));
        Tensor::write_safetensors(&[("pooler.other.weight", &odd)], &path).unwrap();
        let err = load_delta(&vars, &path, HEAD).unwrap_err().to_string();
        assert!(err.contains("unknown tensor pooler.other.weight"), "{err}");

        let wrong = Tensor::zeros([3, 3], (Kind::Float, Device::Cpu));
        Tensor::write_safetensors(&[("tagger.classifier.weight", &wrong)], &path).unwrap();
        let err = load_delta(&vars, &path, HEAD).unwrap_err().to_string();
        assert!(err.contains("shape"), "{err}");

        let names: HashSet<String> = ["encoder.layer.0.output.dense.bias".to_string()].into();
        save_delta(&vars, &names, &path).unwrap();
        let err = load_delta(&vars, &path, HEAD).unwrap_err().to_string();
        assert!(err.contains("no classifier"), "{err}");
    }
}
