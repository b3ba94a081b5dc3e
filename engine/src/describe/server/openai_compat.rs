//! The OpenAI-compatible chat-completions provider: OpenAI itself and the local servers
//! that copy its API (Ollama, LM Studio, vLLM, llama.cpp).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use super::auth::Auth;
use super::batch::BatchService;
use super::entra::Entra;
use super::http::{self, malformed};
use super::provider::{names_temperature, ProviderError, Reply, VisionProvider, VisionRequest};
use super::{BuildError, ClientSettings};
use crate::describe::openai::{
    chat_request, is_insufficient_quota, json_schema_format, parse_chunk, parse_completion, parse_model_list,
    ChatRequest, OutputCap,
};

/// Where the chat endpoint is.
enum Route {
    /// `{base}/chat/completions`, the model in the body.
    Plain { endpoint: String, models: String },
    /// Azure's `{endpoint}/openai/deployments/{model}/chat/completions?api-version=…`.
    Deployments { endpoint: String, api_version: String },
}

pub struct OpenAiCompatible {
    client: reqwest::Client,
    route: Route,
    auth: Auth,
    stream: bool,
    /// OpenAI and Azure cap replies with `max_completion_tokens`; copies of the API with `max_tokens`.
    legacy_cap: bool,
    /// Where `/files` and `/batches` are, when the provider has a batch service.
    batch_root: Option<String>,
    /// What a batch line's `url` (and the batch's `endpoint`) names: OpenAI's
    /// `/v1/chat/completions`, Azure's `/chat/completions`.
    batch_endpoint: &'static str,
}

/// The key never reaches a log through `{:?}`.
impl fmt::Debug for OpenAiCompatible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (Route::Plain { endpoint, .. } | Route::Deployments { endpoint, .. }) = &self.route;
        f.debug_struct("OpenAiCompatible").field("endpoint", endpoint).field("api_key", &self.auth.shown()).finish()
    }
}

/// OpenAI's client, for its [`Descriptor`](crate::describe::kinds::Descriptor).
pub fn client(settings: &ClientSettings<'_>) -> Result<Arc<dyn VisionProvider>, BuildError> {
    let base = settings.base_url.unwrap_or(super::DEFAULT_BASE_URL);
    let client = OpenAiCompatible::new(base, settings.key.clone(), settings.connect)?.streaming(settings.stream);
    Ok(Arc::new(client.batching(settings.batch.unwrap_or(base.contains("api.openai.com")))))
}

/// Azure OpenAI's client, for its [`Descriptor`](crate::describe::kinds::Descriptor).
pub fn azure_client(settings: &ClientSettings<'_>) -> Result<Arc<dyn VisionProvider>, BuildError> {
    let endpoint = settings.base_url.unwrap_or_default();
    let auth = Auth::key_or_entra("api-key", settings.key.clone()).map_err(BuildError::Credential)?;
    let azure = OpenAiCompatible::azure_with(endpoint, auth, settings.api_version, settings.connect)?;
    Ok(Arc::new(azure.streaming(settings.stream).batching(settings.batch.unwrap_or(true))))
}

impl OpenAiCompatible {
    /// OpenAI or a server copying it, at `base_url` (ending in `/v1`). No key for local servers.
    pub fn new(base_url: &str, api_key: Option<String>, connect_timeout: Duration) -> Result<Self, reqwest::Error> {
        let base = base_url.trim_end_matches('/');
        Ok(OpenAiCompatible {
            client: http::client(connect_timeout)?,
            route: Route::Plain { endpoint: format!("{base}/chat/completions"), models: format!("{base}/models") },
            auth: api_key.filter(|k| !k.is_empty()).map_or(Auth::None, Auth::Bearer),
            stream: true,
            legacy_cap: !base.contains("api.openai.com"),
            batch_root: Some(base.to_string()),
            batch_endpoint: "/v1/chat/completions",
        })
    }

