//! `picscribe describe --batch`: each image read, keyed and prepared as for an interactive
//! call, its request written as a line of the provider's batch (nothing already described
//! or already waiting in a batch is sent again); batches submitted as they fill, recorded
//! the moment they are accepted; then, unless `--no-wait`, waited for with backoff, what
//! they did not answer sent again, and the outputs written as a run without `--batch`
//! writes them.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use engine::describe::server::batch::collect::{poll, resend, tidy, Polled};
use engine::describe::server::batch::queue::{Meta, Queue};
use engine::store::ItemState;
use futures::StreamExt;
use tokio::sync::mpsc;

use super::collect::Collector;
use super::inputs::{Input, Source};
use super::item::one;
use super::progress::Waiting;
use super::run::{outcomes, price, usage, Done, Outcome, Run, Send, STOPPED};

/// Whether images a batch gave up on are sent again: yes by a rerun of the command, no
/// by `picscribe batches collect` (which only takes in and writes out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resend {
    Failed,
    Not,
}

/// The wait grows from `PICSCRIBE_BATCH_POLL_SECS` to this.
const LONGEST_WAIT: Duration = Duration::from_secs(600);

/// The command line as given and where it was given, so `picscribe batches collect` can
/// write the outputs it asked for.
fn invocation() -> String {
    let args: Vec<String> = std::env::args().collect();
    let cwd = std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default();
    serde_json::json!({"args": args, "cwd": cwd}).to_string()
}

pub async fn run_all(
    run: Arc<Run>,
    rx: mpsc::Receiver<Input>,
    found: Arc<AtomicU64>,
    feed_headers: Option<Vec<String>>,
) -> ExitCode {
    let mut collector = Collector::new(&run, price(&run));
    let meta = Meta {
        model: run.settings.model.trim().to_string(),
        fields: serde_json::to_string(&run.settings.fields).unwrap_or_else(|_| "[]".into()),
        owner: String::new(),
        invocation: Some(invocation()),
    };
    let mut queue = match Queue::new(&run.entry, Arc::clone(&run.store), &run.data_dir, meta, run.batch_lowered) {
        Ok(queue) => queue,
        Err(problem) => return usage(&problem),
    };
    // Inputs whose outcome a batch brings: their place in `--out`, the input, its key.
    let mut waiting: Vec<(usize, Input, String)> = Vec::new();
    let mut refused: HashMap<String, String> = HashMap::new();
    let mut results = outcomes(Arc::clone(&run), rx, Send::Batch);
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    let stopped = loop {
        let next = tokio::select! {
            next = results.next() => next,
            _ = &mut ctrl_c => break true,
        };
        let Some(done) = next else { break false };
        collector.progress.found(found.load(Ordering::Relaxed));
        match done.outcome {
            Outcome::Queued { item, line } => {
                let key = item.key.clone();
                let index = collector.hold_place(&done.input);
                if let Err(more) = queue.push(item, &line).await {
                    refused.extend(more.into_iter().map(|(item, why)| (item.key, why)));
                }
                waiting.push((index, done.input, key));
            }
            Outcome::Pending { key } => {
                let index = collector.hold_place(&done.input);
                waiting.push((index, done.input, key));
            }
            _ => collector.take(&run, done),
        }
    };
    drop(results);
    if let Err(more) = queue.flush().await {
        refused.extend(more.into_iter().map(|(item, why)| (item.key, why)));
    }
    let label = run.entry.naming.label.clone();
    if !queue.submitted.is_empty() {
        collector.progress.clear();
        eprintln!(
            "Sent {} in {} ({}) at the batch rate; {label} answers within {}.",
            engine::text::count(queue.sent, "image", "images"),
            engine::text::count(queue.submitted.len() as u64, "batch", "batches"),
            queue.submitted.join(", "),
            queue.service().window()
        );
    }
    let still_pending = |run: &Run| waiting.iter().any(|(_, _, key)| run.store.is_pending(key).unwrap_or(false));
    if stopped {
        if still_pending(&run) {
            eprintln!(
                "What was sent is recorded; run the same command again (or `picscribe batches collect`) to collect it."
            );
        }
        return collector.finish(&run, feed_headers.as_deref(), true);
    }
    if still_pending(&run) {
        if run.args.no_wait {
            collector.progress.clear();
            for id in &queue.submitted {
                println!("{id}");
            }
            eprintln!(
                "Not waiting. Run `picscribe batches collect` (or this command again) once {label} has answered; \
                 `picscribe batches` shows where they stand."
            );
            return ExitCode::SUCCESS;
        }
        if wait(&run, &mut queue).await {
            eprintln!("Stopped waiting. The batches go on at {label}; run the same command again to collect them.");
            return ExitCode::from(STOPPED);
        }
    }
    tidy(&run.store, &run.data_dir);
    for (index, input, key) in waiting {
        let mut done = settled(&run, input, &key, &refused).await;
        let failed = matches!(done.outcome, Outcome::Failed(_));
        if failed && run.args.fallback == super::Fallback::Interactive && !refused.contains_key(&key) {
            done = one(Arc::clone(&run), done.input, Send::Interactive).await;
        }
        collector.take_at(&run, index, done);
    }
    collector.finish(&run, feed_headers.as_deref(), false)
}

