//! Starts picscribe: reads the configuration once; `picscribe` (or `picscribe serve`)
//! refuses to serve a network address to everyone unless told to, builds the router and
//! serves until ctrl-c or SIGTERM; `picscribe describe` runs the command line's door.

use std::net::SocketAddr;
use std::process::ExitCode;

use app::access::server::budget::Budgets;
use app::access::server::{config, Access};
use clap::Parser;
use engine::describe::server::config::{env_var, read_file, ConfigFile};
use engine::describe::server::{discover, Describer};
use server::cli::{Cli, Command};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // The command's own lines are its progress; the log says only what went wrong.
    let quiet = matches!(cli.command, Some(Command::Describe(_) | Command::Batches(_)));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(if quiet { "warn" } else { "info" })),
        )
        .init();
    // `PICSCRIBE_CONFIG` is read here, once, for the providers and for who may come in.
    let file = match read_file(&env_var) {
        Ok(file) => file,
        Err(err) => {
            eprintln!("picscribe: {err}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Some(Command::Describe(args)) => server::cli::describe(*args, file).await,
        Some(Command::Batches(args)) => server::cli::batches(args, file).await,
        None | Some(Command::Serve) => serve(file).await,
    }
}

async fn serve(file: Option<ConfigFile>) -> ExitCode {
    let options = server::leptos_options();
    let addr = options.site_addr;
    let mut describer = match Describer::load(&env_var, file.as_ref()) {
        Ok(describer) => describer,
        Err(err) => {
            tracing::error!(error = %err, "the provider configuration is wrong; fix it and start again");
            return ExitCode::FAILURE;
        }
    };
    describer.add_local(&env_var, &discover::Local::default()).await;
    describer.add_builtin(&env_var);
    if describer.providers.is_empty() {
        tracing::warn!("{}", app::error::NO_PROVIDER);
    }
    if let Err(why) = describer.sign_in().await {
        tracing::error!("{why}");
        return ExitCode::FAILURE;
    }
    let access = match access_from_env(addr, file.as_ref()) {
        Ok(access) => access,
        Err(err) => {
            tracing::error!("{err}");
            return ExitCode::FAILURE;
        }
    };
    let header_timeout = access.settings().client_timeout;
    // Batches sent from the page before a restart are still waited for.
    let jobs = app::jobs::server::Jobs::new(access.settings());
    jobs.resume(&describer);
    let app = server::router_with_jobs(options, describer, access, jobs);

    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(err) => {
            tracing::error!(%addr, error = %err, "cannot listen");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!("picscribe is listening on http://{addr}");
    server::serve(listener, app, header_timeout, shutdown_signal()).await;
    ExitCode::SUCCESS
}

/// Reads who may come in (and refuses an open network address), then opens the usage
/// record in the data directory.
fn access_from_env(addr: SocketAddr, file: Option<&ConfigFile>) -> Result<Access, String> {
    let settings = config::load(&env_var, file.map(ConfigFile::as_pair)).map_err(|err| err.to_string())?;
    settings.check_bind(addr).map_err(|err| err.to_string())?;
    let budgets = Budgets::open(&settings.data_dir)?;
    if settings.sign_in_required() {
        tracing::info!(users = settings.users.len(), proxy = settings.trusted_header.is_some(), "sign-in required");
    }
    Ok(Access::new(settings, budgets))
}

/// Ctrl-c or SIGTERM (systemd, docker stop): stop taking connections and let the calls
/// under way finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
