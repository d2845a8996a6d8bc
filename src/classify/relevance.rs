//! Which stance targets a document, and a quote's passage within it, concern at all.
//!
//! The contract's "neutral" also covers quotes that do not concern the target. A stance model
//! asked about a target that the article never names still answers favor or against (ours did
//! for 1,713 of 1,787 such quotes on PolNeAR dev), and asking costs one forward pass per quote
//! and target. So a target that shares no content word with the document (its name, aliases and
//! description, stop words aside, compared after Snowball stemming so that "immigrants" meets
//! "immigration") is answered "neutral" for every quote of that document without the model.
//!
//! The same test runs on each quote's *passage* ([`passage`]: the paragraph or paragraphs the
//! quote lies in, which hold its speaker and cue too): within an article that names the target,
//! a quote whose paragraph never does is about something else far more often than not (on the
//! news-quote set, 84 % of such pairs are neutral, against 55 % of the others), and a stance
//! model asked about it answers favor or against all the same. The test stays loose: one shared
//! word of the target's names in the paragraph is enough, so "raise taxes" in a mayor's quote
//! keeps "the property tax increase" open. `--no-target-gate` turns both off.
//!
use super::targets::Target;
use crate::span::Span;
use crate::text::offsets::CharIndex;
use rust_stemmers::{Algorithm, Stemmer};
use std::collections::HashSet;
use unicode_segmentation::UnicodeSegmentation;

/// The score of a "neutral" given by the gate: the share of FNC-1's competition pairs answered
/// by the gate (10,772 of 25,413, headline as the target, body as the article) that are
/// annotated "unrelated" or "discuss" (`tests/target_gate.rs`).
pub const GATED_SCORE: f32 = 0.998;

/// The score of a "neutral" given because a quote's passage never names the target (its article
/// does): the share of such pairs annotated neutral on the news-quote set
/// (`tests/data/news_stance`, 108 of 128 pairs).
pub const PASSAGE_GATED_SCORE: f32 = 0.84;

/// The passage a quote's relevance is judged on: the paragraphs (lines) of `text` that the byte
/// range `start..end` touches. News paragraphs are one to three sentences, and the quote's own
/// paragraph holds its speaker, its cue and what "it" or "the plan" in it stands for.
pub fn passage(text: &str, start: usize, end: usize) -> &str {
    let end = end.min(text.len()).max(start.min(text.len()));
    let start = start.min(end);
    let from = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let to = text[end..].find('\n').map_or(text.len(), |i| end + i);
    &text[from..to]
}

/// The passage of a quote given by its code-point spans into `text` (a record's
/// `quote.spans` into its document): [`passage`] of the bytes from its first span's start to
/// its last span's end. `chars` indexes `text`, built once for all of a document's quotes.
pub fn quote_passage<'t>(text: &'t str, chars: &CharIndex, spans: &[Span]) -> &'t str {
    let (Some(first), Some(last)) = (spans.first(), spans.last()) else {
        return "";
    };
    passage(text, chars.byte_of(first.start), chars.byte_of(last.end))
}

/// How far a target concerns a quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relevance {
    /// Named in the quote's passage (or no gate): the model is asked.
    Concerned,
    /// The article never names the target.
    NotInArticle,
    /// The article names it, the quote's passage does not.
    NotInPassage,
}

/// Per target, whether a document (or a quote's passage in it) concerns it (the default, no
/// answers, concerns every target).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Concern(Vec<Relevance>);

impl Concern {
    /// Every one of `targets` is concerned (no gate).
    pub fn all(targets: usize) -> Self {
        Concern(vec![Relevance::Concerned; targets])
    }

    /// Whether target `t` (in the targets file's order) is concerned.
    pub fn concerns(&self, t: usize) -> bool {
        self.relevance(t) == Relevance::Concerned
    }

    /// How far target `t` is concerned.
    pub fn relevance(&self, t: usize) -> Relevance {
        self.0.get(t).copied().unwrap_or(Relevance::Concerned)
    }

    /// The score of the gate's "neutral" for target `t`, `None` where the model is asked.
    pub fn gated_score(&self, t: usize) -> Option<f32> {
        match self.relevance(t) {
            Relevance::Concerned => None,
            Relevance::NotInArticle => Some(GATED_SCORE),
            Relevance::NotInPassage => Some(PASSAGE_GATED_SCORE),
        }
    }
}

/// The stemmed content words of each target.
pub struct TargetGate {
    stemmer: Stemmer,
    /// Per target; an empty set (a target named by stop words alone) concerns every document.
    keys: Vec<HashSet<String>>,
}

