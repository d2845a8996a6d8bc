//! The tagger network: all-MiniLM-L6-v2 (rust-bert's BERT) with a linear layer that scores the
//! BIO tags of every wordpiece, and the weight files it is stored as.
//!
//! A trained model is stored as a *delta* over the base model: only the tensors that training
//! changed (the upper encoder layers and the tag classifier), in half precision. Loading reads
//! the base weights from `scripts/setup`'s cache and then the delta over them, which keeps the
//! shipped file small enough to commit.

use super::labels::NUM_TAGS;
use crate::error::{Error, Result};
use rust_bert::bert::{BertConfig, BertEmbeddings, BertModel};
use std::collections::HashSet;
use std::path::Path;
use tch::{nn, nn::Module, Device, Kind, Tensor};

/// Prefix of the classifier's variables.
const HEAD: &str = "tagger";

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

/// Loads the base model's weights into `vars`, which must hold a [`TaggerNet`]: every variable
/// except the classifier must be found in the file.
pub fn load_base(vars: &mut nn::VarStore, weights: &Path) -> Result<()> {
    let missing = vars
        .load_partial(weights)
        .map_err(|e| Error::Model(format!("cannot load {}: {e}", weights.display())))?;
    let unexpected: Vec<_> = missing
        .iter()
        .filter(|n| !n.starts_with(&format!("{HEAD}.")))
        .collect();
    if !unexpected.is_empty() {
        return Err(Error::Model(format!(
            "{} lacks {} tensor(s) the model needs, e.g. {}",
            weights.display(),
            unexpected.len(),
            unexpected[0]
        )));
    }
    Ok(())
}

/// Names of the variables that training updates: the classifier and the encoder layers from
/// `first_trained_layer` up. Everything else (embeddings, lower layers) stays the base model's.
pub fn trained_names(vars: &nn::VarStore, first_trained_layer: usize) -> HashSet<String> {
    vars.variables()
        .into_keys()
        .filter(|name| {
            if name.starts_with(&format!("{HEAD}.")) {
                return true;
            }
            let Some(rest) = name.strip_prefix("encoder.layer.") else {
                return false;
            };
            rest.split('.')
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|layer| layer >= first_trained_layer)
        })
        .collect()
}

/// Writes the named variables to a safetensors file in half precision, atomically.
pub fn save_delta(vars: &nn::VarStore, names: &HashSet<String>, path: &Path) -> Result<()> {
    let all = vars.variables();
    let mut sorted: Vec<&String> = names.iter().collect();
    sorted.sort();
    let tensors: Vec<(String, Tensor)> = sorted
        .into_iter()
        .filter_map(|n| {
            all.get(n)
                .map(|t| (n.clone(), t.to_device(Device::Cpu).to_kind(Kind::Half)))
        })
        .collect();
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir)?;
    Tensor::write_safetensors(&tensors, tmp.path())
        .map_err(|e| Error::Model(format!("cannot write {}: {e}", path.display())))?;
    tmp.persist(path).map_err(|e| Error::Io(e.error))?;
    Ok(())
}

/// Loads a delta written by [`save_delta`] over the variables of `vars`. Every tensor in the
/// file must name a variable of the model with the same shape, and the classifier must be there.
pub fn load_delta(vars: &nn::VarStore, path: &Path) -> Result<()> {
    let bad = |m: String| Error::Model(format!("{}: {m}", path.display()));
    let tensors = Tensor::read_safetensors(path).map_err(|e| bad(e.to_string()))?;
    let all = vars.variables();
    let mut has_head = false;
    for (name, src) in tensors {
        let Some(dst) = all.get(&name) else {
            return Err(bad(format!("unknown tensor {name}")));
        };
        if dst.size() != src.size() {
            return Err(bad(format!(
                "tensor {name} has shape {:?}, the model wants {:?}",
                src.size(),
                dst.size()
            )));
        }
        has_head |= name.starts_with(&format!("{HEAD}."));
        let mut dst = dst.shallow_clone();
        tch::no_grad(|| dst.copy_(&src.to_kind(dst.kind()).to_device(dst.device())));
    }
    if !has_head {
        return Err(bad("no tag classifier in the file".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let names = trained_names(&trained_vars, 1);
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
        load_delta(&fresh_vars, &path).unwrap();
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
        let err = load_delta(&vars, &path).unwrap_err().to_string();
        assert!(err.contains("unknown tensor pooler.other.weight"), "{err}");

        let wrong = Tensor::zeros([3, 3], (Kind::Float, Device::Cpu));
        Tensor::write_safetensors(&[("tagger.classifier.weight", &wrong)], &path).unwrap();
        let err = load_delta(&vars, &path).unwrap_err().to_string();
        assert!(err.contains("shape"), "{err}");

        let names: HashSet<String> = ["encoder.layer.0.output.dense.bias".to_string()].into();
        save_delta(&vars, &names, &path).unwrap();
        let err = load_delta(&vars, &path).unwrap_err().to_string();
        assert!(err.contains("no tag classifier"), "{err}");
    }
}
