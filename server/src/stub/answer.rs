//! What the stub answers when asked for fields: a JSON object that fits the schema, sent
//! as structured output or, for servers without it, found in the prompt.

use serde_json::Value;

use super::Recorded;

/// The schema picscribe puts after "JSON Schema: " in the prompt for servers that cannot
/// take it as structured output.
pub fn schema_in_prompt(prompt: &str) -> Option<Value> {
    let (_, rest) = prompt.split_once("JSON Schema: ")?;
    serde_json::Deserializer::from_str(rest).into_iter::<Value>().next()?.ok()
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
