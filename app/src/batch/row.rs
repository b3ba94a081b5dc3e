//! One image in the table.

use std::sync::Arc;

use futures::future::AbortHandle;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::describe::prompt::Facts;
use crate::export::{caption, ExportRow};
use crate::fields::{Field, Values};
use crate::settings::Settings;

/// Where a row is in its life, with what that stage has: the text streaming in, the
/// sentence saying why it failed, the call the model declined. One value, so a row can
/// never be "failed" and "writing" at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Being read and hashed.
    Reading,
    /// Read and usable, with no description yet.
    Ready,
    Queued,
    Sending,
    /// The reply streaming in; shown instead of the saved text until it is complete.
    Writing {
        draft: String,
    },
    /// Has a description (the model's, a person's or an imported one).
    Done,
    /// The last attempt failed; the saved text is untouched.
    Failed {
        sentence: String,
    },
    /// The model or the provider's filter declined `key`; "Describe all" does not pay for
    /// the same call again (Retry can).
    Refused {
        sentence: String,
        key: String,
    },
    /// The file can never be described (not an image, cut short, undecodable).
    Unusable {
        why: String,
    },
    /// Sent in a provider's batch; its answer fills in when the batch comes back.
    /// `note` says since when ("In a batch since 10:42").
    InBatch {
        note: String,
    },
}

impl Phase {
    pub fn in_flight(&self) -> bool {
        matches!(self, Phase::Queued | Phase::Sending | Phase::Writing { .. })
    }

    /// Whether Describe, Regenerate or Retry may send this row now (not while a batch
    /// is answering it: that call is paid for already).
    pub fn can_describe(&self) -> bool {
        !self.in_flight() && !matches!(self, Phase::Reading | Phase::Unusable { .. } | Phase::InBatch { .. })
    }

    pub fn draft(&self) -> Option<&str> {
        match self {
            Phase::Writing { draft } => Some(draft),
            _ => None,
        }
    }

    /// What the row's message line says about this stage, if anything.
    pub fn sentence(&self) -> Option<&str> {
        match self {
            Phase::Failed { sentence } | Phase::Refused { sentence, .. } => Some(sentence),
            Phase::Unusable { why } => Some(why),
            Phase::InBatch { note } => Some(note),
            _ => None,
        }
    }

    /// The word shown in the row's status cell; a description made with other settings
    /// than the current ones is "stale".
    pub fn label(&self, stale: bool) -> &'static str {
        match self {
            Phase::Reading => "reading",
            Phase::Ready => "ready",
            Phase::Queued => "queued",
            Phase::Sending => "sending",
            Phase::Writing { .. } => "writing",
            Phase::Done if stale => "stale",
            Phase::Done => "done",
            Phase::Failed { .. } | Phase::Unusable { .. } => "error",
            Phase::Refused { .. } => "refused",
            Phase::InBatch { .. } => "in a batch",
        }
    }
}

/// Who last wrote a row's text when it was not the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hand {
    /// Typed in the table.
    Edited,
    /// Brought in with "Import descriptions".
    Imported,
}

impl Hand {
    pub fn label(self) -> &'static str {
        match self {
            Hand::Edited => "edited",
            Hand::Imported => "imported",
        }
    }
}

pub use engine::plan::Described;

/// One model's answer to a row, kept by its key so that choosing between two compared
/// models ("Compare with"), or going back to one, never asks again.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub text: String,
    pub values: Option<Values>,
    pub fields: Vec<Field>,
    pub described: Described,
    /// The tokens the provider reported, input and output, for its cost.
    pub usage: Option<(u32, u32)>,
}

/// The last call about a row that brought no answer: the key it was asked under, what was
/// said, and whether the model declined (not asked again by "Describe all") or the call
/// failed (what Retry asks again). It outlives the row's phase, which the other compared
/// model's call goes through.
#[derive(Clone, Debug, PartialEq)]
pub struct Missed {
    pub key: String,
    pub sentence: String,
    pub declined: bool,
}

/// How many models' answers a row keeps ([`Row::remember`]): the two compared, and a few
/// from before.
const KEPT_ANSWERS: usize = 4;

