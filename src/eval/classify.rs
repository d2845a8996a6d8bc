//! `newsquotes eval stance` and `newsquotes eval claims`: a classifier scored on one of the
//! shared labelled sets ([`crate::datasets`]), with the figures of
//! [`super::classes::ClassReport`]. Predictions are restricted to the set's own label space:
//! P-Stance and IBM claim stance are binary, and are scored as binary tasks.

use super::classes::ClassReport;
use crate::classify::classifier::Classifier;
use crate::datasets::{self, Split};
use crate::error::{Error, Result};
use crate::models::Precision;
use crate::models::Task;
use std::path::PathBuf;

/// Options of `eval stance` and `eval claims`.
#[derive(clap::Args, Debug, Clone)]
pub struct ClassEvalArgs {
    /// The set's folder (P-Stance, IBM claim stance, Emergent, FNC-1; CheckThat! 2024 for claims).
    #[arg(long)]
    pub data: PathBuf,
    /// Which split to score.
    #[arg(long, value_enum, default_value_t = Split::Test)]
    pub split: Split,
    /// The model folder (ours or Hugging Face); default: the task's model under --models, else
    /// the shipped one.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Folder of model folders.
    #[arg(long)]
    pub models: Option<PathBuf>,
    /// Score at most this many examples (the first ones).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
    /// How our models compute on the CPU.
    #[arg(long, value_enum, default_value_t = Precision::default())]
    pub precision: Precision,
}

/// Scores the model for `task` on the chosen split and prints the figures.
pub fn run(task: Task, args: &ClassEvalArgs) -> Result<ClassReport> {
    let set = datasets::detect(&args.data)?;
    if set.kind.is_stance() != (task == Task::Stance) {
        return Err(Error::Invalid(format!(
            "{}: {} is not a {} set",
            args.data.display(),
            set.kind.name(),
            task.stage()
        )));
    }
    let mut examples = datasets::load(&set, args.split)?;
    if let Some(n) = args.limit {
        examples.truncate(n);
    }
    let dir = args
        .model
        .clone()
        .or_else(|| {
            args.models
                .as_deref()
                .and_then(|d| crate::models::find(d, task))
        })
        .unwrap_or_else(|| task.default_dir());
    let model = Classifier::load(&dir, task, 32, args.precision)?;
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Invalid(format!("cannot start worker threads: {e}")))?;
    let inputs: Vec<(Option<String>, String)> = examples
        .iter()
        .map(|e| (e.target.clone(), e.text.clone()))
        .collect();
    let started = std::time::Instant::now();
    let scores = crate::classify::scoring::score_unique(&model, &inputs, &pool)?;
    let labels = task.labels();
    let mut report = ClassReport::new(labels);
    for (e, probs) in examples.iter().zip(&scores) {
        let best = crate::classify::predict_within(probs, labels, set.kind.labels());
        report.add(&e.label, labels[best]);
    }
    let secs = started.elapsed().as_secs_f64();
    if args.json {
        let mut v = report.to_json();
        v["set"] = set.kind.name().into();
        v["split"] = format!("{:?}", args.split).to_lowercase().into();
        v["model"] = model.info().id.clone().into();
        v["seconds"] = secs.into();
        println!("{v}");
    } else {
        println!(
            "{} {:?} split, model {} ({:.1} s)\n{report}",
            set.kind.name(),
            args.split,
            model.info().id,
            secs
        );
        if task == Task::Claims {
            let yes = report.class("yes");
            println!(
                "positive class (yes): P {:.1} R {:.1} F1 {:.1}",
                100.0 * yes.precision,
                100.0 * yes.recall,
                100.0 * yes.f1
            );
        }
    }
    Ok(report)
}
