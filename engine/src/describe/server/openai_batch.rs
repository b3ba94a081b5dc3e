//! OpenAI's and Azure OpenAI's Batch API for [`OpenAiCompatible`]: the lines uploaded as a
//! `purpose=batch` file, then `POST /batches`; results from the output and error files.

use futures::future::BoxFuture;

use super::super::batch::{framed, parse_lines, BatchService, Upload};
use super::super::http::{self, malformed};
use super::super::provider::{ProviderError, VisionRequest};
use super::{error_for_status, OpenAiCompatible};
use crate::describe::batch::openai::{parse_batch, parse_id, parse_line, CreateBatch, RequestLine};
use crate::describe::batch::{Line, Results, Service, Status};

impl OpenAiCompatible {
    fn root(&self) -> Result<&str, ProviderError> {
        self.batch_root.as_deref().ok_or(ProviderError::Rejected { status: 404 })
    }

    async fn text(&self, request: reqwest::RequestBuilder) -> Result<String, ProviderError> {
        let response = http::send(self.authorized(request).await?, error_for_status).await?;
        response.text().await.map_err(|_| ProviderError::Cut)
    }

    async fn upload_and_create(&self, upload: &Upload) -> Result<String, ProviderError> {
        let root = self.root()?;
        let (body, length) = framed(&upload.path, self.service().framing()).await?;
        let file = reqwest::multipart::Part::stream_with_length(body, length)
            .file_name("picscribe-batch.jsonl")
            .mime_str("application/jsonl")
            .map_err(|_| ProviderError::Malformed)?;
        let form = reqwest::multipart::Form::new().text("purpose", "batch").part("file", file);
        let uploaded = self.text(self.client.post(format!("{root}/files")).multipart(form)).await?;
        let file_id = parse_id(&uploaded).map_err(malformed)?;
        let create = CreateBatch { input_file_id: &file_id, endpoint: self.batch_endpoint, completion_window: "24h" };
        let created = self.text(self.client.post(format!("{root}/batches")).json(&create)).await?;
        parse_id(&created).map_err(malformed)
    }

    async fn batch_status(&self, id: &str) -> Result<Status, ProviderError> {
        let url = self.batch_url(id, None)?;
        parse_batch(&self.text(self.client.get(url)).await?).map_err(malformed)
    }

    async fn batch_results(&self, status: &Status) -> Result<Vec<Line>, ProviderError> {
        let Results::Files(files) = &status.results else { return Ok(Vec::new()) };
        let root = self.root()?;
        let mut lines = Vec::new();
        for file in files {
            let mut url = reqwest::Url::parse(&format!("{root}/files/")).map_err(|_| ProviderError::Connect)?;
            if let Ok(mut path) = url.path_segments_mut() {
                path.pop_if_empty().push(file).push("content");
            }
            lines.extend(parse_lines(&self.text(self.client.get(url)).await?, parse_line));
        }
        Ok(lines)
    }

    async fn batch_cancel(&self, id: &str) -> Result<(), ProviderError> {
        let url = self.batch_url(id, Some("cancel"))?;
        self.text(self.client.post(url)).await.map(drop)
    }

    /// `{root}/batches/{id}` (and `/cancel`), the id as one path segment.
    fn batch_url(&self, id: &str, then: Option<&str>) -> Result<reqwest::Url, ProviderError> {
        let mut url = reqwest::Url::parse(&format!("{}/batches/", self.root()?)).map_err(|_| ProviderError::Connect)?;
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push(id).extend(then);
        }
        Ok(url)
    }
}

impl BatchService for OpenAiCompatible {
    fn service(&self) -> Service {
        if self.batch_endpoint == "/chat/completions" {
            Service::Azure
        } else {
            Service::OpenAi
        }
    }

    fn line(&self, custom_id: &str, request: &VisionRequest) -> Result<Vec<u8>, serde_json::Error> {
        let prompt = request.text();
        let body = self.body(request, &prompt, false);
        serde_json::to_vec(&RequestLine { custom_id, method: "POST", url: self.batch_endpoint, body: &body })
    }

    fn submit<'a>(&'a self, _model: &'a str, upload: &'a Upload) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(self.upload_and_create(upload))
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
        Box::pin(self.batch_cancel(id))
    }
}