    /// Azure OpenAI at its resource endpoint (`https://NAME.openai.azure.com`). With an
    /// `api_version` such as `2024-10-21` the model names a deployment in the path; with
    /// none (or `v1`) the newer `/openai/v1/` path takes the deployment as the model.
    pub fn azure(
        endpoint: &str,
        api_key: Option<String>,
        api_version: Option<&str>,
        connect_timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        let auth = api_key.filter(|k| !k.is_empty()).map_or(Auth::None, |key| Auth::Header("api-key", key));
        OpenAiCompatible::azure_with(endpoint, auth, api_version, connect_timeout)
    }

    /// [`OpenAiCompatible::azure`] with its credential chosen: a key or Entra ID.
    pub fn azure_with(
        endpoint: &str,
        auth: Auth,
        api_version: Option<&str>,
        connect_timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        let endpoint = endpoint.trim_end_matches('/');
        let endpoint = endpoint.strip_suffix("/openai/v1").or(endpoint.strip_suffix("/openai")).unwrap_or(endpoint);
        let route = match api_version.unwrap_or_default() {
            // The v1 path takes no version, except `preview` for features not yet in `v1`.
            "" | "v1" | "latest" => Route::Plain {
                endpoint: format!("{endpoint}/openai/v1/chat/completions"),
                models: format!("{endpoint}/openai/v1/models"),
            },
            "preview" => Route::Plain {
                endpoint: format!("{endpoint}/openai/v1/chat/completions?api-version=preview"),
                models: format!("{endpoint}/openai/v1/models?api-version=preview"),
            },
            version => Route::Deployments { endpoint: endpoint.to_string(), api_version: version.to_string() },
        };
        Ok(OpenAiCompatible {
            client: http::client(connect_timeout)?,
            route,
            auth,
            stream: true,
            legacy_cap: false,
            // Azure's batch service is on the v1 path whichever path chat uses.
            batch_root: Some(format!("{endpoint}/openai/v1")),
            batch_endpoint: "/chat/completions",
        })
    }

    /// Asks for whole replies instead of streams, for servers whose streaming is broken.
    pub fn streaming(mut self, stream: bool) -> Self {
        self.stream = stream;
        self
    }

    /// Offers the provider's batch service (`/files`, `/batches`) or not.
    pub fn batching(mut self, on: bool) -> Self {
        if !on {
            self.batch_root = None;
        }
        self
    }

    /// The body of one call: what is sent interactively and, not streamed, in a batch.
    fn body<'a>(&self, request: &'a VisionRequest, prompt: &'a str, stream: bool) -> ChatRequest<'a> {
        let cap = if self.legacy_cap {
            OutputCap::Legacy(request.max_tokens)
        } else {
            OutputCap::Completion(request.max_tokens)
        };
        let mut body = chat_request(&request.model, prompt, &request.image_url, request.detail, stream, cap)
            .with_more_images(request.more_images.iter().map(String::as_str), request.detail);
        body.response_format = request.schema().as_ref().map(json_schema_format);
        body.temperature = request.temperature;
        body
    }

    async fn authorized(&self, request: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder, ProviderError> {
        self.auth.apply(request).await
    }

    fn chat_url(&self, model: &str) -> Result<reqwest::Url, ProviderError> {
        let url = match &self.route {
            Route::Plain { endpoint, .. } => reqwest::Url::parse(endpoint),
            Route::Deployments { endpoint, api_version } => {
                reqwest::Url::parse(&format!("{endpoint}/openai/deployments/")).map(|mut url| {
                    if let Ok(mut path) = url.path_segments_mut() {
                        path.pop_if_empty().push(model).push("chat").push("completions");
                    }
                    url.query_pairs_mut().append_pair("api-version", api_version);
                    url
                })
            }
        };
        url.map_err(|err| {
            tracing::error!(error = %err, "the provider address is not a URL");
            ProviderError::Connect
        })
    }

    async fn send(&self, request: &VisionRequest) -> Result<Reply, ProviderError> {
        let prompt = request.text();
        let body = self.body(request, &prompt, self.stream);
        let url = self.chat_url(&request.model)?;
        let response = http::send(self.authorized(self.client.post(url).json(&body)).await?, error_for_status).await?;
        http::read_reply(
            response,
            |_, data| parse_chunk(data).map_err(malformed),
            |body| parse_completion(body).map_err(malformed),
        )
        .await
    }

    async fn models(&self) -> Result<Vec<String>, ProviderError> {
        match &self.route {
            Route::Plain { models, .. } => {
                let request = self.authorized(self.client.get(models)).await?;
                http::model_list(request, error_for_status, parse_model_list).await
            }
            // Deployments are named by whoever set them up; Azure cannot list them with this key.
            Route::Deployments { .. } => Ok(Vec::new()),
        }
    }
}

impl VisionProvider for OpenAiCompatible {
    fn start<'a>(&'a self, request: &'a VisionRequest) -> BoxFuture<'a, Result<Reply, ProviderError>> {
        Box::pin(self.send(request))
    }

