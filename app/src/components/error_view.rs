//! The one way the page shows a server function's refusal: its sentence, announced.

use leptos::prelude::*;

use crate::error::ApiError;

#[component]
pub fn ErrorView(error: ApiError) -> impl IntoView {
    view! {
        <p class="notice error" role="alert">
            {error.to_string()}
        </p>
    }
}
