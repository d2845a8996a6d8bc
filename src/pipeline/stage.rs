//! The [`Stage`] trait: one named step of the pipeline, which annotates a chunk of documents at
//! a time. Stages that work document by document use [`each_document`], which runs them in
//! parallel and turns a failure or a panic into an error for that document only; stages that
//! batch across documents (the classifiers) work on the whole chunk at once.

use super::annotated::Annotated;
use crate::error::{DocError, DocErrorKind};
use crate::models::ModelInfo;
use crate::record::Provenance;
use rayon::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What a stage reads, which decides the documents it is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Works {
    /// The document's text and what earlier text stages found: run on documents being
    /// extracted, never on documents whose records were reused.
    OnText,
    /// The records: run on every extracted document, and on reused documents when the
    /// pipeline classifies their records again.
    OnRecords,
}

/// What every stage may use besides the documents.
pub struct StageContext<'p> {
    /// The worker threads.
    pub pool: &'p rayon::ThreadPool,
    /// Stage name to model id, as every record's provenance carries it.
    pub provenance: &'p Provenance,
    /// Called once per document when its attribution is done (the bulk of a document's work),
    /// so that a progress display moves document by document rather than chunk by chunk.
    pub attributed: Option<&'p (dyn Fn() + Sync)>,
}

/// One step of the pipeline.
pub trait Stage: Send + Sync {
    /// The stage's name: its key in provenance and in the run manifest's models.
    fn name(&self) -> &'static str;

    /// The model the stage runs, if any; a stage with a model is named in every record's
    /// provenance, and a new model makes a rerun redo the stage.
    fn model(&self) -> Option<ModelInfo> {
        None
    }

    /// What the stage reads.
    fn works_on(&self) -> Works;

    /// Annotates `docs` (none of them failed yet). A failure that concerns one document is
    /// recorded on it ([`Annotated::error`]); the stage goes on with the others.
    fn process(&self, docs: &mut [&mut Annotated], cx: &StageContext);
}

/// Runs `f` on every document of `docs` in parallel on `pool`. An error, or a panic inside `f`,
/// fails that document only (a panic as a `processing` error that says so).
pub fn each_document<F>(docs: &mut [&mut Annotated], pool: &rayon::ThreadPool, f: F)
where
    F: Fn(&mut Annotated) -> Result<(), DocError> + Sync,
{
    pool.install(|| {
        docs.par_iter_mut().for_each(|doc| {
            // Stages share no mutable state across documents, so nothing observable is left
            // half-updated by an unwinding panic.
            match catch_unwind(AssertUnwindSafe(|| f(doc))) {
                Ok(Ok(())) => {}
                Ok(Err(e)) => doc.error = Some(e),
                Err(payload) => {
                    let what = payload
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".to_string());
                    doc.fail(
                        DocErrorKind::Processing,
                        format!("internal error while processing: {what}"),
                    );
                }
            }
        })
    });
}
