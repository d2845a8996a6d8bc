//! Scoring many statements at once: the inputs of a whole chunk of documents are deduplicated
//! (the same quote and target are scored once), sorted by length so that batches carry almost
//! no padding, and the batches are spread over the rayon pool. Stance ([`super::stance`]) and
//! check-worthiness ([`super::claims`]) both score through here.
//!
//! Scores are rounded to four decimals: the float noise of different batch shapes stays below
//! that, so output does not depend on how documents were grouped.

use super::classifier::Classifier;
use crate::error::Result;
use rayon::prelude::*;
use std::collections::HashMap;

/// Inputs per pool task: several batches, so a task amortises borrowing a network.
const BATCHES_PER_TASK: usize = 4;

/// A probability rounded to four decimals, as records carry it.
pub fn round4(p: f32) -> f32 {
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

/// Unique inputs, and for every input the index of its unique copy.
pub fn dedupe(
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
