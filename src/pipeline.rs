//! Runs the stages over documents: one document with [`Pipeline::process`], a whole stream in
//! parallel with [`Pipeline::run`].
//!
//! [`Pipeline::run`] is a three-stage pipeline so that reading, processing and writing overlap:
//! a reader thread cuts the input into chunks (bounded by document count and by text bytes), the
//! calling thread maps each chunk across the rayon pool, and a writer thread hands the outcomes
//! to the sink in input order. The channels between the stages hold at most two chunks each, so
//! memory is bounded whatever the size of the input.

use crate::attribution::Extractor;
use crate::classify::relevance::Concern;
use crate::classify::stage::Classification;
use crate::document::Document;
use crate::error::{DocError, DocErrorKind};
use crate::reader::DocResult;
use crate::record::{build_records, Provenance, Record};
use crate::span::DocId;
use crate::speakers;
use crate::text::Analysis;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::sync_channel;

/// The configured stages.
pub struct Pipeline {
    extractor: Box<dyn Extractor>,
    provenance: Provenance,
    reuse: Option<Box<dyn Reuse>>,
    classification: Classification,
    reclassify_reused: bool,
}

/// Records already computed for a document, e.g. by an earlier run over the same text with the
/// same models (`rerun`). Called from every worker thread.
pub trait Reuse: Send + Sync {
    /// The records previously made for the document with this id and
    /// [`crate::digest::document_sha256`], or `None` when it must be processed.
    fn lookup(&self, doc_id: &DocId, sha256: &str) -> Option<Result<Vec<Record>, DocError>>;
}

/// What became of one input document.
#[derive(Debug)]
pub struct DocOutcome {
    /// The document's id (or its fallback id when it could not be read).
    pub doc_id: DocId,
    /// Its records, or the error line it gets instead.
    pub result: Result<Vec<Record>, DocError>,
    /// Whitespace-separated words in its text (0 when it could not be read), for throughput.
    pub words: u64,
    /// [`crate::digest::document_sha256`] of the document (`None` when it could not be read).
    pub doc_sha256: Option<String>,
    /// Whether the records were taken over through [`Reuse`] instead of computed.
    pub reused: bool,
    /// Which stance targets the document concerns, when the target gate is in use.
    pub concern: Option<Concern>,
}

/// How [`Pipeline::run`] cuts the input into chunks.
#[derive(Debug, Clone, Copy)]
pub struct BatchOptions {
    /// At most this many documents per chunk.
    pub chunk_docs: usize,
    /// A chunk is closed once its texts reach this many bytes.
    pub chunk_bytes: usize,
}

impl Default for BatchOptions {
    /// Chunks large enough to keep the workers busy, small enough to bound memory.
    fn default() -> Self {
        BatchOptions {
            // Independent of `threads`: the classification stage batches across a chunk's
            // documents, and output must not depend on the thread count.
            chunk_docs: 256,
            chunk_bytes: 16 << 20,
        }
    }
}

