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
//!
//! Only one run at a time writes an output ([`lock`]). A resumed run compares every journalled
//! document with the input as it is now and processes changed ones again ([`resume`]); a run
//! killed after its output was in place but before its manifest was written is finished by
//! `--resume` (manifest written, nothing recomputed). The run state keeps the time of every
//! segment of a resumed run, so that its summary counts them all.

pub mod finish;
pub mod journal;
pub mod lock;
pub mod manifest;
pub mod rerun;
pub mod resume;
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
use crate::pipeline;
use crate::pipeline::stages::{ClaimsStage, StanceStage};
use crate::pipeline::{BatchOptions, Pipeline};
use crate::progress::{Progress, ProgressMode};
use crate::reader::{self, DocResult, SourceKind};
use crate::writer::{CsvLayout, Destination, Format, OutputWriter};
use journal::{DocEntry, JournalWriter};
use lock::OutputLock;
use manifest::OutputFile;
use manifest::{InputFile, RunConfig, RunManifest};
use rerun::PreviousRun;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};
use summary::Summary;

/// How long a document read from stdin waits for others to share its chunk: a slow producer's
/// documents come out this long (plus their processing) after they arrive.
const STDIN_MAX_WAIT: Duration = Duration::from_millis(50);

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
    /// Where to write the document index as well (`--docs FILE`): for a stream run the only
    /// account of every input document, which a caller that feeds `extract -` (the Spark job)
    /// pairs with its input, line for line; for a file run a copy of `OUT.docs`.
    pub docs: Option<PathBuf>,
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
    /// Run time of the segments before the current one, in milliseconds.
    #[serde(default)]
    elapsed_ms: u64,
    /// When the current segment started (milliseconds since the Unix epoch; 0: none running).
    /// A killed segment ran until its index was last written.
    #[serde(default)]
    segment_started_ms: u64,
    /// Set once the output files are in place: all that is left is the manifest.
    #[serde(default)]
    outputs: Option<Vec<OutputFile>>,
    /// The speakers tables written beside the output (with `outputs`).
    #[serde(default)]
    speakers: Vec<PathBuf>,
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl RunState {
    /// The run time of the segment a kill interrupted: from its start to the last write of its
    /// index.
    fn interrupted_segment_ms(&self, index: &Path) -> u64 {
        if self.segment_started_ms == 0 {
            return 0;
        }
        std::fs::metadata(index)
            .and_then(|m| m.modified())
            .map_or(0, |t| unix_ms(t).saturating_sub(self.segment_started_ms))
    }
}

