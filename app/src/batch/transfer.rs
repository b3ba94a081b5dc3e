//! Files out of the table and text into it: the exports and "Import descriptions". Loaded
//! on demand (`on_demand`): most visits never use them. Runs in the browser only.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::actions::save_text;
use super::{Batch, Hand, Row};
use crate::browser;
use crate::export::{self, metadata, Format};
use crate::import;

/// Downloads the table in one of the export formats, edits included, in table order.
pub fn export(batch: Batch, format: Format) {
    let rows = export::rows(batch);
    let result = format.write(&rows).and_then(|bytes| browser::download(format.file_name(), &bytes, format.mime()));
    match result {
        Ok(()) => batch.announce(format.announcement(&rows)),
        Err(message) => batch.announce(message),
    }
}

/// "Download images with alt text": copies of the original files with the description
/// written into their metadata, made here in the browser; each photo of an item gets the
/// item's text.
pub fn export_images(batch: Batch) {
    let rows = export::rows(batch);
    let items: Vec<Vec<Row>> = batch.rows.with_untracked(|rows| {
        rows.iter().filter(|row| row.hash.get_untracked().is_some()).map(Row::members).collect()
    });
    batch.announce("Writing the alt text into copies of the images…");
    spawn_local(async move {
        let mut images = Vec::new();
        for (row, members) in rows.into_iter().zip(items) {
            for photo in members {
                match browser::bytes_of(photo.id).await {
                    Ok(bytes) => {
                        images.push((export::ExportRow { filename: photo.name.to_string(), ..row.clone() }, bytes))
                    }
                    Err(message) => return batch.announce(message),
                }
            }
        }
        let name = "picscribe-images.zip";
        let said = metadata::to_zip(&images).and_then(|(bytes, packed)| {
            browser::download(name, &bytes, "application/zip")?;
            Ok(match packed.skipped.len() {
                0 => format!("Downloaded {name} with {} images.", packed.written.len()),
                n => format!(
                    "Downloaded {name} with {} images; {n} skipped (listed in skipped.txt).",
                    packed.written.len()
                ),
            })
        });
        batch.announce(said.unwrap_or_else(|message| message));
    });
}

/// "Import descriptions": fills the rows whose file name matches, marked as imported so
/// "Describe all" does not replace them, and says what matched nothing.
pub fn import(batch: Batch, file: web_sys::File) {
    spawn_local(async move {
        let name = file.name();
        let text = match gloo_file::futures::read_as_text(&gloo_file::Blob::from(file)).await {
            Ok(text) => text,
            Err(_) => return batch.announce(format!("{name} could not be read, so nothing was imported.")),
        };
        let asked = batch.fields.get_untracked();
        let imported = match import::parse(&name, &text, &asked) {
            Ok(imported) => imported,
            Err(message) => return batch.announce(message),
        };
        let mut filled = 0;
        let mut unmatched = Vec::new();
        for item in imported {
            let rows: Vec<Row> = batch.rows.with_untracked(|rows| {
                rows.iter()
                    .filter(|r| r.file_names() == item.filename && r.hash.get_untracked().is_some() && !r.is_unusable())
                    .cloned()
                    .collect()
            });
            if rows.is_empty() {
                unmatched.push(item.filename);
                continue;
            }
            for row in rows {
                match &item.values {
                    Some(values) => {
                        row.fields.set(import::fields_for(values, &asked));
                        row.values.set(Some(values.clone()));
                    }
                    None => {
                        row.values.set(None);
                        row.fields.set(Vec::new());
                        row.description.set(item.text.clone().unwrap_or_default());
                    }
                }
                row.hand.set(Some(Hand::Imported));
                if row.phase.with_untracked(|p| !p.in_flight()) {
                    row.settle();
                }
                save_text(batch, &row);
                filled += 1;
            }
        }
        let images = crate::text::count(filled as u64, "image", "images");
        let mut said = format!("Imported text for {images} from {name}.");
        if !unmatched.is_empty() {
            let shown: Vec<&str> = unmatched.iter().take(5).map(String::as_str).collect();
            let more = if unmatched.len() > 5 { ", …" } else { "" };
            said.push_str(&format!(" {} matched no image in the table: {}{more}.", unmatched.len(), shown.join(", ")));
        }
        batch.announce(said);
    });
}

/// "Add from a CSV feed": the feed's image URLs, each with its product's key from
/// `column`, go to the intake part to be fetched and grouped.
pub fn read_feed(batch: Batch, file: web_sys::File, column: String) {
    spawn_local(async move {
        let name = file.name();
        let text = match gloo_file::futures::read_as_text(&gloo_file::Blob::from(file)).await {
            Ok(text) => text,
            Err(_) => return batch.announce(format!("{name} could not be read, so nothing was added.")),
        };
        match crate::feed::feed_urls(&name, &text, &column) {
            Ok(feed) if feed.urls.is_empty() => {
                batch.announce(format!("{name} lists no image URLs, so nothing was added."))
            }
            Ok(feed) => crate::on_demand::add_feed_urls(batch, feed.urls, column.trim().to_string()),
            Err(message) => batch.announce(message),
        }
    });
}
