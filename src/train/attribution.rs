//! `newsquotes train attribution`: fine-tunes all-MiniLM-L6-v2 as the Source/Cue/Content tagger.
//!
//! The lower encoder layers and the embeddings stay frozen (they are shared with the base model
//! and not stored); the upper layers and the classifier are trained with AdamW, a linear
//! warm-up and linear decay, and gradient clipping. After every epoch the model is scored on
//! the dev set with the same linking and evaluation as `newsquotes eval`; the best epoch by
//! content F1 is kept, and training stops early when dev stops improving. Everything is seeded:
//! the same data, seed and thread count give the same model.

use super::examples::{document_examples, Example, IGNORE};
use super::fit::{fit, seed_and_threads, Learner, Schedule};
use crate::attribution::tagger::labels::{Tag, NUM_TAGS};
use crate::attribution::tagger::net::{self, Tagger};
use crate::attribution::tagger::scoring::{pad_batch, TagSetup};
use crate::attribution::tagger::training::TrainingTagger;
use crate::error::{Error, Result};
use crate::eval::{evaluate, predict_with, read_gold_dir, GoldSet, Report};
use crate::models::base::base_model_dir;
use crate::models::{BaseModel, ModelManifest, Task, TaskFields};
use crate::pipeline::Pipeline;
use serde_json::json;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;
use tch::{Device, Kind, Reduction, Tensor};

/// Options of `newsquotes train attribution`.
#[derive(clap::Args, Debug, Clone)]
pub struct TrainAttributionArgs {
    /// Training brat folder (`text/`, `attributions/`).
    #[arg(long)]
    pub train: PathBuf,
    /// Development brat folder, for early stopping and the figures in the manifest.
    #[arg(long)]
    pub dev: PathBuf,
    /// Output model folder (created; an existing model there is replaced).
    #[arg(short = 'o', long = "output", alias = "out")]
    pub out: PathBuf,
    /// Model name written into the manifest (default: the output folder's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Model version written into the manifest.
    #[arg(long, default_value = "1.0.0")]
    pub version: String,
    /// Most epochs.
    #[arg(long, default_value_t = 4)]
    pub epochs: usize,
    /// Stop after this many epochs without a better dev content F1.
    #[arg(long, default_value_t = 1)]
    pub patience: usize,
    /// Peak learning rate.
    #[arg(long, default_value_t = 1e-4)]
    pub lr: f64,
    /// Share of the steps spent warming the learning rate up.
    #[arg(long, default_value_t = 0.1)]
    pub warmup: f64,
    /// AdamW weight decay.
    #[arg(long, default_value_t = 0.01)]
    pub weight_decay: f64,
    /// Windows per step.
    #[arg(long, default_value_t = 16)]
    pub batch_size: usize,
    /// Wordpieces per window (without `[CLS]` and `[SEP]`).
    #[arg(long, default_value_t = 254)]
    pub window: usize,
    /// Encoder layers from this one up are trained; the ones below and the embeddings stay frozen.
    #[arg(long, default_value_t = 2)]
    pub first_trained_layer: usize,
    /// Random seed (initialisation, dropout, example order).
    #[arg(long, default_value_t = 13)]
    pub seed: i64,
    /// Stop training (and keep the best model so far) after this many minutes.
    #[arg(long)]
    pub max_minutes: Option<f64>,
    /// libtorch threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Use at most this many training documents (quick experiments).
    #[arg(long)]
    pub limit_docs: Option<usize>,
}

/// Dev figures of one epoch.
#[derive(Debug, Clone, Copy)]
struct DevFigures {
    content_f1: f64,
    content_source_f1: f64,
    content_cue_f1: f64,
    direct_recall: f64,
}

impl DevFigures {
    fn of(r: &Report) -> Self {
        DevFigures {
            content_f1: r.content.f1(),
            content_source_f1: r.content_source.f1(),
            content_cue_f1: r.content_cue.f1(),
            direct_recall: r.recall_by_kind.direct.recall(),
        }
    }
}

