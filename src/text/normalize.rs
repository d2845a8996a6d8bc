//! Normalisation: repairs what real news text carries while keeping an exact alignment to the
//! original (through the tokenizers crate's [`NormalizedString`]).
//!
//! The whole document is planned in one pass over its code points and applied with a single
//! [`NormalizedString::transform_range`] call, so the alignment is maintained by the crate and
//! no per-character allocation happens. What the normalised text guarantees to later stages:
//!
//! * Paragraphs are separated by exactly `"\n\n"`; no other line break remains. A blank line
//!   (even one holding spaces), U+2029, or a line that starts with a dash/bullet marker
//!   ([`bullet_marker_len`]) starts a paragraph. Other single line breaks (hard wraps from PDF
//!   extraction) become one space, unless the document is clearly one-paragraph-per-line or
//!   the layout shows an intentional break (see [`LineLayout`]).
//! * Words hyphenated across a line break are joined: `govern-\nment` becomes `government`,
//!   `pro-\nWestern` becomes `pro-Western` (the hyphen stays for compound prefixes, capitals,
//!   and compounds the document spells with a hyphen elsewhere). A soft hyphen at a line end
//!   always joins without a hyphen.
//! * Runs of spaces, tabs and odd spaces (U+00A0, U+2007, U+202F, U+2009, ...) are one ASCII
//!   space; zero-width characters, BOM, soft hyphens, direction marks and stray control
//!   characters are removed. No leading or trailing whitespace remains.
//! * Double quote marks are `“` (U+201C, opening) or `”` (U+201D, closing). Single quote marks
//!   are `‘` (U+2018, always an opening quote) or `’` (U+2019). U+2019 is *also* the apostrophe
//!   (`don’t`, `NATO’s`, `the ’90s`, `students’`): a `’` is a closing single quote only when it
//!   closes an open `‘`, which the quote detector decides by pairing. Guillemets map to the
//!   double marks (German-style `»…«` is detected per document), single guillemets to the
//!   single marks. Primes after a digit (`5′10″`) stay primes.
//! * U+2010 and U+2011 (typographic hyphens) become `-`.

use super::NormText;
use tokenizers::normalizer::{NormalizedString, Range as NsRange};

/// Opening double quote mark of the normalised text.
pub const OPEN_DOUBLE: char = '\u{201C}';
/// Closing double quote mark of the normalised text.
pub const CLOSE_DOUBLE: char = '\u{201D}';
/// Opening single quote mark of the normalised text (never an apostrophe).
pub const OPEN_SINGLE: char = '\u{2018}';
/// Apostrophe, and closing single quote mark when it closes an open [`OPEN_SINGLE`].
pub const APOSTROPHE: char = '\u{2019}';

/// Widest line (in code points) that still counts as a hard-wrapped layout; documents whose
/// typical line is longer hold one paragraph per line.
const MAX_WRAP_WIDTH: usize = 160;

/// Word prefixes that keep their hyphen when a line break splits `prefix-\nword`.
const COMPOUND_PREFIXES: &[&str] = &[
    "all", "anti", "bi", "co", "counter", "cross", "de", "e", "eighty", "ex", "extra", "fifty",
    "forty", "full", "half", "high", "hyper", "in", "inter", "intra", "long", "low", "mid", "mini",
    "multi", "ninety", "non", "off", "on", "one", "out", "over", "part", "post", "pre", "pro",
    "quasi", "re", "right", "left", "self", "semi", "seventy", "short", "sixty", "so", "sub",
    "super", "thirty", "top", "trans", "twenty", "two", "ultra", "un", "under", "up", "vice",
    "well", "wide", "would", "far", "first", "second", "third", "free", "hard", "near", "old",
    "open", "three", "four", "five", "ten", "year", "x",
];

/// Elided words written with a leading apostrophe (`’em`, `’til`, `rock ’n’ roll`).
const ELISIONS: &[&str] = &[
    "em", "til", "tis", "twas", "n", "cause", "bout", "nuff", "cuz",
];

