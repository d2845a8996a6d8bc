//! Streaming aggregation of an `extract` output: one pass over the JSONL lines, keeping counts
//! (and, for the report, the first rows of the quote table) but never the whole file. Both
//! `newsquotes report` and `newsquotes stats` read their figures from the [`Tally`] built here.

use super::dates::DateKey;
use crate::attribution::QuoteKind;
use crate::error::{Error, Result};
use crate::record::{Basis, ErrorLine, Record};
use crate::speakers::SpeakerKind;
use crate::writer::readback::{self, LineResult};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;
use std::path::Path;

/// The contract's quote kinds, in display order.
pub const QUOTE_KINDS: [&str; 3] = ["direct", "indirect", "mixed"];

/// The contract's speaker kinds, in display order.
pub const SPEAKER_KINDS: [&str; 4] = ["person", "organization", "group", "unknown"];

/// The contract's stance labels, in display order (the order of our stance models).
pub use crate::models::STANCE_LABELS;

/// The stance score a model answer needs to be counted in stance tables by default. A stance
/// score is a calibrated probability, so 0.5 keeps the answers the model holds more likely
/// right than wrong; `--min-stance-score` on `stats` and `report` sets another.
pub const DEFAULT_MIN_STANCE_SCORE: f32 = 0.5;

/// Stance answers left out of the stance counts of one target, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SetAside {
    /// "neutral" given without the model: the article, or the quote's paragraph, never names
    /// the target.
    pub target_not_mentioned: u64,
    /// Model answers whose score is below the threshold.
    pub below_threshold: u64,
}

/// Check-worthy quotes listed in the report.
pub const TOP_CHECKWORTHY: usize = 10;

/// What a record is counted under when it has neither a canonical name nor a mention.
pub const NO_SPEAKER: &str = "(no speaker)";

fn quote_kind_index(k: QuoteKind) -> usize {
    match k {
        QuoteKind::Direct => 0,
        QuoteKind::Indirect => 1,
        QuoteKind::Mixed => 2,
    }
}

fn speaker_kind_index(k: SpeakerKind) -> usize {
    match k {
        SpeakerKind::Person => 0,
        SpeakerKind::Organization => 1,
        SpeakerKind::Group => 2,
        SpeakerKind::Unknown => 3,
    }
}

/// Stance label counts toward one target: label name to count. Labels outside the contract's
/// three are kept too, so nothing is silently dropped.
pub type LabelCounts = BTreeMap<String, u64>;

/// Figures for one speaker (one `speaker.key`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpeakerTally {
    /// The speaker's key.
    pub key: String,
    /// Records attributed to this speaker.
    pub records: u64,
    /// The canonical names its records give, with counts (the most frequent is shown).
    pub names: BTreeMap<String, u64>,
    /// Stance labels per target: the model's answers with at least the tally's
    /// `min_stance_score`, so "2 favor, 0 against" reads directly as where the speaker stands.
    pub stance: BTreeMap<String, LabelCounts>,
}

