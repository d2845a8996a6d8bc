//! `newsquotes train stance` and `newsquotes train claims`: fine-tune all-MiniLM-L6-v2 as a
//! sequence classifier ([`crate::classify::net::ClassifierNet`]) on the shared labelled sets.
//!
//! Stance inputs are (target, statement) pairs over favor / against / neutral, pooled from every
//! set given (each mapped as [`crate::datasets`] says); claims inputs are single
//! statements over no / yes. Training is seeded AdamW with linear warm-up and decay and gradient
//! clipping; batches hold inputs of similar length (little padding); after each epoch the dev
//! splits are scored (within each set's own labels: P-Stance and IBM are binary) and the best
//! epoch is kept (early stopping on the dev figure: the mean over
//! sets of macro-F1 of favor and against for stance, F1 of "yes" for claims). The held-out test
//! split of every set is scored once, with the kept weights, for the manifest.

use super::fit::{fit, seed_and_threads, Learner, Schedule};
use crate::classify::net::HEAD;
use crate::classify::trained::{Encoded, PairTokenizer, TrainedClassifier};
use crate::datasets::{self, DataSet, Example, SetKind, Split};
use crate::error::{Error, Result};
use crate::eval::classes::ClassReport;
use crate::models::base::base_model_dir;
use crate::models::{BaseModel, ModelManifest, Task, TaskFields};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;
use tch::{Device, Kind, Tensor};

/// Settings shared by both classifiers.
#[derive(clap::Args, Debug, Clone)]
pub struct ClassifierTrainArgs {
    /// Output model folder (manifest, weights delta, training log).
    #[arg(short = 'o', long = "output", alias = "out")]
    pub out: PathBuf,
    /// Passes over the training data.
    #[arg(long, default_value_t = 2)]
    pub epochs: usize,
    /// Inputs per optimiser step.
    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,
    /// Peak learning rate.
    #[arg(long, default_value_t = 5e-5)]
    pub lr: f64,
    /// Share of the steps spent warming the learning rate up.
    #[arg(long, default_value_t = 0.06)]
    pub warmup: f64,
    /// AdamW weight decay.
    #[arg(long, default_value_t = 0.01)]
    pub weight_decay: f64,
    /// Random seed (shuffling, dropout, head initialisation).
    #[arg(long, default_value_t = 13)]
    pub seed: i64,
    /// Encoder layers below this one stay frozen (with the embeddings).
    #[arg(long, default_value_t = 2)]
    pub first_trained_layer: usize,
    /// Longest input in wordpieces.
    #[arg(long, default_value_t = 128)]
    pub max_pieces: usize,
    /// Stop after this many epochs without a better dev figure.
    #[arg(long, default_value_t = 1)]
    pub patience: usize,
    /// Stop (keeping the best epoch so far) after this many minutes.
    #[arg(long)]
    pub max_minutes: Option<f64>,
    /// libtorch threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// At most this many examples per set and split, evenly spaced through the set (quick
    /// trials, or a second stage from --init that revisits the other sets while it learns one).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Where in each stride of a limited training split the example is taken, from 0 (the
    /// first of each stride, as earlier stages took them) to below 1 (0.5: the middle one).
    /// A later stage given another offset learns from the examples the earlier ones skipped;
    /// dev splits are always taken at 0 so that dev figures stay comparable across stages.
    #[arg(long, default_value_t = 0.0, value_parser = stride_offset)]
    pub limit_offset: f64,
    /// Start from this trained classifier of the same task instead of the base model.
    #[arg(long)]
    pub init: Option<PathBuf>,
    /// Model name (default: the output folder's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Model version.
    #[arg(long, default_value = "1.0.0")]
    pub version: String,
}

/// `train stance`.
#[derive(clap::Args, Debug, Clone)]
pub struct TrainStanceArgs {
    /// Stance set folders (P-Stance, IBM claim stance, Emergent, FNC-1, UKP sentential,
    /// PERSPECTRUM, ARC, SNLI, ANLI), each read with its train / dev / test splits.
    #[arg(long, required = true, num_args = 1..)]
    pub data: Vec<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: ClassifierTrainArgs,
}

