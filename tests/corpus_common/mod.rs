//! Shared by the whole-corpus tests: reading a corpus folder the way the binary does (so that
//! every record can be checked against the exact text it points into), running the binary over
//! it, parsing the run summary, and checking one record against the contract's offset rules.

#![allow(dead_code)] // each test file uses part of this module

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Runs `cmd` and returns its output, failing the test with its stderr when it exits non-zero.
pub fn succeed(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared data folder: `$NEWSQUOTES_SHARED`, else `../shared` or `../../shared` next to the
/// checkout, else `/work/shared`. `None` when none of them exists.
pub fn shared_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("NEWSQUOTES_SHARED") {
        let dir = PathBuf::from(dir);
        if dir.is_dir() {
            return Some(dir);
        }
        eprintln!(
            "NEWSQUOTES_SHARED={} is not a directory; looking elsewhere",
            dir.display()
        );
    }
    let root = root();
    [
        root.join("../shared"),
        root.join("../../shared"),
        PathBuf::from("/work/shared"),
    ]
    .into_iter()
    .find(|p| p.is_dir())
}

/// `REL` inside the shared data folder, or `None` after printing the skip notice.
pub fn shared_path(rel: &str) -> Option<PathBuf> {
    let found = shared_dir().map(|d| d.join(rel)).filter(|p| p.exists());
    if found.is_none() {
        eprintln!("SKIPPED: shared data not found (set NEWSQUOTES_SHARED): {rel}");
    }
    found
}

/// A document's original text, indexed by code point.
pub struct DocText {
    /// The text exactly as the binary reads it.
    pub text: String,
    /// Byte offset of every code point, plus the text length.
    starts: Vec<usize>,
    /// Fields other than `id` and `text` (JSONL input only).
    pub meta: Map<String, Value>,
}

impl DocText {
    pub fn new(text: String, meta: Map<String, Value>) -> Self {
        let mut starts: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        starts.push(text.len());
        DocText { text, starts, meta }
    }

    /// Length in code points.
    pub fn len_chars(&self) -> usize {
        self.starts.len() - 1
    }

    /// The text of code points `start..end`, `None` when out of bounds or reversed.
    pub fn slice(&self, start: usize, end: usize) -> Option<&str> {
        if start > end || end > self.len_chars() {
            return None;
        }
        Some(&self.text[self.starts[start]..self.starts[end]])
    }

    /// Code point offset of a byte offset that lies on a char boundary.
    pub fn char_of_byte(&self, byte: usize) -> usize {
        self.starts
            .binary_search(&byte)
            .expect("byte offset on a char boundary")
    }

    /// The code point at `i`.
    pub fn char_at(&self, i: usize) -> char {
        self.text[self.starts[i]..]
            .chars()
            .next()
            .expect("in bounds")
    }
}

fn jsonl_docs(name: &str, reader: impl BufRead, docs: &mut BTreeMap<String, DocText>) {
    for (i, line) in reader.lines().enumerate() {
        let line = line.unwrap_or_else(|e| panic!("{name}:{}: {e}", i + 1));
        if line.trim().is_empty() {
            continue;
        }
        let Value::Object(mut obj) = serde_json::from_str::<Value>(&line)
            .unwrap_or_else(|e| panic!("{name}:{}: not JSON: {e}", i + 1))
        else {
            panic!("{name}:{}: not a JSON object", i + 1);
        };
        let id = match obj.remove("id") {
            Some(Value::String(s)) => s,
            Some(other) => other.to_string(),
            None => panic!("{name}:{}: no id", i + 1),
        };
        let Some(Value::String(text)) = obj.remove("text") else {
            panic!("{name}:{}: no text", i + 1);
        };
        let previous = docs.insert(id.clone(), DocText::new(text, obj));
        assert!(previous.is_none(), "duplicate document id {id} in {name}");
    }
}

/// Every document of a corpus folder (walked recursively, like the binary): `.txt` files by
/// stem, `.jsonl` and `.jsonl.gz` lines by `id`. Other files are ignored.
pub fn load_corpus(dir: &Path) -> BTreeMap<String, DocText> {
    let mut docs = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = entry.unwrap_or_else(|e| panic!("cannot walk {}: {e}", dir.display()));
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".txt") {
            let id = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text =
                fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let previous = docs.insert(id.clone(), DocText::new(text, Map::new()));
            assert!(previous.is_none(), "duplicate document id {id}");
        } else if name.ends_with(".jsonl") {
            let file = fs::File::open(path).unwrap();
            jsonl_docs(&name, BufReader::new(file), &mut docs);
        } else if name.ends_with(".jsonl.gz") {
            let mut text = String::new();
            flate2::read::GzDecoder::new(fs::File::open(path).unwrap())
                .read_to_string(&mut text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            jsonl_docs(&name, text.as_bytes(), &mut docs);
        }
    }
    docs
}

