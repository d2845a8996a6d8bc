//! Speakers: turns each attribution's local source mention into a canonical in-document
//! speaker (name, role, kind, entity id) by in-document coreference.
//!
//! Resolution reads the document once for the people it names (outside quotations), so that
//! a surname ("Sherman") finds the full name introduced earlier ("Deputy Secretary of State
//! Wendy Sherman") and a pronoun finds the most recent person of matching gender. Entities
//! are numbered in the order their first record appears.

pub mod gender;
pub mod key;
pub mod names;

use crate::attribution::rules::lexicon::is_name_word;
use crate::attribution::{Attribution, QuoteKind};
use crate::span::NormRange;
use crate::text::Analysis;
pub use gender::{EvidenceKind, GenderEvidence};
use names::{gender_of, is_given_name, read, role_gender, Gender, Reading};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// What kind of thing a speaker is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpeakerKind {
    /// A named or described individual.
    Person,
    /// An organisation, institution, government or outlet ("the Kremlin").
    Organization,
    /// A plural group ("both sides", "officials").
    Group,
    /// Not determined.
    Unknown,
}

/// A document-local entity number; records show it as `DOC#eN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityId(pub usize);

/// The resolved speaker of one attribution.
#[derive(Debug, Clone, PartialEq)]
pub struct Speaker {
    /// The local mention (byte range of the normalised text), if any.
    pub mention: Option<NormRange>,
    /// Canonical name within the document ("Sergei Ryabkov").
    pub name: Option<String>,
    /// Person, organisation, group or unknown.
    pub kind: SpeakerKind,
    /// Role or title ("Russian Deputy Foreign Minister").
    pub role: Option<String>,
    /// The entity all of this speaker's mentions share.
    pub entity: Option<EntityId>,
    /// The gender the document's text gives this speaker, from [`Speaker::gender_evidence`].
    pub gender: Option<Gender>,
    /// What in the document tells the speaker's gender (pronouns, honorifics, role nouns).
    pub gender_evidence: GenderEvidence,
    /// How sure the resolution is (0..=1).
    pub confidence: f32,
}

/// One entity of a document: a person, organisation or group with its canonical name.
#[derive(Debug, Clone)]
struct Entity {
    name: Option<String>,
    role: Option<String>,
    kind: SpeakerKind,
    gender: Option<Gender>,
    /// Registered from a bare capitalised pair ("Ilona Varga") without a title or a known
    /// given name: good enough to expand a surname, too weak to be a pronoun's antecedent
    /// until it has been a source.
    weak: bool,
    /// Has been the source of an attribution.
    spoke: bool,
    /// What the text says about the entity's gender.
    evidence: GenderEvidence,
    /// The head nouns of every role it was given ("nominee", "senator"), for "the nominee".
    role_heads: Vec<String>,
    /// The works it spoke through ("poll" for "a Gallup poll"), for "the poll" later.
    works: Vec<String>,
}

impl Entity {
    fn from_reading(r: &Reading) -> Self {
        let mut e = Entity {
            name: r.name.clone(),
            role: r.role.clone(),
            kind: r.kind.unwrap_or(SpeakerKind::Unknown),
            gender: r.gender,
            weak: false,
            spoke: false,
            evidence: GenderEvidence::default(),
            role_heads: Vec::new(),
            works: Vec::new(),
        };
        e.note_role(r.role.as_deref());
        e
    }

    /// Remembers the head noun of a role given to the entity in any mention.
    fn note_role(&mut self, role: Option<&str>) {
        let head = role
            .and_then(|r| r.split(' ').next_back())
            .map(str::to_lowercase);
        if let Some(head) = head {
            if !self.role_heads.contains(&head) && self.role_heads.len() < 16 {
                self.role_heads.push(head);
            }
        }
    }

    /// Adds what a reading of one of its mentions says about its gender.
    fn add_reading_evidence(&mut self, r: &Reading) {
        if let Some(g) = r.honorific {
            self.evidence.add(g, EvidenceKind::Honorific, 1);
        }
        if let Some(g) = r.role_noun {
            self.evidence.add(g, EvidenceKind::RoleNoun, 1);
        }
    }

    /// The key that identifies descriptions and organisations ("source", "kremlin").
    fn key(&self) -> String {
        self.name
            .as_deref()
            .or(self.role.as_deref())
            .unwrap_or("")
            .to_lowercase()
    }

    fn last_name(&self) -> Option<&str> {
        self.name.as_deref()?.split(' ').next_back()
    }
}

/// Head nouns of the epithets news gives a central figure ("the Republican nominee", "the
/// billionaire investor"), which [`Registry::salient_by_epithet`] resolves. Roles that many
/// unnamed people hold ("the spokesman", "the official") are not among them.
const EPITHET_HEADS: &[&str] = &[
    "nominee", "candidate", "businessman", "businesswoman", "billionaire", "mogul", "tycoon",
    "investor", "developer", "senator", "governor", "congressman", "congresswoman", "republican",
    "democrat", "frontrunner", "front-runner", "incumbent", "challenger", "populist",
];

/// Capitalised last words by which news refers back to an organisation named in full ("The
/// New York Post" ... "the Post"). Bodies whose word names another body too ("House",
/// "Senate", "Court", "Party") are left out.
const SHORT_FORMS: &[&str] = &[
    "Post", "Times", "Journal", "News", "Tribune", "Herald", "Guardian", "Telegraph", "Gazette",
    "Review", "Observer", "Monitor", "Mail", "Express", "Commission", "Committee", "Ministry",
    "Department", "Agency", "Bureau", "Foundation", "Institute", "Center", "Centre", "Council",
    "Company", "Corporation", "Bank", "Campaign", "Fund", "Network", "Association",
];

