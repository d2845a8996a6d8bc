//! Reading PolNeAR-style brat folders: `DIR/text/<stem>.txt` and
//! `DIR/attributions/<stem>_<annotator>.ann`.
//!
//! What PolNeAR's files contain, and how it is read:
//! * `T` lines `T4\tContent 315 448;463 553\ttext`: a label and code-point fragments (Python `str`
//!   indices, end exclusive) into the text file, discontinuous fragments separated by `;`. The
//!   trailing text is the fragments' text joined with one space; when a span covers line breaks,
//!   the text goes on over the following lines of the file (continuation lines). The text is
//!   compared with the article and mismatches are counted, not fatal.
//! * `E` lines `E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1`: the trigger type
//!   (`Attribution` or `Attribution-no-source`) followed by roles. Roles may reference `T` lines
//!   defined later in the file. `Content2` (a second content of one attribution) is merged into
//!   the content; any role may be missing, and events without content (a handful in PolNeAR) are
//!   skipped and counted.
//! * Other lines (`#` annotator notes, `A`/`R`/`N`/`M` lines) and other labels (`Discard`,
//!   `Discuss`) are ignored.
//!
//! Several annotators may have annotated one article; the first `.ann` file of an article in
//! sorted file-name order is used.

use super::EvalAttribution;
use crate::error::{Error, Result};
use crate::span::{DocId, Span};
use crate::text::offsets::CharIndex;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// One annotated article.
#[derive(Debug, Clone)]
pub struct GoldDoc {
    /// The text file's stem.
    pub id: DocId,
    /// The article text, exactly as read.
    pub text: String,
    /// The annotated attributions, in file order.
    pub attributions: Vec<EvalAttribution>,
}

/// A whole gold folder.
#[derive(Debug, Clone, Default)]
pub struct GoldSet {
    /// The annotated articles, sorted by id.
    pub docs: Vec<GoldDoc>,
    /// What did not read cleanly.
    pub warnings: Warnings,
}

/// Counts of things that were odd but did not stop evaluation. Reported on stderr and in the
/// JSON object under `warnings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Warnings {
    /// `T` lines whose text differs from the article text at their offsets.
    pub offset_mismatches: usize,
    /// `T` lines whose offsets are unreadable or lie outside the article (skipped).
    pub bad_offsets: usize,
    /// Lines that are neither known brat lines nor continuations of a `T` line's text.
    pub malformed_lines: usize,
    /// Event roles that reference a `T` line that does not exist.
    pub dangling_refs: usize,
    /// Attribution events without any content (skipped).
    pub events_without_content: usize,
    /// Articles with a text file but no annotation file (not evaluated).
    pub texts_without_annotations: usize,
    /// Annotation files without a text file (ignored).
    pub annotations_without_text: usize,
    /// Annotation files of further annotators, not used.
    pub extra_annotators: usize,
    /// Documents with predictions that are not in the gold folder (ignored).
    pub unknown_pred_docs: usize,
}

impl Warnings {
    /// Adds another file's counts.
    pub fn add(&mut self, o: &Warnings) {
        self.offset_mismatches += o.offset_mismatches;
        self.bad_offsets += o.bad_offsets;
        self.malformed_lines += o.malformed_lines;
        self.dangling_refs += o.dangling_refs;
        self.events_without_content += o.events_without_content;
        self.texts_without_annotations += o.texts_without_annotations;
        self.annotations_without_text += o.annotations_without_text;
        self.extra_annotators += o.extra_annotators;
        self.unknown_pred_docs += o.unknown_pred_docs;
    }

