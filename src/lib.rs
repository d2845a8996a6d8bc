//! newsquotes: turns news corpora into datasets of who said what, and where they stand.
//!
//! # Data flow
//!
//! [`reader`] turns corpus files into [`document::Document`]s. The [`pipeline`] passes chunks
//! of them through an ordered list of named stages ([`pipeline::Stage`]), each adding to one
//! [`pipeline::Annotated`] object per document:
//!
//! 1. `text`: normalisation with an exact map back to the original, sentences, tokens
//!    ([`text`]);
//! 2. `attribution`: quotes, cues and source mentions ([`attribution`]: the trained tagger or
//!    the rules);
//! 3. `speakers`: in-document resolution of each mention to a canonical speaker ([`speakers`]);
//! 4. `records`: the contract's records with code-point offsets into the original ([`record`]);
//! 5. `stance` and `claims`: stance toward the user's targets and check-worthiness, batched over
//!    the chunk ([`classify`]).
//!
//! [`writer`] formats the outcomes (JSONL, CSV, Parquet) and [`roster`], the corpus pass over
//! speakers, gives every record its corpus-wide `speaker.key` and gender and writes the speakers
//! table. [`run`] owns a whole run: the
//! output files written through [`atomic`], the document index, resume, reruns
//! ([`run::rerun`]), the summary and the run manifest ([`run::manifest`]). [`report`] and
//! [`stats`] read outputs back; [`eval`] scores outputs and models on annotated data, and
//! [`train`] trains our models, both through the same pipeline.
//!
//! # Layers
//!
//! Imports go one way, from the top of this list to the bottom (`tests/layers.rs` checks it):
//! `stats`; `report`, `train`; `run`, `eval`, `statements`; `writer`, `roster`; `pipeline`; `classify`;
//! `record`; `speakers`; `attribution`; `encoder`, `weights`; `models`; `digest`, `atomic`,
//! `datasets`, `reader`; `error`, `document`, `text`; `span`, `progress`.

#![warn(missing_docs)]

pub mod atomic;
pub mod attribution;
pub mod classify;
pub mod datasets;
pub mod digest;
pub mod document;
pub mod encoder;
pub mod error;
pub mod eval;
pub mod models;
pub mod pipeline;
pub mod progress;
pub mod reader;
pub mod record;
pub mod report;
pub mod roster;
pub mod run;
pub mod span;
pub mod speakers;
pub mod statements;
pub mod stats;
pub mod text;
pub mod train;
pub mod weights;
pub mod writer;

/// The pipeline's version, as written into every record's provenance.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
