//! The built site (`target/site`: the wasm, its JavaScript, the stylesheet, `public/`),
//! embedded in the binary in release builds so `picscribe` runs from any directory and
//! installs as one file. Debug builds read the same folder from disk.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "../target/site"]
#[allow_missing = true]
struct Site;

/// The file at `path`, in the best encoding the client accepts, with its type and an ETag
/// (the files are not renamed per build, so clients revalidate). `None` if there is none.
pub fn file(path: &str, request: &HeaderMap) -> Option<Response> {
    let path = path.trim_start_matches('/');
    if path.is_empty() || path.ends_with(".gz") || path.ends_with(".br") {
        return None;
    }
    let original = Site::get(path)?;
    let accepts = request.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let (file, encoding) = [("br", ".br"), ("gzip", ".gz")]
        .into_iter()
        .filter(|(name, _)| accepts.split(',').any(|e| e.trim().split(';').next() == Some(name)))
        .find_map(|(name, suffix)| Site::get(&format!("{path}{suffix}")).map(|f| (f, Some(name))))
        .unwrap_or((original.clone(), None));
    let etag = format!("\"{}\"", hex(&original.metadata.sha256_hash()));
    if request.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return Some(StatusCode::NOT_MODIFIED.into_response());
    }
    let mut response = Response::new(Body::from(file.data.into_owned()));
    let headers = response.headers_mut();
    if let Ok(mime) = HeaderValue::from_str(original.metadata.mimetype()) {
        headers.insert(header::CONTENT_TYPE, mime);
    }
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    Some(response)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().take(16).map(|b| format!("{b:02x}")).collect()
}
