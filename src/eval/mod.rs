//! Evaluation against PolNeAR-style brat annotations.
//!
//! PLACEHOLDER: the evaluation work replaces this.
