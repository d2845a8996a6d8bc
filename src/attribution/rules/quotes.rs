//! Quote-mark pairing over the normalised text.
//!
//! Normalisation leaves `“`/`”` for double quotes and `‘`/`’` for single ones, so pairing is a
//! scan with a small stack. Conventions of news text handled here:
//! * a quote that runs over several paragraphs repeats the opening mark at each new paragraph
//!   and closes only at the end; it becomes one piece per paragraph, chained together;
//! * single quotes inside a double quote are nested quotations and stay part of the content;
//! * `’` is also the apostrophe, so a single quote closes only where `’` is not inside a word;
//! * an opening mark that never closes in its paragraph (and is not continued) is unbalanced:
//!   it is dropped rather than allowed to swallow the rest of the article.

use crate::span::NormRange;
use crate::text::normalize::{APOSTROPHE, CLOSE_DOUBLE, OPEN_DOUBLE, OPEN_SINGLE};
use crate::text::Analysis;

/// One paired quotation: the content between the marks, within one paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotePiece {
    /// Byte position of the opening mark.
    pub open: usize,
    /// Byte position just after the closing mark (or the paragraph end for a piece that the
    /// next paragraph continues).
    pub close: usize,
    /// The content inside the marks, trimmed of whitespace.
    pub content: NormRange,
    /// True when the next piece continues this quotation in the following paragraph.
    pub continued: bool,
    /// True when this piece continues the previous one from the paragraph before.
    pub continuation: bool,
}

impl QuotePiece {
    /// Number of whitespace-separated words in the content.
    pub fn words(&self, text: &str) -> usize {
        text[self.content.clone()].split_whitespace().count()
    }
}

/// Finds the paired quotations of a document, in text order.
pub fn pair_quotes(analysis: &Analysis) -> Vec<QuotePiece> {
    let text = analysis.text();
    let mut pieces = Vec::new();
    let mut carried = false;
    for (pi, para) in analysis.paragraphs.iter().enumerate() {
        let body = &text[para.range.clone()];
        let next_opens = analysis
            .paragraphs
            .get(pi + 1)
            .is_some_and(|p| text[p.range.clone()].starts_with(OPEN_DOUBLE));
        let found = pair_paragraph(body, para.range.start, next_opens, carried);
        carried = found.last().is_some_and(|p| p.continued);
        pieces.extend(found);
    }
    pieces
}

/// Pairs the double quotes of one paragraph (and single quotes outside any double quote).
fn pair_paragraph(body: &str, base: usize, next_opens: bool, carried: bool) -> Vec<QuotePiece> {
    let mut out = Vec::new();
    let mut open: Option<usize> = None;
    let mut single_open: Option<usize> = None;
    let chars: Vec<(usize, char)> = body.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        match c {
            OPEN_DOUBLE => {
                // A second opening mark before any close: the first was unbalanced.
                open = Some(i);
                single_open = None;
            }
            CLOSE_DOUBLE => {
                if let Some(o) = open.take() {
                    let continuation = carried && o == 0 && out.is_empty();
                    push_piece(
                        &mut out,
                        body,
                        base,
                        o,
                        i + c.len_utf8(),
                        false,
                        continuation,
                    );
                }
            }
            OPEN_SINGLE if open.is_none() => single_open = Some(i),
            APOSTROPHE if open.is_none() => {
                let next = chars.get(k + 1).map(|&(_, n)| n);
                let closes = next.is_none_or(|n| !n.is_alphanumeric());
                if let (Some(o), true) = (single_open, closes) {
                    if body[o..i].split_whitespace().count() >= 2 {
                        single_open = None;
                        push_piece(&mut out, body, base, o, i + c.len_utf8(), false, false);
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(o) = open {
        // Still open at the paragraph end: continued when the next paragraph opens again
        // (the news convention for multi-paragraph quotes), unbalanced otherwise.
        // A paragraph that attributes its own quotation ("…, said Tom Reyes") is not one
        // that the next paragraph continues: its opening mark is unbalanced.
        let attributed = [", said ", ", says ", " said.", " says."]
            .iter()
            .any(|c| body[o..].contains(c));
        if next_opens && !attributed {
            let continuation = carried && o == 0 && out.is_empty();
            push_piece(&mut out, body, base, o, body.len(), true, continuation);
        }
    }
    out
}

fn push_piece(
    out: &mut Vec<QuotePiece>,
    body: &str,
    base: usize,
    open: usize,
    close: usize,
    continued: bool,
    continuation: bool,
) {
    let inner_start = open + body[open..].chars().next().map_or(0, char::len_utf8);
    let inner_end = if continued {
        close
    } else {
        close - body[..close].chars().next_back().map_or(0, char::len_utf8)
    };
    let inner = &body[inner_start..inner_end];
    let lead = inner.len() - inner.trim_start().len();
    let trail = inner.len() - inner.trim_end().len();
    if inner.trim().is_empty() {
        return;
    }
    out.push(QuotePiece {
        open: base + open,
        close: base + close,
        content: base + inner_start + lead..base + inner_end - trail,
        continued,
        continuation,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contents(text: &str) -> Vec<String> {
        let a = Analysis::new(text);
        pair_quotes(&a)
            .iter()
            .map(|p| a.text()[p.content.clone()].to_string())
            .collect()
    }

    #[test]
    fn pairs_straight_and_curly_quotes_with_nested_singles() {
        assert_eq!(
            contents("He said \"we call it 'the plan' now.\" Then “another one,” she said."),
            vec!["we call it ‘the plan’ now.", "another one,"]
        );
    }

    #[test]
    fn unbalanced_open_mark_does_not_swallow_the_article() {
        let found =
            contents("She said “this never closes.\n\nA new paragraph. “Closed here,” he said.");
        assert_eq!(found, vec!["Closed here,"]);
    }

    #[test]
    fn multi_paragraph_quote_is_chained() {
        let a = Analysis::new("“First paragraph of it.\n\n“Second paragraph,” she said.");
        let p = pair_quotes(&a);
        assert_eq!(p.len(), 2);
        assert!(p[0].continued && p[1].continuation);
    }

    #[test]
    fn apostrophes_do_not_close_single_quotes() {
        assert_eq!(
            contents("The ‘don’t ask questions’ rule held."),
            vec!["don’t ask questions"]
        );
    }
}
