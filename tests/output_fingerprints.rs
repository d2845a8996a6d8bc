//! The whole output, byte for byte: the sha256 of what `extract` writes for the sample corpus,
//! the reference article and PolNeAR dev must stay what `tests/fingerprints.tsv` says, so that a
//! refactoring that changes any record (a span, a score, a field order) fails here even when the
//! quality tests would still pass. Only hashes are committed, never text.
//!
//! The trained models run with int8 weights through FBGEMM, whose kernels (and so the last
//! digits of scores) differ between CPU families: their cases are keyed by the CPU class
//! ([`cpu_class`]), and a class without a recorded fingerprint is reported and not compared.
//! The rule extractor is exact everywhere. After an intended change of output, rerun with
//! `NEWSQUOTES_UPDATE_FINGERPRINTS=1` to record the new hashes, and say why in the commit.

mod corpus_common;

use corpus_common::{root, shared_path};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const TARGETS: &str =
    "[[target]]\nname = \"Donald Trump\"\naliases = [\"Trump\", \"the president\"]\n\n\
[[target]]\nname = \"immigration reform\"\n\n[[target]]\nname = \"sanctions against Russia\"\n";

fn fingerprints_file() -> PathBuf {
    root().join("tests/fingerprints.tsv")
}

fn recorded() -> BTreeMap<String, String> {
    std::fs::read_to_string(fingerprints_file())
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The class of CPU the int8 kernels depend on.
fn cpu_class() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512vnni") {
            return "x86_64-avx512vnni";
        }
        if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512bw") {
            return "x86_64-avx512";
        }
        if is_x86_feature_detected!("avx2") {
            return "x86_64-avx2";
        }
    }
    "other"
}

/// sha256 of what `extract ARGS` writes: stdout, or the file after `-o`.
fn output_sha256(args: &[&str], file: Option<&Path>) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_newsquotes"))
        .arg("extract")
        .args(["--progress", "never"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the binary starts");
    assert!(
        out.status.success(),
        "extract {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = match file {
        Some(f) => std::fs::read(f).unwrap(),
        None => out.stdout,
    };
    format!("{:x}", Sha256::digest(&bytes))
}

struct Checker {
    recorded: BTreeMap<String, String>,
    seen: BTreeMap<String, String>,
    update: bool,
}

impl Checker {
    fn new() -> Self {
        Checker {
            recorded: recorded(),
            seen: BTreeMap::new(),
            update: std::env::var_os("NEWSQUOTES_UPDATE_FINGERPRINTS").is_some(),
        }
    }

    fn check(&mut self, case: &str, sha: String) {
        match self.recorded.get(case) {
            Some(want) if !self.update => assert_eq!(
                &sha, want,
                "output of {case} changed (rerun with NEWSQUOTES_UPDATE_FINGERPRINTS=1 if \
                 intended)"
            ),
            Some(_) => {}
            None if !self.update => {
                eprintln!("NOTICE: no fingerprint recorded for {case}; not compared")
            }
            None => {}
        }
        self.seen.insert(case.to_string(), sha);
    }

    fn finish(self) {
        if !self.update {
            return;
        }
        let mut all = self.recorded;
        all.extend(self.seen);
        let text: String = all.iter().map(|(k, v)| format!("{k}\t{v}\n")).collect();
        std::fs::write(fingerprints_file(), text).unwrap();
    }
}

#[test]
fn outputs_match_their_fingerprints() {
    let dir = tempfile::tempdir().unwrap();
    let targets = dir.path().join("targets.toml");
    std::fs::write(&targets, TARGETS).unwrap();
    let targets = targets.to_str().unwrap();
    let corpus = root().join("corpus");
    let corpus = corpus.to_str().unwrap();
    let cpu = cpu_class();
    let mut checker = Checker::new();

    checker.check(
        "sample/rules",
        output_sha256(&["--extractor", "rules", "--no-claims", corpus], None),
    );
    checker.check(
        &format!("sample/model+stance+claims/{cpu}"),
        output_sha256(&["--targets", targets, corpus], None),
    );
    let parquet = dir.path().join("sample.parquet");
    let p = parquet.to_str().unwrap();
    checker.check(
        &format!("sample/model+stance+claims/parquet/{cpu}"),
        output_sha256(
            &["--targets", targets, "--format", "parquet", "-o", p, corpus],
            Some(&parquet),
        ),
    );

    let shared_needed = std::env::var_os("CI").is_some();
    match shared_path("corpus/geneva-talks-2022-01-11.txt") {
        Some(article) => checker.check(
            &format!("reference/model+stance+claims/{cpu}"),
            output_sha256(&["--targets", targets, article.to_str().unwrap()], None),
        ),
        None => assert!(!shared_needed, "CI needs ../shared"),
    }
    match shared_path("data/polnear/dev/text") {
        Some(dev) => {
            let dev = dev.to_str().unwrap();
            checker.check(
                "polnear-dev/rules",
                output_sha256(&["--extractor", "rules", "--no-claims", dev], None),
            );
            checker.check(
                &format!("polnear-dev/model+stance+claims/{cpu}"),
                output_sha256(&["--targets", targets, dev], None),
            );
        }
        None => assert!(!shared_needed, "CI needs ../shared"),
    }
    checker.finish();
}
