//! The subject of a cue's clause, for a content whose cue the tagger found but whose source it
//! did not tag: "the FBI decided against recommending charges", "Osama bin Laden declared war",
//! "Saudi Arabia, which has strongly denied any involvement", "Meanwhile, it attacked Trump,
//! saying ...". Without a source such records have no speaker at all; on PolNeAR dev the
//! speaker is nearly always the grammatical subject right before the cue.
//!
//! The reading is deliberately narrow (no parser): the words right before the cue, past
//! auxiliaries and adverbs, must be a personal or relative pronoun or a run of capitalised name
//! words; a participle after a comma (", saying") takes the subject that opens the sentence.
//! Passive cues ("was charged", "is considered", "known as") have no speaking subject:
//! PolNeAR leaves their source empty, and so does this.

use crate::attribution::rules::lexicon::is_name_word;
use crate::span::NormRange;
use crate::text::Analysis;

/// Words that may stand between a subject and its cue: auxiliaries and adverbs ("had long
/// been", "then", "repeatedly").
const BETWEEN: &[&str] = &[
    "also", "then", "had", "has", "have", "would", "will", "could", "can", "may", "might",
    "should", "did", "does", "do", "long", "never", "repeatedly", "promptly", "together",
    "strongly", "once", "later", "previously", "often", "reportedly", "again", "already", "still",
    "just", "not", "quickly", "publicly", "privately", "recently", "first", "immediately", "even",
    "now",
];

/// Forms of "be" that make a following participle passive ("was charged").
const BE: &[&str] = &[
    "is", "was", "were", "are", "be", "been", "being", "'s", "’s",
];

/// Pronouns that are the speaking subject themselves.
const PRONOUNS: &[&str] = &["he", "she", "it", "they", "we", "i", "who", "which"];

/// Lower-case words that may sit inside a name ("Osama bin Laden", "Charles de Gaulle").
const NAME_PARTICLES: &[&str] = &["bin", "de", "van", "von", "al", "la", "del", "der", "da"];

/// Capitalised words that open a noun phrase without naming anything.
const ARTICLES: &[&str] = &["The", "A", "An"];

/// Cue words that make a passive or a label, not an act of speaking by a subject.
const PASSIVE_CUES: &[&str] = &["known", "dubbed", "called", "labeled", "labelled", "named"];

/// The subject of the clause of `cue` (byte range of the normalised text), if it is a pronoun
/// or a name; `None` when the cue is passive or the subject is anything else. `excluded`
/// reports ranges that cannot be the speaker (inside the content, or on the far side of
/// another content).
pub fn subject_of_cue(
    analysis: &Analysis,
    cue: &NormRange,
    excluded: impl Fn(&NormRange) -> bool,
) -> Option<NormRange> {
    let text = analysis.text();
    let sentence = &analysis.sentences[analysis.sentence_at(cue.start)?];
    let tokens = &analysis.tokens[sentence.tokens.clone()];
    let first_cue = tokens.partition_point(|t| t.range.end <= cue.start);
    let word = |i: usize| &text[tokens[i].range.clone()];
    let lower = |i: usize| word(i).to_lowercase();

    let cue_words: Vec<String> = text[cue.clone()]
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    let passive = cue_words.iter().any(|w| PASSIVE_CUES.contains(&w.as_str()))
        || cue_words.iter().any(|w| BE.contains(&w.as_str()))
        || (first_cue > 0 && BE.contains(&lower(first_cue - 1).as_str()));
    if passive || first_cue == 0 {
        return None;
    }

    // Back from the cue, past auxiliaries and adverbs.
    let mut i = first_cue;
    while i > 0 && BETWEEN.contains(&lower(i - 1).as_str()) {
        i -= 1;
    }
    if i == 0 {
        return None; // the cue opens the sentence: an imperative or a headline
    }
    let participle = cue_words.first().is_some_and(|w| w.ends_with("ing"));
    let found = if word(i - 1) == "," && participle {
        // "Meanwhile, it attacked Trump, saying ...": the subject that opens the sentence.
        let mut s = 0;
        if tokens.len() > 2 && word(1) == "," && !is_name_word(word(0)) {
            s = 2;
        }
        subject_at(analysis, tokens, s, first_cue)
    } else {
        noun_before(analysis, tokens, i)
    }?;
    (!excluded(&found)).then_some(found)
}

