//! The tagger in training, read as an [`Extractor`], so that training scores every epoch on the
//! dev set through the same pipeline `extract` runs.

use super::link;
use super::net::Tagger;
use super::scoring::{tag_document, Batched, TagSetup};
use super::DEFAULT_BATCH_SIZE;
use crate::attribution::{Attribution, Extractor};
use crate::document::Document;
use crate::error::{Error, Result};
use crate::text::Analysis;
use std::sync::Mutex;
use tch::Device;

/// A tagger in training, read as an [`Extractor`] so that training scores it on the dev set
/// through the same pipeline `extract` runs (linking, speakers, records). The network sits
/// behind a mutex (libtorch modules are not `Sync`), so documents are tagged one at a time.
pub struct TrainingTagger<'a> {
    tagger: &'a Mutex<Tagger>,
    setup: &'a TagSetup,
    device: Device,
}

impl<'a> TrainingTagger<'a> {
    /// Reads documents with `tagger` as it is now.
    pub fn new(tagger: &'a Mutex<Tagger>, setup: &'a TagSetup, device: Device) -> Self {
        TrainingTagger {
            tagger,
            setup,
            device,
        }
    }
}

impl Extractor for TrainingTagger<'_> {
    fn id(&self) -> String {
        "attribution-in-training@0".into()
    }

    fn extract(&self, _doc: &Document, analysis: &Analysis) -> Result<Vec<Attribution>> {
        let tagger = self
            .tagger
            .lock()
            .map_err(|_| Error::Model("the tagger's lock was poisoned".into()))?;
        let scorer = Batched {
            net: tagger.net(),
            device: self.device,
            batch_size: DEFAULT_BATCH_SIZE,
        };
        let spans = tag_document(&scorer, self.setup, analysis)?;
        Ok(link::link(analysis, &spans))
    }
}
