//! `newsquotes stats`: the key figures of an `extract` output as a table on stdout (or one
//! JSON object with `--json`). The counting is the report's ([`crate::report::aggregate`]), so
//! the two never disagree.

use crate::error::Result;
use crate::report::aggregate::{
    self, percent, Tally, GENDERS, QUOTE_KINDS, SPEAKER_KINDS, STANCE_LABELS,
};
use comfy_table::{presets, CellAlignment, Table};
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;

/// Speakers listed in the top-speakers table.
const TOP_SPEAKERS: usize = 10;

/// (speaker, target) rows in the speaker stance table at most (the most-quoted speakers first).
const TOP_STANCE_ROWS: usize = 40;

/// Options of `newsquotes stats`.
#[derive(clap::Args, Debug)]
pub struct StatsArgs {
    /// The output of `newsquotes extract`, in any of its formats (JSONL, CSV, Parquet; a
    /// split output by its `-o` name).
    pub output: PathBuf,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Count a stance answer only when the model gave it with at least this score (a
    /// calibrated probability); answers set aside are counted separately per target.
    #[arg(long, default_value_t = aggregate::DEFAULT_MIN_STANCE_SCORE)]
    pub min_stance_score: f32,
}

/// Runs `newsquotes stats`. The manifest beside the output, when present, supplies the number
/// of documents (documents without records leave no line in the output).
pub fn run(args: &StatsArgs) -> Result<()> {
    let scan = aggregate::scan(&args.output, 0, args.min_stance_score)?;
    let known = match crate::run::manifest::read_facts(&args.output) {
        Ok(m) => m.and_then(|m| m.documents),
        Err(e) => {
            eprintln!("warning: run manifest ignored: {e}");
            None
        }
    };
    aggregate::refuse_empty(&args.output, &scan.tally, known)?;
    if scan.tally.bad_lines > 0 {
        eprintln!("warning: {} damaged line(s) skipped", scan.tally.bad_lines);
    }
    let text = if args.json {
        let mut s = serde_json::to_string_pretty(&to_json(&scan.tally, known))?;
        s.push('\n');
        s
    } else {
        render(&scan.tally, known)
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

fn with_percent(n: u64, whole: u64) -> String {
    format!("{n} ({:.1} %)", percent(n, whole))
}

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED);
    t.set_header(header.to_vec());
    t
}

/// The figures as text tables: key counts, top speakers, then stance (when any).
pub fn render(t: &Tally, known_documents: Option<u64>) -> String {
    let documents = t.documents(known_documents);
    let mut main = table(&["figure", "value"]);
    let mut row = |k: String, v: String| {
        main.add_row(vec![k, v]);
    };
    row(
        if known_documents.is_some() {
            "documents".into()
        } else {
            "documents (seen in the output)".into()
        },
        documents.to_string(),
    );
    row(
        "documents with records".into(),
        with_percent(t.documents_with_records(), documents),
    );
    row("records".into(), t.records.to_string());
    row("error lines".into(), t.error_lines.to_string());
    for (kind, n) in &t.errors_by_kind {
        row(format!("  errors: {kind}"), n.to_string());
    }
    if t.bad_lines > 0 {
        row("damaged lines (skipped)".into(), t.bad_lines.to_string());
    }
    for (k, n) in QUOTE_KINDS.iter().zip(t.quote_kinds) {
        row(format!("quotes: {k}"), with_percent(n, t.records));
    }
    for (k, n) in SPEAKER_KINDS.iter().zip(t.speaker_kinds) {
        row(format!("speakers: {k}"), with_percent(n, t.records));
    }
    row(
        "records with a canonical name".into(),
        with_percent(t.named, t.records),
    );
    row(
        "distinct speakers (entities)".into(),
        t.distinct_entities().to_string(),
    );
    row(
        "distinct speakers (keys)".into(),
        t.distinct_speakers().to_string(),
    );
    let people: u64 = t.gender.iter().sum();
    for (g, n) in GENDERS.iter().zip(t.gender) {
        row(
            format!("quotes of named people: {g}"),
            with_percent(n, people),
        );
    }
    row(
        "mean confidence".into(),
        t.mean_confidence()
            .map_or_else(|| "-".to_string(), |c| format!("{c:.3}")),
    );
    if t.claims > 0 {
        row(
            "claims: checkworthy".into(),
            with_percent(t.checkworthy, t.claims),
        );
    }
    if let Some(c) = main.column_mut(1) {
        c.set_cell_alignment(CellAlignment::Right);
    }
    let mut out = format!("{main}\n");

    let top = t.top_speakers(TOP_SPEAKERS);
    if !top.is_empty() {
        let mut speakers = table(&["top speaker", "key", "records"]);
        for (name, s) in top {
            speakers.add_row(vec![name.to_string(), s.key.clone(), s.records.to_string()]);
        }
        out.push_str(&format!("\n{speakers}\n"));
    }
    if t.with_stance > 0 {
        out.push_str(&stance_tables(t));
    }
    out
}

/// Stance per target, then per (speaker, target), from the model's answers at or above the
/// threshold; the answers set aside are counted in their own columns so nothing vanishes.
fn stance_tables(t: &Tally) -> String {
    let threshold = format!("score ≥ {}", t.min_stance_score);
    let mut header = vec![format!("stance target ({threshold})")];
    header.extend(STANCE_LABELS.map(String::from));
    header.extend(["below threshold".into(), "target not mentioned".into()]);
    let mut stance = table(&header.iter().map(String::as_str).collect::<Vec<_>>());
    let mut targets: Vec<&String> = t.stance.keys().chain(t.stance_set_aside.keys()).collect();
    targets.sort();
    targets.dedup();
    for target in targets {
        let labels = t.stance.get(target);
        let aside = t.stance_set_aside.get(target).copied().unwrap_or_default();
        let mut cells = vec![target.clone()];
        cells.extend(STANCE_LABELS.map(|l| {
            labels
                .and_then(|c| c.get(l))
                .copied()
                .unwrap_or(0)
                .to_string()
        }));
        cells.push(aside.below_threshold.to_string());
        cells.push(aside.target_not_mentioned.to_string());
        stance.add_row(cells);
    }
    let mut out = format!("\n{stance}\n");
    let mut by_speaker = table(&["speaker", "stance target", "favor", "against", "neutral"]);
    let mut rows = 0;
    for (name, s) in t.top_speakers(usize::MAX) {
        for (target, labels) in &s.stance {
            let n = |l: &str| labels.get(l).copied().unwrap_or(0).to_string();
            by_speaker.add_row(vec![
                name.to_string(),
                target.clone(),
                n("favor"),
                n("against"),
                n("neutral"),
            ]);
            rows += 1;
        }
        if rows >= TOP_STANCE_ROWS {
            break;
        }
    }
    if rows > 0 {
        out.push_str(&format!("\n{by_speaker}\n"));
    }
    out
}

/// The same figures as one JSON object.
pub fn to_json(t: &Tally, known_documents: Option<u64>) -> Value {
    let counts = |names: &[&str], values: &[u64]| -> Value {
        names
            .iter()
            .zip(values)
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    json!({
        "documents": t.documents(known_documents),
        "documents_from_manifest": known_documents.is_some(),
        "documents_with_records": t.documents_with_records(),
        "records": t.records,
        "error_lines": t.error_lines,
        "errors_by_kind": t.errors_by_kind,
        "damaged_lines": t.bad_lines,
        "quote_kinds": counts(&QUOTE_KINDS, &t.quote_kinds),
        "speaker_kinds": counts(&SPEAKER_KINDS, &t.speaker_kinds),
        "records_with_name": t.named,
        "distinct_entities": t.distinct_entities(),
        "distinct_speakers": t.distinct_speakers(),
        "mean_confidence": t.mean_confidence(),
        "top_speakers": t.top_speakers(TOP_SPEAKERS).into_iter()
            .map(|(n, s)| json!({"key": s.key, "name": n, "records": s.records}))
            .collect::<Vec<_>>(),
        "gender": counts(&GENDERS, &t.gender),
        "min_stance_score": t.min_stance_score,
        "stance": t.stance,
        "stance_set_aside": t.stance_set_aside,
        "speaker_stance": t.top_speakers(usize::MAX).into_iter()
            .filter(|(_, s)| !s.stance.is_empty())
            .map(|(n, s)| json!({"key": s.key, "name": n, "records": s.records, "stance": s.stance}))
            .collect::<Vec<_>>(),
        "claims": t.claims,
        "checkworthy": t.checkworthy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::aggregate::tests::sample_jsonl;

    #[test]
    fn table_shows_the_key_counts() {
        let scan = aggregate::scan_reader(
            sample_jsonl().as_bytes(),
            0,
            aggregate::DEFAULT_MIN_STANCE_SCORE,
        )
        .unwrap();
        let text = render(&scan.tally, None);
        let line = |label: &str| {
            text.lines()
                .find(|l| l.contains(label))
                .unwrap_or_else(|| panic!("no {label} in\n{text}"))
                .to_string()
        };
        assert!(
            line("documents (seen in the output)").contains(" 4 "),
            "{text}"
        );
        assert!(line("documents with records").contains("3 (75.0 %)"));
        assert!(line("│ records ").contains(" 4 "));
        assert!(line("errors: empty").contains(" 1 "));
        assert!(line("quotes: direct").contains("2 (50.0 %)"));
        assert!(line("speakers: unknown").contains("1 (25.0 %)"));
        assert!(line("canonical name").contains("3 (75.0 %)"));
        assert!(line("mean confidence").contains("0.500"));
        assert!(line("claims: checkworthy").contains("1 (100.0 %)"));
        assert!(line("Mira Solberg").contains(" 3 "));
        assert!(line("stance target").contains("score ≥ 0.5"), "{text}");
        let per_target = line("│ harbour bridge ");
        assert!(
            per_target.contains(" 1 ") && per_target.matches(" 1 ").count() == 3,
            "favor 1, below threshold 1, not mentioned 1: {per_target}"
        );
        assert!(
            text.lines()
                .any(|l| l.contains("Mira Solberg") && l.contains("harbour bridge")),
            "a speaker-target row: {text}"
        );
        let with_manifest = render(&scan.tally, Some(12));
        assert!(with_manifest.contains("documents "));
        assert!(with_manifest.contains(" 12 "));
    }

    #[test]
    fn json_has_the_same_figures() {
        let scan = aggregate::scan_reader(
            sample_jsonl().as_bytes(),
            0,
            aggregate::DEFAULT_MIN_STANCE_SCORE,
        )
        .unwrap();
        let v = to_json(&scan.tally, None);
        assert_eq!(v["records"], 4);
        assert_eq!(v["documents"], 4);
        assert_eq!(v["quote_kinds"]["mixed"], 1);
        assert_eq!(v["top_speakers"][0]["name"], "Mira Solberg");
        assert_eq!(v["stance"]["harbour bridge"]["favor"], 1);
        assert_eq!(
            v["stance_set_aside"]["harbour bridge"]["below_threshold"],
            1
        );
        assert_eq!(v["speaker_stance"][0]["name"], "Mira Solberg");
        assert_eq!(
            v["speaker_stance"][0]["stance"]["harbour bridge"]["favor"],
            1
        );
    }
}
