//! Server-only half of describing: configuration, the providers, and the retrying
//! pipeline that turns one provider call into a stream of [`StreamEvent`]s.

pub mod anthropic;
pub mod auth;
pub mod azure_vision;
pub mod batch;
pub mod builtin;
mod call;
pub mod chain;
pub mod config;
pub mod discover;
pub mod entra;
pub mod gemini;
pub mod http;
pub mod limits;
pub mod openai_compat;
pub mod pace;
pub mod provider;
pub mod retry;
pub mod text_extraction;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::Stream;
use tokio::sync::mpsc;
// Tokio's clock, so tests can move it.
use tokio::time::Instant;

pub use self::call::Heard;
use self::call::{error_event, run, Call};
use self::config::{ConfigError, ConfigFile, ProviderSettings};
use self::pace::{Limits, Pace};
pub use self::provider::{Naming, ProviderError, VisionProvider, VisionRequest};
use self::retry::RetryPolicy;
use crate::describe::cost::{Price, PRICES_CHECKED};
use crate::describe::events::StreamEvent;
use crate::describe::providers::describing_models;
use crate::describe::{ProviderChoice, ProviderInfo, ProviderKind};

pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// What a kind's client is built from ([`BuildClient`]).
pub struct ClientSettings<'a> {
    /// The configured address; none means the kind's own.
    pub base_url: Option<&'a str>,
    pub key: Option<String>,
    pub api_version: Option<&'a str>,
    pub connect: Duration,
    pub stream: bool,
    /// Whether to offer the provider's batch service; none means the kind's own answer
    /// (yes, except for servers that only copy OpenAI's API).
    pub batch: Option<bool>,
}

/// A kind's constructor, named by its [`Descriptor`](crate::describe::kinds::Descriptor).
pub type BuildClient = fn(&ClientSettings<'_>) -> Result<Arc<dyn VisionProvider>, BuildError>;

/// Why a provider's client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("could not set up the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    /// No key, and no way to sign in with Microsoft Entra ID: a sentence for start-up.
    #[error("{0}")]
    Credential(String),
}

/// How long to wait at each stage of one call.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    pub connect: Duration,
    /// From sending the request to the response headers.
    pub first_byte: Duration,
    /// The longest silence inside a streamed reply.
    pub idle: Duration,
    /// The whole reply, start to finish.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            first_byte: Duration::from_secs(60),
            idle: Duration::from_secs(30),
            total: Duration::from_secs(180),
        }
    }
}

/// A provider's model list is asked for at most this often ...
const MODEL_LIST_TTL: Duration = Duration::from_secs(600);
/// ... unless asking failed: a provider that was down comes back into the list soon.
const MODEL_LIST_RETRY: Duration = Duration::from_secs(30);
/// A slow model list must not hold up the page.
const MODEL_LIST_TIMEOUT: Duration = Duration::from_secs(3);

/// A provider's model list and when to ask again.
type ModelCache = Arc<Mutex<Option<(Instant, Vec<String>)>>>;

/// One configured provider, ready to call.
#[derive(Clone)]
pub struct ProviderEntry {
    pub id: String,
    pub kind: ProviderKind,
    pub naming: Naming,
    /// Configured models, offered whether or not the provider lists its own.
    pub models: Vec<String>,
    pub default_model: String,
    pub list_models: bool,
    pub provider: Arc<dyn VisionProvider>,
    /// The gate every call to this provider goes through.
    pub pace: Arc<Pace>,
    /// Its own waits, where they are not the network's (work on this server).
    pub timeouts: Option<Timeouts>,
    listed: ModelCache,
}

impl ProviderEntry {
    pub fn new(
        id: &str,
        kind: ProviderKind,
        naming: Naming,
        default_model: &str,
        provider: Arc<dyn VisionProvider>,
    ) -> Self {
        ProviderEntry {
            id: id.into(),
            kind,
            naming,
            models: Vec::new(),
            default_model: default_model.into(),
            list_models: true,
            provider,
            pace: Arc::new(Pace::open()),
            timeouts: None,
            listed: Arc::default(),
        }
    }