impl TargetGate {
    /// The gate for `targets`.
    pub fn new(targets: &[Target]) -> Self {
        let stemmer = Stemmer::create(Algorithm::English);
        let stop: HashSet<&str> = stop_words::get(stop_words::Language::English)
            .iter()
            .copied()
            .collect();
        let keys = targets
            .iter()
            .map(|t| {
                let names = std::iter::once(t.name.as_str())
                    .chain(t.aliases.iter().map(String::as_str))
                    .chain(t.description.as_deref());
                names
                    .flat_map(|n| n.unicode_words())
                    .map(str::to_lowercase)
                    .filter(|w| !stop.contains(w.as_str()))
                    .map(|w| stemmer.stem(&w).into_owned())
                    .collect()
            })
            .collect();
        TargetGate { stemmer, keys }
    }

    /// Which targets `text` (a whole document) concerns.
    pub fn concern(&self, text: &str) -> Concern {
        let named = self.named(text);
        Concern(
            named
                .into_iter()
                .map(|n| {
                    if n {
                        Relevance::Concerned
                    } else {
                        Relevance::NotInArticle
                    }
                })
                .collect(),
        )
    }

    /// Narrows a document's concern to one quote's passage ([`passage`]): a target the
    /// document names but the passage does not becomes [`Relevance::NotInPassage`].
    pub fn within(&self, document: &Concern, passage: &str) -> Concern {
        let named = self.named(passage);
        Concern(
            named
                .into_iter()
                .enumerate()
                .map(|(t, n)| match document.relevance(t) {
                    Relevance::Concerned if !n => Relevance::NotInPassage,
                    r => r,
                })
                .collect(),
        )
    }

    /// Per target, whether `text` shares a stemmed content word with its names.
    fn named(&self, text: &str) -> Vec<bool> {
        let mut open: Vec<bool> = self.keys.iter().map(HashSet::is_empty).collect();
        for word in text.unicode_words() {
            if open.iter().all(|&o| o) {
                break;
            }
            let lower = word.to_lowercase();
            let stem = self.stemmer.stem(&lower);
            for (o, keys) in open.iter_mut().zip(&self.keys) {
                *o = *o || keys.contains(stem.as_ref());
            }
        }
        open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str, aliases: &[&str]) -> Target {
        Target {
            name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            description: None,
        }
    }

    #[test]
    fn a_target_is_concerned_when_the_document_names_it_in_any_form() {
        let gate = TargetGate::new(&[
            target("immigration reform", &[]),
            target("NATO membership for Ukraine", &["the alliance"]),
            target("Donald Trump", &[]),
        ]);
        let c = gate.concern("Advocates for immigrants rallied; the Alliance met in Brussels.");
        assert_eq!(
            (c.concerns(0), c.concerns(1), c.concerns(2)),
            (true, true, false)
        );
        // Function words of a name ("for", "the") concern nothing by themselves.
        let c = gate.concern("It was for the best, said the mayor.");
        assert!((0..3).all(|t| c.relevance(t) == Relevance::NotInArticle));
    }

    #[test]
    fn a_quote_whose_paragraph_never_names_the_target_is_gated() {
        let gate = TargetGate::new(&[
            target("the property tax increase", &[]),
            target("the fire station closure", &[]),
        ]);
        let text = "The council raised the property tax.\n\n\"Nobody wants to raise taxes,\" \
                    the mayor said. \"But the buses must run.\"\n\nThe fire station stays open.";
        let doc = gate.concern(text);
        assert!(doc.concerns(0) && doc.concerns(1));
        let start = text.find("But the buses").unwrap();
        let p = passage(text, start, start + 10);
        assert!(p.starts_with("\"Nobody") && p.ends_with("run.\""));
        let quote = gate.within(&doc, p);
        assert_eq!(quote.relevance(0), Relevance::Concerned);
        assert_eq!(quote.relevance(1), Relevance::NotInPassage);
        assert_eq!(quote.gated_score(1), Some(PASSAGE_GATED_SCORE));
        // What the article never names stays "not in the article".
        let other = TargetGate::new(&[target("the harbour bridge", &[])]);
        let c = other.concern(text);
        assert_eq!(other.within(&c, p).gated_score(0), Some(GATED_SCORE));
    }

    #[test]
    fn a_name_of_stop_words_alone_concerns_every_document() {
        let gate = TargetGate::new(&[target("The Who", &[])]);
        assert!(gate.concern("Nothing related here.").concerns(0));
        assert!(Concern::all(2).concerns(1));
    }
}
