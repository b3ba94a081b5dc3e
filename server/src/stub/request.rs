//! How the stub reads a describe request in each dialect: what a test wants to know of
//! it, or `None` when it is not the shape picscribe sends (or misses what the real
//! provider requires).

use std::collections::HashMap;

use axum::http::HeaderMap;
use base64::Engine as _;
use serde_json::Value;

use super::{Dialect, Recorded};

/// What a request carried, before the image is decoded.
pub struct Seen {
    model: String,
    prompt: String,
    detail: String,
    mime: String,
    base64: String,
    /// Every image's base64, the first included, in order.
    all: Vec<String>,
    stream: bool,
    include_usage: bool,
    /// The output cap, wherever the dialect puts it.
    max_tokens: Option<u64>,
    /// The answer's schema, wherever the dialect puts structured output.
    schema: Option<Value>,
    /// The temperature, wherever the dialect puts it.
    temperature: Option<f64>,
}

impl Seen {
    pub fn into_recorded(
        self,
        dialect: Dialect,
        path: &str,
        query: &HashMap<String, String>,
        body_bytes: usize,
    ) -> Option<Recorded> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(&self.base64).ok()?;
        let size = imagesize::blob_size(&bytes).ok()?;
        let (width, height) = (u32::try_from(size.width).ok()?, u32::try_from(size.height).ok()?);
        let mut images = Vec::new();
        for data in &self.all {
            let bytes = base64::engine::general_purpose::STANDARD.decode(data).ok()?;
            let size = imagesize::blob_size(&bytes).ok()?;
            images.push((u32::try_from(size.width).ok()?, u32::try_from(size.height).ok()?));
        }
        let mut query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        query.sort();
        let path = if query.is_empty() { path.to_string() } else { format!("{path}?{}", query.join("&")) };
        Some(Recorded {
            dialect,
            path,
            body_bytes,
            model: self.model,
            prompt: self.prompt,
            detail: self.detail,
            image_mime: self.mime,
            image_bytes: bytes.len(),
            width,
            height,
            images,
            stream: self.stream,
            include_usage: self.include_usage,
            max_tokens: self.max_tokens,
            schema: self.schema,
            temperature: self.temperature,
            fault: None,
        })
    }
}

