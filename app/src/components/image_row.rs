//! One image: preview, facts, status, the editable description and its actions.

use leptos::prelude::*;

use crate::batch::{actions, compare, key_under, use_batch, Phase, Row};
use crate::browser;
use crate::components::field_input::FieldInput;
use crate::images::human_size;

/// `index` is the row's place in the whole table, the header being 1.
#[component]
pub fn ImageRow(row: Row, #[prop(into)] index: Signal<usize>) -> impl IntoView {
    let batch = use_batch();
    let stale = {
        let row = row.clone();
        Memo::new(move |_| {
            let Some(key) = batch.current_key(&row) else { return false };
            // The compared model's answer, chosen, is as current as the other.
            let other = batch.compared_settings(true).and_then(|settings| key_under(&row, &settings));
            row.described.with(|d| d.as_ref().is_some_and(|d| d.key != key && Some(&d.key) != other.as_ref()))
        })
    };
    let status = move || row.phase.with(|p| p.label(stale.get()));
    let busy = move || !row.phase.with(Phase::can_describe);
    let usable = move || !row.phase.with(|p| matches!(p, Phase::Unusable { .. }));
    let writing = move || row.phase.with(|p| p.draft().is_some());
    let label = format!("Description of {}", row.name);
    let text_id = format!("description-{}", row.id);
    let dims = move || row.dims.get().map(|(w, h)| format!("{w} × {h} px"));
    let tokens = move || row.described.get().and_then(|d| d.tokens).map(|t| format!("{t} tokens"));
    let message = move || row.phase.with(|p| p.sentence().map(str::to_string)).or_else(|| row.note.get());
    // A row restored after a reload makes its small preview when it is first shown.
    actions::preview_when_shown(row.clone());
    let on_input = {
        let row = row.clone();
        move |ev| actions::edit_description(batch, &row, event_target_value(&ev))
    };
    let on_prompt = {
        let row = row.clone();
        move |ev| actions::edit_prompt(batch, &row, event_target_value(&ev))
    };
    // While an answer streams in, or when there are no fields, one text shows.
    let in_fields = move || !writing() && row.values.read().is_some();
    let fields = {
        let row = row.clone();
        move || {
            let row = row.clone();
            row.fields.get().into_iter().map(move |field| view! { <FieldInput row=row.clone() field /> }).collect_view()
        }
    };
    let prompt_id = format!("row-prompt-{}", row.id);
    let prompt_label = format!("Prompt for {}", row.name);
    let regenerate = {
        let row = row.clone();
        move |_| actions::describe_one(batch, row.clone())
    };
    let remove = {
        let row = row.clone();
        move |_| actions::remove_row(batch, &row, true)
    };
    let read_aloud = {
        let row = row.clone();
        move |_| {
            if let Err(message) = browser::speak(&row.text()) {
                batch.announce(message);
            }
        }
    };
    let nothing_to_read = {
        let row = row.clone();
        move || {
            row.values.track();
            row.description.track();
            row.text().trim().is_empty()
        }
    };
    let action_label = move || {
        if row.phase.with(|p| matches!(p, Phase::Failed { .. } | Phase::Refused { .. })) {
            "Retry"
        } else {
            "Regenerate"
        }
    };
    let name = row.name.clone();
    // Built again whenever the row leaves its fields for one text.
    let free_text = move || {
        view! {
        <label for=text_id.clone() class="row-label">{label.clone()}</label>
        <textarea
            id=text_id.clone()
            rows="3"
            readonly=writing
            aria-busy=move || writing().to_string()
            prop:value=move || {
                row.phase.with(|p| p.draft().map(str::to_string)).unwrap_or_else(|| row.description.get())
            }
            on:input=on_input.clone()
        ></textarea>
        }
    };

    let preview_alt = format!("Preview of {}", row.name);
    let preview = move || {
        row.preview.get().map(|url| view! { <img src=url alt=preview_alt.clone() loading="lazy" decoding="async" /> })
    };
    // An item's other photos, after its own.
    let photos = move || {
        let photos = row.photos.get();
        photos
            .into_iter()
            .map(|photo| {
                actions::preview_when_shown(photo.clone());
                let alt = format!("Preview of {}", photo.name);
                move || {
                    photo
                        .preview
                        .get()
                        .map(|url| view! { <img src=url alt=alt.clone() loading="lazy" decoding="async" /> })
                }
            })
            .collect_view()
    };
    let names = {
        let row = row.clone();
        move || {
            row.photos.track();
            row.file_names()
        }
    };
    let photo_count =
        move || row.photos.with(|p| (!p.is_empty()).then(|| format!("{} photos, described together", p.len() + 1)));
    let select_label = format!("Select {}", row.name);
    let compared = {
        let row = row.clone();
        move || compare::compared(batch, &row)
    };
    let answers = {
        let row = row.clone();
        move || compare::answers_view(row.clone())
    };
    let read_label = format!("Read description of {}", row.name);
    let remove_label = format!("Remove {}", row.name);
    let regenerate_label = move || format!("{} {}", action_label(), name);

    view! {
        <tr class="image-row" data-status=status aria-rowindex=move || index.get()>
            <td class="thumb">{preview}{photos}</td>
            <td class="file">
                <label class="select">
                    <input type="checkbox" aria-label=select_label bind:checked=row.selected />
                    "Select"
                </label>
                <span class="name">{names}</span>
                <span class="facts">{move || human_size(row.size.get())}</span>
                <span class="facts">{dims}</span>
                <span class="facts">{tokens}</span>
                {move || photo_count().map(|count| view! { <span class="facts">{count}</span> })}
            </td>
            <td class="status">
                <span class=move || format!("badge {}", status())>{status}</span>
                {move || row.hand.get().map(|hand| view! { <span class="hand-mark">{hand.label()}</span> })}
            </td>
            <td class="description">
                <Show when=in_fields fallback=free_text>
                    {fields.clone()}
                </Show>
                <p class="row-message" role="status">{message}</p>
                <Show when=compared>{answers.clone()}</Show>
                <Show when=usable>
                    <details class="row-prompt">
                        <summary>"Own prompt"</summary>
                        <label for=prompt_id.clone() class="row-label">{prompt_label.clone()}</label>
                        <textarea
                            id=prompt_id.clone()
                            rows="2"
                            placeholder="Empty: the prompt above"
                            prop:value=move || row.prompt.get()
                            on:input=on_prompt.clone()
                        ></textarea>
                    </details>
                </Show>
            </td>
            <td class="actions">
                <Show when=usable>
                    <button type="button" disabled=busy aria-label=regenerate_label.clone() on:click=regenerate.clone()>
                        {action_label}
                    </button>
                </Show>
                <button type="button" aria-label=read_label disabled=nothing_to_read on:click=read_aloud>
                    "Read description"
                </button>
                <button type="button" aria-label=remove_label on:click=remove>
                    "Remove"
                </button>
            </td>
        </tr>
    }
}
