//! Analyse first, then describe: what a first stage (Azure AI Vision, or the built-in image
//! facts) is asked for, what it found, and the describing prompt's variables it fills —
//! `{tags}` (above the minimum confidence), `{caption}`, `{text}`, `{objects}`. Pure.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::azure_vision::items_at_least;
use crate::fields::{Field, FieldKind, Values};

/// The first stage that needs no provider: facts picscribe finds in the image itself.
pub const BUILTIN: &str = "builtin";

/// The first stage that reads the text in the image on this server, into `{text}`.
pub const BUILTIN_TEXT: &str = "builtin-text";

/// The built-in text extraction's model, as rows, prices and cache keys name it.
pub const TEXT_MODEL: &str = "pp-ocrv4";

/// What the reference app keeps: tags the service is at least 60 % sure of.
pub const DEFAULT_MIN_CONFIDENCE: f32 = 0.6;

/// The variables a first stage fills, for the hint under the prompt.
pub const VARIABLES: [&str; 4] = ["{tags}", "{caption}", "{text}", "{objects}"];

/// "First analyse with": a provider of the `azure-vision` kind (its id), or [`BUILTIN`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FirstStage {
    pub with: String,
    /// Tags and objects under this (0 to 1) are left out of `{tags}` and `{objects}`.
    pub min_confidence: f32,
}

impl FirstStage {
    /// Its part of the describing call's cache key: the same image analysed the same way
    /// finds the same, so the key names the analysis rather than what it found.
    pub fn key_part(&self) -> String {
        format!("first:{}:{}:{}", self.with.len(), self.with, super::temperature_text(self.min_confidence))
    }
}

/// What a first stage found, ready for a prompt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Found {
    pub tags: String,
    pub caption: String,
    pub text: String,
    pub objects: String,
}

/// The fields the first stage is asked to fill: one for each variable the prompt uses;
/// tags and a caption when it uses none.
pub fn fields_for(template: &str) -> Vec<Field> {
    let all = [
        ("tags", FieldKind::List, "{tags}"),
        ("caption", FieldKind::Text, "{caption}"),
        ("text", FieldKind::Text, "{text}"),
        ("objects", FieldKind::List, "{objects}"),
    ];
    let used: Vec<Field> = all
        .iter()
        .filter(|(_, _, variable)| template.contains(variable))
        .map(|(name, kind, _)| Field::new(name, kind.clone(), ""))
        .collect();
    if used.is_empty() {
        return vec![Field::new("tags", FieldKind::List, ""), Field::new("caption", FieldKind::Text, "")];
    }
    used
}

impl Found {
    /// From the first stage's answer in [`fields_for`]'s fields: lists at `min` or more,
    /// without their confidences ("mug, tableware").
    pub fn from_answer(values: &Values, min: f32) -> Found {
        let text = |name: &str| values.get(name).and_then(Value::as_str).unwrap_or_default().trim().to_string();
        let list = |name: &str| {
            let items: Vec<String> = values
                .get(name)
                .and_then(Value::as_array)
                .map(|items| items.iter().filter_map(Value::as_str).map(String::from).collect())
                .unwrap_or_default();
            let kept = items_at_least(&items, f64::from(min));
            kept.iter().map(|item| without_confidence(item)).collect::<Vec<_>>().join(", ")
        };
        Found { tags: list("tags"), caption: text("caption"), text: text("text"), objects: list("objects") }
    }

    /// The describing prompt with what was found in its variables; a prompt that names
    /// none gets a line with the tags and the caption, so the analysis is never paid for
    /// and then left out.
    pub fn fill(&self, template: &str) -> String {
        let or_none =
            |value: &str| if value.trim().is_empty() { "(none found)".to_string() } else { value.to_string() };
        if !VARIABLES.iter().any(|v| template.contains(v)) {
            return format!(
                "{}\n\nAn image analysis found — tags: {}; caption: {}",
                template.trim_end(),
                or_none(&self.tags),
                or_none(&self.caption)
            );
        }
        template
            .replace("{tags}", &or_none(&self.tags))
            .replace("{caption}", &or_none(&self.caption))
            .replace("{text}", &or_none(&self.text))
            .replace("{objects}", &or_none(&self.objects))
    }
}

/// The describing prompt for a first stage that reads only the text: one that names no
/// variable is followed by the text to quote, so what was read is never left out.
pub fn with_text(template: &str) -> String {
    if VARIABLES.iter().any(|v| template.contains(v)) {
        return template.to_string();
    }
    format!("{}\n\nThe text in the image, to quote exactly where it matters: {{text}}", template.trim_end())
}

/// "mug (0.99)" → "mug".
fn without_confidence(item: &str) -> &str {
    match item.rsplit_once(" (") {
        Some((name, rest)) if rest.ends_with(')') && rest[..rest.len() - 1].parse::<f64>().is_ok() => name,
        _ => item,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn values(answer: Value) -> Values {
        match answer {
            Value::Object(map) => map.into_iter().collect(),
            _ => Values::new(),
        }
    }

    #[test]
    fn the_prompt_says_what_to_analyse() {
        let names = |template: &str| fields_for(template).into_iter().map(|f| f.name).collect::<Vec<_>>();
        assert_eq!(names("A vivid one-line caption from these tags: {tags}"), ["tags"]);
        assert_eq!(
            names("Alt text; quote this exactly: {text}. Seen: {objects}, {caption}"),
            ["caption", "text", "objects"]
        );
        assert_eq!(names("Alt text"), ["tags", "caption"], "none named: tags and a caption");
    }

    #[test]
    fn found_keeps_what_is_sure_enough_and_fills_the_prompt() {
        let answer = values(json!({
            "tags": ["mug (0.99)", "tableware (0.93)", "indoor (0.42)"],
            "caption": "A white mug on a table.",
            "objects": ["cup (0.81)", "spoon (0.30)"],
        }));
        let found = Found::from_answer(&answer, 0.6);
        assert_eq!(
            found,
            Found {
                tags: "mug, tableware".into(),
                caption: "A white mug on a table.".into(),
                text: String::new(),
                objects: "cup".into()
            }
        );
        assert_eq!(Found::from_answer(&answer, 0.0).tags, "mug, tableware, indoor");
        let cases = [
            ("Caption from these tags: {tags}", "Caption from these tags: mug, tableware"),
            ("Quote: {text}", "Quote: (none found)"),
            ("{caption} ({objects})", "A white mug on a table. (cup)"),
            (
                "Alt text\n",
                "Alt text\n\nAn image analysis found — tags: mug, tableware; caption: A white mug on a table.",
            ),
        ];
        for (template, want) in cases {
            assert_eq!(found.fill(template), want, "{template}");
        }
    }

    #[test]
    fn the_key_names_the_analysis() {
        let first = FirstStage { with: "azure-vision".into(), min_confidence: 0.6 };
        assert_eq!(first.key_part(), "first:12:azure-vision:0.6");
        assert_ne!(first.key_part(), FirstStage { min_confidence: 0.7, ..first.clone() }.key_part());
        assert_ne!(first.key_part(), FirstStage { with: BUILTIN.into(), ..first.clone() }.key_part());
    }

    #[test]
    fn the_text_read_first_is_quoted_even_where_the_prompt_names_no_variable() {
        let cases = [
            ("Alt text.", "Alt text.\n\nThe text in the image, to quote exactly where it matters: {text}"),
            ("Alt text quoting {text}", "Alt text quoting {text}"),
            ("Tags: {tags}", "Tags: {tags}"),
        ];
        for (template, want) in cases {
            assert_eq!(with_text(template), want, "{template}");
        }
    }
}
