//! Which stance targets a document concerns at all.
//!
//! The contract's "neutral" also covers quotes that do not concern the target. A stance model
//! asked about a target that the article never names still answers favor or against (ours did
//! for 1,713 of 1,787 such quotes on PolNeAR dev), and asking costs one forward pass per quote
//! and target. So a target that shares no content word with the document (its name, aliases and
//! description, stop words aside, compared after Snowball stemming so that "immigrants" meets
//! "immigration") is answered "neutral" for every quote of that document without the model.
//!
//! The test is deliberately loose: one shared word of the target's names anywhere in the article
//! is enough, so a quote that concerns the target through a pronoun or a paraphrase is still
//! classified as long as the article names the target once. `--no-target-gate` turns it off.

use super::targets::Target;
use rust_stemmers::{Algorithm, Stemmer};
use std::collections::HashSet;
use unicode_segmentation::UnicodeSegmentation;

/// The score of a "neutral" given by the gate: the share of FNC-1's competition pairs answered
/// by the gate (10,772 of 25,413, headline as the target, body as the article) that are
/// annotated "unrelated" or "discuss" (`tests/target_gate.rs`).
pub const GATED_SCORE: f32 = 0.998;

/// Per target, whether a document concerns it (the default, no answers, concerns every
/// target).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Concern(Vec<bool>);

impl Concern {
    /// Every one of `targets` is concerned (no gate).
    pub fn all(targets: usize) -> Self {
        Concern(vec![true; targets])
    }

    /// Whether target `t` (in the targets file's order) is concerned.
    pub fn concerns(&self, t: usize) -> bool {
        self.0.get(t).copied().unwrap_or(true)
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
        Concern(open)
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
        assert_eq!(c, Concern(vec![true, true, false]));
        // Function words of a name ("for", "the") concern nothing by themselves.
        let c = gate.concern("It was for the best, said the mayor.");
        assert_eq!(c, Concern(vec![false, false, false]));
    }

    #[test]
    fn a_name_of_stop_words_alone_concerns_every_document() {
        let gate = TargetGate::new(&[target("The Who", &[])]);
        assert!(gate.concern("Nothing related here.").concerns(0));
        assert!(Concern::all(2).concerns(1));
    }
}
