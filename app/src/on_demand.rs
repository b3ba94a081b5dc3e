//! The page's code that showing it does not need, loaded from the server when it is first
//! used: reading files, rebuilding the table and the remembered settings (`intake`), the
//! table's rows (`table`), describing (`describe`), the fields editor's inputs (`fields`),
//! the exports and "Import descriptions" (`transfer`). `cargo leptos build --split` cuts
//! each group into a wasm file of its own; the page asks for the first three as soon as
//! it has hydrated, the others when first needed.
//!
//! One split point per part, taking what to do (`Intake`, `Describe`, `Transfer`), and a
//! plain function per action for the page to call. Each action returns at once and runs
//! when its part has arrived. A part that cannot be
//! loaded (the server went away, the connection dropped) is said in the announcement and
//! nothing changes; the next click asks for it again.
// `wasm_split` declares the part as an import that the splitter rewrites into a fetch.
#![allow(unsafe_code)]

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_split::{wasm_split, SplitLoaderError};

use crate::batch::{compare, intake, run, send, transfer, Batch, Row};
use crate::components::{fields_editor, first_stage, image_table, settings_memory, toolbar};
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

/// What the `intake` part does.
enum Intake {
    Add(Vec<web_sys::File>),
    AddUrls(RwSignal<String>, String),
    /// A feed's image URLs, each with its item's key, and the column that made the keys.
    AddFeed(Vec<(String, String)>, String),
    Restore,
    ClearAll,
    RestoreSettings(Box<settings_memory::Restore>),
    Remember(settings_memory::Remember),
}

#[wasm_split(intake, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_intake))]
fn intake_part(batch: Batch, job: Intake) -> Result<(), SplitLoaderError> {
    match job {
        Intake::Add(files) => intake::add_files(batch, files),
        Intake::AddUrls(field, text) => intake::add_urls(batch, field, &text),
        Intake::AddFeed(urls, column) => intake::add_feed(batch, urls, column),
        Intake::Restore => intake::restore(batch),
        Intake::ClearAll => intake::clear_all(batch),
        Intake::RestoreSettings(restore) => settings_memory::restore(batch, *restore),
        Intake::Remember(what) => settings_memory::remember(batch, what),
    }
    Ok(())
}

/// Adds files as rows, then reads, hashes and previews them (`intake::add_files`).
pub fn add_files(batch: Batch, files: Vec<web_sys::File>) {
    if !files.is_empty() {
        when_loaded(batch, intake_part(batch, Intake::Add(files)));
    }
}

/// Adds the images a text area lists by URL, fetched by the server, and empties the text
/// area once they are taken (`intake::add_urls`).
pub fn add_urls(batch: Batch, field: RwSignal<String>, text: String) {
    if !text.trim().is_empty() {
        when_loaded(batch, intake_part(batch, Intake::AddUrls(field, text)));
    }
}

/// Adds a feed's images by URL and makes an item of each product's (`intake::add_feed`).
pub fn add_feed_urls(batch: Batch, urls: Vec<(String, String)>, column: String) {
    when_loaded(batch, intake_part(batch, Intake::AddFeed(urls, column)));
}

/// Rebuilds the table from IndexedDB after a reload (`intake::restore`).
pub fn restore(batch: Batch) {
    when_loaded(batch, intake_part(batch, Intake::Restore));
}

/// "Clear all" (`intake::clear_all`).
pub fn clear_all(batch: Batch) {
    when_loaded(batch, intake_part(batch, Intake::ClearAll));
}

/// Applies the settings this browser remembered (`settings_memory::restore`). Until it
/// has, nothing is saved over them; if the part cannot be loaded they stay as they were.
pub fn restore_settings(batch: Batch, restore: settings_memory::Restore) {
    when_loaded(batch, intake_part(batch, Intake::RestoreSettings(Box::new(restore))));
}

/// Writes the settings or a saved preset into this browser's memory (`settings_memory::remember`).
pub fn remember(batch: Batch, what: settings_memory::Remember) {
    when_loaded(batch, intake_part(batch, Intake::Remember(what)));
}

/// What the `describe` part does.
enum Describe {
    All,
    One(Box<Row>),
    /// "Send as a batch".
    Batch,
    /// Ask what the batches brought back.
    Look,
    CancelBatches,
}

#[wasm_split(describe, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_describe))]
fn describe_part(batch: Batch, job: Describe) -> Result<(), SplitLoaderError> {
    match job {
        Describe::All => run::describe_all(batch),
        Describe::One(row) => run::describe_one(batch, *row),
        Describe::Batch => send::send_all(batch),
        Describe::Look => send::look(batch),
        Describe::CancelBatches => send::cancel_all(batch),
    }
    Ok(())
}

/// "Send as a batch" (`send::send_all`).
pub fn send_batch(batch: Batch) {
    when_loaded(batch, describe_part(batch, Describe::Batch));
}

/// Fills in the rows their batches have answered (`send::look`).
pub fn look_for_batches(batch: Batch) {
    when_loaded(batch, describe_part(batch, Describe::Look));
}

/// "Cancel batch" (`send::cancel_all`).
pub fn cancel_batches(batch: Batch) {
    when_loaded(batch, describe_part(batch, Describe::CancelBatches));
}

