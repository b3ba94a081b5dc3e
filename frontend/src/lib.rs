//! The WebAssembly entry point: hydrates the server-rendered page.
// The page's view type is deep; the release build needs room to lay it out.
#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
