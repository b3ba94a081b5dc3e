//! The server's half of "Send as a batch": the drafts it holds for each user, the batches
//! it sends and records for them, and the one task that polls the providers for every
//! user's pending batches (the page may have been closed), keeps their answers, charges
//! what they report, and sends again what they did not answer.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use engine::describe::batch::custom_id;
use engine::describe::server::batch::collect::{poll, resend, tidy, Polled};
use engine::describe::server::batch::queue::{service, Meta, Queue};
use engine::describe::server::limits::request_tokens;
use engine::describe::server::Describer;
use engine::store::{ItemState, NewItem, Store};

use super::{JobLine, JobState, Sent, MAX_KEYS};
use crate::access::server::Caller;
use crate::describe::api::server::request_for;
use crate::error::ApiError;

const MAX_DRAFT_ID: usize = 64;
const MAX_KEY_CHARS: usize = 4_000;
const MAX_DRAFT_ROWS: u64 = 100_000;
/// A draft not sent within this long is dropped (nothing was paid for it).
const DRAFT_LIFETIME: Duration = Duration::from_secs(3600);

/// One user's draft: the queue its lines go into, and what they are expected to cost.
struct Draft {
    queue: Queue,
    provider: String,
    model: String,
    fields: String,
    rows: u64,
    expected: u64,
    started: Instant,
}

/// A draft, locked while a row goes in (adding may upload a full batch).
type Shared = Arc<tokio::sync::Mutex<Draft>>;

/// The batches sent from the page. Cheap to clone; the database opens on first use.
#[derive(Clone)]
pub struct Jobs {
    inner: Arc<Inner>,
}

struct Inner {
    data_dir: PathBuf,
    store: OnceLock<Result<Arc<Store>, String>>,
    /// By user and draft id.
    drafts: Mutex<HashMap<(String, String), Shared>>,
    polling: AtomicBool,
    every: Duration,
    /// Lower limits per batch than the provider's (requests, bytes).
    lowered: (Option<u64>, Option<u64>),
}

fn unavailable(problem: &str) -> ApiError {
    tracing::error!(%problem, "the batches database could not be used");
    ApiError::Unavailable(
        "The server could not keep its batches; ask whoever runs it to check the data directory.".into(),
    )
}

impl Jobs {
    /// Batches kept in the data directory's database, polled and cut as the settings say.
    pub fn new(settings: &crate::access::server::AccessSettings) -> Jobs {
        Jobs {
            inner: Arc::new(Inner {
                data_dir: settings.data_dir.clone(),
                store: OnceLock::new(),
                drafts: Mutex::default(),
                polling: AtomicBool::new(false),
                every: settings.batch_poll,
                lowered: settings.batch_lowered,
            }),
        }
    }

    fn store(&self) -> Result<Arc<Store>, ApiError> {
        let opened = self.inner.store.get_or_init(|| Store::open(&self.inner.data_dir).map(Arc::new));
        opened.clone().map_err(|problem| unavailable(&problem))
    }

    /// Starts polling if any user's batch is still with its provider (after a restart).
    pub fn resume(&self, describer: &Describer) {
        let pending = self.store().ok().and_then(|store| store.pending_batches(None, None).ok()).unwrap_or_default();
        if pending.iter().any(|b| !b.owner.is_empty()) {
            self.start_polling(describer);
        }
    }

