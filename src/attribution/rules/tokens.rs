//! A token-level view of an analysed document and the phrase patterns the rules match on it:
//! cues, source noun phrases and the content clause a cue governs. Positions are token
//! indices; [`TokenView::byte_range`] turns a token range back into normalised bytes.

use super::lexicon::{
    cue_strength, is_name_word, CueStrength, ADDRESSEE_CUES, BETWEEN_SOURCE_AND_CUE, DETERMINERS,
    GROUP_NOUNS, NON_NAME_CAPS, OBJECT_PRONOUNS, PARTICIPLE_CUES, SOURCE_HEADS, SUBJECT_PRONOUNS,
};
use crate::span::NormRange;
use crate::text::Analysis;
use std::ops::Range;

/// Longest source noun phrase, in tokens.
const MAX_NP: usize = 12;
/// Most tokens that may follow a cue when the content came first ("…, she said on Monday.").
const MAX_TAIL: usize = 9;
/// Connectors allowed inside a name or description ("Secretary of State", "NATO’s chief").
const NP_CONNECTORS: &[&str] = &[
    "of", "for", "at", "’s", "'s", "&", "de", "van", "von", "al", "bin", "-", "on",
];
/// Words that may start a clause right before a source ("…, but Smith said").
const CLAUSE_OPENERS: &[&str] = &[
    "but", "and", "so", "yet", "while", "because", "as", "when", "since", "although", "though",
    "whereas", "after", "before", "where", "if", "But", "And", "So", "Yet", "While", "Meanwhile",
    "However", "Still", "Now", "Then", "Also", "Later", "Earlier", "Instead", "Separately",
    "Indeed", "Asked", "Moreover", "Thus", "Overall", "Finally", "Last", "Yesterday", "Today",
];
/// Words that can start the clause a cue verb governs ("said *the* plan …").
const CLAUSE_STARTERS: &[&str] = &[
    "there", "no", "nothing", "everyone", "everybody", "nobody", "none", "what", "if", "whether",
    "how", "why", "it", "this", "that", "these", "those", "such", "only", "not", "neither",
    "every", "any", "anyone", "someone", "something", "much", "more", "less", "now",
];

/// Words after a verb of saying that belong to the verb, not to its complement.
const NOT_COMPLEMENT: &[&str] = &[
    "in", "on", "at", "during", "after", "before", "with", "to", "by", "for", "of", "as", "about",
    "from", "into", "over", "under", "through", "since", "until", "yesterday", "today", "tonight",
    "last", "later", "earlier", "again", "also", "so", "too", "once", "twice", "and", "or", "but",
    "then", "up", "out", "off", "down", "back", "away", "here", "there", "when", "while",
    "because", "though", "although", "unless", "without", "via", "is", "was", "are", "were", "be",
    "been", "has", "had", "have", "would", "will", "could", "should", "can", "may", "might",
    "must", "not", "never", "do", "does", "did", "yes", "no", "which", "who", "whom", "whose",
    "where", "than", "like", "upon", "against", "between", "among", "nothing",
];

/// A cue found at a token position.
#[derive(Debug, Clone)]
pub struct Cue {
    /// Tokens of the cue ("said", "made clear", "according to").
    pub range: Range<usize>,
    /// The token of the verb itself.
    pub verb: usize,
    /// Speech or belief.
    pub strength: CueStrength,
    /// "according to".
    pub according: bool,
    /// A participle that continues a clause (", saying …").
    pub participle: bool,
}

/// The attribution right before or after a quotation.
#[derive(Debug, Clone)]
pub struct QuoteCue {
    /// Cue tokens (with auxiliaries), empty for `X: “…”`.
    pub cue: Range<usize>,
    /// Source mention tokens.
    pub source: Option<Range<usize>>,
    /// The quotation follows a colon.
    pub colon: bool,
    /// The quotation follows a colon or comma.
    pub punct: bool,
    /// First token after the attribution.
    pub end: usize,
}

/// Tokens of an analysed document with their sentence and paragraph structure.
pub struct TokenView<'a> {
    analysis: &'a Analysis,
    sentence_of: Vec<usize>,
}

