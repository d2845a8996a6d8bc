//! Linking: turns the tagger's decoded Source, Cue and Content spans into attributions.
//!
//! The tags say what each span is but not which spans belong together, so linking rebuilds
//! the structure from position, the way news sentences are built:
//! - a quotation interrupted by its cue and source (`"We won," he said, "and we stay."`) is one
//!   content of several parts: two quoted content spans merge when only a cue, a source and
//!   punctuation lie between them. Unquoted contents never merge: on PolNeAR dev, merging them
//!   too cost 4 points of content F1 (68.8 against 72.7), because reported speech around a cue
//!   is far more often two attributions than one;
//! - a cue or source on the far side of another content belongs to that one, not to this;
//! - each content takes the nearest cue that lies outside it, in a sentence it touches or the
//!   sentence right before or after it in the same paragraph;
//! - the source is the mention nearest to that cue in the cue's sentence (or, without a cue,
//!   the nearest one in reach of the content);
//! - a source tagged as a lone article ("the" of "according to the nonpartisan Congressional
//!   Budget Office") is completed to its noun phrase, up to the next punctuation or cue;
//! - a cue without a tagged source takes the subject of its clause when that is a pronoun or
//!   a name ([`super::subject`]);
//! - a content with neither, right after an attributed content (a quotation running on into the
//!   next paragraph), continues that attribution's speaker.

use super::labels::Role;
use super::subject::subject_of_cue;
use crate::attribution::kind::{classify_kind, is_quote_mark};
use crate::attribution::Attribution;
use crate::span::{NormRange, Span};
use crate::text::Analysis;

/// A decoded span in the normalised text.
#[derive(Debug, Clone, PartialEq)]
pub struct TaggedSpan {
    /// What the span is.
    pub role: Role,
    /// Byte range in the normalised text.
    pub range: NormRange,
    /// The model's mean tag probability over the span.
    pub score: f32,
}

