//! Corpus reading: `.txt` files, `.jsonl` / `.jsonl.gz` files, directories of them, and JSONL on
//! stdin, as one lazy stream of [`DocResult`]s in a stable order.
//!
//! The stream never holds more than the document it is yielding, so a corpus of any size reads
//! in bounded memory. Every problem with one document (bad bytes, broken JSON, a missing field, a
//! file that cannot be opened, a document over the size limit) becomes a [`DocError`] for that
//! document and reading goes on with the next one.

mod jsonl;
mod txt;

pub use jsonl::JsonlReader;
pub use txt::read_txt;

use crate::document::Document;
use crate::error::{DocError, DocErrorKind};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use walkdir::WalkDir;

/// One item of the input stream: a document, or the reason a document could not be read.
pub type DocResult = Result<Document, DocError>;

/// The default `--max-doc-bytes`: larger documents get a `too_large` error line.
pub const DEFAULT_MAX_DOC_BYTES: u64 = 10 * 1024 * 1024;

/// Buffer size for file and stdin readers: large enough that JSONL parsing is not syscall-bound.
const READ_BUFFER: usize = 1 << 20;

/// Options that apply to every input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Documents whose text is longer than this many bytes (UTF-8) are rejected as `too_large`.
    pub max_doc_bytes: u64,
    /// Where a JSONL object keeps the document id (`--id-field`, default `id`).
    pub id_field: FieldPath,
    /// Where a JSONL object keeps the document text (`--text-field`, default `text`).
    pub text_field: FieldPath,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_doc_bytes: DEFAULT_MAX_DOC_BYTES,
            id_field: FieldPath::id(),
            text_field: FieldPath::text(),
        }
    }
}

/// A field of a JSONL object, possibly nested: `body`, or `article.body` for the `body` field
/// of the object in `article`. Corpora name their fields in many ways, and `--id-field` /
/// `--text-field` say which ones hold the id and the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    parts: Vec<String>,
}

impl FieldPath {
    /// The default id field, `id`.
    pub fn id() -> Self {
        FieldPath {
            parts: vec!["id".to_string()],
        }
    }

    /// The default text field, `text`.
    pub fn text() -> Self {
        FieldPath {
            parts: vec!["text".to_string()],
        }
    }

    /// The name of a top-level field (`None` for a nested path).
    pub fn top_level(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// Takes the field out of `object`, keeping the order of what is left (a nested field is
    /// taken out of its parent object, which stays).
    pub(crate) fn take(&self, object: &mut crate::document::Meta) -> Option<serde_json::Value> {
        let (last, parents) = self.parts.split_last()?;
        let mut map = object;
        for part in parents {
            map = map.get_mut(part)?.as_object_mut()?;
        }
        map.shift_remove(last)
    }
}

impl std::fmt::Display for FieldPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.parts.join("."))
    }
}

impl std::str::FromStr for FieldPath {
    type Err = String;

    /// Parses a dot-separated path; empty parts (`a..b`, `.a`, ``) are refused.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let parts: Vec<String> = s.split('.').map(str::to_string).collect();
        if parts.iter().any(String::is_empty) {
            return Err(format!(
                "{s:?} is not a field path: give field names separated by dots, e.g. article.body"
            ));
        }
        Ok(FieldPath { parts })
    }
}

/// How one input source is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// One article per file; the id is the file stem.
    Txt,
    /// One JSON object per line.
    Jsonl,
    /// Gzip-compressed JSONL.
    JsonlGz,
    /// JSONL on standard input (`-`).
    Stdin,
    /// A path that cannot be read as input (unsupported type, missing, or a walk error); it
    /// yields one error line so that nothing the user named disappears silently.
    Unreadable,
}

/// One input source, in the order it will be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The file path (`-` for stdin).
    pub path: PathBuf,
    /// How to read it.
    pub kind: SourceKind,
    /// Why the source cannot be read (only for [`SourceKind::Unreadable`]).
    pub problem: Option<String>,
}

/// The sources found for a list of inputs.
#[derive(Debug, Default)]
pub struct Sources {
    /// Sources to read, in order: inputs in the order given, directories walked in path order.
    pub sources: Vec<Source>,
    /// Files inside directories that were skipped because their type is not an input type.
    pub ignored: usize,
}

impl Sources {
    /// The number of documents when it is known without reading (only `.txt` sources), else `None`.
    pub fn known_document_count(&self) -> Option<u64> {
        self.sources
            .iter()
            .all(|s| matches!(s.kind, SourceKind::Txt | SourceKind::Unreadable))
            .then_some(self.sources.len() as u64)
    }
}

