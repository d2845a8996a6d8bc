//! The Spark job (`scripts/spark-extract`) for real: PySpark from PyPI and a Java runtime (both
//! installed by `scripts/spark-setup`, cached), `local[2]`, a few hundred articles. Its records
//! must equal `newsquotes extract`'s on the same input, every input document must appear in its
//! documents table exactly once, its Parquet columns must be those of `extract --format parquet`,
//! and a rerun after changing 10 documents must recompute exactly those.
//!
//! The articles are variations of the sample corpus (original writing, CC BY 4.0) plus broken
//! lines; the rules extractor keeps the test fast (the job runs the model extractor the same way,
//! the figures in the README were measured with it).

use arrow_array::{
    Array, BooleanArray, Int64Array, ListArray, RecordBatch, StringArray, StructArray,
};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The Spark environment, installed when missing; `None` (test skipped) outside CI when it
/// cannot be installed here.
fn spark_env() -> Option<PathBuf> {
    let out = Command::new(root().join("scripts/spark-setup"))
        .output()
        .expect("scripts/spark-setup starts");
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        assert!(!ci(), "scripts/spark-setup failed under CI: {why}");
        eprintln!("SKIPPED: PySpark or Java could not be installed: {why}");
        return None;
    }
    Some(PathBuf::from(String::from_utf8(out.stdout).unwrap().trim()))
}

