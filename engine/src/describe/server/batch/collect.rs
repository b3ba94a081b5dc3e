//! Taking in what a batch brought back: each result matched to its request by id alone
//! (results come in any order), read by the same rule as an interactive reply, and kept
//! with the request's key in one transaction; a request not answered is marked to be sent
//! again, up to [`MAX_ATTEMPTS`] in all.

use std::collections::HashMap;
use std::path::Path;

use super::queue::{lines_file, service, Queue, Refused};
use crate::describe::batch::{Line, Outcome, State, Status};
use crate::describe::events::StreamEvent;
use crate::describe::server::{Heard, Naming, ProviderEntry, ProviderError};
use crate::fields::{parse_answer, Field};
use crate::plan::Described;
use crate::store::{BatchRow, ItemRow, ItemState, NewItem, Store, Stored, Unanswered};

/// The first send and three more.
pub const MAX_ATTEMPTS: u32 = 4;

/// What one look at a batch found.
#[derive(Clone, Debug, PartialEq)]
pub enum Polled {
    /// Still under way, as the provider counts it.
    Waiting(Status),
    /// Over, and its results are in the store.
    Collected { status: Status, described: u64, unanswered: u64, input_tokens: u64, output_tokens: u64 },
}

/// Looks at one pending batch; when it is over, takes its results in.
pub async fn poll(entry: &ProviderEntry, store: &Store, batch: &BatchRow) -> Result<Polled, ProviderError> {
    let service = service(entry).map_err(|_| ProviderError::Rejected { status: 404 })?;
    let status = service.status(&batch.batch_id).await?;
    if !status.state.is_over() {
        let _ = store.saw(batch.row, status.state.word(), status.succeeded);
        return Ok(Polled::Waiting(status));
    }
    let items = store.items(batch.row).map_err(stored)?;
    let ids: Vec<String> = items.iter().map(|i| i.custom_id.clone()).collect();
    let lines = service.results(&status, &ids).await?;
    let fields: Vec<Field> = serde_json::from_str(&batch.fields).unwrap_or_default();
    let (described, unanswered) = ingest(batch, &items, lines, status.state, &fields, &entry.naming);
    let cancelled = status.state == State::Cancelled;
    store.settle(batch.row, &described, &unanswered, cancelled).map_err(stored)?;
    let _ = store.saw(batch.row, status.state.word(), described.len() as u64);
    let tokens = |pick: fn(&(u32, u32)) -> u32| {
        described.iter().filter_map(|(_, s)| s.usage.as_ref()).map(|u| u64::from(pick(u))).sum::<u64>()
    };
    tracing::info!(batch = %batch.batch_id, described = described.len(), unanswered = unanswered.len(), "batch collected");
    Ok(Polled::Collected {
        described: described.len() as u64,
        unanswered: unanswered.len() as u64,
        input_tokens: tokens(|u| u.0),
        output_tokens: tokens(|u| u.1),
        status,
    })
}

fn stored(problem: String) -> ProviderError {
    tracing::error!(%problem, "the batch results could not be kept");
    ProviderError::Malformed
}

/// Matches result lines to the batch's pending requests by id: the answers that stand, as
/// descriptions; the rest with what became of them (to send again, or not, and why).
pub fn ingest(
    batch: &BatchRow,
    items: &[ItemRow],
    lines: Vec<Line>,
    state: State,
    fields: &[Field],
    naming: &Naming,
) -> (Vec<(String, Stored)>, Vec<Unanswered>) {
    let mut by_id: HashMap<String, Outcome> = lines.into_iter().map(|l| (l.custom_id, l.outcome)).collect();
    let mut described = Vec::new();
    let mut unanswered = Vec::new();
    for item in items.iter().filter(|i| i.state == ItemState::Pending) {
        let id = item.custom_id.clone();
        match by_id.remove(&id) {
            Some(Outcome::Answered(events)) => match answer(batch, item, events, fields, naming) {
                Ok(stored) => described.push((id, stored)),
                Err(sentence) => unanswered.push((id, ItemState::GivenUp, sentence)),
            },
            Some(Outcome::Failed(reason)) if state == State::Cancelled => {
                unanswered.push((id, ItemState::Cancelled, reason))
            }
            Some(Outcome::Failed(reason)) => unanswered.push((id, ItemState::Failed, reason)),
            None if state == State::Cancelled => unanswered.push((id, ItemState::Cancelled, "cancelled".into())),
            None if state == State::Expired => unanswered.push((id, ItemState::Failed, "batch expired".into())),
            None if state == State::Failed => unanswered.push((id, ItemState::Failed, "batch failed".into())),
            None => unanswered.push((id, ItemState::Failed, "missing from the results".into())),
        }
    }
    (described, unanswered)
}

