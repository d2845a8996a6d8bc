//! Corpus reading: `.txt` files and directories, `.jsonl` / `.jsonl.gz`, and JSONL on stdin.
//!
//! PLACEHOLDER: the reading work replaces this with streaming readers.

use crate::document::Document;
use crate::error::DocError;

/// One item of the input stream: a document, or the reason a document could not be read.
pub type DocResult = Result<Document, DocError>;
