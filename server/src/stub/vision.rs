//! Azure AI Vision's Image Analysis 4.0, as the stub speaks it: `POST
//! /computervision/imageanalysis:analyze?api-version=2024-02-01&features=…` with the image
//! as `application/octet-stream`, a key in `Ocp-Apim-Subscription-Key` or a live Entra ID
//! token; results for the features asked, made from the image's size so a test can tell
//! images apart; its error bodies (401, 429 with `Retry-After`, a feature not in the
//! resource's region, an image it cannot read).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Fault, Stub};

pub const ANALYZE_PATH: &str = "/computervision/imageanalysis:analyze";
const FEATURES: [&str; 5] = ["caption", "denseCaptions", "tags", "objects", "read"];

/// One analyze request, as the service saw it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysed {
    pub features: Vec<String>,
    pub gender_neutral: bool,
    pub width: u32,
    pub height: u32,
    /// `key` or `bearer`.
    pub auth: String,
    pub fault: Option<Fault>,
}

pub fn routes() -> Router<Stub> {
    Router::new()
        .route(ANALYZE_PATH, post(analyze))
        .route("/__stub/analyses", axum::routing::get(|State(stub): State<Stub>| async move { Json(stub.analyses()) }))
}

fn error(status: StatusCode, code: &str, message: &str, inner: Option<(&str, &str)>) -> Response {
    let mut body = json!({"error": {"code": code, "message": message}});
    if let Some((code, message)) = inner {
        body["error"]["innererror"] = json!({"code": code, "message": message});
    }
    (status, Json(body)).into_response()
}

async fn analyze(
    State(stub): State<Stub>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let key = headers.get("ocp-apim-subscription-key").and_then(|v| v.to_str().ok());
    let auth = match (key, stub.key.as_deref()) {
        (Some(given), Some(want)) if given == want => "key",
        _ if stub.bearer_is_live(&headers) => "bearer",
        (_, None) => "none",
        _ => {
            let message = "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide \
                           a valid key for an active subscription and use a correct regional API endpoint for your resource.";
            return error(StatusCode::UNAUTHORIZED, "401", message, None);
        }
    };
    if query.get("api-version").map(String::as_str) != Some("2024-02-01") {
        return error(StatusCode::NOT_FOUND, "404", "Resource not found", None);
    }
    let features: Vec<String> =
        query.get("features").map(|f| f.split(',').map(str::trim).map(String::from).collect()).unwrap_or_default();
    if features.is_empty() || features.iter().any(|f| !FEATURES.contains(&f.as_str())) {
        let inner = ("InvalidParameterValue", "The parameter 'features' is missing or holds an unknown feature.");
        return error(StatusCode::BAD_REQUEST, "InvalidRequest", "Invalid request.", Some(inner));
    }
    if headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) != Some("application/octet-stream") {
        return error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "InvalidRequest", "Unsupported media type.", None);
    }
    let Ok(size) = imagesize::blob_size(&body) else {
        let inner = ("InvalidImageFormat", "Input data is not a valid image.");
        return error(StatusCode::BAD_REQUEST, "InvalidRequest", "Image format is not valid.", Some(inner));
    };
    let (width, height) = (size.width as u32, size.height as u32);
    tokio::time::sleep(stub.think).await;
    let fault = {
        let mut inner = stub.lock();
        let fault = inner.faults.pop_front();
        inner.analyses.push(Analysed {
            features: features.clone(),
            gender_neutral: query.get("gender-neutral-caption").map(String::as_str) == Some("true"),
            width,
            height,
            auth: auth.into(),
            fault: fault.clone(),
        });
        fault
    };
    match fault {
        Some(Fault::RateLimited { retry_after }) => {
            let message = "Requests to the Analyze Image Operation under Computer Vision API have exceeded rate limit \
                           of your current tier. Please retry after 1 second.";
            let mut response = error(StatusCode::TOO_MANY_REQUESTS, "429", message, None);
            if let Some(value) = retry_after.and_then(|s| s.parse().ok()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return response;
        }
        Some(Fault::NotInRegion) => {
            let inner = ("NotSupportedFeature", "Feature Caption is not supported in this region.");
            return error(
                StatusCode::BAD_REQUEST,
                "InvalidRequest",
                "The feature is not supported in this region.",
                Some(inner),
            );
        }
        Some(Fault::Status { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return error(status, "InternalServerError", "An unexpected error occurred.", None);
        }
        _ => {}
    }
    Json(result(&features, width, height)).into_response()
}

/// What the service finds in the stub's images: the same things, told apart by size.
pub fn result(features: &[String], width: u32, height: u32) -> Value {
    let has = |name: &str| features.iter().any(|f| f == name);
    let mut out = json!({"modelVersion": "2023-10-01", "metadata": {"width": width, "height": height}});
    let whole = json!({"x": 0, "y": 0, "w": width, "h": height});
    if has("caption") {
        out["captionResult"] =
            json!({"text": format!("a stub photo of {width} by {height} pixels"), "confidence": 0.83});
    }
    if has("denseCaptions") {
        out["denseCaptionsResult"] = json!({"values": [
            {"text": format!("a stub photo of {width} by {height} pixels"), "confidence": 0.83, "boundingBox": whole},
            {"text": "a corner of the stub photo", "confidence": 0.71, "boundingBox": {"x": 0, "y": 0, "w": width / 2, "h": height / 2}},
        ]});
    }
    if has("tags") {
        out["tagsResult"] = json!({"values": [
            {"name": "photo", "confidence": 0.87},
            {"name": "stub", "confidence": 0.991},
            {"name": "indoor", "confidence": 0.612},
            {"name": "blurry", "confidence": 0.41},
        ]});
    }
    if has("objects") {
        out["objectsResult"] = json!({"values": [
            {"boundingBox": whole, "tags": [{"name": "box", "confidence": 0.72}]},
        ]});
    }
    if has("read") {
        out["readResult"] = json!({"blocks": [{"lines": [
            {"text": "STUB TEXT", "boundingPolygon": [], "words": [{"text": "STUB", "confidence": 0.99}]},
            {"text": format!("{width}x{height}"), "boundingPolygon": [], "words": []},
        ]}]});
    }
    out
}

impl Stub {
    pub fn analyses(&self) -> Vec<Analysed> {
        self.lock().analyses.clone()
    }
}
