//! The `newsquotes` command line.

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
use newsquotes::attribution::ExtractorChoice;
use newsquotes::classify::targets;
use newsquotes::models::Precision;
use newsquotes::models::Task;
use newsquotes::progress::ProgressMode;
use newsquotes::reader::{self, FieldPath};
use newsquotes::run::manifest::RunConfig;
use newsquotes::run::rerun::PreviousRun;
use newsquotes::run::{self, RunRequest};
use newsquotes::writer::Format;
use std::path::{Path, PathBuf};

/// Turns news corpora into datasets of who said what, and where they stand.
#[derive(Parser, Debug)]
#[command(name = "newsquotes", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Extract quote records from articles.
    Extract(ExtractArgs),
    /// Run again over a previous output's inputs (or new ones) with new models or settings,
    /// reusing the records of documents that nothing changed for.
    Rerun(RerunArgs),
    /// Write a self-contained HTML report of an output (charts and a searchable quote table).
    Report(newsquotes::report::ReportArgs),
    /// Print the key counts of an output as a table.
    Stats(newsquotes::stats::StatsArgs),
    /// Score attribution against PolNeAR-style brat annotations (`eval --gold DIR`), or a stance
    /// or check-worthiness model on a labelled set (`eval stance|claims --data DIR`).
    Eval(EvalCommand),
    /// Classify free-standing statements (JSONL `{"id", "text"}`): stance and check-worthiness.
    Classify(ClassifyArgs),
    /// Train a model.
    #[command(subcommand)]
    Train(TrainCommand),
}

#[derive(Subcommand, Debug)]
enum TrainCommand {
    /// Fine-tune the base model as the Source/Cue/Content attribution tagger.
    Attribution(newsquotes::train::attribution::TrainAttributionArgs),
    /// Fine-tune the base model as a (target, statement) stance classifier.
    Stance(newsquotes::train::classifier::TrainStanceArgs),
    /// Fine-tune the base model as a check-worthiness classifier.
    Claims(newsquotes::train::classifier::TrainClaimsArgs),
}

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
struct EvalCommand {
    #[command(subcommand)]
    task: Option<EvalTask>,
    #[command(flatten)]
    attribution: Option<newsquotes::eval::EvalArgs>,
}

#[derive(Subcommand, Debug)]
enum EvalTask {
    /// Macro-F1 (favor/against), accuracy, per-class figures and confusion matrix of the stance
    /// model on a stance set.
    Stance(newsquotes::eval::classify::ClassEvalArgs),
    /// The same for the check-worthiness model on CheckThat! 2024.
    Claims(newsquotes::eval::classify::ClassEvalArgs),
}

/// Model options of the classification stage, shared by extract, rerun and classify.
#[derive(clap::Args, Debug, Clone)]
struct ClassifierArgs {
    /// Stance model folder (ours, or a Hugging Face classifier or NLI model); default: the stance
    /// model under --models, else models/stance-minilm.
    #[arg(long)]
    stance_model: Option<PathBuf>,
    /// Check-worthiness model folder; default: the claims model under --models, else
    /// models/claims-minilm.
    #[arg(long)]
    claims_model: Option<PathBuf>,
    /// Do not score check-worthiness (records get claim: null).
    #[arg(long)]
    no_claims: bool,
}

#[derive(clap::Args, Debug)]
struct ClassifyArgs {
    /// TOML file of stance targets.
    #[arg(long)]
    targets: Option<PathBuf>,
    /// JSONL of statements, `-` for stdin.
    #[arg(default_value = "-")]
    input: PathBuf,
    /// Output file, written atomically (default: stdout).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Folder of trained models.
    #[arg(long)]
    models: Option<PathBuf>,
    #[command(flatten)]
    classifiers: ClassifierArgs,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// How our models compute on the CPU.
    #[arg(long, value_enum, default_value_t = Precision::default())]
    precision: Precision,
}

