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

/// Leaves the files of a run to `out` that was killed before it completed, made from a
/// completed run's files: the output and index renamed back to their partial names (the index
/// cut to its first `journalled` lines), the run state rebuilt from the manifest.
fn make_interrupted(out: &Path, journalled: usize) {
    make_interrupted_from(out, out, journalled);
}

/// [`make_interrupted`] for an output whose spool is not the output itself: a file run spools
/// JSONL whatever its format, so `jsonl` (a JSONL run over the same input) gives the spool and
/// its index, and `out`'s manifest the run's settings.
fn make_interrupted_from(out: &Path, jsonl: &Path, journalled: usize) {
    let dir = out.parent().unwrap();
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    let hidden = |suffix: &str| dir.join(format!(".{name}{suffix}"));
    let m = manifest(out);
    let spool_name = jsonl.file_name().unwrap().to_string_lossy().into_owned();
    fs::rename(jsonl, hidden(".partial")).unwrap();
    if out != jsonl {
        fs::remove_file(out).unwrap();
    }
    let index = fs::read_to_string(dir.join(format!("{spool_name}.docs"))).unwrap();
    let cut: String = index
        .lines()
        .take(journalled)
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(hidden(".docs.partial"), cut).unwrap();
    fs::remove_file(dir.join(format!("{spool_name}.docs"))).unwrap();
    let _ = fs::remove_file(dir.join(format!("{name}.docs")));
    let state = serde_json::json!({"config": m["config"], "models": m["models"], "started": m["started"], "resumed": []});
    fs::write(hidden(".run.partial"), state.to_string()).unwrap();
    fs::remove_file(dir.join(format!("{name}.manifest.json"))).unwrap();
}

