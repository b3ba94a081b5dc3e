//! The seam between picscribe and a vision model: one trait every provider implements,
//! and one error type whose every variant has a sentence for the user.

use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::BoxStream;

use crate::describe::openai::ChunkEvent;
use crate::describe::Detail;

/// One image to describe, already validated.
#[derive(Clone, Debug)]
pub struct VisionRequest {
    pub model: String,
    pub prompt: String,
    pub image_url: String,
    pub detail: Detail,
}

pub type ChunkStream = BoxStream<'static, Result<ChunkEvent, ProviderError>>;

pub trait VisionProvider: Send + Sync {
    /// Sends the request and returns the reply as it streams. An error before the stream
    /// starts may be retried; an error inside it ends the description.
    fn start<'a>(&'a self, request: &'a VisionRequest) -> BoxFuture<'a, Result<ChunkStream, ProviderError>>;
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
    #[error("could not connect to the provider")]
    Connect,
    #[error("provider did not answer in time")]
    Timeout,
    #[error("provider stopped sending mid-reply")]
    Stalled,
    #[error("provider's reply was cut off")]
    Cut,
    #[error("provider's reply was not understood")]
    Malformed,
}

impl ProviderError {
    /// 408, 409, 429, 5xx, timeouts and lost connections pass; a refused key or an empty
    /// account does not, and neither does anything inside a stream already under way.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. }
                | ProviderError::Unavailable { .. }
                | ProviderError::Connect
                | ProviderError::Timeout
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
        matches!(self, ProviderError::Unauthorized { .. } | ProviderError::QuotaExceeded)
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
    pub fn user_message(&self, attempts: u32) -> String {
        let tries = if attempts > 1 { format!(" after {attempts} attempts") } else { String::new() };
        match self {
            ProviderError::Unauthorized { .. } => {
                "The server's API key was rejected by the provider. Ask whoever runs picscribe to check OPENAI_API_KEY.".into()
            }
            ProviderError::RateLimited { .. } => {
                format!("Rate limited — try again in a minute. The provider kept refusing{tries}.")
            }
            ProviderError::QuotaExceeded => {
                "The provider account has no credit left (insufficient quota). Add credit or use another key, then retry.".into()
            }
            ProviderError::Unavailable { status, .. } => {
                format!("The provider is having trouble (HTTP {status}){tries} — try again later.")
            }
            ProviderError::Rejected { status: 404 } => {
                "The provider does not know this model (HTTP 404). Check the model name.".into()
            }
            ProviderError::Rejected { status } => format!(
                "The provider rejected the request (HTTP {status}). The model may not accept images, or this image."
            ),
            ProviderError::Connect => format!(
                "Could not reach the provider{tries}. Check that it is running and that OPENAI_BASE_URL is right."
            ),
            ProviderError::Timeout => format!("The provider did not answer in time{tries} — try again later."),
            ProviderError::Stalled => {
                "The provider stopped sending partway through; nothing was saved. Retry this image.".into()
            }
            ProviderError::Cut => "The provider's reply was cut off; nothing was saved. Retry this image.".into(),
            ProviderError::Malformed => {
                "The provider sent a reply picscribe could not understand; nothing was saved.".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert!(error.user_message(1).ends_with('.'), "{error:?}");
        }
    }

    #[test]
    fn rate_limit_sentence_says_what_to_do() {
        let text = ProviderError::RateLimited { retry_after: None }.user_message(4);
        assert_eq!(text, "Rate limited — try again in a minute. The provider kept refusing after 4 attempts.");
    }
}
