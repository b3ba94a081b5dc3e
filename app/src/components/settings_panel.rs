//! What to ask for: the prompt with its presets, the provider and model, the detail, how
//! many at once. The choices are remembered in this browser.

use leptos::prelude::*;

use crate::batch::{use_batch, Batch};
use crate::browser::prefs::{Prefs, SavedPreset};
use crate::components::fields_editor::FieldsEditor;
use crate::components::first_stage::FirstStageFields;
use crate::components::settings_memory::{Choices, Remember, Restore};
use crate::describe::prompt::VARIABLES;
use crate::describe::{
    hundredths_text, parse_hundredths, Detail, ProviderInfo, ProviderKind, CAPTION_FROM_TAGS, PRESETS,
};
use crate::fields::preset_fields;
use crate::on_demand;

/// Suggested in "Answer language"; anything else can be typed.
const LANGUAGES: [&str; 12] = [
    "English",
    "German",
    "French",
    "Spanish",
    "Italian",
    "Portuguese",
    "Dutch",
    "Polish",
    "Swedish",
    "Japanese",
    "Chinese",
    "Arabic",
];
use crate::components::providers::ProvidersContext;

/// Switches provider, back to the model last used with it, or its default.
fn choose_provider(batch: Batch, id: String, remembered: StoredValue<Prefs>) {
    let Some(provider) = batch.providers.with_untracked(|info| info.choose(&id).cloned()) else { return };
    let model = remembered.with_value(|p| p.models.get(&provider.id).cloned()).unwrap_or(provider.default_model);
    batch.provider.set(provider.id);
    batch.model.set(model);
}

/// "Caption from tags" is the reference app's pipeline: its tags come from Azure AI Vision
/// when the server has it, else from the built-in image facts.
fn analyse_with_vision(batch: Batch) {
    if batch.analyse_with.with_untracked(String::is_empty) {
        let vision = batch.providers.with_untracked(|info| {
            info.providers.iter().find(|p| p.kind == ProviderKind::AzureVision).map(|p| p.id.clone())
        });
        batch.analyse_with.set(vision.unwrap_or_else(|| crate::describe::analysis::BUILTIN.into()));
    }
}

