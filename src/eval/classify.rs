//! `newsquotes eval stance` and `newsquotes eval claims`: a classifier scored on one of the
//! shared labelled sets ([`crate::datasets`]), with the figures of
//! [`super::classes::ClassReport`]. Predictions are restricted to the set's own label space:
//! P-Stance and IBM claim stance are binary, and are scored as binary tasks.

use super::classes::ClassReport;
use crate::classify::classifier::Classifier;
use crate::classify::targets::Target;
use crate::datasets::{self, Split};
use crate::error::{Error, Result};
use crate::models::Precision;
use crate::models::Task;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

/// Options of `eval stance` and `eval claims`.
#[derive(clap::Args, Debug, Clone)]
pub struct ClassEvalArgs {
    /// The set's folder (stance: P-Stance, IBM claim stance, Emergent, FNC-1, UKP sentential,
    /// PERSPECTRUM, ARC, SNLI, ANLI, or a news-quote set such as tests/data/news_stance;
    /// claims: CheckThat! 2024, CLEF 2019/2020 debates, CheckThat! 2022, ClaimBuster). Several
    /// sets are scored one after the other (claims: a sentence already in an earlier set is
    /// scored once).
    #[arg(long, num_args = 1.., required = true)]
    pub data: Vec<PathBuf>,
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
    /// Score at most this many examples per set (the first ones).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print JSON (one object per set, then the threshold pick) instead of tables.
    #[arg(long)]
    pub json: bool,
    /// How our models compute on the CPU.
    #[arg(long, value_enum, default_value_t = Precision::default())]
    pub precision: Precision,
    /// Claims: answer `yes` from this probability up instead of the model's own threshold.
    #[arg(long)]
    pub threshold: Option<f32>,
    /// Claims: also find the threshold with the best mean F1 (yes) over the given sets, each
    /// set weighing the same whatever its size (run it on the dev split of several genres; the
    /// result goes into a model's manifest as `threshold`).
    #[arg(long)]
    pub pick_threshold: bool,
    /// Print a reliability table and the expected calibration error (ECE) of the scores: per
    /// bin of confidence, how often the answer was right.
    #[arg(long)]
    pub calibration: bool,
    /// Also find the temperature that makes the scores calibrated on the given sets (lowest
    /// log loss; run it on dev splits; the result goes into a model's manifest as
    /// `temperature`).
    #[arg(long)]
    pub fit_temperature: bool,
    /// Stance on a news-quote set: ask the model about every pair, as `extract
    /// --no-target-gate` does, instead of answering "neutral" where the quote's article or
    /// paragraph never names the target.
    #[arg(long)]
    pub no_target_gate: bool,
    /// Also write every example's answer to this file, one JSON object a line (set, target,
    /// text, gold, predicted, the probability of each label, and `basis`: `model` or
    /// `target_not_mentioned`), to read the errors behind the figures.
    #[arg(long)]
    pub predictions: Option<PathBuf>,
}

/// The gate's answer for a news-quote pair, as the pipeline would give it: the probabilities
/// of a "neutral" with the gate's score, the rest shared by the other labels; `None` where
/// the model is asked (and for every pair of the other sets). `files` keeps each targets file
/// read once.
fn gated(
    e: &datasets::Example,
    labels: &[&str],
    files: &mut HashMap<PathBuf, Vec<Target>>,
) -> Result<Option<Vec<f32>>> {
    use crate::classify::relevance::{passage, TargetGate};
    let (Some(ctx), Some(name)) = (e.context.as_ref(), e.target.as_deref()) else {
        return Ok(None);
    };
    if !files.contains_key(&ctx.targets_file) {
        let read = crate::classify::targets::read(&ctx.targets_file)?;
        files.insert(ctx.targets_file.clone(), read);
    }
    let target = files[&ctx.targets_file]
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| {
            Error::Invalid(format!(
                "news-quote target {name:?} is not in {}",
                ctx.targets_file.display()
            ))
        })?;
    let gate = TargetGate::new(std::slice::from_ref(target));
    let article = gate.concern(&ctx.article);
    let quote = passage(&ctx.article, ctx.quote.start, ctx.quote.end);
    let Some(score) = gate.within(&article, quote).gated_score(0) else {
        return Ok(None);
    };
    let rest = (1.0 - score) / (labels.len() - 1) as f32;
    Ok(Some(
        labels
            .iter()
            .map(|l| if *l == "neutral" { score } else { rest })
            .collect(),
    ))
}

