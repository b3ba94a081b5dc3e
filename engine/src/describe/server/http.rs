//! The HTTP every provider shares: sending, turning a failed answer into a
//! [`ProviderError`] without letting its body out of the logs, and reading a reply that
//! is either a server-sent event stream or one JSON document.

use std::time::{Duration, SystemTime};

use eventsource_stream::Eventsource;
use futures::{stream, StreamExt};
use reqwest::header::CONTENT_TYPE;

use super::limits::announced;
use super::provider::{ProviderError, Reply};
use super::retry::retry_after;
use crate::describe::reply::ChunkEvent;

/// What a parser made of one piece of a reply.
pub type Parsed = Result<Vec<ChunkEvent>, ProviderError>;

/// The HTTP client for one provider. It follows a redirect only to the same host (scheme
/// and port included): reqwest drops `Authorization` on a hop to another host but not
/// `x-api-key`, `x-goog-api-key` or `api-key`, so such a hop would hand the key to whoever
/// answers there. It ends as an error instead.
pub fn client(connect_timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    let same_host = reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first();
        let same = first.is_some_and(|from| {
            from.scheme() == attempt.url().scheme()
                && from.host_str() == attempt.url().host_str()
                && from.port_or_known_default() == attempt.url().port_or_known_default()
        });
        if !same {
            attempt.error("the provider redirected to another host; the key was not sent there")
        } else if attempt.previous().len() > 5 {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    });
    reqwest::Client::builder().connect_timeout(connect_timeout).redirect(same_host).build()
}

/// A key as a header value that HTTP/2's header compression and debug output treat as secret.
pub fn secret_header(key: &str) -> Option<reqwest::header::HeaderValue> {
    let mut value = reqwest::header::HeaderValue::from_str(key).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// A provider API that takes its key in a header (Anthropic, Gemini): the client, the
/// API root, the key and the headers every request carries, and whether to ask for
/// streamed replies.
pub struct KeyedApi {
    client: reqwest::Client,
    pub base_url: String,
    headers: &'static [(&'static str, &'static str)],
    key_header: &'static str,
    key: String,
    pub stream: bool,
}

/// The key never reaches a log through `{:?}`.
impl std::fmt::Debug for KeyedApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyedApi").field("base_url", &self.base_url).field("key", &"<redacted>").finish()
    }
}

impl KeyedApi {
    /// `version` is the path segment callers add themselves (`/v1`, `/v1beta`); a base URL
    /// given with it is taken as meaning the root. The key goes in `key_header`, and
    /// `headers` with it.
    pub fn new(
        base_url: &str,
        version: &str,
        key_header: &'static str,
        key: String,
        headers: &'static [(&'static str, &'static str)],
        connect_timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        Ok(KeyedApi {
            client: client(connect_timeout)?,
            base_url: base_url.trim_end_matches('/').trim_end_matches(version).to_string(),
            headers,
            key_header,
            key,
            stream: true,
        })
    }

    pub fn get(&self, url: impl reqwest::IntoUrl) -> reqwest::RequestBuilder {
        self.keyed(self.client.get(url))
    }

    pub fn post(&self, url: impl reqwest::IntoUrl) -> reqwest::RequestBuilder {
        self.keyed(self.client.post(url))
    }

    fn keyed(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let request = match secret_header(&self.key) {
            Some(value) => request.header(self.key_header, value),
            None => request,
        };
        self.headers.iter().fold(request, |request, (name, value)| request.header(*name, *value))
    }
}

/// Sends a request; a failed answer becomes an error through `classify(status, wait, body)`.
pub async fn send(
    request: reqwest::RequestBuilder,
    classify: fn(u16, Option<Duration>, &str) -> ProviderError,
) -> Result<reqwest::Response, ProviderError> {
    let response = request.send().await.map_err(|err| {
        // reqwest's error names the URL, never the headers; the key stays out of logs.
        let timed_out = err.is_timeout();
        let redirected = err.is_redirect();
        tracing::warn!(error = %err.without_url(), "provider request failed");
        if redirected {
            ProviderError::Redirected
        } else if timed_out {
            ProviderError::Timeout
        } else {
            ProviderError::Connect
        }
    })?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let wait = retry_after(response.headers(), SystemTime::now());
    let body = response.text().await.unwrap_or_default();
    tracing::warn!(status = status.as_u16(), body = %truncate(&body, 300), "provider answered with an error");
    Err(classify(status.as_u16(), wait, &body))
}

/// Reads a successful reply whichever way it came: as server-sent events, each `data:`
/// handed to `on_event(event_name, data)`, or as one JSON body handed to `on_whole`.
/// Servers that ignore `stream: true` still work.
pub async fn read_reply(
    response: reqwest::Response,
    mut on_event: impl FnMut(&str, &str) -> Parsed + Send + 'static,
    on_whole: impl FnOnce(&str) -> Parsed,
) -> Result<Reply, ProviderError> {
    let announced = announced(response.headers(), SystemTime::now());
    let streamed = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if !streamed {
        let body = response.text().await.map_err(|err| {
            tracing::warn!(error = %err.without_url(), "provider reply broke off");
            ProviderError::Cut
        })?;
        let events = on_whole(&body).inspect_err(|_| {
            tracing::warn!(body = %truncate(&body, 300), "provider sent a reply in an unknown shape");
        })?;
        return Ok(Reply { chunks: stream::iter(events.into_iter().map(Ok)).boxed(), announced });
    }
    let chunks = response.bytes_stream().eventsource().flat_map(move |event| {
        let items: Vec<Result<ChunkEvent, ProviderError>> = match event {
            Ok(event) => match on_event(&event.event, &event.data) {
                Ok(events) => events.into_iter().map(Ok).collect(),
                Err(error) => vec![Err(error)],
            },
            Err(err) => {
                tracing::warn!(error = %err, "provider stream broke");
                vec![Err(ProviderError::Cut)]
            }
        };
        stream::iter(items)
    });
    Ok(Reply { chunks: chunks.boxed(), announced })
}

/// A JSON parse failure inside a reply, logged once and told to the user as "not understood".
pub fn malformed(err: serde_json::Error) -> ProviderError {
    tracing::warn!(error = %err, "provider sent a piece of reply that is not the expected JSON");
    ProviderError::Malformed
}

/// Fetches a model list and parses it; failures are logged and end up as "no list".
pub async fn model_list(
    request: reqwest::RequestBuilder,
    classify: fn(u16, Option<Duration>, &str) -> ProviderError,
    parse: fn(&str) -> Result<Vec<String>, serde_json::Error>,
) -> Result<Vec<String>, ProviderError> {
    let body = send(request, classify).await?.text().await.map_err(|_| ProviderError::Cut)?;
    parse(&body).map_err(malformed)
}

pub fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}
