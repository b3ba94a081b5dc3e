//! The server functions the page calls. They are a public API: each validates its input
//! as if the page did not exist.

use leptos::prelude::*;
use leptos::server_fn::codec::{Json, StreamingText, TextStream};

use super::{DescribeInput, ProviderInfo};

/// Describes one image with one of the server's providers and streams the result as
/// newline-delimited [`StreamEvent`](super::events::StreamEvent) JSON.
///
/// Accepts a JSON [`DescribeInput`]: the image as a base64 `data:` URL of a JPEG, PNG, GIF
/// or WebP (at most 8 MiB of text), a non-empty prompt of at most 4,000 characters, a
/// provider id from [`provider_status`] (empty: the default), a model name, and a detail
/// level. Costs one provider call, plus up to three retries after 408/409/429/5xx answers
/// or lost connections. Provider failures arrive as an `error` event with a sentence, a
/// declined description as a `refused` event; the key and the provider's raw error never do.
#[server(input = Json, output = StreamingText, endpoint = "describe")]
pub async fn describe_image(input: DescribeInput) -> Result<TextStream, ServerFnError> {
    use futures::StreamExt;

    use super::server::VisionRequest;
    use super::InputError;

    let state = crate::state::app_state()?;
    input.validate().map_err(|err| ServerFnError::new(err.to_string()))?;
    let describer = state.describer;
    if describer.providers.is_empty() {
        return Err(ServerFnError::new(
            "No vision provider is configured on this server: set OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY or OPENAI_BASE_URL and restart it.",
        ));
    }
    let provider = input.provider.trim();
    let Some(entry) = describer.provider(provider) else {
        return Err(ServerFnError::new(InputError::UnknownProvider(provider.chars().take(40).collect()).to_string()));
    };
    let request = VisionRequest {
        model: input.model.trim().to_string(),
        prompt: input.prompt.trim().to_string(),
        image_url: input.image,
        detail: input.detail,
    };
    let events = describer.describe(entry, request).map(|event| Ok(event.to_line()));
    Ok(TextStream::new(events))
}

/// Lists the server's providers, default first: for each its id, a label, its models (its
/// own list where it has one, asked for at most every ten minutes) and how the page should
/// shrink images for it. Costs no paid call; reveals neither keys nor addresses.
#[server(endpoint = "provider_status")]
pub async fn provider_status() -> Result<ProviderInfo, ServerFnError> {
    let state = crate::state::app_state()?;
    Ok(state.describer.info().await)
}
