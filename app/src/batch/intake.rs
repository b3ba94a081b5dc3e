//! Files into rows: add them (previews first, then read, hashed and checked one at a
//! time), record what the preview learned, remove, clear, and rebuild the table from
//! IndexedDB after a reload. Runs in the browser only.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::actions::save;
use super::{Batch, Phase, Row};
use crate::browser::{self, store};

fn now() -> f64 {
    js_sys::Date::now()
}

/// Adds files as rows at once, previews first; reading, hashing and checking follow one
/// file at a time so fifty large photos do not sit in memory together.
pub fn add_files(batch: Batch, files: Vec<web_sys::File>) {
    if files.is_empty() {
        return;
    }
    let mut added = Vec::new();
    for file in files {
        let id = batch.next_id();
        let url = browser::hold(id, file.clone().into());
        let row = Row::new(id, &file.name(), file.size() as u64, &url, now());
        added.push((row, file));
    }
    batch.rows.update(|rows| rows.extend(added.iter().map(|(row, _)| row.clone())));
    spawn_local(async move {
        for (row, file) in added {
            inspect(batch, row, file).await;
        }
    });
}

async fn inspect(batch: Batch, row: Row, file: web_sys::File) {
    let inspection = match browser::files::inspect(&file).await {
        Ok(found) => found,
        Err(why) => {
            // Reading the bytes is the final word, over what the preview found.
            row.phase.set(Phase::Unusable { why });
            return;
        }
    };
    let duplicate = batch.rows.with_untracked(|rows| {
        rows.iter().any(|r| r.id != row.id && r.hash.get_untracked().as_deref() == Some(&inspection.hash))
    });
    if duplicate {
        remove_row(batch, &row, false);
        batch.announce(format!("{} is already in the table, so it was not added again.", row.name));
        return;
    }
    row.hash.set(Some(inspection.hash.clone()));
    if let Some(why) = inspection.problem {
        row.phase.set(Phase::Unusable { why });
        return;
    }
    // The preview may have found the file undecodable meanwhile; that stays.
    if row.phase.get_untracked() == Phase::Reading {
        row.phase.set(Phase::Ready);
    }
    let record = store::ImageRecord {
        hash: inspection.hash,
        name: row.name.to_string(),
        size: row.size as f64,
        added: row.added,
        width: None,
        height: None,
    };
    save(batch, async move { store::save_image(&record, &file).await });
}

/// Records the pixel size once the preview has decoded, or the decoder's refusal.
pub fn preview_loaded(batch: Batch, row: &Row, size: Option<(u32, u32)>) {
    match size {
        Some(dims) => {
            if row.dims.get_untracked() == Some(dims) {
                return;
            }
            row.dims.set(Some(dims));
            let (Some(hash), Some(blob)) = (row.hash.get_untracked(), browser::blob_of(row.id)) else { return };
            if row.is_unusable() {
                return;
            }
            let record = store::ImageRecord {
                hash,
                name: row.name.to_string(),
                size: row.size as f64,
                added: row.added,
                width: Some(dims.0),
                height: Some(dims.1),
            };
            save(batch, async move { store::save_image(&record, &blob).await });
        }
        None => {
            row.unusable(format!(
                "{} could not be decoded by this browser (damaged, or a format it does not support).",
                row.name
            ));
        }
    }
}

pub fn remove_row(batch: Batch, row: &Row, forget_saved: bool) {
    row.hang_up();
    batch.rows.update(|rows| rows.retain(|r| r.id != row.id));
    browser::forget(row.id);
    if let (true, Some(hash)) = (forget_saved, row.hash.get_untracked()) {
        save(batch, async move { store::delete(&hash).await });
    }
}

pub fn clear_all(batch: Batch) {
    batch.run.set(None);
    let rows = batch.rows.get_untracked();
    batch.rows.set(Vec::new());
    for row in &rows {
        row.hang_up();
        browser::forget(row.id);
    }
    batch.announce(format!("Cleared {} images from the table and this browser's storage.", rows.len()));
    save(batch, store::clear());
}

/// Rebuilds the table from IndexedDB after a reload.
pub fn restore(batch: Batch) {
    spawn_local(async move {
        let saved = match store::load_all().await {
            Ok(saved) => saved,
            Err(message) => {
                batch.storage_error.set(Some(message));
                return;
            }
        };
        let mut rows = Vec::new();
        for (image, blob, text) in saved {
            let id = batch.next_id();
            let url = browser::hold(id, blob);
            let row = Row::new(id, &image.name, image.size as u64, &url, image.added);
            row.hash.set(Some(image.hash));
            row.dims.set(image.width.zip(image.height));
            if let Some(text) = text {
                row.values.set(text.values());
                row.description.set(text.description);
                row.described.set(text.described.map(Into::into));
                row.fields.set(text.fields);
                row.hand.set(text.hand);
                row.prompt.set(text.prompt);
            }
            row.settle();
            rows.push(row);
        }
        if !rows.is_empty() {
            batch.announce(format!("Restored {} images from this browser.", rows.len()));
        }
        // Anything added before storage answered stays after the restored rows.
        batch.rows.update(|current| {
            let added = std::mem::take(current);
            *current = rows;
            current.extend(added);
        });
    });
}
