//! Reading an `extract` output back, whatever format it was written in.
//!
//! `stats` and `report` (and any later reader of our outputs) see every output as the
//! contract's JSON lines, one record or error line each, so their counting is written once. A
//! JSONL output is read as it is; a CSV or Parquet output is turned back into those lines row
//! by row, from the columns [`super::csv_row`] and [`super::parquet`] write. An output split with
//! `--split-records` is read part after part. The format is told from the content (Parquet's
//! magic bytes, the CSV header, a JSON object), not from the file name, and anything else is
//! refused with a message naming the path.
//!
//! Reading back is exact for everything the contract defines, with one known limit: the CSV
//! injection guard's `'` is taken off a cell that starts with `'` and then `=`, `+`, `-`, `@`,
//! a tab or a carriage return, so a text that really began with such a `'` loses it in CSV.
//! Columns this version does not know that begin with `speaker_` (written by a later version)
//! are carried into `speaker` under the rest of their name.

use super::{part_path, Format, CSV_COLUMNS};
use crate::error::{Error, Result};
use arrow_array::{
    Array, BooleanArray, Float32Array, Float64Array, Int32Array, Int64Array, ListArray,
    RecordBatch, StringArray, StructArray,
};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use serde_json::{Map, Value};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// The files an output consists of: the path itself when it is a file, else the parts
/// `--split-records` wrote for it (`out.part-00000.jsonl`, ...), in order. Fails, naming the
/// path, when there is neither.
pub fn output_files(path: &Path) -> Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let parts: Vec<PathBuf> = (0..)
        .map(|i| part_path(path, i))
        .take_while(|p| p.is_file())
        .collect();
    if parts.is_empty() {
        let why = if path.exists() {
            "not a file"
        } else {
            "no such file, and no split parts of it (NAME.part-00000.EXT)"
        };
        return Err(Error::Invalid(format!("{}: {why}", path.display())));
    }
    Ok(parts)
}

/// The format of an output file, told from its first bytes.
pub fn sniff(path: &Path) -> Result<Format> {
    let io = |source| Error::Path {
        path: path.to_path_buf(),
        source,
    };
    let mut head = Vec::with_capacity(512);
    File::open(path)
        .map_err(io)?
        .take(512)
        .read_to_end(&mut head)
        .map_err(io)?;
    if head.starts_with(b"PAR1") {
        return Ok(Format::Parquet);
    }
    let text = String::from_utf8_lossy(&head);
    let first = text.trim_start_matches('\u{feff}').trim_start();
    if first.is_empty() || first.starts_with('{') {
        Ok(Format::Jsonl)
    } else if first.starts_with(&format!("{},{}", CSV_COLUMNS[0], CSV_COLUMNS[1])) {
        Ok(Format::Csv)
    } else {
        Err(Error::Invalid(format!(
            "{}: not an output of newsquotes extract (expected JSONL records, the CSV header \
             `{},{},...` or a Parquet file)",
            path.display(),
            CSV_COLUMNS[0],
            CSV_COLUMNS[1]
        )))
    }
}

/// One line of an output as the contract's JSON text, or why a row could not be read
/// (counted as damaged by the caller, with its line or row number).
pub type LineResult = std::result::Result<String, String>;

/// Every line of an output (all its parts), as the contract's JSON text. A file that cannot be
/// read at all stops the iteration with an error naming it; a damaged line or row is one `Err`
/// item, so it can be counted and skipped.
pub struct OutputLines {
    files: std::vec::IntoIter<PathBuf>,
    current: Option<(PathBuf, Source)>,
}

enum Source {
    Jsonl(std::io::Lines<BufReader<File>>),
    Csv(Box<csv::StringRecordsIntoIter<File>>, Vec<String>),
    Parquet(ParquetRecordBatchReader, std::vec::IntoIter<LineResult>),
}

/// Opens an output for reading back ([`output_files`], [`sniff`] per file).
pub fn open(path: &Path) -> Result<OutputLines> {
    let files = output_files(path)?;
    Ok(OutputLines {
        files: files.into_iter(),
        current: None,
    })
}

