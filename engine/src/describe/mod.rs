//! Describing an image: the request the page sends, the events the server streams back,
//! each provider's wire format, and (server-only) the providers that do the work.

pub mod analysis;
pub mod anthropic;
pub mod azure_vision;
pub mod batch;
pub mod cost;
pub mod events;
pub mod gemini;
pub mod kinds;
pub mod openai;
pub mod prompt;
pub mod providers;
pub mod reply;
#[cfg(feature = "server")]
pub mod server;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::fields::{self, Field};
use crate::images::{sniff, ImageKind};

pub use crate::sizing::Detail;
pub use providers::{ProviderChoice, ProviderInfo, ProviderKind, ResizeRule};

/// What the page asks for one image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DescribeInput {
    /// The image as already shrunk by the page, as a `data:image/...;base64,` URL.
    pub image: String,
    /// An item's other photos, in order, shrunk as `image` is: one description from all.
    #[serde(default)]
    pub more_images: Vec<String>,
    pub prompt: String,
    /// A provider id from [`ProviderInfo`]; empty means the server's default.
    #[serde(default)]
    pub provider: String,
    pub model: String,
    pub detail: Detail,
    /// The longest reply wanted, in output tokens; none means the server's ceiling.
    #[serde(default)]
    pub max_tokens: Option<u32>,
    /// The fields the answer must have; none means one free-text description.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// How freely the model words its answer, 0 to 2; none means the provider's default.
    #[serde(default)]
    pub temperature: Option<f32>,
    /// A first stage whose findings fill the prompt's `{tags}`, `{caption}`, `{text}`, `{objects}`.
    #[serde(default)]
    pub analyse: Option<analysis::FirstStage>,
}

/// The highest temperature any provider takes (OpenAI's and Gemini's; Anthropic's is 1).
pub const MAX_TEMPERATURE: f32 = 2.0;

/// A temperature as the cache key and the command's columns write it: to the hundredth,
/// so 0.7 and 0.70000001 are one call.
pub fn temperature_text(temperature: f32) -> String {
    hundredths_text((temperature.max(0.0) * 100.0).round() as u32)
}

/// Hundredths as people write the number: 70 → "0.7", 100 → "1", 25 → "0.25". With
/// integers only: float formatting would weigh on the page's wasm.
pub fn hundredths_text(hundredths: u32) -> String {
    let (whole, part) = (hundredths / 100, hundredths % 100);
    match part {
        0 => whole.to_string(),
        p if p % 10 == 0 => format!("{whole}.{}", p / 10),
        p => format!("{whole}.{p:02}"),
    }
}

/// A number typed with at most two decimals (a comma as the mark too) as hundredths,
/// up to `max`: "0.7" → 70, "2" → 200. Without float parsing, for the page's fields.
pub fn parse_hundredths(text: &str, max: u32) -> Option<u32> {
    let text = text.trim().replace(',', ".");
    let (whole, part) = text.split_once('.').unwrap_or((&text, ""));
    let digits = |s: &str| !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !(part.is_empty() || (digits(part) && part.len() <= 2)) {
        return None;
    }
    let whole: u32 = whole.parse().ok()?;
    let part: u32 = format!("{part:0<2}").parse().ok()?;
    Some(whole * 100 + part).filter(|n| *n <= max)
}

/// A temperature typed by someone: a number from 0 to 2 (a comma as the decimal mark
/// too); empty is the provider's default.
pub fn parse_temperature(text: &str) -> Result<Option<f32>, InputError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.replace(',', ".").parse::<f32>() {
        Ok(t) if (0.0..=MAX_TEMPERATURE).contains(&t) => Ok(Some(t)),
        _ => Err(InputError::BadTemperature),
    }
}

pub const MAX_PROMPT_CHARS: usize = 4_000;
pub const MAX_MODEL_CHARS: usize = 200;
/// A 2048×768 JPEG is well under 1 MB; 8 MB of base64 leaves room for PNGs and nothing more.
pub const MAX_IMAGE_URL_CHARS: usize = 8 * 1024 * 1024;
/// The most photos one item may have: a product has three to eight.
pub const MAX_ITEM_IMAGES: usize = 20;
/// What all of an item's photos may weigh together, as base64: one request to the server
/// is at most 9 MB.
pub const MAX_ITEM_CHARS: usize = 8 * 1024 * 1024;

pub const DEFAULT_PROMPT: &str = "Write concise alt text for this image: one sentence, under 125 \
characters, describing what matters for someone who cannot see it. Do not start with \"Image of\".";

