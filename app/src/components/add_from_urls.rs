//! "Add from URLs": a text area of image addresses, one a line, which the server fetches.

use leptos::prelude::*;

use crate::batch::{actions, use_batch};
use crate::urls::{urls_in, MAX_URLS};

#[component]
pub fn AddFromUrls() -> impl IntoView {
    let batch = use_batch();
    let text = RwSignal::new(String::new());
    let add = move || {
        let urls = urls_in(&text.get_untracked());
        if urls.len() > MAX_URLS {
            batch.announce(format!("Add at most {MAX_URLS} URLs at a time; this list has {}.", urls.len()));
            return;
        }
        if !urls.is_empty() {
            text.set(String::new());
            actions::add_urls(batch, urls);
        }
    };
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
