//! OpenAI's chat-completions wire format, as spoken by OpenAI and the servers that copy
//! it (Ollama, LM Studio, vLLM, llama.cpp). Plain data and mapping, no I/O.

use serde::{Deserialize, Serialize};

use super::reply::{ChunkEvent, Usage};
use super::Detail;

#[derive(Debug, Serialize)]
pub struct ChatRequest<'a> {
    pub model: &'a str,
    pub messages: Vec<Message<'a>>,
    pub stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Structured output: see [`json_schema_format`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_format: Option<serde_json::Value>,
    /// Left out for the model's default (reasoning models take no other).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
}

/// OpenAI's strict structured output for an answer schema; servers that copy the API
/// (vLLM, llama.cpp, LM Studio, Ollama) read the same shape.
pub fn json_schema_format(schema: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "type": "json_schema",
        "json_schema": {"name": "image_fields", "schema": schema, "strict": true},
    })
}

/// How a server wants the reply's length capped: OpenAI and Azure take
/// `max_completion_tokens` (their reasoning models refuse `max_tokens`); the local servers
/// that copy the API know the older `max_tokens`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputCap {
    Completion(u32),
    Legacy(u32),
}

#[derive(Debug, Serialize)]
pub struct StreamOptions {
    pub include_usage: bool,
}

#[derive(Debug, Serialize)]
pub struct Message<'a> {
    pub role: &'static str,
    pub content: Vec<ContentPart<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart<'a> {
    Text { text: &'a str },
    ImageUrl { image_url: ImageUrl<'a> },
}

#[derive(Debug, Serialize)]
pub struct ImageUrl<'a> {
    pub url: &'a str,
    pub detail: Detail,
}

/// One user message holding the prompt and the image; streamed with usage at the end, or not.
pub fn chat_request<'a>(
    model: &'a str,
    prompt: &'a str,
    image_url: &'a str,
    detail: Detail,
    stream: bool,
    cap: OutputCap,
) -> ChatRequest<'a> {
    ChatRequest {
        model,
        messages: vec![Message {
            role: "user",
            content: vec![
                ContentPart::Text { text: prompt },
                ContentPart::ImageUrl { image_url: ImageUrl { url: image_url, detail } },
            ],
        }],
        stream,
        stream_options: stream.then_some(StreamOptions { include_usage: true }),
        max_completion_tokens: match cap {
            OutputCap::Completion(n) => Some(n),
            OutputCap::Legacy(_) => None,
        },
        max_tokens: match cap {
            OutputCap::Legacy(n) => Some(n),
            OutputCap::Completion(_) => None,
        },
        response_format: None,
        temperature: None,
    }
}

impl<'a> ChatRequest<'a> {
    /// An item's other photos, after the first: one description from all of them.
    pub fn with_more_images(mut self, images: impl Iterator<Item = &'a str>, detail: Detail) -> Self {
        let content = &mut self.messages[0].content;
        content.extend(images.map(|url| ContentPart::ImageUrl { image_url: ImageUrl { url, detail } }));
        self
    }
}

/// One `data:` payload of a streamed reply.
#[derive(Debug, Default, Deserialize)]
pub struct ChatChunk {
    /// vLLM sends `null` here in the usage chunk; OpenAI sends `[]`.
    #[serde(default)]
    pub choices: Option<Vec<ChunkChoice>>,
    #[serde(default)]
    pub usage: Option<Usage>,
}

