//! Which providers the server has, read once at start-up from the environment (with the
//! names each ecosystem already uses) and, optionally, a `picscribe.toml` naming several.
//! Pure: the environment is passed in, so every rule is table-tested.

use serde::Deserialize;

use crate::describe::cost::{default_prices, Price};
use crate::describe::kinds::{Presence, KINDS};
use crate::describe::ProviderKind;

/// One provider as configured, before any client is built.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSettings {
    /// The id the page sends back: lowercase letters, digits, `-` and `_`.
    #[serde(rename = "name")]
    pub id: String,
    /// What the picker shows; defaults to a name for the kind and address.
    #[serde(default)]
    pub label: Option<String>,
    pub kind: ProviderKind,
    /// The API root: `…/v1` for OpenAI-compatible servers, the resource endpoint for Azure.
    #[serde(default)]
    pub base_url: Option<String>,
    /// The environment variable holding the key (keeps the key out of the file).
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// The key itself, when it must live in the file.
    #[serde(default)]
    pub api_key: Option<String>,
    /// Models (Azure: deployments) offered even when the provider cannot list its own.
    #[serde(default)]
    pub models: Vec<String>,
    #[serde(default)]
    pub default_model: Option<String>,
    /// Azure only: `2024-10-21` and the like use the deployments path; none uses `/openai/v1/`.
    #[serde(default)]
    pub api_version: Option<String>,
    /// Whether to ask for streamed replies.
    #[serde(default = "yes")]
    pub stream: bool,
    /// Whether to ask the provider for its model list.
    #[serde(default = "yes")]
    pub list_models: bool,
    /// Whether to offer its batch service: on by default, except for servers that only
    /// copy OpenAI's API (`batch = true` for one that has `/files` and `/batches`).
    #[serde(default)]
    pub batch: Option<bool>,
    /// The most requests a minute to start, for everyone on this server together.
    #[serde(default)]
    pub rpm: Option<u32>,
    /// The most tokens a minute (images by the model's rule, prompt, answer), likewise.
    #[serde(default)]
    pub tpm: Option<u32>,
    /// Where the key and address come from, for error sentences; filled in by the loader.
    #[serde(skip)]
    pub key_setting: String,
    #[serde(skip)]
    pub url_setting: String,
}

fn yes() -> bool {
    true
}

/// The key never reaches a log through `{:?}`.
impl std::fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("models", &self.models)
            .finish_non_exhaustive()
    }
}

impl ProviderSettings {
    pub(crate) fn new(id: &str, kind: ProviderKind) -> ProviderSettings {
        ProviderSettings {
            id: id.into(),
            label: None,
            kind,
            base_url: None,
            api_key_env: None,
            api_key: None,
            models: Vec::new(),
            default_model: None,
            api_version: None,
            stream: true,
            list_models: true,
            batch: None,
            rpm: None,
            tpm: None,
            key_setting: String::new(),
            url_setting: String::new(),
        }
    }

    /// The model used until the page picks another.
    pub fn default_model(&self) -> String {
        self.default_model
            .clone()
            .or_else(|| self.models.first().cloned())
            .unwrap_or_else(|| self.kind.descriptor().setup.default_model.into())
    }

    /// The name the picker shows: the configured label, else one guessed from the kind and
    /// the address (without showing the address, which stays on the server).
    pub fn label(&self) -> String {
        if let Some(label) = &self.label {
            return label.clone();
        }
        let kind = self.kind.descriptor();
        (kind.setup.label_for)(self.base_url.as_deref().unwrap_or_default()).unwrap_or(kind.label).into()
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path} is not valid: {reason}")]
    Invalid { path: String, reason: String },
}

/// The `picscribe.toml` named by `PICSCRIBE_CONFIG`, read once at start-up; the providers
/// and prices are read from it here, who may come in by `access::server::config`.
#[derive(Clone, Debug)]
pub struct ConfigFile {
    pub path: String,
    pub text: String,
}

impl ConfigFile {
    pub fn as_pair(&self) -> (&str, &str) {
        (&self.path, &self.text)
    }
}

/// Reads the file `PICSCRIBE_CONFIG` names, if it names one.
pub fn read_file(var: &dyn Fn(&str) -> Option<String>) -> Result<Option<ConfigFile>, ConfigError> {
    let Some(path) = var("PICSCRIBE_CONFIG") else { return Ok(None) };
    let text = std::fs::read_to_string(&path)
        .map_err(|err| ConfigError::Read { path: path.clone(), reason: err.to_string() })?;
    Ok(Some(ConfigFile { path, text }))
}

/// The environment as configuration sees it: set, trimmed, and not empty.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// The provider the page starts with.
    #[serde(default)]
    default: Option<String>,
    #[serde(default, rename = "provider")]
    providers: Vec<ProviderSettings>,
    /// Who may use the server: read by `access::server::config`, checked there.
    #[serde(default, rename = "user")]
    _users: Vec<toml::Table>,
    /// Prices per model (dollars per million tokens), over the built-in list.
    #[serde(default, rename = "price")]
    prices: Vec<Price>,
}

