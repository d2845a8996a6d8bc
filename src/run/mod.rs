//! One `extract` (or `rerun`) run from start to finish: models, the parallel pipeline, the
//! output with its document index, resuming a killed run, the final output files and the run
//! manifest.
//!
//! A run to a file never writes the file itself until the end. It writes a spool
//! (`.NAME.partial`) and a document index (`.NAME.docs.partial`, see [`journal`]) side by side,
//! appending to the index only after a document's lines have left the process. When the run is
//! killed, both stay; `--resume` cuts the spool back to the last indexed document, checks that
//! the configuration, models and input order are the same, skips the documents already done and
//! carries on, so the finished output is byte for byte what an uninterrupted run writes. At the
//! end [`finish`] turns the spool into the output file(s) (a rename, or a conversion to Parquet
//! or a split into parts), then the index becomes `NAME.docs` and the manifest
//! `NAME.manifest.json` is written last: a manifest means the run completed.

pub mod finish;
pub mod journal;
pub mod manifest;
pub mod rerun;
pub mod summary;

use crate::attribution::{build_extractor, ExtractorChoice};
use crate::classify::claims::ClaimsClassifier;
use crate::classify::classifier::Classifier;
use crate::classify::relevance::TargetGate;
use crate::classify::stance::StanceClassifier;
use crate::classify::targets;
use crate::classify::Classifiers;
use crate::error::{Error, Result};
use crate::models::ModelInfo;
use crate::models::Task;
use crate::pipeline::stages::{ClaimsStage, StanceStage};
use crate::pipeline::{BatchOptions, Pipeline};
use crate::progress::{Progress, ProgressMode};
use crate::reader::{self, ReadOptions, SourceKind};
use crate::writer::{Destination, Format, OutputWriter};
use journal::{DocEntry, JournalWriter};
use manifest::{InputFile, RunConfig, RunManifest};
use rerun::PreviousRun;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;
use summary::Summary;

/// Everything a run needs to know.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// What decides the output (inputs, format, extractor, ...).
    pub config: RunConfig,
    /// The extractor choice behind `config.extractor`.
    pub extractor: ExtractorChoice,
    /// Output format behind `config.format`.
    pub format: Format,
    /// Output file; `None` for stdout.
    pub output: Option<PathBuf>,
    /// Where to write the manifest of a stdout run (file runs always write one beside the
    /// output).
    pub manifest: Option<PathBuf>,
    /// Worker threads.
    pub threads: usize,
    /// Continue a killed run to the same output.
    pub resume: bool,
    /// Progress display.
    pub progress: ProgressMode,
    /// The command line, for the manifest.
    pub command_line: Vec<String>,
    /// For `rerun`: the previous output.
    pub previous_output: Option<PathBuf>,
}

/// What the spool's companion file remembers about the run that is writing it, so that a
/// resumed run can check it continues the same run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct RunState {
    config: RunConfig,
    models: BTreeMap<String, ModelInfo>,
    started: String,
    resumed: Vec<String>,
}

/// The files of a run to `target`.
struct RunFiles {
    target: PathBuf,
    spool: PathBuf,
    index: PathBuf,
    state: PathBuf,
}

impl RunFiles {
    fn new(target: &Path) -> Self {
        let hidden = |suffix: &str| {
            let name = target.file_name().unwrap_or_default().to_string_lossy();
            target.with_file_name(format!(".{name}{suffix}"))
        };
        RunFiles {
            target: target.to_path_buf(),
            spool: hidden(".partial"),
            index: hidden(".docs.partial"),
            state: hidden(".run.partial"),
        }
    }