/// Builds attributions from tagged spans (in text order).
pub fn link(analysis: &Analysis, spans: &[TaggedSpan]) -> Vec<Attribution> {
    let of = |role: Role| -> Vec<&TaggedSpan> { spans.iter().filter(|s| s.role == role).collect() };
    let (contents, cues, sources) = (of(Role::Content), of(Role::Cue), of(Role::Source));
    let text = analysis.text();
    // A mention starts at a word. Leading bullets and dashes ("– Sherman") are trimmed off; a
    // Source tag that begins inside a compound ("-led military bloc" of "the U.S.-led military
    // bloc") is a tagging slip, not a speaker.
    let trimmed: Vec<TaggedSpan> = sources
        .into_iter()
        .filter_map(|s| {
            let t = &text[s.range.clone()];
            let start = s.range.start
                + (t.len() - t.trim_start_matches(|c: char| !c.is_alphanumeric()).len());
            let before = text[..start].chars().next_back();
            let inside_word =
                before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '-' | '.' | '\'' | '’'));
            (start < s.range.end && !inside_word).then(|| TaggedSpan {
                range: complete_article(text, start..s.range.end, &cues),
                ..s.clone()
            })
        })
        .collect();
    let sources: Vec<&TaggedSpan> = trimmed.iter().collect();
    let chars = CharView::new(text);

    let groups = group_contents(text, &contents, &cues, &sources, analysis);
    let mut out: Vec<Attribution> = Vec::with_capacity(groups.len());
    let mut previous: Option<(usize, Option<NormRange>, Option<NormRange>)> = None;
    for parts in groups {
        let first = parts[0].range.start;
        let last = parts[parts.len() - 1].range.end;
        let reach = Reach::of(analysis, first, last);
        let inside = |r: &NormRange| {
            parts
                .iter()
                .any(|p| p.range.start <= r.start && r.end <= p.range.end)
        };

        // A cue or source on the far side of another content belongs to that content.
        let blocked = |r: &NormRange| {
            let (from, to) = if r.end <= first {
                (r.end, first)
            } else {
                (last, r.start)
            };
            // Contents are in text order: only those starting inside the gap are looked at.
            let i = contents.partition_point(|c| c.range.start < from);
            contents[i..]
                .iter()
                .take_while(|c| c.range.start < to)
                .any(|c| c.range.end <= to && !inside(&c.range))
        };
        let cue = nearest(&cues, first, last, |c| {
            reach.holds(analysis, &c.range) && !inside(&c.range) && !blocked(&c.range)
        });
        let source = match cue {
            Some(c) => {
                let sentence = analysis.sentence_at(c.range.start);
                let ok = |s: &TaggedSpan| {
                    analysis.sentence_at(s.range.start) == sentence && !inside(&s.range)
                };
                nearest(&sources, c.range.start, c.range.end, |s| {
                    ok(s) && !is_addressee(text, &s.range)
                })
                .or_else(|| nearest(&sources, c.range.start, c.range.end, ok))
            }
            None => {
                let ok = |s: &TaggedSpan| {
                    reach.holds(analysis, &s.range) && !inside(&s.range) && !blocked(&s.range)
                };
                nearest(&sources, first, last, |s| {
                    ok(s) && !is_addressee(text, &s.range)
                })
                .or_else(|| nearest(&sources, first, last, ok))
            }
        };
        let mut cue = cue.map(|c| c.range.clone());
        // Only the one addressed is in reach ("he had assured Sherman that ..."): the speaker
        // is the subject of the verb of telling, when it is a pronoun the tagger left out.
        let mut source = source.map(|s| {
            is_addressee(text, &s.range)
                .then(|| teller(text, &s.range))
                .flatten()
                .unwrap_or_else(|| mention_head(text, &s.range))
        });
        if let Some(speaker) = cue.as_ref().and_then(|c| reported_speaker(text, c)) {
            source = Some(speaker);
        }
        if source.is_none() {
            // A cue without a tagged source: the subject of the cue's clause, when it is a
            // pronoun or a name ("the FBI decided against recommending").
            source = cue
                .as_ref()
                .and_then(|c| subject_of_cue(analysis, c, |r| inside(r) || blocked(r)));
        }
        if cue.is_none() && source.is_none() {
            // A quotation that runs on from the attribution just before it.
            if let Some((end, prev_cue, prev_source)) = &previous {
                let (p_prev, p_now) = (
                    analysis.paragraph_at(end.saturating_sub(1)),
                    analysis.paragraph_at(first),
                );
                if let (Some(a), Some(b)) = (p_prev, p_now) {
                    if b <= a + 1 && prev_source.is_some() {
                        cue = prev_cue.clone();
                        source = prev_source.clone();
                    }
                }
            }
        }

        let content: Vec<NormRange> = parts.iter().map(|p| p.range.clone()).collect();
        let char_spans: Vec<Span> = content.iter().map(|r| chars.span(r)).collect();
        let kind = classify_kind(&chars.chars, &char_spans);
        let score = parts.iter().map(|p| p.score).sum::<f32>() / parts.len() as f32;
        previous = Some((last, cue.clone(), source.clone()));
        out.push(Attribution {
            content,
            kind,
            cue,
            source,
            confidence: score,
        });
    }
    out
}

/// Content spans grouped into attributions (each group in text order, non-empty).
fn group_contents<'a>(
    text: &str,
    contents: &[&'a TaggedSpan],
    cues: &[&TaggedSpan],
    sources: &[&TaggedSpan],
    analysis: &Analysis,
) -> Vec<Vec<&'a TaggedSpan>> {
    let mut groups: Vec<Vec<&TaggedSpan>> = Vec::new();
    for &c in contents {
        if let Some(group) = groups.last_mut() {
            let prev = group[group.len() - 1];
            let gap = prev.range.end..c.range.start;
            if is_quotation(text, &prev.range)
                && is_quotation(text, &c.range)
                && analysis.paragraph_at(prev.range.start) == analysis.paragraph_at(c.range.start)
                && is_inserted_attribution(text, &gap, cues, sources)
            {
                group.push(c);
                continue;
            }
        }
        groups.push(vec![c]);
    }
    groups
}

