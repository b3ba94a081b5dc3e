//! The table of images, one row each, in the order they were added. Rows come in blocks;
//! only the blocks on or near the screen are in the document, the others are a spacer of
//! the height they had (or will have), so thousands of rows cost what a few dozen do.

use std::cell::Cell;

use leptos::prelude::*;

use super::image_row::ImageRow;
use crate::batch::{actions, items, use_batch};
use crate::browser::in_view::{self, Seen};
use crate::on_demand;

/// Rows per block: a screen is a few blocks, and building one (its rows, then the
/// browser's style and layout of them) stays a short task. At 25 a block coming into view
/// while scrolling 500 photos took 52–89 ms in some runs.
const BLOCK: usize = 10;

thread_local! {
    /// The height of a row as last measured, for blocks never shown yet (CSS pixels).
    static ROW_HEIGHT: Cell<f64> = const { Cell::new(142.0) };
}

/// The table, or what to do while it is empty. The table's own code is loaded when the
/// first row arrives (`on_demand::table`): the page is never served with rows in it.
#[component]
pub fn ImageTable() -> impl IntoView {
    let batch = use_batch();
    let empty = Memo::new(move |_| batch.rows.with(Vec::is_empty));
    view! {
        <Show
            when=move || !empty.get()
            fallback=|| view! { <p class="empty">"No images yet. Choose “Add images”, drop files here, or paste."</p> }
        >
            {on_demand::table()}
        </Show>
    }
}

/// The tally and the rows, in blocks.
pub fn table_rows() -> impl IntoView {
    let batch = use_batch();
    let count = Memo::new(move |_| batch.rows.with(Vec::len));
    let blocks = Memo::new(move |_| count.get().div_ceil(BLOCK));
    let tally = actions::watch_tally(batch);
    view! {
        <p id="tally" class="tally">{move || tally.get()}</p>
        <div class="item-tools" role="group" aria-label="Photos of one item">
            <button type="button" on:click=move |_| items::together(batch)>
                "Describe together"
            </button>
            <button type="button" on:click=move |_| items::separate(batch)>
                "Separate"
            </button>
            <button type="button" on:click=move |_| items::group_by_name(batch)>
                "Group by name"
            </button>
        </div>
        // The header row and every image row, shown or not.
        <table class="images" aria-rowcount=move || count.get() + 1 aria-describedby="tally">
            <caption class="visually-hidden">"Images and their descriptions"</caption>
            <thead>
                <tr aria-rowindex="1">
                    <th scope="col">"Image"</th>
                    <th scope="col">"File"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Description"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <For each=move || 0..blocks.get() key=|block| *block let:block>
                <RowBlock block />
            </For>
        </table>
    }
}

/// Rows `block × BLOCK ..`: built while near the screen, else one spacer row as tall.
#[component]
fn RowBlock(block: usize) -> impl IntoView {
    let batch = use_batch();
    let start = block * BLOCK;
    let span = move || batch.rows.with(|rows| within(start, rows.len()));
    // The first block is built at once; the others when the observer finds them near.
    let near = RwSignal::new(block == 0);
    let per_row = RwSignal::new(None::<f64>);
    let node = NodeRef::<leptos::html::Tbody>::new();
    let id = block as u64;
    Effect::new(move |_| {
        let Some(tbody) = node.get() else { return };
        in_view::watch(id, tbody.into(), move |seen| match seen {
            Seen::Near => {
                if !near.get_untracked() {
                    near.set(true);
                }
            }
            Seen::Far(height) if near.get_untracked() => {
                let rows = untrack(span).len();
                if rows > 0 && height > 0.0 {
                    let measured = height / rows as f64;
                    ROW_HEIGHT.set(measured);
                    per_row.set(Some(measured));
                }
                near.set(false);
            }
            Seen::Far(_) => {}
        });
    });
    on_cleanup(move || in_view::unwatch(id));
    let rows = move || batch.rows.with(|rows| rows[within(start, rows.len())].to_vec());
    let spacer_height = move || {
        let each = per_row.get().unwrap_or_else(|| ROW_HEIGHT.get());
        format!("{}px", (each * span().len() as f64).round())
    };
    view! {
        <tbody node_ref=node data-part=block on:focusout=move |_| in_view::recheck(id)>
            <Show
                when=move || near.get()
                fallback=move || {
                    view! {
                        <tr class="spacer" aria-hidden="true">
                            <td colspan="5" style:height=spacer_height></td>
                        </tr>
                    }
                }
            >
                <ForEnumerate
                    each=rows
                    key=|row| row.id
                    children=move |at, row| view! { <ImageRow row index=Signal::derive(move || start + at.get() + 2) /> }
                />
            </Show>
        </tbody>
    }
}

fn within(start: usize, len: usize) -> std::ops::Range<usize> {
    start.min(len)..(start + BLOCK).min(len)
}
