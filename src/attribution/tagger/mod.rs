//! The learned extractor: all-MiniLM-L6-v2 fine-tuned on PolNeAR as a BIO tagger over
//! Source / Cue / Content wordpieces ([`labels`]), run over paragraph-packed windows of whole
//! documents ([`windows`]), decoded under the BIO constraint and linked into attributions
//! ([`link`]). Training lives in [`crate::train`]; this module is what `extract` runs.
//!
//! A model folder holds `manifest.json` ([`crate::models::ModelManifest`]) and
//! `tagger.safetensors`, the trained tensors as a half-precision delta over the base model
//! ([`model`]).

pub mod labels;
pub mod link;
pub mod net;
pub mod windows;

use crate::attribution::rules::RulesExtractor;
use crate::attribution::{Attribution, Extractor};
use crate::document::Document;
use crate::encoder::cpu::{variable, CpuBert};
use crate::error::{Error, Result};
use crate::models::base::base_model_dir;
use crate::models::{ModelFolder, ModelInfo, ModelManifest, Precision, Task};
use crate::text::Analysis;
use labels::{decode, NUM_TAGS};
use link::TaggedSpan;
use net::TaggerNet;
use rust_bert::bert::BertConfig;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tch::{nn, Device, Kind, Tensor};
use tokenizers::Tokenizer;
use windows::Piece;

/// One loaded network with the weights it owns.
pub struct Tagger {
    config: BertConfig,
    // Owns the tensors `net` uses.
    vars: nn::VarStore,
    net: TaggerNet,
}

impl Tagger {
    /// A tagger with the base model's encoder and a fresh classifier (the start of training).
    pub fn from_base(base_dir: &Path, device: Device) -> Result<Self> {
        let config = crate::encoder::read_bert_config(&base_dir.join("config.json"))?;
        let mut vars = nn::VarStore::new(device);
        let net = TaggerNet::new(&vars.root(), &config);
        crate::weights::load_base(&mut vars, &base_dir.join("model.safetensors"), net::HEAD)?;
        Ok(Tagger { config, vars, net })
    }

    /// A trained tagger: the base model with a model folder's delta over it.
    pub fn load(model_dir: &Path, base_dir: &Path, device: Device) -> Result<Self> {
        let tagger = Self::from_base(base_dir, device)?;
        crate::weights::load_delta(
            &tagger.vars,
            &model_dir.join(Task::Attribution.weights_file()),
            net::HEAD,
        )?;
        Ok(tagger)
    }

    /// The variables, for training.
    pub fn vars(&self) -> &nn::VarStore {
        &self.vars
    }

    /// The network, for training.
    pub fn net(&self) -> &TaggerNet {
        &self.net
    }

    /// The network for inference on the CPU at `precision` (the variables must be on the CPU).
    pub fn for_cpu(&self, precision: Precision) -> Result<CpuTagger> {
        CpuTagger::new(self, precision)
    }
}

/// What the tagger needs besides the network to read a document.
pub struct TagSetup {
    /// The base model's tokenizer, without padding or truncation.
    pub tokenizer: Tokenizer,
    /// `[CLS]` id.
    pub cls: u32,
    /// `[SEP]` id.
    pub sep: u32,
    /// Wordpieces per window.
    pub window_pieces: usize,
}

impl TagSetup {
    /// Reads the tokenizer from the base model folder.
    pub fn new(base_dir: &Path, window_pieces: usize) -> Result<Self> {
        let tokenizer = windows::load_tokenizer(&base_dir.join("tokenizer.json"))?;
        let (cls, sep) = windows::special_ids(&tokenizer)?;
        if window_pieces < 8 {
            return Err(Error::Model(format!(
                "window of {window_pieces} pieces: need at least 8"
            )));
        }
        Ok(TagSetup {
            tokenizer,
            cls,
            sep,
            window_pieces,
        })
    }

    /// The input ids of a window: `[CLS]`, its pieces, `[SEP]`.
    pub fn window_ids(&self, pieces: &[Piece]) -> Vec<i64> {
        std::iter::once(self.cls)
            .chain(pieces.iter().map(|p| p.id))
            .chain(std::iter::once(self.sep))
            .map(i64::from)
            .collect()
    }
}