/// Normalises an original text (see the module documentation for what is repaired).
pub fn normalize(original: &str) -> NormText {
    let mut ns = NormalizedString::from(original);
    if !original.is_empty() {
        let chars: Vec<char> = original.chars().collect();
        let plan = Planner::new(original, &chars).run();
        ns.transform_range(NsRange::Normalized(..), plan.ops, plan.initial_removed);
    }
    NormText::from_normalized(ns)
}

/// Byte length of the dash/bullet marker that opens `line` (marker plus the one space after
/// it), or `None` when the line is not a bulleted item. Dashes and `*` count only when a space
/// follows, so `-5 degrees` or `—and then` at a line start are not bullets.
pub fn bullet_marker_len(line: &str) -> Option<usize> {
    let mut it = line.chars();
    let first = it.next()?;
    let next = it.next();
    match first {
        '•' | '‣' | '▪' | '●' | '◦' | '⁃' | '■' | '►' => {
            let spaced = next.is_some_and(|c| c == ' ');
            Some(first.len_utf8() + usize::from(spaced))
        }
        '-' | '–' | '—' | '―' | '*' if next.is_some_and(|c| c == ' ') => {
            Some(first.len_utf8() + 1)
        }
        _ => None,
    }
}

/// How a code point takes part in whitespace handling.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    /// Ends a line (`\n`, a lone `\r`, VT, FF, NEL, U+2028).
    LineBreak,
    /// U+2029: always a paragraph break.
    ParaBreak,
    /// Horizontal whitespace of any width (collapsed to one space).
    Space,
    /// Removed everywhere (zero-width characters, BOM, soft hyphen, stray controls).
    Invisible,
    /// Everything else.
    Other,
}

fn class_at(chars: &[char], i: usize) -> Class {
    match chars[i] {
        '\n' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' => Class::LineBreak,
        // `\r\n` is one break: the `\r` counts as space and the `\n` as the break.
        '\r' if chars.get(i + 1) == Some(&'\n') => Class::Space,
        '\r' => Class::LineBreak,
        '\u{2029}' => Class::ParaBreak,
        ' '
        | '\t'
        | '\u{A0}'
        | '\u{1680}'
        | '\u{2000}'..='\u{200A}'
        | '\u{202F}'
        | '\u{205F}'
        | '\u{3000}' => Class::Space,
        '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{AD}' | '\u{200E}' | '\u{200F}' | '\u{180E}' => {
            Class::Invisible
        }
        // Joiners matter inside emoji sequences and Indic/Arabic words, so they are kept there;
        // next to ASCII or whitespace they are debris from copy and paste.
        '\u{200C}' | '\u{200D}' => {
            let near_ascii = |c: Option<&char>| c.is_none_or(|c| c.is_ascii() || c.is_whitespace());
            if near_ascii(i.checked_sub(1).map(|p| &chars[p])) || near_ascii(chars.get(i + 1)) {
                Class::Invisible
            } else {
                Class::Other
            }
        }
        c if c.is_control() => Class::Invisible,
        _ => Class::Other,
    }
}

fn is_break(class: Class) -> bool {
    matches!(class, Class::LineBreak | Class::ParaBreak)
}

/// What one line of the original looks like, for deciding whether a single line break after
/// it was a hard wrap or an intentional break.
#[derive(Clone, Copy, Debug, Default)]
struct LineInfo {
    /// Code points between the first and last visible characters.
    len: usize,
    /// Code points in the first word.
    first_word: usize,
    /// Starts with a dash or bullet marker.
    bullet: bool,
    /// Ends with sentence-final punctuation (possibly followed by closing quotes).
    ends_terminal: bool,
    /// Starts with a capital, a digit, or an opening quote or bracket.
    starts_upper: bool,
    /// Holds nothing visible.
    blank: bool,
}

/// The line structure of a document and its typical wrap width.
struct LineLayout {
    lines: Vec<LineInfo>,
    /// 90th percentile of non-blank line lengths: the width hard-wrapped text was set at.
    width: usize,
}

