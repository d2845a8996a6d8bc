//! User-supplied Hugging Face models, one tiny randomly initialised model per supported
//! architecture (BERT, RoBERTa, DeBERTa, DeBERTa v2, BART), written in Hugging Face layout to a
//! temporary folder and loaded through the same code that loads a real model: `config.json`,
//! `model.safetensors`, a tokenizer, and `model.toml`. Each is used the way its `model.toml` says
//! (stance classifier, zero-shot NLI stance, check-worthiness classifier), and its scores must
//! be the network's own outputs read back from disk.

use newsquotes::classify::classifier::Classifier;
use newsquotes::classify::hf::{self, HfConfig};
use newsquotes::classify::trained::batch_tensors;
use newsquotes::models::Precision;
use newsquotes::models::Task;
use serde_json::{json, Value};
use std::path::Path;
use tch::{nn, Device, Kind};
use tokenizers::models::wordlevel::WordLevel;
use tokenizers::pre_tokenizers::whitespace::Whitespace;
use tokenizers::processors::bert::BertProcessing;
use tokenizers::processors::roberta::RobertaProcessing;
use tokenizers::Tokenizer;

const WORDS: [&str; 12] = [
    "the", "minister", "said", "taxes", "will", "rise", "we", "oppose", "nato", "support",
    "sanctions", ".",
];

/// A word-level tokenizer: BERT specials (`[PAD]` = 0) or RoBERTa/BART specials (`<pad>` = 1).
fn tokenizer(bert_style: bool) -> Tokenizer {
    let specials: [&str; 4] = if bert_style {
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    } else {
        ["<s>", "<pad>", "</s>", "<unk>"]
    };
    let vocab = specials
        .iter()
        .chain(WORDS.iter())
        .enumerate()
        .map(|(i, w)| (w.to_string(), i as u32))
        .collect();
    let unk = if bert_style { "[UNK]" } else { "<unk>" };
    let model = WordLevel::builder()
        .vocab(vocab)
        .unk_token(unk.into())
        .build()
        .unwrap();
    let mut tok = Tokenizer::new(model);
    tok.with_pre_tokenizer(Some(Whitespace {}));
    if bert_style {
        tok.with_post_processor(Some(BertProcessing::new(
            ("[SEP]".into(), 3),
            ("[CLS]".into(), 2),
        )));
    } else {
        tok.with_post_processor(Some(RobertaProcessing::new(
            ("</s>".into(), 2),
            ("<s>".into(), 0),
        )));
    }
    tok
}

