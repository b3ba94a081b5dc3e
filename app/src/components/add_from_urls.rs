//! "Add from URLs": a text area of image addresses, one a line, which the server fetches,
//! or a shop's CSV feed, its rows grouped into products by a column.

use leptos::prelude::*;

use super::file_button::file_button;
use crate::batch::{actions, use_batch};

#[component]
pub fn AddFromUrls() -> impl IntoView {
    let batch = use_batch();
    let text = RwSignal::new(String::new());
    // A feed's column whose rows with one value are one product (Shopify's `Handle`).
    let group = RwSignal::new(String::new());
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
            <div class="row-of-fields">
                <div class="field">
                    <label for="feed-group">"Group a feed's rows by column"</label>
                    <input id="feed-group" type="text" aria-describedby="feed-group-hint" spellcheck="false" bind:value=group />
                    <span id="feed-group-hint" class="hint">
                        "A Shopify feed's is Handle; empty keeps each image a row of its own."
                    </span>
                </div>
                {file_button(
                    "feed-file",
                    "Add from a CSV feed",
                    ".csv,text/csv",
                    move |file| actions::add_feed(batch, file, group.get_untracked()),
                )}
            </div>
        </details>
    }
}
