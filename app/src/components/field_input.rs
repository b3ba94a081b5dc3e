//! One field of one row, edited in place: labelled "<Field> of <file name>", lists one
//! item a line, alt text with a live character count against the 125 guidance.

use leptos::prelude::*;

use crate::batch::{actions, use_batch, Row};
use crate::fields::{to_text, Field, FieldKind, ALT_TEXT_GUIDANCE};

/// What the count under an alt text field says.
pub fn count_label(chars: usize) -> String {
    if chars > ALT_TEXT_GUIDANCE {
        format!("{chars} characters, {} over the {ALT_TEXT_GUIDANCE} advised", chars - ALT_TEXT_GUIDANCE)
    } else {
        format!("{chars} of {ALT_TEXT_GUIDANCE} characters")
    }
}

#[component]
pub fn FieldInput(row: Row, field: Field) -> impl IntoView {
    let batch = use_batch();
    let id = format!("field-{}-{}", row.id, field.name);
    let hint_id = format!("{id}-hint");
    let label = format!("{} of {}", field.label(), row.name);
    let name = field.name.clone();
    let value = move || row.values.with(|v| v.as_ref().and_then(|v| v.get(&name)).map(to_text).unwrap_or_default());
    let on_input = {
        let (row, field) = (row.clone(), field.clone());
        move |ev| actions::edit_field(batch, &row, &field, &event_target_value(&ev))
    };
    let control = match &field.kind {
        FieldKind::YesNo | FieldKind::Choice { .. } => {
            let choices: Vec<String> = match &field.kind {
                FieldKind::Choice { choices } => choices.clone(),
                _ => vec!["yes".into(), "no".into()],
            };
            let value = value.clone();
            view! {
                <select id=id.clone() on:change=on_input>
                    {choices
                        .into_iter()
                        .map(|choice| {
                            let value = value.clone();
                            let selected = {
                                let choice = choice.clone();
                                move || value() == choice
                            };
                            view! { <option value=choice.clone() selected=selected>{choice.clone()}</option> }
                        })
                        .collect_view()}
                </select>
            }
            .into_any()
        }
        FieldKind::Number => view! {
            <input id=id.clone() type="text" inputmode="decimal" prop:value=value.clone() on:input=on_input />
        }
        .into_any(),
        kind => {
            let list = *kind == FieldKind::List;
            let hint = if list { Some(hint_id.clone()) } else { None };
            let hint = if field.is_alt_text() { Some(hint_id.clone()) } else { hint };
            view! {
                <textarea
                    id=id.clone()
                    rows=if list { "4" } else { "2" }
                    aria-describedby=hint
                    prop:value=value.clone()
                    on:input=on_input
                ></textarea>
            }
            .into_any()
        }
    };
    let hint = if field.is_alt_text() {
        let count = value.clone();
        let over = move || count().chars().count() > ALT_TEXT_GUIDANCE;
        Some(
            view! {
                <span id=hint_id.clone() class="hint" class:over=over>
                    {move || count_label(value().chars().count())}
                </span>
            }
            .into_any(),
        )
    } else if field.kind == FieldKind::List {
        Some(view! { <span id=hint_id.clone() class="hint">"One per line"</span> }.into_any())
    } else {
        None
    };
    view! {
        <div class="field-value">
            <label for=id.clone() class="row-label">{label}</label>
            {control}
            {hint}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_says_how_far_over() {
        assert_eq!(count_label(0), "0 of 125 characters");
        assert_eq!(count_label(125), "125 of 125 characters");
        assert_eq!(count_label(140), "140 characters, 15 over the 125 advised");
    }
}
