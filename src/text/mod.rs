//! The text model: normalised text with an exact map back to the original, paragraphs,
//! sentences and tokens. Later stages read only an [`Analysis`] and report byte ranges of the
//! normalised text; [`NormText::to_span`] turns those into the contract's code-point spans.

pub mod normalize;
pub mod offsets;
pub mod segment;

use crate::span::{NormRange, Span};
use offsets::CharIndex;
use tokenizers::normalizer::{NormalizedString, Range as NsRange};

/// The normalised form of a document's text, aligned to the original.
pub struct NormText {
    normalized: NormalizedString,
    chars: CharIndex,
}

impl NormText {
    /// Wraps an already-transformed [`NormalizedString`] whose original is `original`.
    pub fn from_normalized(normalized: NormalizedString) -> Self {
        let chars = CharIndex::new(normalized.get_original());
        NormText { normalized, chars }
    }

    /// The normalised text that the stages work on.
    pub fn as_str(&self) -> &str {
        self.normalized.get()
    }

    /// The original text, exactly as read.
    pub fn original(&self) -> &str {
        self.normalized.get_original()
    }

    /// Maps a byte range of the normalised text to a byte range of the original.
    ///
    /// Returns `None` when the range is reversed, out of bounds, or not on char boundaries. An
    /// empty range maps to the empty range at the start of the original character at that
    /// position (or at the end of the last one, for the end of the text).
    pub fn to_original_bytes(&self, range: NormRange) -> Option<std::ops::Range<usize>> {
        let text = self.as_str();
        if range.start > range.end
            || range.end > text.len()
            || !text.is_char_boundary(range.start)
            || !text.is_char_boundary(range.end)
        {
            return None;
        }
        if range.start == range.end {
            let pos = range.start;
            return match text[pos..].chars().next() {
                Some(c) => {
                    let r = self.convert(pos..pos + c.len_utf8())?;
                    Some(r.start..r.start)
                }
                None => match text.chars().next_back() {
                    Some(c) => {
                        let r = self.convert(pos - c.len_utf8()..pos)?;
                        Some(r.end..r.end)
                    }
                    None => Some(0..0),
                },
            };
        }
        self.convert(range)
    }

    fn convert(&self, range: NormRange) -> Option<std::ops::Range<usize>> {
        self.normalized.convert_offsets(NsRange::Normalized(range))
    }

    /// Maps a byte range of the normalised text to a code-point span of the original.
    pub fn to_span(&self, range: NormRange) -> Option<Span> {
        let bytes = self.to_original_bytes(range)?;
        Some(Span::new(
            self.chars.char_of(bytes.start),
            self.chars.char_of(bytes.end),
        ))
    }

    /// The original text covered by a code-point span.
    pub fn slice_original(&self, span: Span) -> &str {
        let s = self.chars.byte_of(span.start);
        let e = self.chars.byte_of(span.end);
        &self.original()[s..e]
    }
}

/// A paragraph: a byte range of the normalised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    /// Byte range in the normalised text (no surrounding blank lines).
    pub range: NormRange,
    /// True when the paragraph began with a dash or bullet marker (list-style news briefs).
    pub bulleted: bool,
}

/// A sentence: a byte range of the normalised text and the tokens it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// Byte range in the normalised text (trimmed of surrounding whitespace).
    pub range: NormRange,
    /// Index into [`Analysis::paragraphs`].
    pub paragraph: usize,
    /// Index range into [`Analysis::tokens`].
    pub tokens: std::ops::Range<usize>,
}

/// A token: a byte range of the normalised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Byte range in the normalised text.
    pub range: NormRange,
}

/// Everything the extraction stages need to know about one document's text.
pub struct Analysis {
    /// Normalised text and its alignment to the original.
    pub norm: NormText,
    /// Paragraphs in order.
    pub paragraphs: Vec<Paragraph>,
    /// Sentences in order; each lies inside one paragraph.
    pub sentences: Vec<Sentence>,
    /// Tokens in order.
    pub tokens: Vec<Token>,
}

impl Analysis {
    /// Runs normalisation and segmentation on an original text.
    pub fn new(original: &str) -> Self {
        let norm = normalize::normalize(original);
        let seg = segment::segment(norm.as_str());
        Analysis {
            norm,
            paragraphs: seg.paragraphs,
            sentences: seg.sentences,
            tokens: seg.tokens,
        }
    }

    /// The normalised text.
    pub fn text(&self) -> &str {
        self.norm.as_str()
    }

    /// The normalised text of a token.
    pub fn token_text(&self, i: usize) -> &str {
        &self.text()[self.tokens[i].range.clone()]
    }

    /// Index of the paragraph whose sentence holds byte `pos`, if any sentence holds it.
    pub fn paragraph_at(&self, pos: usize) -> Option<usize> {
        self.sentence_at(pos).map(|s| self.sentences[s].paragraph)
    }

    /// Index of the sentence holding byte `pos` of the normalised text, if any.
    pub fn sentence_at(&self, pos: usize) -> Option<usize> {
        let i = self.sentences.partition_point(|s| s.range.end <= pos);
        (i < self.sentences.len() && self.sentences[i].range.start <= pos).then_some(i)
    }
}
