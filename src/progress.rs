//! The progress display on stderr.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
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
///
/// It moves document by document: the pipeline ticks it ([`Progress::ticker`]) as each
/// document's attribution is done, while the output is written a chunk at a time; the count
/// shown is the larger of the two, so it never goes back and never passes the documents read.
pub struct Progress {
    bar: ProgressBar,
    written: AtomicU64,
}

fn set_total(bar: &ProgressBar, total: u64) {
    if bar.length().is_none() {
        bar.set_length(total.max(bar.position()));
        bar.set_style(bar_style());
    }
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{bar:30} {pos}/{len} docs  {per_sec}  ETA {eta}  {msg}")
        .expect("static template")
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
                written: AtomicU64::new(0),
            };
        }
        let bar = match total {
            Some(n) => ProgressBar::new(n).with_style(bar_style()),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{spinner} {pos} docs  {per_sec}  {elapsed}  {msg}")
                    .expect("static template"),
            ),
        };
        bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(4));
        bar.enable_steady_tick(Duration::from_millis(250));
        Progress {
            bar,
            written: AtomicU64::new(0),
        }
    }

    /// Sets the number of documents once it is known (counted while the run goes on): the
    /// spinner becomes a bar with an ETA.
    pub fn set_total(&self, total: u64) {
        set_total(&self.bar, total);
    }

    /// Sets the number of documents from `count`, run on a thread of its own (counting the
    /// lines of large JSONL inputs takes a moment); nothing when the display is hidden.
    pub fn total_later(&self, count: impl FnOnce() -> Option<u64> + Send + 'static) {
        if self.bar.is_hidden() {
            return;
        }
        let bar = self.bar.clone();
        std::thread::spawn(move || {
            if let Some(total) = count() {
                set_total(&bar, total);
            }
        });
    }

    /// A tick for the pipeline's workers: one document's attribution is done.
    pub fn ticker(&self) -> Box<dyn Fn() + Send + Sync> {
        let bar = self.bar.clone();
        Box::new(move || bar.inc(1))
    }

    /// Counts one written document; `errors` is the running error count shown beside it.
    pub fn document_done(&self, errors: u64) {
        let written = self.written.fetch_add(1, Ordering::Relaxed) + 1;
        if written > self.bar.position() {
            self.bar.set_position(written);
        }
        if errors > 0 {
            self.bar.set_message(format!("{errors} errors"));
        }
    }

    /// Removes the display before the summary is printed.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
