//! A stand-in vision provider speaking OpenAI's chat-completions wire format, plain and
//! streamed, for the tests and end-to-end runs (no real provider is reachable from them).
//! It records what it was sent and plays back faults queued through its control routes:
//! 429 with or without Retry-After, `insufficient_quota`, 5xx, a stall, a cut stream.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use futures::channel::mpsc;
use futures::SinkExt;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One misbehaviour, used up by the next request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Behave normally this time; lets a test place a fault later in the queue.
    Fine,
    RateLimited {
        retry_after: Option<String>,
    },
    InsufficientQuota,
    Status {
        status: u16,
    },
    /// Headers and one piece of text, then silence.
    Stall,
    /// No answer at all.
    StallBeforeHeaders,
    /// One piece of text, then the connection ends without `[DONE]`.
    Cut,
}

/// What one request carried, as the provider saw it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Recorded {
    pub body_bytes: usize,
    pub model: String,
    pub prompt: String,
    pub detail: String,
    pub image_mime: String,
    pub image_bytes: usize,
    pub width: u32,
    pub height: u32,
    pub stream: bool,
    pub include_usage: bool,
    pub fault: Option<Fault>,
}

#[derive(Default)]
struct Inner {
    faults: VecDeque<Fault>,
    requests: Vec<Recorded>,
}

#[derive(Clone)]
pub struct Stub {
    inner: Arc<Mutex<Inner>>,
    key: Option<String>,
    /// Pause between streamed pieces, so streaming is visible.
    pub piece_delay: Duration,
}

impl Stub {
    pub fn new(key: Option<String>) -> Stub {
        Stub { inner: Arc::default(), key, piece_delay: Duration::from_millis(20) }
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

    pub fn reset(&self) {
        *self.lock() = Inner::default();
    }

    pub fn router(self) -> Router {
        Router::new()
            .route("/v1/chat/completions", post(chat_completions))
            .route("/__stub/requests", get(|State(stub): State<Stub>| async move { Json(stub.requests()) }))
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
            .with_state(self)
    }

    /// Serves the stub on a free loopback port; returns its base URL (ending in `/v1`).
    pub async fn spawn(self) -> std::io::Result<String> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let router = self.router();
        tokio::spawn(async move { axum::serve(listener, router).await });
        Ok(format!("http://{addr}/v1"))
    }
}

fn openai_error(status: StatusCode, message: &str, kind: &str, code: &str) -> Response {
    let body = json!({"error": {"message": message, "type": kind, "param": null, "code": code}});
    (status, Json(body)).into_response()
}

