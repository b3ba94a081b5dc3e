//! The picscribe server: Leptos's options, the router (a function, so tests drive it
//! without a socket), and the stub provider the tests and end-to-end runs talk to.

pub mod stub;

use std::net::SocketAddr;

use app::describe::server::Describer;
use app::state::AppState;
use app::{shell, App};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

/// The describe request carries one shrunk image; anything much larger is not ours.
const BODY_LIMIT: usize = 12 * 1024 * 1024;

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

/// The whole app: pages, server functions and static files.
pub fn router(leptos_options: LeptosOptions, describer: Describer) -> Router {
    let state = AppState { leptos_options, describer };
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    Router::new()
        .leptos_routes_with_context(&state, routes, || (), move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