impl<'a> TokenView<'a> {
    /// Indexes an analysis.
    pub fn new(analysis: &'a Analysis) -> Self {
        let mut sentence_of = vec![usize::MAX; analysis.tokens.len()];
        for (s, sent) in analysis.sentences.iter().enumerate() {
            for t in sent.tokens.clone() {
                sentence_of[t] = s;
            }
        }
        TokenView {
            analysis,
            sentence_of,
        }
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.analysis.tokens.len()
    }

    /// The normalised text.
    pub fn text(&self) -> &'a str {
        self.analysis.text()
    }

    /// Text of token `i`.
    pub fn tok(&self, i: usize) -> &'a str {
        &self.analysis.text()[self.analysis.tokens[i].range.clone()]
    }

    /// Index of the first token that ends after byte `pos`.
    pub fn token_at(&self, pos: usize) -> usize {
        self.analysis.tokens.partition_point(|t| t.range.end <= pos)
    }

    /// Index of the first token that starts at or after byte `pos`.
    pub fn token_after(&self, pos: usize) -> usize {
        self.analysis
            .tokens
            .partition_point(|t| t.range.start < pos)
    }

    /// Byte range of a non-empty token range.
    pub fn byte_range(&self, r: &Range<usize>) -> NormRange {
        let toks = &self.analysis.tokens;
        toks[r.start].range.start..toks[r.end - 1].range.end
    }

    /// Number of sentences.
    pub fn sentence_count(&self) -> usize {
        self.analysis.sentences.len()
    }

    /// Token range of sentence `s`.
    pub fn sentence_tokens(&self, s: usize) -> Range<usize> {
        self.analysis.sentences[s].tokens.clone()
    }

    /// Paragraph holding byte `pos`.
    pub fn paragraph_of(&self, pos: usize) -> usize {
        let p = &self.analysis.paragraphs;
        p.partition_point(|p| p.range.end <= pos)
            .min(p.len().saturating_sub(1))
    }

    /// First byte of paragraph `p`.
    pub fn paragraph_start(&self, p: usize) -> usize {
        self.analysis.paragraphs[p].range.start
    }

    /// Index of the sentence holding token `i`, if any.
    pub fn sentence_of_token(&self, i: usize) -> Option<usize> {
        self.sentence_of
            .get(i)
            .copied()
            .filter(|&s| s != usize::MAX)
    }

    /// Token range of the sentence holding token `i` (or just `i` when it is in none).
    fn sentence_around(&self, i: usize) -> Range<usize> {
        match self.sentence_of.get(i) {
            Some(&s) if s != usize::MAX => self.sentence_tokens(s),
            _ => i..(i + 1).min(self.len()),
        }
    }

    /// End (exclusive) of the paragraph holding token `i`, as a token index.
    fn paragraph_end_tok(&self, i: usize) -> usize {
        let pos = self.analysis.tokens[i].range.start;
        let p = self.paragraph_of(pos);
        self.token_after(self.analysis.paragraphs[p].range.end)
    }

    /// True for personal pronouns.
    pub fn is_pronoun(&self, i: usize) -> bool {
        let w = self.tok(i);
        SUBJECT_PRONOUNS.contains(&w) || OBJECT_PRONOUNS.contains(&w)
    }

    /// True when the quotation closing before token `close` ends its sentence.
    pub fn ends_sentence(&self, close: usize) -> bool {
        close >= self.len()
            || matches!(self.tok(close), "." | "!" | "?")
            || self.sentence_of.get(close) != self.sentence_of.get(close - 1)
            || (close >= 2 && matches!(self.tok(close - 2), "." | "!" | "?"))
    }

    /// True when token `i` is punctuation.
    pub fn is_punct(&self, i: usize) -> bool {
        self.tok(i).chars().all(|c| !c.is_alphanumeric())
    }

    /// True when the tokens of `gap` can sit between two parts of one quotation: the rest of
    /// the attribution's sentence, with no other quotation or cue in it.
    pub fn continues_quote(&self, gap: &Range<usize>) -> bool {
        if gap.len() > 25 {
            return false;
        }
        let Some(last) = gap.clone().next_back() else {
            return true;
        };
        matches!(self.tok(last), "." | "," | ":" | "!" | "?")
            && gap
                .clone()
                .all(|k| !matches!(self.tok(k), "“" | "”") && self.cue_at(k, gap.end).is_none())
    }

    fn lower_is(&self, i: usize, list: &[&str]) -> bool {
        let w = self.tok(i);
        list.iter().any(|l| l.eq_ignore_ascii_case(w))
    }

    fn is_head(&self, i: usize) -> bool {
        is_name_word(self.tok(i)) || self.lower_is(i, SOURCE_HEADS) || self.lower_is(i, GROUP_NOUNS)
    }

    /// The cue starting at token `v`, if any.
    pub fn cue_at(&self, v: usize, hi: usize) -> Option<Cue> {
        let w = self.tok(v);
        let next = (v + 1 < hi).then(|| self.tok(v + 1));
        let two = |strength| Cue {
            range: v..v + 2,
            verb: v,
            strength,
            according: false,
            participle: false,
        };
        if w.eq_ignore_ascii_case("according") && next == Some("to") {
            return Some(Cue {
                according: true,
                ..two(CueStrength::Speech)
            });
        }
        match (w, next) {
            ("made" | "makes" | "make" | "making", Some("clear"))
            | ("pointed" | "points" | "point" | "pointing", Some("out"))
            | ("went" | "goes", Some("on")) => return Some(two(CueStrength::Speech)),
            _ => {}
        }
        if !w.starts_with(|c: char| c.is_lowercase()) {
            return None;
        }
        let strength = cue_strength(w)?;
        Some(Cue {
            range: v..v + 1,
            verb: v,
            strength,
            according: false,
            participle: PARTICIPLE_CUES.contains(&w),
        })
    }

    /// Source noun phrase ending at token `last` (inclusive), not before `lo`.
    pub fn np_before(&self, last: usize, lo: usize) -> Option<Range<usize>> {
        let w = self.tok(last);
        if SUBJECT_PRONOUNS.contains(&w) {
            return Some(last..last + 1);
        }
        if w == "," {
            return self.appositive_np(last, lo);
        }
        if w == ")" {
            // "Rep. John Mica (R-Fla.) said": the name before the parenthesis.
            let open = (last.saturating_sub(8).max(lo)..last)
                .rev()
                .find(|&k| self.tok(k) == "(")?;
            return if open > lo {
                self.np_before(open - 1, lo)
            } else {
                None
            };
        }
        // "the announcer", "a friend": a described source whose noun the lexicon lacks.
        let described = self.is_modifier(last) && self.determiner_within(last, lo, 3);
        if !self.is_head(last) && !described {
            return None;
        }
        let mut j = last;
        while j > lo {
            let p = j - 1;
            let connects = self.is_connector(p) && p > lo && self.is_head(p - 1);
            if self.is_head(p) || self.tok(p) == "’s" || connects {
                j = p;
            } else if self.lower_is(p, DETERMINERS) {
                j = p;
                break;
            } else if self.is_modifier(p) && self.determiner_within(p, lo, 3) {
                j = p;
            } else {
                break;
            }
        }
        while j < last && self.is_connector(j) {
            j += 1;
        }
        // "Foreign policy analysts said": modifiers without a determiner, when they reach
        // back to the start of the sentence.
        let bare_words = (lo..j).all(|k| {
            (!self.lower_is(k, CLAUSE_OPENERS) && !NON_NAME_CAPS.contains(&self.tok(k)))
                && (self.is_modifier(k)
                    || is_name_word(self.tok(k))
                    || self.tok(k).starts_with(char::is_uppercase))
                && self.cue_at(k, last + 1).is_none()
        });
        if j > lo && j - lo <= 3 && bare_words && !self.is_pronoun(last) {
            j = lo;
        }
        (last + 1 - j <= MAX_NP).then_some(j..last + 1)
    }

    /// Connectors are matched in lower case only: "De Blasio" is a name, "de" a particle.
    fn is_connector(&self, i: usize) -> bool {
        NP_CONNECTORS.contains(&self.tok(i))
    }

    fn is_modifier(&self, i: usize) -> bool {
        let w = self.tok(i);
        w.chars().all(|c| c.is_alphabetic() || c == '-') && w.starts_with(char::is_lowercase)
    }

    fn determiner_within(&self, i: usize, lo: usize, n: usize) -> bool {
        (i.saturating_sub(n).max(lo)..i)
            .rev()
            .take_while(|&k| {
                self.is_modifier(k) || self.is_head(k) || self.lower_is(k, DETERMINERS)
            })
            .any(|k| self.lower_is(k, DETERMINERS))
    }

    /// "Smith, a senior analyst at the bank, said": the name before the appositive.
    fn appositive_np(&self, comma: usize, lo: usize) -> Option<Range<usize>> {
        let from = comma.saturating_sub(20).max(lo);
        let open = (from..comma).rev().find(|&k| self.tok(k) == ",")?;
        if open <= lo || comma - open < 2 {
            return None;
        }
        // "Its president, Jean-Marc Turcotte, told": the aside is the name.
        let aside = open + 1..comma;
        if aside
            .clone()
            .all(|k| is_name_word(self.tok(k)) || self.is_connector(k))
        {
            return Some(aside);
        }
        let np = self.np_before(open - 1, lo)?;
        is_name_word(self.tok(np.end - 1)).then_some(np)
    }

    /// Source noun phrase starting at token `start`, ending before `hi`.
    pub fn np_after(&self, start: usize, hi: usize) -> Option<Range<usize>> {
        if start >= hi {
            return None;
        }
        if self.is_pronoun(start) {
            return Some(start..start + 1);
        }
        let mut j = start;
        // A determiner or a lower-case title ("chief operating officer Mikkel Strand") opens a
        // description, whose lower-case words may be modifiers.
        let mut described = self.tok(j).starts_with(char::is_lowercase)
            && !self.lower_is(j, CLAUSE_OPENERS)
            && !self.lower_is(j, NOT_COMPLEMENT);
        if self.lower_is(j, DETERMINERS) {
            j += 1;
            described = true;
        }
        let mut end = None;
        while j < hi && j - start < MAX_NP {
            if self.is_head(j) {
                j += 1;
                end = Some(j);
            } else if (self.is_connector(j) || self.tok(j) == "’s")
                && j + 1 < hi
                && (self.is_head(j + 1) || self.lower_is(j + 1, DETERMINERS))
            {
                j += 1;
                if self.lower_is(j, DETERMINERS) {
                    j += 1;
                }
            } else if described
                && self.is_modifier(j)
                && j - start < 5
                && self.cue_at(j, hi).is_none()
            {
                j += 1;
                // The lexicon does not know every noun: a described source may end in one.
                let before_cue = j < hi && self.cue_at(j, hi).is_some();
                let last_word = j == hi || !self.is_modifier(j) || before_cue;
                let noun =
                    !self.lower_is(j - 1, NOT_COMPLEMENT) && !self.tok(j - 1).ends_with("ly");
                if last_word && noun && (end.is_none() || j == hi || self.is_punct(j) || before_cue)
                {
                    end = Some(j);
                }
                if before_cue {
                    break;
                }
            } else {
                break;
            }
        }
        end.map(|e| start..e)
    }

    /// True for a word that may stand between a source and its cue at token `k`; a clitic
    /// `’s` only before a participle ("He’s claiming"), since "King’s show" is a possessive.
    fn between_source_and_cue(&self, k: usize) -> bool {
        if self.tok(k) == "’s" || self.tok(k) == "'s" {
            let next = self.tok_or_empty(k + 1);
            return next.ends_with("ing")
                || next.ends_with("ed")
                || ["said", "told"].contains(&next);
        }
        self.lower_is(k, BETWEEN_SOURCE_AND_CUE)
    }

    /// The source before a cue at `cue_start`: (noun phrase, first token of the cue with
    /// its auxiliaries and adverbs).
    pub fn source_before(&self, cue_start: usize, lo: usize) -> Option<(Range<usize>, usize)> {
        let mut j = cue_start;
        while j > lo && self.between_source_and_cue(j - 1) {
            j -= 1;
        }
        if j == lo {
            return None;
        }
        Some((self.np_before(j - 1, lo)?, j))
    }

    /// True when a noun phrase starting at `start` begins a clause.
    pub fn opens_clause(&self, start: usize, lo: usize) -> bool {
        if start <= lo {
            return true;
        }
        let p = self.tok(start - 1);
        p.chars().all(|c| !c.is_alphanumeric()) && p != "’s"
            || self.lower_is(start - 1, CLAUSE_OPENERS)
    }

    /// The subject of a sentence: its opening noun phrase, when a verb follows it.
    pub fn subject_of(&self, sent: Range<usize>) -> Option<Range<usize>> {
        let mut j = sent.start;
        while j < sent.end && (self.is_punct(j) || self.lower_is(j, CLAUSE_OPENERS)) {
            if self.tok(j) == "“" {
                return None;
            }
            j += 1;
        }
        let np = self.np_after(j, sent.end)?;
        let next = self.skip_aside(np.end, sent.end);
        (next < sent.end && self.tok(next).starts_with(char::is_lowercase)).then_some(np)
    }

    /// The content clause a cue governs, up to the sentence end `hi`.
    pub fn complement(&self, cue: &Cue, hi: usize, belief: bool) -> Option<Range<usize>> {
        let mut j = cue.range.end;
        if j >= hi {
            return None;
        }
        if self.lower_is(cue.verb, ADDRESSEE_CUES) {
            if let Some(obj) = self.np_after(j, hi) {
                j = obj.end;
            }
        }
        if j < hi && self.tok(j) == ":" {
            j += 1;
        }
        // "said on Monday that": an adverbial may come first, but not an infinitive
        // ("agreed to reopen the crossings that …", where "that" is a relative pronoun).
        let that = (j..(j + 10).min(hi))
            .take_while(|&k| {
                (self.tok(k) == "," || self.tok(k).chars().any(char::is_alphanumeric))
                    && self.tok(k) != "to"
            })
            .find(|&k| self.tok(k) == "that");
        let start = match that {
            Some(k) => k,
            None if j < hi && self.starts_clause(j) => j,
            None if belief => return None,
            None if j < hi && cue.strength == CueStrength::Speech && self.opens_complement(j) => j,
            None => return None,
        };
        let end = self.clause_end(start, hi);
        (end > start + 1).then_some(start..end)
    }

    fn tok_or_empty(&self, i: usize) -> &'a str {
        if i < self.len() {
            self.tok(i)
        } else {
            ""
        }
    }

    /// A lower-case word after a verb of saying starts its complement unless it is a
    /// preposition or adverb of the verb itself ("said *in* a statement", "said *later*").
    fn opens_complement(&self, j: usize) -> bool {
        let w = self.tok(j);
        w.starts_with(char::is_lowercase)
            && !self.lower_is(j, NOT_COMPLEMENT)
            && !w.ends_with("ly")
            && j + 1 < self.len()
            && !self.is_punct(j + 1)
    }

    fn starts_clause(&self, j: usize) -> bool {
        let w = self.tok(j);
        SUBJECT_PRONOUNS.contains(&w)
            || self.lower_is(j, DETERMINERS)
            || self.lower_is(j, CLAUSE_STARTERS)
            || w.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
            || w == "“"
            || self.lower_is(j, SOURCE_HEADS)
            || self.lower_is(j, GROUP_NOUNS)
    }

    /// End of a content clause: the sentence end without its final punctuation, or earlier
    /// where another attribution takes over (", saying", ", according to", ", but added").
    fn clause_end(&self, start: usize, hi: usize) -> usize {
        for k in start + 1..hi {
            let w = self.tok(k);
            let cue_next = |at: usize| at < hi && self.cue_at(at, hi).is_some();
            if w == "," {
                // The comma may sit inside a closing quotation mark: `“non-starter,” saying`.
                let (at, end) = match self.tok_or_empty(k + 1) {
                    "”" => (k + 2, k + 2),
                    _ => (k + 1, k),
                };
                if at < hi
                    && (self.lower_is(at, PARTICIPLE_CUES)
                        || self.tok(at).eq_ignore_ascii_case("according"))
                {
                    return end;
                }
            }
            // ", but noted …", ",” but he said …": a second attribution takes over.
            let after_comma = self.tok(k - 1) == ","
                || (k >= 2 && self.tok(k - 1) == "”" && self.tok(k - 2) == ",");
            let own_source = k + 2 < hi
                && (self.is_pronoun(k + 1) || is_name_word(self.tok(k + 1)))
                && cue_next(k + 2);
            if (w == "but" || w == "and") && after_comma && (cue_next(k + 1) || own_source) {
                return if self.tok(k - 1) == "," { k - 1 } else { k };
            }
        }
        self.trim_end(start, hi)
    }

    /// `hi` without trailing sentence punctuation.
    pub fn trim_end(&self, lo: usize, mut hi: usize) -> usize {
        while hi > lo + 1 && matches!(self.tok(hi - 1), "." | "!" | "?" | ";" | "," | ":") {
            hi -= 1;
        }
        hi
    }

    /// The content before an attribution that closes its sentence ("…, X said."): from the
    /// sentence start to the comma before `np_start`, when little follows `tail_start`.
    pub fn content_before(
        &self,
        np_start: usize,
        lo: usize,
        tail_start: usize,
        hi: usize,
    ) -> Option<Range<usize>> {
        if np_start <= lo + 2
            || self.tok(np_start - 1) != ","
            || hi.saturating_sub(tail_start) > MAX_TAIL
        {
            return None;
        }
        let mut start = lo;
        while start < np_start
            && self
                .tok(start)
                .chars()
                .all(|c| !c.is_alphanumeric() && c != '“')
        {
            start += 1;
        }
        let end = np_start - 1;
        (end >= start + 3).then_some(start..end)
    }

    /// "Though that went smoothly, he said, replacing her would not": the content on both
    /// sides of an attribution set off by commas.
    pub fn parenthetical(
        &self,
        np_start: usize,
        cue_end: usize,
        sent: Range<usize>,
    ) -> Option<Vec<Range<usize>>> {
        if np_start <= sent.start + 2
            || self.tok(np_start - 1) != ","
            || cue_end >= sent.end
            || self.tok(cue_end) != ","
        {
            return None;
        }
        let mut start = sent.start;
        while start < np_start && self.is_punct(start) && self.tok(start) != "“" {
            start += 1;
        }
        let before = start..np_start - 1;
        let after = cue_end + 1..self.trim_end(cue_end + 1, sent.end);
        (before.len() >= 2 && after.len() >= 3).then(|| vec![before, after])
    }

    /// "…, said the minister.": the source after an inverted cue.
    pub fn source_after_inverted(&self, cue: &Cue, sent: Range<usize>) -> Option<Range<usize>> {
        if cue.range.start <= sent.start || self.tok(cue.range.start - 1) != "," {
            return None;
        }
        let np = self.np_after(cue.range.end, sent.end)?;
        // An object ("…, declared bankruptcy") is not a source: one word must name one.
        let names = np.clone().any(|k| self.is_head(k) || self.is_pronoun(k));
        (sent.end - np.end <= MAX_TAIL && names).then_some(np)
    }

    /// The attribution right before a quotation opening at token `open`.
    pub fn attribution_before(&self, open: usize) -> Option<QuoteCue> {
        let mut sent = self.sentence_around(open);
        if open == sent.start && open > 0 && self.tok(open - 1) == ":" {
            // "He said:" closing the paragraph before the quotation.
            sent = self.sentence_around(open - 1);
            sent.end = open;
        }
        let lo = sent.start;
        if open <= lo {
            return None;
        }
        let mut p = open - 1;
        let mut colon = false;
        let punct = matches!(self.tok(p), ":" | ",");
        if punct {
            colon = self.tok(p) == ":";
            if p == lo {
                return None;
            }
            p -= 1;
        }
        // "Ryabkov: “…”"
        if colon && is_name_word(self.tok(p)) {
            if let Some(np) = self.np_before(p, lo) {
                if self.opens_clause(np.start, lo) && np.start == self.first_word(lo) {
                    return Some(QuoteCue {
                        cue: p + 1..p + 1,
                        source: Some(np),
                        colon,
                        punct,
                        end: open,
                    });
                }
            }
        }
        // After a colon or comma a short adverbial may separate cue and quotation ("said on
        // Monday: “…”"); without one the quotation must follow the cue directly, since
        // "called the talks a “…”" quotes a fragment of reported speech.
        let from = if punct {
            p.saturating_sub(3).max(lo)
        } else {
            p
        };
        for k in (from..=p).rev() {
            // "said via email that, “…”": a complementiser makes the quotation part of
            // reported speech, not a direct quotation.
            if self.tok(k) == "that" {
                return None;
            }
            let Some(cue) = self.cue_at(k, open) else {
                continue;
            };
            if cue.according {
                let np = self.np_after(cue.range.end, open)?;
                return Some(QuoteCue {
                    cue: cue.range,
                    source: Some(np),
                    colon,
                    punct,
                    end: open,
                });
            }
            let source = if cue.participle && k > lo && self.is_punct(k - 1) {
                self.subject_of(sent.clone()).map(|np| (np, k))
            } else {
                self.source_before(k, lo)
            };
            let (np, aux) = source?;
            return Some(QuoteCue {
                cue: aux..cue.range.end,
                source: Some(np),
                colon,
                punct,
                end: open,
            });
        }
        None
    }

    /// Skips an appositive or parenthesis after a name ("Flynn, a top Trump surrogate, said",
    /// "Mica (R-Fla.) said"): the token after it, or `k` when there is none.
    fn skip_aside(&self, k: usize, hi: usize) -> usize {
        // Several asides may follow each other: "Jordan (R-Ohio), an oversight panel member,".
        let mut at = k;
        for _ in 0..2 {
            let next = self.skip_one_aside(at, hi);
            if next == at {
                break;
            }
            at = next;
        }
        at
    }

    fn skip_one_aside(&self, k: usize, hi: usize) -> usize {
        let close = match self.tok_or_empty(k) {
            "," => ",",
            "(" => ")",
            _ => return k,
        };
        // A full stop ends the sentence, and with it the aside, unless it closes a short
        // abbreviation ("McConnell, R-Ky., said").
        let stop = |e: usize| match self.tok(e) {
            "“" | "”" | ";" => true,
            "." => close == "," && self.tok(e - 1).chars().count() > 4,
            _ => false,
        };
        let end = (k + 1..hi.min(k + 16))
            .take_while(|&e| !stop(e))
            .find(|&e| self.tok(e) == close);
        end.map_or(k, |e| e + 1)
    }

    fn first_word(&self, lo: usize) -> usize {
        (lo..self.len())
            .find(|&k| self.tok(k).chars().any(char::is_alphanumeric))
            .unwrap_or(lo)
    }

    /// The attribution right after a quotation whose closing mark ends before token `close`.
    pub fn attribution_after(&self, close: usize) -> Option<QuoteCue> {
        if close >= self.len() {
            return None;
        }
        // The attribution must share the closing mark's paragraph.
        let hi = self
            .paragraph_end_tok(close.saturating_sub(1))
            .min(close + 30);
        let mut j = close;
        if j < hi && self.tok(j) == "," {
            j += 1;
        }
        if j >= hi {
            return None;
        }
        // “It is over.” He left: a full stop inside the marks ends the sentence, so a
        // capitalised word after it starts the next one.
        let full_stop = close >= 2 && self.tok(close - 2) == "." && self.tok(close - 1) == "”";
        if full_stop && self.tok(j).starts_with(char::is_uppercase) {
            return None;
        }
        // “…” ― Krystal Correa: a dash signs the quotation.
        if matches!(self.tok(j), "―" | "—" | "–") && j + 1 < hi && is_name_word(self.tok(j + 1))
        {
            let np = self.np_after(j + 1, hi)?;
            return Some(QuoteCue {
                end: np.end,
                cue: j..j + 1,
                source: Some(np),
                colon: false,
                punct: false,
            });
        }
        if let Some(cue) = self.cue_at(j, hi) {
            let np = self.np_after(cue.range.end, hi)?;
            return Some(QuoteCue {
                end: np.end,
                cue: cue.range,
                source: Some(np),
                colon: false,
                punct: false,
            });
        }
        let np = self.np_after(j, hi)?;
        let aux = self.skip_aside(np.end, hi);
        let mut k = aux;
        while k < hi && self.between_source_and_cue(k) {
            k += 1;
        }
        if k >= hi {
            return None;
        }
        // "the AP quoted him as saying"
        if self.tok(k) == "quoted" {
            let obj = self.np_after(k + 1, hi)?;
            if obj.end + 1 < hi && self.tok(obj.end) == "as" && self.tok(obj.end + 1) == "saying" {
                return Some(QuoteCue {
                    cue: k..obj.end + 2,
                    source: Some(obj.clone()),
                    colon: false,
                    punct: false,
                    end: obj.end + 2,
                });
            }
        }
        let cue = self.cue_at(k, hi)?;
        Some(QuoteCue {
            cue: aux..cue.range.end,
            source: Some(np),
            colon: false,
            punct: false,
            end: cue.range.end,
        })
    }
}
