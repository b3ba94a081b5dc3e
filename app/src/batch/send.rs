//! "Send as a batch" in the browser: the rows "Describe all" would send go to the server
//! one at a time into a draft, then the draft is sent; the rows say since when they are in
//! a batch. The page asks the server by its rows' keys what has come back — after sending,
//! after a reload, and every little while as long as a row waits — and fills rows in as
//! any description. Runs in the browser only.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::ask::{kept_sentence, skip, take_kept};
use super::run::{input_for, keep, prepared};
use super::{Answer, Batch, Phase, Row};
use crate::browser;
use crate::fields;
use crate::jobs::{add_to_batch, batch_results, cancel_batches, send_batch, JobLine, JobState};
use crate::text::count;

/// How often the page asks while a row waits in a batch.
const LOOK_EVERY_MS: i32 = 15_000;

/// "10:42", in the browser's own time.
fn clock(since: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(since as f64 * 1000.0));
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

fn in_batch(since: i64) -> Phase {
    Phase::InBatch { note: format!("In a batch since {}", clock(since)) }
}

/// Sends every row "Describe all" would send through the provider's batch service.
pub fn send_all(batch: Batch) {
    if batch.running() {
        return;
    }
    let settings = batch.settings();
    if let Err(problem) = fields::check(&settings.fields) {
        batch.announce(format!("Fix the fields first: {problem}"));
        return;
    }
    let include_edited = batch.include_edited.get_untracked();
    let second = batch.compared_settings(false);
    let taken = kept_sentence(take_kept(batch, (&settings, second.as_ref()), include_edited));
    let rows: Vec<Row> =
        batch.rows.get_untracked().into_iter().filter(|row| skip(row, &settings, include_edited).is_none()).collect();
    if rows.is_empty() {
        batch.announce(format!("Every image already has a description for this prompt, model and detail.{taken}"));
        return;
    }
    for row in &rows {
        row.phase.set(Phase::Queued);
    }
    batch.announce(format!("Preparing {} for a batch.{taken}", count(rows.len() as u64, "image", "images")));
    let draft = format!("{:x}", (js_sys::Math::random() * 9.0e15) as u64);
    spawn_local(async move {
        let mut added = Vec::new();
        for row in rows {
            row.phase.set(Phase::Sending);
            match add_row(&row, &settings, &draft).await {
                Ok(()) => added.push(row),
                Err(sentence) => row.phase.set(Phase::Failed { sentence }),
            }
        }
        if added.is_empty() {
            batch.announce("Nothing was sent: no row could be added to the batch; see the rows.");
            return;
        }
        match send_batch(draft).await {
            Ok(sent) => {
                for row in &added {
                    row.phase.set(in_batch(sent.since));
                }
                batch.announce(format!(
                    "Sent {} as a batch, at about half the price. They fill in here when the provider has \
                     answered (within 24 hours); you may close this page.",
                    count(u64::from(sent.images), "image", "images")
                ));
                look_later(batch);
            }
            Err(error) => {
                for row in &added {
                    row.settle();
                }
                batch.announce(format!("The batch was not sent: {error}"));
            }
        }
    });
}

/// One row's request, prepared as for an interactive call, into the draft.
async fn add_row(row: &Row, settings: &super::Settings, draft: &str) -> Result<(), String> {
    let key = row.key(settings).ok_or_else(|| format!("{} is not read yet.", row.name))?;
    let input = input_for(row, settings, prepared(row, settings).await?);
    let line = JobLine { draft: draft.to_string(), key, name: row.name.to_string(), input };
    add_to_batch(line).await.map_err(|error| error.to_string())
}

/// Asks again in a while, once.
fn look_later(batch: Batch) {
    if batch.looking.get_value() {
        return;
    }
    batch.looking.set_value(true);
    spawn_local(async move {
        browser::sleep(LOOK_EVERY_MS).await;
        batch.looking.set_value(false);
        look(batch);
    });
}

/// Asks the server what has become of the rows without a description for the current
/// settings (a batch may hold them), and fills in what came back.
pub fn look(batch: Batch) {
    let settings = batch.settings();
    let mut asked: Vec<(String, Row)> = Vec::new();
    batch.rows.with_untracked(|rows| {
        for row in rows {
            let waiting = row.phase.with_untracked(|p| matches!(p, Phase::InBatch { .. } | Phase::Ready));
            if let (true, Some(key)) = (waiting, row.key(&settings)) {
                asked.push((key, row.clone()));
            }
        }
    });
    if asked.is_empty() {
        return;
    }
    asked.truncate(crate::jobs::MAX_KEYS);
    spawn_local(async move {
        let keys = asked.iter().map(|(key, _)| key.clone()).collect();
        // Not signed in, or the server away: nothing to fill in now.
        let Ok(found) = batch_results(keys).await else { return };
        let mut filled = 0u64;
        for (key, state) in found {
            let Some((_, row)) = asked.iter().find(|(k, _)| *k == key) else { continue };
            if batch.row(row.id).is_none() {
                continue;
            }
            match state {
                JobState::Done { text, values, described } => {
                    let fields = settings.fields.clone();
                    keep(batch, row, Answer { text, values, fields, described, usage: None });
                    filled += 1;
                }
                JobState::Pending { since, .. } => row.phase.set(in_batch(since)),
                JobState::Failed { sentence } => row.phase.set(Phase::Failed { sentence }),
            }
        }
        if filled > 0 {
            batch.announce(format!("{} came back from a batch.", count(filled, "description", "descriptions")));
        }
        let waiting = batch
            .rows
            .with_untracked(|rows| rows.iter().any(|r| matches!(r.phase.get_untracked(), Phase::InBatch { .. })));
        if waiting {
            look_later(batch);
        }
    });
}

/// "Cancel batch": the caller's batches still with the provider are cancelled; what they
/// answered before fills in.
pub fn cancel_all(batch: Batch) {
    spawn_local(async move {
        match cancel_batches().await {
            Ok(n) => {
                batch.announce(format!(
                    "Cancelled {}; what was answered before fills in.",
                    count(u64::from(n), "batch", "batches")
                ));
                browser::sleep(2_000).await;
                look(batch);
            }
            Err(error) => batch.announce(format!("The batch was not cancelled: {error}")),
        }
    });
}
