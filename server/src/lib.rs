//! The picscribe server: Leptos's options, and the router (a function, so tests drive it
//! without a socket) with the guard and the security headers in front of everything.

#[cfg(feature = "stub")]
pub mod stub;

use std::net::SocketAddr;
use std::time::Duration;

use app::access::server::guard::guard;
use app::access::server::Access;
use app::describe::server::Describer;
use app::state::AppState;
use app::{shell, App};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes, ResponseOptions};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

/// The largest describe request: the 8 MiB image the page may send (after its own
/// shrinking and re-encoding) plus the JSON around it. axum's extractors, which server
/// functions read their bodies through, would otherwise stop at 2 MiB.
pub const BODY_LIMIT: usize = 9 * 1024 * 1024;
/// A client that stops sending its body mid-way is cut off after this long.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// The site settings, built in so the binary runs from the repository root with no
/// `LEPTOS_*` variable set. `LEPTOS_SITE_ADDR`, `LEPTOS_SITE_ROOT` and the other
/// variables cargo-leptos sets still override them.
pub fn leptos_options() -> LeptosOptions {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let site_addr = var("LEPTOS_SITE_ADDR")
        .and_then(|addr| addr.parse::<SocketAddr>().ok())
        .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 3000)));
    let env = match var("LEPTOS_ENV").as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("dev" | "development") => Env::DEV,
        _ => Env::PROD,
    };
    LeptosOptions::builder()
        .output_name(var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|| "picscribe".into()))
        .site_root(var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()))
        .site_pkg_dir(var("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".into()))
        .site_addr(site_addr)
        .reload_port(var("LEPTOS_RELOAD_PORT").and_then(|p| p.parse().ok()).unwrap_or(3001))
        .env(env)
        .build()
}

/// The page's Content-Security-Policy: scripts only from this site or inline with this
/// response's nonce (Leptos's hydration script carries it), wasm allowed to compile,
/// images from this site or the browser's own `blob:`/`data:` previews, and no framing.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'nonce-{nonce}'; style-src 'self'; \
         img-src 'self' blob: data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Anything that is not a page (server-function answers, files, errors) runs nothing.
const STRICT_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Gives each rendered page its policy, with the nonce Leptos made for this response.
fn page_security() {
    if let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<ResponseOptions>()) {
        if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce)) {
            response.insert_header(header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

/// The whole app: pages, server functions, static files and the health checks, behind the
/// guard (hosts, other sites, sign-in) and with security headers on every answer.
pub fn router(leptos_options: LeptosOptions, describer: Describer, access: Access) -> Router {
    let state = AppState { leptos_options, describer, access: access.clone() };
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let header = |name, value| SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .leptos_routes_with_context(&state, routes, page_security, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(access, guard))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(axum::middleware::map_response(too_large_in_words))
        .layer(RequestBodyTimeoutLayer::new(BODY_TIMEOUT))
        .layer(header(header::CONTENT_SECURITY_POLICY, STRICT_POLICY))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// A body over the limit is refused before any server function reads it; say why in the
/// shape the page reads, not as bare text.
async fn too_large_in_words(response: axum::response::Response) -> axum::response::Response {
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE {
        return response;
    }
    let error = app::error::ApiError::Invalid(format!(
        "The image is too large to send, even after shrinking (the limit is {} MB); save it smaller and add it again.",
        BODY_LIMIT / (1024 * 1024)
    ));
    let mut response = (StatusCode::PAYLOAD_TOO_LARGE, error.to_json()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Ready when the configuration loaded (it did, or the server would not have started) and
/// the data directory still takes writes. Says nothing else.
async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let budgets = state.access.budgets().clone();
    match tokio::task::spawn_blocking(move || budgets.writable()).await {
        Ok(true) => (StatusCode::OK, "ready"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "the data directory is not writable"),
    }
}
