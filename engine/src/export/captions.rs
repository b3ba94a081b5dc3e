//! A `.txt` beside every image, named after it (`mug.jpg` → `mug.txt`), as kohya_ss,
//! taggui and most training tools read captions, delivered as one zip.

use std::collections::HashSet;
use std::io::Write;

use super::ExportRow;

/// The caption file's name for an image: its stem with `.txt`; a stem already taken (by
/// `mug.jpg` beside `mug.png`) keeps the whole name (`mug.png.txt`), then counts. Folder
/// separators and control characters never reach the zip.
pub fn caption_name(filename: &str, taken: &mut HashSet<String>) -> String {
    let safe: String =
        filename.chars().map(|c| if c == '/' || c == '\\' || c.is_control() { '_' } else { c }).collect();
    let stem = match safe.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => safe.clone(),
    };
    let stem = if stem.trim().is_empty() { "image".to_string() } else { stem };
    let mut candidates = vec![format!("{stem}.txt"), format!("{safe}.txt")];
    candidates.extend((2..).take(10_000).map(|n| format!("{stem} ({n}).txt")));
    let name = candidates.into_iter().find(|name| !taken.contains(&name.to_ascii_lowercase())).unwrap_or_default();
    taken.insert(name.to_ascii_lowercase());
    name
}

/// A zip of one UTF-8 `.txt` per described image; images without a description get none.
pub fn to_zip(rows: &[ExportRow]) -> Result<Vec<u8>, String> {
    let failed = |_| "The captions zip could not be written.".to_string();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut taken = HashSet::new();
    for row in rows.iter().filter(|row| row.has_text()) {
        zip.start_file(caption_name(&row.filename, &mut taken), options).map_err(failed)?;
        zip.write_all(row.caption().as_bytes()).map_err(|_| "The captions zip could not be written.".to_string())?;
    }
    Ok(zip.finish().map_err(failed)?.into_inner())
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn names_follow_the_image_and_never_collide() {
        let mut taken = HashSet::new();
        let names: Vec<String> = [
            "mug.jpg",
            "mug.png",
            "MUG.webp",
            "holiday.final.jpeg",
            ".hidden",
            "no-extension",
            "../../etc/passwd.jpg",
            "tab\there.gif",
            ".jpg",
            "日本語.png",
        ]
        .iter()
        .map(|name| caption_name(name, &mut taken))
        .collect();
        assert_eq!(
            names,
            [
                "mug.txt",
                "mug.png.txt",
                "MUG.webp.txt",
                "holiday.final.txt",
                ".hidden.txt",
                "no-extension.txt",
                ".._.._etc_passwd.txt",
                "tab_here.txt",
                ".jpg.txt",
                "日本語.txt",
            ]
        );
    }

    #[test]
    fn the_zip_holds_one_caption_per_described_image() -> Result<(), Box<dyn std::error::Error>> {
        let rows = vec![
            ExportRow { filename: "a.jpg".into(), description: " A cat.\n".into(), ..ExportRow::default() },
            ExportRow { filename: "b.png".into(), description: String::new(), ..ExportRow::default() },
            ExportRow { filename: "c.webp".into(), description: "Ein Hund, größer.".into(), ..ExportRow::default() },
            ExportRow {
                filename: "d.jpg".into(),
                values: serde_json::json!({"tags": ["dog", "beach"], "mood": "calm"}).as_object().cloned(),
                ..ExportRow::default()
            },
        ];
        let bytes = to_zip(&rows)?;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
        let mut found = Vec::new();
        for i in 0..archive.len() {
            let mut file = archive.by_index(i)?;
            let mut text = String::new();
            file.read_to_string(&mut text)?;
            found.push((file.name().to_string(), text));
        }
        assert_eq!(
            found,
            [
                ("a.txt".to_string(), "A cat.".to_string()),
                ("c.txt".into(), "Ein Hund, größer.".into()),
                ("d.txt".into(), "dog, beach".into()),
            ]
        );
        Ok(())
    }
}
