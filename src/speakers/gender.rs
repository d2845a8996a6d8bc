//! A speaker's gender from evidence in the text, never from a guess: pronouns that refer to the
//! speaker ("he said"), courtesy titles ("Mr.", "Ms."), gendered role nouns ("spokeswoman",
//! "chairman"), and, only when the user supplies one (`--gender-names`), a list of names.
//!
//! The evidence is counted per kind and per gender, so that a record (and the speakers table)
//! can show what the verdict rests on, and so that the counts of many documents can be added up
//! per corpus-wide speaker before deciding.

use super::names::Gender;
use serde::{Deserialize, Serialize};

/// What kind of text evidence a count is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceKind {
    /// A pronoun resolved to the speaker ("he said").
    Pronoun,
    /// A courtesy title before the name ("Mr. Trump", "Ms. Varga").
    Honorific,
    /// A gendered role noun ("spokeswoman", "chairman", "congressman").
    RoleNoun,
    /// The user's name list (`--gender-names FILE`), consulted only without text evidence.
    NameList,
}

impl EvidenceKind {
    /// How much one count of this kind weighs: a courtesy title is explicit, a role noun
    /// nearly so, a pronoun depends on coreference being right.
    fn weight(self) -> u32 {
        match self {
            EvidenceKind::Honorific => 3,
            EvidenceKind::RoleNoun => 2,
            EvidenceKind::Pronoun | EvidenceKind::NameList => 1,
        }
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Counts of the evidence for one gender, by kind (zero counts are left out of the JSON).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceCounts {
    /// Pronouns resolved to the speaker.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pronoun: u32,
    /// Courtesy titles.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub honorific: u32,
    /// Gendered role nouns.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub role_noun: u32,
    /// Entries of the user's name list.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub name_list: u32,
}

impl EvidenceCounts {
    /// True when nothing was counted.
    pub fn is_empty(&self) -> bool {
        *self == EvidenceCounts::default()
    }

    fn slot(&mut self, kind: EvidenceKind) -> &mut u32 {
        match kind {
            EvidenceKind::Pronoun => &mut self.pronoun,
            EvidenceKind::Honorific => &mut self.honorific,
            EvidenceKind::RoleNoun => &mut self.role_noun,
            EvidenceKind::NameList => &mut self.name_list,
        }
    }

    /// The weighted sum of the counts.
    fn score(&self) -> u32 {
        self.pronoun * EvidenceKind::Pronoun.weight()
            + self.honorific * EvidenceKind::Honorific.weight()
            + self.role_noun * EvidenceKind::RoleNoun.weight()
            + self.name_list * EvidenceKind::NameList.weight()
    }

    fn merge(&mut self, other: &EvidenceCounts) {
        self.pronoun += other.pronoun;
        self.honorific += other.honorific;
        self.role_noun += other.role_noun;
        self.name_list += other.name_list;
    }
}

/// The text's evidence for a speaker's gender: `{"female": {...}, "male": {"pronoun": 2}}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenderEvidence {
    /// Evidence that the speaker is referred to as a woman.
    #[serde(default, skip_serializing_if = "EvidenceCounts::is_empty")]
    pub female: EvidenceCounts,
    /// Evidence that the speaker is referred to as a man.
    #[serde(default, skip_serializing_if = "EvidenceCounts::is_empty")]
    pub male: EvidenceCounts,
}

impl GenderEvidence {
    /// True when there is no evidence at all.
    pub fn is_empty(&self) -> bool {
        self.female.is_empty() && self.male.is_empty()
    }

    /// Counts `n` pieces of evidence of `kind` for `gender`.
    pub fn add(&mut self, gender: Gender, kind: EvidenceKind, n: u32) {
        let side = match gender {
            Gender::Female => &mut self.female,
            Gender::Male => &mut self.male,
        };
        *side.slot(kind) += n;
    }

    /// Adds another body of evidence (another document's, for the same speaker).
    pub fn merge(&mut self, other: &GenderEvidence) {
        self.female.merge(&other.female);
        self.male.merge(&other.male);
    }

    /// The gender the evidence supports: the side whose weighted evidence is more than twice
    /// the other's; `None` without evidence or when it conflicts that much.
    pub fn verdict(&self) -> Option<Gender> {
        let (f, m) = (self.female.score(), self.male.score());
        if f > 2 * m {
            Some(Gender::Female)
        } else if m > 2 * f {
            Some(Gender::Male)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_needs_clear_evidence() {
        let mut e = GenderEvidence::default();
        assert_eq!(e.verdict(), None);
        e.add(Gender::Female, EvidenceKind::Pronoun, 1);
        assert_eq!(e.verdict(), Some(Gender::Female));
        e.add(Gender::Male, EvidenceKind::Pronoun, 1);
        assert_eq!(e.verdict(), None, "one against one is no evidence");
        // An honorific outweighs a stray pronoun.
        e.add(Gender::Male, EvidenceKind::Honorific, 1);
        assert_eq!(e.verdict(), Some(Gender::Male));
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"female":{"pronoun":1},"male":{"pronoun":1,"honorific":1}}"#
        );
        let back: GenderEvidence = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e);
    }
}
