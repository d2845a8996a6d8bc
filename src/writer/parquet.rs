//! Parquet output: the contract's records as a typed table.
//!
//! One row per record, columns as in the CSV output but typed: offsets are `int64`, the
//! confidence and scores `float64` holding the value the JSONL shows (0.998, not the 0.99800003
//! a widened `float32` would read back as), `claim_checkworthy` a boolean, and the two lists stay
//! lists (`quote_spans` of `{start, end}`, `stance` of `{target, label, score, basis}`), which
//! pandas, polars, R arrow and DuckDB all read natively. `meta` and `provenance` are JSON text,
//! since their keys vary by corpus (DuckDB: `json_extract_string(meta, '$.date')`); the common
//! metadata is also a typed column of its own: `date` (a date, from a `meta.date` that starts
//! with `YYYY-MM-DD`), `source`, `url` and `title` (strings). A document that failed is one row
//! with only `doc_id`, `error_kind` and `error_message` set, so that the table still accounts
//! for every input document. Files written before version 0.1 of this layout (float32 scores, no
//! metadata columns) are still read back ([`super::readback`]).
//!
//! Parquet cannot be appended to line by line, so the run writes its JSONL stream first and
//! converts it here when the run completes (see `crate::run`), in row groups of bounded size.

use crate::error::Result;
use crate::record::{OutputLine, Record};
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, ListArray, RecordBatch,
    StringArray, StructArray,
};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::io::Write;
use std::sync::Arc;

/// Rows buffered before they become one Arrow batch.
const BATCH_ROWS: usize = 8192;

/// Rows per Parquet row group: bounds the writer's memory on large outputs.
const ROW_GROUP_ROWS: usize = 65_536;

fn span_fields() -> Fields {
    Fields::from(vec![
        Field::new("start", DataType::Int64, false),
        Field::new("end", DataType::Int64, false),
    ])
}

fn stance_fields() -> Fields {
    Fields::from(vec![
        Field::new("target", DataType::Utf8, false),
        Field::new("label", DataType::Utf8, false),
        Field::new("score", DataType::Float64, false),
        Field::new("basis", DataType::Utf8, false),
    ])
}

fn list_of(fields: Fields) -> DataType {
    DataType::List(Arc::new(Field::new(
        "item",
        DataType::Struct(fields),
        false,
    )))
}

/// The table's schema. Only `doc_id` is never null.
pub fn schema() -> SchemaRef {
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    let int = |name: &str| Field::new(name, DataType::Int64, true);
    Arc::new(Schema::new(vec![
        Field::new("doc_id", DataType::Utf8, false),
        text("quote_id"),
        text("quote_text"),
        text("quote_kind"),
        Field::new("quote_spans", list_of(span_fields()), true),
        text("cue_text"),
        int("cue_start"),
        int("cue_end"),
        text("speaker_mention"),
        int("speaker_mention_start"),
        int("speaker_mention_end"),
        text("speaker_name"),
        text("speaker_kind"),
        text("speaker_role"),
        text("speaker_entity"),
        Field::new("speaker_confidence", DataType::Float64, true),
        Field::new("stance", list_of(stance_fields()), true),
        Field::new("claim_checkworthy", DataType::Boolean, true),
        Field::new("claim_score", DataType::Float64, true),
        text("meta"),
        text("provenance"),
        text("error_kind"),
        text("error_message"),
        text("speaker_key"),
        text("speaker_gender"),
        text("speaker_gender_evidence"),
        int("quote_start"),
        int("quote_end"),
        Field::new("date", DataType::Date32, true),
        text("source"),
        text("url"),
        text("title"),
    ]))
}

/// The metadata fields that get a typed column of their own (besides `date`).
const META_TEXT_COLUMNS: [&str; 3] = ["source", "url", "title"];

/// A score as the JSONL shows it: the shortest decimal that reads back as the same `f32`, as an
/// `f64` (so 0.998f32 is stored as 0.998, which every reader prints as 0.998).
pub fn score(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(f64::from(v))
}

/// Days since 1970-01-01 of a text that starts with a valid `YYYY-MM-DD` date (followed by
/// nothing, a `T` or a space: `2016-10-05T09:00Z` gives the 5th), else `None`.
pub fn date_days(text: &str) -> Option<i32> {
    let t = text.trim();
    let b = t.as_bytes();
    if b.len() < 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b.get(10), None | Some(b'T' | b' '))
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = t.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d < 1 || d > month_days[(m - 1) as usize] {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i32::try_from(era * 146_097 + doe - 719_468).ok()
}

