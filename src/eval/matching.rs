//! Contents as sets of character positions, and one-to-one matching between gold and predicted
//! contents.

pub use crate::attribution::kind::{is_quote_mark, QUOTE_MARKS};
use crate::span::Span;
use std::ops::Range;

/// True for characters trimmed off both ends of every content span before comparison: whitespace,
/// punctuation and quote marks (so `"Yes," he said` and `Yes` compare equal).
pub fn is_trimmed(c: char) -> bool {
    c.is_whitespace()
        || c.is_ascii_punctuation()
        || is_quote_mark(c)
        || matches!(c, '…' | '—' | '–' | '‐' | '‑' | '•' | '·' | '¿' | '¡')
}

/// A set of code-point positions, stored as sorted, disjoint, non-adjacent ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CharSet {
    ranges: Vec<Range<usize>>,
}

impl CharSet {
    /// The positions covered by `spans` (in any order, possibly overlapping).
    pub fn from_spans(spans: &[Span]) -> Self {
        Self::from_ranges(spans.iter().map(|s| s.start..s.end).collect())
    }

    /// The positions of `spans` after trimming [`is_trimmed`] characters off each span's ends.
    /// `chars` is the document text as code points; spans past its end are clipped.
    pub fn trimmed(chars: &[char], spans: &[Span]) -> Self {
        let ranges = spans
            .iter()
            .map(|s| {
                let (mut start, mut end) = (s.start.min(chars.len()), s.end.min(chars.len()));
                while start < end && is_trimmed(chars[start]) {
                    start += 1;
                }
                while end > start && is_trimmed(chars[end - 1]) {
                    end -= 1;
                }
                start..end
            })
            .collect();
        Self::from_ranges(ranges)
    }

    fn from_ranges(mut ranges: Vec<Range<usize>>) -> Self {
        ranges.retain(|r| r.start < r.end);
        ranges.sort_by_key(|r| (r.start, r.end));
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        CharSet { ranges: merged }
    }

    /// Number of positions.
    pub fn len(&self) -> usize {
        self.ranges.iter().map(|r| r.end - r.start).sum()
    }

    /// True when no position is covered.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Number of positions in both sets.
    pub fn intersection_len(&self, other: &CharSet) -> usize {
        let (mut i, mut j, mut n) = (0, 0, 0);
        while i < self.ranges.len() && j < other.ranges.len() {
            let (a, b) = (&self.ranges[i], &other.ranges[j]);
            let (lo, hi) = (a.start.max(b.start), a.end.min(b.end));
            n += hi.saturating_sub(lo);
            if a.end <= b.end {
                i += 1;
            } else {
                j += 1;
            }
        }
        n
    }

    /// Jaccard index |A∩B| / |A∪B|; 0 when both are empty (an empty content matches nothing).
    pub fn jaccard(&self, other: &CharSet) -> f64 {
        let inter = self.intersection_len(other);
        let union = self.len() + other.len() - inter;
        if union == 0 {
            0.0
        } else {
            inter as f64 / union as f64
        }
    }
}

/// True when two span lists share at least one position.
pub fn overlaps(a: &[Span], b: &[Span]) -> bool {
    CharSet::from_spans(a).intersection_len(&CharSet::from_spans(b)) > 0
}

/// A matched pair of a gold and a predicted content (indices into the inputs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    /// Index of the gold content.
    pub gold: usize,
    /// Index of the predicted content.
    pub pred: usize,
    /// The pair's Jaccard index.
    pub score: f64,
}

/// One-to-one matching of gold and predicted contents with Jaccard >= `min_jaccard`: greedy by
/// best score (ties broken by gold then predicted index, so results are deterministic). Greedy is
/// not an optimal assignment in general; it is when overlapping candidates are rare, as with
/// news attributions, whose contents seldom overlap.
pub fn match_contents(gold: &[CharSet], pred: &[CharSet], min_jaccard: f64) -> Vec<Match> {
    let mut candidates = Vec::new();
    for (g, gs) in gold.iter().enumerate() {
        for (p, ps) in pred.iter().enumerate() {
            let score = gs.jaccard(ps);
            if score >= min_jaccard && score > 0.0 {
                candidates.push(Match {
                    gold: g,
                    pred: p,
                    score,
                });
            }
        }
    }
    candidates.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.gold.cmp(&b.gold))
            .then(a.pred.cmp(&b.pred))
    });
    let mut gold_used = vec![false; gold.len()];
    let mut pred_used = vec![false; pred.len()];
    let mut out = Vec::new();
    for m in candidates {
        if !gold_used[m.gold] && !pred_used[m.pred] {
            gold_used[m.gold] = true;
            pred_used[m.pred] = true;
            out.push(m);
        }
    }
    out
}

/// One-to-one matching of identical (non-empty) sets.
pub fn match_exact(gold: &[CharSet], pred: &[CharSet]) -> Vec<Match> {
    // Jaccard 1 means identical sets; float equality is exact here because inter == union.
    match_contents(gold, pred, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(spans: &[(usize, usize)]) -> CharSet {
        CharSet::from_spans(
            &spans
                .iter()
                .map(|&(s, e)| Span::new(s, e))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn sets_merge_overlapping_spans() {
        let s = set(&[(5, 10), (0, 3), (8, 12), (12, 14)]);
        assert_eq!(s.len(), 3 + 9);
        assert_eq!(s.ranges, vec![0..3, 5..14]);
    }

    #[test]
    fn intersection_over_several_ranges() {
        let a = set(&[(0, 10), (20, 30)]);
        let b = set(&[(5, 25)]);
        assert_eq!(a.intersection_len(&b), 5 + 5);
        // union = 20 + 20 - 10 = 30
        assert!((a.jaccard(&b) - 10.0 / 30.0).abs() < 1e-12);
    }

    #[test]
    fn empty_sets_never_match() {
        assert_eq!(CharSet::default().jaccard(&CharSet::default()), 0.0);
        assert!(match_exact(&[CharSet::default()], &[CharSet::default()]).is_empty());
    }

    #[test]
    fn trimming_removes_quotes_and_punctuation_at_span_ends_only() {
        let chars: Vec<char> = "«Oui, d’accord», dit-il.".chars().collect();
        let s = CharSet::trimmed(&chars, &[Span::new(0, 17)]);
        // «Oui, d’accord», -> Oui, d’accord (positions 1..14)
        assert_eq!(s.ranges, vec![1..14]);
    }

    #[test]
    fn greedy_takes_the_best_pair_first() {
        let gold = [set(&[(0, 10)]), set(&[(10, 20)])];
        // pred 0 overlaps gold 0 a little better than gold 1; pred 1 fits gold 0 exactly.
        let pred = [set(&[(3, 14)]), set(&[(0, 10)])];
        let m = match_contents(&gold, &pred, 0.2);
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].gold, m[0].pred), (0, 1));
        assert_eq!((m[1].gold, m[1].pred), (1, 0));
    }
}
