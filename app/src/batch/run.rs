//! Describing: all rows that need it as a bounded stream of calls, one row again, cancel.
//! Runs in the browser only.

use std::cell::Cell;
use std::rc::Rc;

use futures::future::{AbortHandle, Abortable};
use futures::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::actions::save_text;
use super::ask::{kept_sentence, take_kept, Ask, Both};
use super::call::{fetch_reply, End, Reply};
use super::{Answer, Batch, Described, Missed, Phase, Row, Settings};
use crate::browser;
use crate::describe::cost::{dollars, estimate_sentence, price_for, Estimate};
use crate::describe::prompt::Facts;
use crate::describe::DescribeInput;
use crate::fields::{self, parse_answer};
use crate::plan::Skip;
use crate::text::count;

/// What "Describe all" would cost now: the rows it would send, each image at the size it
/// leaves at, counted by the provider's own rule, the prompt, and a typical answer; in
/// dollars when the model has a price. Reads without listening; see
/// [`super::watch::watch_estimate`].
pub fn estimate(batch: Batch) -> Option<String> {
    let settings = batch.settings();
    let include_edited = batch.include_edited.get_untracked();
    let ceiling = batch.max_output_tokens.get_untracked();
    let second = batch.compared_settings(false);
    batch.providers.with_untracked(|info| {
        let provider = info.choose(&settings.provider)?;
        let mut estimate = Estimate::default();
        // One call's expected tokens: the row's images, the prompt and a typical answer.
        let expected = |row: &Row, settings: &Settings, prompt: &str| {
            let kind = info.choose(&settings.provider).map_or(provider.kind, |p| p.kind);
            let size = row.dims.get_untracked().unwrap_or_default();
            let (mut input, output) = settings.expected_tokens(kind, size, prompt, ceiling);
            for photo in row.photos.get_untracked() {
                input += photo.dims.get_untracked().map_or(0, |size| settings.image_tokens(kind, size));
            }
            (input, output)
        };
        batch.rows.with_untracked(|rows| {
            for row in rows {
                let Some(size) = row.dims.get_untracked() else { continue };
                let Ok(ask) = Ask::in_run(row, (&settings, second.as_ref()), include_edited) else { continue };
                let (first, other) = (ask.first, second.as_ref().filter(|_| ask.second));
                let existing = row.text();
                let facts = Facts { filename: &row.name, size: Some(size), existing: Some(&existing) };
                let prompt = settings.prompt_for(&row.prompt.get_untracked(), &facts);
                if first {
                    let (input, output) = expected(row, &settings, &prompt);
                    estimate.add(input, output);
                    if let Some((model, calls)) = settings.first_stage_use(&prompt) {
                        estimate.add_first(calls, price_for(&info.prices, model));
                    }
                }
                if let Some(second) = other {
                    let (input, output) = expected(row, second, &prompt);
                    estimate.add_second(input, output, price_for(&info.prices, &second.model), !first);
                }
            }
        });
        Some(estimate_sentence(&estimate, price_for(&info.prices, &settings.model), &settings.model))
    })
}

/// Sends every row that needs a description, a few at a time.
pub fn describe_all(batch: Batch) {
    if batch.run.with_untracked(|run| run.is_some_and(|r| r.active)) {
        return;
    }
    let settings = batch.settings();
    if let Err(problem) = fields::check(&settings.fields) {
        batch.announce(format!("Fix the fields first: {problem}"));
        return;
    }
    let include_edited = batch.include_edited.get_untracked();
    let second = batch.compared_settings(false);
    let taken = take_kept(batch, (&settings, second.as_ref()), include_edited);
    let rows = batch.rows.get_untracked();
    let asks: Vec<Result<Ask, Skip>> =
        rows.iter().map(|row| Ask::in_run(row, (&settings, second.as_ref()), include_edited)).collect();
    let edited = asks.iter().filter(|s| **s == Err(Skip::Edited)).count();
    let queue: Vec<(Row, Ask)> = rows.into_iter().zip(asks).filter_map(|(row, ask)| Some((row, ask.ok()?))).collect();
    let mut kept = kept_sentence(taken);
    if edited > 0 {
        kept.push_str(&format!(
            " Skipped {} a person wrote; tick “Include edited rows” to replace them.",
            count(edited as u64, "edited row", "edited rows")
        ));
    }
    if queue.is_empty() {
        let declined = batch
            .rows
            .with_untracked(|rows| rows.iter().any(|r| matches!(r.phase.get_untracked(), Phase::Refused { .. })));
        let said = if declined {
            "Every image already has a description for this prompt, model and detail, or the model declined it; \
             use Retry on a row to ask again."
        } else {
            "Every image already has a description for this prompt, model and detail."
        };
        batch.announce(format!("{said}{kept}"));
        return;
    }
    for (row, _) in &queue {
        row.phase.set(Phase::Queued);
    }
    let run = batch.start_run(queue.len() as u32, &settings.model);
    batch.announce(format!("Describing {}.{kept}", count(queue.len() as u64, "image", "images")));
    let workers = batch.parallel.get_untracked().clamp(1, batch.max_parallel.get_untracked().clamp(1, 8));
    // Set when an answer says no later call can succeed (the key, the account, the budget).
    let stopped = Rc::new(Cell::new(false));
    spawn_local(async move {
        futures::stream::iter(queue)
            .for_each_concurrent(workers as usize, |(row, ask)| {
                let settings = settings.clone();
                let second = second.clone();
                let stopped = Rc::clone(&stopped);
                async move { take_turn(batch, row, (&settings, second.as_ref()), ask, run, &stopped).await }
            })
            .await;
        if !batch.is_current(run) {
            return;
        }
        let Some(ended) = batch.end_run() else { return };
        batch.announce(if ended.failed == 0 {
            format!("Described {} images.", ended.finished)
        } else {
            format!(
                "Finished {} images; {} failed or declined — see the rows marked error or refused.",
                ended.finished, ended.failed
            )
        });
    });
}