/// The price table: the built-in list prices, with `[[price]]` tables from the file
/// replacing an entry for the same model or adding one.
pub fn load_prices(file: Option<(&str, &str)>) -> Result<Vec<Price>, ConfigError> {
    let mut prices = default_prices();
    let Some((path, text)) = file else { return Ok(prices) };
    let invalid = |reason: String| ConfigError::Invalid { path: path.into(), reason };
    let parsed: File = toml::from_str(text).map_err(|err| invalid(err.message().to_string()))?;
    for price in parsed.prices {
        let usable = |n: f64| n.is_finite() && n >= 0.0;
        if price.model.trim().is_empty() || !usable(price.input) || !usable(price.output) {
            return Err(invalid(format!(
                "the price for “{}” needs a model name and input and output prices of 0 or more",
                price.model
            )));
        }
        prices.retain(|p| !p.model.eq_ignore_ascii_case(&price.model));
        prices.push(price);
    }
    Ok(prices)
}

/// Every configured provider, the default first: those in the file at `PICSCRIBE_CONFIG`
/// (given as `file`, its path and text), then those from the environment whose id the
/// file did not take. `PICSCRIBE_PROVIDER` (or the file's `default`) picks the first.
pub fn load(
    var: &dyn Fn(&str) -> Option<String>,
    file: Option<(&str, &str)>,
) -> Result<Vec<ProviderSettings>, ConfigError> {
    let mut providers = Vec::new();
    let mut default = var("PICSCRIBE_PROVIDER");
    if let Some((path, text)) = file {
        let invalid = |reason: String| ConfigError::Invalid { path: path.into(), reason };
        let parsed: File = toml::from_str(text).map_err(|err| invalid(err.message().to_string()))?;
        for mut provider in parsed.providers {
            check(&provider).map_err(invalid)?;
            if providers.iter().any(|p: &ProviderSettings| p.id == provider.id) {
                return Err(invalid(format!("two providers are called “{}”", provider.id)));
            }
            let name = &provider.id;
            provider.key_setting = match &provider.api_key_env {
                Some(env) => {
                    provider.api_key = var(env).or(provider.api_key.take());
                    env.clone()
                }
                // The page may show these: the file's setting, never where the file lives.
                None => format!("api_key of “{name}” in the configuration file"),
            };
            provider.url_setting = format!("base_url of “{name}” in the configuration file");
            providers.push(provider);
        }
        default = default.or(parsed.default);
    }
    for provider in from_env(var) {
        if !providers.iter().any(|p| p.id == provider.id) {
            providers.push(provider);
        }
    }
    if let Some(position) = default.and_then(|id| providers.iter().position(|p| p.id == id)) {
        let chosen = providers.remove(position);
        providers.insert(0, chosen);
    }
    Ok(providers)
}

fn check(provider: &ProviderSettings) -> Result<(), String> {
    let id = &provider.id;
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_') {
        return Err(format!("provider name “{id}” must be lowercase letters, digits, - or _"));
    }
    if matches!(provider.kind, ProviderKind::Azure | ProviderKind::AzureVision) && provider.base_url.is_none() {
        return Err(format!("Azure provider “{id}” needs base_url (the resource endpoint)"));
    }
    if provider.kind == ProviderKind::Azure && provider.models.is_empty() && provider.default_model.is_none() {
        return Err(format!("Azure provider “{id}” needs models (its deployment names)"));
    }
    Ok(())
}

/// Whether a setting turns something off: `0`, `false`, `no` or `off`, in any case.
pub fn says_no(value: &str) -> bool {
    matches!(value.trim().to_ascii_lowercase().as_str(), "0" | "false" | "no" | "off")
}

/// The providers the environment describes, each only when its variables are set.
pub fn from_env(var: &dyn Fn(&str) -> Option<String>) -> Vec<ProviderSettings> {
    let stream = var("PICSCRIBE_STREAM").is_none_or(|v| !says_no(&v));
    let list = |value: Option<String>| -> Vec<String> {
        value
            .map(|v| v.split(',').map(str::trim).filter(|m| !m.is_empty()).map(String::from).collect())
            .unwrap_or_default()
    };
    let mut found = Vec::new();
    for kind in &KINDS {
        let setup = &kind.setup;
        let key = setup.key_vars.iter().find_map(|name| var(name).map(|key| (key, *name)));
        let url = setup.url_vars.iter().find_map(|name| var(name));
        let present = match setup.presence {
            Presence::KeyOrUrl => key.is_some() || url.is_some(),
            Presence::Url => url.is_some(),
            Presence::Key => key.is_some(),
            Presence::Never => false,
        };
        if !present {
            continue;
        }
        let mut provider = ProviderSettings::new(kind.id, kind.kind);
        provider.key_setting = key.as_ref().map_or(setup.key_vars[0], |(_, name)| name).into();
        provider.url_setting = setup.url_vars[0].into();
        provider.api_key = key.map(|(key, _)| key);
        provider.base_url = url;
        provider.models = list(setup.models_var.and_then(var));
        provider.default_model = setup.model_var.and_then(var);
        provider.api_version = setup.version_var.and_then(var);
        provider.list_models = setup.lists_models;
        found.push(provider);
    }
    // PICSCRIBE_BATCH_SERVICE=true offers the batch service of every provider the
    // environment names (an OpenAI-compatible server that has one); false offers none.
    let batch = var("PICSCRIBE_BATCH_SERVICE").and_then(|v| match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    });
    for provider in &mut found {
        provider.stream = stream;
        provider.batch = batch;
    }
    found
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