/// The entities of one document and where persons are mentioned.
struct Registry<'a> {
    analysis: &'a Analysis,
    entities: Vec<Entity>,
    /// (byte position, entity) of every person mention outside quotations, in text order.
    person_mentions: Vec<(usize, usize)>,
    /// (byte position, entity) of every named organisation outside quotations, in text order.
    org_mentions: Vec<(usize, usize)>,
    /// (byte position, entity) of every resolved source, in text order of resolution.
    sources: Vec<(usize, usize)>,
    /// (byte position, entity) of every source that spoke through a work ("a Gallup poll",
    /// "The ad"), in text order of resolution.
    work_sources: Vec<(usize, usize)>,
    /// The contents of direct quotes, sorted: an "I" inside one is the quoted speaker's.
    quoted: Vec<NormRange>,
    /// The piece's author, once an "I" outside quotes has asked: `Some(None)` when the piece
    /// names none, so that its byline is looked for once.
    author: Option<Option<usize>>,
}

impl<'a> Registry<'a> {
    fn new(analysis: &'a Analysis, quoted: &[NormRange]) -> Self {
        let mut reg = Registry {
            analysis,
            entities: Vec::new(),
            person_mentions: Vec::new(),
            org_mentions: Vec::new(),
            sources: Vec::new(),
            work_sources: Vec::new(),
            quoted: quoted.to_vec(),
            author: None,
        };
        for run in name_runs(analysis, quoted) {
            let words = reg.words(&run);
            let run_has_article = words.first().is_some_and(|w| *w == "the");
            let reading = read(&words);
            if reading.kind == Some(SpeakerKind::Organization) && reading.name.is_some() {
                let key = Entity::from_reading(&reading).key();
                let id = reg
                    .find_key(SpeakerKind::Organization, &key)
                    .unwrap_or_else(|| {
                        reg.entities.push(Entity::from_reading(&reading));
                        reg.entities.len() - 1
                    });
                reg.org_mentions.push((run.start, id));
                continue;
            }
            if reading.kind != Some(SpeakerKind::Person) {
                continue;
            }
            let Some(name) = reading.name.as_deref() else {
                continue;
            };
            let evidence = reading.role.is_some()
                || reading.gender.is_some()
                || name.split(' ').next().is_some_and(is_given_name);
            let found = reg.find_person(name);
            let id = match found {
                Some(id) => {
                    let e = &mut reg.entities[id];
                    if e.role.is_none() {
                        e.role = reading.role.clone();
                    }
                    e.note_role(reading.role.as_deref());
                    // A surname that comes back on its own is a person's, not a place's.
                    if !name.contains(' ') {
                        e.weak = false;
                    }
                    Some(id)
                }
                None if evidence && name.contains(' ') || reading.role.is_some() => {
                    reg.entities.push(Entity::from_reading(&reading));
                    Some(reg.entities.len() - 1)
                }
                None if !run_has_article && (2..=3).contains(&name.split(' ').count()) => {
                    let mut e = Entity::from_reading(&reading);
                    e.weak = true;
                    reg.entities.push(e);
                    Some(reg.entities.len() - 1)
                }
                None => None,
            };
            if let Some(id) = id {
                reg.entities[id].add_reading_evidence(&reading);
                // "presidential nominee Harold Vance": the lower-case title before the name
                // run makes "the nominee" refer to him later.
                if let Some(noun) = reg.word_before(run.start) {
                    if crate::attribution::rules::lexicon::SOURCE_HEADS.contains(&noun) {
                        reg.entities[id].note_role(Some(noun));
                    }
                }
                reg.person_mentions.push((run.start, id));
            }
        }
        reg
    }

