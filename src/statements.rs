//! `newsquotes classify`: stance and check-worthiness of free-standing statements, without
//! extraction. Each input line `{"id": ..., "text": ...}` gives one output line
//! `{"id": ..., "stance": [...], "claim": {...}}` with the same fields as a record; a line that
//! cannot be read gives `{"id": ..., "error": {"kind": ..., "message": ...}}` and the run goes on.
//! Lines are read and written in order, a chunk at a time, so input of any size streams.

use crate::classify::Classifiers;
use crate::error::{Error, Result};
use crate::record::{Claim, ErrorBody, Stance};
use crate::writer::Destination;
use serde::Serialize;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;

/// Statements classified per chunk (deduplicated and batched together).
const CHUNK: usize = 512;

#[derive(Serialize)]
struct Classified<'a> {
    id: &'a Value,
    stance: Vec<Stance>,
    claim: Option<Claim>,
}

#[derive(Serialize)]
struct Failed<'a> {
    id: &'a Value,
    error: ErrorBody,
}

/// One input line: its id and text, or why it cannot be classified.
fn parse(line: &str, number: usize) -> (Value, std::result::Result<String, ErrorBody>) {
    let fallback = Value::String(format!("line {number}"));
    let error = |kind: &str, message: String| ErrorBody {
        kind: kind.into(),
        message,
    };
    let value: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return (fallback, Err(error("invalid_json", e.to_string()))),
    };
    let id = match value.get("id") {
        Some(id @ (Value::String(_) | Value::Number(_))) => id.clone(),
        _ => {
            return (
                fallback,
                Err(error("missing_field", "no string or number `id`".into())),
            )
        }
    };
    match value.get("text").and_then(Value::as_str) {
        Some(t) if !t.trim().is_empty() => (id, Ok(t.to_string())),
        Some(_) => (id, Err(error("empty", "`text` is empty".into()))),
        None => (id, Err(error("missing_field", "no string `text`".into()))),
    }
}

/// Classifies the statements of `input` (`-` for stdin) into `output` (stdout when `None`,
/// else written atomically). Returns (statements classified, error lines).
pub fn run(
    classifiers: &Classifiers,
    input: &std::path::Path,
    output: Option<&PathBuf>,
    pool: &rayon::ThreadPool,
) -> Result<(u64, u64)> {
    let reader: Box<dyn BufRead> = if input.as_os_str() == "-" {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        Box::new(BufReader::new(std::fs::File::open(input).map_err(
            |source| Error::Path {
                path: input.to_path_buf(),
                source,
            },
        )?))
    };
    let mut dest = match output {
        Some(path) => Destination::file(path)?,
        None => Destination::stdout(),
    };
    let (mut done, mut failed) = (0u64, 0u64);
    let mut lines = reader.lines().enumerate().peekable();
    while lines.peek().is_some() {
        let mut chunk = Vec::with_capacity(CHUNK);
        for (i, line) in lines.by_ref().take(CHUNK) {
            match line {
                Ok(l) if l.trim().is_empty() => continue,
                Ok(l) => chunk.push(parse(&l, i + 1)),
                Err(e) => chunk.push((
                    Value::String(format!("line {}", i + 1)),
                    Err(ErrorBody {
                        kind: "invalid_utf8".into(),
                        message: e.to_string(),
                    }),
                )),
            }
        }
        let texts: Vec<String> = chunk
            .iter()
            .filter_map(|(_, t)| t.as_ref().ok().cloned())
            .collect();
        let claims: Vec<Option<Claim>> = match &classifiers.claims {
            Some(model) => model
                .classify(&texts, pool)?
                .into_iter()
                .map(Some)
                .collect(),
            None => vec![None; texts.len()],
        };
        let stances = match &classifiers.stance {
            Some(model) => model.classify(&texts, None, pool)?,
            None => vec![Vec::new(); texts.len()],
        };
        let mut results = claims.into_iter().zip(stances);
        let mut buf = Vec::new();
        for (id, text) in &chunk {
            match text {
                Ok(_) => {
                    let (claim, stance) = results.next().unwrap_or_default();
                    serde_json::to_writer(&mut buf, &Classified { id, stance, claim })?;
                    done += 1;
                }
                Err(error) => {
                    serde_json::to_writer(
                        &mut buf,
                        &Failed {
                            id,
                            error: error.clone(),
                        },
                    )?;
                    failed += 1;
                }
            }
            buf.push(b'\n');
        }
        dest.write_all(&buf)?;
        dest.flush()?;
    }
    dest.commit()?;
    Ok((done, failed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines_say_why_and_keep_their_id() {
        let (id, r) = parse(r#"{"id": 7, "text": "Taxes rose."}"#, 1);
        assert_eq!(
            (id, r.unwrap()),
            (Value::from(7), "Taxes rose.".to_string())
        );
        let (id, r) = parse("{broken", 3);
        assert_eq!(id, Value::from("line 3"));
        assert_eq!(r.unwrap_err().kind, "invalid_json");
        assert_eq!(
            parse(r#"{"id": "a"}"#, 1).1.unwrap_err().kind,
            "missing_field"
        );
        assert_eq!(
            parse(r#"{"id": "a", "text": " "}"#, 1).1.unwrap_err().kind,
            "empty"
        );
    }
}