impl Dialect {
    /// Pulls out what a test wants to know; `None` when the request is not the shape
    /// picscribe sends (or misses what the real provider requires).
    pub fn read(
        self,
        request: &Value,
        headers: &HeaderMap,
        query: &HashMap<String, String>,
        from_path: Option<&str>,
    ) -> Option<Seen> {
        match self {
            Dialect::Openai | Dialect::Azure => {
                if self == Dialect::Azure && from_path.is_some() && !query.contains_key("api-version") {
                    return None;
                }
                let content = request.get("messages")?.as_array()?.first()?.get("content")?.as_array()?;
                let prompt = content.iter().find(|p| p["type"] == "text")?["text"].as_str()?.to_string();
                let image = content.iter().find(|p| p["type"] == "image_url")?;
                let url = image["image_url"]["url"].as_str()?;
                let (mime, data) = url.strip_prefix("data:")?.split_once(";base64,")?;
                let all = content
                    .iter()
                    .filter(|p| p["type"] == "image_url")
                    .map(|p| Some(p["image_url"]["url"].as_str()?.split_once(";base64,")?.1.to_string()))
                    .collect::<Option<Vec<_>>>()?;
                let model = match from_path {
                    Some(deployment) => deployment.to_string(),
                    None => request.get("model")?.as_str()?.to_string(),
                };
                Some(Seen {
                    model,
                    prompt,
                    detail: image["image_url"]["detail"].as_str().unwrap_or("auto").to_string(),
                    mime: mime.into(),
                    base64: data.into(),
                    all,
                    stream: request["stream"].as_bool().unwrap_or(false),
                    include_usage: request["stream_options"]["include_usage"].as_bool().unwrap_or(false),
                    max_tokens: request["max_completion_tokens"].as_u64().or(request["max_tokens"].as_u64()),
                    schema: strict_schema(&request["response_format"])?,
                    temperature: request["temperature"].as_f64(),
                })
            }
            Dialect::Anthropic => {
                headers.get("anthropic-version")?;
                let max_tokens = request.get("max_tokens")?.as_u64()?;
                let content = request.get("messages")?.as_array()?.first()?.get("content")?.as_array()?;
                let prompt = content.iter().find(|p| p["type"] == "text")?["text"].as_str()?.to_string();
                let source = &content.iter().find(|p| p["type"] == "image")?["source"];
                (source["type"] == "base64").then_some(())?;
                // Images first, the prompt last, as Anthropic recommends and picscribe sends.
                (content.last()?["type"] == "text").then_some(())?;
                let all = content
                    .iter()
                    .filter(|p| p["type"] == "image")
                    .map(|p| Some(p["source"]["data"].as_str()?.to_string()))
                    .collect::<Option<Vec<_>>>()?;
                Some(Seen {
                    model: request.get("model")?.as_str()?.to_string(),
                    prompt,
                    detail: String::new(),
                    mime: source["media_type"].as_str()?.into(),
                    base64: source["data"].as_str()?.into(),
                    all,
                    stream: request["stream"].as_bool().unwrap_or(false),
                    include_usage: true,
                    max_tokens: Some(max_tokens),
                    schema: match &request["output_config"]["format"] {
                        Value::Null => None,
                        format if format["type"] == "json_schema" => Some(format.get("schema")?.clone()),
                        _ => return None,
                    },
                    // Anthropic's range is 0 to 1: more is not the shape picscribe sends.
                    temperature: match request["temperature"].as_f64() {
                        Some(t) if !(0.0..=1.0).contains(&t) => return None,
                        t => t,
                    },
                })
            }
            Dialect::Gemini => {
                let (model, method) = from_path?.split_once(':')?;
                let stream = match method {
                    "streamGenerateContent" => query.get("alt").map(String::as_str) == Some("sse"),
                    "generateContent" => false,
                    _ => return None,
                };
                let parts = request.get("contents")?.as_array()?.first()?.get("parts")?.as_array()?;
                let prompt = parts.iter().find_map(|p| p["text"].as_str())?.to_string();
                let inline = parts.iter().find_map(|p| p.get("inline_data").or(p.get("inlineData")))?;
                let mime = inline.get("mime_type").or(inline.get("mimeType"))?.as_str()?;
                let all = parts
                    .iter()
                    .filter_map(|p| p.get("inline_data").or(p.get("inlineData")))
                    .map(|inline| Some(inline["data"].as_str()?.to_string()))
                    .collect::<Option<Vec<_>>>()?;
                Some(Seen {
                    model: model.to_string(),
                    prompt,
                    detail: String::new(),
                    mime: mime.into(),
                    base64: inline["data"].as_str()?.into(),
                    all,
                    stream,
                    include_usage: true,
                    max_tokens: request["generationConfig"]["maxOutputTokens"].as_u64(),
                    schema: match &request["generationConfig"]["responseJsonSchema"] {
                        Value::Null => None,
                        schema if request["generationConfig"]["responseMimeType"] == "application/json" => {
                            Some(schema.clone())
                        }
                        _ => return None,
                    },
                    temperature: request["generationConfig"]["temperature"].as_f64(),
                })
            }
        }
    }
}

/// OpenAI's `response_format`: absent, or a strict `json_schema` with a name and a schema
/// (what OpenAI requires of strict mode: every property required, nothing extra).
/// `None` (the outer one) when it is there but not that shape.
fn strict_schema(format: &Value) -> Option<Option<Value>> {
    if format.is_null() {
        return Some(None);
    }
    let inner = &format["json_schema"];
    let schema = inner.get("schema")?;
    let strict_shape = format["type"] == "json_schema"
        && inner["name"].is_string()
        && inner["strict"] == true
        && schema["additionalProperties"] == false
        && schema["required"].as_array()?.len() == schema["properties"].as_object()?.len();
    strict_shape.then(|| Some(schema.clone()))
}