impl LineLayout {
    fn new(chars: &[char]) -> Self {
        let mut lines = Vec::new();
        let mut start = 0;
        for i in 0..=chars.len() {
            if i == chars.len() || is_break(class_at(chars, i)) {
                lines.push(Self::describe(chars, start, i));
                start = i + 1;
            }
        }
        let mut lens: Vec<usize> = lines.iter().filter(|l| !l.blank).map(|l| l.len).collect();
        lens.sort_unstable();
        let width = match lens.len() {
            0 => 0,
            n if n < 3 => lens[n - 1],
            n => lens[(n * 9 / 10).min(n - 1)],
        };
        LineLayout { lines, width }
    }

    fn describe(chars: &[char], start: usize, end: usize) -> LineInfo {
        let visible = |i: &usize| !matches!(class_at(chars, *i), Class::Space | Class::Invisible);
        let Some(first) = (start..end).find(visible) else {
            return LineInfo {
                blank: true,
                ..LineInfo::default()
            };
        };
        let last = (start..end).rev().find(visible).unwrap_or(first);
        let first_word = chars[first..=last]
            .iter()
            .take_while(|c| !c.is_whitespace())
            .count();
        let mut tail = last;
        while tail > first && "”’\"')]»".contains(chars[tail]) {
            tail -= 1;
        }
        let c0 = chars[first];
        let line: String = chars[first..(first + 2).min(last + 1)].iter().collect();
        LineInfo {
            len: last + 1 - first,
            first_word,
            bullet: bullet_marker_len(&line).is_some(),
            ends_terminal: ".!?:;…".contains(chars[tail]),
            starts_upper: c0.is_uppercase() || c0.is_ascii_digit() || "“‘\"'([«„".contains(c0),
            blank: false,
        }
    }

    /// Whether the single line break between lines `prev` and `prev + 1` ends a paragraph.
    fn breaks_paragraph(&self, prev: usize) -> bool {
        let (Some(a), Some(b)) = (self.lines.get(prev), self.lines.get(prev + 1)) else {
            return false;
        };
        if b.bullet || self.width > MAX_WRAP_WIDTH {
            return true;
        }
        // Greedy wrapping never breaks before a word that fits: a sentence end followed by a
        // line whose first word would have fitted is a deliberate break (the slack covers
        // proportional fonts).
        a.ends_terminal && b.starts_upper && (a.len + 1 + b.first_word) * 10 < self.width * 8
    }
}

/// The edit plan handed to [`NormalizedString::transform_range`].
struct Plan {
    ops: Vec<(char, isize)>,
    initial_removed: usize,
}

/// Walks the original code points once and records, for each, what replaces it.
struct Planner<'a> {
    original: &'a str,
    chars: &'a [char],
    layout: LineLayout,
    /// Guillemets are used German style (`»quote«`) in this document.
    german_guillemets: bool,
    ops: Vec<(char, isize)>,
    initial_removed: usize,
    /// Index of the line the walk is in.
    line: usize,
    /// A straight double quote opened in this paragraph and not yet closed.
    double_open: bool,
}

impl<'a> Planner<'a> {
    fn new(original: &'a str, chars: &'a [char]) -> Self {
        Planner {
            original,
            chars,
            layout: LineLayout::new(chars),
            german_guillemets: german_guillemets(chars),
            ops: Vec::with_capacity(chars.len() + 16),
            initial_removed: 0,
            line: 0,
            double_open: false,
        }
    }

    /// The current original code point becomes `c`.
    fn put(&mut self, c: char) {
        self.ops.push((c, 0));
    }

    /// The current original code point is removed.
    fn remove(&mut self) {
        // An insert (see `paragraph_break`) is always followed by a `put`: a removal carried
        // by an insert's count would turn it into a replacement.
        debug_assert!(self.ops.last().is_none_or(|op| op.1 <= 0));
        match self.ops.last_mut() {
            Some(op) => op.1 -= 1,
            None => self.initial_removed += 1,
        }
    }

    /// `c` is added without consuming an original code point.
    fn insert(&mut self, c: char) {
        self.ops.push((c, 1));
    }

