//! `newsquotes report`: turns an `extract` output into one self-contained HTML page of charts
//! (most-quoted speakers, speaker kinds, quotes per document, quotes over time, quote kinds,
//! stance by target) and a searchable table of quotes shown in their source context.
//!
//! The output is read once, streaming ([`aggregate`]); the source context is read back from
//! the inputs named by the run manifest beside the output ([`crate::run::manifest::read_facts`], [`context`]).

pub mod aggregate;
pub mod charts;
pub mod context;
pub mod dates;
pub mod html;

use crate::error::Result;
use aggregate::{percent, Scan, Tally, QUOTE_KINDS, SPEAKER_KINDS, STANCE_LABELS};
use html::{Figure, Page, Section};
use std::path::PathBuf;

/// Rows of the quote table at most; a larger output is summarised in full by the charts but
/// only its first rows are listed, so the page stays usable in a browser.
pub const MAX_ROWS: usize = 5000;

/// Speaker-target pairs in the stance chart at most.
const MAX_STANCE_BARS: usize = 60;

/// Options of `newsquotes report`.
#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// The output of `newsquotes extract`, in any of its formats (JSONL, CSV, Parquet; a
    /// split output by its `-o` name).
    pub output: PathBuf,
    /// The HTML file to write (`--out` is accepted too).
    #[arg(short = 'o', long = "output", alias = "out")]
    pub html: PathBuf,
    /// Speakers shown in the speaker and stance charts.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Page title (default: "Quotes in" and the output's file name).
    #[arg(long)]
    pub title: Option<String>,
    /// Count a stance answer in the charts only when the model gave it with at least this
    /// score (a calibrated probability); answers of the target gate never count.
    #[arg(long, default_value_t = aggregate::DEFAULT_MIN_STANCE_SCORE)]
    pub min_stance_score: f32,
}

/// Runs `newsquotes report`: reads the output (and its manifest and inputs when present) and
/// writes the page atomically.
pub fn run(args: &ReportArgs) -> Result<()> {
    let scan = aggregate::scan(&args.output, MAX_ROWS, args.min_stance_score)?;
    let mut notes = Vec::new();
    let manifest = match crate::run::manifest::read_facts(&args.output) {
        Ok(m) => m,
        Err(e) => {
            notes.push(format!("The run manifest could not be used ({e})."));
            None
        }
    };
    let inputs = manifest
        .as_ref()
        .map(|m| m.resolved_inputs(&args.output))
        .unwrap_or_default();
    aggregate::refuse_empty(
        &args.output,
        &scan.tally,
        manifest.as_ref().and_then(|m| m.documents),
    )?;
    let contexts = match &manifest {
        Some(m) if !inputs.is_empty() => {
            Some(context::attach(&inputs, m.read_options(), &scan.rows))
        }
        _ => None,
    };
    let title = args.title.clone().unwrap_or_else(|| {
        let name = args
            .output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| args.output.display().to_string());
        format!("Quotes in {name}")
    });
    notes.extend(data_notes(&scan, manifest.is_some(), contexts.as_ref()));
    let documents = scan
        .tally
        .documents(manifest.as_ref().and_then(|m| m.documents));
    let page = Page {
        title,
        figures: figures(&scan.tally, documents),
        notes,
        sections: sections(&scan.tally, documents, args.top)?,
        rows: &scan.rows,
        contexts: contexts.as_ref().map(|c| c.rows.as_slice()),
    };
    crate::atomic::write_atomically(&args.html, html::render(&page).as_bytes())
}

/// Notes on what the page leaves out or could not find.
fn data_notes(
    scan: &Scan,
    has_manifest: bool,
    contexts: Option<&context::Contexts>,
) -> Vec<String> {
    let t = &scan.tally;
    let mut notes = Vec::new();
    if t.records > scan.rows.len() as u64 {
        notes.push(format!(
            "The table lists the first {} of {} records; the charts count all of them.",
            scan.rows.len(),
            t.records
        ));
    }
    if !has_manifest {
        notes.push(
            "No run manifest beside the output: documents are counted from the output lines \
             (documents without records are missed) and quotes are shown without context."
                .to_string(),
        );
    }
    if let Some(c) = contexts {
        let missing = c.rows.iter().filter(|r| r.is_none()).count();
        if missing > 0 {
            notes.push(format!(
                "Source context unavailable for {missing} of {} rows ({} did not match their \
                 document's text).",
                c.rows.len(),
                c.mismatched
            ));
        }
    }
    if let Some((line, problem)) = &scan.first_bad_line {
        notes.push(format!(
            "{} damaged line(s) skipped; the first is line {line}: {problem}",
            t.bad_lines
        ));
    }
    notes
}

