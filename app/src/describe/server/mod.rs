//! Server-only half of describing: configuration from the environment, the providers,
//! and the retrying pipeline that turns one provider call into a stream of [`StreamEvent`]s.

pub mod openai_compat;
pub mod provider;
pub mod retry;

use std::sync::Arc;
use std::time::Duration;

use futures::channel::mpsc;
use futures::{SinkExt, Stream, StreamExt};

use self::openai_compat::OpenAiCompatible;
pub use self::provider::{ProviderError, VisionProvider, VisionRequest};
use self::retry::RetryPolicy;
use crate::describe::events::StreamEvent;
use crate::describe::openai::ChunkEvent;

pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";

/// How long to wait at each stage of one call.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    pub connect: Duration,
    /// From sending the request to the response headers.
    pub first_byte: Duration,
    /// The longest silence inside a streamed reply.
    pub idle: Duration,
    /// The whole reply, start to finish.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            first_byte: Duration::from_secs(60),
            idle: Duration::from_secs(30),
            total: Duration::from_secs(180),
        }
    }
}

/// The provider and the rules for calling it. Cheap to clone.
#[derive(Clone)]
pub struct Describer {
    pub provider: Option<Arc<dyn VisionProvider>>,
    pub default_model: String,
    pub timeouts: Timeouts,
    pub retry: RetryPolicy,
}

impl Describer {
    /// Reads the provider settings once, at start-up. With neither `OPENAI_API_KEY` nor
    /// `OPENAI_BASE_URL` set there is no provider, and the page says how to add one.
    pub fn from_env() -> Describer {
        let var = |name: &str| std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let key = var("OPENAI_API_KEY");
        let base_url = var("OPENAI_BASE_URL");
        let timeouts = Timeouts {
            connect: secs_var("PICSCRIBE_CONNECT_TIMEOUT_SECS").unwrap_or(Timeouts::default().connect),
            first_byte: secs_var("PICSCRIBE_FIRST_BYTE_TIMEOUT_SECS").unwrap_or(Timeouts::default().first_byte),
            idle: secs_var("PICSCRIBE_IDLE_TIMEOUT_SECS").unwrap_or(Timeouts::default().idle),
            total: secs_var("PICSCRIBE_REQUEST_TIMEOUT_SECS").unwrap_or(Timeouts::default().total),
        };
        let provider = match (&key, &base_url) {
            (None, None) => None,
            _ => {
                let base = base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
                match OpenAiCompatible::new(base, key, timeouts.connect) {
                    Ok(provider) => {
                        tracing::info!(endpoint = base, "vision provider configured");
                        Some(Arc::new(provider) as Arc<dyn VisionProvider>)
                    }
                    Err(err) => {
                        tracing::error!(error = %err, "could not set up the HTTP client; running without a provider");
                        None
                    }
                }
            }
        };
        Describer {
            provider,
            default_model: var("PICSCRIBE_MODEL").unwrap_or_else(|| DEFAULT_MODEL.to_string()),
            timeouts,
            retry: RetryPolicy::default(),
        }
    }

    /// Runs one description in its own task and streams what happens. The task ends
    /// early if the page goes away (the receiver is dropped).
    pub fn describe(
        &self,
        provider: Arc<dyn VisionProvider>,
        request: VisionRequest,
    ) -> impl Stream<Item = StreamEvent> {
        let (tx, rx) = mpsc::channel(64);
        let timeouts = self.timeouts;
        let retry = self.retry;
        tokio::spawn(async move {
            let total = timeouts.total;
            let mut out = tx.clone();
            let run = run(provider, request, timeouts, retry, tx);
            if tokio::time::timeout(total, run).await.is_err() {
                tracing::warn!("description took longer than the request timeout");
                let _ = out.send(error_event(&ProviderError::Timeout, 1)).await;
            }
        });
        rx
    }
}

fn secs_var(name: &str) -> Option<Duration> {
    std::env::var(name).ok()?.trim().parse::<f64>().ok().filter(|s| *s > 0.0).map(Duration::from_secs_f64)
}

fn error_event(error: &ProviderError, attempts: u32) -> StreamEvent {
    StreamEvent::Error { message: error.user_message(attempts), stop_batch: error.stops_batch() }
}

async fn run(
    provider: Arc<dyn VisionProvider>,
    request: VisionRequest,
    timeouts: Timeouts,
    retry: RetryPolicy,
    mut tx: mpsc::Sender<StreamEvent>,
) {
    let mut attempt = 1;
    let chunks = loop {
        let started = tokio::time::timeout(timeouts.first_byte, provider.start(&request))
            .await
            .unwrap_or(Err(ProviderError::Timeout));
        match started {
            Ok(chunks) => break chunks,
            Err(error) if error.is_retryable() && attempt <= retry.max_retries => {
                let wait = retry.wait(attempt, error.retry_after(), rand::random::<f64>());
                tracing::info!(%error, attempt, wait_ms = wait.as_millis() as u64, "retrying provider call");
                let note = StreamEvent::Retrying {
                    attempt,
                    wait_ms: wait.as_millis() as u64,
                    reason: error.reason().to_string(),
                };
                if tx.send(note).await.is_err() {
                    return;
                }
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(error) => {
                tracing::warn!(%error, attempt, "description failed");
                let _ = tx.send(error_event(&error, attempt)).await;
                return;
            }
        }
    };
    relay(chunks, timeouts.idle, &mut tx).await;
}

/// Forwards a started reply until it finishes, breaks, or goes quiet for too long.
async fn relay(mut chunks: provider::ChunkStream, idle: Duration, tx: &mut mpsc::Sender<StreamEvent>) {
    let mut finished = false;
    let failure = loop {
        let event = match tokio::time::timeout(idle, chunks.next()).await {
            Err(_) => break Some(ProviderError::Stalled),
            Ok(None) if finished => break None,
            Ok(None) => break Some(ProviderError::Cut),
            Ok(Some(Err(error))) => break Some(error),
            Ok(Some(Ok(ChunkEvent::Finished))) => {
                finished = true;
                continue;
            }
            Ok(Some(Ok(ChunkEvent::Delta(text)))) => StreamEvent::Delta { text },
            Ok(Some(Ok(ChunkEvent::Usage(usage)))) => {
                StreamEvent::Usage { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens }
            }
        };
        if tx.send(event).await.is_err() {
            return;
        }
    };
    let last = match failure {
        None => StreamEvent::Done,
        Some(error) => {
            tracing::warn!(%error, "provider reply failed mid-stream");
            error_event(&error, 1)
        }
    };
    let _ = tx.send(last).await;
}
