//! The one page: settings, toolbar and the table, with files accepted from anywhere on it.

use leptos::ev;
use leptos::prelude::*;

use super::image_table::ImageTable;
use super::provider_notice::ProviderNotice;
use super::providers::provide_providers_context;
use super::settings_panel::SettingsPanel;
use super::sign_in::{provide_viewer_context, SignIn};
use super::toolbar::Toolbar;
use crate::batch::{actions, provide_batch_context};
use crate::browser::files;

#[component]
pub fn DescribePage() -> impl IntoView {
    let (hydrated, set_hydrated) = signal(false);
    let session = provide_viewer_context();
    // What the server offers depends on who asks: asked again after signing in or out.
    let providers = provide_providers_context(session, hydrated);
    let batch = provide_batch_context(providers.info);
    // The viewer's limits bound the settings; read once each answer arrives.
    Effect::new(move |_| {
        if let Some(Ok(viewer)) = session.viewer.get() {
            if viewer.max_parallel > 0 {
                batch.max_parallel.set(viewer.max_parallel);
                batch.parallel.update(|n| *n = (*n).min(viewer.max_parallel).max(1));
            }
            batch.max_output_tokens.set(viewer.max_output_tokens.max(1));
        }
    });
    // What is left of a budget changes with every run: ask again when one ends.
    Effect::new(move |was_running: Option<bool>| {
        let running = batch.running();
        if was_running == Some(true) && !running {
            session.viewer.refetch();
        }
        running
    });
    let (dragging, set_dragging) = signal(false);

    // Browser-only start-up: restore the saved table, fetch the code adding and describing
    // take, and accept pasted images.
    Effect::new(move |_| {
        set_hydrated.set(true);
        actions::restore(batch);
        actions::prefetch();
    });
    let paste = window_event_listener(ev::paste, move |event| {
        let pasted = files::from_paste(&event);
        if !pasted.is_empty() {
            event.prevent_default();
            actions::add_files(batch, pasted);
        }
    });
    on_cleanup(move || paste.remove());

    view! {
        <main
            class="page"
            class:dragging=dragging
            data-hydrated=move || hydrated.get().to_string()
            on:dragover=move |event: ev::DragEvent| {
                event.prevent_default();
                set_dragging.set(true);
            }
            on:dragleave=move |_| set_dragging.set(false)
            on:drop=move |event: ev::DragEvent| {
                event.prevent_default();
                set_dragging.set(false);
                actions::add_files(batch, files::from_drop(&event));
            }
        >
            <header class="masthead">
                <h1>"picscribe"</h1>
                <p class="tagline">"Drop in images, say what you want, get a description for each."</p>
            </header>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let viewer = session.viewer.await;
                    view! { <SignIn viewer /> }
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let status = providers.status.await;
                    view! { <ProviderNotice status /> }
                })}
            </Transition>
            <SettingsPanel />
            <Toolbar />
            <p class="announcement" role="status" aria-live="polite">
                {move || batch.announcement.get()}
            </p>
            <ImageTable />
            <p class="drop-hint">"Drag images anywhere on this page, or paste them, to add them."</p>
        </main>
    }
}