#[derive(Clone)]
pub struct Row {
    pub id: u64,
    pub name: Arc<str>,
    /// Where an image added by URL was fetched from; exported as `url`.
    pub url: Option<Arc<str>>,
    /// The file's size in bytes; an image added by URL has it once the server fetched it.
    pub size: RwSignal<u64>,
    pub added: f64,
    /// Object URL of the small preview, once the file has been decoded.
    pub preview: RwSignal<Option<String>>,
    /// Whether the row is on or near the screen; only then are its controls built.
    pub near: RwSignal<bool>,
    pub hash: RwSignal<Option<String>>,
    pub dims: RwSignal<Option<(u32, u32)>>,
    pub phase: RwSignal<Phase>,
    /// The saved description, edits included. Only a finished reply replaces it.
    pub description: RwSignal<String>,
    /// The answer in fields, when it was asked for in fields (edits included).
    pub values: RwSignal<Option<Values>>,
    /// The fields `values` answers, for their labels and types.
    pub fields: RwSignal<Vec<Field>>,
    /// Set when a person wrote the text; "Describe all" leaves such rows alone.
    pub hand: RwSignal<Option<Hand>>,
    /// This row's own prompt; empty means the batch's.
    pub prompt: RwSignal<String>,
    pub described: RwSignal<Option<Described>>,
    /// A passing note, e.g. that the provider asked us to wait.
    pub note: RwSignal<Option<String>>,
    /// The call to the server under way, if any; see [`Row::hang_up`].
    pub call: StoredValue<Option<AbortHandle>>,
    /// The item's other photos, in order, when "Describe together" or "Group by name" made
    /// this row one item of several images (they are not rows of the table meanwhile).
    pub photos: RwSignal<Vec<Row>>,
    /// Ticked in the table, for "Describe together" and "Separate".
    pub selected: RwSignal<bool>,
    /// The models' answers to this row by key, the newest last: the row's text is the one
    /// chosen; while two models are compared, each side is the answer under its key.
    pub answers: RwSignal<Vec<Answer>>,
    pub missed: RwSignal<Option<Missed>>,
}

impl Row {
    pub fn new(id: u64, name: &str, size: u64, added: f64) -> Row {
        Row {
            id,
            name: name.into(),
            url: None,
            size: RwSignal::new(size),
            added,
            preview: RwSignal::new(None),
            near: RwSignal::new(false),
            hash: RwSignal::new(None),
            dims: RwSignal::new(None),
            phase: RwSignal::new(Phase::Reading),
            description: RwSignal::new(String::new()),
            values: RwSignal::new(None),
            fields: RwSignal::new(Vec::new()),
            hand: RwSignal::new(None),
            prompt: RwSignal::new(String::new()),
            described: RwSignal::new(None),
            note: RwSignal::new(None),
            call: StoredValue::new(None),
            photos: RwSignal::new(Vec::new()),
            selected: RwSignal::new(false),
            answers: RwSignal::new(Vec::new()),
            missed: RwSignal::new(None),
        }
    }

    /// Whether the row has an answer made under `key`: its text, or a kept answer.
    pub fn answered(&self, key: &str) -> bool {
        self.described.with_untracked(|d| d.as_ref().is_some_and(|d| d.key == key))
            || self.answers.with_untracked(|a| a.iter().any(|a| a.described.key == key))
    }

    /// The key a model declined for this row, which is not asked again.
    pub fn declined(&self) -> Option<String> {
        self.missed.with_untracked(|m| m.as_ref().filter(|m| m.declined).map(|m| m.key.clone()))
    }

    /// The answer kept under `key`, if any.
    pub fn answer(&self, key: &str) -> Option<Answer> {
        self.answers.with_untracked(|answers| answers.iter().find(|a| a.described.key == key).cloned())
    }

    /// Keeps a model's answer, replacing one under the same key; when more than
    /// [`KEPT_ANSWERS`] are kept the oldest goes, never the one that is the row's text.
    pub fn remember(&self, answer: Answer) {
        if self.missed.with_untracked(|m| m.as_ref().is_some_and(|m| m.key == answer.described.key)) {
            self.missed.set(None);
        }
        let text = self.described.with_untracked(|d| d.as_ref().map(|d| d.key.clone()));
        self.answers.update(|answers| {
            answers.retain(|a| a.described.key != answer.described.key);
            answers.push(answer);
            if answers.len() > KEPT_ANSWERS {
                if let Some(oldest) = answers.iter().position(|a| Some(&a.described.key) != text.as_ref()) {
                    answers.remove(oldest);
                }
            }
        });
    }

    /// The item's content hash ([`item_hash`](crate::items::item_hash)): this photo's, or
    /// every photo's in order; none until each file is read. Tracked when `tracked`.
    pub fn item_hash(&self, tracked: bool) -> Option<String> {
        let hash = |row: &Row| if tracked { row.hash.get() } else { row.hash.get_untracked() };
        let photos = if tracked { self.photos.get() } else { self.photos.get_untracked() };
        let mut hashes = vec![hash(self)?];
        for photo in &photos {
            hashes.push(hash(photo)?);
        }
        Some(crate::items::item_hash(hashes.iter().map(String::as_str)))
    }

    /// This row and the item's other photos, in order.
    pub fn members(&self) -> Vec<Row> {
        let mut all = vec![self.clone()];
        all.extend(self.photos.get_untracked());
        all
    }

