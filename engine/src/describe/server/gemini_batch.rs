//! Gemini's Batch Mode for [`Gemini`]: the requests inline in one
//! `batchGenerateContent` call, the batch polled as an operation, its responses inline.

use futures::future::BoxFuture;

use super::super::batch::{post_document, BatchService, Upload};
use super::super::http::{self, malformed};
use super::super::provider::{ProviderError, VisionRequest};
use super::{error_for_status, Gemini};
use crate::describe::batch::gemini::{lines, parse_batch, parse_id, Metadata, RequestLine};
use crate::describe::batch::{Line, Results, Service, Status};

impl Gemini {
    async fn text(&self, request: reqwest::RequestBuilder) -> Result<String, ProviderError> {
        let response = http::send(request, error_for_status).await?;
        response.text().await.map_err(|_| ProviderError::Cut)
    }

    /// `{base}/v1beta/batches/{id}` (and `:cancel`), for a name the provider gave
    /// (`batches/…`): checked, so it cannot point anywhere else.
    fn batch_url(&self, name: &str, then: &str) -> Result<reqwest::Url, ProviderError> {
        let id = name.strip_prefix("batches/").unwrap_or(name);
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(ProviderError::Malformed);
        }
        reqwest::Url::parse(&format!("{}/v1beta/batches/{id}{then}", self.api.base_url))
            .map_err(|_| ProviderError::Connect)
    }

    async fn create(&self, model: &str, upload: &Upload) -> Result<String, ProviderError> {
        let mut url = reqwest::Url::parse(&format!("{}/v1beta/models/", self.api.base_url))
            .map_err(|_| ProviderError::Connect)?;
        let model = model.strip_prefix("models/").unwrap_or(model);
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push(&format!("{model}:batchGenerateContent"));
        }
        let request = post_document(self.api.post(url), upload, Service::Gemini).await?;
        parse_id(&self.text(request).await?).map_err(malformed)
    }
}

impl BatchService for Gemini {
    fn service(&self) -> Service {
        Service::Gemini
    }

    fn line(&self, custom_id: &str, request: &VisionRequest) -> Result<Vec<u8>, serde_json::Error> {
        let prompt = request.text();
        let body = Gemini::body(request, &prompt);
        serde_json::to_vec(&RequestLine { request: &body, metadata: Metadata { key: custom_id } })
    }

    fn submit<'a>(&'a self, model: &'a str, upload: &'a Upload) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(self.create(model, upload))
    }

    fn status<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Status, ProviderError>> {
        Box::pin(async move {
            let url = self.batch_url(id, "")?;
            parse_batch(&self.text(self.api.get(url)).await?).map_err(malformed)
        })
    }

    fn results<'a>(&'a self, status: &'a Status, ids: &'a [String]) -> BoxFuture<'a, Result<Vec<Line>, ProviderError>> {
        Box::pin(async move {
            match &status.results {
                Results::Inline(responses) => Ok(lines(responses, ids)),
                _ => Ok(Vec::new()),
            }
        })
    }

    fn cancel<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let url = self.batch_url(id, ":cancel")?;
            self.text(self.api.post(url)).await.map(drop)
        })
    }
}
