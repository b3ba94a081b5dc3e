//! Getting the table out, in the shape each job needs: CSV for spreadsheets, JSON for
//! scripts, JSONL for Hugging Face datasets, and a `.txt` beside every image for training
//! tools. Every format is a pure function of the rows, table-tested.

pub mod captions;
pub mod csv;
pub mod json;

use leptos::prelude::*;

use crate::batch::Batch;

pub use self::csv::to_csv;

/// One exported row; what the user sees in the table, edits included.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExportRow {
    pub filename: String,
    pub description: String,
    pub prompt: String,
    /// The provider id (`openai`, `anthropic`, a `picscribe.toml` name).
    pub provider: String,
    pub model: String,
    pub tokens: Option<u32>,
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
                let described = rows.iter().filter(|row| !row.description.trim().is_empty()).count();
                let plural =
                    |n: usize, one: &str, many: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {many}") };
                let what = plural(described, "description", "descriptions");
                match rows.len() - described {
                    0 => format!("Downloaded {name} with {what}."),
                    left => format!(
                        "Downloaded {name} with {what}; {} without one left out.",
                        plural(left, "image", "images")
                    ),
                }
            }
        }
    }
}

/// The table as exported: every row whose file was read, in table order, edits included.
pub fn rows(batch: Batch) -> Vec<ExportRow> {
    batch.rows.with_untracked(|rows| {
        rows.iter()
            .filter(|row| row.hash.get_untracked().is_some())
            .map(|row| {
                let described = row.described.get_untracked();
                ExportRow {
                    filename: row.name.to_string(),
                    description: row.description.get_untracked(),
                    prompt: described.as_ref().map(|d| d.prompt.clone()).unwrap_or_default(),
                    provider: described.as_ref().map(|d| d.provider.clone()).unwrap_or_default(),
                    model: described.as_ref().map(|d| d.model.clone()).unwrap_or_default(),
                    tokens: described.and_then(|d| d.tokens),
                }
            })
            .collect()
    })
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
