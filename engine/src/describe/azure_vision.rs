//! Azure AI Vision's Image Analysis 4.0 wire format: which features a prompt asks for,
//! the analyze address, the result document, and the text a row shows — tags and objects
//! with their confidence, a caption, dense captions, the text read line by line. Plain data
//! and mapping, no I/O.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::fields::{Field, FieldKind};

/// The API version picscribe speaks (generally available).
pub const API_VERSION: &str = "2024-02-01";

/// The one "model": the analysis itself. Each feature asked is one transaction.
pub const MODEL: &str = "image-analysis-4.0";

/// What Image Analysis can be asked for in one call; each is billed as a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Feature {
    Caption,
    DenseCaptions,
    Tags,
    Objects,
    Read,
}

impl Feature {
    pub const ALL: [Feature; 5] =
        [Feature::Caption, Feature::DenseCaptions, Feature::Tags, Feature::Objects, Feature::Read];

    /// The name in the `features` query parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Feature::Caption => "caption",
            Feature::DenseCaptions => "denseCaptions",
            Feature::Tags => "tags",
            Feature::Objects => "objects",
            Feature::Read => "read",
        }
    }

    /// The name in a sentence: "Azure AI Vision cannot do captions in …".
    pub fn plural(self) -> &'static str {
        match self {
            Feature::Caption => "captions",
            Feature::DenseCaptions => "dense captions",
            Feature::Tags => "tags",
            Feature::Objects => "objects",
            Feature::Read => "text extraction",
        }
    }
}

/// The features a prompt asks for: the presets map to one each (Alt text and Social
/// caption → caption; Product description → caption and dense captions; Tags → tags;
/// Extract text → read); other prompts by their words, a caption when none match.
pub fn features_for(prompt: &str) -> Vec<Feature> {
    let prompt = prompt.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| prompt.contains(w));
    let read = has(&["transcribe", "extract", "ocr", "read the text", "text in the image", "text visible"]);
    let tags = has(&["tag"]);
    let objects = has(&["object"]);
    let dense = has(&["detail", "dense", "region"]);
    let caption = !(read || tags || objects || dense) || has(&["caption", "alt text", "one-line", "sentence"]);
    // In the order of `Feature`, without sorting (whose code would weigh on the page).
    let wanted = [caption, dense, tags, objects, read];
    Feature::ALL.into_iter().zip(wanted).filter_map(|(feature, on)| on.then_some(feature)).collect()
}

/// What a field is filled from, by its name.
fn source_of(name: &str) -> Feature {
    match name {
        "tags" | "keywords" | "hashtags" => Feature::Tags,
        "text" | "transcription" | "ocr" => Feature::Read,
        "objects" => Feature::Objects,
        "long_description" | "description" | "bullet_points" | "details" => Feature::DenseCaptions,
        _ => Feature::Caption,
    }
}

/// The features an answer in fields needs: each field's, by its name (`tags` → tags,
/// `text` → read, `alt_text`/`caption`/`title` → caption, `description` → dense captions…).
pub fn features_for_fields(fields: &[Field]) -> Vec<Feature> {
    Feature::ALL.into_iter().filter(|feature| fields.iter().any(|f| source_of(&f.name) == *feature)).collect()
}

/// The features one call asks for: the fields' when the answer has fields, else the prompt's.
pub fn features(prompt: &str, fields: &[Field]) -> Vec<Feature> {
    if fields.is_empty() {
        features_for(prompt)
    } else {
        features_for_fields(fields)
    }
}

/// `{endpoint}/computervision/imageanalysis:analyze?api-version=…&features=…`, captions
/// asked without gender (the reference app's choice, and right for alt text).
pub fn analyze_url(endpoint: &str, features: &[Feature]) -> String {
    let names: Vec<&str> = features.iter().map(|f| f.as_str()).collect();
    let mut url = format!(
        "{}/computervision/imageanalysis:analyze?api-version={API_VERSION}&features={}",
        endpoint.trim_end_matches('/'),
        names.join(",")
    );
    if features.iter().any(|f| matches!(f, Feature::Caption | Feature::DenseCaptions)) {
        url.push_str("&gender-neutral-caption=true");
    }
    url
}

