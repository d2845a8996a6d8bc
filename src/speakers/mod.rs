//! Speakers: turns each attribution's local source mention into a canonical in-document
//! speaker (name, role, kind, entity id) by in-document coreference.
//!
//! PLACEHOLDER: the speakers work replaces this with real resolution.

use crate::attribution::Attribution;
use crate::span::NormRange;
use crate::text::Analysis;
use serde::{Deserialize, Serialize};

/// What kind of thing a speaker is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpeakerKind {
    /// A named or described individual.
    Person,
    /// An organisation, institution, government or outlet ("the Kremlin").
    Organization,
    /// A plural group ("both sides", "officials").
    Group,
    /// Not determined.
    Unknown,
}

/// A document-local entity number; records show it as `DOC#eN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityId(pub usize);

/// The resolved speaker of one attribution.
#[derive(Debug, Clone, PartialEq)]
pub struct Speaker {
    /// The local mention (byte range of the normalised text), if any.
    pub mention: Option<NormRange>,
    /// Canonical name within the document ("Sergei Ryabkov").
    pub name: Option<String>,
    /// Person, organisation, group or unknown.
    pub kind: SpeakerKind,
    /// Role or title ("Russian Deputy Foreign Minister").
    pub role: Option<String>,
    /// The entity all of this speaker's mentions share.
    pub entity: Option<EntityId>,
    /// How sure the resolution is (0..=1).
    pub confidence: f32,
}

/// Resolves the speakers of a document's attributions (one [`Speaker`] per attribution, same order).
pub fn resolve(analysis: &Analysis, attributions: &[Attribution]) -> Vec<Speaker> {
    attributions
        .iter()
        .map(|a| Speaker {
            mention: a.source.clone(),
            name: a.source.clone().map(|r| analysis.text()[r].to_string()),
            kind: SpeakerKind::Unknown,
            role: None,
            entity: None,
            confidence: a.confidence,
        })
        .collect()
}
