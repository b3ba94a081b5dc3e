//! One image in the table.

use std::sync::Arc;

use futures::future::AbortHandle;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::fields::{joined, Field, Values};

/// Where a row is in its life. Problems (bad files) are kept apart: they never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Being read and hashed.
    Reading,
    /// Waiting for a description (or described already; see [`Row::described`]).
    Idle,
    Queued,
    Sending,
    Writing,
    Failed,
    /// The model or the provider's filter declined; nothing was saved.
    Refused,
}

impl Phase {
    pub fn in_flight(self) -> bool {
        matches!(self, Phase::Queued | Phase::Sending | Phase::Writing)
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

/// What a finished description was made with, so it is never paid for twice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Described {
    pub key: String,
    pub prompt: String,
    /// The provider id; empty in descriptions saved before there was a choice.
    #[serde(default)]
    pub provider: String,
    pub model: String,
    pub tokens: Option<u32>,
}

/// The word shown in a row's status cell.
pub fn status_label(phase: Phase, has_problem: bool, described: bool, stale: bool) -> &'static str {
    match (has_problem, phase) {
        (true, _) | (false, Phase::Failed) => "error",
        (false, Phase::Refused) => "refused",
        (false, Phase::Reading) => "reading",
        (false, Phase::Queued) => "queued",
        (false, Phase::Sending) => "sending",
        (false, Phase::Writing) => "writing",
        (false, Phase::Idle) if stale => "stale",
        (false, Phase::Idle) if described => "done",
        (false, Phase::Idle) => "ready",
    }
}

#[derive(Clone)]
pub struct Row {
    pub id: u64,
    pub name: Arc<str>,
    pub size: u64,
    /// Object URL of the original file, revoked when the row goes.
    pub url: Arc<str>,
    pub added: f64,
    pub hash: RwSignal<Option<String>>,
    pub dims: RwSignal<Option<(u32, u32)>>,
    /// Why this file can never be described (not an image, cut short, undecodable).
    pub problem: RwSignal<Option<String>>,
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
    /// Text streaming in; shown instead of the description while writing.
    pub draft: RwSignal<Option<String>>,
    pub described: RwSignal<Option<Described>>,
    /// Why the last attempt failed.
    pub error: RwSignal<Option<String>>,
    /// A passing note, e.g. that the provider asked us to wait.
    pub note: RwSignal<Option<String>>,
    /// The cache key of a call the model declined, so "Describe all" does not pay for it again.
    pub refused_key: RwSignal<Option<String>>,
    /// The call to the server under way, if any; see [`Row::hang_up`].
    pub call: StoredValue<Option<AbortHandle>>,
}

impl Row {
    pub fn new(id: u64, name: &str, size: u64, url: &str, added: f64) -> Row {
        Row {
            id,
            name: name.into(),
            size,
            url: url.into(),
            added,
            hash: RwSignal::new(None),
            dims: RwSignal::new(None),
            problem: RwSignal::new(None),
            phase: RwSignal::new(Phase::Reading),
            description: RwSignal::new(String::new()),
            values: RwSignal::new(None),
            fields: RwSignal::new(Vec::new()),
            hand: RwSignal::new(None),
            prompt: RwSignal::new(String::new()),
            draft: RwSignal::new(None),
            described: RwSignal::new(None),
            error: RwSignal::new(None),
            note: RwSignal::new(None),
            refused_key: RwSignal::new(None),
            call: StoredValue::new(None),
        }
    }

    /// The row's text as one string: the description, or its first field with something in
    /// it. What `{existing}` stands for and what "Read description" says.
    pub fn text(&self) -> String {
        self.values.with_untracked(|values| match values {
            Some(values) => values.values().map(|v| joined(v, ", ")).find(|t| !t.trim().is_empty()).unwrap_or_default(),
            None => self.description.get_untracked(),
        })
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
        let cases = [
            (Phase::Reading, false, false, false, "reading"),
            (Phase::Idle, false, false, false, "ready"),
            (Phase::Idle, false, true, false, "done"),
            (Phase::Idle, false, true, true, "stale"),
            (Phase::Queued, false, true, true, "queued"),
            (Phase::Sending, false, false, false, "sending"),
            (Phase::Writing, false, false, false, "writing"),
            (Phase::Failed, false, true, false, "error"),
            (Phase::Refused, false, false, false, "refused"),
            (Phase::Refused, false, true, true, "refused"),
            (Phase::Idle, true, false, false, "error"),
        ];
        for (phase, problem, described, stale, want) in cases {
            assert_eq!(status_label(phase, problem, described, stale), want, "{phase:?}");
        }
    }
}
