//! "Import descriptions": text written elsewhere (a CSV from a spreadsheet, a
//! `metadata.jsonl`, picscribe's own JSON) brought into the rows with the same file name.
//! Pure, so every shape is a table test.

use serde_json::Value;

use crate::fields::{from_text, Field, FieldKind, Values};

/// One image's text from the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    pub filename: String,
    /// Free text (`description` or `text`).
    pub text: Option<String>,
    /// Everything else that is not bookkeeping, as fields.
    pub values: Option<Values>,
}

const NAME_KEYS: [&str; 3] = ["filename", "file_name", "file"];
const TEXT_KEYS: [&str; 2] = ["description", "text"];
/// Columns picscribe's own exports add that are not the image's text.
const BOOKKEEPING: [&str; 5] = ["prompt", "provider", "model", "tokens", "fields"];

/// Reads a CSV, JSONL or JSON file. `fields` are the ones asked for now: a column with
/// one of their names takes its type (a list cell splits at `;`).
pub fn parse(file_name: &str, text: &str, fields: &[Field]) -> Result<Vec<Imported>, String> {
    let lower = file_name.to_ascii_lowercase();
    let text = text.trim_start_matches('\u{FEFF}');
    let rows = if lower.ends_with(".csv") {
        parse_csv(text, fields)?
    } else if lower.ends_with(".json") {
        let items: Vec<Value> = serde_json::from_str(text)
            .map_err(|_| format!("{file_name} is not a JSON array of objects, so nothing was imported."))?;
        items.into_iter().filter_map(from_object).collect()
    } else {
        let mut rows = Vec::new();
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let value: Value = serde_json::from_str(line)
                .map_err(|_| format!("Line {} of {file_name} is not JSON, so nothing was imported.", n + 1))?;
            rows.extend(from_object(value));
        }
        rows
    };
    if rows.is_empty() {
        return Err(format!(
            "{file_name} has no rows with a file name (a filename or file_name column), so nothing was imported."
        ));
    }
    Ok(rows)
}

fn from_object(value: Value) -> Option<Imported> {
    let Value::Object(mut object) = value else { return None };
    let filename = NAME_KEYS.iter().find_map(|k| object.remove(*k)).and_then(|v| v.as_str().map(str::to_string))?;
    let text = TEXT_KEYS.iter().find_map(|k| object.remove(*k)).and_then(|v| v.as_str().map(str::to_string));
    // picscribe's JSON export nests the fields.
    let mut values = match object.remove("fields") {
        Some(Value::Object(fields)) => fields,
        _ => Values::new(),
    };
    values.extend(object.into_iter().filter(|(k, _)| !BOOKKEEPING.contains(&k.as_str())));
    Some(Imported { filename, text, values: (!values.is_empty()).then_some(values) })
}

fn parse_csv(text: &str, fields: &[Field]) -> Result<Vec<Imported>, String> {
    let unreadable = |_| "The CSV could not be read; nothing was imported.".to_string();
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> =
        reader.headers().map_err(unreadable)?.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    let Some(name_at) = header.iter().position(|h| NAME_KEYS.contains(&h.as_str())) else {
        return Err("The CSV has no filename column, so nothing was imported.".into());
    };
    let text_at = header.iter().position(|h| TEXT_KEYS.contains(&h.as_str()));
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(unreadable)?;
        let Some(filename) = record.get(name_at).map(str::trim).filter(|n| !n.is_empty()) else { continue };
        let mut values = Values::new();
        for (at, column) in header.iter().enumerate() {
            if at == name_at || Some(at) == text_at || BOOKKEEPING.contains(&column.as_str()) {
                continue;
            }
            let cell = record.get(at).unwrap_or_default();
            let kind = fields.iter().find(|f| &f.name == column).map(|f| f.kind.clone()).unwrap_or_default();
            let value = match kind {
                FieldKind::List => from_text(&kind, &cell.replace(';', "\n")),
                kind => from_text(&kind, cell),
            };
            values.insert(column.clone(), value);
        }
        rows.push(Imported {
            filename: filename.to_string(),
            text: text_at.and_then(|at| record.get(at)).map(str::to_string),
            values: (!values.is_empty()).then_some(values),
        });
    }
    Ok(rows)
}