/// `train claims`.
#[derive(clap::Args, Debug, Clone)]
pub struct TrainClaimsArgs {
    /// The check-worthiness sets' folders (CheckThat! 2024, CLEF 2019/2020 debates,
    /// CheckThat! 2022, ClaimBuster); a sentence already in an earlier set is dropped from the
    /// later ones' training split (the CLEF years and ClaimBuster reuse debates).
    #[arg(long, num_args = 1.., required = true)]
    pub data: Vec<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: ClassifierTrainArgs,
}

/// One encoded example.
struct Item {
    input: Encoded,
    label: i64,
}

/// One set's encoded held-out splits.
struct PreparedSet {
    set: DataSet,
    dev: Vec<Item>,
    test: Vec<Item>,
}

/// What differs between the two tasks.
struct TaskSpec {
    task: Task,
    data_note: serde_json::Value,
    license: String,
}

impl TaskSpec {
    fn encode(&self, enc: &PairTokenizer, e: &Example) -> Result<Encoded> {
        match &e.target {
            Some(target) => enc.encode(target, Some(&e.text)),
            None => enc.encode(&e.text, None),
        }
    }

    /// The figure early stopping watches: the mean over sets of macro-F1 over each stance
    /// set's own labels (neutral included where the set has it: telling "no position" apart is
    /// half the task), or of F1 of "yes" for claims.
    fn dev_figure(&self, reports: &[(SetKind, ClassReport)]) -> f64 {
        let per_set = |kind: SetKind, r: &ClassReport| {
            if self.task == Task::Stance {
                r.macro_f1_of(kind.labels())
            } else {
                r.class("yes").f1
            }
        };
        reports.iter().map(|(k, r)| per_set(*k, r)).sum::<f64>() / reports.len().max(1) as f64
    }
}

/// Runs `train stance`.
pub fn run_stance(args: &TrainStanceArgs) -> Result<()> {
    let sets = args
        .data
        .iter()
        .map(|p| datasets::detect(p))
        .collect::<Result<Vec<_>>>()?;
    if let Some(s) = sets.iter().find(|s| !s.kind.is_stance()) {
        return Err(Error::Invalid(format!(
            "{}: {} is not a stance set",
            s.dir.display(),
            s.kind.name()
        )));
    }
    let spec = TaskSpec {
        task: Task::Stance,
        data_note: json!({
            "input": "pair: first segment the target, second the statement; at extraction the statement is the speaker and cue followed by the quote",
            "mapping": {
                "pstance": "target = politician, text = tweet; FAVOR -> favor, AGAINST -> against",
                "ibm_claim_stance": "target = topicTarget (what the debate motion is about), text = claim; PRO -> favor and CON -> against when the motion supports its target (topicSentiment 1), the reverse when it opposes it (-1); training also pairs each compatible claim with its own target (claims.claimTarget.text) and its claimSentiment, 1 -> favor, -1 -> against; dev = train topics with id % 5 == 0 (topicTarget pairs only)",
                "emergent": "target = claimHeadline, text = articleHeadline; for -> favor, against -> against, observing -> neutral; dev = a tenth of train claims",
                "fnc1": "target = headline, text = body; agree -> favor, disagree -> against, discuss, unrelated -> neutral; competition test split by body (train 3/5, dev 1/5, test 1/5); every split keeps 1/3 of discuss and 1/10 of unrelated pairs",
                "ukp_sentential": "target = topic, text = sentence; Argument_for -> favor, Argument_against -> against, NoArgument -> neutral; split by topic (test: death penalty, school uniforms; dev: minimum wage)",
                "perspectrum": "target = claim, text = the first perspective of each cluster; SUPPORT -> favor, UNDERMINE -> against; split by claim as shipped",
                "arc": "target = claim (headline), text = post (body); agree -> favor, disagree -> against, discuss, unrelated -> neutral; dev = a fifth of the training bodies",
                "snli": "target = hypothesis, text = premise; entailment -> favor, contradiction -> against, neutral -> neutral; the dev and test files train, but for premises hashing to 0 mod 10 (dev from the dev file, test from the test file)",
                "anli": "target = hypothesis, text = context; e -> favor, c -> against, n -> neutral; R1-R3 dev files train (a tenth of contexts by hash: dev), test files test",
            },
            "mix": "a quarter of the topic sets' training statements (by hash) are paired once more with another topic's target, labelled neutral; a third of the short ones get an invented speaker and cue in front (train::mix)",
        }),
        license: stance_license(&sets),
    };
    train(&spec, sets, &args.common)
}

