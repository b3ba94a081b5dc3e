//! The picscribe server: Leptos's options, and the router (a function, so tests drive it
//! without a socket) with the guard and the security headers in front of everything.

pub mod cli;
pub mod site;
#[cfg(feature = "stub")]
pub mod stub;

use std::net::SocketAddr;
use std::time::Duration;

use app::access::server::guard::guard;
use app::access::server::Access;
use app::describe::server::Describer;
use app::jobs::server::Jobs;
use app::state::AppState;
use app::{shell, App};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::Request;
use axum::http::{header, HeaderValue, StatusCode, Uri};
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
    let jobs = Jobs::new(access.settings());
    router_with_jobs(leptos_options, describer, access, jobs)
}

/// [`router`], with the page's batches kept by `jobs` (which `serve` resumes polling).
pub fn router_with_jobs(leptos_options: LeptosOptions, describer: Describer, access: Access, jobs: Jobs) -> Router {
    let state = AppState { leptos_options, describer, access: access.clone(), jobs };
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let header = |name, value| SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value));
    let body_timeout = access.settings().client_timeout;
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .leptos_routes_with_context(&state, routes, page_security, move || shell(options.clone()))
        .fallback(embedded_or_not_found)
        .layer(axum::middleware::from_fn_with_state(access, guard))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(axum::middleware::map_response(too_large_in_words))
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
        .layer(header(header::CONTENT_SECURITY_POLICY, STRICT_POLICY))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// What any other address gets: the page is only at `/`.
const NOT_FOUND_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Not found · picscribe</title></head><body><main><h1>Page not found</h1>\
<p>picscribe has nothing at this address. <a href=\"/\">Go to picscribe</a>.</p></main></body></html>";

/// A file of the embedded site, else a page saying there is nothing here.
async fn embedded_or_not_found(uri: Uri, request: Request<Body>) -> axum::response::Response {
    if let Some(file) = site::file(uri.path(), request.headers()) {
        return file;
    }
    (StatusCode::NOT_FOUND, axum::response::Html(NOT_FOUND_PAGE)).into_response()
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

/// Serves the router until `shutdown` resolves, then lets the calls under way finish.
/// Unlike `axum::serve`, a client gets `header_timeout` to send its request headers, so
/// connections that send half a request and wait cannot pile up; each request knows the
/// address it came from (for the trusted-proxy check).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    header_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::server::graceful::GracefulShutdown;
    use hyper_util::service::TowerToHyperService;

    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(header_timeout);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service =
            tower::ServiceExt::map_request(router.clone(), move |mut request: Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                request
            });
        let connection =
            builder.serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection.into_owned());
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("every connection finished"),
        () = tokio::time::sleep(Duration::from_secs(30)) => tracing::warn!("gave up waiting for connections after 30 s"),
    }
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