fn open_source(path: &Path) -> Result<Source> {
    let io = |source| Error::Path {
        path: path.to_path_buf(),
        source,
    };
    let format = sniff(path)?;
    let file = File::open(path).map_err(io)?;
    Ok(match format {
        Format::Jsonl => Source::Jsonl(BufReader::with_capacity(1 << 20, file).lines()),
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
            let header = reader
                .headers()
                .map_err(|e| Error::Invalid(format!("{}: CSV header: {e}", path.display())))?
                .iter()
                .map(str::to_string)
                .collect();
            Source::Csv(Box::new(reader.into_records()), header)
        }
        Format::Parquet => {
            let reader = ParquetRecordBatchReaderBuilder::try_new(file)
                .and_then(|b| b.build())
                .map_err(|e| Error::Invalid(format!("{}: Parquet: {e}", path.display())))?;
            Source::Parquet(reader, Vec::new().into_iter())
        }
    })
}

impl Iterator for OutputLines {
    type Item = Result<LineResult>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.current.is_none() {
                let path = self.files.next()?;
                match open_source(&path) {
                    Ok(source) => self.current = Some((path, source)),
                    Err(e) => return Some(Err(e)),
                }
            }
            let (path, source) = self.current.as_mut()?;
            let item = match source {
                Source::Jsonl(lines) => lines.next().map(|l| {
                    l.map(Ok).map_err(|source| Error::Path {
                        path: path.clone(),
                        source,
                    })
                }),
                Source::Csv(rows, header) => rows.next().map(|row| {
                    Ok(row
                        .map_err(|e| e.to_string())
                        .and_then(|row| csv_line(header, &row)))
                }),
                Source::Parquet(batches, rows) => match rows.next() {
                    Some(line) => Some(Ok(line)),
                    None => match batches.next() {
                        Some(Ok(batch)) => {
                            *rows = batch_lines(&batch).into_iter();
                            continue;
                        }
                        Some(Err(e)) => Some(Err(Error::Invalid(format!(
                            "{}: Parquet: {e}",
                            path.display()
                        )))),
                        None => None,
                    },
                },
            };
            match item {
                Some(item) => return Some(item),
                None => self.current = None,
            }
        }
    }
}

/// Takes the CSV injection guard's `'` off a cell (see the module notes).
fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// One CSV cell as a typed JSON value, by its column; an empty cell is null.
fn csv_value(column: &str, cell: &str) -> std::result::Result<Value, String> {
    let cell = unguard(cell);
    if cell.is_empty() {
        return Ok(Value::Null);
    }
    let bad = |what: &str| format!("column {column}: {what} {cell:?}");
    Ok(match column {
        "quote_spans" => {
            let mut spans = Vec::new();
            for part in cell.split(';') {
                let (a, b) = part.split_once('-').ok_or_else(|| bad("not START-END"))?;
                let a: u64 = a.parse().map_err(|_| bad("not an offset"))?;
                let b: u64 = b.parse().map_err(|_| bad("not an offset"))?;
                spans.push(serde_json::json!([a, b]));
            }
            Value::Array(spans)
        }
        c if c.ends_with("_start") || c.ends_with("_end") => {
            Value::from(cell.parse::<u64>().map_err(|_| bad("not an offset"))?)
        }
        "speaker_confidence" | "claim_score" => {
            Value::from(cell.parse::<f64>().map_err(|_| bad("not a number"))?)
        }
        "claim_checkworthy" => Value::Bool(cell.parse().map_err(|_| bad("not true/false"))?),
        _ if cell.starts_with(['{', '[']) => {
            serde_json::from_str(cell).map_err(|e| format!("column {column}: {e}"))?
        }
        _ => Value::String(cell.to_string()),
    })
}

fn csv_line(header: &[String], row: &csv::StringRecord) -> LineResult {
    let mut flat = Map::new();
    for (column, cell) in header.iter().zip(row.iter()) {
        flat.insert(column.clone(), csv_value(column, cell)?);
    }
    contract_line(flat)
}

/// Parquet columns made from other fields for analysis (`date`, `source`, `url`, `title` from
/// `meta`; `quote_start`/`quote_end` from the spans): the record is rebuilt from the originals.
const DERIVED_COLUMNS: [&str; 6] = ["quote_start", "quote_end", "date", "source", "url", "title"];

/// Every row of a Parquet batch as contract JSON text.
fn batch_lines(batch: &RecordBatch) -> Vec<LineResult> {
    let schema = batch.schema();
    (0..batch.num_rows())
        .map(|row| {
            let mut flat = Map::new();
            for (field, column) in schema.fields().iter().zip(batch.columns()) {
                if DERIVED_COLUMNS.contains(&field.name().as_str()) {
                    continue;
                }
                let mut value = arrow_value(column.as_ref(), row)?;
                // meta, provenance and the gender evidence are JSON text in the Parquet schema.
                if let (Value::String(s), "meta" | "provenance" | "speaker_gender_evidence") =
                    (&value, field.name().as_str())
                {
                    value = serde_json::from_str(s)
                        .map_err(|e| format!("column {}: {e}", field.name()))?;
                }
                flat.insert(field.name().clone(), value);
            }
            contract_line(flat)
        })
        .collect()
}

