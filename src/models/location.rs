//! Where the shipped models and the base model live: beside the running binary when it is an
//! unpacked bundle (`scripts/bundle`: `ROOT/bin/newsquotes`, `ROOT/models/...`,
//! `ROOT/share/all-MiniLM-L6-v2`), else in the checkout the binary was built from.
//!
//! The bundle is what runs on machines that never saw the checkout (a Spark cluster's
//! executors), so its binary must find its models with no environment variables and no
//! `.cache/`. A binary in `target/` has no `models/` beside it and keeps using the checkout.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The base model's folder inside a bundle, relative to the bundle's root.
pub const BUNDLE_BASE_MODEL_DIR: &str = "share/all-MiniLM-L6-v2";

/// The base model's folder inside a checkout, where `scripts/setup` unpacks it.
pub const CHECKOUT_BASE_MODEL_DIR: &str = ".cache/models/all-MiniLM-L6-v2";

/// The root of the bundle this binary runs from (the folder above `bin/`), when there is one:
/// the binary's real path (links followed) has a `models/` folder two levels up.
pub fn bundle_root() -> Option<&'static Path> {
    static ROOT: OnceLock<Option<PathBuf>> = OnceLock::new();
    ROOT.get_or_init(|| {
        let exe = std::env::current_exe().ok()?.canonicalize().ok()?;
        bundle_root_of(&exe)
    })
    .as_deref()
}

/// The bundle root for a binary at `exe`: `exe/../..` when it holds `models/`.
pub fn bundle_root_of(exe: &Path) -> Option<PathBuf> {
    let root = exe.parent()?.parent()?;
    root.join("models").is_dir().then(|| root.to_path_buf())
}

/// The checkout this binary was built from.
pub fn checkout_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `relative` under the bundle root when the bundle has it, else under the checkout.
fn locate(bundle_relative: &str, checkout_relative: &str) -> PathBuf {
    bundle_root()
        .map(|root| root.join(bundle_relative))
        .filter(|p| p.exists())
        .unwrap_or_else(|| checkout_root().join(checkout_relative))
}

/// A shipped model folder (`models/attribution-minilm`, ...): the bundle's, else the
/// checkout's.
pub fn shipped_model_dir(relative: &str) -> PathBuf {
    locate(relative, relative)
}

/// The base model folder: the bundle's, else the one `scripts/setup` fills in the checkout.
pub fn default_base_model_dir() -> PathBuf {
    locate(BUNDLE_BASE_MODEL_DIR, CHECKOUT_BASE_MODEL_DIR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_is_recognised_by_its_models_folder() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("bin/newsquotes");
        std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
        assert_eq!(bundle_root_of(&exe), None);
        std::fs::create_dir_all(dir.path().join("models")).unwrap();
        assert_eq!(bundle_root_of(&exe).as_deref(), Some(dir.path()));
    }

    #[test]
    fn outside_a_bundle_the_checkout_is_used() {
        // Test binaries live in target/debug/deps: no bundle there.
        assert_eq!(bundle_root(), None);
        assert_eq!(
            shipped_model_dir("models/attribution-minilm"),
            checkout_root().join("models/attribution-minilm")
        );
        assert!(default_base_model_dir().ends_with(CHECKOUT_BASE_MODEL_DIR));
    }
}
