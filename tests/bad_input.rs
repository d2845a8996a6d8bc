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
    // The two blank JSONL lines hold no document but are accounted for.
    assert!(
        stderr.contains("input: 2 blank lines skipped, 0 duplicate ids renamed"),
        "{stderr}"
    );
}

#[test]
fn duplicate_ids_are_renamed_with_a_warning_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let line = |id: &str| serde_json::json!({"id": id, "text": ARTICLE}).to_string();
    fs::write(
        d.join("a.jsonl"),
        format!("{}\n\n{}\n{}\n", line("pier"), line("pier"), line("quay")),
    )
    .unwrap();
    fs::create_dir(d.join("more")).unwrap();
    fs::write(d.join("more/pier.txt"), ARTICLE).unwrap();
    let out_path = d.join("out.jsonl");
    let out = run(
        &[
            d.join("a.jsonl").to_str().unwrap(),
            d.join("more").to_str().unwrap(),
            "--extractor",
            "rules",
            "-o",
            out_path.to_str().unwrap(),
        ],
        None,
    );
    assert_ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("duplicate document id \"pier\": this document is written as \"pier~2\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("input: 1 blank lines skipped, 2 duplicate ids renamed"),
        "{stderr}"
    );
    let index: Vec<Value> = fs::read_to_string(d.join("out.jsonl.docs"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = index
        .iter()
        .map(|e| e["doc_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["pier", "pier~2", "quay", "pier~3"]);
    // The same text under the renamed ids gives records that can be told apart.
    let records = fs::read_to_string(&out_path).unwrap();
    let quote_ids: Vec<String> = records
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["quote_id"].to_string())
        .collect();
    let mut unique = quote_ids.clone();
    unique.sort();
    unique.dedup();
    assert!(!quote_ids.is_empty());
    assert_eq!(unique.len(), quote_ids.len(), "quote ids repeat");
    let manifest: Value =
        serde_json::from_slice(&fs::read(d.join("out.jsonl.manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["counts"]["duplicate_ids"], 2);
    assert_eq!(manifest["counts"]["blank_lines"], 1);
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
    // The oversized line is reported under its own id (which leads the line), its place in
    // the message.
    assert_eq!(errs.get("huge-line").map(String::as_str), Some("too_large"));
    let message = lines
        .iter()
        .find(|l| l["doc_id"] == "huge-line")
        .map(|l| l["error"]["message"].as_str().unwrap().to_string())
        .unwrap();
    assert!(
        message.starts_with(&format!("line 1 of {}", jsonl.display())),
        "{message}"
    );
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
fn a_missing_input_path_stops_the_run_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.txt");
    fs::write(&good, ARTICLE).unwrap();
    let missing = dir.path().join("missing.txt");
    let out_file = dir.path().join("out.jsonl");
    let out = run(
        &[
            missing.to_str().unwrap(),
            good.to_str().unwrap(),
            "-o",
            out_file.to_str().unwrap(),
        ],
        None,
    );
    assert!(!out.status.success(), "a missing input must fail the run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("input {} does not exist", missing.display())),
        "{err}"
    );
    // Nothing was started: no output, no run files.
    let left: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "good.txt")
        .collect();
    assert!(left.is_empty(), "files left: {left:?}");
}

#[test]
fn a_run_where_every_document_failed_exits_non_zero_with_the_commonest_kind() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    fs::write(
        &input,
        "{\"id\": \"a\", \"body\": \"The mayor said it.\"}\n\
         {\"id\": \"b\", \"body\": \"The chair said no.\"}\n\
         {broken\n",
    )
    .unwrap();
    let out = run(&[input.to_str().unwrap()], None);
    assert!(
        !out.status.success(),
        "every document failed: must exit non-zero"
    );
    // Every document is still accounted for, with an error line each.
    let lines = lines(&out);
    assert_eq!(errors(&lines).len(), 3);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "every document failed (3 of 3); the commonest error is missing_field (2 documents)"
        ),
        "{err}"
    );
    assert!(err.contains("--text-field"), "{err}");
}

#[test]
fn id_and_text_fields_are_read_from_the_fields_named() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let line = |id: &str, text: &str| {
        serde_json::json!({"meta": {"no": id}, "article": {"title": "T", "body": text}, "source": "Gazette"})
            .to_string()
    };
    fs::write(
        &input,
        format!("{}\n{}\n", line("n1", ARTICLE), line("n2", "Nobody spoke.")),
    )
    .unwrap();
    let out = run(
        &[
            "--id-field",
            "meta.no",
            "--text-field",
            "article.body",
            input.to_str().unwrap(),
        ],
        None,
    );
    assert_ok(&out);
    let lines = lines(&out);
    assert!(errors(&lines).is_empty(), "{:?}", errors(&lines));
    assert_eq!(record_docs(&lines), ["n1"]);
    // The text field is not copied into meta; the rest of its object is.
    let meta = &lines[0]["meta"];
    assert_eq!(meta["article"], serde_json::json!({"title": "T"}), "{meta}");
    assert_eq!(meta["source"], "Gazette");
    assert_eq!(summary_documents(&out), 2);
    // Offsets index the text that was read.
    assert_records_sane(
        &lines,
        &[("n1", ARTICLE), ("n2", "Nobody spoke.")]
            .into_iter()
            .collect(),
    );
    // A malformed path is refused by the command line.
    let out = run(
        &["--text-field", "article..body", input.to_str().unwrap()],
        None,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a field path"));
}

/// Text with quote marks that never close, or close without opening.
const UNBALANCED: &str = "\"We are ready,\" the minister said. \"And then the talks \u{201c}stalled, \
he added.\n\nNobody closed this \u{201c}quote. Or \u{2018}this one. The mayor said the plan\u{201d} \
was fine\" and \u{00ab}left it there.";

/// The original text of a code-point span.
fn slice(text: &str, span: &Value) -> String {
    let (start, end) = (
        span[0].as_u64().unwrap() as usize,
        span[1].as_u64().unwrap() as usize,
    );
    assert!(
        start <= end && end <= text.chars().count(),
        "span {span} out of range"
    );
    text.chars().skip(start).take(end - start).collect()
}

/// Every record is well-formed: its spans lie inside the document and slice the original text
/// to the record's texts (code-point offsets), and its quote id matches its spans.
fn assert_records_sane(lines: &[Value], texts: &BTreeMap<&str, &str>) {
    for r in lines.iter().filter(|l| l.get("error").is_none()) {
        let doc = r["doc_id"].as_str().unwrap();
        let text = texts
            .get(doc)
            .unwrap_or_else(|| panic!("record for unknown doc {doc}"));
        let spans = r["quote"]["spans"].as_array().unwrap();
        assert!(!spans.is_empty(), "{r}");
        let joined: Vec<String> = spans.iter().map(|s| slice(text, s)).collect();
        assert_eq!(
            r["quote"]["text"].as_str().unwrap(),
            joined.join(" "),
            "{r}"
        );
        let first = spans[0][0].as_u64().unwrap();
        let last = spans[spans.len() - 1][1].as_u64().unwrap();
        assert_eq!(r["quote_id"], format!("{doc}:{first}-{last}"), "{r}");
        for part in [&r["cue"], &r["speaker"]["mention"]] {
            if !part.is_null() {
                assert_eq!(
                    part["text"].as_str().unwrap(),
                    slice(text, &part["span"]),
                    "{r}"
                );
            }
        }
    }
}

#[test]
fn bad_jsonl_lines_on_stdin_each_get_an_error_and_the_rest_is_read() {
    let mut input = Vec::new();
    let mut line = |bytes: &[u8]| {
        input.extend_from_slice(bytes);
        input.push(b'\n');
    };
    line(
        serde_json::json!({"id": "u1", "text": ARTICLE})
            .to_string()
            .as_bytes(),
    );
    // Latin-1 bytes inside an otherwise valid line.
    line(b"{\"id\": \"u2\", \"text\": \"Caf\xe9 owners said the rent was too high.\"}");
    line(
        serde_json::json!({"id": "u3", "text": UNBALANCED})
            .to_string()
            .as_bytes(),
    );
    line(b"{\"id\": \"u4\", \"title\": \"no text\"}");
    line(b"[\"an\", \"array\"]");
    line(
        serde_json::json!({"id": "u6", "text": ARTICLE})
            .to_string()
            .as_bytes(),
    );
    // A last line cut off in the middle, with no newline.
    input.extend_from_slice(b"{\"id\": \"u7\", \"text\": \"The strike");

    let out = run(&["-"], Some(&input));
    assert_ok(&out);
    let lines = lines(&out);
    let expected: BTreeMap<String, String> = [
        ("stdin:2", "invalid_utf8"),
        ("u4", "missing_field"),
        ("stdin:5", "invalid_json"),
        ("stdin:7", "invalid_json"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(errors(&lines), expected);
    assert_eq!(summary_documents(&out), 7);
    let texts: BTreeMap<&str, &str> = [("u1", ARTICLE), ("u3", UNBALANCED), ("u6", ARTICLE)]
        .into_iter()
        .collect();
    assert_records_sane(&lines, &texts);
    // Output order follows input order, whatever the threads do.
    let order: Vec<&str> = lines
        .iter()
        .map(|l| l["doc_id"].as_str().unwrap())
        .collect();
    let mut sorted_by_input = order.clone();
    let rank = |d: &str| {
        ["u1", "stdin:2", "u3", "u4", "stdin:5", "u6", "stdin:7"]
            .iter()
            .position(|x| *x == d)
            .unwrap()
    };
    sorted_by_input.sort_by_key(|d| rank(d));
    assert_eq!(order, sorted_by_input);
}

#[test]
fn unbalanced_quotes_give_sane_records_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str); 4] = [
        ("unbalanced", UNBALANCED),
        (
            "only-open",
            "\u{201c}This quote never ends, said the mayor on Monday",
        ),
        (
            "only-close",
            "The mayor said so\u{201d} and left.\" Then nothing.",
        ),
        (
            "marks-only",
            "\" \u{201c} \u{201d} \u{ab} \u{bb} ' \u{2018} \u{2019} \"",
        ),
    ];
    for (name, text) in cases {
        fs::write(dir.path().join(format!("{name}.txt")), text).unwrap();
    }
    let out = run(&[dir.path().to_str().unwrap()], None);
    assert_ok(&out);
    let lines = lines(&out);
    assert!(errors(&lines).is_empty(), "{:?}", errors(&lines));
    assert_records_sane(&lines, &cases.into_iter().collect());
    assert_eq!(summary_documents(&out), 4);
}

#[test]
fn empty_inputs_are_not_failures() {
    let dir = tempfile::tempdir().unwrap();
    // An empty JSONL file holds no document; an empty .txt file is one (empty) document.
    let jsonl = dir.path().join("empty.jsonl");
    fs::write(&jsonl, b"").unwrap();
    let gz_path = dir.path().join("empty.jsonl.gz");
    gz(&gz_path, "");
    let out = run(&[jsonl.to_str().unwrap(), gz_path.to_str().unwrap()], None);
    assert_ok(&out);
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(summary_documents(&out), 0);
    // Nothing at all on stdin.
    let out = run(&["-"], Some(b""));
    assert_ok(&out);
    assert!(out.stdout.is_empty());
    assert_eq!(summary_documents(&out), 0);
}
