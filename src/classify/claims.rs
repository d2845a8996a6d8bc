//! Check-worthiness of statements: whether a quote is a factual claim worth checking, judged on
//! the quote alone.

use super::classifier::Classifier;
use super::scoring::{dedupe, round4, score_unique};
use crate::error::Result;
use crate::models::ModelInfo;
use crate::record::Claim;

/// The check-worthiness model.
pub struct ClaimsClassifier {
    /// The model.
    pub classifier: Classifier,
}

impl ClaimsClassifier {
    /// The model, as provenance and the manifest name it.
    pub fn info(&self) -> &ModelInfo {
        self.classifier.info()
    }

    /// Check-worthiness of each of `statements`.
    pub fn classify(&self, statements: &[String], pool: &rayon::ThreadPool) -> Result<Vec<Claim>> {
        let (unique, index) = dedupe(statements.iter().map(|t| (None, t.clone())));
        let scores = score_unique(&self.classifier, &unique, pool)?;
        // The model's own threshold (its manifest), chosen on a mix of development sets.
        let at = self.classifier.threshold();
        Ok(index
            .iter()
            .map(|&u| {
                let p = scores[u].get(1).copied().unwrap_or(0.0);
                Claim {
                    checkworthy: p >= at,
                    score: round4(p),
                }
            })
            .collect())
    }
}
