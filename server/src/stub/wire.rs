//! The stub's dialects: how each provider checks its key, reads a request, streams a
//! reply, sends a whole one, lists models and words its errors.

use std::collections::HashMap;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::Recorded;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    Openai,
    Azure,
    Anthropic,
    Gemini,
}

#[derive(Clone, Copy)]
pub struct Tokens {
    pub prompt: u32,
    pub completion: u32,
}

/// What a good reply says.
pub struct Reply<'a> {
    pub text: &'a str,
    pub usage: Tokens,
    /// Answer with the dialect's own refusal signal instead of the text.
    pub refuse: bool,
    /// Leave the usage out (OpenAI dialects only).
    pub no_usage: bool,
    pub recorded: &'a Recorded,
}

/// Splits text into a few streamed pieces, whole words each.
fn pieces(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_inclusive(' ').collect();
    words.chunks(3).map(|piece| piece.concat()).collect()
}

fn sse(data: &Value) -> String {
    format!("data: {data}\n\n")
}

fn named_sse(event: &str, data: &Value) -> String {
    format!("event: {event}\ndata: {data}\n\n")
}

impl Dialect {
    /// Checks the key the way the real provider does, returning its refusal when wrong.
    /// The refusal echoes what was sent, as OpenAI's does, so tests can prove picscribe
    /// never passes it on.
    pub fn authorize(
        self,
        key: Option<&str>,
        headers: &HeaderMap,
        query: &HashMap<String, String>,
    ) -> Option<Response> {
        let key = key?;
        let header_value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let given = match self {
            Dialect::Openai => header_value(header::AUTHORIZATION.as_str()).trim_start_matches("Bearer ").to_string(),
            Dialect::Azure => header_value("api-key"),
            Dialect::Anthropic => header_value("x-api-key"),
            Dialect::Gemini => {
                let from_header = header_value("x-goog-api-key");
                if from_header.is_empty() {
                    query.get("key").cloned().unwrap_or_default()
                } else {
                    from_header
                }
            }
        };
        if given == key {
            return None;
        }
        let shown = format!("Incorrect API key provided: {given}.");
        Some(match self {
            Dialect::Openai | Dialect::Azure => {
                openai_error(StatusCode::UNAUTHORIZED, &shown, "invalid_request_error", "invalid_api_key")
            }
            Dialect::Anthropic => anthropic_error(StatusCode::UNAUTHORIZED, "authentication_error", &shown),
            Dialect::Gemini => gemini_error(
                StatusCode::BAD_REQUEST,
                "INVALID_ARGUMENT",
                "API key not valid. Please pass a valid API key.",
                vec![json!({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}})],
            ),
        })
    }

    /// How many frames of [`Dialect::frames`] come before the first piece of text.
    pub fn frames_before_text(self) -> usize {
        match self {
            Dialect::Openai | Dialect::Azure => 1,
            Dialect::Anthropic => 2,
            Dialect::Gemini => 0,
        }
    }

    /// A streamed reply as server-sent event frames.
    pub fn frames(self, reply: &Reply<'_>) -> Vec<String> {
        let Tokens { prompt, completion } = reply.usage;
        let model = &reply.recorded.model;
        match self {
            Dialect::Openai | Dialect::Azure => {
                let chunk = |delta: Value, finish: Option<&str>| {
                    sse(&json!({
                        "id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": 0, "model": model,
                        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                    }))
                };
                let mut frames = vec![chunk(json!({"role": "assistant", "content": ""}), None)];
                let field = if reply.refuse { "refusal" } else { "content" };
                let said = if reply.refuse { "I can't help with that request." } else { reply.text };
                frames.extend(pieces(said).into_iter().map(|piece| chunk(json!({ field: piece }), None)));
                frames.push(chunk(json!({}), Some("stop")));
                if reply.no_usage {
                    frames.push(sse(&json!({"id": "chatcmpl-stub", "object": "chat.completion.chunk",
                        "created": 0, "model": model, "choices": null})));
                } else if reply.recorded.include_usage {
                    frames.push(sse(&json!({"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": 0,
                        "model": model, "choices": [],
                        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}})));
                }
                frames.push("data: [DONE]\n\n".to_string());
                frames
            }
            Dialect::Anthropic => {
                let mut frames = vec![
                    named_sse(
                        "message_start",
                        &json!({"type": "message_start", "message": {
                        "id": "msg_stub", "type": "message", "role": "assistant", "content": [], "model": model,
                        "stop_reason": null, "stop_sequence": null,
                        "usage": {"input_tokens": prompt, "output_tokens": 1}}}),
                    ),
                    named_sse(
                        "content_block_start",
                        &json!({"type": "content_block_start", "index": 0,
                        "content_block": {"type": "text", "text": ""}}),
                    ),
                ];
                if !reply.refuse {
                    frames.extend(pieces(reply.text).into_iter().map(|piece| {
                        named_sse(
                            "content_block_delta",
                            &json!({"type": "content_block_delta", "index": 0,
                            "delta": {"type": "text_delta", "text": piece}}),
                        )
                    }));
                }
                frames.push(named_sse("ping", &json!({"type": "ping"})));
                frames.push(named_sse("content_block_stop", &json!({"type": "content_block_stop", "index": 0})));
                let stop = if reply.refuse { "refusal" } else { "end_turn" };
                frames.push(named_sse(
                    "message_delta",
                    &json!({"type": "message_delta",
                    "delta": {"stop_reason": stop, "stop_sequence": null}, "usage": {"output_tokens": completion}}),
                ));
                frames.push(named_sse("message_stop", &json!({"type": "message_stop"})));
                frames
            }
            Dialect::Gemini => {
                let usage = |done: bool| {
                    json!({"promptTokenCount": prompt, "candidatesTokenCount": if done { completion } else { 0 },
                        "totalTokenCount": prompt + if done { completion } else { 0 }})
                };
                if reply.refuse {
                    return vec![sse(&json!({"candidates": [{"finishReason": "SAFETY", "index": 0}],
                        "usageMetadata": usage(false), "modelVersion": model}))];
                }
                let texts = pieces(reply.text);
                let last = texts.len().saturating_sub(1);
                texts
                    .into_iter()
                    .enumerate()
                    .map(|(i, piece)| {
                        let mut candidate = json!({"content": {"parts": [{"text": piece}], "role": "model"}, "index": 0});
                        if i == last {
                            candidate["finishReason"] = json!("STOP");
                        }
                        sse(&json!({"candidates": [candidate], "usageMetadata": usage(i == last), "modelVersion": model}))
                    })
                    .collect()
            }
        }
    }

    /// A reply that was not streamed.
    pub fn whole(self, reply: &Reply<'_>) -> Value {
        let Tokens { prompt, completion } = reply.usage;
        let model = &reply.recorded.model;
        match self {
            Dialect::Openai | Dialect::Azure => {
                let message = if reply.refuse {
                    json!({"role": "assistant", "content": null, "refusal": "I can't help with that request."})
                } else {
                    json!({"role": "assistant", "content": reply.text, "refusal": null})
                };
                json!({"id": "chatcmpl-stub", "object": "chat.completion", "created": 0, "model": model,
                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}})
            }
            Dialect::Anthropic => {
                let (content, stop) = if reply.refuse {
                    (json!([]), "refusal")
                } else {
                    (json!([{"type": "text", "text": reply.text}]), "end_turn")
                };
                json!({"id": "msg_stub", "type": "message", "role": "assistant", "model": model, "content": content,
                    "stop_reason": stop, "stop_sequence": null,
                    "usage": {"input_tokens": prompt, "output_tokens": completion}})
            }
            Dialect::Gemini => {
                let candidate = if reply.refuse {
                    json!({"finishReason": "SAFETY", "index": 0})
                } else {
                    json!({"content": {"parts": [{"text": reply.text}], "role": "model"}, "finishReason": "STOP", "index": 0})
                };
                json!({"candidates": [candidate], "modelVersion": model,
                    "usageMetadata": {"promptTokenCount": prompt, "candidatesTokenCount": completion,
                        "totalTokenCount": prompt + completion}})
            }
        }
    }

    /// The models this dialect lists, in its own shape; each includes one that cannot
    /// describe images, so tests see picscribe leave it out.
    pub fn model_list(self) -> Value {
        match self {
            Dialect::Openai | Dialect::Azure => json!({"object": "list", "data": [
                {"id": "stub-vision", "object": "model", "created": 0, "owned_by": "stub"},
                {"id": "stub-vision-large", "object": "model", "created": 0, "owned_by": "stub"},
                {"id": "o4-mini", "object": "model", "created": 0, "owned_by": "stub"},
                {"id": "text-embedding-3-small", "object": "model", "created": 0, "owned_by": "stub"},
            ]}),
            Dialect::Anthropic => json!({"data": [
                {"type": "model", "id": "claude-stub-4", "display_name": "Claude Stub 4", "created_at": "2026-01-01T00:00:00Z"},
                {"type": "model", "id": "claude-stub-4-haiku", "display_name": "Claude Stub 4 Haiku", "created_at": "2026-01-01T00:00:00Z"},
            ], "has_more": false, "first_id": "claude-stub-4", "last_id": "claude-stub-4-haiku"}),
            Dialect::Gemini => json!({"models": [
                {"name": "models/gemini-stub-flash", "displayName": "Gemini Stub Flash",
                    "supportedGenerationMethods": ["generateContent", "countTokens"]},
                {"name": "models/text-embedding-stub", "displayName": "Embedding",
                    "supportedGenerationMethods": ["embedContent"]},
            ]}),
        }
    }

    pub fn error(self, status: StatusCode, message: &str) -> Response {
        match self {
            Dialect::Openai | Dialect::Azure => {
                openai_error(status, message, "invalid_request_error", "invalid_request")
            }
            Dialect::Anthropic => anthropic_error(status, "invalid_request_error", message),
            Dialect::Gemini => gemini_error(status, "INVALID_ARGUMENT", message, vec![]),
        }
    }

    /// OpenAI's reasoning models (`o1`, `o3`, `o4-mini`, `gpt-5`) take no temperature but
    /// their own: a request naming another is refused with OpenAI's body for it.
    pub fn refuse_temperature(self, recorded: &super::Recorded) -> Option<Response> {
        let reasoning = ["o1", "o3", "o4", "gpt-5"].iter().any(|p| recorded.model.starts_with(p));
        let asked = recorded.temperature.filter(|t| (t - 1.0).abs() > f64::EPSILON)?;
        if !reasoning || !matches!(self, Dialect::Openai | Dialect::Azure) {
            return None;
        }
        let message = format!(
            "Unsupported value: 'temperature' does not support {asked} with this model. Only the default (1) value is supported."
        );
        let body = json!({"error": {"message": message, "type": "invalid_request_error", "param": "temperature", "code": "unsupported_value"}});
        Some((StatusCode::BAD_REQUEST, Json(body)).into_response())
    }

    pub fn rate_limited(self, retry_after: Option<&str>) -> Response {
        let mut response = match self {
            Dialect::Openai | Dialect::Azure => openai_error(
                StatusCode::TOO_MANY_REQUESTS,
                "Rate limit reached for requests",
                "requests",
                "rate_limit_exceeded",
            ),
            Dialect::Anthropic => anthropic_error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_error",
                "Number of requests has exceeded your per-minute rate limit.",
            ),
            // Gemini says how long to wait in the body, never in a header.
            Dialect::Gemini => {
                let mut details = vec![json!({"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
                    {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                     "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]})];
                if let Some(secs) = retry_after {
                    details.push(
                        json!({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": format!("{secs}s")}),
                    );
                }
                return gemini_error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "RESOURCE_EXHAUSTED",
                    "Resource has been exhausted (e.g. check quota).",
                    details,
                );
            }
        };
        if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(v).ok()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }

    pub fn out_of_quota(self) -> Response {
        match self {
            Dialect::Openai | Dialect::Azure => openai_error(
                StatusCode::TOO_MANY_REQUESTS,
                "You exceeded your current quota, please check your plan and billing details.",
                "insufficient_quota",
                "insufficient_quota",
            ),
            Dialect::Anthropic => anthropic_error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.",
            ),
            Dialect::Gemini => gemini_error(
                StatusCode::TOO_MANY_REQUESTS,
                "RESOURCE_EXHAUSTED",
                "You exceeded your current quota, please check your plan and billing details.",
                vec![
                    json!({"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
                        {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                         "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]}),
                    json!({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "43s"}),
                ],
            ),
        }
    }

    pub fn server_error(self, status: StatusCode) -> Response {
        match self {
            Dialect::Openai | Dialect::Azure => openai_error(
                status,
                "The server had an error while processing your request.",
                "server_error",
                "server_error",
            ),
            Dialect::Anthropic if status.as_u16() == 529 => anthropic_error(status, "overloaded_error", "Overloaded"),
            Dialect::Anthropic => anthropic_error(status, "api_error", "Internal server error"),
            Dialect::Gemini => {
                let kind = if status == StatusCode::SERVICE_UNAVAILABLE { "UNAVAILABLE" } else { "INTERNAL" };
                gemini_error(status, kind, "An internal error has occurred.", vec![])
            }
        }
    }
}

fn openai_error(status: StatusCode, message: &str, kind: &str, code: &str) -> Response {
    let body = json!({"error": {"message": message, "type": kind, "param": null, "code": code}});
    (status, Json(body)).into_response()
}

fn anthropic_error(status: StatusCode, kind: &str, message: &str) -> Response {
    (status, Json(json!({"type": "error", "error": {"type": kind, "message": message}}))).into_response()
}

fn gemini_error(status: StatusCode, kind: &str, message: &str, details: Vec<Value>) -> Response {
    let body = json!({"error": {"code": status.as_u16(), "message": message, "status": kind, "details": details}});
    (status, Json(body)).into_response()
}
