//! `.txt` input: one article per file, the file stem as its id.

use super::{check_text, invalid_utf8, too_large, DocResult, ReadOptions};
use crate::document::Document;
use crate::error::{DocError, DocErrorKind};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Reads one `.txt` article. A file over the size limit is rejected from its metadata without
/// being read; for files whose size is not known up front (pipes), reading stops one byte past
/// the limit, so memory stays bounded either way.
pub fn read_txt(path: &Path, opts: &ReadOptions) -> DocResult {
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let io_error = |what: &str, e: std::io::Error| {
        DocError::new(id.clone(), DocErrorKind::Io, format!("{what}: {e}"))
    };
    let file = File::open(path).map_err(|e| io_error("cannot open", e))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > opts.max_doc_bytes {
        return Err(too_large(&id, len, opts));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(opts.max_doc_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| io_error("cannot read", e))?;
    if bytes.len() as u64 > opts.max_doc_bytes {
        return Err(too_large(&id, bytes.len() as u64, opts));
    }
    let text = String::from_utf8(bytes).map_err(|e| invalid_utf8(&id, &e.utf8_error()))?;
    check_text(&id, &text, opts)?;
    Ok(Document::new(id, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn reads_text_exactly_with_the_stem_as_id() {
        let dir = tempfile::tempdir().unwrap();
        let text = "\u{feff}Line one,\r\nline “two”.\n";
        let doc = read_txt(
            &write(&dir, "a.b.txt", text.as_bytes()),
            &ReadOptions::default(),
        )
        .unwrap();
        assert_eq!(doc.id.0, "a.b");
        assert_eq!(doc.text, text);
    }

    #[test]
    fn rejects_bad_bytes_empty_and_oversized_files() {
        let dir = tempfile::tempdir().unwrap();
        let opts = ReadOptions {
            max_doc_bytes: 8,
            ..ReadOptions::default()
        };
        let kind =
            |name: &str, bytes: &[u8]| read_txt(&write(&dir, name, bytes), &opts).unwrap_err().kind;
        assert_eq!(kind("bad.txt", b"ab\xffcd"), DocErrorKind::InvalidUtf8);
        assert_eq!(kind("empty.txt", b""), DocErrorKind::Empty);
        assert_eq!(kind("blank.txt", b" \n\t "), DocErrorKind::Empty);
        assert_eq!(kind("big.txt", b"123456789"), DocErrorKind::TooLarge);
        assert!(read_txt(&write(&dir, "ok.txt", b"12345678"), &opts).is_ok());
    }
}
