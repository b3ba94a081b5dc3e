//! "First analyse with" and "Minimum confidence": a first stage (Azure AI Vision, the
//! built-in text extraction or image facts) whose findings fill the prompt's `{tags}`,
//! `{caption}`, `{text}` and `{objects}`, and how sure it must be of a tag for it to count.

use leptos::prelude::*;

use crate::batch::use_batch;
use crate::describe::analysis::{BUILTIN, BUILTIN_TEXT};
use crate::describe::{azure_vision, ProviderKind};
use crate::on_demand;

/// Hundredths as a confidence reads: 80 → "0.80".
fn shown(hundredths: u32) -> String {
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

#[component]
pub fn FirstStageFields() -> impl IntoView {
    let batch = use_batch();
    // Only once it matters: analysing first, or a row Azure AI Vision described. Neither
    // is so when the page is served, so its code loads with describing.
    let shows_confidence = move || {
        !batch.analyse_with.read().is_empty()
            || batch.rows.with(|rows| {
                rows.iter().any(|r| r.described.with(|d| d.as_ref().is_some_and(|d| d.model == azure_vision::MODEL)))
            })
    };
    let analysers = move || {
        batch.providers.with(|info| {
            info.providers
                .iter()
                .filter_map(|p| match p.kind {
                    ProviderKind::AzureVision => Some((p.id.clone(), p.label.clone())),
                    ProviderKind::Builtin => Some((BUILTIN_TEXT.into(), "Built-in text extraction".into())),
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
    };
    let option = move |value: String, label: String| {
        let chosen = value.clone();
        view! {
            <option value=value selected=move || batch.analyse_with.read() == chosen>
                {label}
            </option>
        }
    };
    view! {
        <div class="row-of-fields">
            <div class="field">
                <label for="analyse-with">"First analyse with"</label>
                <select
                    id="analyse-with"
                    aria-describedby="analyse-hint"
                    on:change=move |ev| batch.analyse_with.set(event_target_value(&ev))
                >
                    {option(String::new(), "None".into())}
                    {move || analysers().into_iter().map(|(id, label)| option(id, label)).collect_view()}
                    {option(BUILTIN.into(), "Built-in image facts".into())}
                </select>
                <span id="analyse-hint" class="hint">
                    "Its findings fill {tags}, {caption}, {text} and {objects} in the prompt."
                </span>
            </div>
            <Show when=shows_confidence>{on_demand::confidence_field()}</Show>
        </div>
    }
}

/// "Minimum confidence", loaded on demand (`on_demand::confidence_field`).
pub fn confidence_field() -> impl IntoView {
    let batch = use_batch();
    view! {
        <div class="field">
            <label for="min-confidence">"Minimum confidence"</label>
            <input
                id="min-confidence"
                type="range"
                min="0"
                max="100"
                step="5"
                aria-describedby="min-confidence-hint"
                aria-valuetext=move || shown(batch.min_confidence.get())
                prop:value=move || batch.min_confidence.get().to_string()
                on:input=move |ev| {
                    if let Ok(min) = event_target_value(&ev).parse::<u32>() {
                        batch.min_confidence.set(min.min(100));
                    }
                }
            />
            <output for="min-confidence">{move || shown(batch.min_confidence.get())}</output>
            <span id="min-confidence-hint" class="hint">
                "Azure AI Vision's tags and objects under it are left out of {tags} and of exports."
            </span>
        </div>
    }
}
