//! Weight files of the models we train: the base model's weights plus a *delta*.
//!
//! A trained model is stored as only the tensors that training changed (the upper encoder
//! layers and the task's own layers), in half precision. Loading reads the base weights from
//! `scripts/setup`'s cache and then the delta over them, which keeps the shipped files small
//! enough to commit. The task's layers live under one prefix (`head`), which is how a delta
//! tells which model it belongs to.

use crate::error::{Error, Result};
use std::collections::HashSet;
use std::path::Path;
use tch::{nn, Device, Kind, Tensor};

/// Loads the base model's weights into `vars`: every variable except those under `head` (the
/// task's own layers) must be found in the file.
pub fn load_base(vars: &mut nn::VarStore, weights: &Path, head: &str) -> Result<()> {
    let missing = vars
        .load_partial(weights)
        .map_err(|e| Error::Model(format!("cannot load {}: {e}", weights.display())))?;
    let unexpected: Vec<_> = missing
        .iter()
        .filter(|n| !n.starts_with(&format!("{head}.")))
        .collect();
    if !unexpected.is_empty() {
        return Err(Error::Model(format!(
            "{} lacks {} tensor(s) the model needs, e.g. {}",
            weights.display(),
            unexpected.len(),
            unexpected[0]
        )));
    }
    Ok(())
}

/// Names of the variables that training updates: the task's layers under `head` and the encoder
/// layers from
/// `first_trained_layer` up. Everything else (embeddings, lower layers) stays the base model's.
pub fn trained_names(
    vars: &nn::VarStore,
    first_trained_layer: usize,
    head: &str,
) -> HashSet<String> {
    vars.variables()
        .into_keys()
        .filter(|name| {
            if name.starts_with(&format!("{head}.")) {
                return true;
            }
            let Some(rest) = name.strip_prefix("encoder.layer.") else {
                return false;
            };
            rest.split('.')
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|layer| layer >= first_trained_layer)
        })
        .collect()
}

/// Writes the named variables to a safetensors file in half precision, atomically.
pub fn save_delta(vars: &nn::VarStore, names: &HashSet<String>, path: &Path) -> Result<()> {
    let all = vars.variables();
    let mut sorted: Vec<&String> = names.iter().collect();
    sorted.sort();
    let tensors: Vec<(String, Tensor)> = sorted
        .into_iter()
        .filter_map(|n| {
            all.get(n)
                .map(|t| (n.clone(), t.to_device(Device::Cpu).to_kind(Kind::Half)))
        })
        .collect();
    let file = crate::atomic::AtomicFile::create(path)?;
    Tensor::write_safetensors(&tensors, file.temp_path())
        .map_err(|e| Error::Model(format!("cannot write {}: {e}", path.display())))?;
    file.commit()
}

/// Loads a delta written by [`save_delta`] over the variables of `vars`. Every tensor in the
/// file must name a variable of the model with the same shape, and the task's layers (under
/// `head`) must be there.
pub fn load_delta(vars: &nn::VarStore, path: &Path, head: &str) -> Result<()> {
    let bad = |m: String| Error::Model(format!("{}: {m}", path.display()));
    let tensors = Tensor::read_safetensors(path).map_err(|e| bad(e.to_string()))?;
    let all = vars.variables();
    let mut has_head = false;
    for (name, src) in tensors {
        let Some(dst) = all.get(&name) else {
            return Err(bad(format!("unknown tensor {name}")));
        };
        if dst.size() != src.size() {
            return Err(bad(format!(
                "tensor {name} has shape {:?}, the model wants {:?}",
                src.size(),
                dst.size()
            )));
        }
        has_head |= name.starts_with(&format!("{head}."));
        let mut dst = dst.shallow_clone();
        tch::no_grad(|| dst.copy_(&src.to_kind(dst.kind()).to_device(dst.device())));
    }
    if !has_head {
        return Err(bad(format!("no classifier ({head}.*) in the file")));
    }
    Ok(())
}
