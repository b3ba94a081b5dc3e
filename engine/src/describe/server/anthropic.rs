//! Anthropic's Messages API: `x-api-key` and `anthropic-version` headers, base64 image
//! blocks, its event stream and its error types.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;

use super::batch::BatchService;
use super::http::{self, malformed, KeyedApi};
use super::provider::{names_temperature, parts, ProviderError, Reply, VisionProvider, VisionRequest};
use super::{BuildError, ClientSettings};
use crate::describe::anthropic::{
    is_out_of_credit, json_schema_output, messages_request, parse_message, MessagesRequest, StreamReader, API_VERSION,
};
use crate::describe::openai::parse_model_list;

pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";

#[derive(Debug)]
pub struct Anthropic {
    api: KeyedApi,
    /// Whether to offer its Message Batches service.
    batch: bool,
}

/// Anthropic's client, for its [`Descriptor`](crate::describe::kinds::Descriptor).
pub fn client(settings: &ClientSettings<'_>) -> Result<Arc<dyn VisionProvider>, BuildError> {
    let base = settings.base_url.unwrap_or(DEFAULT_BASE_URL);
    let key = settings.key.clone().unwrap_or_default();
    let mut anthropic = Anthropic::new(base, key, settings.connect)?.streaming(settings.stream);
    anthropic.batch = settings.batch.unwrap_or(true);
    Ok(Arc::new(anthropic))
}

impl Anthropic {
    pub fn new(base_url: &str, api_key: String, connect_timeout: Duration) -> Result<Self, reqwest::Error> {
        Ok(Anthropic {
            api: KeyedApi::new(
                base_url,
                "/v1",
                "x-api-key",
                api_key,
                &[("anthropic-version", API_VERSION)],
                connect_timeout,
            )?,
            batch: true,
        })
    }

    pub fn streaming(mut self, stream: bool) -> Self {
        self.api.stream = stream;
        self
    }

    /// The body of one call: what is sent interactively and, not streamed, in a batch.
    fn body<'a>(request: &'a VisionRequest, prompt: &'a str, stream: bool) -> MessagesRequest<'a> {
        let (media_type, data) = request.image_parts();
        let mut body = messages_request(&request.model, prompt, media_type, data, stream, request.max_tokens)
            .with_more_images(request.more_images.iter().map(|url| parts(url)));
        body.output_config = request.schema().as_ref().map(json_schema_output);
        body.temperature = request.temperature.map(|t| t.min(crate::describe::anthropic::MAX_TEMPERATURE));
        body
    }

    async fn send(&self, request: &VisionRequest) -> Result<Reply, ProviderError> {
        let prompt = request.text();
        let body = Anthropic::body(request, &prompt, self.api.stream);
        let url = format!("{}/v1/messages", self.api.base_url);
        let response = http::send(self.api.post(url).json(&body), error_for_status).await?;
        let reader = Arc::new(Mutex::new(StreamReader::default()));
        http::read_reply(
            response,
            move |_, data| {
                let mut reader = reader.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                match reader.push(data).map_err(malformed)? {
                    Ok(events) => Ok(events),
                    Err(broke) => {
                        tracing::warn!(kind = %broke.kind, "Anthropic broke off its stream with an error event");
                        Err(ProviderError::Cut)
                    }
                }
            },
            |body| parse_message(body).map_err(malformed),
        )
        .await
    }
}

impl VisionProvider for Anthropic {
    fn start<'a>(&'a self, request: &'a VisionRequest) -> BoxFuture<'a, Result<Reply, ProviderError>> {
        Box::pin(self.send(request))
    }

    fn list_models(&self) -> BoxFuture<'_, Result<Vec<String>, ProviderError>> {
        let url = format!("{}/v1/models?limit=1000", self.api.base_url);
        Box::pin(http::model_list(self.api.get(url), error_for_status, parse_model_list))
    }

    fn batches(&self) -> Option<&dyn BatchService> {
        self.batch.then_some(self as &dyn BatchService)
    }
}

#[path = "anthropic_batch.rs"]
mod batch;

/// Anthropic's statuses: 402 and a too-low credit balance are final, 529 (overloaded) is
/// retried like any 5xx.
pub fn error_for_status(status: u16, retry_after: Option<Duration>, body: &str) -> ProviderError {
    match status {
        402 => ProviderError::QuotaExceeded,
        400 if is_out_of_credit(body) => ProviderError::QuotaExceeded,
        _ if names_temperature(status, body) => ProviderError::TemperatureRefused,
        _ => ProviderError::from_status(status, retry_after),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_meanings() {
        let wait = Some(Duration::from_secs(2));
        let credit = r#"{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API."}}"#;
        let cases = [
            (401, "", ProviderError::Unauthorized { status: 401 }),
            (403, "", ProviderError::Unauthorized { status: 403 }),
            (402, "", ProviderError::QuotaExceeded),
            (400, credit, ProviderError::QuotaExceeded),
            (400, "", ProviderError::Rejected { status: 400 }),
            (429, "", ProviderError::RateLimited { retry_after: wait }),
            (529, "", ProviderError::Unavailable { status: 529, retry_after: wait }),
            (500, "", ProviderError::Unavailable { status: 500, retry_after: wait }),
            (404, "", ProviderError::Rejected { status: 404 }),
        ];
        for (status, body, want) in cases {
            assert_eq!(error_for_status(status, wait, body), want, "{status} {body}");
        }
    }

    #[test]
    fn debug_hides_the_key() -> Result<(), reqwest::Error> {
        let provider = Anthropic::new("http://localhost:1/", "sk-ant-secret".into(), Duration::from_secs(1))?;
        assert!(!format!("{provider:?}").contains("sk-ant-secret"));
        Ok(())
    }
}
