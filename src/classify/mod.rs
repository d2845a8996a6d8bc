//! Stance and check-worthiness of statements: the classifiers (ours, trained with
//! `newsquotes train stance|claims`, or a user's Hugging Face model), the labelled sets they are
//! trained and scored on, the stance targets, and the pipeline stage that classifies every
//! record's quote.

pub mod classifier;
pub mod datasets;
pub mod hf;
pub mod model;
pub mod net;
pub mod relevance;
pub mod stage;
pub mod statements;
pub mod targets;

/// Stance labels, in the output order of our stance model.
pub const STANCE_LABELS: [&str; 3] = ["favor", "against", "neutral"];

/// Index of the largest value (the first one on ties; 0 for an empty slice).
pub fn argmax(values: &[f32]) -> usize {
    values
        .iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &v)| {
            if v > bv {
                (i, v)
            } else {
                (bi, bv)
            }
        })
        .0
}

/// The most probable of `labels` (scores in the same order) that is also in `allowed`: a set
/// without neutral gold is scored on favor against against only.
pub fn predict_within(probs: &[f32], labels: &[&str], allowed: &[&str]) -> usize {
    let within: Vec<f32> = probs
        .iter()
        .zip(labels)
        .map(|(&p, l)| {
            if allowed.contains(l) {
                p
            } else {
                f32::NEG_INFINITY
            }
        })
        .collect();
    argmax(&within)
}
