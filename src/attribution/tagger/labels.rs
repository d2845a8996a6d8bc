//! The tag set of the attribution tagger and its constrained decoding.
//!
//! PolNeAR is univocal (one role per token), so a BIO scheme over three roles covers it: a
//! wordpiece begins or continues a Source, Cue or Content span, or is outside all of them.
//! Decoding is Viterbi under the BIO constraint (an `I-X` only after `B-X` or `I-X`), so every
//! decoded span is well formed whatever the per-piece scores say.

/// The role of a span in an attribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Who is speaking ("Ryabkov", "he", "the Kremlin").
    Source,
    /// What introduces the speech ("said", "according to").
    Cue,
    /// What was said.
    Content,
}

impl Role {
    /// All roles, in tag order.
    pub const ALL: [Role; 3] = [Role::Source, Role::Cue, Role::Content];

    fn index(self) -> usize {
        match self {
            Role::Source => 0,
            Role::Cue => 1,
            Role::Content => 2,
        }
    }
}

/// One tag of the BIO scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tag {
    /// Outside every span.
    Outside,
    /// First piece of a span.
    Begin(Role),
    /// A later piece of the span begun before.
    Inside(Role),
}

/// Number of tags: `O` plus `B-` and `I-` for each role.
pub const NUM_TAGS: usize = 1 + 2 * Role::ALL.len();

impl Tag {
    /// The tag's row in the classifier output.
    pub fn index(self) -> usize {
        match self {
            Tag::Outside => 0,
            Tag::Begin(r) => 1 + 2 * r.index(),
            Tag::Inside(r) => 2 + 2 * r.index(),
        }
    }

    /// The tag of a classifier row.
    pub fn from_index(i: usize) -> Option<Tag> {
        match i {
            0 => Some(Tag::Outside),
            i if i < NUM_TAGS => {
                let role = Role::ALL[(i - 1) / 2];
                Some(if (i - 1) % 2 == 0 {
                    Tag::Begin(role)
                } else {
                    Tag::Inside(role)
                })
            }
            _ => None,
        }
    }

    /// The tag's name in logs (`B-CONTENT`).
    pub fn name(self) -> String {
        let role = |r: Role| match r {
            Role::Source => "SOURCE",
            Role::Cue => "CUE",
            Role::Content => "CONTENT",
        };
        match self {
            Tag::Outside => "O".into(),
            Tag::Begin(r) => format!("B-{}", role(r)),
            Tag::Inside(r) => format!("I-{}", role(r)),
        }
    }

    /// Whether `self` may follow `prev` (`None`: the start of the sequence).
    pub fn may_follow(self, prev: Option<Tag>) -> bool {
        match self {
            Tag::Inside(r) => matches!(prev, Some(Tag::Begin(p) | Tag::Inside(p)) if p == r),
            _ => true,
        }
    }
}

/// A decoded span: a role over the half-open piece range `start..end`, with the mean
/// probability of its tags (the model's confidence in it).
#[derive(Debug, Clone, PartialEq)]
pub struct PieceSpan {
    /// The span's role.
    pub role: Role,
    /// First piece.
    pub start: usize,
    /// One past the last piece.
    pub end: usize,
    /// Mean probability of the decoded tags over the span.
    pub score: f32,
}

/// Best tag sequence under the BIO constraint for per-piece log-probabilities
/// (`log_probs[i][t]`, `t` as in [`Tag::index`]), as decoded spans in order.
pub fn decode(log_probs: &[[f32; NUM_TAGS]]) -> Vec<PieceSpan> {
    let n = log_probs.len();
    if n == 0 {
        return Vec::new();
    }
    let tags: Vec<Tag> = (0..NUM_TAGS).filter_map(Tag::from_index).collect();
    let mut score = vec![[f32::NEG_INFINITY; NUM_TAGS]; n];
    let mut back = vec![[0usize; NUM_TAGS]; n];
    for (t, tag) in tags.iter().enumerate() {
        if tag.may_follow(None) {
            score[0][t] = log_probs[0][t];
        }
    }
    for i in 1..n {
        for (t, tag) in tags.iter().enumerate() {
            let mut best = (f32::NEG_INFINITY, 0);
            for (p, prev) in tags.iter().enumerate() {
                if tag.may_follow(Some(*prev)) && score[i - 1][p] > best.0 {
                    best = (score[i - 1][p], p);
                }
            }
            score[i][t] = best.0 + log_probs[i][t];
            back[i][t] = best.1;
        }
    }
    let mut path = vec![0usize; n];
    path[n - 1] = (0..NUM_TAGS)
        .max_by(|&a, &b| score[n - 1][a].total_cmp(&score[n - 1][b]))
        .unwrap_or(0);
    for i in (1..n).rev() {
        path[i - 1] = back[i][path[i]];
    }

    let mut spans: Vec<PieceSpan> = Vec::new();
    let mut open: Option<(Role, usize, f32)> = None;
    let close = |open: &mut Option<(Role, usize, f32)>, end: usize, spans: &mut Vec<PieceSpan>| {
        if let Some((role, start, sum)) = open.take() {
            spans.push(PieceSpan {
                role,
                start,
                end,
                score: sum / (end - start) as f32,
            });
        }
    };
    for (i, &t) in path.iter().enumerate() {
        let p = log_probs[i][t].exp();
        match tags[t] {
            Tag::Outside => close(&mut open, i, &mut spans),
            Tag::Begin(role) => {
                close(&mut open, i, &mut spans);
                open = Some((role, i, p));
            }
            Tag::Inside(_) => {
                if let Some((_, _, sum)) = open.as_mut() {
                    *sum += p;
                }
            }
        }
    }
    close(&mut open, n, &mut spans);
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(tag: Tag, p: f32) -> [f32; NUM_TAGS] {
        let rest = (1.0 - p) / (NUM_TAGS - 1) as f32;
        let mut r = [rest.ln(); NUM_TAGS];
        r[tag.index()] = p.ln();
        r
    }

    #[test]
    fn indices_round_trip() {
        for i in 0..NUM_TAGS {
            assert_eq!(Tag::from_index(i).unwrap().index(), i);
        }
        assert_eq!(Tag::from_index(NUM_TAGS), None);
        assert_eq!(Tag::Inside(Role::Content).name(), "I-CONTENT");
    }

    #[test]
    fn decodes_spans_in_order() {
        let rows = [
            row(Tag::Begin(Role::Source), 0.9),
            row(Tag::Begin(Role::Cue), 0.8),
            row(Tag::Begin(Role::Content), 0.9),
            row(Tag::Inside(Role::Content), 0.7),
            row(Tag::Outside, 0.9),
        ];
        let spans = decode(&rows);
        let got: Vec<_> = spans.iter().map(|s| (s.role, s.start, s.end)).collect();
        assert_eq!(
            got,
            vec![
                (Role::Source, 0, 1),
                (Role::Cue, 1, 2),
                (Role::Content, 2, 4)
            ]
        );
        assert!((spans[2].score - 0.8).abs() < 1e-5);
    }

    #[test]
    fn an_inside_without_begin_is_repaired() {
        // Greedy decoding would start with a dangling I-CONTENT; Viterbi must not.
        let rows = [
            row(Tag::Inside(Role::Content), 0.6),
            row(Tag::Inside(Role::Content), 0.9),
            row(Tag::Outside, 0.9),
        ];
        let spans = decode(&rows);
        assert_eq!(spans.len(), 1);
        assert_eq!(
            (spans[0].role, spans[0].start, spans[0].end),
            (Role::Content, 0, 2)
        );
        assert!(decode(&[]).is_empty());
    }
}
