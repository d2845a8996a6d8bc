//! Conversion between byte offsets and code-point offsets of one string.

/// Byte offset of every code point of a string, for O(log n) conversions both ways.
pub struct CharIndex {
    /// `starts[i]` is the byte offset of code point `i`; the last entry is the string length.
    starts: Vec<usize>,
}

impl CharIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        let mut starts: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        starts.push(text.len());
        CharIndex { starts }
    }

    /// Code-point offset of byte offset `byte`; a byte inside a code point maps to that code point.
    pub fn char_of(&self, byte: usize) -> usize {
        match self.starts.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// Byte offset of code point `ch` (clamped to the end of the text).
    pub fn byte_of(&self, ch: usize) -> usize {
        self.starts[ch.min(self.starts.len() - 1)]
    }

    /// Number of code points.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
