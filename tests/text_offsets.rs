//! Offset round trips of the text model: every token, sentence and arbitrary char-boundary
//! range of the normalised text maps back to the original text it came from.

mod text_common;

use newsquotes::text::Analysis;
use proptest::prelude::*;
use text_common::{assert_analysis_maps_back, skeleton};

/// Inputs that exercise every repair, written for these tests.
const CASES: &[&str] = &[
    "",
    "   \n\n  ",
    "Plain sentence. Another one!",
    "Hard wrapped line that goes on\nand on until it stops.\r\n\r\nNext paragraph.",
    "The govern-\nment and its pro-\nWestern, ex-\nSoviet allies met.",
    "He said \"it is over.\" Then 'maybe' the '90s; don't, NATO's, students' union.",
    "``Yes,'' he said. «Oui», dit-il. »Ja«, sagte er. „Nein“, sagte sie.",
    "Intro:\n– first point\n – second point\n• third\n* fourth",
    "Odd\u{A0}spaces\u{2009}and\u{202F}zero\u{200B}width\u{FEFF}and soft\u{AD}hyphen\u{AD}\nated.",
    "éé 😀 東京 שלום \u{301}combining \u{200D}joiner 👨\u{200D}👩 end.",
    "Lt. Gen. Smith met Sen. Jones at 10:30 a.m. on Jan. 5 in Washington, D.C. Then he left.",
    "\u{2028}line\u{2029}para\u{85}nel\u{0C}ff\rcr",
    "Trailing quote \"",
    "\" leading",
    "a - b -- c --- d -\n- e",
];

#[test]
fn hand_written_cases_map_back() {
    for case in CASES {
        let a = Analysis::new(case);
        assert_analysis_maps_back(&a, case);
        assert_every_range_maps_back(&a, case);
    }
}

/// The original span (code points) of the first occurrence of `needle` in the normalised text.
fn original_of(a: &Analysis, needle: &str) -> (String, [usize; 2]) {
    let at = a
        .text()
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {:?}", a.text()));
    let span = a.norm.to_span(at..at + needle.len()).expect("maps back");
    (
        a.norm.slice_original(span).to_string(),
        [span.start, span.end],
    )
}

#[test]
fn repaired_pieces_map_to_their_exact_originals() {
    let original = "éé “x”\ngovern-\nment and pro-\nWestern \"words\" don't\u{A0}stop";
    let a = Analysis::new(original);
    assert_eq!(
        a.text(),
        "éé “x” government and pro-Western “words” don’t stop"
    );
    assert_eq!(
        original_of(&a, "government"),
        ("govern-\nment".to_string(), [7, 19])
    );
    assert_eq!(original_of(&a, "pro-Western").0, "pro-\nWestern");
    assert_eq!(original_of(&a, "“words”").0, "\"words\"");
    assert_eq!(original_of(&a, "don’t stop").0, "don't\u{A0}stop");
    assert_eq!(original_of(&a, "x").1, [4, 5]);
    // Empty ranges map to empty spans at the matching place.
    let at = a.text().find("government").expect("present");
    assert_eq!(
        a.norm.to_span(at..at),
        Some(newsquotes::span::Span::new(7, 7))
    );
    let end = a.text().len();
    assert_eq!(
        a.norm.to_span(end..end),
        Some(newsquotes::span::Span::new(55, 55))
    );
    // Ranges that are reversed, out of bounds or inside a code point are refused.
    // The reversed range is built from variables on purpose: a literal `5..3` trips clippy's
    // reversed_empty_ranges lint, and refusing such a range is exactly what is tested here.
    let (start, stop) = (5, 3);
    assert_eq!(a.norm.to_span(start..stop), None);
    assert_eq!(a.norm.to_span(0..end + 1), None);
    assert_eq!(a.norm.to_span(1..2), None);
}

/// Every range between two char boundaries of the normalised text maps to an original span
/// holding the same text up to the repairs. Quadratic, so only for short texts.
fn assert_every_range_maps_back(a: &Analysis, original: &str) {
    let text = a.text();
    let n_chars = original.chars().count();
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain([text.len()])
        .collect();
    let mut last_start = 0;
    for (i, &s) in bounds.iter().enumerate() {
        let start = a.norm.to_span(s..s).expect("empty range maps");
        assert!(start.start >= last_start, "empty spans go backwards at {s}");
        last_start = start.start;
        for &e in &bounds[i..] {
            let span = a
                .norm
                .to_span(s..e)
                .unwrap_or_else(|| panic!("{s}..{e} of {text:?}"));
            assert!(span.start <= span.end && span.end <= n_chars);
            let orig = a.norm.slice_original(span);
            assert_eq!(
                skeleton(orig),
                skeleton(&text[s..e]),
                "{s}..{e} of {text:?} from {original:?}"
            );
        }
    }
}

