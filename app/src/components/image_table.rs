//! The table of images, one row each, in the order they were added.

use leptos::prelude::*;

use super::image_row::ImageRow;
use crate::batch::use_batch;

#[component]
pub fn ImageTable() -> impl IntoView {
    let batch = use_batch();
    view! {
        <Show
            when=move || !batch.rows.read().is_empty()
            fallback=|| view! { <p class="empty">"No images yet. Choose “Add images”, drop files here, or paste."</p> }
        >
            <table class="images">
                <caption class="visually-hidden">"Images and their descriptions"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Image"</th>
                        <th scope="col">"File"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Description"</th>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || batch.rows.get() key=|row| row.id let:row>
                        <ImageRow row />
                    </For>
                </tbody>
            </table>
        </Show>
    }
}
