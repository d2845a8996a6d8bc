//! Segmentation of normalised text into paragraphs, sentences and tokens.
//!
//! Paragraphs are the `"\n\n"`-separated blocks that normalisation produces. Tokens start from
//! Unicode word boundaries (UAX #29, via unicode-segmentation) and are then merged or split
//! where news text needs it: abbreviations keep their period (`U.S.`, `Dr.`, `a.m.`, `J.`),
//! hyphenated words and times stay whole (`pro-Western`, `U.S.-led`, `10:30`), dot runs form
//! one ellipsis token, and clitics split off (`NATO’s` = `NATO` + `’s`). Every punctuation mark
//! and quote mark is a token of its own.
//!
//! Sentences end at `.`, `?`, `!` and ellipses (with any closing quotes and brackets after
//! them, so `“It is over.” He left` splits after `”`) unless a lowercase word or continuing
//! punctuation follows; after an abbreviation only a clear sentence opener (`The`, `He`, an
//! opening quote, ...) ends the sentence, and titles (`Mr.`, `Lt. Gen.`) never do. A paragraph
//! end always ends a sentence, which covers headlines and bullets.

use super::normalize::bullet_marker_len;
use super::{Paragraph, Sentence, Token};
use std::ops::Range;
use unicode_segmentation::UnicodeSegmentation;

/// The result of segmenting one normalised text.
#[derive(Debug, Default)]
pub struct Segmentation {
    /// Paragraphs in order.
    pub paragraphs: Vec<Paragraph>,
    /// Sentences in order.
    pub sentences: Vec<Sentence>,
    /// Tokens in order.
    pub tokens: Vec<Token>,
}

/// Abbreviations before a name: a period after them never ends a sentence.
const TITLES: &[&str] = &[
    "Mr", "Mrs", "Ms", "Messrs", "Mmes", "Mme", "Mlle", "Dr", "Drs", "Prof", "Sen", "Sens", "Rep",
    "Reps", "Gov", "Govs", "Gen", "Gens", "Lt", "Col", "Maj", "Capt", "Cpt", "Sgt", "Cpl", "Pvt",
    "Cmdr", "Adm", "Brig", "Rev", "Hon", "Pres", "Supt", "Insp", "Det", "Amb", "Atty", "Fr", "Mt",
    "Ft", "Sra", "Sr", "vs", "Vs",
];

/// Other abbreviations: a period after them ends a sentence only before a clear opener.
const ABBREVIATIONS: &[&str] = &[
    "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "Inc",
    "Corp", "Co", "Cos", "Ltd", "Bros", "Jr", "Dept", "Univ", "Ave", "Blvd", "Rd", "St", "No",
    "Nos", "Vol", "Fig", "Calif", "Fla", "Mass", "Ariz", "Conn", "Ill", "Mich", "Minn", "Tenn",
    "Wash", "Wis", "Ore", "Nev", "Okla", "Colo", "Ky", "La", "Md", "Mo", "Miss", "Ala", "Ark",
    "Ga", "Kan", "Neb", "Va", "Vt", "Del", "Penn", "Pa", "Ind", "Ida", "Mont", "Wyo", "etc",
    "approx", "al", "cf", "ca", "pp", "est", "Ph", "Gov't", "U.S", "U.K", "U.N", "E.U",
];

/// Capitalised words that typically open a sentence; after an abbreviation they signal that
/// the period also ended the sentence (`the U.S. The` splits, `the U.S. Senate` does not).
const OPENERS: &[&str] = &[
    "The", "A", "An", "He", "She", "It", "They", "We", "I", "You", "But", "And", "Or", "So", "Yet",
    "In", "On", "At", "For", "From", "To", "With", "By", "As", "After", "Before", "When", "While",
    "If", "This", "That", "These", "Those", "There", "Their", "His", "Her", "Its", "Our", "My",
    "Your", "What", "Why", "How", "Who", "Where", "Which", "However", "Meanwhile", "Still", "Now",
    "Then", "Also", "Some", "Many", "Most", "Both", "Neither", "Nor", "Not", "One", "Last", "Next",
    "Earlier", "Later", "According", "Under", "Since", "During", "Despite", "Although", "Though",
    "Because", "Such", "Other", "Asked", "Mr", "Mrs", "Ms", "Dr", "Thus", "Instead", "Even",
    "Only", "All", "Each", "Every", "No", "Yes",
];

