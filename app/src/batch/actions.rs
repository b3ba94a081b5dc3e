//! What the buttons do: keep edits here; adding files is in `intake`, describing in `run`,
//! exports and import in `transfer`, the last three loaded on demand (`on_demand`). Runs
//! in the browser only.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Batch, Hand, Phase, Row};
use crate::browser::records::{self, TEXT_VERSION};
use crate::browser::store;
use crate::fields::{from_text, Field};

pub use super::intake::{preview_when_shown, remove_row};
pub use super::run::cancel;
pub use super::watch::{watch_estimate, watch_tally};
pub use crate::on_demand::{
    add_feed, add_files, add_urls, cancel_batches, clear_all, describe_all, describe_one, export, export_images,
    import, look_for_batches, prefetch, restore, send_batch,
};

/// Runs a storage write, counting it so the page can say when everything is saved.
pub(super) fn save(batch: Batch, write: impl std::future::Future<Output = Result<(), String>> + 'static) {
    batch.saving.update(|n| *n += 1);
    spawn_local(async move {
        match write.await {
            Ok(()) => batch.storage_error.set(None),
            Err(message) => batch.storage_error.set(Some(message)),
        }
        batch.saving.update(|n| *n = n.saturating_sub(1));
    });
}

/// Stores the row's text as it is now (description or fields, edits, what it was made with).
pub fn save_text(batch: Batch, row: &Row) {
    let Some(hash) = row.hash.get_untracked() else { return };
    let record = store::TextRecord {
        version: TEXT_VERSION,
        hash,
        description: row.description.get_untracked(),
        described: row.described.get_untracked().as_ref().map(store::MadeWith::from),
        values: row.values.with_untracked(|v| v.as_ref().and_then(|v| serde_json::to_string(v).ok())),
        fields: row.fields.get_untracked(),
        hand: row.hand.get_untracked(),
        prompt: row.prompt.get_untracked(),
        answers: row.answers.with_untracked(|answers| records::answer_records(answers)),
    };
    save(batch, async move { store::save_text(&record).await });
}

/// A person typed in the description.
pub fn edit_description(batch: Batch, row: &Row, text: String) {
    row.description.set(text);
    row.hand.set(Some(Hand::Edited));
    if row.phase.get_untracked() == Phase::Ready {
        row.phase.set(Phase::Done);
    }
    save_text(batch, row);
}

/// A person typed in one field; lists one item a line.
pub fn edit_field(batch: Batch, row: &Row, field: &Field, text: &str) {
    let value = from_text(&field.kind, text);
    row.values.update(|values| {
        if let Some(values) = values {
            values.insert(field.name.clone(), value);
        }
    });
    row.hand.set(Some(Hand::Edited));
    save_text(batch, row);
}

/// The row's own prompt changed.
pub fn edit_prompt(batch: Batch, row: &Row, text: String) {
    row.prompt.set(text);
    save_text(batch, row);
}
