//! JSON for scripts (an array of objects with everything the table knows) and JSONL as
//! Hugging Face's `imagefolder` reads it (`metadata.jsonl`: `file_name` and `text`).

use serde::Serialize;

use super::compare::Answer;
use super::ExportRow;
use crate::fields::Values;

#[derive(Serialize)]
struct Full<'a> {
    filename: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a Values>,
    prompt: &'a str,
    provider: &'a str,
    model: &'a str,
    tokens: Option<u32>,
    /// Both models' answers when two were compared; the row's own text is the one chosen.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    answers: Vec<Answer<'a>>,
}

#[derive(Serialize)]
struct Caption<'a> {
    file_name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    url: &'a str,
    text: &'a str,
}

/// A pretty-printed array, one object per row, in table order.
pub fn to_json(rows: &[ExportRow]) -> Result<String, serde_json::Error> {
    let full: Vec<Full<'_>> = rows
        .iter()
        .map(|row| Full {
            filename: &row.filename,
            url: &row.url,
            description: row.values.is_none().then_some(row.description.as_str()),
            fields: row.values.as_ref(),
            prompt: &row.prompt,
            provider: &row.provider,
            model: &row.model,
            tokens: row.tokens,
            answers: row.answers.iter().map(Answer::of).collect(),
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&full)?;
    text.push('\n');
    Ok(text)
}

/// One line per described image: `{"file_name": …, "text": …}`, or `file_name` and the
/// fields as columns. Rows without a description are left out, as a dataset has no use
/// for them.
pub fn to_jsonl(rows: &[ExportRow]) -> Result<String, serde_json::Error> {
    let mut out = String::new();
    for row in rows.iter().filter(|row| row.has_text()) {
        let line = match &row.values {
            Some(values) => {
                let mut line = Values::new();
                line.insert("file_name".into(), row.filename.clone().into());
                if !row.url.is_empty() {
                    line.insert("url".into(), row.url.clone().into());
                }
                line.extend(values.clone());
                serde_json::to_string(&line)?
            }
            None => {
                serde_json::to_string(&Caption { file_name: &row.filename, url: &row.url, text: &row.description })?
            }
        };
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rows() -> Vec<ExportRow> {
        vec![
            ExportRow {
                filename: "mug \"blue\".jpg".into(),
                description: "A blue mug.\nSecond line.".into(),
                prompt: "Alt text".into(),
                provider: "openai".into(),
                model: "gpt-4o-mini".into(),
                tokens: Some(131),
                values: None,
                ..ExportRow::default()
            },
            ExportRow { filename: "日本語.png".into(), ..ExportRow::default() },
        ]
    }

    #[test]
    fn json_is_an_array_with_everything() -> Result<(), serde_json::Error> {
        let text = to_json(&rows())?;
        let back: serde_json::Value = serde_json::from_str(&text)?;
        assert_eq!(
            back,
            serde_json::json!([
                {"filename": "mug \"blue\".jpg", "description": "A blue mug.\nSecond line.", "prompt": "Alt text",
                 "provider": "openai", "model": "gpt-4o-mini", "tokens": 131},
                {"filename": "日本語.png", "description": "", "prompt": "", "provider": "", "model": "", "tokens": null}
            ])
        );
        let fielded = ExportRow {
            filename: "m.jpg".into(),
            values: json!({"title": "Mug", "tags": ["a"]}).as_object().cloned(),
            ..ExportRow::default()
        };
        let back: serde_json::Value = serde_json::from_str(&to_json(&[fielded])?)?;
        assert_eq!(back[0]["fields"], json!({"title": "Mug", "tags": ["a"]}));
        assert_eq!(back[0].get("description"), None);
        assert_eq!(to_json(&[])?, "[]\n");
        Ok(())
    }

    #[test]
    fn a_compared_row_keeps_both_answers_and_says_the_chosen_one() -> Result<(), serde_json::Error> {
        let answer = |provider: &str, model: &str, text: &str| ExportRow {
            filename: "mug.jpg".into(),
            description: text.into(),
            provider: provider.into(),
            model: model.into(),
            tokens: Some(90),
            ..ExportRow::default()
        };
        let (a, b) =
            (answer("openai", "gpt-4o-mini", "A mug."), answer("anthropic", "claude-haiku-4-5", "A blue mug."));
        let chosen = ExportRow { answers: vec![a, b.clone()], ..b };
        let back: serde_json::Value = serde_json::from_str(&to_json(&[chosen])?)?;
        assert_eq!((&back[0]["description"], &back[0]["model"]), (&json!("A blue mug."), &json!("claude-haiku-4-5")));
        assert_eq!(
            back[0]["answers"],
            json!([
                {"description": "A mug.", "provider": "openai", "model": "gpt-4o-mini", "tokens": 90},
                {"description": "A blue mug.", "provider": "anthropic", "model": "claude-haiku-4-5", "tokens": 90}
            ])
        );
        Ok(())
    }

    #[test]
    fn jsonl_has_one_line_per_described_image() -> Result<(), serde_json::Error> {
        let text = to_jsonl(&rows())?;
        assert_eq!(text, "{\"file_name\":\"mug \\\"blue\\\".jpg\",\"text\":\"A blue mug.\\nSecond line.\"}\n");
        assert_eq!(to_jsonl(&[])?, "");
        let fielded = ExportRow {
            filename: "m.jpg".into(),
            values: json!({"title": "Mug", "tags": ["a"]}).as_object().cloned(),
            ..ExportRow::default()
        };
        assert_eq!(to_jsonl(&[fielded])?, "{\"file_name\":\"m.jpg\",\"title\":\"Mug\",\"tags\":[\"a\"]}\n");
        Ok(())
    }
}
