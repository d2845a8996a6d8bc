//! The corpus pass over speakers: one key per real-world speaker across all documents, the
//! gender the corpus's text gives each key, and the speakers table written beside the output.
//!
//! Each record arrives with the key of its own document ([`crate::speakers::key::name_key`]:
//! the normalised name, "donald trump" for "Donald J. Trump"). This pass reads the run's records
//! once ([`Roster::observe`]) and keeps only names and counts, never records: per document-level
//! key its name forms, roles, kinds, quote and document counts, dates and gender evidence. Its
//! memory grows with the number of distinct speakers, not of records. [`Roster::finish`] then
//! decides the corpus keys:
//!
//! - a surname alone ("trump", from "Trump" or "Mr. Trump" in a document that never gives the
//!   full name) joins the full name with that surname when the corpus has only one, or one that
//!   has at least nine in ten of the quotes of all full names with that surname; otherwise it
//!   stays a key of its own, since the corpus cannot tell who is meant;
//! - gender is decided per corpus key from the evidence of every document (each document's
//!   speaker counted once), and from the user's name list (`--gender-names`) only where the
//!   text gives none.
//!
//! The result ([`KeyTable`]) depends only on the set of records, visited in output order, so a
//! resumed run and a rerun over the same corpus give the same keys. A rerun that adds documents
//! recomputes the keys over the whole new corpus: a new full name may merge a surname key into
//! it, or a second full name with the same surname may split one back; the same corpus always
//! gives the same keys.

pub mod table;

use crate::error::{Error, Result};
use crate::record::{OutputLine, Record};
use crate::speakers::key::{name_key, surname};
use crate::speakers::names::Gender;
use crate::speakers::{EvidenceKind, GenderEvidence, SpeakerKind};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// At most this many name forms and roles are kept per key, so that memory stays bounded by
/// the number of speakers even for a speaker described a thousand ways.
const MAX_FORMS: usize = 64;

/// The share of the quotes of all full names with one surname that the most quoted one must
/// have for a bare surname to be read as that person.
const SURNAME_DOMINANCE: f64 = 0.9;

/// A user's list of given names with a gender (`--gender-names FILE`): one `name,gender` (or
/// tab-separated) pair per line, `#` comments; consulted only for speakers the text genders
/// nowhere.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GenderNames(HashMap<String, Gender>);

impl GenderNames {
    /// Reads a name list.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Path {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text).map_err(|m| Error::Invalid(format!("{}: {m}", path.display())))
    }

    /// Parses a name list's text.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let mut names = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, gender) = line
                .split_once([',', '\t'])
                .ok_or_else(|| format!("line {}: expected `name,female|male`", i + 1))?;
            let gender = match gender.trim().to_lowercase().as_str() {
                "female" | "f" => Gender::Female,
                "male" | "m" => Gender::Male,
                other => return Err(format!("line {}: unknown gender {other:?}", i + 1)),
            };
            names.insert(crate::speakers::key::fold(name.trim()), gender);
        }
        Ok(GenderNames(names))
    }

    fn get(&self, given: &str) -> Option<Gender> {
        self.0.get(given).copied()
    }
}

/// What the corpus says about one document-level key.
#[derive(Debug, Default, Clone)]
struct NameStats {
    /// Name forms as written, with their quote counts.
    forms: BTreeMap<String, u64>,
    roles: BTreeSet<String>,
    /// Quotes by kind: person, organization, group, unknown.
    kinds: [u64; 4],
    quotes: u64,
    documents: u64,
    /// The index of the last document counted, so that a document counts once.
    last_document: Option<u64>,
    first_date: Option<String>,
    last_date: Option<String>,
    evidence: GenderEvidence,
}

fn kind_index(kind: SpeakerKind) -> usize {
    match kind {
        SpeakerKind::Person => 0,
        SpeakerKind::Organization => 1,
        SpeakerKind::Group => 2,
        SpeakerKind::Unknown => 3,
    }
}