/// The licence line of a stance model trained on `sets`: research use, and non-commercial as
/// soon as a CC BY-NC set is among them.
fn stance_license(sets: &[DataSet]) -> String {
    let mut text =
        format!(
        "Weights trained on {} (P-Stance, Emergent, FNC-1, ARC: research use; IBM Debater claim \
         stance CC BY-SA 3.0; PERSPECTRUM CC BY-SA 4.0; tweets under Twitter's terms). Research \
         use only.",
        sets.iter().map(|s| s.kind.name()).collect::<Vec<_>>().join(", ")
    );
    if sets.iter().any(|s| s.kind == SetKind::Snli) {
        text.push_str(" SNLI is CC BY-SA 4.0.");
    }
    let nc: Vec<&str> = sets
        .iter()
        .filter_map(|s| match s.kind {
            SetKind::Ukp => Some("UKP Sentential Argument Mining"),
            SetKind::Anli => Some("Adversarial NLI"),
            _ => None,
        })
        .collect();
    if !nc.is_empty() {
        text.push_str(&format!(
            " Trained on {} (CC BY-NC 4.0): non-commercial use only.",
            nc.join(" and ")
        ));
    }
    text.push_str(" Base model all-MiniLM-L6-v2 is Apache-2.0.");
    text
}

/// Runs `train claims`.
pub fn run_claims(args: &TrainClaimsArgs) -> Result<()> {
    let sets = args
        .data
        .iter()
        .map(|p| datasets::detect(p))
        .collect::<Result<Vec<_>>>()?;
    if let Some(s) = sets.iter().find(|s| s.kind.is_stance()) {
        return Err(Error::Invalid(format!(
            "{}: {} is not a check-worthiness set",
            s.dir.display(),
            s.kind.name()
        )));
    }
    let mapping: serde_json::Map<String, serde_json::Value> = sets
        .iter()
        .map(|s| {
            let how = match s.kind {
                SetKind::CheckThat => "Yes -> yes, No -> no; train = train, dev = dev, test = dev-test",
                SetKind::Clef2019 | SetKind::Clef2020 => {
                    "label 1 -> yes, 0 -> no; dev = training files whose name hashes to 0 mod 5, test = annotated test files"
                }
                SetKind::CheckThat2022 => "class_label 1 -> yes, 0 -> no; test = dev_test",
                _ => "label 1 -> yes, 0 -> no; dev = a tenth of train.json by sentence id",
            };
            (s.kind.name().to_string(), how.into())
        })
        .collect();
    let names: Vec<&str> = sets.iter().map(|s| s.kind.name()).collect();
    let spec = TaskSpec {
        task: Task::Claims,
        data_note: json!({
            "input": "single statement",
            "mapping": mapping,
            "deduplicated": "a training sentence already in an earlier set is dropped",
        }),
        license: if names == ["checkthat2024_en"] {
            "Weights trained on CheckThat! 2024 English (ClaimBuster sentences from US \
             presidential debates; research use). Base model all-MiniLM-L6-v2 is Apache-2.0."
                .to_string()
        } else {
            format!(
                "Weights trained on {} (\"free for general research use\" / research use). \
                 Research use only. Base model all-MiniLM-L6-v2 is Apache-2.0.",
                names.join(", ")
            )
        },
    };
    train(&spec, sets, &args.common)
}

/// Parses `--limit-offset`: a share of a stride, in `[0, 1)`.
fn stride_offset(s: &str) -> std::result::Result<f64, String> {
    let x: f64 = s.parse().map_err(|e| format!("{e}"))?;
    (0.0..1.0)
        .contains(&x)
        .then_some(x)
        .ok_or_else(|| format!("{x} is not in [0, 1)"))
}