/// The figures of the run summary the binary prints on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSummary {
    pub documents: u64,
    pub with_records: u64,
    pub without_records: u64,
    pub errors: u64,
}

/// Parses `documents: N (W with records, X without, E errors)` from stderr.
pub fn parse_summary(stderr: &str) -> Option<RunSummary> {
    let line = stderr.lines().find(|l| l.starts_with("documents: "))?;
    let rest = line.strip_prefix("documents: ")?;
    let (documents, rest) = rest.split_once(" (")?;
    let nums: Vec<u64> = rest
        .trim_end_matches(')')
        .split(", ")
        .map(|part| part.split_whitespace().next()?.parse().ok())
        .collect::<Option<_>>()?;
    let [with_records, without_records, errors] = nums[..] else {
        return None;
    };
    Some(RunSummary {
        documents: documents.trim().parse().ok()?,
        with_records,
        without_records,
        errors,
    })
}

/// What one run of `newsquotes extract` gave.
pub struct Run {
    /// Record lines.
    pub records: Vec<Value>,
    /// Error lines.
    pub errors: Vec<Value>,
    /// The run summary.
    pub summary: RunSummary,
    /// Everything printed on stderr.
    pub stderr: String,
}

/// Runs `newsquotes extract --progress never INPUT...` (JSONL to stdout, default extractor) and
/// parses its output. Panics unless the run exits 0 with a summary and every stdout line is a
/// JSON object.
pub fn run_extract(inputs: &[&Path]) -> Run {
    run_extract_with(&[], inputs)
}

/// [`run_extract`] with extra options (`["--extractor", "rules"]`).
pub fn run_extract_with(options: &[&str], inputs: &[&Path]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_newsquotes"))
        .arg("extract")
        .args(["--progress", "never"])
        .args(options)
        .args(inputs)
        .stdin(Stdio::null())
        .output()
        .expect("the binary starts");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "extract {inputs:?} exited with {}; stderr:\n{stderr}",
        out.status
    );
    let stdout = String::from_utf8(out.stdout).expect("output is UTF-8");
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in stdout.lines().enumerate() {
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("output line {} is not JSON ({e}): {line}", i + 1));
        assert!(v.is_object(), "output line {} is not an object", i + 1);
        if v.get("error").is_some() {
            errors.push(v);
        } else {
            records.push(v);
        }
    }
    let summary =
        parse_summary(&stderr).unwrap_or_else(|| panic!("no run summary on stderr:\n{stderr}"));
    Run {
        records,
        errors,
        summary,
        stderr,
    }
}

/// Checks that a run accounted for every document of a clean corpus: the summary counts them
/// all, nothing became an error line, and every record belongs to a known document.
pub fn assert_all_documents_processed(run: &Run, docs: &BTreeMap<String, DocText>, what: &str) {
    assert!(
        run.errors.is_empty(),
        "{what}: error lines for a clean corpus: {:?}",
        run.errors
    );
    assert_eq!(
        run.summary.errors, 0,
        "{what}: summary counts errors:\n{}",
        run.stderr
    );
    assert_eq!(
        run.summary.documents,
        docs.len() as u64,
        "{what}: summary counts a different number of documents than the corpus holds:\n{}",
        run.stderr
    );
    assert_eq!(
        run.summary.with_records + run.summary.without_records,
        run.summary.documents,
        "{what}: summary does not add up:\n{}",
        run.stderr
    );
    let mut with_records: Vec<&str> = run
        .records
        .iter()
        .map(|r| r["doc_id"].as_str().expect("doc_id is a string"))
        .collect();
    with_records.dedup();
    for id in &with_records {
        assert!(
            docs.contains_key(*id),
            "{what}: record for unknown doc {id}"
        );
    }
    let mut distinct = with_records.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        with_records.len(),
        "{what}: records of one document are not contiguous"
    );
    assert_eq!(
        distinct.len() as u64,
        run.summary.with_records,
        "{what}: documents with records differ from the summary"
    );
}

/// A `[start, end]` span as numbers.
pub fn span_of(v: &Value) -> Result<(usize, usize), String> {
    match v.as_array().map(|a| a.as_slice()) {
        Some([a, b]) => match (a.as_u64(), b.as_u64()) {
            (Some(a), Some(b)) => Ok((a as usize, b as usize)),
            _ => Err(format!("span {v} is not two non-negative integers")),
        },
        _ => Err(format!("span {v} is not [start, end]")),
    }
}

