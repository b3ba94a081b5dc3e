//! Two models side by side (or more): one column per model in CSV, every answer kept in
//! JSON and JSONL, for the command's `--compare` and the page's compared rows.

use serde::Serialize;

use super::ExportRow;
use crate::fields::Values;

/// One image's answers, one per model in the order of the labels (none where a model gave
/// none).
pub type Compared = Vec<Option<ExportRow>>;

/// One model's answer as JSON: its text or fields, and what made it.
#[derive(Serialize)]
pub(super) struct Answer<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a Values>,
    provider: &'a str,
    model: &'a str,
    tokens: Option<u32>,
}

#[derive(Serialize)]
struct Side<'a> {
    filename: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    url: &'a str,
    /// By label (`openai:gpt-4o-mini`); a model that gave no answer is left out.
    answers: serde_json::Map<String, serde_json::Value>,
}

impl<'a> Answer<'a> {
    pub(super) fn of(row: &'a ExportRow) -> Answer<'a> {
        Answer {
            description: row.values.is_none().then_some(row.description.as_str()),
            fields: row.values.as_ref(),
            provider: &row.provider,
            model: &row.model,
            tokens: row.tokens,
        }
    }
}

fn first(row: &Compared) -> Option<&ExportRow> {
    row.iter().flatten().next()
}

fn side<'a>(labels: &[String], row: &'a Compared) -> Option<Side<'a>> {
    let named = first(row)?;
    let mut answers = serde_json::Map::new();
    for (label, answer) in labels.iter().zip(row) {
        let Some(answer) = answer.as_ref().filter(|a| a.has_text()) else { continue };
        answers.insert(label.clone(), serde_json::to_value(Answer::of(answer)).unwrap_or_default());
    }
    Some(Side { filename: &named.filename, url: &named.url, answers })
}

/// `filename`, `url` when any image came from one, then each model's text (its caption:
/// the description, or the first field with something in it).
pub fn to_csv(labels: &[String], rows: &[Compared]) -> Result<String, ::csv::Error> {
    let with_url = rows.iter().filter_map(first).any(|r| !r.url.is_empty());
    let mut writer = ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(Vec::new());
    let mut header = vec!["filename".to_string()];
    if with_url {
        header.push("url".into());
    }
    header.extend(labels.iter().cloned());
    writer.write_record(&header)?;
    for row in rows {
        let Some(named) = first(row) else { continue };
        let mut record = vec![named.filename.clone()];
        if with_url {
            record.push(named.url.clone());
        }
        record.extend(row.iter().map(|answer| answer.as_ref().map(ExportRow::caption).unwrap_or_default()));
        writer.write_record(&record)?;
    }
    let bytes = writer.into_inner().map_err(|err| ::csv::Error::from(err.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A pretty-printed array: each image with every model's answer by label.
pub fn to_json(labels: &[String], rows: &[Compared]) -> Result<String, serde_json::Error> {
    let sides: Vec<Side<'_>> = rows.iter().filter_map(|row| side(labels, row)).collect();
    let mut text = serde_json::to_string_pretty(&sides)?;
    text.push('\n');
    Ok(text)
}

/// The same, one image a line.
pub fn to_jsonl(labels: &[String], rows: &[Compared]) -> Result<String, serde_json::Error> {
    let mut out = String::new();
    for side in rows.iter().filter_map(|row| side(labels, row)) {
        out.push_str(&serde_json::to_string(&side)?);
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Described;

    fn answer(model: &str, text: &str) -> Option<ExportRow> {
        let made = Described {
            key: "k".into(),
            prompt: "Alt".into(),
            provider: "p".into(),
            model: model.into(),
            tokens: Some(9),
        };
        Some(ExportRow::new("mug.jpg", text.into(), None, Some(&made)))
    }

    #[test]
    fn one_column_per_model_and_every_answer_in_json() -> Result<(), Box<dyn std::error::Error>> {
        let labels = vec!["openai:gpt-4o-mini".to_string(), "anthropic:claude-haiku-4-5".to_string()];
        let rows = vec![
            vec![answer("gpt-4o-mini", "A blue mug."), answer("claude-haiku-4-5", "A mug, blue, on oak.")],
            vec![None, None],
            vec![answer("gpt-4o-mini", "A lamp, \"brass\"."), None],
        ];
        let csv = to_csv(&labels, &rows)?;
        assert_eq!(
            csv,
            "filename,openai:gpt-4o-mini,anthropic:claude-haiku-4-5\r\nmug.jpg,A blue mug.,\"A mug, blue, on oak.\"\r\n\
             mug.jpg,\"A lamp, \"\"brass\"\".\",\r\n"
        );
        let json: serde_json::Value = serde_json::from_str(&to_json(&labels, &rows)?)?;
        assert_eq!(json[0]["answers"]["anthropic:claude-haiku-4-5"]["description"], "A mug, blue, on oak.");
        assert_eq!(json[0]["answers"]["openai:gpt-4o-mini"]["model"], "gpt-4o-mini");
        assert!(json[1]["answers"].get("anthropic:claude-haiku-4-5").is_none(), "no answer, no entry");
        assert_eq!(to_jsonl(&labels, &rows)?.lines().count(), 2);
        Ok(())
    }
}
