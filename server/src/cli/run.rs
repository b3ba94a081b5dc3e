//! `picscribe describe`: inputs streamed in, each read (or fetched), hashed and keyed as the
//! page keys it; a key the database already has is not sent again, the rest are prepared
//! and described a few at a time, and every result is kept the moment it arrives.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use engine::describe::batch::custom_id;
use engine::describe::cost::price_for;
use engine::describe::events::Reply;
use engine::describe::prompt::Facts;
use engine::describe::server::batch::queue::service;
use engine::describe::server::config::ConfigFile;
use engine::describe::server::{Describer, ProviderEntry, VisionRequest};
use engine::fetch::{fetch, FetchPolicy};
use engine::fields::parse_answer;
use engine::items::item_hash;
use engine::plan::{self, Candidate, Described};
use engine::prepare::{inspect, prepare};
use engine::settings::Settings;
use engine::store::{ItemState, NewItem, Store, Stored};
use futures::{Stream, StreamExt};
use tokio::sync::{mpsc, Semaphore};

use super::collect::Collector;
use super::inputs::{Grouping, Input, Inputs, Source};
use super::key_locks::KeyLocks;
use super::outputs::out_format;
use super::DescribeArgs;

/// Exit statuses, as `--help` says.
pub const SOME_FAILED: u8 = 1;
pub const USAGE: u8 = 2;
pub const STOPPED: u8 = 130;

/// A 12 MP photo: what an image from a URL is counted as by `--estimate`, which fetches nothing.
const UNKNOWN_SIZE: (u32, u32) = (4000, 3000);

/// What every image of the run shares.
pub struct Run {
    pub args: DescribeArgs,
    pub settings: Settings,
    pub describer: Describer,
    pub entry: ProviderEntry,
    pub store: Arc<Store>,
    pub data_dir: PathBuf,
    pub fetch: FetchPolicy,
    /// The reply cap when `--max-tokens` is not given.
    ceiling: u32,
    /// Decoding and shrinking take a core each: no more at once than there are cores.
    cpu: Semaphore,
    /// Set when the provider says no other image can succeed (a refused key, no credit).
    stop: AtomicBool,
    /// The same image found twice (a copy in another folder) is described once: the
    /// second waits for the first's result.
    same: KeyLocks,
    /// Whether an image a batch gave up on is sent again.
    resend: super::batch::Resend,
    /// How often to ask about batches, at first, and lower limits per batch (the access
    /// settings', as the server reads them).
    pub batch_poll: std::time::Duration,
    pub batch_lowered: (Option<u64>, Option<u64>),
    /// Where the rows go instead of `--out` (`--compare` writes them side by side).
    pub sink: Option<RowSink>,
}

/// What `--out` is written from: each feed row's cells (if a feed) and its export row.
pub type Rows = Vec<(Option<Vec<String>>, Option<engine::export::ExportRow>)>;
pub type RowSink = Arc<std::sync::Mutex<Rows>>;

/// What became of one input.
pub enum Outcome {
    Described {
        stored: Stored,
        cached: bool,
        /// What a first stage used: its model, input and output.
        first: Option<(String, u32, u32)>,
    },
    /// `--batch`: ready to go into a batch, as this line.
    Queued {
        item: NewItem,
        line: Vec<u8>,
    },
    /// `--batch`: already in a batch the provider has not answered yet.
    Pending {
        key: String,
    },
    /// `--estimate`: what it would cost, with its size known or assumed.
    Estimated {
        input: u32,
        output: u32,
        /// A first stage's calls, priced by its model.
        first: Option<(&'static str, u32)>,
    },
    Failed(String),
    NoImage,
}

pub struct Done {
    pub input: Input,
    pub outcome: Outcome,
    /// The file as read, kept for `--write-metadata`.
    pub originals: Vec<Vec<u8>>,
}

/// How an image is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Send {
    Interactive,
    Batch,
}