/// The files of a run to `target`.
struct RunFiles {
    target: PathBuf,
    spool: PathBuf,
    index: PathBuf,
    state: PathBuf,
    /// Where a resume with changed documents sets the interrupted run's later lines aside.
    kept: PathBuf,
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
            kept: hidden(".kept.partial"),
        }
    }

    /// Whether `path` is one of the run's own files (or a temporary file of one), which users
    /// never named: errors about them name the output instead.
    fn is_internal(&self, path: &Path) -> bool {
        let name = self
            .target
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        path.parent() == self.target.parent()
            && path.file_name().is_some_and(|f| {
                let f = f.to_string_lossy();
                f.starts_with(&format!(".{name}.")) && f.ends_with(".partial")
            })
    }

    /// Whether the output is one file that the spool becomes by a rename.
    fn renamed_into_place(config: &RunConfig) -> bool {
        config.split_records.is_none() && config.format != Format::Parquet.as_str()
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

/// The document index of a stream run, written as `--docs FILE` asks: the writer's own
/// [`Destination`] (atomically to a regular file, so a killed run leaves no index that looks
/// complete; in place to a pipe or device).
struct DocsSink(Destination);

impl DocsSink {
    fn create(path: &Path) -> Result<Self> {
        Ok(DocsSink(Destination::file(path)?))
    }

    fn append(&mut self, entry: &DocEntry) -> Result<()> {
        use std::io::Write;
        serde_json::to_writer(&mut self.0, entry)?;
        self.0.write_all(b"\n")?;
        Ok(())
    }

    fn finish(self) -> Result<()> {
        self.0.commit()
    }
}

/// The names of the run's stance targets, in the targets file's order (none without
/// `--targets`): the CSV output has two columns for each.
fn target_names(config: &RunConfig) -> Result<Vec<String>> {
    Ok(match &config.targets {
        Some(path) => targets::read(path)?.into_iter().map(|t| t.name).collect(),
        None => Vec::new(),
    })
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

/// What a killed run to the same output left behind.
enum Interrupted {
    /// It was processing documents: continue with its spool and index.
    Running {
        state: RunState,
        journal: journal::Journal,
    },
    /// Its output files were in place (recorded in the state, or the spool already renamed to
    /// the output): only the manifest is missing.
    Finished { state: RunState },
}

/// Reads the state of an interrupted run to `files`, or `None` when there is none.
fn interrupted(
    files: &RunFiles,
    config: &RunConfig,
    models: &BTreeMap<String, ModelInfo>,
) -> Result<Option<Interrupted>> {
    if !files.state.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&files.state).map_err(|source| Error::Path {
        path: files.state.clone(),
        source,
    })?;
    let state: RunState = serde_json::from_str(&text).map_err(|e| Error::Path {
        path: files.state.clone(),
        source: std::io::Error::other(format!(
            "the interrupted run's state cannot be read ({e}); run without --resume"
        )),
    })?;
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
    let index_left = files.index.exists() || files.final_index().exists();
    if state.outputs.is_some() && index_left {
        return Ok(Some(Interrupted::Finished { state }));
    }
    if !files.spool.exists()
        && files.index.exists()
        && files.target.is_file()
        && RunFiles::renamed_into_place(config)
    {
        // Killed just after the spool was renamed to the output.
        return Ok(Some(Interrupted::Finished { state }));
    }
    if files.spool.exists() && files.index.exists() {
        let journal = journal::read(&files.index)?;
        return Ok(Some(Interrupted::Running { state, journal }));
    }
    Ok(None)
}

/// Turns run errors into what users can act on: errors about the run's own hidden files name
/// the output, and write errors without a path (stdout, a device such as `/dev/full`) name
/// where the output was going.
fn user_facing(e: Error, files: Option<&RunFiles>, shown: &Path) -> Error {
    match e {
        Error::Path { path, source } => match files {
            Some(f) if f.is_internal(&path) => Error::Path {
                path: f.target.clone(),
                source,
            },
            _ => Error::Path { path, source },
        },
        Error::Io(source) => Error::Path {
            path: shown.to_path_buf(),
            source,
        },
        Error::Json(e) if e.is_io() => Error::Path {
            path: shown.to_path_buf(),
            source: e.into(),
        },
        other => other,
    }
}

/// Runs the pipeline as `req` says. For `rerun`, `previous` is the earlier run whose records
/// are taken over for unchanged documents when nothing that made them changed. Returns the
/// run's summary (also written into the manifest).
pub fn execute(req: &RunRequest, previous: Option<&PreviousRun>) -> Result<Summary> {
    // Mistakes on the command line stop the run before anything is loaded or written.
    check_inputs(&req.config.inputs)?;
    req.config.read_options()?;
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
    // One writer per output, checked before anything is loaded or touched.
    let _lock = match &files {
        Some(f) => Some(OutputLock::acquire(&f.target, &req.command_line)?),
        None => None,
    };
    let shown = req
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from("stdout"));
    run_locked(req, previous, files.as_ref()).map_err(|e| user_facing(e, files.as_ref(), &shown))
}

