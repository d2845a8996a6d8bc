//! A document as read from the corpus: id, original text, and pass-through metadata.

use crate::span::DocId;

/// Metadata fields passed through from the input to every record's `meta`.
pub type Meta = serde_json::Map<String, serde_json::Value>;

/// One article. `text` is exactly what was read (after UTF-8 decoding, before any
/// normalisation): every offset in the output points into it.
#[derive(Debug, Clone)]
pub struct Document {
    /// Identifier (file stem or JSONL `id`).
    pub id: DocId,
    /// The original text.
    pub text: String,
    /// Every input field other than `id` and `text`.
    pub meta: Meta,
}

impl Document {
    /// Creates a document without metadata.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        Document {
            id: DocId(id.into()),
            text: text.into(),
            meta: Meta::new(),
        }
    }
}
