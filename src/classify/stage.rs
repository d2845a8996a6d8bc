//! The classification stage: stance toward every target and check-worthiness for every record
//! of a chunk of documents at once.
//!
//! Working on a whole chunk (not one document) lets inputs from many documents share batches:
//! the chunk's inputs are deduplicated (the same quote and target are scored once), sorted by
//! length so that batches carry almost no padding, and the batches are spread over the rayon
//! pool. The classifier sees what carries a stance: the speaker and cue before the quote
//! ("Sergei Ryabkov insisted: ..."), with the target and its aliases as the other segment.
//! Targets that a record's article never names are not asked about ([`super::relevance`]).
//!
//! Scores are rounded to four decimals: the float noise of different batch shapes stays below
//! that, so output does not depend on how documents were grouped.

use super::classifier::{Classifier, Task};
use super::relevance::{Concern, TargetGate, GATED_SCORE};
use super::targets::Target;
use crate::error::Result;
use crate::provenance::ModelInfo;
use crate::record::{Claim, Record, Stance};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// Inputs per pool task: several batches, so a task amortises borrowing a network.
const BATCHES_PER_TASK: usize = 4;

/// Per statement: its check-worthiness (when a claims model runs) and its stance toward every
/// target (empty without targets).
pub type Classified = (Vec<Option<Claim>>, Vec<Vec<Stance>>);

/// The configured classifiers.
pub struct Classification {
    /// The stance model and the targets, when `--targets` was given.
    pub stance: Option<(Classifier, Vec<Target>)>,
    /// The check-worthiness model, when one is in use.
    pub claims: Option<Classifier>,
    /// Answers "neutral" without the model for targets a document never names (see
    /// [`super::relevance`]); `None` asks the model about every target.
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

fn round4(p: f32) -> f32 {
    (p * 10_000.0).round() / 10_000.0
}

/// Scores `inputs` (target, statement) with `classifier`: sorted by length,
/// in parallel on `pool`.
pub fn score_unique(
    classifier: &Classifier,
    inputs: &[(Option<String>, String)],
    pool: &rayon::ThreadPool,
) -> Result<Vec<Vec<f32>>> {
    let encoded = pool.install(|| {
        inputs
            .par_iter()
            .map(|(t, s)| classifier.encode(t.as_deref(), s))
            .collect::<Result<Vec<_>>>()
    })?;
    let mut order: Vec<usize> = (0..encoded.len()).collect();
    order.sort_by_key(|&i| (encoded[i].ids.len(), i));
    let task = 8 * BATCHES_PER_TASK;
    let parts: Vec<Vec<Vec<f32>>> = pool.install(|| {
        order
            .par_chunks(task)
            .map(|chunk| {
                let batch: Vec<_> = chunk.iter().map(|&i| &encoded[i]).collect();
                classifier.score(&batch)
            })
            .collect::<Result<Vec<_>>>()
    })?;
    let mut out = vec![Vec::new(); encoded.len()];
    for (chunk, scores) in order.chunks(task).zip(parts) {
        for (&i, s) in chunk.iter().zip(scores) {
            out[i] = s;
        }
    }
    Ok(out)
}

impl Classification {
    /// True when nothing is classified.
    pub fn is_empty(&self) -> bool {
        self.stance.is_none() && self.claims.is_none()
    }

    /// Stage name to model, for provenance and the manifest.
    pub fn models(&self) -> BTreeMap<String, ModelInfo> {
        let mut m = BTreeMap::new();
        if let Some((c, _)) = &self.stance {
            m.insert(Task::Stance.stage().to_string(), c.info().clone());
        }
        if let Some(c) = &self.claims {
            m.insert(Task::Claims.stage().to_string(), c.info().clone());
        }
        m
    }

    /// Which targets `document` concerns, when the gate is in use (it is only built with a
    /// stance model).
    pub fn concern(&self, document: &str) -> Option<Concern> {
        self.gate.as_ref().map(|g| g.concern(document))
    }

