//! "Add from URLs": a text area of image addresses, one a line, which the server fetches.

use leptos::prelude::*;

use crate::batch::{actions, use_batch};

#[component]
pub fn AddFromUrls() -> impl IntoView {
    let batch = use_batch();
    let text = RwSignal::new(String::new());
    // Reading the list is the intake part's (`intake::add_urls`), loaded when first used.
    let add = move || actions::add_urls(batch, text, text.get_untracked());
    view! {
        <details class="add-urls">
            <summary>"Add from URLs"</summary>
            <label for="image-urls">"Image URLs, one a line"</label>
            <textarea id="image-urls" rows="4" bind:value=text placeholder="https://shop.example/files/mug.jpg"></textarea>
            <button type="button" disabled=move || text.with(|t| t.trim().is_empty()) on:click=move |_| add()>
                "Add images from URLs"
            </button>
        </details>
    }
}