    fn prev(&self, i: usize) -> Option<char> {
        i.checked_sub(1).map(|p| self.chars[p])
    }

    fn next(&self, i: usize) -> Option<char> {
        self.chars.get(i + 1).copied()
    }

    fn run(mut self) -> Plan {
        let n = self.chars.len();
        let mut i = 0;
        while i < n {
            let class = class_at(self.chars, i);
            if class != Class::Other {
                i = self.whitespace_run(i);
                continue;
            }
            let c = self.chars[i];
            if matches!(c, '-' | '\u{2010}' | '\u{2011}') {
                if let Some(next) = self.hyphenation(i) {
                    i = next;
                    continue;
                }
                self.put('-');
            } else if let Some(skip) = self.quote(i) {
                i += skip;
                continue;
            } else {
                self.put(c);
            }
            i += 1;
        }
        Plan {
            ops: self.ops,
            initial_removed: self.initial_removed,
        }
    }

    /// Handles the run of whitespace and invisible characters starting at `start`; returns
    /// the index after it.
    fn whitespace_run(&mut self, start: usize) -> usize {
        let n = self.chars.len();
        let mut end = start;
        let (mut breaks, mut para, mut spaces) = (0usize, false, 0usize);
        let mut soft_hyphen_at_break = false;
        while end < n {
            match class_at(self.chars, end) {
                Class::Other => break,
                Class::LineBreak => {
                    // A soft hyphen right before a line break marks a hyphenated word.
                    soft_hyphen_at_break |= end > 0 && self.chars[end - 1] == '\u{AD}';
                    breaks += 1
                }
                Class::ParaBreak => {
                    breaks += 1;
                    para = true
                }
                Class::Space => spaces += 1,
                Class::Invisible => {}
            }
            end += 1;
        }
        let prev_line = self.line;
        self.line += breaks;
        let at_edge = start == 0 || end == n;
        if at_edge || (breaks == 0 && spaces == 0) {
            // Leading/trailing whitespace, or invisible characters inside a word.
            (start..end).for_each(|_| self.remove());
            return end;
        }
        if breaks >= 2 || para || (breaks == 1 && self.layout.breaks_paragraph(prev_line)) {
            self.paragraph_break(start, end);
        } else if breaks == 1 && soft_hyphen_at_break && self.joins_word(end) {
            (start..end).for_each(|_| self.remove());
        } else {
            self.put(' ');
            (start + 1..end).for_each(|_| self.remove());
        }
        end
    }

    fn joins_word(&self, next: usize) -> bool {
        let letter_before = self.ops.last().is_some_and(|(c, _)| c.is_alphabetic());
        letter_before && self.chars.get(next).is_some_and(|c| c.is_alphabetic())
    }

    /// Emits the `"\n\n"` separator for the whitespace run `start..end`.
    fn paragraph_break(&mut self, start: usize, end: usize) {
        self.double_open = false;
        if end - start >= 2 {
            self.put('\n');
            self.put('\n');
            (start + 2..end).for_each(|_| self.remove());
        } else {
            // The added break aligns with the one it doubles, so any range starting on it
            // maps to whitespace of the original.
            self.put('\n');
            self.insert('\n');
        }
    }

    /// If the hyphen at `i` ends a line inside a word split across lines, joins the word and
    /// returns the index of its second part.
    fn hyphenation(&mut self, i: usize) -> Option<usize> {
        let left_end = i;
        let left_start = (0..left_end)
            .rev()
            .find(|&j| !self.chars[j].is_alphabetic())
            .map_or(0, |j| j + 1);
        if left_start == left_end {
            return None;
        }
        let mut j = i + 1;
        let mut breaks = 0;
        while j < self.chars.len() {
            match class_at(self.chars, j) {
                Class::Space | Class::Invisible => {}
                Class::LineBreak => breaks += 1,
                Class::ParaBreak | Class::Other => break,
            }
            j += 1;
        }
        if breaks != 1 || !self.chars.get(j).is_some_and(|c| c.is_alphabetic()) {
            return None;
        }
        let right_end = (j..self.chars.len())
            .find(|&k| !self.chars[k].is_alphabetic())
            .unwrap_or(self.chars.len());
        let keep = self.keeps_hyphen(left_start..left_end, j..right_end);
        if keep {
            self.put('-');
        } else {
            self.remove();
        }
        (i + 1..j).for_each(|_| self.remove());
        self.line += 1;
        Some(j)
    }

