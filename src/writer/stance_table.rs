//! The long stance table written beside a file output of a run with targets: one row per
//! (record, target), with the columns an analysis groups by (`quote_id`, `doc_id`,
//! `speaker_name`, `target`, `label`, `score`, `basis`), so that "who stands where on what" is
//! one `GROUP BY` away without unnesting the records' `stance` lists.
//!
//! It is made from the finished output, read back whatever its format ([`super::readback`]),
//! as `OUT.stance.parquet` for a Parquet output and `OUT.stance.csv` otherwise, written
//! atomically. Error lines have no stance and give no row.

use super::{guard_cell, readback, Format};
use crate::atomic::AtomicFile;
use crate::error::{Error, Result};
use crate::record::OutputLine;
use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The table's columns, in order.
pub const COLUMNS: [&str; 7] = [
    "quote_id", "doc_id", "speaker_name", "target", "label", "score", "basis",
];

/// Rows buffered before they are written (Parquet: one batch).
const BATCH_ROWS: usize = 8192;

/// Where the stance table of `output` goes: `OUT.stance.parquet` for Parquet, else
/// `OUT.stance.csv`.
pub fn path_for(output: &Path, format: Format) -> PathBuf {
    let ext = match format {
        Format::Parquet => ".stance.parquet",
        _ => ".stance.csv",
    };
    let mut name = output.file_name().unwrap_or_default().to_os_string();
    name.push(ext);
    output.with_file_name(name)
}

/// One row of the table.
struct Row {
    quote_id: String,
    doc_id: String,
    speaker_name: Option<String>,
    target: String,
    label: String,
    score: f64,
    basis: &'static str,
}

/// Writes the stance table of `output` (all its parts) to `table`; returns the rows written.
pub fn write(output: &Path, table: &Path, format: Format) -> Result<u64> {
    let mut sink = match format {
        Format::Parquet => Sink::parquet(table)?,
        _ => Sink::csv(table)?,
    };
    let mut rows = Vec::with_capacity(BATCH_ROWS);
    let mut written = 0u64;
    for (n, line) in readback::open(output)?.enumerate() {
        let text = line?.map_err(|e| damaged(output, n, &e))?;
        let OutputLine::Record(r) = OutputLine::parse(&text).map_err(|e| damaged(output, n, &e))?
        else {
            continue;
        };
        for s in &r.stance {
            rows.push(Row {
                quote_id: r.quote_id.clone(),
                doc_id: r.doc_id.0.clone(),
                speaker_name: r.speaker.name.clone(),
                target: s.target.clone(),
                label: s.label.clone(),
                score: super::parquet::score(s.score),
                basis: s.basis.as_str(),
            });
        }
        if rows.len() >= BATCH_ROWS {
            written += rows.len() as u64;
            sink.write(std::mem::take(&mut rows))?;
        }
    }
    written += rows.len() as u64;
    sink.write(rows)?;
    sink.finish()?;
    Ok(written)
}

fn damaged(output: &Path, n: usize, why: &str) -> Error {
    Error::Invalid(format!(
        "{}: line {} cannot be read back for the stance table: {why}",
        output.display(),
        n + 1
    ))
}

enum Sink {
    Csv(Box<csv::Writer<AtomicFile>>),
    Parquet(Box<ArrowWriter<AtomicFile>>, SchemaRef),
}

fn schema() -> SchemaRef {
    let text = |name: &str, null| Field::new(name, DataType::Utf8, null);
    Arc::new(Schema::new(vec![
        text("quote_id", false),
        text("doc_id", false),
        text("speaker_name", true),
        text("target", false),
        text("label", false),
        Field::new("score", DataType::Float64, false),
        text("basis", false),
    ]))
}

impl Sink {
    fn csv(table: &Path) -> Result<Self> {
        let mut w = csv::Writer::from_writer(AtomicFile::create(table)?);
        w.write_record(COLUMNS)?;
        Ok(Sink::Csv(Box::new(w)))
    }

