//! Output writers (JSONL, CSV, Parquet) and the atomic output file.
//!
//! A document's outcome is written as its records (one line or row each) or as one error line.
//! Output to a file goes to a temporary file in the same directory that is renamed into place
//! only when the run completes, so a killed or failed run never leaves a file that looks
//! complete. Output to stdout is flushed after every document so that pipelines stream.
//!
//! CSV is flattened to one row per record (columns in [`CSV_COLUMNS`]); a document that failed
//! is one row with only `doc_id`, `error_kind` and `error_message`. To keep spreadsheets from
//! running cell content as formulas, every cell that starts with `=`, `+`, `-`, `@`, a tab or a
//! carriage return is prefixed with a `'` (the usual CSV-injection guard): quote text that begins
//! with a dash, say, reads `'- ...` in the CSV; the JSONL output is never altered.

pub mod parquet;
pub mod readback;
pub mod stance_table;

use crate::atomic::AtomicFile;
use crate::error::{Error, Result};
use crate::pipeline::DocOutcome;
use crate::record::{ErrorLine, Record};
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Output formats of `extract`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per line (the contract's records and error lines).
    #[default]
    Jsonl,
    /// Flattened records, one row each.
    Csv,
    /// Apache Parquet with a typed schema (columns in the README); needs `-o FILE`.
    Parquet,
}

impl Format {
    /// The name used on the command line and in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        }
    }
}

/// The path of part `index` of `target`: `out.jsonl` -> `out.part-00003.jsonl`.
pub fn part_path(target: &Path, index: usize) -> PathBuf {
    let stem = target.file_stem().unwrap_or_default().to_string_lossy();
    let name = match target.extension() {
        Some(ext) => format!("{stem}.part-{index:05}.{}", ext.to_string_lossy()),
        None => format!("{stem}.part-{index:05}"),
    };
    target.with_file_name(name)
}

/// The CSV header, in order.
pub const CSV_COLUMNS: [&str; 26] = [
    "doc_id",
    "quote_id",
    "quote_text",
    "quote_kind",
    "quote_spans",
    "cue_text",
    "cue_start",
    "cue_end",
    "speaker_mention",
    "speaker_mention_start",
    "speaker_mention_end",
    "speaker_name",
    "speaker_kind",
    "speaker_role",
    "speaker_entity",
    "speaker_confidence",
    "stance",
    "claim_checkworthy",
    "claim_score",
    "meta",
    "provenance",
    "error_kind",
    "error_message",
    "speaker_key",
    "speaker_gender",
    "speaker_gender_evidence",
];

/// Index of `error_kind` in [`CSV_COLUMNS`] (`error_message` follows it); the speaker's key,
/// gender and gender evidence come after them, added when the contract grew.
const CSV_ERROR_KIND: usize = 21;
/// Columns a CSV output has after [`CSV_COLUMNS`]: where the quote starts and ends (the first
/// span's start and the last span's end, code-point offsets), for analyses that want numbers
/// rather than the `START-END;START-END` text of `quote_spans`.
pub const CSV_QUOTE_BOUNDS: [&str; 2] = ["quote_start", "quote_end"];

/// The column name part for a stance target: its name lowercased, every run of characters that
/// are not letters or digits made one `_`, leading and trailing `_` dropped (`target` when
/// nothing is left). "Carbon tax (EU)" gives `carbon_tax_eu`.
pub fn target_slug(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('_') {
            slug.push('_');
        }
    }
    while slug.ends_with('_') {
        slug.pop();
    }
    if slug.is_empty() {
        slug.push_str("target");
    }
    slug
}

/// The columns of a CSV output: [`CSV_COLUMNS`], [`CSV_QUOTE_BOUNDS`], then for each stance
/// target of the run, in the targets file's order, `stance_<slug>_label` and
/// `stance_<slug>_score` ([`target_slug`]; a slug that two targets share gets `_2`, `_3`, ...
/// for the later ones), so that a spreadsheet or `read_csv` gets one flat row per record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvLayout {
    /// (target name, column slug), in the targets file's order.
    targets: Vec<(String, String)>,
}

impl CsvLayout {
    /// The layout for a run with these stance targets (none: no stance columns).
    pub fn new(targets: &[String]) -> Self {
        let mut seen = std::collections::HashSet::new();
        let targets = targets
            .iter()
            .map(|name| {
                let base = target_slug(name);
                let mut slug = base.clone();
                let mut n = 2;
                while !seen.insert(slug.clone()) {
                    slug = format!("{base}_{n}");
                    n += 1;
                }
                (name.clone(), slug)
            })
            .collect();
        CsvLayout { targets }
    }

