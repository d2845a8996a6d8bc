//! Attribution: finding quotes (direct, indirect, mixed), their cues and the local mention of
//! their source. Extractors report byte ranges of the normalised text; resolving the source
//! mention to a canonical speaker is the job of [`crate::speakers`].

pub mod furniture;
pub mod kind;
pub mod rules;
pub mod tagger;

use crate::document::Document;
use crate::error::{Error, Result};
use crate::models::{ModelInfo, Precision, Task, MANIFEST_FILE};
use crate::span::NormRange;
use crate::text::Analysis;
use serde::{Deserialize, Serialize};

/// How the content is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuoteKind {
    /// Verbatim, inside quote marks.
    Direct,
    /// Reported speech without quote marks.
    Indirect,
    /// Reported speech that contains quoted fragments.
    Mixed,
}

impl QuoteKind {
    /// The contract's name.
    pub fn as_str(self) -> &'static str {
        match self {
            QuoteKind::Direct => "direct",
            QuoteKind::Indirect => "indirect",
            QuoteKind::Mixed => "mixed",
        }
    }
}

/// One attribution found in a document: what was said, how it was introduced, and by whom
/// (as a local mention). All ranges are byte ranges of the normalised text.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribution {
    /// The content: one range, or several when the quote is interrupted ("...," he said, "...").
    /// Ranges are in text order and do not overlap.
    pub content: Vec<NormRange>,
    /// Direct, indirect or mixed.
    pub kind: QuoteKind,
    /// The cue ("said", "according to"), when there is one.
    pub cue: Option<NormRange>,
    /// The local source mention next to the cue ("he", "the Kremlin", "Sherman").
    pub source: Option<NormRange>,
    /// How sure the extractor is that this is a correct attribution (0..=1).
    pub confidence: f32,
}

/// Something that finds attributions in analysed documents. Implementations must be usable from
/// many threads (the pipeline calls `extract` from every rayon worker at once).
pub trait Extractor: Send + Sync {
    /// A short name with version, as written into records' provenance (`rules@0.1.0`).
    fn id(&self) -> String;

    /// What the run manifest records about the model behind [`Extractor::id`]. The default
    /// suits extractors without weights.
    fn model_info(&self) -> ModelInfo {
        ModelInfo::without_weights(&self.id())
    }

    /// Finds the attributions of one document, in text order. An error (a model that fails to
    /// run) concerns this document only: it becomes the document's error line.
    fn extract(&self, doc: &Document, analysis: &Analysis) -> Result<Vec<Attribution>>;
}

/// Which extractor runs (`--extractor`).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExtractorChoice {
    /// The trained tagger.
    #[default]
    Model,
    /// The trained tagger, with the rules adding quotations it missed (on PolNeAR dev this
    /// does not help: content F1 72.5 against 72.7 for the model alone).
    ModelRules,
    /// The rule-based baseline (quote marks, cue lexicon, speaker patterns).
    Rules,
}

/// Builds the chosen extractor. `models` is `--models DIR`: a model folder, or a folder holding
/// model folders; without it the model shipped in `models/` is used. `batch_size` is the
/// tagger's windows per forward pass on the GPU; `precision` how it computes on the CPU.
pub fn build_extractor(
    choice: ExtractorChoice,
    models: Option<&std::path::Path>,
    batch_size: usize,
    precision: Precision,
) -> Result<Box<dyn Extractor>> {
    let model_dir = match models {
        None => Task::Attribution.default_dir(),
        Some(dir) => crate::models::find(dir, Task::Attribution).ok_or_else(|| {
            Error::Model(format!(
                "--models {}: no {} model there (a folder with {MANIFEST_FILE} and {})",
                dir.display(),
                Task::Attribution.manifest_task(),
                Task::Attribution.weights_file()
            ))
        })?,
    };
    let options = tagger::TaggerOptions {
        model_dir,
        batch_size,
        precision,
        fill_from_rules: choice == ExtractorChoice::ModelRules,
        ..tagger::TaggerOptions::default_model()
    };
    Ok(match choice {
        ExtractorChoice::Rules => Box::new(rules::RulesExtractor::new()),
        ExtractorChoice::Model | ExtractorChoice::ModelRules => {
            Box::new(tagger::TaggerExtractor::load(options).map_err(|e| match e {
                Error::Model(m) => Error::Model(format!(
                    "{m}\n(the rule-based extractor needs no model: --extractor rules)"
                )),
                other => other,
            })?)
        }
    })
}
