//! The stages `extract` runs, in order: [`TextStage`] (normalisation, sentences, tokens),
//! [`AttributionStage`] (quotes, cues, source mentions), [`SpeakersStage`] (in-document
//! speaker resolution), [`RecordsStage`] (the contract's records, with exact original offsets),
//! then [`StanceStage`] and [`ClaimsStage`] over the records. Each wraps the component of its
//! own module, which knows nothing of the pipeline.

use super::annotated::{Annotated, FoundQuote};
use super::stage::{each_document, Stage, StageContext, Works};
use crate::attribution::Extractor;
use crate::classify::claims::ClaimsClassifier;
use crate::classify::relevance::{quote_passage, Concern};
use crate::classify::stance::{statement, StanceClassifier};
use crate::error::DocErrorKind;
use crate::models::{ModelInfo, Task};
use crate::record::{build_records, Record};
use crate::text::offsets::CharIndex;
use crate::text::Analysis;

/// Normalises the text (with an exact map back to the original) and finds sentences and
/// tokens. An empty document fails here.
pub struct TextStage;

impl Stage for TextStage {
    fn name(&self) -> &'static str {
        "text"
    }

    fn works_on(&self) -> Works {
        Works::OnText
    }

    fn process(&self, docs: &mut [&mut Annotated], cx: &StageContext) {
        each_document(docs, cx.pool, |doc| {
            if doc.doc.text.trim().is_empty() {
                doc.fail(DocErrorKind::Empty, "document text is empty");
                return Ok(());
            }
            doc.analysis = Some(Analysis::new(&doc.doc.text));
            Ok(())
        });
    }
}

/// Finds the attributions with an [`Extractor`] (the trained tagger or the rules).
pub struct AttributionStage<'a> {
    extractor: Box<dyn Extractor + 'a>,
}

impl<'a> AttributionStage<'a> {
    /// The stage around `extractor`.
    pub fn new(extractor: Box<dyn Extractor + 'a>) -> Self {
        AttributionStage { extractor }
    }
}

impl Stage for AttributionStage<'_> {
    fn name(&self) -> &'static str {
        Task::Attribution.stage()
    }

    fn model(&self) -> Option<ModelInfo> {
        Some(self.extractor.model_info())
    }

    fn works_on(&self) -> Works {
        Works::OnText
    }

    fn process(&self, docs: &mut [&mut Annotated], cx: &StageContext) {
        each_document(docs, cx.pool, |doc| {
            let found = self.extractor.extract(&doc.doc, doc.analysis()?);
            if let Some(tick) = cx.attributed {
                tick();
            }
            let found = found.map_err(|e| {
                crate::error::DocError::new(
                    doc.doc.id.0.clone(),
                    DocErrorKind::Processing,
                    format!("attribution failed: {e}"),
                )
            })?;
            // Headlines, bylines and photo credits yield no quotes; datelines are cut off.
            doc.quotes = crate::attribution::furniture::clean(doc.analysis()?, found)
                .into_iter()
                .map(|attribution| FoundQuote {
                    attribution,
                    speaker: None,
                })
                .collect();
            Ok(())
        });
    }
}

/// Resolves each quote's source mention to a canonical speaker within its document.
pub struct SpeakersStage;

impl Stage for SpeakersStage {
    fn name(&self) -> &'static str {
        "speakers"
    }

    fn works_on(&self) -> Works {
        Works::OnText
    }

    fn process(&self, docs: &mut [&mut Annotated], cx: &StageContext) {
        each_document(docs, cx.pool, |doc| {
            let attributions: Vec<_> = doc.quotes.iter().map(|q| q.attribution.clone()).collect();
            let speakers = crate::speakers::resolve(doc.analysis()?, &attributions);
            for (quote, speaker) in doc.quotes.iter_mut().zip(speakers) {
                quote.speaker = Some(speaker);
            }
            Ok(())
        });
    }
}

/// Turns the quotes into the contract's records: the one place where normalised ranges become
/// original code-point spans.
pub struct RecordsStage;