/// One answer, read as an interactive reply is: a refusal or an answer that does not fit
/// the fields is that image's sentence, and asking again in a batch will not change it.
fn answer(
    batch: &BatchRow,
    item: &ItemRow,
    events: Vec<crate::describe::reply::ChunkEvent>,
    fields: &[Field],
    naming: &Naming,
) -> Result<Stored, String> {
    let mut heard = Heard::default();
    for event in events {
        heard.hear(event);
    }
    match heard.verdict(fields, naming) {
        StreamEvent::Done => {}
        StreamEvent::Refused { message } | StreamEvent::Error { message, .. } => return Err(message),
        _ => return Err(format!("{}'s answer could not be read.", naming.label)),
    }
    let values = if fields.is_empty() {
        None
    } else {
        Some(
            parse_answer(fields, &heard.text)
                .map_err(|misfit| format!("The answer did not fit the fields: {misfit}."))?,
        )
    };
    Ok(Stored {
        text: heard.text.trim().to_string(),
        values,
        described: Described {
            key: item.key.clone(),
            prompt: item.prompt.clone(),
            provider: batch.provider.clone(),
            model: batch.model.clone(),
            tokens: heard.usage.map(|(i, o)| i + o),
        },
        usage: heard.usage,
    })
}

/// Sends the requests of `owner`'s batches that were not answered again, in new batches,
/// reading their lines from the batches they were in; those that have had
/// [`MAX_ATTEMPTS`] (or cannot be sent) are given up with the sentence why. Returns how
/// many were sent again.
pub async fn resend(queue: &mut Queue, store: &Store, entry: &ProviderEntry, data_dir: &Path) -> u64 {
    let meta = queue.meta();
    let Ok(failed) = store.failed_items(&entry.id, &meta.owner, &meta.model, &meta.fields) else { return 0 };
    let (last, again): (Vec<ItemRow>, Vec<ItemRow>) = failed.into_iter().partition(|i| i.attempt >= MAX_ATTEMPTS);
    let label = &entry.naming.label;
    let mut given_up: Vec<(ItemRow, String)> = last
        .into_iter()
        .map(|item| {
            let why = item.reason.clone().unwrap_or_else(|| "no answer".into());
            let sentence = format!("{label} did not answer it in {} batches (the last: {why}).", item.attempt);
            (item, sentence)
        })
        .collect();
    let before = queue.sent;
    let mut refused: Refused = Vec::new();
    let mut by_batch: HashMap<i64, Vec<ItemRow>> = HashMap::new();
    for item in &again {
        by_batch.entry(item.batch).or_default().push(item.clone());
    }
    for (row, items) in by_batch {
        let lines = read_lines(&lines_file(data_dir, row), &items);
        for item in items {
            let new = NewItem {
                custom_id: item.custom_id.clone(),
                key: item.key.clone(),
                name: item.name.clone(),
                prompt: item.prompt.clone(),
                attempt: item.attempt + 1,
                // What it costs is charged when it is answered.
                expected: 0,
            };
            match lines.get(&item.custom_id) {
                Some(line) => {
                    if let Err(more) = queue.push(new, line).await {
                        refused.extend(more);
                    }
                }
                None => refused.push((new, format!("{}'s request could not be found to send again.", item.name))),
            }
        }
    }
    if let Err(more) = queue.flush().await {
        refused.extend(more);
    }
    for (new, why) in refused {
        if let Some(item) = again.iter().find(|i| i.custom_id == new.custom_id) {
            given_up.push((item.clone(), why));
        }
    }
    if let Err(problem) = store.give_up(&given_up) {
        tracing::error!(%problem, "could not mark requests as given up");
    }
    queue.sent - before
}

/// The lines of `items` in a batch's file, by id.
fn read_lines(path: &Path, items: &[ItemRow]) -> HashMap<String, Vec<u8>> {
    let wanted: std::collections::HashSet<&str> = items.iter().map(|i| i.custom_id.as_str()).collect();
    let Ok(text) = std::fs::read_to_string(path) else { return HashMap::new() };
    text.lines()
        .filter_map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).ok()?;
            let id = value["custom_id"].as_str().or(value["metadata"]["key"].as_str())?;
            wanted.contains(id).then(|| (id.to_string(), line.as_bytes().to_vec()))
        })
        .collect()
}