#[derive(clap::Args, Debug)]
struct ExtractArgs {
    /// Files or directories (.txt, .jsonl, .jsonl.gz; directories are walked recursively), or
    /// `-` for JSONL on stdin.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output file, written atomically when the run completes (default: stdout, streamed). A
    /// file run also writes OUT.manifest.json (provenance) and OUT.docs (one line per input
    /// document).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Continue an interrupted run to the same -o OUT with the same settings: documents already
    /// written are not processed again, and the output is what one uninterrupted run writes.
    #[arg(long)]
    resume: bool,
    /// Split a file output into numbered parts (OUT stem + .part-00000 + extension) of about
    /// this many records each, cut between documents.
    #[arg(long, value_name = "N")]
    split_records: Option<u64>,
    /// Also write the run manifest when the output goes to stdout.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// Also write the document index here: exactly one JSON line per input document, in input
    /// order (doc_id, sha256, words, records, error kind). With stdout output this is the
    /// only account of every document; written when the run completes.
    #[arg(long, value_name = "FILE")]
    docs: Option<PathBuf>,
    /// Output format. CSV cells starting with = + - @ are prefixed with ' against spreadsheet
    /// formula injection. Parquet needs -o FILE.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    format: Format,
    /// TOML file of stance targets.
    #[arg(long)]
    targets: Option<PathBuf>,
    /// Ask the stance model about every target for every quote. By default a target that the
    /// article never names (no content word of its name, aliases or description, after
    /// stemming) is "neutral" with score 0.998 for the article's quotes, and one that the
    /// quote's paragraph never names is "neutral" with score 0.84, without the model.
    #[arg(long)]
    no_target_gate: bool,
    /// Folder of trained models.
    #[arg(long)]
    models: Option<PathBuf>,
    #[command(flatten)]
    classifiers: ClassifierArgs,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Attribution extractor.
    #[arg(long, value_enum, default_value_t = ExtractorChoice::Model)]
    extractor: ExtractorChoice,
    /// Windows per forward pass of the model extractors on a GPU (the CPU runs one at a time).
    #[arg(long, default_value_t = newsquotes::attribution::tagger::DEFAULT_BATCH_SIZE)]
    batch_size: usize,
    /// How our models compute on the CPU: int8 weights (about twice as fast; on PolNeAR dev
    /// and the classifier sets within a point of f32) or f32 as trained.
    #[arg(long, value_enum, default_value_t = Precision::default())]
    precision: Precision,
    /// Documents larger than this many bytes get a `too_large` error line.
    #[arg(long, default_value_t = reader::DEFAULT_MAX_DOC_BYTES)]
    max_doc_bytes: u64,
    /// Leave out records whose speaker.confidence is below this (0..1; default: keep all).
    /// The manifest records the setting.
    #[arg(long, value_name = "P")]
    min_confidence: Option<f32>,
    /// A list of given names with a gender (`name,female` or `name,male` per line), used for
    /// speakers whose gender the text never tells; without it, gender comes from the text only.
    #[arg(long, value_name = "FILE")]
    gender_names: Option<PathBuf>,
    /// JSONL field that holds the document id; dots reach into nested objects (doc.id).
    #[arg(long, value_name = "PATH", default_value = "id")]
    id_field: FieldPath,
    /// JSONL field that holds the article text; dots reach into nested objects (article.body).
    #[arg(long, value_name = "PATH", default_value = "text")]
    text_field: FieldPath,
    /// Progress display on stderr.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    progress: ProgressMode,
}