/// The number of documents, counted without parsing: `.txt` files are one each, plain JSONL
/// files one per non-blank line. `None` when a source cannot be counted so (gzip, stdin) or a
/// file cannot be read. For a progress display's total: it takes a pass over the JSONL bytes.
pub fn count_documents(sources: &[Source]) -> Option<u64> {
    use std::io::Read;
    let mut total = 0u64;
    let mut buf = vec![0u8; READ_BUFFER];
    for source in sources {
        match source.kind {
            SourceKind::Txt | SourceKind::Unreadable => total += 1,
            SourceKind::Jsonl => {
                let mut file = File::open(&source.path).ok()?;
                // A line counts when it holds anything but whitespace.
                let mut blank = true;
                loop {
                    let n = file.read(&mut buf).ok()?;
                    if n == 0 {
                        break;
                    }
                    for &b in &buf[..n] {
                        if b == b'\n' {
                            total += u64::from(!blank);
                            blank = true;
                        } else if !b.is_ascii_whitespace() {
                            blank = false;
                        }
                    }
                }
                total += u64::from(!blank);
            }
            SourceKind::JsonlGz | SourceKind::Stdin => return None,
        }
    }
    Some(total)
}

/// The input type of a file name, if it is one.
fn kind_of(path: &Path) -> Option<SourceKind> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name.ends_with(".jsonl.gz") {
        Some(SourceKind::JsonlGz)
    } else if name.ends_with(".jsonl") {
        Some(SourceKind::Jsonl)
    } else if name.ends_with(".txt") {
        Some(SourceKind::Txt)
    } else {
        None
    }
}

fn unreadable(path: PathBuf, problem: String) -> Source {
    Source {
        path,
        kind: SourceKind::Unreadable,
        problem: Some(problem),
    }
}

/// Expands the command line's inputs into sources. Directories are walked recursively in path
/// order (so runs are reproducible); files in them with other extensions are counted in
/// [`Sources::ignored`]. A file named explicitly is read whatever happens: if it is missing or of
/// an unsupported type, it becomes an [`SourceKind::Unreadable`] source that yields an error line.
pub fn discover(inputs: &[PathBuf]) -> Sources {
    let mut out = Sources::default();
    for input in inputs {
        if input.as_os_str() == "-" {
            out.sources.push(Source {
                path: input.clone(),
                kind: SourceKind::Stdin,
                problem: None,
            });
            continue;
        }
        match std::fs::metadata(input) {
            Err(e) => out
                .sources
                .push(unreadable(input.clone(), format!("cannot open: {e}"))),
            Ok(m) if m.is_dir() => walk_dir(input, &mut out),
            Ok(_) => match kind_of(input) {
                Some(kind) => out.sources.push(Source {
                    path: input.clone(),
                    kind,
                    problem: None,
                }),
                None => out.sources.push(unreadable(
                    input.clone(),
                    "unsupported input type (expected .txt, .jsonl or .jsonl.gz)".to_string(),
                )),
            },
        }
    }
    out
}

fn walk_dir(dir: &Path, out: &mut Sources) {
    for entry in WalkDir::new(dir).follow_links(true).sort_by_file_name() {
        match entry {
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_path_buf();
                out.sources.push(unreadable(
                    path,
                    format!("cannot read directory entry: {e}"),
                ));
            }
            Ok(entry) if entry.file_type().is_file() => match kind_of(entry.path()) {
                Some(kind) => out.sources.push(Source {
                    path: entry.into_path(),
                    kind,
                    problem: None,
                }),
                None => out.ignored += 1,
            },
            Ok(_) => {}
        }
    }
}

/// What the reader met besides documents, counted so that every input line is accounted for:
/// blank JSONL lines (which hold no document) and documents whose id an earlier document of
/// the run already had (renamed, see [`Documents`]).
#[derive(Debug, Default)]
pub struct ReadTally {
    blank_lines: AtomicU64,
    duplicate_ids: AtomicU64,
}

impl ReadTally {
    /// Blank (empty or whitespace-only) JSONL lines skipped so far.
    pub fn blank_lines(&self) -> u64 {
        self.blank_lines.load(Ordering::Relaxed)
    }

    /// Documents renamed so far because their id was taken.
    pub fn duplicate_ids(&self) -> u64 {
        self.duplicate_ids.load(Ordering::Relaxed)
    }

    pub(crate) fn blank_line(&self) {
        self.blank_lines.fetch_add(1, Ordering::Relaxed);
    }
}

/// How many renamed duplicates are reported one by one on stderr (the rest only in the count).
const DUPLICATES_SHOWN: u64 = 5;

/// Ids seen so far, as 128-bit hashes (16 bytes per document, whatever the id's length), and for
/// ids seen more than once, the next suffix to try.
#[derive(Default)]
struct SeenIds {
    seen: HashSet<u128>,
    next_suffix: HashMap<u128, u64>,
}

fn id_hash(id: &str) -> u128 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(id.as_bytes());
    u128::from_le_bytes(digest[..16].try_into().expect("16 bytes"))
}

