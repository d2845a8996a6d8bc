//! The speakers table written beside a run's output: `OUT.speakers.jsonl`, one line per corpus
//! key, most quoted first, and `OUT.speakers.parquet` too when the run writes Parquet.

use super::{KeyTable, SpeakerEntry};
use crate::atomic::AtomicFile;
use crate::error::Result;
use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::{Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `OUT.speakers.jsonl` (or `.parquet`) beside the output `OUT`.
pub fn table_path(target: &Path, extension: &str) -> PathBuf {
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    target.with_file_name(format!("{name}.speakers.{extension}"))
}

/// Writes the table as JSONL, atomically.
pub fn write_jsonl(table: &KeyTable, path: &Path) -> Result<()> {
    let mut out = std::io::BufWriter::new(AtomicFile::create(path)?);
    for s in table.speakers() {
        serde_json::to_writer(&mut out, s)?;
        out.write_all(b"\n")?;
    }
    out.into_inner()
        .map_err(|e| crate::error::Error::Io(e.into_error()))?
        .commit()
}

fn list(values: impl Iterator<Item = Vec<String>>) -> ArrayRef {
    let mut b = ListBuilder::new(StringBuilder::new());
    for v in values {
        for s in v {
            b.values().append_value(s);
        }
        b.append(true);
    }
    Arc::new(b.finish())
}

/// Writes the table as Parquet (lists as lists, the evidence as JSON text), atomically.
pub fn write_parquet(table: &KeyTable, path: &Path) -> Result<()> {
    let rows: Vec<&SpeakerEntry> = table.speakers();
    let text = |f: &dyn Fn(&SpeakerEntry) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from(
            rows.iter().map(|s| f(s)).collect::<Vec<Option<String>>>(),
        ))
    };
    let int = |f: &dyn Fn(&SpeakerEntry) -> u64| -> ArrayRef {
        Arc::new(Int64Array::from(
            rows.iter()
                .map(|s| i64::try_from(f(s)).unwrap_or(i64::MAX))
                .collect::<Vec<_>>(),
        ))
    };
    let kind = |s: &SpeakerEntry| {
        serde_json::to_value(s.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
    };
    let gender = |s: &SpeakerEntry| {
        s.gender.and_then(|g| {
            serde_json::to_value(g)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
        })
    };
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("key", text(&|s| Some(s.key.clone()))),
        ("name", text(&|s| Some(s.name.clone()))),
        ("kind", text(&kind)),
        ("gender", text(&gender)),
        (
            "gender_evidence",
            text(&|s| serde_json::to_string(&s.gender_evidence).ok()),
        ),
        ("roles", list(rows.iter().map(|s| s.roles.clone()))),
        ("aliases", list(rows.iter().map(|s| s.aliases.clone()))),
        ("documents", int(&|s| s.documents)),
        ("quotes", int(&|s| s.quotes)),
        ("first_date", text(&|s| s.first_date.clone())),
        ("last_date", text(&|s| s.last_date.clone())),
    ];
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, array)| {
            let nullable = !matches!(*name, "key" | "name" | "documents" | "quotes");
            Field::new(*name, array.data_type().clone(), nullable)
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), columns.into_iter().map(|c| c.1).collect())?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let file = AtomicFile::create(path)?;
    let mut writer = ArrowWriter::try_new(file, schema, Some(props))?;
    writer.write(&batch)?;
    writer.into_inner()?.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Provenance, Quote, Record, SpeakerRecord};
    use crate::roster::Roster;
    use crate::span::{DocId, Span};
    use crate::speakers::{GenderEvidence, SpeakerKind};
    use arrow_array::{Array, ListArray};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    fn table() -> KeyTable {
        let mut roster = Roster::new();
        for (doc, name) in [
            ("a", "Ana Ruiz"),
            ("b", "Ana Ruiz"),
            ("b", "Ruiz"),
            ("c", "Bo Li"),
        ] {
            let mut meta = crate::document::Meta::new();
            meta.insert("date".into(), format!("2024-0{}-01", doc.len() + 2).into());
            roster.observe(&Record {
                doc_id: DocId(doc.into()),
                quote_id: format!("{doc}:0-1"),
                quote: Quote {
                    text: "x".into(),
                    spans: vec![Span::new(0, 1)],
                    kind: crate::attribution::QuoteKind::Direct,
                },
                cue: None,
                speaker: SpeakerRecord {
                    mention: None,
                    name: Some(name.into()),
                    kind: SpeakerKind::Person,
                    role: Some("mayor".into()),
                    entity: Some(format!("{doc}#e1")),
                    key: None,
                    gender: None,
                    gender_evidence: GenderEvidence::default(),
                    confidence: 1.0,
                },
                stance: vec![],
                claim: None,
                meta,
                provenance: Provenance {
                    pipeline: "0".into(),
                    models: Default::default(),
                },
            });
        }
        roster.finish(None)
    }

    #[test]
    fn the_table_reads_back_from_jsonl_and_parquet() {
        let dir = tempfile::tempdir().unwrap();
        let keys = table();
        let jsonl = table_path(&dir.path().join("q.jsonl"), "jsonl");
        assert!(jsonl.ends_with("q.jsonl.speakers.jsonl"));
        write_jsonl(&keys, &jsonl).unwrap();
        let lines: Vec<SpeakerEntry> = std::fs::read_to_string(&jsonl)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].key, "ana ruiz");
        assert_eq!((lines[0].quotes, lines[0].documents), (3, 2));
        assert_eq!(lines[0].first_date.as_deref(), Some("2024-03-01"));
        assert_eq!(lines[0].aliases, ["Ana Ruiz", "Ruiz"]);

        let parquet = table_path(&dir.path().join("q.parquet"), "parquet");
        write_parquet(&keys, &parquet).unwrap();
        let file = std::fs::File::open(&parquet).unwrap();
        let mut reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        let batch = reader.next().unwrap().unwrap();
        assert_eq!(batch.num_rows(), 2);
        let col = |name: &str| batch.column(batch.schema().index_of(name).unwrap()).clone();
        let key = col("key");
        let key = key.as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(key.value(0), "ana ruiz");
        let quotes = col("quotes");
        let quotes = quotes.as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!(quotes.value(0), 3);
        let aliases = col("aliases");
        let aliases = aliases.as_any().downcast_ref::<ListArray>().unwrap();
        assert_eq!(aliases.value(0).len(), 2);
        assert!(col("gender").is_null(0));
    }
}