/// Checks that every input named exists: a path that does not is a mistake on the command line
/// (a typo, a wrong folder), so the run stops at once, naming it, rather than writing an output
/// of error lines. Inputs that exist but cannot be read still become error lines.
fn check_inputs(inputs: &[PathBuf]) -> Result<()> {
    for input in inputs.iter().filter(|p| p.as_os_str() != "-") {
        if let Err(source) = std::fs::metadata(input) {
            if source.kind() == std::io::ErrorKind::NotFound {
                return Err(Error::Invalid(format!(
                    "input {} does not exist",
                    input.display()
                )));
            }
        }
    }
    Ok(())
}

/// The output of a run as it goes: the writer, the index, the counts, and on a resume with
/// changed documents, the kept lines to put back in order.
struct Sink<'a> {
    writer: OutputWriter,
    index: Option<JournalWriter>,
    /// `--docs FILE` of a stream run.
    docs: Option<DocsSink>,
    summary: Summary,
    progress: &'a Progress,
    merge: Option<resume::Merge>,
}

impl Sink<'_> {
    /// Writes a kept document's lines as the interrupted run wrote them.
    fn kept(&mut self, bytes: &[u8], entry: &DocEntry) -> Result<()> {
        self.writer.write_raw(bytes)?;
        self.summary.count(
            entry.records,
            entry.error.as_deref(),
            entry.words,
            entry.reused,
        );
        self.progress.document_done(self.summary.error_count());
        if let Some(index) = &mut self.index {
            index.append(&DocEntry {
                end: self.writer.position(),
                ..entry.clone()
            })?;
        }
        Ok(())
    }

    /// Follows the resume's decisions up to the next processed document (or, `at_end`, to the
    /// end of the journalled documents).
    fn merge_kept(&mut self, at_end: bool) -> Result<()> {
        if let Some(mut merge) = self.merge.take() {
            let result = merge.advance(at_end, &mut |bytes, entry| self.kept(bytes, entry));
            self.merge = Some(merge);
            result?;
        }
        Ok(())
    }

    fn outcome(&mut self, outcome: &pipeline::DocOutcome) -> Result<()> {
        self.merge_kept(false)?;
        self.summary.add(outcome);
        self.progress.document_done(self.summary.error_count());
        self.writer.write(outcome)?;
        if let Some(index) = &mut self.index {
            index.append(&DocEntry::new(outcome, self.writer.position()))?;
        }
        if let Some(docs) = &mut self.docs {
            docs.append(&DocEntry::new(outcome, self.writer.position()))?;
        }
        Ok(())
    }
}

