//! The CSV export: RFC 4180 through the `csv` crate, UTF-8, one row per image in table order,
//! safe to open in a spreadsheet.

use super::ExportRow;

pub const HEADER: [&str; 6] = ["filename", "description", "prompt", "provider", "model", "tokens"];

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR first) gets a
/// leading `'`, as OWASP recommends, so a description cannot become a live formula.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// Writes the rows as CSV text. File names go out as chosen, unless they would be formulas.
pub fn to_csv(rows: &[ExportRow]) -> Result<String, csv::Error> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    writer.write_record(HEADER)?;
    for row in rows {
        let tokens = row.tokens.map(|t| t.to_string()).unwrap_or_default();
        let cells = [&row.filename, &row.description, &row.prompt, &row.provider, &row.model];
        let mut record: Vec<std::borrow::Cow<'_, str>> = cells.iter().map(|cell| spreadsheet_safe(cell)).collect();
        record.push(tokens.into());
        writer.write_record(record.iter().map(|cell| cell.as_ref()))?;
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
    fn formulas_are_written_as_text() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://evil.example\",\"x\")", "'=HYPERLINK(\"http://evil.example\",\"x\")"),
            ("+1+2", "'+1+2"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("A red mug = coffee", "A red mug = coffee"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_safe(cell), written, "{cell:?}");
        }
    }

    #[test]
    fn a_formula_in_a_description_stays_text_in_the_file() -> Result<(), Box<dyn std::error::Error>> {
        let rows = [ExportRow { filename: "=cmd.jpg".into(), description: "=1+1".into(), ..ExportRow::default() }];
        let text = to_csv(&rows)?;
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let record = reader.records().next().ok_or("a row")??;
        assert_eq!((&record[0], &record[1]), ("'=cmd.jpg", "'=1+1"));
        Ok(())
    }

    #[test]
    fn empty_table_is_just_the_header() -> Result<(), Box<dyn std::error::Error>> {
        assert_eq!(to_csv(&[])?, "filename,description,prompt,provider,model,tokens\r\n");
        Ok(())
    }
}
