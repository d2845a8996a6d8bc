//! Counting true positives, false positives and false negatives per document, and the
//! classification of gold contents into direct, mixed and indirect (rules in the module
//! documentation of [`crate::eval`]).

use super::matching::{match_contents, match_exact, overlaps, CharSet, Match};
use super::{EvalAttribution, MIN_JACCARD};
use crate::attribution::kind::classify_kind;
use crate::attribution::QuoteKind;
use crate::span::Span;
use serde::Serialize;

/// True positives, false positives and false negatives of one measure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Matched predictions.
    pub tp: usize,
    /// Unmatched predictions.
    pub fp: usize,
    /// Unmatched gold attributions.
    pub fn_: usize,
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

impl Counts {
    /// Counts from `tp` matches among `predicted` predictions and `gold` gold items.
    pub fn from_matches(tp: usize, predicted: usize, gold: usize) -> Self {
        Counts {
            tp,
            fp: predicted - tp,
            fn_: gold - tp,
        }
    }

    /// tp / (tp + fp), 0 without predictions.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// tp / (tp + fn), 0 without gold items.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// Harmonic mean of precision and recall, 0 when both are 0.
    pub fn f1(&self) -> f64 {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }

    fn add(&mut self, o: &Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
}

/// The JSON shape of one measure: `{"precision", "recall", "f1", "tp", "fp", "fn"}`.
impl Serialize for Counts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Counts", 6)?;
        st.serialize_field("precision", &self.precision())?;
        st.serialize_field("recall", &self.recall())?;
        st.serialize_field("f1", &self.f1())?;
        st.serialize_field("tp", &self.tp)?;
        st.serialize_field("fp", &self.fp)?;
        st.serialize_field("fn", &self.fn_)?;
        st.end()
    }
}

/// Recall over the gold contents of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindRecall {
    /// Gold contents of this kind that were matched.
    pub found: usize,
    /// Gold contents of this kind.
    pub n: usize,
}

impl KindRecall {
    /// found / n, 0 when there are none.
    pub fn recall(&self) -> f64 {
        ratio(self.found, self.n)
    }

    fn add(&mut self, o: &KindRecall) {
        self.found += o.found;
        self.n += o.n;
    }
}

/// The JSON shape: `{"recall": r, "n": n}`.
impl Serialize for KindRecall {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("KindRecall", 2)?;
        st.serialize_field("recall", &self.recall())?;
        st.serialize_field("n", &self.n)?;
        st.end()
    }
}

/// Recall split by gold content kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ByKind {
    /// Quoted verbatim.
    pub direct: KindRecall,
    /// Reported speech with quoted fragments.
    pub mixed: KindRecall,
    /// Reported speech without quote marks.
    pub indirect: KindRecall,
}

impl ByKind {
    fn slot(&mut self, kind: QuoteKind) -> &mut KindRecall {
        match kind {
            QuoteKind::Direct => &mut self.direct,
            QuoteKind::Mixed => &mut self.mixed,
            QuoteKind::Indirect => &mut self.indirect,
        }
    }
}

/// Upper bounds of the confidence bands that precision is split by (the last band ends at 1).
pub const CONFIDENCE_BANDS: [f32; 5] = [0.5, 0.7, 0.85, 0.95, f32::INFINITY];

/// Predictions with a confidence in one band, and how many of them were right.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Band {
    /// Predictions in the band.
    pub n: usize,
    /// Of those, content matches (one-to-one, as for `content`).
    pub content: usize,
    /// Of those, content matches whose source agrees (as for `content_source`).
    pub content_source: usize,
}

impl Band {
    fn add(&mut self, o: &Band) {
        self.n += o.n;
        self.content += o.content;
        self.content_source += o.content_source;
    }
}

/// The band index of a confidence.
pub fn band_of(confidence: f32) -> usize {
    CONFIDENCE_BANDS
        .iter()
        .position(|&upper| confidence < upper)
        .unwrap_or(CONFIDENCE_BANDS.len() - 1)
}

/// Counts of one document, or summed over many (micro-averaging).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Gold attributions.
    pub gold: usize,
    /// Predicted attributions.
    pub predicted: usize,
    /// Content at Jaccard >= 0.5.
    pub content: Counts,
    /// Content with identical trimmed boundaries.
    pub content_exact: Counts,
    /// Content match whose source overlaps.
    pub content_source: Counts,
    /// Content match whose cue overlaps.
    pub content_cue: Counts,
    /// Content recall by gold kind.
    pub by_kind: ByKind,
    /// Precision by confidence band of the predictions (see [`CONFIDENCE_BANDS`]).
    pub by_confidence: [Band; CONFIDENCE_BANDS.len()],
}

