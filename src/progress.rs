//! The progress display on stderr.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// When to show progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ProgressMode {
    /// Only when stderr is a terminal (so logs and pipes stay clean).
    #[default]
    Auto,
    /// Always, even when stderr is redirected.
    Always,
    /// Never.
    Never,
}

/// A document counter: a bar with ETA when the number of documents is known, otherwise a
/// spinner with the count and rate. Hidden when progress is off.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// Creates the display; `total` is the number of documents when known before reading.
    pub fn new(mode: ProgressMode, total: Option<u64>) -> Self {
        let show = match mode {
            ProgressMode::Auto => std::io::stderr().is_terminal(),
            ProgressMode::Always => true,
            ProgressMode::Never => false,
        };
        if !show {
            return Progress {
                bar: ProgressBar::hidden(),
            };
        }
        let bar = match total {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} docs  {per_sec}  ETA {eta}  {msg}",
                )
                .expect("static template"),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{spinner} {pos} docs  {per_sec}  {elapsed}  {msg}")
                    .expect("static template"),
            ),
        };
        bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(4));
        bar.enable_steady_tick(Duration::from_millis(250));
        Progress { bar }
    }

    /// Counts one finished document; `errors` is the running error count shown beside it.
    pub fn document_done(&self, errors: u64) {
        self.bar.inc(1);
        if errors > 0 {
            self.bar.set_message(format!("{errors} errors"));
        }
    }

    /// Removes the display before the summary is printed.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
