//! A button that asks for one file: a label styled as a button for a hidden file input,
//! so it has a visible name, is reached by Tab and opened with Enter or Space.

use leptos::prelude::*;

use crate::browser::files;

/// "Import descriptions", "Add from a CSV feed": `take` gets the file chosen.
pub fn file_button(
    id: &'static str,
    label: &'static str,
    accept: &'static str,
    take: impl Fn(web_sys::File) + 'static,
) -> impl IntoView {
    view! {
        <label for=id class="button">{label}</label>
        <input
            id=id
            class="visually-hidden"
            type="file"
            accept=accept
            on:change=move |ev| {
                if let Some(file) = files::from_input(&ev).into_iter().next() {
                    take(file);
                }
            }
        />
    }
}