/// Replaces the text of document `i` of a JSONL corpus.
fn edit_document(corpus: &Path, i: usize, text: &str) {
    let lines: Vec<String> = fs::read_to_string(corpus)
        .unwrap()
        .lines()
        .enumerate()
        .map(|(n, l)| {
            if n == i {
                let mut v: Value = serde_json::from_str(l).unwrap();
                v["text"] = text.into();
                v.to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    fs::write(corpus, lines.join("\n") + "\n").unwrap();
}

fn rules_args<'a>(input: &'a Path, out: &'a Path) -> Vec<&'a str> {
    vec![
        "extract",
        path_str(input),
        "--extractor",
        "rules",
        "-o",
        path_str(out),
        "--progress",
        "never",
    ]
}

#[test]
fn a_second_run_to_the_same_output_is_refused_and_the_first_completes_intact() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("feed.jsonl");
    synthetic_corpus(&corpus, 600);
    let other = dir.path().join("other.jsonl");
    synthetic_corpus(&other, 20);
    let out = dir.path().join("q.jsonl");
    let lock = dir.path().join(".q.jsonl.lock");

    let mut first = bin()
        .args(rules_args(&corpus, &out))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let waited = Instant::now();
    while !lock.exists() {
        assert!(waited.elapsed() < Duration::from_secs(60), "no lock file");
        assert!(
            first.try_wait().unwrap().is_none(),
            "the first run ended early"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let started = Instant::now();
    let second = bin().args(rules_args(&other, &out)).output().unwrap();
    let refused_in = started.elapsed();
    let still_running = first.try_wait().unwrap().is_none();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success(), "the second run was not refused");
    assert!(
        stderr.contains("another run is writing this output")
            && stderr.contains(&format!("process {}", first.id())),
        "{stderr}"
    );
    eprintln!("second run refused in {refused_in:?} (first still running: {still_running})");
    let status = first.wait().unwrap();
    assert!(status.success());

    // The first run's output is whole: what a run alone writes.
    let alone = dir.path().join("alone.jsonl");
    run_ok(&rules_args(&corpus, &alone));
    assert!(
        read(&out) == read(&alone),
        "the first run's output was disturbed"
    );
    assert_eq!(manifest(&out)["counts"]["documents"], 600);
    assert!(!lock.exists(), "the lock file outlived the run");
    assert!(partial_files(dir.path()).is_empty());
}

#[test]
fn resume_processes_edited_journalled_documents_again() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("feed.jsonl");
    synthetic_corpus(&corpus, 60);
    let out = dir.path().join("q.jsonl");
    run_ok(&rules_args(&corpus, &out));
    let old_index = docs_index(&out);
    // Killed after 40 documents; then documents 6 and 30 are edited.
    make_interrupted(&out, 40);
    let edited = "\"The bridge will open in May,\" said Ilse Marton, the city engineer. \
                  \"We have tested every cable,\" she added.";
    edit_document(&corpus, 6, edited);
    edit_document(&corpus, 30, "A short note without quotes.");
    let mut args = rules_args(&corpus, &out);
    args.push("--resume");
    let stderr = String::from_utf8_lossy(&run_ok(&args).stderr).into_owned();
    assert!(
        stderr.contains("resumed: 2 documents changed since the interrupted run"),
        "{stderr}"
    );

    let full = dir.path().join("full.jsonl");
    run_ok(&rules_args(&corpus, &full));
    assert!(
        read(&out) == read(&full),
        "resumed output differs from a full run over the edited input"
    );
    let index = docs_index(&out);
    assert_eq!(index, docs_index(&full));
    assert_ne!(index[6]["sha256"], old_index[6]["sha256"]);
    assert_eq!(index[7]["sha256"], old_index[7]["sha256"]);
    let records: Vec<Value> = String::from_utf8(read(&out))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|r: &Value| r["doc_id"] == "s00006")
        .collect();
    assert!(records
        .iter()
        .any(|r| r["quote"]["text"].as_str().unwrap().contains("bridge")));
    let m = manifest(&out);
    assert_eq!(m["counts"]["recomputed"], 2);
    assert_eq!(m["counts"]["documents"], 60);
    assert_eq!(m["resumed"].as_array().unwrap().len(), 1);
    assert!(partial_files(dir.path()).is_empty());

    // CSV, with the very first document edited (the spool is JSONL whatever the format).
    let csv = dir.path().join("q.csv");
    let mut args = rules_args(&corpus, &csv);
    args.extend(["--format", "csv"]);
    run_ok(&args);
    let spool = dir.path().join("spool.jsonl");
    run_ok(&rules_args(&corpus, &spool));
    make_interrupted_from(&csv, &spool, 20);
    edit_document(&corpus, 0, edited);
    args.push("--resume");
    run_ok(&args);
    let full_csv = dir.path().join("full.csv");
    let mut args = rules_args(&corpus, &full_csv);
    args.extend(["--format", "csv"]);
    run_ok(&args);
    assert!(read(&csv) == read(&full_csv), "resumed CSV differs");
    assert_eq!(manifest(&csv)["counts"]["recomputed"], 1);
}

#[test]
fn a_run_killed_between_its_output_and_its_manifest_is_finished_not_redone() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("feed.jsonl");
    synthetic_corpus(&corpus, 30);
    let name = |d: &str| dir.path().join(d);

    // Plain JSONL: killed just after the spool became the output, before the state recorded it.
    let out = name("q.jsonl");
    run_ok(&rules_args(&corpus, &out));
    let bytes = read(&out);
    let before = manifest(&out);
    fs::rename(name("q.jsonl.docs"), name(".q.jsonl.docs.partial")).unwrap();
    let state = serde_json::json!({"config": before["config"], "models": before["models"],
        "started": before["started"], "resumed": [], "elapsed_ms": 5000, "segment_started_ms": 0});
    fs::write(name(".q.jsonl.run.partial"), state.to_string()).unwrap();
    fs::remove_file(name("q.jsonl.manifest.json")).unwrap();
    let mut args = rules_args(&corpus, &out);
    args.push("--resume");
    let stderr = String::from_utf8_lossy(&run_ok(&args).stderr).into_owned();
    assert!(stderr.contains("had written its output"), "{stderr}");
    assert!(!stderr.contains("starting a new run"), "{stderr}");
    // The summary counts the time of the earlier segment (5 s) too.
    let time: f64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix("time: "))
        .and_then(|t| t.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(time >= 5.0, "{stderr}");
    assert_eq!(read(&out), bytes);
    let after = manifest(&out);
    assert_eq!(after["outputs"], before["outputs"]);
    assert_eq!(after["counts"], before["counts"]);
    assert_eq!(after["started"], before["started"]);
    assert!(partial_files(dir.path()).is_empty());

    // Split Parquet: killed after the parts and the state recording them, before the manifest.
    let pq = name("q.parquet");
    let mut pargs = rules_args(&corpus, &pq);
    pargs.extend(["--format", "parquet", "--split-records", "20"]);
    run_ok(&pargs);
    let before = manifest(&pq);
    assert!(before["outputs"].as_array().unwrap().len() >= 2);
    let state = serde_json::json!({"config": before["config"], "models": before["models"],
        "started": before["started"], "resumed": [], "outputs": before["outputs"]});
    fs::write(name(".q.parquet.run.partial"), state.to_string()).unwrap();
    fs::remove_file(name("q.parquet.manifest.json")).unwrap();
    pargs.push("--resume");
    let stderr = String::from_utf8_lossy(&run_ok(&pargs).stderr).into_owned();
    assert!(stderr.contains("had written its output"), "{stderr}");
    let after = manifest(&pq);
    assert_eq!(after["outputs"], before["outputs"]);
    assert_eq!(after["counts"], before["counts"]);
    assert!(partial_files(dir.path()).is_empty());
}

