//! When one free-text description is not enough: named fields with a type and an
//! instruction, the JSON Schema every provider is asked to follow, and the check every
//! answer passes before it may fill a row. Pure, so the page and the server agree.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Number, Value};

/// One thing the model is asked to write about each image.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Field {
    /// A `snake_case` name: the JSON key, the CSV column, the JSONL key.
    pub name: String,
    pub kind: FieldKind,
    /// What to write, in the user's words; sent as the property's description.
    #[serde(default)]
    pub instruction: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "FieldKindWire")]
pub enum FieldKind {
    #[default]
    Text,
    /// A list of short texts (bullet points, tags).
    List,
    Number,
    YesNo,
    /// One of the given choices.
    Choice {
        choices: Vec<String>,
    },
}

/// [`FieldKind`] as it crosses the wire and is remembered, `{"type": "choice", "choices":
/// […]}`, read as a plain struct: serde reads an internally tagged enum by buffering the
/// whole object first (its `Content` type), code the page would otherwise carry only for this.
#[derive(Deserialize)]
struct FieldKindWire {
    #[serde(rename = "type")]
    id: String,
    choices: Option<Vec<String>>,
}

impl TryFrom<FieldKindWire> for FieldKind {
    type Error = &'static str;

    fn try_from(FieldKindWire { id, choices }: FieldKindWire) -> Result<FieldKind, Self::Error> {
        if !FieldKind::NAMES.iter().any(|(known, _)| *known == id) {
            return Err("unknown field type");
        }
        if id == "choice" && choices.is_none() {
            return Err("missing field `choices`");
        }
        Ok(FieldKind::from_id(&id, choices.unwrap_or_default()))
    }
}

/// A row's answer: field name → value, in the fields' order.
pub type Values = Map<String, Value>;

pub const MAX_FIELDS: usize = 20;
pub const MAX_NAME_CHARS: usize = 40;
pub const MAX_INSTRUCTION_CHARS: usize = 500;
pub const MAX_CHOICES: usize = 50;
/// The length screen readers and CMSs advise for alt text.
pub const ALT_TEXT_GUIDANCE: usize = 125;

impl FieldKind {
    pub const NAMES: [(&'static str, &'static str); 5] =
        [("text", "Text"), ("list", "List of text"), ("number", "Number"), ("yes_no", "Yes/no"), ("choice", "One of")];

    pub fn id(&self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::List => "list",
            FieldKind::Number => "number",
            FieldKind::YesNo => "yes_no",
            FieldKind::Choice { .. } => "choice",
        }
    }

    /// The kind for a type picked in the editor, keeping choices already typed.
    pub fn from_id(id: &str, choices: Vec<String>) -> FieldKind {
        match id {
            "list" => FieldKind::List,
            "number" => FieldKind::Number,
            "yes_no" => FieldKind::YesNo,
            "choice" => FieldKind::Choice { choices },
            _ => FieldKind::Text,
        }
    }
}

impl Field {
    pub fn new(name: &str, kind: FieldKind, instruction: &str) -> Field {
        Field { name: name.into(), kind, instruction: instruction.into() }
    }

    /// "bullet_points" → "Bullet points": the words a control's label starts with.
    pub fn label(&self) -> String {
        let words = self.name.replace('_', " ");
        let mut chars = words.trim().chars();
        match chars.next() {
            Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
            None => "Field".into(),
        }
    }

    /// Alt text gets a live character count against [`ALT_TEXT_GUIDANCE`].
    pub fn is_alt_text(&self) -> bool {
        self.kind == FieldKind::Text && matches!(self.name.as_str(), "alt_text" | "alt")
    }
}

/// Why a set of fields cannot be asked for; each is a sentence for the editor.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("Up to {MAX_FIELDS} fields can be asked for at once.")]
    TooMany,
    #[error("“{0}” is not a usable field name: use lowercase letters, digits and _ (up to {MAX_NAME_CHARS}), starting with a letter.")]
    BadName(String),
    #[error("Two fields are called “{0}”; give each its own name.")]
    Duplicate(String),
    #[error("The instruction for “{0}” is longer than {MAX_INSTRUCTION_CHARS} characters.")]
    LongInstruction(String),
    #[error("“{0}” is “one of” but has no choices (or more than {MAX_CHOICES}); list them separated by commas.")]
    BadChoices(String),
}

