//! `extract --docs FILE`: exactly one index line per input document, in input order, also when
//! the records stream to stdout. A caller that feeds `extract -` (the Spark job) pairs these
//! lines with its input line for line, so every document must appear once whatever happens to
//! it. These tests run the real binary with the rules extractor; the articles are invented.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const QUOTED: &str = "The river board met on Monday. \"We will open the lower lock by June,\" \
said Ilse Marten, the board's engineer. Boatmen said the delay had hurt trade.";
const SECOND: &str = "\"Tolls stay where they are this year,\" said Piet Okonkwo, the treasurer. \
He said the board would review them in the autumn.";
const PLAIN: &str = "The ferry timetable for the winter season was published on Friday.";

fn extract(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsquotes"))
        .args(["extract", "--progress", "never", "--extractor", "rules"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect()
}

fn read_lines(path: &Path) -> Vec<Value> {
    json_lines(&fs::read_to_string(path).expect("index written"))
}

/// Seven input lines: three good articles (two with quotes), a repeated id, and three that
/// fail in different ways, plus a blank line, which is no document.
fn mixed_input() -> Vec<u8> {
    let good = |id: &str, text: &str| serde_json::json!({"id": id, "text": text, "source": "test"});
    let lines = [
        good("a", QUOTED).to_string(),
        "{\"id\": \"broken\", \"text\": ".to_string(),
        good("b", PLAIN).to_string(),
        String::new(),
        serde_json::json!({"text": SECOND}).to_string(),
        good("c", SECOND).to_string(),
        good("e", "").to_string(),
        good("a", SECOND).to_string(),
    ];
    (lines.join("\n") + "\n").into_bytes()
}

#[test]
fn a_stdout_run_indexes_every_document_once_in_input_order() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("run.docs");
    let out = extract(&["-", "--docs", docs.to_str().unwrap()], &mixed_input());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index = read_lines(&docs);

    let ids: Vec<&str> = index
        .iter()
        .map(|e| e["doc_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids.len(),
        7,
        "one line per document, the blank line is none: {ids:?}"
    );
    assert_eq!(ids[0], "a");
    assert_eq!(ids[2], "b");
    assert_eq!(ids[4], "c");
    assert_eq!(ids[5], "e");
    // A repeated id gets the run's deterministic suffix (README: every input line).
    assert_eq!(ids[6], "a~2");
    let errors: Vec<Option<&str>> = index.iter().map(|e| e["error"].as_str()).collect();
    assert_eq!(
        errors,
        [
            None,
            Some("invalid_json"),
            None,
            Some("missing_field"),
            None,
            Some("empty"),
            None
        ]
    );

    // The records on stdout come in the index's order and number, document by document.
    let lines = json_lines(&String::from_utf8(out.stdout).unwrap());
    let mut at = 0;
    for entry in &index {
        let id = entry["doc_id"].as_str().unwrap();
        let n = if entry["error"].is_null() {
            entry["records"].as_u64().unwrap() as usize
        } else {
            assert_eq!(entry["records"], 0);
            1
        };
        for line in &lines[at..at + n] {
            assert_eq!(line["doc_id"], id, "{entry}");
            assert_eq!(line.get("error").is_some(), !entry["error"].is_null());
        }
        at += n;
    }
    assert_eq!(at, lines.len(), "no line on stdout outside the index");
    assert!(index[0]["records"].as_u64().unwrap() >= 1);
    assert!(index[4]["records"].as_u64().unwrap() >= 1);
    assert_eq!(
        index[2]["records"], 0,
        "an article without quotes has no records"
    );

    // Readable documents carry the hash `rerun` compares; the same text under the same id and
    // metadata hashes the same, another id does not.
    let sha = |i: usize| index[i]["sha256"].as_str().map(str::to_string);
    assert!(sha(0).is_some() && sha(4).is_some());
    assert_eq!(sha(1), None, "an unreadable line has no document to hash");
    assert_ne!(sha(4), sha(6));
}

#[test]
fn the_stream_index_equals_a_file_runs_index_and_a_file_run_copies_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    fs::write(&input, mixed_input()).unwrap();
    let stream_docs = dir.path().join("stream.docs");
    let out = extract(
        &[
            input.to_str().unwrap(),
            "--docs",
            stream_docs.to_str().unwrap(),
        ],
        b"",
    );
    assert!(out.status.success());
    let target = dir.path().join("out.jsonl");
    let copy = dir.path().join("copy.docs");
    let out = extract(
        &[
            input.to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
            "--docs",
            copy.to_str().unwrap(),
        ],
        b"",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        fs::read(&copy).unwrap(),
        fs::read(dir.path().join("out.jsonl.docs")).unwrap(),
        "a file run's --docs is its OUT.docs"
    );
    // Same documents, same accounting; only the stream offsets (`end`) differ.
    let strip = |v: Vec<Value>| -> Vec<BTreeMap<String, Value>> {
        v.into_iter()
            .map(|e| {
                let mut m: BTreeMap<String, Value> = serde_json::from_value(e).expect("an object");
                m.remove("end");
                m
            })
            .collect()
    };
    assert_eq!(strip(read_lines(&stream_docs)), strip(read_lines(&copy)));
}

#[test]
fn a_run_cut_short_leaves_no_index() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("run.docs");
    // The reader of stdout goes away at once: the run stops at its first write, with most
    // documents never processed, so there must be no index claiming to account for them.
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsquotes"))
        .args([
            "extract", "--progress", "never", "--extractor", "rules", "-",
        ])
        .arg("--docs")
        .arg(&docs)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut input = child.stdin.take().unwrap();
    for i in 0..20_000 {
        let line = serde_json::json!({"id": format!("d{i}"), "text": QUOTED});
        if writeln!(input, "{line}").is_err() {
            break; // the run has already stopped
        }
    }
    drop(input);
    child.wait().unwrap();
    assert!(
        !docs.exists(),
        "an index exists for a run that did not complete"
    );
    let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // An index into a folder that does not exist is a run-level error, before any document.
    let out = extract(
        &["-", "--docs", "/nonexistent-folder/x.docs"],
        &mixed_input(),
    );
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "no records without an index to account for them"
    );
}

#[test]
fn the_index_can_go_to_a_device() {
    let out = extract(&["-", "--docs", "/dev/null"], &mixed_input());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.is_empty());
    assert!(
        Path::new("/dev/null").exists(),
        "a device is written in place, never replaced"
    );
}