pub fn usage(problem: &str) -> ExitCode {
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
    if !args.compare.is_empty() {
        return super::compare::compare(args, file).await;
    }
    describe_with(args, file, super::batch::Resend::Failed).await
}

/// `describe`, with what to do about images a batch gave up on (sent again by a rerun;
/// not by `picscribe batches collect`).
pub async fn describe_with(args: DescribeArgs, file: Option<ConfigFile>, resend: super::batch::Resend) -> ExitCode {
    describe_into(args, file, resend, None).await
}

/// `describe`, its rows handed to `sink` instead of written to `--out`.
pub async fn describe_into(
    args: DescribeArgs,
    file: Option<ConfigFile>,
    resend: super::batch::Resend,
    sink: Option<RowSink>,
) -> ExitCode {
    let var = engine::describe::server::config::env_var;
    let mut describer = match Describer::load(&var, file.as_ref()) {
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
    // An estimate calls nothing, so it needs no sign-in.
    if let Err(why) = if args.estimate { Ok(()) } else { entry.sign_in().await } {
        return usage(&why);
    }
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
    let grouping = match Grouping::from_args(&args, &inputs) {
        Ok(grouping) => grouping,
        Err(problem) => return usage(&problem),
    };
    if args.batch && !args.estimate {
        if let Err(problem) = service(&entry) {
            return usage(&problem);
        }
    }
    let store = match Store::open(&access.data_dir) {
        Ok(store) => Arc::new(store),
        Err(problem) => return usage(&problem),
    };
    // First stages' answers are kept with the descriptions, across runs.
    describer.analyses = store.clone();
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let run = Arc::new(Run {
        args,
        settings,
        describer,
        entry,
        store,
        data_dir: access.data_dir.clone(),
        fetch,
        ceiling: access.max_output_tokens,
        cpu: Semaphore::new(cores),
        stop: AtomicBool::new(false),
        same: KeyLocks::default(),
        resend,
        batch_poll: access.batch_poll,
        batch_lowered: access.batch_lowered,
        sink,
    });
    let feed_headers = inputs.feed_headers().map(<[String]>::to_vec);
    let found = Arc::new(AtomicU64::new(0));
    let (tx, rx) = mpsc::channel::<Input>(256);
    let counter = Arc::clone(&found);
    // The walk runs on its own thread, a channel's length ahead of the work.
    tokio::task::spawn_blocking(move || inputs.send_all(grouping, &tx, &counter));
    if run.args.batch && !run.args.estimate {
        super::batch::run_all(run, rx, found, feed_headers).await
    } else {
        run_all(run, rx, found, feed_headers).await
    }
}

async fn run_all(
    run: Arc<Run>,
    rx: mpsc::Receiver<Input>,
    found: Arc<AtomicU64>,
    feed_headers: Option<Vec<String>>,
) -> ExitCode {
    let mut collector = Collector::new(&run, price(&run));
    let mut results = outcomes(Arc::clone(&run), rx, Send::Interactive);
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    let stopped = loop {
        let next = tokio::select! {
            next = results.next() => next,
            _ = &mut ctrl_c => break true,
        };
        let Some(done) = next else { break false };
        collector.progress.found(found.load(Ordering::Relaxed));
        collector.take(&run, done);
    };
    drop(results);
    collector.finish(&run, feed_headers.as_deref(), stopped)
}

/// Each input's outcome, `--parallel` at a time, in the inputs' order.
pub fn outcomes(
    run: Arc<Run>,
    rx: mpsc::Receiver<Input>,
    send: Send,
) -> std::pin::Pin<Box<dyn Stream<Item = Done> + std::marker::Send>> {
    let parallel = usize::from(run.args.parallel);
    let inputs = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|input| (input, rx)) });
    Box::pin(inputs.map(move |input| one(Arc::clone(&run), input, send)).buffered(parallel))
}

/// The price of the run's model, at the batch rate with `--batch`.
pub fn price(run: &Run) -> Option<engine::describe::cost::Price> {
    let price = price_for(&run.describer.prices, &run.settings.model)?;
    Some(if run.args.batch { price.at_batch_rate() } else { price.clone() })
}