/// The noun phrase a source tagged as a lone article begins: the tagger sometimes stops after
/// "the" ("according to the | nonpartisan Congressional Budget Office", "The | ad says"). The
/// words that follow are taken up to the next punctuation mark or cue, at most six; a longer
/// run, a quotation or a line break leaves the range as it is.
fn complete_article(text: &str, range: NormRange, cues: &[&TaggedSpan]) -> NormRange {
    if !matches!(
        &text[range.clone()],
        "the" | "The" | "a" | "A" | "an" | "An"
    ) {
        return range;
    }
    let cue_start = cues
        .iter()
        .map(|c| c.range.start)
        .filter(|&s| s >= range.end)
        .min()
        .unwrap_or(text.len());
    let rest = &text[range.end..cue_start];
    let stop = rest
        .find(|c: char| !(c.is_alphanumeric() || matches!(c, ' ' | '-' | '\'' | '’' | '.')))
        .unwrap_or(rest.len());
    // A full stop ends the phrase unless it closes an abbreviation ("U.S.").
    let stop = rest[..stop]
        .match_indices(". ")
        .map(|(i, _)| i)
        .find(|&i| !rest[..i].ends_with(|c: char| c.is_uppercase()))
        .unwrap_or(stop);
    let phrase = rest[..stop].trim_end_matches(['.', ' ']);
    let words = phrase.split_whitespace().count();
    if !(1..=6).contains(&words) {
        return range;
    }
    range.start..range.end + phrase.len()
}

/// The head of a source mention, without the apposition or relative clause PolNeAR includes in
/// its Source spans ("Priya Raman, the chief executive," or "Hanne Lyst, who chairs the
/// committee,"): the mention in a record is the local name or description, and speaker
/// resolution reads the apposition from the text that follows it.
fn mention_head(text: &str, range: &NormRange) -> NormRange {
    let mention = &text[range.clone()];
    let cut = [", ", " (", ",\n"]
        .iter()
        .filter_map(|sep| mention.find(sep))
        .min()
        .unwrap_or(mention.len());
    let head = mention[..cut].trim_end_matches(|c: char| c == ',' || c.is_whitespace());
    if head.is_empty() {
        return range.clone();
    }
    range.start..range.start + head.len()
}

/// The speaker inside a cue that reports someone else's words: in "the AP quoted him as
/// saying" the AP is only the messenger, "him" is the speaker. Returns the byte range of the
/// object of `quoted`/`cited`/`described` before `as saying`/`as telling`.
fn reported_speaker(text: &str, cue: &NormRange) -> Option<NormRange> {
    let cue_text = &text[cue.clone()];
    let lower = cue_text.to_lowercase();
    if lower.len() != cue_text.len() {
        return None; // case folding moved the offsets; such cues are not this pattern
    }
    let verb_end = ["quoted ", "cited "]
        .iter()
        .find_map(|v| lower.find(v).map(|i| i + v.len()))?;
    let as_at = [" as saying", " as telling", " as stating"]
        .iter()
        .find_map(|p| lower[verb_end..].find(p).map(|i| verb_end + i))?;
    let object = cue_text[verb_end..as_at].trim();
    if object.is_empty() {
        return None;
    }
    let start = cue.start + verb_end + cue_text[verb_end..as_at].find(object)?;
    Some(start..start + object.len())
}

/// Verbs whose object is the one spoken to, not the speaker: "he had assured Sherman that",
/// "told reporters that".
const ADDRESSING_VERBS: &[&str] = &[
    "assured", "told", "tells", "tell", "informed", "reminded", "warned", "urged", "asked",
    "convinced", "persuaded", "promised", "notified", "briefed", "advised", "assuring", "telling",
    "informing", "reminding", "warning", "urging", "asking",
];

