//! Output records exactly as the contract defines them, and their construction from a document's
//! annotations. This is the only place where normalised byte ranges become original code-point
//! spans, so the offset guarantee (every span slices the original text to the record's text) is
//! enforced here.

use crate::attribution::{Attribution, QuoteKind};
use crate::document::{Document, Meta};
use crate::error::{DocError, DocErrorKind};
use crate::span::{DocId, NormRange, Span};
use crate::speakers::names::Gender;
use crate::speakers::{key::name_key, GenderEvidence, Speaker, SpeakerKind};
use crate::text::Analysis;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Separator between the slices of a quote that has several spans: `quote.text` is the slices of
/// `quote.spans` joined with it.
pub const SPAN_JOINER: &str = " ";

/// One attribution, as one JSON line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The document's id.
    pub doc_id: DocId,
    /// `DOC:START-END`, from the first span's start and the last span's end.
    pub quote_id: String,
    /// What was said.
    pub quote: Quote,
    /// The cue, if any.
    pub cue: Option<TextSpan>,
    /// Who said it.
    pub speaker: SpeakerRecord,
    /// Stance toward each requested target (empty without `--targets`).
    pub stance: Vec<Stance>,
    /// Check-worthiness of the content, when a claim model ran.
    pub claim: Option<Claim>,
    /// Input fields passed through.
    pub meta: Meta,
    /// What produced this record.
    pub provenance: Provenance,
}

/// The content of an attribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    /// The original text of the spans, joined with [`SPAN_JOINER`].
    pub text: String,
    /// Code-point spans into the original text.
    pub spans: Vec<Span>,
    /// Direct, indirect or mixed.
    pub kind: QuoteKind,
}

/// A piece of original text with its span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextSpan {
    /// Exactly the original text of `span`.
    pub text: String,
    /// Code-point span into the original text.
    pub span: Span,
}

/// The speaker part of a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakerRecord {
    /// The local mention next to the cue.
    pub mention: Option<TextSpan>,
    /// Canonical in-document name.
    pub name: Option<String>,
    /// Person, organisation, group or unknown.
    pub kind: SpeakerKind,
    /// Role or title.
    pub role: Option<String>,
    /// `DOC#eN`: shared by all quotes of one speaker in a document.
    pub entity: Option<String>,
    /// The speaker across the corpus ("donald trump"): the normalised name, set for the whole
    /// corpus by the run's speakers pass (`roster`); `None` for groups, descriptions and
    /// unresolved mentions.
    #[serde(default)]
    pub key: Option<String>,
    /// `female` / `male` from evidence in the text, aggregated per key over the corpus.
    #[serde(default)]
    pub gender: Option<Gender>,
    /// This document's evidence for the speaker's gender (what `gender` is aggregated from).
    #[serde(default, skip_serializing_if = "GenderEvidence::is_empty")]
    pub gender_evidence: GenderEvidence,
    /// Confidence of the attribution and resolution (0..=1).
    pub confidence: f32,
}

/// Stance of the quote toward one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stance {
    /// The target's name as given in the targets file.
    pub target: String,
    /// `favor`, `against` or `neutral`.
    pub label: String,
    /// Calibrated probability of `label`.
    pub score: f32,
    /// How the label was decided: by the model, or without it because the article never names
    /// the target. Lets an analysis keep only the model's answers (outputs written before this
    /// field existed read back as `model`).
    #[serde(default)]
    pub basis: Basis,
}

/// How a stance label was decided (`stance[].basis` in the contract).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The stance model answered for this (quote, target) pair.
    #[default]
    Model,
    /// The article never names the target (no content word of its names or aliases), so the
    /// answer is "neutral" without asking the model; the score is the gate's measured
    /// precision (see `classify::relevance`).
    TargetNotMentioned,
}

impl Basis {
    /// The contract's spelling, for tables and CSV cells.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Model => "model",
            Basis::TargetNotMentioned => "target_not_mentioned",
        }
    }
}

/// Check-worthiness of the content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    /// Whether the content is a check-worthy factual claim.
    pub checkworthy: bool,
    /// Probability of check-worthiness.
    pub score: f32,
}

