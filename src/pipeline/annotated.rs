//! The document object every stage reads and annotates: one document on its way through the
//! pipeline, with its text analysis, the quotes found in it with their speakers, and finally its
//! records. Each stage adds to it; none hands results to the next through side vectors.

use crate::attribution::Attribution;
use crate::document::Document;
use crate::error::{DocError, DocErrorKind};
use crate::record::Record;
use crate::speakers::Speaker;
use crate::text::Analysis;

/// One document and what the stages have found in it so far.
pub struct Annotated {
    /// The document as read.
    pub doc: Document,
    /// [`crate::digest::document_sha256`] of the document.
    pub sha256: String,
    /// The normalised text with sentences and tokens (set by the text stage; `None` for a
    /// document whose records were reused).
    pub analysis: Option<Analysis>,
    /// The quotes found, in text order, each with its speaker once resolved.
    pub quotes: Vec<FoundQuote>,
    /// The output records (built from `quotes`, or taken over from a previous run).
    pub records: Vec<Record>,
    /// Whether `records` were taken over from a previous run instead of computed.
    pub reused: bool,
    /// Why the document failed, once a stage failed on it; later stages skip it.
    pub error: Option<DocError>,
}

/// One attribution found in a document, with the speaker it resolves to.
#[derive(Debug, Clone)]
pub struct FoundQuote {
    /// What was said, by which mention, introduced by which cue.
    pub attribution: Attribution,
    /// The canonical speaker (set by the speakers stage).
    pub speaker: Option<Speaker>,
}

impl Annotated {
    /// A document at the start of the pipeline.
    pub fn new(doc: Document) -> Self {
        Annotated {
            sha256: crate::digest::document_sha256(&doc),
            doc,
            analysis: None,
            quotes: Vec::new(),
            records: Vec::new(),
            reused: false,
            error: None,
        }
    }

    /// Marks the document failed for `kind` with `message`.
    pub fn fail(&mut self, kind: DocErrorKind, message: impl Into<String>) {
        self.error = Some(DocError::new(self.doc.id.0.clone(), kind, message));
    }

    /// The text analysis; an error when the text stage has not run (a pipeline built without
    /// it), which fails this document only.
    pub fn analysis(&self) -> Result<&Analysis, DocError> {
        self.analysis.as_ref().ok_or_else(|| {
            DocError::new(
                self.doc.id.0.clone(),
                DocErrorKind::Processing,
                "no text analysis: the pipeline has no text stage",
            )
        })
    }
}