/// Whether a source mention is the object of a verb of telling ("assured Wendy Sherman"): the
/// addressee of the words, whom linking takes as the speaker only when no one else is in reach.
fn is_addressee(text: &str, range: &NormRange) -> bool {
    let before = text[..range.start].trim_end();
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let addressing = |w: &String| ADDRESSING_VERBS.contains(&w.as_str());
    if let Some(apposed) = before.strip_suffix(',') {
        // "assured his U.S. counterpart, Deputy Secretary of State Wendy Sherman, that":
        // the name set off after the one addressed is addressed too.
        let clause = apposed.rsplit([';', ':', '“', '”', '"', ',', '\n']).next();
        let w = words(clause.unwrap_or(""));
        return w.iter().rev().take(6).any(addressing);
    }
    before.len() < range.start && words(before).last().is_some_and(addressing)
}

/// The pronoun subject of the verb of telling before an addressee: "he" in "he had assured
/// his U.S. counterpart, Wendy Sherman". `None` unless the verb's subject is a personal
/// pronoun within a few words.
fn teller(text: &str, addressee: &NormRange) -> Option<NormRange> {
    let before = &text[..addressee.start];
    // Word ranges before the addressee, nearest first, at most ten.
    let mut words: Vec<NormRange> = Vec::new();
    let mut end = before.len();
    for (i, c) in before.char_indices().rev() {
        if c.is_alphanumeric() || c == '\'' || c == '’' {
            continue;
        }
        if end > i + c.len_utf8() {
            words.push(i + c.len_utf8()..end);
            if words.len() >= 10 {
                break;
            }
        }
        // A sentence or quotation boundary; "U.S." is none.
        let full_stop = c == '.' && before[..i].ends_with(char::is_lowercase);
        if full_stop || matches!(c, ';' | ':' | '“' | '”' | '"') {
            break;
        }
        end = i;
    }
    let lower = |r: &NormRange| text[r.clone()].to_lowercase();
    let verb = words
        .iter()
        .position(|w| ADDRESSING_VERBS.contains(&lower(w).as_str()))?;
    let auxiliaries = [
        "had", "has", "have", "was", "is", "were", "would", "will", "also", "then", "had", "did",
        "reportedly",
    ];
    let subject = words[verb + 1..]
        .iter()
        .find(|w| !auxiliaries.contains(&lower(w).as_str()))?;
    matches!(lower(subject).as_str(), "he" | "she" | "they" | "i" | "we").then(|| subject.clone())
}

/// Whether a span is a quotation in quote marks (trailing punctuation allowed after the mark).
fn is_quotation(text: &str, range: &NormRange) -> bool {
    let t = text[range.clone()].trim();
    t.starts_with(is_quote_mark)
        && t.trim_end_matches(|c: char| c.is_ascii_punctuation() && !is_quote_mark(c))
            .ends_with(|c: char| is_quote_mark(c) || c.is_ascii_punctuation())
}

/// Whether the text of `gap` holds a cue or a source and otherwise only punctuation, quote
/// marks and spaces: the "he said" that interrupts a quotation.
fn is_inserted_attribution(
    text: &str,
    gap: &NormRange,
    cues: &[&TaggedSpan],
    sources: &[&TaggedSpan],
) -> bool {
    let within = |s: &&&TaggedSpan| gap.start <= s.range.start && s.range.end <= gap.end;
    let mut inserted: Vec<&NormRange> = cues
        .iter()
        .filter(within)
        .chain(sources.iter().filter(within))
        .map(|s| &s.range)
        .collect();
    if inserted.is_empty() {
        return false;
    }
    inserted.sort_by_key(|r| r.start);
    let mut pos = gap.start;
    for r in inserted
        .into_iter()
        .chain(std::iter::once(&(gap.end..gap.end)))
    {
        let between = text.get(pos..r.start.max(pos)).unwrap_or("");
        if !between.chars().all(|c| {
            c.is_whitespace()
                || c.is_ascii_punctuation()
                || is_quote_mark(c)
                || matches!(c, '—' | '–')
        }) {
            return false;
        }
        pos = pos.max(r.end);
    }
    true
}