/// One thing found, with how sure the service is of it (0 to 1).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Scored {
    #[serde(alias = "name")]
    pub text: String,
    #[serde(default)]
    pub confidence: f64,
}

/// An analyze result, as far as picscribe reads it.
#[derive(Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Analysis {
    #[serde(default)]
    pub caption_result: Option<Scored>,
    #[serde(default)]
    pub dense_captions_result: Option<Values<Scored>>,
    #[serde(default)]
    pub tags_result: Option<Values<Scored>>,
    #[serde(default)]
    pub objects_result: Option<Values<Object>>,
    #[serde(default)]
    pub read_result: Option<ReadResult>,
}

#[derive(Debug, PartialEq, Deserialize)]
pub struct Values<T> {
    #[serde(default = "Vec::new")]
    pub values: Vec<T>,
}

/// A detected object: its best guesses at what it is.
#[derive(Debug, PartialEq, Deserialize)]
pub struct Object {
    #[serde(default)]
    pub tags: Vec<Scored>,
}

#[derive(Debug, PartialEq, Deserialize)]
pub struct ReadResult {
    #[serde(default)]
    pub blocks: Vec<Block>,
}

#[derive(Debug, PartialEq, Deserialize)]
pub struct Block {
    #[serde(default)]
    pub lines: Vec<Line>,
}

#[derive(Debug, PartialEq, Deserialize)]
pub struct Line {
    pub text: String,
}

pub fn parse_analysis(body: &str) -> Result<Analysis, serde_json::Error> {
    serde_json::from_str(body)
}

/// "mug (0.99)": a name with its confidence, as rows show it and [`at_least`] reads it.
fn scored(item: &Scored) -> String {
    format!("{} ({:.2})", item.text.trim(), item.confidence)
}

/// A sentence from the service's lowercase caption: "A white mug on a wooden table."
fn sentence(text: &str) -> String {
    let text = text.trim();
    let mut chars = text.chars();
    let Some(first) = chars.next() else { return String::new() };
    let mut out: String = std::iter::once(first.to_ascii_uppercase()).chain(chars).collect();
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

impl Analysis {
    /// The row's text, each feature asked in a paragraph of its own: the caption as a
    /// sentence, dense captions one a line, tags and objects as `name (0.97)` entries
    /// (strongest first), the text read line by line.
    pub fn text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(caption) = &self.caption_result {
            parts.push(sentence(&caption.text));
        }
        if let Some(dense) = &self.dense_captions_result {
            // The first dense caption is the whole image's, the caption again.
            let lines: Vec<String> = dense.values.iter().skip(1).map(|d| sentence(&d.text)).collect();
            if !lines.is_empty() {
                parts.push(lines.join("\n"));
            }
        }
        if let Some(tags) = &self.tags_result {
            parts.push(listed(tags.values.iter()));
        }
        if let Some(objects) = &self.objects_result {
            parts.push(listed(objects.values.iter().filter_map(|o| o.tags.first())));
        }
        if let Some(read) = &self.read_result {
            let lines: Vec<&str> = read.blocks.iter().flat_map(|b| b.lines.iter().map(|l| l.text.as_str())).collect();
            parts.push(lines.join("\n"));
        }
        parts.retain(|p| !p.is_empty());
        parts.join("\n\n")
    }

    /// The answer in fields, as a model would give it: each field from its feature
    /// ([`features_for_fields`]), tags and objects as `name (0.97)` items.
    pub fn answer(&self, fields: &[Field]) -> Value {
        let mut answer = serde_json::Map::new();
        for field in fields {
            let value = match (&field.kind, source_of(&field.name)) {
                (FieldKind::List, feature) => Value::from(self.items(feature, field.name == "hashtags")),
                (FieldKind::Text, feature) => Value::from(self.items(feature, false).join(match feature {
                    Feature::Tags | Feature::Objects => ", ",
                    _ => "\n",
                })),
                (FieldKind::Number, _) => json!(0),
                (FieldKind::YesNo, _) => json!(false),
                (FieldKind::Choice { choices }, _) => Value::from(choices.first().cloned().unwrap_or_default()),
            };
            answer.insert(field.name.clone(), value);
        }
        Value::Object(answer)
    }

    /// One feature's findings as separate items.
    fn items(&self, feature: Feature, hashtags: bool) -> Vec<String> {
        match feature {
            Feature::Caption => self.caption_result.iter().map(|c| sentence(&c.text)).collect(),
            Feature::DenseCaptions => self
                .dense_captions_result
                .iter()
                .flat_map(|d| d.values.iter().skip(1).map(|d| sentence(&d.text)))
                .collect(),
            Feature::Tags if hashtags => {
                let tags = self.tags_result.iter().flat_map(|t| t.values.iter());
                tags.map(|t| format!("#{} ({:.2})", t.text.trim().replace(' ', ""), t.confidence)).collect()
            }
            Feature::Tags => sorted(self.tags_result.iter().flat_map(|t| t.values.iter())),
            Feature::Objects => {
                sorted(self.objects_result.iter().flat_map(|o| o.values.iter().filter_map(|o| o.tags.first())))
            }
            Feature::Read => self
                .read_result
                .iter()
                .flat_map(|r| r.blocks.iter().flat_map(|b| b.lines.iter().map(|l| l.text.clone())))
                .collect(),
        }
    }
}

