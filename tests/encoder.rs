//! Real-model checks of the encoder: all-MiniLM-L6-v2 as installed by `scripts/setup`.
//!
//! The reference vector was computed by an independent numpy implementation of BERT from the same
//! safetensors file (sentence-transformers recipe: mean pooling over the attention mask, then L2
//! normalisation), so a wrong weight mapping, pooling or tokenisation shows up here.

use newsquotes::encoder::{Encoder, EncoderOptions};
use std::sync::OnceLock;

// Loading the model takes ~1 s; share one across the tests of this file. The encoder is not Sync,
// so it sits behind a mutex.
fn encoder() -> std::sync::MutexGuard<'static, Encoder> {
    static ENCODER: OnceLock<std::sync::Mutex<Encoder>> = OnceLock::new();
    ENCODER
        .get_or_init(|| {
            let encoder = Encoder::load_base(&EncoderOptions::default())
                .unwrap_or_else(|e| panic!("cannot load the base model: {e}"));
            std::sync::Mutex::new(encoder)
        })
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

#[test]
fn embedding_matches_reference_implementation() {
    let emb = encoder()
        .embed(&["Ryabkov said the fears were unfounded."])
        .unwrap();
    assert_eq!(emb.len(), 1);
    assert_eq!(emb[0].len(), 384);
    let expected = [0.018375f32, 0.044635, -0.042024, 0.095849, 0.090038];
    for (i, (got, want)) in emb[0].iter().zip(expected).enumerate() {
        assert!(
            (got - want).abs() < 1e-4,
            "dimension {i}: got {got}, want {want} (first five: {:?})",
            &emb[0][..5]
        );
    }
    assert!((norm(&emb[0]) - 1.0).abs() < 1e-5);
}

#[test]
fn padding_does_not_change_embeddings() {
    let short = "Talks ended.";
    let long = "The delegation said on Tuesday that the talks in the lakeside city had ended \
                without agreement, and that a further round was not yet planned.";
    let enc = encoder();
    let batch = enc.embed(&[short, long]).unwrap();
    let alone_short = enc.embed(&[short]).unwrap();
    let alone_long = enc.embed(&[long]).unwrap();
    for (a, b) in [(&batch[0], &alone_short[0]), (&batch[1], &alone_long[0])] {
        let max_diff = a
            .iter()
            .zip(b.iter())
            .map(|(x, y)| (x - y).abs())
            .fold(0.0f32, f32::max);
        assert!(max_diff < 1e-5, "batched vs single differ by {max_diff}");
    }
    // Different sentences must not collapse to the same vector.
    let cos: f32 = batch[0].iter().zip(&batch[1]).map(|(x, y)| x * y).sum();
    assert!(cos < 0.95, "cosine {cos}");
}

#[test]
fn related_sentences_are_closer_than_unrelated_ones() {
    let emb = encoder()
        .embed(&[
            "The minister said the negotiations had failed.",
            "According to the minister, the talks broke down.",
            "Heavy rain flooded the football pitch overnight.",
        ])
        .unwrap();
    let cos = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    assert!(cos(&emb[0], &emb[1]) > cos(&emb[0], &emb[2]) + 0.2);
}

