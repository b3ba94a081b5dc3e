//! Several photos, one description: "Describe together" makes the ticked rows one item,
//! "Separate" gives each photo its row back, "Group by name" makes an item of each
//! product's photos (`mug-1.jpg`, `mug_2.jpg`, `mug (3).jpg`). An item is its first row,
//! holding the others (`Row::photos`); it is described from all its images in one call
//! and exported as one row. Loaded with the table (`on_demand`). Runs in the browser only.

use leptos::prelude::*;

use super::actions::save;
use super::intake::image_record;
use super::{Batch, Phase, Row};
use crate::browser::{self, store};
use crate::items::{group_by, group_name};
use crate::text::count;

/// Whether a row can join an item now: read, usable, and not being described.
fn joinable(row: &Row) -> bool {
    row.hash.with_untracked(Option::is_some) && row.phase.with_untracked(|p| p.can_describe())
}

/// "Describe together": the ticked rows become one item, in table order, described with
/// the first one's text and prompt.
pub fn together(batch: Batch) {
    let ticked: Vec<Row> =
        batch.rows.with_untracked(|rows| rows.iter().filter(|r| r.selected.get_untracked()).cloned().collect());
    if ticked.len() < 2 {
        return batch.announce("Tick two or more images to describe them together.");
    }
    if let Some(busy) = ticked.iter().find(|row| !joinable(row)) {
        return batch.announce(format!(
            "{} cannot join an item now (it is not read yet, cannot be described or is being described); \
             nothing was changed.",
            busy.name
        ));
    }
    let photos = join(batch, &ticked);
    batch.announce(format!(
        "{} are now one item of {}.",
        ticked[0].file_names(),
        count(photos as u64, "photo", "photos")
    ));
}

/// Makes `rows` (two or more, in order) one item: the first holds the others and their
/// own photos. Returns how many photos the item has.
fn join(batch: Batch, rows: &[Row]) -> usize {
    let (lead, others) = (&rows[0], &rows[1..]);
    let ids: Vec<u64> = others.iter().map(|r| r.id).collect();
    batch.rows.update(|all| all.retain(|r| !ids.contains(&r.id)));
    // Every photo after the lead, its own included when it was an item already.
    let joined: Vec<Row> = rows.iter().flat_map(Row::members).skip(1).collect();
    for row in rows {
        row.selected.set(false);
        row.photos.set(Vec::new());
    }
    lead.photos.set(joined);
    lead.settle();
    for row in rows {
        keep_place(batch, row);
    }
    lead.photos.with_untracked(Vec::len) + 1
}

/// "Separate": each ticked item's photos are rows again, after it, with their own text.
pub fn separate(batch: Batch) {
    let items: Vec<Row> = batch.rows.with_untracked(|rows| {
        rows.iter()
            .filter(|r| r.selected.get_untracked() && r.photos.with_untracked(|p| !p.is_empty()))
            .cloned()
            .collect()
    });
    if items.is_empty() {
        return batch.announce("Tick an item of several photos to separate it.");
    }
    let busy = |phase: &Phase| phase.in_flight() || matches!(phase, Phase::InBatch { .. });
    if items.iter().any(|row| row.phase.with_untracked(busy)) {
        return batch.announce(
            "An item being described, or waiting in a provider's batch, cannot be separated; wait for it or cancel.",
        );
    }
    let mut freed = 0;
    for item in &items {
        let photos = item.photos.try_update(std::mem::take).unwrap_or_default();
        freed += photos.len();
        keep_place(batch, item);
        batch.rows.update(|rows| {
            let at = rows.iter().position(|r| r.id == item.id).map_or(rows.len(), |at| at + 1);
            rows.splice(at..at, photos);
        });
        item.selected.set(false);
        item.settle();
    }
    batch.announce(format!(
        "Separated {} into rows of their own.",
        count(freed as u64 + items.len() as u64, "photo", "photos")
    ));
}

/// "Group by name": the photos of one product, by their names, each become one item; rows
/// already in an item, unread or busy stay as they are.
pub fn group_by_name(batch: Batch) {
    let keyed: Vec<(Row, String)> =
        batch.rows.with_untracked(|rows| rows.iter().map(|row| (row.clone(), group_name(&row.name))).collect());
    if !group(batch, keyed, "name") {
        batch.announce("No images share a name (like mug-1.jpg and mug-2.jpg), so nothing was grouped.");
    }
}

/// A feed's rows with one value in `column` become one item each, once fetched.
pub fn group_rows(batch: Batch, keyed: Vec<(Row, String)>, column: &str) {
    if !group(batch, keyed, column) {
        batch.announce(format!("No two rows of the feed share a {column}, so each image is a row of its own."));
    }
}

/// Makes one item of the rows that share a key, in order, leaving alone rows gone from the
/// table, already in an item, unread or busy; says what it did, and whether it did anything.
fn group(batch: Batch, keyed: Vec<(Row, String)>, by: &str) -> bool {
    let (rows, keys): (Vec<Row>, Vec<String>) = keyed
        .into_iter()
        .map(|(row, key)| {
            let free = joinable(&row) && row.photos.with_untracked(Vec::is_empty) && batch.row(row.id).is_some();
            (row, if free { key } else { String::new() })
        })
        .unzip();
    let groups: Vec<Vec<Row>> = group_by(&keys)
        .into_iter()
        .filter(|members| members.len() > 1)
        .map(|members| members.into_iter().map(|i| rows[i].clone()).collect())
        .collect();
    if groups.is_empty() {
        return false;
    }
    let photos: usize = groups.iter().map(|group| join(batch, group)).sum();
    batch.announce(format!(
        "Grouped {} into {} by {by}.",
        count(photos as u64, "photo", "photos"),
        count(groups.len() as u64, "item", "items")
    ));
    true
}

/// Saves which photos the row is described with (none: only its own), so a reload
/// rebuilds the item.
fn keep_place(batch: Batch, row: &Row) {
    let Some(record) = image_record(row) else { return };
    let Some(blob) = browser::blob_of(row.id) else { return };
    save(batch, async move { store::save_image(&record, &blob).await });
}
