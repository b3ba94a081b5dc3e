//! Where the command's results go besides its database: a `.txt` beside each image (or in
//! a folder of them), copies of the images with the alt text written in, and one file in
//! the page's export formats (a CSV feed written back whole).

use std::path::{Component, Path, PathBuf};

use engine::export::{self, metadata, ExportRow, Format};

use super::inputs::{Input, Source};
use super::DescribeArgs;

/// The output file's format, from its extension; checked before anything runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutFormat {
    Csv,
    Json,
    Jsonl,
}

pub fn out_format(path: &Path) -> Result<OutFormat, String> {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("csv") => Ok(OutFormat::Csv),
        Some("json") => Ok(OutFormat::Json),
        Some("jsonl" | "ndjson") => Ok(OutFormat::Jsonl),
        _ => Err(format!("--out {}: name a .csv, .json or .jsonl file", path.display())),
    }
}

/// A name from an input as a path inside an output folder: no root, no `..`, so a feed
/// cannot write outside the folder it was given.
fn inside(dir: &Path, name: &str) -> PathBuf {
    let relative: PathBuf = Path::new(name)
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part),
            _ => None,
        })
        .collect();
    dir.join(relative)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|err| format!("could not create {}: {err}", parent.display()))?;
    }
    std::fs::write(path, bytes).map_err(|err| format!("could not write {}: {err}", path.display()))
}

/// Writes what one described image needs beside the database; a failure is a sentence
/// for that image, and the run goes on.
/// An item's photos each get the item's text: a `.txt` beside each, a copy of each.
pub fn per_image(args: &DescribeArgs, input: &Input, row: &ExportRow, originals: &[Vec<u8>]) -> Result<(), String> {
    let caption = row.caption();
    for (i, photo) in input.photos().enumerate() {
        if args.sidecars || args.sidecars_dir.is_some() {
            let sidecar = match (&args.sidecars_dir, &photo.source) {
                (Some(dir), _) => Some(inside(dir, &photo.name).with_extension("txt")),
                (None, Source::File(path)) => Some(path.with_extension("txt")),
                // An image from a URL has no folder to be beside.
                (None, _) => None,
            };
            if let Some(path) = sidecar {
                write(&path, caption.as_bytes())?;
            }
        }
        if let (Some(dir), Some(original)) = (&args.write_metadata, originals.get(i).filter(|o| !o.is_empty())) {
            let (alt, long) = row.alt_text();
            let written = metadata::embed(original, &alt, long.as_deref())
                .map_err(|why| format!("{} was not copied with its alt text: {why}", photo.name))?;
            write(&inside(dir, &photo.name), &written)?;
        }
    }
    Ok(())
}

/// The whole `--out` file: for a CSV feed, its rows with their descriptions; otherwise the
/// page's export of every image that was read.
pub fn write_out(
    path: &Path,
    feed: Option<&[String]>,
    rows: &[(Option<Vec<String>>, Option<ExportRow>)],
) -> Result<(), String> {
    let failed = |err: &dyn std::fmt::Display| format!("could not write {}: {err}", path.display());
    let text = match (out_format(path)?, feed) {
        (OutFormat::Csv, Some(headers)) => {
            let rows: Vec<(Vec<String>, Option<ExportRow>)> =
                rows.iter().map(|(cells, row)| (cells.clone().unwrap_or_default(), row.clone())).collect();
            export::csv::to_feed_csv(headers, &rows).map_err(|e| failed(&e))?.into_bytes()
        }
        (format, _) => {
            let rows: Vec<ExportRow> = rows.iter().filter_map(|(_, row)| row.clone()).collect();
            let format = match format {
                OutFormat::Csv => Format::Csv,
                OutFormat::Json => Format::Json,
                OutFormat::Jsonl => Format::Jsonl,
            };
            format.write(&rows).map_err(|e| failed(&e))?
        }
    };
    write(path, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_inside_the_output_folder() {
        let dir = Path::new("/out");
        let cases = [
            ("2024/trip/a.jpg", "/out/2024/trip/a.jpg"),
            ("../../etc/passwd", "/out/etc/passwd"),
            ("/etc/passwd", "/out/etc/passwd"),
            ("./a.jpg", "/out/a.jpg"),
        ];
        for (name, want) in cases {
            assert_eq!(inside(dir, name), Path::new(want), "{name}");
        }
    }
}
