//! Checks shared by the text-model integration tests.

use newsquotes::text::Analysis;

/// Removes what normalisation may legitimately drop or change, so that an original slice and
/// the normalised text it maps from can be compared: whitespace, invisibles, hyphens and
/// quote/apostrophe marks.
pub fn skeleton(s: &str) -> String {
    s.chars()
        .filter(|c| {
            !c.is_whitespace()
                && !c.is_control()
                && !matches!(
                    c,
                    '\u{200B}'
                        | '\u{200C}'
                        | '\u{200D}'
                        | '\u{2060}'
                        | '\u{FEFF}'
                        | '\u{AD}'
                        | '\u{200E}'
                        | '\u{200F}'
                        | '\u{180E}'
                        | '-'
                        | '\u{2010}'
                        | '\u{2011}'
                )
                && !"\"'`“”„‟‘’‚‛«»‹›″′〝〞＂".contains(*c)
        })
        .collect()
}

/// Asserts that every sentence and token range maps to an original span whose text is the
/// same text as the normalised range up to the repairs (whitespace, hyphens, quote marks).
pub fn assert_analysis_maps_back(a: &Analysis, original: &str) {
    let text = a.text();
    let ranges = a
        .sentences
        .iter()
        .map(|s| s.range.clone())
        .chain(a.tokens.iter().map(|t| t.range.clone()));
    for r in ranges {
        let span = a
            .norm
            .to_span(r.clone())
            .unwrap_or_else(|| panic!("range {r:?} does not map back"));
        assert!(span.end <= original.chars().count());
        let orig = a.norm.slice_original(span);
        assert_eq!(
            skeleton(orig),
            skeleton(&text[r.clone()]),
            "range {r:?}: {orig:?} vs {:?}",
            &text[r.clone()]
        );
    }
}