/// Counts over a whole output file.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Stance answers count in [`Tally::stance`] and per speaker only when the model gave them
    /// with at least this score (answers of the target gate never count: they say the article
    /// or the quote's paragraph is not about the target, not where the speaker stands).
    pub min_stance_score: f32,
    /// Per target, the stance answers left out of the counts, by reason.
    pub stance_set_aside: BTreeMap<String, SetAside>,
    /// Record lines.
    pub records: u64,
    /// Error lines.
    pub error_lines: u64,
    /// Error lines by `error.kind`.
    pub errors_by_kind: BTreeMap<String, u64>,
    /// Lines that are neither a record nor an error line (a damaged file).
    pub bad_lines: u64,
    /// Records by quote kind, indexed like [`QUOTE_KINDS`].
    pub quote_kinds: [u64; 3],
    /// Records by speaker kind, indexed like [`SPEAKER_KINDS`].
    pub speaker_kinds: [u64; 4],
    /// Records whose speaker has a canonical name.
    pub named: u64,
    /// Sum of `speaker.confidence`, for the mean.
    pub confidence_sum: f64,
    /// Records by document date (`meta.date`), when it parses.
    pub dates: BTreeMap<DateKey, u64>,
    /// Records without a usable `meta.date`.
    pub undated: u64,
    /// Stance labels per target over all records: the model's answers with at least
    /// [`Tally::min_stance_score`].
    pub stance: BTreeMap<String, LabelCounts>,
    /// Records carrying at least one stance.
    pub with_stance: u64,
    /// Records carrying a claim.
    pub claims: u64,
    /// Records whose claim is check-worthy.
    pub checkworthy: u64,
    /// Records per outlet (`meta.source`, when it is a string).
    pub outlets: BTreeMap<String, u64>,
    /// Per outlet: records by quote kind, indexed like [`QUOTE_KINDS`].
    pub outlet_kinds: BTreeMap<String, [u64; 3]>,
    /// Per outlet: records per named speaker (canonical name), for its top speakers.
    pub outlet_speakers: BTreeMap<String, BTreeMap<String, u64>>,
    /// The most check-worthy quotes: (score, speaker, quote text), highest first, at most
    /// [`TOP_CHECKWORTHY`].
    pub top_checkworthy: Vec<(f32, String, String)>,
    /// Records per document that has records.
    doc_records: HashMap<String, u64>,
    /// Documents that have an error line.
    error_docs: HashSet<String>,
    /// Distinct `speaker.entity` values.
    entities: HashSet<String>,
    /// Figures per speaker key.
    speakers: HashMap<String, SpeakerTally>,
    /// Records of people with a key by gender: female, male, not told.
    pub gender: [u64; 3],
    /// The same by document month (`meta.date`).
    pub gender_by_date: BTreeMap<DateKey, [u64; 3]>,
    /// The same by outlet (`meta.source`).
    pub gender_by_source: BTreeMap<String, [u64; 3]>,
}

/// The gender columns, in the order of [`Tally::gender`].
pub const GENDERS: [&str; 3] = ["female", "male", "not told"];

impl SpeakerTally {
    /// The name shown for the speaker: its most frequent full name ("Barack Obama" rather
    /// than the more frequent "Obama"), else its most frequent name (ties: the first).
    pub fn display(&self) -> &str {
        let best = |full: bool| {
            self.names
                .iter()
                .filter(|(n, _)| !full || n.contains(' '))
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(n, _)| n.as_str())
        };
        best(true).or_else(|| best(false)).unwrap_or("")
    }
}

/// The key a record's speaker is grouped under: `speaker.key`, or for outputs written before
/// keys the key its name gives; `None` for groups, descriptions and unresolved mentions, which
/// are never mixed with named speakers.
pub fn speaker_key(r: &Record) -> Option<String> {
    r.speaker.key.clone().or_else(|| {
        r.speaker
            .name
            .as_deref()
            .and_then(|n| crate::speakers::key::name_key(n, r.speaker.kind))
    })
}

/// The name a record's speaker is shown and counted under: the canonical name, else the
/// mention's text, else [`NO_SPEAKER`].
pub fn speaker_label(r: &Record) -> &str {
    r.speaker
        .name
        .as_deref()
        .or(r.speaker.mention.as_ref().map(|m| m.text.as_str()))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(NO_SPEAKER)
}

