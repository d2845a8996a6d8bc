//! The Parquet and CSV outputs and the long stance table read back by an outside reader, DuckDB
//! (its Python package, installed by scripts/test-tools into .cache/pytools): the typed schema,
//! the same rows as the JSONL output, and the README's example query; polars and pandas too when
//! they are importable.

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
    assert_eq!(types["speaker_confidence"], "DOUBLE");
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

const TARGETS: &str = "[[target]]\nname = \"Vaccination (children)\"\naliases = [\"vaccines\"]\n\n\
[[target]]\nname = \"the strike\"\n";

fn extract_with_targets(format: &str, targets: &Path, out: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_newsquotes"))
        .current_dir(root())
        .args(["extract", "corpus", "--extractor", "rules", "--no-claims"])
        .args(["--progress", "never", "--format", format, "--targets"])
        .arg(targets)
        .arg("-o")
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn flat_csv_typed_metadata_and_the_long_stance_table_read_with_the_right_types() {
    let dir = tempfile::tempdir().unwrap();
    let targets = dir.path().join("targets.toml");
    std::fs::write(&targets, TARGETS).unwrap();
    let (jsonl, csv, parquet) = (
        dir.path().join("q.jsonl"),
        dir.path().join("q.csv"),
        dir.path().join("q.parquet"),
    );
    extract_with_targets("jsonl", &targets, &jsonl);
    extract_with_targets("csv", &targets, &csv);
    extract_with_targets("parquet", &targets, &parquet);
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|r: &serde_json::Value| r.get("error").is_none())
        .collect();
    let stance_rows: usize = records
        .iter()
        .map(|r| r["stance"].as_array().unwrap().len())
        .sum();
    assert_eq!(stance_rows, 2 * records.len());
    let dated = records
        .iter()
        .filter(|r| r["meta"]["date"].is_string())
        .count();
    assert!(dated > 0, "the sample corpus has dated articles");
    // The stance tables are there, one row per (record, target), in the output's format family.
    for table in [
        "q.jsonl.stance.csv",
        "q.csv.stance.csv",
        "q.parquet.stance.parquet",
    ] {
        assert!(dir.path().join(table).is_file(), "{table} missing");
    }
    let jsonl_table = std::fs::read_to_string(dir.path().join("q.jsonl.stance.csv")).unwrap();
    assert_eq!(jsonl_table.lines().count(), 1 + stance_rows);
    assert_eq!(
        jsonl_table.lines().next().unwrap(),
        "quote_id,doc_id,speaker_name,target,label,score,basis"
    );

    let script = format!(
        r#"
import duckdb, json
con = duckdb.connect()
d = {dir:?}
def types(rel):
    return dict((r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {{rel}}").fetchall())
csv = f"read_csv('{{d}}/q.csv')"
pq = f"read_parquet('{{d}}/q.parquet')"
print(json.dumps(types(csv)))
print(json.dumps(types(pq)))
print(json.dumps(types(f"read_parquet('{{d}}/q.parquet.stance.parquet')")))
print(json.dumps(types(f"read_csv('{{d}}/q.csv.stance.csv')")))
print(json.dumps(con.execute(f"SELECT count(date), count(source), min(date)::VARCHAR FROM {{pq}}").fetchone()))
# Scores read back as written: the same values as the JSONL shows.
print(json.dumps([r[0] for r in con.execute(f"SELECT s.score FROM {{pq}}, unnest(stance) AS t(s) ORDER BY quote_id, s.target").fetchall()]))
print(json.dumps([list(r) for r in con.execute(f"SELECT quote_start, quote_end, stance_vaccination_children_label, stance_vaccination_children_score FROM {{csv}} ORDER BY quote_id").fetchall()]))
print(json.dumps([list(r) for r in con.execute(f"SELECT target, count(*) FROM read_parquet('{{d}}/q.parquet.stance.parquet') GROUP BY 1 ORDER BY 1").fetchall()]))
"#,
        dir = dir.path().to_str().unwrap()
    );
    let Some(out) = duckdb_python(&script) else {
        return;
    };
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (csv_types, pq_types, table_types, table_csv_types) =
        (&lines[0], &lines[1], &lines[2], &lines[3]);
    for column in [
        "quote_start", "quote_end", "cue_start", "speaker_mention_end",
    ] {
        assert_eq!(csv_types[column], "BIGINT", "CSV {column}: {csv_types}");
        assert_eq!(pq_types[column], "BIGINT", "Parquet {column}");
    }
    assert_eq!(csv_types["stance_vaccination_children_label"], "VARCHAR");
    assert_eq!(csv_types["stance_vaccination_children_score"], "DOUBLE");
    assert_eq!(csv_types["stance_the_strike_score"], "DOUBLE");
    assert_eq!(csv_types["speaker_confidence"], "DOUBLE");
    assert_eq!(pq_types["date"], "DATE");
    for column in ["source", "url", "title", "meta"] {
        assert_eq!(pq_types[column], "VARCHAR", "{column}");
    }
    assert_eq!(
        pq_types["stance"],
        r#"STRUCT("target" VARCHAR, "label" VARCHAR, score DOUBLE, basis VARCHAR)[]"#
    );
    assert_eq!(table_types["score"], "DOUBLE");
    assert_eq!(table_types["target"], "VARCHAR");
    assert_eq!(table_csv_types["score"], "DOUBLE");

    let meta_figures = &lines[4];
    assert_eq!(meta_figures[0], dated);
    assert_eq!(
        meta_figures[1],
        records
            .iter()
            .filter(|r| r["meta"]["source"].is_string())
            .count()
    );
    let first_date = records
        .iter()
        .filter_map(|r| r["meta"]["date"].as_str())
        .map(|d| &d[..10])
        .min()
        .unwrap();
    assert_eq!(meta_figures[2], first_date);

    let mut by_quote: Vec<(&str, &str, f64)> = records
        .iter()
        .flat_map(|r| {
            r["stance"].as_array().unwrap().iter().map(move |s| {
                (
                    r["quote_id"].as_str().unwrap(),
                    s["target"].as_str().unwrap(),
                    s["score"].as_f64().unwrap(),
                )
            })
        })
        .collect();
    by_quote.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let scores: Vec<f64> = by_quote.iter().map(|x| x.2).collect();
    let read: Vec<f64> = lines[5]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(read, scores, "Parquet scores differ from the JSONL's");

    let mut sorted = records.clone();
    sorted.sort_by(|a, b| a["quote_id"].as_str().cmp(&b["quote_id"].as_str()));
    let csv_rows = lines[6].as_array().unwrap();
    for (r, row) in sorted.iter().zip(csv_rows) {
        let spans = r["quote"]["spans"].as_array().unwrap();
        assert_eq!(row[0], spans[0][0]);
        assert_eq!(row[1], spans[spans.len() - 1][1]);
        let s = &r["stance"][0];
        assert_eq!(row[2], s["label"]);
        assert_eq!(row[3].as_f64(), s["score"].as_f64());
    }
    let per_target = lines[7].as_array().unwrap();
    assert_eq!(per_target.len(), 2);
    assert_eq!(per_target[0][1], records.len());

    polars_and_pandas(dir.path());
}

/// polars and pandas read every format with the expected dtypes, when they are importable
/// (they are not part of the test tools: heavy, and DuckDB already checks the same).
fn polars_and_pandas(dir: &Path) {
    let script = format!(
        r#"
import json
d = {dir:?}
out = {{}}
try:
    import polars as pl
    q = pl.read_parquet(f"{{d}}/q.parquet")
    c = pl.read_csv(f"{{d}}/q.csv")
    out["polars"] = [str(q.schema["date"]), str(q.schema["claim_score"]), str(c.schema["quote_start"]), str(c.schema["stance_the_strike_score"])]
except ImportError:
    pass
try:
    import pandas as pd
    q = pd.read_parquet(f"{{d}}/q.parquet")
    c = pd.read_csv(f"{{d}}/q.csv", dtype_backend="numpy_nullable")
    out["pandas"] = [str(q["quote_start"].dtype), str(c["quote_start"].dtype), str(c["stance_the_strike_score"].dtype)]
except ImportError:
    pass
print(json.dumps(out))
"#,
        dir = dir.to_str().unwrap()
    );
    let out = Command::new("python3")
        .args(["-c", &script])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    match found.get("polars") {
        Some(p) => assert_eq!(
            p,
            &serde_json::json!(["Date", "Float64", "Int64", "Float64"])
        ),
        None => eprintln!("SKIPPED: polars not installed"),
    }
    match found.get("pandas") {
        Some(p) => assert_eq!(p, &serde_json::json!(["int64", "Int64", "Float64"])),
        None => eprintln!("SKIPPED: pandas not installed"),
    }
}