#[derive(clap::Args, Debug)]
struct RerunArgs {
    /// The previous output (written with -o; its OUT.manifest.json and OUT.docs must be beside
    /// it).
    previous: PathBuf,
    /// Inputs (default: the previous run's inputs, read again).
    inputs: Vec<PathBuf>,
    /// The new output file.
    #[arg(short, long)]
    output: PathBuf,
    /// Output format (default: the previous run's).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// TOML file of stance targets.
    #[arg(long)]
    targets: Option<PathBuf>,
    /// Ask the stance model about every target, also those an article never names (default:
    /// the previous run's choice).
    #[arg(long)]
    no_target_gate: bool,
    /// Folder of trained models (default: the previous run's).
    #[arg(long)]
    models: Option<PathBuf>,
    /// Stance model folder (default: the previous run's).
    #[arg(long)]
    stance_model: Option<PathBuf>,
    /// Check-worthiness model folder (default: the previous run's).
    #[arg(long)]
    claims_model: Option<PathBuf>,
    /// Do not score check-worthiness.
    #[arg(long)]
    no_claims: bool,
    /// Attribution extractor (default: the previous run's).
    #[arg(long, value_enum)]
    extractor: Option<ExtractorChoice>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Windows per forward pass of the model extractors (default: the previous run's).
    #[arg(long)]
    batch_size: Option<usize>,
    /// How our models compute on the CPU (default: the previous run's).
    #[arg(long, value_enum)]
    precision: Option<Precision>,
    /// JSONL field that holds the document id (default: the previous run's).
    #[arg(long, value_name = "PATH")]
    id_field: Option<FieldPath>,
    /// JSONL field that holds the article text (default: the previous run's).
    #[arg(long, value_name = "PATH")]
    text_field: Option<FieldPath>,
    /// Continue an interrupted rerun to the same -o OUT.
    #[arg(long)]
    resume: bool,
    /// Progress display on stderr.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    progress: ProgressMode,
}

fn main() -> std::process::ExitCode {
    match run_command(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {}", error_text(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

/// An error with its causes, each said once: a cause whose text the message already holds
/// (`PATH: REASON` with REASON as its source, say) is not repeated under it.
fn error_text(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    let mut said = text.clone();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if said.contains(&cause) {
            continue;
        }
        text.push_str("\n  caused by: ");
        text.push_str(&cause);
        said.push_str(&cause);
    }
    text
}

fn run_command(cli: Cli) -> Result<()> {
    let result = match cli.command {
        Command::Extract(args) => extract(args),
        Command::Rerun(args) => rerun(args),
        Command::Report(args) => newsquotes::report::run(&args).map_err(Into::into),
        Command::Stats(args) => newsquotes::stats::run(&args).map_err(Into::into),
        Command::Eval(EvalCommand {
            task: None,
            attribution: Some(attribution),
        }) => newsquotes::eval::run(&attribution)
            .map(drop)
            .map_err(Into::into),
        Command::Eval(EvalCommand {
            task: None,
            attribution: None,
        }) => Err(anyhow::anyhow!(
            "eval needs --gold DIR (attribution), or `eval stance|claims --data DIR`"
        )),
        Command::Eval(EvalCommand {
            task: Some(EvalTask::Stance(args)),
            ..
        }) => newsquotes::eval::classify::run(Task::Stance, &args)
            .map(drop)
            .map_err(Into::into),
        Command::Eval(EvalCommand {
            task: Some(EvalTask::Claims(args)),
            ..
        }) => newsquotes::eval::classify::run(Task::Claims, &args)
            .map(drop)
            .map_err(Into::into),
        Command::Classify(args) => classify(args),
        Command::Train(TrainCommand::Attribution(args)) => {
            newsquotes::train::attribution::run(&args).map_err(Into::into)
        }
        Command::Train(TrainCommand::Stance(args)) => {
            newsquotes::train::classifier::run_stance(&args).map_err(Into::into)
        }
        Command::Train(TrainCommand::Claims(args)) => {
            newsquotes::train::classifier::run_claims(&args).map_err(Into::into)
        }
    };
    match result {
        // `newsquotes extract … | head` closing the pipe early is the reader's choice, not a
        // failure: stop quietly, as other Unix filters do.
        Err(e) if is_broken_pipe(&e) => Ok(()),
        other => other,
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    use newsquotes::error::Error;
    use std::io::ErrorKind::BrokenPipe;
    let io_kind = |cause: &(dyn std::error::Error + 'static)| {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        // serde_json and csv keep the I/O error to themselves (`source` skips it).
        match cause.downcast_ref::<Error>()? {
            Error::Io(io) => Some(io.kind()),
            Error::Json(j) => j.io_error_kind(),
            Error::Csv(c) => match c.kind() {
                csv::ErrorKind::Io(io) => Some(io.kind()),
                _ => None,
            },
            _ => None,
        }
    };
    e.chain().any(|cause| io_kind(cause) == Some(BrokenPipe))
}

fn thread_count(threads: Option<usize>) -> Result<usize> {
    Ok(match threads {
        Some(0) => bail!("--threads must be at least 1"),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    })
}

fn check_models_dir(models: Option<&PathBuf>) -> Result<()> {
    match models {
        Some(dir) if !dir.is_dir() => bail!("--models {}: not a directory", dir.display()),
        _ => Ok(()),
    }
}

/// sha256 of the targets file's targets, so that reruns see when they change.
fn targets_fingerprint(targets: Option<&PathBuf>) -> Result<Option<String>> {
    Ok(match targets {
        Some(path) => Some(targets::fingerprint(&targets::read(path)?)),
        None => None,
    })
}

fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    Ok(rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?)
}

/// Runs `classify`.
fn classify(args: ClassifyArgs) -> Result<()> {
    check_models_dir(args.models.as_ref())?;
    let config = RunConfig {
        format: "jsonl".into(),
        extractor: String::new(),
        models_dir: args.models,
        targets: args.targets,
        targets_sha256: None,
        target_gate: false,
        stance_model: args.classifiers.stance_model,
        claims_model: args.classifiers.claims_model,
        claims: !args.classifiers.no_claims,
        batch_size: 0,
        precision: args.precision,
        max_doc_bytes: 0,
        split_records: None,
        id_field: None,
        text_field: None,
        inputs: vec![args.input.clone()],
        min_confidence: None,
        gender_names: None,
    };
    let classification = run::build_classification(&config)?;
    if classification.is_empty() {
        bail!("nothing to classify: give --targets, or a check-worthiness model");
    }
    let started = std::time::Instant::now();
    let (done, failed) = newsquotes::statements::run(
        &classification,
        &args.input,
        args.output.as_ref(),
        &pool(thread_count(args.threads)?)?,
    )?;
    eprintln!(
        "statements: {done} classified, {failed} errors; {:.2} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs `extract`. Errors returned here are run-level (bad options, unusable output path): a bad
/// document never gets this far, it becomes an error line.
fn extract(args: ExtractArgs) -> Result<()> {
    check_models_dir(args.models.as_ref())?;
    if args.max_doc_bytes == 0 {
        bail!("--max-doc-bytes must be at least 1");
    }
    if args.batch_size == 0 {
        bail!("--batch-size must be at least 1");
    }
    if args.split_records == Some(0) {
        bail!("--split-records must be at least 1");
    }
    let min_confidence = args
        .min_confidence
        .map(|p| {
            run::manifest::MinConfidence::new(p)
                .ok_or_else(|| anyhow::anyhow!("--min-confidence must lie between 0 and 1"))
        })
        .transpose()?;
    let req = RunRequest {
        config: RunConfig {
            format: args.format.as_str().to_string(),
            extractor: extractor_name(args.extractor),
            models_dir: args.models,
            targets_sha256: targets_fingerprint(args.targets.as_ref())?,
            targets: args.targets,
            target_gate: !args.no_target_gate,
            stance_model: args.classifiers.stance_model,
            claims_model: args.classifiers.claims_model,
            claims: !args.classifiers.no_claims,
            batch_size: args.batch_size,
            precision: args.precision,
            max_doc_bytes: args.max_doc_bytes,
            split_records: args.split_records,
            id_field: field_setting(args.id_field, FieldPath::id()),
            text_field: field_setting(args.text_field, FieldPath::text()),
            inputs: args.inputs,
            min_confidence,
            gender_names: args.gender_names,
        },
        extractor: args.extractor,
        format: args.format,
        output: args.output,
        manifest: args.manifest,
        docs: args.docs,
        threads: thread_count(args.threads)?,
        resume: args.resume,
        progress: args.progress,
        command_line: std::env::args().collect(),
        previous_output: None,
    };
    on_interrupt(&req);
    let summary = run::execute(&req, None)?;
    eprintln!("{summary}");
    check_not_all_failed(&summary, req.output.as_deref())
}

/// On Ctrl-C (SIGINT), says what is left and how to go on, then exits with 130 as a shell
/// expects. A file run's partial output and document index stay on disk (the run writes them as
/// it goes), so the same command with `--resume` continues where the run stopped.
fn on_interrupt(req: &RunRequest) {
    let message = match &req.output {
        Some(out) if out.is_file() || !out.exists() => {
            let mut command = req.command_line.clone();
            if !command.iter().any(|a| a == "--resume") {
                command.push("--resume".to_string());
            }
            let command: Vec<String> = command.iter().map(|a| shell_word(a)).collect();
            format!(
                "\nnewsquotes: interrupted; the partial output of {} is kept. To continue \
                 where it stopped, run:\n  {}",
                out.display(),
                command.join(" ")
            )
        }
        _ => "\nnewsquotes: interrupted".to_string(),
    };
    // Only fails when a handler is already set, which this process never does twice.
    let _ = ctrlc::set_handler(move || {
        eprintln!("{message}");
        // `_exit`, not `exit`: the workers are still running, and `exit`'s clean-up (C++
        // static destructors of libtorch) under their feet can crash the process instead of
        // ending it with the status a shell expects. Nothing needs flushing: the partial files
        // are flushed document by document.
        #[cfg(unix)]
        // SAFETY: `_exit` ends the process at once; it is async-signal-safe and touches no
        // memory of ours.
        unsafe {
            libc::_exit(130)
        };
        #[cfg(not(unix))]
        std::process::exit(130);
    });
}

/// `word` as a shell reads it back: quoted when it holds anything but plain characters.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The run setting for an input field: `None` for the default, so that runs that read the
/// default fields have the same configuration as runs from before the option.
fn field_setting(given: FieldPath, default: FieldPath) -> Option<String> {
    (given != default).then(|| given.to_string())
}

/// A run in which every document failed exits non-zero: it almost always means a wrong
/// setting (the text under another field, say) rather than a corpus of broken documents.
fn check_not_all_failed(summary: &run::summary::Summary, output: Option<&Path>) -> Result<()> {
    let Some((kind, n)) = summary.all_failed() else {
        return Ok(());
    };
    let hint = match kind {
        "missing_field" => {
            " (is the id or the text under another field? see --id-field and \
                            --text-field)"
        }
        "invalid_json" => " (the JSONL input is not one JSON object per line)",
        _ => "",
    };
    let lines = match output {
        Some(out) => format!("the error lines in {}", out.display()),
        None => "the error lines in the output".to_string(),
    };
    bail!(
        "every document failed ({} of {}); the commonest error is {kind} ({n} documents){hint}; \
         see {lines}",
        summary.error_count(),
        summary.documents
    )
}

fn extractor_name(choice: ExtractorChoice) -> String {
    use clap::ValueEnum;
    choice
        .to_possible_value()
        .map_or_else(|| format!("{choice:?}"), |v| v.get_name().to_string())
}

/// Runs `rerun`: the previous run's settings, overridden by the options given, with the records
/// of unchanged documents taken over when the models that made them are unchanged.
fn rerun(args: RerunArgs) -> Result<()> {
    check_models_dir(args.models.as_ref())?;
    let previous = PreviousRun::open(&args.previous)?;
    let before = &previous.manifest.config;
    let extractor = match args.extractor {
        Some(choice) => choice,
        None => {
            use clap::ValueEnum;
            ExtractorChoice::from_str(&before.extractor, false)
                .map_err(|e| anyhow::anyhow!("previous extractor {:?}: {e}", before.extractor))?
        }
    };
    let format = match args.format {
        Some(f) => f,
        None => {
            use clap::ValueEnum;
            Format::from_str(&before.format, false)
                .map_err(|e| anyhow::anyhow!("previous format {:?}: {e}", before.format))?
        }
    };
    if std::fs::canonicalize(&args.output).ok() == std::fs::canonicalize(&args.previous).ok() {
        bail!("rerun cannot write over the output it reads from; choose another -o");
    }
    let req = RunRequest {
        config: RunConfig {
            format: format.as_str().to_string(),
            extractor: extractor_name(extractor),
            models_dir: args.models.or_else(|| before.models_dir.clone()),
            targets_sha256: targets_fingerprint(args.targets.as_ref().or(before.targets.as_ref()))?,
            targets: args.targets.or_else(|| before.targets.clone()),
            target_gate: before.target_gate && !args.no_target_gate,
            stance_model: args.stance_model.or_else(|| before.stance_model.clone()),
            claims_model: args.claims_model.or_else(|| before.claims_model.clone()),
            claims: before.claims && !args.no_claims,
            batch_size: args.batch_size.unwrap_or(before.batch_size),
            precision: args.precision.unwrap_or(before.precision),
            max_doc_bytes: before.max_doc_bytes,
            split_records: before.split_records,
            id_field: match args.id_field {
                Some(f) => field_setting(f, FieldPath::id()),
                None => before.id_field.clone(),
            },
            text_field: match args.text_field {
                Some(f) => field_setting(f, FieldPath::text()),
                None => before.text_field.clone(),
            },
            inputs: if args.inputs.is_empty() {
                before.inputs.clone()
            } else {
                args.inputs
            },
            // Kept from the previous run: a record it left out cannot be reused.
            min_confidence: before.min_confidence,
            gender_names: before.gender_names.clone(),
        },
        extractor,
        format,
        output: Some(args.output),
        manifest: None,
        docs: None,
        threads: thread_count(args.threads)?,
        resume: args.resume,
        progress: args.progress,
        command_line: std::env::args().collect(),
        previous_output: Some(args.previous.clone()),
    };
    on_interrupt(&req);
    let summary = run::execute(&req, Some(&previous))?;
    eprintln!("{summary}");
    check_not_all_failed(&summary, req.output.as_deref())
}