    /// The one task that looks at every user's pending batches, until none is left.
    fn start_polling(&self, describer: &Describer) {
        if self.inner.polling.swap(true, Ordering::SeqCst) {
            return;
        }
        let jobs = self.clone();
        let describer = describer.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(jobs.inner.every).await;
                if !jobs.look(&describer).await {
                    break;
                }
            }
            jobs.inner.polling.store(false, Ordering::SeqCst);
            // A batch sent while the loop was ending gets its own.
            jobs.resume(&describer);
        });
    }

    /// Looks at each pending batch sent from the page once; true while some remain.
    async fn look(&self, describer: &Describer) -> bool {
        let Ok(store) = self.store() else { return false };
        let pending: Vec<_> =
            store.pending_batches(None, None).unwrap_or_default().into_iter().filter(|b| !b.owner.is_empty()).collect();
        for batch in &pending {
            let Some(entry) = describer.provider(&batch.provider) else { continue };
            match poll(entry, &store, batch).await {
                Ok(Polled::Collected { described, unanswered, input_tokens, output_tokens, .. }) => {
                    tracing::info!(
                        target: "picscribe::access",
                        user = %batch.owner,
                        provider = %batch.provider,
                        batch = %batch.batch_id,
                        described,
                        unanswered,
                        tokens = input_tokens + output_tokens,
                        "batch collected"
                    );
                    let meta = Meta {
                        model: batch.model.clone(),
                        fields: batch.fields.clone(),
                        owner: batch.owner.clone(),
                        invocation: None,
                    };
                    if let Ok(mut queue) =
                        Queue::new(entry, Arc::clone(&store), &self.inner.data_dir, meta, self.inner.lowered)
                    {
                        resend(&mut queue, &store, entry, &self.inner.data_dir).await;
                    }
                }
                Ok(Polled::Waiting(_)) => {}
                Err(error) => tracing::warn!(batch = %batch.batch_id, %error, "could not ask about a batch"),
            }
        }
        tidy(&store, &self.inner.data_dir);
        store.pending_batches(None, None).is_ok_and(|p| p.iter().any(|b| !b.owner.is_empty()))
    }

    fn draft(&self, caller: &Caller, id: &str) -> Option<Shared> {
        let drafts = self.inner.drafts.lock().ok()?;
        drafts.get(&(caller.user.name.clone(), id.to_string())).cloned()
    }
}

fn jobs_and_caller(what: &str) -> Result<(crate::state::AppState, Caller), ApiError> {
    let state = crate::state::app_state()?;
    let caller = crate::state::caller()
        .ok_or_else(|| ApiError::SignIn(format!("Sign in to {what}: enter your access token above.")))?;
    Ok((state, caller))
}

pub async fn add(line: JobLine) -> Result<(), ApiError> {
    let (state, caller) = jobs_and_caller("send a batch")?;
    let JobLine { draft, key, name, input } = line;
    if draft.is_empty() || draft.len() > MAX_DRAFT_ID || key.is_empty() || key.chars().count() > MAX_KEY_CHARS {
        return Err(ApiError::Invalid("A batch row needs a draft id and its key.".into()));
    }
    let name: String = name.chars().take(200).collect();
    if input.analyse.is_some() {
        return Err(ApiError::Invalid(
            "A batch cannot analyse first: turn “First analyse with” off, or use Describe all.".into(),
        ));
    }
    let (entry, request) = request_for(&state, &caller, input).await?;
    let batches = service(&entry).map_err(ApiError::Invalid)?;
    let fields = serde_json::to_string(&request.fields).unwrap_or_else(|_| "[]".into());
    let expected = u64::from(request_tokens(entry.kind, &request));
    let line = batches
        .line(&custom_id(&key), &request)
        .map_err(|_| ApiError::Invalid(format!("{name} could not be written as a batch request.")))?;
    let jobs = state.jobs.clone();
    let draft = match jobs.draft(&caller, &draft) {
        Some(found) => found,
        None => {
            state.access.check_budget(&caller).await?;
            let store = jobs.store()?;
            let meta = Meta {
                model: request.model.clone(),
                fields: fields.clone(),
                owner: caller.user.name.clone(),
                invocation: None,
            };
            let queue = Queue::new(&entry, store, &jobs.inner.data_dir, meta, jobs.inner.lowered)
                .map_err(|p| unavailable(&p))?;
            let made = Arc::new(tokio::sync::Mutex::new(Draft {
                queue,
                provider: entry.id.clone(),
                model: request.model.clone(),
                fields: fields.clone(),
                rows: 0,
                expected: 0,
                started: Instant::now(),
            }));
            let mut drafts = jobs.inner.drafts.lock().map_err(|_| ApiError::Transport("Busy.".into()))?;
            drafts.retain(|_, d| d.try_lock().map_or(true, |d| d.started.elapsed() < DRAFT_LIFETIME));
            Arc::clone(drafts.entry((caller.user.name.clone(), draft.clone())).or_insert(made))
        }
    };
    let mut draft = draft.lock().await;
    if draft.provider != entry.id || draft.model != request.model || draft.fields != fields {
        return Err(ApiError::Invalid("Every row of one batch must have the same provider, model and fields.".into()));
    }
    if draft.rows >= MAX_DRAFT_ROWS {
        return Err(ApiError::Invalid(format!("A batch from the page holds at most {MAX_DRAFT_ROWS} rows.")));
    }
    let item = NewItem { custom_id: custom_id(&key), key, name, prompt: request.prompt, attempt: 1, expected };
    draft.queue.push(item, &line).await.map_err(|refused| {
        ApiError::Invalid(refused.into_iter().next().map(|(_, why)| why).unwrap_or_else(|| "Not added.".into()))
    })?;
    draft.rows += 1;
    draft.expected += expected;
    if !draft.queue.submitted.is_empty() {
        // A full batch went on its own (the provider's limit): it is waited for already.
        jobs.start_polling(&state.describer);
    }
    Ok(())
}

