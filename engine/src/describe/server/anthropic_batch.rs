//! Anthropic's Message Batches API for [`Anthropic`]: the requests in one JSON document,
//! the batch polled until it has ended, its results read from `results_url`.

use futures::future::BoxFuture;

use super::super::batch::{parse_lines, post_document, same_origin, BatchService, Upload};
use super::super::http::{self, malformed};
use super::super::provider::{ProviderError, VisionRequest};
use super::{error_for_status, Anthropic};
use crate::describe::batch::anthropic::{parse_batch, parse_id, parse_line, RequestLine};
use crate::describe::batch::{Line, Results, Service, Status};

impl Anthropic {
    async fn text(&self, request: reqwest::RequestBuilder) -> Result<String, ProviderError> {
        let response = http::send(request, error_for_status).await?;
        response.text().await.map_err(|_| ProviderError::Cut)
    }

    fn batch_url(&self, id: &str, then: Option<&str>) -> Result<reqwest::Url, ProviderError> {
        let root = format!("{}/v1/messages/batches/", self.api.base_url);
        let mut url = reqwest::Url::parse(&root).map_err(|_| ProviderError::Connect)?;
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push(id).extend(then);
        }
        Ok(url)
    }

    async fn create(&self, upload: &Upload) -> Result<String, ProviderError> {
        let url = format!("{}/v1/messages/batches", self.api.base_url);
        let request = post_document(self.api.post(url), upload, Service::Anthropic).await?;
        parse_id(&self.text(request).await?).map_err(malformed)
    }

    async fn batch_status(&self, id: &str) -> Result<Status, ProviderError> {
        let url = self.batch_url(id, None)?;
        parse_batch(&self.text(self.api.get(url)).await?).map_err(malformed)
    }

    async fn batch_results(&self, status: &Status) -> Result<Vec<Line>, ProviderError> {
        let Results::Url(url) = &status.results else { return Ok(Vec::new()) };
        let url = same_origin(&self.api.base_url, url)?;
        Ok(parse_lines(&self.text(self.api.get(url)).await?, parse_line))
    }
}

impl BatchService for Anthropic {
    fn service(&self) -> Service {
        Service::Anthropic
    }

    fn line(&self, custom_id: &str, request: &VisionRequest) -> Result<Vec<u8>, serde_json::Error> {
        let prompt = request.text();
        let params = Anthropic::body(request, &prompt, false);
        serde_json::to_vec(&RequestLine { custom_id, params: &params })
    }

    fn submit<'a>(&'a self, _model: &'a str, upload: &'a Upload) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(self.create(upload))
    }

    fn status<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Status, ProviderError>> {
        Box::pin(self.batch_status(id))
    }

    fn results<'a>(
        &'a self,
        status: &'a Status,
        _ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Line>, ProviderError>> {
        Box::pin(self.batch_results(status))
    }

    fn cancel<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let url = self.batch_url(id, Some("cancel"))?;
            self.text(self.api.post(url)).await.map(drop)
        })
    }
}
