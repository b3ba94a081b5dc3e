//! `picscribe batches`: the batches `describe --batch` sent, where they stand (from the
//! data directory, without asking anyone), collecting what has finished (and writing the
//! outputs each sending command asked for, by running it again: everything is in the
//! cache by then), and cancelling.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use engine::describe::server::batch::collect::{poll, resend, tidy, Polled};
use engine::describe::server::batch::queue::{service, Meta, Queue};
use engine::describe::server::config::ConfigFile;
use engine::describe::server::Describer;
use engine::store::{BatchRow, Store};

use super::batch::Resend;
use super::run::{describe_with, usage, SOME_FAILED};
use super::{BatchesAction, BatchesArgs, Cli, Command};

/// "2026-12-01 10:42 UTC"
fn when(secs: i64) -> String {
    let at = std::time::UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).unwrap_or(0));
    let minutes = (secs.rem_euclid(86_400)) / 60;
    format!("{} {:02}:{:02} UTC", app::access::server::budget::day(at), minutes / 60, minutes % 60)
}

pub async fn batches(args: BatchesArgs, file: Option<ConfigFile>) -> ExitCode {
    let var = engine::describe::server::config::env_var;
    let access = match app::access::server::config::load(&var, file.as_ref().map(ConfigFile::as_pair)) {
        Ok(access) => access,
        Err(err) => return usage(&err.to_string()),
    };
    let store = match Store::open(&access.data_dir) {
        Ok(store) => store,
        Err(problem) => return usage(&problem),
    };
    match args.action.unwrap_or(BatchesAction::List) {
        BatchesAction::List => list(&store),
        action => {
            let describer = match Describer::load(&var, file.as_ref()) {
                Ok(describer) => describer,
                Err(err) => return usage(&err.to_string()),
            };
            match action {
                BatchesAction::Cancel { id } => cancel(&describer, &store, &id).await,
                _ => collect(&describer, store, &access, file).await,
            }
        }
    }
}

fn list(store: &Store) -> ExitCode {
    let batches = match store.all_batches() {
        Ok(batches) => batches,
        Err(problem) => return usage(&problem),
    };
    if batches.is_empty() {
        eprintln!("No batches yet: `picscribe describe … --batch` sends some.");
        return ExitCode::SUCCESS;
    }
    println!(
        "{:<36} {:<10} {:<20} {:<24} {:>7} {:>9}  SENT",
        "BATCH", "PROVIDER", "MODEL", "STATE", "IMAGES", "ANSWERED"
    );
    for b in &batches {
        let state = match b.state.as_str() {
            "pending" => format!("pending ({})", b.provider_state),
            other => other.to_string(),
        };
        let owner = if b.owner.is_empty() { String::new() } else { format!("  by {}", b.owner) };
        println!(
            "{:<36} {:<10} {:<20} {:<24} {:>7} {:>9}  {}{owner}",
            b.batch_id,
            b.provider,
            b.model,
            state,
            b.total,
            b.answered,
            when(b.submitted_at)
        );
    }
    ExitCode::SUCCESS
}