    /// The word right before byte `pos`, when it is lower case.
    fn word_before(&self, pos: usize) -> Option<&'a str> {
        let toks = &self.analysis.tokens;
        let i = toks.partition_point(|t| t.range.end <= pos);
        let t = toks.get(i.checked_sub(1)?)?;
        let w = &self.analysis.text()[t.range.clone()];
        w.starts_with(char::is_lowercase).then_some(w)
    }

    fn words(&self, r: &NormRange) -> Vec<&'a str> {
        let text = self.analysis.text();
        let toks = &self.analysis.tokens;
        let from = toks.partition_point(|t| t.range.end <= r.start);
        toks[from..]
            .iter()
            .take_while(|t| t.range.start < r.end)
            .map(|t| &text[t.range.clone()])
            .collect()
    }

    /// The person entity a name refers to: the same full name, or a full name ending in this
    /// surname (the earliest introduced wins).
    fn find_person(&self, name: &str) -> Option<usize> {
        let last = name.split(' ').next_back()?;
        let single = !name.contains(' ');
        self.entities
            .iter()
            .position(|e| {
                matches!(e.kind, SpeakerKind::Person | SpeakerKind::Unknown)
                    && e.name.as_deref() == Some(name)
            })
            .or_else(|| {
                self.entities.iter().position(|e| {
                    e.kind == SpeakerKind::Person
                        && e.last_name() == Some(last)
                        && (single || e.name.as_deref().is_some_and(|n| !n.contains(' ')))
                })
            })
    }

    fn find_key(&self, kind: SpeakerKind, key: &str) -> Option<usize> {
        self.entities
            .iter()
            .position(|e| e.kind == kind && e.key() == key)
    }

    /// The most recent person before `pos` that `gender` allows.
    fn antecedent_person(&self, pos: usize, gender: Option<Gender>) -> Option<usize> {
        let compatible = |id: usize| {
            let e = &self.entities[id];
            (!e.weak || e.spoke)
                && match (gender, e.gender) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                }
        };
        let from_text = before(&self.person_mentions, pos).find(|(_, id)| compatible(*id));
        let from_sources = before(&self.sources, pos)
            .filter(|(_, id)| self.entities[*id].kind == SpeakerKind::Person)
            .find(|(_, id)| compatible(*id));
        nearest(from_text, from_sources)
    }

    /// The latest person-like mention before `pos` (position, entity), whatever its gender and
    /// however weak: a named person, or a source of unknown kind ("Melanie said").
    fn nearest_any_person(&self, pos: usize) -> Option<(usize, usize)> {
        let personal = |id: usize| {
            matches!(
                self.entities[id].kind,
                SpeakerKind::Person | SpeakerKind::Unknown
            )
        };
        // A pronoun is no new evidence of who is around: only names count.
        let text = self.analysis.text();
        let pronoun = |p: usize| {
            let word = text[p..]
                .split(|c: char| !c.is_alphanumeric())
                .next()
                .unwrap_or("")
                .to_lowercase();
            matches!(
                word.as_str(),
                "he" | "she" | "him" | "her" | "they" | "them" | "i" | "we" | "who"
            )
        };
        let from_text = before(&self.person_mentions, pos).next();
        let from_sources = before(&self.sources, pos).find(|(p, id)| personal(*id) && !pronoun(*p));
        match (from_text, from_sources) {
            (Some(a), Some(b)) => Some(if a.0 >= b.0 { *a } else { *b }),
            (a, b) => a.or(b).copied(),
        }
    }

    /// Whether a pronoun at `pos` surely refers to `id`: its latest mention is the nearest
    /// person-like one, no other person is named shortly before, and no gendered common noun ("the woman", "her husband") lies between,
    /// which could be the pronoun's antecedent instead.
    fn pronoun_surely_refers(&self, pos: usize, id: usize) -> bool {
        let Some((at, nearest)) = self.nearest_any_person(pos) else {
            return false;
        };
        // Nobody else named close before: "Clinton ... painting Trump as a Romney caricature.
        // She ..." names three people, and "she" may be any of them.
        const CLOSE: usize = 400;
        let others = before(&self.person_mentions, pos)
            .take_while(|(p, _)| pos - p <= CLOSE)
            .any(|(_, other)| *other != id);
        let between = &self.analysis.text()[at..pos];
        nearest == id
            && !others
            && !between
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w.starts_with(char::is_lowercase) && role_gender(w).is_some())
    }

    /// The antecedent of a relative "who" at `pos`: a person mentioned just before it
    /// ("Smith, who", "Ms. Varga, the minister, who"), within a short stretch of text.
    fn relative_antecedent(&self, pos: usize) -> Option<usize> {
        const REACH: usize = 80;
        let close = |(p, _): &&(usize, usize)| pos - *p <= REACH;
        let from_text = before(&self.person_mentions, pos).next().filter(close);
        let from_sources = before(&self.sources, pos).next().filter(close);
        nearest(from_text, from_sources)
    }

    /// The antecedent of a relative "which" at `pos`: an organisation named just before it.
    fn relative_organisation(&self, pos: usize) -> Option<usize> {
        const REACH: usize = 80;
        before(&self.org_mentions, pos)
            .next()
            .filter(|(p, _)| pos - *p <= REACH)
            .map(|x| x.1)
    }

    /// The most recent organisation or group source before `pos`.
    fn antecedent_collective(&self, pos: usize, kinds: &[SpeakerKind]) -> Option<usize> {
        before(&self.sources, pos)
            .find(|(_, id)| kinds.contains(&self.entities[*id].kind))
            .map(|x| x.1)
    }

    /// Resolves one source mention to an entity, with how sure the resolution is.
    fn resolve_mention(&mut self, mention: &NormRange) -> Option<(usize, f32)> {
        let words = self.words(mention);
        let pos = mention.start;
        if let [one] = words.as_slice() {
            let lower = one.to_lowercase();
            let pronoun =
                match lower.as_str() {
                    "he" | "him" => Some(self.antecedent_person(pos, Some(Gender::Male))),
                    "she" | "her" => Some(self.antecedent_person(pos, Some(Gender::Female))),
                    "they" | "them" => Some(self.antecedent_collective(
                        pos,
                        &[SpeakerKind::Group, SpeakerKind::Organization],
                    )),
                    "it" => Some(self.antecedent_collective(pos, &[SpeakerKind::Organization])),
                    // "I grew up in ..." in an opinion piece signed by its author.
                    "i" | "me" if !inside(&self.quoted, pos) => Some(self.author()),
                    "i" | "we" | "you" | "us" | "me" => Some(None),
                    // "Smith, who said ...": the name right before the relative pronoun.
                    "who" => Some(self.relative_antecedent(pos)),
                    // "the Saudi government, which has strongly denied ...": the organisation
                    // named right before.
                    "which" => Some(self.relative_organisation(pos)),
                    _ => None,
                };
            if let Some(found) = pronoun {
                let gender = match lower.as_str() {
                    "he" | "him" => Some(Gender::Male),
                    "she" | "her" => Some(Gender::Female),
                    _ => None,
                };
                // Evidence only when no other person (or unknown name) is mentioned between
                // the antecedent and the pronoun: "Melanie said ... she said" after "Justice
                // Antonin Scalia" must not make the judge a woman.
                if let (Some(id), Some(g)) = (found, gender) {
                    if self.pronoun_surely_refers(pos, id) {
                        self.entities[id].evidence.add(g, EvidenceKind::Pronoun, 1);
                    }
                }
                return found.map(|id| (id, 0.8));
            }
        }
        // "the poll" after "a Gallup poll said": the author of that work.
        if let Some(id) = self.author_of(pos, &words) {
            self.work_sources.push((pos, id));
            return Some((id, 0.85));
        }
        let mut reading = read(&words);
        // Evidence the name runs have not already counted: descriptions ("the spokeswoman"),
        // mentions that were no name run, and an appositive role ("Smith, a spokeswoman ...").
        let counted = self
            .person_mentions
            .binary_search_by_key(&pos, |m| m.0)
            .is_ok();
        let mut evidence = if counted {
            Reading::default()
        } else {
            reading.clone()
        };
        if let Some(role) = self.appositive_role(mention) {
            evidence.role_noun = evidence.role_noun.or_else(|| role_gender(&role));
            reading.role.get_or_insert(role);
        }
        if reading.kind == Some(SpeakerKind::Person) && reading.name.is_none() {
            // "a spokesman for the operator, Henrik Dahl, said"
            if let Some(name) = self.appositive_name(mention) {
                reading.name = read(&name).name;
                reading.gender = gender_of(&name);
            }
        }
        if let ([one], None) = (words.as_slice(), &reading.name) {
            // "Dean said" after "Howard Dean": a surname that is also a title word.
            let named = self.find_person(one).filter(|&id| {
                self.entities[id]
                    .name
                    .as_deref()
                    .is_some_and(|n| n.contains(' '))
            });
            if let Some(id) = named.filter(|_| one.starts_with(char::is_uppercase)) {
                self.entities[id].add_reading_evidence(&evidence);
                return Some((id, 0.9));
            }
        }
        if reading.kind == Some(SpeakerKind::Person) && reading.name.is_none() {
            // "the judge" after "Judge Ingrid Moberg": the person with that role.
            if let Some(id) = self.antecedent_by_role(pos, &words) {
                self.entities[id].add_reading_evidence(&evidence);
                return Some((id, 0.85));
            }
            if let Some(id) = self.salient_by_epithet(pos, &words) {
                self.entities[id].add_reading_evidence(&evidence);
                return Some((id, 0.6));
            }
        }
        if reading.kind == Some(SpeakerKind::Organization) && reading.name.is_some() {
            // "the ministry" after "the Finance Ministry": the organisation named before.
            if let Some(id) = self.antecedent_org(pos, &words) {
                return Some((id, 0.85));
            }
        }
        let kind = reading.kind.unwrap_or(SpeakerKind::Unknown);
        let existing = match (&reading.name, kind) {
            (Some(name), SpeakerKind::Person) => self.find_person(name),
            (_, kind) => self.find_key(kind, &Entity::from_reading(&reading).key()),
        };
        let id = match existing {
            Some(id) => {
                let e = &mut self.entities[id];
                if e.role.is_none() {
                    e.role = reading.role.clone();
                }
                e.note_role(reading.role.as_deref());
                if e.gender.is_none() {
                    e.gender = reading.gender;
                }
                id
            }
            None => {
                let mut e = Entity::from_reading(&reading);
                if e.gender.is_none() {
                    e.gender = gender_of(&words);
                }
                // A lone capitalised word never introduced as a person ("Nordrail said") may
                // as well be a company or a place: do not claim it is a person.
                let lone = e.name.as_deref().is_some_and(|n| !n.contains(' '));
                if e.kind == SpeakerKind::Person && lone && e.role.is_none() && e.gender.is_none() {
                    e.kind = SpeakerKind::Unknown;
                }
                self.entities.push(e);
                self.entities.len() - 1
            }
        };
        self.entities[id].add_reading_evidence(&evidence);
        if let Some(work) = reading.work {
            if !self.entities[id].works.contains(&work) {
                self.entities[id].works.push(work);
            }
            self.work_sources.push((pos, id));
        }
        let sure = match (&reading.name, self.entities[id].kind) {
            (Some(_), SpeakerKind::Unknown) => 0.8,
            (Some(_), _) => 1.0,
            (None, _) => 0.9,
        };
        Some((id, sure))
    }

    /// The entity of the piece's author ([`byline`]), registered the first time it is needed.
    fn author(&mut self) -> Option<usize> {
        if let Some(known) = self.author {
            return known;
        }
        let reading = byline(self.analysis)
            .map(|words| read(&words))
            .filter(|r| r.kind == Some(SpeakerKind::Person) && r.name.is_some());
        let id = reading.map(|reading| {
            match reading.name.as_deref().and_then(|n| self.find_person(n)) {
                Some(id) => id,
                None => {
                    self.entities.push(Entity::from_reading(&reading));
                    self.entities.len() - 1
                }
            }
        });
        self.author = Some(id);
        id
    }

    /// The author of a work referred back to ("the poll", "The ad"): the latest source
    /// before `pos` that spoke through a work of that name.
    fn author_of(&self, pos: usize, words: &[&str]) -> Option<usize> {
        let noun = definite_noun(words).filter(|n| n.starts_with(char::is_lowercase))?;
        before(&self.work_sources, pos)
            .find(|(_, id)| self.entities[*id].works.iter().any(|w| w == noun))
            .map(|x| x.1)
    }

    /// The named organisation a definite description ("the ministry", "the agency") refers
    /// to: the most recent one before `pos` whose name holds the description's noun.
    fn antecedent_org(&self, pos: usize, words: &[&str]) -> Option<usize> {
        // "the ministry", and "the Post" after "The New York Post". Not "the House" or "the
        // Senate": "the White House" and "the Senate Judiciary Committee" are other bodies.
        let short_form = |n: &&str| n.starts_with(char::is_lowercase) || SHORT_FORMS.contains(n);
        let noun = definite_noun(words).filter(short_form)?;
        let noun = noun.to_lowercase();
        let noun = noun.as_str();
        let is_org = |id: &usize| self.entities[*id].kind == SpeakerKind::Organization;
        let names = |id: usize| {
            self.entities[id]
                .name
                .as_deref()
                .is_some_and(|n| n.to_lowercase().split(' ').any(|w| w == noun))
        };
        let from_text = before(&self.org_mentions, pos).find(|(_, id)| names(*id));
        let from_sources = before(&self.sources, pos).find(|(_, id)| is_org(id) && names(*id));
        nearest(from_text, from_sources)
    }

    /// The person a definite description names by role ("the judge", "the minister"): the
    /// most recent one before `pos` whose role ends in the description's noun.
    fn antecedent_by_role(&self, pos: usize, words: &[&str]) -> Option<usize> {
        // "the judge", "the Republican nominee": the head noun is the last word.
        let (Some(article), Some(noun)) = (words.first(), words.last()) else {
            return None;
        };
        if words.len() < 2
            || words.len() > 4
            || !article.eq_ignore_ascii_case("the")
            || !noun.starts_with(char::is_lowercase)
        {
            return None;
        }
        let noun = noun.to_lowercase();
        before(&self.person_mentions, pos)
            .map(|x| x.1)
            .find(|&id| self.entities[id].role_heads.contains(&noun))
    }

    /// "the Republican nominee", "the New York businessman" when no one was given that role:
    /// news calls the article's central figure by such an epithet. The person meant is the
    /// one named far more often than anyone else before `pos` (at least three mentions and
    /// twice the runner-up); otherwise the description stays nameless. Taking the person named
    /// last instead resolved more descriptions on PolNeAR dev but got a third of them wrong
    /// ("the Vermont senator" after a sentence about Clinton).
    fn salient_by_epithet(&self, pos: usize, words: &[&str]) -> Option<usize> {
        let (Some(article), Some(noun)) = (words.first(), words.last()) else {
            return None;
        };
        let noun = noun.to_lowercase();
        if !(2..=5).contains(&words.len())
            || !article.eq_ignore_ascii_case("the")
            || !EPITHET_HEADS.contains(&noun.as_str())
        {
            return None;
        }
        let person = |id: usize| {
            let e = &self.entities[id];
            e.kind == SpeakerKind::Person && !e.weak && e.name.is_some()
        };
        let fits = |id: usize| match (role_gender(&noun), self.entities[id].gender) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        let mut counts: HashMap<usize, usize> = HashMap::new();
        for &(_, id) in before(&self.person_mentions, pos).chain(before(&self.sources, pos)) {
            if person(id) {
                *counts.entry(id).or_default() += 1;
            }
        }
        let mut ranked: Vec<(usize, usize)> = counts.into_iter().map(|(id, n)| (n, id)).collect();
        ranked.sort_unstable_by(|a, b| b.cmp(a));
        let (top, id) = *ranked.first()?;
        let runner_up = ranked.get(1).map_or(0, |r| r.0);
        if top >= 3 && top >= 2 * runner_up && fits(id) {
            return Some(id);
        }
        // Two central figures ("the Republican nominee" in an article about both nominees):
        // the one whose mentions the epithet's own words stand next to.
        let candidates: Vec<usize> = ranked
            .iter()
            .filter(|(n, id)| *n >= 2 && fits(*id))
            .map(|r| r.1)
            .collect();
        self.qualified(&words[1..words.len() - 1], &candidates)
    }

    /// Of `candidates`, the only one whose mentions anywhere in the document are described by
    /// the most of `qualifiers` ("Republican", "New York") in the words before them or an
    /// apposition after them; a word matches its own form with up to two more letters, so that
    /// "Democratic" finds "Democrat". `None` on a tie or when no qualifier is found next to
    /// anyone. Mentions after the epithet count too: a party or a home state does not change
    /// within an article, and live blogs name it wherever they happen to.
    fn qualified(&self, qualifiers: &[&str], candidates: &[usize]) -> Option<usize> {
        const GENERIC: &[&str] = &["former", "current", "presidential", "new", "top", "then"];
        // "Democrat" and "Democratic", "Republican" and "Republicans"; not "Indiana" and
        // "Indianapolis".
        let same = |a: &str, b: &str| {
            let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
            long.starts_with(short) && short.len() >= 4 && long.len() - short.len() <= 2
        };
        let wanted: Vec<String> = qualifiers
            .iter()
            .filter(|w| !GENERIC.contains(&w.to_lowercase().as_str()))
            .map(|w| w.to_lowercase())
            .collect();
        if wanted.is_empty() {
            return None;
        }
        let text = self.analysis.text();
        // The words right before a mention ("Democratic nominee Mara Holt") and an
        // apposition after it ("Holt, the Democratic nominee,"), within its sentence.
        let described = |at: usize| {
            let before: Vec<&str> = text[..at]
                .rsplit(['.', ';', ':', '\n', ','])
                .next()
                .unwrap_or("")
                .split_whitespace()
                .rev()
                .take(4)
                .collect();
            // The capitalised run that starts at the mention ("Democrat Mara Holt").
            let mut name_end = at;
            for word in text[at..].split_inclusive(char::is_whitespace) {
                if !word.starts_with(char::is_uppercase) {
                    break;
                }
                name_end += word.len();
                if !word.ends_with(' ') || word.trim_end().ends_with([',', '.', ';', ':']) {
                    break;
                }
            }
            let run = text[at..name_end].trim_end_matches([' ', ',']);
            let name_end = at + run.len();
            let apposition = text[name_end..]
                .strip_prefix(", ")
                .and_then(|rest| rest.split([',', '.', ';']).next())
                .filter(|a| a.len() <= 60)
                .unwrap_or("");
            before
                .into_iter()
                .chain(run.split_whitespace())
                .chain(apposition.split_whitespace())
                .map(|w| {
                    w.trim_matches(|c: char| !c.is_alphanumeric())
                        .to_lowercase()
                })
                .collect::<Vec<String>>()
        };
        let mut scored: Vec<(usize, usize)> = candidates
            .iter()
            .map(|&id| {
                let near: HashSet<String> = self
                    .person_mentions
                    .iter()
                    .filter(|m| m.1 == id)
                    .flat_map(|m| described(m.0))
                    .collect();
                let found = wanted.iter().filter(|w| near.iter().any(|n| same(w, n)));
                (found.count(), id)
            })
            .collect();
        scored.sort_unstable_by(|a, b| b.cmp(a));
        match scored.as_slice() {
            [(best, id), rest @ ..] if *best > 0 && rest.first().is_none_or(|r| r.0 < *best) => {
                Some(*id)
            }
            _ => None,
        }
    }

    /// "a spokesman for the operator, Henrik Dahl, said": a name set off after a description.
    fn appositive_name(&self, mention: &NormRange) -> Option<Vec<&'a str>> {
        let text = self.analysis.text();
        let rest = text[mention.end..].strip_prefix(", ")?;
        let end = rest.find(',')?;
        let words: Vec<&str> = rest[..end].split(' ').collect();
        let capitalised = words.iter().all(|w| w.starts_with(char::is_uppercase));
        (capitalised && (1..=4).contains(&words.len())).then_some(words)
    }

    /// "Smith, a senior analyst at the bank, said": the appositive after a name.
    fn appositive_role(&self, mention: &NormRange) -> Option<String> {
        let text = self.analysis.text();
        let rest = text[mention.end..].strip_prefix(", ")?;
        let end = rest.find(',')?;
        let inner = &rest[..end];
        let role = ["a ", "an ", "the ", "who is "]
            .iter()
            .find_map(|a| inner.strip_prefix(a))?;
        // Only an aside that the cue follows is about the speaker ("Raman, the chief
        // executive, said"); "according to Raman, the company will …" is content.
        let after = rest[end + 1..].trim_start();
        let next_word = after.split([' ', ',', '.']).next().unwrap_or("");
        let cue_follows = crate::attribution::rules::lexicon::cue_strength(next_word).is_some();
        let short = role.split(' ').count() <= 10 && !role.contains(['“', '”']);
        (cue_follows && short).then(|| role.to_string())
    }
}