/// The sentences a content may take its cue or source from: those it touches, plus the one
/// right before and right after it in the same paragraph.
struct Reach {
    first: usize,
    last: usize,
}

impl Reach {
    fn of(analysis: &Analysis, start: usize, end: usize) -> Self {
        let s = analysis.sentence_at(start).unwrap_or(0);
        let e = analysis.sentence_at(end.saturating_sub(1)).unwrap_or(s);
        let same_para = |a: usize, b: usize| {
            analysis.sentences.get(a).map(|x| x.paragraph)
                == analysis.sentences.get(b).map(|x| x.paragraph)
        };
        let first = if s > 0 && same_para(s - 1, s) {
            s - 1
        } else {
            s
        };
        let last = if same_para(e + 1, e) && e + 1 < analysis.sentences.len() {
            e + 1
        } else {
            e
        };
        Reach { first, last }
    }

    fn holds(&self, analysis: &Analysis, range: &NormRange) -> bool {
        analysis
            .sentence_at(range.start)
            .is_some_and(|s| self.first <= s && s <= self.last)
    }
}

/// The span nearest to `start..end` (by the gap between them) among those that pass `ok`.
fn nearest<'a>(
    spans: &[&'a TaggedSpan],
    start: usize,
    end: usize,
    ok: impl Fn(&TaggedSpan) -> bool,
) -> Option<&'a TaggedSpan> {
    let distance = |s: &TaggedSpan| {
        if s.range.end <= start {
            start - s.range.end
        } else {
            s.range.start.saturating_sub(end)
        }
    };
    // Spans are in text order, so a binary search finds where to look; contents are short
    // compared with documents, and `ok` keeps the search to nearby sentences.
    let mid = spans.partition_point(|s| s.range.end <= start);
    let lo = mid.saturating_sub(8);
    let hi = (mid + 8).min(spans.len());
    spans[lo..hi]
        .iter()
        .copied()
        .filter(|s| ok(s))
        .min_by_key(|s| distance(s))
}

/// The normalised text as characters, with a byte-to-character map for [`classify_kind`].
struct CharView {
    chars: Vec<char>,
    byte_starts: Vec<usize>,
}

impl CharView {
    fn new(text: &str) -> Self {
        let (byte_starts, chars) = text.char_indices().unzip();
        CharView { chars, byte_starts }
    }