    /// Removes temporary files that a killed run left while writing its final files (output
    /// parts, the manifest): they are never continued, and the run makes new ones.
    fn remove_stale_temporaries(&self) {
        let name = self
            .target
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        let stem = self
            .target
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy();
        let (own, parts) = (format!(".{name}."), format!(".{stem}.part-"));
        let ours = [&self.spool, &self.index, &self.state];
        let dir = match self.target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            let stale = file.ends_with(".partial")
                && (file.starts_with(&own) || file.starts_with(&parts))
                && !ours
                    .iter()
                    .any(|p| p.file_name() == Some(entry.file_name().as_os_str()));
            if stale {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    fn final_index(&self) -> PathBuf {
        manifest::sidecar(&self.target, ".docs")
    }
}

/// Inputs per forward pass of the classifiers.
const CLASSIFIER_BATCH: usize = 32;

/// The classifier folder for `task`: the explicit option, else the task's model under
/// `--models`, else the one shipped in `models/`.
fn classifier_dir(explicit: Option<&Path>, models: Option<&Path>, task: Task) -> PathBuf {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| models.and_then(|d| crate::models::find(d, task)))
        .unwrap_or_else(|| task.default_dir())
}

/// Loads the stance model and targets (with `--targets`) and the claims model (unless
/// `--no-claims`; when none is installed, records carry `claim: null`).
pub fn build_classification(config: &RunConfig) -> Result<Classifiers> {
    let models = config.models_dir.as_deref();
    let stance = match &config.targets {
        None => None,
        Some(path) => {
            let targets = targets::read(path)?;
            let dir = classifier_dir(config.stance_model.as_deref(), models, Task::Stance);
            let classifier =
                Classifier::load(&dir, Task::Stance, CLASSIFIER_BATCH, config.precision)?;
            let gate = config.target_gate.then(|| TargetGate::new(&targets));
            Some(StanceClassifier {
                classifier,
                targets,
                gate,
            })
        }
    };
    let claims = if config.claims {
        let dir = classifier_dir(config.claims_model.as_deref(), models, Task::Claims);
        if dir.exists() || config.claims_model.is_some() {
            Some(ClaimsClassifier {
                classifier: Classifier::load(
                    &dir,
                    Task::Claims,
                    CLASSIFIER_BATCH,
                    config.precision,
                )?,
            })
        } else {
            eprintln!(
                "newsquotes: no check-worthiness model at {}; records get claim: null",
                dir.display()
            );
            None
        }
    } else {
        None
    };
    Ok(Classifiers { stance, claims })
}

/// Builds the pipeline with the stages and models the configuration asks for: extraction, then
/// stance (with `--targets`) and check-worthiness (unless `--no-claims`).
fn build_pipeline(req: &RunRequest) -> Result<Pipeline<'static>> {
    let extractor = build_extractor(
        req.extractor,
        req.config.models_dir.as_deref(),
        req.config.batch_size,
        req.config.precision,
    )?;
    let Classifiers { stance, claims } = build_classification(&req.config)?;
    let mut pipeline = Pipeline::extraction(extractor);
    if let Some(stance) = stance {
        pipeline = pipeline.with_stage(Box::new(StanceStage::new(stance)));
    }
    if let Some(claims) = claims {
        pipeline = pipeline.with_stage(Box::new(ClaimsStage::new(claims)));
    }
    Ok(pipeline)
}

/// Hashes the input files on a thread of its own while the run goes on.
fn hash_inputs(sources: &[reader::Source]) -> std::thread::JoinHandle<Vec<InputFile>> {
    let sources = sources.to_vec();
    std::thread::spawn(move || {
        sources
            .into_iter()
            .map(|s| {
                let readable = matches!(
                    s.kind,
                    SourceKind::Txt | SourceKind::Jsonl | SourceKind::JsonlGz
                );
                let bytes = std::fs::metadata(&s.path).map_or(0, |m| m.len());
                let sha256 = readable
                    .then(|| crate::digest::sha256_file(&s.path).ok())
                    .flatten();
                InputFile {
                    path: s.path,
                    bytes,
                    sha256,
                }
            })
            .collect()
    })
}

/// Where a resumed run starts.
struct ResumePoint {
    state: RunState,
    journal: journal::Journal,
}

/// Reads the partial state of an interrupted run to `files`, or `None` when there is none.
fn resume_point(
    files: &RunFiles,
    config: &RunConfig,
    models: &BTreeMap<String, ModelInfo>,
) -> Result<Option<ResumePoint>> {
    if !(files.spool.exists() && files.index.exists() && files.state.exists()) {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&files.state).map_err(|source| Error::Path {
        path: files.state.clone(),
        source,
    })?;
    let state: RunState = serde_json::from_str(&text)
        .map_err(|e| Error::Invalid(format!("{}: {e}", files.state.display())))?;
    if &state.config != config {
        return Err(Error::Invalid(format!(
            "--resume: the interrupted run to {} had other settings ({}); run without --resume \
             to start again",
            files.target.display(),
            serde_json::to_string(&state.config)?
        )));
    }
    let ids = |m: &BTreeMap<String, ModelInfo>| {
        m.iter()
            .map(|(k, v)| (k.clone(), v.id.clone()))
            .collect::<Vec<_>>()
    };
    if ids(&state.models) != ids(models) {
        return Err(Error::Invalid(format!(
            "--resume: the interrupted run used other models ({:?}, now {:?}); run without \
             --resume to start again",
            ids(&state.models),
            ids(models)
        )));
    }
    let journal = journal::read(&files.index)?;
    Ok(Some(ResumePoint { state, journal }))
}

