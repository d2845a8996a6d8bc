//! JSONL input: one article per line, `{"id": ..., "text": ..., other fields...}`.

#[cfg(test)]
use super::FieldPath;
use super::{check_text, invalid_utf8, too_large, DocResult, ReadOptions, ReadTally};
use crate::document::{Document, Meta};
use crate::error::{DocError, DocErrorKind};
use serde_json::Value;
use std::io::{BufRead, Read};
use std::sync::Arc;

/// Extra room a JSONL line may take beyond twice the text limit, for the id and metadata fields.
const LINE_SLACK: u64 = 1 << 20;

/// Streams the documents of a JSONL source, one line at a time.
///
/// Lines longer than the line limit (twice `max_doc_bytes`, since JSON escapes can double the
/// text, plus room for metadata) are skipped without being held in memory and reported as
/// `too_large` under their `id` when it comes before the limit (it usually leads the line), else
/// under the id `NAME:LINE`; the message names the line either way. Lines that are not JSON
/// objects (`invalid_json`) or not UTF-8 (`invalid_utf8`) and lines without an `id` are reported
/// under `NAME:LINE`. Blank lines hold no document: they are counted ([`ReadTally`]). A read
/// error (a truncated gzip stream, say) is reported once and ends the source.
pub struct JsonlReader<R> {
    input: R,
    name: String,
    opts: ReadOptions,
    line_limit: u64,
    /// 1-based number of the line last read.
    line_no: u64,
    buf: Vec<u8>,
    done: bool,
    tally: Option<Arc<ReadTally>>,
    /// The id found at the start of the last overlong line, if any.
    overlong_id: Option<String>,
}

impl<R: BufRead> JsonlReader<R> {
    /// Wraps a buffered reader; `name` is the file path (or `stdin`) used in fallback ids.
    pub fn new(input: R, name: String, opts: ReadOptions) -> Self {
        JsonlReader {
            input,
            name,
            line_limit: opts
                .max_doc_bytes
                .saturating_mul(2)
                .saturating_add(LINE_SLACK),
            opts,
            line_no: 0,
            buf: Vec::new(),
            done: false,
            tally: None,
            overlong_id: None,
        }
    }

    /// Counts blank lines into `tally`.
    pub fn with_tally(mut self, tally: Arc<ReadTally>) -> Self {
        self.tally = Some(tally);
        self
    }

    fn line_id(&self) -> String {
        format!("{}:{}", self.name, self.line_no)
    }

    /// Reads the next line into `self.buf`. Returns `Ok(None)` at the end of input, and
    /// `Ok(Some(n))` with `n` the line's full length when the line was too long to keep (the
    /// buffer then holds nothing useful).
    fn next_line(&mut self) -> std::io::Result<Option<Option<u64>>> {
        self.buf.clear();
        let n = (&mut self.input)
            .take(self.line_limit + 1)
            .read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        if n as u64 > self.line_limit && self.buf.last() != Some(&b'\n') {
            self.overlong_id = self
                .opts
                .id_field
                .top_level()
                .and_then(|key| id_in_prefix(&self.buf, key));
            // Drop the rest of the line without storing it.
            let rest = self.input.skip_until(b'\n')?;
            self.buf.clear();
            self.buf.shrink_to(LINE_SLACK as usize);
            return Ok(Some(Some(n as u64 + rest as u64)));
        }
        Ok(Some(None))
    }

    fn parse_line(&self) -> Option<DocResult> {
        let line_id = self.line_id();
        let line = match std::str::from_utf8(&self.buf) {
            Ok(l) => l,
            Err(e) => return Some(Err(invalid_utf8(&line_id, &e))),
        };
        let line = line.trim();
        if line.is_empty() {
            if let Some(tally) = &self.tally {
                tally.blank_line();
            }
            return None;
        }
        let object = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(o)) => o,
            Ok(_) => {
                return Some(Err(DocError::new(
                    line_id,
                    DocErrorKind::InvalidJson,
                    "line is not a JSON object",
                )))
            }
            Err(e) => {
                return Some(Err(DocError::new(
                    line_id,
                    DocErrorKind::InvalidJson,
                    format!("invalid JSON: {e}"),
                )))
            }
        };
        Some(document_from_object(object, line_id, &self.opts))
    }
}