/// Segments a normalised text.
pub fn segment(text: &str) -> Segmentation {
    let mut seg = Segmentation::default();
    let mut pieces: Vec<Range<usize>> = Vec::new();
    let mut pos = 0;
    for para in text.split("\n\n") {
        let start = pos + (para.len() - para.trim_start().len());
        let end = pos + para.trim_end().len();
        pos += para.len() + 2;
        if start >= end {
            continue;
        }
        let pi = seg.paragraphs.len();
        seg.paragraphs.push(Paragraph {
            range: start..end,
            bulleted: bullet_marker_len(&text[start..end]).is_some(),
        });
        let first = seg.tokens.len();
        tokenize(text, start..end, &mut pieces, &mut seg.tokens);
        split_sentences(text, pi, first, &seg.tokens, &mut seg.sentences);
    }
    seg
}

/// Appends the tokens of `text[range]`; `pieces` is scratch space reused across paragraphs.
fn tokenize(text: &str, range: Range<usize>, pieces: &mut Vec<Range<usize>>, out: &mut Vec<Token>) {
    pieces.clear();
    let base = range.start;
    pieces.extend(
        text[range]
            .split_word_bound_indices()
            .filter(|(_, w)| !w.chars().all(char::is_whitespace))
            .map(|(off, w)| base + off..base + off + w.len()),
    );
    let first = out.len();
    let mut k = 0;
    while k < pieces.len() {
        let p = pieces[k].clone();
        let piece = &text[p.clone()];
        let last = out[first..].last().map(|t| t.range.clone());
        let touching = last.as_ref().is_some_and(|l| l.end == p.start);
        let next = pieces.get(k + 1).filter(|n| n.start == p.end);
        if let (true, Some(l)) = (touching, &last) {
            let prev = &text[l.clone()];
            let joins_next = next.is_some_and(|n| word_like(&text[n.clone()]));
            let merge_one = (piece == "." && (takes_period(prev) || is_dots(prev)))
                || (piece == "." && prev.ends_with('.') && is_dots(prev));
            let merge_two = (is_hyphen(piece) && joins_next && hyphen_left(prev))
                || (piece == ":"
                    && is_digits(prev)
                    && next.is_some_and(|n| is_digits(&text[n.clone()])));
            if merge_one {
                out.last_mut().expect("touching implies a token").range.end = p.end;
                k += 1;
                continue;
            }
            if merge_two {
                let n = next.expect("checked above").clone();
                out.last_mut().expect("touching implies a token").range.end = n.end;
                k += 2;
                continue;
            }
        }
        match clitic_split(piece) {
            Some(at) => {
                out.push(Token {
                    range: p.start..p.start + at,
                });
                out.push(Token {
                    range: p.start + at..p.end,
                });
            }
            None => out.push(Token { range: p }),
        }
        k += 1;
    }
}

fn is_hyphen(s: &str) -> bool {
    matches!(s, "-" | "\u{2010}" | "\u{2011}")
}

fn is_dots(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b == b'.')
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn word_like(s: &str) -> bool {
    s.chars().next().is_some_and(char::is_alphanumeric)
}

/// Whether a token can be the left part of a hyphenated word (`pro`, `U.S.`, `24`).
fn hyphen_left(s: &str) -> bool {
    s.chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || (c == '.' && s.len() > 1))
        && s.chars().next().is_some_and(char::is_alphanumeric)
}

