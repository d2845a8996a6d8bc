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
use crate::run::manifest::OutputFile;
use crate::writer::parquet::ParquetWriter;
use crate::writer::{part_path, Destination, Format};
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
        })
    }

    fn add_document(&mut self, bytes: &[u8], entry: &DocEntry) -> Result<()> {
        match &mut self.part {
            Part::Lines(dest) => dest.write_all(bytes)?,
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
/// say). `format` is the requested output format: the spool holds CSV for CSV and JSONL
/// otherwise. A plain output is the spool renamed; otherwise the spool stays until the caller has
/// recorded the outputs (so that a kill in between can still finish the run) and removes it.
pub fn finalize(
    spool: &Path,
    entries: &[DocEntry],
    format: Format,
    target: &Path,
    split_records: Option<u64>,
) -> Result<Vec<OutputFile>> {
    let records: u64 = entries.iter().map(|e| e.records).sum();
    if format != Format::Parquet && split_records.is_none() {
        std::fs::rename(spool, target).map_err(|source| Error::Path {
            path: target.to_path_buf(),
            source,
        })?;
        let offset = (format == Format::Jsonl).then_some(0);
        return Ok(vec![describe(
            target,
            records,
            entries.len() as u64,
            offset,
        )?]);
    }

    let io = |source| Error::Path {
        path: spool.to_path_buf(),
        source,
    };
    let mut reader = BufReader::with_capacity(1 << 20, File::open(spool).map_err(io)?);
    let mut position = 0u64;
    // The CSV header (its columns depend on the run's targets) is the spool's first line: its
    // cells are plain names, never quoted across lines.
    let mut header = Vec::new();
    if format == Format::Csv {
        reader.read_until(b'\n', &mut header).map_err(io)?;
        position = header.len() as u64;
    }
    let name = |i: usize| match split_records {
        Some(_) => part_path(target, i),
        None => target.to_path_buf(),
    };
    let mut done = Vec::new();
    let mut part = OpenPart::open(name(0), format, position, &header)?;
    let mut bytes = Vec::new();
    for entry in entries {
        if split_records.is_some_and(|n| part.records >= n.max(1)) {
            done.push(part.close()?);
            part = OpenPart::open(name(done.len()), format, position, &header)?;
        }
        let len = entry
            .end
            .checked_sub(position)
            .ok_or_else(|| io(std::io::Error::other("the document index is out of order")))?;
        bytes.resize(len as usize, 0);
        reader.read_exact(&mut bytes).map_err(io)?;
        position = entry.end;
        part.add_document(&bytes, entry)?;
    }
    done.push(part.close()?);
    // Parts beyond these are left over from an earlier, larger run to the same name.
    if split_records.is_some() {
        let mut stale = done.len();
        while std::fs::remove_file(part_path(target, stale)).is_ok() {
            stale += 1;
        }
    }
    Ok(done)
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
        let out = finalize(&spool, &entries, Format::Jsonl, &target, Some(2)).unwrap();
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
