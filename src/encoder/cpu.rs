//! Inference-only BERT for the CPU, built from the same variables as rust-bert's `BertModel`.
//!
//! rust-bert's BERT is what we train with (autograd, dropout, batches with attention masks).
//! For inference on the CPU this forward pass is faster, for three reasons measured on the
//! 2-core development machine:
//! - linear layers can run with integer weights through FBGEMM ([`Precision::Int8`]): a
//!   256 x 384 x 1536 product takes 2.4 ms instead of 5.2 ms on one core;
//! - attention is libtorch's fused CPU flash-attention kernel (4 ms per layer at 256 pieces
//!   instead of 11 ms), and Q, K and V are one product;
//! - every sequence runs on its own, unpadded: one 256-piece window is 1.3 times faster per
//!   wordpiece than a batch of eight (the matrices stay in cache), and no padding is computed.
//!
//! Running each sequence alone also makes its output a function of that sequence only: int8
//! activations are quantised per call, so in a batch one input's range would change another
//! input's scores, and a rerun that batches differently would not reproduce a full run.

use crate::error::{Error, Result};
use crate::models::Precision;
use rust_bert::bert::BertConfig;
use rust_bert::Activation;
use std::collections::HashMap;
use std::sync::Once;
use tch::{nn, Kind, Scalar, Tensor};

/// BERT's layer norms use this epsilon (rust-bert hard-codes it too).
const LAYER_NORM_EPS: f64 = 1e-12;

enum Linear {
    F32 {
        weight: Tensor,
        bias: Tensor,
    },
    /// Symmetric int8 weights with one scale per output row. FBGEMM's legacy entry point takes
    /// a single scale for the whole matrix, which costs 2 points of content F1 on PolNeAR dev;
    /// so the product runs at scale 1 and the rows are scaled after it. The weights use 7 bits
    /// ([-63, 63]): on AVX2, FBGEMM adds pairs of u8 x i8 products in 16 bits with saturation,
    /// and 255 * 127 * 2 overflows that (a 16-wide product was off by 9 %, against 1 % now).
    Int8 {
        weight: Tensor,
        packed: Tensor,
        col_offsets: Tensor,
        row_scales: Tensor,
        no_bias: Tensor,
        bias: Tensor,
    },
}

impl Linear {
    fn new(weight: Tensor, bias: Tensor, precision: Precision) -> Self {
        match precision {
            Precision::F32 => Linear::F32 { weight, bias },
            Precision::Int8 => {
                let row_scales = (weight
                    .abs()
                    .amax([1i64].as_slice(), true)
                    .clamp_min(f64::from(f32::MIN_POSITIVE))
                    / 63.0)
                    .contiguous();
                let q = (&weight / &row_scales)
                    .round()
                    .clamp(-63.0, 63.0)
                    .to_kind(Kind::Int8);
                // FBGEMM folds the weight zero point (here 0) into per-row sums.
                let col_offsets = q
                    .to_kind(Kind::Int)
                    .sum_dim_intlist([1i64].as_slice(), false, Kind::Int64)
                    .to_kind(Kind::Int);
                let packed = q.fbgemm_pack_quantized_matrix();
                Linear::Int8 {
                    weight: q,
                    packed,
                    col_offsets,
                    row_scales: row_scales.view([-1]),
                    no_bias: bias.zeros_like(),
                    bias,
                }
            }
        }
    }

    /// `x @ weight.T + bias` for `x` of shape `[n, in]`.
    fn forward(&self, x: &Tensor) -> Tensor {
        match self {
            Linear::F32 { weight, bias } => x.linear(weight, Some(bias)),
            Linear::Int8 {
                weight,
                packed,
                col_offsets,
                row_scales,
                no_bias,
                bias,
            } => {
                let unscaled = x.fbgemm_linear_int8_weight_fp32_activation(
                    weight,
                    packed,
                    col_offsets,
                    Scalar::float(1.0),
                    Scalar::int(0),
                    no_bias,
                );
                bias.addcmul(&unscaled, row_scales)
            }
        }
    }
}

struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
}

impl LayerNorm {
    fn forward(&self, x: &Tensor) -> Tensor {
        let width = *x.size().last().unwrap_or(&0);
        x.layer_norm(
            [width],
            Some(&self.weight),
            Some(&self.bias),
            LAYER_NORM_EPS,
            false,
        )
    }
}

struct Layer {
    qkv: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
}

/// BERT's encoder for one unpadded sequence at a time (see the module docs).
pub struct CpuBert {
    word: Tensor,
    position: Tensor,
    token_type: Tensor,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    heads: i64,
    hidden: i64,
    activation: Activation,
}

