//! `picscribe describe`: inputs streamed in, each read (or fetched), hashed and keyed as the
//! page keys it; a key the database already has is not sent again, the rest are prepared
//! and described a few at a time, and every result is kept the moment it arrives.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use engine::describe::cost::{estimate_sentence, price_for, Estimate};
use engine::describe::events::Reply;
use engine::describe::prompt::Facts;
use engine::describe::server::config::ConfigFile;
use engine::describe::server::{Describer, ProviderEntry, VisionRequest};
use engine::export::ExportRow;
use engine::fetch::{fetch, FetchPolicy};
use engine::fields::parse_answer;
use engine::plan::{self, Candidate, Described};
use engine::prepare::{inspect, prepare};
use engine::settings::Settings;
use futures::StreamExt;
use tokio::sync::{mpsc, Semaphore};

use super::inputs::{Input, Inputs, Source};
use super::key_locks::KeyLocks;
use super::outputs::{out_format, per_image, write_out};
use super::progress::{Progress, Tally};
use super::store::{Store, Stored};
use super::DescribeArgs;

/// Exit statuses, as `--help` says.
const SOME_FAILED: u8 = 1;
const USAGE: u8 = 2;
const STOPPED: u8 = 130;

/// A 12 MP photo: what an image from a URL is counted as by `--estimate`, which fetches nothing.
const UNKNOWN_SIZE: (u32, u32) = (4000, 3000);

/// What every image of the run shares.
struct Run {
    args: DescribeArgs,
    settings: Settings,
    describer: Describer,
    entry: ProviderEntry,
    store: Store,
    fetch: FetchPolicy,
    /// The reply cap when `--max-tokens` is not given.
    ceiling: u32,
    /// Decoding and shrinking take a core each: no more at once than there are cores.
    cpu: Semaphore,
    /// Set when the provider says no other image can succeed (a refused key, no credit).
    stop: AtomicBool,
    /// The same image found twice (a copy in another folder) is described once: the
    /// second waits for the first's result.
    same: KeyLocks,
}

/// What became of one input.
enum Outcome {
    Described {
        stored: Stored,
        cached: bool,
    },
    /// `--estimate`: what it would cost, with its size known or assumed.
    Estimated {
        input: u32,
        output: u32,
    },
    Failed(String),
    NoImage,
}

