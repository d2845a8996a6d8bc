//! The Parquet output read back by an outside reader, DuckDB (its Python package, installed by
//! scripts/test-tools into .cache/pytools): the typed schema, the same rows as the JSONL output,
//! and the README's example query.

mod corpus_common;

use corpus_common::root;
use std::path::Path;
use std::process::Command;

/// Runs a Python snippet with DuckDB importable, or `None` (after the skip notice) when DuckDB
/// is not installed outside CI.
fn duckdb_python(script: &str) -> Option<String> {
    let tools = root().join(".cache/pytools");
    let probe = Command::new("python3")
        .env("PYTHONPATH", &tools)
        .args(["-c", "import duckdb"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "DuckDB is missing under CI: .ci/run must run scripts/test-tools"
        );
        eprintln!("SKIPPED: DuckDB not installed (run scripts/test-tools)");
        return None;
    }
    let out = Command::new("python3")
        .env("PYTHONPATH", &tools)
        .args(["-c", script])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

fn extract(format: &str, out: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_newsquotes"))
        .current_dir(root())
        .args([
            "extract", "corpus", "--extractor", "rules", "--format", format, "-o",
        ])
        .arg(out)
        .args(["--progress", "never"])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn duckdb_reads_the_parquet_output_with_its_types_and_rows() {
    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("q.parquet");
    let jsonl = dir.path().join("q.jsonl");
    extract("parquet", &parquet);
    extract("jsonl", &jsonl);
    let script = format!(
        r#"
import duckdb, json
con = duckdb.connect()
p = {parquet:?}
types = dict((r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{{p}}')").fetchall())
print(json.dumps(types))
rows = con.execute(f"""
    SELECT count(*), count(quote_id), sum(len(quote_spans)),
           count(*) FILTER (WHERE quote_kind = 'direct'),
           round(sum(speaker_confidence), 3),
           count(DISTINCT doc_id)
    FROM read_parquet('{{p}}')""").fetchone()
print(json.dumps([float(x) for x in rows]))
top = con.execute(f"""
    SELECT speaker_name, count(*) AS n FROM read_parquet('{{p}}')
    WHERE speaker_name IS NOT NULL GROUP BY 1 ORDER BY n DESC, 1 LIMIT 1""").fetchone()
print(json.dumps(list(top)))
first = con.execute(f"SELECT quote_text, quote_spans[1].start, json_extract_string(provenance, '$.pipeline') FROM read_parquet('{{p}}') LIMIT 1").fetchone()
print(json.dumps(list(first)))
"#,
        parquet = parquet.to_str().unwrap()
    );
    let Some(out) = duckdb_python(&script) else {
        return;
    };
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let types = &lines[0];
    assert_eq!(types["doc_id"], "VARCHAR");
    assert_eq!(types["cue_start"], "BIGINT");
    assert_eq!(types["speaker_confidence"], "FLOAT");
    assert_eq!(types["claim_checkworthy"], "BOOLEAN");
    assert_eq!(
        types["quote_spans"],
        r#"STRUCT("start" BIGINT, "end" BIGINT)[]"#
    );

    let records: Vec<serde_json::Value> = std::fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let n = records.len() as f64;
    let spans: usize = records
        .iter()
        .map(|r| r["quote"]["spans"].as_array().unwrap().len())
        .sum();
    let direct = records
        .iter()
        .filter(|r| r["quote"]["kind"] == "direct")
        .count();
    let confidence: f64 = records
        .iter()
        .map(|r| r["speaker"]["confidence"].as_f64().unwrap())
        .sum();
    let figures = lines[1].as_array().unwrap();
    assert_eq!(figures[0].as_f64().unwrap(), n, "rows");
    assert_eq!(figures[1].as_f64().unwrap(), n, "records (no error rows)");
    assert_eq!(figures[2].as_f64().unwrap(), spans as f64);
    assert_eq!(figures[3].as_f64().unwrap(), direct as f64);
    assert!((figures[4].as_f64().unwrap() - confidence).abs() < 0.01);
    assert_eq!(figures[5].as_f64().unwrap(), 13.0);

    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for r in &records {
        if let Some(name) = r["speaker"]["name"].as_str() {
            *counts.entry(name).or_default() += 1;
        }
    }
    let max = counts.values().max().copied().unwrap();
    let top = counts.iter().find(|(_, &c)| c == max).unwrap();
    assert_eq!(lines[2][0], *top.0);
    assert_eq!(lines[2][1], max);

    assert_eq!(lines[3][0], records[0]["quote"]["text"]);
    assert_eq!(lines[3][1], records[0]["quote"]["spans"][0][0]);
    assert_eq!(lines[3][2], env!("CARGO_PKG_VERSION"));
}
