//! Scoring a document with the tagger network: the document's wordpieces are cut into
//! paragraph-packed windows ([`super::windows`]), each window is scored by a [`WindowScorer`]
//! (rust-bert's BERT in padded batches, [`Batched`], or the CPU kernels one window at a time,
//! [`CpuTagger`]), and the per-piece scores are decoded under the BIO constraint into spans
//! snapped to whole words ([`tag_document`]).

use super::labels::{decode, NUM_TAGS};
use super::link::TaggedSpan;
use super::net::{Tagger, TaggerNet, HEAD};
use super::windows::{self, Piece};
use crate::encoder::cpu::{variable, CpuBert};
use crate::error::{Error, Result};
use crate::models::Precision;
use crate::text::Analysis;
use std::path::Path;
use tch::{Device, Kind, Tensor};
use tokenizers::Tokenizer;

/// What the tagger needs besides the network to read a document.
pub struct TagSetup {
    /// The base model's tokenizer, without padding or truncation.
    pub tokenizer: Tokenizer,
    /// `[CLS]` id.
    pub cls: u32,
    /// `[SEP]` id.
    pub sep: u32,
    /// Wordpieces per window.
    pub window_pieces: usize,
}

impl TagSetup {
    /// Reads the tokenizer from the base model folder.
    pub fn new(base_dir: &Path, window_pieces: usize) -> Result<Self> {
        let tokenizer = windows::load_tokenizer(&base_dir.join("tokenizer.json"))?;
        let (cls, sep) = windows::special_ids(&tokenizer)?;
        if window_pieces < 8 {
            return Err(Error::Model(format!(
                "window of {window_pieces} pieces: need at least 8"
            )));
        }
        Ok(TagSetup {
            tokenizer,
            cls,
            sep,
            window_pieces,
        })
    }

    /// The input ids of a window: `[CLS]`, its pieces, `[SEP]`.
    pub fn window_ids(&self, pieces: &[Piece]) -> Vec<i64> {
        std::iter::once(self.cls)
            .chain(pieces.iter().map(|p| p.id))
            .chain(std::iter::once(self.sep))
            .map(i64::from)
            .collect()
    }
}

/// Pads id sequences into one batch: ids and attention mask, `[n, longest]`.
pub fn pad_batch(seqs: &[&[i64]], device: Device) -> (Tensor, Tensor) {
    let len = seqs.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut ids = Vec::with_capacity(seqs.len() * len);
    let mut mask = Vec::with_capacity(seqs.len() * len);
    for s in seqs {
        ids.extend_from_slice(s);
        ids.extend(std::iter::repeat_n(0, len - s.len()));
        mask.extend(std::iter::repeat_n(1i64, s.len()));
        mask.extend(std::iter::repeat_n(0i64, len - s.len()));
    }
    let shape = [seqs.len() as i64, len as i64];
    (
        Tensor::from_slice(&ids).view(shape).to_device(device),
        Tensor::from_slice(&mask).view(shape).to_device(device),
    )
}

/// Scores windows: per window (its ids with `[CLS]` and `[SEP]`), the tag log-probabilities of
/// each of its pieces, the special tokens left out.
pub trait WindowScorer {
    /// One row per piece, for every window in `windows`.
    fn score(&self, windows: &[Vec<i64>]) -> Result<Vec<Vec<[f32; NUM_TAGS]>>>;
}

/// rust-bert's network in padded batches, longest windows first (training and the GPU).
pub struct Batched<'a> {
    /// The network.
    pub net: &'a TaggerNet,
    /// Where it runs.
    pub device: Device,
    /// Windows per forward pass.
    pub batch_size: usize,
}

impl WindowScorer for Batched<'_> {
    fn score(&self, windows: &[Vec<i64>]) -> Result<Vec<Vec<[f32; NUM_TAGS]>>> {
        // Longest first, so each batch pads to nearly its own length.
        let mut order: Vec<usize> = (0..windows.len()).collect();
        order.sort_by_key(|&w| std::cmp::Reverse(windows[w].len()));
        let mut rows = vec![Vec::new(); windows.len()];
        for batch in order.chunks(self.batch_size.max(1)) {
            let seqs: Vec<&[i64]> = batch.iter().map(|&w| windows[w].as_slice()).collect();
            let (input, mask) = pad_batch(&seqs, self.device);
            let logits = tch::no_grad(|| self.net.forward_t(&input, &mask, false))?;
            let log_probs = logits.log_softmax(-1, Kind::Float).to_device(Device::Cpu);
            for (b, &w) in batch.iter().enumerate() {
                rows[w] = tag_rows(&log_probs.get(b as i64), windows[w].len())?;
            }
        }
        Ok(rows)
    }
}