/// The prompts people reach for most; the first is the default.
pub const PRESETS: [(&str, &str); 6] = [
    ("Alt text", DEFAULT_PROMPT),
    (
        "Product description",
        "Write a product description for an online shop from this photo: two or three \
         sentences on what the product is, its material, colour and notable details. No prices.",
    ),
    (
        "Social caption",
        "Write an engaging social media caption for this image, one or two sentences, \
         with at most two relevant hashtags.",
    ),
    (
        "Extract text",
        "Transcribe all text visible in this image exactly as written, keeping line breaks. \
         If there is no text, reply \"No text\".",
    ),
    (
        "Tags",
        "List 5 to 10 comma-separated lowercase tags describing the subject, setting and \
         style of this image. Reply with the tags only.",
    ),
    // The Azure reference app's pipeline: Azure AI Vision's tags, then a model's caption.
    ("Caption from tags", CAPTION_FROM_TAGS),
];

/// The second stage of "Caption from tags": what to write from the first stage's tags.
pub const CAPTION_FROM_TAGS: &str = "Write a vivid one-line caption for this image from these tags: {tags}. \
Reply with the caption only.";

/// Why a describe request was refused before any provider call; each is a sentence for the row.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("The prompt is empty: write what you want to know about the image.")]
    EmptyPrompt,
    #[error("The prompt is longer than {MAX_PROMPT_CHARS} characters: shorten it.")]
    PromptTooLong,
    #[error("Choose a model name (up to {MAX_MODEL_CHARS} characters, no spaces).")]
    BadModel,
    #[error("The image could not be read: the page sent something that is not a base64 JPEG, PNG, GIF or WebP.")]
    BadImage,
    #[error("The image is too large to send even after shrinking.")]
    ImageTooLarge,
    #[error("An item can have at most {MAX_ITEM_IMAGES} photos: separate it into smaller items.")]
    TooManyImages,
    #[error("The item's photos are too large to send together (8 MB in all): separate it into smaller items.")]
    ItemTooLarge,
    #[error("This server has no provider called “{0}”; reload the page to see the ones it has.")]
    UnknownProvider(String),
    #[error("The temperature must be a number from 0 to 2, or empty for the provider's default.")]
    BadTemperature,
    #[error("The minimum confidence must be a number from 0 to 1.")]
    BadConfidence,
    #[error("{0}")]
    Fields(#[from] fields::FieldError),
}

impl DescribeInput {
    /// Checks everything the browser already checked, because server functions are a
    /// public API. Returns the format the image really is.
    pub fn validate(&self) -> Result<ImageKind, InputError> {
        let prompt = self.prompt.trim();
        if prompt.is_empty() {
            return Err(InputError::EmptyPrompt);
        }
        if prompt.chars().count() > MAX_PROMPT_CHARS {
            return Err(InputError::PromptTooLong);
        }
        let model = self.model.trim();
        if model.is_empty()
            || model.chars().count() > MAX_MODEL_CHARS
            || model.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(InputError::BadModel);
        }
        fields::check(&self.fields)?;
        if self.more_images.len() + 1 > MAX_ITEM_IMAGES {
            return Err(InputError::TooManyImages);
        }
        let total: usize = self.more_images.iter().map(String::len).sum::<usize>() + self.image.len();
        if total > MAX_ITEM_CHARS && !self.more_images.is_empty() {
            return Err(InputError::ItemTooLarge);
        }
        for more in &self.more_images {
            image_kind(more)?;
        }
        if self.temperature.is_some_and(|t| !(0.0..=MAX_TEMPERATURE).contains(&t)) {
            return Err(InputError::BadTemperature);
        }
        if self.analyse.as_ref().is_some_and(|first| !(0.0..=1.0).contains(&first.min_confidence)) {
            return Err(InputError::BadConfidence);
        }
        image_kind(&self.image)
    }
}

/// What a page-made `data:` URL really holds, checked: a JPEG, PNG, GIF or WebP of the
/// type it says, no larger than one image may be.
fn image_kind(url: &str) -> Result<ImageKind, InputError> {
    if url.len() > MAX_IMAGE_URL_CHARS {
        return Err(InputError::ImageTooLarge);
    }
    let (mime, data) =
        url.strip_prefix("data:").and_then(|rest| rest.split_once(";base64,")).ok_or(InputError::BadImage)?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(data).map_err(|_| InputError::BadImage)?;
    match sniff(&bytes) {
        Some(kind @ (ImageKind::Jpeg | ImageKind::Png | ImageKind::Gif | ImageKind::Webp)) if kind.mime() == mime => {
            Ok(kind)
        }
        _ => Err(InputError::BadImage),
    }
}

