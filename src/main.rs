//! The `newsquotes` command line.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use newsquotes::attribution::{build_extractor, ExtractorChoice};
use newsquotes::pipeline::{BatchOptions, Pipeline};
use newsquotes::progress::{Progress, ProgressMode};
use newsquotes::reader::{self, ReadOptions};
use newsquotes::summary::Summary;
use newsquotes::writer::{Destination, Format, OutputWriter};
use std::path::PathBuf;
use std::time::Instant;

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
    /// Score predictions against PolNeAR-style brat annotations.
    Eval(newsquotes::eval::EvalArgs),
    /// Train a model.
    #[command(subcommand)]
    Train(TrainCommand),
}

#[derive(Subcommand, Debug)]
enum TrainCommand {
    /// Fine-tune the base model as the Source/Cue/Content attribution tagger.
    Attribution(newsquotes::train::attribution::TrainAttributionArgs),
}

#[derive(clap::Args, Debug)]
struct ExtractArgs {
    /// Files or directories (.txt, .jsonl, .jsonl.gz; directories are walked recursively), or
    /// `-` for JSONL on stdin.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output file, written atomically when the run completes (default: stdout, streamed).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Output format. CSV cells starting with = + - @ are prefixed with ' against spreadsheet
    /// formula injection.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    format: Format,
    /// TOML file of stance targets.
    #[arg(long)]
    targets: Option<PathBuf>,
    /// Folder of trained models.
    #[arg(long)]
    models: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Attribution extractor.
    #[arg(long, value_enum, default_value_t = ExtractorChoice::Model)]
    extractor: ExtractorChoice,
    /// Windows per forward pass of the model extractors.
    #[arg(long, default_value_t = newsquotes::attribution::tagger::DEFAULT_BATCH_SIZE)]
    batch_size: usize,
    /// Documents larger than this many bytes get a `too_large` error line.
    #[arg(long, default_value_t = reader::DEFAULT_MAX_DOC_BYTES)]
    max_doc_bytes: u64,
    /// Progress display on stderr.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    progress: ProgressMode,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Extract(args) => extract(args),
        Command::Eval(args) => newsquotes::eval::run(&args).map(drop).map_err(Into::into),
        Command::Train(TrainCommand::Attribution(args)) => {
            newsquotes::train::attribution::run(&args).map_err(Into::into)
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

/// Runs `extract`. Errors returned here are run-level (bad options, unusable output path): a bad
/// document never gets this far, it becomes an error line.
fn extract(args: ExtractArgs) -> Result<()> {
    let started = Instant::now();
    if args.targets.is_some() {
        bail!("--targets: stance classification is not available yet in this version");
    }
    if let Some(models) = &args.models {
        if !models.is_dir() {
            bail!("--models {}: not a directory", models.display());
        }
    }
    if args.max_doc_bytes == 0 {
        bail!("--max-doc-bytes must be at least 1");
    }
    let threads = match args.threads {
        Some(0) => bail!("--threads must be at least 1"),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("newsquotes-worker-{i}"))
        .build()
        .context("cannot start worker threads")?;
    if args.batch_size == 0 {
        bail!("--batch-size must be at least 1");
    }
    let extractor = build_extractor(args.extractor, args.models.as_deref(), args.batch_size)?;
    let pipeline = Pipeline::new(extractor);

    let dest = match &args.output {
        Some(path) => Destination::file(path)?,
        None => Destination::stdout(),
    };
    let mut writer = OutputWriter::new(args.format, dest)?;

    let sources = reader::discover(&args.inputs);
    if sources.ignored > 0 {
        eprintln!(
            "newsquotes: ignored {} file(s) in input directories that are not .txt, .jsonl or .jsonl.gz",
            sources.ignored
        );
    }
    let progress = Progress::new(args.progress, sources.known_document_count());
    let docs = reader::documents(
        sources.sources,
        ReadOptions {
            max_doc_bytes: args.max_doc_bytes,
        },
    );

    let mut summary = Summary::default();
    pipeline
        .run(docs, &pool, BatchOptions::for_threads(threads), |outcome| {
            summary.add(&outcome);
            progress.document_done(summary.error_count());
            writer.write(&outcome)
        })
        .context("cannot write the output")?;
    progress.finish();
    writer.finish().context("cannot complete the output")?;
    summary.elapsed = started.elapsed();
    eprintln!("{summary}");
    Ok(())
}