const KINDS: [SpeakerKind; 4] = [
    SpeakerKind::Person,
    SpeakerKind::Organization,
    SpeakerKind::Group,
    SpeakerKind::Unknown,
];

impl NameStats {
    /// The kind most of its quotes have, a named person winning over "unknown".
    fn kind(&self) -> SpeakerKind {
        let mut best = SpeakerKind::Unknown;
        let mut most = 0;
        for (i, n) in self.kinds.iter().enumerate() {
            if *n > most && KINDS[i] != SpeakerKind::Unknown {
                best = KINDS[i];
                most = *n;
            }
        }
        best
    }

    fn merge(&mut self, other: &NameStats) {
        for (f, n) in &other.forms {
            if self.forms.len() < MAX_FORMS || self.forms.contains_key(f) {
                *self.forms.entry(f.clone()).or_default() += n;
            }
        }
        for r in &other.roles {
            if self.roles.len() < MAX_FORMS {
                self.roles.insert(r.clone());
            }
        }
        for i in 0..4 {
            self.kinds[i] += other.kinds[i];
        }
        self.quotes += other.quotes;
        self.documents += other.documents;
        self.first_date = min_opt(self.first_date.take(), other.first_date.clone());
        self.last_date = max_opt(self.last_date.take(), other.last_date.clone());
        self.evidence.merge(&other.evidence);
    }
}