impl std::fmt::Debug for CpuBert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CpuBert")
            .field("layers", &self.layers.len())
            .field("hidden", &self.hidden)
            .finish_non_exhaustive()
    }
}

/// FBGEMM's legacy int8 entry points print a deprecation warning on first use. Those warnings
/// are for PyTorch's Python users; ours would only see noise in every run's log, so the first
/// use happens once, on a tiny matrix, with standard error muted.
fn silence_fbgemm_warnings() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _muted = gag::Gag::stderr().ok();
        let weight = Tensor::ones([2, 2], (Kind::Float, tch::Device::Cpu));
        let bias = Tensor::zeros([2], (Kind::Float, tch::Device::Cpu));
        let probe = Linear::new(weight.copy(), bias, Precision::Int8);
        let _ = probe.forward(&weight);
    });
}

impl CpuBert {
    /// Builds the encoder from the variables of a rust-bert `BertModel` (at the root of `vars`,
    /// as in the base model's weight file). The variables must be on the CPU.
    pub fn new(vars: &nn::VarStore, config: &BertConfig, precision: Precision) -> Result<Self> {
        if precision == Precision::Int8 {
            silence_fbgemm_warnings();
        }
        let all = vars.variables();
        let get = |name: &str| lookup(&all, name);
        let norm = |prefix: &str| -> Result<LayerNorm> {
            Ok(LayerNorm {
                weight: get(&format!("{prefix}.LayerNorm.weight"))?,
                bias: get(&format!("{prefix}.LayerNorm.bias"))?,
            })
        };
        let linear = |prefix: &str| -> Result<Linear> {
            Ok(Linear::new(
                get(&format!("{prefix}.weight"))?,
                get(&format!("{prefix}.bias"))?,
                precision,
            ))
        };
        let mut layers = Vec::new();
        for i in 0..config.num_hidden_layers {
            let p = format!("encoder.layer.{i}");
            let part = |name: &str, what: &str| get(&format!("{p}.attention.self.{name}.{what}"));
            // Attention's 1/sqrt(head width) is folded into the query projection.
            let q_scale = 1.0 / ((config.hidden_size / config.num_attention_heads) as f64).sqrt();
            let qkv_weight = Tensor::cat(
                &[
                    part("query", "weight")? * q_scale,
                    part("key", "weight")?,
                    part("value", "weight")?,
                ],
                0,
            );
            let qkv_bias = Tensor::cat(
                &[
                    part("query", "bias")? * q_scale,
                    part("key", "bias")?,
                    part("value", "bias")?,
                ],
                0,
            );
            layers.push(Layer {
                qkv: Linear::new(qkv_weight, qkv_bias, precision),
                attention_out: linear(&format!("{p}.attention.output.dense"))?,
                attention_norm: norm(&format!("{p}.attention.output"))?,
                intermediate: linear(&format!("{p}.intermediate.dense"))?,
                output: linear(&format!("{p}.output.dense"))?,
                output_norm: norm(&format!("{p}.output"))?,
            });
        }
        Ok(CpuBert {
            word: get("embeddings.word_embeddings.weight")?,
            position: get("embeddings.position_embeddings.weight")?,
            token_type: get("embeddings.token_type_embeddings.weight")?,
            embedding_norm: norm("embeddings")?,
            layers,
            heads: config.num_attention_heads,
            hidden: config.hidden_size,
            activation: config.hidden_act,
        })
    }