/// Removes the line files of batches nothing more will be sent from.
pub fn tidy(store: &Store, data_dir: &Path) {
    let Ok(batches) = store.all_batches() else { return };
    for batch in batches.iter().filter(|b| b.state != "pending") {
        let path = lines_file(data_dir, batch.row);
        if path.exists() && store.items(batch.row).is_ok_and(|items| items.iter().all(|i| i.state != ItemState::Failed))
        {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::reply::{ChunkEvent, Usage};
    use crate::fields::FieldKind;

    fn naming() -> Naming {
        Naming { label: "OpenAI".into(), key_setting: "OPENAI_API_KEY".into(), url_setting: "OPENAI_BASE_URL".into() }
    }

    fn item(custom_id: &str, key: &str) -> ItemRow {
        ItemRow {
            batch: 1,
            custom_id: custom_id.into(),
            key: key.into(),
            name: format!("{key}.jpg"),
            prompt: "Alt".into(),
            attempt: 1,
            state: ItemState::Pending,
            reason: None,
        }
    }

    fn batch() -> BatchRow {
        BatchRow {
            row: 1,
            provider: "openai".into(),
            service: "open_ai".into(),
            batch_id: "batch_1".into(),
            model: "gpt-4o-mini".into(),
            fields: "[]".into(),
            owner: String::new(),
            invocation: None,
            state: "pending".into(),
            provider_state: "completed".into(),
            answered: 0,
            total: 4,
            reserved: 0,
            input_tokens: 0,
            output_tokens: 0,
            submitted_at: 0,
            finished_at: None,
        }
    }

    fn answered(id: &str, text: &str) -> Line {
        let usage = Usage { prompt_tokens: 100, completion_tokens: 5 };
        Line {
            custom_id: id.into(),
            outcome: Outcome::Answered(vec![
                ChunkEvent::Delta(text.into()),
                ChunkEvent::Finished,
                ChunkEvent::Usage(usage),
            ]),
        }
    }

    #[test]
    fn results_are_matched_by_id_whatever_their_order() {
        let items = [item("a", "key-a"), item("b", "key-b"), item("c", "key-c"), item("d", "key-d")];
        let lines = vec![
            Line { custom_id: "c".into(), outcome: Outcome::Failed("HTTP 400, image_parse_error".into()) },
            answered("b", "A blue cup."),
            answered("a", "A red mug."),
            answered("zzz", "Not one of ours."),
        ];
        let (described, unanswered) = ingest(&batch(), &items, lines, State::Completed, &[], &naming());
        let texts: Vec<(&str, &str, &str)> =
            described.iter().map(|(id, s)| (id.as_str(), s.described.key.as_str(), s.text.as_str())).collect();
        assert_eq!(texts, [("a", "key-a", "A red mug."), ("b", "key-b", "A blue cup.")], "in the order they were sent");
        assert_eq!(described[0].1.usage, Some((100, 5)));
        assert_eq!(
            unanswered,
            [
                ("c".to_string(), ItemState::Failed, "HTTP 400, image_parse_error".to_string()),
                ("d".to_string(), ItemState::Failed, "missing from the results".to_string()),
            ]
        );
    }

    #[test]
    fn refusals_and_misfits_are_that_images_sentence_not_sent_again() {
        let fields = [crate::fields::Field::new("alt_text", FieldKind::Text, "")];
        let items = [item("a", "key-a"), item("b", "key-b"), item("c", "key-c")];
        let lines = vec![
            answered("a", r#"{"alt_text": "A red mug."}"#),
            answered("b", r#"{"other": 1}"#),
            answered("c", "I'm sorry, but I can't help with that."),
        ];
        let (described, unanswered) = ingest(&batch(), &items, lines, State::Completed, &fields, &naming());
        assert_eq!(described.len(), 1);
        assert_eq!(
            described[0].1.values.as_ref().and_then(|v| v.get("alt_text")).and_then(|v| v.as_str()),
            Some("A red mug.")
        );
        assert_eq!(
            unanswered.iter().map(|(id, state, _)| (id.as_str(), *state)).collect::<Vec<_>>(),
            [("b", ItemState::GivenUp), ("c", ItemState::GivenUp)]
        );
        assert!(unanswered[0].2.starts_with("OpenAI answered, but"), "{}", unanswered[0].2);
    }

    #[test]
    fn an_expired_or_cancelled_batch_says_so_for_what_it_did_not_answer() {
        let items = [item("a", "key-a"), item("b", "key-b")];
        let (_, expired) = ingest(&batch(), &items, vec![answered("a", "A red mug.")], State::Expired, &[], &naming());
        assert_eq!(expired, [("b".to_string(), ItemState::Failed, "batch expired".to_string())]);
        let (_, cancelled) = ingest(&batch(), &items, Vec::new(), State::Cancelled, &[], &naming());
        assert!(cancelled.iter().all(|(_, state, _)| *state == ItemState::Cancelled));
    }
}
