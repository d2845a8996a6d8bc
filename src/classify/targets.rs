//! Stance targets (`--targets FILE`), as the contract defines them:
//!
//! ```toml
//! [[target]]
//! name = "NATO membership for Ukraine"
//! aliases = ["NATO expansion", "NATO enlargement"]   # optional
//! description = "Ukraine joining the alliance"        # optional
//! ```
//!
//! The classifier sees the name with its aliases (and description) as the target side of the
//! pair, so "NATO enlargement" in a quote is recognised as the same target.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One stance target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// The name written into records.
    pub name: String,
    /// Other names for the same target.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// A short description.
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetsFile {
    #[serde(default)]
    target: Vec<Target>,
}

impl Target {
    /// The target side of the classifier's input: `name (alias; alias): description`.
    pub fn classifier_text(&self) -> String {
        let mut text = self.name.clone();
        if !self.aliases.is_empty() {
            text.push_str(&format!(" ({})", self.aliases.join("; ")));
        }
        if let Some(d) = self.description.as_deref().filter(|d| !d.trim().is_empty()) {
            text.push_str(&format!(": {}", d.trim()));
        }
        text
    }
}

/// Reads a targets file: at least one target, names unique and not blank.
pub fn read(path: &Path) -> Result<Vec<Target>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Path {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text).map_err(|e| Error::Invalid(format!("--targets {}: {e}", path.display())))
}

/// Parses the text of a targets file.
pub fn parse(text: &str) -> std::result::Result<Vec<Target>, String> {
    let file: TargetsFile = toml::from_str(text).map_err(|e| e.to_string())?;
    if file.target.is_empty() {
        return Err("no [[target]] entries".into());
    }
    let mut seen = std::collections::HashSet::new();
    for t in &file.target {
        if t.name.trim().is_empty() {
            return Err("a target has an empty name".into());
        }
        if !seen.insert(t.name.as_str()) {
            return Err(format!("target {:?} appears twice", t.name));
        }
    }
    Ok(file.target)
}

/// sha256 of the targets as the classifier sees them, so a rerun can tell when they changed.
pub fn fingerprint(targets: &[Target]) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_string(targets).unwrap_or_default();
    format!("{:x}", Sha256::digest(json.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_example_parses_with_aliases() {
        let t = parse(
            r#"
[[target]]
name = "NATO membership for Ukraine"
aliases = ["NATO expansion", "NATO enlargement"]

[[target]]
name = "sanctions against Russia"
"#,
        )
        .unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(
            t[0].classifier_text(),
            "NATO membership for Ukraine (NATO expansion; NATO enlargement)"
        );
        assert_eq!(t[1].classifier_text(), "sanctions against Russia");
        assert_ne!(fingerprint(&t[..1]), fingerprint(&t));
    }

    #[test]
    fn bad_files_say_why() {
        assert!(parse("").unwrap_err().contains("no [[target]]"));
        assert!(parse("[[target]]\nname = \"a\"\n[[target]]\nname = \"a\"")
            .unwrap_err()
            .contains("twice"));
        assert!(parse("[[target]]\nnam = \"a\"").is_err());
    }
}
