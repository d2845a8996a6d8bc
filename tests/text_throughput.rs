//! Throughput of [`Analysis::new`] on the PolNeAR dev texts (read from `../shared`).
//! Ignored by default; run in release mode:
//! `cargo test --release --test text_throughput -- --ignored --nocapture`.

use newsquotes::text::Analysis;
use std::path::PathBuf;
use std::time::Instant;

#[test]
#[ignore = "measurement, run in release mode"]
fn analysis_throughput_on_polnear_dev() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let Some(dir) = std::env::var_os("NEWSQUOTES_SHARED")
        .map(PathBuf::from)
        .into_iter()
        .chain([root.join("../shared"), root.join("../../shared")])
        .map(|d| d.join("data/polnear/dev/text"))
        .find(|p| p.exists())
    else {
        eprintln!("SKIPPED: ../shared/data/polnear/dev/text not found (shared data absent)");
        return;
    };
    let texts: Vec<String> = std::fs::read_dir(dir)
        .expect("readable")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("UTF-8"))
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let rounds = 20;
    let start = Instant::now();
    let mut tokens = 0;
    for _ in 0..rounds {
        for t in &texts {
            tokens += std::hint::black_box(Analysis::new(t)).tokens.len();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let mb = (bytes * rounds) as f64 / 1e6;
    eprintln!(
        "Analysis::new: {} texts x {rounds}, {:.2} MB in {secs:.2} s = {:.1} MB/s, {:.0} docs/s, {tokens} tokens (one thread)",
        texts.len(),
        mb,
        mb / secs,
        (texts.len() * rounds) as f64 / secs
    );
    assert!(tokens > 0);
}
