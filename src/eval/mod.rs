//! Evaluation against PolNeAR-style brat annotations (`newsquotes eval`).
//!
//! The gold side is a brat folder (`DIR/text/*.txt`, `DIR/attributions/*.ann`, see [`brat`]); the
//! predicted side is either a JSONL file of contract records (`--pred`) or the pipeline run over
//! `DIR/text` on the spot. Both are reduced to [`EvalAttribution`]s (code-point spans into the
//! original text) and scored by [`evaluate`], which is pure so tests can build both sides by hand.
//!
//! # Metrics
//! All figures are micro-averaged over documents (counts are summed, then divided).
//!
//! * **content**: every content is the *set* of code-point positions of its spans after trimming
//!   whitespace, punctuation and quote marks (`" “ ” ‘ ’ ' « » „` and the like) off both ends of
//!   each span. Gold and predicted contents are matched one-to-one when their character Jaccard
//!   index is at least 0.5. The matching is *greedy by best score* (all candidate pairs sorted by
//!   Jaccard, ties broken by position), not an optimal assignment; with PolNeAR's mostly disjoint
//!   contents the two rarely differ. Two predictions overlapping one gold content thus give one
//!   true positive and one false positive.
//! * **content_exact**: the same one-to-one matching, but only identical trimmed sets match.
//! * **content_source**: a content match (Jaccard matching) whose predicted speaker mention shares
//!   at least one character with the gold Source span(s). When the gold attribution has no Source
//!   (`Attribution-no-source`), the pair counts only if the prediction has no mention either.
//!   False positives are all other predictions, false negatives all other gold attributions.
//! * **content_cue**: likewise with the predicted cue span and the gold Cue span(s).
//!
//! Precision, recall or F1 whose denominator is zero are reported as 0.
//!
//! # Recall by kind
//! Each gold content is classified from the original text (untrimmed spans, see
//! [`metrics::classify_kind`]):
//! * **direct**: every span is quoted, i.e. its text (ignoring surrounding whitespace) starts with
//!   an opening quote mark and ends with a closing one (optionally followed by `. , ; : ! ?`), or
//!   the character just before the span is a quote mark and the character just after it (after at
//!   most one of `. , ; : ! ?`) is one;
//! * **mixed**: not direct, but some span contains a quote mark;
//! * **indirect**: no quote marks at all.
//!
//! Double quote marks (`" “ ” « » „`) always count. Single marks (`' ‘ ’`) count only when they are
//! not an apostrophe: a mark between two letters or digits (`don’t`, `Clinton’s`) or right after
//! a letter and before a non-letter (`voters’ concerns`, a plural possessive) is ignored inside a
//! content, so possessives do not turn indirect speech into mixed. Such a mark still closes a
//! direct quote at the very end of a span.

pub mod brat;
pub mod classes;
pub mod classify;
pub mod matching;
pub mod metrics;
pub mod report;

pub use crate::attribution::ExtractorChoice;
use crate::attribution::{build_extractor, Extractor};
use crate::document::Document;
use crate::error::{Error, Result};
use crate::models::Precision;
use crate::pipeline::{BatchOptions, Pipeline};
use crate::record::Record;
use crate::span::{DocId, Span};
use serde::Deserialize;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

pub use brat::{read_gold_dir, GoldDoc, GoldSet};
pub use report::Report;

/// Minimum character Jaccard index for two contents to match.
pub const MIN_JACCARD: f64 = 0.5;

/// One attribution reduced to what evaluation compares: code-point spans into the original
/// text of its document. Gold attributions come from brat events, predicted ones from records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvalAttribution {
    /// The content spans, in text order.
    pub content: Vec<Span>,
    /// The source (speaker mention) spans; empty when there is none.
    pub source: Vec<Span>,
    /// The cue spans; empty when there is none.
    pub cue: Vec<Span>,
    /// The prediction's confidence (`speaker.confidence`); `None` for gold.
    pub confidence: Option<f32>,
}

impl EvalAttribution {
    /// The evaluation view of a contract record: its quote spans, speaker mention and cue.
    pub fn from_record(r: &Record) -> Self {
        EvalAttribution {
            content: r.quote.spans.clone(),
            source: r.speaker.mention.iter().map(|m| m.span).collect(),
            cue: r.cue.iter().map(|c| c.span).collect(),
            confidence: Some(r.speaker.confidence),
        }
    }
}

/// The predicted side: attributions per document, plus the documents that failed.
#[derive(Debug, Clone, Default)]
pub struct Predictions {
    /// Predicted attributions by document id; a document absent here has no predictions.
    pub by_doc: HashMap<DocId, Vec<EvalAttribution>>,
    /// Error lines (documents the extraction could not process).
    pub errors: usize,
}

impl Predictions {
    /// Adds one predicted attribution to a document.
    pub fn push(&mut self, doc: DocId, attribution: EvalAttribution) {
        self.by_doc.entry(doc).or_default().push(attribution);
    }
}

/// Options of `newsquotes eval`.
#[derive(clap::Args, Debug, Clone)]
pub struct EvalArgs {
    /// Gold brat folder with `text/*.txt` and `attributions/*.ann`.
    #[arg(long)]
    pub gold: PathBuf,
    /// Predicted records (JSONL, contract format); without it the extractor runs over the gold texts.
    #[arg(long)]
    pub pred: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Extractor used when no `--pred` is given.
    #[arg(long, value_enum, default_value_t = ExtractorChoice::Model)]
    pub extractor: ExtractorChoice,
    /// Model folder (or folder of model folders) for the model extractors.
    #[arg(long)]
    pub models: Option<PathBuf>,
    /// Worker threads for extraction (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// How the model computes on the CPU.
    #[arg(long, value_enum, default_value_t = Precision::default())]
    pub precision: Precision,
}

