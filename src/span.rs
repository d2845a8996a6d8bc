//! Offsets and identifiers shared by every stage.
//!
//! Two offset spaces exist and must never be confused: [`Span`] is in Unicode code points of the
//! original document text (the contract's unit, Python `str` indices), while the stages work on
//! byte ranges of the normalised text ([`NormRange`]). Only [`crate::text::NormText`] converts
//! between them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;

/// A half-open range of Unicode code points in the original document text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(from = "[usize; 2]", into = "[usize; 2]")]
pub struct Span {
    /// First code point (inclusive).
    pub start: usize,
    /// One past the last code point (exclusive).
    pub end: usize,
}

impl Span {
    /// Creates a span; `start` must not exceed `end`.
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end, "span start {start} > end {end}");
        Span { start, end }
    }

    /// Number of code points covered.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// True when the span covers nothing.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

impl From<[usize; 2]> for Span {
    fn from(a: [usize; 2]) -> Self {
        Span::new(a[0], a[1])
    }
}

impl From<Span> for [usize; 2] {
    fn from(s: Span) -> Self {
        [s.start, s.end]
    }
}

/// A byte range in a document's normalised text (see [`crate::text::NormText`]).
pub type NormRange = Range<usize>;

/// A document identifier: the file stem for `.txt` input, the `id` field for JSONL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DocId(pub String);

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for DocId {
    fn from(s: &str) -> Self {
        DocId(s.to_string())
    }
}