/// How far back (in bytes of normalised text, some ten paragraphs) an antecedent is looked
/// for; beyond that a pronoun is left unresolved rather than searched for across the whole
/// document, which would make resolution quadratic in long documents.
const MAX_ANTECEDENT_DISTANCE: usize = 6000;

/// The entries of a position-sorted mention list that lie before `pos` and within
/// [`MAX_ANTECEDENT_DISTANCE`], nearest first.
fn before(list: &[(usize, usize)], pos: usize) -> impl Iterator<Item = &(usize, usize)> {
    list[..list.partition_point(|(p, _)| *p < pos)]
        .iter()
        .rev()
        .take_while(move |(p, _)| pos - p <= MAX_ANTECEDENT_DISTANCE)
}

/// The entity of whichever of two mentions comes later in the text.
fn nearest(a: Option<&(usize, usize)>, b: Option<&(usize, usize)>) -> Option<usize> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if a.0 >= b.0 { a.1 } else { b.1 }),
        (a, b) => a.or(b).map(|x| x.1),
    }
}

/// The noun of a two-word definite description ("the poll", "The ministry").
fn definite_noun<'w>(words: &[&'w str]) -> Option<&'w str> {
    match words {
        [article, noun] if article.eq_ignore_ascii_case("the") => Some(noun),
        _ => None,
    }
}

