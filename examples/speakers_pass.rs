//! Runs the corpus pass over speakers alone on an existing JSONL output, to measure it:
//! `cargo run --release --example speakers_pass -- OUT.jsonl [TABLE.jsonl]`. It reads the
//! records once for names and counts, decides the keys, reads them again applying the keys
//! (as `run` does on the way to the output; the rewritten records are only counted here) and
//! writes the speakers table. Prints records, keys and seconds per step on stderr.

use newsquotes::record::OutputLine;
use newsquotes::roster::{table, Roster};
use std::io::BufRead;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let input = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: OUT.jsonl [TABLE.jsonl]"))?;
    let table_path = args
        .next()
        .unwrap_or_else(|| format!("{input}.speakers.jsonl"));
    let started = Instant::now();
    let mut roster = Roster::new();
    roster.observe_jsonl(std::path::Path::new(&input))?;
    let records = roster.records();
    let observed = started.elapsed();
    let keys = roster.finish(None);
    let decided = started.elapsed();
    let mut bytes = 0usize;
    let reader = std::io::BufReader::new(std::fs::File::open(&input)?);
    for line in reader.lines() {
        let line = line?;
        if let Ok(OutputLine::Record(mut r)) = OutputLine::parse(&line) {
            keys.apply(&mut r);
            bytes += serde_json::to_vec(&r)?.len();
        }
    }
    let applied = started.elapsed();
    table::write_jsonl(&keys, std::path::Path::new(&table_path))?;
    let total = started.elapsed();
    eprintln!(
        "records {records}, keys {}, rewritten bytes {bytes}; observe {:.3} s, decide {:.3} s, \
         apply {:.3} s, table {:.3} s; total {:.3} s ({:.0} records/s)",
        keys.speakers().len(),
        observed.as_secs_f64(),
        (decided - observed).as_secs_f64(),
        (applied - decided).as_secs_f64(),
        (total - applied).as_secs_f64(),
        total.as_secs_f64(),
        records as f64 / total.as_secs_f64()
    );
    Ok(())
}