fn min_opt(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// The ISO day (`YYYY-MM-DD`) a record's `meta.date` starts with, if it does.
fn iso_day(r: &Record) -> Option<String> {
    let date = r.meta.get("date")?.as_str()?;
    let day = date.get(..10)?;
    let b = day.as_bytes();
    let ok = b.iter().enumerate().all(|(i, c)| match i {
        4 | 7 => *c == b'-',
        _ => c.is_ascii_digit(),
    });
    ok.then(|| day.to_string())
}

/// Collects names and counts over a run's records, in output order.
#[derive(Debug, Default)]
pub struct Roster {
    names: HashMap<String, NameStats>,
    /// Documents seen so far (records of one document come together).
    documents: u64,
    current_doc: Option<String>,
    /// The entities of the current document whose evidence has been counted.
    entities_counted: BTreeSet<String>,
    /// The document-level keys of the current document.
    doc_keys: BTreeSet<String>,
    /// Documents in which a lone surname key and a full name with that surname both occur,
    /// by (surname key, full key): subtracted when the surname joins the full name, so that a
    /// document counts once.
    overlaps: HashMap<(String, String), u64>,
    records: u64,
}

impl Roster {
    /// An empty roster.
    pub fn new() -> Self {
        Self::default()
    }

    /// The document-level key of a record: recomputed from its name and kind, never read from
    /// its `key` field, which a reused record carries from an earlier corpus.
    pub fn document_key(r: &Record) -> Option<String> {
        let name = r.speaker.name.as_deref()?;
        name_key(name, r.speaker.kind)
    }

    /// Counts one record.
    pub fn observe(&mut self, r: &Record) {
        self.records += 1;
        if self.current_doc.as_deref() != Some(r.doc_id.0.as_str()) {
            self.end_document();
            self.current_doc = Some(r.doc_id.0.clone());
            self.entities_counted.clear();
            self.documents += 1;
        }
        let Some(key) = Self::document_key(r) else {
            return;
        };
        if !self.doc_keys.contains(&key) {
            self.doc_keys.insert(key.clone());
        }
        let doc = self.documents;
        let s = self.names.entry(key).or_default();
        let form = r.speaker.name.clone().unwrap_or_default();
        if s.forms.len() < MAX_FORMS || s.forms.contains_key(&form) {
            *s.forms.entry(form).or_default() += 1;
        }
        if let Some(role) = &r.speaker.role {
            if s.roles.len() < MAX_FORMS {
                s.roles.insert(role.clone());
            }
        }
        s.kinds[kind_index(r.speaker.kind)] += 1;
        s.quotes += 1;
        if s.last_document != Some(doc) {
            s.last_document = Some(doc);
            s.documents += 1;
        }
        if let Some(day) = iso_day(r) {
            s.first_date = min_opt(s.first_date.take(), Some(day.clone()));
            s.last_date = max_opt(s.last_date.take(), Some(day));
        }
        // Every record of one entity carries the same evidence: count it once per document.
        let entity = r.speaker.entity.clone().unwrap_or_default();
        if self.entities_counted.insert(entity) {
            s.evidence.merge(&r.speaker.gender_evidence);
        }
    }

    /// Notes which surnames and full names the finished document had together.
    fn end_document(&mut self) {
        let keys = std::mem::take(&mut self.doc_keys);
        for lone in keys.iter().filter(|k| !k.contains(' ')) {
            for full in keys.iter().filter(|k| k.contains(' ')) {
                if surname(full) == Some(lone.as_str()) {
                    *self
                        .overlaps
                        .entry((lone.clone(), full.clone()))
                        .or_default() += 1;
                }
            }
        }
    }

    /// Reads every record of a JSONL stream (the run's spool).
    pub fn observe_jsonl(&mut self, path: &Path) -> Result<()> {
        use std::io::BufRead;
        let io = |source| Error::Path {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).map_err(io)? == 0 {
                break;
            }
            let text = line.trim_end();
            if text.is_empty() {
                continue;
            }
            match OutputLine::parse(text) {
                Ok(OutputLine::Record(r)) => self.observe(&r),
                Ok(OutputLine::Error(_)) => {}
                Err(e) => return Err(Error::Invalid(format!("{}: {e}", path.display()))),
            }
        }
        Ok(())
    }

    /// Records observed.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Decides the corpus keys and their speakers.
    pub fn finish(mut self, gender_names: Option<&GenderNames>) -> KeyTable {
        self.end_document();
        // Full person names by surname, for the surnames that come alone.
        let mut by_surname: BTreeMap<&str, Vec<(&str, u64)>> = BTreeMap::new();
        for (key, s) in &self.names {
            let person = matches!(s.kind(), SpeakerKind::Person);
            if person && key.contains(' ') {
                if let Some(last) = surname(key) {
                    by_surname.entry(last).or_default().push((key, s.quotes));
                }
            }
        }
        let mut map: BTreeMap<String, String> = BTreeMap::new();
        for (key, s) in &self.names {
            let lone = !key.contains(' ');
            let personal = matches!(s.kind(), SpeakerKind::Person | SpeakerKind::Unknown);
            let target = match by_surname.get(key.as_str()) {
                Some(candidates) if lone && personal => {
                    let total: u64 = candidates.iter().map(|c| c.1).sum();
                    // The most quoted, ties to the alphabetically first: deterministic.
                    let best = candidates
                        .iter()
                        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
                        .expect("candidates are never empty");
                    (best.1 as f64 >= SURNAME_DOMINANCE * total as f64).then(|| best.0.to_string())
                }
                _ => None,
            };
            map.insert(key.clone(), target.unwrap_or_else(|| key.clone()));
        }
        // Merge the statistics into the corpus keys.
        let mut merged: BTreeMap<String, (NameStats, NameStats)> = BTreeMap::new();
        for (key, s) in self.names {
            let target = map[&key].clone();
            let entry = merged.entry(target.clone()).or_default();
            // Own statistics (the full name's forms give the display name) apart from the
            // surname mentions merged into it.
            if target == key {
                entry.0.merge(&s);
            } else {
                let mut s = s;
                // Documents that had both already count for the full name.
                let both = self.overlaps.get(&(key, target)).copied().unwrap_or(0);
                s.documents = s.documents.saturating_sub(both);
                entry.1.merge(&s);
            }
        }
        let mut speakers = BTreeMap::new();
        for (key, (own, joined)) in merged {
            let display = own
                .forms
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(f, _)| f.clone())
                .unwrap_or_default();
            let mut all = own;
            let kind = all.kind();
            all.merge(&joined);
            let mut evidence = all.evidence;
            if kind == SpeakerKind::Organization || kind == SpeakerKind::Group {
                evidence = GenderEvidence::default();
            } else if evidence.is_empty() {
                // The list speaks to given names: a full name's first word.
                let given = key.split(' ').next().unwrap_or("");
                let listed = gender_names
                    .filter(|_| key.contains(' '))
                    .and_then(|n| n.get(given));
                if let Some(g) = listed {
                    evidence.add(g, EvidenceKind::NameList, 1);
                }
            }
            speakers.insert(
                key.clone(),
                SpeakerEntry {
                    key,
                    name: display,
                    kind,
                    gender: evidence.verdict(),
                    gender_evidence: evidence,
                    roles: all.roles.into_iter().collect(),
                    aliases: all.forms.into_keys().collect(),
                    documents: all.documents,
                    quotes: all.quotes,
                    first_date: all.first_date,
                    last_date: all.last_date,
                },
            );
        }
        KeyTable { map, speakers }
    }
}

