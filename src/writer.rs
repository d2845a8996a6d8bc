//! Output writers (JSONL, CSV) with atomic completion.
//!
//! PLACEHOLDER: the writing work replaces this.
