//! Anthropic's Messages wire format: the request with a base64 image block, the streamed
//! events (`message_start` … `message_stop`), the whole reply, and its error envelope.
//! Plain data and mapping, no I/O.

use serde::{Deserialize, Serialize};

use super::reply::{ChunkEvent, Usage};

pub const API_VERSION: &str = "2023-06-01";

#[derive(Debug, Serialize)]
pub struct MessagesRequest<'a> {
    pub model: &'a str,
    pub max_tokens: u32,
    /// Left out when false: a batch's requests may not name streaming at all.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stream: bool,
    pub messages: [Message<'a>; 1],
    /// Structured output: see [`json_schema_output`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_config: Option<serde_json::Value>,
    /// 0 to 1 (Anthropic's range); left out for the model's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
}

/// The most Anthropic takes: a higher temperature asked of it is sent as 1.
pub const MAX_TEMPERATURE: f32 = 1.0;

/// Anthropic's structured output (`output_config.format`, generally available; no beta
/// header) for an answer schema.
pub fn json_schema_output(schema: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({"format": {"type": "json_schema", "schema": schema}})
}

#[derive(Debug, Serialize)]
pub struct Message<'a> {
    pub role: &'static str,
    /// The images, then the prompt.
    pub content: Vec<Block<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block<'a> {
    Image { source: ImageSource<'a> },
    Text { text: &'a str },
}

#[derive(Debug, Serialize)]
pub struct ImageSource<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub media_type: &'a str,
    pub data: &'a str,
}

/// The image first, then the prompt, as Anthropic recommends.
pub fn messages_request<'a>(
    model: &'a str,
    prompt: &'a str,
    media_type: &'a str,
    base64: &'a str,
    stream: bool,
    max_tokens: u32,
) -> MessagesRequest<'a> {
    MessagesRequest {
        model,
        max_tokens,
        stream,
        messages: [Message {
            role: "user",
            content: vec![
                Block::Image { source: ImageSource { kind: "base64", media_type, data: base64 } },
                Block::Text { text: prompt },
            ],
        }],
        output_config: None,
        temperature: None,
    }
}

impl<'a> MessagesRequest<'a> {
    /// An item's other photos, after the first and before the prompt: one description
    /// from all of them.
    pub fn with_more_images(mut self, images: impl Iterator<Item = (&'a str, &'a str)>) -> Self {
        let content = &mut self.messages[0].content;
        let at = content.len().saturating_sub(1);
        let more: Vec<Block<'a>> = images
            .map(|(media_type, data)| Block::Image { source: ImageSource { kind: "base64", media_type, data } })
            .collect();
        content.splice(at..at, more);
        self
    }
}

#[derive(Debug, Default, Deserialize)]
struct WireUsage {
    #[serde(default)]
    input_tokens: Option<u32>,
    #[serde(default)]
    output_tokens: Option<u32>,
    #[serde(default)]
    cache_creation_input_tokens: Option<u32>,
    #[serde(default)]
    cache_read_input_tokens: Option<u32>,
}