/// Reads, keys and (unless it is already described) describes one input — an item of
/// several photos is one call — or makes its batch line.
pub async fn one(run: Arc<Run>, input: Input, send: Send) -> Done {
    let keep = run.args.write_metadata.is_some();
    let photos: Vec<&Input> = input.photos().collect();
    if photos.is_empty() {
        return Done { input, outcome: Outcome::NoImage, originals: Vec::new() };
    }
    if run.args.estimate && photos.iter().any(|p| matches!(p.source, Source::Url(_))) {
        let outcome = estimate_only(&run, &photos[0].name, &vec![None; photos.len()]);
        return Done { input, outcome, originals: Vec::new() };
    }
    let mut read_in = Vec::new();
    for photo in &photos {
        let bytes = match &photo.source {
            Source::Problem(why) => Err(why.clone()),
            Source::File(path) => read(path, &photo.name).await,
            Source::Url(url) => fetch(url, &run.fetch).await.map(|f| f.bytes).map_err(|err| err.sentence(url)),
            Source::Nothing => continue,
        };
        match bytes {
            Ok(bytes) => read_in.push((photo.name.clone(), bytes)),
            Err(why) => return Done { input, outcome: Outcome::Failed(why), originals: Vec::new() },
        }
    }
    let outcome = image(&run, &read_in, send).await;
    let originals = if keep { read_in.into_iter().map(|(_, bytes)| bytes).collect() } else { Vec::new() };
    Done { input, outcome, originals }
}

async fn read(path: &PathBuf, name: &str) -> Result<Vec<u8>, String> {
    tokio::fs::read(path).await.map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => format!("{name} does not exist."),
        _ => format!("{name} could not be read: {err}."),
    })
}

/// What `--estimate` counts for one item, by each photo's size; one of unknown size (from
/// a URL, not fetched) as a 12 MP photo.
fn estimate_only(run: &Run, name: &str, sizes: &[Option<(u32, u32)>]) -> Outcome {
    let size = |i: usize| sizes.get(i).copied().flatten().unwrap_or(UNKNOWN_SIZE);
    let facts = Facts { filename: base_name(name), size: Some(size(0)), existing: Some("") };
    let prompt = run.settings.prompt_for("", &facts);
    let (mut input, output) = run.settings.expected_tokens(run.entry.kind, size(0), &prompt, run.ceiling);
    for i in 1..sizes.len() {
        input += run.settings.image_tokens(run.entry.kind, size(i));
    }
    Outcome::Estimated { input, output, first: run.settings.first_stage_use(&prompt) }
}

/// The key of an item's call: what the page computes for the same files chosen in the
/// browser — the SHA-256 of each one's bytes in lowercase hex (as `crypto.subtle` gives
/// it), in order; the first one's base name for `{filename}` and its size as seen (after
/// EXIF orientation); no own prompt.
fn file_key(settings: &Settings, name: &str, photos: &[(String, Vec<u8>)], size: (u32, u32)) -> String {
    let facts = Facts { filename: base_name(name), size: Some(size), existing: None };
    let hashes: Vec<String> = photos.iter().map(|(_, bytes)| sha256_hex(bytes)).collect();
    settings.key_for(&item_hash(hashes.iter().map(String::as_str)), "", &facts)
}

