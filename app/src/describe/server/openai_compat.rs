//! The OpenAI-compatible chat-completions provider: OpenAI itself and the local servers
//! that copy its API (Ollama, LM Studio, vLLM, llama.cpp).

use std::fmt;
use std::time::{Duration, SystemTime};

use eventsource_stream::Eventsource;
use futures::future::BoxFuture;
use futures::{stream, StreamExt};

use super::provider::{ChunkStream, ProviderError, VisionProvider, VisionRequest};
use super::retry::retry_after;
use crate::describe::openai::{chat_request, is_insufficient_quota, parse_chunk};

pub struct OpenAiCompatible {
    client: reqwest::Client,
    endpoint: String,
    api_key: Option<String>,
}

/// The key never reaches a log through `{:?}`.
impl fmt::Debug for OpenAiCompatible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiCompatible")
            .field("endpoint", &self.endpoint)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl OpenAiCompatible {
    pub fn new(base_url: &str, api_key: Option<String>, connect_timeout: Duration) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder().connect_timeout(connect_timeout).build()?;
        Ok(OpenAiCompatible {
            client,
            endpoint: format!("{}/chat/completions", base_url.trim_end_matches('/')),
            api_key: api_key.filter(|k| !k.is_empty()),
        })
    }

    async fn send(&self, request: &VisionRequest) -> Result<ChunkStream, ProviderError> {
        let body = chat_request(&request.model, &request.prompt, &request.image_url, request.detail);
        let mut builder = self.client.post(&self.endpoint).json(&body);
        if let Some(key) = &self.api_key {
            builder = builder.bearer_auth(key);
        }
        let response = builder.send().await.map_err(|err| {
            // reqwest's error names the URL, never the headers; the key stays out of logs.
            let timed_out = err.is_timeout();
            tracing::warn!(error = %err.without_url(), "provider request failed");
            if timed_out {
                ProviderError::Timeout
            } else {
                ProviderError::Connect
            }
        })?;
        let status = response.status();
        if !status.is_success() {
            let wait = retry_after(response.headers(), SystemTime::now());
            let body = response.text().await.unwrap_or_default();
            tracing::warn!(status = status.as_u16(), body = %truncate(&body, 300), "provider answered with an error");
            return Err(error_for_status(status.as_u16(), wait, &body));
        }
        let chunks = response.bytes_stream().eventsource().flat_map(|event| {
            let items = match event {
                Ok(event) => match parse_chunk(&event.data) {
                    Ok(events) => events.into_iter().map(Ok).collect(),
                    Err(err) => {
                        tracing::warn!(error = %err, "provider sent a chunk that is not chat-completions JSON");
                        vec![Err(ProviderError::Malformed)]
                    }
                },
                Err(err) => {
                    tracing::warn!(error = %err, "provider stream broke");
                    vec![Err(ProviderError::Cut)]
                }
            };
            stream::iter(items)
        });
        Ok(chunks.boxed())
    }
}

impl VisionProvider for OpenAiCompatible {
    fn start<'a>(&'a self, request: &'a VisionRequest) -> BoxFuture<'a, Result<ChunkStream, ProviderError>> {
        Box::pin(self.send(request))
    }
}

/// Maps an HTTP failure to what it means for the user and the retry loop.
pub fn error_for_status(status: u16, retry_after: Option<Duration>, body: &str) -> ProviderError {
    match status {
        401 | 403 => ProviderError::Unauthorized { status },
        429 if is_insufficient_quota(body) => ProviderError::QuotaExceeded,
        429 => ProviderError::RateLimited { retry_after },
        408 | 409 | 500..=599 => ProviderError::Unavailable { status, retry_after },
        _ => ProviderError::Rejected { status },
    }
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_meanings() {
        let wait = Some(Duration::from_secs(1));
        let quota = r#"{"error":{"type":"insufficient_quota","code":"insufficient_quota","message":"x"}}"#;
        let cases = [
            (401, "", ProviderError::Unauthorized { status: 401 }),
            (403, "", ProviderError::Unauthorized { status: 403 }),
            (429, "", ProviderError::RateLimited { retry_after: wait }),
            (429, quota, ProviderError::QuotaExceeded),
            (408, "", ProviderError::Unavailable { status: 408, retry_after: wait }),
            (409, "", ProviderError::Unavailable { status: 409, retry_after: wait }),
            (500, "", ProviderError::Unavailable { status: 500, retry_after: wait }),
            (503, "", ProviderError::Unavailable { status: 503, retry_after: wait }),
            (400, "", ProviderError::Rejected { status: 400 }),
            (404, "", ProviderError::Rejected { status: 404 }),
        ];
        for (status, body, want) in cases {
            assert_eq!(error_for_status(status, wait, body), want, "{status}");
        }
    }

    #[test]
    fn debug_hides_the_key() -> Result<(), reqwest::Error> {
        let provider =
            OpenAiCompatible::new("http://localhost:1/v1", Some("sk-secret-123".into()), Duration::from_secs(1))?;
        let shown = format!("{provider:?}");
        assert!(!shown.contains("sk-secret-123"), "{shown}");
        assert!(shown.contains("http://localhost:1/v1/chat/completions"));
        Ok(())
    }
}
