//! The seam between picscribe and a vision model: one trait every provider implements,
//! and one error type whose every variant has a sentence for the user.

use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::BoxStream;

use super::limits::Announced;
use crate::describe::reply::ChunkEvent;
use crate::describe::Detail;
use crate::fields::{self, Field};

/// One image to describe, already validated.
#[derive(Clone, Debug)]
pub struct VisionRequest {
    pub model: String,
    pub prompt: String,
    /// A `data:image/…;base64,…` URL.
    pub image_url: String,
    /// An item's other photos, in order after `image_url`: one description from all.
    pub more_images: Vec<String>,
    pub detail: Detail,
    /// The output cap every provider request carries.
    pub max_tokens: u32,
    /// The fields the answer must have; none means free text.
    pub fields: Vec<Field>,
    /// Whether to send the answer's schema as the provider's structured output. Cleared
    /// for a server that refused it; the prompt still describes the shape.
    pub native_schema: bool,
    /// How freely the model words its answer; none is the provider's default. Cleared for
    /// a model that refused it.
    pub temperature: Option<f32>,
}

impl VisionRequest {
    /// The prompt as sent: with fields, followed by what the answer must look like.
    pub fn text(&self) -> String {
        if self.fields.is_empty() {
            self.prompt.clone()
        } else {
            format!("{}\n\n{}", self.prompt, fields::instructions(&self.fields))
        }
    }

    /// The schema to send as structured output, if any.
    pub fn schema(&self) -> Option<serde_json::Value> {
        (self.native_schema && !self.fields.is_empty()).then(|| fields::schema(&self.fields))
    }

    /// The media type and the base64 payload, for providers that take them apart.
    pub fn image_parts(&self) -> (&str, &str) {
        parts(&self.image_url)
    }

    /// Every image of the request, in order: the first, then the item's others.
    pub fn images(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.image_url.as_str()).chain(self.more_images.iter().map(String::as_str))
    }
}

/// A `data:` URL's media type and base64 payload.
pub fn parts(url: &str) -> (&str, &str) {
    url.strip_prefix("data:").and_then(|rest| rest.split_once(";base64,")).unwrap_or(("image/jpeg", ""))
}

pub type ChunkStream = BoxStream<'static, Result<ChunkEvent, ProviderError>>;

/// A reply that has started: its pieces as they come, and the rate limits its headers
/// announced.
pub struct Reply {
    pub chunks: ChunkStream,
    pub announced: Announced,
}

impl From<ChunkStream> for Reply {
    fn from(chunks: ChunkStream) -> Reply {
        Reply { chunks, announced: Announced::default() }
    }
}

pub trait VisionProvider: Send + Sync {
    /// Sends the request and returns the reply as it streams (a reply that did not stream
    /// arrives as one piece). An error before the reply starts may be retried; an error
    /// inside it ends the description.
    fn start<'a>(&'a self, request: &'a VisionRequest) -> BoxFuture<'a, Result<Reply, ProviderError>>;

    /// The provider's own list of models, where it has one.
    fn list_models(&self) -> BoxFuture<'_, Result<Vec<String>, ProviderError>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// Its batch service (half the price, answered within a day), where it has one.
    fn batches(&self) -> Option<&dyn super::batch::BatchService> {
        None
    }

    /// Its Microsoft Entra ID sign-in, when it has no key (Azure); checked at start-up.
    fn entra(&self) -> Option<&super::entra::Entra> {
        None
    }
}

/// Whether a 400's body is about the temperature: how OpenAI (`"param": "temperature"`,
/// "Unsupported value: 'temperature' …"), Anthropic and Gemini refuse one a model does not
/// take. The call is then asked again without it.
pub fn names_temperature(status: u16, body: &str) -> bool {
    status == 400 && body.to_ascii_lowercase().contains("temperature")
}

/// How sentences name a provider and the settings a user would check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Naming {
    /// "OpenAI", "Anthropic", "Ollama", or a name from `picscribe.toml`.
    pub label: String,
    /// Where the key comes from: `OPENAI_API_KEY`, or `api_key_env` in `picscribe.toml`.
    pub key_setting: String,
    /// Where the address comes from: `OPENAI_BASE_URL`, …
    pub url_setting: String,
}

/// Everything that can go wrong with a provider. `Display` is for logs; users get
/// [`ProviderError::user_message`]. Neither ever holds the key or a raw error body.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("provider refused the key ({status})")]
    Unauthorized { status: u16 },
    #[error("provider rate limited the request")]
    RateLimited { retry_after: Option<Duration> },
    #[error("provider account has no quota left")]
    QuotaExceeded,
    #[error("provider failed with {status}")]
    Unavailable { status: u16, retry_after: Option<Duration> },
    #[error("provider rejected the request with {status}")]
    Rejected { status: u16 },
    #[error("provider refused the temperature for this model")]
    TemperatureRefused,
    #[error("provider does not offer this analysis in the resource's region")]
    NotInRegion,
    #[error("could not connect to the provider")]
    Connect,
    #[error("provider redirected to another host; not followed")]
    Redirected,
    #[error("provider did not answer in time")]
    Timeout,
    #[error("provider stopped sending mid-reply")]
    Stalled,
    #[error("provider's reply was cut off")]
    Cut,
    #[error("provider's reply was not understood")]
    Malformed,
    #[error("no Microsoft Entra ID token could be had")]
    NoToken,
    /// Picscribe's own work on this server (the built-in text extraction) failed; the
    /// sentence says why.
    #[error("{0}")]
    Local(String),
}