/// One set's scores: gold labels and the model's probabilities, in the task's label order.
struct Scored {
    set: datasets::DataSet,
    gold: Vec<String>,
    probs: Vec<Vec<f32>>,
}

impl Scored {
    /// Per example: the probabilities over the set's own labels (renormalised, so a binary
    /// set's favor and against sum to 1) and the index of the gold label among them.
    fn within(&self, labels: &[&str], temperature: f32) -> Vec<(Vec<f64>, Option<usize>)> {
        let allowed = self.set.kind.labels();
        self.gold
            .iter()
            .zip(&self.probs)
            .map(|(gold, probs)| {
                let probs = crate::classify::calibration::with_temperature(probs, temperature);
                let kept: Vec<f64> = labels
                    .iter()
                    .zip(&probs)
                    .filter(|(l, _)| allowed.contains(*l))
                    .map(|(_, &p)| f64::from(p))
                    .collect();
                let sum: f64 = kept.iter().sum::<f64>().max(1e-12);
                let names: Vec<&&str> = labels.iter().filter(|l| allowed.contains(*l)).collect();
                let gold = names.iter().position(|l| **l == gold.as_str());
                (kept.iter().map(|p| p / sum).collect(), gold)
            })
            .collect()
    }
}

/// Bins of the reliability table.
const BINS: usize = 10;

/// Per confidence bin: (examples, right, sum of confidence); and the ECE over all bins.
fn reliability(items: &[(Vec<f64>, Option<usize>)]) -> (Vec<(u64, u64, f64)>, f64) {
    let mut bins = vec![(0u64, 0u64, 0.0f64); BINS];
    for (probs, gold) in items {
        let Some(gold) = gold else { continue };
        let (best, conf) =
            probs.iter().enumerate().fold(
                (0, f64::MIN),
                |acc, (i, &p)| if p > acc.1 { (i, p) } else { acc },
            );
        let bin = ((conf * BINS as f64) as usize).min(BINS - 1);
        bins[bin].0 += 1;
        bins[bin].1 += u64::from(best == *gold);
        bins[bin].2 += conf;
    }
    let total: u64 = bins.iter().map(|b| b.0).sum();
    let ece = bins
        .iter()
        .filter(|b| b.0 > 0)
        .map(|&(n, right, conf)| {
            let gap = (right as f64 / n as f64 - conf / n as f64).abs();
            gap * n as f64 / total.max(1) as f64
        })
        .sum();
    (bins, ece)
}

/// Mean negative log-likelihood of the gold labels.
fn log_loss(items: &[(Vec<f64>, Option<usize>)]) -> f64 {
    let (sum, n) = items
        .iter()
        .filter_map(|(p, g)| g.map(|g| -p[g].max(1e-12).ln()))
        .fold((0.0, 0u64), |(s, n), l| (s + l, n + 1));
    sum / n.max(1) as f64
}

fn print_calibration(scored: &[Scored], labels: &[&str], json: bool) {
    let mut all = Vec::new();
    for s in scored {
        let items = s.within(labels, 1.0);
        let (_, ece) = reliability(&items);
        if !json {
            println!("{}: ECE {:.3}", s.set.kind.name(), ece);
        }
        all.extend(items);
    }
    let (bins, ece) = reliability(&all);
    if json {
        let rows: Vec<serde_json::Value> = bins
            .iter()
            .enumerate()
            .map(|(i, &(n, right, conf))| {
                serde_json::json!({"bin": [i as f64 / BINS as f64, (i + 1) as f64 / BINS as f64],
                    "examples": n, "accuracy": right as f64 / n.max(1) as f64,
                    "mean_confidence": conf / n.max(1) as f64})
            })
            .collect();
        println!("{}", serde_json::json!({"ece": ece, "reliability": rows}));
        return;
    }
    println!("all sets: ECE {ece:.3}\n\n| confidence | examples | accuracy | mean confidence |\n|---|---|---|---|");
    for (i, &(n, right, conf)) in bins.iter().enumerate() {
        if n > 0 {
            println!(
                "| {:.1}-{:.1} | {n} | {:.3} | {:.3} |",
                i as f64 / BINS as f64,
                (i + 1) as f64 / BINS as f64,
                right as f64 / n as f64,
                conf / n as f64
            );
        }
    }
}

