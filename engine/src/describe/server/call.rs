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

pub(crate) fn error_event(error: &ProviderError, attempts: u32, naming: &Naming) -> StreamEvent {
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
        let started = match tokio::time::timeout(timeouts.first_byte, provider.start(&request)).await {
            // A 400 that names the temperature when none was sent is an ordinary refusal.
            Ok(Err(ProviderError::TemperatureRefused)) if request.temperature.is_none() => {
                Err(ProviderError::Rejected { status: 400 })
            }
            Ok(started) => started,
            Err(_) => Err(ProviderError::Timeout),
        };
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
            // A reasoning model takes only its own temperature: ask again with none, once.
            Err(ProviderError::TemperatureRefused) if request.temperature.is_some() => {
                tracing::info!("the model refused the temperature; asking with its default");
                request.temperature = None;
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

/// A reply as it has arrived so far: what the rule for how it ended needs.
#[derive(Debug, Default)]
pub struct Heard {
    pub text: String,
    pub finished: bool,
    pub refusal: Option<String>,
    pub filtered: Option<String>,
    /// The provider's count, input and output.
    pub usage: Option<(u32, u32)>,
}

impl Heard {
    /// Takes in one piece; returns what to pass on to the page, if anything.
    pub fn hear(&mut self, event: ChunkEvent) -> Option<StreamEvent> {
        match event {
            ChunkEvent::Finished => self.finished = true,
            ChunkEvent::Refusal(said) => self.refusal.get_or_insert_with(String::new).push_str(&said),
            ChunkEvent::Filtered(reason) => self.filtered = Some(reason),
            ChunkEvent::Delta(more) => {
                self.text.push_str(&more);
                return Some(StreamEvent::Delta { text: more });
            }
            ChunkEvent::Usage(usage) => {
                self.usage = Some((usage.prompt_tokens, usage.completion_tokens));
                return Some(StreamEvent::Usage {
                    prompt_tokens: usage.prompt_tokens,
                    completion_tokens: usage.completion_tokens,
                });
            }
        }
        None
    }

    /// Whether the reply said how it ended (finished, refused or filtered).
    pub fn ended(&self) -> bool {
        self.finished || self.refusal.is_some() || self.filtered.is_some()
    }

    /// How a whole reply ended: done, refused (flagged as such, never saved as a
    /// description), or an answer that does not fit the fields. The one rule for a streamed
    /// reply and for a batch's result line.
    pub fn verdict(&self, fields: &[Field], naming: &Naming) -> StreamEvent {
        if let Some(reason) = &self.filtered {
            tracing::info!(%reason, "the provider's filter stopped a description");
            return StreamEvent::Refused { message: filtered_message(reason) };
        }
        if let Some(said) = &self.refusal {
            tracing::info!("the model declined to describe an image");
            return StreamEvent::Refused { message: refusal_message(said) };
        }
        if !self.finished {
            return error_event(&ProviderError::Cut, 1, naming);
        }
        if looks_like_refusal(&self.text) {
            tracing::info!("the reply is only an apology; flagged as a refusal");
            return StreamEvent::Refused { message: refusal_message(&self.text) };
        }
        if fields.is_empty() {
            return StreamEvent::Done;
        }
        match fields::parse_answer(fields, &self.text) {
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
        }
    }
}

/// Forwards a started reply until it finishes, breaks, goes quiet for too long, or turns
/// out to be a refusal. Returns the tokens the provider reported using, if it did.
async fn relay(
    mut chunks: provider::ChunkStream,
    idle: Duration,
    fields: &[Field],
    naming: &Naming,
    tx: &mpsc::Sender<StreamEvent>,
) -> Option<u32> {
    let mut heard = Heard::default();
    let used = |heard: &Heard| heard.usage.map(|(i, o)| i + o);
    let failure = loop {
        let event = match tokio::time::timeout(idle, chunks.next()).await {
            Err(_) => break Some(ProviderError::Stalled),
            Ok(None) if heard.ended() => break None,
            Ok(None) => break Some(ProviderError::Cut),
            Ok(Some(Err(error))) => break Some(error),
            Ok(Some(Ok(event))) => heard.hear(event),
        };
        if let Some(event) = event {
            if tx.send(event).await.is_err() {
                return used(&heard);
            }
        }
    };
    let last = match failure {
        Some(error) => {
            tracing::warn!(%error, "provider reply failed mid-stream");
            error_event(&error, 1, naming)
        }
        None => heard.verdict(fields, naming),
    };
    let _ = tx.send(last).await;
    used(&heard)
}
