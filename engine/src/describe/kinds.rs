//! Each provider kind described once: its id, names, environment, defaults, how it wants
//! images cut and counted, and (server-only) how its client is built. The rest of picscribe
//! reads a kind through its [`Descriptor`]; adding a kind is one entry here plus its wire
//! module (`describe/<kind>.rs`, and its client in `describe/server/`).

use super::cost::ImageRule;
use super::providers::ProviderKind;
use crate::sizing::ResizeRule;

/// When the environment configures a kind.
#[cfg(feature = "server")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// Its key or its address is set (an OpenAI-compatible server may need no key).
    KeyOrUrl,
    /// Its address is set.
    Url,
    /// Its key is set.
    Key,
}

/// Everything picscribe knows about one kind of provider.
pub struct Descriptor {
    pub kind: ProviderKind,
    /// The id a provider configured from the environment gets.
    pub id: &'static str,
    /// What the picker shows when nothing better is known.
    pub label: &'static str,
    /// The model used until another is chosen.
    #[cfg(feature = "server")]
    pub default_model: &'static str,
    /// How the page and the command shrink images for it.
    pub resize: ResizeRule,
    /// Whether it reads OpenAI's `detail`, rather than only the size images are cut to.
    pub reads_detail: bool,
    /// How a model of this kind counts an image (already cut to the size it is sent at).
    pub image_rule: fn(&str) -> ImageRule,
    /// A better name than `label` from the configured address (Ollama, LM Studio, …).
    #[cfg(feature = "server")]
    pub label_for: fn(&str) -> Option<&'static str>,
    /// The environment (server-only, like the rest the page never reads): the key's variables (the first set wins), the address's (likewise),
    /// the default model's, a list of models, an API version.
    #[cfg(feature = "server")]
    pub key_vars: &'static [&'static str],
    #[cfg(feature = "server")]
    pub url_vars: &'static [&'static str],
    #[cfg(feature = "server")]
    pub model_var: Option<&'static str>,
    #[cfg(feature = "server")]
    pub models_var: Option<&'static str>,
    #[cfg(feature = "server")]
    pub version_var: Option<&'static str>,
    #[cfg(feature = "server")]
    pub presence: Presence,
    /// Whether its own model list can be asked for with the configured credentials.
    #[cfg(feature = "server")]
    pub lists_models: bool,
    /// How to set it up, for the page when nothing is configured.
    pub example: &'static str,
    /// Builds its client from its settings (server-only).
    #[cfg(feature = "server")]
    pub client: super::server::BuildClient,
}

