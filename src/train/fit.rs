//! The training loop every model of ours shares: seeded AdamW with linear warm-up and decay,
//! gradient clipping, one progress bar per epoch, a dev evaluation after every epoch, keeping
//! the best epoch's weights, early stopping (patience, and an optional time limit), and one
//! JSON line per epoch in `training-log.jsonl`. What differs between tasks (the batches, the
//! loss, the dev figure) is a [`Learner`].

use crate::error::Result;
use serde_json::{json, Map, Value};
use std::io::Write;
use std::path::Path;
use std::time::Instant;
use tch::{nn, Tensor};

/// What one task brings to the loop.
pub trait Learner {
    /// The batches of one epoch, as lists of example indices.
    fn batches(&mut self, epoch: usize) -> Result<Vec<Vec<usize>>>;

    /// The loss of one batch, with its graph for the backward step.
    fn loss(&mut self, batch: &[usize]) -> Result<Tensor>;

    /// Scores the model on the dev data: the figure early stopping watches (higher is better)
    /// and the fields the epoch's log line records.
    fn evaluate(&mut self) -> Result<(f64, Map<String, Value>)>;

    /// Saves the weights: the model as it is now is the best so far.
    fn save(&mut self) -> Result<()>;
}

/// How long and how fast to train.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// At most this many epochs.
    pub epochs: usize,
    /// Steps in one epoch (for the learning-rate schedule).
    pub steps_per_epoch: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// Share of all steps spent warming up.
    pub warmup: f64,
    /// Stop after this many epochs without a better dev figure.
    pub patience: usize,
    /// Stop (after finishing the epoch's dev evaluation) once this time has passed.
    pub deadline: Option<Instant>,
}

impl Schedule {
    /// The deadline `max_minutes` after `started`, when a limit is set.
    pub fn deadline(max_minutes: Option<f64>, started: Instant) -> Option<Instant> {
        max_minutes.map(|m| started + std::time::Duration::from_secs_f64(m * 60.0))
    }
}

/// What the loop ended with.
#[derive(Debug, Clone, Copy)]
pub struct Fitted {
    /// The epoch whose weights were kept.
    pub best_epoch: usize,
    /// Its dev figure.
    pub best_figure: f64,
    /// Optimiser steps taken.
    pub steps: usize,
    /// Epochs started.
    pub epochs_run: usize,
}

/// Trains `learner` with `opt` on `schedule`, logging to `log` (a new file).
pub fn fit(
    learner: &mut impl Learner,
    opt: &mut nn::Optimizer,
    schedule: &Schedule,
    log: &Path,
    started: Instant,
) -> Result<Fitted> {
    let mut log = std::fs::File::create(log)?;
    let total_steps = schedule.steps_per_epoch * schedule.epochs;
    let warmup_steps = ((total_steps as f64) * schedule.warmup).ceil().max(1.0) as usize;
    let mut best: Option<(usize, f64)> = None;
    let (mut step, mut stale, mut out_of_time, mut epochs_run) = (0usize, 0usize, false, 0);
    for epoch in 1..=schedule.epochs {
        epochs_run = epoch;
        let epoch_started = Instant::now();
        let batches = learner.batches(epoch)?;
        let bar = super::epoch_bar(epoch, schedule.epochs, batches.len());
        let (mut loss_sum, mut loss_n) = (0.0f64, 0usize);
        for batch in &batches {
            opt.set_lr(super::learning_rate(
                step, warmup_steps, total_steps, schedule.lr,
            ));
            let loss = learner.loss(batch)?;
            opt.backward_step_clip_norm(&loss, 1.0);
            loss_sum += loss.double_value(&[]);
            loss_n += 1;
            step += 1;
            bar.inc(1);
            bar.set_message(format!("loss {:.4}", loss_sum / loss_n as f64));
            if schedule.deadline.is_some_and(|d| Instant::now() > d) {
                out_of_time = true;
                break;
            }
        }
        bar.finish_and_clear();
        let train_secs = epoch_started.elapsed().as_secs_f64();
        let (figure, fields) = learner.evaluate()?;
        let improved = best.is_none_or(|(_, b)| figure > b);
        let train_loss = loss_sum / loss_n.max(1) as f64;
        let mut line = json!({
            "epoch": epoch,
            "steps": step,
            "train_loss": train_loss,
            "train_seconds": train_secs,
            "elapsed_seconds": started.elapsed().as_secs_f64(),
        });
        if let Value::Object(m) = &mut line {
            m.extend(fields);
            m.insert("kept".into(), improved.into());
            m.insert("stopped_early_by_time".into(), out_of_time.into());
        }
        writeln!(log, "{line}")?;
        eprintln!("epoch {epoch}: loss {train_loss:.4}, dev figure {figure:.4}, kept {improved}");
        if improved {
            best = Some((epoch, figure));
            stale = 0;
            learner.save()?;
        } else {
            stale += 1;
        }
        if out_of_time || stale >= schedule.patience {
            break;
        }
    }
    let (best_epoch, best_figure) =
        best.ok_or_else(|| crate::error::Error::Model("no epoch finished".into()))?;
    Ok(Fitted {
        best_epoch,
        best_figure,
        steps: step,
        epochs_run,
    })
}

/// Sets libtorch's threads (`threads`, default all cores) and seed; returns the thread count.
pub fn seed_and_threads(threads: Option<usize>, seed: i64) -> usize {
    let threads =
        threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    tch::set_num_threads(threads as i32);
    tch::manual_seed(seed);
    threads
}