/// [`execute`] once the output is locked.
fn run_locked(
    req: &RunRequest,
    previous: Option<&PreviousRun>,
    files: Option<&RunFiles>,
) -> Result<Summary> {
    let segment_started = Instant::now();
    let segment_started_ms = unix_ms(SystemTime::now());
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
    // A file run spools JSONL whatever its format: the speakers pass reads it and rewrites
    // each record with its corpus key on the way to the output format.
    let spool_format = match (files, req.format) {
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
    let layout = CsvLayout::new(&target_names(&req.config)?);

    let sources = reader::discover(&req.config.inputs);
    if sources.ignored > 0 {
        eprintln!(
            "newsquotes: ignored {} file(s) in input directories that are not .txt, .jsonl or .jsonl.gz",
            sources.ignored
        );
    }
    let max_wait = sources
        .sources
        .iter()
        .any(|s| s.kind == SourceKind::Stdin)
        .then_some(STDIN_MAX_WAIT);
    let hashing = hash_inputs(&sources.sources);
    let progress = Progress::new(req.progress, sources.known_document_count());
    if sources.known_document_count().is_none() {
        let counted = sources.sources.clone();
        progress.total_later(move || reader::count_documents(&counted));
    }
    pipeline = pipeline.with_progress(progress.ticker());
    let mut docs =
        reader::documents(sources.sources, req.config.read_options()?).warn_duplicates(true);
    let tally = docs.tally();

    let mut summary = Summary::default();
    let mut state = RunState {
        config: req.config.clone(),
        models: models.clone(),
        started: manifest::now_rfc3339(),
        resumed: Vec::new(),
        elapsed_ms: 0,
        segment_started_ms,
        outputs: None,
        speakers: Vec::new(),
    };
    // On a resume with changed documents: the first one (already read) and the decisions for
    // the journalled documents after it.
    let mut redo: Option<(
        DocResult,
        Vec<DocEntry>,
        std::sync::mpsc::Sender<resume::Decision>,
    )> = None;
    let mut merge = None;
    // A stream run's index goes straight to `--docs`; a file run's is copied there at the end.
    let docs_sink = match (files, &req.docs) {
        (None, Some(path)) => Some(DocsSink::create(path)?),
        _ => None,
    };
    let (writer, index) = match files {
        None => {
            let dest = match &req.output {
                Some(path) => Destination::file(path)?,
                None => Destination::stdout(),
            };
            (OutputWriter::new(spool_format, dest, &layout)?, None)
        }
        Some(files) => {
            files.remove_stale_temporaries();
            let found = if req.resume {
                interrupted(files, &req.config, &models)?
            } else {
                None
            };
            match found {
                Some(Interrupted::Finished { state: previous }) => {
                    let mut state = previous;
                    state.resumed.push(manifest::now_rfc3339());
                    return finish_interrupted(
                        req, files, state, docs, &tally, hashing, models, segment_started,
                    );
                }
                Some(Interrupted::Running {
                    state: previous,
                    journal,
                }) if !journal.entries.is_empty() => {
                    state.started = previous.started.clone();
                    state.resumed = previous.resumed.clone();
                    state.resumed.push(manifest::now_rfc3339());
                    state.elapsed_ms =
                        previous.elapsed_ms + previous.interrupted_segment_ms(&files.index);
                    crate::atomic::write_json_atomically(&files.state, &state)?;
                    eprintln!(
                        "newsquotes: resuming {}: {} documents already done",
                        files.target.display(),
                        journal.entries.len()
                    );
                    // The journalled documents, as long as they are unchanged, stay where they
                    // are; from the first changed one on, see `resume`.
                    let mut first_change = None;
                    for (i, entry) in journal.entries.iter().enumerate() {
                        let item =
                            resume::expect_document(entry, docs.next()).map_err(Error::Invalid)?;
                        if !resume::unchanged(entry, &item) {
                            first_change = Some((i, item));
                            break;
                        }
                        summary.count(
                            entry.records,
                            entry.error.as_deref(),
                            entry.words,
                            entry.reused,
                        );
                        progress.document_done(summary.error_count());
                    }
                    let (cut, index_bytes) = match first_change {
                        None => (journal.end(), journal.valid_bytes),
                        Some((k, item)) => {
                            let start = match k {
                                0 if spool_format == Format::Csv => {
                                    layout.header_bytes()?.len() as u64
                                }
                                0 => 0,
                                k => journal.entries[k - 1].end,
                            };
                            let tail = journal.entries[k..].to_vec();
                            let (tx, rx) = std::sync::mpsc::channel();
                            merge = Some(resume::Merge::set_aside(
                                &files.spool,
                                &files.kept,
                                start,
                                journal.end(),
                                tail.clone(),
                                rx,
                            )?);
                            redo = Some((item, tail, tx));
                            (start, journal.bytes_of_first(k))
                        }
                    };
                    let dest = Destination::spool(&files.spool, Some(cut))?;
                    let index = JournalWriter::resume(&files.index, index_bytes)?;
                    (
                        OutputWriter::with_header(spool_format, dest, &layout, false)?,
                        Some(index),
                    )
                }
                _ => {
                    if req.resume {
                        eprintln!(
                            "newsquotes: --resume: no interrupted run to {}; starting a new run",
                            files.target.display()
                        );
                    } else if files.state.exists() || files.spool.exists() {
                        eprintln!(
                            "newsquotes: an interrupted run to {} left its partial output; \
                             starting over from the first document (run with --resume to \
                             continue it instead)",
                            files.target.display()
                        );
                    }
                    crate::atomic::write_json_atomically(&files.state, &state)?;
                    let dest = Destination::spool(&files.spool, None)?;
                    let index = JournalWriter::create(&files.index)?;
                    (OutputWriter::new(spool_format, dest, &layout)?, Some(index))
                }
            }
        }
    };

    let input: Box<dyn Iterator<Item = DocResult> + Send> = match redo {
        None => Box::new(docs),
        Some((first, tail, decisions)) => Box::new(resume::KeepCheck::new(
            std::iter::once(first).chain(docs),
            tail,
            decisions,
        )),
    };
    let mut sink = Sink {
        writer,
        index,
        docs: docs_sink,
        summary,
        progress: &progress,
        merge,
    };
    let opts = BatchOptions {
        max_wait,
        ..BatchOptions::default()
    };
    pipeline.run(input, &pool, opts, |mut outcome| {
        if let (Some(min), Ok(records)) = (min_confidence, &mut outcome.result) {
            records.retain(|r| min.keeps(r.speaker.confidence));
        }
        sink.outcome(&outcome)
    })?;
    sink.merge_kept(true)?;
    let Sink {
        writer,
        index,
        docs: docs_sink,
        mut summary,
        merge,
        ..
    } = sink;
    if let Some(merge) = merge {
        // Said in the summary.
        summary.recomputed = merge.recomputed;
        merge.close();
    }
    progress.finish();
    writer.finish()?;
    // After the records: an index that exists means every document's lines were written.
    if let Some(sink) = docs_sink {
        sink.finish()?;
    }
    let inputs = hashing.join().unwrap_or_default();
    summary.blank_lines = tally.blank_lines();
    summary.duplicate_ids = tally.duplicate_ids();
    summary.elapsed = Duration::from_millis(state.elapsed_ms) + segment_started.elapsed();

    let mut manifest = new_manifest(req, models, inputs, &summary, &state);
    match (files, index) {
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
                &layout,
            )?;
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
            // The final index counts in the rewritten output; written before the state says
            // the outputs are in place, so that finishing after a kill finds it.
            journal::write_final(&files.final_index(), &entries)?;
            // From here on, a kill leaves a run that `--resume` finishes without redoing it.
            state.outputs = Some(outputs.clone());
            state.speakers = tables.clone();
            state.elapsed_ms = summary.elapsed.as_millis() as u64;
            state.segment_started_ms = 0;
            crate::atomic::write_json_atomically(&files.state, &state)?;
            remove_if_present(&files.spool)?;
            manifest.outputs = outputs;
            manifest.speakers = tables;
            manifest.stance_table = write_stance_table(req, files)?;
            complete(files, manifest, req.docs.as_deref())?;
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

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::Path {
            path: path.to_path_buf(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// The manifest of a run, without its output files and end time.
fn new_manifest(
    req: &RunRequest,
    models: BTreeMap<String, ModelInfo>,
    inputs: Vec<InputFile>,
    summary: &Summary,
    state: &RunState,
) -> RunManifest {
    RunManifest {
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
        started: state.started.clone(),
        finished: String::new(),
        resumed: state.resumed.clone(),
        previous_output: req.previous_output.clone(),
        speakers: state.speakers.clone(),
        stance_table: None,
    }
}

/// Writes the long stance table beside a file output of a run with targets
/// ([`crate::writer::stance_table`]), from the output files in place.
fn write_stance_table(req: &RunRequest, files: &RunFiles) -> Result<Option<PathBuf>> {
    if req.config.targets.is_none() {
        return Ok(None);
    }
    let table = crate::writer::stance_table::path_for(&files.target, req.format);
    crate::writer::stance_table::write(&files.target, &table, req.format)?;
    Ok(Some(table))
}

/// The last steps of a run whose output files are in place: the index gets its final name and
/// the manifest is written. The manifest first replaces the run state and is then renamed to its
/// name, so that there is always either the state (and `--resume` finishes the run) or the
/// manifest, never both and never neither.
fn complete(files: &RunFiles, mut manifest: RunManifest, docs: Option<&Path>) -> Result<()> {
    let final_index = files.final_index();
    if final_index.exists() {
        // Written by the corpus pass, in the coordinates of the rewritten output.
        remove_if_present(&files.index)?;
    } else if files.index.exists() {
        std::fs::rename(&files.index, &final_index).map_err(|source| Error::Path {
            path: final_index.clone(),
            source,
        })?;
    }
    if let Some(copy) = docs {
        let bytes = std::fs::read(&final_index).map_err(|source| Error::Path {
            path: final_index.clone(),
            source,
        })?;
        crate::atomic::write_atomically(copy, &bytes)?;
    }
    manifest.document_index = Some(final_index);
    manifest.finished = manifest::now_rfc3339();
    crate::atomic::write_json_atomically(&files.state, &manifest)?;
    let path = manifest::manifest_path(&files.target);
    std::fs::rename(&files.state, &path).map_err(|source| Error::Path { path, source })
}

/// Finishes a run that was killed after its output files were in place: checks that the input
/// is still what the index describes, then writes the manifest. Nothing is processed again.
#[allow(clippy::too_many_arguments)]
fn finish_interrupted(
    req: &RunRequest,
    files: &RunFiles,
    state: RunState,
    docs: reader::Documents,
    tally: &reader::ReadTally,
    hashing: std::thread::JoinHandle<Vec<InputFile>>,
    models: BTreeMap<String, ModelInfo>,
    segment_started: Instant,
) -> Result<Summary> {
    let index_path = if files.index.exists() {
        files.index.clone()
    } else {
        files.final_index()
    };
    let journal = journal::read(&index_path)?;
    let mut summary = Summary::default();
    let mut docs = docs;
    for entry in &journal.entries {
        let item = resume::expect_document(entry, docs.next()).map_err(Error::Invalid)?;
        if !resume::unchanged(entry, &item) {
            return Err(Error::Invalid(format!(
                "--resume: the interrupted run to {} had written its output, but document {} \
                 changed since; run without --resume to start again",
                files.target.display(),
                entry.doc_id
            )));
        }
        summary.count(
            entry.records,
            entry.error.as_deref(),
            entry.words,
            entry.reused,
        );
    }
    if let Some(extra) = docs.next() {
        let id = match extra {
            Ok(d) => d.id,
            Err(e) => e.doc_id,
        };
        return Err(Error::Invalid(format!(
            "--resume: the interrupted run to {} had written its output, but the input has \
             more documents now (from {id}); run without --resume to start again",
            files.target.display()
        )));
    }
    summary.blank_lines = tally.blank_lines();
    summary.duplicate_ids = tally.duplicate_ids();
    let before = state.elapsed_ms + state.interrupted_segment_ms(&index_path);
    summary.elapsed = Duration::from_millis(before) + segment_started.elapsed();
    let outputs = match &state.outputs {
        Some(outputs) => outputs.clone(),
        None => {
            let offset = (req.format == Format::Jsonl).then_some(0);
            vec![finish::describe(
                &files.target, summary.records, summary.documents, offset,
            )?]
        }
    };
    remove_if_present(&files.spool)?;
    let inputs = hashing.join().unwrap_or_default();
    let mut manifest = new_manifest(req, models, inputs, &summary, &state);
    manifest.outputs = outputs;
    manifest.stance_table = write_stance_table(req, files)?;
    complete(files, manifest, req.docs.as_deref())?;
    eprintln!(
        "newsquotes: the interrupted run to {} had written its output ({} documents); its \
         manifest is now written",
        files.target.display(),
        summary.documents
    );
    Ok(summary)
}
