//! The transformer encoder (all-MiniLM-L6-v2 through rust-bert's BERT).
//!
//! PLACEHOLDER: the model-loading work replaces this.