struct Done {
    input: Input,
    outcome: Outcome,
    /// The file as read, kept for `--write-metadata`.
    original: Option<Vec<u8>>,
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("picscribe describe: {problem}");
    ExitCode::from(USAGE)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The base name `{filename}` stands for: what the page knows of a file.
fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

pub async fn describe(args: DescribeArgs, file: Option<ConfigFile>) -> ExitCode {
    let var = engine::describe::server::config::env_var;
    let describer = match Describer::load(&var, file.as_ref()) {
        Ok(describer) => describer,
        Err(err) => return usage(&err.to_string()),
    };
    let access = match app::access::server::config::load(&var, file.as_ref().map(ConfigFile::as_pair)) {
        Ok(access) => access,
        Err(err) => return usage(&err.to_string()),
    };
    let (settings, entry) = match super::settings::settings(&args, &describer) {
        Ok((settings, entry)) => (settings, entry.clone()),
        Err(problem) => return usage(&problem),
    };
    if let Some(out) = &args.out {
        if let Err(problem) = out_format(out) {
            return usage(&problem);
        }
    }
    let fetch = match FetchPolicy::from_env(&var) {
        Ok(policy) => policy,
        Err(problem) => return usage(&problem),
    };
    let inputs = match Inputs::from_args(&args) {
        Ok(inputs) => inputs,
        Err(problem) => return usage(&problem),
    };
    let store = match Store::open(&access.data_dir) {
        Ok(store) => store,
        Err(problem) => return usage(&problem),
    };
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let run = Arc::new(Run {
        args,
        settings,
        describer,
        entry,
        store,
        fetch,
        ceiling: access.max_output_tokens,
        cpu: Semaphore::new(cores),
        stop: AtomicBool::new(false),
        same: KeyLocks::default(),
    });
    let feed_headers = inputs.feed_headers().map(<[String]>::to_vec);
    let found = Arc::new(AtomicU64::new(0));
    let (tx, rx) = mpsc::channel::<Input>(256);
    let counter = Arc::clone(&found);
    // The walk runs on its own thread, a channel's length ahead of the work.
    tokio::task::spawn_blocking(move || inputs.send_all(&tx, &counter));
    run_all(run, rx, found, feed_headers).await
}

async fn run_all(
    run: Arc<Run>,
    rx: mpsc::Receiver<Input>,
    found: Arc<AtomicU64>,
    feed_headers: Option<Vec<String>>,
) -> ExitCode {
    let price = price_for(&run.describer.prices, &run.settings.model).cloned();
    let mut progress = Progress::new(price.clone());
    let mut tally = Tally::default();
    let mut estimate = Estimate::default();
    let mut assumed = 0u64;
    let mut failures: Vec<(String, String)> = Vec::new();
    let keep_rows = run.args.out.is_some();
    let mut rows: Vec<(Option<Vec<String>>, Option<ExportRow>)> = Vec::new();
    let parallel = usize::from(run.args.parallel);
    let inputs = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|input| (input, rx)) });
    let mut results = Box::pin(inputs.map(|input| one(Arc::clone(&run), input)).buffered(parallel));
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    let stopped = loop {
        let next = tokio::select! {
            next = results.next() => next,
            _ = &mut ctrl_c => break true,
        };
        let Some(done) = next else { break false };
        progress.found(found.load(Ordering::Relaxed));
        let Done { input, outcome, original } = done;
        let row = match outcome {
            Outcome::Described { stored, cached } => {
                if cached {
                    tally.cached += 1;
                } else {
                    tally.described += 1;
                    if let Some((i, o)) = stored.usage {
                        tally.input_tokens += u64::from(i);
                        tally.output_tokens += u64::from(o);
                    }
                }
                // With values the writers export those, never the answer's JSON text.
                let (text, values) = (stored.text.clone(), stored.values.clone());
                let mut row = ExportRow::new(&input.name, text, values, Some(&stored.described));
                if let Source::Url(url) = &input.source {
                    row.url = url.clone();
                }
                if let Err(problem) = per_image(&run.args, &input, &row, original.as_deref()) {
                    progress.say(&format!("{}: {problem}", input.name));
                    failures.push((input.name.clone(), problem));
                }
                Some(row)
            }
            Outcome::Estimated { input: tokens_in, output } => {
                estimate.add(tokens_in, output);
                if matches!(input.source, Source::Url(_)) {
                    assumed += 1;
                }
                None
            }
            Outcome::Failed(sentence) => {
                tally.failed += 1;
                progress.say(&format!("{}: {sentence}", display_name(&input)));
                failures.push((display_name(&input), sentence));
                None
            }
            Outcome::NoImage => {
                tally.without_image += 1;
                None
            }
        };
        if keep_rows {
            rows.push((input.cells, row));
        }
        progress.update(&tally);
    };
    drop(results);
    let summary = progress.finish(&tally);
    if run.args.estimate {
        let model = &run.settings.model;
        println!("{}", estimate_sentence(&estimate, price.as_ref(), model));
        if tally.cached > 0 {
            println!("{} already described are not counted.", tally.cached);
        }
        if assumed > 0 {
            println!("{assumed} images from URLs are counted as 12 MP photos (nothing was fetched).");
        }
    } else if let (Some(out), false) = (&run.args.out, stopped && rows.is_empty()) {
        if let Err(problem) = write_out(out, feed_headers.as_deref(), &rows) {
            eprintln!("picscribe describe: {problem}");
            return ExitCode::from(SOME_FAILED);
        }
    }
    eprintln!("{summary}");
    if !failures.is_empty() {
        eprintln!("Not described:");
        for (name, why) in &failures {
            eprintln!("  {name}: {why}");
        }
    }
    if stopped {
        eprintln!("Stopped. What was described is kept; run the same command again to go on.");
        return ExitCode::from(STOPPED);
    }
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(SOME_FAILED)
    }
}

fn display_name(input: &Input) -> String {
    match &input.source {
        Source::Url(url) => url.clone(),
        _ => input.name.clone(),
    }
}

/// Reads, keys and (unless it is already described) describes one input.
async fn one(run: Arc<Run>, input: Input) -> Done {
    let keep = run.args.write_metadata.is_some();
    let (outcome, original) = match &input.source {
        Source::Nothing => (Outcome::NoImage, None),
        Source::Problem(why) => (Outcome::Failed(why.clone()), None),
        Source::Url(url) if run.args.estimate => (estimate_only(&run, &input.name, None), None),
        Source::File(path) => match read(path, &input.name).await {
            Ok(bytes) => {
                let outcome = image(&run, &input.name, &bytes).await;
                (outcome, keep.then_some(bytes))
            }
            Err(why) => (Outcome::Failed(why), None),
        },
        Source::Url(url) => match fetch(url, &run.fetch).await {
            Ok(fetched) => {
                let outcome = image(&run, &input.name, &fetched.bytes).await;
                (outcome, keep.then_some(fetched.bytes))
            }
            Err(err) => (Outcome::Failed(err.sentence(url)), None),
        },
    };
    Done { input, outcome, original }
}

async fn read(path: &PathBuf, name: &str) -> Result<Vec<u8>, String> {
    tokio::fs::read(path).await.map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => format!("{name} does not exist."),
        _ => format!("{name} could not be read: {err}."),
    })
}

