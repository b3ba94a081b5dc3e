//! The sign-in server functions. Anyone may call them (the guard lets them through); each
//! costs no provider call.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::Viewer;
use crate::error::ApiError;

/// Says whether this server wants a sign-in, who is signed in, and what they may spend.
/// Accepts `{}`; reveals no token and nothing about other users. 503 when the server is
/// not set up.
#[server(input = Json, endpoint = "viewer")]
pub async fn current_viewer() -> Result<Viewer, ApiError> {
    let state = crate::state::app_state().map_err(crate::state::refuse)?;
    Ok(server::viewer(&state.access, crate::state::caller().as_ref()).await)
}

/// Signs in with an access token: on success sets an `HttpOnly`, `SameSite=Strict` session
/// cookie (`Secure` over https) and returns the new [`Viewer`]; a wrong token is a 401
/// with a sentence. Tokens are compared in constant time and never logged.
#[server(input = Json, endpoint = "sign_in")]
pub async fn sign_in(token: String) -> Result<Viewer, ApiError> {
    let state = crate::state::app_state().map_err(crate::state::refuse)?;
    let token = token.trim();
    let Some((user, session)) = state.access.sign_in(token).filter(|_| !token.is_empty() && token.len() <= 512) else {
        tracing::info!("a sign-in with a wrong token was refused");
        return Err(crate::state::refuse(ApiError::SignIn(
            "That access token is not right; check it with whoever runs this picscribe.".into(),
        )));
    };
    tracing::info!(user = %user.name, "signed in");
    crate::state::set_cookie(&super::server::session_cookie(Some(&session), crate::state::is_https()));
    let caller = super::server::Caller { user, via: super::server::Via::Session(session) };
    Ok(server::viewer(&state.access, Some(&caller)).await)
}

/// Ends this browser's session and clears its cookie.
#[server(input = Json, endpoint = "sign_out")]
pub async fn sign_out() -> Result<Viewer, ApiError> {
    let state = crate::state::app_state().map_err(crate::state::refuse)?;
    let caller = crate::state::caller();
    if let Some(super::server::Caller { via: super::server::Via::Session(session), user }) = &caller {
        state.access.sign_out(session);
        tracing::info!(user = %user.name, "signed out");
    }
    crate::state::set_cookie(&super::server::session_cookie(None, crate::state::is_https()));
    Ok(server::viewer(&state.access, None).await)
}

#[cfg(feature = "ssr")]
mod server {
    use crate::access::server::budget::left;
    use crate::access::server::{Access, Caller, Via};
    use crate::access::Viewer;

    pub async fn viewer(access: &Access, caller: Option<&Caller>) -> Viewer {
        let settings = access.settings();
        let mut viewer = Viewer {
            sign_in_required: settings.sign_in_required(),
            token_sign_in: settings.users.iter().any(|user| user.token.is_some()),
            name: None,
            can_sign_out: false,
            budget_left: None,
            max_parallel: 0,
            max_output_tokens: settings.max_output_tokens,
        };
        let Some(caller) = caller else { return viewer };
        if viewer.sign_in_required {
            viewer.name = Some(caller.user.name.clone());
            viewer.can_sign_out = matches!(caller.via, Via::Session(_));
        }
        viewer.max_parallel = caller.user.max_parallel;
        if let Ok((spent, _)) = access.spent(caller).await {
            viewer.budget_left = left(caller.user.daily_token_budget, caller.user.monthly_token_budget, spent);
        }
        viewer
    }
}