/// The tagger as [`Learner`]: batches of shuffled windows, cross-entropy over their pieces, dev
/// content F1 through the extraction pipeline.
struct TaggerLearner<'a> {
    tagger: Mutex<Tagger>,
    examples: &'a [Example],
    setup: &'a TagSetup,
    dev: &'a GoldSet,
    device: Device,
    batch_size: usize,
    trained: &'a std::collections::HashSet<String>,
    weights: PathBuf,
    last: Option<DevFigures>,
    best: Option<DevFigures>,
}

impl Learner for TaggerLearner<'_> {
    fn batches(&mut self, _epoch: usize) -> Result<Vec<Vec<usize>>> {
        let order = Vec::<i64>::try_from(Tensor::randperm(
            self.examples.len() as i64,
            (Kind::Int64, Device::Cpu),
        ))
        .map_err(|e| Error::Model(format!("randperm: {e}")))?;
        Ok(order
            .chunks(self.batch_size)
            .map(|b| b.iter().map(|&i| i as usize).collect())
            .collect())
    }

    fn loss(&mut self, batch: &[usize]) -> Result<Tensor> {
        let chosen: Vec<&Example> = batch.iter().map(|&i| &self.examples[i]).collect();
        let tagger = self.tagger.get_mut().map_err(|_| poisoned())?;
        batch_loss(tagger.net(), &chosen, self.device)
    }

    fn evaluate(&mut self) -> Result<(f64, serde_json::Map<String, serde_json::Value>)> {
        let report = evaluate_on(&self.tagger, self.device, self.setup, self.dev)?;
        let figures = DevFigures::of(&report);
        self.last = Some(figures);
        let fields = json!({
            "dev_content_f1": figures.content_f1,
            "dev_content_source_f1": figures.content_source_f1,
            "dev_content_cue_f1": figures.content_cue_f1,
            "dev_direct_recall": figures.direct_recall,
            "dev_predicted": report.predicted,
        });
        let serde_json::Value::Object(fields) = fields else {
            unreachable!("a JSON object literal");
        };
        Ok((figures.content_f1, fields))
    }

    fn save(&mut self) -> Result<()> {
        self.best = self.last;
        let tagger = self.tagger.get_mut().map_err(|_| poisoned())?;
        crate::weights::save_delta(tagger.vars(), self.trained, &self.weights)
    }
}

fn poisoned() -> Error {
    Error::Model("the tagger's lock was poisoned".into())
}