/// What `--estimate` counts for one image; one of unknown size (from a URL, not fetched)
/// as a 12 MP photo.
fn estimate_only(run: &Run, name: &str, size: Option<(u32, u32)>) -> Outcome {
    let size = size.unwrap_or(UNKNOWN_SIZE);
    let facts = Facts { filename: base_name(name), size: Some(size), existing: Some("") };
    let prompt = run.settings.prompt_for("", &facts);
    let (input, output) = run.settings.expected_tokens(run.entry.kind, size, &prompt, run.ceiling);
    Outcome::Estimated { input, output }
}

/// The key of a file's call: what the page computes for the same file chosen in the
/// browser — the SHA-256 of its bytes in lowercase hex (as `crypto.subtle` gives it), its
/// base name for `{filename}`, its size as seen (after EXIF orientation), no own prompt.
fn file_key(settings: &Settings, name: &str, bytes: &[u8], size: (u32, u32)) -> String {
    let facts = Facts { filename: base_name(name), size: Some(size), existing: None };
    settings.key_for(&sha256_hex(bytes), "", &facts)
}

/// One image's bytes: checked, keyed, and described unless the key is already done.
async fn image(run: &Run, name: &str, bytes: &[u8]) -> Outcome {
    let inspected = match inspect(name, bytes) {
        Ok(inspected) => inspected,
        Err(why) => return Outcome::Failed(why),
    };
    let facts = Facts { filename: base_name(name), size: Some(inspected.size), existing: None };
    let key = file_key(&run.settings, name, bytes, inspected.size);
    let Some(_turn) = run.same.turn(&key).await else {
        return Outcome::Failed("The run's bookkeeping broke; run the same command again.".into());
    };
    let stored = match run.store.get(&key) {
        Ok(stored) => stored,
        Err(problem) => return Outcome::Failed(format!("the results database could not be read: {problem}")),
    };
    let candidate = Candidate {
        key: Some(&key),
        ready: true,
        described: stored.as_ref().map(|s| s.described.key.as_str()),
        ..Candidate::default()
    };
    if plan::skip(&candidate, false).is_some() {
        if let Some(stored) = stored {
            return Outcome::Described { stored, cached: true };
        }
    }
    if run.args.estimate {
        return estimate_only(run, name, Some(inspected.size));
    }
    if run.stop.load(Ordering::Relaxed) {
        return Outcome::Failed(
            "Not sent: the provider refused an earlier image in a way no other can succeed.".into(),
        );
    }
    let prepared = {
        let Ok(_core) = run.cpu.acquire().await else { return Outcome::Failed("The run was stopped.".into()) };
        let (owned, bytes) = (name.to_string(), bytes.to_vec());
        let (rule, detail) = (run.settings.resize, run.settings.detail);
        match tokio::task::spawn_blocking(move || prepare(&owned, &bytes, rule, detail)).await {
            Ok(Ok(prepared)) => prepared,
            Ok(Err(why)) => return Outcome::Failed(why),
            Err(_) => return Outcome::Failed(format!("{name} could not be prepared: the decoder crashed.")),
        }
    };
    let prompt = run.settings.prompt_for("", &Facts { existing: Some(""), ..facts });
    let request = VisionRequest {
        model: run.settings.model.trim().to_string(),
        prompt: prompt.trim().to_string(),
        image_url: prepared.data_url,
        detail: run.settings.detail,
        max_tokens: run.settings.max_tokens.unwrap_or(run.ceiling),
        fields: run.settings.fields.clone(),
        native_schema: true,
    };
    let mut events = Box::pin(run.describer.describe(&run.entry, request));
    let mut reply = Reply::default();
    while let Some(event) = events.next().await {
        if reply.see(event) {
            break;
        }
    }
    if let Some(engine::describe::events::End::Failed { stop_batch: true, .. }) = &reply.end {
        run.stop.store(true, Ordering::Relaxed);
    }
    if let Some(why) = reply.failure() {
        return Outcome::Failed(why);
    }
    let values = if run.settings.fields.is_empty() {
        None
    } else {
        match parse_answer(&run.settings.fields, &reply.text) {
            Ok(values) => Some(values),
            Err(misfit) => return Outcome::Failed(format!("The answer did not fit the fields: {misfit}.")),
        }
    };
    let stored = Stored {
        text: reply.text.trim().to_string(),
        values,
        described: Described {
            key,
            prompt: prompt.trim().to_string(),
            provider: run.settings.provider.clone(),
            model: run.settings.model.trim().to_string(),
            tokens: reply.usage.map(|(i, o)| i + o),
        },
        usage: reply.usage,
    };
    if let Err(problem) = run.store.put(&stored) {
        return Outcome::Failed(format!("described, but the result could not be kept: {problem}"));
    }
    Outcome::Described { stored, cached: false }
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