/// What produced a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Pipeline version.
    pub pipeline: String,
    /// Stage name to `name@version#sha256-prefix` (or `rules@version`).
    pub models: BTreeMap<String, String>,
}

/// One line of a JSONL output: a record, or a document's error line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OutputLine {
    /// A document that could not be processed (tried first: records have no `error` field).
    Error(ErrorLine),
    /// One attribution.
    Record(Box<Record>),
}

impl OutputLine {
    /// Parses one line of a JSONL output.
    pub fn parse(line: &str) -> Result<Self, String> {
        serde_json::from_str(line).map_err(|_| {
            // An untagged enum's own message says nothing; the record's says which field.
            match serde_json::from_str::<Record>(line) {
                Err(e) => format!("not a record or error line: {e}"),
                Ok(_) => "not a record or error line".to_string(),
            }
        })
    }
}

/// The error line written for a document that could not be processed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorLine {
    /// The document's id.
    pub doc_id: DocId,
    /// What went wrong.
    pub error: ErrorBody,
}

/// The body of an error line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Machine-readable kind (`invalid_utf8`, `invalid_json`, ...).
    pub kind: String,
    /// Human-readable explanation.
    pub message: String,
}

impl From<&DocError> for ErrorLine {
    fn from(e: &DocError) -> Self {
        ErrorLine {
            doc_id: e.doc_id.clone(),
            error: ErrorBody {
                kind: e.kind.as_str().to_string(),
                message: e.message.clone(),
            },
        }
    }
}

/// Maps a normalised range to an original span and its exact text.
fn text_span(analysis: &Analysis, range: &NormRange) -> Result<TextSpan, String> {
    let span = analysis
        .norm
        .to_span(range.clone())
        .ok_or_else(|| format!("range {range:?} does not map to the original text"))?;
    Ok(TextSpan {
        text: analysis.norm.slice_original(span).to_string(),
        span,
    })
}

/// Builds the records of one document from its attributions, each with its resolved speaker.
/// Fails only if an extractor reported a range that does not map back to the original, which is
/// a bug: the document then gets an error line instead of records with wrong offsets.
pub fn build_records<'q>(
    doc: &Document,
    analysis: &Analysis,
    quotes: impl IntoIterator<Item = (&'q Attribution, &'q Speaker)>,
    provenance: &Provenance,
) -> Result<Vec<Record>, DocError> {
    let fail = |m: String| DocError::new(doc.id.0.clone(), DocErrorKind::Processing, m);
    let mut out = Vec::new();
    for (a, s) in quotes {
        let parts = a
            .content
            .iter()
            .map(|r| text_span(analysis, r))
            .collect::<Result<Vec<_>, _>>()
            .map_err(fail)?;
        let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
            continue;
        };
        let quote_id = format!("{}:{}-{}", doc.id, first.span.start, last.span.end);
        let text = parts
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join(SPAN_JOINER);
        let cue = a
            .cue
            .as_ref()
            .map(|r| text_span(analysis, r))
            .transpose()
            .map_err(fail)?;
        let mention = s
            .mention
            .as_ref()
            .map(|r| text_span(analysis, r))
            .transpose()
            .map_err(fail)?;
        out.push(Record {
            doc_id: doc.id.clone(),
            quote_id,
            quote: Quote {
                text,
                spans: parts.iter().map(|p| p.span).collect(),
                kind: a.kind,
            },
            cue,
            speaker: SpeakerRecord {
                mention,
                name: s.name.clone(),
                kind: s.kind,
                role: s.role.clone(),
                entity: s.entity.map(|e| format!("{}#e{}", doc.id, e.0)),
                key: s.name.as_deref().and_then(|n| name_key(n, s.kind)),
                gender: s.gender,
                gender_evidence: s.gender_evidence,
                confidence: s.confidence,
            },
            stance: Vec::new(),
            claim: None,
            meta: doc.meta.clone(),
            provenance: provenance.clone(),
        });
    }
    Ok(out)
}
