//! Google Gemini: `x-goog-api-key`, `inline_data` parts, `streamGenerateContent?alt=sse`,
//! and errors whose details (not their status) say a key is bad or a day's quota is gone.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use super::batch::BatchService;
use super::http::{self, malformed, KeyedApi};
use super::provider::{names_temperature, parts, ProviderError, Reply, VisionProvider, VisionRequest};
use super::{BuildError, ClientSettings};
use crate::describe::gemini::{
    error_facts, generate_request, method_path, parse_model_list, parse_response, GenerateRequest,
};

pub const DEFAULT_BASE_URL: &str = "https://generativelanguage.googleapis.com";

#[derive(Debug)]
pub struct Gemini {
    api: KeyedApi,
    /// Whether to offer its Batch Mode.
    batch: bool,
}

/// Gemini's client, for its [`Descriptor`](crate::describe::kinds::Descriptor).
pub fn client(settings: &ClientSettings<'_>) -> Result<Arc<dyn VisionProvider>, BuildError> {
    let base = settings.base_url.unwrap_or(DEFAULT_BASE_URL);
    let key = settings.key.clone().unwrap_or_default();
    let mut gemini = Gemini::new(base, key, settings.connect)?.streaming(settings.stream);
    gemini.batch = settings.batch.unwrap_or(true);
    Ok(Arc::new(gemini))
}

impl Gemini {
    pub fn new(base_url: &str, api_key: String, connect_timeout: Duration) -> Result<Self, reqwest::Error> {
        let api = KeyedApi::new(base_url, "/v1beta", "x-goog-api-key", api_key, &[], connect_timeout)?;
        Ok(Gemini { api, batch: true })
    }

    pub fn streaming(mut self, stream: bool) -> Self {
        self.api.stream = stream;
        self
    }

    fn url(&self, model: &str) -> Result<reqwest::Url, ProviderError> {
        let mut url = reqwest::Url::parse(&format!("{}/v1beta/models/", self.api.base_url)).map_err(|err| {
            tracing::error!(error = %err, "the Gemini address is not a URL");
            ProviderError::Connect
        })?;
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push(&method_path(model, self.api.stream));
        }
        if self.api.stream {
            url.query_pairs_mut().append_pair("alt", "sse");
        }
        Ok(url)
    }

    /// The body of one call: what is sent interactively and in a batch.
    fn body<'a>(request: &'a VisionRequest, prompt: &'a str) -> GenerateRequest<'a> {
        let (mime_type, data) = request.image_parts();
        let mut body = generate_request(prompt, mime_type, data, request.max_tokens)
            .with_more_images(request.more_images.iter().map(|url| parts(url)));
        if let Some(schema) = request.schema() {
            body.generation_config = body.generation_config.with_schema(&schema);
        }
        body.generation_config.temperature = request.temperature;
        body
    }

    async fn send(&self, request: &VisionRequest) -> Result<Reply, ProviderError> {
        let prompt = request.text();
        let body = Gemini::body(request, &prompt);
        let url = self.url(&request.model)?;
        let response = http::send(self.api.post(url).json(&body), error_for_status).await?;
        http::read_reply(
            response,
            |_, data| parse_response(data).map_err(malformed),
            |body| parse_response(body).map_err(malformed),
        )
        .await
    }
}

impl VisionProvider for Gemini {
    fn start<'a>(&'a self, request: &'a VisionRequest) -> BoxFuture<'a, Result<Reply, ProviderError>> {
        Box::pin(self.send(request))
    }

    fn list_models(&self) -> BoxFuture<'_, Result<Vec<String>, ProviderError>> {
        let url = format!("{}/v1beta/models?pageSize=1000", self.api.base_url);
        Box::pin(http::model_list(self.api.get(url), error_for_status, parse_model_list))
    }

    fn batches(&self) -> Option<&dyn BatchService> {
        self.batch.then_some(self as &dyn BatchService)
    }
}

#[path = "gemini_batch.rs"]
mod batch;

/// Gemini answers a bad key with 400 `API_KEY_INVALID`, says how long to wait in
/// `RetryInfo` rather than `Retry-After`, and marks a spent daily quota in `QuotaFailure`.
pub fn error_for_status(status: u16, retry_after: Option<Duration>, body: &str) -> ProviderError {
    let facts = error_facts(body);
    let retry_after = retry_after.or(facts.retry_delay);
    match status {
        400 if facts.bad_key => ProviderError::Unauthorized { status },
        429 if facts.daily_quota => ProviderError::QuotaExceeded,
        _ if names_temperature(status, body) => ProviderError::TemperatureRefused,
        _ => ProviderError::from_status(status, retry_after),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_meanings() {
        let bad_key = r#"{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}"#;
        let minute = r#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"3s"}]}}"#;
        let daily = r#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]}]}}"#;
        let cases = [
            (400, bad_key, None, ProviderError::Unauthorized { status: 400 }),
            (400, "{}", None, ProviderError::Rejected { status: 400 }),
            (403, "", None, ProviderError::Unauthorized { status: 403 }),
            (429, minute, None, ProviderError::RateLimited { retry_after: Some(Duration::from_secs(3)) }),
            (429, minute, Some(1), ProviderError::RateLimited { retry_after: Some(Duration::from_secs(1)) }),
            (429, daily, None, ProviderError::QuotaExceeded),
            (503, "", None, ProviderError::Unavailable { status: 503, retry_after: None }),
        ];
        for (status, body, header, want) in cases {
            assert_eq!(error_for_status(status, header.map(Duration::from_secs), body), want, "{status} {body}");
        }
    }

    #[test]
    fn the_model_goes_in_the_path_and_the_key_in_a_header() -> Result<(), reqwest::Error> {
        let gemini = Gemini::new("http://localhost:1/v1beta/", "AIza-secret".into(), Duration::from_secs(1))?;
        let url = gemini.url("models/gemini-2.5-flash").map(|u| u.to_string());
        assert_eq!(url, Ok("http://localhost:1/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse".into()));
        let whole = gemini.streaming(false);
        assert_eq!(
            whole.url("a/b?c").map(|u| u.to_string()),
            Ok("http://localhost:1/v1beta/models/a%2Fb%3Fc:generateContent".into())
        );
        assert!(!format!("{whole:?}").contains("AIza-secret"));
        Ok(())
    }
}