/// Runs `newsquotes eval`: reads the gold folder, obtains predictions, scores them and prints the
/// table (or the JSON object with `--json`) on stdout. Warnings go to stderr.
pub fn run(args: &EvalArgs) -> Result<Report> {
    let gold = read_gold_dir(&args.gold)?;
    let preds = match &args.pred {
        Some(path) => read_predictions(path)?,
        None => {
            let extractor = build_extractor(
                args.extractor,
                args.models.as_deref(),
                crate::attribution::tagger::DEFAULT_BATCH_SIZE,
                args.precision,
            )?;
            predict(&gold, extractor, args.threads)?
        }
    };
    let report = evaluate(&gold, &preds);
    for warning in report.warnings.describe() {
        eprintln!("warning: {warning}");
    }
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print!("{}", report.to_table());
    }
    Ok(report)
}

/// Scores predictions against gold (see the module documentation for the metrics). Only the gold
/// documents are evaluated; predictions for other documents are counted as a warning.
pub fn evaluate(gold: &GoldSet, preds: &Predictions) -> Report {
    let mut totals = metrics::Totals::default();
    let empty = Vec::new();
    for doc in &gold.docs {
        let predicted = preds.by_doc.get(&doc.id).unwrap_or(&empty);
        totals.add(&metrics::score_document(
            &doc.text, &doc.attributions, predicted,
        ));
    }
    let known: std::collections::HashSet<&DocId> = gold.docs.iter().map(|d| &d.id).collect();
    let unknown_pred_docs = preds.by_doc.keys().filter(|k| !known.contains(k)).count();
    let mut warnings = gold.warnings.clone();
    warnings.unknown_pred_docs = unknown_pred_docs;
    Report::new(gold.docs.len(), preds.errors, totals, warnings)
}

/// The part of a contract record that evaluation reads. Deserialising only these fields keeps
/// evaluation working on records that carry more (or newer) fields.
#[derive(Deserialize)]
struct PredLine {
    doc_id: DocId,
    quote: PredQuote,
    cue: Option<PredSpan>,
    speaker: PredSpeaker,
}

#[derive(Deserialize)]
struct PredQuote {
    spans: Vec<Span>,
}

#[derive(Deserialize)]
struct PredSpan {
    span: Span,
}

#[derive(Deserialize)]
struct PredSpeaker {
    mention: Option<PredSpan>,
    #[serde(default)]
    confidence: Option<f32>,
}

/// Reads a JSONL file of contract records. Error lines (objects with an `error` field) are
/// counted; a line that is neither a record nor an error line stops the run, since scoring a
/// silently truncated prediction file would give misleading figures.
pub fn read_predictions(path: &Path) -> Result<Predictions> {
    let file = std::fs::File::open(path).map_err(|source| Error::Path {
        path: path.to_path_buf(),
        source,
    })?;
    parse_predictions(BufReader::new(file), &path.display().to_string())
}

/// Parses JSONL predictions from any reader; `name` labels error messages.
pub fn parse_predictions(reader: impl BufRead, name: &str) -> Result<Predictions> {
    let mut preds = Predictions::default();
    for (i, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |e: serde_json::Error| Error::Invalid(format!("{name}:{}: {e}", i + 1));
        let value: serde_json::Value = serde_json::from_str(&line).map_err(bad)?;
        if value.get("error").is_some() {
            preds.errors += 1;
            continue;
        }
        let rec: PredLine = serde_json::from_value(value).map_err(bad)?;
        if rec.quote.spans.is_empty() {
            continue;
        }
        preds.push(
            rec.doc_id,
            EvalAttribution {
                content: rec.quote.spans,
                source: rec.speaker.mention.map(|m| m.span).into_iter().collect(),
                cue: rec.cue.map(|c| c.span).into_iter().collect(),
                confidence: rec.speaker.confidence,
            },
        );
    }
    Ok(preds)
}

/// Runs the chosen extractor over the gold texts through the extraction pipeline, as
/// `extract` runs it, documents in parallel.
pub fn predict(
    gold: &GoldSet,
    extractor: Box<dyn Extractor>,
    threads: Option<usize>,
) -> Result<Predictions> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        builder = builder.num_threads(n);
    }
    let pool = builder
        .build()
        .map_err(|e| Error::Invalid(format!("thread pool: {e}")))?;
    predict_with(gold, &Pipeline::extraction(extractor), &pool)
}

/// The predictions of `pipeline` over the gold texts, on `pool`.
pub fn predict_with(
    gold: &GoldSet,
    pipeline: &Pipeline,
    pool: &rayon::ThreadPool,
) -> Result<Predictions> {
    let docs = gold
        .docs
        .iter()
        .map(|g| Ok(Document::new(g.id.0.clone(), g.text.clone())));
    let mut preds = Predictions::default();
    pipeline.run(docs, pool, BatchOptions::default(), |outcome| {
        match outcome.result {
            Ok(records) => {
                let list = preds.by_doc.entry(outcome.doc_id).or_default();
                list.extend(records.iter().map(EvalAttribution::from_record));
            }
            Err(e) => {
                eprintln!("warning: extraction failed: {e}");
                preds.errors += 1;
            }
        }
        Ok::<_, Error>(())
    })?;
    Ok(preds)
}
