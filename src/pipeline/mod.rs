//! The pipeline: an ordered list of named [`Stage`]s built from the run configuration, run
//! over a stream of documents.
//!
//! Every document travels as one [`Annotated`] object that each stage adds to: the text stage
//! its analysis, attribution its quotes, speakers their speakers, the records stage the
//! contract's records, stance and check-worthiness their labels ([`stages`]). Like spaCy's
//! named components, a stage declares its name and model, so provenance and the run manifest
//! are derived from the list, not written by hand.
//!
//! [`Pipeline::run`] is a three-stage pipeline so that reading, processing and writing overlap:
//! a reader thread cuts the input into chunks (bounded by document count and by text bytes), the
//! calling thread passes each chunk through the stages on the rayon pool, and a writer thread
//! hands the outcomes to the sink in input order. The channels between them hold at most two
//! chunks each, so memory is bounded whatever the size of the input. Working on a whole chunk
//! lets the classifiers batch across documents.

pub mod annotated;
pub mod stage;
pub mod stages;

pub use annotated::{Annotated, FoundQuote};
pub use stage::{Stage, StageContext, Works};

use crate::attribution::Extractor;
use crate::document::Document;
use crate::error::DocError;
use crate::models::{ModelInfo, Task};
use crate::reader::DocResult;
use crate::record::{Provenance, Record};
use crate::span::DocId;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::mpsc::sync_channel;

/// The configured stages, in order.
pub struct Pipeline<'a> {
    stages: Vec<Box<dyn Stage + 'a>>,
    provenance: Provenance,
    reuse: Option<Box<dyn Reuse + 'a>>,
    reclassify_reused: bool,
    /// Called per document when its attribution is done ([`Pipeline::with_progress`]).
    progress: Option<Box<dyn Fn() + Send + Sync + 'a>>,
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
}

impl DocOutcome {
    fn of(doc: Annotated) -> Self {
        DocOutcome {
            doc_id: doc.doc.id.clone(),
            words: doc.doc.text.split_whitespace().count() as u64,
            doc_sha256: Some(doc.sha256),
            reused: doc.reused,
            result: match doc.error {
                Some(e) => Err(e),
                None => Ok(doc.records),
            },
        }
    }

    fn unread(e: DocError) -> Self {
        DocOutcome {
            doc_id: e.doc_id.clone(),
            result: Err(e),
            words: 0,
            doc_sha256: None,
            reused: false,
        }
    }
}

/// How [`Pipeline::run`] cuts the input into chunks.
#[derive(Debug, Clone, Copy)]
pub struct BatchOptions {
    /// At most this many documents per chunk.
    pub chunk_docs: usize,
    /// A chunk is closed once its texts reach this many bytes.
    pub chunk_bytes: usize,
    /// For inputs that can stall (stdin): a chunk is also closed once its first document has
    /// waited this long for more, so that a slow producer's documents come out as soon as they
    /// are done instead of after `chunk_docs` documents. `None` (files): chunks are cut by count
    /// and bytes only, so their boundaries never depend on timing.
    pub max_wait: Option<std::time::Duration>,
}

impl Default for BatchOptions {
    /// Chunks large enough to keep the workers busy, small enough to bound memory.
    fn default() -> Self {
        BatchOptions {
            // Independent of `threads`: the classification stages batch across a chunk's
            // documents, and output must not depend on the thread count.
            chunk_docs: 256,
            chunk_bytes: 16 << 20,
            max_wait: None,
        }
    }
}

/// Number of chunks each channel between the stages may hold.
const QUEUE_CHUNKS: usize = 2;

impl<'a> Pipeline<'a> {
    /// A pipeline of `stages`, run in order.
    pub fn new(stages: Vec<Box<dyn Stage + 'a>>) -> Self {
        let mut pipeline = Pipeline {
            stages: Vec::new(),
            provenance: Provenance {
                pipeline: crate::VERSION.to_string(),
                models: BTreeMap::new(),
            },
            reuse: None,
            reclassify_reused: false,
            progress: None,
        };
        for stage in stages {
            pipeline = pipeline.with_stage(stage);
        }
        pipeline
    }

    /// The extraction stages around `extractor`: text, attribution, speakers, records.
    pub fn extraction(extractor: Box<dyn Extractor + 'a>) -> Self {
        Pipeline::new(vec![
            Box::new(stages::TextStage),
            Box::new(stages::AttributionStage::new(extractor)),
            Box::new(stages::SpeakersStage),
            Box::new(stages::RecordsStage),
        ])
    }

