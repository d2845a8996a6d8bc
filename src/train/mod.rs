//! Training of the models newsquotes ships (`newsquotes train ...`).
//!
//! Training runs in Rust on libtorch through rust-bert, from the base model `scripts/setup`
//! installs, so a user can retrain or adapt a model with nothing but this binary.

pub mod attribution;
pub mod classifier;
pub mod examples;
