//! A stand-in vision provider for the tests and end-to-end runs (no real provider is
//! reachable from them). One server speaks each wire format picscribe does, on the paths
//! the real ones use: OpenAI chat completions, Azure OpenAI (deployments and `/openai/v1/`),
//! Anthropic Messages and Gemini `generateContent`, streamed and not, with model lists.
//! It records what it was sent and plays back faults queued through its control routes,
//! each in the dialect of the request it spoils.

mod answer;
pub mod batches;
mod files;
pub mod identity;
mod limits;
pub mod local;
mod request;
pub mod vision;
mod wire;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use self::answer::reply_text;
use self::limits::with_headers;
pub use self::wire::Dialect;

/// One misbehaviour, used up by the next describe request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Behave normally this time; lets a test place a fault later in the queue.
    Fine,
    /// 429; `retry_after` in seconds goes where the dialect puts it (a header, or
    /// Gemini's `RetryInfo`).
    RateLimited {
        retry_after: Option<String>,
    },
    /// The account is out of money: OpenAI's `insufficient_quota`, Anthropic's low credit
    /// balance, Gemini's spent daily quota.
    InsufficientQuota,
    Status {
        status: u16,
    },
    /// Headers and the first piece of text, then silence.
    Stall,
    /// No answer at all.
    StallBeforeHeaders,
    /// The first piece of text, then the connection ends without the end marker.
    Cut,
    /// The provider's own refusal signal: OpenAI's `refusal`, Anthropic's `stop_reason:
    /// refusal`, Gemini's `finishReason: SAFETY`.
    Refuse,
    /// A normal reply whose text is only an apology.
    Apology,
    /// A normal reply as older OpenAI-compatible servers send it: no usage chunk, and
    /// vLLM's `choices: null` on the chunk that would have carried it.
    NoUsage,
    /// `307 Temporary Redirect` to `location`, as a hijacked or misconfigured endpoint would.
    Redirect {
        location: String,
    },
    /// 400 when the request carries an answer schema, as a server without structured
    /// output answers; without one, a normal reply.
    RejectSchema,
    /// A JSON answer that lacks the fields asked for.
    Misfit,
    /// Azure AI Vision: the feature is not offered in the resource's region.
    NotInRegion,
}

/// What one request carried, as the provider saw it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Recorded {
    pub dialect: Dialect,
    /// The path and query it was sent to.
    pub path: String,
    pub body_bytes: usize,
    pub model: String,
    pub prompt: String,
    pub detail: String,
    pub image_mime: String,
    pub image_bytes: usize,
    pub width: u32,
    pub height: u32,
    /// Every image's size, in order (an item's photos together).
    pub images: Vec<(u32, u32)>,
    pub stream: bool,
    pub include_usage: bool,
    /// `max_completion_tokens` or `max_tokens` (OpenAI dialects), `max_tokens` (Anthropic),
    /// `generationConfig.maxOutputTokens` (Gemini).
    pub max_tokens: Option<u64>,
    /// The answer schema sent as structured output, if any.
    pub schema: Option<Value>,
    /// The temperature asked for, if any.
    pub temperature: Option<f64>,
    pub fault: Option<Fault>,
}

#[derive(Default)]
struct Inner {
    faults: VecDeque<Fault>,
    requests: Vec<Recorded>,
    /// When each request the rate limit let through arrived and its tokens, oldest first.
    admitted: VecDeque<(std::time::Instant, u64)>,
    /// Requests answered 429 by the rate limit.
    limited: usize,
    /// Tokens of every request the rate limit let in.
    tokens: u64,
    batches: batches::Batches,
    issued: identity::Issued,
    analyses: Vec<vision::Analysed>,
    /// Requests to the local servers' model lists ([`local`]).
    local_probes: usize,
}

#[derive(Clone)]
pub struct Stub {
    inner: Arc<Mutex<Inner>>,
    key: Option<String>,
    /// Replies whose body is still being sent or held open; see [`Stub::open_replies`].
    open: Arc<AtomicUsize>,
    /// The last id given to a file or batch; kept across a reset.
    serial: Arc<std::sync::atomic::AtomicU64>,
    /// Pause between streamed pieces, so streaming is visible.
    pub piece_delay: Duration,
    /// A rate limit like a provider's: at most this many requests per window, the rest
    /// answered 429 with the wait until a place frees up.
    pub rate_limit: Option<(usize, Duration)>,
    /// A token limit in the same window, counting each request's reported usage when it
    /// is let in, as OpenAI counts a request's tokens against its per-minute limit.
    pub token_limit: Option<u64>,
    /// Pause before a reply starts, as a model takes time to answer.
    pub think: Duration,
    /// How long a managed-identity token lives.
    pub token_lifetime: Duration,
}

type Params = Query<HashMap<String, String>>;

