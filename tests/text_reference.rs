//! The text model on real news: the reference article and the PolNeAR dev texts, read from
//! `../shared` at run time (never copied into the repository). Each test skips with a notice
//! when the shared data is absent.

mod text_common;

use newsquotes::text::Analysis;
use std::path::PathBuf;
use text_common::assert_analysis_maps_back;

/// `SHARED/REL`, SHARED being `$NEWSQUOTES_SHARED`, else `../shared` next to the checkout (or
/// `../../shared` for a git worktree one level deeper).
fn shared(rel: &str) -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let found = std::env::var_os("NEWSQUOTES_SHARED")
        .map(PathBuf::from)
        .into_iter()
        .chain([root.join("../shared"), root.join("../../shared")])
        .map(|d| d.join(rel))
        .find(|p| p.exists());
    if found.is_none() {
        eprintln!("SKIPPED: ../shared/{rel} not found (shared data absent)");
    }
    found
}

#[test]
fn reference_article_is_repaired() {
    let Some(path) = shared("corpus/geneva-talks-2022-01-11.txt") else {
        return;
    };
    let original = std::fs::read_to_string(path).expect("reference article is UTF-8");
    let a = Analysis::new(&original);
    let text = a.text();
    if std::env::var_os("TEXT_DUMP").is_some() {
        for s in &a.sentences {
            eprintln!(
                "[{}{}] {}",
                s.paragraph,
                if a.paragraphs[s.paragraph].bulleted {
                    "*"
                } else {
                    ""
                },
                &text[s.range.clone()]
            );
        }
    }
    // Hyphenation across lines, keeping the hyphen of compound prefixes.
    assert!(
        text.contains("pro-Western neighbor"),
        "pro-Western not joined"
    );
    assert!(
        text.contains("the ex-Soviet republic"),
        "ex-Soviet not joined"
    );
    // Hard wraps inside a paragraph are gone; only paragraph breaks remain.
    assert!(!text.replace("\n\n", "").contains('\n'));
    assert!(text.contains("talks in Geneva on Monday regarding Moscow’s sweeping"));
    // Straight quotes got a direction; apostrophes are U+2019.
    assert!(!text.contains('"') && !text.contains('\''));
    assert!(text.contains("as “attempts at blackmail and intimidation.” But he added: “I don’t think the situation is hopeless.”"));
    assert!(text.contains("a “non-starter,” saying “we will not allow anyone to slam closed NATO’s open-door policy.”"));
    // Every dash line is a bulleted paragraph, including those indented with a space.
    let bullets = a.paragraphs.iter().filter(|p| p.bulleted).count();
    let dash_lines = original
        .lines()
        .filter(|l| l.trim_start().starts_with("– "))
        .count();
    assert_eq!(bullets, dash_lines);
    assert!(bullets >= 10);
    // Sentence count is sane: one or more per paragraph, a handful per bullet.
    assert!(a.sentences.len() >= a.paragraphs.len());
    assert!(
        a.sentences.len() <= 2 * a.paragraphs.len() + 10,
        "{} sentences",
        a.sentences.len()
    );
    let sentence = |needle: &str| a.sentences.iter().any(|s| &text[s.range.clone()] == needle);
    assert!(sentence(
        "But he added: “I don’t think the situation is hopeless.”"
    ));
    // A closing quote after the period stays with its sentence.
    assert!(sentence(
        "– Ryabkov denounced the U.S. threats as “attempts at blackmail and intimidation.”"
    ));
    // `U.S.` inside a sentence does not end it; the headline (no final stop) is one sentence.
    assert!(a.sentences.iter().any(|s| {
        let t = &text[s.range.clone()];
        t.contains("his U.S. counterpart, Deputy Secretary of State Wendy Sherman")
    }));
    assert!(a.sentences[0].paragraph == 0 && a.sentences[1].paragraph == 1);
    assert_analysis_maps_back(&a, &original);
}

#[test]
fn polnear_dev_texts_map_back() {
    let Some(dir) = shared("data/polnear/dev/text") else {
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("readable")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let (mut sentences, mut tokens) = (0, 0);
    for f in &files {
        let original = std::fs::read_to_string(f).expect("UTF-8 text");
        let a = Analysis::new(&original);
        assert_analysis_maps_back(&a, &original);
        assert!(!a.sentences.is_empty(), "{} has no sentences", f.display());
        sentences += a.sentences.len();
        tokens += a.tokens.len();
    }
    eprintln!(
        "PolNeAR dev: {} texts, {sentences} sentences, {tokens} tokens",
        files.len()
    );
    // News sentences average 15-35 tokens; far outside means the splitter is broken.
    let per = tokens as f64 / sentences as f64;
    assert!((12.0..40.0).contains(&per), "{per} tokens per sentence");
}
