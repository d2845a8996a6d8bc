//! The run summary printed on stderr at the end of a run.

use crate::pipeline::DocOutcome;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Counts of what a run did (also the run manifest's `counts`).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    /// Documents seen, including those that became error lines.
    pub documents: u64,
    /// Documents that produced at least one record.
    pub with_records: u64,
    /// Documents processed without error that produced no record.
    pub without_records: u64,
    /// Records written.
    pub records: u64,
    /// Error lines by kind (`invalid_utf8`, `too_large`, ...).
    pub errors: BTreeMap<String, u64>,
    /// Whitespace-separated words in the documents that were read.
    pub words: u64,
    /// Documents whose records `rerun` took over from the previous output.
    #[serde(default)]
    pub reused: u64,
    /// Blank JSONL lines: they hold no document, and are counted here so that every input line
    /// is accounted for.
    #[serde(default)]
    pub blank_lines: u64,
    /// Documents renamed `ID~N` because an earlier document had their id
    /// ([`crate::reader::Documents`]).
    #[serde(default)]
    pub duplicate_ids: u64,
    /// Documents a resumed run had already done but processed again, because their content
    /// changed since (their sha256 in the document index differed from the input's).
    #[serde(default)]
    pub recomputed: u64,
    /// Wall-clock time of the run; for a resumed run, of all its segments together (the time
    /// between a kill and the resume not counted). The manifest has start and end times instead.
    #[serde(skip)]
    pub elapsed: Duration,
}

impl Summary {
    /// Counts one document's outcome.
    pub fn add(&mut self, outcome: &DocOutcome) {
        let (records, error) = match &outcome.result {
            Ok(records) => (records.len() as u64, None),
            Err(e) => (0, Some(e.kind.as_str())),
        };
        self.count(records, error, outcome.words, outcome.reused);
    }

    /// Counts one document from its figures: used directly when a resumed run takes over the
    /// documents its interrupted part already wrote.
    pub fn count(&mut self, records: u64, error: Option<&str>, words: u64, reused: bool) {
        self.documents += 1;
        self.words += words;
        self.reused += u64::from(reused);
        match error {
            Some(kind) => *self.errors.entry(kind.to_string()).or_default() += 1,
            None if records == 0 => self.without_records += 1,
            None => {
                self.with_records += 1;
                self.records += records;
            }
        }
    }

    /// Error lines of all kinds.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// When every document of the run failed: the commonest error kind and how many documents
    /// it stopped (a run that read nothing or had one document succeed gives `None`). Such a
    /// run points at a wrong setting (a field name, an input type) rather than bad documents,
    /// so it exits non-zero.
    pub fn all_failed(&self) -> Option<(&str, u64)> {
        if self.documents == 0 || self.error_count() < self.documents {
            return None;
        }
        self.errors
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(k, n)| (k.as_str(), *n))
    }

    fn per_second(&self, n: u64) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            n as f64 / s
        } else {
            0.0
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "documents: {} ({} with records, {} without, {} errors)",
            self.documents,
            self.with_records,
            self.without_records,
            self.error_count()
        )?;
        writeln!(f, "records: {}", self.records)?;
        if self.reused > 0 {
            writeln!(
                f,
                "reused from the previous output: {} documents, processed: {}",
                self.reused,
                self.documents - self.reused
            )?;
        }
        if self.recomputed > 0 {
            writeln!(
                f,
                "resumed: {} documents changed since the interrupted run and were processed again",
                self.recomputed
            )?;
        }
        if self.blank_lines > 0 || self.duplicate_ids > 0 {
            writeln!(
                f,
                "input: {} blank lines skipped, {} duplicate ids renamed (ID~N)",
                self.blank_lines, self.duplicate_ids
            )?;
        }
        if !self.errors.is_empty() {
            let kinds: Vec<String> = self
                .errors
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            writeln!(f, "errors by kind: {}", kinds.join(", "))?;
        }
        write!(
            f,
            "time: {:.2} s, {:.1} articles/s, {:.0} words/s",
            self.elapsed.as_secs_f64(),
            self.per_second(self.documents),
            self.per_second(self.words)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{DocError, DocErrorKind};
    use crate::span::DocId;

    #[test]
    fn counts_outcomes_by_category() {
        let mut s = Summary::default();
        let ok = |id: &str, words| DocOutcome {
            doc_id: DocId(id.into()),
            result: Ok(Vec::new()),
            words,
            doc_sha256: None,
            reused: false,
        };
        s.add(&ok("a", 10));
        s.add(&ok("b", 5));
        s.add(&DocOutcome {
            doc_id: DocId("c".into()),
            result: Err(DocError::new("c", DocErrorKind::TooLarge, "big")),
            words: 0,
            doc_sha256: None,
            reused: false,
        });
        s.elapsed = Duration::from_secs(3);
        assert_eq!((s.documents, s.without_records, s.with_records), (3, 2, 0));
        assert_eq!(s.errors.get("too_large"), Some(&1));
        let text = s.to_string();
        assert!(
            text.contains("documents: 3 (0 with records, 2 without, 1 errors)"),
            "{text}"
        );
        assert!(text.contains("1.0 articles/s, 5 words/s"), "{text}");
        assert_eq!(s.all_failed(), None);
    }

    #[test]
    fn a_run_where_every_document_failed_names_the_commonest_kind() {
        let mut s = Summary::default();
        assert_eq!(s.all_failed(), None);
        for kind in ["empty", "missing_field", "missing_field", "io", "io"] {
            s.count(0, Some(kind), 0, false);
        }
        // Ties go to the kind first in name order.
        assert_eq!(s.all_failed(), Some(("io", 2)));
        s.count(0, Some("missing_field"), 0, false);
        assert_eq!(s.all_failed(), Some(("missing_field", 3)));
        s.count(2, None, 10, false);
        assert_eq!(s.all_failed(), None);
    }
}