/// The identity of one paid call: the same image content with the same prompt, provider,
/// model and detail is never described twice. Whitespace at the ends does not count.
pub fn cache_key(image_hash: &str, prompt: &str, provider: &str, model: &str, detail: Detail) -> String {
    // Lengths keep the parts from running into each other ("ab"+"c" vs "a"+"bc").
    let prompt = prompt.trim();
    let model = model.trim();
    let provider = provider.trim();
    format!(
        "{image_hash}|{}|{}:{provider}|{}:{model}|{}:{prompt}",
        detail.as_str(),
        provider.len(),
        model.len(),
        prompt.len()
    )
}

/// A key for a reply capped at `max_tokens`; uncapped replies keep the key they always had,
/// so descriptions saved before the cap existed stay current.
pub fn capped_key(key: String, max_tokens: Option<u32>) -> String {
    match max_tokens {
        Some(max) => format!("{key}|max:{max}"),
        None => key,
    }
}

/// A key for an answer in fields; free text keeps the key it always had.
pub fn fields_key(key: String, fields: &[Field]) -> String {
    match fields::key_part(fields) {
        Some(part) => format!("{key}|fields:{part}"),
        None => key,
    }
}

/// A key for an answer asked at a set temperature; the provider's default keeps the key
/// it always had.
pub fn temperature_key(key: String, temperature: Option<f32>) -> String {
    match temperature {
        Some(t) => format!("{key}|temp:{}", temperature_text(t)),
        None => key,
    }
}

/// The provider every description was made with before there was a choice: the one
/// configured by `OPENAI_*`.
pub const FIRST_PROVIDER: &str = "openai";

