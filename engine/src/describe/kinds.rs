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
    /// Never from the environment: the server adds it itself (the built-in kind, when its
    /// models are there).
    Never,
}

/// Everything picscribe knows about one kind of provider.
pub struct Descriptor {
    pub kind: ProviderKind,
    /// The id a provider configured from the environment gets.
    pub id: &'static str,
    /// What the picker shows when nothing better is known.
    pub label: &'static str,
    /// How the page and the command shrink images for it.
    pub resize: ResizeRule,
    /// Whether it reads OpenAI's `detail`, rather than only the size images are cut to.
    pub reads_detail: bool,
    /// How a model of this kind counts an image (already cut to the size it is sent at).
    pub image_rule: fn(&str) -> ImageRule,
    /// How to set it up, for the page when nothing is configured.
    pub example: &'static str,
    /// Whether it bills transactions (Azure AI Vision: one a feature asked) rather than
    /// tokens; its "tokens" are then those. Data, not a function: a function here would
    /// be in the page's first wasm with the table.
    pub per_transaction: bool,
    /// The most images one request may carry (an item's photos together).
    pub max_images: u32,
    /// What only the server reads: the environment, the defaults, the client.
    #[cfg(feature = "server")]
    pub setup: Setup,
}

/// The server's half of a [`Descriptor`]: never in the wasm.
#[cfg(feature = "server")]
pub struct Setup {
    /// The model used until another is chosen.
    pub default_model: &'static str,
    /// A better name than `label` from the configured address (Ollama, LM Studio, …).
    pub label_for: fn(&str) -> Option<&'static str>,
    /// The environment: the key's variables (the first set wins), the address's
    /// (likewise), the default model's, a list of models', an API version's.
    pub key_vars: &'static [&'static str],
    pub url_vars: &'static [&'static str],
    pub model_var: Option<&'static str>,
    pub models_var: Option<&'static str>,
    pub version_var: Option<&'static str>,
    pub presence: Presence,
    /// Whether its own model list can be asked for with the configured credentials.
    pub lists_models: bool,
    /// Builds its client from its settings.
    pub client: super::server::BuildClient,
}

