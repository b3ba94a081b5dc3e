//! Files into rows: add them (rows first, in slices; then read, hashed, checked and
//! decoded for a small preview, a few at a time), remove, clear, and rebuild the table
//! from IndexedDB after a reload. Runs in the browser only.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};

use futures::{stream, StreamExt};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::actions::save;
use super::{Batch, Phase, Row};
use crate::browser::imaging::NoPreview;
use crate::browser::records::TextRecord;
use crate::browser::{self, store};
use crate::feed::name_from_url;
use crate::urls::{fetch_image, urls_in, MAX_URLS};

fn now() -> f64 {
    js_sys::Date::now()
}

/// Rows are added in slices, each in its own task, so choosing thousands of files never
/// freezes the page; the first slice is small, so the first row shows at once.
const FIRST_SLICE: usize = 20;
const SLICE: usize = 150;

/// Files read, hashed and decoded at a time. The work itself is the browser's, off the
/// main thread; a few at once keep both cores busy without holding many photos decoded.
const AT_ONCE: usize = 3;

/// Adds files as rows at once; reading, hashing, checking and decoding each follow, a few
/// at a time, so thousands of large photos never sit in memory together.
pub fn add_files(batch: Batch, files: Vec<web_sys::File>) {
    if files.is_empty() {
        return;
    }
    spawn_local(async move {
        let added = in_slices(batch, files, None, |file| {
            let id = batch.next_id();
            browser::hold(id, file.clone().into());
            (Row::new(id, &file.name(), file.size() as u64, now()), file)
        })
        .await;
        stream::iter(added).for_each_concurrent(AT_ONCE, |(row, file)| inspect(batch, row, file)).await;
    });
}

/// Adds images by URL: a row for each at once, named by the URL's last segment; the
/// server fetches them (a few at a time) and each then goes the way of a chosen file. A
/// URL the server refuses or cannot fetch stays as a row with its sentence.
pub fn add_urls(batch: Batch, field: RwSignal<String>, text: &str) {
    let urls = urls_in(text);
    if urls.len() > MAX_URLS {
        batch.announce(format!("Add at most {MAX_URLS} URLs at a time; this list has {}.", urls.len()));
        return;
    }
    field.set(String::new());
    spawn_local(async move {
        let added = in_slices(batch, urls, None, |url| {
            let row =
                Row { url: Some(url.as_str().into()), ..Row::new(batch.next_id(), &name_from_url(&url), 0, now()) };
            (row, url)
        })
        .await;
        stream::iter(added).for_each_concurrent(AT_ONCE, |(row, url)| fetch_into(batch, row, url)).await;
    });
}

/// Adds a feed's images by URL as [`add_urls`] does, then makes one item of the rows that
/// share a key (a product's photos, by `column`) once they are fetched.
pub fn add_feed(batch: Batch, listed: Vec<(String, String)>, column: String) {
    if listed.len() > MAX_URLS {
        batch.announce(format!("Add at most {MAX_URLS} URLs at a time; this feed has {}.", listed.len()));
        return;
    }
    spawn_local(async move {
        let added = in_slices(batch, listed, None, |(url, key)| {
            let row =
                Row { url: Some(url.as_str().into()), ..Row::new(batch.next_id(), &name_from_url(&url), 0, now()) };
            (row, (url, key))
        })
        .await;
        let keyed: Vec<(Row, String)> = added.iter().map(|(row, (_, key))| (row.clone(), key.clone())).collect();
        stream::iter(added).for_each_concurrent(AT_ONCE, |(row, (url, _))| fetch_into(batch, row, url)).await;
        if !column.is_empty() {
            super::items::group_rows(batch, keyed, &column);
        }
    });
}

async fn fetch_into(batch: Batch, row: Row, url: String) {
    match fetch_image(url).await {
        Ok(fetched) => match file_of(&row.name, &fetched.data_url) {
            Some(file) => {
                row.size.set(file.size() as u64);
                browser::hold(row.id, file.clone().into());
                inspect(batch, row, file).await;
            }
            None => row.phase.set(Phase::Unusable { why: "The server's copy of this image was garbled.".into() }),
        },
        Err(err) => row.phase.set(Phase::Unusable { why: err.to_string() }),
    }
}

