//! What the buttons do to rows already in the table: keep edits, import text written
//! elsewhere, export. Runs in the browser only. Adding files is in `intake`, describing
//! in `run`.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Batch, Hand, Phase, Row};
use crate::browser::{self, records::TEXT_VERSION, store};
use crate::export::{self, metadata, Format};
use crate::fields::{from_text, Field};
use crate::import;

pub use super::intake::{add_files, clear_all, preview_when_shown, remove_row, restore};
pub use super::run::{cancel, describe_all, describe_one};
pub use super::watch::{watch_estimate, watch_tally};

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

/// Downloads the table in one of the export formats, edits included, in table order.
pub fn export(batch: Batch, format: Format) {
    let rows = export::rows(batch);
    let result = format.write(&rows).and_then(|bytes| browser::download(format.file_name(), &bytes, format.mime()));
    match result {
        Ok(()) => batch.announce(format.announcement(&rows)),
        Err(message) => batch.announce(message),
    }
}

/// "Download images with alt text": copies of the original files with the description
/// written into their metadata, made here in the browser.
pub fn export_images(batch: Batch) {
    let rows = export::rows(batch);
    let ids: Vec<u64> = batch.rows.with_untracked(|rows| {
        rows.iter().filter(|row| row.hash.get_untracked().is_some()).map(|row| row.id).collect()
    });
    batch.announce("Writing the alt text into copies of the images…");
    spawn_local(async move {
        let mut images = Vec::new();
        for (row, id) in rows.into_iter().zip(ids) {
            match browser::bytes_of(id).await {
                Ok(bytes) => images.push((row, bytes)),
                Err(message) => return batch.announce(message),
            }
        }
        let name = "picscribe-images.zip";
        let said = metadata::to_zip(&images).and_then(|(bytes, packed)| {
            browser::download(name, &bytes, "application/zip")?;
            Ok(match packed.skipped.len() {
                0 => format!("Downloaded {name} with {} images.", packed.written.len()),
                n => format!(
                    "Downloaded {name} with {} images; {n} skipped (listed in skipped.txt).",
                    packed.written.len()
                ),
            })
        });
        batch.announce(said.unwrap_or_else(|message| message));
    });
}

/// "Import descriptions": fills the rows whose file name matches, marked as imported so
/// "Describe all" does not replace them, and says what matched nothing.
pub fn import(batch: Batch, file: web_sys::File) {
    spawn_local(async move {
        let name = file.name();
        let text = match gloo_file::futures::read_as_text(&gloo_file::Blob::from(file)).await {
            Ok(text) => text,
            Err(_) => return batch.announce(format!("{name} could not be read, so nothing was imported.")),
        };
        let asked = batch.fields.get_untracked();
        let imported = match import::parse(&name, &text, &asked) {
            Ok(imported) => imported,
            Err(message) => return batch.announce(message),
        };
        let mut filled = 0;
        let mut unmatched = Vec::new();
        for item in imported {
            let rows: Vec<Row> = batch.rows.with_untracked(|rows| {
                rows.iter()
                    .filter(|r| *r.name == *item.filename && r.hash.get_untracked().is_some() && !r.is_unusable())
                    .cloned()
                    .collect()
            });
            if rows.is_empty() {
                unmatched.push(item.filename);
                continue;
            }
            for row in rows {
                match &item.values {
                    Some(values) => {
                        row.fields.set(import::fields_for(values, &asked));
                        row.values.set(Some(values.clone()));
                    }
                    None => {
                        row.values.set(None);
                        row.fields.set(Vec::new());
                        row.description.set(item.text.clone().unwrap_or_default());
                    }
                }
                row.hand.set(Some(Hand::Imported));
                if row.phase.with_untracked(|p| !p.in_flight()) {
                    row.settle();
                }
                save_text(batch, &row);
                filled += 1;
            }
        }
        let images = if filled == 1 { "1 image".to_string() } else { format!("{filled} images") };
        let mut said = format!("Imported text for {images} from {name}.");
        if !unmatched.is_empty() {
            let shown: Vec<&str> = unmatched.iter().take(5).map(String::as_str).collect();
            let more = if unmatched.len() > 5 { ", …" } else { "" };
            said.push_str(&format!(" {} matched no image in the table: {}{more}.", unmatched.len(), shown.join(", ")));
        }
        batch.announce(said);
    });
}
