//! A managed-identity token endpoint in App Service's form (`GET IDENTITY_ENDPOINT
//! ?api-version=2019-08-01&resource=…` with `X-IDENTITY-HEADER`), counting what it is
//! asked and issuing tokens that expire, and the check the Azure dialects make of an
//! `Authorization: Bearer` token: issued here, for Cognitive Services, and still live.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::Stub;

/// What `IDENTITY_HEADER` must be set to for the stub's endpoint.
pub const IDENTITY_HEADER: &str = "stub-identity-header-5f1c";
/// The path to set `IDENTITY_ENDPOINT` to, after the stub's root.
pub const IDENTITY_PATH: &str = "/msi/token";
const RESOURCE: &str = "https://cognitiveservices.azure.com";

/// The tokens issued, and when each expires.
#[derive(Default)]
pub struct Issued {
    pub tokens: Vec<(String, SystemTime)>,
    /// Requests for a token, refused ones included.
    pub asked: usize,
}

pub fn routes() -> Router<Stub> {
    Router::new()
        .route(IDENTITY_PATH, get(token))
        .route("/__stub/identity", get(|State(stub): State<Stub>| async move { Json(stub.tokens_asked()) }))
}

async fn token(State(stub): State<Stub>, headers: HeaderMap, Query(query): Query<HashMap<String, String>>) -> Response {
    let mut inner = stub.lock();
    let issued = &mut inner.issued;
    issued.asked += 1;
    let secret = headers.get("x-identity-header").and_then(|v| v.to_str().ok());
    if secret != Some(IDENTITY_HEADER) {
        let body = json!({"statusCode": 401, "message": "Unauthorized: the X-IDENTITY-HEADER is missing or wrong."});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    if query.get("api-version").map(String::as_str) != Some("2019-08-01")
        || query.get("resource").map(String::as_str) != Some(RESOURCE)
    {
        let body = json!({"statusCode": 400, "message": "Unable to load the proper Managed Identity."});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    let expires = SystemTime::now() + stub.token_lifetime;
    let serial = stub.serial.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let value = format!("stub-entra-token-{}-{serial}", issued.tokens.len() + 1);
    issued.tokens.push((value.clone(), expires));
    let expires_on = expires.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs();
    Json(json!({
        "access_token": value,
        "expires_on": expires_on.to_string(),
        "resource": RESOURCE,
        "token_type": "Bearer",
        "client_id": "00000000-0000-0000-0000-00000000c0de",
    }))
    .into_response()
}

impl Stub {
    /// How many times a token was asked for.
    pub fn tokens_asked(&self) -> usize {
        self.lock().issued.asked
    }

    /// Whether the request carries a live token this stub issued.
    pub fn bearer_is_live(&self, headers: &HeaderMap) -> bool {
        let given =
            headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        let Some(given) = given else { return false };
        let now = SystemTime::now();
        self.lock().issued.tokens.iter().any(|(token, expires)| token == given && *expires > now)
    }
}

impl Stub {
    /// The dialect's key check, except that Azure also takes a live Entra ID token.
    pub(super) fn authorize(
        &self,
        dialect: super::Dialect,
        headers: &HeaderMap,
        query: &HashMap<String, String>,
    ) -> Option<Response> {
        if dialect == super::Dialect::Azure && self.bearer_is_live(headers) {
            return None;
        }
        dialect.authorize(self.key.as_deref(), headers, query)
    }
}