pub const KINDS: [Descriptor; 6] = [
    Descriptor {
        kind: ProviderKind::Openai,
        id: "openai",
        label: "OpenAI",
        resize: ResizeRule::OpenAiTiles,
        reads_detail: true,
        image_rule: openai_image_rule,
        example: "OPENAI_API_KEY=sk-…",
        per_transaction: false,
        max_images: 500,
        #[cfg(feature = "server")]
        setup: Setup {
            default_model: "gpt-4o-mini",
            label_for: openai_label,
            key_vars: &["OPENAI_API_KEY"],
            url_vars: &["OPENAI_BASE_URL"],
            model_var: Some("PICSCRIBE_MODEL"),
            models_var: Some("PICSCRIBE_MODELS"),
            version_var: None,
            presence: Presence::KeyOrUrl,
            lists_models: true,
            client: super::server::openai_compat::client,
        },
    },
    Descriptor {
        kind: ProviderKind::Azure,
        id: "azure",
        label: "Azure OpenAI",
        resize: ResizeRule::OpenAiTiles,
        reads_detail: true,
        image_rule: openai_image_rule,
        example: "AZURE_OPENAI_ENDPOINT=https://NAME.openai.azure.com AZURE_OPENAI_API_KEY=… AZURE_OPENAI_DEPLOYMENT=…",
        per_transaction: false,
        max_images: 10,
        #[cfg(feature = "server")]
        setup: Setup {
            default_model: "gpt-4o-mini",
            label_for: |_| None,
            key_vars: &["AZURE_OPENAI_API_KEY"],
            url_vars: &["AZURE_OPENAI_ENDPOINT"],
            model_var: None,
            models_var: Some("AZURE_OPENAI_DEPLOYMENT"),
            version_var: Some("OPENAI_API_VERSION"),
            presence: Presence::Url,
            // Deployments cannot be listed with an api-key; the v1 path lists models instead.
            lists_models: false,
            client: super::server::openai_compat::azure_client,
        },
    },
    Descriptor {
        kind: ProviderKind::Anthropic,
        id: "anthropic",
        label: "Anthropic",
        resize: ResizeRule::LongEdge { max_edge: 1568, max_pixels: 1_150_000 },
        reads_detail: false,
        image_rule: |_| ImageRule::Area,
        example: "ANTHROPIC_API_KEY=sk-ant-…",
        per_transaction: false,
        max_images: 100,
        #[cfg(feature = "server")]
        setup: Setup {
            default_model: "claude-sonnet-4-5",
            label_for: |_| None,
            key_vars: &["ANTHROPIC_API_KEY"],
            url_vars: &["ANTHROPIC_BASE_URL"],
            model_var: Some("ANTHROPIC_MODEL"),
            models_var: None,
            version_var: None,
            presence: Presence::Key,
            lists_models: true,
            client: super::server::anthropic::client,
        },
    },
    Descriptor {
        kind: ProviderKind::Gemini,
        id: "gemini",
        label: "Gemini",
        resize: ResizeRule::Tiles { tile: 768, auto_tiles: 2, high_tiles: 4 },
        reads_detail: false,
        image_rule: |_| ImageRule::GeminiTiles,
        example: "GEMINI_API_KEY=…",
        per_transaction: false,
        max_images: 3600,
        #[cfg(feature = "server")]
        setup: Setup {
            default_model: "gemini-2.5-flash",
            label_for: |_| None,
            key_vars: &["GEMINI_API_KEY", "GOOGLE_API_KEY"],
            url_vars: &["GEMINI_BASE_URL", "GOOGLE_GEMINI_BASE_URL"],
            model_var: Some("GEMINI_MODEL"),
            models_var: None,
            version_var: None,
            presence: Presence::Key,
            lists_models: true,
            client: super::server::gemini::client,
        },
    },
    Descriptor {
        kind: ProviderKind::AzureVision,
        id: "azure-vision",
        label: "Azure AI Vision",
        // It reads text best at full size and takes up to 16,000 px; 20 MB is its limit.
        resize: ResizeRule::LongEdge { max_edge: 2048, max_pixels: 4_200_000 },
        reads_detail: false,
        image_rule: |_| ImageRule::Area,
        example: "AZURE_VISION_ENDPOINT=https://NAME.cognitiveservices.azure.com AZURE_VISION_KEY=…",
        per_transaction: true,
        max_images: 1,
        #[cfg(feature = "server")]
        setup: Setup {
            default_model: super::azure_vision::MODEL,
            label_for: |_| None,
            key_vars: &["AZURE_VISION_KEY"],
            url_vars: &["AZURE_VISION_ENDPOINT"],
            model_var: None,
            models_var: None,
            version_var: None,
            // No key is Microsoft Entra ID.
            presence: Presence::Url,
            lists_models: false,
            client: super::server::azure_vision::client,
        },
    },
    Descriptor {
        kind: ProviderKind::Builtin,
        id: "builtin",
        label: "Built-in (on this server)",
        // Nothing is paid for, and small text needs its pixels: cut only what is huge.
        resize: ResizeRule::LongEdge { max_edge: 4096, max_pixels: 16_800_000 },
        reads_detail: false,
        image_rule: |_| ImageRule::Free,
        example: "",
        per_transaction: false,
        max_images: 20,
        #[cfg(feature = "server")]
        setup: Setup {
            default_model: super::server::text_extraction::MODEL,
            label_for: |_| None,
            key_vars: &[],
            url_vars: &["PICSCRIBE_OCR_MODELS"],
            model_var: None,
            models_var: None,
            version_var: None,
            presence: Presence::Never,
            lists_models: false,
            client: super::server::text_extraction::client,
        },
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
            ProviderKind::AzureVision => &KINDS[4],
            ProviderKind::Builtin => &KINDS[5],
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