/// The tagger on [`CpuBert`]: one window at a time, int8 or f32 (see [`crate::encoder::cpu`]).
pub struct CpuTagger {
    bert: CpuBert,
    weight: Tensor,
    bias: Tensor,
}

impl CpuTagger {
    /// Takes a loaded tagger's variables (which must be on the CPU).
    pub fn new(tagger: &Tagger, precision: Precision) -> Result<Self> {
        let head = |what: &str| variable(tagger.vars(), &format!("{}.classifier.{what}", HEAD));
        Ok(CpuTagger {
            bert: CpuBert::new(tagger.vars(), tagger.config(), precision)?,
            weight: head("weight")?,
            bias: head("bias")?,
        })
    }
}

impl WindowScorer for CpuTagger {
    fn score(&self, windows: &[Vec<i64>]) -> Result<Vec<Vec<[f32; NUM_TAGS]>>> {
        windows
            .iter()
            .map(|ids| {
                let hidden = self.bert.hidden_states(ids, None)?;
                let log_probs = tch::no_grad(|| {
                    hidden
                        .linear(&self.weight, Some(&self.bias))
                        .log_softmax(-1, Kind::Float)
                });
                tag_rows(&log_probs, ids.len())
            })
            .collect()
    }
}

/// The rows of a window's `[len, NUM_TAGS]` log-probabilities that belong to its pieces: row 0
/// is `[CLS]`, then the pieces, then `[SEP]` (and padding).
fn tag_rows(log_probs: &Tensor, window_len: usize) -> Result<Vec<[f32; NUM_TAGS]>> {
    let pieces = window_len.saturating_sub(2) as i64;
    let t = log_probs.narrow(0, 1, pieces).contiguous();
    let flat = Vec::<f32>::try_from(t.view([-1]))
        .map_err(|e| Error::Model(format!("tensor copy: {e}")))?;
    Ok(flat
        .chunks_exact(NUM_TAGS)
        .map(|c| <[f32; NUM_TAGS]>::try_from(c).expect("chunks of NUM_TAGS"))
        .collect())
}

/// Tags one document: the decoded Source, Cue and Content spans, in text order, as byte ranges
/// of the normalised text snapped to whole words.
pub fn tag_document(
    scorer: &dyn WindowScorer,
    setup: &TagSetup,
    analysis: &Analysis,
) -> Result<Vec<TaggedSpan>> {
    let pieces = windows::pieces(&setup.tokenizer, analysis)?;
    if pieces.is_empty() {
        return Ok(Vec::new());
    }
    let wins = windows::windows(analysis, &pieces, setup.window_pieces);
    let ids: Vec<Vec<i64>> = wins
        .iter()
        .map(|w| setup.window_ids(&pieces[w.clone()]))
        .collect();
    let rows = scorer.score(&ids)?;
    let per_piece: Vec<[f32; NUM_TAGS]> = windows::owners(pieces.len(), &wins)
        .into_iter()
        .map(|(w, pos)| rows[w][pos])
        .collect();
    let text = analysis.text();
    Ok(decode(&per_piece)
        .into_iter()
        .map(|s| TaggedSpan {
            role: s.role,
            range: snap_to_words(
                text,
                pieces[s.start].range.start..pieces[s.end - 1].range.end,
            ),
            score: s.score,
        })
        .collect())
}

/// Widens a byte range so that it does not cut a word: a span that starts or ends inside a word
/// (the tags changed between two wordpieces of it) takes the whole word.
fn snap_to_words(text: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let word = |c: char| c.is_alphanumeric();
    let mut start = range.start;
    while let Some(c) = text[..start].chars().next_back() {
        if !word(c) || !text[start..].chars().next().is_some_and(word) {
            break;
        }
        start -= c.len_utf8();
    }
    let mut end = range.end;
    while let Some(c) = text[end..].chars().next() {
        if !word(c) || !text[..end].chars().next_back().is_some_and(word) {
            break;
        }
        end += c.len_utf8();
    }
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_widened_to_whole_words() {
        let t = "Ryabkov said so.";
        assert_eq!(snap_to_words(t, 2..7), 0..7);
        assert_eq!(snap_to_words(t, 0..3), 0..7);
        assert_eq!(snap_to_words(t, 8..12), 8..12);
        assert_eq!(snap_to_words(t, 13..16), 13..16);
    }

    #[test]
    fn padding_fills_shorter_sequences() {
        let (ids, mask) = pad_batch(&[&[1, 2, 3], &[4]], Device::Cpu);
        assert_eq!(ids.size(), vec![2, 3]);
        assert_eq!(
            Vec::<i64>::try_from(mask.view([-1])).unwrap(),
            vec![1, 1, 1, 1, 0, 0]
        );
    }
}
