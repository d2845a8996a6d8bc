//! The rule-based extractor: quote-mark pairing, a cue lexicon and source-mention patterns.
//!
//! It works in three passes over one analysed document:
//! 1. [`quotes::pair_quotes`] finds quotations; each is attached to a cue and source found
//!    right before it (`X said: “…”`, `according to X, “…”`) or right after it
//!    (`“…,” X said`, `“…,” said X`, `“…,” the AP quoted him as saying`). A quotation
//!    interrupted by its attribution (`“…,” she said, “…”`) becomes one attribution with two
//!    spans; a quotation continued over paragraphs is one attribution with a span per paragraph.
//! 2. Each sentence is searched for reported speech around a cue: `X said (that) …`,
//!    `…, X said`, `according to X, …`, `…, saying …`. Quotations inside such content that
//!    pass 1 left unattributed make it mixed.
//! 3. A quotation paragraph that follows an attributed one without an attribution of its own
//!    continues the same speaker.
//!
//! Quotations with no cue anywhere near them (scare quotes, titles) are not attributions.

pub mod lexicon;
pub mod quotes;
mod tokens;

use super::{Attribution, Extractor, QuoteKind};
use crate::document::Document;
use crate::span::NormRange;
use crate::text::Analysis;
use lexicon::{weak_as_indirect, CueStrength};
use quotes::{pair_quotes, QuotePiece};
use std::collections::HashMap;
use std::ops::Range;
use tokens::{Cue, TokenView};

/// The rule-based baseline extractor.
#[derive(Debug, Default)]
pub struct RulesExtractor {}

impl RulesExtractor {
    /// Builds the extractor with its built-in lexicons.
    pub fn new() -> Self {
        RulesExtractor {}
    }
}

impl Extractor for RulesExtractor {
    fn id(&self) -> String {
        format!("rules@{}", crate::VERSION)
    }

    fn extract(
        &self,
        _doc: &Document,
        analysis: &Analysis,
    ) -> crate::error::Result<Vec<Attribution>> {
        let mut pass = Pass::new(analysis);
        pass.direct_quotes();
        pass.reported_speech();
        pass.continued_quotes();
        Ok(pass.finish())
    }
}

/// The token ranges of a content: one, or two around a parenthetical attribution.
struct Parts(Vec<Range<usize>>);

impl From<Range<usize>> for Parts {
    fn from(r: Range<usize>) -> Self {
        Parts(vec![r])
    }
}

/// What pass 2 knows about the sentence it is in.
struct SentenceContext {
    /// The source of the sentence's first reported speech ("X said …, but noted …").
    subject: Option<Range<usize>>,
    /// (end of cue, source) of the attributions found in the sentence so far, in text order.
    attributed: Vec<(usize, Range<usize>)>,
}

/// An attribution under construction, in token terms.
#[derive(Debug, Clone)]
struct Found {
    content: Vec<NormRange>,
    kind: QuoteKind,
    cue: Option<Range<usize>>,
    source: Option<Range<usize>>,
    confidence: f32,
    /// Paragraph of the last content span (for continuation quotes).
    paragraph: usize,
}

struct Pass<'a> {
    view: TokenView<'a>,
    pieces: Vec<QuotePiece>,
    /// Which attribution (index into `found`) each piece went to.
    piece_owner: Vec<Option<usize>>,
    /// Tokens already used as a cue or source.
    used: Vec<bool>,
    found: Vec<Found>,
}

impl<'a> Pass<'a> {
    fn new(analysis: &'a Analysis) -> Self {
        let pieces = pair_quotes(analysis);
        let view = TokenView::new(analysis);
        Pass {
            piece_owner: vec![None; pieces.len()],
            used: vec![false; view.len()],
            pieces,
            view,
            found: Vec::new(),
        }
    }

    fn mark(&mut self, r: &Range<usize>) {
        for u in &mut self.used[r.clone()] {
            *u = true;
        }
    }

    fn is_used(&self, r: &Range<usize>) -> bool {
        self.used[r.clone()].iter().any(|&u| u)
    }

