//! Turns a completed spool into the run's output file(s).
//!
//! JSONL and CSV without `--split-records` are a rename. Otherwise the spool is read once,
//! document by document (the document index says where each one ends), into numbered part files
//! of about `--split-records` records each, cut only between documents, or into Parquet. Every
//! part is written to a temporary file and renamed into place, so no part is ever seen half
//! written.

use super::journal::DocEntry;
use crate::error::{Error, Result};
use crate::record::OutputLine;
use crate::roster::KeyTable;
use crate::run::manifest::OutputFile;
use crate::writer::parquet::ParquetWriter;
use crate::writer::{csv_line, part_path, CsvLayout, Destination, Format};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// One output file being written.
enum Part {
    Lines(Destination),
    Parquet(Box<ParquetWriter<Destination>>),
}

struct OpenPart {
    part: Part,
    path: PathBuf,
    records: u64,
    documents: u64,
    stream_offset: Option<u64>,
    /// A CSV part made from JSONL lines, with the run's columns.
    csv_from_jsonl: Option<CsvLayout>,
}

impl OpenPart {
    /// Opens a part; a CSV part starts with `header`, the spool's header line.
    fn open(path: PathBuf, format: Format, stream_offset: u64, header: &[u8]) -> Result<Self> {
        let mut dest = Destination::file(&path)?;
        let part = match format {
            Format::Parquet => Part::Parquet(Box::new(ParquetWriter::new(dest)?)),
            Format::Csv => {
                dest.write_all(header)?;
                Part::Lines(dest)
            }
            Format::Jsonl => Part::Lines(dest),
        };
        Ok(OpenPart {
            part,
            path,
            records: 0,
            documents: 0,
            stream_offset: (format == Format::Jsonl).then_some(stream_offset),
            csv_from_jsonl: None,
        })
    }

    fn add_document(&mut self, bytes: &[u8], entry: &DocEntry) -> Result<()> {
        match &mut self.part {
            Part::Lines(dest) => match &self.csv_from_jsonl {
                None => dest.write_all(bytes)?,
                Some(layout) => {
                    for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                        let text = std::str::from_utf8(line)
                            .map_err(|e| Error::Invalid(format!("spool: {e}")))?;
                        let line = OutputLine::parse(text)
                            .map_err(|e| Error::Invalid(format!("spool: {e}")))?;
                        dest.write_all(&csv_line(&line, layout)?)?;
                    }
                }
            },
            Part::Parquet(w) => {
                for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                    let text = std::str::from_utf8(line)
                        .map_err(|e| Error::Invalid(format!("spool: {e}")))?;
                    let line = OutputLine::parse(text)
                        .map_err(|e| Error::Invalid(format!("spool: {e}")))?;
                    w.push(&line)?;
                }
            }
        }
        self.records += entry.records;
        self.documents += 1;
        Ok(())
    }

    fn close(self) -> Result<OutputFile> {
        match self.part {
            Part::Lines(dest) => dest.commit()?,
            Part::Parquet(w) => w.finish()?.commit()?,
        }
        describe(&self.path, self.records, self.documents, self.stream_offset)
    }
}

/// The manifest's description of the output file `path`.
pub fn describe(
    path: &Path,
    records: u64,
    documents: u64,
    stream_offset: Option<u64>,
) -> Result<OutputFile> {
    let io = |source| Error::Path {
        path: path.to_path_buf(),
        source,
    };
    Ok(OutputFile {
        path: path.to_path_buf(),
        bytes: std::fs::metadata(path).map_err(io)?.len(),
        sha256: crate::digest::sha256_file(path).map_err(io)?,
        records,
        documents,
        stream_offset,
    })
}

