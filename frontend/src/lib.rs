//! The WebAssembly entry point: hydrates the server-rendered page.
// The page's view type is deep; the release build needs room to lay it out.
#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}

/// Room in the page's static data for `cargo leptos build --split`. The splitter lays out
/// each part's share of `.rodata` again, with its own alignment padding, and when that
/// comes out even a few bytes longer than the linker's segment it keeps the whole
/// segment — every part's strings and tables — in the module the page loads (seen: 66 →
/// 132 KB of static data, +41 KB gzipped, after an unrelated change; wasm-split-prototype
/// PR #60 is the upstream fix). Nothing refers to this, so the splitter leaves it out of
/// every module; `#[used]` keeps it in the linker's segment, where it is the slack.
#[used]
static SPLIT_SLACK: [u8; 4096] = [0x5a; 4096];