/// Whether a word keeps a following period as part of the token: dotted abbreviations
/// (`U.S`, `a.m`), single capital initials and listed abbreviations.
fn takes_period(word: &str) -> bool {
    let mut chars = word.chars();
    let Some(c0) = chars.next() else {
        return false;
    };
    if chars.next().is_none() {
        return c0.is_uppercase();
    }
    let dotted = word.contains('.')
        && word.chars().all(|c| c.is_alphabetic() || c == '.')
        && !word.ends_with('.');
    dotted || TITLES.contains(&word) || ABBREVIATIONS.contains(&word)
}

/// Where a word splits into stem and clitic (`NATO’s` at the `’`), if it ends in one.
fn clitic_split(word: &str) -> Option<usize> {
    let at = word.rfind(['’', '\''])?;
    let tail = &word[at + word[at..].chars().next()?.len_utf8()..];
    let clitic = [
        "s", "S", "d", "D", "ll", "LL", "re", "RE", "ve", "VE", "m", "M",
    ]
    .contains(&tail);
    (clitic && at > 0 && word[..at].chars().all(char::is_alphanumeric)).then_some(at)
}

/// How a token may end a sentence.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// `.`, `?`, `!`, an ellipsis.
    Plain,
    /// An abbreviation that absorbed its period (`U.S.`, `Inc.`, `J.`).
    Abbreviation,
    /// A title that absorbed its period (`Mr.`, `Gen.`): never ends a sentence.
    Title,
}

fn ending(tok: &str) -> Option<Ending> {
    match tok {
        "." | "?" | "!" | "…" => Some(Ending::Plain),
        t if is_dots(t) => Some(Ending::Plain),
        t if t.len() > 1 && t.ends_with('.') => {
            let stem = &t[..t.len() - 1];
            if TITLES.contains(&stem) {
                Some(Ending::Title)
            } else {
                Some(Ending::Abbreviation)
            }
        }
        _ => None,
    }
}

/// Splits the tokens `first..` (one paragraph) into sentences.
fn split_sentences(
    text: &str,
    paragraph: usize,
    first: usize,
    tokens: &[Token],
    out: &mut Vec<Sentence>,
) {
    let end = tokens.len();
    let tok = |i: usize| &text[tokens[i].range.clone()];
    let mut push = |a: usize, b: usize| {
        if a < b {
            out.push(Sentence {
                range: tokens[a].range.start..tokens[b - 1].range.end,
                paragraph,
                tokens: a..b,
            });
        }
    };
    let mut start = first;
    let mut k = first;
    while k < end {
        let Some(kind) = ending(tok(k)) else {
            k += 1;
            continue;
        };
        // Closing quotes and brackets, and repeated marks (`?!`), belong to the sentence.
        let mut e = k + 1;
        while e < end {
            let t = tok(e);
            let adjacent = tokens[e].range.start == tokens[e - 1].range.end;
            let closes = t == "”" || (adjacent && matches!(t, "’" | ")" | "]" | "?" | "!" | "."));
            if !closes {
                break;
            }
            e += 1;
        }
        if e < end && ends_here(kind, tok(k), tok(e)) {
            push(start, e);
            start = e;
        }
        k = e;
    }
    push(start, end);
}

