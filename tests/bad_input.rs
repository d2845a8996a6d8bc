//! Bad input never stops a run: each broken document becomes one error line, every other
//! document is processed, and the run exits 0. These tests run the real binary on temporary
//! files; all article text here is invented for the tests.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const ARTICLE: &str =
    "The harbour council met on Tuesday. \"We will reopen the north pier by spring,\" \
said Mara Velden, the council's chair. Fishermen said the delay had cost them dearly.\n\n\
Velden added that repairs would start next month.";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_newsquotes"));
    c.arg("extract").arg("--progress").arg("never");
    c
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        input.write_all(bytes).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

/// The output lines, parsed.
fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .expect("output is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("every output line is JSON"))
        .collect()
}

/// doc_id -> error kind, for the error lines.
fn errors(lines: &[Value]) -> BTreeMap<String, String> {
    lines
        .iter()
        .filter(|l| l.get("error").is_some())
        .map(|l| {
            (
                l["doc_id"].as_str().unwrap().to_string(),
                l["error"]["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Doc ids that got at least one record (not an error line).
fn record_docs(lines: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = lines
        .iter()
        .filter(|l| l.get("error").is_none())
        .map(|l| l["doc_id"].as_str().unwrap().to_string())
        .collect();
    ids.dedup();
    ids
}

/// The `documents: N` count from the run summary on stderr.
fn summary_documents(out: &Output) -> u64 {
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.starts_with("documents: "))
        .unwrap_or_else(|| panic!("no summary in stderr: {err}"));
    line["documents: ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn gz(path: &Path, text: &str) {
    let f = fs::File::create(path).unwrap();
    let mut e = flate2::write::GzEncoder::new(f, flate2::Compression::default());
    e.write_all(text.as_bytes()).unwrap();
    e.finish().unwrap();
}

#[test]
fn each_bad_document_gets_its_error_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("good.txt"), ARTICLE).unwrap();
    fs::write(
        d.join("bad_utf8.txt"),
        b"The mayor said \xff\xfe it was fine.",
    )
    .unwrap();
    fs::write(d.join("empty.txt"), b"").unwrap();
    fs::write(d.join("blank.txt"), b"  \n\n\t ").unwrap();
    fs::write(
        d.join("unbalanced.txt"),
        "\"We are ready,\" the minister said. \"And then the talks \u{201c}stalled, he added.\n\
         Nobody closed this \u{201c}quote. Or \u{2018}this one.",
    )
    .unwrap();
    fs::write(d.join("notes.md"), "not an input").unwrap();
    let good = serde_json::json!({"id": "j1", "title": "Pier", "text": ARTICLE}).to_string();
    fs::write(
        d.join("docs.jsonl"),
        format!(
            "{good}\n\n{{\"id\": \"j2\", \"text\": \"cut off\n{{\"id\": \"j3\"}}\n\
             {{\"id\": 17, \"text\": \"Numbers are ids too, said the clerk.\"}}\n\
             {{\"id\": \"j5\", \"text\": [\"not\", \"a\", \"string\"]}}\n   \n"
        ),
    )
    .unwrap();
    gz(
        &d.join("more.jsonl.gz"),
        &format!(
            "{}\n{}\n",
            serde_json::json!({"id": "g1", "text": ARTICLE}),
            serde_json::json!({"id": "g2", "text": ""})
        ),
    );

    let out = run(&[d.to_str().unwrap()], None);
    assert_ok(&out);
    let lines = lines(&out);
    let docs_path = d.join("docs.jsonl").display().to_string();
    let expected: BTreeMap<String, String> = [
        ("bad_utf8", "invalid_utf8"),
        ("blank", "empty"),
        ("empty", "empty"),
        (format!("{docs_path}:3").as_str(), "invalid_json"),
        ("j3", "missing_field"),
        ("j5", "missing_field"),
        ("g2", "empty"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(errors(&lines), expected);
    // Every document is accounted for: 5 .txt, 5 non-blank JSONL lines, 2 gzipped lines.
    assert_eq!(summary_documents(&out), 12);
    // Documents that were read cleanly never get an error line, whatever the extractor finds.
    for ok in ["good", "unbalanced", "j1", "17", "g1"] {
        assert!(!errors(&lines).contains_key(ok), "{ok} got an error");
    }
    for l in lines.iter().filter(|l| l["doc_id"] == "j1") {
        assert_eq!(l["meta"]["title"], "Pier", "meta passes through");
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ignored 1 file"), "{stderr}");
}

#[test]
fn a_50_mb_document_is_refused_quickly_in_txt_and_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let big_text = "word ".repeat(10 << 20); // 50 MiB
    let txt = dir.path().join("huge.txt");
    fs::write(&txt, &big_text).unwrap();
    let jsonl = dir.path().join("huge.jsonl");
    fs::write(
        &jsonl,
        format!(
            "{}\n{}\n",
            serde_json::json!({"id": "huge-line", "text": big_text}),
            serde_json::json!({"id": "after", "text": ARTICLE})
        ),
    )
    .unwrap();
    drop(big_text);
    let started = Instant::now();
    let out = run(&[txt.to_str().unwrap(), jsonl.to_str().unwrap()], None);
    let took = started.elapsed();
    assert_ok(&out);
    let lines = lines(&out);
    let errs = errors(&lines);
    assert_eq!(errs.get("huge").map(String::as_str), Some("too_large"));
    let line_id = format!("{}:1", jsonl.display());
    assert_eq!(errs.get(&line_id).map(String::as_str), Some("too_large"));
    assert!(!errs.contains_key("after"));
    assert_eq!(summary_documents(&out), 3);
    assert!(took < Duration::from_secs(20), "took {took:?}");
    // A smaller limit applies to ordinary documents too.
    let out = run(&["--max-doc-bytes", "10", jsonl.to_str().unwrap()], None);
    assert_eq!(
        errors(&self::lines(&out)).get("after").map(String::as_str),
        Some("too_large")
    );
}

#[test]
fn stdin_jsonl_streams_through() {
    let input = format!(
        "{}\nnot json\n{}\n",
        serde_json::json!({"id": "s1", "text": ARTICLE, "url": "https://example.org/a"}),
        serde_json::json!({"id": "s2", "text": "  "}),
    );
    let out = run(&["-"], Some(input.as_bytes()));
    assert_ok(&out);
    let errs = errors(&lines(&out));
    assert_eq!(
        errs.get("stdin:2").map(String::as_str),
        Some("invalid_json")
    );
    assert_eq!(errs.get("s2").map(String::as_str), Some("empty"));
    assert!(!errs.contains_key("s1"));
    assert_eq!(summary_documents(&out), 3);
}

#[test]
fn missing_input_files_are_error_lines_not_failures() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.txt");
    fs::write(&good, ARTICLE).unwrap();
    let missing = dir.path().join("missing.txt");
    let out = run(&[missing.to_str().unwrap(), good.to_str().unwrap()], None);
    assert_ok(&out);
    let lines = lines(&out);
    assert_eq!(
        errors(&lines)
            .get(missing.to_str().unwrap())
            .map(String::as_str),
        Some("io")
    );
    assert!(record_docs(&lines).iter().all(|d| d == "good"));
    assert_eq!(summary_documents(&out), 2);
}