    fn list_models(&self) -> BoxFuture<'_, Result<Vec<String>, ProviderError>> {
        Box::pin(self.models())
    }

    fn batches(&self) -> Option<&dyn BatchService> {
        self.batch_root.as_ref().map(|_| self as &dyn BatchService)
    }

    fn entra(&self) -> Option<&Entra> {
        self.auth.entra()
    }
}

/// OpenAI's statuses: a 429 whose error is `insufficient_quota` is final.
pub fn error_for_status(status: u16, retry_after: Option<Duration>, body: &str) -> ProviderError {
    match status {
        429 if is_insufficient_quota(body) => ProviderError::QuotaExceeded,
        _ if names_temperature(status, body) => ProviderError::TemperatureRefused,
        _ => ProviderError::from_status(status, retry_after),
    }
}

#[path = "openai_batch.rs"]
mod batch;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_meanings() {
        let wait = Some(Duration::from_secs(1));
        let quota = r#"{"error":{"type":"insufficient_quota","code":"insufficient_quota","message":"x"}}"#;
        let cases = [
            (401, "", ProviderError::Unauthorized { status: 401 }),
            (403, "", ProviderError::Unauthorized { status: 403 }),
            (429, "", ProviderError::RateLimited { retry_after: wait }),
            (429, quota, ProviderError::QuotaExceeded),
            (408, "", ProviderError::Unavailable { status: 408, retry_after: wait }),
            (409, "", ProviderError::Unavailable { status: 409, retry_after: wait }),
            (500, "", ProviderError::Unavailable { status: 500, retry_after: wait }),
            (503, "", ProviderError::Unavailable { status: 503, retry_after: wait }),
            (400, "", ProviderError::Rejected { status: 400 }),
            (404, "", ProviderError::Rejected { status: 404 }),
        ];
        for (status, body, want) in cases {
            assert_eq!(error_for_status(status, wait, body), want, "{status}");
        }
    }

    #[test]
    fn debug_hides_the_key() -> Result<(), reqwest::Error> {
        let provider =
            OpenAiCompatible::new("http://localhost:1/v1", Some("sk-secret-123".into()), Duration::from_secs(1))?;
        let shown = format!("{provider:?}");
        assert!(!shown.contains("sk-secret-123"), "{shown}");
        assert!(shown.contains("http://localhost:1/v1/chat/completions"));
        Ok(())
    }

    #[test]
    fn azure_routes() -> Result<(), Box<dyn std::error::Error>> {
        let timeout = Duration::from_secs(1);
        let cases = [
            (
                "https://res.openai.azure.com/",
                Some("2024-10-21"),
                "https://res.openai.azure.com/openai/deployments/my%2Fvision/chat/completions?api-version=2024-10-21",
            ),
            ("https://res.openai.azure.com", None, "https://res.openai.azure.com/openai/v1/chat/completions"),
            (
                "https://res.openai.azure.com/openai/v1/",
                Some("v1"),
                "https://res.openai.azure.com/openai/v1/chat/completions",
            ),
            (
                "https://res.openai.azure.com",
                Some("preview"),
                "https://res.openai.azure.com/openai/v1/chat/completions?api-version=preview",
            ),
        ];
        for (endpoint, version, want) in cases {
            let provider = OpenAiCompatible::azure(endpoint, Some("k".into()), version, timeout)?;
            assert_eq!(provider.chat_url("my/vision").map(|u| u.to_string()), Ok(want.to_string()), "{endpoint}");
        }
        Ok(())
    }
}