/// The temperature (relative to the scores given, 0.5 to 5 in steps of 0.05) with the lowest
/// log loss over every example of the sets.
fn fit_temperature(scored: &[Scored], labels: &[&str]) -> (f32, f64, f64) {
    let loss = |t: f32| {
        let items: Vec<_> = scored.iter().flat_map(|s| s.within(labels, t)).collect();
        (log_loss(&items), reliability(&items).1)
    };
    let mut best = (1.0f32, f64::MAX, 0.0);
    for step in 10..=100 {
        let t = step as f32 * 0.05;
        let (l, ece) = loss(t);
        if l < best.1 {
            best = (t, l, ece);
        }
    }
    best
}

/// Scores the model for `task` on the chosen split of every given set and prints the figures;
/// returns the report of the last set.
pub fn run(task: Task, args: &ClassEvalArgs) -> Result<ClassReport> {
    let sets = args
        .data
        .iter()
        .map(|path| {
            let set = datasets::detect(path)?;
            if set.kind.is_stance() != (task == Task::Stance) {
                return Err(Error::Invalid(format!(
                    "{}: {} is not a {} set",
                    path.display(),
                    set.kind.name(),
                    task.stage()
                )));
            }
            Ok(set)
        })
        .collect::<Result<Vec<_>>>()?;
    let loaded = if task == Task::Claims {
        datasets::load_deduplicated(&sets, args.split)?
    } else {
        sets.iter()
            .map(|s| datasets::load(s, args.split))
            .collect::<Result<_>>()?
    };
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
    let threshold = args.threshold.unwrap_or_else(|| model.threshold());
    let labels = task.labels();
    let mut scored = Vec::new();
    let mut last = None;
    // Opened before any scoring, so that a bad path fails at once.
    let mut predictions = match &args.predictions {
        Some(path) => Some(crate::atomic::AtomicFile::create(path)?),
        None => None,
    };
    for (set, mut examples) in sets.into_iter().zip(loaded) {
        if let Some(n) = args.limit {
            examples.truncate(n);
        }
        let mut files = HashMap::new();
        let answers: Vec<Option<Vec<f32>>> = if task == Task::Stance && !args.no_target_gate {
            examples
                .iter()
                .map(|e| gated(e, labels, &mut files))
                .collect::<Result<_>>()?
        } else {
            vec![None; examples.len()]
        };
        let inputs: Vec<(Option<String>, String)> = examples
            .iter()
            .zip(&answers)
            .filter(|(_, a)| a.is_none())
            .map(|(e, _)| (e.target.clone(), e.text.clone()))
            .collect();
        let started = std::time::Instant::now();
        let mut asked = crate::classify::scoring::score_unique(&model, &inputs, &pool)?.into_iter();
        let secs = started.elapsed().as_secs_f64();
        // Pairs the gate answered, and how many of those are neutral in gold.
        let was_gated: Vec<bool> = answers.iter().map(Option::is_some).collect();
        let gated_pairs = was_gated.iter().filter(|g| **g).count();
        let gated_neutral = examples
            .iter()
            .zip(&was_gated)
            .filter(|(e, g)| **g && e.label == "neutral")
            .count();
        let probs: Vec<Vec<f32>> = answers
            .into_iter()
            .map(|a| a.or_else(|| asked.next()).unwrap_or_default())
            .collect();
        let mut report = ClassReport::new(labels);
        for ((e, p), gated) in examples.iter().zip(&probs).zip(&was_gated) {
            let predicted = if task == Task::Claims {
                yes_no(p, threshold)
            } else {
                labels[crate::classify::predict_within(p, labels, set.kind.labels())]
            };
            report.add(&e.label, predicted);
            if let Some(file) = predictions.as_mut() {
                let probs: serde_json::Map<String, serde_json::Value> = labels
                    .iter()
                    .zip(p)
                    .map(|(l, p)| (l.to_string(), (*p).into()))
                    .collect();
                let line = serde_json::json!({
                    "set": set.kind.name(),
                    "target": e.target,
                    "text": e.text,
                    "gold": e.label,
                    "predicted": predicted,
                    "probs": probs,
                    "basis": if *gated { "target_not_mentioned" } else { "model" },
                });
                writeln!(file, "{line}")
                    .map_err(|e| Error::Invalid(format!("cannot write --predictions: {e}")))?;
            }
        }
        let gold: Vec<String> = examples.into_iter().map(|e| e.label).collect();
        let ap = (task == Task::Claims).then(|| average_precision(&gold, &probs));
        if args.json {
            let mut v = report.to_json();
            v["set"] = set.kind.name().into();
            v["split"] = format!("{:?}", args.split).to_lowercase().into();
            v["model"] = model.info().id.clone().into();
            v["seconds"] = secs.into();
            if gated_pairs > 0 {
                v["gated"] = serde_json::json!({"pairs": gated_pairs, "neutral": gated_neutral});
            }
            if let Some(ap) = ap {
                v["threshold"] = threshold.into();
                v["average_precision"] = ap.into();
            }
            println!("{v}");
        } else {
            println!(
                "{} {:?} split, model {} ({:.1} s)\n{report}",
                set.kind.name(),
                args.split,
                model.info().id,
                secs
            );
            if gated_pairs > 0 {
                println!(
                    "target gate: {gated_pairs} pairs answered neutral without the model \
                     ({gated_neutral} of them neutral in gold; --no-target-gate asks the model)\n"
                );
            }
            if let Some(ap) = ap {
                let yes = report.class("yes");
                println!(
                    "positive class (yes) at threshold {threshold}: P {:.1} R {:.1} F1 {:.1}; \
                     average precision {:.1}\n",
                    100.0 * yes.precision,
                    100.0 * yes.recall,
                    100.0 * yes.f1,
                    100.0 * ap
                );
            }
        }
        scored.push(Scored { set, gold, probs });
        last = Some(report);
    }
    if let Some(file) = predictions {
        file.commit()?;
    }
    if args.pick_threshold && task == Task::Claims {
        print_pick(&scored, args.json);
    }
    if args.calibration {
        print_calibration(&scored, labels, args.json);
    }
    if args.fit_temperature {
        let (relative, loss, ece) = fit_temperature(&scored, labels);
        let temperature = relative * model.temperature();
        if args.json {
            println!(
                "{}",
                serde_json::json!({"temperature": temperature, "log_loss": loss, "ece": ece})
            );
        } else {
            println!(
                "temperature with the lowest log loss over these sets: {temperature:.2} \
                 (log loss {loss:.3}, ECE {ece:.3}); the model's own is {}",
                model.temperature()
            );
        }
    }
    last.ok_or_else(|| Error::Invalid("no set to score".into()))
}