    /// Adds `stage` at the end.
    pub fn with_stage(mut self, stage: Box<dyn Stage + 'a>) -> Self {
        if let Some(model) = stage.model() {
            self.provenance
                .models
                .insert(stage.name().to_string(), model.id);
        }
        self.stages.push(stage);
        self
    }

    /// The stage names, in order.
    pub fn stage_names(&self) -> Vec<&'static str> {
        self.stages.iter().map(|s| s.name()).collect()
    }

    /// Stage name to model, for the run manifest.
    pub fn models(&self) -> BTreeMap<String, ModelInfo> {
        self.stages
            .iter()
            .filter_map(|s| s.model().map(|m| (s.name().to_string(), m)))
            .collect()
    }

    /// Takes records over from `reuse` for the documents it knows, instead of extracting them;
    /// with `reclassify`, the stages that work on records run on them again (the
    /// classification models or targets changed), else they are kept as they were.
    pub fn with_reuse(mut self, reuse: Box<dyn Reuse + 'a>, reclassify: bool) -> Self {
        self.reuse = Some(reuse);
        self.reclassify_reused = reclassify;
        self
    }

    /// Calls `tick` once per document as soon as its attribution is done (see
    /// [`StageContext::attributed`]), for a progress display.
    pub fn with_progress(mut self, tick: Box<dyn Fn() + Send + Sync + 'a>) -> Self {
        self.progress = Some(tick);
        self
    }

    /// Stage name to model id, as written into every record's provenance.
    pub fn provenance(&self) -> &Provenance {
        &self.provenance
    }

    /// A read document, with its records taken over when [`Reuse`] knows it.
    fn start(&self, doc: Document) -> Annotated {
        let mut annotated = Annotated::new(doc);
        if let Some(found) = self
            .reuse
            .as_ref()
            .and_then(|r| r.lookup(&annotated.doc.id, &annotated.sha256))
        {
            annotated.reused = true;
            match found {
                Ok(records) => annotated.records = records,
                Err(e) => annotated.error = Some(e),
            }
        }
        if annotated.reused && self.reclassify_reused {
            // Their classification is redone from scratch: a stage that no longer runs leaves
            // nothing behind.
            for r in &mut annotated.records {
                r.stance.clear();
                r.claim = None;
                for task in [Task::Stance, Task::Claims] {
                    r.provenance.models.remove(task.stage());
                }
            }
        }
        annotated
    }

    /// Passes a chunk of documents through every stage, each stage seeing the documents it
    /// works on that have not failed.
    fn process_chunk(&self, docs: &mut [Annotated], pool: &rayon::ThreadPool) {
        let cx = StageContext {
            pool,
            provenance: &self.provenance,
            attributed: self.progress.as_deref().map(|f| f as &(dyn Fn() + Sync)),
        };
        for stage in &self.stages {
            let works = stage.works_on();
            let mut mine: Vec<&mut Annotated> = docs
                .iter_mut()
                .filter(|d| {
                    d.error.is_none()
                        && (!d.reused || (works == Works::OnRecords && self.reclassify_reused))
                })
                .collect();
            if !mine.is_empty() {
                stage.process(&mut mine, &cx);
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
            match opts.max_wait {
                None => {
                    scope.spawn(move || cut_chunks(docs, opts, &doc_tx));
                }
                Some(wait) => {
                    // One thread reads (and may block on a slow producer), the other cuts
                    // chunks with a deadline.
                    let (item_tx, item_rx) = sync_channel::<DocResult>(opts.chunk_docs.max(1));
                    scope.spawn(move || {
                        for item in docs {
                            if item_tx.send(item).is_err() {
                                return;
                            }
                        }
                    });
                    scope.spawn(move || cut_chunks_with_deadline(&item_rx, opts, wait, &doc_tx));
                }
            }
            let writer = scope.spawn(move || {
                for chunk in out_rx {
                    for outcome in chunk {
                        sink(outcome)?;
                    }
                }
                Ok(())
            });
            for chunk in doc_rx {
                let outcomes = self.chunk_outcomes(chunk, pool);
                if out_tx.send(outcomes).is_err() {
                    break;
                }
            }
            drop(out_tx);
            writer.join().expect("writer thread does not panic")
        })
    }

    /// The outcomes of one chunk, in input order.
    fn chunk_outcomes(&self, chunk: Vec<DocResult>, pool: &rayon::ThreadPool) -> Vec<DocOutcome> {
        let started: Vec<Result<Annotated, DocError>> = pool.install(|| {
            chunk
                .into_par_iter()
                .map(|item| item.map(|doc| self.start(doc)))
                .collect()
        });
        let mut slots: Vec<Option<DocError>> = Vec::with_capacity(started.len());
        let mut docs: Vec<Annotated> = Vec::new();
        for item in started {
            match item {
                Ok(doc) => {
                    docs.push(doc);
                    slots.push(None);
                }
                Err(e) => slots.push(Some(e)),
            }
        }
        self.process_chunk(&mut docs, pool);
        let mut done = docs.into_iter().map(DocOutcome::of);
        slots
            .into_iter()
            .map(|slot| match slot {
                None => done.next().expect("one outcome per read document"),
                Some(e) => DocOutcome::unread(e),
            })
            .collect()
    }
}

