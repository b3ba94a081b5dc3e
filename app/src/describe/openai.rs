//! OpenAI's chat-completions wire format, as spoken by OpenAI and the servers that copy
//! it (Ollama, LM Studio, vLLM, llama.cpp). Plain data and mapping, no I/O.

use serde::{Deserialize, Serialize};

use super::Detail;

#[derive(Debug, Serialize)]
pub struct ChatRequest<'a> {
    pub model: &'a str,
    pub messages: Vec<Message<'a>>,
    pub stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
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

/// One user message holding the prompt and the image, streamed, with usage at the end.
pub fn chat_request<'a>(model: &'a str, prompt: &'a str, image_url: &'a str, detail: Detail) -> ChatRequest<'a> {
    ChatRequest {
        model,
        messages: vec![Message {
            role: "user",
            content: vec![
                ContentPart::Text { text: prompt },
                ContentPart::ImageUrl { image_url: ImageUrl { url: image_url, detail } },
            ],
        }],
        stream: true,
        stream_options: Some(StreamOptions { include_usage: true }),
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

#[derive(Debug, Default, Deserialize)]
pub struct ChunkDelta {
    #[serde(default)]
    pub content: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Usage {
    #[serde(default)]
    pub prompt_tokens: u32,
    #[serde(default)]
    pub completion_tokens: u32,
}

/// What one streamed payload means for the description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChunkEvent {
    Delta(String),
    Usage(Usage),
    /// A choice ended (`finish_reason` set) or the stream said `[DONE]`.
    Finished,
}

/// Maps one SSE `data:` payload to what it says. `[DONE]` is the end marker, not JSON.
pub fn parse_chunk(data: &str) -> Result<Vec<ChunkEvent>, serde_json::Error> {
    if data.trim() == "[DONE]" {
        return Ok(vec![ChunkEvent::Finished]);
    }
    let chunk: ChatChunk = serde_json::from_str(data)?;
    let mut events = Vec::new();
    for choice in chunk.choices.unwrap_or_default() {
        if let Some(text) = choice.delta.and_then(|d| d.content).filter(|t| !t.is_empty()) {
            events.push(ChunkEvent::Delta(text));
        }
        if choice.finish_reason.is_some() {
            events.push(ChunkEvent::Finished);
        }
    }
    if let Some(usage) = chunk.usage {
        events.push(ChunkEvent::Usage(usage));
    }
    Ok(events)
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
        let request = chat_request("gpt-4o-mini", "Alt text please", "data:image/jpeg;base64,AAAA", Detail::Low);
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
                "stream_options": {"include_usage": true}
            })
        );
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
        ];
        for (data, want) in cases {
            assert_eq!(&parse_chunk(data)?, want, "{data}");
        }
        assert!(parse_chunk("{not json").is_err());
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