    /// The header, in column order.
    pub fn header(&self) -> Vec<String> {
        let mut header: Vec<String> = CSV_COLUMNS
            .iter()
            .chain(&CSV_QUOTE_BOUNDS)
            .map(|c| c.to_string())
            .collect();
        for (_, slug) in &self.targets {
            header.push(format!("stance_{slug}_label"));
            header.push(format!("stance_{slug}_score"));
        }
        header
    }

    /// The header line as CSV bytes.
    pub fn header_bytes(&self) -> Result<Vec<u8>> {
        csv_bytes([self.header().as_slice()])
    }

    fn width(&self) -> usize {
        CSV_COLUMNS.len() + CSV_QUOTE_BOUNDS.len() + 2 * self.targets.len()
    }
}

/// Where the output bytes go.
pub enum Destination {
    /// Standard output, flushed after each document.
    Stdout(BufWriter<io::Stdout>),
    /// An existing device, pipe or socket (`/dev/null`, a FIFO): written in place, since
    /// renaming a file over it would replace the device.
    Special(BufWriter<std::fs::File>),
    /// A file written under a temporary name, renamed into place by [`Destination::commit`].
    File(AtomicFile),
    /// A resumable partial output at a fixed path: flushed after every document so that the
    /// document index never points past what has left the process, and kept on disk when the
    /// run dies so that `--resume` can continue it.
    Spool {
        /// The partial file.
        file: BufWriter<File>,
        /// Bytes in the file so far.
        position: u64,
    },
}

impl Destination {
    /// Standard output.
    pub fn stdout() -> Self {
        Destination::Stdout(BufWriter::with_capacity(1 << 16, io::stdout()))
    }

    /// A file written atomically ([`AtomicFile`]), or an existing device or pipe written in
    /// place. Fails at once when the folder is not writable, so a bad output path stops the run
    /// before any work is done.
    pub fn file(target: &Path) -> Result<Self> {
        if std::fs::metadata(target).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(target)
                .map_err(|source| Error::Path {
                    path: target.to_path_buf(),
                    source,
                })?;
            return Ok(Destination::Special(BufWriter::with_capacity(
                1 << 16,
                file,
            )));
        }
        Ok(Destination::File(AtomicFile::create(target)?))
    }

    /// A spool at `path`: a new empty file, or with `resume_at`, the existing file cut back to
    /// that many bytes and continued.
    pub fn spool(path: &Path, resume_at: Option<u64>) -> Result<Self> {
        let io = |source| Error::Path {
            path: path.to_path_buf(),
            source,
        };
        let (file, position) = match resume_at {
            None => (File::create(path).map_err(io)?, 0),
            Some(at) => {
                let mut file = OpenOptions::new().write(true).open(path).map_err(io)?;
                let len = file.metadata().map_err(io)?.len();
                if len < at {
                    return Err(io(io::Error::other(format!(
                        "the partial output is shorter ({len} bytes) than its index says ({at} \
                         bytes); start again without --resume"
                    ))));
                }
                file.set_len(at).map_err(io)?;
                file.seek(SeekFrom::End(0)).map_err(io)?;
                (file, at)
            }
        };
        Ok(Destination::Spool {
            file: BufWriter::with_capacity(1 << 20, file),
            position,
        })
    }

    /// Bytes written so far (counted for spools only, whose index needs offsets).
    pub fn position(&self) -> u64 {
        match self {
            Destination::Spool { position, .. } => *position,
            _ => 0,
        }
    }

    /// Flushes and, for a file, renames the temporary file into place.
    pub fn commit(self) -> Result<()> {
        match self {
            Destination::Stdout(mut w) => Ok(w.flush()?),
            Destination::Special(mut w) => Ok(w.flush()?),
            Destination::Spool { file, .. } => {
                let file = file.into_inner().map_err(|e| e.into_error())?;
                Ok(file.sync_all()?)
            }
            Destination::File(file) => file.commit(),
        }
    }

    /// Called after each document: stdout, pipes and devices are flushed so that consumers see
    /// whole documents as soon as they are done; files stay buffered.
    fn document_end(&mut self) -> io::Result<()> {
        match self {
            Destination::Stdout(w) => w.flush(),
            Destination::Special(w) => w.flush(),
            Destination::Spool { file, .. } => file.flush(),
            Destination::File(_) => Ok(()),
        }
    }
}