impl SeenIds {
    /// `id` itself when it is new, else the first free `id~N` (N = 2, 3, ...), which is then
    /// taken too.
    fn claim(&mut self, id: &str) -> Option<String> {
        let key = id_hash(id);
        if self.seen.insert(key) {
            return None;
        }
        let mut n = self.next_suffix.get(&key).copied().unwrap_or(2);
        loop {
            let candidate = format!("{id}~{n}");
            n += 1;
            if self.seen.insert(id_hash(&candidate)) {
                self.next_suffix.insert(key, n);
                return Some(candidate);
            }
        }
    }
}

/// The stream of a run's documents ([`documents`]), with unique ids.
///
/// Document ids name records (`quote_id` is `ID:START-END`) and index entries, so two documents
/// with one id would give records that cannot be told apart. A document whose id was already
/// used earlier in the stream is renamed `ID~2` (the next one `ID~3`, skipping any suffixed id
/// the input itself uses), counted in [`ReadTally::duplicate_ids`] and, for the first few,
/// reported on stderr. The renaming depends only on the input order, so it is the same in every
/// run and on resume.
pub struct Documents {
    inner: Box<dyn Iterator<Item = DocResult> + Send>,
    tally: Arc<ReadTally>,
    ids: SeenIds,
    warn: bool,
}

impl Documents {
    /// The counts of this stream, shared: they grow as the stream is read.
    pub fn tally(&self) -> Arc<ReadTally> {
        Arc::clone(&self.tally)
    }

    /// Reports renamed duplicates on stderr (a run does; `report` re-reading inputs does not).
    pub fn warn_duplicates(mut self, warn: bool) -> Self {
        self.warn = warn;
        self
    }
}

impl Iterator for Documents {
    type Item = DocResult;

    fn next(&mut self) -> Option<DocResult> {
        let mut item = self.inner.next()?;
        let id = match &mut item {
            Ok(doc) => &mut doc.id.0,
            Err(e) => &mut e.doc_id.0,
        };
        if let Some(renamed) = self.ids.claim(id) {
            let n = self.tally.duplicate_ids.fetch_add(1, Ordering::Relaxed) + 1;
            if self.warn && n <= DUPLICATES_SHOWN {
                eprintln!(
                    "newsquotes: duplicate document id {id:?}: this document is written as \
                     {renamed:?}{}",
                    if n == DUPLICATES_SHOWN {
                        " (further duplicates are only counted)"
                    } else {
                        ""
                    }
                );
            }
            *id = renamed;
        }
        Some(item)
    }
}

/// The documents of one source, lazily.
fn read_source(
    source: Source,
    opts: &ReadOptions,
    tally: &Arc<ReadTally>,
) -> Box<dyn Iterator<Item = DocResult> + Send> {
    let name = source.path.display().to_string();
    let open_error =
        |e: io::Error| DocError::new(name.clone(), DocErrorKind::Io, format!("cannot open: {e}"));
    match source.kind {
        SourceKind::Txt => Box::new(std::iter::once(read_txt(&source.path, opts))),
        SourceKind::Jsonl => match File::open(&source.path) {
            Ok(f) => Box::new(
                JsonlReader::new(BufReader::with_capacity(READ_BUFFER, f), name, opts.clone())
                    .with_tally(Arc::clone(tally)),
            ),
            Err(e) => Box::new(std::iter::once(Err(open_error(e)))),
        },
        SourceKind::JsonlGz => match File::open(&source.path) {
            Ok(f) => {
                // Multi-member so that concatenated gzip files (`cat a.gz b.gz`) read whole.
                let gz =
                    flate2::read::MultiGzDecoder::new(BufReader::with_capacity(READ_BUFFER, f));
                Box::new(
                    JsonlReader::new(
                        BufReader::with_capacity(READ_BUFFER, gz),
                        name,
                        opts.clone(),
                    )
                    .with_tally(Arc::clone(tally)),
                )
            }
            Err(e) => Box::new(std::iter::once(Err(open_error(e)))),
        },
        SourceKind::Stdin => Box::new(
            JsonlReader::new(
                BufReader::with_capacity(READ_BUFFER, io::stdin()),
                "stdin".to_string(),
                opts.clone(),
            )
            .with_tally(Arc::clone(tally)),
        ),
        SourceKind::Unreadable => Box::new(std::iter::once(Err(DocError::new(
            name,
            DocErrorKind::Io,
            source.problem.unwrap_or_else(|| "cannot read".to_string()),
        )))),
    }
}

/// Streams the documents of all sources in order, with unique ids ([`Documents`]). Each source
/// is opened only when the previous one is exhausted.
pub fn documents(sources: Vec<Source>, opts: ReadOptions) -> Documents {
    let tally = Arc::new(ReadTally::default());
    let shared = Arc::clone(&tally);
    Documents {
        inner: Box::new(
            sources
                .into_iter()
                .flat_map(move |s| read_source(s, &opts, &shared)),
        ),
        tally,
        ids: SeenIds::default(),
        warn: false,
    }
}