/// `yes` when the probability of `yes` (the second output) reaches `threshold`.
fn yes_no(probs: &[f32], threshold: f32) -> &'static str {
    if probs.get(1).copied().unwrap_or(0.0) >= threshold {
        "yes"
    } else {
        "no"
    }
}

/// F1 of `yes` at `threshold`.
fn f1_at(s: &Scored, threshold: f32) -> f64 {
    let mut report = ClassReport::new(&["no", "yes"]);
    for (g, p) in s.gold.iter().zip(&s.probs) {
        report.add(g, yes_no(p, threshold));
    }
    report.class("yes").f1
}

/// Average precision of `yes` over the ranking by its probability (the mean of the precision
/// at each check-worthy example, as CheckThat! reports it; ties broken by input order).
fn average_precision(gold: &[String], probs: &[Vec<f32>]) -> f64 {
    let mut order: Vec<usize> = (0..gold.len()).collect();
    let p = |i: usize| probs[i].get(1).copied().unwrap_or(0.0);
    order.sort_by(|&a, &b| p(b).total_cmp(&p(a)));
    let (mut hits, mut sum) = (0u64, 0.0);
    for (rank, &i) in order.iter().enumerate() {
        if gold[i] == "yes" {
            hits += 1;
            sum += hits as f64 / (rank + 1) as f64;
        }
    }
    if hits == 0 {
        0.0
    } else {
        sum / hits as f64
    }
}