/// The headline figures.
fn figures(t: &Tally, documents: u64) -> Vec<Figure> {
    let f = |label: &str, value: String| Figure {
        label: label.to_string(),
        value,
    };
    let mut out = vec![
        f("documents", documents.to_string()),
        f("with records", t.documents_with_records().to_string()),
        f("records", t.records.to_string()),
        f("errors", t.error_lines.to_string()),
        f("speakers", t.distinct_speakers().to_string()),
        f(
            "named speaker",
            format!("{:.1} %", t.percent_of_records(t.named)),
        ),
    ];
    if let Some(c) = t.mean_confidence() {
        out.push(f("mean confidence", format!("{c:.2}")));
    }
    for (kind, n) in &t.errors_by_kind {
        out.push(f(&format!("errors: {kind}"), n.to_string()));
    }
    out
}

/// Groups records-per-document values into histogram bins: one per value up to 30, else about
/// 25 bins of equal width.
fn per_document_bins(values: &[u64]) -> Vec<(String, u64)> {
    let max = values.iter().copied().max().unwrap_or(0);
    let width = if max <= 30 { 1 } else { (max + 1).div_ceil(25) };
    let mut bins = vec![0u64; (max / width + 1) as usize];
    for v in values {
        bins[(v / width) as usize] += 1;
    }
    bins.into_iter()
        .enumerate()
        .map(|(i, n)| {
            let lo = i as u64 * width;
            let label = if width == 1 {
                lo.to_string()
            } else {
                format!("{lo}–{}", lo + width - 1)
            };
            (label, n)
        })
        .collect()
}

/// The chart sections, in page order.
fn sections(t: &Tally, documents: u64, top: usize) -> Result<Vec<Section>> {
    let mut out = Vec::new();
    let speakers: Vec<(String, u64)> = t
        .top_speakers(top)
        .into_iter()
        .map(|(n, s)| (n.to_string(), s.records))
        .collect();
    out.push(Section {
        id: "chart-speakers",
        heading: format!("Most-quoted speakers (top {})", speakers.len()),
        note: speakers
            .is_empty()
            .then(|| "No records in this output.".to_string()),
        svg: (!speakers.is_empty())
            .then(|| charts::horizontal_bars(&speakers, "records"))
            .transpose()?,
    });
    let kinds: Vec<(String, u64)> = SPEAKER_KINDS
        .iter()
        .zip(t.speaker_kinds)
        .map(|(k, n)| (format!("{k} ({:.0} %)", t.percent_of_records(n)), n))
        .collect();
    out.push(Section {
        id: "chart-speaker-kinds",
        heading: "Speaker kinds".to_string(),
        note: None,
        svg: Some(charts::vertical_bars(&kinds, "speaker kind", "records")?),
    });
    let per_doc = per_document_bins(&t.records_per_document(documents));
    out.push(Section {
        id: "chart-per-document",
        heading: "Quotes per document".to_string(),
        note: Some(format!(
            "{} of {documents} documents have records ({:.0} %).",
            t.documents_with_records(),
            percent(t.documents_with_records(), documents)
        )),
        svg: Some(charts::vertical_bars(
            &per_doc,
            "records in the document",
            "documents",
        )?),
    });
    out.push(time_section(t)?);
    let shares: Vec<(String, u64)> = QUOTE_KINDS
        .iter()
        .zip(t.quote_kinds)
        .map(|(k, n)| (format!("{k} ({:.1} %)", t.percent_of_records(n)), n))
        .collect();
    out.push(Section {
        id: "chart-quote-kinds",
        heading: "Direct, indirect and mixed quotes".to_string(),
        note: None,
        svg: Some(charts::horizontal_bars(&shares, "records")?),
    });
    out.push(gender_section(t)?);
    out.push(stance_section(t, top)?);
    out.push(outlet_section(t, top)?);
    out.push(checkworthy_section(t)?);
    Ok(out)
}

/// Most outlets and months shown in the gender chart.
const MAX_GENDER_BARS: usize = 24;

