//! What the server holds for every request: Leptos's options, the describer with its
//! providers, and who may use them. Server functions read it through [`app_state`], and
//! who is calling through [`caller`].

use axum::extract::FromRef;
use axum::http::{header, request::Parts, HeaderValue, StatusCode};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::access::server::{Access, Caller};
use crate::describe::server::Describer;
use crate::error::ApiError;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub describer: Describer,
    pub access: Access,
    /// The batches sent from the page.
    pub jobs: crate::jobs::server::Jobs,
}

/// The state leptos_axum provides to server functions.
pub fn app_state() -> Result<AppState, ApiError> {
    use_context::<AppState>()
        .ok_or_else(|| ApiError::Unavailable("The server is not set up to describe images.".into()))
}

/// Who the guard let in for this request.
pub fn caller() -> Option<Caller> {
    use_context::<Parts>().and_then(|parts| parts.extensions.get::<Caller>().cloned())
}

/// Answers with the error's own status code (leptos answers 500 for every error otherwise).
pub fn refuse(error: ApiError) -> ApiError {
    if let (Some(response), Ok(status)) = (use_context::<ResponseOptions>(), StatusCode::from_u16(error.status_code()))
    {
        response.set_status(status);
        if matches!(error, ApiError::TooMany(_)) {
            response.insert_header(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
    }
    error
}

pub fn set_cookie(value: &str) {
    if let (Some(response), Ok(value)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(value)) {
        response.append_header(header::SET_COOKIE, value);
    }
}

/// Whether the page was reached over https (directly, or through a proxy that says so).
pub fn is_https() -> bool {
    use_context::<Parts>().is_some_and(|parts| {
        parts.uri.scheme_str() == Some("https")
            || parts.headers.get("x-forwarded-proto").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
            || parts.headers.get(header::ORIGIN).is_some_and(|v| v.as_bytes().starts_with(b"https://"))
    })
}