/// Checks what the normalised text guarantees to later stages.
fn assert_normal_form(text: &str) {
    assert_eq!(text.trim(), text, "untrimmed: {text:?}");
    assert!(!text.contains("  ") && !text.contains('\t') && !text.contains('\r'));
    assert!(!text.contains("\n\n\n") && !text.contains(" \n") && !text.contains("\n "));
    assert!(
        !text.replace("\n\n", "").contains('\n'),
        "stray line break: {text:?}"
    );
    assert!(!text.contains('"') && !text.contains('\'') && !text.contains('`'));
    for c in [
        '\u{A0}', '\u{200B}', '\u{FEFF}', '\u{AD}', '\u{2028}', '\u{2029}',
    ] {
        assert!(!text.contains(c), "{c:?} left in {text:?}");
    }
}

fn interesting_char() -> impl Strategy<Value = char> {
    const SET: &[char] = &[
        'a', 'b', 'Z', 'é', '1', '9', ' ', ' ', '\n', '\n', '\r', '\t', '-', '–', '—', '•', '*',
        '"', '\'', '`', '“', '”', '‘', '’', '«', '»', '‹', '›', '„', '″', '′', '.', '?', '!', ':',
        ',', '(', '\u{A0}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{FEFF}', '\u{AD}', '\u{2028}',
        '\u{2029}', '\u{301}', '😀', '東', 'ש', '\u{85}', '\u{0C}', '\u{202F}',
    ];
    prop_oneof![
        3 => proptest::sample::select(SET),
        1 => any::<char>(),
    ]
}

fn words() -> impl Strategy<Value = String> {
    const WORDS: &[&str] = &[
        "said", "U.S.", "Mr.", "Dr. ", "govern-\nment", "pro-\nWestern", " \"", "\" ", ". ", "? ",
        "\n\n", "\n– ", "don't", "'90s", "a.m.", "10:30", "3.5", "...", "… ", "“", "”", "\u{A0}",
        "NATO's", "ex-\n", "\r\n", "  ", "Jan. ", "No. 5", "e.g. ",
    ];
    prop::collection::vec(
        prop_oneof![
            proptest::sample::select(WORDS).prop_map(String::from),
            "[a-zA-Z]{1,8}".prop_map(String::from),
            interesting_char().prop_map(String::from),
        ],
        0..60,
    )
    .prop_map(|v| v.join(""))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_unicode_maps_back(s in prop::collection::vec(interesting_char(), 0..80)) {
        let original: String = s.into_iter().collect();
        let a = Analysis::new(&original);
        assert_normal_form(a.text());
        assert_analysis_maps_back(&a, &original);
        assert_every_range_maps_back(&a, &original);
    }

    #[test]
    fn news_like_text_maps_back(original in words()) {
        let a = Analysis::new(&original);
        assert_normal_form(a.text());
        assert_analysis_maps_back(&a, &original);
        // Sentences are ordered, disjoint, inside their paragraph, and hold their tokens.
        let mut prev_end = 0;
        for s in &a.sentences {
            prop_assert!(s.range.start >= prev_end && s.range.start < s.range.end);
            prev_end = s.range.end;
            let p = &a.paragraphs[s.paragraph].range;
            prop_assert!(p.start <= s.range.start && s.range.end <= p.end);
            prop_assert!(!s.tokens.is_empty());
            for t in &a.tokens[s.tokens.clone()] {
                prop_assert!(s.range.start <= t.range.start && t.range.end <= s.range.end);
            }
        }
        let covered: usize = a.sentences.iter().map(|s| s.tokens.len()).sum();
        prop_assert_eq!(covered, a.tokens.len());
    }

    #[test]
    fn arbitrary_strings_never_panic(original in any::<String>()) {
        let a = Analysis::new(&original);
        assert_normal_form(a.text());
        assert_analysis_maps_back(&a, &original);
    }
}
