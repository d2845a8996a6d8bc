//! Direct, mixed or indirect: the kind of a content, read from the quote marks around and
//! inside its spans. Extractors use it for what they predict and evaluation for gold contents,
//! so both sides classify alike.

use super::QuoteKind;
use crate::span::Span;

/// Quote marks of all common variants (straight, curly, guillemets, low-9, primes used as quotes).
pub const QUOTE_MARKS: &[char] = &[
    '"', '\'', '“', '”', '‘', '’', '«', '»', '„', '‚', '‹', '›', '‟', '‛', '″', '`',
];

/// True for a quote mark of any variant.
pub fn is_quote_mark(c: char) -> bool {
    QUOTE_MARKS.contains(&c)
}

/// Characters allowed between a quoted text and its closing quote mark (`"Yes."` vs `"Yes".`).
fn is_closing_punct(c: char) -> bool {
    matches!(c, '.' | ',' | ';' | ':' | '!' | '?')
}

/// Whether the mark at `i` is a quote mark in this context: double marks always; single marks
/// (`' ‘ ’`) only when they cannot be an apostrophe (after a letter or digit: `don’t`,
/// `Clinton’s`, `voters’`).
fn is_quote_at(chars: &[char], i: usize) -> bool {
    let c = chars[i];
    if !is_quote_mark(c) {
        return false;
    }
    if matches!(c, '\'' | '’' | '‘' | '‛' | '`') {
        let after_word = i > 0 && chars[i - 1].is_alphanumeric();
        return !after_word;
    }
    true
}

/// Whether a closing quote mark sits at `i` (apostrophe-like marks are accepted: a closing
/// single quote follows a letter just like an apostrophe does).
fn closes_at(chars: &[char], i: usize) -> bool {
    chars.get(i).is_some_and(|&c| is_quote_mark(c))
}

/// Whether one span is a quotation by itself (see the module documentation of [`crate::eval`]).
fn span_is_direct(chars: &[char], span: Span) -> bool {
    let (start, end) = (span.start.min(chars.len()), span.end.min(chars.len()));
    // Inside: starts and ends with quote marks, ignoring surrounding whitespace.
    let mut s = start;
    while s < end && chars[s].is_whitespace() {
        s += 1;
    }
    let mut e = end;
    while e > s && chars[e - 1].is_whitespace() {
        e -= 1;
    }
    if e > s + 1 && is_quote_at(chars, s) {
        let mut close = e - 1;
        if is_closing_punct(chars[close]) && close > s + 1 {
            close -= 1;
        }
        if closes_at(chars, close) {
            return true;
        }
    }
    // Outside: the characters just before and just after the span are quote marks.
    if start == 0 || !is_quote_at(chars, start - 1) {
        return false;
    }
    let after = if chars.get(end).is_some_and(|&c| is_closing_punct(c)) {
        end + 1
    } else {
        end
    };
    closes_at(chars, after)
}

/// Classifies a content from its text (`chars` is the whole text, the spans index into it):
/// direct, mixed or indirect.
pub fn classify_kind(chars: &[char], content: &[Span]) -> QuoteKind {
    if !content.is_empty() && content.iter().all(|&s| span_is_direct(chars, s)) {
        return QuoteKind::Direct;
    }
    let has_quote = content.iter().any(|s| {
        let (start, end) = (s.start.min(chars.len()), s.end.min(chars.len()));
        (start..end).any(|i| is_quote_at(chars, i))
    });
    if has_quote {
        QuoteKind::Mixed
    } else {
        QuoteKind::Indirect
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str, spans: &[(usize, usize)]) -> QuoteKind {
        let chars: Vec<char> = text.chars().collect();
        let spans: Vec<Span> = spans.iter().map(|&(s, e)| Span::new(s, e)).collect();
        classify_kind(&chars, &spans)
    }

    #[test]
    fn direct_inside_and_outside_marks() {
        // Quote marks included in the span.
        let t = "He said: “We will win.” Then he left.";
        assert_eq!(kind(t, &[(9, 23)]), QuoteKind::Direct);
        // Quote marks just outside the span, with the comma inside the quotes.
        let t = "\"We will win,\" he said.";
        assert_eq!(kind(t, &[(1, 12)]), QuoteKind::Direct);
        assert_eq!(kind(t, &[(1, 13)]), QuoteKind::Direct);
    }

    #[test]
    fn apostrophes_do_not_make_mixed() {
        let t = "She said the mayor’s plan won’t pass and the voters’ anger grows.";
        assert_eq!(kind(t, &[(9, 64)]), QuoteKind::Indirect);
    }

    #[test]
    fn mixed_and_multi_span() {
        let t = "He said the plan was “a disaster” for the town.";
        assert_eq!(kind(t, &[(8, 46)]), QuoteKind::Mixed);
        // Two quoted spans around an inserted cue are direct together.
        let t = "“We won,” he said, “and we stay.”";
        assert_eq!(kind(t, &[(0, 9), (19, 33)]), QuoteKind::Direct);
        // A quoted span plus an unquoted one is mixed.
        let t = "He said they won and “we stay.”";
        assert_eq!(kind(t, &[(8, 16), (21, 31)]), QuoteKind::Mixed);
    }
}
