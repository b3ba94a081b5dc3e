//! What the stub answers a request it has read: a sentence naming the image (or an item's
//! images) and the prompt, or, when asked for fields, a JSON object that fits the schema,
//! sent as structured output or, for servers without it, found in the prompt; and the
//! tokens it reports.

use serde_json::Value;

use super::{wire, Fault, Recorded};

/// The schema picscribe puts after "JSON Schema: " in the prompt for servers that cannot
/// take it as structured output.
pub fn schema_in_prompt(prompt: &str) -> Option<Value> {
    let (_, rest) = prompt.split_once("JSON Schema: ")?;
    serde_json::Deserializer::from_str(rest).into_iter::<Value>().next()?.ok()
}

/// What the stub answers a request it has read: the text (JSON when fields were asked
/// for, in the schema or only in the prompt) and the tokens it reports.
pub fn reply_text(fault: Option<&Fault>, recorded: &Recorded) -> (String, wire::Tokens) {
    let schema = recorded.schema.clone().or_else(|| schema_in_prompt(&recorded.prompt));
    let text = match (fault, schema) {
        (Some(Fault::Misfit), _) => r#"{"unexpected": "no fields here"}"#.to_string(),
        (Some(Fault::Apology), _) => "I'm sorry, but I can't help with identifying people in images.".to_string(),
        (_, Some(schema)) => answer_for(&schema, recorded).to_string(),
        // An item's photos together: each named by its size, so a test sees them all.
        _ if recorded.images.len() > 1 => format!(
            "Stub description of {} images ({}) for the prompt “{}”.",
            recorded.images.len(),
            recorded.images.iter().map(|(w, h)| format!("{w}×{h}")).collect::<Vec<_>>().join(", "),
            recorded.prompt.chars().take(40).collect::<String>()
        ),
        _ => format!(
            "Stub description of a {}×{} {} image for the prompt “{}”.",
            recorded.width,
            recorded.height,
            recorded.image_mime.trim_start_matches("image/").to_ascii_uppercase(),
            recorded.prompt.chars().take(40).collect::<String>()
        ),
    };
    let usage = wire::Tokens {
        prompt: 85 * recorded.images.len().max(1) as u32 + recorded.prompt.split_whitespace().count() as u32,
        completion: text.split_whitespace().count() as u32,
    };
    (text, usage)
}

/// An answer that fits `schema`: each property filled after its type, the first text
/// naming the image so tests can tell rows apart.
pub fn answer_for(schema: &Value, recorded: &Recorded) -> Value {
    let mut answer = serde_json::Map::new();
    let properties = schema["properties"].as_object().cloned().unwrap_or_default();
    for (i, (name, property)) in properties.iter().enumerate() {
        let value = match (&property["type"], property["enum"].as_array()) {
            (_, Some(choices)) => choices.first().cloned().unwrap_or(Value::Null),
            (kind, _) if kind == "array" => serde_json::json!([format!("{name} one"), format!("{name} two")]),
            (kind, _) if kind == "number" => serde_json::json!(42),
            (kind, _) if kind == "boolean" => Value::Bool(true),
            _ if i == 0 => Value::from(format!("Stub {name} of a {}×{} image", recorded.width, recorded.height)),
            _ => Value::from(format!("Stub {name}")),
        };
        answer.insert(name.clone(), value);
    }
    Value::Object(answer)
}