/// One stance entry's cells: target, label, score, basis.
type StanceRow = (String, String, f64, &'static str);

/// Column buffers for up to [`BATCH_ROWS`] rows.
#[derive(Default)]
struct Columns {
    doc_id: Vec<String>,
    quote_id: Vec<Option<String>>,
    quote_text: Vec<Option<String>>,
    quote_kind: Vec<Option<&'static str>>,
    /// Per row: `None` for error rows, else the (start, end) pairs.
    spans: Vec<Option<Vec<(i64, i64)>>>,
    cue_text: Vec<Option<String>>,
    cue_start: Vec<Option<i64>>,
    cue_end: Vec<Option<i64>>,
    mention: Vec<Option<String>>,
    mention_start: Vec<Option<i64>>,
    mention_end: Vec<Option<i64>>,
    name: Vec<Option<String>>,
    kind: Vec<Option<String>>,
    role: Vec<Option<String>>,
    entity: Vec<Option<String>>,
    confidence: Vec<Option<f64>>,
    stance: Vec<Option<Vec<StanceRow>>>,
    checkworthy: Vec<Option<bool>>,
    claim_score: Vec<Option<f64>>,
    meta: Vec<Option<String>>,
    provenance: Vec<Option<String>>,
    error_kind: Vec<Option<String>>,
    error_message: Vec<Option<String>>,
    key: Vec<Option<String>>,
    gender: Vec<Option<String>>,
    gender_evidence: Vec<Option<String>>,
    quote_start: Vec<Option<i64>>,
    quote_end: Vec<Option<i64>>,
    date: Vec<Option<i32>>,
    /// `source`, `url`, `title` ([`META_TEXT_COLUMNS`]).
    meta_text: [Vec<Option<String>>; 3],
}

fn offset(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Columns {
    fn len(&self) -> usize {
        self.doc_id.len()
    }

    fn push_record(&mut self, r: &Record) -> Result<()> {
        self.doc_id.push(r.doc_id.0.clone());
        self.quote_id.push(Some(r.quote_id.clone()));
        self.quote_text.push(Some(r.quote.text.clone()));
        self.quote_kind.push(Some(r.quote.kind.as_str()));
        self.spans.push(Some(
            r.quote
                .spans
                .iter()
                .map(|s| (offset(s.start), offset(s.end)))
                .collect(),
        ));
        self.cue_text.push(r.cue.as_ref().map(|c| c.text.clone()));
        self.cue_start
            .push(r.cue.as_ref().map(|c| offset(c.span.start)));
        self.cue_end
            .push(r.cue.as_ref().map(|c| offset(c.span.end)));
        let mention = r.speaker.mention.as_ref();
        self.mention.push(mention.map(|m| m.text.clone()));
        self.mention_start
            .push(mention.map(|m| offset(m.span.start)));
        self.mention_end.push(mention.map(|m| offset(m.span.end)));
        self.name.push(r.speaker.name.clone());
        self.kind.push(
            serde_json::to_value(r.speaker.kind)?
                .as_str()
                .map(str::to_string),
        );
        self.role.push(r.speaker.role.clone());
        self.entity.push(r.speaker.entity.clone());
        self.confidence.push(Some(score(r.speaker.confidence)));
        self.stance.push(Some(
            r.stance
                .iter()
                .map(|s| {
                    (
                        s.target.clone(),
                        s.label.clone(),
                        score(s.score),
                        s.basis.as_str(),
                    )
                })
                .collect(),
        ));
        self.checkworthy
            .push(r.claim.as_ref().map(|c| c.checkworthy));
        self.claim_score
            .push(r.claim.as_ref().map(|c| score(c.score)));
        self.meta.push(Some(serde_json::to_string(&r.meta)?));
        self.provenance
            .push(Some(serde_json::to_string(&r.provenance)?));
        self.error_kind.push(None);
        self.error_message.push(None);
        self.key.push(r.speaker.key.clone());
        self.gender.push(
            r.speaker
                .gender
                .map(serde_json::to_value)
                .transpose()?
                .and_then(|v| v.as_str().map(str::to_string)),
        );
        let evidence = &r.speaker.gender_evidence;
        self.gender_evidence.push(
            (!evidence.is_empty())
                .then(|| serde_json::to_string(evidence))
                .transpose()?,
        );
        self.quote_start
            .push(r.quote.spans.first().map(|s| offset(s.start)));
        self.quote_end
            .push(r.quote.spans.last().map(|s| offset(s.end)));
        self.date.push(
            r.meta
                .get("date")
                .and_then(serde_json::Value::as_str)
                .and_then(date_days),
        );
        for (column, name) in self.meta_text.iter_mut().zip(META_TEXT_COLUMNS) {
            column.push(
                r.meta
                    .get(name)
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string),
            );
        }
        Ok(())
    }

    fn push_error(&mut self, doc_id: &str, kind: &str, message: &str) {
        self.doc_id.push(doc_id.to_string());
        self.quote_id.push(None);
        self.quote_text.push(None);
        self.quote_kind.push(None);
        self.spans.push(None);
        self.cue_text.push(None);
        self.cue_start.push(None);
        self.cue_end.push(None);
        self.mention.push(None);
        self.mention_start.push(None);
        self.mention_end.push(None);
        self.name.push(None);
        self.kind.push(None);
        self.role.push(None);
        self.entity.push(None);
        self.confidence.push(None);
        self.stance.push(None);
        self.checkworthy.push(None);
        self.claim_score.push(None);
        self.meta.push(None);
        self.provenance.push(None);
        self.error_kind.push(Some(kind.to_string()));
        self.error_message.push(Some(message.to_string()));
        self.key.push(None);
        self.gender.push(None);
        self.gender_evidence.push(None);
        self.quote_start.push(None);
        self.quote_end.push(None);
        self.date.push(None);
        for column in &mut self.meta_text {
            column.push(None);
        }
    }

    /// Turns the buffered rows into a batch and empties the buffers.
    fn take_batch(&mut self, schema: &SchemaRef) -> Result<RecordBatch> {
        let c = std::mem::take(self);
        let text = |v: Vec<Option<String>>| Arc::new(StringArray::from(v)) as ArrayRef;
        let int = |v: Vec<Option<i64>>| Arc::new(Int64Array::from(v)) as ArrayRef;
        let float = |v: Vec<Option<f64>>| Arc::new(Float64Array::from(v)) as ArrayRef;

        let spans = list_array(span_fields(), &c.spans, |rows| {
            let (starts, ends): (Vec<i64>, Vec<i64>) = rows.iter().copied().unzip();
            vec![
                Arc::new(Int64Array::from(starts)) as ArrayRef,
                Arc::new(Int64Array::from(ends)),
            ]
        })?;
        let stance = list_array(stance_fields(), &c.stance, |rows| {
            vec![
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.0))) as ArrayRef,
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.1))),
                Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.2))),
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.3))),
            ]
        })?;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(c.doc_id)),
            text(c.quote_id),
            text(c.quote_text),
            Arc::new(StringArray::from(c.quote_kind)),
            spans,
            text(c.cue_text),
            int(c.cue_start),
            int(c.cue_end),
            text(c.mention),
            int(c.mention_start),
            int(c.mention_end),
            text(c.name),
            text(c.kind),
            text(c.role),
            text(c.entity),
            float(c.confidence),
            stance,
            Arc::new(BooleanArray::from(c.checkworthy)),
            float(c.claim_score),
            text(c.meta),
            text(c.provenance),
            text(c.error_kind),
            text(c.error_message),
            text(c.key),
            text(c.gender),
            text(c.gender_evidence),
            int(c.quote_start),
            int(c.quote_end),
            Arc::new(Date32Array::from(c.date)),
        ];
        let mut columns = columns;
        for column in c.meta_text {
            columns.push(text(column));
        }
        Ok(RecordBatch::try_new(schema.clone(), columns)?)
    }
}