/// Number of chunks each channel between the stages may hold.
const QUEUE_CHUNKS: usize = 2;

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
            reuse: None,
            classification: Classification {
                stance: None,
                claims: None,
                gate: None,
            },
            reclassify_reused: false,
        }
    }

    /// Adds the stance and check-worthiness stage.
    pub fn with_classification(mut self, classification: Classification) -> Self {
        self.classification = classification;
        self
    }

    /// The classification stage.
    pub fn classification(&self) -> &Classification {
        &self.classification
    }

    /// Takes records over from `reuse` for the documents it knows, instead of extracting them;
    /// with `reclassify`, their stance and claims are computed again (the classification models
    /// or targets changed), else they are kept as they were.
    pub fn with_reuse(mut self, reuse: Box<dyn Reuse>, reclassify: bool) -> Self {
        self.reuse = Some(reuse);
        self.reclassify_reused = reclassify;
        self
    }

    /// The attribution model, as the run manifest describes it.
    pub fn extractor_info(&self) -> crate::provenance::ModelInfo {
        self.extractor.model_info()
    }

    /// Stage name to model id, as written into every record's provenance.
    pub fn provenance(&self) -> &Provenance {
        &self.provenance
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
        let attributions = self.extractor.extract(doc, &analysis).map_err(|e| {
            DocError::new(
                doc.id.0.clone(),
                DocErrorKind::Processing,
                format!("attribution failed: {e}"),
            )
        })?;
        let speakers = speakers::resolve(&analysis, &attributions);
        build_records(doc, &analysis, &attributions, &speakers, &self.provenance)
    }

    /// Like [`Pipeline::process`], but a panic in any stage becomes a `processing` error for
    /// this document instead of ending the run.
    pub fn process_guarded(&self, doc: &Document) -> Result<Vec<Record>, DocError> {
        // The stages share no mutable state across documents, so nothing observable is left
        // half-updated by an unwinding panic.
        catch_unwind(AssertUnwindSafe(|| self.process(doc))).unwrap_or_else(|payload| {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(DocError::new(
                doc.id.0.clone(),
                DocErrorKind::Processing,
                format!("internal error while processing: {what}"),
            ))
        })
    }

    fn outcome(&self, item: DocResult) -> DocOutcome {
        match item {
            Ok(doc) => {
                let sha256 = crate::digest::document_sha256(&doc);
                let reused = self.reuse.as_ref().and_then(|r| r.lookup(&doc.id, &sha256));
                DocOutcome {
                    doc_id: doc.id.clone(),
                    words: doc.text.split_whitespace().count() as u64,
                    reused: reused.is_some(),
                    result: reused.unwrap_or_else(|| self.process_guarded(&doc)),
                    doc_sha256: Some(sha256),
                    concern: self.classification.concern(&doc.text),
                }
            }
            Err(e) => DocOutcome {
                doc_id: e.doc_id.clone(),
                result: Err(e),
                words: 0,
                doc_sha256: None,
                reused: false,
                concern: None,
            },
        }
    }

    /// Runs the classification stage over the records of a chunk of outcomes at once (so that
    /// batches span documents). If it fails, the documents it was for become error lines.
    fn classify(&self, outcomes: &mut [DocOutcome], pool: &rayon::ThreadPool) {
        let wanted = |o: &DocOutcome| {
            o.result.is_ok()
                && if o.reused {
                    self.reclassify_reused
                } else {
                    !self.classification.is_empty()
                }
        };
        let mut records: Vec<&mut Record> = Vec::new();
        let mut concerns: Vec<Concern> = Vec::new();
        for o in outcomes.iter_mut().filter(|o| wanted(o)) {
            if let Ok(rs) = o.result.as_mut() {
                if let Some(c) = &o.concern {
                    concerns.extend(std::iter::repeat_n(c.clone(), rs.len()));
                }
                records.extend(rs.iter_mut());
            }
        }
        if records.is_empty() {
            return;
        }
        let concerns = (concerns.len() == records.len()).then_some(concerns.as_slice());
        if let Err(e) = self.classification.apply(&mut records, concerns, pool) {
            for o in outcomes.iter_mut().filter(|o| wanted(o)) {
                o.result = Err(DocError::new(
                    o.doc_id.0.clone(),
                    DocErrorKind::Processing,
                    format!("stance or claim classification failed: {e}"),
                ));
            }
        }
    }

    /// Processes a stream of documents on `pool` and gives every outcome to `sink`, in input
    /// order. Stops early only when `sink` fails, returning its error.
    pub fn run<I, S, E>(
        &self,
        docs: I,
        pool: &rayon::ThreadPool,
        opts: BatchOptions,
        mut sink: S,
    ) -> Result<(), E>
    where
        I: Iterator<Item = DocResult> + Send,
        S: FnMut(DocOutcome) -> Result<(), E> + Send,
        E: Send,
    {
        let (doc_tx, doc_rx) = sync_channel::<Vec<DocResult>>(QUEUE_CHUNKS);
        let (out_tx, out_rx) = sync_channel::<Vec<DocOutcome>>(QUEUE_CHUNKS);
        std::thread::scope(|scope| {
            scope.spawn(move || {
                let mut chunk = Vec::new();
                let mut bytes = 0;
                for item in docs {
                    bytes += item.as_ref().map(|d| d.text.len()).unwrap_or(0);
                    chunk.push(item);
                    if chunk.len() >= opts.chunk_docs || bytes >= opts.chunk_bytes {
                        bytes = 0;
                        if doc_tx.send(std::mem::take(&mut chunk)).is_err() {
                            return; // the writer stopped: no point reading on
                        }
                    }
                }
                if !chunk.is_empty() {
                    let _ = doc_tx.send(chunk);
                }
            });
            let writer = scope.spawn(move || {
                for chunk in out_rx {
                    for outcome in chunk {
                        sink(outcome)?;
                    }
                }
                Ok(())
            });
            for chunk in doc_rx {
                let mut outcomes: Vec<DocOutcome> =
                    pool.install(|| chunk.into_par_iter().map(|d| self.outcome(d)).collect());
                self.classify(&mut outcomes, pool);
                if out_tx.send(outcomes).is_err() {
                    break;
                }
            }
            drop(out_tx);
            writer.join().expect("writer thread does not panic")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::{Attribution, QuoteKind};

    /// Panics on documents whose text contains "BOOM"; reports the whole text as one quote
    /// otherwise, so that records can be counted.
    struct Fragile;

    impl Extractor for Fragile {
        fn id(&self) -> String {
            "fragile@0".into()
        }
        fn extract(
            &self,
            doc: &Document,
            analysis: &Analysis,
        ) -> crate::error::Result<Vec<Attribution>> {
            assert!(!doc.text.contains("BOOM"), "fragile extractor hit BOOM");
            Ok(vec![Attribution {
                content: std::iter::once(0..analysis.text().len()).collect(),
                kind: QuoteKind::Direct,
                cue: None,
                source: None,
                confidence: 1.0,
            }])
        }
    }

    fn docs(n: usize) -> Vec<DocResult> {
        (0..n)
            .map(|i| match i % 10 {
                3 => Ok(Document::new(format!("d{i}"), "it went BOOM")),
                7 => Err(DocError::new(
                    format!("d{i}"),
                    DocErrorKind::Io,
                    "unreadable",
                )),
                _ => Ok(Document::new(format!("d{i}"), format!("text number {i}"))),
            })
            .collect()
    }

    #[test]
    fn outcomes_come_in_input_order_with_panics_contained() {
        let pipeline = Pipeline::new(Box::new(Fragile));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        let opts = BatchOptions {
            chunk_docs: 7,
            chunk_bytes: 1 << 20,
        };
        let mut seen = Vec::new();
        pipeline
            .run(docs(100).into_iter(), &pool, opts, |o| {
                seen.push(o);
                Ok::<_, ()>(())
            })
            .unwrap();
        let ids: Vec<String> = seen.iter().map(|o| o.doc_id.0.clone()).collect();
        let expected: Vec<String> = (0..100).map(|i| format!("d{i}")).collect();
        assert_eq!(ids, expected);
        for (i, o) in seen.iter().enumerate() {
            match i % 10 {
                3 => assert_eq!(
                    o.result.as_ref().unwrap_err().kind,
                    DocErrorKind::Processing
                ),
                7 => assert_eq!(o.result.as_ref().unwrap_err().kind, DocErrorKind::Io),
                _ => assert_eq!(o.result.as_ref().unwrap().len(), 1),
            }
        }
    }

    #[test]
    fn a_failing_sink_stops_the_run_with_its_error() {
        let pipeline = Pipeline::new(Box::new(Fragile));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let mut n = 0;
        let r = pipeline.run(
            docs(1000).into_iter(),
            &pool,
            BatchOptions::default(),
            |_| {
                n += 1;
                if n == 5 {
                    Err("disk full")
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(r, Err("disk full"));
        assert_eq!(n, 5);
    }
}
