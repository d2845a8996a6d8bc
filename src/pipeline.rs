//! Runs the stages over documents.

use crate::attribution::Extractor;
use crate::document::Document;
use crate::error::{DocError, DocErrorKind};
use crate::record::{build_records, Provenance, Record};
use crate::speakers;
use crate::text::Analysis;
use std::collections::BTreeMap;

/// The configured stages.
pub struct Pipeline {
    extractor: Box<dyn Extractor>,
    provenance: Provenance,
}

impl Pipeline {
    /// Builds a pipeline around an extractor.
    pub fn new(extractor: Box<dyn Extractor>) -> Self {
        let mut models = BTreeMap::new();
        models.insert("attribution".to_string(), extractor.id());
        Pipeline {
            extractor,
            provenance: Provenance {
                pipeline: crate::VERSION.to_string(),
                models,
            },
        }
    }

    /// Processes one document into its records.
    pub fn process(&self, doc: &Document) -> Result<Vec<Record>, DocError> {
        if doc.text.trim().is_empty() {
            return Err(DocError::new(
                doc.id.0.clone(),
                DocErrorKind::Empty,
                "document text is empty",
            ));
        }
        let analysis = Analysis::new(&doc.text);
        let attributions = self.extractor.extract(doc, &analysis);
        let speakers = speakers::resolve(&analysis, &attributions);
        build_records(doc, &analysis, &attributions, &speakers, &self.provenance)
    }
}
