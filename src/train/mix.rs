//! The stance training mix: what the labelled sets do not teach by themselves.
//!
//! The sets pair a statement with the one target it was written about, so a model trained on
//! them alone learns that every statement is for or against whatever target it is shown; in
//! news, most quotes are about something else. And the sets' statements are bare sentences,
//! while at extraction the statement starts with its speaker and cue ("Ryabkov said: ...",
//! [`crate::classify::stance::statement`]). Two additions close those gaps, both deterministic
//! (chosen by a hash of the text, so a retrain sees the same mix):
//! - [`off_target`]: a quarter of the statements are paired once more with a target from
//!   another topic, labelled neutral;
//! - [`with_speakers`]: a third of the (short) statements get an invented speaker and cue in
//!   front, so the prefix carries no stance of its own.

use crate::datasets::{fnv, Example, SetKind};

/// One in this many statements also gets an off-target pair.
const OFF_TARGET_EVERY: u64 = 4;
/// One in this many statements gets a speaker and cue in front.
const SPEAKER_EVERY: u64 = 3;
/// Statements longer than this (bytes) keep no prefix: their start would be cut anyway.
const SPEAKER_MAX_LEN: usize = 600;

/// Invented speakers, people and organisations, as extraction names them.
const SPEAKERS: [&str; 12] = [
    "Maria Lindqvist", "Tom Okafor", "The ministry", "Senator Ruth Calloway", "A spokeswoman",
    "Daniel Herrera", "He", "The company", "Ms. Adeyemi", "She", "Protesters", "Mr. Brandt",
];
/// Cues of direct and reported speech.
const CUES: [&str; 8] = [
    "said", "told reporters", "added", "argued", "wrote", "said in a statement", "insisted", "told",
];

/// Whether a set's targets name topics (so that another of them is off-topic for a statement).
/// NLI hypotheses are propositions about one scene, not topics.
fn names_topics(kind: SetKind) -> bool {
    !matches!(kind, SetKind::Snli | SetKind::Anli)
}

/// Neutral pairs of a quarter of the statements of `sets` (each set's training examples) with a
/// target from another topic: a different target, and for P-Stance (whose three politicians
/// are each other's rivals) one from another set.
pub fn off_target(sets: &[(SetKind, Vec<Example>)]) -> Vec<Example> {
    let mut pool: Vec<(SetKind, &str)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (kind, examples) in sets.iter().filter(|(k, _)| names_topics(*k)) {
        for t in examples.iter().filter_map(|e| e.target.as_deref()) {
            if seen.insert(t.to_lowercase()) {
                pool.push((*kind, t));
            }
        }
    }
    let mut out = Vec::new();
    for (kind, examples) in sets.iter().filter(|(k, _)| names_topics(*k)) {
        for e in examples {
            let (Some(own), h) = (e.target.as_deref(), fnv(&e.text)) else {
                continue;
            };
            if !h.is_multiple_of(OFF_TARGET_EVERY) || pool.len() < 2 {
                continue;
            }
            let start = (fnv(&format!("{}#off", e.text)) % pool.len() as u64) as usize;
            let other = (0..pool.len())
                .map(|i| pool[(start + i) % pool.len()])
                .find(|(k, t)| {
                    let rival = *kind == SetKind::PStance && k == kind;
                    !rival && !t.eq_ignore_ascii_case(own)
                });
            if let Some((_, t)) = other {
                out.push(Example {
                    target: Some(t.to_string()),
                    text: e.text.clone(),
                    label: "neutral".into(),
                    context: None,
                });
            }
        }
    }
    out
}

/// Puts an invented speaker and cue in front of a third of the short statements (not NLI
/// premises, which are scene descriptions, not speech).
pub fn with_speakers(kind: SetKind, examples: &mut [Example]) {
    if !names_topics(kind) {
        return;
    }
    for e in examples.iter_mut() {
        let h = fnv(&format!("{}#speaker", e.text));
        if h.is_multiple_of(SPEAKER_EVERY) && e.text.len() <= SPEAKER_MAX_LEN {
            let speaker = SPEAKERS[(h / 7 % SPEAKERS.len() as u64) as usize];
            let cue = CUES[(h / 101 % CUES.len() as u64) as usize];
            e.text = format!("{speaker} {cue}: {}", e.text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(target: &str, text: &str, label: &str) -> Example {
        Example {
            target: Some(target.into()),
            text: text.into(),
            label: label.into(),
            context: None,
        }
    }

    #[test]
    fn off_target_pairs_are_neutral_and_never_the_own_target_or_a_rival() {
        let pstance: Vec<Example> = (0..200)
            .map(|i| {
                ex(
                    ["Donald Trump", "Joe Biden"][i % 2],
                    &format!("tweet {i}"),
                    "favor",
                )
            })
            .collect();
        let ukp: Vec<Example> = (0..200)
            .map(|i| {
                ex(
                    ["abortion", "cloning", "gun control"][i % 3],
                    &format!("s {i}"),
                    "against",
                )
            })
            .collect();
        let sets = vec![(SetKind::PStance, pstance), (SetKind::Ukp, ukp)];
        let extra = off_target(&sets);
        // About a quarter of the 400 statements.
        assert!((60..140).contains(&extra.len()), "{}", extra.len());
        for e in &extra {
            assert_eq!(e.label, "neutral");
            let t = e.target.as_deref().unwrap();
            if e.text.starts_with("tweet") {
                assert!(!["Donald Trump", "Joe Biden"].contains(&t), "{t}");
            } else {
                let own = sets[1].1.iter().find(|o| o.text == e.text).unwrap();
                assert_ne!(own.target.as_deref(), Some(t));
            }
        }
        assert_eq!(extra, off_target(&sets), "deterministic");
    }

    #[test]
    fn speakers_go_in_front_of_some_short_statements_only() {
        let mut examples: Vec<Example> = (0..300)
            .map(|i| ex("x", &format!("statement {i}"), "favor"))
            .collect();
        examples.push(ex("x", &"long ".repeat(200), "favor"));
        with_speakers(SetKind::Ukp, &mut examples);
        let prefixed = examples
            .iter()
            .filter(|e| e.text.contains(": statement"))
            .count();
        assert!((60..140).contains(&prefixed), "{prefixed}");
        assert!(examples.last().unwrap().text.starts_with("long"));
        let mut nli = vec![ex("x", "A man sleeps.", "neutral")];
        with_speakers(SetKind::Snli, &mut nli);
        assert_eq!(nli[0].text, "A man sleeps.");
    }
}
