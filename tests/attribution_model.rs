//! The shipped attribution model, loaded through the code `extract` uses: it must apply to the
//! base model `scripts/setup` installs, find attributions in text it has never seen, and fail
//! clearly (never silently fall back) when a model folder is missing or broken.

mod corpus_common;

use corpus_common::{root, run_extract_with};
use newsquotes::attribution::tagger::{TaggerExtractor, TaggerOptions};
use newsquotes::attribution::{Extractor, QuoteKind};
use newsquotes::document::Document;
use newsquotes::models::base::base_model_dir;
use newsquotes::models::{ModelManifest, Task, TaskFields};

fn default_model_dir() -> std::path::PathBuf {
    Task::Attribution.default_dir()
}
use newsquotes::text::Analysis;
use std::process::Command;

/// Written for this test.
const STORY: &str =
    "The harbour authority will close the northern pier for repairs next month.\n\n\
“We cannot keep patching a structure that is a century old,” said Marta Olsen, the \
authority's chief engineer. She added that ferries would use the southern pier until March.\n\n\
Local traders were less patient. According to the chamber of commerce, the closure will cost \
shops along the waterfront about a third of their summer trade.\n";

#[test]
fn the_manifest_names_the_base_model_setup_installs() {
    let manifest = ModelManifest::read(&default_model_dir()).unwrap();
    assert_eq!(manifest.task, "attribution-tagger");
    let base = base_model_dir().join("model.safetensors");
    let sha = newsquotes::digest::sha256_file(&base).unwrap();
    assert_eq!(
        manifest.base_model.sha256, sha,
        "the delta was trained on another base"
    );
    let TaskFields::Tagger { tags, dev, .. } = &manifest.fields else {
        panic!("not a tagger manifest");
    };
    assert_eq!(tags.len(), 7);
    // Figures in the manifest are what the README and the eval gate are held to.
    let f1 = dev["content_f1"].as_f64().unwrap();
    assert!(f1 >= 0.70, "manifest content F1 {f1}");
    let size = std::fs::metadata(default_model_dir().join(Task::Attribution.weights_file()))
        .unwrap()
        .len();
    assert!(
        size < 20 << 20,
        "weights of {size} bytes are too large to commit"
    );
}

#[test]
fn the_shipped_model_finds_quotes_and_speakers_in_unseen_text() {
    let extractor = TaggerExtractor::load(TaggerOptions::default_model()).unwrap();
    assert!(
        extractor.id().starts_with("attribution-minilm@"),
        "{}",
        extractor.id()
    );
    let doc = Document::new("harbour", STORY);
    let analysis = Analysis::new(&doc.text);
    let found = extractor.extract(&doc, &analysis).unwrap();
    let text = analysis.text();
    let part = |r: &std::ops::Range<usize>| text[r.clone()].to_string();

    let direct = found
        .iter()
        .find(|a| part(&a.content[0]).contains("We cannot keep patching"))
        .unwrap_or_else(|| panic!("direct quote missed: {found:?}"));
    assert_eq!(direct.kind, QuoteKind::Direct);
    assert_eq!(
        direct.source.as_ref().map(part).as_deref(),
        Some("Marta Olsen")
    );
    assert_eq!(direct.cue.as_ref().map(part).as_deref(), Some("said"));

    let added = found
        .iter()
        .find(|a| part(&a.content[0]).contains("ferries would use"))
        .unwrap_or_else(|| panic!("indirect quote missed: {found:?}"));
    assert_eq!(added.kind, QuoteKind::Indirect);
    assert_eq!(added.source.as_ref().map(part).as_deref(), Some("She"));

    let chamber = found
        .iter()
        .find(|a| part(&a.content[0]).contains("closure will cost"))
        .unwrap_or_else(|| panic!("'according to' missed: {found:?}"));
    assert!(chamber
        .source
        .as_ref()
        .map(part)
        .is_some_and(|s| s.contains("chamber of commerce")));
    for a in &found {
        assert!((0.0..=1.0).contains(&a.confidence), "{a:?}");
    }
}

/// int8 is the CPU default; it must find what the trained f32 network finds, and say in its id
/// (as semver build metadata) that it ran in int8, so a rerun never mixes the two.
#[test]
fn int8_and_f32_find_the_same_quotes() {
    use newsquotes::models::Precision;
    let run = |precision| {
        let extractor = TaggerExtractor::load(TaggerOptions {
            precision,
            ..TaggerOptions::default_model()
        })
        .unwrap();
        let doc = Document::new("harbour", STORY);
        let analysis = Analysis::new(&doc.text);
        let found = extractor.extract(&doc, &analysis).unwrap();
        (extractor.id(), found)
    };
    let (exact_id, exact) = run(Precision::F32);
    let (int8_id, int8) = run(Precision::Int8);
    let (name_version, sha) = exact_id.split_once('#').unwrap();
    assert_eq!(int8_id, format!("{name_version}+int8#{sha}"));
    let spans = |found: &[newsquotes::attribution::Attribution]| {
        found
            .iter()
            .map(|a| (a.content.clone(), a.source.clone(), a.cue.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(spans(&int8), spans(&exact));
    // A content the tagger is unsure of can move a lot (one here moves 0.62 -> 0.81, its
    // pieces sitting near the tag boundary); most must agree closely.
    let diffs: Vec<f32> = int8
        .iter()
        .zip(&exact)
        .map(|(a, b)| (a.confidence - b.confidence).abs())
        .collect();
    let close = diffs.iter().filter(|&&d| d < 0.02).count();
    assert!(
        3 * close >= 2 * diffs.len(),
        "confidences differ: {diffs:?}"
    );
    assert!(
        diffs.iter().all(|&d| d < 0.3),
        "confidences differ: {diffs:?}"
    );
}

#[test]
fn pronoun_speakers_of_the_model_resolve_to_the_full_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("harbour.txt"), STORY).unwrap();
    let run = run_extract_with(&[], &[dir.path()]);
    let she = run
        .records
        .iter()
        .find(|r| r["speaker"]["mention"]["text"] == "She")
        .expect("a record with the mention She");
    assert_eq!(she["speaker"]["name"], "Marta Olsen");
    assert_eq!(she["speaker"]["kind"], "person");
    let provenance = she["provenance"]["models"]["attribution"].as_str().unwrap();
    assert!(provenance.contains('#'), "no weights hash in {provenance}");
}

fn extract_with_models(models: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_newsquotes"))
        .args(["extract", "--progress", "never", "--models"])
        .arg(models)
        .arg(root().join("corpus"))
        .output()
        .unwrap()
}

#[test]
fn a_missing_or_broken_model_stops_the_run_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = extract_with_models(dir.path());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no attribution-tagger model"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "records written despite the missing model"
    );

    // A model folder whose weights are damaged.
    let broken = dir.path().join("attribution-broken");
    std::fs::create_dir(&broken).unwrap();
    std::fs::copy(
        default_model_dir().join("manifest.json"),
        broken.join("manifest.json"),
    )
    .unwrap();
    std::fs::write(
        broken.join(Task::Attribution.weights_file()),
        b"not safetensors",
    )
    .unwrap();
    let out = extract_with_models(dir.path());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(Task::Attribution.weights_file()), "{err}");
    assert!(err.contains("--extractor rules"), "{err}");

    // The shipped model given explicitly works like the default.
    let out = extract_with_models(&default_model_dir());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
