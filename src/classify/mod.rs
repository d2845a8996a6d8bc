//! Stance and check-worthiness of statements: the classifiers (ours, trained with
//! `newsquotes train stance|claims`, or a user's Hugging Face model), the stance targets, the
//! target gate, and the classification of a batch of records' quotes. The labelled sets they are
//! trained and scored on live in [`crate::datasets`]; the `classify` command in
//! [`crate::statements`].

pub mod calibration;
pub mod claims;
pub mod classifier;
pub mod hf;
pub mod net;
pub mod relevance;
pub mod scoring;
pub mod stance;
pub mod targets;
pub mod trained;

/// The classifiers a run uses: stance (with `--targets`) and check-worthiness (unless
/// `--no-claims`). The pipeline runs each as a stage; `newsquotes classify` runs them over
/// free-standing statements.
#[derive(Default)]
pub struct Classifiers {
    /// The stance model and its targets.
    pub stance: Option<stance::StanceClassifier>,
    /// The check-worthiness model.
    pub claims: Option<claims::ClaimsClassifier>,
}

impl Classifiers {
    /// True when nothing is classified.
    pub fn is_empty(&self) -> bool {
        self.stance.is_none() && self.claims.is_none()
    }
}

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