fn id2label(labels: &[&str]) -> Value {
    labels
        .iter()
        .enumerate()
        .map(|(i, l)| (i.to_string(), Value::from(*l)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn bert_like(model_type: &str, labels: &[&str]) -> Value {
    let mut c = json!({
        "model_type": model_type, "vocab_size": 16, "hidden_size": 16, "num_hidden_layers": 2,
        "num_attention_heads": 2, "intermediate_size": 32, "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": 64, "type_vocab_size": 2, "initializer_range": 0.02,
        "layer_norm_eps": 1e-7, "pad_token_id": 0, "id2label": id2label(labels),
    });
    match model_type {
        "roberta" => {
            c["pad_token_id"] = 1.into();
            c["type_vocab_size"] = 1.into();
        }
        "deberta" => {
            c["relative_attention"] = true.into();
            c["max_relative_positions"] = 16.into();
            c["pos_att_type"] = json!(["c2p", "p2c"]);
            c["type_vocab_size"] = 0.into();
            c["position_biased_input"] = false.into();
        }
        "deberta-v2" => {
            c["relative_attention"] = true.into();
            c["max_relative_positions"] = 16.into();
            c["position_buckets"] = 8.into();
            c["share_att_key"] = true.into();
            c["norm_rel_ebd"] = "layer_norm".into();
            c["pos_att_type"] = json!(["p2c", "c2p"]);
            c["type_vocab_size"] = 0.into();
            c["position_biased_input"] = false.into();
        }
        _ => {}
    }
    c
}

fn bart(labels: &[&str]) -> Value {
    json!({
        "model_type": "bart", "vocab_size": 16, "d_model": 16, "encoder_layers": 1,
        "decoder_layers": 1, "encoder_attention_heads": 2, "decoder_attention_heads": 2,
        "encoder_ffn_dim": 32, "decoder_ffn_dim": 32, "activation_function": "gelu",
        "dropout": 0.1, "attention_dropout": 0.0, "activation_dropout": 0.0,
        "encoder_layerdrop": 0.0, "decoder_layerdrop": 0.0, "init_std": 0.02,
        "max_position_embeddings": 64, "num_hidden_layers": 1, "pad_token_id": 1,
        "bos_token_id": 0, "eos_token_id": 2, "decoder_start_token_id": 2,
        "scale_embedding": false, "id2label": id2label(labels),
    })
}

/// Writes a tiny random model in Hugging Face layout and returns the network's own
/// probabilities for `inputs` (pairs: first segment, second segment) before it was saved.
fn write_model(
    dir: &Path,
    config: &Value,
    bert_style: bool,
    model_toml: &str,
    inputs: &[(&str, Option<&str>)],
) -> Vec<Vec<f32>> {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    std::fs::write(dir.join("model.toml"), model_toml).unwrap();
    let tok = tokenizer(bert_style);
    tok.save(dir.join("tokenizer.json").to_str().unwrap(), false)
        .unwrap();
    tch::manual_seed(7);
    let parsed = HfConfig::read(dir).unwrap();
    let vars = nn::VarStore::new(Device::Cpu);
    let net = hf::build(&vars, &parsed).unwrap();
    vars.save(dir.join("model.safetensors")).unwrap();

    let encoder = newsquotes::classify::trained::PairTokenizer::new(tok, 64).unwrap();
    let encoded: Vec<_> = inputs
        .iter()
        .map(|(a, b)| encoder.encode(a, *b).unwrap())
        .collect();
    let refs: Vec<_> = encoded.iter().collect();
    let (ids, mask, types) = batch_tensors(&refs, encoder.pad_id, Device::Cpu);
    let probs = tch::no_grad(|| net.logits(&ids, &mask, &types))
        .unwrap()
        .softmax(-1, Kind::Float);
    newsquotes::classify::trained::rows(&probs).unwrap()
}

fn close(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5)
}

const STATEMENT: &str = "the minister said taxes will rise .";

/// Loads `dir` through the real loader for `task` and scores (target, STATEMENT) or STATEMENT.
fn scores(dir: &Path, task: Task, target: Option<&str>) -> Vec<f32> {
    let c = Classifier::load(dir, task, 4, Precision::default()).unwrap();
    let input = c.encode(target, STATEMENT).unwrap();
    let out = c.score(&[&input]).unwrap().remove(0);
    assert!((out.iter().sum::<f32>() - 1.0).abs() < 1e-4, "{out:?}");
    out
}

#[test]
fn a_bert_stance_classifier_maps_its_labels() {
    let dir = tempfile::tempdir().unwrap();
    let labels = ["AGAINST", "FAVOR", "NONE"];
    let own = write_model(
        dir.path(),
        &bert_like("bert", &labels),
        true,
        "task = \"stance\"\n",
        &[("nato", Some(STATEMENT))],
    );
    let ours = scores(dir.path(), Task::Stance, Some("nato"));
    // Our order is favor, against, neutral.
    assert!(
        close(&ours, &[own[0][1], own[0][0], own[0][2]]),
        "{ours:?} vs {own:?}"
    );
}

#[test]
fn a_roberta_nli_model_gives_zero_shot_stance() {
    let dir = tempfile::tempdir().unwrap();
    let labels = ["contradiction", "neutral", "entailment"];
    let hypothesis = "we support nato .";
    let own = write_model(
        dir.path(),
        &bert_like("roberta", &labels),
        false,
        "task = \"stance\"\nmode = \"nli\"\ntemplate = \"we support {target} .\"\n",
        &[(STATEMENT, Some(hypothesis))],
    );
    let ours = scores(dir.path(), Task::Stance, Some("nato"));
    assert!(
        close(&ours, &[own[0][2], own[0][0], own[0][1]]),
        "{ours:?} vs {own:?}"
    );
}

#[test]
fn a_deberta_claims_classifier_scores_check_worthiness() {
    let dir = tempfile::tempdir().unwrap();
    let own = write_model(
        dir.path(),
        &bert_like("deberta", &["no", "yes"]),
        true,
        "task = \"claims\"\n",
        &[(STATEMENT, None)],
    );
    let ours = scores(dir.path(), Task::Claims, None);
    assert!(close(&ours, &own[0]), "{ours:?} vs {own:?}");
}

#[test]
fn a_deberta_v2_nli_model_gives_zero_shot_stance() {
    let dir = tempfile::tempdir().unwrap();
    let labels = ["entailment", "neutral", "contradiction"];
    let own = write_model(
        dir.path(),
        &bert_like("deberta-v2", &labels),
        true,
        "task = \"stance\"\nmode = \"nli\"\ntemplate = \"we support {target} .\"\n",
        &[(STATEMENT, Some("we support sanctions ."))],
    );
    let ours = scores(dir.path(), Task::Stance, Some("sanctions"));
    assert!(
        close(&ours, &[own[0][0], own[0][2], own[0][1]]),
        "{ours:?} vs {own:?}"
    );
}

#[test]
fn a_bart_stance_classifier_runs_from_its_folder_and_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("bart-stance");
    let labels = ["favor", "against", "neutral"];
    let own = write_model(
        &model,
        &bart(&labels),
        false,
        "task = \"stance\"\nname = \"tiny-bart\"\nversion = \"0.1\"\n",
        &[("nato", Some(STATEMENT))],
    );
    let ours = scores(&model, Task::Stance, Some("nato"));
    assert!(close(&ours, &own[0]), "{ours:?} vs {own:?}");

    // The CLI path: `classify` with this model as the stance model.
    let targets = dir.path().join("targets.toml");
    std::fs::write(&targets, "[[target]]\nname = \"nato\"\n").unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        format!("{{\"id\": \"s1\", \"text\": \"{STATEMENT}\"}}\nnot json\n"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_newsquotes"))
        .args(["classify", "--no-claims", "--targets"])
        .arg(&targets)
        .arg("--stance-model")
        .arg(&model)
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], "s1");
    let stance = &lines[0]["stance"][0];
    assert_eq!(stance["target"], "nato");
    let best = (0..3)
        .max_by(|&a, &b| own[0][a].partial_cmp(&own[0][b]).unwrap())
        .unwrap();
    assert_eq!(stance["label"], labels[best]);
    assert!((stance["score"].as_f64().unwrap() - f64::from(own[0][best])).abs() < 1e-3);
    assert!(lines[0]["claim"].is_null());
    assert_eq!(lines[1]["error"]["kind"], "invalid_json");
}

#[test]
fn a_folder_that_is_no_model_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let err = Classifier::load(dir.path(), Task::Stance, 4, Precision::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("no stance model there"), "{err}");
    std::fs::write(
        dir.path().join("config.json"),
        r#"{"model_type": "gpt2", "id2label": {"0": "a"}}"#,
    )
    .unwrap();
    let err = Classifier::load(dir.path(), Task::Stance, 4, Precision::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("not supported"), "{err}");
}