    /// Builds the client for configured settings.
    pub fn build(settings: &ProviderSettings, timeouts: Timeouts) -> Result<ProviderEntry, BuildError> {
        let client = ClientSettings {
            base_url: settings.base_url.as_deref(),
            key: settings.api_key.clone().filter(|k| !k.is_empty()),
            api_version: settings.api_version.as_deref(),
            connect: timeouts.connect,
            stream: settings.stream,
            batch: settings.batch,
        };
        let provider = (settings.kind.descriptor().setup.client)(&client)?;
        let naming = Naming {
            label: settings.label(),
            key_setting: settings.key_setting.clone(),
            url_setting: settings.url_setting.clone(),
        };
        let mut entry = ProviderEntry::new(&settings.id, settings.kind, naming, &settings.default_model(), provider);
        entry.models = settings.models.clone();
        entry.list_models = settings.list_models;
        entry.pace = Arc::new(Pace::new(Limits { rpm: settings.rpm, tpm: settings.tpm }));
        Ok(entry)
    }

    /// Signs in with Microsoft Entra ID once, where the provider has no key: at start-up,
    /// so a missing identity is a sentence then rather than a failure on every image.
    pub async fn sign_in(&self) -> Result<(), String> {
        match self.provider.entra() {
            Some(entra) => entra.check(&self.naming.label, &self.naming.key_setting).await,
            None => Ok(()),
        }
    }

    /// What the page's picker offers: the provider's own list (asked for at most every ten
    /// minutes, given three seconds) after the configured models and the default.
    async fn choice(&self) -> ProviderChoice {
        let mut models = vec![self.default_model.clone()];
        models.extend(self.models.iter().cloned());
        if self.list_models {
            models.extend(self.listed_models().await);
        }
        ProviderChoice {
            id: self.id.clone(),
            label: self.naming.label.clone(),
            kind: self.kind,
            models: describing_models(models),
            default_model: self.default_model.clone(),
            resize: self.kind.resize_rule(),
            batch: self.provider.batches().is_some(),
        }
    }

    /// Whether `model` is one this provider offers: its default, a configured one, or one
    /// from its own list. Any other name is refused before a call is made.
    pub async fn offers(&self, model: &str) -> bool {
        self.choice().await.models.iter().any(|offered| offered == model)
    }

    async fn listed_models(&self) -> Vec<String> {
        let cached = self.listed.lock().ok().and_then(|c| c.clone());
        if let Some((_, models)) = cached.filter(|(expires, _)| Instant::now() < *expires) {
            return models;
        }
        let (models, keep_for) = match tokio::time::timeout(MODEL_LIST_TIMEOUT, self.provider.list_models()).await {
            Ok(Ok(models)) => (models, MODEL_LIST_TTL),
            Ok(Err(error)) => {
                tracing::warn!(provider = %self.id, %error, "could not list models");
                (Vec::new(), MODEL_LIST_RETRY)
            }
            Err(_) => {
                tracing::warn!(provider = %self.id, "the model list took too long");
                (Vec::new(), MODEL_LIST_RETRY)
            }
        };
        if let Ok(mut cache) = self.listed.lock() {
            *cache = Some((Instant::now() + keep_for, models.clone()));
        }
        models
    }
}

/// The providers and the rules for calling them. Cheap to clone.
#[derive(Clone)]
pub struct Describer {
    /// The default first.
    pub providers: Vec<ProviderEntry>,
    pub timeouts: Timeouts,
    pub retry: RetryPolicy,
    /// Dollars per million tokens by model, for the page's estimates.
    pub prices: Vec<Price>,
    /// First stages' answers, so the same analysis is never paid for twice.
    pub analyses: Arc<dyn chain::Remember>,
}

