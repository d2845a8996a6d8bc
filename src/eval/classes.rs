//! Figures of a labelled classification: confusion matrix, per-class precision / recall / F1,
//! accuracy, and the macro-F1 the stance literature reports (the mean of the favor and against
//! F1s, as for SemEval-2016 and P-Stance) beside the macro-F1 over every class.

use serde::Serialize;
use std::fmt;

/// Gold and predicted labels counted over a fixed label list.
#[derive(Debug, Clone, Serialize)]
pub struct ClassReport {
    /// The labels, in matrix order.
    pub labels: Vec<String>,
    /// `confusion[gold][predicted]`.
    pub confusion: Vec<Vec<u64>>,
}

/// One class's figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassFigures {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// Gold examples of the class.
    pub support: u64,
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

impl ClassReport {
    /// An empty report over `labels`.
    pub fn new(labels: &[&str]) -> Self {
        ClassReport {
            labels: labels.iter().map(|l| l.to_string()).collect(),
            confusion: vec![vec![0; labels.len()]; labels.len()],
        }
    }

    /// Counts one example; labels outside the list are ignored.
    pub fn add(&mut self, gold: &str, predicted: &str) {
        let index = |l: &str| self.labels.iter().position(|x| x == l);
        if let (Some(g), Some(p)) = (index(gold), index(predicted)) {
            self.confusion[g][p] += 1;
        }
    }

    /// Examples counted.
    pub fn total(&self) -> u64 {
        self.confusion.iter().flatten().sum()
    }

    /// Share of examples predicted right.
    pub fn accuracy(&self) -> f64 {
        let right: u64 = (0..self.labels.len()).map(|i| self.confusion[i][i]).sum();
        ratio(right, self.total())
    }

    /// Figures of one class.
    pub fn class(&self, label: &str) -> ClassFigures {
        let Some(i) = self.labels.iter().position(|x| x == label) else {
            return ClassFigures {
                precision: 0.0,
                recall: 0.0,
                f1: 0.0,
                support: 0,
            };
        };
        let tp = self.confusion[i][i];
        let predicted: u64 = self.confusion.iter().map(|row| row[i]).sum();
        let support: u64 = self.confusion[i].iter().sum();
        let (p, r) = (ratio(tp, predicted), ratio(tp, support));
        let f1 = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        ClassFigures {
            precision: p,
            recall: r,
            f1,
            support,
        }
    }

    /// Mean F1 of the given classes.
    pub fn macro_f1_of(&self, labels: &[&str]) -> f64 {
        if labels.is_empty() {
            return 0.0;
        }
        labels.iter().map(|l| self.class(l).f1).sum::<f64>() / labels.len() as f64
    }

    /// Mean F1 of the classes that occur in gold.
    pub fn macro_f1(&self) -> f64 {
        let present: Vec<&str> = self
            .labels
            .iter()
            .filter(|l| self.class(l).support > 0)
            .map(String::as_str)
            .collect();
        self.macro_f1_of(&present)
    }

    /// The figures as JSON, for `--json` and manifests.
    pub fn to_json(&self) -> serde_json::Value {
        let classes: serde_json::Map<String, serde_json::Value> = self
            .labels
            .iter()
            .map(|l| {
                (
                    l.clone(),
                    serde_json::to_value(self.class(l)).unwrap_or_default(),
                )
            })
            .collect();
        serde_json::json!({
            "examples": self.total(),
            "accuracy": self.accuracy(),
            "macro_f1_favor_against": self.macro_f1_of(&["favor", "against"]),
            "macro_f1": self.macro_f1(),
            "classes": classes,
            "labels": self.labels,
            "confusion": self.confusion,
        })
    }
}

impl fmt::Display for ClassReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "examples: {}", self.total())?;
        writeln!(f, "accuracy: {:.1}", 100.0 * self.accuracy())?;
        if self.labels.iter().any(|l| l == "favor") {
            writeln!(
                f,
                "macro-F1 (favor, against): {:.1}",
                100.0 * self.macro_f1_of(&["favor", "against"])
            )?;
        }
        writeln!(
            f,
            "macro-F1 (classes in gold): {:.1}",
            100.0 * self.macro_f1()
        )?;
        writeln!(
            f,
            "{:<10} {:>6} {:>6} {:>6} {:>7}",
            "class", "P", "R", "F1", "gold"
        )?;
        for l in &self.labels {
            let c = self.class(l);
            writeln!(
                f,
                "{:<10} {:>6.1} {:>6.1} {:>6.1} {:>7}",
                l,
                100.0 * c.precision,
                100.0 * c.recall,
                100.0 * c.f1,
                c.support
            )?;
        }
        write!(f, "confusion (rows gold, columns predicted):\n{:<10}", "")?;
        for l in &self.labels {
            write!(f, " {l:>8}")?;
        }
        for (l, row) in self.labels.iter().zip(&self.confusion) {
            write!(f, "\n{l:<10}")?;
            for n in row {
                write!(f, " {n:>8}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_follow_the_confusion_matrix() {
        let mut r = ClassReport::new(&["favor", "against", "neutral"]);
        for (g, p) in [
            ("favor", "favor"),
            ("favor", "against"),
            ("against", "against"),
            ("against", "neutral"),
            ("neutral", "neutral"),
        ] {
            r.add(g, p);
        }
        assert_eq!(r.total(), 5);
        assert!((r.accuracy() - 0.6).abs() < 1e-9);
        let fav = r.class("favor");
        assert_eq!((fav.precision, fav.recall), (1.0, 0.5));
        let against = r.class("against");
        assert_eq!((against.precision, against.recall), (0.5, 0.5));
        let expected = (2.0 / 3.0 + 0.5) / 2.0;
        assert!((r.macro_f1_of(&["favor", "against"]) - expected).abs() < 1e-9);
        assert!(r.to_string().contains("confusion"));
    }
}
