//! Browser-only work: reading and hashing files, shrinking images on a canvas, IndexedDB,
//! downloads. Called from event handlers and effects, which never run on the server.

pub mod files;
pub mod imaging;
pub mod in_view;
pub mod prefs;
pub mod records;
pub mod store;
mod worker;

use std::cell::RefCell;
use std::collections::HashMap;

use crate::describe::{Detail, ResizeRule};

/// The original file behind a row and the object URL of its small preview, which is
/// revoked when dropped. The file itself never gets a URL: thousands of full-size images
/// in `<img>`s would each be decoded and kept.
struct Held {
    blob: web_sys::Blob,
    preview: Option<gloo_file::ObjectUrl>,
}

thread_local! {
    /// What each row holds of the browser; `Blob`s cannot live in reactive signals.
    static HELD: RefCell<HashMap<u64, Held>> = RefCell::new(HashMap::new());
    /// Shrunk uploads by row, provider rule and detail, so a retry or a new prompt does not re-encode.
    static UPLOADS: RefCell<HashMap<(u64, ResizeRule, Detail), String>> = RefCell::new(HashMap::new());
}

/// Keeps a row's file.
pub fn hold(id: u64, blob: web_sys::Blob) {
    HELD.with(|h| h.borrow_mut().insert(id, Held { blob, preview: None }));
}

/// Decodes a row's file and keeps its small preview; returns the image's size and the
/// preview's URL. `Ok(None)` when the row has gone meanwhile.
pub async fn make_preview(id: u64) -> Result<Option<((u32, u32), String)>, imaging::NoPreview> {
    let Some(blob) = blob_of(id) else { return Ok(None) };
    let made = imaging::preview(&blob).await?;
    let url = gloo_file::ObjectUrl::from(gloo_file::Blob::from(made.thumb));
    let text = url.to_string();
    // The row may have gone while decoding; then the URL is revoked here, when dropped.
    let kept = HELD.with(|h| h.borrow_mut().get_mut(&id).map(|held| held.preview = Some(url)));
    Ok(kept.map(|()| ((made.width, made.height), text)))
}

pub fn blob_of(id: u64) -> Option<web_sys::Blob> {
    HELD.with(|h| h.borrow().get(&id).map(|held| held.blob.clone()))
}

/// Drops everything held for a row; its preview URL is revoked.
pub fn forget(id: u64) {
    HELD.with(|h| h.borrow_mut().remove(&id));
    UPLOADS.with(|u| u.borrow_mut().retain(|(row, _, _), _| *row != id));
}

/// The image as it will be sent: shrunk once per row, provider rule and detail, then reused.
pub async fn upload_for(id: u64, rule: ResizeRule, detail: Detail) -> Result<String, String> {
    if let Some(done) = UPLOADS.with(|u| u.borrow().get(&(id, rule, detail)).cloned()) {
        return Ok(done);
    }
    let blob = blob_of(id).ok_or_else(|| "The image is no longer in this page; add it again.".to_string())?;
    let prepared = imaging::prepare_upload(&blob, rule, detail).await?;
    UPLOADS.with(|u| u.borrow_mut().insert((id, rule, detail), prepared.clone()));
    Ok(prepared)
}

/// Offers bytes as a file download.
pub fn download(filename: &str, bytes: &[u8], mime: &str) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    let fail = |_| "The browser refused to create the download.".to_string();
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("No document to download from.")?;
    let anchor: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(fail)?.dyn_into().map_err(|_| "No anchor element.".to_string())?;
    anchor.set_href(&url);
    anchor.set_download(filename);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Waits in the browser without blocking it.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Reads text aloud with the browser's own voice, as a screen reader would say it;
/// whatever was being read stops first.
pub fn speak(text: &str) -> Result<(), String> {
    let voice = web_sys::window()
        .and_then(|window| window.speech_synthesis().ok())
        .ok_or("This browser cannot read text aloud.")?;
    let utterance =
        web_sys::SpeechSynthesisUtterance::new_with_text(text).map_err(|_| "This browser cannot read text aloud.")?;
    voice.cancel();
    voice.speak(&utterance);
    Ok(())
}

/// The original file's bytes, for the images export.
pub async fn bytes_of(id: u64) -> Result<Vec<u8>, String> {
    let blob = blob_of(id).ok_or_else(|| "An image is no longer in this page; reload and try again.".to_string())?;
    gloo_file::futures::read_as_bytes(&gloo_file::Blob::from(blob))
        .await
        .map_err(|_| "An image could not be read back from this browser; nothing was downloaded.".to_string())
}

/// Asks the browser's own yes/no question; no answer (or no window) is no.
pub fn confirm(question: &str) -> bool {
    web_sys::window().and_then(|w| w.confirm_with_message(question).ok()).unwrap_or(false)
}