async fn chat_completions(State(stub): State<Stub>, headers: HeaderMap, body: Bytes) -> Response {
    let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    if let Some(key) = &stub.key {
        if given != format!("Bearer {key}") {
            // Like OpenAI, echo what was sent: the server must not pass this on.
            let message = format!("Incorrect API key provided: {}.", given.trim_start_matches("Bearer "));
            return openai_error(StatusCode::UNAUTHORIZED, &message, "invalid_request_error", "invalid_api_key");
        }
    }
    let request: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(_) => {
            return openai_error(
                StatusCode::BAD_REQUEST,
                "We could not parse the JSON body.",
                "invalid_request_error",
                "invalid_json",
            )
        }
    };
    let Some(mut recorded) = read_request(&request, body.len()) else {
        return openai_error(
            StatusCode::BAD_REQUEST,
            "Expected one user message with text and an image_url part.",
            "invalid_request_error",
            "invalid_request",
        );
    };
    let fault = {
        let mut inner = stub.lock();
        let fault = inner.faults.pop_front();
        recorded.fault = fault.clone();
        inner.requests.push(recorded.clone());
        fault
    };
    let text = format!(
        "Stub description of a {}×{} {} image for the prompt “{}”.",
        recorded.width,
        recorded.height,
        recorded.image_mime.trim_start_matches("image/").to_uppercase(),
        recorded.prompt.chars().take(40).collect::<String>()
    );
    match fault {
        Some(Fault::RateLimited { retry_after }) => {
            let mut response = openai_error(StatusCode::TOO_MANY_REQUESTS, "Rate limit reached for requests", "requests", "rate_limit_exceeded");
            if let Some(value) = retry_after.and_then(|v| v.parse().ok()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Some(Fault::InsufficientQuota) => openai_error(
            StatusCode::TOO_MANY_REQUESTS,
            "You exceeded your current quota, please check your plan and billing details.",
            "insufficient_quota",
            "insufficient_quota",
        ),
        Some(Fault::Status { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            openai_error(status, "The server had an error while processing your request.", "server_error", "server_error")
        }
        Some(Fault::StallBeforeHeaders) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
        Some(fault @ (Fault::Stall | Fault::Cut)) => stream_reply(&stub, &recorded, &text, Some(fault)),
        Some(Fault::Fine) | None if recorded.stream => stream_reply(&stub, &recorded, &text, None),
        Some(Fault::Fine) | None => Json(json!({
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "created": 0,
            "model": recorded.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": null}, "finish_reason": "stop"}],
            "usage": usage(&recorded, &text),
        }))
        .into_response(),
    }
}

fn usage(recorded: &Recorded, text: &str) -> Value {
    let prompt_tokens = 85 + recorded.prompt.split_whitespace().count();
    let completion_tokens = text.split_whitespace().count();
    json!({"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens})
}

fn stream_reply(stub: &Stub, recorded: &Recorded, text: &str, fault: Option<Fault>) -> Response {
    let chunk = |delta: Value, finish: Option<&str>| {
        let body = json!({
            "id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": 0, "model": recorded.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        });
        format!("data: {body}\n\n")
    };
    let words: Vec<&str> = text.split_inclusive(' ').collect();
    let mut events = vec![chunk(json!({"role": "assistant", "content": ""}), None)];
    events.extend(words.chunks(3).map(|piece| chunk(json!({"content": piece.concat()}), None)));
    match fault {
        Some(Fault::Stall | Fault::Cut) => events.truncate(2),
        _ => {
            events.push(chunk(json!({}), Some("stop")));
            if recorded.include_usage {
                let body = json!({"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": 0,
                    "model": recorded.model, "choices": [], "usage": usage(recorded, text)});
                events.push(format!("data: {body}\n\n"));
            }
            events.push("data: [DONE]\n\n".to_string());
        }
    }
    let (mut tx, rx) = mpsc::channel::<Result<Bytes, Infallible>>(4);
    let delay = stub.piece_delay;
    tokio::spawn(async move {
        for event in events {
            if tx.send(Ok(Bytes::from(event))).await.is_err() {
                return;
            }
            tokio::time::sleep(delay).await;
        }
        if fault == Some(Fault::Stall) {
            // Keep the connection open and silent until the client gives up.
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(rx))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Pulls out what a test wants to know; `None` when the request is not the shape picscribe sends.
fn read_request(request: &Value, body_bytes: usize) -> Option<Recorded> {
    let model = request.get("model")?.as_str()?.to_string();
    let content = request.get("messages")?.as_array()?.first()?.get("content")?.as_array()?;
    let prompt = content.iter().find(|p| p["type"] == "text")?["text"].as_str()?.to_string();
    let image = content.iter().find(|p| p["type"] == "image_url")?;
    let url = image["image_url"]["url"].as_str()?;
    let detail = image["image_url"]["detail"].as_str().unwrap_or("auto").to_string();
    let (mime, data) = url.strip_prefix("data:")?.split_once(";base64,")?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(data).ok()?;
    let (width, height) = image_dims(&bytes)?;
    Some(Recorded {
        body_bytes,
        model,
        prompt,
        detail,
        image_mime: mime.to_string(),
        image_bytes: bytes.len(),
        width,
        height,
        stream: request["stream"].as_bool().unwrap_or(false),
        include_usage: request["stream_options"]["include_usage"].as_bool().unwrap_or(false),
        fault: None,
    })
}

/// Width and height from a JPEG's frame header or a PNG's IHDR; enough for a stub.
pub fn image_dims(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        let be = |at: usize| Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
        return Some((be(16)?, be(20)?));
    }
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut at = 2;
    while at + 9 < bytes.len() {
        if bytes[at] != 0xFF {
            return None;
        }
        let marker = bytes[at + 1];
        let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        if matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
            let height = u16::from_be_bytes([bytes[at + 5], bytes[at + 6]]);
            let width = u16::from_be_bytes([bytes[at + 7], bytes[at + 8]]);
            return Some((u32::from(width), u32::from(height)));
        }
        at += 2 + len;
    }
    None
}
