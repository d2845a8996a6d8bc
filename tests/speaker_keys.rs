//! Corpus-wide speaker keys and gender over `tests/data/speakers/` (four short articles written
//! for this test): one person under four name forms gets one key, two people who share a
//! surname get two, gender comes from the text (pronoun, "Mr.") and stays null where the text
//! says nothing, even for a common given name; and the speakers table lists every key.

mod corpus_common;

use corpus_common::root;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};

fn extract(dir: &Path, out: &Path, extra: &[&str]) -> Vec<Value> {
    let status = Command::new(env!("CARGO_BIN_EXE_newsquotes"))
        .args([
            "extract", "--progress", "never", "--extractor", "rules", "--no-claims",
        ])
        .args(extra)
        .arg(dir)
        .arg("-o")
        .arg(out)
        .stdin(Stdio::null())
        .output()
        .expect("the binary starts");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    std::fs::read_to_string(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn s<'a>(r: &'a Value, field: &str) -> Option<&'a str> {
    r["speaker"][field].as_str()
}

#[test]
fn one_person_one_key_across_name_forms_and_gender_from_the_text() {
    let dir = root().join("tests/data/speakers");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("q.jsonl");
    let records = extract(&dir, &out, &[]);

    // Every name form each record's document gives, by corpus key.
    let mut forms: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut docs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &records {
        if let (Some(key), Some(name)) = (s(r, "key"), s(r, "name")) {
            forms.entry(key.into()).or_default().insert(name.into());
            docs.entry(key.into())
                .or_default()
                .insert(r["doc_id"].as_str().unwrap().into());
        }
    }
    // Marta Lindqvist: full name, middle initial, and in the third article only
    // "Minister Lindqvist" / "Lindqvist": one key over three documents.
    let lindqvist = &forms["marta lindqvist"];
    for form in ["Marta Lindqvist", "Marta J. Lindqvist", "Lindqvist"] {
        assert!(
            lindqvist.contains(form),
            "{form} not under marta lindqvist: {forms:?}"
        );
    }
    assert_eq!(docs["marta lindqvist"].len(), 3, "{docs:?}");
    assert!(!forms.contains_key("lindqvist"), "{forms:?}");
    // Two Brenners: two keys.
    assert!(forms.contains_key("tomas brenner"), "{forms:?}");
    assert!(forms.contains_key("elsa brenner"), "{forms:?}");
    assert!(!forms.contains_key("brenner"), "{forms:?}");

    // Gender per key, the same on every record of the key.
    let mut gender: BTreeMap<String, BTreeSet<Option<String>>> = BTreeMap::new();
    for r in &records {
        if let Some(key) = s(r, "key") {
            gender
                .entry(key.into())
                .or_default()
                .insert(s(r, "gender").map(str::to_string));
        }
    }
    let only = |key: &str| -> Option<String> {
        let g = &gender[key];
        assert_eq!(g.len(), 1, "{key}: {g:?}");
        g.iter().next().unwrap().clone()
    };
    assert_eq!(
        only("marta lindqvist").as_deref(),
        Some("female"),
        "pronoun"
    );
    assert_eq!(only("tomas brenner").as_deref(), Some("male"), "Mr.");
    assert_eq!(only("elsa brenner").as_deref(), Some("female"), "pronoun");
    // "Henrik" is a common man's name, but the text never says: no gender.
    assert_eq!(only("henrik solberg"), None);
    assert_eq!(only("kaito arvidsen"), None);

    // The speakers table beside the output.
    let table: Vec<Value> = std::fs::read_to_string(tmp.path().join("q.jsonl.speakers.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let marta = table
        .iter()
        .find(|e| e["key"] == "marta lindqvist")
        .expect("marta lindqvist in the table");
    assert_eq!(marta["documents"], 3);
    assert_eq!(marta["gender"], "female");
    assert_eq!(marta["kind"], "person");
    assert!(marta["gender_evidence"]["female"]["pronoun"].as_u64() >= Some(1));
    let quotes: u64 = records
        .iter()
        .filter(|r| s(r, "key") == Some("marta lindqvist"))
        .count() as u64;
    assert_eq!(marta["quotes"].as_u64(), Some(quotes));
    let aliases: Vec<&str> = marta["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(aliases.contains(&"Lindqvist"), "{aliases:?}");
    let keys: BTreeSet<&str> = table.iter().filter_map(|e| e["key"].as_str()).collect();
    let record_keys: BTreeSet<&str> = records.iter().filter_map(|r| s(r, "key")).collect();
    assert_eq!(
        keys, record_keys,
        "the table lists exactly the records' keys"
    );
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("q.jsonl.manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["speakers"].as_array().map(Vec::len), Some(1));
    assert_eq!(manifest["config"]["min_confidence"], Value::Null);

    // --min-confidence drops the records below it and says so in the manifest.
    let cut = tmp.path().join("cut.jsonl");
    let kept = extract(&dir, &cut, &["--min-confidence", "0.99"]);
    assert!(kept.len() < records.len());
    assert!(kept
        .iter()
        .all(|r| r["speaker"]["confidence"].as_f64().unwrap() >= 0.99));
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("cut.jsonl.manifest.json")).unwrap(),
    )
    .unwrap();
    assert!((manifest["config"]["min_confidence"].as_f64().unwrap() - 0.99).abs() < 1e-6);

    // A user's name list fills in where the text is silent, and only there.
    let names = tmp.path().join("names.csv");
    std::fs::write(&names, "# given names\nHenrik,male\nMarta,male\n").unwrap();
    let listed = extract(
        &dir,
        &tmp.path().join("listed.jsonl"),
        &["--gender-names", names.to_str().unwrap()],
    );
    let gender_of = |key: &str| {
        listed
            .iter()
            .find(|r| s(r, "key") == Some(key))
            .and_then(|r| s(r, "gender"))
    };
    assert_eq!(gender_of("henrik solberg"), Some("male"));
    assert_eq!(
        gender_of("marta lindqvist"),
        Some("female"),
        "the text wins"
    );
    assert_eq!(gender_of("kaito arvidsen"), None);
}