/// One row's turn in a run: described, or passed over when the run was cancelled or
/// stopped, or the row removed, and counted.
async fn take_turn(batch: Batch, row: Row, settings: Both<'_>, ask: Ask, run: u64, stopped: &Cell<bool>) {
    if !batch.is_current(run) {
        return;
    }
    if stopped.get() {
        row.settle();
        return;
    }
    let outcome = match batch.row(row.id) {
        Some(row) => describe_both(batch, &row, settings, ask, Some(run)).await,
        None => Outcome::Cancelled,
    };
    batch.update_run(run, |counts| match outcome {
        // Removed from the table before or while it was described.
        Outcome::Cancelled => counts.total = counts.total.saturating_sub(1),
        Outcome::Done => counts.finished += 1,
        Outcome::Refused | Outcome::Failed { .. } => {
            counts.finished += 1;
            counts.failed += 1;
        }
    });
    if let Outcome::Failed { stop_batch: true } = outcome {
        if !stopped.replace(true) {
            // The rows still waiting go back to how they were and leave the count.
            let waiting = batch
                .rows
                .with_untracked(|rows| rows.iter().filter(|r| r.phase.get_untracked() == Phase::Queued).count() as u32);
            batch.update_run(run, |counts| counts.total = counts.total.saturating_sub(waiting));
        }
    }
}

/// Stops the run: nothing new is sent, calls under way are hung up, and their rows go
/// back to how they were.
pub fn cancel(batch: Batch) {
    let ended = batch.end_run();
    for row in batch.rows.get_untracked() {
        row.hang_up();
        if row.phase.get_untracked().in_flight() {
            row.settle();
        }
    }
    let (finished, total) = ended.map_or((0, 0), |run| (run.finished, run.total));
    batch.announce(format!("Cancelled. {finished} of {total} images were finished; their descriptions are kept."));
}

/// Describes one row again, whatever it has: "Regenerate" and "Retry". Text a person wrote
/// is only replaced once they say so.
pub fn describe_one(batch: Batch, row: Row) {
    if !row.phase.get_untracked().can_describe() {
        return;
    }
    if let Some(hand) = row.hand.get_untracked() {
        let question = format!("{} has {} text. Replace it with a new description?", row.name, hand.label());
        if !browser::confirm(&question) {
            return;
        }
    }
    let (settings, second) = (batch.settings(), batch.compared_settings(false));
    let ask = Ask::again(&row, (&settings, second.as_ref()));
    spawn_local(async move {
        describe_both(batch, &row, (&settings, second.as_ref()), ask, None).await;
    });
}

/// Asks the models `ask` names about the row: the chosen one, then the compared one; a
/// first answer that fails is the row's outcome, and the second is not asked.
async fn describe_both(batch: Batch, row: &Row, (settings, second): Both<'_>, ask: Ask, run: Option<u64>) -> Outcome {
    if ask.first {
        let outcome = describe_row(batch, row, settings, run, true).await;
        if !matches!(outcome, Outcome::Done) {
            return outcome;
        }
    }
    match second.filter(|_| ask.second) {
        Some(second) => describe_row(batch, row, second, run, false).await,
        None => Outcome::Done,
    }
}

enum Outcome {
    Done,
    Failed { stop_batch: bool },
    Refused,
    Cancelled,
}