/// An item's photos (one or several): checked, keyed, and described together unless the
/// key is already done (or, in a batch, already waiting in one).
async fn image(run: &Run, photos: &[(String, Vec<u8>)], send: Send) -> Outcome {
    let Some((name, _)) = photos.first() else { return Outcome::NoImage };
    let name = name.as_str();
    let max = run.entry.kind.descriptor().max_images as usize;
    if photos.len() > max.min(engine::describe::MAX_ITEM_IMAGES) {
        return Outcome::Failed(format!(
            "{} takes at most {} in one request, and this item has {} photos.",
            run.entry.naming.label,
            engine::text::count(max.min(engine::describe::MAX_ITEM_IMAGES) as u64, "image", "images"),
            photos.len()
        ));
    }
    let mut sizes = Vec::new();
    for (photo, bytes) in photos {
        match inspect(photo, bytes) {
            Ok(inspected) => sizes.push(inspected.size),
            Err(why) => return Outcome::Failed(why),
        }
    }
    let facts = Facts { filename: base_name(name), size: Some(sizes[0]), existing: None };
    let key = file_key(&run.settings, name, photos, sizes[0]);
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
            return Outcome::Described { stored, cached: true, first: None };
        }
    }
    if run.args.estimate {
        return estimate_only(run, name, &sizes.iter().copied().map(Some).collect::<Vec<_>>());
    }
    if send == Send::Batch {
        match run.store.is_pending(&key) {
            Ok(true) => return Outcome::Pending { key },
            Ok(false) => {}
            Err(problem) => return Outcome::Failed(format!("the results database could not be read: {problem}")),
        }
        if run.resend == super::batch::Resend::Not {
            match run.store.last_failure(&key) {
                Ok(Some((ItemState::Cancelled, _, _))) => return Outcome::Failed("Its batch was cancelled.".into()),
                Ok(Some((ItemState::GivenUp, _, why))) => return Outcome::Failed(why),
                _ => {}
            }
        }
    }
    if run.stop.load(Ordering::Relaxed) {
        return Outcome::Failed(
            "Not sent: the provider refused an earlier image in a way no other can succeed.".into(),
        );
    }
    let mut prepared = Vec::new();
    for (photo, bytes) in photos {
        let Ok(_core) = run.cpu.acquire().await else { return Outcome::Failed("The run was stopped.".into()) };
        let (owned, bytes) = (photo.clone(), bytes.clone());
        let (rule, detail) = (run.settings.resize, run.settings.detail);
        match tokio::task::spawn_blocking(move || prepare(&owned, &bytes, rule, detail)).await {
            Ok(Ok(done)) => prepared.push(done.data_url),
            Ok(Err(why)) => return Outcome::Failed(why),
            Err(_) => return Outcome::Failed(format!("{photo} could not be prepared: the decoder crashed.")),
        }
    }
    let mut prepared = prepared.into_iter();
    let first = prepared.next().unwrap_or_default();
    let prompt = run.settings.prompt_for("", &Facts { existing: Some(""), ..facts });
    let request = VisionRequest {
        model: run.settings.model.trim().to_string(),
        prompt: prompt.trim().to_string(),
        image_url: first,
        more_images: prepared.collect(),
        detail: run.settings.detail,
        max_tokens: run.settings.max_tokens.unwrap_or(run.ceiling),
        fields: run.settings.fields.clone(),
        native_schema: true,
        temperature: run.settings.temperature,
    };
    if send == Send::Batch {
        return batch_line(run, name, key, request);
    }
    let mut events = match &run.settings.analyse {
        Some(first) => run.describer.describe_after(first.clone(), run.entry.clone(), request).boxed(),
        None => run.describer.describe(&run.entry, request).boxed(),
    };
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
    Outcome::Described { stored, cached: false, first: reply.first }
}

/// The request as a line of the provider's batch, under the id its key gives.
fn batch_line(run: &Run, name: &str, key: String, request: VisionRequest) -> Outcome {
    let service = match service(&run.entry) {
        Ok(service) => service,
        Err(problem) => return Outcome::Failed(problem),
    };
    let id = custom_id(&key);
    match service.line(&id, &request) {
        Ok(line) => Outcome::Queued {
            item: NewItem {
                custom_id: id,
                key,
                name: name.to_string(),
                prompt: request.prompt,
                attempt: 1,
                expected: 0,
            },
            line,
        },
        Err(err) => Outcome::Failed(format!("{name} could not be written as a batch request: {err}.")),
    }
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