impl ProviderError {
    /// What an HTTP failure means for the retry loop, by status alone: the one policy
    /// every provider shares. Each provider reads its body first for what the status hides
    /// (an empty account, a bad key answered with 400).
    pub fn from_status(status: u16, retry_after: Option<Duration>) -> ProviderError {
        match status {
            401 | 403 => ProviderError::Unauthorized { status },
            429 => ProviderError::RateLimited { retry_after },
            408 | 409 | 500..=599 => ProviderError::Unavailable { status, retry_after },
            _ => ProviderError::Rejected { status },
        }
    }

    /// 408, 409, 429, 5xx, timeouts and lost connections pass; a refused key or an empty
    /// account does not, and neither does anything inside a stream already under way.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. }
                | ProviderError::Unavailable { .. }
                | ProviderError::Connect
                | ProviderError::Timeout
                | ProviderError::NoToken
        )
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::RateLimited { retry_after } | ProviderError::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether no later image can succeed either, so the batch should stop.
    pub fn stops_batch(&self) -> bool {
        matches!(self, ProviderError::Unauthorized { .. } | ProviderError::QuotaExceeded | ProviderError::Redirected)
    }

    /// Short words for the "retrying" note on the row.
    pub fn reason(&self) -> &'static str {
        match self {
            ProviderError::RateLimited { .. } => "rate limited",
            ProviderError::Unavailable { .. } => "provider error",
            ProviderError::Connect => "could not connect",
            ProviderError::Timeout => "no answer in time",
            _ => "error",
        }
    }

    /// The sentence the row shows. `attempts` counts every try, the first included.
    pub fn user_message(&self, attempts: u32, naming: &Naming) -> String {
        let tries = if attempts > 1 { format!(" after {attempts} attempts") } else { String::new() };
        let Naming { label, key_setting, url_setting } = naming;
        match self {
            ProviderError::Unauthorized { .. } => {
                format!("{label} rejected the server's API key. Ask whoever runs picscribe to check {key_setting}.")
            }
            ProviderError::RateLimited { .. } => {
                format!("Rate limited — try again in a minute. {label} kept refusing{tries}.")
            }
            ProviderError::QuotaExceeded => format!(
                "The {label} account is out of credit or quota. Add credit, wait for the quota to reset or use another key, then retry."
            ),
            ProviderError::Unavailable { status, .. } => {
                format!("{label} is having trouble (HTTP {status}){tries} — try again later.")
            }
            ProviderError::Rejected { status: 404 } => {
                format!("{label} does not know this model (HTTP 404). Check the model name.")
            }
            ProviderError::NotInRegion => format!(
                "{label} does not offer this analysis (captions and dense captions are in a few regions only) in its \
                 resource's region. Choose another preset, or ask whoever runs picscribe for a resource in a region \
                 that has it."
            ),
            ProviderError::TemperatureRefused => {
                format!("{label} does not take a temperature for this model. Clear the temperature and retry.")
            }
            ProviderError::Rejected { status } => format!(
                "{label} rejected the request (HTTP {status}). The model may not accept images, or this image."
            ),
            ProviderError::Connect => {
                format!("Could not reach {label}{tries}. Check that it is running and that {url_setting} is right.")
            }
            ProviderError::Timeout => format!("{label} did not answer in time{tries} — try again later."),
            ProviderError::Redirected => format!(
                "{label} answered with a redirect to another address, which picscribe does not follow with the key. \
                 Ask whoever runs picscribe to check {url_setting}."
            ),
            ProviderError::Stalled => {
                format!("{label} stopped sending partway through; nothing was saved. Retry this image.")
            }
            ProviderError::Cut => format!("{label}'s reply was cut off; nothing was saved. Retry this image."),
            ProviderError::NoToken => format!(
                "picscribe could not sign in to {label} with Microsoft Entra ID{tries}. Ask whoever runs picscribe to \
                 check the server's identity and its role on the resource."
            ),
            ProviderError::Malformed => {
                format!("{label} sent a reply picscribe could not understand; nothing was saved.")
            }
            ProviderError::Local(said) => said.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn openai() -> Naming {
        Naming { label: "OpenAI".into(), key_setting: "OPENAI_API_KEY".into(), url_setting: "OPENAI_BASE_URL".into() }
    }

    #[test]
    fn retry_classes() {
        let cases = [
            (ProviderError::Unauthorized { status: 401 }, false, true),
            (ProviderError::QuotaExceeded, false, true),
            (ProviderError::RateLimited { retry_after: None }, true, false),
            (ProviderError::Unavailable { status: 503, retry_after: None }, true, false),
            (ProviderError::Rejected { status: 400 }, false, false),
            (ProviderError::Connect, true, false),
            (ProviderError::Timeout, true, false),
            (ProviderError::Stalled, false, false),
            (ProviderError::Cut, false, false),
        ];
        for (error, retry, stop) in cases {
            assert_eq!(error.is_retryable(), retry, "{error:?}");
            assert_eq!(error.stops_batch(), stop, "{error:?}");
            assert!(error.user_message(1, &openai()).ends_with('.'), "{error:?}");
        }
    }

    #[test]
    fn rate_limit_sentence_says_what_to_do() {
        let text = ProviderError::RateLimited { retry_after: None }.user_message(4, &openai());
        assert_eq!(text, "Rate limited — try again in a minute. OpenAI kept refusing after 4 attempts.");
        let key = ProviderError::Unauthorized { status: 401 }.user_message(1, &openai());
        assert_eq!(key, "OpenAI rejected the server's API key. Ask whoever runs picscribe to check OPENAI_API_KEY.");
    }
}