    fn keeps_hyphen(&self, left: std::ops::Range<usize>, right: std::ops::Range<usize>) -> bool {
        let l = &self.chars[left.clone()];
        let r = &self.chars[right];
        let lower = |s: &[char]| s.iter().all(|c| c.is_lowercase());
        // A left part that is itself the tail of a hyphenated compound (`state-of-the-`).
        let in_compound = left.start > 0 && matches!(self.chars[left.start - 1], '-' | '\u{2010}');
        if !lower(l) || !r.first().is_some_and(|c| c.is_lowercase()) || in_compound {
            return true;
        }
        let left_word: String = l.iter().collect();
        if COMPOUND_PREFIXES.contains(&left_word.as_str()) {
            return true;
        }
        // The document's own spelling decides when it shows the compound elsewhere.
        let right_word: String = r.iter().collect();
        self.original.contains(&format!("{left_word}-{right_word}"))
    }

    /// Maps a quote mark at `i`; returns how many code points it consumed, or `None` when the
    /// character is not a quote mark.
    fn quote(&mut self, i: usize) -> Option<usize> {
        let c = self.chars[i];
        let prev = self.prev(i);
        let next = self.next(i);
        let after_digit = prev.is_some_and(|p| p.is_ascii_digit());
        let out = match c {
            '"' | '\u{FF02}' => self.double_from_context(prev, next),
            '″' if after_digit => '″',
            '″' => self.double_from_context(prev, next),
            '„' | '〝' => OPEN_DOUBLE,
            '〞' => CLOSE_DOUBLE,
            // Curly marks are trusted unless their position contradicts them (German `„…“`,
            // Swedish `”…”`, or plain typos).
            '“' | '‟' if closing_position(prev, next) => CLOSE_DOUBLE,
            '“' | '‟' => OPEN_DOUBLE,
            '”' if opening_position(prev) && next.is_some_and(|n| n.is_alphanumeric()) => {
                OPEN_DOUBLE
            }
            '”' => CLOSE_DOUBLE,
            '«' => guillemet(self.german_guillemets, true, OPEN_DOUBLE, CLOSE_DOUBLE),
            '»' => guillemet(self.german_guillemets, false, OPEN_DOUBLE, CLOSE_DOUBLE),
            '‹' => guillemet(self.german_guillemets, true, OPEN_SINGLE, APOSTROPHE),
            '›' => guillemet(self.german_guillemets, false, OPEN_SINGLE, APOSTROPHE),
            '`' if next == Some('`') => {
                // TeX/Penn Treebank style ``quote''.
                self.put(OPEN_DOUBLE);
                self.remove();
                return Some(2);
            }
            // Two apostrophes as a double quote mark (``quote'', and newspapers' ''quote'').
            '\'' if next == Some('\'') => {
                let open = opening_position(prev);
                self.double_open = open;
                self.put(if open { OPEN_DOUBLE } else { CLOSE_DOUBLE });
                self.remove();
                return Some(2);
            }
            '′' if after_digit => '′',
            '\'' | '`' | '‘' | '‛' | '‚' | '′' => self.single_from_context(i, prev, next),
            '’' => APOSTROPHE,
            _ => return None,
        };
        match out {
            OPEN_DOUBLE => self.double_open = true,
            CLOSE_DOUBLE => self.double_open = false,
            _ => {}
        }
        self.put(out);
        Some(1)
    }

