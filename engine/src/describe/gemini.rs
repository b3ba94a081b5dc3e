//! Google Gemini's `generateContent` wire format: `inline_data` parts, the streamed
//! `GenerateContentResponse` objects (`streamGenerateContent?alt=sse`), usage metadata,
//! safety blocks, and the Google RPC error envelope. Plain data and mapping, no I/O.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::reply::{ChunkEvent, Usage};

#[derive(Debug, Serialize)]
pub struct GenerateRequest<'a> {
    pub contents: [Content<'a>; 1],
    #[serde(rename = "generationConfig")]
    pub generation_config: GenerationConfig,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerationConfig {
    /// Caps the reply (thinking included, on the models that think).
    pub max_output_tokens: u32,
    /// `application/json` when the answer has a schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_mime_type: Option<&'static str>,
    /// The answer's JSON Schema (Gemini's `responseJsonSchema`, which takes standard JSON
    /// Schema, unlike the older OpenAPI-subset `responseSchema`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_json_schema: Option<serde_json::Value>,
    /// 0 to 2; left out for the model's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
}

impl GenerationConfig {
    /// Asks for JSON that follows `schema`.
    pub fn with_schema(mut self, schema: &serde_json::Value) -> GenerationConfig {
        self.response_mime_type = Some("application/json");
        self.response_json_schema = Some(schema.clone());
        self
    }
}

#[derive(Debug, Serialize)]
pub struct Content<'a> {
    pub role: &'static str,
    /// The images, then the prompt.
    pub parts: Vec<Part<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Part<'a> {
    InlineData { inline_data: InlineData<'a> },
    Text { text: &'a str },
}

#[derive(Debug, Serialize)]
pub struct InlineData<'a> {
    pub mime_type: &'a str,
    pub data: &'a str,
}

/// The image, then the prompt, in one user turn.
pub fn generate_request<'a>(
    prompt: &'a str,
    mime_type: &'a str,
    base64: &'a str,
    max_tokens: u32,
) -> GenerateRequest<'a> {
    GenerateRequest {
        contents: [Content {
            role: "user",
            parts: vec![
                Part::InlineData { inline_data: InlineData { mime_type, data: base64 } },
                Part::Text { text: prompt },
            ],
        }],
        generation_config: GenerationConfig {
            max_output_tokens: max_tokens,
            response_mime_type: None,
            response_json_schema: None,
            temperature: None,
        },
    }
}

impl<'a> GenerateRequest<'a> {
    /// An item's other photos, after the first and before the prompt.
    pub fn with_more_images(mut self, images: impl Iterator<Item = (&'a str, &'a str)>) -> Self {
        let parts = &mut self.contents[0].parts;
        let at = parts.len().saturating_sub(1);
        let more: Vec<Part<'a>> =
            images.map(|(mime_type, data)| Part::InlineData { inline_data: InlineData { mime_type, data } }).collect();
        parts.splice(at..at, more);
        self
    }
}

