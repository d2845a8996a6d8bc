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