pub const KINDS: [Descriptor; 4] = [
    Descriptor {
        kind: ProviderKind::Openai,
        id: "openai",
        label: "OpenAI",
        #[cfg(feature = "server")]
        default_model: "gpt-4o-mini",
        resize: ResizeRule::OpenAiTiles,
        reads_detail: true,
        image_rule: openai_image_rule,
        #[cfg(feature = "server")]
        label_for: openai_label,
        #[cfg(feature = "server")]
        key_vars: &["OPENAI_API_KEY"],
        #[cfg(feature = "server")]
        url_vars: &["OPENAI_BASE_URL"],
        #[cfg(feature = "server")]
        model_var: Some("PICSCRIBE_MODEL"),
        #[cfg(feature = "server")]
        models_var: Some("PICSCRIBE_MODELS"),
        #[cfg(feature = "server")]
        version_var: None,
        #[cfg(feature = "server")]
        presence: Presence::KeyOrUrl,
        #[cfg(feature = "server")]
        lists_models: true,
        example: "OPENAI_API_KEY=sk-…",
        #[cfg(feature = "server")]
        client: super::server::openai_compat::client,
    },
    Descriptor {
        kind: ProviderKind::Azure,
        id: "azure",
        label: "Azure OpenAI",
        #[cfg(feature = "server")]
        default_model: "gpt-4o-mini",
        resize: ResizeRule::OpenAiTiles,
        reads_detail: true,
        image_rule: openai_image_rule,
        #[cfg(feature = "server")]
        label_for: |_| None,
        #[cfg(feature = "server")]
        key_vars: &["AZURE_OPENAI_API_KEY"],
        #[cfg(feature = "server")]
        url_vars: &["AZURE_OPENAI_ENDPOINT"],
        #[cfg(feature = "server")]
        model_var: None,
        #[cfg(feature = "server")]
        models_var: Some("AZURE_OPENAI_DEPLOYMENT"),
        #[cfg(feature = "server")]
        version_var: Some("OPENAI_API_VERSION"),
        #[cfg(feature = "server")]
        presence: Presence::Url,
        // Deployments cannot be listed with an api-key; the v1 path lists models instead.
        #[cfg(feature = "server")]
        lists_models: false,
        example: "AZURE_OPENAI_ENDPOINT=https://NAME.openai.azure.com AZURE_OPENAI_API_KEY=… AZURE_OPENAI_DEPLOYMENT=…",
        #[cfg(feature = "server")]
        client: super::server::openai_compat::azure_client,
    },
    Descriptor {
        kind: ProviderKind::Anthropic,
        id: "anthropic",
        label: "Anthropic",
        #[cfg(feature = "server")]
        default_model: "claude-sonnet-4-5",
        resize: ResizeRule::LongEdge { max_edge: 1568, max_pixels: 1_150_000 },
        reads_detail: false,
        image_rule: |_| ImageRule::Area,
        #[cfg(feature = "server")]
        label_for: |_| None,
        #[cfg(feature = "server")]
        key_vars: &["ANTHROPIC_API_KEY"],
        #[cfg(feature = "server")]
        url_vars: &["ANTHROPIC_BASE_URL"],
        #[cfg(feature = "server")]
        model_var: Some("ANTHROPIC_MODEL"),
        #[cfg(feature = "server")]
        models_var: None,
        #[cfg(feature = "server")]
        version_var: None,
        #[cfg(feature = "server")]
        presence: Presence::Key,
        #[cfg(feature = "server")]
        lists_models: true,
        example: "ANTHROPIC_API_KEY=sk-ant-…",
        #[cfg(feature = "server")]
        client: super::server::anthropic::client,
    },
    Descriptor {
        kind: ProviderKind::Gemini,
        id: "gemini",
        label: "Gemini",
        #[cfg(feature = "server")]
        default_model: "gemini-2.5-flash",
        resize: ResizeRule::Tiles { tile: 768, auto_tiles: 2, high_tiles: 4 },
        reads_detail: false,
        image_rule: |_| ImageRule::GeminiTiles,
        #[cfg(feature = "server")]
        label_for: |_| None,
        #[cfg(feature = "server")]
        key_vars: &["GEMINI_API_KEY", "GOOGLE_API_KEY"],
        #[cfg(feature = "server")]
        url_vars: &["GEMINI_BASE_URL", "GOOGLE_GEMINI_BASE_URL"],
        #[cfg(feature = "server")]
        model_var: Some("GEMINI_MODEL"),
        #[cfg(feature = "server")]
        models_var: None,
        #[cfg(feature = "server")]
        version_var: None,
        #[cfg(feature = "server")]
        presence: Presence::Key,
        #[cfg(feature = "server")]
        lists_models: true,
        example: "GEMINI_API_KEY=…",
        #[cfg(feature = "server")]
        client: super::server::gemini::client,
    },
];

impl ProviderKind {
    /// This kind's entry in [`KINDS`].
    pub fn descriptor(self) -> &'static Descriptor {
        match self {
            ProviderKind::Openai => &KINDS[0],
            ProviderKind::Azure => &KINDS[1],
            ProviderKind::Anthropic => &KINDS[2],
            ProviderKind::Gemini => &KINDS[3],
        }
    }
}

/// OpenAI's rule by model, from its vision pages; what local servers copy falls to gpt-4o's.
fn openai_image_rule(model: &str) -> ImageRule {
    let model = model.trim().to_ascii_lowercase();
    let starts = |prefix: &str| model.starts_with(prefix);
    if starts("gpt-4.1-mini") || starts("gpt-5-mini") {
        ImageRule::Patches { factor: 1.62 }
    } else if starts("gpt-4.1-nano") || starts("gpt-5-nano") {
        ImageRule::Patches { factor: 2.46 }
    } else if starts("o4-mini") {
        ImageRule::Patches { factor: 1.72 }
    } else if starts("gpt-4o-mini") {
        ImageRule::Tiles { base: 2833, tile: 5667 }
    } else if starts("gpt-5") {
        ImageRule::Tiles { base: 70, tile: 140 }
    } else if starts("o1") || starts("o3") {
        ImageRule::Tiles { base: 75, tile: 150 }
    } else {
        ImageRule::Tiles { base: 85, tile: 170 }
    }
}

/// The servers that speak OpenAI's format, told apart by their usual address.
#[cfg(feature = "server")]
fn openai_label(url: &str) -> Option<&'static str> {
    let url = url.to_ascii_lowercase();
    Some(match () {
        () if url.is_empty() || url.contains("api.openai.com") => "OpenAI",
        () if url.contains(":11434") => "Ollama",
        () if url.contains(":1234") => "LM Studio",
        () if url.contains("openrouter.ai") => "OpenRouter",
        () => "OpenAI-compatible server",
    })
}
