//! Research-grade runs, end to end through the real binary: byte-identical output at any thread
//! count, a run killed with SIGKILL at random points and resumed until done gives exactly the
//! output of an uninterrupted run, `rerun` reuses unchanged documents and still matches a full
//! run, and the manifest describes what produced the output.

mod corpus_common;

use corpus_common::root;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_newsquotes"));
    c.current_dir(root());
    c
}

fn run_ok(args: &[&str]) -> Output {
    let out = bin().args(args).output().expect("binary runs");
    assert!(
        out.status.success(),
        "newsquotes {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `rerun PREVIOUS [OPTIONS] -o OUTPUT` (no progress display) and returns its stderr.
fn rerun_ok(previous: &Path, options: &[&str], output: &Path) -> String {
    let mut args = vec!["rerun", path_str(previous)];
    args.extend_from_slice(options);
    args.extend_from_slice(&["-o", path_str(output), "--progress", "never"]);
    String::from_utf8_lossy(&run_ok(&args).stderr).into_owned()
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

fn read(p: &Path) -> Vec<u8> {
    fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn manifest(output: &Path) -> Value {
    let mut name = output.file_name().unwrap().to_os_string();
    name.push(".manifest.json");
    serde_json::from_slice(&read(&output.with_file_name(name))).unwrap()
}

fn docs_index(output: &Path) -> Vec<Value> {
    let mut name = output.file_name().unwrap().to_os_string();
    name.push(".docs");
    String::from_utf8(read(&output.with_file_name(name)))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Files in `dir` whose name marks a run in progress.
fn partial_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect()
}

/// Small deterministic generator for kill times; the seed is printed so a failure can be
/// replayed with NEWSQUOTES_TEST_SEED.
struct Rng(u64);

impl Rng {
    fn from_env() -> Self {
        let seed = std::env::var("NEWSQUOTES_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("kill times from NEWSQUOTES_TEST_SEED={seed}");
        Rng(seed)
    }

    fn below(&mut self, max_ms: u64) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_millis(self.0 % max_ms.max(1))
    }
}

/// Starts `args`, kills it with SIGKILL after `after` unless it finished; true when it was
/// killed.
fn run_and_kill(args: &[&str], after: Duration) -> bool {
    let mut child = bin()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + after;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "newsquotes {args:?} failed");
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    true
}

/// What [`kill_and_resume`] did.
struct Kills {
    /// Kills that interrupted a running run.
    hits: usize,
    /// Whether some kill left documents in the run's journal, so that a resume continued it
    /// (a kill during start-up or the first chunk leaves nothing to continue).
    progressed: bool,
}

/// Kills runs of `args` (the first plain, the others with --resume) at `kills` random points,
/// then resumes to the end.
fn kill_and_resume(
    args: &[&str],
    output: &Path,
    kills: usize,
    max_ms: u64,
    rng: &mut Rng,
) -> Kills {
    let mut hits = 0;
    let mut progressed = false;
    let journal = output.with_file_name(format!(
        ".{}.docs.partial",
        output.file_name().unwrap().to_string_lossy()
    ));
    let mut resumed: Vec<&str> = args.to_vec();
    resumed.push("--resume");
    for i in 0..kills {
        let argv = if i == 0 { args } else { &resumed[..] };
        if run_and_kill(argv, rng.below(max_ms)) {
            hits += 1;
            // One complete journal line is one document a resume will not redo.
            progressed |= fs::read(&journal).is_ok_and(|j| j.contains(&b'\n'));
            // The manifest is written last: if a killed run left one, its outputs are whole.
            let mut name = output.file_name().unwrap().to_os_string();
            name.push(".manifest.json");
            if output.with_file_name(name).exists() {
                let left = partial_files(output.parent().unwrap());
                assert!(left.is_empty(), "a complete run left {left:?}");
                // The kill came after the run had completed, so it interrupted nothing; another
                // --resume would start a new run over the finished output.
                return Kills {
                    hits: hits - 1,
                    progressed,
                };
            }
        } else {
            return Kills { hits, progressed };
        }
    }
    run_ok(&resumed);
    Kills { hits, progressed }
}

/// A JSONL corpus of `n` documents made from the sample articles (each a little different),
/// large enough that a rules run lasts a few seconds.
fn synthetic_corpus(path: &Path, n: usize) {
    let texts: Vec<String> = fs::read_dir(root().join("corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| fs::read_to_string(p).unwrap())
        .collect();
    let mut out = String::new();
    for i in 0..n {
        let text = format!("{}\n\nFiled as item {i}.", texts[i % texts.len()]);
        let line = serde_json::json!({"id": format!("s{i:05}"), "text": text, "date": format!("2026-03-{:02}", 1 + i % 28)});
        out.push_str(&line.to_string());
        out.push('\n');
    }
    fs::write(path, out).unwrap();
}

#[test]
fn output_is_byte_identical_at_1_2_and_8_threads() {
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "2", "8"] {
        let out = dir.path().join(format!("t{threads}.jsonl"));
        run_ok(&[
            "extract",
            "corpus",
            "--threads",
            threads,
            "-o",
            path_str(&out),
            "--progress",
            "never",
        ]);
        outputs.push((threads, read(&out), docs_index(&out)));
        let pq = dir.path().join(format!("t{threads}.parquet"));
        run_ok(&[
            "extract",
            "corpus",
            "--extractor",
            "rules",
            "--format",
            "parquet",
            "--threads",
            threads,
            "-o",
            path_str(&pq),
            "--progress",
            "never",
        ]);
        outputs.push((threads, read(&pq), Vec::new()));
    }
    assert!(outputs[0].1.len() > 10_000, "the model wrote little output");
    for pair in outputs.chunks(2).skip(1) {
        let (threads, jsonl, index) = (&pair[0].0, &pair[0].1, &pair[0].2);
        assert!(
            jsonl == &outputs[0].1,
            "JSONL at {threads} threads differs from 1 thread"
        );
        assert!(
            index == &outputs[0].2,
            "document index at {threads} threads differs"
        );
        assert!(
            pair[1].1 == outputs[1].1,
            "Parquet at {threads} threads differs"
        );
    }
}

#[test]
fn a_model_run_killed_at_random_points_resumes_to_the_uninterrupted_output() {
    let dir = tempfile::tempdir().unwrap();
    let reference = dir.path().join("reference.jsonl");
    let args = |out: &Path| {
        vec![
            "extract".to_string(),
            "corpus".into(),
            "-o".into(),
            path_str(out).into(),
            "--progress".into(),
            "never".into(),
        ]
    };
    let argv: Vec<String> = args(&reference);
    let started = Instant::now();
    run_ok(&argv.iter().map(String::as_str).collect::<Vec<_>>());
    let full_ms = started.elapsed().as_millis() as u64;

    let mut rng = Rng::from_env();
    let out = dir.path().join("killed.jsonl");
    let argv = args(&out);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let kills = kill_and_resume(&argv, &out, 3, full_ms, &mut rng);
    eprintln!(
        "{} kills hit a running model run of {full_ms} ms",
        kills.hits
    );
    assert_eq!(read(&out), read(&reference), "resumed output differs");
    assert_eq!(docs_index(&out).len(), docs_index(&reference).len());
    assert!(
        partial_files(dir.path()).is_empty(),
        "{:?}",
        partial_files(dir.path())
    );
}

#[test]
fn a_split_parquet_run_killed_many_times_resumes_to_the_uninterrupted_output() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("feed.jsonl");
    synthetic_corpus(&corpus, 600);
    let args = |out: &Path| {
        vec![
            "extract".to_string(),
            path_str(&corpus).into(),
            "--extractor".into(),
            "rules".into(),
            "--format".into(),
            "parquet".into(),
            "--split-records".into(),
            "2000".into(),
            "-o".into(),
            path_str(out).into(),
            "--progress".into(),
            "never".into(),
        ]
    };
    let reference = dir.path().join("ref").join("q.parquet");
    fs::create_dir(reference.parent().unwrap()).unwrap();
    let argv = args(&reference);
    let started = Instant::now();
    run_ok(&argv.iter().map(String::as_str).collect::<Vec<_>>());
    let full_ms = started.elapsed().as_millis() as u64;

    let mut rng = Rng::from_env();
    let out = dir.path().join("run").join("q.parquet");
    fs::create_dir(out.parent().unwrap()).unwrap();
    let argv = args(&out);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let kills = kill_and_resume(&argv, &out, 5, full_ms, &mut rng);
    eprintln!(
        "{} kills hit a running rules run of {full_ms} ms (journal reached: {})",
        kills.hits, kills.progressed
    );

    let parts = |m: &Value| -> Vec<Vec<u8>> {
        m["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| read(Path::new(o["path"].as_str().unwrap())))
            .collect()
    };
    let (mref, mout) = (manifest(&reference), manifest(&out));
    assert!(mref["outputs"].as_array().unwrap().len() >= 2, "no split");
    assert!(parts(&mout) == parts(&mref), "resumed parts differ");
    assert_eq!(mout["counts"], mref["counts"]);
    assert_eq!(mout["counts"]["documents"], 600);
    if kills.progressed {
        assert!(!mout["resumed"].as_array().unwrap().is_empty());
    }
    assert!(partial_files(out.parent().unwrap()).is_empty());
}

#[test]
fn resume_refuses_other_settings_and_changed_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    for name in ["a", "b", "c"] {
        fs::write(
            input.join(format!("{name}.txt")),
            format!("\"We will build it,\" Mayor {name} said."),
        )
        .unwrap();
    }
    let out = dir.path().join("q.jsonl");
    // Leave an interrupted run behind: a finished run's files, renamed back to partials.
    run_ok(&[
        "extract",
        path_str(&input),
        "--extractor",
        "rules",
        "-o",
        path_str(&out),
    ]);
    let hidden = |suffix: &str| dir.path().join(format!(".q.jsonl{suffix}"));
    fs::rename(&out, hidden(".partial")).unwrap();
    fs::rename(dir.path().join("q.jsonl.docs"), hidden(".docs.partial")).unwrap();
    let m = manifest(&out);
    let state = serde_json::json!({"config": m["config"], "models": m["models"], "started": m["started"], "resumed": []});
    fs::write(hidden(".run.partial"), state.to_string()).unwrap();
    fs::remove_file(dir.path().join("q.jsonl.manifest.json")).unwrap();

    let other = bin()
        .args([
            "extract",
            path_str(&input),
            "--extractor",
            "rules",
            "--max-doc-bytes",
            "999999",
        ])
        .args(["-o", path_str(&out), "--resume"])
        .output()
        .unwrap();
    assert!(!other.status.success());
    assert!(String::from_utf8_lossy(&other.stderr).contains("other settings"));

    fs::rename(input.join("a.txt"), input.join("a0.txt")).unwrap();
    let changed = bin()
        .args(["extract", path_str(&input), "--extractor", "rules"])
        .args(["-o", path_str(&out), "--resume"])
        .output()
        .unwrap();
    assert!(!changed.status.success());
    assert!(
        String::from_utf8_lossy(&changed.stderr).contains("inputs changed"),
        "{}",
        String::from_utf8_lossy(&changed.stderr)
    );
}

fn copy_corpus(to: &Path, skip: &[&str]) -> Vec<PathBuf> {
    fs::create_dir_all(to).unwrap();
    let mut copied = Vec::new();
    for e in fs::read_dir(root().join("corpus")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.extension().is_some_and(|e| e == "txt") && !skip.iter().any(|s| name.starts_with(s)) {
            fs::copy(&p, to.join(&name)).unwrap();
            copied.push(to.join(name));
        }
    }
    copied
}

#[test]
fn rerun_processes_only_new_and_edited_documents_and_matches_a_full_run() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    copy_corpus(&corpus, &["sport", "transport"]);
    let first = dir.path().join("first.jsonl");
    run_ok(&[
        "extract",
        path_str(&corpus),
        "-o",
        path_str(&first),
        "--progress",
        "never",
    ]);

    // Seven articles at first; then two new, one edited, one removed.
    copy_corpus(&corpus, &[]);
    let edited = corpus.join("council-eastgate-library.txt");
    let text = fs::read_to_string(&edited).unwrap();
    fs::write(
        &edited,
        format!("{text}\n\"We will publish the figures next week,\" she said.\n"),
    )
    .unwrap();
    fs::remove_file(corpus.join("court-brightwater-ferry-trial.txt")).unwrap();

    let rerun = dir.path().join("rerun.jsonl");
    let stderr = rerun_ok(&first, &[], &rerun);
    assert!(
        stderr.contains("reused from the previous output: 5 documents, processed: 3"),
        "{stderr}"
    );
    let full = dir.path().join("full.jsonl");
    run_ok(&[
        "extract",
        path_str(&corpus),
        "-o",
        path_str(&full),
        "--progress",
        "never",
    ]);
    assert!(
        read(&rerun) == read(&full),
        "rerun output differs from a full run"
    );

    let index = docs_index(&rerun);
    let reused: Vec<&str> = index
        .iter()
        .filter(|e| e["reused"] == true)
        .map(|e| e["doc_id"].as_str().unwrap())
        .collect();
    assert_eq!(reused.len(), 5);
    assert!(!reused.contains(&"council-eastgate-library"));
    assert!(!reused.contains(&"sport-redhill-cup-final"));
    let m = manifest(&rerun);
    assert_eq!(m["counts"]["reused"], 5);
    assert_eq!(m["previous_output"], path_str(&first));

    // Another extractor makes every previous record stale.
    let rules = dir.path().join("rules.jsonl");
    let stderr = rerun_ok(&first, &["--extractor", "rules"], &rules);
    assert!(stderr.contains("attribution model changed"), "{stderr}");
    assert!(!stderr.contains("reused from"), "{stderr}");
}

#[test]
fn the_manifest_names_code_models_inputs_outputs_and_counts() {
    use sha2::{Digest, Sha256};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q.jsonl");
    run_ok(&[
        "extract",
        "corpus",
        "-o",
        path_str(&out),
        "--progress",
        "never",
    ]);
    let m = manifest(&out);
    let hex = |bytes: &[u8]| format!("{:x}", Sha256::digest(bytes));

    assert_eq!(m["pipeline"], env!("CARGO_PKG_VERSION"));
    if root().join(".git").exists() {
        assert_eq!(m["git_commit"].as_str().map(str::len), Some(40), "{m}");
    }
    assert_eq!(m["command_line"][1], "extract");
    assert_eq!(m["config"]["extractor"], "model");
    let model = &m["models"]["attribution"];
    assert_eq!(
        model["sha256"].as_str().unwrap(),
        hex(&read(
            &root().join("models/attribution-minilm/tagger.safetensors")
        ))
    );
    assert!(model["id"]
        .as_str()
        .unwrap()
        .starts_with("attribution-minilm@"));

    let inputs = m["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 10, "9 .txt files and one .jsonl");
    for input in inputs {
        let path = root().join(input["path"].as_str().unwrap());
        let bytes = read(&path);
        assert_eq!(input["sha256"].as_str().unwrap(), hex(&bytes));
        assert_eq!(input["bytes"], bytes.len());
    }
    let output = &m["outputs"][0];
    let bytes = read(&out);
    assert_eq!(output["sha256"].as_str().unwrap(), hex(&bytes));
    let lines = bytes.iter().filter(|&&b| b == b'\n').count();
    assert_eq!(m["counts"]["records"], lines);
    assert_eq!(m["counts"]["documents"], 13);
    assert_eq!(docs_index(&out).len(), 13);

    // Each record names the model that made it, as the manifest does.
    let first: Value =
        serde_json::from_str(std::str::from_utf8(&bytes).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(first["provenance"]["models"]["attribution"], model["id"]);

    // A stdout run writes its manifest only when asked, without a document index.
    let side = dir.path().join("stdout.manifest.json");
    let out = run_ok(&[
        "extract",
        "corpus",
        "--extractor",
        "rules",
        "--manifest",
        path_str(&side),
        "--progress",
        "never",
    ]);
    let m: Value = serde_json::from_slice(&read(&side)).unwrap();
    let lines = out.stdout.iter().filter(|&&b| b == b'\n').count();
    assert_eq!(m["counts"]["records"], lines);
    assert!(m["document_index"].is_null());
}

#[test]
fn rerun_with_new_targets_classifies_stance_again_without_extracting() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.toml");
    let b = dir.path().join("b.toml");
    fs::write(&a, "[[target]]\nname = \"the library expansion\"\n").unwrap();
    fs::write(
        &b,
        "[[target]]\nname = \"the ferry service\"\naliases = [\"the ferry\"]\n\n[[target]]\nname = \"the strike\"\n",
    )
    .unwrap();
    let first = dir.path().join("first.jsonl");
    run_ok(&[
        "extract",
        "corpus",
        "--targets",
        path_str(&a),
        "-o",
        path_str(&first),
        "--progress",
        "never",
    ]);
    let second = dir.path().join("second.jsonl");
    let stderr = rerun_ok(&first, &["--targets", path_str(&b)], &second);
    assert!(stderr.contains("classified again"), "{stderr}");
    assert!(
        stderr.contains("reused from the previous output: 13 documents, processed: 0"),
        "{stderr}"
    );
    let full = dir.path().join("full.jsonl");
    run_ok(&[
        "extract",
        "corpus",
        "--targets",
        path_str(&b),
        "-o",
        path_str(&full),
        "--progress",
        "never",
    ]);
    assert!(
        read(&second) == read(&full),
        "stance rerun differs from a full run"
    );
    let first_line: Value = serde_json::from_str(
        std::str::from_utf8(&read(&second))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first_line["stance"][1]["target"], "the strike");

    // Turning the target gate off changes what the stance stage answers: classified again,
    // and the same as a full run without the gate.
    let ungated = dir.path().join("ungated.jsonl");
    let stderr = rerun_ok(&second, &["--no-target-gate"], &ungated);
    assert!(stderr.contains("classified again"), "{stderr}");
    let full_ungated = dir.path().join("full-ungated.jsonl");
    run_ok(&[
        "extract",
        "corpus",
        "--targets",
        path_str(&b),
        "--no-target-gate",
        "-o",
        path_str(&full_ungated),
        "--progress",
        "never",
    ]);
    assert!(read(&ungated) == read(&full_ungated));
    assert!(
        read(&ungated) != read(&full),
        "no article of corpus/ left a target unnamed"
    );
}
