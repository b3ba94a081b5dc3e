//! Tells the user when the server has no provider, and how to give it one.

use leptos::prelude::*;

use super::error_view::ErrorView;
use crate::describe::kinds::KINDS;
use crate::describe::ProviderInfo;
use crate::error::{ApiError, NO_PROVIDER};

#[component]
pub fn ProviderNotice(status: Result<ProviderInfo, ApiError>) -> impl IntoView {
    match status {
        Ok(info) if info.configured() => None,
        Ok(_) => Some(view! {
            <section class="notice" role="region" aria-labelledby="no-provider">
                <h2 id="no-provider">"No vision provider is configured"</h2>
                <p>{NO_PROVIDER}</p>
                <p>"You can still add, preview, edit and export images. For example:"</p>
                <ul>
                    {KINDS
                        .iter()
                        .map(|kind| view! { <li>{kind.label} ": " <code>{kind.example}</code></li> })
                        .collect_view()}
                    <li>"Ollama: " <code>"OPENAI_BASE_URL=http://localhost:11434/v1 PICSCRIBE_MODEL=llava"</code></li>
                    <li>"LM Studio: " <code>"OPENAI_BASE_URL=http://localhost:1234/v1"</code></li>
                </ul>
            </section>
        }
        .into_any()),
        // The sign-in form says what to do.
        Err(ApiError::SignIn(_)) => None,
        Err(error) => Some(view! { <ErrorView error /> }.into_any()),
    }
}
