//! The batch's controls: add, describe all (or send as a batch), cancel, progress, export, clear.

use leptos::prelude::*;

use super::add_from_urls::AddFromUrls;
use super::file_button::file_button;
use crate::batch::{actions, use_batch, Batch, Phase};
use crate::browser::files;
use crate::describe::ProviderInfo;
use crate::export::Format;

#[component]
pub fn Toolbar() -> impl IntoView {
    let batch = use_batch();
    // What the server offers, from the page's providers context once it has hydrated.
    let configured = move || batch.providers.with(ProviderInfo::configured);
    let empty = move || batch.rows.read().is_empty();
    let estimate = actions::watch_estimate(batch, move || configured() && !empty() && !batch.running());
    let saved_label = move || match (batch.storage_error.get(), batch.saving.get()) {
        (Some(error), _) => error,
        (None, 0) => "All changes saved in this browser".to_string(),
        (None, _) => "Saving…".to_string(),
    };

    view! {
        <section class="toolbar" aria-label="Images">
            <label for="add-images" class="button primary">"Add images"</label>
            <input
                id="add-images"
                class="visually-hidden"
                type="file"
                multiple
                accept="image/*"
                on:change=move |ev| actions::add_files(batch, files::from_input(&ev))
            />
            <AddFromUrls />
            <button
                type="button"
                class="primary"
                disabled=move || !configured() || batch.running() || empty()
                aria-describedby="estimate"
                on:click=move |_| actions::describe_all(batch)
            >
                "Describe all"
            </button>
            // Outside the lazy view, so that the page as served and as hydrated agree (both
            // before the providers are known); the buttons' code comes with describing.
            // "Cancel batch" shows with the provider the rows were sent to.
            <Show when=move || batch_offered(batch)>
                {crate::on_demand::batch_buttons()}
            </Show>
            <span id="estimate" class="estimate">
                {move || estimate.get()}
            </span>
            <label class="checkbox">
                <input type="checkbox" bind:checked=batch.include_edited />
                "Include edited rows"
            </label>
            <Show when=move || batch.running()>
                <button type="button" on:click=move |_| actions::cancel(batch)>
                    "Cancel"
                </button>
            </Show>
            // No run when the page is served; its code comes with describing.
            <Show when=move || batch.run.get().is_some_and(|run| run.total > 0)>
                {crate::on_demand::progress()}
            </Show>
            <span class="spacer"></span>
            {Format::ALL
                .into_iter()
                .map(|format| {
                    view! {
                        <button type="button" disabled=empty on:click=move |_| actions::export(batch, format)>
                            {format.label()}
                        </button>
                    }
                })
                .collect_view()}
            <button type="button" disabled=empty on:click=move |_| actions::export_images(batch)>
                "Download images with alt text"
            </button>
            {file_button(
                "import-descriptions",
                "Import descriptions",
                ".csv,.jsonl,.json,text/csv,application/json",
                move |file| actions::import(batch, file),
            )}
            <button type="button" disabled=empty on:click=move |_| actions::clear_all(batch)>
                "Clear all"
            </button>
            <span class="saved" role="status">{saved_label}</span>
        </section>
    }
}

/// The run's progress bar, its counts and what it has cost; loaded with the describing
/// part (`on_demand`).
pub fn progress() -> impl IntoView {
    let batch: Batch = use_batch();
    let progress_label = move || batch.run.get().map(|run| run.progress_label()).unwrap_or_default();
    view! {
        <div class="progress">
            <label for="progress">"Progress"</label>
            <progress
                id="progress"
                max=move || batch.run.get().map_or(0, |run| run.total)
                value=move || batch.run.get().map_or(0, |run| run.finished)
                aria-valuetext=progress_label
            ></progress>
            <span>{progress_label}</span>
            <span class="spent">{move || batch.run.get().and_then(|run| run.spent_label())}</span>
        </div>
    }
}

/// Whether the chosen provider has a batch service.
fn batch_offered(batch: Batch) -> bool {
    batch.providers.with(|info| info.choose(&batch.provider.get()).is_some_and(|p| p.batch))
}

/// Whether any row waits in a batch.
fn batch_waiting(batch: Batch) -> bool {
    batch.rows.with(|rows| rows.iter().any(|r| r.phase.with(|p| matches!(p, Phase::InBatch { .. }))))
}

/// "Send as a batch" when the chosen provider has a batch service, and "Cancel batch"
/// while a row waits in one; loaded with the describing part (`on_demand`).
pub fn batch_buttons() -> impl IntoView {
    let batch: Batch = use_batch();
    let configured = move || batch.providers.with(ProviderInfo::configured);
    view! {
        <Show when=move || batch_offered(batch)>
            <button
                type="button"
                disabled=move || !configured() || batch.running() || batch.rows.read().is_empty()
                aria-describedby="estimate"
                on:click=move |_| actions::send_batch(batch)
            >
                "Send as a batch (about half the price, ready within 24 hours)"
            </button>
        </Show>
        <Show when=move || batch_waiting(batch)>
            <button type="button" on:click=move |_| actions::cancel_batches(batch)>
                "Cancel batch"
            </button>
        </Show>
    }
}