/// Turns one parsed JSONL object into a document: the id field (`id` unless `--id-field` says
/// otherwise; a string, or a number converted to its decimal string) and the text field (`text`
/// unless `--text-field`; a string) are required; every other field goes to `meta` in input
/// order (a nested id or text field is taken out of its parent object, which stays in `meta`).
fn document_from_object(mut object: Meta, line_id: String, opts: &ReadOptions) -> DocResult {
    let id = opts.id_field.take(&mut object);
    let text = opts.text_field.take(&mut object);
    let meta = object;
    let (id_field, text_field) = (&opts.id_field, &opts.text_field);
    let id = match id {
        Some(Value::String(s)) if !s.is_empty() => s,
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => {
            return Err(DocError::new(
                line_id,
                DocErrorKind::MissingField,
                format!("`{id_field}` must be a non-empty string or a number"),
            ))
        }
        None => {
            return Err(DocError::new(
                line_id,
                DocErrorKind::MissingField,
                format!("missing `{id_field}` field"),
            ))
        }
    };
    let text = match text {
        Some(Value::String(s)) => s,
        Some(_) => {
            return Err(DocError::new(
                id,
                DocErrorKind::MissingField,
                format!("`{text_field}` must be a string"),
            ))
        }
        None => {
            return Err(DocError::new(
                id,
                DocErrorKind::MissingField,
                format!("missing `{text_field}` field"),
            ))
        }
    };
    check_text(&id, &text, opts)?;
    Ok(Document {
        id: crate::span::DocId(id),
        text,
        meta,
    })
}

