//! Our classifier network: all-MiniLM-L6-v2 (rust-bert's BERT), mean-pooled over the real
//! wordpieces as the sentence encoder was trained, then dropout and one linear layer over the
//! labels. The same network serves stance (a target and a statement as a sentence pair) and
//! check-worthiness (one statement). Stored as a delta over the base model ([`crate::weights`]).

use crate::encoder::cpu::{variable, CpuBert};
use crate::error::{Error, Result};
use crate::models::Precision;
use rust_bert::bert::{BertConfig, BertEmbeddings, BertModel};
use tch::{nn, nn::Module, Kind, Tensor};

/// Prefix of the classification layer's variables.
pub const HEAD: &str = "classifier_head";

/// BERT, mean pooling, and a linear layer.
pub struct ClassifierNet {
    bert: BertModel<BertEmbeddings>,
    classifier: nn::Linear,
    dropout: f64,
}

impl std::fmt::Debug for ClassifierNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClassifierNet").finish_non_exhaustive()
    }
}

impl ClassifierNet {
    /// Creates the variables under `root` (BERT at the root, as in the base weight file).
    pub fn new(root: &nn::Path, config: &BertConfig, labels: usize) -> Self {
        ClassifierNet {
            bert: BertModel::<BertEmbeddings>::new(root, config),
            classifier: nn::linear(
                root / HEAD / "linear",
                config.hidden_size,
                labels as i64,
                Default::default(),
            ),
            dropout: config.hidden_dropout_prob,
        }
    }

    /// Label scores (unnormalised), `[batch, labels]`.
    pub fn forward_t(
        &self,
        ids: &Tensor,
        mask: &Tensor,
        type_ids: &Tensor,
        train: bool,
    ) -> Result<Tensor> {
        let out = self
            .bert
            .forward_t(
                Some(ids),
                Some(mask),
                Some(type_ids),
                None,
                None,
                None,
                None,
                train,
            )
            .map_err(|e| Error::Model(format!("forward pass: {e}")))?;
        let weights = mask.to_kind(Kind::Float).unsqueeze(-1);
        let summed =
            (out.hidden_state * &weights).sum_dim_intlist([1].as_slice(), false, Kind::Float);
        let counts = weights
            .sum_dim_intlist([1].as_slice(), false, Kind::Float)
            .clamp_min(1.0);
        let pooled = (summed / counts).dropout(self.dropout, train);
        Ok(self.classifier.forward(&pooled))
    }
}

/// [`ClassifierNet`] for inference on the CPU: [`CpuBert`] over one unpadded input at a time, the
/// same mean pooling and linear layer.
pub struct CpuClassifierNet {
    bert: CpuBert,
    weight: Tensor,
    bias: Tensor,
}

impl CpuClassifierNet {
    /// Takes the variables of a loaded [`ClassifierNet`] (which must be on the CPU).
    pub fn new(vars: &nn::VarStore, config: &BertConfig, precision: Precision) -> Result<Self> {
        let head = |what: &str| variable(vars, &format!("{HEAD}.linear.{what}"));
        Ok(CpuClassifierNet {
            bert: CpuBert::new(vars, config, precision)?,
            weight: head("weight")?,
            bias: head("bias")?,
        })
    }

    /// Label scores (unnormalised) of one input, `[labels]`.
    pub fn logits(&self, ids: &[i64], type_ids: &[i64]) -> Result<Tensor> {
        let hidden = self.bert.hidden_states(ids, Some(type_ids))?;
        Ok(tch::no_grad(|| {
            hidden
                .mean_dim([0i64].as_slice(), false, Kind::Float)
                .linear(&self.weight, Some(&self.bias))
        }))
    }
}