pub async fn send(draft_id: String) -> Result<Sent, ApiError> {
    let (state, caller) = jobs_and_caller("send a batch")?;
    let jobs = state.jobs.clone();
    let Some(draft) = jobs.draft(&caller, &draft_id) else {
        return Err(ApiError::Invalid("There is nothing to send in this batch; add its rows first.".into()));
    };
    let mut draft = draft.lock().await;
    // Held from the moment it is accepted: the batch's own reservation, in the database.
    state.access.check_budget(&caller).await?;
    let sent_before = draft.queue.submitted.len();
    draft.queue.flush().await.map_err(|refused| {
        ApiError::Unavailable(refused.into_iter().next().map(|(_, why)| why).unwrap_or_else(|| "Not sent.".into()))
    })?;
    if let Ok(mut drafts) = jobs.inner.drafts.lock() {
        drafts.remove(&(caller.user.name.clone(), draft_id));
    }
    let batches: Vec<String> = draft.queue.submitted.clone();
    tracing::info!(
        target: "picscribe::access",
        user = %caller.user.name,
        provider = %draft.provider,
        model = %draft.model,
        images = draft.rows,
        expected = draft.expected,
        batches = batches.len() - sent_before.min(batches.len()),
        "batch sent"
    );
    jobs.start_polling(&state.describer);
    Ok(Sent { batches, images: u32::try_from(draft.queue.sent).unwrap_or(u32::MAX), since: engine::store::now() })
}

pub async fn results(keys: Vec<String>) -> Result<Vec<(String, JobState)>, ApiError> {
    let (state, caller) = jobs_and_caller("see your batches")?;
    if keys.len() > MAX_KEYS {
        return Err(ApiError::Invalid(format!("Ask about at most {MAX_KEYS} rows at a time.")));
    }
    let store = state.jobs.store()?;
    let owner = caller.user.name.clone();
    tokio::task::spawn_blocking(move || {
        let mut found = Vec::new();
        for key in keys.into_iter().filter(|k| k.chars().count() <= MAX_KEY_CHARS) {
            let Some((item, reason, batch)) = store.item_for_owner(&key, &owner).map_err(|p| unavailable(&p))? else {
                continue;
            };
            let state = match item {
                ItemState::Done => match store.get(&key).map_err(|p| unavailable(&p))? {
                    Some(stored) => {
                        JobState::Done { text: stored.text, values: stored.values, described: stored.described }
                    }
                    None => continue,
                },
                ItemState::Pending | ItemState::Failed | ItemState::Retried => {
                    JobState::Pending { since: batch.submitted_at, batch: batch.batch_id }
                }
                ItemState::Cancelled => JobState::Failed { sentence: "Its batch was cancelled.".into() },
                ItemState::GivenUp => JobState::Failed {
                    sentence: reason.unwrap_or_else(|| "The provider did not describe it in a batch.".into()),
                },
            };
            found.push((key, state));
        }
        Ok(found)
    })
    .await
    .map_err(|_| ApiError::Transport("The batches could not be read.".into()))?
}

pub async fn cancel() -> Result<u32, ApiError> {
    let (state, caller) = jobs_and_caller("cancel a batch")?;
    let store = state.jobs.store()?;
    let mine: Vec<_> = store
        .pending_batches(None, Some(&caller.user.name))
        .map_err(|p| unavailable(&p))?
        .into_iter()
        .filter(|b| !b.owner.is_empty())
        .collect();
    let mut cancelled = 0;
    for batch in &mine {
        let Some(entry) = state.describer.provider(&batch.provider) else { continue };
        let Ok(service) = service(entry) else { continue };
        match service.cancel(&batch.batch_id).await {
            Ok(()) => cancelled += 1,
            Err(error) => tracing::warn!(batch = %batch.batch_id, %error, "could not cancel a batch"),
        }
    }
    // What they answered before comes in with the next look.
    state.jobs.start_polling(&state.describer);
    Ok(cancelled)
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs").field("data_dir", &self.inner.data_dir).finish_non_exhaustive()
    }
}