impl Tally {
    /// Counts one record.
    pub fn add_record(&mut self, r: &Record) {
        self.records += 1;
        self.quote_kinds[quote_kind_index(r.quote.kind)] += 1;
        self.speaker_kinds[speaker_kind_index(r.speaker.kind)] += 1;
        if r.speaker.name.is_some() {
            self.named += 1;
        }
        if let Some(e) = &r.speaker.entity {
            if !self.entities.contains(e) {
                self.entities.insert(e.clone());
            }
        }
        self.confidence_sum += f64::from(r.speaker.confidence);
        let date = r
            .meta
            .get("date")
            .and_then(|d| d.as_str())
            .and_then(DateKey::parse);
        match date {
            Some(d) => *self.dates.entry(d).or_default() += 1,
            None => self.undated += 1,
        }
        if let Some(source) = r.meta.get("source").and_then(|s| s.as_str()) {
            *self.outlets.entry(source.to_string()).or_default() += 1;
            self.outlet_kinds.entry(source.to_string()).or_default()
                [quote_kind_index(r.quote.kind)] += 1;
            if let Some(name) = &r.speaker.name {
                *self
                    .outlet_speakers
                    .entry(source.to_string())
                    .or_default()
                    .entry(name.clone())
                    .or_default() += 1;
            }
        }
        if let Some(c) = &r.claim {
            self.claims += 1;
            if c.checkworthy {
                self.checkworthy += 1;
                let low = self.top_checkworthy.last().map(|t| t.0);
                if self.top_checkworthy.len() < TOP_CHECKWORTHY || low < Some(c.score) {
                    let who = speaker_label(r).to_string();
                    self.top_checkworthy
                        .push((c.score, who, r.quote.text.clone()));
                    // Highest first; ties keep input order (a stable sort).
                    self.top_checkworthy.sort_by(|a, b| b.0.total_cmp(&a.0));
                    self.top_checkworthy.truncate(TOP_CHECKWORTHY);
                }
            }
        }
        if !r.stance.is_empty() {
            self.with_stance += 1;
        }
        let key = speaker_key(r);
        if key.is_some() && r.speaker.kind == SpeakerKind::Person {
            let g = match r.speaker.gender {
                Some(crate::speakers::names::Gender::Female) => 0,
                Some(crate::speakers::names::Gender::Male) => 1,
                None => 2,
            };
            self.gender[g] += 1;
            if let Some(d) = date {
                self.gender_by_date
                    .entry(DateKey { day: None, ..d })
                    .or_default()[g] += 1;
            }
            if let Some(source) = r.meta.get("source").and_then(|s| s.as_str()) {
                match self.gender_by_source.get_mut(source) {
                    Some(counts) => counts[g] += 1,
                    None => self.gender_by_source.entry(source.to_string()).or_default()[g] += 1,
                }
            }
        }
        // The model's answers at or above the threshold count; the others are set aside.
        let mut counted = Vec::with_capacity(r.stance.len());
        for s in &r.stance {
            let gated = s.basis == Basis::TargetNotMentioned;
            if gated || s.score < self.min_stance_score {
                let aside = self.stance_set_aside.entry(s.target.clone()).or_default();
                if gated {
                    aside.target_not_mentioned += 1;
                } else {
                    aside.below_threshold += 1;
                }
                continue;
            }
            *self
                .stance
                .entry(s.target.clone())
                .or_default()
                .entry(s.label.clone())
                .or_default() += 1;
            counted.push(s);
        }
        if let Some(key) = key {
            let speaker = match self.speakers.get_mut(&key) {
                Some(s) => s,
                None => self.speakers.entry(key.clone()).or_insert(SpeakerTally {
                    key,
                    ..SpeakerTally::default()
                }),
            };
            speaker.records += 1;
            if let Some(name) = &r.speaker.name {
                match speaker.names.get_mut(name) {
                    Some(n) => *n += 1,
                    None => {
                        speaker.names.insert(name.clone(), 1);
                    }
                }
            }
            for s in counted {
                *speaker
                    .stance
                    .entry(s.target.clone())
                    .or_default()
                    .entry(s.label.clone())
                    .or_default() += 1;
            }
        }
        match self.doc_records.get_mut(&r.doc_id.0) {
            Some(n) => *n += 1,
            None => {
                self.doc_records.insert(r.doc_id.0.clone(), 1);
            }
        }
    }

    /// Counts one error line.
    pub fn add_error(&mut self, e: &ErrorLine) {
        self.error_lines += 1;
        *self.errors_by_kind.entry(e.error.kind.clone()).or_default() += 1;
        self.error_docs.insert(e.doc_id.0.clone());
    }

    /// Documents in the run: `known` (from the run manifest) when given, else the distinct
    /// documents seen in the output (so documents without records or errors are missed).
    pub fn documents(&self, known: Option<u64>) -> u64 {
        known.unwrap_or_else(|| {
            let errors_only = self
                .error_docs
                .iter()
                .filter(|d| !self.doc_records.contains_key(*d))
                .count();
            (self.doc_records.len() + errors_only) as u64
        })
    }

    /// Documents with at least one record.
    pub fn documents_with_records(&self) -> u64 {
        self.doc_records.len() as u64
    }