impl Write for Destination {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Destination::Stdout(w) => w.write(buf),
            Destination::Special(w) => w.write(buf),
            Destination::File(file) => file.write(buf),
            Destination::Spool { file, position } => {
                let n = file.write(buf)?;
                *position += n as u64;
                Ok(n)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Destination::Stdout(w) => w.flush(),
            Destination::Special(w) => w.flush(),
            Destination::File(file) => file.flush(),
            Destination::Spool { file, .. } => file.flush(),
        }
    }
}

/// Writes document outcomes in one format.
pub enum OutputWriter {
    /// JSONL.
    Jsonl(Destination),
    /// CSV (header written on creation), in its column layout.
    Csv(Destination, CsvLayout),
}

/// Formats rows into CSV bytes (quoting, escaping) with the injection guard applied to every
/// cell.
fn csv_bytes<'a>(rows: impl IntoIterator<Item = &'a [String]>) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    {
        let mut w = csv::WriterBuilder::new().from_writer(&mut buf);
        for row in rows {
            for cell in row {
                w.write_field(guard_cell(cell).as_bytes())?;
            }
            w.write_record(None::<&[u8]>)?;
        }
        w.flush()?;
    }
    Ok(buf)
}

impl OutputWriter {
    /// Creates a writer; CSV writes its header (in `layout`) at once. Parquet is not a
    /// streaming format: it is written from the JSONL stream when the run completes
    /// ([`parquet`]), so it is refused here.
    pub fn new(format: Format, dest: Destination, layout: &CsvLayout) -> Result<Self> {
        Self::with_header(format, dest, layout, true)
    }

    /// Like [`OutputWriter::new`], but continuing an output that already has its CSV header
    /// when `header` is false.
    pub fn with_header(
        format: Format,
        mut dest: Destination,
        layout: &CsvLayout,
        header: bool,
    ) -> Result<Self> {
        match format {
            Format::Jsonl => Ok(OutputWriter::Jsonl(dest)),
            Format::Csv => {
                if header {
                    dest.write_all(&layout.header_bytes()?)?;
                }
                Ok(OutputWriter::Csv(dest, layout.clone()))
            }
            Format::Parquet => Err(Error::Invalid(
                "--format parquet needs an output file (-o FILE)".to_string(),
            )),
        }
    }

    /// Bytes written so far to a spool destination.
    pub fn position(&self) -> u64 {
        match self {
            OutputWriter::Jsonl(dest) | OutputWriter::Csv(dest, _) => dest.position(),
        }
    }

    /// Writes one document's records, or its error line.
    pub fn write(&mut self, outcome: &DocOutcome) -> Result<()> {
        match self {
            OutputWriter::Jsonl(dest) => {
                match &outcome.result {
                    Ok(records) => {
                        for r in records {
                            serde_json::to_writer(&mut *dest, r)?;
                            dest.write_all(b"\n")?;
                        }
                    }
                    Err(e) => {
                        serde_json::to_writer(&mut *dest, &ErrorLine::from(e))?;
                        dest.write_all(b"\n")?;
                    }
                }
                dest.document_end()?;
            }
            OutputWriter::Csv(dest, layout) => {
                let rows = match &outcome.result {
                    Ok(records) => records
                        .iter()
                        .map(|r| csv_row(r, layout))
                        .collect::<Result<Vec<_>>>()?,
                    Err(e) => vec![csv_error_row(
                        &e.doc_id.0,
                        e.kind.as_str(),
                        &e.message,
                        layout,
                    )],
                };
                dest.write_all(&csv_bytes(rows.iter().map(Vec::as_slice))?)?;
                dest.document_end()?;
            }
        }
        Ok(())
    }

    /// Writes one document's lines as they were written before (a resumed run keeping a
    /// document its interrupted part already did).
    pub fn write_raw(&mut self, bytes: &[u8]) -> Result<()> {
        let (OutputWriter::Jsonl(dest) | OutputWriter::Csv(dest, _)) = self;
        dest.write_all(bytes)?;
        dest.document_end()?;
        Ok(())
    }

    /// Finishes the output: flushes and moves a file output into place.
    pub fn finish(self) -> Result<()> {
        match self {
            OutputWriter::Jsonl(dest) | OutputWriter::Csv(dest, _) => dest.commit(),
        }
    }
}

/// The CSV cells of a failed document's row: only `doc_id`, `error_kind` and `error_message`.
pub fn csv_error_row(doc_id: &str, kind: &str, message: &str, layout: &CsvLayout) -> Vec<String> {
    let mut row = vec![String::new(); layout.width()];
    row[0] = doc_id.to_string();
    row[CSV_ERROR_KIND] = kind.to_string();
    row[CSV_ERROR_KIND + 1] = message.to_string();
    row
}