/// Whether `pos` lies in one of `quoted`, which is sorted and whose ranges do not overlap (the
/// one that may hold `pos` is the first that ends after it).
fn inside(quoted: &[NormRange], pos: usize) -> bool {
    let i = quoted.partition_point(|q| q.end <= pos);
    quoted.get(i).is_some_and(|q| q.start <= pos)
}

/// Runs of capitalised name words outside quotations ("Deputy Secretary of State Wendy
/// Sherman"), with a directly preceding "the" kept so organisations read as such.
fn name_runs(analysis: &Analysis, quoted: &[NormRange]) -> Vec<NormRange> {
    let text = analysis.text();
    let toks = &analysis.tokens;
    let inside = |pos: usize| inside(quoted, pos);
    let word = |i: usize| &text[toks[i].range.clone()];
    // Headlines (in Title Case, or page furniture) name no one: "Chris Christie Calls Hillary
    // Clinton ..." is no person.
    let several = analysis.paragraphs.len() > 1;
    let headline: Vec<bool> = analysis
        .paragraphs
        .iter()
        .map(|p| {
            let t = &text[p.range.clone()];
            several && (crate::attribution::furniture::is_furniture(t, p.bulleted) || title_case(t))
        })
        .collect();
    let in_headline = |pos: usize| analysis.paragraph_at(pos).is_some_and(|p| headline[p]);
    let mut runs = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if !is_name_word(word(i)) || inside(toks[i].range.start) || in_headline(toks[i].range.start)
        {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        // A name never runs over a line or paragraph break ("… / TASS" then "Russia and …").
        let joined =
            |a: usize, b: usize| !text[toks[a].range.end..toks[b].range.start].contains('\n');
        while end < toks.len() && joined(end - 1, end) {
            if is_name_word(word(end)) {
                end += 1;
            } else if (matches!(word(end), "of" | "for")
                || word(end) == "on" && names::is_org_word(word(end - 1)))
                && end + 1 < toks.len()
                && is_name_word(word(end + 1))
            {
                end += 2;
            } else {
                break;
            }
        }
        let first = if start > 0 && word(start - 1) == "the" {
            start - 1
        } else {
            start
        };
        runs.push(toks[first].range.start..toks[end - 1].range.end);
        i = end;
    }
    runs
}

