//! What the server holds for every request: Leptos's options and the describer with its
//! provider. Server functions read it through [`app_state`].

use axum::extract::FromRef;
use leptos::prelude::*;

use crate::describe::server::Describer;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub describer: Describer,
}

/// The state leptos_axum provides to server functions.
pub fn app_state() -> Result<AppState, ServerFnError> {
    use_context::<AppState>().ok_or_else(|| ServerFnError::new("The server is not set up to describe images."))
}