    fn span(&self, r: &NormRange) -> Span {
        let at = |b: usize| self.byte_starts.partition_point(|&s| s < b);
        Span::new(at(r.start), at(r.end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::QuoteKind;

    fn span(text: &str, role: Role, needle: &str) -> TaggedSpan {
        let start = text.find(needle).expect(needle);
        TaggedSpan {
            role,
            range: start..start + needle.len(),
            score: 0.9,
        }
    }

    #[test]
    fn an_interrupted_quote_is_one_attribution() {
        let text = "“We won,” she said, “and we stay.” Later the mayor spoke.\n";
        let a = Analysis::new(text);
        let t = a.text().to_string();
        let spans = vec![
            span(&t, Role::Content, "“We won,”"),
            span(&t, Role::Source, "she"),
            span(&t, Role::Cue, "said"),
            span(&t, Role::Content, "“and we stay.”"),
        ];
        let out = link(&a, &spans);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].content.len(), 2);
        assert_eq!(out[0].kind, QuoteKind::Direct);
        assert_eq!(&t[out[0].source.clone().unwrap()], "she");
        assert_eq!(&t[out[0].cue.clone().unwrap()], "said");
    }

    #[test]
    fn each_content_takes_the_nearest_cue_and_its_source() {
        let text =
            "The mayor said taxes would fall. Critics argued that the plan was “a fantasy”.\n";
        let a = Analysis::new(text);
        let t = a.text().to_string();
        let spans = vec![
            span(&t, Role::Source, "The mayor"),
            span(&t, Role::Cue, "said"),
            span(&t, Role::Content, "taxes would fall"),
            span(&t, Role::Source, "Critics"),
            span(&t, Role::Cue, "argued"),
            span(&t, Role::Content, "the plan was “a fantasy”"),
        ];
        let out = link(&a, &spans);
        assert_eq!(out.len(), 2);
        assert_eq!(&t[out[0].source.clone().unwrap()], "The mayor");
        assert_eq!(&t[out[1].source.clone().unwrap()], "Critics");
        assert_eq!(&t[out[1].cue.clone().unwrap()], "argued");
        assert_eq!(out[0].kind, QuoteKind::Indirect);
        assert_eq!(out[1].kind, QuoteKind::Mixed);
    }

    #[test]
    fn the_person_quoted_by_a_news_agency_is_the_speaker() {
        let text = "The AP quoted him as saying: “We are ready.”\n";
        let a = Analysis::new(text);
        let t = a.text().to_string();
        let spans = vec![
            span(&t, Role::Source, "The AP"),
            span(&t, Role::Cue, "quoted him as saying"),
            span(&t, Role::Content, "“We are ready.”"),
        ];
        let out = link(&a, &spans);
        assert_eq!(&t[out[0].source.clone().unwrap()], "him");
        assert_eq!(&t[out[0].cue.clone().unwrap()], "quoted him as saying");
    }

    #[test]
    fn a_source_mention_loses_its_apposition() {
        let t = "Priya Raman, the chief executive, said so. Mitch McConnell (R-Ky.) agreed.";
        let head = |needle: &str| {
            let s = t.find(needle).unwrap();
            t[mention_head(t, &(s..s + needle.len()))].to_string()
        };
        assert_eq!(head("Priya Raman, the chief executive,"), "Priya Raman");
        assert_eq!(head("Mitch McConnell (R-Ky.)"), "Mitch McConnell");
        assert_eq!(head("Priya Raman"), "Priya Raman");
    }

    #[test]
    fn a_source_tagged_as_a_lone_article_gets_its_noun_phrase() {
        let t = "Taxes rose, according to the nonpartisan Congressional Budget Office. The ad \
                 says more. The U.S. Chamber of Commerce said so. The \"best\" said";
        let cue = span(t, Role::Cue, "says");
        let said = span(t, Role::Cue, "said so");
        let cues = vec![&cue, &said];
        let complete = |needle: &str, nth: usize| {
            let s = t.match_indices(needle).nth(nth).unwrap().0;
            t[complete_article(t, s..s + needle.len(), &cues)].to_string()
        };
        assert_eq!(
            complete("the", 0),
            "the nonpartisan Congressional Budget Office"
        );
        assert_eq!(complete("The", 0), "The ad");
        assert_eq!(complete("The", 1), "The U.S. Chamber of Commerce");
        // A quotation mark right after the article: nothing to complete.
        assert_eq!(complete("The", 2), "The");
        // Not an article: untouched.
        assert_eq!(complete("Taxes", 0), "Taxes");
    }

    #[test]
    fn a_quotation_running_into_the_next_paragraph_keeps_its_speaker() {
        let text = "“We will rebuild,” the mayor said.\n\n“Nobody will be left behind.”\n";
        let a = Analysis::new(text);
        let t = a.text().to_string();
        let spans = vec![
            span(&t, Role::Content, "“We will rebuild,”"),
            span(&t, Role::Source, "the mayor"),
            span(&t, Role::Cue, "said"),
            span(&t, Role::Content, "“Nobody will be left behind.”"),
        ];
        let out = link(&a, &spans);
        assert_eq!(out.len(), 2);
        assert_eq!(&t[out[1].source.clone().unwrap()], "the mayor");
    }
}