/// Pads id sequences into one batch: ids and attention mask, `[n, longest]`.
pub fn pad_batch(seqs: &[&[i64]], device: Device) -> (Tensor, Tensor) {
    let len = seqs.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut ids = Vec::with_capacity(seqs.len() * len);
    let mut mask = Vec::with_capacity(seqs.len() * len);
    for s in seqs {
        ids.extend_from_slice(s);
        ids.extend(std::iter::repeat_n(0, len - s.len()));
        mask.extend(std::iter::repeat_n(1i64, s.len()));
        mask.extend(std::iter::repeat_n(0i64, len - s.len()));
    }
    let shape = [seqs.len() as i64, len as i64];
    (
        Tensor::from_slice(&ids).view(shape).to_device(device),
        Tensor::from_slice(&mask).view(shape).to_device(device),
    )
}

/// Scores windows: per window (its ids with `[CLS]` and `[SEP]`), the tag log-probabilities of
/// each of its pieces, the special tokens left out.
pub trait WindowScorer {
    /// One row per piece, for every window in `windows`.
    fn score(&self, windows: &[Vec<i64>]) -> Result<Vec<Vec<[f32; NUM_TAGS]>>>;
}

/// A tagger in training, read as an [`Extractor`] so that training scores it on the dev set
/// through the same pipeline `extract` runs (linking, speakers, records). The network sits
/// behind a mutex (libtorch modules are not `Sync`), so documents are tagged one at a time.
pub struct TrainingTagger<'a> {
    tagger: &'a Mutex<Tagger>,
    setup: &'a TagSetup,
    device: Device,
}

impl<'a> TrainingTagger<'a> {
    /// Reads documents with `tagger` as it is now.
    pub fn new(tagger: &'a Mutex<Tagger>, setup: &'a TagSetup, device: Device) -> Self {
        TrainingTagger {
            tagger,
            setup,
            device,
        }
    }
}

impl Extractor for TrainingTagger<'_> {
    fn id(&self) -> String {
        "attribution-in-training@0".into()
    }

    fn extract(&self, _doc: &Document, analysis: &Analysis) -> Result<Vec<Attribution>> {
        let tagger = self.tagger.lock().map_err(|_| poisoned())?;
        let scorer = Batched {
            net: tagger.net(),
            device: self.device,
            batch_size: DEFAULT_BATCH_SIZE,
        };
        let spans = tag_document(&scorer, self.setup, analysis)?;
        Ok(link::link(analysis, &spans))
    }
}

/// rust-bert's network in padded batches, longest windows first (training and the GPU).
pub struct Batched<'a> {
    /// The network.
    pub net: &'a TaggerNet,
    /// Where it runs.
    pub device: Device,
    /// Windows per forward pass.
    pub batch_size: usize,
}

impl WindowScorer for Batched<'_> {
    fn score(&self, windows: &[Vec<i64>]) -> Result<Vec<Vec<[f32; NUM_TAGS]>>> {
        // Longest first, so each batch pads to nearly its own length.
        let mut order: Vec<usize> = (0..windows.len()).collect();
        order.sort_by_key(|&w| std::cmp::Reverse(windows[w].len()));
        let mut rows = vec![Vec::new(); windows.len()];
        for batch in order.chunks(self.batch_size.max(1)) {
            let seqs: Vec<&[i64]> = batch.iter().map(|&w| windows[w].as_slice()).collect();
            let (input, mask) = pad_batch(&seqs, self.device);
            let logits = tch::no_grad(|| self.net.forward_t(&input, &mask, false))?;
            let log_probs = logits.log_softmax(-1, Kind::Float).to_device(Device::Cpu);
            for (b, &w) in batch.iter().enumerate() {
                rows[w] = tag_rows(&log_probs.get(b as i64), windows[w].len())?;
            }
        }
        Ok(rows)
    }
}

/// The tagger on [`CpuBert`]: one window at a time, int8 or f32 (see [`crate::encoder::cpu`]).
pub struct CpuTagger {
    bert: CpuBert,
    weight: Tensor,
    bias: Tensor,
}

impl CpuTagger {
    /// Takes a loaded tagger's variables (which must be on the CPU).
    pub fn new(tagger: &Tagger, precision: Precision) -> Result<Self> {
        let head = |what: &str| variable(&tagger.vars, &format!("{}.classifier.{what}", net::HEAD));
        Ok(CpuTagger {
            bert: CpuBert::new(&tagger.vars, &tagger.config, precision)?,
            weight: head("weight")?,
            bias: head("bias")?,
        })
    }
}

impl WindowScorer for CpuTagger {
    fn score(&self, windows: &[Vec<i64>]) -> Result<Vec<Vec<[f32; NUM_TAGS]>>> {
        windows
            .iter()
            .map(|ids| {
                let hidden = self.bert.hidden_states(ids, None)?;
                let log_probs = tch::no_grad(|| {
                    hidden
                        .linear(&self.weight, Some(&self.bias))
                        .log_softmax(-1, Kind::Float)
                });
                tag_rows(&log_probs, ids.len())
            })
            .collect()
    }
}