/// The threshold (0.05 to 0.95 in steps of 0.01) with the best mean F1 (yes) over the sets,
/// and each set's F1 there.
fn pick_threshold(scored: &[Scored]) -> (f32, f64, Vec<f64>) {
    let mut best = (0.5, f64::MIN, Vec::new());
    for step in 5..=95 {
        let t = step as f32 / 100.0;
        let per_set: Vec<f64> = scored.iter().map(|s| f1_at(s, t)).collect();
        let mean = per_set.iter().sum::<f64>() / per_set.len().max(1) as f64;
        if mean > best.1 {
            best = (t, mean, per_set);
        }
    }
    best
}

fn print_pick(scored: &[Scored], json: bool) {
    let (t, mean, per_set) = pick_threshold(scored);
    if json {
        let sets: serde_json::Map<String, serde_json::Value> = scored
            .iter()
            .zip(&per_set)
            .map(|(s, f)| (s.set.kind.name().to_string(), (*f).into()))
            .collect();
        println!(
            "{}",
            serde_json::json!({"picked_threshold": t, "mean_f1_yes": mean, "f1_yes": sets})
        );
    } else {
        println!(
            "threshold with the best mean F1 (yes) over these sets: {t} (mean {:.1})",
            100.0 * mean
        );
        for (s, f) in scored.iter().zip(&per_set) {
            println!("  {}: F1 {:.1}", s.set.kind.name(), 100.0 * f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(gold: &[&str], yes: &[f32]) -> Scored {
        Scored {
            set: datasets::DataSet {
                kind: datasets::SetKind::CheckThat,
                dir: PathBuf::new(),
            },
            gold: gold.iter().map(|g| g.to_string()).collect(),
            probs: yes.iter().map(|&p| vec![1.0 - p, p]).collect(),
        }
    }

    #[test]
    fn average_precision_follows_the_ranking() {
        let s = scored(&["yes", "no", "yes", "no"], &[0.9, 0.8, 0.7, 0.1]);
        // Ranks 1 and 3: (1/1 + 2/3) / 2.
        let ap = average_precision(&s.gold, &s.probs);
        assert!((ap - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-9, "{ap}");
        let perfect = scored(&["no", "yes"], &[0.2, 0.6]);
        assert_eq!(average_precision(&perfect.gold, &perfect.probs), 1.0);
    }

    #[test]
    fn overconfident_scores_get_a_temperature_above_one_and_a_lower_ece() {
        // Right 60 % of the time at confidence 0.95: overconfident.
        let n = 100;
        let gold: Vec<&str> = (0..n)
            .map(|i| if i % 5 < 3 { "yes" } else { "no" })
            .collect();
        let s = scored(&gold, &vec![0.95; n]);
        let before = reliability(&s.within(&["no", "yes"], 1.0)).1;
        assert!((before - 0.35).abs() < 1e-6, "{before}");
        let (t, _, after) = fit_temperature(&[s], &["no", "yes"]);
        assert!(t > 2.0, "{t}");
        assert!(after < 0.05, "{after}");
    }

    #[test]
    fn the_picked_threshold_serves_every_set_alike() {
        // One set separates at 0.3, the other at 0.7; any threshold between gives both F1 1.
        let a = scored(&["yes", "no"], &[0.75, 0.2]);
        let b = scored(&["yes", "no"], &[0.35, 0.25]);
        let (t, mean, per_set) = pick_threshold(&[a, b]);
        assert!((0.26..=0.35).contains(&t), "{t}");
        assert_eq!(mean, 1.0);
        assert_eq!(per_set, vec![1.0, 1.0]);
    }
}