    /// One human-readable line per non-zero count. Extra annotators are expected in PolNeAR and
    /// events without content are annotation leftovers, so neither is worth a warning line.
    pub fn describe(&self) -> Vec<String> {
        [
            (
                self.offset_mismatches,
                "T lines whose text differs from the article",
            ),
            (self.bad_offsets, "T lines with unusable offsets (skipped)"),
            (self.malformed_lines, "unreadable annotation lines"),
            (
                self.dangling_refs,
                "event roles referencing missing T lines",
            ),
            (
                self.texts_without_annotations,
                "texts without annotation file (not evaluated)",
            ),
            (
                self.annotations_without_text,
                "annotation files without text (ignored)",
            ),
            (
                self.unknown_pred_docs,
                "predicted documents not in the gold folder (ignored)",
            ),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect()
    }
}

/// A text-bound annotation (`T` line).
#[derive(Debug)]
struct TextBound {
    fragments: Vec<Span>,
}

/// Parses one `.ann` file against its article text.
pub fn parse_ann(ann: &str, text: &str) -> (Vec<EvalAttribution>, Warnings) {
    let chars = CharIndex::new(text);
    let mut warnings = Warnings::default();
    let mut bounds: HashMap<&str, TextBound> = HashMap::new();
    let mut events: Vec<&str> = Vec::new();
    // The T line being read, with its fragments and the text written so far: continuation lines
    // extend the text, so the check against the article happens when the next line starts.
    // Fragments are `None` for a line with unusable offsets, whose continuations are still skipped.
    let mut open: Option<(Option<Vec<Span>>, String)> = None;

    let mut lines: Vec<&str> = ann.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    for line in lines {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut fields = line.splitn(3, '\t');
        let id = fields.next().unwrap_or("");
        let is_id = |prefix: char| {
            id.strip_prefix(prefix)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        };
        let known = ['T', 'E', 'A', 'R', 'N', 'M'].into_iter().any(is_id) || id.starts_with('#');
        if !known {
            match open.as_mut() {
                Some((_, written)) => {
                    written.push('\n');
                    written.push_str(line);
                }
                None => warnings.malformed_lines += 1,
            }
            continue;
        }
        if let Some((Some(fragments), written)) = open.take() {
            check_text(text, &chars, &fragments, &written, &mut warnings);
        }
        if is_id('T') {
            let (Some(head), written) = (fields.next(), fields.next().unwrap_or("")) else {
                warnings.malformed_lines += 1;
                continue;
            };
            let fragments = parse_fragments(head, chars.len());
            match &fragments {
                Some(f) => {
                    bounds.insert(
                        id,
                        TextBound {
                            fragments: f.clone(),
                        },
                    );
                }
                None => warnings.bad_offsets += 1,
            }
            open = Some((fragments, written.to_string()));
        } else if is_id('E') {
            events.push(fields.next().unwrap_or(""));
        }
    }
    if let Some((Some(fragments), written)) = open.take() {
        check_text(text, &chars, &fragments, &written, &mut warnings);
    }

    let mut attributions = Vec::new();
    for args in events {
        let mut roles = args.split_whitespace();
        let Some(trigger) = roles.next() else {
            warnings.malformed_lines += 1;
            continue;
        };
        if !trigger.starts_with("Attribution") {
            continue;
        }
        let mut a = EvalAttribution::default();
        for role in roles {
            let Some((name, target)) = role.split_once(':') else {
                warnings.malformed_lines += 1;
                continue;
            };
            let Some(bound) = bounds.get(target) else {
                warnings.dangling_refs += 1;
                continue;
            };
            let slot = if name.starts_with("Content") {
                &mut a.content
            } else if name.starts_with("Source") {
                &mut a.source
            } else if name.starts_with("Cue") {
                &mut a.cue
            } else {
                continue;
            };
            slot.extend(bound.fragments.iter().copied());
        }
        if a.content.is_empty() {
            warnings.events_without_content += 1;
            continue;
        }
        for spans in [&mut a.content, &mut a.source, &mut a.cue] {
            spans.sort();
            spans.dedup();
        }
        attributions.push(a);
    }
    (attributions, warnings)
}

/// Parses `Label 1 5;7 9` into fragments; `None` when unreadable, reversed or past `len`.
fn parse_fragments(head: &str, len: usize) -> Option<Vec<Span>> {
    let (_label, offsets) = head.split_once(' ')?;
    offsets
        .split(';')
        .map(|frag| {
            let (s, e) = frag.trim().split_once(' ')?;
            let (s, e) = (s.parse::<usize>().ok()?, e.parse::<usize>().ok()?);
            (s <= e && e <= len).then(|| Span::new(s, e))
        })
        .collect()
}

/// Compares a `T` line's written text with the article text at its fragments.
fn check_text(
    text: &str,
    chars: &CharIndex,
    fragments: &[Span],
    written: &str,
    warnings: &mut Warnings,
) {
    let actual = fragments
        .iter()
        .map(|f| &text[chars.byte_of(f.start)..chars.byte_of(f.end)])
        .collect::<Vec<_>>()
        .join(" ");
    if actual != written {
        warnings.offset_mismatches += 1;
    }
}

/// Splits an annotation file name `<stem>_<annotator>.ann` into the article stem.
fn article_stem(file_name: &str) -> Option<&str> {
    let base = file_name.strip_suffix(".ann")?;
    let (stem, annotator) = base.rsplit_once('_')?;
    (!stem.is_empty() && !annotator.is_empty()).then_some(stem)
}

/// Lists the files of `dir` with the given extension, sorted by name.
fn files_with_ext(dir: &Path, ext: &str) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Path {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut out = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

fn read_utf8(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|source| Error::Path {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))
}

/// Reads a gold folder. A missing `text/` or `attributions/` folder, an unreadable file or a
/// file that is not UTF-8 stops the run: evaluating against a partly read gold set would give
/// figures that look valid but are not.
pub fn read_gold_dir(dir: &Path) -> Result<GoldSet> {
    let texts = files_with_ext(&dir.join("text"), "txt")?;
    let anns = files_with_ext(&dir.join("attributions"), "ann")?;

    let mut warnings = Warnings::default();
    // Sorted paths, so the first file seen per stem is the first annotator in name order.
    let mut ann_by_stem: BTreeMap<String, PathBuf> = BTreeMap::new();
    for path in anns {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Some(stem) = article_stem(name) else {
            warnings.malformed_lines += 1;
            continue;
        };
        if ann_by_stem.contains_key(stem) {
            warnings.extra_annotators += 1;
        } else {
            ann_by_stem.insert(stem.to_string(), path.clone());
        }
    }

    let mut docs = Vec::new();
    for path in texts {
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let Some(ann_path) = ann_by_stem.remove(stem) else {
            warnings.texts_without_annotations += 1;
            continue;
        };
        let text = read_utf8(&path)?;
        let ann = read_utf8(&ann_path)?;
        let (attributions, w) = parse_ann(&ann, &text);
        warnings.add(&w);
        docs.push(GoldDoc {
            id: DocId(stem.to_string()),
            text,
            attributions,
        });
    }
    warnings.annotations_without_text = ann_by_stem.len();
    Ok(GoldSet { docs, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stem_keeps_inner_underscores() {
        assert_eq!(article_stem("a_b_2016_c_ef2d.ann"), Some("a_b_2016_c"));
        assert_eq!(article_stem("noannotator.ann"), None);
        assert_eq!(article_stem("x_1.txt"), None);
    }

    #[test]
    fn fragments_reject_reversed_and_out_of_range() {
        assert_eq!(
            parse_fragments("Content 1 3;5 9", 9),
            Some(vec![Span::new(1, 3), Span::new(5, 9)])
        );
        assert_eq!(parse_fragments("Content 4 3", 9), None);
        assert_eq!(parse_fragments("Content 1 10", 9), None);
        assert_eq!(parse_fragments("Content x 3", 9), None);
    }
}
