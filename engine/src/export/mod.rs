//! Getting the table out, in the shape each job needs: CSV for spreadsheets, JSON for
//! scripts, JSONL for Hugging Face datasets, and a `.txt` beside every image for training
//! tools. Every format is a pure function of the rows, table-tested.

pub mod captions;
pub mod compare;
pub mod csv;
pub mod json;
pub mod metadata;

use crate::fields::{joined, Values};
use crate::plan::Described;
use crate::text::count;

pub use self::csv::to_csv;

/// One exported row; what the user sees in the table, edits included.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExportRow {
    pub filename: String,
    /// Where an image from a URL was fetched from; empty for a file.
    pub url: String,
    /// The free-text description; empty when the row's answer is in fields.
    pub description: String,
    /// The answer in fields, when it was asked for in fields.
    pub values: Option<Values>,
    pub prompt: String,
    /// The provider id (`openai`, `anthropic`, a `picscribe.toml` name).
    pub provider: String,
    pub model: String,
    pub tokens: Option<u32>,
    /// Every model's answer when two were compared (the page's "Compare with"), this
    /// row's text being the one chosen; the JSON export keeps them all.
    pub answers: Vec<ExportRow>,
}

impl ExportRow {
    /// An Azure AI Vision row with its tags and objects under `min` left out, as "Minimum
    /// confidence" keeps them; any other row as it is.
    pub fn kept_at(mut self, min: f32) -> ExportRow {
        use crate::describe::azure_vision::{at_least, items_at_least, MODEL};
        if self.model != MODEL {
            return self;
        }
        self.description = at_least(&self.description, f64::from(min));
        if let Some(values) = &mut self.values {
            for value in values.values_mut() {
                if let serde_json::Value::Array(items) = value {
                    let texts: Vec<String> = items.iter().filter_map(|i| i.as_str().map(String::from)).collect();
                    *value = serde_json::Value::from(items_at_least(&texts, f64::from(min)));
                }
            }
        }
        self
    }

    /// A row as exported: its text as it is now (edits included) and what it was made with.
    pub fn new(filename: &str, description: String, values: Option<Values>, described: Option<&Described>) -> Self {
        ExportRow {
            filename: filename.to_string(),
            url: String::new(),
            description,
            values,
            prompt: described.map(|d| d.prompt.clone()).unwrap_or_default(),
            provider: described.map(|d| d.provider.clone()).unwrap_or_default(),
            model: described.map(|d| d.model.clone()).unwrap_or_default(),
            tokens: described.and_then(|d| d.tokens),
            answers: Vec::new(),
        }
    }

    /// The one text a caption file, a dataset line or a voice gets: the description, or
    /// the first field with something in it (lists joined with commas, as tag files are).
    pub fn caption(&self) -> String {
        caption(&self.description, self.values.as_ref())
    }

    /// Whether there is anything to export beyond the file's name.
    pub fn has_text(&self) -> bool {
        !self.caption().trim().is_empty()
    }

    /// The alt text and, when there is one, the longer description written into images:
    /// `alt_text` and `long_description` fields, or else the row's caption.
    pub fn alt_text(&self) -> (String, Option<String>) {
        let field = |name: &str| {
            self.values.as_ref().and_then(|v| v.get(name)).map(|v| joined(v, ", ")).filter(|t| !t.trim().is_empty())
        };
        match field("alt_text") {
            Some(alt) => (alt.trim().to_string(), field("long_description").map(|t| t.trim().to_string())),
            None => (self.caption(), None),
        }
    }
}

/// A row's text as one string: the description, or the first field with something in it
/// (lists joined with commas, as tag files are). What a caption file, a dataset line, a
/// voice and a prompt's `{existing}` get.
pub fn caption(description: &str, values: Option<&Values>) -> String {
    match values {
        Some(values) => values.values().map(|v| joined(v, ", ")).find(|t| !t.trim().is_empty()).unwrap_or_default(),
        None => description.trim().to_string(),
    }
}

/// Every field name the rows have, in the order first met: the extra columns.
pub fn field_names(rows: &[ExportRow]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in rows.iter().filter_map(|r| r.values.as_ref()).flat_map(|v| v.keys()) {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    names
}

/// The ways out, as the toolbar offers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Jsonl,
    Captions,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Csv, Format::Json, Format::Jsonl, Format::Captions];

    /// The button's words.
    pub fn label(self) -> &'static str {
        match self {
            Format::Csv => "Download CSV",
            Format::Json => "Download JSON",
            Format::Jsonl => "Download JSONL",
            Format::Captions => "Download captions (.txt)",
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            Format::Csv => "picscribe.csv",
            Format::Json => "picscribe.json",
            // The name Hugging Face's `imagefolder` looks for.
            Format::Jsonl => "metadata.jsonl",
            Format::Captions => "picscribe-captions.zip",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Format::Csv => "text/csv;charset=utf-8",
            Format::Json => "application/json",
            Format::Jsonl => "application/jsonl",
            Format::Captions => "application/zip",
        }
    }

    /// The file's bytes, or a sentence saying why there are none.
    pub fn write(self, rows: &[ExportRow]) -> Result<Vec<u8>, String> {
        match self {
            Format::Csv => to_csv(rows).map(String::into_bytes).map_err(|_| "The CSV could not be written.".into()),
            Format::Json => {
                json::to_json(rows).map(String::into_bytes).map_err(|_| "The JSON could not be written.".into())
            }
            Format::Jsonl => {
                json::to_jsonl(rows).map(String::into_bytes).map_err(|_| "The JSONL could not be written.".into())
            }
            Format::Captions => captions::to_zip(rows),
        }
    }
}

impl Format {
    /// What the live region says once the file is downloaded.
    pub fn announcement(self, rows: &[ExportRow]) -> String {
        let name = self.file_name();
        match self {
            Format::Csv | Format::Json => format!("Downloaded {name} with {} rows.", rows.len()),
            Format::Jsonl | Format::Captions => {
                let described = rows.iter().filter(|row| row.has_text()).count();
                let what = count(described as u64, "description", "descriptions");
                match rows.len() - described {
                    0 => format!("Downloaded {name} with {what}."),
                    left => format!(
                        "Downloaded {name} with {what}; {} without one left out.",
                        count(left as u64, "image", "images")
                    ),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_download_is_announced_with_what_it_holds() {
        let row = |description: &str| ExportRow { description: description.into(), ..ExportRow::default() };
        let rows = [row("A cat."), row("  "), row("A dog.")];
        let cases = [
            (Format::Csv, &rows[..], "Downloaded picscribe.csv with 3 rows."),
            (Format::Json, &rows[..], "Downloaded picscribe.json with 3 rows."),
            (Format::Jsonl, &rows[..], "Downloaded metadata.jsonl with 2 descriptions; 1 image without one left out."),
            (Format::Captions, &rows[..1], "Downloaded picscribe-captions.zip with 1 description."),
            (
                Format::Captions,
                &rows[1..2],
                "Downloaded picscribe-captions.zip with 0 descriptions; 1 image without one left out.",
            ),
        ];
        for (format, rows, said) in cases {
            assert_eq!(format.announcement(rows), said, "{format:?}");
        }
        let names: Vec<_> = Format::ALL.iter().map(|f| f.file_name()).collect();
        assert_eq!(names, ["picscribe.csv", "picscribe.json", "metadata.jsonl", "picscribe-captions.zip"]);
    }
}