/// The fields imported values answer: the ones asked for now where the names match,
/// else a type read off the value.
pub fn fields_for(values: &Values, asked: &[Field]) -> Vec<Field> {
    values
        .iter()
        .map(|(name, value)| match asked.iter().find(|f| &f.name == name) {
            Some(field) => field.clone(),
            None => {
                let kind = match value {
                    Value::Array(_) => FieldKind::List,
                    Value::Number(_) => FieldKind::Number,
                    Value::Bool(_) => FieldKind::YesNo,
                    _ => FieldKind::Text,
                };
                Field::new(name, kind, "")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::fields::preset_fields;

    fn values(value: Value) -> Option<Values> {
        value.as_object().cloned()
    }

    #[test]
    fn each_shape_comes_in() {
        let product = preset_fields("Product description");
        let csv = "\u{FEFF}filename,title,bullet_points,prompt,model\r\nmug.jpg,Blue mug,300 ml; Dishwasher safe,Alt,m\r\n,nameless,,,\r\n";
        let cases = [
            (
                "sheet.csv",
                "File,Description\n\"café, 1.jpg\",\"A cat,\nasleep.\"\n",
                vec![Imported { filename: "café, 1.jpg".into(), text: Some("A cat,\nasleep.".into()), values: None }],
            ),
            (
                "export.csv",
                csv,
                vec![Imported {
                    filename: "mug.jpg".into(),
                    text: None,
                    values: values(json!({"title": "Blue mug", "bullet_points": ["300 ml", "Dishwasher safe"]})),
                }],
            ),
            (
                "metadata.jsonl",
                "{\"file_name\":\"a.png\",\"text\":\"A dog.\"}\n\n{\"file_name\":\"b.png\",\"tags\":[\"x\"],\"tokens\":3}\n",
                vec![
                    Imported { filename: "a.png".into(), text: Some("A dog.".into()), values: None },
                    Imported { filename: "b.png".into(), text: None, values: values(json!({"tags": ["x"]})) },
                ],
            ),
            (
                "picscribe.json",
                r#"[{"filename":"m.jpg","fields":{"title":"Mug"},"prompt":"p","model":"m","tokens":1},{"filename":"n.jpg","description":"N."}]"#,
                vec![
                    Imported { filename: "m.jpg".into(), text: None, values: values(json!({"title": "Mug"})) },
                    Imported { filename: "n.jpg".into(), text: Some("N.".into()), values: None },
                ],
            ),
        ];
        for (name, text, want) in cases {
            assert_eq!(parse(name, text, &product), Ok(want), "{name}");
        }
    }

    #[test]
    fn files_that_cannot_be_read_say_so() {
        let cases = [
            ("a.csv", "name,text\nx.jpg,y\n", "The CSV has no filename column, so nothing was imported."),
            ("a.jsonl", "{\"file_name\":\"a\"}\nnot json\n", "Line 2 of a.jsonl is not JSON, so nothing was imported."),
            ("a.json", "{}", "a.json is not a JSON array of objects, so nothing was imported."),
            (
                "a.jsonl",
                "{\"text\":\"no name\"}",
                "a.jsonl has no rows with a file name (a filename or file_name column), so nothing was imported.",
            ),
        ];
        for (name, text, said) in cases {
            assert_eq!(parse(name, text, &[]), Err(said.to_string()), "{name}");
        }
    }

    #[test]
    fn imported_values_get_fields() {
        let asked = preset_fields("Tags");
        let got = fields_for(
            &values(json!({"tags": ["a"], "count": 2, "ok": true, "note": "n"})).unwrap_or_default(),
            &asked,
        );
        let kinds: Vec<_> = got.iter().map(|f| (f.name.as_str(), f.kind.clone())).collect();
        assert_eq!(
            kinds,
            [
                ("tags", FieldKind::List),
                ("count", FieldKind::Number),
                ("ok", FieldKind::YesNo),
                ("note", FieldKind::Text)
            ]
        );
        assert_eq!(got[0], asked[0], "the asked-for field, instruction and all");
    }
}