impl Totals {
    /// Adds another document's counts.
    pub fn add(&mut self, o: &Totals) {
        self.gold += o.gold;
        self.predicted += o.predicted;
        self.content.add(&o.content);
        self.content_exact.add(&o.content_exact);
        self.content_source.add(&o.content_source);
        self.content_cue.add(&o.content_cue);
        self.by_kind.direct.add(&o.by_kind.direct);
        self.by_kind.mixed.add(&o.by_kind.mixed);
        self.by_kind.indirect.add(&o.by_kind.indirect);
        for (band, other) in self.by_confidence.iter_mut().zip(&o.by_confidence) {
            band.add(other);
        }
    }
}

/// Whether a matched pair agrees on an optional part (source or cue): both absent, or sharing at
/// least one character.
fn part_agrees(gold: &[Span], pred: &[Span]) -> bool {
    if gold.is_empty() {
        pred.is_empty()
    } else {
        overlaps(gold, pred)
    }
}

/// Scores one document's predictions against its gold attributions.
pub fn score_document(text: &str, gold: &[EvalAttribution], pred: &[EvalAttribution]) -> Totals {
    let chars: Vec<char> = text.chars().collect();
    let gold_sets: Vec<CharSet> = gold
        .iter()
        .map(|a| CharSet::trimmed(&chars, &a.content))
        .collect();
    let pred_sets: Vec<CharSet> = pred
        .iter()
        .map(|a| CharSet::trimmed(&chars, &a.content))
        .collect();

    let matches = match_contents(&gold_sets, &pred_sets, MIN_JACCARD);
    let exact = match_exact(&gold_sets, &pred_sets);
    let agreeing = |part: fn(&EvalAttribution) -> &[Span]| {
        matches
            .iter()
            .filter(|m: &&Match| part_agrees(part(&gold[m.gold]), part(&pred[m.pred])))
            .count()
    };
    let (n_gold, n_pred) = (gold.len(), pred.len());

    let mut by_confidence = [Band::default(); CONFIDENCE_BANDS.len()];
    for (i, p) in pred.iter().enumerate() {
        if let Some(c) = p.confidence {
            let band = &mut by_confidence[band_of(c)];
            band.n += 1;
            if let Some(m) = matches.iter().find(|m| m.pred == i) {
                band.content += 1;
                band.content_source += usize::from(part_agrees(&gold[m.gold].source, &p.source));
            }
        }
    }

    let mut by_kind = ByKind::default();
    let mut found = vec![false; n_gold];
    for m in &matches {
        found[m.gold] = true;
    }
    for (a, hit) in gold.iter().zip(found) {
        let slot = by_kind.slot(classify_kind(&chars, &a.content));
        slot.n += 1;
        slot.found += usize::from(hit);
    }

    Totals {
        gold: n_gold,
        predicted: n_pred,
        content: Counts::from_matches(matches.len(), n_pred, n_gold),
        content_exact: Counts::from_matches(exact.len(), n_pred, n_gold),
        content_source: Counts::from_matches(agreeing(|a| &a.source), n_pred, n_gold),
        content_cue: Counts::from_matches(agreeing(|a| &a.cue), n_pred, n_gold),
        by_kind,
        by_confidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f1_of_hand_counts() {
        let c = Counts {
            tp: 3,
            fp: 1,
            fn_: 2,
        };
        assert!((c.precision() - 0.75).abs() < 1e-12);
        assert!((c.recall() - 0.6).abs() < 1e-12);
        assert!((c.f1() - 2.0 * 0.75 * 0.6 / 1.35).abs() < 1e-12);
        assert_eq!(Counts::default().f1(), 0.0);
    }

    #[test]
    fn precision_is_split_by_confidence() {
        let text = "He said yes. She said no.";
        let att = |s, e, confidence| EvalAttribution {
            content: vec![Span::new(s, e)],
            confidence,
            ..Default::default()
        };
        let gold = vec![att(8, 11, None)];
        let pred = vec![att(8, 11, Some(0.97)), att(22, 24, Some(0.3))];
        let t = score_document(text, &gold, &pred);
        let (high, low) = (band_of(0.97), band_of(0.3));
        assert_eq!((high, low), (4, 0));
        assert_eq!(
            t.by_confidence[high],
            Band {
                n: 1,
                content: 1,
                content_source: 1
            }
        );
        assert_eq!(
            t.by_confidence[low],
            Band {
                n: 1,
                content: 0,
                content_source: 0
            }
        );
        assert_eq!(band_of(1.0), 4);
    }
}