/// The `id` of a JSON object whose line was cut at the line limit, when the cut comes after it:
/// the fields before it are skipped without being stored.
fn id_in_prefix(prefix: &[u8], id_key: &str) -> Option<String> {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
    struct FindId<'a>(&'a mut Option<String>, &'a str);
    impl<'de> Visitor<'de> for FindId<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<String>()? {
                if key == self.1 {
                    *self.0 = match map.next_value::<Value>()? {
                        Value::String(s) if !s.is_empty() => Some(s),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    };
                    // Stop here: the rest of the line is cut off.
                    return Err(serde::de::Error::custom("id found"));
                }
                map.next_value::<IgnoredAny>()?;
            }
            Ok(())
        }
    }
    let mut id = None;
    let mut de = serde_json::Deserializer::from_slice(prefix);
    let _ = (&mut de).deserialize_map(FindId(&mut id, id_key));
    id
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = DocResult;

    fn next(&mut self) -> Option<DocResult> {
        while !self.done {
            match self.next_line() {
                Ok(None) => self.done = true,
                Ok(Some(Some(len))) => {
                    let id = self.overlong_id.take().unwrap_or_else(|| self.line_id());
                    let mut e = too_large(&id, len, &self.opts);
                    e.message = format!("line {} of {}: {}", self.line_no, self.name, e.message);
                    return Some(Err(e));
                }
                Ok(Some(None)) => {
                    if let Some(item) = self.parse_line() {
                        return Some(item);
                    }
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(DocError::new(
                        format!("{}:{}", self.name, self.line_no + 1),
                        DocErrorKind::Io,
                        format!("read error, rest of the input skipped: {e}"),
                    )));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &[u8], opts: ReadOptions) -> Vec<DocResult> {
        JsonlReader::new(input, "in.jsonl".to_string(), opts).collect()
    }

    fn kind(r: &DocResult) -> Option<DocErrorKind> {
        r.as_ref().err().map(|e| e.kind)
    }

    #[test]
    fn passes_other_fields_through_in_order() {
        let input = br#"{"title": "T", "id": "d1", "z": 1, "text": "Hello.", "a": [true]}"#;
        let docs = read(input, ReadOptions::default());
        let doc = docs[0].as_ref().unwrap();
        assert_eq!(doc.id.0, "d1");
        assert_eq!(doc.text, "Hello.");
        let keys: Vec<_> = doc.meta.keys().map(String::as_str).collect();
        assert_eq!(keys, ["title", "z", "a"]);
    }

    #[test]
    fn every_bad_line_is_reported_and_reading_goes_on() {
        let input = b"{\"id\": \"a\", \"text\": \"ok\"}\n\
            \n   \n\
            {broken\n\
            [1, 2]\n\
            {\"text\": \"no id\"}\n\
            {\"id\": \"b\"}\n\
            {\"id\": 42, \"text\": \"numeric id\"}\n\
            {\"id\": \"c\", \"text\": \"bad \xff byte\"}\n\
            {\"id\": \"d\", \"text\": \"  \"}\n\
            {\"id\": \"e\", \"text\": 7}\n\
            {\"id\": \"f\", \"text\": \"last, no newline\"}";
        let docs = read(input, ReadOptions::default());
        let ids: Vec<String> = docs
            .iter()
            .map(|d| match d {
                Ok(d) => d.id.0.clone(),
                Err(e) => e.doc_id.0.clone(),
            })
            .collect();
        assert_eq!(
            ids,
            [
                "a", "in.jsonl:4", "in.jsonl:5", "in.jsonl:6", "b", "42", "in.jsonl:9", "d", "e",
                "f"
            ]
        );
        let kinds: Vec<_> = docs.iter().map(kind).collect();
        use DocErrorKind::*;
        assert_eq!(
            kinds,
            [
                None,
                Some(InvalidJson),
                Some(InvalidJson),
                Some(MissingField),
                Some(MissingField),
                None,
                Some(InvalidUtf8),
                Some(Empty),
                Some(MissingField),
                None
            ]
        );
    }

    #[test]
    fn overlong_lines_are_skipped_without_losing_the_next_line() {
        let opts = ReadOptions {
            max_doc_bytes: 4,
            ..ReadOptions::default()
        };
        let long = format!(
            "{{\"id\": \"big\", \"text\": \"{}\"}}\n{{\"id\": \"small\", \"text\": \"ok\"}}\n",
            "x".repeat(3 << 20)
        );
        let docs = read(long.as_bytes(), opts.clone());
        assert_eq!(docs.len(), 2);
        let e = docs[0].as_ref().unwrap_err();
        assert_eq!(
            (e.kind, e.doc_id.0.as_str()),
            (DocErrorKind::TooLarge, "big")
        );
        assert!(
            e.message.starts_with("line 1 of in.jsonl: "),
            "{}",
            e.message
        );
        assert_eq!(docs[1].as_ref().unwrap().id.0, "small");
        // An id after the cut cannot be read: the line's place stands in for it.
        let late = format!(
            "{{\"text\": \"{}\", \"id\": \"late\"}}\n",
            "x".repeat(3 << 20)
        );
        let e = read(late.as_bytes(), opts.clone()).remove(0).unwrap_err();
        assert_eq!(e.doc_id.0, "in.jsonl:1");
        // Within the line limit but over the text limit: rejected under its own id.
        let docs = read(br#"{"id": "mid", "text": "12345"}"#, opts);
        let e = docs[0].as_ref().unwrap_err();
        assert_eq!(
            (e.kind, e.doc_id.0.as_str()),
            (DocErrorKind::TooLarge, "mid")
        );
    }

    #[test]
    fn id_and_text_fields_can_be_renamed_and_nested() {
        let opts = ReadOptions {
            id_field: "doc_no".parse().unwrap(),
            text_field: "article.body".parse().unwrap(),
            ..ReadOptions::default()
        };
        let input =
            b"{\"doc_no\": 7, \"article\": {\"head\": \"H\", \"body\": \"Said it.\"}, \"z\": 1}\n\
            {\"doc_no\": \"b\", \"text\": \"the default field is not read\"}\n\
            {\"doc_no\": \"c\", \"article\": \"not an object\"}\n";
        let docs = read(input, opts);
        let doc = docs[0].as_ref().unwrap();
        assert_eq!((doc.id.0.as_str(), doc.text.as_str()), ("7", "Said it."));
        assert_eq!(
            serde_json::Value::Object(doc.meta.clone()),
            serde_json::json!({"article": {"head": "H"}, "z": 1})
        );
        for d in &docs[1..] {
            let e = d.as_ref().unwrap_err();
            assert_eq!(e.kind, DocErrorKind::MissingField);
            assert_eq!(e.message, "missing `article.body` field");
        }
        assert!("a..b".parse::<FieldPath>().is_err());
        assert!("".parse::<FieldPath>().is_err());
    }
}