/// The image the server fetched, as a file named like the URL's last segment.
fn file_of(name: &str, data_url: &str) -> Option<web_sys::File> {
    use base64::Engine as _;
    let (mime, data) = data_url.strip_prefix("data:")?.split_once(";base64,")?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(data).ok()?;
    let file = gloo_file::File::new_with_options(name, bytes.as_slice(), Some(mime), None);
    Some(AsRef::<web_sys::File>::as_ref(&file).clone())
}

/// Makes a row of each item and puts the rows into the table at `at` (the end if `None`),
/// a slice per task; returns each row with what `make` kept beside it.
async fn in_slices<T, K>(
    batch: Batch,
    items: impl IntoIterator<Item = T>,
    mut at: Option<usize>,
    mut make: impl FnMut(T) -> (Row, K),
) -> Vec<(Row, K)> {
    let mut items = items.into_iter();
    let mut made = Vec::new();
    let mut slice = FIRST_SLICE;
    loop {
        let rows: Vec<(Row, K)> = items.by_ref().take(slice).map(&mut make).collect();
        if rows.is_empty() {
            return made;
        }
        batch.rows.update(|all| {
            let place = at.unwrap_or(all.len()).min(all.len());
            all.splice(place..place, rows.iter().map(|(row, _)| row.clone()));
        });
        at = at.map(|place| place + rows.len());
        made.extend(rows);
        slice = SLICE;
        // Lets the page draw the slice before the next.
        browser::sleep(0).await;
    }
}

async fn inspect(batch: Batch, row: Row, file: web_sys::File) {
    let inspection = match browser::files::inspect(&file).await {
        Ok(found) => found,
        Err(why) => {
            row.phase.set(Phase::Unusable { why });
            return;
        }
    };
    // Any row's photo, an item's included; read in place, as thousands of files arrive.
    let same = |r: &Row| r.id != row.id && r.hash.with_untracked(|h| h.as_deref() == Some(&inspection.hash));
    let duplicate = batch.rows.with_untracked(|rows| {
        rows.iter().any(|r| same(r) || r.photos.with_untracked(|photos| photos.iter().any(same)))
    });
    if duplicate {
        remove_row(batch, &row, false);
        batch.announce(format!("{} is already in the table, so it was not added again.", row.name));
        return;
    }
    row.hash.set(Some(inspection.hash.clone()));
    if let Some(why) = inspection.problem {
        row.phase.set(Phase::Unusable { why });
        return;
    }
    // Ready to describe now; the preview (which may still find the file undecodable)
    // follows, and the record is saved with the size it learns.
    if row.phase.get_untracked() == Phase::Reading {
        row.phase.set(Phase::Ready);
    }
    // Made here, so the row being shown meanwhile does not ask for it again.
    PREVIEWS.with(|p| p.borrow_mut().asked.insert(row.id));
    if !show_preview(&row).await {
        return;
    }
    if let Some(record) = image_record(&row) {
        save(batch, async move { store::save_image(&record, &file).await });
    }
}

/// What IndexedDB keeps of a read row's file, with the item's other photos by hash.
pub(super) fn image_record(row: &Row) -> Option<store::ImageRecord> {
    Some(store::ImageRecord {
        hash: row.hash.get_untracked()?,
        name: row.name.to_string(),
        size: row.size.get_untracked() as f64,
        added: row.added,
        width: row.dims.get_untracked().map(|d| d.0),
        height: row.dims.get_untracked().map(|d| d.1),
        url: row.url.as_deref().map(String::from),
        photos: row.photos.with_untracked(|photos| photos.iter().filter_map(|p| p.hash.get_untracked()).collect()),
    })
}

/// Decodes the row's file for its size and small preview; false (and the row marked
/// unusable, with the reason) when this browser cannot decode it or its image worker
/// cannot start, or when the row has gone meanwhile.
async fn show_preview(row: &Row) -> bool {
    match browser::make_preview(row.id).await {
        Ok(Some((dims, url))) => {
            row.dims.set(Some(dims));
            row.preview.set(Some(url));
            true
        }
        Ok(None) => false,
        Err(_) if browser::blob_of(row.id).is_none() => false,
        Err(NoPreview::Undecodable) => {
            row.unusable(format!(
                "{} could not be decoded by this browser (damaged, or a format it does not support).",
                row.name
            ));
            false
        }
        Err(NoPreview::Failed(sentence)) => {
            row.unusable(sentence);
            false
        }
    }
}