/// Whether a word is one of [`PRONOUNS`]: in lower case, or capitalised only where it opens the
/// sentence ("It" mid-sentence is a title's word, not the pronoun), or "I".
fn is_pronoun(word: &str, opens_sentence: bool) -> bool {
    let lower = word.to_lowercase();
    PRONOUNS.contains(&lower.as_str()) && (word == lower || opens_sentence || word == "I")
}

/// A pronoun or a name that starts at token `s` and ends before token `limit`.
fn subject_at(
    analysis: &Analysis,
    tokens: &[crate::text::Token],
    s: usize,
    limit: usize,
) -> Option<NormRange> {
    let text = analysis.text();
    let word = |i: usize| &text[tokens[i].range.clone()];
    if s >= limit {
        return None;
    }
    if is_pronoun(word(s), s == 0) && !matches!(word(s), "who" | "which") {
        return Some(tokens[s].range.clone());
    }
    let mut e = s;
    while e < limit && (is_name_word(word(e)) || e > s && NAME_PARTICLES.contains(&word(e))) {
        e += 1;
    }
    // A run that ends in a particle is no name.
    while e > s && NAME_PARTICLES.contains(&word(e - 1)) {
        e -= 1;
    }
    let article_only = e == s + 1 && ARTICLES.contains(&word(s));
    (e > s && !article_only).then(|| tokens[s].range.start..tokens[e - 1].range.end)
}

/// The pronoun or name that ends right before token `end`: "the FBI", "Osama bin Laden",
/// "which".
fn noun_before(
    analysis: &Analysis,
    tokens: &[crate::text::Token],
    end: usize,
) -> Option<NormRange> {
    let text = analysis.text();
    let word = |i: usize| &text[tokens[i].range.clone()];
    let last = end - 1;
    if is_pronoun(word(last), last == 0) {
        return Some(tokens[last].range.clone());
    }
    if !is_name_word(word(last)) {
        return None;
    }
    let mut s = last;
    while s > 0 && (is_name_word(word(s - 1)) || NAME_PARTICLES.contains(&word(s - 1))) {
        s -= 1;
    }
    // A sentence-opening article alone ("The discussions about") is no name.
    if s == last && ARTICLES.contains(&word(s)) {
        return None;
    }
    // "the FBI": the article belongs to the mention.
    if s > 0 && word(s - 1).eq_ignore_ascii_case("the") {
        s -= 1;
    }
    Some(tokens[s].range.start..tokens[last].range.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(text: &str, cue: &str) -> Option<String> {
        let a = Analysis::new(text);
        let t = a.text().to_string();
        let at = t.find(cue).expect(cue);
        subject_of_cue(&a, &(at..at + cue.len()), |_| false).map(|r| t[r].to_string())
    }

    #[test]
    fn the_subject_right_before_the_cue_is_the_speaker() {
        let t = "The case was closed after the FBI decided against recommending charges.";
        assert_eq!(
            subject(t, "decided against recommending").as_deref(),
            Some("the FBI")
        );
        let t = "Osama bin Laden declared war on the United States.";
        assert_eq!(subject(t, "declared").as_deref(), Some("Osama bin Laden"));
        let t = "It named the Saudi government, which has strongly denied any involvement.";
        assert_eq!(subject(t, "denied").as_deref(), Some("which"));
        let t = "Meanwhile, it attacked the senator, saying he had no judgment.";
        assert_eq!(subject(t, "saying").as_deref(), Some("it"));
    }

    #[test]
    fn passives_imperatives_and_common_nouns_have_no_subject() {
        assert_eq!(
            subject("The mayor was charged with fraud.", "charged"),
            None
        );
        assert_eq!(
            subject("The mayor is considered a threat.", "considered"),
            None
        );
        assert_eq!(subject("Calls the plan a fantasy.", "Calls"), None);
        assert_eq!(
            subject("The report also argued that taxes rise.", "argued"),
            None
        );
        assert_eq!(
            subject("The talks about defence went on.", "talks about"),
            None
        );
    }
}