/// Quotes of named people by gender (`speaker.gender`, from the text): overall, per month and
/// per outlet (`meta.source`).
fn gender_section(t: &Tally) -> Result<Section> {
    let heading = "Quotes of named people by gender".to_string();
    let total: u64 = t.gender.iter().sum();
    if total == 0 {
        return Ok(Section {
            id: "chart-gender",
            heading,
            note: Some("No quotes of named people in this output.".to_string()),
            svg: None,
        });
    }
    let label = |name: String, c: &[u64; 3]| {
        let told = c[0] + c[1];
        let share = if told == 0 {
            "no gender told".to_string()
        } else {
            format!("{:.0} % women", 100.0 * c[0] as f64 / told as f64)
        };
        (format!("{name} ({share})"), *c)
    };
    let mut bars = vec![label("all".to_string(), &t.gender)];
    let months: Vec<_> = t.gender_by_date.iter().collect();
    let skip = months.len().saturating_sub(MAX_GENDER_BARS);
    for (d, c) in months.into_iter().skip(skip) {
        bars.push(label(format!("{:04}-{:02}", d.year, d.month), c));
    }
    let mut sources: Vec<_> = t.gender_by_source.iter().collect();
    sources.sort_by(|a, b| {
        b.1.iter()
            .sum::<u64>()
            .cmp(&a.1.iter().sum::<u64>())
            .then(a.0.cmp(b.0))
    });
    for (s, c) in sources.into_iter().take(MAX_GENDER_BARS) {
        bars.push(label(s.clone(), c));
    }
    Ok(Section {
        id: "chart-gender",
        heading,
        note: Some(
            "Gender comes from the text (pronouns, Mr./Ms., role nouns such as spokeswoman), \
             aggregated per speaker key; \"not told\" where the text gives no evidence. Rows: \
             all, by month (meta.date), by outlet (meta.source)."
                .to_string(),
        ),
        svg: Some(charts::stacked(&bars, aggregate::GENDERS)?),
    })
}

/// Quotes per outlet (`meta.source`), the largest first, when the records carry one.
fn outlet_section(t: &Tally, top: usize) -> Result<Section> {
    let mut outlets: Vec<(String, u64)> = t
        .outlets
        .iter()
        .map(|(name, n)| (name.clone(), *n))
        .collect();
    outlets.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let total = outlets.len();
    outlets.truncate(top);
    let without: u64 = t.records - t.outlets.values().sum::<u64>();
    if outlets.is_empty() {
        return Ok(Section {
            id: "chart-outlets",
            heading: "Quotes per outlet".to_string(),
            note: Some("No outlets in this output (records carry no meta.source).".to_string()),
            svg: None,
        });
    }
    // One bar per outlet, split by quote kind; the note names each outlet's top speakers.
    let bars: Vec<(String, [u64; 3])> = outlets
        .iter()
        .map(|(name, n)| {
            let kinds = t.outlet_kinds.get(name).copied().unwrap_or_default();
            (format!("{name} ({n})"), kinds)
        })
        .collect();
    let mut note = String::from("Bars: direct, indirect and mixed quotes. Top speakers: ");
    let lines: Vec<String> = outlets
        .iter()
        .map(|(name, _)| {
            let mut speakers: Vec<(&String, &u64)> = t
                .outlet_speakers
                .get(name)
                .map(|m| m.iter().collect())
                .unwrap_or_default();
            speakers.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
            let top3: Vec<String> = speakers
                .iter()
                .take(3)
                .map(|(s, n)| format!("{s} ({n})"))
                .collect();
            format!("{name}: {}", top3.join(", "))
        })
        .collect();
    note.push_str(&lines.join("; "));
    note.push('.');
    if without > 0 {
        note.push_str(&format!(" {without} records have no meta.source."));
    }
    Ok(Section {
        id: "chart-outlets",
        heading: format!("Quotes per outlet (top {} of {total})", outlets.len()),
        note: Some(note),
        svg: Some(charts::stacked(&bars, QUOTE_KINDS)?),
    })
}