/// A nullable list-of-struct column from per-row item lists (`None` = null row).
fn list_array<T>(
    fields: Fields,
    rows: &[Option<Vec<T>>],
    children: impl Fn(&[T]) -> Vec<ArrayRef>,
) -> Result<ArrayRef>
where
    T: Clone,
{
    let flat: Vec<T> = rows.iter().flatten().flatten().cloned().collect();
    let lengths = rows.iter().map(|r| r.as_ref().map_or(0, Vec::len));
    let nulls: arrow_buffer::NullBuffer = rows.iter().map(Option::is_some).collect();
    let values = StructArray::try_new(fields.clone(), children(&flat), None)?;
    let item = Arc::new(Field::new("item", DataType::Struct(fields), false));
    Ok(Arc::new(ListArray::try_new(
        item,
        OffsetBuffer::from_lengths(lengths),
        Arc::new(values),
        Some(nulls),
    )?))
}

/// Writes output lines into one Parquet file.
pub struct ParquetWriter<W: Write + Send> {
    writer: ArrowWriter<W>,
    schema: SchemaRef,
    rows: Columns,
    records: u64,
}

impl<W: Write + Send> ParquetWriter<W> {
    /// Starts a file (snappy-compressed, bounded row groups).
    pub fn new(out: W) -> Result<Self> {
        let schema = schema();
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_created_by(format!("newsquotes {}", crate::VERSION))
            .build();
        Ok(ParquetWriter {
            writer: ArrowWriter::try_new(out, schema.clone(), Some(props))?,
            schema,
            rows: Columns::default(),
            records: 0,
        })
    }

