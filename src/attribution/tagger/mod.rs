//! The learned extractor: all-MiniLM-L6-v2 fine-tuned on PolNeAR as a BIO tagger over
//! Source / Cue / Content wordpieces ([`labels`]), run over paragraph-packed windows of whole
//! documents ([`windows`]), decoded under the BIO constraint and linked into attributions
//! ([`link`]). Training lives in [`crate::train`]; this module is what `extract` runs.
//!
//! A model folder holds `manifest.json` ([`crate::models::ModelManifest`]) and
//! `tagger.safetensors`, the trained tensors as a half-precision delta over the base model
//! ([`net`]). Scoring a document is [`scoring`]; training reads the tagger through
//! [`training`]; rule merging for `--extractor model-rules` is [`merge`].

pub mod labels;
pub mod link;
pub mod merge;
pub mod net;
pub mod scoring;
pub mod subject;
pub mod training;
pub mod windows;

use crate::attribution::rules::RulesExtractor;
use crate::attribution::{Attribution, Extractor};
use crate::document::Document;
use crate::error::{Error, Result};
use crate::models::base::base_model_dir;
use crate::models::{ModelFolder, ModelInfo, ModelManifest, Precision, Task};
use crate::text::Analysis;
use merge::fill_gaps;
use net::Tagger;
use scoring::{tag_document, Batched, CpuTagger, TagSetup, WindowScorer};
use std::path::PathBuf;
use std::sync::Mutex;
use tch::Device;

/// Windows per forward pass on the GPU unless told otherwise (the CPU runs one at a time).
pub const DEFAULT_BATCH_SIZE: usize = 8;

/// How [`TaggerExtractor`] runs.
#[derive(Debug, Clone)]
pub struct TaggerOptions {
    /// The model folder.
    pub model_dir: PathBuf,
    /// The base model folder.
    pub base_dir: PathBuf,
    /// Where the network runs.
    pub device: Device,
    /// Windows per forward pass on the GPU.
    pub batch_size: usize,
    /// How the linear layers compute on the CPU.
    pub precision: Precision,
    /// Add the rule extractor's attributions where the model found no content.
    pub fill_from_rules: bool,
}

impl TaggerOptions {
    /// The default model on the CPU (or the GPU when one is available).
    pub fn default_model() -> Self {
        TaggerOptions {
            model_dir: Task::Attribution.default_dir(),
            base_dir: base_model_dir(),
            device: Device::cuda_if_available(),
            batch_size: DEFAULT_BATCH_SIZE,
            precision: Precision::default(),
            fill_from_rules: false,
        }
    }

    /// The precision the network really runs at: the GPU always runs rust-bert in f32.
    fn effective_precision(&self) -> Precision {
        match self.device {
            Device::Cpu => self.precision,
            _ => Precision::F32,
        }
    }
}

/// A loaded network as the extractor runs it.
enum Runner {
    /// rust-bert's BERT in padded batches (the GPU).
    Batched(Box<Tagger>),
    /// [`CpuBert`], one window at a time.
    Cpu(CpuTagger),
}

/// The learned extractor. Each worker thread borrows a network from a small pool (libtorch
/// modules are not `Sync`), so N rayon workers run N single-threaded forward passes side by
/// side; callers set libtorch's intra-op threads to 1 when they run several workers.
pub struct TaggerExtractor {
    options: TaggerOptions,
    manifest: ModelManifest,
    info: ModelInfo,
    setup: TagSetup,
    pool: Mutex<Vec<Runner>>,
    rules: Option<RulesExtractor>,
}

impl TaggerExtractor {
    /// Loads a model folder; fails with a clear message when it or the base model is missing.
    pub fn load(options: TaggerOptions) -> Result<Self> {
        let folder = ModelFolder::open(&options.model_dir, Task::Attribution)?;
        let setup = TagSetup::new(&options.base_dir, folder.manifest.max_pieces())?;
        let mut info = folder.info(options.effective_precision());
        if options.fill_from_rules {
            info.id = format!("{}+rules@{}", info.id, crate::VERSION);
        }
        if options.device == Device::Cpu {
            // One libtorch thread per rayon worker: the workers already fill the cores.
            tch::set_num_threads(1);
        }
        let mut extractor = TaggerExtractor {
            rules: options.fill_from_rules.then(RulesExtractor::new),
            options,
            manifest: folder.manifest,
            info,
            setup,
            pool: Mutex::new(Vec::new()),
        };
        // Load one network now, so that a broken model fails the run before any document.
        let first = extractor.load_runner()?;
        extractor
            .pool
            .get_mut()
            .map_err(|_| poisoned())?
            .push(first);
        Ok(extractor)
    }

    fn load_runner(&self) -> Result<Runner> {
        let o = &self.options;
        let tagger = Tagger::load(&o.model_dir, &o.base_dir, o.device)?;
        if o.device != Device::Cpu {
            return Ok(Runner::Batched(Box::new(tagger)));
        }
        Ok(Runner::Cpu(CpuTagger::new(&tagger, o.precision)?))
    }

    /// The model's manifest.
    pub fn manifest(&self) -> &ModelManifest {
        &self.manifest
    }

    fn with_scorer<T>(&self, f: impl FnOnce(&dyn WindowScorer) -> Result<T>) -> Result<T> {
        let pooled = self.pool.lock().map_err(|_| poisoned())?.pop();
        let runner = match pooled {
            Some(r) => r,
            None => self.load_runner()?,
        };
        let out = match &runner {
            Runner::Batched(tagger) => f(&Batched {
                net: tagger.net(),
                device: self.options.device,
                batch_size: self.options.batch_size,
            }),
            Runner::Cpu(cpu) => f(cpu),
        };
        if let Ok(mut pool) = self.pool.lock() {
            pool.push(runner);
        }
        out
    }
}

fn poisoned() -> Error {
    Error::Model("tagger pool poisoned".into())
}

impl Extractor for TaggerExtractor {
    fn id(&self) -> String {
        self.info.id.clone()
    }

    fn model_info(&self) -> ModelInfo {
        self.info.clone()
    }

    fn extract(&self, doc: &Document, analysis: &Analysis) -> Result<Vec<Attribution>> {
        let spans = self.with_scorer(|scorer| tag_document(scorer, &self.setup, analysis))?;
        let mut found = link::link(analysis, &spans);
        if let Some(rules) = &self.rules {
            fill_gaps(&mut found, rules.extract(doc, analysis)?);
        }
        Ok(found)
    }
}
