//! The CSV export: RFC 4180 through the `csv` crate, UTF-8, one row per image in table order.

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

pub const HEADER: [&str; 6] = ["filename", "description", "prompt", "provider", "model", "tokens"];

/// Writes the rows as CSV text. File names go out exactly as chosen.
pub fn to_csv(rows: &[ExportRow]) -> Result<String, csv::Error> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    writer.write_record(HEADER)?;
    for row in rows {
        let tokens = row.tokens.map(|t| t.to_string()).unwrap_or_default();
        writer.write_record([&row.filename, &row.description, &row.prompt, &row.provider, &row.model, &tokens])?;
    }
    let bytes = writer.into_inner().map_err(|err| err.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn awkward_names_and_text_round_trip() -> Result<(), Box<dyn std::error::Error>> {
        let rows = vec![
            ExportRow {
                filename: "café, \"best\" shot.jpg".into(),
                description: "Line one\nline two, with comma".into(),
                prompt: "Alt text".into(),
                provider: "openai".into(),
                model: "gpt-4o-mini".into(),
                tokens: Some(131),
            },
            ExportRow { filename: "日本語.png".into(), ..ExportRow::default() },
        ];
        let text = to_csv(&rows)?;
        assert!(text.starts_with("filename,description,prompt,provider,model,tokens\r\n"));
        assert!(text.contains("\"café, \"\"best\"\" shot.jpg\",\"Line one\nline two, with comma\""));
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let back: Vec<Vec<String>> =
            reader.records().map(|r| r.map(|r| r.iter().map(String::from).collect())).collect::<Result<_, _>>()?;
        assert_eq!(
            back[0],
            ["café, \"best\" shot.jpg", "Line one\nline two, with comma", "Alt text", "openai", "gpt-4o-mini", "131"]
        );
        assert_eq!(back[1], ["日本語.png", "", "", "", "", ""]);
        Ok(())
    }

    #[test]
    fn empty_table_is_just_the_header() -> Result<(), Box<dyn std::error::Error>> {
        assert_eq!(to_csv(&[])?, "filename,description,prompt,provider,model,tokens\r\n");
        Ok(())
    }
}