#[test]
fn wordpiece_offsets_map_back_into_the_input() {
    // Multi-byte characters before the pieces make byte/char offset mix-ups visible.
    let texts = [
        "Ryabkov said the fears were unfounded.",
        "« Nous verrons », a déclaré Sherman à Genève.",
    ];
    let enc = encoder();
    let batch = enc.encode_batch(&texts).unwrap();
    assert_eq!(batch.texts.len(), 2);
    let size = batch.hidden.size();
    assert_eq!(size[0], 2);
    assert_eq!(size[2], 384);
    for (index, (text, encoded)) in texts.iter().zip(&batch.texts).enumerate() {
        assert!(!encoded.truncated);
        let pieces = &encoded.pieces;
        assert_eq!(pieces.first().unwrap().token, "[CLS]");
        assert_eq!(pieces.last().unwrap().token, "[SEP]");
        assert!(pieces.first().unwrap().special && pieces.last().unwrap().special);
        let mut last_end = 0;
        for piece in pieces.iter().filter(|p| !p.special) {
            let slice = text
                .get(piece.offsets.clone())
                .unwrap_or_else(|| panic!("{:?} is not a char-boundary range of {text:?}", piece));
            assert!(!slice.is_empty(), "empty piece {piece:?}");
            // The normaliser lowercases and strips accents, so only ASCII slices can be compared
            // letter for letter with the piece (minus its continuation marker).
            let bare = piece.token.trim_start_matches("##");
            if slice.is_ascii() && piece.token != "[UNK]" {
                assert_eq!(slice.to_lowercase(), bare, "piece {piece:?}");
            }
            assert!(piece.offsets.start >= last_end, "pieces out of order");
            last_end = piece.offsets.end;
        }
        let hidden = batch.hidden_for(index).unwrap();
        assert_eq!(hidden.len(), pieces.len());
    }
    // "ryabkov" is not one vocabulary entry: its pieces must tile the word exactly.
    let ryabkov: Vec<_> = batch.texts[0]
        .pieces
        .iter()
        .filter(|p| !p.special && p.offsets.end <= 7)
        .collect();
    assert!(ryabkov.len() > 1, "{ryabkov:?}");
    assert_eq!(ryabkov.first().unwrap().offsets.start, 0);
    assert_eq!(ryabkov.last().unwrap().offsets.end, 7);
}

#[test]
fn long_input_is_truncated_and_flagged() {
    let long = "word ".repeat(400);
    let options = EncoderOptions {
        max_len: 64,
        ..EncoderOptions::default()
    };
    let enc = Encoder::load_base(&options).unwrap();
    let batch = enc.encode_batch(&[long.as_str(), "short"]).unwrap();
    assert!(batch.texts[0].truncated);
    assert_eq!(batch.texts[0].pieces.len(), 64);
    assert!(!batch.texts[1].truncated);
    assert_eq!(batch.hidden.size()[1], 64);
}

/// The CPU inference encoder (`encoder::cpu`), built from the same base weights, gives the same
/// sentence embedding as the reference in f32, and one within int8 rounding of it in int8.
#[test]
fn the_cpu_encoder_reproduces_the_reference_embedding() {
    use newsquotes::encoder::cpu::CpuBert;
    use newsquotes::models::Precision;
    use rust_bert::bert::{BertEmbeddings, BertModel};
    use tch::{nn, Device, Kind};

    let dir = newsquotes::models::base::base_model_dir();
    let config = newsquotes::encoder::read_bert_config(&dir.join("config.json")).unwrap();
    let mut vars = nn::VarStore::new(Device::Cpu);
    let _model = BertModel::<BertEmbeddings>::new(vars.root(), &config);
    vars.load(dir.join("model.safetensors")).unwrap();
    let mut tokenizer = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json")).unwrap();
    // The file pads to 128; the CPU encoder takes the sequence unpadded.
    tokenizer.with_padding(None);
    let encoding = tokenizer
        .encode("Ryabkov said the fears were unfounded.", true)
        .unwrap();
    let ids: Vec<i64> = encoding.get_ids().iter().map(|&i| i64::from(i)).collect();
    let embed = |precision| {
        let bert = CpuBert::new(&vars, &config, precision).unwrap();
        let mean =
            bert.hidden_states(&ids, None)
                .unwrap()
                .mean_dim([0i64].as_slice(), false, Kind::Float);
        let unit = &mean / mean.norm();
        Vec::<f32>::try_from(unit).unwrap()
    };
    let expected = [0.018375f32, 0.044635, -0.042024, 0.095849, 0.090038];
    let exact = embed(Precision::F32);
    for (i, (got, want)) in exact.iter().zip(expected).enumerate() {
        assert!(
            (got - want).abs() < 1e-4,
            "f32 dimension {i}: {got} vs {want}"
        );
    }
    let int8 = embed(Precision::Int8);
    let cosine: f32 = int8.iter().zip(&exact).map(|(a, b)| a * b).sum();
    // Measured: 0.991 (7-bit weights, 8-bit activations, six layers).
    assert!(
        cosine > 0.985,
        "int8 embedding drifts from f32: cosine {cosine}"
    );
    assert_ne!(int8, exact, "int8 should not be bit-identical to f32");
}
