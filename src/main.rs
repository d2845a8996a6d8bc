//! The `newsquotes` command line.
//!
//! PLACEHOLDER wiring: the reading/CLI work fills in `extract`; the evaluation work provides
//! `eval::EvalArgs` and `eval::run`.

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

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
}

#[derive(clap::Args, Debug)]
struct ExtractArgs {
    /// Files or directories (.txt, .jsonl, .jsonl.gz), or `-` for JSONL on stdin.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output file (default: stdout).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Extract(_args) => Ok(()),
        Command::Eval(args) => newsquotes::eval::run(&args).map(drop).map_err(Into::into),
    }
}
