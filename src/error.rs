//! Errors of the library. A [`DocError`] concerns one document and becomes an error line in the
//! output; the run goes on. Everything else is an [`Error`] that stops the run.

use crate::span::DocId;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Why one document could not be processed. Serialised into the error line's `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocErrorKind {
    /// The bytes are not valid UTF-8.
    InvalidUtf8,
    /// A JSONL line is not valid JSON, or not a JSON object.
    InvalidJson,
    /// A JSONL object lacks a usable `id` or `text` field.
    MissingField,
    /// The text is empty or only whitespace.
    Empty,
    /// The text exceeds the configured size limit.
    TooLarge,
    /// The file or stream could not be read.
    Io,
    /// A stage failed on this document (a bug or a model failure); the run goes on.
    Processing,
}

impl DocErrorKind {
    /// The name used in error lines and run summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            DocErrorKind::InvalidUtf8 => "invalid_utf8",
            DocErrorKind::InvalidJson => "invalid_json",
            DocErrorKind::MissingField => "missing_field",
            DocErrorKind::Empty => "empty",
            DocErrorKind::TooLarge => "too_large",
            DocErrorKind::Io => "io",
            DocErrorKind::Processing => "processing",
        }
    }
}

/// A document-level failure: reported as one error line, never stops the run.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{doc_id}: {kind:?}: {message}")]
pub struct DocError {
    /// The document's id, or a synthetic one (`file:line`) when the id itself is unreadable.
    pub doc_id: DocId,
    /// What went wrong.
    pub kind: DocErrorKind,
    /// A human-readable explanation.
    pub message: String,
}

impl DocError {
    /// Builds a document error.
    pub fn new(doc_id: impl Into<String>, kind: DocErrorKind, message: impl Into<String>) -> Self {
        DocError {
            doc_id: DocId(doc_id.into()),
            kind,
            message: message.into(),
        }
    }
}

/// A failure that stops the whole run (unreadable output path, missing model, bad options).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input or output path could not be used.
    #[error("{path}: {source}")]
    Path {
        /// The offending path.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// Other I/O failure (e.g. writing the output).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// JSON (de)serialisation failure outside a single document.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// CSV writing failure.
    #[error(transparent)]
    Csv(#[from] csv::Error),
    /// Parquet writing or reading failure.
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// Arrow array construction failure.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    /// A model could not be loaded or run.
    #[error("model: {0}")]
    Model(String),
    /// Invalid input for a whole-run operation (bad gold folder, bad options).
    #[error("{0}")]
    Invalid(String),
}

/// Result alias for run-level operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
