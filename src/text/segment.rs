//! Segmentation of normalised text into paragraphs, sentences and tokens.
//!
//! PLACEHOLDER: naive splitting. The text-model work replaces this.

use super::{Paragraph, Sentence, Token};

/// The result of segmenting one normalised text.
#[derive(Debug, Default)]
pub struct Segmentation {
    /// Paragraphs in order.
    pub paragraphs: Vec<Paragraph>,
    /// Sentences in order.
    pub sentences: Vec<Sentence>,
    /// Tokens in order.
    pub tokens: Vec<Token>,
}

/// Segments a normalised text.
pub fn segment(text: &str) -> Segmentation {
    let mut seg = Segmentation::default();
    let mut pos = 0;
    for para in text.split("\n\n") {
        let start = pos + (para.len() - para.trim_start().len());
        let end = pos + para.trim_end().len();
        pos += para.len() + 2;
        if start >= end {
            continue;
        }
        let pi = seg.paragraphs.len();
        seg.paragraphs.push(Paragraph {
            range: start..end,
            bulleted: false,
        });
        let first_tok = seg.tokens.len();
        let mut s_start = start;
        for (off, w) in
            unicode_segmentation::UnicodeSegmentation::split_word_bound_indices(&text[start..end])
        {
            if w.trim().is_empty() {
                continue;
            }
            let a = start + off;
            seg.tokens.push(Token {
                range: a..a + w.len(),
            });
            if w == "." || w == "?" || w == "!" {
                let t0 = seg
                    .sentences
                    .last()
                    .map_or(first_tok, |s: &Sentence| s.tokens.end.max(first_tok));
                seg.sentences.push(Sentence {
                    range: s_start..a + w.len(),
                    paragraph: pi,
                    tokens: t0..seg.tokens.len(),
                });
                s_start = a + w.len();
            }
        }
        let t0 = seg
            .sentences
            .last()
            .map_or(first_tok, |s| s.tokens.end.max(first_tok));
        if t0 < seg.tokens.len() {
            let s = seg.tokens[t0].range.start;
            seg.sentences.push(Sentence {
                range: s..end,
                paragraph: pi,
                tokens: t0..seg.tokens.len(),
            });
        }
    }
    seg
}