/// Runs the pipeline as `req` says. For `rerun`, `previous` is the earlier run whose records
/// are taken over for unchanged documents when nothing that made them changed. Returns the
/// run's summary (also written into the manifest).
pub fn execute(req: &RunRequest, previous: Option<&PreviousRun>) -> Result<Summary> {
    let started_at = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(req.threads)
        .thread_name(|i| format!("newsquotes-worker-{i}"))
        .build()
        .map_err(|e| Error::Invalid(format!("cannot start worker threads: {e}")))?;
    let mut pipeline = build_pipeline(req)?;
    let models: BTreeMap<String, ModelInfo> = pipeline.models();
    if let Some(previous) = previous {
        let id = &models["attribution"].id;
        match previous.stale_because(id, req.config.max_doc_bytes) {
            Some(why) => {
                eprintln!("newsquotes: rerun: {why}: every document is processed again")
            }
            None => {
                let records = previous.records()?;
                let reclassify = previous.classification_changed(&models, &req.config);
                eprintln!(
                    "newsquotes: rerun: the records of {} documents are reused where the \
                     document is unchanged{}",
                    records.len(),
                    if reclassify {
                        "; their stance and claims are classified again"
                    } else {
                        ""
                    }
                );
                pipeline = pipeline.with_reuse(Box::new(records), reclassify);
            }
        }
    }

    // A regular file gets the spool, index and manifest; stdout, devices and pipes are written
    // in place as a stream.
    let files = req
        .output
        .as_deref()
        .filter(|p| std::fs::metadata(p).map_or(true, |m| m.is_file()))
        .map(RunFiles::new);
    if req.format == Format::Parquet && files.is_none() {
        return Err(Error::Invalid(
            "--format parquet needs an output file (-o FILE)".to_string(),
        ));
    }
    if req.resume && files.is_none() {
        return Err(Error::Invalid(
            "--resume needs an output file (-o FILE)".to_string(),
        ));
    }
    // A file run spools JSONL whatever its format: the speakers pass reads it and rewrites
    // each record with its corpus key on the way to the output format.
    let spool_format = match (&files, req.format) {
        (Some(_), _) | (None, Format::Parquet) => Format::Jsonl,
        (None, other) => other,
    };
    let gender_names = req
        .config
        .gender_names
        .as_deref()
        .map(crate::roster::GenderNames::read)
        .transpose()?;
    let min_confidence = req.config.min_confidence;

    let mut summary = Summary::default();
    let mut done_ids = Vec::new();
    let mut state = RunState {
        config: req.config.clone(),
        models: models.clone(),
        started: manifest::now_rfc3339(),
        resumed: Vec::new(),
    };
    let (mut writer, mut index) = match &files {
        None => {
            let dest = match &req.output {
                Some(path) => Destination::file(path)?,
                None => Destination::stdout(),
            };
            (OutputWriter::new(spool_format, dest)?, None)
        }
        Some(files) => {
            files.remove_stale_temporaries();
            let point = if req.resume {
                resume_point(files, &req.config, &models)?
            } else {
                None
            };
            match point {
                Some(point) if !point.journal.entries.is_empty() => {
                    state.started = point.state.started;
                    state.resumed = point.state.resumed;
                    state.resumed.push(manifest::now_rfc3339());
                    for e in &point.journal.entries {
                        summary.count(e.records, e.error.as_deref(), e.words, e.reused);
                    }
                    eprintln!(
                        "newsquotes: resuming {}: {} documents already done",
                        files.target.display(),
                        point.journal.entries.len()
                    );
                    let dest = Destination::spool(&files.spool, Some(point.journal.end()))?;
                    let index = JournalWriter::resume(&files.index, point.journal.valid_bytes)?;
                    done_ids = point
                        .journal
                        .entries
                        .into_iter()
                        .map(|e| e.doc_id)
                        .collect();
                    (
                        OutputWriter::with_header(spool_format, dest, false)?,
                        Some(index),
                    )
                }
                _ => {
                    if req.resume {
                        eprintln!(
                            "newsquotes: --resume: no interrupted run to {}; starting a new run",
                            files.target.display()
                        );
                    }
                    crate::atomic::write_json_atomically(&files.state, &state)?;
                    let dest = Destination::spool(&files.spool, None)?;
                    let index = JournalWriter::create(&files.index)?;
                    (OutputWriter::new(spool_format, dest)?, Some(index))
                }
            }
        }
    };

    let sources = reader::discover(&req.config.inputs);
    if sources.ignored > 0 {
        eprintln!(
            "newsquotes: ignored {} file(s) in input directories that are not .txt, .jsonl or .jsonl.gz",
            sources.ignored
        );
    }
    let hashing = hash_inputs(&sources.sources);
    let progress = Progress::new(req.progress, sources.known_document_count());
    let mut docs = reader::documents(
        sources.sources,
        ReadOptions {
            max_doc_bytes: req.config.max_doc_bytes,
        },
    );
    // Documents the interrupted run finished are read again (to keep the order) but not
    // processed; they must be the same documents in the same order.
    for expected in &done_ids {
        let found = docs.next().map(|d| match d {
            Ok(doc) => doc.id,
            Err(e) => e.doc_id,
        });
        if found.as_ref() != Some(expected) {
            return Err(Error::Invalid(format!(
                "--resume: the inputs changed since the interrupted run (expected document \
                 {expected}, found {}); run without --resume to start again",
                found.map_or_else(|| "the end of the input".to_string(), |d| d.0)
            )));
        }
        progress.document_done(summary.error_count());
    }

    pipeline.run(
        docs,
        &pool,
        BatchOptions::default(),
        |mut outcome| -> Result<()> {
            if let (Some(min), Ok(records)) = (min_confidence, &mut outcome.result) {
                records.retain(|r| min.keeps(r.speaker.confidence));
            }
            summary.add(&outcome);
            progress.document_done(summary.error_count());
            writer.write(&outcome)?;
            if let Some(index) = &mut index {
                index.append(&DocEntry::new(&outcome, writer.position()))?;
            }
            Ok(())
        },
    )?;
    progress.finish();
    writer.finish()?;
    let inputs = hashing.join().unwrap_or_default();
    summary.elapsed = started_at.elapsed();

    let mut manifest = RunManifest {
        manifest_version: manifest::MANIFEST_VERSION,
        pipeline: crate::VERSION.to_string(),
        git_commit: manifest::GIT_COMMIT.map(str::to_string),
        command_line: req.command_line.clone(),
        config: req.config.clone(),
        models,
        inputs,
        outputs: Vec::new(),
        document_index: None,
        counts: summary.clone(),
        threads: req.threads,
        started: state.started,
        finished: String::new(),
        resumed: state.resumed,
        previous_output: req.previous_output.clone(),
        speakers: Vec::new(),
    };
    match (&files, index) {
        (Some(files), Some(mut index)) => {
            index.sync()?;
            drop(index);
            let journal = journal::read(&files.index)?;
            // The corpus pass: names and counts from the spool, then every record gets its
            // corpus key and gender as the spool becomes the output.
            let pass = Instant::now();
            let mut roster = crate::roster::Roster::new();
            roster.observe_jsonl(&files.spool)?;
            let records = roster.records();
            let keys = roster.finish(gender_names.as_ref());
            let (outputs, entries) = finish::finalize(
                &files.spool,
                &journal.entries,
                req.format,
                &files.target,
                req.config.split_records,
                Some(&keys),
            )?;
            manifest.outputs = outputs;
            let mut tables = vec![crate::roster::table::table_path(&files.target, "jsonl")];
            crate::roster::table::write_jsonl(&keys, &tables[0])?;
            if req.format == Format::Parquet {
                tables.push(crate::roster::table::table_path(&files.target, "parquet"));
                crate::roster::table::write_parquet(&keys, &tables[1])?;
            }
            eprintln!(
                "newsquotes: speakers: {} keys over {records} records ({:.2} s), table {}",
                keys.speakers().len(),
                pass.elapsed().as_secs_f64(),
                tables[0].display()
            );
            manifest.speakers = tables;
            let final_index = files.final_index();
            journal::write_final(&final_index, &entries)?;
            let _ = std::fs::remove_file(&files.index);
            manifest.document_index = Some(final_index);
            manifest.finished = manifest::now_rfc3339();
            // Before the manifest, so that a manifest always means nothing is left over.
            let _ = std::fs::remove_file(&files.state);
            manifest.write(&manifest::manifest_path(&files.target))?;
        }
        _ => {
            if let Some(path) = &req.manifest {
                manifest.finished = manifest::now_rfc3339();
                manifest.write(path)?;
            }
        }
    }
    Ok(summary)
}