impl WireUsage {
    /// Input tokens including what was written to or read from the prompt cache.
    fn input(&self) -> Option<u32> {
        let parts = [self.input_tokens, self.cache_creation_input_tokens, self.cache_read_input_tokens];
        parts.iter().any(Option::is_some).then(|| parts.iter().flatten().sum())
    }
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum StreamedEvent {
    MessageStart {
        message: MessageStart,
    },
    ContentBlockDelta {
        delta: BlockDelta,
    },
    MessageDelta {
        delta: MessageDeltaBody,
        #[serde(default)]
        usage: WireUsage,
    },
    MessageStop,
    Error {
        error: ErrorDetail,
    },
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
struct MessageStart {
    #[serde(default)]
    usage: WireUsage,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum BlockDelta {
    TextDelta {
        text: String,
    },
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
struct MessageDeltaBody {
    #[serde(default)]
    stop_reason: Option<String>,
}

/// Why a stream broke with an `error` event, in Anthropic's words (`overloaded_error`…).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamError {
    pub kind: String,
}

/// Reads a streamed reply event by event; it remembers the input tokens from
/// `message_start` so each usage it reports is the whole cost so far.
#[derive(Debug, Default)]
pub struct StreamReader {
    input_tokens: u32,
    refused: bool,
}

impl StreamReader {
    pub fn push(&mut self, data: &str) -> Result<Result<Vec<ChunkEvent>, StreamError>, serde_json::Error> {
        let events = match serde_json::from_str::<StreamedEvent>(data)? {
            StreamedEvent::MessageStart { message } => {
                self.input_tokens = message.usage.input().unwrap_or(0);
                vec![]
            }
            StreamedEvent::ContentBlockDelta { delta: BlockDelta::TextDelta { text } } if !text.is_empty() => {
                vec![ChunkEvent::Delta(text)]
            }
            StreamedEvent::MessageDelta { delta, usage } => {
                if let Some(input) = usage.input() {
                    self.input_tokens = input;
                }
                let mut events = vec![ChunkEvent::Usage(Usage {
                    prompt_tokens: self.input_tokens,
                    completion_tokens: usage.output_tokens.unwrap_or(0),
                })];
                if delta.stop_reason.as_deref() == Some("refusal") {
                    self.refused = true;
                    events.push(ChunkEvent::Filtered(String::new()));
                }
                events
            }
            StreamedEvent::MessageStop if !self.refused => vec![ChunkEvent::Finished],
            StreamedEvent::Error { error } => return Ok(Err(StreamError { kind: error.kind.unwrap_or_default() })),
            _ => vec![],
        };
        Ok(Ok(events))
    }
}

#[derive(Debug, Deserialize)]
struct WholeMessage {
    #[serde(default)]
    content: Vec<WholeBlock>,
    #[serde(default)]
    stop_reason: Option<String>,
    #[serde(default)]
    usage: WireUsage,
}

#[derive(Debug, Deserialize)]
struct WholeBlock {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
}

/// Maps a reply that was not streamed to the same events a stream would have carried.
pub fn parse_message(body: &str) -> Result<Vec<ChunkEvent>, serde_json::Error> {
    let message: WholeMessage = serde_json::from_str(body)?;
    let text: String =
        message.content.into_iter().filter(|b| b.kind == "text").filter_map(|b| b.text).collect::<String>();
    let mut events = Vec::new();
    if !text.is_empty() {
        events.push(ChunkEvent::Delta(text));
    }
    events.push(ChunkEvent::Usage(Usage {
        prompt_tokens: message.usage.input().unwrap_or(0),
        completion_tokens: message.usage.output_tokens.unwrap_or(0),
    }));
    events.push(match message.stop_reason.as_deref() {
        Some("refusal") => ChunkEvent::Filtered(String::new()),
        _ => ChunkEvent::Finished,
    });
    Ok(events)
}

/// Anthropic's error envelope: `{"type": "error", "error": {"type", "message"}}`.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    error: Option<ErrorDetail>,
}

#[derive(Debug, Default, Deserialize)]
struct ErrorDetail {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Whether an error says the account is out of credit: a `billing_error`, or the
/// `invalid_request_error` Anthropic sends when the credit balance is too low.
pub fn is_out_of_credit(body: &str) -> bool {
    let Ok(ErrorBody { error: Some(detail) }) = serde_json::from_str::<ErrorBody>(body) else {
        return false;
    };
    detail.kind.as_deref() == Some("billing_error")
        || detail.message.is_some_and(|m| m.to_ascii_lowercase().contains("credit balance is too low"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_has_the_wire_shape() -> Result<(), serde_json::Error> {
        let json = serde_json::to_value(messages_request("claude-x", "Alt text", "image/png", "AAAA", true, 1024))?;
        assert_eq!(
            json,
            serde_json::json!({
                "model": "claude-x",
                "max_tokens": 1024,
                "stream": true,
                "messages": [{"role": "user", "content": [
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}},
                    {"type": "text", "text": "Alt text"}
                ]}]
            })
        );
        Ok(())
    }

    #[test]
    fn a_stream_maps_to_events() -> Result<(), serde_json::Error> {
        let stream = [
            r#"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-x","stop_reason":null,"usage":{"input_tokens":400,"cache_read_input_tokens":20,"output_tokens":1}}}"#,
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
            r#"{"type":"ping"}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"A red"}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" bike."}}"#,
            r#"{"type":"content_block_stop","index":0}"#,
            r#"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":7}}"#,
            r#"{"type":"message_stop"}"#,
        ];
        let mut reader = StreamReader::default();
        let mut events = Vec::new();
        for data in stream {
            events.extend(reader.push(data)?.unwrap_or_default());
        }
        assert_eq!(
            events,
            vec![
                ChunkEvent::Delta("A red".into()),
                ChunkEvent::Delta(" bike.".into()),
                ChunkEvent::Usage(Usage { prompt_tokens: 420, completion_tokens: 7 }),
                ChunkEvent::Finished,
            ]
        );
        Ok(())
    }

    #[test]
    fn refusals_and_stream_errors_are_not_text() -> Result<(), serde_json::Error> {
        let mut reader = StreamReader::default();
        let refused =
            reader.push(r#"{"type":"message_delta","delta":{"stop_reason":"refusal"},"usage":{"output_tokens":0}}"#)?;
        assert_eq!(refused.ok().and_then(|e| e.last().cloned()), Some(ChunkEvent::Filtered(String::new())));
        assert_eq!(reader.push(r#"{"type":"message_stop"}"#)?, Ok(vec![]));
        let broke = StreamReader::default()
            .push(r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#)?;
        assert_eq!(broke, Err(StreamError { kind: "overloaded_error".into() }));
        Ok(())
    }

    #[test]
    fn a_whole_message_reads_the_same() -> Result<(), serde_json::Error> {
        let body = r#"{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"A cat."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":300,"output_tokens":4}}"#;
        assert_eq!(
            parse_message(body)?,
            vec![
                ChunkEvent::Delta("A cat.".into()),
                ChunkEvent::Usage(Usage { prompt_tokens: 300, completion_tokens: 4 }),
                ChunkEvent::Finished
            ]
        );
        Ok(())
    }

    #[test]
    fn credit_errors_are_told_apart() {
        let cases = [
            (
                r#"{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."}}"#,
                true,
            ),
            (r#"{"type":"error","error":{"type":"billing_error","message":"x"}}"#, true),
            (
                r#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}"#,
                false,
            ),
            ("upstream connect error", false),
        ];
        for (body, want) in cases {
            assert_eq!(is_out_of_credit(body), want, "{body}");
        }
    }
}
