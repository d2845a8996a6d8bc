//! Training of the models newsquotes ships (`newsquotes train ...`).
//!
//! Training runs in Rust on libtorch through rust-bert, from the base model `scripts/setup`
//! installs, so a user can retrain or adapt a model with nothing but this binary.

pub mod attribution;
pub mod classifier;
pub mod examples;
pub mod fit;
pub mod mix;

use crate::error::{Error, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::HashSet;
use tch::nn::{self, OptimizerConfig};

/// Learning rate at `step`: linear warm-up to `peak` over `warmup` steps, then linear decay to
/// zero at `total`.
pub fn learning_rate(step: usize, warmup: usize, total: usize, peak: f64) -> f64 {
    if step < warmup {
        peak * (step + 1) as f64 / warmup as f64
    } else {
        peak * total.saturating_sub(step) as f64 / total.saturating_sub(warmup).max(1) as f64
    }
}

/// AdamW over the `trained` variables; every other variable is frozen.
pub fn optimizer(
    vars: &nn::VarStore,
    trained: &HashSet<String>,
    lr: f64,
    weight_decay: f64,
) -> Result<nn::Optimizer> {
    for (name, t) in vars.variables() {
        if !trained.contains(&name) {
            let _ = t.set_requires_grad(false);
        }
    }
    nn::AdamW {
        wd: weight_decay,
        ..Default::default()
    }
    .build(vars, lr)
    .map_err(|e| Error::Model(format!("optimizer: {e}")))
}

/// The progress bar of one epoch (loss and ETA in its message).
pub fn epoch_bar(epoch: usize, epochs: usize, steps: usize) -> ProgressBar {
    let bar = ProgressBar::new(steps as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "epoch {prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} steps, {per_sec}, eta {eta} {msg}",
        )
        .expect("valid template"),
    );
    bar.set_prefix(format!("{epoch}/{epochs}"));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learning_rate_warms_up_then_decays_to_zero() {
        assert_eq!(learning_rate(0, 4, 20, 1.0), 0.25);
        assert_eq!(learning_rate(3, 4, 20, 1.0), 1.0);
        assert_eq!(learning_rate(4, 4, 20, 1.0), 1.0);
        assert_eq!(learning_rate(20, 4, 20, 1.0), 0.0);
    }
}
