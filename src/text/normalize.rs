//! Normalisation: repairs what real news text carries while keeping an exact alignment to the
//! original (through the tokenizers crate's [`NormalizedString`]).
//!
//! PLACEHOLDER: identity normalisation. The text-model work replaces this.

use super::NormText;
use tokenizers::normalizer::NormalizedString;

/// Normalises an original text.
pub fn normalize(original: &str) -> NormText {
    NormText::from_normalized(NormalizedString::from(original))
}
