//! The server functions the page calls. They are a public API: each validates its input
//! as if the page did not exist. The guard in front of them has already turned away other
//! hosts, other sites, bodies that are not JSON and callers it does not know.

use leptos::prelude::*;
use leptos::server_fn::codec::{Json, StreamingText, TextStream};

use super::{DescribeInput, ProviderInfo};
use crate::error::ApiError;

/// Describes one image with one of the server's providers and streams the result as
/// newline-delimited [`StreamEvent`](super::events::StreamEvent) JSON.
///
/// Accepts a JSON [`DescribeInput`]: the image as a base64 `data:` URL of a JPEG, PNG, GIF
/// or WebP (at most 8 MiB of text), a non-empty prompt of at most 4,000 characters, a
/// provider id from [`provider_status`] (empty: the default), one of that provider's
/// models the caller may use, a detail level and an output cap no higher than
/// `PICSCRIBE_MAX_OUTPUT_TOKENS`, and optionally up to 20 typed fields the answer must
/// have (sent as the provider's structured output; a server that refuses the schema is
/// asked again once with the shape in the prompt alone, which is not a second paid call:
/// the refused one cost nothing; an answer that does not fit ends in an `error` event).
/// Optionally: an item's other photos (`more_images`, checked as the image is; at most 20
/// in all, 8 MiB together, and no more than the provider takes in one request), sent in
/// the same call; a `temperature` from 0 to 2 (a model that refuses one is asked again
/// without it, once); and `analyse`, a first stage (`builtin`, or an Azure AI Vision
/// provider's id, with a minimum confidence from 0 to 1) whose findings fill the prompt's
/// `{tags}`, `{caption}`, `{text}`, `{objects}` — its transactions are held and counted
/// with the call's tokens and reported as a `stage` event; when it fails, the model is
/// never called.
/// Refused before any provider call when the caller's or the
/// server's budget is spent, counting what calls under way hold (402), the caller has
/// `max_parallel` calls under way (429) or the server `PICSCRIBE_MAX_IN_FLIGHT` (503). The
/// call holds its expected tokens against both budgets until it ends. Costs one provider call, plus up to three
/// retries after 408/409/429/5xx answers or lost connections; the tokens it reports count
/// against the budgets. Provider failures arrive as an `error` event with a sentence, a
/// declined description as a `refused` event; the key and the provider's raw error never do.
#[server(input = Json, output = StreamingText, endpoint = "describe")]
pub async fn describe_image(input: DescribeInput) -> Result<TextStream<ApiError>, ApiError> {
    server::describe(input).await.map_err(crate::state::refuse)
}