/// One cell of an Arrow column as JSON (the types our Parquet schema uses).
fn arrow_value(array: &dyn Array, row: usize) -> std::result::Result<Value, String> {
    if array.is_null(row) {
        return Ok(Value::Null);
    }
    let any = array.as_any();
    if let Some(a) = any.downcast_ref::<StringArray>() {
        return Ok(Value::String(a.value(row).to_string()));
    }
    if let Some(a) = any.downcast_ref::<Int64Array>() {
        return Ok(Value::from(a.value(row)));
    }
    if let Some(a) = any.downcast_ref::<Int32Array>() {
        return Ok(Value::from(a.value(row)));
    }
    if let Some(a) = any.downcast_ref::<Float32Array>() {
        // Through the shortest decimal text, so 0.998f32 reads back as 0.998, not 0.9980000257.
        let text = a.value(row).to_string();
        return Ok(serde_json::from_str(&text).unwrap_or(Value::Null));
    }
    if let Some(a) = any.downcast_ref::<Float64Array>() {
        return Ok(Value::from(a.value(row)));
    }
    if let Some(a) = any.downcast_ref::<BooleanArray>() {
        return Ok(Value::Bool(a.value(row)));
    }
    if let Some(a) = any.downcast_ref::<ListArray>() {
        let items = a.value(row);
        return (0..items.len())
            .map(|i| arrow_value(items.as_ref(), i))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    if let Some(a) = any.downcast_ref::<StructArray>() {
        let mut object = Map::new();
        for (name, column) in a.column_names().iter().zip(a.columns()) {
            object.insert(name.to_string(), arrow_value(column.as_ref(), row)?);
        }
        return Ok(Value::Object(object));
    }
    Err(format!("unsupported column type {}", array.data_type()))
}

/// Builds the contract's line from one flat row (CSV or Parquet column names).
fn contract_line(mut flat: Map<String, Value>) -> LineResult {
    let mut take = |name: &str| flat.remove(name).unwrap_or(Value::Null);
    let doc_id = take("doc_id");
    let error_kind = take("error_kind");
    if !error_kind.is_null() {
        let line = serde_json::json!({
            "doc_id": doc_id,
            "error": {"kind": error_kind, "message": take("error_message")},
        });
        return Ok(line.to_string());
    }
    let spans = match take("quote_spans") {
        // Parquet: a list of {start, end}.
        Value::Array(spans) => spans
            .into_iter()
            .map(|s| match s {
                Value::Object(o) => serde_json::json!([o.get("start"), o.get("end")]),
                other => other,
            })
            .collect(),
        _ => Vec::new(),
    };
    let text_span = |text: Value, start: Value, end: Value| {
        if start.is_null() {
            Value::Null
        } else {
            serde_json::json!({"text": text, "span": [start, end]})
        }
    };
    let cue = text_span(take("cue_text"), take("cue_start"), take("cue_end"));
    let mention = text_span(
        take("speaker_mention"),
        take("speaker_mention_start"),
        take("speaker_mention_end"),
    );
    let checkworthy = take("claim_checkworthy");
    let claim = if checkworthy.is_null() {
        Value::Null
    } else {
        serde_json::json!({"checkworthy": checkworthy, "score": take("claim_score")})
    };
    let stance = match take("stance") {
        Value::Null => Value::Array(Vec::new()),
        v => v,
    };
    let mut line = serde_json::json!({
        "doc_id": doc_id,
        "quote_id": take("quote_id"),
        "quote": {"text": take("quote_text"), "spans": spans, "kind": take("quote_kind")},
        "cue": cue,
        "stance": stance,
        "claim": claim,
        "meta": match take("meta") { Value::Null => Value::Object(Map::new()), v => v },
        "provenance": take("provenance"),
    });
    let mut speaker = Map::new();
    speaker.insert("mention".into(), mention);
    for (column, value) in std::mem::take(&mut flat) {
        if let Some(field) = column.strip_prefix("speaker_") {
            // An empty cell of a field a record may leave out (the gender evidence) is left
            // out; the contract's own speaker fields stay, as null.
            let core = [
                "name", "kind", "role", "entity", "confidence", "key", "gender",
            ];
            if !value.is_null() || core.contains(&field) {
                speaker.insert(field.to_string(), value);
            }
        }
    }
    line["speaker"] = Value::Object(speaker);
    Ok(line.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::DocOutcome;
    use crate::record::{OutputLine, Record};
    use crate::writer::{Destination, OutputWriter};

    const RECORD: &str = r#"{"doc_id":"d1","quote_id":"d1:0-5","quote":{"text":"=a b","spans":[[0,1],[4,5]],"kind":"mixed"},"cue":null,"speaker":{"mention":{"text":"he","span":[7,9]},"name":"Ana Ruiz","kind":"person","role":null,"entity":"d1#e1","key":"ana ruiz","gender":"female","gender_evidence":{"female":{"pronoun":2}},"confidence":0.75},"stance":[{"target":"T","label":"favor","score":0.998,"basis":"model"}],"claim":{"checkworthy":true,"score":0.9},"meta":{"date":"2026-01-02","n":[1,2]},"provenance":{"pipeline":"0.1.0","models":{"attribution":"m@1#abc"}}}"#;

    fn outcomes() -> Vec<DocOutcome> {
        let record: Record = serde_json::from_str(RECORD).unwrap();
        vec![
            DocOutcome {
                doc_id: "d1".into(),
                result: Ok(vec![record.clone(), record]),
                words: 3,
                doc_sha256: None,
                reused: false,
            },
            DocOutcome {
                doc_id: "d2".into(),
                result: Err(crate::error::DocError::new(
                    "d2",
                    crate::error::DocErrorKind::Empty,
                    "empty, \"really\"",
                )),
                words: 0,
                doc_sha256: None,
                reused: false,
            },
        ]
    }

    fn read_back(path: &Path) -> Vec<OutputLine> {
        open(path)
            .unwrap()
            .map(|l| serde_json::from_str(&l.unwrap().unwrap()).unwrap())
            .collect()
    }

    #[test]
    fn every_format_reads_back_to_the_same_lines() {
        let dir = tempfile::tempdir().unwrap();
        let mut seen = Vec::new();
        for format in [Format::Jsonl, Format::Csv, Format::Parquet] {
            let path = dir.path().join(format!("out.{}", format.as_str()));
            if format == Format::Parquet {
                let file = File::create(&path).unwrap();
                let mut w = crate::writer::parquet::ParquetWriter::new(file).unwrap();
                for line in &seen[0] {
                    w.push(line).unwrap();
                }
                w.finish().unwrap();
            } else {
                let mut w = OutputWriter::new(
                    format,
                    Destination::file(&path).unwrap(),
                    &crate::writer::CsvLayout::new(&["T".to_string()]),
                )
                .unwrap();
                for o in outcomes() {
                    w.write(&o).unwrap();
                }
                w.finish().unwrap();
            }
            assert_eq!(sniff(&path).unwrap(), format);
            seen.push(read_back(&path));
        }
        assert_eq!(seen[0].len(), 3);
        assert_eq!(seen[0], seen[1], "CSV reads back as JSONL");
        assert_eq!(seen[0], seen[2], "Parquet reads back as JSONL");
        let OutputLine::Record(r) = &seen[2][0] else {
            panic!("a record first")
        };
        assert_eq!(r.quote.text, "=a b", "the CSV guard is taken off again");
        assert_eq!(r.stance[0].score.to_string(), "0.998");
    }

    #[test]
    fn split_parts_are_read_in_order_and_strangers_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("q.jsonl");
        let line = |id: &str| {
            format!("{{\"doc_id\":\"{id}\",\"error\":{{\"kind\":\"empty\",\"message\":\"m\"}}}}\n")
        };
        std::fs::write(part_path(&out, 0), line("a")).unwrap();
        std::fs::write(part_path(&out, 1), line("b")).unwrap();
        let ids: Vec<String> = read_back(&out)
            .iter()
            .map(|l| match l {
                OutputLine::Error(e) => e.doc_id.0.clone(),
                OutputLine::Record(r) => r.doc_id.0.clone(),
            })
            .collect();
        assert_eq!(ids, ["a", "b"]);
        let stranger = dir.path().join("notes.txt");
        std::fs::write(&stranger, "hello\n").unwrap();
        let e = open(&stranger).unwrap().next().unwrap().unwrap_err();
        assert!(e.to_string().contains("notes.txt: not an output"), "{e}");
        let missing = open(&dir.path().join("none.jsonl")).err().unwrap();
        assert!(
            missing.to_string().contains("none.jsonl: no such file"),
            "{missing}"
        );
    }
}