/// Describes one row, as part of the run `run` or on its own. Stops early when the run is
/// cancelled or the row leaves the table; a hang-up (Cancel, Remove) ends the call itself.
/// The answer of the `chosen` model becomes the row's text; the compared one's is kept
/// beside it ([`Row::remember`]).
async fn describe_row(batch: Batch, row: &Row, settings: &Settings, run: Option<u64>, chosen: bool) -> Outcome {
    let Some(key) = row.key(settings) else { return Outcome::Cancelled };
    let cancelled = || run.is_some_and(|id| !batch.is_current(id)) || batch.row(row.id).is_none();
    row.note.set(None);
    row.phase.set(Phase::Sending);
    let fail = |sentence: String, stop_batch: bool| {
        row.note.set(None);
        row.missed.set(Some(Missed { key: key.clone(), sentence: sentence.clone(), declined: false }));
        row.phase.set(Phase::Failed { sentence });
        Outcome::Failed { stop_batch }
    };
    let images = match prepared(row, settings).await {
        Ok(images) => images,
        Err(message) => return fail(message, false),
    };
    if cancelled() {
        return Outcome::Cancelled;
    }
    let input = input_for(row, settings, images);
    let prompt = input.prompt.clone();
    let (call, registration) = AbortHandle::new_pair();
    row.call.set_value(Some(call));
    // The other model's answer does not stream into the row's text.
    let reply = Abortable::new(fetch_reply(row, input, chosen), registration).await;
    row.call.set_value(None);
    let Ok(Reply { text, usage, end, first }) = reply else { return Outcome::Cancelled };
    // What the provider says was used counts, whatever came of the call.
    if let (Some(run), Some((input, output))) = (run, usage) {
        let spent = batch.providers.with_untracked(|info| {
            price_for(&info.prices, &settings.model).map_or(0.0, |p| dollars(u64::from(input), u64::from(output), p))
        });
        batch.update_run(run, |counts| {
            if !chosen {
                counts.second += u64::from(input + output);
                counts.second_dollars += spent;
            } else {
                counts.input += u64::from(input);
                counts.output += u64::from(output);
            }
        });
    }
    if let (Some(run), Some((model, input, output))) = (run, first) {
        let spent = batch.providers.with_untracked(|info| {
            price_for(&info.prices, &model).map_or(0.0, |p| dollars(u64::from(input), u64::from(output), p))
        });
        batch.update_run(run, |counts| {
            counts.first += u64::from(input + output);
            counts.first_dollars += spent;
        });
    }
    let tokens = usage.map(|(input, output)| input + output);
    if cancelled() {
        return Outcome::Cancelled;
    }
    match end {
        Some(End::Finished) => {}
        Some(End::Failed { message, stop_batch }) => return fail(message, stop_batch),
        Some(End::Refused(sentence)) => {
            row.note.set(None);
            row.missed.set(Some(Missed { key: key.clone(), sentence: sentence.clone(), declined: true }));
            row.phase.set(Phase::Refused { sentence, key });
            return Outcome::Refused;
        }
        // The stream ended without saying how.
        None => {
            return fail(
                "The connection to the picscribe server closed before the description was finished; nothing was saved."
                    .into(),
                false,
            )
        }
    }
    // The server checked the answer already; a page that cannot read it keeps the row.
    let values = if settings.fields.is_empty() {
        None
    } else {
        match parse_answer(&settings.fields, &text) {
            Ok(values) => Some(values),
            Err(misfit) => {
                return fail(format!("The answer did not fit the fields: {misfit}. Retry to ask again."), false)
            }
        }
    };
    let described = Described {
        key,
        prompt: prompt.trim().to_string(),
        provider: settings.provider.clone(),
        model: settings.model.trim().to_string(),
        tokens,
    };
    let answer = Answer { text, values, fields: settings.fields.clone(), described, usage };
    if chosen {
        keep(batch, row, answer);
    } else {
        row.remember(answer);
        row.settle();
        save_text(batch, row);
    }
    Outcome::Done
}

/// The row's images as they leave the browser ([`browser::upload_for`]): its own, then
/// the item's other photos in order.
pub(super) async fn prepared(row: &Row, settings: &Settings) -> Result<Vec<String>, String> {
    let mut images = Vec::new();
    for member in row.members() {
        images.push(browser::upload_for(member.id, settings.resize, settings.detail).await?);
    }
    Ok(images)
}

/// What the server is asked for one row, interactively or in a batch: its images as
/// prepared ([`prepared`]), its prompt with the row's facts filled in, the settings.
pub(super) fn input_for(row: &Row, settings: &Settings, mut images: Vec<String>) -> DescribeInput {
    let existing = row.text();
    let facts = Facts { filename: &row.name, size: row.dims.get_untracked(), existing: Some(&existing) };
    let image = if images.is_empty() { String::new() } else { images.remove(0) };
    DescribeInput {
        image,
        more_images: images,
        prompt: settings.prompt_for(&row.prompt.get_untracked(), &facts),
        provider: settings.provider.clone(),
        model: settings.model.clone(),
        detail: settings.detail,
        max_tokens: settings.max_tokens,
        fields: settings.fields.clone(),
        temperature: settings.temperature,
        analyse: settings.analyse.clone(),
    }
}

/// A finished description into its row, in one place whoever brought it (a call, a
/// batch, a kept answer chosen): the text or the fields, what made it, kept among the
/// row's answers, and saved in this browser.
pub(super) fn keep(batch: Batch, row: &Row, answer: Answer) {
    row.remember(answer.clone());
    let Answer { text, values, fields, described, .. } = answer;
    match values {
        None => {
            row.description.set(text.trim().to_string());
            row.values.set(None);
            row.fields.set(Vec::new());
        }
        Some(values) => {
            row.values.set(Some(values));
            row.fields.set(fields);
        }
    }
    row.described.set(Some(described));
    row.hand.set(None);
    row.note.set(None);
    row.phase.set(Phase::Done);
    save_text(batch, row);
}
