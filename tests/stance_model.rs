//! The shipped stance and check-worthiness models, loaded through the real loading code and run
//! through the binary: manifests that tie them to the base model, stance toward every target on
//! every record of an extraction, and sensible answers on plain statements (written for this
//! test). The model is weak on targets unlike its training data (README, Known problems), so
//! the statement test uses a political target of the kind it was trained on.

mod corpus_common;

use corpus_common::{root, succeed};
use newsquotes::classify::relevance::{GATED_SCORE, PASSAGE_GATED_SCORE};
use serde_json::Value;
use std::process::Command;

fn manifest(name: &str) -> Value {
    let path = root().join("models").join(name).join("manifest.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn sha256(path: &std::path::Path) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(std::fs::read(path).unwrap()))
}

#[test]
fn shipped_classifiers_name_their_base_model_and_stay_small() {
    let base = root().join(".cache/models/all-MiniLM-L6-v2/model.safetensors");
    for (name, task) in [
        ("stance-minilm", "stance-classifier"),
        ("claims-minilm", "claim-classifier"),
    ] {
        let m = manifest(name);
        assert_eq!(m["task"], task);
        if base.exists() {
            assert_eq!(m["base_model"]["sha256"].as_str().unwrap(), sha256(&base));
        }
        let weights = root()
            .join("models")
            .join(name)
            .join("classifier.safetensors");
        let size = std::fs::metadata(&weights).unwrap().len();
        assert!(size < 20 << 20, "{name}: {size} bytes");
        assert!(m["figures"].as_object().is_some_and(|f| !f.is_empty()));
    }
}

const ARTICLE: &str = "Harbour city votes on congestion charge

The city council will vote next week on a congestion charge for the old town.

\"This charge will finally clean up the air our children breathe,\" said Mayor Elin Dahl, who has campaigned for it for two years. \"I support it without reservation.\"

Shopkeepers disagree. \"The congestion charge is a disaster for small businesses and we will fight to scrap it,\" said Tomas Berg, who chairs the old town traders' association.

Berg added that footfall had already fallen by a fifth since the plans were announced.
";

const STADIUM: &str = "Stadium plan splits the council

The council also debated a new stadium by the harbour.

\"It would bring thousands of visitors and hundreds of jobs,\" said councillor Ana Ruiz. \"We should build it this decade.\"
";

/// Whether a stance score is the one the target gate gives.
fn is_gated_score(score: &Value) -> bool {
    score
        .as_f64()
        .is_some_and(|s| (s - f64::from(GATED_SCORE)).abs() < 1e-6)
}

/// Runs `extract` on `articles` (file name, text) with two targets (plus `extra` options) and
/// returns the records.
fn extract_harbour(dir: &std::path::Path, articles: &[(&str, &str)], extra: &[&str]) -> Vec<Value> {
    let input = dir.join("articles");
    std::fs::create_dir_all(&input).unwrap();
    for (name, text) in articles {
        std::fs::write(input.join(name), text).unwrap();
    }
    let targets = dir.join("targets.toml");
    std::fs::write(
        &targets,
        "[[target]]\nname = \"the congestion charge\"\naliases = [\"the charge\"]\n\n\
         [[target]]\nname = \"a new stadium\"\n",
    )
    .unwrap();
    let out = succeed(
        Command::new(env!("CARGO_BIN_EXE_newsquotes"))
            .current_dir(root())
            .arg("extract")
            .arg(&input)
            .arg("--targets")
            .arg(&targets)
            .args(extra),
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn every_record_gets_stance_toward_every_target_and_a_claim_score() {
    let dir = tempfile::tempdir().unwrap();
    let records = extract_harbour(dir.path(), &[("harbour.txt", ARTICLE)], &[]);
    assert!(records.len() >= 3, "{records:?}");
    let stance_id = manifest("stance-minilm")["name"]
        .as_str()
        .unwrap()
        .to_string();
    for r in &records {
        let stance = r["stance"].as_array().unwrap();
        let names: Vec<&str> = stance
            .iter()
            .map(|s| s["target"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["the congestion charge", "a new stadium"]);
        for s in stance {
            assert!(["favor", "against", "neutral"].contains(&s["label"].as_str().unwrap()));
            let score = s["score"].as_f64().unwrap();
            assert!((1.0 / 3.0..=1.0).contains(&score), "{s}");
        }
        // The article never names a stadium: the gate answers without the model.
        assert_eq!(stance[1]["label"], "neutral", "{r}");
        assert!(is_gated_score(&stance[1]["score"]), "{r}");
        let claim = &r["claim"];
        let score = claim["score"].as_f64().unwrap();
        assert_eq!(claim["checkworthy"].as_bool().unwrap(), score >= 0.5);
        let models = &r["provenance"]["models"];
        assert!(models["stance"].as_str().unwrap().starts_with(&stance_id));
        assert!(models["claims"]
            .as_str()
            .unwrap()
            .starts_with("claims-minilm@"));
    }
}

#[test]
fn the_target_gate_only_changes_targets_the_article_or_the_quotes_paragraph_never_names() {
    let dir = tempfile::tempdir().unwrap();
    // Each article names one of the two targets, so the pairs asked differ between records.
    let articles = [("harbour.txt", ARTICLE), ("stadium.txt", STADIUM)];
    let gated = extract_harbour(dir.path(), &articles, &["--no-claims"]);
    let asked = extract_harbour(dir.path(), &articles, &["--no-claims", "--no-target-gate"]);
    assert_eq!(gated.len(), asked.len());
    let mut unnamed_scores = Vec::new();
    let (mut asked_named, mut passage_gated) = (0, Vec::new());
    for (g, a) in gated.iter().zip(&asked) {
        assert_eq!(g["quote"], a["quote"]);
        let named = if g["doc_id"].as_str().unwrap().contains("stadium") {
            1
        } else {
            0
        };
        // A target the article names is asked unless the quote's own paragraph never names
        // it ("Berg added that footfall had already fallen"): then the gate answers, with the
        // passage score.
        if g["stance"][named]["basis"] == "model" {
            assert_eq!(g["stance"][named], a["stance"][named], "asked either way");
            asked_named += 1;
        } else {
            assert_eq!(g["stance"][named]["label"], "neutral", "{g}");
            let score = g["stance"][named]["score"].as_f64().unwrap();
            assert!((score - f64::from(PASSAGE_GATED_SCORE)).abs() < 1e-6, "{g}");
            passage_gated.push(g["quote"]["text"].as_str().unwrap().to_string());
        }
        let unnamed = &g["stance"][1 - named];
        assert_eq!(unnamed["label"], "neutral", "{g}");
        assert!(is_gated_score(&unnamed["score"]), "{g}");
        unnamed_scores.push(a["stance"][1 - named]["score"].as_f64().unwrap());
    }
    assert!(gated
        .iter()
        .any(|r| r["doc_id"].as_str().unwrap().contains("stadium")));
    assert!(asked_named >= 2, "{gated:?}");
    assert!(
        passage_gated.iter().any(|q| q.contains("footfall")),
        "{passage_gated:?}"
    );
    // Without the gate the model answers for the unnamed target too, with its own scores.
    assert!(
        unnamed_scores
            .iter()
            .any(|&s| (s - f64::from(GATED_SCORE)).abs() > 1e-3),
        "{unnamed_scores:?}"
    );
}

#[test]
fn classify_scores_plain_statements() {
    let dir = tempfile::tempdir().unwrap();
    let targets = dir.path().join("targets.toml");
    std::fs::write(
        &targets,
        "[[target]]\nname = \"sanctions against Russia\"\n",
    )
    .unwrap();
    let input = dir.path().join("statements.jsonl");
    std::fs::write(
        &input,
        concat!(
            "{\"id\": \"pro\", \"text\": \"We need tougher sanctions against Russia now.\"}\n",
            "{\"id\": \"con\", \"text\": \"Sanctions against Russia are wrong and must be lifted.\"}\n",
            "{\"id\": \"fact\", \"text\": \"Unemployment fell to 4.1 percent in March, the lowest level in a decade.\"}\n",
            "{\"id\": \"thanks\", \"text\": \"Thank you all so much for coming tonight.\"}\n",
            "{\"id\": \"off\", \"text\": \"The city council approved a new cycle lane on Main Street.\"}\n",
        ),
    )
    .unwrap();
    let out_path = dir.path().join("out.jsonl");
    let status = Command::new(env!("CARGO_BIN_EXE_newsquotes"))
        .current_dir(root())
        .args(["classify", "--targets"])
        .arg(&targets)
        .arg(&input)
        .arg("-o")
        .arg(&out_path)
        .status()
        .unwrap();
    assert!(status.success());
    let lines: Vec<Value> = std::fs::read_to_string(&out_path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_id = |id: &str| lines.iter().find(|l| l["id"] == id).unwrap();
    assert_eq!(by_id("pro")["stance"][0]["label"], "favor");
    assert_eq!(by_id("con")["stance"][0]["label"], "against");
    // A statement about something else takes no position on the target.
    assert_eq!(by_id("off")["stance"][0]["label"], "neutral");
    let claim = |id: &str| by_id(id)["claim"]["score"].as_f64().unwrap();
    assert!(claim("fact") > claim("thanks"), "{lines:?}");
    assert_eq!(by_id("fact")["claim"]["checkworthy"], true);
}

#[test]
fn eval_stance_writes_one_prediction_per_pair_that_adds_up_to_its_figures() {
    let dir = tempfile::tempdir().unwrap();
    let predictions = dir.path().join("news.jsonl");
    let out = succeed(
        Command::new(env!("CARGO_BIN_EXE_newsquotes"))
            .current_dir(root())
            .args([
                "eval", "stance", "--data", "tests/data/news_stance", "--json",
            ])
            .arg("--predictions")
            .arg(&predictions),
    );
    let report: Value =
        serde_json::from_slice(out.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    let lines: Vec<Value> = std::fs::read_to_string(&predictions)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() as u64, report["examples"].as_u64().unwrap());
    let right = lines.iter().filter(|l| l["predicted"] == l["gold"]).count();
    let accuracy = report["accuracy"].as_f64().unwrap();
    assert!(
        (right as f64 / lines.len() as f64 - accuracy).abs() < 1e-9,
        "{right} of {} right, report says {accuracy}",
        lines.len()
    );
    // The gate's answers are the pipeline's: neutral with one of its two scores.
    let gated: Vec<&Value> = lines
        .iter()
        .filter(|l| l["basis"] == "target_not_mentioned")
        .collect();
    assert_eq!(
        gated.len() as u64,
        report["gated"]["pairs"].as_u64().unwrap()
    );
    let gate_score = |s: &Value| {
        is_gated_score(s)
            || s.as_f64()
                .is_some_and(|s| (s - f64::from(PASSAGE_GATED_SCORE)).abs() < 1e-6)
    };
    assert!(gated
        .iter()
        .all(|l| l["predicted"] == "neutral" && gate_score(&l["probs"]["neutral"])));
}