/// The rows of a window's `[len, NUM_TAGS]` log-probabilities that belong to its pieces: row 0
/// is `[CLS]`, then the pieces, then `[SEP]` (and padding).
fn tag_rows(log_probs: &Tensor, window_len: usize) -> Result<Vec<[f32; NUM_TAGS]>> {
    let pieces = window_len.saturating_sub(2) as i64;
    let t = log_probs.narrow(0, 1, pieces).contiguous();
    let flat = Vec::<f32>::try_from(t.view([-1]))
        .map_err(|e| Error::Model(format!("tensor copy: {e}")))?;
    Ok(flat
        .chunks_exact(NUM_TAGS)
        .map(|c| <[f32; NUM_TAGS]>::try_from(c).expect("chunks of NUM_TAGS"))
        .collect())
}

/// Tags one document: the decoded Source, Cue and Content spans, in text order, as byte ranges
/// of the normalised text snapped to whole words.
pub fn tag_document(
    scorer: &dyn WindowScorer,
    setup: &TagSetup,
    analysis: &Analysis,
) -> Result<Vec<TaggedSpan>> {
    let pieces = windows::pieces(&setup.tokenizer, analysis)?;
    if pieces.is_empty() {
        return Ok(Vec::new());
    }
    let wins = windows::windows(analysis, &pieces, setup.window_pieces);
    let ids: Vec<Vec<i64>> = wins
        .iter()
        .map(|w| setup.window_ids(&pieces[w.clone()]))
        .collect();
    let rows = scorer.score(&ids)?;
    let per_piece: Vec<[f32; NUM_TAGS]> = windows::owners(pieces.len(), &wins)
        .into_iter()
        .map(|(w, pos)| rows[w][pos])
        .collect();
    let text = analysis.text();
    Ok(decode(&per_piece)
        .into_iter()
        .map(|s| TaggedSpan {
            role: s.role,
            range: snap_to_words(
                text,
                pieces[s.start].range.start..pieces[s.end - 1].range.end,
            ),
            score: s.score,
        })
        .collect())
}

/// Widens a byte range so that it does not cut a word: a span that starts or ends inside a word
/// (the tags changed between two wordpieces of it) takes the whole word.
fn snap_to_words(text: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let word = |c: char| c.is_alphanumeric();
    let mut start = range.start;
    while let Some(c) = text[..start].chars().next_back() {
        if !word(c) || !text[start..].chars().next().is_some_and(word) {
            break;
        }
        start -= c.len_utf8();
    }
    let mut end = range.end;
    while let Some(c) = text[end..].chars().next() {
        if !word(c) || !text[..end].chars().next_back().is_some_and(word) {
            break;
        }
        end += c.len_utf8();
    }
    start..end
}

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
        Ok(Runner::Cpu(tagger.for_cpu(o.precision)?))
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
                net: &tagger.net,
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

/// Adds the attributions of `extra` whose content overlaps none of `found`, keeping text order.
pub fn fill_gaps(found: &mut Vec<Attribution>, extra: Vec<Attribution>) {
    let overlaps = |a: &Attribution, b: &Attribution| {
        a.content
            .iter()
            .any(|x| b.content.iter().any(|y| x.start < y.end && y.start < x.end))
    };
    let added: Vec<Attribution> = extra
        .into_iter()
        .filter(|e| !found.iter().any(|f| overlaps(f, e)))
        .collect();
    found.extend(added);
    found.sort_by_key(|a| a.content.first().map_or(0, |r| r.start));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_widened_to_whole_words() {
        let t = "Ryabkov said so.";
        assert_eq!(snap_to_words(t, 2..7), 0..7);
        assert_eq!(snap_to_words(t, 0..3), 0..7);
        assert_eq!(snap_to_words(t, 8..12), 8..12);
        assert_eq!(snap_to_words(t, 13..16), 13..16);
    }

    #[test]
    fn padding_fills_shorter_sequences() {
        let (ids, mask) = pad_batch(&[&[1, 2, 3], &[4]], Device::Cpu);
        assert_eq!(ids.size(), vec![2, 3]);
        assert_eq!(
            Vec::<i64>::try_from(mask.view([-1])).unwrap(),
            vec![1, 1, 1, 1, 0, 0]
        );
    }
}