    /// Documents with an error line.
    pub fn documents_with_errors(&self) -> u64 {
        self.error_docs.len() as u64
    }

    /// Records per document for every processed document, including those without records
    /// (`documents` as from [`Tally::documents`]; documents with errors are left out).
    pub fn records_per_document(&self, documents: u64) -> Vec<u64> {
        let mut out: Vec<u64> = self.doc_records.values().copied().collect();
        let accounted = self.documents_with_records() + self.documents_with_errors();
        out.extend(std::iter::repeat_n(
            0,
            documents.saturating_sub(accounted) as usize,
        ));
        out.sort_unstable();
        out
    }

    /// Distinct speaker entities (`speaker.entity`, which is per document).
    pub fn distinct_entities(&self) -> u64 {
        self.entities.len() as u64
    }

    /// Distinct speaker keys (see [`speaker_key`]) over the whole output.
    pub fn distinct_speakers(&self) -> u64 {
        self.speakers.len() as u64
    }

    /// Mean `speaker.confidence`, `None` without records.
    pub fn mean_confidence(&self) -> Option<f64> {
        (self.records > 0).then(|| self.confidence_sum / self.records as f64)
    }

    /// The `n` speaker keys with most records, most first (ties by key, for stable output),
    /// each with its display name.
    pub fn top_speakers(&self, n: usize) -> Vec<(&str, &SpeakerTally)> {
        let mut all: Vec<(&str, &SpeakerTally)> =
            self.speakers.iter().map(|(k, v)| (k.as_str(), v)).collect();
        all.sort_by(|a, b| b.1.records.cmp(&a.1.records).then(a.0.cmp(b.0)));
        all.truncate(n);
        all.into_iter().map(|(_, s)| (s.display(), s)).collect()
    }

    /// `part` as a percentage of the records (0 without records).
    pub fn percent_of_records(&self, part: u64) -> f64 {
        percent(part, self.records)
    }
}

/// `part / whole` in percent, 0 when `whole` is 0.
pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// One output line, classified.
pub enum Line {
    /// A record.
    Record(Box<Record>),
    /// An error line.
    Error(ErrorLine),
}

/// Parses one non-empty output line. Error lines are told apart by their `error` field, which
/// records never have.
pub fn parse_line(line: &str) -> std::result::Result<Line, serde_json::Error> {
    let v: serde_json::Value = serde_json::from_str(line)?;
    if v.get("error").is_some() {
        Ok(Line::Error(serde_json::from_value(v)?))
    } else {
        Ok(Line::Record(Box::new(serde_json::from_value(v)?)))
    }
}

/// The result of one pass over an output file.
#[derive(Debug, Default)]
pub struct Scan {
    /// All counts.
    pub tally: Tally,
    /// The first records, up to the row limit given to [`scan`].
    pub rows: Vec<Record>,
    /// The first damaged line, `(line number, problem)`, to tell the user what was skipped.
    pub first_bad_line: Option<(u64, String)>,
}

/// Reads JSONL output lines from any reader, counting every line and keeping the first
/// `row_limit` records. Damaged lines are counted and skipped, so one bad line does not hide
/// the rest of a large file. Stance answers count from `min_stance_score` up (see
/// [`Tally::min_stance_score`]).
pub fn scan_reader(
    reader: impl BufRead,
    row_limit: usize,
    min_stance_score: f32,
) -> std::io::Result<Scan> {
    let lines = reader.lines().map(|l| l.map(Ok));
    scan_lines(lines, row_limit, min_stance_score)
}

fn scan_lines<E>(
    lines: impl Iterator<Item = std::result::Result<LineResult, E>>,
    row_limit: usize,
    min_stance_score: f32,
) -> std::result::Result<Scan, E> {
    let mut scan = Scan::default();
    scan.tally.min_stance_score = min_stance_score;
    for (i, line) in lines.enumerate() {
        let parsed = match line? {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => parse_line(&line).map_err(|e| e.to_string()),
            Err(why) => Err(why),
        };
        match parsed {
            Ok(Line::Record(r)) => {
                scan.tally.add_record(&r);
                if scan.rows.len() < row_limit {
                    scan.rows.push(*r);
                }
            }
            Ok(Line::Error(e)) => scan.tally.add_error(&e),
            Err(e) => {
                scan.tally.bad_lines += 1;
                scan.first_bad_line.get_or_insert_with(|| (i as u64 + 1, e));
            }
        }
    }
    Ok(scan)
}