/// Cuts `docs` into chunks by count and bytes and sends them on.
fn cut_chunks(
    docs: impl Iterator<Item = DocResult>,
    opts: BatchOptions,
    tx: &std::sync::mpsc::SyncSender<Vec<DocResult>>,
) {
    let mut chunk = Vec::new();
    let mut bytes = 0;
    for item in docs {
        bytes += item.as_ref().map(|d| d.text.len()).unwrap_or(0);
        chunk.push(item);
        if chunk.len() >= opts.chunk_docs || bytes >= opts.chunk_bytes {
            bytes = 0;
            if tx.send(std::mem::take(&mut chunk)).is_err() {
                return; // the writer stopped: no point reading on
            }
        }
    }
    if !chunk.is_empty() {
        let _ = tx.send(chunk);
    }
}

/// Like [`cut_chunks`], but a chunk is also sent once its first document has waited `wait`.
fn cut_chunks_with_deadline(
    items: &std::sync::mpsc::Receiver<DocResult>,
    opts: BatchOptions,
    wait: std::time::Duration,
    tx: &std::sync::mpsc::SyncSender<Vec<DocResult>>,
) {
    use std::sync::mpsc::RecvTimeoutError;
    use std::time::Instant;
    let mut chunk = Vec::new();
    let mut bytes = 0;
    let mut deadline = Instant::now();
    loop {
        let item = if chunk.is_empty() {
            match items.recv() {
                Ok(item) => {
                    deadline = Instant::now() + wait;
                    item
                }
                Err(_) => break,
            }
        } else {
            match items.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(item) => item,
                Err(RecvTimeoutError::Timeout) => {
                    bytes = 0;
                    if tx.send(std::mem::take(&mut chunk)).is_err() {
                        return;
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        };
        bytes += item.as_ref().map(|d| d.text.len()).unwrap_or(0);
        chunk.push(item);
        if chunk.len() >= opts.chunk_docs || bytes >= opts.chunk_bytes {
            bytes = 0;
            if tx.send(std::mem::take(&mut chunk)).is_err() {
                return;
            }
        }
    }
    if !chunk.is_empty() {
        let _ = tx.send(chunk);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::{Attribution, QuoteKind};
    use crate::error::DocErrorKind;
    use crate::text::Analysis;

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
        let pipeline = Pipeline::extraction(Box::new(Fragile));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        let opts = BatchOptions {
            chunk_docs: 7,
            chunk_bytes: 1 << 20,
            max_wait: None,
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
        let pipeline = Pipeline::extraction(Box::new(Fragile));
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

    #[test]
    fn a_stalling_producer_gets_each_outcome_before_the_next_document_arrives() {
        let pipeline = Pipeline::extraction(Box::new(Fragile));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let opts = BatchOptions {
            max_wait: Some(std::time::Duration::from_millis(20)),
            ..BatchOptions::default()
        };
        let (tx, rx) = std::sync::mpsc::channel::<usize>();
        let produced = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = std::sync::Arc::clone(&produced);
        // A producer that waits until the previous document has come out before it makes the
        // next: with chunks of 256 documents this would never end.
        let docs = (0..5).map(move |i| {
            if i > 0 {
                rx.recv_timeout(std::time::Duration::from_secs(20))
                    .expect("the previous document came out");
            }
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(Document::new(format!("d{i}"), format!("text {i}")))
        });
        let mut seen = 0;
        pipeline
            .run(docs, &pool, opts, |o| {
                assert_eq!(o.doc_id.0, format!("d{seen}"));
                seen += 1;
                let _ = tx.send(seen);
                Ok::<_, ()>(())
            })
            .unwrap();
        assert_eq!(seen, 5);
        assert_eq!(produced.load(std::sync::atomic::Ordering::SeqCst), 5);
    }
}
