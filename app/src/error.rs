//! What a server function can answer instead of its result, as one typed error that
//! crosses the wire: the page tells "sign in" from "budget used up" from "too many at once"
//! by its variant, shows its sentence, and knows whether the rest of the batch can go on.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// The one place the "how to give this server a provider" sentence lives.
pub const NO_PROVIDER: &str = "No vision provider is configured on this server: set OPENAI_API_KEY, \
ANTHROPIC_API_KEY, GEMINI_API_KEY, AZURE_OPENAI_ENDPOINT, AZURE_VISION_ENDPOINT or OPENAI_BASE_URL (or PICSCRIBE_CONFIG) and restart it. \
./scripts/setup.sh fetches the built-in text extraction, which needs no key.";

/// Every way a server function call can be refused. Each carries the sentence the user
/// reads; none carries a key, an address or a provider's raw error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", content = "message", rename_all = "snake_case", from = "ApiErrorWire")]
pub enum ApiError {
    /// No session or token, or one that is no longer valid (401).
    #[error("{0}")]
    SignIn(String),
    /// The request came from another site or with the wrong shape (403).
    #[error("{0}")]
    Forbidden(String),
    /// A token budget is spent (402); nothing more is sent until it resets.
    #[error("{0}")]
    Budget(String),
    /// Too many describes at once for this user (429); the page waits and tries again.
    #[error("{0}")]
    TooMany(String),
    /// The server is at its limit, or has no provider (503).
    #[error("{0}")]
    Unavailable(String),
    /// The request itself is wrong: an unknown model, an oversized image (400).
    #[error("{0}")]
    Invalid(String),
    /// The call failed on the way: the server is unreachable, or answered nonsense.
    #[error("{0}")]
    Transport(String),
}

/// [`ApiError`] as it crosses the wire, `{"error": "budget", "message": "…"}`, read as a
/// plain struct: serde reads an adjacently tagged enum through its buffering `Content`
/// type, code the page would otherwise carry only for this.
#[derive(Deserialize)]
struct ApiErrorWire {
    error: ErrorName,
    message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ErrorName {
    SignIn,
    Forbidden,
    Budget,
    TooMany,
    Unavailable,
    Invalid,
    Transport,
}

impl From<ApiErrorWire> for ApiError {
    fn from(ApiErrorWire { error, message }: ApiErrorWire) -> ApiError {
        match error {
            ErrorName::SignIn => ApiError::SignIn(message),
            ErrorName::Forbidden => ApiError::Forbidden(message),
            ErrorName::Budget => ApiError::Budget(message),
            ErrorName::TooMany => ApiError::TooMany(message),
            ErrorName::Unavailable => ApiError::Unavailable(message),
            ErrorName::Invalid => ApiError::Invalid(message),
            ErrorName::Transport => ApiError::Transport(message),
        }
    }
}

impl ApiError {
    pub fn status_code(&self) -> u16 {
        match self {
            ApiError::SignIn(_) => 401,
            ApiError::Forbidden(_) => 403,
            ApiError::Budget(_) => 402,
            ApiError::TooMany(_) => 429,
            ApiError::Unavailable(_) => 503,
            ApiError::Invalid(_) => 400,
            ApiError::Transport(_) => 500,
        }
    }

    /// Whether no other row can succeed either, so the batch should stop.
    pub fn stops_batch(&self) -> bool {
        matches!(self, ApiError::SignIn(_) | ApiError::Budget(_) | ApiError::Unavailable(_))
    }

    /// The body a server function would answer with, for layers that refuse a request
    /// before it reaches one.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| r#"{"error":"transport","message":"Refused."}"#.into())
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The server ran but failed in a way it did not name: say so plainly.
            ServerFnErrorErr::ServerError(message) => ApiError::Transport(message),
            // The server's body limit, met while reading a body sent without its length.
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::Deserialization(message)
                if message.contains("length limit exceeded") =>
            {
                ApiError::Invalid(
                    "The image is too large to send, even after shrinking; save it smaller and add it again.".into(),
                )
            }
            ServerFnErrorErr::Args(_) => {
                ApiError::Invalid("The request was not in the shape this server function takes.".into())
            }
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => {
                ApiError::Transport("Could not reach the picscribe server; check your connection and retry.".into())
            }
            other => {
                leptos::logging::warn!("server function call failed: {other}");
                ApiError::Transport(
                    "The picscribe server answered in a way this page did not understand; reload it.".into(),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_its_status_and_round_trips() -> Result<(), serde_json::Error> {
        let cases = [
            (ApiError::SignIn("s".into()), 401, true),
            (ApiError::Forbidden("f".into()), 403, false),
            (ApiError::Budget("b".into()), 402, true),
            (ApiError::TooMany("t".into()), 429, false),
            (ApiError::Unavailable("u".into()), 503, true),
            (ApiError::Invalid("i".into()), 400, false),
            (ApiError::Transport("x".into()), 500, false),
        ];
        for (error, status, stops) in cases {
            assert_eq!(error.status_code(), status, "{error:?}");
            assert_eq!(error.stops_batch(), stops, "{error:?}");
            let back: ApiError = serde_json::from_str(&error.to_json())?;
            assert_eq!(back, error);
        }
        assert_eq!(ApiError::SignIn("Sign in.".into()).to_json(), r#"{"error":"sign_in","message":"Sign in."}"#);
        Ok(())
    }

    #[test]
    fn an_unreadable_answer_becomes_a_sentence() {
        let garbled = ApiError::de("<html>502 Bad Gateway</html>".into());
        assert!(matches!(garbled, ApiError::Transport(_)), "{garbled:?}");
    }
}
