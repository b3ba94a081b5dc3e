//! What to ask for: the prompt with its presets, the model, the detail, how many at once.

use leptos::prelude::*;

use crate::batch::use_batch;
use crate::describe::{Detail, ProviderInfo, PRESETS};

#[component]
pub fn SettingsPanel(status: Resource<Result<ProviderInfo, ServerFnError>>) -> impl IntoView {
    let batch = use_batch();
    // The server's model fills the box until the user types their own.
    Effect::new(move |_| {
        if let Some(Ok(status)) = status.get() {
            if batch.model.get_untracked().is_empty() {
                batch.model.set(status.default_model);
            }
        }
    });
    let presets = PRESETS
        .iter()
        .map(|(label, prompt)| {
            let pressed = move || (batch.prompt.read().as_str() == *prompt).to_string();
            view! {
                <button type="button" aria-pressed=pressed on:click=move |_| batch.prompt.set(prompt.to_string())>
                    {*label}
                </button>
            }
        })
        .collect_view();

    view! {
        <section class="settings" aria-label="What to write">
            <div class="field prompt-field">
                <label for="prompt">"Prompt"</label>
                <textarea
                    id="prompt"
                    rows="3"
                    prop:value=move || batch.prompt.get()
                    on:input=move |ev| batch.prompt.set(event_target_value(&ev))
                ></textarea>
            </div>
            <div class="presets" role="group" aria-labelledby="presets-label">
                <span id="presets-label">"Presets"</span>
                {presets}
            </div>
            <div class="row-of-fields">
                <div class="field">
                    <label for="model">"Model"</label>
                    <input
                        id="model"
                        type="text"
                        spellcheck="false"
                        prop:value=move || batch.model.get()
                        on:change=move |ev| batch.model.set(event_target_value(&ev).trim().to_string())
                    />
                </div>
                <div class="field">
                    <label for="detail">"Detail"</label>
                    <select
                        id="detail"
                        on:change=move |ev| {
                            if let Some(detail) = Detail::parse(&event_target_value(&ev)) {
                                batch.detail.set(detail);
                            }
                        }
                    >
                        {Detail::ALL
                            .into_iter()
                            .map(|d| {
                                view! {
                                    <option value=d.as_str() selected=move || batch.detail.get() == d>
                                        {d.as_str()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="parallel">"Parallel requests"</label>
                    <input
                        id="parallel"
                        type="number"
                        min="1"
                        max="8"
                        prop:value=move || batch.parallel.get().to_string()
                        on:change=move |ev| {
                            if let Ok(n) = event_target_value(&ev).parse::<u32>() {
                                batch.parallel.set(n.clamp(1, 8));
                            }
                        }
                    />
                </div>
            </div>
        </section>
    }
}