    /// Adds one line of the JSONL stream as a row.
    pub fn push(&mut self, line: &OutputLine) -> Result<()> {
        match line {
            OutputLine::Record(r) => {
                self.rows.push_record(r)?;
                self.records += 1;
            }
            OutputLine::Error(e) => self
                .rows
                .push_error(&e.doc_id.0, &e.error.kind, &e.error.message),
        }
        if self.rows.len() >= BATCH_ROWS {
            let batch = self.rows.take_batch(&self.schema)?;
            self.writer.write(&batch)?;
        }
        Ok(())
    }

    /// Records pushed so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Writes the remaining rows and the footer, and returns the underlying writer.
    pub fn finish(mut self) -> Result<W> {
        if self.rows.len() > 0 {
            let batch = self.rows.take_batch(&self.schema)?;
            self.writer.write(&batch)?;
        }
        Ok(self.writer.into_inner()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{ErrorBody, ErrorLine};
    use arrow_array::Array;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    fn record(line: &str) -> OutputLine {
        serde_json::from_str(line).unwrap()
    }

    #[test]
    fn dates_are_days_since_the_epoch_when_they_parse() {
        assert_eq!(date_days("1970-01-01"), Some(0));
        assert_eq!(date_days("2000-03-01"), Some(11_017));
        assert_eq!(date_days("2016-10-05T09:00:00Z"), Some(17_079));
        assert_eq!(date_days("1969-12-31"), Some(-1));
        for bad in [
            "2016-02-30", "2016-13-01", "05/10/2016", "2016-10", "2016-10-051", "",
        ] {
            assert_eq!(date_days(bad), None, "{bad}");
        }
        assert_eq!(score(0.998), 0.998);
    }

    #[test]
    fn records_and_error_rows_round_trip_with_types() {
        let r = record(
            r#"{"doc_id":"d1","quote_id":"d1:0-5","quote":{"text":"a b","spans":[[0,1],[4,5]],"kind":"mixed"},"cue":null,"speaker":{"mention":{"text":"he","span":[7,9]},"name":"Ana Ruiz","kind":"person","role":null,"entity":"d1#e1","confidence":0.75},"stance":[{"target":"T","label":"favor","score":0.5}],"claim":{"checkworthy":true,"score":0.9},"meta":{"date":"2026-01-02"},"provenance":{"pipeline":"0.1.0","models":{}}}"#,
        );
        let e = OutputLine::Error(ErrorLine {
            doc_id: "d2".into(),
            error: ErrorBody {
                kind: "empty".into(),
                message: "empty".into(),
            },
        });
        let mut w = ParquetWriter::new(tempfile::tempfile().unwrap()).unwrap();
        w.push(&r).unwrap();
        w.push(&e).unwrap();
        assert_eq!(w.records(), 1);
        let file = w.finish().unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        let batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
        assert_eq!(batches.len(), 1);
        let b = &batches[0];
        assert_eq!(b.num_rows(), 2);
        assert_eq!(b.schema(), schema());
        let col = |name: &str| b.column(b.schema().index_of(name).unwrap()).clone();
        let spans = col("quote_spans");
        let spans = spans.as_any().downcast_ref::<ListArray>().unwrap();
        assert_eq!(spans.value_length(0), 2);
        assert!(spans.is_null(1));
        let conf = col("speaker_confidence");
        let conf = conf.as_any().downcast_ref::<Float64Array>().unwrap();
        assert_eq!(conf.value(0), 0.75);
        let date = col("date");
        let date = date.as_any().downcast_ref::<Date32Array>().unwrap();
        assert_eq!(date.value(0), date_days("2026-01-02").unwrap());
        assert!(date.is_null(1));
        let claim = col("claim_score");
        let claim = claim.as_any().downcast_ref::<Float64Array>().unwrap();
        // The value the JSONL shows, not 0.8999999761581421.
        assert_eq!(claim.value(0), 0.9);
        let source = col("source");
        assert!(source.is_null(0) && source.is_null(1));
        let kind = col("error_kind");
        let kind = kind.as_any().downcast_ref::<StringArray>().unwrap();
        assert!(kind.is_null(0));
        assert_eq!(kind.value(1), "empty");
    }
}