impl Stub {
    pub fn new(key: Option<String>) -> Stub {
        Stub {
            inner: Arc::default(),
            key,
            open: Arc::default(),
            serial: Arc::default(),
            piece_delay: Duration::from_millis(20),
            rate_limit: None,
            token_limit: None,
            think: Duration::ZERO,
            token_lifetime: Duration::from_secs(3600),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn push_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        self.lock().faults.extend(faults);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// How many requests the rate limit turned away.
    pub fn rate_limited(&self) -> usize {
        self.lock().limited
    }

    /// The tokens the rate limit counted, over every request it let in.
    pub fn tokens_counted(&self) -> u64 {
        self.lock().tokens
    }

    /// How many streamed or stalled replies are still open: a reply closes when it ends or
    /// when picscribe hangs up, which is how a provider learns to stop generating.
    pub fn open_replies(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    pub fn reset(&self) {
        *self.lock() = Inner::default();
    }

    pub fn router(self) -> Router {
        Router::new()
            .route("/v1/chat/completions", describe_route(Dialect::Openai))
            .route("/openai/v1/chat/completions", describe_route(Dialect::Azure))
            .route("/openai/deployments/{deployment}/chat/completions", describe_route(Dialect::Azure))
            .route("/v1/messages", describe_route(Dialect::Anthropic))
            .route("/v1beta/models/{method}", describe_route(Dialect::Gemini))
            .route(
                "/v1/models",
                get(|State(stub): State<Stub>, headers: HeaderMap, Query(q): Params| async move {
                    // OpenAI and Anthropic share the path; Anthropic's clients send `x-api-key`.
                    let dialect = if headers.contains_key("x-api-key") { Dialect::Anthropic } else { Dialect::Openai };
                    stub.models(dialect, &headers, &q)
                }),
            )
            .route("/openai/v1/models", models_route(Dialect::Azure))
            .route("/v1beta/models", models_route(Dialect::Gemini))
            // A shop's image host, for "Add from URLs" and feeds: photos by name.
            .route("/files/{name}", get(|Path(name): Path<String>| async move { files::serve(&name) }))
            .route("/__stub/requests", get(|State(stub): State<Stub>| async move { Json(stub.requests()) }))
            .route("/__stub/open-replies", get(|State(stub): State<Stub>| async move { Json(stub.open_replies()) }))
            .route(
                "/__stub/faults",
                post(|State(stub): State<Stub>, Json(faults): Json<Vec<Fault>>| async move {
                    stub.push_faults(faults);
                    StatusCode::NO_CONTENT
                }),
            )
            .route(
                "/__stub/reset",
                post(|State(stub): State<Stub>| async move {
                    stub.reset();
                    StatusCode::NO_CONTENT
                }),
            )
            .merge(batches::routes())
            .merge(identity::routes())
            .merge(local::routes())
            .merge(vision::routes())
            // Providers take images far larger than axum's 2 MiB default.
            // Batch uploads too: OpenAI takes files of 200 MB, Anthropic 256 MB.
            .layer(axum::extract::DefaultBodyLimit::max(300 * 1024 * 1024))
            .with_state(self)
    }

    /// Serves the stub on a free loopback port; returns its root URL (`http://127.0.0.1:PORT`).
    pub async fn spawn(self) -> std::io::Result<String> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let router = self.router();
        tokio::spawn(async move { axum::serve(listener, router).await });
        Ok(format!("http://{addr}"))
    }

    fn models(&self, dialect: Dialect, headers: &HeaderMap, query: &HashMap<String, String>) -> Response {
        if let Some(refused) = self.authorize(dialect, headers, query) {
            return refused;
        }
        Json(dialect.model_list()).into_response()
    }

    async fn describe(
        &self,
        dialect: Dialect,
        path: &str,
        headers: &HeaderMap,
        query: &HashMap<String, String>,
        from_path: Option<String>,
        body: Bytes,
    ) -> Response {
        if let Some(model) = from_path.as_deref().and_then(|p| p.strip_suffix(":batchGenerateContent")) {
            return self.create_gemini(model, headers, &body);
        }
        if let Some(refused) = self.authorize(dialect, headers, query) {
            return refused;
        }
        let request: Value = match serde_json::from_slice(&body) {
            Ok(value) => value,
            Err(_) => return dialect.error(StatusCode::BAD_REQUEST, "The request body is not JSON."),
        };
        let read = dialect.read(&request, headers, query, from_path.as_deref());
        let Some(mut recorded) = read.and_then(|seen| seen.into_recorded(dialect, path, query, body.len())) else {
            return dialect.error(StatusCode::BAD_REQUEST, "Expected one user turn with a text part and an image.");
        };
        // What the reply will say is known before it is let in: its usage is what the
        // token limit counts. The fault it meets is taken only once it is let in.
        let fault = self.lock().faults.front().cloned();
        let (text, usage) = reply_text(fault.as_ref(), &recorded);
        let admission = self.admit(u64::from(usage.prompt + usage.completion));
        if !admission.admitted {
            let seconds = format!("{:.3}", admission.wait.as_secs_f64().max(0.001));
            return with_headers(dialect.rate_limited(Some(&seconds)), &admission.headers);
        }
        {
            let mut inner = self.lock();
            inner.faults.pop_front();
            recorded.fault = fault.clone();
            inner.requests.push(recorded.clone());
        }
        if let Some(refused) = dialect.refuse_temperature(&recorded) {
            return refused;
        }
        if fault == Some(Fault::RejectSchema) && recorded.schema.is_some() {
            return dialect.error(StatusCode::BAD_REQUEST, "Unsupported parameter: structured output (json_schema).");
        }
        tokio::time::sleep(self.think).await;
        let reply = wire::Reply {
            text: &text,
            usage,
            refuse: fault == Some(Fault::Refuse),
            no_usage: fault == Some(Fault::NoUsage),
            recorded: &recorded,
        };
        let response = self.respond(dialect, fault, &recorded, &reply).await;
        with_headers(response, &admission.headers)
    }

    async fn respond(
        &self,
        dialect: Dialect,
        fault: Option<Fault>,
        recorded: &Recorded,
        reply: &wire::Reply<'_>,
    ) -> Response {
        match fault {
            Some(Fault::RateLimited { retry_after }) => dialect.rate_limited(retry_after.as_deref()),
            Some(Fault::InsufficientQuota) => dialect.out_of_quota(),
            Some(Fault::Redirect { location }) => {
                (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, location)]).into_response()
            }
            Some(Fault::Status { status }) => {
                dialect.server_error(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
            }
            Some(Fault::StallBeforeHeaders) => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                StatusCode::GATEWAY_TIMEOUT.into_response()
            }
            Some(fault @ (Fault::Stall | Fault::Cut)) if recorded.stream => {
                let mut frames = dialect.frames(reply);
                frames.truncate(dialect.frames_before_text() + 1);
                self.play(frames, fault == Fault::Stall)
            }
            // A whole reply that stops halfway: half the JSON, then silence or a hang-up.
            Some(fault @ (Fault::Stall | Fault::Cut)) => {
                let whole = dialect.whole(reply).to_string();
                let half = whole[..whole.len() / 2].to_string();
                self.play_body(vec![half], "application/json", fault == Fault::Stall, true)
            }
            _ if recorded.stream => self.play(dialect.frames(reply), false),
            _ => Json(dialect.whole(reply)).into_response(),
        }
    }

