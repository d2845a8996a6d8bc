//! Training of the models newsquotes ships (`newsquotes train ...`).
//!
//! Training runs in Rust on libtorch through rust-bert, from the base model `scripts/setup`
//! installs, so a user can retrain or adapt a model with nothing but this binary.

pub mod attribution;
pub mod examples;

/// sha256 of a file, as lowercase hex.
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(format!("{:x}", hasher.finalize()))
}
