//! What the buttons do: add files, describe (all, or one again), cancel, remove, clear,
//! restore from storage and export. Runs in the browser only.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use futures::future::{AbortHandle, Abortable};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::call::{fetch_reply, End, Reply};
use super::{Batch, Described, Phase, Row, Settings};
use crate::browser::{self, store};
use crate::describe::{upgrade_key, DescribeInput, FIRST_PROVIDER};
use crate::export::{self, Format};

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
        Err(message) => {
            row.problem.set(Some(message));
            row.phase.set(Phase::Idle);
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
    row.phase.set(Phase::Idle);
    if let Some(problem) = inspection.problem {
        row.problem.set(Some(problem));
        return;
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

/// Runs a storage write, counting it so the page can say when everything is saved.
fn save(batch: Batch, write: impl std::future::Future<Output = Result<(), String>> + 'static) {
    batch.saving.update(|n| *n += 1);
    spawn_local(async move {
        match write.await {
            Ok(()) => batch.storage_error.set(None),
            Err(message) => batch.storage_error.set(Some(message)),
        }
        batch.saving.update(|n| *n = n.saturating_sub(1));
    });
}

/// Stores the row's text as it is now (description, edits, what it was made with).
pub fn save_text(batch: Batch, row: &Row) {
    let Some(hash) = row.hash.get_untracked() else { return };
    let record = store::TextRecord {
        hash,
        description: row.description.get_untracked(),
        described: row.described.get_untracked(),
    };
    save(batch, async move { store::save_text(&record).await });
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
            if row.problem.get_untracked().is_some() {
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
            if row.problem.get_untracked().is_none() {
                row.problem.set(Some(format!(
                    "{} could not be decoded by this browser (damaged, or a format it does not support).",
                    row.name
                )));
            }
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
    batch.run_id.update(|id| *id += 1);
    let rows = batch.rows.get_untracked();
    batch.rows.set(Vec::new());
    for row in &rows {
        row.hang_up();
        browser::forget(row.id);
    }
    batch.running.set(false);
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
            row.phase.set(Phase::Idle);
            if let Some(text) = text {
                row.description.set(text.description);
                row.described.set(text.described.map(|mut described| {
                    described.key = upgrade_key(&described.key, !described.provider.is_empty());
                    if described.provider.is_empty() {
                        described.provider = FIRST_PROVIDER.to_string();
                    }
                    described
                }));
            }
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

/// Whether "Describe all" should send this row: not when its description is current, and
/// not when the model already declined this exact call (Retry on the row still can).
fn needs_description(row: &Row, settings: &Settings) -> bool {
    let Some(hash) = row.hash.get_untracked() else { return false };
    let key = settings.key_for(&hash);
    row.problem.get_untracked().is_none()
        && !row.phase.get_untracked().in_flight()
        && row.described.get_untracked().map(|d| d.key).as_ref() != Some(&key)
        && row.refused_key.get_untracked().as_ref() != Some(&key)
}

/// Sends every row without a current description, a few at a time.
pub fn describe_all(batch: Batch) {
    if batch.running.get_untracked() {
        return;
    }
    let settings = batch.settings();
    let queue: VecDeque<Row> =
        batch.rows.get_untracked().into_iter().filter(|row| needs_description(row, &settings)).collect();
    if queue.is_empty() {
        let declined = batch.rows.with_untracked(|rows| rows.iter().any(|r| r.phase.get_untracked() == Phase::Refused));
        batch.announce(if declined {
            "Every image already has a description for this prompt, model and detail, or the model declined it; \
             use Retry on a row to ask again."
        } else {
            "Every image already has a description for this prompt, model and detail."
        });
        return;
    }
    for row in &queue {
        row.phase.set(Phase::Queued);
        row.error.set(None);
    }
    let total = queue.len() as u32;
    batch.run_total.set(total);
    batch.run_finished.set(0);
    batch.run_failed.set(0);
    batch.running.set(true);
    batch.announce(format!("Describing {total} images."));
    let run = batch.run_id.get_untracked();
    let queue = Rc::new(RefCell::new(queue));
    let workers = batch.parallel.get_untracked().clamp(1, batch.max_parallel.get_untracked().clamp(1, 8));
    let remaining = Rc::new(RefCell::new(workers));
    for _ in 0..workers {
        let queue = Rc::clone(&queue);
        let remaining = Rc::clone(&remaining);
        let settings = settings.clone();
        spawn_local(async move {
            loop {
                if batch.run_id.get_untracked() != run {
                    return;
                }
                let Some(row) = queue.borrow_mut().pop_front() else { break };
                let outcome = match batch.row(row.id) {
                    Some(row) => describe_row(batch, &row, &settings, run).await,
                    None => Outcome::Cancelled,
                };
                if batch.run_id.get_untracked() != run {
                    return;
                }
                if let Outcome::Cancelled = outcome {
                    // Removed from the table before or while it was described.
                    batch.run_total.update(|n| *n = n.saturating_sub(1));
                    continue;
                }
                batch.run_finished.update(|n| *n += 1);
                if let Outcome::Refused = outcome {
                    batch.run_failed.update(|n| *n += 1);
                }
                if let Outcome::Failed { stop_batch } = outcome {
                    batch.run_failed.update(|n| *n += 1);
                    if stop_batch {
                        let left: Vec<Row> = queue.borrow_mut().drain(..).collect();
                        for row in left {
                            row.phase.set(Phase::Idle);
                        }
                        batch.run_total.set(batch.run_finished.get_untracked());
                    }
                }
            }
            *remaining.borrow_mut() -= 1;
            if *remaining.borrow() == 0 {
                batch.running.set(false);
                let failed = batch.run_failed.get_untracked();
                let finished = batch.run_finished.get_untracked();
                batch.announce(if failed == 0 {
                    format!("Described {finished} images.")
                } else {
                    format!("Finished {finished} images; {failed} failed or declined — see the rows marked error or refused.")
                });
            }
        });
    }
}

/// Stops the run: nothing new is sent, calls under way are hung up, and their rows go
/// back to how they were.
pub fn cancel(batch: Batch) {
    batch.run_id.update(|id| *id += 1);
    batch.running.set(false);
    for row in batch.rows.get_untracked() {
        row.hang_up();
        if row.phase.get_untracked().in_flight() {
            row.draft.set(None);
            row.note.set(None);
            row.phase.set(Phase::Idle);
        }
    }
    batch.announce(format!(
        "Cancelled. {} of {} images were finished; their descriptions are kept.",
        batch.run_finished.get_untracked(),
        batch.run_total.get_untracked()
    ));
}

/// Describes one row again, whatever it has: "Regenerate" and "Retry".
pub fn describe_one(batch: Batch, row: Row) {
    if row.phase.get_untracked().in_flight() || row.problem.get_untracked().is_some() {
        return;
    }
    let settings = batch.settings();
    let run = batch.run_id.get_untracked();
    spawn_local(async move {
        describe_row(batch, &row, &settings, run).await;
    });
}

enum Outcome {
    Done,
    Failed { stop_batch: bool },
    Refused,
    Cancelled,
}

async fn describe_row(batch: Batch, row: &Row, settings: &Settings, run: u64) -> Outcome {
    let Some(hash) = row.hash.get_untracked() else { return Outcome::Cancelled };
    let cancelled = || batch.run_id.get_untracked() != run;
    row.phase.set(Phase::Sending);
    row.error.set(None);
    row.note.set(None);
    let fail = |message: String, stop_batch: bool| {
        row.draft.set(None);
        row.note.set(None);
        row.error.set(Some(message));
        row.phase.set(Phase::Failed);
        Outcome::Failed { stop_batch }
    };
    let image = match browser::upload_for(row.id, settings.resize, settings.detail).await {
        Ok(image) => image,
        Err(message) => return fail(message, false),
    };
    if cancelled() {
        return Outcome::Cancelled;
    }
    let input = DescribeInput {
        image,
        prompt: settings.prompt.clone(),
        provider: settings.provider.clone(),
        model: settings.model.clone(),
        detail: settings.detail,
        max_tokens: settings.max_tokens,
    };
    let (call, registration) = AbortHandle::new_pair();
    row.call.set_value(Some(call));
    let reply = Abortable::new(fetch_reply(row, input), registration).await;
    row.call.set_value(None);
    let Ok(Reply { text, tokens, end }) = reply else { return Outcome::Cancelled };
    if cancelled() {
        return Outcome::Cancelled;
    }
    match end {
        End::Finished => {}
        End::Failed { message, stop_batch } => return fail(message, stop_batch),
        End::Refused(message) => {
            row.draft.set(None);
            row.note.set(None);
            row.error.set(Some(message));
            row.refused_key.set(Some(settings.key_for(&hash)));
            row.phase.set(Phase::Refused);
            return Outcome::Refused;
        }
        End::Closed => {
            return fail(
                "The connection to the picscribe server closed before the description was finished; nothing was saved."
                    .into(),
                false,
            )
        }
    }
    row.description.set(text.trim().to_string());
    row.described.set(Some(Described {
        key: settings.key_for(&hash),
        prompt: settings.prompt.trim().to_string(),
        provider: settings.provider.clone(),
        model: settings.model.trim().to_string(),
        tokens,
    }));
    row.refused_key.set(None);
    row.draft.set(None);
    row.note.set(None);
    row.phase.set(Phase::Idle);
    save_text(batch, row);
    Outcome::Done
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
