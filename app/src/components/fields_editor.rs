//! The "Fields" editor beside the prompt: what each answer must hold, each field with a
//! name, a type and an instruction. No fields: one free-text description per image.

use leptos::prelude::*;

use crate::batch::use_batch;
use crate::fields::{check, Field, FieldKind};
use crate::on_demand;

/// What a typed name becomes: lowercase, words joined with `_`.
pub fn field_name(typed: &str) -> String {
    typed.trim().to_ascii_lowercase().chars().map(|c| if c.is_whitespace() || c == '-' { '_' } else { c }).collect()
}

#[component]
pub fn FieldsEditor() -> impl IntoView {
    let batch = use_batch();
    let fields = batch.fields;
    let count = move || fields.read().len();
    let problem = move || fields.with(|f| check(f).err().map(|e| e.to_string()));
    let add = move |_| {
        fields.update(|f| {
            let name = (f.len() + 1..).map(|n| format!("field_{n}")).find(|n| f.iter().all(|x| &x.name != n));
            f.push(Field::new(&name.unwrap_or_default(), FieldKind::Text, ""));
        })
    };
    view! {
        <fieldset class="fields-editor">
            <legend>"Fields"</legend>
            <p class="hint">
                {move || match count() {
                    0 => "No fields: each image gets one free-text description. Add fields for separate columns.".to_string(),
                    n => format!("Each answer holds {n} field{}, filled by the model's structured output.", if n == 1 { "" } else { "s" }),
                }}
            </p>
            <Show when=move || count() != 0>
                {on_demand::field_rows()}
            </Show>
            <button type="button" on:click=add>"Add field"</button>
            <p class="field-problem" role="alert">{problem}</p>
        </fieldset>
    }
}

/// One group of inputs per field: name, type, instruction and, for a choice, the choices.
/// Loaded on demand (`on_demand::field_rows`): the page is never served with fields.
pub fn field_rows() -> impl IntoView {
    let fields = use_batch().fields;
    let count = move || fields.read().len();
    let row = move |i: usize| {
        let get = move |read: fn(&Field) -> String| move || fields.with(|f| f.get(i).map(read).unwrap_or_default());
        let set = move |write: fn(&mut Field, String), value: String| {
            fields.update(|f| {
                if let Some(field) = f.get_mut(i) {
                    write(field, value);
                }
            })
        };
        let number = i + 1;
        let is_choice = move || fields.with(|f| f.get(i).is_some_and(|x| matches!(x.kind, FieldKind::Choice { .. })));
        let kind_id = get(|f| f.kind.id().to_string());
        view! {
            <div class="field-def" role="group" aria-label=move || format!("Field {number}")>
                <div class="field">
                    <label for=format!("field-name-{i}")>{format!("Field {number} name")}</label>
                    <input
                        id=format!("field-name-{i}")
                        type="text"
                        spellcheck="false"
                        prop:value=get(|f| f.name.clone())
                        on:change=move |ev| set(|f, v| f.name = field_name(&v), event_target_value(&ev))
                    />
                </div>
                <div class="field">
                    <label for=format!("field-type-{i}")>{format!("Field {number} type")}</label>
                    <select
                        id=format!("field-type-{i}")
                        on:change=move |ev| {
                            set(
                                |f, v| {
                                    let choices = match &f.kind {
                                        FieldKind::Choice { choices } => choices.clone(),
                                        _ => Vec::new(),
                                    };
                                    f.kind = FieldKind::from_id(&v, choices);
                                },
                                event_target_value(&ev),
                            )
                        }
                    >
                        {FieldKind::NAMES
                            .into_iter()
                            .map(|(id, label)| {
                                view! { <option value=id selected=move || kind_id() == id>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field grow">
                    <label for=format!("field-instruction-{i}")>{format!("Field {number} instruction")}</label>
                    <input
                        id=format!("field-instruction-{i}")
                        type="text"
                        prop:value=get(|f| f.instruction.clone())
                        on:change=move |ev| set(|f, v| f.instruction = v, event_target_value(&ev))
                    />
                </div>
                <Show when=is_choice>
                    <div class="field">
                        <label for=format!("field-choices-{i}")>{format!("Field {number} choices")}</label>
                        <input
                            id=format!("field-choices-{i}")
                            type="text"
                            placeholder="comma-separated"
                            prop:value=get(|f| match &f.kind {
                                FieldKind::Choice { choices } => choices.join(", "),
                                _ => String::new(),
                            })
                            on:change=move |ev| {
                                set(
                                    |f, v| {
                                        let choices =
                                            v.split(',').map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect();
                                        f.kind = FieldKind::Choice { choices };
                                    },
                                    event_target_value(&ev),
                                )
                            }
                        />
                    </div>
                </Show>
                <button
                    type="button"
                    aria-label=move || format!("Remove field {number}")
                    on:click=move |_| {
                        fields.update(|f| {
                            if i < f.len() {
                                f.remove(i);
                            }
                        })
                    }
                >
                    "Remove field"
                </button>
            </div>
        }
    };

    view! {
        <For each=move || 0..count() key=|i| *i let:i>
            {row(i)}
        </For>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_names_become_keys() {
        assert_eq!(field_name(" Bullet points "), "bullet_points");
        assert_eq!(field_name("Alt-Text"), "alt_text");
        assert_eq!(field_name("title"), "title");
    }
}