    /// Last-layer hidden states of one sequence, `[len, hidden]`. `type_ids` are the segment
    /// ids of a sentence pair (all 0 when `None`).
    pub fn hidden_states(&self, ids: &[i64], type_ids: Option<&[i64]>) -> Result<Tensor> {
        let n = ids.len() as i64;
        let max = self.position.size()[0];
        if n == 0 || n > max {
            return Err(Error::Model(format!(
                "sequence of {n} wordpieces (the model takes 1 to {max})"
            )));
        }
        tch::no_grad(|| {
            let ids = Tensor::from_slice(ids);
            let types = match type_ids {
                Some(t) => Tensor::from_slice(t),
                None => Tensor::zeros([n], (Kind::Int64, tch::Device::Cpu)),
            };
            let embedded = self.word.index_select(0, &ids)
                + self.position.narrow(0, 0, n)
                + self.token_type.index_select(0, &types);
            let mut x = self.embedding_norm.forward(&embedded);
            let head_dim = self.hidden / self.heads;
            let no_mask = Tensor::zeros([1, 1, 1, n], (Kind::Float, tch::Device::Cpu));
            for layer in &self.layers {
                let qkv = layer
                    .qkv
                    .forward(&x)
                    .view([n, 3, self.heads, head_dim])
                    .permute([1, 2, 0, 3]);
                // libtorch's fused CPU attention; the query is already scaled. tch passes a
                // missing mask as an undefined tensor, which the kernel rejects, so the
                // (nothing-masking) mask is explicit.
                let (context, _) = Tensor::internal_scaled_dot_product_flash_attention_for_cpu(
                    &qkv.get(0).unsqueeze(0),
                    &qkv.get(1).unsqueeze(0),
                    &qkv.get(2).unsqueeze(0),
                    0.0,
                    false,
                    Some(&no_mask),
                    1.0,
                );
                let context = context
                    .squeeze_dim(0)
                    .permute([1, 0, 2])
                    .reshape([n, self.hidden]);
                let attended = layer
                    .attention_norm
                    .forward(&(layer.attention_out.forward(&context) + &x));
                let inner = layer.intermediate.forward(&attended);
                let inner = match self.activation {
                    Activation::gelu => inner.gelu("none"),
                    other => other.get_function().get_fn()(&inner),
                };
                x = layer
                    .output_norm
                    .forward(&(layer.output.forward(&inner) + &attended));
            }
            Ok(x)
        })
    }
}

/// One variable of a `VarStore`, detached (for the heads that sit on the encoder).
pub fn variable(vars: &nn::VarStore, name: &str) -> Result<Tensor> {
    lookup(&vars.variables(), name)
}

fn lookup(all: &HashMap<String, Tensor>, name: &str) -> Result<Tensor> {
    all.get(name)
        .map(Tensor::detach)
        .ok_or_else(|| Error::Model(format!("variable {name} missing")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_bert::bert::{BertEmbeddings, BertModel};
    use tch::Device;

    fn tiny_config() -> BertConfig {
        serde_json::from_str(
            r#"{"hidden_act": "gelu", "attention_probs_dropout_prob": 0.1,
                "hidden_dropout_prob": 0.1, "hidden_size": 16, "initializer_range": 0.02,
                "intermediate_size": 32, "max_position_embeddings": 40,
                "num_attention_heads": 4, "num_hidden_layers": 2, "type_vocab_size": 2,
                "vocab_size": 50}"#,
        )
        .unwrap()
    }

    #[test]
    fn matches_rust_bert_in_f32_and_comes_close_in_int8() {
        tch::manual_seed(3);
        let config = tiny_config();
        let vars = nn::VarStore::new(Device::Cpu);
        let model = BertModel::<BertEmbeddings>::new(vars.root(), &config);
        let ids = [2i64, 17, 5, 33, 9, 3];
        let types = [0i64, 0, 0, 1, 1, 1];
        let reference = tch::no_grad(|| {
            model
                .forward_t(
                    Some(&Tensor::from_slice(&ids).view([1, -1])),
                    None,
                    Some(&Tensor::from_slice(&types).view([1, -1])),
                    None,
                    None,
                    None,
                    None,
                    false,
                )
                .unwrap()
                .hidden_state
                .get(0)
        });
        let exact = CpuBert::new(&vars, &config, Precision::F32).unwrap();
        let ours = exact.hidden_states(&ids, Some(&types)).unwrap();
        let diff = (&ours - &reference).abs().max().double_value(&[]);
        assert!(diff < 1e-5, "f32 differs from rust-bert by {diff}");

        let int8 = CpuBert::new(&vars, &config, Precision::Int8).unwrap();
        let approx = int8.hidden_states(&ids, Some(&types)).unwrap();
        let cosine = Tensor::cosine_similarity(&approx, &reference, 1, 1e-8)
            .min()
            .double_value(&[]);
        // 8-bit weights failed this (cosine 0.78 to 0.94: FBGEMM's 16-bit saturation).
        assert!(cosine > 0.98, "int8 hidden states drift: cosine {cosine}");
        assert!((&approx - &reference).abs().max().double_value(&[]) > 0.0);
    }

    #[test]
    fn a_sequence_longer_than_the_positions_is_refused() {
        let config = tiny_config();
        let vars = nn::VarStore::new(Device::Cpu);
        let _model = BertModel::<BertEmbeddings>::new(vars.root(), &config);
        let bert = CpuBert::new(&vars, &config, Precision::F32).unwrap();
        let err = bert.hidden_states(&[1; 41], None).unwrap_err().to_string();
        assert!(err.contains("1 to 40"), "{err}");
        assert!(bert.hidden_states(&[], None).is_err());
    }
}