    /// Check-worthiness of each of `claim_texts` and stance toward every target of each of
    /// `stance_texts` (empty when that model is not in use). `concerns`, one per stance text,
    /// names the targets its document concerns; the others are "neutral" without the model.
    pub fn classify(
        &self,
        claim_texts: &[String],
        stance_texts: &[String],
        concerns: Option<&[Concern]>,
        pool: &rayon::ThreadPool,
    ) -> Result<Classified> {
        let mut claims = vec![None; claim_texts.len()];
        if let Some(model) = &self.claims {
            let (unique, index) = dedupe(claim_texts.iter().map(|t| (None, t.clone())));
            let scores = score_unique(model, &unique, pool)?;
            for (claim, &u) in claims.iter_mut().zip(&index) {
                let p = scores[u].get(1).copied().unwrap_or(0.0);
                *claim = Some(Claim {
                    checkworthy: p >= 0.5,
                    score: round4(p),
                });
            }
        }
        let mut stances = vec![Vec::new(); stance_texts.len()];
        if let Some((model, targets)) = &self.stance {
            let texts: Vec<String> = targets.iter().map(Target::classifier_text).collect();
            let everything = Concern::all(targets.len());
            // Per (statement, target), the pair asked of the model; `None` where the gate
            // answers.
            let mut pairs = Vec::new();
            let mut asked = Vec::with_capacity(stance_texts.len() * targets.len());
            for (k, s) in stance_texts.iter().enumerate() {
                let concern = concerns.and_then(|c| c.get(k)).unwrap_or(&everything);
                for (t, text) in texts.iter().enumerate() {
                    asked.push(concern.concerns(t).then(|| {
                        pairs.push((Some(text.clone()), s.clone()));
                        pairs.len() - 1
                    }));
                }
            }
            let (unique, index) = dedupe(pairs.into_iter());
            let scores = score_unique(model, &unique, pool)?;
            let labels = Task::Stance.labels();
            let mut asked = asked.into_iter();
            for stance in stances.iter_mut() {
                *stance = targets
                    .iter()
                    .zip(asked.by_ref())
                    .map(|(target, pair)| {
                        let (label, score) = match pair {
                            Some(p) => {
                                let probs = &scores[index[p]];
                                let best = super::argmax(probs);
                                (labels[best], probs.get(best).copied().unwrap_or(0.0))
                            }
                            None => ("neutral", GATED_SCORE),
                        };
                        Stance {
                            target: target.name.clone(),
                            label: label.to_string(),
                            score: round4(score),
                        }
                    })
                    .collect();
            }
        }
        Ok((claims, stances))
    }

    /// Sets `stance`, `claim` and their provenance on every record (replacing what they held).
    /// Check-worthiness is judged on the quote alone, stance on [`statement`]; `concerns`, one
    /// per record, names the targets its document concerns.
    pub fn apply(
        &self,
        records: &mut [&mut Record],
        concerns: Option<&[Concern]>,
        pool: &rayon::ThreadPool,
    ) -> Result<()> {
        let quotes: Vec<String> = records.iter().map(|r| r.quote.text.clone()).collect();
        let statements: Vec<String> = records.iter().map(|r| statement(r)).collect();
        let (claims, stances) = self.classify(&quotes, &statements, concerns, pool)?;
        let models = self.models();
        for ((r, claim), stance) in records.iter_mut().zip(claims).zip(stances) {
            r.claim = claim;
            r.stance = stance;
            for task in [Task::Stance, Task::Claims] {
                match models.get(task.stage()) {
                    Some(m) => {
                        r.provenance
                            .models
                            .insert(task.stage().into(), m.id.clone());
                    }
                    None => {
                        r.provenance.models.remove(task.stage());
                    }
                }
            }
        }
        Ok(())
    }
}

/// Unique inputs, and for every input the index of its unique copy.
fn dedupe(
    inputs: impl Iterator<Item = (Option<String>, String)>,
) -> (Vec<(Option<String>, String)>, Vec<usize>) {
    let mut seen: HashMap<(Option<String>, String), usize> = HashMap::new();
    let mut unique = Vec::new();
    let index = inputs
        .map(|input| {
            *seen.entry(input.clone()).or_insert_with(|| {
                unique.push(input);
                unique.len() - 1
            })
        })
        .collect();
    (unique, index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_scored_once() {
        let inputs = [
            (None, "a".to_string()),
            (None, "b".to_string()),
            (None, "a".to_string()),
        ];
        let (unique, index) = dedupe(inputs.into_iter());
        assert_eq!(unique.len(), 2);
        assert_eq!(index, [0, 1, 0]);
    }

    #[test]
    fn rounding_keeps_four_decimals() {
        assert_eq!(round4(0.123_456), 0.1235);
    }
}