/// Strongest first, each as `name (0.97)`.
fn sorted<'a>(items: impl Iterator<Item = &'a Scored>) -> Vec<String> {
    let mut items: Vec<&Scored> = items.collect();
    items.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    items.iter().map(|s| scored(s)).collect()
}

fn listed<'a>(items: impl Iterator<Item = &'a Scored>) -> String {
    sorted(items).join(", ")
}

/// A row's text with the `name (0.42)` entries under `min` left out: what "Minimum
/// confidence" keeps, in the row's view and in every export. Lines that are not such a
/// list (a caption, text read) and entries without a confidence (typed by hand) stay.
pub fn at_least(text: &str, min: f64) -> String {
    text.split('\n')
        .map(|line| {
            let entries: Vec<&str> = line.split(", ").collect();
            if !entries.iter().all(|e| confidence(e).is_some()) {
                return line.to_string();
            }
            let kept: Vec<&str> = entries.into_iter().filter(|e| confidence(e).is_some_and(|c| c >= min)).collect();
            kept.join(", ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A field's list with the `name (0.42)` items under `min` left out, as [`at_least`].
pub fn items_at_least(items: &[String], min: f64) -> Vec<String> {
    items.iter().filter(|item| confidence(item).is_none_or(|c| c >= min)).cloned().collect()
}

/// The confidence of a `name (0.97)` entry.
fn confidence(entry: &str) -> Option<f64> {
    let (name, rest) = entry.trim().rsplit_once(" (")?;
    let value: f64 = rest.strip_suffix(')')?.parse().ok()?;
    (!name.is_empty() && (0.0..=1.0).contains(&value)).then_some(value)
}

/// The error document's codes: `{"error": {"code", "message", "innererror": {"code"}}}`.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    error: ErrorDetail,
}

#[derive(Debug, Default, Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    message: String,
    #[serde(default)]
    innererror: Option<Inner>,
}

#[derive(Debug, Default, Deserialize)]
struct Inner {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// Whether an error says a feature is not offered in the resource's region (captions and
/// dense captions are in a few regions only).
pub fn is_not_in_region(body: &str) -> bool {
    let parsed: ErrorBody = serde_json::from_str(body).unwrap_or_default();
    let inner = parsed.error.innererror.unwrap_or_default();
    let said = format!("{} {} {}", parsed.error.message, inner.code, inner.message).to_ascii_lowercase();
    inner.code == "NotSupportedFeature" || (said.contains("not supported") && said.contains("region"))
}

#[cfg(test)]
#[path = "azure_vision_tests.rs"]
mod tests;
