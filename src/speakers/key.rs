//! Speaker keys: the corpus-wide identity of a named speaker, as a normalised form of its
//! name. Two spellings of one name give one key: case, diacritics ("Kostić" / "Kostic"),
//! punctuation, middle initials ("Donald J. Trump" / "Donald Trump"), and for organisations a
//! leading article or "U.S." ("the State Department" / "U.S. State Department").
//!
//! This is the key a record gets from its own document. The corpus pass (`roster`) then maps
//! a surname alone to the one full name the corpus gives it, when there is only one.

use super::SpeakerKind;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lower case, diacritics folded, apostrophes made straight, full stops and commas dropped,
/// whitespace collapsed: "Andrei Kostić" -> "andrei kostic".
pub fn fold(name: &str) -> String {
    let folded: String = name
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            '’' | '‘' | '`' => '\'',
            '–' | '—' => '-',
            c => c,
        })
        .filter(|c| !matches!(c, '.' | ',' | '"' | '“' | '”'))
        .flat_map(char::to_lowercase)
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Generational suffixes, which belong to the name but are not the surname.
const SUFFIXES: &[&str] = &["jr", "sr", "ii", "iii", "iv"];

/// Words in front of an organisation's name that do not change which organisation it is.
const ORG_PREFIXES: &[&str] = &["the", "us", "u s", "united states", "american"];

/// The key of a speaker named `name`, or `None` when the name is not a proper name (a group
/// or a description: "officials", "a spokesman") and so identifies no one across documents.
pub fn name_key(name: &str, kind: SpeakerKind) -> Option<String> {
    if !name.chars().any(char::is_uppercase) || super::names::is_common_head(name.trim()) {
        return None;
    }
    let folded = fold(name);
    match kind {
        SpeakerKind::Person | SpeakerKind::Unknown => {
            let words: Vec<&str> = folded.split(' ').collect();
            let last = words.len().saturating_sub(1);
            let kept: Vec<&str> = words
                .iter()
                .enumerate()
                .filter(|&(i, w)| {
                    // A middle initial ("J") is a spelling of the name, not part of the key.
                    let initial = w.chars().count() == 1 && w.chars().all(char::is_alphabetic);
                    !(initial && i > 0 && i < last)
                })
                .map(|(_, w)| *w)
                .collect();
            (!kept.is_empty()).then(|| kept.join(" "))
        }
        SpeakerKind::Organization => {
            let mut rest = folded.as_str();
            for p in ORG_PREFIXES {
                if let Some(r) = rest.strip_prefix(p).and_then(|r| r.strip_prefix(' ')) {
                    rest = r;
                }
            }
            let rest = rest.strip_suffix("'s").unwrap_or(rest);
            (!rest.is_empty()).then(|| rest.to_string())
        }
        SpeakerKind::Group => None,
    }
}

/// The surname of a person's key: its last word that is not a suffix ("donald trump jr" ->
/// "trump").
pub fn surname(key: &str) -> Option<&str> {
    key.split(' ').rev().find(|w| !SUFFIXES.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use SpeakerKind::*;

    #[test]
    fn variants_of_one_name_share_a_key() {
        let k = |n, kind| name_key(n, kind).unwrap();
        assert_eq!(k("Donald J. Trump", Person), "donald trump");
        assert_eq!(k("Donald Trump", Person), "donald trump");
        assert_eq!(k("Andrei Kostić", Person), k("Andrei Kostic", Person));
        assert_eq!(k("J. Smith", Person), "j smith");
        assert_eq!(k("the State Department", Organization), "state department");
        assert_eq!(k("U.S. State Department", Organization), "state department");
        assert_eq!(k("Kremlin", Organization), "kremlin");
        assert_eq!(name_key("officials", Group), None);
        assert_eq!(name_key("spokesman", Person), None);
        assert_eq!(surname("donald trump jr"), Some("trump"));
    }
}