/// Runs the training and writes the model folder.
pub fn run(args: &TrainAttributionArgs) -> Result<()> {
    let started = Instant::now();
    let threads = seed_and_threads(args.threads, args.seed);
    let device = Device::cuda_if_available();
    let base_dir = base_model_dir();
    let setup = TagSetup::new(&base_dir, args.window)?;

    let mut train = read_gold_dir(&args.train)?;
    if let Some(n) = args.limit_docs {
        train.docs.truncate(n);
    }
    let dev = read_gold_dir(&args.dev)?;
    let mut examples: Vec<Example> = Vec::new();
    for doc in &train.docs {
        examples.extend(document_examples(doc, &setup)?);
    }
    let pieces: usize = examples.iter().map(|e| e.ids.len()).sum();
    eprintln!(
        "train: {} documents, {} windows, {} wordpieces; dev: {} documents; device {:?}, {} threads",
        train.docs.len(),
        examples.len(),
        pieces,
        dev.docs.len(),
        device,
        threads
    );
    if examples.is_empty() {
        return Err(Error::Invalid(format!(
            "no training text in {}",
            args.train.display()
        )));
    }

    let tagger = Tagger::from_base(&base_dir, device)?;
    let trained = crate::weights::trained_names(tagger.vars(), args.first_trained_layer, net::HEAD);
    let mut opt = super::optimizer(tagger.vars(), &trained, args.lr, args.weight_decay)?;
    std::fs::create_dir_all(&args.out)?;
    let schedule = Schedule {
        epochs: args.epochs,
        steps_per_epoch: examples.len().div_ceil(args.batch_size),
        lr: args.lr,
        warmup: args.warmup,
        patience: args.patience,
        deadline: Schedule::deadline(args.max_minutes, started),
    };
    let mut learner = TaggerLearner {
        tagger: Mutex::new(tagger),
        examples: &examples,
        setup: &setup,
        dev: &dev,
        device,
        batch_size: args.batch_size,
        trained: &trained,
        weights: args.out.join(Task::Attribution.weights_file()),
        last: None,
        best: None,
    };
    let fitted = fit(
        &mut learner,
        &mut opt,
        &schedule,
        &args.out.join("training-log.jsonl"),
        started,
    )?;
    let best_epoch = fitted.best_epoch;
    let figures = learner
        .best
        .ok_or_else(|| Error::Model("no epoch finished".into()))?;
    let name = args.name.clone().unwrap_or_else(|| {
        args.out
            .file_name()
            .map_or("attribution".into(), |n| n.to_string_lossy().into_owned())
    });
    let manifest = ModelManifest {
        name,
        version: args.version.clone(),
        task: Task::Attribution.manifest_task().into(),
        base_model: BaseModel::describe(&base_dir)?,
        first_trained_layer: args.first_trained_layer,
        fields: TaskFields::Tagger {
            tags: (0..NUM_TAGS)
                .filter_map(Tag::from_index)
                .map(Tag::name)
                .collect(),
            window_pieces: args.window,
            dev: json!({
                "content_f1": figures.content_f1,
                "content_source_f1": figures.content_source_f1,
                "content_cue_f1": figures.content_cue_f1,
                "direct_recall": figures.direct_recall,
                "note": "with the linking the model was trained with",
            }),
        },
        training: json!({
            "train_data": args.train.display().to_string(),
            "dev_data": args.dev.display().to_string(),
            "train_documents": train.docs.len(),
            "train_windows": examples.len(),
            "train_wordpieces": pieces,
            "epochs_run": fitted.epochs_run,
            "best_epoch": best_epoch,
            "lr": args.lr,
            "warmup": args.warmup,
            "weight_decay": args.weight_decay,
            "batch_size": args.batch_size,
            "seed": args.seed,
            "threads": threads,
            "device": format!("{device:?}"),
            "seconds": started.elapsed().as_secs_f64(),
            "log": "training-log.jsonl",
        }),
        license: "Weights trained on PolNeAR (research use only, see its terms); base model \
                  all-MiniLM-L6-v2 is Apache-2.0."
            .into(),
    };
    manifest.write(&args.out)?;
    eprintln!(
        "train: best epoch {best_epoch}, dev content F1 {:.3}; model in {} ({:.0} s)",
        figures.content_f1,
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Mean cross-entropy of a batch over its real wordpieces.
fn batch_loss(net: &net::TaggerNet, batch: &[&Example], device: Device) -> Result<Tensor> {
    let seqs: Vec<&[i64]> = batch.iter().map(|e| e.ids.as_slice()).collect();
    let (ids, mask) = pad_batch(&seqs, device);
    let len = ids.size()[1] as usize;
    let mut targets = Vec::with_capacity(batch.len() * len);
    for e in batch {
        targets.extend_from_slice(&e.tags);
        targets.extend(std::iter::repeat_n(IGNORE, len - e.tags.len()));
    }
    let targets = Tensor::from_slice(&targets).to_device(device);
    let logits = net.forward_t(&ids, &mask, true)?;
    Ok(logits
        .view([-1, NUM_TAGS as i64])
        .cross_entropy_loss::<Tensor>(&targets, None, Reduction::Mean, IGNORE, 0.0))
}

/// Scores the tagger on a gold set through the extraction pipeline, exactly as `extract` and
/// `eval` run it (linking, speaker resolution, records).
pub fn evaluate_on(
    tagger: &Mutex<Tagger>,
    device: Device,
    setup: &TagSetup,
    gold: &GoldSet,
) -> Result<Report> {
    let pipeline = Pipeline::extraction(Box::new(TrainingTagger::new(tagger, setup, device)));
    // One worker: the network is shared, and libtorch already uses every core inside it.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| Error::Invalid(format!("thread pool: {e}")))?;
    let preds = predict_with(gold, &pipeline, &pool)?;
    Ok(evaluate(gold, &preds))
}
