//! Starts picscribe: reads the configuration once, builds the router, serves.

use std::process::ExitCode;

use app::describe::server::Describer;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();

    let options = server::leptos_options();
    let addr = options.site_addr;
    let describer = match Describer::from_env() {
        Ok(describer) => describer,
        Err(err) => {
            tracing::error!(error = %err, "the provider configuration is wrong; fix it and start again");
            return ExitCode::FAILURE;
        }
    };
    if describer.providers.is_empty() {
        tracing::warn!(
            "no vision provider configured: set OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, \
             AZURE_OPENAI_ENDPOINT or OPENAI_BASE_URL (or PICSCRIBE_CONFIG) to describe images"
        );
    }
    let app = server::router(options, describer);

    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(err) => {
            tracing::error!(%addr, error = %err, "cannot listen");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!("picscribe is listening on http://{addr}");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "server stopped");
            ExitCode::FAILURE
        }
    }
}