/// Checks what the page sends, because server functions are a public API.
pub fn check(fields: &[Field]) -> Result<(), FieldError> {
    if fields.len() > MAX_FIELDS {
        return Err(FieldError::TooMany);
    }
    let mut seen = std::collections::HashSet::new();
    for field in fields {
        let name = field.name.as_str();
        let good = name.len() <= MAX_NAME_CHARS
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !good {
            return Err(FieldError::BadName(name.chars().take(MAX_NAME_CHARS).collect()));
        }
        if !seen.insert(name) {
            return Err(FieldError::Duplicate(name.into()));
        }
        if field.instruction.chars().count() > MAX_INSTRUCTION_CHARS {
            return Err(FieldError::LongInstruction(name.into()));
        }
        if let FieldKind::Choice { choices } = &field.kind {
            let usable = choices.iter().all(|c| !c.trim().is_empty() && c.chars().count() <= 100);
            if choices.is_empty() || choices.len() > MAX_CHOICES || !usable {
                return Err(FieldError::BadChoices(name.into()));
            }
        }
    }
    Ok(())
}

/// The JSON Schema of an answer: every field required, nothing else allowed — the subset
/// OpenAI's strict mode, Anthropic's and Gemini's structured output all accept.
pub fn schema(fields: &[Field]) -> Value {
    let properties: Map<String, Value> = fields
        .iter()
        .map(|field| {
            let mut property = match &field.kind {
                FieldKind::Text => json!({"type": "string"}),
                FieldKind::List => json!({"type": "array", "items": {"type": "string"}}),
                FieldKind::Number => json!({"type": "number"}),
                FieldKind::YesNo => json!({"type": "boolean"}),
                FieldKind::Choice { choices } => json!({"type": "string", "enum": choices}),
            };
            let instruction = field.instruction.trim();
            if !instruction.is_empty() {
                property["description"] = Value::from(instruction);
            }
            (field.name.clone(), property)
        })
        .collect();
    let required: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// What the prompt says about the answer's shape. Sent with every structured request, so a
/// server that cannot enforce the schema still gets told it (the fallback).
pub fn instructions(fields: &[Field]) -> String {
    let mut text = String::from("Reply with only a JSON object, no other text, with these keys:");
    for field in fields {
        let kind = match &field.kind {
            FieldKind::Text => "text".to_string(),
            FieldKind::List => "a list of texts".to_string(),
            FieldKind::Number => "a number".to_string(),
            FieldKind::YesNo => "true or false".to_string(),
            FieldKind::Choice { choices } => format!("one of {}", choices.join(", ")),
        };
        text.push_str(&format!("\n- \"{}\" ({kind})", field.name));
        let instruction = field.instruction.trim();
        if !instruction.is_empty() {
            text.push_str(": ");
            text.push_str(instruction);
        }
    }
    text.push_str("\nJSON Schema: ");
    text.push_str(&schema(fields).to_string());
    text
}

/// Why an answer cannot fill a row.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("the answer is not a JSON object")]
    NotJson,
    #[error("the answer has no “{0}”")]
    Missing(String),
    #[error("“{0}” is not {1}")]
    WrongType(String, &'static str),
}

/// Reads a model's answer against the fields: every field present and of its type, text
/// trimmed, keys nobody asked for dropped. Tolerates the ```json fence some models add
/// when they are only told, not made, to answer in JSON.
pub fn parse_answer(fields: &[Field], text: &str) -> Result<Values, AnswerError> {
    let text = text.trim();
    let unfenced = text
        .strip_prefix("```json")
        .or_else(|| text.strip_prefix("```"))
        .and_then(|rest| rest.trim_end().strip_suffix("```"))
        .unwrap_or(text);
    let Ok(Value::Object(mut answer)) = serde_json::from_str::<Value>(unfenced.trim()) else {
        return Err(AnswerError::NotJson);
    };
    let mut values = Values::new();
    for field in fields {
        let value = answer.remove(&field.name).ok_or_else(|| AnswerError::Missing(field.name.clone()))?;
        let wrong = |what| AnswerError::WrongType(field.name.clone(), what);
        let value = match (&field.kind, value) {
            (FieldKind::Text, Value::String(s)) => Value::String(s.trim().to_string()),
            (FieldKind::Text, _) => return Err(wrong("text")),
            (FieldKind::List, Value::Array(items)) => {
                let items: Option<Vec<Value>> =
                    items.into_iter().map(|item| item.as_str().map(|s| Value::String(s.trim().to_string()))).collect();
                Value::Array(items.ok_or_else(|| wrong("a list of texts"))?)
            }
            (FieldKind::List, _) => return Err(wrong("a list of texts")),
            (FieldKind::Number, Value::Number(n)) => Value::Number(n),
            (FieldKind::Number, _) => return Err(wrong("a number")),
            (FieldKind::YesNo, Value::Bool(b)) => Value::Bool(b),
            (FieldKind::YesNo, _) => return Err(wrong("true or false")),
            (FieldKind::Choice { choices }, Value::String(s)) if choices.iter().any(|c| c == s.trim()) => {
                Value::String(s.trim().to_string())
            }
            (FieldKind::Choice { .. }, _) => return Err(wrong("one of the choices")),
        };
        values.insert(field.name.clone(), value);
    }
    Ok(values)
}

/// A value as a person edits it: lists one item a line, yes/no as words.
pub fn to_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(to_text).collect::<Vec<_>>().join("\n"),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// What a person typed, back as the field's value. Text that does not parse as a number
/// or yes/no is kept as typed rather than thrown away.
pub fn from_text(kind: &FieldKind, text: &str) -> Value {
    let trimmed = text.trim();
    match kind {
        FieldKind::List => {
            Value::Array(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(Value::from).collect())
        }
        FieldKind::Number => match (trimmed.parse::<i64>(), trimmed.parse::<f64>().ok().and_then(Number::from_f64)) {
            (Ok(whole), _) => Value::from(whole),
            (_, Some(n)) => Value::Number(n),
            _ => Value::String(text.to_string()),
        },
        FieldKind::YesNo => match trimmed.to_ascii_lowercase().as_str() {
            "yes" | "true" | "y" => Value::Bool(true),
            "no" | "false" | "n" => Value::Bool(false),
            _ => Value::String(text.to_string()),
        },
        FieldKind::Text | FieldKind::Choice { .. } => Value::String(text.to_string()),
    }
}

/// A value in one cell or line of text: lists joined with `separator`.
pub fn joined(value: &Value, separator: &str) -> String {
    match value {
        Value::Array(items) => items.iter().map(|i| joined(i, separator)).collect::<Vec<_>>().join(separator),
        other => to_text(other),
    }
}

/// The part of a cache key the fields make: none when there are none, so free-text
/// descriptions keep their keys.
pub fn key_part(fields: &[Field]) -> Option<String> {
    (!fields.is_empty()).then(|| serde_json::to_string(fields).unwrap_or_default())
}

/// The fields each preset brings.
pub fn preset_fields(preset: &str) -> Vec<Field> {
    let text = |name, instruction| Field::new(name, FieldKind::Text, instruction);
    let list = |name, instruction| Field::new(name, FieldKind::List, instruction);
    match preset {
        "Alt text" => vec![
            text("alt_text", "One sentence, at most 125 characters, of what matters for someone who cannot see it. Do not start with \"Image of\"."),
            text("long_description", "A fuller description for a long description (details, text in the image, layout); empty if the alt text says it all."),
        ],
        "Product description" => vec![
            text("title", "A short product title, at most 80 characters."),
            text("description", "Two or three sentences on what the product is, its material, colour and notable details. No prices."),
            list("bullet_points", "Three to five short selling points."),
            list("tags", "Five to ten lowercase search tags."),
        ],
        "Social caption" => vec![
            text("caption", "An engaging caption, one or two sentences."),
            list("hashtags", "At most three relevant hashtags, each starting with #."),
        ],
        "Extract text" => vec![text("text", "All text visible in the image exactly as written, keeping line breaks; empty if there is none.")],
        "Tags" => vec![list("tags", "Five to ten lowercase tags for the subject, setting and style.")],
        _ => Vec::new(),
    }
}

#[cfg(test)]
#[path = "fields_tests.rs"]
mod tests;