impl Describer {
    /// Builds the providers from the configuration read once at start-up
    /// ([`config::read_file`]): the `picscribe.toml` named by `PICSCRIBE_CONFIG`, and the
    /// provider variables (`OPENAI_*`, `AZURE_OPENAI_*`, `ANTHROPIC_*`, `GEMINI_*`), which
    /// add their providers. With none there is no provider, and the page says how to add one.
    pub fn load(var: &dyn Fn(&str) -> Option<String>, file: Option<&ConfigFile>) -> Result<Describer, ConfigError> {
        let timeouts = Timeouts {
            connect: secs_var("PICSCRIBE_CONNECT_TIMEOUT_SECS").unwrap_or(Timeouts::default().connect),
            first_byte: secs_var("PICSCRIBE_FIRST_BYTE_TIMEOUT_SECS").unwrap_or(Timeouts::default().first_byte),
            idle: secs_var("PICSCRIBE_IDLE_TIMEOUT_SECS").unwrap_or(Timeouts::default().idle),
            total: secs_var("PICSCRIBE_REQUEST_TIMEOUT_SECS").unwrap_or(Timeouts::default().total),
        };
        let file = file.map(ConfigFile::as_pair);
        let settings = config::load(var, file)?;
        let prices = config::load_prices(file)?;
        let mut providers = Vec::new();
        for settings in &settings {
            match ProviderEntry::build(settings, timeouts) {
                Ok(entry) => {
                    tracing::info!(provider = %entry.id, kind = ?entry.kind, "vision provider configured");
                    providers.push(entry);
                }
                Err(BuildError::Credential(why)) => {
                    let reason = format!("{} has no key and cannot sign in: {why}", settings.label());
                    return Err(ConfigError::Invalid { path: settings.key_setting.clone(), reason });
                }
                Err(err) => tracing::error!(provider = %settings.id, error = %err, "could not set up the HTTP client"),
            }
        }
        let analyses = Arc::new(chain::Remembered::default());
        Ok(Describer { providers, timeouts, retry: RetryPolicy::default(), prices, analyses })
    }

    /// With no provider configured and `PICSCRIBE_DISCOVER` not off ([`discover::wanted`]),
    /// adds the local servers' models that take images as providers ([`discover`]), free
    /// of charge, and logs what each server had.
    pub async fn add_local(&mut self, var: &dyn Fn(&str) -> Option<String>, local: &discover::Local) {
        if !discover::wanted(var, self.providers.len()) {
            return;
        }
        let found = discover::discover(local).await;
        for line in &found.said {
            tracing::info!("looking for local models: {line}");
        }
        for settings in &found.providers {
            match ProviderEntry::build(settings, self.timeouts) {
                Ok(entry) => {
                    tracing::info!(provider = %entry.id, models = ?settings.models, "local vision provider found");
                    // Priced as the table names models: after any `publisher/`.
                    let names = settings.models.iter().map(|m| m.rsplit('/').next().unwrap_or(m));
                    self.prices.extend(names.map(|model| Price::new(model, 0.0, 0.0)));
                    self.providers.push(entry);
                }
                Err(err) => tracing::error!(provider = %settings.id, error = %err, "could not set up the HTTP client"),
            }
        }
    }

    /// Signs every provider without a key in with Microsoft Entra ID ([`ProviderEntry::sign_in`]).
    pub async fn sign_in(&self) -> Result<(), String> {
        for entry in &self.providers {
            entry.sign_in().await?;
        }
        Ok(())
    }

    /// The provider with this id; an empty id means the default.
    pub fn provider(&self, id: &str) -> Option<&ProviderEntry> {
        if id.is_empty() {
            self.providers.first()
        } else {
            self.providers.iter().find(|p| p.id == id)
        }
    }

