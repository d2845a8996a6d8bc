//! Source context for the quote table: the text around each quote, read back from the inputs
//! the run manifest names, through the project's own reader so that the offsets mean exactly
//! what they meant to `extract`.

use crate::reader::{self, ReadOptions};
use crate::record::{Record, SPAN_JOINER};
use crate::span::Span;
use std::collections::HashMap;
use std::path::PathBuf;

/// Code points of context shown on each side of a quote.
pub const CONTEXT_CHARS: usize = 150;

/// A piece of a context snippet; `mark` pieces are the quote itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Original text (unescaped).
    pub text: String,
    /// Whether this piece is part of the quote.
    pub mark: bool,
}

/// The snippet of `text` around `spans`: up to `radius` code points before the first span and
/// after the last, with every span marked (text between spans, such as an interrupting
/// `he said`, is not). `None` when a span is out of bounds or the spans do not slice to
/// `quote_text`, i.e. the document is not the one the record was made from.
pub fn snippet(
    text: &str,
    spans: &[Span],
    quote_text: &str,
    radius: usize,
) -> Option<Vec<Segment>> {
    let mut starts: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    let chars = starts.len();
    starts.push(text.len());
    snippet_indexed(text, &starts, chars, spans, quote_text, radius)
}

fn snippet_indexed(
    text: &str,
    starts: &[usize],
    chars: usize,
    spans: &[Span],
    quote_text: &str,
    radius: usize,
) -> Option<Vec<Segment>> {
    let (first, last) = (spans.first()?, spans.last()?);
    let mut prev = 0;
    for s in spans {
        if s.start > s.end || s.end > chars || s.start < prev {
            return None;
        }
        prev = s.end;
    }
    let slice = |a: usize, b: usize| &text[starts[a]..starts[b]];
    let joined: Vec<&str> = spans.iter().map(|s| slice(s.start, s.end)).collect();
    if joined.join(SPAN_JOINER) != quote_text {
        return None;
    }
    let from = first.start.saturating_sub(radius);
    let to = (last.end + radius).min(chars);
    let mut out = Vec::new();
    let mut push = |t: String, mark: bool| {
        if !t.is_empty() {
            out.push(Segment { text: t, mark });
        }
    };
    let ellipsis = |cut: bool| if cut { "…" } else { "" };
    push(
        format!("{}{}", ellipsis(from > 0), slice(from, first.start)),
        false,
    );
    let mut at = first.start;
    for s in spans {
        push(slice(at, s.start).to_string(), false);
        push(slice(s.start, s.end).to_string(), true);
        at = s.end;
    }
    push(format!("{}{}", slice(at, to), ellipsis(to < chars)), false);
    Some(out)
}

/// What attaching contexts found.
#[derive(Debug, Default)]
pub struct Contexts {
    /// One entry per row, in row order; `None` where no context could be found.
    pub rows: Vec<Option<Vec<Segment>>>,
    /// Rows whose document was found but whose spans did not match its text.
    pub mismatched: usize,
}

/// Reads the documents of `inputs` (as given to `extract`) until every row's document has been
/// seen, and cuts each row's context out of it. Unreadable inputs and documents simply leave
/// their rows without context; standard input (`-`) cannot be read again and is skipped.
pub fn attach(inputs: &[PathBuf], opts: ReadOptions, rows: &[Record]) -> Contexts {
    let mut wanted: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        wanted.entry(r.doc_id.0.as_str()).or_default().push(i);
    }
    let mut out = Contexts {
        rows: vec![None; rows.len()],
        mismatched: 0,
    };
    let inputs: Vec<PathBuf> = inputs
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .cloned()
        .collect();
    if wanted.is_empty() || inputs.is_empty() {
        return out;
    }
    let sources = reader::discover(&inputs);
    for doc in reader::documents(sources.sources, opts) {
        let Ok(doc) = doc else { continue };
        // Taking the rows out means a duplicate id later in the corpus is ignored: the first
        // document with an id is the one `extract` would have reported first as well.
        let Some(indices) = wanted.remove(doc.id.0.as_str()) else {
            continue;
        };
        let mut starts: Vec<usize> = doc.text.char_indices().map(|(b, _)| b).collect();
        let chars = starts.len();
        starts.push(doc.text.len());
        for i in indices {
            let r = &rows[i];
            let s = snippet_indexed(
                &doc.text, &starts, chars, &r.quote.spans, &r.quote.text, CONTEXT_CHARS,
            );
            if s.is_none() {
                out.mismatched += 1;
            }
            out.rows[i] = s;
        }
        if wanted.is_empty() {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_every_span_and_trims_context() {
        let text = "Intro. «Yes», she said, «we will». Outro text follows here.";
        let spans = [Span::new(7, 12), Span::new(24, 33)];
        let seg = snippet(text, &spans, "«Yes» «we will»", 5).unwrap();
        let shown: Vec<(&str, bool)> = seg.iter().map(|s| (s.text.as_str(), s.mark)).collect();
        assert_eq!(
            shown,
            [
                ("…tro. ", false),
                ("«Yes»", true),
                (", she said, ", false),
                ("«we will»", true),
                (". Out…", false),
            ]
        );
    }

    #[test]
    fn refuses_spans_that_do_not_match() {
        let text = "short";
        assert!(snippet(text, &[Span::new(0, 9)], "short", 3).is_none());
        assert!(snippet(text, &[Span::new(0, 3)], "sho!", 3).is_none());
        let whole = snippet(text, &[Span::new(0, 5)], "short", 3).unwrap();
        assert_eq!(whole.len(), 1);
    }

    #[test]
    fn reads_contexts_from_txt_inputs() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "Alpha said: go now.").unwrap();
        let mut r = crate::report::aggregate::tests::record(
            "a",
            None,
            crate::attribution::QuoteKind::Direct,
            "go now",
        );
        r.quote.spans = vec![Span::new(12, 18)];
        let mut other = r.clone();
        other.doc_id = "missing".into();
        let c = attach(
            &[dir.path().to_path_buf()],
            ReadOptions::default(),
            &[r, other],
        );
        let seg = c.rows[0].as_ref().unwrap();
        assert_eq!(seg[1].text, "go now");
        assert!(seg[1].mark);
        assert!(c.rows[1].is_none());
        assert_eq!(c.mismatched, 0);
    }
}