    /// Pass 1: quotations with a cue right before or right after them.
    fn direct_quotes(&mut self) {
        let mut i = 0;
        while i < self.pieces.len() {
            if self.pieces[i].continuation {
                i += 1;
                continue;
            }
            // The chain of pieces of one multi-paragraph quotation.
            let mut last = i;
            while self.pieces[last].continued && last + 1 < self.pieces.len() {
                last += 1;
            }
            let open_tok = self.view.token_at(self.pieces[i].open);
            let close_tok = self.view.token_after(self.pieces[last].close);
            let before = self.view.attribution_before(open_tok);
            let after = self.view.attribution_after(close_tok);
            // `he said “budget reforms” would help` quotes a fragment of reported speech: a
            // quotation right after its cue, with no colon or comma, is direct only when it
            // runs to the end of its sentence.
            let ends_sentence = self.view.ends_sentence(close_tok);
            let before = before.filter(|b| b.punct || ends_sentence);
            let attached = match (before, after) {
                (Some(b), _) if b.colon => Some((b, false)),
                (_, Some(a)) => Some((a, true)),
                (Some(b), None) => Some((b, false)),
                (None, None) => None,
            };
            let Some((cue, after_quote)) = attached else {
                i = last + 1;
                continue;
            };
            if self.is_used(&cue.cue) {
                i = last + 1;
                continue;
            }
            let named = cue
                .source
                .as_ref()
                .is_some_and(|s| !self.view.is_pronoun(s.start));
            let idx = self.found.len();
            let content: Vec<NormRange> =
                (i..=last).map(|k| self.pieces[k].content.clone()).collect();
            self.mark(&cue.cue);
            if let Some(s) = &cue.source {
                self.mark(s);
            }
            for k in i..=last {
                self.piece_owner[k] = Some(idx);
            }
            self.found.push(Found {
                content,
                kind: QuoteKind::Direct,
                cue: (!cue.cue.is_empty()).then(|| cue.cue.clone()),
                source: cue.source.clone(),
                confidence: if named { 0.9 } else { 0.8 },
                paragraph: self.view.paragraph_of(self.pieces[last].open),
            });
            i = last + 1;
            // “…,” she said, “…”: the quotation resumes right after its attribution.
            if after_quote && i < self.pieces.len() && !self.pieces[i].continuation {
                let resume = self.view.token_at(self.pieces[i].open);
                let gap = cue.end..resume;
                // “…,” she said. “…” continues the same quotation too, as annotated corpora
                // (PolNeAR) mark it: one content with several spans.
                let same_paragraph = self.view.paragraph_of(self.pieces[i].open)
                    == self.view.paragraph_of(self.pieces[last].open);
                if same_paragraph && self.view.continues_quote(&gap) {
                    let piece = self.pieces[i].content.clone();
                    self.found[idx].content.push(piece);
                    self.piece_owner[i] = Some(idx);
                    i += 1;
                    while i < self.pieces.len() && self.pieces[i].continuation {
                        let piece = self.pieces[i].content.clone();
                        self.found[idx].content.push(piece);
                        self.piece_owner[i] = Some(idx);
                        i += 1;
                    }
                }
            }
        }
    }

    /// Pass 2: reported speech around cue words, sentence by sentence.
    fn reported_speech(&mut self) {
        // The attributions pass 1 found, by the sentence of their cue.
        let mut direct_in: HashMap<usize, Vec<(usize, Range<usize>)>> = HashMap::new();
        for f in &self.found {
            if let (Some(cue), Some(src)) = (&f.cue, &f.source) {
                if let Some(s) = self.view.sentence_of_token(cue.start) {
                    direct_in.entry(s).or_default().push((cue.end, src.clone()));
                }
            }
        }
        for s in 0..self.view.sentence_count() {
            let toks = self.view.sentence_tokens(s);
            let mut context = SentenceContext {
                subject: None,
                attributed: direct_in.remove(&s).unwrap_or_default(),
            };
            let mut v = toks.start;
            while v < toks.end {
                let Some(cue) = self.view.cue_at(v, toks.end) else {
                    v += 1;
                    continue;
                };
                let next = cue.range.end;
                if !self.is_used(&cue.range) {
                    if let Some(f) = self.speech_at(&cue, toks.clone(), &mut context) {
                        self.mark(&cue.range);
                        if let Some(src) = &f.source {
                            self.mark(src);
                            context.attributed.push((cue.range.end, src.clone()));
                        }
                        self.found.push(f);
                    }
                }
                v = next;
            }
        }
    }