    /// What the page may know: names, models and resize rules, never keys or addresses.
    pub async fn info(&self) -> ProviderInfo {
        let choices = futures::future::join_all(self.providers.iter().map(ProviderEntry::choice)).await;
        ProviderInfo { providers: choices, prices: self.prices.clone(), prices_checked: PRICES_CHECKED.into() }
    }

    /// Runs one description in its own task and streams what happens. When the page goes
    /// away (the receiver is dropped: the tab closed, or the user cancelled), the task ends
    /// at once, whatever it is waiting for: the provider's connection is dropped, which stops
    /// the generation, and a pending retry is never sent.
    pub fn describe(&self, entry: &ProviderEntry, request: VisionRequest) -> impl Stream<Item = StreamEvent> {
        let (tx, mut rx) = mpsc::channel(64);
        let call = Call {
            provider: Arc::clone(&entry.provider),
            pace: Arc::clone(&entry.pace),
            tokens: limits::request_tokens(entry.kind, &request),
            timeouts: entry.timeouts.unwrap_or(self.timeouts),
            retry: self.retry,
            naming: entry.naming.clone(),
        };
        tokio::spawn(async move {
            let watch = tx.clone();
            // Waiting for the provider's pace is picscribe's own queue, not the provider
            // being slow: the request's time limit starts with its turn.
            let run = async {
                call.turn().await;
                tokio::time::timeout(call.timeouts.total, run(&call, request, tx)).await
            };
            tokio::select! {
                finished = run => {
                    if finished.is_err() {
                        tracing::warn!("description took longer than the request timeout");
                        let _ = watch.send(error_event(&ProviderError::Timeout, 1, &call.naming)).await;
                    }
                }
                () = watch.closed() => tracing::info!("the page went away; the provider call was dropped"),
            }
        });
        futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
    }
}

fn secs_var(name: &str) -> Option<Duration> {
    std::env::var(name)
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use futures::future::BoxFuture;

    use super::*;

    /// A provider whose model list fails the first time and works after.
    struct Flaky {
        calls: AtomicU32,
    }

    impl VisionProvider for Flaky {
        fn start<'a>(&'a self, _: &'a VisionRequest) -> BoxFuture<'a, Result<provider::Reply, ProviderError>> {
            Box::pin(async { Err(ProviderError::Connect) })
        }

        fn list_models(&self) -> BoxFuture<'_, Result<Vec<String>, ProviderError>> {
            let call = self.calls.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                if call == 0 {
                    Err(ProviderError::Connect)
                } else {
                    Ok(vec!["listed".into()])
                }
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn model_lists_are_cached_and_a_failed_one_is_asked_again_soon() {
        let flaky = Arc::new(Flaky { calls: AtomicU32::new(0) });
        let naming = Naming { label: "X".into(), key_setting: "K".into(), url_setting: "U".into() };
        let entry = ProviderEntry::new("x", ProviderKind::Openai, naming, "default", flaky.clone());
        let describer = Describer {
            providers: vec![entry],
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            prices: Vec::new(),
            analyses: Arc::new(chain::Remembered::default()),
        };
        let models = |info: ProviderInfo| info.providers[0].models.clone();
        let calls = || flaky.calls.load(Ordering::SeqCst);

        assert_eq!(models(describer.info().await), ["default"], "a failed listing still offers the default");
        assert_eq!(models(describer.info().await), ["default"]);
        assert_eq!(calls(), 1, "the failure is remembered for a while");

        tokio::time::advance(MODEL_LIST_RETRY + Duration::from_secs(1)).await;
        assert_eq!(models(describer.info().await), ["default", "listed"]);
        assert_eq!(calls(), 2, "asked again after the short wait");

        tokio::time::advance(MODEL_LIST_TTL - Duration::from_secs(5)).await;
        describer.info().await;
        assert_eq!(calls(), 2, "a good list is kept for ten minutes");
        tokio::time::advance(Duration::from_secs(10)).await;
        describer.info().await;
        assert_eq!(calls(), 3);
    }
}
