//! The CSV export: RFC 4180 through the `csv` crate, UTF-8, one row per image in table order,
//! safe to open in a spreadsheet.

use super::{field_names, ExportRow};
use crate::fields::joined;

/// The columns when no row has fields; with fields, one column per field follows
/// `filename` (and `description` stays while any row is free text).
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

/// Writes the rows as CSV text. File names go out as chosen, unless they would be formulas;
/// lists go in one cell joined with `; `.
pub fn to_csv(rows: &[ExportRow]) -> Result<String, csv::Error> {
    let fields = field_names(rows);
    let free_text = fields.is_empty() || rows.iter().any(|row| row.values.is_none() && !row.description.is_empty());
    let urls = rows.iter().any(|row| !row.url.is_empty());
    let mut header = vec!["filename"];
    if urls {
        header.push("url");
    }
    if free_text {
        header.push("description");
    }
    header.extend(fields.iter().map(String::as_str));
    header.extend(&HEADER[2..]);
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    writer.write_record(&header)?;
    for row in rows {
        let mut cells = vec![row.filename.clone()];
        if urls {
            cells.push(row.url.clone());
        }
        if free_text {
            cells.push(row.description.clone());
        }
        for name in &fields {
            let value = row.values.as_ref().and_then(|v| v.get(name));
            cells.push(value.map(|v| joined(v, "; ")).unwrap_or_default());
        }
        cells.extend([row.prompt.clone(), row.provider.clone(), row.model.clone()]);
        let mut record: Vec<std::borrow::Cow<'_, str>> = cells.iter().map(|cell| spreadsheet_safe(cell)).collect();
        record.push(row.tokens.map(|t| t.to_string()).unwrap_or_default().into());
        writer.write_record(record.iter().map(|cell| cell.as_ref()))?;
    }
    let bytes = writer.into_inner().map_err(|err| err.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A feed written back whole: its own columns unchanged, in their order, then the
/// description (or one column per field) — a column the feed already has by that name is
/// filled instead of added. A row without an image (`None`) keeps its cells and gets
/// empty ones, so a shop's export can be imported again.
pub fn to_feed_csv(headers: &[String], rows: &[(Vec<String>, Option<ExportRow>)]) -> Result<String, csv::Error> {
    let described: Vec<ExportRow> = rows.iter().filter_map(|(_, row)| row.clone()).collect();
    let fields = field_names(&described);
    let added: Vec<String> = if fields.is_empty() { vec!["description".to_string()] } else { fields.clone() };
    let mut header: Vec<String> = headers.to_vec();
    let at: Vec<usize> = added
        .iter()
        .map(|name| {
            headers.iter().position(|h| h == name).unwrap_or_else(|| {
                header.push(name.clone());
                header.len() - 1
            })
        })
        .collect();
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    writer.write_record(&header)?;
    for (cells, row) in rows {
        let mut record: Vec<String> = cells.clone();
        record.resize(header.len(), String::new());
        if let Some(row) = row {
            for (name, column) in added.iter().zip(&at) {
                let text = match &row.values {
                    Some(values) => values.get(name).map(|v| joined(v, "; ")).unwrap_or_default(),
                    None => row.description.clone(),
                };
                record[*column] = spreadsheet_safe(&text).into_owned();
            }
        }
        writer.write_record(&record)?;
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
                values: None,
                ..ExportRow::default()
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
    fn images_from_urls_carry_their_url() -> Result<(), csv::Error> {
        let rows = [
            ExportRow {
                filename: "mug.jpg".into(),
                url: "https://cdn.shop.example/files/mug.jpg?v=2".into(),
                description: "A mug.".into(),
                ..ExportRow::default()
            },
            ExportRow { filename: "2024/trip/a.jpg".into(), description: "A beach.".into(), ..ExportRow::default() },
        ];
        let text = to_csv(&rows)?;
        assert!(text.starts_with("filename,url,description,prompt,provider,model,tokens\r\n"), "{text}");
        assert!(text.contains("mug.jpg,https://cdn.shop.example/files/mug.jpg?v=2,A mug.,"));
        assert!(text.contains("2024/trip/a.jpg,,A beach.,"));
        Ok(())
    }

    #[test]
    fn a_feed_comes_back_whole_with_its_descriptions() -> Result<(), Box<dyn std::error::Error>> {
        let headers: Vec<String> = ["Handle", "Title", "Image Src", "Variant SKU"].map(String::from).to_vec();
        let cells = |cells: [&str; 4]| cells.map(String::from).to_vec();
        let described = |text: &str| Some(ExportRow { description: text.into(), ..ExportRow::default() });
        let rows = vec![
            (cells(["mug", "Blue mug", "https://cdn.example/mug.jpg", "M-1"]), described("A blue mug.")),
            // A variant row with no image, and a row whose image failed.
            (cells(["mug", "", "", "M-2"]), None),
            (cells(["cap", "Cap", "https://cdn.example/cap.jpg", "=C-1"]), None),
        ];
        let text = to_feed_csv(&headers, &rows)?;
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(
            reader.headers()?.iter().collect::<Vec<_>>(),
            ["Handle", "Title", "Image Src", "Variant SKU", "description"]
        );
        let back: Vec<Vec<String>> =
            reader.records().map(|r| r.map(|r| r.iter().map(String::from).collect())).collect::<Result<_, _>>()?;
        assert_eq!(back[0], ["mug", "Blue mug", "https://cdn.example/mug.jpg", "M-1", "A blue mug."]);
        assert_eq!(back[1], ["mug", "", "", "M-2", ""]);
        assert_eq!(
            back[2],
            ["cap", "Cap", "https://cdn.example/cap.jpg", "=C-1", ""],
            "the feed's own cells unchanged"
        );

        let fielded = |alt: &str| {
            let mut values = crate::fields::Values::new();
            values.insert("alt_text".into(), alt.into());
            Some(ExportRow { values: Some(values), ..ExportRow::default() })
        };
        let with_alt: Vec<String> = ["Handle", "alt_text"].map(String::from).to_vec();
        let text = to_feed_csv(&with_alt, &[(vec!["mug".into(), "old".into()], fielded("A blue mug."))])?;
        assert_eq!(text, "Handle,alt_text\r\nmug,A blue mug.\r\n", "a column the feed has is filled, not added");
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
    fn fields_get_a_column_each_and_lists_one_cell() -> Result<(), Box<dyn std::error::Error>> {
        let product =
            serde_json::json!({"title": "Blue mug", "bullet_points": ["300 ml", "Dishwasher safe"], "in_stock": true});
        let rows = [
            ExportRow {
                filename: "mug.jpg".into(),
                values: product.as_object().cloned(),
                model: "m".into(),
                ..ExportRow::default()
            },
            ExportRow { filename: "new.jpg".into(), ..ExportRow::default() },
        ];
        assert_eq!(
            to_csv(&rows)?,
            "filename,title,bullet_points,in_stock,prompt,provider,model,tokens\r\n\
             mug.jpg,Blue mug,300 ml; Dishwasher safe,yes,,,m,\r\n\
             new.jpg,,,,,,,\r\n"
        );
        let mixed = [
            rows[0].clone(),
            ExportRow { filename: "old.jpg".into(), description: "A cup.".into(), ..ExportRow::default() },
        ];
        assert!(to_csv(&mixed)?.starts_with("filename,description,title,bullet_points,in_stock,prompt"));
        Ok(())
    }

    #[test]
    fn empty_table_is_just_the_header() -> Result<(), Box<dyn std::error::Error>> {
        assert_eq!(to_csv(&[])?, "filename,description,prompt,provider,model,tokens\r\n");
        Ok(())
    }
}