    /// Reported speech around one cue, if the sentence has that shape.
    fn speech_at(
        &mut self,
        cue: &Cue,
        sent: Range<usize>,
        context: &mut SentenceContext,
    ) -> Option<Found> {
        let view = &self.view;
        let (source, content_toks, confidence) = if cue.according {
            self.according_to(cue, sent.clone())?
        } else if cue.participle
            && cue.range.start > sent.start
            && view.is_punct(cue.range.start - 1)
        {
            // ", saying …": the speaker is the sentence's subject.
            let earlier = context
                .attributed
                .iter()
                .rev()
                .find(|(end, _)| *end <= cue.range.start);
            let src = context
                .subject
                .clone()
                .or_else(|| earlier.map(|(_, source)| source.clone()))
                .or_else(|| view.subject_of(sent.clone()))?;
            let content = view.complement(cue, sent.end, false)?;
            (Some(src), content, 0.65)
        } else {
            let src = view.source_before(cue.range.start, sent.start);
            // "The Kremlin called …, but noted that …": a coordinated cue shares the subject.
            let coordinated = cue.range.start > sent.start
                && matches!(view.tok(cue.range.start - 1), "but" | "and");
            let shared = context
                .subject
                .clone()
                .or_else(|| view.subject_of(sent.clone()));
            if let (None, true, Some(np)) = (&src, coordinated, shared) {
                let content =
                    view.complement(cue, sent.end, cue.strength == CueStrength::Belief)?;
                return self.make_indirect(np, cue.range.clone(), content, 0.7, cue);
            }
            match src {
                Some((np, aux_start)) if view.opens_clause(np.start, sent.start) => {
                    let full_cue = aux_start..cue.range.end;
                    let belief = cue.strength == CueStrength::Belief;
                    if let Some(content) = view.complement(cue, sent.end, belief) {
                        context.subject = Some(np.clone());
                        let c = if belief { 0.6 } else { 0.75 };
                        return self.make_indirect(np, full_cue, content, c, cue);
                    }
                    // "…, he said, …": the attribution interrupts its content.
                    if let Some(parts) = view.parenthetical(np.start, cue.range.end, sent.clone()) {
                        return self.make_indirect(np, full_cue, Parts(parts), 0.7, cue);
                    }
                    // "…, X said." with the content first.
                    let content =
                        view.content_before(np.start, sent.start, cue.range.end, sent.end)?;
                    (Some(np), content, 0.7)
                }
                _ => {
                    // "…, said X."
                    let np = view.source_after_inverted(cue, sent.clone())?;
                    let content =
                        view.content_before(cue.range.start, sent.start, np.end, sent.end)?;
                    (Some(np), content, 0.7)
                }
            }
        };
        let cue_range = cue.range.clone();
        let src = source?;
        self.make_indirect(src, cue_range, content_toks, confidence, cue)
    }

    /// `according to X, …` and `…, according to X`.
    fn according_to(
        &self,
        cue: &Cue,
        sent: Range<usize>,
    ) -> Option<(Option<Range<usize>>, Range<usize>, f32)> {
        let view = &self.view;
        let np = view.np_after(cue.range.end, sent.end)?;
        if np.end < sent.end && view.tok(np.end) == "," {
            let content = np.end + 1..view.trim_end(np.end + 1, sent.end);
            if content.len() >= 3 {
                return Some((Some(np), content, 0.8));
            }
        }
        let content = view.content_before(cue.range.start, sent.start, np.end, sent.end)?;
        Some((Some(np), content, 0.75))
    }

    /// Builds an indirect or mixed attribution from token ranges; unattributed quotations
    /// inside the content make it mixed, and a content that is exactly one quotation is left
    /// to the direct pass.
    fn make_indirect(
        &mut self,
        source: Range<usize>,
        cue: Range<usize>,
        content: impl Into<Parts>,
        confidence: f32,
        cue_info: &Cue,
    ) -> Option<Found> {
        let Parts(parts) = content.into();
        if parts.iter().map(|p| p.len()).sum::<usize>() < 2 {
            return None;
        }
        let mut ranges: Vec<NormRange> = parts.iter().map(|p| self.view.byte_range(p)).collect();
        let mut kind = QuoteKind::Indirect;
        let mut owned = Vec::new();
        for range in &mut ranges {
            // Pieces are in text order and do not overlap: only those from the first that
            // ends after the range starts can overlap it.
            let first = self.pieces.partition_point(|p| p.close <= range.start);
            for (k, p) in self.pieces.iter().enumerate().skip(first) {
                if p.open >= range.end {
                    break;
                }
                if self.piece_owner[k].is_some() {
                    // Content that is an attributed quotation belongs to the direct pass.
                    return None;
                }
                // A quotation that runs past the sentence carries the content with it.
                range.start = range.start.min(p.open);
                range.end = range.end.max(p.close);
                owned.push(k);
                kind = QuoteKind::Mixed;
            }
        }
        // Extending to whole quotations can make the parts meet: join them then.
        ranges.dedup_by(|b, a| {
            let meet = b.start <= a.end;
            if meet {
                a.end = a.end.max(b.end);
            }
            meet
        });
        if kind == QuoteKind::Indirect && weak_as_indirect(self.view.tok(cue_info.verb)) {
            return None;
        }
        let idx = self.found.len();
        for k in owned {
            self.piece_owner[k] = Some(idx);
        }
        Some(Found {
            paragraph: self.view.paragraph_of(ranges[0].start),
            content: ranges,
            kind,
            cue: Some(cue),
            source: Some(source),
            confidence: if kind == QuoteKind::Mixed {
                confidence + 0.05
            } else {
                confidence
            },
        })
    }

