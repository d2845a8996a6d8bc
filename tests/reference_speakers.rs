//! The reference article in ../shared/corpus (a news report of the January 2022 Geneva talks):
//! every speaker must come out under the canonical name the article gives, pronoun mentions
//! included. Skips with a notice when the shared folder is absent.

mod corpus_common;

use corpus_common::{run_extract, shared_path};
use serde_json::Value;
use std::collections::BTreeSet;

fn speaker<'a>(r: &'a Value, field: &str) -> Option<&'a str> {
    r["speaker"][field].as_str()
}

fn mention(r: &Value) -> Option<&str> {
    r["speaker"]["mention"]["text"].as_str()
}

#[test]
fn reference_article_speakers_have_canonical_names() {
    let Some(dir) = shared_path("corpus") else {
        return;
    };
    let run = run_extract(&[&dir]);
    assert!(run.errors.is_empty(), "{:?}", run.errors);
    let records = &run.records;
    assert!(records.len() >= 10, "only {} records", records.len());

    // Pronoun mentions resolve to the person they refer to, never stay bare.
    let pronouns: Vec<&Value> = records
        .iter()
        .filter(|r| matches!(mention(r), Some("he" | "him" | "He" | "she")))
        .collect();
    assert!(pronouns.len() >= 2, "pronoun sources: {}", pronouns.len());
    for r in &pronouns {
        assert_eq!(speaker(r, "name"), Some("Sergei Ryabkov"), "{r}");
    }

    // Surnames resolve to the full name introduced earlier, with its title as the role.
    let by_mention = |m: &'static str| {
        records
            .iter()
            .filter(move |r| mention(r) == Some(m))
            .collect::<Vec<_>>()
    };
    for r in by_mention("Sherman") {
        assert_eq!(speaker(r, "name"), Some("Wendy Sherman"));
        assert_eq!(speaker(r, "role"), Some("Deputy Secretary of State"));
    }
    for r in by_mention("Grushko") {
        assert_eq!(speaker(r, "name"), Some("Alexander Grushko"));
    }
    for r in by_mention("Ryabkov") {
        assert_eq!(speaker(r, "name"), Some("Sergei Ryabkov"));
        assert_eq!(speaker(r, "role"), Some("Russian Deputy Foreign Minister"));
    }
    let names: BTreeSet<&str> = records.iter().filter_map(|r| speaker(r, "name")).collect();
    for want in [
        "Sergei Ryabkov", "Wendy Sherman", "Alexander Grushko", "Kremlin",
    ] {
        assert!(names.contains(want), "no record for {want}: {names:?}");
    }
    let kremlin = records
        .iter()
        .find(|r| speaker(r, "name") == Some("Kremlin"))
        .unwrap();
    assert_eq!(speaker(kremlin, "kind"), Some("organization"));

    // All of one speaker's records share one entity.
    let ryabkov: BTreeSet<&str> = records
        .iter()
        .filter(|r| speaker(r, "name") == Some("Sergei Ryabkov"))
        .filter_map(|r| speaker(r, "entity"))
        .collect();
    assert_eq!(ryabkov.len(), 1, "{ryabkov:?}");

    // "Ryabkov said he had assured ... Wendy Sherman, that the fears ... were unfounded": the
    // one assured is the addressee, the words are Ryabkov's.
    let fears = records
        .iter()
        .find(|r| {
            r["quote"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("fears") && t.contains("unfounded"))
        })
        .expect("a record for the fears being unfounded");
    assert_eq!(speaker(fears, "name"), Some("Sergei Ryabkov"), "{fears}");

    // Speakers have corpus keys and the text's gender (he / she in the article).
    let key_of = |name: &str| {
        records
            .iter()
            .find(|r| speaker(r, "name") == Some(name))
            .and_then(|r| speaker(r, "key"))
    };
    assert_eq!(key_of("Sergei Ryabkov"), Some("sergei ryabkov"));
    assert_eq!(key_of("Wendy Sherman"), Some("wendy sherman"));
    let gender = records
        .iter()
        .find(|r| speaker(r, "name") == Some("Sergei Ryabkov"))
        .and_then(|r| speaker(r, "gender"));
    assert_eq!(gender, Some("male"));
}