/// Takes the row out of the table, with the item's other photos; `forget_saved` deletes
/// what this browser kept of them too.
pub fn remove_row(batch: Batch, row: &Row, forget_saved: bool) {
    row.hang_up();
    batch.rows.update(|rows| rows.retain(|r| r.id != row.id));
    for member in row.members() {
        browser::forget(member.id);
        if let (true, Some(hash)) = (forget_saved, member.hash.get_untracked()) {
            save(batch, async move { store::delete(&hash).await });
        }
    }
}

pub fn clear_all(batch: Batch) {
    batch.run.set(None);
    let rows = batch.rows.get_untracked();
    batch.rows.set(Vec::new());
    for row in &rows {
        row.hang_up();
        for member in row.members() {
            browser::forget(member.id);
        }
    }
    batch.announce(format!("Cleared {} images from the table and this browser's storage.", rows.len()));
    save(batch, store::clear());
}

/// Rebuilds the table from IndexedDB after a reload.
pub fn restore(batch: Batch) {
    spawn_local(async move {
        let saved = match store::load_all().await {
            Ok(saved) => saved,
            Err(message) => {
                batch.storage_error.set(Some(message));
                return;
            }
        };
        if !saved.is_empty() {
            batch.announce(format!("Restored {} images from this browser.", saved.len()));
        }
        // An item's other photos go back into their row; anything added before storage
        // answered stays after the restored rows.
        let listed: HashSet<String> = saved.iter().flat_map(|(image, ..)| image.photos.iter().cloned()).collect();
        let (photos, saved): (Vec<_>, Vec<_>) = saved.into_iter().partition(|(image, ..)| listed.contains(&image.hash));
        let mut photos: HashMap<String, Row> = photos
            .into_iter()
            .map(|(image, blob, text)| (image.hash.clone(), restored(batch, image, blob, text)))
            .collect();
        in_slices(batch, saved, Some(0), |(image, blob, text)| {
            let own = image.photos.clone();
            let row = restored(batch, image, blob, text);
            row.photos.set(own.iter().filter_map(|hash| photos.remove(hash)).collect());
            (row, ())
        })
        .await;
        // Rows a batch holds fill in (the remembered settings, which make the keys, are
        // applied by then).
        crate::on_demand::look_for_batches(batch);
    });
}

fn restored(batch: Batch, image: store::ImageRecord, blob: web_sys::Blob, text: Option<TextRecord>) -> Row {
    let id = batch.next_id();
    browser::hold(id, blob);
    let row = Row { url: image.url.map(Into::into), ..Row::new(id, &image.name, image.size as u64, image.added) };
    row.hash.set(Some(image.hash));
    row.dims.set(image.width.zip(image.height));
    if let Some(text) = text {
        row.values.set(text.values());
        row.description.set(text.description);
        row.described.set(text.described.map(Into::into));
        row.fields.set(text.fields);
        row.hand.set(text.hand);
        row.prompt.set(text.prompt);
        row.answers.set(crate::browser::records::answers_of(text.answers));
    }
    row.settle();
    row
}

/// Previews asked for by rows shown on the screen, made a few at a time in the order asked.
#[derive(Default)]
struct Previews {
    /// Rows whose preview is made, being made or waiting its turn.
    asked: HashSet<u64>,
    waiting: VecDeque<Row>,
    making: usize,
}

thread_local! {
    static PREVIEWS: RefCell<Previews> = RefCell::new(Previews::default());
}

/// A row restored after a reload has its size but no preview: it is made when the row is
/// first shown, so restoring thousands decodes only the photos someone looks at.
pub fn preview_when_shown(row: Row) {
    if row.preview.with_untracked(Option::is_some) || row.hash.with_untracked(Option::is_none) || row.is_unusable() {
        return;
    }
    let queued = PREVIEWS.with(|p| {
        let mut previews = p.borrow_mut();
        previews.asked.insert(row.id) && {
            previews.waiting.push_back(row);
            true
        }
    });
    if queued {
        make_previews();
    }
}

fn make_previews() {
    while let Some(row) = PREVIEWS.with(|p| {
        let mut previews = p.borrow_mut();
        (previews.making < AT_ONCE).then(|| previews.waiting.pop_front()).flatten().inspect(|_| previews.making += 1)
    }) {
        spawn_local(async move {
            show_preview(&row).await;
            PREVIEWS.with(|p| p.borrow_mut().making -= 1);
            make_previews();
        });
    }
}
