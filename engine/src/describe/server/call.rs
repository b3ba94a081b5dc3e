//! One description from start to end: wait for the provider's pace, start the call,
//! retry what may be retried, relay the reply as it streams, and decide how it ended —
//! done, refused, failed, or an answer that does not fit the fields.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;

use super::pace::Pace;
use super::provider::{self, Naming, ProviderError, VisionProvider, VisionRequest};
use super::retry::RetryPolicy;
use super::Timeouts;
use crate::describe::events::StreamEvent;
use crate::describe::reply::{filtered_message, looks_like_refusal, refusal_message, ChunkEvent};
use crate::fields::{self, Field};

pub(super) fn error_event(error: &ProviderError, attempts: u32, naming: &Naming) -> StreamEvent {
    StreamEvent::Error { message: error.user_message(attempts, naming), stop_batch: error.stops_batch() }
}

/// Everything one description is sent with, besides the request itself.
pub(super) struct Call {
    pub provider: Arc<dyn VisionProvider>,
    pub pace: Arc<Pace>,
    /// What the request is expected to cost, for the pace.
    pub tokens: u32,
    pub timeouts: Timeouts,
    pub retry: RetryPolicy,
    pub naming: Naming,
}

impl Call {
    /// Waits until the provider's pace lets one more request start.
    pub async fn turn(&self) {
        let turn = self.pace.turn(self.tokens).await;
        if turn.waited > Duration::from_millis(100) {
            tracing::debug!(waited_ms = turn.waited.as_millis() as u64, "waited for the provider's pace");
        }
    }
}

/// Sends the request once its turn has come ([`Call::turn`]), retrying in turn as needed,
/// and relays the reply.
pub(super) async fn run(call: &Call, request: VisionRequest, tx: mpsc::Sender<StreamEvent>) {
    let Call { provider, pace, tokens, timeouts, retry, naming } = call;
    let mut request = request;
    let mut attempt = 1;
    let chunks = loop {
        let started = tokio::time::timeout(timeouts.first_byte, provider.start(&request))
            .await
            .unwrap_or(Err(ProviderError::Timeout));
        match started {
            Ok(reply) => {
                pace.announced(&reply.announced);
                break reply.chunks;
            }
            // An older server that does not know structured output: the prompt already
            // says what the answer must look like, so ask again without the schema.
            Err(ProviderError::Rejected { status: 400 | 422 }) if request.schema().is_some() => {
                tracing::info!("the provider refused the answer schema; asking with the prompt alone");
                request.native_schema = false;
                call.turn().await;
            }
            Err(error) if error.is_retryable() && attempt <= retry.max_retries => {
                if let ProviderError::RateLimited { retry_after: Some(wait) } = &error {
                    // Everyone else waits it out too, instead of finding the limit again.
                    pace.pause((*wait).min(retry.max_retry_after));
                }
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
                call.turn().await;
                attempt += 1;
            }
            Err(error) => {
                tracing::warn!(%error, attempt, "description failed");
                let _ = tx.send(error_event(&error, attempt, naming)).await;
                return;
            }
        }
    };
    let used = relay(chunks, timeouts.idle, &request.fields, naming, &tx).await;
    if let Some(used) = used {
        pace.reported(*tokens, used);
    }
}

/// Forwards a started reply until it finishes, breaks, goes quiet for too long, or turns
/// out to be a refusal (flagged as such, never saved as a description). Returns the
/// tokens the provider reported using, if it did.
async fn relay(
    mut chunks: provider::ChunkStream,
    idle: Duration,
    fields: &[Field],
    naming: &Naming,
    tx: &mpsc::Sender<StreamEvent>,
) -> Option<u32> {
    let mut used = None;
    let mut finished = false;
    let mut text = String::new();
    let mut refusal: Option<String> = None;
    let mut filtered: Option<String> = None;
    let failure = loop {
        let event = match tokio::time::timeout(idle, chunks.next()).await {
            Err(_) => break Some(ProviderError::Stalled),
            Ok(None) if finished || refusal.is_some() || filtered.is_some() => break None,
            Ok(None) => break Some(ProviderError::Cut),
            Ok(Some(Err(error))) => break Some(error),
            Ok(Some(Ok(ChunkEvent::Finished))) => {
                finished = true;
                continue;
            }
            Ok(Some(Ok(ChunkEvent::Refusal(said)))) => {
                refusal.get_or_insert_with(String::new).push_str(&said);
                continue;
            }
            Ok(Some(Ok(ChunkEvent::Filtered(reason)))) => {
                filtered = Some(reason);
                continue;
            }
            Ok(Some(Ok(ChunkEvent::Delta(more)))) => {
                text.push_str(&more);
                StreamEvent::Delta { text: more }
            }
            Ok(Some(Ok(ChunkEvent::Usage(usage)))) => {
                used = Some(usage.prompt_tokens + usage.completion_tokens);
                StreamEvent::Usage { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens }
            }
        };
        if tx.send(event).await.is_err() {
            return used;
        }
    };
    let last = match (failure, filtered, refusal) {
        (Some(error), _, _) => {
            tracing::warn!(%error, "provider reply failed mid-stream");
            error_event(&error, 1, naming)
        }
        (None, Some(reason), _) => {
            tracing::info!(%reason, "the provider's filter stopped a description");
            StreamEvent::Refused { message: filtered_message(&reason) }
        }
        (None, None, Some(said)) => {
            tracing::info!("the model declined to describe an image");
            StreamEvent::Refused { message: refusal_message(&said) }
        }
        (None, None, None) if looks_like_refusal(&text) => {
            tracing::info!("the reply is only an apology; flagged as a refusal");
            StreamEvent::Refused { message: refusal_message(&text) }
        }
        (None, None, None) if fields.is_empty() => StreamEvent::Done,
        (None, None, None) => match fields::parse_answer(fields, &text) {
            Ok(_) => StreamEvent::Done,
            Err(misfit) => {
                tracing::warn!(%misfit, "the answer did not fit the fields");
                StreamEvent::Error {
                    message: format!(
                        "{} answered, but {misfit}, so nothing was filled in. Retry to ask again.",
                        naming.label
                    ),
                    stop_batch: false,
                }
            }
        },
    };
    let _ = tx.send(last).await;
    used
}