#[derive(Debug, Deserialize)]
pub struct ChunkChoice {
    #[serde(default)]
    pub delta: Option<ChunkDelta>,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// A streamed piece of the message, or the whole message when not streamed.
#[derive(Debug, Default, Deserialize)]
pub struct ChunkDelta {
    #[serde(default)]
    pub content: Option<String>,
    /// Set instead of `content` when the model declines.
    #[serde(default)]
    pub refusal: Option<String>,
}

/// A whole reply, when the request did not stream.
#[derive(Debug, Default, Deserialize)]
pub struct Completion {
    #[serde(default)]
    pub choices: Vec<CompletionChoice>,
    #[serde(default)]
    pub usage: Option<Usage>,
}

#[derive(Debug, Deserialize)]
pub struct CompletionChoice {
    #[serde(default)]
    pub message: Option<ChunkDelta>,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// Maps one SSE `data:` payload to what it says. `[DONE]` is the end marker, not JSON.
pub fn parse_chunk(data: &str) -> Result<Vec<ChunkEvent>, serde_json::Error> {
    if data.trim() == "[DONE]" {
        return Ok(vec![ChunkEvent::Finished]);
    }
    let chunk: ChatChunk = serde_json::from_str(data)?;
    let mut events = Vec::new();
    for choice in chunk.choices.unwrap_or_default() {
        push_choice(&mut events, choice.delta, choice.finish_reason);
    }
    events.extend(chunk.usage.map(ChunkEvent::Usage));
    Ok(events)
}

/// Maps a reply that was not streamed to the same events a stream would have carried.
pub fn parse_completion(body: &str) -> Result<Vec<ChunkEvent>, serde_json::Error> {
    let completion: Completion = serde_json::from_str(body)?;
    let mut events = Vec::new();
    for choice in completion.choices.into_iter().take(1) {
        push_choice(&mut events, choice.message, choice.finish_reason.or_else(|| Some("stop".into())));
    }
    events.extend(completion.usage.map(ChunkEvent::Usage));
    Ok(events)
}

fn push_choice(events: &mut Vec<ChunkEvent>, delta: Option<ChunkDelta>, finish_reason: Option<String>) {
    let delta = delta.unwrap_or_default();
    if let Some(text) = delta.content.filter(|t| !t.is_empty()) {
        events.push(ChunkEvent::Delta(text));
    }
    if let Some(refusal) = delta.refusal.filter(|t| !t.is_empty()) {
        events.push(ChunkEvent::Refusal(refusal));
    }
    match finish_reason.as_deref() {
        None => {}
        // Azure's and OpenAI's content filter cut the reply.
        Some("content_filter") => events.push(ChunkEvent::Filtered("content filter".into())),
        Some(_) => events.push(ChunkEvent::Finished),
    }
}

/// The ids in a `GET /models` answer (OpenAI, its copies, and Anthropic share the shape).
pub fn parse_model_list(body: &str) -> Result<Vec<String>, serde_json::Error> {
    #[derive(Deserialize)]
    struct List {
        data: Vec<Entry>,
    }
    #[derive(Deserialize)]
    struct Entry {
        id: String,
    }
    Ok(serde_json::from_str::<List>(body)?.data.into_iter().map(|e| e.id).collect())
}

/// OpenAI's error envelope: `{"error": {"message", "type", "code"}}`.
#[derive(Debug, Default, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub error: Option<ErrorDetail>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ErrorDetail {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: Option<serde_json::Value>,
}

/// Whether an error body says the account is out of money rather than briefly over a limit.
pub fn is_insufficient_quota(body: &str) -> bool {
    let Ok(ErrorBody { error: Some(detail) }) = serde_json::from_str::<ErrorBody>(body) else {
        return false;
    };
    detail.kind.as_deref() == Some("insufficient_quota")
        || detail.code.as_ref().and_then(|c| c.as_str()) == Some("insufficient_quota")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_has_the_wire_shape() -> Result<(), Box<dyn std::error::Error>> {
        let request = chat_request(
            "gpt-4o-mini",
            "Alt text please",
            "data:image/jpeg;base64,AAAA",
            Detail::Low,
            true,
            OutputCap::Completion(300),
        );
        let json = serde_json::to_value(&request)?;
        assert_eq!(
            json,
            serde_json::json!({
                "model": "gpt-4o-mini",
                "messages": [{
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "Alt text please"},
                        {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,AAAA", "detail": "low"}}
                    ]
                }],
                "stream": true,
                "stream_options": {"include_usage": true},
                "max_completion_tokens": 300
            })
        );
        let local = chat_request("llava", "x", "data:", Detail::Auto, false, OutputCap::Legacy(64));
        let json = serde_json::to_value(&local)?;
        assert_eq!((json.get("max_tokens"), json.get("max_completion_tokens")), (Some(&serde_json::json!(64)), None));
        Ok(())
    }

