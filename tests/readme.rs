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
        let mut command = Command::new(env!("CARGO_BIN_EXE_newsquotes"));
        command
            .current_dir(dir)
            .args(&args)
            .args(if args[0] == "extract" {
                &["--progress", "never"][..]
            } else {
                &[][..]
            });
        let out = succeed(command, &format!("README command `{line}`"));
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
        let mut python = Command::new("python3");
        python
            .env("PYTHONPATH", &tools)
            .current_dir(dir.path())
            .args(["-c", &snippet]);
        let out = succeed(python, &format!("README snippet\n{snippet}\n"));
        let printed = String::from_utf8_lossy(&out.stdout);
        assert!(
            printed.contains("Tomas Brandt") || printed.contains("Ines Varga"),
            "the {module} snippet lists the speakers:\n{printed}"
        );
    }
}

/// Programs whose command lines the README shows.
const PROGRAMS: [&str; 7] = [
    "target/release/newsquotes ",
    "newsquotes ",
    "scripts/",
    "zcat ",
    "tar ",
    "spark-submit ",
    "newsquotes-",
];

/// Every command line of the README: the lines of code blocks (fenced, or indented by four
/// spaces or more) that start with one of [`PROGRAMS`], with `\` continuations joined and
/// `# comments` cut.
fn readme_commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    let mut pending: Option<String> = None;
    for line in text.lines() {
        if let Some(info) = line.trim_start().strip_prefix("```") {
            fence = match fence {
                Some(_) => None,
                None => Some(info.trim().to_string()),
            };
            continue;
        }
        let code = match &fence {
            Some(info) => info.is_empty() || info == "sh",
            None => line.starts_with("    "),
        };
        let trimmed = line.trim();
        let joined = match pending.take() {
            Some(head) => format!("{head} {trimmed}"),
            None if code && PROGRAMS.iter().any(|p| trimmed.starts_with(p)) => trimmed.to_string(),
            None => continue,
        };
        match joined.strip_suffix('\\') {
            Some(head) => pending = Some(head.trim_end().to_string()),
            None => out.push(
                joined
                    .split("  #")
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            ),
        }
    }
    out
}

/// A synopsis shows a command's shape (`[--opt X]`, `a|b`, `...`) rather than one to type.
fn is_synopsis(command: &str) -> bool {
    command.contains('[')
        || command.contains("...")
        || command
            .split_whitespace()
            .any(|w| w.len() > 1 && w.contains('|'))
}

/// The long options a command line names (`--targets`, `--output` of `-o|--output`).
fn long_options(command: &str) -> Vec<String> {
    command
        .split(|c: char| c.is_whitespace() || "[]|=".contains(c))
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(|w| {
            w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
                .to_string()
        })
        .collect()
}

/// Why a README command is not run here; every other command is run as written.
fn not_run(command: &str) -> Option<&'static str> {
    const REASONS: [(&str, &str); 7] = [
        (
            "scripts/setup && cargo build --release",
            "setup and build: what scripts/test does before this test runs",
        ),
        (
            "newsquotes train ",
            "retrains a shipped model (tens of minutes); its options are checked against --help",
        ),
        (
            "newsquotes eval --gold",
            "needs PolNeAR (scripts/test runs the eval gate); synopsis checked against --help",
        ),
        (
            "newsquotes eval stance|claims",
            "synopsis; checked against --help (tests/stance_model.rs runs eval stance)",
        ),
        (
            "newsquotes eval claims --data .../",
            "elided paths into ../shared; options checked against --help",
        ),
        (
            "spark-submit --master yarn",
            "needs a YARN cluster; tests/spark_job.rs runs the same job script on local Spark",
        ),
        (
            "scripts/spark-extract [",
            "synopsis; its options are checked in the script, and tests/spark_job.rs runs it",
        ),
    ];
    REASONS
        .iter()
        .find(|(prefix, _)| command.starts_with(prefix))
        .map(|(_, why)| *why)
        .or_else(|| {
            (command.starts_with("newsquotes ") && is_synopsis(command))
                .then_some("synopsis; checked against --help")
        })
}

/// The help text of the `newsquotes` subcommand a synopsis or command line shows (alternatives
/// such as `stance|claims` give each one's help).
fn help_of(command: &str) -> String {
    let words: Vec<&str> = command
        .split_whitespace()
        .skip(1)
        .take_while(|w| {
            w.chars()
                .all(|c| c.is_ascii_lowercase() || c == '|' || c == '-')
                && !w.starts_with('-')
        })
        .collect();
    let mut paths: Vec<Vec<&str>> = vec![Vec::new()];
    for w in words {
        paths = paths
            .into_iter()
            .flat_map(|p| {
                w.split('|').map(move |alt| {
                    let mut p = p.clone();
                    p.push(alt);
                    p
                })
            })
            .collect();
    }
    let mut text = String::new();
    for path in paths {
        let out = Command::new(env!("CARGO_BIN_EXE_newsquotes"))
            .args(&path)
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success(), "newsquotes {path:?} --help failed");
        text.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    text
}