/// Waits for this provider's pending batches, taking in each as it ends and sending again
/// what it did not answer (unless `--fallback interactive` will describe those one by
/// one). True when stopped by ctrl-c.
async fn wait(run: &Run, queue: &mut Queue) -> bool {
    let base = run.batch_poll;
    let mut next = base;
    let mut waiting = Waiting::new();
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        let pending = run.store.pending_batches(Some(&run.entry.id), Some("")).unwrap_or_default();
        if pending.is_empty() {
            waiting.finish();
            return false;
        }
        let (mut total, mut answered, mut states) = (0u64, 0u64, Vec::new());
        for batch in &pending {
            match poll(&run.entry, &run.store, batch).await {
                Ok(Polled::Waiting(status)) => {
                    total += status.total.max(batch.total);
                    answered += status.succeeded;
                    states.push(status.state.word());
                }
                Ok(Polled::Collected { status, described, unanswered, .. }) => {
                    next = base;
                    waiting.say(&format!(
                        "Batch {} {}: {described} answered, {unanswered} not.",
                        batch.batch_id,
                        status.state.word()
                    ));
                }
                Err(error) => waiting.say(&format!(
                    "Could not ask about batch {}: {} Asking again later.",
                    batch.batch_id,
                    error.user_message(1, &run.entry.naming)
                )),
            }
        }
        if run.args.fallback == super::Fallback::Batch {
            let again = resend(queue, &run.store, &run.entry, &run.data_dir).await;
            if again > 0 {
                waiting.say(&format!("Sent {} again in a new batch.", engine::text::count(again, "image", "images")));
                continue;
            }
        }
        if run.store.pending_batches(Some(&run.entry.id), Some("")).is_ok_and(|p| p.is_empty()) {
            continue;
        }
        states.dedup();
        waiting.show(pending.len() as u64, answered, total, &states.join(", "), next);
        tokio::select! {
            () = tokio::time::sleep(next) => {}
            _ = &mut ctrl_c => return true,
        }
        next = next.mul_f64(1.5).min(LONGEST_WAIT);
    }
}

/// What became of an input a batch was to describe: its description, or why there is none.
async fn settled(run: &Run, input: Input, key: &str, refused: &HashMap<String, String>) -> Done {
    let label = &run.entry.naming.label;
    let outcome = match run.store.get(key) {
        Ok(Some(stored)) => Outcome::Described { stored, cached: false, first: None },
        Err(problem) => Outcome::Failed(format!("the results database could not be read: {problem}")),
        Ok(None) => Outcome::Failed(match (refused.get(key), run.store.last_failure(key)) {
            (Some(why), _) => why.clone(),
            (None, Ok(Some((ItemState::Cancelled, _, _)))) => "Its batch was cancelled.".into(),
            (None, Ok(Some((ItemState::Failed, _, why)))) => {
                format!("{label} did not answer it ({why}); run the same command again to send it again.")
            }
            (None, Ok(Some((_, _, why)))) => why,
            (None, _) if run.store.is_pending(key).unwrap_or(false) => {
                "Still waiting in a batch; run `picscribe batches collect` once it is done.".into()
            }
            (None, _) => "No answer came back for it; run the same command again.".into(),
        }),
    };
    // `--write-metadata` needs the files as they were: read again, now that the text is known.
    let mut originals = Vec::new();
    if matches!(outcome, Outcome::Described { .. }) && run.args.write_metadata.is_some() {
        for photo in input.photos() {
            let bytes = match &photo.source {
                Source::File(path) => tokio::fs::read(path).await.ok(),
                Source::Url(url) => engine::fetch::fetch(url, &run.fetch).await.ok().map(|f| f.bytes),
                _ => None,
            };
            originals.push(bytes.unwrap_or_default());
        }
    }
    Done { input, outcome, originals }
}