    #[test]
    fn chunks_map_to_events() -> Result<(), Box<dyn std::error::Error>> {
        let cases: &[(&str, Vec<ChunkEvent>)] = &[
            (
                r#"{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
                vec![],
            ),
            (
                r#"{"choices":[{"index":0,"delta":{"content":"A cat"},"finish_reason":null}]}"#,
                vec![ChunkEvent::Delta("A cat".into())],
            ),
            (r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#, vec![ChunkEvent::Finished]),
            (
                r#"{"choices":[],"usage":{"prompt_tokens":90,"completion_tokens":12,"total_tokens":102}}"#,
                vec![ChunkEvent::Usage(Usage { prompt_tokens: 90, completion_tokens: 12 })],
            ),
            // vLLM's usage chunk
            (
                r#"{"choices":null,"usage":{"prompt_tokens":5,"completion_tokens":1}}"#,
                vec![ChunkEvent::Usage(Usage { prompt_tokens: 5, completion_tokens: 1 })],
            ),
            ("[DONE]", vec![ChunkEvent::Finished]),
            // A model that declines says so in `refusal`, not `content`.
            (
                r#"{"choices":[{"index":0,"delta":{"refusal":"I can't help with that."},"finish_reason":null}]}"#,
                vec![ChunkEvent::Refusal("I can't help with that.".into())],
            ),
            (
                r#"{"choices":[{"index":0,"delta":{},"finish_reason":"content_filter"}]}"#,
                vec![ChunkEvent::Filtered("content filter".into())],
            ),
            // Azure's first chunk carries only prompt filter results.
            (r#"{"choices":[],"prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}"#, vec![]),
        ];
        for (data, want) in cases {
            assert_eq!(&parse_chunk(data)?, want, "{data}");
        }
        assert!(parse_chunk("{not json").is_err());
        Ok(())
    }

    #[test]
    fn a_reply_that_did_not_stream_reads_the_same() -> Result<(), Box<dyn std::error::Error>> {
        let body = r#"{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"A cat.","refusal":null},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}"#;
        assert_eq!(
            parse_completion(body)?,
            vec![
                ChunkEvent::Delta("A cat.".into()),
                ChunkEvent::Finished,
                ChunkEvent::Usage(Usage { prompt_tokens: 9, completion_tokens: 3 })
            ]
        );
        let refused = r#"{"choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"No."},"finish_reason":"stop"}]}"#;
        assert_eq!(parse_completion(refused)?, vec![ChunkEvent::Refusal("No.".into()), ChunkEvent::Finished]);
        Ok(())
    }

    #[test]
    fn model_lists_read_their_ids() -> Result<(), Box<dyn std::error::Error>> {
        let openai = r#"{"object":"list","data":[{"id":"gpt-4o","object":"model","created":1,"owned_by":"system"}]}"#;
        let anthropic = r#"{"data":[{"type":"model","id":"claude-sonnet-4-5","display_name":"Claude Sonnet 4.5","created_at":"2025-09-29T00:00:00Z"}],"has_more":false,"first_id":"a","last_id":"b"}"#;
        assert_eq!(parse_model_list(openai)?, ["gpt-4o"]);
        assert_eq!(parse_model_list(anthropic)?, ["claude-sonnet-4-5"]);
        Ok(())
    }

    #[test]
    fn quota_errors_are_told_apart_from_rate_limits() {
        let cases = [
            (
                r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#,
                true,
            ),
            (r#"{"error":{"message":"quota","type":"requests","code":"insufficient_quota"}}"#, true),
            (r#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#, false),
            ("<html>Too Many Requests</html>", false),
            ("", false),
        ];
        for (body, want) in cases {
            assert_eq!(is_insufficient_quota(body), want, "{body}");
        }
    }
}