/// The sample corpus's articles (text files and the JSONL feed), as (id, text).
fn corpus_articles() -> Vec<(String, String)> {
    let mut articles = Vec::new();
    let mut paths: Vec<PathBuf> = fs::read_dir(root().join("corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for p in paths {
        match p.extension().and_then(|e| e.to_str()) {
            Some("txt") => articles.push((
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                fs::read_to_string(&p).unwrap(),
            )),
            Some("jsonl") => {
                for line in fs::read_to_string(&p).unwrap().lines() {
                    if let Ok(v) = serde_json::from_str::<Value>(line) {
                        if let (Some(id), Some(text)) = (v["id"].as_str(), v["text"].as_str()) {
                            articles.push((id.to_string(), text.to_string()));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    assert!(articles.len() >= 10, "the sample corpus is there");
    articles
}

const DOCS: usize = 300;

/// `DOCS` articles (the corpus's, each with a numbered opening sentence and metadata), three
/// broken documents, and a blank line. `changed` articles get one more quoted paragraph.
fn input_lines(changed: &BTreeSet<usize>) -> Vec<String> {
    let corpus = corpus_articles();
    let mut lines = Vec::new();
    for i in 0..DOCS {
        let (base, text) = &corpus[i % corpus.len()];
        let mut text = format!("Dispatch {i} from the regional desk.\n\n{text}");
        if changed.contains(&i) {
            text.push_str(&format!(
                "\n\n\"We will publish the figures for district {i} next week,\" said Oren \
                 Talvik, the statistics officer."
            ));
        }
        let doc = serde_json::json!({
            "id": format!("{base}-{i}"),
            "text": text,
            "date": format!("2026-03-{:02}", 1 + i % 28),
            "desk": if i % 2 == 0 { "north" } else { "south" },
        });
        lines.push(doc.to_string());
        if i == 100 {
            lines.push("{\"id\": \"cut-short\", \"text\": \"The line en".to_string());
            lines.push(String::new());
        }
        if i == 200 {
            lines.push(serde_json::json!({"id": "no-text", "desk": "north"}).to_string());
            lines.push(serde_json::json!({"id": "empty-text", "text": ""}).to_string());
        }
    }
    lines
}

fn write_input(path: &Path, changed: &BTreeSet<usize>) {
    fs::write(path, input_lines(changed).join("\n") + "\n").unwrap();
}

/// A bundle folder for the job holding the binary under test (it finds its models in this
/// checkout, as a bundle's binary finds them beside itself).
fn test_bundle(dir: &Path) -> PathBuf {
    let bundle = dir.join("bundle");
    fs::create_dir_all(bundle.join("bin")).unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_newsquotes"),
        bundle.join("bin/newsquotes"),
    )
    .unwrap();
    bundle
}

const OPTIONS: [&str; 3] = ["--extractor", "rules", "--no-claims"];

/// Runs the job under `local[2]`, allowing each task 3 attempts (`local[2,3]`). With `fault`,
/// the first attempt of partition 0 fails after its first records went out, and Spark's retry
/// must still give every document exactly once.
fn spark_extract(bundle: &Path, extra: &[&str], input: &Path, output: &Path, fault: bool) {
    let started = std::time::Instant::now();
    let mut cmd = Command::new(root().join("scripts/spark-extract"));
    if fault {
        cmd.env("NEWSQUOTES_SPARK_FAULT", "first-attempt");
    }
    let out = cmd
        .args(["--master", "local[2,3]", "--bundle"])
        .arg(bundle)
        .args(OPTIONS)
        .args(extra)
        .arg(input)
        .arg(output)
        .output()
        .expect("scripts/spark-extract starts");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "spark job failed: {stderr}");
    eprintln!(
        "spark job: {:.1} s; {}",
        started.elapsed().as_secs_f64(),
        // spark-submit's Python driver prints its summary on stdout.
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("newsquotes-spark"))
            .collect::<Vec<_>>()
            .join(" ")
    );
}

fn single_machine(input: &Path, output: &Path, format: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_newsquotes"))
        .args(["extract", "--progress", "never", "--format", format])
        .args(OPTIONS)
        .arg(input)
        .arg("-o")
        .arg(output)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What must be equal: (doc_id, quote_id, spans, speaker name, stance labels), or the error kind.
type Key = (
    String,
    Option<String>,
    Vec<(i64, i64)>,
    Option<String>,
    Vec<String>,
);

fn jsonl_keys(path: &Path) -> Vec<Key> {
    let mut keys: Vec<Key> = fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let doc = v["doc_id"].as_str().unwrap().to_string();
            if let Some(kind) = v["error"]["kind"].as_str() {
                return (doc, None, vec![], Some(format!("error:{kind}")), vec![]);
            }
            let spans = v["quote"]["spans"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| (s[0].as_i64().unwrap(), s[1].as_i64().unwrap()))
                .collect();
            let stance = v["stance"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|s| s["label"].as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default();
            (
                doc,
                v["quote_id"].as_str().map(str::to_string),
                spans,
                v["speaker"]["name"].as_str().map(str::to_string),
                stance,
            )
        })
        .collect();
    keys.sort();
    keys
}

/// The keys with the made-up ids of unreadable lines (`FILE:LINE` for `extract`, `FILE#POSITION`
/// for the job) replaced by one placeholder.
fn without_made_up_ids(keys: Vec<Key>) -> Vec<Key> {
    let mut keys: Vec<Key> = keys
        .into_iter()
        .map(|mut k| {
            if k.3.as_deref() == Some("error:invalid_json") {
                k.0 = "<unreadable line>".into();
            }
            k
        })
        .collect();
    keys.sort();
    keys
}

/// Asserts two sorted key lists are equal, showing only the first differences.
fn assert_same_keys(got: &[Key], expected: &[Key], what: &str) {
    let missing: Vec<_> = expected
        .iter()
        .filter(|k| !got.contains(k))
        .take(5)
        .collect();
    let extra: Vec<_> = got
        .iter()
        .filter(|k| !expected.contains(k))
        .take(5)
        .collect();
    assert!(
        got == expected,
        "{what}: {} rows vs {} expected; missing {missing:?}; extra {extra:?}",
        got.len(),
        expected.len()
    );
}

fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    files.sort();
    files
}

fn batches(path: &Path) -> Vec<RecordBatch> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(fs::File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    reader.map(|b| b.unwrap()).collect()
}

fn strings(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let col = b
        .column_by_name(name)
        .unwrap_or_else(|| panic!("column {name}"));
    let col = col.as_any().downcast_ref::<StringArray>().unwrap();
    (0..col.len())
        .map(|i| col.is_valid(i).then(|| col.value(i).to_string()))
        .collect()
}

fn longs(b: &RecordBatch, name: &str) -> Vec<Option<i64>> {
    let col = b.column_by_name(name).unwrap();
    let col = col.as_any().downcast_ref::<Int64Array>().unwrap();
    (0..col.len())
        .map(|i| col.is_valid(i).then(|| col.value(i)))
        .collect()
}

fn parquet_keys(dir: &Path) -> Vec<Key> {
    let mut keys = Vec::new();
    for file in parquet_files(dir) {
        for b in batches(&file) {
            let docs = strings(&b, "doc_id");
            let quotes = strings(&b, "quote_id");
            let names = strings(&b, "speaker_name");
            let errors = strings(&b, "error_kind");
            let spans = b.column_by_name("quote_spans").unwrap();
            let spans = spans.as_any().downcast_ref::<ListArray>().unwrap();
            let stance = b.column_by_name("stance").unwrap();
            let stance = stance.as_any().downcast_ref::<ListArray>().unwrap();
            for i in 0..b.num_rows() {
                let doc = docs[i].clone().unwrap();
                if let Some(kind) = &errors[i] {
                    keys.push((doc, None, vec![], Some(format!("error:{kind}")), vec![]));
                    continue;
                }
                let s = spans.value(i);
                let s = s.as_any().downcast_ref::<StructArray>().unwrap();
                let starts = s.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
                let ends = s.column(1).as_any().downcast_ref::<Int64Array>().unwrap();
                let st = stance.value(i);
                let st = st.as_any().downcast_ref::<StructArray>().unwrap();
                let labels = st.column(1).as_any().downcast_ref::<StringArray>().unwrap();
                keys.push((
                    doc,
                    quotes[i].clone(),
                    (0..s.len())
                        .map(|j| (starts.value(j), ends.value(j)))
                        .collect(),
                    names[i].clone(),
                    (0..st.len()).map(|j| labels.value(j).to_string()).collect(),
                ));
            }
        }
    }
    keys.sort();
    keys
}

/// A column type with list item names and nullability left out (Spark names list items
/// `element`, arrow-rs `item`; both are the same Parquet list).
fn shape(t: &arrow_schema::DataType) -> String {
    use arrow_schema::DataType::*;
    match t {
        List(f) | LargeList(f) => format!("list<{}>", shape(f.data_type())),
        Struct(fields) => format!(
            "struct<{}>",
            fields
                .iter()
                .map(|f| format!("{}:{}", f.name(), shape(f.data_type())))
                .collect::<Vec<_>>()
                .join(",")
        ),
        Utf8 | LargeUtf8 | Utf8View => "string".into(),
        other => format!("{other:?}"),
    }
}

fn columns(file: &Path) -> Vec<(String, String)> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(fs::File::open(file).unwrap()).unwrap();
    builder
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), shape(f.data_type())))
        .collect()
}