#[component]
pub fn SettingsPanel() -> impl IntoView {
    let batch = use_batch();
    let status = use_context::<ProvidersContext>().map(|p| p.status);
    // What this browser remembered; applied once, when the server has said what it offers.
    let remembered: StoredValue<Prefs> = StoredValue::new(Prefs::default());
    let restored = RwSignal::new(false);
    let saved_presets = RwSignal::new(Vec::<SavedPreset>::new());
    // Asked once: after that the effect reads nothing, so it never runs again.
    Effect::new(move |asked: Option<bool>| {
        if asked == Some(true) {
            return true;
        }
        let Some(Ok(info)) = status.and_then(|s| s.get()) else { return false };
        on_demand::restore_settings(batch, Restore { info, prefs: remembered, presets: saved_presets, restored });
        true
    });
    // Remember every change once the saved choices are in (and what was picked before they
    // were, as they arrive); written in the `intake` part, whose JSON writer the page need
    // not carry.
    Effect::new(move |_| {
        let (provider, model) = (batch.provider.get(), batch.model.get());
        let (prompt, detail, parallel) = (batch.prompt.get(), batch.detail.get(), batch.parallel.get());
        let (fields, language, temperature) = (batch.fields.get(), batch.language.get(), batch.temperature.get());
        let (analyse_with, min_confidence) = (batch.analyse_with.get(), batch.min_confidence.get());
        let compare = batch.compare.get();
        if !restored.get() || provider.is_empty() {
            return;
        }
        let choices = Choices {
            provider,
            model,
            prompt,
            detail,
            parallel,
            fields,
            language,
            temperature,
            analyse_with,
            min_confidence,
            compare,
        };
        on_demand::remember(batch, Remember::Choices(remembered, Box::new(choices)));
    });

    let presets = PRESETS
        .iter()
        .map(|(label, prompt)| {
            let pressed = move || {
                (batch.prompt.read().as_str() == *prompt && *batch.fields.read() == preset_fields(label)).to_string()
            };
            let choose = move |_| {
                batch.prompt.set(prompt.to_string());
                batch.fields.set(preset_fields(label));
                if *prompt == CAPTION_FROM_TAGS {
                    analyse_with_vision(batch);
                }
            };
            view! {
                <button type="button" aria-pressed=pressed on:click=choose>
                    {*label}
                </button>
            }
        })
        .collect_view();
    let preset_name = RwSignal::new(String::new());
    let save_preset =
        move |_| on_demand::remember(batch, Remember::Preset { remembered, saved: saved_presets, name: preset_name });
    let saved_buttons = move || {
        saved_presets
            .get()
            .into_iter()
            .map(|preset| {
                let SavedPreset { name, prompt, fields } = preset;
                let label = name.clone();
                view! {
                    <button
                        type="button"
                        class="saved-preset"
                        on:click=move |_| {
                            batch.prompt.set(prompt.clone());
                            batch.fields.set(fields.clone());
                        }
                    >
                        {label}
                    </button>
                }
            })
            .collect_view()
    };
    let provider_options = move || {
        batch
            .providers
            .read()
            .providers
            .iter()
            .map(|p| {
                let id = p.id.clone();
                let selected = move || batch.provider.read() == id;
                view! {
                    <option value=p.id.clone() selected=selected>
                        {p.label.clone()}
                    </option>
                }
            })
            .collect_view()
    };
    let model_options = move || {
        let provider = batch.provider.get();
        batch.providers.with(|info| info.choose(&provider).map(|p| p.models.clone()).unwrap_or_default())
    };

    view! {
        <section class="settings" aria-label="What to write">
            <div class="field prompt-field">
                <label for="prompt">"Prompt"</label>
                <textarea
                    id="prompt"
                    rows="3"
                    aria-describedby="prompt-hint"
                    prop:value=move || batch.prompt.get()
                    on:input=move |ev| batch.prompt.set(event_target_value(&ev))
                ></textarea>
            </div>
            <p id="prompt-hint" class="hint">
                {format!(
                    "Variables: {} — filled in for each image; {} with what “First analyse with” finds.",
                    VARIABLES.join(", "),
                    crate::describe::analysis::VARIABLES.join(", "),
                )}
            </p>
            <div class="presets" role="group" aria-labelledby="presets-label">
                <span id="presets-label">"Presets"</span>
                {presets}
                {saved_buttons}
            </div>
            <div class="row-of-fields">
                <div class="field">
                    <label for="preset-name">"Preset name"</label>
                    <input id="preset-name" type="text" bind:value=preset_name />
                </div>
                <button type="button" on:click=save_preset>"Save preset"</button>
                <div class="field">
                    <label for="language">"Answer language"</label>
                    <input
                        id="language"
                        type="text"
                        list="language-options"
                        placeholder="As the prompt says"
                        prop:value=move || batch.language.get()
                        on:change=move |ev| batch.language.set(event_target_value(&ev).trim().to_string())
                    />
                    <datalist id="language-options">
                        {LANGUAGES.map(|l| view! { <option value=l></option> }).collect_view()}
                    </datalist>
                </div>
            </div>
            <FieldsEditor />
            <FirstStageFields />
            <div class="row-of-fields">
                <div class="field">
                    <label for="provider">"Provider"</label>
                    <select
                        id="provider"
                        disabled=move || batch.providers.read().providers.is_empty()
                        on:change=move |ev| choose_provider(batch, event_target_value(&ev), remembered)
                    >
                        {provider_options}
                    </select>
                </div>
                <div class="field">
                    <label for="model">"Model"</label>
                    <input
                        id="model"
                        type="text"
                        list="model-options"
                        spellcheck="false"
                        autocomplete="off"
                        prop:value=move || batch.model.get()
                        on:change=move |ev| batch.model.set(event_target_value(&ev).trim().to_string())
                    />
                    <datalist id="model-options">
                        <For each=model_options key=|m| m.clone() let:model>
                            <option value=model></option>
                        </For>
                    </datalist>
                </div>
                // Served and hydrated before the providers are known, so both agree; its
                // code comes with describing.
                <Show when=move || batch.providers.with(ProviderInfo::configured)>
                    {on_demand::compare_field()}
                </Show>
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
                        aria-describedby="parallel-hint"
                        max=move || batch.max_parallel.get().clamp(1, 8)
                        prop:value=move || batch.parallel.get().to_string()
                        on:change=move |ev| {
                            if let Ok(n) = event_target_value(&ev).parse::<u32>() {
                                batch.parallel.set(n.clamp(1, 8));
                            }
                        }
                    />
                    <span id="parallel-hint" class="hint">
                        "At most, from this page; the server keeps to the provider's limits for everyone."
                    </span>
                </div>
                <div class="field">
                    <label for="max-tokens">"Max tokens"</label>
                    <input
                        id="max-tokens"
                        type="number"
                        min="1"
                        max=move || batch.max_output_tokens.get()
                        placeholder=move || batch.max_output_tokens.get().to_string()
                        aria-describedby="max-tokens-hint"
                        prop:value=move || batch.max_tokens.get().map(|n| n.to_string()).unwrap_or_default()
                        on:change=move |ev| {
                            let ceiling = batch.max_output_tokens.get_untracked();
                            let asked = event_target_value(&ev).trim().parse::<u32>().ok();
                            batch.max_tokens.set(asked.filter(|n| *n > 0 && *n < ceiling));
                        }
                    />
                    <span id="max-tokens-hint" class="hint">
                        {move || format!("Longest reply; empty means the server's {}.", batch.max_output_tokens.get())}
                    </span>
                </div>
                <div class="field">
                    <label for="temperature">"Temperature"</label>
                    <input
                        id="temperature"
                        type="number"
                        min="0"
                        max="2"
                        step="0.1"
                        aria-describedby="temperature-hint"
                        prop:value=move || batch.temperature.get().map(hundredths_text).unwrap_or_default()
                        on:change=move |ev| batch.temperature.set(parse_hundredths(&event_target_value(&ev), 200))
                    />
                    <span id="temperature-hint" class="hint">"0 to 2; empty means the provider's default."</span>
                </div>
            </div>
        </section>
    }
}