/// Makes the output file(s) of `target` from the spool (whose documents end where `entries`
/// say). `format` is the requested output format; the spool of a file run holds JSONL, or CSV
/// when it was written by a run before the speakers pass. With `keys`, every record gets its
/// corpus key and gender on the way. A plain JSONL output without keys is the spool renamed;
/// otherwise the spool stays until the caller has recorded the outputs (so that a kill in
/// between can still finish the run) and removes it. Returns the files and the document index
/// entries, whose `end` now counts in the output's JSONL stream.
pub fn finalize(
    spool: &Path,
    entries: &[DocEntry],
    format: Format,
    target: &Path,
    split_records: Option<u64>,
    keys: Option<&KeyTable>,
    layout: &CsvLayout,
) -> Result<(Vec<OutputFile>, Vec<DocEntry>)> {
    let records: u64 = entries.iter().map(|e| e.records).sum();
    if format == Format::Jsonl && split_records.is_none() && keys.is_none() {
        std::fs::rename(spool, target).map_err(|source| Error::Path {
            path: target.to_path_buf(),
            source,
        })?;
        let file = describe(target, records, entries.len() as u64, Some(0))?;
        return Ok((vec![file], entries.to_vec()));
    }

    let io = |source| Error::Path {
        path: spool.to_path_buf(),
        source,
    };
    let mut reader = BufReader::with_capacity(1 << 20, File::open(spool).map_err(io)?);
    // A CSV spool (left by an older run) is copied as it is.
    let csv_spool = format == Format::Csv && {
        let mut first = [0u8; 1];
        let n = reader.read(&mut first).map_err(io)?;
        let csv = n == 1 && first[0] != b'{';
        reader = BufReader::with_capacity(1 << 20, File::open(spool).map_err(io)?);
        csv
    };
    let mut position = 0u64;
    // A CSV spool (left by an older run) starts with its header line (its columns depend on the
    // run's targets; its cells are plain names, never quoted across lines), copied as it is.
    let mut header = Vec::new();
    if csv_spool {
        reader.read_until(b'\n', &mut header).map_err(io)?;
        position = header.len() as u64;
    }
    let rewrite = !csv_spool && (keys.is_some() || format == Format::Csv);
    let name = |i: usize| match split_records {
        Some(_) => part_path(target, i),
        None => target.to_path_buf(),
    };
    let mut done = Vec::new();
    let mut new_entries = Vec::with_capacity(entries.len());
    let mut out_position = if rewrite { 0 } else { position };
    if !csv_spool && format == Format::Csv {
        header = layout.header_bytes()?;
    }
    let open = |path: PathBuf, offset: u64| -> Result<OpenPart> {
        let mut part = OpenPart::open(path, format, offset, &header)?;
        if format == Format::Csv && !csv_spool {
            part.csv_from_jsonl = Some(layout.clone());
        }
        Ok(part)
    };
    let mut part = open(name(0), out_position)?;
    let mut bytes = Vec::new();
    let mut rewritten = Vec::new();
    for entry in entries {
        if split_records.is_some_and(|n| part.records >= n.max(1)) {
            done.push(part.close()?);
            part = open(name(done.len()), out_position)?;
        }
        let len = entry
            .end
            .checked_sub(position)
            .ok_or_else(|| io(std::io::Error::other("the document index is out of order")))?;
        bytes.resize(len as usize, 0);
        reader.read_exact(&mut bytes).map_err(io)?;
        position = entry.end;
        let doc = if rewrite {
            rewritten.clear();
            for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                let text =
                    std::str::from_utf8(line).map_err(|e| Error::Invalid(format!("spool: {e}")))?;
                let mut line =
                    OutputLine::parse(text).map_err(|e| Error::Invalid(format!("spool: {e}")))?;
                if let (Some(keys), OutputLine::Record(r)) = (keys, &mut line) {
                    keys.apply(r);
                }
                serde_json::to_writer(&mut rewritten, &line)?;
                rewritten.push(b'\n');
            }
            &rewritten
        } else {
            &bytes
        };
        out_position += doc.len() as u64;
        new_entries.push(DocEntry {
            end: out_position,
            ..entry.clone()
        });
        part.add_document(doc, entry)?;
    }
    done.push(part.close()?);
    // Parts beyond these are left over from an earlier, larger run to the same name.
    if split_records.is_some() {
        let mut stale = done.len();
        while std::fs::remove_file(part_path(target, stale)).is_ok() {
            stale += 1;
        }
    }
    Ok((done, new_entries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::DocId;

    #[test]
    fn part_names_keep_the_extension() {
        assert_eq!(
            part_path(Path::new("o/q.jsonl"), 3),
            PathBuf::from("o/q.part-00003.jsonl")
        );
        assert_eq!(part_path(Path::new("q"), 0), PathBuf::from("q.part-00000"));
    }

    fn entry(records: u64, end: u64) -> DocEntry {
        DocEntry {
            doc_id: DocId("d".into()),
            sha256: None,
            words: 1,
            records,
            error: None,
            reused: false,
            end,
        }
    }

    #[test]
    fn splitting_cuts_between_documents_only() {
        let dir = tempfile::tempdir().unwrap();
        let spool = dir.path().join(".q.partial");
        std::fs::write(&spool, "a1\na2\nb1\nc1\nc2\nc3\n").unwrap();
        let entries = [entry(2, 6), entry(1, 9), entry(3, 18)];
        let target = dir.path().join("q.jsonl");
        std::fs::write(part_path(&target, 7), "stale").unwrap();
        let (out, _) = finalize(
            &spool,
            &entries,
            Format::Jsonl,
            &target,
            Some(2),
            None,
            &CsvLayout::default(),
        )
        .unwrap();
        let texts: Vec<String> = out
            .iter()
            .map(|o| std::fs::read_to_string(&o.path).unwrap())
            .collect();
        assert_eq!(texts, ["a1\na2\n", "b1\nc1\nc2\nc3\n"]);
        assert_eq!(
            out.iter().map(|o| o.stream_offset).collect::<Vec<_>>(),
            [Some(0), Some(6)]
        );
        assert_eq!(out[1].records, 4);
        assert!(spool.exists(), "the caller removes the spool");
        // Only a run of contiguous stale parts is cleaned up; part 7 is not next to part 1.
        assert!(part_path(&target, 7).exists());
    }
}