/// The name of an opinion piece's or letter's author, as its words: a "By Mara Holt" line
/// among the first three paragraphs, or at the end a signature ("Mara Holt." before at most a
/// place line, its first word a known given name) or a biography ("Mara Holt is a professor
/// of ..."). `None` for a news report, which has none of these.
fn byline(analysis: &Analysis) -> Option<Vec<&str>> {
    let text = analysis.text();
    let paragraphs: Vec<&str> = analysis
        .paragraphs
        .iter()
        .map(|p| text[p.range.clone()].trim())
        .collect();
    // 2-4 capitalised words, all of them name-like.
    let name = |words: &[&str]| {
        (2..=4).contains(&words.len())
            && words.iter().all(|w| {
                w.starts_with(char::is_uppercase)
                    && w.chars().all(|c| c.is_alphabetic() || "-'’.".contains(c))
            })
    };
    let by = paragraphs.iter().take(3).find_map(|p| {
        let w = words_of(p.strip_prefix("By ").or_else(|| p.strip_prefix("BY "))?);
        name(&w).then_some(w)
    });
    let n = paragraphs.len();
    if by.is_some() || n < 4 {
        return by;
    }
    let signature = paragraphs[n - 2..]
        .iter()
        .map(|p| words_of(p))
        .find(|w| name(w) && is_given_name(w[0]));
    if signature.is_some() {
        return signature;
    }
    // "Rudy Vance is the former mayor of Lisel." as the last paragraph, naming someone the
    // piece itself never mentions.
    let last = paragraphs[n - 1];
    let (subject, _) = last.split_once(" is ")?;
    let w = words_of(subject);
    let mentioned = paragraphs[..n - 1].iter().any(|p| p.contains(subject));
    (name(&w) && last.len() <= 400 && !mentioned).then_some(w)
}