    fn double_from_context(&self, prev: Option<char>, next: Option<char>) -> char {
        let prev_open = opening_position(prev);
        let next_space = next.is_none_or(char::is_whitespace);
        match (prev_open, next_space) {
            (true, false) => OPEN_DOUBLE,
            (false, true) => CLOSE_DOUBLE,
            // Marks with space (or nothing) on both sides or on neither: follow the pairing.
            _ => {
                let p = prev.unwrap_or(' ');
                if p.is_alphanumeric() || ".,!?;…%)]}’”".contains(p) || self.double_open {
                    CLOSE_DOUBLE
                } else {
                    OPEN_DOUBLE
                }
            }
        }
    }

    fn single_from_context(&self, i: usize, prev: Option<char>, next: Option<char>) -> char {
        let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        if alnum(prev) && alnum(next) {
            return APOSTROPHE;
        }
        if opening_position(prev) && next.is_some_and(|n| !n.is_whitespace()) {
            return if self.elision(i + 1) {
                APOSTROPHE
            } else {
                OPEN_SINGLE
            };
        }
        APOSTROPHE
    }

    /// Whether the text from `j` is an elided word (`’90s`, `’em`, `’til`).
    fn elision(&self, j: usize) -> bool {
        let rest = &self.chars[j.min(self.chars.len())..];
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 2 {
            return true;
        }
        let letters = rest.iter().take_while(|c| c.is_alphabetic()).count();
        if letters == 0 || letters > 5 {
            return false;
        }
        let word: String = rest[..letters]
            .iter()
            .flat_map(|c| c.to_lowercase())
            .collect();
        ELISIONS.contains(&word.as_str())
    }
}

/// Whether a quote mark after `prev` sits where a quotation could open.
fn opening_position(prev: Option<char>) -> bool {
    prev.is_none_or(|p| p.is_whitespace() || "([{<“‘«„—–-/\u{200B}\u{FEFF}".contains(p))
}

/// Whether a quote mark between `prev` and `next` can only be closing.
fn closing_position(prev: Option<char>, next: Option<char>) -> bool {
    !opening_position(prev) && next.is_none_or(|n| n.is_whitespace() || ",.;:!?)]}…".contains(n))
}

/// Maps a guillemet: `french_open` says whether it opens in French usage (`«`, `‹`).
fn guillemet(german: bool, french_open: bool, open: char, close: char) -> char {
    if french_open != german {
        open
    } else {
        close
    }
}