impl Stage for RecordsStage {
    fn name(&self) -> &'static str {
        "records"
    }

    fn works_on(&self) -> Works {
        Works::OnText
    }

    fn process(&self, docs: &mut [&mut Annotated], cx: &StageContext) {
        each_document(docs, cx.pool, |doc| {
            let resolved = doc
                .quotes
                .iter()
                .filter_map(|q| q.speaker.as_ref().map(|s| (&q.attribution, s)));
            doc.records = build_records(&doc.doc, doc.analysis()?, resolved, cx.provenance)?;
            Ok(())
        });
    }
}

/// The records of a chunk's documents, in document order (the order per-record inputs such as
/// the stance stage's concerns are built in).
fn chunk_records<'d>(docs: &'d mut [&mut Annotated]) -> Vec<&'d mut Record> {
    docs.iter_mut().flat_map(|d| d.records.iter_mut()).collect()
}

/// Fails every document of the chunk that has records: a classifier failure is not tied to one
/// document.
fn fail_chunk(docs: &mut [&mut Annotated], what: &str, e: &crate::error::Error) {
    for doc in docs.iter_mut().filter(|d| !d.records.is_empty()) {
        doc.fail(
            DocErrorKind::Processing,
            format!("{what} classification failed: {e}"),
        );
    }
}

/// Stance toward every target, for every record of a chunk at once (batches span documents).
pub struct StanceStage {
    stance: StanceClassifier,
}

impl StanceStage {
    /// The stage around the stance model and targets.
    pub fn new(stance: StanceClassifier) -> Self {
        StanceStage { stance }
    }
}

impl Stage for StanceStage {
    fn name(&self) -> &'static str {
        Task::Stance.stage()
    }

    fn model(&self) -> Option<ModelInfo> {
        Some(self.stance.info().clone())
    }

    fn works_on(&self) -> Works {
        Works::OnRecords
    }

    fn process(&self, docs: &mut [&mut Annotated], cx: &StageContext) {
        use rayon::prelude::*;
        // Per record (in chunk order), the targets its article and its own paragraph name.
        let per_record: Option<Vec<Concern>> = self.stance.gate.as_ref().map(|gate| {
            cx.pool.install(|| {
                docs.par_iter()
                    .flat_map_iter(|d| {
                        let text = &d.doc.text;
                        let article = gate.concern(text);
                        let chars = CharIndex::new(text);
                        d.records
                            .iter()
                            .map(|r| {
                                gate.within(&article, quote_passage(text, &chars, &r.quote.spans))
                            })
                            .collect::<Vec<_>>()
                    })
                    .collect()
            })
        });
        let mut records = chunk_records(docs);
        if records.is_empty() {
            return;
        }
        let statements: Vec<String> = records.iter().map(|r| statement(r)).collect();
        match self
            .stance
            .classify(&statements, per_record.as_deref(), cx.pool)
        {
            Ok(stances) => {
                let id = self.stance.info().id.clone();
                for (r, stance) in records.iter_mut().zip(stances) {
                    r.stance = stance;
                    r.provenance.models.insert(self.name().into(), id.clone());
                }
            }
            Err(e) => {
                drop(records);
                fail_chunk(docs, "stance", &e);
            }
        }
    }
}

/// Check-worthiness of every record's quote, for a chunk at once.
pub struct ClaimsStage {
    claims: ClaimsClassifier,
}

impl ClaimsStage {
    /// The stage around the check-worthiness model.
    pub fn new(claims: ClaimsClassifier) -> Self {
        ClaimsStage { claims }
    }
}

impl Stage for ClaimsStage {
    fn name(&self) -> &'static str {
        Task::Claims.stage()
    }

    fn model(&self) -> Option<ModelInfo> {
        Some(self.claims.info().clone())
    }

    fn works_on(&self) -> Works {
        Works::OnRecords
    }

    fn process(&self, docs: &mut [&mut Annotated], cx: &StageContext) {
        let mut records = chunk_records(docs);
        if records.is_empty() {
            return;
        }
        let quotes: Vec<String> = records.iter().map(|r| r.quote.text.clone()).collect();
        match self.claims.classify(&quotes, cx.pool) {
            Ok(claims) => {
                let id = self.claims.info().id.clone();
                for (r, claim) in records.iter_mut().zip(claims) {
                    r.claim = Some(claim);
                    r.provenance.models.insert(self.name().into(), id.clone());
                }
            }
            Err(e) => {
                drop(records);
                fail_chunk(docs, "check-worthiness", &e);
            }
        }
    }
}