/// One split of `set`: deduplicated against `seen` when given, then cut to `limit` examples,
/// the one at `offset` (a share of the stride) of each stride.
fn load_split(
    set: &DataSet,
    split: Split,
    limit: Option<usize>,
    offset: f64,
    seen: Option<&mut datasets::SeenExamples>,
) -> Result<Vec<Example>> {
    let mut examples = datasets::load(set, split)?;
    if let Some(seen) = seen {
        seen.drop_repeats(&mut examples);
    }
    if let Some(n) = limit.filter(|&n| n > 0 && n < examples.len()) {
        examples = evenly_spaced(&examples, n, offset);
    }
    Ok(examples)
}

/// `n` of `examples`, evenly spaced, not the first n (the files are often sorted by target or
/// topic): the one at `offset` of each of `n` equal strides.
fn evenly_spaced<T: Clone>(examples: &[T], n: usize, offset: f64) -> Vec<T> {
    let len = examples.len();
    let shift = (offset * len as f64) as usize;
    (0..n)
        .map(|i| examples[((i * len + shift) / n).min(len - 1)].clone())
        .collect()
}

fn encode_all(spec: &TaskSpec, enc: &PairTokenizer, examples: &[Example]) -> Result<Vec<Item>> {
    examples
        .iter()
        .map(|e| {
            let label = spec
                .task
                .labels()
                .iter()
                .position(|l| *l == e.label)
                .ok_or_else(|| Error::Invalid(format!("label {} outside the task", e.label)))?;
            Ok(Item {
                input: spec.encode(enc, e)?,
                label: label as i64,
            })
        })
        .collect()
}

/// A classifier as [`Learner`]: batches of similar length, cross-entropy over the task's
/// labels, the task's dev figure over every set's dev split.
struct ClassifierLearner<'a> {
    model: &'a TrainedClassifier,
    spec: &'a TaskSpec,
    train: &'a [Item],
    prepared: &'a [PreparedSet],
    pad: i64,
    device: Device,
    batch_size: usize,
    trained: &'a std::collections::HashSet<String>,
    weights: PathBuf,
}

impl Learner for ClassifierLearner<'_> {
    fn batches(&mut self, _epoch: usize) -> Result<Vec<Vec<usize>>> {
        length_batches(self.train, self.batch_size)
    }

    fn loss(&mut self, batch: &[usize]) -> Result<Tensor> {
        let inputs: Vec<&Encoded> = batch.iter().map(|&i| &self.train[i].input).collect();
        let labels: Vec<i64> = batch.iter().map(|&i| self.train[i].label).collect();
        let logits = self.model.logits(&inputs, self.pad, true)?;
        let target = Tensor::from_slice(&labels).to_device(self.device);
        Ok(logits.cross_entropy_for_logits(&target))
    }

    fn evaluate(&mut self) -> Result<(f64, serde_json::Map<String, serde_json::Value>)> {
        let mut reports = Vec::new();
        for p in self.prepared {
            let r = evaluate(
                self.model, self.pad, self.spec, p.set.kind, &p.dev, self.batch_size,
            )?;
            reports.push((p.set.kind, r));
        }
        let figure = self.spec.dev_figure(&reports);
        let dev: serde_json::Map<String, serde_json::Value> = reports
            .iter()
            .map(|(k, r)| (k.name().to_string(), r.to_json()))
            .collect();
        let mut fields = serde_json::Map::new();
        fields.insert("dev_figure".into(), figure.into());
        fields.insert("dev".into(), dev.into());
        Ok((figure, fields))
    }

    fn save(&mut self) -> Result<()> {
        crate::weights::save_delta(self.model.vars(), self.trained, &self.weights)
    }
}

/// Scores `items` and counts them into a report.
fn evaluate(
    model: &TrainedClassifier,
    pad: i64,
    spec: &TaskSpec,
    set: SetKind,
    items: &[Item],
    batch: usize,
) -> Result<ClassReport> {
    let mut report = ClassReport::new(spec.task.labels());
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| items[i].input.ids.len());
    for chunk in order.chunks(batch.max(1) * 2) {
        let inputs: Vec<&Encoded> = chunk.iter().map(|&i| &items[i].input).collect();
        for (probs, &i) in model.probabilities(&inputs, pad)?.iter().zip(chunk) {
            let best = crate::classify::predict_within(probs, spec.task.labels(), set.labels());
            let labels = spec.task.labels();
            report.add(labels[items[i].label as usize], labels[best]);
        }
    }
    Ok(report)
}

