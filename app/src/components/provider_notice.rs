//! Tells the user when the server has no provider, and how to give it one.

use leptos::prelude::*;

use super::error_view::ErrorView;
use crate::describe::kinds::KINDS;
use crate::describe::{ProviderInfo, ProviderKind};
use crate::error::{ApiError, NO_PROVIDER};

/// Servers that speak OpenAI's format, beside the kinds' own setups.
const LOCAL: [(&str, &str); 2] = [
    ("Ollama", "OPENAI_BASE_URL=http://localhost:11434/v1 PICSCRIBE_MODEL=llava"),
    ("LM Studio", "OPENAI_BASE_URL=http://localhost:1234/v1"),
];

/// What the list says: each kind's setup (from its descriptor; the built-in one needs
/// none), then the local servers.
fn setups() -> impl Iterator<Item = (&'static str, &'static str)> {
    KINDS.iter().filter(|kind| !kind.example.is_empty()).map(|kind| (kind.label, kind.example)).chain(LOCAL)
}

/// The list's items as markup: one string costs the page's wasm 2.6 KB gzipped less than a
/// view per item. The text is our own constants, which hold no markup (tested).
fn setup_items() -> String {
    setups().map(|(label, example)| format!("<li>{label}: <code>{example}</code></li>")).collect()
}

#[component]
pub fn ProviderNotice(status: Result<ProviderInfo, ApiError>) -> impl IntoView {
    match status {
        // A short guide while only the built-in text extraction is there: what works now,
        // and the one line that adds a provider.
        Ok(info) if info.configured() && info.providers.iter().all(|p| p.kind == ProviderKind::Builtin) => Some(
            view! {
                <section class="notice" role="region" aria-labelledby="no-provider">
                    <h2 id="no-provider">"Only built-in text extraction is set up"</h2>
                    <p>
                        "Works now, with no key: choose the Extract text preset and Describe all to get the text of each image, read on this server at no cost."
                    </p>
                    <p>
                        "To describe images, add one line to the server's environment and restart it (a running Ollama or LM Studio is found by itself), for example:"
                    </p>
                    <ul inner_html=setup_items()></ul>
                </section>
            }
            .into_any(),
        ),
        Ok(info) if info.configured() => None,
        Ok(_) => Some(
            view! {
                <section class="notice" role="region" aria-labelledby="no-provider">
                    <h2 id="no-provider">"No vision provider is configured"</h2>
                    <p>{NO_PROVIDER}</p>
                    <p>
                        "An Ollama or LM Studio running on this server with a model that takes images is found when picscribe starts."
                    </p>
                    <p>"You can still add, preview, edit and export images. For example:"</p>
                    <ul inner_html=setup_items()></ul>
                </section>
            }
            .into_any(),
        ),
        // The sign-in form says what to do.
        Err(ApiError::SignIn(_)) => None,
        Err(error) => Some(view! { <ErrorView error /> }.into_any()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_says_how_to_set_it_up_in_plain_text() {
        let labels: Vec<&str> = setups().map(|(label, _)| label).collect();
        assert_eq!(labels, ["OpenAI", "Azure OpenAI", "Anthropic", "Gemini", "Azure AI Vision", "Ollama", "LM Studio"]);
        for (label, example) in setups() {
            assert!(!format!("{label}{example}").contains(['<', '>', '&']), "{label}: no markup");
            assert!(example.contains('='), "{label}: a variable to set");
        }
        assert!(setup_items().starts_with("<li>OpenAI: <code>OPENAI_API_KEY=sk-…</code></li>"));
    }
}
