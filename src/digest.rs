//! Content hashes for provenance: which exact model files and inputs produced a run, and which
//! documents are unchanged since a previous run.

/// sha256 of a file, as lowercase hex.
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(format!("{:x}", hasher.finalize()))
}

/// sha256 of a document as the pipeline sees it: id, text and pass-through metadata. Two
/// documents with the same hash give the same records, so `rerun` may reuse them.
pub fn document_sha256(doc: &crate::document::Document) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
    let meta = serde_json::to_string(&doc.meta).unwrap_or_default();
    for part in [doc.id.0.as_str(), doc.text.as_str(), meta.as_str()] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    format!("{:x}", hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;

    #[test]
    fn document_hash_covers_id_text_and_meta() {
        let a = Document::new("a", "bc");
        let base = document_sha256(&a);
        assert_eq!(base, document_sha256(&Document::new("a", "bc")));
        assert_ne!(base, document_sha256(&Document::new("ab", "c")));
        let mut m = Document::new("a", "bc");
        m.meta.insert("date".into(), "2026-01-01".into());
        assert_ne!(base, document_sha256(&m));
    }
}