/// Checks a non-empty in-bounds span that slices `doc` to `text`.
fn check_text_span(what: &str, v: &Value, doc: &DocText) -> Result<(), String> {
    let (s, e) = span_of(&v["span"]).map_err(|m| format!("{what}: {m}"))?;
    if s >= e {
        return Err(format!("{what}: empty or reversed span [{s}, {e}]"));
    }
    let slice = doc
        .slice(s, e)
        .ok_or_else(|| format!("{what}: span [{s}, {e}] beyond {}", doc.len_chars()))?;
    let text = v["text"]
        .as_str()
        .ok_or_else(|| format!("{what}: no text"))?;
    if slice != text {
        return Err(format!(
            "{what}: span [{s}, {e}] slices to {slice:?}, record says {text:?}"
        ));
    }
    Ok(())
}

/// Checks one record against the contract's offset rules: every quote span is non-empty, in
/// bounds and after the previous one, and the slices joined with one space are `quote.text`;
/// cue and speaker mention (when present) slice to their text; `quote_id` is `DOC:START-END`.
pub fn check_record(rec: &Value, doc: &DocText) -> Result<(), String> {
    let doc_id = rec["doc_id"].as_str().ok_or("no doc_id")?;
    let quote = &rec["quote"];
    let spans = quote["spans"]
        .as_array()
        .ok_or("quote.spans is not an array")?;
    if spans.is_empty() {
        return Err("quote has no spans".into());
    }
    let mut parts = Vec::new();
    let mut prev_end = 0;
    let mut bounds = Vec::new();
    for (i, v) in spans.iter().enumerate() {
        let (s, e) = span_of(v)?;
        if s >= e {
            return Err(format!("quote span {i} [{s}, {e}] is empty or reversed"));
        }
        if i > 0 && s < prev_end {
            return Err(format!(
                "quote span {i} [{s}, {e}] starts before the previous one ends ({prev_end})"
            ));
        }
        let slice = doc.slice(s, e).ok_or_else(|| {
            format!(
                "quote span {i} [{s}, {e}] beyond the text ({} chars)",
                doc.len_chars()
            )
        })?;
        parts.push(slice);
        bounds.push((s, e));
        prev_end = e;
    }
    let joined = parts.join(" ");
    let text = quote["text"].as_str().ok_or("quote.text is not a string")?;
    if joined != text {
        return Err(format!(
            "quote spans {bounds:?} slice to {joined:?}, quote.text is {text:?}"
        ));
    }
    if !matches!(
        quote["kind"].as_str(),
        Some("direct" | "indirect" | "mixed")
    ) {
        return Err(format!(
            "quote.kind {} is not direct|indirect|mixed",
            quote["kind"]
        ));
    }
    let want_id = format!("{doc_id}:{}-{}", bounds[0].0, prev_end);
    if rec["quote_id"].as_str() != Some(want_id.as_str()) {
        return Err(format!("quote_id {} is not {want_id:?}", rec["quote_id"]));
    }
    if !rec["cue"].is_null() {
        check_text_span("cue", &rec["cue"], doc)?;
    }
    let speaker = &rec["speaker"];
    if !speaker.is_object() {
        return Err("no speaker object".into());
    }
    if !speaker["mention"].is_null() {
        check_text_span("speaker.mention", &speaker["mention"], doc)?;
    }
    if !matches!(
        speaker["kind"].as_str(),
        Some("person" | "organization" | "group" | "unknown")
    ) {
        return Err(format!(
            "speaker.kind {} is not a contract kind",
            speaker["kind"]
        ));
    }
    match speaker["confidence"].as_f64() {
        Some(c) if (0.0..=1.0).contains(&c) => {}
        _ => {
            return Err(format!(
                "speaker.confidence {} is not within 0..=1",
                speaker["confidence"]
            ))
        }
    }
    Ok(())
}

/// Checks every record of a run against its document's text; panics listing every failure.
pub fn assert_records_slice(records: &[Value], docs: &BTreeMap<String, DocText>, what: &str) {
    let mut failures = Vec::new();
    for rec in records {
        let id = rec["doc_id"].as_str().unwrap_or("?");
        let Some(doc) = docs.get(id) else {
            failures.push(format!("{id}: unknown document"));
            continue;
        };
        if let Err(m) = check_record(rec, doc) {
            failures.push(format!("{id} {}: {m}", rec["quote_id"]));
        }
    }
    for f in &failures {
        eprintln!("OFFSET FAILURE {what}: {f}");
    }
    assert!(
        failures.is_empty(),
        "{what}: {} of {} records break the offset rules; first: {}",
        failures.len(),
        records.len(),
        failures[0]
    );
}