/// One line of the speakers table: a corpus key with what the corpus says about it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SpeakerEntry {
    /// The corpus key (as in records' `speaker.key`).
    pub key: String,
    /// The display name: the form the speaker's own full name takes most often.
    pub name: String,
    /// The kind most of its quotes give it.
    pub kind: SpeakerKind,
    /// `female` / `male` from the evidence, or null.
    pub gender: Option<Gender>,
    /// The evidence, added up over the corpus (each document's speaker once).
    pub gender_evidence: GenderEvidence,
    /// Roles and titles seen.
    pub roles: Vec<String>,
    /// Name forms seen (the full name's and the surname mentions merged into it).
    pub aliases: Vec<String>,
    /// Documents that quote it.
    pub documents: u64,
    /// Records (quotes) attributed to it.
    pub quotes: u64,
    /// Earliest `meta.date` (ISO day) of its records, when the inputs give dates.
    pub first_date: Option<String>,
    /// Latest `meta.date` (ISO day).
    pub last_date: Option<String>,
}

/// The corpus keys: what each document-level key becomes, and each key's speaker.
#[derive(Debug, Default)]
pub struct KeyTable {
    map: BTreeMap<String, String>,
    speakers: BTreeMap<String, SpeakerEntry>,
}

impl KeyTable {
    /// Sets a record's `speaker.key` and `speaker.gender` to the corpus's. Nothing else
    /// changes (the kind stays the document's), so that a record reused by `rerun` and keyed
    /// again comes out as a fresh one would.
    pub fn apply(&self, r: &mut Record) {
        let key = Roster::document_key(r).and_then(|k| self.map.get(&k));
        let entry = key.and_then(|k| self.speakers.get(k));
        r.speaker.key = key.cloned();
        r.speaker.gender = entry.and_then(|e| e.gender);
    }

    /// The speakers, most quoted first (ties by key).
    pub fn speakers(&self) -> Vec<&SpeakerEntry> {
        let mut v: Vec<&SpeakerEntry> = self.speakers.values().collect();
        v.sort_by(|a, b| b.quotes.cmp(&a.quotes).then(a.key.cmp(&b.key)));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Provenance, Quote, SpeakerRecord};
    use crate::span::{DocId, Span};