/// One output line (a record or an error line) as CSV bytes, guard applied.
pub fn csv_line(line: &crate::record::OutputLine, layout: &CsvLayout) -> Result<Vec<u8>> {
    let row = match line {
        crate::record::OutputLine::Record(r) => csv_row(r, layout)?,
        crate::record::OutputLine::Error(e) => {
            csv_error_row(&e.doc_id.0, &e.error.kind, &e.error.message, layout)
        }
    };
    csv_bytes([row.as_slice()])
}

fn opt_num<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The CSV cells of one record, in the order of `layout`'s header, before the injection guard.
pub fn csv_row(r: &Record, layout: &CsvLayout) -> Result<Vec<String>> {
    let spans = r
        .quote
        .spans
        .iter()
        .map(|s| format!("{}-{}", s.start, s.end))
        .collect::<Vec<_>>()
        .join(";");
    let mention = r.speaker.mention.as_ref();
    let mut row = vec![
        r.doc_id.0.clone(),
        r.quote_id.clone(),
        r.quote.text.clone(),
        r.quote.kind.as_str().to_string(),
        spans,
        r.cue.as_ref().map(|c| c.text.clone()).unwrap_or_default(),
        opt_num(r.cue.as_ref().map(|c| c.span.start)),
        opt_num(r.cue.as_ref().map(|c| c.span.end)),
        mention.map(|m| m.text.clone()).unwrap_or_default(),
        opt_num(mention.map(|m| m.span.start)),
        opt_num(mention.map(|m| m.span.end)),
        r.speaker.name.clone().unwrap_or_default(),
        serde_json::to_value(r.speaker.kind)?
            .as_str()
            .unwrap_or_default()
            .to_string(),
        r.speaker.role.clone().unwrap_or_default(),
        r.speaker.entity.clone().unwrap_or_default(),
        r.speaker.confidence.to_string(),
        serde_json::to_string(&r.stance)?,
        opt_num(r.claim.as_ref().map(|c| c.checkworthy)),
        opt_num(r.claim.as_ref().map(|c| c.score)),
        serde_json::to_string(&r.meta)?,
        serde_json::to_string(&r.provenance)?,
        String::new(),
        String::new(),
        r.speaker.key.clone().unwrap_or_default(),
        r.speaker
            .gender
            .map(|g| serde_json::to_value(g).map(|v| v.as_str().unwrap_or_default().to_string()))
            .transpose()?
            .unwrap_or_default(),
        if r.speaker.gender_evidence.is_empty() {
            String::new()
        } else {
            serde_json::to_string(&r.speaker.gender_evidence)?
        },
        opt_num(r.quote.spans.first().map(|s| s.start)),
        opt_num(r.quote.spans.last().map(|s| s.end)),
    ];
    for (name, _) in &layout.targets {
        let stance = r.stance.iter().find(|s| &s.target == name);
        row.push(stance.map(|s| s.label.clone()).unwrap_or_default());
        row.push(opt_num(stance.map(|s| s.score)));
    }
    Ok(row)
}

