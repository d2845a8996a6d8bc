//! Page furniture: the lines of a news page that are not its body (headline, byline, photo
//! credit) and the dateline in front of the first paragraph. A headline such as "What the
//! minister said about the levy" is no attribution, and its "What" no speaker; a dateline
//! ("HALDVIK (Reuters) — ") is no part of the quote that follows it.
//!
//! Both extractors' attributions pass through [`clean`]: an attribution whose content or source
//! lies in furniture is dropped, and a dateline is cut off the front of a content.

use super::kind::is_quote_mark;
use super::Attribution;
use crate::span::NormRange;
use crate::text::Analysis;

/// A headline has at most this many words.
const MAX_HEADLINE_WORDS: usize = 20;

/// Whether a paragraph is page furniture: a byline ("By Jane Doe"), a photo credit ("Photo:
/// ...", "... /Getty Images"), or a headline (short, and no sentence end: no final full stop,
/// question or exclamation mark, also not before a closing quote mark).
pub fn is_furniture(paragraph: &str, bulleted: bool) -> bool {
    let p = paragraph.trim();
    let words = p.split_whitespace().count();
    if words == 0 {
        return false;
    }
    let lower = p.to_lowercase();
    let byline = p.starts_with("By ")
        && words <= 8
        && p.split_whitespace()
            .nth(1)
            .is_some_and(|w| w.starts_with(char::is_uppercase));
    let credit = [
        "photo:", "photo by", "photograph:", "image:", "credit:", "(photo", "picture:",
    ]
    .iter()
    .any(|c| lower.starts_with(c))
        || (words <= 15
            && [
                "getty images", "ap photo", "/reuters", "/ reuters", "/afp", "/ afp",
            ]
            .iter()
            .any(|c| lower.contains(c)));
    let body_end = p
        .trim_end_matches(|c: char| is_quote_mark(c) || c == ')' || c.is_whitespace())
        .ends_with(['.', '!', '?', '…', ':', ';', ',']);
    let headline = !bulleted && words <= MAX_HEADLINE_WORDS && !body_end;
    byline || credit || headline
}

/// The length in bytes of a dateline at the start of `paragraph` ("HALDVIK, Norway (Reuters)
/// — ", "LONDON - "): upper-case place words, optionally a region and an agency in
/// parentheses, then a dash. `0` when there is none.
pub fn dateline_len(paragraph: &str) -> usize {
    let Some(dash) = paragraph
        .char_indices()
        .take(80)
        .find(|(_, c)| matches!(c, '—' | '–' | '-'))
        .map(|(i, _)| i)
    else {
        return 0;
    };
    let head = paragraph[..dash].trim_end();
    if !head.ends_with(|c: char| c.is_uppercase() || c == ')') {
        return 0;
    }
    let place = head.split(['(', ',']).next().unwrap_or("").trim();
    let letters: Vec<char> = place.chars().filter(|c| c.is_alphabetic()).collect();
    let shouting = letters.len() >= 3 && letters.iter().all(|c| c.is_uppercase());
    if !shouting || paragraph[dash..].chars().nth(1) != Some(' ') {
        return 0;
    }
    let after = &paragraph[dash..];
    let dash_len = after.chars().next().map_or(0, char::len_utf8);
    dash + dash_len + (after[dash_len..].len() - after[dash_len..].trim_start().len())
}

/// Whether a content is a lone pronoun or wh-word ("what", "this", "so") that reports nothing.
fn is_empty_content(content: &str) -> bool {
    let words: Vec<String> = content
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    matches!(
        words.as_slice(),
        [w] if matches!(
            w.as_str(),
            "what" | "this" | "that" | "it" | "so" | "which" | "something" | "nothing"
                | "anything" | "everything" | "these" | "those"
        )
    )
}

/// Drops attributions in page furniture and cuts datelines off contents.
pub fn clean(analysis: &Analysis, attributions: Vec<Attribution>) -> Vec<Attribution> {
    let text = analysis.text();
    // A document of one paragraph is all body, whatever it looks like.
    let several = analysis.paragraphs.len() > 1;
    let furniture: Vec<bool> = analysis
        .paragraphs
        .iter()
        .map(|p| several && is_furniture(&text[p.range.clone()], p.bulleted))
        .collect();
    let in_furniture = |r: &NormRange| analysis.paragraph_at(r.start).is_some_and(|i| furniture[i]);
    attributions
        .into_iter()
        .filter_map(|mut a| {
            if a.content.iter().any(in_furniture) || a.source.as_ref().is_some_and(in_furniture) {
                return None;
            }
            // "Here's what they discussed": a content of one pronoun says nothing.
            if let [only] = a.content.as_slice() {
                if is_empty_content(&text[only.clone()]) {
                    return None;
                }
            }
            for part in &mut a.content {
                let Some(p) = analysis.paragraph_at(part.start) else {
                    continue;
                };
                let para = &analysis.paragraphs[p].range;
                if part.start == para.start {
                    let cut = dateline_len(&text[para.clone()]);
                    if cut > 0 && para.start + cut < part.end {
                        part.start = para.start + cut;
                    }
                }
            }
            Some(a)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_bylines_and_credits_are_furniture() {
        assert!(is_furniture("What the minister said about the levy", false));
        assert!(is_furniture("By Jane Doe and Ola Nordmann", false));
        assert!(is_furniture("Photo: Kari Berg for the Haldvik Post", false));
        assert!(is_furniture(
            "Fishermen at the quay on Monday. (AP Photo/Kari Berg)",
            false
        ));
        assert!(!is_furniture("“We will not pay,” Brenner said.", false));
        assert!(!is_furniture(
            "The levy passed on Tuesday, officials said.",
            false
        ));
        // A bullet brief has no final stop but is body text.
        assert!(!is_furniture(
            "Housing. Incumbent mayor Stella Quinn: homes first",
            true
        ));
    }

    #[test]
    fn one_word_contents_are_empty() {
        assert!(is_empty_content("what"));
        assert!(is_empty_content(" This."));
        assert!(!is_empty_content("what they want"));
        assert!(!is_empty_content("Yes"));
    }

    #[test]
    fn datelines_are_measured() {
        let p = "HALDVIK, Norway (Reuters) — The minister said the wall would hold.";
        assert_eq!(
            &p[dateline_len(p)..],
            "The minister said the wall would hold."
        );
        assert_eq!(
            dateline_len("LONDON - Officials said so."),
            "LONDON - ".len()
        );
        assert_eq!(dateline_len("The minister - who said so - left."), 0);
        assert_eq!(dateline_len("A well-known view."), 0);
    }
}