/// The words of a paragraph without its final full stop ("Mara Holt." is a signature).
fn words_of(p: &str) -> Vec<&str> {
    p.trim_end_matches('.').split_whitespace().collect()
}

/// Whether a paragraph is written in Title Case, as headlines are: at least four words of four
/// letters or more, and three in four of them capitalised.
fn title_case(paragraph: &str) -> bool {
    let long: Vec<&str> = paragraph
        .split_whitespace()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 4)
        .collect();
    let capitalised = long
        .iter()
        .filter(|w| w.starts_with(char::is_uppercase))
        .count();
    long.len() >= 4 && capitalised * 4 >= long.len() * 3
}

/// Resolves the speakers of a document's attributions (one [`Speaker`] per attribution, same order).
pub fn resolve(analysis: &Analysis, attributions: &[Attribution]) -> Vec<Speaker> {
    let mut quoted: Vec<NormRange> = attributions
        .iter()
        .filter(|a| a.kind == QuoteKind::Direct)
        .flat_map(|a| a.content.iter().cloned())
        .collect();
    quoted.sort_unstable_by_key(|q| q.start);
    let mut reg = Registry::new(analysis, &quoted);
    // Resolve in text order of the mentions, so antecedents come before what refers to them.
    let mut order: Vec<usize> = (0..attributions.len()).collect();
    order.sort_by_key(|&i| {
        attributions[i]
            .source
            .as_ref()
            .map_or(usize::MAX, |s| s.start)
    });
    let mut resolved: Vec<Option<(usize, f32)>> = vec![None; attributions.len()];
    for i in order {
        if let Some(m) = &attributions[i].source {
            resolved[i] = reg.resolve_mention(m);
            if let Some((id, _)) = resolved[i] {
                // A person who spoke through a work ("Jared Diamond's best seller") was not
                // in the scene: no antecedent for the next "he". An organisation's work
                // ("a Times article") is what "it" refers to next.
                let via_work = reg.work_sources.last().is_some_and(|w| w.0 == m.start);
                let person = reg.entities[id].kind == SpeakerKind::Person;
                // The author is "I", never the "she" of their own piece.
                let author = reg.author == Some(Some(id));
                if !(via_work && person || author) {
                    reg.sources.push((m.start, id));
                    reg.entities[id].spoke = true;
                }
            }
        }
    }
    let mut numbers: HashMap<usize, usize> = HashMap::new();
    attributions
        .iter()
        .zip(resolved)
        .map(|(a, r)| match r {
            Some((id, sure)) => {
                let next = numbers.len() + 1;
                let number = *numbers.entry(id).or_insert(next);
                let e = &reg.entities[id];
                // Only people have a gender; an organisation called "she" is a ship's.
                let evidence = match e.kind {
                    SpeakerKind::Person | SpeakerKind::Unknown => e.evidence,
                    _ => GenderEvidence::default(),
                };
                Speaker {
                    mention: a.source.clone(),
                    name: e.name.clone(),
                    kind: e.kind,
                    role: e.role.clone(),
                    entity: Some(EntityId(number)),
                    gender: evidence.verdict(),
                    gender_evidence: evidence,
                    confidence: a.confidence * sure,
                }
            }
            None => Speaker {
                mention: a.source.clone(),
                name: None,
                kind: SpeakerKind::Unknown,
                role: None,
                entity: None,
                gender: None,
                gender_evidence: GenderEvidence::default(),
                confidence: a.confidence * 0.5,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names resolved for sources given by their text (each the first occurrence after the
    /// previous one), each attribution with a one-word content right after its source.
    fn names(text: &str, sources: &[&str]) -> Vec<Option<String>> {
        let a = Analysis::new(text);
        let t = a.text().to_string();
        let mut from = 0;
        let attributions: Vec<Attribution> = sources
            .iter()
            .map(|s| {
                let at = from + t[from..].find(s).expect(s);
                from = at + s.len();
                Attribution {
                    content: std::iter::once(from + 1..from + 2).collect(),
                    kind: QuoteKind::Indirect,
                    cue: None,
                    source: Some(at..at + s.len()),
                    confidence: 0.9,
                }
            })
            .collect();
        resolve(&a, &attributions)
            .into_iter()
            .map(|s| s.name)
            .collect()
    }

    #[test]
    fn an_epithet_names_the_figure_the_article_is_about() {
        let text = "Harold Vance opened his campaign in Ohio. Vance said taxes would fall. \
                    Critics doubted Vance. Mara Holt said little. Vance said he would win. \
                    The Republican nominee said the race was close.";
        let got = names(
            text,
            &["Vance", "Mara Holt", "Vance", "The Republican nominee"],
        );
        assert_eq!(got[3].as_deref(), Some("Harold Vance"));
    }

    #[test]
    fn an_epithet_stays_nameless_without_a_dominant_figure() {
        let text = "Harold Vance met Mara Holt. Vance said taxes would fall. Holt said they would \
                    not. The Republican nominee said the race was close.";
        let got = names(text, &["Vance", "Holt", "The Republican nominee"]);
        assert_eq!(got[2], None);
    }

    #[test]
    fn an_epithet_between_two_figures_goes_to_the_one_its_words_describe() {
        let text = "Republican Harold Vance met Democrat Mara Holt in Ohio. Vance said taxes \
                    would fall. Holt said they would not. Vance said he would win, and Holt \
                    said she would. The Democratic nominee said the race was close.";
        let got = names(
            text,
            &["Vance", "Holt", "Vance", "Holt", "The Democratic nominee"],
        );
        assert_eq!(got[4].as_deref(), Some("Mara Holt"));
        // Words that describe both (or neither) leave the epithet nameless.
        let text = "Harold Vance met Mara Holt in Ohio. Vance said taxes would fall. Holt said \
                    they would not. Vance said he would win, and Holt said she would. The \
                    Democratic nominee said the race was close.";
        let got = names(
            text,
            &["Vance", "Holt", "Vance", "Holt", "The Democratic nominee"],
        );
        assert_eq!(got[4], None);
    }

    #[test]
    fn a_surname_that_is_a_title_word_finds_its_person() {
        let text = "Peter Dean, a former governor, spoke first. Dean said the plan would fail.";
        let got = names(text, &["Peter Dean", "Dean"]);
        assert_eq!(got[1].as_deref(), Some("Peter Dean"));
    }

    #[test]
    fn an_epithet_finds_its_figure_by_words_used_later_in_the_article() {
        // Live blogs name a party wherever they happen to: "Republican Harold Vance" comes
        // after the epithet here.
        let text = "Harold Vance met Mara Holt in Ohio. Vance said taxes would fall. Holt said \
                    they would not. Vance said he would win, and Holt said she would. The \
                    Republican nominee said the race was close. Later, Republican Harold Vance \
                    left for Iowa.";
        let got = names(
            text,
            &["Vance", "Holt", "Vance", "Holt", "The Republican nominee"],
        );
        assert_eq!(got[4].as_deref(), Some("Harold Vance"));
    }

    /// `names`' answer when every source is named.
    fn named(expected: &[&str]) -> Vec<Option<String>> {
        expected.iter().map(|n| Some(n.to_string())).collect()
    }

    #[test]
    fn a_short_form_finds_the_organisation_named_in_full() {
        let text = "The Harbour Post reported the sale. The Post said the deal was signed. The \
                    nonpartisan Commission on Coastal Planning said it had doubts. The \
                    commission said it would look again.";
        let got = names(
            text,
            &[
                "The Harbour Post",
                "The Post",
                "The nonpartisan Commission on Coastal Planning",
                "The commission",
            ],
        );
        let planning = "Commission on Coastal Planning";
        assert_eq!(
            got,
            named(&["Harbour Post", "Harbour Post", planning, planning])
        );
    }

    #[test]
    fn the_house_is_not_the_white_house() {
        let text = "The White House said the bill was fair. The House said it would vote.";
        let got = names(text, &["The White House", "The House"]);
        assert_eq!(got[0].as_deref(), Some("White House"));
        assert_eq!(got[1].as_deref(), Some("House"));
    }

    #[test]
    fn the_work_finds_its_author_and_an_author_is_no_antecedent() {
        let text = "A Harbourton University poll released on Monday found support falling. The \
                    poll said voters were tired. President Tomas Varga spoke in Lisel. Harold \
                    Vance’s 2019 best seller argued for cuts. Later he told reporters that \
                    the poll was wrong.";
        let got = names(
            text,
            &[
                "A Harbourton University poll released",
                "The poll",
                "Harold Vance’s 2019 best seller",
                "he",
            ],
        );
        let university = "Harbourton University";
        assert_eq!(
            got,
            named(&[university, university, "Harold Vance", "Tomas Varga"])
        );
    }

    #[test]
    fn i_in_a_signed_opinion_piece_is_its_author() {
        let body = "My town changed.\n\nI think the mill should reopen, and my neighbours \
                    agree.\n\nMy aunt said she was tired of waiting.\n\nThe council has \
                    not replied.\n\n";
        let signed = format!("{body}Mara Holt is a teacher in Lisel.");
        let got = names(&signed, &["I", "she"]);
        assert_eq!(got[0].as_deref(), Some("Mara Holt"));
        // The author is "I", never the "she" of their own piece.
        assert_ne!(got[1].as_deref(), Some("Mara Holt"));
        let letter = format!("{body}Tomas Varga.\n\nLisel");
        assert_eq!(names(&letter, &["I"])[0].as_deref(), Some("Tomas Varga"));
        // No signature, no author: a news report's "I" stays unresolved.
        assert_eq!(names(body, &["I"])[0], None);
    }
}
