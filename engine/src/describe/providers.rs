//! What the page knows about the server's providers: their names, their models and how
//! each wants images cut. Never a key or an address.

use serde::{Deserialize, Serialize};

/// The wire formats picscribe speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// OpenAI chat completions and the servers that copy it (Ollama, LM Studio, vLLM,
    /// llama.cpp, OpenRouter).
    #[serde(alias = "openai_compatible")]
    Openai,
    /// Azure OpenAI: the same wire format behind deployments and an `api-key` header.
    Azure,
    /// Anthropic Messages.
    Anthropic,
    /// Google Gemini `generateContent`.
    Gemini,
    /// Azure AI Vision Image Analysis 4.0: tags, captions, objects and text with their
    /// confidence, billed per transaction rather than by tokens.
    #[serde(alias = "azure-vision")]
    AzureVision,
    /// Text extraction on this server (PP-OCRv4): no key, no address, no cost.
    Builtin,
}

impl ProviderKind {
    /// How many pixels this provider keeps; sending more is paying to upload what it throws away.
    pub fn resize_rule(self) -> ResizeRule {
        self.descriptor().resize
    }

    /// Whether the provider reads OpenAI's `detail` field, rather than only the size we cut to.
    pub fn reads_detail(self) -> bool {
        self.descriptor().reads_detail
    }

    /// For a provider billed per call: how many transactions one call with this prompt
    /// and these fields is (Azure AI Vision bills each feature asked). None is by tokens.
    pub fn transactions(self, prompt: &str, fields: &[crate::fields::Field]) -> Option<u32> {
        self.descriptor().per_transaction.then(|| super::azure_vision::features(prompt, fields).len() as u32)
    }
}

pub use crate::sizing::ResizeRule;

/// One provider as the page offers it in the picker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProviderChoice {
    /// Stable name the page sends back (`openai`, `anthropic`, or a name from `picscribe.toml`).
    pub id: String,
    /// What the picker shows ("Anthropic", "Ollama").
    pub label: String,
    pub kind: ProviderKind,
    /// The provider's own list where it has one, else the configured models; never empty.
    pub models: Vec<String>,
    pub default_model: String,
    pub resize: ResizeRule,
    /// Whether it offers its batch service (half the price, answered within a day).
    #[serde(default)]
    pub batch: bool,
}

/// What the server tells the page about its providers; the first is the default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderInfo {
    pub providers: Vec<ProviderChoice>,
    /// List prices per model, for the estimate before a run and the cost after.
    #[serde(default)]
    pub prices: Vec<super::cost::Price>,
    /// When the built-in prices were taken from the providers' price pages.
    #[serde(default)]
    pub prices_checked: String,
}

impl ProviderInfo {
    pub fn configured(&self) -> bool {
        !self.providers.is_empty()
    }

    /// The provider with this id, or the default one when the id is unknown (a provider
    /// removed from the server since the page remembered it).
    pub fn choose(&self, id: &str) -> Option<&ProviderChoice> {
        self.providers.iter().find(|p| p.id == id).or(self.providers.first())
    }
}

/// Drops what a model list offers that cannot describe an image (embeddings, speech,
/// image generation, moderation), keeping the order and removing repeats.
pub fn describing_models(ids: impl IntoIterator<Item = String>) -> Vec<String> {
    const NOT_CHAT: [&str; 11] = [
        "embed",
        "whisper",
        "tts",
        "dall-e",
        "moderation",
        "transcribe",
        "davinci",
        "babbage",
        "gpt-image",
        "imagen",
        "veo",
    ];
    let mut kept: Vec<String> = Vec::new();
    for id in ids {
        let lower = id.to_ascii_lowercase();
        if !id.is_empty() && !NOT_CHAT.iter().any(|word| lower.contains(word)) && !kept.contains(&id) {
            kept.push(id);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_lists_keep_what_can_describe() {
        let listed = [
            "gpt-4o",
            "text-embedding-3-small",
            "whisper-1",
            "tts-1-hd",
            "dall-e-3",
            "gpt-4o-mini",
            "omni-moderation-latest",
            "gpt-4o",
            "llava:13b",
            "gpt-image-1",
            "claude-sonnet-4-5",
            "gemini-2.5-flash",
            "imagen-4.0-generate-001",
        ];
        assert_eq!(
            describing_models(listed.map(String::from)),
            ["gpt-4o", "gpt-4o-mini", "llava:13b", "claude-sonnet-4-5", "gemini-2.5-flash"]
        );
    }

    #[test]
    fn an_unknown_provider_falls_back_to_the_default() {
        let choice = |id: &str| ProviderChoice {
            id: id.into(),
            label: id.into(),
            kind: ProviderKind::Openai,
            models: vec!["m".into()],
            default_model: "m".into(),
            resize: ProviderKind::Openai.resize_rule(),
            batch: false,
        };
        let info = ProviderInfo { providers: vec![choice("openai"), choice("anthropic")], ..ProviderInfo::default() };
        assert_eq!(info.choose("anthropic").map(|p| p.id.as_str()), Some("anthropic"));
        assert_eq!(info.choose("gone").map(|p| p.id.as_str()), Some("openai"));
        assert_eq!(ProviderInfo::default().choose("openai"), None);
        assert!(!ProviderInfo::default().configured());
    }
}
