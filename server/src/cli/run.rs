//! `picscribe describe`: inputs streamed in, each read (or fetched), hashed and keyed as the
//! page keys it; a key the database already has is not sent again, the rest are prepared
//! and described a few at a time, and every result is kept the moment it arrives.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use engine::describe::cost::price_for;
use engine::describe::server::batch::queue::service;
use engine::describe::server::config::ConfigFile;
use engine::describe::server::{Describer, ProviderEntry};
use engine::fetch::FetchPolicy;
use engine::settings::Settings;
use engine::store::{NewItem, Store, Stored};
use futures::{Stream, StreamExt};
use tokio::sync::{mpsc, Semaphore};

use super::collect::Collector;
use super::inputs::{Grouping, Input, Inputs};
use super::key_locks::KeyLocks;
use super::outputs::out_format;
use super::DescribeArgs;

/// Exit statuses, as `--help` says.
pub const SOME_FAILED: u8 = 1;
pub const USAGE: u8 = 2;
pub const STOPPED: u8 = 130;

/// A 12 MP photo: what an image from a URL is counted as by `--estimate`, which fetches nothing.
pub(super) const UNKNOWN_SIZE: (u32, u32) = (4000, 3000);

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
    pub(super) ceiling: u32,
    /// Decoding and shrinking take a core each: no more at once than there are cores.
    pub(super) cpu: Semaphore,
    /// Set when the provider says no other image can succeed (a refused key, no credit).
    pub(super) stop: AtomicBool,
    /// The same image found twice (a copy in another folder) is described once: the
    /// second waits for the first's result.
    pub(super) same: KeyLocks,
    /// Whether an image a batch gave up on is sent again.
    pub(super) resend: super::batch::Resend,
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

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The base name `{filename}` stands for: what the page knows of a file.
pub(super) fn base_name(name: &str) -> &str {
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
    describer.add_local(&var, &engine::describe::server::discover::Local::default()).await;
    describer.add_builtin(&var);
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
    Box::pin(inputs.map(move |input| super::item::one(Arc::clone(&run), input, send)).buffered(parallel))
}

/// The price of the run's model, at the batch rate with `--batch`.
pub fn price(run: &Run) -> Option<engine::describe::cost::Price> {
    let price = price_for(&run.describer.prices, &run.settings.model)?;
    Some(if run.args.batch { price.at_batch_rate() } else { price.clone() })
}