/// Batches of indices of inputs of similar length, in random order.
fn length_batches(items: &[Item], batch: usize) -> Result<Vec<Vec<usize>>> {
    let order = Vec::<i64>::try_from(Tensor::randperm(
        items.len() as i64,
        (Kind::Int64, Device::Cpu),
    ))
    .map_err(|e| Error::Model(format!("randperm: {e}")))?;
    let mut batches = Vec::new();
    // Sorting within pools of 50 batches keeps padding low and batches still varied.
    for pool in order.chunks(batch * 50) {
        let mut pool: Vec<usize> = pool.iter().map(|&i| i as usize).collect();
        pool.sort_by_key(|&i| items[i].input.ids.len());
        batches.extend(pool.chunks(batch).map(<[usize]>::to_vec));
    }
    let shuffle = Vec::<i64>::try_from(Tensor::randperm(
        batches.len() as i64,
        (Kind::Int64, Device::Cpu),
    ))
    .map_err(|e| Error::Model(format!("randperm: {e}")))?;
    Ok(shuffle
        .into_iter()
        .map(|i| batches[i as usize].clone())
        .collect())
}

fn train(spec: &TaskSpec, sets: Vec<DataSet>, args: &ClassifierTrainArgs) -> Result<()> {
    let started = Instant::now();
    let threads = seed_and_threads(args.threads, args.seed);
    let device = Device::cuda_if_available();
    let base_dir = base_model_dir();
    let enc = PairTokenizer::load(&base_dir.join("tokenizer.json"), args.max_pieces)?;

    // Claims: training sentences already taken from an earlier set (the CLEF years and
    // ClaimBuster share debates; see `datasets::load_deduplicated`).
    let mut seen = datasets::SeenExamples::default();
    let mut train_sets = Vec::new();
    for set in &sets {
        let dedup = (spec.task == Task::Claims).then_some(&mut seen);
        let mut examples = load_split(set, Split::Train, args.limit, args.limit_offset, dedup)?;
        if spec.task == Task::Stance {
            super::mix::with_speakers(set.kind, &mut examples);
        }
        train_sets.push((set.kind, examples));
    }
    // Stance: off-topic pairs labelled neutral (`super::mix`).
    let off_target = if spec.task == Task::Stance {
        super::mix::off_target(&train_sets)
    } else {
        Vec::new()
    };
    let mut prepared = Vec::new();
    let mut train_items: Vec<Item> = Vec::new();
    for (set, (_, examples)) in sets.into_iter().zip(&train_sets) {
        let p = PreparedSet {
            dev: encode_all(
                spec,
                &enc,
                &load_split(&set, Split::Dev, args.limit, 0.0, None)?,
            )?,
            test: encode_all(spec, &enc, &load_split(&set, Split::Test, None, 0.0, None)?)?,
            set,
        };
        eprintln!(
            "{}: train {}, dev {}, test {}",
            p.set.kind.name(),
            examples.len(),
            p.dev.len(),
            p.test.len()
        );
        train_items.extend(encode_all(spec, &enc, examples)?);
        prepared.push(p);
    }
    if !off_target.is_empty() {
        eprintln!("off-target neutral pairs: {}", off_target.len());
        train_items.extend(encode_all(spec, &enc, &off_target)?);
    }
    let pieces: usize = train_items.iter().map(|i| i.input.ids.len()).sum();
    eprintln!(
        "train: {} examples, {} wordpieces; device {device:?}, {threads} threads",
        train_items.len(),
        pieces
    );

    let model = match &args.init {
        None => TrainedClassifier::from_base(&base_dir, spec.task.labels().len(), device)?,
        Some(dir) => {
            let before = ModelManifest::read(dir)?;
            if before.task != spec.task.manifest_task()
                || before.first_trained_layer != args.first_trained_layer
            {
                return Err(Error::Invalid(format!(
                    "--init {}: a {} model trained from layer {}, not a {} model from layer {}",
                    dir.display(),
                    before.task,
                    before.first_trained_layer,
                    spec.task.manifest_task(),
                    args.first_trained_layer
                )));
            }
            TrainedClassifier::load(dir, &base_dir, spec.task.labels().len(), device)?
        }
    };
    let trained = crate::weights::trained_names(model.vars(), args.first_trained_layer, HEAD);
    let mut opt = super::optimizer(model.vars(), &trained, args.lr, args.weight_decay)?;
    std::fs::create_dir_all(&args.out)?;
    let schedule = Schedule {
        epochs: args.epochs,
        steps_per_epoch: train_items.len().div_ceil(args.batch_size),
        lr: args.lr,
        warmup: args.warmup,
        patience: args.patience,
        deadline: Schedule::deadline(args.max_minutes, started),
    };
    let mut learner = ClassifierLearner {
        model: &model,
        spec,
        train: &train_items,
        prepared: &prepared,
        pad: enc.pad_id,
        device,
        batch_size: args.batch_size,
        trained: &trained,
        weights: args.out.join(spec.task.weights_file()),
    };
    let fitted = fit(
        &mut learner,
        &mut opt,
        &schedule,
        &args.out.join("training-log.jsonl"),
        started,
    )?;
    let (best_epoch, dev_figure) = (fitted.best_epoch, fitted.best_figure);

    // Held-out figures with the kept weights.
    let kept = TrainedClassifier::load(&args.out, &base_dir, spec.task.labels().len(), device)?;
    let mut figures = serde_json::Map::new();
    for p in &prepared {
        let r = evaluate(
            &kept, enc.pad_id, spec, p.set.kind, &p.test, args.batch_size,
        )?;
        eprintln!("{} test:\n{r}", p.set.kind.name());
        figures.insert(p.set.kind.name().to_string(), r.to_json());
    }
    let name = args.name.clone().unwrap_or_else(|| {
        args.out
            .file_name()
            .map_or("classifier".into(), |n| n.to_string_lossy().into_owned())
    });
    let manifest = ModelManifest {
        name,
        version: args.version.clone(),
        task: spec.task.manifest_task().to_string(),
        base_model: BaseModel::describe(&base_dir)?,
        first_trained_layer: args.first_trained_layer,
        fields: TaskFields::Classifier {
            labels: spec.task.labels().iter().map(|l| l.to_string()).collect(),
            max_pieces: args.max_pieces,
            data: json!({
                "sets": prepared.iter().map(|p| json!({
                    "name": p.set.kind.name(),
                    "path": p.set.dir.display().to_string(),
                    "dev": p.dev.len(),
                    "test": p.test.len(),
                })).collect::<Vec<_>>(),
                "train_examples": train_items.len(),
                "note": spec.data_note,
            }),
            figures: serde_json::Value::Object(figures),
            threshold: None,
            temperature: None,
        },
        training: json!({
            "epochs_run": fitted.epochs_run,
            "best_epoch": best_epoch,
            "dev_figure": dev_figure,
            "lr": args.lr,
            "warmup": args.warmup,
            "weight_decay": args.weight_decay,
            "batch_size": args.batch_size,
            "seed": args.seed,
            "threads": threads,
            "device": format!("{device:?}"),
            "train_wordpieces": pieces,
            "seconds": started.elapsed().as_secs_f64(),
            "log": "training-log.jsonl",
            "init": args.init.as_ref().map(|d| d.display().to_string()),
            "limit_per_set": args.limit,
            "limit_offset": args.limit_offset,
        }),
        license: spec.license.clone(),
    };
    manifest.write(&args.out)?;
    eprintln!(
        "train: best epoch {best_epoch}, dev figure {dev_figure:.4}; model in {} ({:.0} s)",
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_takes_the_examples_the_first_stage_skipped() {
        let all: Vec<usize> = (0..10).collect();
        let first = evenly_spaced(&all, 5, 0.0);
        let second = evenly_spaced(&all, 5, 0.5);
        assert_eq!(first, [0, 2, 4, 6, 8]);
        assert_eq!(second, [1, 3, 5, 7, 9]);
        // Uneven strides stay in range and in order.
        let third = evenly_spaced(&(0..7).collect::<Vec<_>>(), 3, 0.9);
        assert!(third.windows(2).all(|w| w[0] < w[1]) && *third.last().unwrap() < 7);
        assert!(stride_offset("1").is_err() && stride_offset("0.5").is_ok());
    }
}