    fn parquet(table: &Path) -> Result<Self> {
        let schema = schema();
        let props = parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::SNAPPY)
            .set_created_by(format!("newsquotes {}", crate::VERSION))
            .build();
        let writer = ArrowWriter::try_new(AtomicFile::create(table)?, schema.clone(), Some(props))?;
        Ok(Sink::Parquet(Box::new(writer), schema))
    }

    fn write(&mut self, rows: Vec<Row>) -> Result<()> {
        match self {
            Sink::Csv(w) => {
                for r in rows {
                    let score = r.score.to_string();
                    let cells = [
                        r.quote_id.as_str(),
                        &r.doc_id,
                        r.speaker_name.as_deref().unwrap_or(""),
                        &r.target,
                        &r.label,
                        &score,
                        r.basis,
                    ];
                    w.write_record(cells.map(|c| guard_cell(c).into_owned()))?;
                }
            }
            Sink::Parquet(w, schema) => {
                if rows.is_empty() {
                    return Ok(());
                }
                let text = |f: &dyn Fn(&Row) -> &str| {
                    Arc::new(StringArray::from_iter_values(rows.iter().map(f))) as ArrayRef
                };
                let columns: Vec<ArrayRef> = vec![
                    text(&|r| &r.quote_id),
                    text(&|r| &r.doc_id),
                    Arc::new(StringArray::from(
                        rows.iter()
                            .map(|r| r.speaker_name.as_deref())
                            .collect::<Vec<_>>(),
                    )),
                    text(&|r| &r.target),
                    text(&|r| &r.label),
                    Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.score))),
                    text(&|r| r.basis),
                ];
                w.write(&RecordBatch::try_new(schema.clone(), columns)?)?;
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        match self {
            Sink::Csv(w) => {
                let mut file = w.into_inner().map_err(|e| Error::Io(e.into_error()))?;
                file.flush()?;
                file.commit()
            }
            Sink::Parquet(w, _) => w.into_inner()?.commit(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"{"doc_id":"d1","quote_id":"d1:0-5","quote":{"text":"a b","spans":[[0,5]],"kind":"direct"},"cue":null,"speaker":{"mention":null,"name":"Ana Ruiz","kind":"person","role":null,"entity":null,"confidence":0.75},"stance":[{"target":"Tax","label":"favor","score":0.998,"basis":"model"},{"target":"Pier","label":"neutral","score":0.998,"basis":"target_not_mentioned"}],"claim":null,"meta":{},"provenance":{"pipeline":"0.1.0","models":{}}}"#;

    #[test]
    fn one_row_per_record_and_target_in_csv_and_parquet() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("q.jsonl");
        let error = r#"{"doc_id":"d2","error":{"kind":"empty","message":"empty"}}"#;
        std::fs::write(&out, format!("{RECORD}\n{error}\n")).unwrap();
        let csv_path = path_for(&out, Format::Jsonl);
        assert_eq!(csv_path, dir.path().join("q.jsonl.stance.csv"));
        assert_eq!(write(&out, &csv_path, Format::Jsonl).unwrap(), 2);
        let text = std::fs::read_to_string(&csv_path).unwrap();
        assert_eq!(
            text,
            "quote_id,doc_id,speaker_name,target,label,score,basis\n\
             d1:0-5,d1,Ana Ruiz,Tax,favor,0.998,model\n\
             d1:0-5,d1,Ana Ruiz,Pier,neutral,0.998,target_not_mentioned\n"
        );
        let pq = path_for(&out, Format::Parquet);
        assert_eq!(write(&out, &pq, Format::Parquet).unwrap(), 2);
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            std::fs::File::open(&pq).unwrap(),
        )
        .unwrap()
        .build()
        .unwrap();
        let batch = reader.map(Result::unwrap).next().unwrap();
        assert_eq!(batch.num_rows(), 2);
        let score = batch
            .column(5)
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap();
        assert_eq!(score.value(0), 0.998);
    }
}
