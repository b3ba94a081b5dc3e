//! Azure AI Vision: the image as `application/octet-stream` to Image Analysis 4.0, with a
//! key in `Ocp-Apim-Subscription-Key` or, with none, a Microsoft Entra ID token; the result
//! becomes the row's text (or its fields) in one piece, its transactions as its usage.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use futures::future::BoxFuture;
use futures::{stream, StreamExt};

use super::auth::Auth;
use super::entra::Entra;
use super::http::{self, malformed};
use super::provider::{ProviderError, Reply, VisionProvider, VisionRequest};
use super::{BuildError, ClientSettings};
use crate::describe::azure_vision::{analyze_url, features, is_not_in_region, parse_analysis};
use crate::describe::reply::{ChunkEvent, Usage};

pub struct AzureVision {
    client: reqwest::Client,
    endpoint: String,
    auth: Auth,
}

/// The key never reaches a log through `{:?}`.
impl fmt::Debug for AzureVision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureVision").field("endpoint", &self.endpoint).field("key", &self.auth.shown()).finish()
    }
}

/// Azure AI Vision's client, for its [`Descriptor`](crate::describe::kinds::Descriptor).
pub fn client(settings: &ClientSettings<'_>) -> Result<Arc<dyn VisionProvider>, BuildError> {
    let auth = Auth::key_or_entra("ocp-apim-subscription-key", settings.key.clone()).map_err(BuildError::Credential)?;
    Ok(Arc::new(AzureVision::new(settings.base_url.unwrap_or_default(), auth, settings.connect)?))
}

impl AzureVision {
    /// The resource's endpoint, `https://NAME.cognitiveservices.azure.com`.
    pub fn new(endpoint: &str, auth: Auth, connect_timeout: Duration) -> Result<Self, reqwest::Error> {
        Ok(AzureVision {
            client: http::client(connect_timeout)?,
            endpoint: endpoint.trim_end_matches('/').into(),
            auth,
        })
    }

    async fn analyse(&self, request: &VisionRequest) -> Result<Reply, ProviderError> {
        let asked = features(&request.prompt, &request.fields);
        let (_, data) = request.image_parts();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|_| ProviderError::Rejected { status: 400 })?;
        let post = self
            .client
            .post(analyze_url(&self.endpoint, &asked))
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes);
        let response = http::send(self.auth.apply(post).await?, error_for_status).await?;
        let body = response.text().await.map_err(|_| ProviderError::Cut)?;
        let analysis = parse_analysis(&body).map_err(malformed)?;
        let text =
            if request.fields.is_empty() { analysis.text() } else { analysis.answer(&request.fields).to_string() };
        let events = [
            ChunkEvent::Delta(text),
            ChunkEvent::Usage(Usage { prompt_tokens: asked.len() as u32, completion_tokens: 0 }),
            ChunkEvent::Finished,
        ];
        Ok(Reply::from(stream::iter(events.map(Ok)).boxed()))
    }
}

impl VisionProvider for AzureVision {
    fn start<'a>(&'a self, request: &'a VisionRequest) -> BoxFuture<'a, Result<Reply, ProviderError>> {
        Box::pin(self.analyse(request))
    }

    fn entra(&self) -> Option<&Entra> {
        self.auth.entra()
    }
}

/// Its statuses: 401 a bad key or endpoint, 429 with `Retry-After`, and a 400 that says a
/// feature (captions, dense captions) is not offered in the resource's region.
pub fn error_for_status(status: u16, retry_after: Option<Duration>, body: &str) -> ProviderError {
    match status {
        400 if is_not_in_region(body) => ProviderError::NotInRegion,
        _ => ProviderError::from_status(status, retry_after),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_meanings() {
        let region = r#"{"error":{"code":"InvalidRequest","message":"x","innererror":{"code":"NotSupportedFeature","message":"Feature Caption is not supported in this region."}}}"#;
        let wait = Some(Duration::from_secs(1));
        let cases = [
            (401, "", ProviderError::Unauthorized { status: 401 }),
            (429, "", ProviderError::RateLimited { retry_after: wait }),
            (400, region, ProviderError::NotInRegion),
            (400, r#"{"error":{"code":"InvalidRequest"}}"#, ProviderError::Rejected { status: 400 }),
            (500, "", ProviderError::Unavailable { status: 500, retry_after: wait }),
        ];
        for (status, body, want) in cases {
            assert_eq!(error_for_status(status, wait, body), want, "{status}");
        }
    }

    #[test]
    fn debug_hides_the_key() -> Result<(), reqwest::Error> {
        let vision = AzureVision::new(
            "https://res.cognitiveservices.azure.com/",
            Auth::Header("ocp-apim-subscription-key", "vision-secret-42".into()),
            Duration::from_secs(1),
        )?;
        let shown = format!("{vision:?}");
        assert!(!shown.contains("vision-secret-42") && shown.contains("res.cognitiveservices.azure.com"), "{shown}");
        Ok(())
    }
}