    fn rec(doc: &str, entity: &str, name: &str, kind: SpeakerKind) -> Record {
        Record {
            doc_id: DocId(doc.into()),
            quote_id: format!("{doc}:0-1"),
            quote: Quote {
                text: "x".into(),
                spans: vec![Span { start: 0, end: 1 }],
                kind: crate::attribution::QuoteKind::Direct,
            },
            cue: None,
            speaker: SpeakerRecord {
                mention: None,
                name: Some(name.into()),
                kind,
                role: None,
                entity: Some(format!("{doc}#{entity}")),
                key: None,
                gender: None,
                gender_evidence: GenderEvidence::default(),
                confidence: 1.0,
            },
            stance: vec![],
            claim: None,
            meta: Default::default(),
            provenance: Provenance {
                pipeline: "0".into(),
                models: Default::default(),
            },
        }
    }

    #[test]
    fn surnames_join_the_one_full_name_and_stay_apart_when_ambiguous() {
        use SpeakerKind::*;
        let mut roster = Roster::new();
        let mut he = rec("a", "e1", "Donald J. Trump", Person);
        he.speaker
            .gender_evidence
            .add(Gender::Male, EvidenceKind::Pronoun, 2);
        let records = [
            he,
            rec("a", "e1", "Donald J. Trump", Person),
            rec("b", "e1", "Donald Trump", Person),
            rec("c", "e1", "Trump", Unknown),
            rec("c", "e2", "Lindqvist", Person),
            rec("d", "e1", "Maria Lindqvist", Person),
            rec("e", "e1", "Anders Lindqvist", Person),
            rec("f", "e1", "the State Department", Organization),
            rec("g", "e1", "U.S. State Department", Organization),
        ];
        for r in &records {
            roster.observe(r);
        }
        let table = roster.finish(None);
        let keys: Vec<Option<String>> = records
            .iter()
            .map(|r| {
                let mut r = r.clone();
                table.apply(&mut r);
                r.speaker.key
            })
            .collect();
        let k = |s: &str| Some(s.to_string());
        assert_eq!(
            keys[..4],
            [
                k("donald trump"),
                k("donald trump"),
                k("donald trump"),
                k("donald trump")
            ]
        );
        assert_eq!(
            keys[4..7],
            [k("lindqvist"), k("maria lindqvist"), k("anders lindqvist")]
        );
        assert_eq!(keys[7], keys[8]);
        let trump = table.speakers()[0];
        assert_eq!(trump.key, "donald trump");
        assert_eq!(trump.quotes, 4);
        assert_eq!(trump.documents, 3);
        assert_eq!(trump.name, "Donald J. Trump");
        assert_eq!(trump.gender, Some(Gender::Male));
        assert_eq!(
            trump.gender_evidence.male.pronoun, 2,
            "one document counts once"
        );
        assert!(trump.aliases.contains(&"Trump".to_string()));
        let mut merged = records[3].clone();
        table.apply(&mut merged);
        assert_eq!(merged.speaker.gender, Some(Gender::Male));
        // Keying again (a rerun's reused record) changes nothing.
        let mut again = merged.clone();
        table.apply(&mut again);
        assert_eq!(again, merged);
    }

    #[test]
    fn name_lists_only_fill_in_where_the_text_is_silent() {
        let names = GenderNames::parse("# given names\nMaria,female\nAnders\tmale\n").unwrap();
        let mut roster = Roster::new();
        roster.observe(&rec("d", "e1", "Maria Lindqvist", SpeakerKind::Person));
        let mut anders = rec("e", "e1", "Anders Lindqvist", SpeakerKind::Person);
        anders
            .speaker
            .gender_evidence
            .add(Gender::Female, EvidenceKind::Honorific, 1);
        roster.observe(&anders);
        let table = roster.finish(Some(&names));
        let by_key = |k: &str| table.speakers().into_iter().find(|s| s.key == k).unwrap();
        assert_eq!(by_key("maria lindqvist").gender, Some(Gender::Female));
        assert_eq!(
            by_key("maria lindqvist").gender_evidence.female.name_list,
            1
        );
        // The text says "Ms." and the list says male: the text wins.
        assert_eq!(by_key("anders lindqvist").gender, Some(Gender::Female));
        assert!(GenderNames::parse("Maria").is_err());
    }
}