/// The documents table: seq -> (doc_id, records, error, reused).
fn documents(dir: &Path) -> BTreeMap<i64, (String, i64, Option<String>, bool)> {
    let mut rows = BTreeMap::new();
    let mut n = 0;
    for file in parquet_files(dir) {
        for b in batches(&file) {
            let seq = longs(&b, "seq");
            let ids = strings(&b, "doc_id");
            let records = longs(&b, "records");
            let errors = strings(&b, "error");
            let reused = b.column_by_name("reused").unwrap();
            let reused = reused.as_any().downcast_ref::<BooleanArray>().unwrap();
            for i in 0..b.num_rows() {
                n += 1;
                rows.insert(
                    seq[i].unwrap(),
                    (
                        ids[i].clone().unwrap(),
                        records[i].unwrap(),
                        errors[i].clone(),
                        reused.value(i),
                    ),
                );
            }
        }
    }
    assert_eq!(
        n,
        rows.len(),
        "a document appears twice in the documents table"
    );
    rows
}

fn manifest(dir: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn the_spark_job_matches_extract_accounts_for_every_document_and_reruns_only_changes() {
    if spark_env().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bundle = test_bundle(d);
    let input = d.join("articles.jsonl");
    write_input(&input, &BTreeSet::new());
    let lines = input_lines(&BTreeSet::new());
    let documents_in = lines.iter().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(documents_in, DOCS + 3);

    // ---- a first run against the single-machine run ----
    single_machine(&input, &d.join("single.jsonl"), "jsonl");
    single_machine(&input, &d.join("single.parquet"), "parquet");
    let out1 = d.join("out1");
    spark_extract(&bundle, &[], &input, &out1, true);

    let expected = without_made_up_ids(jsonl_keys(&d.join("single.jsonl")));
    let got = without_made_up_ids(parquet_keys(&out1.join("records")));
    assert!(
        expected.len() > DOCS,
        "the rules find quotes in these articles"
    );
    assert_same_keys(
        &got,
        &expected,
        "Spark records against `newsquotes extract`'s",
    );

    let spark_file = &parquet_files(&out1.join("records"))[0];
    assert_eq!(
        columns(spark_file),
        columns(&d.join("single.parquet")),
        "the records table has the columns and types of `extract --format parquet`"
    );

    let docs = documents(&out1.join("documents"));
    assert_eq!(
        docs.len(),
        documents_in,
        "every input document exactly once"
    );
    assert_eq!(
        docs.keys().copied().collect::<Vec<_>>(),
        (0..documents_in as i64).collect::<Vec<_>>()
    );
    // Per document, the same accounting as the single-machine index (same order too).
    let single_index: Vec<Value> = fs::read_to_string(d.join("single.jsonl.docs"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(single_index.len(), docs.len());
    for ((_, (id, records, error, reused)), single) in docs.iter().zip(&single_index) {
        assert!(!reused);
        assert_eq!(*records as u64, single["records"].as_u64().unwrap(), "{id}");
        assert_eq!(error.as_deref(), single["error"].as_str(), "{id}");
        if error.as_deref() != Some("invalid_json") {
            assert_eq!(id, single["doc_id"].as_str().unwrap());
        }
    }
    let errors: BTreeMap<String, String> = docs
        .values()
        .filter_map(|(id, _, e, _)| e.clone().map(|e| (id.clone(), e)))
        .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert_eq!(
        errors.get("no-text").map(String::as_str),
        Some("missing_field")
    );
    assert_eq!(errors.get("empty-text").map(String::as_str), Some("empty"));
    assert!(
        errors
            .iter()
            .any(|(id, e)| e == "invalid_json" && id.contains("articles.jsonl#")),
        "a broken line is named after its input file and position: {errors:?}"
    );

    let m = manifest(&out1);
    assert_eq!(m["counts"]["documents"], documents_in);
    assert_eq!(
        m["counts"]["records"],
        expected.iter().filter(|k| k.1.is_some()).count()
    );
    assert_eq!(m["counts"]["reused"], 0);
    assert!(
        m["spark"]["partitions"].as_u64().unwrap() >= 2,
        "{}",
        m["spark"]
    );
    assert_eq!(m["models"]["attribution"]["name"], "rules");
    assert!(m["partitions"][0]["peak_rss_mib"].as_f64().unwrap() > 0.0);
    assert_eq!(
        m["partitions"][0]["attempt"], 1,
        "partition 0 was retried after the injected failure, and its retry's output kept"
    );

    // ---- a rerun after changing 10 documents ----
    let changed: BTreeSet<usize> = [3, 17, 42, 99, 120, 150, 201, 233, 260, 299].into();
    let input2 = d.join("articles2.jsonl");
    write_input(&input2, &changed);
    single_machine(&input2, &d.join("single2.jsonl"), "jsonl");
    let out2 = d.join("out2");
    spark_extract(
        &bundle,
        &["--previous", out1.to_str().unwrap()],
        &input2,
        &out2,
        false,
    );
    assert_same_keys(
        &without_made_up_ids(parquet_keys(&out2.join("records"))),
        &without_made_up_ids(jsonl_keys(&d.join("single2.jsonl"))),
        "rerun records against a full `newsquotes extract` of the changed input",
    );
    let docs2 = documents(&out2.join("documents"));
    assert_eq!(docs2.len(), documents_in);
    let recomputed: BTreeSet<String> = docs2
        .values()
        .filter(|(_, _, _, reused)| !reused)
        .map(|(id, ..)| id.clone())
        .collect();
    let corpus = corpus_articles();
    let mut expected_recomputed: BTreeSet<String> = changed
        .iter()
        .map(|&i| format!("{}-{i}", corpus[i % corpus.len()].0))
        .collect();
    // A line that is not JSON has no id to match against the previous run: it is always run.
    expected_recomputed.extend(
        errors
            .iter()
            .filter(|(_, e)| *e == "invalid_json")
            .map(|(id, _)| id.replace("articles.jsonl", "articles2.jsonl")),
    );
    assert_eq!(recomputed, expected_recomputed);
    let m2 = manifest(&out2);
    assert_eq!(m2["spark"]["recomputed"], expected_recomputed.len());
    assert_eq!(
        m2["spark"]["reused"],
        documents_in - expected_recomputed.len()
    );
    assert_eq!(
        m2["counts"]["reused"],
        documents_in - expected_recomputed.len()
    );
    eprintln!(
        "rerun: {} documents recomputed, {} reused",
        m2["spark"]["recomputed"], m2["spark"]["reused"]
    );
}