/// Prefixes a cell that a spreadsheet would run as a formula with `'`.
pub fn guard_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::QuoteKind;
    use crate::error::{DocError, DocErrorKind};
    use crate::record::{Provenance, Quote, SpeakerRecord, TextSpan};
    use crate::span::{DocId, Span};
    use crate::speakers::SpeakerKind;

    fn record(text: &str) -> Record {
        let mut meta = crate::document::Meta::new();
        meta.insert("title".into(), "T, \"q\"".into());
        Record {
            doc_id: DocId("d1".into()),
            quote_id: "d1:10-20".into(),
            quote: Quote {
                text: text.into(),
                spans: vec![Span::new(10, 14), Span::new(16, 20)],
                kind: QuoteKind::Mixed,
            },
            cue: Some(TextSpan {
                text: "said".into(),
                span: Span::new(5, 9),
            }),
            speaker: SpeakerRecord {
                mention: None,
                name: Some("Ana Ruiz".into()),
                kind: SpeakerKind::Person,
                role: None,
                entity: Some("d1#e1".into()),
                key: Some("ana ruiz".into()),
                gender: None,
                gender_evidence: Default::default(),
                confidence: 0.5,
            },
            stance: vec![crate::record::Stance {
                target: "carbon-tax EU".into(),
                label: "against".into(),
                score: 0.8125,
                basis: crate::record::Basis::Model,
            }],
            claim: None,
            meta,
            provenance: Provenance {
                pipeline: "0.1.0".into(),
                models: Default::default(),
            },
        }
    }

    fn write_all(format: Format, outcomes: &[DocOutcome]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let layout = CsvLayout::new(&["Carbon tax (EU)".to_string(), "carbon-tax EU".to_string()]);
        let mut w = OutputWriter::new(format, Destination::file(&path).unwrap(), &layout).unwrap();
        for o in outcomes {
            w.write(o).unwrap();
        }
        assert!(!path.exists(), "output appeared before the run completed");
        w.finish().unwrap();
        std::fs::read_to_string(&path).unwrap()
    }

    fn outcomes() -> Vec<DocOutcome> {
        vec![
            DocOutcome {
                doc_id: DocId("d1".into()),
                result: Ok(vec![record("=SUM(A1) and"), record("plain")]),
                words: 3,
                doc_sha256: None,
                reused: false,
            },
            DocOutcome {
                doc_id: DocId("d2".into()),
                result: Err(DocError::new("d2", DocErrorKind::Empty, "empty")),
                words: 0,
                doc_sha256: None,
                reused: false,
            },
        ]
    }

    #[test]
    fn jsonl_round_trips_records_and_error_lines() {
        let out = write_all(Format::Jsonl, &outcomes());
        let lines: Vec<_> = out.lines().collect();
        assert_eq!(lines.len(), 3);
        let r: Record = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(r, record("=SUM(A1) and"));
        let e: ErrorLine = serde_json::from_str(lines[2]).unwrap();
        assert_eq!(
            (e.doc_id.0.as_str(), e.error.kind.as_str()),
            ("d2", "empty")
        );
    }

    #[test]
    fn csv_has_header_guarded_cells_and_error_rows() {
        let out = write_all(Format::Csv, &outcomes());
        let mut rd = csv::Reader::from_reader(out.as_bytes());
        let header: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
        assert_eq!(header[..CSV_COLUMNS.len()], CSV_COLUMNS);
        assert_eq!(
            header[CSV_COLUMNS.len()..],
            [
                "quote_start",
                "quote_end",
                "stance_carbon_tax_eu_label",
                "stance_carbon_tax_eu_score",
                "stance_carbon_tax_eu_2_label",
                "stance_carbon_tax_eu_2_score"
            ]
        );
        let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        let n = CSV_COLUMNS.len();
        // Integers as integers; the first target has no entry, the second its label and score.
        assert_eq!(
            rows[0].iter().skip(n).collect::<Vec<_>>(),
            ["10", "20", "", "", "against", "0.8125"]
        );
        assert_eq!(rows[2].len(), header.len());
        assert_eq!(&rows[0][2], "'=SUM(A1) and");
        assert_eq!(&rows[0][4], "10-14;16-20");
        assert_eq!(&rows[0][3], "mixed");
        assert_eq!(&rows[0][12], "person");
        assert_eq!(&rows[0][19], r#"{"title":"T, \"q\""}"#);
        assert_eq!(&rows[1][2], "plain");
        assert_eq!(
            (&rows[2][0], &rows[2][1], &rows[2][21]),
            ("d2", "", "empty")
        );
    }

    #[test]
    fn target_slugs_are_plain_column_names() {
        assert_eq!(target_slug("Carbon tax (EU)"), "carbon_tax_eu");
        assert_eq!(target_slug("  Zölle / Tarife "), "zölle_tarife");
        assert_eq!(target_slug("!!!"), "target");
    }

    #[test]
    fn guard_only_touches_formula_starts() {
        assert_eq!(guard_cell("-1"), "'-1");
        assert_eq!(guard_cell("@x"), "'@x");
        assert_eq!(guard_cell("a=b"), "a=b");
        assert_eq!(guard_cell(""), "");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_written_in_place_never_replaced() {
        let mut dest = Destination::file(Path::new("/dev/null")).unwrap();
        assert!(matches!(dest, Destination::Special(_)));
        dest.write_all(b"{}\n").unwrap();
        dest.commit().unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
    }

    #[test]
    fn unwritable_output_directory_fails_up_front() {
        assert!(Destination::file(Path::new("/nonexistent-dir/x/out.jsonl")).is_err());
    }

    #[test]
    fn a_resumed_spool_is_cut_back_and_continued() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let mut dest = Destination::spool(&path, None).unwrap();
        dest.write_all(b"one\ntwo\nthr").unwrap();
        assert_eq!(dest.position(), 11);
        dest.commit().unwrap();
        let mut dest = Destination::spool(&path, Some(8)).unwrap();
        dest.write_all(b"three\n").unwrap();
        assert_eq!(dest.position(), 14);
        dest.commit().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"one\ntwo\nthree\n");
        assert!(Destination::spool(&path, Some(100)).is_err());
    }
}
