//! The rule-based extractor: quote-mark pairing, cue lexicon and speaker patterns.
//!
//! PLACEHOLDER: the rules work replaces this.

use super::{Attribution, Extractor};
use crate::document::Document;
use crate::text::Analysis;

/// The rule-based baseline extractor.
#[derive(Debug, Default)]
pub struct RulesExtractor {}

impl RulesExtractor {
    /// Builds the extractor with its built-in lexicons.
    pub fn new() -> Self {
        RulesExtractor {}
    }
}

impl Extractor for RulesExtractor {
    fn id(&self) -> String {
        format!("rules@{}", crate::VERSION)
    }

    fn extract(&self, _doc: &Document, _analysis: &Analysis) -> Vec<Attribution> {
        Vec::new()
    }
}