    /// Pass 3: a quotation that opens a paragraph right after an attributed quotation, with
    /// no attribution of its own, continues that speaker.
    fn continued_quotes(&mut self) {
        // The last direct attribution with a source in each paragraph.
        let mut last_direct: HashMap<usize, usize> = HashMap::new();
        for (i, f) in self.found.iter().enumerate() {
            if f.kind == QuoteKind::Direct && f.source.is_some() {
                let e = last_direct.entry(f.paragraph).or_insert(i);
                if self.found[*e].content[0].start <= f.content[0].start {
                    *e = i;
                }
            }
        }
        for k in 0..self.pieces.len() {
            if self.piece_owner[k].is_some() || self.pieces[k].continuation {
                continue;
            }
            let p = &self.pieces[k];
            let para = self.view.paragraph_of(p.open);
            let starts_para = self.view.paragraph_start(para) == p.open;
            if !starts_para || p.words(self.view.text()) < 4 {
                continue;
            }
            let prev = para
                .checked_sub(1)
                .and_then(|p| last_direct.get(&p))
                .map(|&i| &self.found[i]);
            if let Some(prev) = prev {
                let mut next = prev.clone();
                next.content = vec![p.content.clone()];
                next.cue = None;
                next.confidence = 0.6;
                next.paragraph = para;
                self.piece_owner[k] = Some(self.found.len());
                last_direct.insert(para, self.found.len());
                self.found.push(next);
            }
        }
    }

    fn finish(mut self) -> Vec<Attribution> {
        self.found
            .sort_by_key(|f| f.content.first().map_or(0, |r| r.start));
        let view = &self.view;
        self.found
            .into_iter()
            .filter(|f| f.content.iter().all(|r| r.start < r.end))
            .map(|f| Attribution {
                content: f.content,
                kind: f.kind,
                cue: f.cue.map(|c| view.byte_range(&c)),
                source: f.source.map(|s| view.byte_range(&s)),
                confidence: f.confidence,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (content parts, kind, cue, source) of each attribution, as normalised text.
    type Row = (Vec<String>, QuoteKind, Option<String>, Option<String>);

    fn run(text: &str) -> Vec<Row> {
        let analysis = Analysis::new(text);
        let doc = Document::new("t", text);
        let t = analysis.text();
        RulesExtractor::new()
            .extract(&doc, &analysis)
            .unwrap()
            .into_iter()
            .map(|a| {
                (
                    a.content.iter().map(|r| t[r.clone()].to_string()).collect(),
                    a.kind,
                    a.cue.map(|r| t[r].to_string()),
                    a.source.map(|r| t[r].to_string()),
                )
            })
            .collect()
    }

    fn row(parts: &[&str], kind: QuoteKind, cue: &str, source: &str) -> Row {
        (
            parts.iter().map(|p| p.to_string()).collect(),
            kind,
            Some(cue.to_string()),
            Some(source.to_string()),
        )
    }

    #[test]
    fn an_interrupted_quotation_is_one_attribution_with_two_parts() {
        assert_eq!(
            run("“We will appeal,” she said, “and we will win.”"),
            vec![row(
                &["We will appeal,", "and we will win."],
                QuoteKind::Direct,
                "said",
                "she"
            )]
        );
    }

    #[test]
    fn sources_before_after_and_inverted() {
        let found = run(
            "The mayor said that the budget was balanced. Taxes will rise, \
             officials said. “It is over,” said Anna Berg, a local trader.",
        );
        assert_eq!(
            found,
            vec![
                row(
                    &["that the budget was balanced"],
                    QuoteKind::Indirect,
                    "said",
                    "The mayor"
                ),
                row(
                    &["Taxes will rise"],
                    QuoteKind::Indirect,
                    "said",
                    "officials"
                ),
                row(&["It is over,"], QuoteKind::Direct, "said", "Anna Berg"),
            ]
        );
    }

    #[test]
    fn quoted_fragments_make_reported_speech_mixed() {
        let found = run("Brandt said the plan was “dead on arrival” in parliament.");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, QuoteKind::Mixed);
        assert_eq!(found[0].0, ["the plan was “dead on arrival” in parliament"]);
    }

    #[test]
    fn according_to_and_a_colon_introduce_content() {
        let found = run("According to the ministry, prices will fall.\n\nHe added: “Not yet.”");
        assert_eq!(
            found,
            vec![
                row(
                    &["prices will fall"],
                    QuoteKind::Indirect,
                    "According to",
                    "the ministry"
                ),
                row(&["Not yet."], QuoteKind::Direct, "added", "He"),
            ]
        );
    }

    #[test]
    fn scare_quotes_and_unbalanced_marks_are_not_attributions() {
        assert!(run("The so-called “Strategic Dialogue” began on Monday.").is_empty());
        let found =
            run("She said “this never closes and goes on.\n\nA new paragraph follows here.");
        assert!(found
            .iter()
            .all(|r| !r.0.concat().contains("new paragraph")));
    }
}
