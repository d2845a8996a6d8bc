//! Wordpieces of a whole document and the model windows cut from them.
//!
//! A document is tokenised once, without special tokens or truncation, so that every wordpiece
//! keeps its byte range in the normalised text. Windows are then packed from whole paragraphs
//! (several short paragraphs share a window, which gives the model the context a source often
//! needs); only a paragraph longer than a window is cut at sentence boundaries, and only a
//! sentence longer than a window is cut mid-sentence with overlap. Each piece takes its tags
//! from the window where it sits farthest from an edge ([`owners`]).

use crate::error::{Error, Result};
use crate::span::NormRange;
use crate::text::Analysis;
use std::ops::Range;
use std::path::Path;
use tokenizers::Tokenizer;

/// One wordpiece of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Vocabulary id.
    pub id: u32,
    /// Byte range in the normalised text.
    pub range: NormRange,
}

/// The base model's tokenizer set up for whole documents: no padding, no truncation.
pub fn load_tokenizer(path: &Path) -> Result<Tokenizer> {
    let mut tokenizer = Tokenizer::from_file(path)
        .map_err(|e| Error::Model(format!("bad {}: {e}", path.display())))?;
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(None)
        .map_err(|e| Error::Model(format!("cannot turn truncation off: {e}")))?;
    Ok(tokenizer)
}

/// The ids of `[CLS]` and `[SEP]` in `tokenizer`'s vocabulary.
pub fn special_ids(tokenizer: &Tokenizer) -> Result<(u32, u32)> {
    let id = |t: &str| {
        tokenizer
            .token_to_id(t)
            .ok_or_else(|| Error::Model(format!("tokenizer has no {t} token")))
    };
    Ok((id("[CLS]")?, id("[SEP]")?))
}

/// Tokenises the normalised text of a document into wordpieces with byte ranges.
pub fn pieces(tokenizer: &Tokenizer, analysis: &Analysis) -> Result<Vec<Piece>> {
    let enc = tokenizer
        .encode(analysis.text(), false)
        .map_err(|e| Error::Model(format!("tokenizer: {e}")))?;
    Ok(enc
        .get_ids()
        .iter()
        .zip(enc.get_offsets())
        .filter(|(_, &(s, e))| s < e)
        .map(|(&id, &(s, e))| Piece { id, range: s..e })
        .collect())
}

/// Piece ranges of units (paragraphs or sentences) given as ordered byte ranges. The units
/// tile all pieces: text the segmenter left between units joins the unit before it.
fn units(pieces: &[Piece], ranges: impl Iterator<Item = NormRange>) -> Vec<Range<usize>> {
    let mut starts: Vec<usize> = ranges
        .map(|r| pieces.partition_point(|p| p.range.start < r.start))
        .filter(|&s| s < pieces.len())
        .collect();
    starts.dedup();
    match starts.first_mut() {
        Some(first) => *first = 0,
        None if !pieces.is_empty() => starts.push(0),
        None => {}
    }
    let ends = starts.iter().skip(1).copied().chain([pieces.len()]);
    starts.iter().zip(ends).map(|(&s, e)| s..e).collect()
}

/// Cuts a document's pieces into windows of at most `max` pieces (see the module docs).
pub fn windows(analysis: &Analysis, pieces: &[Piece], max: usize) -> Vec<Range<usize>> {
    let max = max.max(2);
    let paragraphs = units(pieces, analysis.paragraphs.iter().map(|p| p.range.clone()));
    let sentences = units(pieces, analysis.sentences.iter().map(|s| s.range.clone()));
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut current: Option<Range<usize>> = None;
    let mut push_unit = |u: Range<usize>, out: &mut Vec<Range<usize>>| match current.as_mut() {
        Some(c) if u.end - c.start <= max => c.end = u.end,
        _ => {
            if let Some(c) = current.replace(u) {
                out.push(c);
            }
        }
    };
    for para in paragraphs {
        if para.len() <= max {
            push_unit(para, &mut out);
            continue;
        }
        let first = sentences.partition_point(|s| s.end <= para.start);
        for s in sentences[first..].iter().take_while(|s| s.start < para.end) {
            let s = s.start.max(para.start)..s.end.min(para.end);
            if s.len() <= max {
                push_unit(s, &mut out);
                continue;
            }
            let stride = max / 2;
            let mut start = s.start;
            loop {
                let end = (start + max).min(s.end);
                push_unit(start..end, &mut out);
                if end == s.end {
                    break;
                }
                start += stride;
            }
        }
    }
    if let Some(c) = current {
        out.push(c);
    }
    out
}

/// For every piece, the window it takes its tags from and its position there: among the
/// windows that hold it, the one where it is farthest from either edge.
pub fn owners(n_pieces: usize, windows: &[Range<usize>]) -> Vec<(usize, usize)> {
    let mut best: Vec<Option<(usize, usize, usize)>> = vec![None; n_pieces];
    for (w, r) in windows.iter().enumerate() {
        for i in r.clone() {
            let margin = (i - r.start).min(r.end - 1 - i);
            if best[i].is_none_or(|(_, _, m)| margin > m) {
                best[i] = Some((w, i - r.start, margin));
            }
        }
    }
    best.into_iter()
        .map(|b| b.map_or((0, 0), |(w, pos, _)| (w, pos)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_pieces(text: &str) -> Vec<Piece> {
        // One piece per whitespace-separated word is enough to test the packing.
        let mut out = Vec::new();
        let mut start = None;
        for (i, c) in text
            .char_indices()
            .chain(std::iter::once((text.len(), ' ')))
        {
            match (c.is_whitespace(), start) {
                (false, None) => start = Some(i),
                (true, Some(s)) => {
                    out.push(Piece { id: 0, range: s..i });
                    start = None;
                }
                _ => {}
            }
        }
        out
    }

    #[test]
    fn short_paragraphs_share_a_window_and_long_ones_are_cut() {
        let text = "One two three.\n\nFour five.\n\nSix seven eight nine ten. Eleven twelve.\n";
        let a = Analysis::new(text);
        let p = fake_pieces(a.text());
        assert_eq!(p.len(), 12);
        // Everything fits: one window.
        assert_eq!(windows(&a, &p, 64), vec![0..12]);
        // Window of 6: paragraphs 1+2 (5 pieces), then paragraph 3 (7) is cut at its sentence.
        assert_eq!(windows(&a, &p, 6), vec![0..5, 5..10, 10..12]);
        // Window of 3: a 5-word sentence is cut with overlap.
        let w = windows(&a, &p, 3);
        assert!(w.iter().all(|r| r.len() <= 3), "{w:?}");
        let covered: std::collections::BTreeSet<usize> = w.iter().flat_map(|r| r.clone()).collect();
        assert_eq!(covered.len(), 12);
    }

    #[test]
    fn a_piece_is_owned_by_the_window_where_it_is_most_central() {
        let o = owners(6, &[0..4, 2..6]);
        assert_eq!(o, vec![(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (1, 3)]);
    }
}
