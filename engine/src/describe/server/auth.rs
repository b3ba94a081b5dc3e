//! How a request carries its credential: none (local servers), a bearer key (OpenAI and
//! its copies), a key in a header of the provider's own (Azure's `api-key`, Azure AI
//! Vision's `Ocp-Apim-Subscription-Key`), or a Microsoft Entra ID token when Azure has no key.

use super::entra::Entra;
use super::http;
use super::provider::ProviderError;

pub enum Auth {
    None,
    Bearer(String),
    Header(&'static str, String),
    Entra(Entra),
}

impl Auth {
    /// A key in `header` when there is one, else Entra ID (the Azure services).
    pub fn key_or_entra(header: &'static str, key: Option<String>) -> Result<Auth, String> {
        match key.filter(|k| !k.is_empty()) {
            Some(key) => Ok(Auth::Header(header, key)),
            None => Entra::from_env().map(Auth::Entra),
        }
    }

    /// The request with its credential; a token is fetched (or the kept one used) first.
    pub async fn apply(&self, request: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder, ProviderError> {
        Ok(match self {
            Auth::None => request,
            // bearer_auth marks the value sensitive itself.
            Auth::Bearer(key) => request.bearer_auth(key),
            Auth::Header(name, key) => match http::secret_header(key) {
                Some(value) => request.header(*name, value),
                None => request,
            },
            Auth::Entra(entra) => request.bearer_auth(entra.token().await?),
        })
    }

    /// What `{:?}` may say of it.
    pub fn shown(&self) -> &'static str {
        match self {
            Auth::None => "none",
            Auth::Entra(_) => "entra-id",
            Auth::Bearer(_) | Auth::Header(..) => "<redacted>",
        }
    }

    pub fn entra(&self) -> Option<&Entra> {
        match self {
            Auth::Entra(entra) => Some(entra),
            _ => None,
        }
    }
}