/// Brings a cache key saved before keys named a provider up to date, so descriptions made
/// then still count as current instead of being paid for again. Keys already naming a
/// provider come back unchanged.
pub fn upgrade_key(key: &str, provider_known: bool) -> String {
    if provider_known {
        return key.to_string();
    }
    match key.split_once('|').and_then(|(hash, rest)| Some((hash, rest.split_once('|')?))) {
        Some((hash, (detail, rest))) => {
            format!("{hash}|{detail}|{}:{FIRST_PROVIDER}|{rest}", FIRST_PROVIDER.len())
        }
        None => key.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(image: &str) -> DescribeInput {
        DescribeInput {
            image: image.to_string(),
            more_images: Vec::new(),
            prompt: "Describe".into(),
            provider: String::new(),
            model: "gpt-4o-mini".into(),
            detail: Detail::Auto,
            max_tokens: None,
            fields: Vec::new(),
            temperature: None,
            analyse: None,
        }
    }

    fn data_url(mime: &str, bytes: &[u8]) -> String {
        format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    #[test]
    fn validation_table() {
        let jpeg = data_url("image/jpeg", &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 0xFF, 0xD9]);
        let png = data_url("image/png", b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR");
        let mut empty_prompt = input(&jpeg);
        empty_prompt.prompt = "   ".into();
        let mut long_prompt = input(&jpeg);
        long_prompt.prompt = "x".repeat(MAX_PROMPT_CHARS + 1);
        let mut spaced_model = input(&jpeg);
        spaced_model.model = "gpt 4o".into();
        let mut empty_model = input(&jpeg);
        empty_model.model = String::new();
        let mut hot = input(&jpeg);
        hot.temperature = Some(2.5);
        let mut negative = input(&jpeg);
        negative.temperature = Some(-0.1);
        let mut warm = input(&jpeg);
        warm.temperature = Some(2.0);
        let mut bad_field = input(&jpeg);
        bad_field.fields = vec![Field::new("Title", fields::FieldKind::Text, "")];
        let cases = [
            (input(&jpeg), Ok(ImageKind::Jpeg)),
            (input(&png), Ok(ImageKind::Png)),
            (input(&data_url("image/png", &[0xFF, 0xD8, 0xFF, 0xE0])), Err(InputError::BadImage)),
            (input(&data_url("text/plain", b"hello")), Err(InputError::BadImage)),
            (input("data:image/jpeg;base64,@@@"), Err(InputError::BadImage)),
            (input("https://example.com/cat.jpg"), Err(InputError::BadImage)),
            (input(&"A".repeat(MAX_IMAGE_URL_CHARS + 1)), Err(InputError::ImageTooLarge)),
            (empty_prompt, Err(InputError::EmptyPrompt)),
            (long_prompt, Err(InputError::PromptTooLong)),
            (spaced_model, Err(InputError::BadModel)),
            (empty_model, Err(InputError::BadModel)),
            (hot, Err(InputError::BadTemperature)),
            (negative, Err(InputError::BadTemperature)),
            (warm, Ok(ImageKind::Jpeg)),
            (bad_field, Err(InputError::Fields(fields::FieldError::BadName("Title".into())))),
        ];
        for (case, want) in cases {
            assert_eq!(case.validate(), want, "{:.60}", case.image);
        }
    }

    #[test]
    fn cache_keys_separate_what_costs_money() {
        let base = cache_key("h1", "Describe", "openai", "m", Detail::Auto);
        assert_eq!(base, cache_key("h1", "  Describe\n", "openai", "m", Detail::Auto));
        for other in [
            cache_key("h2", "Describe", "openai", "m", Detail::Auto),
            cache_key("h1", "Describe it", "openai", "m", Detail::Auto),
            cache_key("h1", "Describe", "openai", "m2", Detail::Auto),
            cache_key("h1", "Describe", "openai", "m", Detail::Low),
            cache_key("h1", "Describe", "ollama", "m", Detail::Auto),
        ] {
            assert_ne!(base, other);
        }
        assert_ne!(cache_key("h", "c", "p", "ab", Detail::Auto), cache_key("h", "bc", "p", "a", Detail::Auto));
        assert_ne!(cache_key("h", "c", "pa", "b", Detail::Auto), cache_key("h", "c", "p", "ab", Detail::Auto));
        assert_eq!(capped_key(base.clone(), None), base, "no cap, the key it always had");
        assert_ne!(capped_key(base.clone(), Some(200)), base);
        assert_ne!(capped_key(base.clone(), Some(200)), capped_key(base.clone(), Some(300)));
        assert_eq!(fields_key(base.clone(), &[]), base, "free text, the key it always had");
        assert_ne!(fields_key(base.clone(), &fields::preset_fields("Tags")), base);
        assert_eq!(temperature_key(base.clone(), None), base, "the provider's default, the key it always had");
        assert_eq!(temperature_key(base.clone(), Some(0.7)), temperature_key(base.clone(), Some(0.700_000_1)));
        assert_ne!(temperature_key(base.clone(), Some(0.7)), temperature_key(base.clone(), Some(0.8)));
        assert_ne!(temperature_key(base.clone(), Some(0.0)), base, "zero is a choice, not the default");
    }

    #[test]
    fn temperatures_as_typed() {
        let cases = [
            ("", Ok(None)),
            ("  ", Ok(None)),
            ("0", Ok(Some(0.0))),
            ("0.7", Ok(Some(0.7))),
            ("0,7", Ok(Some(0.7))),
            ("2", Ok(Some(2.0))),
            ("2.01", Err(InputError::BadTemperature)),
            ("-1", Err(InputError::BadTemperature)),
            ("warm", Err(InputError::BadTemperature)),
            ("NaN", Err(InputError::BadTemperature)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_temperature(text), want, "{text:?}");
        }
        assert_eq!(temperature_text(0.7), "0.7");
        assert_eq!(temperature_text(1.0), "1");
        assert_eq!(temperature_text(0.254), "0.25");
        let typed = [
            ("0.7", Some(70)),
            ("0,25", Some(25)),
            ("2", Some(200)),
            ("1.", Some(100)),
            ("2.01", None),
            ("0.123", None),
            ("-1", None),
            ("", None),
            (".5", None),
            ("warm", None),
        ];
        for (text, want) in typed {
            assert_eq!(parse_hundredths(text, 200), want, "{text:?}");
        }
        for n in [0, 5, 25, 60, 70, 100, 150, 200] {
            assert_eq!(parse_hundredths(&hundredths_text(n), 200), Some(n), "{n}");
        }
    }

    #[test]
    fn keys_saved_before_providers_stay_current() {
        // The format keys had before they named a provider.
        let old = |hash: &str, prompt: &str, model: &str, detail: Detail| {
            format!("{hash}|{}|{}:{model}|{}:{prompt}", detail.as_str(), model.len(), prompt.len())
        };
        let cases = [
            ("h1", "Describe", "gpt-4o-mini", Detail::Auto),
            ("h2", "Alt | text: with | pipes", "llava:13b", Detail::Low),
            ("h3", "", "m", Detail::High),
        ];
        for (hash, prompt, model, detail) in cases {
            let want = cache_key(hash, prompt, FIRST_PROVIDER, model, detail);
            assert_eq!(upgrade_key(&old(hash, prompt, model, detail), false), want, "{prompt}");
            assert_eq!(upgrade_key(&want, true), want);
        }
        assert_eq!(upgrade_key("garbage", false), "garbage");
    }

    #[test]
    fn detail_round_trips() {
        for detail in Detail::ALL {
            assert_eq!(Detail::parse(detail.as_str()), Some(detail));
        }
        assert_eq!(Detail::parse("medium"), None);
    }
}