/// The share of quotes the check-worthiness model found worth checking.
fn checkworthy_section(t: &Tally) -> Result<Section> {
    if t.claims == 0 {
        return Ok(Section {
            id: "chart-checkworthy",
            heading: "Check-worthy quotes".to_string(),
            note: Some(
                "No check-worthiness scores in this output (run without --no-claims).".to_string(),
            ),
            svg: None,
        });
    }
    let share = percent(t.checkworthy, t.claims);
    let bars = vec![
        (format!("check-worthy ({share:.1} %)"), t.checkworthy),
        (
            format!("not check-worthy ({:.1} %)", 100.0 - share),
            t.claims - t.checkworthy,
        ),
    ];
    Ok(Section {
        id: "chart-checkworthy",
        heading: "Check-worthy quotes".to_string(),
        note: Some({
            let mut note = format!(
                "{} of {} scored quotes are check-worthy claims ({share:.1} %).",
                t.checkworthy, t.claims
            );
            if !t.top_checkworthy.is_empty() {
                note.push_str(" The most check-worthy: ");
                let top: Vec<String> = t
                    .top_checkworthy
                    .iter()
                    .map(|(score, who, quote)| {
                        let short: String = quote.chars().take(140).collect();
                        let more = if short.len() < quote.len() { "…" } else { "" };
                        format!("{score:.2} {who}: “{short}{more}”")
                    })
                    .collect();
                note.push_str(&top.join(" · "));
            }
            note
        }),
        svg: Some(charts::horizontal_bars(&bars, "records")?),
    })
}

fn time_section(t: &Tally) -> Result<Section> {
    let (granularity, buckets) = dates::buckets(&t.dates);
    let undated = (t.undated > 0).then(|| format!("{} records have no usable date.", t.undated));
    if buckets.is_empty() {
        return Ok(Section {
            id: "chart-time",
            heading: "Quotes over time".to_string(),
            note: Some("No dates in this output (records carry no meta.date).".to_string()),
            svg: None,
        });
    }
    let unit = match granularity {
        dates::Granularity::Day => "day",
        dates::Granularity::Month => "month",
        dates::Granularity::Year => "year",
    };
    Ok(Section {
        id: "chart-time",
        heading: format!("Quotes over time (by {unit})"),
        note: undated,
        svg: Some(charts::vertical_bars(&buckets, unit, "records")?),
    })
}

fn stance_section(t: &Tally, top: usize) -> Result<Section> {
    let heading = "Stance by target, top speakers".to_string();
    if t.with_stance == 0 {
        return Ok(Section {
            id: "chart-stance",
            heading,
            note: Some("No stance in this output (run extract with --targets).".to_string()),
            svg: None,
        });
    }
    let mut bars = Vec::new();
    for (name, s) in t.top_speakers(top) {
        for (target, labels) in &s.stance {
            let counts = STANCE_LABELS.map(|l| labels.get(l).copied().unwrap_or(0));
            bars.push((format!("{name} · {target}"), counts));
        }
    }
    let cut = bars.len() > MAX_STANCE_BARS;
    bars.truncate(MAX_STANCE_BARS);
    let (gated, below) = t.stance_set_aside.values().fold((0, 0), |(g, b), a| {
        (g + a.target_not_mentioned, b + a.below_threshold)
    });
    let mut note = format!(
        "The model's answers with a score of at least {}; set aside: {below} below that \
         score, {gated} for targets the article never names.",
        t.min_stance_score
    );
    if cut {
        note.push_str(&format!(
            " Only the first {MAX_STANCE_BARS} speaker-target pairs are shown."
        ));
    }
    Ok(Section {
        id: "chart-stance",
        heading,
        note: Some(note),
        svg: Some(charts::stacked_stance(&bars)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_per_document_counts() {
        assert_eq!(
            per_document_bins(&[0, 0, 2]),
            [("0", 2), ("1", 0), ("2", 1)].map(|(l, n)| (l.to_string(), n))
        );
        let wide = per_document_bins(&[0, 99]);
        assert_eq!(wide[0], ("0–3".to_string(), 1));
        assert_eq!(wide.last().map(|b| b.1), Some(1));
        assert_eq!(per_document_bins(&[]), [("0".to_string(), 0)]);
    }

    #[test]
    fn writes_a_page_with_every_chart() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.jsonl");
        std::fs::write(&out, aggregate::tests::sample_jsonl()).unwrap();
        let html = dir.path().join("r.html");
        run(&ReportArgs {
            output: out,
            html: html.clone(),
            top: 5,
            title: None,
            min_stance_score: aggregate::DEFAULT_MIN_STANCE_SCORE,
        })
        .unwrap();
        let page = std::fs::read_to_string(html).unwrap();
        for id in [
            "chart-speakers", "chart-speaker-kinds", "chart-per-document", "chart-time",
            "chart-quote-kinds", "chart-gender", "chart-stance",
        ] {
            assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
        }
        // Seven charts, the check-worthy share; no outlets in these records (a note instead).
        assert_eq!(page.matches("<svg").count(), 8);
        assert!(page.contains("No outlets in this output"));
        assert_eq!(page.matches("<tr data-conf=").count(), 4);
        assert!(page.contains("No run manifest"));
    }
}
