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

/// What the notice says: with no provider at all, and while only the built-in text
/// extraction is there (a short guide: what works now, and the one line that adds one).
const NOTHING: [&str; 3] = [
    "No vision provider is configured",
    NO_PROVIDER,
    "An Ollama or LM Studio running on this server with a model that takes images is found when picscribe starts. You can still add, preview, edit and export images. For example:",
];
const ONLY_BUILTIN: [&str; 3] = [
    "Only built-in text extraction is set up",
    "Works now, with no key: choose the Extract text preset and Describe all to get the text of each image, read on this server at no cost.",
    "To describe images, add one line to the server's environment and restart it (a running Ollama or LM Studio is found by itself), for example:",
];

#[component]
pub fn ProviderNotice(status: Result<ProviderInfo, ApiError>) -> impl IntoView {
    let said = match status {
        Ok(info) if !info.configured() => NOTHING,
        Ok(info) if info.providers.iter().all(|p| p.kind == ProviderKind::Builtin) => ONLY_BUILTIN,
        Ok(_) => return None,
        // The sign-in form says what to do.
        Err(ApiError::SignIn(_)) => return None,
        Err(error) => return Some(view! { <ErrorView error /> }.into_any()),
    };
    let [heading, first, second] = said;
    Some(
        view! {
            <section class="notice" role="region" aria-labelledby="no-provider">
                <h2 id="no-provider">{heading}</h2>
                <p>{first}</p>
                <p>{second}</p>
                <ul inner_html=setup_items()></ul>
            </section>
        }
        .into_any(),
    )
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
