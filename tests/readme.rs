//! The README's first sections, run as written: the quick start's example article and targets
//! file, every `newsquotes` command of the quick start (with this build's binary), the example
//! record (it must have exactly the fields a real record has), and the pandas, polars and DuckDB
//! loading snippets (with the packages scripts/test-tools installs into .cache/pytools; skipped
//! with a notice when one is missing outside CI). A README that drifts from the program fails
//! here.

mod corpus_common;

use corpus_common::root;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The README's text.
fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).unwrap()
}

/// The body of the section whose heading is `heading` (up to the next `## `).
fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let start = text
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("README has no section {heading:?}"));
    let body = &text[start + heading.len() + 2..];
    match body.find("\n## ") {
        Some(end) => &body[..end],
        None => body,
    }
}

/// The fenced code blocks of `text` with info string `lang`, in order.
fn blocks(text: &str, lang: &str) -> Vec<String> {
    let fence = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let end = body.find("```").expect("closed code block");
        out.push(body[..end].to_string());
        rest = &body[end..];
    }
    out
}

/// The quick start's files and commands run in `dir`; returns the records written.
fn run_quick_start(dir: &Path) -> Vec<Value> {
    let text = readme();
    let quick = section(&text, "## Quick start");
    let article = &blocks(quick, "json")[0];
    let targets = &blocks(quick, "toml")[0];
    std::fs::write(dir.join("articles.jsonl"), article).unwrap();
    std::fs::write(dir.join("targets.toml"), targets).unwrap();
    let commands = &blocks(quick, "sh")[0];
    let mut ran = 0;
    for line in commands.lines() {
        let line = line.split("  #").next().unwrap_or_default().trim();
        let Some(args) = line.strip_prefix("target/release/newsquotes ") else {
            continue;
        };
        let args: Vec<&str> = args.split_whitespace().collect();
        let out = Command::new(env!("CARGO_BIN_EXE_newsquotes"))
            .current_dir(dir)
            .args(&args)
            .args(if args[0] == "extract" {
                &["--progress", "never"][..]
            } else {
                &[][..]
            })
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "README command `{line}` failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if let Some(i) = args.iter().position(|a| *a == "-o") {
            assert!(
                dir.join(args[i + 1]).is_file(),
                "`{line}` wrote no {}",
                args[i + 1]
            );
        }
        if args[0] == "stats" {
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(stdout.contains("records"), "stats printed:\n{stdout}");
        }
        ran += 1;
    }
    assert!(ran >= 4, "the quick start lists its newsquotes commands");
    let records: Vec<Value> = std::fs::read_to_string(dir.join("quotes.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!records.is_empty(), "the example article has quotes");
    records
}

/// Every field path of a JSON value (`speaker.mention.span`), arrays by their first item.
fn paths(v: &Value, prefix: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                // meta is the user's own fields, and models depends on the run.
                let path = format!("{prefix}{k}");
                out.push(path.clone());
                if k != "meta" && k != "models" {
                    paths(child, &format!("{path}."), out);
                }
            }
        }
        Value::Array(items) => {
            if let Some(first) = items.first() {
                paths(first, prefix, out);
            }
        }
        _ => {}
    }
}

fn field_paths(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    paths(v, "", &mut out);
    out.sort();
    out.dedup();
    out
}

#[test]
fn the_quick_start_runs_and_the_example_record_has_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let records = run_quick_start(dir.path());
    let text = readme();
    let example = &blocks(section(&text, "## What a record holds"), "json")[0];
    let example: Value = serde_json::from_str(example).expect("the example record is JSON");
    // The example is one of the quick start's own records, as the program writes it today.
    let real = records
        .iter()
        .find(|r| r["quote_id"] == example["quote_id"])
        .unwrap_or_else(|| {
            panic!(
                "the README's example record ({}) is not among the quick start's records",
                example["quote_id"]
            )
        });
    assert_eq!(
        real["quote"], example["quote"],
        "the example's quote as extracted"
    );
    assert_eq!(real["speaker"]["name"], example["speaker"]["name"]);
    let real = real.clone();
    // Nulls in either hide the fields below them, so compare the fields both have filled in,
    // and require the top two levels in full.
    let (want, have) = (field_paths(&real), field_paths(&example));
    let shallow = |p: &&String| p.matches('.').count() <= 1;
    let missing: Vec<&String> = want
        .iter()
        .filter(shallow)
        .filter(|p| !have.contains(p))
        .collect();
    let extra: Vec<&String> = have
        .iter()
        .filter(shallow)
        .filter(|p| !want.contains(p))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "README example record differs from a real one: missing {missing:?}, extra {extra:?}"
    );
    // Every top-level and speaker field is explained in the glossary table.
    let glossary = section(&text, "## What a record holds");
    for path in want.iter().filter(shallow) {
        assert!(
            glossary.contains(&format!("| `{path}`"))
                || glossary.contains(&format!("| `{path}."))
                || glossary.contains(&format!("| `{}`", path.split('.').next().unwrap())),
            "the glossary does not explain {path}"
        );
    }
}

#[test]
fn the_loading_snippets_run_on_the_quick_start_output() {
    let dir = tempfile::tempdir().unwrap();
    run_quick_start(dir.path());
    let text = readme();
    let loading = section(&text, "## Loading the output");
    let mut snippets = blocks(loading, "python");
    let sql = blocks(loading, "sql");
    assert!(
        snippets.len() >= 2 && !sql.is_empty(),
        "pandas, polars and SQL snippets"
    );
    for query in sql {
        snippets.push(format!(
            "import duckdb\nprint(duckdb.sql({query:?}).fetchall())"
        ));
    }
    let tools = root().join(".cache/pytools");
    for snippet in snippets {
        let module = snippet
            .lines()
            .find_map(|l| l.strip_prefix("import "))
            .and_then(|m| m.split_whitespace().next())
            .unwrap()
            .to_string();
        let probe = Command::new("python3")
            .env("PYTHONPATH", &tools)
            .args(["-c", &format!("import {module}")])
            .output();
        if !probe.is_ok_and(|o| o.status.success()) {
            assert!(
                std::env::var_os("CI").is_none(),
                "{module} is missing under CI: scripts/test-tools installs it"
            );
            eprintln!(
                "SKIPPED: the {module} snippet ({module} not installed; run scripts/test-tools)"
            );
            continue;
        }
        let out = Command::new("python3")
            .env("PYTHONPATH", &tools)
            .current_dir(dir.path())
            .args(["-c", &snippet])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "README snippet failed:\n{snippet}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = String::from_utf8_lossy(&out.stdout);
        assert!(
            printed.contains("Tomas Brandt") || printed.contains("Ines Varga"),
            "the {module} snippet lists the speakers:\n{printed}"
        );
    }
}