/// "Describe all" (`run::describe_all`).
pub fn describe_all(batch: Batch) {
    when_loaded(batch, describe_part(batch, Describe::All));
}

/// A row's "Regenerate" or "Retry" (`run::describe_one`).
pub fn describe_one(batch: Batch, row: Row) {
    when_loaded(batch, describe_part(batch, Describe::One(Box::new(row))));
}

#[wasm_split(describe, wasm_split_path = ::leptos::wasm_split, fallible)]
fn estimate_part(batch: Batch) -> Result<Option<String>, SplitLoaderError> {
    Ok(run::estimate(batch))
}

/// What "Describe all" would cost now (`run::estimate`); none until the part is loaded.
pub async fn estimate(batch: Batch) -> Option<String> {
    estimate_part(batch).await.ok().flatten()
}

/// What the `transfer` part does.
enum Transfer {
    Export(Format),
    ExportImages,
    Import(web_sys::File),
    /// "Add from a CSV feed", grouped by the named column.
    Feed(web_sys::File, String),
}

#[wasm_split(transfer, wasm_split_path = ::leptos::wasm_split, fallible)]
fn transfer_part(batch: Batch, job: Transfer) -> Result<(), SplitLoaderError> {
    match job {
        Transfer::Export(format) => transfer::export(batch, format),
        Transfer::ExportImages => transfer::export_images(batch),
        Transfer::Import(file) => transfer::import(batch, file),
        Transfer::Feed(file, column) => transfer::read_feed(batch, file, column),
    }
    Ok(())
}

/// Downloads the table in one of the export formats (`transfer::export`).
pub fn export(batch: Batch, format: Format) {
    when_loaded(batch, transfer_part(batch, Transfer::Export(format)));
}

/// "Download images with alt text" (`transfer::export_images`).
pub fn export_images(batch: Batch) {
    when_loaded(batch, transfer_part(batch, Transfer::ExportImages));
}

/// "Add from a CSV feed" (`transfer::read_feed`): read where its CSV reader is, then
/// added by the intake part.
pub fn add_feed(batch: Batch, file: web_sys::File, column: String) {
    when_loaded(batch, transfer_part(batch, Transfer::Feed(file, column)));
}

/// "Import descriptions" (`transfer::import`).
pub fn import(batch: Batch, file: web_sys::File) {
    when_loaded(batch, transfer_part(batch, Transfer::Import(file)));
}

/// A part's view as it loads; boxed, so that every lazy view shares one copy of the code.
type PartView = std::pin::Pin<Box<dyn Future<Output = Result<AnyView, SplitLoaderError>> + Send>>;

/// A view whose code is loaded on demand: nothing while it loads, a sentence if it cannot be.
fn lazy_view(load: fn() -> PartView) -> impl IntoView {
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                load().await.unwrap_or_else(|_| view! { <p class="error" role="alert">{UNSHOWN}</p> }.into_any())
            })}
        </Suspense>
    }
}

#[wasm_split(table, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_table))]
fn table_part() -> Result<AnyView, SplitLoaderError> {
    Ok(image_table::table_rows().into_any())
}

/// The tally and the table's rows (`image_table::table_rows`).
pub fn table() -> impl IntoView {
    lazy_view(|| Box::pin(table_part()))
}

#[wasm_split(describe, wasm_split_path = ::leptos::wasm_split, fallible)]
fn batch_buttons_part() -> Result<AnyView, SplitLoaderError> {
    Ok(toolbar::batch_buttons().into_any())
}

/// "Send as a batch" and "Cancel batch" (`toolbar::batch_buttons`).
pub fn batch_buttons() -> impl IntoView {
    lazy_view(|| Box::pin(batch_buttons_part()))
}

#[wasm_split(describe, wasm_split_path = ::leptos::wasm_split, fallible)]
fn progress_part() -> Result<AnyView, SplitLoaderError> {
    Ok(toolbar::progress().into_any())
}

/// The run's progress and cost (`toolbar::progress`).
pub fn progress() -> impl IntoView {
    lazy_view(|| Box::pin(progress_part()))
}

#[wasm_split(describe, wasm_split_path = ::leptos::wasm_split, fallible)]
fn confidence_part() -> Result<AnyView, SplitLoaderError> {
    Ok(first_stage::confidence_field().into_any())
}

/// "Minimum confidence" (`first_stage::confidence_field`).
pub fn confidence_field() -> impl IntoView {
    lazy_view(|| Box::pin(confidence_part()))
}

#[wasm_split(describe, wasm_split_path = ::leptos::wasm_split, fallible)]
fn compare_part() -> Result<AnyView, SplitLoaderError> {
    Ok(compare::compare_field().into_any())
}

/// "Compare with" (`compare::compare_field`).
pub fn compare_field() -> impl IntoView {
    lazy_view(|| Box::pin(compare_part()))
}

#[wasm_split(fields, wasm_split_path = ::leptos::wasm_split, fallible)]
fn fields_part() -> Result<AnyView, SplitLoaderError> {
    Ok(fields_editor::field_rows().into_any())
}

/// The fields editor's inputs, one group per field (`fields_editor::field_rows`).
pub fn field_rows() -> impl IntoView {
    lazy_view(|| Box::pin(fields_part()))
}
