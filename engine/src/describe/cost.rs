//! What a batch will cost before it is sent: each provider's published rule for image
//! tokens, a rough count for the prompt and the answer, and a price table per model.
//! Pure, so every rule is a table test; the page shows "About 212,000 tokens, about $0.07".

use serde::{Deserialize, Serialize};

use super::ProviderKind;
use crate::sizing::Detail;

/// List prices in US dollars per million tokens, for models whose id starts with `model`
/// (the longest match wins, so `gpt-4o-mini` beats `gpt-4o`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub model: String,
    /// Dollars per million input tokens (the image and the prompt).
    pub input: f64,
    /// Dollars per million output tokens (the answer; thinking included).
    pub output: f64,
    /// Through the provider's batch service; half of `input` unless named. Only the
    /// server prices batches, so the page's copy leaves them out (and their code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", serde(skip))]
    pub batch_input: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", serde(skip))]
    pub batch_output: Option<f64>,
}

impl Price {
    pub fn new(model: &str, input: f64, output: f64) -> Price {
        Price { model: model.into(), input, output, batch_input: None, batch_output: None }
    }

    /// The price through the batch service: its own where the table names it, else half.
    pub fn at_batch_rate(&self) -> Price {
        Price {
            model: self.model.clone(),
            input: self.batch_input.unwrap_or(self.input * 0.5),
            output: self.batch_output.unwrap_or(self.output * 0.5),
            batch_input: None,
            batch_output: None,
        }
    }
}

/// When the default prices below were taken from the providers' price pages.
pub const PRICES_CHECKED: &str = "2025-11";

/// The providers' list prices as of [`PRICES_CHECKED`]; `[[price]]` tables in
/// `picscribe.toml` replace or add to them.
pub fn default_prices() -> Vec<Price> {
    let price = Price::new;
    vec![
        price("gpt-4o-mini", 0.15, 0.60),
        price("gpt-4o", 2.50, 10.00),
        price("gpt-4.1-nano", 0.10, 0.40),
        price("gpt-4.1-mini", 0.40, 1.60),
        price("gpt-4.1", 2.00, 8.00),
        price("gpt-5-nano", 0.05, 0.40),
        price("gpt-5-mini", 0.25, 2.00),
        price("gpt-5", 1.25, 10.00),
        price("o4-mini", 1.10, 4.40),
        price("o3", 2.00, 8.00),
        price("claude-haiku-4", 1.00, 5.00),
        price("claude-3-5-haiku", 0.80, 4.00),
        price("claude-sonnet-4", 3.00, 15.00),
        price("claude-opus-4", 15.00, 75.00),
        price("gemini-2.5-flash-lite", 0.10, 0.40),
        price("gemini-2.5-flash", 0.30, 2.50),
        price("gemini-2.5-pro", 1.25, 10.00),
        price("gemini-2.0-flash", 0.10, 0.40),
        // Azure AI Vision bills transactions (one a feature asked), S1 for the first million:
        // $1.50 per 1,000, counted as its "tokens".
        price(super::azure_vision::MODEL, 1_500.0, 0.0),
    ]
}

/// The price for a model: the entry whose name is the longest prefix of it.
pub fn price_for<'a>(prices: &'a [Price], model: &str) -> Option<&'a Price> {
    let model = model.trim().to_ascii_lowercase();
    let model = model.rsplit('/').next().unwrap_or(&model).to_string();
    prices.iter().filter(|p| model.starts_with(&p.model.to_ascii_lowercase())).max_by_key(|p| p.model.len())
}

/// How one model counts an image (already cut to the size it is sent at).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ImageRule {
    /// OpenAI's 512 px tiles: `base + tile × tiles`, or `base` alone at detail low.
    Tiles { base: u32, tile: u32 },
    /// OpenAI's 32 px patches, at most 1536, times the model's factor.
    Patches { factor: f64 },
    /// Anthropic: width × height / 750.
    Area,
    /// Gemini: 258 per 768 px tile; 258 in all when both sides are at most 384.
    GeminiTiles,
    /// Read on this server: an image costs no tokens.
    Free,
}

/// The rule for a provider kind and model ([`Descriptor::image_rule`](super::kinds::Descriptor)).
pub fn image_rule(kind: ProviderKind, model: &str) -> ImageRule {
    (kind.descriptor().image_rule)(model)
}