/// [`scan_reader`] over an output in any format `extract` writes (JSONL, CSV, Parquet, split
/// parts; see [`crate::writer::readback`]).
pub fn scan(path: &Path, row_limit: usize, min_stance_score: f32) -> Result<Scan> {
    scan_lines(readback::open(path)?, row_limit, min_stance_score)
}

/// Refuses an output with no line at all unless its run manifest says documents were
/// processed (`known_documents`): otherwise it is not a run's output, or a run that read
/// nothing, and an empty table or page with exit status 0 would hide that.
pub fn refuse_empty(path: &Path, tally: &Tally, known_documents: Option<u64>) -> Result<()> {
    let lines = tally.records + tally.error_lines + tally.bad_lines;
    if lines == 0 && known_documents.unwrap_or(0) == 0 {
        return Err(Error::Invalid(format!(
            "{}: no records and no error lines, and no run manifest that counts documents \
             (an empty run, or not an output of newsquotes extract)",
            path.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::record::{Claim, ErrorBody, Provenance, Quote, SpeakerRecord, Stance, TextSpan};
    use crate::span::{DocId, Span};

    /// A hand-built record with invented content.
    pub(crate) fn record(doc: &str, name: Option<&str>, kind: QuoteKind, text: &str) -> Record {
        let mut meta = crate::document::Meta::new();
        meta.insert("date".into(), "2023-04-05T10:00:00Z".into());
        Record {
            doc_id: DocId(doc.into()),
            quote_id: format!("{doc}:0-{}", text.chars().count()),
            quote: Quote {
                text: text.into(),
                spans: vec![Span::new(0, text.chars().count())],
                kind,
            },
            cue: Some(TextSpan {
                text: "said".into(),
                span: Span::new(0, 4),
            }),
            speaker: SpeakerRecord {
                mention: Some(TextSpan {
                    text: "she".into(),
                    span: Span::new(0, 3),
                }),
                name: name.map(Into::into),
                kind: if name.is_some() {
                    SpeakerKind::Person
                } else {
                    SpeakerKind::Unknown
                },
                role: None,
                entity: name.map(|n| format!("{doc}#{n}")),
                key: name.map(|n| n.to_lowercase()),
                gender: None,
                gender_evidence: Default::default(),
                confidence: 0.5,
            },
            stance: Vec::new(),
            claim: None,
            meta,
            provenance: Provenance {
                pipeline: "test".into(),
                models: BTreeMap::new(),
            },
        }
    }

    pub(crate) fn error_line(doc: &str, kind: &str) -> ErrorLine {
        ErrorLine {
            doc_id: DocId(doc.into()),
            error: ErrorBody {
                kind: kind.into(),
                message: "invented failure".into(),
            },
        }
    }

    /// Three documents with records, one error document; Mira Solberg is quoted three times.
    pub(crate) fn sample_jsonl() -> String {
        let mut a = record(
            "d1",
            Some("Mira Solberg"),
            QuoteKind::Direct,
            "We will build it",
        );
        a.stance = vec![Stance {
            target: "harbour bridge".into(),
            label: "favor".into(),
            score: 0.9,
            basis: Basis::Model,
        }];
        a.claim = Some(Claim {
            checkworthy: true,
            score: 0.8,
        });
        let mut b = record(
            "d1",
            Some("Mira Solberg"),
            QuoteKind::Indirect,
            "costs are low",
        );
        b.stance = vec![Stance {
            target: "harbour bridge".into(),
            label: "against".into(),
            score: 0.4,
            basis: Basis::Model,
        }];
        let mut d = record("d3", Some("Mira Solberg"), QuoteKind::Direct, "Done");
        d.stance = vec![Stance {
            target: "harbour bridge".into(),
            label: "neutral".into(),
            score: 0.998,
            basis: Basis::TargetNotMentioned,
        }];
        let c = record("d2", None, QuoteKind::Mixed, "a \"fair\" deal");
        let mut lines: Vec<String> = [a, b, c, d]
            .iter()
            .map(|r| serde_json::to_string(r).unwrap())
            .collect();
        lines.insert(
            2,
            serde_json::to_string(&error_line("d9", "empty")).unwrap(),
        );
        lines.push(String::new());
        lines.join("\n")
    }

    #[test]
    fn counts_records_errors_kinds_and_speakers() {
        let scan = scan_reader(sample_jsonl().as_bytes(), 2, DEFAULT_MIN_STANCE_SCORE).unwrap();
        let t = &scan.tally;
        assert_eq!(scan.rows.len(), 2);
        assert_eq!(t.records, 4);
        assert_eq!(t.error_lines, 1);
        assert_eq!(t.errors_by_kind.get("empty"), Some(&1));
        assert_eq!(t.bad_lines, 0);
        assert_eq!(t.quote_kinds, [2, 1, 1]);
        assert_eq!(t.speaker_kinds, [3, 0, 0, 1]);
        assert_eq!(t.named, 3);
        assert_eq!(t.documents(None), 4);
        assert_eq!(t.documents(Some(10)), 10);
        assert_eq!(t.documents_with_records(), 3);
        assert_eq!(t.records_per_document(6), vec![0, 0, 1, 1, 2]);
        assert_eq!(t.distinct_entities(), 2);
        // The record known only as "she" is no speaker of its own.
        assert_eq!(t.distinct_speakers(), 1);
        assert_eq!(t.mean_confidence(), Some(0.5));
        let top = t.top_speakers(1);
        assert_eq!(top[0].0, "Mira Solberg");
        assert_eq!(top[0].1.records, 3);
        assert_eq!(t.top_speakers(5).len(), 1);
        assert_eq!(t.gender, [0, 0, 3]);
        assert_eq!(t.stance["harbour bridge"]["favor"], 1);
        assert_eq!(top[0].1.stance["harbour bridge"]["favor"], 1);
        assert_eq!(t.stance["harbour bridge"].get("against"), None);
        assert_eq!(t.stance["harbour bridge"].get("neutral"), None);
        let aside = t.stance_set_aside["harbour bridge"];
        assert_eq!((aside.below_threshold, aside.target_not_mentioned), (1, 1));
        assert_eq!((t.claims, t.checkworthy, t.with_stance), (1, 1, 3));
        assert_eq!(t.dates.values().sum::<u64>(), 4);
    }

    #[test]
    fn outlets_get_kinds_and_top_speakers_and_check_worthy_quotes_are_ranked() {
        let mut t = Tally::default();
        for (i, (who, kind, score)) in [
            (Some("Mira Solberg"), QuoteKind::Direct, 0.9f32),
            (Some("Mira Solberg"), QuoteKind::Indirect, 0.4),
            (Some("Jon Aas"), QuoteKind::Direct, 0.7),
            (None, QuoteKind::Mixed, 0.95),
        ]
        .into_iter()
        .enumerate()
        {
            let mut r = record("d1", who, kind, &format!("claim number {i}"));
            r.meta.insert("source".into(), "Harbour Post".into());
            r.claim = Some(Claim {
                checkworthy: score >= 0.5,
                score,
            });
            t.add_record(&r);
        }
        assert_eq!(t.outlet_kinds["Harbour Post"], [2, 1, 1]);
        assert_eq!(t.outlet_speakers["Harbour Post"]["Mira Solberg"], 2);
        assert_eq!(t.outlet_speakers["Harbour Post"].len(), 2, "names only");
        let scores: Vec<f32> = t.top_checkworthy.iter().map(|c| c.0).collect();
        assert_eq!(scores, [0.95, 0.9, 0.7], "check-worthy ones, highest first");
        assert_eq!(t.top_checkworthy[1].2, "claim number 0");
    }

    #[test]
    fn damaged_lines_are_counted_not_fatal() {
        let text = format!("{}\nnot json\n{{\"x\": 1}}\n", sample_jsonl());
        let scan = scan_reader(text.as_bytes(), 0, 0.0).unwrap();
        assert_eq!(scan.tally.records, 4);
        assert_eq!(scan.tally.bad_lines, 2);
        assert_eq!(scan.first_bad_line.map(|b| b.0), Some(7));
    }
}
