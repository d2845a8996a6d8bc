//! Training examples for the attribution tagger: gold brat documents cut into the same
//! paragraph-packed windows the extractor reads, with one BIO tag per wordpiece.

use crate::attribution::tagger::labels::{Role, Tag};
use crate::attribution::tagger::scoring::TagSetup;
use crate::attribution::tagger::windows::{self, Piece};
use crate::error::Result;
use crate::eval::GoldDoc;
use crate::text::Analysis;

/// Target value of positions that carry no loss (`[CLS]`, `[SEP]`, padding).
pub const IGNORE: i64 = -100;

/// One window: input ids with `[CLS]`/`[SEP]`, and a tag index (or [`IGNORE`]) per position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// Input ids.
    pub ids: Vec<i64>,
    /// Targets, same length as `ids`.
    pub tags: Vec<i64>,
}

/// The role each original character plays, and in which gold attribution. PolNeAR is
/// univocal, but nested attributions do occur (a source inside another's content): the inner
/// roles win, source over cue over content.
fn char_roles(doc: &GoldDoc) -> Vec<Option<(usize, Role)>> {
    let n = doc.text.chars().count();
    let mut roles = vec![None; n];
    for role in [Role::Content, Role::Cue, Role::Source] {
        for (i, a) in doc.attributions.iter().enumerate() {
            let spans = match role {
                Role::Content => &a.content,
                Role::Cue => &a.cue,
                Role::Source => &a.source,
            };
            for s in spans {
                for slot in roles.iter_mut().take(s.end.min(n)).skip(s.start) {
                    *slot = Some((i, role));
                }
            }
        }
    }
    roles
}

/// The gold BIO tag of every wordpiece of a document: a piece takes the role of its first
/// original character; it begins a span unless the piece before it has the same role in the
/// same attribution.
pub fn piece_tags(doc: &GoldDoc, analysis: &Analysis, pieces: &[Piece]) -> Vec<Tag> {
    let roles = char_roles(doc);
    let mut prev: Option<(usize, Role)> = None;
    pieces
        .iter()
        .map(|p| {
            let here = analysis
                .norm
                .to_span(p.range.clone())
                .filter(|s| !s.is_empty())
                .and_then(|s| roles.get(s.start).copied().flatten());
            let tag = match here {
                None => Tag::Outside,
                Some(r) if prev == Some(r) => Tag::Inside(r.1),
                Some(r) => Tag::Begin(r.1),
            };
            prev = here;
            tag
        })
        .collect()
}

/// The examples of one gold document.
pub fn document_examples(doc: &GoldDoc, setup: &TagSetup) -> Result<Vec<Example>> {
    let analysis = Analysis::new(&doc.text);
    let pieces = windows::pieces(&setup.tokenizer, &analysis)?;
    let tags = piece_tags(doc, &analysis, &pieces);
    Ok(windows::windows(&analysis, &pieces, setup.window_pieces)
        .into_iter()
        .map(|w| Example {
            ids: setup.window_ids(&pieces[w.clone()]),
            tags: std::iter::once(IGNORE)
                .chain(tags[w].iter().map(|t| t.index() as i64))
                .chain(std::iter::once(IGNORE))
                .collect(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::EvalAttribution;
    use crate::span::{DocId, Span};

    #[test]
    fn gold_spans_become_bio_tags() {
        // Each word is one "piece" here; the tokenizer is not needed to test the tagging.
        let text = "“Yes,” Ryabkov said. Nothing else.";
        let span = |needle: &str| {
            let b = text.find(needle).unwrap();
            let s = text[..b].chars().count();
            Span::new(s, s + needle.chars().count())
        };
        let doc = GoldDoc {
            id: DocId("d".into()),
            text: text.into(),
            attributions: vec![EvalAttribution {
                content: vec![span("“Yes,”")],
                source: vec![span("Ryabkov")],
                cue: vec![span("said")],
                confidence: None,
            }],
        };
        let analysis = Analysis::new(text);
        let norm = analysis.text();
        let pieces: Vec<Piece> = ["“", "Yes", ",", "”", "Ryabkov", "said", "Nothing"]
            .iter()
            .scan(0, |from, w| {
                let s = norm[*from..].find(w).unwrap() + *from;
                *from = s + w.len();
                Some(Piece {
                    id: 0,
                    range: s..s + w.len(),
                })
            })
            .collect();
        let tags: Vec<String> = piece_tags(&doc, &analysis, &pieces)
            .iter()
            .map(|t| t.name())
            .collect();
        assert_eq!(
            tags,
            ["B-CONTENT", "I-CONTENT", "I-CONTENT", "I-CONTENT", "B-SOURCE", "B-CUE", "O"]
        );
    }
}