/// Checks a decoded text against the limits every document must meet, whatever its source.
pub(crate) fn check_text(id: &str, text: &str, opts: &ReadOptions) -> Result<(), DocError> {
    if text.len() as u64 > opts.max_doc_bytes {
        return Err(too_large(id, text.len() as u64, opts));
    }
    if text.trim().is_empty() {
        return Err(DocError::new(
            id,
            DocErrorKind::Empty,
            "document text is empty or only whitespace",
        ));
    }
    Ok(())
}

pub(crate) fn too_large(id: &str, bytes: u64, opts: &ReadOptions) -> DocError {
    DocError::new(
        id,
        DocErrorKind::TooLarge,
        format!(
            "document is larger than --max-doc-bytes ({bytes} > {} bytes)",
            opts.max_doc_bytes
        ),
    )
}

/// The error for bytes that are not UTF-8. Lossy decoding would shift every offset after the bad
/// byte, so the document is rejected instead.
pub(crate) fn invalid_utf8(id: &str, e: &std::str::Utf8Error) -> DocError {
    DocError::new(
        id,
        DocErrorKind::InvalidUtf8,
        format!("invalid UTF-8 at byte {}", e.valid_up_to()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn discovers_directories_in_path_order_and_counts_ignored_files() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("b")).unwrap();
        fs::write(dir.path().join("b/z.txt"), "z").unwrap();
        fs::write(dir.path().join("b/a.jsonl"), "").unwrap();
        fs::write(dir.path().join("c.jsonl.gz"), "").unwrap();
        fs::write(dir.path().join("a.txt"), "a").unwrap();
        fs::write(dir.path().join("notes.md"), "x").unwrap();
        let found = discover(&[dir.path().to_path_buf()]);
        let names: Vec<_> = found
            .sources
            .iter()
            .map(|s| s.path.strip_prefix(dir.path()).unwrap().to_path_buf())
            .collect();
        assert_eq!(
            names,
            ["a.txt", "b/a.jsonl", "b/z.txt", "c.jsonl.gz"].map(PathBuf::from)
        );
        assert_eq!(found.sources[3].kind, SourceKind::JsonlGz);
        assert_eq!(found.ignored, 1);
        assert_eq!(found.known_document_count(), None);
    }

    #[test]
    fn named_missing_or_unsupported_files_become_error_documents() {
        let dir = tempfile::tempdir().unwrap();
        let md = dir.path().join("x.md");
        fs::write(&md, "x").unwrap();
        let missing = dir.path().join("missing.txt");
        let found = discover(&[md, missing]);
        let docs: Vec<_> = documents(found.sources, ReadOptions::default()).collect();
        assert_eq!(docs.len(), 2);
        for d in docs {
            assert_eq!(d.unwrap_err().kind, DocErrorKind::Io);
        }
    }

    #[test]
    fn duplicate_ids_get_deterministic_suffixes_and_blank_lines_are_counted() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.jsonl");
        fs::write(
            &a,
            "{\"id\": \"x\", \"text\": \"one\"}\n\n  \n{\"id\": \"x~2\", \"text\": \"two\"}\n\
             {\"id\": \"x\", \"text\": \"three\"}\n{\"id\": \"x\", \"text\": \"four\"}\n",
        )
        .unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        fs::write(dir.path().join("sub/x.txt"), "five").unwrap();
        let found = discover(&[a, dir.path().join("sub")]);
        let docs = documents(found.sources, ReadOptions::default());
        let tally = docs.tally();
        let ids: Vec<String> = docs.map(|d| d.unwrap().id.0).collect();
        assert_eq!(ids, ["x", "x~2", "x~3", "x~4", "x~5"]);
        assert_eq!(tally.duplicate_ids(), 3);
        assert_eq!(tally.blank_lines(), 2);
    }

    #[test]
    fn plain_jsonl_lines_are_counted_for_the_progress_total() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "a").unwrap();
        fs::write(dir.path().join("b.jsonl"), "{}\n\n  \n{}\n{}").unwrap();
        let found = discover(&[dir.path().to_path_buf()]);
        assert_eq!(count_documents(&found.sources), Some(4));
        fs::write(dir.path().join("c.jsonl.gz"), "").unwrap();
        let found = discover(&[dir.path().to_path_buf()]);
        assert_eq!(count_documents(&found.sources), None);
    }

    #[test]
    fn txt_only_inputs_have_a_known_count() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "a").unwrap();
        fs::write(dir.path().join("b.txt"), "b").unwrap();
        assert_eq!(
            discover(&[dir.path().to_path_buf()]).known_document_count(),
            Some(2)
        );
    }
}