/// Lists the server's providers, default first: for each its id, a label, the models the
/// caller may use (its own list where it has one, asked for at most every ten minutes) and
/// how the page should shrink images for it. Costs no paid call; reveals neither keys nor
/// addresses. 503 when the server is not set up.
#[server(input = Json, endpoint = "provider_status")]
pub async fn provider_status() -> Result<ProviderInfo, ApiError> {
    let state = crate::state::app_state().map_err(crate::state::refuse)?;
    let mut info = state.describer.info().await;
    if let Some(caller) = crate::state::caller() {
        for provider in &mut info.providers {
            provider.models.retain(|model| caller.user.may_use(model));
            if !caller.user.may_use(&provider.default_model) {
                if let Some(first) = provider.models.first() {
                    provider.default_model = first.clone();
                }
            }
        }
    }
    Ok(info)
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use futures::StreamExt;
    use leptos::server_fn::codec::TextStream;

    use crate::access::server::{Caller, Permits, Reservation};
    use crate::describe::events::StreamEvent;
    use crate::describe::server::limits::request_tokens;
    use crate::describe::server::{ProviderEntry, VisionRequest};
    use crate::describe::{DescribeInput, InputError};
    use crate::error::{ApiError, NO_PROVIDER};

    pub async fn describe(input: DescribeInput) -> Result<TextStream<ApiError>, ApiError> {
        let state = crate::state::app_state()?;
        let caller = crate::state::caller()
            .ok_or_else(|| ApiError::SignIn("Sign in to describe images: enter your access token above.".into()))?;
        let first = input.analyse.clone();
        let (entry, request) = request_for(&state, &caller, input).await?;
        let model = request.model.clone();
        let describer = state.describer.clone();
        let first_calls = match &first {
            Some(stage) => {
                describer.analyser(&stage.with).map_err(ApiError::Invalid)?;
                crate::settings::Settings::first_calls(stage, &request.prompt)
            }
            None => 0,
        };
        let permits = state.access.admit(&caller)?;
        // Held against the budgets from now until the call ends, so calls started together
        // cannot all start past a budget.
        let expected = u64::from(request_tokens(entry.kind, &request) + first_calls);
        // A free call (the built-in text extraction) is not held against a spent budget.
        let reservation = if expected == 0 { None } else { Some(state.access.reserve(&caller, expected).await?) };
        let mut meter = Meter {
            caller,
            provider: entry.id.clone(),
            model,
            tokens: 0,
            first_tokens: 0,
            outcome: "left",
            reservation,
            _permits: permits,
        };
        let events = match first {
            Some(first) => describer.describe_after(first, entry, request).boxed(),
            None => describer.describe(&entry, request).boxed(),
        };
        let events = events.map(move |event| {
            meter.see(&event);
            Ok(event.to_line())
        });
        Ok(TextStream::new(events))
    }

    /// The request a caller's input makes, checked as every server function that sends one
    /// checks it: the input itself, the provider, a model it offers that the caller may
    /// use, the output cap.
    pub async fn request_for(
        state: &crate::state::AppState,
        caller: &Caller,
        input: DescribeInput,
    ) -> Result<(ProviderEntry, VisionRequest), ApiError> {
        input.validate().map_err(|err| ApiError::Invalid(err.to_string()))?;
        let describer = &state.describer;
        if describer.providers.is_empty() {
            return Err(ApiError::Unavailable(NO_PROVIDER.into()));
        }
        let provider = input.provider.trim();
        let Some(entry) = describer.provider(provider) else {
            return Err(ApiError::Invalid(
                InputError::UnknownProvider(provider.chars().take(40).collect()).to_string(),
            ));
        };
        let model = input.model.trim().to_string();
        if !caller.user.may_use(&model) {
            return Err(ApiError::Invalid(format!(
                "You may not use the model “{model}” on this server; choose another in the Model field."
            )));
        }
        if !entry.offers(&model).await {
            return Err(ApiError::Invalid(format!(
                "{} does not offer the model “{model}” here; choose one from the Model field's list.",
                entry.naming.label
            )));
        }
        let max_images = entry.kind.descriptor().max_images as usize;
        if input.more_images.len() + 1 > max_images {
            return Err(ApiError::Invalid(format!(
                "{} takes at most {} in one request, and this item has {} photos: separate it into smaller items.",
                entry.naming.label,
                crate::text::count(max_images as u64, "image", "images"),
                input.more_images.len() + 1
            )));
        }
        let ceiling = state.access.settings().max_output_tokens;
        let max_tokens = match input.max_tokens {
            None => ceiling,
            Some(asked) if (1..=ceiling).contains(&asked) => asked,
            Some(_) => return Err(ApiError::Invalid(format!("Max tokens must be between 1 and {ceiling}."))),
        };
        let request = VisionRequest {
            model,
            prompt: input.prompt.trim().to_string(),
            image_url: input.image,
            more_images: input.more_images,
            detail: input.detail,
            max_tokens,
            fields: input.fields,
            native_schema: true,
            temperature: input.temperature,
        };
        Ok((entry.clone(), request))
    }

    /// Counts what one describe spends while it runs; when its stream ends (finished, failed,
    /// or the page hung up) it records the tokens against the budgets in place of what it
    /// held, frees its slots and writes the access log line (never the key or the image).
    struct Meter {
        caller: Caller,
        provider: String,
        model: String,
        tokens: u64,
        /// What a first stage used (Azure AI Vision's transactions).
        first_tokens: u64,
        outcome: &'static str,
        reservation: Option<Reservation>,
        _permits: Permits,
    }

    impl Meter {
        fn see(&mut self, event: &StreamEvent) {
            match event {
                StreamEvent::Usage { prompt_tokens, completion_tokens } => {
                    self.tokens = u64::from(*prompt_tokens) + u64::from(*completion_tokens);
                }
                StreamEvent::Stage { prompt_tokens, completion_tokens, .. } => {
                    self.first_tokens = u64::from(*prompt_tokens) + u64::from(*completion_tokens);
                }
                StreamEvent::Done => self.outcome = "described",
                StreamEvent::Refused { .. } => self.outcome = "refused",
                StreamEvent::Error { .. } => self.outcome = "failed",
                StreamEvent::Delta { .. } | StreamEvent::Retrying { .. } => {}
            }
        }
    }

    impl Drop for Meter {
        fn drop(&mut self) {
            tracing::info!(
                target: "picscribe::access",
                user = %self.caller.user.name,
                provider = %self.provider,
                model = %self.model,
                tokens = self.tokens,
                first_stage_tokens = self.first_tokens,
                outcome = self.outcome,
                "describe"
            );
            if let Some(reservation) = self.reservation.take() {
                reservation.settle(self.tokens + self.first_tokens);
            }
        }
    }
}