/// Asks about each of the command's pending batches once; takes in those that are over,
/// sends again what they did not answer, and writes the outputs of each command whose
/// batches have all come back.
async fn collect(
    describer: &Describer,
    store: Store,
    access: &app::access::server::AccessSettings,
    file: Option<ConfigFile>,
) -> ExitCode {
    let data_dir = access.data_dir.as_path();
    let store = std::sync::Arc::new(store);
    let pending = match store.pending_batches(None, Some("")) {
        Ok(pending) => pending,
        Err(problem) => return usage(&problem),
    };
    if pending.is_empty() {
        eprintln!("No batches are waiting.");
    }
    let mut finished: BTreeSet<String> = BTreeSet::new();
    let mut failed = false;
    for batch in &pending {
        let Some(entry) = describer.provider(&batch.provider) else {
            eprintln!("{}: the provider “{}” is no longer configured.", batch.batch_id, batch.provider);
            failed = true;
            continue;
        };
        match poll(entry, &store, batch).await {
            Ok(Polled::Waiting(status)) => eprintln!(
                "{}: {}, {} of {} answered.",
                batch.batch_id,
                status.state.word(),
                status.succeeded,
                status.total.max(batch.total)
            ),
            Ok(Polled::Collected { status, described, unanswered, input_tokens, output_tokens }) => {
                eprintln!(
                    "{}: {}; {described} described, {unanswered} not; {} tokens.",
                    batch.batch_id,
                    status.state.word(),
                    engine::describe::cost::thousands(input_tokens + output_tokens)
                );
                again(entry, &store, access, batch).await;
                finished.extend(batch.invocation.clone());
            }
            Err(error) => {
                eprintln!("{}: {}", batch.batch_id, error.user_message(1, &entry.naming));
                failed = true;
            }
        }
    }
    tidy(&store, data_dir);
    let still: Vec<BatchRow> = store.pending_batches(None, Some("")).unwrap_or_default();
    for invocation in finished {
        if still.iter().any(|b| b.invocation.as_deref() == Some(invocation.as_str())) {
            continue;
        }
        if rerun(&invocation, file.clone()).await != ExitCode::SUCCESS {
            failed = true;
        }
    }
    if failed {
        ExitCode::from(SOME_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

/// Sends again, in a batch like `batch`, what the provider did not answer.
async fn again(
    entry: &engine::describe::server::ProviderEntry,
    store: &std::sync::Arc<Store>,
    access: &app::access::server::AccessSettings,
    batch: &BatchRow,
) {
    let data_dir = access.data_dir.as_path();
    let meta = Meta {
        model: batch.model.clone(),
        fields: batch.fields.clone(),
        owner: batch.owner.clone(),
        invocation: batch.invocation.clone(),
    };
    if let Ok(mut queue) = Queue::new(entry, std::sync::Arc::clone(store), data_dir, meta, access.batch_lowered) {
        let sent = resend(&mut queue, store, entry, data_dir).await;
        if sent > 0 {
            eprintln!("Sent {} again: {}.", engine::text::count(sent, "image", "images"), queue.submitted.join(", "));
        }
    }
}

/// Runs a command that sent batches again, where it was run, to write its outputs.
async fn rerun(invocation: &str, file: Option<ConfigFile>) -> ExitCode {
    let recorded: serde_json::Value = serde_json::from_str(invocation).unwrap_or_default();
    let args: Vec<String> = recorded["args"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
        .unwrap_or_default();
    let Ok(Cli { command: Some(Command::Describe(mut describe)) }) = Cli::try_parse_from(&args) else {
        eprintln!("The command that sent a batch could not be read again; run it yourself to write its outputs.");
        return ExitCode::from(SOME_FAILED);
    };
    if let Some(cwd) = recorded["cwd"].as_str() {
        if let Err(err) = std::env::set_current_dir(cwd) {
            eprintln!("Could not go back to {cwd} to write the outputs: {err}.");
            return ExitCode::from(SOME_FAILED);
        }
    }
    eprintln!("Writing the outputs of: {}", args.join(" "));
    describe.no_wait = true;
    Box::pin(describe_with(*describe, file, Resend::Not)).await
}

async fn cancel(describer: &Describer, store: &Store, id: &str) -> ExitCode {
    let batch = match store.batch(id) {
        Ok(Some(batch)) => batch,
        Ok(None) => return usage(&format!("there is no batch “{id}”; `picscribe batches` lists them")),
        Err(problem) => return usage(&problem),
    };
    if batch.state != "pending" {
        eprintln!("{id} is {} already.", batch.state);
        return ExitCode::SUCCESS;
    }
    let Some(entry) = describer.provider(&batch.provider) else {
        return usage(&format!("the provider “{}” is no longer configured", batch.provider));
    };
    let service = match service(entry) {
        Ok(service) => service,
        Err(problem) => return usage(&problem),
    };
    if let Err(error) = service.cancel(id).await {
        eprintln!("{id} was not cancelled: {}", error.user_message(1, &entry.naming));
        return ExitCode::from(SOME_FAILED);
    }
    // Cancelling takes a moment; what it answered before is kept.
    for _ in 0..10 {
        match poll(entry, store, &batch).await {
            Ok(Polled::Collected { described, .. }) => {
                eprintln!("{id} is cancelled; {described} it had answered are kept.");
                return ExitCode::SUCCESS;
            }
            Ok(Polled::Waiting(_)) => tokio::time::sleep(Duration::from_secs(1)).await,
            Err(error) => {
                eprintln!("{id}: {}", error.user_message(1, &entry.naming));
                break;
            }
        }
    }
    eprintln!("{id} is being cancelled; `picscribe batches collect` takes in what it answered.");
    ExitCode::SUCCESS
}