/// The files the README's commands read, in `dir`: the quick start's article and targets,
/// `corpus/` (this checkout's sample corpus), `feed.jsonl.gz`, and `target/release/newsquotes`
/// (this build's binary).
fn readme_fixtures(dir: &Path) {
    let text = readme();
    let quick = section(&text, "## Quick start");
    let article = &blocks(quick, "json")[0];
    std::fs::write(dir.join("articles.jsonl"), article).unwrap();
    std::fs::write(dir.join("targets.toml"), &blocks(quick, "toml")[0]).unwrap();
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    for entry in std::fs::read_dir(root().join("corpus")).unwrap().flatten() {
        std::fs::copy(entry.path(), corpus.join(entry.file_name())).unwrap();
    }
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(dir.join("feed.jsonl.gz")).unwrap(),
        flate2::Compression::default(),
    );
    std::io::Write::write_all(&mut gz, article.as_bytes()).unwrap();
    gz.finish().unwrap();
    std::fs::create_dir_all(dir.join("target/release")).unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_newsquotes"),
        dir.join("target/release/newsquotes"),
    )
    .unwrap();
}

/// The records (not error lines) of a JSONL output.
fn record_count(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| {
            let v: Value = serde_json::from_str(l).expect("JSONL output");
            v.get("quote").is_some()
        })
        .count()
}

/// Runs `command` and returns its output, failing the test with its exit status and standard
/// error (named `what`) when it does not succeed.
fn succeed(mut command: Command, what: &str) -> std::process::Output {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn every_command_in_the_readme_runs_or_matches_its_help() {
    let text = readme();
    let commands = readme_commands(&text);
    assert!(commands.len() >= 20, "found only {commands:?}");
    let dir = tempfile::tempdir().unwrap();
    readme_fixtures(dir.path());
    let mut bundle_built = false;
    let mut ran = 0;
    for command in &commands {
        // Options shown must exist, run or not (those of the first program of a pipeline or
        // `&&` chain).
        let first = command.split(" | ").next().unwrap_or_default();
        let options = long_options(first.split(" && ").next().unwrap_or_default());
        if command.starts_with("newsquotes ") || command.starts_with("target/release/newsquotes ") {
            let help = help_of(command.trim_start_matches("target/release/"));
            for option in &options {
                assert!(
                    help.contains(option.as_str()),
                    "README `{command}`: {option} is not an option of that command"
                );
            }
        } else if let Some(script) = command
            .split_whitespace()
            .next()
            .filter(|p| p.starts_with("scripts/"))
        {
            let source = std::fs::read_to_string(root().join(script))
                .unwrap_or_else(|e| panic!("README `{command}`: {script}: {e}"));
            for option in &options {
                assert!(
                    source.contains(option.as_str()),
                    "README `{command}`: {script} has no {option}"
                );
            }
        }
        if let Some(why) = not_run(command) {
            eprintln!("not run: `{command}`: {why}");
            continue;
        }
        if command.starts_with("tar -xzf newsquotes-") && !bundle_built {
            // The bundle commands unpack what scripts/bundle makes from this build.
            let mut bundle = Command::new(root().join("scripts/bundle"));
            bundle
                .args(["--binary", env!("CARGO_BIN_EXE_newsquotes"), "--out"])
                .arg(dir.path());
            succeed(bundle, "scripts/bundle");
            bundle_built = true;
        }
        let mut shell = Command::new("sh");
        shell.args(["-c", command]).current_dir(dir.path());
        let out = succeed(shell, &format!("README command `{command}`"));
        // What it wrote: `-o FILE` or `> FILE`, else standard output.
        let words: Vec<&str> = command.split_whitespace().collect();
        let written = words
            .iter()
            .position(|w| *w == "-o" || *w == ">")
            .and_then(|i| words.get(i + 1));
        match written {
            Some(file) if file.ends_with(".jsonl") => assert!(
                record_count(&dir.path().join(file)) > 0,
                "`{command}` wrote no records"
            ),
            Some(file) => assert!(
                std::fs::metadata(dir.path().join(file)).is_ok_and(|m| m.len() > 0),
                "`{command}` wrote nothing to {file}"
            ),
            None if words.contains(&"stats") => assert!(
                String::from_utf8_lossy(&out.stdout).contains("records"),
                "`{command}` printed no summary"
            ),
            None => {}
        }
        ran += 1;
    }
    assert!(
        ran >= 9,
        "ran {ran} of the README's {} commands",
        commands.len()
    );
}

#[test]
fn readme_commands_are_found_joined_and_classified() {
    let text = "intro\n\n```sh\nscripts/setup && cargo build --release   # once\n```\n\n    \
                newsquotes train stance --data a \\\n        b --output m\n\n```json\n\
                {\"newsquotes \": 1}\n```\n- `newsquotes stats X` in prose\n";
    let commands = readme_commands(text);
    assert_eq!(
        commands,
        vec![
            "scripts/setup && cargo build --release",
            "newsquotes train stance --data a b --output m"
        ]
    );
    assert!(is_synopsis("newsquotes stats OUTPUT [--json]"));
    assert!(is_synopsis("newsquotes eval stance|claims --data DIR"));
    assert!(!is_synopsis(
        "zcat feed.jsonl.gz | newsquotes extract - > q.jsonl"
    ));
    assert_eq!(
        long_options("newsquotes report OUT -o|--output r.html [--top N] --x=1"),
        vec!["--output", "--top", "--x"]
    );
    assert!(not_run("newsquotes extract articles.jsonl -o q.jsonl").is_none());
    assert!(not_run("newsquotes extract INPUT... [-o OUT]").is_some());
}
