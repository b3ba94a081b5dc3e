//! Signing in, when the server asks for it: an "Access token" form, then who is signed in,
//! what they may still spend, and "Sign out".

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::error_view::ErrorView;
use super::resource_codec::SliceJson;
use crate::access::api::{current_viewer, sign_in, sign_out};
use crate::access::Viewer;
use crate::error::ApiError;

/// Who is looking at the page, asked again whenever they sign in or out.
#[derive(Clone, Copy)]
pub struct ViewerContext {
    pub viewer: Resource<Result<Viewer, ApiError>, SliceJson>,
    /// Bumped by signing in or out; everything that depends on who is asking refetches.
    pub version: RwSignal<u32>,
}

pub fn provide_viewer_context() -> ViewerContext {
    let version = RwSignal::new(0);
    let viewer = Resource::new_with_options(move || version.get(), |_| current_viewer(), false);
    let context = ViewerContext { viewer, version };
    provide_context(context);
    context
}

#[component]
pub fn SignIn(viewer: Result<Viewer, ApiError>) -> impl IntoView {
    let context = use_context::<ViewerContext>();
    let changed = move || {
        if let Some(context) = context {
            context.version.update(|v| *v += 1);
        }
    };
    match viewer {
        Ok(viewer) if !viewer.may_describe() && viewer.token_sign_in => {
            view! { <SignInForm on_signed_in=changed /> }.into_any()
        }
        Ok(viewer) if !viewer.may_describe() => view! {
            <section class="sign-in" aria-labelledby="sign-in-heading">
                <h2 id="sign-in-heading">"Sign in"</h2>
                <p>
                    "This picscribe signs people in through the address your organisation gave you; "
                    "open it from there to describe images."
                </p>
            </section>
        }
        .into_any(),
        Ok(Viewer { name: Some(name), can_sign_out, budget_left, .. }) => {
            let leave = move |_| {
                spawn_local(async move {
                    let _ = sign_out().await;
                    changed();
                });
            };
            view! {
                <section class="signed-in" aria-label="Account">
                    <p>
                        "Signed in as " <strong>{name}</strong>
                        {budget_left.map(|left| format!(" · {left}"))}
                    </p>
                    <Show when=move || can_sign_out>
                        <button type="button" on:click=leave>
                            "Sign out"
                        </button>
                    </Show>
                </section>
            }
            .into_any()
        }
        Ok(_) => ().into_any(),
        Err(error) => view! { <ErrorView error /> }.into_any(),
    }
}

#[component]
fn SignInForm(on_signed_in: impl Fn() + Copy + 'static) -> impl IntoView {
    let token = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        busy.set(true);
        spawn_local(async move {
            match sign_in(token.get_untracked()).await {
                Ok(_) => {
                    token.set(String::new());
                    error.set(None);
                    on_signed_in();
                }
                Err(refused) => error.set(Some(refused.to_string())),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="sign-in" aria-labelledby="sign-in-heading">
            <h2 id="sign-in-heading">"Sign in"</h2>
            <p>"This picscribe is shared: sign in with the access token its operator gave you to describe images."</p>
            <form on:submit=submit>
                <label for="access-token">"Access token"</label>
                <input
                    id="access-token"
                    type="password"
                    autocomplete="current-password"
                    required
                    prop:value=move || token.get()
                    on:input=move |ev| token.set(event_target_value(&ev))
                />
                <button type="submit" disabled=move || busy.get()>
                    "Sign in"
                </button>
            </form>
            <p class="sign-in-error" role="alert">
                {move || error.get()}
            </p>
        </section>
    }
}
