//! The one door in front of everything: a request for a host name this server is not, a
//! write from another site, a server-function call that is not JSON, or one from nobody
//! the server knows is turned away here, before any server function (or provider) runs.
//! Whoever is let in is left on the request as a [`Caller`].

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{Access, Caller};
use crate::error::ApiError;

/// Server functions anyone may call: signing in and asking whether one is needed.
const OPEN_ENDPOINTS: [&str; 3] = ["/api/sign_in", "/api/sign_out", "/api/viewer"];

/// Why a request was turned away at the door.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A `Host` this server does not answer to (DNS rebinding): 421.
    Host,
    /// Sent by a page of another site: 403.
    CrossSite,
    /// A server function called with something other than JSON: 415.
    NotJson,
    /// Nobody the server knows: 401.
    SignIn,
}

impl Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Refusal::Host => StatusCode::MISDIRECTED_REQUEST,
            Refusal::CrossSite => StatusCode::FORBIDDEN,
            Refusal::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Refusal::SignIn => StatusCode::UNAUTHORIZED,
        }
    }

    fn error(&self) -> ApiError {
        match self {
            Refusal::Host => ApiError::Forbidden(
                "This server does not answer to that host name; ask whoever runs it to add it to PICSCRIBE_ALLOWED_HOSTS."
                    .into(),
            ),
            Refusal::CrossSite => ApiError::Forbidden("Requests from other sites are not accepted.".into()),
            Refusal::NotJson => ApiError::Forbidden("Server functions take JSON (Content-Type: application/json).".into()),
            Refusal::SignIn => ApiError::SignIn("Sign in to describe images: enter your access token above.".into()),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = (self.status(), self.error().to_json()).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}

/// The checks, pure so they can be table-tested; `Ok` says whether the caller must be known.
pub fn inspect(access: &Access, method: &Method, path: &str, headers: &HeaderMap) -> Result<bool, Refusal> {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !host.is_empty() && !access.settings().host_allowed(host) {
        return Err(Refusal::Host);
    }
    let api = path.starts_with("/api/");
    let writes = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if api || writes {
        let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        if matches!(fetch_site, Some("cross-site" | "same-site")) {
            return Err(Refusal::CrossSite);
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("null");
            let own = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
            if own.is_none_or(|authority| !authority.eq_ignore_ascii_case(host)) {
                return Err(Refusal::CrossSite);
            }
        }
    }
    if api && *method == Method::POST {
        let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            return Err(Refusal::NotJson);
        }
    }
    Ok(api && !OPEN_ENDPOINTS.contains(&path))
}

/// The middleware: refuses what [`inspect`] refuses, and leaves the [`Caller`] on the request.
pub async fn guard(State(access): State<Access>, mut request: Request, next: Next) -> Response {
    let needs_caller = match inspect(&access, request.method(), request.uri().path(), request.headers()) {
        Ok(needs) => needs,
        Err(refusal) => {
            tracing::info!(path = %request.uri().path(), ?refusal, "request refused at the door");
            return refusal.into_response();
        }
    };
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    match access.identify(request.headers(), peer) {
        Some(caller) => {
            request.extensions_mut().insert::<Caller>(caller);
        }
        None if needs_caller => return Refusal::SignIn.into_response(),
        None => {}
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_door_refuses_other_hosts_other_sites_and_non_json() -> Result<(), Box<dyn std::error::Error>> {
        let access = Access::open();
        /// Method, path, headers, and what the door does.
        type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], Result<bool, Refusal>);
        let cases: [Case; 11] = [
            ("GET", "/", &[("host", "127.0.0.1:3000")], Ok(false)),
            ("GET", "/", &[("host", "rebind.evil.example:3000")], Err(Refusal::Host)),
            ("POST", "/api/describe", &[("host", "localhost:3000"), ("content-type", "application/json")], Ok(true)),
            (
                "POST",
                "/api/describe",
                &[("host", "localhost:3000"), ("content-type", "text/plain"), ("origin", "https://evil.example")],
                Err(Refusal::CrossSite),
            ),
            (
                "POST",
                "/api/describe",
                &[("host", "localhost:3000"), ("content-type", "text/plain")],
                Err(Refusal::NotJson),
            ),
            (
                "POST",
                "/api/describe",
                &[("host", "localhost:3000"), ("content-type", "application/json"), ("sec-fetch-site", "cross-site")],
                Err(Refusal::CrossSite),
            ),
            (
                "POST",
                "/api/describe",
                &[("host", "localhost:3000"), ("content-type", "application/json"), ("origin", "null")],
                Err(Refusal::CrossSite),
            ),
            (
                "POST",
                "/api/describe",
                &[
                    ("host", "localhost:3000"),
                    ("content-type", "application/json; charset=utf-8"),
                    ("origin", "http://localhost:3000"),
                    ("sec-fetch-site", "same-origin"),
                ],
                Ok(true),
            ),
            ("POST", "/api/sign_in", &[("host", "localhost:3000"), ("content-type", "application/json")], Ok(false)),
            (
                "POST",
                "/api/sign_in",
                &[("host", "localhost:3000"), ("content-type", "application/x-www-form-urlencoded")],
                Err(Refusal::NotJson),
            ),
            ("GET", "/pkg/picscribe.js", &[("host", "[::1]:3000"), ("sec-fetch-site", "cross-site")], Ok(false)),
        ];
        for (method, path, headers, expected) in cases {
            let mut map = HeaderMap::new();
            for (name, value) in headers {
                map.insert(*name, HeaderValue::from_str(value)?);
            }
            let method: Method = method.parse()?;
            assert_eq!(inspect(&access, &method, path, &map), expected, "{method} {path} {headers:?}");
        }
        Ok(())
    }
}
