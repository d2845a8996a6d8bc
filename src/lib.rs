//! newsquotes: turns news corpora into datasets of who said what, and where they stand.
//!
//! Data flows one way through the stages, each in a module of its own:
//! [`reader`] (corpus files to [`document::Document`]s) -> [`text`] (normalisation with an exact
//! map back to the original, sentences, tokens) -> [`attribution`] (quotes, cues, source mentions)
//! -> [`speakers`] (in-document coreference to canonical speakers) -> [`record`] (the contract's
//! output records) -> [`writer`]. [`pipeline`] runs the stages over many documents in parallel,
//! and [`eval`] scores the output against annotated corpora.

pub mod attribution;
pub mod classify;
pub mod digest;
pub mod document;
pub mod encoder;
pub mod error;
pub mod eval;
pub mod pipeline;
pub mod progress;
pub mod provenance;
pub mod reader;
pub mod record;
pub mod report;
pub mod rerun;
pub mod run;
pub mod span;
pub mod speakers;
pub mod stats;
pub mod summary;
pub mod text;
pub mod train;
pub mod weights;
pub mod writer;

/// The pipeline's version, as written into every record's provenance.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