/// Tokens for one image of `width` × `height` as sent.
pub fn image_tokens(rule: ImageRule, width: u32, height: u32, detail: Detail) -> u32 {
    let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let cover = |side: f64, cell: f64| (side / cell).ceil();
    match rule {
        ImageRule::Tiles { base, .. } if detail == Detail::Low => base,
        ImageRule::Tiles { base, tile } => base + tile * (cover(w, 512.0) * cover(h, 512.0)) as u32,
        ImageRule::Patches { factor } => {
            let mut patches = cover(w, 32.0) * cover(h, 32.0);
            if patches > 1536.0 {
                // Shrunk until at most 1536 patches cover it, as OpenAI does.
                let shrink = (1536.0 * 32.0 * 32.0 / (w * h)).sqrt();
                let (sw, sh) = (w * shrink, h * shrink);
                let fit = (sw / 32.0).floor() / (sw / 32.0);
                patches = ((sw * fit) / 32.0 - 1e-9).ceil() * ((sh * fit) / 32.0 - 1e-9).ceil();
            }
            (patches.min(1536.0) * factor).round() as u32
        }
        ImageRule::Area => (w * h / 750.0).ceil() as u32,
        ImageRule::GeminiTiles if width <= 384 && height <= 384 => 258,
        ImageRule::GeminiTiles => 258 * (cover(w, 768.0) * cover(h, 768.0)) as u32,
        ImageRule::Free => 0,
    }
}

/// The answer's likely length: a sentence or two of free text, or each field's worth.
pub fn answer_tokens(fields: usize, cap: u32) -> u32 {
    let typical = if fields == 0 { 100 } else { 40 + 60 * fields as u32 };
    typical.min(cap)
}

/// Text tokens, roughly: four characters each.
pub fn text_tokens(text: &str) -> u32 {
    (text.chars().count() as u32).div_ceil(4)
}

/// A batch's expected use.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Estimate {
    pub images: u32,
    pub input: u64,
    pub output: u64,
    /// A first stage's calls (Azure AI Vision's transactions), and what they cost.
    pub first: u64,
    pub first_dollars: f64,
    /// Another model's calls for the same images ("Compare with"), and what they cost.
    pub second: u64,
    pub second_dollars: f64,
}

impl Estimate {
    pub fn add(&mut self, input: u32, output: u32) {
        self.images += 1;
        self.input += u64::from(input);
        self.output += u64::from(output);
    }

    pub fn tokens(&self) -> u64 {
        self.input + self.output + self.second
    }

    pub fn dollars(&self, price: &Price) -> f64 {
        dollars(self.input, self.output, price) + self.first_dollars + self.second_dollars
    }

    /// The compared model's call for an image, at its own price; `alone` when the first
    /// model has nothing to do for that image, so the image is counted here.
    pub fn add_second(&mut self, input: u32, output: u32, price: Option<&Price>, alone: bool) {
        self.images += u32::from(alone);
        self.second += u64::from(input) + u64::from(output);
        self.second_dollars += price.map_or(0.0, |p| dollars(u64::from(input), u64::from(output), p));
    }

    /// A first stage's use for one image, priced by its own model where it has a price.
    pub fn add_first(&mut self, calls: u32, price: Option<&Price>) {
        self.first += u64::from(calls);
        self.first_dollars += price.map_or(0.0, |p| dollars(u64::from(calls), 0, p));
    }
}

pub fn dollars(input: u64, output: u64, price: &Price) -> f64 {
    (input as f64 * price.input + output as f64 * price.output) / 1_000_000.0
}

/// "12,400" — thousands separated, as people read counts.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "$12.50", "$0.07", "$0.0012": cents from ten cents up, else two significant digits.
pub fn money(dollars: f64) -> String {
    if dollars >= 0.1 || dollars <= 0.0 {
        return format!("${dollars:.2}");
    }
    let places = (-dollars.log10()).ceil() as usize + 1;
    let text = format!("{dollars:.places$}");
    format!("${}", text.trim_end_matches('0'))
}

/// What the toolbar says before "Describe all".
pub fn estimate_sentence(estimate: &Estimate, price: Option<&Price>, model: &str) -> String {
    if estimate.images == 0 {
        return "Nothing to describe with these settings.".into();
    }
    let images = crate::text::count(u64::from(estimate.images), "image", "images");
    let mut tokens = thousands(estimate.tokens());
    if estimate.first > 0 {
        tokens = format!("{tokens} tokens and {}", crate::text::count(estimate.first, "analysis", "analyses"));
    } else {
        tokens.push_str(" tokens");
    }
    let priced = estimate.first_dollars + estimate.second_dollars;
    match price {
        Some(price) => format!("{images}: about {tokens}, about {}.", money(estimate.dollars(price))),
        // What has a price of its own (a first stage, a compared model) is still said.
        None if priced > 0.0 => {
            format!("{images}: about {tokens}, about {} besides “{model}”, which has no price known.", money(priced))
        }
        None => format!("{images}: about {tokens} (no price known for “{model}”)."),
    }
}

#[cfg(test)]
#[path = "cost_tests.rs"]
mod tests;
