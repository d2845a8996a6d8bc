//! Stance of statements toward the user's targets.
//!
//! The classifier sees what carries a stance: the speaker and cue before the quote ("Sergei
//! Ryabkov insisted: ..."), with the target and its aliases as the other segment
//! ([`statement`]). Targets that a statement's article, or the quote's own paragraph, never
//! names are not asked about ([`super::relevance`]): they are "neutral" without the model.

use super::classifier::Classifier;
use super::relevance::{Concern, TargetGate, GATED_SCORE};
use super::scoring::{dedupe, round4, score_unique};
use super::targets::Target;
use crate::error::Result;
use crate::models::{ModelInfo, Task};
use crate::record::{Basis, Record, Stance};

/// The stance model with the targets it is asked about.
pub struct StanceClassifier {
    /// The model.
    pub classifier: Classifier,
    /// The targets, in the targets file's order (every record gets one stance per target).
    pub targets: Vec<Target>,
    /// Answers "neutral" without the model for targets a document, or a quote's paragraph,
    /// never names; `None` asks the model about every target.
    pub gate: Option<TargetGate>,
}

/// The statement a record's stance is judged on: speaker and cue, then the quote.
pub fn statement(r: &Record) -> String {
    let speaker = r
        .speaker
        .name
        .as_deref()
        .or(r.speaker.mention.as_ref().map(|m| m.text.as_str()));
    match (speaker, r.cue.as_ref()) {
        (Some(s), Some(c)) => format!("{s} {}: {}", c.text, r.quote.text),
        (Some(s), None) => format!("{s}: {}", r.quote.text),
        _ => r.quote.text.clone(),
    }
}

impl StanceClassifier {
    /// The model, as provenance and the manifest name it.
    pub fn info(&self) -> &ModelInfo {
        self.classifier.info()
    }

    /// Stance toward every target of each of `statements`. `concerns`, one per statement,
    /// names the targets its document and passage concern; the others are "neutral" without
    /// the model, scored by how they were ruled out ([`Concern::gated_score`]).
    pub fn classify(
        &self,
        statements: &[String],
        concerns: Option<&[Concern]>,
        pool: &rayon::ThreadPool,
    ) -> Result<Vec<Vec<Stance>>> {
        let texts: Vec<String> = self.targets.iter().map(Target::classifier_text).collect();
        let everything = Concern::all(self.targets.len());
        // Per (statement, target), the pair asked of the model; `None` where the gate answers.
        let mut pairs = Vec::new();
        let mut asked = Vec::with_capacity(statements.len() * self.targets.len());
        for (k, s) in statements.iter().enumerate() {
            let concern = concerns.and_then(|c| c.get(k)).unwrap_or(&everything);
            for (t, text) in texts.iter().enumerate() {
                asked.push(concern.concerns(t).then(|| {
                    pairs.push((Some(text.clone()), s.clone()));
                    pairs.len() - 1
                }));
            }
        }
        let (unique, index) = dedupe(pairs.into_iter());
        let scores = score_unique(&self.classifier, &unique, pool)?;
        let labels = Task::Stance.labels();
        let mut asked = asked.into_iter();
        Ok((0..statements.len())
            .map(|k| {
                let concern = concerns.and_then(|c| c.get(k)).unwrap_or(&everything);
                self.targets
                    .iter()
                    .enumerate()
                    .zip(asked.by_ref())
                    .map(|((t, target), pair)| {
                        let (label, score, basis) = match pair {
                            Some(p) => {
                                let probs = &scores[index[p]];
                                let best = super::argmax(probs);
                                let score = probs.get(best).copied().unwrap_or(0.0);
                                (labels[best], score, Basis::Model)
                            }
                            None => (
                                "neutral",
                                concern.gated_score(t).unwrap_or(GATED_SCORE),
                                Basis::TargetNotMentioned,
                            ),
                        };
                        Stance {
                            target: target.name.clone(),
                            label: label.to_string(),
                            score: round4(score),
                            basis,
                        }
                    })
                    .collect()
            })
            .collect())
    }
}
