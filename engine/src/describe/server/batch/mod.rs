//! The providers' batch services, as one trait each client implements where its provider
//! has one: request lines built from the same body an interactive call sends, the upload,
//! where a batch stands, its result lines, and cancelling. What the lines and the answers
//! look like is in [`crate::describe::batch`]; what to do with them is the caller's.

pub mod collect;
pub mod queue;

use std::path::{Path, PathBuf};

use futures::future::BoxFuture;
use tokio::io::AsyncReadExt;

use super::provider::{ProviderError, VisionRequest};
use crate::describe::batch::{Framing, Line, Service, Status};

/// The request lines of one batch, written to a file one a line (no newline after the
/// last), before they are framed for the provider and uploaded.
#[derive(Clone, Debug)]
pub struct Upload {
    pub path: PathBuf,
    pub lines: u64,
}

pub trait BatchService: Send + Sync {
    fn service(&self) -> Service;

    /// One request as a line of the upload: the body an interactive call would send (not
    /// streamed), under `custom_id`.
    fn line(&self, custom_id: &str, request: &VisionRequest) -> Result<Vec<u8>, serde_json::Error>;

    /// Uploads the lines and creates the batch, for `model`; the provider's id for it.
    fn submit<'a>(&'a self, model: &'a str, upload: &'a Upload) -> BoxFuture<'a, Result<String, ProviderError>>;

    fn status<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Status, ProviderError>>;

    /// The result lines of a batch that is over. `ids` are its requests' ids in the order
    /// they were sent, for a provider that answers in order without them.
    fn results<'a>(&'a self, status: &'a Status, ids: &'a [String]) -> BoxFuture<'a, Result<Vec<Line>, ProviderError>>;

    fn cancel<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), ProviderError>>;
}

/// The upload as the provider wants it, read from disk as it is sent (a batch can be
/// hundreds of megabytes): the framing's opening, the lines with what stands between
/// them, its closing. Returns the body and its length.
pub async fn framed(path: &Path, framing: Framing) -> Result<(reqwest::Body, u64), ProviderError> {
    let file = tokio::fs::File::open(path).await.map_err(|err| {
        tracing::error!(error = %err, path = %path.display(), "the batch's lines could not be read");
        ProviderError::Malformed
    })?;
    let size = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    let length = framing.open.len() as u64 + size + framing.close.len() as u64;
    let between = framing.between;
    let lines = futures::stream::unfold(Some(file), move |file| async move {
        let mut file = file?;
        let mut buffer = vec![0u8; 256 * 1024];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                if between != b'\n' {
                    buffer.iter_mut().filter(|b| **b == b'\n').for_each(|b| *b = between);
                }
                Some((Ok::<_, std::io::Error>(buffer), Some(file)))
            }
            Err(err) => Some((Err(err), None)),
        }
    });
    let open = futures::stream::once(async move { Ok(framing.open.to_vec()) });
    let close = futures::stream::once(async move { Ok(framing.close.to_vec()) });
    use futures::StreamExt;
    Ok((reqwest::Body::wrap_stream(open.chain(lines).chain(close)), length))
}

/// A POST of the framed lines as one JSON document (Anthropic, Gemini), read from disk as
/// it is sent.
pub async fn post_document(
    request: reqwest::RequestBuilder,
    upload: &Upload,
    service: Service,
) -> Result<reqwest::RequestBuilder, ProviderError> {
    let (body, length) = framed(&upload.path, service.framing()).await?;
    Ok(request
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::CONTENT_LENGTH, length)
        .body(body))
}

/// An address the provider named for its results, checked to be on the provider's own
/// host before the key is sent there.
pub fn same_origin(base: &str, url: &str) -> Result<reqwest::Url, ProviderError> {
    let (Ok(base), Ok(url)) = (reqwest::Url::parse(base), reqwest::Url::parse(url)) else {
        return Err(ProviderError::Malformed);
    };
    if base.origin() == url.origin() {
        Ok(url)
    } else {
        tracing::warn!(results = %url.origin().ascii_serialization(), "the provider named another host for the results; not asked");
        Err(ProviderError::Redirected)
    }
}

/// Reads a JSONL body line by line with `parse`; a line not understood is logged and left
/// out (its request then counts as missing, and is sent again).
pub fn parse_lines(body: &str, parse: fn(&str) -> Result<Line, serde_json::Error>) -> Vec<Line> {
    body.lines()
        .filter(|line| !line.trim().is_empty())
        .filter_map(|line| {
            parse(line).inspect_err(|err| tracing::warn!(error = %err, "a batch result line was not understood")).ok()
        })
        .collect()
}
