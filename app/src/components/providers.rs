//! What the server offers — its providers, their models and resize rules — asked once per
//! viewer and provided to the whole page as context. Components read it where they need
//! it; nothing copies it.

use leptos::prelude::*;

use super::resource_codec::SliceJson;
use super::sign_in::ViewerContext;
use crate::describe::api::provider_status;
use crate::describe::ProviderInfo;
use crate::error::ApiError;

#[derive(Clone, Copy)]
pub struct ProvidersContext {
    /// The server's answer, for the notice that says when there is no provider.
    pub status: Resource<Result<ProviderInfo, ApiError>, SliceJson>,
    /// The answer once the page has hydrated, empty before: the server render and the
    /// first browser render agree (nothing offered yet), then the controls light up.
    pub info: Memo<ProviderInfo>,
}

/// Asks the server what it offers, again whenever someone signs in or out.
pub fn provide_providers_context(session: ViewerContext, hydrated: ReadSignal<bool>) -> ProvidersContext {
    let status = Resource::new_with_options(move || session.version.get(), |_| provider_status(), false);
    let info = Memo::new(move |_| {
        if !hydrated.get() {
            return ProviderInfo::default();
        }
        status.get().and_then(Result::ok).unwrap_or_default()
    });
    let context = ProvidersContext { status, info };
    provide_context(context);
    context
}