#[test]
fn stdin_records_come_out_while_a_slow_producer_is_still_writing() {
    use std::io::{BufRead, BufReader, Write};
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("feed.jsonl");
    synthetic_corpus(&corpus, 6);
    let input = fs::read_to_string(&corpus).unwrap();
    let lines: Vec<&str> = input.lines().collect();

    let mut child = bin()
        .args([
            "extract", "-", "--extractor", "rules", "--progress", "never",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let sent = Instant::now();
    writeln!(stdin, "{}", lines[0]).unwrap();
    stdin.flush().unwrap();
    // The input stays open: the first document's records must come out anyway.
    let first = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("no record while the input was still open");
    let latency = sent.elapsed();
    eprintln!("first record {latency:?} after the first document was written");
    assert!(latency < Duration::from_secs(10), "{latency:?}");
    let mut out = vec![first];
    for line in &lines[1..] {
        std::thread::sleep(Duration::from_millis(200));
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
    reader.join().unwrap();
    out.extend(rx.try_iter());

    // The same bytes as a run over the whole input at once.
    let batch = bin()
        .args(["extract", path_str(&corpus), "--extractor", "rules"])
        .args(["--progress", "never"])
        .output()
        .unwrap();
    let streamed: String = out.iter().map(|l| format!("{l}\n")).collect();
    assert!(
        streamed.as_bytes() == batch.stdout.as_slice(),
        "streamed output differs from a batch run"
    );
}

#[test]
fn write_errors_name_the_users_path() {
    let out = bin()
        .args([
            "extract", "corpus", "--extractor", "rules", "-o", "/dev/full",
        ])
        .args(["--progress", "never"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("/dev/full"), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");

    // A run file that cannot be written (here the run state's name is taken by a folder): the
    // message names the output, never the run's hidden files or their temporary names.
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".q.jsonl.run.partial")).unwrap();
    let target = dir.path().join("q.jsonl");
    let out = bin()
        .args(rules_args(Path::new("corpus"), &target))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains(path_str(&target)), "{stderr}");
    assert!(!stderr.contains(".partial"), "{stderr}");
}
