//! The evaluation report: the JSON object scripts read (field names are fixed: the CI gate reads
//! `.content.f1`) and the human-readable table.

use super::brat::Warnings;
use super::metrics::{Band, ByKind, Counts, KindRecall, Totals, CONFIDENCE_BANDS};
use serde::Serialize;
use std::fmt::Write;

/// The outcome of one evaluation. Serialises to the documented JSON object, values as fractions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Evaluated (gold) documents.
    pub documents: usize,
    /// Gold attributions (events with content).
    pub gold_attributions: usize,
    /// Predicted attributions in the evaluated documents.
    pub predicted: usize,
    /// Prediction error lines (documents extraction could not process).
    pub pred_errors: usize,
    /// Content at character Jaccard >= 0.5, one-to-one.
    pub content: Counts,
    /// Content with identical trimmed boundaries.
    pub content_exact: Counts,
    /// Content match whose predicted mention overlaps the gold source.
    pub content_source: Counts,
    /// Content match whose predicted cue overlaps the gold cue.
    pub content_cue: Counts,
    /// Content recall by gold kind.
    pub recall_by_kind: ByKind,
    /// Precision of the predictions by confidence band: whether higher confidence means more
    /// often right. Empty when the predictions carry no confidence.
    pub precision_by_confidence: Vec<ConfidenceBand>,
    /// Oddities met while reading gold and predictions.
    pub warnings: Warnings,
}

impl Report {
    /// Builds the report from summed counts.
    pub fn new(documents: usize, pred_errors: usize, totals: Totals, warnings: Warnings) -> Self {
        Report {
            documents,
            gold_attributions: totals.gold,
            predicted: totals.predicted,
            pred_errors,
            content: totals.content,
            content_exact: totals.content_exact,
            content_source: totals.content_source,
            content_cue: totals.content_cue,
            recall_by_kind: totals.by_kind,
            precision_by_confidence: ConfidenceBand::from_counts(&totals.by_confidence),
            warnings,
        }
    }

    /// The readable table: one row per measure, percentages with one decimal.
    pub fn to_table(&self) -> String {
        let pct = |x: f64| format!("{:.1}", 100.0 * x);
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "documents {}  gold attributions {}  predicted {}  prediction errors {}",
            self.documents, self.gold_attributions, self.predicted, self.pred_errors
        );
        let _ = writeln!(
            out,
            "{:<16} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}",
            "measure", "P%", "R%", "F1%", "tp", "fp", "fn"
        );
        let rows: [(&str, &Counts); 4] = [
            ("content", &self.content),
            ("content_exact", &self.content_exact),
            ("content_source", &self.content_source),
            ("content_cue", &self.content_cue),
        ];
        for (name, c) in rows {
            let _ = writeln!(
                out,
                "{:<16} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}",
                name,
                pct(c.precision()),
                pct(c.recall()),
                pct(c.f1()),
                c.tp,
                c.fp,
                c.fn_
            );
        }
        let _ = writeln!(out, "content recall by gold kind:");
        let kinds: [(&str, &KindRecall); 3] = [
            ("direct", &self.recall_by_kind.direct),
            ("mixed", &self.recall_by_kind.mixed),
            ("indirect", &self.recall_by_kind.indirect),
        ];
        for (name, k) in kinds {
            let _ = writeln!(out, "  {:<14} {:>6}  (n = {})", name, pct(k.recall()), k.n);
        }
        if !self.precision_by_confidence.is_empty() {
            let _ = writeln!(out, "precision by confidence:   content  content_source");
            for b in &self.precision_by_confidence {
                let _ = writeln!(
                    out,
                    "  {:.2}-{:.2} (n = {:>4})   {:>6}   {:>6}",
                    b.from,
                    b.to,
                    b.n,
                    pct(b.content_precision),
                    pct(b.content_source_precision)
                );
            }
        }
        out
    }
}

/// Precision of the predictions whose confidence lies in `from..to`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfidenceBand {
    /// Lower bound (inclusive).
    pub from: f32,
    /// Upper bound (exclusive; the last band includes 1).
    pub to: f32,
    /// Predictions in the band.
    pub n: usize,
    /// Share of them that match a gold content.
    pub content_precision: f64,
    /// Share of them that match a gold content and its source.
    pub content_source_precision: f64,
}

impl ConfidenceBand {
    fn from_counts(bands: &[Band; CONFIDENCE_BANDS.len()]) -> Vec<Self> {
        if bands.iter().all(|b| b.n == 0) {
            return Vec::new();
        }
        let share = |k: usize, n: usize| if n == 0 { 0.0 } else { k as f64 / n as f64 };
        let mut from = 0.0;
        bands
            .iter()
            .zip(CONFIDENCE_BANDS)
            .map(|(b, upper)| {
                let band = ConfidenceBand {
                    from,
                    to: upper.min(1.0),
                    n: b.n,
                    content_precision: share(b.content, b.n),
                    content_source_precision: share(b.content_source, b.n),
                };
                from = upper;
                band
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        let totals = Totals {
            gold: 4,
            predicted: 3,
            content: Counts {
                tp: 2,
                fp: 1,
                fn_: 2,
            },
            ..Totals::default()
        };
        Report::new(2, 1, totals, Warnings::default())
    }

    #[test]
    fn json_has_the_names_scripts_read() {
        let v = serde_json::to_value(report()).unwrap();
        assert_eq!(v["documents"], 2);
        assert_eq!(v["gold_attributions"], 4);
        assert_eq!(v["predicted"], 3);
        assert_eq!(v["pred_errors"], 1);
        // P = 2/3, R = 2/4, F1 = 4/7
        assert!((v["content"]["f1"].as_f64().unwrap() - 4.0 / 7.0).abs() < 1e-12);
        assert_eq!(v["content"]["fn"], 2);
        for key in ["content_exact", "content_source", "content_cue"] {
            assert_eq!(v[key]["tp"], 0, "{key}");
        }
        for kind in ["direct", "mixed", "indirect"] {
            assert_eq!(v["recall_by_kind"][kind]["n"], 0, "{kind}");
            assert_eq!(v["recall_by_kind"][kind]["recall"], 0.0, "{kind}");
        }
    }

    #[test]
    fn table_shows_percentages_with_one_decimal() {
        let t = report().to_table();
        let row = t.lines().find(|l| l.starts_with("content ")).unwrap();
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells, ["content", "66.7", "50.0", "57.1", "2", "1", "2"]);
    }
}