/// Detects German-style guillemets (`»quote«`) from where they sit: more `»` in opening
/// positions and `«` in closing positions than the French way round.
fn german_guillemets(chars: &[char]) -> bool {
    let (mut german, mut french) = (0usize, 0usize);
    for (i, &c) in chars.iter().enumerate() {
        if !matches!(c, '«' | '»' | '‹' | '›') {
            continue;
        }
        // French typesetting puts a space inside the marks (`« Oui »`), so the neighbours
        // that tell an opening from a closing mark are the nearest visible characters.
        let visible = |c: &&char| !c.is_whitespace();
        let prev = chars[..i].iter().rev().find(visible).copied();
        let next = chars[i + 1..].iter().find(visible).copied();
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let opens = word(next) && !word(prev) || prev.is_none();
        let closes = !opens && next.is_none_or(|n| !n.is_alphanumeric());
        let french_open = matches!(c, '«' | '‹');
        match (opens, closes) {
            (true, false) if french_open => french += 1,
            (true, false) => german += 1,
            (false, true) if french_open => german += 1,
            (false, true) => french += 1,
            _ => {}
        }
    }
    german > french
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        normalize(s).as_str().to_string()
    }

    #[test]
    fn hard_wraps_become_spaces_and_blank_lines_paragraphs() {
        assert_eq!(
            norm("one two\nthree four\n \n  five"),
            "one two three four\n\nfive"
        );
        assert_eq!(norm("a\r\nb\r\n\r\nc\rd"), "a b\n\nc d");
        assert_eq!(norm("a\u{2029}b"), "a\n\nb");
    }

    #[test]
    fn bullets_start_paragraphs() {
        assert_eq!(
            norm("Intro line\n– first\n – second"),
            "Intro line\n\n– first\n\n– second"
        );
        assert_eq!(norm("x\n-5 degrees"), "x -5 degrees");
        assert_eq!(norm("a\n• b"), "a\n\n• b");
    }

    #[test]
    fn hyphenation_is_repaired() {
        assert_eq!(norm("the govern-\nment said"), "the government said");
        assert_eq!(norm("its pro-\nWestern ally"), "its pro-Western ally");
        assert_eq!(norm("the ex-\nSoviet state"), "the ex-Soviet state");
        assert_eq!(norm("a well-\nknown man"), "a well-known man");
        assert_eq!(
            norm("a follow-up and a follow-\nup"),
            "a follow-up and a follow-up"
        );
        assert_eq!(norm("state-of-the-\nart"), "state-of-the-art");
        assert_eq!(norm("inter\u{AD}\nnational"), "international");
        assert_eq!(norm("short- and long-range"), "short- and long-range");
    }

    #[test]
    fn double_quotes_get_a_direction() {
        assert_eq!(norm("He said \"no.\" Then"), "He said “no.” Then");
        assert_eq!(norm("as \"attempts.” But"), "as “attempts.” But");
        assert_eq!(norm("«Oui», dit-il"), "“Oui”, dit-il");
        assert_eq!(norm("»Ja«, sagte er. »Nein«"), "“Ja”, sagte er. “Nein”");
        assert_eq!(norm("''No way,'' he said."), "“No way,” he said.");
        assert_eq!(
            norm("Il a dit. « Non », dit-il, « jamais. »"),
            "Il a dit. “ Non ”, dit-il, “ jamais. ”"
        );
        assert_eq!(norm("„Ja“, sagte er"), "“Ja”, sagte er");
        assert_eq!(norm("”Hej”, sa han"), "“Hej”, sa han");
        assert_eq!(norm("``Yes,'' he said"), "“Yes,” he said");
        assert_eq!(norm("said:\"We"), "said:“We");
    }

    #[test]
    fn apostrophes_are_not_opening_quotes() {
        assert_eq!(norm("don't"), "don’t");
        assert_eq!(norm("NATO's plan"), "NATO’s plan");
        assert_eq!(norm("the '90s"), "the ’90s");
        assert_eq!(norm("the ‘90s"), "the ’90s");
        assert_eq!(norm("students' union"), "students’ union");
        assert_eq!(norm("rock 'n' roll"), "rock ’n’ roll");
        assert_eq!(norm("He said 'no way' today"), "He said ‘no way’ today");
        assert_eq!(norm("He is 5′10″ tall"), "He is 5′10″ tall");
    }

    #[test]
    fn odd_spaces_and_invisibles() {
        assert_eq!(norm("a\u{A0}b\u{202F}c\u{2009}d\u{2007}e"), "a b c d e");
        assert_eq!(
            norm("\u{FEFF}Wash\u{200B}ing\u{AD}ton  \t DC "),
            "Washington DC"
        );
        assert_eq!(norm("a\u{200D}b"), "ab");
        // Joiners inside emoji sequences stay.
        assert_eq!(norm("👨\u{200D}👩"), "👨\u{200D}👩");
    }

    #[test]
    fn unwrapped_documents_keep_line_paragraphs() {
        let long = "word ".repeat(50);
        let text = format!("Headline\n{long}end.\n{long}end.");
        let n = norm(&text);
        assert_eq!(n.matches("\n\n").count(), 2, "{n}");
    }

    #[test]
    fn deliberate_short_breaks_are_paragraphs() {
        let line = "this line is long enough to set the wrap width of the text";
        let text = format!("{line}\n{line}\n{line}\nShort end.\nNext paragraph {line}\n{line}");
        let n = norm(&text);
        assert!(n.contains("Short end.\n\nNext paragraph"), "{n}");
        assert!(!n.contains("text\n\n"), "{n}");
    }

    #[test]
    fn bullet_marker_len_needs_a_space_after_dashes() {
        assert_eq!(bullet_marker_len("– x"), Some(4));
        assert_eq!(bullet_marker_len("-x"), None);
        assert_eq!(bullet_marker_len("•x"), Some(3));
        assert_eq!(bullet_marker_len(""), None);
    }
}