/// Whether a sentence ending of `kind` (the token `mark`) is a real end given the next token.
fn ends_here(kind: Ending, mark: &str, next: &str) -> bool {
    let Some(f) = next.chars().next() else {
        return false;
    };
    match kind {
        Ending::Title => false,
        // `No. 5` is a number; otherwise `No.` is the word.
        Ending::Abbreviation if mark == "No." || mark == "Nos." => {
            !f.is_ascii_digit() && ends_here(Ending::Plain, ".", next)
        }
        Ending::Abbreviation => next == "“" || next == "‘" || OPENERS.contains(&next),
        Ending::Plain => !(f.is_lowercase() || ",;:)]}%".contains(f)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<&str> {
        let seg = segment(text);
        seg.tokens.iter().map(|t| &text[t.range.clone()]).collect()
    }

    fn sentences(text: &str) -> Vec<&str> {
        let seg = segment(text);
        seg.sentences
            .iter()
            .map(|s| &text[s.range.clone()])
            .collect()
    }

    #[test]
    fn tokens_keep_abbreviations_compounds_and_times() {
        assert_eq!(
            tokens("The U.S.-led bloc met at 10:30 a.m. on pro-Western terms."),
            [
                "The", "U.S.-led", "bloc", "met", "at", "10:30", "a.m.", "on", "pro-Western",
                "terms", "."
            ]
        );
        assert_eq!(
            tokens("NATO’s “plan”, 3.5%..."),
            ["NATO", "’s", "“", "plan", "”", ",", "3.5", "%", "..."]
        );
        assert_eq!(
            tokens("Dr. J. R. R. Smith"),
            ["Dr.", "J.", "R.", "R.", "Smith"]
        );
        assert_eq!(tokens("don’t stop"), ["don’t", "stop"]);
        assert_eq!(
            tokens("short- and long-range"),
            ["short", "-", "and", "long-range"]
        );
    }

    #[test]
    fn abbreviations_do_not_split_sentences() {
        assert_eq!(
            sentences(
                "Lt. Gen. Smith met Sen. Jones at 3 p.m. on Jan. 5 in Washington, D.C. on Monday."
            ),
            ["Lt. Gen. Smith met Sen. Jones at 3 p.m. on Jan. 5 in Washington, D.C. on Monday."]
        );
        assert_eq!(
            sentences("He met Mr. Smith. Then he left."),
            ["He met Mr. Smith.", "Then he left."]
        );
        assert_eq!(
            sentences("He moved to the U.S. The move was hard. The U.S. Senate agreed."),
            [
                "He moved to the U.S.",
                "The move was hard.",
                "The U.S. Senate agreed."
            ]
        );
        assert_eq!(
            sentences("Item No. 5 is gone. No. It is here."),
            ["Item No. 5 is gone.", "No.", "It is here."]
        );
        assert_eq!(
            sentences("Use e.g. this one, i.e. that."),
            ["Use e.g. this one, i.e. that."]
        );
    }

    #[test]
    fn quotes_attach_to_the_right_sentence() {
        assert_eq!(
            sentences("he said. “Next time we win.” He left."),
            ["he said.", "“Next time we win.”", "He left."]
        );
        assert_eq!(
            sentences("“Why?” he asked. “Stop!” She ran."),
            ["“Why?” he asked.", "“Stop!”", "She ran."]
        );
        assert_eq!(sentences("Wait... what? Yes!"), ["Wait... what?", "Yes!"]);
        assert_eq!(
            sentences("It grew 3.5 percent. 2016 was better."),
            ["It grew 3.5 percent.", "2016 was better."]
        );
    }

    #[test]
    fn paragraphs_end_sentences_and_mark_bullets() {
        let text = "Headline Without Stop\n\n– Ryabkov said it. Sherman agreed\n\nPlain text.";
        let seg = segment(text);
        assert_eq!(seg.paragraphs.len(), 3);
        assert_eq!(
            seg.paragraphs
                .iter()
                .map(|p| p.bulleted)
                .collect::<Vec<_>>(),
            [false, true, false]
        );
        assert_eq!(
            sentences(text),
            ["Headline Without Stop", "– Ryabkov said it.", "Sherman agreed", "Plain text."]
        );
        for s in &seg.sentences {
            let p = &seg.paragraphs[s.paragraph].range;
            assert!(p.start <= s.range.start && s.range.end <= p.end);
            assert_eq!(seg.tokens[s.tokens.start].range.start, s.range.start);
            assert_eq!(seg.tokens[s.tokens.end - 1].range.end, s.range.end);
        }
    }

    #[test]
    fn empty_and_odd_inputs() {
        assert!(segment("").sentences.is_empty());
        assert!(segment("\n\n\n\n").paragraphs.is_empty());
        assert_eq!(
            sentences("東京で会った。 مرحبا 👍🏽!"),
            ["東京で会った。 مرحبا 👍🏽!"]
        );
    }
}
