//! The page's code that showing it does not need, loaded from the server when it is first
//! used: reading files and rebuilding the table (`intake`), the table's rows (`table`),
//! describing (`describe`), the fields editor's inputs (`fields`), the exports and
//! "Import descriptions" (`transfer`). `cargo leptos build --split` cuts each group into a
//! wasm file of its own; the page asks for the first three as soon as it has hydrated,
//! the others when first needed.
//!
//! Each action returns at once and runs when its part has arrived. A part that cannot be
//! loaded (the server went away, the connection dropped) is said in the announcement and
//! nothing changes; the next click asks for it again.
// `wasm_split` declares the part as an import that the splitter rewrites into a fetch.
#![allow(unsafe_code)]

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_split::{wasm_split, SplitLoaderError};

use crate::batch::{intake, run, transfer, Batch, Row};
use crate::components::{fields_editor, image_table};
use crate::export::Format;

const UNLOADED: &str =
    "Part of the page could not be loaded from the server, so nothing happened; check the connection and try again.";
const UNSHOWN: &str = "Part of the page could not be loaded from the server; check the connection and reload the page.";

/// Runs `action` once its part is loaded, or says why it could not be.
fn when_loaded(batch: Batch, action: impl Future<Output = Result<(), SplitLoaderError>> + 'static) {
    spawn_local(async move {
        if action.await.is_err() {
            batch.announce(UNLOADED);
        }
    });
}

/// Asks for the parts every visit uses, so the first files and the first "Describe all"
/// do not wait for them. A failure here is only said when an action needs the part.
pub fn prefetch() {
    spawn_local(async move {
        let _ = preload_intake().await;
        let _ = preload_table().await;
        let _ = preload_describe().await;
    });
}

#[wasm_split(intake, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_intake))]
fn add_files_now(batch: Batch, files: Vec<web_sys::File>) -> Result<(), SplitLoaderError> {
    intake::add_files(batch, files);
    Ok(())
}

/// Adds files as rows, then reads, hashes and previews them (`intake::add_files`).
pub fn add_files(batch: Batch, files: Vec<web_sys::File>) {
    if !files.is_empty() {
        when_loaded(batch, add_files_now(batch, files));
    }
}

#[wasm_split(intake, wasm_split_path = ::leptos::wasm_split, fallible)]
fn restore_now(batch: Batch) -> Result<(), SplitLoaderError> {
    intake::restore(batch);
    Ok(())
}

/// Rebuilds the table from IndexedDB after a reload (`intake::restore`).
pub fn restore(batch: Batch) {
    when_loaded(batch, restore_now(batch));
}

#[wasm_split(intake, wasm_split_path = ::leptos::wasm_split, fallible)]
fn clear_all_now(batch: Batch) -> Result<(), SplitLoaderError> {
    intake::clear_all(batch);
    Ok(())
}

/// "Clear all" (`intake::clear_all`).
pub fn clear_all(batch: Batch) {
    when_loaded(batch, clear_all_now(batch));
}

/// A view whose code is loaded on demand: nothing while it loads, a sentence if it cannot be.
fn lazy_view<F>(load: fn() -> F) -> impl IntoView
where
    F: Future<Output = Result<AnyView, SplitLoaderError>> + Send + 'static,
{
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                load().await.unwrap_or_else(|_| view! { <p class="error" role="alert">{UNSHOWN}</p> }.into_any())
            })}
        </Suspense>
    }
}

#[wasm_split(table, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_table))]
fn table_now() -> Result<AnyView, SplitLoaderError> {
    Ok(image_table::table_rows().into_any())
}

/// The tally and the table's rows (`image_table::table_rows`).
pub fn table() -> impl IntoView {
    lazy_view(table_now)
}

#[wasm_split(fields, wasm_split_path = ::leptos::wasm_split, fallible)]
fn field_rows_now() -> Result<AnyView, SplitLoaderError> {
    Ok(fields_editor::field_rows().into_any())
}

/// The fields editor's inputs, one group per field (`fields_editor::field_rows`).
pub fn field_rows() -> impl IntoView {
    lazy_view(field_rows_now)
}

#[wasm_split(describe, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_describe))]
fn describe_all_now(batch: Batch) -> Result<(), SplitLoaderError> {
    run::describe_all(batch);
    Ok(())
}

/// "Describe all" (`run::describe_all`).
pub fn describe_all(batch: Batch) {
    when_loaded(batch, describe_all_now(batch));
}

#[wasm_split(describe, wasm_split_path = ::leptos::wasm_split, fallible)]
fn estimate_now(batch: Batch) -> Result<Option<String>, SplitLoaderError> {
    Ok(run::estimate(batch))
}

/// What "Describe all" would cost now (`run::estimate`); none until the part is loaded.
pub async fn estimate(batch: Batch) -> Option<String> {
    estimate_now(batch).await.ok().flatten()
}

#[wasm_split(describe, wasm_split_path = ::leptos::wasm_split, fallible)]
fn describe_one_now(batch: Batch, row: Row) -> Result<(), SplitLoaderError> {
    run::describe_one(batch, row);
    Ok(())
}

/// A row's "Regenerate" or "Retry" (`run::describe_one`).
pub fn describe_one(batch: Batch, row: Row) {
    when_loaded(batch, describe_one_now(batch, row));
}

#[wasm_split(transfer, wasm_split_path = ::leptos::wasm_split, fallible)]
fn export_now(batch: Batch, format: Format) -> Result<(), SplitLoaderError> {
    transfer::export(batch, format);
    Ok(())
}

/// Downloads the table in one of the export formats (`transfer::export`).
pub fn export(batch: Batch, format: Format) {
    when_loaded(batch, export_now(batch, format));
}

#[wasm_split(transfer, wasm_split_path = ::leptos::wasm_split, fallible)]
fn export_images_now(batch: Batch) -> Result<(), SplitLoaderError> {
    transfer::export_images(batch);
    Ok(())
}

/// "Download images with alt text" (`transfer::export_images`).
pub fn export_images(batch: Batch) {
    when_loaded(batch, export_images_now(batch));
}

#[wasm_split(transfer, wasm_split_path = ::leptos::wasm_split, fallible)]
fn import_now(batch: Batch, file: web_sys::File) -> Result<(), SplitLoaderError> {
    transfer::import(batch, file);
    Ok(())
}

/// "Import descriptions" (`transfer::import`).
pub fn import(batch: Batch, file: web_sys::File) {
    when_loaded(batch, import_now(batch, file));
}