/// The path after `/v1beta/models/` for one model, streamed or not.
pub fn method_path(model: &str, stream: bool) -> String {
    let model = model.strip_prefix("models/").unwrap_or(model);
    if stream {
        format!("{model}:streamGenerateContent")
    } else {
        format!("{model}:generateContent")
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    #[serde(default)]
    candidates: Vec<Candidate>,
    #[serde(default)]
    usage_metadata: Option<UsageMetadata>,
    #[serde(default)]
    prompt_feedback: Option<PromptFeedback>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    #[serde(default)]
    content: Option<CandidateContent>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct CandidateContent {
    #[serde(default)]
    parts: Vec<ReplyPart>,
}

#[derive(Debug, Default, Deserialize)]
struct ReplyPart {
    #[serde(default)]
    text: Option<String>,
    /// Thinking models' reasoning; not part of the description.
    #[serde(default)]
    thought: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UsageMetadata {
    #[serde(default)]
    prompt_token_count: u32,
    #[serde(default)]
    candidates_token_count: u32,
    /// Billed as output.
    #[serde(default)]
    thoughts_token_count: u32,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromptFeedback {
    #[serde(default)]
    block_reason: Option<String>,
}

/// One streamed object, or the whole reply: both have the same shape.
pub fn parse_response(data: &str) -> Result<Vec<ChunkEvent>, serde_json::Error> {
    let response: Response = serde_json::from_str(data)?;
    let mut events = Vec::new();
    if let Some(reason) = response.prompt_feedback.and_then(|f| f.block_reason) {
        events.push(ChunkEvent::Filtered(words(&reason)));
    }
    for candidate in response.candidates.into_iter().take(1) {
        let text: String = candidate
            .content
            .map(|c| c.parts)
            .unwrap_or_default()
            .into_iter()
            .filter(|p| !p.thought)
            .filter_map(|p| p.text)
            .collect();
        if !text.is_empty() {
            events.push(ChunkEvent::Delta(text));
        }
        match candidate.finish_reason.as_deref() {
            None | Some("FINISH_REASON_UNSPECIFIED") => {}
            Some("STOP" | "MAX_TOKENS") => events.push(ChunkEvent::Finished),
            Some(reason) => events.push(ChunkEvent::Filtered(words(reason))),
        }
    }
    if let Some(usage) = response.usage_metadata {
        events.push(ChunkEvent::Usage(Usage {
            prompt_tokens: usage.prompt_token_count,
            completion_tokens: usage.candidates_token_count + usage.thoughts_token_count,
        }));
    }
    Ok(events)
}

/// `IMAGE_SAFETY` → "image safety".
fn words(reason: &str) -> String {
    reason.to_ascii_lowercase().replace('_', " ")
}

/// The ids of the models that can `generateContent`, without the `models/` prefix.
pub fn parse_model_list(body: &str) -> Result<Vec<String>, serde_json::Error> {
    #[derive(Deserialize)]
    struct List {
        #[serde(default)]
        models: Vec<Model>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Model {
        name: String,
        #[serde(default)]
        supported_generation_methods: Vec<String>,
    }
    let list: List = serde_json::from_str(body)?;
    Ok(list
        .models
        .into_iter()
        .filter(|m| m.supported_generation_methods.iter().any(|g| g == "generateContent"))
        .map(|m| m.name.strip_prefix("models/").unwrap_or(&m.name).to_string())
        .collect())
}

/// What a Google RPC error says beyond its status code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorFacts {
    /// `API_KEY_INVALID`: Gemini answers a bad key with 400, not 401.
    pub bad_key: bool,
    /// A per-day quota is used up: retrying within the batch cannot help.
    pub daily_quota: bool,
    /// `RetryInfo.retryDelay`, Gemini's Retry-After.
    pub retry_delay: Option<Duration>,
}

pub fn error_facts(body: &str) -> ErrorFacts {
    #[derive(Deserialize)]
    struct Envelope {
        error: Detail,
    }
    #[derive(Deserialize)]
    struct Detail {
        #[serde(default)]
        details: Vec<serde_json::Value>,
    }
    let Ok(envelope) = serde_json::from_str::<Envelope>(body) else { return ErrorFacts::default() };
    let mut facts = ErrorFacts::default();
    for detail in envelope.error.details {
        if detail["reason"] == "API_KEY_INVALID" {
            facts.bad_key = true;
        }
        if let Some(violations) = detail["violations"].as_array() {
            facts.daily_quota |=
                violations.iter().any(|v| v["quotaId"].as_str().is_some_and(|id| id.contains("PerDay")));
        }
        if let Some(delay) = detail["retryDelay"].as_str() {
            facts.retry_delay = delay
                .strip_suffix('s')
                .and_then(|s| s.parse::<f64>().ok())
                .and_then(|s| Duration::try_from_secs_f64(s.max(0.0)).ok());
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_has_the_wire_shape() -> Result<(), serde_json::Error> {
        let json = serde_json::to_value(generate_request("Alt text", "image/jpeg", "AAAA", 512))?;
        assert_eq!(
            json,
            serde_json::json!({"contents": [{"role": "user", "parts": [
                {"inline_data": {"mime_type": "image/jpeg", "data": "AAAA"}},
                {"text": "Alt text"}
            ]}], "generationConfig": {"maxOutputTokens": 512}})
        );
        assert_eq!(method_path("models/gemini-2.5-flash", true), "gemini-2.5-flash:streamGenerateContent");
        assert_eq!(method_path("gemini-2.5-flash", false), "gemini-2.5-flash:generateContent");
        Ok(())
    }

    #[test]
    fn responses_map_to_events() -> Result<(), serde_json::Error> {
        let usage = |p, c| ChunkEvent::Usage(Usage { prompt_tokens: p, completion_tokens: c });
        let cases: Vec<(&str, Vec<ChunkEvent>)> = vec![
            (
                r#"{"candidates":[{"content":{"parts":[{"text":"A red"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":264,"totalTokenCount":264},"modelVersion":"gemini-2.5-flash"}"#,
                vec![ChunkEvent::Delta("A red".into()), usage(264, 0)],
            ),
            (
                r#"{"candidates":[{"content":{"parts":[{"text":" bike."}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":264,"candidatesTokenCount":5,"thoughtsTokenCount":20,"totalTokenCount":289}}"#,
                vec![ChunkEvent::Delta(" bike.".into()), ChunkEvent::Finished, usage(264, 25)],
            ),
            (r#"{"candidates":[{"content":{"parts":[{"text":"thinking…","thought":true}],"role":"model"}}]}"#, vec![]),
            (
                r#"{"candidates":[{"finishReason":"IMAGE_SAFETY","index":0}],"usageMetadata":{"promptTokenCount":260}}"#,
                vec![ChunkEvent::Filtered("image safety".into()), usage(260, 0)],
            ),
            (
                r#"{"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":260}}"#,
                vec![ChunkEvent::Filtered("prohibited content".into()), usage(260, 0)],
            ),
        ];
        for (data, want) in cases {
            assert_eq!(parse_response(data)?, want, "{data}");
        }
        Ok(())
    }

    #[test]
    fn model_lists_keep_what_can_generate() -> Result<(), serde_json::Error> {
        let body = r#"{"models":[
            {"name":"models/gemini-2.5-flash","supportedGenerationMethods":["generateContent","countTokens"]},
            {"name":"models/text-embedding-004","supportedGenerationMethods":["embedContent"]}
        ],"nextPageToken":"x"}"#;
        assert_eq!(parse_model_list(body)?, ["gemini-2.5-flash"]);
        Ok(())
    }

    #[test]
    fn error_details_say_what_the_status_does_not() {
        let bad_key = r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}"#;
        let daily = r#"{"error":{"code":429,"message":"You exceeded your current quota","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"27s"}]}}"#;
        let per_minute = r#"{"error":{"code":429,"message":"Resource exhausted","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}]}}"#;
        let cases = [
            (bad_key, ErrorFacts { bad_key: true, ..ErrorFacts::default() }),
            (
                daily,
                ErrorFacts { daily_quota: true, retry_delay: Some(Duration::from_secs(27)), ..ErrorFacts::default() },
            ),
            (per_minute, ErrorFacts { retry_delay: Some(Duration::from_millis(1500)), ..ErrorFacts::default() }),
            ("<html>502</html>", ErrorFacts::default()),
        ];
        for (body, want) in cases {
            assert_eq!(error_facts(body), want, "{body}");
        }
    }
}