    /// Sends server-sent event frames a piece at a time.
    fn play(&self, frames: Vec<String>, then_hang: bool) -> Response {
        self.play_body(frames, "text/event-stream", then_hang, false)
    }

    fn play_body(&self, pieces: Vec<String>, content_type: &str, then_hang: bool, then_break: bool) -> Response {
        let (mut tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
        let delay = self.piece_delay;
        tokio::spawn(async move {
            for piece in pieces {
                if tx.send(Ok(Bytes::from(piece))).await.is_err() {
                    return;
                }
                tokio::time::sleep(delay).await;
            }
            if then_hang {
                // Keep the connection open and silent until the client gives up.
                tokio::time::sleep(Duration::from_secs(3600)).await;
            } else if then_break {
                let _ = tx.send(Err(std::io::Error::other("stub hangs up"))).await;
            }
        });
        let open = OpenReply::new(&self.open);
        let body = rx.map(move |piece| {
            let _still_open = &open;
            piece
        });
        Response::builder()
            .header(header::CONTENT_TYPE, content_type)
            .header(header::CACHE_CONTROL, "no-cache")
            .body(Body::from_stream(body))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
    }
}

/// Counts one reply as open for as long as its body lives.
struct OpenReply(Arc<AtomicUsize>);

impl OpenReply {
    fn new(open: &Arc<AtomicUsize>) -> OpenReply {
        open.fetch_add(1, Ordering::SeqCst);
        OpenReply(Arc::clone(open))
    }
}

impl Drop for OpenReply {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A describe endpoint in one dialect; the one path parameter, where there is one, is
/// Azure's deployment or Gemini's `{model}:{method}`.
fn describe_route(dialect: Dialect) -> MethodRouter<Stub> {
    post(
        move |State(stub): State<Stub>,
              OriginalUri(uri): OriginalUri,
              param: Option<Path<String>>,
              headers: HeaderMap,
              Query(q): Params,
              body: Bytes| async move {
            stub.describe(dialect, uri.path(), &headers, &q, param.map(|Path(p)| p), body).await
        },
    )
}

fn models_route(dialect: Dialect) -> MethodRouter<Stub> {
    get(move |State(stub): State<Stub>, headers: HeaderMap, Query(q): Params| async move {
        stub.models(dialect, &headers, &q)
    })
}
