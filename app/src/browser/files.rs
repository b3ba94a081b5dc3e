//! Getting files out of the picker, a drop or a paste, and looking inside them before
//! anything else: what they really are, whether they are whole, and their content hash.

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::images::problem_with;

pub fn from_list(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

pub fn from_input(event: &web_sys::Event) -> Vec<web_sys::File> {
    let Some(input) = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
        return Vec::new();
    };
    let files = from_list(input.files());
    // Lets the same file be chosen again after it was removed.
    input.set_value("");
    files
}

pub fn from_drop(event: &web_sys::DragEvent) -> Vec<web_sys::File> {
    from_list(event.data_transfer().and_then(|d| d.files()))
}

pub fn from_paste(event: &web_sys::ClipboardEvent) -> Vec<web_sys::File> {
    from_list(event.clipboard_data().and_then(|d| d.files()))
}

/// What reading a file found.
pub struct Inspection {
    pub hash: String,
    pub problem: Option<String>,
}

/// Reads the file once: SHA-256 of its bytes (by the browser's own crypto) and a check of
/// its first and last bytes. The bytes stay in JavaScript; only 32 of them are copied.
pub async fn inspect(file: &web_sys::File) -> Result<Inspection, String> {
    let unreadable = |_| format!("{} could not be read from disk.", file.name());
    let buffer: ArrayBuffer = JsFuture::from(file.array_buffer()).await.map_err(unreadable)?.unchecked_into();
    let bytes = Uint8Array::new(&buffer);
    let len = bytes.length();
    let head = bytes.subarray(0, len.min(32)).to_vec();
    let tail = bytes.subarray(len.saturating_sub(32), len).to_vec();
    let problem =
        if len == 0 { Some(format!("{} is empty.", file.name())) } else { problem_with(&file.name(), &head, &tail) };
    let hash = sha256_hex(&buffer).await.map_err(unreadable)?;
    Ok(Inspection { hash, problem })
}

async fn sha256_hex(buffer: &ArrayBuffer) -> Result<String, wasm_bindgen::JsValue> {
    let subtle = web_sys::window().ok_or(wasm_bindgen::JsValue::NULL)?.crypto()?.subtle();
    let digest = JsFuture::from(subtle.digest_with_str_and_buffer_source("SHA-256", buffer)?).await?;
    let digest = Uint8Array::new(&digest).to_vec();
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}