    /// The file names the row stands for: `mug-1.jpg; mug-2.jpg` for an item of several.
    pub fn file_names(&self) -> String {
        let members = self.members();
        crate::items::item_names(members.iter().map(|row| &*row.name))
    }

    /// The row's text as one string: the description, or its first field with something in
    /// it. What `{existing}` stands for and what "Read description" says.
    pub fn text(&self) -> String {
        self.values.with_untracked(|values| self.description.with_untracked(|text| caption(text, values.as_ref())))
    }

    /// The row as exported, once its file is read: its text as it is now, edits included,
    /// and, when two models are `compared`, both their answers (the JSON export keeps them).
    pub fn export_row(&self, compared: Option<[&Settings; 2]>) -> Option<ExportRow> {
        self.hash.with_untracked(Option::is_some).then(|| {
            let described = self.described.get_untracked();
            let (text, values) = (self.description.get_untracked(), self.values.get_untracked());
            let mut row = ExportRow::new(&self.file_names(), text, values, described.as_ref());
            row.url = self.url.as_deref().unwrap_or_default().to_string();
            let sides = compared.into_iter().flatten().filter_map(|settings| self.answer(&self.key(settings)?));
            let answers: Vec<ExportRow> =
                sides.map(|a| ExportRow::new(&row.filename, a.text, a.values, Some(&a.described))).collect();
            if answers.len() == 2 {
                row.answers = answers;
            }
            row
        })
    }

    /// The key of the call that would describe this row now with `settings`
    /// ([`Settings::key_for`]); none until its file is read.
    pub fn key(&self, settings: &Settings) -> Option<String> {
        let hash = self.item_hash(false)?;
        let facts = Facts { filename: &self.name, size: self.dims.get_untracked(), existing: None };
        Some(settings.key_for(&hash, &self.prompt.get_untracked(), &facts))
    }

    /// Back to rest after a run or a cancel: done if it has words, else refused if the
    /// model declined it, else ready.
    pub fn settle(&self) {
        let has_words = self.described.with_untracked(Option::is_some) || self.hand.with_untracked(Option::is_some);
        let declined = self.missed.get_untracked().filter(|m| m.declined);
        self.note.set(None);
        self.phase.set(match declined {
            _ if has_words => Phase::Done,
            Some(Missed { key, sentence, .. }) => Phase::Refused { sentence, key },
            None => Phase::Ready,
        });
    }

    /// The preview found the file unusable; a reason already known (from reading its bytes,
    /// which says more) is kept.
    pub fn unusable(&self, why: String) {
        if !matches!(self.phase.get_untracked(), Phase::Unusable { .. }) {
            self.phase.set(Phase::Unusable { why });
        }
    }

    pub fn is_unusable(&self) -> bool {
        self.phase.with_untracked(|p| matches!(p, Phase::Unusable { .. }))
    }

    /// Ends the row's call at once, whatever it is waiting for. The browser closes the
    /// connection, so the server stops the provider's generation and any pending retry.
    pub fn hang_up(&self) {
        if let Some(call) = self.call.try_update_value(Option::take).flatten() {
            call.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        let failed = Phase::Failed { sentence: "Rate limited.".into() };
        let refused = Phase::Refused { sentence: "Declined.".into(), key: "k".into() };
        let unusable = Phase::Unusable { why: "Not an image.".into() };
        let cases = [
            (Phase::Reading, false, "reading"),
            (Phase::Ready, false, "ready"),
            (Phase::Done, false, "done"),
            (Phase::Done, true, "stale"),
            (Phase::Queued, true, "queued"),
            (Phase::Sending, false, "sending"),
            (Phase::Writing { draft: "A c".into() }, false, "writing"),
            (failed.clone(), false, "error"),
            (refused.clone(), true, "refused"),
            (unusable.clone(), false, "error"),
            (Phase::InBatch { note: "In a batch since 10:42".into() }, false, "in a batch"),
        ];
        for (phase, stale, want) in cases {
            assert_eq!(phase.label(stale), want, "{phase:?}");
        }
        assert_eq!(failed.sentence(), Some("Rate limited."));
        assert_eq!(unusable.sentence(), Some("Not an image."));
        assert_eq!(Phase::Writing { draft: "A c".into() }.draft(), Some("A c"));
        assert!(Phase::Writing { draft: String::new() }.in_flight() && !Phase::Done.in_flight());
        assert!(!unusable.can_describe() && !Phase::Reading.can_describe() && !Phase::Sending.can_describe());
        assert!(failed.can_describe() && refused.can_describe() && Phase::Ready.can_describe());
        let in_batch = Phase::InBatch { note: "In a batch since 10:42".into() };
        assert!(
            !in_batch.can_describe() && !in_batch.in_flight(),
            "a batch is paid for already, and not a call under way"
        );
        assert_eq!(in_batch.sentence(), Some("In a batch since 10:42"));
    }
}
